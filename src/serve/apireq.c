/*
 * The request bodies of kiln serve's API, read with Go's rules for
 * values (as cfssl's clients write them) and kiln's for keys: a key
 * that is not one of the endpoint's is refused, naming the nearest, and
 * a field cfssl would act on but kiln does not do is refused, not
 * ignored.  The parsers of tests/fuzz/fuzz_serve_request.c.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "kiln/pem.h"
#include "serve/apipriv.h"

/* The object at the top of "len" bytes of "text", its keys checked. */
static cJSON *
parse(const char *text, size_t len, const char *const *known,
    struct kiln_err *err)
{
	cJSON *root;

	if ((root = kiln_json_parse_object(text, len, err)) == NULL)
		return NULL;
	if (kiln_json_known_keys(root, NULL, known, err) == -1) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* A member that must be empty if given: kiln does not do what it asks. */
static int
unsupported(const cJSON *root, const char *name, struct kiln_err *err)
{
	const cJSON *v = kiln_json_get(root, name);

	if (v == NULL || cJSON_IsFalse(v) ||
	    (cJSON_IsString(v) && *v->valuestring == '\0') ||
	    (cJSON_IsArray(v) && v->child == NULL))
		return 0;
	return kiln_err_set(
	    err, KILN_EINVAL, "%s: not supported by kiln serve", name);
}

int
api_parse_sign(cJSON **root, struct api_signreq *r, const char *text,
    size_t len, struct kiln_err *err)
{
	static const char *const known[] = {"hosts", "hostname",
	    "certificate_request", "subject", "profile", "label", "serial",
	    "crl_override", "extensions", "bundle", NULL};
	const cJSON *c;
	size_t n;

	memset(r, 0, sizeof(*r));
	if ((*root = parse(text, len, known, err)) == NULL)
		return -1;
	if (kiln_json_string(*root, NULL, "certificate_request",
	        &r->certificate_request, err) == -1 ||
	    kiln_json_string(*root, NULL, "hostname", &r->hostname, err) ==
	        -1 ||
	    kiln_json_string(*root, NULL, "profile", &r->profile, err) == -1 ||
	    kiln_json_string(*root, NULL, "label", &r->label, err) == -1 ||
	    unsupported(*root, "crl_override", err) == -1 ||
	    unsupported(*root, "extensions", err) == -1 ||
	    unsupported(*root, "bundle", err) == -1)
		return -1;
	if ((r->hosts = kiln_json_get(*root, "hosts")) != NULL) {
		if (kiln_json_array(r->hosts, "hosts", &n, err) == -1)
			return -1;
		for (c = r->hosts->child, n = 0; c != NULL; c = c->next, n++)
			if (!cJSON_IsString(c))
				return kiln_err_set(err, KILN_EINVAL,
				    "hosts[%zu]: expected a string, got %s", n,
				    kiln_json_type(c));
	}
	if ((r->subject = kiln_json_get(*root, "subject")) != NULL &&
	    kiln_json_object(r->subject, "subject", err) == -1)
		return -1;
	r->has_serial = kiln_json_get(*root, "serial") != NULL;
	return 0;
}

void
api_authreq_init(struct api_authreq *a)
{
	kiln_buf_init(&a->token);
	kiln_buf_init(&a->request);
}

void
api_authreq_free(struct api_authreq *a)
{
	kiln_buf_free(&a->token);
	kiln_buf_free(&a->request);
}

static int
base64_member(const cJSON *root, const char *name, struct kiln_buf *out,
    struct kiln_err *err)
{
	const char *s = NULL;
	int rc;

	if (kiln_json_string(root, NULL, name, &s, err) == -1)
		return -1;
	if (s == NULL || *s == '\0')
		return kiln_err_set(err, KILN_EINVAL, "%s: missing", name);
	rc = kiln_base64_decode((const unsigned char *)s, strlen(s), out, err);
	if (rc == -1)
		return -1;
	if (rc == 1)
		return kiln_err_set(err, KILN_EINVAL, "%s: not base64", name);
	return kiln_buf_terminate(out, err);
}

int
api_parse_auth(
    struct api_authreq *a, const char *text, size_t len, struct kiln_err *err)
{
	static const char *const known[] = {
	    "timestamp", "token", "request", "remote_address", NULL};
	cJSON *root;
	long ts = 0;
	int rc = -1;

	if ((root = parse(text, len, known, err)) == NULL)
		return -1;
	/* The timestamp is not under the MAC: read for its type only. */
	if (kiln_json_int(
	        root, NULL, "timestamp", LONG_MIN, LONG_MAX, &ts, err) == -1 ||
	    base64_member(root, "token", &a->token, err) == -1 ||
	    base64_member(root, "request", &a->request, err) == -1)
		goto cleanup;
	/* cfssl appends remote_address to the MAC only with an AD; its
	 * clients send none, and kiln refuses what it would not check. */
	if (kiln_json_get(root, "remote_address") != NULL) {
		kiln_err_set(err, KILN_EINVAL,
		    "remote_address: not supported by kiln serve");
		goto cleanup;
	}
	rc = 0;
cleanup:
	cJSON_Delete(root);
	return rc;
}

int
api_parse_gen(cJSON **root, struct api_genreq *r, const char *text, size_t len,
    struct kiln_err *err)
{
	static const char *const known[] = {
	    "request", "profile", "label", "bundle", NULL};
	const cJSON *req;

	memset(r, 0, sizeof(*r));
	if ((*root = parse(text, len, known, err)) == NULL)
		return -1;
	if (kiln_json_string(*root, NULL, "profile", &r->profile, err) == -1 ||
	    kiln_json_string(*root, NULL, "label", &r->label, err) == -1 ||
	    unsupported(*root, "bundle", err) == -1)
		return -1;
	if ((req = kiln_json_get(*root, "request")) == NULL)
		return kiln_err_set(err, KILN_EINVAL, "request: missing");
	if (kiln_json_object(req, "request", err) == -1)
		return -1;
	/* csr.json text for kiln_request_parse, freed with cJSON_free. */
	if ((r->request = cJSON_PrintUnformatted(req)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return 0;
}

int
api_parse_revoke(cJSON **root, struct api_revokereq *r, const char *text,
    size_t len, struct kiln_err *err)
{
	static const char *const known[] = {
	    "serial", "authority_key_id", "reason", NULL};

	memset(r, 0, sizeof(*r));
	if ((*root = parse(text, len, known, err)) == NULL)
		return -1;
	if (kiln_json_string(*root, NULL, "serial", &r->serial, err) == -1 ||
	    kiln_json_string(*root, NULL, "authority_key_id", &r->aki, err) ==
	        -1 ||
	    kiln_json_string(*root, NULL, "reason", &r->reason, err) == -1)
		return -1;
	return 0;
}

int
api_parse_info(cJSON **root, const char **label, const char **profile,
    const char *text, size_t len, struct kiln_err *err)
{
	static const char *const known[] = {"label", "profile", NULL};

	*label = *profile = NULL;
	if ((*root = parse(text, len, known, err)) == NULL)
		return -1;
	return kiln_json_string(*root, NULL, "label", label, err) == -1 ||
	               kiln_json_string(*root, NULL, "profile", profile, err) ==
	                   -1
	           ? -1
	           : 0;
}

int
api_parse_certinfo(cJSON **root, const char **cert, const char **domain,
    const char *text, size_t len, struct kiln_err *err)
{
	static const char *const known[] = {"certificate", "domain", NULL};

	*cert = *domain = NULL;
	if ((*root = parse(text, len, known, err)) == NULL)
		return -1;
	return kiln_json_string(*root, NULL, "certificate", cert, err) == -1 ||
	               kiln_json_string(*root, NULL, "domain", domain, err) ==
	                   -1
	           ? -1
	           : 0;
}
