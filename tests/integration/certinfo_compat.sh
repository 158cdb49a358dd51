#!/bin/sh
# kiln-certinfo against cfssl-certinfo 1.2.0.  A corpus of certificates is
# made here (by cfssl 1.2.0 itself, by openssl with awkward shapes, and
# taken from /etc/ssl/certs); for every one, kiln-certinfo's object must
# start with cfssl-certinfo's keys, in order, with the same values (key ids
# zero-padded: jsoncmp).  Then the whole CA bundle as one array, DER and
# stdin input, and a chain file.
. "$(dirname "$0")/lib.sh"

CI=$BIN/kiln-certinfo
JC=$BIN/jsoncmp
CNF=$DATA/certinfo/openssl.cnf
CFSSL=/usr/bin/cfssl
CFSSLJSON=/usr/bin/cfssljson
CFSSL_CERTINFO=/usr/bin/cfssl-certinfo

# cfssl_info FILE OUT: cfssl-certinfo's JSON, which prints its errors and
# exits 0; empty output means the corpus is broken, not kiln.
cfssl_info() {
	"$CFSSL_CERTINFO" -cert "$1" >"$2" 2>cfssl.err || true
	[ -s "$2" ] || fail "setup: cfssl-certinfo cannot read $1: $(cat cfssl.err)"
}

# ---- jsoncmp itself -------------------------------------------------------
# jc WANT_STATUS CFSSL_JSON KILN_JSON WHAT: jsoncmp's exit status; its
# output is left in jc.out.
jc() {
	printf '%s\n' "$2" >jc-a.json
	printf '%s\n' "$3" >jc-b.json
	st=0
	"$JC" jc-a.json jc-b.json >jc.out 2>&1 || st=$?
	assert_eq "$1" "$st" "jsoncmp: $4 ($(cat jc.out))"
}
o='{"subject":{"common_name":"a","names":["x","y"]},"serial_number":"5","sans":["a","::1"],"authority_key_id":"4E:1E:A:6F:0","subject_key_id":""}'
p=$(printf '%s' "$o" | sed 's/4E:1E:A:6F:0/4E:1E:0A:6F:00/')
jc 0 "$p" "$p" "equal objects"
assert_eq "" "$(cat jc.out)" "jsoncmp: silent when equal"
jc 0 "$o" "${p%\}},\"is_ca\":false}" "key ids padded, kiln keys after cfssl's"
jc 1 "$o" "$o" "unpadded kiln key id"
jc 1 "$o" '{"serial_number":"5","subject":{"common_name":"a","names":["x","y"]},"sans":["a","::1"],"authority_key_id":"4E:1E:0A:6F:00","subject_key_id":""}' \
    "reordered keys"
assert_contains "$(cat jc.out)" "key order" "jsoncmp: names the order"
jc 1 "$o" '{"subject":{"common_name":"a","names":["x","y"]},"extra":1,"serial_number":"5","sans":["a","::1"],"authority_key_id":"4E:1E:0A:6F:00","subject_key_id":""}' \
    "a kiln key among cfssl's"
jc 1 "$o" '{"subject":{"common_name":"a","names":["x","y"]},"serial_number":"5","authority_key_id":"4E:1E:0A:6F:00","subject_key_id":""}' \
    "missing key"
assert_contains "$(cat jc.out)" "sans: missing in kiln" "jsoncmp: names the missing key"
jc 1 "[$o,$o]" "[$p,$(printf '%s' "$p" | sed 's/"y"/"Y"/')]" \
    "arrays, nested difference"
assert_contains "$(cat jc.out)" '[1].subject.names[1]: cfssl "y" kiln "Y"' "jsoncmp: path"
jc 1 "[$o,$o]" "[$o]" "array lengths"
jc 1 '{"subject":{"common_name":"a","country":"US"}}' \
    '{"subject":{"country":"US","common_name":"a"}}' "nested key order"
jc 1 '{"subject":{"common_name":"a"}}' '{"subject":{"common_name":"a","x":"b"}}' \
    "extra nested key"
jc 1 '{"a":["x"]}' '{"a":"x"}' "types"
jc 2 "$o" '{"a":' "parse error"
st=0
"$JC" jc-a.json >/dev/null 2>&1 || st=$?
assert_eq 2 "$st" "jsoncmp: usage"

# ---- the corpus -----------------------------------------------------------
mkdir corpus cadb
: >cadb/index.txt
echo 2A >cadb/serial
cp "$DATA"/guide/*.json "$DATA"/certinfo/*.json .

# (a) cfssl 1.2.0's own certificates: the etcd guide, P-384, RSA 4096.
cfssl_pair() { # NAME: NAME.pem from cfssl gencert's JSON
	"$CFSSLJSON" -bare "$1" 2>cfssl.err ||
	    fail "setup: cfssl for $1: $(cat cfssl.err)"
	cp "$1.pem" corpus/cfssl-"$1".pem
}
"$CFSSL" gencert -initca ca-csr.json 2>/dev/null | cfssl_pair etcd-ca
"$CFSSL" gencert -ca etcd-ca.pem -ca-key etcd-ca-key.pem -config ca-config.json \
    -profile=kubernetes etcd-csr.json 2>/dev/null | cfssl_pair etcd
"$CFSSL" gencert -initca p384-ca-csr.json 2>/dev/null | cfssl_pair p384-ca
"$CFSSL" gencert -ca p384-ca.pem -ca-key p384-ca-key.pem -config ca-config.json \
    -profile=kubernetes p384-leaf-csr.json 2>/dev/null | cfssl_pair p384-leaf
"$CFSSL" gencert -initca rsa4096-ca-csr.json 2>/dev/null | cfssl_pair rsa4096-ca
"$CFSSL" gencert -ca rsa4096-ca.pem -ca-key rsa4096-ca-key.pem \
    -config ca-config.json -profile=kubernetes ec-leaf-csr.json 2>/dev/null |
    cfssl_pair ec-under-rsa4096

# (b) openssl: an ECDSA P-256 CA whose key id has small bytes, leaves of
# every awkward shape signed by it, and self-signed RSA ones.
openssl ecparam -name prime256v1 -genkey -noout -out oca.key
openssl ecparam -name prime256v1 -genkey -noout -out ec.key
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
openssl genpkey -algorithm ed25519 -out ed.key
openssl req -new -x509 -config "$CNF" -extensions ca_ext -key oca.key \
    -subj "/C=US/O=kiln test/CN=openssl CA" -days 3650 -set_serial 256 \
    -out corpus/ossl-ca.pem

# csr NAME SUBJECT [KEY]: NAME.csr (multi-valued RDNs allowed).
csr() {
	openssl req -new -config "$CNF" -multivalue-rdn -key "${3:-ec.key}" \
	    -subj "$2" -out "$1.csr"
}
# leaf NAME SECTION SERIAL SUBJECT [openssl x509 options]: a certificate
# signed by the openssl CA, its extensions from SECTION (none if "-").
leaf() {
	name=$1 section=$2 serial=$3
	csr "$name" "$4"
	shift 4
	[ "$section" = - ] || set -- -extfile "$CNF" -extensions "$section" "$@"
	openssl x509 -req -in "$name.csr" -CA corpus/ossl-ca.pem -CAkey oca.key \
	    -set_serial "$serial" -days 365 "$@" -out corpus/ossl-"$name".pem \
	    2>/dev/null
}
# selfsigned NAME KEY SECTION SUBJECT [openssl req options]
selfsigned() {
	name=$1 key=$2 section=$3 subj=$4
	shift 4
	openssl req -new -x509 -config "$CNF" -extensions "$section" -key "$key" \
	    -subj "$subj" -days 365 -set_serial 4242 "$@" \
	    -out corpus/ossl-"$name".pem
}

leaf ipv6 ipv6 4096 "/C=US/O=kiln test/CN=v6.example.com"
leaf email-uri email_uri 4097 "/O=kiln test/CN=mail.example.com/emailAddress=ops@example.com"
leaf wildcard wildcard 4098 "/CN=*.example.com"
leaf two-ou leaf 4099 "/C=US/O=kiln test/OU=PKI/OU=Second OU/CN=two OUs"
leaf utf8 leaf 4100 "/C=CH/L=Zürich & Köln/O=Example & Co <x>/OU=Ünïcode/CN=Zoë Ünïcode 中文"
leaf every-field leaf 4101 "/C=US/C=CA/ST=California/L=San Francisco/street=1 Main St/postalCode=94105/O=First Org/O=Second Org/OU=Dev/CN=every field/serialNumber=ABC-123/emailAddress=me@example.com/DC=example/DC=com/title=Dr"
leaf multi-rdn leaf 4102 "/C=US/O=kiln test+OU=multi/CN=multi rdn+UID=u1+OU=also"
leaf name-constraints nc 4103 "/O=kiln test/CN=constrained sub-CA"
leaf no-ski noski 4104 "/CN=no key ids"
leaf aki-only noski_aki 4105 "/CN=aki only"
leaf v1 - 4106 "/CN=version 1"
leaf empty-subject leaf 4107 "/"
leaf serial-1byte leaf 5 "/CN=serial 5"
leaf serial-0 leaf 0 "/CN=serial 0"
leaf serial-0x80 leaf 0x80 "/CN=serial 128"
leaf serial-20bytes leaf 0x7f0102030405060708090a0b0c0d0e0f10111213 "/CN=serial 20 bytes"
leaf sha1-ecdsa leaf 4108 "/CN=ecdsa sha1" -sha1
leaf sha384-ecdsa leaf 4109 "/CN=ecdsa sha384" -sha384
leaf sha512-ecdsa leaf 4110 "/CN=ecdsa sha512" -sha512
leaf after-2050 leaf 4111 "/CN=until 2059" -days 12000
csr rsa-key "/CN=rsa key under ecdsa" rsa.key
openssl x509 -req -in rsa-key.csr -CA corpus/ossl-ca.pem -CAkey oca.key \
    -set_serial 4112 -days 365 -extfile "$CNF" -extensions leaf \
    -out corpus/ossl-rsa-key.pem 2>/dev/null
selfsigned rsa-pss rsa.key leaf "/CN=rsa-pss" -sha256 \
    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
selfsigned sha1-rsa rsa.key leaf "/CN=sha1 rsa" -sha1
selfsigned sha512-rsa rsa.key leaf "/CN=sha512 rsa" -sha512
selfsigned ed25519 ed.key leaf "/CN=ed25519"
# UTCTime before 1970 and GeneralizedTime from exactly 2050 on.
csr old-dates "/CN=1965 to 2050"
openssl ca -batch -config "$CNF" -cert corpus/ossl-ca.pem -keyfile oca.key \
    -in old-dates.csr -startdate 19650704123456Z -enddate 20500101000000Z \
    -notext -extfile "$CNF" -extensions leaf -out corpus/ossl-old-dates.pem \
    2>/dev/null

# (c) the first twenty of the system's CA certificates.
LC_ALL=C ls /etc/ssl/certs/*.pem | LC_ALL=C sort | head -20 | {
	i=0
	while IFS= read -r f; do
		i=$((i + 1))
		cp -L "$f" "$(printf 'corpus/sys-%02d-%s' "$i" "$(basename "$f")")"
	done
}
assert_eq 20 "$(ls corpus/sys-* | wc -l)" "twenty system certificates"

# The corpus has what it claims, as cfssl-certinfo and openssl see it.
cf() { # NAME JQ-FILTER: a value of cfssl-certinfo's view of corpus/NAME.pem
	cfssl_info corpus/"$1".pem c.json
	jq -c "$2" c.json
}
assert_eq '["v6.example.com","::1","2001:db8::1","fe80::1:0:0:1","192.0.2.1","2001:db8::1:0:0:1","192.0.2.7"]' \
    "$(cf ossl-ipv6 .sans)" "corpus: IPv6 SANs"
assert_eq '["mail.example.com"]' "$(cf ossl-email-uri .sans)" "corpus: email/URI SANs"
assert_eq '"0:A:1:FF:B:10:F:0:7E:80:5:C0:D:E0:E:F0:9:A0:3:30"' \
    "$(cf ossl-ca .subject_key_id)" "corpus: cfssl's unpadded key id"
assert_eq '["",""]' "$(cf ossl-no-ski '[.authority_key_id,.subject_key_id]')" \
    "corpus: no key ids"
assert_eq '"Unknown Signature"' "$(cf ossl-rsa-pss .sigalg)" "corpus: RSA-PSS"
assert_eq '"ECDSAWithSHA1"' "$(cf ossl-sha1-ecdsa .sigalg)" "corpus: SHA-1"
assert_eq '"SHA1WithRSA"' "$(cf ossl-sha1-rsa .sigalg)" "corpus: SHA-1 RSA"
assert_eq '"5"' "$(cf ossl-serial-1byte .serial_number)" "corpus: serial 5"
assert_eq '"725064303890588110203033396814564464046290047507"' \
    "$(cf ossl-serial-20bytes .serial_number)" "corpus: 20-byte serial"
assert_eq '["1965-07-04T12:34:56Z","2050-01-01T00:00:00Z"]' \
    "$(cf ossl-old-dates '[.not_before,.not_after]')" "corpus: old dates"
assert_eq 6 "$(cf ossl-multi-rdn '.subject.names | length')" "corpus: multi-valued RDNs"
assert_eq '"PKI,Second OU"' "$(cf ossl-two-ou .subject.organizational_unit)" \
    "corpus: two OUs"
assert_contains "$(openssl asn1parse -in corpus/ossl-after-2050.pem)" \
    "GENERALIZEDTIME" "corpus: GeneralizedTime"
assert_contains "$(x509text corpus/ossl-name-constraints.pem)" \
    "Name Constraints: critical" "corpus: critical name constraints"
assert_contains "$(x509text corpus/ossl-v1.pem)" "Version: 1 (0x0)" "corpus: v1"
assert_contains "$(x509text corpus/cfssl-rsa4096-ca.pem)" "Public-Key: (4096 bit)" \
    "corpus: RSA 4096"
assert_contains "$(x509text corpus/cfssl-p384-leaf.pem)" "NIST CURVE: P-384" \
    "corpus: P-384"

# ---- one certificate at a time --------------------------------------------
n=0 bad=0
for f in corpus/*.pem; do
	name=$(basename "$f" .pem)
	n=$((n + 1))
	cfssl_info "$f" c.json
	st=0
	"$CI" -cert "$f" >k.json 2>k.err || st=$?
	if [ "$st" != 0 ]; then
		bad=$((bad + 1))
		printf 'DIFF %s: kiln-certinfo exit %s: %s\n' "$name" "$st" \
		    "$(cat k.err)" >&2
	elif ! "$JC" c.json k.json >d.out 2>&1; then
		bad=$((bad + 1))
		printf 'DIFF %s:\n' "$name" >&2
		sed 's/^/    /' d.out >&2
	fi
done
echo "compared $n certificates with cfssl-certinfo, $bad differ"
[ "$bad" = 0 ] || fail "$bad of $n certificates differ from cfssl-certinfo"
[ "$n" -ge 40 ] || fail "only $n certificates compared"
ok

# The text too: cfssl escapes '&', '<' and '>' as Go does, and writes
# UTF-8 as it is.
"$CI" -cert corpus/ossl-utf8.pem >k.json
cfssl_info corpus/ossl-utf8.pem c.json
for s in '"organization": "Example \u0026 Co \u003cx\u003e"' \
    '"common_name": "Zoë Ünïcode 中文"'; do
	assert_contains "$(cat c.json)" "$s" "cfssl-certinfo text"
	assert_contains "$(cat k.json)" "$s" "kiln-certinfo text, as cfssl's"
done

# ---- DER, stdin, a chain ---------------------------------------------------
for f in corpus/cfssl-etcd.pem corpus/ossl-ipv6.pem; do
	openssl x509 -in "$f" -outform der -out c.der
	"$CI" -cert "$f" >pem.json
	"$CI" -cert c.der >der.json || fail "DER input: $f"
	"$JC" pem.json der.json || fail "DER input gives other JSON: $f"
	"$CI" -cert - <c.der >stdin.json || fail "DER on stdin: $f"
	"$JC" pem.json stdin.json || fail "DER on stdin gives other JSON: $f"
	"$CI" -cert - <"$f" >stdin.json || fail "PEM on stdin: $f"
	"$JC" pem.json stdin.json || fail "PEM on stdin gives other JSON: $f"
	ok
done
cat corpus/cfssl-p384-leaf.pem corpus/cfssl-p384-ca.pem corpus/ossl-ca.pem >chain.pem
for f in corpus/cfssl-p384-leaf.pem corpus/cfssl-p384-ca.pem corpus/ossl-ca.pem; do
	cfssl_info "$f" "$(basename "$f").json"
done
jq -s . cfssl-p384-leaf.pem.json cfssl-p384-ca.pem.json ossl-ca.pem.json >c.json
"$CI" -cert chain.pem >k.json || fail "chain file"
"$JC" c.json k.json || fail "chain file: not cfssl's objects in file order"
ok

# ---- the whole CA bundle ---------------------------------------------------
B=/etc/ssl/certs/ca-certificates.crt
"$CI" -cert "$B" >bundle.json || fail "kiln-certinfo on $B"
count=$(grep -c 'BEGIN CERTIFICATE' "$B")
assert_eq "$count" "$(jq length bundle.json)" "bundle: one element per certificate"
mkdir bundle
awk '/-BEGIN CERTIFICATE-/ { n++; f = sprintf("bundle/%04d.pem", n); on = 1 }
	on { print > f }
	/-END CERTIFICATE-/ { on = 0; close(f) }' "$B"
# openssl's fingerprint and re-encoding of each block, in file order.
: >want-fp.txt
: >want.pem
for f in bundle/*.pem; do
	openssl x509 -in "$f" -fingerprint -sha256 >x.out
	sed -n '1s/^.*Fingerprint=//p' x.out >>want-fp.txt
	sed 1d x.out >>want.pem
done
jq -r '.[].fingerprint_sha256' bundle.json >got-fp.txt
diff want-fp.txt got-fp.txt >/dev/null ||
    fail "bundle: fingerprints differ: $(diff want-fp.txt got-fp.txt | head -5)"
ok
jq -j '.[].pem' bundle.json >got.pem
cmp -s want.pem got.pem || fail "bundle: pem fields are not the blocks re-encoded"
ok
# Every element against cfssl-certinfo on its block.
for f in bundle/*.pem; do
	cfssl_info "$f" "$f.json"
done
jq -s . bundle/*.pem.json >c.json
"$JC" c.json bundle.json >&2 ||
    fail "bundle: elements differ from cfssl-certinfo"
ok
# Serial numbers of ten blocks spread over the file, against cfssl.
step=$((count / 10))
for k in 0 1 2 3 4 5 6 7 8 9; do
	i=$((k * step))
	f=$(printf 'bundle/%04d.pem' $((i + 1)))
	cfssl_info "$f" c.json
	assert_eq "$(jq -r .serial_number c.json)" \
	    "$(jq -r ".[$i].serial_number" bundle.json)" "bundle: serial of [$i]"
done
finish
