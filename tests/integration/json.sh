#!/bin/sh
# kiln json (cfssljson): file names, explicit modes whatever the umask or
# an existing file's mode, the API envelope, -stdout, -f and BASENAME.
. "$(dirname "$0")/lib.sh"

"$KILN" gencert -initca "$DATA"/ecdsa/ca-csr.json >gencert.json
umask 000
"$KILN" json -bare ca <gencert.json
assert_eq 600 "$(mode ca-key.pem)" "key mode under umask 000"
assert_eq 644 "$(mode ca.pem)" "cert mode under umask 000"
assert_eq 644 "$(mode ca.csr)" "csr mode under umask 000"
# An existing file's mode does not survive: the file is replaced.
chmod 666 ca-key.pem
umask 077
"$BIN"/cfssljson -bare ca - <gencert.json
assert_eq 600 "$(mode ca-key.pem)" "key mode after replacing a 0666 file"
assert_eq 644 "$(mode ca.pem)" "cert mode under umask 077"
assert_eq "" "$(ls -A | grep '^\.' || true)" "no temporary files left"

# BASENAME defaults to "cert"; -f reads a file.
"$KILN" json -bare -f gencert.json
[ -s cert.pem ] && [ -s cert-key.pem ] && [ -s cert.csr ] || fail "default BASENAME"
ok
assert_eq "$(cat ca.pem)" "$(sed -n 's/.*"cert":"\([^"]*\)".*/\1/p' gencert.json | sed 's/\\n/\n/g')" \
    "ca.pem holds the JSON's cert"

# -stdout prints cert, key, csr, each followed by a newline.
out=$("$KILN" json -bare -stdout <gencert.json)
assert_eq 3 "$(printf '%s\n' "$out" | grep -c '^-----BEGIN')" "-stdout prints three PEMs"
assert_contains "$(printf '%s\n' "$out" | grep '^-----BEGIN' | tr '\n' ' ')" \
    "CERTIFICATE----- -----BEGIN EC PRIVATE KEY----- -----BEGIN CERTIFICATE REQUEST-----" "-stdout order"

# Without -bare the input is the API envelope.
cert=$(sed -n 's/.*"cert":\("[^"]*"\).*/\1/p' gencert.json)
printf '{"success":true,"result":{"certificate":%s},"errors":[],"messages":[]}' "$cert" |
    "$KILN" json api
assert_eq "$(cat ca.pem)" "$(cat api.pem)" "envelope's result.certificate"
set +e
msg=$(printf '{"success":false,"result":null,"errors":[{"code":5300,"message":"Policy violation request"}]}' |
    "$KILN" json api2 2>&1)
status=$?
set -e
assert_eq 1 $status "failed request exits 1"
assert_eq "kiln: json: standard input: request failed: Policy violation request" "$msg" "failed request"
set +e
msg=$("$KILN" json x <gencert.json 2>&1)
status=$?
set -e
assert_eq 1 $status "raw output without -bare"
assert_eq "kiln: json: standard input: request failed" "$msg" "raw output without -bare"

# gencert's own JSON: one line, keys sorted, Go escaping.
line=$(cat gencert.json)
assert_eq 1 "$(wc -l <gencert.json)" "gencert prints one line"
assert_contains "$line" '{"cert":"-----BEGIN CERTIFICATE-----\nMII' "cert first"
assert_contains "$line" '-----END CERTIFICATE-----\n","csr":"-----BEGIN CERTIFICATE REQUEST-----\n' "csr second"
assert_contains "$line" '","key":"-----BEGIN EC PRIVATE KEY-----\n' "key last"
# -initca with -ca-key reuses the key: {"cert","csr"} only.
"$KILN" gencert -initca -ca-key ca-key.pem "$DATA"/ecdsa/ca-csr.json >reuse.json
assert_not_contains "$(cat reuse.json)" '"key"' "reused key is not printed"
"$KILN" json -bare reuse <reuse.json
assert_eq "$(openssl x509 -in ca.pem -noout -pubkey)" "$(openssl x509 -in reuse.pem -noout -pubkey)" \
    "-initca -ca-key keeps the key"
[ ! -e reuse-key.pem ] || fail "reused key written again"
ok
# The README's CA recipe run twice (issue 14, point 5): under kiln's name
# json keeps a different private key unless -force, and writes nothing;
# the same key again (a rerun) is fine; cfssljson replaces it, as cfssl.
"$KILN" gencert -initca "$DATA"/ecdsa/ca-csr.json >ca1.json
"$KILN" gencert -initca "$DATA"/ecdsa/ca-csr.json >ca2.json
"$KILN" json -bare -f ca1.json keep
"$KILN" json -bare -f ca1.json keep
key1=$(cksum <keep-key.pem) cert1=$(cksum <keep.pem)
set +e
msg=$("$KILN" gencert -initca "$DATA"/ecdsa/ca-csr.json 2>&1 | "$KILN" json -bare keep 2>&1)
status=$?
set -e
assert_eq 1 $status "json: a different key: status"
assert_eq "kiln: json: keep-key.pem: refusing to replace an existing private key (it would be lost, and every certificate made for it or, for a CA, issued by it orphaned); -force replaces it" \
    "$msg" "json: a different key: message"
assert_eq "$key1 $cert1" "$(cksum <keep-key.pem) $(cksum <keep.pem)" "json: nothing replaced"
"$KILN" json -bare -force -f ca2.json keep
assert_eq "$(jq -r .key ca2.json)" "$(cat keep-key.pem)" "json -force replaces the key"
"$BIN"/cfssljson -bare -f ca1.json keep
assert_eq "$key1" "$(cksum <keep-key.pem)" "cfssljson replaces the key, as cfssl"
set +e
msg=$("$BIN"/cfssljson -force -bare -f ca1.json keep 2>&1)
set -e
assert_eq "cfssljson: flag provided but not defined: -force" "$(echo "$msg" | head -1)" \
    "cfssljson has cfssl's flags"
# -out DIR/x or BASENAME DIR/x into a missing folder: say the folder is missing.
set +e
msg=$("$KILN" json -bare -f ca1.json nodir/ca 2>&1)
set -e
assert_eq "kiln: json: nodir/ca.pem: folder nodir does not exist" "$msg" "json: missing folder"
set +e
msg=$("$KILN" gencert -initca -out nodir/ca "$DATA"/ecdsa/ca-csr.json 2>&1)
set -e
assert_eq "kiln: gencert: nodir/ca-key.pem: folder nodir does not exist" "$msg" "gencert -out: missing folder"
echo 1 >serials
set +e
msg=$("$KILN" gencrl -out nodir/crl.pem serials keep.pem keep-key.pem 2>&1)
set -e
assert_eq "kiln: gencrl: nodir/crl.pem: folder nodir does not exist" "$msg" "gencrl -out: missing folder"
"$KILN" genkey "$DATA"/ecdsa/etcd-csr.json | "$KILN" json -bare req
set +e
msg=$("$KILN" sign -ca keep.pem -ca-key keep-key.pem -out nodir/x req.csr 2>&1)
set -e
assert_eq "kiln: sign: nodir/x.pem: folder nodir does not exist" "$msg" "sign -out: missing folder"
[ ! -e nodir ] || fail "missing folder created"
ok
finish
