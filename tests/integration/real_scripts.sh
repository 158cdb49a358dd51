#!/bin/sh
# A real cfssl script run verbatim (issue 14): tests/data/real_scripts/
# gencerts.sh, written in the shape of etcd's tests/fixtures/gencerts.sh
# (bash, pipefail, the serial to revoke grepped from cfssl's stderr
# "[INFO] signed certificate with serial number N", cfssl gencrl), run
# once with kiln's cfssl and cfssljson first on PATH and once with
# Debian's cfssl 1.2.0.  Both complete, write the same files, log the
# serial the same way (decimal, the revoked certificate's), and their CRL
# lists it (openssl crl -text).  kiln's CRL also verifies against its CA.
. "$(dirname "$0")/lib.sh"

command -v bash >/dev/null || fail "bash is not installed"
[ -x /usr/bin/cfssl ] && [ -x /usr/bin/cfssljson ] ||
    fail "Debian's cfssl is not installed (scripts/setup-debian.sh)"

# run WHO BINDIR: the script in WHO/ with BINDIR first on PATH.
run() {
	mkdir "$1"
	cp "$DATA"/real_scripts/* "$1"/
	set +e
	(cd "$1" && PATH="$2:$PATH" bash ./gencerts.sh >../"$1".out 2>../"$1".err)
	status=$?
	set -e
	assert_eq 0 "$status" "$1: gencerts.sh completes ($(cat "$1".err))"
}

# kiln: the build folder holds the cfssl and cfssljson links.
[ -L "$BIN"/cfssl ] && [ -L "$BIN"/cfssljson ] || fail "no cfssl links in $BIN"
run kiln "$BIN"
# Debian's cfssl: a folder of links, so nothing of kiln's is on PATH first.
mkdir debian-bin
ln -s /usr/bin/cfssl debian-bin/cfssl
ln -s /usr/bin/cfssljson debian-bin/cfssljson
run cfssl "$T"/debian-bin

# The same files, and the same subjects and SANs in them.
assert_eq "$(cd cfssl && ls | sort)" "$(cd kiln && ls | sort)" "the same files"
for c in server server-serverusage client-clientusage client-nocn server-ecdsa \
    server-ipv6 server-wildcard server-revoked; do
	for who in kiln cfssl; do
		openssl x509 -in $who/$c.crt -noout -subject -ext subjectAltName,extendedKeyUsage \
		    >$who-$c.txt 2>&1
		openssl verify -CAfile $who/ca.crt $who/$c.crt >/dev/null ||
		    fail "$who: $c.crt does not verify"
	done
	assert_eq "$(cat cfssl-$c.txt)" "$(cat kiln-$c.txt)" "$c.crt: subject, SANs, usages"
done
assert_eq "$(cat cfssl/ca.subject)" "$(cat kiln/ca.subject)" "the CA's subject"

# The serial: decimal in the log line, the revoked certificate's, in the CRL.
for who in kiln cfssl; do
	serial=$(cat $who/revoked.serial)
	case $serial in
	'' | *[!0-9]*) fail "$who: the logged serial is not decimal: [$serial]" ;;
	esac
	hex=$(openssl x509 -in $who/server-revoked.crt -noout -serial | sed 's/serial=//')
	# bc writes no leading zero; openssl an even number of digits.
	assert_eq "$(echo "$hex" | sed 's/^0*//')" "$(echo "obase=16; $serial" | BC_LINE_LENGTH=0 bc)" \
	    "$who: the logged serial is the revoked certificate's"
	crl=$(openssl crl -inform DER -in $who/revoke.crl -noout -text)
	assert_contains "$crl" "Serial Number: $hex" "$who: the CRL lists the revoked serial"
	assert_eq 1 "$(echo "$crl" | grep -c 'Serial Number:')" "$who: one revoked serial"
done
# kiln's CRL issuer is its CA's subject bytes (kiln(1)): openssl matches it.
assert_contains "$(openssl crl -inform DER -in kiln/revoke.crl -noout -CAfile kiln/ca.crt 2>&1)" \
    "verify OK" "kiln: the CRL verifies against its CA"
finish
