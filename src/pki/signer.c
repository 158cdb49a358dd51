/*
 * The issuance pipeline: request -> key -> CSR -> certificate.
 */
#include <string.h>

#include "kiln/csr.h"
#include "kiln/gen.h"
#include "kiln/issue.h"
#include "kiln/name.h"
#include "kiln/signer.h"

void
kiln_signer_init(struct kiln_signer *s)
{
	s->ca = NULL;
	s->key = NULL;
	kiln_cert_init(&s->own_ca);
	kiln_key_init(&s->own_key);
}

void
kiln_signer_free(struct kiln_signer *s)
{
	kiln_cert_free(&s->own_ca);
	kiln_key_free(&s->own_key);
	kiln_signer_init(s);
}

void
kiln_signer_use(
    struct kiln_signer *s, const struct kiln_cert *ca, struct kiln_key *key)
{
	s->ca = ca;
	s->key = key;
}

int
kiln_signer_open(struct kiln_signer *s, const struct kiln_buf *cert,
    const char *cert_name, const struct kiln_buf *key, const char *key_name,
    const char *password, struct kiln_rng *rng, struct kiln_err *err)
{
	if (kiln_ca_load(&s->own_ca, &s->own_key, cert, cert_name, key,
	        key_name, password, rng, err) == -1)
		return -1;
	kiln_signer_use(s, &s->own_ca, &s->own_key);
	return 0;
}

/* A csr.json request's parts, as every generating command makes them. */
struct parts {
	struct kiln_sans sans;
	struct kiln_buf subject, spki;
};

static void
parts_init(struct parts *p)
{
	kiln_sans_init(&p->sans);
	kiln_buf_init(&p->subject);
	kiln_buf_init(&p->spki);
}

static void
parts_free(struct parts *p)
{
	kiln_sans_free(&p->sans);
	kiln_buf_free(&p->subject);
	kiln_buf_free(&p->spki);
}

/*
 * The hosts as SANs, the key (generated if asked), the subject (a request
 * that names nothing refused) and the public key, in that order.
 */
static int
parts_make(struct parts *p, const struct kiln_gen_in *in, struct kiln_rng *rng,
    struct kiln_err *err)
{
	const struct kiln_request *req = in->req;
	struct kiln_err e;
	size_t i;

	for (i = 0; i < req->n_hosts; i++)
		if (kiln_sans_add(&p->sans, req->hosts[i], err) == -1)
			return -1;
	if ((in->flags & KILN_GEN_NEW_KEY) &&
	    kiln_key_generate(in->key, &req->key, rng, err) == -1)
		return -1;
	kiln_err_clear(&e);
	if (kiln_name_from_request(&p->subject, req, &e) == -1 ||
	    kiln_gen_check_not_empty(&p->subject, req, &e) == -1) {
		if (in->name == NULL)
			return kiln_err_pass(err, &e);
		return kiln_err_pass_prefix(err, &e, "%s", in->name);
	}
	return kiln_key_write_spki(in->key, &p->spki, err);
}

int
kiln_gen_check_hosts(const struct kiln_request *req, struct kiln_err *err)
{
	struct kiln_sans sans;
	size_t i;
	int rc = 0;

	kiln_sans_init(&sans);
	for (i = 0; i < req->n_hosts && rc == 0; i++)
		rc = kiln_sans_add(&sans, req->hosts[i], err);
	kiln_sans_free(&sans);
	return rc;
}

/* The CSR of "p", signed by in->key. */
static int
parts_csr(struct kiln_buf *csr, const struct parts *p,
    const struct kiln_gen_in *in, struct kiln_rng *rng, struct kiln_err *err)
{
	return kiln_csr_create(csr, p->subject.p, p->subject.len, in->key,
	    &p->sans, (in->flags & KILN_GEN_CSR_CA) ? &in->req->ca : NULL, rng,
	    err);
}

int
kiln_gen_csr(struct kiln_buf *csr, const struct kiln_gen_in *in,
    struct kiln_rng *rng, struct kiln_err *err)
{
	struct parts p;
	int rc = -1;

	parts_init(&p);
	if (parts_make(&p, in, rng, err) == 0 &&
	    parts_csr(csr, &p, in, rng, err) == 0)
		rc = 0;
	parts_free(&p);
	return rc;
}

/* A request made elsewhere: cfssl sign's checks, then issued as it is. */
static int
gen_from_csr(struct kiln_buf *cert, const struct kiln_gen_in *in,
    struct kiln_signer *signer, const struct kiln_profile *profile,
    struct kiln_rng *rng, time_t now, struct kiln_err *err)
{
	struct kiln_err e;

	if (signer == NULL || signer->ca == NULL)
		return kiln_err_set(err, KILN_EINVAL,
		    "a certificate request made elsewhere needs a CA");
	kiln_err_clear(&e);
	if (kiln_sign_check(in->csr, profile, signer->ca, &e) == -1 ||
	    (profile->copy_extensions &&
	        kiln_sign_copy_extensions(in->csr, &e) == -1)) {
		if (in->name == NULL)
			return kiln_err_pass(err, &e);
		return kiln_err_pass_prefix(err, &e, "%s", in->name);
	}
	return kiln_issue(cert, &in->csr->certreq, profile, signer->ca,
	    signer->key, rng, now, err);
}

int
kiln_gen_cert(struct kiln_buf *cert, struct kiln_buf *csr,
    const struct kiln_gen_in *in, struct kiln_signer *signer,
    const struct kiln_profile *profile, struct kiln_rng *rng, time_t now,
    struct kiln_err *err)
{
	struct kiln_certreq cr;
	struct parts p;
	int rc = -1;

	if (in->csr != NULL)
		return gen_from_csr(cert, in, signer, profile, rng, now, err);
	if (in->certreq != NULL) {
		/* A renewal: what the old certificate certified, as it was. */
		cr = *in->certreq;
		cr.keep_sans = (in->flags & KILN_GEN_KEEP_SANS) != 0;
		return kiln_issue(cert, &cr, profile,
		    signer != NULL ? signer->ca : NULL,
		    signer != NULL ? signer->key : in->key, rng, now, err);
	}
	parts_init(&p);
	if (parts_make(&p, in, rng, err) == -1 ||
	    (csr != NULL && parts_csr(csr, &p, in, rng, err) == -1))
		goto cleanup;
	memset(&cr, 0, sizeof(cr));
	cr.subject = p.subject.p;
	cr.subject_len = p.subject.len;
	cr.spki = p.spki.p;
	cr.spki_len = p.spki.len;
	cr.cn = in->req->cn;
	cr.sans = &p.sans;
	cr.keep_sans = (in->flags & KILN_GEN_KEEP_SANS) != 0;
	if (kiln_issue(cert, &cr, profile, signer != NULL ? signer->ca : NULL,
	        signer != NULL ? signer->key : in->key, rng, now, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	parts_free(&p);
	return rc;
}
