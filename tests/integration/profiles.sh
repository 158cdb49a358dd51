#!/bin/sh
# Every shipped profile issues certificates that openssl verifies, with
# the usages the profile promises; and the man pages lint clean.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
p=$top/profiles

# issue SET CA_CSR PROFILE CSR NAME
issue() {
	"$KILN" gencert -initca "$p/$1/$2" | "$KILN" json -bare "$1-ca"
	"$KILN" gencert -ca "$1-ca.pem" -ca-key "$1-ca-key.pem" \
	    -config "$p/$1/${6:-ca-config.json}" -profile "$3" -out "$5" "$p/$1/$4"
	assert_eq "$5.pem: OK" "$(openssl verify -x509_strict -CAfile "$1-ca.pem" "$5.pem")" \
	    "$1/$3 verifies"
}

eku() {
	openssl x509 -in "$1.pem" -noout -ext extendedKeyUsage | tail -1 | sed 's/^ *//'
}

issue etcd ca-csr.json server member-csr.json etcd-server
assert_eq "TLS Web Server Authentication, TLS Web Client Authentication" "$(eku etcd-server)" "etcd server"
assert_eq "DNS:etcd-1, DNS:localhost, IP Address:192.0.2.11, IP Address:127.0.0.1" \
    "$(openssl x509 -in etcd-server.pem -noout -ext subjectAltName | tail -1 | sed 's/^ *//')" "etcd SANs"
issue etcd ca-csr.json peer member-csr.json etcd-peer
assert_eq "TLS Web Server Authentication, TLS Web Client Authentication" "$(eku etcd-peer)" "etcd peer"
issue etcd ca-csr.json client client-csr.json etcd-client
assert_eq "TLS Web Client Authentication" "$(eku etcd-client)" "etcd client"
issue kubernetes ca-csr.json client admin-csr.json admin
assert_eq "subject=O = system:masters, CN = kubernetes-admin" \
    "$(openssl x509 -in admin.pem -noout -subject)" "admin subject"
issue cfssl ../etcd/ca-csr.json www csr.json www config.json
assert_eq "TLS Web Server Authentication" "$(eku www)" "cfssl www"
issue guide ca-csr.json kubernetes etcd-csr.json guide

for m in "$top"/man/*.[15]; do
	assert_eq "" "$(mandoc -Tlint -Wwarning "$m" 2>&1)" "mandoc -Tlint $(basename "$m")"
	assert_eq "" "$(groff -mandoc -ww -z "$m" 2>&1)" "groff -ww $(basename "$m")"
done
finish
