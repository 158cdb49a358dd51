#!/bin/sh
# rotate_ca.sh BUILD_DIR DATA_DIR
#
# kiln rotate-ca on a kiln etcd tree, without etcd: the files of each
# phase and what they hold (bundles, leaves issued again for the same
# key, the CA moved), -n writes nothing, a phase done already changes
# nothing, phases out of order are refused naming the next, a phase cut
# short completes on a re-run, -j 1 and -j 4 write the same phase 2,
# kiln etcd refuses a tree mid-rotation, and links, FIFOs and keys of
# another user in the tree are refused.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
export LC_ALL=C

cat >m.json <<'EOF'
{ "key": { "algo": "ecdsa", "size": 256 }, "expiry": "2h",
  "members": [
    { "name": "etcd-1", "ip": "10.0.0.1" },
    { "name": "etcd-2", "ip": "10.0.0.2" } ],
  "clients": [ "root" ] }
EOF
mk_tree() {
	rm -rf "$1"
	"$KILN" etcd -q -manifest m.json -out "$1" >/dev/null || fail "kiln etcd -out $1"
}
# The state of the tree: every file's checksum and mode.
snapshot() { (cd "$1" && find . -type f | sort | xargs sha256sum && find . | sort | xargs stat -c '%n %a'); }
keyid() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | tail -c 65 | sha1sum | cut -c1-40; }
pubkey() { openssl x509 -in "$1" -noout -pubkey; }
count() { grep -c 'BEGIN CERTIFICATE' "$1"; }

mk_tree t
OLD=$(keyid t/ca/ca.pem)
cp t/ca/ca.pem old-ca.pem
cp t/ca/ca-key.pem old-ca-key.pem

# Out of order before anything: phase 1 is next.
expect_error "kiln: rotate-ca: phase 2: no CA rotation is under way: phase 1 starts one" \
    "$KILN" rotate-ca -dir t 2
capture "$KILN" rotate-ca -dir t 4
assert_eq 2 "$status" "phase 4: usage error"
assert_contains "$(cat stderr)" 'phase "4": there are three phases, 1, 2 and 3' "phase 4"
# The tree as an operand (a new operator's slip): named, nothing read.
capture "$KILN" rotate-ca t 1
assert_eq 2 "$status" "tree as an operand: usage error"
assert_eq "kiln: rotate-ca: the tree is given as -dir t, before the phase" \
    "$(head -1 stderr)" "tree as an operand: the message"

# -n writes nothing, and lists what phase 1 would write.
before=$(snapshot t)
capture "$KILN" rotate-ca -n -dir t 1
assert_eq 0 "$status" "rotate-ca -n 1: exit ($(cat stderr))"
assert_eq "$before" "$(snapshot t)" "rotate-ca -n 1 wrote nothing"
assert_eq "t/ca/new/ca-key.pem: written (new)
t/ca/new/ca.pem: written (new)
t/ca/new/ca-cross.pem: written (new)
t/etcd-1/ssl/ca.pem: written (changed)
t/etcd-2/ssl/ca.pem: written (changed)
t/ca/ca-bundle.pem: written (new)
t/ca/rotate.json: written (new)" "$(sed -n 1,7p stdout)" "rotate-ca -n 1: the files"
assert_contains "$(cat stdout)" "(dry run: nothing written)" "rotate-ca -n 1: summary"

# Phase 1.
capture "$KILN" rotate-ca -dir t 1
assert_eq 0 "$status" "rotate-ca 1: exit ($(cat stderr))"
NEW=$(keyid t/ca/new/ca.pem)
assert_eq "{
  \"phase\": 1,
  \"old_ca\": \"$OLD\",
  \"new_ca\": \"$NEW\"
}" "$(cat t/ca/rotate.json)" "state after phase 1"
assert_contains "$(cat stdout)" "t: phase 1 of 3 done: new CA $NEW in t/ca/new, certified by the old CA $OLD" "summary 1"
cat old-ca.pem t/ca/new/ca.pem >want-bundle.pem
for f in t/etcd-1/ssl/ca.pem t/etcd-2/ssl/ca.pem t/ca/ca-bundle.pem; do
	cmp -s want-bundle.pem "$f" || fail "$f is not the old CA then the new"
	ok
done
cmp -s old-ca.pem t/ca/ca.pem || fail "phase 1 changed t/ca/ca.pem"
assert_eq 600 "$(mode t/ca/new/ca-key.pem)" "mode of the new CA key"
assert_eq "subject=CN = etcd CA ${NEW%"${NEW#????????}"}" "$(openssl x509 -in t/ca/new/ca.pem -noout -subject)" "new CA's name"
openssl verify -x509_strict -CAfile old-ca.pem t/ca/new/ca-cross.pem >/dev/null 2>&1 ||
    fail "the cross certificate does not verify against the old CA"
assert_eq "$(pubkey t/ca/new/ca.pem)" "$(pubkey t/ca/new/ca-cross.pem)" "cross certificate: the new CA's key"

# Done already: nothing written, said so; out of order: the next named.
before=$(snapshot t)
capture "$KILN" rotate-ca -dir t 1
assert_eq 0 "$status" "rotate-ca 1 again: exit"
assert_eq "t: phase 1 is done already: nothing written (phase 2 is next)" "$(cat stdout)" "rotate-ca 1 again"
expect_error "kiln: rotate-ca: phase 3: out of order: phase 1 is done, phase 2 is next" \
    "$KILN" rotate-ca -dir t 3
assert_eq "$before" "$(snapshot t)" "a phase done already, or out of order, writes nothing"

# kiln etcd refuses the tree mid-rotation.
expect_error "kiln: etcd: t/ca/rotate.json: a CA rotation is under way (phase 1 of 3 done): run its phase 2 (rotate-ca), and the rest, first" \
    "$KILN" etcd -manifest m.json -out t
assert_eq "$before" "$(snapshot t)" "kiln etcd mid-rotation writes nothing"

# Phase 2, cut short: the batch stops after the old CA's backup and the
# first leaf (simulated: those files as phase 2 writes them, no state).
cp -p t/etcd-1/ssl/server-key.pem key-before.pem
pubkey t/etcd-1/ssl/server.pem >server-pub-before
capture "$KILN" rotate-ca -n -dir t 2
assert_eq 0 "$status" "rotate-ca -n 2: exit ($(cat stderr))"
assert_eq "$before" "$(snapshot t)" "rotate-ca -n 2 wrote nothing"
assert_contains "$(cat stdout)" "t/etcd-1/ssl/peer.pem: written (changed)" "rotate-ca -n 2"
cp -a t cut
capture "$KILN" rotate-ca -dir cut 2
assert_eq 0 "$status" "rotate-ca 2 on the copy: exit ($(cat stderr))"
mkdir cut-keep && cp -a cut/ca/old cut-keep/ && cp cut/etcd-1/ssl/peer.pem cut-keep/
rm -rf cut && cp -a t cut
cp -a cut-keep/old cut/ca/old
cp cut-keep/peer.pem cut/etcd-1/ssl/peer.pem
capture "$KILN" rotate-ca -dir cut 2
assert_eq 0 "$status" "rotate-ca 2 after a cut: exit ($(cat stderr))"
assert_contains "$(cat stdout)" "cut/ca/old/ca-key.pem: kept" "resume: the backup kept"
assert_contains "$(cat stdout)" "cut/etcd-1/ssl/peer.pem: kept" "resume: the leaf issued already kept"
assert_contains "$(cat stdout)" "4 certificates issued again by the new CA $NEW for the same keys, 1 kept" "resume: summary"
cmp -s cut-keep/peer.pem cut/etcd-1/ssl/peer.pem || fail "resume: peer.pem rewritten"
ok

# Phase 2 on the pool: -j 1 (one by one) and -j 4 on copies of t print
# the same lines and write the same files; each leaf the same but for
# its serial and signature (same subject, names, key, usages; the same
# cross certificate after it).  -j takes a whole number of at least 1.
rm -rf j1 j4 && cp -a t j1 && cp -a t j4
(cd j1 && "$KILN" rotate-ca -j 1 -dir . 2 >../j1.out 2>../j1.err) ||
    fail "rotate-ca -j 1 2: $(cat j1.err)"
(cd j4 && "$KILN" rotate-ca -j=4 -dir . 2 >../j4.out 2>../j4.err) ||
    fail "rotate-ca -j=4 2: $(cat j4.err)"
assert_eq "$(cat j1.out)" "$(cat j4.out)" "phase 2: stdout of -j 1 and -j 4"
assert_eq "" "$(cat j1.err j4.err)" "phase 2: nothing on stderr"
assert_eq "$(cd j1 && find . | sort)" "$(cd j4 && find . | sort)" "phase 2: the files of -j 1 and -j 4"
leaf_text() {
	openssl x509 -in "$1" -noout -text -certopt no_serial,no_validity,no_sigdump |
	    grep -v 'Signature Value'
	awk 'n == 1 { print } /END CERT/ { n++ }' "$1"
}
for f in etcd-1/ssl/server.pem etcd-1/ssl/peer.pem etcd-2/ssl/server.pem \
    etcd-2/ssl/peer.pem clients/root.pem; do
	assert_eq "$(leaf_text j1/$f)" "$(leaf_text j4/$f)" "$f: -j 1 and -j 4"
	cmp -s j1/$f j4/$f && fail "$f: -j 4 the same bytes as -j 1 (a copy?)"
	ok
done
for f in ca/ca.pem ca/ca-key.pem ca/old/ca-key.pem ca/ca-bundle.pem \
    ca/rotate.json etcd-1/ssl/ca.pem etcd-2/ssl/server-key.pem; do
	cmp -s j1/$f j4/$f || fail "$f: -j 1 and -j 4 differ"
	ok
done
capture "$KILN" rotate-ca -j 0 -dir j4 3
assert_eq 2 "$status" "rotate-ca -j 0: usage error"
assert_eq 'kiln: rotate-ca: invalid value "0" for flag -j: must be 1 or more' \
    "$(head -1 stderr)" "rotate-ca -j 0: the message"
assert_eq "$before" "$(snapshot t)" "-j runs on copies: t untouched"

# Phase 2 on t.
capture "$KILN" rotate-ca -dir t 2
assert_eq 0 "$status" "rotate-ca 2: exit ($(cat stderr))"
assert_contains "$(cat stdout)" "5 certificates issued again by the new CA $NEW for the same keys, 0 kept; the old CA $OLD is in t/ca/old" "summary 2"
assert_eq "$NEW" "$(keyid t/ca/ca.pem)" "t/ca/ca.pem is the new CA"
cmp -s old-ca.pem t/ca/old/ca.pem && cmp -s old-ca-key.pem t/ca/old/ca-key.pem ||
    fail "the old CA is not kept in t/ca/old"
ok
cmp -s key-before.pem t/etcd-1/ssl/server-key.pem || fail "phase 2 changed a key"
ok
assert_eq "$(cat server-pub-before)" "$(pubkey t/etcd-1/ssl/server.pem)" "server.pem: the same key"
for f in t/etcd-1/ssl/server.pem t/etcd-1/ssl/peer.pem t/etcd-2/ssl/server.pem \
    t/etcd-2/ssl/peer.pem t/clients/root.pem; do
	assert_eq 2 "$(count "$f")" "$f: the leaf and the cross certificate"
	openssl verify -x509_strict -CAfile t/ca/ca.pem "$f" >/dev/null 2>&1 ||
	    fail "$f does not verify against the new CA"
	openssl verify -x509_strict -CAfile old-ca.pem -untrusted t/ca/new/ca-cross.pem "$f" >/dev/null 2>&1 ||
	    fail "$f does not verify against the old CA through the cross certificate"
	ok
done
assert_eq "$(openssl x509 -in t/ca/new/ca-cross.pem)" \
    "$(awk 'n == 1 { print } /END CERT/ { n++ }' t/clients/root.pem | sed -n '/BEGIN/,/END/p')" \
    "root.pem's second certificate is the cross certificate"
assert_eq "subject=CN = root" "$(openssl x509 -in t/clients/root.pem -noout -subject)" "root.pem's subject"

# kiln check mid-rotation: says a rotation is under way.
capture "$KILN" check -within 1m -ca t/ca/ca.pem t
assert_eq 2 "$status" "check mid-rotation: the old CA untrusted"
assert_eq "kiln: check: t/ca/rotate.json: a CA rotation is under way (phase 2 of 3 done, phase 3 next): until phase 3, the certificates of the CA not given to -ca are judged untrusted" \
    "$(cat stderr)" "check mid-rotation: the line that says so"
# kiln-check(1) shows that line as it is printed.
grep -qxF "$(cat stderr)" "$DATA/../../man/kiln-check.1" ||
    fail "kiln-check(1) does not show the rotation line"
ok
cp t/ca/new/ca-cross.pem cross.pem

# Phase 3, cut short among its removals (simulated: some gone, no state).
cp -a t cut3
rm cut3/ca/new/ca-key.pem cut3/ca/old/ca.pem
capture "$KILN" rotate-ca -dir cut3 3
assert_eq 0 "$status" "rotate-ca 3 after a cut: exit ($(cat stderr))"
assert_eq "cut3/ca/new/ca.pem: removed
cut3/ca/new/ca-cross.pem: removed
cut3/ca/old/ca-key.pem: removed
cut3/ca/new: removed
cut3/ca/old: removed" "$(grep ': removed$' stdout)" "resume 3: the rest removed"
[ ! -e cut3/ca/new ] && [ ! -e cut3/ca/old ] || fail "resume 3: new/ or old/ left"
ok

# Phase 3: -n lists the removals, then they are made.
before=$(snapshot t)
capture "$KILN" rotate-ca -n -dir t 3
assert_eq "$before" "$(snapshot t)" "rotate-ca -n 3 wrote and removed nothing"
capture "$KILN" rotate-ca -dir t 3
assert_eq 0 "$status" "rotate-ca 3: exit ($(cat stderr))"
assert_eq "t/ca/ca-key.pem: kept
t/ca/ca.pem: kept
t/etcd-1/ssl/ca.pem: written (changed)
t/etcd-2/ssl/ca.pem: written (changed)
t/ca/ca-bundle.pem: written (changed)
t/ca/new/ca-key.pem: removed
t/ca/new/ca.pem: removed
t/ca/new/ca-cross.pem: removed
t/ca/old/ca-key.pem: removed
t/ca/old/ca.pem: removed
t/ca/new: removed
t/ca/old: removed
t/ca/rotate.json: written (changed)
t: phase 3 of 3 done: every member trusts the new CA $NEW only; the old CA (t/ca/old) and the new CA's copies (t/ca/new) removed; the rotation is finished" \
    "$(grep -v "^t: a kiln etcd tree" stdout | sed -n 1,14p)" "rotate-ca 3: the files and the summary"
for f in t/etcd-1/ssl/ca.pem t/etcd-2/ssl/ca.pem t/ca/ca-bundle.pem; do
	assert_eq "$NEW" "$(keyid "$f")" "$f: the new CA"
	assert_eq 1 "$(count "$f")" "$f: the new CA alone"
done
assert_eq "ca-bundle.pem ca-config.json ca-key.pem ca.pem rotate.json" "$(ls t/ca | tr '\n' ' ' | sed 's/ $//')" \
    "after phase 3: one copy of the CA key, no old CA"
assert_contains "$(cat stdout)" "before the next, the leader last after etcdctl move-leader hands its role to a restarted member (etcd reads its trusted-ca-file only when it starts; until then it still accepts the old CA's certificates): etcd-1 etcd-2" "summary 3"
capture "$KILN" rotate-ca -dir t 3
assert_eq "t: phase 3 is done already: nothing written (the rotation to the CA $NEW is finished; phase 1 starts another)" \
    "$(cat stdout)" "phase 3 again"
capture "$KILN" rotate-ca -dir t 2
assert_eq "t: phase 2 is done already: nothing written (the rotation to the CA $NEW is finished; phase 1 starts another)" \
    "$(cat stdout)" "phase 2 after the rotation"

# kiln check after the rotation: every certificate ok, each leaf's cross
# certificate said to be one; exit 0.
capture "$KILN" check -within 1m -ca t/ca/ca.pem t
assert_eq 0 "$status" "check after the rotation: exit ($(cat stderr))"
assert_eq "" "$(cat stderr)" "check after the rotation: stderr"
NEWCN="etcd CA ${NEW%"${NEW#????????}"}"
for f in t/clients/root.pem t/etcd-1/ssl/peer.pem t/etcd-1/ssl/server.pem t/etcd-2/ssl/peer.pem t/etcd-2/ssl/server.pem; do
	printf '%s#2: ok: a cross certificate: the CA given ("%s") certified by "etcd CA", a chain certificate for what still trusts that CA, not a leaf\n' "$f" "$NEWCN"
done >want-check
assert_eq "$(cat want-check)" "$(grep -v '^[|+]' stdout)" "check after the rotation: the lines below the table"
# kiln-check(1) shows such a line, and the reason in full.
line=$(head -1 want-check | sed "s|^t/clients/root.pem#2: |ssl/server.pem#2: |; s|(\"$NEWCN\")|(\"etcd CA 12dccbab\")|")
grep -qxF "$line" "$DATA/../../man/kiln-check.1" ||
    fail "kiln-check(1) does not show the cross certificate line: $line"
grep -qF ".Ql ${line#ssl/server.pem#2: ok: } ." "$DATA/../../man/kiln-check.1" ||
    fail "kiln-check(1) does not give the cross certificate reason"
ok
assert_eq 14 "$(grep -c "| ok *|$" stdout)" "check after the rotation: 14 certificates ok"

# A finished rotation: kiln etcd keeps every leaf, byte for byte (a leaf
# then the cross certificate is still right), and a second rotation
# starts.
before=$(snapshot t)
capture "$KILN" etcd -manifest m.json -out t
assert_eq 0 "$status" "kiln etcd after the rotation: exit ($(cat stderr))"
assert_eq "t: 2 members, 1 client: 0 certificates issued, 6 kept" "$(tail -1 stdout)" "kiln etcd after the rotation: summary"
assert_eq "" "$(grep -v ': kept$' stdout | grep -v '^t: 2 members')" "kiln etcd after the rotation: nothing written, nothing left behind"
assert_eq "$before" "$(snapshot t)" "kiln etcd after the rotation: the tree unchanged"
capture "$KILN" rotate-ca -q -dir t 1
assert_eq 0 "$status" "a second rotation: exit ($(cat stderr))"
NEW2=$(keyid t/ca/new/ca.pem)
assert_contains "$(cat stdout)" "new CA $NEW2 in t/ca/new, certified by the old CA $NEW" "a second rotation"
assert_eq "subject=CN = etcd CA ${NEW2%"${NEW2#????????}"}" "$(openssl x509 -in t/ca/new/ca.pem -noout -subject)" "second new CA's name"

# Hostile trees: refused, nothing written.
hostile() { # NAME SETUP MESSAGE: a fresh tree, SETUP run in it, phase 1 refused with MESSAGE
	mk_tree h
	(cd h && eval "$2")
	before=$(snapshot h)
	expect_error "$3" "$KILN" rotate-ca -dir h "${4:-1}"
	assert_eq "$before" "$(snapshot h)" "$1: nothing written"
}
hostile "a link for a member's ca.pem" "rm etcd-1/ssl/ca.pem && ln -s ../../ca/ca.pem etcd-1/ssl/ca.pem" \
    "kiln: rotate-ca: h/etcd-1/ssl/ca.pem: a symbolic link, refused"
hostile "a link for a member's ssl" "mv etcd-2/ssl ssl2 && ln -s ../ssl2 etcd-2/ssl" \
    "kiln: rotate-ca: h/etcd-2/ssl: a symbolic link, not a folder"
hostile "a link in the tree" "ln -s /tmp etcd-9" \
    "kiln: rotate-ca: h/etcd-9: a symbolic link, not followed: refused"
hostile "a FIFO for a leaf" "$KILN rotate-ca -q -dir . 1 >/dev/null && rm etcd-1/ssl/peer.pem && mkfifo etcd-1/ssl/peer.pem" \
    "kiln: rotate-ca: h/etcd-1/ssl/peer.pem: a FIFO, refused" 2
hostile "a hard link to a leaf" "$KILN rotate-ca -q -dir . 1 >/dev/null && ln etcd-1/ssl/server.pem elsewhere.pem" \
    "kiln: rotate-ca: h/etcd-1/ssl/server.pem: has 2 hard links, refused" 2
hostile "a CA key another user owns" "chown nobody ca/ca-key.pem" \
    "kiln: rotate-ca: h/ca/ca-key.pem: owned by nobody (uid 65534), not by root (uid 0) who runs kiln, refused"
finish
