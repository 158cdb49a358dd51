#!/bin/sh
# kiln check, the issue's acceptance: a folder of certificates valid for a
# year, expiring in 10 days, expired, not yet valid, from a foreign CA, a
# bundle, a DER certificate, files that are not certificates, a subfolder,
# links to a file and to a folder, a FIFO and an unreadable file; the
# status of each in JSON and in the table, which files are skipped, the
# exit codes 0 to 3, and a scan of 1,000 certificate files.
. "$(dirname "$0")/lib.sh"


# The CA, with kiln, and a foreign one.
cp "$DATA"/ecdsa/ca-csr.json "$DATA"/ecdsa/etcd-csr.json .
"$KILN" gencert -initca ca-csr.json 2>/dev/null | "$BIN"/cfssljson -bare ca
mkdir other
sed 's/etcd CA/other CA/' ca-csr.json >other/ca-csr.json
"$KILN" gencert -initca other/ca-csr.json 2>/dev/null |
    "$BIN"/cfssljson -bare other/ca

# Leaves signed by openssl ca with the kiln CA's key, for the dates.
ossl_ca_init copy
openssl ecparam -name prime256v1 -genkey -noout -out leaf-key.pem

# sign NAME ISSUER OPENSSL-CA-ARGS...: NAME.pem, CN NAME, a DNS SAN.
sign() {
	n=$1
	issuer=$2
	shift 2
	openssl req -new -key leaf-key.pem -subj "/CN=$n" \
	    -addext "subjectAltName=DNS:$n.example,IP:127.0.0.1" -out "$n.csr"
	openssl ca -batch -config ca.cnf -cert "$issuer.pem" \
	    -keyfile "$issuer-key.pem" -in "$n.csr" -notext -out "$n.pem" \
	    "$@" 2>/dev/null
}
sign year1 ca -days 365
sign year2 ca -days 365
sign soon ca -days 10
sign expired ca -startdate 20200101000000Z -enddate 20210101000000Z
sign future ca -startdate 20991231000000Z -enddate 21001231000000Z
sign foreign other/ca -days 365
sign one ca -days 365
sign two ca -days 365
sign der ca -days 365
sign deep ca -days 365
assert_eq "notBefore=Dec 31 00:00:00 2099 GMT" \
    "$(openssl x509 -in future.pem -noout -startdate)" "openssl: future start"

# The folder.
mkdir all all/sub
cp year1.pem year2.pem soon.pem expired.pem future.pem foreign.pem all/
cat one.pem two.pem ca.pem >all/bundle.pem
openssl x509 -in der.pem -outform DER -out all/der.der
cp deep.pem all/sub/
# Not certificates: keys (PEM, DER), a request, JSON, text, an empty file.
cp leaf-key.pem all/key.pem
openssl ec -in leaf-key.pem -outform DER -out all/key.der 2>/dev/null
cp soon.csr all/soon.csr
cp ca-csr.json all/
echo "renew these before they expire" >all/notes.txt
: >all/empty
mkfifo all/fifo
ln -s year1.pem all/link.pem
ln -s sub all/linkdir
cp year1.pem all/unreadable.pem
chmod 000 all/unreadable.pem
root=no
if cat all/unreadable.pem >/dev/null 2>&1; then
	root=yes
	echo "check.sh: chmod 000 does not stop reading (root):" \
	    "the unreadable file's check is skipped"
fi

# status_json FILE PATH [INDEX]: the status of that certificate in FILE.
status_json() {
	jq -r --arg p "$2" --argjson i "${3:-1}" \
	    '[.certificates[] | select(.path == $p and .index == $i) | .status] |
	        if length == 1 then .[0] else "\(length) entries" end' "$1"
}

# status_table FILE NAME: the STATUS cell of the row whose PATH is NAME.
status_table() {
	awk -F'|' -v p="$2" '{
		for (i = 2; i <= 8; i++) gsub(/^ +| +$/, "", $i)
		if ($2 == p) print $8
	}' "$1"
}

# Default settings (-within 30d): every status but critical and untrusted.
run json "$KILN" check -format json all
run table "$KILN" check all
assert_eq 2 "$rc" "all: exit 2 (expired, not yet valid)"
for pair in year2.pem=ok soon.pem=expiring expired.pem=expired \
    "future.pem=not yet valid" foreign.pem=ok der.der=ok sub/deep.pem=ok \
    link.pem=ok; do
	f=${pair%%=*}
	want=${pair#*=}
	assert_eq "$want" "$(status_json json.out "all/$f")" "json: $f"
	assert_eq "$want" "$(status_table table.out "all/$f")" "table: $f"
done
# The same file at several paths (link.pem is a link to year1.pem) is
# read and counted once, under the first path met, with the others
# listed; a copy (unreadable.pem) is a file of its own.
assert_eq "all/year1.pem" "$(jq -r '.certificates[] | select(.path == "all/link.pem") |
    .also_at | join(" ")' json.out)" "json: link.pem also at"
assert_eq "0 entries" "$(status_json json.out all/year1.pem)" "json: year1.pem counted once"
assert_contains "$(cat table.out)" "all/link.pem: also at all/year1.pem" \
    "table: the other paths below"
for i in 1 2 3; do
	assert_eq ok "$(status_json json.out all/bundle.pem $i)" "json: bundle #$i"
	assert_eq ok "$(status_table table.out "all/bundle.pem#$i")" "table: bundle#$i"
done
assert_eq "one two etcd CA" \
    "$(jq -r '[.certificates[] | select(.path == "all/bundle.pem") |
        .subject_cn] | join(" ")' json.out)" "bundle: every certificate, in order"
assert_eq "not yet valid 2" "$(jq -r '"\(.status) \(.exit)"' json.out)" \
    "json: the worst status, the exit"
left=$(jq -r '.certificates[] | select(.path == "all/soon.pem") | .seconds_left' json.out)
if [ "$left" -gt 864000 ] || [ "$left" -le 860400 ]; then
	fail "soon: seconds_left $left not within the hour under 10 days"
fi
ok
assert_eq "soon soon.example,127.0.0.1 etcd CA $((left / 86400)) expiring" \
    "$(jq -r '.certificates[] | select(.path == "all/soon.pem") |
        "\(.subject_cn) \(.sans | join(",")) \(.issuer_cn) \(.days_left) \(.status)"' json.out)" \
    "json: soon's fields"
assert_eq "2020-01-01T00:00:00Z 2021-01-01T00:00:00Z" \
    "$(jq -r '.certificates[] | select(.path == "all/expired.pem") |
        "\(.not_before) \(.not_after)"' json.out)" "json: expired's dates"
assert_eq "$(printf '%d' 0x"$(openssl x509 -in all/year1.pem -noout -serial | cut -d= -f2)")" \
    "$(jq -r '.certificates[] | select(.path == "all/link.pem") | .serial_number' json.out)" \
    "json: the serial number, in decimal"
assert_eq "path index subject_cn sans not_before not_after seconds_left days_left issuer_cn serial_number status" \
    "$(jq -r '.certificates[0] | keys_unsorted | join(" ")' json.out)" \
    "json: the keys of a certificate"
assert_eq "status exit files certificates problems" \
    "$(jq -r 'keys_unsorted | join(" ")' json.out)" "json: the top keys"

# Exactly these entries: nothing skipped shows, links to folders are not
# followed, the FIFO is not read.
want="all/bundle.pem#1 all/bundle.pem#2 all/bundle.pem#3 all/der.der#1
all/expired.pem#1 all/foreign.pem#1 all/future.pem#1 all/link.pem#1
all/soon.pem#1 all/sub/deep.pem#1"
[ $root = yes ] && want="$want all/unreadable.pem#1"
want="$want all/year2.pem#1"
assert_eq "$(printf '%s' "$want" | tr '\n' ' ')" \
    "$(jq -r '[.certificates[] | "\(.path)#\(.index)"] | join(" ")' json.out)" \
    "json: the entries, in name order"
for skipped in key.pem key.der soon.csr ca-csr.json notes.txt empty fifo \
    linkdir; do
	assert_not_contains "$(cat table.out)" "all/$skipped" "table: $skipped skipped"
done
rows=$(grep -c '^| all/' table.out)
assert_eq "$(jq '.certificates | length' json.out)" "$rows" "table: one row each"
assert_eq "| PATH | SUBJECT CN | SANS | NOT AFTER | LEFT | ISSUER CN | STATUS |" \
    "$(sed -n 2p table.out | tr -s ' ')" "table: the head"
soon_row=$(grep '^| all/soon.pem ' table.out | tr -s ' ')
assert_contains "$soon_row" "| all/soon.pem | soon | soon.example, 127.0.0.1 | " \
    "table: CN and SANs"
assert_contains "$soon_row" "| etcd CA | expiring |" "table: issuer, status"
# LEFT: soon was checked within the hour it was made: 10 days to the
# second if the table ran in the second it was made, else 9d 23h (the
# JSON's run may have been in that second and the table's the next).
case $soon_row in
*"| 9d 23h |"*) ok ;;
*"| 10d 0h |"*) assert_eq 864000 "$left" "table: LEFT 10d 0h in the second of issue" ;;
*) fail "table: LEFT: neither 9d 23h nor 10d 0h in: $soon_row" ;;
esac

# The unreadable file is a problem: reported, and exit 3 when nothing is
# worse.
if [ $root = no ]; then
	assert_eq "all/unreadable.pem: all/unreadable.pem: Permission denied" \
	    "$(jq -r '.problems[] | "\(.path): \(.error)"' json.out)" "json: the problem"
	assert_contains "$(cat table.err)" \
	    "kiln: check: all/unreadable.pem: Permission denied" "table: the problem"
	cp year1.pem unreadable.pem
	chmod 000 unreadable.pem
	run p "$KILN" check year1.pem unreadable.pem
	assert_eq 3 "$rc" "ok + unreadable: exit 3"
	assert_eq "kiln: check: unreadable.pem: Permission denied" "$(cat p.err)" \
	    "ok + unreadable: message"
	assert_eq 1 "$(grep -c '^| year1.pem ' p.out)" "ok + unreadable: the rest shown"
	run p "$KILN" check expired.pem unreadable.pem
	assert_eq 2 "$rc" "expired + unreadable: still 2"
else
	assert_eq 0 "$(jq '.problems | length' json.out)" "root: no problem"
fi
assert_eq "" "$(cat json.err)" "json: nothing on stderr"

# -critical: the 10-day certificate becomes critical.
run crit "$KILN" check -critical 15d -format json all
assert_eq critical "$(status_json crit.out all/soon.pem)" "-critical 15d: soon"
assert_eq ok "$(status_json crit.out all/link.pem)" "-critical 15d: year1"
run crit "$KILN" check -critical 15d all
assert_eq critical "$(status_table crit.out all/soon.pem)" "table: -critical 15d"

# -ca: the foreign certificate becomes untrusted, and why.
run trust "$KILN" check -ca ca.pem -format json all
assert_eq 2 "$rc" "-ca: exit"
assert_eq untrusted "$(jq -r .status trust.out)" "-ca: the worst status"
# The reason names the key identifiers, as openssl prints them: two CAs
# often share a name.
assert_eq "untrusted not issued by the CA given: its authority key identifier is $(keyid foreign.pem authorityKeyIdentifier), the CA's subject key identifier is $(keyid ca.pem subjectKeyIdentifier)" \
    "$(jq -r '.certificates[] | select(.path == "all/foreign.pem") |
        "\(.status) \(.reason)"' trust.out)" "-ca: foreign"
assert_eq "all/foreign.pem all/future.pem" \
    "$(jq -r '[.certificates[] | select(.reason) | .path] | join(" ")' trust.out)" \
    "-ca: only the foreign one, and the one that outlives its CA, have a reason"
assert_eq "not yet valid it outlives its CA \"etcd CA\", which expires on $(jq -r '.certificates[] | select(.path == "all/bundle.pem" and .index == 3) | .not_after' trust.out): it stops working then, so its status and time left are the CA's" \
    "$(jq -r '.certificates[] | select(.path == "all/future.pem") | "\(.status) \(.reason)"' trust.out)" \
    "-ca: future outlives its CA"
for i in 1 2 3; do
	assert_eq ok "$(status_json trust.out all/bundle.pem $i)" "-ca: bundle #$i"
done
assert_eq expired "$(status_json trust.out all/expired.pem)" "-ca: expired stays expired"
run trust "$KILN" check -ca ca.pem all
assert_eq untrusted "$(status_table trust.out all/foreign.pem)" "table: -ca foreign"

# Exit codes of subsets.
mkdir good
cp year1.pem year2.pem good/
cp all/bundle.pem all/der.der good/
run e "$KILN" check good
assert_eq 0 "$rc" "only valid: exit 0"
assert_eq "" "$(cat e.err)" "only valid: nothing on stderr"
run e "$KILN" check good all/sub all/link.pem
assert_eq 0 "$rc" "files, folders and links as operands: 0"
assert_eq 8 "$(grep -c '^| good/\|^| all/' e.out)" "operands: every certificate"
run e "$KILN" check -ca ca.pem good
assert_eq 0 "$rc" "only valid, -ca: 0"
run e "$KILN" check good soon.pem
assert_eq 1 "$rc" "+ 10 days: exit 1"
run e "$KILN" check -format json good soon.pem
assert_eq "1 expiring" "$(jq -r '"\(.exit) \(.status)"' e.out)" "+ 10 days: json"
run e "$KILN" check -within 5d good soon.pem
assert_eq 0 "$rc" "-within 5d: exit 0"
run e "$KILN" check -within 9d good soon.pem
assert_eq 0 "$rc" "-within 9d: exit 0"
run e "$KILN" check -within 10d good soon.pem
assert_eq 1 "$rc" "-within 10d: exit 1"
run e "$KILN" check -within 240h good soon.pem
assert_eq 1 "$rc" "-within 240h: exit 1"
run e "$KILN" check -critical 15d good soon.pem
assert_eq 2 "$rc" "-critical 15d: exit 2"
run e "$KILN" check -critical 5d good soon.pem
assert_eq 1 "$rc" "-critical 5d: exit 1"
run e "$KILN" check good expired.pem
assert_eq 2 "$rc" "expired: exit 2"
run e "$KILN" check good future.pem
assert_eq 2 "$rc" "not yet valid: exit 2"
run e "$KILN" check good foreign.pem
assert_eq 0 "$rc" "foreign without -ca: exit 0"
run e "$KILN" check -ca ca.pem good foreign.pem
assert_eq 2 "$rc" "foreign with -ca: exit 2"
run e "$KILN" check -ca other/ca.pem foreign.pem
assert_eq 0 "$rc" "foreign with its own CA: exit 0"

# Nothing checked: exit 3.
mkdir none none/sub
cp all/key.pem all/key.der all/soon.csr all/ca-csr.json all/notes.txt none/
cp ca-key.pem none/sub/
run e "$KILN" check none
assert_eq 3 "$rc" "no certificate: exit 3"
assert_eq "" "$(cat e.out)" "no certificate: no table"
assert_eq "kiln: check: no certificate found" "$(cat e.err)" "no certificate: message"
run e "$KILN" check -format json none
assert_eq 3 "$rc" "no certificate, json: exit 3"
assert_eq "3 0 6" "$(jq -r '"\(.exit) \(.certificates | length) \(.files)"' e.out)" \
    "no certificate, json: exit, entries, files read"
mkdir emptydir
run e "$KILN" check emptydir
assert_eq 3 "$rc" "an empty folder: exit 3"

# Problems: exit 3 unless 2 already, on stderr in table, in "problems".
printf -- '-----%s CERTIFICATE-----\nAAAA\n-----%s CERTIFICATE-----\n' BEGIN END \
    >broken.pem
run e "$KILN" check good broken.pem
assert_eq 3 "$rc" "ok + broken: exit 3"
assert_eq "kiln: check: broken.pem: certificate 1: not a certificate" "$(cat e.err)" \
    "ok + broken: message"
assert_contains "$(cat e.out)" "| good/year1.pem " "ok + broken: the table still printed"
run e "$KILN" check -format json good soon.pem nosuch.pem
assert_eq 3 "$rc" "expiring + missing: exit 3"
assert_eq "nosuch.pem" "$(jq -r '.problems[].path' e.out)" "missing: in problems"
assert_eq "unknown 3" "$(jq -r '"\(.status) \(.exit)"' e.out)" "missing: status, exit"
run e "$KILN" check good expired.pem nosuch.pem
assert_eq 2 "$rc" "expired + missing: exit 2"
run e "$KILN" check nosuch.pem
assert_eq 3 "$rc" "only a missing path: exit 3"

# Usage errors: exit 3, not 2 as for kiln's other commands.
run e "$KILN" check -within x good
assert_eq 3 "$rc" "-within x: exit 3"
assert_contains "$(cat e.err)" "kiln: check: -within: invalid duration" "-within x: message"
assert_contains "$(cat e.err)" "Usage of check:" "-within x: usage"
assert_eq "" "$(cat e.out)" "-within x: no output"
run e "$KILN" check -critical -1d good
assert_eq 3 "$rc" "-critical -1d: exit 3"
run e "$KILN" check
assert_eq 3 "$rc" "no path: exit 3"
assert_contains "$(cat e.err)" "kiln: check: no file or folder to check" "no path: message"
run e "$KILN" check -format yaml good
assert_eq 3 "$rc" "-format yaml: exit 3"
run e "$KILN" check -nosuchflag good
assert_eq 3 "$rc" "undefined flag: exit 3"
run e "$KILN" check -ca nosuch.pem good
assert_eq 3 "$rc" "-ca missing: exit 3"
run e "$KILN" check -h
assert_eq 0 "$rc" "-h: exit 0"

# 1,000 certificate files: written by the shell, no process per file.
mkdir many
y1=$(cat year1.pem)
y2=$(cat year2.pem)
ca=$(cat ca.pem)
i=0
while [ $i -lt 1000 ]; do
	case $((i % 3)) in
	0) printf '%s\n' "$y1" >many/c$i.pem ;;
	1) printf '%s\n' "$y2" >many/c$i.pem ;;
	2) printf '%s\n' "$ca" >many/c$i.pem ;;
	esac
	i=$((i + 1))
done
start=$(date +%s%N)
run many "$KILN" check -format json many
end=$(date +%s%N)
assert_eq 0 "$rc" "1,000 files: exit 0"
assert_eq "1000 1000 0" \
    "$(jq -r '"\(.certificates | length) \(.files) \(.problems | length)"' many.out)" \
    "1,000 files: entries, files, problems"
case $start$end in
*N*) echo "check.sh: 1,000 certificate files checked (no sub-second clock)" ;;
*) echo "check.sh: 1,000 certificate files checked in $(((end - start) / 1000000)) ms" ;;
esac
run many "$KILN" check many
assert_eq 1004 "$(wc -l <many.out | tr -d ' ')" "1,000 files: the table's lines"

# A JSON file that holds a certificate as a JSON string (cfssl's and kiln
# gencert's output, "-----BEGIN CERTIFICATE-----\nMII...") is a JSON
# file, not a broken certificate.
mkdir withjson
cp year1.pem withjson/
"$KILN" gencert -ca ca.pem -ca-key ca-key.pem etcd-csr.json >withjson/etcd.json 2>/dev/null
run e "$KILN" check withjson
assert_eq "" "$(cat e.err)" "gencert's JSON output: no problem"
assert_eq 0 "$rc" "gencert's JSON output: exit 0"

finish
