#!/bin/sh
# etcd_attack.sh BUILD_DIR DATA_DIR
#
# `kiln etcd` run by root over an output tree that another user can write:
# every folder of the tree belongs to nobody (the files are root's, as kiln
# wrote them), and nobody's moves run as `runuser -u nobody`. Each re-run
# below must refuse, with exactly one line naming the file, exit 1, and
# leave the tree and nobody's own folder byte for byte as they were:
#  a. a member's key replaced by a symbolic link to nobody's key;
#  b. a member's key replaced by another valid key: one kiln made (renamed
#     from the clients' folder), then one nobody wrote;
#  c. a member's folder replaced by a symbolic link to nobody's folder;
#  d. a FIFO at a certificate path (refused at once, not waited on);
#  e. ca/ca-key.pem at mode 0644: set back to 0600, same bytes, and said;
#  f. a manifest whose prefix holds %h, ${PATH}, a newline or a space, or a
#     cluster_token with a newline: one line, nothing written;
#  g. a hard link to nobody's key at a member's key path.
# ECDSA P-256 throughout; no network.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "etcd_attack: needs root (runuser -u nobody plays the attacker); skipped"
	exit 77
fi
for t in runuser timeout openssl sha256sum mkfifo; do
	command -v "$t" >/dev/null 2>&1 || fail "$t is not installed"
done
export LC_ALL=C

NOBODY_UID=$(id -u nobody)
NOBODY_GROUP=$(id -gn nobody)
# nobody must reach the scratch folder to play its part.
chmod 0755 "$T"

cat >m.json <<'EOF'
{
  "cluster_token": "attack",
  "ca": { "CN": "attack CA", "key": { "algo": "ecdsa", "size": 256 } },
  "key": { "algo": "ecdsa", "size": 256 },
  "members": [
    { "name": "etcd-1", "ip": "127.0.0.1" },
    { "name": "etcd-2", "ip": "127.0.0.2" }
  ],
  "clients": [ "root" ],
  "prefix": "/opt/etcd-attack"
}
EOF

# run_kiln TAG MANIFEST [FLAG...]: kiln etcd into out (20 s at most), stdout
# in TAG.out, stderr in TAG.err; sets RC and SECS.
run_kiln() {
	start=$(date +%s)
	RC=0
	tag=$1 manifest=$2
	shift 2
	timeout 20 "$KILN" etcd "$@" -manifest "$manifest" -out out >"$tag.out" 2>"$tag.err" || RC=$?
	SECS=$(($(date +%s) - start))
}

# state: every entry of the tree and of nobody's folder (path, type, mode,
# owner, size, link target), then every file's hash.
state() {
	for d in out outside; do
		[ -e "$d" ] && find "$d" -printf '%p %y %m %u:%g %s %l\n'
	done | sort
	for d in out outside; do
		[ -e "$d" ] && find "$d" -type f -exec sha256sum {} +
	done | sort
}

# refused TAG MESSAGE: the re-run fails at once with exactly MESSAGE on
# stderr, nothing on stdout, and changes nothing; so does a dry run (-n).
refused() {
	state >"$1.before"
	for t in "$1" "$1-n"; do
		if [ "$t" = "$1" ]; then run_kiln "$t" m.json; else run_kiln "$t" m.json -n; fi
		assert_eq 1 "$RC" "$t: exit status ($(cat "$t.err"))"
		assert_eq "$2" "$(cat "$t.err")" "$t: message"
		assert_eq 1 "$(wc -l <"$t.err" | tr -d ' ')" "$t: lines on stderr"
		assert_eq 0 "$(wc -c <"$t.out" | tr -d ' ')" "$t: bytes on stdout"
		[ "$SECS" -lt 10 ] || fail "$t: took $SECS s"
		state >"$t.after"
		diff "$1.before" "$t.after" >"$t.diff" || fail "$t: the tree changed: $(cat "$t.diff")"
		ok
	done
}

# clean TAG: a re-run on the tree as kiln left it keeps everything.
clean() {
	run_kiln "$1" m.json
	assert_eq 0 "$RC" "$1: exit status ($(cat "$1.err"))"
	assert_eq "out: 2 members, 1 client: 0 certificates issued, 6 kept" "$(tail -n 1 "$1.out")" "$1: summary"
	assert_eq "" "$(grep -v ': kept$' "$1.out" | sed '$d')" "$1: every file kept"
}

run_kiln first m.json
assert_eq 0 "$RC" "first run ($(cat first.err))"
assert_eq "out: 2 members, 1 client: 6 certificates issued, 0 kept" "$(tail -n 1 first.out)" "first run: summary"
# The tree's folders are nobody's, its files root's; nobody has a folder of
# its own outside the tree, with a key of its own.
find out -type d -exec chown "nobody:$NOBODY_GROUP" {} +
mkdir outside
chown "nobody:$NOBODY_GROUP" outside
as_nobody openssl ecparam -name prime256v1 -genkey -noout -out outside/nobody-key.pem
assert_eq "nobody 600" "$(stat -c '%U %a' outside/nobody-key.pem)" "nobody's key"
clean rerun
say "setup: folders of out/ owned by nobody, files by root; 6 certificates kept on a re-run"

# a. A member's key replaced by a link to nobody's key.
as_nobody mv out/etcd-1/ssl/peer-key.pem outside/saved-key.pem
as_nobody ln -s "$T/outside/nobody-key.pem" out/etcd-1/ssl/peer-key.pem
refused a 'kiln: etcd: out/etcd-1/ssl/peer-key.pem: a symbolic link, refused'
as_nobody rm out/etcd-1/ssl/peer-key.pem
as_nobody mv outside/saved-key.pem out/etcd-1/ssl/peer-key.pem
clean a-undone
say "a. a link at etcd-1/ssl/peer-key.pem: refused, nothing written"

# b. Another valid key at a member's key path: first root's client key,
# renamed there by nobody (a key kiln made, so the owner check passes) ...
as_nobody mv out/etcd-1/ssl/peer-key.pem outside/saved-key.pem
as_nobody mv out/clients/root-key.pem out/etcd-1/ssl/peer-key.pem
assert_eq "root 600" "$(stat -c '%U %a' out/etcd-1/ssl/peer-key.pem)" "b: the swapped key is root's"
refused b 'kiln: etcd: out/etcd-1/ssl/peer-key.pem: does not match out/etcd-1/ssl/peer.pem, refused (remove both, or use -force)'
as_nobody mv out/etcd-1/ssl/peer-key.pem out/clients/root-key.pem
# ... then a key nobody wrote there.
as_nobody cp outside/nobody-key.pem out/etcd-1/ssl/peer-key.pem
refused b-planted "kiln: etcd: out/etcd-1/ssl/peer-key.pem: owned by nobody (uid $NOBODY_UID), not by root (uid 0) who runs kiln, refused"
as_nobody rm out/etcd-1/ssl/peer-key.pem
as_nobody mv outside/saved-key.pem out/etcd-1/ssl/peer-key.pem
clean b-undone
say "b. another key at etcd-1/ssl/peer-key.pem (root's: no match; nobody's: its owner): refused"

# c. A member's folder replaced by a link to nobody's folder.
as_nobody mv out/etcd-2 outside/etcd-2
as_nobody mkdir outside/decoy
as_nobody ln -s "$T/outside/decoy" out/etcd-2
refused c 'kiln: etcd: out/etcd-2: a symbolic link, not a folder'
assert_eq "" "$(ls -A outside/decoy)" "c: nothing written through the link"
as_nobody rm out/etcd-2
as_nobody mv outside/etcd-2 out/etcd-2
clean c-undone
say "c. etcd-2 a link to nobody's folder: refused, nothing written there"

# d. A FIFO at a certificate path: refused at once.
as_nobody mv out/etcd-1/ssl/server.pem outside/saved.pem
as_nobody mkfifo out/etcd-1/ssl/server.pem
refused d 'kiln: etcd: out/etcd-1/ssl/server.pem: a FIFO, refused'
d_secs=$SECS
as_nobody rm out/etcd-1/ssl/server.pem
as_nobody mv outside/saved.pem out/etcd-1/ssl/server.pem
clean d-undone
say "d. a FIFO at etcd-1/ssl/server.pem: refused in $d_secs s"

# e. ca/ca-key.pem readable by others: back to 0600, same bytes, said.
sum=$(sha256sum <out/ca/ca-key.pem)
chmod 0644 out/ca/ca-key.pem
run_kiln e-n m.json -n
assert_eq 0 "$RC" "e -n: exit status ($(cat e-n.err))"
assert_eq "out/ca/ca-key.pem: mode 0644 reset to 0600
out: 2 members, 1 client: 0 certificates to issue, 6 kept (dry run: nothing written)" \
    "$(grep -v ': kept$' e-n.out)" "e -n: stdout"
assert_eq 644 "$(stat -c '%a' out/ca/ca-key.pem)" "e -n: the mode is left alone"
run_kiln e m.json
assert_eq 0 "$RC" "e: exit status ($(cat e.err))"
assert_eq "out/ca/ca-key.pem: mode 0644 reset to 0600
out: 2 members, 1 client: 0 certificates issued, 6 kept" "$(grep -v ': kept$' e.out)" "e: stdout"
assert_eq "" "$(cat e.err)" "e: stderr"
assert_eq "600 root:root" "$(stat -c '%a %U:%G' out/ca/ca-key.pem)" "e: ca-key.pem mode and owner"
assert_eq "$sum" "$(sha256sum <out/ca/ca-key.pem)" "e: ca-key.pem bytes"
clean e-again
say "e. ca/ca-key.pem 0644: reset to 0600, same bytes"

# f. A prefix systemd would read otherwise, or a token that would break
# etcd.yml: one line, exit 1, nothing written.
bad_manifest() {	# TAG JQ-FILTER MESSAGE
	jq "$2" m.json >"$1.json"
	state >"$1.before"
	RC=0
	"$KILN" etcd -manifest "$1.json" -out out >"$1.out" 2>"$1.err" || RC=$?
	assert_eq 1 "$RC" "$1: exit status ($(cat "$1.err"))"
	assert_eq "$3" "$(cat "$1.err")" "$1: message"
	assert_eq 1 "$(wc -l <"$1.err" | tr -d ' ')" "$1: lines on stderr"
	assert_eq 0 "$(wc -c <"$1.out" | tr -d ' ')" "$1: bytes on stdout"
	state >"$1.after"
	diff "$1.before" "$1.after" >"$1.diff" || fail "$1: the tree changed: $(cat "$1.diff")"
	RC=0
	"$KILN" etcd -manifest "$1.json" -out "new-$1" >/dev/null 2>&1 || RC=$?
	assert_eq 1 "$RC" "$1: exit status into a new folder"
	[ ! -e "new-$1" ] || fail "$1: new-$1 was created"
}
command -v jq >/dev/null 2>&1 || fail "jq is not installed"
bad_manifest f-home '.prefix = "/home/%h/etcd"' \
    'kiln: etcd: f-home.json: prefix: "%" is not allowed in a path written into etcd.service'
bad_manifest f-path '.prefix = "/opt/${PATH}"' \
    'kiln: etcd: f-path.json: prefix: "$" is not allowed in a path written into etcd.service'
bad_manifest f-newline '.prefix = "/opt/etcd\nExecStartPre=/bin/sh -c id"' \
    'kiln: etcd: f-newline.json: prefix: "\x0a" is not allowed in a path written into etcd.service'
bad_manifest f-space '.prefix = "/opt/my etcd"' \
    'kiln: etcd: f-space.json: prefix: " " is not allowed in a path written into etcd.service'
bad_manifest f-token '.cluster_token = "a\nname: evil"' \
    'kiln: etcd: f-token.json: cluster_token: "\x0a" is not allowed in a value written into etcd.yml'
grep -qx 'ExecStart=/opt/etcd-attack/bin/etcd --config-file /opt/etcd-attack/cfg/etcd.yml' out/etcd-1/etcd.service ||
    fail "f: etcd.service: $(cat out/etcd-1/etcd.service)"
ok
say "f. prefix with %h, \${PATH}, a newline, a space; a token with a newline: one line, nothing written"

# g. A hard link to nobody's key at a member's key path.
as_nobody mv out/etcd-1/ssl/server-key.pem outside/saved-key.pem
as_nobody ln outside/nobody-key.pem out/etcd-1/ssl/server-key.pem
refused g 'kiln: etcd: out/etcd-1/ssl/server-key.pem: has 2 hard links, refused'
as_nobody rm out/etcd-1/ssl/server-key.pem
as_nobody mv outside/saved-key.pem out/etcd-1/ssl/server-key.pem
clean g-undone
say "g. a hard link to nobody's key at etcd-1/ssl/server-key.pem: refused"

# Every key is still root's and 0600, every certificate verifies with its key.
for k in $(find out -name '*-key.pem' | sort); do
	assert_eq "600 root" "$(stat -c '%a %U' "$k")" "$k: mode and owner"
	c=${k%-key.pem}.pem
	[ "$k" = out/ca/ca-key.pem ] && c=out/ca/ca.pem
	[ "$(openssl x509 -in "$c" -noout -pubkey)" = "$(openssl pkey -in "$k" -pubout)" ] ||
	    fail "$k is not the key of $c"
	ok
done
say "PASS"
finish
