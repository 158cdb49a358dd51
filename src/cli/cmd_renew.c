/*
 * kiln renew: re-issue certificates in place, keeping their keys unless
 * -rekey (kiln-renew(1)).
 *
 * kiln may run as root over folders other users can write, so each file
 * is read and replaced through its folder: the folder is opened once
 * (O_DIRECTORY|O_NOFOLLOW), the file read relative to it (no link, FIFO,
 * device or hard link), and the new file written there by
 * kiln_file_write_at only if the name is still the inode that was read.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kiln/config.h"
#include "kiln/duration.h"
#include "kiln/file.h"
#include "kiln/pem.h"
#include "kiln/renew.h"

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
	struct stat ca_st;    /* the -ca file, to tell it from its copies */
	int ca_st_ok;
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
	r->ca_st_ok = stat(cfg->ca, &r->ca_st) == 0;
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	return rc;
}

/*
 * A file read to be replaced: the folder it was read in (kept open until
 * it is written), its name there, the path printed, and what was read.
 */
struct file {
	int dfd, own_dfd; /* own_dfd: close dfd when done */
	int read;         /* "st" is what was read */
	char name[NAME_MAX + 1];
	char shown[PATH_MAX];
	struct stat st;
};

static void
file_init(struct file *f)
{
	memset(f, 0, sizeof(*f));
	f->dfd = -1;
}

static void
file_close(struct file *f)
{
	if (f->own_dfd && f->dfd != -1)
		close(f->dfd);
	f->dfd = -1;
	f->own_dfd = 0;
}

/* "path" split into its folder ("." if none) and its last component. */
static int
split(const char *path, char *dir, char *base, struct kiln_err *err)
{
	const char *slash = strrchr(path, '/'), *b;
	size_t dlen;

	b = slash != NULL ? slash + 1 : path;
	if (*b == '\0' || strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: not a file name", path);
	if (strlen(b) > NAME_MAX)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: file name too long", path);
	strcpy(base, b);
	dlen = slash != NULL ? (size_t)(slash - path) : 0;
	if (slash == NULL)
		strcpy(dir, ".");
	else if (dlen == 0)
		strcpy(dir, "/");
	else if (dlen < PATH_MAX) {
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	} else
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: path too long", path);
	return 0;
}

/*
 * Open the folder "dir" of "path", refusing a symbolic link as its last
 * component.
 */
static int
open_dir(const char *dir, const char *path, struct kiln_err *err)
{
	struct stat st;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd != -1)
		return fd;
	if ((errno == ELOOP || errno == ENOTDIR) && lstat(dir, &st) == 0 &&
	    S_ISLNK(st.st_mode))
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: its folder %s is a symbolic link, refused", path, dir);
	return kiln_err_sys(err, "%s", path);
}

/* What to do with a symbolic link where a file to replace is expected. */
enum links {
	LINKS_REFUSE, /* a key: never followed */
	LINKS_HINT,   /* a CERT: refused, naming -follow-links */
	LINKS_FOLLOW  /* a CERT with -follow-links */
};

/*
 * Read the file "path" into "text" through its folder, into "f".  A
 * symbolic link is refused, or with LINKS_FOLLOW followed when it names
 * a regular file of kiln's own (effective) user, which is then read
 * through its own folder the same way.
 */
static int
file_read(struct file *f, const char *path, enum links links,
    struct kiln_buf *text, struct kiln_err *err)
{
	char dir[PATH_MAX], real[PATH_MAX];
	struct kiln_err rerr;
	struct stat lst;

	kiln_err_clear(&rerr);
	if (cli_path(f->shown, path, "", err) == -1 ||
	    split(path, dir, f->name, err) == -1 ||
	    (f->dfd = open_dir(dir, path, err)) == -1)
		return -1;
	f->own_dfd = 1;
	if (kiln_file_read_at(f->dfd, f->name, path, text, &f->st, &rerr) ==
	    0) {
		f->read = 1;
		return 0;
	}
	if (links == LINKS_REFUSE ||
	    fstatat(f->dfd, f->name, &lst, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISLNK(lst.st_mode)) {
		*err = rerr;
		return -1;
	}
	if (links == LINKS_HINT)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: a symbolic link, refused (-follow-links follows a "
		    "link to a file of kiln's own user)",
		    path);
	/* The link's target, read through its own folder: the name there
	 * must be a regular file, and the file kiln's own user's. */
	file_close(f);
	if (realpath(path, real) == NULL)
		return kiln_err_sys(err, "%s", path);
	if (split(real, dir, f->name, err) == -1 ||
	    (f->dfd = open_dir(dir, path, err)) == -1)
		return -1;
	f->own_dfd = 1;
	if (kiln_file_read_at(f->dfd, f->name, real, text, &f->st, err) == -1)
		return -1;
	snprintf(f->shown, sizeof(f->shown), "%s", real);
	f->read = 1;
	if (f->st.st_uid != geteuid()) {
		f->read = 0;
		kiln_buf_free(text);
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: a symbolic link to %s, which belongs to uid %ju, not "
		    "to kiln's user: refused",
		    path, real, (uintmax_t)f->st.st_uid);
	}
	return 0;
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

/*
 * Keep "data" as NAME.<stamp> beside the file "f" before it is replaced:
 * a new file of kiln's user, never written over an existing one.
 */
static int
backup(const struct renew *r, const struct file *f, const struct kiln_buf *data,
    mode_t mode, struct kiln_err *err)
{
	char name[PATH_MAX], shown[PATH_MAX];

	if (cli_path(shown, f->shown, r->stamp, err) == -1 ||
	    cli_path(name, f->name, r->stamp, err) == -1)
		return -1;
	return kiln_file_write_at(f->dfd, name, shown, data->p, data->len, mode,
	    KILN_WRITE_EXCL, NULL, err);
}

/* One CERT operand, from reading it to writing it. */
struct item {
	const char *path;
	enum { ITEM_FAILED, ITEM_NOTE, ITEM_RENEW } state;
	struct kiln_err err;  /* ITEM_FAILED */
	struct kiln_buf note; /* ITEM_NOTE: the line to print */
	struct kiln_buf text; /* the file as read */
	struct kiln_infos infos;
	struct file cert; /* where the certificate was read */
	/* Its key: in a file of its own ("key", "ktext"), or in the
	 * certificate's file ("inside"); "old_key" parsed and checked. */
	struct file key;
	struct kiln_buf ktext;
	int has_key, inside;
	struct kiln_key old_key;
	struct kiln_keyreq kr; /* with -rekey */
	size_t job;            /* ITEM_RENEW: its kiln_renew_all job */
};

static void
item_init(struct item *it, const char *path)
{
	memset(it, 0, sizeof(*it));
	it->path = path;
	kiln_err_clear(&it->err);
	kiln_buf_init(&it->note);
	kiln_buf_init(&it->text);
	kiln_buf_init(&it->ktext);
	kiln_infos_init(&it->infos);
	file_init(&it->cert);
	file_init(&it->key);
	kiln_key_init(&it->old_key);
}

static void
item_free(struct item *it)
{
	kiln_buf_free(&it->note);
	kiln_buf_free(&it->text);
	kiln_buf_free(&it->ktext); /* wipes the key's text */
	kiln_infos_free(&it->infos);
	kiln_key_free(&it->old_key);
	file_close(&it->key);
	file_close(&it->cert);
}

static int
same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * Whether "it" read a file that one of the "n" items before it will
 * replace (the same file twice, or through a followed link).
 */
static int
item_clashes(const struct item *it, const struct item *before, size_t n)
{
	const struct stat *mine[2], *theirs[2];
	size_t i, a, b, nm = 0, nt;

	if (it->cert.read)
		mine[nm++] = &it->cert.st;
	if (it->key.read)
		mine[nm++] = &it->key.st;
	for (i = 0; i < n; i++) {
		if (before[i].state != ITEM_RENEW)
			continue;
		nt = 0;
		theirs[nt++] = &before[i].cert.st;
		if (before[i].key.read)
			theirs[nt++] = &before[i].key.st;
		for (a = 0; a < nm; a++)
			for (b = 0; b < nt; b++)
				if (same_inode(mine[a], theirs[b]))
					return 1;
	}
	return 0;
}

/*
 * The key of the certificate "it" read, checked against it: -key FILE,
 * else a key inside the certificate's file, else the key file beside it
 * by the layouts kiln_renew_key_name knows.  A key file is read through
 * its folder as the certificate is, and never through a link.
 */
static int
find_key(struct renew *r, struct item *it, const struct cli_config *cfg,
    int is_ca, struct kiln_err *err)
{
	const struct kiln_info *old = &it->infos.v[0];
	const unsigned char *data;
	char kname[NAME_MAX + 1];
	struct kiln_err kerr;
	size_t off, n;
	int found;

	kiln_err_clear(&kerr);
	if ((found = kiln_renew_key_block(
	         it->text.p, it->text.len, &off, &n, &kerr)) == -1)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: %s", it->path, kerr.msg);
	if (is_ca && cfg->key[0] != '\0')
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: the CA itself, whose key is -ca-key, not -key",
		    it->path);
	if (cfg->key[0] != '\0') {
		if (file_read(&it->key, cfg->key, LINKS_REFUSE, &it->ktext,
		        err) == -1)
			return -1;
		/* Written twice, it would be changed under the second write. */
		if (same_inode(&it->key.st, &it->cert.st))
			return kiln_err_set(err, KILN_EINVAL,
			    "%s: -key names the certificate's own file: give "
			    "it without -key",
			    it->path);
		data = it->ktext.p;
		n = it->ktext.len;
	} else if (found) {
		it->inside = 1;
		snprintf(
		    it->key.shown, sizeof(it->key.shown), "in %s", it->path);
		data = it->text.p + off;
	} else if (is_ca) {
		return 0; /* -ca-key, checked against -ca when loaded */
	} else if (kiln_renew_key_name(it->cert.name, kname, sizeof(kname))) {
		/* Beside the certificate: the same folder, printed as the
		 * certificate's path with the key's name. */
		const char *slash = strrchr(it->cert.shown, '/');
		int d = slash != NULL ? (int)(slash - it->cert.shown) + 1 : 0;

		if (snprintf(it->key.shown, sizeof(it->key.shown), "%.*s%s", d,
		        it->cert.shown, kname) >= (int)sizeof(it->key.shown))
			return kiln_err_set(
			    err, KILN_EINVAL, "%s: path too long", it->path);
		strcpy(it->key.name, kname);
		it->key.dfd = it->cert.dfd; /* borrowed */
		if (kiln_file_read_at(it->key.dfd, kname, it->key.shown,
		        &it->ktext, &it->key.st, &kerr) == -1) {
			if (kerr.sys == ENOENT)
				return kiln_err_set(err, KILN_EINVAL,
				    "%s: no key found for it (not in the file, "
				    "no %s): name it with -key",
				    it->path, it->key.shown);
			*err = kerr;
			return -1;
		}
		it->key.read = 1;
		data = it->ktext.p;
		n = it->ktext.len;
	} else
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: no key found for it (not in the file, and no "
		    "NAME-key.pem for NAME.pem nor NAME.key for NAME.crt): "
		    "name it with -key",
		    it->path);
	it->has_key = 1;
	return kiln_renew_check_key(
	    &it->old_key, old, it->path, data, n, it->key.shown, &r->rng, err);
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
	enum kiln_renew_kind kind;
	long long left;

	it->state = ITEM_FAILED;
	if (file_read(&it->cert, path,
	        cfg->follow_links ? LINKS_FOLLOW : LINKS_HINT, &it->text,
	        err) == -1)
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
	if (r->within >= 0 && left > r->within / KILN_NS_SECOND) {
		if (kiln_buf_printf(&it->note, err,
		        "%s: kept, expires in %lld days", path,
		        left / 86400) == 0)
			it->state = ITEM_NOTE;
		return;
	}
	kind = kiln_renew_kind(old, &r->ca);
	/* A copy of the CA (ssl/ca.pem) renewed would part from the real one.
	 */
	if (kind == KILN_RENEW_CA &&
	    !(r->ca_st_ok && same_inode(&it->cert.st, &r->ca_st))) {
		if (kiln_buf_printf(&it->note, err,
		        "%s: skipped, a copy of the CA (renew the CA as %s)",
		        path, cfg->ca) == 0)
			it->state = ITEM_NOTE;
		return;
	}
	/* Another CA's certificate: kiln_renew says so. */
	if ((kind == KILN_RENEW_LEAF || kind == KILN_RENEW_CA) &&
	    find_key(r, it, cfg, kind == KILN_RENEW_CA, err) == -1)
		return;
	if (cfg->rekey) {
		if (it->inside) {
			kiln_err_set(err, KILN_EINVAL,
			    "%s: holds its key too: -rekey writes a new key "
			    "only to a key file of its own (renew without "
			    "-rekey, or split the file)",
			    path);
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
commit(struct renew *r, struct item *it, struct kiln_renew_job *job,
    const struct cli_config *cfg, struct kiln_err *err)
{
	const char *path = it->path;
	struct kiln_buf out, key_pem, serial;
	struct kiln_infos infos;
	char when[64];
	mode_t mode;
	struct tm tm;
	time_t tt;
	size_t i;
	int rc = -1;

	kiln_buf_init(&out);
	kiln_buf_init(&key_pem);
	kiln_buf_init(&serial);
	kiln_infos_init(&infos);
	if (job->rc == -1) {
		*err = job->err;
		kiln_err_prefix(err, "%s", path);
		goto cleanup;
	}
	if (cfg->rekey && kiln_key_write_pem(&job->key, &key_pem, err) == -1)
		goto cleanup;
	/* Exactly the new file: the certificate, the chain after it and a
	 * key kept in it, each written again from what was parsed. */
	if (kiln_renew_file(&out, &job->der, &it->infos,
	        it->inside ? &it->old_key : NULL,
	        strstr((char *)it->text.p, "-----BEGIN ") != NULL, err) == -1)
		goto cleanup;
	/* Its mode, but never writable or executable by others, nor
	 * readable by others when it holds a key. */
	mode = it->cert.st.st_mode & (it->inside ? 0640 : 0644);
	if (cfg->backup) {
		if (backup(r, &it->cert, &it->text, it->inside ? 0600 : mode,
		        err) == -1)
			goto cleanup;
		if (cfg->rekey &&
		    backup(r, &it->key, &it->ktext, 0600, err) == -1)
			goto cleanup;
	}
	/* The key first: a moment with the new key and the old certificate
	 * fails the same way as the reverse, and each file is atomic.  The
	 * new key is kiln's user's, 0600, and replaces only the key file
	 * that was read and checked. */
	if (cfg->rekey &&
	    kiln_file_write_at(it->key.dfd, it->key.name, it->key.shown,
	        key_pem.p, key_pem.len, 0600, 0, &it->key.st, err) == -1)
		goto cleanup;
	/* The certificate keeps its owner: etcd may run as another user. */
	if (kiln_file_write_at(it->cert.dfd, it->cert.name, path, out.p,
	        out.len, mode, KILN_WRITE_KEEP_OWNER, &it->cert.st, err) == -1)
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
	cli_printf("%s: renewed, serial %s, valid until %s%s%s", path,
	    (char *)serial.p, when, cfg->rekey ? ", new key " : "",
	    cfg->rekey ? it->key.shown : "");
	rc = 0;
cleanup:
	kiln_buf_free(&out); /* may hold a key: wiped */
	kiln_buf_free(&key_pem);
	kiln_buf_free(&serial);
	kiln_infos_free(&infos);
	return rc;
}

/*
 * Renew the "n" prepared items, none of which reads a file another
 * replaces: make the certificates (and -rekey keys) on the pool, then
 * write and report in order, as one at a time would.  Returns the exit
 * status.
 */
static int
renew_batch(struct renew *r, struct item *items, size_t n,
    struct kiln_renew_job *jobs, size_t n_jobs, const struct cli_config *cfg)
{
	struct kiln_renew opts;
	struct kiln_err err;
	size_t i;
	int failed = 0;

	memset(&opts, 0, sizeof(opts));
	opts.expiry = r->expiry;
	opts.profile = r->profile;
	kiln_err_clear(&err);
	if (kiln_renew_all(jobs, n_jobs, &opts, &r->ca, &r->ca_key, &r->rng,
	        r->now, r->threads, &err) == -1) {
		cli_error("renew", &err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		kiln_err_clear(&err);
		if (items[i].state == ITEM_NOTE)
			cli_printf("%s", (char *)items[i].note.p);
		else if (items[i].state == ITEM_FAILED ||
		         commit(r, &items[i], &jobs[items[i].job], cfg, &err) ==
		             -1) {
			cli_error("renew", items[i].state == ITEM_FAILED
			                       ? &items[i].err
			                       : &err);
			failed = 1;
		}
	}
	return failed;
}

int
cmd_renew(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_renew_job *jobs = NULL;
	struct item *items = NULL;
	struct kiln_err err;
	struct renew r;
	struct rlimit rl;
	size_t i, k, n, n_jobs, batch;
	long cores;
	int failed = 0;

	if (argc == 0)
		return cli_usage_error(cfg->cmd, "no certificate to renew");
	if (cfg->ca[0] == '\0' || cfg->ca_key[0] == '\0')
		return cli_usage_error(
		    cfg->cmd, "-ca and -ca-key are required");
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
	/* Each operand of a batch keeps its folder (and a -key's) open. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 2 < batch + 32)
		batch = rl.rlim_cur > 96 ? (size_t)(rl.rlim_cur - 64) / 2 : 1;
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
	 * Operands are read in order into a batch until one reads a file an
	 * earlier one of the batch replaces (the same file twice, or through
	 * a followed link): that one starts the next batch, so it is read
	 * after the file was written, as with -j 1.
	 */
	for (i = 0; i < (size_t)argc;) {
		n = n_jobs = 0;
		for (; i < (size_t)argc && n < batch; i++) {
			item_init(&items[n], argv[i]);
			kiln_renew_job_init(&jobs[n_jobs]);
			prepare(&r, &items[n], cfg, &jobs[n_jobs]);
			if (n > 0 && item_clashes(&items[n], items, n)) {
				item_free(&items[n]);
				kiln_renew_job_free(&jobs[n_jobs]);
				break;
			}
			if (items[n].state == ITEM_RENEW)
				items[n].job = n_jobs++;
			else
				kiln_renew_job_free(&jobs[n_jobs]);
			n++;
		}
		failed |= renew_batch(&r, items, n, jobs, n_jobs, cfg);
		for (k = 0; k < n; k++)
			item_free(&items[k]);
		for (k = 0; k < n_jobs; k++)
			kiln_renew_job_free(&jobs[k]);
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
