/*
 * sign, authsign and info: cfssl's signing endpoints, on libkiln's sign
 * pipeline (kiln_sign_request, kiln_gen_cert); and api_issue, which
 * issues and records every certificate kiln serve makes (newcert's too),
 * so that each is in the database before its reply is built.
 */
#include <stdlib.h>
#include <string.h>

#include "kiln/duration.h"
#include "kiln/pem.h"
#include "kiln/sign.h"
#include "serve/apipriv.h"

/* The request body as NUL-terminated text, for the JSON reader. */
static int
body_text(
    const struct serve_req *req, struct kiln_buf *text, struct kiln_err *err)
{
	if (kiln_buf_append(text, req->body, req->body_len, err) == -1)
		return -1;
	return kiln_buf_terminate(text, err);
}

/*
 * Record the certificate "der" just issued under "label" (certdb when
 * configured), and fill the reply's audit fields.  Returns 0, or -1 with
 * the envelope in "rep" (KILN_EEXIST: "*again" set, nothing in "rep").
 */
/* "n" strings of "v" onto the JSON array text "out" (no brackets). */
static int
json_strs(struct kiln_buf *out, char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((out->len > 1 && kiln_buf_append(out, ",", 1, NULL) == -1) ||
		    kiln_buf_append_json(out, v[i], strlen(v[i]), NULL) == -1)
			return -1;
	return 0;
}

/*
 * Every SAN of the certificate "der" for the audit line, as a JSON array
 * of strings: DNS names, IP addresses, email addresses, URIs (the
 * database's sans column, as cfssl's, holds the DNS names only).  Left
 * empty if the certificate cannot be read again.
 */
static void
audit_sans(struct serve_reply *rep, const struct kiln_buf *der)
{
	struct kiln_infos infos;
	const struct kiln_info *c;

	rep->sans.len = 0;
	kiln_infos_init(&infos);
	if (kiln_inspect_certs(&infos, der->p, der->len, NULL) == 0 &&
	    infos.n == 1) {
		c = &infos.v[0];
		if (kiln_buf_append(&rep->sans, "[", 1, NULL) == -1 ||
		    json_strs(&rep->sans, c->dns, c->ndns) == -1 ||
		    json_strs(&rep->sans, c->ips, c->nips) == -1 ||
		    json_strs(&rep->sans, c->emails, c->nemails) == -1 ||
		    json_strs(&rep->sans, c->uris, c->nuris) == -1 ||
		    kiln_buf_append(&rep->sans, "]", 1, NULL) == -1 ||
		    kiln_buf_terminate(&rep->sans, NULL) == -1)
			rep->sans.len = 0;
	}
	kiln_infos_free(&infos);
}

static int
record(struct serve_api *api, struct api_thread *t, const struct kiln_buf *der,
    const char *label, struct serve_reply *rep, int *again)
{
	struct kiln_certdb_row row;
	struct kiln_err e;
	int rc = -1;

	*again = 0;
	kiln_err_clear(&e);
	kiln_certdb_row_init(&row);
	if (kiln_certdb_row_from_cert(&row, der->p, der->len,
	        label != NULL ? label : "", api_now(api), &e) == -1) {
		api_fail(rep, 500, 0, "%s", e.msg);
		goto cleanup;
	}
	if (t->db != NULL && api->insert(t->db, &row, &e) == -1) {
		if (e.code == KILN_EEXIST)
			*again = 1;
		else
			api_fail(rep, 500, API_CODE_DB_INSERT,
			    "certificate database: %s", e.msg);
		goto cleanup;
	}
	/* The audit line's: never key material. */
	snprintf(rep->serial, sizeof(rep->serial), "%s", row.serial);
	snprintf(rep->cn, sizeof(rep->cn), "%s", row.common_name);
	audit_sans(rep, der);
	rc = 0;
cleanup:
	kiln_certdb_row_free(&row);
	return rc;
}

int
api_issue(struct serve_api *api, struct api_thread *t,
    const struct kiln_gen_in *in, const struct kiln_profile *profile,
    const char *label, struct kiln_buf *cert, struct kiln_buf *csr,
    void (*gen_fail)(struct serve_reply *, const struct kiln_err *),
    struct serve_reply *rep)
{
	struct kiln_err e;
	int again, tries;

	for (tries = 0; tries < API_ISSUE_TRIES; tries++) {
		kiln_err_clear(&e);
		cert->len = 0;
		if (csr != NULL)
			csr->len = 0;
		if (kiln_gen_cert(cert, csr, in, &t->signer, profile, &t->rng,
		        api_now(api), &e) == -1) {
			gen_fail(rep, &e);
			return -1;
		}
		if (record(api, t, cert, label, rep, &again) == 0)
			return 0;
		if (!again)
			return -1;
	}
	api_fail(rep, 500, API_CODE_DB_INSERT,
	    "certificate database: no free serial number");
	return -1;
}

/* sign's and authsign's words for a certificate that cannot be made. */
static void
sign_fail(struct serve_reply *rep, const struct kiln_err *e)
{
	if (e->code == KILN_EPOLICY || e->code == KILN_EINVAL)
		api_fail(rep, 400, API_CODE_POLICY, "%s", e->msg);
	else
		api_fail(rep, 500, 0, "%s", e->msg);
}

/* Replace the request's SANs by the "hosts" array (even []). */
static int
set_hosts(struct kiln_signreq *sr, const cJSON *hosts, struct kiln_err *err)
{
	struct kiln_sans sans;
	const cJSON *c;
	int rc = -1;

	kiln_sans_init(&sans);
	for (c = hosts->child; c != NULL; c = c->next)
		if (kiln_sans_add(&sans, c->valuestring, err) == -1)
			goto cleanup;
	kiln_sans_free(&sr->sans);
	sr->sans = sans;
	kiln_sans_init(&sans); /* owned by sr */
	sr->certreq.sans = &sr->sans;
	rc = 0;
cleanup:
	kiln_sans_free(&sans);
	return rc;
}

/* {"certificate": PEM} around the DER "der", as the success reply. */
static int
reply_cert(
    struct serve_reply *rep, const struct kiln_buf *der, struct kiln_err *err)
{
	struct kiln_buf pem, result;
	int rc = -1;

	kiln_buf_init(&pem);
	kiln_buf_init(&result);
	if (kiln_pem_write(&pem, "CERTIFICATE", der->p, der->len, err) == -1 ||
	    kiln_buf_printf(&result, err, "{\"certificate\":") == -1 ||
	    kiln_buf_append_json(&result, (const char *)pem.p, pem.len, err) ==
	        -1 ||
	    kiln_buf_printf(&result, err, "}") == -1 ||
	    api_ok(rep, &result, NULL, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&pem);
	kiln_buf_free(&result);
	return rc;
}

void
api_issue_signreq(struct serve_api *api, struct api_thread *t,
    const struct api_signreq *r, const struct kiln_profile *profile,
    struct serve_reply *rep)
{
	struct kiln_signreq sr;
	struct kiln_gen_in in;
	struct kiln_buf cert;
	struct kiln_err e;
	char *subject = NULL;

	kiln_signreq_init(&sr);
	kiln_buf_init(&cert);
	kiln_err_clear(&e);
	/* kiln's profiles never take a serial from the client. */
	if (r->has_serial) {
		api_fail(rep, 400, 400,
		    "serial: the profile does not allow client-provided serial "
		    "numbers");
		goto cleanup;
	}
	if (kiln_sign_request(&sr,
	        (const unsigned char *)r->certificate_request,
	        strlen(r->certificate_request), &e) == -1) {
		api_fail(rep, 400, API_CODE_CSR_DECODE,
		    "certificate_request: %s", e.msg);
		goto cleanup;
	}
	if (kiln_sign_key_check(&sr, &e) == -1) {
		api_fail(rep, 400, API_CODE_CSR_DECODE,
		    "certificate_request: %s", e.msg);
		goto cleanup;
	}
	if (r->subject != NULL) {
		if ((subject = cJSON_PrintUnformatted(r->subject)) == NULL) {
			api_fail(rep, 500, 0, "out of memory");
			goto cleanup;
		}
		if (kiln_sign_subject(&sr, subject, strlen(subject), &e) ==
		    -1) {
			api_fail(rep, 400, 400, "subject: %s", e.msg);
			goto cleanup;
		}
	}
	/* A non-empty hostname wins; hosts null keeps, [] empties. */
	if (r->hostname != NULL && *r->hostname != '\0') {
		if (kiln_sign_hosts(&sr, r->hostname, &e) == -1) {
			api_fail(rep, 400, 400, "hostname: %s", e.msg);
			goto cleanup;
		}
	} else if (r->hosts != NULL && set_hosts(&sr, r->hosts, &e) == -1) {
		api_fail(rep, 400, 400, "hosts: %s", e.msg);
		goto cleanup;
	}
	in = (struct kiln_gen_in){.csr = &sr};
	if (api_issue(api, t, &in, profile, r->label, &cert, NULL, sign_fail,
	        rep) == -1)
		goto cleanup;
	if (reply_cert(rep, &cert, &e) == -1) {
		api_fail(rep, 500, 0, "%s", e.msg);
		goto cleanup;
	}
	rep->issued = 1;
cleanup:
	if (subject != NULL)
		cJSON_free(subject);
	kiln_signreq_free(&sr);
	kiln_buf_free(&cert);
}

void
api_sign(struct serve_api *api, struct api_thread *t,
    const struct serve_req *req, struct serve_reply *rep)
{
	const struct kiln_profile *p;
	struct api_signreq r;
	struct kiln_buf text;
	struct kiln_err e;
	cJSON *root = NULL;

	kiln_buf_init(&text);
	kiln_err_clear(&e);
	if (body_text(req, &text, &e) == -1) {
		api_fail(rep, 500, 0, "%s", e.msg);
		goto cleanup;
	}
	if (api_parse_sign(&root, &r, (const char *)text.p, text.len, &e) ==
	    -1) {
		api_fail(
		    rep, 400, 400, "Unable to parse sign request: %s", e.msg);
		goto cleanup;
	}
	if (r.certificate_request == NULL || *r.certificate_request == '\0') {
		api_fail(
		    rep, 400, 400, "missing parameter 'certificate_request'");
		goto cleanup;
	}
	if ((p = api_profile(api, r.profile, r.label, rep)) == NULL)
		goto cleanup;
	if (p->auth_key != NULL) { /* cfssl's answer */
		api_fail(rep, 400, 400, "authentication required");
		goto cleanup;
	}
	/* kiln: a server with any auth key issues to authsign only. */
	if (api->has_auth) {
		api_fail(rep, 401, 401,
		    "authentication required: this server issues through "
		    "authsign only");
		goto cleanup;
	}
	api_issue_signreq(api, t, &r, p, rep);
cleanup:
	cJSON_Delete(root);
	kiln_buf_free(&text);
}

void
api_authsign(struct serve_api *api, struct api_thread *t,
    const struct serve_req *req, struct serve_reply *rep)
{
	const struct kiln_profile *p;
	struct kiln_auth_key *k = NULL;
	struct api_authreq a;
	struct api_signreq r;
	struct kiln_buf text;
	struct kiln_err e;
	cJSON *root = NULL;
	time_t now = 0;
	int claimed = 0, rc;

	kiln_buf_init(&text);
	api_authreq_init(&a);
	kiln_err_clear(&e);
	if (body_text(req, &text, &e) == -1) {
		api_fail(rep, 500, 0, "%s", e.msg);
		goto cleanup;
	}
	if (api_parse_auth(&a, (const char *)text.p, text.len, &e) == -1) {
		api_fail(rep, 400, 400, "%s", e.msg);
		goto cleanup;
	}
	if (api_parse_sign(&root, &r, (const char *)a.request.p, a.request.len,
	        &e) == -1) {
		api_fail(rep, 400, 400,
		    "Unable to parse authenticated sign request: %s", e.msg);
		goto cleanup;
	}
	if ((p = api_profile(api, r.profile, r.label, rep)) == NULL)
		goto cleanup;
	if (p->auth_key == NULL ||
	    (k = kiln_config_auth_key(api->config, p->auth_key)) == NULL) {
		api_fail(rep, 400, 400, "no authentication provider");
		goto cleanup;
	}
	if (!api_auth_check(
	        k, a.request.p, a.request.len, a.token.p, a.token.len)) {
		api_fail(rep, 400, 400, "invalid token");
		goto cleanup;
	}
	snprintf(rep->identity, sizeof(rep->identity), "%s", k->name);
	now = api_now(api);
	if ((rc = api_token_claim(api, t, k, a.token.p, now, &e)) != 0) {
		if (rc == 1)
			api_fail(rep, 400, 400, "token already used");
		else if (t->db != NULL)
			api_fail(rep, 500, API_CODE_DB,
			    "certificate database: %s", e.msg);
		else
			api_fail(rep, 500, 0, "%s", e.msg);
		goto cleanup;
	}
	claimed = 1;
	if (r.certificate_request == NULL || *r.certificate_request == '\0') {
		api_fail(
		    rep, 400, 400, "missing parameter 'certificate_request'");
		goto cleanup;
	}
	api_issue_signreq(api, t, &r, p, rep);
cleanup:
	/* A request not served leaves its token usable again. */
	if (claimed && !rep->issued)
		api_token_release(api, t, k, a.token.p, now);
	cJSON_Delete(root);
	api_authreq_free(&a);
	kiln_buf_free(&text);
}

/* DefaultConfig's usages, for a profile that has none written. */
static const char *const default_usages[] = {
    "signing", "key encipherment", "server auth", "client auth"};

void
api_info(struct serve_api *api, struct api_thread *t,
    const struct serve_req *req, struct serve_reply *rep)
{
	const struct kiln_profile *p;
	const char *label, *profile, *u;
	struct kiln_buf text, result;
	char expiry[64];
	struct kiln_err e;
	cJSON *root = NULL;
	size_t i, n;
	int dflt;

	(void)t;
	kiln_buf_init(&text);
	kiln_buf_init(&result);
	kiln_err_clear(&e);
	if (body_text(req, &text, &e) == -1) {
		api_fail(rep, 500, 0, "%s", e.msg);
		goto cleanup;
	}
	if (api_parse_info(&root, &label, &profile, (const char *)text.p,
	        text.len, &e) == -1) {
		api_fail(rep, 400, 400, "%s", e.msg);
		goto cleanup;
	}
	if ((p = api_profile(api, profile, label, rep)) == NULL)
		goto cleanup;
	/* DefaultConfig (no -config) has no text: cfssl's own words. */
	dflt = p->expiry_text == NULL && p == &api->config->def;
	if (p->expiry_text != NULL)
		snprintf(expiry, sizeof(expiry), "%s", p->expiry_text);
	else if (dflt)
		snprintf(expiry, sizeof(expiry), "8760h");
	else
		kiln_duration_format(p->expiry, expiry, sizeof(expiry));
	n = dflt && p->n_usage_names == 0 ? 4 : p->n_usage_names;
	if (kiln_buf_printf(&result, &e, "{\"certificate\":") == -1 ||
	    kiln_buf_append_json(&result, (const char *)api->ca_pem.p,
	        api->ca_pem.len, &e) == -1 ||
	    kiln_buf_printf(&result, &e, ",\"usages\":[") == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		u = p->n_usage_names > 0 ? p->usage_names[i]
		                         : default_usages[i];
		if ((i > 0 && kiln_buf_printf(&result, &e, ",") == -1) ||
		    kiln_buf_append_json(&result, u, strlen(u), &e) == -1)
			goto fail;
	}
	if (kiln_buf_printf(&result, &e, "],\"expiry\":") == -1 ||
	    kiln_buf_append_json(&result, expiry, strlen(expiry), &e) == -1 ||
	    kiln_buf_printf(&result, &e, "}") == -1 ||
	    api_ok(rep, &result, NULL, &e) == -1)
		goto fail;
	goto cleanup;
fail:
	api_fail(rep, 500, 0, "%s", e.msg);
cleanup:
	cJSON_Delete(root);
	kiln_buf_free(&text);
	kiln_buf_free(&result);
}
