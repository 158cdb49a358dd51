/*
 * newkey and newcert: a key made on the server (on the thread's own
 * generator), its CSR, and for newcert its certificate.  The private key
 * goes into the reply, built by hand (never through cJSON, which frees
 * its strings unwiped); the reply's buffers are wiped when freed.
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>

#include "core/compat.h"
#include "kiln/gen.h"
#include "kiln/pem.h"
#include "kiln/request.h"
#include "kiln/signer.h"
#include "serve/apipriv.h"

/* {"md5":HEX,"sha-1":HEX} of "der", upper-case hex as cfssl. */
static int
sums(struct kiln_buf *out, const struct kiln_buf *der, struct kiln_err *err)
{
	static const mbedtls_md_type_t types[] = {
	    MBEDTLS_MD_MD5, MBEDTLS_MD_SHA1};
	static const char *const names[] = {"md5", "sha-1"};
	unsigned char h[20];
	size_t i, j, n;
	int ret;

	if (kiln_buf_printf(out, err, "{") == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		const mbedtls_md_info_t *md =
		    mbedtls_md_info_from_type(types[i]);

		if ((ret = mbedtls_md(md, der->p, der->len, h)) != 0)
			return kiln_err_mbed(err, ret, "mbedtls_md");
		n = mbedtls_md_get_size(md);
		if (kiln_buf_printf(out, err, "%s\"%s\":\"", i > 0 ? "," : "",
		        names[i]) == -1)
			return -1;
		for (j = 0; j < n; j++)
			if (kiln_buf_printf(out, err, "%02X", h[j]) == -1)
				return -1;
		if (kiln_buf_printf(out, err, "\"") == -1)
			return -1;
	}
	return kiln_buf_printf(out, err, "}");
}

/* "name":PEM of "der" labelled "label", with a comma before unless first. */
static int
pem_member(struct kiln_buf *out, const char *name, const char *label,
    const struct kiln_buf *der, struct kiln_err *err)
{
	struct kiln_buf pem;
	int rc;

	kiln_buf_init(&pem);
	rc = kiln_pem_write(&pem, label, der->p, der->len, err) == -1 ||
	             kiln_buf_printf(out, err, "\"%s\":", name) == -1 ||
	             kiln_buf_append_json(
	                 out, (const char *)pem.p, pem.len, err) == -1
	         ? -1
	         : 0;
	kiln_buf_free(&pem);
	return rc;
}

/* csr.json of newkey, or newcert's "request": "ca" refused, as cfssl. */
static int
read_request(struct kiln_request *kr, const char *text, size_t len,
    struct serve_reply *rep)
{
	struct kiln_err e;

	kiln_err_clear(&e);
	if (kiln_request_parse(kr, text, len, &e) == -1) {
		api_fail(rep, 400, 400, "request: %s", e.msg);
		return -1;
	}
	if (kr->has_ca) {
		api_fail(rep, 400, 400, "ca section only permitted in initca");
		return -1;
	}
	return 0;
}

/* A generation failure: the request's fault (400) or the server's (500). */
static void
gen_fail(struct serve_reply *rep, const struct kiln_err *e)
{
	if (e->code == KILN_EINVAL)
		api_fail(rep, 400, API_CODE_KEY_GEN, "%s", e->msg);
	else if (e->code == KILN_EPOLICY)
		api_fail(rep, 400, API_CODE_POLICY, "%s", e->msg);
	else
		api_fail(rep, 500, 0, "%s", e->msg);
}

void
api_newkey(struct serve_api *api, struct api_thread *t,
    const struct serve_req *req, struct serve_reply *rep)
{
	struct kiln_buf text, csr, key_pem, result;
	struct kiln_request kr;
	struct kiln_gen_in in;
	struct kiln_key key;
	struct kiln_err e;

	(void)api;
	kiln_buf_init(&text);
	kiln_buf_init(&csr);
	kiln_buf_init(&key_pem);
	kiln_buf_init(&result);
	kiln_request_init(&kr);
	kiln_key_init(&key);
	kiln_err_clear(&e);
	if (kiln_buf_append(&text, req->body, req->body_len, &e) == -1 ||
	    kiln_buf_terminate(&text, &e) == -1) {
		api_fail(rep, 500, 0, "%s", e.msg);
		goto cleanup;
	}
	if (read_request(&kr, (const char *)text.p, text.len, rep) == -1)
		goto cleanup;
	/* The hosts, then the key, then the rest, as kiln_gen_csr checks. */
	in = (struct kiln_gen_in){.req = &kr, .key = &key};
	if (kiln_gen_check_hosts(&kr, &e) == -1 ||
	    kiln_key_generate(&key, &kr.key, &t->rng, &e) == -1 ||
	    kiln_gen_csr(&csr, &in, &t->rng, &e) == -1) {
		gen_fail(rep, &e);
		goto cleanup;
	}
	if (kiln_key_write_pem(&key, &key_pem, &e) == -1 ||
	    kiln_buf_printf(&result, &e, "{\"private_key\":") == -1 ||
	    kiln_buf_append_json(
	        &result, (const char *)key_pem.p, key_pem.len, &e) == -1 ||
	    kiln_buf_printf(&result, &e, ",") == -1 ||
	    pem_member(&result, "certificate_request", "CERTIFICATE REQUEST",
	        &csr, &e) == -1 ||
	    kiln_buf_printf(
	        &result, &e, ",\"sums\":{\"certificate_request\":") == -1 ||
	    sums(&result, &csr, &e) == -1 ||
	    kiln_buf_printf(&result, &e, "}}") == -1 ||
	    api_ok(rep, &result, NULL, &e) == -1) {
		api_fail(rep, 500, 0, "%s", e.msg);
		goto cleanup;
	}
cleanup:
	kiln_buf_free(&text);
	kiln_buf_free(&csr);
	kiln_buf_free(&key_pem);
	kiln_buf_free(&result);
	kiln_request_free(&kr);
	kiln_key_free(&key);
}

void
api_newcert(struct serve_api *api, struct api_thread *t,
    const struct serve_req *req, struct serve_reply *rep)
{
	const struct kiln_profile *p;
	struct kiln_buf text, cert, csr, key_pem, result, msgs;
	struct kiln_request kr;
	struct api_genreq g;
	struct kiln_gen_in in;
	struct kiln_key key;
	struct kiln_err e;
	cJSON *root = NULL;

	memset(&g, 0, sizeof(g));
	kiln_buf_init(&text);
	kiln_buf_init(&cert);
	kiln_buf_init(&csr);
	kiln_buf_init(&key_pem);
	kiln_buf_init(&result);
	kiln_buf_init(&msgs);
	kiln_request_init(&kr);
	kiln_key_init(&key);
	kiln_err_clear(&e);
	/*
	 * newcert carries no token: on a server with any auth key it would
	 * issue to anyone (cfssl#788), so kiln refuses it there.
	 */
	if (api->has_auth) {
		api_fail(rep, 401, 401,
		    "authentication required: newcert has no token; this "
		    "server issues through authsign only");
		goto cleanup;
	}
	if (kiln_buf_append(&text, req->body, req->body_len, &e) == -1 ||
	    kiln_buf_terminate(&text, &e) == -1) {
		api_fail(rep, 500, 0, "%s", e.msg);
		goto cleanup;
	}
	if (api_parse_gen(&root, &g, (const char *)text.p, text.len, &e) ==
	    -1) {
		api_fail(rep, 400, 400, "%s", e.msg);
		goto cleanup;
	}
	if ((p = api_profile(api, g.profile, g.label, rep)) == NULL ||
	    read_request(&kr, g.request, strlen(g.request), rep) == -1)
		goto cleanup;
	/* One key: a serial drawn again (api_issue) certifies it too. */
	in = (struct kiln_gen_in){.req = &kr, .key = &key};
	if (kiln_gen_check_hosts(&kr, &e) == -1 ||
	    kiln_key_generate(&key, &kr.key, &t->rng, &e) == -1) {
		gen_fail(rep, &e);
		goto cleanup;
	}
	if (api_issue(api, t, &in, p, g.label, &cert, &csr, gen_fail, rep) ==
	    -1)
		goto cleanup;
	if (kr.n_hosts == 0 &&
	    (kiln_buf_printf(&msgs, &e,
	         "[{\"code\":%d,\"message\":", API_CODE_POLICY) == -1 ||
	        kiln_buf_append_json(&msgs, KILN_GEN_NO_HOSTS,
	            strlen(KILN_GEN_NO_HOSTS), &e) == -1 ||
	        kiln_buf_printf(&msgs, &e, "}]") == -1 ||
	        kiln_buf_terminate(&msgs, &e) == -1))
		goto fail;
	if (kiln_key_write_pem(&key, &key_pem, &e) == -1 ||
	    kiln_buf_printf(&result, &e, "{") == -1 ||
	    pem_member(&result, "certificate", "CERTIFICATE", &cert, &e) ==
	        -1 ||
	    kiln_buf_printf(&result, &e, ",") == -1 ||
	    pem_member(&result, "certificate_request", "CERTIFICATE REQUEST",
	        &csr, &e) == -1 ||
	    kiln_buf_printf(&result, &e, ",\"private_key\":") == -1 ||
	    kiln_buf_append_json(
	        &result, (const char *)key_pem.p, key_pem.len, &e) == -1 ||
	    kiln_buf_printf(&result, &e, ",\"sums\":{\"certificate\":") == -1 ||
	    sums(&result, &cert, &e) == -1 ||
	    kiln_buf_printf(&result, &e, ",\"certificate_request\":") == -1 ||
	    sums(&result, &csr, &e) == -1 ||
	    kiln_buf_printf(&result, &e, "}}") == -1 ||
	    api_ok(rep, &result, msgs.len > 0 ? (const char *)msgs.p : NULL,
	        &e) == -1)
		goto fail;
	rep->issued = 1;
	goto cleanup;
fail:
	api_fail(rep, 500, 0, "%s", e.msg);
cleanup:
	if (g.request != NULL)
		cJSON_free(g.request);
	cJSON_Delete(root);
	kiln_buf_free(&text);
	kiln_buf_free(&cert);
	kiln_buf_free(&csr);
	kiln_buf_free(&key_pem);
	kiln_buf_free(&result);
	kiln_buf_free(&msgs);
	kiln_request_free(&kr);
	kiln_key_free(&key);
}
