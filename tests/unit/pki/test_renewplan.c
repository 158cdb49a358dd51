/*
 * kiln renew's plan and commit without the CLI: the decisions for the
 * layouts in use (kubeadm, cert-manager, cfssljson), the refusals, and
 * that a dry run's plan is what the real run commits.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "kiln/cert.h"
#include "kiln/duration.h"
#include "kiln/file.h"
#include "kiln/inspect.h"
#include "kiln/kubeconfig.h"
#include "kiln/pem.h"
#include "kiln/renew.h"

/* 2030-03-17T17:46:57Z, as test_renew.c. */
#define NOW ((time_t)1900000017)
#define STAMP ".20300317T174657Z"

static char dir[64];
static struct kiln_cert ca;
static struct kiln_key ca_key;
static struct kiln_rng rng;
static struct kiln_renew_opts opts;
static struct kiln_renew_ca one_ca;
static struct kiln_renew_operands ops;
static struct kiln_renew_plan plan;
static struct kiln_err err;

static void
fixture(const char *from, const char *to)
{
	char src[512], dst[512];
	struct kiln_buf b;

	kiln_buf_init(&b);
	snprintf(src, sizeof(src), "%s/renew/%s", KILN_TEST_DATA, from);
	snprintf(dst, sizeof(dst), "%s/%s", dir, to);
	cr_assert_eq(kiln_file_read(src, &b, &err), 0, "%s", err.msg);
	cr_assert_eq(
	    kiln_file_write(dst, b.p, b.len, 0644, 0, &err), 0, "%s", err.msg);
	kiln_buf_free(&b);
}

static void
setup(void)
{
	struct kiln_buf c, k;
	char path[512];

	kiln_cert_init(&ca);
	kiln_key_init(&ca_key);
	kiln_rng_init(&rng);
	kiln_renew_operands_init(&ops);
	kiln_renew_plan_init(&plan);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_rng_seed(&rng, "test_renewplan", &err), 0);
	snprintf(dir, sizeof(dir), "/tmp/kiln-test-renewplan.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	kiln_buf_init(&c);
	kiln_buf_init(&k);
	snprintf(path, sizeof(path), "%s/renew/ca.pem", KILN_TEST_DATA);
	cr_assert_eq(kiln_file_read(path, &c, &err), 0);
	snprintf(path, sizeof(path), "%s/renew/ca-key.pem", KILN_TEST_DATA);
	cr_assert_eq(kiln_file_read(path, &k, &err), 0);
	cr_assert_eq(kiln_ca_load(&ca, &ca_key, &c, "ca.pem", &k, "ca-key.pem",
	                 NULL, &rng, &err),
	    0, "%s", err.msg);
	kiln_buf_free(&c);
	kiln_buf_free(&k);
	memset(&opts, 0, sizeof(opts));
	opts.within = -1;
	opts.now = NOW;
	opts.threads = 1;
	opts.stamp = STAMP;
	opts.backup_dfd = -1;
	snprintf(path, sizeof(path), "%s/renew/ca.pem", KILN_TEST_DATA);
	one_ca.cert = &ca;
	one_ca.key = &ca_key;
	one_ca.shown = "ca.pem";
	one_ca.st_ok = stat(path, &one_ca.st) == 0;
	opts.cas = &one_ca;
	opts.n_cas = 1;
}

static void
teardown(void)
{
	char cmd[128];

	kiln_renew_plan_free(&plan);
	kiln_renew_operands_free(&ops);
	kiln_cert_free(&ca);
	kiln_key_free(&ca_key);
	kiln_rng_free(&rng);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(renewplan, .init = setup, .fini = teardown, .timeout = 60);

/* The plan of the operand "name" in the test folder ("" : the folder). */
static void
plan_of(const char *name)
{
	char path[512];
	size_t next = 0;

	kiln_renew_plan_free(&plan);
	kiln_renew_operands_free(&ops);
	if (name[0] == '\0')
		snprintf(path, sizeof(path), "%s", dir);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_eq(kiln_renew_operands_add(&ops, path, &err), 0);
	cr_assert_eq(kiln_renew_plan_make(
	                 &plan, &ops, &next, 100, &opts, &rng, &err),
	    0, "%s", err.msg);
	cr_assert_eq(next, ops.n);
	cr_assert_eq(plan.n, ops.n);
}

/* The one item of the plan of "name", renewed with its key file "key". */
static void
renews_with_key_file(const char *name, const char *key)
{
	char want[512];

	plan_of(name);
	cr_assert_eq(plan.items[0].decision, KILN_RENEW_RENEW, "%s",
	    plan.items[0].err.msg);
	snprintf(want, sizeof(want), "%s/%s", dir, key);
	cr_assert_str_eq(plan.items[0].key.shown, want);
	cr_assert(plan.items[0].has_key && plan.items[0].key.read);
	cr_assert(!plan.items[0].inside && !plan.items[0].is_ca);
}

Test(renewplan, kubeadm_pair)
{
	fixture("leaf.pem", "apiserver.crt");
	fixture("leaf-key.pem", "apiserver.key");
	renews_with_key_file("apiserver.crt", "apiserver.key");
}

Test(renewplan, cert_manager_pair)
{
	fixture("leaf.pem", "tls.crt");
	fixture("leaf-key.pem", "tls.key");
	renews_with_key_file("tls.crt", "tls.key");
}

Test(renewplan, cfssljson_pair)
{
	fixture("leaf.pem", "server.pem");
	fixture("leaf-key.pem", "server-key.pem");
	renews_with_key_file("server.pem", "server-key.pem");
}

/* A key beside it that is not its own: refused, naming both files. */
Test(renewplan, key_not_matching)
{
	char want[512];

	fixture("leaf.pem", "server.pem");
	fixture("inter-key.pem", "server-key.pem");
	plan_of("server.pem");
	cr_assert_eq(plan.items[0].decision, KILN_RENEW_FAILED);
	snprintf(want, sizeof(want),
	    "%s/server.pem: its key %s/server-key.pem does not match it: "
	    "refused (a certificate is renewed only for the key beside it)",
	    dir, dir);
	cr_assert_str_eq(plan.items[0].err.msg, want);
}

/* No key anywhere: the reason for a front end to name its flag. */
Test(renewplan, no_key_file)
{
	char want[512];

	fixture("leaf.pem", "server.pem");
	plan_of("server.pem");
	cr_assert_eq(plan.items[0].decision, KILN_RENEW_FAILED);
	cr_assert_eq(plan.items[0].why, KILN_RENEW_WHY_NO_KEY_FILE);
	snprintf(want, sizeof(want),
	    "%s/server.pem: no key found for it (not in the file, no "
	    "%s/server-key.pem)",
	    dir, dir);
	cr_assert_str_eq(plan.items[0].err.msg, want);
}

/* A folder walked: renew's backups left out, a key passed over. */
Test(renewplan, backup_name_skipped)
{
	fixture("leaf.pem", "leaf.pem");
	fixture("leaf-key.pem", "leaf-key.pem");
	fixture("leaf.pem", "leaf.pem.20261207T091500Z");
	plan_of("");
	cr_assert_eq(ops.n, 2);
	cr_assert_eq(ops.n_problems, 0);
	cr_assert_eq(plan.items[0].decision, KILN_RENEW_SKIP_KEY);
	cr_assert(strstr(plan.items[0].path, "/leaf-key.pem") != NULL);
	cr_assert_eq(plan.items[1].decision, KILN_RENEW_RENEW, "%s",
	    plan.items[1].err.msg);
	cr_assert(strstr(plan.items[1].path, "/leaf.pem") != NULL);
	cr_assert_eq(plan.n_jobs, 1);
}

/* Not due within "within": kept, with the days left. */
Test(renewplan, within_not_reached)
{
	fixture("leaf.pem", "server.pem");
	fixture("leaf-key.pem", "server-key.pem");
	opts.within = 30 * KILN_NS_DAY;
	plan_of("server.pem");
	cr_assert_eq(plan.items[0].decision, KILN_RENEW_KEEP);
	cr_assert_eq(plan.items[0].days_left,
	    (plan.items[0].infos.v[0].not_after - (long long)NOW) / 86400);
	cr_assert_gt(plan.items[0].days_left, 30);
	cr_assert_eq(plan.n_jobs, 0);
}

/* A copy of the CA is skipped; the CA file itself is renewed. */
Test(renewplan, ca_copy)
{
	char path[512];
	size_t next = 0;

	fixture("ca.pem", "ca.pem");
	plan_of("ca.pem");
	cr_assert_eq(plan.items[0].decision, KILN_RENEW_SKIP_CA_COPY);
	kiln_renew_plan_free(&plan);
	kiln_renew_operands_free(&ops);
	snprintf(path, sizeof(path), "%s/renew/ca.pem", KILN_TEST_DATA);
	cr_assert_eq(kiln_renew_operands_add(&ops, path, &err), 0);
	cr_assert_eq(
	    kiln_renew_plan_make(&plan, &ops, &next, 1, &opts, &rng, &err),
	    0);
	cr_assert_eq(plan.items[0].decision, KILN_RENEW_RENEW, "%s",
	    plan.items[0].err.msg);
	cr_assert(plan.items[0].is_ca && !plan.items[0].has_key);
}

/* Another CA's certificate: planned, refused when issued. */
Test(renewplan, foreign_certificate)
{
	enum kiln_renew_why why;
	char want[512];

	fixture("foreign.pem", "foreign.pem");
	plan_of("foreign.pem");
	cr_assert_eq(plan.items[0].decision, KILN_RENEW_RENEW);
	cr_assert_eq(
	    kiln_renew_plan_issue(&plan, &opts, &rng, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(kiln_renew_commit(&plan, 0, &opts, &why, &err), -1);
	snprintf(
	    want, sizeof(want), "%s/foreign.pem: not issued by this CA", dir);
	cr_assert_eq(strncmp(err.msg, want, strlen(want)), 0, "%s", err.msg);
	cr_assert_eq(why, KILN_RENEW_WHY_OTHER);
}

/* The decisions and paths of the plan of the test folder. */
struct seen {
	enum kiln_renew_decision d[4];
	char backup[4][PATH_MAX];
	size_t n;
};

static void
run(struct seen *s)
{
	enum kiln_renew_why why;
	size_t i;

	plan_of("");
	cr_assert_eq(
	    kiln_renew_plan_issue(&plan, &opts, &rng, &err), 0,
	    "%s", err.msg);
	memset(s, 0, sizeof(*s));
	s->n = plan.n;
	for (i = 0; i < plan.n && i < 4; i++) {
		s->d[i] = plan.items[i].decision;
		if (s->d[i] != KILN_RENEW_RENEW)
			continue;
		cr_assert_eq(kiln_renew_commit(&plan, i, &opts, &why, &err), 0,
		    "%s", err.msg);
		snprintf(s->backup[i], sizeof(s->backup[i]), "%s",
		    plan.items[i].backup_cert);
	}
}

/* -n's plan is what the real run commits: the same decisions and files. */
Test(renewplan, dry_run_plan_is_what_is_committed)
{
	struct kiln_buf before, after, backup;
	struct seen dry, real;
	char path[512], want[512];
	struct stat st;
	size_t i;

	kiln_buf_init(&before);
	kiln_buf_init(&after);
	kiln_buf_init(&backup);
	fixture("leaf.pem", "server.pem");
	fixture("leaf-key.pem", "server-key.pem");
	fixture("ca.pem", "ca.pem");
	snprintf(path, sizeof(path), "%s/server.pem", dir);
	cr_assert_eq(kiln_file_read(path, &before, &err), 0);
	opts.backup = 1;
	opts.dry_run = 1;
	run(&dry);
	snprintf(want, sizeof(want), "%s/server.pem" STAMP, dir);
	cr_assert_eq(stat(want, &st), -1, "a dry run wrote a backup");
	cr_assert_eq(kiln_file_read(path, &after, &err), 0);
	cr_assert(after.len == before.len &&
	          memcmp(after.p, before.p, before.len) == 0);
	opts.dry_run = 0;
	run(&real);
	cr_assert_eq(dry.n, 3);
	cr_assert_eq(real.n, dry.n);
	for (i = 0; i < dry.n; i++) {
		cr_assert_eq(real.d[i], dry.d[i], "item %zu", i);
		cr_assert_str_eq(real.backup[i], dry.backup[i], "item %zu", i);
	}
	/* ca.pem (a copy), server-key.pem (a key), server.pem. */
	cr_assert_eq(dry.d[0], KILN_RENEW_SKIP_CA_COPY);
	cr_assert_eq(dry.d[1], KILN_RENEW_SKIP_KEY);
	cr_assert_eq(dry.d[2], KILN_RENEW_RENEW);
	cr_assert_str_eq(dry.backup[2], want);
	cr_assert_eq(kiln_file_read(want, &backup, &err), 0, "%s", err.msg);
	cr_assert(backup.len == before.len &&
	          memcmp(backup.p, before.p, before.len) == 0);
	after.len = 0;
	cr_assert_eq(kiln_file_read(path, &after, &err), 0);
	cr_assert(after.len != before.len ||
	          memcmp(after.p, before.p, before.len) != 0);
	kiln_buf_free(&before);
	kiln_buf_free(&after);
	kiln_buf_free(&backup);
}

/*
 * The kubeconfig "name" in the test folder: one user "u" whose
 * client-key-data (single-quoted, before the certificate) is the base64
 * of the fixture "key" and client-certificate-data that of "cert",
 * between a comment and a second, token-only user.  Its text into "out".
 */
static void
kubeconfig(
    const char *name, const char *cert, const char *key, struct kiln_buf *out)
{
	struct kiln_buf c, k;
	char path[512];

	kiln_buf_init(&c);
	kiln_buf_init(&k);
	snprintf(path, sizeof(path), "%s/renew/%s", KILN_TEST_DATA, cert);
	cr_assert_eq(kiln_file_read(path, &c, &err), 0);
	snprintf(path, sizeof(path), "%s/renew/%s", KILN_TEST_DATA, key);
	cr_assert_eq(kiln_file_read(path, &k, &err), 0);
	cr_assert_eq(kiln_buf_printf(out, &err,
	                 "# edited by hand\nkind: Config\nusers:\n"
	                 "- name: u\n  user:\n    client-key-data: '"),
	    0);
	cr_assert_eq(kiln_base64_append(out, k.p, k.len, &err), 0);
	cr_assert_eq(kiln_buf_printf(out, &err,
	                 "'  # the key\n    client-certificate-data: "),
	    0);
	cr_assert_eq(kiln_base64_append(out, c.p, c.len, &err), 0);
	cr_assert_eq(kiln_buf_printf(
	                 out, &err, "\n- name: t\n  user:\n    token: abc\n"),
	    0);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_eq(kiln_file_write(path, out->p, out->len, 0644, 0, &err), 0);
	kiln_buf_free(&c);
	kiln_buf_free(&k);
}

/* "text" without its base64 runs of 40 bytes or more, into "out". */
static void
strip_values(const char *text, char *out, size_t size)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789+/=";
	size_t n, o = 0;

	while (*text != '\0' && o + 1 < size) {
		n = strspn(text, b64);
		if (n >= 40) {
			text += n;
			continue;
		}
		if (n == 0)
			n = 1;
		if (o + n >= size)
			break;
		memcpy(out + o, text, n);
		o += n;
		text += n;
	}
	out[o] = '\0';
}

/* The value of "key: " (quotes removed) in "text", decoded to "out". */
static void
kc_value(const struct kiln_buf *text, const char *key, struct kiln_buf *out)
{
	const char *p = strstr((const char *)text->p, key), *e;

	cr_assert_not_null(p);
	p += strlen(key) + 2;
	p += *p == '\'';
	e = p + strcspn(p, "'\n");
	cr_assert_eq(kiln_base64_decode(
	                 (const unsigned char *)p, (size_t)(e - p), out, &err),
	    0);
}

/*
 * A kubeconfig renewed with -rekey: both values replaced in place (the
 * later first), quoting, comment and the other user kept, the new key
 * the new certificate's, the file 0600.
 */
Test(renewplan, kubeconfig_rekey)
{
	struct kiln_buf before, after, cert, key;
	struct kiln_infos infos;
	struct kiln_key k;
	enum kiln_renew_why why;
	const char *b, *a;
	char path[512], sb[512], sa[512];
	struct stat st;

	kiln_buf_init(&before);
	kiln_buf_init(&after);
	kiln_buf_init(&cert);
	kiln_buf_init(&key);
	kiln_infos_init(&infos);
	kiln_key_init(&k);
	kubeconfig("config", "leaf.pem", "leaf-key.pem", &before);
	cr_assert_eq(kiln_buf_terminate(&before, &err), 0);
	opts.rekey = 1;
	plan_of("config");
	cr_assert_eq(plan.items[0].decision, KILN_RENEW_RENEW, "%s",
	    plan.items[0].err.msg);
	cr_assert(plan.items[0].is_kc && plan.items[0].inside);
	cr_assert_str_eq(plan.items[0].key.shown, "client-key-data of users/u");
	cr_assert_eq(
	    kiln_renew_plan_issue(&plan, &opts, &rng, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(
	    kiln_renew_commit(&plan, 0, &opts, &why, &err), 0, "%s", err.msg);
	snprintf(path, sizeof(path), "%s/config", dir);
	cr_assert_eq(kiln_file_read(path, &after, &err), 0);
	cr_assert_eq(kiln_buf_terminate(&after, &err), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	/* Every byte outside the two values kept. */
	strip_values((const char *)before.p, sb, sizeof(sb));
	strip_values((const char *)after.p, sa, sizeof(sa));
	cr_assert_str_eq(sa, sb);
	cr_assert_str_eq(sa, "# edited by hand\nkind: Config\nusers:\n- name: "
	                     "u\n  user:\n    client-key-data: ''  # the "
	                     "key\n    client-certificate-data: \n- name: t\n  "
	                     "user:\n    token: abc\n");
	b = (const char *)before.p;
	a = (const char *)after.p;
	cr_assert_str_neq(a, b);
	kc_value(&after, "client-key-data", &key);
	/* A new key: not the fixture's. */
	kc_value(&before, "client-key-data", &cert);
	cr_assert(cert.len != key.len || memcmp(cert.p, key.p, key.len) != 0);
	kc_value(&after, "client-certificate-data", &cert);
	cr_assert_eq(kiln_inspect_certs(&infos, cert.p, cert.len, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(kiln_renew_check_key(&k, &infos.v[0], "config", key.p,
	                 key.len, "key", &rng, &err),
	    0, "%s", err.msg);
	kiln_buf_free(&before);
	kiln_buf_free(&after);
	kiln_buf_free(&cert);
	kiln_buf_free(&key);
	kiln_infos_free(&infos);
	kiln_key_free(&k);
}

/* A kubeconfig whose key is another's: refused, naming its user. */
Test(renewplan, kubeconfig_key_not_matching)
{
	struct kiln_buf text;
	char want[512];

	kiln_buf_init(&text);
	kubeconfig("config", "leaf.pem", "inter-key.pem", &text);
	plan_of("config");
	cr_assert_eq(plan.items[0].decision, KILN_RENEW_FAILED);
	snprintf(want, sizeof(want),
	    "%s/config: its key client-key-data of users/u does not match "
	    "it: refused (a certificate is renewed only for the key beside "
	    "it)",
	    dir);
	cr_assert_str_eq(plan.items[0].err.msg, want);
	kiln_buf_free(&text);
}

/* Walked: a token-only kubeconfig is passed over; a named one fails. */
Test(renewplan, kubeconfig_without_client_certificate)
{
	static const char text[] = "kind: Config\nusers:\n- name: t\n"
	                           "  user:\n    token: abc\n";
	char path[512], want[600];

	snprintf(path, sizeof(path), "%s/token.conf", dir);
	cr_assert_eq(
	    kiln_file_write(path, text, strlen(text), 0600, 0, &err), 0);
	plan_of("");
	cr_assert_eq(plan.items[0].decision, KILN_RENEW_PASSED);
	plan_of("token.conf");
	cr_assert_eq(plan.items[0].decision, KILN_RENEW_FAILED);
	snprintf(want, sizeof(want), "%s: no client-certificate-data", path);
	cr_assert_str_eq(plan.items[0].err.msg, want);
}

/*
 * -rekey on the CA itself: refused in the plan, so that a dry run (-n)
 * says what the real run does instead of "would renew, new key ".
 */
Test(renewplan, ca_rekey_refused_dry_run_too)
{
	char path[512], want[600];
	size_t next = 0;
	int dry;

	snprintf(path, sizeof(path), "%s/renew/ca.pem", KILN_TEST_DATA);
	opts.rekey = 1;
	for (dry = 0; dry <= 1; dry++) {
		opts.dry_run = dry;
		next = 0;
		kiln_renew_plan_free(&plan);
		kiln_renew_operands_free(&ops);
		cr_assert_eq(kiln_renew_operands_add(&ops, path, &err), 0);
		cr_assert_eq(kiln_renew_plan_make(
		                 &plan, &ops, &next, 1, &opts, &rng, &err),
		    0);
		cr_assert_eq(plan.items[0].decision, KILN_RENEW_FAILED,
		    "dry run %d", dry);
		cr_assert_eq(plan.n_jobs, 0);
		snprintf(want, sizeof(want),
		    "%s: the CA itself: a new key would orphan every "
		    "certificate it issued",
		    path);
		cr_assert_str_eq(plan.items[0].err.msg, want);
	}
}

/*
 * A file named, over KILN_KUBECONFIG_MAX and without PEM: its size and
 * the limit, not "not a certificate"; walked, it is passed over.
 */
Test(renewplan, kubeconfig_too_big)
{
	static const char head[] = "kind: Config\nusers: []\n#";
	size_t len = KILN_KUBECONFIG_MAX + 2;
	char path[512], want[1024], *text;

	cr_assert_not_null(text = malloc(len));
	memset(text, 'x', len);
	memcpy(text, head, strlen(head));
	text[len - 1] = '\n';
	snprintf(path, sizeof(path), "%s/big.conf", dir);
	cr_assert_eq(kiln_file_write(path, text, len, 0600, 0, &err), 0);
	free(text);
	plan_of("big.conf");
	cr_assert_eq(plan.items[0].decision, KILN_RENEW_FAILED);
	snprintf(want, sizeof(want),
	    "%s: %zu bytes: too big for a kubeconfig (kiln reads 4 MiB at "
	    "most) and not a certificate",
	    path, len);
	cr_assert_str_eq(plan.items[0].err.msg, want);
	plan_of("");
	cr_assert_eq(plan.items[0].decision, KILN_RENEW_PASSED);
}
