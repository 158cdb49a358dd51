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
# ext_der CERT NAME: the extension openssl names NAME, as asn1parse shows
# it: its criticality (if given) and the hex of its value, offsets left out.
ext_der() {
	openssl asn1parse -in "$1" | awk -v n="$2" '
	    $0 ~ ("OBJECT +:X509v3 " n "$") { f = 1; next }
	    f && /BOOLEAN/ { sub(/.*BOOLEAN *:/, "critical "); print; next }
	    f && /OCTET STRING/ { sub(/.*HEX DUMP\]:/, ""); print; f = 0 }'
}

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
# The lines under it name each file written: the new key (with -rekey),
# then the certificate.
renewed_line() {
	echo "$1: renewed, serial $(serial "$1"), valid until $(iso "$(not_after "$1")")${2:-}"
	case ${2:-} in
	", new key "*) echo "  wrote ${2#, new key } (new key)" ;;
	esac
	echo "  wrote $1"
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
# The guide gives its CA 5 years and etcd.pem 10: the renewed etcd.pem
# would outlive its CA, and renew says so.
assert_eq "kiln: renew: warning: etcd.pem: valid until $(iso "$(not_after etcd.pem)"), after its CA ca.pem (until $(iso "$(not_after ca.pem)")): it stops working when the CA expires; renew the CA first" \
    "$(cat "$T/guide.err")" "guide: stderr, the certificate outlives its CA"
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
say "1/13 guide profile: new serial and dates, the same subject bytes, SANs, usages, key ($checks checks)"

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
	assert_eq 1 "$(grep -cxF "$(renewed_line "$c" | head -n 1)" "$T/tree.out")" "etcd tree: the line for $c in: $(cat "$T/tree.out")"
	key_of "$c" "${c%.pem}-key.pem"
done
for i in 1 2; do
	assert_contains "$(cat "$T/tree.out")" \
	    "out/etcd-$i/ssl/ca.pem: skipped, a copy of the CA (renew the CA as out/ca/ca.pem)" "etcd tree: the CA copy"
	for k in server-key peer-key; do
		assert_contains "$(cat "$T/tree.out")" "out/etcd-$i/ssl/$k.pem: skipped, a private key" "etcd tree: $k"
	done
done
assert_eq 14 "$(grep -vc '^  wrote ' "$T/tree.out")" "etcd tree: one line per file"
assert_eq 6 "$(grep -c '^  wrote ' "$T/tree.out")" "etcd tree: each file written named"
# Nothing but the six certificates changed.
find out -type f | sort | xargs sha256sum >sums.after
assert_eq "$(echo "$certs" | tr ' ' '\n' | sort)" \
    "$(diff sums.before sums.after | sed -n 's/^> [0-9a-f]*  //p' | sort)" "etcd tree: the files that changed"
say "2/13 kiln etcd tree: 6 certificates renewed, keys and CA copies skipped ($checks checks)"

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

# -key names the key of CERT, here kept in another folder: it must match,
# and -rekey replaces it there, leaving the peer-key.pem beside it alone.
cp out/etcd-1/ssl/peer.pem peer.before
cp out/etcd-1/ssl/peer-key.pem peer-key.before
mkdir keys
cp out/etcd-1/ssl/peer-key.pem keys/peer.key
run rekeyto -ca out/ca/ca.pem -ca-key out/ca/ca-key.pem -rekey -key keys/peer.key out/etcd-1/ssl/peer.pem
assert_eq 0 "$RC" "-rekey -key: exit status ($(cat "$T/rekeyto.err"))"
same_cert peer.before out/etcd-1/ssl/peer.pem out/ca/ca.pem newkey
key_of out/etcd-1/ssl/peer.pem keys/peer.key
cmp -s peer-key.before out/etcd-1/ssl/peer-key.pem || fail "-rekey -key: the old peer-key.pem was changed"
ok
assert_eq "$(renewed_line out/etcd-1/ssl/peer.pem ", new key keys/peer.key")" \
    "$(cat "$T/rekeyto.out")" "-rekey -key: stdout"
# A -key that is not there is no place for a new key: refused.
cp out/etcd-1/ssl/peer.pem peer.before
run rekeynew -ca out/ca/ca.pem -ca-key out/ca/ca-key.pem -rekey -key new-peer-key.pem out/etcd-1/ssl/peer.pem
assert_eq 1 "$RC" "-rekey -key NEW: exit status"
assert_eq "kiln: renew: new-peer-key.pem: No such file or directory" "$(cat "$T/rekeynew.err")" \
    "-rekey -key NEW: stderr"
[ ! -e new-peer-key.pem ] || fail "-rekey -key NEW: wrote new-peer-key.pem"
ok
cmp -s peer.before out/etcd-1/ssl/peer.pem || fail "-rekey -key NEW: peer.pem changed"
ok
# Without -rekey, -key is checked: the peer's own key, then another's.
run keyok -ca out/ca/ca.pem -ca-key out/ca/ca-key.pem -key keys/peer.key out/etcd-1/ssl/peer.pem
assert_eq 0 "$RC" "-key: exit status ($(cat "$T/keyok.err"))"
key_of out/etcd-1/ssl/peer.pem keys/peer.key
cp out/etcd-1/ssl/peer.pem peer.before
run keybad -ca out/ca/ca.pem -ca-key out/ca/ca-key.pem -key out/etcd-1/ssl/server-key.pem out/etcd-1/ssl/peer.pem
assert_eq 1 "$RC" "-key of another certificate: exit status"
assert_eq "kiln: renew: out/etcd-1/ssl/peer.pem: its key out/etcd-1/ssl/server-key.pem does not match it: refused (a certificate is renewed only for the key beside it)" \
    "$(cat "$T/keybad.err")" "-key of another certificate: stderr"
cmp -s peer.before out/etcd-1/ssl/peer.pem || fail "-key of another certificate: peer.pem changed"
ok

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
say "3/13 -rekey and -key: new ECDSA P-256 and RSA 2048 keys, 0600, matching ($checks checks)"

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
say "4/13 -within: kept byte for byte when not due, renewed when due ($checks checks)"

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
say "5/13 -backup: etcd.pem.$stamp, and the key with -rekey ($checks checks)"

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
# Both CAs are "etcd CA": the key identifiers tell them apart.
foreign_line="kiln: renew: foreign.pem: not issued by this CA: its authority key identifier is $(keyid foreign.pem authorityKeyIdentifier), the CA's subject key identifier is $(keyid ca.pem subjectKeyIdentifier)"
assert_eq "$foreign_line" "$(cat "$T/foreign.err")" "foreign: stderr"
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
assert_eq "$foreign_line" "$(grep -v 'outlives\|after its CA' "$T/mixed.err")" "foreign and good: stderr"
same_cert mixed.before etcd.pem ca.pem samekey
assert_eq "$(renewed_line etcd.pem)" "$(cat "$T/mixed.out")" "foreign and good: stdout"
say "6/13 another CA's certificate: exit 1, one line, unchanged ($checks checks)"

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
say "7/13 the CA: same subject, key and SKI, verifies what it issued before; -rekey refused ($checks checks)"

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
run bundle -ca ca.pem -ca-key ca-key.pem -key etcd-key.pem bundle.pem
assert_eq 0 "$RC" "bundle: exit status ($(cat "$T/bundle.err"))"
assert_eq 2 "$(grep -c -e '-----BEGIN CERTIFICATE-----' bundle.pem)" "bundle: certificates"
sed -n '1,/-----END CERTIFICATE-----/p' bundle.before >bundle-leaf.before
sed -n '1,/-----END CERTIFICATE-----/p' bundle.pem >bundle-leaf.pem
sed '1,/-----END CERTIFICATE-----/d' bundle.pem >bundle-rest.pem
same_cert bundle-leaf.before bundle-leaf.pem ca.pem samekey
assert_eq "$(openssl x509 -in ca.pem -outform DER | od -An -v -tx1)" \
    "$(openssl x509 -in bundle-rest.pem -outform DER | od -An -v -tx1)" "bundle: the CA after the leaf, as it was"
assert_eq "$(renewed_line bundle.pem)" "$(cat "$T/bundle.out")" "bundle: stdout"
say "8/13 -expiry 48h, an expired certificate, a bundle ($checks checks)"

# ---------------------------------------------------------------------------
# 9. Extensions: a certificate policy is carried over byte for byte, a CRL
# distribution point renew does not write is named on stderr (openssl,
# signed by the kiln CA), and the rest is kept.
openssl ecparam -name prime256v1 -genkey -noout -out pol-key.pem 2>/dev/null
openssl req -new -key pol-key.pem -subj "/C=CN/O=kiln/CN=policy" -out pol.csr
cat >pol.ext <<'EOF'
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
basicConstraints = critical, CA:FALSE
subjectAltName = DNS:policy.example, IP:10.0.0.7
certificatePolicies = 1.3.6.1.4.1.99999.1
crlDistributionPoints = URI:http://crl.example/ca.crl
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
openssl x509 -req -in pol.csr -CA ca.pem -CAkey ca-key.pem -set_serial 0x1234 -days 30 \
    -extfile pol.ext -out pol.pem 2>"$T/pol.log" || fail "openssl x509 -req: $(cat "$T/pol.log")"
cp pol.pem pol.before
run pol -ca ca.pem -ca-key ca-key.pem pol.pem
assert_eq 0 "$RC" "a certificate policy: exit status ($(cat "$T/pol.err"))"
assert_eq "kiln: renew: pol.pem: extension 2.5.29.31 not carried over" "$(cat "$T/pol.err")" \
    "a CRL distribution point: stderr"
same_cert pol.before pol.pem ca.pem samekey
assert_eq "$(ext_der pol.before 'Certificate Policies')" "$(ext_der pol.pem 'Certificate Policies')" \
    "a certificate policy: the same bytes"
assert_contains "$(ext_der pol.pem 'Certificate Policies')" "06092B06010401868D1F01" \
    "a certificate policy: in the renewed certificate"
assert_eq "" "$(openssl x509 -in pol.pem -noout -ext crlDistributionPoints 2>/dev/null)" \
    "a CRL distribution point: not in the renewed certificate"
say "9/13 a policy is carried over, an extension not written is named on stderr ($checks checks)"

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
usage "-expiry 0" -ca ca.pem -ca-key ca-key.pem -expiry 0 etcd.pem
usage "-within -1h" -ca ca.pem -ca-key ca-key.pem -within -1h etcd.pem
usage "an undefined flag" -ca ca.pem -ca-key ca-key.pem -frobnicate etcd.pem
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
say "10/13 usage errors exit 2 and change nothing ($checks checks)"

# ---------------------------------------------------------------------------
# A file of a certificate and its key, as some servers want them: the file
# is written again from what was parsed, the new certificate then the key
# (checked against the certificate first), and nothing else of the old
# text; -rekey of such a file is refused.
{ echo "# etcd's pair"; cat etcd.pem; echo "trailing text"; cat etcd-key.pem; } >combined.pem
chmod 0644 combined.pem
run combined -ca ca.pem -ca-key ca-key.pem combined.pem
assert_eq 0 "$RC" "certificate and key in one file: exit status ($(cat "$T/combined.err"))"
sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' combined.pem >combined-cert.pem
same_cert etcd.pem combined-cert.pem ca.pem samekey
assert_eq "$(cat combined-cert.pem etcd-key.pem)" "$(cat combined.pem)" \
    "certificate and key in one file: the new certificate, then the key, nothing else"
assert_eq 640 "$(mode combined.pem)" "certificate and key in one file: never readable by others"
cp combined.pem combined.before
run combinedrekey -ca ca.pem -ca-key ca-key.pem -rekey combined.pem
assert_eq 1 "$RC" "-rekey of a certificate and key in one file: exit status"
assert_eq "kiln: renew: combined.pem: holds its key too: -rekey writes a new key only to a key file of its own (renew without -rekey, or split the file)" \
    "$(cat "$T/combinedrekey.err")" "-rekey of a certificate and key in one file: stderr"
cmp -s combined.before combined.pem || fail "-rekey of a certificate and key in one file: changed"
ok
# -key naming the file itself: refused (it would be written twice).
run combinedkey -ca ca.pem -ca-key ca-key.pem -rekey -key combined.pem combined.pem
assert_eq 1 "$RC" "-key naming the certificate's own file: exit status"
assert_eq "kiln: renew: combined.pem: -key names the certificate's own file: give it without -key" \
    "$(cat "$T/combinedkey.err")" "-key naming the certificate's own file: stderr"
cmp -s combined.before combined.pem || fail "-key naming the certificate's own file: changed"
ok
# Another certificate's key in the file: refused, naming both.
cat etcd.pem ca-key.pem >wrongkey.pem
cp wrongkey.pem wrongkey.before
run wrongkey -ca ca.pem -ca-key ca-key.pem wrongkey.pem
assert_eq 1 "$RC" "a certificate with another's key in its file: exit status"
assert_eq "kiln: renew: wrongkey.pem: its key in wrongkey.pem does not match it: refused (a certificate is renewed only for the key beside it)" \
    "$(cat "$T/wrongkey.err")" "a certificate with another's key in its file: stderr"
cmp -s wrongkey.before wrongkey.pem || fail "a certificate with another's key in its file: changed"
ok

# A DER certificate stays DER; no layout names its key, so -key does.
openssl x509 -in expired.pem -outform der -out cert.der
run derkey -ca ca.pem -ca-key ca-key.pem cert.der
assert_eq 1 "$RC" "DER without -key: exit status"
assert_eq "kiln: renew: cert.der: no key found for it (not in the file, and no NAME-key.pem for NAME.pem nor NAME.key for NAME.crt): name it with -key" \
    "$(cat "$T/derkey.err")" "DER without -key: stderr"
run der -ca ca.pem -ca-key ca-key.pem -key expired-key.pem cert.der
assert_eq 0 "$RC" "DER: exit status ($(cat "$T/der.err"))"
openssl x509 -inform der -in cert.der -noout >/dev/null 2>&1 || fail "DER: no longer DER"
ok
# kubeadm's and cert-manager's NAME.crt and NAME.key.
cp etcd.pem tls.crt
cp etcd-key.pem tls.key
run crt -ca ca.pem -ca-key ca-key.pem tls.crt
assert_eq 0 "$RC" "tls.crt and tls.key: exit status ($(cat "$T/crt.err"))"
same_cert etcd.pem tls.crt ca.pem samekey
rm tls.key
run crtnokey -ca ca.pem -ca-key ca-key.pem tls.crt
assert_eq "kiln: renew: tls.crt: no key found for it (not in the file, no tls.key): name it with -key" \
    "$(cat "$T/crtnokey.err")" "tls.crt without tls.key: stderr"

# A symbolic link is refused, naming the flag; with -follow-links it is
# followed to a file of kiln's own user, which is renewed in its folder
# (with the key beside it there) and keeps its mode; the link stays.
mkdir -p target
cp etcd.pem target/real.pem
cp etcd-key.pem target/real-key.pem
chmod 0640 target/real.pem
ln -s target/real.pem linked.pem
run link -ca ca.pem -ca-key ca-key.pem linked.pem
assert_eq 1 "$RC" "link: exit status"
assert_eq "kiln: renew: linked.pem: a symbolic link, refused (-follow-links follows a link to a file of kiln's own user)" \
    "$(cat "$T/link.err")" "link: stderr"
cmp -s target/real.pem etcd.pem || fail "link: the file it names was changed"
ok
run linkf -ca ca.pem -ca-key ca-key.pem -follow-links linked.pem
assert_eq 0 "$RC" "-follow-links: exit status ($(cat "$T/linkf.err"))"
assert_eq "$(renewed_line linked.pem)" "$(cat "$T/linkf.out")" "-follow-links: stdout"
[ -L linked.pem ] || fail "-follow-links: linked.pem is no longer a link"
ok
same_cert etcd.pem target/real.pem ca.pem samekey
assert_eq 640 "$(mode target/real.pem)" "-follow-links: the file keeps its mode"
if [ "$(id -u)" -eq 0 ]; then
	# Another user's file behind the link: not followed.
	chown nobody target/real.pem
	cp target/real.pem real.before
	run linkn -ca ca.pem -ca-key ca-key.pem -follow-links linked.pem
	assert_eq 1 "$RC" "-follow-links to nobody's file: exit status"
	assert_eq "kiln: renew: linked.pem: a symbolic link to $T/guide/target/real.pem, which belongs to uid $(id -u nobody), not to kiln's user: refused" \
	    "$(cat "$T/linkn.err")" "-follow-links to nobody's file: stderr"
	cmp -s real.before target/real.pem || fail "-follow-links to nobody's file: changed"
	ok
	# A plain file of another user keeps its owner, so a service running
	# as that user can still read it; its -backup is root's.
	cp etcd.pem owned.pem
	cp etcd-key.pem owned-key.pem
	chown nobody owned.pem
	chmod 0664 owned.pem
	run owned -ca ca.pem -ca-key ca-key.pem -backup owned.pem
	assert_eq 0 "$RC" "nobody's certificate: exit status ($(cat "$T/owned.err"))"
	assert_eq "nobody 644" "$(stat -c '%U %a' owned.pem)" "nobody's certificate: owner and mode kept, less group write"
	set -- owned.pem.*
	assert_eq "root 644" "$(stat -c '%U %a' "$1")" "nobody's certificate: the backup"
fi
say "11/13 key layouts, a key in the file, DER, links ($checks checks)"

# ---------------------------------------------------------------------------
# 12. A forged CA certificate: the CA's subject and public key, issued by
# itself, but signed by another key (another CA of the same name), with no
# path length, a SAN and 175 years.  Never renewed into a genuine CA.
"$KILN" gencsr -key ca-key.pem -cert ca.pem >forged.json 2>"$T/gencsr.err" || fail "gencsr: $(cat "$T/gencsr.err")"
jq -r .csr forged.json >forged.csr
cat >forged.ext <<'EOF'
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectAltName = DNS:evil.example
subjectKeyIdentifier = hash
EOF
openssl x509 -req -in forged.csr -CA other/ca.pem -CAkey other/ca-key.pem -set_serial 7 -days 63875 \
    -extfile forged.ext -out forged.pem 2>"$T/forged.log" || fail "openssl x509 -req: $(cat "$T/forged.log")"
assert_eq "$(subject_der ca.pem)" "$(subject_der forged.pem)" "forged: the CA's subject bytes"
assert_eq "$(pubkey ca.pem)" "$(pubkey forged.pem)" "forged: the CA's key"
assert_eq "$(subject forged.pem | sed s/^subject=//)" "$(issuer forged.pem | sed s/^issuer=//)" "forged: issued by itself"
cp forged.pem forged.before
run forged -ca forged.pem -ca-key ca-key.pem forged.pem
assert_eq 1 "$RC" "forged: exit status ($(cat "$T/forged.out"))"
assert_eq "" "$(cat "$T/forged.out")" "forged: stdout"
assert_eq "kiln: renew: forged.pem: the CA's subject and key, but not signed by the CA key: a forged CA certificate, refused" \
    "$(cat "$T/forged.err")" "forged: stderr"
cmp -s forged.before forged.pem || fail "forged: changed"
ok
# As a member's copy of the genuine CA: no copy either.
run forgedcopy -ca ca.pem -ca-key ca-key.pem forged.pem
assert_eq 1 "$RC" "forged copy: exit status"
assert_eq "kiln: renew: forged.pem: the CA's subject and key, but not signed by the CA key: a forged CA certificate, refused" \
    "$(cat "$T/forgedcopy.err")" "forged copy: stderr"
rc=0
"$KILN" gencert -renewca -ca forged.pem -ca-key ca-key.pem >"$T/renewca.out" 2>"$T/renewca.err" || rc=$?
assert_eq 1 "$rc" "gencert -renewca of a forged CA: exit status"
assert_eq "" "$(cat "$T/renewca.out")" "gencert -renewca of a forged CA: stdout"
assert_eq "kiln: gencert: forged.pem: the CA's subject and key, but not signed by the CA key: a forged CA certificate, refused" \
    "$(cat "$T/renewca.err")" "gencert -renewca of a forged CA: stderr"
say "12/13 a forged CA certificate is refused by renew and gencert -renewca ($checks checks)"

# ---------------------------------------------------------------------------
# 13. A name-constrained CA (openssl) stays what it was: name constraints,
# policies, policy constraints and inhibitAnyPolicy byte for byte with
# their criticality, and its path length; a leaf outside the constraints
# still fails openssl verify -x509_strict under the renewed CA.  A profile
# that would change its path length is refused.
openssl ecparam -name prime256v1 -genkey -noout -out nc-key.pem 2>/dev/null
cat >nc.cnf <<'EOF'
[req]
distinguished_name = dn
x509_extensions = ext
prompt = no
[dn]
C = CN
O = kiln
CN = constrained CA
[ext]
basicConstraints = critical, CA:TRUE, pathlen:1
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
nameConstraints = critical, permitted;DNS:.example.com, permitted;IP:10.0.0.0/255.0.0.0, excluded;DNS:bad.example.com
certificatePolicies = 1.3.6.1.4.1.99999.2
policyConstraints = critical, inhibitPolicyMapping:1
inhibitAnyPolicy = critical, 2
EOF
openssl req -x509 -new -key nc-key.pem -config nc.cnf -days 3650 -out nc.pem 2>"$T/nc.log" ||
    fail "openssl req -x509: $(cat "$T/nc.log")"
cp nc.pem nc.before
nc_exts='Name Constraints|Certificate Policies|Policy Constraints|Inhibit Any Policy'
run nc -ca nc.pem -ca-key nc-key.pem nc.pem
assert_eq 0 "$RC" "a name-constrained CA: exit status ($(cat "$T/nc.err"))"
assert_eq "" "$(cat "$T/nc.err")" "a name-constrained CA: stderr"
assert_eq "$(renewed_line nc.pem)" "$(cat "$T/nc.out")" "a name-constrained CA: stdout"
[ "$(serial nc.before)" != "$(serial nc.pem)" ] || fail "a name-constrained CA: not renewed"
ok
echo "$nc_exts" | tr '|' '\n' >nc.names
while read -r e; do
	[ -n "$(ext_der nc.before "$e")" ] || fail "openssl wrote no $e"
	assert_eq "$(ext_der nc.before "$e")" "$(ext_der nc.pem "$e")" "a name-constrained CA: $e, byte for byte"
done <nc.names
assert_eq "critical 255" "$(ext_der nc.pem 'Name Constraints' | sed -n 1p)" "a name-constrained CA: still critical"
for e in basicConstraints keyUsage; do
	assert_eq "$(openssl x509 -in nc.before -noout -ext $e)" "$(openssl x509 -in nc.pem -noout -ext $e)" \
	    "a name-constrained CA: $e"
done
assert_contains "$(exts nc.pem)" "CA:TRUE, pathlen:1" "a name-constrained CA: path length"
verify_ok nc.pem nc.pem
# Leaves inside and outside the constraints, under the renewed CA.
openssl ecparam -name prime256v1 -genkey -noout -out ncleaf-key.pem 2>/dev/null
for h in in.example.com evil.example.org bad.example.com; do
	openssl req -new -key ncleaf-key.pem -subj "/O=kiln/CN=$h" -out "$h.csr"
	printf 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\nsubjectAltName = DNS:%s\nauthorityKeyIdentifier = keyid\nsubjectKeyIdentifier = hash\n' "$h" >"$h.ext"
	openssl x509 -req -in "$h.csr" -CA nc.pem -CAkey nc-key.pem -set_serial 9 -days 30 -extfile "$h.ext" \
	    -out "$h.pem" 2>"$T/ncleaf.log" || fail "openssl x509 -req $h: $(cat "$T/ncleaf.log")"
done
verify_ok nc.pem in.example.com.pem
for h in evil.example.org bad.example.com; do
	if openssl verify -x509_strict -CAfile nc.pem "$h.pem" >"$T/ncv.log" 2>&1; then
		fail "a leaf for $h verifies under the renewed name-constrained CA"
	fi
	assert_contains "$(cat "$T/ncv.log")" "subtree violation" "a leaf for $h under the renewed CA"
done
# gencert -renewca carries them as well.
"$KILN" gencert -renewca -ca nc.pem -ca-key nc-key.pem -out ncr >/dev/null 2>"$T/ncr.err" ||
    fail "gencert -renewca of a name-constrained CA: $(cat "$T/ncr.err")"
assert_eq "" "$(cat "$T/ncr.err")" "gencert -renewca of a name-constrained CA: stderr"
while read -r e; do
	assert_eq "$(ext_der nc.before "$e")" "$(ext_der ncr.pem "$e")" "gencert -renewca: $e, byte for byte"
done <nc.names
# A profile without its path length would widen it: refused.
cat >ncprof.json <<'EOF'
{"signing": {"default": {"expiry": "1h"}, "profiles": {
  "ca": {"expiry": "8760h", "usages": ["cert sign", "crl sign"], "ca_constraint": {"is_ca": true}}}}}
EOF
cp nc.pem nc.before
run ncprof -ca nc.pem -ca-key nc-key.pem -config ncprof.json -profile ca nc.pem
assert_eq 1 "$RC" "a name-constrained CA under a profile without pathlen: exit status"
assert_eq "kiln: renew: nc.pem: basicConstraints: the profile's path length (none) is not the certificate's (1), which a renewal keeps" \
    "$(cat "$T/ncprof.err")" "a name-constrained CA under a profile without pathlen: stderr"
cmp -s nc.before nc.pem || fail "a name-constrained CA under a profile without pathlen: changed"
ok

# notAfter 99991231235959Z, RFC 5280's "no expiration date": its lifetime
# in nanoseconds passes int64 (UBSan in scripts/sanitize.sh); an error
# that says so, and -expiry renews it.
cat >far.json <<'EOF'
{"signing": {"default": {"expiry": "1h"}, "profiles": {
  "far": {"expiry": "1h", "usages": ["signing", "server auth"], "not_after": "9999-12-31T23:59:59Z"}}}}
EOF
gen -ca ca.pem -ca-key ca-key.pem -config far.json -profile far -hostname far.example -out far etcd-csr.json
assert_eq "notAfter=Dec 31 23:59:59 9999 GMT" "$(openssl x509 -in far.pem -noout -enddate)" "far: notAfter"
cp far.pem far.before
run far -ca ca.pem -ca-key ca-key.pem far.pem
assert_eq 1 "$RC" "notAfter 9999: exit status"
assert_eq "kiln: renew: far.pem: its lifetime, $(((253402300799 - $(not_before far.pem)) / 86400)) days, is more than kiln can write (106751 days at most): renew it with -expiry" \
    "$(cat "$T/far.err")" "notAfter 9999: stderr"
cmp -s far.before far.pem || fail "notAfter 9999: changed"
ok
run far48 -ca ca.pem -ca-key ca-key.pem -expiry 48h far.pem
assert_eq 0 "$RC" "notAfter 9999 with -expiry: exit status ($(cat "$T/far48.err"))"
dates_now far.pem $((48 * 3600))
say "13/13 a name-constrained CA keeps its constraints; notAfter 9999 ($checks checks)"

say "PASS in $(($(date +%s) - START)) s"
finish
