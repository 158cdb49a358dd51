#!/bin/sh
# For the same csr.json and ca-config.json, kiln's CA and leaf certificates
# equal cfssl 1.2.0's on everything that is not random or time: version,
# subject and issuer (string types included), signature algorithm, key
# type and size, lifetime, and every extension's OID, criticality, order
# and value (key identifiers for presence), for RSA 2048 and ECDSA P-256,
# with DNS, wildcard, IPv4 and IPv6 hosts.
. "$(dirname "$0")/lib.sh"

cat >ca-config.json <<'EOF'
{"signing": {"default": {"expiry": "8760h"}, "profiles": {
  "kubernetes": {"expiry": "87600h", "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "inter": {"expiry": "43800h", "usages": ["cert sign", "crl sign"],
            "ca_constraint": {"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}}}}}
EOF

# The certificate as openssl prints it, less what is random or time:
# serial, dates, key material, signature, key identifier values.
norm() {
	openssl x509 -in "$1" -noout -text -nameopt multiline,show_type \
	    -certopt no_serial,no_validity,no_pubkey,no_sigdump |
	    grep -v -e '^ *\([0-9A-Fa-f][0-9A-Fa-f]:\)\{4,\}' -e 'keyid:'
	openssl x509 -in "$1" -noout -text | grep -e 'Public Key Algorithm' -e 'Public-Key:' -e 'ASN1 OID'
	# The lifetime, in seconds.
	nb=$(not_before "$1")
	na=$(not_after "$1")
	echo "lifetime $((na - nb))"
}

# same WHAT CFSSL KILN
same() {
	norm "$2" >"$2.norm"
	norm "$3" >"$3.norm"
	diff -u "$2.norm" "$3.norm" >"$1.diff" || fail "$1 differs from cfssl 1.2.0: $(cat "$1.diff")"
	ok
}

for algo in "rsa 2048" "ecdsa 256"; do
	set -- $algo
	tag=$1-$2
	cat >ca-csr.json <<EOF
{"CN": "compare CA", "names": [{"C": "CN", "ST": "Beijing", "L": "Beijing", "O": "kiln", "OU": "PKI"}],
 "key": {"algo": "$1", "size": $2}}
EOF
	cat >leaf-csr.json <<EOF
{"CN": "etcd", "hosts": ["etcd.local", "*.etcd.local", "10.0.0.1", "2001:db8::1", "127.0.0.1"],
 "names": [{"C": "CN", "ST": "BeiJing", "L": "BeiJing", "O": "k8s", "OU": "System"}],
 "key": {"algo": "$1", "size": $2}}
EOF
	/usr/bin/cfssl gencert -initca ca-csr.json 2>/dev/null | /usr/bin/cfssljson -bare "cf-ca-$tag"
	"$KILN" gencert -initca ca-csr.json | "$KILN" json -bare "kl-ca-$tag"
	same "CA ($tag)" "cf-ca-$tag.pem" "kl-ca-$tag.pem"
	# Leaves from one CA (cfssl's), so that the issuer is the same.
	/usr/bin/cfssl gencert -ca "cf-ca-$tag.pem" -ca-key "cf-ca-$tag-key.pem" -config ca-config.json \
	    -profile kubernetes leaf-csr.json 2>/dev/null | /usr/bin/cfssljson -bare "cf-leaf-$tag"
	"$KILN" gencert -ca "cf-ca-$tag.pem" -ca-key "cf-ca-$tag-key.pem" -config ca-config.json \
	    -profile kubernetes leaf-csr.json | "$KILN" json -bare "kl-leaf-$tag"
	same "leaf ($tag)" "cf-leaf-$tag.pem" "kl-leaf-$tag.pem"
	assert_contains "$(cat "kl-leaf-$tag.pem.norm")" \
	    "DNS:etcd.local, DNS:*.etcd.local, IP Address:10.0.0.1, IP Address:2001:DB8:0:0:0:0:0:1, IP Address:127.0.0.1" \
	    "leaf ($tag): every kind of host"
done

# An intermediate with pathlen 0: the same as cfssl's, its leaf verifies
# through the chain, and kiln refuses to issue a CA from it (cfssl does).
echo '{"CN": "intermediate", "key": {"algo": "ecdsa", "size": 256}}' >inter-csr.json
/usr/bin/cfssl gencert -ca cf-ca-ecdsa-256.pem -ca-key cf-ca-ecdsa-256-key.pem -config ca-config.json \
    -profile inter inter-csr.json 2>/dev/null | /usr/bin/cfssljson -bare cf-inter
"$KILN" gencert -ca cf-ca-ecdsa-256.pem -ca-key cf-ca-ecdsa-256-key.pem -config ca-config.json \
    -profile inter inter-csr.json | "$KILN" json -bare kl-inter
same "intermediate, pathlen 0" cf-inter.pem kl-inter.pem
assert_contains "$(cat kl-inter.pem.norm)" "CA:TRUE, pathlen:0" "pathlen 0"
"$KILN" gencert -ca kl-inter.pem -ca-key kl-inter-key.pem -config ca-config.json \
    -profile kubernetes leaf-csr.json | "$KILN" json -bare inter-leaf
assert_eq "inter-leaf.pem: OK" \
    "$(openssl verify -x509_strict -CAfile cf-ca-ecdsa-256.pem -untrusted kl-inter.pem inter-leaf.pem)" \
    "a leaf of the pathlen 0 intermediate verifies through the chain"
set +e
msg=$("$KILN" gencert -ca kl-inter.pem -ca-key kl-inter-key.pem -config ca-config.json \
    -profile inter inter-csr.json 2>&1 >/dev/null)
rc=$?
set -e
assert_eq 1 "$rc" "a CA from a pathlen 0 CA: refused"
assert_eq "kiln: gencert: CA certificate: pathlen 0 forbids issuing a CA certificate" "$msg" \
    "a CA from a pathlen 0 CA: the message"

# The CA's CSR (issue 14): basicConstraints CA:TRUE only when csr.json has
# a "ca" object, as cfssl.  A ca.csr made without one signs again as a
# leaf with both tools; with one, both refuse a leaf profile.
cat >noca-csr.json <<'EOF'
{"CN": "re-sign me", "key": {"algo": "ecdsa", "size": 256}}
EOF
cat >withca-csr.json <<'EOF'
{"CN": "re-sign me", "key": {"algo": "ecdsa", "size": 256}, "ca": {"expiry": "8760h"}}
EOF
for who in kiln cfssl; do
	if [ $who = kiln ]; then tool=$KILN; else tool=/usr/bin/cfssl; fi
	"$tool" gencert -initca noca-csr.json 2>/dev/null | "$BIN"/cfssljson -bare $who-noca
	"$tool" gencert -initca withca-csr.json 2>/dev/null | "$BIN"/cfssljson -bare $who-withca
	assert_eq "" "$(openssl req -in $who-noca.csr -noout -text | grep 'CA:TRUE' || true)" \
	    "$who: no ca object: no CA:TRUE in the CSR"
	assert_contains "$(openssl req -in $who-withca.csr -noout -text)" "CA:TRUE" \
	    "$who: a ca object: CA:TRUE in the CSR"
	assert_contains "$(openssl x509 -in $who-noca.pem -noout -text)" "CA:TRUE" \
	    "$who: the CA certificate is a CA either way"
done
for signer in "$KILN" /usr/bin/cfssl; do
	"$signer" sign -ca kl-inter.pem -ca-key kl-inter-key.pem -config ca-config.json \
	    -profile kubernetes kiln-noca.csr 2>/dev/null | "$BIN"/cfssljson -bare resigned
	assert_eq "CN = re-sign me" "$(openssl x509 -in resigned.pem -noout -subject -nameopt oneline | sed 's/^subject=//')" \
	    "$signer signs kiln's ca.csr under a leaf profile"
	rm resigned.pem
	set +e
	"$signer" sign -ca kl-inter.pem -ca-key kl-inter-key.pem -config ca-config.json \
	    -profile kubernetes kiln-withca.csr >/dev/null 2>&1
	rc=$?
	set -e
	assert_eq 1 "$rc" "$signer refuses a CA:TRUE CSR under a leaf profile"
done

finish
