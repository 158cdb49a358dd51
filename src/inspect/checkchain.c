/*
 * kiln check -ca: the chain of each certificate of a file found by name
 * among the file's certificates, then verified by mbedTLS against the
 * trust anchors, with the earliest end of the chain above it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/oid.h>

#include "core/civil.h"
#include "core/strs.h"
#include "inspect/checkchain.h"
#include "kiln/buf.h"
#include "kiln/time.h"
#include "kiln/verify.h"

static int
note_anchor(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct anchor_dates *a = arg;
	const mbedtls_x509_crt *t;
	const mbedtls_x509_time *when = &crt->valid_to;
	char stamp[32];
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
		kiln_rfc3339(
		    kiln_x509_time_seconds(when), stamp, sizeof(stamp));
		snprintf(a->why, sizeof(a->why), "its CA %s %s",
		    *flags & MBEDTLS_X509_BADCERT_FUTURE ? "is not valid until"
		                                         : "expired on",
		    stamp);
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

void
check_pool_free(struct check_pool *p)
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
	const struct check_keyed *x = a, *y = b;
	int d = strcmp(x->key, y->key);

	return d != 0 ? d : x->index < y->index ? -1 : x->index > y->index;
}

int
check_pool_build(
    struct check_pool *p, const struct kiln_infos *file, struct kiln_err *err)
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
pool_chain(const struct check_pool *p, const struct kiln_infos *file, size_t i,
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
int
check_untrusted(const struct kiln_check *c, const struct kiln_infos *file,
    const struct check_pool *p, size_t i, struct anchor_dates *a, char **why,
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
