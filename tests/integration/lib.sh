# Shared helpers for kiln's integration tests (POSIX sh).
# Usage: . lib.sh; then $KILN is the binary, $BIN its folder (with the
# cfssl and cfssljson links), $DATA the test data, $T a scratch folder
# removed on exit (see at_exit).  A script defines a helper of the same
# name after this line to replace one of these.

set -eu

BIN=$(cd "$1" && pwd)
DATA=$(cd "$2" && pwd)
KILN=$BIN/kiln
T=$(mktemp -d "${TMPDIR:-/tmp}/kiln-test.XXXXXX")
checks=0

# On exit, whatever the cause: ON_EXIT, the name of the script's own
# teardown (stopping the etcd it started, say), runs first; if the script
# failed, the tail of every non-empty file matching the patterns of
# FAIL_LOGS goes to stderr; then $T is removed.  The exit status stays the
# script's; INT and TERM exit 130 and 143 through the same path.
ON_EXIT=
FAIL_LOGS=
at_exit() {
	_rc=$?
	set +e
	[ -z "$ON_EXIT" ] || $ON_EXIT
	if [ "$_rc" -ne 0 ]; then
		for _f in $FAIL_LOGS; do
			[ -s "$_f" ] && { echo "---- tail of $_f:"; tail -n 15 "$_f"; }
		done >&2
	fi
	rm -rf "$T"
	exit "$_rc"
}
trap at_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$T"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ok() {
	checks=$((checks + 1))
}

# assert_eq WANT GOT WHAT
assert_eq() {
	[ "$1" = "$2" ] || fail "$3: want [$1], got [$2]"
	ok
}

# assert_contains HAYSTACK NEEDLE WHAT
assert_contains() {
	case $1 in
	*"$2"*) ok ;;
	*) fail "$3: [$2] not in: $1" ;;
	esac
}

# assert_not_contains HAYSTACK NEEDLE WHAT
assert_not_contains() {
	case $1 in
	*"$2"*) fail "$3: [$2] unexpectedly in: $1" ;;
	*) ok ;;
	esac
}

# run NAME CMD...: CMD's standard output in NAME.out, its standard error
# in NAME.err, its exit status in $rc (set -e does not stop on it).  With
# RUN_TIMEOUT set, CMD has that many seconds (timeout(1), status 124), so
# that a hang fails rather than blocks.
run() {
	name=$1
	shift
	rc=0
	if [ -n "${RUN_TIMEOUT-}" ]; then
		timeout "$RUN_TIMEOUT" "$@" >"$name.out" 2>"$name.err" || rc=$?
	else
		"$@" >"$name.out" 2>"$name.err" || rc=$?
	fi
}

# as_nobody CMD...: CMD run as the unprivileged user that plays the
# attacker.
as_nobody() {
	runuser -u nobody -- "$@"
}

# capture CMD...: CMD's standard output in ./stdout, its standard error
# in ./stderr, its exit status in $status (set -e does not stop on it).
capture() {
	set +e
	"$@" >stdout 2>stderr
	status=$?
	set -e
}

# expect_error MESSAGE CMD...: CMD fails with exit 1, nothing on its
# standard output and MESSAGE as the one line of its standard error.
expect_error() {
	want=$1
	shift
	capture "$@"
	assert_eq 1 "$status" "exit status of: $*"
	assert_eq "" "$(cat stdout)" "stdout of: $*"
	assert_eq 1 "$(wc -l <stderr)" "one line on stderr for: $*"
	assert_eq "$want" "$(cat stderr)" "message of: $*"
}

# The octal permission bits of a file.
mode() {
	stat -c %a "$1"
}

# x509text FILE: openssl's text dump of a certificate.
x509text() {
	openssl x509 -in "$1" -noout -text
}

# keyid CERT EXT: the key identifier of EXT (subjectKeyIdentifier or
# authorityKeyIdentifier) as openssl prints it, colons and all.
keyid() {
	openssl x509 -in "$1" -noout -ext "$2" | sed -n 2p | tr -d ' ' | sed 's/^keyid://'
}

# epoch DATE: a date date(1) reads, in seconds since the epoch.
epoch() { date -u -d "$1" +%s; }

# not_before CERT, not_after CERT: its validity, in seconds since the
# epoch.
not_before() { epoch "$(openssl x509 -in "$1" -noout -startdate | sed 's/^notBefore=//')"; }
not_after() { epoch "$(openssl x509 -in "$1" -noout -enddate | sed 's/^notAfter=//')"; }

# ossl_ca_init [copy]: a throw-away "openssl ca" setup in the current
# folder: db/ (index, serial 1000) and ca.cnf, whose default CA "kc"
# takes any commonName (policy "anything"); with "copy", it also copies
# the request's extensions.  A script appends its own sections to ca.cnf.
ossl_ca_init() {
	mkdir db
	: >db/index.txt
	echo 1000 >db/serial
	{
		printf '[ca]\ndefault_ca = kc\n[kc]\n'
		printf 'database = db/index.txt\nnew_certs_dir = db\n'
		printf 'serial = db/serial\ndefault_md = sha256\n'
		printf 'policy = anything\nunique_subject = no\n'
		[ "${1-}" != copy ] || printf 'copy_extensions = copy\n'
		printf 'email_in_dn = no\n[anything]\ncommonName = supplied\n'
	} >ca.cnf
}

# stop_pid PID [TENTHS]: TERM to PID (a process this script started),
# up to TENTHS tenths of a second (50) for it to end, then KILL; reaped
# either way.  Returns 1 if it took KILL.
stop_pid() {
	kill "$1" 2>/dev/null || :
	_sp_n=0
	while [ "$_sp_n" -lt "${2:-50}" ] && kill -0 "$1" 2>/dev/null; do
		nap 0.1
		_sp_n=$((_sp_n + 1))
	done
	_sp_st=0
	kill -9 "$1" 2>/dev/null && _sp_st=1
	wait "$1" 2>/dev/null || :
	return $_sp_st
}

# stop_etcd: stop the one etcd a script started, ETCD_PID, if any.
ETCD_PID=
stop_etcd() {
	[ -n "$ETCD_PID" ] || return 0
	stop_pid "$ETCD_PID" || :
	ETCD_PID=
}

# The etcd members a script started: PIDS, and LAST, the one to stop
# last (the leader), if known.  stop_members stops them one at a time
# with stop_pid, LAST last: on TERM a leader hands leadership over first,
# and with a peer that is dying, or no quorum left, it waits for that in
# vain; once its peers are gone it has nobody to hand over to and stops.
PIDS=
LAST=
stop_members() {
	_sm_order=
	for _sm_p in $PIDS; do [ "$_sm_p" = "$LAST" ] || _sm_order="$_sm_order $_sm_p"; done
	case " $PIDS " in *" $LAST "*) _sm_order="$_sm_order $LAST" ;; esac
	for _sm_p in $_sm_order; do
		stop_pid "$_sm_p" || say "member pid $_sm_p ignored TERM, killed"
	done
	PIDS="" LAST=""
}

# wait_for SECONDS PIDS CMD...: CMD every 0.2 s until it succeeds (0), a
# process of PIDS (started by this script) has died (2) or SECONDS have
# passed (1).
wait_for() {
	_wf_end=$(($(date +%s) + $1))
	_wf_pids=$2
	shift 2
	while [ "$(date +%s)" -lt "$_wf_end" ]; do
		for _wf_p in $_wf_pids; do
			kill -0 "$_wf_p" 2>/dev/null || return 2
		done
		"$@" && return 0
		nap 0.2
	done
	return 1
}

# wait_healthy ENDPOINTS: up to 30 s for the members of PIDS to answer
# "endpoint health" through the script's ctl (etcdctl with its
# certificates): 0 healthy, 1 timeout, 2 a member died.  The last answer
# is in $T/health.err.
health_once() {
	ctl --endpoints "$1" endpoint health >"$T/health.err" 2>&1
}
wait_healthy() {
	wait_for 30 "$PIDS" health_once "$1"
}

# say WORDS: a progress line, "NAME: WORDS", NAME the script's.
say() { echo "$(basename "$0" .sh): $*"; }

# Sleep "$1" seconds; POSIX sleep promises whole seconds only.
nap() {
	sleep "$1" 2>/dev/null || sleep 1
}

# True if anything listens on TCP port $1, on any address.
port_busy() {
	if command -v ss >/dev/null 2>&1; then
		ss -ltn | awk -v p="$1" 'NR > 1 { n = split($4, a, ":"); if (a[n] == p) f = 1 }
		    END { exit !f }'
	else
		cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p="$(printf '%04X' "$1")" \
		    '$4 == "0A" { split($2, a, ":"); if (a[2] == p) f = 1 } END { exit !f }'
	fi
}

# etcd_env: the caller's ETCD_*/ETCDCTL_* variables would act as flags:
# drop them (ETCD_UNSUPPORTED_ARCH aside); etcdctl's v3 API; etcd allowed
# on this arch (etcd_allow_arch).
etcd_env() {
	for _v in $(env | sed -n 's/^\(ETCD[A-Z0-9_]*\)=.*/\1/p'); do
		[ "$_v" = ETCD_UNSUPPORTED_ARCH ] || unset "$_v"
	done
	export ETCDCTL_API=3
	etcd_allow_arch
}

# etcd_status_counts ENDPOINTS: "endpoints clusters members leaders
# leading" from "endpoint status -w fields" through the script's ctl, one
# block per endpoint; an endpoint leads if its MemberID is its Leader
# (compared as strings: JSON would round the 64-bit IDs in jq).
etcd_status_counts() {
	ctl --endpoints "$1" endpoint status -w fields | awk '
		$1 == "\"ClusterID\"" { cl[$3] = 1 }
		$1 == "\"MemberID\""  { id = $3; ids[id] = 1 }
		$1 == "\"Leader\""    { ld[$3] = 1; if ($3 == id) lead++ }
		$1 == "\"Endpoint\""  { eps++ }
		function n(a,  k, c) { c = 0; for (k in a) c++; return c }
		END { print eps + 0, n(cl), n(ids), n(ld), lead + 0 }'
}

# etcd_leader ENDPOINTS: N of the leader's address 127.0.0.N, or nothing.
etcd_leader() {
	ctl --endpoints "$1" endpoint status -w fields 2>/dev/null | awk '
		$1 == "\"MemberID\"" { id = $3 }
		$1 == "\"Leader\""   { lead = ($3 == id) }
		$1 == "\"Endpoint\"" { if (lead) print $3 }' |
	    sed -n 's/^"https:\/\/127\.0\.0\.\([0-9]*\):.*/\1/p'
}

# etcd 3.4 refuses arches other than amd64/ppc64le unless
# ETCD_UNSUPPORTED_ARCH names the Go arch; its refusal message tells which.
etcd_allow_arch() {
	arch=$(etcd --version 2>&1 | sed -n 's/.*without ETCD_UNSUPPORTED_ARCH=\([a-z0-9]*\).*/\1/p')
	[ -z "$arch" ] || export ETCD_UNSUPPORTED_ARCH="$arch"
}

# The closing line ctest shows; "N passed, N failed" is read by CI too.
finish() {
	echo "$(basename "$0"): $checks passed, 0 failed"
}
