/*
 * kiln serve's API, each endpoint called directly (no HTTP): the exact
 * envelopes of its errors, and what it issues and records.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <mbedtls/md.h>

#include "kiln/certdb.h"
#include "kiln/config.h"
#include "kiln/file.h"
#include "kiln/inspect.h"
#include "kiln/pem.h"
#include "kiln/rng.h"
#include "serve/api.h"
#include "serve/serve.h"

static char dir[] = "/tmp/kiln-test-api.XXXXXX";
static struct kiln_config config;
static struct kiln_rng rng;
static struct kiln_buf ca, ca_key, csr;
static struct kiln_certdb_config db;
static struct serve_api *api;
static struct serve_app app;
static void *thread;
static struct serve_reply rep;
static time_t fake_now = 1796669326;

static time_t
clock_fn(void)
{
	return fake_now;
}

static void
read_data(const char *name, struct kiln_buf *b)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", KILN_TEST_DATA, name);
	cr_assert_eq(kiln_file_read(p, b, NULL), 0, "%s", p);
	cr_assert_eq(kiln_buf_terminate(b, NULL), 0);
}

static void
setup(void)
{
	strcpy(dir, "/tmp/kiln-test-api.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	kiln_config_init(&config);
	kiln_rng_init(&rng);
	kiln_buf_init(&ca);
	kiln_buf_init(&ca_key);
	kiln_buf_init(&csr);
	serve_reply_init(&rep);
	cr_assert_eq(kiln_rng_seed(&rng, "test_api", NULL), 0);
	read_data("crl/ec-ca.pem", &ca);
	read_data("crl/ec-ca-key.pem", &ca_key);
	read_data("sign/ecdsa.csr", &csr);
	memset(&db, 0, sizeof(db));
	db.driver = KILN_CERTDB_SQLITE;
	snprintf(db.data_source, sizeof(db.data_source), "%s/certs.db", dir);
	fake_now = 1796669326;
	api = NULL;
	thread = NULL;
}

static void
teardown(void)
{
	char cmd[PATH_MAX];

	if (thread != NULL)
		app.thread_free(app.cls, thread);
	serve_api_free(api);
	serve_reply_free(&rep);
	kiln_config_free(&config);
	kiln_rng_free(&rng);
	kiln_buf_free(&ca);
	kiln_buf_free(&ca_key);
	kiln_buf_free(&csr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

TestSuite(api, .init = setup, .fini = teardown, .timeout = 60);

/* The key id of tests/data/crl/ec-ca.pem, as the certdb keeps it. */
#define CA_AKI "22ef156fd055f8262ef89dbf4e904f574163b879"

#define OPEN_CONFIG                                                            \
	"{\"signing\":{\"default\":{\"expiry\":\"168h\",\"usages\":["           \
	"\"signing\",\"key encipherment\",\"server auth\"]},\"profiles\":{"   \
	"\"www\":{\"expiry\":\"720h\",\"usages\":[\"signing\",\"server "      \
	"auth\"]}}}}"

#define AUTH_CONFIG                                                            \
	"{\"signing\":{\"default\":{\"expiry\":\"168h\",\"usages\":["           \
	"\"signing\"]},\"profiles\":{\"authp\":{\"expiry\":\"720h\","         \
	"\"usages\":[\"signing\",\"server auth\"],\"auth_key\":\"k1\"}}},"    \
	"\"auth_keys\":{\"k1\":{\"type\":\"standard\",\"key\":"               \
	"\"0123456789abcdef0123456789abcdef\"}}}"

/* Start the API on "json" (with the SQLite certdb when "with_db"). */
static void
start(const char *json, int with_db)
{
	struct serve_api_opts o;
	struct kiln_err err = {0};

	cr_assert_eq(kiln_config_parse(&config, json, strlen(json), &err), 0,
	    "%s", err.msg);
	memset(&o, 0, sizeof(o));
	o.config = &config;
	o.ca = &ca;
	o.ca_key = &ca_key;
	o.ca_name = "ca.pem";
	o.ca_key_name = "ca-key.pem";
	o.db = with_db ? &db : NULL;
	o.auth_window = 300;
	o.rng = &rng;
	o.clock = clock_fn;
	cr_assert_eq(serve_api_new(&api, &o, &err), 0, "%s", err.msg);
	serve_api_app(api, &app);
	cr_assert_not_null(thread = app.thread_init(app.cls, &err), "%s",
	    err.msg);
}

static const char *query_value;

static const char *
query(const struct serve_req *r, const char *name)
{
	(void)r;
	return strcmp(name, "expiry") == 0 ? query_value : NULL;
}

/* Call "method path" with "body"; the reply is in "rep". */
static void
call(const char *method, const char *path, const char *body)
{
	struct serve_req req;

	serve_reply_free(&rep);
	serve_reply_init(&rep);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.query = query;
	req.body = (const unsigned char *)body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.peer = "127.0.0.1:1234";
	app.handle(app.cls, thread, &req, &rep);
	cr_assert_eq(kiln_buf_terminate(&rep.body, NULL), 0);
}

/* The reply is an error envelope: "status", cfssl "code", "msg". */
static void
expect_error(int status, int code, const char *msg)
{
	char want[1024];

	snprintf(want, sizeof(want),
	    "{\"success\":false,\"result\":null,\"errors\":[{\"code\":%d,"
	    "\"message\":\"%s\"}],\"messages\":[]}\n",
	    code, msg);
	cr_expect_eq(rep.status, status, "status %d: %s", rep.status,
	    (char *)rep.body.p);
	cr_expect_str_eq((char *)rep.body.p, want);
	cr_expect_str_eq(rep.content_type, "text/plain; charset=utf-8");
	cr_expect_eq(rep.issued, 0);
}

/* The CSR fixture as a JSON string's contents (newlines escaped). */
static void
csr_json(struct kiln_buf *out)
{
	cr_assert_eq(kiln_buf_append_json(out, (const char *)csr.p, csr.len,
	                 NULL), 0);
}

/* A sign request body: {"certificate_request": CSR, EXTRA}. */
static char *
sign_body(const char *extra)
{
	struct kiln_buf b;

	kiln_buf_init(&b);
	cr_assert_eq(kiln_buf_printf(&b, NULL, "{\"certificate_request\":"), 0);
	csr_json(&b);
	cr_assert_eq(kiln_buf_printf(&b, NULL, "%s%s}", *extra ? "," : "",
	                 extra), 0);
	cr_assert_eq(kiln_buf_terminate(&b, NULL), 0);
	return (char *)b.p; /* the test frees it */
}

/* The certificate of a success reply, inspected. */
static void
issued_cert(struct kiln_info *info)
{
	const char *p = strstr((char *)rep.body.p, "\"certificate\":\"");
	struct kiln_buf pem;
	struct kiln_infos infos;
	const char *s;

	cr_assert_eq(rep.status, 200, "%s", (char *)rep.body.p);
	cr_assert_not_null(p);
	kiln_buf_init(&pem);
	for (s = p + 15; *s != '"'; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			kiln_buf_append(&pem, "\n", 1, NULL);
			s++;
		} else
			kiln_buf_append(&pem, s, 1, NULL);
	}
	kiln_infos_init(&infos);
	cr_assert_eq(kiln_inspect_certs(&infos, pem.p, pem.len, NULL), 0);
	*info = infos.v[0];
	kiln_info_init(&infos.v[0]);
	kiln_infos_free(&infos);
	kiln_buf_free(&pem);
}

Test(api, health_answers_healthy)
{
	start(OPEN_CONFIG, 0);
	call("GET", "/api/v1/cfssl/health", NULL);
	cr_assert_eq(rep.status, 200);
	cr_assert_str_eq((char *)rep.body.p,
	    "{\"success\":true,\"result\":{\"healthy\":true},\"errors\":[],"
	    "\"messages\":[]}\n");
	cr_assert_str_eq(rep.content_type, "application/json");
	cr_assert_str_eq(rep.endpoint, "health");
}

Test(api, unknown_path_and_method_are_envelopes)
{
	start(OPEN_CONFIG, 0);
	call("POST", "/api/v1/cfssl/bundle", "{}");
	expect_error(404, 404, "no such endpoint");
	call("GET", "/api/v1/cfssl/sign", NULL);
	expect_error(405, 405, "Method is not allowed:\\\"GET\\\"");
	call("POST", "/api/v1/cfssl/health", NULL);
	expect_error(405, 405, "Method is not allowed:\\\"POST\\\"");
}

Test(api, sign_refuses_bad_requests)
{
	char *b;

	start(OPEN_CONFIG, 0);
	call("POST", "/api/v1/cfssl/sign", "{\"hosts\":");
	expect_error(400, 400,
	    "Unable to parse sign request: unexpected end of JSON input");
	call("POST", "/api/v1/cfssl/sign", "{\"certificate_requests\":\"x\"}");
	expect_error(400, 400,
	    "Unable to parse sign request: unknown key "
	    "\\\"certificate_requests\\\" (did you mean "
	    "\\\"certificate_request\\\"?)");
	call("POST", "/api/v1/cfssl/sign", "{\"profile\":\"www\"}");
	expect_error(400, 400, "missing parameter 'certificate_request'");
	call("POST", "/api/v1/cfssl/sign",
	    "{\"certificate_request\":\"garbage\"}");
	cr_expect_eq(rep.status, 400);
	cr_expect(strstr((char *)rep.body.p, "\"code\":9002") != NULL, "%s",
	    (char *)rep.body.p);
	b = sign_body("\"profile\":\"nosuch\"");
	call("POST", "/api/v1/cfssl/sign", b);
	free(b);
	/* Never the default profile instead (cfssl signs with it). */
	expect_error(400, 5400, "unknown profile \\\"nosuch\\\"");
	b = sign_body("\"label\":\"other\"");
	call("POST", "/api/v1/cfssl/sign", b);
	free(b);
	expect_error(400, 400, "unknown label \\\"other\\\"");
	b = sign_body("\"serial\":12345");
	call("POST", "/api/v1/cfssl/sign", b);
	free(b);
	expect_error(400, 400,
	    "serial: the profile does not allow client-provided serial "
	    "numbers");
	b = sign_body("\"crl_override\":\"http://x/crl\"");
	call("POST", "/api/v1/cfssl/sign", b);
	free(b);
	expect_error(400, 400,
	    "Unable to parse sign request: crl_override: not supported by "
	    "kiln serve");
}

Test(api, sign_issues_records_and_audits)
{
	struct kiln_certdb *h = NULL;
	struct kiln_certdb_row row;
	struct kiln_info info;
	char *b;

	start(OPEN_CONFIG, 1);
	b = sign_body("\"hosts\":null,\"profile\":\"www\",\"crl_override\":\"\","
	              "\"label\":\"\"");
	call("POST", "/api/v1/cfssl/sign", b);
	free(b);
	issued_cert(&info);
	/* hosts null keeps the CSR's SANs. */
	cr_assert_eq(info.ndns, 2);
	cr_assert_str_eq(info.dns[0], "www.example.com");
	cr_assert_eq(info.nips, 2);
	cr_assert_eq(info.nemails, 1);
	cr_assert_eq(info.not_after - info.not_before, 720 * 3600 + 300);
	cr_assert_eq(rep.issued, 1);
	cr_assert_str_eq(rep.endpoint, "sign");
	cr_assert_str_eq(rep.profile, "www");
	cr_assert_str_eq(rep.result, "ok");
	cr_assert_neq(rep.serial[0], '\0');
	/* In the database, with the real key id, before the reply. */
	kiln_certdb_row_init(&row);
	cr_assert_eq(kiln_certdb_open(&h, &db, NULL), 0);
	cr_assert_eq(kiln_certdb_get(h, rep.serial, CA_AKI, &row, NULL), 1);
	cr_assert_str_eq(row.status, "good");
	cr_assert_str_eq(row.common_name, rep.cn);
	cr_assert(strstr((char *)rep.body.p, "MII") != NULL);
	kiln_certdb_row_free(&row);
	kiln_certdb_close(h);
	kiln_info_free(&info);
}
