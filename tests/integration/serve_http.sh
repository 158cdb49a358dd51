#!/bin/sh
# kiln serve's HTTP layer (src/serve/http*.c) through build/serve_stub,
# its fake API, on 127.0.19.1 (and ::1) and a port the stub picks free:
# the limits answer with cfssl's envelope (or MHD's own 431), an idle or
# slow client holds nobody up, 200 requests at once, SIGTERM drains,
# client certificates are verified (CA, purpose, CN), /metrics and the
# audit line count every request, and no body byte reaches the audit.
. "$(dirname "$0")/lib.sh"

STUB=$BIN/serve_stub
ADDR=127.0.19.1
RUN_TIMEOUT=60
SPID=
FAIL_LOGS="$T/stub.err $T/tls.err"

stop_stub() {
	[ -n "$SPID" ] || return 0
	stop_pid "$SPID" || :
	SPID=
}
ON_EXIT=stop_stub

# start_stub OUT ARGS...: the stub in the background (SPID), its port
# in PORT once it prints it (up to 10 s); stdout in OUT.out, stderr in
# OUT.err.
start_stub() {
	_out=$1
	shift
	"$STUB" "$@" >"$T/$_out.out" 2>"$T/$_out.err" &
	SPID=$!
	wait_for 10 "$SPID" grep -q '^port ' "$T/$_out.out" ||
	    fail "stub did not start: $(cat "$T/$_out.err")"
	PORT=$(sed -n 's/^port //p' "$T/$_out.out")
}

# stop_stub_term: TERM to the stub, its exit status in $src.
stop_stub_term() {
	kill -TERM "$SPID"
	src=0
	wait "$SPID" || src=$?
	SPID=
}

# code URL CURLARGS...: the HTTP status (000: no response), the body in
# ./body, the headers in ./hdr.
code() {
	_u=$1
	shift
	rm -f hdr
	curl -s -o body -D hdr -w '%{http_code}' --max-time 20 "$@" "$_u" || :
}

# header NAME: its value in ./hdr (the last one, without the CR).
header() {
	tr -d '\r' <hdr | sed -n "s/^$1: *//Ip" | tail -n 1
}

# error_headers WHAT: the headers of an error the layer sends itself are
# those of Go's http.Error, with which cfssl's server sends every error.
error_headers() {
	assert_eq 'text/plain; charset=utf-8|nosniff' \
	    "$(header Content-Type)|$(header X-Content-Type-Options)" \
	    "$1: Content-Type and X-Content-Type-Options"
}

# The envelope in ./body: "code message".
envelope() {
	jq -r '[.success, .result, (.errors[0].code|tostring),
	    .errors[0].message, (.messages|length)] | map(tostring) |
	    join("|")' body
}

cat >h.py <<'EOF'
import socket, sys, threading, time, http.client, concurrent.futures
cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])

def get(path, body=None):
    t0 = time.monotonic()
    c = http.client.HTTPConnection(host, port, timeout=20)
    c.request("POST" if body else "GET", path, body=body)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data, time.monotonic() - t0

if cmd == "idle":
    # A partial request line, then silence: closed after the idle limit.
    s = socket.create_connection((host, port))
    s.sendall(b"GET /echo HTTP/1.1\r\nHost: x")
    t0 = time.monotonic()
    s.settimeout(30)
    got = s.recv(100)
    print("%.1f %d" % (time.monotonic() - t0, len(got)))
elif cmd == "slow":
    # A slowloris client (one header byte a second) and 5 half-open
    # connections, while 20 ordinary requests must all be quick.
    stop = threading.Event()
    def loris():
        s = socket.create_connection((host, port))
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        while not stop.is_set():
            s.sendall(b"a")
            time.sleep(1)
        s.close()
    half = [socket.create_connection((host, port)) for _ in range(5)]
    th = threading.Thread(target=loris)
    th.start()
    time.sleep(2.5)
    worst, ok = 0.0, 0
    for i in range(20):
        st, data, dt = get("/echo", b"x" * i)
        ok += st == 200 and data.startswith(b'{"success":true')
        worst = max(worst, dt)
    stop.set()
    th.join()
    for s in half:
        s.close()
    print(ok, "slow" if worst > 1.0 else "quick")
elif cmd == "many":
    n = int(sys.argv[4])
    barrier = threading.Barrier(n)
    def one(i):
        barrier.wait(30)
        return get("/echo", b"y" * (i + 1))
    with concurrent.futures.ThreadPoolExecutor(n) as ex:
        res = list(ex.map(one, range(n)))
    good = sum(1 for i, (st, d, _) in enumerate(res)
               if st == 200 and b'"length":%d}' % (i + 1) in d)
    print(good)
EOF

# --- the plain server -------------------------------------------------------
start_stub stub -address $ADDR -threads 2 -body-max 1000 -idle-max 2 \
    -drain-max 10 -audit "$T/audit.log"
echo0=0 # /echo answered 200, counted as the test goes
# It listens on exactly that address.
assert_eq "$ADDR:$PORT" "$(ss -ltnH "sport = :$PORT" | awk '{print $4}')" \
    "listening socket"

assert_eq 200 "$(code "http://$ADDR:$PORT/echo" --data-binary hello)" \
    "small body"
assert_eq '{"success":true,"result":{"length":5},"errors":[],"messages":[]}' \
    "$(cat body)" "echo body"
assert_eq 'application/json|nosniff' \
    "$(header Content-Type)|$(header X-Content-Type-Options)" "echo headers"
echo0=$((echo0 + 1))

# A body over the limit, said by Content-Length: 413 at once.
head -c 1001 /dev/zero | tr '\0' B >big
assert_eq 413 "$(code "http://$ADDR:$PORT/echo" --data-binary @big)" \
    "Content-Length over the limit"
assert_eq "false|null|413|request body too large|0" "$(envelope)" \
    "413 envelope (Content-Length)"
error_headers "413 (Content-Length)"
# ... and chunked, counted as it comes.
assert_eq 413 "$(code "http://$ADDR:$PORT/echo" -H 'Transfer-Encoding: chunked' \
    --data-binary @big)" "chunked body over the limit"
assert_eq "false|null|413|request body too large|0" "$(envelope)" \
    "413 envelope (chunked)"
error_headers "413 (chunked)"
# Exactly the limit is fine, chunked too.
head -c 1000 big >fits
assert_eq 200 "$(code "http://$ADDR:$PORT/echo" -H 'Transfer-Encoding: chunked' \
    --data-binary @fits)" "chunked body at the limit"
assert_contains "$(cat body)" '"length":1000' "chunked length"
echo0=$((echo0 + 1))

# A 40 KiB header: libmicrohttpd's own 431 (not audited: no handler).
hdr=$(head -c 40960 /dev/zero | tr '\0' h)
assert_eq 431 "$(code "http://$ADDR:$PORT/echo" -H "X-Big: $hdr")" "40 KiB header"

# Unknown paths go to the API (the stub's 404); a 404 is audited too.
assert_eq 404 "$(code "http://$ADDR:$PORT/nothing")" "unknown path"
n404=1

# The idle limit (2 s) closes a connection that stopped mid-request.
run idle python3 h.py idle $ADDR "$PORT"
idle=$(cat idle.out)
case $idle in
1.[5-9]\ 0 | 2.* | 3.[0-5]\ 0) ok ;;
*) fail "idle connection: want closed after ~2 s with no bytes, got [$idle] $(cat idle.err)" ;;
esac

# A slowloris client and half-open connections hold nobody up.
run slow python3 h.py slow $ADDR "$PORT"
assert_eq "20 quick" "$(cat slow.out)" "20 requests beside a slowloris client"
echo0=$((echo0 + 20))

# 200 requests at once.
run many python3 h.py many $ADDR "$PORT" 200
assert_eq 200 "$(cat many.out)" "200 concurrent requests answered"
echo0=$((echo0 + 200))

# The audit fields from the API, hostile strings included, and a body
# that must never reach the audit log.
# The CN ends with DEL, CSI (U+009B), NEL (U+0085) and RLO (U+202E).
assert_eq 200 "$(code "http://$ADDR:$PORT/echo?profile=www&serial=42&issued=1&cn=a%22b%0A%1B%5B31m%5C%7F%C2%9B%C2%85%E2%80%AE&sans=%5B%22x.example%22%2C%22q%0Az%22%5D" \
    --data-binary 'BODY-MARKER-do-not-log')" "echo with audit fields"
echo0=$((echo0 + 1))

# /metrics: every request so far, by endpoint and code.
assert_eq 200 "$(code "http://$ADDR:$PORT/metrics")" "GET /metrics"
assert_eq 'text/plain; version=0.0.4; charset=utf-8' "$(header Content-Type)" \
    "/metrics: Prometheus' content type"
metric() { awk -v k="$1" '$1 == k { print $2 }' body; }
assert_eq "$echo0" "$(metric 'kiln_serve_requests_total{endpoint="echo",code="200"}')" \
    "metrics: echo 200"
assert_eq 2 "$(metric 'kiln_serve_requests_total{endpoint="",code="413"}')" \
    "metrics: 413"
assert_eq "$n404" "$(metric 'kiln_serve_requests_total{endpoint="",code="404"}')" \
    "metrics: 404"
total=$((echo0 + 2 + n404))
assert_eq "$total" "$(metric kiln_serve_request_duration_seconds_count)" \
    "metrics: histogram count"
assert_eq "$total" "$(metric 'kiln_serve_request_duration_seconds_bucket{le="+Inf"}')" \
    "metrics: +Inf bucket"
assert_eq 1 "$(metric kiln_serve_issued_total)" "metrics: issued"
assert_eq 1 "$(metric kiln_serve_in_flight)" "metrics: in flight (this one)"
assert_eq 4 "$(grep -c '^# TYPE kiln_serve_' body)" "metrics: four families"
assert_eq 405 "$(code "http://$ADDR:$PORT/metrics" -d x)" "POST /metrics"
assert_eq "false|null|405|only GET is permitted|0" "$(envelope)" "405 envelope"
error_headers "405"

# SIGTERM during a slow request: it gets its 200, the stub exits 0.
curl -s -o slow.body -w '%{http_code}' --max-time 20 \
    "http://$ADDR:$PORT/sleep?ms=2500" >slow.code &
cpid=$!
nap 0.7
stop_stub_term
wait "$cpid" || :
assert_eq 200 "$(cat slow.code)" "request in flight at SIGTERM"
assert_contains "$(cat slow.body)" '"slept":2500' "its body"
assert_eq 0 "$src" "stub exit status after the drain"
assert_contains "$(cat "$T/stub.err")" \
    "serve_stub: signal 15: 0 cut off, threads made 2 freed 2" \
    "drain report (each thread's state released)"
assert_contains "$(cat "$T/stub.err")" "serve_stub: log: draining 1 request" \
    "drain logged"

# The audit log: one line per request answered by the handler, the
# exact fields, no body byte.
lines=$(wc -l <"$T/audit.log")
assert_eq $((total + 3)) "$lines" "audit lines (+ /metrics, its 405, /sleep)"
assert_eq "$lines" "$(jq -c . "$T/audit.log" | wc -l)" "every audit line is JSON"
assert_eq 'time,peer,tls_cn,identity,method,path,endpoint,status,profile,serial,cn,sans,result,duration_ms' \
    "$(jq -r '[keys_unsorted[]] | join(",")' "$T/audit.log" | sort -u)" \
    "audit keys, in order, on every line"
assert_eq "" "$(grep -e BODY-MARKER -e BBBBBBBB -e yyyyyyyy "$T/audit.log" || :)" \
    "no body bytes in the audit log"
jq -c 'select(.serial == "42")' "$T/audit.log" >a42
assert_eq 'POST|/echo|echo|200|www|ok|null' \
    "$(jq -r '[.method, .path, .endpoint, .status, .profile, .result, .tls_cn] | map(tostring) | join("|")' a42)" \
    "audit: request fields"
assert_eq "$(printf 'a"b\n\033[31m\\\177\302\233\302\205\342\200\256')" \
    "$(jq -r .cn a42)" "audit: a hostile CN read back exactly"
# ... and written with every control escaped, DEL, C1 and bidi too.
assert_contains "$(grep -F '"serial":"42"' "$T/audit.log")" \
    '"cn":"a\"b\n\u001b[31m\\\u007f\u009b\u0085\u202e",' \
    "audit: the hostile CN's escaped text"
assert_eq "" "$(LC_ALL=C grep -n -e "$(printf '\177')" \
    -e "$(printf '\302[\200-\237]')" "$T/audit.log" || :)" \
    "audit: no DEL or C1 byte in the log"
assert_eq '["x.example","q\nz"]' "$(jq -c .sans a42)" "audit: SANs"
assert_contains "$(jq -r .peer a42)" "127.0.0.1:" "audit: peer"
jq -r .time a42 | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$' ||
    fail "audit time: $(jq -r .time a42)"
ok
assert_eq '413|request body too large' \
    "$(jq -r 'select(.status == 413) | "\(.status)|\(.result)"' "$T/audit.log" | sort -u)" \
    "audit: 413 lines"
assert_eq 'sleep|200|ok' \
    "$(jq -r 'select(.path == "/sleep") | "\(.endpoint)|\(.status)|\(.result)"' "$T/audit.log")" \
    "audit: the drained request"
jq -e '.duration_ms >= 2500' "$T/audit.log" >/dev/null || fail "audit duration"
ok

# --- a drain deadline cuts what is left -------------------------------------
start_stub cut -address $ADDR -threads 2 -drain-max 1
curl -s -o /dev/null -w '%{http_code}' --max-time 20 \
    "http://$ADDR:$PORT/sleep?ms=4000" >cut.code &
cpid=$!
nap 0.5
stop_stub_term
wait "$cpid" || :
assert_eq 1 "$src" "stub exit status with a request cut off"
assert_eq 000 "$(cat cut.code)" "the cut request gets no response"
assert_contains "$(cat "$T/cut.err")" "serve_stub: signal 15: 1 cut off" \
    "cut-off count"

# --- thread_init failing: 500 envelope, the reason logged -------------------
start_stub init -address $ADDR -threads 1 -fail-init
assert_eq 500 "$(code "http://$ADDR:$PORT/echo" -d x)" "thread_init failed"
assert_eq "false|null|500|internal server error|0" "$(envelope)" "500 envelope"
error_headers "500"
assert_contains "$(cat "$T/init.err")" \
    "serve_stub: log: thread state: stub: thread_init refused" "reason logged"
stop_stub_term
assert_eq 0 "$src" "stub exit status"

# --- bind: IPv6, and what is not an address ---------------------------------
start_stub v6 -address ::1 -threads 1
assert_eq 200 "$(code "http://[::1]:$PORT/echo" -d x)" "IPv6 ::1"
assert_eq "[::1]:$PORT" "$(ss -ltnH "sport = :$PORT" | awk '{print $4}')" \
    "listening socket (IPv6)"
stop_stub_term
run badaddr "$STUB" -address localhost
assert_eq 1 "$rc" "bad address exit"
assert_eq "serve_stub: localhost: not an IPv4 or IPv6 address" \
    "$(cat badaddr.err)" "bad address message"

# --- TLS with client certificates ------------------------------------------
# ca/ca2: CAs; srv: the server (127.0.19.1); client1: clientAuth from ca;
# serveronly: ca, serverAuth only; other1: ca, a CN the pattern refuses;
# stranger: ca2.
# shellcheck source=tests/integration/lib/tlsca.sh
. "$(dirname "$0")/lib/tlsca.sh"
mkca ca
mkca ca2
mkleaf srv ca serverAuth "subjectAltName=IP:$ADDR"
mkleaf client1 ca clientAuth
mkleaf serveronly1 ca serverAuth
mkleaf other1 ca clientAuth
mkleaf stranger1 ca2 clientAuth
start_stub tls -address $ADDR -threads 2 -tls-cert srv.pem -tls-key srv-key.pem \
    -client-ca ca.pem -client-cn 'client[0-9]+$' -audit "$T/tls.log"
U=https://$ADDR:$PORT/echo
assert_eq 200 "$(code "$U" --cacert ca.pem --cert client1.pem \
    --key client1-key.pem -d x)" "trusted client certificate"
assert_eq 200 "$(code "$U" --cacert ca.pem --cert client1.pem \
    --key client1-key.pem --tlsv1.2 --tls-max 1.2 -d x)" "TLS 1.2"
assert_eq 403 "$(code "$U" --cacert ca.pem -d x)" "no client certificate"
assert_eq "false|null|403|client certificate required|0" "$(envelope)" \
    "no certificate: envelope"
error_headers "403 (no certificate)"
assert_eq 403 "$(code "$U" --cacert ca.pem --cert stranger1.pem \
    --key stranger1-key.pem -d x)" "another CA's certificate"
assert_eq "false|null|403|client certificate not trusted|0" "$(envelope)" \
    "another CA: envelope"
assert_eq 403 "$(code "$U" --cacert ca.pem --cert serveronly1.pem \
    --key serveronly1-key.pem -d x)" "a certificate without clientAuth"
assert_eq "false|null|403|client certificate not trusted|0" "$(envelope)" \
    "no clientAuth: envelope"
assert_eq 403 "$(code "$U" --cacert ca.pem --cert other1.pem \
    --key other1-key.pem -d x)" "CN mismatch"
assert_eq "false|null|403|Invalid CN|0" "$(envelope)" "CN mismatch: envelope"
error_headers "403 (Invalid CN)"
# TLS 1.1 and older: no handshake, although this client would (its own
# security level lowered so that the refusal is the server's).
s_client() {
	echo | timeout 10 openssl s_client -connect "$ADDR:$PORT" \
	    -cert client1.pem -key client1-key.pem "$@" 2>&1 || :
}
assert_contains "$(s_client -tls1_2)" "New, TLSv1.2, Cipher is" "TLS 1.2 handshake"
assert_contains "$(s_client -tls1_1 -cipher 'DEFAULT@SECLEVEL=0')" \
    "New, (NONE), Cipher is (NONE)" "TLS 1.1 handshake refused"
stop_stub_term
assert_eq 0 "$src" "TLS stub exit status"
assert_eq 'client1|client1|200
client1|client1|200
null||403
null||403
null||403
null||403' \
    "$(jq -r '"\(.tls_cn)|\(.identity)|\(.status)"' "$T/tls.log")" \
    "TLS audit: the verified CN, only for verified clients"

finish
