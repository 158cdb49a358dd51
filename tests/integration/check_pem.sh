#!/bin/sh
# PEM read one way by kiln check, kiln-certinfo and kiln verify: a file
# that starts with a UTF-8 byte order mark, one with text before the
# block (on lines of its own, or on the BEGIN line), CRLF line ends, an
# indented block (YAML).  check used to skip the BOM file, so an expired
# certificate in it went unreported with exit 0 while certinfo read it.
. "$(dirname "$0")/lib.sh"

# An expired leaf and its CA, ECDSA P-256.
ossl_ca_init
openssl ecparam -name prime256v1 -genkey -noout -out key.pem
openssl req -x509 -new -key key.pem -subj /CN=pem-ca -days 3650 -out ca.pem
openssl req -new -key key.pem -subj /CN=pem-expired -out old.csr
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile key.pem -in old.csr \
    -notext -startdate 20200101000000Z -enddate 20210101000000Z \
    -out expired.pem 2>/dev/null
bom=$(printf '\357\273\277')

mkdir in
{ printf '%s' "$bom"; cat expired.pem; } >in/bom.pem
{ printf '%s' "$bom"; sed 's/$/\r/' expired.pem; } >in/bom-crlf.pem
{ echo "subject=CN = pem-expired"; echo; cat expired.pem; } >in/lines.pem
{ printf 'cert: '; cat expired.pem; } >in/same-line.pem
sed 's/$/\r/' expired.pem >in/crlf.pem
{ printf 'tls:\n  crt: |\n'; sed 's/^/    /' expired.pem; } >in/indented.yaml
files="bom.pem bom-crlf.pem crlf.pem indented.yaml lines.pem same-line.pem"

# check, one file at a time: each reported expired, exit 2.
for f in $files; do
	rc=0
	"$KILN" check -format json "in/$f" >"$f.json" 2>"$f.err" || rc=$?
	assert_eq 2 "$rc" "check $f: exit"
	assert_eq "" "$(cat "$f.err")" "check $f: stderr"
	assert_eq "in/$f pem-expired expired" \
	    "$(jq -r '.certificates[] | "\(.path) \(.subject_cn) \(.status)"' \
	        "$f.json")" "check $f: reported"
done
# And as a folder: six certificates, in name order.
rc=0
"$KILN" check in >table.out 2>table.err || rc=$?
assert_eq 2 "$rc" "check in/: exit"
assert_eq 6 "$(grep -c '| pem-expired | .* | expired |$' table.out)" \
    "check in/: six expired rows"

# certinfo reads the same files as the same certificate, and so does
# verify; -ca read the same way too (a BOM before the CA).
want=$("$BIN/kiln-certinfo" -cert expired.pem | jq -r '.serial_number')
{ printf '%s' "$bom"; cat ca.pem; } >ca-bom.pem
for f in $files; do
	assert_eq "$want pem-expired 2021-01-01T00:00:00Z" \
	    "$("$BIN/kiln-certinfo" -cert "in/$f" |
	        jq -r '"\(.serial_number) \(.subject.common_name) \(.not_after)"')" \
	    "certinfo $f: the certificate check reported"
	rc=0
	"$KILN" verify -ca ca-bom.pem "in/$f" >"$f.verify" 2>&1 || rc=$?
	assert_eq 1 "$rc" "verify $f: exit"
	assert_contains "$(cat "$f.verify")" \
	    "in/$f: expired on 2021-01-01T00:00:00Z" "verify $f: read"
	assert_not_contains "$(cat "$f.verify")" "not issued by the CA" \
	    "verify $f: the BOM CA read"
done

# A JSON file holding the PEM as a string ("\n" escaped) is not PEM:
# skipped by check (no problem), not a certificate to certinfo.
"$KILN" gencert -initca "$DATA/ecdsa/ca-csr.json" >ca.json 2>/dev/null
rc=0
"$KILN" check ca.json >json.out 2>json.err || rc=$?
assert_eq 3 "$rc" "check cfssl JSON: exit (nothing found)"
assert_eq "kiln: check: no certificate found" "$(cat json.err)" \
    "check cfssl JSON: skipped, not a problem"
rc=0
"$BIN/kiln-certinfo" -cert ca.json >/dev/null 2>json.err || rc=$?
assert_eq 1 "$rc" "certinfo cfssl JSON: exit"
assert_eq "kiln-certinfo: ca.json: not a certificate (neither PEM nor DER)" \
    "$(cat json.err)" "certinfo cfssl JSON: message"

finish
