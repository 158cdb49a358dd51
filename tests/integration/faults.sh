#!/bin/sh
# Faults around kiln's atomic writer (src/core/file.c: a temporary
# "DIR/.BASE.XXXXXX", fsync, rename), driven through the CLI: a full disk,
# a missing or impossible target folder, a symbolic link at the target,
# SIGKILL at random moments, key modes under umask 000, and no key
# material in error messages.
. "$(dirname "$0")/lib.sh"

cp "$DATA"/ecdsa/*.json "$DATA"/guide/ca-config.json .
"$KILN" gencert -initca ca-csr.json | "$KILN" json -bare ca
g="$KILN gencert -ca $T/ca.pem -ca-key $T/ca-key.pem -config $T/ca-config.json -profile kubernetes"

# temps DIR: how many of kiln's temporary files are in DIR.
temps() {
	find "$1" -maxdepth 1 -name '.*.??????' -type f | wc -l | tr -d ' '
}

# one_error WHAT: exit status 1 and one line on stderr (file err).
one_error() {
	assert_eq 1 "$status" "$1: exit status"
	assert_eq 1 "$(wc -l <err)" "$1: one line on stderr ($(cat err))"
}

# A full disk: a 64 KB tmpfs in a private mount namespace when root may
# mount, else a file size limit (kiln must get EFBIG, not die of SIGXFSZ).
full=""
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
    unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs '$T' " 2>/dev/null; then
	full=tmpfs
	mkdir tiny
	# 10,000 SANs make a 250 KB certificate: larger than the disk.
	awk 'BEGIN { printf "{\"CN\":\"big\",\"hosts\":[";
	    for (i = 0; i < 10000; i++) printf "%s\"h%d.example.com\"", (i ? "," : ""), i; print "]}" }' >big.json
	set +e
	unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs '$T/tiny' && cd '$T/tiny' &&
	    $g -out big '$T/big.json' >'$T/out' 2>'$T/err'; echo \$? >'$T/status';
	    ls -A >'$T/left'"
	set -e
	status=$(cat status)
	one_error "full disk (tmpfs)"
	assert_contains "$(cat err)" "No space left on device" "full disk message"
	# The new key goes too: without its certificate it would only block
	# the next run ("refusing to replace a private key").
	assert_eq "" "$(cat left)" "full disk: nothing left behind, key included"
fi
if [ -z "$full" ]; then
	full=ulimit
fi
# Both ways where possible: ulimit needs no privilege.
mkdir lim
awk 'BEGIN { printf "{\"CN\":\"big\",\"hosts\":[";
    for (i = 0; i < 10000; i++) printf "%s\"h%d.example.com\"", (i ? "," : ""), i; print "]}" }' >big.json
set +e
(cd lim && trap '' XFSZ && ulimit -f 64 && $g -out big "$T"/big.json) >out 2>err
status=$?
set -e
one_error "full disk (ulimit -f)"
assert_contains "$(cat err)" "File too large" "ulimit -f: EFBIG reported"
assert_eq "" "$(cat out)" "ulimit -f: stdout"
[ ! -e lim/big.pem ] || fail "ulimit -f: a partial big.pem"
ok
assert_eq 0 "$(temps lim)" "ulimit -f: temporary files left"
rm -rf lim

# Targets that cannot be written.
set +e
$g -out nodir/x etcd-csr.json >out 2>err
status=$?
set -e
one_error "missing folder"
assert_eq "kiln: gencert: nodir/x-key.pem: folder nodir does not exist" "$(cat err)" "missing folder message"
[ ! -e nodir ] || fail "missing folder created"
ok
echo plain >afile
set +e
$g -out afile/x etcd-csr.json >out 2>err
status=$?
set -e
one_error "folder is a file"
assert_eq "kiln: gencert: afile/x-key.pem: afile is not a folder" "$(cat err)" "folder is a file message"
assert_eq plain "$(cat afile)" "folder is a file: file unchanged"

# A symbolic link at the target is replaced, never written through.
mkdir link && echo victim >victim.pem && echo victimkey >victim-key.pem
ln -s "$T"/victim.pem link/x.pem
ln -s "$T"/victim-key.pem link/x-key.pem
$g -out link/x -force etcd-csr.json 2>err || fail "symlink target: $(cat err)"
ok
assert_eq victim "$(cat victim.pem)" "symlink: its target unchanged"
assert_eq victimkey "$(cat victim-key.pem)" "symlink: key link's target unchanged"
[ -f link/x.pem ] && [ ! -L link/x.pem ] && [ ! -L link/x-key.pem ] ||
    fail "symlink not replaced by a file"
ok
assert_eq 600 "$(mode link/x-key.pem)" "symlink: key mode"
# Without -force, an existing key (here a dangling link) is not replaced.
ln -s "$T"/nowhere-key.pem link/y-key.pem
set +e
$g -out link/y etcd-csr.json >out 2>err
status=$?
set -e
one_error "dangling key link without -force"
[ ! -e nowhere-key.pem ] || fail "wrote through a dangling link"
ok

# SIGKILL at random moments: each output is absent or complete.
mkdir kill
runs=${KILN_FAULT_RUNS:-200}
i=0
seed=$$
while [ "$i" -lt "$runs" ]; do
	i=$((i + 1))
	seed=$(((seed * 1103515245 + 12345) % 2147483648))
	ms=$((seed / 65536 % 21))
	# Under scripts/sanitize.sh, a kill that lands in LeakSanitizer's
	# exit-time scan leaves a report ("Unable to get registers from
	# thread") that is about the kill, not kiln: no leak scan here.
	(cd kill && ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    exec $g -force -out "k$i" "$T"/etcd-csr.json 2>/dev/null) &
	pid=$!
	nap "0.$(printf '%03d' "$ms")"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
done
cd kill
complete=0
for f in k*.pem k*.csr; do
	[ -e "$f" ] || continue
	case $f in
	*-key.pem)
		openssl pkey -in "$f" -noout 2>/dev/null || fail "SIGKILL: partial key $f"
		assert_eq 600 "$(mode "$f")" "SIGKILL: mode of $f" ;;
	*.csr) openssl req -in "$f" -noout 2>/dev/null || fail "SIGKILL: partial CSR $f" ;;
	*) openssl x509 -in "$f" -noout 2>/dev/null || fail "SIGKILL: partial certificate $f" ;;
	esac
	complete=$((complete + 1))
done
stray=$(temps .)
cd ..
ok
echo "SIGKILL: $runs runs, $complete complete files, $stray stray temporary files" >&2

# Keys are 0600 under umask 000, whatever the command.
mkdir modes && cd modes
(
	umask 000
	$g -out gen "$T"/etcd-csr.json
	"$KILN" gencert -initca "$T"/ca-csr.json | "$KILN" json -bare bare
	printf '{"members":[{"name":"etcd-1","ip":"127.0.0.1"}],"clients":["root"]}\n' >m.json
	"$KILN" etcd -manifest m.json -out cl >/dev/null
	"$KILN" renew -ca "$T"/ca.pem -ca-key "$T"/ca-key.pem -rekey gen.pem >/dev/null
) 2>../err || fail "umask 000 runs: $(cat ../err)"
for k in gen-key.pem bare-key.pem cl/ca/ca-key.pem cl/clients/root-key.pem \
    cl/etcd-1/ssl/server-key.pem cl/etcd-1/ssl/peer-key.pem; do
	assert_eq 600 "$(mode "$k")" "umask 000: mode of $k"
done
for c in gen.pem bare.pem cl/ca/ca.pem cl/etcd-1/ssl/server.pem; do
	assert_eq 644 "$(mode "$c")" "umask 000: mode of $c"
done
assert_eq "gen.pem: OK" "$(openssl verify -CAfile "$T"/ca.pem gen.pem)" "renew -rekey: verifies"
[ "$(openssl x509 -in gen.pem -noout -pubkey)" = "$(openssl pkey -in gen-key.pem -pubout)" ] ||
    fail "renew -rekey: key does not match"
ok
cd ..

# No key material in error messages.
openssl pkcs8 -topk8 -in ca-key.pem -v2 aes-256-cbc -passout pass:s3cret -out enc-key.pem
openssl ec -in ca-key.pem -aes256 -passout pass:s3cret -out enc-legacy.pem 2>/dev/null
# no_key_in WHAT: err holds no line of base64 from any of our keys.
no_key_in() {
	for k in ca-key.pem enc-key.pem enc-legacy.pem; do
		grep -v -e '^-----' -e '^Proc-Type' -e '^DEK-Info' -e '^$' "$k" | while read -r line; do
			if grep -F -q -- "$(printf '%s' "$line" | cut -c1-16)" err; then
				echo leak
			fi
		done
	done | grep -q leak && fail "$1: key material in: $(cat err)"
	ok
}
for bad in "$KILN sign -ca ca.pem -ca-key ca-key.pem ca-key.pem" \
    "$KILN sign -ca ca.pem -ca-key ca-key.pem enc-key.pem" \
    "$KILN gencert -ca ca-key.pem -ca-key ca-key.pem -config ca-config.json -profile kubernetes etcd-csr.json" \
    "$KILN gencert -ca ca.pem -ca-key enc-key.pem -config ca-config.json -profile kubernetes etcd-csr.json" \
    "env CFSSL_CA_PK_PASSWORD=wrong $KILN gencert -ca ca.pem -ca-key enc-key.pem -config ca-config.json -profile kubernetes etcd-csr.json" \
    "env CFSSL_CA_PK_PASSWORD=wrong $KILN gencert -ca ca.pem -ca-key enc-legacy.pem -config ca-config.json -profile kubernetes etcd-csr.json" \
    "$KILN gencert -ca ca.pem -ca-key ca-key.pem -config ca-key.pem -profile kubernetes etcd-csr.json" \
    "$KILN gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile kubernetes ca-key.pem" \
    "$KILN json -bare -f ca-key.pem x" \
    "$KILN etcd -manifest ca-key.pem -out o" \
    "$BIN/kiln-certinfo -cert ca-key.pem" \
    "$BIN/kiln-certinfo -csr ca-key.pem"; do
	set +e
	$bad >out 2>err
	status=$?
	set -e
	one_error "$bad"
	no_key_in "$bad"
done
echo "full disk by: $full (and ulimit -f)" >&2
finish
