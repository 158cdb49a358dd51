# Throwaway P-256 CAs and leaves made by openssl, for the TLS tests
# (serve_http.sh, serve_tls.sh); sourced after lib.sh, run in $T.
# mkca NAME: NAME.pem, a CA, and NAME-key.pem.
mkca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1-key.pem" -out "$1.pem" -subj "/CN=$1" -days 2 \
	    -addext basicConstraints=critical,CA:true \
	    -addext keyUsage=critical,keyCertSign 2>/dev/null
}
# mkleaf NAME CA EKU [EXTRA]: NAME.pem (CN=NAME, extendedKeyUsage EKU,
# the extension line EXTRA, such as a subjectAltName) from CA, and
# NAME-key.pem.
mkleaf() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1-key.pem" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
	printf 'extendedKeyUsage=%s\n%s\n' "$3" "${4-}" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2-key.pem" \
	    -CAcreateserial -days 2 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
