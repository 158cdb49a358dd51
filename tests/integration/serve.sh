#!/bin/sh
# kiln serve (cfssl's API) with a SQLite certificate database on
# 127.0.20.1 and a port it picks free, Debian's cfssl 1.2.0 as the
# client (-remote http://..., since its URL parser refuses a bare
# HOST:PORT): gencert, sign and info; authsign through a client config
# with auth_remote; every certificate verified by openssl, equal to
# kiln gencert's of the same request on every field that is not random,
# and in the database once the client has it.  Then the errors with
# curl (a wrong token, a profile not allowed, newcert without a token,
# an oversized body, malformed JSON, a replayed token), each an envelope
# and a status and never a certificate; SIGTERM exits 0.  A token used is
# claimed in the database, and refused again by the server restarted.
. "$(dirname "$0")/lib.sh"

ADDR=127.0.20.1
RUN_TIMEOUT=60
SPID=
FAIL_LOGS="$T/serve.err"
CA=$DATA/crl/ec-ca.pem
CAKEY=$DATA/crl/ec-ca-key.pem
AKI=$(openssl x509 -in "$CA" -noout -ext subjectKeyIdentifier |
    sed -n '2s/[ :]//gp' | tr 'A-F' 'a-f')
HEX=00112233445566778899aabbccddeeff

stop_server() {
	[ -n "$SPID" ] || return 0
	stop_pid "$SPID" || :
	SPID=
}
ON_EXIT=stop_server

# start_server ARGS...: kiln serve in the background (SPID), its port in
# PORT once it says it listens (up to 10 s).
start_server() {
	# Emptied first: a restart must not find the last run's line.
	: >"$T/serve.err"
	"$KILN" serve -address "$ADDR" -port 0 -ca "$CA" -ca-key "$CAKEY" \
	    -audit "$T/audit.log" "$@" 2>"$T/serve.err" &
	SPID=$!
	wait_for 10 "$SPID" grep -q 'listening on' "$T/serve.err" ||
	    fail "kiln serve did not start: $(cat "$T/serve.err")"
	PORT=$(sed -n 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\)$/\1/p' \
	    "$T/serve.err")
	URL=http://$ADDR:$PORT
}

# stop_server_term: TERM, and its exit status in $src.
stop_server_term() {
	kill -TERM "$SPID"
	src=0
	wait "$SPID" || src=$?
	SPID=
}

# code EP CURLARGS...: POST (or as CURLARGS say) to /api/v1/cfssl/EP;
# the HTTP status, the body in ./body.
code() {
	_ep=$1
	shift
	curl -s -o body -w '%{http_code}' --max-time 20 "$@" \
	    "$URL/api/v1/cfssl/$_ep" || :
}

# The envelope in ./body: "success|result|code|message".
envelope() {
	jq -r '[.success, .result, (.errors[0].code|tostring),
	    .errors[0].message] | map(tostring) | join("|")' body
}

# serial_of CERT: its serial in decimal.
serial_of() {
	python3 -c "print(int('$(openssl x509 -in "$1" -noout -serial |
	    sed 's/serial=//')', 16))"
}

# in_db CERT: its row's status ("good"), by serial and key id.
in_db() {
	sqlite3 "$T/certs.db" "select status from certificates where
	    serial_number = '$(serial_of "$1")' and
	    authority_key_identifier = '$AKI'"
}

# fields CERT: what does not depend on randomness or time.
fields() {
	openssl x509 -in "$1" -noout -subject -issuer -ext \
	    subjectAltName,keyUsage,extendedKeyUsage,basicConstraints,authorityKeyIdentifier
	echo "validity $(($(not_after "$1") - $(not_before "$1")))"
}

cat >open.json <<'JSON'
{"signing":{"default":{"expiry":"168h","usages":["signing","key encipherment","server auth"]},
 "profiles":{"www":{"expiry":"720h","usages":["signing","key encipherment","server auth","client auth"]}}}}
JSON
cat >auth.json <<JSON
{"signing":{"default":{"expiry":"168h","usages":["signing"]},
 "profiles":{"authp":{"expiry":"720h","usages":["signing","server auth"],"auth_key":"k1"}}},
 "auth_keys":{"k1":{"type":"standard","key":"env:KILN_TEST_K1"}}}
JSON
cat >csr.json <<'JSON'
{"CN":"svc.example","hosts":["svc.example","10.1.2.3"],"key":{"algo":"ecdsa","size":256},
 "names":[{"C":"CN","O":"kiln","OU":"test"}]}
JSON
printf '{"driver":"sqlite3","data_source":"%s/certs.db"}\n' "$T" >db.json

# The local reference: kiln gencert of the same request.
"$KILN" gencert -ca "$CA" -ca-key "$CAKEY" -config open.json -profile www \
    csr.json | "$BIN/cfssljson" -bare local
fields local.pem >local.fields

say "open server: cfssl gencert, sign and info as clients"
start_server -config open.json -db-config db.json -max-body 65536
# On SQLite libpq is never loaded (certdb/pqlib.c opens it for PostgreSQL).
assert_eq 0 "$(grep -c 'libpq\.so' "/proc/$SPID/maps" || :)" \
    "libpq mapped by a server on SQLite"
run gencert sh -c "cfssl gencert -remote $URL -profile www csr.json |
    cfssljson -bare x"
assert_eq 0 "$rc" "cfssl gencert -remote: $(cat gencert.err)"
assert_eq good "$(in_db x.pem)" "gencert's certificate in the database"
openssl verify -CAfile "$CA" x.pem >/dev/null || fail "x.pem does not verify"
ok
fields x.pem >x.fields
assert_eq "$(cat local.fields)" "$(cat x.fields)" "gencert -remote = kiln gencert"
run sign cfssl sign -remote "$URL" -profile www x.csr
assert_eq 0 "$rc" "cfssl sign -remote: $(cat sign.err)"
jq -r .cert sign.out >s.pem
assert_eq good "$(in_db s.pem)" "sign's certificate in the database"
fields s.pem >s.fields
assert_eq "$(cat local.fields)" "$(cat s.fields)" "sign -remote = kiln gencert"
run info cfssl info -remote "$URL" -profile www
assert_eq 0 "$rc" "cfssl info -remote: $(cat info.err)"
assert_eq '["signing","key encipherment","server auth","client auth"]|720h' \
    "$(jq -c -j '.usages, "|", .expiry' info.out)" "info's usages and expiry"
assert_eq "$(openssl x509 -in "$CA" -outform DER | sha256sum)" \
    "$(jq -r .certificate info.out | openssl x509 -outform DER | sha256sum)" \
    "info's certificate is the CA"

say "open server: errors"
assert_eq 400 "$(code sign -d '{"certificate_request":')" "malformed JSON"
assert_eq "false|null|400|Unable to parse sign request: unexpected end of JSON input" \
    "$(envelope)" "malformed JSON's envelope"
jq -n --rawfile c x.csr '{certificate_request:$c, profile:"nosuch"}' >req.json
assert_eq 400 "$(code sign -d @req.json)" "unknown profile"
assert_eq 'false|null|5400|unknown profile "nosuch"' "$(envelope)" \
    "unknown profile's envelope (never the default)"
# A weak key is refused, whatever the profile: RSA-1024, P-192.
for spec in rsa:rsa_keygen_bits:1024 ec:ec_paramgen_curve:P-192; do
	openssl genpkey -algorithm "${spec%%:*}" -pkeyopt "${spec#*:}" -out weak.key 2>/dev/null
	openssl req -new -key weak.key -subj /CN=weak -out weak.csr 2>/dev/null
	jq -n --rawfile c weak.csr '{certificate_request:$c, profile:"www"}' >req.json
	assert_eq 400 "$(code sign -d @req.json)" "weak key $spec"
	case $spec in
	rsa*) want="the request's key is RSA of 1024 bits" ;;
	*) want="the request's key is ECDSA on P-192" ;;
	esac
	assert_eq "false|null|9002|certificate_request: $want: kiln signs RSA of 2048 to 8192 bits and ECDSA on P-256, P-384 or P-521" \
	    "$(envelope)" "weak key $spec: envelope"
done
head -c 70000 /dev/zero | tr '\0' 'a' >big
assert_eq 413 "$(code sign --data-binary @big)" "oversized body"
assert_eq false "$(jq -r .success body)" "oversized body's envelope"
assert_not_contains "$(cat body)" "BEGIN CERTIFICATE" "no certificate in errors"
assert_eq 200 "$(code health -X GET)" "health"
# Every reply says nosniff, the API's errors too (curl -i).
curl -si --max-time 20 -d '{' "$URL/api/v1/cfssl/sign" | tr -d '\r' >reply.txt
assert_eq "HTTP/1.1 400 Bad Request" "$(sed -n 1p reply.txt)" "an API error's status line"
assert_eq "X-Content-Type-Options: nosniff" \
    "$(grep -i '^x-content-type-options:' reply.txt)" "an API error says nosniff"
assert_eq "Content-Type: text/plain; charset=utf-8" \
    "$(grep -i '^content-type:' reply.txt)" "an API error's type, as Go's http.Error"
curl -si --max-time 20 "$URL/api/v1/cfssl/health" | tr -d '\r' >reply.txt
assert_eq "X-Content-Type-Options: nosniff" \
    "$(grep -i '^x-content-type-options:' reply.txt)" "a success says nosniff"

say "GET crl: each entry dated by its row's revoked_at"
sqlite3 "$T/certs.db" "update certificates set status='revoked', reason=1,
    revoked_at='2026-01-02 03:04:05+00:00'
    where serial_number = '$(serial_of s.pem)'"
assert_eq 200 "$(code 'crl?expiry=1h' -X GET)" "GET crl: $(cat body)"
jq -r .result body | base64 -d >crl.der || fail "crl's result is not base64"
openssl crl -inform DER -in crl.der -noout -text >crl.txt ||
    fail "crl's result is not a CRL"
assert_eq "$(openssl x509 -in s.pem -noout -serial | sed 's/serial=//')" \
    "$(sed -n 's/^ *Serial Number: //p' crl.txt)" "the CRL lists the revoked row"
assert_eq "Jan  2 03:04:05 2026 GMT" \
    "$(sed -n 's/^ *Revocation Date: //p' crl.txt)" "its entry's date is revoked_at"
last=$(epoch "$(sed -n 's/^ *Last Update: //p' crl.txt)")
[ $((last - $(date +%s))) -le 5 ] && [ $(($(date +%s) - last)) -le 60 ] ||
    fail "thisUpdate $last is not now"
ok
rows=$(sqlite3 "$T/certs.db" "select count(*) from certificates")
assert_eq 2 "$rows" "one row per certificate issued"
stop_server_term
assert_eq 0 "$src" "SIGTERM exits 0: $(cat "$T/serve.err")"
assert_contains "$(cat "$T/audit.log")" '"endpoint":"sign","status":200,"profile":"www"' \
    "the audit line"

say "SIGTERM under a concurrent load: every certificate received is recorded"
HERE=$(cd "$(dirname "$0")" && pwd)
start_server -config open.json -db-config db.json -threads 4
python3 "$HERE/serve_load.py" load.jsonl x.csr 400 8 60 "$URL" -term "$SPID" 100
src=0
wait "$SPID" || src=$?
SPID=
assert_eq 0 "$src" "SIGTERM mid-load exits 0: $(tail -n 3 "$T/serve.err")"
grep -q '^kill ' load.jsonl || fail "the load did not stop the server"
# Each row as serve_check.py reads it: "serial|base64 of its pem".
python3 -c 'import base64, sqlite3, sys
for s, p in sqlite3.connect(sys.argv[1]).execute(
        "select serial_number, pem from certificates"):
    p = p if isinstance(p, bytes) else p.encode()
    print(s + "|" + base64.b64encode(p).decode())' "$T/certs.db" >rows.txt
got=$(jq -r -R 'fromjson? | select(.status == 200) | .i' load.jsonl | wc -l)
[ "$got" -ge 100 ] || fail "only $got certificates before the SIGTERM"
chk=$(python3 "$HERE/serve_check.py" load.jsonl rows.txt)
case $chk in
"received=$got unique=$got missing=0 differ=0 rows="*) ;;
*) fail "after the SIGTERM: want every certificate received recorded, got [$chk]" ;;
esac
say "SIGTERM after $got certificates received: $chk"

say "auth server: authsign through cfssl's client config"
export KILN_TEST_K1=$HEX
start_server -config auth.json -db-config db.json
cat >cc.json <<JSON
{"signing":{"default":{"auth_remote":{"remote":"srv","auth_key":"k1"}},
 "profiles":{"authp":{"auth_remote":{"remote":"srv","auth_key":"k1"}}}},
 "auth_keys":{"k1":{"type":"standard","key":"$HEX"}},
 "remotes":{"srv":"$URL"}}
JSON
run asign cfssl sign -config cc.json -profile authp x.csr
assert_eq 0 "$rc" "cfssl sign through authsign: $(cat asign.err)"
jq -r .cert asign.out >a.pem
openssl verify -CAfile "$CA" a.pem >/dev/null || fail "a.pem does not verify"
ok
assert_eq good "$(in_db a.pem)" "authsign's certificate in the database"
assert_contains "$(tail -n 1 "$T/audit.log")" '"identity":"k1"' \
    "the key's name in the audit line"
run agen sh -c "cfssl gencert -config cc.json -profile authp csr.json |
    cfssljson -bare g"
assert_eq 0 "$rc" "cfssl gencert through authsign: $(cat agen.err)"
assert_eq good "$(in_db g.pem)" "authsign gencert in the database"
# The same CSR again: the same token, refused (replay window).
run again cfssl sign -config cc.json -profile authp x.csr
assert_eq 1 "$rc" "a replayed request"
assert_contains "$(cat again.err)" 'token already used' "the replay's refusal"
sed "s/$HEX/ffeeddccbbaa99887766554433221100/" cc.json >bad.json
run bad cfssl sign -config bad.json -profile authp local.csr
assert_eq 1 "$rc" "a wrong HMAC"
assert_contains "$(cat bad.err)" 'invalid token' "the wrong HMAC's refusal"
assert_eq 401 "$(code newcert -d '{"request":{"CN":"n","hosts":["n.example"]},"profile":"authp"}')" \
    "newcert without a token"
assert_eq 'false|null|401|authentication required: newcert has no token; this server issues through authsign only' \
    "$(envelope)" "newcert's envelope"
jq -n --rawfile c local.csr '{certificate_request:$c, profile:"authp"}' >req.json
assert_eq 400 "$(code sign -d @req.json)" "sign to an auth profile"
assert_eq 'false|null|400|authentication required' "$(envelope)" \
    "sign's envelope"
jq -n --rawfile c local.csr '{certificate_request:$c}' >req.json
assert_eq 401 "$(code sign -d @req.json)" "sign, default profile, auth server"
# A token made by hand: once 200, then refused.
"$KILN" gencert -ca "$CA" -ca-key "$CAKEY" -config open.json -profile www \
    csr.json | "$BIN/cfssljson" -bare hand
jq -c -n --rawfile c hand.csr '{hosts:null,certificate_request:$c,profile:"authp"}' |
    tr -d '\n' >inner
tok=$(openssl dgst -sha256 -mac HMAC -macopt "hexkey:$HEX" -binary inner | base64 -w0)
jq -n --arg t "$tok" --arg r "$(base64 -w0 inner)" \
    '{timestamp:1,token:$t,request:$r}' >auth.req
assert_eq 200 "$(code authsign -d @auth.req)" "authsign by hand"
jq -r .result.certificate body >h.pem
assert_eq good "$(in_db h.pem)" "the hand-made request's certificate"
assert_eq 400 "$(code authsign -d @auth.req)" "the same token again"
assert_eq 'false|null|400|token already used' "$(envelope)" "replay's envelope"
# What the database keeps of it: the key's name and the token's SHA-256.
h=$(printf '%s' "$tok" | base64 -d | sha256sum | cut -d' ' -f1)
assert_eq "k1|$h" "$(sqlite3 "$T/certs.db" "select key_name || '|' ||
    lower(hex(token)) from kiln_tokens where lower(hex(token)) = '$h'")" \
    "the token claimed in the database"
stop_server_term
assert_eq 0 "$src" "SIGTERM exits 0"

say "auth server started again: the token is still refused"
start_server -config auth.json -db-config db.json
assert_eq 400 "$(code authsign -d @auth.req)" "the same token after a restart"
assert_eq 'false|null|400|token already used' "$(envelope)" \
    "the restarted server's refusal"
stop_server_term
assert_eq 0 "$src" "SIGTERM exits 0"
finish
