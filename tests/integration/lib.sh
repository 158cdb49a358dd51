# Shared helpers for kiln's integration tests (POSIX sh).
# Usage: . lib.sh; then $KILN is the binary, $BIN its folder (with the
# cfssl and cfssljson links), $DATA the test data, $T a scratch folder
# removed on exit.

set -eu

BIN=$(cd "$1" && pwd)
DATA=$(cd "$2" && pwd)
KILN=$BIN/kiln
T=$(mktemp -d "${TMPDIR:-/tmp}/kiln-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
checks=0

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

# The octal permission bits of a file.
mode() {
	stat -c %a "$1"
}

# x509text FILE: openssl's text dump of a certificate.
x509text() {
	openssl x509 -in "$1" -noout -text
}

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
