#!/bin/sh
# certdb.sh BUILD_DIR DATA_DIR
#
# cfssl's certificate database on SQLite, shared by kiln and Debian's
# cfssl 1.2.0 (tests/integration/certdb_pg.sh does the same on
# PostgreSQL; lib/certdb_flows.sh holds the flows both run):
#  1. kiln gencert -db-config records the certificate as cfssl master
#     would: decimal serial, lowercase key id, '' label, status good,
#     reason 0, the zero time, the PEM of the file written; the database
#     file is made 0600;
#  2. Debian's cfssl revoke -reason keyCompromise on that row, then kiln
#     gencrl -db-config: the CRL lists exactly that serial, with no entry
#     extension (cfssl's CRLs carry no reason code);
#  3. the reverse: kiln revoke -reason superseded, then cfssl ocsprefresh
#     (a responder certificate made by kiln) and cfssl ocspdump: openssl
#     reads the response as revoked, reason superseded;
#  4. a row written by Debian's cfssl gencert -db-config into kiln's
#     schema (empty key id, 8 columns) is read by kiln gencrl once revoked;
#  5. kiln revoke's errors in cfssl's words; kiln revoke of an unknown
#     serial says not found; a -db-config naming mysql or an unknown key
#     is refused naming it; a symbolic link as the database is refused.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
for t in openssl cfssl sqlite3 base64 jq; do
	command -v "$t" >/dev/null 2>&1 || fail "$t is not installed (make setup)"
done

DB=$T/certs.db
printf '{"driver":"sqlite3","data_source":"%s"}\n' "$DB" >"$T/db.json"
# sql QUERY: the rows of QUERY, as sqlite3 prints them.
sql() { sqlite3 "$DB" "$1"; }
db_row() {
	sql "SELECT serial_number || '|' || authority_key_identifier || '|' ||
	    ca_label || '|' || status || '|' || reason || '|' ||
	    CASE WHEN revoked_at = '0001-01-01 00:00:00+00:00' THEN 'zero'
	    ELSE 'set' END FROM certificates WHERE serial_number = '$1'"
}
db_pem_len() { sql "SELECT length(pem) FROM certificates WHERE serial_number = '$1'"; }
db_pem() { sql "SELECT pem FROM certificates WHERE serial_number = '$1'"; }
db_revoke_no_aki() {
	sql "UPDATE certificates SET status='revoked', reason=5,
	    revoked_at=CURRENT_TIMESTAMP WHERE (serial_number = '$1' AND
	    authority_key_identifier = '')"
}
# The same flows on SQLite and PostgreSQL.
# shellcheck source=tests/integration/lib/certdb_flows.sh
. "$(dirname "$0")/lib/certdb_flows.sh"

flows_setup
flow_gencert_row
assert_eq 600 "$(mode "$DB")" "the database file's mode"
assert_eq "text text text" "$(sql "SELECT typeof(serial_number) || ' ' ||
	typeof(authority_key_identifier) || ' ' || typeof(pem)
	FROM certificates")" "values stored as TEXT, as cfssl binds them"
flow_cfssl_revoke_kiln_crl
flow_kiln_revoke_cfssl_ocsp
flow_cfssl_row_read_by_kiln
flow_errors

# Each entry dated by its row's revoked_at (cfssl master's crl), in the
# three forms SQLite rows hold; the zero time (revoked by hand without a
# date) is the CRL's thisUpdate.
sql "UPDATE certificates SET revoked_at='2026-01-02 03:04:05+00:00'
	WHERE serial_number = '$S1'"
sql "UPDATE certificates SET revoked_at='0001-01-01 00:00:00+00:00'
	WHERE serial_number = '$S2'"
sql "UPDATE certificates SET revoked_at='2030-06-07 08:09:10'
	WHERE serial_number = '$S3'"
crl_serials >/dev/null
# revdate CERT: its entry's Revocation Date in $T/crl.txt.
revdate() {
	sed -n "/Serial Number: $(hexserial "$1")\$/{n;s/^ *Revocation Date: //p;}" \
		"$T/crl.txt"
}
assert_eq "Jan  2 03:04:05 2026 GMT" "$(revdate "$T/leaf1.pem")" \
	"gencrl -db-config: leaf1 dated by its revoked_at"
assert_eq "Jun  7 08:09:10 2030 GMT" "$(revdate "$T/leaf3.pem")" \
	"gencrl -db-config: leaf3 dated by CURRENT_TIMESTAMP's form"
assert_eq "$(sed -n 's/^ *Last Update: //p' "$T/crl.txt")" \
	"$(revdate "$T/leaf2.pem")" "gencrl -db-config: the zero time is thisUpdate"

# A symbolic link where the database should be: refused, not followed.
mkdir "$T/l"
ln -s "$DB" "$T/l/certs.db"
printf '{"driver":"sqlite3","data_source":"%s"}\n' "$T/l/certs.db" >"$T/link.json"
expect_error "kiln: revoke: certdb: $T/l/certs.db: is a symbolic link, refused" \
	"$KILN" revoke -db-config "$T/link.json" -serial 5 -aki aa

echo "certdb: $checks checks passed"
