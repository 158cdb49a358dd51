#!/bin/sh
# renew_traps.sh BUILD_DIR DATA_DIR
#
# Issue 14's traps of rotation and inspection, each as an operator meets
# it (with KEEP_GOING=1 every failure is printed and the test goes on, to
# show what an older kiln does):
#  a. renew -backup and check: the backups (NAME.<UTC stamp>) are not
#     certificates check counts; -backup-dir DIR (0700, no link followed);
#     check -exclude GLOB on names and paths;
#  b. renew -rekey on a kubeadm tree made with openssl (pki/apiserver.crt
#     and .key, pki/etcd/server.crt and .key, tls.crt and tls.key): the new
#     key replaces that same key file, and certificate and key match;
#  c. "not issued by the CA given" names the key identifiers (check,
#     renew, verify), for two CAs of the same name;
#  d. a leaf that outlives its CA: check -ca takes the CA's end, renew
#     warns;
#  e. renew -n writes nothing and says what it would do; renew lists every
#     file it writes;
#  f. renew DIR walks the folder as check does; duration errors name their
#     flag; a lifetime within -within is warned about; check reads a file
#     reached through several links once and names a CN-less certificate
#     by O/OU; kiln-certinfo -cert skips keys; verify takes several
#     certificates and checks a CA-first bundle for its leaf.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
for t in openssl jq sha256sum runuser; do
	command -v "$t" >/dev/null 2>&1 || fail "$t is not installed"
done
failures=0
if [ "${KEEP_GOING:-}" = 1 ]; then
	fail() {
		echo "FAIL: $*" >&2
		failures=$((failures + 1))
	}
fi

# run TAG CMD...: stdout in TAG.out, stderr in TAG.err, status in RC.
run() {
	tag=$1
	shift
	RC=0
	"$@" >"$T/$tag.out" 2>"$T/$tag.err" || RC=$?
}

gen() {
	"$KILN" gencert "$@" >"$T/gen.out" 2>"$T/gen.err" || fail "kiln gencert $*: $(cat "$T/gen.err")"
}

# keyid CERT EXT: the key identifier as openssl prints it.
keyid() {
	openssl x509 -in "$1" -noout -ext "$2" | sed -n 2p | tr -d ' ' | sed 's/^keyid://'
}
not_after() { date -u -d "$(openssl x509 -in "$1" -noout -enddate | sed 's/^notAfter=//')" +%Y-%m-%dT%H:%M:%SZ; }
pub() { openssl pkey -in "$1" -pubout 2>/dev/null || openssl x509 -in "$1" -noout -pubkey; }
certpub() { openssl x509 -in "$1" -noout -pubkey; }
tree_sum() { find "$1" -type f -exec sha256sum {} + | sort; }

cat >csr.json <<'EOF'
{ "CN": "etcd", "hosts": ["127.0.0.1"], "key": { "algo": "ecdsa", "size": 256 } }
EOF
cat >ca-csr.json <<'EOF'
{ "CN": "etcd CA", "key": { "algo": "ecdsa", "size": 256 } }
EOF
cat >config.json <<'EOF'
{ "signing": { "profiles": {
  "short": { "expiry": "240h", "usages": ["signing", "key encipherment", "server auth", "client auth"] },
  "year": { "expiry": "8760h", "usages": ["signing", "key encipherment", "server auth", "client auth"] },
  "ten": { "expiry": "87600h", "usages": ["signing", "key encipherment", "server auth", "client auth"] } } } }
EOF
gen -initca -out ca ca-csr.json

# ---------------------------------------------------------------------------
# a. Backups and check.
mkdir -p a/ssl
gen -ca ca.pem -ca-key ca-key.pem -config config.json -profile short -out a/ssl/server csr.json
run a_renew "$KILN" renew -ca ca.pem -ca-key ca-key.pem -within 30d -expiry 8760h -backup a/ssl/server.pem
assert_eq 0 "$RC" "a: renew -backup ($(cat "$T/a_renew.err"))"
backup=$(cd a/ssl && ls | grep '^server\.pem\.[0-9]\{8\}T[0-9]\{6\}Z$' || :)
[ -n "$backup" ] || fail "a: no backup NAME.<stamp> in $(ls a/ssl)"
run a_check "$KILN" check -format json a
assert_eq 0 "$RC" "a: check after renew -backup: exit 0 (the backup is not counted)"
assert_eq "a/ssl/server.pem" "$(jq -r '[.certificates[].path] | join(" ")' "$T/a_check.out")" \
    "a: check lists the renewed certificate only"
run a_table "$KILN" check a
assert_not_contains "$(cat "$T/a_table.out")" "$backup" "a: the table leaves the backup out"
# -backup-dir: made 0700, the backups mirror the folder's absolute path.
gen -ca ca.pem -ca-key ca-key.pem -config config.json -profile short -out a/ssl/peer csr.json
run a_dir "$KILN" renew -ca ca.pem -ca-key ca-key.pem -within 30d -expiry 8760h -backup-dir bak a/ssl/peer.pem
assert_eq 0 "$RC" "a: renew -backup-dir ($(cat "$T/a_dir.err"))"
assert_eq 700 "$(mode bak)" "a: -backup-dir made 0700"
bdir="bak$(cd a/ssl && pwd -P)"
found=$(ls "$bdir" 2>/dev/null | grep '^peer\.pem\.[0-9]\{8\}T[0-9]\{6\}Z$' || :)
[ -n "$found" ] || fail "a: no backup in $bdir: $(find bak 2>/dev/null)"
ok
assert_contains "$(cat "$T/a_dir.out")" "  wrote $bdir/$found (backup of a/ssl/peer.pem)" "a: the backup is named"
assert_eq "" "$(ls a/ssl | grep 'peer\.pem\.' || :)" "a: nothing beside the certificate"
# A -backup-dir that is a link is refused before anything is renewed.
mkdir elsewhere
ln -s elsewhere linkbak
gen -ca ca.pem -ca-key ca-key.pem -config config.json -profile short -out a/ssl/client csr.json
cp a/ssl/client.pem client.before
run a_link "$KILN" renew -ca ca.pem -ca-key ca-key.pem -backup-dir linkbak a/ssl/client.pem
assert_eq 1 "$RC" "a: -backup-dir through a link: exit 1"
assert_contains "$(cat "$T/a_link.err")" "kiln: renew: -backup-dir: linkbak" "a: -backup-dir link refused, named"
cmp -s client.before a/ssl/client.pem || fail "a: the certificate was renewed although its backup could not be made"
assert_eq "" "$(ls elsewhere)" "a: nothing written through the link"
# -exclude: on the name and on the path, folders too.
mkdir -p ex/old
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
    -subj /CN=gone -days 1 -out ex/old/gone.pem 2>/dev/null
cp a/ssl/server.pem ex/server.pem
cp ex/old/gone.pem ex/gone.pem.old
run ex0 "$KILN" check -within 2d ex
assert_eq 1 "$RC" "a: without -exclude the 1-day certificates count"
run ex1 "$KILN" check -within 2d -exclude old -exclude '*.old' ex
assert_eq 0 "$RC" "a: -exclude a folder's name and a glob on names ($(cat "$T/ex1.out" "$T/ex1.err"))"
run ex2 "$KILN" check -within 2d -exclude 'ex/old/*' -exclude 'ex/gone.pem.old' -format json ex
assert_eq "0 ex/server.pem" "$RC $(jq -r '[.certificates[].path] | join(" ")' "$T/ex2.out")" \
    "a: -exclude on paths"
say "a. backups are not counted, -backup-dir, -exclude ($checks checks)"

# ---------------------------------------------------------------------------
# b. kubeadm's names, made by openssl.
mkdir -p k/pki/etcd k/tls
openssl req -x509 -newkey rsa:2048 -nodes -keyout k/pki/ca.key -out k/pki/ca.crt \
    -subj /CN=kubernetes -days 3650 -addext keyUsage=critical,keyCertSign,cRLSign \
    -addext basicConstraints=critical,CA:TRUE 2>/dev/null
kleaf() { # kleaf NAME CN EKU
	openssl req -newkey rsa:2048 -nodes -keyout "k/$1.key" -out "k/$1.csr" -subj "/CN=$2" 2>/dev/null
	printf 'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\nsubjectAltName=DNS:%s,IP:127.0.0.1\n' \
	    "$3" "$2" >"k/$1.ext"
	openssl x509 -req -in "k/$1.csr" -CA k/pki/ca.crt -CAkey k/pki/ca.key -CAcreateserial \
	    -days 10 -extfile "k/$1.ext" -out "k/$1.crt" 2>/dev/null || fail "openssl: $1"
	rm -f "k/$1.csr" "k/$1.ext"
}
kleaf pki/apiserver kube-apiserver serverAuth
kleaf pki/etcd/server etcd-server serverAuth,clientAuth
kleaf tls/tls ingress serverAuth
for n in pki/apiserver pki/etcd/server tls/tls; do cp "k/$n.key" "k/$n.key.before"; done
run b "$KILN" renew -ca k/pki/ca.crt -ca-key k/pki/ca.key -rekey k/pki/apiserver.crt k/pki/etcd/server.crt k/tls/tls.crt
assert_eq 0 "$RC" "b: renew -rekey kubeadm names ($(cat "$T/b.err"))"
for n in pki/apiserver pki/etcd/server tls/tls; do
	assert_eq "$(certpub "k/$n.crt")" "$(pub "k/$n.key")" "b: $n.crt and $n.key match"
	cmp -s "k/$n.key" "k/$n.key.before" && fail "b: $n.key was not replaced"
	assert_eq 600 "$(mode "k/$n.key")" "b: $n.key mode"
	assert_contains "$(cat "$T/b.out")" "k/$n.crt: renewed, serial " "b: $n renewed"
	assert_contains "$(cat "$T/b.out")" "  wrote k/$n.key (new key)" "b: $n.key named as written"
	openssl verify -CAfile k/pki/ca.crt "k/$n.crt" >/dev/null 2>&1 || fail "b: openssl verify $n.crt"
done
assert_eq "" "$(find k -name '*-key.pem')" "b: no NAME.crt-key.pem written"
# And again, by walking the tree: keys and the CA skipped, pairs kept.
run b2 "$KILN" renew -ca k/pki/ca.crt -ca-key k/pki/ca.key -rekey -within 30d k
assert_eq 0 "$RC" "b: renew -rekey DIR ($(cat "$T/b2.err"))"
for n in pki/apiserver pki/etcd/server tls/tls; do
	assert_eq "$(certpub "k/$n.crt")" "$(pub "k/$n.key")" "b: walked: $n.crt and $n.key match"
done
assert_contains "$(cat "$T/b2.out")" "k/pki/ca.key: skipped, a private key" "b: walked: keys skipped"
assert_contains "$(cat "$T/b2.out")" "k/pki/ca.crt: kept, expires in " "b: walked: the CA not due"
assert_not_contains "$(cat "$T/b2.out" "$T/b2.err")" "ca.srl" "b: walked: openssl's serial file passed over"
say "b. kubeadm and cert-manager names: -rekey keeps pairs ($checks checks)"

# ---------------------------------------------------------------------------
# c. Two CAs named "etcd CA": the key identifiers tell them apart.
mkdir c
gen -initca -out c/ca ca-csr.json
gen -ca c/ca.pem -ca-key c/ca-key.pem -config config.json -profile year -out c/other csr.json
AKI=$(keyid c/other.pem authorityKeyIdentifier)
SKI=$(keyid ca.pem subjectKeyIdentifier)
[ -n "$AKI" ] && [ -n "$SKI" ] || fail "c: no key identifiers from openssl"
run c_verify "$KILN" verify -ca ca.pem c/other.pem
assert_eq "c/other.pem: not issued by the CA given (its issuer is \"etcd CA\"; its authority key identifier is $AKI, the CA's subject key identifier is $SKI): etcd refuses it with \"x509: certificate signed by unknown authority\"" \
    "$(cat "$T/c_verify.out")" "c: verify names AKI and SKI"
run c_renew "$KILN" renew -ca ca.pem -ca-key ca-key.pem c/other.pem
assert_eq "kiln: renew: c/other.pem: not issued by this CA: its authority key identifier is $AKI, the CA's subject key identifier is $SKI" \
    "$(cat "$T/c_renew.err")" "c: renew names AKI and SKI"
run c_check "$KILN" check -ca ca.pem -format json c/other.pem
assert_eq "untrusted not issued by the CA given: its authority key identifier is $AKI, the CA's subject key identifier is $SKI" \
    "$(jq -r '.certificates[0] | "\(.status) \(.reason)"' "$T/c_check.out")" "c: check's reason names AKI and SKI"
say "c. key identifiers, not only the CA's name ($checks checks)"

# ---------------------------------------------------------------------------
# d. The guide: a CA of 5 years (initca's default) and etcd.pem of 10.
mkdir d
gen -ca ca.pem -ca-key ca-key.pem -config config.json -profile ten -out d/etcd csr.json
run d_check "$KILN" check -ca ca.pem -format json d/etcd.pem
assert_eq 0 "$RC" "d: a leaf that outlives a CA of 5 years: still ok"
assert_eq "$(not_after ca.pem) it outlives its CA \"etcd CA\", which expires on $(not_after ca.pem): it stops working then, so its status and time left are the CA's" \
    "$(jq -r '.certificates[0] | "\(.chain_not_after) \(.reason)"' "$T/d_check.out")" \
    "d: check -ca reports the CA's end"
ca_days=$(( ($(date -d "$(not_after ca.pem)" +%s) - $(date +%s)) / 86400 ))
assert_eq "$ca_days" "$(jq -r '.certificates[0].days_left' "$T/d_check.out")" "d: days left are the CA's"
run d_table "$KILN" check -ca ca.pem d/etcd.pem
assert_contains "$(cat "$T/d_table.out")" "d/etcd.pem: ok: it outlives its CA \"etcd CA\"" "d: the table says so below"
# A CA that ends in 20 days makes a leaf of a year expiring.
mkdir d/soon
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout d/soon/ca-key.pem \
    -out d/soon/ca.pem -subj "/CN=soon CA" -days 20 -addext keyUsage=critical,keyCertSign,cRLSign \
    -addext basicConstraints=critical,CA:TRUE 2>/dev/null
gen -ca d/soon/ca.pem -ca-key d/soon/ca-key.pem -config config.json -profile year -out d/soon/leaf csr.json
run d_soon "$KILN" check -ca d/soon/ca.pem -format json d/soon/leaf.pem
assert_eq "1 expiring" "$RC $(jq -r '.certificates[0].status' "$T/d_soon.out")" \
    "d: a year's leaf of a CA that ends in 20 days is expiring"
# renew warns when what it renews would outlive its issuer.
run d_renew "$KILN" renew -ca d/soon/ca.pem -ca-key d/soon/ca-key.pem d/soon/leaf.pem
assert_eq 0 "$RC" "d: renew under a CA that ends first: renewed"
assert_eq "kiln: renew: warning: d/soon/leaf.pem: valid until $(not_after d/soon/leaf.pem), after its CA d/soon/ca.pem (until $(not_after d/soon/ca.pem)): it stops working when the CA expires; renew the CA first" \
    "$(cat "$T/d_renew.err")" "d: renew warns"
say "d. a leaf that outlives its CA ($checks checks)"

# ---------------------------------------------------------------------------
# e. renew -n, and the list of files written.
mkdir -p e/ssl
gen -ca ca.pem -ca-key ca-key.pem -config config.json -profile short -out e/ssl/server csr.json
gen -ca ca.pem -ca-key ca-key.pem -config config.json -profile year -out e/ssl/peer csr.json
cp ca.pem e/ssl/ca.pem
before=$(tree_sum e)
t0=$(date +%s)
run e_dry "$KILN" renew -n -ca ca.pem -ca-key ca-key.pem -within 30d -expiry 8760h -rekey -backup \
    e/ssl/server.pem e/ssl/peer.pem e/ssl/ca.pem e/ssl/server-key.pem
assert_eq 0 "$RC" "e: renew -n ($(cat "$T/e_dry.err"))"
assert_eq "$before" "$(tree_sum e)" "e: renew -n wrote nothing"
assert_eq "" "$(ls e/ssl | grep '\.[0-9]\{8\}T[0-9]\{6\}Z$' || :)" "e: renew -n made no backup"
t1=$(date +%s)
# notBefore: the time of the run to the nearest minute, less 5 minutes.
from=$(date -u -d "$(sed -n '1s/.* valid from \([0-9TZ:-]*\) .*/\1/p' "$T/e_dry.out")" +%s) ||
    fail "e: no date in $(cat "$T/e_dry.out")"
[ "$from" -ge $(((t0 + 30) / 60 * 60 - 300)) ] && [ "$from" -le $(((t1 + 30) / 60 * 60 - 300)) ] ||
    fail "e: renew -n: notBefore $from not the minute of the run less 5 minutes ($t0-$t1)"
ok
sed 's/\.[0-9]\{8\}T[0-9]\{6\}Z/.STAMP/g; s/until [0-9TZ:-]*/until D/; s/from [0-9TZ:-]*/from F/' \
    "$T/e_dry.out" >"$T/e_dry.norm"
assert_eq "e/ssl/server.pem: would renew, valid from F until D, new key e/ssl/server-key.pem
  would write e/ssl/server.pem.STAMP (backup of e/ssl/server.pem)
  would write e/ssl/server-key.pem.STAMP (backup of e/ssl/server-key.pem)
  would write e/ssl/server-key.pem (new key)
  would write e/ssl/server.pem
e/ssl/peer.pem: kept, expires in 364 days
e/ssl/ca.pem: kept, expires in 1824 days
e/ssl/server-key.pem: skipped, a private key" "$(cat "$T/e_dry.norm")" "e: renew -n says what it would do"
run e_real "$KILN" renew -ca ca.pem -ca-key ca-key.pem -within 30d -expiry 8760h -rekey -backup e/ssl/server.pem
stamp=$(ls e/ssl | sed -n 's/^server\.pem\(\.[0-9]\{8\}T[0-9]\{6\}Z\)$/\1/p')
assert_eq "e/ssl/server.pem: renewed, serial $("$BIN/kiln-certinfo" -cert e/ssl/server.pem | jq -r .serial_number), valid until $(not_after e/ssl/server.pem), new key e/ssl/server-key.pem
  wrote e/ssl/server.pem$stamp (backup of e/ssl/server.pem)
  wrote e/ssl/server-key.pem$stamp (backup of e/ssl/server-key.pem)
  wrote e/ssl/server-key.pem (new key)
  wrote e/ssl/server.pem" "$(cat "$T/e_real.out")" "e: renew lists every file written"
say "e. renew -n and the files written ($checks checks)"

# ---------------------------------------------------------------------------
# f. Smaller frictions.
run f_dur "$KILN" renew -ca ca.pem -ca-key ca-key.pem -within 30 e/ssl/peer.pem
assert_eq "2 kiln: renew: -within: missing unit in duration \"30\"" "$RC $(sed -n 1p "$T/f_dur.err")" \
    "f: renew's duration error names -within"
run f_dur "$KILN" renew -ca ca.pem -ca-key ca-key.pem -expiry 2x e/ssl/peer.pem
assert_contains "$(sed -n 1p "$T/f_dur.err")" "kiln: renew: -expiry: " "f: renew's duration error names -expiry"
run f_dur "$KILN" check -critical 7 e
assert_eq "3 kiln: check: -critical: missing unit in duration \"7\"" "$RC $(sed -n 1p "$T/f_dur.err")" \
    "f: check's duration error names -critical"
# A lifetime within -within: renewed again at every run.
mkdir f
gen -ca ca.pem -ca-key ca-key.pem -config config.json -profile short -out f/short csr.json
run f_life "$KILN" renew -ca ca.pem -ca-key ca-key.pem -within 30d f/short.pem
assert_eq "kiln: renew: warning: f/short.pem: its new lifetime (9 days) is within -within 30d: every run will renew it again (give a longer -expiry)" \
    "$(cat "$T/f_life.err")" "f: renew warns of a lifetime within -within"
# renew DIR: the walk of check; files without a certificate and backups
# passed over quietly.
mkdir -p f/tree/m1/ssl f/tree/m1/cfg
gen -ca ca.pem -ca-key ca-key.pem -config config.json -profile short -out f/tree/m1/ssl/server csr.json
echo "name: m1" >f/tree/m1/cfg/etcd.yml
cp f/tree/m1/ssl/server.pem f/tree/m1/ssl/server.pem.20200101T000000Z
run f_walk "$KILN" renew -ca ca.pem -ca-key ca-key.pem -within 30d -expiry 8760h f/tree
assert_eq 0 "$RC" "f: renew DIR ($(cat "$T/f_walk.err"))"
assert_eq "f/tree/m1/ssl/server-key.pem: skipped, a private key
f/tree/m1/ssl/server.pem: renewed, serial S, valid until D
  wrote f/tree/m1/ssl/server.pem" \
    "$(sed 's/serial [0-9]*, valid until [0-9TZ:-]*/serial S, valid until D/' "$T/f_walk.out")" "f: renew DIR walks it"
# A link to a folder inside DIR is not followed: what it leads to is
# neither read nor written.
mkdir -p f/outside
gen -ca ca.pem -ca-key ca-key.pem -config config.json -profile short -out f/outside/x csr.json
cp f/outside/x.pem f/outside.before
ln -s ../../outside f/tree/m1/linked
run f_walk2 "$KILN" renew -ca ca.pem -ca-key ca-key.pem -within 30d -expiry 8760h f/tree
assert_eq 0 "$RC" "f: renew DIR with a link to a folder in it ($(cat "$T/f_walk2.err"))"
assert_not_contains "$(cat "$T/f_walk2.out")" "linked" "f: the link to a folder is not followed"
cmp -s f/outside/x.pem f/outside.before || fail "f: a certificate behind a link to a folder was renewed"
ok
# check: a file reached through several links is read once.
mkdir f/hash
cp e/ssl/peer.pem f/hash/peer.pem
ln -s peer.pem f/hash/0a1b2c3d.0
ln -s peer.pem f/hash/9f8e7d6c.0
run f_hash "$KILN" check -format json f/hash
assert_eq "1 f/hash/0a1b2c3d.0 f/hash/9f8e7d6c.0 f/hash/peer.pem" \
    "$(jq -r '"\(.certificates | length) \(.certificates[0].path) \(.certificates[0].also_at | join(" "))"' "$T/f_hash.out")" \
    "f: check counts a file reached by hash links once"
# check: no CN, the table shows O/OU.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
    -subj "/O=Example Org/OU=Ops" -days 100 -out f/nocn.pem 2>/dev/null
run f_nocn "$KILN" check f/nocn.pem
assert_contains "$(cat "$T/f_nocn.out")" "| f/nocn.pem | O=Example Org, OU=Ops |" "f: the table shows O/OU without a CN"
# kiln-certinfo -cert over a folder kiln wrote: keys are passed over.
run f_ci "$BIN/kiln-certinfo" -cert e/ssl/server.pem e/ssl/server-key.pem e/ssl/peer.pem
assert_eq 0 "$RC" "f: kiln-certinfo -cert with a key among the files: exit 0"
assert_eq "kiln-certinfo: e/ssl/server-key.pem: skipped, a private key" "$(cat "$T/f_ci.err")" "f: certinfo's note"
assert_eq 2 "$(jq 'length' "$T/f_ci.out")" "f: certinfo: both certificates listed"
# kiln verify: several certificates, a line each; a CA-first bundle is
# checked for its leaf.
run f_v "$KILN" verify -ca ca.pem e/ssl/peer.pem c/other.pem
assert_eq 1 "$RC" "f: verify of two certificates, one foreign: exit 1"
assert_eq "e/ssl/peer.pem: OK" "$(sed -n 1p "$T/f_v.out")" "f: verify: the first certificate's verdict"
assert_contains "$(sed -n 2p "$T/f_v.out")" "c/other.pem: not issued by the CA given" "f: verify: the second's"
cat ca.pem e/ssl/peer.pem >f/ca-first.pem
run f_b "$KILN" verify -ca ca.pem -role peer -host 127.0.0.1 f/ca-first.pem
assert_eq "0 f/ca-first.pem: OK" "$RC $(cat "$T/f_b.out")" "f: verify of a CA-first bundle checks its leaf"
say "f. smaller frictions ($checks checks)"

[ "$failures" = 0 ] || { echo "renew_traps.sh: $failures failed" >&2; exit 1; }
finish
