/*
 * kiln genkey: a new key and its CSR from csr.json, as cfssl genkey.
 * With -initca it is gencert -initca: the same code makes the same CA.
 */
#include <string.h>

#include "cli.h"
#include "kiln/gen.h"
#include "kiln/key.h"
#include "kiln/pem.h"
#include "kiln/request.h"
#include "kiln/signer.h"

struct genkey {
	struct kiln_request req;
	struct kiln_key key;
	struct kiln_rng rng;
	struct kiln_buf csr, csr_pem, key_pem, out;
};

static int
genkey(struct genkey *g, const char *path, const struct cli_config *cfg,
    struct kiln_err *err)
{
	struct kiln_gen_in in;

	if (cli_read_request(path, NULL, NULL, &g->req, err) == -1)
		return -1;
	if (g->req.has_ca)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: ca: only allowed with -initca", path);
	memset(&in, 0, sizeof(in));
	in.req = &g->req;
	in.key = &g->key;
	in.name = path;
	in.flags = KILN_GEN_NEW_KEY;
	if (kiln_rng_seed(&g->rng, "kiln genkey", err) == -1 ||
	    kiln_gen_csr(&g->csr, &in, &g->rng, err) == -1 ||
	    kiln_pem_write(&g->csr_pem, "CERTIFICATE REQUEST", g->csr.p,
	        g->csr.len, err) == -1 ||
	    kiln_key_write_pem(&g->key, &g->key_pem, err) == -1)
		return -1;
	cli_log_request(cfg, &g->req.key);
	if (cfg->out[0] != '\0')
		return cli_gen_write(
		    cfg->out, NULL, &g->csr_pem, &g->key_pem, cfg->force, err);
	if (kiln_gen_json(&g->out, NULL, &g->csr_pem, &g->key_pem, err) == -1)
		return -1;
	return cli_write_stdout(&g->out, err);
}

int
cmd_genkey(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_err err = {0};
	struct genkey g;
	int rc;

	if (cfg->initca)
		return cmd_gencert(argc, argv, cfg);
	if (argc != 1)
		return cli_usage_error(cfg->cmd, "expected one CSR JSON file");
	memset(&g, 0, sizeof(g));
	kiln_request_init(&g.req);
	kiln_key_init(&g.key);
	kiln_rng_init(&g.rng);
	rc = genkey(&g, argv[0], cfg, &err) == 0 ? 0 : 1;
	if (rc != 0)
		cli_error("genkey", &err);
	kiln_request_free(&g.req);
	kiln_key_free(&g.key);
	kiln_rng_free(&g.rng);
	kiln_buf_free(&g.csr);
	kiln_buf_free(&g.csr_pem);
	kiln_buf_free(&g.key_pem);
	kiln_buf_free(&g.out);
	return rc;
}
