/*
 * kiln serve's HTTP layer (serve/http.h) on libmicrohttpd: a pool of
 * epoll threads, the limits, TLS, the per-thread state of the API, the
 * audit line, /metrics and the drain on stop.
 *
 * A request's life: the first handler call (headers read) makes its
 * state, counts it in flight, checks the client certificate and the
 * Content-Length; the body calls collect at most body_max bytes; the last
 * call answers (413, /metrics, or the API).  NOTIFY_COMPLETED, once the
 * response is sent or the connection lost, writes the audit line, counts
 * the metrics and takes it out of flight, in that order, so that a
 * drained server has written every line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "serve/http.h"
#include "serve/httpint.h"

/* Defaults for the limits left at 0. */
#define BODY_MAX_DEFAULT (1024 * 1024)
#define HEADER_MAX_DEFAULT (32 * 1024)
#define CONN_MAX_DEFAULT 1000
#define IDLE_MAX_DEFAULT 60
/*
 * A body past body_max is read and dropped so that the 413 reaches the
 * client; past this much more the connection is cut instead.
 */
#define BODY_DISCARD_MAX (1024 * 1024)
/* TLS 1.2 and 1.3 only. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* The API's state for one thread, made on its first request. */
struct thread_node {
	void *th;
	struct thread_node *next;
};

struct serve_http {
	struct MHD_Daemon *d;
	struct serve_http_opts o;
	const struct serve_app *app;
	unsigned short port;
	pthread_key_t key;
	int key_made;
	pthread_mutex_t lock; /* guards threads and startmsg */
	int lock_made;
	struct thread_node *threads;
	int have_re;
	regex_t re;
	atomic_int draining;
	atomic_uint cut;
	int starting; /* startmsg collects MHD's complaints */
	char startmsg[256];
	struct http_metrics m;
};

/* One request's state, from its first handler call to its completion. */
struct req_state {
	struct timespec start, mono;
	char peer[INET6_ADDRSTRLEN + 8];
	char method[16];
	char *path;
	char tls_cn[256];
	int have_cn;
	struct kiln_buf body;
	size_t seen; /* body bytes received */
	int too_big; /* seen > body_max: body dropped */
	int status;  /* the status queued, 0 if none */
	struct serve_reply rep;
};

int
http_envelope(
    struct kiln_buf *out, int code, const char *msg, struct kiln_err *err)
{
	if (kiln_buf_printf(out, err,
	        "{\"success\":false,\"result\":null,"
	        "\"errors\":[{\"code\":%d,\"message\":",
	        code) == -1 ||
	    kiln_buf_append_json(out, msg, strlen(msg), err) == -1 ||
	    kiln_buf_printf(out, err, "}],\"messages\":[]}\n") == -1)
		return -1;
	return 0;
}

static double
elapsed(const struct timespec *from)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - from->tv_sec) +
	       (double)(now.tv_nsec - from->tv_nsec) / 1e9;
}

/* libmicrohttpd's own messages, one line each, to o->log. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void
mhd_log(void *cls, const char *fm, va_list ap)
{
	struct serve_http *s = cls;
	char line[512];
	size_t n;

	vsnprintf(line, sizeof(line), fm, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (s->starting)
		snprintf(s->startmsg, sizeof(s->startmsg), "%s", line);
	else if (s->o.log != NULL)
		s->o.log(s->o.log_cls, line);
}
#pragma GCC diagnostic pop

static void say(struct serve_http *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(struct serve_http *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (s->o.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->o.log(s->o.log_cls, line);
}

/* The response body's owner, wiped when libmicrohttpd is done with it
 * (newkey and newcert answers hold private keys). */
static void
body_free(void *cls)
{
	struct kiln_buf *b = cls;

	kiln_buf_free(b);
	free(b);
}

/*
 * Queue "status" with the body "body" (taken: left empty).  After the
 * drain began, with "Connection: close", so that a kept-alive client
 * does not send another request into a stopping server.
 */
static enum MHD_Result
respond(struct serve_http *s, struct MHD_Connection *c, struct req_state *r,
    int status, const char *ctype, struct kiln_buf *body)
{
	struct MHD_Response *resp;
	struct kiln_buf *owned;
	enum MHD_Result ret;

	if (body->len == 0)
		resp = MHD_create_response_from_buffer(
		    0, (void *)"", MHD_RESPMEM_PERSISTENT);
	else {
		if ((owned = malloc(sizeof(*owned))) == NULL)
			return MHD_NO;
		*owned = *body;
		kiln_buf_init(body); /* owned by the response */
		resp = MHD_create_response_from_buffer_with_free_callback_cls(
		    owned->len, owned->p, body_free, owned);
		if (resp == NULL)
			body_free(owned);
	}
	if (resp == NULL)
		return MHD_NO;
	if (MHD_add_response_header(
	        resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) == MHD_NO ||
	    MHD_add_response_header(
	        resp, "X-Content-Type-Options", "nosniff") == MHD_NO ||
	    (atomic_load(&s->draining) &&
	        MHD_add_response_header(
	            resp, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_NO)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(c, (unsigned int)status, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES)
		r->status = status;
	return ret;
}

/* An error envelope of the layer's own, "msg" also the audit's result. */
static enum MHD_Result
fail(struct serve_http *s, struct MHD_Connection *c, struct req_state *r,
    int status, const char *msg)
{
	struct kiln_buf b;
	enum MHD_Result ret;

	kiln_buf_init(&b);
	snprintf(r->rep.result, sizeof(r->rep.result), "%s", msg);
	if (http_envelope(&b, status, msg, NULL) == -1) {
		kiln_buf_free(&b);
		return MHD_NO;
	}
	ret = respond(s, c, r, status, "application/json", &b);
	kiln_buf_free(&b);
	return ret;
}

static const char *
query(const struct serve_req *req, const char *name)
{
	return MHD_lookup_connection_value(
	    req->query_cls, MHD_GET_ARGUMENT_KIND, name);
}

/* The client's address as "1.2.3.4:5" or "[::1]:5". */
static void
peer_name(struct MHD_Connection *c, char *out, size_t outsz)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	char ip[INET6_ADDRSTRLEN];

	snprintf(out, outsz, "?");
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		if (inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip)) != NULL)
			snprintf(out, outsz, "%s:%u", ip,
			    (unsigned)ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		if (inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip)) !=
		    NULL)
			snprintf(out, outsz, "[%s]:%u", ip,
			    (unsigned)ntohs(in6->sin6_port));
	}
}

/*
 * This thread's API state, made on its first request: NULL with "err"
 * set if thread_init failed (tried again on the next request).
 */
static struct thread_node *
thread_state(struct serve_http *s, struct kiln_err *err)
{
	struct thread_node *n;

	if ((n = pthread_getspecific(s->key)) != NULL)
		return n;
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		kiln_err_sys(err, "calloc");
		return NULL;
	}
	if (s->app->thread_init != NULL &&
	    (n->th = s->app->thread_init(s->app->cls, err)) == NULL) {
		free(n);
		return NULL;
	}
	if (pthread_setspecific(s->key, n) != 0) {
		if (s->app->thread_free != NULL)
			s->app->thread_free(s->app->cls, n->th);
		free(n);
		kiln_err_set(err, KILN_ENOMEM, "pthread_setspecific failed");
		return NULL;
	}
	pthread_mutex_lock(&s->lock);
	n->next = s->threads;
	s->threads = n;
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* The first handler call: the headers are in. */
static enum MHD_Result
first_call(struct serve_http *s, struct MHD_Connection *c, const char *url,
    const char *method, struct req_state *r)
{
	const union MHD_ConnectionInfo *ci;
	const char *cl, *why;
	unsigned long long len;
	char *end;

	clock_gettime(CLOCK_REALTIME, &r->start);
	clock_gettime(CLOCK_MONOTONIC, &r->mono);
	peer_name(c, r->peer, sizeof(r->peer));
	snprintf(r->method, sizeof(r->method), "%s", method);
	if ((r->path = strdup(url)) == NULL)
		return MHD_NO;
	if (s->o.tls_cert != NULL && s->o.client_ca != NULL) {
		ci = MHD_get_connection_info(
		    c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
		why = http_tls_verify(ci == NULL ? NULL : ci->tls_session,
		    s->have_re ? &s->re : NULL, r->tls_cn, sizeof(r->tls_cn));
		if (why != NULL)
			return fail(s, c, r, MHD_HTTP_FORBIDDEN, why);
		r->have_cn = 1;
	}
	cl = MHD_lookup_connection_value(
	    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL) {
		errno = 0;
		len = strtoull(cl, &end, 10);
		if (errno == 0 && end != cl && *end == '\0' &&
		    len > s->o.body_max)
			return fail(s, c, r, MHD_HTTP_CONTENT_TOO_LARGE,
			    "request body too large");
	}
	return MHD_YES;
}

/* The last handler call: the whole request is in; answer it. */
static enum MHD_Result
last_call(struct serve_http *s, struct MHD_Connection *c, struct req_state *r)
{
	struct serve_req req;
	struct thread_node *n;
	struct kiln_err err;
	struct kiln_buf b;
	enum MHD_Result ret;

	if (r->too_big)
		return fail(s, c, r, MHD_HTTP_CONTENT_TOO_LARGE,
		    "request body too large");
	if (strcmp(r->path, "/metrics") == 0) {
		snprintf(r->rep.endpoint, sizeof(r->rep.endpoint), "metrics");
		if (strcmp(r->method, "GET") != 0)
			return fail(s, c, r, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "only GET is permitted");
		kiln_buf_init(&b);
		if (http_metrics_text(&b, &s->m, NULL) == -1) {
			kiln_buf_free(&b);
			return MHD_NO;
		}
		snprintf(r->rep.result, sizeof(r->rep.result), "ok");
		ret = respond(s, c, r, MHD_HTTP_OK,
		    "text/plain; version=0.0.4; charset=utf-8", &b);
		kiln_buf_free(&b);
		return ret;
	}
	kiln_err_clear(&err);
	if ((n = thread_state(s, &err)) == NULL) {
		say(s, "thread state: %s", err.msg);
		return fail(s, c, r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "internal server error");
	}
	memset(&req, 0, sizeof(req));
	req.method = r->method;
	req.path = r->path;
	req.query = query;
	req.query_cls = c;
	req.body = r->body.p != NULL ? r->body.p : (const unsigned char *)"";
	req.body_len = r->body.len;
	req.peer = r->peer;
	req.tls_cn = r->have_cn ? r->tls_cn : NULL;
	s->app->handle(s->app->cls, n->th, &req, &r->rep);
	/* The request's body (a CSR, a token) is not needed any more. */
	kiln_buf_free(&r->body);
	return respond(s, c, r, r->rep.status,
	    r->rep.content_type != NULL ? r->rep.content_type
	                                : "application/json",
	    &r->rep.body);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct serve_http *s = cls;
	struct req_state *r = *con_cls;

	(void)version;
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		kiln_buf_init(&r->body);
		serve_reply_init(&r->rep);
		r->rep.status = 0;
		*con_cls = r;
		atomic_fetch_add(&s->m.in_flight, 1);
		return first_call(s, c, url, method, r);
	}
	if (*upload_size > 0) {
		r->seen += *upload_size;
		if (r->status != 0) {
			/* answered already: the rest is dropped */
		} else if (!r->too_big && r->seen <= s->o.body_max) {
			if (kiln_buf_append(
			        &r->body, upload, *upload_size, NULL) == -1)
				return MHD_NO;
		} else if (!r->too_big) {
			r->too_big = 1;
			kiln_buf_free(&r->body);
		}
		*upload_size = 0;
		if (r->too_big && r->seen - s->o.body_max > BODY_DISCARD_MAX) {
			/* Too much to read only to say 413: cut. */
			r->status = MHD_HTTP_CONTENT_TOO_LARGE;
			snprintf(r->rep.result, sizeof(r->rep.result),
			    "request body too large (connection cut)");
			return MHD_NO;
		}
		return MHD_YES;
	}
	if (r->status != 0)
		return MHD_YES;
	return last_call(s, c, r);
}

static const char *
termination(enum MHD_RequestTerminationCode toe)
{
	switch (toe) {
	case MHD_REQUEST_TERMINATED_COMPLETED_OK:
		return NULL;
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		return "idle timeout";
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
		return "server stopped";
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
	case MHD_REQUEST_TERMINATED_READ_ERROR:
		return "client went away";
	default:
		return "connection error";
	}
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct serve_http *s = cls;
	struct req_state *r = *con_cls;
	struct http_audit a;
	struct kiln_buf line;
	const char *why;
	char result[sizeof(r->rep.result) + 64];

	(void)c;
	if (r == NULL)
		return;
	*con_cls = NULL;
	if ((why = termination(toe)) != NULL) {
		snprintf(result, sizeof(result), "%s%s(not delivered: %s)",
		    r->rep.result, r->rep.result[0] != '\0' ? " " : "", why);
		memcpy(r->rep.result, result, sizeof(r->rep.result) - 1);
		r->rep.result[sizeof(r->rep.result) - 1] = '\0';
	}
	if (toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN)
		atomic_fetch_add(&s->cut, 1);
	memset(&a, 0, sizeof(a));
	a.start = r->start;
	a.peer = r->peer;
	a.tls_cn = r->have_cn ? r->tls_cn : NULL;
	a.method = r->method;
	a.path = r->path;
	a.status = r->status;
	a.rep = &r->rep;
	a.duration_ms = elapsed(&r->mono) * 1000;
	if (s->o.audit_fd >= 0) {
		kiln_buf_init(&line);
		if (http_audit_format(&line, &a, NULL) == -1 ||
		    http_audit_write(s->o.audit_fd, line.p, line.len) == -1)
			say(s, "audit: %s", "cannot write the audit line");
		kiln_buf_free(&line);
	}
	http_metrics_count(&s->m, r->rep.endpoint, r->status,
	    a.duration_ms / 1000, r->rep.issued && r->status == 200);
	atomic_fetch_sub(&s->m.in_flight, 1);
	kiln_buf_free(&r->body);
	serve_reply_free(&r->rep);
	free(r->path);
	free(r);
}

/* Fill in the defaults of the limits left at 0. */
static void
defaults(struct serve_http_opts *o)
{
	long n;

	if (o->threads == 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		o->threads = n < 1 ? 1 : n > 256 ? 256 : (unsigned int)n;
	}
	if (o->body_max == 0)
		o->body_max = BODY_MAX_DEFAULT;
	if (o->header_max == 0)
		o->header_max = HEADER_MAX_DEFAULT;
	if (o->conn_max == 0)
		o->conn_max = CONN_MAX_DEFAULT;
	if (o->conn_max < o->threads)
		o->conn_max = o->threads; /* split evenly across threads */
	if (o->idle_max == 0)
		o->idle_max = IDLE_MAX_DEFAULT;
}

static void
release(struct serve_http *s)
{
	struct thread_node *n;

	while ((n = s->threads) != NULL) {
		s->threads = n->next;
		if (s->app->thread_free != NULL)
			s->app->thread_free(s->app->cls, n->th);
		free(n);
	}
	if (s->key_made)
		pthread_key_delete(s->key);
	if (s->lock_made)
		pthread_mutex_destroy(&s->lock);
	if (s->have_re)
		regfree(&s->re);
	free(s);
}

int
serve_http_start(struct serve_http **out, const struct serve_http_opts *o,
    const struct serve_app *app, struct kiln_err *err)
{
	struct serve_http *s;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
	struct MHD_OptionItem opts[16];
	const union MHD_DaemonInfo *di;
	unsigned int flags;
	size_t k = 0;
	int v6 = 0;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return kiln_err_sys(err, "calloc");
	s->o = *o;
	s->app = app;
	defaults(&s->o);
	http_metrics_init(&s->m);
	atomic_init(&s->draining, 0);
	atomic_init(&s->cut, 0);
	memset(&in4, 0, sizeof(in4));
	memset(&in6, 0, sizeof(in6));
	if (o->address != NULL &&
	    inet_pton(AF_INET, o->address, &in4.sin_addr) == 1) {
		in4.sin_family = AF_INET;
		in4.sin_port = htons(o->port);
	} else if (o->address != NULL &&
	           inet_pton(AF_INET6, o->address, &in6.sin6_addr) == 1) {
		in6.sin6_family = AF_INET6;
		in6.sin6_port = htons(o->port);
		v6 = 1;
	} else {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: not an IPv4 or IPv6 address",
		    o->address != NULL ? o->address : "(none)");
		goto fail;
	}
	if (o->tls_cert == NULL &&
	    (o->tls_key != NULL || o->client_ca != NULL ||
	        o->client_cn != NULL)) {
		kiln_err_set(err, KILN_EINVAL,
		    "a TLS key or client CA needs a TLS certificate");
		goto fail;
	}
	if ((o->tls_cert != NULL) != (o->tls_key != NULL)) {
		kiln_err_set(
		    err, KILN_EINVAL, "a TLS certificate needs its key");
		goto fail;
	}
	if (o->client_cn != NULL && o->client_ca == NULL) {
		kiln_err_set(
		    err, KILN_EINVAL, "a client CN pattern needs a client CA");
		goto fail;
	}
	if (o->client_cn != NULL) {
		if (http_cn_compile(&s->re, o->client_cn, err) == -1)
			goto fail;
		s->have_re = 1;
	}
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		kiln_err_set(err, KILN_ENOMEM, "pthread_mutex_init failed");
		goto fail;
	}
	s->lock_made = 1;
	if (pthread_key_create(&s->key, NULL) != 0) {
		kiln_err_set(err, KILN_ENOMEM, "pthread_key_create failed");
		goto fail;
	}
	s->key_made = 1;

	/* clang-format off */
#define OPT(o_, v_, p_) do { opts[k].option = (o_); opts[k].value = (intptr_t)(v_); \
	opts[k].ptr_value = (void *)(p_); k++; } while (0)
	OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s); /* first: start's errors */
	if (v6)
		OPT(MHD_OPTION_SOCK_ADDR, 0, &in6);
	else
		OPT(MHD_OPTION_SOCK_ADDR, 0, &in4);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, s);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, s->o.header_max, NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, s->o.conn_max, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, s->o.idle_max, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, 0, NULL);
	if (s->o.threads > 1)
		OPT(MHD_OPTION_THREAD_POOL_SIZE, s->o.threads, NULL);
	if (o->tls_cert != NULL) {
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, o->tls_cert);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, o->tls_key);
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, TLS_PRIORITIES);
		if (o->client_ca != NULL)
			OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, o->client_ca);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	/* clang-format on */

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
	        MHD_USE_ERROR_LOG;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (o->tls_cert != NULL)
		flags |= MHD_USE_TLS;
	s->starting = 1;
	errno = 0;
	s->d = MHD_start_daemon(flags, o->port, NULL, NULL, handler, s,
	    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	s->starting = 0;
	if (s->d == NULL) {
		if (s->startmsg[0] != '\0')
			kiln_err_set(err, KILN_EIO, "%s%s%s:%u: %s",
			    v6 ? "[" : "", o->address, v6 ? "]" : "",
			    (unsigned)o->port, s->startmsg);
		else
			kiln_err_set(err, KILN_EIO,
			    "%s%s%s:%u: cannot serve (address in use, or a "
			    "bad TLS certificate or key)",
			    v6 ? "[" : "", o->address, v6 ? "]" : "",
			    (unsigned)o->port);
		goto fail;
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di != NULL && di->port != 0 ? di->port : o->port;
	*out = s;
	return 0;
fail:
	release(s);
	return -1;
}

unsigned short
serve_http_port(const struct serve_http *s)
{
	return s->port;
}

unsigned int
serve_http_stop(struct serve_http *s)
{
	struct timespec t0, nap = {0, 10 * 1000 * 1000};
	MHD_socket fd;
	unsigned int n;

	if (s == NULL)
		return 0;
	atomic_store(&s->draining, 1);
	fd = MHD_quiesce_daemon(s->d);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((n = atomic_load(&s->m.in_flight)) > 0)
		say(s, "draining %u request%s", n, n == 1 ? "" : "s");
	while (atomic_load(&s->m.in_flight) > 0 &&
	       elapsed(&t0) < (double)s->o.drain_max)
		nanosleep(&nap, NULL);
	/* Shuts every connection down and joins the threads; the requests
	 * still in flight complete as DAEMON_SHUTDOWN and count in "cut". */
	MHD_stop_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	n = atomic_load(&s->cut);
	if (n > 0)
		say(s, "stopped: %u request%s cut off", n, n == 1 ? "" : "s");
	release(s);
	return n;
}
