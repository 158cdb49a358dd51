#!/bin/sh
# rotate_ca_live.sh BUILD_DIR DATA_DIR
#
# Live etcd CA rotation without downtime (issue 16):
#  1. `kiln etcd` makes a three-member cluster (127.0.0.1-3, client and
#     peer certificate auth, ECDSA); the members run from its etcd.yml;
#  2. a client loop (etcdctl put then get, all three endpoints, the
#     client's files read anew each time) runs through everything below,
#     bounded in count and time, and counts its failures;
#  3. `kiln rotate-ca` phases 1 and 2 with no member restarted (same
#     PIDs): after phase 2 every member serves the new CA's leaf on new
#     connections, client and peer ports alike;
#  4. phase 3, then the rolling restart etcd 3.4 needs to drop the old
#     CA (it reads trusted-ca-file only at start: kiln-rotate-ca(1)),
#     one member at a time, each healthy before the next and out of the
#     client's endpoints while it restarts (as out of a load balancer);
#  5. zero failed requests in the loop; a client certificate of the old
#     CA is refused by every member ("certificate signed by unknown
#     authority"), one of the new CA accepted.
# Only loopback is ever used; every process started here is stopped by
# its PID.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v etcd >/dev/null 2>&1 || fail "etcd is not installed (make setup installs it)"
command -v etcdctl >/dev/null 2>&1 || fail "etcdctl is not installed (make setup installs it)"
for t in jq openssl; do
	command -v "$t" >/dev/null 2>&1 || fail "$t is not installed"
done
export LC_ALL=C
START=$(date +%s)
etcd_env

PIDS=""	# the members running now, etcd-1 first
LAST=""
LOOP_PID=""
stop_all() {
	[ -z "$LOOP_PID" ] || { : >"$T/loop.stop"; stop_pid "$LOOP_PID" 100 || :; }
	stop_members
}
ON_EXIT=stop_all
FAIL_LOGS="$T/*.log $T/*.err"

PREFIX=/opt/kiln-rotate-ca-test

# A loaded CI machine can starve etcd for longer than its default 1 s
# election timeout, and each spurious election fails the requests in
# flight, which is not what this test measures: 500 ms heartbeats, 5 s.
write_manifest() {
	cat >"$1" <<EOF
{ "cluster_token": "kiln-rotate-ca-$$",
  "key": { "algo": "ecdsa", "size": 256 },
  "prefix": "$PREFIX", "expiry": "1h",
  "etcd": { "client_port": $2, "peer_port": $3,
            "heartbeat_interval": 500, "election_timeout": 5000 },
  "members": [
    { "name": "etcd-1", "ip": "127.0.0.1", "hosts": [ "127.0.0.1" ] },
    { "name": "etcd-2", "ip": "127.0.0.2", "hosts": [ "127.0.0.1" ] },
    { "name": "etcd-3", "ip": "127.0.0.3", "hosts": [ "127.0.0.1" ] } ],
  "clients": [ "root" ] }
EOF
}

# etcdctl as the client, its files read now.
ctl() {
	etcdctl --cacert "$T/out/ca/ca.pem" --cert "$T/out/clients/root.pem" \
	    --key "$T/out/clients/root-key.pem" --dial-timeout 3s --command-timeout 8s "$@"
}

# start_member I: etcd-I from its etcd.yml, the prefix rewritten; its PID
# takes the I-th place in PIDS.
start_member() {
	sed "s#$PREFIX#$T/out/etcd-$1#g" "$T/out/etcd-$1/cfg/etcd.yml" >"$T/etcd-$1.yml"
	etcd --config-file "$T/etcd-$1.yml" >>"$T/etcd-$1.log" 2>&1 &
	eval "PID_$1=$!"
	PIDS="$PID_1 $PID_2 $PID_3"
}
PID_1="" PID_2="" PID_3=""

# served ADDR:PORT: the serial of the certificate a new connection gets.
served() {
	"$BIN/kiln-certinfo" -domain "$1" >"$T/served.json" 2>"$T/served.err" ||
	    fail "kiln-certinfo -domain $1: $(cat "$T/served.err")"
	jq -r 'if type == "array" then .[0] else . end | .serial_number' "$T/served.json"
}
serial() { "$BIN/kiln-certinfo" -cert "$1" | jq -r 'if type == "array" then .[0] else . end | .serial_number'; }

# The client loop: put then get through the endpoints in loop.eps (read
# each round), until loop.stop appears, 3000 rounds or 150 s; one line per
# request in loop.log ("ok" or "FAIL ..."), the count in loop.n.
client_loop() {
	n=0
	end=$(($(date +%s) + 150))
	while [ ! -e "$T/loop.stop" ] && [ "$n" -lt 3000 ] && [ "$(date +%s)" -lt "$end" ]; do
		n=$((n + 1))
		eps=$(cat "$T/loop.eps")
		if ctl --endpoints "$eps" put "k$((n % 10))" "v$n" >"$T/loop.out" 2>&1; then
			echo "ok put $n" >>"$T/loop.log"
		else
			echo "FAIL put $n $(date +%T): $(tr '\n' ' ' <"$T/loop.out")" >>"$T/loop.log"
		fi
		if got=$(ctl --endpoints "$eps" get "k$((n % 10))" --print-value-only 2>"$T/loop.get.err") &&
		    [ "$got" = "v$n" ]; then
			echo "ok get $n" >>"$T/loop.log"
		else
			echo "FAIL get $n $(date +%T): [$got] $(tr '\n' ' ' <"$T/loop.get.err")" >>"$T/loop.log"
		fi
		echo "$n" >"$T/loop.n"
	done
}
# wait_rounds K: until the loop has done K more rounds (at most 30 s).
wait_rounds() {
	_from=$(cat "$T/loop.n" 2>/dev/null || echo 0)
	_end=$(($(date +%s) + 30))
	while [ "$(cat "$T/loop.n" 2>/dev/null || echo 0)" -lt $((_from + $1)) ]; do
		[ "$(date +%s)" -lt "$_end" ] || fail "the client loop made no progress"
		kill -0 "$LOOP_PID" 2>/dev/null || fail "the client loop ended early"
		nap 0.2
	done
}
failures() { grep -c '^FAIL' "$T/loop.log" || :; }
# set_eps LIST: the loop's endpoints from its next round on, replaced
# whole (the loop never reads a half-written list).
set_eps() {
	echo "$1" >"$T/loop.eps.new" && mv -f "$T/loop.eps.new" "$T/loop.eps"
}

# ---------------------------------------------------------------------------
# 1. The cluster.
up=0
for base in $((24000 + $$ % 1000 * 4)) $((16000 + $$ % 1000 * 4)) $((32000 + $$ % 400 * 4)); do
	busy=0
	for p in $base $((base + 1)); do port_busy "$p" && busy=1; done
	[ $busy -eq 0 ] || continue
	CP=$base PP=$((base + 1))
	rm -rf out m.json
	write_manifest m.json "$CP" "$PP"
	"$KILN" etcd -manifest m.json -out out >"$T/kiln-etcd.log" 2>&1 || fail "kiln etcd: $(cat "$T/kiln-etcd.log")"
	for i in 1 2 3; do start_member "$i"; done
	EPS="https://127.0.0.1:$CP,https://127.0.0.2:$CP,https://127.0.0.3:$CP"
	if wait_healthy "$EPS"; then up=1; break; else st=$?; fi
	stop_members
	PID_1="" PID_2="" PID_3=""
	[ "$st" -eq 2 ] && grep -q 'address already in use' "$T"/etcd-*.log && continue
	fail "the cluster did not become healthy: $(cat "$T/health.err")"
done
[ $up -eq 1 ] || fail "no free port block on 127.0.0.1-3"
PIDS_BEFORE=$PIDS
cp out/clients/root.pem old-root.pem
cp out/clients/root-key.pem old-root-key.pem
cp out/ca/ca.pem old-ca.pem
say "1/5 three members on :$CP/:$PP healthy after $(($(date +%s) - START)) s, pids $PIDS"

set_eps "$EPS"
client_loop &
LOOP_PID=$!
wait_rounds 3
say "2/5 client loop running: $(cat loop.n) rounds, $(failures) failed"

# ---------------------------------------------------------------------------
# 3. Phases 1 and 2, no restart.
for phase in 1 2; do
	run "phase$phase" "$KILN" rotate-ca -dir out "$phase"
	assert_eq 0 "$rc" "rotate-ca $phase: exit status ($(cat "phase$phase.err"))"
	assert_eq "" "$(cat "phase$phase.err")" "rotate-ca $phase: stderr"
	assert_contains "$(cat "phase$phase.out")" "out: phase $phase of 3 done" "rotate-ca $phase"
	wait_rounds 5
done
assert_contains "$(cat phase2.out)" "7 certificates issued again by the new CA" "rotate-ca 2"
assert_eq "$PIDS_BEFORE" "$PIDS" "no member restarted during phases 1 and 2"
for pid in $PIDS; do kill -0 "$pid" 2>/dev/null || fail "member $pid died"; done
for i in 1 2 3; do
	for port in "$CP:server" "$PP:peer"; do
		p=${port%%:*} f=${port#*:}
		assert_eq "$(serial "out/etcd-$i/ssl/$f.pem")" "$(served "127.0.0.$i:$p")" \
		    "after phase 2: 127.0.0.$i:$p serves the new CA's $f.pem"
	done
	openssl verify -x509_strict -CAfile out/ca/ca.pem "out/etcd-$i/ssl/server.pem" >/dev/null 2>&1 ||
	    fail "out/etcd-$i/ssl/server.pem does not verify against the new CA"
	openssl verify -x509_strict -CAfile old-ca.pem -untrusted out/ca/new/ca-cross.pem \
	    "out/etcd-$i/ssl/peer.pem" >/dev/null 2>&1 ||
	    fail "out/etcd-$i/ssl/peer.pem does not verify against the old CA through the cross certificate"
	ok
done
say "3/5 phases 1 and 2 with the same PIDs: every port serves the new CA's leaves; $(cat loop.n) rounds, $(failures) failed"

# ---------------------------------------------------------------------------
# 4. Phase 3, then the rolling restart, the leader last.
run phase3 "$KILN" rotate-ca -dir out 3
assert_eq 0 "$rc" "rotate-ca 3: exit status ($(cat phase3.err))"
assert_contains "$(cat phase3.out)" \
    "next: restart the members one at a time, each healthy before the next" "rotate-ca 3"
assert_eq 1 "$(grep -c BEGIN out/etcd-1/ssl/ca.pem)" "phase 3: etcd-1's ca.pem holds one CA"
lead=$(etcd_leader "$EPS")
order=""
for i in 1 2 3; do [ "$i" = "$lead" ] || order="$order $i"; done
order="$order $lead"
for i in $order; do
	eval "pid=\$PID_$i"
	# The leader hands over first, as kiln rotate-ca's phase 3 says:
	# etcd's own hand-over at shutdown is bounded by its election timeout
	# and, missed on a loaded machine, fails the requests in flight.
	if [ "$i" = "$lead" ]; then
		first=$(echo $order | cut -d' ' -f1)
		to=$(ctl --endpoints "$EPS" member list |
		    awk -F', ' -v n="etcd-$first" '$3 == n { print $1 }')
		ctl --endpoints "https://127.0.0.$i:$CP" move-leader "$to" >move.out 2>&1 ||
		    fail "move-leader off etcd-$i: $(cat move.out)"
		[ "$(etcd_leader "$EPS")" != "$i" ] || fail "etcd-$i still leads after move-leader"
		ok
	fi
	# The member leaves the client's endpoints while it restarts, as it
	# leaves an operator's load balancer: a request in flight to a member
	# that stops fails whatever its certificates (etcdctl does not retry
	# a put), and that is not what this test measures.  Two rounds let
	# the loop finish any request begun on the old list.
	set_eps "$(echo "$EPS" | tr ',' '\n' | grep -v "^https://127.0.0.$i:" | paste -sd,)"
	wait_rounds 2
	stop_pid "$pid" || say "etcd-$i ignored TERM, killed"
	start_member "$i"
	wait_healthy "$EPS" || fail "etcd-$i did not come back healthy: $(cat "$T/health.err")"
	set_eps "$EPS"
	wait_rounds 3
	say "  etcd-$i restarted (pid $pid -> $(eval "echo \$PID_$i")), healthy; $(failures) failed so far"
done
say "4/5 phase 3 and a rolling restart (leader etcd-$lead last)"

# ---------------------------------------------------------------------------
# 5. The verdict.
wait_rounds 3
: >loop.stop
wait "$LOOP_PID" 2>/dev/null || :
LOOP_PID=""
rounds=$(cat loop.n)
[ "$rounds" -ge 20 ] || fail "the client loop made only $rounds rounds"
ok
[ "$(failures)" -eq 0 ] || { grep '^FAIL' loop.log | head -n 5 >&2; }
assert_eq 0 "$(failures)" "failed requests in $rounds rounds ($(grep '^FAIL' loop.log | head -n 3))"
for i in 1 2 3; do
	if etcdctl --cacert out/ca/ca.pem --cert old-root.pem --key old-root-key.pem \
	    --endpoints "https://127.0.0.$i:$CP" --dial-timeout 2s --command-timeout 3s \
	    get k1 >"old-$i.out" 2>&1; then
		fail "etcd-$i served a client certificate of the old CA"
	fi
	ok
	grep -q 'certificate signed by unknown authority' "etcd-$i.log" ||
	    fail "etcd-$i logged no refusal of the old CA's client certificate"
	ok
	ctl --endpoints "https://127.0.0.$i:$CP" get k1 >/dev/null ||
	    fail "etcd-$i refused the new CA's client certificate"
	ok
done
say "5/5 $rounds rounds, 0 failed; the old CA's client certificate refused by every member, the new one's accepted"
n=$(etcd_leader "$EPS")
case $n in
[1-3]) eval "LAST=\$PID_$n" ;;
esac
stop_members
say "PASS in $(($(date +%s) - START)) s"
finish
