#!/bin/sh
# Regenerate the fixtures of tests/unit/test_renew.c (ECDSA P-256 only).
# Usage: sh gen.sh BUILD_DIR (the folder of the kiln binary), in any folder.
#  ca.pem, ca-key.pem        kiln's CA, "renew CA", 100 years
#  leaf.pem, leaf-key.pem    kiln gencert: SANs of the four kinds kiln writes
#  expired.pem               kiln gencert, valid in January 2020 only
#  other-ca.pem, foreign.pem another CA of the same name, and a leaf of it
#  inter.pem, inter-key.pem  kiln gencert: an intermediate CA under ca.pem
#  policy.pem                openssl, signed by ca-key.pem: a certificate policy
#  policy-critical.pem       the same with the policy critical
#  odd-sans.pem              openssl, signed by ca-key.pem: a directory name and
#                            an otherName SAN beside a DNS name
#  nc-ca.pem, nc-ca-key.pem  openssl, self-signed: name constraints (critical)
#                            and a certificate policy
#  san-ca.pem                self-signed by nc-ca-key.pem: DNS, IP, email SANs
#  ski-ca.pem                self-signed by nc-ca-key.pem: SKI 01:02:..:08, not
#                            the SHA-1 of the key
# The tests fix "now" and kiln renew does not judge dates, so none of them
# expires for the tests.
set -eu
KILN=$(cd "$1" && pwd)/kiln
cd "$(dirname "$0")"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

cat >"$W/ca-csr.json" <<'EOF'
{"CN":"renew CA","key":{"algo":"ecdsa","size":256},"names":[{"C":"CN","ST":"Beijing","L":"Beijing","O":"kiln"}],"ca":{"expiry":"876000h"}}
EOF
cat >"$W/cfg.json" <<'EOF'
{"signing":{"default":{"expiry":"87600h"},"profiles":{
 "leaf":{"expiry":"87600h","usages":["signing","key encipherment","server auth","client auth"]},
 "expired":{"expiry":"1h","usages":["signing","key encipherment","server auth"],"not_before":"2020-01-01T00:00:00Z","not_after":"2020-02-01T00:00:00Z"},
 "inter":{"expiry":"87600h","usages":["cert sign","crl sign"],"ca_constraint":{"is_ca":true,"max_path_len":0,"max_path_len_zero":true}}}}}
EOF
cat >"$W/inter-csr.json" <<'EOF'
{"CN":"renew intermediate","key":{"algo":"ecdsa","size":256},"names":[{"C":"CN","O":"kiln"}]}
EOF
cat >"$W/leaf-csr.json" <<'EOF'
{"CN":"etcd-1","key":{"algo":"ecdsa","size":256},"hosts":["etcd-1.example.com","localhost","192.168.66.31","127.0.0.1","::1","ops@example.com","spiffe://cluster/etcd-1"],"names":[{"C":"CN","ST":"BeiJing","L":"BeiJing","O":"etcd","OU":"ops"}]}
EOF
"$KILN" gencert -initca -force -out ca "$W/ca-csr.json"
"$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config "$W/cfg.json" -profile leaf -force -out leaf "$W/leaf-csr.json"
"$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config "$W/cfg.json" -profile expired -hostname expired.example \
    -out "$W/expired" "$W/leaf-csr.json"
cp "$W/expired.pem" .
"$KILN" gencert -initca -out "$W/other-ca" "$W/ca-csr.json"
cp "$W/other-ca.pem" .
"$KILN" gencert -ca "$W/other-ca.pem" -ca-key "$W/other-ca-key.pem" -config "$W/cfg.json" -profile leaf \
    -out "$W/foreign" "$W/leaf-csr.json"
cp "$W/foreign.pem" .
"$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config "$W/cfg.json" -profile inter -force -out inter \
    "$W/inter-csr.json"
rm -f ca.csr leaf.csr inter.csr

# sign NAME SUBJECT EXTENSION...: NAME.pem for leaf-key.pem, signed by the CA.
sign() {
	n=$1 s=$2
	shift 2
	printf '%s\n' "$@" >"$W/$n.ext"
	openssl req -new -key leaf-key.pem -subj "$s" -out "$W/$n.csr"
	openssl x509 -req -in "$W/$n.csr" -CA ca.pem -CAkey ca-key.pem -set_serial "0x$(openssl rand -hex 16)" \
	    -days 36500 -extfile "$W/$n.ext" -out "$n.pem"
}
sign policy "/C=CN/O=kiln/CN=policy" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" "basicConstraints=critical,CA:FALSE" \
    "subjectAltName=DNS:policy.example,IP:10.0.0.7" "certificatePolicies=1.3.6.1.4.1.99999.1" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
sign policy-critical "/C=CN/O=kiln/CN=policy" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" "basicConstraints=critical,CA:FALSE" \
    "subjectAltName=DNS:policy.example,IP:10.0.0.7" "certificatePolicies=critical,1.3.6.1.4.1.99999.1" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
sign odd-sans "/C=CN/O=kiln/CN=odd" "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "basicConstraints=critical,CA:FALSE" \
    "subjectAltName=DNS:odd.example,dirName:dn,otherName:1.3.6.1.4.1.311.20.2.3;UTF8:odd@example.com" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" "[dn]" "CN=odd directory name"

openssl ecparam -name prime256v1 -genkey -noout -out nc-ca-key.pem
# selfsigned NAME SUBJECT EXTENSION...: NAME.pem, self-signed by nc-ca-key.pem.
selfsigned() {
	n=$1 s=$2
	shift 2
	for e in "$@"; do set -- "$@" -addext "$e"; shift; done
	openssl req -x509 -new -key nc-ca-key.pem -subj "$s" -days 36500 -set_serial "0x$(openssl rand -hex 16)" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" "$@" -out "$n.pem"
}
selfsigned nc-ca "/C=CN/O=kiln/CN=constrained CA" "basicConstraints=critical,CA:TRUE,pathlen:1" \
    "nameConstraints=critical,permitted;DNS:.example.com,permitted;IP:10.0.0.0/255.0.0.0" \
    "certificatePolicies=1.3.6.1.4.1.99999.2"
selfsigned san-ca "/C=CN/O=kiln/CN=named CA" "basicConstraints=critical,CA:TRUE" \
    "subjectAltName=DNS:ca.example.com,IP:10.0.0.1,email:pki@example.com"
selfsigned ski-ca "/C=CN/O=kiln/CN=odd SKI CA" "basicConstraints=critical,CA:TRUE" \
    "subjectKeyIdentifier=01:02:03:04:05:06:07:08"
