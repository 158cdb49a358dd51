/*
 * kiln serve's HTTP layer (serve/http.h) on libmicrohttpd: the daemon
 * (a pool of epoll threads, the limits, TLS), its start and its drain on
 * stop.  A request's life, from its headers to its audit line, is
 * httpreq.c's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "serve/httpsrv.h"

/* Defaults for the limits left at 0. */
#define BODY_MAX_DEFAULT (1024 * 1024)
#define HEADER_MAX_DEFAULT (32 * 1024)
#define CONN_MAX_DEFAULT 1000
#define IDLE_MAX_DEFAULT 60
/* TLS 1.2 and 1.3 only. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

double
http_elapsed(const struct timespec *from)
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

void
http_say(struct serve_http *s, const char *fmt, ...)
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
	if ((s->lib = httplib_get(err)) == NULL) {
		free(s);
		return -1;
	}
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
	OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)http_completed, s);
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
	s->d = s->lib->start_daemon(flags, o->port, NULL, NULL, http_handler, s,
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
	di = s->lib->get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
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
	fd = s->lib->quiesce_daemon(s->d);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((n = atomic_load(&s->m.in_flight)) > 0)
		http_say(s, "draining %u request%s", n, n == 1 ? "" : "s");
	while (atomic_load(&s->m.in_flight) > 0 &&
	       http_elapsed(&t0) < (double)s->o.drain_max)
		nanosleep(&nap, NULL);
	/* Shuts every connection down and joins the threads; the requests
	 * still in flight complete as DAEMON_SHUTDOWN and count in "cut". */
	s->lib->stop_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	n = atomic_load(&s->cut);
	if (n > 0)
		http_say(
		    s, "stopped: %u request%s cut off", n, n == 1 ? "" : "s");
	release(s);
	return n;
}
