#include <stdio.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "core/json.h"
#include "kiln/cfssljson.h"

/* clang-format off */
static const struct {
	const char *suffix;
	unsigned int mode;
} parts[KILN_OUT__MAX] = {
	[KILN_OUT_CERT] =	{ ".pem",	   0644 },
	[KILN_OUT_KEY] =	{ "-key.pem",	   0600 },
	[KILN_OUT_ENC_KEY] =	{ "-key.enc",	   0600 },
	[KILN_OUT_CSR] =	{ ".csr",	   0644 },
	[KILN_OUT_BUNDLE] =	{ "-bundle.pem",   0644 },
	[KILN_OUT_ROOT] =	{ "-root.pem",	   0644 },
	[KILN_OUT_OCSP] =	{ "-response.der", 0644 },
};
/* clang-format on */

const char *
kiln_cfssljson_suffix(enum kiln_cfssljson_part part)
{
	return parts[part].suffix;
}

unsigned int
kiln_cfssljson_mode(enum kiln_cfssljson_part part)
{
	return parts[part].mode;
}

void
kiln_cfssljson_init(struct kiln_cfssljson *out)
{
	int i;

	for (i = 0; i < KILN_OUT__MAX; i++)
		kiln_buf_init(&out->part[i]);
}

void
kiln_cfssljson_free(struct kiln_cfssljson *out)
{
	int i;

	for (i = 0; i < KILN_OUT__MAX; i++)
		kiln_buf_free(&out->part[i]);
}

/* cfssljson reads a Go map: exact key match, the last duplicate wins. */
static const cJSON *
member(const cJSON *obj, const char *name)
{
	const cJSON *c, *found = NULL;

	for (c = obj != NULL ? obj->child : NULL; c != NULL; c = c->next)
		if (c->string != NULL && strcmp(c->string, name) == 0)
			found = c;
	return found;
}

/* The first of "names" present; it must be a string.  "" counts as absent. */
static int
take(struct kiln_buf *out, const cJSON *obj, const char *const *names,
    const char *ctx, struct kiln_err *err)
{
	const cJSON *v;

	for (; *names != NULL; names++) {
		if ((v = member(obj, *names)) == NULL)
			continue;
		if (!cJSON_IsString(v))
			return kiln_err_set(err, KILN_EINVAL,
			    "%s%s: expected a string, got %s", ctx, *names,
			    kiln_json_type(v));
		return kiln_buf_append(
		    out, v->valuestring, strlen(v->valuestring), err);
	}
	return 0;
}

static int
request_failed(const cJSON *root, struct kiln_err *err)
{
	const cJSON *errors = member(root, "errors"), *e, *m;
	char msg[KILN_ERRMSG_MAX] = "";
	size_t len;

	for (e = cJSON_IsArray(errors) ? errors->child : NULL; e != NULL;
	     e = e->next) {
		m = member(e, "message");
		if (!cJSON_IsString(m))
			continue;
		len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, "%s%s",
		    len > 0 ? "; " : "", m->valuestring);
	}
	return kiln_err_set(err, KILN_EINVAL, "request failed%s%s",
	    msg[0] != '\0' ? ": " : "", msg);
}

/*
 * ocspResponse (Go's StdEncoding) is decoded by mbedTLS's decoder, not
 * kiln_base64_decode (pem.c): the two accept different inputs (mbedTLS
 * takes line ends and spaces before them only, kiln's PEM reader spaces
 * and tabs anywhere and never an empty body), and a strictness flag on
 * the one decoder would carry a second set of rules for this one field.
 * Keeping mbedTLS here keeps what cfssljson accepts exactly as it was.
 */
static int
decode_base64(struct kiln_buf *b, struct kiln_err *err)
{
	struct kiln_buf der;
	size_t n = 0;
	int ret;

	kiln_buf_init(&der);
	if (b->len == 0)
		return 0;
	if (kiln_buf_reserve(&der, b->len, err) == -1)
		return -1;
	ret = mbedtls_base64_decode(der.p, der.cap, &n, b->p, b->len);
	if (ret != 0) {
		kiln_buf_free(&der);
		return kiln_err_set(
		    err, KILN_EINVAL, "ocspResponse: not valid base64");
	}
	der.len = n;
	kiln_buf_free(b);
	*b = der;
	return 0;
}

int
kiln_cfssljson_parse(struct kiln_cfssljson *out, const char *text, size_t len,
    int bare, struct kiln_err *err)
{
	static const char *const cert[] = {"cert", "certificate", NULL};
	static const char *const key[] = {"key", "private_key", NULL};
	static const char *const enc[] = {"encrypted_key", NULL};
	static const char *const csr[] = {"csr", "certificate_request", NULL};
	static const char *const bundle[] = {"bundle", NULL};
	static const char *const root_[] = {"root", NULL};
	static const char *const ocsp[] = {"ocspResponse", NULL};
	const cJSON *obj, *b, *success;
	cJSON *root;
	int rc = -1;

	if ((root = kiln_json_parse_object(text, len, err)) == NULL)
		return -1;
	obj = root;
	if (!bare) {
		success = member(root, "success");
		if (!cJSON_IsTrue(success)) {
			request_failed(root, err);
			goto cleanup;
		}
		obj = member(root, "result");
		if (!cJSON_IsObject(obj)) {
			kiln_err_set(
			    err, KILN_EINVAL, "result: expected an object");
			goto cleanup;
		}
	}
	if (take(&out->part[KILN_OUT_CERT], obj, cert, "", err) == -1 ||
	    take(&out->part[KILN_OUT_KEY], obj, key, "", err) == -1 ||
	    take(&out->part[KILN_OUT_ENC_KEY], obj, enc, "", err) == -1 ||
	    take(&out->part[KILN_OUT_CSR], obj, csr, "", err) == -1 ||
	    take(&out->part[KILN_OUT_OCSP], obj, ocsp, "", err) == -1 ||
	    decode_base64(&out->part[KILN_OUT_OCSP], err) == -1)
		goto cleanup;
	/* Only the nested {"bundle":{"bundle":..,"root":..}} of the API. */
	if (cJSON_IsObject(b = member(obj, "bundle")) &&
	    (take(&out->part[KILN_OUT_BUNDLE], b, bundle, "bundle.", err) ==
	            -1 ||
	        take(&out->part[KILN_OUT_ROOT], b, root_, "bundle.", err) ==
	            -1))
		goto cleanup;
	/* cfssljson writes the bundle followed by the root. */
	if (out->part[KILN_OUT_BUNDLE].len > 0 &&
	    (kiln_buf_append(&out->part[KILN_OUT_BUNDLE], "\n", 1, err) == -1 ||
	        kiln_buf_append(&out->part[KILN_OUT_BUNDLE],
	            out->part[KILN_OUT_ROOT].p, out->part[KILN_OUT_ROOT].len,
	            err) == -1))
		goto cleanup;
	rc = 0;
cleanup:
	cJSON_Delete(root);
	return rc;
}
