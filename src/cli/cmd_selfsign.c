/*
 * kiln selfsign: a new key and a certificate signed by that key, as cfssl
 * selfsign makes them, with cfssl's warning on the standard error.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kiln/config.h"
#include "kiln/duration.h"
#include "kiln/gen.h"
#include "kiln/issue.h"
#include "kiln/signer.h"
#include "kiln/key.h"
#include "kiln/pem.h"
#include "kiln/request.h"

/* selfsign.go's threeMonths: the lifetime without -config. */
#define SELFSIGN_EXPIRY (2190 * KILN_NS_HOUR)

/* cfssl's banner, word for word. */
static const char warning[] =
    "*** WARNING ***\n"
    "\n"
    "Self-signed certificates are dangerous. Use this self-signed\n"
    "certificate at your own risk.\n"
    "\n"
    "It is strongly recommended that these certificates NOT be used\n"
    "in production.\n"
    "\n"
    "*** WARNING ***\n"
    "\n";

struct selfsign {
	struct kiln_request req;
	struct kiln_config config;
	struct kiln_key key;
	struct kiln_rng rng;
	struct cli_gen_out out;
};

/*
 * The profile as cfssl's selfsign uses it: -profile of -config, else its
 * default, else cfssl's default usages for 2190h.  Dates are now - 5 min
 * to now + expiry, unrounded; CRL and OCSP URLs, OCSP no-check, the name
 * whitelist and pathlen are not used.
 */
static int
profile(struct selfsign *s, const struct cli_config *cfg, time_t now,
    struct kiln_profile *p, struct kiln_err *err)
{
	const struct kiln_profile *found;

	if (cli_read_config(cfg, &s->config, err) == -1 ||
	    (found = cli_pick_profile(cfg, &s->config, NULL, err)) == NULL)
		return -1;
	if (found->ku == 0 && found->n_eku == 0) {
		if (cfg->profile[0] != '\0')
			return kiln_err_set(err, KILN_EPOLICY,
			    "%s: signing.profiles.%s: no usages", cfg->config,
			    cfg->profile);
		return kiln_err_set(err, KILN_EPOLICY,
		    "%s: signing.default: no usages (choose a profile with "
		    "-profile)",
		    cfg->config);
	}
	*p = *found; /* borrowed: the copy is never freed */
	if (cfg->config[0] == '\0')
		p->expiry = SELFSIGN_EXPIRY;
	p->has_not_before = 1;
	p->not_before = now - 5 * 60;
	p->has_not_after = 1;
	p->not_after = now + (time_t)(p->expiry / KILN_NS_SECOND);
	p->max_path_len = 0;
	p->max_path_len_zero = 0;
	p->name_whitelist = NULL;
	p->ocsp_url = NULL;
	p->crl_url = NULL;
	p->ocsp_no_check = 0;
	return 0;
}

static int
selfsign(struct selfsign *s, const char *path, const struct cli_config *cfg,
    struct kiln_err *err)
{
	struct kiln_profile p;
	struct kiln_gen_in in;
	time_t now = time(NULL);

	if (cli_read_request(path, NULL,
	        cfg->hostname[0] != '\0' ? cfg->hostname : NULL, &s->req,
	        err) == -1)
		return -1;
	if (s->req.has_ca)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: ca: not allowed in a self-signed certificate (make a "
		    "CA "
		    "with gencert -initca)",
		    path);
	if (profile(s, cfg, now, &p, err) == -1)
		return -1;
	if (kiln_rng_seed(&s->rng, "kiln selfsign", err) == -1)
		return -1;
	/* cfssl copies the CSR's SAN as it is. */
	in = (struct kiln_gen_in){.req = &s->req,
	    .key = &s->key,
	    .name = path,
	    .flags = KILN_GEN_NEW_KEY | KILN_GEN_KEEP_SANS};
	if (kiln_gen_cert(&s->out.cert, &s->out.csr, &in, NULL, &p, &s->rng,
	        now, err) == -1 ||
	    cli_gen_out_pem(&s->out, &s->key, err) == -1)
		return -1;
	cli_log_request(cfg, &s->req.key);
	fputs(warning, stderr);
	fflush(stderr);
	return cli_gen_out_emit(cfg, &s->out, &s->out.key_pem, err);
}

int
cmd_selfsign(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_err err = {0};
	struct selfsign s;
	int want, rc;

	/* cfssl takes HOSTNAME unless -hostname or -initca stands for it;
	 * either way it does not go into the certificate. */
	want = cfg->hostname[0] != '\0' || cfg->initca ? 1 : 2;
	if (argc != want)
		return cli_usage_error(cfg->cmd, "expected %s",
		    want == 2 ? "HOSTNAME and CSRJSON" : "one CSR JSON file");
	kiln_request_init(&s.req);
	kiln_config_init(&s.config);
	kiln_key_init(&s.key);
	kiln_rng_init(&s.rng);
	cli_gen_out_init(&s.out);
	rc = selfsign(&s, argv[argc - 1], cfg, &err) == 0 ? 0 : 1;
	if (rc != 0)
		cli_error("selfsign", &err);
	kiln_request_free(&s.req);
	kiln_config_free(&s.config);
	kiln_key_free(&s.key);
	kiln_rng_free(&s.rng);
	cli_gen_out_free(&s.out);
	return rc;
}
