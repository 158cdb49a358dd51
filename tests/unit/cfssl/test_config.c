#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kiln/config.h"
#include "kiln/duration.h"

static struct kiln_config cfg;
static struct kiln_err err;

static void
setup(void)
{
	kiln_config_init(&cfg);
	kiln_err_clear(&err);
}

static void
teardown(void)
{
	kiln_config_free(&cfg);
}

TestSuite(config, .init = setup, .fini = teardown);

#define H KILN_NS_HOUR
#define KU_SERVER (KILN_KU_DIGITAL_SIGNATURE | KILN_KU_KEY_ENCIPHERMENT)

static int
parse(const char *json)
{
	return kiln_config_parse(&cfg, json, strlen(json), &err);
}

/* Parse a fixture from tests/data/config. */
static int
parse_file(const char *name)
{
	char path[512], *text;
	size_t n;
	long len;
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/config/%s", KILN_TEST_DATA, name);
	cr_assert_not_null(f = fopen(path, "rb"), "%s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	cr_assert_geq(len = ftell(f), 0);
	rewind(f);
	cr_assert_not_null(text = malloc((size_t)len + 1));
	n = fread(text, 1, (size_t)len, f);
	fclose(f);
	cr_assert_eq(n, (size_t)len);
	text[n] = '\0';
	rc = kiln_config_parse(&cfg, text, n, &err);
	free(text); /* nothing in cfg may point into it */
	return rc;
}

/* Expect parse(json) to fail with KILN_EINVAL and exactly "msg". */
static void
refuses(const char *json, const char *msg)
{
	kiln_err_clear(&err);
	cr_assert_eq(parse(json), -1, "accepted: %s", json);
	cr_expect_eq(err.code, KILN_EINVAL, "code %d for %s", err.code, json);
	cr_expect_str_eq(err.msg, msg);
}

/* A config with one named profile "k" whose body is "body". */
static const char *
one(const char *body)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "{\"signing\":{\"profiles\":{\"k\":{%s}}}}",
	    body);
	return buf;
}

static const struct kiln_profile *
profile(const char *name)
{
	const struct kiln_profile *p = kiln_config_profile(&cfg, name, &err);

	cr_assert_not_null(p, "%s: %s", name, err.msg);
	return p;
}

/* ---- DefaultConfig ---- */

Test(config, init_gives_cfssls_default_config)
{
	const struct kiln_profile *p = profile(NULL);

	cr_assert_eq(p, &cfg.def);
	cr_assert_eq(p->expiry, 8760 * H);
	cr_assert_eq(p->backdate, 5 * KILN_NS_MINUTE);
	cr_assert_eq(p->ku, KU_SERVER);
	cr_assert_eq(p->n_eku, 2);
	cr_assert_eq(p->eku[0], KILN_EKU_SERVER_AUTH);
	cr_assert_eq(p->eku[1], KILN_EKU_CLIENT_AUTH);
	cr_assert_eq(p->is_ca, 0);
	cr_assert_eq(p->has_not_before, 0);
	cr_assert_eq(p->has_not_after, 0);
	cr_assert_null(p->name_whitelist);
	cr_assert_null(p->ocsp_url);
	cr_assert_null(p->crl_url);
	cr_assert_eq(p->n_issuer_urls, 0);
	cr_assert_eq(cfg.n_profiles, 0);
}

Test(config, empty_profile_name_means_the_default)
{
	cr_assert_eq(profile(""), &cfg.def);
}

Test(config, free_twice_and_init_again_is_safe)
{
	kiln_config_free(&cfg);
	kiln_config_free(&cfg);
	kiln_config_init(&cfg);
}

/* ---- the etcd guide and a full config ---- */

Test(config, parses_the_etcd_guide_config)
{
	const struct kiln_profile *k;

	cr_assert_eq(parse_file("etcd-guide.json"), 0, "%s", err.msg);
	cr_assert_eq(cfg.n_profiles, 1);
	cr_assert_str_eq(cfg.names[0], "kubernetes");
	k = profile("kubernetes");
	cr_assert_eq(k->ku, 0x5);
	cr_assert_eq(k->n_eku, 2);
	cr_assert_eq(k->eku[0], KILN_EKU_SERVER_AUTH);
	cr_assert_eq(k->eku[1], KILN_EKU_CLIENT_AUTH);
	cr_assert_eq(k->expiry, 87600 * H);
	cr_assert_eq(k->backdate, 5 * KILN_NS_MINUTE);
	cr_assert_eq(k->is_ca, 0);
	cr_assert_null(k->name_whitelist);
	cr_assert_null(k->ocsp_url);
	/* A given default replaces DefaultConfig: this one has no usages. */
	cr_assert_eq(cfg.def.expiry, 87600 * H);
	cr_assert_eq(cfg.def.ku, 0);
	cr_assert_eq(cfg.def.n_eku, 0);
}

Test(config, parses_every_profile_field)
{
	const struct kiln_profile *s, *i;

	cr_assert_eq(parse_file("full.json"), 0, "%s", err.msg);
	cr_assert_eq(cfg.n_profiles, 2);
	cr_assert_str_eq(cfg.names[0], "server");
	cr_assert_str_eq(cfg.names[1], "intermediate");
	cr_assert_eq(cfg.def.backdate, H);
	cr_assert_eq(cfg.def.ku, KILN_KU_DIGITAL_SIGNATURE);

	s = profile("server");
	cr_assert_eq(s->expiry, 43800 * H);
	cr_assert_eq(s->backdate, 5 * KILN_NS_MINUTE); /* not inherited */
	cr_assert_eq(s->ku, KU_SERVER);
	cr_assert_eq(s->n_eku, 1);
	cr_assert_eq(s->eku[0], KILN_EKU_SERVER_AUTH);
	cr_assert_str_eq(s->name_whitelist, "^[a-z0-9.-]+\\.example\\.com$");
	cr_assert_eq(
	    regexec(&s->whitelist, "etcd1.example.com", 0, NULL, 0), 0);
	cr_assert_neq(
	    regexec(&s->whitelist, "etcd1.example.org", 0, NULL, 0), 0);
	cr_assert_str_eq(s->ocsp_url, "http://ocsp.example.com");
	cr_assert_str_eq(s->crl_url, "http://crl.example.com/ca.crl");
	cr_assert_eq(s->n_issuer_urls, 1);
	cr_assert_str_eq(s->issuer_urls[0], "http://ca.example.com/ca.crt");
	cr_assert_eq(s->ocsp_no_check, 0);

	i = profile("intermediate");
	cr_assert_eq(i->expiry, 5 * KILN_NS_YEAR);
	cr_assert_eq(i->backdate, 1);
	cr_assert_eq(i->ku, KILN_KU_CERT_SIGN | KILN_KU_CRL_SIGN);
	cr_assert_eq(i->n_eku, 0);
	cr_assert_eq(i->is_ca, 1);
	cr_assert_eq(i->max_path_len, 0);
	cr_assert_eq(i->max_path_len_zero, 1);
	cr_assert_eq(i->has_not_before, 1);
	cr_assert_eq(i->not_before, 1767323045);
	cr_assert_eq(i->has_not_after, 1);
	cr_assert_eq(i->not_after, 1925089445);
	cr_assert_str_eq(i->ocsp_url, "http://ocsp2.example.com");
	cr_assert_str_eq(i->crl_url, "http://crl.example.com/ca.crl");
	cr_assert_eq(i->n_issuer_urls, 0); /* [] is not null: no fallback */
	cr_assert_eq(i->ocsp_no_check, 1);
	cr_assert_null(i->name_whitelist);
}

/* ---- usages ---- */

Test(config, maps_every_cfssl_usage_name)
{
	/* clang-format off */
	static const struct {
		const char *name;
		int kind;
		unsigned int ku;
		enum kiln_eku eku;
	} t[] = {
		{ "signing",		1, KILN_KU_DIGITAL_SIGNATURE, 0 },
		{ "digital signature",	1, KILN_KU_DIGITAL_SIGNATURE, 0 },
		{ "content commitment",	1, KILN_KU_CONTENT_COMMITMENT, 0 },
		{ "content committment", 1, KILN_KU_CONTENT_COMMITMENT, 0 },
		{ "key encipherment",	1, KILN_KU_KEY_ENCIPHERMENT, 0 },
		{ "data encipherment",	1, KILN_KU_DATA_ENCIPHERMENT, 0 },
		{ "key agreement",	1, KILN_KU_KEY_AGREEMENT, 0 },
		{ "cert sign",		1, KILN_KU_CERT_SIGN, 0 },
		{ "crl sign",		1, KILN_KU_CRL_SIGN, 0 },
		{ "encipher only",	1, KILN_KU_ENCIPHER_ONLY, 0 },
		{ "decipher only",	1, KILN_KU_DECIPHER_ONLY, 0 },
		{ "any",		2, 0, KILN_EKU_ANY },
		{ "server auth",	2, 0, KILN_EKU_SERVER_AUTH },
		{ "client auth",	2, 0, KILN_EKU_CLIENT_AUTH },
		{ "code signing",	2, 0, KILN_EKU_CODE_SIGNING },
		{ "email protection",	2, 0, KILN_EKU_EMAIL_PROTECTION },
		{ "s/mime",		2, 0, KILN_EKU_EMAIL_PROTECTION },
		{ "ipsec end system",	2, 0, KILN_EKU_IPSEC_END_SYSTEM },
		{ "ipsec tunnel",	2, 0, KILN_EKU_IPSEC_TUNNEL },
		{ "ipsec user",		2, 0, KILN_EKU_IPSEC_USER },
		{ "timestamping",	2, 0, KILN_EKU_TIMESTAMPING },
		{ "ocsp signing",	2, 0, KILN_EKU_OCSP_SIGNING },
		{ "microsoft sgc",	2, 0, KILN_EKU_MICROSOFT_SGC },
		{ "netscape sgc",	2, 0, KILN_EKU_NETSCAPE_SGC },
	};
	/* clang-format on */
	unsigned int ku;
	enum kiln_eku eku;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ku = 0;
		eku = KILN_EKU__MAX;
		cr_expect_eq(kiln_config_usage(t[i].name, &ku, &eku), t[i].kind,
		    "%s", t[i].name);
		if (t[i].kind == 1)
			cr_expect_eq(ku, t[i].ku, "%s", t[i].name);
		else
			cr_expect_eq(eku, t[i].eku, "%s", t[i].name);
	}
}

Test(config, usage_names_are_matched_exactly)
{
	static const char *const bad[] = {"Signing", "SERVER AUTH",
	    "server  auth", " signing", "key encypherment", "serverAuth", ""};
	unsigned int ku = 7;
	enum kiln_eku eku = KILN_EKU__MAX;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(
		    kiln_config_usage(bad[i], &ku, &eku), 0, "%s", bad[i]);
	cr_assert_eq(ku, 7);
	cr_assert_eq(eku, KILN_EKU__MAX);
}

Test(config, ors_every_key_usage_into_one_value)
{
	cr_assert_eq(parse(one("\"expiry\":\"1h\",\"usages\":[\"signing\","
	                       "\"digital signature\",\"content commitment\","
	                       "\"key encipherment\",\"data encipherment\","
	                       "\"key agreement\",\"cert sign\",\"crl sign\","
	                       "\"encipher only\",\"decipher only\"]")),
	    0, "%s", err.msg);
	cr_assert_eq(profile("k")->ku, 0x1ff);
	cr_assert_eq(profile("k")->n_eku, 0);
}

Test(config, keeps_extended_usages_in_order_with_duplicates)
{
	const struct kiln_profile *p;

	cr_assert_eq(parse(one("\"expiry\":\"1h\",\"usages\":[\"client auth\","
	                       "\"server auth\",\"signing\",\"client auth\","
	                       "\"s/mime\",\"email protection\"]")),
	    0, "%s", err.msg);
	p = profile("k");
	cr_assert_eq(p->ku, KILN_KU_DIGITAL_SIGNATURE);
	cr_assert_eq(p->n_eku, 5);
	cr_assert_eq(p->eku[0], KILN_EKU_CLIENT_AUTH);
	cr_assert_eq(p->eku[1], KILN_EKU_SERVER_AUTH);
	cr_assert_eq(p->eku[2], KILN_EKU_CLIENT_AUTH);
	cr_assert_eq(p->eku[3], KILN_EKU_EMAIL_PROTECTION);
	cr_assert_eq(p->eku[4], KILN_EKU_EMAIL_PROTECTION);
}

Test(config, default_profile_may_have_no_usages)
{
	cr_assert_eq(parse("{\"signing\":{\"default\":{\"expiry\":\"1h\","
	                   "\"usages\":[]}}}"),
	    0, "%s", err.msg);
	cr_assert_eq(cfg.def.ku, 0);
	cr_assert_eq(cfg.def.n_eku, 0);
}

/* ---- Go JSON rules ---- */

Test(config, matches_keys_case_insensitively)
{
	const struct kiln_profile *p;

	cr_assert_eq(parse("{\"SIGNING\":{\"Default\":{\"EXPIRY\":\"2h\"},"
	                   "\"PROFILES\":{\"k\":{\"Expiry\":\"3h\","
	                   "\"USAGES\":[\"signing\"],\"BackDate\":\"1m\","
	                   "\"CA_Constraint\":{\"IS_CA\":true},"
	                   "\"OCSP_URL\":\"http://o\"}}}}"),
	    0, "%s", err.msg);
	cr_assert_eq(cfg.def.expiry, 2 * H);
	p = profile("k");
	cr_assert_eq(p->expiry, 3 * H);
	cr_assert_eq(p->backdate, KILN_NS_MINUTE);
	cr_assert_eq(p->is_ca, 1);
	cr_assert_str_eq(p->ocsp_url, "http://o");
}

Test(config, last_duplicate_key_wins)
{
	cr_assert_eq(parse(one("\"expiry\":\"10\",\"expiry\":\"2h\","
	                       "\"usages\":[\"bogus\"],\"usages\":[\"any\"]")),
	    0, "%s", err.msg);
	cr_assert_eq(profile("k")->expiry, 2 * H);
	cr_assert_eq(profile("k")->eku[0], KILN_EKU_ANY);
}

Test(config, last_duplicate_profile_wins)
{
	cr_assert_eq(parse("{\"signing\":{\"profiles\":{"
	                   "\"k\":{\"expiry\":\"bad\"},"
	                   "\"j\":{\"expiry\":\"1h\",\"usages\":[\"any\"]},"
	                   "\"k\":{\"expiry\":\"2h\",\"usages\":[\"any\"]}}}}"),
	    0, "%s", err.msg);
	cr_assert_eq(cfg.n_profiles, 2);
	cr_assert_str_eq(cfg.names[0], "j");
	cr_assert_str_eq(cfg.names[1], "k");
	cr_assert_eq(profile("k")->expiry, 2 * H);
}

Test(config, profile_names_are_case_sensitive)
{
	cr_assert_eq(parse_file("etcd-guide.json"), 0, "%s", err.msg);
	cr_assert_null(kiln_config_profile(&cfg, "Kubernetes", &err));
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, "profile \"Kubernetes\" not found in the "
	                          "configuration (its profiles: kubernetes)");
}

Test(config, ignores_unknown_keys)
{
	cr_assert_eq(
	    parse("{\"signing\":{\"profiles\":{\"k\":{\"expiry\":\"1h\","
	          "\"usages\":[\"any\"],\"copy_extensions\":true,"
	          "\"whatever\":[1,{}]}},\"extra\":1},"
	          "\"ocsp\":{},\"remotes\":{\"r\":\"h:1\"}}"),
	    0, "%s", err.msg);
	cr_assert_eq(cfg.n_profiles, 1);
}

Test(config, null_members_are_absent)
{
	cr_assert_eq(parse("{\"signing\":{\"default\":null,\"profiles\":{"
	                   "\"k\":{\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                   "\"backdate\":null,\"ocsp_url\":null,"
	                   "\"ca_constraint\":null,\"not_before\":null,"
	                   "\"remote\":null,\"name_whitelist\":null}}}}"),
	    0, "%s", err.msg);
	cr_assert_eq(cfg.def.ku, KU_SERVER); /* still DefaultConfig */
	cr_assert_eq(profile("k")->backdate, 5 * KILN_NS_MINUTE);
	cr_assert_eq(profile("k")->has_not_before, 0);
}

/* ---- defaults and fallbacks ---- */

Test(config, absent_default_keeps_cfssls_default)
{
	cr_assert_eq(parse(one("\"expiry\":\"1h\",\"usages\":[\"any\"]")), 0,
	    "%s", err.msg);
	cr_assert_eq(cfg.def.expiry, 8760 * H);
	cr_assert_eq(cfg.def.ku, KU_SERVER);
	cr_assert_eq(cfg.def.n_eku, 2);
}

Test(config, signing_without_profiles_is_fine)
{
	cr_assert_eq(parse("{\"signing\":{}}"), 0, "%s", err.msg);
	cr_assert_eq(cfg.n_profiles, 0);
	cr_assert_eq(
	    parse("{\"signing\":{\"profiles\":{}}}"), 0, "%s", err.msg);
	cr_assert_eq(cfg.n_profiles, 0);
}

Test(config, named_profile_with_zero_expiry_takes_the_defaults)
{
	cr_assert_eq(parse("{\"signing\":{\"default\":{\"expiry\":\"7h\"},"
	                   "\"profiles\":{\"a\":{\"expiry\":\"0s\","
	                   "\"usages\":[\"any\"]},\"b\":{\"expiry\":\"0\","
	                   "\"usages\":[\"any\"]}}}}"),
	    0, "%s", err.msg);
	cr_assert_eq(profile("a")->expiry, 7 * H);
	cr_assert_eq(profile("b")->expiry, 7 * H);
	cr_assert_eq(parse(one("\"expiry\":\"-0\",\"usages\":[\"any\"]")), 0);
	cr_assert_eq(profile("k")->expiry, 8760 * H);
}

Test(config, backdate_zero_or_empty_means_five_minutes)
{
	cr_assert_eq(parse("{\"signing\":{\"profiles\":{"
	                   "\"a\":{\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                   "\"backdate\":\"0s\"},"
	                   "\"b\":{\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                   "\"backdate\":\"\"},"
	                   "\"c\":{\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                   "\"backdate\":\"1ns\"}}}}"),
	    0, "%s", err.msg);
	cr_assert_eq(profile("a")->backdate, 5 * KILN_NS_MINUTE);
	cr_assert_eq(profile("b")->backdate, 5 * KILN_NS_MINUTE);
	cr_assert_eq(profile("c")->backdate, 1);
}

Test(config, urls_fall_back_to_the_defaults)
{
	const struct kiln_profile *p;

	cr_assert_eq(
	    parse("{\"signing\":{\"default\":{\"expiry\":\"1h\","
	          "\"ocsp_url\":\"http://o\",\"crl_url\":\"http://c\","
	          "\"issuer_urls\":[\"http://i1\",\"http://i2\"]},"
	          "\"profiles\":{"
	          "\"a\":{\"expiry\":\"1h\",\"usages\":[\"any\"]},"
	          "\"b\":{\"expiry\":\"1h\",\"usages\":[\"any\"],"
	          "\"ocsp_url\":\"\",\"crl_url\":null,"
	          "\"issuer_urls\":null},"
	          "\"c\":{\"expiry\":\"1h\",\"usages\":[\"any\"],"
	          "\"ocsp_url\":\"http://o3\",\"crl_url\":\"http://c3\","
	          "\"issuer_urls\":[\"http://i3\"]}}}}"),
	    0, "%s", err.msg);
	p = profile("a");
	cr_assert_str_eq(p->ocsp_url, "http://o");
	cr_assert_str_eq(p->crl_url, "http://c");
	cr_assert_eq(p->n_issuer_urls, 2);
	cr_assert_str_eq(p->issuer_urls[0], "http://i1");
	cr_assert_str_eq(p->issuer_urls[1], "http://i2");
	cr_assert_neq(p->ocsp_url, cfg.def.ocsp_url); /* own copies */
	p = profile("b");
	cr_assert_str_eq(p->ocsp_url, "http://o");
	cr_assert_str_eq(p->crl_url, "http://c");
	cr_assert_eq(p->n_issuer_urls, 2);
	p = profile("c");
	cr_assert_str_eq(p->ocsp_url, "http://o3");
	cr_assert_str_eq(p->crl_url, "http://c3");
	cr_assert_eq(p->n_issuer_urls, 1);
	cr_assert_str_eq(p->issuer_urls[0], "http://i3");
}

Test(config, empty_whitelist_means_none)
{
	cr_assert_eq(parse(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                       "\"name_whitelist\":\"\"")),
	    0, "%s", err.msg);
	cr_assert_null(profile("k")->name_whitelist);
}

Test(config, whitelist_is_unanchored_like_go)
{
	const struct kiln_profile *p;

	cr_assert_eq(parse(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                       "\"name_whitelist\":\"example\\\\.com\"")),
	    0, "%s", err.msg);
	p = profile("k");
	cr_assert_eq(
	    regexec(&p->whitelist, "a.example.com.evil", 0, NULL, 0), 0);
	cr_assert_neq(regexec(&p->whitelist, "exampleXcom", 0, NULL, 0), 0);
}

/* RE2's "." stops at a newline (no s flag); POSIX's does not. */
Test(config, whitelist_dot_does_not_match_a_newline_as_in_re2)
{
	const struct kiln_profile *p;

	cr_assert_eq(parse(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                       "\"name_whitelist\":"
	                       "\"^.*\\\\.example\\\\.com$\"")),
	    0, "%s", err.msg);
	p = profile("k");
	cr_assert_str_eq(p->name_whitelist, "^.*\\.example\\.com$");
	cr_assert_eq(regexec(&p->whitelist, "a.example.com", 0, NULL, 0), 0);
	cr_assert_neq(regexec(&p->whitelist, "evil.com\nx.example.com", 0,
	                  NULL, 0),
	    0);
	/* Escaped dots and bracket expressions keep their meaning: Go's
	 * [^a] and [.] are what POSIX's are. */
	cr_assert_neq(regexec(&p->whitelist, "aXexample.com", 0, NULL, 0), 0);
	cr_assert_eq(parse(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                       "\"name_whitelist\":\"^a[^b.]c[.]d$\"")),
	    0, "%s", err.msg);
	p = profile("k");
	cr_assert_eq(regexec(&p->whitelist, "a\nc.d", 0, NULL, 0), 0);
	cr_assert_neq(regexec(&p->whitelist, "a.cxd", 0, NULL, 0), 0);
}

/*
 * Found by fuzzing: "." in an unterminated bracket became "[^\n]", whose
 * "]" closed the bracket and let "++++..." through unchecked, and
 * glibc's regcomp ran out of memory.  Now regcomp sees the pattern as it
 * was, and refuses it.
 */
Test(config, whitelist_dots_in_an_unterminated_bracket_stay_inside)
{
	cr_assert_eq(parse(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                       "\"name_whitelist\":\"^[a-z.x+++++++++++++++"
	                       "+++++++++++++com$\"")),
	    -1);
	cr_assert_str_eq(err.msg,
	    "signing.profiles.k.name_whitelist: Unmatched [, [^, [:, [., or [=");
}

/* A profile "k" whose name_whitelist is "re" (no JSON escaping needed). */
static const char *
with_whitelist(const char *re)
{
	static char body[512];

	snprintf(body, sizeof(body),
	    "\"expiry\":\"1h\",\"usages\":[\"any\"],\"name_whitelist\":\"%s\"",
	    re);
	return one(body);
}

/*
 * glibc's regcomp copies repeated elements, so a short pattern could ask
 * for gigabytes (the config fuzzer found "\\.+++...+com$").  What RE2
 * takes within the limits still compiles.
 */
Test(config, whitelist_repetitions_are_bounded)
{
	static const char *const fine[] = {"^[a-z0-9.-]+[.]example[.]com$",
	    "(^|[.])example[.]com$", "a{1000}", "a{1000,}", "a{2,1000}",
	    "x.*?y", "x+?", "[]a]+", "[[:digit:]]{3}", "[a{]+", "(a{100}){100}",
	    "((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+"};
	static const struct {
		const char *re, *msg;
	} bad[] = {
	    {"com++", "a repetition of a repetition (RE2 refuses it too)"},
	    {"a*+", "a repetition of a repetition (RE2 refuses it too)"},
	    {"a{2}{3}", "a repetition of a repetition (RE2 refuses it too)"},
	    {"a+??", "a repetition of a repetition (RE2 refuses it too)"},
	    {"a{1001}", "repetition count 1001 is above 1000"},
	    {"a{1,1001}", "repetition count 1001 is above 1000"},
	    {"a{99999999999999999999}", "repetition count 18446744073709551615 is above 1000"},
	    {"(a{100}){101}", "its repetitions expand to more than 10000 elements"},
	    {"(((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)",
	        "its repetitions expand to more than 10000 elements"},
	    {"((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))",
	        "groups nested deeper than 32"},
	};
	char want[256];

	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		cr_assert_eq(parse(with_whitelist(fine[i])), 0, "%s: %s",
		    fine[i], err.msg);
		kiln_config_free(&cfg);
		kiln_config_init(&cfg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(want, sizeof(want), "signing.profiles.k.name_whitelist: %s",
		    bad[i].msg);
		refuses(with_whitelist(bad[i].re), want);
	}
	/* "(a*)*\\1" in the JSON: a backreference. */
	refuses(with_whitelist("(a*)*\\\\1"),
	    "signing.profiles.k.name_whitelist: \\1 is a backreference, which "
	    "RE2 does not have");
}

Test(config, reads_rfc3339_times_with_offsets_and_fractions)
{
	/* clang-format off */
	static const struct {
		const char *in;
		long long want;
	} t[] = {
		{ "2026-01-02T03:04:05Z", 1767323045 },
		{ "2026-01-02T04:04:05+01:00", 1767323045 },
		{ "2026-01-02T00:34:05-02:30", 1767323045 },
		{ "2026-01-02T03:04:05.999999999999Z", 1767323045 },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2000-02-29T00:00:00Z", 951782400 },
		{ "9999-12-31T23:59:59Z", 253402300799 },
	};
	/* clang-format on */
	char json[256];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(json, sizeof(json),
		    "\"expiry\":\"1h\",\"usages\":[\"any\"],"
		    "\"not_before\":\"%s\"",
		    t[i].in);
		cr_assert_eq(parse(one(json)), 0, "%s: %s", t[i].in, err.msg);
		cr_expect_eq(profile("k")->has_not_before, 1);
		cr_expect_eq((long long)profile("k")->not_before, t[i].want,
		    "%s: %lld", t[i].in, (long long)profile("k")->not_before);
		cr_expect_eq(profile("k")->has_not_after, 0);
	}
}

Test(config, times_kiln_cannot_write_are_refused_with_their_field)
{
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"not_before\":\"1969-12-31T23:59:59Z\""),
	    "signing.profiles.k.not_before: \"1969-12-31T23:59:59Z\" is "
	    "outside the years 1970 to 9999");
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"not_after\":\"0000-01-01T00:00:00Z\""),
	    "signing.profiles.k.not_after: \"0000-01-01T00:00:00Z\" is "
	    "outside the years 1970 to 9999");
}

Test(config, not_after_alone_or_equal_to_not_before_is_fine)
{
	cr_assert_eq(parse(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                       "\"not_after\":\"2030-01-01T00:00:00Z\"")),
	    0, "%s", err.msg);
	cr_assert_eq(profile("k")->has_not_after, 1);
	cr_assert_eq(profile("k")->has_not_before, 0);
	cr_assert_eq(parse(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                       "\"not_before\":\"2030-01-01T01:00:00+01:00\","
	                       "\"not_after\":\"2030-01-01T00:00:00Z\"")),
	    0, "%s", err.msg);
}

Test(config, accepts_lint_error_levels_0_to_7)
{
	cr_assert_eq(parse(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                       "\"lint_error_level\":0")),
	    0, "%s", err.msg);
	cr_assert_eq(parse(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                       "\"lint_error_level\":7")),
	    0, "%s", err.msg);
}

Test(config, empty_remote_means_a_local_profile)
{
	cr_assert_eq(parse(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                       "\"remote\":\"\",\"auth_remote\":"
	                       "{\"remote\":\"\",\"auth_key\":\"x\"}")),
	    0, "%s", err.msg);
}

Test(config, parsing_again_replaces_the_profiles)
{
	cr_assert_eq(parse_file("full.json"), 0, "%s", err.msg);
	cr_assert_eq(parse_file("etcd-guide.json"), 0, "%s", err.msg);
	cr_assert_eq(cfg.n_profiles, 1);
	cr_assert_str_eq(cfg.names[0], "kubernetes");
	cr_assert_eq(cfg.def.ku, 0);
	cr_assert_null(cfg.def.ocsp_url);
}

/* ---- errors ---- */

Test(config, rejects_malformed_json)
{
	refuses("{\"signing\": }", "malformed JSON at line 1, column 13");
}

Test(config, rejects_truncated_json)
{
	refuses("{\"signing\":{\"default\":{\"expiry\":\"8760h\"",
	    "unexpected end of JSON input");
	refuses("", "unexpected end of JSON input");
}

Test(config, rejects_a_top_level_that_is_not_an_object)
{
	refuses("[]", "expected an object, got array");
	refuses("\"signing\"", "expected an object, got string");
}

Test(config, requires_signing)
{
	refuses("{}", "missing \"signing\"");
	refuses("{\"signing\":null}", "missing \"signing\"");
	refuses("{\"profiles\":{}}", "missing \"signing\"");
}

Test(config, rejects_signing_and_profiles_of_the_wrong_type)
{
	refuses("{\"signing\":[]}", "signing: expected an object, got array");
	refuses("{\"signing\":{\"default\":\"x\"}}",
	    "signing.default: expected an object, got string");
	refuses("{\"signing\":{\"profiles\":[]}}",
	    "signing.profiles: expected an object, got array");
	refuses("{\"signing\":{\"profiles\":{\"k\":null}}}",
	    "signing.profiles.k: expected an object, got null");
	refuses("{\"signing\":{\"profiles\":{\"k\":1}}}",
	    "signing.profiles.k: expected an object, got number");
}

Test(config, requires_an_expiry)
{
	refuses("{\"signing\":{\"profiles\":{\"kubernetes\":"
	        "{\"usages\":[\"signing\"]}}}}",
	    "signing.profiles.kubernetes.expiry: missing");
	refuses("{\"signing\":{\"default\":{\"usages\":[\"signing\"]}}}",
	    "signing.default.expiry: missing");
	refuses("{\"signing\":{\"default\":{\"expiry\":\"\"}}}",
	    "signing.default.expiry: missing");
}

Test(config, expiry_without_a_unit_names_the_field)
{
	cr_assert_eq(parse_file("expiry-no-unit.json"), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, "signing.profiles.kubernetes.expiry: "
	                          "missing unit in duration \"10\"");
	refuses("{\"signing\":{\"default\":{\"expiry\":\"10\"}}}",
	    "signing.default.expiry: missing unit in duration \"10\"");
}

Test(config, rejects_bad_durations)
{
	refuses(one("\"expiry\":\"1w\",\"usages\":[\"any\"]"),
	    "signing.profiles.k.expiry: unknown unit \"w\" in duration "
	    "\"1w\"");
	refuses(one("\"expiry\":\"x\",\"usages\":[\"any\"]"),
	    "signing.profiles.k.expiry: invalid duration \"x\"");
	refuses(one("\"expiry\":\"300y\",\"usages\":[\"any\"]"),
	    "signing.profiles.k.expiry: duration \"300y\" is out of range");
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"backdate\":\"5\""),
	    "signing.profiles.k.backdate: missing unit in duration \"5\"");
}

Test(config, rejects_an_expiry_that_is_not_a_string)
{
	refuses(one("\"expiry\":87600,\"usages\":[\"any\"]"),
	    "signing.profiles.k.expiry: expected a string, got number");
	refuses("{\"signing\":{\"default\":{\"expiry\":true}}}",
	    "signing.default.expiry: expected a string, got boolean");
}

Test(config, default_expiry_must_be_positive)
{
	refuses("{\"signing\":{\"default\":{\"expiry\":\"0s\"}}}",
	    "signing.default.expiry: must be positive");
	refuses("{\"signing\":{\"default\":{\"expiry\":\"-1h\"}}}",
	    "signing.default.expiry: must be positive");
}

Test(config, rejects_a_negative_expiry)
{
	refuses(one("\"expiry\":\"-1h\",\"usages\":[\"any\"]"),
	    "signing.profiles.k.expiry: must not be negative");
}

Test(config, rejects_a_negative_backdate)
{
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"backdate\":\"-5m\""),
	    "signing.profiles.k.backdate: must not be negative");
}

Test(config, rejects_an_unknown_usage)
{
	cr_assert_eq(parse_file("unknown-usage.json"), -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, "signing.profiles.kubernetes.usages: "
	                          "unknown usage \"sever auth\"");
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"signing\",\"Server "
	            "Auth\"]"),
	    "signing.profiles.k.usages: unknown usage \"Server Auth\"");
	refuses("{\"signing\":{\"default\":{\"expiry\":\"1h\","
	        "\"usages\":[\"signing\",\"key encypherment\"]}}}",
	    "signing.default.usages: unknown usage \"key encypherment\"");
}

Test(config, named_profile_needs_usages)
{
	refuses(
	    one("\"expiry\":\"1h\""), "signing.profiles.k.usages: no usages");
	refuses(one("\"expiry\":\"1h\",\"usages\":[]"),
	    "signing.profiles.k.usages: no usages");
	refuses(one("\"expiry\":\"1h\",\"usages\":null"),
	    "signing.profiles.k.usages: no usages");
}

Test(config, rejects_usages_of_the_wrong_type)
{
	refuses(one("\"expiry\":\"1h\",\"usages\":\"signing\""),
	    "signing.profiles.k.usages: expected an array of strings, got "
	    "string");
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"signing\",1]"),
	    "signing.profiles.k.usages[1]: expected a string, got number");
}

Test(config, rejects_other_fields_of_the_wrong_type)
{
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"ca_constraint\":true"),
	    "signing.profiles.k.ca_constraint: expected an object, got "
	    "boolean");
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"ca_constraint\":{\"is_ca\":\"yes\"}"),
	    "signing.profiles.k.ca_constraint.is_ca: expected true or false, "
	    "got string");
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"ca_constraint\":{\"max_path_len\":1.5}"),
	    "signing.profiles.k.ca_constraint.max_path_len: 1.5 is not an "
	    "integer");
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"backdate\":300"),
	    "signing.profiles.k.backdate: expected a string, got number");
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"ocsp_url\":[]"),
	    "signing.profiles.k.ocsp_url: expected a string, got array");
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"issuer_urls\":\"http://i\""),
	    "signing.profiles.k.issuer_urls: expected an array of strings, "
	    "got string");
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"ocsp_no_check\":1"),
	    "signing.profiles.k.ocsp_no_check: expected true or false, got "
	    "number");
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"not_before\":20260101"),
	    "signing.profiles.k.not_before: expected a string, got number");
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"name_whitelist\":{}"),
	    "signing.profiles.k.name_whitelist: expected a string, got "
	    "object");
}

Test(config, rejects_a_negative_max_path_len)
{
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"cert sign\"],"
	            "\"ca_constraint\":{\"is_ca\":true,\"max_path_len\":-1}"),
	    "signing.profiles.k.ca_constraint.max_path_len: -1 is out of "
	    "range (0 to 2147483647)");
}

Test(config, rejects_a_lint_error_level_outside_0_to_7)
{
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"lint_error_level\":8"),
	    "signing.profiles.k.lint_error_level: 8 is out of range (0 to 7)");
	refuses("{\"signing\":{\"default\":{\"expiry\":\"1h\","
	        "\"lint_error_level\":-1}}}",
	    "signing.default.lint_error_level: -1 is out of range (0 to 7)");
}

Test(config, rejects_a_bad_whitelist_regex)
{
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"name_whitelist\":\"(etcd\""),
	    "signing.profiles.k.name_whitelist: Unmatched ( or \\(");
}

Test(config, rejects_invalid_times)
{
	static const char *const bad[] = {"2026-01-02", "2026-01-02 03:04:05Z",
	    "2026-01-02t03:04:05Z", "2026-01-02T03:04:05z",
	    "2026-01-02T03:04:05", "2026-02-29T00:00:00Z",
	    "2026-13-01T00:00:00Z", "2026-01-00T00:00:00Z",
	    "2026-01-02T24:00:00Z", "2026-01-02T03:60:00Z",
	    "2026-01-02T03:04:60Z", "2026-01-02T03:04:05+1:00",
	    "2026-01-02T03:04:05+01:60", "2026-01-02T03:04:05+24:00",
	    "2026-01-02T03:04:05+0100", "2026-01-02T03:04:05+01:00Z",
	    "2026-01-02T03:04:05.Z", "2026-1-02T03:04:05Z",
	    "+2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z ", ""};
	char json[256], msg[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json),
		    "\"expiry\":\"1h\",\"usages\":[\"any\"],"
		    "\"not_before\":\"%s\"",
		    bad[i]);
		snprintf(msg, sizeof(msg),
		    "signing.profiles.k.not_before: invalid RFC 3339 time "
		    "\"%s\"",
		    bad[i]);
		refuses(one(json), msg);
	}
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"not_after\":\"soon\""),
	    "signing.profiles.k.not_after: invalid RFC 3339 time \"soon\"");
}

Test(config, rejects_not_after_before_not_before)
{
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"not_before\":\"2026-01-02T00:00:00Z\","
	            "\"not_after\":\"2026-01-01T23:59:59Z\""),
	    "signing.profiles.k.not_after: earlier than not_before");
	/* the same second, but earlier by its fraction */
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"any\"],"
	            "\"not_before\":\"2026-01-02T00:00:00.5Z\","
	            "\"not_after\":\"2026-01-02T00:00:00.25Z\""),
	    "signing.profiles.k.not_after: earlier than not_before");
	/* after the offsets are applied */
	refuses("{\"signing\":{\"default\":{\"expiry\":\"1h\","
	        "\"not_before\":\"2026-01-02T00:00:00Z\","
	        "\"not_after\":\"2026-01-02T00:30:00+01:00\"}}}",
	    "signing.default.not_after: earlier than not_before");
}

Test(config, refuses_remote_profiles)
{
	refuses(one("\"remote\":\"ca-server\""),
	    "signing.profiles.k.remote: remote signing is not supported");
	refuses("{\"signing\":{\"default\":{\"expiry\":\"1h\","
	        "\"remote\":\"ca-server\"}}}",
	    "signing.default.remote: remote signing is not supported");
	refuses(one("\"auth_remote\":{\"remote\":\"r\",\"auth_key\":\"k\"}"),
	    "signing.profiles.k.auth_remote: remote signing is not "
	    "supported");
	refuses(one("\"remote\":5"),
	    "signing.profiles.k.remote: expected a string, got number");
}

Test(config, auth_key_names_an_entry_of_auth_keys)
{
	const struct kiln_profile *p;
	struct kiln_auth_key *k;

	cr_assert_eq(parse("{\"signing\":{\"profiles\":{\"k\":{"
	                   "\"expiry\":\"1h\",\"usages\":[\"signing\"],"
	                   "\"auth_key\":\"k1\",\"prev_auth_key\":\"j\"}}},"
	                   "\"auth_keys\":{\"k1\":{\"type\":\"standard\","
	                   "\"key\":\"00Ff10\"},\"k2\":{\"type\":"
	                   "\"standard\",\"key\":\"env:KILN_K2\"}}}"),
	    0, "%s", err.msg);
	cr_assert_not_null(p = profile("k"));
	cr_assert_str_eq(p->auth_key, "k1");
	cr_assert_null(cfg.def.auth_key);
	cr_assert_eq(kiln_config_has_auth(&cfg), 1);
	cr_assert_eq(cfg.n_auth_keys, 2);
	cr_assert_not_null(k = kiln_config_auth_key(&cfg, "k1"));
	cr_assert_eq(k->key_len, 3);
	cr_assert_eq(memcmp(k->key, "\x00\xff\x10", 3), 0);
	cr_assert_null(k->source);
	/* env: and file: are the front end's to resolve. */
	cr_assert_not_null(k = kiln_config_auth_key(&cfg, "k2"));
	cr_assert_null(k->key);
	cr_assert_str_eq(k->source, "env:KILN_K2");
	cr_assert_eq(kiln_config_auth_set(k, " abcd\n", 7, &err), 0, "%s",
	    err.msg);
	cr_assert_null(k->source);
	cr_assert_eq(k->key_len, 2);
	cr_assert_eq(memcmp(k->key, "\xab\xcd", 2), 0);
	cr_assert_eq(kiln_config_auth_set(k, "abc", 3, &err), -1);
	cr_assert_str_eq(err.msg, "auth_keys.k2.key: not an even number of hex "
	                          "digits");
	cr_assert_null(kiln_config_auth_key(&cfg, "k3"));
}

Test(config, profiles_keep_expiry_and_usages_as_written)
{
	const struct kiln_profile *p;

	cr_assert_eq(parse(one("\"expiry\":\"168h\",\"usages\":"
	                       "[\"signing\",\"server auth\"]")),
	    0, "%s", err.msg);
	cr_assert_not_null(p = profile("k"));
	cr_assert_str_eq(p->expiry_text, "168h");
	cr_assert_eq(p->n_usage_names, 2);
	cr_assert_str_eq(p->usage_names[0], "signing");
	cr_assert_str_eq(p->usage_names[1], "server auth");
	cr_assert_eq(kiln_config_has_auth(&cfg), 0);
}

Test(config, auth_keys_are_checked)
{
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"signing\"],"
	            "\"auth_key\":\"k\""),
	    "signing.profiles.k.auth_key: \"k\" is not in auth_keys");
	refuses("{\"signing\":{},\"auth_keys\":{\"a\":{\"type\":\"hmac\","
	        "\"key\":\"00\"}}}",
	    "auth_keys.a.type: unknown authentication type \"hmac\" (only "
	    "\"standard\")");
	refuses("{\"signing\":{},\"auth_keys\":{\"a\":{\"type\":"
	        "\"standard\",\"key\":\"0g\"}}}",
	    "auth_keys.a.key: not hex");
	refuses("{\"signing\":{},\"auth_keys\":{\"a\":{\"type\":"
	        "\"standard\",\"key\":\"vault:x\"}}}",
	    "auth_keys.a.key: unknown key prefix (env: or file:)");
	refuses("{\"signing\":{},\"auth_keys\":{\"a\":{\"type\":"
	        "\"standard\"}}}",
	    "auth_keys.a.key: missing");
	refuses(one("\"auth_key\":1"),
	    "signing.profiles.k.auth_key: expected a string, got number");
	refuses(one("\"prev_auth_key\":[]"),
	    "signing.profiles.k.prev_auth_key: expected a string, got array");
	refuses(one("\"auth_remote\":{\"auth_key\":true}"),
	    "signing.profiles.k.auth_remote.auth_key: expected a string, got "
	    "boolean");
}

Test(config, unknown_profile_is_an_error)
{
	cr_assert_eq(parse_file("etcd-guide.json"), 0, "%s", err.msg);
	cr_assert_null(kiln_config_profile(&cfg, "etcd", &err));
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, "profile \"etcd\" not found in the "
	                          "configuration (its profiles: kubernetes)");
	cr_assert_null(kiln_config_profile(&cfg, "etcd", NULL));
}

Test(config, failed_parse_leaves_a_config_that_frees_cleanly)
{
	/* Fails in the second profile, after the first has allocations. */
	cr_assert_eq(parse("{\"signing\":{\"default\":{\"expiry\":\"1h\","
	                   "\"ocsp_url\":\"http://o\",\"issuer_urls\":[\"i\"],"
	                   "\"name_whitelist\":\"a\"},\"profiles\":{"
	                   "\"a\":{\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                   "\"name_whitelist\":\"x\"},"
	                   "\"b\":{\"expiry\":\"1h\",\"usages\":[\"any\"],"
	                   "\"name_whitelist\":\"(\"}}}}"),
	    -1);
	cr_assert_eq(err.code, KILN_EINVAL);
	/* teardown frees it; ASan or valgrind would report a leak */
}

Test(config, rejects_re2_escapes_in_name_whitelist)
{
	refuses("{\"signing\":{\"default\":{\"expiry\":\"1h\","
	        "\"name_whitelist\":\"^etcd-\\\\d+$\"}}}",
	    "signing.default.name_whitelist: \\d is RE2 syntax; use a POSIX "
	    "class such as [0-9]");
	cr_assert_eq(
	    parse("{\"signing\":{\"default\":{\"expiry\":\"1h\","
	          "\"name_whitelist\":\"^etcd-[0-9]+\\\\.example$\"}}}"),
	    0, "%s", err.msg);
}

/* ---- policies ---- */

Test(config, policies_encoded_as_cfssl_writes_them)
{
	/* SEQ { SEQ { OID 1.2.3, SEQ { SEQ { id-qt-cps, IA5 "u" } } } } */
	static const unsigned char want[] = {0x30, 0x19, 0x30, 0x17, 0x06, 0x02,
	    0x2a, 0x03, 0x30, 0x11, 0x30, 0x0f, 0x06, 0x08, 0x2b, 0x06, 0x01,
	    0x05, 0x05, 0x07, 0x02, 0x01, 0x16, 0x03, 'c', 'p', 's'};
	const struct kiln_profile *p;

	cr_assert_eq(
	    parse(one("\"expiry\":\"1h\",\"usages\":[\"signing\"],"
	              "\"policies\":[{\"ID\":\"1.2.3\",\"Qualifiers\":"
	              "[{\"Type\":\"id-qt-cps\",\"Value\":\"cps\"}]}]")),
	    0, "%s", err.msg);
	p = profile("k");
	cr_assert_eq(p->policies_len, sizeof(want));
	cr_assert_arr_eq(p->policies, want, sizeof(want));
}

Test(config, bad_policies_name_the_field)
{
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"signing\"],"
	            "\"policies\":[{\"ID\":\"x.y\"}]"),
	    "signing.profiles.k.policies[0].ID: \"x.y\" is not an OID");
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"signing\"],"
	            "\"policies\":[{\"ID\":\"1.2\",\"Qualifiers\":[{\"Type\":"
	            "\"id-qt-x\",\"Value\":\"v\"}]}]"),
	    "signing.profiles.k.policies[0].Qualifiers[0].Type: \"id-qt-x\" "
	    "(id-qt-cps or id-qt-unotice)");
	refuses(one("\"expiry\":\"1h\",\"usages\":[\"signing\"],"
	            "\"policies\":{}"),
	    "signing.profiles.k.policies: expected an array, got object");
}

Test(config, profile_names_listed)
{
	char list[16];

	cr_assert_eq(parse_file("etcd-guide.json"), 0, "%s", err.msg);
	kiln_config_names(&cfg, list, sizeof(list));
	cr_assert_str_eq(list, "kubernetes");
	kiln_config_names(&cfg, list, 8);
	cr_assert_str_eq(list, "kube...");
	kiln_config_free(&cfg);
	kiln_config_init(&cfg);
	kiln_config_names(&cfg, list, sizeof(list));
	cr_assert_str_eq(list, "none");
}
