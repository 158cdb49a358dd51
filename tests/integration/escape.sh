#!/bin/sh
# Certificate text and file names never reach the terminal raw.  A CA and
# a leaf whose CN and SANs hold ESC, BEL, CR, LF, a C1 CSI (U+009B), NEL
# (U+0085) and a bidi override (U+202E), a file name with ESC, BEL and
# U+202E: kiln check's table, kiln-certinfo's table and text (from files,
# and from a TLS server with -domain), kiln verify's sentences and the
# error printer show them escaped (\xNN, \uNNNN) and hold no control
# byte; the JSON keeps Go's escaping.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || fail "python3 is not installed"

# no_controls FILE WHAT: FILE holds no C0 control but newlines, no DEL,
# no C1 or bidi control, and is valid UTF-8.
no_controls() {
	python3 - "$1" <<'EOF' || fail "$2: a control character in $(od -c "$1" | head -20)"
import sys
s = open(sys.argv[1], "rb").read().decode("utf-8", "surrogateescape")
for c in s:
    o = ord(c)
    if ((o < 0x20 and c != "\n") or o == 0x7f or 0x80 <= o <= 0x9f
            or o in (0x61C, 0x200E, 0x200F, 0x2028, 0x2029)
            or 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069
            or 0xDC80 <= o <= 0xDCFF):
        sys.exit(1)
EOF
	ok
}

ESC=$(printf '\033')
CA_CN="CA$(printf '\033')[31m$(printf '\342\200\256')red"
CA_SHOWN='CA\x1b[31m\u202ered'
CN="evil$(printf '\033]0;owned\007\rX\302\233')2J$(printf '\342\200\256')Y
kiln: forged"
CN_SHOWN='evil\x1b]0;owned\x07\x0dX\u009b2J\u202eY\x0akiln: forged'
DNS="a$(printf '\033')[2Jb.example"
DNS_SHOWN='a\x1b[2Jb.example'
EMAIL="x$(printf '\302\205')y@e.example"
EMAIL_SHOWN='x\u0085y@e.example'
NAME="x$(printf '\033]0;t\007\342\200\256').pem"
NAME_SHOWN='x\x1b]0;t\x07\u202e.pem'

openssl ecparam -name prime256v1 -genkey -noout -out ca-key.pem
openssl req -x509 -new -key ca-key.pem -utf8 -subj "/CN=$CA_CN" -days 3650 \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign" -out ca.pem
openssl ecparam -name prime256v1 -genkey -noout -out key.pem
openssl req -new -key key.pem -utf8 -subj "/CN=$CN" -out leaf.csr
printf 'subjectAltName=DNS:%s,email:%s\nextendedKeyUsage=serverAuth\n' \
    "$DNS" "$EMAIL" >leaf.ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca-key.pem \
    -CAcreateserial -days 30 -extfile leaf.ext -out leaf.pem 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out other-key.pem
openssl req -x509 -new -key other-key.pem -subj /CN=other -days 3650 \
    -out other.pem
# openssl kept the bytes: the CN in DER holds ESC.
openssl x509 -in leaf.pem -noout -subject -nameopt esc_ctrl |
    grep -q 'evil\\1B' || fail "openssl: the CN lost its ESC"

mkdir dir
cp leaf.pem "dir/$NAME"

# kiln check: the table.
rc=0
"$KILN" check dir >check.out 2>check.err || rc=$?
assert_eq 1 "$rc" "check: exit (expiring)"
no_controls check.out "check table"
assert_contains "$(cat check.out)" \
    "| dir/$NAME_SHOWN | $CN_SHOWN | $DNS_SHOWN, $EMAIL_SHOWN |" \
    "check table: path, CN, SANs"
assert_contains "$(cat check.out)" "| $CA_SHOWN | expiring |" \
    "check table: issuer CN"
# Every line of the box as long as the first: widths of the escaped text.
assert_eq 1 "$(awk '{ print length($0) }' check.out | sort -u | wc -l)" \
    "check table: aligned"
# The JSON: Go's escaping, as before.
"$KILN" check -format json dir >check.json || :
assert_eq "$CN" "$(jq -r '.certificates[0].subject_cn' check.json)" \
    "check JSON: the CN's bytes"
assert_contains "$(cat check.json)" '"subject_cn": "evil\u001b]0;owned\u0007\r' \
    "check JSON: Go's escapes"
# A problem with a hostile name: the error printer escapes it.
printf -- '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' \
    >"dir/bad${ESC}[2J.pem"
rc=0
"$KILN" check dir >/dev/null 2>check2.err || rc=$?
no_controls check2.err "check stderr"
assert_eq 'kiln: check: dir/bad\x1b[2J.pem: certificate 1: not a certificate' \
    "$(cat check2.err)" "check stderr: the file name escaped"
rm "dir/bad${ESC}[2J.pem"

# kiln-certinfo: table, text, and several files.
"$BIN/kiln-certinfo" -format table -cert leaf.pem >table.out
no_controls table.out "certinfo table"
assert_contains "$(cat table.out)" "| $CN_SHOWN | $DNS_SHOWN, $EMAIL_SHOWN |" \
    "certinfo table: CN, SANs"
assert_eq 1 "$(awk '{ print length($0) }' table.out | sort -u | wc -l)" \
    "certinfo table: aligned"
"$BIN/kiln-certinfo" -format text -cert leaf.pem >text.out
no_controls text.out "certinfo text"
assert_contains "$(cat text.out)" "    Issuer: CN=$CA_SHOWN
" "certinfo text: issuer"
assert_contains "$(cat text.out)" "    Subject: CN=$CN_SHOWN
" "certinfo text: subject, one line"
assert_contains "$(cat text.out)" "            DNS:$DNS_SHOWN, email:$EMAIL_SHOWN
" "certinfo text: SANs"
for f in table text; do
	"$BIN/kiln-certinfo" -format $f -cert ca.pem "dir/$NAME" >list.$f
	no_controls list.$f "certinfo -cert FILE FILE..., $f"
done
assert_contains "$(cat list.table)" "| dir/$NAME_SHOWN | $CN_SHOWN |" \
    "certinfo listing: FILE column"
assert_contains "$(cat list.text)" "File: dir/$NAME_SHOWN
" "certinfo listing: File: line"
"$BIN/kiln-certinfo" -cert leaf.pem >info.json
assert_eq "$CN" "$(jq -r '.subject.common_name' info.json)" \
    "certinfo JSON: the CN's bytes"

# -domain: the same from a TLS server on loopback (openssl s_server on a
# port the kernel picks).
openssl s_server -accept 127.0.0.1:0 -cert leaf.pem -key key.pem \
    -cert_chain ca.pem -www -naccept 2 >server.out 2>&1 </dev/null &
SERVER=$!
stop_server() { kill "$SERVER" 2>/dev/null || :; }
ON_EXIT=stop_server
n=0
while ! grep -q '^ACCEPT' server.out && [ $n -lt 50 ]; do
	nap 0.2
	n=$((n + 1))
done
port=$(sed -n 's/^ACCEPT 127.0.0.1:\([0-9]*\)$/\1/p' server.out)
[ -n "$port" ] || fail "openssl s_server did not start: $(cat server.out)"
for f in table text; do
	timeout 30 "$BIN/kiln-certinfo" -format $f -domain "127.0.0.1:$port" \
	    >domain.$f 2>domain.err || fail "-domain $f: $(cat domain.err)"
	no_controls domain.$f "certinfo -domain $f"
done
assert_contains "$(cat domain.table)" "| $CN_SHOWN | $DNS_SHOWN, $EMAIL_SHOWN |" \
    "certinfo -domain table: the server's CN"
assert_contains "$(cat domain.table)" "| $CA_SHOWN " \
    "certinfo -domain table: its CA's CN"
assert_contains "$(cat domain.text)" "    Subject: CN=$CN_SHOWN
" "certinfo -domain text: subject"
kill "$SERVER" 2>/dev/null || :
wait "$SERVER" 2>/dev/null || :

# kiln verify: the sentences name the issuer and the SANs.
rc=0
"$KILN" verify -ca other.pem -host etcd.example "dir/$NAME" >verify.out \
    2>verify.err || rc=$?
assert_eq 1 "$rc" "verify: exit"
no_controls verify.out "verify"
assert_contains "$(cat verify.out)" \
    "dir/$NAME_SHOWN: not issued by the CA given (its issuer is \"$CA_SHOWN\"; its authority key identifier is " \
    "verify: the issuer's CN"
assert_contains "$(cat verify.out)" \
    "dir/$NAME_SHOWN: no SAN for etcd.example (it has: $DNS_SHOWN, $EMAIL_SHOWN)" \
    "verify: the SANs"
assert_eq 2 "$(wc -l <verify.out | tr -d ' ')" "verify: two lines, none forged"
rc=0
"$KILN" verify -ca ca.pem "dir/$NAME" >verify.ok || rc=$?
assert_eq 0 "$rc" "verify OK: exit"
assert_eq "dir/$NAME_SHOWN: OK" "$(cat verify.ok)" "verify OK: the file name"

# The error printer: C1 controls and bidi overrides in a file name (they
# were let through as valid UTF-8).
missing="no$(printf '\302\233')2J$(printf '\342\200\256')such$(printf '\342\201\246').pem"
rc=0
"$BIN/kiln-certinfo" -cert "$missing" 2>missing.err || rc=$?
assert_eq 1 "$rc" "missing file: exit"
no_controls missing.err "error printer"
assert_eq 'kiln-certinfo: no\u009b2J\u202esuch\u2066.pem: No such file or directory' \
    "$(cat missing.err)" "error printer: C1 and bidi escaped"

# kiln renew's lines name the files it renews and skips.
mkdir rdir
openssl ecparam -name prime256v1 -genkey -noout -out "rdir/x$(printf '\033]0;t\007\342\200\256')-key.pem"
openssl req -new -key "rdir/x$(printf '\033]0;t\007\342\200\256')-key.pem" \
    -subj /CN=plain -out plain.csr
printf 'subjectAltName=DNS:plain.example\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n' >plain.ext
openssl x509 -req -in plain.csr -CA ca.pem -CAkey ca-key.pem \
    -CAcreateserial -days 30 -extfile plain.ext -out "rdir/$NAME" 2>/dev/null
"$KILN" renew -ca ca.pem -ca-key ca-key.pem rdir/* >renew.out 2>renew.err ||
    fail "renew: $(cat renew.err)"
no_controls renew.out "renew"
assert_contains "$(cat renew.out)" "rdir/$NAME_SHOWN: renewed, serial " \
    "renew: the renewed file's name"
assert_contains "$(cat renew.out)" \
    "rdir/x\\x1b]0;t\\x07\\u202e-key.pem: skipped, a private key" \
    "renew: the skipped key's name"

finish
