#!/bin/sh
# Regenerate the fixtures of tests/unit/test_check.c with openssl: ECDSA
# P-256 certificates with fixed dates and serial numbers, so that the
# tests, which fix "now", never depend on the clock.  The signatures and
# keys change from run to run; nothing the tests look at does.
# Usage: sh gen.sh (in this folder).
set -eu
cd "$(dirname "$0")"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

cat >"$W/ca.cnf" <<'CNF'
[ca]
default_ca = kc
[kc]
database = $ENV::W/index.txt
new_certs_dir = $ENV::W
serial = $ENV::W/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = copy
email_in_dn = no
[anything]
commonName = optional
organizationName = optional
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
authorityKeyIdentifier = keyid
CNF
export W
: >"$W/index.txt"

key() {
	openssl ecparam -name prime256v1 -genkey -noout -out "$W/$1-key.pem"
}

# cert NAME SUBJECT SERIAL START END EXT ISSUER [SAN]
cert() {
	key "$1"
	if [ -n "${8:-}" ]; then
		openssl req -new -key "$W/$1-key.pem" -subj "$2" \
		    -addext "subjectAltName=$8" -out "$W/$1.csr"
	else
		openssl req -new -key "$W/$1-key.pem" -subj "$2" -out "$W/$1.csr"
	fi
	echo "$3" >"$W/serial"
	if [ "$7" = self ]; then
		openssl ca -batch -config "$W/ca.cnf" -selfsign \
		    -keyfile "$W/$1-key.pem" -in "$W/$1.csr" -startdate "$4" \
		    -enddate "$5" -extensions "$6" -notext -out "$1.pem" 2>/dev/null
	else
		openssl ca -batch -config "$W/ca.cnf" -cert "$7.pem" \
		    -keyfile "$W/$7-key.pem" -in "$W/$1.csr" -startdate "$4" \
		    -enddate "$5" -extensions "$6" -notext -out "$1.pem" 2>/dev/null
	fi
}

cert ca "/O=kiln/CN=check CA" 01 20200101000000Z 20400101000000Z ca_ext self
cert other-ca "/O=other/CN=other CA" 02 20200101000000Z 20400101000000Z ca_ext self
cert int "/O=kiln/CN=check intermediate" 03 20200101000000Z 20400101000000Z ca_ext ca
# 2030-01-01T00:00:00Z (1893456000) to 2031-01-01T00:00:00Z (1924992000).
cert leaf "/O=kiln/CN=leaf" 0123456789ABCDEF01 20300101000000Z 20310101000000Z \
    leaf_ext ca "DNS:leaf.example,DNS:*.leaf.example,IP:127.0.0.1,IP:::1,email:ops@leaf.example,URI:spiffe://check/leaf"
cert nocn "/O=kiln" 10 20300101000000Z 20310101000000Z leaf_ext ca
cert foreign "/CN=foreign" 11 20300101000000Z 20310101000000Z leaf_ext other-ca \
    "DNS:foreign.example"
cert chained "/CN=chained" 12 20300101000000Z 20310101000000Z leaf_ext int \
    "DNS:chained.example"
# The bundle: 2030-01-01 to 2030-03-01, 2029-01-01 to 2032-01-01, the CA.
cert one "/CN=bundle one" 20 20300101000000Z 20300301000000Z leaf_ext ca \
    "DNS:one.example"
cert two "/CN=bundle two" 21 20290101000000Z 20320101000000Z leaf_ext ca \
    "IP:10.0.0.2"
cat one.pem two.pem ca.pem >bundle.pem
cat chained.pem int.pem >chain.pem
rm one.pem two.pem
openssl x509 -in leaf.pem -outform DER -out leaf.der

# Files that are not certificates.
cp "$W/leaf-key.pem" key.pem
openssl ec -in key.pem -outform DER -out key.der 2>/dev/null
chmod 644 key.pem key.der
cp "$W/leaf.csr" leaf.csr
printf '{ "CN": "leaf", "key": { "algo": "ecdsa", "size": 256 } }\n' >csr.json
printf 'Certificates for the check unit tests; see gen.sh.\n' >notes.txt
# A CERTIFICATE block that is not one: a problem, not skipped.  (The
# marker is not written out here: kiln check would take this script for
# a broken certificate.)
printf -- '-----%s CERTIFICATE-----\nAAAA\n-----%s CERTIFICATE-----\n' \
    BEGIN END >broken.pem
# The CA keys are not kept: nothing is signed at test time.
