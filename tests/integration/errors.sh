#!/bin/sh
# Bad input: one line on stderr naming the file and the problem, exit
# status 1, nothing on stdout and no file written.
. "$(dirname "$0")/lib.sh"

cp "$DATA"/bad/* "$DATA"/guide/ca-config.json "$DATA"/ecdsa/*.json .
"$KILN" gencert -initca "$DATA"/ecdsa/ca-csr.json | "$KILN" json -bare ca
"$KILN" gencert -initca "$DATA"/ecdsa/ca-csr.json | "$KILN" json -bare other

# expect_error MESSAGE COMMAND...: run COMMAND in a copy of this folder
# (so that "no file written" can be checked by listing it) and check it.
expect_error() {
	want=$1
	shift
	rm -rf run && mkdir run && cp ./*.json ./*.pem run/ && cd run
	before=$(ls -A)
	set +e
	"$@" >../stdout 2>../stderr
	status=$?
	set -e
	after=$(ls -A)
	cd ..
	assert_eq 1 "$status" "exit status of: $*"
	assert_eq "" "$(cat stdout)" "stdout of: $*"
	assert_eq 1 "$(wc -l <stderr)" "one line on stderr for: $*"
	assert_eq "$want" "$(cat stderr)" "message of: $*"
	assert_eq "$before" "$after" "files after: $*"
}

g="$KILN gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile kubernetes"

expect_error 'kiln: gencert: malformed.json: malformed JSON at line 1, column 8' \
    $g -out x malformed.json
expect_error 'kiln: gencert: truncated.json: unexpected end of JSON input' \
    $g -out x truncated.json
expect_error 'kiln: gencert: missing.json: No such file or directory' \
    $g missing.json
expect_error 'kiln: gencert: rsa1024.json: key.size: RSA key size 1024 is too small (at least 2048)' \
    $g -out x rsa1024.json
expect_error 'kiln: gencert: dsa.json: key.algo: unknown algorithm "dsa" (rsa or ecdsa)' \
    $g -out x dsa.json
expect_error 'kiln: gencert: ecdsa255.json: key.size: invalid ECDSA key size 255 (256, 384 or 521)' \
    $g -out x ecdsa255.json
expect_error 'kiln: gencert: cn-number.json: CN: expected a string, got number' \
    $g -out x cn-number.json
expect_error 'kiln: gencert: ca-expiry-no-unit.json: ca.expiry: missing unit in duration "10"' \
    "$KILN" gencert -initca -out x ca-expiry-no-unit.json
expect_error 'kiln: gencert: unknown-usage-config.json: signing.profiles.kubernetes.usages: unknown usage "sever auth"' \
    "$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config unknown-usage-config.json -profile kubernetes -out x etcd-csr.json
expect_error 'kiln: gencert: other-key.pem: does not match the CA certificate ca.pem' \
    "$KILN" gencert -ca ca.pem -ca-key other-key.pem -config ca-config.json -profile kubernetes -out x etcd-csr.json
expect_error 'kiln: gencert: ca-config.json: profile "kubernets" not found in the configuration (its profiles: kubernetes)' \
    "$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile kubernets -out x etcd-csr.json
expect_error 'kiln: gencert: ca-csr.json: ca: only allowed with -initca' \
    $g -out x ca-csr.json
expect_error 'kiln: json: cfssljson-cert-number.json: cert: expected a string, got number' \
    "$KILN" json -bare -f cfssljson-cert-number.json x
expect_error 'cfssljson: standard input: cert: expected a string, got number' \
    sh -c "\"$BIN/cfssljson\" -bare x <cfssljson-cert-number.json"
# The guide's pipe: a failing cfssl gives cfssljson nothing, and both fail.
expect_error 'cfssljson: standard input: unexpected end of JSON input' \
    sh -c "\"$BIN/cfssljson\" -bare x </dev/null"

# An existing key is never replaced by -out without -force.
"$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile kubernetes -out leaf etcd-csr.json
cp leaf-key.pem leaf-key.before
expect_error 'kiln: gencert: leaf-key.pem: refusing to replace an existing private key (it would be lost, and every certificate made for it or, for a CA, issued by it orphaned); -force replaces it' \
    $g -out leaf etcd-csr.json
cmp -s leaf-key.pem leaf-key.before || fail "key replaced without -force"
ok
"$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile kubernetes -out leaf -force etcd-csr.json
cmp -s leaf-key.pem leaf-key.before && fail "key not replaced with -force"
ok
assert_eq 600 "$(mode leaf-key.pem)" "-out key mode"
assert_eq "leaf.pem: OK" "$(openssl verify -x509_strict -CAfile ca.pem leaf.pem)" "-out certificate"
# An encrypted CA key: refused without its password, read with
# CFSSL_CA_PK_PASSWORD as cfssl does (legacy PEM and PKCS#8 with 3DES).
openssl pkcs8 -topk8 -in ca-key.pem -v2 des3 -passout pass:s3cret -out enc-ca-key.pem
expect_error 'kiln: gencert: enc-ca-key.pem: the CA key is encrypted: set CFSSL_CA_PK_PASSWORD' \
    "$KILN" gencert -ca ca.pem -ca-key enc-ca-key.pem -config ca-config.json -profile kubernetes -out x etcd-csr.json
expect_error 'kiln: gencert: enc-ca-key.pem: the CA key is encrypted, and CFSSL_CA_PK_PASSWORD does not decrypt it' \
    env CFSSL_CA_PK_PASSWORD=nope "$KILN" gencert -ca ca.pem -ca-key enc-ca-key.pem -config ca-config.json -profile kubernetes -out x etcd-csr.json
CFSSL_CA_PK_PASSWORD=s3cret "$KILN" gencert -ca ca.pem -ca-key enc-ca-key.pem -config ca-config.json \
    -profile kubernetes -out enc etcd-csr.json
assert_eq "enc.pem: OK" "$(openssl verify -x509_strict -CAfile ca.pem enc.pem)" "signed with the decrypted CA key"
# kiln etcd with an existing CA whose key is encrypted: the password is
# CFSSL_CA_PK_PASSWORD, read by the front end and handed to the library.
cat >enc-manifest.json <<'EOF'
{"ca": {"cert": "ca.pem", "key": "enc-ca-key.pem"},
 "members": [{"name": "etcd-1", "ip": "10.0.0.1"}]}
EOF
expect_error 'kiln: etcd: ./enc-ca-key.pem: private key is encrypted, and no password was given' \
    "$KILN" etcd -manifest enc-manifest.json -out enc-cluster
CFSSL_CA_PK_PASSWORD=s3cret "$KILN" etcd -q -manifest enc-manifest.json -out enc-cluster >/dev/null
assert_eq "enc-cluster/etcd-1/ssl/server.pem: OK" \
    "$(openssl verify -x509_strict -CAfile ca.pem enc-cluster/etcd-1/ssl/server.pem)" \
    "etcd signs with the decrypted CA key"
rm -rf enc-ca-key.pem enc.pem enc-key.pem enc.csr enc-manifest.json enc-cluster

# name_whitelist: a host outside the pattern is a policy error.
cat >wl-config.json <<'EOF'
{"signing": {"default": {"expiry": "8760h"}, "profiles": {"etcd": {"expiry": "8760h",
 "usages": ["signing", "server auth"], "name_whitelist": "(^|\\.)example\\.com$"}}}}
EOF
"$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config wl-config.json -profile etcd \
    -hostname etcd.example.com -cn etcd.example.com -out wl-ok etcd-csr.json 2>/dev/null ||
    fail "name_whitelist: a host inside the pattern refused"
ok
expect_error 'kiln: gencert: host "etcd.example.org" does not match the profile'"'"'s name_whitelist' \
    "$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config wl-config.json -profile etcd \
    -hostname etcd.example.org -cn etcd.example.com -out x etcd-csr.json
rm -f wl-config.json wl-ok.pem wl-ok-key.pem wl-ok.csr

# A basename too long for a path is refused, not shortened.
long=$(printf '%05000d' 0)
for cmd in "$KILN gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile kubernetes -out $long etcd-csr.json" \
    "$KILN json -bare -f gencert-out.json $long"; do
	"$KILN" gencert -initca ca-csr.json >gencert-out.json
	before=$(ls -A)
	set +e
	msg=$($cmd 2>&1 >/dev/null)
	status=$?
	set -e
	assert_eq 1 "$status" "long basename exit status"
	assert_contains "$msg" ": path too long" "long basename message"
	assert_eq "$before" "$(ls -A)" "long basename: no file"
done
# A certificate that has expired when made (issue 14, point 4): notBefore
# is backdated 5 minutes, so a lifetime under that ended in the past and
# kiln said nothing.  Refused in the engine, for every way in.
cat >short.json <<'EOF'
{"signing":{"default":{"expiry":"90s","usages":["signing","server auth"]}}}
EOF
expect_error 'kiln: gencert: expiry 1m30s is shorter than the 5m0s backdate: the certificate would have expired when made' \
    "$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config short.json etcd-csr.json
$g etcd-csr.json | "$KILN" json -bare short
sum=$(cksum <short.pem)
set +e
"$KILN" renew -ca ca.pem -ca-key ca-key.pem -expiry 2m short.pem >stdout 2>stderr
status=$?
set -e
assert_eq 1 "$status" "renew -expiry 2m: status"
assert_eq "kiln: renew: short.pem: expiry 2m0s is shorter than the 5m0s backdate: the certificate would have expired when made" \
    "$(cat stderr)" "renew -expiry 2m: message"
assert_eq "$sum" "$(cksum <short.pem)" "renew -expiry 2m: short.pem kept"
cat >short-manifest.json <<'EOF'
{ "key": { "algo": "ecdsa", "size": 256 }, "expiry": "2m",
  "members": [ { "name": "etcd-1", "ip": "127.0.0.1" } ], "clients": [ "root" ] }
EOF
set +e
"$KILN" etcd -manifest short-manifest.json -out short-etcd >stdout 2>stderr
status=$?
set -e
assert_eq 1 "$status" "etcd expiry 2m: status"
assert_eq "kiln: etcd: expiry 2m0s is shorter than the 5m0s backdate: the certificate would have expired when made" \
    "$(cat stderr)" "etcd expiry 2m: message"
[ ! -e short-etcd/etcd-1/server.pem ] || fail "etcd expiry 2m: server.pem written"
ok
# Forgetting -profile, or -config (issue 14): which file's default has no
# usages and which profiles there are; -profile alone and -config alone
# are one and the same usage error (2) on every command taking both.
cat >nodefault.json <<'EOF'
{"signing":{"default":{"expiry":"8760h"},"profiles":{
  "server":{"expiry":"8760h","usages":["signing","server auth"]},
  "client":{"expiry":"8760h","usages":["signing","client auth"]}}}}
EOF
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout csr-key.pem \
    -subj /CN=x -out x.csr 2>/dev/null
# usage_error CMD ARGS...: exit 2, the first line as $first.
usage_error() {
	capture "$KILN" "$@"
	assert_eq 2 "$status" "exit status of: $*"
	first=$(head -1 stderr)
}
ca="-ca ca.pem -ca-key ca-key.pem"
usage_error gencert $ca -config nodefault.json etcd-csr.json
assert_eq "kiln: gencert: nodefault.json: signing.default has no usages: choose a profile with -profile (its profiles: server, client)" \
    "$first" "gencert: -profile forgotten"
usage_error sign $ca -config nodefault.json x.csr
assert_eq "kiln: sign: nodefault.json: signing.default has no usages: choose a profile with -profile (its profiles: server, client)" \
    "$first" "sign: -profile forgotten"
for cmd in gencert sign selfsign renew; do
	case $cmd in
	gencert) args="$ca -profile server etcd-csr.json" ;;
	sign) args="$ca -profile server x.csr" ;;
	selfsign) args="-profile server etcd-csr.json" ;;
	renew) args="$ca -profile server ca.pem" ;;
	esac
	usage_error $cmd $args
	assert_eq "kiln: $cmd: -profile server needs -config: the profiles are in a ca-config.json" \
	    "$first" "$cmd: -profile without -config"
done
usage_error renew $ca -config nodefault.json ca.pem
assert_eq "kiln: renew: -config needs -profile" "$first" "renew: -config without -profile"
# A request that names nothing (issue 14): ca-config.json given where
# csr.json goes made a certificate with an empty subject and no SAN, exit
# 0.  Refused under both names: nothing accepts such a certificate.
expect_error "kiln: gencert: ca-config.json: no CN, names nor hosts: the certificate would have an empty subject and no SAN (is this a csr.json?)" \
    $g ca-config.json
expect_error "cfssl: gencert: ca-config.json: no CN, names nor hosts: the certificate would have an empty subject and no SAN (is this a csr.json?)" \
    "$BIN"/cfssl gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile kubernetes ca-config.json
expect_error "kiln: selfsign: ca-config.json: no CN, names nor hosts: the certificate would have an empty subject and no SAN (is this a csr.json?)" \
    "$KILN" selfsign example.com ca-config.json
# Hosts alone, or a CN alone, are enough.
echo '{"hosts": ["a.example"]}' >hosts-only.json
$g hosts-only.json | "$KILN" json -bare hosts-only
assert_contains "$(openssl x509 -in hosts-only.pem -noout -ext subjectAltName)" "DNS:a.example" \
    "hosts alone: a certificate"
finish
