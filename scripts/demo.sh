#!/bin/sh
# The main job on the shipped profiles: the etcd guide's certificates,
# made with the guide's own cfssl commands (kiln answering as cfssl and
# cfssljson), issued into ./out and summarised.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build
out=$top/out
mkdir -p "$out"
cp "$top"/profiles/guide/ca-config.json "$top"/profiles/guide/ca-csr.json \
    "$top"/profiles/guide/etcd-csr.json "$out"/
cd "$out"
PATH=$bin:$PATH
export PATH

cfssl gencert -initca ca-csr.json | cfssljson -bare ca
cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json \
    -profile=kubernetes etcd-csr.json | cfssljson -bare etcd

for f in ca.pem etcd.pem; do
	echo "== out/$f"
	openssl x509 -in "$f" -noout -subject -issuer -startdate -enddate \
	    -ext subjectAltName,extendedKeyUsage 2>/dev/null |
	    sed -e 's/^/   /' -e '/^ *$/d'
done
echo "== files"
ls -l ca.pem ca-key.pem ca.csr etcd.pem etcd-key.pem etcd.csr |
    awk '{ print "   " $1 "  " $NF }'
echo "== openssl verify -x509_strict -CAfile ca.pem etcd.pem"
echo "   $(openssl verify -x509_strict -CAfile ca.pem etcd.pem)"
