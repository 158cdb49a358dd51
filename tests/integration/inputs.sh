#!/bin/sh
# inputs.sh BUILD_DIR DATA_DIR
#
# Hostile inputs and outputs (issue 13, points 13 to 16), end to end:
# 13. name_whitelist's "." does not match a newline, as in cfssl's RE2,
#     and a control character in a DNS name, email address or URI is
#     refused whatever the whitelist;
# 14. an EC key whose public point is not its scalar's is refused by
#     every command that takes a key;
# 15. output that cannot be written (stdout on /dev/full) is a failure;
# 16. gencrl refuses serials of more than 20 bytes, and kiln json a
#     BASENAME that names no file.
# Each case asserts the exact message, the status, and that nothing was
# written.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
command -v openssl >/dev/null 2>&1 || fail "openssl is not installed"
[ -w /dev/full ] || fail "/dev/full is missing"

KEYS=$DATA/keys
"$KILN" gencert -initca "$DATA"/ecdsa/ca-csr.json | "$KILN" json -bare ca

# expect STATUS MESSAGE COMMAND...: COMMAND in an empty folder exits
# STATUS with exactly MESSAGE on stderr, nothing on stdout, and writes
# nothing.
expect() {
	want_status=$1
	want=$2
	shift 2
	rm -rf run && mkdir run && cd run
	set +e
	"$@" >../stdout 2>../stderr
	status=$?
	set -e
	cd ..
	assert_eq "$want_status" "$status" "exit status of: $*"
	assert_eq "" "$(cat stdout)" "stdout of: $*"
	assert_eq "$want" "$(head -n 1 stderr)" "message of: $*"
	assert_eq "" "$(ls -A run)" "files left by: $*"
}

# 13. The whitelist of a cfssl config, as its users write it.
cat >wl-config.json <<'JSON'
{"signing": {"default": {"expiry": "1h"},
  "profiles": {"web": {"expiry": "1h", "usages": ["server auth"],
    "name_whitelist": "^.*\\.example\\.com$"}}}}
JSON
printf '{"CN":"a.example.com","hosts":["evil.com\\nx.example.com"]}' >nl-host.json
printf '{"CN":"evil.com\\nx.example.com"}' >nl-cn.json
printf '{"CN":"a.example.com","hosts":["a.example.com\\u001b[2J"]}' >esc-host.json
printf '{"CN":"a.example.com","hosts":["ops\\r@example.com"]}' >cr-email.json
printf '{"CN":"a.example.com","hosts":["a.example.com","b.example.com"]}' >good.json
g="$KILN gencert -ca $T/ca.pem -ca-key $T/ca-key.pem -config $T/wl-config.json -profile web"
expect 1 'kiln: gencert: DNS name with control character U+000A at byte 8 refused' \
    $g "$T/nl-host.json"
expect 1 'kiln: gencert: CN "evil.com\x0ax.example.com" does not match the profile'"'"'s name_whitelist' \
    $g "$T/nl-cn.json"
expect 1 'kiln: gencert: DNS name with control character U+001B at byte 13 refused' \
    $g "$T/esc-host.json"
expect 1 'kiln: gencert: DNS name with control character U+000D at byte 3 refused' \
    $g "$T/cr-email.json"
# No whitelist at all: still refused.
expect 1 'kiln: gencert: DNS name with control character U+000A at byte 8 refused' \
    "$KILN" gencert -ca ca.pem -ca-key ca-key.pem "$T/nl-host.json"
# A name the whitelist allows is still issued, with both names.
$g good.json | "$KILN" json -bare good
assert_eq "X509v3 Subject Alternative Name: 
    DNS:a.example.com, DNS:b.example.com" \
    "$(openssl x509 -in good.pem -noout -ext subjectAltName)" "allowed names"

# 14. The public point of p256-cert.pem with another key's scalar.
forged=$KEYS/p256-sec1-foreign-public.pem
m="private key: its public part is not its private part's (a corrupt or forged key)"
printf '{"CN":"x","hosts":["x.example"]}' >x.json
expect 1 "kiln: gencsr: $forged: $m" "$KILN" gencsr -key "$forged" "$T/x.json"
expect 1 "kiln: gencert: $forged: $m" \
    "$KILN" gencert -initca -ca-key "$forged" "$DATA/ecdsa/ca-csr.json"
"$KILN" gencsr -key "$KEYS/p256-sec1.pem" x.json | "$KILN" json -bare x
expect 1 "kiln: sign: $forged: $m" \
    "$KILN" sign -ca "$KEYS/p256-cert.pem" -ca-key "$forged" "$T/x.csr"
expect 1 "kiln-certinfo: $forged: $m" \
    "$BIN/kiln-certinfo" -cert "$KEYS/p256-cert.pem" -key "$forged"
# The genuine key still works, and its CSR verifies.
openssl req -in x.csr -noout -verify 2>&1 | grep -q 'verify OK' ||
    fail "a CSR from the genuine key does not verify"
ok

# 15. Standard output on a full disk: a failure, in one line.
full() {
	want_status=$1
	want=$2
	shift 2
	set +e
	"$@" >/dev/full 2>full.err
	status=$?
	set -e
	assert_eq "$want_status" "$status" "exit status of: $* >/dev/full"
	assert_eq "$want" "$(cat full.err)" "message of: $* >/dev/full"
}
nospace="standard output: No space left on device"
full 1 "kiln: version: $nospace" "$KILN" version
full 1 "kiln: print-defaults: $nospace" "$KILN" print-defaults csr
full 1 "kiln: verify: $nospace" "$KILN" verify -ca ca.pem good.pem
full 1 "kiln: help: $nospace" "$KILN" -h
full 1 "kiln: gencert: $nospace" "$KILN" gencert -initca "$DATA/ecdsa/ca-csr.json"
full 1 "kiln-certinfo: $nospace" "$BIN/kiln-certinfo" -cert good.pem
# kiln check's verdict is lost: its UNKNOWN.
full 3 "kiln: check: $nospace" "$KILN" check good.pem
cp good.pem renew-me.pem
cp good-key.pem renew-me-key.pem
full 1 "kiln: renew: $nospace" "$KILN" renew -ca ca.pem -ca-key ca-key.pem renew-me.pem
# The certificate was renewed all the same; only the report was lost.
[ "$(openssl x509 -in renew-me.pem -noout -serial)" != "$(openssl x509 -in good.pem -noout -serial)" ] ||
    fail "renew did not renew"
ok

# 16. Serials of more than 20 bytes; BASENAMEs that name no file.
printf '1\n730750818665451459101842416358141509827966271488\n' >long.txt
expect 1 'kiln: gencrl: '"$T"'/long.txt: line 2: "7307508186654514591018424163581415098279..." is longer than 20 bytes, which no certificate'"'"'s serial number may be (RFC 5280)' \
    "$KILN" gencrl "$T/long.txt" "$T/ca.pem" "$T/ca-key.pem"
printf '730750818665451459101842416358141509827966271487\n' >max.txt
"$KILN" gencrl -out max.crl max.txt ca.pem ca-key.pem
assert_contains "$(openssl crl -in max.crl -noout -text)" \
    "Serial Number: 7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF" "a 20-byte serial"
"$KILN" gencert -initca "$DATA/ecdsa/ca-csr.json" >ca.json
for base in "" / "sub/" . ..; do
	expect 2 "kiln: json: BASENAME \"$base\" names no file: give a name such as ca" \
	    "$KILN" json -bare -f "$T/ca.json" "$base"
done
mkdir -p sub
expect 2 'cfssljson: BASENAME "" names no file: give a name such as ca' \
    "$BIN/cfssljson" -bare -f "$T/ca.json" ""
assert_eq "" "$(ls -A sub)" "nothing written into sub/"

finish
