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

# The guide's cluster as one manifest: exactly the documented tree, every
# certificate verifies, each member's certificates carry its own address.
"$KILN" etcd -manifest "$p/etcd/cluster.json" -out cluster >cluster.out
assert_eq "cluster: 3 members, 2 clients: 9 certificates issued, 0 kept" \
    "$(tail -n 1 cluster.out)" "kiln etcd on cluster.json"
want="cluster/ca/ca-config.json cluster/ca/ca-key.pem cluster/ca/ca.pem"
want="$want cluster/clients/kube-apiserver-etcd-client-key.pem"
want="$want cluster/clients/kube-apiserver-etcd-client.pem"
want="$want cluster/clients/root-key.pem cluster/clients/root.pem"
for m in etcd-1 etcd-2 etcd-3; do
	want="$want cluster/$m/cfg/etcd.yml cluster/$m/etcd.service cluster/$m/ssl/ca.pem"
	want="$want cluster/$m/ssl/peer-key.pem cluster/$m/ssl/peer.pem"
	want="$want cluster/$m/ssl/server-key.pem cluster/$m/ssl/server.pem"
done
assert_eq "$want" "$(find cluster -type f | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')" \
    "cluster.json: the tree"
for f in $(find cluster -name '*.pem' ! -name '*-key.pem'); do
	assert_eq "$f: OK" "$(openssl verify -x509_strict -CAfile cluster/ca/ca.pem "$f")" "$f verifies"
done
san() {
	openssl x509 -in "$1" -noout -ext subjectAltName | tail -1 | sed 's/^ *//'
}
assert_eq "DNS:etcd-3, DNS:localhost, IP Address:192.168.66.42, IP Address:127.0.0.1" \
    "$(san cluster/etcd-3/ssl/server.pem)" "etcd-3 server SANs (the guide's copy-paste bug)"
assert_eq "DNS:etcd-3, IP Address:192.168.66.42" "$(san cluster/etcd-3/ssl/peer.pem)" \
    "etcd-3 peer SANs"
assert_eq "subject=C = CN, ST = BeiJing, L = BeiJing, CN = etcd-3" \
    "$(openssl x509 -in cluster/etcd-3/ssl/peer.pem -noout -subject)" "the guide's names"
assert_contains "$(openssl x509 -in cluster/ca/ca.pem -noout -text)" "Public-Key: (2048 bit)" \
    "the guide's RSA 2048 CA"
assert_eq "name: 'etcd-3'" "$(grep '^name:' cluster/etcd-3/cfg/etcd.yml)" "etcd-3's own etcd.yml"
assert_eq "listen-peer-urls: 'https://192.168.66.42:2380'" \
    "$(grep '^listen-peer-urls:' cluster/etcd-3/cfg/etcd.yml)" "etcd-3 listens on its own address"

# The two shipped definitions of kube-apiserver's etcd client certificate
# agree, and are what kubeadm makes (certlist.go, KubeadmCertEtcdAPIClient):
# CN kube-apiserver-etcd-client, no organization, client auth only.
issue kubernetes ca-csr.json client apiserver-etcd-client-csr.json apiserver-etcd-client
who() {	# CERT: CN|O|key usages|extended key usages
	"$BIN/kiln-certinfo" -cert "$1" | jq -r '[.subject.common_name,
	    (.subject.organization // ""), (.key_usage // [] | sort | join(",")),
	    (.ext_key_usage // [] | sort | join(","))] | join("|")'
}
want="kube-apiserver-etcd-client||digital signature,key encipherment|client auth"
assert_eq "$want" "$(who apiserver-etcd-client.pem)" "profiles/kubernetes: kube-apiserver-etcd-client"
assert_eq "$want" "$(who cluster/clients/kube-apiserver-etcd-client.pem)" \
    "profiles/etcd/cluster.json: kube-apiserver-etcd-client"

# certificatePolicies as cfssl 1.2.0 writes them: the extensions of the
# same request under the same profile are the same, OCSP no-check after.
cat >pol-config.json <<'EOF'
{"signing": {"default": {"expiry": "8760h"}, "profiles": {"p": {"expiry": "8760h",
 "usages": ["signing", "server auth"], "ocsp_no_check": true,
 "policies": [{"ID": "1.2.3.4", "Qualifiers": [{"Type": "id-qt-cps", "Value": "https://example.com/cps"},
   {"Type": "id-qt-unotice", "Value": "Zo\u00eb notice"}]}, {"ID": "2.23.140.1.2.1"}]}}}}
EOF
echo '{"CN": "policy CA", "key": {"algo": "ecdsa"}}' >pol-ca.json
echo '{"CN": "leaf", "hosts": ["a.example"], "key": {"algo": "ecdsa"}}' >pol-leaf.json
/usr/bin/cfssl gencert -initca pol-ca.json 2>/dev/null | /usr/bin/cfssljson -bare pol-ca
/usr/bin/cfssl gencert -ca pol-ca.pem -ca-key pol-ca-key.pem -config pol-config.json -profile p \
    pol-leaf.json 2>/dev/null | /usr/bin/cfssljson -bare pol-cfssl
"$KILN" gencert -ca pol-ca.pem -ca-key pol-ca-key.pem -config pol-config.json -profile p \
    -out pol-kiln pol-leaf.json
exts() {
	openssl x509 -in "$1" -noout -text | sed -n '/X509v3 extensions/,/Signature Algorithm/p' |
	    grep -v -e 'Key Identifier' -e '^ *[0-9A-F][0-9A-F]:'
}
assert_eq "$(exts pol-cfssl.pem)" "$(exts pol-kiln.pem)" "policies and OCSP no-check as cfssl"
assert_contains "$(exts pol-kiln.pem)" "Explicit Text: Zoë notice" "a user notice"

for m in "$top"/man/*.[15]; do
	assert_eq "" "$(mandoc -Tlint -Wwarning "$m" 2>&1)" "mandoc -Tlint $(basename "$m")"
	assert_eq "" "$(groff -mandoc -ww -z "$m" 2>&1)" "groff -ww $(basename "$m")"
done
finish
