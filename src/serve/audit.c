/*
 * kiln serve's audit line (serve/httpint.h): one JSON object per request,
 * written with one write(2) so that lines from many threads never mix.
 * Every string goes through kiln_buf_append_json_log (every control, C1
 * and bidirectional ones too, escaped); no body ever enters.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/json.h"
#include "serve/httpint.h"

void
http_rfc3339_ms(const struct timespec *t, char out[64])
{
	struct tm tm;
	time_t s = t->tv_sec;
	long ms = t->tv_nsec / 1000000;

	if (gmtime_r(&s, &tm) == NULL) {
		snprintf(out, 64, "1970-01-01T00:00:00.000Z");
		return;
	}
	if (ms < 0 || ms > 999)
		ms = 0;
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ms);
}

/* ,"key": and the string "s" (NULL: null). */
static int
member(struct kiln_buf *out, const char *key, const char *s, size_t n,
    struct kiln_err *err)
{
	if (kiln_buf_printf(out, err, ",\"%s\":", key) == -1)
		return -1;
	if (s == NULL)
		return kiln_buf_append(out, "null", 4, err);
	return kiln_buf_append_json_log(out, s, n, err);
}

/* A NUL-terminated string's member. */
static int
smember(
    struct kiln_buf *out, const char *key, const char *s, struct kiln_err *err)
{
	return member(out, key, s, s == NULL ? 0 : strlen(s), err);
}

/* A fixed-size field of the reply, which may lack its NUL. */
#define FIELD(out, key, f, err) member(out, key, f, strnlen(f, sizeof(f)), err)

/*
 * The reply's SANs: the API gives a JSON array of strings; it is parsed
 * and written again, so that whatever it holds the line stays one valid
 * JSON object.  Not an array of strings: [].
 */
static int
sans(struct kiln_buf *out, const struct kiln_buf *in, struct kiln_err *err)
{
	cJSON *arr = NULL, *it;
	int first = 1, rc = -1;

	if (kiln_buf_append(out, ",\"sans\":[", 9, err) == -1)
		return -1;
	kiln_json_hooks();
	if (in->len > 0)
		arr = cJSON_ParseWithLength((const char *)in->p, in->len);
	if (arr != NULL && cJSON_IsArray(arr)) {
		for (it = arr->child; it != NULL; it = it->next) {
			if (!cJSON_IsString(it) || it->valuestring == NULL)
				continue;
			if ((!first &&
			        kiln_buf_append(out, ",", 1, err) == -1) ||
			    kiln_buf_append_json_log(out, it->valuestring,
			        strlen(it->valuestring), err) == -1)
				goto cleanup;
			first = 0;
		}
	}
	if (kiln_buf_append(out, "]", 1, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	cJSON_Delete(arr);
	return rc;
}

int
http_audit_format(
    struct kiln_buf *out, const struct http_audit *a, struct kiln_err *err)
{
	const struct serve_reply *r = a->rep;
	char when[64];

	http_rfc3339_ms(&a->start, when);
	if (kiln_buf_printf(out, err, "{\"time\":\"%s\"", when) == -1 ||
	    smember(out, "peer", a->peer, err) == -1 ||
	    smember(out, "tls_cn", a->tls_cn, err) == -1 ||
	    FIELD(out, "identity", r->identity, err) == -1 ||
	    smember(out, "method", a->method, err) == -1 ||
	    smember(out, "path", a->path, err) == -1 ||
	    FIELD(out, "endpoint", r->endpoint, err) == -1 ||
	    kiln_buf_printf(out, err, ",\"status\":%d", a->status) == -1 ||
	    FIELD(out, "profile", r->profile, err) == -1 ||
	    FIELD(out, "serial", r->serial, err) == -1 ||
	    FIELD(out, "cn", r->cn, err) == -1 ||
	    sans(out, &r->sans, err) == -1 ||
	    FIELD(out, "result", r->result, err) == -1 ||
	    kiln_buf_printf(out, err, ",\"duration_ms\":%.3f}\n",
	        a->duration_ms < 0 ? 0.0 : a->duration_ms) == -1)
		return -1;
	return 0;
}

int
http_audit_write(int fd, const void *p, size_t n)
{
	ssize_t w;

	do
		w = write(fd, p, n);
	while (w == -1 && errno == EINTR);
	return w == (ssize_t)n ? 0 : -1;
}
