/*
 * kiln gencert: a new key, its CSR and a certificate, from csr.json.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kiln/cert.h"
#include "kiln/config.h"
#include "kiln/csr.h"
#include "kiln/file.h"
#include "kiln/issue.h"
#include "kiln/key.h"
#include "kiln/name.h"
#include "kiln/pem.h"
#include "kiln/request.h"

struct gencert {
	struct kiln_request req;
	struct kiln_config config;
	struct kiln_cert ca;
	struct kiln_key ca_key;
	struct kiln_key key;
	struct kiln_rng rng;
	struct kiln_sans sans;
	struct kiln_buf text, subject, spki, csr, cert;
	struct kiln_buf cert_pem, csr_pem, key_pem, out;
	int reuse_key; /* -initca -ca-key: no new key to print */
};

/* initca's rule: a CN, or names whose every entry says something. */
static int
check_ca_subject(
    const struct kiln_request *req, const char *path, struct kiln_err *err)
{
	const struct kiln_name *nm;
	size_t i;

	if (req->cn != NULL)
		return 0;
	for (i = 0; i < req->n_names; i++) {
		nm = &req->names[i];
		if (nm->c == NULL && nm->st == NULL && nm->l == NULL &&
		    nm->o == NULL && nm->ou == NULL)
			break;
	}
	if (req->n_names > 0 && i == req->n_names)
		return 0;
	return kiln_err_set(err, KILN_EINVAL,
	    "%s: missing subject information (a CN, or names with C, ST, L, "
	    "O or OU)",
	    path);
}

/* The signing side of a leaf: config, profile, CA certificate and key. */
static const struct kiln_profile *
load_signer(
    struct gencert *g, const struct cli_config *cfg, struct kiln_err *err)
{
	const struct kiln_profile *profile = NULL;
	struct kiln_buf text;

	kiln_buf_init(&text);
	if (cfg->config[0] != '\0') {
		if (cli_read(cfg->config, &text, err) == -1)
			goto cleanup;
		if (kiln_config_parse(
		        &g->config, (char *)text.p, text.len, err) == -1) {
			kiln_err_prefix(err, "%s", cfg->config);
			goto cleanup;
		}
		kiln_buf_free(&text);
	}
	if (cli_load_ca(
	        cfg->ca, cfg->ca_key, &g->ca, &g->ca_key, &g->rng, err) == -1)
		goto cleanup;
	if ((profile = kiln_config_profile(&g->config, cfg->profile, err)) ==
	    NULL)
		kiln_err_prefix(err, "%s",
		    cfg->config[0] != '\0' ? cfg->config
		                           : "default configuration");
cleanup:
	kiln_buf_free(&text);
	return profile;
}

/* {"cert":...,"csr":...[,"key":...]}\n, keys sorted as cfssl prints. */
static int
print_json(struct gencert *g, struct kiln_err *err)
{
	struct kiln_buf *o = &g->out;

	if (kiln_buf_append(o, "{\"cert\":", 8, err) == -1 ||
	    kiln_buf_append_json(
	        o, (char *)g->cert_pem.p, g->cert_pem.len, err) == -1 ||
	    kiln_buf_append(o, ",\"csr\":", 7, err) == -1 ||
	    kiln_buf_append_json(
	        o, (char *)g->csr_pem.p, g->csr_pem.len, err) == -1)
		return -1;
	if (!g->reuse_key && (kiln_buf_append(o, ",\"key\":", 7, err) == -1 ||
	                         kiln_buf_append_json(o, (char *)g->key_pem.p,
	                             g->key_pem.len, err) == -1))
		return -1;
	if (kiln_buf_append(o, "}\n", 2, err) == -1)
		return -1;
	return cli_write_stdout(o, err);
}

/* -out BASENAME: the key first, refused if it exists unless -force. */
static int
write_files(
    struct gencert *g, const struct cli_config *cfg, struct kiln_err *err)
{
	char path[PATH_MAX];

	if (!g->reuse_key) {
		if (cli_path(path, cfg->out, "-key.pem", err) == -1)
			return -1;
		if (kiln_file_write(path, g->key_pem.p, g->key_pem.len, 0600,
		        cfg->force ? 0 : KILN_WRITE_EXCL, err) == -1) {
			if (err->code == KILN_EEXIST)
				kiln_err_prefix(err,
				    "refusing to replace a private key "
				    "without -force");
			return -1;
		}
	}
	if (cli_path(path, cfg->out, ".csr", err) == -1 ||
	    kiln_file_write(path, g->csr_pem.p, g->csr_pem.len, 0644, 0, err) ==
	        -1 ||
	    cli_path(path, cfg->out, ".pem", err) == -1)
		return -1;
	return kiln_file_write(
	    path, g->cert_pem.p, g->cert_pem.len, 0644, 0, err);
}

static int
gencert(struct gencert *g, const char *path, const struct cli_config *cfg,
    struct kiln_err *err)
{
	const struct kiln_profile *profile;
	struct kiln_profile ca_profile;
	struct kiln_certreq cr;
	size_t i;

	if (cli_read(path, &g->text, err) == -1)
		return -1;
	if (kiln_request_parse(&g->req, (char *)g->text.p, g->text.len, err) ==
	        -1 ||
	    (cfg->cn[0] != '\0' &&
	        kiln_request_set_cn(&g->req, cfg->cn, err) == -1) ||
	    (cfg->hostname_set &&
	        kiln_request_set_hosts(&g->req, cfg->hostname, err) == -1)) {
		kiln_err_prefix(err, "%s", path);
		return -1;
	}
	if (!cfg->initca && g->req.has_ca)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: ca: only allowed with -initca", path);
	for (i = 0; i < g->req.n_hosts; i++)
		if (kiln_sans_add(&g->sans, g->req.hosts[i], err) == -1)
			return -1;
	if (kiln_rng_seed(&g->rng, "kiln gencert", err) == -1)
		return -1;
	if (cfg->initca) {
		if (check_ca_subject(&g->req, path, err) == -1)
			return -1;
		kiln_issue_ca_profile(&ca_profile, &g->req.ca, g->req.crl_url);
		profile = &ca_profile;
		if (cfg->ca_key[0] != '\0') {
			g->reuse_key = 1;
			kiln_buf_free(&g->text);
			if (cli_read(cfg->ca_key, &g->text, err) == -1 ||
			    kiln_key_parse(&g->key, g->text.p, g->text.len,
			        &g->rng, err) == -1) {
				kiln_err_prefix(err, "%s", cfg->ca_key);
				return -1;
			}
		}
	} else {
		if (cfg->ca[0] == '\0' || cfg->ca_key[0] == '\0')
			return kiln_err_set(err, KILN_EINVAL,
			    "-ca and -ca-key are required (or -initca)");
		if ((profile = load_signer(g, cfg, err)) == NULL)
			return -1;
	}
	if (!g->reuse_key &&
	    kiln_key_generate(&g->key, &g->req.key, &g->rng, err) == -1)
		return -1;
	if (kiln_name_from_request(&g->subject, &g->req, err) == -1) {
		kiln_err_prefix(err, "%s", path);
		return -1;
	}
	if (kiln_key_write_spki(&g->key, &g->spki, err) == -1 ||
	    kiln_csr_create(&g->csr, g->subject.p, g->subject.len, &g->key,
	        &g->sans, cfg->initca ? &g->req.ca : NULL, &g->rng, err) == -1)
		return -1;
	memset(&cr, 0, sizeof(cr));
	cr.subject = g->subject.p;
	cr.subject_len = g->subject.len;
	cr.spki = g->spki.p;
	cr.spki_len = g->spki.len;
	cr.cn = g->req.cn;
	cr.sans = &g->sans;
	if (kiln_issue(&g->cert, &cr, profile, cfg->initca ? NULL : &g->ca,
	        cfg->initca ? &g->key : &g->ca_key, &g->rng, time(NULL),
	        err) == -1)
		return -1;
	if (kiln_pem_write(&g->cert_pem, "CERTIFICATE", g->cert.p, g->cert.len,
	        err) == -1 ||
	    kiln_pem_write(&g->csr_pem, "CERTIFICATE REQUEST", g->csr.p,
	        g->csr.len, err) == -1 ||
	    (!g->reuse_key &&
	        kiln_key_write_pem(&g->key, &g->key_pem, err) == -1))
		return -1;
	return cfg->out[0] != '\0' ? write_files(g, cfg, err)
	                           : print_json(g, err);
}

int
cmd_gencert(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_err err = {0};
	struct gencert g;
	int rc;

	if (argc != 1) {
		return cli_usage_error(cfg->cmd, "expected one CSR JSON file");
	}
	memset(&g, 0, sizeof(g));
	kiln_request_init(&g.req);
	kiln_config_init(&g.config);
	kiln_cert_init(&g.ca);
	kiln_key_init(&g.ca_key);
	kiln_key_init(&g.key);
	kiln_rng_init(&g.rng);
	kiln_sans_init(&g.sans);
	rc = gencert(&g, argv[0], cfg, &err) == 0 ? 0 : 1;
	if (rc != 0)
		cli_error("gencert", &err);
	kiln_request_free(&g.req);
	kiln_config_free(&g.config);
	kiln_cert_free(&g.ca);
	kiln_key_free(&g.ca_key);
	kiln_key_free(&g.key);
	kiln_rng_free(&g.rng);
	kiln_sans_free(&g.sans);
	kiln_buf_free(&g.text);
	kiln_buf_free(&g.subject);
	kiln_buf_free(&g.spki);
	kiln_buf_free(&g.csr);
	kiln_buf_free(&g.cert);
	kiln_buf_free(&g.cert_pem);
	kiln_buf_free(&g.csr_pem);
	kiln_buf_free(&g.key_pem);
	kiln_buf_free(&g.out);
	return rc;
}
