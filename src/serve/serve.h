/*
 * kiln serve's two halves and the seam between them: the HTTP layer
 * (serve/http*.c, on libmicrohttpd: connections, limits, TLS, draining,
 * the audit line and the metrics) hands each complete request to the API
 * (serve/api*.c: cfssl's endpoints under /api/v1/cfssl/), which answers
 * it.  The HTTP layer knows no endpoint; the API knows no socket.
 *
 * Threads: the HTTP layer runs requests on a fixed pool of threads.  The
 * API keeps per-thread state (its own copy of the CA key and a warmed
 * EC group, a random generator, a database connection), made by
 * thread_init the first time a thread runs a request and released by
 * thread_free when the server stops.  mbedTLS contexts and database
 * handles are never shared between threads (on SQLite the handles of a
 * process share the file's one writer inside libkiln, kiln/certdb.h).
 */
#ifndef KILN_SERVE_SERVE_H
#define KILN_SERVE_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/buf.h"
#include "kiln/err.h"

/*
 * The content type of every error envelope, the API's and the HTTP
 * layer's own: cfssl writes its errors with Go's http.Error, which sends
 * this (and X-Content-Type-Options: nosniff, which kiln sends always).
 */
#define SERVE_ERROR_TYPE "text/plain; charset=utf-8"

/* A complete request, as the HTTP layer read it.  All borrowed. */
struct serve_req {
	const char *method;  /* "GET", "POST", ... */
	const char *path;    /* the URL path, "/api/v1/cfssl/sign" */
	/* The value of query argument "name" ("?expiry=..."), or NULL. */
	const char *(*query)(const struct serve_req *, const char *name);
	void *query_cls;
	const unsigned char *body; /* the body, at most the body limit */
	size_t body_len;
	const char *peer;      /* the client's address, "127.0.0.1:51234" */
	const char *tls_cn;    /* a verified TLS client certificate's CN, or
	                        * NULL (no TLS, or no client certificate) */
};

/*
 * What the API answers, and what the audit line and metrics say of it.
 * serve_reply_init() cannot fail; serve_reply_free() releases.
 */
struct serve_reply {
	int status;               /* the HTTP status */
	const char *content_type; /* static: "application/json", ... */
	struct kiln_buf body;
	/* For the audit line (never key material): */
	char endpoint[32];     /* "sign", ... ("" if none matched) */
	char identity[128];    /* the HMAC key's name, else the TLS CN */
	char profile[64];
	char serial[64];       /* decimal, of a certificate issued */
	char cn[256];          /* its subject CN */
	struct kiln_buf sans;  /* its SANs, a JSON array ("" if none) */
	char result[160];      /* "ok", or the error message sent */
	int issued;            /* a certificate was issued */
};

void serve_reply_init(struct serve_reply *);
void serve_reply_free(struct serve_reply *);

/* The application the HTTP layer serves. */
struct serve_app {
	void *cls;
	/* Per-thread state: NULL with "err" set if it cannot be made (the
	 * request then gets a 500 envelope). */
	void *(*thread_init)(void *cls, struct kiln_err *err);
	void (*thread_free)(void *cls, void *thread);
	/* Answer "req" into "rep" (status, body, audit fields).  Cannot
	 * fail: an error is an envelope with its status. */
	void (*handle)(void *cls, void *thread, const struct serve_req *req,
	    struct serve_reply *rep);
};

#endif /* KILN_SERVE_SERVE_H */
