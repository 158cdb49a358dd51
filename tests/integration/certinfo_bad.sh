#!/bin/sh
# kiln-certinfo on input that is not what it should be: random bytes, empty,
# truncated and corrupted certificates, other PEM types, 10 MB files, paths
# that are no files.  Each must give exit status 1, nothing on stdout and one
# line on stderr, both from kiln-certinfo and from its AddressSanitizer and
# UBSan build, where a memory error or a leak gives another exit status.
# Then a mutated certificate, byte by byte: either JSON or that error.
. "$(dirname "$0")/lib.sh"

CI=$BIN/kiln-certinfo
CIA=$BIN/kiln-certinfo-asan
CNF=$DATA/certinfo/openssl.cnf
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
UBSAN_OPTIONS=halt_on_error=1:exitcode=87:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS

# die MESSAGE: fail, keeping the inputs (some are random) for a rerun.
die() {
	keep=$(mktemp -d "${TMPDIR:-/tmp}/certinfo_bad.XXXXXX")
	cp -R in "$keep"/
	fail "$* (inputs kept in $keep/in)"
}

# run BINARY ARGS...: status in $st, output in out and err; stdin from
# $STDIN (default /dev/null).
run() {
	st=0
	"$@" <"${STDIN:-/dev/null}" >out 2>err || st=$?
}

# one_line FILE: FILE is one line, ending with a newline.
one_line() {
	[ "$(wc -l <"$1")" = 1 ] && [ "$(awk 'END { print NR }' "$1")" = 1 ]
}

# bad WHAT ARGS...: both binaries reject ARGS as the contract says.
bad() {
	what=$1
	shift
	for b in "$CI" "$CIA"; do
		run "$b" "$@"
		[ "$st" = 1 ] ||
		    die "$what: $(basename "$b") exit $st, want 1: $(head -c 3000 err)"
		[ ! -s out ] || die "$what: $(basename "$b") stdout: $(head -c 200 out)"
		one_line err ||
		    die "$what: $(basename "$b") stderr is not one line: $(head -c 3000 err)"
		case $(cat err) in
		"kiln-certinfo: "* | "kiln-certinfo-asan: "*) ok ;;
		*) die "$what: $(basename "$b") stderr: $(cat err)" ;;
		esac
	done
}

# good WHAT ARGS...: both binaries accept ARGS, with the same valid JSON.
good() {
	what=$1
	shift
	run "$CIA" "$@"
	[ "$st" = 0 ] || die "$what: kiln-certinfo-asan exit $st: $(head -c 3000 err)"
	[ ! -s err ] || die "$what: kiln-certinfo-asan stderr: $(head -c 3000 err)"
	jq -e 'type == "object" or type == "array"' out >/dev/null ||
	    die "$what: kiln-certinfo-asan: not JSON: $(head -c 300 out)"
	mv out asan.json
	run "$CI" "$@"
	[ "$st" = 0 ] || die "$what: kiln-certinfo exit $st: $(cat err)"
	# days_remaining counts from each run's clock: a second apart, on a
	# certificate made this second, it can differ by one.
	jq 'walk(if type == "object" then del(.days_remaining) else . end)' out >out.cmp
	jq 'walk(if type == "object" then del(.days_remaining) else . end)' asan.json >asan.cmp
	cmp -s out.cmp asan.cmp || die "$what: kiln-certinfo and its ASan build differ"
	ok
}

# either WHAT FILE: FILE is rejected as bad() says or shown as one JSON
# object; never a sanitizer report.
either() {
	for b in "$CI" "$CIA"; do
		run "$b" -cert "$2"
		case $st in
		0)
			shown=$((shown + 1))
			[ ! -s err ] || die "$1: $(basename "$b") stderr: $(head -c 3000 err)"
			jq -e 'type == "object"' out >/dev/null ||
			    die "$1: $(basename "$b"): not a JSON object"
			;;
		1)
			rejected=$((rejected + 1))
			[ ! -s out ] && one_line err ||
			    die "$1: $(basename "$b"): stdout or stderr: $(head -c 3000 err)"
			;;
		*) die "$1: $(basename "$b") exit $st: $(head -c 3000 err)" ;;
		esac
		ok
	done
}

# pem FILE LABEL: FILE's bytes as a PEM block.
pem() {
	echo "-----BEGIN $2-----"
	openssl base64 -in "$1"
	echo "-----END $2-----"
}

# poke FILE OFFSET HEX: set one byte of FILE.
poke() {
	printf "\\$(printf %o "0x$3")" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# seeded N SEED: N pseudo-random bytes, the same for the same SEED.
seeded() {
	head -c "$1" /dev/zero | openssl enc -aes-128-ctr -nosalt \
	    -K "$(printf '%032x' "$2")" -iv "$(printf '%032x' 0)"
}

mkdir in dir
openssl ecparam -name prime256v1 -genkey -noout -out in/ec.key
openssl ecparam -name prime256v1 -genkey -noout -out in/other.key
openssl pkcs8 -topk8 -nocrypt -in in/ec.key -out in/pkcs8.key
openssl req -new -x509 -config "$CNF" -extensions leaf -key in/ec.key \
    -subj "/O=kiln test/CN=certinfo bad" -days 30 -out in/cert.pem
openssl x509 -in in/cert.pem -outform der -out in/cert.der
openssl req -new -config "$CNF" -key in/ec.key -subj "/CN=a request" -out in/req.csr
openssl req -in in/req.csr -outform der -out in/req.der

# ---- the valid inputs, through the ASan build too --------------------------
good "certificate" -cert in/cert.pem
good "DER certificate" -cert in/cert.der
STDIN=in/cert.pem
good "certificate on stdin" -cert -
STDIN=
good "the system bundle" -cert /etc/ssl/certs/ca-certificates.crt
good "CSR" -csr in/req.csr
good "key" -key in/ec.key
good "certificate and its key" -cert in/cert.pem -key in/ec.key

# ---- garbage --------------------------------------------------------------
head -c 4096 /dev/urandom >in/urandom.bin
bad "4096 random bytes" -cert in/urandom.bin
STDIN=in/urandom.bin
bad "random bytes on stdin" -cert -
STDIN=
for seed in 1 2 3 4 5; do
	seeded 4096 "$seed" >in/seed$seed.bin
	bad "4096 bytes, seed $seed" -cert in/seed$seed.bin
done
# Random bytes behind a DER SEQUENCE header, and as a PEM block.
{ printf '\060\202\017\374'; seeded 4092 6; } >in/seq.bin
bad "random DER SEQUENCE" -cert in/seq.bin
seeded 3000 7 >in/r7.bin
pem in/r7.bin CERTIFICATE >in/random.pem
bad "random bytes in a PEM block" -cert in/random.pem
: >in/empty
bad "empty file" -cert in/empty
STDIN=in/empty
bad "empty stdin" -cert -
STDIN=
printf '%s\n%s\n' '-----BEGIN CERTIFICATE-----' '-----END CERTIFICATE-----' >in/empty.pem
bad "empty PEM block" -cert in/empty.pem
printf '%s\n' '-----BEGIN CERTIFICATE-----' 'MIIB!!!not base64' \
    '-----END CERTIFICATE-----' >in/badb64.pem
bad "PEM block with bad base64" -cert in/badb64.pem

# ---- broken certificates --------------------------------------------------
size=$(wc -c <in/cert.pem)
head -c $((size / 2)) in/cert.pem >in/cut.pem
bad "PEM cut in the middle of the base64" -cert in/cut.pem
head -n -1 in/cert.pem >in/noend.pem
bad "PEM without its END line" -cert in/noend.pem
der=$(wc -c <in/cert.der)
for len in 1 2 4 10 $((der / 3)) $((der / 2)) $((der - 70)) $((der - 1)); do
	head -c "$len" in/cert.der >in/short.der
	bad "DER cut to $len of $der bytes" -cert in/short.der
	pem in/short.der CERTIFICATE >in/short.pem
	bad "PEM of DER cut to $len bytes" -cert in/short.pem
done
# Length bytes: the certificate's (30 82 HH LL), then its TBS's.
for at in 2 3 6 7; do
	for v in 00 7f ff; do
		cp in/cert.der in/len.der
		poke in/len.der "$at" "$v"
		cmp -s in/len.der in/cert.der && continue
		pem in/len.der CERTIFICATE >in/len.pem
		bad "length byte $at set to 0x$v" -cert in/len.pem
	done
done
bad "a CSR as -cert" -cert in/req.csr
bad "a DER CSR as -cert" -cert in/req.der
bad "an EC private key as -cert" -cert in/ec.key
bad "a PKCS#8 private key as -cert" -cert in/pkcs8.key

# ---- big files, not files --------------------------------------------------
{
	echo '-----BEGIN CERTIFICATE-----'
	head -c 10485760 /dev/zero | tr '\0' A
	echo
	echo '-----END CERTIFICATE-----'
} >in/big.pem
bad "10 MB of A in a PEM block" -cert in/big.pem
head -c 10485760 /dev/zero >in/zeros.bin
bad "10 MB of zeros" -cert in/zeros.bin
rm in/big.pem in/zeros.bin
bad "a nonexistent file" -cert "$T/in/no-such-file.pem"
bad "a directory" -cert dir

# ---- the other inputs -----------------------------------------------------
bad "a certificate as -csr" -csr in/cert.pem
bad "random bytes as -csr" -csr in/seed1.bin
bad "random bytes as -key" -key in/seed2.bin
bad "a certificate as -key" -key in/cert.pem
bad "another key with -cert" -cert in/cert.pem -key in/other.key

# ---- mutants: every byte of the DER, three ways -----------------------------
i=0 shown=0 rejected=0
while [ "$i" -lt "$der" ]; do
	cp in/cert.der in/mut.der
	case $((i % 3)) in
	0) v=00 ;;
	1) v=ff ;;
	*) v=80 ;;
	esac
	poke in/mut.der "$i" "$v"
	either "byte $i set to 0x$v" in/mut.der
	i=$((i + 5))
done
echo "mutants of a $der-byte certificate: $shown shown, $rejected rejected"
finish
