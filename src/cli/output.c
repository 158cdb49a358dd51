#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kiln/esc.h"
#include "kiln/file.h"
#include "kiln/inspect.h"
#include "kiln/key.h"
#include "kiln/pem.h"
#include "kiln/time.h"

const char *cli_progname = "kiln";
int cli_single_command;

int
cli_cfssl_name(void)
{
	return strncmp(cli_progname, "cfssl", 5) == 0;
}

void
cli_log(const struct cli_config *cfg, int level, const char *fmt, ...)
{
	char when[32], msg[1024];
	struct tm tm;
	time_t now;
	va_list ap;

	/* cfssl's -loglevel: 0 debug, 1 info, 2 warning, ... 5 fatal. */
	if (!cli_cfssl_name() || cfg->loglevel > level)
		return;
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y/%m/%d %H:%M:%S", &tm) == 0)
		strcpy(when, "0000/00/00 00:00:00");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s [%s] %s\n", when,
	    level <= CLI_LOG_INFO ? "INFO" : "WARNING", msg);
}

void
cli_log_request(const struct cli_config *cfg, const struct kiln_keyreq *key)
{
	cli_log(cfg, CLI_LOG_INFO, "generate received request");
	cli_log(cfg, CLI_LOG_INFO, "received CSR");
	if (key != NULL)
		cli_log(cfg, CLI_LOG_INFO, "generating key: %s-%d",
		    key->algo == KILN_KEY_RSA ? "rsa" : "ecdsa", key->size);
	cli_log(cfg, CLI_LOG_INFO, "encoded CSR");
}

void
cli_log_signed(const struct cli_config *cfg, const struct kiln_buf *der)
{
	struct kiln_infos infos;
	struct kiln_buf dec;

	if (!cli_cfssl_name() || cfg->loglevel > CLI_LOG_INFO)
		return;
	kiln_infos_init(&infos);
	kiln_buf_init(&dec);
	if (kiln_inspect_certs(&infos, der->p, der->len, NULL) == 0 &&
	    infos.n > 0 &&
	    kiln_info_serial_decimal(&infos.v[0], &dec, NULL) == 0 &&
	    kiln_buf_append(&dec, "", 1, NULL) == 0)
		cli_log(cfg, CLI_LOG_INFO,
		    "signed certificate with serial number %s",
		    (const char *)dec.p);
	kiln_buf_free(&dec);
	kiln_infos_free(&infos);
}

void
cli_certinfo_operands(struct cli_config *cfg, int argc, char **argv, int *ind)
{
	if (cli_cfssl_name() || *ind >= argc || cfg->cert[0] != '\0' ||
	    cfg->csr[0] != '\0' || cfg->domain[0] != '\0')
		return;
	cfg->cert = argv[(*ind)++];
}

int
cli_check_default_profile(const struct cli_config *cfg,
    const struct kiln_config *config, const struct kiln_profile *p,
    struct kiln_err *err)
{
	char list[256];

	if (cfg->profile[0] != '\0' || cfg->config[0] == '\0' || p->ku != 0 ||
	    p->n_eku != 0)
		return 0;
	kiln_config_names(config, list, sizeof(list));
	return kiln_err_set(err, KILN_EPOLICY,
	    "%s: signing.default has no usages: choose a profile with "
	    "-profile (its profiles: %s)",
	    cfg->config, list);
}

void
cli_warn_outlives(const struct cli_config *cfg, const struct kiln_cert *ca,
    const struct kiln_buf *der)
{
	struct kiln_cert cert;
	long long ca_end, end;
	char ca_day[32], cert_day[32];

	kiln_cert_init(&cert);
	if (kiln_cert_parse(&cert, der->p, der->len, NULL) == -1)
		goto cleanup;
	ca_end = kiln_cert_not_after(ca);
	end = kiln_cert_not_after(&cert);
	if (!kiln_cert_outlives(ca, end))
		goto cleanup;
	kiln_rfc3339_date(ca_end, ca_day, sizeof(ca_day));
	kiln_rfc3339_date(end, cert_day, sizeof(cert_day));
	if (cli_cfssl_name())
		cli_log(cfg, CLI_LOG_WARNING,
		    "the certificate (notAfter %s) outlives its CA (notAfter "
		    "%s): it stops working on %s; give the profile a shorter "
		    "expiry, or renew the CA",
		    cert_day, ca_day, ca_day);
	else
		cli_errorf(cfg->cmd->name,
		    "warning: the certificate (notAfter %s) outlives its CA "
		    "(notAfter %s): it stops working on %s; give the profile a "
		    "shorter expiry, or renew the CA",
		    cert_day, ca_day, ca_day);
cleanup:
	kiln_cert_free(&cert);
}

void
cli_errorf(const char *cmd, const char *fmt, ...)
{
	char msg[2048];
	struct kiln_buf shown;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cli_single_command)
		fprintf(stderr, "%s: ", cli_progname);
	else
		fprintf(stderr, "%s: %s: ", cli_progname, cmd);
	/*
	 * Messages quote their input (file names, certificate names): a
	 * newline there must not forge a second line, nor an escape sequence,
	 * a C1 control or a bidirectional override reach the terminal (out
	 * of memory, what was escaped is shown: still one safe line).
	 */
	kiln_buf_init(&shown);
	(void)kiln_esc_append(&shown, msg, strlen(msg), NULL);
	if (shown.len > 0)
		fwrite(shown.p, 1, shown.len, stderr);
	fputc('\n', stderr);
	kiln_buf_free(&shown);
}

void
cli_printf(const char *fmt, ...)
{
	struct kiln_buf text, shown;
	va_list ap;
	int n;

	kiln_buf_init(&text);
	kiln_buf_init(&shown);
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n >= 0 && kiln_buf_reserve(&text, (size_t)n + 1, NULL) == 0) {
		va_start(ap, fmt);
		vsnprintf((char *)text.p, (size_t)n + 1, fmt, ap);
		va_end(ap);
		/* Out of memory, what was escaped is shown: still safe. */
		(void)kiln_esc_append(&shown, (char *)text.p, (size_t)n, NULL);
		if (shown.len > 0)
			fwrite(shown.p, 1, shown.len, stdout);
	}
	fputc('\n', stdout);
	kiln_buf_free(&text);
	kiln_buf_free(&shown);
}

void
cli_error(const char *cmd, const struct kiln_err *err)
{
	cli_errorf(cmd, "%s", err->msg[0] != '\0' ? err->msg : "failed");
}

int
cli_usage_error(const struct command *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_errorf(cmd->name, "%s", msg);
	cli_usage(cmd, 1);
	return cmd->usage_status;
}

int
cli_exit(const struct command *cmd, int rc)
{
	int failed;

	/* fclose flushes: a write error held in stdio shows up there. */
	errno = 0;
	failed = fflush(stdout) != 0 || ferror(stdout);
	if (fclose(stdout) != 0)
		failed = 1;
	if (!failed)
		return rc;
	/* kiln check's 1 and 2 are verdicts, not failures: the verdict was
	 * lost, which is its UNKNOWN. */
	if (cmd != NULL && cmd->usage_status == 3) {
		if (rc == 3)
			return 3;
	} else if (rc != 0)
		return rc; /* the failure is already reported */
	cli_errorf(cmd != NULL ? cmd->name : "help", "standard output: %s",
	    errno != 0 ? strerror(errno) : "write error");
	return cmd != NULL && cmd->usage_status == 3 ? 3 : 1;
}

int
cli_read(const char *spec, struct kiln_buf *out, struct kiln_err *err)
{
	const char *value;

	if (strncmp(spec, "env:", 4) == 0) {
		if ((value = getenv(spec + 4)) == NULL)
			return kiln_err_set(err, KILN_EINVAL,
			    "%s: environment variable not set", spec);
		return kiln_buf_append(out, value, strlen(value), err) == -1 ||
		               kiln_buf_terminate(out, err) == -1
		           ? -1
		           : 0;
	}
	if (strncmp(spec, "file:", 5) == 0)
		spec += 5;
	return kiln_file_read(spec, out, err);
}

int
cli_path(char *path, const char *base, const char *suffix, struct kiln_err *err)
{
	return kiln_file_path(path, base, suffix, err);
}

int
cli_write_stdout(const struct kiln_buf *buf, struct kiln_err *err)
{
	const unsigned char *p = buf->p;
	size_t len = buf->len;
	ssize_t n;

	/* write(2), not stdio: stdio's buffer could not be wiped. */
	while (len > 0) {
		if ((n = write(STDOUT_FILENO, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return kiln_err_sys(err, "standard output");
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Parses the text of a file into "arg": 0 or -1. */
typedef int parse_fn(void *, const struct kiln_buf *, struct kiln_err *);

/*
 * The file "spec" read (cli_read; with "plain", a path and nothing else)
 * and handed to "parse", whose errors are prefixed with "spec".
 */
static int
read_parse(const char *spec, int plain, parse_fn *parse, void *arg,
    struct kiln_err *err)
{
	struct kiln_buf text;
	int rc = -1;

	kiln_buf_init(&text);
	if ((plain ? kiln_file_read(spec, &text, err)
	           : cli_read(spec, &text, err)) == -1)
		goto cleanup;
	if (parse(arg, &text, err) == -1) {
		kiln_err_prefix(err, "%s", spec);
		goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	return rc;
}

static int
parse_anchors(void *ca, const struct kiln_buf *text, struct kiln_err *err)
{
	return kiln_inspect_x509(ca, text->p, text->len, err);
}

/*
 * The trust anchors of -ca: every certificate of the file, its PEM found
 * as kiln check, kiln-certinfo and kiln verify find it everywhere.
 */
int
cli_read_anchors(mbedtls_x509_crt *ca, const char *path, struct kiln_err *err)
{
	return read_parse(path, 1, parse_anchors, ca, err);
}

/*
 * Read the CA certificate "cert_spec" and its key "key_spec" (as cli_read
 * does) and open them: as "signer" when not NULL (kiln_signer_open), else
 * into "ca" and "key" (kiln_ca_load).  The password is cfssl's,
 * CFSSL_CA_PK_PASSWORD, and an encrypted key's error says so.
 */
static int
open_ca(const char *cert_spec, const char *key_spec,
    struct kiln_signer *signer, struct kiln_cert *ca, struct kiln_key *key,
    struct kiln_rng *rng, struct kiln_err *err)
{
	const char *password = getenv("CFSSL_CA_PK_PASSWORD");
	struct kiln_buf cert, key_text;
	struct kiln_err e = {0};
	int rc = -1;

	kiln_buf_init(&cert);
	kiln_buf_init(&key_text);
	if (cli_read(cert_spec, &cert, &e) == 0 &&
	    cli_read(key_spec, &key_text, &e) == 0 &&
	    (signer != NULL
	            ? kiln_signer_open(signer, &cert, cert_spec, &key_text,
	                  key_spec, password, rng, &e)
	            : kiln_ca_load(ca, key, &cert, cert_spec, &key_text,
	                  key_spec, password, rng, &e)) == 0)
		rc = 0;
	else if (kiln_key_password_problem(&e) == KILN_KEY_NO_PASSWORD)
		kiln_err_set(err, KILN_EINVAL,
		    "%s: the CA key is encrypted: set CFSSL_CA_PK_PASSWORD",
		    key_spec);
	else if (kiln_key_password_problem(&e) == KILN_KEY_WRONG_PASSWORD)
		kiln_err_set(err, KILN_EINVAL,
		    "%s: the CA key is encrypted, and CFSSL_CA_PK_PASSWORD "
		    "does not decrypt it",
		    key_spec);
	else if (rc == -1)
		kiln_err_pass(err, &e);
	kiln_buf_free(&cert);
	kiln_buf_free(&key_text);
	return rc;
}

int
cli_load_ca(const char *cert_spec, const char *key_spec, struct kiln_cert *ca,
    struct kiln_key *key, struct kiln_rng *rng, struct kiln_err *err)
{
	return open_ca(cert_spec, key_spec, NULL, ca, key, rng, err);
}

int
cli_open_signer(const struct cli_config *cfg, struct kiln_signer *signer,
    struct kiln_rng *rng, struct kiln_err *err)
{
	return open_ca(cfg->ca, cfg->ca_key, signer, NULL, NULL, rng, err);
}

/* A csr.json request and its -cn and -hostname, for parse_request. */
struct request_args {
	struct kiln_request *req;
	const char *cn, *hosts;
};

static int
parse_request(void *arg, const struct kiln_buf *text, struct kiln_err *err)
{
	struct request_args *a = arg;

	if (kiln_request_parse(a->req, (char *)text->p, text->len, err) == -1 ||
	    (a->cn != NULL && kiln_request_set_cn(a->req, a->cn, err) == -1) ||
	    (a->hosts != NULL &&
	        kiln_request_set_hosts(a->req, a->hosts, err) == -1))
		return -1;
	return 0;
}

int
cli_read_request(const char *path, const char *cn, const char *hosts,
    struct kiln_request *req, struct kiln_err *err)
{
	struct request_args a = {req, cn, hosts};

	return read_parse(path, 0, parse_request, &a, err);
}

int
cli_gen_write(const char *base, const struct kiln_buf *cert,
    const struct kiln_buf *csr, const struct kiln_buf *key, int force,
    struct kiln_err *err)
{
	struct kiln_err e = {0};
	char path[PATH_MAX];

	if (kiln_gen_write(base, cert, csr, key, force, &e) == 0)
		return 0;
	if (e.code == KILN_EEXIST && key != NULL &&
	    kiln_file_path(path, base, "-key.pem", NULL) == 0)
		return kiln_err_set(err, KILN_EEXIST, CLI_KEY_KEPT, path);
	return kiln_err_pass(err, &e);
}

/* "fn" on each buffer of "o": its init and its free. */
static void
gen_out_each(struct cli_gen_out *o, void (*fn)(struct kiln_buf *))
{
	fn(&o->cert);
	fn(&o->csr);
	fn(&o->cert_pem);
	fn(&o->csr_pem);
	fn(&o->key_pem);
	fn(&o->json);
}

void
cli_gen_out_init(struct cli_gen_out *o)
{
	gen_out_each(o, kiln_buf_init);
}

void
cli_gen_out_free(struct cli_gen_out *o)
{
	gen_out_each(o, kiln_buf_free);
}

int
cli_gen_out_pem(
    struct cli_gen_out *o, struct kiln_key *key, struct kiln_err *err)
{
	if (o->cert.len > 0 && kiln_pem_write(&o->cert_pem, "CERTIFICATE",
	                           o->cert.p, o->cert.len, err) == -1)
		return -1;
	if (o->csr.len > 0 && kiln_pem_write(&o->csr_pem, "CERTIFICATE REQUEST",
	                          o->csr.p, o->csr.len, err) == -1)
		return -1;
	if (key != NULL && kiln_key_write_pem(key, &o->key_pem, err) == -1)
		return -1;
	return 0;
}

int
cli_gen_out_emit(const struct cli_config *cfg, struct cli_gen_out *o,
    const struct kiln_buf *key, struct kiln_err *err)
{
	const struct kiln_buf *cert = o->cert_pem.len > 0 ? &o->cert_pem : NULL;
	const struct kiln_buf *csr = o->csr_pem.len > 0 ? &o->csr_pem : NULL;

	if (cfg->out[0] != '\0')
		return cli_gen_write(cfg->out, cert, csr, key, cfg->force, err);
	if (kiln_gen_json(&o->json, cert, csr, key, err) == -1)
		return -1;
	return cli_write_stdout(&o->json, err);
}

static int
parse_config(void *config, const struct kiln_buf *text, struct kiln_err *err)
{
	return kiln_config_parse(config, (char *)text->p, text->len, err);
}

int
cli_read_config(const struct cli_config *cfg, struct kiln_config *config,
    struct kiln_err *err)
{
	if (cfg->config[0] == '\0')
		return 0;
	return read_parse(cfg->config, 0, parse_config, config, err);
}

const struct kiln_profile *
cli_pick_profile(const struct cli_config *cfg, const struct kiln_config *config,
    int *usage, struct kiln_err *err)
{
	const struct kiln_profile *profile;

	if ((profile = kiln_config_profile(config, cfg->profile, err)) ==
	    NULL) {
		kiln_err_prefix(err, "%s",
		    cfg->config[0] != '\0' ? cfg->config
		                           : "default configuration");
		return NULL;
	}
	if (usage != NULL &&
	    cli_check_default_profile(cfg, config, profile, err) == -1) {
		*usage = 1; /* -profile forgotten */
		return NULL;
	}
	return profile;
}
