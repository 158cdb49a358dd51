#!/bin/sh
# The README's quick start: one code block after the "Quick start"
# heading, exactly two commands; the first runs as written in a fresh
# clone, and the second is what .ci/run runs.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
block=$(awk '/^## Quick start/ { q = 1; next }
    q && /^```/ { if (inb) exit; inb = 1; next }
    inb { print }' "$top/README.md")
assert_eq 2 "$(printf '%s\n' "$block" | grep -c .)" "two commands in the quick start"
first=$(printf '%s\n' "$block" | sed -n 1p)
second=$(printf '%s\n' "$block" | sed -n 2p)
assert_eq "make setup demo" "$first" "first command"
assert_eq "make test" "$second" "second command"
assert_contains "$(cat "$top/.ci/run")" "$second" ".ci/run runs the second command"

# The first command in a fresh clone of the committed tree.
if git -C "$top" rev-parse HEAD >/dev/null 2>&1; then
	git clone -q "$top" clone
	cd clone
	sh -c "$first" >demo.out 2>&1 || fail "'$first' failed: $(tail -20 demo.out)"
	ok
	for f in ca.pem ca-key.pem ca.csr etcd.pem etcd-key.pem etcd.csr; do
		[ -s "out/$f" ] || fail "out/$f missing after '$first'"
		ok
	done
	assert_contains "$(cat demo.out)" "etcd.pem: OK" "demo verifies the chain"
	assert_contains "$(cat demo.out)" "IP Address:192.168.66.31" "demo summary"
	assert_eq 600 "$(mode out/etcd-key.pem)" "demo key mode"
fi
finish
