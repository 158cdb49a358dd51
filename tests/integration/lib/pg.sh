# A PostgreSQL 15 server for a test, sourced after lib.sh: pg_start runs
# one as the unprivileged user nobody (PostgreSQL refuses root) in a
# folder of its own under /tmp, listening on $PG_ADDR (127.0.18.1) and a
# free port, trust authentication, no TCP anywhere else; pg_stop (put in
# ON_EXIT by pg_start) stops it with pg_ctl -m immediate, then by its PID,
# and removes the folder.  After pg_start: PG_PORT, PG_DSN (a libpq URL
# of the database "certs", sslmode=disable) and psql_q SQL (psql's
# unaligned output of SQL on that database).
# shellcheck shell=sh

PG_ADDR=127.0.18.1
PG_BIN=
for _d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
	[ -x "$_d/pg_ctl" ] && { PG_BIN=$_d; break; }
done
PG_DIR=
PG_PID=

pg_stop() {
	if [ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ]; then
		runuser -u nobody -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate \
			-w -t 20 stop >/dev/null 2>&1 || :
	fi
	[ -z "$PG_PID" ] || stop_pid "$PG_PID" || :
	PG_PID=
	[ -z "$PG_DIR" ] || rm -rf "$PG_DIR"
	PG_DIR=
}

# pg_free_port: a port nothing listens on, from a range of our own.
pg_free_port() {
	_p=$((21000 + $$ % 4000))
	while port_busy "$_p"; do
		_p=$((_p + 1))
	done
	echo "$_p"
}

pg_start() {
	[ -n "$PG_BIN" ] || fail "PostgreSQL is not installed (make setup)"
	[ "$(id -u)" -eq 0 ] || { echo "not root: no user to run PostgreSQL as"; exit 77; }
	PG_DIR=$(mktemp -d /tmp/kiln-pg.XXXXXX)
	chown nobody "$PG_DIR"
	chmod 700 "$PG_DIR"
	ON_EXIT=pg_stop
	FAIL_LOGS="$FAIL_LOGS $PG_DIR/log"
	(cd "$PG_DIR" && runuser -u nobody -- "$PG_BIN/initdb" -D "$PG_DIR/data" \
		-U kiln --auth=trust -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1) ||
		fail "initdb: $(tail -n 5 "$PG_DIR/initdb.log")"
	PG_PORT=$(pg_free_port)
	(cd "$PG_DIR" && runuser -u nobody -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" \
		-l "$PG_DIR/log" -w -t 30 \
		-o "-c listen_addresses=$PG_ADDR -p $PG_PORT -k $PG_DIR -c fsync=off" \
		start >/dev/null 2>&1) || fail "pg_ctl start: $(tail -n 5 "$PG_DIR/log")"
	PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
	_end=$(($(date +%s) + 30))
	until "$PG_BIN/pg_isready" -q -h "$PG_ADDR" -p "$PG_PORT"; do
		[ "$(date +%s)" -lt "$_end" ] || fail "PostgreSQL not ready in 30 s"
		kill -0 "$PG_PID" 2>/dev/null || fail "PostgreSQL died: $(tail -n 5 "$PG_DIR/log")"
		nap 0.2
	done
	psql -X -q -h "$PG_ADDR" -p "$PG_PORT" -U kiln -d postgres \
		-c "CREATE DATABASE certs" >/dev/null || fail "CREATE DATABASE"
	PG_DSN="postgres://kiln@$PG_ADDR:$PG_PORT/certs?sslmode=disable"
}

psql_q() {
	psql -X -q -At -v ON_ERROR_STOP=1 -h "$PG_ADDR" -p "$PG_PORT" -U kiln \
		-d certs -c "$1"
}
