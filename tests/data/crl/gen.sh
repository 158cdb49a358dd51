#!/bin/sh
# Regenerate the fixtures of tests/unit/test_crl.c with openssl (3.0).
# Usage: sh gen.sh, in any folder.  Every certificate is valid for 100 years.
#  ec-ca.pem, ec-ca-key.pem      P-256 CA, subjectKeyIdentifier, keyUsage
#                                certSign + cRLSign
#  ec-leaf.pem                   a leaf of ec-ca, serial 5
#  rsa-ca.pem, rsa-ca-key.pem    RSA 2048 CA, subjectKeyIdentifier, keyUsage
#                                certSign + cRLSign
#  rsa-leaf.pem                  a leaf of rsa-ca, serial 128 (DER 02 02 00 80)
#  p384-ca.pem, p384-ca-key.pem  P-384 CA without a subjectKeyIdentifier
#  nocrlsign-ca.pem              ec-ca-key.pem's CA with keyUsage certSign only
#  leaf-key.pem                  the leaves' key (P-256)
set -eu
cd "$(dirname "$0")"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

cat >"$W/x.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[noski]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = none
authorityKeyIdentifier = none
[nocrlsign]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

openssl ecparam -name prime256v1 -genkey -noout -out ec-ca-key.pem
openssl genrsa -traditional -out rsa-ca-key.pem 2048 2>/dev/null
openssl ecparam -name secp384r1 -genkey -noout -out p384-ca-key.pem
openssl ecparam -name prime256v1 -genkey -noout -out leaf-key.pem

ca() {	# ca NAME KEY SECTION SUBJECT
	openssl req -x509 -new -key "$2" -config "$W/x.cnf" -extensions "$3" \
	    -subj "$4" -days 36500 -set_serial 1 -out "$1"
}
ca ec-ca.pem ec-ca-key.pem ca "/C=CN/ST=Beijing/O=kiln/CN=crl test CA"
ca rsa-ca.pem rsa-ca-key.pem ca "/C=CN/O=kiln/OU=rsa/CN=crl test RSA CA"
ca p384-ca.pem p384-ca-key.pem noski "/O=kiln/CN=crl test P-384 CA"
ca nocrlsign-ca.pem ec-ca-key.pem nocrlsign "/O=kiln/CN=crl test CA without cRLSign"

leaf() {	# leaf NAME CA SERIAL
	openssl req -new -key leaf-key.pem -config "$W/x.cnf" \
	    -subj "/O=kiln/CN=$1" -out "$W/$1.csr"
	openssl x509 -req -in "$W/$1.csr" -CA "$2.pem" -CAkey "$2-key.pem" \
	    -set_serial "$3" -days 36500 -extfile "$W/x.cnf" -extensions leaf \
	    -out "$1.pem" 2>/dev/null
}
leaf ec-leaf ec-ca 5
leaf rsa-leaf rsa-ca 128
