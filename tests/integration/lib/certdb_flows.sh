# The flows of tests/integration/certdb.sh (SQLite) and certdb_pg.sh
# (PostgreSQL), sourced after lib.sh.  The caller has written $T/db.json
# and defines:
#   db_row SERIAL   "serial|aki|label|status|reason|zero" (zero: revoked_at
#                   is Go's zero time, else "set")
#   db_pem_len SERIAL, db_pem SERIAL   the stored PEM's length and text
#   db_revoke_no_aki SERIAL   the UPDATE cfssl serve's revoke runs for a
#                   row of Debian's cfssl (key id '')
# shellcheck shell=sh

# flows_setup: a kiln CA, a config with an OCSP signing profile, a CSR.
flows_setup() {
	echo '{"CN":"certdb test CA","key":{"algo":"ecdsa","size":256}}' >"$T/ca.json"
	"$KILN" gencert -initca -out "$T/ca" "$T/ca.json" 2>/dev/null ||
		fail "kiln gencert -initca"
	cat >"$T/config.json" <<'JSON'
{"signing":{"default":{"usages":["digital signature","server auth"],
"expiry":"8760h"},"profiles":{"ocsp":{"usages":["digital signature",
"ocsp signing"],"expiry":"8760h"}}}}
JSON
	echo '{"CN":"leaf","hosts":["leaf.example"],"key":{"algo":"ecdsa","size":256}}' >"$T/leaf.json"
	AKI=$(keyid "$T/ca.pem" subjectKeyIdentifier | tr -d : | tr 'A-F' 'a-f')
	[ ${#AKI} -eq 40 ] || fail "the CA's key id: [$AKI]"
}

# issue NAME [FLAGS...]: kiln gencert under the CA into $T/NAME*.pem.
issue() {
	_n=$1
	shift
	"$KILN" gencert -ca "$T/ca.pem" -ca-key "$T/ca-key.pem" \
		-config "$T/config.json" -out "$T/$_n" "$@" "$T/leaf.json" \
		2>"$T/$_n.err" || fail "kiln gencert $*: $(cat "$T/$_n.err")"
}

decimal() { "$KILN" certinfo -cert "$1" | jq -r .serial_number; }
hexserial() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'; }

# crl_serials: kiln gencrl -db-config's CRL, its entries' serials in
# order (openssl's hex), one a line; the text in $T/crl.txt.
crl_serials() {
	"$KILN" gencrl -db-config "$T/db.json" "$T/ca.pem" "$T/ca-key.pem" \
		>"$T/crl.b64" 2>"$T/crl.err" || fail "kiln gencrl: $(cat "$T/crl.err")"
	base64 -d "$T/crl.b64" >"$T/crl.der"
	openssl crl -inform der -in "$T/crl.der" -noout -text >"$T/crl.txt"
	sed -n 's/^ *Serial Number: //p' "$T/crl.txt"
}

flow_gencert_row() {
	issue leaf1 -db-config "$T/db.json"
	S1=$(decimal "$T/leaf1.pem")
	assert_eq "$S1|$AKI||good|0|zero" "$(db_row "$S1")" \
		"the row kiln gencert -db-config wrote"
	assert_eq "$(wc -c <"$T/leaf1.pem" | tr -d ' ')" "$(db_pem_len "$S1")" \
		"the stored PEM's length"
	assert_eq "$(cat "$T/leaf1.pem")" "$(db_pem "$S1")" \
		"the stored PEM is the file written"
}

flow_cfssl_revoke_kiln_crl() {
	cfssl revoke -db-config "$T/db.json" -serial "$S1" -aki "$AKI" \
		-reason keyCompromise 2>"$T/revoke.err" ||
		fail "cfssl revoke: $(cat "$T/revoke.err")"
	assert_eq "$S1|$AKI||revoked|1|set" "$(db_row "$S1")" \
		"the row after cfssl revoke"
	assert_eq "$(hexserial "$T/leaf1.pem")" "$(crl_serials)" \
		"kiln gencrl -db-config lists the serial cfssl revoked"
	assert_not_contains "$(cat "$T/crl.txt")" "CRL entry extensions" \
		"no reason code in the entry, as cfssl"
	openssl verify -crl_check -CAfile "$T/ca.pem" -CRLfile "$T/crl.der" \
		"$T/leaf1.pem" >"$T/verify.out" 2>&1 && fail "leaf1 verifies despite the CRL"
	assert_contains "$(cat "$T/verify.out")" "certificate revoked" \
		"openssl verify -crl_check of the revoked certificate"
}

flow_kiln_revoke_cfssl_ocsp() {
	issue leaf2 -db-config "$T/db.json"
	S2=$(decimal "$T/leaf2.pem")
	issue resp -profile ocsp
	"$KILN" revoke -db-config "$T/db.json" -serial "$S2" -aki "$AKI" \
		-reason superseded || fail "kiln revoke"
	assert_eq "$S2|$AKI||revoked|4|set" "$(db_row "$S2")" \
		"the row after kiln revoke"
	cfssl ocsprefresh -db-config "$T/db.json" -ca "$T/ca.pem" \
		-responder "$T/resp.pem" -responder-key "$T/resp-key.pem" \
		2>"$T/ocsp.err" || fail "cfssl ocsprefresh: $(cat "$T/ocsp.err")"
	cfssl ocspdump -db-config "$T/db.json" >"$T/dump.txt" 2>"$T/ocsp.err" ||
		fail "cfssl ocspdump: $(cat "$T/ocsp.err")"
	_found=
	_hex=$(hexserial "$T/leaf2.pem")
	while read -r _line; do
		printf '%s' "$_line" | base64 -d >"$T/resp.der"
		openssl ocsp -respin "$T/resp.der" -resp_text -noverify \
			>"$T/resp.txt" 2>&1 || fail "openssl ocsp: $(cat "$T/resp.txt")"
		grep -q "Serial Number: $_hex\$" "$T/resp.txt" || continue
		_found=1
		assert_contains "$(cat "$T/resp.txt")" "Cert Status: revoked" \
			"cfssl's OCSP response for the row kiln revoked"
		assert_contains "$(cat "$T/resp.txt")" "Revocation Reason: superseded (0x4)" \
			"its reason"
	done <"$T/dump.txt"
	[ -n "$_found" ] || fail "no OCSP response for $_hex in: $(cat "$T/dump.txt")"
	ok
}

flow_cfssl_row_read_by_kiln() {
	cfssl gencert -ca "$T/ca.pem" -ca-key "$T/ca-key.pem" \
		-config "$T/config.json" -db-config "$T/db.json" "$T/leaf.json" \
		>"$T/cf.json" 2>"$T/cf.err" || fail "cfssl gencert: $(cat "$T/cf.err")"
	jq -r .cert "$T/cf.json" >"$T/leaf3.pem"
	S3=$(decimal "$T/leaf3.pem")
	assert_eq "$S3|||good|0|zero" "$(db_row "$S3")" \
		"the row Debian's cfssl wrote (no key id)"
	db_revoke_no_aki "$S3"
	want=$(for f in leaf1 leaf2 leaf3; do hexserial "$T/$f.pem"; done | sort)
	assert_eq "$want" "$(crl_serials | sort)" \
		"kiln gencrl reads cfssl's row too"
	assert_eq "$(hexserial "$T/leaf3.pem")" "$(crl_serials | tail -n 1)" \
		"the rows without a key id come last"
}

flow_errors() {
	expect_error "kiln: revoke: serial number is required but not provided" \
		"$KILN" revoke -db-config "$T/db.json" -aki "$AKI"
	expect_error "kiln: revoke: authority key id is required but not provided" \
		"$KILN" revoke -db-config "$T/db.json" -serial 5
	expect_error "kiln: revoke: need DB config file (provide with -db-config)" \
		"$KILN" revoke -serial 5 -aki "$AKI"
	expect_error "kiln: revoke: serial 12345, aki $AKI: certificate not found" \
		"$KILN" revoke -db-config "$T/db.json" -serial 12345 -aki "$AKI"
	expect_error "kiln: revoke: reason: \"bogus\" is not a revocation reason" \
		"$KILN" revoke -db-config "$T/db.json" -serial "$S1" -aki "$AKI" -reason bogus
	# cfssl's Debian build matches the key id as text; kiln takes
	# openssl's form too.
	"$KILN" revoke -db-config "$T/db.json" -serial "$S1" \
		-aki "$(keyid "$T/ca.pem" subjectKeyIdentifier)" -reason 3 ||
		fail "kiln revoke -aki with colons"
	assert_eq "$S1|$AKI||revoked|3|set" "$(db_row "$S1")" "revoked again: reason replaced"
	echo '{"driver":"mysql","data_source":"u:p@tcp(127.0.0.1:3306)/db"}' >"$T/mysql.json"
	expect_error "kiln: revoke: $T/mysql.json: driver: \"mysql\" is not supported (kiln has \"sqlite3\" and \"postgres\")" \
		"$KILN" revoke -db-config "$T/mysql.json" -serial 5 -aki "$AKI"
	echo '{"driver":"sqlite3","data_source":"x","dsn":"y"}' >"$T/unknown.json"
	expect_error "kiln: gencert: $T/unknown.json: unknown key \"dsn\" (known keys: driver, data_source)" \
		"$KILN" gencert -ca "$T/ca.pem" -ca-key "$T/ca-key.pem" \
		-db-config "$T/unknown.json" "$T/leaf.json"
}
