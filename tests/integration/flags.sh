#!/bin/sh
# The command line: Go flag syntax as cfssl, usage and exit codes.
. "$(dirname "$0")/lib.sh"

# run EXPECTED_STATUS COMMAND...: sets $out and $err.
run() {
	want=$1
	shift
	set +e
	"$@" >stdout 2>stderr
	status=$?
	set -e
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
