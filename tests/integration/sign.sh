#!/bin/sh
# kiln sign on requests made by openssl: SANs kept or replaced, the
# certificate verifies, bad requests are refused in one line, CA requests
# follow the profile, and subject and extensions are cfssl 1.2.0's bytes
# (/usr/bin/cfssl sign on the same request, CA and profile).
. "$(dirname "$0")/lib.sh"

CFSSL=/usr/bin/cfssl

"$KILN" gencert -initca "$DATA"/ecdsa/ca-csr.json | "$KILN" json -bare ca
cat >config.json <<'EOF'
{"signing":{"default":{"expiry":"8760h","usages":["signing"]},
 "profiles":{
  "leaf":{"expiry":"8760h","usages":["signing","key encipherment","server auth","client auth"]},
  "inter":{"expiry":"43800h","usages":["cert sign","crl sign"],
           "ca_constraint":{"is_ca":true,"max_path_len":0,"max_path_len_zero":true}}}}}
EOF
s="$KILN sign -ca ca.pem -ca-key ca-key.pem -config config.json"

# A P-256 request as openssl writes it: attributes in its own order, a
# multi-valued RDN, UTF-8, street; SANs of four kinds.
openssl ecparam -name prime256v1 -genkey -noout -out key.pem
openssl req -new -key key.pem -out www.csr -utf8 -multivalue-rdn \
    -subj '/CN=www.example.com/O=Ex & Co+L=Köln/C=DE/street=Main St 1/OU=Web' \
    -addext 'subjectAltName=DNS:www.example.com,DNS:alt.example.com,IP:192.0.2.1,IP:2001:db8::1,email:ops@example.com' \
    2>/dev/null

# ---- signed: JSON, SANs, chain ----------------------------------------------
$s -profile leaf www.csr >www.json
case $(cat www.json) in
'{"cert":"-----BEGIN CERTIFICATE-----\n'*'\n-----END CERTIFICATE-----\n","csr":"-----BEGIN CERTIFICATE REQUEST-----\n'*'\n-----END CERTIFICATE REQUEST-----\n"}') ok ;;
*) fail "JSON shape: $(cat www.json)" ;;
esac
"$KILN" json -bare www <www.json
# "csr" is the input, byte for byte: cfssljson writes it back unchanged.
mkdir j && (cd j && "$KILN" json -bare www <../www.json)
cmp -s www.csr j/www.csr || fail "\"csr\" is not the input file"
ok
san=$(openssl x509 -in www.pem -noout -ext subjectAltName | tail -1 | sed 's/^ *//')
assert_eq "DNS:www.example.com, DNS:alt.example.com, email:ops@example.com, IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1" \
    "$san" "the request's SANs, in cfssl's order"
assert_eq "www.pem: OK" "$(openssl verify -x509_strict -CAfile ca.pem www.pem)" "verify"
assert_eq "$(openssl req -in www.csr -noout -pubkey)" \
    "$(openssl x509 -in www.pem -noout -pubkey)" "the request's key"

# Standard input, and -csr (which makes the first argument SUBJECTJSON).
$s -profile leaf - <www.csr | "$KILN" json -bare stdin
assert_eq "$san" "$(openssl x509 -in stdin.pem -noout -ext subjectAltName | tail -1 | sed 's/^ *//')" "stdin"
$s -profile leaf -csr www.csr | "$KILN" json -bare flag
assert_eq "$san" "$(openssl x509 -in flag.pem -noout -ext subjectAltName | tail -1 | sed 's/^ *//')" "-csr"

# -hostname replaces them all; "" replaces nothing under cfssl's name (an
# error under kiln's, below).
$s -profile leaf -hostname 'other.example,10.0.0.9,a@b.example' www.csr |
    "$KILN" json -bare host
assert_eq "DNS:other.example, email:a@b.example, IP Address:10.0.0.9" \
    "$(openssl x509 -in host.pem -noout -ext subjectAltName | tail -1 | sed 's/^ *//')" "-hostname"
"$BIN"/cfssl sign -ca ca.pem -ca-key ca-key.pem -config config.json -profile leaf \
    -hostname '' www.csr 2>/dev/null | "$KILN" json -bare empty
assert_eq "$san" "$(openssl x509 -in empty.pem -noout -ext subjectAltName | tail -1 | sed 's/^ *//')" "-hostname ''"

# -out: the certificate only, 0644.
$s -profile leaf -out outbase www.csr >out.stdout
assert_eq "" "$(cat out.stdout)" "-out prints nothing"
assert_eq "outbase.pem" "$(ls outbase*)" "-out writes BASENAME.pem only"
assert_eq 644 "$(mode outbase.pem)" "mode of BASENAME.pem"

# DER is accepted; "csr" is then its PEM form.
openssl req -in www.csr -outform der -out www.der
$s -profile leaf www.der | "$KILN" json -bare der
cmp -s www.csr der.csr || fail "DER request: \"csr\" is not its PEM form"
ok

# ---- refused, one line, exit 1 ----------------------------------------------

# One byte of the signature flipped (5 bytes from the end: inside s).
cp www.der bad.der
n=$(($(wc -c <bad.der) - 5))
b=$(od -An -tx1 -j "$n" -N1 bad.der | tr -d ' ')
if [ "$b" = 41 ]; then c=B; else c=A; fi
printf '%s' "$c" | dd of=bad.der bs=1 seek="$n" conv=notrunc 2>/dev/null
openssl req -inform der -in bad.der -out bad.csr
# openssl 3.0 exits 0 either way: read what it says.
case $(openssl req -in bad.csr -noout -verify 2>&1) in
*"verify failure"*) ;;
*) fail "setup: openssl still verifies bad.csr" ;;
esac
expect_error "kiln: sign: bad.csr: signature does not verify: the request was altered, or not signed with its own key" \
    $s -profile leaf bad.csr
expect_error "kiln: sign: ca.pem: a certificate, not a certificate request" \
    $s -profile leaf ca.pem
expect_error "kiln: sign: key.pem: not a certificate request (PEM block \"EC PRIVATE KEY\")" \
    $s -profile leaf key.pem
expect_error 'kiln: sign: config.json: profile "nope" not found in the configuration (its profiles: leaf, inter)' \
    $s -profile nope www.csr

# ---- CA requests ------------------------------------------------------------
openssl req -new -key key.pem -out sub.csr -subj '/CN=Sub CA/O=Example Org' \
    -addext 'basicConstraints=critical,CA:TRUE' \
    -addext 'subjectAltName=DNS:sub.example.com,IP:10.0.0.1'
expect_error "kiln: sign: sub.csr: the request asks for a CA certificate (basicConstraints CA:TRUE) and the profile does not allow one (ca_constraint.is_ca)" \
    $s -profile leaf sub.csr
$s -profile inter sub.csr | "$KILN" json -bare sub
assert_eq "CA:TRUE, pathlen:0" \
    "$(openssl x509 -in sub.pem -noout -ext basicConstraints | tail -1 | sed 's/^ *//')" "CA profile: a CA"
assert_eq "IP Address:10.0.0.1" \
    "$(openssl x509 -in sub.pem -noout -ext subjectAltName | tail -1 | sed 's/^ *//')" "a CA keeps only IP SANs"
assert_eq "sub.pem: OK" "$(openssl verify -x509_strict -CAfile ca.pem sub.pem)" "verify the CA"

# ---- cfssl 1.2.0 on the same inputs -----------------------------------------
if [ ! -x "$CFSSL" ]; then
	echo "sign.sh: $CFSSL not found: cfssl comparisons skipped" >&2
	finish
	exit 0
fi
c="$CFSSL sign -ca ca.pem -ca-key ca-key.pem -config config.json"

# The subject as openssl dumps it: RDN structure ('+' joins a
# multi-valued RDN), and each value's whole DER, string type included.
subject() {
	openssl x509 -in "$1" -noout -subject -nameopt RFC2253,dump_all,dump_der
}
# Every extension's OID, criticality and value, in order.
extensions() {
	openssl x509 -in "$1" -outform der | openssl asn1parse -inform der |
	    sed -n '/cont \[ 3 \]/,$p' | grep -E 'OBJECT|BOOLEAN|OCTET' |
	    sed 's/^.*prim: *//'
}
# cfssl_sign NAME ARGS...: cfssl's certificate into NAME.pem.
cfssl_sign() {
	name=$1
	shift
	$c "$@" >"$name.json" 2>cfssl.err || fail "cfssl $*: $(cat cfssl.err)"
	"$KILN" json -bare "$name" <"$name.json"
}

cfssl_sign c-www -profile leaf www.csr
assert_eq "$(subject c-www.pem)" "$(subject www.pem)" "subject DER equals cfssl's"
assert_eq "$(extensions c-www.pem)" "$(extensions www.pem)" "extensions equal cfssl's"
assert_eq "$(openssl x509 -in c-www.pem -noout -pubkey)" \
    "$(openssl x509 -in www.pem -noout -pubkey)" "public key equals cfssl's"
cmp -s c-www.csr www.csr || fail "cfssl's \"csr\" is the input too"
ok
cfssl_sign c-host -profile leaf -hostname 'other.example,10.0.0.9,a@b.example' www.csr
assert_eq "$(extensions c-host.pem)" "$(extensions host.pem)" "-hostname: extensions equal cfssl's"
cfssl_sign c-sub -profile inter sub.csr
assert_eq "$(subject c-sub.pem)" "$(subject sub.pem)" "CA: subject equals cfssl's"
assert_eq "$(extensions c-sub.pem)" "$(extensions sub.pem)" "CA: extensions equal cfssl's"
set +e
$c -profile leaf sub.csr >/dev/null 2>cfssl.err
st=$?
set -e
assert_eq 1 "$st" "cfssl refuses the CA request under a leaf profile"
assert_contains "$(cat cfssl.err)" '"code":5300' "cfssl: policy violation"

# A SUBJECT file: the same replacements as cfssl.
printf '%s\n' '{"CN":"override","names":[{"O":"New Org","OU":"Ops"},{"C":""}],"SerialNumber":"77"}' >subject.json
$s -profile leaf www.csr subject.json | "$KILN" json -bare subj
cfssl_sign c-subj -profile leaf www.csr subject.json
assert_eq "$(subject c-subj.pem)" "$(subject subj.pem)" "SUBJECT: subject equals cfssl's"

# Where kiln-sign(1) says kiln differs: an emailAddress is kept last
# (cfssl 1.2.0 drops it; cfssl 1.6 and later keep it), and two OUs are
# two RDNs (cfssl: one multi-valued RDN).
openssl req -new -key key.pem -out mail.csr \
    -subj '/emailAddress=admin@example.com/CN=mail.example.com/C=DE'
$s -profile leaf mail.csr | "$KILN" json -bare mail
cfssl_sign c-mail -profile leaf mail.csr
assert_eq "subject=emailAddress=#0C1161646D696E406578616D706C652E636F6D,$(subject c-mail.pem | sed 's/^subject=//')" \
    "$(subject mail.pem)" "emailAddress kept after cfssl's attributes"
openssl req -new -key key.pem -out ou2.csr -subj '/CN=two/OU=B/OU=A'
$s -profile leaf ou2.csr | "$KILN" json -bare ou2
cfssl_sign c-ou2 -profile leaf ou2.csr
assert_eq "subject=CN=#130374776F,OU=#130142+OU=#130141" "$(subject c-ou2.pem)" "cfssl: one multi-valued RDN"
assert_eq "subject=CN=#130374776F,OU=#130141,OU=#130142" "$(subject ou2.pem)" "kiln: two RDNs, request order"
# copy_extensions (cfssl >= 1.3; 1.2.0 ignores it): every extension of the
# request but basicConstraints goes in verbatim, in place of kiln's own.
openssl req -new -key key.pem -out copy.csr -subj /CN=copy \
    -addext "subjectAltName=DNS:a.example" -addext "keyUsage=critical,digitalSignature" \
    -addext "1.2.3.4=ASN1:UTF8String:hello" -addext "basicConstraints=critical,CA:TRUE"
cat >copy-config.json <<'EOF'
{"signing": {"default": {"expiry": "8760h"}, "profiles": {"c": {"expiry": "8760h",
 "usages": ["signing", "key encipherment", "server auth"], "copy_extensions": true,
 "ca_constraint": {"is_ca": true}}}}}
EOF
"$KILN" sign -ca ca.pem -ca-key ca-key.pem -config copy-config.json -profile c copy.csr |
    "$KILN" json -bare copy
t=$(openssl x509 -in copy.pem -noout -text)
assert_contains "$t" "1.2.3.4: " "copy_extensions: an unknown extension copied"
assert_contains "$t" "X509v3 Key Usage: critical
                Digital Signature
" "copy_extensions: the request's key usage replaces the profile's"
assert_eq 1 "$(printf '%s\n' "$t" | grep -c 'X509v3 Key Usage')" "copy_extensions: one key usage"
assert_eq 1 "$(printf '%s\n' "$t" | grep -c 'X509v3 Basic Constraints')" \
    "copy_extensions: basicConstraints is the profile's, never copied"
# ---- cfssl's log lines under its names (issue 14) ---------------------------
# Scripts read them: etcd's gencerts.sh greps the serial.  Normalised: the
# time stamp (local time, Go's log format) and the decimal serial.
lognorm() {
	sed -e 's|^[0-9]\{4\}/[0-9][0-9]/[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] |TIME |' \
	    -e 's/serial number [0-9][0-9]*$/serial number N/' "$1"
}
# logs NAME TOOL ARGS...: TOOL's stderr, normalised, into NAME.log.
logs() {
	name=$1
	shift
	"$@" >"$name.json" 2>"$name.err"
	lognorm "$name.err" >"$name.log"
}
cat >nohosts.json <<'EOF'
{"CN": "no hosts", "key": {"algo": "ecdsa", "size": 256}}
EOF
cat >rsa.json <<'EOF'
{"CN": "rsa", "hosts": ["rsa.example"], "key": {"algo": "rsa", "size": 2048}}
EOF
for who in kl cf; do
	if [ $who = kl ]; then c="$BIN/cfssl"; else c=$CFSSL; fi
	logs $who-initca "$c" gencert -initca "$DATA"/ecdsa/ca-csr.json
	logs $who-leaf "$c" gencert -ca ca.pem -ca-key ca-key.pem -config config.json \
	    -profile leaf -hostname a.example nohosts.json
	logs $who-nohosts "$c" gencert -ca ca.pem -ca-key ca-key.pem -config config.json \
	    -profile leaf nohosts.json
	logs $who-quiet "$c" gencert -loglevel 2 -ca ca.pem -ca-key ca-key.pem \
	    -config config.json -profile leaf -hostname a.example nohosts.json
	logs $who-genkey "$c" genkey rsa.json
	logs $who-sign "$c" sign -ca ca.pem -ca-key ca-key.pem -config config.json \
	    -profile leaf www.csr
	for l in initca leaf nohosts quiet genkey sign; do
		[ -s $who-$l.json ] || fail "$who $l: no output"
	done
done
for l in initca leaf nohosts quiet genkey sign; do
	assert_eq "$(cat cf-$l.log)" "$(cat kl-$l.log)" "cfssl's log lines: $l"
done
assert_eq "TIME [INFO] generate received request
TIME [INFO] received CSR
TIME [INFO] generating key: ecdsa-256
TIME [INFO] encoded CSR
TIME [INFO] signed certificate with serial number N" "$(cat kl-leaf.log)" "the lines of gencert"
# The serial in the line is the certificate's, in decimal.
"$BIN"/cfssljson -bare logged <kl-sign.json
hex=$(openssl x509 -in logged.pem -noout -serial | sed 's/serial=//')
dec=$(echo "ibase=16; $hex" | BC_LINE_LENGTH=0 bc)
assert_eq "signed certificate with serial number $dec" \
    "$(sed -n 's/.*\[INFO\] //p' kl-sign.err)" "the serial, in decimal"
# kiln's own name stays quiet.
"$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config config.json -profile leaf \
    nohosts.json >/dev/null 2>quiet.err
assert_eq "" "$(cat quiet.err)" "kiln gencert: nothing on stderr"

# ---- an empty -hostname (issue 14) ------------------------------------------
# cfssl keeps the request's hosts; kiln's name refuses the slip.
"$BIN"/cfssl sign -ca ca.pem -ca-key ca-key.pem -config config.json -profile leaf \
    -hostname= www.csr 2>/dev/null | "$BIN"/cfssljson -bare emptyhost
assert_contains "$(openssl x509 -in emptyhost.pem -noout -ext subjectAltName)" \
    "DNS:alt.example.com" "cfssl sign -hostname=: the request's hosts kept"
"$BIN"/cfssl gencert -ca ca.pem -ca-key ca-key.pem -config config.json -profile leaf \
    -hostname= rsa.json 2>/dev/null | "$BIN"/cfssljson -bare emptyhost2
assert_eq "DNS:rsa.example" \
    "$(openssl x509 -in emptyhost2.pem -noout -ext subjectAltName | tail -1 | sed 's/^ *//')" \
    "cfssl gencert -hostname=: the request's hosts kept"
for cmd in gencert sign; do
	set +e
	if [ $cmd = sign ]; then
		$s -profile leaf -hostname= www.csr >/dev/null 2>empty.err
	else
		"$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config config.json \
		    -profile leaf -hostname= rsa.json >/dev/null 2>empty.err
	fi
	rc=$?
	set -e
	assert_eq 2 "$rc" "kiln $cmd -hostname=: status"
	assert_eq "kiln: $cmd: -hostname is empty: give the names, or leave -hostname out to keep the request's hosts" \
	    "$(head -1 empty.err)" "kiln $cmd -hostname=: message"
done

# ---- a certificate that outlives its CA (issue 14, point 8) -----------------
# The guide's own files: a CA of 5 years, a leaf of 10.  Exit 0 (it works
# until the CA ends), one line saying when it stops and what to do.
cat >short-ca.json <<'EOF'
{"CN": "short CA", "key": {"algo": "ecdsa", "size": 256}, "ca": {"expiry": "43800h"}}
EOF
cat >long.json <<'EOF'
{"signing": {"default": {"expiry": "87600h", "usages": ["signing", "server auth"]}}}
EOF
"$KILN" gencert -initca short-ca.json | "$KILN" json -bare short-ca
ca_end=$(date -u -d "$(openssl x509 -in short-ca.pem -noout -enddate | sed 's/notAfter=//')" +%Y-%m-%d)
"$KILN" gencert -ca short-ca.pem -ca-key short-ca-key.pem -config long.json rsa.json \
    2>long.err | "$KILN" json -bare long
end=$(date -u -d "$(openssl x509 -in long.pem -noout -enddate | sed 's/notAfter=//')" +%Y-%m-%d)
assert_eq "kiln: gencert: warning: the certificate (notAfter $end) outlives its CA (notAfter $ca_end): it stops working on $ca_end; give the profile a shorter expiry, or renew the CA" \
    "$(cat long.err)" "gencert: outlives its CA"
set +e
"$KILN" sign -ca short-ca.pem -ca-key short-ca-key.pem -config long.json www.csr \
    2>long-sign.err >long-sign.json
rc=$?
set -e
assert_eq 0 "$rc" "sign: outlives its CA: exit 0"
assert_eq "kiln: sign: warning: the certificate (notAfter $end) outlives its CA (notAfter $ca_end): it stops working on $ca_end; give the profile a shorter expiry, or renew the CA" \
    "$(cat long-sign.err)" "sign: outlives its CA"
"$BIN"/cfssl gencert -ca short-ca.pem -ca-key short-ca-key.pem -config long.json rsa.json \
    2>long-cf.err >/dev/null
assert_eq "TIME [WARNING] the certificate (notAfter $end) outlives its CA (notAfter $ca_end): it stops working on $ca_end; give the profile a shorter expiry, or renew the CA" \
    "$(lognorm long-cf.err | tail -1)" "cfssl gencert: outlives its CA, in cfssl's log format"
"$KILN" gencert -ca short-ca.pem -ca-key short-ca-key.pem -config config.json -profile leaf \
    rsa.json 2>fits.err >/dev/null
assert_eq "" "$(cat fits.err)" "a certificate within its CA's life: no warning"
# A failure is one line: no warning for a certificate that was not written.
set +e
"$KILN" gencert -ca short-ca.pem -ca-key short-ca-key.pem -config long.json \
    -out nodir/x rsa.json 2>nodir.err
"$KILN" sign -ca short-ca.pem -ca-key short-ca-key.pem -config long.json \
    -out nodir/y www.csr 2>>nodir.err
set -e
assert_eq "kiln: gencert: nodir/x-key.pem: folder nodir does not exist
kiln: sign: nodir/y.pem: folder nodir does not exist" "$(cat nodir.err)" \
    "outlives its CA, not written: the error alone"


# ---- weak keys: kiln refuses them, cfssl (the link) signs them as cfssl ------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out weak.key 2>/dev/null
openssl req -new -key weak.key -subj /CN=weak -out weak.csr 2>/dev/null
set +e
$s -profile leaf weak.csr >weak.json 2>weak.err
rc=$?
set -e
assert_eq 1 "$rc" "kiln sign: an RSA-1024 request: exit 1"
assert_eq "kiln: sign: weak.csr: the request's key is RSA of 1024 bits: kiln signs RSA of 2048 to 8192 bits and ECDSA on P-256, P-384 or P-521" \
    "$(cat weak.err)" "kiln sign: an RSA-1024 request"
assert_eq "" "$(cat weak.json)" "kiln sign: no certificate for a weak key"
"$BIN"/cfssl sign -ca ca.pem -ca-key ca-key.pem -config config.json -profile leaf \
    weak.csr 2>/dev/null | "$BIN"/cfssljson -bare weak
openssl verify -CAfile ca.pem weak.pem >/dev/null || fail "cfssl sign (kiln): weak.pem"
ok
finish
