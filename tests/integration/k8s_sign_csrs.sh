# kiln k8s -sign-csrs: kubeadm's external-CA mode (kiln-k8s(1)).  kubeadm
# is not installed here, so the node's tree is made as `kubeadm certs
# generate-csr --cert-dir node/pki --kubeconfig-dir node` writes it: a
# key and a CSR (subject CN and O, SANs, nothing else) per certificate,
# and each kubeconfig with client-key-data only, beside NAME.conf.csr.
# Every certificate kiln signs is checked against the same kubeadm facts
# table as k8s.sh (k8s_facts.sh) and with openssl verify -x509_strict;
# a re-run keeps every byte; -n writes nothing; a request for another
# identity, a stale key, a link or FIFO is refused and nothing written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/k8s_facts.sh"

# The CAs, from kiln k8s.
cat >m.json <<'JSON'
{"key": {"algo": "ecdsa", "size": 256},
 "control_plane": [{"name": "cp-0", "ip": "10.9.9.9"}]}
JSON
run k8s "$KILN" k8s -q -manifest m.json -out pki-out
assert_eq 0 "$rc" "kiln k8s: exit status ($(cat k8s.err))"
CAS=pki-out/ca

# ---- the node's tree as kubeadm writes it (cp-1 of k8s.sh's manifest) ----
printf '[req]\ndistinguished_name = dn\n[dn]\n' >req.cnf
newkey() {	# FILE
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1" 2>/dev/null
	chmod 600 "$1"
}
csr() {	# KEY OUT SUBJECT [SAN]
	if [ -n "${4-}" ]; then
		openssl req -new -config req.cnf -key "$1" -subj "$3" \
		    -addext "subjectAltName=$4" -out "$2"
	else
		openssl req -new -config req.cnf -key "$1" -subj "$3" -out "$2"
	fi
}
pki() {	# BASE SUBJECT [SAN]
	newkey "node/pki/$1.key"
	csr "node/pki/$1.key" "node/pki/$1.csr" "$2" "${3-}"
}
conf() {	# NAME USER SERVER SUBJECT: into folder $D (default node)
	d=${D:-node}
	newkey "conf.key"
	cat >"$d/$1" <<YAML
apiVersion: v1
clusters:
- cluster:
    server: $3
  name: kiln
contexts:
- context:
    cluster: kiln
    user: $2
  name: $2@kiln
current-context: $2@kiln
kind: Config
preferences: {}
users:
- name: $2
  user:
    client-key-data: $(base64 -w0 conf.key)
YAML
	chmod 600 "$d/$1"
	csr conf.key "$d/$1.csr" "$4"
}
mkdir -p node/pki/etcd
API="DNS:*.api.kiln.test,DNS:api.kiln.test,DNS:cp-1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.test,IP:10.96.0.1,IP:10.0.0.1,IP:10.0.0.100"
ETCD="DNS:cp-1,DNS:localhost,IP:10.0.0.1,IP:127.0.0.1,IP:::1"
pki apiserver /CN=kube-apiserver "$API"
pki apiserver-kubelet-client "/O=kubeadm:cluster-admins/CN=kube-apiserver-kubelet-client"
pki front-proxy-client /CN=front-proxy-client
pki etcd/server /CN=cp-1 "$ETCD"
pki etcd/peer /CN=cp-1 "$ETCD"
pki etcd/healthcheck-client /CN=kube-etcd-healthcheck-client
pki apiserver-etcd-client /CN=kube-apiserver-etcd-client
EP=https://api.kiln.test:8443
conf admin.conf kubernetes-admin $EP "/O=kubeadm:cluster-admins/CN=kubernetes-admin"
conf super-admin.conf kubernetes-super-admin $EP "/O=system:masters/CN=kubernetes-super-admin"
conf controller-manager.conf system:kube-controller-manager https://10.0.0.1:6443 /CN=system:kube-controller-manager
conf scheduler.conf system:kube-scheduler https://10.0.0.1:6443 /CN=system:kube-scheduler
conf kubelet.conf system:node:cp-1 $EP "/O=system:nodes/CN=system:node:cp-1"
cp -a node node.orig
sums() { find "$1" -type f | sort | xargs sha256sum; }

# ---- -n: the plan, nothing written ----
run dry "$KILN" k8s -n -sign-csrs node -ca-dir "$CAS"
assert_eq 0 "$rc" "-n: exit status ($(cat dry.err))"
assert_eq "node: 12 certificates to sign, 0 kept (dry run: nothing written)" \
    "$(tail -n 1 dry.out)" "-n: summary"
assert_eq "$(sums node.orig | sed 's| node.orig/| node/|')" "$(sums node)" "-n: nothing written"
say "1/7 -n: the plan, nothing written"

# ---- signed: every file named, in kubeadm's order ----
run sign "$KILN" k8s -sign-csrs node -ca-dir "$CAS"
assert_eq 0 "$rc" "sign: exit status ($(cat sign.err))"
cat >want.out <<'OUT'
node/pki/ca.crt: written (new)
node/pki/apiserver.crt: written (new)
node/pki/apiserver-kubelet-client.crt: written (new)
node/pki/front-proxy-ca.crt: written (new)
node/pki/front-proxy-client.crt: written (new)
node/pki/etcd/ca.crt: written (new)
node/pki/etcd/server.crt: written (new)
node/pki/etcd/peer.crt: written (new)
node/pki/etcd/healthcheck-client.crt: written (new)
node/pki/apiserver-etcd-client.crt: written (new)
node/admin.conf: written (changed)
node/super-admin.conf: written (changed)
node/controller-manager.conf: written (changed)
node/scheduler.conf: written (changed)
node/kubelet.conf: written (changed)
node: 12 certificates signed, 0 kept
OUT
diff -u want.out sign.out >sign.diff || fail "sign: output: $(cat sign.diff)"
ok
for f in $(find node -name '*.crt'); do
	assert_eq 644 "$(mode "$f")" "$f: mode"
done
for f in node/*.conf; do
	assert_eq 600 "$(mode "$f")" "$f: mode"
done
cmp -s node/pki/ca.crt "$CAS/ca.crt" && cmp -s node/pki/etcd/ca.crt "$CAS/etcd-ca.crt" &&
    cmp -s node/pki/front-proxy-ca.crt "$CAS/front-proxy-ca.crt" ||
    fail "pki/: the CA copies are not CADIR's"
ok
[ ! -e node/pki/ca.key ] || fail "a CA key was written into the node's tree"
ok
say "2/7 signed: every file named, modes, the CAs' certificates in pki/"

# ---- kubeadm's facts (k8s_facts.sh), openssl verify -x509_strict ----
for f in apiserver.crt apiserver-kubelet-client.crt front-proxy-client.crt \
    etcd/server.crt etcd/peer.crt etcd/healthcheck-client.crt \
    apiserver-etcd-client.crt admin.conf super-admin.conf \
    controller-manager.conf scheduler.conf kubelet.conf; do
	case $f in
	*.conf) p=node/$f c=cert.pem; conf_cert "$p" "$c" ;;
	*) p=node/pki/$f c=$p ;;
	esac
	case $f in
	etcd/* | apiserver-etcd-client.crt) ca=$CAS/etcd-ca.crt ;;
	front-proxy-*) ca=$CAS/front-proxy-ca.crt ;;
	*) ca=$CAS/ca.crt ;;
	esac
	assert_eq "$(expected cp-1 10.0.0.1 "$f")" "$(facts "$c")" "$p: kubeadm's facts"
	assert_eq "$c: OK" "$(openssl verify -x509_strict -CAfile "$ca" "$c" 2>&1)" \
	    "$p: openssl verify -x509_strict"
	case $f in
	*.conf) k=$(sed -n 's/^    client-key-data: //p' "$p" | base64 -d | openssl pkey -pubout) ;;
	*) k=$(openssl pkey -in "node/pki/${f%.crt}.key" -pubout) ;;
	esac
	assert_eq "$k" "$(openssl x509 -in "$c" -noout -pubkey)" "$p: the certificate is for its key"
done
say "3/7 kubeadm's facts for all 12 certificates, openssl verify -x509_strict"

# ---- a kubeconfig: two lines added, every other byte kept ----
conf_cert node/admin.conf admin.crt
diff node.orig/admin.conf node/admin.conf >conf.diff || true
assert_eq "3a4
>     certificate-authority-data: $(base64 -w0 "$CAS/ca.crt")
16a18
>     client-certificate-data: $(base64 -w0 admin.crt)" \
    "$(cat conf.diff)" "admin.conf: the two values added, nothing else changed"
assert_eq "$(base64 -w0 admin.crt)" \
    "$(kubectl --kubeconfig node/admin.conf config view --raw -o jsonpath='{.users[0].user.client-certificate-data}')" \
    "kubectl reads admin.conf's certificate"
assert_eq "$(base64 -w0 "$CAS/ca.crt")" \
    "$(kubectl --kubeconfig node/admin.conf config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')" \
    "kubectl reads admin.conf's CA"
say "4/7 kubeconfigs: client-certificate-data and certificate-authority-data added in place"

# ---- a re-run keeps every byte ----
sums node >before.sums
run again "$KILN" k8s -sign-csrs node -ca-dir "$CAS"
assert_eq 0 "$rc" "re-run: exit status ($(cat again.err))"
assert_eq "node: 0 certificates signed, 12 kept" "$(tail -n 1 again.out)" "re-run: summary"
assert_eq 15 "$(grep -c ': kept$' again.out)" "re-run: every file kept"
assert_eq "$(cat before.sums)" "$(sums node)" "re-run: every byte kept"
# -force signs again: new serials, same facts.
run force "$KILN" k8s -q -force -sign-csrs node -ca-dir "$CAS"
assert_eq "node: 12 certificates signed, 0 kept" "$(cat force.out)" "-force: summary"
say "5/7 a re-run keeps every byte; -force signs again"

# ---- refused: another identity, a stale key, links, FIFOs ----
# refused NAME WANT-STDERR: a fresh copy of the tree, spoiled by the
# caller in case/, is refused with that one line and left as it was.
refused() {
	sums case >case.sums
	RUN_TIMEOUT=20 run "$1" "$KILN" k8s -sign-csrs case -ca-dir "$CAS"
	assert_eq 1 "$rc" "$1: exit status"
	assert_eq "$2" "$(cat "$1.err")" "$1: the one line"
	assert_eq "" "$(cat "$1.out")" "$1: nothing on stdout"
	assert_eq "$(cat case.sums)" "$(sums case)" "$1: nothing written"
}
fresh() { rm -rf case; cp -a node.orig case; }
fresh
csr case/pki/apiserver.key case/pki/apiserver.csr "/O=system:masters/CN=kubernetes-admin"
refused admin-as-apiserver "kiln: k8s: case/pki/apiserver.csr: asks for O=system:masters, CN=kubernetes-admin; kubeadm's apiserver is CN=kube-apiserver with no O: refused"
fresh
D=case conf admin.conf kubernetes-admin $EP "/O=system:masters/CN=kubernetes-admin"
refused masters-admin "kiln: k8s: case/admin.conf.csr: asks for O=system:masters, CN=kubernetes-admin; kubeadm's admin.conf is CN=kubernetes-admin, O=kubeadm:cluster-admins: refused"
fresh
csr case/pki/etcd/server.key case/pki/etcd/server.csr /CN=root "$ETCD"
refused etcd-root "kiln: k8s: case/pki/etcd/server.csr: asks for CN=root; kubeadm's etcd/server is CN=NODE with no O (NODE also a DNS name of it): refused"
fresh
csr case/pki/front-proxy-client.key case/pki/front-proxy-client.csr /CN=front-proxy-client DNS:evil.test
refused client-sans "kiln: k8s: case/pki/front-proxy-client.csr: asks for subject alternative names (evil.test first); kubeadm's front-proxy-client has none: refused"
fresh
openssl req -new -config req.cnf -key case/pki/apiserver.key -subj /CN=kube-apiserver \
    -addext "basicConstraints=critical,CA:TRUE" -out case/pki/apiserver.csr
refused ca-request "kiln: k8s: case/pki/apiserver.csr: asks for a CA certificate (basicConstraints CA:TRUE); kubeadm's apiserver is not one: refused"
fresh
newkey case/pki/apiserver.key
refused stale-key "kiln: k8s: case/pki/apiserver.key: is not the key of apiserver.csr, refused (a stale CSR?)"
fresh
cp node.orig/pki/front-proxy-client.csr elsewhere.csr
rm case/pki/apiserver.csr
ln -s "$T/elsewhere.csr" case/pki/apiserver.csr
refused link "kiln: k8s: case/pki/apiserver.csr: a symbolic link, refused"
fresh
rm case/pki/apiserver.csr
mkfifo case/pki/apiserver.csr
refused fifo "kiln: k8s: case/pki/apiserver.csr: a FIFO, refused"
fresh
cp "$CAS/front-proxy-ca.crt" case/pki/ca.crt
refused other-ca "kiln: k8s: case/pki/ca.crt: holds another certificate than the kubernetes CA of the CA folder, refused (remove it if it is stale)"
say "6/7 refused, nothing written: another identity, SANs, a CA request, a stale key, a link, a FIFO, another CA"

# A CSR that is not kubeadm's is named and left alone.
fresh
cp node.orig/pki/apiserver.csr case/pki/extra.csr
run extra "$KILN" k8s -sign-csrs case -ca-dir "$CAS"
assert_eq 0 "$rc" "extra: exit status ($(cat extra.err))"
assert_eq "case/pki/extra.csr: not one of kubeadm's, left alone" "$(grep extra.csr extra.out)" "extra: named"
[ ! -e case/pki/extra.crt ] || fail "extra.csr was signed"
ok

# ---- kubeadm init phase certs NAME --csr-only --csr-dir D ----
# kubeadm's older external-CA path (the flags left kubeadm for `certs
# generate-csr`): pkiutil.WriteKey and WriteCSR put NAME.key and NAME.csr
# in D itself (by default the cert-dir, /etc/kubernetes/pki), etcd's in
# D/etcd/, and no kubeconfig.  The same keys and requests as above.
mkdir -p csrd/etcd
for b in apiserver apiserver-kubelet-client front-proxy-client etcd/server \
    etcd/peer etcd/healthcheck-client apiserver-etcd-client; do
	d=csrd
	case $b in etcd/*) d=csrd/etcd ;; esac
	cp -p "node.orig/pki/$b.key" "node.orig/pki/$b.csr" "$d/"
done
[ -f csrd/etcd/server.csr ] && [ -f csrd/apiserver.csr ] || fail "csrd: not laid out"
cp -a csrd csrd.orig
run cdry "$KILN" k8s -n -sign-csrs csrd -ca-dir "$CAS"
assert_eq 0 "$rc" "csr-dir -n: exit status ($(cat cdry.err))"
assert_eq "csrd: 7 certificates to sign, 0 kept (dry run: nothing written)" \
    "$(tail -n 1 cdry.out)" "csr-dir -n: summary"
assert_eq "$(sums csrd.orig | sed 's| csrd.orig/| csrd/|')" "$(sums csrd)" "csr-dir -n: nothing written"
run csign "$KILN" k8s -sign-csrs csrd -ca-dir "$CAS"
assert_eq 0 "$rc" "csr-dir: exit status ($(cat csign.err))"
cat >want.out <<'OUT'
csrd/ca.crt: written (new)
csrd/apiserver.crt: written (new)
csrd/apiserver-kubelet-client.crt: written (new)
csrd/front-proxy-ca.crt: written (new)
csrd/front-proxy-client.crt: written (new)
csrd/etcd/ca.crt: written (new)
csrd/etcd/server.crt: written (new)
csrd/etcd/peer.crt: written (new)
csrd/etcd/healthcheck-client.crt: written (new)
csrd/apiserver-etcd-client.crt: written (new)
csrd: 7 certificates signed, 0 kept
OUT
diff -u want.out csign.out >csign.diff || fail "csr-dir: output: $(cat csign.diff)"
ok
cmp -s csrd/ca.crt "$CAS/ca.crt" && cmp -s csrd/etcd/ca.crt "$CAS/etcd-ca.crt" &&
    cmp -s csrd/front-proxy-ca.crt "$CAS/front-proxy-ca.crt" ||
    fail "csr-dir: the CA copies are not CADIR's"
ok
for f in apiserver.crt apiserver-kubelet-client.crt front-proxy-client.crt \
    etcd/server.crt etcd/peer.crt etcd/healthcheck-client.crt \
    apiserver-etcd-client.crt; do
	case $f in
	etcd/* | apiserver-etcd-client.crt) ca=$CAS/etcd-ca.crt ;;
	front-proxy-*) ca=$CAS/front-proxy-ca.crt ;;
	*) ca=$CAS/ca.crt ;;
	esac
	assert_eq 644 "$(mode "csrd/$f")" "csrd/$f: mode"
	assert_eq "$(expected cp-1 10.0.0.1 "$f")" "$(facts "csrd/$f")" "csrd/$f: kubeadm's facts"
	assert_eq "csrd/$f: OK" "$(openssl verify -x509_strict -CAfile "$ca" "csrd/$f" 2>&1)" \
	    "csrd/$f: openssl verify -x509_strict"
	assert_eq "$(openssl pkey -in "csrd/${f%.crt}.key" -pubout)" \
	    "$(openssl x509 -in "csrd/$f" -noout -pubkey)" "csrd/$f: the certificate is for its key"
done
sums csrd >cbefore.sums
run cagain "$KILN" k8s -sign-csrs csrd -ca-dir "$CAS"
assert_eq "csrd: 0 certificates signed, 7 kept" "$(tail -n 1 cagain.out)" "csr-dir re-run: summary"
assert_eq "$(cat cbefore.sums)" "$(sums csrd)" "csr-dir re-run: every byte kept"
# A request for another identity is refused here as in a node's tree.
rm -rf case; cp -a csrd.orig case
csr case/apiserver.key case/apiserver.csr "/O=system:masters/CN=kubernetes-admin"
refused csrdir-admin "kiln: k8s: case/apiserver.csr: asks for O=system:masters, CN=kubernetes-admin; kubeadm's apiserver is CN=kube-apiserver with no O: refused"
# Both layouts in one folder: which to sign would be a guess.
fresh
cp node.orig/pki/apiserver.csr node.orig/pki/apiserver.key case/
refused both-layouts "kiln: k8s: case: holds CSRs in both of kubeadm's layouts (case/admin.conf.csr as \`kubeadm certs generate-csr\` writes them, case/apiserver.csr as --csr-only --csr-dir does): refused, sign them from separate folders"
say "7/7 --csr-only --csr-dir's layout: 7 certificates with kubeadm's facts, kept on a re-run; another identity and both layouts at once refused"
echo "k8s_sign_csrs: $checks checks passed"
