#!/bin/sh
# The etcd guide's certificate workflow, its two commands verbatim, with
# kiln answering as cfssl and cfssljson; checked with openssl, GnuTLS
# certtool and Debian's cfssl-certinfo.  RSA-2048, as the guide has it.
. "$(dirname "$0")/lib.sh"

cp "$DATA"/guide/ca-config.json "$DATA"/guide/ca-csr.json \
    "$DATA"/guide/etcd-csr.json .
[ "$(readlink "$BIN/cfssl")" = kiln ] || fail "build tree has no cfssl link"

for mask in 022 077; do
	rm -f ./*.pem ./*.csr
	(
		umask $mask
		PATH=$BIN:$PATH
		cfssl gencert -initca ca-csr.json | cfssljson -bare ca
		cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=kubernetes etcd-csr.json | cfssljson -bare etcd
	)
	for f in ca.pem ca-key.pem ca.csr etcd.pem etcd-key.pem etcd.csr; do
		[ -s "$f" ] || fail "umask $mask: $f missing"
		ok
	done
	assert_eq 600 "$(mode ca-key.pem)" "umask $mask: ca-key.pem mode"
	assert_eq 600 "$(mode etcd-key.pem)" "umask $mask: etcd-key.pem mode"
	assert_eq 644 "$(mode etcd.pem)" "umask $mask: etcd.pem mode"
	assert_eq 644 "$(mode etcd.csr)" "umask $mask: etcd.csr mode"
done

assert_eq "etcd.pem: OK" "$(openssl verify -x509_strict -CAfile ca.pem etcd.pem)" \
    "openssl verify"
assert_contains "$(head -1 ca-key.pem)" "BEGIN RSA PRIVATE KEY" "key PEM label"
openssl rsa -in etcd-key.pem -check -noout >/dev/null 2>&1 || fail "rsa -check"
ok
assert_eq "$(openssl x509 -in etcd.pem -noout -pubkey)" \
    "$(openssl pkey -in etcd-key.pem -pubout)" "etcd key matches etcd.pem"
assert_eq "$(openssl req -in etcd.csr -noout -pubkey)" \
    "$(openssl pkey -in etcd-key.pem -pubout)" "etcd.csr holds the key"
openssl req -in etcd.csr -noout -verify 2>/dev/null || fail "csr signature"
ok

# The leaf, field by field.
t=$(x509text etcd.pem)
assert_contains "$t" "Version: 3 (0x2)" "version"
serial=$(openssl x509 -in etcd.pem -noout -serial | sed 's/serial=//')
assert_eq 40 "${#serial}" "serial is 20 bytes"
assert_contains "$t" "Signature Algorithm: sha256WithRSAEncryption" "sigalg"
assert_contains "$t" "Subject: C = CN, ST = BeiJing, L = BeiJing, CN = etcd" "subject"
assert_contains "$t" "Issuer: C = CN, ST = Beijing, L = Beijing, CN = etcd CA" "issuer"
assert_contains "$t" "Public-Key: (2048 bit)" "key size"

# notBefore: minute-rounded, five minutes back; 87600h of validity.
nb=$(openssl x509 -in etcd.pem -noout -startdate | sed 's/notBefore=//')
na=$(openssl x509 -in etcd.pem -noout -enddate | sed 's/notAfter=//')
nbs=$(date -u -d "$nb" +%s)
nas=$(date -u -d "$na" +%s)
now=$(date -u +%s)
assert_eq 0 $((nbs % 60)) "notBefore on a whole minute"
back=$((now - nbs))
[ $back -ge 240 ] && [ $back -le 360 ] || fail "notBefore $back s back, want about 300"
ok
assert_eq $((87600 * 3600)) $((nas - nbs)) "validity 87600h"

# Extensions: in cfssl's order, with its criticality and values.
exts=$(printf '%s\n' "$t" | grep -A1 '^ \{12\}X509v3' | grep -v '^--$' |
    sed -E 's/^ *([0-9A-F]{2}:){19}[0-9A-F]{2}$/                KEYID/')
want="            X509v3 Key Usage: critical
                Digital Signature, Key Encipherment
            X509v3 Extended Key Usage: 
                TLS Web Server Authentication, TLS Web Client Authentication
            X509v3 Basic Constraints: critical
                CA:FALSE
            X509v3 Subject Key Identifier: 
                KEYID
            X509v3 Authority Key Identifier: 
                KEYID
            X509v3 Subject Alternative Name: 
                IP Address:192.168.66.31, IP Address:192.168.66.41, IP Address:192.168.66.42"
assert_eq "$want" "$exts" "leaf extensions"
ca_ski=$(x509text ca.pem | grep -A1 'Subject Key Identifier' | tail -1 | tr -d ' ')
leaf_aki=$(printf '%s\n' "$t" | grep -A1 'Authority Key Identifier' | tail -1 | tr -d ' ')
assert_eq "$ca_ski" "$leaf_aki" "AKI is the CA's SKI"

# The CA: certSign + cRLSign, CA:TRUE, SKI and no AKI.
t=$(x509text ca.pem)
assert_contains "$t" "X509v3 Key Usage: critical
                Certificate Sign, CRL Sign" "CA key usage"
assert_contains "$t" "X509v3 Basic Constraints: critical
                CA:TRUE" "CA basic constraints"
assert_contains "$t" "X509v3 Subject Key Identifier" "CA SKI"
assert_not_contains "$t" "Authority Key Identifier" "CA AKI"
assert_not_contains "$t" "Extended Key Usage" "CA EKU"
ca_nb=$(openssl x509 -in ca.pem -noout -startdate | sed 's/notBefore=//')
ca_na=$(openssl x509 -in ca.pem -noout -enddate | sed 's/notAfter=//')
assert_eq $((43800 * 3600)) $(($(date -u -d "$ca_na" +%s) - $(date -u -d "$ca_nb" +%s))) \
    "CA validity 43800h (initca default)"

# GnuTLS and Debian's cfssl read the chain too.
cat etcd.pem ca.pem >chain.pem
certtool --verify-chain --infile chain.pem >certtool.out 2>&1 ||
    fail "certtool --verify-chain: $(cat certtool.out)"
assert_contains "$(cat certtool.out)" "Chain verification output: Verified" "certtool"
info=$(/usr/bin/cfssl-certinfo -cert etcd.pem)
assert_contains "$info" '"common_name": "etcd"' "cfssl-certinfo subject"
assert_contains "$info" '"192.168.66.31"' "cfssl-certinfo sans"
assert_contains "$info" '"192.168.66.42"' "cfssl-certinfo sans"
info=$(/usr/bin/cfssl-certinfo -cert ca.pem)
assert_contains "$info" '"common_name": "etcd CA"' "cfssl-certinfo CA"
assert_contains "$info" '"locality": "Beijing"' "cfssl-certinfo CA locality"

# The guide's own files give the CA 5 years and etcd.pem 10 (issue 14,
# point 8): etcd.pem stops working when the CA expires.  Exit 0, and one
# line saying when and what to do; as cfssl, a [WARNING] log line after
# cfssl's [INFO] lines.
mkdir outlive && cd outlive
"$KILN" gencert -initca ../ca-csr.json | "$KILN" json -bare ca
"$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config ../ca-config.json -profile kubernetes \
    -out etcd ../etcd-csr.json 2>kiln.err
day() {
	date -u -d "$(openssl x509 -in "$1" -noout -enddate | sed 's/notAfter=//')" +%Y-%m-%d
}
ca_end=$(day ca.pem)
end=$(day etcd.pem)
assert_eq "kiln: gencert: warning: the certificate (notAfter $end) outlives its CA (notAfter $ca_end): it stops working on $ca_end; give the profile a shorter expiry, or renew the CA" \
    "$(cat kiln.err)" "the guide: etcd.pem outlives its CA"
PATH=$BIN:$PATH cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=../ca-config.json \
    -profile=kubernetes ../etcd-csr.json 2>cfssl.err | PATH=$BIN:$PATH cfssljson -bare etcd2
assert_eq "[WARNING] the certificate (notAfter $(day etcd2.pem)) outlives its CA (notAfter $ca_end): it stops working on $ca_end; give the profile a shorter expiry, or renew the CA" \
    "$(tail -1 cfssl.err | cut -d' ' -f3-)" "the guide as cfssl: a [WARNING] line"
assert_contains "$(cat cfssl.err)" "[INFO] signed certificate with serial number" \
    "the guide as cfssl: cfssl's [INFO] lines"
cd ..
finish
