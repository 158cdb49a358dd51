/*
 * kiln serve's API: the application the HTTP layer serves, each thread's
 * own state (a CA key of its own; a generator; a
 * database connection), the dispatch of /api/v1/cfssl/ENDPOINT and
 * cfssl's envelope.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "kiln/pem.h"
#include "serve/apipriv.h"

#define PREFIX "/api/v1/cfssl/"

time_t
api_now(const struct serve_api *api)
{
	return api->clock != NULL ? api->clock() : time(NULL);
}

int
api_ok(struct serve_reply *rep, const struct kiln_buf *result,
    const char *messages, struct kiln_err *err)
{
	rep->body.len = 0;
	if (kiln_buf_printf(&rep->body, err, "{\"success\":true,\"result\":") ==
	        -1 ||
	    kiln_buf_append(&rep->body, result->p, result->len, err) == -1 ||
	    kiln_buf_printf(&rep->body, err,
	        ",\"errors\":[],\"messages\":%s}\n",
	        messages != NULL ? messages : "[]") == -1)
		return -1;
	rep->status = 200;
	rep->content_type = "application/json";
	snprintf(rep->result, sizeof(rep->result), "ok");
	return 0;
}

void
api_fail(struct serve_reply *rep, int status, int code, const char *fmt, ...)
{
	char msg[KILN_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The certificate, if one was made, is never sent. */
	rep->body.len = 0;
	rep->status = status;
	rep->content_type = SERVE_ERROR_TYPE; /* Go's http.Error's */
	snprintf(rep->result, sizeof(rep->result), "%.*s",
	    (int)sizeof(rep->result) - 1, msg);
	if (kiln_buf_printf(&rep->body, NULL,
	        "{\"success\":false,\"result\":null,\"errors\":[{\"code\":%d,"
	        "\"message\":",
	        code) == -1 ||
	    kiln_buf_append_json(&rep->body, msg, strlen(msg), NULL) == -1 ||
	    kiln_buf_printf(&rep->body, NULL, "}],\"messages\":[]}\n") == -1) {
		/* Out of memory: an empty 500, which the HTTP layer sends. */
		rep->body.len = 0;
		rep->status = 500;
	}
}

const struct kiln_profile *
api_profile(const struct serve_api *api, const char *name, const char *label,
    struct serve_reply *rep)
{
	const struct kiln_profile *p;

	if (label != NULL && *label != '\0') {
		api_fail(rep, 400, 400, "unknown label \"%.64s\"", label);
		return NULL;
	}
	if (name != NULL)
		snprintf(rep->profile, sizeof(rep->profile), "%s", name);
	if ((p = kiln_config_profile(api->config, name, NULL)) == NULL)
		/* Never the default instead (cfssl falls back to it). */
		api_fail(rep, 400, API_CODE_PROFILE,
		    "unknown profile \"%.64s\"", name);
	return p;
}

/* Trim white space around the CA's PEM (cfssl's info gives it so). */
static int
info_pem(struct serve_api *api, struct kiln_err *err)
{
	const mbedtls_x509_crt *crt = &api->ca.crt;
	size_t n;

	if (kiln_pem_write(&api->ca_pem, "CERTIFICATE", crt->raw.p,
	        crt->raw.len, err) == -1)
		return -1;
	n = api->ca_pem.len;
	while (n > 0 && (api->ca_pem.p[n - 1] == '\n'))
		n--;
	api->ca_pem.len = n;
	return kiln_buf_terminate(&api->ca_pem, err);
}

int
serve_api_new(struct serve_api **out, const struct serve_api_opts *o,
    struct kiln_err *err)
{
	struct serve_api *api;
	struct kiln_key key;
	size_t i;
	int rc = -1;

	*out = NULL;
	kiln_key_init(&key);
	if ((api = calloc(1, sizeof(*api))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	api->config = o->config;
	api->rng = o->rng;
	api->clock = o->clock;
	api->insert = o->insert != NULL ? o->insert : kiln_certdb_insert;
	kiln_buf_init(&api->ca_text);
	kiln_buf_init(&api->key_text);
	kiln_buf_init(&api->ca_pem);
	kiln_cert_init(&api->ca);
	if (api_replay_init(&api->replay, o->auth_window, err) == -1) {
		free(api);
		return -1;
	}
	if (o->db != NULL) {
		api->has_db = 1;
		api->db = *o->db;
	}
	api->has_auth = kiln_config_has_auth(o->config);
	for (i = 0; i < o->config->n_auth_keys; i++)
		if (o->config->auth_keys[i].key == NULL) {
			kiln_err_set(err, KILN_EINVAL,
			    "auth_keys.%s.key: not resolved",
			    o->config->auth_keys[i].name);
			goto cleanup;
		}
	if (o->auth_window <= 0) {
		kiln_err_set(err, KILN_EINVAL,
		    "the replay window must be "
		    "positive");
		goto cleanup;
	}
	if ((api->ca_name = strdup(o->ca_name)) == NULL ||
	    (api->key_name = strdup(o->ca_key_name)) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (kiln_buf_append(&api->ca_text, o->ca->p, o->ca->len, err) == -1 ||
	    kiln_buf_terminate(&api->ca_text, err) == -1 ||
	    kiln_buf_append(
	        &api->key_text, o->ca_key->p, o->ca_key->len, err) == -1 ||
	    kiln_buf_terminate(&api->key_text, err) == -1)
		goto cleanup;
	/* Opened once here, so that a bad CA stops the start. */
	if (kiln_ca_load(&api->ca, &key, &api->ca_text, api->ca_name,
	        &api->key_text, api->key_name, NULL, o->rng, err) == -1 ||
	    info_pem(api, err) == -1)
		goto cleanup;
	for (i = 0; i < api->ca.ski_len && i < 64; i++)
		snprintf(api->aki + 2 * i, 3, "%02x", api->ca.ski[i]);
	rc = 0;
cleanup:
	kiln_key_free(&key);
	if (rc == -1)
		serve_api_free(api);
	else
		*out = api;
	return rc;
}

void
serve_api_free(struct serve_api *api)
{
	if (api == NULL)
		return;
	api_replay_free(&api->replay);
	kiln_buf_free(&api->ca_text);
	kiln_buf_free(&api->key_text);
	kiln_buf_free(&api->ca_pem);
	kiln_cert_free(&api->ca);
	free(api->ca_name);
	free(api->key_name);
	mbedtls_platform_zeroize(&api->db, sizeof(api->db));
	free(api);
}

static void
thread_free(void *cls, void *p)
{
	struct api_thread *t = p;

	(void)cls;
	if (t == NULL)
		return;
	kiln_certdb_close(t->db);
	kiln_signer_free(&t->signer);
	kiln_key_free(&t->key);
	kiln_cert_free(&t->ca);
	kiln_rng_free(&t->rng);
	free(t);
}

static void *
thread_init(void *cls, struct kiln_err *err)
{
	struct serve_api *api = cls;
	struct api_thread *t;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		return NULL;
	}
	kiln_rng_init(&t->rng);
	kiln_cert_init(&t->ca);
	kiln_key_init(&t->key);
	kiln_signer_init(&t->signer);
	if (kiln_rng_seed_from(&t->rng, api->rng, "kiln serve thread", err) ==
	        -1 ||
	    kiln_ca_load(&t->ca, &t->key, &api->ca_text, api->ca_name,
	        &api->key_text, api->key_name, NULL, &t->rng, err) == -1 ||
	    (api->has_db && kiln_certdb_open(&t->db, &api->db, err) == -1)) {
		thread_free(cls, t);
		return NULL;
	}
	kiln_signer_use(&t->signer, &t->ca, &t->key);
	return t;
}

/* clang-format off */
static const struct endpoint {
	const char *name;
	const char *method; /* the one allowed */
	void (*fn)(struct serve_api *, struct api_thread *,
	    const struct serve_req *, struct serve_reply *);
} endpoints[] = {
	{ "authsign",	"POST",	api_authsign },
	{ "certinfo",	"POST",	api_certinfo },
	{ "crl",	"GET",	api_crl },
	{ "health",	"GET",	api_health },
	{ "info",	"POST",	api_info },
	{ "newcert",	"POST",	api_newcert },
	{ "newkey",	"POST",	api_newkey },
	{ "revoke",	"POST",	api_revoke },
	{ "sign",	"POST",	api_sign },
};
/* clang-format on */

static void
handle(void *cls, void *thread, const struct serve_req *req,
    struct serve_reply *rep)
{
	const struct endpoint *e = NULL;
	const char *name;
	size_t i;

	if (strncmp(req->path, PREFIX, strlen(PREFIX)) == 0) {
		name = req->path + strlen(PREFIX);
		for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++)
			if (strcmp(endpoints[i].name, name) == 0)
				e = &endpoints[i];
	}
	if (e == NULL) {
		api_fail(rep, 404, 404, "no such endpoint");
		return;
	}
	snprintf(rep->endpoint, sizeof(rep->endpoint), "%s", e->name);
	if (req->tls_cn != NULL)
		snprintf(
		    rep->identity, sizeof(rep->identity), "%s", req->tls_cn);
	if (strcmp(req->method, e->method) != 0) {
		api_fail(rep, 405, 405, "Method is not allowed:\"%.16s\"",
		    req->method);
		return;
	}
	if (thread == NULL) {
		api_fail(rep, 500, 0, "the server's thread state is missing");
		return;
	}
	e->fn(cls, thread, req, rep);
}

void
serve_api_app(struct serve_api *api, struct serve_app *app)
{
	app->cls = api;
	app->thread_init = thread_init;
	app->thread_free = thread_free;
	app->handle = handle;
}
