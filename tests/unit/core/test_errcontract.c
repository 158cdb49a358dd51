/*
 * The error contract of include/kiln/err.h, held by the public functions:
 * each is called three times with the same arguments, with a clear error,
 * with err == NULL (no crash, the same return) and with a stale error
 * already recorded (the same return, and the stale message kept: the
 * first error wins, and a function never tests or clears the caller's
 * struct as its own failure flag).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "kiln/buf.h"
#include "kiln/check.h"
#include "kiln/config.h"
#include "kiln/duration.h"
#include "kiln/err.h"
#include "kiln/esc.h"
#include "kiln/etcd.h"
#include "kiln/file.h"
#include "kiln/gen.h"
#include "kiln/inspect.h"
#include "kiln/key.h"
#include "kiln/pem.h"
#include "kiln/renew.h"
#include "kiln/request.h"
#include "kiln/rng.h"
#include "kiln/verify.h"

#define STALE "stale: an error the caller recorded before"
/* 2027-01-01T00:00:00Z: inside tests/data/verify's ten years. */
#define NOW 1798761600LL

static struct kiln_err fresh, old;
static struct kiln_buf data, out;
static struct kiln_rng rng;
static char dir[64];

/*
 * A stale error with the code a site might test for (KILN_EEXIST, as
 * kiln_gen_write's refusal does).
 */
static struct kiln_err *
stale(void)
{
	kiln_err_clear(&old);
	kiln_err_set(&old, KILN_EEXIST, STALE);
	return &old;
}

/*
 * Run "call" (which names its error "E") with a clear error, with NULL
 * and with a stale one: it returns "want" each time ("reset" before each
 * run puts the arguments back), and the stale error is kept as it was.
 */
#define CONTRACT(reset, want, call)                                            \
	do {                                                                   \
		struct kiln_err *E;                                            \
		long long rc_;                                                 \
		reset;                                                         \
		E = &fresh;                                                    \
		kiln_err_clear(E);                                             \
		rc_ = (long long)(call);                                       \
		cr_assert_eq(                                                  \
		    rc_, (long long)(want), "%s: %s", #call, fresh.msg);       \
		reset;                                                         \
		E = NULL;                                                      \
		cr_assert_eq((long long)(call), rc_, "%s with NULL", #call);   \
		reset;                                                         \
		E = stale();                                                   \
		cr_assert_eq((long long)(call), rc_, "%s, stale", #call);      \
		cr_assert_eq(old.code, KILN_EEXIST, "%s", #call);              \
		cr_assert_str_eq(old.msg, STALE, "%s", #call);                 \
		reset;                                                         \
	} while (0)

static void
read_data(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", KILN_TEST_DATA, name);
	data.len = 0;
	cr_assert_eq(kiln_file_read(path, &data, &fresh), 0, "%s", fresh.msg);
}

static void
setup(void)
{
	kiln_buf_init(&data);
	kiln_buf_init(&out);
	kiln_rng_init(&rng);
	cr_assert_eq(kiln_rng_seed(&rng, "errcontract", &fresh), 0);
	snprintf(dir, sizeof(dir), "/tmp/kiln-test-errc.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	kiln_buf_free(&data);
	kiln_buf_free(&out);
	kiln_rng_free(&rng);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(errcontract, .init = setup, .fini = teardown, .timeout = 60);

Test(errcontract, err_functions)
{
	CONTRACT((void)0, -1, kiln_err_set(E, KILN_EINVAL, "new"));
	CONTRACT((void)0, -1, kiln_err_sys(E, "new"));
	CONTRACT((void)0, -1, kiln_err_mbed(E, -1, "new"));
	CONTRACT((void)0, 0, kiln_err_pass(E, &fresh));
}

Test(errcontract, buf_esc_duration_pem)
{
	int64_t ns;
	char *s = NULL;
	struct kiln_pem_block blk;
	size_t pos;
	static const char pem[] = "-----BEGIN X-----\nAAEC\n-----END X-----\n";

	CONTRACT(out.len = 0, 0, kiln_buf_reserve(&out, 100, E));
	CONTRACT(out.len = 0, 0, kiln_buf_append(&out, "ab", 2, E));
	CONTRACT(out.len = 0, 0, kiln_buf_terminate(&out, E));
	CONTRACT(out.len = 0, 0, kiln_buf_printf(&out, E, "%d", 7));
	CONTRACT(out.len = 0, 0, kiln_buf_append_json(&out, "a\"b", 3, E));
	CONTRACT(out.len = 0, 0, kiln_esc_append(&out, "a\033b", 3, E));
	CONTRACT((free(s), s = NULL), 1, (s = kiln_esc_dup("a\nb", E)) != NULL);
	CONTRACT((void)0, 0, kiln_duration_parse("8760h", &ns, E));
	CONTRACT((void)0, -1, kiln_duration_parse("8760", &ns, E));
	CONTRACT(out.len = 0, 0,
	    kiln_pem_write(&out, "X", (const unsigned char *)"ab", 2, E));
	CONTRACT(pos = 0, 1, kiln_pem_next(pem, &pos, "X", &blk, E));
	CONTRACT(pos = 0, 0, kiln_pem_next(pem, &pos, "Y", &blk, E));
}

Test(errcontract, request_config_key)
{
	struct kiln_request req;
	struct kiln_config cfg;
	struct kiln_key key;
	static const char rj[] = "{\"CN\": \"a\", \"hosts\": [\"a.example\"]}";
	static const char cj[] =
	    "{\"signing\": {\"default\": {\"expiry\": \"8760h\"}}}";

	kiln_request_init(&req);
	CONTRACT(kiln_request_free(&req), 0,
	    kiln_request_parse(&req, rj, strlen(rj), E));
	CONTRACT(
	    kiln_request_free(&req), -1, kiln_request_parse(&req, "{", 1, E));
	kiln_config_init(&cfg);
	CONTRACT(kiln_config_free(&cfg), 0,
	    kiln_config_parse(&cfg, cj, strlen(cj), E));
	kiln_key_init(&key);
	read_data("verify/peer-key.pem");
	CONTRACT(kiln_key_free(&key), 0,
	    kiln_key_parse(&key, data.p, data.len, &rng, E));
	CONTRACT(kiln_key_free(&key), -1,
	    kiln_key_parse(&key, (const unsigned char *)"x", 1, &rng, E));
}

Test(errcontract, inspect_and_render)
{
	struct kiln_infos infos;
	struct kiln_listing l;
	struct kiln_info csr;
	int f;

	kiln_infos_init(&infos);
	kiln_listing_init(&l, KILN_FORMAT_JSON, 0, NOW);
	read_data("verify/server.pem");
	CONTRACT(kiln_infos_free(&infos), 0,
	    kiln_inspect_certs(&infos, data.p, data.len, E));
	cr_assert_eq(kiln_inspect_certs(&infos, data.p, data.len, NULL), 0);
	for (f = KILN_FORMAT_JSON; f <= KILN_FORMAT_TEXT; f++) {
		CONTRACT(out.len = 0, 0,
		    kiln_info_render(infos.v, infos.n, (enum kiln_info_format)f,
		        0, NOW, &out, E));
		CONTRACT(
		    (kiln_listing_free(&l),
		        kiln_listing_init(&l, (enum kiln_info_format)f, 0, NOW),
		        out.len = 0),
		    0,
		    kiln_listing_add(&l, infos.v, infos.n, "a.pem", &out, E) ||
		        kiln_listing_end(&l, &out, E));
		kiln_listing_free(&l);
	}
	kiln_infos_free(&infos);
	/* A CSR given as a certificate: that message, for a clear error. */
	read_data("inspect/req.der");
	CONTRACT(kiln_infos_free(&infos), -1,
	    kiln_inspect_certs(&infos, data.p, data.len, E));
	cr_assert_eq(kiln_inspect_certs(&infos, data.p, data.len, &fresh), -1);
	cr_assert_str_eq(fresh.msg, "a certificate request, not a certificate");
	kiln_infos_free(&infos);
	kiln_info_init(&csr);
	CONTRACT(kiln_info_free(&csr), 0,
	    kiln_inspect_csr(&csr, data.p, data.len, E));
	read_data("verify/server.pem");
	CONTRACT(kiln_info_free(&csr), -1,
	    kiln_inspect_csr(&csr, data.p, data.len, E));
	kiln_info_free(&csr);
}

Test(errcontract, gen_write_refusal)
{
	struct kiln_buf key;
	char base[128], path[160], want[512];

	kiln_buf_init(&key);
	cr_assert_eq(kiln_buf_append(&key, "k\n", 2, &fresh), 0);
	snprintf(base, sizeof(base), "%s/a", dir);
	snprintf(path, sizeof(path), "%s-key.pem", base);
	CONTRACT((void)0, 0, kiln_gen_write(base, NULL, NULL, NULL, 0, E));
	cr_assert_eq(kiln_gen_write(base, NULL, NULL, &key, 0, &fresh), 0);
	/* The key exists: refused, with the refusal's own message. */
	CONTRACT((void)0, -1, kiln_gen_write(base, NULL, NULL, &key, 0, E));
	kiln_err_clear(&fresh);
	kiln_gen_write(base, NULL, NULL, &key, 0, &fresh);
	cr_assert_eq(fresh.code, KILN_EEXIST);
	snprintf(want, sizeof(want), KILN_GEN_KEY_KEPT, path);
	cr_assert_str_eq(fresh.msg, want);
	kiln_buf_free(&key);
}

Test(errcontract, verify_key_not_comparable)
{
	struct kiln_verify v;
	struct kiln_infos infos;
	struct kiln_key key;
	char **p = NULL;
	size_t n = 0, i;

	memset(&v, 0, sizeof(v));
	kiln_infos_init(&infos);
	kiln_key_init(&key);
	read_data("verify/peer-key.pem");
	cr_assert_eq(kiln_key_parse(&key, data.p, data.len, &rng, &fresh), 0);
	read_data("verify/ed25519.pem");
	cr_assert_eq(kiln_inspect_certs(&infos, data.p, data.len, &fresh), 0);
	v.key = &key;
	v.rng = &rng;
	v.now = NOW;
#define FREE_PROBLEMS                                                          \
	do {                                                                   \
		for (i = 0; i < n; i++)                                        \
			free(p[i]);                                            \
		free(p);                                                       \
		p = NULL;                                                      \
		n = 0;                                                         \
	} while (0)
	/* A problem sentence, not an error: the stale one stays. */
	CONTRACT(FREE_PROBLEMS, 0, kiln_verify(&v, &infos, &p, &n, E));
	cr_assert_eq(kiln_verify(&v, &infos, &p, &n, stale()), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(p[1],
	    "its Ed25519 key cannot be compared with the private key given");
	cr_assert_str_eq(old.msg, STALE);
	FREE_PROBLEMS;
#undef FREE_PROBLEMS
	kiln_infos_free(&infos);
	kiln_key_free(&key);
}

Test(errcontract, check_path_and_reports)
{
	struct kiln_check c;

	kiln_check_init(&c);
	c.now = NOW;
	CONTRACT((kiln_check_free(&c), kiln_check_init(&c), c.now = NOW), 0,
	    kiln_check_path(&c, KILN_TEST_DATA "/verify", E));
	cr_assert_eq(kiln_check_path(&c, KILN_TEST_DATA "/verify", &fresh), 0);
	CONTRACT(out.len = 0, 0, kiln_check_json(&c, &out, E));
	CONTRACT(out.len = 0, 0, kiln_check_table(&c, &out, E));
	kiln_check_free(&c);
}

Test(errcontract, etcd_build)
{
	static const char json[] =
	    "{\"members\": [{\"name\": \"etcd-1\", \"ip\": \"10.0.0.1\"}]}";
	struct kiln_etcd_manifest m;
	struct kiln_etcd_result r;
	char sub[128];
	int k = 0;

	kiln_etcd_manifest_init(&m);
	kiln_etcd_result_init(&r);
	CONTRACT(kiln_etcd_manifest_free(&m), 0,
	    kiln_etcd_manifest_parse(&m, json, strlen(json), "/base", E));
	cr_assert_eq(
	    kiln_etcd_manifest_parse(&m, json, strlen(json), "/base", &fresh),
	    0);
	/* A new tree each run: the whole build, templates included. */
	CONTRACT((kiln_etcd_result_free(&r),
	             snprintf(sub, sizeof(sub), "%s/t%d", dir, k++)),
	    0, kiln_etcd_build(&m, sub, 0, NULL, NULL, &r, E));
	kiln_etcd_result_free(&r);
	kiln_etcd_manifest_free(&m);
}

Test(errcontract, renew_plan_and_commit)
{
	struct kiln_renew_operands ops;
	struct kiln_renew_plan plan;
	struct kiln_renew_opts o;
	enum kiln_renew_why why;
	struct kiln_cert ca;
	struct kiln_key key;
	struct kiln_buf c;
	const char *base;
	char folder[PATH_MAX];
	size_t next = 0;

	CONTRACT((void)0, 0, kiln_path_split("a/b", folder, &base, E));
	CONTRACT((void)0, -1, kiln_path_split("a/..", folder, &base, E));
	kiln_cert_init(&ca);
	kiln_key_init(&key);
	kiln_buf_init(&c);
	kiln_renew_operands_init(&ops);
	kiln_renew_plan_init(&plan);
	read_data("renew/ca.pem");
	cr_assert_eq(kiln_buf_append(&c, data.p, data.len, &fresh), 0);
	read_data("renew/ca-key.pem");
	cr_assert_eq(kiln_ca_load(&ca, &key, &c, "ca.pem", &data, "ca-key.pem",
	                 NULL, &rng, &fresh),
	    0, "%s", fresh.msg);
	memset(&o, 0, sizeof(o));
	o.within = -1;
	o.now = NOW;
	o.threads = 1;
	o.dry_run = 1;
	o.stamp = ".x";
	o.backup_dfd = -1;
	CONTRACT((kiln_renew_operands_free(&ops), kiln_renew_operands_init(&ops)),
	    0, kiln_renew_operands_add(&ops,
	           KILN_TEST_DATA "/renew/foreign.pem", E));
	cr_assert_eq(kiln_renew_operands_add(
	                 &ops, KILN_TEST_DATA "/renew/foreign.pem", &fresh),
	    0);
	CONTRACT((kiln_renew_plan_free(&plan), next = 0), 0,
	    kiln_renew_plan_make(&plan, &ops, &next, 1, &o, &ca, &rng, E));
	cr_assert_eq(kiln_renew_plan_make(&plan, &ops, &next, 1, &o, &ca, &rng,
	                 &fresh),
	    0);
	CONTRACT((void)0, 0,
	    kiln_renew_plan_issue(&plan, &o, &ca, &key, &rng, E));
	/* Another CA's certificate: the job's refusal, every time. */
	CONTRACT((void)0, -1, kiln_renew_commit(&plan, 0, &o, &why, E));
	kiln_renew_plan_free(&plan);
	kiln_renew_operands_free(&ops);
	kiln_buf_free(&c);
	kiln_cert_free(&ca);
	kiln_key_free(&key);
}
