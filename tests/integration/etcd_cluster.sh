#!/bin/sh
# etcd_cluster.sh BINDIR DATADIR
#
# Proves that the certificates made by the etcd guide's cfssl workflow run a real
# three-member etcd cluster with client and peer TLS (DESIGN.md §8).
# BINDIR holds `cfssl` and `cfssljson` (the real cfssl, or links to kiln);
# DATADIR holds the guide's ca-config.json, ca-csr.json and etcd-csr.json
# (or is tests/data, whose guide/ holds them).
# Exit status: 0 pass, anything else fail (etcd missing included: the
# project's setup installs it, so its absence is a broken setup).
set -eu

[ $# -eq 2 ] || { echo "usage: $0 BINDIR DATADIR" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
BINDIR=$BIN
DATADIR=$DATA
# ctest hands every integration test the whole tests/data; ours is its guide/.
[ -f "$DATADIR/ca-config.json" ] || DATADIR=$DATADIR/guide
for f in ca-config.json ca-csr.json etcd-csr.json; do
	[ -f "$DATADIR/$f" ] || fail "no $f in $DATADIR"
done
for b in cfssl cfssljson; do [ -x "$BINDIR/$b" ] || fail "no $b in $BINDIR"; done
if ! command -v etcd >/dev/null 2>&1 || ! command -v etcdctl >/dev/null 2>&1; then
	fail "etcd and etcdctl are not installed (make setup installs them)"
fi
PATH="$BINDIR:$PATH"

# The caller's ETCD_*/ETCDCTL_* variables would act as flags (etcdctl would even
# send a client certificate from ETCDCTL_CERT in the negative check): etcd_env.
etcd_env

IPS="127.0.0.1 127.0.0.2 127.0.0.3"	# all loopback on Linux; never address anything else
PIDS=""

# stop_members (lib.sh) stops them, one at a time, on every exit: a leader
# that gets TERM hands leadership to a peer first, and waits ~7 s for it if
# that peer is dying too.
ON_EXIT=stop_members
FAIL_LOGS="$T/*.log"
START=$(date +%s)

# etcdctl with the guide's client certificate (etcd.pem is server and client).
ctl() {
	etcdctl --cacert "$T/ca.pem" --cert "$T/etcd.pem" --key "$T/etcd-key.pem" \
	    --dial-timeout 3s --command-timeout 5s "$@"
}

# Starts etcd-1..3 with client port $1 and peer port $1 + 1, each in the background
# with its own data dir and log; sets CPORT, ENDPOINTS and PIDS.
start_members() {
	CPORT=$1; pport=$(($1 + 1)); cluster=""; ENDPOINTS=""; i=1
	for ip in $IPS; do
		cluster="$cluster${cluster:+,}etcd-$i=https://$ip:$pport"
		ENDPOINTS="$ENDPOINTS${ENDPOINTS:+,}https://$ip:$CPORT"; i=$((i + 1))
	done
	i=1
	for ip in $IPS; do
		rm -rf "$T/etcd-$i.data"
		etcd --name "etcd-$i" --data-dir "$T/etcd-$i.data" --logger zap --log-outputs stderr \
		    --listen-client-urls "https://$ip:$CPORT" --advertise-client-urls "https://$ip:$CPORT" \
		    --listen-peer-urls "https://$ip:$pport" --initial-advertise-peer-urls "https://$ip:$pport" \
		    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "kiln-$$" \
		    --cert-file "$T/etcd.pem" --key-file "$T/etcd-key.pem" \
		    --trusted-ca-file "$T/ca.pem" --client-cert-auth \
		    --peer-cert-file "$T/etcd.pem" --peer-key-file "$T/etcd-key.pem" \
		    --peer-trusted-ca-file "$T/ca.pem" --peer-client-cert-auth \
		    >"$T/etcd-$i.log" 2>&1 &
		PIDS="$PIDS $!"; i=$((i + 1))
	done
}

# Waits up to 60 s for all three members to report healthy.
# Returns 0 when healthy, 1 on timeout, 2 as soon as a member has died.
health_all() {
	ctl --endpoints "$ENDPOINTS" endpoint health >"$T/health.log" 2>&1
}
wait_healthy() {
	wait_for 60 "$PIDS" health_all
}

say "1/6 CA and etcd certificate with $(command -v cfssl), hosts 127.0.0.1-3"
cp "$DATADIR/ca-config.json" "$DATADIR/ca-csr.json" .
# The guide's CSR with its hosts "reissued" for our three loopback IPs; the rest unchanged.
sed '/"hosts" *:/,/]/c\
    "hosts":[ "127.0.0.1", "127.0.0.2", "127.0.0.3" ],' "$DATADIR/etcd-csr.json" >etcd-csr.json
if ! grep -q '"127.0.0.3"' etcd-csr.json || grep -q '192\.168' etcd-csr.json; then
	fail "could not rewrite the hosts of $DATADIR/etcd-csr.json"
fi
# The guide's two commands, verbatim (no pipefail in sh: the PEM check below
# catches a cfssl that failed in front of a happy cfssljson).
{ cfssl gencert -initca ca-csr.json | cfssljson -bare ca; } 2>>cfssl.log ||
    fail "cfssl gencert -initca | cfssljson -bare ca"
{ cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=kubernetes \
    etcd-csr.json | cfssljson -bare etcd; } 2>>cfssl.log ||
    fail "cfssl gencert -profile=kubernetes | cfssljson -bare etcd"
for f in ca.pem ca-key.pem etcd.pem etcd-key.pem; do
	grep -q -e '-----BEGIN' "$f" 2>/dev/null || fail "cfssljson wrote no PEM in $f"
done

say "2/6 starting three members"
healthy=0; tried=0
for base in 2379 $((10000 + $$ % 1000 * 10)) $((20000 + $$ % 1000 * 10)); do
	if port_busy "$base" || port_busy $((base + 1)); then
		say "  port $base or $((base + 1)) is taken, trying another block"; continue
	fi
	tried=1; start_members "$base"
	say "  members on https://127.0.0.{1,2,3}:$CPORT (peers :$((CPORT + 1))), pids$PIDS"
	if wait_healthy; then healthy=1; break; else st=$?; fi
	# Only a lost race for a port (a test starting beside us) earns another block.
	if [ "$st" -ne 2 ] || ! grep -q 'address already in use' "$T"/etcd-*.log; then break; fi
	say "  a member could not bind its port, trying another block"; stop_members
done
[ $tried -eq 1 ] || fail "no free port block on 127.0.0.1-3"
[ $healthy -eq 1 ] || fail "the cluster did not become healthy (health.log and member logs below)"
say "3/6 all three endpoints healthy after $(($(date +%s) - START)) s"

ctl --endpoints "$ENDPOINTS" endpoint status -w table
# Assert on -w fields, one block per endpoint, printing "endpoints clusters members
# leaders endpoints-that-lead"; the table's IS LEADER is MemberID == Leader.
got=$(etcd_status_counts "$ENDPOINTS")
[ "$got" = "3 1 3 1 1" ] || fail "endpoint status: want 3 endpoints, 1 cluster ID, \
3 member IDs, 1 leader ID, 1 IS LEADER; got (in that order) $got"
for ip in $IPS; do	# every member must see the same three started members
	got=$(ctl --endpoints "https://$ip:$CPORT" member list |
	    awk -F', ' '{ print $2, $3 }' | sort | tr '\n' ';')
	[ "$got" = "started etcd-1;started etcd-2;started etcd-3;" ] ||
	    fail "member list through $ip: want three started etcd-1..3, got: $got"
done
say "4/6 endpoint status: 3 endpoints, 1 cluster, 1 leader; member list: 3 started"

ctl --endpoints "https://127.0.0.1:$CPORT" put kiln-test hello-from-1 >/dev/null ||
    fail "put through 127.0.0.1"
got=$(ctl --endpoints "https://127.0.0.3:$CPORT" get kiln-test --print-value-only) ||
    fail "get through 127.0.0.3"
[ "$got" = hello-from-1 ] || fail "get through 127.0.0.3: want hello-from-1, got '$got'"
say "5/6 put through etcd-1, read back through etcd-3: $got"

# Client auth must really be on: the same request without a client certificate
# fails (the request with it, to the same member, is the control)...
ctl --endpoints "https://127.0.0.1:$CPORT" get kiln-test >/dev/null ||
    fail "control: get with a client certificate"
if etcdctl --cacert "$T/ca.pem" --endpoints "https://127.0.0.1:$CPORT" \
    --dial-timeout 2s --command-timeout 3s get kiln-test >"$T/nocert.log" 2>&1; then
	fail "a client without a certificate was served: client-cert-auth is not in force"
fi
# ...in the TLS handshake, not by chance (Go's message, logged by etcd).
grep -q "client didn't provide a certificate" "$T/etcd-1.log" ||
    fail "etcd-1 logged no TLS rejection of the client without a certificate"
say "6/6 no client certificate, no service: etcdctl: $(tail -n 1 "$T/nocert.log");" \
    "etcd-1: client didn't provide a certificate"
say "PASS in $(($(date +%s) - START)) s"
