/*
 * kiln renew: re-issue certificates in place, keeping their keys unless
 * -rekey (kiln-renew(1)).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kiln/config.h"
#include "kiln/duration.h"
#include "kiln/file.h"
#include "kiln/pem.h"
#include "kiln/renew.h"

#define NS_PER_SEC 1000000000LL

struct renew {
	struct kiln_cert ca;
	struct kiln_key ca_key;
	struct kiln_config config;
	const struct kiln_profile *profile;
	struct kiln_rng rng;
	int64_t expiry, within; /* ns; within < 0: renew all */
	time_t now;
	unsigned int threads; /* -j; 0: one per online core */
	char stamp[32];       /* -backup suffix */
};

/* The CA, its key and, with -profile, the signing profile. */
static int
load_signer(struct renew *r, const struct cli_config *cfg, struct kiln_err *err)
{
	struct kiln_buf text;
	int rc = -1;

	kiln_buf_init(&text);
	if (cli_load_ca(
	        cfg->ca, cfg->ca_key, &r->ca, &r->ca_key, &r->rng, err) == -1)
		goto cleanup;
	if (cfg->profile[0] != '\0') {
		if (cfg->config[0] != '\0') {
			if (cli_read(cfg->config, &text, err) == -1)
				goto cleanup;
			if (kiln_config_parse(&r->config, (char *)text.p,
			        text.len, err) == -1) {
				kiln_err_prefix(err, "%s", cfg->config);
				goto cleanup;
			}
		}
		if ((r->profile = kiln_config_profile(
		         &r->config, cfg->profile, err)) == NULL)
			goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	return rc;
}

/* "etcd.pem" gives "etcd-key.pem", as cfssljson names the pair. */
static int
key_path(const char *cert, char *out, struct kiln_err *err)
{
	size_t n = strlen(cert);
	char base[PATH_MAX];

	if (n >= sizeof(base))
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: path too long", cert);
	memcpy(base, cert, n + 1);
	if (n > 4 && strcmp(base + n - 4, ".pem") == 0)
		base[n - 4] = '\0';
	return cli_path(out, base, "-key.pem", err);
}

/* The request for a new key of the old one's type and size. */
static int
rekey_request(
    const struct kiln_info *old, struct kiln_keyreq *kr, struct kiln_err *err)
{
	if (strcmp(old->key_algorithm, "RSA") == 0)
		kr->algo = KILN_KEY_RSA;
	else if (strcmp(old->key_algorithm, "ECDSA") == 0)
		kr->algo = KILN_KEY_ECDSA;
	else
		return kiln_err_set(err, KILN_EINVAL,
		    "-rekey: kiln cannot make %s keys", old->key_algorithm);
	kr->size = (int)old->key_bits;
	return 0;
}

/* Keep "path" as "path.<stamp>" before it is replaced. */
static int
backup(const struct renew *r, const char *path, const struct kiln_buf *data,
    mode_t mode, struct kiln_err *err)
{
	char dst[PATH_MAX];

	if (cli_path(dst, path, r->stamp, err) == -1)
		return -1;
	return kiln_file_write(
	    dst, data->p, data->len, mode, KILN_WRITE_EXCL, err);
}

/*
 * The file with its first certificate replaced by "der": the rest (a
 * chain, a key kept beside it, comments) stays byte for byte, and a DER
 * file stays DER.
 */
static int
replace_first(const struct kiln_buf *text, const struct kiln_buf *der,
    struct kiln_buf *out, struct kiln_err *err)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----",
	                  end[] = "-----END CERTIFICATE-----";
	const char *t = (const char *)text->p, *b, *e;

	if ((b = strstr(t, begin)) == NULL)
		return kiln_buf_append(out, der->p, der->len, err);
	if ((e = strstr(b, end)) == NULL)
		return kiln_err_set(err, KILN_EINVAL, "truncated PEM");
	e += sizeof(end) - 1;
	if (*e == '\r')
		e++;
	if (*e == '\n')
		e++;
	if (kiln_buf_append(out, t, (size_t)(b - t), err) == -1 ||
	    kiln_pem_write(out, "CERTIFICATE", der->p, der->len, err) == -1)
		return -1;
	return kiln_buf_append(out, e, text->len - (size_t)(e - t), err);
}

/* An existing key's mode, or 0600 for a new one. */
static mode_t
key_mode(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_mode & 07777 : 0600;
}

/* Whether two paths name the same file. */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * What names a file, to tell whether two operands touch the same one:
 * its device and inode, or when it does not exist (yet), its folder's
 * real path and its name.
 */
struct ident {
	int exists, unknown; /* unknown: out of memory, same as any */
	dev_t dev;
	ino_t ino;
	char *name;
};

static void
ident_of(const char *path, struct ident *id)
{
	char dir[PATH_MAX], real[PATH_MAX + 1], *slash;
	const char *base = path;
	struct stat st;
	size_t n;

	memset(id, 0, sizeof(*id));
	if (stat(path, &st) == 0) {
		id->exists = 1;
		id->dev = st.st_dev;
		id->ino = st.st_ino;
		return;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		base = path + (slash - dir) + 1;
		slash[slash == dir ? 1 : 0] = '\0';
	} else
		snprintf(dir, sizeof(dir), ".");
	if (realpath(dir, real) == NULL)
		snprintf(real, sizeof(real), "%s", dir);
	n = strlen(real) + strlen(base) + 2;
	if ((id->name = malloc(n)) == NULL)
		id->unknown = 1;
	else
		snprintf(id->name, n, "%s/%s", real, base);
}

static int
ident_same(const struct ident *a, const struct ident *b)
{
	if (a->unknown || b->unknown)
		return 1;
	if (a->exists || b->exists)
		return a->exists && b->exists && a->dev == b->dev &&
		       a->ino == b->ino;
	return strcmp(a->name, b->name) == 0;
}

/* One CERT operand, from reading it to writing it. */
struct item {
	const char *path;
	enum { ITEM_FAILED, ITEM_NOTE, ITEM_RENEW } state;
	struct kiln_err err;  /* ITEM_FAILED */
	struct kiln_buf note; /* ITEM_NOTE: the line to print */
	struct kiln_buf text; /* the file as read */
	struct kiln_infos infos;
	char kpath[PATH_MAX];      /* with -rekey: where the new key goes */
	struct kiln_err kpath_err; /* why there is none */
	struct kiln_keyreq kr;     /* with -rekey */
	struct ident id[2];        /* the certificate's, the new key's */
	size_t n_id;
	size_t job; /* ITEM_RENEW: its kiln_renew_all job */
};

static void
item_init(struct item *it, const char *path, const struct cli_config *cfg)
{
	memset(it, 0, sizeof(*it));
	it->path = path;
	kiln_err_clear(&it->err);
	kiln_err_clear(&it->kpath_err);
	kiln_buf_init(&it->note);
	kiln_buf_init(&it->text);
	kiln_infos_init(&it->infos);
	ident_of(path, &it->id[it->n_id++]);
	if (cfg->rekey &&
	    (cfg->key[0] != '\0'
	            ? cli_path(it->kpath, cfg->key, "", &it->kpath_err)
	            : key_path(path, it->kpath, &it->kpath_err)) == 0)
		ident_of(it->kpath, &it->id[it->n_id++]);
}

static void
item_free(struct item *it)
{
	size_t i;

	kiln_buf_free(&it->note);
	kiln_buf_free(&it->text);
	kiln_infos_free(&it->infos);
	for (i = 0; i < it->n_id; i++)
		free(it->id[i].name);
}

/* Whether "it" names a file one of the "n" items before it names. */
static int
item_clashes(const struct item *it, const struct item *before, size_t n)
{
	size_t i, a, b;

	for (i = 0; i < n; i++)
		for (a = 0; a < it->n_id; a++)
			for (b = 0; b < before[i].n_id; b++)
				if (ident_same(&it->id[a], &before[i].id[b]))
					return 1;
	return 0;
}

/*
 * Read "it" and decide: a line to print (a key, not due, a copy of the
 * CA), a failure, or a certificate to renew with the job "job".
 */
static void
prepare(struct renew *r, struct item *it, const struct cli_config *cfg,
    struct kiln_renew_job *job)
{
	struct kiln_err *err = &it->err;
	const char *path = it->path;
	const struct kiln_info *old;
	long long left;

	it->state = ITEM_FAILED;
	if (kiln_file_read(path, &it->text, err) == -1)
		return;
	/* A glob over a folder also names its keys: pass over them. */
	if (strstr((char *)it->text.p, "-----BEGIN CERTIFICATE-----") == NULL &&
	    strstr((char *)it->text.p, "PRIVATE KEY-----") != NULL) {
		if (kiln_buf_printf(&it->note, err,
		        "%s: skipped, a private key", path) == 0)
			it->state = ITEM_NOTE;
		return;
	}
	if (kiln_inspect_certs(&it->infos, it->text.p, it->text.len, err) ==
	    -1) {
		kiln_err_prefix(err, "%s", path);
		return;
	}
	old = &it->infos.v[0];
	left = old->not_after - (long long)r->now;
	if (r->within >= 0 && left > r->within / NS_PER_SEC) {
		if (kiln_buf_printf(&it->note, err,
		        "%s: kept, expires in %lld days", path,
		        left / 86400) == 0)
			it->state = ITEM_NOTE;
		return;
	}
	/* A copy of the CA (ssl/ca.pem) renewed would part from the real one.
	 */
	if (kiln_renew_kind(old, &r->ca) == KILN_RENEW_CA &&
	    !same_file(path, cfg->ca)) {
		if (kiln_buf_printf(&it->note, err,
		        "%s: skipped, a copy of the CA (renew the CA as %s)",
		        path, cfg->ca) == 0)
			it->state = ITEM_NOTE;
		return;
	}
	if (cfg->rekey) {
		if (it->kpath_err.code != KILN_OK) {
			*err = it->kpath_err;
			return;
		}
		if (rekey_request(old, &it->kr, err) == -1)
			return;
	}
	job->old = old;
	job->rekey = cfg->rekey ? &it->kr : NULL;
	it->state = ITEM_RENEW;
}

/*
 * Write what "job" made for "it" and say so.  Returns 0, or -1 with
 * "err" set.
 */
static int
commit(struct renew *r, const struct item *it, struct kiln_renew_job *job,
    const struct cli_config *cfg, struct kiln_err *err)
{
	const char *path = it->path, *kpath = it->kpath;
	struct kiln_buf out, key_pem, old_key, serial;
	struct kiln_infos infos;
	char real[PATH_MAX], when[64];
	struct stat st;
	struct tm tm;
	time_t tt;
	size_t i;
	int rc = -1;

	kiln_buf_init(&out);
	kiln_buf_init(&key_pem);
	kiln_buf_init(&old_key);
	kiln_buf_init(&serial);
	kiln_infos_init(&infos);
	if (job->rc == -1) {
		*err = job->err;
		kiln_err_prefix(err, "%s", path);
		goto cleanup;
	}
	if (cfg->rekey && kiln_key_write_pem(&job->key, &key_pem, err) == -1)
		goto cleanup;
	if (replace_first(&it->text, &job->der, &out, err) == -1 ||
	    (cfg->rekey &&
	        strstr((char *)it->text.p, "PRIVATE KEY-----") != NULL &&
	        kiln_err_set(err, KILN_EINVAL,
	            "%s: holds its key too; -rekey writes the new key to %s",
	            path, kpath) == -1))
		goto cleanup;
	/* Through a symbolic link, to the file it names, whose owner and
	 * mode stay: etcd may run as another user. */
	if (realpath(path, real) == NULL) {
		kiln_err_sys(err, "%s", path);
		goto cleanup;
	}
	if (stat(real, &st) == -1) {
		kiln_err_sys(err, "%s", path);
		goto cleanup;
	}
	if (cfg->backup) {
		if (backup(r, real, &it->text, st.st_mode & 07777, err) == -1)
			goto cleanup;
		if (cfg->rekey && kiln_file_read(kpath, &old_key, err) == 0 &&
		    backup(r, kpath, &old_key, 0600, err) == -1)
			goto cleanup;
		kiln_err_clear(err); /* no old key to keep */
	}
	/* The key first: a moment with the new key and the old certificate
	 * fails the same way as the reverse, and each file is atomic. */
	if (cfg->rekey &&
	    kiln_file_write(kpath, key_pem.p, key_pem.len, key_mode(kpath),
	        KILN_WRITE_KEEP_OWNER, err) == -1)
		goto cleanup;
	if (kiln_file_write(real, out.p, out.len, st.st_mode & 07777,
	        KILN_WRITE_KEEP_OWNER, err) == -1)
		goto cleanup;
	for (i = 0; i < job->n_dropped; i++)
		cli_errorf("renew", "%s: extension %s not carried over", path,
		    job->dropped[i]);
	if (kiln_inspect_certs(&infos, job->der.p, job->der.len, err) == -1 ||
	    kiln_info_serial_decimal(&infos.v[0], &serial, err) == -1 ||
	    kiln_buf_terminate(&serial, err) == -1)
		goto cleanup;
	tt = (time_t)infos.v[0].not_after;
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	printf("%s: renewed, serial %s, valid until %s%s%s\n", path,
	    (char *)serial.p, when, cfg->rekey ? ", new key " : "",
	    cfg->rekey ? kpath : "");
	rc = 0;
cleanup:
	kiln_buf_free(&out);
	kiln_buf_free(&key_pem);
	kiln_buf_free(&old_key);
	kiln_buf_free(&serial);
	kiln_infos_free(&infos);
	return rc;
}

/*
 * Renew "n" operands, which name different files: read and decide in
 * order, make the certificates (and -rekey keys) on the pool, then write
 * and report in order, as one at a time would.  Returns the exit status.
 */
static int
renew_batch(struct renew *r, struct item *items, size_t n,
    struct kiln_renew_job *jobs, const struct cli_config *cfg)
{
	struct kiln_renew opts;
	struct kiln_err err;
	size_t i, n_jobs = 0;
	int failed = 0;

	memset(&opts, 0, sizeof(opts));
	opts.expiry = r->expiry;
	opts.profile = r->profile;
	for (i = 0; i < n; i++)
		kiln_renew_job_init(&jobs[i]);
	for (i = 0; i < n; i++) {
		prepare(r, &items[i], cfg, &jobs[n_jobs]);
		if (items[i].state == ITEM_RENEW)
			items[i].job = n_jobs++;
	}
	kiln_err_clear(&err);
	if (kiln_renew_all(jobs, n_jobs, &opts, &r->ca, &r->ca_key, &r->rng,
	        r->now, r->threads, &err) == -1) {
		cli_error("renew", &err);
		failed = 1;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		kiln_err_clear(&err);
		if (items[i].state == ITEM_NOTE)
			printf("%s\n", (char *)items[i].note.p);
		else if (items[i].state == ITEM_FAILED ||
		         commit(r, &items[i], &jobs[items[i].job], cfg, &err) ==
		             -1) {
			cli_error("renew", items[i].state == ITEM_FAILED
			                       ? &items[i].err
			                       : &err);
			failed = 1;
		}
	}
cleanup:
	for (i = 0; i < n; i++)
		kiln_renew_job_free(&jobs[i]);
	return failed;
}

int
cmd_renew(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_renew_job *jobs = NULL;
	struct item *items = NULL;
	struct kiln_err err;
	struct renew r;
	size_t i, j, k, batch;
	long cores;
	int failed = 0;

	if (argc == 0)
		return cli_usage_error(cfg->cmd, "no certificate to renew");
	if (cfg->ca[0] == '\0' || cfg->ca_key[0] == '\0')
		return cli_usage_error(
		    cfg->cmd, "-ca and -ca-key are required");
	if (cfg->key[0] != '\0' && !cfg->rekey)
		return cli_usage_error(
		    cfg->cmd, "-key names the new key of -rekey");
	if (cfg->key[0] != '\0' && argc > 1)
		return cli_usage_error(cfg->cmd,
		    "-key names one key: renew one certificate with it");
	if (cfg->config[0] != '\0' && cfg->profile[0] == '\0')
		return cli_usage_error(cfg->cmd, "-config needs -profile");
	memset(&r, 0, sizeof(r));
	kiln_err_clear(&err);
	kiln_cert_init(&r.ca);
	kiln_key_init(&r.ca_key);
	kiln_config_init(&r.config);
	kiln_rng_init(&r.rng);
	r.now = time(NULL);
	r.within = -1;
	r.threads = (unsigned int)cfg->jobs;
	strftime(r.stamp, sizeof(r.stamp), ".%Y%m%dT%H%M%SZ", gmtime(&r.now));
	if ((cfg->expiry[0] != '\0' &&
	        (kiln_duration_parse(cfg->expiry, &r.expiry, &err) == -1 ||
	            r.expiry <= 0)) ||
	    (cfg->within[0] != '\0' &&
	        (kiln_duration_parse(cfg->within, &r.within, &err) == -1 ||
	            r.within < 0))) {
		if (err.code == KILN_OK)
			kiln_err_set(
			    &err, KILN_EINVAL, "durations must be positive");
		cli_errorf("renew", "%s", err.msg);
		failed = 2;
		goto cleanup;
	}
	if (kiln_rng_seed(&r.rng, "kiln renew", &err) == -1 ||
	    load_signer(&r, cfg, &err) == -1) {
		cli_error("renew", &err);
		failed = 1;
		goto cleanup;
	}
	/* Enough operands at a time to keep every thread busy; -j 1 takes
	 * them one by one, as kiln always did. */
	cores = cfg->jobs > 0 ? cfg->jobs : sysconf(_SC_NPROCESSORS_ONLN);
	batch = cores <= 1 ? 1 : cores >= 64 ? 1024 : (size_t)cores * 16;
	if (batch > (size_t)argc)
		batch = (size_t)argc;
	if ((items = calloc(batch, sizeof(*items))) == NULL ||
	    (jobs = calloc(batch, sizeof(*jobs))) == NULL) {
		kiln_err_set(&err, KILN_ENOMEM, "out of memory");
		cli_error("renew", &err);
		failed = 1;
		goto cleanup;
	}
	/*
	 * Operands that name the same file (twice, through a link, or a
	 * certificate and another's new key) go to different batches, so
	 * the later one reads what the earlier one wrote.
	 */
	for (i = 0; i < (size_t)argc; i = j) {
		for (j = i; j < (size_t)argc && j - i < batch; j++) {
			item_init(&items[j - i], argv[j], cfg);
			if (j > i &&
			    item_clashes(&items[j - i], items, j - i)) {
				item_free(&items[j - i]);
				break;
			}
		}
		failed |= renew_batch(&r, items, j - i, jobs, cfg);
		for (k = 0; k < j - i; k++)
			item_free(&items[k]);
	}
cleanup:
	free(items);
	free(jobs);
	kiln_cert_free(&r.ca);
	kiln_key_free(&r.ca_key);
	kiln_config_free(&r.config);
	kiln_rng_free(&r.rng);
	return failed;
}
