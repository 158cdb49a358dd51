#!/bin/sh
# etcd_manifest.sh BUILD_DIR DATA_DIR
#
# `kiln etcd -manifest FILE -out DIR`: the whole tree of an etcd cluster's
# certificates and configuration from one manifest, and proof that it runs.
#  1. the per-member layout: exactly the listed files and modes, every
#     certificate signed by DIR/ca with exactly its subject, SANs and usages,
#     the CA key nowhere but DIR/ca, etcd.yml and etcd.service as specified;
#  2. three etcd 3.4 members started from the generated etcd.yml files (only
#     the prefix rewritten to the member's folder) form one cluster;
#  4. peer SANs are enforced: a peer certificate for 127.0.0.2 alone is
#     served from 127.0.0.2 and refused from 127.0.0.3;
#  5. a re-run with the same manifest changes nothing; one with a fourth
#     member adds its files only, with initial-cluster-state 'existing' and
#     the `etcdctl member add` command, and that member joins the cluster;
#  3. the shared layout: one certificate for every member, and its cluster;
#  6. bad manifests (a typo'd key too): exit 1, one line naming the field,
#     nothing written; -force: new leaf keys and serials under the same CA;
#  7. what a re-run says: every file written, kept or left behind (-q: the
#     summary only); after the CA's renewal every member's ssl/ca.pem is
#     written; a changed IP names the member and prints `member update`, a
#     removed member `member remove` and "left behind"; -n writes nothing
#     and lists what the real run then does; a CA that ends before the
#     certificates made now is one warning.
# Only loopback is ever used (127.0.0.1-4); every process started here is
# stopped by its PID.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v etcd >/dev/null 2>&1 || fail "etcd is not installed (make setup installs it)"
command -v etcdctl >/dev/null 2>&1 || fail "etcdctl is not installed (make setup installs it)"
for t in jq openssl curl sha256sum; do
	command -v "$t" >/dev/null 2>&1 || fail "$t is not installed"
done
for b in kiln kiln-certinfo cfssljson; do
	[ -x "$BIN/$b" ] || fail "no $b in $BIN"
done
export LC_ALL=C
START=$(date +%s)

# The caller's ETCD_*/ETCDCTL_* variables would act as flags: etcd_env.
etcd_env

PIDS=""	# the etcd members running now, etcd-1 first
LAST=""	# the PID to stop last (the leader), if known

# stop_members (lib.sh) stops them on every exit, the leader last.
ON_EXIT=stop_members
FAIL_LOGS="$T/*.log $T/*.err"


PREFIX=/opt/kiln-etcd-test	# the manifests' prefix, rewritten to DIR/<member> to run
TOKEN=kiln-manifest-$$
CLIENTS="root kube-apiserver-etcd-client"

# write_manifest FILE LAYOUT CLIENT_PORT PEER_PORT N: members etcd-1..N on
# 127.0.0.1..N, each also known as 127.0.0.1 (the source address of every
# loopback connection, so of the members' peer connections too).
write_manifest() {
	{
		printf '{\n  "cluster_token": "%s",\n' "$TOKEN"
		printf '  "key": { "algo": "ecdsa", "size": 256 },\n'
		printf '  "names": [ { "C": "CN", "ST": "BeiJing", "L": "BeiJing" } ],\n'
		printf '  "prefix": "%s",\n  "layout": "%s",\n' "$PREFIX" "$2"
		printf '  "etcd": { "client_port": %s, "peer_port": %s },\n' "$3" "$4"
		printf '  "members": [\n'
		i=1
		while [ "$i" -le "$5" ]; do
			[ "$i" -eq 1 ] || printf ',\n'
			printf '    { "name": "etcd-%s", "ip": "127.0.0.%s", "hosts": [ "127.0.0.1" ] }' "$i" "$i"
			i=$((i + 1))
		done
		printf '\n  ],\n'
		printf '  "clients": [ "root", { "CN": "kube-apiserver-etcd-client", "O": "system:masters" } ]\n}\n'
	} >"$1"
}

# run_kiln TAG ARGS...: kiln etcd ARGS, stdout in TAG.out, stderr in TAG.err; sets RC.
run_kiln() {
	tag=$1
	shift
	RC=0
	"$KILN" etcd "$@" >"$T/$tag.out" 2>"$T/$tag.err" || RC=$?
}

# The files kiln makes (sorted), and the regular files found (etcd's data
# and wal folders under the members' folders left out).
expected_tree() {	# DIR LAYOUT N
	{
		for f in ca.pem ca-key.pem ca-config.json; do echo "$1/ca/$f"; done
		for c in $CLIENTS; do echo "$1/clients/$c.pem"; echo "$1/clients/$c-key.pem"; done
		i=1
		while [ "$i" -le "$3" ]; do
			m=$1/etcd-$i
			echo "$m/cfg/etcd.yml"
			echo "$m/etcd.service"
			echo "$m/ssl/ca.pem"
			if [ "$2" = shared ]; then
				echo "$m/ssl/etcd.pem"
				echo "$m/ssl/etcd-key.pem"
			else
				for f in server.pem server-key.pem peer.pem peer-key.pem; do echo "$m/ssl/$f"; done
			fi
			i=$((i + 1))
		done
	} | sort
}
actual_tree() {
	find "$1" -type f ! -path "$1/etcd-*/data/*" ! -path "$1/etcd-*/wal/*" | sort
}

# sorted WORDS...: the words, sorted and unique, space-separated.
sorted() {
	printf '%s\n' "$@" | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# check_cert DIR CERT KEY CN O SANS KU EKU HOURS: CERT and KEY as kiln must have
# made them. SANS, KU and EKU are sorted lists (KU "-": only digital signature
# is required); O "" means none. HOURS the validity.
check_cert() {
	d=$1 c=$2 k=$3
	openssl verify -x509_strict -CAfile "$d/ca/ca.pem" "$c" >"$T/verify.log" 2>&1 ||
	    fail "openssl verify -x509_strict $c: $(cat "$T/verify.log")"
	ok
	j=$("$BIN/kiln-certinfo" -cert "$c") || fail "kiln-certinfo -cert $c"
	assert_eq "$4" "$(printf '%s\n' "$j" | jq -r .subject.common_name)" "$c: CN"
	assert_eq "$5" "$(printf '%s\n' "$j" | jq -r '.subject.organization // ""')" "$c: O"
	assert_eq CN "$(printf '%s\n' "$j" | jq -r '.subject.country // ""')" "$c: C from names"
	assert_eq "$6" "$(printf '%s\n' "$j" | jq -r '.sans // [] | sort | join(" ")')" "$c: SANs"
	ku=$(printf '%s\n' "$j" | jq -r '.key_usage // [] | sort | join(",")')
	if [ "$7" = - ]; then
		assert_contains "$ku" "digital signature" "$c: key usage"
	else
		assert_eq "$7" "$ku" "$c: key usage"
	fi
	assert_eq "$8" "$(printf '%s\n' "$j" | jq -r '.ext_key_usage // [] | sort | join(",")')" \
	    "$c: extended key usage"
	assert_eq "false ECDSA P-256" "$(printf '%s\n' "$j" | jq -r '"\(.is_ca) \(.key_algorithm) \(.key_curve)"')" \
	    "$c: a leaf with an ECDSA P-256 key"
	# not_after - not_before: the expiry, give or take a backdated not_before.
	secs=$(printf '%s\n' "$j" | jq -r '(.not_after | fromdate) - (.not_before | fromdate)')
	if [ "$secs" -lt $(($9 * 3600)) ] || [ "$secs" -gt $(($9 * 3600 + 3600)) ]; then
		fail "$c: valid for $secs s, want ${9}h"
	fi
	ok
	[ "$(openssl x509 -in "$c" -noout -pubkey)" = "$(openssl pkey -in "$k" -pubout)" ] ||
	    fail "$k is not the key of $c"
	ok
}

# expected_yml NAME IP CPORT PPORT INITIAL_CLUSTER STATE LAYOUT: etcd.yml
# without its comment line, as the contract spells it.
expected_yml() {
	if [ "$7" = shared ]; then sc=etcd.pem sk=etcd-key.pem pc=etcd.pem pk=etcd-key.pem
	else sc=server.pem sk=server-key.pem pc=peer.pem pk=peer-key.pem; fi
	cat <<EOF
name: '$1'
data-dir: '$PREFIX/data'
wal-dir: '$PREFIX/wal'
snapshot-count: 10000
heartbeat-interval: 100
election-timeout: 1000
quota-backend-bytes: 0
listen-peer-urls: 'https://$2:$4'
listen-client-urls: 'https://$2:$3'
max-snapshots: 5
max-wals: 5
initial-advertise-peer-urls: 'https://$2:$4'
advertise-client-urls: 'https://$2:$3'
initial-cluster: '$5'
initial-cluster-token: '$TOKEN'
initial-cluster-state: '$6'
client-transport-security:
  cert-file: '$PREFIX/ssl/$sc'
  key-file: '$PREFIX/ssl/$sk'
  client-cert-auth: true
  trusted-ca-file: '$PREFIX/ssl/ca.pem'
  auto-tls: false
peer-transport-security:
  cert-file: '$PREFIX/ssl/$pc'
  key-file: '$PREFIX/ssl/$pk'
  client-cert-auth: true
  trusted-ca-file: '$PREFIX/ssl/ca.pem'
  auto-tls: false
log-level: 'info'
logger: 'zap'
log-outputs: [stderr]
auto-compaction-mode: 'periodic'
auto-compaction-retention: '1'
EOF
}

# initial_cluster PPORT N: etcd-1=https://127.0.0.1:PPORT,...,etcd-N=...
initial_cluster() {
	s="" i=1
	while [ "$i" -le "$2" ]; do s="$s${s:+,}etcd-$i=https://127.0.0.$i:$1"; i=$((i + 1)); done
	echo "$s"
}

# check_yml FILE NAME IP CPORT PPORT INITIAL_CLUSTER STATE LAYOUT
check_yml() {
	f=$1
	shift
	case $(head -n 1 "$f") in
	"#"*) ok ;;
	*) fail "$f: no comment line at the top: $(head -n 1 "$f")" ;;
	esac
	expected_yml "$@" >"$T/want.yml"
	sed '1{/^#/d}' "$f" >"$T/got.yml"
	diff -u "$T/want.yml" "$T/got.yml" >"$T/yml.diff" ||
	    fail "$f differs from the contract's shape: $(cat "$T/yml.diff")"
	ok
}

# check_service FILE
check_service() {
	for l in '[Unit]' 'Description=Etcd Server' 'After=network-online.target' \
	    'Wants=network-online.target' '[Service]' 'Type=notify' \
	    "ExecStart=$PREFIX/bin/etcd --config-file $PREFIX/cfg/etcd.yml" \
	    'Restart=on-failure' 'LimitNOFILE=65536' '[Install]' 'WantedBy=multi-user.target'; do
		grep -qxF "$l" "$1" || fail "$1: no line '$l' in: $(cat "$1")"
		ok
	done
}

# check_member DIR I N CPORT PPORT LAYOUT STATE INITIAL_CLUSTER: member I's files.
check_member() {
	d=$1 i=$2
	m=$d/etcd-$i ip=127.0.0.$i
	cmp -s "$d/ca/ca.pem" "$m/ssl/ca.pem" || fail "$m/ssl/ca.pem is not $d/ca/ca.pem"
	ok
	if [ "$6" = per-member ]; then
		check_cert "$d" "$m/ssl/server.pem" "$m/ssl/server-key.pem" "etcd-$i" "" \
		    "$(sorted "$ip" "etcd-$i" 127.0.0.1 localhost 127.0.0.1)" \
		    "digital signature,key encipherment" "client auth,server auth" 8760
		check_cert "$d" "$m/ssl/peer.pem" "$m/ssl/peer-key.pem" "etcd-$i" "" \
		    "$(sorted "$ip" "etcd-$i" 127.0.0.1)" \
		    "digital signature,key encipherment" "client auth,server auth" 8760
	fi
	check_yml "$m/cfg/etcd.yml" "etcd-$i" "$ip" "$4" "$5" "$8" "$7" "$6"
	check_service "$m/etcd.service"
}

# check_layout DIR LAYOUT N CPORT PPORT: the whole tree of a first run.
check_layout() {
	d=$1
	expected_tree "$d" "$2" "$3" >"$T/want.tree"
	actual_tree "$d" >"$T/got.tree"
	diff -u "$T/want.tree" "$T/got.tree" >"$T/tree.diff" || fail "$d: files: $(cat "$T/tree.diff")"
	ok
	[ -z "$(find "$d" ! -type f ! -type d)" ] || fail "$d: not only files and folders"
	ok
	while read -r f; do
		case $f in
		*-key.pem) assert_eq 600 "$(mode "$f")" "mode of $f" ;;
		*) assert_eq 644 "$(mode "$f")" "mode of $f" ;;
		esac
	done <"$T/want.tree"
	# The CA: self-signed, ECDSA like the manifest's "key", default CN and expiry.
	openssl verify -x509_strict -CAfile "$d/ca/ca.pem" "$d/ca/ca.pem" >/dev/null 2>&1 ||
	    fail "$d/ca/ca.pem does not verify against itself"
	j=$("$BIN/kiln-certinfo" -cert "$d/ca/ca.pem") || fail "kiln-certinfo -cert $d/ca/ca.pem"
	assert_eq "true etcd CA ECDSA P-256" \
	    "$(printf '%s\n' "$j" | jq -r '"\(.is_ca) \(.subject.common_name) \(.key_algorithm) \(.key_curve)"')" \
	    "$d/ca/ca.pem: a CA named etcd CA"
	secs=$(printf '%s\n' "$j" | jq -r '(.not_after | fromdate) - (.not_before | fromdate)')
	if [ "$secs" -lt $((87600 * 3600)) ] || [ "$secs" -gt $((87600 * 3600 + 3600)) ]; then
		fail "$d/ca/ca.pem: valid for $secs s, want 87600h"
	fi
	ok
	[ "$(openssl x509 -in "$d/ca/ca.pem" -noout -pubkey)" = \
	    "$(openssl pkey -in "$d/ca/ca-key.pem" -pubout)" ] || fail "$d/ca/ca-key.pem is not the CA's key"
	ok
	assert_eq "client peer server" \
	    "$(jq -r '.signing.profiles | keys | join(" ")' "$d/ca/ca-config.json")" \
	    "$d/ca/ca-config.json: profiles"
	# The CA key is in no other file.
	while read -r f; do
		[ "$f" = "$d/ca/ca-key.pem" ] && continue
		cmp -s "$d/ca/ca-key.pem" "$f" && fail "the CA key is also in $f"
		grep -qF "$(sed -n 2p "$d/ca/ca-key.pem")" "$f" && fail "the CA key is in $f"
		ok
	done <"$T/want.tree"
	# Clients: CN (and O), no SANs, client auth only.
	check_cert "$d" "$d/clients/root.pem" "$d/clients/root-key.pem" root "" "" - "client auth" 8760
	check_cert "$d" "$d/clients/kube-apiserver-etcd-client.pem" \
	    "$d/clients/kube-apiserver-etcd-client-key.pem" kube-apiserver-etcd-client \
	    system:masters "" - "client auth" 8760
	ic=$(initial_cluster "$5" "$3")
	i=1
	while [ "$i" -le "$3" ]; do
		check_member "$d" "$i" "$3" "$4" "$5" "$2" new "$ic"
		i=$((i + 1))
	done
	if [ "$2" = shared ]; then
		check_cert "$d" "$d/etcd-1/ssl/etcd.pem" "$d/etcd-1/ssl/etcd-key.pem" etcd "" \
		    "$(sorted 127.0.0.1 127.0.0.2 127.0.0.3 etcd-1 etcd-2 etcd-3 127.0.0.1 localhost)" \
		    "digital signature,key encipherment" "client auth,server auth" 8760
		for i in 2 3; do
			for f in etcd.pem etcd-key.pem; do
				cmp -s "$d/etcd-1/ssl/$f" "$d/etcd-$i/ssl/$f" ||
				    fail "$d: etcd-$i's $f is not etcd-1's"
				ok
			done
		done
	fi
}

# etcdctl as DIR's first client.
ctl() {
	etcdctl --cacert "$CTLDIR/ca/ca.pem" --cert "$CTLDIR/clients/root.pem" \
	    --key "$CTLDIR/clients/root-key.pem" --dial-timeout 3s --command-timeout 5s "$@"
}

# start_member DIR I TAG: etcd-I from DIR/etcd-I/cfg/etcd.yml with the prefix
# (only) rewritten to DIR/etcd-I, so that its data and wal folders are there too.
# The rewritten copy is outside DIR: the re-runs must find kiln's own file.
start_member() {
	sed "s#$PREFIX#$1/etcd-$2#g" "$1/etcd-$2/cfg/etcd.yml" >"$T/$3-etcd-$2.yml"
	grep -q "data-dir: '$1/etcd-$2/data'" "$T/$3-etcd-$2.yml" ||
	    fail "rewriting the prefix of $1/etcd-$2/cfg/etcd.yml left no data-dir under the member"
	etcd --config-file "$T/$3-etcd-$2.yml" >"$T/$3-etcd-$2.log" 2>&1 &
	PIDS="$PIDS $!"
}


# endpoints CPORT I...: https://127.0.0.I:CPORT,...
endpoints() {
	p=$1 s=""
	shift
	for i in "$@"; do s="$s${s:+,}https://127.0.0.$i:$p"; done
	echo "$s"
}

# check_cluster CPORT N: N started members seen alike through every endpoint,
# exactly one leader, a put on etcd-1 read on etcd-N.
check_cluster() {
	eps=$(endpoints "$1" $(seq "$2"))
	want=$(i=1; while [ "$i" -le "$2" ]; do printf 'started etcd-%s;' "$i"; i=$((i + 1)); done)
	for i in $(seq "$2"); do
		got=$(ctl --endpoints "https://127.0.0.$i:$1" member list |
		    awk -F', ' '{ print $2, $3 }' | sort | tr '\n' ';')
		assert_eq "$want" "$got" "member list through 127.0.0.$i"
	done
	got=$(etcd_status_counts "$eps")
	assert_eq "$2 1 $2 1 1" "$got" \
	    "endpoint status: endpoints, cluster IDs, member IDs, leader IDs, leaders"
	ctl --endpoints "https://127.0.0.1:$1" put kiln-manifest "hello-$2" >/dev/null ||
	    fail "put through 127.0.0.1"
	got=$(ctl --endpoints "https://127.0.0.$2:$1" get kiln-manifest --print-value-only) ||
	    fail "get through 127.0.0.$2"
	assert_eq "hello-$2" "$got" "put through etcd-1, get through etcd-$2"
}

# stop_cluster ENDPOINTS: the members, the leader last (PIDS are in the order
# of the endpoints).
stop_cluster() {
	n=$(etcd_leader "$1")
	case $n in
	[1-9])
		# shellcheck disable=SC2086
		set -- $PIDS
		eval "LAST=\${$n}"
		;;
	esac
	stop_members
}

# kiln_files DIR: sha256sum of kiln's files (etcd's data left out).
kiln_files() {
	actual_tree "$1" | xargs sha256sum
}

# ---------------------------------------------------------------------------
# 1. The per-member layout, and 2. its cluster. Another port block if a
# member loses a race for its port.
up=0
for base in $((21000 + $$ % 1000 * 8)) $((13000 + $$ % 1000 * 8)) $((29000 + $$ % 400 * 8)); do
	busy=0
	for p in $base $((base + 1)) $((base + 2)) $((base + 3)); do
		port_busy "$p" && busy=1
	done
	[ $busy -eq 0 ] || continue
	CP=$base PP=$((base + 1)) CP2=$((base + 2)) PP2=$((base + 3))
	rm -rf out m.json
	write_manifest m.json per-member "$CP" "$PP" 3
	run_kiln first -manifest m.json -out out
	assert_eq 0 "$RC" "first run: exit status ($(cat "$T/first.err"))"
	assert_eq "out: 3 members, 2 clients: 9 certificates issued, 0 kept" "$(tail -n 1 "$T/first.out")" \
	    "first run: stdout"
	check_layout out per-member 3 "$CP" "$PP"
	say "1/6 per-member layout: $(wc -l <"$T/want.tree") files as listed, $checks checks"

	CTLDIR=$T/out
	for i in 1 2 3; do start_member "$T/out" "$i" pm; done
	if wait_healthy "$(endpoints "$CP" 1 2 3)"; then up=1; break; else st=$?; fi
	stop_members
	[ "$st" -eq 2 ] && grep -q 'address already in use' "$T"/pm-etcd-*.log && {
		say "a member could not bind its port, trying another block"
		continue
	}
	fail "the per-member cluster did not become healthy: $(cat "$T/health.err")"
done
[ $up -eq 1 ] || fail "no free port block on 127.0.0.1-4"
check_cluster "$CP" 3
for i in 1 2 3; do	# the members' own peer certificates were all accepted
	assert_eq 0 "$(grep -c 'rejected connection' "$T/pm-etcd-$i.log" || :)" \
	    "etcd-$i rejected no connection"
done
say "2/6 per-member cluster on :$CP/:$PP healthy after $(($(date +%s) - START)) s:" \
    "3 started members, 1 leader, put/get"

# ---------------------------------------------------------------------------
# 4. Peer SANs are enforced: a peer certificate for 127.0.0.2 alone.
cat >only2-csr.json <<'EOF'
{ "CN": "only2", "hosts": [ "127.0.0.2" ], "key": { "algo": "ecdsa", "size": 256 } }
EOF
"$KILN" gencert -ca out/ca/ca.pem -ca-key out/ca/ca-key.pem -config out/ca/ca-config.json \
    -profile peer only2-csr.json 2>"$T/only2.err" | "$BIN/cfssljson" -bare only2
grep -q -e '-----BEGIN' only2.pem || fail "gencert -profile peer made no only2.pem"
assert_eq "127.0.0.2" "$("$BIN/kiln-certinfo" -cert only2.pem | jq -r '.sans | join(" ")')" \
    "only2.pem SANs"
code=$(curl -sS --http1.1 --max-time 5 --interface 127.0.0.2 --cacert out/ca/ca.pem \
    --cert only2.pem --key only2-key.pem -o members.json -w '%{http_code}' \
    "https://127.0.0.1:$PP/members" 2>"$T/curl2.err") ||
    fail "peer port from 127.0.0.2 with only2.pem: curl: $(cat "$T/curl2.err")"
assert_eq 200 "$code" "peer /members from 127.0.0.2: HTTP status"
assert_eq "etcd-1 etcd-2 etcd-3" "$(jq -r 'map(.name) | sort | join(" ")' members.json)" \
    "peer /members from 127.0.0.2: the members"
rc=0
curl -sS --http1.1 --max-time 5 --interface 127.0.0.3 --cacert out/ca/ca.pem \
    --cert only2.pem --key only2-key.pem -o refused.json \
    "https://127.0.0.1:$PP/members" 2>"$T/curl3.err" || rc=$?
[ "$rc" -ne 0 ] || fail "peer port from 127.0.0.3 with a certificate for 127.0.0.2 was served: $(cat refused.json)"
ok
n=0
# etcd's line: "rejected connection","remote-addr":"127.0.0.3:PORT",...
# "ip-addresses":["127.0.0.2"],...,"error":"x509: certificate is valid for 127.0.0.2, not 127.0.0.3"
until grep 'rejected connection' "$T/pm-etcd-1.log" | grep '"remote-addr":"127\.0\.0\.3:' |
    grep -q '"ip-addresses":\["127\.0\.0\.2"\]'; do
	n=$((n + 1))
	[ $n -lt 25 ] || fail "etcd-1 logged no rejected connection from 127.0.0.3"
	nap 0.2
done
ok
say "4/6 peer port: only2.pem served from 127.0.0.2 (HTTP $code), refused from 127.0.0.3" \
    "(curl exit $rc: $(tail -n 1 "$T/curl3.err"))"

# ---------------------------------------------------------------------------
# 5. Re-runs: the same manifest changes nothing; a fourth member adds its own.
kiln_files out >sums.before
touch stamp
run_kiln again -manifest m.json -out out
assert_eq 0 "$RC" "unchanged re-run: exit status ($(cat "$T/again.err"))"
assert_eq "out: 3 members, 2 clients: 0 certificates issued, 9 kept" "$(tail -n 1 "$T/again.out")" \
    "unchanged re-run: stdout"
kiln_files out >sums.after
diff -u sums.before sums.after >"$T/sums.diff" || fail "unchanged re-run changed files: $(cat "$T/sums.diff")"
ok
assert_eq "" "$(find out -type f -newer stamp ! -path 'out/etcd-*/data/*' ! -path 'out/etcd-*/wal/*')" \
    "unchanged re-run: files rewritten"

write_manifest m4.json per-member "$CP" "$PP" 4
run_kiln add -manifest m4.json -out out
assert_eq 0 "$RC" "re-run with etcd-4: exit status ($(cat "$T/add.err"))"
sha256sum -c --quiet sums.before >"$T/sums.check" 2>&1 ||
    fail "adding etcd-4 changed the existing files: $(cat "$T/sums.check")"
ok
expected_tree out per-member 4 >"$T/want.tree"
actual_tree out >"$T/got.tree"
diff -u "$T/want.tree" "$T/got.tree" >"$T/tree.diff" || fail "out with etcd-4: files: $(cat "$T/tree.diff")"
ok
for f in etcd-4/ssl/server-key.pem etcd-4/ssl/peer-key.pem; do assert_eq 600 "$(mode "out/$f")" "mode of $f"; done
for f in etcd-4/ssl/ca.pem etcd-4/ssl/server.pem etcd-4/ssl/peer.pem etcd-4/cfg/etcd.yml etcd-4/etcd.service; do
	assert_eq 644 "$(mode "out/$f")" "mode of $f"
done
check_member out 4 4 "$CP" "$PP" per-member existing "$(initial_cluster "$PP" 4)"
addcmd="etcdctl --endpoints=$(endpoints "$CP" 1 2 3) --cacert=out/ca/ca.pem"
addcmd="$addcmd --cert=out/clients/root.pem --key=out/clients/root-key.pem"
addcmd="$addcmd member add etcd-4 --peer-urls=https://127.0.0.4:$PP"
# The command on a line of its own (indentation allowed), once; the summary last.
assert_eq "$addcmd" "$(sed -n 's/^[[:space:]]*\(etcdctl .*member add.*\)/\1/p' "$T/add.out")" \
    "re-run with etcd-4: the member add command in: $(cat "$T/add.out")"
assert_eq "out: 4 members, 2 clients: 2 certificates issued, 9 kept" "$(tail -n 1 "$T/add.out")" \
    "re-run with etcd-4: summary"

# Bonus: the printed command, then etcd-4 from its etcd.yml, and it joins.
# etcd (--strict-reconfig-check) refuses a new member, "unhealthy cluster",
# until every peer has been connected for 5 s: retry that for up to 15 s.
n=0
set -f
# shellcheck disable=SC2086
until (set -- $addcmd && shift && etcdctl --dial-timeout 3s --command-timeout 5s "$@") \
    >"$T/memberadd.log" 2>&1; do
	n=$((n + 1))
	if [ $n -ge 30 ] || ! grep -q 'unhealthy cluster' "$T/memberadd.log"; then
		fail "the printed member add command failed: $(cat "$T/memberadd.log")"
	fi
	nap 0.5
done
set +f
ok
start_member "$T/out" 4 pm
wait_healthy "$(endpoints "$CP" 1 2 3 4)" || fail "etcd-4 did not join: $(cat "$T/health.err")"
check_cluster "$CP" 4
say "5/6 re-run: nothing changed; etcd-4 added (2 certificates, state 'existing'), joined:" \
    "4 started members after $(($(date +%s) - START)) s"
stop_cluster "$(endpoints "$CP" 1 2 3 4)"

# ---------------------------------------------------------------------------
# 3. The shared layout, and its cluster.
for p in "$CP2" "$PP2"; do port_busy "$p" && fail "port $p was taken meanwhile"; done
write_manifest ms.json shared "$CP2" "$PP2" 3
run_kiln shared -manifest ms.json -out out-shared
assert_eq 0 "$RC" "shared: exit status ($(cat "$T/shared.err"))"
# One certificate for all the members: the CA, it, and the two clients.
assert_eq "out-shared: 3 members, 2 clients: 4 certificates issued, 0 kept" "$(tail -n 1 "$T/shared.out")" \
    "shared: stdout"
check_layout out-shared shared 3 "$CP2" "$PP2"
CTLDIR=$T/out-shared
for i in 1 2 3; do start_member "$T/out-shared" "$i" sh; done
wait_healthy "$(endpoints "$CP2" 1 2 3)" || fail "the shared cluster did not become healthy: $(cat "$T/health.err")"
check_cluster "$CP2" 3
stop_cluster "$(endpoints "$CP2" 1 2 3)"
say "3/6 shared layout ($(tail -n 1 "$T/shared.out")) and its cluster on :$CP2/:$PP2"

# ---------------------------------------------------------------------------
# 6. Bad manifests: exit 1, one line on stderr naming the field, nothing on
# stdout, no -out folder. Each in its own folder, as cluster.json.
bad() {	# NAME MESSAGE ("~TEXT": the line need only contain TEXT)
	d=$T/bad-$1
	mkdir "$d"
	cp "$DATA/etcd/$1.json" "$d/cluster.json"
	rc=0
	(cd "$d" && "$KILN" etcd -manifest cluster.json -out out >stdout 2>stderr) || rc=$?
	assert_eq 1 "$rc" "$1: exit status ($(cat "$d/stderr"))"
	assert_eq 0 "$(wc -c <"$d/stdout" | tr -d ' ')" "$1: stdout bytes"
	assert_eq 1 "$(wc -l <"$d/stderr" | tr -d ' ')" "$1: lines on stderr ($(cat "$d/stderr"))"
	case $2 in
	"~"*)
		assert_contains "$(cat "$d/stderr")" "kiln: etcd: cluster.json: " "$1: message"
		assert_contains "$(cat "$d/stderr")" "${2#"~"}" "$1: message"
		;;
	*) assert_eq "$2" "$(cat "$d/stderr")" "$1: message" ;;
	esac
	[ ! -e "$d/out" ] || fail "$1: the -out folder was created: $(find "$d/out")"
	ok
}
bad dup-name 'kiln: etcd: cluster.json: members[1].name: duplicate "etcd-1" (also members[0])'
bad dup-ip '~members[1].ip: '
assert_contains "$(cat "$T/bad-dup-ip/stderr")" '127.0.0.1' "dup-ip: names the IP"
bad bad-ip 'kiln: etcd: cluster.json: members[2].ip: bad IP address "10.0.0"'
bad no-members 'kiln: etcd: cluster.json: members: at least one member is needed'
bad dsa 'kiln: etcd: cluster.json: key.algo: unknown algorithm "dsa" (rsa or ecdsa)'
bad truncated 'kiln: etcd: cluster.json: unexpected end of JSON input'
# kiln's own format: a typo is refused, naming the nearest known key.
bad typo-ip 'kiln: etcd: cluster.json: members[1]: unknown key "ipp" (did you mean "ip"?)'
bad typo-expiry 'kiln: etcd: cluster.json: unknown key "expirey" (did you mean "expiry"?)'
rc=0
"$KILN" etcd -out usage-out >"$T/usage.out" 2>"$T/usage.err" || rc=$?
assert_eq 2 "$rc" "no -manifest: exit status"
[ ! -e usage-out ] || fail "no -manifest: the -out folder was created"
ok

# -force: new keys and serials for every leaf, the same CA.
serial() { "$BIN/kiln-certinfo" -cert "$1" | jq -r .serial_number; }
leaves=$(actual_tree out | grep -v '/ca/' | grep -v -e '-key\.pem$' | grep -v '/ssl/ca\.pem$' | grep '\.pem$')
for c in $leaves; do serial "$c"; done >serials.before
kiln_files out >sums.before
run_kiln force -manifest m4.json -out out -force
assert_eq 0 "$RC" "-force: exit status ($(cat "$T/force.err"))"
assert_eq "out: 4 members, 2 clients: 10 certificates issued, 1 kept" "$(tail -n 1 "$T/force.out")" "-force: stdout"
for f in out/ca/ca.pem out/ca/ca-key.pem; do
	assert_eq "$(grep " $f\$" sums.before)" "$(sha256sum "$f")" "-force: $f unchanged"
done
for c in $leaves; do
	k=${c%.pem}-key.pem
	[ "$(grep " $k\$" sums.before)" != "$(sha256sum "$k")" ] || fail "-force: $k was kept"
	grep -qx "$(serial "$c")" serials.before && fail "-force: $c kept its serial"
	openssl verify -x509_strict -CAfile out/ca/ca.pem "$c" >/dev/null 2>&1 || fail "-force: $c does not verify"
	[ "$(openssl x509 -in "$c" -noout -pubkey)" = "$(openssl pkey -in "$k" -pubout)" ] ||
	    fail "-force: $k is not the key of $c"
	ok
done
say "6/6 bad manifests: exit 1, one line, nothing written; -force: $(echo "$leaves" | wc -l) new leaves, same CA"

# Defaults, and an IPv6 member: the URLs bracket the address.
cat >v6.json <<'EOF'
{ "key": { "algo": "ecdsa", "size": 256 }, "members": [ { "name": "six", "ip": "::1" } ] }
EOF
run_kiln v6 -manifest v6.json -out out-v6
assert_eq 0 "$RC" "IPv6 member: exit status ($(cat "$T/v6.err"))"
for l in "listen-peer-urls: 'https://[::1]:2380'" "listen-client-urls: 'https://[::1]:2379'" \
    "initial-cluster: 'six=https://[::1]:2380'" "initial-cluster-token: 'etcd-cluster'" \
    "data-dir: '/opt/etcd/data'"; do
	grep -qxF "$l" out-v6/six/cfg/etcd.yml || fail "IPv6 member: no line $l in: $(cat out-v6/six/cfg/etcd.yml)"
	ok
done
assert_eq "$(sorted ::1 six 127.0.0.1 localhost)" \
    "$("$BIN/kiln-certinfo" -cert out-v6/six/ssl/server.pem | jq -r '.sans | sort | join(" ")')" \
    "IPv6 member: server SANs"

# ---------------------------------------------------------------------------
# 7. What a re-run says: each file written, kept or left behind (-q: the
# summary only), the etcdctl commands each change needs, -n, and a CA that
# ends before the certificates made now. No etcd runs here.
# rr.json: NAME IP pairs for the members, then the clients.
rr_manifest() {	# FILE "NAME IP ..." "CLIENT ..."
	f=$1 ms=$2 cs=$3
	{
		printf '{ "key": { "algo": "ecdsa", "size": 256 },\n'
		printf '  "ca": { "CN": "rr CA", "key": { "algo": "ecdsa" } },\n'
		printf '  "members": ['
		set -- $ms
		sep=""
		while [ $# -ge 2 ]; do
			printf '%s\n    { "name": "%s", "ip": "%s" }' "$sep" "$1" "$2"
			sep=,
			shift 2
		done
		printf ' ],\n  "clients": ['
		sep=""
		for c in $cs; do printf '%s "%s"' "$sep" "$c"; sep=,; done
		printf ' ] }\n'
	} >"$f"
}
# tree_state DIR: every path with its type and mode, and the files' sha256.
tree_state() {
	if [ -e "$1" ]; then
		find "$1" -printf '%y %m %p\n' | sort
		find "$1" -type f | sort | xargs sha256sum
	fi
}
rr_manifest rr.json "etcd-1 127.0.0.1 etcd-2 127.0.0.2 etcd-3 127.0.0.3" "root admin"

# -n on a folder that does not exist: the whole list, no folder made.
run_kiln rr-n0 -n -manifest rr.json -out rr
assert_eq 0 "$RC" "-n first run: exit status ($(cat "$T/rr-n0.err"))"
[ ! -e rr ] || fail "-n made the -out folder: $(find rr)"
ok
assert_eq "rr/ca/ca-key.pem: written (new)" "$(head -n 1 "$T/rr-n0.out")" "-n first run: first line"
assert_eq "rr: 3 members, 2 clients: 9 certificates to issue, 0 kept (dry run: nothing written)" \
    "$(tail -n 1 "$T/rr-n0.out")" "-n first run: summary"
assert_eq 28 "$(grep -c ': written (new)$' "$T/rr-n0.out")" "-n first run: files to write (3 in ca/, 3 x 7, 2 x 2)"

# -q: the summary only; then a quiet re-run.
run_kiln rr-q -q -manifest rr.json -out rr
assert_eq 0 "$RC" "-q: exit status ($(cat "$T/rr-q.err"))"
assert_eq "rr: 3 members, 2 clients: 9 certificates issued, 0 kept" "$(cat "$T/rr-q.out")" "-q: stdout"
assert_eq "" "$(cat "$T/rr-q.err")" "-q: stderr"
run_kiln rr-same -manifest rr.json -out rr
assert_eq 28 "$(grep -c ': kept$' "$T/rr-same.out")" "unchanged re-run: every file kept"
assert_eq 29 "$(wc -l <"$T/rr-same.out" | tr -d ' ')" "unchanged re-run: one line per file, and the summary"

# The CA renewed in place: every member's ssl/ca.pem is written, the rest kept.
"$KILN" renew -ca rr/ca/ca.pem -ca-key rr/ca/ca-key.pem rr/ca/ca.pem >"$T/rr-renew.out" 2>&1 ||
    fail "kiln renew of rr/ca/ca.pem: $(cat "$T/rr-renew.out")"
run_kiln rr-ca -manifest rr.json -out rr
assert_eq 0 "$RC" "after the CA's renewal: exit status ($(cat "$T/rr-ca.err"))"
assert_eq "rr/etcd-1/ssl/ca.pem: written (changed)
rr/etcd-2/ssl/ca.pem: written (changed)
rr/etcd-3/ssl/ca.pem: written (changed)" "$(grep -v ': kept$' "$T/rr-ca.out" | sed '$d')" \
    "after the CA's renewal: the files written"
assert_eq "rr: 3 members, 2 clients: 0 certificates issued, 9 kept" "$(tail -n 1 "$T/rr-ca.out")" \
    "after the CA's renewal: summary"
for i in 1 2 3; do cmp -s rr/ca/ca.pem "rr/etcd-$i/ssl/ca.pem" || fail "rr/etcd-$i/ssl/ca.pem is not the renewed CA"; done
ok

# etcd-2 moves to 127.0.0.9, etcd-3 and the client admin leave. -n first:
# nothing changes in the tree, and it lists what the real run then does.
rr_manifest rr2.json "etcd-1 127.0.0.1 etcd-2 127.0.0.9" "root"
tree_state rr >"$T/rr.before"
run_kiln rr-n -n -manifest rr2.json -out rr
assert_eq 0 "$RC" "-n: exit status ($(cat "$T/rr-n.err"))"
tree_state rr >"$T/rr.after"
diff -u "$T/rr.before" "$T/rr.after" >"$T/rr.diff" || fail "-n changed the tree: $(cat "$T/rr.diff")"
ok
run_kiln rr-move -manifest rr2.json -out rr
assert_eq 0 "$RC" "moved and removed: exit status ($(cat "$T/rr-move.err"))"
assert_eq "$(sed '$d' "$T/rr-n.out")" "$(sed '$d' "$T/rr-move.out")" "-n lists what the real run does"
assert_eq "rr: 2 members, 1 client: 2 certificates to issue, 4 kept (dry run: nothing written)" \
    "$(tail -n 1 "$T/rr-n.out")" "-n: summary"
assert_eq "rr: 2 members, 1 client: 2 certificates issued, 4 kept" "$(tail -n 1 "$T/rr-move.out")" \
    "moved and removed: summary"
ctl_rr="  etcdctl --endpoints=https://127.0.0.1:2379 --cacert=rr/ca/ca.pem --cert=rr/clients/root.pem --key=rr/clients/root-key.pem"
assert_eq "rr/etcd-2/ssl/server.pem: written (changed)
rr/etcd-2/ssl/peer.pem: written (changed)
rr/etcd-2/cfg/etcd.yml: written (changed)
rr/clients/admin-key.pem: left behind: the manifest no longer makes it; remove it if nothing uses it
rr/clients/admin.pem: left behind: the manifest no longer makes it; remove it if nothing uses it
rr/etcd-3: left behind: etcd-3 is no longer in the manifest, and its folder still holds valid keys; remove the folder once the member is removed
etcd-2's peer URL is now https://127.0.0.9:2380, not https://127.0.0.2:2380; find its ID (the first field of its line), then update it before restarting it:
$ctl_rr member list
$ctl_rr member update MEMBER_ID --peer-urls=https://127.0.0.9:2380
etcd-3 is no longer in the manifest; find its ID (the first field of its line), then remove it:
$ctl_rr member list
$ctl_rr member remove MEMBER_ID" "$(grep -v ': kept$' "$T/rr-move.out" | sed '$d')" \
    "moved and removed: what changed, and the etcdctl commands"
assert_contains "$(cat rr/etcd-2/cfg/etcd.yml)" "listen-peer-urls: 'https://127.0.0.9:2380'" "etcd-2's new etcd.yml"
[ -f rr/etcd-3/ssl/server-key.pem ] && [ -f rr/clients/admin-key.pem ] || fail "a folder or file left behind was removed"
ok

# A CA that ends before the certificates made now: one warning for the run.
sed 's/"CN": "rr CA",/"CN": "short CA", "expiry": "240h",/' rr.json >short.json
run_kiln short -q -manifest short.json -out short
assert_eq 0 "$RC" "short CA: exit status ($(cat "$T/short.err"))"
na=$(openssl x509 -in short/ca/ca.pem -noout -enddate | sed 's/^notAfter=//')
when=$(date -u -d "$na" '+%Y-%m-%d %H:%M:%S UTC')
assert_eq "kiln: etcd: warning: short/ca/ca.pem ends on $when, before the certificates made now (expiry 8760h), which stop working with it: renew the CA for longer (kiln renew -expiry DURATION -ca short/ca/ca.pem -ca-key short/ca/ca-key.pem short/ca/ca.pem) or give the manifest a shorter \"expiry\"" \
    "$(cat "$T/short.err")" "short CA: the warning, once"
run_kiln short2 -q -manifest short.json -out short
assert_eq 1 "$(wc -l <"$T/short2.err" | tr -d ' ')" "short CA re-run: one warning line"
assert_eq "" "$(cat "$T/rr-move.err")" "a CA that outlives its leaves: no warning"
say "7/7 re-runs: files listed, member update/remove printed, -n wrote nothing, -q, CA warning"

say "PASS in $(($(date +%s) - START)) s"
finish
