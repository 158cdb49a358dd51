#!/bin/sh
# kiln check on kubeconfigs and a kubeadm tree (issue 16 point 3): a tree
# laid out as /etc/kubernetes (pki/*.crt, pki/etcd/*.crt, *.conf) made
# with kiln (ECDSA) and kubectl (--embed-certs), read whole: every
# certificate listed, the embedded ones as FILE#users/NAME and
# FILE#clusters/NAME, with their chain under -ca; -format kubeadm prints
# kubeadm's check-expiration tables; a kubeconfig in JSON; hostile
# kubeconfigs (an alias bomb, deep nesting, a path reference to
# /etc/shadow and to a FIFO, a pod manifest) refused with one line,
# skipped or read without following anything.
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
for t in kubectl openssl jq; do
	command -v "$t" >/dev/null 2>&1 || fail "$t is not installed"
done
RUN_TIMEOUT=60

cat >ca-config.json <<'J'
{ "signing": { "profiles": {
  "client": { "expiry": "8760h", "usages": ["signing", "key encipherment", "client auth"] },
  "server": { "expiry": "8760h", "usages": ["signing", "key encipherment", "server auth"] } } } }
J
# csr CN [O [CA]]: a request for CN (ECDSA P-256); a CA's for 10 years.
csr() {
	printf '{"CN":"%s","key":{"algo":"ecdsa","size":256}' "$1"
	[ -z "${2-}" ] || printf ',"names":[{"O":"%s"}]' "$2"
	[ -z "${3-}" ] || printf ',"ca":{"expiry":"87600h"}'
	printf '}'
}
# ca OUT CN; leaf CA OUT PROFILE CN [O]
ca() {
	csr "$2" "" ca >req.json
	"$KILN" gencert -initca -out "$1" req.json 2>/dev/null
	mv "$1.pem" "$1.crt" && mv "$1-key.pem" "$1.key"
}
leaf() {
	csr "$4" "${5-}" >req.json
	"$KILN" gencert -ca "$1.crt" -ca-key "$1.key" -config ca-config.json \
	    -profile "$3" -hostname 127.0.0.1 -out "$2" req.json 2>/dev/null
	mv "$2.pem" "$2.crt" && mv "$2-key.pem" "$2.key"
}
# kubeconfig FILE USER CERT: FILE as kubeadm's, written by kubectl.
kubeconfig() {
	kubectl config set-cluster kubernetes --server=https://127.0.0.1:6443 \
	    --certificate-authority=k8s/pki/ca.crt --embed-certs --kubeconfig "$1" >/dev/null
	kubectl config set-credentials "$2" --client-certificate="$3.crt" \
	    --client-key="$3.key" --embed-certs --kubeconfig "$1" >/dev/null
	kubectl config set-context "$2@kubernetes" --cluster kubernetes \
	    --user "$2" --kubeconfig "$1" >/dev/null
	kubectl config use-context "$2@kubernetes" --kubeconfig "$1" >/dev/null
}

mkdir -p k8s/pki/etcd
ca k8s/pki/ca kubernetes
ca k8s/pki/front-proxy-ca front-proxy-ca
ca k8s/pki/etcd/ca etcd-ca
leaf k8s/pki/ca k8s/pki/apiserver server kube-apiserver
leaf k8s/pki/ca k8s/pki/apiserver-kubelet-client client kube-apiserver-kubelet-client kubeadm:cluster-admins
leaf k8s/pki/etcd/ca k8s/pki/apiserver-etcd-client client kube-apiserver-etcd-client
leaf k8s/pki/front-proxy-ca k8s/pki/front-proxy-client client front-proxy-client
leaf k8s/pki/etcd/ca k8s/pki/etcd/server server etcd-server
leaf k8s/pki/etcd/ca k8s/pki/etcd/peer server etcd-peer
leaf k8s/pki/etcd/ca k8s/pki/etcd/healthcheck-client client kube-etcd-healthcheck-client
mkdir id
leaf k8s/pki/ca id/admin client kubernetes-admin kubeadm:cluster-admins
leaf k8s/pki/ca id/super-admin client kubernetes-super-admin system:masters
leaf k8s/pki/ca id/cm client system:kube-controller-manager
leaf k8s/pki/ca id/sched client system:kube-scheduler
kubeconfig k8s/admin.conf kubernetes-admin id/admin
kubeconfig k8s/super-admin.conf kubernetes-super-admin id/super-admin
kubeconfig k8s/controller-manager.conf system:kube-controller-manager id/cm
kubeconfig k8s/scheduler.conf system:kube-scheduler id/sched
# kubelet.conf as kubeadm writes it: the client certificate a file.
kubectl config set-cluster kubernetes --server=https://127.0.0.1:6443 \
    --certificate-authority=k8s/pki/ca.crt --embed-certs --kubeconfig k8s/kubelet.conf >/dev/null
kubectl config set-credentials system:node:cp1 \
    --client-certificate=/var/lib/kubelet/pki/kubelet-client-current.pem \
    --client-key=/var/lib/kubelet/pki/kubelet-client-current.pem --kubeconfig k8s/kubelet.conf >/dev/null
kubectl config set-context system:node:cp1@kubernetes --cluster kubernetes \
    --user system:node:cp1 --kubeconfig k8s/kubelet.conf >/dev/null
kubectl config use-context system:node:cp1@kubernetes --kubeconfig k8s/kubelet.conf >/dev/null
# A pod manifest is YAML, not a kubeconfig: skipped without a word.
mkdir k8s/manifests
printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\n' >k8s/manifests/etcd.yaml

# 1. The whole tree, with its chains.
cat k8s/pki/ca.crt k8s/pki/etcd/ca.crt k8s/pki/front-proxy-ca.crt >anchors.pem
run tree "$KILN" check -ca anchors.pem -format json k8s
assert_eq 0 "$rc" "tree: exit ($(cat tree.err))"
assert_eq "" "$(cat tree.err)" "tree: stderr"
got=$(jq -r '.certificates[] | "\(.path) \(.subject_cn) \(.issuer_cn) \(.status)"' tree.out)
want="k8s/admin.conf#clusters/kubernetes kubernetes kubernetes ok
k8s/admin.conf#users/kubernetes-admin kubernetes-admin kubernetes ok
k8s/controller-manager.conf#clusters/kubernetes kubernetes kubernetes ok
k8s/controller-manager.conf#users/system:kube-controller-manager system:kube-controller-manager kubernetes ok
k8s/kubelet.conf#clusters/kubernetes kubernetes kubernetes ok
k8s/pki/apiserver-etcd-client.crt kube-apiserver-etcd-client etcd-ca ok
k8s/pki/apiserver-kubelet-client.crt kube-apiserver-kubelet-client kubernetes ok
k8s/pki/apiserver.crt kube-apiserver kubernetes ok
k8s/pki/ca.crt kubernetes kubernetes ok
k8s/pki/etcd/ca.crt etcd-ca etcd-ca ok
k8s/pki/etcd/healthcheck-client.crt kube-etcd-healthcheck-client etcd-ca ok
k8s/pki/etcd/peer.crt etcd-peer etcd-ca ok
k8s/pki/etcd/server.crt etcd-server etcd-ca ok
k8s/pki/front-proxy-ca.crt front-proxy-ca front-proxy-ca ok
k8s/pki/front-proxy-client.crt front-proxy-client front-proxy-ca ok
k8s/scheduler.conf#clusters/kubernetes kubernetes kubernetes ok
k8s/scheduler.conf#users/system:kube-scheduler system:kube-scheduler kubernetes ok
k8s/super-admin.conf#clusters/kubernetes kubernetes kubernetes ok
k8s/super-admin.conf#users/kubernetes-super-admin kubernetes-super-admin kubernetes ok"
assert_eq "$want" "$got" "tree: every certificate, embedded ones included"
# The embedded client certificate is the one kubectl was given.
assert_eq "$(jq -r '.certificates[] | select(.path == "k8s/admin.conf#users/kubernetes-admin") | .serial_number' tree.out)" \
    "$("$BIN/kiln-certinfo" -cert id/admin.crt | jq -r .serial_number)" \
    "tree: admin.conf's certificate"

# Under the wrong CA, the embedded client certificate is untrusted.
run wrongca "$KILN" check -ca k8s/pki/etcd/ca.crt k8s/admin.conf
assert_eq 2 "$rc" "wrong CA: exit"
assert_contains "$(cat wrongca.out)" "| k8s/admin.conf#users/kubernetes-admin | kubernetes-admin |" "wrong CA: entry"
assert_contains "$(cat wrongca.out)" "| untrusted |" "wrong CA: status"

# 2. -format kubeadm: kubeadm certs check-expiration's two tables.
run kubeadm "$KILN" check -format kubeadm k8s
assert_eq 0 "$rc" "kubeadm: exit"
date_of() { date -u -d "$(openssl x509 -in "$1" -noout -enddate | sed 's/^notAfter=//')" '+%b %d, %Y %H:%M UTC'; }
# name FILE: each row's name and the file it is made from.
{
	printf '%-27s%-25s%-16s%s\n' CERTIFICATE EXPIRES "RESIDUAL TIME" "CERTIFICATE AUTHORITY"
	while read -r name file ca; do
		printf '%-27s%-25s%-16s%s\n' "$name" "$(date_of "$file")" 364d "$ca"
	done <<'R'
admin.conf id/admin.crt ca
apiserver k8s/pki/apiserver.crt ca
apiserver-etcd-client k8s/pki/apiserver-etcd-client.crt etcd-ca
apiserver-kubelet-client k8s/pki/apiserver-kubelet-client.crt ca
controller-manager.conf id/cm.crt ca
etcd-healthcheck-client k8s/pki/etcd/healthcheck-client.crt etcd-ca
etcd-peer k8s/pki/etcd/peer.crt etcd-ca
etcd-server k8s/pki/etcd/server.crt etcd-ca
front-proxy-client k8s/pki/front-proxy-client.crt front-proxy-ca
scheduler.conf id/sched.crt ca
super-admin.conf id/super-admin.crt ca
R
	printf '\n%-24s%-25s%s\n' "CERTIFICATE AUTHORITY" EXPIRES "RESIDUAL TIME"
	for f in ca etcd/ca front-proxy-ca; do
		printf '%-24s%-25s%s\n' "$(echo "$f" | tr / -)" "$(date_of "k8s/pki/$f.crt")" 9y
	done
} >want.txt
assert_eq "$(cat want.txt)" "$(cat kubeadm.out)" "kubeadm: the tables"

# 3. JSON, as kubectl writes it with -o json: the same entries.
kubectl config view --raw -o json --kubeconfig k8s/admin.conf >admin.json
run json "$KILN" check -format json admin.json
assert_eq 0 "$rc" "json: exit"
assert_eq "admin.json#clusters/kubernetes admin.json#users/kubernetes-admin" \
    "$(jq -r '[.certificates[].path] | join(" ")' json.out)" "json: entries"

# 4. Hostile kubeconfigs.
mkdir bad
cert=$(sed -n 's/^    client-certificate-data: //p' k8s/admin.conf)
{
	printf 'kind: Config\nbomb:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n'
	i=1
	while [ $i -lt 40 ]; do
		printf '  a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n' \
		    $i $i $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1))
		i=$((i + 1))
	done
	printf 'users:\n- name: bomb\n  user:\n    client-certificate-data: %s\n' "$cert"
} >bad/bomb.conf
{
	printf 'kind: Config\nusers:\n- name: deep\n  user:\n    x: '
	head -c 100000 /dev/zero | tr '\0' '['
	printf '\n'
} >bad/deep.conf
printf 'kind: Config\nusers:\n- name: u\n  user:\n    client-certificate-data: *x\n' >bad/alias.conf
mkfifo bad/fifo
printf 'kind: Config\nclusters:\n- name: shadow\n  cluster:\n    certificate-authority: /etc/shadow\nusers:\n- name: fifo\n  user:\n    client-certificate: fifo\n    client-key: fifo\n' >bad/refs.conf
printf 'kind: Config\nusers:\n- name: notpem\n  user:\n    client-certificate-data: aGVsbG8K\n' >bad/notpem.conf
run bad "$KILN" check bad
assert_eq 3 "$rc" "hostile: exit (problems)"
assert_eq "kiln: check: bad/alias.conf: line 5: client-certificate-data: YAML alias: not supported
kiln: check: bad/deep.conf: line 5: nested too deep for a kubeconfig
kiln: check: bad/notpem.conf#users/notpem: client-certificate-data: not a certificate (neither PEM nor DER)" \
    "$(cat bad.err)" "hostile: one line each"
# The alias bomb is read without expanding it: one entry, at once.
assert_contains "$(cat bad.out)" "| bad/bomb.conf#users/bomb | kubernetes-admin |" "hostile: the bomb's certificate"
assert_not_contains "$(cat bad.out)" "refs.conf" "hostile: file references are not followed"

# 5. kiln-certinfo and kiln certinfo -cert KUBECONFIG: the current
# context's user's client certificate.
sn() { "$BIN/kiln-certinfo" -cert "$1" | jq -r .serial_number; }
assert_eq "$(sn id/admin.crt)" "$(sn k8s/admin.conf)" "certinfo: admin.conf"
assert_eq "$(sn id/admin.crt)" "$(sn admin.json)" "certinfo: admin.json"
assert_eq "$(sn id/admin.crt)" \
    "$("$KILN" certinfo -cert k8s/admin.conf | jq -r .serial_number)" "kiln certinfo: admin.conf"
# Another context made current: its user's.
kubectl config set-credentials other --client-certificate=id/sched.crt \
    --client-key=id/sched.key --embed-certs --kubeconfig k8s/admin.conf >/dev/null
kubectl config set-context other --cluster kubernetes --user other --kubeconfig k8s/admin.conf >/dev/null
kubectl config use-context other --kubeconfig k8s/admin.conf >/dev/null
assert_eq "$(sn id/sched.crt)" "$(sn k8s/admin.conf)" "certinfo: the current context's user"
expect_error "kiln-certinfo: k8s/kubelet.conf: users/system:node:cp1: the client certificate is the file /var/lib/kubelet/pki/kubelet-client-current.pem, not embedded" \
    "$BIN/kiln-certinfo" -cert k8s/kubelet.conf
expect_error "kiln-certinfo: bad/deep.conf: line 5: nested too deep for a kubeconfig" \
    "$BIN/kiln-certinfo" -cert bad/deep.conf
expect_error "kiln-certinfo: k8s/manifests/etcd.yaml: not a certificate (neither PEM nor DER)" \
    "$BIN/kiln-certinfo" -cert k8s/manifests/etcd.yaml

echo "kubeconfig_check: $checks checks passed"
