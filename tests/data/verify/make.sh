#!/bin/sh
# make.sh BUILD_DIR: remake the fixtures of tests/unit/test_verify.c here,
# with kiln (ECDSA P-256) and, for what kiln will not write, openssl.
# The unit tests judge the leaves' dates at a fixed "now", VERIFY_NOW
# (2027-01-01): fixtures made later need it moved into their ten years.
set -eu
K=$(cd "$1" && pwd)/kiln
cd "$(dirname "$0")"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

cat >"$T/config.json" <<'JSON'
{"signing": {"default": {"expiry": "87600h"}, "profiles": {
  "server": {"expiry": "87600h", "usages": ["signing", "key encipherment", "server auth"]},
  "peer":   {"expiry": "87600h", "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "client": {"expiry": "87600h", "usages": ["signing", "key encipherment", "client auth"]},
  "noeku":  {"expiry": "87600h", "usages": ["signing", "key encipherment"]},
  "any":    {"expiry": "87600h", "usages": ["signing", "key encipherment", "any"]},
  "expired": {"expiry": "1h", "usages": ["server auth", "client auth"],
    "not_before": "2020-01-01T00:00:00Z", "not_after": "2020-02-01T00:00:00Z"},
  "future": {"expiry": "1h", "usages": ["server auth", "client auth"],
    "not_before": "2030-01-01T00:00:00Z", "not_after": "2031-01-01T00:00:00Z"},
  "inter":  {"expiry": "87600h", "usages": ["cert sign", "crl sign"],
    "ca_constraint": {"is_ca": true}},
  "inter-expired": {"expiry": "1h", "usages": ["cert sign", "crl sign"],
    "ca_constraint": {"is_ca": true},
    "not_before": "2020-01-01T00:00:00Z", "not_after": "2020-02-01T00:00:00Z"},
  "inter-server": {"expiry": "87600h", "usages": ["cert sign", "crl sign", "server auth"],
    "ca_constraint": {"is_ca": true}},
  "ca-expired": {"expiry": "1h", "usages": ["cert sign", "crl sign"],
    "ca_constraint": {"is_ca": true},
    "not_before": "2020-01-01T00:00:00Z", "not_after": "2020-02-01T00:00:00Z"}}}}
JSON
cat >"$T/ca.json" <<'JSON'
{"CN": "verify CA", "key": {"algo": "ecdsa", "size": 256}}
JSON
cat >"$T/other-ca.json" <<'JSON'
{"CN": "other CA", "key": {"algo": "ecdsa", "size": 256}}
JSON
cat >"$T/inter.json" <<'JSON'
{"CN": "verify intermediate", "key": {"algo": "ecdsa", "size": 256}}
JSON
cat >"$T/member.json" <<'JSON'
{"CN": "etcd-1", "key": {"algo": "ecdsa", "size": 256},
 "hosts": ["etcd-1.example.com", "*.etcd.example.com", "192.168.66.31", "::1", "127.0.0.1"]}
JSON

"$K" gencert -initca "$T/ca.json" | "$K" json -bare ca
"$K" gencert -initca "$T/other-ca.json" | "$K" json -bare "$T/other-ca"
cp "$T/other-ca.pem" other-ca.pem
for p in server peer client noeku any expired future; do
	"$K" gencert -ca ca.pem -ca-key ca-key.pem -config "$T/config.json" \
	    -profile $p "$T/member.json" | "$K" json -bare $p
done
"$K" gencert -ca "$T/other-ca.pem" -ca-key "$T/other-ca-key.pem" \
    -config "$T/config.json" -profile peer "$T/member.json" | "$K" json -bare foreign
# Leaves under an intermediate, each file the leaf then the intermediate.
for i in inter inter-expired inter-server; do
	"$K" gencert -ca ca.pem -ca-key ca-key.pem -config "$T/config.json" \
	    -profile $i "$T/inter.json" | "$K" json -bare "$T/$i"
	"$K" gencert -ca "$T/$i.pem" -ca-key "$T/$i-key.pem" \
	    -config "$T/config.json" -profile peer "$T/member.json" |
	    "$K" json -bare "$T/leaf-$i"
	cat "$T/leaf-$i.pem" "$T/$i.pem" >"$i-bundle.pem"
done
# The CA again, same subject and key, but expired.
cp ca.pem expired-ca.pem
"$K" renew -ca ca.pem -ca-key ca-key.pem -config "$T/config.json" \
    -profile ca-expired expired-ca.pem >/dev/null
# What kiln does not write: an IPv4-mapped IPv6 SAN kept as 16 bytes (Go
# and kiln write 4), and an extended key usage of an unknown OID alone.
openssl ecparam -name prime256v1 -genkey -noout -out "$T/o-key.pem"
openssl req -new -key "$T/o-key.pem" -subj /CN=openssl -out "$T/o.csr"
printf '%s\n' 'subjectAltName = IP:::ffff:10.0.0.1, DNS:Etcd-2.Example.COM' \
    'extendedKeyUsage = serverAuth, clientAuth' >"$T/mapped.ext"
printf '%s\n' 'extendedKeyUsage = 1.2.3.4' >"$T/oid.ext"
# Signed with SHA-1 (Go refuses it), and an Ed25519 key (mbedTLS has no
# EdDSA: the key cannot be compared).
printf '%s\n' 'extendedKeyUsage = serverAuth, clientAuth' >"$T/sha1.ext"
cp "$T/sha1.ext" "$T/ed25519.ext"
openssl genpkey -algorithm ed25519 -out "$T/ed-key.pem"
openssl req -new -key "$T/ed-key.pem" -subj /CN=ed25519 -out "$T/ed.csr"
for e in mapped oid sha1 ed25519; do
	csr=$T/o.csr md=-sha256
	[ $e != ed25519 ] || csr=$T/ed.csr
	[ $e != sha1 ] || md=-sha1
	openssl x509 -req -in "$csr" -CA ca.pem -CAkey ca-key.pem $md \
	    -set_serial "$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')" \
	    -days 3650 -extfile "$T/$e.ext" -out $e.pem 2>/dev/null
done
# Keys: the peer's, and the server's as one that does not belong to it.
rm -f ./*.csr any-key.pem ca-key.pem client-key.pem expired-key.pem \
    foreign-key.pem future-key.pem noeku-key.pem
