/*
 * certinfo, crl, revoke and health.  certinfo describes a PEM given to
 * it and nothing else: kiln serve never connects anywhere for a client
 * (cfssl's "domain" would make the server dial any host).  crl and
 * revoke work from the certificate database.
 */
#include <stdlib.h>
#include <string.h>

#include "kiln/crl.h"
#include "kiln/duration.h"
#include "kiln/inspect.h"
#include "kiln/pem.h"
#include "serve/apipriv.h"

/* cfssl's default nextUpdate of the crl endpoint: a week. */
#define CRL_EXPIRY (7 * 24 * 3600LL)

static int
body_text(
    const struct serve_req *req, struct kiln_buf *text, struct serve_reply *rep)
{
	struct kiln_err e;

	kiln_err_clear(&e);
	if (kiln_buf_append(text, req->body, req->body_len, &e) == -1 ||
	    kiln_buf_terminate(text, &e) == -1) {
		api_fail(rep, 500, 0, "%s", e.msg);
		return -1;
	}
	return 0;
}

void
api_health(struct serve_api *api, struct api_thread *t,
    const struct serve_req *req, struct serve_reply *rep)
{
	struct kiln_buf result;

	(void)api;
	(void)t;
	(void)req;
	kiln_buf_init(&result);
	if (kiln_buf_append(&result, "{\"healthy\":true}", 16, NULL) == -1 ||
	    api_ok(rep, &result, NULL, NULL) == -1)
		api_fail(rep, 500, 0, "out of memory");
	kiln_buf_free(&result);
}

void
api_certinfo(struct serve_api *api, struct api_thread *t,
    const struct serve_req *req, struct serve_reply *rep)
{
	const char *cert, *domain;
	struct kiln_infos infos;
	struct kiln_buf text, result;
	struct kiln_err e;
	cJSON *root = NULL;

	(void)t;
	kiln_infos_init(&infos);
	kiln_buf_init(&text);
	kiln_buf_init(&result);
	kiln_err_clear(&e);
	if (body_text(req, &text, rep) == -1)
		goto cleanup;
	if (api_parse_certinfo(&root, &cert, &domain, (const char *)text.p,
	        text.len, &e) == -1) {
		api_fail(rep, 400, 400, "%s", e.msg);
		goto cleanup;
	}
	if (cert == NULL && domain != NULL) {
		api_fail(rep, 400, 400,
		    "domain: kiln serve does not connect to other hosts; send "
		    "the certificate");
		goto cleanup;
	}
	if (cert == NULL) {
		api_fail(rep, 400, 400, "no valid parameter sets found");
		goto cleanup;
	}
	if (kiln_inspect_certs(
	        &infos, (const unsigned char *)cert, strlen(cert), &e) == -1) {
		api_fail(rep, 400, API_CODE_CERT_DECODE,
		    "Failed to decode certificate: %s", e.msg);
		goto cleanup;
	}
	/* The first certificate, in cfssl-certinfo's keys only. */
	if (kiln_info_render(infos.v, 1, KILN_FORMAT_JSON, KILN_RENDER_CFSSL,
	        (long long)api_now(api), &result, &e) == -1) {
		api_fail(rep, 500, 0, "%s", e.msg);
		goto cleanup;
	}
	while (result.len > 0 && (result.p[result.len - 1] == '\n' ||
	                             result.p[result.len - 1] == '\0'))
		result.len--;
	if (api_ok(rep, &result, NULL, &e) == -1)
		api_fail(rep, 500, 0, "%s", e.msg);
cleanup:
	cJSON_Delete(root);
	kiln_infos_free(&infos);
	kiln_buf_free(&text);
	kiln_buf_free(&result);
}

/*
 * The revoked rows: each serial on its own line for kiln_serials_parse,
 * and its revocation date in "dates" (a long long per row).
 */
struct revoked {
	struct kiln_buf list;
	struct kiln_buf dates;
};

static int
add_serial(void *cls, const struct kiln_certdb_row *row)
{
	struct revoked *r = cls;
	long long at = (long long)row->revoked_at;

	if (kiln_buf_printf(&r->list, NULL, "%s\n", row->serial) == -1 ||
	    kiln_buf_append(&r->dates, &at, sizeof(at), NULL) == -1)
		return -1;
	return 0;
}

void
api_crl(struct serve_api *api, struct api_thread *t,
    const struct serve_req *req, struct serve_reply *rep)
{
	struct kiln_serials serials;
	struct revoked rows;
	struct kiln_buf der, result;
	struct kiln_crl_req cr;
	const char *q = NULL;
	long long expiry = CRL_EXPIRY, *dates;
	struct kiln_err e;
	int64_t ns;
	time_t now = api_now(api);
	size_t i;

	kiln_serials_init(&serials);
	kiln_buf_init(&rows.list);
	kiln_buf_init(&rows.dates);
	kiln_buf_init(&der);
	kiln_buf_init(&result);
	kiln_err_clear(&e);
	if (t->db == NULL) {
		api_fail(rep, 400, 400,
		    "crl needs a certificate database "
		    "(-db-config)");
		goto cleanup;
	}
	if (req->query != NULL)
		q = req->query(req, "expiry");
	if (q != NULL && *q != '\0') {
		if (kiln_duration_parse(q, &ns, &e) == -1 || ns <= 0) {
			api_fail(rep, 400, 400, "expiry: invalid duration");
			goto cleanup;
		}
		expiry = (long long)(ns / 1000000000LL);
	}
	if (kiln_certdb_each_revoked(t->db, now,
	        api->aki[0] != '\0' ? api->aki : NULL, add_serial, &rows,
	        &e) != 0) {
		api_fail(rep, 500, API_CODE_DB, "certificate database: %s",
		    e.msg[0] != '\0' ? e.msg : "out of memory");
		goto cleanup;
	}
	if (rows.list.len > 0 &&
	    kiln_serials_parse(&serials, (const char *)rows.list.p,
	        rows.list.len, "certificate database", &e) == -1) {
		api_fail(rep, 500, API_CODE_DB, "%s", e.msg);
		goto cleanup;
	}
	/*
	 * Each entry dated by its row's revoked_at, as cfssl's crl; a row
	 * revoked by hand without a date (the zero time) by thisUpdate.
	 */
	dates = (long long *)(void *)rows.dates.p;
	if (serials.n * sizeof(*dates) != rows.dates.len) {
		api_fail(rep, 500, API_CODE_DB,
		    "certificate database: a revoked row without a serial");
		goto cleanup;
	}
	for (i = 0; i < serials.n; i++)
		if (dates[i] <= 0)
			dates[i] = (long long)now;
	memset(&cr, 0, sizeof(cr));
	cr.serials = serials.v;
	cr.n_serials = serials.n;
	cr.revoked_at = dates;
	cr.this_update = (long long)now;
	cr.next_update = (long long)now + expiry;
	if (kiln_crl_create(&der, &cr, &t->ca, &t->key, &t->rng, &e) == -1) {
		api_fail(rep, 500, 0, "%s", e.msg);
		goto cleanup;
	}
	/* The result is a JSON string: the base64 of the DER. */
	if (kiln_buf_append(&result, "\"", 1, &e) == -1 ||
	    kiln_base64_append(&result, der.p, der.len, &e) == -1 ||
	    kiln_buf_append(&result, "\"", 1, &e) == -1 ||
	    api_ok(rep, &result, NULL, &e) == -1)
		api_fail(rep, 500, 0, "%s", e.msg);
cleanup:
	kiln_serials_free(&serials);
	kiln_buf_free(&rows.list);
	kiln_buf_free(&rows.dates);
	kiln_buf_free(&der);
	kiln_buf_free(&result);
}

void
api_revoke(struct serve_api *api, struct api_thread *t,
    const struct serve_req *req, struct serve_reply *rep)
{
	struct api_revokereq r;
	struct kiln_buf text, result;
	struct kiln_err e;
	cJSON *root = NULL;
	int reason = 0;

	kiln_buf_init(&text);
	kiln_buf_init(&result);
	kiln_err_clear(&e);
	if (t->db == NULL) {
		api_fail(rep, 400, 400,
		    "revoke needs a certificate database "
		    "(-db-config)");
		goto cleanup;
	}
	if (body_text(req, &text, rep) == -1)
		goto cleanup;
	if (api_parse_revoke(&root, &r, (const char *)text.p, text.len, &e) ==
	    -1) {
		api_fail(rep, 400, 400,
		    "Unable to parse revocation request: %s", e.msg);
		goto cleanup;
	}
	if (r.serial == NULL || *r.serial == '\0') {
		api_fail(rep, 400, 400,
		    "serial number is required but not provided");
		goto cleanup;
	}
	if (r.aki == NULL || *r.aki == '\0') {
		api_fail(rep, 400, 400,
		    "authority key id is required but not provided");
		goto cleanup;
	}
	if (kiln_certdb_reason(r.reason != NULL ? r.reason : "", &reason, &e) ==
	    -1) {
		api_fail(rep, 400, 400, "Invalid reason code");
		goto cleanup;
	}
	snprintf(rep->serial, sizeof(rep->serial), "%s", r.serial);
	if (kiln_certdb_revoke(
	        t->db, r.serial, r.aki, reason, api_now(api), &e) == -1) {
		if (e.code == KILN_EINVAL)
			api_fail(rep, 400, API_CODE_DB_REVOKE,
			    "failed to revoke the certificate: %s", e.msg);
		else
			api_fail(rep, 500, API_CODE_DB,
			    "certificate database: %s", e.msg);
		goto cleanup;
	}
	if (kiln_buf_append(&result, "{}", 2, &e) == -1 ||
	    api_ok(rep, &result, NULL, &e) == -1)
		api_fail(rep, 500, 0, "%s", e.msg);
cleanup:
	cJSON_Delete(root);
	kiln_buf_free(&text);
	kiln_buf_free(&result);
}
