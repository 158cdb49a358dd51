#!/bin/sh
# The command line: Go flag syntax as cfssl, usage and exit codes.
. "$(dirname "$0")/lib.sh"

# run EXPECTED_STATUS COMMAND...: sets $out and $err.
run() {
	want=$1
	shift
	capture "$@"
	out=$(cat stdout)
	err=$(cat stderr)
	assert_eq "$want" "$status" "exit status of: $*"
}

run 0 "$KILN" gencert -h
assert_contains "$out" "Usage of gencert:" "-h prints usage on stdout"
assert_contains "$out" '  -ca="": CA used to sign the new certificate' "flag line as cfssl"
assert_contains "$out" '  -loglevel=1: Log level' "int default"
assert_eq "" "$err" "-h prints nothing on stderr"
run 0 "$KILN" gencert --help
run 0 "$KILN" json -help
run 0 "$KILN" -h
assert_contains "$out" "gencert" "top-level usage lists commands"

run 2 "$KILN" gencert -nosuch x.json
assert_eq "kiln: gencert: flag provided but not defined: -nosuch" "$(echo "$err" | head -1)" "unknown flag"
assert_contains "$err" "Usage of gencert:" "usage after a bad flag"
run 2 "$KILN" gencert --nosuch
assert_eq "kiln: gencert: flag provided but not defined: --nosuch" "$(echo "$err" | head -1)" "--flag"
run 2 "$KILN" gencert -ca
assert_eq "kiln: gencert: flag needs an argument: -ca" "$(echo "$err" | head -1)" "missing value"
run 2 "$KILN" gencert ---ca x
assert_eq "kiln: gencert: bad flag syntax: ---ca" "$(echo "$err" | head -1)" "bad syntax"
run 2 "$KILN" gencert -initca=maybe x
assert_eq 'kiln: gencert: invalid boolean value "maybe" for -initca: parse error' \
    "$(echo "$err" | head -1)" "bad boolean"
run 2 "$KILN" gencert -loglevel=x y
assert_eq 'kiln: gencert: invalid value "x" for flag -loglevel: parse error' \
    "$(echo "$err" | head -1)" "bad int"
run 2 "$KILN" nosuch
assert_eq 'kiln: unknown command "nosuch"' "$(echo "$err" | head -1)" "unknown command"
# The other tools' names get a pointer to kiln's own command.
err=$("$KILN" cfssljson -bare x 2>&1 </dev/null) && fail "kiln cfssljson succeeded"
assert_eq 'kiln: unknown command "cfssljson": it is "kiln json" (or kiln started as cfssljson)' \
    "$(echo "$err" | head -1)" "kiln cfssljson"
err=$("$KILN" cfssl-certinfo -cert x 2>&1 </dev/null) && fail "kiln cfssl-certinfo succeeded"
assert_eq 'kiln: unknown command "cfssl-certinfo": it is "kiln certinfo", or kiln-certinfo' \
    "$(echo "$err" | head -1)" "kiln cfssl-certinfo"
run 2 "$KILN"
run 2 "$KILN" gencert
assert_eq "kiln: gencert: expected one CSR JSON file" "$(echo "$err" | head -1)" "no CSR JSON"
assert_contains "$err" "Usage of gencert" "no CSR JSON: usage follows"
run 2 "$KILN" gencert a.json b.json

# -f=v, -f v, --f v, booleans as -b or -b=false, 0x and octal ints.
"$KILN" gencert -initca=true --loglevel 0x1 "$DATA"/ecdsa/ca-csr.json >a.json
"$KILN" gencert --initca -loglevel=010 -cn=renamed "$DATA"/ecdsa/ca-csr.json |
    "$KILN" json -bare renamed
assert_contains "$(openssl x509 -in renamed.pem -noout -subject)" "CN = renamed" "-cn=v"
# Parsing stops at the first operand: later flags are operands.
run 2 "$KILN" gencert "$DATA"/ecdsa/ca-csr.json -initca
run 1 "$KILN" gencert -initca=false "$DATA"/ecdsa/ca-csr.json
assert_eq "kiln: gencert: $DATA/ecdsa/ca-csr.json: ca: only allowed with -initca" "$err" \
    "-initca=false"
# "-" is standard input, and "--" ends the flags.
"$KILN" gencert -initca - <"$DATA"/ecdsa/ca-csr.json >b.json
assert_contains "$(cat b.json)" '"cert":"-----BEGIN CERTIFICATE-----' "stdin CSR JSON"
# -ca-key accepts cfssl's env: prefix.
"$KILN" json -bare ca <a.json
CAKEY=$(cat ca-key.pem) "$KILN" gencert -ca ca.pem -ca-key env:CAKEY \
    -config "$DATA"/guide/ca-config.json -profile kubernetes \
    -- "$DATA"/ecdsa/etcd-csr.json | "$KILN" json -bare leaf
assert_eq "leaf.pem: OK" "$(openssl verify -CAfile ca.pem leaf.pem)" "env: prefix"

# A flag after the operands (issue 14, point 1): under kiln's names a usage
# error naming it before anything is done; under cfssl's, Go's rule (an
# operand).  Renew's example renewed root.pem, then failed on "-within".
cp "$DATA"/renew/leaf.pem root.pem
sum=$(cksum <root.pem)
run 2 "$KILN" renew -ca "$DATA"/renew/ca.pem -ca-key "$DATA"/renew/ca-key.pem \
    root.pem -within 30d
assert_eq "kiln: renew: flag -within after the files; flags go first" \
    "$(echo "$err" | head -1)" "renew: late flag"
assert_contains "$err" "Usage of renew:" "renew: late flag: usage"
assert_eq "$sum" "$(cksum <root.pem)" "renew: late flag: root.pem untouched"
assert_eq "" "$(ls root.pem.* 2>/dev/null)" "renew: late flag: no backup"
run 2 "$KILN" renew -ca "$DATA"/renew/ca.pem root.pem --ca-key="$DATA"/renew/ca-key.pem
assert_eq "kiln: renew: flag --ca-key after the files; flags go first" \
    "$(echo "$err" | head -1)" "renew: --flag=value late"
# check's usage status is 3; the trust check was skipped before.
run 3 "$KILN" check "$DATA"/renew -ca "$DATA"/renew/ca.pem
assert_eq "kiln: check: flag -ca after the files; flags go first" \
    "$(echo "$err" | head -1)" "check: late flag"
assert_eq "" "$out" "check: late flag: no table"
run 2 "$KILN" verify -ca "$DATA"/renew/ca.pem "$DATA"/renew/leaf.pem -role peer
assert_eq "kiln: verify: flag -role after the files; flags go first" \
    "$(echo "$err" | head -1)" "verify: late flag"
run 2 "$KILN" gencert "$DATA"/ecdsa/ca-csr.json -initca
assert_eq "kiln: gencert: flag -initca after the files; flags go first" \
    "$(echo "$err" | head -1)" "gencert: late flag"
run 2 "$KILN" etcd -manifest m.json x -force
assert_eq "kiln: etcd: flag -force after the files; flags go first" \
    "$(echo "$err" | head -1)" "etcd: late flag"
run 2 "$KILN" json -bare x -stdout
assert_eq "kiln: json: flag -stdout after the files; flags go first" \
    "$(echo "$err" | head -1)" "json: late flag"
run 2 "$BIN"/kiln-certinfo -cert "$DATA"/renew/leaf.pem "$DATA"/renew/ca.pem -format=json
assert_eq "kiln-certinfo: flag -format after the files; flags go first" \
    "$(echo "$err" | head -1)" "kiln-certinfo: late flag"
# A flag given twice: Go keeps the last, which silently dropped the first
# of "-ca a.pem -ca b.pem" (a kubeadm tree has three CAs); under kiln's
# names it is a usage error, under cfssl's Go's rule stays.
run 3 "$KILN" check -ca "$DATA"/renew/ca.pem -ca "$DATA"/renew/leaf.pem "$DATA"/renew
assert_eq "kiln: check: flag -ca given twice: it takes one value (for several CAs, one file with all of them)" \
    "$(echo "$err" | head -1)" "check: -ca twice"
assert_eq "" "$out" "check: -ca twice: no table"
run 2 "$KILN" gencert -loglevel 0 --loglevel=1 "$DATA"/ecdsa/ca-csr.json
assert_eq "kiln: gencert: flag --loglevel given twice: it takes one value" \
    "$(echo "$err" | head -1)" "gencert: a flag twice"
run 0 "$KILN" check -exclude '*.x' -exclude '*.y' "$DATA"/renew/ca.pem
run 0 "$BIN"/cfssl gencert -loglevel 5 -loglevel 5 -initca "$DATA"/ecdsa/ca-csr.json
assert_contains "$out" '"cert":' "cfssl: a flag twice: Go's rule, the last wins"
# After "--" nothing is a flag; a word not naming a flag is a file.
run 3 "$KILN" check -- "$DATA"/renew/leaf.pem -ca
assert_contains "$err" "kiln: check: -ca: No such file or directory" "check: -- then -ca"
run 1 "$KILN" gencert -initca -- -nosuch.json
assert_contains "$err" "kiln: gencert: -nosuch.json: No such file" "not a flag: a file"
# Under cfssl's names: Go's rule, everything after the first operand.
run 2 "$BIN"/cfssl gencert "$DATA"/ecdsa/ca-csr.json -initca
assert_eq "cfssl: gencert: expected one CSR JSON file" "$(echo "$err" | head -1)" \
    "cfssl: late flag is an operand"
"$KILN" gencert -initca "$DATA"/ecdsa/ca-csr.json >c.json
run 0 "$BIN"/cfssljson -bare -f c.json ca2 -stdout
assert_eq "" "$out" "cfssljson: -stdout after BASE is an operand"
[ -e ca2.pem ] || fail "cfssljson: Go's rule: -stdout is an operand"
ok

# What people type (issue 14): --version and -v, help COMMAND (its usage,
# exit 0), kiln-certinfo FILE... without -cert.
for v in --version -version -v; do
	run 0 "$KILN" $v
	assert_contains "$out" "Version: " "kiln $v"
done
run 0 "$KILN" help gencert
assert_eq "Usage of gencert:" "$(echo "$out" | head -1)" "help gencert: the usage"
assert_contains "$out" '  -profile="": signing profile to use' "help gencert: the flags"
run 0 "$KILN" help
assert_contains "$out" "'kiln help COMMAND'" "help: names help COMMAND"
run 2 "$KILN" help nosuch
assert_eq 'kiln: help: unknown command "nosuch"' "$(echo "$err" | head -1)" "help nosuch"
run 0 "$BIN"/kiln-certinfo -format table "$DATA"/renew/ca.pem "$DATA"/renew/leaf.pem
assert_contains "$out" "| $DATA/renew/ca.pem" "kiln-certinfo FILE...: the first file"
assert_contains "$out" "| $DATA/renew/leaf.pem" "kiln-certinfo FILE...: the second file"
run 0 "$KILN" certinfo "$DATA"/renew/leaf.pem
assert_contains "$out" '"common_name":' "kiln certinfo FILE"
run 2 "$BIN"/cfssl-certinfo "$DATA"/renew/leaf.pem
assert_eq "cfssl-certinfo: unexpected argument \"$DATA/renew/leaf.pem\"" "$(echo "$err" | head -1)" \
    "cfssl-certinfo FILE: cfssl's refusal"
run 2 "$BIN"/cfssl --version
assert_eq 'cfssl: unknown command "--version"' "$(echo "$err" | head -1)" "cfssl --version: as cfssl"

run 0 "$KILN" version
assert_contains "$out" "Version: " "version"
# The mbedTLS kiln runs on: 2.28 on Debian 12, 3.6 when built against it.
case $out in
*"Runtime: mbed TLS 2.28."* | *"Runtime: mbed TLS 3.6."*) ;;
*) fail "runtime: $out" ;;
esac
run 0 "$BIN"/cfssljson -version
assert_contains "$out" "Version: " "cfssljson -version"
finish
