#!/bin/sh
# kiln renew without -ca on a tree (kubeadm's /etc/kubernetes, kiln k8s's
# output, kiln etcd's output): each certificate renewed by the tree's CA
# that issued it, in one run.
#  a. kiln k8s's whole tree and one node's kubeadm tree: every leaf and
#     kubeconfig renewed, each verified by its own CA alone (ca,
#     front-proxy-ca, etcd-ca), the same key, a new serial; the CAs and
#     their copies untouched and named as skipped; kiln k8s then keeps
#     everything (0 issued);
#  b. kiln etcd's tree likewise;
#  c. refusals, one line each, nothing written: a worker's tree (no CA
#     key), two operands, -profile, -ca without -ca-key, a folder with no
#     CA, a CA name that is a symbolic link; a certificate none of the
#     tree's CAs issued fails naming them while the others are renewed.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
RUN_TIMEOUT=60

# pub PEM: the public key of a certificate.
pub() { openssl x509 -in "$1" -noout -pubkey; }
# ser PEM: its serial.
ser() { openssl x509 -in "$1" -noout -serial; }
# embedded CONF: the client certificate a kubeconfig embeds, as PEM.
embedded() {
	sed -n 's/^ *client-certificate-data: *//p' "$1" | base64 -d
}
# verified_by CA PEM WHAT: PEM verifies under CA alone.
verified_by() {
	openssl verify -x509_strict -CAfile "$1" "$2" >/dev/null 2>&1 ||
	    fail "$3: not verified by $1 alone"
	ok
}

cat >m.json <<'J'
{
    "control_plane_endpoint": "lb.example.com",
    "key": {"algo": "ecdsa", "size": 256},
    "control_plane": [{"name": "cp-1", "ip": "10.0.0.1"}],
    "workers": [{"name": "w-1", "ip": "10.0.0.11"}]
}
J
run k8s "$KILN" k8s -q -manifest m.json -out k
assert_eq 0 "$rc" "kiln k8s: $(cat k8s.err)"
cp -a k before

# a. The whole kiln k8s tree, everything due.
run all "$KILN" renew -within 400d k
assert_eq 0 "$rc" "renew k: $(cat all.err)"
assert_eq 15 "$(grep -c ': renewed, serial ' all.out)" "renewed in k"
for f in cp-1/pki/apiserver cp-1/pki/apiserver-kubelet-client \
    cp-1/pki/kubelet w-1/pki/kubelet; do
	verified_by k/ca/ca.crt "k/$f.crt" "$f"
done
verified_by k/ca/front-proxy-ca.crt k/cp-1/pki/front-proxy-client.crt \
    front-proxy-client
for f in apiserver-etcd-client etcd/server etcd/peer etcd/healthcheck-client; do
	verified_by k/ca/etcd-ca.crt "k/cp-1/pki/$f.crt" "$f"
done
for f in cp-1/pki/apiserver cp-1/pki/front-proxy-client cp-1/pki/etcd/peer \
    w-1/pki/kubelet; do
	assert_eq "$(pub "before/$f.crt")" "$(pub "k/$f.crt")" "$f: same key"
	[ "$(ser "before/$f.crt")" != "$(ser "k/$f.crt")" ] ||
	    fail "$f: serial unchanged"
	cmp -s "before/${f%/*}/$(basename "$f").key" \
	    "k/${f%/*}/$(basename "$f").key" || fail "$f: key file changed"
	ok
done
for c in cp-1/admin.conf w-1/kubelet.conf; do
	embedded "k/$c" >got.pem
	verified_by k/ca/ca.crt got.pem "$c"
	[ "$(embedded "before/$c" | openssl x509 -noout -serial)" != \
	    "$(ser got.pem)" ] || fail "$c: serial unchanged"
	ok
done
for f in ca/ca.crt ca/etcd-ca.crt ca/front-proxy-ca.crt ca/ca.key \
    cp-1/pki/ca.crt cp-1/pki/etcd/ca.crt cp-1/pki/front-proxy-ca.crt; do
	cmp -s "before/$f" "k/$f" || fail "$f changed"
	ok
done
assert_contains "$(cat all.out)" "k/ca/ca.crt: kept, expires in 3649 days" "CA kept"
run again "$KILN" k8s -q -manifest m.json -out k
assert_eq "k: 1 control-plane node, 1 worker: 0 certificates issued, 18 kept" \
    "$(cat again.out)" "kiln k8s after renew"

# The CAs are due too: named, never renewed (the tree's own and copies).
run cas "$KILN" renew -n -within 4000d k/cp-1
assert_eq 0 "$rc" "renew -n cp-1: $(cat cas.err)"
assert_contains "$(cat cas.out)" \
    "k/cp-1/pki/ca.crt: skipped, a CA (renew it alone: kiln renew -ca k/cp-1/pki/ca.crt -ca-key k/cp-1/pki/ca.key k/cp-1/pki/ca.crt)" \
    "tree CA skipped"
assert_contains "$(cat cas.out)" \
    "k/cp-1/pki/etcd/ca.crt: skipped, a CA (renew it alone: kiln renew -ca k/cp-1/pki/etcd/ca.crt -ca-key k/cp-1/pki/etcd/ca.key k/cp-1/pki/etcd/ca.crt)" \
    "etcd CA skipped"
assert_eq 13 "$(grep -c ': would renew, ' cas.out)" "node leaves"
run copies "$KILN" renew -n -within 4000d k
assert_contains "$(cat copies.out)" \
    "k/cp-1/pki/front-proxy-ca.crt: skipped, a copy of the CA (renew the CA as k/ca/front-proxy-ca.crt)" \
    "copy named"

# b. kiln etcd's tree.
cat >e.json <<'J'
{"key": {"algo": "ecdsa", "size": 256},
 "members": [{"name": "etcd-1", "ip": "127.0.0.1"}], "clients": ["root"]}
J
run etcd "$KILN" etcd -q -manifest e.json -out e
assert_eq 0 "$rc" "kiln etcd: $(cat etcd.err)"
run erenew "$KILN" renew -within 400d e
assert_eq 0 "$rc" "renew e: $(cat erenew.err)"
assert_eq 3 "$(grep -c ': renewed, serial ' erenew.out)" "renewed in e"
verified_by e/ca/ca.pem e/etcd-1/ssl/server.pem server.pem
run eagain "$KILN" etcd -q -manifest e.json -out e
assert_eq "e: 1 member, 1 client: 0 certificates issued, 4 kept" \
    "$(cat eagain.out)" "kiln etcd after renew"

# c. Refusals: one line, nothing written.
snap() { find k e -type f -exec sha256sum {} + | sort; }
snap >snap.before
run worker "$KILN" renew -within 400d k/w-1
assert_eq 1 "$rc" "worker status"
assert_eq "kiln: renew: k/w-1: pki/ca.key is not there (a worker's tree, or an external CA): give -ca and -ca-key" \
    "$(cat worker.err)" "worker"
run two "$KILN" renew -within 400d k/cp-1 e
assert_eq 2 "$rc" "two trees status"
assert_eq "kiln: renew: -ca and -ca-key are required (without them, one folder laid out by kubeadm, kiln k8s or kiln etcd, renewed with its own CAs)" \
    "$(head -n 1 two.err)" "two trees"
echo '{"signing": {"profiles": {"p": {"usages": ["digital signature"], "expiry": "8760h"}}}}' >cfg.json
run prof "$KILN" renew -config cfg.json -profile p k
assert_eq 2 "$rc" "-profile status"
assert_eq "kiln: renew: -profile applies to one CA's certificates: give -ca and -ca-key with it" \
    "$(head -n 1 prof.err)" "-profile"
run half "$KILN" renew -ca k/ca/ca.crt k/cp-1
assert_eq 2 "$rc" "-ca alone status"
assert_eq "kiln: renew: -ca needs -ca-key" "$(head -n 1 half.err)" "-ca alone"
mkdir -p none/pki
run none "$KILN" renew none
assert_eq 1 "$rc" "no CA status"
assert_eq "kiln: renew: none: no CA in it where kubeadm, kiln k8s or kiln etcd put one (pki/ca.crt, ca/ca.crt, ca/ca.pem): give -ca and -ca-key" \
    "$(cat none.err)" "no CA"
# A CA name that is a link is not taken for the tree's CA.
mkdir -p linked/pki
ln -s "$T/k/ca/ca.crt" linked/pki/ca.crt
ln -s "$T/k/ca/ca.key" linked/pki/ca.key
run linked "$KILN" renew linked
assert_eq 1 "$rc" "linked CA status"
assert_contains "$(cat linked.err)" "linked: no CA in it where" "linked CA"
snap >snap.after
cmp -s snap.before snap.after || fail "a refusal wrote something"
ok

# A certificate none of the tree's CAs issued: it fails, naming them;
# the others are renewed.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout k/cp-1/pki/stray.key -out k/cp-1/pki/stray.crt -subj /CN=stray \
    -days 30 2>/dev/null
run stray "$KILN" renew -within 400d k/cp-1
assert_eq 1 "$rc" "stray status"
assert_eq "kiln: renew: k/cp-1/pki/stray.crt: issued by none of the CAs (k/cp-1/pki/ca.crt, k/cp-1/pki/front-proxy-ca.crt, k/cp-1/pki/etcd/ca.crt): its issuer is CN=stray" \
    "$(grep -v 'new lifetime' stray.err)" "stray"
assert_eq 13 "$(grep -c ': renewed, serial ' stray.out)" "renewed beside the stray"

echo "renew_tree: $checks checks passed"
