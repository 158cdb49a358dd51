#!/bin/bash
# Written for kiln's tests in the shape of etcd's tests/fixtures/gencerts.sh
# (cfssl era): bash, pipefail, cfssl and cfssljson from PATH, "--flag=v"
# and "--flag v", an unquoted "$1" holding two words, files renamed after
# each pipe, the serial of a certificate to revoke read from cfssl's
# [INFO] line on stderr, and a CRL of it from cfssl gencrl.
set -euo pipefail

for tool in cfssl cfssljson; do
	if ! command -v "$tool" >/dev/null; then
		echo "$tool is not installed" >&2
		exit 255
	fi
done

cfssl gencert --initca=true ./ca-csr.json | cfssljson --bare ./ca
mv ca.pem ca.crt
openssl x509 -in ca.crt -noout -subject >ca.subject

# make CSRJSON_AND_FLAGS NAME: one certificate signed by the CA.
make() {
	cfssl gencert \
	    --ca ./ca.crt \
	    --ca-key=./ca-key.pem \
	    --config ./gencert.json \
	    $1 | cfssljson --bare ./$2
	mv $2.pem $2.crt
	mv $2-key.pem $2.key.insecure
}

# localhost and 127.0.0.1, both usages (the default profile)
make ./server-csr.json server
# one usage each
make "--profile=server-only ./server-csr.json" server-serverusage
make "--profile client-only ./server-csr.json" client-clientusage
# no CN, hosts only
make ./nocn-csr.json client-nocn
# an ECDSA key; an IPv6 host; a wildcard, replaced by --hostname
make ./server-ecdsa-csr.json server-ecdsa
make "--hostname=::1,localhost ./server-csr.json" server-ipv6
make "--hostname *.kiln.test ./server-csr.json" server-wildcard

# revoke one: its serial from the log line, then a CRL listing it
cfssl gencert --ca ./ca.crt \
    --ca-key ./ca-key.pem \
    --config ./gencert.json \
    ./server-csr.json 2>revoked.stderr | cfssljson --bare ./server-revoked
mv server-revoked.pem server-revoked.crt
mv server-revoked-key.pem server-revoked.key.insecure
grep serial revoked.stderr | awk '{ print $9 }' >revoke.txt
cfssl gencrl revoke.txt ca.crt ca-key.pem | base64 --decode >revoke.crl
cp revoke.txt revoked.serial

rm -f ./*.csr ./*.pem ./*.stderr ./*.txt
