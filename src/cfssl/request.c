#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "cfssl/reqjson.h"
#include "kiln/duration.h"
#include "kiln/request.h"
#include "core/strs.h"

void
kiln_request_init(struct kiln_request *req)
{
	memset(req, 0, sizeof(*req));
	req->key.algo = KILN_KEY_ECDSA;
	req->key.size = 256;
	req->ca.pathlen = -1;
}

static void
name_free(struct kiln_name *nm)
{
	free(nm->c);
	free(nm->st);
	free(nm->l);
	free(nm->o);
	free(nm->ou);
	free(nm->e);
	kiln_strs_free(nm->oid_types, nm->n_oids);
	kiln_strs_free(nm->oid_values, nm->n_oids);
}

void
kiln_request_free(struct kiln_request *req)
{
	size_t i;

	free(req->cn);
	for (i = 0; i < req->n_names; i++)
		name_free(&req->names[i]);
	free(req->names);
	kiln_strs_free(req->hosts, req->n_hosts);
	free(req->serialnumber);
	free(req->crl_url);
	kiln_request_init(req);
}

/* A string member, copied; an empty string counts as absent. */
static int
get_string(const cJSON *obj, const char *ctx, const char *name, char **out,
    struct kiln_err *err)
{
	const char *s = NULL;

	if (kiln_json_string(obj, ctx, name, &s, err) == -1)
		return -1;
	if (s == NULL || *s == '\0')
		return 0;
	return kiln_str_set(out, s, err);
}

/* "key": a partial object gets its algorithm's default size. */
int
kiln_keyreq_from_json(
    struct kiln_keyreq *kr, const cJSON *obj, struct kiln_err *err)
{
	const char *algo = NULL;
	long size = 0;
	struct kiln_err e;

	if (kiln_json_object(obj, "key", err) == -1 ||
	    kiln_json_string(obj, "key", "algo", &algo, err) == -1 ||
	    kiln_json_int(obj, "key", "size", 0, 1L << 20, &size, err) == -1)
		return -1;
	if (algo == NULL || strcmp(algo, "ecdsa") == 0)
		kr->algo = KILN_KEY_ECDSA;
	else if (strcmp(algo, "rsa") == 0)
		kr->algo = KILN_KEY_RSA;
	else if (strcmp(algo, "ed25519") == 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "key.algo: ed25519 is not supported (mbedTLS has no "
		    "EdDSA)");
	else
		return kiln_err_set(err, KILN_EINVAL,
		    "key.algo: unknown algorithm \"%s\" (rsa or ecdsa)", algo);
	if (size != 0)
		kr->size = (int)size;
	else
		kr->size = kr->algo == KILN_KEY_RSA ? 2048 : 256;
	kiln_err_clear(&e);
	if (kiln_keyreq_check(kr, &e) == -1)
		return kiln_err_pass_prefix(err, &e, "key.size");
	return 0;
}

static int
parse_ca(struct kiln_careq *ca, const cJSON *obj, struct kiln_err *err)
{
	const char *expiry = NULL, *backdate = NULL;
	long pathlen = 0; /* cfssl: an absent pathlen is 0 */
	struct kiln_err e;

	if (kiln_json_object(obj, "ca", err) == -1 ||
	    kiln_json_int(obj, "ca", "pathlen", 0, 127, &pathlen, err) == -1 ||
	    kiln_json_bool(obj, "ca", "pathlenzero", &ca->pathlenzero, err) ==
	        -1 ||
	    kiln_json_string(obj, "ca", "expiry", &expiry, err) == -1 ||
	    kiln_json_string(obj, "ca", "backdate", &backdate, err) == -1)
		return -1;
	/* cfssl: pathlen 0 means "none" unless pathlenzero says otherwise. */
	ca->pathlen = (int)pathlen;
	if (ca->pathlen == 0 && !ca->pathlenzero)
		ca->pathlen = -1;
	kiln_err_clear(&e);
	if (expiry != NULL) {
		if (kiln_duration_parse(expiry, &ca->expiry, &e) == -1)
			return kiln_err_pass_prefix(err, &e, "ca.expiry");
		if (ca->expiry <= 0)
			return kiln_err_set(
			    err, KILN_EINVAL, "ca.expiry: must be positive");
	}
	if (backdate != NULL) {
		if (kiln_duration_parse(backdate, &ca->backdate, &e) == -1)
			return kiln_err_pass_prefix(err, &e, "ca.backdate");
		if (ca->backdate < 0)
			return kiln_err_set(err, KILN_EINVAL,
			    "ca.backdate: must not be negative");
	}
	return 0;
}

static int
parse_oids(struct kiln_name *nm, const cJSON *obj, const char *ctx,
    struct kiln_err *err)
{
	const cJSON *oids = kiln_json_get(obj, "OID"), *c;
	size_t n = 0;

	if (oids == NULL)
		return 0;
	if (!cJSON_IsObject(oids))
		return kiln_err_set(err, KILN_EINVAL,
		    "%s.OID: expected an object, got %s", ctx,
		    kiln_json_type(oids));
	for (c = oids->child; c != NULL; c = c->next)
		n++;
	if ((nm->oid_types = calloc(n + 1, sizeof(char *))) == NULL ||
	    (nm->oid_values = calloc(n + 1, sizeof(char *))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (c = oids->child; c != NULL; c = c->next) {
		if (!cJSON_IsString(c))
			return kiln_err_set(err, KILN_EINVAL,
			    "%s.OID.%s: expected a string, got %s", ctx,
			    c->string, kiln_json_type(c));
		if (kiln_str_set(&nm->oid_types[nm->n_oids], c->string, err) ==
		        -1 ||
		    kiln_str_set(
		        &nm->oid_values[nm->n_oids], c->valuestring, err) == -1)
			return -1;
		nm->n_oids++;
	}
	return 0;
}

static int
parse_names(struct kiln_request *req, const cJSON *arr, struct kiln_err *err)
{
	const cJSON *c;
	struct kiln_name *nm;
	char ctx[32];
	size_t n = 0;

	if (arr == NULL)
		return 0;
	if (kiln_json_array(arr, "names", &n, err) == -1)
		return -1;
	if ((req->names = calloc(n + 1, sizeof(*req->names))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (c = arr->child; c != NULL; c = c->next) {
		snprintf(ctx, sizeof(ctx), "names[%zu]", req->n_names);
		nm = &req->names[req->n_names++];
		if (kiln_json_object(c, ctx, err) == -1 ||
		    get_string(c, ctx, "C", &nm->c, err) == -1 ||
		    get_string(c, ctx, "ST", &nm->st, err) == -1 ||
		    get_string(c, ctx, "L", &nm->l, err) == -1 ||
		    get_string(c, ctx, "O", &nm->o, err) == -1 ||
		    get_string(c, ctx, "OU", &nm->ou, err) == -1 ||
		    get_string(c, ctx, "E", &nm->e, err) == -1 ||
		    parse_oids(nm, c, ctx, err) == -1)
			return -1;
	}
	return 0;
}

int
kiln_request_from_json(
    struct kiln_request *req, const cJSON *root, struct kiln_err *err)
{
	const char **hosts = NULL;
	const cJSON *ca;
	size_t n_hosts = 0;
	int rc = -1;

	if (get_string(root, NULL, "CN", &req->cn, err) == -1 ||
	    parse_names(req, kiln_json_get(root, "names"), err) == -1 ||
	    kiln_json_strings(root, NULL, "hosts", &hosts, &n_hosts, err) ==
	        -1 ||
	    (hosts != NULL && kiln_strs_set(&req->hosts, &req->n_hosts, hosts,
	                          n_hosts, err) == -1) ||
	    kiln_keyreq_from_json(&req->key, kiln_json_get(root, "key"), err) ==
	        -1 ||
	    get_string(root, NULL, "serialnumber", &req->serialnumber, err) ==
	        -1 ||
	    get_string(root, NULL, "crl_url", &req->crl_url, err) == -1)
		goto cleanup;
	if ((ca = kiln_json_get(root, "ca")) != NULL) {
		req->has_ca = 1;
		if (parse_ca(&req->ca, ca, err) == -1)
			goto cleanup;
	}
	rc = 0;
cleanup:
	free(hosts);
	return rc;
}

int
kiln_request_parse(struct kiln_request *req, const char *text, size_t len,
    struct kiln_err *err)
{
	cJSON *root;
	int rc;

	if ((root = kiln_json_parse_object(text, len, err)) == NULL)
		return -1;
	rc = kiln_request_from_json(req, root, err);
	cJSON_Delete(root);
	return rc;
}

int
kiln_request_set_hosts(
    struct kiln_request *req, const char *list, struct kiln_err *err)
{
	const char **v = NULL;
	char *copy = NULL, *p, *comma;
	const char *q;
	size_t n = 1, i = 0;
	int rc = -1;

	if (*list == '\0')
		return kiln_strs_set(&req->hosts, &req->n_hosts, NULL, 0, err);
	for (q = list; *q != '\0'; q++)
		if (*q == ',')
			n++;
	if ((copy = strdup(list)) == NULL ||
	    (v = calloc(n, sizeof(*v))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (p = copy; p != NULL; p = comma) {
		if ((comma = strchr(p, ',')) != NULL)
			*comma++ = '\0';
		v[i++] = p;
	}
	rc = kiln_strs_set(&req->hosts, &req->n_hosts, v, n, err);
cleanup:
	free(v);
	free(copy);
	return rc;
}

int
kiln_request_set_cn(
    struct kiln_request *req, const char *cn, struct kiln_err *err)
{
	return kiln_str_set(&req->cn, *cn != '\0' ? cn : NULL, err);
}
