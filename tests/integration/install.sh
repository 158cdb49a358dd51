#!/bin/sh
# What "cmake --install" and "cpack -G DEB" make of the build: the layout
# (binaries, every man page, the profiles, bash completion, the optional
# cfssl links), the installed kiln at work on the installed profiles, the
# completion's lists against each command's -h, the .deb's files and
# dependencies, and an extracted .deb that runs.  Also every man page
# warning-free and every command's -h, unknown command and unknown flag.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$DATA/../.." && pwd)
P=$T/prefix

# ---- cmake --install into a scratch prefix ----
cmake --install "$BIN" --prefix "$P" >install.log 2>&1 ||
    fail "cmake --install: $(tail -3 install.log)"
for f in bin/kiln bin/kiln-certinfo; do
	[ -x "$P/$f" ] && [ ! -L "$P/$f" ] || fail "$f: not an installed program"
	ok
done
for link in cfssl cfssljson cfssl-certinfo; do
	[ ! -e "$P/bin/$link" ] || fail "bin/$link installed without the option"
	ok
done
assert_eq "$(cd "$SRC/man" && ls ./*.1 | sed 's|^\./||' | sort)" \
    "$(ls "$P/share/man/man1" | sort)" "man1: every page of man/*.1"
assert_eq "kiln-config.5" "$(ls "$P/share/man/man5")" "man5"
assert_eq "$(cd "$SRC/profiles" && find . -type f | sort)" \
    "$(cd "$P/share/kiln/profiles" && find . -type f | sort)" \
    "share/kiln/profiles: every profile file"
C=$P/share/bash-completion/completions
cmp -s "$SRC/completion/kiln.bash" "$C/kiln" || fail "completions/kiln"
ok
assert_eq kiln "$(readlink "$C/kiln-certinfo")" "completions/kiln-certinfo"

# The cfssl links at install time, into a DESTDIR.
DESTDIR=$T/dest cmake -DKILN_INSTALL_CFSSL_LINKS=ON -DCMAKE_INSTALL_PREFIX=/usr \
    -P "$BIN/cmake_install.cmake" >links.log 2>&1 ||
    fail "install with links: $(tail -3 links.log)"
for pair in cfssl:kiln cfssljson:kiln cfssl-certinfo:kiln-certinfo; do
	assert_eq "${pair#*:}" "$(readlink "$T/dest/usr/bin/${pair%%:*}")" \
	    "link ${pair%%:*}"
done

# ---- the installed kiln on the installed profiles: the guide's job ----
G=$P/share/kiln/profiles/guide
mkdir work && cd work
"$P/bin/kiln" gencert -initca "$G/ca-csr.json" | "$P/bin/kiln" json -bare ca
"$P/bin/kiln" gencert -ca ca.pem -ca-key ca-key.pem -config "$G/ca-config.json" \
    -profile kubernetes "$G/etcd-csr.json" | "$P/bin/kiln" json -bare etcd
assert_eq "etcd.pem: OK" "$(openssl verify -x509_strict -CAfile ca.pem etcd.pem)" \
    "installed kiln: the guide's certificate verifies"
assert_eq "subject=C = CN, ST = BeiJing, L = BeiJing, CN = etcd" \
    "$(openssl x509 -in etcd.pem -noout -subject)" "installed kiln: subject"
assert_contains "$(openssl x509 -in etcd.pem -noout -ext subjectAltName)" \
    "IP Address:192.168.66.31, IP Address:192.168.66.41, IP Address:192.168.66.42" \
    "installed kiln: the guide's hosts"
assert_eq 600 "$(mode etcd-key.pem)" "installed kiln: key mode"
assert_eq "etcd" "$("$P/bin/kiln-certinfo" -cert etcd.pem | jq -r .subject.common_name)" \
    "installed kiln-certinfo"
cd "$T"

# ---- bash completion, sourced from the installed file ----
bash -c ". '$C/kiln'; complete -p kiln; complete -p kiln-certinfo" >complete.out 2>&1 ||
    fail "sourcing the completion: $(cat complete.out)"
assert_eq "complete -o filenames -F _kiln kiln
complete -o filenames -F _kiln_certinfo kiln-certinfo" "$(cat complete.out)" \
    "complete -p"
# complete_words WORD...: what the completion offers for the last word.
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
	    if [ "$1" = kiln-certinfo ]; then _kiln_certinfo; else _kiln; fi
	    printf "%s\n" "${COMPREPLY[@]}"' sh "$C/kiln" "$@" | sort | tr '\n' ' '
}
commands=$("$KILN" -h | sed -n 's/^  \([a-z0-9-]*\) .*/\1/p' | sort | tr '\n' ' ')
assert_eq "$commands" "$(complete_words kiln '')" "completion: the commands of kiln -h"
for cmd in $commands; do
	flags=$( ("$KILN" "$cmd" -h 2>&1; echo '  -h=') |
	    sed -n 's/^  \(-[a-z0-9-]*\)=.*/\1/p' | sort | tr '\n' ' ')
	assert_eq "$flags" "$(complete_words kiln "$cmd" -)" \
	    "completion: the flags of kiln $cmd -h"
done
assert_eq "$(complete_words kiln certinfo -)" "$(complete_words kiln-certinfo -)" \
    "completion: kiln-certinfo's flags are certinfo's"
assert_eq "html json kubeadm table " "$(complete_words kiln check -format '')" \
    "completion: check -format"
assert_eq "client kubernetes " \
    "$(complete_words kiln gencert -config "$G/../kubernetes/ca-config.json" -profile '')" \
    "completion: profiles from -config"
# Only the names directly under signing.profiles, not the objects nested
# in a profile (issue 14): ca_constraint, auth_keys' entries and a brace
# inside a string are no profiles.
cat >nested.json <<'EOF'
{"signing": {"default": {"expiry": "8760h", "usages": ["signing"]},
  "profiles": {
    "server": {"expiry": "8760h", "usages": ["signing", "server auth"]},
    "inter": {"expiry": "43800h", "usages": ["cert sign", "x}{"],
              "ca_constraint": {"is_ca": true, "max_path_len": 0}},
    "client": {"expiry": "8760h", "auth_key": "k"}}},
 "auth_keys": {"k": {"type": "standard", "key": "0123"}}}
EOF
assert_eq "client inter server " \
    "$(complete_words kiln gencert -config nested.json -profile '')" \
    "completion: profiles with nested objects"
mkdir -p cdir/sub && : >cdir/ca.pem
assert_eq "cdir/ca.pem cdir/sub " "$(complete_words kiln gencert -ca cdir/)" \
    "completion: files for -ca"
assert_eq "cdir/sub " "$(complete_words kiln etcd -out cdir/)" \
    "completion: folders for etcd -out"

# ---- every man page renders warning-free ----
for page in "$SRC"/man/*.1 "$SRC"/man/*.5; do
	assert_eq "" "$(groff -mandoc -ww -Tutf8 "$page" 2>&1 >/dev/null)" \
	    "groff -ww $(basename "$page")"
	assert_eq "" "$(mandoc -Tlint -Wwarning "$page" 2>&1)" \
	    "mandoc -Tlint $(basename "$page")"
done

# ---- every command: a man page, -h (exit 0), an unknown flag (exit 2) ----
for cmd in $commands; do
	[ -f "$SRC/man/kiln-$cmd.1" ] || fail "no man page for kiln $cmd"
	ok
	rc=0
	"$KILN" "$cmd" -h >h.out 2>&1 || rc=$?
	assert_eq 0 "$rc" "kiln $cmd -h: status"
	assert_eq "Usage of $cmd:" "$(head -1 h.out)" "kiln $cmd -h: usage"
	# kiln check speaks the monitoring-plugin convention, where 2 is
	# CRITICAL: its usage errors are 3, UNKNOWN (kiln-check(1)).
	want=2
	[ "$cmd" != check ] || want=3
	rc=0
	"$KILN" "$cmd" -no-such-flag >u.out 2>u.err || rc=$?
	assert_eq "$want" "$rc" "kiln $cmd -no-such-flag: status"
	assert_eq "kiln: $cmd: flag provided but not defined: -no-such-flag" \
	    "$(head -1 u.err)" "kiln $cmd -no-such-flag: message"
	assert_eq "Usage of $cmd:" "$(sed -n 2p u.err)" "kiln $cmd -no-such-flag: usage"
	assert_eq "" "$(cat u.out)" "kiln $cmd -no-such-flag: stdout"
done
rc=0
"$KILN" -h >h.out 2>&1 || rc=$?
assert_eq 0 "$rc" "kiln -h"
rc=0
"$KILN" no-such-command >u.out 2>u.err || rc=$?
assert_eq 2 "$rc" "kiln no-such-command: status"
assert_eq 'kiln: unknown command "no-such-command"' "$(head -1 u.err)" \
    "kiln no-such-command: message"
assert_contains "$(cat u.err)" "Usage: kiln COMMAND" "kiln no-such-command: usage"
rc=0
"$KILN" >u.out 2>u.err || rc=$?
assert_eq 2 "$rc" "kiln without a command"
rc=0
"$BIN/kiln-certinfo" -h >h.out 2>&1 || rc=$?
assert_eq 0 "$rc" "kiln-certinfo -h: status"
assert_eq "Usage of kiln-certinfo:" "$(head -1 h.out)" "kiln-certinfo -h: usage"
rc=0
"$BIN/kiln-certinfo" -no-such-flag >u.out 2>u.err || rc=$?
assert_eq 2 "$rc" "kiln-certinfo -no-such-flag"

# ---- cpack -G DEB ----
(cd "$BIN" && cpack -G DEB -B "$T/deb") >cpack.log 2>&1 ||
    fail "cpack: $(tail -5 cpack.log)"
deb=$(ls "$T"/deb/kiln_*.deb)
[ -f "$deb" ] || fail "no .deb in $T/deb"
ok
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./||' >deb.list
for f in usr/bin/kiln usr/bin/kiln-certinfo usr/share/man/man1/kiln.1 \
    usr/share/man/man1/kiln-certinfo.1 usr/share/man/man5/kiln-config.5 \
    usr/share/kiln/profiles/guide/ca-config.json \
    usr/share/kiln/profiles/etcd/cluster.json \
    usr/share/bash-completion/completions/kiln \
    usr/share/bash-completion/completions/kiln-certinfo; do
	grep -qx "$f" deb.list || fail ".deb lacks $f"
	ok
done
assert_eq "$(ls "$SRC"/man/*.1 | wc -l)" "$(grep -c '^usr/share/man/man1/.*\.1$' deb.list)" \
    ".deb: every man1 page"
! grep -q '^usr/bin/cfssl' deb.list || fail ".deb holds cfssl links by default"
ok
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libcjson1 libmbedcrypto7 libmbedtls14 libmbedx509-1 libyaml-0-2 \
    libsqlite3-0 libmicrohttpd12; do
	assert_contains "$depends" "$lib" ".deb Depends: $lib"
done
assert_not_contains "$depends" "libpq" ".deb Depends (libpq is opened at run time)"
assert_eq libpq5 "$(dpkg-deb -f "$deb" Recommends)" ".deb Recommends"
assert_eq kiln "$(dpkg-deb -f "$deb" Package)" ".deb Package"
dpkg-deb -x "$deb" "$T/root"
assert_eq "Version: $("$KILN" version | sed -n 's/^Version: //p')" \
    "$("$T/root/usr/bin/kiln" version | head -1)" "extracted .deb: kiln version"
assert_eq "etcd" "$("$T/root/usr/bin/kiln-certinfo" -cert work/etcd.pem | jq -r .subject.common_name)" \
    "extracted .deb: kiln-certinfo"

finish
