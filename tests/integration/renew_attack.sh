#!/bin/sh
# renew_attack.sh BUILD_DIR DATA_DIR
#
# kiln renew run by root over a folder another user owns, with that user
# (nobody, through runuser) playing the attacker.  A root-owned stand-in
# for /etc/passwd lies outside the folder; after every case it must be
# byte for byte what it was, and no root-owned file may have appeared
# outside the folder.
#  a. a FIFO as the operand, fed a CA-signed certificate and arbitrary text:
#     refused at once, without blocking;
#  b. a symbolic link to the stand-in as the operand: refused, naming
#     -follow-links; with -follow-links, not a certificate;
#  c. the name swapped for a link to the stand-in between read and write
#     (strace delays the temporary's fsync, the attacker waits for the
#     temporary and renames a link over the certificate): "changed while
#     kiln worked on it", the stand-in untouched, no temporary left;
#  d. -rekey: an old key of mode 0644 gives a new key of mode 0600 owned
#     by root (the certificate keeps its owner); a key that is a link to a
#     file of nobody's is refused and not followed;
#  e. clients/root.pem copied over a member's server.pem: refused with and
#     without -rekey, naming both files, nothing changed.
# Needs root (CI runs as root) and strace; skipped (77) otherwise.
# RENEW_ATTACK_CASES=ce runs only cases c and e.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	echo "renew_attack: needs root and a user nobody: skipped"
	exit 77
fi
for t in openssl runuser strace timeout sha256sum; do
	command -v "$t" >/dev/null 2>&1 || fail "$t is not installed (scripts/setup-debian.sh)"
done
START=$(date +%s)
CASES=${RENEW_ATTACK_CASES:-abcde}
# want CASE: whether to run CASE.
want() {
	case $CASES in
	*"$1"*) return 0 ;;
	esac
	return 1
}

# $T/passwd, the stand-in, and $T/elsewhere are watched; $A is nobody's
# folder; the test's own files are in $H.
chmod 0711 "$T" # nobody reaches its folder, nothing else
A=$T/attack
H=$T/h
mkdir "$A" "$H"
chmod 0711 "$H"
printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534::/:/bin/false\n' >passwd
chmod 0644 passwd
cd "$H" || fail "cd $H"
mkdir ca logs
sha256sum "$T/passwd" >passwd.sum
cat >ca-csr.json <<'EOF'
{ "CN": "attack CA", "key": { "algo": "ecdsa", "size": 256 } }
EOF
cat >leaf-csr.json <<'EOF'
{ "CN": "etcd-1", "hosts": [ "127.0.0.1" ], "key": { "algo": "ecdsa", "size": 256 } }
EOF
cat >root-csr.json <<'EOF'
{ "CN": "root", "key": { "algo": "ecdsa", "size": 256 } }
EOF
"$KILN" gencert -initca -out ca/ca ca-csr.json >/dev/null 2>logs/gen.err || fail "initca: $(cat logs/gen.err)"

# as_nobody COMMAND: sh -c COMMAND as nobody, in nobody's folder.
as_nobody() {
	runuser -u nobody -- sh -c "cd '$A' && $1"
}

# fresh: nobody's folder with a server.pem and its key, both nobody's.
fresh() {
	rm -rf "$A"
	mkdir "$A"
	"$KILN" gencert -ca ca/ca.pem -ca-key ca/ca-key.pem -out "$A/server" leaf-csr.json \
	    >/dev/null 2>logs/gen.err || fail "gencert: $(cat logs/gen.err)"
	rm -f "$A/server.csr"
	chown -R nobody:nogroup "$A" 2>/dev/null || chown -R nobody "$A"
}

# The root-owned files outside nobody's folder and the test's own.
root_files() {
	find "$T" \( -path "$A" -o -path "$H" \) -prune -o -user root -print | sort
}

# run TAG ARGS...: kiln renew ARGS as root, under timeout, output in
# logs/TAG.out and logs/TAG.err, status in RC.
run() {
	tag=$1
	shift
	RC=0
	timeout 20 "$KILN" renew -ca ca/ca.pem -ca-key ca/ca-key.pem "$@" \
	    >"logs/$tag.out" 2>"logs/$tag.err" || RC=$?
	[ "$RC" != 124 ] || fail "$tag: kiln renew blocked"
}

# untouched WHAT: the stand-in as it was, no new root-owned file outside
# nobody's folder, no temporary left in it.
untouched() {
	sha256sum -c passwd.sum >/dev/null 2>&1 || fail "$1: the stand-in changed: $(cat "$T/passwd")"
	ok
	assert_eq "$ROOT_FILES" "$(root_files)" "$1: root-owned files outside the folder"
	assert_eq "" "$(find "$A" -name '.*.??????' -print)" "$1: temporaries left"
}

fresh
ROOT_FILES=$(root_files)

# ---------------------------------------------------------------------------
# a. A FIFO, fed a certificate the CA signed and a line for /etc/passwd.
if want a; then
	cat "$A/server.pem" >feed
	echo 'toor::0:0::/root:/bin/sh' >>feed
	chmod 0644 feed
	as_nobody 'rm -f server.pem && mkfifo server.pem'
	# The writer blocks until a reader opens the FIFO; it holds none of
	# ctest's pipes, and the reader below lets it finish.
	runuser -u nobody -- timeout -s KILL 10 sh -c \
	    "cat '$H/feed' >'$A/server.pem'" </dev/null >/dev/null 2>&1 &
	writer=$!
	t0=$(date +%s)
	run fifo -backup "$A/server.pem"
	t1=$(date +%s)
	timeout 10 cat "$A/server.pem" >/dev/null 2>&1 || true
	wait "$writer" 2>/dev/null || true
	assert_eq 1 "$RC" "FIFO: exit status ($(cat logs/fifo.out))"
	assert_eq "kiln: renew: $A/server.pem: a FIFO, refused" "$(cat logs/fifo.err)" "FIFO: stderr"
	[ $((t1 - t0)) -le 3 ] || fail "FIFO: kiln renew took $((t1 - t0)) s: it waited for the writer"
	ok
	[ -p "$A/server.pem" ] || fail "FIFO: the FIFO was replaced"
	ok
	untouched FIFO
	say "a. a FIFO operand: refused at once ($checks checks)"
fi

# ---------------------------------------------------------------------------
# b. A link to the stand-in.
if want b; then
	fresh
	as_nobody "rm server.pem && ln -s '$T/passwd' server.pem"
	run link -backup "$A/server.pem"
	assert_eq 1 "$RC" "link: exit status"
	assert_eq "kiln: renew: $A/server.pem: a symbolic link, refused (-follow-links follows a link to a file of kiln's own user)" \
	    "$(cat logs/link.err)" "link: stderr"
	untouched link
	# The stand-in is root's, so -follow-links reads it: no certificate.
	run linkf -follow-links -backup "$A/server.pem"
	assert_eq 1 "$RC" "-follow-links to the stand-in: exit status"
	assert_eq 1 "$(wc -l <logs/linkf.err | tr -d ' ')" "-follow-links to the stand-in: one line ($(cat logs/linkf.err))"
	assert_contains "$(cat logs/linkf.err)" "kiln: renew: $A/server.pem: " "-follow-links to the stand-in: stderr"
	untouched "-follow-links"
	[ "$(readlink "$A/server.pem")" = "$T/passwd" ] || fail "link: the link was replaced"
	ok
	say "b. a link to the stand-in: refused, not followed to a write ($checks checks)"
fi

# ---------------------------------------------------------------------------
# c. The name swapped between read and write.  strace holds the first
# fsync, the temporary's, for 2 s; the attacker waits (bounded) for the
# temporary, then renames a link to the stand-in over server.pem.
if want c; then
	fresh
	as_nobody "i=0
	while [ \$i -lt 300 ]; do
		for f in .server.pem.*; do
			if [ -e \"\$f\" ]; then
				ln -s '$T/passwd' .swap && mv -T .swap server.pem && exit 0
				exit 2
			fi
		done
		sleep 0.05
		i=\$((i + 1))
	done
	exit 1" </dev/null >/dev/null 2>&1 &
	attacker=$!
	RC=0
	# LeakSanitizer cannot work under ptrace (scripts/sanitize.sh).
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 timeout 30 strace -f -o /dev/null -e trace=fsync -e inject=fsync:delay_enter=2000000:when=1 \
	    "$KILN" renew -ca ca/ca.pem -ca-key ca/ca-key.pem "$A/server.pem" >logs/swap.out 2>logs/swap.err || RC=$?
	arc=0
	wait "$attacker" || arc=$?
	assert_eq 0 "$arc" "swap: the attacker swapped the name"
	assert_eq 1 "$RC" "swap: exit status ($(cat logs/swap.out))"
	assert_eq "kiln: renew: $A/server.pem: changed while kiln worked on it (replaced, removed or linked), refused" \
	    "$(cat logs/swap.err)" "swap: stderr"
	[ "$(readlink "$A/server.pem")" = "$T/passwd" ] || fail "swap: kiln replaced the attacker's link"
	ok
	untouched swap
	say "c. the name swapped between read and write: refused ($checks checks)"
fi

# ---------------------------------------------------------------------------
# d. -rekey: the new key is root's and 0600 whatever the old one was; a key
# that is a link is never followed.
if want d; then
	fresh
	chmod 0644 "$A/server-key.pem"
	cp "$A/server.pem" server.before
	run rekey -rekey "$A/server.pem"
	assert_eq 0 "$RC" "-rekey of a 0644 key: exit status ($(cat logs/rekey.err))"
	assert_eq "root 600" "$(stat -c '%U %a' "$A/server-key.pem")" "-rekey of a 0644 key: the new key"
	assert_eq "nobody 644" "$(stat -c '%U %a' "$A/server.pem")" "-rekey of a 0644 key: the certificate"
	[ "$(openssl x509 -in "$A/server.pem" -noout -pubkey)" = "$(openssl pkey -in "$A/server-key.pem" -pubout)" ] ||
	    fail "-rekey of a 0644 key: the new key does not match"
	ok
	untouched "-rekey"
	fresh
	mkdir "$T/elsewhere"
	mv "$A/server-key.pem" "$T/elsewhere/k.pem"
	chown -R nobody "$T/elsewhere"
	cp "$T/elsewhere/k.pem" k.before
	ROOT_FILES=$(root_files)
	as_nobody "ln -s '$T/elsewhere/k.pem' server-key.pem"
	cp "$A/server.pem" server.before
	for flags in -rekey "" -follow-links; do
		# shellcheck disable=SC2086
		run rekeylink $flags "$A/server.pem"
		assert_eq 1 "$RC" "a linked key ($flags): exit status"
		assert_eq "kiln: renew: $A/server-key.pem: a symbolic link, refused" "$(cat logs/rekeylink.err)" \
		    "a linked key ($flags): stderr"
		cmp -s k.before "$T/elsewhere/k.pem" || fail "a linked key ($flags): its target changed"
		ok
		assert_eq "nobody" "$(stat -c %U "$T/elsewhere/k.pem")" "a linked key ($flags): its target's owner"
		[ -L "$A/server-key.pem" ] || fail "a linked key ($flags): the link was replaced"
		ok
		cmp -s server.before "$A/server.pem" || fail "a linked key ($flags): server.pem changed"
		ok
	done
	untouched "a linked key"
	say "d. -rekey: a new key is root's and 0600; a linked key is refused ($checks checks)"
fi

# ---------------------------------------------------------------------------
# e. The folder's owner copies a client's certificate over the member's:
# renew would certify CN=root for the member's folder.
if want e; then
	mkdir clients
	"$KILN" gencert -ca ca/ca.pem -ca-key ca/ca-key.pem -out clients/root root-csr.json >/dev/null 2>logs/gen.err ||
	    fail "gencert root: $(cat logs/gen.err)"
	chmod 0644 clients/root.pem
	fresh
	cp "$A/server-key.pem" key.before
	as_nobody "cp '$H/clients/root.pem' server.pem"
	cp "$A/server.pem" server.before
	for flags in "" -rekey; do
		# shellcheck disable=SC2086
		run wrong $flags "$A/server.pem"
		assert_eq 1 "$RC" "root.pem over server.pem ($flags): exit status"
		assert_eq "kiln: renew: $A/server.pem: its key $A/server-key.pem does not match it: refused (a certificate is renewed only for the key beside it)" \
		    "$(cat logs/wrong.err)" "root.pem over server.pem ($flags): stderr"
		cmp -s server.before "$A/server.pem" || fail "root.pem over server.pem ($flags): server.pem changed"
		ok
		cmp -s key.before "$A/server-key.pem" || fail "root.pem over server.pem ($flags): the key changed"
		ok
	done
	untouched "root.pem over server.pem"
	say "e. another certificate over server.pem: refused, naming both ($checks checks)"

	say "PASS in $(($(date +%s) - START)) s"
	finish
fi

