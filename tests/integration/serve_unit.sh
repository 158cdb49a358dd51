#!/bin/sh
# contrib/kiln-serve.service: systemd reads it without a complaint, and
# its sandbox is what SECURITY.md promises (a user of its own, a
# read-only system but for the database and the audit log, no new
# privileges, only inet and local sockets, @system-service calls).
# Skipped (77) without systemd-analyze.
. "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null 2>&1 || { echo "no systemd-analyze"; exit 77; }
UNIT=$(cd "$(dirname "$0")/../.." && pwd)/contrib/kiln-serve.service

# verify checks that ExecStart's program exists and that the
# Documentation page is installed: neither is, in a build tree.
sed -e 's#^ExecStart=/usr/bin/kiln #ExecStart=/bin/true #' \
    -e '/^Documentation=/d' "$UNIT" >kiln-serve.service
run verify systemd-analyze verify ./kiln-serve.service
assert_eq 0 "$rc" "systemd-analyze verify status"
assert_eq "" "$(cat verify.out verify.err)" "systemd-analyze verify output"

for want in DynamicUser=yes ProtectSystem=strict \
    "ReadWritePaths=/var/lib/kiln /var/log/kiln" NoNewPrivileges=yes \
    PrivateTmp=yes "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
    SystemCallFilter=@system-service CapabilityBoundingSet= \
    LoadCredential=ca-key.pem:/etc/kiln/ca-key.pem KillSignal=SIGTERM; do
	grep -qxF "$want" "$UNIT" || fail "$want: not in $UNIT"
	ok
done

run sec systemd-analyze security --offline=yes ./kiln-serve.service
level=$(sed -n 's/.*Overall exposure level for kiln-serve.service: \([0-9.]*\).*/\1/p' sec.out)
[ -n "$level" ] || fail "no exposure level: $(tail -n 3 sec.out sec.err)"
awk -v l="$level" 'BEGIN { exit !(l <= 1.5) }' ||
    fail "exposure level $level, want at most 1.5"
ok
finish
