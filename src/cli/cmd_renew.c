/*
 * kiln renew: re-issue certificates in place, keeping their keys unless
 * -rekey (kiln-renew(1)).  The flags become the options of a renewal
 * run; the plan, the issuing and the writes are the library's
 * (kiln/renew.h): this file expands folders into operands, words what
 * the library decided in the flags' terms, and prints.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "cli.h"
#include "kiln/check.h"
#include "kiln/config.h"
#include "kiln/duration.h"
#include "kiln/file.h"
#include "kiln/renew.h"
#include "kiln/time.h"

/*
 * -backup-dir DIR, opened once: DIR's own folder as the operator typed
 * it, then DIR without following a link, made 0700 if missing.
 */
static int
open_backup_dir(const char *dir, struct kiln_err *err)
{
	char parent[PATH_MAX], path[PATH_MAX];
	const char *last;
	size_t n = strlen(dir);
	int pfd, fd;

	if (n == 0 || n >= sizeof(path))
		return kiln_err_set(
		    err, KILN_EINVAL, "-backup-dir: not a folder name");
	memcpy(path, dir, n + 1);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	if (strcmp(path, "/") == 0) {
		if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
			return kiln_err_sys(err, "-backup-dir /");
		return fd;
	}
	if (kiln_path_split(path, parent, &last, err) == -1)
		return -1;
	if ((pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return kiln_err_sys(err, "-backup-dir %s: %s", dir, parent);
	fd = kiln_dir_open(pfd, last, 1, 0700, err);
	close(pfd);
	if (fd == -1)
		kiln_err_prefix(err, "-backup-dir");
	return fd;
}

/* A -expiry or -within duration: "*out" unchanged when not given. */
static int
duration(const char *flag, const char *text, int64_t *out, struct kiln_err *err)
{
	if (text[0] == '\0')
		return 0;
	if (kiln_duration_parse(text, out, err) == -1) {
		kiln_err_prefix(err, "-%s", flag);
		return -1;
	}
	if (*out < 0 || (*out == 0 && strcmp(flag, "expiry") == 0))
		return kiln_err_set(
		    err, KILN_EINVAL, "-%s: %s: must be positive", flag, text);
	return 0;
}

/* The refusals worded with the flag to give, each after the path. */
static const struct {
	enum kiln_renew_why why;
	const char *text;
} worded[] = {
    {KILN_RENEW_WHY_INTERMEDIATE,
        "the intermediate CA given as -ca: only its issuer can renew it"},
    {KILN_RENEW_WHY_NO_USAGES,
        "it has neither key usage nor extended key usage: give the usages "
        "with -config and -profile"},
    {KILN_RENEW_WHY_LINK, "a symbolic link, refused (-follow-links follows "
                          "a link to a file of kiln's own user)"},
    {KILN_RENEW_WHY_CA_KEY, "the CA itself, whose key is -ca-key, not -key"},
    {KILN_RENEW_WHY_KEY_IS_CERT,
        "-key names the certificate's own file: give it without -key"},
    {KILN_RENEW_WHY_REKEY_INSIDE,
        "holds its key too: -rekey writes a new key only to a key file of "
        "its own (renew without -rekey, or split the file)"},
};

/*
 * What the library refused, "why" and its message "lib", into "err" in
 * the flags' terms.
 */
static void
word(const struct kiln_renew_item *it, enum kiln_renew_why why,
    const struct kiln_err *lib, struct kiln_err *err)
{
	const struct kiln_info *old = it->infos.n > 0 ? &it->infos.v[0] : NULL;
	enum kiln_errcode code = lib->code;
	size_t i;

	for (i = 0; i < sizeof(worded) / sizeof(worded[0]); i++)
		if (worded[i].why == why) {
			kiln_err_set(err, code, "%s: %s", it->path,
			    worded[i].text);
			return;
		}
	if (why == KILN_RENEW_WHY_LIFETIME)
		kiln_err_set(err, code,
		    "%s: its lifetime, %lld days, is more than kiln can write "
		    "(%lld days at most): renew it with -expiry",
		    it->path, (old->not_after - old->not_before) / 86400,
		    (long long)(INT64_MAX / KILN_NS_DAY));
	else if (why == KILN_RENEW_WHY_NO_KEY_FILE ||
	         why == KILN_RENEW_WHY_NO_KEY)
		kiln_err_set(err, code, "%s: name it with -key", lib->msg);
	else if (why == KILN_RENEW_WHY_REKEY_ALGO)
		kiln_err_set(err, code, "-rekey: kiln cannot make %s keys",
		    old->key_algorithm);
	else if (why == KILN_RENEW_WHY_BACKUP_PATH)
		kiln_err_set(err, code, "%s for -backup-dir", lib->msg);
	else if (why == KILN_RENEW_WHY_BACKUP_DIR)
		kiln_err_set(err, code, "-backup-dir %s", lib->msg);
	else
		kiln_err_pass(err, lib);
}

/* Print what the plan's item "it" decided without renewing it. */
static void
print_note(const struct kiln_renew_item *it, const struct kiln_renew_opts *o)
{
	struct kiln_err err;

	kiln_err_clear(&err);
	switch (it->decision) {
	case KILN_RENEW_SKIP_KEY:
		cli_printf("%s: skipped, a private key", it->path);
		break;
	case KILN_RENEW_KEEP:
		cli_printf("%s: kept, expires in %lld days", it->path,
		    it->days_left);
		break;
	case KILN_RENEW_SKIP_CA_COPY:
		cli_printf("%s: skipped, a copy of the CA (renew the CA as %s)",
		    it->path, o->cas[it->ca].shown);
		break;
	case KILN_RENEW_SKIP_CA:
		cli_printf("%s: skipped, a CA (renew it alone: kiln renew -ca "
		           "%s -ca-key %s %s)",
		    it->path, it->path, o->cas[it->ca].key_shown, it->path);
		break;
	default:
		word(it, it->why, &it->err, &err);
		cli_error("renew", &err);
	}
}

/*
 * Print what the commit of "it" wrote: the extensions not carried over,
 * the renewed line, then each file written, in the order written ("would
 * write" with -n), then the warnings.
 */
static void
print_renewed(const struct kiln_renew_item *it,
    const struct kiln_renew_job *job, const struct kiln_renew_opts *o,
    const struct cli_config *cfg)
{
	const struct kiln_renew_ca *ca = &o->cas[it->ca];
	const char *path = it->path,
	           *verb = o->dry_run ? "would write" : "wrote";
	char when[64], from[64], ca_end[64];
	long long life = it->not_after - (long long)o->now;
	size_t i;

	for (i = 0; i < job->n_dropped; i++)
		cli_errorf("renew", "%s: extension %s not carried over", path,
		    job->dropped[i]);
	kiln_rfc3339(it->not_after, when, sizeof(when));
	kiln_rfc3339(it->not_before, from, sizeof(from));
	if (o->dry_run)
		cli_printf("%s: would renew, valid from %s until %s%s%s", path,
		    from, when, o->rekey ? ", new key " : "",
		    o->rekey ? it->key.shown : "");
	else
		cli_printf("%s: renewed, serial %s, valid until %s%s%s", path,
		    it->serial, when, o->rekey ? ", new key " : "",
		    o->rekey ? it->key.shown : "");
	if (it->backup_cert[0] != '\0')
		cli_printf("  %s %s (backup of %s)", verb, it->backup_cert,
		    path);
	if (it->backup_key[0] != '\0')
		cli_printf("  %s %s (backup of %s)", verb, it->backup_key,
		    it->key.shown);
	if (o->rekey && !it->is_kc)
		cli_printf("  %s %s (new key)", verb, it->key.shown);
	cli_printf("  %s %s", verb, path);
	/* A certificate stops working when its CA does. */
	if (!it->is_ca && kiln_cert_outlives(ca->cert, it->not_after)) {
		kiln_rfc3339(
		    kiln_cert_not_after(ca->cert), ca_end, sizeof(ca_end));
		cli_errorf("renew",
		    "warning: %s: valid until %s, after its CA %s (until %s): it stops "
		    "working when the CA expires; renew the CA first",
		    path, when, ca->shown, ca_end);
	}
	/* Renewed into -within again: every run would renew it. */
	if (o->within >= 0 && life <= o->within / KILN_NS_SECOND)
		cli_errorf("renew",
		    "warning: %s: its new lifetime (%lld days) is within -within %s: "
		    "every run will renew it again (give a longer -expiry)",
		    path, life / 86400, cfg->within);
}

/*
 * Issue the plan "p" on the pool, then write and report its items in
 * order, as one at a time would.  Returns the exit status.
 */
static int
run_plan(struct kiln_renew_plan *p, const struct kiln_renew_opts *o,
    struct kiln_rng *rng, const struct cli_config *cfg)
{
	const struct kiln_renew_item *it;
	enum kiln_renew_why why;
	struct kiln_err err, lib;
	size_t i;
	int failed = 0;

	kiln_err_clear(&err);
	if (kiln_renew_plan_issue(p, o, rng, &err) == -1) {
		cli_error("renew", &err);
		return 1;
	}
	for (i = 0; i < p->n; i++) {
		it = &p->items[i];
		kiln_err_clear(&err);
		kiln_err_clear(&lib);
		if (it->decision == KILN_RENEW_PASSED)
			continue;
		if (it->decision != KILN_RENEW_RENEW) {
			print_note(it, o);
			failed |= it->decision == KILN_RENEW_FAILED;
		} else if (kiln_renew_commit(p, i, o, &why, &lib) == -1) {
			word(it, why, &lib, &err);
			cli_error("renew", &err);
			failed = 1;
		} else
			print_renewed(it, &p->jobs[it->job], o, cfg);
	}
	return failed;
}

/* With -profile, the signing profile. */
static int
load_profile(struct kiln_config *config, const struct kiln_profile **profile,
    const struct cli_config *cfg, struct kiln_err *err)
{
	if (cfg->profile[0] == '\0')
		return 0;
	if (cfg->config[0] != '\0' && cli_read_config(cfg, config, err) == -1)
		return -1;
	*profile = kiln_config_profile(config, cfg->profile, err);
	return *profile != NULL ? 0 : -1;
}

/* The CAs a run signs with: -ca and -ca-key, or those of a tree. */
struct signers {
	struct kiln_renew_tree tree;
	struct kiln_signer s[KILN_RENEW_TREE_MAX];
	struct kiln_renew_ca cas[KILN_RENEW_TREE_MAX];
	size_t n;
};

static void
signers_init(struct signers *v)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < KILN_RENEW_TREE_MAX; i++)
		kiln_signer_init(&v->s[i]);
}

static void
signers_free(struct signers *v)
{
	size_t i;

	for (i = 0; i < KILN_RENEW_TREE_MAX; i++)
		kiln_signer_free(&v->s[i]);
}

/* Open the CA "cert" with its key "key" as the next of "v". */
static int
signers_add(struct signers *v, const char *cert, const char *key,
    struct kiln_rng *rng, struct kiln_err *err)
{
	struct kiln_renew_ca *c = &v->cas[v->n];
	struct kiln_signer *s = &v->s[v->n];

	if (cli_load_ca(cert, key, &s->own_ca, &s->own_key, rng, err) == -1)
		return -1;
	kiln_signer_use(s, &s->own_ca, &s->own_key);
	c->cert = s->ca;
	c->key = s->key;
	c->shown = cert;
	c->key_shown = key;
	c->st_ok = stat(cert, &c->st) == 0;
	v->n++;
	return 0;
}

/*
 * The CAs (-ca and -ca-key, or without them those of the one folder
 * "tree", kiln_renew_tree_cas) and, with -profile, the signing profile.
 */
static int
load_signers(struct signers *v, const char *tree, struct kiln_config *config,
    const struct kiln_profile **profile, struct kiln_rng *rng,
    const struct cli_config *cfg, struct kiln_err *err)
{
	size_t i;

	if (tree == NULL)
		return signers_add(v, cfg->ca, cfg->ca_key, rng, err) == -1
		           ? -1
		           : load_profile(config, profile, cfg, err);
	if (kiln_renew_tree_cas(tree, &v->tree, err) == -1)
		return -1;
	for (i = 0; i < v->tree.n; i++)
		if (signers_add(v, v->tree.ca[i].cert, v->tree.ca[i].key, rng,
		        err) == -1)
			return -1;
	return 0;
}

/*
 * How many operands a plan takes: enough to keep every thread busy (-j 1
 * takes them one by one, as kiln always did), and each keeps its folder
 * (and a -key's) open until it is written.
 */
static size_t
plan_size(const struct cli_config *cfg)
{
	struct rlimit rl;
	size_t batch;
	long cores;

	cores = cfg->jobs > 0 ? cfg->jobs : sysconf(_SC_NPROCESSORS_ONLN);
	batch = cores <= 1 ? 1 : cores >= 64 ? 1024 : (size_t)cores * 16;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 2 < batch + 32)
		batch = rl.rlim_cur > 96 ? (size_t)(rl.rlim_cur - 64) / 2 : 1;
	return batch;
}

int
cmd_renew(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_renew_opts o;
	struct kiln_renew_plan plan;
	struct signers ca;
	struct kiln_config config;
	struct kiln_rng rng;
	struct kiln_renew_operands ops;
	struct kiln_err err;
	const char *tree = NULL;
	char stamp[32];
	size_t i, k, next = 0;
	int failed = 0;

	if (argc == 0)
		return cli_usage_error(cfg->cmd, "no certificate to renew");
	if ((cfg->ca[0] == '\0') != (cfg->ca_key[0] == '\0'))
		return cli_usage_error(cfg->cmd, cfg->ca[0] == '\0'
		                                     ? "-ca-key needs -ca"
		                                     : "-ca needs -ca-key");
	/* Without -ca, one folder whose CAs sign what they issued. */
	if (cfg->ca[0] == '\0' && argc > 1)
		return cli_usage_error(cfg->cmd,
		    "-ca and -ca-key are required (without them, one folder "
		    "laid out by kubeadm, kiln k8s or kiln etcd, renewed "
		    "with its own CAs)");
	if (cfg->ca[0] == '\0') {
		tree = argv[0];
		if (cfg->profile[0] != '\0')
			return cli_usage_error(cfg->cmd,
			    "-profile applies to one CA's certificates: give "
			    "-ca and -ca-key with it");
	}
	if (cfg->key[0] != '\0' && argc > 1)
		return cli_usage_error(cfg->cmd,
		    "-key names one key: renew one certificate with it");
	if (cfg->config[0] != '\0' && cfg->profile[0] == '\0')
		return cli_usage_error(cfg->cmd, "-config needs -profile");
	memset(&o, 0, sizeof(o));
	kiln_renew_operands_init(&ops);
	kiln_renew_plan_init(&plan);
	kiln_err_clear(&err);
	signers_init(&ca);
	kiln_config_init(&config);
	kiln_rng_init(&rng);
	o.now = time(NULL);
	o.within = -1;
	o.threads = (unsigned int)cfg->jobs;
	o.key = cfg->key[0] != '\0' ? cfg->key : NULL;
	o.rekey = cfg->rekey;
	o.follow_links = cfg->follow_links;
	o.dry_run = cfg->dry_run;
	o.backup = cfg->backup;
	o.backup_dfd = -1;
	if (cfg->backup_dir != NULL && cfg->backup_dir[0] != '\0')
		o.backup_dir = cfg->backup_dir;
	stamp[0] = '.';
	kiln_time_stamp(o.now, stamp + 1, sizeof(stamp) - 1);
	o.stamp = stamp;
	if (duration("expiry", cfg->expiry, &o.expiry, &err) == -1 ||
	    duration("within", cfg->within, &o.within, &err) == -1) {
		cli_errorf("renew", "%s", err.msg);
		failed = 2;
		goto cleanup;
	}
	if (kiln_rng_seed(&rng, "kiln renew", &err) == -1 ||
	    load_signers(&ca, tree, &config, &o.profile, &rng, cfg, &err) ==
	        -1) {
		cli_error("renew", &err);
		failed = 1;
		goto cleanup;
	}
	o.cas = ca.cas;
	o.n_cas = ca.n;
	o.leaves_only = tree != NULL;
	/* The backup folder is made before anything is renewed (not with
	 * -n, which writes nothing). */
	if (o.backup_dir != NULL && !o.dry_run &&
	    (o.backup_dfd = open_backup_dir(o.backup_dir, &err)) == -1) {
		cli_error("renew", &err);
		failed = 1;
		goto cleanup;
	}
	for (i = 0; i < (size_t)argc; i++) {
		k = ops.n_problems;
		if (kiln_renew_operands_add(&ops, argv[i], &err) == -1) {
			cli_error("renew", &err);
			failed = 1;
			goto cleanup;
		}
		for (; k < ops.n_problems; k++) {
			cli_errorf("renew", "%s", ops.problems[k]);
			failed = 1;
		}
	}
	/*
	 * Operands are planned in order until one reads a file an earlier
	 * one of the plan replaces (the same file twice, or through a
	 * followed link): that one starts the next plan, so it is read
	 * after the file was written, as with -j 1.
	 */
	while (next < ops.n) {
		if (kiln_renew_plan_make(&plan, &ops, &next,
		        plan_size(cfg), &o, &rng, &err) == -1) {
			cli_error("renew", &err);
			failed = 1;
			goto cleanup;
		}
		failed |= run_plan(&plan, &o, &rng, cfg);
		kiln_renew_plan_free(&plan);
	}
cleanup:
	kiln_renew_plan_free(&plan);
	if (o.backup_dfd != -1)
		close(o.backup_dfd);
	kiln_renew_operands_free(&ops);
	signers_free(&ca);
	kiln_config_free(&config);
	kiln_rng_free(&rng);
	return failed;
}
