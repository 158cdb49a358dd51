/*
 * Renewal: the old certificate's subject, names and usages issued again
 * through the pipeline (kiln_gen_cert, then kiln_issue), so a renewed
 * certificate is built exactly as a new one would be.
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include "asn1/oid.h"
#include "core/ecwarm.h"
#include "kiln/duration.h"
#include "kiln/signer.h"
#include "kiln/renew.h"
#include "kiln/verify.h"
#include "pki/pool.h"
#include "core/strs.h"
#include "asn1/x509.h"

/*
 * Whether the certificate DER "der" carries a signature that verifies
 * with the public key "pk" (RSA PKCS#1 v1.5 or ECDSA).
 */
static int
signed_with(const unsigned char *der, size_t len, const mbedtls_pk_context *pk)
{
	unsigned char hash[MBEDTLS_MD_MAX_SIZE];
	struct rd r = {(unsigned char *)der, (unsigned char *)der + len}, cert,
	          tbs, alg, oid, sig, v;
	const mbedtls_md_info_t *mdi;
	mbedtls_x509_buf o;
	mbedtls_md_type_t md;
	mbedtls_pk_type_t pk_alg;
	int tag;

	if (rd_tag(&r, 0x30, &cert) == -1 ||
	    rd_any(&cert, &tag, &v, &tbs) == -1 || tag != 0x30 ||
	    rd_tag(&cert, 0x30, &alg) == -1 || rd_tag(&alg, 0x06, &oid) == -1 ||
	    rd_tag(&cert, 0x03, &sig) == -1 || rd_len(&sig) < 1 ||
	    sig.p[0] != 0)
		return 0;
	o.tag = MBEDTLS_ASN1_OID;
	o.p = oid.p;
	o.len = rd_len(&oid);
	if (mbedtls_oid_get_sig_alg(&o, &md, &pk_alg) != 0 ||
	    (pk_alg != MBEDTLS_PK_RSA && pk_alg != MBEDTLS_PK_ECDSA) ||
	    !mbedtls_pk_can_do(pk, pk_alg) ||
	    (mdi = mbedtls_md_info_from_type(md)) == NULL ||
	    mbedtls_md(mdi, tbs.p, rd_len(&tbs), hash) != 0)
		return 0;
	/* mbedTLS takes no const; verifying changes nothing. */
	return kiln_pk_verify_warm((mbedtls_pk_context *)pk, md, hash,
	           mbedtls_md_get_size(mdi), sig.p + 1, rd_len(&sig) - 1) == 0;
}

enum kiln_renew_kind
kiln_renew_kind(const struct kiln_info *old, const struct kiln_cert *ca)
{
	struct x509_tbs o, c;
	struct kiln_cert crt;
	struct kiln_err ignored;
	uint32_t flags = 0;
	int ret, signed_by;

	if (x509_tbs(old->der.p, old->der.len, &o) == -1 ||
	    x509_tbs(ca->crt.raw.p, ca->crt.raw.len, &c) == -1)
		return KILN_RENEW_FOREIGN;
	if (rd_equal(&o.subject, &c.subject) && rd_equal(&o.spki, &c.spki)) {
		if (!rd_equal(&o.issuer, &o.subject))
			return KILN_RENEW_SELF_INTERMEDIATE;
		/* The CA's name and key cost nothing to copy: only its
		 * signature tells the CA's own certificate from a forgery. */
		return signed_with(old->der.p, old->der.len, &ca->crt.pk)
		           ? KILN_RENEW_CA
		           : KILN_RENEW_FORGED_CA;
	}
	/* kiln_cert_parse accepts critical extensions mbedTLS does not know:
	 * a certificate policy must not make a leaf look foreign.  Only the
	 * dates may fail: any other flag, or any other error, is foreign. */
	kiln_cert_init(&crt);
	kiln_err_clear(&ignored);
	signed_by = 0;
	if (kiln_cert_parse(&crt, old->der.p, old->der.len, &ignored) == 0) {
		ret = mbedtls_x509_crt_verify(&crt.crt,
		    (mbedtls_x509_crt *)&ca->crt, NULL, NULL, &flags, NULL,
		    NULL);
		signed_by =
		    ret == 0 ||
		    (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags != 0 &&
		        (flags & ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED |
		                             MBEDTLS_X509_BADCERT_FUTURE)) ==
		            0);
	}
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

/*
 * A profile that gives the old certificate's usages and constraints, and
 * its lifetime, or an expiry of -1 when that does not fit a duration
 * (notAfter 9999-12-31, RFC 5280's "no expiration date").
 */
static int
old_profile(
    const struct kiln_info *old, struct kiln_profile *p, struct kiln_err *err)
{
	unsigned int ku;
	int64_t life;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (kiln_duration_sub(old->not_after, old->not_before, &life) == -1 ||
	    kiln_duration_from_seconds(life, &p->expiry) == -1)
		p->expiry = -1;
	p->backdate = 5 * KILN_NS_MINUTE;
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

/*
 * The extensions a renewal carries over byte for byte: what they say
 * limits what the certificate may be used for, and dropping one would
 * widen it.
 */
/* clang-format off */
static const char *const kept[] = {
	KILN_OID_EXT_NAME_CONSTRAINTS,
	KILN_OID_EXT_POLICIES,
	KILN_OID_EXT_POLICY_CONSTRAINTS,
	KILN_OID_EXT_INHIBIT_ANY_POLICY,
	NULL
};
/* clang-format on */

static int
is_kept(const char *oid)
{
	size_t i;

	for (i = 0; kept[i] != NULL; i++)
		if (strcmp(kept[i], oid) == 0)
			return 1;
	return 0;
}

/*
 * The whole Extension elements of "old" that is_kept() names, appended to
 * "out" in their order; the contents of its certificatePolicies into
 * "*pol" (NULL if none).
 */
static int
kept_extensions(const struct x509_tbs *t, struct kiln_buf *out, struct rd *pol,
    struct kiln_err *err)
{
	struct rd exts = t->exts, seq, ext, whole, oid, v;
	char dotted[64];
	int tag;

	memset(pol, 0, sizeof(*pol));
	if (rd_len(&exts) == 0)
		return 0;
	if (rd_tag(&exts, 0xa3, &exts) == -1 || rd_tag(&exts, 0x30, &seq) == -1)
		return kiln_err_set(err, KILN_EINVAL, "malformed extensions");
	while (seq.p < seq.end) {
		if (rd_any(&seq, &tag, &ext, &whole) == -1 || tag != 0x30 ||
		    rd_tag(&ext, 0x06, &oid) == -1 ||
		    !rd_oid_dotted(oid.p, rd_len(&oid), dotted, sizeof(dotted)))
			return kiln_err_set(
			    err, KILN_EINVAL, "malformed extension");
		if (!is_kept(dotted))
			continue;
		if (strcmp(dotted, KILN_OID_EXT_POLICIES) == 0) {
			if (rd_peek(&ext, 0x01) &&
			    rd_any(&ext, &tag, &v, NULL) == -1)
				return kiln_err_set(
				    err, KILN_EINVAL, "malformed extension");
			if (rd_tag(&ext, 0x04, pol) == -1)
				return kiln_err_set(
				    err, KILN_EINVAL, "malformed extension");
		}
		if (kiln_buf_append(out, whole.p, rd_len(&whole), err) == -1)
			return -1;
	}
	return 0;
}

/* The pathLenConstraint kiln_issue writes for "p": -1 for none. */
static int
profile_pathlen(const struct kiln_profile *p)
{
	if (p->max_path_len > 0 ||
	    (p->max_path_len == 0 && p->max_path_len_zero))
		return p->max_path_len;
	return -1;
}

/*
 * A CA renewed under "p" keeps what it may issue: still a CA with the
 * same path length, or no CA at all (an intermediate made a leaf by a
 * profile, which only narrows it).
 */
static int
check_pathlen(const struct kiln_info *old, const struct kiln_profile *p,
    struct kiln_err *err)
{
	char was[16], would[16];
	int n = profile_pathlen(p);

	if (!old->is_ca || !p->is_ca || n == old->max_path_len)
		return 0;
	snprintf(was, sizeof(was), "%d", old->max_path_len);
	snprintf(would, sizeof(would), "%d", n);
	return kiln_err_set(err, KILN_EPOLICY,
	    "basicConstraints: the profile's path length (%s) is not the "
	    "certificate's (%s), which a renewal keeps",
	    n < 0 ? "none" : would, old->max_path_len < 0 ? "none" : was);
}

/* Extensions a renewal writes: those kiln_issue makes from a profile. */
static int
carried(const char *oid, const struct kiln_profile *p)
{
	static const char *const always[] = {KILN_OID_EXT_KU, KILN_OID_EXT_EKU,
	    KILN_OID_EXT_BC, KILN_OID_EXT_SAN, KILN_OID_EXT_SKI,
	    KILN_OID_EXT_AKI, NULL};
	size_t i;

	for (i = 0; always[i] != NULL; i++)
		if (strcmp(always[i], oid) == 0)
			return 1;
	return is_kept(oid) ||
	       (strcmp(oid, KILN_OID_EXT_AIA) == 0 &&
	           (p->ocsp_url != NULL || p->n_issuer_urls > 0)) ||
	       (strcmp(oid, KILN_OID_EXT_CRL_DP) == 0 && p->crl_url != NULL) ||
	       (strcmp(oid, KILN_OID_EXT_OCSP_NO_CHECK) == 0 &&
	           p->ocsp_no_check) ||
	       (strcmp(oid, KILN_OID_EXT_POLICIES) == 0 && p->policies != NULL);
}

/* kiln_renew, saying in "*why" (unless NULL) which refusal it was. */
static int
renew_cert(struct kiln_buf *out, const struct kiln_info *old,
    const struct kiln_renew *opts, const struct kiln_cert *ca,
    struct kiln_key *ca_key, struct kiln_rng *rng, time_t now, char ***dropped,
    size_t *n_dropped, enum kiln_renew_why *why, struct kiln_err *err)
{
	enum kiln_renew_kind kind = kiln_renew_kind(old, ca);
	struct kiln_profile own, p;
	struct kiln_buf spki, keep;
	struct kiln_certreq cr;
	struct kiln_gen_in in;
	struct kiln_signer signer;
	struct kiln_sans sans;
	struct x509_tbs t;
	struct rd pol;
	const char *cn;
	size_t i;
	int rc = -1;

	memset(&own, 0, sizeof(own));
	kiln_signer_init(&signer);
	kiln_buf_init(&spki);
	kiln_buf_init(&keep);
	kiln_sans_init(&sans);
	if (kind == KILN_RENEW_FOREIGN && opts->other_ca)
		kind = KILN_RENEW_LEAF;
	if (kind == KILN_RENEW_FOREIGN) {
		/* Two CAs often share a name: their key identifiers differ. */
		if (kiln_verify_key_ids(
		        &keep, old->der.p, old->der.len, &ca->crt, err) == 0)
			kiln_err_set(err, KILN_EINVAL,
			    "not issued by this CA: %s", (char *)keep.p);
		goto cleanup;
	}
	if (kind == KILN_RENEW_FORGED_CA) {
		kiln_err_set(err, KILN_EINVAL,
		    "the CA's subject and key, but not signed by the CA key: "
		    "a forged CA certificate, refused");
		goto cleanup;
	}
	if (kind == KILN_RENEW_SELF_INTERMEDIATE) {
		kiln_err_set(err, KILN_EINVAL,
		    "the intermediate CA given as its own CA: only its issuer "
		    "can renew it");
		if (why != NULL)
			*why = KILN_RENEW_WHY_INTERMEDIATE;
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
		    "it has neither key usage nor extended key usage: a "
		    "profile must give the usages");
		if (why != NULL)
			*why = KILN_RENEW_WHY_NO_USAGES;
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
	if (p.expiry < 0) {
		kiln_err_set(err, KILN_EINVAL,
		    "its lifetime, %lld days, is more than kiln can write "
		    "(%lld days at most): renew it with an expiry",
		    (old->not_after - old->not_before) / 86400,
		    (long long)(INT64_MAX / KILN_NS_DAY));
		if (why != NULL)
			*why = KILN_RENEW_WHY_LIFETIME;
		goto cleanup;
	}
	if (kept_extensions(&t, &keep, &pol, err) == -1 ||
	    check_pathlen(old, &p, err) == -1)
		goto cleanup;
	if (pol.p != NULL && p.policies != NULL &&
	    (p.policies_len != rd_len(&pol) ||
	        memcmp(p.policies, pol.p, p.policies_len) != 0)) {
		kiln_err_set(err, KILN_EPOLICY,
		    "certificatePolicies: the profile's are not the "
		    "certificate's, which a renewal keeps");
		goto cleanup;
	}
	/* Anything critical that is neither written nor kept is a limit
	 * the renewed certificate would lose. */
	for (i = 0; i < old->next; i++)
		if (old->ext[i].critical && !carried(old->ext[i].oid, &p)) {
			kiln_err_set(err, KILN_EPOLICY,
			    "critical extension %s: kiln cannot carry it over",
			    old->ext[i].oid);
			goto cleanup;
		}
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
		if (strcmp(old->subject.attr[i].oid, KILN_OID_AT_CN) == 0)
			cn = old->subject.attr[i].value;
	cr.cn = cn;
	cr.sans = &sans;
	/* The same key keeps its identifier, which what it signed names. */
	if (opts->new_key == NULL && old->ski_len > 0) {
		cr.ski = old->ski;
		cr.ski_len = old->ski_len;
	}
	if (keep.len > 0) {
		cr.extra = keep.p;
		cr.extra_len = keep.len;
	}
	/* The CA itself is signed by its own key, with no signer. */
	memset(&in, 0, sizeof(in));
	in.certreq = &cr;
	in.key = ca_key;
	in.flags = KILN_GEN_KEEP_SANS;
	kiln_signer_use(&signer, ca, ca_key);
	if (kiln_gen_cert(out, NULL, &in,
	        kind == KILN_RENEW_CA ? NULL : &signer, &p, rng, now,
	        err) == -1)
		goto cleanup;
	if (old->nother_sans > 0 &&
	    kiln_strs_push(dropped, n_dropped,
	        KILN_OID_EXT_SAN " (its directory and other names)", err) == -1)
		goto cleanup;
	for (i = 0; i < old->next; i++)
		if (!carried(old->ext[i].oid, &p) &&
		    kiln_strs_push(dropped, n_dropped, old->ext[i].oid, err) ==
		        -1)
			goto cleanup;
	rc = 0;
cleanup:
	free(own.eku);
	kiln_signer_free(&signer); /* borrows the CA: frees nothing */
	kiln_buf_free(&spki);
	kiln_buf_free(&keep);
	kiln_sans_free(&sans);
	return rc;
}

int
kiln_renew(struct kiln_buf *out, const struct kiln_info *old,
    const struct kiln_renew *opts, const struct kiln_cert *ca,
    struct kiln_key *ca_key, struct kiln_rng *rng, time_t now, char ***dropped,
    size_t *n_dropped, struct kiln_err *err)
{
	return renew_cert(out, old, opts, ca, ca_key, rng, now, dropped,
	    n_dropped, NULL, err);
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
	j->why = KILN_RENEW_WHY_OTHER;
	opts.new_key = NULL;
	if (j->rekey != NULL) {
		struct kiln_keyreq kr = *j->rekey;

		kr.threads = s->key_threads;
		if (kiln_key_generate(&j->key, &kr, s->rng, &j->err) == -1)
			return 0;
		opts.new_key = &j->key;
	}
	if (renew_cert(&j->der, j->old, &opts, s->ca, s->ca_key, s->rng, r->now,
	        &j->dropped, &j->n_dropped, &j->why, &j->err) == -1)
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
