/*
 * serve_stub: kiln serve's HTTP layer (serve/http.h) with a fake API,
 * for tests/integration/serve_http.sh.  Endpoints:
 *   /echo          200, {"length":N} of the body; the query's profile,
 *                  serial, cn, sans (a JSON array) and issued=1 go to
 *                  the audit fields
 *   /sleep?ms=N    200 after N milliseconds on the handling thread
 *   anything else  404 envelope
 * With -fail-init every thread_init fails (500).  It prints "port N"
 * once it listens, and on SIGTERM or SIGINT drains the way kiln serve
 * does: stop, report, exit 0 if nothing was cut off (else 1).
 *
 * usage: serve_stub [-address A] [-port P] [-threads N] [-body-max N]
 *        [-header-max N] [-conn-max N] [-idle-max S] [-drain-max S]
 *        [-tls-cert F -tls-key F [-client-ca F [-client-cn RE]]]
 *        [-audit FILE] [-fail-init]
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kiln/file.h"
#include "serve/http.h"

static atomic_int made, freed;
static int fail_init;

static void *
stub_thread_init(void *cls, struct kiln_err *err)
{
	(void)cls;
	if (fail_init) {
		kiln_err_set(err, KILN_EINVAL, "stub: thread_init refused");
		return NULL;
	}
	atomic_fetch_add(&made, 1);
	return malloc(16);
}

static void
stub_thread_free(void *cls, void *th)
{
	(void)cls;
	atomic_fetch_add(&freed, 1);
	free(th);
}

static void
copy(char *dst, size_t n, const char *src)
{
	if (src != NULL)
		snprintf(dst, n, "%s", src);
}

static void
stub_handle(void *cls, void *th, const struct serve_req *req,
    struct serve_reply *rep)
{
	struct timespec ts;
	const char *v;
	long ms;

	(void)cls;
	(void)th;
	if (req->tls_cn != NULL)
		copy(rep->identity, sizeof(rep->identity), req->tls_cn);
	if (strcmp(req->path, "/echo") == 0) {
		copy(rep->endpoint, sizeof(rep->endpoint), "echo");
		copy(rep->profile, sizeof(rep->profile),
		    req->query(req, "profile"));
		copy(rep->serial, sizeof(rep->serial),
		    req->query(req, "serial"));
		copy(rep->cn, sizeof(rep->cn), req->query(req, "cn"));
		if ((v = req->query(req, "sans")) != NULL)
			kiln_buf_append(&rep->sans, v, strlen(v), NULL);
		v = req->query(req, "issued");
		rep->issued = v != NULL && strcmp(v, "1") == 0;
		rep->status = 200;
		kiln_buf_printf(&rep->body, NULL,
		    "{\"success\":true,\"result\":{\"length\":%zu},"
		    "\"errors\":[],\"messages\":[]}",
		    req->body_len);
		copy(rep->result, sizeof(rep->result), "ok");
		return;
	}
	if (strcmp(req->path, "/sleep") == 0) {
		copy(rep->endpoint, sizeof(rep->endpoint), "sleep");
		v = req->query(req, "ms");
		ms = v != NULL ? strtol(v, NULL, 10) : 0;
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000;
		while (nanosleep(&ts, &ts) == -1)
			;
		rep->status = 200;
		kiln_buf_printf(&rep->body, NULL,
		    "{\"success\":true,\"result\":{\"slept\":%ld},"
		    "\"errors\":[],\"messages\":[]}",
		    ms);
		copy(rep->result, sizeof(rep->result), "ok");
		return;
	}
	rep->status = 404;
	kiln_buf_printf(&rep->body, NULL,
	    "{\"success\":false,\"result\":null,\"errors\":[{\"code\":404,"
	    "\"message\":\"no such endpoint\"}],\"messages\":[]}");
	copy(rep->result, sizeof(rep->result), "no such endpoint");
}

static void
stub_log(void *cls, const char *line)
{
	(void)cls;
	fprintf(stderr, "serve_stub: log: %s\n", line);
}

static char *
slurp(const char *path)
{
	struct kiln_buf b;
	struct kiln_err err;

	kiln_buf_init(&b);
	kiln_err_clear(&err);
	if (kiln_file_read(path, &b, &err) == -1 ||
	    kiln_buf_terminate(&b, &err) == -1) {
		fprintf(stderr, "serve_stub: %s\n", err.msg);
		exit(2);
	}
	return (char *)b.p; /* the test's own certificates: never wiped */
}

int
main(int argc, char **argv)
{
	struct serve_app app = {NULL, stub_thread_init, stub_thread_free,
	    stub_handle};
	struct serve_http_opts o;
	struct serve_http *s;
	struct kiln_err err;
	sigset_t set;
	unsigned int cut;
	int i, sig;

	memset(&o, 0, sizeof(o));
	o.address = "127.0.0.1";
	o.drain_max = 10;
	o.audit_fd = -1;
	o.log = stub_log;
	for (i = 1; i < argc; i++) {
		const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(f, "-fail-init") == 0) {
			fail_init = 1;
			continue;
		}
		if (v == NULL) {
			fprintf(stderr, "serve_stub: %s: needs a value\n", f);
			return 2;
		}
		i++;
		if (strcmp(f, "-address") == 0)
			o.address = v;
		else if (strcmp(f, "-port") == 0)
			o.port = (unsigned short)atoi(v);
		else if (strcmp(f, "-threads") == 0)
			o.threads = (unsigned int)atoi(v);
		else if (strcmp(f, "-body-max") == 0)
			o.body_max = (size_t)atol(v);
		else if (strcmp(f, "-header-max") == 0)
			o.header_max = (size_t)atol(v);
		else if (strcmp(f, "-conn-max") == 0)
			o.conn_max = (unsigned int)atoi(v);
		else if (strcmp(f, "-idle-max") == 0)
			o.idle_max = (unsigned int)atoi(v);
		else if (strcmp(f, "-drain-max") == 0)
			o.drain_max = (unsigned int)atoi(v);
		else if (strcmp(f, "-tls-cert") == 0)
			o.tls_cert = slurp(v);
		else if (strcmp(f, "-tls-key") == 0)
			o.tls_key = slurp(v);
		else if (strcmp(f, "-client-ca") == 0)
			o.client_ca = slurp(v);
		else if (strcmp(f, "-client-cn") == 0)
			o.client_cn = v;
		else if (strcmp(f, "-audit") == 0) {
			o.audit_fd = open(v, O_WRONLY | O_CREAT | O_APPEND |
			    O_CLOEXEC, 0600);
			if (o.audit_fd == -1) {
				perror(v);
				return 2;
			}
		} else {
			fprintf(stderr, "serve_stub: %s: unknown flag\n", f);
			return 2;
		}
	}

	/*
	 * kiln serve's way with signals: TERM and INT blocked in every
	 * thread (libmicrohttpd's inherit the mask), then taken by sigwait
	 * in the main thread, which drains and stops the server.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	kiln_err_clear(&err);
	if (serve_http_start(&s, &o, &app, &err) == -1) {
		fprintf(stderr, "serve_stub: %s\n", err.msg);
		return 1;
	}
	printf("port %u\n", (unsigned)serve_http_port(s));
	fflush(stdout);
	do
		sig = 0;
	while (sigwait(&set, &sig) != 0);
	cut = serve_http_stop(s);
	fprintf(stderr, "serve_stub: signal %d: %u cut off, threads made %d "
	                "freed %d\n",
	    sig, cut, atomic_load(&made), atomic_load(&freed));
	return cut == 0 ? 0 : 1;
}
