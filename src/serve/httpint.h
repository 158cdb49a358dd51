/*
 * The parts of kiln serve's HTTP layer (serve/http*.c) that are not tied
 * to a socket, each in its own file so that the unit tests reach them:
 * the audit line (audit.c), the metrics (metrics.c), the client
 * certificate's CN match (httptls.c) and the envelopes the layer answers
 * itself (httpreq.c).  Private to src/serve/.
 */
#ifndef KILN_SERVE_HTTPINT_H
#define KILN_SERVE_HTTPINT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <regex.h>

#include "kiln/buf.h"
#include "kiln/err.h"
#include "serve/serve.h"

struct httplib; /* serve/httplib.h */

/*
 * One audit line's facts.  Strings are borrowed; NULL ones are written
 * as JSON null.  "rep" gives endpoint, identity, profile, serial, cn,
 * sans and result.
 */
struct http_audit {
	struct timespec start; /* CLOCK_REALTIME when the request came */
	const char *peer;
	const char *tls_cn;
	const char *method;
	const char *path;
	int status;
	const struct serve_reply *rep;
	double duration_ms;
};

/*
 * Append the audit line of "a" to "out": one JSON object and a newline,
 * every string escaped by kiln_buf_append_json_log (DEL, C1 and
 * bidirectional controls too), rep->sans re-encoded from the JSON array
 * it must hold (anything else is written as []).  No body ever enters
 * it.  Returns 0 or -1 (KILN_ENOMEM).
 */
int http_audit_format(
    struct kiln_buf *, const struct http_audit *, struct kiln_err *);

/* Write "n" bytes to "fd" in one write(2) (retried on EINTR only). */
int http_audit_write(int, const void *, size_t);

/* RFC 3339 UTC with milliseconds, "2026-12-07T18:44:00.123Z". */
void http_rfc3339_ms(const struct timespec *, char[64]);

/*
 * The metrics: kiln_serve_requests_total{endpoint,code}, the latency
 * histogram kiln_serve_request_duration_seconds, kiln_serve_issued_total
 * and kiln_serve_in_flight.  Counters are atomics; only a new
 * (endpoint, code) pair takes the lock, to claim its slot.
 */
#define HTTP_METRICS_SERIES 64
#define HTTP_METRICS_BUCKETS 12

struct http_series {
	atomic_int used; /* set once its endpoint and code are written */
	char endpoint[32];
	int code;
	atomic_uint_fast64_t count;
};

struct http_metrics {
	struct http_series series[HTTP_METRICS_SERIES];
	atomic_uint_fast64_t bucket[HTTP_METRICS_BUCKETS]; /* not cumulative */
	atomic_uint_fast64_t sum_us;
	atomic_uint_fast64_t issued;
	atomic_uint in_flight;
	atomic_flag claim; /* held while a new series is claimed */
};

/* Make "m" zero.  Cannot fail. */
void http_metrics_init(struct http_metrics *);

/*
 * Count one finished request: its endpoint ("" when none matched), HTTP
 * status, duration and whether it issued a certificate.  A new pair past
 * HTTP_METRICS_SERIES goes to endpoint "other".
 */
void http_metrics_count(struct http_metrics *, const char *, int, double, int);

/* Append the Prometheus text exposition of "m" to "out".  0 or -1. */
int http_metrics_text(
    struct kiln_buf *, struct http_metrics *, struct kiln_err *);

/*
 * The client certificate's CN matched as Go's regexp MatchString does
 * (unanchored): 1 if "re" matches "cn", else 0.  A CN holding a NUL byte
 * ("n" bytes long, not strlen) never matches.
 */
int http_cn_match(const regex_t *, const char *, size_t);

/*
 * Compile "pattern" as a POSIX extended regular expression (REG_NOSUB).
 * Returns 0, or -1 with "err" set to "client CN pattern: <regerror>".
 */
int http_cn_compile(regex_t *, const char *, struct kiln_err *);

/*
 * Verify a TLS session's client certificate (a gnutls_session_t), with
 * the GnuTLS of "lib":
 * present, chained to the trusted CA, valid now, with the clientAuth
 * purpose; "cn" gets its subject's one CN (NUL-terminated, at most
 * "cnsz" - 1 bytes).  "re" (NULL: none) must match it.  Returns 0, or the
 * reason of a 403 ("client certificate required", ...).
 */
const char *http_tls_verify(
    const struct httplib *, void *, const regex_t *, char *, size_t);

/*
 * cfssl's error envelope, {"success":false,"result":null,"errors":
 * [{"code":CODE,"message":MSG}],"messages":[]}, into "out".  0 or -1.
 */
int http_envelope(struct kiln_buf *, int, const char *, struct kiln_err *);

#endif /* KILN_SERVE_HTTPINT_H */
