#!/bin/sh
# gencrl.sh BUILD_DIR DATA_DIR
#
# kiln gencrl: a CRL revoking one of two client certificates of a kiln CA
# (ECDSA P-256).
#  1. base64 on stdout (one line) and -out PEM (mode 0644, stdout empty):
#     both verify with openssl against the CA;
#  2. their contents per openssl crl -text: version 2, ecdsa-with-SHA256,
#     the CA's subject byte for byte, the serials in order, nextUpdate =
#     lastUpdate + SECONDS, a CRL number from the clock, AKI = the CA's SKI;
#  3. openssl verify -crl_check: the revoked certificate fails, the other
#     passes;
#  4. the CRL of /usr/bin/cfssl gencrl on the same input has the same
#     structure but for the CRL number, the dates and the signature;
#  5. SECONDS: absent and 0 give a week, 0x10 and 010 hex and octal;
#     a serial file from stdin;
#  6. etcd 3.4 with --client-crl-file refuses the revoked client and serves
#     the other, and takes a CRL rewritten in place without a restart;
#  7. errors: a bad serial (exit 1, naming the line), bad SECONDS (exit 2),
#     a key of another CA or an encrypted one without CFSSL_CA_PK_PASSWORD
#     (exit 1); -out is not written on failure.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
for t in openssl jq base64 od dd; do
	command -v "$t" >/dev/null 2>&1 || fail "$t is not installed"
done
command -v etcd >/dev/null 2>&1 && command -v etcdctl >/dev/null 2>&1 ||
	fail "etcd and etcdctl are not installed (make setup installs them)"
START=$(date +%s)

# The member we start (ETCD_PID), stopped on every exit (stop_etcd).
ON_EXIT=stop_etcd
FAIL_LOGS=$T/etcd.log

# run TAG ARGS...: kiln gencrl ARGS, stdout in TAG.out, stderr in TAG.err,
# the status in RC; BEFORE and AFTER bracket it (seconds since the epoch).
run() {
	tag=$1
	shift
	RC=0
	BEFORE=$(date +%s)
	"$KILN" gencrl "$@" >"$T/$tag.out" 2>"$T/$tag.err" || RC=$?
	AFTER=$(date +%s)
}

gen() {
	"$KILN" gencert "$@" >"$T/gen.out" 2>"$T/gen.err" ||
		fail "kiln gencert $*: $(cat "$T/gen.err")"
}

crltext() { openssl crl -in "$1" -noout -text; }
# field FILE NAME: "Last Update" or "Next Update" of a CRL, in epoch seconds.
field() { epoch "$(crltext "$1" | sed -n "s/^ *$2: //p")"; }
decimal() { "$KILN" certinfo -cert "$1" | jq -r .serial_number; }
hexserial() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'; }

# tlv FILE.der DEPTH N: the Nth element of depth DEPTH in hex, whole.
tlv() {
	openssl asn1parse -inform DER -in "$1" >"$T/tlv.asn1" || fail "$1: asn1parse"
	sed -n "s/^ *\([0-9]*\):d=$2 *hl= *\([0-9]*\) *l= *\([0-9]*\) .*/\1 \2 \3/p" \
	    "$T/tlv.asn1" | sed -n "$3p" >"$T/tlv.line"
	read -r off hl len <"$T/tlv.line" || fail "$1: no element $3 at depth $2"
	dd if="$1" bs=1 skip="$off" count=$((hl + len)) 2>/dev/null |
	    od -An -v -tx1 | tr -d ' \n'
}

# 1. A CA, two client certificates and a server certificate for etcd
# (with client auth too: etcd's gRPC gateway connects to its own port
# with it).
cat >ca-csr.json <<'EOF'
{"CN":"gencrl test CA","key":{"algo":"ecdsa","size":256},"names":[{"C":"CN","ST":"Beijing","O":"kiln"}]}
EOF
cat >client-csr.json <<'EOF'
{"CN":"client","key":{"algo":"ecdsa","size":256},"names":[{"O":"kiln"}]}
EOF
cat >server-csr.json <<'EOF'
{"CN":"etcd","hosts":["127.0.0.1"],"key":{"algo":"ecdsa","size":256}}
EOF
cat >cfg.json <<'EOF'
{"signing":{"default":{"expiry":"8760h"},"profiles":{
 "client":{"expiry":"8760h","usages":["signing","key encipherment","client auth"]},
 "server":{"expiry":"8760h","usages":["signing","key encipherment","server auth","client auth"]}}}}
EOF
gen -initca -out ca ca-csr.json
for c in revoked good; do
	gen -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile client \
	    -cn "$c" -out "$c" client-csr.json
done
gen -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile server \
    -out server server-csr.json
REVOKED=$(decimal revoked.pem)
case $REVOKED in '' | *[!0-9]*) fail "serial of revoked.pem: [$REVOKED]" ;; esac
[ "$REVOKED" != "$(decimal good.pem)" ] || fail "two certificates, one serial"
# Blank lines and white space around the serials are ignored.
printf '\n  %s \r\n\n5\n' "$REVOKED" >serials.txt

run b64 serials.txt ca.pem ca-key.pem 3600
assert_eq 0 "$RC" "gencrl exit status: $(cat b64.err)"
assert_eq "" "$(cat b64.err)" "gencrl stderr"
assert_eq 1 "$(wc -l <b64.out | tr -d ' ')" "base64 output lines"
assert_eq "" "$(tr -d 'A-Za-z0-9+/=\n' <b64.out)" "base64 alphabet"
base64 -d b64.out >crl.der || fail "stdout is not base64"
openssl crl -inform DER -in crl.der -out b64.pem || fail "not a DER CRL"
B64_BEFORE=$BEFORE B64_AFTER=$AFTER

run pem -out crl.pem serials.txt ca.pem ca-key.pem 3600
assert_eq 0 "$RC" "gencrl -out exit status: $(cat pem.err)"
assert_eq "" "$(cat pem.out)" "gencrl -out stdout"
assert_eq 644 "$(mode crl.pem)" "crl.pem mode"
assert_eq "-----BEGIN X509 CRL-----" "$(sed -n 1p crl.pem)" "PEM label"
for f in b64.pem crl.pem; do
	got=$(openssl crl -in "$f" -CAfile ca.pem -noout 2>&1) || fail "$f: $got"
	assert_eq "verify OK" "$got" "openssl crl -CAfile $f"
done
say "1/7 base64 line and -out PEM (0644) both verify against the CA"

# 2. What the CRL says.
text=$(crltext crl.pem)
assert_contains "$text" "Version 2 (0x1)" "version"
assert_contains "$text" "Signature Algorithm: ecdsa-with-SHA256" "sigalg"
assert_eq "$(openssl x509 -in ca.pem -noout -subject | sed 's/^subject=//')" \
    "$(openssl crl -in crl.pem -noout -issuer | sed 's/^issuer=//')" "issuer"
openssl x509 -in ca.pem -outform DER -out ca.der
openssl crl -in crl.pem -outform DER -out crl.der
assert_eq "$(tlv ca.der 2 6)" "$(tlv crl.der 2 3)" "issuer bytes = CA subject bytes"
got=$(echo "$text" | sed -n 's/^ *Serial Number: //p' | tr '\n' ' ')
assert_eq "$(hexserial revoked.pem) 05 " "$got" "revoked serials, in order"
last=$(field crl.pem "Last Update")
assert_eq 3600 $(($(field crl.pem "Next Update") - last)) "nextUpdate - lastUpdate"
[ "$last" -ge "$BEFORE" ] && [ "$last" -le "$AFTER" ] || fail "lastUpdate $last not now"
ok
number=$(echo "$text" | sed -n '/X509v3 CRL Number/{n;s/^ *//;p;}')
[ "$number" -ge "$BEFORE" ] && [ "$number" -le "$AFTER" ] ||
	fail "CRL number [$number] is not the time ($BEFORE..$AFTER)"
ok
b64_number=$(crltext b64.pem | sed -n '/X509v3 CRL Number/{n;s/^ *//;p;}')
[ "$b64_number" -ge "$B64_BEFORE" ] && [ "$b64_number" -le "$B64_AFTER" ] &&
	[ "$b64_number" -le "$number" ] || fail "CRL numbers $b64_number, $number"
ok
ski=$(openssl x509 -in ca.pem -noout -ext subjectKeyIdentifier | sed -n '2s/^ *//p')
[ -n "$ski" ] || fail "the CA has no SKI"
assert_eq "$ski" "$(echo "$text" | sed -n '/Authority Key Identifier/{n;s/^ *//;p;}')" "AKI"
for e in "Authority Key Identifier: critical" "CRL Number: critical"; do
	assert_not_contains "$text" "$e" "criticality"
done
say "2/7 v2, ecdsa-with-SHA256, issuer bytes, serials $REVOKED and 5, 3600 s, CRL number $number, AKI"

# 3. openssl verify with the CRL.
if out=$(openssl verify -crl_check -CRLfile crl.pem -CAfile ca.pem revoked.pem 2>&1); then
	fail "openssl verify accepted revoked.pem: $out"
fi
assert_contains "$out" "certificate revoked" "openssl verify revoked.pem"
out=$(openssl verify -crl_check -CRLfile crl.pem -CAfile ca.pem good.pem 2>&1) ||
	fail "openssl verify good.pem: $out"
assert_eq "good.pem: OK" "$out" "openssl verify good.pem"
say "3/7 openssl verify -crl_check: revoked.pem revoked, good.pem OK"

# 4. cfssl on the same input.  cfssl keeps the white space it splits
# lines on and revokes 0 for " 12 ", so its serial file is a clean one.
# The 2016 build reads SECONDS from a file; later ones take the number.
if [ -x /usr/bin/cfssl ]; then
	printf '%s\n5\n' "$REVOKED" >clean.txt
	echo 3600 >seconds.txt
	{ /usr/bin/cfssl gencrl clean.txt ca.pem ca-key.pem seconds.txt ||
		/usr/bin/cfssl gencrl clean.txt ca.pem ca-key.pem 3600; } \
	    >cfssl.b64 2>cfssl.err || fail "cfssl gencrl: $(cat cfssl.err)"
	base64 -d cfssl.b64 >cfssl.der || fail "cfssl: not base64"
	run clean -out clean.pem clean.txt ca.pem ca-key.pem 3600
	assert_eq 0 "$RC" "gencrl clean.txt: $(cat clean.err)"
	openssl crl -in clean.pem -outform DER -out clean.der
	openssl crl -inform DER -in cfssl.der -out cfssl.pem
	# The text without dates, CRL number and signature value.
	norm() {
		crltext "$1" | sed -e '/Update:/d' -e '/Revocation Date:/d' \
		    -e '/X509v3 CRL Number/,+1d' -e '/Signature Value:/,$d'
	}
	assert_eq "$(norm cfssl.pem)" "$(norm clean.pem)" "kiln vs cfssl crl -text"
	assert_contains "$(crltext clean.pem)" "CRL Number" "kiln's CRL number"
	assert_not_contains "$(crltext cfssl.pem)" "CRL Number" "cfssl's CRL number"
	for i in 1 2 3; do	# version, signature, issuer: byte for byte
		assert_eq "$(tlv cfssl.der 2 $i)" "$(tlv clean.der 2 $i)" "TBS element $i"
	done
	# The outer AlgorithmIdentifier: no NULL parameter for ECDSA either.
	assert_eq "$(tlv cfssl.der 1 2)" "$(tlv clean.der 1 2)" "signatureAlgorithm"
	assert_eq 300a06082a8648ce3d040302 "$(tlv clean.der 1 2)" "ecdsa-with-SHA256, no NULL"
	say "4/7 same structure as /usr/bin/cfssl gencrl but for the CRL number, dates, signature"
else
	say "4/7 skipped: no /usr/bin/cfssl"
fi

# 5. SECONDS.
lifetime() {	# lifetime ARGS...: nextUpdate - lastUpdate of a fresh CRL
	run life -out life.pem "$@"
	[ "$RC" -eq 0 ] || fail "gencrl $*: $(cat life.err)"
	echo $(($(field life.pem "Next Update") - $(field life.pem "Last Update")))
}
assert_eq 604800 "$(lifetime serials.txt ca.pem ca-key.pem)" "no SECONDS"
assert_eq 604800 "$(lifetime serials.txt ca.pem ca-key.pem 0)" "SECONDS 0"
assert_eq 16 "$(lifetime serials.txt ca.pem ca-key.pem 0x10)" "SECONDS 0x10"
assert_eq 8 "$(lifetime serials.txt ca.pem ca-key.pem 010)" "SECONDS 010"
printf '%s\n' "$REVOKED" | "$KILN" gencrl -out stdin.pem - ca.pem ca-key.pem 60 ||
	fail "gencrl - (stdin)"
assert_eq "$(hexserial revoked.pem)" \
    "$(crltext stdin.pem | sed -n 's/^ *Serial Number: //p')" "serials from stdin"
: >empty.txt
run empty -out empty.pem empty.txt ca.pem ca-key.pem 60
assert_eq 0 "$RC" "empty serial file: $(cat empty.err)"
assert_contains "$(crltext empty.pem)" "No Revoked Certificates." "empty CRL"
say "5/7 SECONDS: none and 0 a week, 0x10 16 s, 010 8 s; stdin; an empty list"

# 6. etcd with the CRL.
etcd_env
cp crl.pem etcd-crl.pem
ctl() {	# ctl CLIENT ARGS...
	c=$1
	shift
	etcdctl --endpoints "https://127.0.0.1:$CP" --cacert ca.pem \
	    --cert "$c.pem" --key "$c-key.pem" --dial-timeout 2s \
	    --command-timeout 3s "$@"
}
up=0
for base in $((30000 + $$ % 1000 * 10)) $((40000 + $$ % 1000 * 10)) $((50000 + $$ % 1000 * 10)); do
	CP=$base PP=$((base + 1))
	if port_busy "$CP" || port_busy "$PP"; then continue; fi
	rm -rf "$T/etcd.data"
	etcd --name gencrl --data-dir "$T/etcd.data" --logger zap --log-outputs stderr \
	    --listen-client-urls "https://127.0.0.1:$CP" \
	    --advertise-client-urls "https://127.0.0.1:$CP" \
	    --listen-peer-urls "http://127.0.0.1:$PP" \
	    --initial-advertise-peer-urls "http://127.0.0.1:$PP" \
	    --initial-cluster "gencrl=http://127.0.0.1:$PP" \
	    --cert-file server.pem --key-file server-key.pem \
	    --client-cert-auth --trusted-ca-file ca.pem \
	    --client-crl-file "$T/etcd-crl.pem" >"$T/etcd.log" 2>&1 &
	ETCD_PID=$!
	n=0
	while [ $n -lt 100 ] && kill -0 "$ETCD_PID" 2>/dev/null; do
		ctl good endpoint health >health.out 2>&1 && { up=1; break; }
		sleep 0.1
		n=$((n + 1))
	done
	[ $up -eq 1 ] && break
	grep -q 'address already in use' etcd.log || fail "etcd did not start: $(cat health.out)"
	stop_etcd
done
[ $up -eq 1 ] || fail "no free ports for etcd"
ctl good put kiln-crl ok >/dev/null || fail "put with good.pem"
assert_eq ok "$(ctl good get kiln-crl --print-value-only)" "get with good.pem"
if out=$(ctl revoked get kiln-crl 2>&1); then
	fail "etcd served revoked.pem: $out"
fi
# etcd checks the CRL after the handshake and drops the connection;
# etcdctl only sees its retries time out.
assert_eq "Error: context deadline exceeded" "$(echo "$out" | tail -n 1)" \
    "etcdctl with revoked.pem"
# Go prints the serial's bytes in hex, with no 00 in front.
hex=$(hexserial revoked.pem | tr A-F a-f | sed 's/^\(00\)*//')
assert_contains "$(cat etcd.log)" \
    "\"error\":\"transport: certificate serial $hex revoked\"" "etcd's log"
say "6/7 etcd --client-crl-file: good.pem put/get; revoked.pem refused, etcd logs serial $hex revoked"
# A CRL rewritten in place (atomically) applies to the next connection.
run swap -out "$T/etcd-crl.pem" empty.txt ca.pem ca-key.pem 60
assert_eq 0 "$RC" "gencrl -out etcd-crl.pem: $(cat swap.err)"
assert_eq ok "$(ctl revoked get kiln-crl --print-value-only 2>&1)" "revoked.pem after the new CRL"
stop_etcd
say "  a new CRL without the serial lets revoked.pem in, no restart"

# 7. Errors.
printf '5\n7\n12x\n' >bad.txt
run bad -out bad.pem bad.txt ca.pem ca-key.pem
assert_eq 1 "$RC" "bad serial: exit status"
assert_eq 'kiln: gencrl: bad.txt: line 3: "12x" is not a decimal serial number' \
    "$(cat bad.err)" "bad serial: message"
assert_eq "" "$(cat bad.out)" "bad serial: stdout"
[ ! -e bad.pem ] || fail "bad.pem written on failure"
ok
printf '1\n0\n' >zero.txt
run zero zero.txt ca.pem ca-key.pem
assert_eq 1 "$RC" "zero serial: exit status"
assert_eq 'kiln: gencrl: zero.txt: line 2: "0" is not a positive serial number' \
    "$(cat zero.err)" "zero serial: message"
for s in abc -5 08 0x 2147483648 ""; do
	run secs serials.txt ca.pem ca-key.pem "$s"
	assert_eq 2 "$RC" "SECONDS [$s]: exit status"
	assert_contains "$(sed -n 1p secs.err)" "kiln: gencrl: SECONDS: \"$s\"" "SECONDS [$s]"
	assert_eq "" "$(cat secs.out)" "SECONDS [$s]: stdout"
done
gen -initca -out other ca-csr.json
run key serials.txt ca.pem other-key.pem
assert_eq 1 "$RC" "foreign key: exit status"
assert_eq "kiln: gencrl: other-key.pem: does not match the CA certificate ca.pem" \
    "$(cat key.err)" "foreign key: message"
# An encrypted CA key, with its password in CFSSL_CA_PK_PASSWORD as cfssl.
openssl ec -in ca-key.pem -aes256 -passout pass:s3cret -out enc-key.pem 2>/dev/null ||
	fail "openssl ec -aes256"
run enc serials.txt ca.pem enc-key.pem 60
assert_eq 1 "$RC" "encrypted key without a password: exit status"
assert_eq "kiln: gencrl: enc-key.pem: the CA key is encrypted: set CFSSL_CA_PK_PASSWORD" \
    "$(cat enc.err)" "encrypted key without a password: message"
export CFSSL_CA_PK_PASSWORD=s3cret
run enc -out enc.pem serials.txt ca.pem enc-key.pem 60
unset CFSSL_CA_PK_PASSWORD
assert_eq 0 "$RC" "encrypted key with CFSSL_CA_PK_PASSWORD: $(cat enc.err)"
assert_eq "verify OK" "$(openssl crl -in enc.pem -CAfile ca.pem -noout 2>&1)" "CRL of the encrypted key"
run nocrlsign serials.txt "$DATA/crl/nocrlsign-ca.pem" "$DATA/crl/ec-ca-key.pem"
assert_eq 1 "$RC" "CA without cRLSign: exit status"
assert_eq "kiln: gencrl: $DATA/crl/nocrlsign-ca.pem: the CA's keyUsage lacks cRLSign: verifiers would reject its CRLs" \
    "$(cat nocrlsign.err)" "CA without cRLSign: message"
run args serials.txt ca.pem
assert_eq 2 "$RC" "two arguments: exit status"
run args2 - ca.pem -
assert_eq 2 "$RC" "stdin twice: exit status"
say "7/7 errors: bad serial and zero exit 1 naming the line, SECONDS exit 2, foreign or locked key exit 1"

say "done in $(($(date +%s) - START)) s"
finish
