/*
 * kiln check: find certificates in files and folders and say, for each
 * and for the whole set, whether they are still good: the entries and
 * problems the renderers read (report/checktable.c, checkjson.c,
 * checkhtml.c), the statuses, and each file read once.  The walk is
 * walk.c's, the -ca chain checkchain.c's.
 */
/* O_PATH, for opening a file without opening a device in its place. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/compat.h"
#include "asn1/oid.h"
#include "core/strs.h"
#include "inspect/checkchain.h"
#include "inspect/checkkc.h"
#include "kiln/inspect.h"
#include "kiln/time.h"
#include "kiln/check.h"
#include "kiln/pem.h"
#include "kiln/cert.h"

#define DAY (24LL * 3600)

/* Files larger than this are not certificates: skipped unread. */
#define CHECK_FILE_MAX (16L * 1024 * 1024)

static const char *const status_names[] = {
    "ok", "expiring", "critical", "expired", "not yet valid", "untrusted"};

const char *
kiln_check_status_name(enum kiln_check_status s)
{
	return status_names[s];
}

void
kiln_check_init(struct kiln_check *c)
{
	memset(c, 0, sizeof(*c));
	c->within = 30 * DAY;
	c->critical = -1;
}

static void
entry_free(struct kiln_check_entry *e)
{
	free(e->path);
	free(e->subject_cn);
	free(e->issuer_cn);
	kiln_strs_free(e->sans, e->nsans);
	free(e->serial);
	free(e->why);
	free(e->subject_org);
	kiln_strs_free(e->paths, e->npaths);
}

/* "e" from "info": what the reports show.  0, or -1 out of memory. */
static int
entry_fill(struct kiln_check_entry *e, const struct kiln_info *info,
    struct kiln_err *err)
{
	char *const *lists[] = {info->dns, info->ips, info->emails, info->uris};
	const size_t counts[] = {
	    info->ndns, info->nips, info->nemails, info->nuris};
	const char *cn;
	struct kiln_buf serial;
	size_t l, k;
	int rc = -1;

	kiln_buf_init(&serial);
	e->not_before = info->not_before;
	e->not_after = info->not_after;
	e->is_ca = info->is_ca;
	e->chain_not_after = info->not_after;
	cn = kiln_dn_last(&info->subject, KILN_OID_AT_CN);
	if (kiln_str_set(&e->subject_cn, cn != NULL ? cn : "", err) == -1)
		goto cleanup;
	/* No CN: the table names it by its organization. */
	if (cn == NULL) {
		const char *o = kiln_dn_last(&info->subject, KILN_OID_AT_O),
		           *ou = kiln_dn_last(&info->subject, KILN_OID_AT_OU);

		if (kiln_buf_printf(&serial, err, "%s%s%s%s%s",
		        o != NULL ? "O=" : "", o != NULL ? o : "",
		        o != NULL && ou != NULL ? ", " : "",
		        ou != NULL ? "OU=" : "", ou != NULL ? ou : "") == -1 ||
		    kiln_buf_terminate(&serial, err) == -1)
			goto cleanup;
	}
	if (kiln_str_set(&e->subject_org,
	        serial.len > 0 ? (char *)serial.p : "", err) == -1)
		goto cleanup;
	serial.len = 0;
	cn = kiln_dn_last(&info->issuer, KILN_OID_AT_CN);
	if (kiln_str_set(&e->issuer_cn, cn != NULL ? cn : "", err) == -1)
		goto cleanup;
	for (l = 0; l < 4; l++)
		e->nsans += counts[l];
	if (e->nsans > 0 &&
	    (e->sans = calloc(e->nsans, sizeof(*e->sans))) == NULL) {
		e->nsans = 0;
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (l = 0, e->nsans = 0; l < 4; l++)
		for (k = 0; k < counts[l]; k++)
			if (kiln_str_set(
			        &e->sans[e->nsans++], lists[l][k], err) == -1)
				goto cleanup;
	if (kiln_info_serial_decimal(info, &serial, err) == -1 ||
	    kiln_buf_terminate(&serial, err) == -1 ||
	    kiln_str_set(&e->serial, (char *)serial.p, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&serial);
	return rc;
}

void
kiln_check_free(struct kiln_check *c)
{
	size_t i;

	for (i = 0; i < c->n_entries; i++)
		entry_free(&c->entries[i]);
	free(c->entries);
	for (i = 0; i < c->n_problems; i++) {
		free(c->problems[i].path);
		free(c->problems[i].msg);
	}
	free(c->problems);
	free(c->seen);
	kiln_check_init(c);
}

int
check_add_problem(struct kiln_check *c, const char *path, const char *msg,
    struct kiln_err *err)
{
	struct kiln_check_problem *p;

	if ((p = realloc(c->problems, (c->n_problems + 1) * sizeof(*p))) ==
	    NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	c->problems = p;
	p = &c->problems[c->n_problems];
	/* Messages from the file reader name the path already. */
	if (strncmp(msg, path, strlen(path)) == 0 &&
	    strncmp(msg + strlen(path), ": ", 2) == 0)
		msg += strlen(path) + 2;
	p->path = strdup(path);
	p->msg = strdup(msg);
	if (p->path == NULL || p->msg == NULL) {
		free(p->path);
		free(p->msg);
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	}
	c->n_problems++;
	return 0;
}

static enum kiln_check_status
time_status(const struct kiln_check *c, long long not_before, long long end)
{
	long long left = end - c->now;

	if (c->now < not_before)
		return KILN_CHECK_NOT_YET_VALID;
	if (left < 0)
		return KILN_CHECK_EXPIRED;
	if (c->critical >= 0 && left <= c->critical)
		return KILN_CHECK_CRITICAL;
	if (left <= c->within)
		return KILN_CHECK_EXPIRING;
	return KILN_CHECK_OK;
}

static size_t
seen_slot(unsigned long long dev, unsigned long long ino, size_t cap)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ULL) ^ dev) & (cap - 1);
}

/*
 * The first entry of the file "dev" "ino", or (size_t)-1; with "add",
 * entry "add - 1" is recorded as its first when there is none.
 */
static size_t
seen_find(struct kiln_check *c, unsigned long long dev, unsigned long long ino,
    size_t add, struct kiln_err *err, int *fail)
{
	const struct kiln_check_entry *e;
	size_t cap, i, k, *t;

	*fail = 0;
	if (c->seen_cap > 0)
		for (k = seen_slot(dev, ino, c->seen_cap); c->seen[k] != 0;
		     k = (k + 1) & (c->seen_cap - 1)) {
			e = &c->entries[c->seen[k] - 1];
			if (e->dev == dev && e->ino == ino)
				return c->seen[k] - 1;
		}
	if (add == 0)
		return (size_t)-1;
	if (add * 2 >= c->seen_cap) { /* grow, and record them again */
		cap = c->seen_cap < 64 ? 64 : c->seen_cap * 2;
		while (add * 2 >= cap)
			cap *= 2;
		if ((t = calloc(cap, sizeof(*t))) == NULL) {
			*fail = 1;
			kiln_err_set(err, KILN_ENOMEM, "out of memory");
			return (size_t)-1;
		}
		for (i = 0; i < c->seen_cap; i++)
			if (c->seen[i] != 0) {
				e = &c->entries[c->seen[i] - 1];
				k = seen_slot(e->dev, e->ino, cap);
				while (t[k] != 0)
					k = (k + 1) & (cap - 1);
				t[k] = c->seen[i];
			}
		free(c->seen);
		c->seen = t;
		c->seen_cap = cap;
	}
	for (k = seen_slot(dev, ino, c->seen_cap); c->seen[k] != 0;
	     k = (k + 1) & (c->seen_cap - 1))
		;
	c->seen[k] = add;
	return (size_t)-1;
}

/*
 * The file at "path" is the one whose first entry is "j", met again
 * through another link: "path" (with "#N" in a bundle) joins the paths
 * of each of its entries.
 */
static int
seen_again(
    struct kiln_check *c, size_t j, const char *path, struct kiln_err *err)
{
	struct kiln_check_entry *e;
	struct kiln_buf name;
	size_t x;
	int bundle, rc = 0;

	kiln_buf_init(&name);
	bundle = j + 1 < c->n_entries && c->entries[j + 1].index == 2 &&
	         strcmp(c->entries[j + 1].path, c->entries[j].path) == 0;
	for (x = j;
	     rc == 0 && x < c->n_entries && c->entries[x].index == x - j + 1 &&
	     strcmp(c->entries[x].path, c->entries[j].path) == 0;
	     x++) {
		e = &c->entries[x];
		name.len = 0;
		if (kiln_buf_printf(&name, err, bundle ? "%s#%zu" : "%s", path,
		        e->index) == -1 ||
		    kiln_buf_terminate(&name, err) == -1 ||
		    kiln_strs_push(
		        &e->paths, &e->npaths, (char *)name.p, err) == -1)
			rc = -1;
	}
	kiln_buf_free(&name);
	return rc;
}

/*
 * Whether the certificate "der" is a CA of the trust anchors "ca" (the
 * same subject and key) certified by another CA: a cross certificate, as
 * kiln rotate-ca puts after each leaf it issues.  It can sign nothing an
 * anchor could not, so it is no failure: a chain certificate for what
 * still trusts the other CA.
 */
static int
cross_of_anchor(const mbedtls_x509_crt *ca, const struct kiln_buf *der)
{
	const mbedtls_x509_crt *a;
	mbedtls_x509_crt crt;
	int found = 0;

	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse_der(&crt, der->p, der->len) != 0 ||
	    !kiln_crt_is_ca(&crt))
		goto done;
	for (a = ca; a != NULL && a->raw.len > 0 && !found; a = a->next)
		found =
		    a->subject_raw.len == crt.subject_raw.len &&
		    memcmp(a->subject_raw.p, crt.subject_raw.p,
		        crt.subject_raw.len) == 0 &&
		    a->pk_raw.len == crt.pk_raw.len &&
		    memcmp(a->pk_raw.p, crt.pk_raw.p, crt.pk_raw.len) == 0 &&
		    (a->raw.len != crt.raw.len ||
		        memcmp(a->raw.p, crt.raw.p, crt.raw.len) != 0);
done:
	mbedtls_x509_crt_free(&crt);
	return found;
}

/*
 * With -ca: the entry "e" of certificate "i" judged with its chain.  An
 * untrusted one says why, but for a cross certificate of an anchor
 * (cross_of_anchor), judged on its own dates and said to be one; one whose
 * chain ends before it (a CA that expires first) takes the chain's end as its
 * own, and says so.
 */
static int
judge_chain(struct kiln_check *c, struct kiln_check_entry *e,
    const struct kiln_infos *file, const struct check_pool *pool, size_t i,
    struct kiln_err *err)
{
	struct anchor_dates a;
	char when[64], line[512];

	if (check_untrusted(c, file, pool, i, &a, &e->why, err) == -1)
		return -1;
	if (e->why != NULL && cross_of_anchor(c->ca, &file->v[i].der)) {
		free(e->why);
		snprintf(line, sizeof(line),
		    "a cross certificate: the CA given (\"%s\") certified by "
		    "\"%s\", a chain certificate for what still trusts that "
		    "CA, not a leaf",
		    e->subject_cn, e->issuer_cn);
		if ((e->why = strdup(line)) == NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		return 0;
	}
	if (e->why != NULL) {
		e->status = KILN_CHECK_UNTRUSTED;
		return 0;
	}
	if (a.end >= e->not_after)
		return 0;
	e->chain_not_after = a.end;
	e->status = time_status(c, e->not_before, a.end);
	/* Minutes past the CA are the CA's end all the same, but no news. */
	if (e->not_after - a.end <= KILN_OUTLIVES_GRACE)
		return 0;
	kiln_rfc3339(a.end, when, sizeof(when));
	snprintf(line, sizeof(line),
	    "it outlives its CA \"%s\", which expires on %s: it stops "
	    "working then, so its status and time left are the CA's",
	    a.end_cn, when);
	if ((e->why = strdup(line)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return 0;
}

/* Take the certificates of one file into the check. */
int
check_add_file(struct kiln_check *c, const char *path, const struct stat *st,
    struct kiln_infos *file, struct kiln_err *err)
{
	struct kiln_check_entry *e;
	struct check_pool pool;
	size_t i, first = c->n_entries;
	int rc = -1, fail;

	memset(&pool, 0, sizeof(pool));
	if ((e = realloc(c->entries, (c->n_entries + file->n) * sizeof(*e))) ==
	    NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	c->entries = e;
	if (c->ca != NULL && check_pool_build(&pool, file, err) == -1)
		goto cleanup;
	for (i = 0; i < file->n; i++) {
		e = &c->entries[c->n_entries];
		memset(e, 0, sizeof(*e));
		if ((e->path = strdup(path)) == NULL) {
			kiln_err_set(err, KILN_ENOMEM, "out of memory");
			goto cleanup;
		}
		c->n_entries++; /* freed by kiln_check_free from here on */
		e->index = i + 1;
		e->dev = (unsigned long long)st->st_dev;
		e->ino = (unsigned long long)st->st_ino;
		if (entry_fill(e, &file->v[i], err) == -1)
			goto cleanup;
		e->status = time_status(c, e->not_before, e->not_after);
		if (c->ca != NULL &&
		    judge_chain(c, e, file, &pool, i, err) == -1)
			goto cleanup;
	}
	if (file->n > 0) {
		(void)seen_find(c, c->entries[first].dev, c->entries[first].ino,
		    first + 1, err, &fail);
		if (fail)
			goto cleanup;
	}
	kiln_infos_free(file); /* the descriptions are not kept */
	rc = 0;
cleanup:
	check_pool_free(&pool);
	return rc;
}

/* A problem whose message is the text of "errnum" ("Permission denied"). */
static int
add_problem_errno(
    struct kiln_check *c, const char *path, int errnum, struct kiln_err *err)
{
	return check_add_problem(c, path, strerror(errnum), err);
}

/*
 * Open the regular file "name" of the folder "dfd" for reading, following
 * a symbolic link, without opening anything that is not a regular file:
 * the name is opened with O_PATH (which runs no driver's open, so a link
 * swapped to a FIFO or a device since the folder was listed is neither
 * waited on nor opened), checked with fstat, and that same inode is then
 * opened through /proc/self/fd.  Without /proc, the name is opened again
 * (O_NONBLOCK, O_NOCTTY) and must still be that inode.  Returns the
 * descriptor, -2 if it is not a regular file, or -1 with errno set.
 */
static int
open_regular(int dfd, const char *name, struct stat *st)
{
	char proc[64];
	struct stat again;
	int pfd, fd, saved;

	if ((pfd = openat(dfd, name, O_PATH | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(pfd, st) == -1) {
		saved = errno;
		close(pfd);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(pfd);
		return -2;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		fd = openat(
		    dfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd != -1 &&
		    (fstat(fd, &again) == -1 || again.st_dev != st->st_dev ||
		        again.st_ino != st->st_ino)) {
			close(fd);
			fd = -2;
		}
	}
	saved = errno;
	close(pfd);
	errno = saved;
	return fd;
}

/*
 * Read all of "fd" into "data" (NUL kept after it): 1, or 0 if it grew
 * past CHECK_FILE_MAX (not a certificate: skipped), -1 out of memory,
 * -2 with errno set for a read error.
 */
static int
read_all(int fd, struct kiln_buf *data, struct kiln_err *err)
{
	ssize_t n;

	for (;;) {
		if (kiln_buf_reserve(data, 4096, err) == -1)
			return -1;
		n = read(fd, data->p + data->len, data->cap - data->len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -2;
		if (n == 0)
			break;
		data->len += (size_t)n;
		if (data->len > CHECK_FILE_MAX)
			return 0;
	}
	data->p[data->len] = '\0';
	return 1;
}

/*
 * Check the file "name" of the folder "dfd" (AT_FDCWD for an operand),
 * shown as "path".  Only files that hold a certificate count: a PEM
 * CERTIFICATE block found as kiln-certinfo and kiln verify find it (after
 * a byte order mark or other text too), or DER.
 */
static int
check_file(struct kiln_check *c, int dfd, const char *name, const char *path,
    struct kiln_err *err)
{
	struct kiln_pem_block blk;
	struct kiln_infos file;
	struct kiln_buf data;
	struct kiln_err perr;
	struct stat st;
	size_t pos = 0, j;
	int fd, pem, ret, fail, rc = -1;

	kiln_infos_init(&file);
	kiln_buf_init(&data);
	kiln_err_clear(&perr);
	if ((fd = open_regular(dfd, name, &st)) < 0) {
		/* Not a regular file now: skipped, as it would have been. */
		rc = fd == -2 ? 0 : add_problem_errno(c, path, errno, err);
		goto cleanup;
	}
	/* The same file through another link: read once, its path noted. */
	if ((j = seen_find(c, (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino, 0, err, &fail)) != (size_t)-1) {
		rc = seen_again(c, j, path, err);
		goto cleanup;
	}
	/* Certificates are small: a big file (a log, an archive) is not one. */
	if (st.st_size > CHECK_FILE_MAX) {
		rc = 0;
		goto cleanup;
	}
	if ((ret = read_all(fd, &data, err)) != 1) {
		rc = ret == -2 ? add_problem_errno(c, path, errno, err) : ret;
		goto cleanup;
	}
	c->files++;
	/* Only files that hold certificates count; the rest are skipped. */
	pem =
	    kiln_pem_next((char *)data.p, &pos, "CERTIFICATE", &blk, NULL) != 0;
	if (!pem && (data.len == 0 || data.p[0] != 0x30)) {
		/* Text that is no PEM may be a kubeconfig: parsed to know. */
		rc = data.len == 0 ? 0
		                   : check_kubeconfig(c, path, &st, &data, err);
		rc = rc == -1 ? -1 : 0;
		goto cleanup;
	}
	if (kiln_inspect_certs(&file, data.p, data.len, &perr) == -1) {
		/* DER that is not a certificate (a key, a CRL) is skipped. */
		rc = pem ? check_add_problem(c, path, perr.msg, err) : 0;
		goto cleanup;
	}
	rc = check_add_file(c, path, &st, &file, err);
cleanup:
	if (fd >= 0)
		close(fd);
	kiln_infos_free(&file);
	kiln_buf_free(&data);
	return rc;
}

static int
check_problem(
    void *arg, const char *path, const char *msg, struct kiln_err *err)
{
	return check_add_problem(arg, path, msg, err);
}

static int
check_one(void *arg, int dfd, const char *name, const char *path,
    struct kiln_err *err)
{
	return check_file(arg, dfd, name, path, err);
}

int
kiln_check_path(struct kiln_check *c, const char *path, struct kiln_err *err)
{
	struct kiln_walk k;

	memset(&k, 0, sizeof(k));
	k.exclude = c->exclude;
	k.n_exclude = c->n_exclude;
	k.file = check_one;
	k.problem = check_problem;
	k.arg = c;
	return kiln_walk(&k, path, err);
}

enum kiln_check_status
kiln_check_worst(const struct kiln_check *c)
{
	enum kiln_check_status worst = KILN_CHECK_OK;
	size_t i;

	for (i = 0; i < c->n_entries; i++)
		if (c->entries[i].status > worst)
			worst = c->entries[i].status;
	return worst;
}

int
kiln_check_exit(const struct kiln_check *c)
{
	enum kiln_check_status worst = kiln_check_worst(c);

	if (worst >= KILN_CHECK_CRITICAL)
		return 2;
	if (c->n_entries == 0 || c->n_problems > 0)
		return 3;
	return worst == KILN_CHECK_EXPIRING ? 1 : 0;
}
