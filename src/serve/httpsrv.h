/*
 * A running kiln serve HTTP server (serve/http.h), shared by the file
 * that starts, drains and stops it (http.c) and the file that serves a
 * request on it (httpreq.c).  Private to src/serve/.
 */
#ifndef KILN_SERVE_HTTPSRV_H
#define KILN_SERVE_HTTPSRV_H

#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include "serve/http.h"
#include "serve/httplib.h"
#include "serve/httpint.h"

/* The API's state for one thread, made on its first request. */
struct thread_node {
	void *th;
	struct thread_node *next;
};

/* A running server (serve/http.h), its options with the defaults in. */
struct serve_http {
	const struct httplib *lib; /* every call into libmicrohttpd */
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

/*
 * A line of the server's own to o->log (none when NULL): a thread state
 * that cannot be made, an audit line that cannot be written, a drain.
 */
void http_say(struct serve_http *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Seconds since "from" (CLOCK_MONOTONIC). */
double http_elapsed(const struct timespec *);

/*
 * libmicrohttpd's access handler (MHD_AccessHandlerCallback), "cls" the
 * struct serve_http: a request's first call, its body, its answer.
 */
enum MHD_Result http_handler(void *, struct MHD_Connection *, const char *,
    const char *, const char *, const char *, size_t *, void **);

/*
 * MHD_OPTION_NOTIFY_COMPLETED's callback: the request's audit line and
 * metrics, then it leaves the in-flight count.
 */
void http_completed(
    void *, struct MHD_Connection *, void **, enum MHD_RequestTerminationCode);

#endif /* KILN_SERVE_HTTPSRV_H */
