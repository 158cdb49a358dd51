#!/bin/sh
# Subjects and SANs: a CA whose subject has two OUs, UTF-8 and '&' still
# chains (the leaf's issuer is the CA's subject byte for byte), and hosts
# of every kind land in the SAN as cfssl classifies them.
. "$(dirname "$0")/lib.sh"

cp "$DATA"/guide/ca-config.json "$DATA"/names/*.json .
"$KILN" gencert -initca ca-csr.json | "$KILN" json -bare ca
"$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json \
    -profile kubernetes hosts-csr.json | "$KILN" json -bare leaf

assert_eq "leaf.pem: OK" "$(openssl verify -x509_strict -CAfile ca.pem leaf.pem)" "verify"
subj=$(openssl x509 -in ca.pem -noout -subject -nameopt RFC2253,-esc_msb)
assert_eq "subject=CN=Test Root CA,OU=Second OU,OU=PKI,O=Example & Co,L=Zürich & Köln,ST=California,C=US" \
    "$subj" "CA subject: two OUs as separate RDNs, UTF-8 kept"
# Types: PrintableString where possible, UTF8String for '&' and non-ASCII.
p=$(openssl asn1parse -in ca.pem)
assert_contains "$p" "PRINTABLESTRING   :PKI" "OU printable"
assert_contains "$p" "UTF8STRING        :Example & Co" "O with & is UTF8String"
# The issuer is the CA's subject, byte for byte.
ca_subj=$(openssl x509 -in ca.pem -noout -subject -nameopt RFC2253,-esc_msb | sed 's/^subject=//')
leaf_iss=$(openssl x509 -in leaf.pem -noout -issuer -nameopt RFC2253,-esc_msb | sed 's/^issuer=//')
assert_eq "$ca_subj" "$leaf_iss" "issuer equals the CA subject"
assert_eq "$(openssl x509 -in ca.pem -noout -subject_hash)" \
    "$(openssl x509 -in leaf.pem -noout -issuer_hash)" "issuer hash"
cat leaf.pem ca.pem >chain.pem
certtool --verify-chain --infile chain.pem >/dev/null 2>&1 || fail "certtool chain"
ok

san=$(openssl x509 -in leaf.pem -noout -ext subjectAltName | tail -1 | sed 's/^ *//')
assert_eq "DNS:etcd-1.example.com, DNS:*.etcd.example.com, DNS:localhost, email:ops@example.com, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:1, URI:spiffe://cluster.local/ns/etcd/sa/member, URI:localhost:2379" \
    "$san" "SAN classification and order"

# -hostname replaces the hosts; -cn the CN.
"$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json \
    -profile kubernetes -hostname "10.0.0.1,h.example" -cn other hosts-csr.json |
    "$KILN" json -bare other
san=$(openssl x509 -in other.pem -noout -ext subjectAltName | tail -1 | sed 's/^ *//')
assert_eq "DNS:h.example, IP Address:10.0.0.1" "$san" "-hostname"
assert_eq "subject=CN = other" "$(openssl x509 -in other.pem -noout -subject)" "-cn"
finish
