#!/bin/sh
# certdb_pg.sh BUILD_DIR DATA_DIR
#
# certdb.sh's flows on PostgreSQL 15 (lib/pg.sh starts one as nobody on
# 127.0.18.1), kiln and Debian's cfssl 1.2.0 sharing the database:
#  1. kiln gencert -db-config makes cfssl's pg schema (bytea, timestamptz,
#     jsonb) and kiln's kiln_tokens (schema 2), and records the
#     certificate as cfssl would;
#  2. cfssl revoke, then kiln gencrl -db-config lists that serial;
#  3. kiln revoke, then cfssl ocsprefresh + ocspdump say revoked;
#  4. a row of Debian's cfssl gencert is read by kiln gencrl;
#  5. kiln revoke's errors;
#  6. 8 kiln gencert -db-config at once, 5 certificates each, on a new
#     database (the schema made once, under a lock): 40 rows, 40 distinct
#     serials, each row's PEM the file written;
#  7. libpq hidden in a mount namespace: kiln still records on SQLite, and
#     a PostgreSQL -db-config fails naming the library it cannot load.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib/pg.sh
. "$(dirname "$0")/lib/pg.sh"

export LC_ALL=C
for t in openssl cfssl psql base64 jq runuser; do
	command -v "$t" >/dev/null 2>&1 || fail "$t is not installed (make setup)"
done

pg_start
printf '{"driver":"postgres","data_source":"%s"}\n' "$PG_DSN" >"$T/db.json"
db_row() {
	psql_q "SELECT encode(serial_number, 'escape') || '|' ||
	    encode(authority_key_identifier, 'escape') || '|' ||
	    encode(ca_label, 'escape') || '|' || encode(status, 'escape') || '|'
	    || reason || '|' || CASE WHEN revoked_at = '0001-01-01 00:00:00+00'
	    THEN 'zero' ELSE 'set' END FROM certificates
	    WHERE serial_number = '$1'"
}
db_pem_len() { psql_q "SELECT length(pem) FROM certificates WHERE serial_number = '$1'"; }
db_pem() {
	psql_q "SELECT convert_from(pem, 'UTF8') FROM certificates
	    WHERE serial_number = '$1'"
}
db_revoke_no_aki() {
	psql_q "UPDATE certificates SET status='revoked', reason=5,
	    revoked_at=CURRENT_TIMESTAMP WHERE (serial_number = '$1' AND
	    authority_key_identifier = '')" >/dev/null
}
# shellcheck source=tests/integration/lib/certdb_flows.sh
. "$(dirname "$0")/lib/certdb_flows.sh"

flows_setup
flow_gencert_row
assert_eq "serial_number bytea|authority_key_identifier bytea|ca_label bytea|status bytea|reason integer|expiry timestamp with time zone|revoked_at timestamp with time zone|pem bytea|issued_at timestamp with time zone|not_before timestamp with time zone|metadata jsonb|sans jsonb|common_name text" \
	"$(psql_q "SELECT string_agg(column_name || ' ' || data_type, '|'
	    ORDER BY ordinal_position) FROM information_schema.columns
	    WHERE table_name = 'certificates'")" "cfssl's pg columns"
assert_eq '["leaf.example"]|leaf|2' \
	"$(psql_q "SELECT sans::text || '|' || common_name || '|' ||
	    (SELECT version FROM kiln_schema) FROM certificates
	    WHERE serial_number = '$S1'")" "master's columns and kiln_schema"
assert_eq "key_name text|token bytea|expiry bigint|key_name,token|kiln_tokens_expiry" \
	"$(psql_q "SELECT string_agg(column_name || ' ' || data_type, '|'
	    ORDER BY ordinal_position) || '|' || (SELECT string_agg(a.attname,
	    ',' ORDER BY a.attnum) FROM pg_index i JOIN pg_attribute a ON
	    a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE
	    i.indrelid = 'kiln_tokens'::regclass AND i.indisprimary) || '|' ||
	    (SELECT string_agg(indexname, ',') FROM pg_indexes WHERE tablename =
	    'kiln_tokens' AND indexname <> 'kiln_tokens_pkey') FROM
	    information_schema.columns WHERE table_name = 'kiln_tokens'")" \
	"kiln's table of tokens claimed (schema 2)"
flow_cfssl_revoke_kiln_crl
flow_kiln_revoke_cfssl_ocsp
flow_cfssl_row_read_by_kiln
flow_errors

# 8 at once on a new database: the schema is made once.
psql_q "DROP TABLE ocsp_responses; DROP TABLE certificates; DROP TABLE kiln_schema;
    DROP TABLE kiln_tokens"
mkdir "$T/par"
pids=
for w in 1 2 3 4 5 6 7 8; do
	(
		for i in 1 2 3 4 5; do
			"$KILN" gencert -ca "$T/ca.pem" -ca-key "$T/ca-key.pem" \
				-db-config "$T/db.json" -out "$T/par/w$w-$i" \
				"$T/leaf.json" 2>"$T/par/w$w-$i.err" || exit 1
		done
	) &
	pids="$pids $!"
done
bad=0
for p in $pids; do wait "$p" || bad=$((bad + 1)); done
[ "$bad" -eq 0 ] || fail "$bad writers failed: $(cat "$T"/par/*.err)"
assert_eq 40 "$(psql_q "SELECT count(*) FROM certificates")" "40 rows"
assert_eq 40 "$(psql_q "SELECT count(DISTINCT serial_number) FROM certificates")" \
	"40 distinct serials"
for f in "$T"/par/*.pem; do
	case $f in *-key.pem) continue ;; esac
	s=$(decimal "$f")
	[ "$(db_pem "$s")" = "$(cat "$f")" ] || fail "$f: the row's PEM differs"
	[ "$(db_pem_len "$s")" = "$(wc -c <"$f" | tr -d ' ')" ] ||
		fail "$f: the row's PEM length differs"
done
ok

# libpq hidden (a mount namespace binds /dev/null over it): kiln, which
# opens libpq only for a PostgreSQL database, still starts and records on
# SQLite, and a PostgreSQL -db-config fails naming the missing library.
if unshare -m true 2>/dev/null; then
	real=$(readlink -f "$(ldconfig -p |
	    awk '$1 == "libpq.so.5" { print $NF; exit }')")
	[ -f "$real" ] || fail "libpq.so.5 not found by ldconfig"
	printf '{"driver":"sqlite3","data_source":"%s/nopq.db"}\n' "$T" >"$T/lite.json"
	cat >"$T/nopq.sh" <<EOF
mount --bind /dev/null '$real' || exit 3
'$KILN' gencert -ca '$T/ca.pem' -ca-key '$T/ca-key.pem' \\
    -db-config '$T/lite.json' -out '$T/nopq-lite' '$T/leaf.json' || exit 4
'$KILN' gencert -ca '$T/ca.pem' -ca-key '$T/ca-key.pem' \\
    -db-config '$T/db.json' -out '$T/nopq-pg' '$T/leaf.json' 2>'$T/nopq.err'
echo "pg=\$?"
EOF
	assert_eq "pg=1" "$(unshare -m sh "$T/nopq.sh")" \
	    "without libpq: SQLite records, PostgreSQL fails"
	assert_eq 1 "$(sqlite3 "$T/nopq.db" "SELECT count(*) FROM certificates
	    WHERE serial_number = '$(decimal "$T/nopq-lite.pem")'")" \
	    "without libpq: the SQLite row"
	case $(cat "$T/nopq.err") in
	"kiln: gencert: certdb: postgres: cannot load libpq.so.5 (Debian's libpq5): "*) ok ;;
	*) fail "without libpq: want the missing library named, got [$(cat "$T/nopq.err")]" ;;
	esac
	[ ! -e "$T/nopq-pg.pem" ] || fail "without libpq: a certificate was written"
	ok
else
	echo "certdb_pg: no mount namespace here: the test without libpq skipped"
fi

echo "certdb_pg: $checks checks passed"
