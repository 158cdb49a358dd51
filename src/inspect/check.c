/*
 * kiln check: find certificates in files and folders and say, for each
 * and for the whole set, whether they are still good.
 */
/* O_PATH, for opening a file without opening a device in its place. */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiln/cert.h"

#include <mbedtls/oid.h>

#include "report/checkrender.h"
#include "core/civil.h"
#include "kiln/check.h"
#include "kiln/esc.h"
#include "kiln/pem.h"
#include "kiln/verify.h"
#include "report/format.h"
#include "core/strs.h"

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
	cn = kiln_dn_last(&info->subject, "2.5.4.3");
	if (kiln_str_set(&e->subject_cn, cn != NULL ? cn : "", err) == -1)
		goto cleanup;
	/* No CN: the table names it by its organization. */
	if (cn == NULL) {
		const char *o = kiln_dn_last(&info->subject, "2.5.4.10"),
		           *ou = kiln_dn_last(&info->subject, "2.5.4.11");

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
	cn = kiln_dn_last(&info->issuer, "2.5.4.3");
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

static int
add_problem(struct kiln_check *c, const char *path, const char *msg,
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

/* The verification callback's notes: whether the trust anchor itself is
 * out of its dates (mbedTLS merges every certificate's flags). */
struct anchor_dates {
	const mbedtls_x509_crt *ca;
	char why[128];
	/* The earliest notAfter above the certificate (issuers, anchor),
	 * the CN of the certificate that has it, and the path's top. */
	long long end;
	char end_cn[128];
	const mbedtls_x509_crt *top;
	int top_depth;
};

static int
note_anchor(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct anchor_dates *a = arg;
	const mbedtls_x509_crt *t;
	const mbedtls_x509_time *when = &crt->valid_to;
	const mbedtls_x509_name *n;
	long long end;

	if (a->top == NULL || depth > a->top_depth) {
		a->top = crt;
		a->top_depth = depth;
	}
	if (depth > 0 &&
	    (end = kiln_x509_time_seconds(&crt->valid_to)) < a->end) {
		a->end = end;
		a->end_cn[0] = '\0';
		for (n = &crt->subject; n != NULL; n = n->next)
			if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0)
				snprintf(a->end_cn, sizeof(a->end_cn), "%.*s",
				    (int)n->val.len, n->val.p);
	}
	for (t = a->ca; t != NULL; t = t->next) {
		if (t != crt || !(*flags & (MBEDTLS_X509_BADCERT_EXPIRED |
		                               MBEDTLS_X509_BADCERT_FUTURE)))
			continue;
		if (*flags & MBEDTLS_X509_BADCERT_FUTURE)
			when = &crt->valid_from;
		snprintf(a->why, sizeof(a->why),
		    "its CA %s %04d-%02d-%02dT%02d:%02d:%02dZ",
		    *flags & MBEDTLS_X509_BADCERT_FUTURE ? "is not valid until"
		                                         : "expired on",
		    when->year, when->mon, when->day, when->hour, when->min,
		    when->sec);
	}
	return 0;
}

/*
 * The issuers a certificate of a file may chain through are found by
 * name, not by handing mbedTLS every other certificate of the file for
 * each one (which made -ca quadratic in a bundle's size): each
 * certificate's subject and issuer become keys, the subjects are sorted
 * once per file, and a certificate's chain is itself, then the
 * certificates whose subject names its issuer, then theirs, and so on,
 * in file order at each step, each certificate once (a copy of one
 * already there is left out), CHAIN_MAX at most: mbedTLS follows no
 * path longer than 8 intermediates anyway.  mbedTLS then builds and
 * verifies the path from those alone.  The keys are looser than mbedTLS's
 * name match (ASCII case is folded and the string types are forgotten),
 * so every issuer mbedTLS would take is in the chain.
 */
#define CHAIN_MAX 32

struct keyed {
	const char *key;
	size_t index;
};

struct pool {
	char **subject, **issuer; /* per certificate of the file */
	struct keyed *sorted;     /* by subject, then position */
	size_t n;
};

static void
pool_free(struct pool *p)
{
	kiln_strs_free(p->subject, p->n);
	kiln_strs_free(p->issuer, p->n);
	free(p->sorted);
	memset(p, 0, sizeof(*p));
}

/* "dn" as a key: each attribute's OID and value, ASCII folded to lower. */
static char *
name_key(const struct kiln_dn *dn)
{
	struct kiln_buf b;
	char *key = NULL, *q;
	size_t i;

	kiln_buf_init(&b);
	for (i = 0; i < dn->n; i++)
		if (kiln_buf_printf(&b, NULL, "%s=%s\x1f", dn->attr[i].oid,
		        dn->attr[i].value) == -1)
			goto cleanup;
	if (kiln_buf_terminate(&b, NULL) == -1)
		goto cleanup;
	for (q = (char *)b.p; *q != '\0'; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	key = strdup((char *)b.p);
cleanup:
	kiln_buf_free(&b);
	return key;
}

static int
by_key(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int d = strcmp(x->key, y->key);

	return d != 0 ? d : x->index < y->index ? -1 : x->index > y->index;
}

static int
pool_build(struct pool *p, const struct kiln_infos *file, struct kiln_err *err)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	if ((p->subject = calloc(file->n, sizeof(*p->subject))) == NULL ||
	    (p->issuer = calloc(file->n, sizeof(*p->issuer))) == NULL ||
	    (p->sorted = calloc(file->n, sizeof(*p->sorted))) == NULL)
		goto nomem;
	p->n = file->n;
	for (i = 0; i < file->n; i++) {
		if ((p->subject[i] = name_key(&file->v[i].subject)) == NULL ||
		    (p->issuer[i] = name_key(&file->v[i].issuer)) == NULL)
			goto nomem;
		p->sorted[i].key = p->subject[i];
		p->sorted[i].index = i;
	}
	qsort(p->sorted, p->n, sizeof(*p->sorted), by_key);
	return 0;
nomem:
	return kiln_err_set(err, KILN_ENOMEM, "out of memory");
}

/* Whether certificate "k" is in "chain", or a copy of one that is. */
static int
in_chain(const struct kiln_infos *file, const size_t *chain, size_t n, size_t k)
{
	const struct kiln_buf *d = &file->v[k].der, *o;
	size_t j;

	for (j = 0; j < n; j++) {
		o = &file->v[chain[j]].der;
		if (chain[j] == k ||
		    (o->len == d->len && memcmp(o->p, d->p, d->len) == 0))
			return 1;
	}
	return 0;
}

/* The chain of certificate "i" into "chain": its size. */
static size_t
pool_chain(const struct pool *p, const struct kiln_infos *file, size_t i,
    size_t chain[CHAIN_MAX])
{
	size_t n = 1, q, lo, hi, mid, k;
	const char *want;

	chain[0] = i;
	for (q = 0; q < n && n < CHAIN_MAX; q++) {
		want = p->issuer[chain[q]];
		for (lo = 0, hi = p->n; lo < hi;) { /* the first subject >= */
			mid = lo + (hi - lo) / 2;
			if (strcmp(p->sorted[mid].key, want) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (k = lo; k < p->n && n < CHAIN_MAX &&
		             strcmp(p->sorted[k].key, want) == 0;
		     k++)
			if (!in_chain(file, chain, n, p->sorted[k].index))
				chain[n++] = p->sorted[k].index;
	}
	return n;
}

/*
 * Whether certificate "i" of "file", with the certificates of its chain
 * in the pool as possible intermediates, verifies against the trust
 * anchors; the certificate's own dates are judged separately, the
 * anchor's here.  "*why" is NULL if it does, else the reason (for a
 * certificate not issued by the anchors, the key identifiers that
 * differ).  "a" gets the earliest notAfter above it.  0, or -1 out of
 * memory.
 */
static int
untrusted(const struct kiln_check *c, const struct kiln_infos *file,
    const struct pool *p, size_t i, struct anchor_dates *a, char **why,
    struct kiln_err *err)
{
	mbedtls_x509_crt chain;
	struct kiln_buf ids;
	size_t idx[CHAIN_MAX], n, k;
	char info[512];
	const char *reason = NULL;
	uint32_t flags = 0;
	int ret, rc = -1;

	*why = NULL;
	memset(a, 0, sizeof(*a));
	a->ca = c->ca;
	a->end = LLONG_MAX;
	kiln_buf_init(&ids);
	mbedtls_x509_crt_init(&chain);
	n = pool_chain(p, file, i, idx);
	ret = mbedtls_x509_crt_parse_der(
	    &chain, file->v[i].der.p, file->v[i].der.len);
	for (k = 1; ret == 0 && k < n; k++)
		(void)mbedtls_x509_crt_parse_der(
		    &chain, file->v[idx[k]].der.p, file->v[idx[k]].der.len);
	if (ret != 0) {
		reason = "mbedTLS cannot read this certificate";
		goto done;
	}
	mbedtls_x509_crt_verify(&chain, (mbedtls_x509_crt *)c->ca, NULL, NULL,
	    &flags, note_anchor, a);
	flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED |
	                     MBEDTLS_X509_BADCERT_FUTURE);
	if (flags == 0)
		reason = a->why[0] != '\0' ? a->why : NULL;
	else if ((flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) && a->top != NULL) {
		/* Two CAs often share a name: say which keys differ. */
		if (kiln_buf_append(
		        &ids, "not issued by the CA given: ", 28, err) == -1 ||
		    kiln_verify_key_ids(
		        &ids, a->top->raw.p, a->top->raw.len, c->ca, err) == -1)
			goto cleanup;
		reason = (const char *)ids.p;
	} else if (mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags) <
	           0)
		reason = "does not verify";
	else {
		info[strcspn(info, "\n")] = '\0'; /* the first reason */
		reason = info;
	}
	/* Only a chain that verifies ends at its issuers' dates. */
	if (flags != 0)
		a->end = LLONG_MAX;
done:
	if (reason != NULL && (*why = strdup(reason)) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	rc = 0;
cleanup:
	mbedtls_x509_crt_free(&chain);
	kiln_buf_free(&ids);
	return rc;
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
 * With -ca: the entry "e" of certificate "i" judged with its chain.  An
 * untrusted one says why; one whose chain ends before it (a CA that
 * expires first) takes the chain's end as its own, and says so.
 */
static int
judge_chain(struct kiln_check *c, struct kiln_check_entry *e,
    const struct kiln_infos *file, const struct pool *pool, size_t i,
    struct kiln_err *err)
{
	struct anchor_dates a;
	char when[64], line[512];

	if (untrusted(c, file, pool, i, &a, &e->why, err) == -1)
		return -1;
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
static int
add_file(struct kiln_check *c, const char *path, const struct stat *st,
    struct kiln_infos *file, struct kiln_err *err)
{
	struct kiln_check_entry *e;
	struct pool pool;
	size_t i, first = c->n_entries;
	int rc = -1, fail;

	memset(&pool, 0, sizeof(pool));
	if ((e = realloc(c->entries, (c->n_entries + file->n) * sizeof(*e))) ==
	    NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	c->entries = e;
	if (c->ca != NULL && pool_build(&pool, file, err) == -1)
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
	pool_free(&pool);
	return rc;
}

/* A problem whose message is the text of "errnum" ("Permission denied"). */
static int
add_problem_errno(
    struct kiln_check *c, const char *path, int errnum, struct kiln_err *err)
{
	return add_problem(c, path, strerror(errnum), err);
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
		rc = 0;
		goto cleanup;
	}
	if (kiln_inspect_certs(&file, data.p, data.len, &perr) == -1) {
		/* DER that is not a certificate (a key, a CRL) is skipped. */
		rc = pem ? add_problem(c, path, perr.msg, err) : 0;
		goto cleanup;
	}
	rc = add_file(c, path, &st, &file, err);
cleanup:
	if (fd >= 0)
		close(fd);
	kiln_infos_free(&file);
	kiln_buf_free(&data);
	return rc;
}

/*
 * The walk.  Folders are walked without recursion, from a stack on the
 * heap, so that no depth of folders can overflow the C stack, and through
 * descriptors (openat), so that no length of path is too long.  A folder
 * is entered with O_NOFOLLOW: a link to a folder is not followed, so no
 * link can make a loop; a folder that is one of its own ancestors (a
 * bind mount) is reported and not entered again.  The descriptors of the
 * first WALK_FDS levels stay open; deeper, only the current folder's is
 * open, and its parent is opened again on the way back through "..",
 * which must still be the folder that was left (device and inode), or
 * else by name from the nearest open ancestor, each step checked the
 * same way.  A folder that cannot be found again so (moved meanwhile) is
 * reported, and the rest of it is not checked.
 */
static int
walk_problem_errno(const struct kiln_walk *k, const char *path, int errnum,
    struct kiln_err *err)
{
	return k->problem(k->arg, path, strerror(errnum), err);
}

/* The last component of "path", "dir/" giving "dir". */
static const char *
base_name(const char *path, char *b, size_t size)
{
	const char *e = path + strlen(path), *s;

	while (e > path + 1 && e[-1] == '/')
		e--;
	for (s = e; s > path && s[-1] != '/'; s--)
		;
	snprintf(b, size, "%.*s", (int)(e - s), s);
	return b;
}

int
kiln_walk_is_backup(const char *name)
{
	size_t n = strlen(name), i;
	const char *t;

	/* NAME.YYYYMMDDTHHMMSSZ, NAME not empty. */
	if (n < 18)
		return 0;
	t = name + n - 17;
	if (t[0] != '.' || t[9] != 'T' || t[16] != 'Z')
		return 0;
	for (i = 1; i < 16; i++)
		if (i != 9 && (t[i] < '0' || t[i] > '9'))
			return 0;
	return 1;
}

int
kiln_walk_skips(const struct kiln_walk *k, const char *name, const char *path)
{
	size_t i;

	if (kiln_walk_is_backup(name))
		return 1;
	for (i = 0; i < k->n_exclude; i++)
		if (fnmatch(k->exclude[i], name, 0) == 0 ||
		    fnmatch(k->exclude[i], path, 0) == 0)
			return 1;
	return 0;
}

#define WALK_FDS 32

struct frame {
	int fd;    /* -1 while closed */
	dev_t dev; /* what "fd" is, to know it again */
	ino_t ino;
	size_t path_len; /* its path: the walk's path buffer, this long */
	char **names;    /* its entries, in name order */
	size_t n, next;
};

struct walk {
	struct frame *f;
	size_t depth, cap;
	struct kiln_buf path; /* the current path, NUL-terminated */
};

static void
frame_free(struct frame *f)
{
	if (f->fd >= 0)
		close(f->fd);
	kiln_strs_free(f->names, f->n);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The path of the entry "name" of the top folder, in w->path. */
static int
sub_path(struct walk *w, const char *name, struct kiln_err *err)
{
	struct frame *top = &w->f[w->depth - 1];

	w->path.len = top->path_len;
	if ((w->path.len == 0 || w->path.p[w->path.len - 1] != '/') &&
	    kiln_buf_append(&w->path, "/", 1, err) == -1)
		return -1;
	if (kiln_buf_append(&w->path, name, strlen(name), err) == -1 ||
	    kiln_buf_terminate(&w->path, err) == -1)
		return -1;
	return 0;
}

/* The names in the folder "fd", sorted, into "f".  0, or errno. */
static int
list_folder(int fd, struct frame *f, struct kiln_err *err, int *fatal)
{
	struct dirent *d;
	DIR *dir;
	int dfd, saved = 0;

	*fatal = 0;
	if ((dfd = dup(fd)) == -1)
		return errno;
	if ((dir = fdopendir(dfd)) == NULL) {
		saved = errno;
		close(dfd);
		return saved;
	}
	for (;;) {
		errno = 0;
		if ((d = readdir(dir)) == NULL) {
			saved = errno;
			break;
		}
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (kiln_strs_push(&f->names, &f->n, d->d_name, err) == -1) {
			*fatal = 1;
			break;
		}
	}
	closedir(dir);
	if (f->n > 1)
		qsort(f->names, f->n, sizeof(*f->names), by_name);
	return saved;
}

/*
 * Enter the folder "name" of "dfd", whose path is in w->path: push it on
 * the stack.  "follow": an operand, whose link is followed (as find -H
 * does).  Problems are recorded; returns -1 only out of memory.
 */
static int
enter(const struct kiln_walk *k, struct walk *w, int dfd, const char *name,
    int follow, struct kiln_err *err)
{
	const char *path = (const char *)w->path.p;
	struct frame *f;
	struct stat st;
	size_t i;
	int fd, fatal, errnum;

	fd = openat(dfd, name,
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	if (fd == -1) {
		/* A link now (swapped since it was listed): not followed. */
		if (errno == ELOOP && !follow)
			return 0;
		return walk_problem_errno(k, path, errno, err);
	}
	if (fstat(fd, &st) == -1) {
		errnum = errno;
		close(fd);
		return walk_problem_errno(k, path, errnum, err);
	}
	for (i = 0; i < w->depth; i++)
		if (w->f[i].dev == st.st_dev && w->f[i].ino == st.st_ino) {
			close(fd);
			return k->problem(k->arg, path,
			    "the same folder as one above it (a loop): not "
			    "entered again",
			    err);
		}
	if (w->depth == w->cap) {
		size_t cap = w->cap < 16 ? 16 : w->cap * 2;

		if ((f = realloc(w->f, cap * sizeof(*f))) == NULL) {
			close(fd);
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		}
		w->f = f;
		w->cap = cap;
	}
	f = &w->f[w->depth++];
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->path_len = w->path.len;
	if ((errnum = list_folder(fd, f, err, &fatal)) != 0 || fatal) {
		/* Nothing of a folder that cannot be read is checked. */
		kiln_strs_free(f->names, f->n);
		f->names = NULL;
		f->n = 0;
		if (fatal)
			return -1;
		if (walk_problem_errno(k, path, errnum, err) == -1)
			return -1;
	}
	/* Below the first WALK_FDS levels, only the top folder stays open. */
	if (w->depth - 1 > WALK_FDS && w->f[w->depth - 2].fd >= 0) {
		close(w->f[w->depth - 2].fd);
		w->f[w->depth - 2].fd = -1;
	}
	return 0;
}

/* Open frame "k" by name from frame "k - 1", which is open. */
static int
reopen_step(struct walk *w, size_t k)
{
	const struct frame *up = &w->f[k - 1];
	struct stat st;
	int fd;

	fd = openat(up->fd, up->names[up->next - 1],
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || st.st_dev != w->f[k].dev ||
	    st.st_ino != w->f[k].ino) {
		close(fd);
		return -1;
	}
	w->f[k].fd = fd;
	return 0;
}

/*
 * Open frame "k" again, from its child's descriptor "child" (-1: none)
 * through "..", or else by name from its nearest open ancestor.  0, or -1
 * if it is no longer where it was.
 */
static int
reopen(struct walk *w, size_t k, int child)
{
	struct stat st;
	size_t j, i;
	int fd;

	if (child >= 0 && (fd = openat(child, "..",
	                       O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		if (fstat(fd, &st) == 0 && st.st_dev == w->f[k].dev &&
		    st.st_ino == w->f[k].ino) {
			w->f[k].fd = fd;
			return 0;
		}
		close(fd);
	}
	/* w->f[j - 1] is open: the first WALK_FDS levels always are. */
	for (j = k; j > 0 && w->f[j - 1].fd < 0; j--)
		;
	for (i = j; i <= k; i++) {
		if (reopen_step(w, i) == -1)
			break;
		if (i > j) { /* opened on the way: closed again */
			close(w->f[i - 1].fd);
			w->f[i - 1].fd = -1;
		}
	}
	if (i > j && i <= k) {
		close(w->f[i - 1].fd);
		w->f[i - 1].fd = -1;
	}
	return i > k ? 0 : -1;
}

/* Leave the top folder; its parent is opened again if it was closed. */
static int
leave(const struct kiln_walk *k, struct walk *w, struct kiln_err *err)
{
	struct frame *top = &w->f[w->depth - 1], *up;
	int rc = 0;

	if (w->depth > 1 && (up = &w->f[w->depth - 2])->fd < 0 &&
	    reopen(w, w->depth - 2, top->fd) == -1) {
		w->path.len = up->path_len;
		if (kiln_buf_terminate(&w->path, err) == -1 ||
		    k->problem(k->arg, (const char *)w->path.p,
		        "moved or replaced during the check: the rest of it "
		        "was not checked",
		        err) == -1)
			rc = -1;
		up->next = up->n;
	}
	frame_free(top);
	w->depth--;
	return rc;
}

/* Visit the next entry of the top folder. */
static int
visit(const struct kiln_walk *k, struct walk *w, struct kiln_err *err)
{
	struct frame *top = &w->f[w->depth - 1];
	const char *name = top->names[top->next++], *path;
	struct stat st;

	if (sub_path(w, name, err) == -1)
		return -1;
	path = (const char *)w->path.p;
	if (kiln_walk_skips(k, name, path))
		return 0;
	if (fstatat(top->fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return walk_problem_errno(k, path, errno, err);
	if (S_ISLNK(st.st_mode)) {
		/* A link to a file is read; one to a folder is not followed. */
		if (fstatat(top->fd, name, &st, 0) == -1)
			return k->problem(k->arg, path,
			    errno == ELOOP ? "a link in a loop of links"
			                   : "a link to nothing (dangling)",
			    err);
		return S_ISREG(st.st_mode)
		           ? k->file(k->arg, top->fd, name, path, err)
		           : 0;
	}
	if (S_ISDIR(st.st_mode))
		return enter(k, w, top->fd, name, 0, err);
	if (S_ISREG(st.st_mode))
		return k->file(k->arg, top->fd, name, path, err);
	return 0; /* FIFOs, devices, sockets: never opened */
}

int
kiln_walk(const struct kiln_walk *k, const char *path, struct kiln_err *err)
{
	char name[NAME_MAX + 1];
	struct walk w;
	struct stat st;
	int rc = -1;

	memset(&w, 0, sizeof(w));
	kiln_buf_init(&w.path);
	if (kiln_buf_append(&w.path, path, strlen(path), err) == -1 ||
	    kiln_buf_terminate(&w.path, err) == -1)
		goto cleanup;
	/* An operand that is a link is followed, to a folder too. */
	if (lstat(path, &st) == -1) {
		rc = walk_problem_errno(k, path, errno, err);
		goto cleanup;
	}
	if (kiln_walk_skips(k, base_name(path, name, sizeof(name)), path)) {
		rc = 0;
		goto cleanup;
	}
	if (S_ISLNK(st.st_mode) && stat(path, &st) == -1) {
		rc = k->problem(k->arg, path,
		    errno == ELOOP ? "a link in a loop of links"
		                   : "a link to nothing (dangling)",
		    err);
		goto cleanup;
	}
	if (S_ISREG(st.st_mode)) {
		rc = k->file(k->arg, AT_FDCWD, path, path, err);
		goto cleanup;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = 0;
		goto cleanup;
	}
	if (enter(k, &w, AT_FDCWD, path, 1, err) == -1)
		goto cleanup;
	while (w.depth > 0) {
		if (w.f[w.depth - 1].next < w.f[w.depth - 1].n
		        ? visit(k, &w, err) == -1
		        : leave(k, &w, err) == -1)
			goto cleanup;
	}
	rc = 0;
cleanup:
	while (w.depth > 0)
		frame_free(&w.f[--w.depth]);
	free(w.f);
	kiln_buf_free(&w.path);
	return rc;
}

static int
check_problem(
    void *arg, const char *path, const char *msg, struct kiln_err *err)
{
	return add_problem(arg, path, msg, err);
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

/* Rendering. */

/* "364d 23h", "5h 3m", "-2d 1h": how long is left, roughly. */
void
kiln_check_time_left(long long secs, char *out, size_t size)
{
	long long a = secs < 0 ? -secs : secs;
	const char *sign = secs < 0 ? "-" : "";

	if (a >= DAY)
		snprintf(
		    out, size, "%s%lldd %lldh", sign, a / DAY, a % DAY / 3600);
	else if (a >= 3600)
		snprintf(
		    out, size, "%s%lldh %lldm", sign, a / 3600, a % 3600 / 60);
	else
		snprintf(out, size, "%s%lldm %llds", sign, a / 60, a % 60);
}

/* "path", or "path#2" for the second certificate of a bundle. */
int
kiln_check_entry_name(const struct kiln_check *c, size_t i,
    struct kiln_buf *out, struct kiln_err *err)
{
	const struct kiln_check_entry *e = &c->entries[i];
	int bundle = e->index > 1 ||
	             (i + 1 < c->n_entries && c->entries[i + 1].index > 1 &&
	                 strcmp(c->entries[i + 1].path, e->path) == 0);

	return kiln_buf_printf(
	    out, err, bundle ? "%s#%zu" : "%s", e->path, e->index);
}

/* Set "*cell" to "s" escaped for a terminal (kiln_esc_append). */
static void
cell_set(char **cell, const char *s, struct kiln_err *err)
{
	char *e;

	if ((e = kiln_esc_dup(s, err)) == NULL)
		return;
	free(*cell);
	*cell = e;
}

int
kiln_check_table(
    const struct kiln_check *c, struct kiln_buf *out, struct kiln_err *err)
{
	static const char *const head[] = {"PATH", "SUBJECT CN", "SANS",
	    "NOT AFTER", "LEFT", "ISSUER CN", "STATUS"};
	struct kiln_table t;
	struct kiln_buf b;
	struct kiln_err werr;
	char text[64];
	const struct kiln_check_entry *e;
	char **row;
	size_t i, k;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	kiln_buf_init(&b);
	/* The steps go on after a failure; "werr" keeps the first. */
	kiln_err_clear(&werr);
	t.ncols = sizeof(head) / sizeof(head[0]);
	for (k = 0; k < t.ncols; k++)
		t.head[k] = head[k];
	t.right[4] = 1;
	t.nrows = c->n_entries;
	if (t.nrows > 0 &&
	    (t.cell = calloc(t.nrows * t.ncols, sizeof(*t.cell))) == NULL) {
		kiln_err_set(&werr, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	/* Paths and names are escaped: the widths are the escaped text's. */
	for (i = 0; i < c->n_entries; i++) {
		e = &c->entries[i];
		row = &t.cell[i * t.ncols];
		b.len = 0;
		kiln_check_entry_name(c, i, &b, &werr);
		kiln_buf_terminate(&b, &werr);
		cell_set(&row[0], (char *)b.p, &werr);
		cell_set(&row[1],
		    e->subject_cn[0] != '\0' ? e->subject_cn : e->subject_org,
		    &werr);
		b.len = 0;
		for (k = 0; k < e->nsans; k++)
			kiln_buf_printf(
			    &b, &werr, "%s%s", k > 0 ? ", " : "", e->sans[k]);
		kiln_buf_terminate(&b, &werr);
		cell_set(&row[2], (char *)b.p, &werr);
		kiln_rfc3339(e->not_after, text, sizeof(text));
		kiln_str_set(&row[3], text, &werr);
		kiln_check_time_left(
		    e->chain_not_after - c->now, text, sizeof(text));
		kiln_str_set(&row[4], text, &werr);
		cell_set(&row[5], e->issuer_cn, &werr);
		kiln_str_set(&row[6], kiln_check_status_name(e->status), &werr);
		if (werr.code != KILN_OK)
			goto cleanup;
	}
	table_print(&t, out, &werr);
	/* Below it, what a cell cannot say: the other paths of a
	 * certificate counted once, and why a status is what it is. */
	for (i = 0; i < c->n_entries && werr.code == KILN_OK; i++) {
		e = &c->entries[i];
		if (e->npaths == 0 && e->why == NULL)
			continue;
		b.len = 0;
		kiln_check_entry_name(c, i, &b, &werr);
		kiln_buf_append(&b, ": ", 2, &werr);
		for (k = 0; k < e->npaths; k++)
			kiln_buf_printf(&b, &werr, "%s%s",
			    k == 0 ? "also at " : ", ", e->paths[k]);
		if (e->why != NULL)
			kiln_buf_printf(&b, &werr, "%s%s: %s",
			    e->npaths > 0 ? "; " : "",
			    kiln_check_status_name(e->status), e->why);
		kiln_esc_append(out, (char *)b.p, b.len, &werr);
		kiln_buf_append(out, "\n", 1, &werr);
	}
	if (kiln_buf_terminate(out, &werr) == 0 && werr.code == KILN_OK)
		rc = 0;
cleanup:
	if (rc == -1)
		kiln_err_set(err, werr.code, "%s", werr.msg);
	if (t.cell != NULL)
		kiln_strs_free(t.cell, t.nrows * t.ncols);
	kiln_buf_free(&b);
	return rc;
}

int
kiln_check_json(
    const struct kiln_check *c, struct kiln_buf *out, struct kiln_err *err)
{
	const struct kiln_check_entry *e;
	struct kiln_err werr;
	struct jw j;
	char text[128];
	size_t i;

	kiln_err_clear(&werr); /* the writers go on; it keeps the first */
	memset(&j, 0, sizeof(j));
	j.out = out;
	j.err = &werr;
	jw_open(&j, "{");
	jw_kstr(&j, "status",
	    kiln_check_exit(c) == 3
	        ? "unknown"
	        : kiln_check_status_name(kiln_check_worst(c)));
	jw_kint(&j, "exit", kiln_check_exit(c));
	jw_kint(&j, "files", (long long)c->files);
	jw_key(&j, "certificates");
	jw_open(&j, "[");
	for (i = 0; i < c->n_entries; i++) {
		e = &c->entries[i];
		jw_item(&j);
		jw_open(&j, "{");
		jw_kstr(&j, "path", e->path);
		jw_kint(&j, "index", (long long)e->index);
		/* The same certificate elsewhere, counted once. */
		if (e->npaths > 0)
			jw_kstrs(&j, "also_at", e->paths, e->npaths);
		jw_kstr(&j, "subject_cn", e->subject_cn);
		/* The SANs in kiln-certinfo's order: DNS, IP, email, URI. */
		jw_kstrs(&j, "sans", e->sans, e->nsans);
		kiln_rfc3339(e->not_before, text, sizeof(text));
		jw_kstr(&j, "not_before", text);
		kiln_rfc3339(e->not_after, text, sizeof(text));
		jw_kstr(&j, "not_after", text);
		/* What is left of its chain: the earliest end with -ca. */
		if (e->chain_not_after != e->not_after) {
			kiln_rfc3339(e->chain_not_after, text, sizeof(text));
			jw_kstr(&j, "chain_not_after", text);
		}
		jw_kint(&j, "seconds_left", e->chain_not_after - c->now);
		jw_kint(&j, "days_left",
		    kiln_days_left(e->chain_not_after, c->now));
		jw_kstr(&j, "issuer_cn", e->issuer_cn);
		jw_kstr(&j, "serial_number", e->serial);
		jw_kstr(&j, "status", kiln_check_status_name(e->status));
		if (e->why != NULL)
			jw_kstr(&j, "reason", e->why);
		jw_close(&j, "}");
	}
	jw_close(&j, "]");
	jw_key(&j, "problems");
	jw_open(&j, "[");
	for (i = 0; i < c->n_problems; i++) {
		jw_item(&j);
		jw_open(&j, "{");
		jw_kstr(&j, "path", c->problems[i].path);
		jw_kstr(&j, "error", c->problems[i].msg);
		jw_close(&j, "}");
	}
	jw_close(&j, "]");
	jw_close(&j, "}");
	jw_raw(&j, "\n");
	if (kiln_buf_terminate(out, &werr) == 0 && werr.code == KILN_OK)
		return 0;
	return kiln_err_set(err, werr.code, "%s", werr.msg);
}
