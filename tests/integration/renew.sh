#!/bin/sh
# renew.sh BUILD_DIR DATA_DIR
#
# kiln renew: certificates issued again by their CA, in place.  On
# certificates kiln makes here (ECDSA P-256 unless RSA is under test):
#  1. gencert with the guide's ca-config.json (profile kubernetes): a new
#     serial, dates from now (backdated 5 minutes, lifetime kept), and the
#     same subject (RFC 2253 and the subject's DER bytes), issuer, SANs,
#     keyUsage, extKeyUsage, basicConstraints and public key; it verifies
#     (openssl verify -x509_strict); the output line; the key untouched;
#  2. a `kiln etcd` tree renewed with the globs of the README: every server,
#     peer and client certificate as in 1, keys and the members' copies of
#     the CA skipped and untouched;
#  3. -rekey: a new key of the same type and size (ECDSA P-256, RSA 2048),
#     NAME-key.pem beside CERT or -key FILE, mode 0600, that matches;
#  4. -within: a certificate not due is kept byte for byte, "kept";
#  5. -backup: NAME.pem.<UTC stamp>, and the key with -rekey;
#  6. a certificate of another CA: exit 1, one line naming it, unchanged;
#  7. the CA itself: renewed with its own key it keeps subject, key and
#     SKI and verifies a leaf issued before; -rekey of the CA is refused;
#  8. -expiry 48h; an expired certificate; a bundle (leaf + CA);
#  9. an extension renew does not write is named on stderr;
# 10. usage errors exit 2.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
for t in openssl jq cmp od dd sha256sum; do
	command -v "$t" >/dev/null 2>&1 || fail "$t is not installed"
done
for b in kiln kiln-certinfo; do
	[ -x "$BIN/$b" ] || fail "no $b in $BIN"
done
START=$(date +%s)
say() { echo "renew: $*"; }

# run TAG ARGS...: kiln renew ARGS, stdout in TAG.out, stderr in TAG.err,
# the status in RC; BEFORE and AFTER bracket it (seconds since the epoch).
run() {
	tag=$1
	shift
	RC=0
	BEFORE=$(date +%s)
	"$KILN" renew "$@" >"$T/$tag.out" 2>"$T/$tag.err" || RC=$?
	AFTER=$(date +%s)
}

# gen ARGS...: kiln gencert ARGS, quietly.
gen() {
	"$KILN" gencert "$@" >"$T/gen.out" 2>"$T/gen.err" || fail "kiln gencert $*: $(cat "$T/gen.err")"
}

# subject_der CERT: the subject Name of CERT, the whole TLV, in hex: the
# sixth element of the TBSCertificate (version, serial, signature, issuer,
# validity, subject), found with openssl asn1parse.
subject_der() {
	openssl x509 -in "$1" -outform DER -out "$T/sd.der" || fail "$1: not a PEM certificate"
	openssl asn1parse -inform DER -in "$T/sd.der" >"$T/sd.asn1" || fail "$1: asn1parse"
	sed -n 's/^ *\([0-9]*\):d=2 *hl= *\([0-9]*\) *l= *\([0-9]*\) .*/\1 \2 \3/p' "$T/sd.asn1" >"$T/sd.tbs"
	grep -q 'd=2 .*cont \[ 0 \]' "$T/sd.asn1" || fail "$1: not a v3 certificate"
	sed -n 6p "$T/sd.tbs" >"$T/sd.line"
	read -r off hl len <"$T/sd.line" || fail "subject_der: no subject in $(cat "$T/sd.asn1")"
	dd if="$T/sd.der" bs=1 skip="$off" count=$((hl + len)) 2>/dev/null | od -An -v -tx1 | tr -d ' \n'
}

subject() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253; }
issuer() { openssl x509 -in "$1" -noout -issuer -nameopt RFC2253; }
pubkey() { openssl x509 -in "$1" -noout -pubkey; }
serial() { "$BIN/kiln-certinfo" -cert "$1" | jq -r 'if type == "array" then .[0] else . end | .serial_number'; }
ski() { openssl x509 -in "$1" -noout -ext subjectKeyIdentifier 2>/dev/null; }
# The SANs, usages and constraints, with their criticality, as openssl prints them.
exts() {
	openssl x509 -in "$1" -noout -ext subjectAltName,keyUsage,extendedKeyUsage,basicConstraints 2>/dev/null
}
# epoch TIME: seconds since the epoch of an openssl date.
epoch() { date -u -d "$1" +%s; }
not_before() { epoch "$(openssl x509 -in "$1" -noout -startdate | sed 's/^notBefore=//')"; }
not_after() { epoch "$(openssl x509 -in "$1" -noout -enddate | sed 's/^notAfter=//')"; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# verify_ok CA CERT
verify_ok() {
	openssl verify -x509_strict -CAfile "$1" "$2" >"$T/verify.log" 2>&1 ||
	    fail "openssl verify -x509_strict -CAfile $1 $2: $(cat "$T/verify.log")"
	ok
}

# same_cert OLD NEW CA samekey|newkey: NEW is OLD issued again by CA.
same_cert() {
	o=$1 n=$2
	verify_ok "$3" "$n"
	[ "$(serial "$o")" != "$(serial "$n")" ] || fail "$n: the serial of $o was kept: $(serial "$n")"
	ok
	assert_eq "$(subject "$o")" "$(subject "$n")" "$n: subject (RFC 2253)"
	assert_eq "$(subject_der "$o")" "$(subject_der "$n")" "$n: the subject's DER bytes"
	assert_eq "$(issuer "$o")" "$(issuer "$n")" "$n: issuer"
	assert_eq "$(exts "$o")" "$(exts "$n")" "$n: SANs, keyUsage, extKeyUsage, basicConstraints"
	if [ "$4" = samekey ]; then
		assert_eq "$(pubkey "$o")" "$(pubkey "$n")" "$n: public key"
	else
		[ "$(pubkey "$o")" != "$(pubkey "$n")" ] || fail "$n: -rekey kept the public key"
		ok
	fi
}

# dates_now CERT LIFETIME: notBefore is the time of the last run rounded to
# the minute less 5 minutes, notAfter LIFETIME seconds later.
dates_now() {
	nb=$(not_before "$1") na=$(not_after "$1")
	lo=$(((BEFORE + 30) / 60 * 60 - 300)) hi=$(((AFTER + 30) / 60 * 60 - 300))
	if [ "$nb" -lt "$lo" ] || [ "$nb" -gt "$hi" ]; then
		fail "$1: notBefore $(iso "$nb"), want $(iso "$lo") (the run's minute less 5 minutes)"
	fi
	ok
	assert_eq "$2" $((na - nb)) "$1: lifetime in seconds"
}

# renewed_line CERT [SUFFIX]: the line kiln renew prints for CERT.
renewed_line() {
	echo "$1: renewed, serial $(serial "$1"), valid until $(iso "$(not_after "$1")")${2:-}"
}

# key_of CERT KEY: KEY is CERT's private key, mode 0600.
key_of() {
	"$BIN/kiln-certinfo" -cert "$1" -key "$2" >"$T/match.out" 2>"$T/match.err" ||
	    fail "kiln-certinfo -cert $1 -key $2: $(cat "$T/match.err")"
	ok
	assert_eq 600 "$(mode "$2")" "mode of $2"
}

now=$(date +%s)

# ---------------------------------------------------------------------------
# 1. The guide: its ca-config.json and CSRs, ECDSA keys, SANs of every kind.
mkdir guide
cd guide || fail "cd guide"
sed 's/"rsa"/"ecdsa"/; s/2048/256/' "$DATA/guide/ca-csr.json" >ca-csr.json
sed 's/"rsa"/"ecdsa"/; s/2048/256/' "$DATA/guide/etcd-csr.json" >etcd-csr.json
cp "$DATA/guide/ca-config.json" .
grep -q ecdsa etcd-csr.json || fail "could not make the guide's CSR ECDSA"
gen -initca -out ca ca-csr.json
gen -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile kubernetes \
    -hostname 'etcd.local,192.168.66.31,127.0.0.1,::1,ops@example.com,spiffe://cluster/etcd' \
    -out etcd etcd-csr.json
assert_contains "$(exts etcd.pem)" "IP Address:0:0:0:0:0:0:0:1" "the guide certificate has every kind of SAN"
assert_contains "$(exts etcd.pem)" "URI:spiffe://cluster/etcd" "the guide certificate has every kind of SAN"
cp etcd.pem etcd.old
cp etcd-key.pem etcd-key.old
cp ca.pem ca.old
run guide -ca ca.pem -ca-key ca-key.pem etcd.pem
assert_eq 0 "$RC" "guide: exit status ($(cat "$T/guide.err"))"
assert_eq "" "$(cat "$T/guide.err")" "guide: stderr"
same_cert etcd.old etcd.pem ca.pem samekey
dates_now etcd.pem $((87600 * 3600))
assert_eq "$(renewed_line etcd.pem)" "$(cat "$T/guide.out")" "guide: stdout"
cmp -s etcd-key.pem etcd-key.old || fail "renew without -rekey changed etcd-key.pem"
ok
cmp -s ca.pem ca.old || fail "renewing a leaf changed the CA"
ok
key_of etcd.pem etcd-key.pem
assert_eq 644 "$(mode etcd.pem)" "mode of the renewed etcd.pem"

# The same profile's usages, issued 30 days ago for a year: the dates move
# to now, the lifetime stays a year.
cat >old-config.json <<EOF
{"signing": {"default": {"expiry": "1h"}, "profiles": {
  "kubernetes-old": {"expiry": "87600h", "usages": ["signing", "key encipherment", "server auth", "client auth"],
    "not_before": "$(iso $((now - 30 * 86400)))", "not_after": "$(iso $((now + 335 * 86400)))"},
  "expired": {"expiry": "1h", "usages": ["signing", "key encipherment", "server auth", "client auth"],
    "not_before": "$(iso $((now - 10 * 86400)))", "not_after": "$(iso $((now - 86400)))"}}}}
EOF
gen -ca ca.pem -ca-key ca-key.pem -config old-config.json -profile kubernetes-old \
    -hostname 'etcd.local,192.168.66.31' -out aged etcd-csr.json
cp aged.pem aged.old
run aged -ca ca.pem -ca-key ca-key.pem aged.pem
assert_eq 0 "$RC" "aged: exit status ($(cat "$T/aged.err"))"
same_cert aged.old aged.pem ca.pem samekey
dates_now aged.pem $((365 * 86400))
[ "$(not_before aged.old)" != "$(not_before aged.pem)" ] || fail "aged.pem: notBefore unchanged"
[ "$(not_after aged.old)" != "$(not_after aged.pem)" ] || fail "aged.pem: notAfter unchanged"
ok
say "1/10 guide profile: new serial and dates, the same subject bytes, SANs, usages, key ($checks checks)"

# ---------------------------------------------------------------------------
# 2. A kiln etcd tree, renewed with the README's globs.
cd "$T" || fail "cd $T"
cat >m.json <<'EOF'
{ "key": { "algo": "ecdsa", "size": 256 }, "expiry": "1h",
  "names": [ { "C": "CN", "ST": "BeiJing", "L": "BeiJing" } ],
  "members": [ { "name": "etcd-1", "ip": "127.0.0.1", "hosts": [ "127.0.0.1" ] },
               { "name": "etcd-2", "ip": "127.0.0.2", "hosts": [ "127.0.0.1" ] } ],
  "clients": [ "root", { "CN": "kube-apiserver-etcd-client", "O": "system:masters" } ] }
EOF
"$KILN" etcd -manifest m.json -out out >"$T/etcd.out" 2>"$T/etcd.err" || fail "kiln etcd: $(cat "$T/etcd.err")"
cp -a out old
find out -type f | sort | xargs sha256sum >sums.before
run tree -ca out/ca/ca.pem -ca-key out/ca/ca-key.pem out/etcd-*/ssl/*.pem out/clients/*.pem
assert_eq 0 "$RC" "etcd tree: exit status ($(cat "$T/tree.err"))"
assert_eq "" "$(cat "$T/tree.err")" "etcd tree: stderr"
certs="out/etcd-1/ssl/peer.pem out/etcd-1/ssl/server.pem out/etcd-2/ssl/peer.pem out/etcd-2/ssl/server.pem
out/clients/kube-apiserver-etcd-client.pem out/clients/root.pem"
for c in $certs; do
	same_cert "old/${c#out/}" "$c" out/ca/ca.pem samekey
	dates_now "$c" 3600
	assert_eq 1 "$(grep -cxF "$(renewed_line "$c")" "$T/tree.out")" "etcd tree: the line for $c in: $(cat "$T/tree.out")"
	key_of "$c" "${c%.pem}-key.pem"
done
for i in 1 2; do
	assert_contains "$(cat "$T/tree.out")" \
	    "out/etcd-$i/ssl/ca.pem: skipped, a copy of the CA (renew the CA as out/ca/ca.pem)" "etcd tree: the CA copy"
	for k in server-key peer-key; do
		assert_contains "$(cat "$T/tree.out")" "out/etcd-$i/ssl/$k.pem: skipped, a private key" "etcd tree: $k"
	done
done
assert_eq 14 "$(wc -l <"$T/tree.out" | tr -d ' ')" "etcd tree: one line per file"
# Nothing but the six certificates changed.
find out -type f | sort | xargs sha256sum >sums.after
assert_eq "$(echo "$certs" | tr ' ' '\n' | sort)" \
    "$(diff sums.before sums.after | sed -n 's/^> [0-9a-f]*  //p' | sort)" "etcd tree: the files that changed"
say "2/10 kiln etcd tree: 6 certificates renewed, keys and CA copies skipped ($checks checks)"

# ---------------------------------------------------------------------------
# 3. -rekey: NAME-key.pem beside the certificate, or -key FILE.
cp out/etcd-1/ssl/server.pem server.before
cp out/etcd-1/ssl/server-key.pem server-key.before
run rekey -ca out/ca/ca.pem -ca-key out/ca/ca-key.pem -rekey out/etcd-1/ssl/server.pem
assert_eq 0 "$RC" "-rekey: exit status ($(cat "$T/rekey.err"))"
same_cert server.before out/etcd-1/ssl/server.pem out/ca/ca.pem newkey
assert_eq "$(renewed_line out/etcd-1/ssl/server.pem ", new key out/etcd-1/ssl/server-key.pem")" \
    "$(cat "$T/rekey.out")" "-rekey: stdout"
key_of out/etcd-1/ssl/server.pem out/etcd-1/ssl/server-key.pem
cmp -s server-key.before out/etcd-1/ssl/server-key.pem && fail "-rekey: server-key.pem unchanged"
ok
assert_eq "ECDSA P-256" "$("$BIN/kiln-certinfo" -key out/etcd-1/ssl/server-key.pem |
    jq -r '"\(.key_algorithm) \(.key_curve)"')" "-rekey: the new key's type"

cp out/etcd-1/ssl/peer.pem peer.before
cp out/etcd-1/ssl/peer-key.pem peer-key.before
run rekeyto -ca out/ca/ca.pem -ca-key out/ca/ca-key.pem -rekey -key new-peer-key.pem out/etcd-1/ssl/peer.pem
assert_eq 0 "$RC" "-rekey -key: exit status ($(cat "$T/rekeyto.err"))"
same_cert peer.before out/etcd-1/ssl/peer.pem out/ca/ca.pem newkey
key_of out/etcd-1/ssl/peer.pem new-peer-key.pem
cmp -s peer-key.before out/etcd-1/ssl/peer-key.pem || fail "-rekey -key: the old peer-key.pem was changed"
ok
assert_eq "$(renewed_line out/etcd-1/ssl/peer.pem ", new key new-peer-key.pem")" \
    "$(cat "$T/rekeyto.out")" "-rekey -key: stdout"

# RSA: the new key is RSA of the old size.
cat >rsa-csr.json <<'EOF'
{ "CN": "rsa", "hosts": [ "rsa.example" ], "key": { "algo": "rsa", "size": 2048 } }
EOF
gen -ca out/ca/ca.pem -ca-key out/ca/ca-key.pem -config out/ca/ca-config.json -profile server -out rsa rsa-csr.json
cp rsa.pem rsa.before
run rsa -ca out/ca/ca.pem -ca-key out/ca/ca-key.pem -rekey rsa.pem
assert_eq 0 "$RC" "-rekey RSA: exit status ($(cat "$T/rsa.err"))"
same_cert rsa.before rsa.pem out/ca/ca.pem newkey
key_of rsa.pem rsa-key.pem
assert_eq "RSA 2048" "$("$BIN/kiln-certinfo" -key rsa-key.pem | jq -r '"\(.key_algorithm) \(.key_size)"')" \
    "-rekey RSA: the new key's type and size"
say "3/10 -rekey: new ECDSA P-256 and RSA 2048 keys, 0600, matching ($checks checks)"

# ---------------------------------------------------------------------------
# 4. -within.
cp out/etcd-2/ssl/server.pem within.before
cp guide/etcd.pem within-guide.before
run within -ca out/ca/ca.pem -ca-key out/ca/ca-key.pem -within 30m out/etcd-2/ssl/server.pem guide/etcd.pem
assert_eq 0 "$RC" "-within 30m: exit status ($(cat "$T/within.err"))"
cmp -s within.before out/etcd-2/ssl/server.pem || fail "-within 30m: a 1h certificate was replaced"
ok
cmp -s within-guide.before guide/etcd.pem || fail "-within 30m: a 10-year certificate was replaced"
ok
days=$((($(not_after guide/etcd.pem) - AFTER) / 86400))
assert_eq "out/etcd-2/ssl/server.pem: kept, expires in 0 days
guide/etcd.pem: kept, expires in $days days" "$(cat "$T/within.out")" "-within 30m: stdout"
run within2 -ca out/ca/ca.pem -ca-key out/ca/ca-key.pem -within 2h out/etcd-2/ssl/server.pem
assert_eq 0 "$RC" "-within 2h: exit status ($(cat "$T/within2.err"))"
same_cert within.before out/etcd-2/ssl/server.pem out/ca/ca.pem samekey
assert_eq "$(renewed_line out/etcd-2/ssl/server.pem)" "$(cat "$T/within2.out")" "-within 2h: stdout"
say "4/10 -within: kept byte for byte when not due, renewed when due ($checks checks)"

# ---------------------------------------------------------------------------
# 5. -backup.
cd "$T/guide" || fail "cd $T/guide"
cp etcd.pem backup.before
run backup -ca ca.pem -ca-key ca-key.pem -backup etcd.pem
assert_eq 0 "$RC" "-backup: exit status ($(cat "$T/backup.err"))"
set -- etcd.pem.*
assert_eq 1 "$#" "-backup: one etcd.pem.* ($*)"
stamp=${1#etcd.pem.}
case $stamp in
[0-9][0-9][0-9][0-9][0-1][0-9][0-3][0-9]T[0-2][0-9][0-5][0-9][0-6][0-9]Z) ok ;;
*) fail "-backup: the suffix is not a UTC timestamp: $1" ;;
esac
when=$(date -u -d "$(echo "$stamp" | sed 's/^\(....\)\(..\)\(..\)T\(..\)\(..\)\(..\)Z$/\1-\2-\3 \4:\5:\6/')" +%s)
if [ "$when" -lt "$BEFORE" ] || [ "$when" -gt "$AFTER" ]; then
	fail "-backup: stamp $stamp is not the time of the run"
fi
ok
cmp -s backup.before "$1" || fail "-backup: $1 is not the old etcd.pem"
ok
same_cert backup.before etcd.pem ca.pem samekey
[ ! -e "etcd-key.pem.$stamp" ] || fail "-backup without -rekey kept a copy of the key"
ok

cp etcd.pem backup.before
cp etcd-key.pem backupkey.before
sleep 1	# another second, another stamp
run backupkey -ca ca.pem -ca-key ca-key.pem -backup -rekey etcd.pem
assert_eq 0 "$RC" "-backup -rekey: exit status ($(cat "$T/backupkey.err"))"
stamp2=""
for f in etcd.pem.*; do
	[ "$f" = "etcd.pem.$stamp" ] || stamp2=${f#etcd.pem.}
done
[ -n "$stamp2" ] || fail "-backup -rekey: no second etcd.pem.*: $(ls)"
cmp -s backup.before "etcd.pem.$stamp2" || fail "-backup -rekey: etcd.pem.$stamp2 is not the old etcd.pem"
ok
cmp -s backupkey.before "etcd-key.pem.$stamp2" || fail "-backup -rekey: etcd-key.pem.$stamp2 is not the old key"
ok
assert_eq 600 "$(mode "etcd-key.pem.$stamp2")" "-backup -rekey: mode of the old key's copy"
same_cert backup.before etcd.pem ca.pem newkey
key_of etcd.pem etcd-key.pem
say "5/10 -backup: etcd.pem.$stamp, and the key with -rekey ($checks checks)"

# ---------------------------------------------------------------------------
# 6. Another CA's certificate: refused, named, left alone.
cat >other-csr.json <<'EOF'
{ "CN": "etcd CA", "key": { "algo": "ecdsa", "size": 256 }, "names": [ { "C": "CN", "L": "Beijing", "ST": "Beijing" } ] }
EOF
mkdir other
gen -initca -out other/ca other-csr.json
gen -ca other/ca.pem -ca-key other/ca-key.pem -config ca-config.json -profile kubernetes -out foreign etcd-csr.json
cp foreign.pem foreign.before
run foreign -ca ca.pem -ca-key ca-key.pem foreign.pem
assert_eq 1 "$RC" "foreign: exit status"
assert_eq "" "$(cat "$T/foreign.out")" "foreign: stdout"
assert_eq 1 "$(wc -l <"$T/foreign.err" | tr -d ' ')" "foreign: lines on stderr ($(cat "$T/foreign.err"))"
assert_contains "$(cat "$T/foreign.err")" "foreign.pem" "foreign: the line names the file"
assert_eq "kiln: renew: foreign.pem: not issued by this CA" "$(cat "$T/foreign.err")" "foreign: stderr"
cmp -s foreign.before foreign.pem || fail "foreign: the file was changed"
ok
# The CA's subject with another key is no copy of the CA either.
cp other/ca.pem impostor.pem
run impostor -ca ca.pem -ca-key ca-key.pem impostor.pem
assert_eq 1 "$RC" "a CA of the same name and another key: exit status ($(cat "$T/impostor.out"))"
cmp -s other/ca.pem impostor.pem || fail "a CA of the same name and another key was changed"
ok
# With a good certificate: that one is renewed, the status is still 1.
cp etcd.pem mixed.before
run mixed -ca ca.pem -ca-key ca-key.pem foreign.pem etcd.pem
assert_eq 1 "$RC" "foreign and good: exit status"
assert_eq "kiln: renew: foreign.pem: not issued by this CA" "$(cat "$T/mixed.err")" "foreign and good: stderr"
same_cert mixed.before etcd.pem ca.pem samekey
assert_eq "$(renewed_line etcd.pem)" "$(cat "$T/mixed.out")" "foreign and good: stdout"
say "6/10 another CA's certificate: exit 1, one line, unchanged ($checks checks)"

# ---------------------------------------------------------------------------
# 7. The CA itself, with its own key.
gen -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile kubernetes -out before etcd-csr.json
cp ca.pem ca.before
cp ca-key.pem ca-key.before
run carekey -ca ca.pem -ca-key ca-key.pem -rekey ca.pem
assert_eq 1 "$RC" "-rekey of the CA: exit status ($(cat "$T/carekey.out"))"
assert_eq "kiln: renew: ca.pem: the CA itself: a new key would orphan every certificate it issued" \
    "$(cat "$T/carekey.err")" "-rekey of the CA: stderr"
cmp -s ca.before ca.pem || fail "-rekey of the CA: ca.pem changed"
ok
cmp -s ca-key.before ca-key.pem || fail "-rekey of the CA: ca-key.pem changed"
ok
run ca -ca ca.pem -ca-key ca-key.pem ca.pem
assert_eq 0 "$RC" "the CA: exit status ($(cat "$T/ca.err"))"
assert_eq "" "$(cat "$T/ca.err")" "the CA: stderr"
same_cert ca.before ca.pem ca.pem samekey
dates_now ca.pem $(($(not_after ca.before) - $(not_before ca.before)))
assert_eq "$(ski ca.before)" "$(ski ca.pem)" "the CA: subject key identifier"
assert_contains "$(ski ca.pem)" ":" "the CA: has a subject key identifier"
assert_eq "$(renewed_line ca.pem)" "$(cat "$T/ca.out")" "the CA: stdout"
cmp -s ca-key.before ca-key.pem || fail "the CA: ca-key.pem changed"
ok
verify_ok ca.pem before.pem	# issued before the renewal
verify_ok ca.pem ca.pem
# A leaf renewed by the renewed CA is still good under the old copy.
cp before.pem before.old
run caleaf -ca ca.pem -ca-key ca-key.pem before.pem
assert_eq 0 "$RC" "a leaf under the renewed CA: exit status ($(cat "$T/caleaf.err"))"
same_cert before.old before.pem ca.before samekey
verify_ok ca.pem before.pem
say "7/10 the CA: same subject, key and SKI, verifies what it issued before; -rekey refused ($checks checks)"

# ---------------------------------------------------------------------------
# 8. -expiry, an expired certificate, a bundle.
cp etcd.pem expiry.before
run expiry -ca ca.pem -ca-key ca-key.pem -expiry 48h etcd.pem
assert_eq 0 "$RC" "-expiry 48h: exit status ($(cat "$T/expiry.err"))"
same_cert expiry.before etcd.pem ca.pem samekey
dates_now etcd.pem $((48 * 3600))

gen -ca ca.pem -ca-key ca-key.pem -config old-config.json -profile expired -hostname expired.example \
    -out expired etcd-csr.json
if openssl verify -x509_strict -CAfile ca.pem expired.pem >"$T/expired.log" 2>&1; then
	fail "expired.pem verifies: not expired"
fi
assert_contains "$(cat "$T/expired.log")" "expired" "expired.pem is expired"
cp expired.pem expired.before
run expired -ca ca.pem -ca-key ca-key.pem -within 30d expired.pem
assert_eq 0 "$RC" "expired: exit status ($(cat "$T/expired.err"))"
same_cert expired.before expired.pem ca.pem samekey
dates_now expired.pem $((9 * 86400))
assert_eq "$(renewed_line expired.pem)" "$(cat "$T/expired.out")" "expired: stdout"

cat etcd.pem ca.pem >bundle.pem
cp bundle.pem bundle.before
run bundle -ca ca.pem -ca-key ca-key.pem bundle.pem
assert_eq 0 "$RC" "bundle: exit status ($(cat "$T/bundle.err"))"
assert_eq 2 "$(grep -c -e '-----BEGIN CERTIFICATE-----' bundle.pem)" "bundle: certificates"
sed -n '1,/-----END CERTIFICATE-----/p' bundle.before >bundle-leaf.before
sed -n '1,/-----END CERTIFICATE-----/p' bundle.pem >bundle-leaf.pem
sed '1,/-----END CERTIFICATE-----/d' bundle.pem >bundle-rest.pem
same_cert bundle-leaf.before bundle-leaf.pem ca.pem samekey
assert_eq "$(openssl x509 -in ca.pem -outform DER | od -An -v -tx1)" \
    "$(openssl x509 -in bundle-rest.pem -outform DER | od -An -v -tx1)" "bundle: the CA after the leaf, as it was"
assert_eq "$(renewed_line bundle.pem)" "$(cat "$T/bundle.out")" "bundle: stdout"
say "8/10 -expiry 48h, an expired certificate, a bundle ($checks checks)"

# ---------------------------------------------------------------------------
# 9. Extensions renew does not write: a certificate policy (openssl, signed
# by the kiln CA) is named on stderr, and the rest is kept.
openssl ecparam -name prime256v1 -genkey -noout -out pol-key.pem 2>/dev/null
openssl req -new -key pol-key.pem -subj "/C=CN/O=kiln/CN=policy" -out pol.csr
cat >pol.ext <<'EOF'
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
basicConstraints = critical, CA:FALSE
subjectAltName = DNS:policy.example, IP:10.0.0.7
certificatePolicies = 1.3.6.1.4.1.99999.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
openssl x509 -req -in pol.csr -CA ca.pem -CAkey ca-key.pem -set_serial 0x1234 -days 30 \
    -extfile pol.ext -out pol.pem 2>"$T/pol.log" || fail "openssl x509 -req: $(cat "$T/pol.log")"
cp pol.pem pol.before
run pol -ca ca.pem -ca-key ca-key.pem pol.pem
assert_eq 0 "$RC" "a certificate policy: exit status ($(cat "$T/pol.err"))"
assert_eq "kiln: renew: pol.pem: extension 2.5.29.32 not carried over" "$(cat "$T/pol.err")" \
    "a certificate policy: stderr"
same_cert pol.before pol.pem ca.pem samekey
assert_eq "" "$(openssl x509 -in pol.pem -noout -ext certificatePolicies 2>/dev/null)" \
    "a certificate policy: not in the renewed certificate"
say "9/10 an extension not carried over is named on stderr ($checks checks)"

# ---------------------------------------------------------------------------
# 10. Usage errors: exit 2, nothing changed.
cp etcd.pem usage.before
usage() {	# WHAT ARGS...
	what=$1
	shift
	run usage "$@"
	assert_eq 2 "$RC" "$what: exit status ($(cat "$T/usage.err"))"
	assert_eq "" "$(cat "$T/usage.out")" "$what: stdout"
	assert_contains "$(head -n 1 "$T/usage.err")" "kiln: renew: " "$what: stderr"
	cmp -s usage.before etcd.pem || fail "$what: etcd.pem changed"
	ok
}
usage "no -ca" -ca-key ca-key.pem etcd.pem
usage "no -ca-key" -ca ca.pem etcd.pem
usage "no CERT" -ca ca.pem -ca-key ca-key.pem
usage "-key without -rekey" -ca ca.pem -ca-key ca-key.pem -key x-key.pem etcd.pem
usage "-expiry 0" -ca ca.pem -ca-key ca-key.pem -expiry 0 etcd.pem
usage "-within -1h" -ca ca.pem -ca-key ca-key.pem -within -1h etcd.pem
usage "an undefined flag" -ca ca.pem -ca-key ca-key.pem -frobnicate etcd.pem
[ ! -e x-key.pem ] || fail "-key without -rekey wrote x-key.pem"
ok
# -key names one key: with two certificates nothing is renewed.
cp expired.pem expired2.before
run keytwo -ca ca.pem -ca-key ca-key.pem -rekey -key two-key.pem etcd.pem expired.pem
assert_eq 2 "$RC" "-rekey -key with two certificates: a usage error"
assert_contains "$(cat "$T"/keytwo.err)" "kiln: renew: -key names one key: renew one certificate with it" \
    "-rekey -key with two certificates: the message"
[ ! -e two-key.pem ] || fail "-rekey -key with two certificates wrote two-key.pem"
ok
if ! cmp -s usage.before etcd.pem || ! cmp -s expired2.before expired.pem; then
	fail "-rekey -key with two certificates renewed one"
fi
ok
say "10/10 usage errors exit 2 and change nothing ($checks checks)"

# ---------------------------------------------------------------------------
# A file of a certificate and its key, as some servers want them: the key
# is "the rest" of the file and must survive the renewal.
cat etcd.pem etcd-key.pem >combined.pem
run combined -ca ca.pem -ca-key ca-key.pem combined.pem
assert_eq 0 "$RC" "certificate and key in one file: exit status ($(cat "$T/combined.err"))"
sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' combined.pem >combined-cert.pem
same_cert etcd.pem combined-cert.pem ca.pem samekey
grep -q 'PRIVATE KEY-----' combined.pem ||
    fail "certificate and key in one file: the private key was dropped; combined.pem holds: $(grep -e '-----BEGIN' combined.pem)"
ok

# The same key file stays where it was: the key PEM is byte-identical.
assert_eq "$(cat etcd-key.pem)" "$(sed -n '/PRIVATE KEY-----$/,/PRIVATE KEY-----$/p' combined.pem | sed -n '/BEGIN/,/END/p')" \
    "certificate and key in one file: the key unchanged"

# A DER certificate stays DER; a link is renewed through, the file it
# names keeps its mode (and, as root, its owner).
openssl x509 -in expired.pem -outform der -out cert.der
run der -ca ca.pem -ca-key ca-key.pem cert.der
assert_eq 0 "$RC" "DER: exit status ($(cat "$T/der.err"))"
openssl x509 -inform der -in cert.der -noout >/dev/null 2>&1 || fail "DER: no longer DER"
ok
mkdir -p target
cp etcd.pem target/real.pem
chmod 0640 target/real.pem
ln -s target/real.pem linked.pem
if [ "$(id -u)" -eq 0 ]; then
	chown nobody target/real.pem
fi
run link -ca ca.pem -ca-key ca-key.pem linked.pem
assert_eq 0 "$RC" "link: exit status ($(cat "$T/link.err"))"
[ -L linked.pem ] || fail "link: linked.pem is no longer a link"
ok
cmp -s target/real.pem etcd.pem && fail "link: the file it names was not renewed"
ok
assert_eq 640 "$(mode target/real.pem)" "link: the file keeps its mode"
if [ "$(id -u)" -eq 0 ]; then
	assert_eq nobody "$(stat -c %U target/real.pem)" "the renewed file keeps its owner"
fi

say "PASS in $(($(date +%s) - START)) s"
finish
