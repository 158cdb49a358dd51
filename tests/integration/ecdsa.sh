#!/bin/sh
# The guide's workflow with ECDSA P-256 keys: ecdsa-with-SHA256 signatures
# whose AlgorithmIdentifier has no NULL parameter (RFC 5758), which
# Debian's mbedTLS 2.28.3 would write.
. "$(dirname "$0")/lib.sh"

cp "$DATA"/guide/ca-config.json "$DATA"/ecdsa/ca-csr.json "$DATA"/ecdsa/etcd-csr.json .
PATH=$BIN:$PATH
cfssl gencert -initca ca-csr.json | cfssljson -bare ca
cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=kubernetes etcd-csr.json | cfssljson -bare etcd

assert_eq "etcd.pem: OK" "$(openssl verify -x509_strict -CAfile ca.pem etcd.pem)" "verify"
assert_contains "$(head -1 etcd-key.pem)" "BEGIN EC PRIVATE KEY" "SEC1 key"
openssl ec -in etcd-key.pem -check -noout >/dev/null 2>&1 || fail "ec -check"
ok

for f in ca.pem etcd.pem; do
	t=$(x509text $f)
	assert_contains "$t" "Signature Algorithm: ecdsa-with-SHA256" "$f sigalg"
	assert_contains "$t" "ASN1 OID: prime256v1" "$f curve"
	# Both AlgorithmIdentifiers (in the TBS and outside) carry only the
	# OID: the line after each ecdsa-with-SHA256 OBJECT is not a NULL.
	p=$(openssl asn1parse -in $f)
	n=$(printf '%s\n' "$p" | grep -c ':ecdsa-with-SHA256')
	assert_eq 2 "$n" "$f: two signature AlgorithmIdentifiers"
	after=$(printf '%s\n' "$p" | grep -A1 ':ecdsa-with-SHA256' | grep -c 'NULL' || true)
	assert_eq 0 "$after" "$f: no NULL parameter"
done
p=$(openssl asn1parse -in etcd.csr)
assert_eq 0 "$(printf '%s\n' "$p" | grep -A1 ':ecdsa-with-SHA256' | grep -c NULL || true)" \
    "csr: no NULL parameter"
openssl req -in etcd.csr -noout -verify 2>/dev/null || fail "csr signature"
ok

t=$(x509text ca.pem)
assert_contains "$t" "Certificate Sign, CRL Sign" "CA key usage"
assert_contains "$t" "CA:TRUE" "CA"
assert_not_contains "$t" "Authority Key Identifier" "no AKI on the CA"
nb=$(not_before ca.pem)
na=$(not_after ca.pem)
assert_eq $((87600 * 3600)) $((na - nb)) "ca.expiry 87600h honoured"

cat etcd.pem ca.pem >chain.pem
certtool --verify-chain --infile chain.pem >certtool.out 2>&1 || fail "certtool: $(cat certtool.out)"
ok
info=$(/usr/bin/cfssl-certinfo -cert etcd.pem)
assert_contains "$info" '"common_name": "etcd"' "cfssl-certinfo"
assert_contains "$info" '"sigalg": "ECDSAWithSHA256"' "cfssl-certinfo sigalg"
finish
