/*
 * kiln_renew_kind and kiln_renew on the fixtures of tests/data/renew
 * (gen.sh there makes them), with "now" fixed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kiln/cert.h"
#include "kiln/config.h"
#include "kiln/file.h"
#include "kiln/inspect.h"
#include "kiln/issue.h"
#include "kiln/duration.h"
#include "kiln/key.h"
#include "kiln/renew.h"
#include "kiln/rng.h"
#include "asn1/x509.h"

/* 2030-03-17T17:46:57Z: 57 seconds past the minute, rounded up. */
#define NOW ((time_t)1900000017)
#define NOT_BEFORE (1900000020LL - 300)

#define SLOTS 6

static struct kiln_infos olds[SLOTS], renewed;
static size_t n_olds;
static struct kiln_cert ca, ca2;
static struct kiln_key ca_key, key;
static struct kiln_rng rng;
static struct kiln_config config;
static struct kiln_buf buf, out;
static struct kiln_err err;
static char **dropped;
static size_t n_dropped;

static void
setup(void)
{
	size_t i;

	for (i = 0; i < SLOTS; i++)
		kiln_infos_init(&olds[i]);
	n_olds = 0;
	kiln_infos_init(&renewed);
	kiln_cert_init(&ca);
	kiln_cert_init(&ca2);
	kiln_key_init(&ca_key);
	kiln_key_init(&key);
	kiln_rng_init(&rng);
	kiln_config_init(&config);
	kiln_buf_init(&buf);
	kiln_buf_init(&out);
	kiln_err_clear(&err);
	dropped = NULL;
	n_dropped = 0;
	cr_assert_eq(kiln_rng_seed(&rng, "test_renew", &err), 0, "%s", err.msg);
}

static void
teardown(void)
{
	size_t i;

	for (i = 0; i < SLOTS; i++)
		kiln_infos_free(&olds[i]);
	kiln_infos_free(&renewed);
	kiln_cert_free(&ca);
	kiln_cert_free(&ca2);
	kiln_key_free(&ca_key);
	kiln_key_free(&key);
	kiln_rng_free(&rng);
	kiln_config_free(&config);
	kiln_buf_free(&buf);
	kiln_buf_free(&out);
	for (i = 0; i < n_dropped; i++)
		free(dropped[i]);
	free(dropped);
}

TestSuite(renew, .init = setup, .fini = teardown, .timeout = 30);

static void
read_data(const char *name, struct kiln_buf *b)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", KILN_TEST_DATA, name);
	b->len = 0;
	cr_assert_eq(kiln_file_read(path, b, &err), 0, "%s: %s", name, err.msg);
}

/* The signing CA "cert" with its key "keyfile". */
static void
load_ca(const char *cert, const char *keyfile)
{
	struct kiln_buf c, k;

	kiln_buf_init(&c);
	kiln_buf_init(&k);
	read_data(cert, &c);
	read_data(keyfile, &k);
	cr_assert_eq(
	    kiln_ca_load(&ca, &ca_key, &c, cert, &k, keyfile, NULL, &rng, &err),
	    0, "%s", err.msg);
	kiln_buf_free(&c);
	kiln_buf_free(&k);
}

/* The certificate of file "name", inspected. */
static const struct kiln_info *
load(const char *name)
{
	struct kiln_infos *i;

	cr_assert_lt(n_olds, SLOTS);
	i = &olds[n_olds++];
	read_data(name, &buf);
	cr_assert_eq(kiln_inspect_certs(i, buf.p, buf.len, &err), 0, "%s: %s",
	    name, err.msg);
	cr_assert_eq(i->n, 1, "%s", name);
	return &i->v[0];
}

/* kiln_renew at NOW; on success the renewed certificate, inspected. */
static const struct kiln_info *
renew_with(const struct kiln_info *old, const struct kiln_renew *opts)
{
	out.len = 0;
	kiln_err_clear(&err);
	cr_assert_eq(kiln_renew(&out, old, opts, &ca, &ca_key, &rng, NOW,
	                 &dropped, &n_dropped, &err),
	    0, "kiln_renew: %s", err.msg);
	kiln_infos_free(&renewed);
	kiln_infos_init(&renewed);
	cr_assert_eq(kiln_inspect_certs(&renewed, out.p, out.len, &err), 0,
	    "the renewed certificate: %s", err.msg);
	cr_assert_eq(renewed.n, 1);
	return &renewed.v[0];
}

static const struct kiln_info *
renew(const struct kiln_info *old)
{
	struct kiln_renew opts;

	memset(&opts, 0, sizeof(opts));
	return renew_with(old, &opts);
}

/* kiln_renew must fail with "msg" and write nothing. */
static void
renew_fails(
    const struct kiln_info *old, const struct kiln_renew *opts, const char *msg)
{
	out.len = 0;
	kiln_err_clear(&err);
	cr_assert_eq(kiln_renew(&out, old, opts, &ca, &ca_key, &rng, NOW,
	                 &dropped, &n_dropped, &err),
	    -1, "renewed, but should fail with: %s", msg);
	cr_assert_str_eq(err.msg, msg);
	cr_assert_eq(out.len, 0, "a failed renewal wrote %zu bytes", out.len);
	cr_assert_eq(n_dropped, 0);
}

static struct x509_tbs
tbs(const struct kiln_info *i)
{
	struct x509_tbs t;

	cr_assert_eq(x509_tbs(i->der.p, i->der.len, &t), 0);
	return t;
}

static void
same_strs(char **a, size_t na, char **b, size_t nb, const char *what)
{
	size_t i;

	cr_assert_eq(na, nb, "%s: %zu, then %zu", what, na, nb);
	for (i = 0; i < na; i++)
		cr_assert_str_eq(a[i], b[i], "%s %zu", what, i);
}

static int
has_dropped(const char *oid)
{
	size_t i;

	/* "2.5.29.17" or "2.5.29.17 (what of it)" */
	for (i = 0; i < n_dropped; i++)
		if (strncmp(dropped[i], oid, strlen(oid)) == 0 &&
		    (dropped[i][strlen(oid)] == '\0' ||
		        dropped[i][strlen(oid)] == ' '))
			return 1;
	return 0;
}

static const struct kiln_ext *
find_ext(const struct kiln_info *i, const char *oid)
{
	size_t j;

	for (j = 0; j < i->next; j++)
		if (strcmp(i->ext[j].oid, oid) == 0)
			return &i->ext[j];
	return NULL;
}

/* The subject, names, usages, constraints and dates kept; a new serial. */
static void
same_but_serial_and_dates(const struct kiln_info *o, const struct kiln_info *n)
{
	struct x509_tbs to = tbs(o), tn = tbs(n);

	cr_assert(rd_equal(&to.subject, &tn.subject), "subject DER changed");
	cr_assert(rd_equal(&to.issuer, &tn.issuer), "issuer DER changed");
	same_strs(o->dns, o->ndns, n->dns, n->ndns, "DNS SANs");
	same_strs(o->ips, o->nips, n->ips, n->nips, "IP SANs");
	same_strs(o->emails, o->nemails, n->emails, n->nemails, "email SANs");
	same_strs(o->uris, o->nuris, n->uris, n->nuris, "URI SANs");
	cr_assert_eq(o->has_ku, n->has_ku);
	cr_assert_eq(o->ku, n->ku, "keyUsage %#x, then %#x", o->ku, n->ku);
	same_strs(o->eku, o->neku, n->eku, n->neku, "extKeyUsage");
	cr_assert_eq(o->has_bc, n->has_bc);
	cr_assert_eq(o->is_ca, n->is_ca);
	cr_assert_eq(o->max_path_len, n->max_path_len);
	cr_assert_str_eq(o->key_algorithm, n->key_algorithm);
	cr_assert_str_eq(o->key_curve, n->key_curve);
	cr_assert_eq(n->version, 3);
	cr_assert(o->serial_len != n->serial_len ||
	              memcmp(o->serial, n->serial, o->serial_len) != 0,
	    "the serial was kept");
	cr_assert_eq(n->serial_len, 20, "a 20-byte serial, as kiln_issue");
	cr_assert_eq(n->serial[0] & 0x80, 0, "a positive serial");
}

/* notBefore NOW rounded to the minute less 5 minutes, "lifetime" s long. */
static void
dates(const struct kiln_info *n, long long lifetime)
{
	cr_assert_eq(n->not_before, NOT_BEFORE, "notBefore %lld, want %lld",
	    n->not_before, NOT_BEFORE);
	cr_assert_eq(n->not_after - n->not_before, lifetime,
	    "lifetime %lld s, want %lld", n->not_after - n->not_before,
	    lifetime);
}

Test(renew, kind_of_leaf_ca_and_foreign)
{
	load_ca("renew/ca.pem", "renew/ca-key.pem");
	cr_assert_eq(
	    kiln_renew_kind(load("renew/leaf.pem"), &ca), KILN_RENEW_LEAF);
	cr_assert_eq(kiln_renew_kind(load("renew/ca.pem"), &ca), KILN_RENEW_CA);
	cr_assert_eq(kiln_renew_kind(load("renew/foreign.pem"), &ca),
	    KILN_RENEW_FOREIGN);
	/* The CA's very name with another key: neither the CA nor its. */
	cr_assert_eq(kiln_renew_kind(load("renew/other-ca.pem"), &ca),
	    KILN_RENEW_FOREIGN);
}

Test(renew, kind_ignores_dates_and_foreign_tools)
{
	load_ca("renew/ca.pem", "renew/ca-key.pem");
	cr_assert_eq(
	    kiln_renew_kind(load("renew/expired.pem"), &ca), KILN_RENEW_LEAF);
	cr_assert_eq(
	    kiln_renew_kind(load("renew/policy.pem"), &ca), KILN_RENEW_LEAF);
	/* The CA itself is the CA whatever extensions it has. */
	kiln_cert_free(&ca);
	kiln_key_free(&ca_key);
	kiln_cert_init(&ca);
	kiln_key_init(&ca_key);
	load_ca("renew/nc-ca.pem", "renew/nc-ca-key.pem");
	cr_assert_eq(
	    kiln_renew_kind(load("renew/nc-ca.pem"), &ca), KILN_RENEW_CA);
}

/* openssl signed it with the CA's key: a critical certificate policy,
 * which mbed TLS does not parse, does not make it another CA's. */
Test(renew, kind_of_a_leaf_with_a_critical_policy)
{
	load_ca("renew/ca.pem", "renew/ca-key.pem");
	cr_assert_eq(kiln_renew_kind(load("renew/policy-critical.pem"), &ca),
	    KILN_RENEW_LEAF,
	    "a certificate the CA signed is taken for a foreign one");
}

Test(renew, leaf_issued_again_as_it_was)
{
	const struct kiln_info *old, *n;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	old = load("renew/leaf.pem");
	cr_assert_eq(old->ndns, 2);
	cr_assert_eq(old->nips, 3);
	cr_assert_eq(old->nemails, 1);
	cr_assert_eq(old->nuris, 1);
	n = renew(old);
	same_but_serial_and_dates(old, n);
	dates(n, old->not_after - old->not_before);
	cr_assert_eq(memcmp(old->key_id, n->key_id, 20), 0, "key changed");
	cr_assert_eq(n->ski_len, old->ski_len);
	cr_assert_eq(memcmp(n->ski, old->ski, old->ski_len), 0);
	cr_assert_eq(n->aki_len, ca.ski_len);
	cr_assert_eq(memcmp(n->aki, ca.ski, ca.ski_len), 0);
	cr_assert_str_eq(n->sigalg, "ECDSAWithSHA256");
	cr_assert_eq(n_dropped, 0, "dropped %s", dropped[0]);
	/* Signed by the CA. */
	cr_assert_eq(kiln_renew_kind(n, &ca), KILN_RENEW_LEAF);
}

Test(renew, not_before_is_now_rounded_to_the_minute_less_5_minutes)
{
	static const struct {
		time_t now;
		long long nb;
	} cases[] = {
	    {1899999960 + 29, 1899999960 - 300}, /* rounded down */
	    {1899999960 + 30, 1900000020 - 300}, /* half up */
	    {1899999960, 1899999960 - 300},
	};
	const struct kiln_info *old = NULL;
	struct kiln_renew opts;
	size_t i;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	old = load("renew/leaf.pem");
	memset(&opts, 0, sizeof(opts));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out.len = 0;
		cr_assert_eq(kiln_renew(&out, old, &opts, &ca, &ca_key, &rng,
		                 cases[i].now, &dropped, &n_dropped, &err),
		    0, "%s", err.msg);
		kiln_infos_free(&renewed);
		kiln_infos_init(&renewed);
		cr_assert_eq(
		    kiln_inspect_certs(&renewed, out.p, out.len, &err), 0);
		cr_assert_eq(renewed.v[0].not_before, cases[i].nb,
		    "now %lld: notBefore %lld, want %lld",
		    (long long)cases[i].now, renewed.v[0].not_before,
		    cases[i].nb);
		cr_assert_eq(renewed.v[0].not_after - renewed.v[0].not_before,
		    old->not_after - old->not_before);
	}
}

Test(renew, expiry_option_sets_the_lifetime)
{
	const struct kiln_info *old, *n;
	struct kiln_renew opts;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	old = load("renew/leaf.pem");
	memset(&opts, 0, sizeof(opts));
	opts.expiry = 48LL * 3600 * 1000000000;
	n = renew_with(old, &opts);
	same_but_serial_and_dates(old, n);
	dates(n, 48 * 3600);
}

Test(renew, an_expired_leaf_is_renewed_for_its_old_lifetime)
{
	const struct kiln_info *old, *n;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	old = load("renew/expired.pem");
	cr_assert_eq(old->not_after, 1580515200LL); /* 2020-02-01 */
	n = renew(old);
	same_but_serial_and_dates(old, n);
	dates(n, 31 * 86400);
}

Test(renew, profile_option_gives_the_usages_and_expiry)
{
	static const char cfg[] =
	    "{\"signing\": {\"profiles\": {\"client\": {\"expiry\": \"1h\","
	    "\"usages\": [\"signing\", \"client auth\"]}}}}";
	const struct kiln_info *old, *n;
	struct kiln_renew opts;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	old = load("renew/leaf.pem");
	cr_assert_eq(kiln_config_parse(&config, cfg, sizeof(cfg) - 1, &err), 0,
	    "%s", err.msg);
	memset(&opts, 0, sizeof(opts));
	opts.profile = kiln_config_profile(&config, "client", &err);
	cr_assert_not_null(opts.profile, "%s", err.msg);
	n = renew_with(old, &opts);
	cr_assert_eq(n->ku, KILN_KU_DIGITAL_SIGNATURE);
	cr_assert_eq(n->neku, 1);
	cr_assert_str_eq(n->eku[0], "client auth");
	dates(n, 3600);
	same_strs(old->dns, old->ndns, n->dns, n->ndns, "DNS SANs");
	same_strs(old->ips, old->nips, n->ips, n->nips, "IP SANs");
	cr_assert_eq(memcmp(old->key_id, n->key_id, 20), 0);
	/* -expiry over the profile's. */
	opts.expiry = 2LL * 3600 * 1000000000;
	n = renew_with(old, &opts);
	dates(n, 2 * 3600);
}

Test(renew, new_key_is_certified_instead)
{
	const struct kiln_info *old, *n;
	struct kiln_keyreq kr = {.algo = KILN_KEY_ECDSA, .size = 256};
	struct kiln_info pub;
	struct kiln_renew opts;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	old = load("renew/leaf.pem");
	cr_assert_eq(
	    kiln_key_generate(&key, &kr, &rng, &err), 0, "%s", err.msg);
	memset(&opts, 0, sizeof(opts));
	opts.new_key = &key;
	n = renew_with(old, &opts);
	cr_assert_neq(memcmp(old->key_id, n->key_id, 20), 0, "key kept");
	kiln_info_init(&pub);
	cr_assert_eq(kiln_inspect_key(&pub, &key, &err), 0, "%s", err.msg);
	cr_assert_eq(memcmp(pub.key_id, n->key_id, 20), 0,
	    "the certificate is not for the new key");
	kiln_info_free(&pub);
	cr_assert_eq(kiln_inspect_key_match(n, &key, &rng, &err), 0);
	cr_assert_eq(n->ski_len, 20);
	cr_assert_eq(memcmp(n->ski, n->key_id, 20), 0, "SKI of the new key");
	/* Everything else as before. */
	cr_assert_str_eq(n->key_algorithm, old->key_algorithm);
	cr_assert_str_eq(n->key_curve, old->key_curve);
	{
		struct x509_tbs to = tbs(old), tn = tbs(n);

		cr_assert(rd_equal(&to.subject, &tn.subject));
	}
	same_strs(old->dns, old->ndns, n->dns, n->ndns, "DNS SANs");
	same_strs(old->eku, old->neku, n->eku, n->neku, "extKeyUsage");
	cr_assert_eq(old->ku, n->ku);
	dates(n, old->not_after - old->not_before);
}

Test(renew, ca_itself_with_its_own_key_keeps_what_it_issued_valid)
{
	const struct kiln_info *old, *leaf, *n;
	struct x509_tbs tn;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	old = load("renew/ca.pem");
	leaf = load("renew/leaf.pem");
	n = renew(old);
	same_but_serial_and_dates(old, n);
	dates(n, old->not_after - old->not_before);
	tn = tbs(n);
	cr_assert(rd_equal(&tn.issuer, &tn.subject), "not self-signed");
	cr_assert_eq(memcmp(old->key_id, n->key_id, 20), 0, "key changed");
	cr_assert_eq(n->ski_len, old->ski_len);
	cr_assert_eq(memcmp(n->ski, old->ski, old->ski_len), 0, "SKI changed");
	cr_assert_eq(n->is_ca, 1);
	cr_assert_eq(n_dropped, 0, "dropped %s", dropped[0]);
	cr_assert_eq(kiln_renew_kind(n, &ca), KILN_RENEW_CA);
	/* The leaf issued before verifies under the renewed CA. */
	cr_assert_eq(
	    kiln_cert_parse(&ca2, out.p, out.len, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_renew_kind(leaf, &ca2), KILN_RENEW_LEAF);
	cr_assert_eq(kiln_renew_kind(n, &ca2), KILN_RENEW_CA);
}

Test(renew, ca_refuses_a_new_key)
{
	struct kiln_keyreq kr = {.algo = KILN_KEY_ECDSA, .size = 256};
	struct kiln_renew opts;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	cr_assert_eq(kiln_key_generate(&key, &kr, &rng, &err), 0);
	memset(&opts, 0, sizeof(opts));
	opts.new_key = &key;
	renew_fails(load("renew/ca.pem"), &opts,
	    "the CA itself: a new key would orphan every certificate it "
	    "issued");
}

/* tests/data/renew: ca.pem's subject key identifier, and foreign.pem
 * refused as renew/ca.pem's, by key identifiers. */
#define CA_SKI "CF:4D:ED:12:F1:10:64:38:39:06:81:33:35:41:F7:97:47:04:3E:6D"
#define FOREIGN                                                                \
	"not issued by this CA: its authority key identifier is "              \
	"9F:BD:60:4E:4F:4E:CB:DB:D1:8A:45:49:F8:D6:25:5A:50:4D:8E:8A, the "    \
	"CA's subject key identifier is " CA_SKI

Test(renew, foreign_certificates_are_refused)
{
	struct kiln_keyreq kr = {.algo = KILN_KEY_ECDSA, .size = 256};
	struct kiln_renew opts;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	memset(&opts, 0, sizeof(opts));
	/* Both CAs share a name: the key identifiers tell them apart. */
	renew_fails(load("renew/foreign.pem"), &opts, FOREIGN);
	renew_fails(load("renew/other-ca.pem"), &opts,
	    "not issued by this CA: it has no authority key identifier, the "
	    "CA's subject key identifier is " CA_SKI);
	cr_assert_eq(kiln_key_generate(&key, &kr, &rng, &err), 0);
	opts.new_key = &key;
	renew_fails(load("renew/foreign.pem"), &opts, FOREIGN);
}

/* Whether "oid" is in "o" and "n" with the same bytes and criticality. */
static void
same_ext(const struct kiln_info *o, const struct kiln_info *n, const char *oid)
{
	const struct kiln_ext *eo = find_ext(o, oid), *en = find_ext(n, oid);
	size_t i, count = 0;

	cr_assert_not_null(eo, "%s not in the old certificate", oid);
	cr_assert_not_null(en, "%s not carried over", oid);
	cr_assert_eq(
	    eo->critical, en->critical, "%s: criticality changed", oid);
	cr_assert(eo->len == en->len && memcmp(o->der.p + eo->off,
	                                    n->der.p + en->off, eo->len) == 0,
	    "%s: not carried over byte for byte", oid);
	for (i = 0; i < n->next; i++)
		count += strcmp(n->ext[i].oid, oid) == 0;
	cr_assert_eq(count, 1, "%s written %zu times", oid, count);
}

/* A leaf's certificate policies, critical or not, stay as they were. */
Test(renew, a_leafs_policies_are_carried_byte_for_byte)
{
	const struct kiln_info *old, *n;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	old = load("renew/policy.pem");
	n = renew(old);
	cr_assert_eq(n_dropped, 0, "dropped %s", dropped[0]);
	same_ext(old, n, "2.5.29.32");
	cr_assert_eq(find_ext(n, "2.5.29.32")->critical, 0);
	same_but_serial_and_dates(old, n);
	cr_assert_eq(memcmp(old->key_id, n->key_id, 20), 0);
	old = load("renew/policy-critical.pem");
	n = renew(old);
	cr_assert_eq(n_dropped, 0, "dropped %s", dropped[0]);
	same_ext(old, n, "2.5.29.32");
	cr_assert_eq(find_ext(n, "2.5.29.32")->critical, 1);
	cr_assert_eq(kiln_renew_kind(n, &ca), KILN_RENEW_LEAF);
}

/* A name-constrained CA stays constrained: its name constraints and
 * policies byte for byte, with their criticality, and its path length. */
Test(renew, a_cas_name_constraints_and_policies_are_carried_byte_for_byte)
{
	const struct kiln_info *old, *n;
	size_t i;

	load_ca("renew/nc-ca.pem", "renew/nc-ca-key.pem");
	old = load("renew/nc-ca.pem");
	cr_assert_eq(old->npermitted, 2);
	n = renew(old);
	for (i = 0; i < n_dropped; i++) /* AKI may be: self-signed, none */
		cr_assert_str_eq(dropped[i], "2.5.29.35",
		    "%s reported as dropped", dropped[i]);
	same_ext(old, n, "2.5.29.30");
	same_ext(old, n, "2.5.29.32");
	cr_assert_eq(find_ext(n, "2.5.29.30")->critical, 1);
	cr_assert_eq(n->npermitted, 2);
	same_but_serial_and_dates(old, n);
	cr_assert_eq(n->max_path_len, 1);
	cr_assert_eq(memcmp(old->key_id, n->key_id, 20), 0);
	cr_assert_eq(kiln_renew_kind(n, &ca), KILN_RENEW_CA);
}

/* A profile may repeat the policies a CA has, not change them, nor its
 * path length. */
Test(renew, a_profile_cannot_widen_a_ca)
{
	static const char cfg[] =
	    "{\"signing\": {\"profiles\": {"
	    "\"nolen\": {\"expiry\": \"1h\", \"usages\": [\"cert sign\"],"
	    " \"ca_constraint\": {\"is_ca\": true}},"
	    "\"len2\": {\"expiry\": \"1h\", \"usages\": [\"cert sign\"],"
	    " \"ca_constraint\": {\"is_ca\": true, \"max_path_len\": 2}},"
	    "\"len1\": {\"expiry\": \"1h\", \"usages\": [\"cert sign\"],"
	    " \"ca_constraint\": {\"is_ca\": true, \"max_path_len\": 1}},"
	    "\"otherpol\": {\"expiry\": \"1h\", \"usages\": [\"cert sign\"],"
	    " \"ca_constraint\": {\"is_ca\": true, \"max_path_len\": 1},"
	    " \"policies\": [{\"ID\": \"1.2.3.4\"}]},"
	    "\"samepol\": {\"expiry\": \"1h\", \"usages\": [\"cert sign\"],"
	    " \"ca_constraint\": {\"is_ca\": true, \"max_path_len\": 1},"
	    " \"policies\": [{\"ID\": \"1.3.6.1.4.1.99999.2\"}]}}}}";
	const struct kiln_info *old, *n;
	struct kiln_renew opts;

	load_ca("renew/nc-ca.pem", "renew/nc-ca-key.pem");
	old = load("renew/nc-ca.pem");
	cr_assert_eq(kiln_config_parse(&config, cfg, sizeof(cfg) - 1, &err), 0,
	    "%s", err.msg);
	memset(&opts, 0, sizeof(opts));
	opts.profile = kiln_config_profile(&config, "nolen", &err);
	renew_fails(old, &opts,
	    "basicConstraints: the profile's path length (none) is not the "
	    "certificate's (1), which a renewal keeps");
	opts.profile = kiln_config_profile(&config, "len2", &err);
	renew_fails(old, &opts,
	    "basicConstraints: the profile's path length (2) is not the "
	    "certificate's (1), which a renewal keeps");
	opts.profile = kiln_config_profile(&config, "otherpol", &err);
	renew_fails(old, &opts,
	    "certificatePolicies: the profile's are not the certificate's, "
	    "which a renewal keeps");
	cr_assert_eq(err.code, KILN_EPOLICY);
	opts.profile = kiln_config_profile(&config, "samepol", &err);
	n = renew_with(old, &opts);
	same_ext(old, n, "2.5.29.30");
	same_ext(old, n, "2.5.29.32");
	cr_assert_eq(n->max_path_len, 1);
	opts.profile = kiln_config_profile(&config, "len1", &err);
	n = renew_with(old, &opts);
	same_ext(old, n, "2.5.29.32");
	dates(n, 3600);
}

/* kiln_issue of "cr" under "p" by "issuer" (NULL: self-issued) with
 * "k", at NOW, inspected. */
static const struct kiln_info *
make(const struct kiln_certreq *cr, const struct kiln_profile *p,
    const struct kiln_cert *issuer, struct kiln_key *k)
{
	struct kiln_infos *i;

	cr_assert_lt(n_olds, SLOTS);
	i = &olds[n_olds++];
	buf.len = 0;
	cr_assert_eq(kiln_issue(&buf, cr, p, issuer, k, &rng, NOW, &err), 0,
	    "kiln_issue: %s", err.msg);
	cr_assert_eq(
	    kiln_inspect_certs(i, buf.p, buf.len, &err), 0, "%s", err.msg);
	return &i->v[0];
}

/* A request for the subject and key of "from". */
static struct kiln_certreq
request_of(const struct kiln_info *from, const struct kiln_sans *sans)
{
	struct x509_tbs t = tbs(from);
	struct kiln_certreq cr;

	memset(&cr, 0, sizeof(cr));
	cr.subject = t.subject.p;
	cr.subject_len = rd_len(&t.subject);
	cr.spki = t.spki.p;
	cr.spki_len = rd_len(&t.spki);
	cr.sans = sans;
	return cr;
}

/* A critical extension kiln neither writes nor carries: refused, since the
 * renewed certificate would lose the limit it sets. */
Test(renew, a_critical_extension_kiln_cannot_carry_is_refused)
{
	/* 1.3.6.1.4.1.99999.9, critical, NULL. */
	static const unsigned char ext[] = {0x30, 0x12, 0x06, 0x09, 0x2b, 0x06,
	    0x01, 0x04, 0x01, 0x86, 0x8d, 0x1f, 0x09, 0x01, 0x01, 0xff, 0x04,
	    0x02, 0x05, 0x00};
	const struct kiln_info *leaf, *odd;
	struct kiln_profile p;
	struct kiln_certreq cr;
	struct kiln_sans sans;
	struct kiln_renew opts;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	leaf = load("renew/leaf.pem");
	kiln_sans_init(&sans);
	memset(&p, 0, sizeof(p));
	p.ku = KILN_KU_DIGITAL_SIGNATURE;
	p.expiry = 3600 * KILN_NS_SECOND;
	p.backdate = 300 * KILN_NS_SECOND;
	cr = request_of(leaf, &sans);
	cr.extra = ext;
	cr.extra_len = sizeof(ext);
	odd = make(&cr, &p, &ca, &ca_key);
	cr_assert_not_null(find_ext(odd, "1.3.6.1.4.1.99999.9"));
	cr_assert_eq(kiln_renew_kind(odd, &ca), KILN_RENEW_LEAF);
	memset(&opts, 0, sizeof(opts));
	renew_fails(odd, &opts,
	    "critical extension 1.3.6.1.4.1.99999.9: kiln cannot carry it "
	    "over");
	kiln_sans_free(&sans);
}

/* What is neither written nor kept, and not critical, is named. */
Test(renew, a_dropped_extension_is_reported)
{
	const struct kiln_info *leaf, *crl, *n;
	struct kiln_profile p;
	struct kiln_certreq cr;
	struct kiln_sans sans;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	leaf = load("renew/leaf.pem");
	kiln_sans_init(&sans);
	memset(&p, 0, sizeof(p));
	p.ku = KILN_KU_DIGITAL_SIGNATURE;
	p.expiry = 3600 * KILN_NS_SECOND;
	p.backdate = 300 * KILN_NS_SECOND;
	p.crl_url = (char *)"http://crl.example/ca.crl";
	cr = request_of(leaf, &sans);
	crl = make(&cr, &p, &ca, &ca_key);
	n = renew(crl);
	cr_assert_eq(n_dropped, 1);
	cr_assert_str_eq(dropped[0], "2.5.29.31");
	cr_assert_null(find_ext(n, "2.5.29.31"));
	kiln_sans_free(&sans);
}

/* A certificate with the CA's subject and public key, issued by itself
 * but signed by another key, with no path length, SANs and 175 years:
 * never taken for the CA, never renewed into a genuine one. */
Test(renew, a_forged_ca_certificate_is_refused)
{
	struct kiln_keyreq kr = {.algo = KILN_KEY_ECDSA, .size = 256};
	const struct kiln_info *real, *forged;
	struct kiln_profile p;
	struct kiln_certreq cr;
	struct kiln_sans sans;
	struct kiln_renew opts;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	real = load("renew/ca.pem");
	cr_assert_eq(kiln_key_generate(&key, &kr, &rng, &err), 0);
	kiln_sans_init(&sans);
	cr_assert_eq(kiln_sans_add(&sans, "evil.example", &err), 0);
	memset(&p, 0, sizeof(p));
	p.ku = KILN_KU_CERT_SIGN | KILN_KU_CRL_SIGN;
	p.is_ca = 1;
	p.has_not_before = 1;
	p.not_before = NOW - 86400;
	p.has_not_after = 1;
	p.not_after = NOW + 175LL * 365 * 86400;
	cr = request_of(real, &sans);
	cr.keep_sans = 1;
	forged = make(&cr, &p, NULL, &key); /* signed by the junk key */
	cr_assert_eq(forged->max_path_len, -1);
	cr_assert_eq(forged->ndns, 1);
	cr_assert_eq(kiln_renew_kind(forged, &ca), KILN_RENEW_FORGED_CA);
	cr_assert_eq(kiln_renew_kind(real, &ca), KILN_RENEW_CA);
	memset(&opts, 0, sizeof(opts));
	renew_fails(forged, &opts,
	    "the CA's subject and key, but not signed by the CA key: a forged "
	    "CA certificate, refused");
	kiln_sans_free(&sans);
}

/* notAfter 99991231235959Z (RFC 5280's "no expiration date"): its
 * lifetime in nanoseconds does not fit an int64, which is an error, not
 * an overflow; -expiry renews it. */
Test(renew, a_lifetime_past_what_a_duration_holds_is_an_error)
{
	const struct kiln_info *leaf, *far, *n;
	struct kiln_profile p;
	struct kiln_certreq cr;
	struct kiln_sans sans;
	struct kiln_renew opts;
	char want[200];

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	leaf = load("renew/leaf.pem");
	kiln_sans_init(&sans);
	memset(&p, 0, sizeof(p));
	p.ku = KILN_KU_DIGITAL_SIGNATURE;
	p.has_not_before = 1;
	p.not_before = 1700000000;
	p.has_not_after = 1;
	p.not_after = 253402300799LL;
	cr = request_of(leaf, &sans);
	far = make(&cr, &p, &ca, &ca_key);
	cr_assert_eq(far->not_after, 253402300799LL);
	memset(&opts, 0, sizeof(opts));
	snprintf(want, sizeof(want),
	    "its lifetime, %lld days, is more than kiln can write (106751 days "
	    "at most): renew it with an expiry",
	    (253402300799LL - 1700000000) / 86400);
	renew_fails(far, &opts, want);
	/* kiln_renew_all's job says which refusal, for a front end to name
	 * its flag; the library names none. */
	{
		struct kiln_renew_job job;

		kiln_renew_job_init(&job);
		job.old = far;
		cr_assert_eq(kiln_renew_all(&job, 1, &opts, &ca, &ca_key,
		                 &rng, NOW, 1, &err),
		    0, "%s", err.msg);
		cr_assert_eq(job.rc, -1);
		cr_assert_eq(job.why, KILN_RENEW_WHY_LIFETIME);
		cr_assert_str_eq(job.err.msg, want);
		kiln_renew_job_free(&job);
	}
	opts.expiry = 48LL * 3600 * 1000000000;
	n = renew_with(far, &opts);
	dates(n, 48 * 3600);
	kiln_sans_free(&sans);
}

/* tests/data/inspect/sans.pem, a self-signed CA with name constraints, has
 * an extKeyUsage 1.2.3.4.5 kiln cannot write: refused, not narrowed. */
Test(renew, an_extended_key_usage_kiln_cannot_write_is_refused)
{
	struct kiln_renew opts;

	load_ca("inspect/sans.pem", "inspect/ec-key.pem");
	memset(&opts, 0, sizeof(opts));
	renew_fails(load("inspect/sans.pem"), &opts,
	    "extended key usage 1.2.3.4.5: kiln cannot write it");
}

/* A CA whose SKI is not the SHA-1 of its key (openssl with an explicit
 * subjectKeyIdentifier): the certificates it issued name it by that SKI
 * (their AKI), so the renewed CA must keep it or they no longer chain. */
Test(renew, ca_keeps_a_subject_key_identifier_it_did_not_compute)
{
	static const unsigned char ski[] = {1, 2, 3, 4, 5, 6, 7, 8};
	const struct kiln_info *old, *n;

	load_ca("renew/ski-ca.pem", "renew/nc-ca-key.pem");
	old = load("renew/ski-ca.pem");
	cr_assert_eq(old->ski_len, sizeof(ski));
	n = renew(old);
	cr_assert_eq(
	    n->ski_len, sizeof(ski), "SKI of %zu bytes, want 8", n->ski_len);
	cr_assert_eq(memcmp(n->ski, ski, sizeof(ski)), 0, "SKI changed");
}

/* A CA with DNS and email SANs (openssl): "the same SANs". */
Test(renew, ca_keeps_its_sans)
{
	const struct kiln_info *old, *n;

	load_ca("renew/san-ca.pem", "renew/nc-ca-key.pem");
	old = load("renew/san-ca.pem");
	cr_assert_eq(old->ndns, 1);
	cr_assert_eq(old->nemails, 1);
	n = renew(old);
	same_strs(old->dns, old->ndns, n->dns, n->ndns, "DNS SANs");
	same_strs(old->ips, old->nips, n->ips, n->nips, "IP SANs");
	same_strs(
	    old->emails, old->nemails, n->emails, n->nemails, "email SANs");
}

/* SANs kiln does not model (a directory name, an otherName): kept byte for
 * byte, or the SAN extension reported as not carried over. */
Test(renew, sans_kiln_cannot_write_are_kept_or_reported)
{
	const struct kiln_info *old, *n;
	const struct kiln_ext *eo, *en;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	old = load("renew/odd-sans.pem");
	cr_assert_eq(old->ndns, 1);
	n = renew(old);
	eo = find_ext(old, "2.5.29.17");
	en = find_ext(n, "2.5.29.17");
	cr_assert_not_null(eo);
	if (has_dropped("2.5.29.17"))
		return;
	cr_assert_not_null(en, "the SANs were dropped and not reported");
	cr_assert(eo->len == en->len && memcmp(old->der.p + eo->off,
	                                    n->der.p + en->off, eo->len) == 0,
	    "the directory name and otherName SANs were dropped, and the "
	    "SAN extension not reported as not carried over");
}

/* An intermediate renewed by the CA that issued it stays an intermediate
 * of that CA, pathlen 0 included. */
Test(renew, intermediate_renewed_by_its_issuer)
{
	const struct kiln_info *old, *n;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	old = load("renew/inter.pem");
	cr_assert_eq(kiln_renew_kind(old, &ca), KILN_RENEW_LEAF);
	n = renew(old);
	same_but_serial_and_dates(old, n);
	dates(n, old->not_after - old->not_before);
	cr_assert_eq(n->is_ca, 1);
	cr_assert_eq(n->max_path_len, 0);
	cr_assert_eq(memcmp(old->key_id, n->key_id, 20), 0);
	cr_assert_eq(n_dropped, 0);
}

/* An intermediate given as its own CA ("-ca inter.pem -ca-key
 * inter-key.pem inter.pem"): it cannot be issued again without its
 * issuer's key, and must not silently become a self-signed root, which
 * breaks every chain through it. */
Test(renew, intermediate_is_not_turned_into_a_root)
{
	const struct kiln_info *old;
	struct kiln_renew opts;
	struct x509_tbs to, tn;

	load_ca("renew/inter.pem", "renew/inter-key.pem");
	old = load("renew/inter.pem");
	memset(&opts, 0, sizeof(opts));
	out.len = 0;
	{
		struct kiln_renew_job job;

		kiln_renew_job_init(&job);
		job.old = old;
		cr_assert_eq(kiln_renew_all(&job, 1, &opts, &ca, &ca_key,
		                 &rng, NOW, 1, &err),
		    0, "%s", err.msg);
		cr_assert_eq(job.rc, -1);
		cr_assert_eq(job.why, KILN_RENEW_WHY_INTERMEDIATE);
		cr_assert_str_eq(job.err.msg,
		    "the intermediate CA given as its own CA: only its issuer "
		    "can renew it");
		kiln_renew_job_free(&job);
	}
	if (kiln_renew(&out, old, &opts, &ca, &ca_key, &rng, NOW, &dropped,
	        &n_dropped, &err) == -1)
		return; /* refused: fine */
	cr_assert_eq(kiln_inspect_certs(&renewed, out.p, out.len, &err), 0);
	to = tbs(old);
	tn = tbs(&renewed.v[0]);
	cr_assert(rd_equal(&to.issuer, &tn.issuer),
	    "the intermediate was renewed as a self-signed root");
}

/* kiln_renew_all. */

/* Renew leaf, expired, foreign and the CA itself on "threads" threads;
 * the leaf with a new key when "rekey". */
static void
renew_all_on(unsigned int threads, const struct kiln_keyreq *rekey)
{
	static const char *const names[] = {"renew/leaf.pem",
	    "renew/expired.pem", "renew/foreign.pem", "renew/ca.pem"};
	struct kiln_renew_job jobs[4];
	const struct kiln_info *o;
	struct kiln_infos n;
	struct kiln_renew opts;
	size_t i;

	memset(&opts, 0, sizeof(opts));
	for (i = 0; i < 4; i++) {
		kiln_renew_job_init(&jobs[i]);
		jobs[i].old = n_olds > i ? &olds[i].v[0] : load(names[i]);
	}
	jobs[0].rekey = rekey;
	kiln_err_clear(&err);
	cr_assert_eq(kiln_renew_all(jobs, 4, &opts, &ca, &ca_key, &rng, NOW,
	                 threads, &err),
	    0, "%s", err.msg);
	for (i = 0; i < 4; i++) {
		o = jobs[i].old;
		if (i == 2) { /* foreign: its own failure, the others go on */
			cr_assert_eq(jobs[i].rc, -1);
			cr_assert_str_eq(jobs[i].err.msg, FOREIGN);
			cr_assert_eq(jobs[i].der.len, 0);
			continue;
		}
		cr_assert_eq(
		    jobs[i].rc, 0, "%s: %s", names[i], jobs[i].err.msg);
		kiln_infos_init(&n);
		cr_assert_eq(kiln_inspect_certs(
		                 &n, jobs[i].der.p, jobs[i].der.len, &err),
		    0, "%s", err.msg);
		if (i == 0 && rekey != NULL) {
			cr_assert_neq(memcmp(o->key_id, n.v[0].key_id, 20), 0);
			cr_assert_eq(kiln_inspect_key_match(
			                 &n.v[0], &jobs[i].key, &rng, &err),
			    0, "the new key does not match");
		} else {
			same_but_serial_and_dates(o, &n.v[0]);
			cr_assert_eq(memcmp(o->key_id, n.v[0].key_id, 20), 0);
		}
		dates(&n.v[0], o->not_after - o->not_before);
		cr_assert_eq(kiln_renew_kind(&n.v[0], &ca),
		    i == 3 ? KILN_RENEW_CA : KILN_RENEW_LEAF);
		kiln_infos_free(&n);
	}
	for (i = 0; i < 4; i++)
		kiln_renew_job_free(&jobs[i]);
}

Test(renew, renew_all_on_one_or_two_threads_as_one_at_a_time)
{
	load_ca("renew/ca.pem", "renew/ca-key.pem");
	renew_all_on(1, NULL);
	renew_all_on(2, NULL);
	renew_all_on(4, NULL);
	renew_all_on(0, NULL);
}

Test(renew, renew_all_makes_new_keys_on_its_threads)
{
	struct kiln_keyreq kr = {.algo = KILN_KEY_ECDSA, .size = 256};

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	renew_all_on(1, &kr);
	renew_all_on(2, &kr);
}

Test(renew, renew_all_keeps_a_key_failure_to_its_certificate)
{
	struct kiln_keyreq bad = {.algo = KILN_KEY_ECDSA, .size = 255};
	struct kiln_renew_job jobs[2];
	struct kiln_renew opts;
	unsigned int t;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	load("renew/leaf.pem");
	memset(&opts, 0, sizeof(opts));
	for (t = 1; t <= 2; t++) {
		kiln_renew_job_init(&jobs[0]);
		kiln_renew_job_init(&jobs[1]);
		jobs[0].old = jobs[1].old = &olds[0].v[0];
		jobs[0].rekey = &bad;
		cr_assert_eq(kiln_renew_all(jobs, 2, &opts, &ca, &ca_key, &rng,
		                 NOW, t, &err),
		    0, "%s", err.msg);
		cr_assert_eq(jobs[0].rc, -1);
		cr_assert_str_eq(jobs[0].err.msg,
		    "invalid ECDSA key size 255 (256, 384 or 521)");
		cr_assert_eq(jobs[1].rc, 0, "%s", jobs[1].err.msg);
		cr_assert_gt(jobs[1].der.len, 0);
		kiln_renew_job_free(&jobs[0]);
		kiln_renew_job_free(&jobs[1]);
	}
	cr_assert_eq(
	    kiln_renew_all(jobs, 0, &opts, &ca, &ca_key, &rng, NOW, 2, &err),
	    0);
}

/* The key files beside a certificate, by the layouts in use. */

Test(renew, key_names_follow_cfssljson_and_kubeadm)
{
	char name[64];

	cr_assert_eq(kiln_renew_key_name("etcd.pem", name, sizeof(name)), 1);
	cr_assert_str_eq(name, "etcd-key.pem");
	cr_assert_eq(kiln_renew_key_name("server.pem", name, sizeof(name)), 1);
	cr_assert_str_eq(name, "server-key.pem");
	cr_assert_eq(
	    kiln_renew_key_name("apiserver.crt", name, sizeof(name)), 1);
	cr_assert_str_eq(name, "apiserver.key");
	cr_assert_eq(kiln_renew_key_name("tls.crt", name, sizeof(name)), 1);
	cr_assert_str_eq(name, "tls.key");
	cr_assert_eq(kiln_renew_key_name("cert.der", name, sizeof(name)), 0);
	cr_assert_eq(kiln_renew_key_name(".pem", name, sizeof(name)), 0);
	cr_assert_eq(kiln_renew_key_name("etcd", name, sizeof(name)), 0);
	/* What does not fit is no name, never a shortened one. */
	cr_assert_eq(kiln_renew_key_name("etcd.pem", name, 12), 0);
	cr_assert_eq(kiln_renew_key_name("etcd.pem", name, 13), 1);
}

Test(renew, the_key_block_of_a_file)
{
	static const char cert[] = "-----BEGIN CERTIFICATE-----\nAAAA\n"
	                           "-----END CERTIFICATE-----\n";
	static const char k1[] = "-----BEGIN EC PRIVATE KEY-----\nBBBB\n"
	                         "-----END EC PRIVATE KEY-----";
	static const char k2[] = "-----BEGIN PRIVATE KEY-----\r\nCCCC\r\n"
	                         "-----END PRIVATE KEY-----";
	char text[512];
	size_t off = 99, n = 99;

	snprintf(text, sizeof(text), "%s", cert);
	cr_assert_eq(kiln_renew_key_block(
	                 (unsigned char *)text, strlen(text), &off, &n, &err),
	    0);
	snprintf(text, sizeof(text), "%s%s\n", cert, k1);
	cr_assert_eq(kiln_renew_key_block(
	                 (unsigned char *)text, strlen(text), &off, &n, &err),
	    1);
	cr_assert_eq(off, sizeof(cert) - 1);
	cr_assert_eq(n, sizeof(k1) - 1);
	snprintf(text, sizeof(text), "%s\r\n%s", k2, cert);
	cr_assert_eq(kiln_renew_key_block(
	                 (unsigned char *)text, strlen(text), &off, &n, &err),
	    1);
	cr_assert_eq(off, 0);
	cr_assert_eq(n, sizeof(k2) - 1);
	snprintf(text, sizeof(text), "%s\n%s%s\n", k1, cert, k2);
	cr_assert_eq(kiln_renew_key_block(
	                 (unsigned char *)text, strlen(text), &off, &n, &err),
	    -1);
	cr_assert_str_eq(err.msg, "holds more than one private key");
	snprintf(
	    text, sizeof(text), "%s-----BEGIN RSA PRIVATE KEY-----\nD", cert);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_renew_key_block(
	                 (unsigned char *)text, strlen(text), &off, &n, &err),
	    -1);
	cr_assert_str_eq(err.msg, "a private key cut short");
}

/* The key beside a certificate must be its own, checked to the point. */
Test(renew, the_key_of_a_certificate_is_checked)
{
	static const char *const foreign = "keys/p256-sec1-foreign-public.pem";
	const struct kiln_info *leaf, *p256;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	leaf = load("renew/leaf.pem");
	read_data("renew/leaf-key.pem", &out);
	cr_assert_eq(kiln_renew_check_key(&key, leaf, "leaf.pem", out.p,
	                 out.len, "leaf-key.pem", &rng, &err),
	    0, "%s", err.msg);
	/* The CA's key beside the leaf: another key. */
	read_data("renew/ca-key.pem", &out);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_renew_check_key(&key, leaf, "leaf.pem", out.p,
	                 out.len, "ca-key.pem", &rng, &err),
	    -1);
	cr_assert_str_eq(err.msg,
	    "leaf.pem: its key ca-key.pem does not match it: refused (a "
	    "certificate is renewed only for the key beside it)");
	/* The certificate's public point with another scalar. */
	p256 = load("keys/p256-cert.pem");
	read_data(foreign, &out);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_renew_check_key(&key, p256, "p256-cert.pem", out.p,
	                 out.len, "foreign.pem", &rng, &err),
	    -1);
	cr_assert_str_eq(err.msg,
	    "p256-cert.pem: its key foreign.pem: private key: its public part "
	    "is not its private part's (a corrupt or forged key)");
	read_data("keys/p256-sec1.pem", &out);
	cr_assert_eq(kiln_renew_check_key(&key, p256, "p256-cert.pem", out.p,
	                 out.len, "p256-sec1.pem", &rng, &err),
	    0, "%s", err.msg);
	read_data("keys/p256-encrypted.pem", &out);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_renew_check_key(&key, p256, "p256-cert.pem", out.p,
	                 out.len, "enc.pem", &rng, &err),
	    -1);
	cr_assert_str_eq(err.msg,
	    "p256-cert.pem: its key enc.pem is encrypted: kiln renew reads no "
	    "password for it (CFSSL_CA_PK_PASSWORD is the CA key's only)");
	read_data("renew/leaf.pem", &out);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_renew_check_key(&key, leaf, "leaf.pem", out.p,
	                 out.len, "leaf.pem", &rng, &err),
	    -1);
	cr_assert_str_eq(
	    err.msg, "leaf.pem: its key leaf.pem: not a private key");
}

/* A renewed file holds exactly the new certificate, the chain re-encoded
 * after it, and a key kept in it re-encoded last. */
Test(renew, a_renewed_file_is_written_from_what_was_parsed)
{
	struct kiln_infos bundle, got;
	struct kiln_buf text, der;
	size_t off, n;

	kiln_infos_init(&bundle);
	kiln_infos_init(&got);
	kiln_buf_init(&text);
	kiln_buf_init(&der);
	load_ca("renew/ca.pem", "renew/ca-key.pem");
	read_data("renew/leaf.pem", &text);
	cr_assert_eq(kiln_buf_append(&text, "# a comment\n", 12, &err), 0);
	read_data("renew/ca.pem", &buf);
	cr_assert_eq(kiln_buf_append(&text, buf.p, buf.len, &err), 0);
	read_data("renew/leaf-key.pem", &buf);
	cr_assert_eq(kiln_buf_append(&text, buf.p, buf.len, &err), 0);
	cr_assert_eq(kiln_inspect_certs(&bundle, text.p, text.len, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(bundle.n, 2);
	cr_assert_eq(kiln_renew_check_key(&key, &bundle.v[0], "b.pem", buf.p,
	                 buf.len, "b.pem", &rng, &err),
	    0, "%s", err.msg);
	renew(&bundle.v[0]);
	cr_assert_eq(kiln_buf_append(&der, out.p, out.len, &err), 0);
	out.len = 0;
	cr_assert_eq(kiln_renew_file(&out, &der, &bundle, &key, 1, &err), 0);
	cr_assert_eq(kiln_buf_terminate(&out, &err), 0);
	cr_assert_null(strstr((char *)out.p, "comment"));
	cr_assert_eq(kiln_inspect_certs(&got, out.p, out.len, &err), 0);
	cr_assert_eq(got.n, 2);
	cr_assert(got.v[0].der.len == der.len &&
	          memcmp(got.v[0].der.p, der.p, der.len) == 0);
	cr_assert(got.v[1].der.len == bundle.v[1].der.len &&
	          memcmp(got.v[1].der.p, bundle.v[1].der.p,
	              bundle.v[1].der.len) == 0);
	cr_assert_eq(kiln_renew_key_block(out.p, out.len, &off, &n, &err), 1);
	cr_assert_eq(off + n + 1, out.len, "the key is not last");
	cr_assert_eq(kiln_renew_check_key(&key, &got.v[0], "b.pem", out.p + off,
	                 n, "b.pem", &rng, &err),
	    0, "%s", err.msg);
	/* DER stays DER: the certificate alone. */
	out.len = 0;
	cr_assert_eq(kiln_renew_file(&out, &der, &renewed, NULL, 0, &err), 0);
	cr_assert(out.len == der.len && memcmp(out.p, der.p, der.len) == 0);
	kiln_infos_free(&bundle);
	kiln_infos_free(&got);
	kiln_buf_free(&text);
	kiln_buf_free(&der);
}

/* The largest -expiry with a backdate of 1.5 s: the fraction of a second
 * the backdate leaves plus the expiry passes INT64_MAX nanoseconds, and
 * is added without overflow (notAfter in 2322). */
Test(renew, the_largest_expiry_does_not_overflow)
{
	static const char cfg[] =
	    "{\"signing\": {\"profiles\": {\"odd\": {\"expiry\": \"1h\","
	    "\"backdate\": \"1.5s\", \"usages\": [\"signing\"]}}}}";
	const struct kiln_info *old, *n;
	struct kiln_renew opts;

	load_ca("renew/ca.pem", "renew/ca-key.pem");
	old = load("renew/leaf.pem");
	cr_assert_eq(kiln_config_parse(&config, cfg, sizeof(cfg) - 1, &err), 0,
	    "%s", err.msg);
	memset(&opts, 0, sizeof(opts));
	opts.profile = kiln_config_profile(&config, "odd", &err);
	cr_assert_not_null(opts.profile, "%s", err.msg);
	opts.expiry = INT64_MAX;
	n = renew_with(old, &opts);
	/* NOW rounded to the minute, less 1.5 s: 0.5 s past this second. */
	cr_assert_eq(n->not_before, 1900000020LL - 2);
	cr_assert_eq(n->not_after - n->not_before, 9223372037LL,
	    "lifetime %lld", n->not_after - n->not_before);
}
