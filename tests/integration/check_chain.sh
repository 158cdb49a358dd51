#!/bin/sh
# kiln check -ca on bundles: a chain CA > intermediate 1 > intermediate 2
# > leaf in every order of the bundle (issuers found by name, so the order
# does not matter: leaf first with its issuers after it in the reverse
# order failed before), the leaf before its intermediate and the CA, and a
# bundle of 500 certificates (100 copies of five, in a mixed order) whose
# statuses are each certificate's own.  Not timed.
. "$(dirname "$0")/lib.sh"

ossl_ca_init copy
cat >>ca.cnf <<'EOF'
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
authorityKeyIdentifier = keyid
EOF

# cert NAME ISSUER EXT [OPENSSL-CA-ARGS...]: NAME.pem, CN NAME, P-256.
cert() {
	n=$1
	issuer=$2
	ext=$3
	shift 3
	openssl ecparam -name prime256v1 -genkey -noout -out "$n-key.pem"
	openssl req -new -key "$n-key.pem" -subj "/CN=$n" -out "$n.csr"
	if [ "$issuer" = self ]; then
		openssl ca -batch -config ca.cnf -selfsign -keyfile "$n-key.pem" \
		    -in "$n.csr" -extensions "$ext" -notext -out "$n.pem" \
		    "$@" 2>/dev/null
	else
		openssl ca -batch -config ca.cnf -cert "$issuer.pem" \
		    -keyfile "$issuer-key.pem" -in "$n.csr" -extensions "$ext" \
		    -notext -out "$n.pem" "$@" 2>/dev/null
	fi
}
cert root self ca_ext -days 3650
cert int1 root ca_ext -days 3650
cert int2 int1 ca_ext -days 3650
cert leaf int2 leaf_ext -days 365
cert short int1 leaf_ext -days 365
cert old root leaf_ext -startdate 20200101000000Z -enddate 20210101000000Z
cert other self ca_ext -days 3650
cert foreign other leaf_ext -days 365
openssl verify -CAfile root.pem -untrusted int1.pem -untrusted int2.pem \
    leaf.pem >/dev/null || fail "openssl: the chain does not verify"

# statuses FILE: "CN=status" of each certificate, in file order.
statuses() {
	"$KILN" check -ca root.pem -format json "$1" |
	    jq -r '[.certificates[] | "\(.subject_cn)=\(.status)"] | join(" ")'
}

# Every order of leaf, int1 and int2: all three chain to root.
for order in "leaf int1 int2" "leaf int2 int1" "int1 leaf int2" \
    "int1 int2 leaf" "int2 leaf int1" "int2 int1 leaf"; do
	: >bundle.pem
	for n in $order; do cat "$n.pem" >>bundle.pem; done
	want=
	for n in $order; do want="$want $n=ok"; done
	assert_eq "${want# }" "$(statuses bundle.pem)" "order $order"
done

# The leaf before its intermediate and the CA.
cat short.pem int1.pem root.pem >short-first.pem
assert_eq "short=ok int1=ok root=ok" "$(statuses short-first.pem)" \
    "leaf, intermediate, CA"
rc=0
"$KILN" check -ca root.pem short-first.pem >/dev/null 2>&1 || rc=$?
assert_eq 0 "$rc" "leaf, intermediate, CA: exit"

# Without its intermediate the leaf does not chain, and says why.
cat leaf.pem int1.pem >no-int2.pem
assert_eq "leaf=untrusted int1=ok" "$(statuses no-int2.pem)" \
    "intermediate missing"
assert_eq "not issued by the CA given: its authority key identifier is $(keyid leaf.pem authorityKeyIdentifier), the CA's subject key identifier is $(keyid root.pem subjectKeyIdentifier)" \
    "$("$KILN" check -ca root.pem -format json no-int2.pem |
        jq -r '.certificates[0].reason')" "intermediate missing: reason"

# 500 certificates: 100 rounds of five, the order turning each round.
: >many.pem
i=0
while [ $i -lt 100 ]; do
	case $((i % 5)) in
	0) set -- leaf foreign old int2 int1 ;;
	1) set -- int1 leaf int2 old foreign ;;
	2) set -- foreign int2 int1 leaf old ;;
	3) set -- old int1 foreign int2 leaf ;;
	*) set -- int2 old leaf foreign int1 ;;
	esac
	for n; do cat "$n.pem" >>many.pem; done
	i=$((i + 1))
done
"$KILN" check -ca root.pem -format json many.pem >many.json || :
assert_eq 500 "$(jq '.certificates | length' many.json)" "500: count"
assert_eq "foreign=100 int1=100 int2=100 leaf=100 old=100" \
    "$(jq -r '[.certificates[] | .subject_cn] | group_by(.) |
        map("\(.[0])=\(length)") | join(" ")' many.json)" "500: names"
assert_eq "foreign:untrusted int1:ok int2:ok leaf:ok old:expired" \
    "$(jq -r '[.certificates[] | "\(.subject_cn):\(.status)"] | unique |
        join(" ")' many.json)" "500: each certificate's own status"
assert_eq 2 "$(jq -r .exit many.json)" "500: exit"

finish
