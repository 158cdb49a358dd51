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
#include "kiln/check.h"
#include "kiln/config.h"
#include "kiln/duration.h"
#include "kiln/file.h"
#include "kiln/pem.h"
#include "kiln/renew.h"

struct renew {
	struct kiln_signer ca;
	struct kiln_config config;
	const struct kiln_profile *profile;
	struct kiln_rng rng;
	int64_t expiry, within; /* ns; within < 0: renew all */
	time_t now;
	unsigned int threads; /* -j; 0: one per online core */
	char stamp[32];       /* -backup suffix */
	struct stat ca_st;    /* the -ca file, to tell it from its copies */
	int ca_st_ok;
	long long ca_end; /* the CA's notAfter, seconds */
	int dry_run;      /* -n: say what would be written, write nothing */
	int bdfd;         /* -backup-dir, opened once; -1: beside */
	const char *bdir; /* -backup-dir as given */
};

/* The CA, its key and, with -profile, the signing profile. */
static int
load_signer(struct renew *r, const struct cli_config *cfg, struct kiln_err *err)
{
	struct kiln_buf text;
	int rc = -1;

	kiln_buf_init(&text);
	if (cli_open_signer(cfg, &r->ca, &r->rng, err) == -1)
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
	r->ca_end = kiln_cert_not_after(r->ca.ca);
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
file_read(struct file *f, const char *path, size_t root_len, enum links links,
    struct kiln_buf *text, struct kiln_err *err)
{
	char dir[PATH_MAX], real[PATH_MAX];
	struct kiln_err rerr;
	struct stat lst;
	int rfd;

	kiln_err_clear(&rerr);
	if (cli_path(f->shown, path, "", err) == -1)
		return -1;
	if (root_len > 0) {
		/* Found by a walk of the folder typed: that folder as typed,
		 * then each folder below it without following a link. */
		if (root_len >= sizeof(dir))
			return kiln_err_set(
			    err, KILN_EINVAL, "%s: path too long", path);
		if (split(path + root_len + (path[root_len] == '/'), real,
		        f->name, err) == -1)
			return -1;
		memcpy(dir, path, root_len);
		dir[root_len] = '\0';
		if ((rfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
			return kiln_err_sys(err, "%s", dir);
		f->dfd = kiln_dir_open(rfd, real, 0, 0, err);
		close(rfd);
		if (f->dfd == -1)
			return -1;
	} else if (split(path, dir, f->name, err) == -1 ||
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
 * -backup-dir DIR, opened once: DIR's own folder as the operator typed
 * it, then DIR without following a link, made 0700 if missing.
 */
static int
open_backup_dir(const char *dir, struct kiln_err *err)
{
	char parent[PATH_MAX], last[NAME_MAX + 1], path[PATH_MAX];
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
	if (split(path, parent, last, err) == -1)
		return -1;
	if ((pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return kiln_err_sys(err, "-backup-dir %s: %s", dir, parent);
	fd = kiln_dir_open(pfd, last, 1, 0700, err);
	close(pfd);
	if (fd == -1)
		kiln_err_prefix(err, "-backup-dir");
	return fd;
}

/*
 * Where the backup of the file "f" goes: NAME.<stamp> beside it, or with
 * -backup-dir DIR, DIR/<f's folder, as an absolute path>/NAME.<stamp>, so
 * that the server.pem of two folders do not meet.  "rel" gets the folder
 * under DIR ("" beside), "name" the file name, "shown" the path printed.
 */
static int
backup_place(const struct renew *r, const struct file *f, char *rel, char *name,
    char *shown, struct kiln_err *err)
{
	char proc[64], real[PATH_MAX];
	ssize_t n;

	rel[0] = '\0';
	if (cli_path(name, f->name, r->stamp, err) == -1)
		return -1;
	if (r->bdir == NULL)
		return cli_path(shown, f->shown, r->stamp, err);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->dfd);
	if ((n = readlink(proc, real, sizeof(real) - 1)) <= 0 || real[0] != '/')
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: its folder's path cannot be found (no /proc) for "
		    "-backup-dir",
		    f->shown);
	real[n] = '\0';
	snprintf(rel, PATH_MAX, "%s", real[1] != '\0' ? real + 1 : ".");
	if (snprintf(shown, PATH_MAX, "%s/%s/%s", r->bdir, rel, name) >=
	    PATH_MAX)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: backup path too long", f->shown);
	return 0;
}

/*
 * Keep "data" as the backup of the file "f" before it is replaced: a new
 * file of kiln's user, never written over an existing one.  Its path
 * into "shown".  With -n nothing is written.
 */
static int
backup(const struct renew *r, const struct file *f, const struct kiln_buf *data,
    mode_t mode, char *shown, struct kiln_err *err)
{
	char rel[PATH_MAX], name[PATH_MAX];
	int dfd, rc;

	if (backup_place(r, f, rel, name, shown, err) == -1)
		return -1;
	if (r->dry_run)
		return 0;
	if (r->bdir == NULL)
		return kiln_file_write_at(f->dfd, name, shown, data->p,
		    data->len, mode, KILN_WRITE_EXCL, NULL, err);
	if ((dfd = kiln_dir_open(r->bdfd, rel, 1, 0700, err)) == -1) {
		kiln_err_prefix(err, "-backup-dir %s", r->bdir);
		return -1;
	}
	rc = kiln_file_write_at(dfd, name, shown, data->p, data->len, mode,
	    KILN_WRITE_EXCL, NULL, err);
	close(dfd);
	return rc;
}

/* One CERT operand, from reading it to writing it. */
struct item {
	const char *path;
	enum { ITEM_FAILED, ITEM_NOTE, ITEM_RENEW, ITEM_QUIET } state;
	size_t root_len;      /* found by walking the folder path[:root_len]: a
	                       * file without a certificate is passed over */
	int is_ca;            /* the CA itself */
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
item_init(struct item *it, const char *path, size_t root_len)
{
	memset(it, 0, sizeof(*it));
	it->path = path;
	it->root_len = root_len;
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
		if (file_read(&it->key, cfg->key, 0, LINKS_REFUSE, &it->ktext,
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
	struct kiln_pem_block blk;
	struct kiln_err skip;
	size_t pos = 0;
	long long left;

	kiln_err_clear(&skip);
	it->state = ITEM_FAILED;
	if (file_read(&it->cert, path, it->root_len,
	        cfg->follow_links ? LINKS_FOLLOW : LINKS_HINT, &it->text,
	        err) == -1)
		return;
	/* A folder holds other files too: those without a certificate
	 * (no PEM certificate, and not DER of one) are passed over, as
	 * kiln check does. */
	if (it->root_len > 0 &&
	    strstr((char *)it->text.p, "PRIVATE KEY-----") == NULL &&
	    kiln_pem_next(
	        (char *)it->text.p, &pos, "CERTIFICATE", &blk, NULL) == 0 &&
	    kiln_inspect_certs(&it->infos, it->text.p, it->text.len, &skip) ==
	        -1) {
		kiln_infos_free(&it->infos);
		kiln_infos_init(&it->infos);
		it->state = ITEM_QUIET;
		return;
	}
	kiln_infos_free(&it->infos);
	kiln_infos_init(&it->infos);
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
	kind = kiln_renew_kind(old, r->ca.ca);
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
	/* -n makes the certificate, to show its dates, but no key. */
	job->rekey = cfg->rekey && !r->dry_run ? &it->kr : NULL;
	it->is_ca = kind == KILN_RENEW_CA;
	it->state = ITEM_RENEW;
}

/* "when" as 2026-12-07T09:15:00Z. */
static void
iso(long long when, char *out, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)when;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, size, "?");
}

/*
 * Write what "job" made for "it" and say so: the renewed line, then each
 * file written, in the order written ("would write" with -n).  Returns
 * 0, or -1 with "err" set.
 */
static int
commit(struct renew *r, struct item *it, struct kiln_renew_job *job,
    const struct cli_config *cfg, struct kiln_err *err)
{
	const char *path = it->path,
	           *verb = r->dry_run ? "would write" : "wrote";
	struct kiln_buf out, key_pem, serial;
	struct kiln_infos infos;
	char when[64], from[64], ca_end[64], bcert[PATH_MAX], bkey[PATH_MAX];
	long long life;
	mode_t mode;
	size_t i;
	int rc = -1;

	kiln_buf_init(&out);
	kiln_buf_init(&key_pem);
	kiln_buf_init(&serial);
	kiln_infos_init(&infos);
	bcert[0] = bkey[0] = '\0';
	if (job->rc == -1) {
		*err = job->err;
		kiln_err_prefix(err, "%s", path);
		goto cleanup;
	}
	if (cfg->rekey && !r->dry_run &&
	    kiln_key_write_pem(&job->key, &key_pem, err) == -1)
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
	if (cfg->backup || r->bdir != NULL) {
		if (backup(r, &it->cert, &it->text, it->inside ? 0600 : mode,
		        bcert, err) == -1)
			goto cleanup;
		if (cfg->rekey &&
		    backup(r, &it->key, &it->ktext, 0600, bkey, err) == -1)
			goto cleanup;
	}
	/* The key first: a moment with the new key and the old certificate
	 * fails the same way as the reverse, and each file is atomic.  The
	 * new key is kiln's user's, 0600, and replaces only the key file
	 * that was read and checked. */
	if (cfg->rekey && !r->dry_run &&
	    kiln_file_write_at(it->key.dfd, it->key.name, it->key.shown,
	        key_pem.p, key_pem.len, 0600, 0, &it->key.st, err) == -1)
		goto cleanup;
	/* The certificate keeps its owner: etcd may run as another user. */
	if (!r->dry_run &&
	    kiln_file_write_at(it->cert.dfd, it->cert.name, path, out.p,
	        out.len, mode, KILN_WRITE_KEEP_OWNER, &it->cert.st, err) == -1)
		goto cleanup;
	for (i = 0; i < job->n_dropped; i++)
		cli_errorf("renew", "%s: extension %s not carried over", path,
		    job->dropped[i]);
	if (kiln_inspect_certs(&infos, job->der.p, job->der.len, err) == -1 ||
	    kiln_info_serial_decimal(&infos.v[0], &serial, err) == -1 ||
	    kiln_buf_terminate(&serial, err) == -1)
		goto cleanup;
	iso(infos.v[0].not_after, when, sizeof(when));
	iso(infos.v[0].not_before, from, sizeof(from));
	if (r->dry_run)
		cli_printf("%s: would renew, valid from %s until %s%s%s", path,
		    from, when, cfg->rekey ? ", new key " : "",
		    cfg->rekey ? it->key.shown : "");
	else
		cli_printf("%s: renewed, serial %s, valid until %s%s%s", path,
		    (char *)serial.p, when, cfg->rekey ? ", new key " : "",
		    cfg->rekey ? it->key.shown : "");
	if (bcert[0] != '\0')
		cli_printf("  %s %s (backup of %s)", verb, bcert, path);
	if (bkey[0] != '\0')
		cli_printf("  %s %s (backup of %s)", verb, bkey, it->key.shown);
	if (cfg->rekey)
		cli_printf("  %s %s (new key)", verb, it->key.shown);
	cli_printf("  %s %s", verb, path);
	/* A certificate stops working when its CA does. */
	if (!it->is_ca && kiln_cert_outlives(r->ca.ca, infos.v[0].not_after)) {
		iso(r->ca_end, ca_end, sizeof(ca_end));
		cli_errorf("renew",
		    "warning: %s: valid until %s, after its CA %s (until %s): it stops "
		    "working when the CA expires; renew the CA first",
		    path, when, cfg->ca, ca_end);
	}
	/* Renewed into -within again: every run would renew it. */
	life = infos.v[0].not_after - (long long)r->now;
	if (r->within >= 0 && life <= r->within / KILN_NS_SECOND)
		cli_errorf("renew",
		    "warning: %s: its new lifetime (%lld days) is within -within %s: "
		    "every run will renew it again (give a longer -expiry)",
		    path, life / 86400, cfg->within);
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
	if (kiln_renew_all(jobs, n_jobs, &opts, r->ca.ca, r->ca.key, &r->rng,
	        r->now, r->threads, &err) == -1) {
		cli_error("renew", &err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		kiln_err_clear(&err);
		if (items[i].state == ITEM_QUIET)
			continue;
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

/* The operands, each folder replaced by the files the walk finds. */
struct operands {
	char **v;
	size_t *walked; /* the length of the folder walked, or 0 */
	size_t n, cap, root_len;
	int failed; /* a folder could not be read whole */
};

static int
operand_add(
    struct operands *o, const char *path, size_t walked, struct kiln_err *err)
{
	char **v;
	size_t *w;

	if (o->n == o->cap) {
		o->cap = o->cap < 16 ? 16 : o->cap * 2;
		if ((v = realloc(o->v, o->cap * sizeof(*v))) == NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		o->v = v;
		if ((w = realloc(o->walked, o->cap * sizeof(*w))) == NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		o->walked = w;
	}
	if ((o->v[o->n] = strdup(path)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	o->walked[o->n++] = walked;
	return 0;
}

static int
walk_file(void *arg, int dfd, const char *name, const char *path,
    struct kiln_err *err)
{
	struct operands *o = arg;

	(void)dfd;
	(void)name;
	return operand_add(o, path, o->root_len, err);
}

static int
walk_problem(void *arg, const char *path, const char *msg, struct kiln_err *err)
{
	struct operands *o = arg;

	(void)err;
	cli_errorf("renew", "%s: %s", path, msg);
	o->failed = 1;
	return 0;
}

/*
 * The operands: a folder is walked as kiln check walks it (no link to a
 * folder followed, renew's backups left out), its files in name order.
 */
static int
operands_expand(struct operands *o, int argc, char **argv, struct kiln_err *err)
{
	struct kiln_walk k;
	struct stat st;
	int i;

	memset(&k, 0, sizeof(k));
	k.file = walk_file;
	k.problem = walk_problem;
	k.arg = o;
	for (i = 0; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			o->root_len = strlen(argv[i]);
			while (
			    o->root_len > 1 && argv[i][o->root_len - 1] == '/')
				o->root_len--;
			if (kiln_walk(&k, argv[i], err) == -1)
				return -1;
		} else if (operand_add(o, argv[i], 0, err) == -1)
			return -1;
	}
	return 0;
}

int
cmd_renew(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_renew_job *jobs = NULL;
	struct operands ops;
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
	memset(&ops, 0, sizeof(ops));
	r.bdfd = -1;
	r.dry_run = cfg->dry_run;
	if (cfg->backup_dir != NULL && cfg->backup_dir[0] != '\0')
		r.bdir = cfg->backup_dir;
	kiln_err_clear(&err);
	kiln_signer_init(&r.ca);
	kiln_config_init(&r.config);
	kiln_rng_init(&r.rng);
	r.now = time(NULL);
	r.within = -1;
	r.threads = (unsigned int)cfg->jobs;
	strftime(r.stamp, sizeof(r.stamp), ".%Y%m%dT%H%M%SZ", gmtime(&r.now));
	if (duration("expiry", cfg->expiry, &r.expiry, &err) == -1 ||
	    duration("within", cfg->within, &r.within, &err) == -1) {
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
	/* The backup folder is made before anything is renewed (not with
	 * -n, which writes nothing). */
	if (r.bdir != NULL && !r.dry_run &&
	    (r.bdfd = open_backup_dir(r.bdir, &err)) == -1) {
		cli_error("renew", &err);
		failed = 1;
		goto cleanup;
	}
	if (operands_expand(&ops, argc, argv, &err) == -1) {
		cli_error("renew", &err);
		failed = 1;
		goto cleanup;
	}
	failed = ops.failed;
	argc = (int)ops.n;
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
			item_init(&items[n], ops.v[i], ops.walked[i]);
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
	if (r.bdfd != -1)
		close(r.bdfd);
	for (i = 0; i < ops.n; i++)
		free(ops.v[i]);
	free(ops.v);
	free(ops.walked);
	free(items);
	free(jobs);
	kiln_signer_free(&r.ca);
	kiln_config_free(&r.config);
	kiln_rng_free(&r.rng);
	return failed;
}
