#!/bin/sh
# kiln renew on kubeconfigs (issue 16 point 3): the client certificate a
# kubeconfig embeds renewed in place under the CA given, for kubeconfigs
# written by kiln k8s and by kubectl config set-credentials --embed-certs.
#  a. kiln k8s's admin.conf: only client-certificate-data changes (every
#     other byte kept, the key's included); subject, SANs, key usage and
#     EKU as before, the same key, verified by the CA; mode 0600;
#  b. kubectl's kubeconfig, -rekey -backup: client-key-data replaced by a
#     new key that matches the new certificate, the owner kept, the backup
#     the old bytes, 0600; a quoted value stays quoted;
#  c. -n writes nothing; -within: an expiring one renewed, kiln check
#     then shows the new serial and "ok"; a folder walk renews kubeconfigs
#     and passes over one with no client certificate;
#  d. refusals, one line each, nothing written: a client certificate that
#     is a file reference, a client-key-data of another key, -key, a value
#     written as a block scalar;
#  e. as root over a folder nobody owns (nobody plays the attacker): a
#     link, a FIFO and the name swapped between read and write, refused
#     as renew_attack.sh's (skipped when not root).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
for t in kubectl openssl jq python3; do
	command -v "$t" >/dev/null 2>&1 || fail "$t is not installed (scripts/setup-debian.sh)"
done
RUN_TIMEOUT=60
START=$(date +%s)

# kc_value FILE KEY: the base64 value of KEY (its first), quotes removed.
kc_value() {
	sed -n "s/^ *$2: *//p" "$1" | head -n 1 | tr -d "\"'"
}
# kc_pem FILE KEY: that value decoded.
kc_pem() {
	kc_value "$1" "$2" | base64 -d
}
# outside FILE: FILE with the client certificate's and key's values cut.
outside() {
	sed -E 's/^( *client-(certificate|key)-data: ).*/\1/' "$1"
}
# facts PEM: subject, SANs, key usage, EKU and public key of a certificate.
facts() {
	openssl x509 -in "$1" -noout -subject -nameopt RFC2253 \
	    -ext subjectAltName,keyUsage,extendedKeyUsage,basicConstraints
	openssl x509 -in "$1" -noout -pubkey
}
# serial PEM: the serial number in decimal, as kiln prints it.
serial() {
	python3 -c 'import sys; print(int(sys.argv[1], 16))' \
	    "$(openssl x509 -in "$1" -noout -serial | sed 's/^serial=//')"
}
# renew NAME ARGS...: kiln renew under the cluster's CA.
renew() {
	name=$1
	shift
	run "$name" "$KILN" renew -ca out/ca/ca.crt -ca-key out/ca/ca.key "$@"
}

cat >m.json <<'J'
{"cluster_name": "kubernetes", "key": {"algo": "ecdsa"},
 "control_plane": [{"name": "cp", "ip": "10.0.0.1"}]}
J
run k8s "$KILN" k8s -manifest m.json -out out
assert_eq 0 "$rc" "kiln k8s ($(cat k8s.err))"

# ---------------------------------------------------------------------------
# a. kiln k8s's admin.conf, key kept.
C=out/cp/admin.conf
cp "$C" a.before
kc_pem a.before client-certificate-data >a.old.crt
kc_pem a.before client-key-data >a.key
chmod 0644 "$C"
renew a "$C"
assert_eq 0 "$rc" "admin.conf: exit status ($(cat a.err))"
kc_pem "$C" client-certificate-data >a.new.crt
assert_eq "$C: renewed, serial $(serial a.new.crt), valid until $(date -u -d "$(openssl x509 -in a.new.crt -noout -enddate | sed 's/^notAfter=//')" +%Y-%m-%dT%H:%M:%SZ)
  wrote $C" "$(cat a.out)" "admin.conf: stdout"
assert_eq "" "$(cat a.err)" "admin.conf: stderr"
assert_eq "$(outside a.before)" "$(outside "$C")" "admin.conf: the bytes outside the value"
assert_eq "$(kc_value a.before client-key-data)" "$(kc_value "$C" client-key-data)" "admin.conf: client-key-data"
assert_eq "$(facts a.old.crt)" "$(facts a.new.crt)" "admin.conf: subject, SANs, usages, key"
[ "$(serial a.old.crt)" != "$(serial a.new.crt)" ] || fail "admin.conf: the same serial"
ok
assert_eq "$(openssl pkey -in a.key -pubout)" "$(openssl x509 -in a.new.crt -noout -pubkey)" "admin.conf: the key matches"
assert_eq "a.new.crt: OK" "$(openssl verify -x509_strict -CAfile out/ca/ca.crt a.new.crt)" "admin.conf: verified"
assert_eq "600 root" "$(stat -c '%a %U' "$C")" "admin.conf: mode and owner"
assert_eq 1 "$(diff a.before "$C" | grep -c '^>')" "admin.conf: one line changed"
say "a. kiln k8s's admin.conf renewed in place ($checks checks)"

# ---------------------------------------------------------------------------
# b. kubectl's kubeconfig, with SANs, -rekey -backup; a quoted value.
cat >ca-config.json <<'J'
{ "signing": { "profiles": { "client": { "expiry": "1h",
  "usages": ["digital signature", "key encipherment", "client auth"] } } } }
J
printf '{"CN":"jane","key":{"algo":"ecdsa","size":256},"names":[{"O":"devs"}]}' >jane.json
"$KILN" gencert -ca out/ca/ca.crt -ca-key out/ca/ca.key -config ca-config.json \
    -profile client -hostname jane.test,127.0.0.1 -out jane jane.json 2>/dev/null
mkdir u
K=u/config
kubectl config set-cluster kubernetes --server=https://127.0.0.1:6443 \
    --certificate-authority=out/ca/ca.crt --embed-certs --kubeconfig "$K" >/dev/null
kubectl config set-credentials jane --client-certificate=jane.pem \
    --client-key=jane-key.pem --embed-certs --kubeconfig "$K" >/dev/null
kubectl config set-context jane@kubernetes --cluster kubernetes --user jane --kubeconfig "$K" >/dev/null
kubectl config use-context jane@kubernetes --kubeconfig "$K" >/dev/null
# The certificate's value double-quoted, as an editor may leave it.
sed -E 's/^( *client-certificate-data: )(.*)$/\1"\2"/' "$K" >k.tmp && cat k.tmp >"$K"
chown nobody "$K"
chmod 0640 "$K"
cp "$K" b.before
renew b -rekey -backup -expiry 8760h "$K"
assert_eq 0 "$rc" "kubectl's: exit status ($(cat b.err))"
kc_pem "$K" client-certificate-data >b.new.crt
kc_pem "$K" client-key-data >b.key
BK=
for f in u/config.*; do BK=${f#u/}; done
assert_eq "$K: renewed, serial $(serial b.new.crt), valid until $(date -u -d "$(openssl x509 -in b.new.crt -noout -enddate | sed 's/^notAfter=//')" +%Y-%m-%dT%H:%M:%SZ), new key client-key-data of users/jane
  wrote u/$BK (backup of $K)
  wrote $K" "$(cat b.out)" "kubectl's: stdout"
assert_eq "$(outside b.before)" "$(outside "$K")" "kubectl's: the bytes outside the values"
assert_contains "$(cat "$K")" '    client-certificate-data: "LS0t' "kubectl's: still double-quoted"
[ "$(kc_value b.before client-key-data)" != "$(kc_value "$K" client-key-data)" ] || fail "kubectl's: the key was kept"
ok
assert_eq "$(openssl pkey -in b.key -pubout)" "$(openssl x509 -in b.new.crt -noout -pubkey)" "kubectl's: the new key matches"
assert_eq "$(facts jane.pem | sed '/BEGIN PUBLIC/,$d')" "$(facts b.new.crt | sed '/BEGIN PUBLIC/,$d')" "kubectl's: subject, SANs, usages"
assert_contains "$(facts b.new.crt)" "DNS:jane.test, IP Address:127.0.0.1" "kubectl's: SANs"
assert_contains "$(facts b.new.crt)" "TLS Web Client Authentication" "kubectl's: EKU"
assert_eq "600 nobody" "$(stat -c '%a %U' "$K")" "kubectl's: mode and owner"
cmp -s b.before "u/$BK" || fail "kubectl's: the backup is not the old file"
ok
assert_eq "600 root" "$(stat -c '%a %U' "u/$BK")" "kubectl's: the backup's mode"
run kubectl kubectl config view --raw --minify --kubeconfig "$K" -o jsonpath='{.users[0].user.client-certificate-data}'
assert_eq "$(kc_value "$K" client-certificate-data)" "$(cat kubectl.out)" "kubectl reads the new value"
say "b. kubectl's kubeconfig renewed with a new key ($checks checks)"

# ---------------------------------------------------------------------------
# c. -n, -within, kiln check, a folder walk.
printf '{"CN":"short","key":{"algo":"ecdsa","size":256}}' >short.json
"$KILN" gencert -ca out/ca/ca.crt -ca-key out/ca/ca.key -config ca-config.json \
    -profile client -out short short.json 2>/dev/null
W=w/config
mkdir w
kubectl config set-credentials short --client-certificate=short.pem \
    --client-key=short-key.pem --embed-certs --kubeconfig "$W" >/dev/null
kubectl config set-credentials token --token=abc --kubeconfig w/token.conf >/dev/null
cp "$W" c.before
run check1 "$KILN" check -within 30d "$W"
assert_eq 1 "$rc" "check before: exit status (expiring)"
renew n -n -within 30d -expiry 8760h "$W"
assert_eq 0 "$rc" "-n: exit status ($(cat n.err))"
assert_contains "$(cat n.out)" "$W: would renew, valid from " "-n: stdout"
cmp -s c.before "$W" || fail "-n: the file changed"
ok
renew walk -within 30d -expiry 8760h w
assert_eq 0 "$rc" "walk: exit status ($(cat walk.err))"
kc_pem "$W" client-certificate-data >c.new.crt
assert_eq "$W: renewed, serial $(serial c.new.crt), valid until $(date -u -d "$(openssl x509 -in c.new.crt -noout -enddate | sed 's/^notAfter=//')" +%Y-%m-%dT%H:%M:%SZ)
  wrote $W" "$(cat walk.out)" "walk: stdout (token.conf passed over)"
run check2 "$KILN" check -within 30d -format json "$W"
assert_eq 0 "$rc" "check after: exit status"
assert_eq "ok $(serial c.new.crt)" "$(jq -r '.certificates[] | select(.path == "w/config#users/short") | "\(.status) \(.serial_number)"' check2.out)" "check after: the renewed certificate"
renew again -within 30d w
assert_eq "$W: kept, expires in 364 days" "$(cat again.out)" "-within again: kept"
say "c. -n, -within, kiln check and a walk ($checks checks)"

# ---------------------------------------------------------------------------
# d. Refusals.
kubectl config set-credentials ref --client-certificate="$T/jane.pem" \
    --client-key="$T/jane-key.pem" --kubeconfig ref.conf >/dev/null
expect_error "kiln: renew: ref.conf: users/ref: the client certificate is the file jane.pem, not embedded: renew that file itself" \
    "$KILN" renew -ca out/ca/ca.crt -ca-key out/ca/ca.key ref.conf
# Another key in client-key-data.
sed "s/^\( *client-key-data: \).*/\1$(kc_value out/cp/scheduler.conf client-key-data)/" \
    out/cp/controller-manager.conf >wrong.conf
cp wrong.conf wrong.before
expect_error "kiln: renew: wrong.conf: its key client-key-data of users/system:kube-controller-manager does not match it: refused (a certificate is renewed only for the key beside it)" \
    "$KILN" renew -ca out/ca/ca.crt -ca-key out/ca/ca.key -rekey wrong.conf
cmp -s wrong.before wrong.conf || fail "another key: the file changed"
ok
expect_error "kiln: renew: wrong.conf: a kubeconfig, whose key is its client-key-data: no key file is read for it" \
    "$KILN" renew -ca out/ca/ca.crt -ca-key out/ca/ca.key -key a.key wrong.conf
# A value written as a block scalar cannot be replaced in place.
awk '/client-certificate-data:/ { sub(/client-certificate-data: /, "client-certificate-data: |\n      "); } { print }' \
    out/cp/scheduler.conf >block.conf
cp block.conf block.before
expect_error "kiln: renew: block.conf: line 18: client-certificate-data: a block scalar (| or >) cannot be replaced in place" \
    "$KILN" renew -ca out/ca/ca.crt -ca-key out/ca/ca.key block.conf
cmp -s block.before block.conf || fail "a block scalar: the file changed"
ok
say "d. refusals ($checks checks)"

# ---------------------------------------------------------------------------
# e. Root over nobody's folder: a link, a FIFO, a swapped name.
if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1 || ! command -v strace >/dev/null 2>&1; then
	say "e. skipped: needs root, a user nobody and strace"
	say "PASS in $(($(date +%s) - START)) s"
	finish
	exit 0
fi
chmod 0711 "$T"
A=$T/attack
echo 'root:x:0:0:root:/root:/bin/bash' >passwd
chmod 0644 passwd
cp passwd passwd.before
fresh() {
	rm -rf "$A"
	mkdir "$A"
	cp out/cp/admin.conf "$A/admin.conf"
	chown -R nobody "$A"
}
fresh
runuser -u nobody -- sh -c "cd '$A' && rm admin.conf && ln -s '$T/passwd' admin.conf"
expect_error "kiln: renew: $A/admin.conf: a symbolic link, refused (-follow-links follows a link to a file of kiln's own user)" \
    "$KILN" renew -ca out/ca/ca.crt -ca-key out/ca/ca.key "$A/admin.conf"
fresh
runuser -u nobody -- sh -c "cd '$A' && rm admin.conf && mkfifo admin.conf"
expect_error "kiln: renew: $A/admin.conf: a FIFO, refused" \
    timeout 10 "$KILN" renew -ca out/ca/ca.crt -ca-key out/ca/ca.key "$A/admin.conf"
fresh
runuser -u nobody -- sh -c "cd '$A' && i=0
	while [ \$i -lt 300 ]; do
		for f in .admin.conf.*; do
			if [ -e \"\$f\" ]; then
				ln -s '$T/passwd' .swap && mv -T .swap admin.conf && exit 0
				exit 2
			fi
		done
		sleep 0.05
		i=\$((i + 1))
	done
	exit 1" </dev/null >/dev/null 2>&1 &
attacker=$!
# LeakSanitizer cannot work under ptrace (scripts/sanitize.sh).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 expect_error \
    "kiln: renew: $A/admin.conf: changed while kiln worked on it (replaced, removed or linked), refused" \
    timeout 30 strace -f -o /dev/null -e trace=fsync -e inject=fsync:delay_enter=2000000:when=1 \
    "$KILN" renew -ca out/ca/ca.crt -ca-key out/ca/ca.key "$A/admin.conf"
arc=0
wait "$attacker" || arc=$?
assert_eq 0 "$arc" "swap: the attacker swapped the name"
assert_eq "$T/passwd" "$(readlink "$A/admin.conf")" "swap: the attacker's link kept"
cmp -s passwd.before passwd || fail "the stand-in changed"
ok
assert_eq "" "$(find "$A" -name '.*.??????' -print)" "swap: temporaries left"
say "e. a link, a FIFO and a swapped name refused ($checks checks)"

say "PASS in $(($(date +%s) - START)) s"
finish
