#!/bin/sh
# kiln-certinfo's own features: -key against certificates and CSRs (SEC1
# and PKCS#8), -key alone, -csr, the table and text formats, kiln
# certinfo, the cfssl-certinfo name, and its usage errors.
. "$(dirname "$0")/lib.sh"

CI=$BIN/kiln-certinfo
cp "$DATA"/guide/ca-config.json "$DATA"/ecdsa/ca-csr.json "$DATA"/ecdsa/etcd-csr.json .
"$KILN" gencert -initca ca-csr.json | "$BIN"/cfssljson -bare ca
"$KILN" gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json \
    -profile=kubernetes etcd-csr.json | "$BIN"/cfssljson -bare etcd
openssl pkcs8 -topk8 -nocrypt -in etcd-key.pem -out etcd-key-pkcs8.pem


# -key with the matching key, SEC1 and PKCS#8: exit 0, "key_match": true.
for k in etcd-key.pem etcd-key-pkcs8.pem; do
	run match "$CI" -cert etcd.pem -key $k
	assert_eq 0 "$rc" "-key $k: status"
	assert_eq true "$(jq -r .key_match match.out)" "-key $k: key_match"
	assert_eq "" "$(cat match.err)" "-key $k: stderr"
done
# A bundle: the key is checked against its first certificate.
cat etcd.pem ca.pem >bundle.pem
run match "$CI" -cert bundle.pem -key etcd-key.pem
assert_eq 0 "$rc" "bundle + leaf key"
assert_eq "true null" "$(jq -r '"\(.[0].key_match) \(.[1].key_match)"' match.out)" \
    "bundle: the first certificate only"

# Another key: exit 1, one line that says so, nothing on stdout.
run other "$CI" -cert etcd.pem -key ca-key.pem
assert_eq 1 "$rc" "wrong key: status"
assert_eq "" "$(cat other.out)" "wrong key: stdout"
assert_eq "kiln-certinfo: ca-key.pem: private key does not match the certificate in etcd.pem" \
    "$(cat other.err)" "wrong key: message"
run other "$CI" -cert bundle.pem -key ca-key.pem
assert_eq 1 "$rc" "bundle + CA key: the CA is not the first certificate"

# -csr with its key and with another.
run csr "$CI" -csr etcd.csr -key etcd-key-pkcs8.pem
assert_eq 0 "$rc" "csr + key"
assert_eq "true true etcd" \
    "$(jq -r '"\(.signature_valid) \(.key_match) \(.subject.common_name)"' csr.out)" "csr object"
assert_eq "ECDSAWithSHA256 ECDSA 256 P-256" \
    "$(jq -r '"\(.sigalg) \(.key_algorithm) \(.key_size) \(.key_curve)"' csr.out)" "csr key"
csr_key_id=$(jq -r .subject_key_id csr.out)
assert_eq "$("$CI" -cert etcd.pem | jq -r .subject_key_id)" "$csr_key_id" \
    "csr key id = the certificate's SKI"
run csr "$CI" -csr "$DATA"/inspect/bad-sig.der
assert_eq 1 "$rc" "forged CSR: exit 1"
assert_eq false "$(jq -r .signature_valid csr.out)" "forged CSR: still described"
assert_eq "kiln-certinfo: $DATA/inspect/bad-sig.der: the signature does not verify" "$(cat csr.err)" \
    "forged CSR: message"
run csr "$CI" -csr etcd.csr -key ca-key.pem
assert_eq 1 "$rc" "csr + wrong key"
assert_contains "$(cat csr.err)" "does not match the certificate request in etcd.csr" "csr mismatch"

# -key alone: the public half only, never the private key.
run key "$CI" -key etcd-key.pem
assert_eq 0 "$rc" "-key alone"
assert_eq "ECDSA P-256" "$(jq -r '"\(.key_algorithm) \(.key_curve)"' key.out)" "-key alone: algorithm"
assert_eq "$csr_key_id" "$(jq -r .subject_key_id key.out)" "-key alone: key id"
assert_not_contains "$(cat key.out)" "PRIVATE" "-key alone: no private material"
assert_eq "key_algorithm key_curve key_size spki_sha256 subject_key_id" \
    "$(jq -r 'keys | join(" ")' key.out)" "-key alone: keys"

# Table: boxed like etcdctl -w table, one row per certificate.
run table "$CI" -cert bundle.pem -format table
assert_eq 0 "$rc" "table"
assert_eq 6 "$(wc -l <table.out | tr -d ' ')" "table: rule, head, rule, 2 rows, rule"
assert_contains "$(sed -n 2p table.out)" "| SUBJECT CN |" "table head"
assert_contains "$(sed -n 4p table.out)" "| etcd " "table: leaf first"
assert_contains "$(sed -n 4p table.out)" "127.0.0.1" "table: SANs"
assert_contains "$(sed -n 4p table.out)" "| etcd CA   | false | ECDSA P-256 |" "table: issuer, CA, key"
assert_contains "$(sed -n 5p table.out)" "| true  |" "table: CA row"
w=$(awk '{ print length($0) }' table.out | sort -u | wc -l | tr -d ' ')
assert_eq 1 "$w" "table: every line the same width"

# Text: openssl x509 -text's order, and the same facts.
run text "$CI" -cert etcd.pem -format text
assert_eq 0 "$rc" "text"
serial=$(openssl x509 -in etcd.pem -noout -serial | sed 's/serial=//; s/../&:/g; s/:$//')
assert_contains "$(cat text.out)" "        $serial" "text: serial in hex"
lines=$(grep -n -e '^    Version' -e '^    Serial' -e '^    Issuer' -e '^    Validity' \
    -e '^    Subject:' -e '^    X509v3' text.out | cut -d: -f1)
assert_eq 6 "$(printf '%s\n' "$lines" | wc -l | tr -d ' ')" "text: six sections"
assert_eq "$(printf '%s\n' "$lines" | sort -n)" "$lines" "text: openssl's order"
assert_contains "$(cat text.out)" "Extended Key Usage:
            server auth, client auth" "text: EKU"

# kiln certinfo is the same program.
assert_eq "$("$CI" -cert etcd.pem | jq -r .serial_number)" \
    "$("$KILN" certinfo -cert etcd.pem | jq -r .serial_number)" "kiln certinfo"
# Standard input.
assert_eq "$("$CI" -cert etcd.pem | jq -r .pem)" \
    "$("$CI" -cert - <etcd.pem | jq -r .pem)" "-cert -"

# The cfssl-certinfo name: cfssl's flags and keys only, errors exit 1.
run cf "$BIN"/cfssl-certinfo -cert etcd.pem
assert_eq 0 "$rc" "cfssl-certinfo"
assert_eq "subject issuer serial_number sans not_before not_after sigalg authority_key_id subject_key_id pem" \
    "$(jq -r 'keys_unsorted | join(" ")' cf.out)" "cfssl-certinfo keys"
run cf "$BIN"/cfssl-certinfo -csr etcd.csr
assert_eq 2 "$rc" "cfssl-certinfo has no -csr"
assert_contains "$(cat cf.err)" "flag provided but not defined: -csr" "cfssl-certinfo -csr"
run cf "$BIN"/cfssl-certinfo
assert_eq 1 "$rc" "cfssl-certinfo without a target"
assert_eq "cfssl-certinfo: Must specify certinfo target through -cert, -csr, or -domain" \
    "$(cat cf.err)" "no target: cfssl's words"
run cf "$BIN"/cfssl-certinfo -cert missing.pem
assert_eq 1 "$rc" "cfssl-certinfo: errors exit 1"
assert_eq "cfssl-certinfo: missing.pem: No such file or directory" "$(cat cf.err)" "missing file"
run cf "$BIN"/cfssl-certinfo -serial 12 -aki AB
assert_eq 1 "$rc" "-serial"
assert_contains "$(cat cf.err)" "certificate database" "-serial refused"

# Usage errors exit 2.
run u "$CI"
assert_eq 2 "$rc" "no target"
run u "$CI" -cert etcd.pem -format yaml
assert_eq 2 "$rc" "bad format"
assert_eq "kiln-certinfo: -format yaml: want json, table or text" "$(head -1 u.err)" "bad format message"
assert_contains "$(cat u.err)" "Usage of kiln-certinfo" "bad format: usage follows"
run u "$KILN" certinfo -cert etcd.pem -format yaml
assert_eq "kiln: certinfo: -format yaml: want json, table or text" "$(head -1 u.err)" "kiln certinfo names its command"
run u "$CI" -domain 127.0.0.1:99999
assert_eq 1 "$rc" "port out of range"
assert_eq "kiln-certinfo: -domain 127.0.0.1:99999: want HOST or HOST:PORT" "$(cat u.err)" "port out of range message"
run u "$CI" -domain 127.0.0.1:2379 extra
assert_eq 2 "$rc" "operand after -domain"
assert_eq 'kiln-certinfo: unexpected argument "extra"' "$(head -1 u.err)" \
    "operand after -domain: message"
run u "$CI" -domain 'host:port'
assert_eq 1 "$rc" "bad port"
assert_eq "kiln-certinfo: -domain host:port: want HOST or HOST:PORT" "$(cat u.err)" "bad port message"
run h "$CI" -h
assert_eq 0 "$rc" "-h"
assert_contains "$(cat h.out)" "-format" "-h lists the flags"

# -cert FILE FILE...: every certificate of every file, in order, one
# listing; JSON objects end with "file".
run many "$CI" -cert ca.pem bundle.pem etcd.pem
assert_eq 0 "$rc" "several files: status"
assert_eq "" "$(cat many.err)" "several files: stderr"
assert_eq "ca.pem:etcd CA bundle.pem:etcd bundle.pem:etcd CA etcd.pem:etcd" \
    "$(jq -r '[.[] | "\(.file):\(.subject.common_name)"] | join(" ")' many.out)" \
    "several files: certificates and files in order"
assert_eq "$("$CI" -cert etcd.pem | jq -S .)" "$(jq -S '.[3] | del(.file)' many.out)" \
    "several files: the same object as one file gives, and \"file\""
run manyt "$CI" -format table -cert ca.pem etcd.pem
assert_eq 0 "$rc" "several files, table: status"
assert_eq "FILE SUBJECT CN" "$(sed -n 2p manyt.out | tr -s '| ' ' ' | cut -d' ' -f2-4)" \
    "several files, table: FILE comes first"
assert_eq "ca.pem etcd CA" "$(sed -n 4p manyt.out | tr -s '| ' ' ' | cut -d' ' -f2-4)" \
    "several files, table: the CA's row"
assert_eq "etcd.pem etcd" "$(sed -n 5p manyt.out | tr -s '| ' ' ' | cut -d' ' -f2-3)" \
    "several files, table: the leaf's row"
run manyx "$CI" -format text -cert ca.pem etcd.pem
assert_eq "File: ca.pem|File: etcd.pem" "$(grep '^File:' manyx.out | paste -sd'|')" \
    "several files, text: a File: line before each"
# A file that cannot be read is reported and skipped; exit 1, the JSON
# still whole.
run missing "$CI" -cert ca.pem nope.pem etcd.pem
assert_eq 1 "$rc" "several files, one missing: status"
assert_eq "kiln-certinfo: nope.pem: No such file or directory" "$(cat missing.err)" \
    "several files, one missing: the error"
assert_eq "ca.pem etcd.pem" "$(jq -r '[.[].file] | join(" ")' missing.out)" \
    "several files, one missing: the rest"
# A bundle broken after its first certificate: reported and skipped, and
# its good first certificate is not credited to the next file.
{ cat ca.pem; printf -- '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n'; } >half.pem
run half "$CI" -cert etcd.pem half.pem etcd.pem
assert_eq 1 "$rc" "several files, a half-broken bundle: status"
assert_contains "$(cat half.err)" "kiln-certinfo: half.pem: certificate 2: bad PEM" \
    "several files, a half-broken bundle: the error"
assert_eq "etcd.pem:etcd etcd.pem:etcd" \
    "$(jq -r '[.[] | "\(.file):\(.subject.common_name)"] | join(" ")' half.out)" \
    "several files, a half-broken bundle: nothing of it listed"
run none "$CI" -cert nope.pem etcd-key.pem
assert_eq 1 "$rc" "several files, none good: status"
assert_eq "[]" "$(cat none.out)" "several files, none good: an empty array"
assert_eq 2 "$(wc -l <none.err)" "several files, none good: two errors"
# Usage errors: a flag after the files, -key with several, stdin twice,
# extra operands under cfssl's name or without -cert.
run late "$CI" -cert ca.pem etcd.pem -format table
assert_eq 2 "$rc" "flag after the files: status"
assert_eq "kiln-certinfo: flag -format after the files; flags go first" \
    "$(head -1 late.err)" "flag after the files: message"
assert_eq "" "$(cat late.out)" "flag after the files: stdout"
run keys "$CI" -key etcd-key.pem -cert ca.pem etcd.pem
assert_eq 2 "$rc" "-key with several files: status"
assert_eq "kiln-certinfo: -key checks one certificate: give one -cert file" \
    "$(head -1 keys.err)" "-key with several files: message"
run twice "$CI" -cert - - <ca.pem
assert_eq 1 "$rc" "standard input twice: status"
assert_eq "kiln-certinfo: standard input given twice" "$(cat twice.err)" \
    "standard input twice: message"
assert_eq 1 "$(jq length twice.out)" "standard input twice: read once"
ln -sf "$CI" cfssl-certinfo
run cfsslmany ./cfssl-certinfo -cert ca.pem etcd.pem
assert_eq 2 "$rc" "cfssl-certinfo with several files: status"
assert_eq 'cfssl-certinfo: unexpected argument "etcd.pem"' "$(head -1 cfsslmany.err)" \
    "cfssl-certinfo with several files: message"
run csrmany "$CI" -csr etcd.csr ca.pem
assert_eq 2 "$rc" "-csr with an operand: status"

finish
