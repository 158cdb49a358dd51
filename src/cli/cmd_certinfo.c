/*
 * kiln certinfo (kiln-certinfo, cfssl-certinfo): describe certificates,
 * bundles, CSRs, private keys and the chain a TLS server sends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kiln/file.h"
#include "kiln/inspect.h"
#include "kiln/key.h"
#include "kiln/kubeconfig.h"
#include "kiln/pem.h"
#include "kiln/rng.h"
#include "kiln/tls.h"

#define DOMAIN_TIMEOUT_MS 10000

/* Started as cfssl-certinfo or "cfssl certinfo": cfssl's output only. */
static int
cfssl_mode(void)
{
	return strcmp(cli_progname, "cfssl") == 0 ||
	       strcmp(cli_progname, "cfssl-certinfo") == 0;
}

/*
 * Split "HOST[:PORT]" as Go's net.SplitHostPort, falling back to the
 * whole string and port 443 as cfssl does: "[::1]:2379", "example.com",
 * "10.0.0.1:2379", "::1".
 */
static int
split_domain(const char *domain, char *host, size_t hsize, char *port,
    size_t psize, struct kiln_err *err)
{
	const char *colon = strrchr(domain, ':'), *close;
	int n;

	if (domain[0] == '[' && (close = strchr(domain, ']')) != NULL &&
	    (close[1] == '\0' || (close[1] == ':' && close[2] != '\0'))) {
		n = snprintf(
		    host, hsize, "%.*s", (int)(close - domain - 1), domain + 1);
		snprintf(
		    port, psize, "%s", close[1] == ':' ? close + 2 : "443");
	} else if (colon != NULL && strchr(domain, ':') == colon &&
	           colon[1] != '\0') {
		n = snprintf(
		    host, hsize, "%.*s", (int)(colon - domain), domain);
		snprintf(port, psize, "%s", colon + 1);
	} else {
		n = snprintf(host, hsize, "%s", domain);
		snprintf(port, psize, "443");
	}
	if (n <= 0 || (size_t)n >= hsize || port[0] == '\0' ||
	    strlen(port) > 5 || strspn(port, "0123456789") != strlen(port) ||
	    atoi(port) < 1 || atoi(port) > 65535)
		return kiln_err_set(err, KILN_EINVAL,
		    "-domain %s: want HOST or HOST:PORT", domain);
	return 0;
}

struct certinfo {
	struct kiln_infos infos;
	struct kiln_buf input, out;
	struct kiln_key key;
	struct kiln_rng rng;
	const char *what; /* the file or domain, for messages */
};

static const char *
name_of(const char *path)
{
	return strcmp(path, "-") == 0 ? "standard input" : path;
}

/*
 * The certificates of "input" (from "what") into "infos": PEM or DER, or
 * a kubeconfig's client certificate (kiln_kubeconfig_client: the
 * current context's user's).  Errors name "what".
 */
static int
read_certs(struct kiln_infos *infos, struct kiln_buf *input, const char *what,
    struct kiln_err *err)
{
	const struct kiln_kc_item *it;
	struct kiln_kubeconfig kc;
	struct kiln_err first, kerr;
	struct kiln_buf pem;
	int rc = -1;

	kiln_err_clear(&first);
	kiln_err_clear(&kerr);
	kiln_kubeconfig_init(&kc);
	kiln_buf_init(&pem);
	if (kiln_inspect_certs(infos, input->p, input->len, &first) == 0)
		return 0;
	kiln_infos_free(infos);
	/* Not a certificate: a kubeconfig, or that error. */
	if (first.code == KILN_ENOMEM || kiln_kubeconfig_parse(&kc, input->p,
	                                     input->len, what, &kerr) == 1) {
		kiln_err_prefix(&first, "%s", what);
		kiln_err_pass(err, &first);
		goto cleanup;
	}
	if (kerr.code != KILN_OK ||
	    (it = kiln_kubeconfig_client(&kc, what, &kerr)) == NULL ||
	    kiln_kubeconfig_decode(it, what, &pem, &kerr) == -1)
		goto fail;
	if (kiln_inspect_certs(infos, pem.p, pem.len, &kerr) == -1) {
		kiln_err_prefix(&kerr, "%s: users/%s: client-certificate-data",
		    what, it->owner);
		goto fail;
	}
	rc = 0;
	goto cleanup;
fail:
	kiln_err_pass(err, &kerr);
cleanup:
	kiln_kubeconfig_free(&kc);
	kiln_buf_free(&pem);
	return rc;
}

/* Describe the certificates in c->input; errors name c->what. */
static int
inspect_certs(struct certinfo *c, struct kiln_err *err)
{
	return read_certs(&c->infos, &c->input, c->what, err);
}

static int
load(struct certinfo *c, const struct cli_config *cfg, struct kiln_err *err)
{
	char host[256], port[8];
	struct kiln_info *info;

	if (cfg->cert[0] != '\0') {
		c->what = name_of(cfg->cert);
		if (kiln_file_read(cfg->cert, &c->input, err) == -1)
			return -1;
		return inspect_certs(c, err);
	}
	if (cfg->csr[0] != '\0') {
		c->what = name_of(cfg->csr);
		if (kiln_file_read(cfg->csr, &c->input, err) == -1)
			return -1;
		if ((info = calloc(1, sizeof(*info))) == NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		kiln_info_init(info);
		c->infos.v = info;
		c->infos.n = 1;
		if (kiln_inspect_csr(info, c->input.p, c->input.len, err) ==
		    -1) {
			kiln_err_prefix(err, "%s", c->what);
			return -1;
		}
		return 0;
	}
	if (cfg->domain[0] != '\0') {
		c->what = cfg->domain;
		if (split_domain(cfg->domain, host, sizeof(host), port,
		        sizeof(port), err) == -1 ||
		    kiln_tls_peer_chain(
		        host, port, DOMAIN_TIMEOUT_MS, &c->input, err) == -1 ||
		    inspect_certs(c, err) == -1)
			return -1;
		/* cfssl shows the server's own certificate only. */
		if (cfssl_mode())
			while (c->infos.n > 1)
				kiln_info_free(&c->infos.v[--c->infos.n]);
		return 0;
	}
	return 0;
}

static int
load_key(struct certinfo *c, const char *path, struct kiln_err *err)
{
	struct kiln_buf text;
	struct kiln_info *info;
	int rc = -1;

	kiln_buf_init(&text);
	if (kiln_file_read(path, &text, err) == -1 ||
	    kiln_rng_seed(&c->rng, "kiln certinfo", err) == -1)
		goto cleanup;
	if (kiln_key_parse(&c->key, text.p, text.len, &c->rng, err) == -1) {
		kiln_err_prefix(err, "%s", name_of(path));
		goto cleanup;
	}
	if (c->infos.n > 0) {
		info = &c->infos.v[0];
		switch (kiln_inspect_key_match(info, &c->key, &c->rng, err)) {
		case 0:
			break;
		case 1:
			kiln_err_set(err, KILN_EINVAL,
			    "%s: private key does not match the %s in %s",
			    name_of(path),
			    info->kind == KILN_INFO_CSR ? "certificate request"
			                                : "certificate",
			    c->what);
			goto cleanup;
		default:
			kiln_err_prefix(err, "%s", c->what);
			goto cleanup;
		}
		info->key_match = 1;
	} else {
		if ((info = calloc(1, sizeof(*info))) == NULL) {
			kiln_err_set(err, KILN_ENOMEM, "out of memory");
			goto cleanup;
		}
		kiln_info_init(info);
		c->infos.v = info;
		c->infos.n = 1;
		if (kiln_inspect_key(info, &c->key, err) == -1) {
			kiln_err_prefix(err, "%s", name_of(path));
			goto cleanup;
		}
	}
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	return rc;
}

/* Whether "in" holds a private key PEM block and no certificate. */
static int
is_key(struct kiln_buf *in)
{
	struct kiln_pem_block blk;
	size_t pos = 0;

	if (kiln_buf_terminate(in, NULL) == -1)
		return 0;
	if (kiln_pem_next((char *)in->p, &pos, "CERTIFICATE", &blk, NULL) != 0)
		return 0;
	pos = 0;
	/* A key's BEGIN line, even with its END line missing. */
	return kiln_pem_next((char *)in->p, &pos, KILN_PEM_KEY, &blk, NULL) !=
	       0;
}

/*
 * kiln-certinfo -cert FILE FILE...: every certificate of every file, one
 * file at a time, so memory stays flat over thousands of files.  A file
 * that cannot be read or holds no certificate is reported and skipped;
 * the exit status is then 1.  A private key is skipped with a note on
 * standard error, and does not change the exit status.
 */
static int
certinfo_files(const char **files, int nfiles, enum kiln_info_format format,
    unsigned int flags)
{
	struct kiln_listing list;
	struct kiln_infos infos;
	struct kiln_buf input, out;
	struct kiln_err err;
	int i, stdin_used = 0, rc = 0;

	kiln_listing_init(&list, format, flags, time(NULL));
	kiln_infos_init(&infos);
	kiln_buf_init(&input);
	kiln_buf_init(&out);
	for (i = 0; i < nfiles; i++) {
		kiln_err_clear(&err);
		input.len = 0; /* kiln_file_read appends */
		/* Also what a bundle that failed half-way left behind. */
		kiln_infos_free(&infos);
		if (strcmp(files[i], "-") == 0 && stdin_used++) {
			kiln_err_set(
			    &err, KILN_EINVAL, "standard input given twice");
		} else if (kiln_file_read(files[i], &input, &err) == 0 &&
		           is_key(&input)) {
			/* A glob over a folder kiln wrote also names its
			 * keys: passed over, as kiln check and renew do. */
			cli_errorf("certinfo", "%s: skipped, a private key",
			    name_of(files[i]));
			continue;
		} else if (err.code == KILN_OK) {
			(void)read_certs(
			    &infos, &input, name_of(files[i]), &err);
		}
		if (err.code != KILN_OK) {
			cli_error("certinfo", &err);
			rc = 1;
			continue;
		}
		out.len = 0;
		kiln_err_clear(&err);
		if (kiln_listing_add(
		        &list, infos.v, infos.n, files[i], &out, &err) == -1 ||
		    cli_write_stdout(&out, &err) == -1)
			goto fail;
	}
	out.len = 0;
	kiln_err_clear(&err);
	if (kiln_listing_end(&list, &out, &err) == -1 ||
	    cli_write_stdout(&out, &err) == -1)
		goto fail;
	goto cleanup;
fail:
	cli_error("certinfo", &err);
	rc = 1;
cleanup:
	kiln_listing_free(&list);
	kiln_infos_free(&infos);
	kiln_buf_free(&input);
	kiln_buf_free(&out);
	return rc;
}

int
cmd_certinfo(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_err err;
	struct certinfo c;
	enum kiln_info_format format;
	unsigned int flags = cfssl_mode() ? KILN_RENDER_CFSSL : 0;
	int i, rc = 1;

	kiln_err_clear(&err);
	/* More certificate files after -cert FILE (not as cfssl-certinfo). */
	if (argc != 0 && (cfg->cert[0] == '\0' || cfssl_mode()))
		return cli_usage_error(
		    cfg->cmd, "unexpected argument \"%s\"", argv[0]);
	/* Go's flags end at the first operand: say so rather than open it. */
	for (i = 0; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cli_usage_error(cfg->cmd,
			    "%s after the files: flags go before them",
			    argv[i]);
	if (argc != 0 && cfg->key[0] != '\0')
		return cli_usage_error(cfg->cmd,
		    "-key checks one certificate: give one -cert file");
	if (cfg->format[0] == '\0' || strcmp(cfg->format, "json") == 0)
		format = KILN_FORMAT_JSON;
	else if (strcmp(cfg->format, "table") == 0)
		format = KILN_FORMAT_TABLE;
	else if (strcmp(cfg->format, "text") == 0)
		format = KILN_FORMAT_TEXT;
	else
		return cli_usage_error(cfg->cmd,
		    "-format %s: want json, table or text", cfg->format);
	if (cfg->cert[0] == '\0' && cfg->csr[0] == '\0' &&
	    cfg->domain[0] == '\0') {
		if (cfg->serial[0] != '\0' || cfg->aki[0] != '\0' ||
		    cfg->db_config[0] != '\0') {
			cli_errorf("certinfo",
			    "-serial, -aki and -db-config need a certificate "
			    "database, which kiln does not keep");
			return 1;
		}
		/* cfssl's words, and its exit status, under its names. */
		if (cfg->key[0] == '\0' && cfssl_mode()) {
			cli_errorf("certinfo",
			    "Must specify certinfo target "
			    "through -cert, -csr, or -domain");
			return 1;
		}
		if (cfg->key[0] == '\0')
			return cli_usage_error(cfg->cmd,
			    "nothing to inspect: give -cert, -csr, -domain or "
			    "-key");
	}

	if (argc != 0) {
		/* -cert FILE FILE...: the -cert file, then the operands. */
		const char **files = calloc((size_t)argc + 1, sizeof(*files));

		if (files == NULL) {
			cli_errorf("certinfo", "out of memory");
			return 1;
		}
		files[0] = cfg->cert;
		for (rc = 0; rc < argc; rc++)
			files[rc + 1] = argv[rc];
		rc = certinfo_files(files, argc + 1, format, flags);
		free(files);
		return rc;
	}

	memset(&c, 0, sizeof(c));
	kiln_infos_init(&c.infos);
	kiln_buf_init(&c.input);
	kiln_buf_init(&c.out);
	kiln_key_init(&c.key);
	kiln_rng_init(&c.rng);
	if (load(&c, cfg, &err) == -1 ||
	    (cfg->key[0] != '\0' && load_key(&c, cfg->key, &err) == -1))
		goto cleanup;
	if (kiln_info_render(c.infos.v, c.infos.n, format, flags, time(NULL),
	        &c.out, &err) == -1 ||
	    cli_write_stdout(&c.out, &err) == -1)
		goto cleanup;
	/* A forged or damaged CSR is described, and still a failure. */
	if (c.infos.v[0].kind == KILN_INFO_CSR && c.infos.v[0].sig_valid == 0) {
		kiln_err_set(&err, KILN_EINVAL,
		    "%s: the signature does not verify", c.what);
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (rc != 0)
		cli_error("certinfo", &err);
	kiln_infos_free(&c.infos);
	kiln_buf_free(&c.input);
	kiln_buf_free(&c.out);
	kiln_key_free(&c.key);
	kiln_rng_free(&c.rng);
	return rc;
}
