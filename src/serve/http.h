/*
 * kiln serve's HTTP layer, on libmicrohttpd (GnuTLS for TLS): one
 * listening address, a fixed pool of threads, limits on what a client
 * may send and how long it may idle, TLS with an optional required client
 * certificate, one audit line per request and Prometheus metrics, and a
 * drain on stop.  Every complete request goes to a struct serve_app
 * (serve/serve.h); /metrics is answered here.
 */
#ifndef KILN_SERVE_HTTP_H
#define KILN_SERVE_HTTP_H

#include <stddef.h>

#include "kiln/err.h"
#include "serve/serve.h"

/*
 * A limit left at 0 takes its default: threads one per online core,
 * body_max 1 MiB, header_max 32 KiB, conn_max 1000, idle_max 60 s;
 * drain_max 0 waits for nothing.
 */
struct serve_http_opts {
	const char *address;    /* a numeric IPv4 or IPv6 address */
	unsigned short port;    /* 0: any free port (serve_http_port) */
	unsigned int threads;   /* 0: one per online core */
	size_t body_max;        /* bytes; larger bodies get 413 */
	size_t header_max;      /* bytes of request line and headers */
	unsigned int conn_max;  /* open connections in all */
	unsigned int idle_max;  /* seconds a connection may send nothing */
	unsigned int drain_max; /* seconds serve_http_stop waits */
	/* TLS when tls_cert is set: PEM text (NUL-terminated). */
	const char *tls_cert, *tls_key;
	/* With TLS: a client certificate issued by this CA (PEM) is
	 * required and verified (clientAuth usage included); its CN must
	 * match the extended regular expression tls_cn, if set. */
	const char *client_ca, *client_cn;
	int audit_fd; /* one JSON line per request; -1: none */
	/* Messages of the server's own (started, a TLS handshake failed,
	 * draining); NULL: none.  Called from any of the server's threads. */
	void (*log)(void *cls, const char *line);
	void *log_cls;
};

struct serve_http; /* a running server */

/*
 * Start serving "app" as "o" says (both borrowed until serve_http_stop).
 * Returns 0 with "*s" set, or -1 with "err" set (the address in use, a
 * bad certificate, ...).
 */
int serve_http_start(struct serve_http **, const struct serve_http_opts *,
    const struct serve_app *, struct kiln_err *);

/* The port "s" listens on (the one chosen when o->port was 0). */
unsigned short serve_http_port(const struct serve_http *);

/*
 * Stop "s": no new connection is accepted, the requests in flight are
 * answered (up to o->drain_max seconds), then every thread's state is
 * released with app->thread_free.  Returns the number of requests cut
 * off by the deadline (0: a clean drain).  NULL is allowed.
 */
unsigned int serve_http_stop(struct serve_http *);

#endif /* KILN_SERVE_HTTP_H */
