/*
 * kiln sign: a certificate for a request made elsewhere (openssl req,
 * kiln gencsr, a Kubernetes node), signed by a CA under a profile.
 */
#include <limits.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kiln/gen.h"
#include "kiln/cert.h"
#include "kiln/certdb.h"
#include "kiln/config.h"
#include "kiln/file.h"
#include "kiln/key.h"
#include "kiln/pem.h"
#include "kiln/rng.h"
#include "kiln/sign.h"
#include "kiln/signer.h"

struct sign {
	struct kiln_signreq req;
	struct kiln_config config;
	struct kiln_signer ca;
	struct kiln_rng rng;
	struct kiln_buf csr_text, subject_text;
	struct cli_gen_out out;
	struct kiln_certdb *db; /* -db-config, or NULL */
	int usage; /* the failure is the caller's: the usage status */
};

static int
sign(struct sign *s, const char *csr_path, const char *subject_path,
    const struct cli_config *cfg, struct kiln_err *err)
{
	const struct kiln_profile *profile;
	struct cli_gen_out *o = &s->out;
	struct kiln_gen_in in;
	char path[PATH_MAX];

	if (cfg->ca[0] == '\0' || cfg->ca_key[0] == '\0')
		return kiln_err_set(
		    err, KILN_EINVAL, "-ca and -ca-key are required");
	/* -config and -profile, as gencert reads them. */
	if (cli_read_config(cfg, &s->config, err) == -1 ||
	    (profile = cli_pick_profile(cfg, &s->config, &s->usage, err)) ==
	        NULL ||
	    kiln_rng_seed(&s->rng, "kiln sign", err) == -1 ||
	    cli_open_signer(cfg, &s->ca, &s->rng, err) == -1)
		return -1;
	if (cfg->db_config[0] != '\0' &&
	    cli_certdb_open(cfg->db_config, &s->db, err) == -1)
		return -1;

	if (cli_read(csr_path, &s->csr_text, err) == -1)
		return -1;
	if (kiln_sign_request(&s->req, s->csr_text.p, s->csr_text.len, err) ==
	    -1) {
		kiln_err_prefix(err, "%s", csr_path);
		return -1;
	}
	/* Under kiln's name only: cfssl signs any key Go reads. */
	if (!cli_cfssl_name() && kiln_sign_key_check(&s->req, err) == -1) {
		kiln_err_prefix(err, "%s", csr_path);
		return -1;
	}
	if (subject_path != NULL) {
		if (cli_read(subject_path, &s->subject_text, err) == -1)
			return -1;
		if (kiln_sign_subject(&s->req, (char *)s->subject_text.p,
		        s->subject_text.len, err) == -1) {
			kiln_err_prefix(err, "%s", subject_path);
			return -1;
		}
	}
	/* cfssl: an empty -hostname replaces nothing. */
	if (cfg->hostname[0] != '\0' &&
	    kiln_sign_hosts(&s->req, cfg->hostname, err) == -1) {
		kiln_err_prefix(err, "-hostname");
		return -1;
	}
	in = (struct kiln_gen_in){.csr = &s->req, .name = csr_path};
	if (kiln_gen_cert(&o->cert, NULL, &in, &s->ca, profile, &s->rng,
	        time(NULL), err) == -1 ||
	    cli_gen_out_pem(o, NULL, err) == -1)
		return -1;
	/* As cfssl: recorded before it is handed back, or not at all. */
	if (s->db != NULL && cli_certdb_record(s->db, &o->cert, err) == -1)
		return -1;
	cli_log_signed(cfg, &o->cert);

	if (cfg->out[0] != '\0') {
		/* The request is the caller's own file: not written again. */
		if (cli_path(path, cfg->out, ".pem", err) == -1 ||
		    kiln_gen_check_dir(path, err) == -1)
			return -1;
		return kiln_file_write(
		    path, o->cert_pem.p, o->cert_pem.len, 0644, 0, err);
	}
	/* "csr" is the input as read (cfssl); DER is shown as PEM. */
	if (s->req.was_der) {
		if (kiln_pem_write(&o->csr_pem, "CERTIFICATE REQUEST",
		        s->req.csr.der.p, s->req.csr.der.len, err) == -1)
			return -1;
	} else if (kiln_buf_append(
	               &o->csr_pem, s->csr_text.p, s->csr_text.len, err) == -1)
		return -1;
	return cli_gen_out_emit(cfg, o, NULL, err);
}

int
cmd_sign(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_err err = {0};
	const char *csr_path, *subject_path;
	struct sign s;
	int rc;

	/* cfssl: with -csr, the first argument is already SUBJECTJSON. */
	if (cfg->csr[0] != '\0') {
		if (argc > 1)
			return cli_usage_error(cfg->cmd,
			    "expected at most SUBJECTJSON after -csr");
		csr_path = cfg->csr;
		subject_path = argc == 1 ? argv[0] : NULL;
	} else {
		if (argc < 1 || argc > 2)
			return cli_usage_error(cfg->cmd,
			    "expected a CSR file and an optional SUBJECTJSON");
		csr_path = argv[0];
		subject_path = argc == 2 ? argv[1] : NULL;
	}
	memset(&s, 0, sizeof(s));
	kiln_signreq_init(&s.req);
	kiln_config_init(&s.config);
	kiln_signer_init(&s.ca);
	kiln_rng_init(&s.rng);
	kiln_buf_init(&s.csr_text);
	kiln_buf_init(&s.subject_text);
	cli_gen_out_init(&s.out);
	rc = sign(&s, csr_path, subject_path, cfg, &err) == 0 ? 0 : 1;
	if (rc != 0)
		cli_error("sign", &err);
	else /* once written: a failure is one line, never two */
		cli_warn_outlives(cfg, s.ca.ca, &s.out.cert);
	if (rc != 0 && s.usage && !cli_cfssl_name())
		rc = cfg->cmd->usage_status;
	kiln_signreq_free(&s.req);
	kiln_config_free(&s.config);
	kiln_signer_free(&s.ca);
	kiln_rng_free(&s.rng);
	kiln_buf_free(&s.csr_text);
	kiln_buf_free(&s.subject_text);
	cli_gen_out_free(&s.out);
	kiln_certdb_close(s.db);
	return rc;
}
