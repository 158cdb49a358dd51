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
	struct cli_gen_out out;
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
	in = (struct kiln_gen_in){.req = &g->req,
	    .key = &g->key,
	    .name = path,
	    .flags = KILN_GEN_NEW_KEY};
	if (kiln_rng_seed(&g->rng, "kiln genkey", err) == -1 ||
	    kiln_gen_csr(&g->out.csr, &in, &g->rng, err) == -1 ||
	    cli_gen_out_pem(&g->out, &g->key, err) == -1)
		return -1;
	cli_log_request(cfg, &g->req.key);
	return cli_gen_out_emit(cfg, &g->out, &g->out.key_pem, err);
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
	kiln_request_init(&g.req);
	kiln_key_init(&g.key);
	kiln_rng_init(&g.rng);
	cli_gen_out_init(&g.out);
	rc = genkey(&g, argv[0], cfg, &err) == 0 ? 0 : 1;
	if (rc != 0)
		cli_error("genkey", &err);
	kiln_request_free(&g.req);
	kiln_key_free(&g.key);
	kiln_rng_free(&g.rng);
	cli_gen_out_free(&g.out);
	return rc;
}
