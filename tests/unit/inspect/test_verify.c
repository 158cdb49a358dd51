/*
 * kiln_verify: each problem sentence, Go's host matching, the role table
 * and the key check, on the fixtures of tests/data/verify (make.sh there
 * remakes them), with a fixed "now".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "kiln/file.h"
#include "kiln/verify.h"

/* 2027-01-01T00:00:00Z: inside the fixtures' ten years (from 2026-11-24). */
#define VERIFY_NOW 1798761600LL

/* The sentences of src/inspect/verify.c, each exactly. */
#define GO_DATES                                                               \
	"etcd refuses it with \"x509: certificate has expired or is not yet "  \
	"valid\""
#define NOT_YET "not valid until %s: " GO_DATES
#define BAD_CERT " (the other side logs \"bad certificate\")"
#define EXPIRED "expired on %s: " GO_DATES BAD_CERT
#define FOREIGN                                                                \
	"not issued by the CA given (its issuer is \"%s\"; its authority key " \
	"identifier is %s, the CA's subject key identifier is %s): etcd "      \
	"refuses it with \"x509: certificate signed by unknown authority\""
/* tests/data/verify's key identifiers, as openssl prints them. */
#define CA_ID "0B:4A:09:8B:F3:B7:62:9D:25:F7:86:FD:31:35:84:86:8F:D6:5D:C0"
#define OTHER_ID "56:1F:32:23:73:EB:75:40:D0:42:0D:C1:9F:89:5D:BD:C8:85:62:17"
#define INTER_ID "77:A9:C3:13:1B:A4:C3:8E:DD:38:B1:28:4F:C2:F6:2F:41:34:E5:5A"
#define BAD_MD                                                                 \
	"signed with %s, a hash Go refuses: etcd logs \"x509: cannot verify "  \
	"signature: insecure algorithm\""
#define UNREADABLE                                                             \
	"mbedTLS cannot read it (an unknown critical extension, or a %s "      \
	"key), so its chain was not checked"
#define INCOMPATIBLE "\"x509: certificate specifies an incompatible key usage\""
#define SERVER_NO_SERVER                                                       \
	"no server auth usage: etcd's clients refuse it with " INCOMPATIBLE
#define SERVER_NO_CLIENT                                                       \
	"no client auth usage: etcd also dials with its server certificate "   \
	"(the gRPC gateway, client-cert-auth), and those connections fail "    \
	"with \"bad certificate\""
#define PEER_NO_CLIENT                                                         \
	"no client auth usage: etcd peers refuse it with \"bad "               \
	"certificate\" (and log " INCOMPATIBLE ")"
#define PEER_NO_SERVER                                                         \
	"no server auth usage: peers connecting to this member refuse it "     \
	"with " INCOMPATIBLE
#define CLIENT_NO_CLIENT                                                       \
	"no client auth usage: etcd refuses it with \"bad certificate\" (and " \
	"logs " INCOMPATIBLE ")"
#define NO_SAN                                                                 \
	"no SAN for %s (it has: %s): etcd logs \"x509: certificate is valid "  \
	"for ..., not %s\"%s"
#define PEER_ADDRESS                                                           \
	"; a peer's connections come from an address that must be there"
#define KEY_MISMATCH                                                           \
	"the private key given does not belong to it: etcd fails to start "    \
	"with \"tls: private key does not match public key\""
#define KEY_MISMATCH_CLIENT                                                    \
	"the private key given does not belong to it: the client (etcdctl, "   \
	"kube-apiserver) fails with \"tls: private key does not match public " \
	"key\""
#define KEY_UNCOMPARABLE                                                       \
	"its %s key cannot be compared with the private key given"

/* The SANs of the member fixtures, as the sentences list them. */
#define MEMBER_SANS                                                            \
	"etcd-1.example.com, *.etcd.example.com, 192.168.66.31, ::1, "         \
	"127.0.0.1"

static struct kiln_verify v;
static struct kiln_infos infos;
static struct kiln_buf buf;
static struct kiln_err err;
static struct kiln_key key;
static struct kiln_rng rng;
static mbedtls_x509_crt ca;
static char **problems;
static size_t n_problems;

static void
read_data(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", KILN_TEST_DATA, name);
	kiln_buf_free(&buf);
	cr_assert_eq(kiln_file_read(path, &buf, &err), 0, "%s", err.msg);
}

/* The trust anchors: one PEM file (mbedTLS counts the NUL). */
static void
load_ca(const char *name)
{
	read_data(name);
	cr_assert_eq(kiln_buf_terminate(&buf, &err), 0);
	mbedtls_x509_crt_free(&ca);
	mbedtls_x509_crt_init(&ca);
	cr_assert_eq(
	    mbedtls_x509_crt_parse(&ca, buf.p, buf.len + 1), 0, "%s", name);
}

static void
load_key(const char *name)
{
	read_data(name);
	kiln_key_free(&key);
	kiln_key_init(&key);
	cr_assert_eq(kiln_key_parse(&key, buf.p, buf.len, &rng, &err), 0,
	    "%s: %s", name, err.msg);
	v.key = &key;
}

static void
clear_problems(void)
{
	size_t i;

	for (i = 0; i < n_problems; i++)
		free(problems[i]);
	free(problems);
	problems = NULL;
	n_problems = 0;
}

static void
setup(void)
{
	memset(&v, 0, sizeof(v));
	kiln_infos_init(&infos);
	kiln_buf_init(&buf);
	kiln_err_clear(&err);
	kiln_key_init(&key);
	kiln_rng_init(&rng);
	mbedtls_x509_crt_init(&ca);
	cr_assert_eq(kiln_rng_seed(&rng, "test_verify", &err), 0);
	load_ca("verify/ca.pem");
	v.ca = &ca;
	v.rng = &rng;
	v.now = VERIFY_NOW;
	v.role = KILN_ROLE_ANY;
}

static void
teardown(void)
{
	clear_problems();
	kiln_infos_free(&infos);
	kiln_buf_free(&buf);
	kiln_key_free(&key);
	kiln_rng_free(&rng);
	mbedtls_x509_crt_free(&ca);
}

TestSuite(verify, .init = setup, .fini = teardown);

/* The certificates of a fixture, the first the one checked. */
static const struct kiln_info *
load_cert(const char *name)
{
	read_data(name);
	kiln_infos_free(&infos);
	kiln_infos_init(&infos);
	cr_assert_eq(kiln_inspect_certs(&infos, buf.p, buf.len, &err), 0,
	    "%s: %s", name, err.msg);
	return &infos.v[0];
}

/* kiln_verify on what is loaded; the number of problems. */
static size_t
run(void)
{
	clear_problems();
	cr_assert_eq(kiln_verify(&v, &infos, &problems, &n_problems, &err), 0,
	    "%s", err.msg);
	return n_problems;
}

static size_t
verify(const char *name)
{
	load_cert(name);
	return run();
}

/* The problems, one per line, for messages. */
static const char *
all(void)
{
	static char text[4096];
	size_t i, off = 0;

	text[0] = '\0';
	for (i = 0; i < n_problems && off < sizeof(text); i++)
		off += (size_t)snprintf(
		    text + off, sizeof(text) - off, "[%s]\n", problems[i]);
	return n_problems == 0 ? "(none)" : text;
}

/* Exactly these problems, in this order. */
static void
expect(const char *what, size_t n, ...)
{
	va_list ap;
	size_t i;

	cr_assert_eq(
	    n_problems, n, "%s: want %zu problems, got:\n%s", what, n, all());
	va_start(ap, n);
	for (i = 0; i < n; i++)
		cr_assert_str_eq(problems[i], va_arg(ap, const char *),
		    "%s: #%zu", what, i + 1);
	va_end(ap);
}

static const char *fmt(const char *f, ...)
    __attribute__((format(printf, 1, 2)));

static const char *
fmt(const char *f, ...)
{
	static char text[4][1024];
	static int next;
	char *out = text[next++ % 4];
	va_list ap;

	va_start(ap, f);
	vsnprintf(out, sizeof(text[0]), f, ap);
	va_end(ap);
	return out;
}

static const char *
no_san(const char *host, const char *sans, int peer_address)
{
	return fmt(NO_SAN, host, sans, host, peer_address ? PEER_ADDRESS : "");
}

/* Whether the member's peer certificate holds "host". */
static int
holds(const char *cert, const char *host)
{
	const char *hosts[1];

	hosts[0] = host;
	v.hosts = hosts;
	v.n_hosts = 1;
	verify(cert);
	v.hosts = NULL;
	v.n_hosts = 0;
	cr_assert_leq(n_problems, 1, "%s", all());
	return n_problems == 0;
}

/* Dates. */

Test(verify, good_on_every_count_says_nothing)
{
	const char *hosts[] = {"192.168.66.31", "etcd-1.example.com"};

	v.role = KILN_ROLE_PEER;
	v.hosts = hosts;
	v.n_hosts = 2;
	load_key("verify/peer-key.pem");
	verify("verify/peer.pem");
	expect("peer.pem", 0);
}

Test(verify, expired_names_its_end)
{
	verify("verify/expired.pem");
	expect("expired.pem", 1, fmt(EXPIRED, "2020-02-01T00:00:00Z"));
}

Test(verify, not_yet_valid_names_its_start)
{
	verify("verify/future.pem");
	expect("future.pem", 1, fmt(NOT_YET, "2030-01-01T00:00:00Z"));
}

/* RFC 3339, UTC, as the sentences write times. */
static const char *
rfc3339(long long t)
{
	static char text[2][32];
	static int next;
	char *out = text[next++ % 2];
	time_t tt = (time_t)t;
	struct tm tm;

	cr_assert_not_null(gmtime_r(&tt, &tm));
	cr_assert_gt(
	    strftime(out, sizeof(text[0]), "%Y-%m-%dT%H:%M:%SZ", &tm), 0);
	return out;
}

Test(verify, dates_at_the_second_as_go)
{
	const struct kiln_info *c = load_cert("verify/peer.pem");

	v.now = c->not_after; /* Go: valid unless now is after NotAfter */
	run();
	expect("at not_after", 0);
	v.now = c->not_after + 1;
	run();
	expect(
	    "a second after not_after", 1, fmt(EXPIRED, rfc3339(c->not_after)));
	v.now = c->not_before;
	run();
	expect("at not_before", 0);
	v.now = c->not_before - 1;
	run();
	expect("a second before not_before", 1,
	    fmt(NOT_YET, rfc3339(c->not_before)));
}

/* The chain. */

Test(verify, another_ca_names_the_issuer)
{
	verify("verify/foreign.pem");
	expect("foreign.pem", 1, fmt(FOREIGN, "other CA", OTHER_ID, CA_ID));
}

Test(verify, the_ca_given_decides)
{
	load_ca("verify/other-ca.pem");
	verify("verify/foreign.pem");
	expect("foreign.pem under its own CA", 0);
	verify("verify/peer.pem");
	expect("peer.pem under the other CA", 1,
	    fmt(FOREIGN, "verify CA", CA_ID, OTHER_ID));
}

Test(verify, intermediates_come_from_the_file)
{
	verify("verify/inter-bundle.pem");
	expect("leaf + intermediate", 0);
	/* The leaf alone: nothing links it to the CA. */
	infos.n = 1;
	run();
	infos.n = 2;
	expect("leaf alone", 1,
	    fmt(FOREIGN, "verify intermediate", INTER_ID, CA_ID));
}

Test(verify, sha1_is_refused)
{
	verify("verify/sha1.pem");
	expect("sha1.pem", 1, fmt(BAD_MD, "ECDSAWithSHA1"));
}

Test(verify, unreadable_by_mbedtls_is_said)
{
	/* A critical name constraints extension mbedTLS does not know. */
	verify("inspect/sans.pem");
	expect("inspect/sans.pem", 1, fmt(UNREADABLE, "ECDSA"));
}

/*
 * Go checks the validity of every certificate of the chain, the root
 * included (x509.Certificate.isValid on each candidate), not only the
 * leaf's.
 */
Test(verify, an_expired_intermediate_is_refused_as_go_does)
{
	verify("verify/inter-expired-bundle.pem");
	cr_assert_eq(n_problems, 1,
	    "Go refuses a chain through an intermediate that expired in "
	    "2020; kiln_verify says:\n%s",
	    all());
}

Test(verify, an_expired_ca_is_refused_as_go_does)
{
	load_ca("verify/expired-ca.pem");
	verify("verify/peer.pem");
	cr_assert_eq(n_problems, 1,
	    "Go refuses a chain to a root that expired in 2020; kiln_verify "
	    "says:\n%s",
	    all());
}

/*
 * Go's checkChainForKeyUsage: an intermediate's extended key usages
 * restrict those of the certificates under it.
 */
Test(verify, an_intermediates_usages_bind_as_go_does)
{
	v.role = KILN_ROLE_CLIENT;
	verify("verify/inter-server-bundle.pem");
	cr_assert_eq(n_problems, 1,
	    "the intermediate is for server auth only: Go refuses the leaf as "
	    "a client; kiln_verify says:\n%s",
	    all());
	v.role = KILN_ROLE_ANY;
	run();
	expect("no role: no usage check", 0);
}

/* The role table: role x extended key usages. */

struct role_case {
	const char *cert;
	enum kiln_role role;
	const char *want[2];
};

Test(verify, role_table)
{
	static const struct role_case cases[] = {
	    /* No role: no usage is checked. */
	    {"server", KILN_ROLE_ANY, {NULL}},
	    {"client", KILN_ROLE_ANY, {NULL}},
	    {"oid", KILN_ROLE_ANY, {NULL}},
	    /* server: server auth, and client auth for etcd's own dialling. */
	    {"server", KILN_ROLE_SERVER, {SERVER_NO_CLIENT}},
	    {"peer", KILN_ROLE_SERVER, {NULL}},
	    {"client", KILN_ROLE_SERVER, {SERVER_NO_SERVER}},
	    {"noeku", KILN_ROLE_SERVER, {NULL}},
	    {"any", KILN_ROLE_SERVER, {NULL}},
	    {"oid", KILN_ROLE_SERVER, {SERVER_NO_SERVER, SERVER_NO_CLIENT}},
	    /* peer: both, client auth first. */
	    {"server", KILN_ROLE_PEER, {PEER_NO_CLIENT}},
	    {"peer", KILN_ROLE_PEER, {NULL}},
	    {"client", KILN_ROLE_PEER, {PEER_NO_SERVER}},
	    {"noeku", KILN_ROLE_PEER, {NULL}},
	    {"any", KILN_ROLE_PEER, {NULL}},
	    {"oid", KILN_ROLE_PEER, {PEER_NO_CLIENT, PEER_NO_SERVER}},
	    /* client: client auth. */
	    {"server", KILN_ROLE_CLIENT, {CLIENT_NO_CLIENT}},
	    {"peer", KILN_ROLE_CLIENT, {NULL}},
	    {"client", KILN_ROLE_CLIENT, {NULL}},
	    {"noeku", KILN_ROLE_CLIENT, {NULL}},
	    {"any", KILN_ROLE_CLIENT, {NULL}},
	    {"oid", KILN_ROLE_CLIENT, {CLIENT_NO_CLIENT}},
	};
	static const char *const names[] = {"any", "server", "peer", "client"};
	char path[64], what[128];
	size_t i, k, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "verify/%s.pem", cases[i].cert);
		snprintf(what, sizeof(what), "%s as %s", cases[i].cert,
		    names[cases[i].role]);
		v.role = cases[i].role;
		verify(path);
		for (n = 0; n < 2 && cases[i].want[n] != NULL; n++)
			;
		cr_assert_eq(n_problems, n, "%s: want %zu problems, got:\n%s",
		    what, n, all());
		for (k = 0; k < n; k++)
			cr_assert_str_eq(
			    problems[k], cases[i].want[k], "%s", what);
	}
}

Test(verify, the_fixtures_usages_are_what_the_table_says)
{
	cr_assert_eq(load_cert("verify/noeku.pem")->neku, 0);
	cr_assert_eq(load_cert("verify/any.pem")->neku, 1);
	cr_assert_str_eq(infos.v[0].eku[0], "any");
	cr_assert_eq(load_cert("verify/oid.pem")->neku, 1);
	cr_assert_str_eq(infos.v[0].eku[0], "1.2.3.4");
}

/* Host names: Go's crypto/x509 VerifyHostname. */

Test(verify, dns_exact_and_case_insensitive)
{
	cr_assert(holds("verify/peer.pem", "etcd-1.example.com"));
	cr_assert(holds("verify/peer.pem", "ETCD-1.Example.Com"));
	cr_assert_not(holds("verify/peer.pem", "etcd-2.example.com"));
	cr_assert_not(holds("verify/peer.pem", "etcd-1.example"));
	cr_assert_not(holds("verify/peer.pem", "example.com"));
	/* A SAN in capitals. */
	cr_assert(holds("verify/mapped.pem", "etcd-2.example.com"));
}

Test(verify, dns_wildcard_one_left_most_label)
{
	cr_assert(holds("verify/peer.pem", "a.etcd.example.com"));
	cr_assert(holds("verify/peer.pem", "ETCD-9.Etcd.Example.COM"));
	cr_assert_not(holds("verify/peer.pem", "a.b.etcd.example.com"));
	cr_assert_not(holds("verify/peer.pem", "etcd.example.com"));
	cr_assert_not(holds("verify/peer.pem", ".etcd.example.com"));
	cr_assert_not(holds("verify/peer.pem", "a.etcd.example.org"));
	/* The pattern itself, literally (Go's matchExactly). */
	cr_assert(holds("verify/peer.pem", "*.etcd.example.com"));
}

Test(verify, dns_names_never_match_ip_sans)
{
	/* No resolution: "localhost" is not 127.0.0.1. */
	cr_assert_not(holds("verify/peer.pem", "localhost"));
}

Test(verify, dns_trailing_dot_as_go)
{
	/* Go's matchHostnames drops one trailing dot of the host. */
	cr_assert(holds("verify/peer.pem", "etcd-1.example.com."),
	    "Go accepts etcd-1.example.com. for etcd-1.example.com: %s", all());
	cr_assert(holds("verify/peer.pem", "a.etcd.example.com."),
	    "Go accepts a.etcd.example.com. for *.etcd.example.com: %s", all());
}

Test(verify, ip_compared_as_addresses)
{
	cr_assert(holds("verify/peer.pem", "192.168.66.31"));
	cr_assert(holds("verify/peer.pem", "127.0.0.1"));
	cr_assert(holds("verify/peer.pem", "::1"));
	cr_assert(holds("verify/peer.pem", "0:0::1"));
	cr_assert(holds("verify/peer.pem", "0:0:0:0:0:0:0:1"));
	cr_assert_not(holds("verify/peer.pem", "::2"));
	cr_assert_not(holds("verify/peer.pem", "192.168.66.32"));
	cr_assert_not(holds("verify/peer.pem", "127.0.0.2"));
}

Test(verify, ip_never_matches_a_dns_san)
{
	/* mapped.pem: DNS Etcd-2.Example.COM only, and IP 10.0.0.1. */
	cr_assert_not(holds("verify/oid.pem", "10.0.0.1"));
	cr_assert(holds("verify/mapped.pem", "10.0.0.1"));
}

/*
 * Go's net.IP.Equal: an IPv4 address equals its IPv4-mapped IPv6 form,
 * whichever side holds which; and VerifyHostname strips [ ].
 */
Test(verify, ipv4_mapped_host_as_go)
{
	/* The SAN is 4 bytes, the host ::ffff:127.0.0.1. */
	cr_assert(holds("verify/peer.pem", "::ffff:127.0.0.1"),
	    "Go: ::ffff:127.0.0.1 equals the SAN 127.0.0.1: %s", all());
}

Test(verify, ipv4_mapped_san_as_go)
{
	/* The SAN is 16 bytes, ::ffff:10.0.0.1: both forms of the host. */
	cr_assert(holds("verify/mapped.pem", "10.0.0.1"));
	cr_assert(holds("verify/mapped.pem", "::ffff:10.0.0.1"),
	    "Go: ::ffff:10.0.0.1 equals the SAN ::ffff:10.0.0.1: %s", all());
}

Test(verify, ip_in_brackets_as_go)
{
	cr_assert(holds("verify/peer.pem", "[::1]"),
	    "Go's VerifyHostname takes [::1] as ::1: %s", all());
}

Test(verify, no_san_sentences)
{
	const char *hosts[] = {"192.168.66.32", "etcd-2.example.com", "::2"};

	v.hosts = hosts;
	v.n_hosts = 3;
	verify("verify/peer.pem");
	expect("no role", 3, no_san("192.168.66.32", MEMBER_SANS, 0),
	    no_san("etcd-2.example.com", MEMBER_SANS, 0),
	    no_san("::2", MEMBER_SANS, 0));
	/* A peer's address, not its name, gets the reason. */
	v.role = KILN_ROLE_PEER;
	run();
	expect("peer", 3, no_san("192.168.66.32", MEMBER_SANS, 1),
	    no_san("etcd-2.example.com", MEMBER_SANS, 0),
	    no_san("::2", MEMBER_SANS, 1));
	v.role = KILN_ROLE_SERVER;
	run();
	expect("server", 3, no_san("192.168.66.32", MEMBER_SANS, 0),
	    no_san("etcd-2.example.com", MEMBER_SANS, 0),
	    no_san("::2", MEMBER_SANS, 0));
}

Test(verify, no_san_at_all)
{
	const char *hosts[] = {"etcd-1"};

	v.hosts = hosts;
	v.n_hosts = 1;
	verify("verify/oid.pem");
	expect("oid.pem", 1, no_san("etcd-1", "none", 0));
}

/* The key. */

Test(verify, key_match)
{
	load_key("verify/peer-key.pem");
	verify("verify/peer.pem");
	expect("its own key", 0);
	load_key("verify/server-key.pem");
	run();
	expect("another key", 1, KEY_MISMATCH);
	verify("verify/server.pem");
	expect("server.pem, server-key.pem", 0);
}

Test(verify, key_that_cannot_be_compared)
{
	load_key("verify/peer-key.pem");
	verify("verify/ed25519.pem");
	/* mbedTLS reads neither the certificate nor its key. */
	expect("ed25519.pem", 2, fmt(UNREADABLE, "Ed25519"),
	    fmt(KEY_UNCOMPARABLE, "Ed25519"));
	cr_assert_eq(err.code, KILN_OK, "the error is cleared: %s", err.msg);
}

/* Every problem, in order: dates, chain, usages, hosts, key. */
Test(verify, every_problem_in_order)
{
	const char *hosts[] = {"10.9.9.9", "etcd-1.example.com"};

	load_ca("verify/other-ca.pem");
	load_key("verify/peer-key.pem");
	v.role = KILN_ROLE_CLIENT;
	v.hosts = hosts;
	v.n_hosts = 2;
	verify("verify/expired.pem");
	expect("expired.pem", 4, fmt(EXPIRED, "2020-02-01T00:00:00Z"),
	    fmt(FOREIGN, "verify CA", CA_ID, OTHER_ID),
	    no_san("10.9.9.9", MEMBER_SANS, 0), KEY_MISMATCH_CLIENT);
}

Test(verify, a_bundle_in_ca_first_order_is_checked_for_its_leaf)
{
	struct kiln_info t;

	load_cert("verify/inter-bundle.pem");
	cr_assert_eq(kiln_verify_leaf(&infos), 0);
	t = infos.v[0];
	infos.v[0] = infos.v[1];
	infos.v[1] = t;
	cr_assert_eq(kiln_verify_leaf(&infos), 1);
	cr_assert_eq(run(), 0, "%s", all());
}

Test(verify, key_ids_of_the_same_key_say_the_signature_is_wrong)
{
	struct kiln_buf ids;

	kiln_buf_init(&ids);
	/* The CA's own certificate against itself: its AKI is its SKI. */
	load_cert("verify/peer.pem");
	cr_assert_eq(kiln_verify_key_ids(
	                 &ids, infos.v[0].der.p, infos.v[0].der.len, &ca, &err),
	    0, "%s", err.msg);
	cr_assert_str_eq((char *)ids.p,
	    "its authority key identifier " CA_ID " is the CA's, but the CA's "
	    "key did not sign it");
	kiln_buf_free(&ids);
}
