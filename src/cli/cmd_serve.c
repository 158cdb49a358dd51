/*
 * kiln serve: cfssl's signing API (serve/api.h) over kiln's HTTP layer
 * (serve/http.h).  The front end reads the files (-ca, -ca-key,
 * -config and the auth keys' env: and file:, -db-config, the TLS
 * files), opens the audit file, and on SIGTERM or SIGINT drains the
 * server and exits 0.  libkiln reads no file and no environment here.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kiln/certdb.h"
#include "kiln/config.h"
#include "kiln/duration.h"
#include "kiln/esc.h"
#include "kiln/rng.h"
#include "serve/api.h"
#include "serve/http.h"

struct serve {
	struct kiln_config config;
	struct kiln_rng rng;
	struct kiln_buf ca, ca_key, db_text;
	struct kiln_buf tls_cert, tls_key, client_ca;
	struct kiln_certdb_config db;
	struct serve_api *api;
	struct serve_http *http;
	int audit_fd;
};

/* The HTTP layer's own messages: one escaped line each on stderr. */
static void
log_line(void *cls, const char *line)
{
	(void)cls;
	cli_errorf("serve", "%s", line);
}

/* Each auth key's "env:VAR" or "file:PATH", read here. */
static int
resolve_keys(struct kiln_config *cfg, struct kiln_err *err)
{
	struct kiln_auth_key *k;
	struct kiln_buf text;
	struct kiln_err e;
	size_t i;
	int rc = 0;

	for (i = 0; i < cfg->n_auth_keys && rc == 0; i++) {
		k = &cfg->auth_keys[i];
		if (k->source == NULL)
			continue;
		kiln_buf_init(&text);
		kiln_err_clear(&e);
		if (cli_read(k->source, &text, &e) == -1)
			rc = kiln_err_pass_prefix(
			    err, &e, "auth_keys.%s.key", k->name);
		else
			rc = kiln_config_auth_set(
			    k, (const char *)text.p, text.len, err);
		kiln_buf_free(&text);
	}
	return rc;
}

/* A PEM file's text, NUL-terminated, for the HTTP layer. */
static int
read_text(const char *path, struct kiln_buf *b, struct kiln_err *err)
{
	return cli_read(path, b, err) == -1 || kiln_buf_terminate(b, err) == -1
	           ? -1
	           : 0;
}

/* A flag's value as an unsigned count within 0..max. */
static int
bounded(const char *flag, long v, long min, long max, unsigned long *out,
    struct kiln_err *err)
{
	if (v < min || v > max)
		return kiln_err_set(err, KILN_EINVAL,
		    "-%s: %ld is out of range (%ld to %ld)", flag, v, min, max);
	*out = (unsigned long)v;
	return 0;
}

static int
serve(struct serve *s, const struct cli_config *cfg, sigset_t *set,
    struct kiln_err *err)
{
	struct serve_api_opts ao;
	struct serve_http_opts ho;
	struct serve_app app;
	struct kiln_certdb *probe = NULL;
	unsigned long port = 0, v = 0;
	unsigned int cut;
	int64_t window;
	int sig;

	if (cfg->ca[0] == '\0' || cfg->ca_key[0] == '\0')
		return kiln_err_set(
		    err, KILN_EINVAL, "-ca and -ca-key are required");
	if (cli_read_config(cfg, &s->config, err) == -1 ||
	    resolve_keys(&s->config, err) == -1)
		return -1;
	if (kiln_duration_parse(cfg->auth_window, &window, err) == -1) {
		kiln_err_prefix(err, "-auth-window");
		return -1;
	}
	if (window < 1000000000LL)
		return kiln_err_set(
		    err, KILN_EINVAL, "-auth-window: must be at least 1s");
	if (cli_read(cfg->ca, &s->ca, err) == -1 ||
	    cli_read(cfg->ca_key, &s->ca_key, err) == -1)
		return -1;
	memset(&ho, 0, sizeof(ho));
	if (bounded("port", cfg->port, 0, 65535, &port, err) == -1)
		return -1;
	ho.port = (unsigned short)port;
	ho.address = cfg->address;
	ho.threads = (unsigned int)cfg->threads;
	if (bounded("max-body", cfg->max_body, 1, 1L << 30, &v, err) == -1)
		return -1;
	ho.body_max = v;
	if (bounded("max-header", cfg->max_header, 1024, 1L << 20, &v, err) ==
	    -1)
		return -1;
	ho.header_max = v;
	if (bounded("max-conns", cfg->max_conns, 1, 100000, &v, err) == -1)
		return -1;
	ho.conn_max = (unsigned int)v;
	if (bounded("idle-timeout", cfg->idle_timeout, 1, 86400, &v, err) == -1)
		return -1;
	ho.idle_max = (unsigned int)v;
	if (bounded("drain-timeout", cfg->drain_timeout, 0, 86400, &v, err) ==
	    -1)
		return -1;
	ho.drain_max = (unsigned int)v;
	/* TLS, as cfssl: both -tls-cert and -tls-key, or neither. */
	if ((cfg->tls_cert[0] == '\0') != (cfg->tls_key[0] == '\0'))
		return kiln_err_set(
		    err, KILN_EINVAL, "-tls-cert and -tls-key go together");
	if (cfg->tls_cert[0] == '\0' &&
	    (cfg->mutual_tls_ca[0] != '\0' || cfg->mutual_tls_cn[0] != '\0'))
		return kiln_err_set(err, KILN_EINVAL,
		    "-mutual-tls-ca and -mutual-tls-cn need -tls-cert and "
		    "-tls-key");
	if (cfg->mutual_tls_cn[0] != '\0' && cfg->mutual_tls_ca[0] == '\0')
		return kiln_err_set(
		    err, KILN_EINVAL, "-mutual-tls-cn needs -mutual-tls-ca");
	if (cfg->tls_cert[0] != '\0') {
		if (read_text(cfg->tls_cert, &s->tls_cert, err) == -1 ||
		    read_text(cfg->tls_key, &s->tls_key, err) == -1)
			return -1;
		ho.tls_cert = (const char *)s->tls_cert.p;
		ho.tls_key = (const char *)s->tls_key.p;
	}
	if (cfg->mutual_tls_ca[0] != '\0') {
		if (read_text(cfg->mutual_tls_ca, &s->client_ca, err) == -1)
			return -1;
		ho.client_ca = (const char *)s->client_ca.p;
		if (cfg->mutual_tls_cn[0] != '\0')
			ho.client_cn = cfg->mutual_tls_cn;
	}
	if (cfg->db_config[0] != '\0') {
		if (cli_read(cfg->db_config, &s->db_text, err) == -1)
			return -1;
		if (kiln_certdb_config_parse(&s->db, (const char *)s->db_text.p,
		        s->db_text.len, cfg->db_config, err) == -1)
			return -1;
		/* Made or migrated now, so that a bad database stops the
		 * start, not the first request. */
		if (kiln_certdb_open(&probe, &s->db, err) == -1)
			return -1;
		kiln_certdb_close(probe);
	}
	/* The audit line: appended to its file (a log, not replaced). */
	if (cfg->audit[0] == '\0')
		s->audit_fd = STDERR_FILENO;
	else if ((s->audit_fd = open(cfg->audit,
	              O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	              0600)) == -1)
		return kiln_err_sys(err, "%s", cfg->audit);
	ho.audit_fd = s->audit_fd;
	ho.log = log_line;
	if (kiln_rng_seed(&s->rng, "kiln serve", err) == -1)
		return -1;
	memset(&ao, 0, sizeof(ao));
	ao.config = &s->config;
	ao.ca = &s->ca;
	ao.ca_key = &s->ca_key;
	ao.ca_name = cfg->ca;
	ao.ca_key_name = cfg->ca_key;
	ao.db = cfg->db_config[0] != '\0' ? &s->db : NULL;
	ao.auth_window = window / 1000000000LL;
	ao.rng = &s->rng;
	if (serve_api_new(&s->api, &ao, err) == -1)
		return -1;
	serve_api_app(s->api, &app);
	if (serve_http_start(&s->http, &ho, &app, err) == -1)
		return -1;
	cli_errorf("serve", "listening on %s://%s%s%s:%u",
	    ho.tls_cert != NULL ? "https" : "http",
	    strchr(ho.address, ':') != NULL ? "[" : "", ho.address,
	    strchr(ho.address, ':') != NULL ? "]" : "",
	    (unsigned)serve_http_port(s->http));
	do
		sig = 0;
	while (sigwait(set, &sig) != 0);
	cli_errorf(
	    "serve", "%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	cut = serve_http_stop(s->http);
	s->http = NULL;
	if (cut > 0)
		cli_errorf("serve", "%u request%s cut off by -drain-timeout",
		    cut, cut == 1 ? "" : "s");
	return 0;
}

int
cmd_serve(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_err err = {0};
	struct serve s;
	sigset_t set;
	int rc;

	(void)argv;
	if (argc != 0)
		return cli_usage_error(cfg->cmd, "expected no arguments");
	/*
	 * TERM and INT blocked in every thread (the server's inherit the
	 * mask), and taken by sigwait here.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	memset(&s, 0, sizeof(s));
	s.audit_fd = -1;
	kiln_config_init(&s.config);
	kiln_rng_init(&s.rng);
	kiln_buf_init(&s.ca);
	kiln_buf_init(&s.ca_key);
	kiln_buf_init(&s.db_text);
	kiln_buf_init(&s.tls_cert);
	kiln_buf_init(&s.tls_key);
	kiln_buf_init(&s.client_ca);
	rc = serve(&s, cfg, &set, &err) == 0 ? 0 : 1;
	if (rc != 0)
		cli_error("serve", &err);
	serve_http_stop(s.http);
	serve_api_free(s.api);
	if (s.audit_fd > STDERR_FILENO)
		close(s.audit_fd);
	kiln_config_free(&s.config);
	kiln_rng_free(&s.rng);
	kiln_buf_free(&s.ca);
	kiln_buf_free(&s.ca_key);
	kiln_buf_free(&s.db_text);
	kiln_buf_free(&s.tls_cert);
	kiln_buf_free(&s.tls_key);
	kiln_buf_free(&s.client_ca);
	return rc;
}
