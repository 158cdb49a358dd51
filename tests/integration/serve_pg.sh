#!/bin/sh
# serve_pg.sh BUILD_DIR DATA_DIR
#
# Two kiln serve replicas (127.0.21.1 and 127.0.21.2, free ports) on one
# PostgreSQL 15 (lib/pg.sh, as nobody on 127.0.18.2):
#  1. a concurrent load of KILN_SERVE_PG_N (2000) signs of one CSR, each
#     with its own host, dealt to both replicas 8 at a time
#     (serve_load.py): every answer a certificate, every serial distinct,
#     one row per certificate, each row's pem the certificate received
#     byte for byte (serve_check.py);
#  2. a revoke through replica A is in replica B's GET crl at once;
#  3. a second load, replica A killed (SIGKILL) once it has answered a
#     quarter of its share: every certificate a client received, from
#     either replica, has its row; every request to B succeeds, also
#     those sent after the kill; B's SIGTERM exits 0;
#  4. both replicas again with an auth key: an authsign token accepted by
#     A is refused by B (400, cfssl's envelope, "token already used"),
#     its claim a row of kiln_tokens, and refused by A started again.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib/pg.sh
. "$(dirname "$0")/lib/pg.sh"

export LC_ALL=C
for t in openssl psql python3 curl jq runuser; do
	command -v "$t" >/dev/null 2>&1 || fail "$t is not installed (make setup)"
done
HERE=$(cd "$(dirname "$0")" && pwd)
N=${KILN_SERVE_PG_N:-2000}
CA=$DATA/crl/ec-ca.pem
CAKEY=$DATA/crl/ec-ca-key.pem
AKI=$(openssl x509 -in "$CA" -noout -ext subjectKeyIdentifier |
    sed -n '2s/[ :]//gp' | tr 'A-F' 'a-f')
APID=
BPID=
FAIL_LOGS="$T/a.err $T/b.err"

stop_all() {
	[ -z "$APID" ] || stop_pid "$APID" || :
	[ -z "$BPID" ] || stop_pid "$BPID" || :
	APID=
	BPID=
	pg_stop
}

PG_ADDR=127.0.18.2
pg_start
ON_EXIT=stop_all
printf '{"driver":"postgres","data_source":"%s"}\n' "$PG_DSN" >db.json
cat >config.json <<'JSON'
{"signing":{"default":{"expiry":"168h","usages":["signing","key encipherment","server auth"]}}}
JSON
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout leaf-key.pem -out leaf.csr -subj /CN=load.example 2>/dev/null

# replica a|b ADDR [CONFIG]: kiln serve on ADDR, a free port, with
# CONFIG (config.json); its PID in APID or BPID, its URL in a.url or
# b.url.
replica() {
	# Emptied first: a restart must not find the last run's line.
	: >"$T/$1.err"
	"$KILN" serve -address "$2" -port 0 -ca "$CA" -ca-key "$CAKEY" \
	    -config "${3:-config.json}" -db-config db.json -threads 2 \
	    -audit "$T/$1.audit" 2>"$T/$1.err" &
	_pid=$!
	case $1 in a) APID=$_pid ;; b) BPID=$_pid ;; esac
	wait_for 20 "$_pid" grep -q 'listening on' "$T/$1.err" ||
	    fail "replica $1 did not start: $(cat "$T/$1.err")"
	sed -n 's/.*listening on \(http:\/\/[0-9.]*:[0-9]*\)$/\1/p' \
	    "$T/$1.err" >"$1.url"
}
replica a 127.0.21.1
replica b 127.0.21.2
A=$(cat a.url) B=$(cat b.url)
# libpq, loaded for the PostgreSQL database (certdb/pqlib.c).
grep -q 'libpq\.so\.5' "/proc/$APID/maps" || fail "replica a has not loaded libpq"
ok
case $A in http://127.0.21.1:[0-9]*) ;; *) fail "replica a: url [$A]" ;; esac
case $B in http://127.0.21.2:[0-9]*) ;; *) fail "replica b: url [$B]" ;; esac

# rows: every row, "serial|base64 of its pem", in rows.txt.
rows() {
	psql_q "SELECT encode(serial_number, 'escape') || '|' ||
	    translate(encode(pem, 'base64'), E'\n', '') FROM certificates" \
	    >rows.txt
}

say "$N signs across both replicas"
t0=$(date +%s)
python3 "$HERE/serve_load.py" load1.jsonl leaf.csr "$N" 8 150 "$A" "$B"
say "$N signs in $(($(date +%s) - t0)) s"
assert_eq "$N|$N" "$(jq -r -s '[length, (map(select(.status == 200)) |
    length)] | map(tostring) | join("|")' load1.jsonl)" \
    "answers, all of them certificates"
rows
assert_eq "received=$N unique=$N missing=0 differ=0 rows=$N" \
    "$(python3 "$HERE/serve_check.py" load1.jsonl rows.txt)" \
    "one row per certificate, each its certificate"
assert_eq "$N|$N" "$(psql_q "SELECT count(*) || '|' ||
    count(DISTINCT serial_number) FROM certificates")" \
    "rows and distinct serials"
half=$((N / 2))
assert_eq "$half|$((N - half))" "$(jq -r -s --arg a "$A" --arg b "$B" \
    '[(map(select(.url == $a)) | length), (map(select(.url == $b)) | length)]
    | map(tostring) | join("|")' load1.jsonl)" "the load split across both"

say "revoke through A, B's crl at once"
S=$(psql_q "SELECT encode(serial_number, 'escape') FROM certificates
    ORDER BY issued_at LIMIT 1")
curl -s -o rev.body -w '%{http_code}' --max-time 20 \
    -d "{\"serial\":\"$S\",\"authority_key_id\":\"$AKI\",\"reason\":\"keyCompromise\"}" \
    "$A/api/v1/cfssl/revoke" >rev.code
assert_eq '200|{"success":true,"result":{},"errors":[],"messages":[]}' \
    "$(cat rev.code)|$(cat rev.body)" "revoke through A"
assert_eq 200 "$(curl -s -o crl.body -w '%{http_code}' --max-time 20 \
    "$B/api/v1/cfssl/crl")" "B's crl"
jq -r .result crl.body | base64 -d >crl.der
openssl crl -inform DER -in crl.der -noout -verify -CAfile "$CA" 2>crl.verify ||
    fail "B's crl: $(cat crl.verify)"
hexs=$(python3 -c "print('%X' % $S)")
[ $((${#hexs} % 2)) -eq 0 ] || hexs=0$hexs
assert_eq "$hexs" "$(openssl crl -inform DER -in crl.der -noout -text |
    sed -n 's/^ *Serial Number: *//p')" "the revoked serial, alone, in B's crl"
assert_eq "revoked|1" "$(psql_q "SELECT encode(status, 'escape') || '|' ||
    reason FROM certificates WHERE serial_number = '$S'")" "the row revoked"

say "A killed mid-load"
M=$(((N + 1) / 2))
python3 "$HERE/serve_load.py" load2.jsonl leaf.csr "$M" 8 150 "$A" "$B" \
    -kill "$APID" $((M / 8))
wait "$APID" 2>/dev/null && fail "replica a was not killed" || ast=$?
APID=
assert_eq 137 "$ast" "A's end (SIGKILL)"
kt=$(sed -n 's/^kill //p' load2.jsonl)
[ -n "$kt" ] || fail "the load did not kill A"
rows
chk=$(python3 "$HERE/serve_check.py" load2.jsonl rows.txt)
got=$(jq -r -R 'fromjson? | select(.status == 200) | .i' load2.jsonl | wc -l)
case $chk in
"received=$got unique=$got missing=0 differ=0 rows="*) ;;
*) fail "after the kill: want every certificate received recorded, got [$chk]" ;;
esac
bfail=$(jq -r -R --arg b "$B" 'fromjson? | select(.url == $b and
    .status != 200) | .i' load2.jsonl | wc -l)
bafter=$(jq -r -R --arg b "$B" --argjson k "$kt" 'fromjson? |
    select(.url == $b and .status == 200 and .start > $k) | .i' load2.jsonl |
    wc -l)
afail=$(jq -r -R --arg a "$A" 'fromjson? | select(.url == $a and
    .status != 200) | .i' load2.jsonl | wc -l)
assert_eq 0 "$bfail" "requests to B that failed"
[ "$bafter" -gt 0 ] || fail "no request to B after the kill"
[ "$afail" -gt 0 ] || fail "no request to A failed after the kill"
say "after the kill: $chk, B answered $bafter after it, A refused $afail"
assert_eq 200 "$(curl -s -o one.body -w '%{http_code}' --max-time 20 \
    -d "$(jq -n --rawfile c leaf.csr '{certificate_request:$c}')" \
    "$B/api/v1/cfssl/sign")" "B signs after the load"
kill -TERM "$BPID"
bst=0
wait "$BPID" || bst=$?
BPID=
assert_eq 0 "$bst" "B's SIGTERM: $(tail -n 3 "$T/b.err")"

# term a|b: SIGTERM to the replica, which must exit 0.
term() {
	if [ "$1" = a ]; then _pid=$APID; APID=; else _pid=$BPID; BPID=; fi
	kill -TERM "$_pid"
	_st=0
	wait "$_pid" || _st=$?
	assert_eq 0 "$_st" "$1's SIGTERM: $(tail -n 3 "$T/$1.err")"
}

say "a token used at A is refused by B, and by A started again"
HEX=00112233445566778899aabbccddeeff
cat >auth.json <<JSON
{"signing":{"default":{"expiry":"168h","usages":["signing"]},
 "profiles":{"authp":{"expiry":"720h","usages":["signing","server auth"],"auth_key":"k1"}}},
 "auth_keys":{"k1":{"type":"standard","key":"$HEX"}}}
JSON
replica a 127.0.21.1 auth.json
replica b 127.0.21.2 auth.json
A=$(cat a.url) B=$(cat b.url)
jq -c -n --rawfile c leaf.csr '{hosts:["tok.example"],certificate_request:$c,profile:"authp"}' |
    tr -d '\n' >inner
tok=$(openssl dgst -sha256 -mac HMAC -macopt "hexkey:$HEX" -binary inner | base64 -w0)
jq -n --arg t "$tok" --arg r "$(base64 -w0 inner)" \
    '{timestamp:1,token:$t,request:$r}' >auth.req
# authsign R URL: POST auth.req; "status body" in R.code, R.body.
authsign() {
	curl -s -o "$1.body" -w '%{http_code}' --max-time 20 -d @auth.req \
	    "$2/api/v1/cfssl/authsign" >"$1.code"
}
REFUSED='400|{"success":false,"result":null,"errors":[{"code":400,"message":"token already used"}],"messages":[]}'
t0=$(date +%s)
authsign first "$A"
assert_eq 200 "$(cat first.code)" "authsign at A: $(cat first.body)"
jq -r .result.certificate first.body >tok.pem
assert_eq good "$(psql_q "SELECT encode(status, 'escape') FROM certificates
    WHERE serial_number = '$(python3 -c "print(int('$(openssl x509 -in tok.pem \
    -noout -serial | sed 's/serial=//')', 16))")'")" "its certificate's row"
authsign atb "$B"
assert_eq "$REFUSED" "$(cat atb.code)|$(cat atb.body)" "the same token at B"
h=$(printf '%s' "$tok" | base64 -d | sha256sum | cut -d' ' -f1)
row=$(psql_q "SELECT key_name || '|' || encode(token, 'hex') || '|' ||
    (expiry - $t0) FROM kiln_tokens WHERE token = decode('$h', 'hex')")
case $row in
"k1|$h|"30[0-9]) ;;
*) fail "the token's row: want [k1|$h|300 to 309], got [$row]" ;;
esac
ok
term a
replica a 127.0.21.1 auth.json
A=$(cat a.url)
authsign again "$A"
assert_eq "$REFUSED" "$(cat again.code)|$(cat again.body)" \
    "the same token at A started again"
term a
term b
finish
