/*
 * kiln verify: would etcd accept this certificate in this role, for
 * these hosts, with this key?  Each failure is a sentence saying what etcd
 * would log (kiln-verify(1)).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kiln/esc.h"
#include "kiln/file.h"
#include "kiln/verify.h"

/* The -host values, commas splitting one value into several. */
static int
split_hosts(const struct cli_config *cfg, char **buf, const char ***hosts,
    size_t *n, struct kiln_err *err)
{
	size_t i, len = 0, cap = 1;
	char *p, *tok, *save;

	for (i = 0; i < cfg->host.n; i++) {
		len += strlen(cfg->host.v[i]) + 1;
		for (p = (char *)cfg->host.v[i]; *p != '\0'; p++)
			cap += *p == ',';
		cap++;
	}
	if ((*buf = malloc(len + 1)) == NULL ||
	    (*hosts = calloc(cap, sizeof(**hosts))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	p = *buf;
	for (i = 0; i < cfg->host.n; i++) {
		strcpy(p, cfg->host.v[i]);
		for (tok = strtok_r(p, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save))
			(*hosts)[(*n)++] = tok;
		p += strlen(cfg->host.v[i]) + 1;
	}
	return 0;
}

/*
 * One line of the report, "FILE: SENTENCE", to standard output: the file
 * name and the sentence (which quotes names and SANs of the certificate)
 * escaped for a terminal.
 */
static int
report(const char *file, const char *sentence, struct kiln_err *err)
{
	struct kiln_buf line;
	int rc = -1;

	kiln_buf_init(&line);
	if (kiln_esc_append(&line, file, strlen(file), err) == 0 &&
	    kiln_buf_append(&line, ": ", 2, err) == 0 &&
	    kiln_esc_append(&line, sentence, strlen(sentence), err) == 0 &&
	    kiln_buf_append(&line, "\n", 1, err) == 0) {
		fwrite(line.p, 1, line.len, stdout);
		rc = 0;
	}
	kiln_buf_free(&line);
	return rc;
}

/*
 * Verify the file "path" and print its lines ("FILE: OK", or one per
 * problem).  Returns 0 if etcd would accept it, 1 if not, -1 with "err"
 * set when it cannot be read.
 */
static int
verify_one(struct kiln_verify *v, const char *path, struct kiln_err *err)
{
	struct kiln_infos infos;
	struct kiln_buf text;
	char **problems = NULL;
	size_t i, n_problems = 0;
	int rc = -1;

	kiln_infos_init(&infos);
	kiln_buf_init(&text);
	if (kiln_file_read(path, &text, err) == -1)
		goto cleanup;
	if (kiln_inspect_certs(&infos, text.p, text.len, err) == -1) {
		kiln_err_prefix(err, "%s", path);
		goto cleanup;
	}
	v->now = (long long)time(NULL);
	if (kiln_verify(v, &infos, &problems, &n_problems, err) == -1)
		goto cleanup;
	for (i = 0; i < n_problems; i++)
		if (report(path, problems[i], err) == -1)
			goto cleanup;
	if (n_problems == 0 && report(path, "OK", err) == -1)
		goto cleanup;
	rc = n_problems == 0 ? 0 : 1;
cleanup:
	for (i = 0; i < n_problems; i++)
		free(problems[i]);
	free(problems);
	kiln_infos_free(&infos);
	kiln_buf_free(&text);
	return rc;
}

int
cmd_verify(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_verify v;
	struct kiln_buf text;
	struct kiln_key key;
	struct kiln_rng rng;
	struct kiln_err err;
	mbedtls_x509_crt ca;
	const char **hosts = NULL;
	char *host_buf = NULL;
	size_t n_hosts = 0;
	int i, one, rc = 1;

	if (argc == 0)
		return cli_usage_error(cfg->cmd, "expected a certificate");
	if (cfg->key[0] != '\0' && argc > 1)
		return cli_usage_error(cfg->cmd,
		    "-key names one key: verify one certificate with it");
	if (cfg->ca[0] == '\0')
		return cli_usage_error(cfg->cmd, "-ca is required");
	memset(&v, 0, sizeof(v));
	if (cfg->role[0] == '\0')
		v.role = KILN_ROLE_ANY;
	else if (strcmp(cfg->role, "server") == 0)
		v.role = KILN_ROLE_SERVER;
	else if (strcmp(cfg->role, "peer") == 0)
		v.role = KILN_ROLE_PEER;
	else if (strcmp(cfg->role, "client") == 0)
		v.role = KILN_ROLE_CLIENT;
	else
		return cli_usage_error(cfg->cmd,
		    "-role %s: want server, peer or client", cfg->role);
	kiln_err_clear(&err);
	kiln_buf_init(&text);
	kiln_key_init(&key);
	kiln_rng_init(&rng);
	mbedtls_x509_crt_init(&ca);
	if (cli_read_anchors(&ca, cfg->ca, &err) == -1 ||
	    split_hosts(cfg, &host_buf, &hosts, &n_hosts, &err) == -1 ||
	    kiln_rng_seed(&rng, "kiln verify", &err) == -1)
		goto fail;
	if (cfg->key[0] != '\0') {
		if (cli_read(cfg->key, &text, &err) == -1)
			goto fail;
		if (kiln_key_parse(&key, text.p, text.len, &rng, &err) == -1) {
			kiln_err_prefix(&err, "%s", cfg->key);
			goto fail;
		}
		v.key = &key;
	}
	v.ca = &ca;
	v.hosts = hosts;
	v.n_hosts = n_hosts;
	v.rng = &rng;
	/* One verdict per certificate; the status is the worst. */
	rc = 0;
	for (i = 0; i < argc; i++) {
		kiln_err_clear(&err);
		if ((one = verify_one(&v, argv[i], &err)) == -1) {
			cli_error("verify", &err);
			rc = 1;
		} else if (one == 1)
			rc = 1;
	}
	goto cleanup;
fail:
	cli_error("verify", &err);
cleanup:
	free(hosts);
	free(host_buf);
	kiln_buf_free(&text);
	kiln_key_free(&key);
	kiln_rng_free(&rng);
	mbedtls_x509_crt_free(&ca);
	return rc;
}
