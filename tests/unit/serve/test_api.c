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
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/x509_crl.h>
#include <sqlite3.h>

#include "core/compat.h"
#include "kiln/certdb.h"
#include "kiln/config.h"
#include "kiln/file.h"
#include "kiln/inspect.h"
#include "kiln/pem.h"
#include "kiln/rng.h"
#include "serve/api.h"
#include "serve/apipriv.h"
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
/* The certdb's insert, when a test makes serials collide (api_issue). */
static int (*insert_fn)(
    struct kiln_certdb *, const struct kiln_certdb_row *, struct kiln_err *);
static int inserts, collide;
static char first_serial[64];
static struct kiln_buf first_pem;

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
	kiln_buf_init(&first_pem);
	serve_reply_init(&rep);
	cr_assert_eq(kiln_rng_seed(&rng, "test_api", NULL), 0);
	read_data("crl/ec-ca.pem", &ca);
	read_data("crl/ec-ca-key.pem", &ca_key);
	read_data("sign/ecdsa.csr", &csr);
	memset(&db, 0, sizeof(db));
	db.driver = KILN_CERTDB_SQLITE;
	snprintf(db.data_source, sizeof(db.data_source), "%s/certs.db", dir);
	fake_now = 1796669326;
	insert_fn = NULL;
	inserts = collide = 0;
	first_serial[0] = '\0';
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
	kiln_buf_free(&first_pem);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

TestSuite(api, .init = setup, .fini = teardown, .timeout = 60);

/* The key id of tests/data/crl/ec-ca.pem, as the certdb keeps it. */
#define CA_AKI "22ef156fd055f8262ef89dbf4e904f574163b879"

#define OPEN_CONFIG                                                            \
	"{\"signing\":{\"default\":{\"expiry\":\"168h\",\"usages\":["          \
	"\"signing\",\"key encipherment\",\"server auth\"]},\"profiles\":{"    \
	"\"www\":{\"expiry\":\"720h\",\"usages\":[\"signing\",\"server "       \
	"auth\"]}}}}"

#define AUTH_CONFIG                                                            \
	"{\"signing\":{\"default\":{\"expiry\":\"168h\",\"usages\":["          \
	"\"signing\"]},\"profiles\":{\"authp\":{\"expiry\":\"720h\","          \
	"\"usages\":[\"signing\",\"server auth\"],\"auth_key\":\"k1\"}}},"     \
	"\"auth_keys\":{\"k1\":{\"type\":\"standard\",\"key\":"                \
	"\"0123456789abcdef0123456789abcdef\"}}}"

/* The options of an API on "config" (the SQLite certdb: "with_db"). */
static void
api_opts(struct serve_api_opts *o, int with_db)
{
	memset(o, 0, sizeof(*o));
	o->config = &config;
	o->ca = &ca;
	o->ca_key = &ca_key;
	o->ca_name = "ca.pem";
	o->ca_key_name = "ca-key.pem";
	o->db = with_db ? &db : NULL;
	o->auth_window = 300;
	o->rng = &rng;
	o->clock = clock_fn;
	o->insert = insert_fn;
}

/* Start the API on "json" (with the SQLite certdb when "with_db"). */
static void
start(const char *json, int with_db)
{
	struct serve_api_opts o;
	struct kiln_err err = {0};

	cr_assert_eq(kiln_config_parse(&config, json, strlen(json), &err), 0,
	    "%s", err.msg);
	api_opts(&o, with_db);
	cr_assert_eq(serve_api_new(&api, &o, &err), 0, "%s", err.msg);
	serve_api_app(api, &app);
	cr_assert_not_null(
	    thread = app.thread_init(app.cls, &err), "%s", err.msg);
}

static const char *query_value;

static const char *
query(const struct serve_req *r, const char *name)
{
	(void)r;
	return strcmp(name, "expiry") == 0 ? query_value : NULL;
}

/* Call "method path" with "body" on the app "a" and its thread "th". */
static void
call_on(struct serve_app *a, void *th, const char *method, const char *path,
    const char *body)
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
	a->handle(a->cls, th, &req, &rep);
	cr_assert_eq(kiln_buf_terminate(&rep.body, NULL), 0);
}

/* Call "method path" with "body"; the reply is in "rep". */
static void
call(const char *method, const char *path, const char *body)
{
	call_on(&app, thread, method, path, body);
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
	cr_assert_eq(
	    kiln_buf_append_json(out, (const char *)csr.p, csr.len, NULL), 0);
}

/* A sign request body: {"certificate_request": CSR, EXTRA}. */
static char *
sign_body(const char *extra)
{
	struct kiln_buf b;

	kiln_buf_init(&b);
	cr_assert_eq(kiln_buf_printf(&b, NULL, "{\"certificate_request\":"), 0);
	csr_json(&b);
	cr_assert_eq(
	    kiln_buf_printf(&b, NULL, "%s%s}", *extra ? "," : "", extra), 0);
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
	b = sign_body(
	    "\"hosts\":null,\"profile\":\"www\",\"crl_override\":\"\","
	    "\"label\":\"\"");
	call("POST", "/api/v1/cfssl/sign", b);
	free(b);
	issued_cert(&info);
	/* hosts null keeps the CSR's SANs. */
	cr_assert_eq(info.ndns, 2);
	cr_assert_str_eq(info.dns[0], "www.example.com");
	cr_assert_eq(info.nips, 2);
	cr_assert_eq(info.nemails, 1);
	cr_assert_eq(info.not_after - info.not_before, 720 * 3600, "%lld",
	    info.not_after - info.not_before);
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

Test(api, sign_hosts_empty_list_replaces_and_hostname_wins)
{
	struct kiln_info info;
	char *b;

	start(OPEN_CONFIG, 0);
	b = sign_body("\"hosts\":[]");
	call("POST", "/api/v1/cfssl/sign", b);
	free(b);
	issued_cert(&info);
	cr_assert_eq(info.ndns + info.nips + info.nemails, 0);
	kiln_info_free(&info);
	b = sign_body("\"hosts\":[\"a.example\",\"10.0.0.1\"],"
	              "\"hostname\":\"b.example\"");
	call("POST", "/api/v1/cfssl/sign", b);
	free(b);
	issued_cert(&info);
	cr_assert_eq(info.ndns, 1);
	cr_assert_str_eq(info.dns[0], "b.example");
	cr_assert_eq(info.nips, 0);
	kiln_info_free(&info);
}

/* An authsign body for the inner request "inner" under key "hexkey". */
static char *
auth_body(const char *inner, const char *hexkey)
{
	unsigned char key[64], mac[32];
	struct kiln_buf b;
	size_t i, n = strlen(hexkey) / 2;
	unsigned int v;

	for (i = 0; i < n; i++) {
		cr_assert_eq(sscanf(hexkey + 2 * i, "%2x", &v), 1);
		key[i] = (unsigned char)v;
	}
	cr_assert_eq(
	    mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key,
	        n, (const unsigned char *)inner, strlen(inner), mac),
	    0);
	kiln_buf_init(&b);
	cr_assert_eq(
	    kiln_buf_printf(&b, NULL, "{\"timestamp\":1796669326,\"token\":\""),
	    0);
	cr_assert_eq(kiln_base64_append(&b, mac, sizeof(mac), NULL), 0);
	cr_assert_eq(kiln_buf_printf(&b, NULL, "\",\"request\":\""), 0);
	cr_assert_eq(kiln_base64_append(
	                 &b, (const unsigned char *)inner, strlen(inner), NULL),
	    0);
	cr_assert_eq(kiln_buf_printf(&b, NULL, "\"}"), 0);
	cr_assert_eq(kiln_buf_terminate(&b, NULL), 0);
	return (char *)b.p;
}

#define K1 "0123456789abcdef0123456789abcdef"

Test(api, authsign_checks_the_token_and_refuses_a_replay)
{
	struct kiln_info info;
	char *inner, *b;

	start(AUTH_CONFIG, 1);
	inner = sign_body("\"hosts\":null,\"profile\":\"authp\","
	                  "\"crl_override\":\"\",\"label\":\"\"");
	b = auth_body(inner, K1);
	call("POST", "/api/v1/cfssl/authsign", b);
	issued_cert(&info);
	kiln_info_free(&info);
	cr_assert_str_eq(rep.identity, "k1");
	cr_assert_str_eq(rep.profile, "authp");
	/* The same request again: its token is remembered. */
	fake_now += 299;
	call("POST", "/api/v1/cfssl/authsign", b);
	expect_error(400, 400, "token already used");
	/* Past the window it is forgotten. */
	fake_now += 1;
	call("POST", "/api/v1/cfssl/authsign", b);
	cr_assert_eq(rep.status, 200, "%s", (char *)rep.body.p);
	free(b);
	/* A wrong key. */
	b = auth_body(inner, "00112233");
	call("POST", "/api/v1/cfssl/authsign", b);
	expect_error(400, 400, "invalid token");
	free(b);
	free(inner);
	/* A profile without auth_key cannot be used through authsign. */
	inner = sign_body("\"profile\":\"\"");
	b = auth_body(inner, K1);
	call("POST", "/api/v1/cfssl/authsign", b);
	expect_error(400, 400, "no authentication provider");
	free(b);
	free(inner);
	call("POST", "/api/v1/cfssl/authsign", "{\"token\":\"AA==\"}");
	expect_error(400, 400, "request: missing");
	call("POST", "/api/v1/cfssl/authsign",
	    "{\"token\":\"AA==\",\"request\":\"e30=\",\"remote_address\":"
	    "\"AA==\"}");
	expect_error(400, 400, "remote_address: not supported by kiln serve");
}

Test(api, a_failed_request_leaves_its_token_usable)
{
	char *b;

	start(AUTH_CONFIG, 0);
	b = auth_body("{\"profile\":\"authp\",\"certificate_request\":"
	              "\"garbage\"}",
	    K1);
	call("POST", "/api/v1/cfssl/authsign", b);
	cr_assert_eq(rep.status, 400);
	cr_assert(strstr((char *)rep.body.p, "\"code\":9002") != NULL);
	call("POST", "/api/v1/cfssl/authsign", b);
	cr_assert(strstr((char *)rep.body.p, "\"code\":9002") != NULL, "%s",
	    (char *)rep.body.p);
	free(b);
}

/* Another API on the same config and database: a replica. */
static struct serve_api *
replica(struct serve_app *a, void **th)
{
	struct serve_api_opts o;
	struct serve_api *r = NULL;
	struct kiln_err err = {0};

	api_opts(&o, 1);
	cr_assert_eq(serve_api_new(&r, &o, &err), 0, "%s", err.msg);
	serve_api_app(r, a);
	cr_assert_not_null(*th = a->thread_init(a->cls, &err), "%s", err.msg);
	return r;
}

/* The first column of the first row of "sql" on the certdb file. */
static void
db_text(const char *sql, char *out, size_t cap)
{
	sqlite3 *c;
	sqlite3_stmt *st;

	cr_assert_eq(sqlite3_open(db.data_source, &c), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(c, sql, -1, &st, NULL), SQLITE_OK, "%s",
	    sqlite3_errmsg(c));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
	snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(c);
}

Test(api, a_token_in_the_database_is_refused_by_a_replica_and_a_restart)
{
	struct serve_app ra;
	struct serve_api *r;
	void *rt = NULL;
	char *inner, *b, s[128];

	start(AUTH_CONFIG, 1);
	inner = sign_body("\"profile\":\"authp\"");
	b = auth_body(inner, K1);
	call("POST", "/api/v1/cfssl/authsign", b);
	cr_assert_eq(rep.status, 200, "%s", (char *)rep.body.p);
	/* Kept in the database: the key's name and the window's end. */
	db_text("SELECT key_name || ' ' || length(token) || ' ' || expiry "
	        "FROM kiln_tokens",
	    s, sizeof(s));
	cr_assert_str_eq(s, "k1 32 1796669626");
	r = replica(&ra, &rt);
	call_on(&ra, rt, "POST", "/api/v1/cfssl/authsign", b);
	expect_error(400, 400, "token already used");
	ra.thread_free(ra.cls, rt);
	serve_api_free(r);
	/* The first stopped and started again: still refused. */
	app.thread_free(app.cls, thread);
	thread = NULL;
	serve_api_free(api);
	api = replica(&app, &thread);
	call("POST", "/api/v1/cfssl/authsign", b);
	expect_error(400, 400, "token already used");
	/* Until the window has passed. */
	fake_now += 300;
	call("POST", "/api/v1/cfssl/authsign", b);
	cr_assert_eq(rep.status, 200, "%s", (char *)rep.body.p);
	free(b);
	free(inner);
}

Test(api, a_failed_request_gives_its_token_back_to_the_database)
{
	char *b, s[64];

	start(AUTH_CONFIG, 1);
	b = auth_body("{\"profile\":\"authp\",\"certificate_request\":"
	              "\"garbage\"}",
	    K1);
	call("POST", "/api/v1/cfssl/authsign", b);
	cr_assert_eq(rep.status, 400);
	cr_assert(strstr((char *)rep.body.p, "\"code\":9002") != NULL);
	db_text("SELECT count(*) FROM kiln_tokens", s, sizeof(s));
	cr_assert_str_eq(s, "0");
	call("POST", "/api/v1/cfssl/authsign", b);
	cr_assert(strstr((char *)rep.body.p, "\"code\":9002") != NULL, "%s",
	    (char *)rep.body.p);
	free(b);
}

Test(api, with_an_auth_key_nothing_is_issued_without_a_token)
{
	char *b;

	start(AUTH_CONFIG, 0);
	b = sign_body("\"profile\":\"authp\"");
	call("POST", "/api/v1/cfssl/sign", b);
	free(b);
	expect_error(400, 400, "authentication required");
	/* The default profile has no auth_key: still refused (kiln). */
	b = sign_body("");
	call("POST", "/api/v1/cfssl/sign", b);
	free(b);
	expect_error(401, 401,
	    "authentication required: this server issues through authsign "
	    "only");
	/* newcert has no token at all (cfssl#788 issues anyway). */
	call("POST", "/api/v1/cfssl/newcert",
	    "{\"request\":{\"CN\":\"x\",\"hosts\":[\"x.example\"]},"
	    "\"profile\":\"authp\"}");
	expect_error(401, 401,
	    "authentication required: newcert has no token; this server "
	    "issues through authsign only");
}

Test(api, newcert_and_newkey_make_a_key)
{
	const char *body;

	start(OPEN_CONFIG, 1);
	call("POST", "/api/v1/cfssl/newcert",
	    "{\"request\":{\"CN\":\"n.example\",\"hosts\":[\"n.example\"]},"
	    "\"profile\":\"www\"}");
	body = (char *)rep.body.p;
	cr_assert_eq(rep.status, 200, "%s", body);
	cr_assert_eq(strncmp(body,
	                 "{\"success\":true,\"result\":{\"certificate\":\""
	                 "-----BEGIN CERTIFICATE-----\\n",
	                 68),
	    0, "%s", body);
	cr_assert(strstr(body, "\",\"certificate_request\":\"-----BEGIN "
	                       "CERTIFICATE REQUEST-----\\n") != NULL);
	cr_assert(strstr(body, "\",\"private_key\":\"-----BEGIN EC PRIVATE "
	                       "KEY-----\\n") != NULL);
	cr_assert(
	    strstr(body, "\"sums\":{\"certificate\":{\"md5\":\"") != NULL);
	cr_assert(strstr(body, "\"messages\":[]}\n") != NULL);
	cr_assert_str_eq(rep.cn, "n.example");
	cr_assert_eq(rep.sans.len, 13);
	cr_assert_eq(memcmp(rep.sans.p, "[\"n.example\"]", 13), 0);
	cr_assert_eq(rep.issued, 1);
	/* The audit line gets every SAN, not only the database's DNS
	 * names: DNS, then IP addresses, email addresses and URIs. */
	call("POST", "/api/v1/cfssl/newcert",
	    "{\"request\":{\"CN\":\"m\",\"hosts\":[\"10.0.0.7\","
	    "\"m.example\",\"ops@m.example\",\"spiffe://m/x\",\"::1\"]},"
	    "\"profile\":\"www\"}");
	cr_assert_eq(rep.status, 200, "%s", (char *)rep.body.p);
	cr_assert_eq(kiln_buf_terminate(&rep.sans, NULL), 0);
	cr_assert_str_eq((char *)rep.sans.p,
	    "[\"m.example\",\"10.0.0.7\",\"::1\",\"ops@m.example\","
	    "\"spiffe://m/x\"]");
	/* No hosts: cfssl's warning among the messages. */
	call("POST", "/api/v1/cfssl/newcert", "{\"request\":{\"CN\":\"x\"}}");
	cr_assert_eq(rep.status, 200, "%s", (char *)rep.body.p);
	cr_assert(strstr((char *)rep.body.p,
	              "\"messages\":[{\"code\":5300,\"message\":\"This "
	              "certificate lacks a \\\"hosts\\\" field.") != NULL);
	call("POST", "/api/v1/cfssl/newcert",
	    "{\"request\":{\"CN\":\"x\",\"ca\":{}}}");
	expect_error(400, 400, "ca section only permitted in initca");
	call("POST", "/api/v1/cfssl/newkey",
	    "{\"CN\":\"k.example\",\"key\":{\"algo\":\"ecdsa\",\"size\":384}}");
	body = (char *)rep.body.p;
	cr_assert_eq(rep.status, 200, "%s", body);
	cr_assert_eq(strncmp(body,
	                 "{\"success\":true,\"result\":{\"private_key\":\""
	                 "-----BEGIN EC PRIVATE KEY-----\\n",
	                 71),
	    0, "%s", body);
	cr_assert(strstr(body, "\"sums\":{\"certificate_request\":{\"md5\":"
	                       "\"") != NULL);
	cr_assert_eq(rep.issued, 0);
}

/*
 * The certdb's insert, counted; while "collide" > 0 the row is first
 * inserted as if another replica had drawn the same serial, so that the
 * real insert finds it there (KILN_EEXIST).  The first such row's serial
 * and certificate are kept.
 */
static int
colliding_insert(struct kiln_certdb *h, const struct kiln_certdb_row *row,
    struct kiln_err *err)
{
	inserts++;
	if (collide > 0) {
		collide--;
		if (first_serial[0] == '\0') {
			snprintf(first_serial, sizeof(first_serial), "%s",
			    row->serial);
			cr_assert_eq(kiln_buf_append(&first_pem, row->pem.p,
			                 row->pem.len, NULL),
			    0);
			cr_assert_eq(kiln_buf_terminate(&first_pem, NULL), 0);
		}
		cr_assert_eq(kiln_certdb_insert(h, row, NULL), 0);
	}
	return kiln_certdb_insert(h, row, err);
}

/* The string "name" of the success reply's result. */
static const char *
result_str(const cJSON *reply, const char *name)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(reply, "result");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, name);

	cr_assert(cJSON_IsString(v), "result.%s is not a string", name);
	return v->valuestring;
}

/* The certificate the row "serial" holds, its PEM into "*pem" (freed). */
static void
db_cert(const char *serial, struct kiln_cert *c, char **pem)
{
	struct kiln_certdb *h = NULL;
	struct kiln_certdb_row row;
	struct kiln_err err = {0};

	kiln_certdb_row_init(&row);
	cr_assert_eq(kiln_certdb_open(&h, &db, NULL), 0);
	cr_assert_eq(kiln_certdb_get(h, serial, CA_AKI, &row, NULL), 1,
	    "no row %s", serial);
	cr_assert_eq(kiln_buf_terminate(&row.pem, NULL), 0);
	cr_assert_eq(
	    kiln_cert_parse(c, row.pem.p, row.pem.len, &err), 0, "%s", err.msg);
	*pem = strdup((char *)row.pem.p);
	kiln_certdb_row_free(&row);
	kiln_certdb_close(h);
}

Test(api, newcert_draws_a_taken_serial_again_for_the_same_key)
{
	struct kiln_cert first, got;
	struct kiln_key key;
	struct kiln_err err = {0};
	const char *cert_pem, *key_pem;
	char *first_row, *got_row;
	cJSON *j;

	kiln_cert_init(&first);
	kiln_cert_init(&got);
	kiln_key_init(&key);
	insert_fn = colliding_insert;
	collide = 1;
	start(OPEN_CONFIG, 1);
	call("POST", "/api/v1/cfssl/newcert",
	    "{\"request\":{\"CN\":\"r.example\",\"hosts\":[\"r.example\"]},"
	    "\"profile\":\"www\"}");
	cr_assert_eq(rep.status, 200, "%s", (char *)rep.body.p);
	/* One retry: the serial found taken, then another one recorded. */
	cr_assert_eq(inserts, 2);
	cr_assert_eq(collide, 0);
	cr_assert_neq(first_serial[0], '\0');
	cr_assert_str_neq(rep.serial, first_serial);
	cr_assert_str_eq(rep.cn, "r.example");
	cr_assert_eq(rep.issued, 1);
	cr_assert_not_null(j = cJSON_Parse((char *)rep.body.p));
	cert_pem = result_str(j, "certificate");
	key_pem = result_str(j, "private_key");
	/* The row of the serial answered holds the certificate answered. */
	db_cert(rep.serial, &got, &got_row);
	cr_assert_str_eq(got_row, cert_pem);
	db_cert(first_serial, &first, &first_row);
	cr_assert_str_eq(first_row, (char *)first_pem.p);
	/* Both certificates are of the key answered: it was made once. */
	cr_assert_eq(kiln_key_parse(&key, (const unsigned char *)key_pem,
	                 strlen(key_pem), &rng, &err),
	    0, "%s", err.msg);
	cr_assert_eq(
	    kiln_key_check_pair(&got.crt.pk, &key, &err), 0, "%s", err.msg);
	cr_assert_eq(kiln_key_check_pair(&first.crt.pk, &key, &err), 0,
	    "the first try's certificate is of another key: %s", err.msg);
	cJSON_Delete(j);
	free(first_row);
	free(got_row);
	kiln_cert_free(&first);
	kiln_cert_free(&got);
	kiln_key_free(&key);
}

Test(api, sign_draws_a_taken_serial_again_and_gives_up_after_the_tries)
{
	struct kiln_info info;
	char *b, *row;
	struct kiln_cert c;

	kiln_cert_init(&c);
	insert_fn = colliding_insert;
	collide = 1;
	start(OPEN_CONFIG, 1);
	b = sign_body("\"profile\":\"www\"");
	call("POST", "/api/v1/cfssl/sign", b);
	issued_cert(&info);
	cr_assert_eq(inserts, 2);
	cr_assert_str_neq(rep.serial, first_serial);
	db_cert(rep.serial, &c, &row);
	cr_assert(strstr((char *)rep.body.p, "MII") != NULL);
	kiln_info_free(&info);
	free(row);
	kiln_cert_free(&c);
	/* Every serial taken: API_ISSUE_TRIES certificates, none sent. */
	inserts = 0;
	collide = API_ISSUE_TRIES;
	call("POST", "/api/v1/cfssl/sign", b);
	expect_error(500, 11100, "certificate database: no free serial number");
	cr_assert_eq(inserts, API_ISSUE_TRIES);
	cr_assert_eq(rep.serial[0], '\0');
	/* newcert alike. */
	inserts = 0;
	collide = API_ISSUE_TRIES;
	call("POST", "/api/v1/cfssl/newcert",
	    "{\"request\":{\"CN\":\"r.example\",\"hosts\":[\"r.example\"]}}");
	expect_error(500, 11100, "certificate database: no free serial number");
	cr_assert_eq(inserts, API_ISSUE_TRIES);
	free(b);
}

Test(api, info_gives_the_ca_and_the_profile_as_written)
{
	struct kiln_buf want;

	start(OPEN_CONFIG, 0);
	call("POST", "/api/v1/cfssl/info",
	    "{\"label\":\"\",\"profile\":\"www\"}");
	cr_assert_eq(rep.status, 200, "%s", (char *)rep.body.p);
	kiln_buf_init(&want);
	kiln_buf_printf(&want, NULL,
	    "{\"success\":true,\"result\":{"
	    "\"certificate\":");
	/* The CA's PEM with no final newline. */
	while (ca.len > 0 && ca.p[ca.len - 1] == '\n')
		ca.len--;
	kiln_buf_append_json(&want, (const char *)ca.p, ca.len, NULL);
	kiln_buf_printf(&want, NULL,
	    ",\"usages\":[\"signing\",\"server auth\"],\"expiry\":\"720h\"},"
	    "\"errors\":[],\"messages\":[]}\n");
	kiln_buf_terminate(&want, NULL);
	cr_assert_str_eq((char *)rep.body.p, (char *)want.p);
	kiln_buf_free(&want);
	call("POST", "/api/v1/cfssl/info", "");
	expect_error(400, 400, "unexpected end of JSON input");
	call("POST", "/api/v1/cfssl/info", "{\"profile\":\"nosuch\"}");
	expect_error(400, 5400, "unknown profile \\\"nosuch\\\"");
}

Test(api, certinfo_reads_a_pem_and_never_dials)
{
	struct kiln_buf b;

	start(OPEN_CONFIG, 0);
	call("POST", "/api/v1/cfssl/certinfo", "{\"domain\":\"127.0.0.1:1\"}");
	expect_error(400, 400,
	    "domain: kiln serve does not connect to other hosts; send the "
	    "certificate");
	call("POST", "/api/v1/cfssl/certinfo", "{}");
	expect_error(400, 400, "no valid parameter sets found");
	kiln_buf_init(&b);
	kiln_buf_printf(&b, NULL, "{\"certificate\":");
	kiln_buf_append_json(&b, (const char *)ca.p, ca.len, NULL);
	kiln_buf_printf(&b, NULL, "}");
	kiln_buf_terminate(&b, NULL);
	call("POST", "/api/v1/cfssl/certinfo", (char *)b.p);
	kiln_buf_free(&b);
	cr_assert_eq(rep.status, 200, "%s", (char *)rep.body.p);
	cr_assert(strstr((char *)rep.body.p,
	              "\"common_name\": \"crl test CA\"") != NULL,
	    "%s", (char *)rep.body.p);
}

Test(api, revoke_then_crl_lists_the_serial)
{
	struct kiln_buf b;
	char serial[64], body[512];
	char *s;
	mbedtls_x509_crl crl;

	start(OPEN_CONFIG, 1);
	s = sign_body("");
	call("POST", "/api/v1/cfssl/sign", s);
	free(s);
	cr_assert_eq(rep.status, 200);
	snprintf(serial, sizeof(serial), "%s", rep.serial);
	snprintf(body, sizeof(body),
	    "{\"serial\":\"%s\",\"authority_key_id\":\"%s\",\"reason\":"
	    "\"keyCompromise\"}",
	    serial, CA_AKI);
	call("POST", "/api/v1/cfssl/revoke", body);
	cr_assert_eq(rep.status, 200, "%s", (char *)rep.body.p);
	cr_assert_str_eq((char *)rep.body.p,
	    "{\"success\":true,\"result\":{},\"errors\":[],\"messages\":[]}\n");
	call("POST", "/api/v1/cfssl/revoke",
	    "{\"serial\":\"1\",\"authority_key_id\":\"" CA_AKI "\"}");
	expect_error(400, 11200,
	    "failed to revoke the certificate: certificate not found");
	call("POST", "/api/v1/cfssl/revoke", "{\"serial\":\"\"}");
	expect_error(400, 400, "serial number is required but not provided");
	call("POST", "/api/v1/cfssl/revoke",
	    "{\"serial\":\"1\",\"authority_key_id\":\"ab\",\"reason\":"
	    "\"bogus\"}");
	expect_error(400, 400, "Invalid reason code");
	/* A day after the revocation (2026-12-07T18:48:46Z). */
	fake_now += 86400;
	query_value = "1h";
	call("GET", "/api/v1/cfssl/crl", NULL);
	query_value = NULL;
	cr_assert_eq(rep.status, 200, "%s", (char *)rep.body.p);
	/* The result is a JSON string of base64 DER. */
	s = strstr((char *)rep.body.p, "\"result\":\"") + 10;
	kiln_buf_init(&b);
	cr_assert_eq(kiln_base64_decode((const unsigned char *)s,
	                 (size_t)(strchr(s, '"') - s), &b, NULL),
	    0);
	mbedtls_x509_crl_init(&crl);
	cr_assert_eq(mbedtls_x509_crl_parse_der(&crl, b.p, b.len), 0);
	/* One entry: the serial revoked (20 bytes, as kiln issues). */
	cr_assert_not_null(crl.entry.serial.p);
	cr_assert(crl.entry.next == NULL || crl.entry.next->serial.p == NULL);
	cr_assert_geq(crl.entry.serial.len, 19);
	cr_assert_eq(crl.next_update.hour, (crl.this_update.hour + 1) % 24);
	/* Dated by its row's revoked_at, not by thisUpdate, as cfssl. */
	cr_assert_eq(crl.this_update.day, 8);
	cr_assert_eq(crl.entry.revocation_date.year, 2026);
	cr_assert_eq(crl.entry.revocation_date.mon, 12);
	cr_assert_eq(crl.entry.revocation_date.day, 7);
	cr_assert_eq(crl.entry.revocation_date.hour, 18);
	cr_assert_eq(crl.entry.revocation_date.min, 48);
	cr_assert_eq(crl.entry.revocation_date.sec, 46);
	mbedtls_x509_crl_free(&crl);
	kiln_buf_free(&b);
}

/*
 * As cfssl's, revoke takes no token, even on a server whose profiles all
 * need one (SECURITY.md says so, and what the operator must do): this
 * test fails the day that changes, so that the documentation does too.
 */
Test(api, revoke_takes_no_token_even_with_auth_keys)
{
	struct kiln_certdb *h = NULL;
	struct kiln_certdb_row row;
	char body[512], *inner, *b;

	start(AUTH_CONFIG, 1);
	inner = sign_body("\"profile\":\"authp\"");
	b = auth_body(inner, K1);
	call("POST", "/api/v1/cfssl/authsign", b);
	free(b);
	free(inner);
	cr_assert_eq(rep.status, 200, "%s", (char *)rep.body.p);
	snprintf(body, sizeof(body),
	    "{\"serial\":\"%s\",\"authority_key_id\":\"%s\",\"reason\":"
	    "\"superseded\"}",
	    rep.serial, CA_AKI);
	call("POST", "/api/v1/cfssl/revoke", body);
	cr_assert_eq(rep.status, 200, "%s", (char *)rep.body.p);
	cr_assert_str_eq(rep.identity, "");
	kiln_certdb_row_init(&row);
	cr_assert_eq(kiln_certdb_open(&h, &db, NULL), 0);
	cr_assert_eq(kiln_certdb_get(h, rep.serial, CA_AKI, &row, NULL), 1);
	cr_assert_str_eq(row.status, "revoked");
	cr_assert_eq(row.reason, 4);
	kiln_certdb_row_free(&row);
	kiln_certdb_close(h);
}

Test(api, crl_and_revoke_need_a_database)
{
	start(OPEN_CONFIG, 0);
	call("GET", "/api/v1/cfssl/crl", NULL);
	expect_error(400, 400, "crl needs a certificate database (-db-config)");
	call("POST", "/api/v1/cfssl/revoke", "{}");
	expect_error(
	    400, 400, "revoke needs a certificate database (-db-config)");
}

Test(api, the_replay_window_remembers_per_key_and_forgets)
{
	struct api_replay r;
	unsigned char tok[32];
	size_t i;

	cr_assert_eq(api_replay_init(&r, 10, NULL), 0);
	/* More than the first queue holds (1024): it grows. */
	for (i = 0; i < 3000; i++) {
		memset(tok, 0, sizeof(tok));
		memcpy(tok, &i, sizeof(i));
		cr_assert_eq(api_replay_claim(&r, 0, tok, 100), 0);
	}
	memset(tok, 0, sizeof(tok));
	i = 1234;
	memcpy(tok, &i, sizeof(i));
	cr_assert_eq(api_replay_claim(&r, 0, tok, 105), 1);
	/* Another key's token of the same bytes is another token. */
	cr_assert_eq(api_replay_claim(&r, 1, tok, 105), 0);
	/* Released: usable again. */
	api_replay_release(&r, 1, tok);
	cr_assert_eq(api_replay_claim(&r, 1, tok, 106), 0);
	/* 10 seconds after: forgotten. */
	cr_assert_eq(api_replay_claim(&r, 0, tok, 110), 0);
	cr_assert_eq(api_replay_claim(&r, 0, tok, 111), 1);
	api_replay_free(&r);
}
