# kubectl against kiln k8s's certificates: a stand-in API server
# (k8s_stub.py: TLS with the tree's apiserver certificate and key,
# client certificates required and verified against pki/ca.crt) on
# 127.0.16.1:6443, and Debian's kubectl with each kubeconfig kiln wrote:
# kubectl accepts the server's certificate for the kubeconfig's server
# name and CA, and the server sees the client's CN and O as kubeadm's.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/lib/stub.sh"
START=$(date +%s)
command -v kubectl >/dev/null || fail "kubectl missing (Debian package kubernetes-client)"
HOME=$T
export HOME

cat >m.json <<'JSON'
{
  "control_plane_endpoint": "127.0.16.1",
  "key": {"algo": "ecdsa", "size": 256},
  "control_plane": [{"name": "cp-1", "ip": "127.0.16.1"}],
  "workers": [{"name": "w-1", "ip": "127.0.16.2"}]
}
JSON
run k8s "$KILN" k8s -q -manifest m.json -out out
assert_eq 0 "$rc" "kiln k8s: exit status ($(cat k8s.err))"

start_stub 127.0.16.1 out/cp-1
ok

# kubectl with CONF: /version's client identity, as "CN|O".
identity() {
	RUN_TIMEOUT=20 run kubectl kubectl --kubeconfig "$1" get --raw /version
	[ "$rc" -eq 0 ] || fail "kubectl --kubeconfig $1: status $rc: $(cat kubectl.err)"
	python3 -c 'import json, sys; v = json.load(open(sys.argv[1])); print(v["clientCN"] + "|" + v["clientO"])' kubectl.out
}
assert_eq "kubernetes-admin|kubeadm:cluster-admins" "$(identity out/cp-1/admin.conf)" "admin.conf"
assert_eq "kubernetes-super-admin|system:masters" "$(identity out/cp-1/super-admin.conf)" "super-admin.conf"
assert_eq "system:kube-controller-manager|" "$(identity out/cp-1/controller-manager.conf)" "controller-manager.conf"
assert_eq "system:kube-scheduler|" "$(identity out/cp-1/scheduler.conf)" "scheduler.conf"
assert_eq "system:node:cp-1|system:nodes" "$(identity out/cp-1/kubelet.conf)" "cp-1 kubelet.conf"
assert_eq "system:node:w-1|system:nodes" "$(identity out/w-1/kubelet.conf)" "w-1 kubelet.conf"
say "1/2 kubectl with each of the 6 kubeconfigs: the server sees kubeadm's identities"

# A client certificate from another CA is refused by the server.
run other "$KILN" k8s -q -manifest m.json -out other
sed "s|$(sed -n 's/^    client-certificate-data: //p' out/cp-1/admin.conf)|$(sed -n 's/^    client-certificate-data: //p' other/cp-1/admin.conf)|; s|$(sed -n 's/^    client-key-data: //p' out/cp-1/admin.conf)|$(sed -n 's/^    client-key-data: //p' other/cp-1/admin.conf)|" \
    out/cp-1/admin.conf >foreign.conf
RUN_TIMEOUT=20 run foreign kubectl --kubeconfig foreign.conf get --raw /version
[ "$rc" -ne 0 ] || fail "a client certificate of another CA was accepted"
ok
# The server's certificate does not pass for another CA's.
RUN_TIMEOUT=20 run wrongca kubectl --kubeconfig other/cp-1/admin.conf get --raw /version
[ "$rc" -ne 0 ] || fail "kubectl accepted a server certificate of another CA"
assert_contains "$(cat wrongca.err)" "certificate signed by unknown authority" "another CA's kubeconfig: kubectl's refusal"
say "2/2 another CA's client refused by the server, and its CA refused by kubectl"

say "PASS in $(($(date +%s) - START)) s"
finish
