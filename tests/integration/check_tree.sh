#!/bin/sh
# kiln check over trees an attacker could shape: 1,500 and 5,000 nested
# folders with an expired certificate at the bottom (reported, exit 2, no
# crash: a recursive walk overflowed the stack), links that loop, and a
# folder prepared by an unprivileged user (nobody) with a FIFO, links to
# devices and to folders, a link loop: root's check ends, opens none of
# them, and still finds the certificate.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || fail "python3 is not installed"

# run (lib.sh) gives each command 60 s at most, so that a hang fails
# rather than blocks.
RUN_TIMEOUT=60

# An expired certificate, ECDSA P-256.
openssl ecparam -name prime256v1 -genkey -noout -out key.pem
ossl_ca_init
openssl req -x509 -new -key key.pem -subj /CN=tree-ca -days 3650 -out ca.pem
openssl req -new -key key.pem -subj /CN=deep-expired -out old.csr
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile key.pem -in old.csr \
    -notext -startdate 20200101000000Z -enddate 20210101000000Z \
    -out expired.pem 2>/dev/null

# The deep trees go to a tmpfs when there is one: removing thousands of
# nested folders takes seconds a thousand on some disks.
D=$(mktemp -d /dev/shm/kiln-tree.XXXXXX 2>/dev/null) || D=$(mktemp -d "$T/tree.XXXXXX")
rm_tree() { rm -rf "$D"; }
ON_EXIT=rm_tree
cp expired.pem "$D/"

# 1,500 folders: the path (3,000 characters) is still under PATH_MAX.
cd "$D" || exit 1
p=t1500
i=0
while [ $i -lt 1500 ]; do
	p=$p/d
	i=$((i + 1))
done
mkdir -p "$p"
cp expired.pem "$p/"
run deep1500 "$KILN" check t1500
assert_eq 2 "$rc" "1500 folders: exit"
assert_eq "" "$(cat deep1500.err)" "1500 folders: stderr"
assert_contains "$(cat deep1500.out)" "$p/expired.pem | deep-expired |" \
    "1500 folders: the certificate at the bottom"
assert_contains "$(cat deep1500.out)" "| expired |" "1500 folders: status"
rm -rf t1500

# 5,000 folders: paths of 10,000 characters, made through descriptors
# (mkdir -p and cd stop at PATH_MAX).
python3 - <<'EOF'
import os
os.mkdir("t5000")
fd = os.open("t5000", os.O_RDONLY)
for _ in range(5000):
    os.mkdir("d", dir_fd=fd)
    sub = os.open("d", os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = sub
data = open("expired.pem", "rb").read()
out = os.open("expired.pem", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
os.write(out, data)
os.close(out)
EOF
# A low descriptor limit too: the walk keeps a few open, not one a level.
# shellcheck disable=SC2016 # $0 is the inner shell's
run deep5000 sh -c 'ulimit -n 64 && exec "$0" check -format json t5000' "$KILN"
assert_eq 2 "$rc" "5000 folders: exit"
assert_eq "" "$(cat deep5000.err)" "5000 folders: stderr"
assert_eq "1 expired deep-expired 10017 0" \
    "$(jq -r '[(.certificates | length), .certificates[0].status,
        .certificates[0].subject_cn, (.certificates[0].path | length),
        (.problems | length)] | join(" ")' deep5000.out)" \
    "5000 folders: the certificate, its 10,017-character path"
cd "$T" || exit 1

# Links that loop.  A link to a folder is not followed inside the walk,
# so "self" and "up" make no loop; two links naming each other are a
# problem (exit 3 unless worse); the operand, a link to the folder, is.
mkdir loop
cp expired.pem loop/
ln -s . loop/self
ln -s .. loop/up
ln -s ../top loop/top
ln -s b.pem loop/a.pem
ln -s a.pem loop/b.pem
ln -s loop top
run loops "$KILN" check top
assert_eq 2 "$rc" "link loops: exit"
assert_eq "kiln: check: top/a.pem: a link in a loop of links
kiln: check: top/b.pem: a link in a loop of links" "$(cat loops.err)" \
    "link loops: stderr"
assert_eq 1 "$(grep -c 'top/expired.pem' loops.out)" \
    "link loops: the certificate, once"

# A folder nobody (not root) prepares, which root then checks: a FIFO
# that would block a reader, links to /dev/zero (endless) and /dev/tty, a
# link to /etc, a link loop, and one real certificate.
if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null 2>&1; then
	chmod 711 "$T" # nobody may reach its folder, no more
	mkdir hostile
	chown nobody hostile
	chmod 755 hostile
	cp expired.pem hostile/real.pem
	chmod 644 hostile/real.pem
	runuser -u nobody -- sh -c '
		cd hostile &&
		mkfifo fifo.pem &&
		ln -s /dev/zero zero.pem &&
		ln -s /dev/tty tty.pem &&
		ln -s /etc etc &&
		ln -s loop2.pem loop1.pem && ln -s loop1.pem loop2.pem &&
		mkdir -p sub/sub && ln -s ../.. sub/sub/back'
	run hostile "$KILN" check hostile
	assert_eq 2 "$rc" "nobody's folder: exit (no hang, no endless read)"
	assert_eq "kiln: check: hostile/loop1.pem: a link in a loop of links
kiln: check: hostile/loop2.pem: a link in a loop of links" \
	    "$(cat hostile.err)" "nobody's folder: stderr"
	assert_eq 1 "$(grep -c '| hostile/real.pem ' hostile.out)" \
	    "nobody's folder: the certificate"
	assert_not_contains "$(cat hostile.out)" "/etc" \
	    "nobody's folder: the link to /etc not followed"
else
	echo "check_tree: not root: the folder prepared by nobody is not tried"
fi

finish
