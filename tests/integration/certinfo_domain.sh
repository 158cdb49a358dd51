#!/bin/sh
# certinfo_domain.sh BUILD_DIR DATA_DIR
#
# kiln-certinfo -domain against a real TLS server: one etcd 3.4 on
# 127.0.0.1 serving a kiln-made ECDSA certificate and demanding a client
# certificate (--client-cert-auth), which kiln does not send.  The chain
# must still come back, and be exactly the member's certificate.
# Only loopback is ever used.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v etcd >/dev/null 2>&1 || fail "etcd is not installed (make setup installs it)"
command -v jq >/dev/null 2>&1 || fail "jq is not installed"
for b in kiln kiln-certinfo cfssl-certinfo cfssljson; do
	[ -x "$BIN/$b" ] || fail "no $b in $BIN"
done


# The caller's ETCD_* variables would act as flags: etcd_env.
etcd_env

# Our etcd (ETCD_PID), stopped on every exit (stop_etcd).
ON_EXIT=stop_etcd
FAIL_LOGS=$T/etcd.log


# A CA and a member certificate, ECDSA P-256, server and client auth.
cat >ca-csr.json <<'EOF'
{ "CN": "kiln domain test CA", "key": { "algo": "ecdsa", "size": 256 } }
EOF
cat >member-csr.json <<'EOF'
{
    "CN": "etcd-domain-test",
    "hosts": [ "127.0.0.1", "localhost" ],
    "key": { "algo": "ecdsa", "size": 256 }
}
EOF
cat >ca-config.json <<'EOF'
{
    "signing": {
        "default": { "expiry": "24h" },
        "profiles": {
            "member": {
                "expiry": "24h",
                "usages": [ "signing", "key encipherment", "server auth", "client auth" ]
            }
        }
    }
}
EOF
"$KILN" gencert -initca ca-csr.json | "$BIN/cfssljson" -bare ca
"$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json \
    -profile member member-csr.json | "$BIN/cfssljson" -bare member
for f in ca.pem member.pem member-key.pem; do
	grep -q -e '-----BEGIN' "$f" || fail "gencert wrote no PEM in $f"
done

# One member: https clients on CPORT (client certificates required),
# plain http peers on CPORT + 1.  Another port block if one is taken.
start_etcd() {
	CPORT=$1
	PPORT=$(($1 + 1))
	rm -rf "$T/etcd.data"
	etcd --name kiln-domain --data-dir "$T/etcd.data" --logger zap --log-outputs stderr \
	    --listen-client-urls "https://127.0.0.1:$CPORT" \
	    --advertise-client-urls "https://127.0.0.1:$CPORT" \
	    --listen-peer-urls "http://127.0.0.1:$PPORT" \
	    --initial-advertise-peer-urls "http://127.0.0.1:$PPORT" \
	    --initial-cluster "kiln-domain=http://127.0.0.1:$PPORT" \
	    --initial-cluster-state new --initial-cluster-token "kiln-domain-$$" \
	    --cert-file "$T/member.pem" --key-file "$T/member-key.pem" \
	    --client-cert-auth --trusted-ca-file "$T/ca.pem" \
	    >"$T/etcd.log" 2>&1 &
	ETCD_PID=$!
}

# Wait up to 15 s for etcd to listen on CPORT: 0 listening, 1 timeout, 2 dead.
wait_listening() {
	wait_for 15 "$ETCD_PID" port_busy "$CPORT"
}

up=0
for base in $((21000 + $$ % 1000 * 4)) $((31000 + $$ % 1000 * 4)) $((41000 + $$ % 1000 * 4)); do
	if port_busy "$base" || port_busy $((base + 1)) || port_busy $((base + 2)); then
		continue
	fi
	start_etcd "$base"
	if wait_listening; then up=1; break; else st=$?; fi
	stop_etcd
	[ "$st" -eq 2 ] && grep -q 'address already in use' "$T/etcd.log" && continue
	fail "etcd did not start listening on 127.0.0.1:$CPORT"
done
[ $up -eq 1 ] || fail "no free port block on 127.0.0.1"
CLOSED=$((CPORT + 2)) # nothing listens there (checked above)

# The member's certificate as kiln-certinfo reads it from its file.
want=$("$BIN/kiln-certinfo" -cert member.pem) || fail "kiln-certinfo -cert member.pem"
serial=$(printf '%s\n' "$want" | jq -r .serial_number)
case $serial in "" | null) fail "no serial_number in -cert output" ;; esac

got=$("$BIN/kiln-certinfo" -domain "127.0.0.1:$CPORT") ||
    fail "kiln-certinfo -domain 127.0.0.1:$CPORT"
assert_eq object "$(printf '%s\n' "$got" | jq -r type)" "one certificate is one object"
assert_eq etcd-domain-test "$(printf '%s\n' "$got" | jq -r .subject.common_name)" "CN"
for field in .serial_number .subject_key_id .authority_key_id .not_before .not_after \
    .pem .fingerprint_sha256; do
	assert_eq "$(printf '%s\n' "$want" | jq -r "$field")" \
	    "$(printf '%s\n' "$got" | jq -r "$field")" "$field"
done
assert_eq "$(cat member.pem)" "$(printf '%s\n' "$got" | jq -r .pem)" "pem is member.pem"
assert_eq "127.0.0.1 localhost" \
    "$(printf '%s\n' "$got" | jq -r '.sans | sort | join(" ")')" "sans"
norm() { jq -S -c 'del(.days_remaining)'; }
assert_eq "$(printf '%s\n' "$want" | norm)" "$(printf '%s\n' "$got" | norm)" \
    "-domain prints what -cert prints"

# cfssl-certinfo prints the same certificate, with cfssl's fields: what
# it prints for the member's file.
cfwant=$("$BIN/cfssl-certinfo" -cert member.pem) || fail "cfssl-certinfo -cert member.pem"
cf=$("$BIN/cfssl-certinfo" -domain "127.0.0.1:$CPORT") ||
    fail "cfssl-certinfo -domain 127.0.0.1:$CPORT"
assert_eq object "$(printf '%s\n' "$cf" | jq -r type)" "cfssl-certinfo: one object"
assert_eq "$(printf '%s\n' "$cfwant" | norm)" "$(printf '%s\n' "$cf" | norm)" \
    "cfssl-certinfo -domain prints what cfssl-certinfo -cert prints"
for field in .serial_number .subject_key_id .not_after .pem .subject.common_name; do
	assert_eq "$(printf '%s\n' "$got" | jq -r "$field")" \
	    "$(printf '%s\n' "$cf" | jq -r "$field")" "cfssl-certinfo $field"
done

# By name: SNI is sent, and localhost may be ::1 first (nothing there).
byname=$("$BIN/kiln-certinfo" -domain "localhost:$CPORT") ||
    fail "kiln-certinfo -domain localhost:$CPORT"
assert_eq "$serial" "$(printf '%s\n' "$byname" | jq -r .serial_number)" "by name"

# Nothing listening: exit 1, one line on stderr, nothing on stdout.
rc=0
"$BIN/kiln-certinfo" -domain "127.0.0.1:$CLOSED" >closed.out 2>closed.err || rc=$?
assert_eq 1 "$rc" "closed port: exit status"
assert_eq 0 "$(wc -c <closed.out | tr -d ' ')" "closed port: stdout"
assert_eq 1 "$(wc -l <closed.err | tr -d ' ')" "closed port: one line on stderr"
err=$(cat closed.err)
assert_contains "$err" "kiln-certinfo: " "closed port: program name"
assert_contains "$err" "127.0.0.1:$CLOSED: connect: Connection refused" "closed port: reason"

# The peer port speaks plain http: a clean failure, not a hang or a crash.
rc=0
"$BIN/kiln-certinfo" -domain "127.0.0.1:$PPORT" >plain.out 2>plain.err || rc=$?
assert_eq 1 "$rc" "plain http port: exit status"
assert_eq 0 "$(wc -c <plain.out | tr -d ' ')" "plain http port: stdout"
assert_eq 1 "$(wc -l <plain.err | tr -d ' ')" "plain http port: one line on stderr"
assert_contains "$(cat plain.err)" "127.0.0.1:$PPORT: the server's reply is not TLS" \
    "plain http port: reason"

# etcd is still serving after all that.
kill -0 "$ETCD_PID" 2>/dev/null || fail "etcd died"
ok
stop_etcd
finish
