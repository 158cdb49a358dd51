/*
 * kiln serve's metrics (serve/httpint.h) in Prometheus' text format:
 * requests by endpoint and status, a latency histogram, certificates
 * issued and requests in flight.  Counting is lock-free (atomics); only
 * the first request of a new (endpoint, code) pair claims a slot, under
 * a spin flag held for a few instructions.
 */
#include <stdio.h>
#include <string.h>

#include "serve/httpint.h"

/* clang-format off */
static const double bounds[HTTP_METRICS_BUCKETS - 1] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};
/* clang-format on */

void
http_metrics_init(struct http_metrics *m)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < HTTP_METRICS_SERIES; i++) {
		atomic_init(&m->series[i].used, 0);
		atomic_init(&m->series[i].count, 0);
	}
	for (i = 0; i < HTTP_METRICS_BUCKETS; i++)
		atomic_init(&m->bucket[i], 0);
	atomic_init(&m->sum_us, 0);
	atomic_init(&m->issued, 0);
	atomic_init(&m->in_flight, 0);
	atomic_flag_clear(&m->claim);
}

static int
same(const struct http_series *s, const char *endpoint, int code)
{
	return s->code == code &&
	    strncmp(s->endpoint, endpoint, sizeof(s->endpoint)) == 0;
}

/* The series of (endpoint, code), claimed if new; the last one if full. */
static struct http_series *
series(struct http_metrics *m, const char *endpoint, int code)
{
	struct http_series *s;
	size_t i;

	for (i = 0; i < HTTP_METRICS_SERIES - 1; i++) {
		s = &m->series[i];
		if (!atomic_load(&s->used))
			break;
		if (same(s, endpoint, code))
			return s;
	}
	while (atomic_flag_test_and_set(&m->claim))
		;
	for (i = 0; i < HTTP_METRICS_SERIES - 1; i++) {
		s = &m->series[i];
		if (!atomic_load(&s->used)) {
			snprintf(s->endpoint, sizeof(s->endpoint), "%s",
			    endpoint);
			s->code = code;
			atomic_store(&s->used, 1);
			break;
		}
		if (same(s, endpoint, code))
			break;
	}
	if (i == HTTP_METRICS_SERIES - 1) {
		s = &m->series[i];
		if (!atomic_load(&s->used)) {
			snprintf(s->endpoint, sizeof(s->endpoint), "other");
			s->code = 0;
			atomic_store(&s->used, 1);
		}
	}
	atomic_flag_clear(&m->claim);
	return s;
}

void
http_metrics_count(struct http_metrics *m, const char *endpoint, int code,
    double seconds, int issued)
{
	size_t b;

	atomic_fetch_add(&series(m, endpoint, code)->count, 1);
	if (seconds < 0)
		seconds = 0;
	for (b = 0; b < HTTP_METRICS_BUCKETS - 1 && seconds > bounds[b]; b++)
		;
	atomic_fetch_add(&m->bucket[b], 1);
	atomic_fetch_add(&m->sum_us, (uint_fast64_t)(seconds * 1e6 + 0.5));
	if (issued)
		atomic_fetch_add(&m->issued, 1);
}

/* A label value, escaped as the text format asks (\\, \" and \n). */
static int
label(struct kiln_buf *out, const char *s, size_t n, struct kiln_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		if (s[i] == '\\')
			rc = kiln_buf_append(out, "\\\\", 2, err);
		else if (s[i] == '"')
			rc = kiln_buf_append(out, "\\\"", 2, err);
		else if (s[i] == '\n')
			rc = kiln_buf_append(out, "\\n", 2, err);
		else
			rc = kiln_buf_append(out, s + i, 1, err);
	}
	return rc;
}

int
http_metrics_text(
    struct kiln_buf *out, struct http_metrics *m, struct kiln_err *err)
{
	const struct http_series *s;
	uint_fast64_t cum = 0, sum;
	size_t i;

	if (kiln_buf_printf(out, err,
	        "# HELP kiln_serve_requests_total Requests answered, by "
	        "endpoint and HTTP status.\n"
	        "# TYPE kiln_serve_requests_total counter\n") == -1)
		return -1;
	for (i = 0; i < HTTP_METRICS_SERIES; i++) {
		s = &m->series[i];
		if (!atomic_load(&s->used))
			continue;
		if (kiln_buf_printf(out, err,
		        "kiln_serve_requests_total{endpoint=\"") == -1 ||
		    label(out, s->endpoint,
		        strnlen(s->endpoint, sizeof(s->endpoint)), err) == -1 ||
		    kiln_buf_printf(out, err, "\",code=\"%d\"} %llu\n", s->code,
		        (unsigned long long)atomic_load(&s->count)) == -1)
			return -1;
	}
	if (kiln_buf_printf(out, err,
	        "# HELP kiln_serve_request_duration_seconds Time from a "
	        "request's headers to its response's end.\n"
	        "# TYPE kiln_serve_request_duration_seconds histogram\n") == -1)
		return -1;
	for (i = 0; i < HTTP_METRICS_BUCKETS; i++) {
		cum += atomic_load(&m->bucket[i]);
		if (i < HTTP_METRICS_BUCKETS - 1 ?
		        kiln_buf_printf(out, err,
		            "kiln_serve_request_duration_seconds_bucket"
		            "{le=\"%g\"} %llu\n",
		            bounds[i], (unsigned long long)cum) == -1 :
		        kiln_buf_printf(out, err,
		            "kiln_serve_request_duration_seconds_bucket"
		            "{le=\"+Inf\"} %llu\n",
		            (unsigned long long)cum) == -1)
			return -1;
	}
	sum = atomic_load(&m->sum_us);
	if (kiln_buf_printf(out, err,
	        "kiln_serve_request_duration_seconds_sum %llu.%06llu\n"
	        "kiln_serve_request_duration_seconds_count %llu\n"
	        "# HELP kiln_serve_issued_total Certificates issued.\n"
	        "# TYPE kiln_serve_issued_total counter\n"
	        "kiln_serve_issued_total %llu\n"
	        "# HELP kiln_serve_in_flight Requests being answered.\n"
	        "# TYPE kiln_serve_in_flight gauge\n"
	        "kiln_serve_in_flight %u\n",
	        (unsigned long long)(sum / 1000000),
	        (unsigned long long)(sum % 1000000),
	        (unsigned long long)cum, /* = the +Inf bucket, always */
	        (unsigned long long)atomic_load(&m->issued),
	        atomic_load(&m->in_flight)) == -1)
		return -1;
	return 0;
}
