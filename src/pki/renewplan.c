/*
 * kiln renew's plan: each operand read through its folder's descriptor,
 * its key found and checked, and the decision (renew, keep, skip, or
 * why not), as data that a dry run prints and a real run commits.
 *
 * kiln may run as root over folders other users can write, so each file
 * is read relative to its folder, opened once (O_DIRECTORY|O_NOFOLLOW):
 * no link, FIFO, device or hard link, and the folder stays open until the
 * commit writes there (kiln_renew_commit).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asn1/oid.h"
#include "kiln/duration.h"
#include "kiln/file.h"
#include "kiln/pem.h"
#include "kiln/renew.h"
#include "pki/renewkc.h"

static void
fileref_init(struct kiln_renew_fileref *f)
{
	memset(f, 0, sizeof(*f));
	f->dfd = -1;
}

static void
fileref_close(struct kiln_renew_fileref *f)
{
	if (f->own_dfd && f->dfd != -1)
		close(f->dfd);
	f->dfd = -1;
	f->own_dfd = 0;
}

/* "path" split into its folder "dir" and its last component "base". */
static int
split(const char *path, char *dir, char *base, struct kiln_err *err)
{
	const char *b;

	if (kiln_path_split(path, dir, &b, err) == -1)
		return -1;
	strcpy(base, b); /* at most NAME_MAX */
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
	LINKS_HINT,   /* a certificate: refused, KILN_RENEW_WHY_LINK */
	LINKS_FOLLOW  /* a certificate, following links */
};

/* The folder of the walk's root "path"[:root_len], then "rel" below it. */
static int
open_walked(struct kiln_renew_fileref *f, const char *path, size_t root_len,
    struct kiln_err *err)
{
	char dir[PATH_MAX], rel[PATH_MAX];
	int rfd;

	if (root_len >= sizeof(dir))
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: path too long", path);
	if (split(path + root_len + (path[root_len] == '/'), rel, f->name,
	        err) == -1)
		return -1;
	memcpy(dir, path, root_len);
	dir[root_len] = '\0';
	if ((rfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return kiln_err_sys(err, "%s", dir);
	f->dfd = kiln_dir_open(rfd, rel, 0, 0, err);
	close(rfd);
	return f->dfd;
}

/*
 * Read the file "path" into "text" through its folder, into "f".  Found
 * by a walk (root_len > 0): the folder walked as typed, then each folder
 * below it without following a link.  A symbolic link is refused, or
 * with LINKS_FOLLOW followed when it names a regular file of kiln's own
 * (effective) user, which is then read through its own folder the same
 * way.
 */
static int
file_read(struct kiln_renew_fileref *f, const char *path, size_t root_len,
    enum links links, struct kiln_buf *text, enum kiln_renew_why *why,
    struct kiln_err *err)
{
	char dir[PATH_MAX], real[PATH_MAX];
	struct kiln_err rerr;
	struct stat lst;

	kiln_err_clear(&rerr);
	if (kiln_file_path(f->shown, path, "", err) == -1)
		return -1;
	if (root_len > 0) {
		if (open_walked(f, path, root_len, err) == -1)
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
	    !S_ISLNK(lst.st_mode))
		return kiln_err_pass(err, &rerr);
	if (links == LINKS_HINT) {
		*why = KILN_RENEW_WHY_LINK;
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: a symbolic link, refused", path);
	}
	/* The link's target, read through its own folder: the name there
	 * must be a regular file, and the file kiln's own user's. */
	fileref_close(f);
	if (realpath(path, real) == NULL)
		return kiln_err_sys(err, "%s", path);
	if (split(real, dir, f->name, err) == -1 ||
	    (f->dfd = open_dir(dir, path, err)) == -1)
		return -1;
	f->own_dfd = 1;
	if (kiln_file_read_at(f->dfd, f->name, real, text, &f->st, err) == -1)
		return -1;
	snprintf(f->shown, sizeof(f->shown), "%s", real);
	if (f->st.st_uid != geteuid()) {
		kiln_buf_free(text);
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: a symbolic link to %s, which belongs to uid %ju, not "
		    "to kiln's user: refused",
		    path, real, (uintmax_t)f->st.st_uid);
	}
	f->read = 1;
	return 0;
}

static void
item_init(struct kiln_renew_item *it, const char *path, size_t root_len)
{
	memset(it, 0, sizeof(*it));
	it->path = path;
	it->root_len = root_len;
	kiln_err_clear(&it->err);
	kiln_buf_init(&it->text);
	kiln_buf_init(&it->ktext);
	kiln_infos_init(&it->infos);
	fileref_init(&it->cert);
	fileref_init(&it->key);
	kiln_key_init(&it->old_key);
	kiln_kubeconfig_init(&it->kc);
}

static void
item_free(struct kiln_renew_item *it)
{
	kiln_buf_free(&it->text);
	kiln_buf_free(&it->ktext); /* wipes the key's text */
	kiln_infos_free(&it->infos);
	kiln_key_free(&it->old_key);
	kiln_kubeconfig_free(&it->kc); /* wiped: holds a key */
	fileref_close(&it->key);
	fileref_close(&it->cert);
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
item_clashes(const struct kiln_renew_item *it,
    const struct kiln_renew_item *before, size_t n)
{
	const struct stat *mine[2], *theirs[2];
	size_t i, a, b, nm = 0, nt;

	if (it->cert.read)
		mine[nm++] = &it->cert.st;
	if (it->key.read)
		mine[nm++] = &it->key.st;
	for (i = 0; i < n; i++) {
		if (before[i].decision != KILN_RENEW_RENEW)
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
 * The key file beside the certificate "it" read, by the layouts
 * kiln_renew_key_name knows: the same folder, printed as the
 * certificate's path with the key's name.
 */
static int
key_beside(
    struct kiln_renew_item *it, enum kiln_renew_why *why, struct kiln_err *err)
{
	char kname[NAME_MAX + 1];
	const char *slash = strrchr(it->cert.shown, '/');
	int d = slash != NULL ? (int)(slash - it->cert.shown) + 1 : 0;
	struct kiln_err kerr;

	kiln_err_clear(&kerr);
	if (!kiln_renew_key_name(it->cert.name, kname, sizeof(kname))) {
		*why = KILN_RENEW_WHY_NO_KEY;
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: no key found for it (not in the file, and no "
		    "NAME-key.pem for NAME.pem nor NAME.key for NAME.crt)",
		    it->path);
	}
	if (snprintf(it->key.shown, sizeof(it->key.shown), "%.*s%s", d,
	        it->cert.shown, kname) >= (int)sizeof(it->key.shown))
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: path too long", it->path);
	strcpy(it->key.name, kname);
	it->key.dfd = it->cert.dfd; /* borrowed */
	if (kiln_file_read_at(it->key.dfd, kname, it->key.shown, &it->ktext,
	        &it->key.st, &kerr) == -1) {
		if (kerr.sys != ENOENT)
			return kiln_err_pass(err, &kerr);
		*why = KILN_RENEW_WHY_NO_KEY_FILE;
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: no key found for it (not in the file, no %s)",
		    it->path, it->key.shown);
	}
	it->key.read = 1;
	return 0;
}

/*
 * The key of the certificate "it" read, checked against it: o->key, else
 * a key inside the certificate's file, else the key file beside it.  A
 * key file is read through its folder as the certificate is, and never
 * through a link.
 */
static int
find_key(struct kiln_renew_item *it, const struct kiln_renew_opts *o,
    struct kiln_rng *rng, enum kiln_renew_why *why, struct kiln_err *err)
{
	const unsigned char *data;
	struct kiln_err kerr;
	size_t off, n;
	int found;

	kiln_err_clear(&kerr);
	if ((found = kiln_renew_key_block(
	         it->text.p, it->text.len, &off, &n, &kerr)) == -1)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: %s", it->path, kerr.msg);
	if (it->is_ca && o->key != NULL) {
		*why = KILN_RENEW_WHY_CA_KEY;
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: the CA itself, whose key is the CA key", it->path);
	}
	if (o->key != NULL) {
		if (file_read(&it->key, o->key, 0, LINKS_REFUSE, &it->ktext,
		        why, err) == -1)
			return -1;
		/* Written twice, it would be changed under the second write. */
		if (same_inode(&it->key.st, &it->cert.st)) {
			*why = KILN_RENEW_WHY_KEY_IS_CERT;
			return kiln_err_set(err, KILN_EINVAL,
			    "%s: its key file is the certificate's own file",
			    it->path);
		}
		data = it->ktext.p;
		n = it->ktext.len;
	} else if (found) {
		it->inside = 1;
		snprintf(
		    it->key.shown, sizeof(it->key.shown), "in %s", it->path);
		data = it->text.p + off;
	} else if (it->is_ca) {
		return 0; /* the CA key, checked against the CA when opened */
	} else if (key_beside(it, why, err) == -1) {
		return -1;
	} else {
		data = it->ktext.p;
		n = it->ktext.len;
	}
	it->has_key = 1;
	return kiln_renew_check_key(&it->old_key, &it->infos.v[0], it->path,
	    data, n, it->key.shown, rng, err);
}

/* The request for a new key of the old one's type and size. */
static int
rekey_request(const struct kiln_info *old, struct kiln_keyreq *kr,
    enum kiln_renew_why *why, struct kiln_err *err)
{
	if (strcmp(old->key_algorithm, "RSA") == 0)
		kr->algo = KILN_KEY_RSA;
	else if (strcmp(old->key_algorithm, "ECDSA") == 0)
		kr->algo = KILN_KEY_ECDSA;
	else {
		*why = KILN_RENEW_WHY_REKEY_ALGO;
		return kiln_err_set(err, KILN_EINVAL,
		    "a new key: kiln cannot make %s keys", old->key_algorithm);
	}
	kr->size = (int)old->key_bits;
	return 0;
}

/* Whether the file "it" read holds a private key's BEGIN line. */
static int
has_key(const struct kiln_renew_item *it)
{
	struct kiln_pem_block blk;
	size_t pos = 0;

	return kiln_pem_next(
	           (char *)it->text.p, &pos, KILN_PEM_KEY, &blk, NULL) != 0;
}

/*
 * Whether the file "it" read, found by a walk, is to be passed over: no
 * PEM certificate, and not DER of one (a folder holds other files too,
 * as kiln check finds).
 */
static int
walked_other(struct kiln_renew_item *it)
{
	struct kiln_pem_block blk;
	struct kiln_err skip;
	size_t pos = 0;
	int other;

	kiln_err_clear(&skip);
	other = it->root_len > 0 && !has_key(it) &&
	        kiln_pem_next(
	            (char *)it->text.p, &pos, "CERTIFICATE", &blk, NULL) == 0 &&
	        kiln_inspect_certs(
	            &it->infos, it->text.p, it->text.len, &skip) == -1;
	kiln_infos_free(&it->infos);
	kiln_infos_init(&it->infos);
	return other;
}

/*
 * The CA of o->cas that issued "old" (or is it) into it->ca, with how
 * "old" relates to it into "*kind".  With one CA, that CA whatever the
 * relation (kiln_renew words a foreign certificate's refusal); with
 * several, a certificate none of them issued fails here, naming them.
 */
static int
which_ca(struct kiln_renew_item *it, const struct kiln_info *old,
    const struct kiln_renew_opts *o, enum kiln_renew_kind *kind)
{
	const char *cn;
	char names[1024];
	size_t i, used = 0;
	int n;

	for (i = 0; i < o->n_cas; i++) {
		*kind = kiln_renew_kind(old, o->cas[i].cert);
		it->ca = i;
		if (*kind != KILN_RENEW_FOREIGN || o->n_cas == 1)
			return 0;
	}
	names[0] = '\0';
	for (i = 0; i < o->n_cas && used < sizeof(names); i++) {
		n = snprintf(names + used, sizeof(names) - used, "%s%s",
		    i > 0 ? ", " : "", o->cas[i].shown);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	cn = kiln_dn_last(&old->issuer, KILN_OID_AT_CN);
	kiln_err_set(&it->err, KILN_EINVAL,
	    "%s: issued by none of the CAs (%s): its issuer is CN=%s", it->path,
	    names, cn != NULL ? cn : "(none)");
	return -1;
}

/*
 * Read "it" and decide: a note (a key, not due, a copy of the CA),
 * nothing (a walked file without a certificate), a failure, or a
 * certificate to renew with the job "job".
 */
static void
decide(struct kiln_renew_item *it, const struct kiln_renew_opts *o,
    struct kiln_rng *rng, struct kiln_renew_job *job)
{
	const struct kiln_renew_ca *ca;
	struct kiln_err *err = &it->err;
	const struct kiln_info *old;
	struct kiln_pem_block blk;
	enum kiln_renew_kind kind;
	size_t pos = 0;
	long long left;
	int kc = 0;

	it->decision = KILN_RENEW_FAILED;
	if (file_read(&it->cert, it->path, it->root_len,
	        o->follow_links ? LINKS_FOLLOW : LINKS_HINT, &it->text,
	        &it->why, err) == -1)
		return;
	/* No PEM at all: perhaps a kubeconfig (renewkc.c). */
	if (kiln_pem_count((char *)it->text.p) == 0 &&
	    (kc = renew_kc_read(it, err)) == -1)
		return;
	if (kc == 2 || (kc == 0 && walked_other(it))) {
		it->decision = KILN_RENEW_PASSED;
		return;
	}
	/* A glob over a folder also names its keys: pass over them. */
	if (kc == 0 &&
	    kiln_pem_next(
	        (char *)it->text.p, &pos, "CERTIFICATE", &blk, NULL) == 0 &&
	    has_key(it)) {
		it->decision = KILN_RENEW_SKIP_KEY;
		return;
	}
	if (kc == 0 && kiln_inspect_certs(
	                   &it->infos, it->text.p, it->text.len, err) == -1) {
		kiln_err_prefix(err, "%s", it->path);
		return;
	}
	old = &it->infos.v[0];
	left = old->not_after - (long long)o->now;
	if (o->within >= 0 && left > o->within / KILN_NS_SECOND) {
		it->days_left = left / 86400;
		it->decision = KILN_RENEW_KEEP;
		return;
	}
	if (which_ca(it, old, o, &kind) == -1)
		return;
	ca = &o->cas[it->ca];
	/* A copy of the CA (ssl/ca.pem) renewed would part from the real one.
	 */
	if (kind == KILN_RENEW_CA &&
	    !(ca->st_ok && same_inode(&it->cert.st, &ca->st))) {
		it->decision = KILN_RENEW_SKIP_CA_COPY;
		return;
	}
	if (kind == KILN_RENEW_CA && (o->leaves_only || o->n_cas > 1)) {
		it->decision = KILN_RENEW_SKIP_CA;
		return;
	}
	it->is_ca = kind == KILN_RENEW_CA;
	/* Another CA's certificate: kiln_renew says so. */
	if ((kind == KILN_RENEW_LEAF || kind == KILN_RENEW_CA) &&
	    (kc ? renew_kc_key(it, o, rng, err)
	        : find_key(it, o, rng, &it->why, err)) == -1)
		return;
	/* Refused here, not when the key is made, so that -n says so too. */
	if (o->rekey && it->is_ca) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: the CA itself: a new key would orphan every "
		    "certificate it issued",
		    it->path);
		return;
	}
	/* A kubeconfig's new key replaces its client-key-data. */
	if (o->rekey && it->inside && !kc) {
		it->why = KILN_RENEW_WHY_REKEY_INSIDE;
		kiln_err_set(err, KILN_EINVAL,
		    "%s: holds its key too: a new key is written only to a "
		    "key file of its own",
		    it->path);
		return;
	}
	if (o->rekey && rekey_request(old, &it->kr, &it->why, err) == -1)
		return;
	job->old = old;
	/* A dry run makes the certificate, to show its dates, but no key. */
	job->rekey = o->rekey && !o->dry_run ? &it->kr : NULL;
	it->decision = KILN_RENEW_RENEW;
}

void
kiln_renew_plan_init(struct kiln_renew_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void
kiln_renew_plan_free(struct kiln_renew_plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		item_free(&p->items[i]);
	for (i = 0; i < p->n_jobs; i++)
		kiln_renew_job_free(&p->jobs[i]);
	free(p->items);
	free(p->jobs);
	kiln_renew_plan_init(p);
}

int
kiln_renew_plan_make(struct kiln_renew_plan *p,
    const struct kiln_renew_operands *ops, size_t *next, size_t max,
    const struct kiln_renew_opts *o, struct kiln_rng *rng, struct kiln_err *err)
{
	struct kiln_renew_item *it;
	struct kiln_renew_job *job;

	if (max == 0)
		max = 1;
	if (max > ops->n - *next)
		max = ops->n - *next;
	if (max > 0 && ((p->items = calloc(max, sizeof(*p->items))) == NULL ||
	                   (p->jobs = calloc(max, sizeof(*p->jobs))) == NULL))
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	p->cap = max;
	while (*next < ops->n && p->n < max) {
		it = &p->items[p->n];
		job = &p->jobs[p->n_jobs];
		item_init(it, ops->v[*next], ops->walked[*next]);
		kiln_renew_job_init(job);
		decide(it, o, rng, job);
		if (p->n > 0 && item_clashes(it, p->items, p->n)) {
			item_free(it);
			kiln_renew_job_free(job);
			break;
		}
		if (it->decision == KILN_RENEW_RENEW)
			it->job = p->n_jobs++;
		else
			kiln_renew_job_free(job);
		p->n++;
		(*next)++;
	}
	return 0;
}

int
kiln_renew_plan_issue(struct kiln_renew_plan *p,
    const struct kiln_renew_opts *o, struct kiln_rng *rng, struct kiln_err *err)
{
	struct kiln_renew opts;
	struct kiln_renew_job *sorted = NULL;
	size_t c, i, n, start;
	int rc = -1;

	memset(&opts, 0, sizeof(opts));
	opts.expiry = o->expiry;
	opts.profile = o->profile;
	if (o->n_cas == 1)
		return kiln_renew_all(p->jobs, p->n_jobs, &opts, o->cas[0].cert,
		    o->cas[0].key, rng, o->now, o->threads, err);
	/*
	 * The jobs regrouped CA by CA, each group one run on the pool; the
	 * items follow their jobs.  Nothing has run yet, so the jobs move
	 * as plain values.
	 */
	if (p->n_jobs > 0 &&
	    (sorted = calloc(p->n_jobs, sizeof(*sorted))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (c = 0, n = 0; c < o->n_cas; c++)
		for (i = 0; i < p->n; i++)
			if (p->items[i].decision == KILN_RENEW_RENEW &&
			    p->items[i].ca == c) {
				sorted[n] = p->jobs[p->items[i].job];
				p->items[i].job = n++;
			}
	if (p->n_jobs > 0)
		memcpy(p->jobs, sorted, p->n_jobs * sizeof(*sorted));
	for (c = 0, start = 0; c < o->n_cas; c++, start += n) {
		for (n = 0, i = 0; i < p->n; i++)
			n += p->items[i].decision == KILN_RENEW_RENEW &&
			     p->items[i].ca == c;
		if (n > 0 &&
		    kiln_renew_all(p->jobs + start, n, &opts, o->cas[c].cert,
		        o->cas[c].key, rng, o->now, o->threads, err) == -1)
			goto cleanup;
	}
	rc = 0;
cleanup:
	free(sorted);
	return rc;
}
