# kiln rotate-ca on a kiln k8s tree (ECDSA), against a stand-in API
# server (k8s_stub.py on 127.0.17.1:6443: the tree's apiserver
# certificate, client certificates verified against cp-1's pki/ca.crt,
# all three files read again for each connection, as kube-apiserver
# reloads them): kubectl with each of the 6 kubeconfigs works before and
# after each phase of the rotation of the cluster CA, the server seeing
# kubeadm's CN and O; the kubeconfigs change only in the values rotated;
# at the end a client certificate of the old CA is refused and every
# certificate verifies against the new CA.  Then the etcd CA is rotated
# too, and kiln k8s refuses to run in the middle of it.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/lib/stub.sh"
START=$(date +%s)
command -v kubectl >/dev/null || fail "kubectl missing (Debian package kubernetes-client)"
HOME=$T
export HOME

count() { grep -c 'BEGIN CERTIFICATE' "$1"; }
# conf_value CONF KEY: the base64 value of KEY in kubeconfig CONF.
conf_value() { sed -n "s/^ *$2: //p" "$1"; }
# conf_pem CONF KEY: that value decoded.
conf_pem() { conf_value "$1" "$2" | base64 -d; }
# masked CONF: the kubeconfig with every *-data value hidden.
masked() { sed 's/-data: .*/-data: X/' "$1"; }

cat >m.json <<'JSON'
{
  "control_plane_endpoint": "127.0.17.1",
  "key": {"algo": "ecdsa", "size": 256},
  "control_plane": [{"name": "cp-1", "ip": "127.0.17.1"}],
  "workers": [{"name": "w-1", "ip": "127.0.17.2"}]
}
JSON
run k8s "$KILN" k8s -q -manifest m.json -out out
assert_eq 0 "$rc" "kiln k8s: exit status ($(cat k8s.err))"
cp out/ca/ca.crt old-ca.crt
cp -r out before

start_stub 127.0.17.1 out/cp-1
ok

# kubectl with CONF: /version's client identity, as "CN|O".
identity() {
	RUN_TIMEOUT=20 run kubectl kubectl --kubeconfig "$1" get --raw /version
	[ "$rc" -eq 0 ] || fail "kubectl --kubeconfig $1 ($2): status $rc: $(cat kubectl.err)"
	python3 -c 'import json, sys; v = json.load(open(sys.argv[1])); print(v["clientCN"] + "|" + v["clientO"])' kubectl.out
}
# Every kubeconfig of the tree, after "$1".
kubectl_all() {
	assert_eq "kubernetes-admin|kubeadm:cluster-admins" "$(identity out/cp-1/admin.conf "$1")" "$1: admin.conf"
	assert_eq "kubernetes-super-admin|system:masters" "$(identity out/cp-1/super-admin.conf "$1")" "$1: super-admin.conf"
	assert_eq "system:kube-controller-manager|" "$(identity out/cp-1/controller-manager.conf "$1")" "$1: controller-manager.conf"
	assert_eq "system:kube-scheduler|" "$(identity out/cp-1/scheduler.conf "$1")" "$1: scheduler.conf"
	assert_eq "system:node:cp-1|system:nodes" "$(identity out/cp-1/kubelet.conf "$1")" "$1: cp-1 kubelet.conf"
	assert_eq "system:node:w-1|system:nodes" "$(identity out/w-1/kubelet.conf "$1")" "$1: w-1 kubelet.conf"
}
CONFS="cp-1/admin.conf cp-1/super-admin.conf cp-1/controller-manager.conf cp-1/scheduler.conf cp-1/kubelet.conf w-1/kubelet.conf"
kubectl_all "before the rotation"

# The kind of tree is found and said; its CA must be named.
expect_error "kiln: rotate-ca: out is a kiln k8s tree: -ca-name names the CA to rotate (ca, front-proxy-ca or etcd-ca)" \
    sh -c '"$1" rotate-ca -dir out 1 2>&1 >/dev/null | head -1 >&2; exit 1' sh "$KILN"
expect_error "kiln: rotate-ca: CA \"sa\": a kiln k8s tree's CAs are ca, front-proxy-ca and etcd-ca" \
    "$KILN" rotate-ca -ca-name sa -dir out 1

# Phase 1: a dry run writes nothing; then the bundles.
capture "$KILN" rotate-ca -n -ca-name ca -dir out 1
assert_eq 0 "$status" "rotate-ca -n 1: exit ($(cat stderr))"
diff -r before out >/dev/null || fail "rotate-ca -n 1 wrote something"
ok
capture "$KILN" rotate-ca -ca-name ca -dir out 1
assert_eq 0 "$status" "rotate-ca 1: exit ($(cat stderr))"
NEW=$(openssl x509 -in out/ca/new/ca.crt -noout -pubkey | openssl pkey -pubin -outform DER | tail -c 65 | sha1sum | cut -c1-40)
assert_contains "$(cat stdout)" "out: a kiln k8s tree (out/ca/ca.crt): its CA ca
out: phase 1 of 3 done: new CA $NEW for ca in out/ca/new" "rotate-ca 1: the tree and the summary"
assert_contains "$(cat stdout)" "then kiln rotate-ca -ca-name ca -dir out 2 (nodes: cp-1 w-1)" "rotate-ca 1: next"
cat old-ca.crt out/ca/new/ca.crt >both.crt
for f in out/cp-1/pki/ca.crt out/w-1/pki/ca.crt out/ca/ca-bundle.crt; do
	cmp -s both.crt "$f" || fail "$f is not the old CA then the new"
	ok
done
cmp -s old-ca.crt out/cp-1/pki/ca-signer.crt || fail "phase 1: pki/ca-signer.crt is not the old CA alone"
cmp -s before/cp-1/pki/ca.key out/cp-1/pki/ca.key || fail "phase 1 changed pki/ca.key"
ok
for c in $CONFS; do
	assert_eq "$(base64 -w0 both.crt)" "$(conf_value "out/$c" certificate-authority-data)" "phase 1: $c's CA data"
	assert_eq "$(masked "before/$c")" "$(masked "out/$c")" "phase 1: $c's other bytes"
	assert_eq "$(conf_value "before/$c" client-certificate-data)" "$(conf_value "out/$c" client-certificate-data)" "phase 1: $c's client certificate"
	assert_eq 600 "$(mode "out/$c")" "phase 1: $c's mode"
done
expect_error "kiln: k8s: out/ca/ca-rotate.json: a rotation of the CA ca is under way (phase 1 of 3 done): run its phase 2 (rotate-ca), and the rest, first" \
    "$KILN" k8s -q -manifest m.json -out out
kubectl_all "phase 1"
say "1/4 phase 1: every node and kubeconfig trusts both CAs, kubectl works with each"

# Phase 2: every leaf of the CA issued again for its key.
capture "$KILN" rotate-ca -q -ca-name ca -dir out 2
assert_eq 0 "$status" "rotate-ca 2: exit ($(cat stderr))"
assert_contains "$(cat stdout)" "out: phase 2 of 3 done: 10 certificates issued again by the new CA $NEW for the same keys, 0 kept" "rotate-ca 2"
cmp -s out/ca/new/ca.crt out/ca/ca.crt || fail "phase 2: out/ca/ca.crt is not the new CA"
cmp -s out/ca/new/ca.crt out/cp-1/pki/ca-signer.crt || fail "phase 2: pki/ca-signer.crt is not the new CA alone"
cmp -s out/ca/new/ca.key out/cp-1/pki/ca.key || fail "phase 2: pki/ca.key is not the new CA's key"
cmp -s old-ca.crt out/ca/old/ca.crt || fail "phase 2: the old CA is not in out/ca/old"
ok
for c in $CONFS; do
	conf_pem "out/$c" client-certificate-data >leaf.pem
	assert_eq 2 "$(count leaf.pem)" "phase 2: $c: the leaf and the cross certificate"
	assert_eq "$(conf_value "before/$c" client-key-data)" "$(conf_value "out/$c" client-key-data)" "phase 2: $c's key"
	assert_eq "$(masked "before/$c")" "$(masked "out/$c")" "phase 2: $c's other bytes"
done
kubectl_all "phase 2"
say "2/4 phase 2: 10 certificates issued again (6 in kubeconfigs), kubectl works with each"

# Phase 3: the new CA alone; new/ and old/ removed.
cp out/ca/new/ca-cross.crt ca-cross.crt
capture "$KILN" rotate-ca -q -ca-name ca -dir out 3
assert_eq 0 "$status" "rotate-ca 3: exit ($(cat stderr))"
assert_contains "$(cat stdout)" "out: phase 3 of 3 done: every node trusts the new CA $NEW for ca only; the old CA (out/ca/old) and the new CA's copies (out/ca/new) removed; the rotation is finished" "rotate-ca 3"
[ ! -e out/ca/new ] && [ ! -e out/ca/old ] || fail "phase 3: out/ca/new or out/ca/old left"
ok
for f in out/cp-1/pki/ca.crt out/w-1/pki/ca.crt; do
	cmp -s out/ca/ca.crt "$f" || fail "$f is not the new CA alone"
	ok
done
for c in $CONFS; do
	assert_eq "$(base64 -w0 out/ca/ca.crt)" "$(conf_value "out/$c" certificate-authority-data)" "phase 3: $c's CA data"
done
kubectl_all "phase 3"

# The old CA's client certificate (admin.conf's as kiln k8s made it) is
# refused by the server, now that it trusts the new CA only.
sed "s|$(conf_value out/cp-1/admin.conf client-certificate-data)|$(conf_value before/cp-1/admin.conf client-certificate-data)|" \
    out/cp-1/admin.conf >old-client.conf
RUN_TIMEOUT=20 run oldclient kubectl --kubeconfig old-client.conf get --raw /version
[ "$rc" -ne 0 ] || fail "a client certificate of the old CA was accepted after phase 3"
# kubectl sees the refusal as a TLS alert or, when the server has
# closed first, as a reset; the server says why.
case $(cat oldclient.err) in
*"tls: "* | *"connection reset by peer"*) ok ;;
*) fail "the old CA's client: not a TLS refusal: $(cat oldclient.err)" ;;
esac
assert_contains "$(cat stub.log)" "certificate verify failed" \
    "the stub refused the old CA's client certificate"
say "3/4 phase 3: kubectl works with each kubeconfig, the old CA's client certificate is refused"

# Every certificate of the CA verifies against the new CA.
for f in cp-1/pki/apiserver.crt cp-1/pki/apiserver-kubelet-client.crt cp-1/pki/kubelet.crt w-1/pki/kubelet.crt; do
	assert_eq 2 "$(count "out/$f")" "$f: the leaf and the cross certificate"
	openssl verify -x509_strict -CAfile out/ca/ca.crt -untrusted ca-cross.crt "out/$f" >/dev/null 2>&1 ||
	    fail "$f does not verify against the new CA"
	ok
done
for c in $CONFS; do
	conf_pem "out/$c" client-certificate-data >leaf.pem
	openssl verify -x509_strict -CAfile out/ca/ca.crt -untrusted ca-cross.crt leaf.pem >/dev/null 2>&1 ||
	    fail "$c's client certificate does not verify against the new CA"
	ok
done

# kiln check after the rotation, with the three CAs: exit 0, each cross
# certificate said to be one.
cat out/ca/ca.crt out/ca/front-proxy-ca.crt out/ca/etcd-ca.crt >anchors.crt
capture "$KILN" check -ca anchors.crt out
assert_eq 0 "$status" "check after the rotation: exit ($(cat stderr))"
NEWCN="kubernetes ${NEW%"${NEW#????????}"}"
for f in "cp-1/admin.conf#users/kubernetes-admin" "cp-1/controller-manager.conf#users/system:kube-controller-manager" \
    "cp-1/kubelet.conf#users/system:node:cp-1" cp-1/pki/apiserver-kubelet-client.crt cp-1/pki/apiserver.crt \
    cp-1/pki/kubelet.crt "cp-1/scheduler.conf#users/system:kube-scheduler" \
    "cp-1/super-admin.conf#users/kubernetes-super-admin" "w-1/kubelet.conf#users/system:node:w-1" w-1/pki/kubelet.crt; do
	printf 'out/%s#2: ok: a cross certificate: the CA given ("%s") certified by "kubernetes", a chain certificate for what still trusts that CA, not a leaf\n' "$f" "$NEWCN"
done >want-check
assert_eq "$(cat want-check)" "$(grep -v '^[|+]' stdout)" "check after the rotation: the lines below the table"
# kiln k8s on the rotated tree: every file kept, nothing left behind.
cp -r out rotated
capture "$KILN" k8s -manifest m.json -out out
assert_eq 0 "$status" "kiln k8s after the rotation: exit ($(cat stderr))"
assert_eq "out: 1 control-plane node, 1 worker: 0 certificates issued, 18 kept" "$(tail -1 stdout)" "kiln k8s after the rotation: summary"
assert_eq "" "$(grep -v ': kept$' stdout | grep -v '^out: 1 control')" "kiln k8s after the rotation: nothing written or left behind"
assert_contains "$(cat stdout)" "out/cp-1/pki/ca-signer.crt: kept" "kiln k8s knows pki/ca-signer.crt"
assert_contains "$(cat stdout)" "out/ca/ca-bundle.crt: kept" "kiln k8s knows ca/ca-bundle.crt"
diff -r rotated out >/dev/null || fail "kiln k8s after the rotation changed the tree"
ok

# The etcd CA, alone: its copies, leaves and key; the cluster CA untouched.
cp out/cp-1/pki/ca.crt ca-after.crt
for p in 1 2; do
	capture "$KILN" rotate-ca -q -ca-name etcd-ca -dir out $p
	assert_eq 0 "$status" "rotate-ca -ca-name etcd-ca $p: exit ($(cat stderr))"
done
cp out/ca/new/etcd-ca-cross.crt etcd-ca-cross.crt
capture "$KILN" rotate-ca -q -ca-name etcd-ca -dir out 3
assert_eq 0 "$status" "rotate-ca -ca-name etcd-ca 3: exit ($(cat stderr))"
cmp -s out/ca/etcd-ca.crt out/cp-1/pki/etcd/ca.crt || fail "etcd/ca.crt is not the new etcd CA alone"
cmp -s out/ca/etcd-ca.key out/cp-1/pki/etcd/ca.key || fail "etcd/ca.key is not the new etcd CA's key"
cmp -s ca-after.crt out/cp-1/pki/ca.crt || fail "rotating etcd-ca changed pki/ca.crt"
ok
for f in etcd/server etcd/peer etcd/healthcheck-client apiserver-etcd-client; do
	openssl verify -x509_strict -CAfile out/ca/etcd-ca.crt -untrusted etcd-ca-cross.crt "out/cp-1/pki/$f.crt" >/dev/null 2>&1 ||
	    fail "$f.crt does not verify against the new etcd CA"
	cmp -s "before/cp-1/pki/$f.key" "out/cp-1/pki/$f.key" || fail "$f.key changed"
	ok
done
kubectl_all "the etcd CA's rotation"
say "4/4 the etcd CA rotated alone: its 4 leaves verify against the new one, same keys"

# A kubeconfig holds a key: one another user owns is refused, nothing
# written (root plays kiln, nobody the other user).
if [ "$(id -u)" -eq 0 ]; then
	chown nobody out/w-1/kubelet.conf
	before_state=$(cat out/ca/ca-rotate.json)
	expect_error "kiln: rotate-ca: out/w-1/kubelet.conf: owned by nobody (uid $(id -u nobody)), not by root (uid 0) who runs kiln, refused" \
	    "$KILN" rotate-ca -q -ca-name ca -dir out 1
	assert_eq "$before_state" "$(cat out/ca/ca-rotate.json)" "a refused kubeconfig: the state untouched"
	[ ! -e out/ca/new/ca.crt ] || fail "a refused kubeconfig: out/ca/new/ca.crt was written"
	ok
	say "a kubeconfig another user owns is refused"
fi

say "PASS in $(($(date +%s) - START)) s"
finish
