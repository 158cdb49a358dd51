#!/bin/sh
# parallel.sh BUILD_DIR DATA_DIR
#
# -j: kiln etcd on one thread or on four writes the same files (paths,
# modes, what kiln-certinfo says of each certificate and key without its
# random parts, every other file byte for byte) and prints the same lines,
# on a first run, a re-run and a run that adds a member; when two leaves
# fail, both name the first in manifest order and write nothing.
# kiln renew with -j 1 and -j 2 on copies of one tree: the same lines but
# for serials and dates, and the same files, renewing everything, with
# -rekey, with a certificate of another CA among them, and with an
# operand named twice (through a link), which is read again after its
# first renewal as one at a time would.  A -j that is not a whole number
# of at least 1 is a usage error.  ECDSA keys, to stay quick.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
for t in jq sha256sum; do
	command -v "$t" >/dev/null 2>&1 || fail "$t is not installed"
done

# What kiln-certinfo says of a certificate, less what is random or dated.
STRIP='del(.serial_number, .not_before, .not_after, .pem, .authority_key_id,
    .subject_key_id, .fingerprint_sha256)'

# tree DIR: one line per file under DIR: path, mode, and its content
# without the random parts.
tree() {
	(cd "$1" && find . -type f | sort | while read -r f; do
		case $f in
		*-key.pem)
			echo "$f $(mode "$f") $("$BIN/kiln-certinfo" -key "$f" |
			    jq -c '{key_algorithm, key_size, key_curve}')" ;;
		*.pem)
			echo "$f $(mode "$f") $("$BIN/kiln-certinfo" -cert "$f" |
			    jq -c "$STRIP")" ;;
		*)
			echo "$f $(mode "$f") $(sha256sum <"$f")" ;;
		esac
	done)
}

# snapshot DIR: every file's path, mode and bytes, hashed.
snapshot() {
	(cd "$1" && find . -type f | sort | while read -r f; do
		echo "$f $(mode "$f") $(sha256sum <"$f")"
	done)
}

# etcd_both TAG STATUS: kiln etcd -j 1 in j1/ and -j 4 in j4/, both on
# ../m.json into "cluster"; both exit STATUS and print the same.
etcd_both() {
	for j in 1 4; do
		mkdir -p j$j
		rc=0
		(cd j$j && "$KILN" etcd -manifest ../m.json -out cluster -j $j \
		    >"../$1.$j.out" 2>"../$1.$j.err") || rc=$?
		assert_eq "$2" "$rc" "$1: kiln etcd -j $j exit status ($(cat "$1.$j.err"))"
	done
	assert_eq "$(cat "$1.1.out")" "$(cat "$1.4.out")" "$1: stdout of -j 1 and -j 4"
	assert_eq "$(cat "$1.1.err")" "$(cat "$1.4.err")" "$1: stderr of -j 1 and -j 4"
}

members() {
	i=1
	sep=
	while [ "$i" -le "$1" ]; do
		printf '%s{"name": "etcd-%d", "ip": "10.0.1.%d", "hosts": ["e%d.example"]}' \
		    "$sep" "$i" "$i" "$i"
		sep=,
		i=$((i + 1))
	done
}

manifest() {
	cat >m.json <<JSON
{
  "key": {"algo": "ecdsa", "size": 256},
  "ca": {"CN": "parallel CA", "key": {"algo": "ecdsa", "size": 256}},
  "names": [{"C": "CN", "O": "kiln"}],
  "members": [$(members "$1")],
  "clients": ["root", {"CN": "apiserver", "O": "system:masters"}, "backup"]
}
JSON
}

manifest 5
etcd_both first 0
assert_eq "cluster: 5 members, 3 clients: 14 certificates issued, 0 kept" \
    "$(tail -n 1 first.1.out)" "first: summary"
tree j1/cluster >tree.1
tree j4/cluster >tree.4
assert_eq "$(cat tree.1)" "$(cat tree.4)" "first: the trees of -j 1 and -j 4"
assert_eq 44 "$(wc -l <tree.1 | tr -d ' ')" "first: files in the tree (ca/ 3, 5 members x 7, 3 clients x 2)"
assert_contains "$(cat tree.1)" '"sans":["etcd-3","localhost","e3.example","10.0.1.3","127.0.0.1"]' \
    "first: etcd-3's server SANs"

etcd_both rerun 0
assert_eq "cluster: 5 members, 3 clients: 0 certificates issued, 14 kept" \
    "$(tail -n 1 rerun.1.out)" "rerun: summary"

manifest 6
etcd_both added 0
assert_contains "$(cat added.1.out)" "etcd-6 is new to a running cluster" "added: member add"
tree j1/cluster >tree.1
tree j4/cluster >tree.4
assert_eq "$(cat tree.1)" "$(cat tree.4)" "added: the trees of -j 1 and -j 4"

# Two leaves that cannot be made: the first in manifest order is named,
# and nothing is written, not even the seventh member's folder.
for j in 1 4; do
	echo "not a key" >j$j/cluster/etcd-2/ssl/peer-key.pem
	echo "not a key" >j$j/cluster/clients/backup-key.pem
	snapshot j$j/cluster >before.$j
done
manifest 7
etcd_both broken 1
assert_contains "$(cat broken.1.err)" "kiln: etcd: cluster/etcd-2/ssl/peer-key.pem (remove it, or use -force)" \
    "broken: the first failing leaf"
assert_eq 1 "$(wc -l <broken.1.err | tr -d ' ')" "broken: one line"
for j in 1 4; do
	assert_eq "$(cat before.$j)" "$(snapshot j$j/cluster)" "broken: -j $j wrote nothing"
	[ ! -e j$j/cluster/etcd-7 ] || fail "broken: -j $j made etcd-7"
	ok
done

# ---------------------------------------------------------------------------
# kiln renew.
manifest 5
"$KILN" etcd -manifest m.json -out src >/dev/null
cat >short.json <<JSON
{"signing": {"default": {"expiry": "24h",
    "usages": ["signing", "key encipherment", "server auth"]}}}
JSON
"$KILN" gencert -ca src/ca/ca.pem -ca-key src/ca/ca-key.pem -config short.json \
    -hostname short.example -out src/short "$DATA/ecdsa/etcd-csr.json" >/dev/null
"$KILN" gencert -initca -out src/other "$DATA/ecdsa/ca-csr.json" >/dev/null
for j in 1 2; do
	cp -Rp src r$j
	ln -s short.pem r$j/link.pem
done

# renew_both TAG STATUS ARGS...: kiln renew -j 1 in r1/ and -j 2 in r2/
# with the cluster's CA; both exit STATUS and print the same but for
# serials and dates.
renew_both() {
	tag=$1 want=$2
	shift 2
	for j in 1 2; do
		rc=0
		(cd r$j && "$KILN" renew -ca ca/ca.pem -ca-key ca/ca-key.pem -j $j "$@" \
		    >"../$tag.$j.raw" 2>"../$tag.$j.err") || rc=$?
		assert_eq "$want" "$rc" "$tag: kiln renew -j $j exit status ($(cat "$tag.$j.err"))"
		sed -E 's/serial [0-9]+, valid until [0-9T:Z-]+/serial S, valid until D/' \
		    "$tag.$j.raw" >"$tag.$j.out"
	done
	assert_eq "$(cat "$tag.1.out")" "$(cat "$tag.2.out")" "$tag: stdout of -j 1 and -j 2"
	assert_eq "$(cat "$tag.1.err")" "$(cat "$tag.2.err")" "$tag: stderr of -j 1 and -j 2"
}

# The link names short.pem again (-follow-links: a file of kiln's user):
# renewed for a year first, it is not due when read the second time.
renew_both twice 0 -within 30d -expiry 8760h -follow-links short.pem link.pem etcd-1/ssl/server.pem
assert_eq "short.pem: renewed, serial S, valid until D" "$(sed -n 1p twice.1.out)" "twice: short.pem"
assert_eq "  wrote short.pem" "$(sed -n 2p twice.1.out)" "twice: short.pem written"
assert_contains "$(sed -n 3p twice.1.out)" "link.pem: kept, expires in 36" "twice: link.pem read again"
assert_contains "$(sed -n 4p twice.1.out)" "etcd-1/ssl/server.pem: kept, expires in 36" "twice: not due"

# Everything, with a certificate of another CA first.
(cd r1 && printf '%s\n' other.pem etcd-*/ssl/*.pem clients/*.pem) >ops
# shellcheck disable=SC2046
renew_both all 1 $(cat ops)
assert_contains "$(cat all.1.err)" "kiln: renew: other.pem: not issued by this CA: it has no authority key identifier, the CA's subject key identifier is " "all: the foreign certificate"
assert_eq 13 "$(grep -c ': renewed, serial S' all.1.out)" "all: 5 members x 2 and 3 clients renewed"
assert_eq 5 "$(grep -c ': skipped, a copy of the CA' all.1.out)" "all: the members' copies of the CA"
assert_eq 13 "$(grep -c ': skipped, a private key' all.1.out)" "all: keys"
tree r1 >rtree.1
tree r2 >rtree.2
assert_eq "$(cat rtree.1)" "$(cat rtree.2)" "all: the trees of -j 1 and -j 2"
[ "$(snapshot src | grep etcd-3/ssl/peer.pem)" != "$(snapshot r2 | grep etcd-3/ssl/peer.pem)" ] ||
    fail "all: etcd-3/ssl/peer.pem was not renewed"
ok

# -rekey: each client's certificate and its key beside it, which the glob
# names too (a key before its certificate, read as a key).
(cd r1 && printf '%s\n' clients/*.pem) >ops
# shellcheck disable=SC2046
renew_both rekey 0 -rekey $(cat ops)
assert_eq 3 "$(grep -c ': renewed, serial S, valid until D, new key clients/' rekey.1.out)" \
    "rekey: three new keys"
for j in 1 2; do
	for c in root apiserver backup; do
		"$BIN/kiln-certinfo" -cert r$j/clients/$c.pem -key r$j/clients/$c-key.pem \
		    >/dev/null 2>match.err || fail "-j $j: clients/$c-key.pem does not match: $(cat match.err)"
		ok
		[ "$(sha256sum <r$j/clients/$c-key.pem)" != "$(sha256sum <src/clients/$c-key.pem)" ] ||
		    fail "-j $j: clients/$c-key.pem kept"
		ok
	done
done
tree r1 >rtree.1
tree r2 >rtree.2
assert_eq "$(cat rtree.1)" "$(cat rtree.2)" "rekey: the trees of -j 1 and -j 2"

# -j must be a whole number of at least 1.
for bad in 0 -1 two 1.5 ""; do
	rc=0
	"$KILN" renew -ca src/ca/ca.pem -ca-key src/ca/ca-key.pem -j "$bad" \
	    src/short.pem >bad.out 2>bad.err || rc=$?
	assert_eq 2 "$rc" "kiln renew -j '$bad': exit status"
	case $bad in
	0 | -1) want="must be 1 or more" ;;
	*) want="parse error" ;;
	esac
	assert_eq "kiln: renew: invalid value \"$bad\" for flag -j: $want" \
	    "$(head -1 bad.err)" "kiln renew -j '$bad'"
done
assert_contains "$("$KILN" renew -h)" "[-j N] CERT|DIR..." "kiln renew -h: synopsis"

for bad in 0 -1 two 1.5 ""; do
	rc=0
	"$KILN" etcd -manifest m.json -out never -j "$bad" >bad.out 2>bad.err || rc=$?
	assert_eq 2 "$rc" "kiln etcd -j '$bad': exit status"
	case $bad in
	0 | -1) want="must be 1 or more" ;;
	*) want="parse error" ;;
	esac
	assert_eq "kiln: etcd: invalid value \"$bad\" for flag -j: $want" \
	    "$(head -1 bad.err)" "kiln etcd -j '$bad'"
	assert_contains "$(cat bad.err)" "Usage of etcd:" "kiln etcd -j '$bad': usage follows"
	[ ! -e never ] || fail "kiln etcd -j '$bad' made its folder"
	ok
done
rc=0
"$KILN" etcd -manifest m.json -out never -j 99999999999999999999 2>bad.err || rc=$?
assert_eq 2 "$rc" "kiln etcd -j 99999999999999999999: exit status"
assert_eq 'kiln: etcd: invalid value "99999999999999999999" for flag -j: value out of range' \
    "$(head -1 bad.err)" "kiln etcd -j out of range"
run_help=$("$KILN" etcd -h)
assert_contains "$run_help" "[-j N]" "kiln etcd -h: synopsis"
assert_contains "$run_help" '  -j="": how many keys and certificates to make at once' "kiln etcd -h: -j"
finish
