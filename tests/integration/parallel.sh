#!/bin/sh
# parallel.sh BUILD_DIR DATA_DIR
#
# -j: kiln etcd on one thread or on four writes the same files (paths,
# modes, what kiln-certinfo says of each certificate and key without its
# random parts, every other file byte for byte) and prints the same lines,
# on a first run, a re-run and a run that adds a member; when two leaves
# fail, both name the first in manifest order and write nothing.  A -j
# that is not a whole number of at least 1 is a usage error.  ECDSA keys,
# to stay quick.
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
    "$(cat first.1.out)" "first: summary"
tree j1/cluster >tree.1
tree j4/cluster >tree.4
assert_eq "$(cat tree.1)" "$(cat tree.4)" "first: the trees of -j 1 and -j 4"
assert_eq 44 "$(wc -l <tree.1 | tr -d ' ')" "first: files in the tree (ca/ 3, 5 members x 7, 3 clients x 2)"
assert_contains "$(cat tree.1)" '"sans":["etcd-3","localhost","e3.example","10.0.1.3","127.0.0.1"]' \
    "first: etcd-3's server SANs"

etcd_both rerun 0
assert_eq "cluster: 5 members, 3 clients: 0 certificates issued, 14 kept" \
    "$(cat rerun.1.out)" "rerun: summary"

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

# -j must be a whole number of at least 1.
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
