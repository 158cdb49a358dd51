#!/bin/sh
# verify.sh BUILD_DIR DATA_DIR
#
# kiln verify: would etcd accept this certificate in this role, for these
# hosts, with this key?  On certificates kiln makes here (ECDSA P-256):
#  1. the role's usages: a peer certificate without client auth fails
#     -role peer, one with both passes; a server certificate without client
#     auth fails -role server; -role client wants client auth;
#  2. -host: IP addresses (IPv6 compared as addresses), DNS names and a
#     wildcard SAN (one label deep only), comma lists and repeated -host;
#  3. dates (expired, not yet valid), another CA, an intermediate from the
#     file, -key; several problems give several lines;
#  4. a `kiln etcd` tree: each member's certificates for its own address;
#  5. usage errors exit 2, unreadable files exit 1 with one line;
#  6. where Go (etcd) decides otherwise than kiln verify: every difference
#     is listed before the test fails.
# The lines kiln verify prints are compared exactly.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
command -v jq >/dev/null 2>&1 || fail "jq is not installed"


# verify WANT_STATUS WANT_STDOUT WHAT ARGS...: kiln verify ARGS, its status,
# its whole standard output, and nothing on its standard error.
verify() {
	want_rc=$1 want_out=$2 what=$3
	shift 3
	run v "$KILN" verify "$@"
	assert_eq "$want_out" "$(cat v.out)" "$what: stdout"
	assert_eq "$want_rc" "$rc" "$what: status"
	assert_eq "" "$(cat v.err)" "$what: stderr"
}

# The sentences of src/inspect/verify.c.
GO_DATES='etcd refuses it with "x509: certificate has expired or is not yet valid"'
INCOMPATIBLE='"x509: certificate specifies an incompatible key usage"'
PEER_NO_CLIENT="no client auth usage: etcd peers refuse it with \"bad certificate\" (and log $INCOMPATIBLE)"
PEER_NO_SERVER="no server auth usage: peers connecting to this member refuse it with $INCOMPATIBLE"
SERVER_NO_CLIENT='no client auth usage: etcd also dials with its server certificate (the gRPC gateway, client-cert-auth), and those connections fail with "bad certificate"'
SERVER_NO_SERVER="no server auth usage: etcd's clients refuse it with $INCOMPATIBLE"
CLIENT_NO_CLIENT="no client auth usage: etcd refuses it with \"bad certificate\" (and logs $INCOMPATIBLE)"
KEY_MISMATCH='the private key given does not belong to it: etcd fails to start with "tls: private key does not match public key"'
PEER_ADDRESS="; a peer's connections come from an address that must be there"
SANS='etcd-1.example.com, *.etcd.example.com, 192.168.66.31, ::1, 127.0.0.1'
# no_san HOST [SUFFIX]: the line for a host the member certificates lack.
no_san() {
	echo "no SAN for $1 (it has: $SANS): etcd logs \"x509: certificate is valid for ..., not $1\"${2:-}"
}
# foreign ISSUER_CN CERT CA: the line for CERT, not issued by CA; the key
# identifiers (as openssl prints them) tell two CAs of one name apart.
foreign() {
	echo "not issued by the CA given (its issuer is \"$1\"; its authority key identifier is $(keyid "$2" authorityKeyIdentifier), the CA's subject key identifier is $(keyid "$3" subjectKeyIdentifier)): etcd refuses it with \"x509: certificate signed by unknown authority\""
}

# A CA, another CA, and certificates of every kind for one member.
cat >ca-config.json <<'EOF'
{"signing": {"default": {"expiry": "87600h"}, "profiles": {
  "server":  {"expiry": "87600h", "usages": ["signing", "key encipherment", "server auth"]},
  "peer":    {"expiry": "87600h", "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "client":  {"expiry": "87600h", "usages": ["signing", "key encipherment", "client auth"]},
  "expired": {"expiry": "1h", "usages": ["signing", "key encipherment", "server auth", "client auth"],
              "not_before": "2020-01-01T00:00:00Z", "not_after": "2020-02-01T00:00:00Z"},
  "future":  {"expiry": "1h", "usages": ["signing", "key encipherment", "server auth", "client auth"],
              "not_before": "2090-01-01T00:00:00Z", "not_after": "2091-01-01T00:00:00Z"},
  "inter":   {"expiry": "87600h", "usages": ["cert sign", "crl sign"], "ca_constraint": {"is_ca": true}},
  "inter-expired": {"expiry": "1h", "usages": ["cert sign", "crl sign"], "ca_constraint": {"is_ca": true},
              "not_before": "2020-01-01T00:00:00Z", "not_after": "2020-02-01T00:00:00Z"},
  "inter-server": {"expiry": "87600h", "usages": ["cert sign", "crl sign", "server auth"],
              "ca_constraint": {"is_ca": true}},
  "ca-expired": {"expiry": "1h", "usages": ["cert sign", "crl sign"], "ca_constraint": {"is_ca": true},
              "not_before": "2020-01-01T00:00:00Z", "not_after": "2020-02-01T00:00:00Z"}}}}
EOF
cat >ca-csr.json <<'EOF'
{"CN": "etcd CA", "key": {"algo": "ecdsa", "size": 256}}
EOF
cat >other-csr.json <<'EOF'
{"CN": "other CA", "key": {"algo": "ecdsa", "size": 256}}
EOF
cat >inter-csr.json <<'EOF'
{"CN": "etcd intermediate", "key": {"algo": "ecdsa", "size": 256}}
EOF
cat >member-csr.json <<'EOF'
{"CN": "etcd-1", "key": {"algo": "ecdsa", "size": 256},
 "hosts": ["etcd-1.example.com", "*.etcd.example.com", "192.168.66.31", "::1", "127.0.0.1"]}
EOF
"$KILN" gencert -initca ca-csr.json | "$BIN"/cfssljson -bare ca
"$KILN" gencert -initca other-csr.json | "$BIN"/cfssljson -bare other
# sign CA PROFILE CSR NAME
sign() {
	"$KILN" gencert -ca "$1.pem" -ca-key "$1-key.pem" -config ca-config.json \
	    -profile "$2" "$3" | "$BIN"/cfssljson -bare "$4"
}
for p in server peer client expired future; do
	sign ca $p member-csr.json $p
done
sign other peer member-csr.json foreign

# 1. Usages.
verify 1 "server.pem: $PEER_NO_CLIENT" "peer without client auth" \
    -ca ca.pem -role peer server.pem
verify 1 "client.pem: $PEER_NO_SERVER" "peer without server auth" \
    -ca ca.pem -role peer client.pem
verify 0 "peer.pem: OK" "peer with both usages" -ca ca.pem -role peer peer.pem
verify 1 "server.pem: $SERVER_NO_CLIENT" "server without client auth" \
    -ca ca.pem -role server server.pem
verify 1 "client.pem: $SERVER_NO_SERVER" "server without server auth" \
    -ca ca.pem -role server client.pem
verify 0 "peer.pem: OK" "server with both usages" -ca ca.pem -role server peer.pem
verify 0 "peer.pem: OK" "client on server+client" -ca ca.pem -role client peer.pem
verify 0 "client.pem: OK" "client on client" -ca ca.pem -role client client.pem
verify 1 "server.pem: $CLIENT_NO_CLIENT" "client without client auth" \
    -ca ca.pem -role client server.pem
verify 0 "server.pem: OK" "no -role: no usage checked" -ca ca.pem server.pem

# 2. Hosts.
verify 0 "peer.pem: OK" "the member's IP" -ca ca.pem -role peer -host 192.168.66.31 peer.pem
verify 1 "peer.pem: $(no_san 192.168.66.32 "$PEER_ADDRESS")" "another IP, peer" \
    -ca ca.pem -role peer -host 192.168.66.32 peer.pem
verify 1 "peer.pem: $(no_san 192.168.66.32)" "another IP, server" \
    -ca ca.pem -role server -host 192.168.66.32 peer.pem
verify 0 "peer.pem: OK" "DNS name, any case" -ca ca.pem -host ETCD-1.Example.COM peer.pem
verify 0 "peer.pem: OK" "wildcard SAN" -ca ca.pem -host etcd-7.etcd.example.com peer.pem
verify 1 "peer.pem: $(no_san a.b.etcd.example.com)" "wildcard: one label only" \
    -ca ca.pem -host a.b.etcd.example.com peer.pem
verify 1 "peer.pem: $(no_san etcd.example.com)" "wildcard: not the parent" \
    -ca ca.pem -host etcd.example.com peer.pem
verify 1 "peer.pem: $(no_san localhost)" "a name is not resolved" \
    -ca ca.pem -host localhost peer.pem
verify 0 "peer.pem: OK" "IPv6 as an address" -ca ca.pem -host 0:0::1 peer.pem
verify 0 "peer.pem: OK" "IPv6 written in full" -ca ca.pem -host 0:0:0:0:0:0:0:1 peer.pem
verify 1 "peer.pem: $(no_san ::2 "$PEER_ADDRESS")" "another IPv6 address" \
    -ca ca.pem -role peer -host ::2 peer.pem
verify 0 "peer.pem: OK" "comma list" \
    -ca ca.pem -role peer -host 192.168.66.31,127.0.0.1,::1,etcd-1.example.com peer.pem
verify 0 "peer.pem: OK" "repeated -host" \
    -ca ca.pem -role peer -host 192.168.66.31 -host ::1 -host=x.etcd.example.com peer.pem
verify 1 "peer.pem: $(no_san 10.0.0.1 "$PEER_ADDRESS")
peer.pem: $(no_san etcd-2.example.com)" "each missing host, in order" \
    -ca ca.pem -role peer -host 127.0.0.1,10.0.0.1 -host etcd-2.example.com -host ::1 peer.pem

# 3. Dates, the chain, the key.
verify 1 "expired.pem: expired on 2020-02-01T00:00:00Z: $GO_DATES (the other side logs \"bad certificate\")" \
    "expired" -ca ca.pem expired.pem
verify 1 "future.pem: not valid until 2090-01-01T00:00:00Z: $GO_DATES" \
    "not yet valid" -ca ca.pem future.pem
verify 1 "foreign.pem: $(foreign "other CA" foreign.pem ca.pem)" "another CA" -ca ca.pem foreign.pem
verify 0 "foreign.pem: OK" "its own CA" -ca other.pem foreign.pem
cat ca.pem other.pem >both-cas.pem
verify 0 "foreign.pem: OK" "-ca with two CAs" -ca both-cas.pem foreign.pem
verify 0 "peer.pem: OK" "its key" -ca ca.pem -key peer-key.pem peer.pem
verify 1 "peer.pem: $KEY_MISMATCH" "another key" -ca ca.pem -key server-key.pem peer.pem
openssl pkcs8 -topk8 -nocrypt -in peer-key.pem -out peer-key-pkcs8.pem
verify 0 "peer.pem: OK" "its key, PKCS#8" -ca ca.pem -key peer-key-pkcs8.pem peer.pem
# Every problem, one line each: dates, chain, usages, hosts, key.
verify 1 "server.pem: $(foreign "etcd CA" server.pem other.pem)
server.pem: $PEER_NO_CLIENT
server.pem: $(no_san 10.0.0.1 "$PEER_ADDRESS")
server.pem: $KEY_MISMATCH" "every problem" \
    -ca other.pem -role peer -host 10.0.0.1 -key peer-key.pem server.pem
# The certificates after the first are intermediates.
sign ca inter inter-csr.json inter
sign inter peer member-csr.json leaf
cat leaf.pem inter.pem >leaf-bundle.pem
verify 0 "leaf-bundle.pem: OK" "leaf + intermediate" -ca ca.pem -role peer leaf-bundle.pem
verify 1 "leaf.pem: $(foreign "etcd intermediate" leaf.pem ca.pem)" "leaf without its intermediate" \
    -ca ca.pem leaf.pem
verify 0 "leaf.pem: OK" "the intermediate as -ca" -ca inter.pem leaf.pem

# A certificate valid on every count.
verify 0 "peer.pem: OK" "valid on every count" \
    -ca ca.pem -role peer -host 192.168.66.31 -host etcd-1.example.com -key peer-key.pem peer.pem
cp peer.pem CERT
verify 0 "CERT: OK" "CERT: OK" -ca ca.pem -role peer -host 192.168.66.31 -key peer-key.pem CERT

# 4. A kiln etcd tree (ECDSA): each member's certificates for its address.
cat >cluster.json <<'EOF'
{"ca": {"CN": "etcd CA", "key": {"algo": "ecdsa", "size": 256}},
 "key": {"algo": "ecdsa", "size": 256},
 "members": [{"name": "etcd-1", "ip": "192.168.66.31"},
             {"name": "etcd-2", "ip": "192.168.66.41"}],
 "clients": ["root"]}
EOF
"$KILN" etcd -manifest cluster.json -out tree >/dev/null
for m in 1:192.168.66.31 2:192.168.66.41; do
	n=${m%%:*} ip=${m#*:} s=tree/etcd-$n/ssl
	verify 0 "$s/peer.pem: OK" "etcd-$n peer" \
	    -ca tree/ca/ca.pem -role peer -host "$ip" -key "$s/peer-key.pem" "$s/peer.pem"
	verify 0 "$s/server.pem: OK" "etcd-$n server" -ca "$s/ca.pem" -role server \
	    -host "$ip,127.0.0.1,localhost,etcd-$n" -key "$s/server-key.pem" "$s/server.pem"
done
verify 1 "tree/etcd-1/ssl/peer.pem: no SAN for 192.168.66.41 (it has: etcd-1, 192.168.66.31): etcd logs \"x509: certificate is valid for ..., not 192.168.66.41\"$PEER_ADDRESS" \
    "etcd-1's peer certificate from etcd-2's address" \
    -ca tree/ca/ca.pem -role peer -host 192.168.66.41 tree/etcd-1/ssl/peer.pem
verify 1 "tree/etcd-1/ssl/peer.pem: $KEY_MISMATCH" "etcd-1's peer certificate, server key" \
    -ca tree/ca/ca.pem -key tree/etcd-1/ssl/server-key.pem tree/etcd-1/ssl/peer.pem
verify 0 "tree/clients/root.pem: OK" "client root" \
    -ca tree/ca/ca.pem -role client -key tree/clients/root-key.pem tree/clients/root.pem
verify 1 "tree/clients/root.pem: $PEER_NO_SERVER" "a client certificate as a peer's" \
    -ca tree/ca/ca.pem -role peer tree/clients/root.pem
verify 1 "tree/etcd-1/ssl/peer.pem: $(foreign "etcd CA" tree/etcd-1/ssl/peer.pem ca.pem)" "a tree under another CA" \
    -ca ca.pem tree/etcd-1/ssl/peer.pem

# 5. Usage errors: exit 2, the reason first, then the usage.
# usage WANT_FIRST_LINE WHAT ARGS...
usage() {
	want=$1 what=$2
	shift 2
	run u "$KILN" verify "$@"
	assert_eq 2 "$rc" "$what: status"
	assert_eq "" "$(cat u.out)" "$what: stdout"
	assert_eq "$want" "$(sed -n 1p u.err)" "$what: message"
	assert_eq "Usage of verify:" "$(sed -n 2p u.err)" "$what: usage"
}
usage "kiln: verify: -ca is required" "no -ca" -role peer peer.pem
usage "kiln: verify: -role bogus: want server, peer or client" "bad -role" \
    -ca ca.pem -role bogus peer.pem
usage "kiln: verify: -role Peer: want server, peer or client" "-role is case-sensitive" \
    -ca ca.pem -role Peer peer.pem
usage "kiln: verify: -key names one key: verify one certificate with it" \
    "-key with two certificates" -ca ca.pem -key peer-key.pem peer.pem server.pem
usage "kiln: verify: expected a certificate" "no certificate" -ca ca.pem
usage "kiln: verify: flag provided but not defined: -within" "a flag of another command" \
    -ca ca.pem -within 30d peer.pem
run h "$KILN" verify -h
assert_eq 0 "$rc" "-h: status"
assert_contains "$(cat h.out)" "kiln verify -ca CA [-role server|peer|client] [-host NAME|IP]... [-key KEY] CERT" "-h: usage"

# Files that cannot be read: exit 1, one line on stderr, nothing on stdout.
# unreadable WANT_LINE WHAT ARGS...
unreadable() {
	want=$1 what=$2
	shift 2
	run e "$KILN" verify "$@"
	assert_eq 1 "$rc" "$what: status"
	assert_eq "" "$(cat e.out)" "$what: stdout"
	assert_eq "$want" "$(cat e.err)" "$what: message"
}
unreadable "kiln: verify: missing.pem: No such file or directory" "missing certificate" \
    -ca ca.pem missing.pem
unreadable "kiln: verify: missing.pem: No such file or directory" "missing CA" \
    -ca missing.pem peer.pem
unreadable "kiln: verify: missing.pem: No such file or directory" "missing key" \
    -ca ca.pem -key missing.pem peer.pem
unreadable "kiln: verify: peer-key.pem: no certificate found (first PEM block: \"EC PRIVATE KEY\")" \
    "a key as the certificate" -ca ca.pem peer-key.pem
unreadable "kiln: verify: peer.pem: not a private key" "a certificate as the key" \
    -ca ca.pem -key peer.pem peer.pem
run e "$KILN" verify -ca peer-key.pem peer.pem
assert_eq 1 "$rc" "a key as the CA: status"
assert_eq 1 "$(wc -l <e.err | tr -d ' ')" "a key as the CA: one line"
assert_contains "$(cat e.err)" "kiln: verify: peer-key.pem: " "a key as the CA: names the file"

# 6. Where etcd (Go's crypto/x509) decides otherwise than kiln verify.  Each
# difference is noted; the test fails at the end if there is any.
differences=""
# go_differs WANT_STATUS WHAT ARGS...
go_differs() {
	want_rc=$1 what=$2
	shift 2
	rc=0
	"$KILN" verify "$@" >g.out 2>g.err || rc=$?
	if [ "$rc" != "$want_rc" ]; then
		differences="$differences
  $what: Go says $([ "$want_rc" = 0 ] && echo accepted || echo refused), kiln verify exits $rc: $(cat g.out g.err)"
	else
		ok
	fi
}
# kiln issues nothing from a CA out of its dates, so the leaf comes from the
# intermediate while valid, and the intermediate is then renewed, with the
# same key, into 2020.
sign ca inter-expired inter-csr.json inter-expired
run g "$KILN" gencert -ca inter-expired.pem -ca-key inter-expired-key.pem -config ca-config.json \
    -profile peer member-csr.json
assert_eq "1|kiln: gencert: CA certificate: expired on 2020-02-01T00:00:00Z: what it signs would not verify|" \
    "$rc|$(cat g.err)|$(cat g.out)" "gencert from an expired intermediate"
sign inter peer member-csr.json leaf-old
cp inter.pem inter-old.pem
"$KILN" renew -ca ca.pem -ca-key ca-key.pem -key inter-key.pem -config ca-config.json -profile inter-expired \
    inter-old.pem >/dev/null
assert_eq "2020-02-01T00:00:00Z" "$("$BIN"/kiln-certinfo -cert inter-old.pem | jq -r .not_after)" \
    "the intermediate renewed into the past"
cat leaf-old.pem inter-old.pem >leaf-old-bundle.pem
go_differs 1 "an intermediate that expired in 2020" -ca ca.pem leaf-old-bundle.pem
cp ca.pem ca-expired.pem
"$KILN" renew -ca ca-expired.pem -ca-key ca-key.pem -config ca-config.json -profile ca-expired \
    ca-expired.pem >/dev/null
assert_eq "2020-02-01T00:00:00Z" "$("$BIN"/kiln-certinfo -cert ca-expired.pem | jq -r .not_after)" \
    "the CA renewed into the past"
go_differs 1 "a CA that expired in 2020" -ca ca-expired.pem peer.pem
sign ca inter-server inter-csr.json inter-server
sign inter-server peer member-csr.json leaf-server
cat leaf-server.pem inter-server.pem >leaf-server-bundle.pem
go_differs 1 "a client certificate under an intermediate for server auth only" \
    -ca ca.pem -role client leaf-server-bundle.pem
go_differs 0 "-host ::ffff:127.0.0.1 (Go's net.IP.Equal: 127.0.0.1)" \
    -ca ca.pem -host ::ffff:127.0.0.1 peer.pem
go_differs 0 "-host [::1] (Go's VerifyHostname strips the brackets)" \
    -ca ca.pem -host '[::1]' peer.pem
go_differs 0 "-host etcd-1.example.com. (Go drops the trailing dot)" \
    -ca ca.pem -host etcd-1.example.com. peer.pem
[ -z "$differences" ] || fail "kiln verify and etcd disagree:$differences"

finish
