/*
 * A request's life on kiln serve's HTTP layer (serve/httpsrv.h): the
 * first handler call (headers read) makes its state, counts it in
 * flight, checks the client certificate and the Content-Length; the body
 * calls collect at most body_max bytes; the last call answers (413,
 * /metrics, or the API on the thread's own state).  NOTIFY_COMPLETED,
 * once the response is sent or the connection lost, writes the audit
 * line, counts the metrics and takes it out of flight, in that order, so
 * that a drained server has written every line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "serve/httpsrv.h"

/*
 * A body past body_max is read and dropped so that the 413 reaches the
 * client; past this much more the connection is cut instead.
 */
#define BODY_DISCARD_MAX (1024 * 1024)

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
	const struct httplib *lib; /* for query() */
	struct MHD_Connection *conn;
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
		resp = s->lib->create_response_from_buffer(
		    0, (void *)"", MHD_RESPMEM_PERSISTENT);
	else {
		if ((owned = malloc(sizeof(*owned))) == NULL)
			return MHD_NO;
		*owned = *body;
		kiln_buf_init(body); /* owned by the response */
		resp = s->lib->create_response_from_buffer_with_free_callback_cls(
		    owned->len, owned->p, body_free, owned);
		if (resp == NULL)
			body_free(owned);
	}
	if (resp == NULL)
		return MHD_NO;
	if (s->lib->add_response_header(
	        resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) == MHD_NO ||
	    s->lib->add_response_header(
	        resp, "X-Content-Type-Options", "nosniff") == MHD_NO ||
	    (atomic_load(&s->draining) &&
	        s->lib->add_response_header(
	            resp, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_NO)) {
		s->lib->destroy_response(resp);
		return MHD_NO;
	}
	ret = s->lib->queue_response(c, (unsigned int)status, resp);
	s->lib->destroy_response(resp);
	if (ret == MHD_YES)
		r->status = status;
	return ret;
}

/*
 * An error envelope of the layer's own, "msg" also the audit's result,
 * sent as the API's are (SERVE_ERROR_TYPE): cfssl's server answers every
 * error of its own through Go's http.Error, its 405 and the 403 of
 * -mutual-tls-cn ("Invalid CN") included.
 */
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
	ret = respond(s, c, r, status, SERVE_ERROR_TYPE, &b);
	kiln_buf_free(&b);
	return ret;
}

static const char *
query(const struct serve_req *req, const char *name)
{
	const struct req_state *r = req->query_cls;

	return r->lib->lookup_connection_value(
	    r->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* The client's address as "1.2.3.4:5" or "[::1]:5". */
static void
peer_name(const struct serve_http *s, struct MHD_Connection *c, char *out,
    size_t outsz)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	char ip[INET6_ADDRSTRLEN];

	snprintf(out, outsz, "?");
	ci = s->lib->get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
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
	peer_name(s, c, r->peer, sizeof(r->peer));
	snprintf(r->method, sizeof(r->method), "%s", method);
	if ((r->path = strdup(url)) == NULL)
		return MHD_NO;
	if (s->o.tls_cert != NULL && s->o.client_ca != NULL) {
		ci = s->lib->get_connection_info(
		    c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
		why = http_tls_verify(s->lib, ci == NULL ? NULL : ci->tls_session,
		    s->have_re ? &s->re : NULL, r->tls_cn, sizeof(r->tls_cn));
		if (why != NULL)
			return fail(s, c, r, MHD_HTTP_FORBIDDEN, why);
		r->have_cn = 1;
	}
	cl = s->lib->lookup_connection_value(
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
		http_say(s, "thread state: %s", err.msg);
		return fail(s, c, r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "internal server error");
	}
	memset(&req, 0, sizeof(req));
	req.method = r->method;
	req.path = r->path;
	req.query = query;
	r->lib = s->lib;
	r->conn = c;
	req.query_cls = r;
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

enum MHD_Result
http_handler(void *cls, struct MHD_Connection *c, const char *url,
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

void
http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
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
	a.duration_ms = http_elapsed(&r->mono) * 1000;
	if (s->o.audit_fd >= 0) {
		kiln_buf_init(&line);
		if (http_audit_format(&line, &a, NULL) == -1 ||
		    http_audit_write(s->o.audit_fd, line.p, line.len) == -1)
			http_say(s, "audit: %s", "cannot write the audit line");
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
