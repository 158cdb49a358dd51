#!/bin/sh
# Regenerate the kiln sign fixtures (openssl 3.0).  Not run by the tests:
# the files are committed, and their keys are thrown away.
set -eu
cd "$(dirname "$0")"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
openssl ecparam -name prime256v1 -genkey -noout -out "$t/ec.pem"
openssl genrsa -out "$t/rsa.pem" 2048 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$t/ed.pem"

# ECDSA, subject in openssl's order, SANs of four kinds.
openssl req -new -key "$t/ec.pem" -out ecdsa.csr \
    -subj '/CN=www.example.com/O=Example Org/C=DE/emailAddress=admin@example.com' \
    -addext 'subjectAltName=DNS:www.example.com,DNS:alt.example.com,IP:192.0.2.1,IP:2001:db8::1,email:ops@example.com'
openssl req -in ecdsa.csr -outform der -out ecdsa.der
sed 's/CERTIFICATE REQUEST/NEW CERTIFICATE REQUEST/' ecdsa.csr >new.csr
# One byte of the signature (5 bytes from the end, inside s) flipped.
cp ecdsa.der "$t/bad.der"
n=$(($(wc -c <"$t/bad.der") - 5))
if [ "$(od -An -tx1 -j "$n" -N1 "$t/bad.der" | tr -d ' ')" = 41 ]; then
	c=B
else
	c=A
fi
printf '%s' "$c" | dd of="$t/bad.der" bs=1 seek="$n" conv=notrunc 2>/dev/null
openssl req -inform der -in "$t/bad.der" -out badsig.csr

# Multi-valued RDN, two OUs, UTF-8, street, postalCode, serialNumber, E.
openssl req -new -key "$t/ec.pem" -out multi.csr -utf8 -multivalue-rdn \
    -subj '/CN=Zürich host/OU=Team B/O=Ex & Co+L=Köln/OU=Team A/C=CH/street=Main St 1/postalCode=8000/serialNumber=42/emailAddress=a@b.example'

# RSA; a URI and an IPv4-mapped IPv6 address.
openssl req -new -key "$t/rsa.pem" -out rsa.csr -subj '/CN=rsa.example.com' \
    -addext 'subjectAltName=URI:spiffe://cluster.local/ns/x,IP:::ffff:192.0.2.5,DNS:rsa.example.com'

# Asks for a CA, pathlen 1; and one asking with no pathlen.
openssl req -new -key "$t/ec.pem" -out ca.csr -subj '/CN=Sub CA/O=Example Org' \
    -addext 'basicConstraints=critical,CA:TRUE,pathlen:1' \
    -addext 'subjectAltName=DNS:subca.example.com,IP:10.0.0.1,email:ca@example.com'
openssl req -new -key "$t/ec.pem" -out ca-nopathlen.csr -subj '/CN=Sub CA 2' \
    -addext 'basicConstraints=critical,CA:TRUE'

# Latin-1 in T61Strings (string_mask default), and two CNs.
printf '[req]\ndistinguished_name=dn\nprompt=no\nstring_mask=default\nutf8=yes\n[dn]\nCN=Grüße\nO=Plain\n' >"$t/t61.cnf"
openssl req -new -key "$t/ec.pem" -config "$t/t61.cnf" -out t61.csr
openssl req -new -key "$t/ec.pem" -out cn2.csr -subj '/CN=first/O=o/CN=second'

# Ed25519 and RSA with MD5: signatures kiln does not check.
openssl req -new -key "$t/ed.pem" -out ed25519.csr -subj '/CN=ed'
openssl req -new -key "$t/rsa.pem" -out md5.csr -subj '/CN=md5' -md5

# A CA certificate with pathlen 1, for the CA rules (its key is dropped).
openssl req -x509 -new -key "$t/ec.pem" -out ca-pathlen1.pem -days 3650 \
    -subj '/CN=Pathlen 1 CA' \
    -addext 'basicConstraints=critical,CA:TRUE,pathlen:1' \
    -addext 'keyUsage=critical,keyCertSign,cRLSign'
