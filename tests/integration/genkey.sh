#!/bin/sh
# kiln genkey, gencsr, selfsign, print-defaults and gencert -renewca,
# checked with openssl and against cfssl 1.2.0 (/usr/bin/cfssl) where it
# has the command.  ECDSA keys, but for the RSA requests, whose keys
# (21 of them) openssl rsa -check also checks.
. "$(dirname "$0")/lib.sh"

CFSSL=/usr/bin/cfssl
PROFILES=$DATA/../../profiles/cfssl


# expect_fail STATUS MESSAGE NAME: a failed run: its status, nothing on
# stdout, and MESSAGE as the first line of stderr (the only line for
# status 1; usage follows it for status 2).
expect_fail() {
	assert_eq "$1" "$rc" "$3: exit status"
	assert_eq "" "$(cat "$3.out")" "$3: stdout"
	assert_eq "$2" "$(head -n 1 "$3.err")" "$3: message"
	if [ "$1" = 1 ]; then
		assert_eq 1 "$(wc -l <"$3.err" | tr -d ' ')" "$3: one line"
	fi
}

# pem JSONFILE KEY OUTFILE: one PEM of cfssl's JSON output, as it was.
pem() {
	jq -j ".$2" "$1" >"$3"
}

# shape FILE: openssl's ASN.1 dump without lengths, offsets, keys,
# signatures, serial numbers and times: what two runs must share.
shape() {
	openssl asn1parse -i -in "$1" |
	    sed -E 's/^ *[0-9]+:d=/d=/; s/hl= *[0-9]+ l= *[0-9]+//' |
	    grep -v -E 'BIT STRING|INTEGER +:[0-9A-F]{12,}|UTCTIME|:0414[0-9A-F]{40}$'
}

# subject_hex CERT: the subject Name's DER bytes, in hex.
subject_hex() {
	openssl x509 -in "$1" -outform DER -out "$1.der"
	line=$(openssl asn1parse -inform DER -in "$1.der" |
	    awk '/d=2/ && /SEQUENCE/ { if (++n == 4) { print; exit } }')
	off=${line%%:*}
	hl=$(echo "$line" | sed -E 's/.*hl= *([0-9]+).*/\1/')
	len=$(echo "$line" | sed -E 's/.* l= *([0-9]+).*/\1/')
	dd if="$1.der" bs=1 skip="$off" count=$((hl + len)) 2>/dev/null |
	    od -An -tx1 | tr -d ' \n'
}

# seconds CERT start|end: notBefore or notAfter in seconds since 1970.
seconds() {
	date -u -d "$(openssl x509 -in "$1" -noout -"$2"date | sed 's/^[^=]*=//')" +%s
}

# lifetime CERT: notAfter - notBefore in seconds.
lifetime() {
	echo $(($(seconds "$1" end) - $(seconds "$1" start)))
}

san() {
	openssl "$1" -in "$2" -noout -text |
	    sed -n '/Subject Alternative Name/{n;s/^ *//;p;}'
}

cat >req.json <<'EOF'
{"CN":"svc.example","hosts":["svc.example","192.0.2.10","2001:db8::10",
 "ops@example.com","spiffe://cluster/svc"],
 "names":[{"C":"US","ST":"CA","L":"San Francisco","O":"Example","OU":"Ops"}],
 "serialnumber":"42"}
EOF
# Hosts cfssl 1.2.0 classifies as kiln does (it has no URI SANs).
cat >plain.json <<'EOF'
{"CN":"plain.example","hosts":["plain.example","*.plain.example","10.0.0.1",
 "2001:db8::1","me@example.com"],"key":{"algo":"ecdsa","size":384},
 "names":[{"C":"US","O":"Example & Co","OU":"Ops"}]}
EOF
cat >rsa.json <<'EOF'
{"CN":"rsa.example","hosts":["rsa.example"],"key":{"algo":"rsa","size":2048}}
EOF
cat >ca.json <<'EOF'
{"CN":"Genkey Test CA","names":[{"C":"US","O":"Example","OU":"PKI"}],
 "hosts":["ca.example","10.0.0.1"],"ca":{"expiry":"1000h","pathlen":1}}
EOF
want_san="DNS:svc.example, email:ops@example.com, IP Address:192.0.2.10, IP Address:2001:DB8:0:0:0:0:0:10, URI:spiffe://cluster/svc"
want_subject="subject=C = US, ST = CA, L = San Francisco, O = Example, OU = Ops, CN = svc.example, serialNumber = 42"

# --- genkey ---------------------------------------------------------------
run gk "$KILN" genkey req.json
assert_eq 0 "$rc" "genkey: status"
assert_eq "" "$(cat gk.err)" "genkey: stderr"
assert_eq 1 "$(wc -l <gk.out | tr -d ' ')" "genkey: one line"
assert_contains "$(head -c 48 gk.out)" '{"csr":"-----BEGIN CERTIFICATE REQUEST-----\n' "genkey: csr first"
assert_eq "csr key" "$(jq -r 'keys_unsorted | join(" ")' gk.out)" "genkey: keys"
pem gk.out csr gk.csr
pem gk.out key gk-key.pem
assert_eq "-----BEGIN EC PRIVATE KEY-----" "$(head -n 1 gk-key.pem)" "genkey: SEC1 key"
openssl req -in gk.csr -verify -noout 2>/dev/null || fail "genkey: CSR does not verify"
ok
assert_eq "$want_subject" "$(openssl req -in gk.csr -noout -subject)" "genkey: subject"
assert_eq "$want_san" "$(san req gk.csr)" "genkey: SANs"
assert_eq "$(openssl pkey -in gk-key.pem -pubout)" "$(openssl req -in gk.csr -noout -pubkey)" \
    "genkey: the CSR is for the key"

# The same request through cfssl 1.2.0: the same CSR but for key and
# signature.
for r in plain rsa; do
	"$KILN" genkey $r.json >k-$r.json
	"$CFSSL" genkey $r.json 2>/dev/null >c-$r.json
	pem k-$r.json csr k-$r.csr
	pem c-$r.json csr c-$r.csr
	assert_eq "$(shape c-$r.csr)" "$(shape k-$r.csr)" "genkey $r: CSR as cfssl's"
done
assert_eq "-----BEGIN RSA PRIVATE KEY-----" "$(jq -r .key k-rsa.json | head -n 1)" "genkey rsa: PKCS#1"
# kiln's own RSA key generation (src/x509/rsagen.c), checked by OpenSSL: p and
# q prime, n = pq, d and the CRT values consistent.
pem k-rsa.json key k-rsa-key.pem
assert_eq "RSA key ok" "$(openssl rsa -check -noout -in k-rsa-key.pem 2>&1)" "genkey rsa: openssl rsa -check"
k_rsa_text=$(openssl rsa -noout -text -in k-rsa-key.pem)
assert_contains "$k_rsa_text" "Private-Key: (2048 bit, 2 primes)" "genkey rsa: 2048 bits"
assert_contains "$k_rsa_text" "publicExponent: 65537 (0x10001)" "genkey rsa: e"
assert_eq "$(openssl pkey -in k-rsa-key.pem -pubout)" "$(openssl req -in k-rsa.csr -noout -pubkey)" \
    "genkey rsa: the CSR is for the key"
assert_contains "$(openssl req -in k-rsa.csr -noout -text)" "sha256WithRSAEncryption" "genkey rsa: sigalg"

# Twenty more through kiln genkey, its two threads sharing each key's prime
# searches: OpenSSL checks every key (p and q prime, n = pq, d, the CRT
# values), each is RSA-2048 with e = 65537 and primes of 1024 bits with
# their top two bits set, and no prime comes twice.
: >primes.txt
i=0
while [ $i -lt 20 ]; do
	"$KILN" genkey rsa.json >k20.json || fail "genkey rsa #$i: status"
	pem k20.json key k20-key.pem
	assert_eq "RSA key ok" "$(openssl rsa -check -noout -in k20-key.pem 2>&1)" \
	    "genkey rsa #$i: openssl rsa -check"
	text=$(openssl rsa -noout -text -in k20-key.pem)
	assert_contains "$text" "Private-Key: (2048 bit, 2 primes)" "genkey rsa #$i: 2048 bits"
	assert_contains "$text" "publicExponent: 65537 (0x10001)" "genkey rsa #$i: e"
	for f in prime1 prime2; do
		# The prime's hex: 00, then 128 bytes, the first 0xc0 or more.
		hex=$(echo "$text" | sed -n "/^$f:/,/^[a-z]/{/^ /p}" | tr -d ' :\n')
		assert_eq 258 "${#hex}" "genkey rsa #$i: $f of 1024 bits"
		case $hex in
		00[c-f]*) ;;
		*) fail "genkey rsa #$i: $f: top two bits not set: ${hex%"${hex#????}"}" ;;
		esac
		echo "$hex" >>primes.txt
	done
	i=$((i + 1))
done
assert_eq 40 "$(sort -u primes.txt | wc -l | tr -d ' ')" "genkey rsa: 40 primes, all distinct"
ok

run gkca "$KILN" genkey ca.json
expect_fail 1 "kiln: genkey: ca.json: ca: only allowed with -initca" gkca
run gkn "$KILN" genkey
expect_fail 2 "kiln: genkey: expected one CSR JSON file" gkn

# -out: the key 0600 and the CSR 0644; a key is not replaced unless -force.
(umask 077 && "$KILN" genkey -out gko req.json)
assert_eq "600 644" "$(mode gko-key.pem) $(mode gko.csr)" "genkey -out: modes"
assert_eq "no" "$([ -e gko.pem ] && echo yes || echo no)" "genkey -out: no certificate"
openssl req -in gko.csr -verify -noout 2>/dev/null || fail "genkey -out: CSR"
ok
run gko "$KILN" genkey -out gko req.json
expect_fail 1 "kiln: genkey: gko-key.pem: refusing to replace an existing private key (it would be lost, and every certificate made for it or, for a CA, issued by it orphaned); -force replaces it" gko
run gko "$KILN" genkey -out gko -force req.json
assert_eq 0 "$rc" "genkey -out -force"

# --- genkey -initca -----------------------------------------------------
run gki "$KILN" genkey -initca ca.json
assert_eq 0 "$rc" "genkey -initca: status"
assert_eq "cert csr key" "$(jq -r 'keys_unsorted | join(" ")' gki.out)" "genkey -initca: keys"
pem gki.out cert gki.pem
pem gki.out csr gki.csr
pem gki.out key gki-key.pem
openssl verify -x509_strict -CAfile gki.pem gki.pem >/dev/null || fail "genkey -initca: CA does not verify"
ok
gki_text=$(x509text gki.pem)
assert_contains "$gki_text" "CA:TRUE, pathlen:1" "genkey -initca: CA"
assert_contains "$gki_text" "Certificate Sign, CRL Sign" "genkey -initca: key usage"
assert_eq "IP Address:10.0.0.1" "$(san x509 gki.pem)" "genkey -initca: IP SANs only"
assert_eq "$(openssl pkey -in gki-key.pem -pubout)" "$(openssl x509 -in gki.pem -noout -pubkey)" \
    "genkey -initca: the key is the CA's"
assert_eq "$((1000 * 3600))" "$(lifetime gki.pem)" "genkey -initca: ca.expiry"
"$CFSSL" genkey -initca ca.json 2>/dev/null | jq -j .cert >cgki.pem
assert_eq "$(shape cgki.pem)" "$(shape gki.pem)" "genkey -initca: certificate as cfssl's"
run gkio "$KILN" genkey -initca -out gkio ca.json
assert_eq "600 644 644" "$(mode gkio-key.pem) $(mode gkio.csr) $(mode gkio.pem)" "genkey -initca -out"

# --- gencsr -------------------------------------------------------------
run gc "$KILN" gencsr -key gk-key.pem req.json
assert_eq 0 "$rc" "gencsr: status"
assert_eq "csr key" "$(jq -r 'keys_unsorted | join(" ")' gc.out)" "gencsr: keys"
pem gc.out csr gc.csr
pem gc.out key gc-key.pem
cmp -s gc-key.pem gk-key.pem || fail "gencsr: key not given back verbatim"
ok
openssl req -in gc.csr -verify -noout 2>/dev/null || fail "gencsr: CSR does not verify"
ok
assert_eq "$want_subject" "$(openssl req -in gc.csr -noout -subject)" "gencsr: subject"
assert_eq "$want_san" "$(san req gc.csr)" "gencsr: SANs"
assert_eq "$(openssl pkey -in gk-key.pem -pubout)" "$(openssl req -in gc.csr -noout -pubkey)" \
    "gencsr: the existing key"
# A PKCS#8 key comes back as it is too.
openssl pkcs8 -topk8 -nocrypt -in gk-key.pem -out gk-p8.pem
"$KILN" gencsr -key gk-p8.pem req.json | jq -j .key | cmp -s - gk-p8.pem ||
    fail "gencsr: PKCS#8 key not verbatim"
ok

# From a certificate: its subject and SANs, for its key.
"$KILN" gencert -ca gki.pem -ca-key gki-key.pem req.json | "$KILN" json -bare leaf
run gcc "$KILN" gencsr -key leaf-key.pem -cert leaf.pem
assert_eq 0 "$rc" "gencsr -cert: status"
pem gcc.out csr gcc.csr
openssl req -in gcc.csr -verify -noout 2>/dev/null || fail "gencsr -cert: CSR does not verify"
ok
assert_eq "$(openssl x509 -in leaf.pem -noout -subject)" "$(openssl req -in gcc.csr -noout -subject)" \
    "gencsr -cert: the certificate's subject"
assert_eq "$(san x509 leaf.pem)" "$(san req gcc.csr)" "gencsr -cert: the certificate's SANs"
assert_not_contains "$(openssl req -in gcc.csr -noout -text)" "Basic Constraints" "gencsr -cert: a leaf asks for no CA"
# From a CA: basicConstraints with its pathlen.
"$KILN" gencsr -key gki-key.pem -cert gki.pem | jq -j .csr >gcca.csr
assert_contains "$(openssl req -in gcca.csr -noout -text)" "CA:TRUE, pathlen:1" "gencsr -cert CA: basicConstraints"
assert_eq "$(openssl x509 -in gki.pem -noout -subject)" "$(openssl req -in gcca.csr -noout -subject)" \
    "gencsr -cert CA: subject"
# -hostname replaces the hosts, from csr.json or from -cert.
"$KILN" gencsr -key leaf-key.pem -hostname new.example,10.9.9.9 -cert leaf.pem | jq -j .csr >gch.csr
assert_eq "DNS:new.example, IP Address:10.9.9.9" "$(san req gch.csr)" "gencsr -hostname"
"$KILN" gencsr -key gk-key.pem -hostname=other.example req.json | jq -j .csr >gch2.csr
assert_eq "DNS:other.example" "$(san req gch2.csr)" "gencsr -hostname over csr.json"

run gcn "$KILN" gencsr req.json
expect_fail 2 "kiln: gencsr: -key is required" gcn
echo "not a key" >bad-key.pem
run gcb "$KILN" gencsr -key bad-key.pem req.json
expect_fail 1 "kiln: gencsr: bad-key.pem: not a private key" gcb
run gcx "$KILN" gencsr -key leaf-key.pem -cert leaf.pem req.json
expect_fail 2 "kiln: gencsr: no CSR JSON file is taken with -cert" gcx

# --- selfsign -----------------------------------------------------------
run ss "$KILN" selfsign ignored.example req.json
assert_eq 0 "$rc" "selfsign: status"
"$CFSSL" selfsign ignored.example req.json 2>&1 >/dev/null | grep -v '\[INFO\]' >cfssl-banner.txt
cmp -s cfssl-banner.txt ss.err || fail "selfsign: banner differs from cfssl's: $(cat ss.err)"
ok
assert_eq "cert csr key" "$(jq -r 'keys_unsorted | join(" ")' ss.out)" "selfsign: keys"
pem ss.out cert ss.pem
pem ss.out key ss-key.pem
ss_text=$(x509text ss.pem)
assert_eq "$(openssl x509 -in ss.pem -noout -subject)" \
    "$(openssl x509 -in ss.pem -noout -issuer | sed 's/^issuer/subject/')" "selfsign: self-issued"
assert_eq "$want_san" "$(san x509 ss.pem)" "selfsign: csr.json's hosts, not HOSTNAME"
assert_contains "$ss_text" "CA:FALSE" "selfsign: not a CA"
assert_contains "$ss_text" "Digital Signature, Key Encipherment" "selfsign: key usage"
assert_contains "$ss_text" "TLS Web Server Authentication, TLS Web Client Authentication" "selfsign: EKU"
assert_not_contains "$ss_text" "Authority Key Identifier" "selfsign: no AKI"
assert_eq $((2190 * 3600 + 300)) "$(lifetime ss.pem)" "selfsign: now - 5 min to now + 2190h"
assert_eq "$(openssl pkey -in ss-key.pem -pubout)" "$(openssl x509 -in ss.pem -noout -pubkey)" "selfsign: its key"
openssl verify -partial_chain -CAfile ss.pem ss.pem >/dev/null || fail "selfsign: signature"
ok
# -config and -profile: the profile's usages and expiry.
"$KILN" print-defaults config >pd-config.json
"$KILN" selfsign -config pd-config.json -profile www h req.json 2>/dev/null | jq -j .cert >ssw.pem
assert_contains "$(x509text ssw.pem)" "TLS Web Server Authentication" "selfsign -profile www: EKU"
assert_not_contains "$(x509text ssw.pem)" "Client Authentication" "selfsign -profile www: server only"
assert_eq $((8760 * 3600 + 300)) "$(lifetime ssw.pem)" "selfsign -profile www: expiry"
run ssd "$KILN" selfsign -config pd-config.json h req.json
expect_fail 1 "kiln: selfsign: pd-config.json: signing.default: no usages (choose a profile with -profile)" ssd
# -hostname stands for HOSTNAME and replaces the hosts.
"$KILN" selfsign -hostname alt.example,10.1.1.1 req.json 2>/dev/null | jq -j .cert >ssh.pem
assert_eq "DNS:alt.example, IP Address:10.1.1.1" "$(san x509 ssh.pem)" "selfsign -hostname"
run ssa "$KILN" selfsign req.json
expect_fail 2 "kiln: selfsign: expected HOSTNAME and CSRJSON" ssa
run ssc "$KILN" selfsign h ca.json
expect_fail 1 "kiln: selfsign: ca.json: ca: not allowed in a self-signed certificate (make a CA with gencert -initca)" ssc

# --- print-defaults ---------------------------------------------------
for t in config csr; do
	"$KILN" print-defaults $t >pd-$t.out
	"$CFSSL" print-defaults $t >cfssl-$t.out
	cmp -s cfssl-$t.out pd-$t.out || fail "print-defaults $t differs from cfssl's"
	ok
	# What kiln ships is the same text, without Println's blank line.
	head -c -1 pd-$t.out | cmp -s - "$PROFILES/$t.json" || fail "profiles/cfssl/$t.json differs"
	ok
done
"$KILN" print-defaults list >pd-list.out
"$CFSSL" print-defaults list >cfssl-list.out
assert_eq "$(head -n 1 cfssl-list.out)" "$(head -n 1 pd-list.out)" "print-defaults list: heading"
assert_eq "$(tail -n +2 cfssl-list.out | sort)" "$(tail -n +2 pd-list.out | sort)" "print-defaults list: names"
run pdx "$KILN" print-defaults nonsense
assert_eq 2 "$rc" "print-defaults unknown: status"
assert_eq "" "$(cat pdx.out)" "print-defaults unknown: stdout"
assert_eq "kiln: print-defaults: unknown type \"nonsense\"" "$(head -n 1 pdx.err)" "print-defaults unknown: message"
assert_eq "$(cat pd-list.out)" "$(tail -n +2 pdx.err)" "print-defaults unknown: the list on stderr"
run pdn "$KILN" print-defaults
expect_fail 2 "kiln: print-defaults: expected one TYPE: config, csr or list" pdn
# kiln takes both: the config's www profile and the CSR.
cp pd-csr.out pd-csr.json
run pdg "$KILN" gencert -ca gki.pem -ca-key gki-key.pem -config pd-config.json -profile www pd-csr.json
assert_eq 0 "$rc" "print-defaults: gencert takes the config and the csr"
pem pdg.out cert pdg.pem
assert_eq "DNS:example.net, DNS:www.example.net" "$(san x509 pdg.pem)" "print-defaults csr: hosts"
assert_eq $((8760 * 3600)) "$(lifetime pdg.pem)" "print-defaults config: www expiry"

# --- gencert -renewca -------------------------------------------------
run rn "$KILN" gencert -renewca -ca gki.pem -ca-key gki-key.pem
assert_eq 0 "$rc" "renewca: status"
assert_eq "" "$(cat rn.err)" "renewca: stderr"
assert_eq "cert" "$(jq -r 'keys_unsorted | join(" ")' rn.out)" "renewca: {\"cert\"} only"
pem rn.out cert rn.pem
assert_eq "$(subject_hex gki.pem)" "$(subject_hex rn.pem)" "renewca: subject bytes"
assert_eq "$(openssl x509 -in gki.pem -noout -pubkey)" "$(openssl x509 -in rn.pem -noout -pubkey)" "renewca: key"
assert_eq "$(openssl x509 -in gki.pem -noout -ext subjectKeyIdentifier)" \
    "$(openssl x509 -in rn.pem -noout -ext subjectKeyIdentifier)" "renewca: SKI"
[ "$(openssl x509 -in gki.pem -noout -serial)" != "$(openssl x509 -in rn.pem -noout -serial)" ] ||
    fail "renewca: same serial"
ok
assert_eq "$(lifetime gki.pem)" "$(lifetime rn.pem)" "renewca: the same lifetime"
now=$(date -u +%s)
start=$(seconds rn.pem start)
[ "$start" -le "$now" ] && [ "$start" -ge $((now - 400)) ] || fail "renewca: notBefore $start, now $now"
ok
assert_eq "$(shape gki.pem)" "$(shape rn.pem)" "renewca: the same extensions"
openssl verify -x509_strict -CAfile rn.pem rn.pem >/dev/null || fail "renewca: the new CA"
ok
openssl verify -x509_strict -CAfile rn.pem leaf.pem >/dev/null ||
    fail "renewca: a leaf issued before does not verify"
ok
"$CFSSL" gencert -renewca -ca gki.pem -ca-key gki-key.pem 2>/dev/null >crn.out
assert_eq "cert" "$(jq -r 'keys | join(" ")' crn.out)" "renewca: cfssl's keys"
pem crn.out cert crn.pem
assert_eq "$(shape crn.pem)" "$(shape rn.pem)" "renewca: the certificate cfssl makes"
"$KILN" gencert -renewca -ca gki.pem -ca-key gki-key.pem -out rno
assert_eq "644 no" "$(mode rno.pem) $([ -e rno-key.pem ] && echo yes || echo no)" "renewca -out"
# An OpenSSL CA: no keyUsage, an emailAddress, a CRL distribution point.
# cfssl would drop the emailAddress; kiln keeps the subject as it is.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ossl-key.pem -out ossl.pem -days 30 \
    -subj "/C=US/O=Example/CN=OpenSSL CA/emailAddress=ca@example.com" \
    -addext "crlDistributionPoints=URI:http://crl.example/ca.crl" 2>/dev/null
"$KILN" gencert -ca ossl.pem -ca-key ossl-key.pem req.json | "$KILN" json -bare oleaf
run orn "$KILN" gencert -renewca -ca ossl.pem -ca-key ossl-key.pem
assert_eq 0 "$rc" "renewca OpenSSL CA: status"
assert_eq "kiln: gencert: ossl.pem: extension 2.5.29.31 not carried over" "$(cat orn.err)" \
    "renewca OpenSSL CA: the CRL distribution point reported"
pem orn.out cert orn.pem
assert_eq "$(subject_hex ossl.pem)" "$(subject_hex orn.pem)" "renewca OpenSSL CA: subject bytes"
assert_contains "$(x509text orn.pem)" "Certificate Sign, CRL Sign" "renewca OpenSSL CA: cfssl's key usage"
assert_eq $((30 * 86400)) "$(lifetime orn.pem)" "renewca OpenSSL CA: lifetime"
openssl verify -x509_strict -CAfile orn.pem oleaf.pem >/dev/null ||
    fail "renewca OpenSSL CA: its leaf does not verify"
ok
run rnk "$KILN" gencert -renewca -ca gki.pem -ca-key gk-key.pem
expect_fail 1 "kiln: gencert: gk-key.pem: does not match the CA certificate gki.pem" rnk
run rnl "$KILN" gencert -renewca -ca leaf.pem -ca-key leaf-key.pem
expect_fail 1 "kiln: gencert: leaf.pem: not a CA certificate (basicConstraints CA:FALSE)" rnl
run rnm "$KILN" gencert -renewca -ca gki.pem
expect_fail 2 "kiln: gencert: -renewca needs -ca and -ca-key" rnm
run rno "$KILN" gencert -renewca -ca gki.pem -ca-key gki-key.pem req.json
expect_fail 2 "kiln: gencert: -renewca takes no CSR JSON file" rno

finish
