#include <regex.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>

#include "core/civil.h"
#include "core/compat.h"
#include "asn1/der.h"
#include "asn1/oid.h"
#include "asn1/x509.h"
#include "kiln/duration.h"
#include "kiln/issue.h"

#define INITCA_EXPIRY (43800 * KILN_NS_HOUR)
#define DEFAULT_BACKDATE (5 * KILN_NS_MINUTE)
/* 10000-01-01T00:00:00Z: X.509 times have four-digit years. */
#define TIME_LIMIT 253402300800LL

void
kiln_issue_ca_profile(
    struct kiln_profile *p, const struct kiln_careq *ca, const char *crl_url)
{
	memset(p, 0, sizeof(*p));
	p->ku = KILN_KU_CERT_SIGN | KILN_KU_CRL_SIGN;
	p->is_ca = 1;
	p->max_path_len = ca->pathlen < 0 ? 0 : ca->pathlen;
	p->max_path_len_zero = ca->pathlen == 0;
	p->expiry = ca->expiry > 0 ? ca->expiry : INITCA_EXPIRY;
	p->backdate = ca->backdate > 0 ? ca->backdate : DEFAULT_BACKDATE;
	p->crl_url = (char *)crl_url; /* borrowed, see issue.h */
}

/* The pathLenConstraint to write, or -1 for none (cfssl's rule). */
static int
pathlen(const struct kiln_profile *p)
{
	if (!p->is_ca)
		return -1;
	if (p->max_path_len > 0 ||
	    (p->max_path_len == 0 && p->max_path_len_zero))
		return p->max_path_len;
	return -1;
}

/* An mbedTLS time as seconds since the epoch. */
static long long
epoch(const mbedtls_x509_time *t)
{
	return kiln_x509_time_seconds(t);
}

static int
check_issuer(const struct kiln_cert *issuer, struct kiln_key *key,
    const struct kiln_profile *p, time_t now, struct kiln_err *err)
{
	const mbedtls_x509_crt *crt = &issuer->crt;
	const mbedtls_x509_time *t;

	/* What it signed would not verify: refuse rather than hand it out. */
	if ((long long)now > epoch(&crt->valid_to) ||
	    (long long)now < epoch(&crt->valid_from)) {
		t = (long long)now > epoch(&crt->valid_to) ? &crt->valid_to
		                                           : &crt->valid_from;
		return kiln_err_set(err, KILN_EPOLICY,
		    "CA certificate: %s %04d-%02d-%02dT%02d:%02d:%02dZ: what "
		    "it "
		    "signs would not verify",
		    t == &crt->valid_to ? "expired on" : "not valid until",
		    t->year, t->mon, t->day, t->hour, t->min, t->sec);
	}

	if (!kiln_crt_is_ca(crt))
		return kiln_err_set(err, KILN_EPOLICY,
		    "CA certificate: not a CA (basicConstraints CA:FALSE)");
	if (mbedtls_x509_crt_check_key_usage(
	        crt, MBEDTLS_X509_KU_KEY_CERT_SIGN) != 0)
		return kiln_err_set(err, KILN_EPOLICY,
		    "CA certificate: keyUsage does not allow certificate "
		    "signing");
	if (p->is_ca && kiln_crt_max_pathlen(crt) == 1)
		return kiln_err_set(err, KILN_EPOLICY,
		    "CA certificate: pathlen 0 forbids issuing a CA "
		    "certificate");
	if (kiln_key_check_pair(&crt->pk, key, NULL) == -1)
		return kiln_err_set(err, KILN_EINVAL,
		    "CA key does not match the CA certificate");
	return 0;
}

/* cfssl's name_whitelist: the CN and every DNS, email and URI name. */
static int
check_whitelist(const struct kiln_certreq *req, const struct kiln_profile *p,
    struct kiln_err *err)
{
	const struct kiln_san *s;
	size_t i;

	if (p->name_whitelist == NULL)
		return 0;
	if (req->cn != NULL && *req->cn != '\0' &&
	    regexec(&p->whitelist, req->cn, 0, NULL, 0) != 0)
		return kiln_err_set(err, KILN_EPOLICY,
		    "CN \"%s\" does not match the profile's name_whitelist",
		    req->cn);
	for (i = 0; i < req->sans->n; i++) {
		s = &req->sans->v[i];
		if (s->type != KILN_SAN_IP &&
		    regexec(&p->whitelist, s->value, 0, NULL, 0) != 0)
			return kiln_err_set(err, KILN_EPOLICY,
			    "host \"%s\" does not match the profile's "
			    "name_whitelist",
			    s->value);
	}
	return 0;
}

/* 20 random bytes, first bit clear, first byte not zero: 20 DER bytes. */
static int
serial(unsigned char *b, struct kiln_rng *rng, struct kiln_err *err)
{
	int ret;

	do {
		if ((ret = kiln_rng_random(rng, b, 20)) != 0)
			return kiln_err_mbed(err, ret, "serial number");
		b[0] &= 0x7f;
	} while (b[0] == 0);
	return 0;
}

/*
 * The refusal of a validity that ends at or before now: an expiry within
 * the backdate (and Go's rounding of now to the minute).  Returns -1.
 */
static int
expired(const struct kiln_profile *p, struct kiln_err *err)
{
	char e[32], b[32];

	kiln_duration_format(p->expiry, e, sizeof(e));
	kiln_duration_format(p->backdate, b, sizeof(b));
	if (p->expiry <= p->backdate)
		return kiln_err_set(err, KILN_EINVAL,
		    "expiry %s is shorter than the %s backdate: the "
		    "certificate would have expired when made",
		    e, b);
	return kiln_err_set(err, KILN_EINVAL,
	    "expiry %s ends before now once backdated %s (from now rounded "
	    "to the minute): the certificate would have expired when made",
	    e, b);
}

/*
 * Validity in whole seconds.  Go rounds "now" to the minute (half up),
 * subtracts the backdate and adds the expiry in nanoseconds, and X.509
 * drops the fraction, so each bound is the floor of the exact time.
 */
static int
validity(const struct kiln_profile *p, time_t now, long long *nb, long long *na,
    struct kiln_err *err)
{
	long long sec, frac; /* frac: nanoseconds past sec, 0 <= frac < 1e9 */
	int64_t end;

	if (p->has_not_before) {
		sec = p->not_before;
		frac = 0;
	} else {
		sec = ((long long)now + 30) / 60 * 60;
		sec -= p->backdate / KILN_NS_SECOND;
		frac = -(p->backdate % KILN_NS_SECOND);
		if (frac < 0) {
			sec--;
			frac += KILN_NS_SECOND;
		}
	}
	*nb = sec;
	if (p->has_not_after)
		*na = p->not_after;
	else if (kiln_duration_add(frac, p->expiry, &end) == 0)
		*na = sec + end / KILN_NS_SECOND;
	else /* an expiry within a second of the largest, so positive */
		*na = sec + p->expiry / KILN_NS_SECOND +
		      (frac + p->expiry % KILN_NS_SECOND) / KILN_NS_SECOND;
	if (*nb < 0 || *na >= TIME_LIMIT)
		return kiln_err_set(err, KILN_EINVAL,
		    "validity outside the years 1970 to 9999");
	if (*na < *nb)
		return kiln_err_set(
		    err, KILN_EINVAL, "notAfter would be before notBefore");
	/*
	 * Never a certificate that has expired when it is made from an
	 * expiry.  Dates written in the profile (not_before, not_after) are
	 * the operator's, kept as cfssl keeps them: tests make expired
	 * certificates that way.
	 */
	if (!p->has_not_before && !p->has_not_after && *na <= (long long)now)
		return expired(p, err);
	return 0;
}

static void
extension(
    struct der *d, const char *oid, size_t len, int critical, struct der *value)
{
	der_extension(d, oid, len, critical, value);
	der_free(value);
}
#define EXT(d, oid, crit, v) extension(d, oid, sizeof(oid) - 1, crit, v)

/* Whether the request's copied extensions hold "oid" (DER contents). */
static int
in_extra(const struct kiln_certreq *req, const char *oid, size_t len)
{
	struct rd extra = {(unsigned char *)req->extra,
	              (unsigned char *)req->extra + req->extra_len},
	          v;

	return req->extra != NULL &&
	       x509_ext_find(
	           extra, (const unsigned char *)oid, len, &v, NULL) == 1;
}

/* An extension kiln writes, unless the request's copy replaces it. */
#define BUILTIN(oid) (!in_extra(req, oid, sizeof(oid) - 1))

static int
extensions(struct der *d, const struct kiln_certreq *req,
    const struct kiln_profile *p, const struct kiln_cert *issuer,
    const struct kiln_sans *sans, struct kiln_err *err)
{
	static const unsigned char null[] = {0};
	unsigned char ski[20];
	const unsigned char *bits;
	struct der v;
	size_t n;
	int ret;

	der_init(&v);
	if (der_spki_key_bits(req->spki, req->spki_len, &bits, &n) == -1)
		return kiln_err_set(err, KILN_EINVAL, "malformed public key");
	if ((ret = mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA1), bits,
	         n, ski)) != 0)
		return kiln_err_mbed(err, ret, "subject key identifier");
	if (p->ku != 0 && BUILTIN(MBEDTLS_OID_KEY_USAGE)) {
		der_key_usage(&v, p->ku);
		EXT(d, MBEDTLS_OID_KEY_USAGE, 1, &v);
	}
	if (p->n_eku > 0 && BUILTIN(MBEDTLS_OID_EXTENDED_KEY_USAGE)) {
		der_ext_key_usage(&v, p->eku, p->n_eku);
		EXT(d, MBEDTLS_OID_EXTENDED_KEY_USAGE, 0, &v);
	}
	der_basic_constraints(&v, p->is_ca, pathlen(p));
	EXT(d, MBEDTLS_OID_BASIC_CONSTRAINTS, 1, &v);
	if (BUILTIN(MBEDTLS_OID_SUBJECT_KEY_IDENTIFIER)) {
		if (req->ski != NULL)
			der_tlv(&v, DER_OCTET_STRING, req->ski, req->ski_len);
		else
			der_tlv(&v, DER_OCTET_STRING, ski, sizeof(ski));
		EXT(d, MBEDTLS_OID_SUBJECT_KEY_IDENTIFIER, 0, &v);
	}
	/* Go: no AKI when the issuer has no SKI or names itself. */
	if (issuer != NULL && issuer->ski_len > 0 &&
	    BUILTIN(MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER) &&
	    (issuer->crt.subject_raw.len != req->subject_len ||
	        memcmp(issuer->crt.subject_raw.p, req->subject,
	            req->subject_len) != 0)) {
		der_authority_key_id(&v, issuer->ski, issuer->ski_len);
		EXT(d, MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER, 0, &v);
	}
	if ((p->ocsp_url != NULL || p->n_issuer_urls > 0) &&
	    BUILTIN(KILN_OID_RAW_EXT_AIA)) {
		der_authority_info_access(
		    &v, p->ocsp_url, p->issuer_urls, p->n_issuer_urls);
		EXT(d, KILN_OID_RAW_EXT_AIA, 0, &v);
	}
	if (sans->n > 0 && BUILTIN(MBEDTLS_OID_SUBJECT_ALT_NAME)) {
		/* Critical when the subject is empty (RFC 5280 4.2.1.6). */
		der_subject_alt_name(&v, sans);
		EXT(d, MBEDTLS_OID_SUBJECT_ALT_NAME, req->subject_len <= 2, &v);
	}
	if (p->crl_url != NULL &&
	    BUILTIN(MBEDTLS_OID_CRL_DISTRIBUTION_POINTS)) {
		der_crl_distribution_points(&v, p->crl_url);
		EXT(d, MBEDTLS_OID_CRL_DISTRIBUTION_POINTS, 0, &v);
	}
	if (req->extra != NULL)
		der_raw(d, req->extra, req->extra_len);
	if (p->policies != NULL && BUILTIN(MBEDTLS_OID_CERTIFICATE_POLICIES)) {
		der_raw(&v, p->policies, p->policies_len);
		EXT(d, MBEDTLS_OID_CERTIFICATE_POLICIES, 0, &v);
	}
	if (p->ocsp_no_check) {
		der_tlv(&v, DER_NULL, null, 0);
		EXT(d, KILN_OID_RAW_EXT_OCSP_NO_CHECK, 0, &v);
	}
	return 0;
}

/* A CA keeps only its IP SANs, as cfssl (signer.go). */
static int
filter_sans(struct kiln_sans *out, const struct kiln_sans *in, int is_ca,
    struct kiln_err *err)
{
	size_t i;

	for (i = 0; i < in->n; i++)
		if ((!is_ca || in->v[i].type == KILN_SAN_IP) &&
		    kiln_sans_add_typed(out, &in->v[i], err) == -1)
			return -1;
	return 0;
}

int
kiln_issue(struct kiln_buf *out, const struct kiln_certreq *req,
    const struct kiln_profile *p, const struct kiln_cert *issuer,
    struct kiln_key *issuer_key, struct kiln_rng *rng, time_t now,
    struct kiln_err *err)
{
	unsigned char sn[20];
	mbedtls_md_type_t md = kiln_key_sig_md(&issuer_key->pk);
	struct kiln_sans sans;
	long long nb, na;
	size_t m, v, validity_m, exts, seq;
	struct der tbs;
	int rc = -1;

	der_init(&tbs);
	kiln_sans_init(&sans);
	if (p->ku == 0 && p->n_eku == 0) {
		kiln_err_set(err, KILN_EPOLICY, "the profile has no usages");
		goto cleanup;
	}
	if ((issuer != NULL &&
	        check_issuer(issuer, issuer_key, p, now, err) == -1) ||
	    check_whitelist(req, p, err) == -1 ||
	    filter_sans(&sans, req->sans, p->is_ca && !req->keep_sans, err) ==
	        -1 ||
	    serial(sn, rng, err) == -1 || validity(p, now, &nb, &na, err) == -1)
		goto cleanup;

	m = der_open(&tbs, DER_SEQUENCE);
	v = der_open(&tbs, DER_CONTEXT_CONS(0));
	der_small_int(&tbs, 2); /* v3 */
	der_close(&tbs, v);
	der_uint(&tbs, sn, sizeof(sn));
	if (der_sig_algid(&tbs, &issuer_key->pk, md, err) == -1)
		goto cleanup;
	if (issuer != NULL)
		der_raw(&tbs, issuer->crt.subject_raw.p,
		    issuer->crt.subject_raw.len);
	else
		der_raw(&tbs, req->subject, req->subject_len);
	validity_m = der_open(&tbs, DER_SEQUENCE);
	der_time(&tbs, nb);
	der_time(&tbs, na);
	der_close(&tbs, validity_m);
	der_raw(&tbs, req->subject, req->subject_len);
	der_raw(&tbs, req->spki, req->spki_len);
	exts = der_open(&tbs, DER_CONTEXT_CONS(3));
	seq = der_open(&tbs, DER_SEQUENCE);
	if (extensions(&tbs, req, p, issuer, &sans, err) == -1)
		goto cleanup;
	der_close(&tbs, seq);
	der_close(&tbs, exts);
	der_close(&tbs, m);
	if (der_sign(out, &tbs, issuer_key, md, rng, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	der_free(&tbs);
	kiln_sans_free(&sans);
	return rc;
}
