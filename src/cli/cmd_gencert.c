/*
 * kiln gencert: a new key, its CSR and a certificate, from csr.json; with
 * -renewca, the CA certificate signed again by its own key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kiln/cert.h"
#include "kiln/config.h"
#include "kiln/gen.h"
#include "kiln/inspect.h"
#include "kiln/certdb.h"
#include "kiln/issue.h"
#include "kiln/signer.h"
#include "kiln/key.h"
#include "kiln/pem.h"
#include "kiln/renew.h"
#include "kiln/request.h"

struct gencert {
	struct kiln_request req;
	struct kiln_config config;
	struct kiln_signer ca;
	struct kiln_key key;
	struct kiln_rng rng;
	struct kiln_buf text;
	struct cli_gen_out out;
	struct kiln_certdb *db; /* -db-config, or NULL */
	int reuse_key; /* -initca -ca-key: no new key to print */
	int usage;     /* the failure is the caller's: the usage status */
};

/* The signing side of a leaf: config, CA certificate and key, profile. */
static const struct kiln_profile *
load_signer(
    struct gencert *g, const struct cli_config *cfg, struct kiln_err *err)
{
	if (cli_read_config(cfg, &g->config, err) == -1 ||
	    cli_open_signer(cfg, &g->ca, &g->rng, err) == -1)
		return NULL;
	return cli_pick_profile(cfg, &g->config, &g->usage, err);
}

/*
 * -renewca, as cfssl's initca.RenewFromPEM: the CA certificate signed
 * again by its own key, with the same subject, key and key identifier,
 * a new serial number and new dates for the same lifetime.  Prints
 * {"cert"}, or with -out writes BASENAME.pem.
 */
static int
renewca(struct gencert *g, const struct cli_config *cfg, struct kiln_err *err)
{
	struct kiln_infos infos;
	struct kiln_renew opts;
	char **dropped = NULL;
	size_t i, n_dropped = 0;
	int rc = -1;

	kiln_infos_init(&infos);
	memset(&opts, 0, sizeof(opts)); /* the CA's own usages and lifetime */
	if (kiln_rng_seed(&g->rng, "kiln gencert", err) == -1 ||
	    cli_open_signer(cfg, &g->ca, &g->rng, err) == -1)
		goto cleanup;
	if (kiln_inspect_certs(&infos, g->ca.ca->crt.raw.p,
	        g->ca.ca->crt.raw.len, err) == -1) {
		kiln_err_prefix(err, "%s", cfg->ca);
		goto cleanup;
	}
	if (kiln_renew(&g->out.cert, &infos.v[0], &opts, g->ca.ca, g->ca.key,
	        &g->rng, time(NULL), &dropped, &n_dropped, err) == -1) {
		kiln_err_prefix(err, "%s", cfg->ca);
		goto cleanup;
	}
	if (cli_gen_out_pem(&g->out, NULL, err) == -1 ||
	    cli_gen_out_emit(cfg, &g->out, NULL, err) == -1)
		goto cleanup;
	for (i = 0; i < n_dropped; i++)
		cli_errorf(cfg->cmd->name, "%s: extension %s not carried over",
		    cfg->ca, dropped[i]);
	rc = 0;
cleanup:
	for (i = 0; i < n_dropped; i++)
		free(dropped[i]);
	free(dropped);
	kiln_infos_free(&infos);
	return rc;
}

static int
gencert(struct gencert *g, const char *path, const struct cli_config *cfg,
    struct kiln_err *err)
{
	const struct kiln_profile *profile;
	struct kiln_profile ca_profile;
	struct kiln_gen_in in;

	if (cli_read_request(path, cfg->cn[0] != '\0' ? cfg->cn : NULL,
	        cfg->hostname_set ? cfg->hostname : NULL, &g->req, err) == -1)
		return -1;
	if (!cfg->initca && g->req.has_ca)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: ca: only allowed with -initca", path);
	/*
	 * As cfssl: the CA's CSR asks for basicConstraints CA:TRUE only when
	 * the request has a "ca" object (the certificate is a CA either way),
	 * so a ca.csr made without one can be signed again as a leaf.
	 */
	in = (struct kiln_gen_in){.req = &g->req,
	    .key = &g->key,
	    .name = path,
	    .flags = cfg->initca && g->req.has_ca ? KILN_GEN_CSR_CA : 0};
	if (kiln_gen_check_hosts(&g->req, err) == -1 ||
	    kiln_rng_seed(&g->rng, "kiln gencert", err) == -1)
		return -1;
	if (cfg->initca) {
		if (kiln_gen_check_ca_subject(&g->req, err) == -1) {
			kiln_err_prefix(err, "%s", path);
			return -1;
		}
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
		/* cfssl records what its signer issues (not -initca). */
		if (cfg->db_config[0] != '\0' &&
		    cli_certdb_open(cfg->db_config, &g->db, err) == -1)
			return -1;
	}
	if (!g->reuse_key)
		in.flags |= KILN_GEN_NEW_KEY;
	if (kiln_gen_cert(&g->out.cert, &g->out.csr, &in,
	        cfg->initca ? NULL : &g->ca, profile, &g->rng, time(NULL),
	        err) == -1 ||
	    cli_gen_out_pem(&g->out, g->reuse_key ? NULL : &g->key, err) == -1)
		return -1;
	/* As cfssl: recorded before it is handed back, or not at all. */
	if (g->db != NULL && cli_certdb_record(g->db, &g->out.cert, err) == -1)
		return -1;
	/* cfssl's log lines, under its names (etcd's scripts read them). */
	if (cfg->initca && strcmp(cfg->cmd->name, "gencert") == 0)
		cli_log(cfg, CLI_LOG_INFO,
		    "generating a new CA key and certificate from CSR");
	cli_log_request(cfg, g->reuse_key ? NULL : &g->req.key);
	cli_log_signed(cfg, &g->out.cert);
	if (!cfg->initca && g->req.n_hosts == 0)
		cli_log(cfg, CLI_LOG_WARNING, "%s", KILN_GEN_NO_HOSTS);
	if (cli_gen_out_emit(
	        cfg, &g->out, g->reuse_key ? NULL : &g->out.key_pem, err) == -1)
		return -1;
	/* Once made: a failure is one line, never a warning and an error. */
	if (!cfg->initca)
		cli_warn_outlives(cfg, g->ca.ca, &g->out.cert);
	return 0;
}

int
cmd_gencert(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_err err = {0};
	struct gencert g;
	int rc;

	if (cfg->renewca) {
		if (argc != 0)
			return cli_usage_error(
			    cfg->cmd, "-renewca takes no CSR JSON file");
		if (cfg->initca || cfg->config[0] != '\0' ||
		    cfg->profile[0] != '\0' || cfg->hostname_set ||
		    cfg->cn[0] != '\0' || cfg->db_config[0] != '\0')
			return cli_usage_error(cfg->cmd,
			    "-renewca takes only -ca, -ca-key and -out");
		if (cfg->ca[0] == '\0' || cfg->ca_key[0] == '\0')
			return cli_usage_error(
			    cfg->cmd, "-renewca needs -ca and -ca-key");
	} else if (argc != 1)
		return cli_usage_error(cfg->cmd, "expected one CSR JSON file");
	memset(&g, 0, sizeof(g));
	kiln_request_init(&g.req);
	kiln_buf_init(&g.text);
	cli_gen_out_init(&g.out);
	kiln_config_init(&g.config);
	kiln_signer_init(&g.ca);
	kiln_key_init(&g.key);
	kiln_rng_init(&g.rng);
	if (cfg->renewca)
		rc = renewca(&g, cfg, &err) == 0 ? 0 : 1;
	else
		rc = gencert(&g, argv[0], cfg, &err) == 0 ? 0 : 1;
	/* genkey -initca runs here too, and reports under its own name. */
	if (rc != 0)
		cli_error(cfg->cmd->name, &err);
	if (rc != 0 && g.usage && !cli_cfssl_name())
		rc = cfg->cmd->usage_status;
	kiln_request_free(&g.req);
	kiln_config_free(&g.config);
	kiln_signer_free(&g.ca);
	kiln_key_free(&g.key);
	kiln_rng_free(&g.rng);
	kiln_buf_free(&g.text);
	cli_gen_out_free(&g.out);
	kiln_certdb_close(g.db);
	return rc;
}
