# kiln k8s: a Kubernetes PKI as kubeadm lays it out (kiln-k8s(1)).
# Every certificate of the tree, the kubeconfigs' included, is checked
# against a table of kubeadm's facts written here from kubeadm 1.31's
# sources (certlist.go, pki_helpers.go, kubeconfig.go), not from kiln's
# own table: issuer, subject, keyUsage, extendedKeyUsage and SANs; each
# passes openssl verify -x509_strict against its CA; a re-run keeps every
# byte; -n writes nothing; bad manifests give one line and write nothing.
. "$(dirname "$0")/lib.sh"
START=$(date +%s)

cat >m.json <<'JSON'
{
  "cluster_name": "kiln",
  "control_plane_endpoint": "api.kiln.test:8443",
  "service_cidr": "10.96.0.0/12",
  "dns_domain": "cluster.test",
  "apiserver_extra_sans": ["10.0.0.100", "*.api.kiln.test"],
  "key": {"algo": "ecdsa", "size": 256},
  "control_plane": [
    {"name": "cp-1", "ip": "10.0.0.1"},
    {"name": "cp-2", "ip": "10.0.0.2", "hosts": ["cp-2.kiln.test"]}
  ],
  "workers": [{"name": "w-1", "ip": "10.0.0.11"}]
}
JSON

run k8s "$KILN" k8s -manifest m.json -out out
assert_eq 0 "$rc" "first run: exit status ($(cat k8s.err))"
assert_eq "out: 2 control-plane nodes, 1 worker: 31 certificates issued, 0 kept" \
    "$(tail -n 1 k8s.out)" "first run: summary"
assert_eq "out/ca/ca.key: written (new)" "$(head -n 1 k8s.out)" "first run: the first file named"

# ---- the tree: every file, nothing else ----
cp_files() {	# NODE
	for f in ca.crt ca.key apiserver.crt apiserver.key \
	    apiserver-kubelet-client.crt apiserver-kubelet-client.key \
	    front-proxy-ca.crt front-proxy-ca.key front-proxy-client.crt \
	    front-proxy-client.key sa.key sa.pub etcd/ca.crt etcd/ca.key \
	    etcd/server.crt etcd/server.key etcd/peer.crt etcd/peer.key \
	    etcd/healthcheck-client.crt etcd/healthcheck-client.key \
	    apiserver-etcd-client.crt apiserver-etcd-client.key kubelet.crt \
	    kubelet.key; do
		echo "out/$1/pki/$f"
	done
	for f in admin.conf super-admin.conf controller-manager.conf \
	    scheduler.conf kubelet.conf; do
		echo "out/$1/$f"
	done
}
{
	for f in ca.crt ca.key front-proxy-ca.crt front-proxy-ca.key \
	    etcd-ca.crt etcd-ca.key sa.key sa.pub; do
		echo "out/ca/$f"
	done
	cp_files cp-1
	cp_files cp-2
	printf 'out/w-1/pki/ca.crt\nout/w-1/pki/kubelet.crt\n'
	printf 'out/w-1/pki/kubelet.key\nout/w-1/kubelet.conf\n'
} | sort >want.files
find out -type f | sort >got.files
diff -u want.files got.files >files.diff || fail "the tree: $(cat files.diff)"
ok
for f in $(grep -E '\.(key|conf|pub)$' got.files); do
	assert_eq 600 "$(mode "$f")" "$f: mode"
done
for f in $(grep -E '\.crt$' got.files); do
	assert_eq 644 "$(mode "$f")" "$f: mode"
done
assert_eq 700 "$(mode out/ca)" "out/ca: mode"
say "1/6 the tree: every file of kubeadm's layout, modes"

# ---- kubeadm's facts, for every certificate ----
# The table of kubeadm's facts, shared with k8s_sign_csrs.sh.
. "$(dirname "$0")/k8s_facts.sh"
ca_of() {	# NODE FILE: the CA file it verifies against
	case $2 in
	etcd/*.crt | apiserver-etcd-client.crt) echo "out/$1/pki/etcd/ca.crt" ;;
	front-proxy-*.crt) echo "out/$1/pki/front-proxy-ca.crt" ;;
	*) echo "out/$1/pki/ca.crt" ;;
	esac
}
server_of() {	# NODE IP CONF
	case $3 in
	controller-manager.conf | scheduler.conf) echo "https://$2:6443" ;;
	*) echo "https://api.kiln.test:8443" ;;
	esac
}
check_node() {	# NODE IP FILES...
	n=$1 ip=$2
	shift 2
	for f in "$@"; do
		case $f in
		*.conf)
			p=out/$n/$f
			conf_cert "$p" cert.pem
			sed -n 's/^    certificate-authority-data: //p' "$p" | base64 -d >ca.pem
			cmp -s ca.pem out/ca/ca.crt || fail "$p: certificate-authority-data is not ca.crt"
			assert_eq "    server: $(server_of "$n" "$ip" "$f")" \
			    "$(grep '^    server: ' "$p")" "$p: server"
			c=cert.pem
			;;
		*) p=out/$n/pki/$f c=$p ;;
		esac
		assert_eq "$(expected "$n" "$ip" "$f")" "$(facts "$c")" "$p: kubeadm's facts"
		case $f in
		ca.crt | front-proxy-ca.crt | etcd/ca.crt)
			cmp -s "$p" "out/ca/$(echo "$f" | sed 's|etcd/ca|etcd-ca|')" ||
			    fail "$p: not DIR/ca's"
			ok
			continue
			;;
		esac
		assert_eq "$c: OK" "$(openssl verify -x509_strict -CAfile "$(ca_of "$n" "$f")" "$c" 2>&1 | sed "s|^$c|&|")" \
		    "$p: openssl verify -x509_strict"
	done
}
CPF="ca.crt apiserver.crt apiserver-kubelet-client.crt front-proxy-ca.crt
front-proxy-client.crt etcd/ca.crt etcd/server.crt etcd/peer.crt
etcd/healthcheck-client.crt apiserver-etcd-client.crt kubelet.crt
admin.conf super-admin.conf controller-manager.conf scheduler.conf
kubelet.conf"
# shellcheck disable=SC2086
check_node cp-1 10.0.0.1 $CPF
# shellcheck disable=SC2086
check_node cp-2 10.0.0.2 $CPF
check_node w-1 10.0.0.11 ca.crt kubelet.crt kubelet.conf
# A kubeconfig's user and context, as kubeadm names them.
assert_eq "current-context: kubernetes-admin@kiln" \
    "$(grep '^current-context' out/cp-1/admin.conf)" "admin.conf: context"
assert_eq "- name: system:node:w-1" "$(grep '^- name: ' out/w-1/kubelet.conf)" \
    "w-1 kubelet.conf: user"
# The key in a kubeconfig is its certificate's.
sed -n 's/^    client-key-data: //p' out/cp-1/admin.conf | base64 -d >admin.key
conf_cert out/cp-1/admin.conf admin.crt
assert_eq "$(openssl pkey -in admin.key -pubout)" "$(openssl x509 -in admin.crt -noout -pubkey)" \
    "admin.conf: the key is the certificate's"
# sa.pub is sa.key's public half, RSA 2048, the same on every node.
assert_eq "$(openssl pkey -in out/ca/sa.key -pubout)" "$(cat out/ca/sa.pub)" "sa.pub"
assert_contains "$(openssl pkey -in out/ca/sa.key -noout -text | head -n 1)" "2048 bit" "sa.key: RSA 2048"
cmp -s out/ca/sa.key out/cp-2/pki/sa.key || fail "cp-2's sa.key is not DIR/ca's"
ok
# Each node has its own leaves.
cmp -s out/cp-1/pki/front-proxy-client.key out/cp-2/pki/front-proxy-client.key &&
    fail "cp-1 and cp-2 share a key"
ok
say "2/6 kubeadm's facts for all 31 certificates, openssl verify -x509_strict"

# ---- re-runs keep every byte ----
find out -type f | sort | xargs sha256sum >sums.before
touch stamp
run again "$KILN" k8s -manifest m.json -out out
assert_eq 0 "$rc" "re-run: exit status ($(cat again.err))"
assert_eq "out: 2 control-plane nodes, 1 worker: 0 certificates issued, 31 kept" \
    "$(tail -n 1 again.out)" "re-run: summary"
assert_eq "" "$(grep -v ': kept$' again.out | sed '$d')" "re-run: every file kept"
find out -type f | sort | xargs sha256sum >sums.after
diff -u sums.before sums.after >sums.diff || fail "re-run changed files: $(cat sums.diff)"
ok
assert_eq "" "$(find out -newer stamp)" "re-run: nothing touched"
# A changed SAN: only that node's apiserver certificate, for its key.
sed 's/"cp-2.kiln.test"/"cp-2.kiln.example"/' m.json >m2.json
run moved "$KILN" k8s -manifest m2.json -out out
assert_eq 0 "$rc" "a changed host: exit status ($(cat moved.err))"
assert_eq "out/cp-2/pki/apiserver.crt: written (changed)
out/cp-2/pki/etcd/server.crt: written (changed)
out/cp-2/pki/etcd/peer.crt: written (changed)" "$(grep -v ': kept$' moved.out | sed '$d')" \
    "a changed host: the three certificates with it, nothing else"
assert_eq "$(openssl x509 -in out/cp-2/pki/apiserver.crt -noout -pubkey)" \
    "$(openssl pkey -in out/cp-2/pki/apiserver.key -pubout)" "a changed host: the key kept"
say "3/6 a re-run keeps every byte; a changed SAN rewrites only its certificates"

# ---- -n writes nothing ----
run dry "$KILN" k8s -n -manifest m.json -out fresh
assert_eq 0 "$rc" "-n: exit status ($(cat dry.err))"
assert_eq "fresh: 2 control-plane nodes, 1 worker: 31 certificates to issue, 0 kept (dry run: nothing written)" \
    "$(tail -n 1 dry.out)" "-n: summary"
assert_eq 70 "$(grep -c ': written (new)$' dry.out)" "-n: every file listed"
[ ! -e fresh ] || fail "-n made the output folder"
ok
run dry2 "$KILN" k8s -n -q -manifest m2.json -out out
assert_eq "out: 2 control-plane nodes, 1 worker: 0 certificates to issue, 31 kept (dry run: nothing written)" \
    "$(cat dry2.out)" "-n -q on the written tree"
say "4/6 -n lists every file and writes nothing"

# ---- RSA 2048 by default, external etcd: no etcd certificates ----
cat >ext.json <<'JSON'
{"etcd": "external", "control_plane": [{"name": "cp", "ip": "192.0.2.1"}]}
JSON
run ext "$KILN" k8s -q -j 2 -manifest ext.json -out ext
assert_eq 0 "$rc" "external etcd: exit status ($(cat ext.err))"
assert_eq "ext: 1 control-plane node, 0 workers: 11 certificates issued, 0 kept" "$(cat ext.out)" \
    "external etcd: summary"
[ ! -e ext/cp/pki/etcd ] && [ ! -e ext/cp/pki/apiserver-etcd-client.crt ] &&
    [ ! -e ext/ca/etcd-ca.crt ] || fail "external etcd: an etcd file was made"
ok
assert_contains "$(openssl x509 -in ext/cp/pki/apiserver.crt -noout -text)" "Public-Key: (2048 bit)" \
    "the default key: RSA 2048"
assert_eq "    server: https://192.0.2.1:6443" "$(grep '^    server: ' ext/cp/admin.conf)" \
    "no endpoint: the node's own address"
assert_contains "$(openssl x509 -in ext/cp/pki/apiserver.crt -noout -ext subjectAltName)" \
    "DNS:kubernetes.default.svc.cluster.local, IP Address:10.96.0.1, IP Address:192.0.2.1" \
    "the defaults: cluster.local, 10.96.0.0/12"
say "5/6 RSA 2048 by default; external etcd makes no etcd certificate"

# ---- bad manifests: one line, nothing written ----
bad() {	# MESSAGE JSON
	printf '%s\n' "$2" >bad.json
	expect_error "kiln: k8s: bad.json: $1" "$KILN" k8s -manifest bad.json -out badout
	[ ! -e badout ] || fail "bad manifest ($1): something was written"
	ok
}
CP='"control_plane": [{"name": "cp", "ip": "10.0.0.1"}]'
bad 'unknown key "worker" (did you mean "workers"?)' "{$CP, \"worker\": []}"
bad 'control_plane[0]: unknown key "hots" (did you mean "hosts"?)' \
    '{"control_plane": [{"name": "cp", "ip": "10.0.0.1", "hots": []}]}'
bad 'control_plane: at least one node is needed' '{"workers": []}'
bad 'workers[0].name: duplicate "cp" (also control_plane[0])' \
    "{$CP, \"workers\": [{\"name\": \"cp\", \"ip\": \"10.0.0.2\"}]}"
bad 'workers[0].ip: duplicate "10.0.0.1" (also control_plane[0])' \
    "{$CP, \"workers\": [{\"name\": \"w\", \"ip\": \"10.0.0.1\"}]}"
bad 'workers[0].name: "../w": a node'"'"'s name is its folder and its Kubernetes name: 1 to 63 lowercase letters, digits, '"'"'-'"'"' and '"'"'.'"'"', starting and ending with a letter or digit' \
    "{$CP, \"workers\": [{\"name\": \"../w\", \"ip\": \"10.0.0.2\"}]}"
bad 'control_plane[0].name: "ca" is taken by the output'"'"'s own folder' \
    '{"control_plane": [{"name": "ca", "ip": "10.0.0.1"}]}'
bad 'control_plane[0].ip: bad IP address "10.0.0.256"' \
    '{"control_plane": [{"name": "cp", "ip": "10.0.0.256"}]}'
bad 'service_cidr: bad CIDR "10.96.0.0/33" (ADDRESS/BITS, as 10.96.0.0/12)' \
    "{$CP, \"service_cidr\": \"10.96.0.0/33\"}"
bad 'service_cidr: bad CIDR "10.96.0.0" (ADDRESS/BITS, as 10.96.0.0/12)' \
    "{$CP, \"service_cidr\": \"10.96.0.0\"}"
bad 'apiserver_extra_sans[1]: "a b": neither an IP address nor a DNS name' \
    "{$CP, \"apiserver_extra_sans\": [\"ok.test\", \"a b\"]}"
bad 'control_plane_endpoint: "lb:0": HOST or HOST:PORT, HOST an IP address or a DNS name' \
    "{$CP, \"control_plane_endpoint\": \"lb:0\"}"
bad 'key: ecdsa 521: kubeadm'"'"'s are rsa 2048, 3072 or 4096 and ecdsa 256 or 384' \
    "{$CP, \"key\": {\"algo\": \"ecdsa\", \"size\": 521}}"
bad 'etcd: "local" (stacked or external)' "{$CP, \"etcd\": \"local\"}"
say "6/6 bad manifests: one line each, nothing written"

# ---- what a re-run no longer makes: reported, never removed ----
# etcd made external, cp-2 made a worker, w-2 gone: each file the run
# no longer makes (in DIR/ca, a node's pki/ and pki/etcd/, its
# kubeconfigs), a pki/etcd/ folder the plan has not, and the folder of a
# node no longer in the manifest, as kiln etcd reports its own.
cat >l1.json <<'JSON'
{"key": {"algo": "ecdsa", "size": 256},
 "control_plane": [{"name": "cp-1", "ip": "10.0.0.1"}, {"name": "cp-2", "ip": "10.0.0.2"}],
 "workers": [{"name": "w-1", "ip": "10.0.0.11"}, {"name": "w-2", "ip": "10.0.0.12"}]}
JSON
cat >l2.json <<'JSON'
{"key": {"algo": "ecdsa", "size": 256}, "etcd": "external",
 "control_plane": [{"name": "cp-1", "ip": "10.0.0.1"}],
 "workers": [{"name": "w-1", "ip": "10.0.0.11"}, {"name": "cp-2", "ip": "10.0.0.2"}]}
JSON
run left1 "$KILN" k8s -manifest l1.json -out lout
assert_eq 0 "$rc" "left: first run ($(cat left1.err))"
assert_not_contains "$(cat left1.out)" "left behind" "left: a first run leaves nothing behind"
# Not a node's: a folder without kubelet.conf, a link to a node's
# folder, a file of another suffix in pki/.
mkdir lout/notes
ln -s w-1 lout/w-9
echo hello >lout/cp-1/pki/README
find lout | sort >left.before
m="the manifest no longer makes it; remove it if nothing uses it"
{
	for f in ca/etcd-ca.crt ca/etcd-ca.key cp-1/pki/apiserver-etcd-client.crt \
	    cp-1/pki/apiserver-etcd-client.key cp-1/pki/etcd cp-2/admin.conf \
	    cp-2/controller-manager.conf cp-2/scheduler.conf cp-2/super-admin.conf \
	    cp-2/pki/apiserver-etcd-client.crt cp-2/pki/apiserver-etcd-client.key \
	    cp-2/pki/apiserver-kubelet-client.crt cp-2/pki/apiserver-kubelet-client.key \
	    cp-2/pki/apiserver.crt cp-2/pki/apiserver.key cp-2/pki/ca.key \
	    cp-2/pki/front-proxy-ca.crt cp-2/pki/front-proxy-ca.key \
	    cp-2/pki/front-proxy-client.crt cp-2/pki/front-proxy-client.key \
	    cp-2/pki/sa.key cp-2/pki/sa.pub cp-2/pki/etcd; do
		echo "lout/$f: left behind: $m"
	done
	echo "lout/w-2: left behind: w-2 is no longer in the manifest; remove the folder once the node is deleted from the cluster"
} >left.want
run left2n "$KILN" k8s -n -manifest l2.json -out lout
assert_eq 0 "$rc" "left: -n ($(cat left2n.err))"
grep 'left behind' left2n.out >left.got || :
diff -u left.want left.got >left.diff || fail "left: -n: $(cat left.diff)"
ok
find lout | sort >left.after
cmp -s left.before left.after || fail "left: -n changed the tree"
ok
run left2 "$KILN" k8s -manifest l2.json -out lout
assert_eq 0 "$rc" "left: second run ($(cat left2.err))"
grep 'left behind' left2.out >left.got || :
diff -u left.want left.got >left.diff || fail "left: the run: $(cat left.diff)"
ok
assert_eq "lout: 1 control-plane node, 2 workers: 0 certificates issued, 15 kept" \
    "$(tail -n 1 left2.out)" "left: the summary comes last"
for f in ca/etcd-ca.key cp-2/pki/ca.key cp-2/admin.conf cp-2/pki/etcd/ca.key \
    w-2/kubelet.conf w-2/pki/kubelet.key; do
	[ -f "lout/$f" ] || fail "left: lout/$f was removed"
done
ok
# A control-plane node's folder still holds the CA keys: said so.
cat >l3.json <<'JSON'
{"key": {"algo": "ecdsa", "size": 256}, "etcd": "external",
 "control_plane": [{"name": "cp-1", "ip": "10.0.0.1"}]}
JSON
mv lout/cp-2 lout/cp-3
run left3 "$KILN" k8s -q -manifest l3.json -out lout
assert_eq 0 "$rc" "left: -q run ($(cat left3.err))"
assert_eq "lout: 1 control-plane node, 0 workers: 0 certificates issued, 11 kept" \
    "$(cat left3.out)" "left: -q prints the summary only"
run left3 "$KILN" k8s -manifest l3.json -out lout
assert_contains "$(cat left3.out)" "lout/cp-3: left behind: cp-3 is no longer in the manifest, and its pki/ still holds the CA keys; remove the folder once the node is deleted from the cluster" \
    "left: a control-plane node's folder with the CA keys"
assert_contains "$(cat left3.out)" "lout/w-1: left behind: w-1 is no longer in the manifest; remove the folder" \
    "left: a worker's folder"
assert_not_contains "$(cat left3.out)" "notes" "left: a folder without kubelet.conf is no node's"
assert_not_contains "$(cat left3.out)" "w-9" "left: a link is never followed"
assert_not_contains "$(cat left3.out)" "README" "left: only certificates, keys and kubeconfigs"
say "7/7 what a re-run no longer makes: reported, never removed"

say "PASS in $(($(date +%s) - START)) s"
finish
