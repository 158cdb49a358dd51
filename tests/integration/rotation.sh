#!/bin/sh
# rotation.sh BUILD_DIR DATA_DIR
#
# Zero-downtime rotation: etcd re-reads its certificate and key on every new
# connection, so `kiln renew` in place, without a restart, is all it takes.
#  1. `kiln etcd` makes a three-member cluster (127.0.0.1-3, 1h leaves, a
#     client "root"); the members are started from its etcd.yml files (only
#     the prefix rewritten) with client and peer certificate auth;
#  2. every member's server.pem and peer.pem and the client's root.pem are
#     renewed in place with `kiln renew`;
#  3. the same processes (PIDs alive, start times unchanged) serve the new
#     certificates on new connections, client and peer ports alike: the
#     serial served is the new file's and not the old;
#  4. etcdctl with the renewed client certificate sees three started
#     members and one leader, a put on etcd-1 is read on etcd-3, and the
#     peer port accepts the renewed peer certificate as a client.
# Only loopback is ever used; every process started here is stopped by its
# PID.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v etcd >/dev/null 2>&1 || fail "etcd is not installed (make setup installs it)"
command -v etcdctl >/dev/null 2>&1 || fail "etcdctl is not installed (make setup installs it)"
for t in jq openssl curl; do
	command -v "$t" >/dev/null 2>&1 || fail "$t is not installed"
done
for b in kiln kiln-certinfo; do
	[ -x "$BIN/$b" ] || fail "no $b in $BIN"
done
export LC_ALL=C
START=$(date +%s)

# The caller's ETCD_*/ETCDCTL_* variables would act as flags: etcd_env.
etcd_env

PIDS=""	# the members running now, etcd-1 first
LAST=""	# the PID to stop last (the leader), if known

# stop_members (lib.sh) stops them on every exit.
ON_EXIT=stop_members
FAIL_LOGS="$T/*.log $T/*.err"


PREFIX=/opt/kiln-rotation-test	# the manifest's prefix, rewritten to out/<member> to run

# write_manifest FILE CLIENT_PORT PEER_PORT: etcd-1..3 on 127.0.0.1..3, each
# also known as 127.0.0.1 (the source address of loopback connections).
write_manifest() {
	cat >"$1" <<EOF
{ "cluster_token": "kiln-rotation-$$",
  "key": { "algo": "ecdsa", "size": 256 },
  "names": [ { "C": "CN", "ST": "BeiJing", "L": "BeiJing" } ],
  "prefix": "$PREFIX", "expiry": "1h",
  "etcd": { "client_port": $2, "peer_port": $3 },
  "members": [
    { "name": "etcd-1", "ip": "127.0.0.1", "hosts": [ "127.0.0.1" ] },
    { "name": "etcd-2", "ip": "127.0.0.2", "hosts": [ "127.0.0.1" ] },
    { "name": "etcd-3", "ip": "127.0.0.3", "hosts": [ "127.0.0.1" ] } ],
  "clients": [ "root" ] }
EOF
}

ctl() {
	etcdctl --cacert "$T/out/ca/ca.pem" --cert "$T/out/clients/root.pem" \
	    --key "$T/out/clients/root-key.pem" --dial-timeout 3s --command-timeout 5s "$@"
}

# start_member I: etcd-I from out/etcd-I/cfg/etcd.yml, the prefix (only)
# rewritten to out/etcd-I.
start_member() {
	sed "s#$PREFIX#$T/out/etcd-$1#g" "$T/out/etcd-$1/cfg/etcd.yml" >"$T/etcd-$1.yml"
	grep -q "data-dir: '$T/out/etcd-$1/data'" "$T/etcd-$1.yml" ||
	    fail "rewriting the prefix of out/etcd-$1/cfg/etcd.yml left no data-dir under the member"
	grep -q "client-cert-auth: true" "$T/etcd-$1.yml" || fail "etcd-$1.yml: no client-cert-auth"
	etcd --config-file "$T/etcd-$1.yml" >"$T/etcd-$1.log" 2>&1 &
	PIDS="$PIDS $!"
}


# served ADDR:PORT: the serial number of the certificate a new TLS
# connection is served.
served() {
	"$BIN/kiln-certinfo" -domain "$1" >"$T/served.json" 2>"$T/served.err" ||
	    fail "kiln-certinfo -domain $1: $(cat "$T/served.err")"
	jq -r 'if type == "array" then .[0] else . end | .serial_number' "$T/served.json"
}
serial() { "$BIN/kiln-certinfo" -cert "$1" | jq -r .serial_number; }
# The start time of process $1, in clock ticks since boot.
started() { awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat"; }

# ---------------------------------------------------------------------------
# 1. The cluster. Another port block if a member loses a race for its port.
up=0
for base in $((23000 + $$ % 1000 * 4)) $((15000 + $$ % 1000 * 4)) $((31000 + $$ % 400 * 4)); do
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
	[ "$st" -eq 2 ] && grep -q 'address already in use' "$T"/etcd-*.log && {
		say "a member could not bind its port, trying another block"
		continue
	}
	fail "the cluster did not become healthy: $(cat "$T/health.err")"
done
[ $up -eq 1 ] || fail "no free port block on 127.0.0.1-3"
say "1/4 three members on :$CP/:$PP healthy after $(($(date +%s) - START)) s, pids$PIDS"

PIDS_BEFORE=$PIDS
STARTED_BEFORE=$(for pid in $PIDS; do started "$pid"; done)
# What is served now: the files' certificates.
for i in 1 2 3; do
	for port in "$CP:server" "$PP:peer"; do
		p=${port%%:*} f=${port#*:}
		serial "out/etcd-$i/ssl/$f.pem" >"old-$i-$f.serial"
		assert_eq "$(cat "old-$i-$f.serial")" "$(served "127.0.0.$i:$p")" \
		    "before: 127.0.0.$i:$p serves etcd-$i's $f.pem"
	done
done
OLD1=$(served "127.0.0.1:$CP")
serial out/clients/root.pem >old-root.serial

# ---------------------------------------------------------------------------
# 2. Renew in place, the keys kept.
RC=0
"$KILN" renew -ca out/ca/ca.pem -ca-key out/ca/ca-key.pem \
    out/etcd-*/ssl/server.pem out/etcd-*/ssl/peer.pem out/clients/root.pem \
    >"$T/renew.out" 2>"$T/renew.err" || RC=$?
assert_eq 0 "$RC" "kiln renew: exit status ($(cat "$T/renew.err"))"
assert_eq "" "$(cat "$T/renew.err")" "kiln renew: stderr"
assert_eq 7 "$(grep -c ': renewed, serial ' "$T/renew.out")" "kiln renew: renewed lines in: $(cat "$T/renew.out")"
for f in out/etcd-*/ssl/server.pem out/etcd-*/ssl/peer.pem out/clients/root.pem; do
	openssl verify -x509_strict -CAfile out/ca/ca.pem "$f" >"$T/verify.log" 2>&1 ||
	    fail "openssl verify $f: $(cat "$T/verify.log")"
	ok
done
NEW1=$(serial out/etcd-1/ssl/server.pem)
[ "$NEW1" != "$OLD1" ] || fail "renew kept the serial of out/etcd-1/ssl/server.pem"
ok
say "2/4 kiln renew in place: 3 server.pem, 3 peer.pem and root.pem renewed, keys kept"

# ---------------------------------------------------------------------------
# 3. The same processes, the new certificates.
for pid in $PIDS; do
	kill -0 "$pid" 2>/dev/null || fail "member pid $pid died after the renewal"
	ok
done
assert_eq "$PIDS_BEFORE" "$PIDS" "the members' PIDs"
assert_eq "$STARTED_BEFORE" "$(for pid in $PIDS; do started "$pid"; done)" \
    "the members' start times (no restart, no PID reuse)"
got=$(served "127.0.0.1:$CP")
assert_eq "$NEW1" "$got" "a new connection to etcd-1 is served the renewed server.pem"
[ "$got" != "$OLD1" ] || fail "etcd-1 still serves the old certificate"
ok
for i in 1 2 3; do
	for port in "$CP:server" "$PP:peer"; do
		p=${port%%:*} f=${port#*:}
		got=$(served "127.0.0.$i:$p")
		assert_eq "$(serial "out/etcd-$i/ssl/$f.pem")" "$got" "after: 127.0.0.$i:$p serves the renewed $f.pem"
		[ "$got" != "$(cat "old-$i-$f.serial")" ] || fail "127.0.0.$i:$p still serves the old $f.pem"
		ok
	done
done
say "3/4 the same PIDs ($PIDS ) serve the renewed certificates: etcd-1 serial $OLD1 -> $NEW1"

# ---------------------------------------------------------------------------
# 4. The cluster works with the renewed certificates.
[ "$(serial out/clients/root.pem)" != "$(cat old-root.serial)" ] || fail "root.pem was not renewed"
ok
for i in 1 2 3; do
	got=$(ctl --endpoints "https://127.0.0.$i:$CP" member list | awk -F', ' '{ print $2, $3 }' | sort | tr '\n' ';')
	assert_eq "started etcd-1;started etcd-2;started etcd-3;" "$got" "member list through 127.0.0.$i"
done
got=$(etcd_status_counts "$EPS")
assert_eq "3 1 3 1 1" "$got" "endpoint status: endpoints, cluster IDs, member IDs, leader IDs, leaders"
ctl --endpoints "https://127.0.0.1:$CP" put kiln-rotation "renewed-$NEW1" >/dev/null || fail "put through 127.0.0.1"
got=$(ctl --endpoints "https://127.0.0.3:$CP" get kiln-rotation --print-value-only) || fail "get through 127.0.0.3"
assert_eq "renewed-$NEW1" "$got" "put through etcd-1, get through etcd-3"
# The peer port takes the renewed peer certificate of etcd-2 from 127.0.0.2.
code=$(curl -sS --http1.1 --max-time 5 --interface 127.0.0.2 --cacert out/ca/ca.pem \
    --cert out/etcd-2/ssl/peer.pem --key out/etcd-2/ssl/peer-key.pem -o members.json -w '%{http_code}' \
    "https://127.0.0.1:$PP/members" 2>"$T/curl.err") || fail "peer port with the renewed peer.pem: $(cat "$T/curl.err")"
assert_eq 200 "$code" "peer /members with the renewed peer.pem: HTTP status"
assert_eq "etcd-1 etcd-2 etcd-3" "$(jq -r 'map(.name) | sort | join(" ")' members.json)" \
    "peer /members with the renewed peer.pem"
for i in 1 2 3; do
	# kiln-certinfo -domain drops its handshakes ("connection reset by
	# peer", or "EOF"); no other connection may have been rejected.
	assert_eq "" "$(grep 'rejected connection' "$T/etcd-$i.log" | grep -v 'connection reset by peer' |
	    grep -v '"error":"EOF"' || :)" "etcd-$i: rejected connections"
	kill -0 "$(echo "$PIDS" | awk -v i="$i" '{ print $i }')" 2>/dev/null || fail "etcd-$i died"
	ok
done
say "4/4 etcdctl with the renewed root.pem: 3 started members, 1 leader, put/get; peers accept the renewed peer.pem"

# Stop the leader last.
n=$(etcd_leader "$EPS")
case $n in
[1-3]) LAST=$(echo "$PIDS" | awk -v i="$n" '{ print $i }') ;;
esac
stop_members
say "PASS in $(($(date +%s) - START)) s"
finish
