/*
 * kiln serve's HTTP layer, its parts without a socket (serve/httpint.h):
 * the audit line under hostile strings, the envelope, the metrics text
 * and the client CN match.  The sockets are tests/integration/
 * serve_http.sh's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include "core/strs.h"
#include "serve/httpint.h"

TestSuite(serve_http);

/* The audit line of "a", checked to be one line of one JSON object. */
static cJSON *
audit_line(const struct http_audit *a, char **text)
{
	struct kiln_buf b;
	struct kiln_err err;
	unsigned long c;
	cJSON *j;
	size_t i, k;

	kiln_buf_init(&b);
	kiln_err_clear(&err);
	cr_assert_eq(http_audit_format(&b, a, &err), 0);
	cr_assert(b.len > 1);
	cr_assert_eq(b.p[b.len - 1], '\n');
	/* Nothing a terminal acts on: no C0, DEL, C1 or bidi control. */
	for (i = 0; i + 1 < b.len; i += k) {
		k = kiln_utf8_next(b.p + i, b.len - 1 - i, &c);
		cr_assert_neq(k, 0, "invalid UTF-8 at %zu", i);
		cr_assert(!kiln_utf8_hidden(c), "U+%04lx at %zu", c, i);
	}
	j = cJSON_ParseWithLength((const char *)b.p, b.len - 1);
	cr_assert_not_null(j, "not JSON: %.*s", (int)b.len, b.p);
	*text = strndup((const char *)b.p, b.len);
	kiln_buf_free(&b);
	return j;
}

static const char *
str(const cJSON *j, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);

	cr_assert(cJSON_IsString(v), "%s is not a string", k);
	return v->valuestring;
}

Test(serve_http, audit_fields_exact)
{
	struct serve_reply rep;
	struct http_audit a;
	struct kiln_err err;
	const char *keys[] = {"time", "peer", "tls_cn", "identity", "method",
	    "path", "endpoint", "status", "profile", "serial", "cn", "sans",
	    "result", "duration_ms"};
	const cJSON *it;
	char *text;
	cJSON *j;
	size_t i = 0;

	serve_reply_init(&rep);
	kiln_err_clear(&err);
	snprintf(rep.endpoint, sizeof(rep.endpoint), "sign");
	snprintf(rep.identity, sizeof(rep.identity), "k1");
	snprintf(rep.profile, sizeof(rep.profile), "www");
	snprintf(rep.serial, sizeof(rep.serial), "1234");
	snprintf(rep.cn, sizeof(rep.cn), "a.example");
	snprintf(rep.result, sizeof(rep.result), "ok");
	cr_assert_eq(
	    kiln_buf_printf(&rep.sans, &err, "[\"a.example\",\"10.0.0.1\"]"),
	    0);
	memset(&a, 0, sizeof(a));
	a.start.tv_sec = 1796669326; /* 2026-12-07T18:08:46Z */
	a.start.tv_nsec = 42 * 1000000 + 999;
	a.peer = "127.0.0.1:5000";
	a.method = "POST";
	a.path = "/api/v1/cfssl/sign";
	a.status = 200;
	a.rep = &rep;
	a.duration_ms = 1.5;
	j = audit_line(&a, &text);
	cr_assert_str_eq(text,
	    "{\"time\":\"2026-12-07T18:48:46.042Z\",\"peer\":\"127.0.0.1:"
	    "5000\","
	    "\"tls_cn\":null,\"identity\":\"k1\",\"method\":\"POST\","
	    "\"path\":\"/api/v1/cfssl/sign\",\"endpoint\":\"sign\","
	    "\"status\":200,\"profile\":\"www\",\"serial\":\"1234\","
	    "\"cn\":\"a.example\",\"sans\":[\"a.example\",\"10.0.0.1\"],"
	    "\"result\":\"ok\",\"duration_ms\":1.500}\n");
	for (it = j->child; it != NULL; it = it->next) {
		cr_assert(i < sizeof(keys) / sizeof(keys[0]));
		cr_assert_str_eq(it->string, keys[i]);
		i++;
	}
	cr_assert_eq(i, sizeof(keys) / sizeof(keys[0]));
	cJSON_Delete(j);
	free(text);
	serve_reply_free(&rep);
}

Test(serve_http, audit_hostile_strings)
{
	/* Quotes, backslashes, newlines, NULs, ESC, bidi overrides, lone
	 * continuation bytes, an overlong '/', U+2028, and a fake key. */
	static const char hostile[] =
	    "a\"b\\c\nd\re\tf\x1b[31mg\xe2\x80\xaeh\x80i\xc0\xafj"
	    "\xe2\x80\xa8k</script>&\x7f\"}\n{\"injected\":1";
	struct serve_reply rep;
	struct http_audit a;
	struct kiln_err err;
	const cJSON *sans;
	char *text;
	cJSON *j;

	serve_reply_init(&rep);
	kiln_err_clear(&err);
	memcpy(rep.cn, hostile, sizeof(hostile));        /* fits 256 */
	memset(rep.identity, 'x', sizeof(rep.identity)); /* no NUL at all */
	memset(rep.result, '"', sizeof(rep.result));
	/* A SAN list that is not what the API promises: re-encoded. */
	cr_assert_eq(kiln_buf_printf(&rep.sans, &err,
	                 "[\"ok\\n\",1,{\"x\":2},\"\\u0000z\"]"),
	    0);
	memset(&a, 0, sizeof(a));
	a.peer = hostile;
	a.tls_cn = hostile;
	a.method = hostile;
	a.path = hostile;
	a.rep = &rep;
	j = audit_line(&a, &text);
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(j, "injected"));
	cr_assert_eq(cJSON_GetArraySize(j), 14);
	cr_assert_eq(strlen(str(j, "identity")), sizeof(rep.identity));
	cr_assert_eq(strlen(str(j, "result")), sizeof(rep.result));
	cr_assert(strstr(text, "\\u001b") != NULL);
	cr_assert(strstr(text, "\\u2028") != NULL);
	cr_assert(strstr(text, "\\u003c/script\\u003e") != NULL);
	cr_assert(strstr(text, "\xc0\xaf") == NULL);
	cr_assert(strstr(text, "\x80i") == NULL);
	cr_assert_str_eq(str(j, "path"), str(j, "peer"));
	sans = cJSON_GetObjectItemCaseSensitive(j, "sans");
	cr_assert_eq(cJSON_GetArraySize(sans), 2);
	cr_assert_str_eq(cJSON_GetArrayItem(sans, 0)->valuestring, "ok\n");
	cJSON_Delete(j);
	free(text);

	/* Not JSON at all: []. */
	kiln_buf_free(&rep.sans);
	cr_assert_eq(kiln_buf_printf(&rep.sans, &err, "],\"x\":[\""), 0);
	j = audit_line(&a, &text);
	cr_assert_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "sans")), 0);
	cJSON_Delete(j);
	free(text);
	serve_reply_free(&rep);
}

Test(serve_http, audit_escapes_del_c1_and_bidi_controls)
{
	/* A CN with DEL, CSI (U+009B) "[31m", NEL (U+0085) and RLO. */
	static const char cn[] = "x\x7fy\xc2\x9b[31mz\xc2\x85"
	                         "w\xe2\x80\xae"
	                         "v";
	struct serve_reply rep;
	struct http_audit a;
	char *text;
	cJSON *j;

	serve_reply_init(&rep);
	memcpy(rep.cn, cn, sizeof(cn));
	cr_assert_eq(kiln_buf_printf(&rep.sans, NULL,
	                 "[\"s\xc2\x9b"
	                 "1\"]"),
	    0);
	memset(&a, 0, sizeof(a));
	a.rep = &rep;
	j = audit_line(&a, &text);
	cr_assert(
	    strstr(text, ",\"cn\":\"x\\u007fy\\u009b[31mz\\u0085w\\u202ev\","
	                 "\"sans\":[\"s\\u009b1\"],") != NULL,
	    "%s", text);
	/* Read back, the CN is the one given. */
	cr_assert_str_eq(str(j, "cn"), cn);
	cJSON_Delete(j);
	free(text);
	serve_reply_free(&rep);
}

Test(serve_http, envelope)
{
	struct kiln_buf b;

	kiln_buf_init(&b);
	cr_assert_eq(http_envelope(&b, 413, "too \"big\"\n", NULL), 0);
	cr_assert_eq(kiln_buf_terminate(&b, NULL), 0);
	cr_assert_str_eq((char *)b.p,
	    "{\"success\":false,\"result\":null,\"errors\":[{\"code\":413,"
	    "\"message\":\"too \\\"big\\\"\\n\"}],\"messages\":[]}\n");
	kiln_buf_free(&b);
}

Test(serve_http, metrics_text)
{
	struct http_metrics *m = malloc(sizeof(*m));
	struct kiln_buf b;
	char name[32];
	int i;

	cr_assert_not_null(m);
	http_metrics_init(m);
	http_metrics_count(m, "sign", 200, 0.003, 1);
	http_metrics_count(m, "sign", 200, 0.2, 1);
	http_metrics_count(m, "sign", 400, 0.02, 0);
	http_metrics_count(m, "a\"b\\c\nd", 200, 20, 0);
	http_metrics_count(m, "", 413, 0.001, 0);
	atomic_store(&m->in_flight, 3);
	kiln_buf_init(&b);
	cr_assert_eq(http_metrics_text(&b, m, NULL), 0);
	cr_assert_eq(kiln_buf_terminate(&b, NULL), 0);
	cr_assert(
	    strstr((char *)b.p,
	        "\nkiln_serve_requests_total{endpoint=\"sign\",code=\"200\"} "
	        "2\n"
	        "kiln_serve_requests_total{endpoint=\"sign\",code=\"400\"} 1\n"
	        "kiln_serve_requests_total{endpoint=\"a\\\"b\\\\c\\nd\","
	        "code=\"200\"} 1\n"
	        "kiln_serve_requests_total{endpoint=\"\",code=\"413\"} 1\n") !=
	        NULL,
	    "%s", b.p);
	cr_assert(
	    strstr((char *)b.p,
	        "kiln_serve_request_duration_seconds_bucket{le=\"0.005\"} 2\n"
	        "kiln_serve_request_duration_seconds_bucket{le=\"0.01\"} 2\n"
	        "kiln_serve_request_duration_seconds_bucket{le=\"0.025\"} "
	        "3\n") != NULL,
	    "%s", b.p);
	cr_assert(
	    strstr((char *)b.p,
	        "kiln_serve_request_duration_seconds_bucket{le=\"10\"} 4\n"
	        "kiln_serve_request_duration_seconds_bucket{le=\"+Inf\"} 5\n"
	        "kiln_serve_request_duration_seconds_sum 20.224000\n"
	        "kiln_serve_request_duration_seconds_count 5\n") != NULL,
	    "%s", b.p);
	cr_assert(strstr((char *)b.p, "\nkiln_serve_issued_total 2\n") != NULL);
	cr_assert(strstr((char *)b.p, "\nkiln_serve_in_flight 3\n") != NULL);
	kiln_buf_free(&b);

	/* More pairs than slots: the rest are counted as "other". */
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "ep%d", i);
		http_metrics_count(m, name, 200, 0, 0);
	}
	kiln_buf_init(&b);
	cr_assert_eq(http_metrics_text(&b, m, NULL), 0);
	cr_assert_eq(kiln_buf_terminate(&b, NULL), 0);
	cr_assert(strstr((char *)b.p, "kiln_serve_requests_total{endpoint="
	                              "\"other\",code=\"0\"} 41\n") != NULL,
	    "%s", b.p);
	kiln_buf_free(&b);
	free(m);
}

Test(serve_http, cn_match_unanchored)
{
	struct kiln_err err;
	regex_t re;

	kiln_err_clear(&err);
	cr_assert_eq(http_cn_compile(&re, "client[0-9]+", &err), 0);
	cr_assert_eq(http_cn_match(&re, "client1", 7), 1);
	cr_assert_eq(http_cn_match(&re, "xclient12.example", 17), 1);
	cr_assert_eq(http_cn_match(&re, "client", 6), 0);
	/* A NUL inside: the part after it is not hidden from the match. */
	cr_assert_eq(http_cn_match(&re, "client1\0evil", 12), 0);
	regfree(&re);
	cr_assert_eq(http_cn_compile(&re, "^admin$", &err), 0);
	cr_assert_eq(http_cn_match(&re, "admin", 5), 1);
	cr_assert_eq(http_cn_match(&re, "admin2", 6), 0);
	regfree(&re);
	cr_assert_eq(http_cn_compile(&re, "a(", &err), -1);
	cr_assert_str_eq(err.msg, "client CN pattern: Unmatched ( or \\(");
}
