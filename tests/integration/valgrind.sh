#!/bin/sh
# valgrind.sh BUILD_DIR DATA_DIR
#
# The main commands under valgrind's memcheck, on small ECDSA inputs: no
# invalid read or write, no use of uninitialised memory, no definitely
# lost block, on the paths that succeed and on a few that fail.
# gencert (-initca, a leaf to stdout and with -out), json, kiln-certinfo
# (-cert/-csr/-key, json/table/text, a bad input), etcd (2 members), check
# (table and json), renew (with and without -rekey), verify, sign, gencrl.
# Skipped (status 77, which ctest reports as skipped) when the binaries
# are built with AddressSanitizer, which valgrind cannot run
# (scripts/sanitize.sh).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null 2>&1 || fail "valgrind is not installed (make setup installs it)"
for b in kiln kiln-certinfo; do
	[ -x "$BIN/$b" ] || fail "no $b in $BIN"
done
if grep -q __asan_init "$KILN"; then
	echo "valgrind: skipped: $KILN is built with AddressSanitizer"
	exit 77
fi
CI=$BIN/kiln-certinfo
START=$(date +%s)

# vg TAG WANT_STATUS PROGRAM ARGS...: PROGRAM under memcheck, stdin from
# $IN (default /dev/null), stdout in TAG.out, stderr in TAG.err, valgrind's
# log in TAG.vg.  Its status must be WANT_STATUS (never 99, memcheck's),
# and the log must show no error and no definitely lost block.
vg() {
	tag=$1 want=$2
	shift 2
	rc=0
	valgrind --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	    --log-file="$T/$tag.vg" "$@" <"${IN:-/dev/null}" \
	    >"$T/$tag.out" 2>"$T/$tag.err" || rc=$?
	log=$(cat "$T/$tag.vg")
	[ "$rc" != 99 ] || fail "$tag: memcheck errors: $log"
	assert_eq "$want" "$rc" "$tag: status (stderr: $(head -c 500 "$T/$tag.err"))"
	assert_contains "$log" "ERROR SUMMARY: 0 errors" "$tag: memcheck"
	case $log in
	*"definitely lost: "*) assert_contains "$log" "definitely lost: 0 bytes" "$tag: leaks" ;;
	*) assert_contains "$log" "All heap blocks were freed" "$tag: leaks" ;;
	esac
}

cp "$DATA"/guide/ca-config.json "$DATA"/ecdsa/ca-csr.json "$DATA"/ecdsa/etcd-csr.json .

# gencert: a CA, a leaf to stdout (then cfssljson), a leaf with -out.
vg initca 0 "$KILN" gencert -initca ca-csr.json
IN=initca.out vg json-ca 0 "$KILN" json -bare ca
IN=
vg leaf 0 "$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json \
    -profile kubernetes etcd-csr.json
vg json-leaf 0 "$KILN" json -f leaf.out -bare etcd
vg json-stdout 0 "$KILN" json -f leaf.out -bare -stdout
vg leaf-out 0 "$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json \
    -profile kubernetes -hostname 127.0.0.1,etcd.example -out peer etcd-csr.json
for f in ca.pem ca-key.pem ca.csr etcd.pem etcd-key.pem etcd.csr peer.pem peer-key.pem; do
	[ -s "$f" ] || fail "$f: not written"
done
ok
vg gencert-nokey 1 "$KILN" gencert -ca ca.pem -ca-key nosuch.pem etcd-csr.json

# kiln-certinfo.
vg ci-cert 0 "$CI" -cert etcd.pem
assert_contains "$(cat "$T/ci-cert.out")" '"common_name": "etcd"' "certinfo -cert"
vg ci-csr 0 "$CI" -csr etcd.csr
vg ci-key 0 "$CI" -key etcd-key.pem
vg ci-match 0 "$CI" -cert etcd.pem -key etcd-key.pem
vg ci-table 0 "$CI" -cert etcd.pem -format table
vg ci-text 0 "$CI" -cert ca.pem -format text
printf -- '-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHB\n-----END CERTIFICATE-----\n' >bad.pem
vg ci-bad 1 "$CI" -cert bad.pem
vg ci-mismatch 1 "$CI" -cert etcd.pem -key peer-key.pem

# etcd: a two-member cluster, then check on its tree.
cat >m.json <<'EOF'
{
  "key": { "algo": "ecdsa", "size": 256 },
  "names": [ { "C": "CN", "ST": "BeiJing", "L": "BeiJing" } ],
  "members": [
    { "name": "etcd-1", "ip": "127.0.0.1" },
    { "name": "etcd-2", "ip": "127.0.0.2" }
  ],
  "clients": [ "root" ]
}
EOF
vg etcd 0 "$KILN" etcd -manifest m.json -out tree
vg etcd-rerun 0 "$KILN" etcd -manifest m.json -out tree
vg etcd-bad 1 "$KILN" etcd -manifest "$DATA"/etcd/bad-ip.json -out bad-tree
vg check 0 "$KILN" check tree
vg check-json 0 "$KILN" check -format json -ca tree/ca/ca.pem tree
vg check-none 3 "$KILN" check nosuch.pem

# renew in place, with the same key and with a new one.
vg renew 0 "$KILN" renew -ca ca.pem -ca-key ca-key.pem peer.pem
vg renew-rekey 0 "$KILN" renew -ca ca.pem -ca-key ca-key.pem -rekey peer.pem
vg renew-foreign 1 "$KILN" renew -ca tree/ca/ca.pem -ca-key tree/ca/ca-key.pem etcd.pem

# verify: a good certificate, and one whose SANs lack the host.
vg verify 0 "$KILN" verify -ca ca.pem -role peer -host 127.0.0.1 -key peer-key.pem peer.pem
vg verify-fail 1 "$KILN" verify -ca ca.pem -role server -host 10.9.9.9 etcd.pem

# sign: the leaf's request, as JSON and with -out.
vg sign 0 "$KILN" sign -ca ca.pem -ca-key ca-key.pem -config ca-config.json \
    -profile kubernetes etcd.csr
vg sign-out 0 "$KILN" sign -ca ca.pem -ca-key ca-key.pem -out signed etcd.csr
vg sign-badsig 1 "$KILN" sign -ca ca.pem -ca-key ca-key.pem "$DATA"/sign/badsig.csr

# gencrl: base64 DER to stdout and PEM with -out.
printf '12345\n67890\n' >serials
vg gencrl 0 "$KILN" gencrl serials ca.pem ca-key.pem 3600
vg gencrl-out 0 "$KILN" gencrl -out crl.pem serials ca.pem ca-key.pem
grep -q 'BEGIN X509 CRL' crl.pem || fail "gencrl -out: no PEM CRL"
ok
printf 'x\n' >bad-serials
vg gencrl-bad 1 "$KILN" gencrl bad-serials ca.pem ca-key.pem

echo "valgrind: $(($(date +%s) - START)) s"
finish
