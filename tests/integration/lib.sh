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

# The closing line ctest shows; "N passed, N failed" is read by CI too.
finish() {
	echo "$(basename "$0"): $checks passed, 0 failed"
}
