#!/bin/sh
# serve_tls.sh BUILD_DIR DATA_DIR
#
# kiln serve over HTTPS on 127.0.21.3 (a free port) with -tls-cert and
# -tls-key, -mutual-tls-ca and -mutual-tls-cn, Debian's cfssl 1.2.0 as
# the client (-remote https://..., -tls-remote-ca,
# -mutual-tls-client-cert, -mutual-tls-client-key): sign works with a
# client certificate of that CA whose CN matches, and the audit line
# names that CN as the identity; without a client certificate, with one
# whose CN does not match, or one of another CA, curl gets the 403
# envelope and cfssl fails with it, and no certificate is issued.
# SIGTERM exits 0.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
for t in openssl cfssl curl jq; do
	command -v "$t" >/dev/null 2>&1 || fail "$t is not installed (make setup)"
done
ADDR=127.0.21.3
CA=$DATA/crl/ec-ca.pem
CAKEY=$DATA/crl/ec-ca-key.pem
SPID=
FAIL_LOGS="$T/serve.err"
stop_server() {
	[ -z "$SPID" ] || stop_pid "$SPID" || :
	SPID=
}
ON_EXIT=stop_server

# tca: the TLS CA (server and client certificates); ca2 another one.
# shellcheck source=tests/integration/lib/tlsca.sh
. "$(dirname "$0")/lib/tlsca.sh"
mkca tca
mkca ca2
mkleaf srv tca serverAuth "subjectAltName=IP:$ADDR"
mkleaf signer7 tca clientAuth
mkleaf other7 tca clientAuth
mkleaf stranger7 ca2 clientAuth
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout leaf-key.pem -out leaf.csr -subj /CN=tls.example 2>/dev/null

"$KILN" serve -address "$ADDR" -port 0 -ca "$CA" -ca-key "$CAKEY" \
    -tls-cert srv.pem -tls-key srv-key.pem -mutual-tls-ca tca.pem \
    -mutual-tls-cn '^signer[0-9]+$' -audit "$T/audit.log" 2>"$T/serve.err" &
SPID=$!
wait_for 20 "$SPID" grep -q 'listening on' "$T/serve.err" ||
    fail "kiln serve did not start: $(cat "$T/serve.err")"
URL=$(sed -n 's/.*listening on \(https:\/\/[0-9.]*:[0-9]*\)$/\1/p' \
    "$T/serve.err")
case $URL in https://$ADDR:[0-9]*) ;; *) fail "listening on [$URL]" ;; esac

# csign NAME [CERT]: cfssl sign -remote over TLS, with CERT's client
# certificate if given; rc in $rc, NAME.out, NAME.err.
csign() {
	_n=$1
	shift
	if [ $# -gt 0 ]; then
		set -- -mutual-tls-client-cert "$1.pem" \
		    -mutual-tls-client-key "$1-key.pem"
	fi
	run "$_n" cfssl sign -remote "$URL" -tls-remote-ca tca.pem "$@" \
	    -hostname tls.example leaf.csr
}

say "cfssl sign with a good client certificate"
csign good signer7
assert_eq 0 "$rc" "cfssl sign over mutual TLS: $(cat good.err)"
jq -r .cert good.out >good.pem
openssl verify -CAfile "$CA" good.pem >/dev/null || fail "good.pem does not verify"
ok
assert_eq "subject=CN = tls.example|DNS:tls.example" \
    "$(openssl x509 -in good.pem -noout -subject)|$(openssl x509 -in good.pem \
    -noout -ext subjectAltName | sed -n '2s/^ *//p')" "the certificate"
assert_eq 'signer7|signer7|sign|200|ok' \
    "$(tail -n 1 "$T/audit.log" | jq -r '[.tls_cn, .identity, .endpoint,
    .status, .result] | map(tostring) | join("|")')" \
    "the audit line: the client's CN is the identity"

# refused WHAT CURLARGS...: curl's sign gets 403 and the envelope.
body=$(jq -n -c --rawfile c leaf.csr '{certificate_request:$c}')
refused() {
	_what=$1
	shift
	assert_eq 403 "$(curl -s -o body -w '%{http_code}' --max-time 20 \
	    --cacert tca.pem "$@" -d "$body" "$URL/api/v1/cfssl/sign")" \
	    "$_what: curl's status"
}
envelope() { tr -d '\n' <body; }

say "refused: no client certificate, a CN not matching, another CA"
refused "no client certificate"
assert_eq '{"success":false,"result":null,"errors":[{"code":403,"message":"client certificate required"}],"messages":[]}' \
    "$(envelope)" "no client certificate: the envelope"
csign none
assert_eq 1 "$rc" "cfssl without a client certificate"
assert_eq '{"code":7400,"message":"{\"success\":false,\"result\":null,\"errors\":[{\"code\":403,\"message\":\"client certificate required\"}],\"messages\":[]}\n"}' \
    "$(grep '^{' none.err)" "cfssl's failure without a client certificate"
refused "CN not matching" --cert other7.pem --key other7-key.pem
assert_eq '{"success":false,"result":null,"errors":[{"code":403,"message":"Invalid CN"}],"messages":[]}' \
    "$(envelope)" "CN not matching: the envelope"
csign other other7
assert_eq 1 "$rc" "cfssl with a CN not matching"
assert_eq '{"code":7400,"message":"{\"success\":false,\"result\":null,\"errors\":[{\"code\":403,\"message\":\"Invalid CN\"}],\"messages\":[]}\n"}' \
    "$(grep '^{' other.err)" "cfssl's failure with a CN not matching"
refused "another CA" --cert stranger7.pem --key stranger7-key.pem
assert_eq '{"success":false,"result":null,"errors":[{"code":403,"message":"client certificate not trusted"}],"messages":[]}' \
    "$(envelope)" "another CA: the envelope"
csign stranger stranger7
assert_eq 1 "$rc" "cfssl with another CA's certificate"
# Go's client sends no certificate that the server's list of CAs (tca)
# did not issue: to kiln, a client without one.
assert_eq "$(grep '^{' none.err)" "$(grep '^{' stranger.err)" \
    "cfssl's failure with another CA's certificate"
for f in none.out other.out stranger.out body; do
	assert_not_contains "$(cat "$f")" "BEGIN CERTIFICATE" "no certificate in $f"
done
# A refused client has no identity: only a verified CN is logged.
assert_eq 'null||403|client certificate required
null||403|client certificate required
null||403|Invalid CN
null||403|Invalid CN
null||403|client certificate not trusted
null||403|client certificate required' \
    "$(tail -n 6 "$T/audit.log" | jq -r '[.tls_cn, .identity, .status,
    .result] | map(tostring) | join("|")')" "the refusals' audit lines"

kill -TERM "$SPID"
src=0
wait "$SPID" || src=$?
SPID=
assert_eq 0 "$src" "SIGTERM exits 0: $(tail -n 3 "$T/serve.err")"
finish
