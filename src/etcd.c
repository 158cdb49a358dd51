/*
 * kiln etcd's run: the CA, every member's certificates, etcd.yml and
 * etcd.service, and the clients' certificates, written into one folder.
 * A re-run keeps what is still right byte for byte: a certificate is
 * kept when a new one for the same key would differ from it only in
 * serial and dates, and it still verifies against the CA.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <mbedtls/x509_crt.h>

#include "compat.h"
#include "kiln/cert.h"
#include "kiln/config.h"
#include "kiln/duration.h"
#include "kiln/etcd.h"
#include "kiln/file.h"
#include "kiln/issue.h"
#include "kiln/key.h"
#include "kiln/name.h"
#include "kiln/pem.h"
#include "kiln/rng.h"
#include "pool.h"
#include "strs.h"
#include "x509.h"

struct leaf_job;

/* A file to write at the end of the run. */
struct staged {
	char *path;
	struct kiln_buf data; /* may hold a key: wiped when freed */
	mode_t mode;
	int excl;
};

struct build {
	const struct kiln_etcd_manifest *m;
	const char *dir;
	unsigned int flags;
	kiln_etcd_progress *progress;
	void *progress_arg;
	size_t step, nsteps;
	struct kiln_etcd_result *result;
	time_t now;
	struct kiln_rng rng;
	struct kiln_cert ca;
	struct kiln_key ca_key;
	struct kiln_buf ca_pem;
	struct kiln_config config;
	int existing_cluster;
	/* Every file of the run, written only once all are computed. */
	struct staged *writes;
	size_t n_writes;
	/*
	 * The leaves, made apart from the rest: a first walk through the
	 * run ("planning") lists them, the pool makes them on "threads"
	 * threads (0: one per core) with a signer each, and the second walk
	 * takes them in the same order.
	 */
	unsigned int threads;
	int planning;
	struct leaf_job *jobs;
	size_t n_jobs, next_job;
	struct kiln_err plan_err; /* why the first walk stopped, if it did */
	struct pool_signer *signers;
};

/* One leaf certificate and its key, as PEM. */
struct leaf {
	struct kiln_buf cert_pem, key_pem;
};

static void
leaf_init(struct leaf *l)
{
	kiln_buf_init(&l->cert_pem);
	kiln_buf_init(&l->key_pem);
}

static void
leaf_free(struct leaf *l)
{
	kiln_buf_free(&l->cert_pem);
	kiln_buf_free(&l->key_pem);
}

void
kiln_etcd_result_init(struct kiln_etcd_result *r)
{
	memset(r, 0, sizeof(*r));
}

void
kiln_etcd_result_free(struct kiln_etcd_result *r)
{
	free(r->added);
	kiln_etcd_result_init(r);
}

/* Files and folders. */

/* "a/b/c" into "out" (PATH_MAX bytes); "a/b" when "c" is empty. */
static int
path_join(char *out, const char *a, const char *b, const char *c,
    struct kiln_err *err)
{
	int n = snprintf(out, PATH_MAX, "%s/%s%s%s", a, b, c[0] ? "/" : "", c);

	if (n < 0 || n >= PATH_MAX)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s/%s: path too long", a, b);
	return 0;
}

static int
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* mkdir -p with "mode" for the folders it creates. */
static int
make_dirs(const char *path, mode_t mode, struct kiln_err *err)
{
	char p[PATH_MAX];
	size_t i;

	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: path too long", path);
	for (i = 1;; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, mode) == -1 && errno != EEXIST)
			return kiln_err_sys(err, "%s", p);
		if (path[i] == '\0')
			return 0;
		p[i] = '/';
	}
}

/*
 * Write "data" unless the file already holds exactly that with "mode":
 * an unchanged manifest rewrites nothing.
 */
/* Add "path" to the batch, unless it already holds exactly this. */
static int
add_if_changed(struct kiln_file_batch *batch, const char *path,
    const void *data, size_t len, mode_t mode, struct kiln_err *err)
{
	struct kiln_buf old;
	struct kiln_err ignored;
	struct stat st;
	int same;

	kiln_buf_init(&old);
	kiln_err_clear(&ignored);
	same = stat(path, &st) == 0 && (st.st_mode & 07777) == mode &&
	       kiln_file_read(path, &old, &ignored) == 0 && old.len == len &&
	       memcmp(old.p, data, len) == 0;
	kiln_buf_free(&old);
	if (same)
		return 0;
	return kiln_file_batch_add(batch, path, data, len, mode, 0, err);
}

/*
 * Stage a file for the end of the run.  Nothing is written before every
 * certificate and configuration is computed, so a failure on the way
 * leaves the folder as it was; above all, no member's etcd.yml is written
 * unless every member's is.
 */
static int
stage(struct build *b, const char *path, const void *data, size_t len,
    mode_t mode, int excl, struct kiln_err *err)
{
	struct staged *w;

	if (b->planning)
		return 0;
	if ((w = realloc(b->writes, (b->n_writes + 1) * sizeof(*w))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	b->writes = w;
	w = &b->writes[b->n_writes];
	kiln_buf_init(&w->data);
	w->mode = mode;
	w->excl = excl;
	if ((w->path = strdup(path)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	b->n_writes++;
	return kiln_buf_append(&w->data, data, len, err);
}

/* The folder part of "path" into "dir" (PATH_MAX bytes). */
static void
parent_of(const char *path, char *dir)
{
	char *slash;

	snprintf(dir, PATH_MAX, "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir)
		*slash = '\0';
	else
		snprintf(dir, PATH_MAX, ".");
}

/* Every existing prefix of "dir" must be a folder. */
static int
check_dirs(const char *dir, struct kiln_err *err)
{
	char p[PATH_MAX];
	struct stat st;
	size_t i;

	snprintf(p, sizeof(p), "%s", dir);
	for (i = 1;; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (stat(p, &st) == 0 && !S_ISDIR(st.st_mode))
			return kiln_err_set(
			    err, KILN_EINVAL, "%s: not a folder", p);
		if (dir[i] == '\0')
			return 0;
		p[i] = '/';
	}
}

/*
 * Write the staged files: folders checked first, then created, then
 * every file as one batch, so that the disk is flushed twice for the
 * whole tree rather than twice per file, and a file that cannot be
 * written leaves none of the others behind.
 */
static int
write_all(struct build *b, const char *ca_dir, struct kiln_err *err)
{
	struct kiln_file_batch batch;
	char dir[PATH_MAX];
	size_t i;
	int rc = -1;

	kiln_file_batch_init(&batch);
	for (i = 0; i < b->n_writes; i++) {
		parent_of(b->writes[i].path, dir);
		if (check_dirs(dir, err) == -1)
			goto cleanup;
	}
	for (i = 0; i < b->n_writes; i++) {
		struct staged *w = &b->writes[i];

		parent_of(w->path, dir);
		if (make_dirs(b->dir, 0755, err) == -1 ||
		    make_dirs(
		        dir, strcmp(dir, ca_dir) == 0 ? 0700 : 0755, err) == -1)
			goto cleanup;
		if (w->excl ? kiln_file_batch_add(&batch, w->path, w->data.p,
		                  w->data.len, w->mode, KILN_WRITE_EXCL, err) == -1
		            : add_if_changed(&batch, w->path, w->data.p,
		                  w->data.len, w->mode, err) == -1)
			goto cleanup;
	}
	rc = kiln_file_batch_commit(&batch, err);
cleanup:
	kiln_file_batch_free(&batch);
	return rc;
}

static void
progress(struct build *b, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	b->step++;
	if (b->progress == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	b->progress(b->progress_arg, b->step, b->nsteps, what);
}

/* The CA. */

/* The signing configuration every leaf is issued under. */
static int
ca_config_text(const struct kiln_etcd_manifest *m, struct kiln_buf *out,
    struct kiln_err *err)
{
	static const struct {
		const char *name, *usages;
	} profiles[] = {
	    {"server", "\"server auth\", \"client auth\""},
	    {"peer", "\"server auth\", \"client auth\""},
	    {"client", "\"client auth\""},
	};
	char expiry[32];
	size_t i;

	/* "87600h" as people write it, rather than Go's "87600h0m0s". */
	if (m->expiry % (3600LL * 1000000000) == 0)
		snprintf(expiry, sizeof(expiry), "%lldh",
		    (long long)(m->expiry / (3600LL * 1000000000)));
	else
		kiln_duration_format(m->expiry, expiry, sizeof(expiry));
	kiln_buf_printf(out, err,
	    "{\n    \"signing\": {\n        \"default\": {\n"
	    "            \"expiry\": \"%s\"\n        },\n"
	    "        \"profiles\": {\n",
	    expiry);
	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		kiln_buf_printf(out, err,
		    "            \"%s\": {\n"
		    "                \"expiry\": \"%s\",\n"
		    "                \"usages\": [\"signing\", \"key "
		    "encipherment\", %s]\n"
		    "            }%s\n",
		    profiles[i].name, expiry, profiles[i].usages,
		    i + 1 < sizeof(profiles) / sizeof(profiles[0]) ? "," : "");
	kiln_buf_printf(out, err, "        }\n    }\n}\n");
	return kiln_buf_terminate(out, err);
}

/* Read a CA certificate and its key. */
static int
load_ca(struct build *b, const char *cert_path, const char *key_path,
    struct kiln_err *err)
{
	struct kiln_buf cert, key;
	int rc = -1;

	kiln_buf_init(&cert);
	kiln_buf_init(&key);
	if (kiln_file_read(cert_path, &cert, err) == -1 ||
	    kiln_file_read(key_path, &key, err) == -1 ||
	    kiln_ca_load(&b->ca, &b->ca_key, &cert, cert_path, &key, key_path,
	        getenv("CFSSL_CA_PK_PASSWORD"), &b->rng, err) == -1 ||
	    kiln_pem_write(&b->ca_pem, "CERTIFICATE", b->ca.crt.raw.p,
	        b->ca.crt.raw.len, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&cert);
	kiln_buf_free(&key);
	return rc;
}
/* A new CA from the manifest's "ca" request, written into DIR/ca. */
static int
make_ca(struct build *b, const char *cert_path, const char *key_path,
    struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = b->m;
	struct kiln_buf subject, spki, der, key_pem;
	struct kiln_careq careq = m->ca.ca;
	struct kiln_profile profile;
	struct kiln_certreq cr;
	struct kiln_sans sans;
	int rc = -1;

	kiln_buf_init(&subject);
	kiln_buf_init(&spki);
	kiln_buf_init(&der);
	kiln_buf_init(&key_pem);
	kiln_sans_init(&sans);
	progress(b, "CA key (%s %d) and certificate",
	    m->ca.key.algo == KILN_KEY_RSA ? "rsa" : "ecdsa", m->ca.key.size);
	careq.expiry = m->ca_expiry;
	kiln_issue_ca_profile(&profile, &careq, NULL);
	if (kiln_key_generate(&b->ca_key, &m->ca.key, &b->rng, err) == -1 ||
	    kiln_name_from_request(&subject, &m->ca, err) == -1 ||
	    kiln_key_write_spki(&b->ca_key, &spki, err) == -1)
		goto cleanup;
	memset(&cr, 0, sizeof(cr));
	cr.subject = subject.p;
	cr.subject_len = subject.len;
	cr.spki = spki.p;
	cr.spki_len = spki.len;
	cr.cn = m->ca.cn;
	cr.sans = &sans;
	if (kiln_issue(&der, &cr, &profile, NULL, &b->ca_key, &b->rng, b->now,
	        err) == -1 ||
	    kiln_cert_parse(&b->ca, der.p, der.len, err) == -1 ||
	    kiln_pem_write(&b->ca_pem, "CERTIFICATE", der.p, der.len, err) ==
	        -1 ||
	    kiln_key_write_pem(&b->ca_key, &key_pem, err) == -1)
		goto cleanup;
	/* The key first: a CA certificate without its key is useless. */
	if (stage(b, key_path, key_pem.p, key_pem.len, 0600, 1, err) == -1 ||
	    stage(b, cert_path, b->ca_pem.p, b->ca_pem.len, 0644, 0, err) == -1)
		goto cleanup;
	b->result->issued++;
	rc = 0;
cleanup:
	kiln_buf_free(&subject);
	kiln_buf_free(&spki);
	kiln_buf_free(&der);
	kiln_buf_free(&key_pem);
	kiln_sans_free(&sans);
	return rc;
}

/*
 * DIR/ca: reused when it exists (never replaced), else the manifest's
 * existing CA, else a new one.  Then ca-config.json and its profiles.
 * Everything that can fail on bad input is read before the first write.
 */
static int
setup_ca(struct build *b, struct kiln_err *err)
{
	char cert_path[PATH_MAX], key_path[PATH_MAX], cfg_path[PATH_MAX];
	const char *key_from = key_path;
	struct kiln_buf cfg;
	int rc = -1;

	kiln_buf_init(&cfg);
	if (path_join(cert_path, b->dir, "ca", "ca.pem", err) == -1 ||
	    path_join(key_path, b->dir, "ca", "ca-key.pem", err) == -1 ||
	    path_join(cfg_path, b->dir, "ca", "ca-config.json", err) == -1 ||
	    ca_config_text(b->m, &cfg, err) == -1 ||
	    kiln_config_parse(&b->config, (char *)cfg.p, cfg.len, err) == -1)
		goto cleanup;
	/* An existing CA's key stays where the manifest says it is. */
	if (b->m->ca_key_path != NULL && !exists(key_path))
		key_from = b->m->ca_key_path;
	if (exists(cert_path)) {
		if (load_ca(b, cert_path, key_from, err) == -1)
			goto cleanup;
		/* A CA kiln made counts as kept; one it was given does not. */
		if (key_from == key_path)
			b->result->kept++;
	} else if (b->m->ca_cert_path != NULL &&
	           load_ca(b, b->m->ca_cert_path, key_from, err) == -1)
		goto cleanup;
	if (b->ca.crt.raw.p == NULL) {
		if (make_ca(b, cert_path, key_path, err) == -1)
			goto cleanup;
	} else if (stage(b, cert_path, b->ca_pem.p, b->ca_pem.len, 0644, 0,
	               err) == -1)
		goto cleanup;
	if (stage(b, cfg_path, cfg.p, cfg.len, 0644, 0, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&cfg);
	return rc;
}

/* Leaves. */

/*
 * Whether the certificate "old" (PEM) is still right: it would differ
 * from "fresh" (DER, just issued for the same key) only in its serial
 * number, dates and signature, and it verifies against the CA now.
 */
static int
still_right(const struct kiln_cert *ca, const struct kiln_buf *old,
    const struct kiln_buf *fresh)
{
	struct x509_tbs a, c;
	struct kiln_cert cert;
	struct kiln_err ignored;
	uint32_t flags = 0;
	int right;

	kiln_cert_init(&cert);
	kiln_err_clear(&ignored);
	right = kiln_cert_parse(&cert, old->p, old->len, &ignored) == 0 &&
	        x509_tbs(cert.crt.raw.p, cert.crt.raw.len, &a) == 0 &&
	        x509_tbs(fresh->p, fresh->len, &c) == 0 &&
	        rd_equal(&a.issuer, &c.issuer) &&
	        rd_equal(&a.subject, &c.subject) &&
	        rd_equal(&a.spki, &c.spki) && rd_equal(&a.exts, &c.exts) &&
	        mbedtls_x509_crt_verify(&cert.crt, (mbedtls_x509_crt *)&ca->crt,
	            NULL, NULL, &flags, NULL, NULL) == 0;
	kiln_cert_free(&cert);
	return right;
}

/* What one leaf certificate certifies. */
struct leaf_req {
	const char *what; /* for progress: "etcd-1 server" */
	const char *cn, *o;
	char **hosts;
	size_t n_hosts;
	const char *profile;
	const char *cert_path, *key_path; /* where an existing one is */
};

/*
 * A leaf's key and certificate as PEM in "out": the existing key unless
 * -force, the existing certificate if still right (then "*kept" is 1),
 * else new ones.  Runs on a pool thread: "b" is only read, and "s" is the
 * thread's own random generator and copy of the CA.
 */
static int
make_leaf(const struct build *b, struct pool_signer *s,
    const struct leaf_req *lr, struct leaf *out, int *kept,
    struct kiln_err *err)
{
	struct kiln_request req = b->m->leaf; /* borrowed, never freed */
	struct kiln_buf subject, spki, der, old;
	const struct kiln_profile *profile;
	struct kiln_name *names = NULL;
	struct kiln_certreq cr;
	struct kiln_sans sans;
	struct kiln_key key;
	size_t i;
	int have_key = 0, rc = -1;

	kiln_buf_init(&subject);
	kiln_buf_init(&spki);
	kiln_buf_init(&der);
	kiln_buf_init(&old);
	kiln_sans_init(&sans);
	kiln_key_init(&key);
	if ((profile = kiln_config_profile(&b->config, lr->profile, err)) ==
	    NULL)
		goto cleanup;
	req.cn = (char *)lr->cn;
	req.hosts = NULL;
	req.n_hosts = 0;
	if (lr->o != NULL) {
		if ((names = calloc(req.n_names + 1, sizeof(*names))) == NULL) {
			kiln_err_set(err, KILN_ENOMEM, "out of memory");
			goto cleanup;
		}
		if (req.n_names > 0)
			memcpy(names, req.names, req.n_names * sizeof(*names));
		names[req.n_names++].o = (char *)lr->o;
		req.names = names;
	}
	for (i = 0; i < lr->n_hosts; i++)
		if (kiln_sans_add(&sans, lr->hosts[i], err) == -1)
			goto cleanup;
	if (!(b->flags & KILN_ETCD_FORCE) && exists(lr->key_path)) {
		if (kiln_file_read(lr->key_path, &out->key_pem, err) == -1)
			goto cleanup;
		if (kiln_key_parse(&key, out->key_pem.p, out->key_pem.len,
		        s->rng, err) == -1) {
			kiln_err_prefix(
			    err, "%s (remove it, or use -force)", lr->key_path);
			goto cleanup;
		}
		have_key = 1;
	} else if (kiln_key_generate(&key, &req.key, s->rng, err) == -1 ||
	           kiln_key_write_pem(&key, &out->key_pem, err) == -1)
		goto cleanup;
	if (kiln_name_from_request(&subject, &req, err) == -1 ||
	    kiln_key_write_spki(&key, &spki, err) == -1)
		goto cleanup;
	memset(&cr, 0, sizeof(cr));
	cr.subject = subject.p;
	cr.subject_len = subject.len;
	cr.spki = spki.p;
	cr.spki_len = spki.len;
	cr.cn = lr->cn;
	cr.sans = &sans;
	if (kiln_issue(&der, &cr, profile, s->ca, s->ca_key, s->rng, b->now,
	        err) == -1)
		goto cleanup;
	if (have_key && exists(lr->cert_path) &&
	    kiln_file_read(lr->cert_path, &old, err) == 0 &&
	    still_right(s->ca, &old, &der)) {
		if (kiln_buf_append(&out->cert_pem, old.p, old.len, err) == -1)
			goto cleanup;
		*kept = 1;
	} else {
		kiln_err_clear(err); /* an unreadable old certificate */
		if (kiln_pem_write(&out->cert_pem, "CERTIFICATE", der.p,
		        der.len, err) == -1)
			goto cleanup;
		*kept = 0;
	}
	rc = 0;
cleanup:
	free(names);
	kiln_buf_free(&subject);
	kiln_buf_free(&spki);
	kiln_buf_free(&der);
	kiln_buf_free(&old);
	kiln_sans_free(&sans);
	kiln_key_free(&key);
	return rc;
}

/*
 * A leaf of the run: its request, copied by the first walk; what the pool
 * made of it; and whether it was kept, issued, or failed.
 */
struct leaf_job {
	struct leaf_req lr; /* every string owned */
	struct leaf out;
	enum { JOB_NOT_RUN, JOB_ISSUED, JOB_KEPT, JOB_FAILED } state;
	struct kiln_err err;
};

static void
leaf_job_free(struct leaf_job *j)
{
	free((char *)j->lr.what);
	free((char *)j->lr.cn);
	free((char *)j->lr.o);
	free((char *)j->lr.profile);
	free((char *)j->lr.cert_path);
	free((char *)j->lr.key_path);
	kiln_strs_free(j->lr.hosts, j->lr.n_hosts);
	leaf_free(&j->out);
}

/* A copy of "s", or NULL for NULL; "*bad" set when memory runs out. */
static char *
dup_or_null(const char *s, int *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*bad = 1;
	return d;
}

/* First walk: note the leaf "lr" for the pool. */
static int
plan_leaf(struct build *b, const struct leaf_req *lr, struct kiln_err *err)
{
	struct leaf_job *j;
	int bad = 0;

	if ((j = realloc(b->jobs, (b->n_jobs + 1) * sizeof(*j))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	b->jobs = j;
	j = &b->jobs[b->n_jobs++];
	memset(j, 0, sizeof(*j));
	leaf_init(&j->out);
	j->lr.what = dup_or_null(lr->what, &bad);
	j->lr.cn = dup_or_null(lr->cn, &bad);
	j->lr.o = dup_or_null(lr->o, &bad);
	j->lr.profile = dup_or_null(lr->profile, &bad);
	j->lr.cert_path = dup_or_null(lr->cert_path, &bad);
	j->lr.key_path = dup_or_null(lr->key_path, &bad);
	if (bad || kiln_strs_set(&j->lr.hosts, &j->lr.n_hosts,
	               (const char *const *)lr->hosts, lr->n_hosts, err) == -1)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return 0;
}

/*
 * Second walk: the next leaf the pool made, which must be "lr".  Its
 * failure is reported here, where a run on one thread met it, so the
 * error is the same as that run's.
 */
static int
take_leaf(struct build *b, const struct leaf_req *lr, struct leaf *out,
    struct kiln_err *err)
{
	struct leaf_job *j;

	if (b->next_job >= b->n_jobs) {
		/* The first walk stopped before this leaf and the second did
		 * not: memory ran out the first time. */
		if (b->plan_err.code == KILN_OK)
			return kiln_err_set(err, KILN_EINVAL,
			    "%s: internal error: leaf not planned", lr->what);
		if (err != NULL && err->code == KILN_OK)
			*err = b->plan_err;
		return -1;
	}
	j = &b->jobs[b->next_job++];
	if (strcmp(j->lr.cert_path, lr->cert_path) != 0 ||
	    j->state == JOB_NOT_RUN)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: internal error: leaves out of step", lr->what);
	if (j->state == JOB_FAILED) {
		if (err != NULL && err->code == KILN_OK)
			*err = j->err;
		return -1;
	}
	*out = j->out;
	leaf_init(&j->out); /* the PEM is owned by "out" now */
	if (j->state == JOB_KEPT)
		b->result->kept++;
	else
		b->result->issued++;
	return 0;
}

/* A leaf's key and certificate: planned in the first walk, then taken. */
static int
issue_leaf(struct build *b, const struct leaf_req *lr, struct leaf *out,
    struct kiln_err *err)
{
	return b->planning ? plan_leaf(b, lr, err) : take_leaf(b, lr, out, err);
}

/* The pool's job "i", on worker "w". */
static int
run_leaf(void *arg, unsigned int w, size_t i, struct kiln_err *err)
{
	struct build *b = arg;
	struct leaf_job *j = &b->jobs[i];
	int kept = 0;

	kiln_err_clear(&j->err);
	if (make_leaf(b, &b->signers[w], &j->lr, &j->out, &kept, &j->err) ==
	    -1) {
		j->state = JOB_FAILED;
		*err = j->err;
		return -1;
	}
	j->state = kept ? JOB_KEPT : JOB_ISSUED;
	return 0;
}

/* Progress, as each leaf is handed out: in order, one at a time. */
static void
start_leaf(void *arg, size_t i)
{
	struct build *b = arg;

	progress(b, "%s", b->jobs[i].lr.what);
}

/*
 * Make the planned leaves on the pool.  A leaf's failure is left in its
 * job for the second walk; only a failure to set the pool up is
 * returned (the pool hands job 0 out first: if it did not run, no job
 * did).
 */
static int
make_leaves(struct build *b, struct kiln_err *err)
{
	struct kiln_err first;
	unsigned int threads;
	int rc = -1;

	if (b->n_jobs == 0)
		return 0;
	threads = pool_threads(b->n_jobs, b->threads);
	if ((b->signers = pool_signers_new(threads, &b->rng, &b->ca, &b->ca_key,
	         "kiln etcd", err)) == NULL)
		goto cleanup;
	kiln_err_clear(&first);
	if (pool_run(b->n_jobs, threads, run_leaf, start_leaf, b, &first) ==
	        -1 &&
	    b->jobs[0].state == JOB_NOT_RUN) {
		if (err != NULL && err->code == KILN_OK)
			*err = first;
		goto cleanup;
	}
	rc = 0;
cleanup:
	pool_signers_free(b->signers, threads);
	b->signers = NULL;
	return rc;
}

/* Append "s" to a host list unless it is there already. */
static int
add_host(char ***v, size_t *n, const char *s, struct kiln_err *err)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return 0;
	return kiln_strs_push(v, n, s, err);
}

/*
 * A member's SANs: its IP, its name, for the server certificate
 * 127.0.0.1 and localhost, then its extra hosts.
 */
static int
member_hosts(const struct kiln_etcd_member *mb, int server, char ***v,
    size_t *n, struct kiln_err *err)
{
	size_t i;

	if (add_host(v, n, mb->ip, err) == -1 ||
	    add_host(v, n, mb->name, err) == -1 ||
	    (server && (add_host(v, n, "127.0.0.1", err) == -1 ||
	                   add_host(v, n, "localhost", err) == -1)))
		return -1;
	for (i = 0; i < mb->n_hosts; i++)
		if (add_host(v, n, mb->hosts[i], err) == -1)
			return -1;
	return 0;
}

/* "dir/base.pem" and "dir/base-key.pem" into "cert" and "key". */
static int
leaf_paths(const char *dir, const char *base, char *cert, char *key,
    struct kiln_err *err)
{
	int n = snprintf(cert, PATH_MAX, "%s/%s.pem", dir, base),
	    k = snprintf(key, PATH_MAX, "%s/%s-key.pem", dir, base);

	if (n < 0 || n >= PATH_MAX || k < 0 || k >= PATH_MAX)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s/%s: path too long", dir, base);
	return 0;
}

/* Stage a leaf's certificate and key as "base".pem and "base"-key.pem. */
static int
stage_leaf(struct build *b, const char *dir, const char *base,
    const struct leaf *l, struct kiln_err *err)
{
	char cert[PATH_MAX], key[PATH_MAX];

	if (leaf_paths(dir, base, cert, key, err) == -1 ||
	    stage(b, key, l->key_pem.p, l->key_pem.len, 0600, 0, err) == -1)
		return -1;
	return stage(b, cert, l->cert_pem.p, l->cert_pem.len, 0644, 0, err);
}
/* Configuration. */

void
kiln_etcd_url(char *out, size_t size, const char *ip, int port)
{
	snprintf(out, size,
	    strchr(ip, ':') != NULL ? "https://[%s]:%d" : "https://%s:%d", ip,
	    port);
}

/* The line of "text" that starts with "key", without its newline. */
static int
find_line(const char *text, const char *key, char *out, size_t size)
{
	const char *p = text, *e;

	for (; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, key, strlen(key)) == 0) {
			e = strchr(p, '\n');
			if (e == NULL)
				e = p + strlen(p);
			if ((size_t)(e - p) >= size)
				return -1;
			snprintf(out, size, "%.*s", (int)(e - p), p);
			return 0;
		}
	return -1;
}

/*
 * etcd.yml for member "i".  An existing member keeps the initial-cluster
 * lines it was started with (etcd reads them only at bootstrap), so an
 * unchanged manifest rewrites nothing and a new member changes nothing
 * for the others.
 */
static int
etcd_yml(struct build *b, size_t i, const char *path, const int *had_yml,
    struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = b->m;
	const struct kiln_etcd_member *mb = &m->members[i];
	const struct kiln_etcd_settings *s = &m->etcd;
	const char *server = m->layout == KILN_ETCD_SHARED ? "etcd" : "server",
	           *peer = m->layout == KILN_ETCD_SHARED ? "etcd" : "peer";
	char peer_url[128], client_url[128], cluster[8192], state[64];
	struct kiln_buf old, y;
	size_t j, len = 0;
	int rc = -1, n, first;

	if (b->planning)
		return 0;
	kiln_buf_init(&old);
	kiln_buf_init(&y);
	kiln_etcd_url(peer_url, sizeof(peer_url), mb->ip, s->peer_port);
	kiln_etcd_url(client_url, sizeof(client_url), mb->ip, s->client_port);
	if (had_yml[i] && kiln_file_read(path, &old, err) == 0 &&
	    find_line((char *)old.p, "initial-cluster: ", cluster,
	        sizeof(cluster)) == 0 &&
	    find_line((char *)old.p, "initial-cluster-state: ", state,
	        sizeof(state)) == 0) {
		/* kept as they are */
	} else {
		kiln_err_clear(err);
		len = (size_t)snprintf(
		    cluster, sizeof(cluster), "initial-cluster: '");
		for (j = 0, first = 1; j < m->n_members; j++) {
			/* A member new to a running cluster: those before it.
			 */
			if (b->existing_cluster && !had_yml[j] && j > i)
				continue;
			kiln_etcd_url(peer_url, sizeof(peer_url),
			    m->members[j].ip, s->peer_port);
			n = snprintf(cluster + len, sizeof(cluster) - len,
			    "%s%s=%s", first ? "" : ",", m->members[j].name,
			    peer_url);
			first = 0;
			if (n < 0 || (size_t)n >= sizeof(cluster) - len - 1) {
				kiln_err_set(err, KILN_EINVAL,
				    "members: initial-cluster too long");
				goto cleanup;
			}
			len += (size_t)n;
		}
		snprintf(cluster + len, sizeof(cluster) - len, "'");
		snprintf(state, sizeof(state), "initial-cluster-state: '%s'",
		    b->existing_cluster ? "existing" : "new");
		kiln_etcd_url(peer_url, sizeof(peer_url), mb->ip, s->peer_port);
	}
	kiln_buf_printf(&y, err,
	    "# etcd configuration of member %s, written by kiln etcd.\n"
	    "name: '%s'\n"
	    "data-dir: '%s/data'\n"
	    "wal-dir: '%s/wal'\n"
	    "snapshot-count: %ld\n"
	    "heartbeat-interval: %ld\n"
	    "election-timeout: %ld\n"
	    "quota-backend-bytes: %lld\n",
	    mb->name, mb->name, m->prefix, m->prefix, s->snapshot_count,
	    s->heartbeat_interval, s->election_timeout, s->quota_backend_bytes);
	kiln_buf_printf(&y, err,
	    "listen-peer-urls: '%s'\n"
	    "listen-client-urls: '%s'\n"
	    "max-snapshots: %ld\n"
	    "max-wals: %ld\n"
	    "initial-advertise-peer-urls: '%s'\n"
	    "advertise-client-urls: '%s'\n",
	    peer_url, client_url, s->max_snapshots, s->max_wals, peer_url,
	    client_url);
	kiln_buf_append(&y, cluster, strlen(cluster), err);
	kiln_buf_printf(&y, err, "\ninitial-cluster-token: '%s'\n%s\n",
	    m->cluster_token, state);
	kiln_buf_printf(&y, err,
	    "client-transport-security:\n"
	    "  cert-file: '%s/ssl/%s.pem'\n"
	    "  key-file: '%s/ssl/%s-key.pem'\n"
	    "  client-cert-auth: true\n"
	    "  trusted-ca-file: '%s/ssl/ca.pem'\n"
	    "  auto-tls: false\n",
	    m->prefix, server, m->prefix, server, m->prefix);
	kiln_buf_printf(&y, err,
	    "peer-transport-security:\n"
	    "  cert-file: '%s/ssl/%s.pem'\n"
	    "  key-file: '%s/ssl/%s-key.pem'\n"
	    "  client-cert-auth: true\n"
	    "  trusted-ca-file: '%s/ssl/ca.pem'\n"
	    "  auto-tls: false\n",
	    m->prefix, peer, m->prefix, peer, m->prefix);
	kiln_buf_printf(&y, err,
	    "log-level: '%s'\n"
	    "logger: 'zap'\n"
	    "log-outputs: [stderr]\n"
	    "auto-compaction-mode: '%s'\n"
	    "auto-compaction-retention: '%s'\n",
	    s->log_level, s->auto_compaction_mode,
	    s->auto_compaction_retention);
	if (err->code != KILN_OK ||
	    stage(b, path, y.p, y.len, 0644, 0, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&old);
	kiln_buf_free(&y);
	return rc;
}

/* The guide's systemd unit. */
static int
etcd_service(struct build *b, const char *path, struct kiln_err *err)
{
	struct kiln_buf u;
	int rc;

	if (b->planning)
		return 0;
	kiln_buf_init(&u);
	kiln_buf_printf(&u, err,
	    "[Unit]\n"
	    "Description=Etcd Server\n"
	    "After=network.target\n"
	    "After=network-online.target\n"
	    "Wants=network-online.target\n"
	    "\n"
	    "[Service]\n"
	    "Type=notify\n"
	    "ExecStart=%s/bin/etcd --config-file %s/cfg/etcd.yml\n"
	    "Restart=on-failure\n"
	    "LimitNOFILE=65536\n"
	    "\n"
	    "[Install]\n"
	    "WantedBy=multi-user.target\n",
	    b->m->prefix, b->m->prefix);
	rc = err->code != KILN_OK ? -1
	                          : stage(b, path, u.p, u.len, 0644, 0, err);
	kiln_buf_free(&u);
	return rc;
}

/* Members and clients. */

static int
member(struct build *b, size_t i, const struct leaf *shared, const int *had_yml,
    struct kiln_err *err)
{
	const struct kiln_etcd_member *mb = &b->m->members[i];
	char dir[PATH_MAX], ssl[PATH_MAX], path[PATH_MAX], key_path[PATH_MAX],
	    what[128];
	struct leaf_req lr;
	struct leaf server, peer;
	int rc = -1, k;

	leaf_init(&server);
	leaf_init(&peer);
	memset(&lr, 0, sizeof(lr));
	if (path_join(dir, b->dir, mb->name, "", err) == -1 ||
	    path_join(ssl, b->dir, mb->name, "ssl", err) == -1 ||
	    path_join(path, dir, "ssl", "ca.pem", err) == -1 ||
	    stage(b, path, b->ca_pem.p, b->ca_pem.len, 0644, 0, err) == -1)
		goto cleanup;
	if (shared != NULL) {
		if (stage_leaf(b, ssl, "etcd", shared, err) == -1)
			goto cleanup;
	} else {
		for (k = 0; k < 2; k++) {
			const char *role = k == 0 ? "server" : "peer";

			kiln_strs_free(lr.hosts, lr.n_hosts);
			lr.hosts = NULL;
			lr.n_hosts = 0;
			snprintf(what, sizeof(what), "%s %s certificate",
			    mb->name, role);
			if (leaf_paths(ssl, role, path, key_path, err) == -1)
				goto cleanup;
			lr.what = what;
			lr.cn = mb->name;
			lr.profile = role;
			lr.cert_path = path;
			lr.key_path = key_path;
			if (member_hosts(mb, k == 0, &lr.hosts, &lr.n_hosts,
			        err) == -1 ||
			    issue_leaf(b, &lr, k == 0 ? &server : &peer, err) ==
			        -1 ||
			    stage_leaf(b, ssl, role, k == 0 ? &server : &peer,
			        err) == -1)
				goto cleanup;
		}
	}
	if (path_join(path, dir, "cfg", "etcd.yml", err) == -1 ||
	    etcd_yml(b, i, path, had_yml, err) == -1 ||
	    path_join(path, b->dir, mb->name, "etcd.service", err) == -1 ||
	    etcd_service(b, path, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_strs_free(lr.hosts, lr.n_hosts);
	leaf_free(&server);
	leaf_free(&peer);
	return rc;
}

/*
 * The shared layout's one certificate: every member's IP and name,
 * 127.0.0.1, localhost and every extra host.  An existing one is looked
 * for in the members' folders, in order.
 */
static int
shared_leaf(struct build *b, struct leaf *out, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = b->m;
	char path[PATH_MAX], key_path[PATH_MAX];
	struct leaf_req lr;
	size_t i, j;
	int rc = -1;

	memset(&lr, 0, sizeof(lr));
	for (i = 0; i < m->n_members; i++)
		if (add_host(&lr.hosts, &lr.n_hosts, m->members[i].ip, err) ==
		    -1)
			goto cleanup;
	for (i = 0; i < m->n_members; i++)
		if (add_host(&lr.hosts, &lr.n_hosts, m->members[i].name, err) ==
		    -1)
			goto cleanup;
	if (add_host(&lr.hosts, &lr.n_hosts, "127.0.0.1", err) == -1 ||
	    add_host(&lr.hosts, &lr.n_hosts, "localhost", err) == -1)
		goto cleanup;
	for (i = 0; i < m->n_members; i++)
		for (j = 0; j < m->members[i].n_hosts; j++)
			if (add_host(&lr.hosts, &lr.n_hosts,
			        m->members[i].hosts[j], err) == -1)
				goto cleanup;
	path[0] = key_path[0] = '\0';
	for (i = 0; i < m->n_members; i++) {
		if (path_join(path, b->dir, m->members[i].name, "ssl/etcd.pem",
		        err) == -1 ||
		    path_join(key_path, b->dir, m->members[i].name,
		        "ssl/etcd-key.pem", err) == -1)
			goto cleanup;
		if (exists(path) && exists(key_path))
			break;
	}
	lr.what = "shared etcd certificate";
	lr.cn = "etcd";
	lr.profile = "server";
	lr.cert_path = path;
	lr.key_path = key_path;
	rc = issue_leaf(b, &lr, out, err);
cleanup:
	kiln_strs_free(lr.hosts, lr.n_hosts);
	return rc;
}

static int
clients(struct build *b, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = b->m;
	char dir[PATH_MAX], path[PATH_MAX], key_path[PATH_MAX], what[300];
	struct leaf_req lr;
	struct leaf l;
	size_t i;
	int rc = 0;

	if (m->n_clients == 0)
		return 0;
	if (path_join(dir, b->dir, "clients", "", err) == -1)
		return -1;
	for (i = 0; i < m->n_clients && rc == 0; i++) {
		memset(&lr, 0, sizeof(lr));
		leaf_init(&l);
		snprintf(what, sizeof(what), "client %s", m->clients[i].cn);
		if (leaf_paths(dir, m->clients[i].cn, path, key_path, err) ==
		    -1) {
			rc = -1;
			leaf_free(&l);
			break;
		}
		lr.what = what;
		lr.cn = m->clients[i].cn;
		lr.o = m->clients[i].o;
		lr.profile = "client";
		lr.cert_path = path;
		lr.key_path = key_path;
		if (issue_leaf(b, &lr, &l, err) == -1 ||
		    stage_leaf(b, dir, m->clients[i].cn, &l, err) == -1)
			rc = -1;
		leaf_free(&l);
	}
	return rc;
}

/*
 * The members and clients, in order: a leaf's certificate, then the
 * files that follow it.  Walked twice (see struct build).
 */
static int
walk(struct build *b, struct leaf *shared, const int *had_yml,
    struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = b->m;
	size_t i;

	if (m->layout == KILN_ETCD_SHARED && shared_leaf(b, shared, err) == -1)
		return -1;
	for (i = 0; i < m->n_members; i++) {
		if (member(b, i, m->layout == KILN_ETCD_SHARED ? shared : NULL,
		        had_yml, err) == -1)
			return -1;
		if (!b->planning && b->existing_cluster && !had_yml[i])
			b->result->added[b->result->n_added++] = i;
	}
	return clients(b, err);
}

int
kiln_etcd_build(const struct kiln_etcd_manifest *m, const char *dir,
    unsigned int flags, kiln_etcd_progress *progress_cb, void *arg,
    struct kiln_etcd_result *result, struct kiln_err *err)
{
	return kiln_etcd_build_threads(
	    m, dir, flags, 0, progress_cb, arg, result, err);
}

int
kiln_etcd_build_threads(const struct kiln_etcd_manifest *m, const char *dir,
    unsigned int flags, unsigned int threads, kiln_etcd_progress *progress_cb,
    void *arg, struct kiln_etcd_result *result, struct kiln_err *err)
{
	char path[PATH_MAX];
	struct build b;
	struct leaf shared;
	int *had_yml = NULL, ca_existed, rc = -1;
	size_t i;

	memset(&b, 0, sizeof(b));
	b.m = m;
	b.dir = dir;
	b.flags = flags;
	b.threads = threads;
	b.progress = progress_cb;
	b.progress_arg = arg;
	b.result = result;
	b.now = time(NULL);
	kiln_rng_init(&b.rng);
	kiln_cert_init(&b.ca);
	kiln_key_init(&b.ca_key);
	kiln_buf_init(&b.ca_pem);
	kiln_config_init(&b.config);
	leaf_init(&shared);
	kiln_etcd_result_free(result); /* a reused result starts over */
	if ((had_yml = calloc(m->n_members, sizeof(*had_yml))) == NULL ||
	    (result->added = calloc(m->n_members, sizeof(size_t))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	/* What was there before this run decides what is new. */
	if (path_join(path, dir, "ca", "ca.pem", err) == -1)
		goto cleanup;
	ca_existed = exists(path);
	for (i = 0; i < m->n_members; i++) {
		if (path_join(path, dir, m->members[i].name, "cfg/etcd.yml",
		        err) == -1)
			goto cleanup;
		had_yml[i] = exists(path);
		b.existing_cluster |= ca_existed && had_yml[i];
	}
	b.nsteps = (ca_existed || m->ca_cert_path != NULL ? 0 : 1) +
	           (m->layout == KILN_ETCD_SHARED ? 1 : 2 * m->n_members) +
	           m->n_clients;
	if (kiln_rng_seed(&b.rng, "kiln etcd", err) == -1 ||
	    setup_ca(&b, err) == -1)
		goto cleanup;
	/* The first walk's failure is met again by the second. */
	b.planning = 1;
	kiln_err_clear(&b.plan_err);
	(void)walk(&b, &shared, had_yml, &b.plan_err);
	b.planning = 0;
	if (make_leaves(&b, err) == -1 ||
	    walk(&b, &shared, had_yml, err) == -1 ||
	    path_join(path, dir, "ca", "", err) == -1 ||
	    write_all(&b, path, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	for (i = 0; i < b.n_writes; i++) {
		free(b.writes[i].path);
		kiln_buf_free(&b.writes[i].data);
	}
	free(b.writes);
	for (i = 0; i < b.n_jobs; i++)
		leaf_job_free(&b.jobs[i]);
	free(b.jobs);
	free(had_yml);
	leaf_free(&shared);
	kiln_rng_free(&b.rng);
	kiln_cert_free(&b.ca);
	kiln_key_free(&b.ca_key);
	kiln_buf_free(&b.ca_pem);
	kiln_config_free(&b.config);
	return rc;
}
