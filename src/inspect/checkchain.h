/*
 * kiln check -ca: a certificate judged with the certificates of its file
 * as possible intermediates, against the trust anchors.  Private to
 * libkiln: check.c's only.
 */
#ifndef KILN_CHECKCHAIN_H
#define KILN_CHECKCHAIN_H

#include <stddef.h>

#include <mbedtls/x509_crt.h>

#include "kiln/check.h"
#include "kiln/err.h"
#include "kiln/inspect.h"

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

/* A file's certificates keyed by subject and issuer (checkchain.c). */
struct check_keyed {
	const char *key;
	size_t index;
};

struct check_pool {
	char **subject, **issuer;   /* per certificate of the file */
	struct check_keyed *sorted; /* by subject, then position */
	size_t n;
};

/* Key the certificates of "file".  0, or -1 out of memory. */
int check_pool_build(
    struct check_pool *, const struct kiln_infos *, struct kiln_err *);
void check_pool_free(struct check_pool *);

/*
 * Whether certificate "i" of "file", with the certificates of its chain
 * in "p" as possible intermediates, verifies against c->ca; the
 * certificate's own dates are judged separately, the anchor's here.
 * "*why" is NULL if it does, else the reason (owned by the caller).  "a"
 * gets the earliest notAfter above it.  0, or -1 out of memory.
 */
int check_untrusted(const struct kiln_check *, const struct kiln_infos *,
    const struct check_pool *, size_t, struct anchor_dates *, char **,
    struct kiln_err *);

#endif /* KILN_CHECKCHAIN_H */
