/*
 * Renewal: the old certificate's subject, names and usages issued again
 * through kiln_issue, so a renewed certificate is built exactly as a new
 * one would be.
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

#include "kiln/issue.h"
#include "kiln/renew.h"
#include "pool.h"
#include "strs.h"
#include "x509.h"

#define NS_PER_SEC 1000000000LL

enum kiln_renew_kind
kiln_renew_kind(const struct kiln_info *old, const struct kiln_cert *ca)
{
	struct x509_tbs o, c;
	struct kiln_cert crt;
	struct kiln_err ignored;
	uint32_t flags = 0;
	int signed_by;

	if (x509_tbs(old->der.p, old->der.len, &o) == -1 ||
	    x509_tbs(ca->crt.raw.p, ca->crt.raw.len, &c) == -1)
		return KILN_RENEW_FOREIGN;
	if (rd_equal(&o.subject, &c.subject) && rd_equal(&o.spki, &c.spki))
		return rd_equal(&o.issuer, &o.subject)
		           ? KILN_RENEW_CA
		           : KILN_RENEW_SELF_INTERMEDIATE;
	/* kiln_cert_parse accepts critical extensions mbedTLS does not know:
	 * a certificate policy must not make a leaf look foreign. */
	kiln_cert_init(&crt);
	kiln_err_clear(&ignored);
	signed_by =
	    kiln_cert_parse(&crt, old->der.p, old->der.len, &ignored) == 0 &&
	    (mbedtls_x509_crt_verify(&crt.crt, (mbedtls_x509_crt *)&ca->crt,
	         NULL, NULL, &flags, NULL, NULL) == 0 ||
	        (flags & ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED |
	                             MBEDTLS_X509_BADCERT_FUTURE)) == 0);
	kiln_cert_free(&crt);
	return signed_by ? KILN_RENEW_LEAF : KILN_RENEW_FOREIGN;
}

/* The old certificate's SANs, each with its own type. */
static int
old_sans(
    const struct kiln_info *old, struct kiln_sans *sans, struct kiln_err *err)
{
	struct kiln_san san;
	size_t i;

	memset(&san, 0, sizeof(san));
	san.type = KILN_SAN_DNS;
	for (i = 0; i < old->ndns; i++) {
		san.value = old->dns[i];
		if (kiln_sans_add_typed(sans, &san, err) == -1)
			return -1;
	}
	san.type = KILN_SAN_IP;
	for (i = 0; i < old->nips; i++) {
		san.value = old->ips[i];
		san.ip_len = kiln_ip_parse(san.value, san.ip);
		if (san.ip_len == 0)
			return kiln_err_set(
			    err, KILN_EINVAL, "bad IP SAN %s", san.value);
		if (kiln_sans_add_typed(sans, &san, err) == -1)
			return -1;
	}
	san.type = KILN_SAN_EMAIL;
	san.ip_len = 0;
	for (i = 0; i < old->nemails; i++) {
		san.value = old->emails[i];
		if (kiln_sans_add_typed(sans, &san, err) == -1)
			return -1;
	}
	san.type = KILN_SAN_URI;
	for (i = 0; i < old->nuris; i++) {
		san.value = old->uris[i];
		if (kiln_sans_add_typed(sans, &san, err) == -1)
			return -1;
	}
	return 0;
}

/* A profile that gives the old certificate's usages and constraints. */
static int
old_profile(
    const struct kiln_info *old, struct kiln_profile *p, struct kiln_err *err)
{
	unsigned int ku;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->expiry = (old->not_after - old->not_before) * NS_PER_SEC;
	p->backdate = 5 * 60 * NS_PER_SEC;
	p->ku = old->ku;
	if (old->neku > 0 &&
	    (p->eku = calloc(old->neku, sizeof(*p->eku))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (i = 0; i < old->neku; i++) {
		if (kiln_config_usage(old->eku[i], &ku, &p->eku[i]) != 2)
			return kiln_err_set(err, KILN_EINVAL,
			    "extended key usage %s: kiln cannot write it",
			    old->eku[i]);
		p->n_eku++;
	}
	p->is_ca = old->is_ca;
	p->max_path_len = old->max_path_len > 0 ? old->max_path_len : 0;
	p->max_path_len_zero = old->is_ca && old->max_path_len == 0;
	return 0;
}

/* Extensions a renewal writes: those kiln_issue makes from a profile. */
static int
carried(const char *oid, const struct kiln_profile *p)
{
	static const char *const always[] = {"2.5.29.15", "2.5.29.37",
	    "2.5.29.19", "2.5.29.17", "2.5.29.14", "2.5.29.35", NULL};
	size_t i;

	for (i = 0; always[i] != NULL; i++)
		if (strcmp(always[i], oid) == 0)
			return 1;
	return (strcmp(oid, "1.3.6.1.5.5.7.1.1") == 0 &&
	           (p->ocsp_url != NULL || p->n_issuer_urls > 0)) ||
	       (strcmp(oid, "2.5.29.31") == 0 && p->crl_url != NULL) ||
	       (strcmp(oid, "1.3.6.1.5.5.7.48.1.5") == 0 && p->ocsp_no_check) ||
	       (strcmp(oid, "2.5.29.32") == 0 && p->policies != NULL);
}

int
kiln_renew(struct kiln_buf *out, const struct kiln_info *old,
    const struct kiln_renew *opts, const struct kiln_cert *ca,
    struct kiln_key *ca_key, struct kiln_rng *rng, time_t now, char ***dropped,
    size_t *n_dropped, struct kiln_err *err)
{
	enum kiln_renew_kind kind = kiln_renew_kind(old, ca);
	struct kiln_profile own, p;
	struct kiln_buf spki;
	struct kiln_certreq cr;
	struct kiln_sans sans;
	struct x509_tbs t;
	const char *cn;
	size_t i;
	int rc = -1;

	memset(&own, 0, sizeof(own));
	kiln_buf_init(&spki);
	kiln_sans_init(&sans);
	if (kind == KILN_RENEW_FOREIGN) {
		kiln_err_set(err, KILN_EINVAL, "not issued by this CA");
		goto cleanup;
	}
	if (kind == KILN_RENEW_SELF_INTERMEDIATE) {
		kiln_err_set(err, KILN_EINVAL,
		    "the intermediate CA given as -ca: only its issuer can "
		    "renew "
		    "it");
		goto cleanup;
	}
	if (kind == KILN_RENEW_CA && opts->new_key != NULL) {
		kiln_err_set(err, KILN_EINVAL,
		    "the CA itself: a new key would orphan every certificate "
		    "it issued");
		goto cleanup;
	}
	if (kind == KILN_RENEW_CA && opts->profile != NULL &&
	    !opts->profile->is_ca) {
		kiln_err_set(err, KILN_EINVAL,
		    "the CA itself: a profile without ca_constraint is_ca "
		    "would make it a leaf");
		goto cleanup;
	}
	if (opts->profile == NULL && old->ku == 0 && old->neku == 0 &&
	    kind != KILN_RENEW_CA) {
		kiln_err_set(err, KILN_EINVAL,
		    "it has neither key usage nor extended key usage: give "
		    "the usages with -config and -profile");
		goto cleanup;
	}
	if (x509_tbs(old->der.p, old->der.len, &t) == -1) {
		kiln_err_set(err, KILN_EINVAL, "not a certificate");
		goto cleanup;
	}
	if (old_profile(old, &own, err) == -1 ||
	    old_sans(old, &sans, err) == -1)
		goto cleanup;
	/* A CA with no usages at all (OpenSSL's v3_ca): cfssl's CA usages. */
	if (kind == KILN_RENEW_CA && own.ku == 0 && own.n_eku == 0)
		own.ku = KILN_KU_CERT_SIGN | KILN_KU_CRL_SIGN;
	p = opts->profile != NULL ? *opts->profile : own;
	if (opts->expiry > 0)
		p.expiry = opts->expiry;
	if (opts->new_key != NULL &&
	    kiln_key_write_spki(opts->new_key, &spki, err) == -1)
		goto cleanup;
	memset(&cr, 0, sizeof(cr));
	cr.subject = t.subject.p;
	cr.subject_len = rd_len(&t.subject);
	cr.spki = opts->new_key != NULL ? spki.p : t.spki.p;
	cr.spki_len = opts->new_key != NULL ? spki.len : rd_len(&t.spki);
	cn = NULL;
	for (i = 0; i < old->subject.n; i++)
		if (strcmp(old->subject.attr[i].oid, "2.5.4.3") == 0)
			cn = old->subject.attr[i].value;
	cr.cn = cn;
	cr.sans = &sans;
	cr.keep_sans = 1;
	/* The same key keeps its identifier, which what it signed names. */
	if (opts->new_key == NULL && old->ski_len > 0) {
		cr.ski = old->ski;
		cr.ski_len = old->ski_len;
	}
	if (kiln_issue(out, &cr, &p, kind == KILN_RENEW_CA ? NULL : ca, ca_key,
	        rng, now, err) == -1)
		goto cleanup;
	if (old->nother_sans > 0 &&
	    kiln_strs_push(dropped, n_dropped,
	        "2.5.29.17 (its directory and other names)", err) == -1)
		goto cleanup;
	for (i = 0; i < old->next; i++)
		if (!carried(old->ext[i].oid, &p) &&
		    kiln_strs_push(dropped, n_dropped, old->ext[i].oid, err) ==
		        -1)
			goto cleanup;
	rc = 0;
cleanup:
	free(own.eku);
	kiln_buf_free(&spki);
	kiln_sans_free(&sans);
	return rc;
}

void
kiln_renew_job_init(struct kiln_renew_job *j)
{
	memset(j, 0, sizeof(*j));
	kiln_key_init(&j->key);
	kiln_buf_init(&j->der);
	kiln_err_clear(&j->err);
}

void
kiln_renew_job_free(struct kiln_renew_job *j)
{
	kiln_key_free(&j->key);
	kiln_buf_free(&j->der);
	kiln_strs_free(j->dropped, j->n_dropped);
	j->dropped = NULL;
	j->n_dropped = 0;
}

/* A kiln_renew_all run, shared by the pool's workers. */
struct renew_run {
	struct kiln_renew_job *jobs;
	const struct kiln_renew *opts;
	struct pool_signer *signers;
	time_t now;
};

/* Job "i" on worker "w": its failure stays in the job. */
static int
renew_job(void *arg, unsigned int w, size_t i, struct kiln_err *err)
{
	struct renew_run *r = arg;
	struct kiln_renew_job *j = &r->jobs[i];
	struct pool_signer *s = &r->signers[w];
	struct kiln_renew opts = *r->opts;

	(void)err;
	kiln_err_clear(&j->err);
	j->rc = -1;
	opts.new_key = NULL;
	if (j->rekey != NULL) {
		if (kiln_key_generate(&j->key, j->rekey, s->rng, &j->err) == -1)
			return 0;
		opts.new_key = &j->key;
	}
	if (kiln_renew(&j->der, j->old, &opts, s->ca, s->ca_key, s->rng, r->now,
	        &j->dropped, &j->n_dropped, &j->err) == -1)
		return 0;
	j->rc = 0;
	return 0;
}

int
kiln_renew_all(struct kiln_renew_job *jobs, size_t n,
    const struct kiln_renew *opts, const struct kiln_cert *ca,
    struct kiln_key *ca_key, struct kiln_rng *rng, time_t now,
    unsigned int threads, struct kiln_err *err)
{
	struct renew_run r;
	int rc = -1;

	if (n == 0)
		return 0;
	threads = pool_threads(n, threads);
	r.jobs = jobs;
	r.opts = opts;
	r.now = now;
	if ((r.signers = pool_signers_new(
	         threads, rng, ca, ca_key, "kiln renew", err)) == NULL)
		goto cleanup;
	if (pool_run(n, threads, renew_job, NULL, &r, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	pool_signers_free(r.signers, threads);
	return rc;
}
