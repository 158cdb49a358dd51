/*
 * kiln gencsr: a CSR for an existing key, from csr.json or from an
 * existing certificate, as cfssl gencsr.
 */
#include <string.h>

#include "cli.h"
#include "kiln/gen.h"
#include "kiln/inspect.h"
#include "kiln/key.h"
#include "kiln/pem.h"
#include "kiln/request.h"
#include "kiln/signer.h"

struct gencsr {
	struct kiln_request req;
	struct kiln_key key;
	struct kiln_rng rng;
	struct kiln_infos certs;
	struct kiln_buf key_text, text;
	struct cli_gen_out out;
};

/* The request: csr.json "path", or what -cert certifies. */
static int
request(struct gencsr *g, const char *path, const struct cli_config *cfg,
    struct kiln_err *err)
{
	if (cfg->cert[0] == '\0')
		return cli_read_request(path, NULL, NULL, &g->req, err);
	if (cli_read(cfg->cert, &g->text, err) == -1)
		return -1;
	if (kiln_inspect_certs(&g->certs, g->text.p, g->text.len, err) == -1) {
		kiln_err_prefix(err, "%s", cfg->cert);
		return -1;
	}
	if (g->certs.n != 1)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: %zu certificates: want exactly one", cfg->cert,
		    g->certs.n);
	return kiln_gen_request_from_cert(&g->req, &g->certs.v[0], err);
}

static int
gencsr(struct gencsr *g, const char *path, const struct cli_config *cfg,
    struct kiln_err *err)
{
	const struct kiln_buf *key_out = &g->key_text;
	struct cli_gen_out *o = &g->out;
	struct kiln_gen_in in;

	if (kiln_rng_seed(&g->rng, "kiln gencsr", err) == -1 ||
	    cli_read(cfg->key, &g->key_text, err) == -1)
		return -1;
	if (kiln_key_parse(
	        &g->key, g->key_text.p, g->key_text.len, &g->rng, err) == -1) {
		kiln_err_prefix(err, "%s", cfg->key);
		return -1;
	}
	/* The key is given back as read; DER cannot go into JSON text. */
	if (kiln_pem_count((char *)g->key_text.p) == 0) {
		if (cli_gen_out_pem(o, &g->key, err) == -1)
			return -1;
		key_out = &o->key_pem;
	}
	if (request(g, path, cfg, err) == -1)
		return -1;
	if (cfg->hostname_set &&
	    kiln_request_set_hosts(&g->req, cfg->hostname, err) == -1)
		return -1;
	in = (struct kiln_gen_in){.req = &g->req,
	    .key = &g->key,
	    .name = cfg->cert[0] != '\0' ? cfg->cert : path,
	    .flags = g->req.has_ca ? KILN_GEN_CSR_CA : 0};
	if (kiln_gen_csr(&o->csr, &in, &g->rng, err) == -1 ||
	    cli_gen_out_pem(o, NULL, err) == -1)
		return -1;
	return cli_gen_out_emit(cfg, o, key_out, err);
}

int
cmd_gencsr(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_err err = {0};
	struct gencsr g;
	int rc;

	if (cfg->key[0] == '\0')
		return cli_usage_error(cfg->cmd, "-key is required");
	if (cfg->cert[0] != '\0' && argc != 0)
		return cli_usage_error(
		    cfg->cmd, "no CSR JSON file is taken with -cert");
	if (cfg->cert[0] == '\0' && argc != 1)
		return cli_usage_error(
		    cfg->cmd, "expected one CSR JSON file (or -cert)");
	kiln_request_init(&g.req);
	kiln_key_init(&g.key);
	kiln_rng_init(&g.rng);
	kiln_infos_init(&g.certs);
	kiln_buf_init(&g.key_text);
	kiln_buf_init(&g.text);
	cli_gen_out_init(&g.out);
	rc = gencsr(&g, argc > 0 ? argv[0] : NULL, cfg, &err) == 0 ? 0 : 1;
	if (rc != 0)
		cli_error("gencsr", &err);
	kiln_request_free(&g.req);
	kiln_key_free(&g.key);
	kiln_rng_free(&g.rng);
	kiln_infos_free(&g.certs);
	kiln_buf_free(&g.key_text);
	kiln_buf_free(&g.text);
	cli_gen_out_free(&g.out);
	return rc;
}
