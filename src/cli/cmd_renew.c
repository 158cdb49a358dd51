/*
 * kiln renew: re-issue certificates in place, keeping their keys unless
 * -rekey (kiln-renew(1)).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "kiln/config.h"
#include "kiln/duration.h"
#include "kiln/file.h"
#include "kiln/pem.h"
#include "kiln/renew.h"

#define NS_PER_SEC 1000000000LL

struct renew {
	struct kiln_cert ca;
	struct kiln_key ca_key;
	struct kiln_config config;
	const struct kiln_profile *profile;
	struct kiln_rng rng;
	int64_t expiry, within; /* ns; within < 0: renew all */
	time_t now;
	char stamp[32]; /* -backup suffix */
};

/* The CA, its key and, with -profile, the signing profile. */
static int
load_signer(struct renew *r, const struct cli_config *cfg, struct kiln_err *err)
{
	struct kiln_buf text;
	int rc = -1;

	kiln_buf_init(&text);
	if (cli_load_ca(
	        cfg->ca, cfg->ca_key, &r->ca, &r->ca_key, &r->rng, err) == -1)
		goto cleanup;
	if (cfg->profile[0] != '\0') {
		if (cfg->config[0] != '\0') {
			if (cli_read(cfg->config, &text, err) == -1)
				goto cleanup;
			if (kiln_config_parse(&r->config, (char *)text.p,
			        text.len, err) == -1) {
				kiln_err_prefix(err, "%s", cfg->config);
				goto cleanup;
			}
		}
		if ((r->profile = kiln_config_profile(
		         &r->config, cfg->profile, err)) == NULL)
			goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	return rc;
}

/* "etcd.pem" gives "etcd-key.pem", as cfssljson names the pair. */
static int
key_path(const char *cert, char *out, struct kiln_err *err)
{
	size_t n = strlen(cert);
	char base[PATH_MAX];

	if (n >= sizeof(base))
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: path too long", cert);
	memcpy(base, cert, n + 1);
	if (n > 4 && strcmp(base + n - 4, ".pem") == 0)
		base[n - 4] = '\0';
	return cli_path(out, base, "-key.pem", err);
}

/* A new key of the old one's type and size. */
static int
new_key(struct renew *r, const struct kiln_info *old, struct kiln_key *key,
    struct kiln_err *err)
{
	struct kiln_keyreq kr;

	if (strcmp(old->key_algorithm, "RSA") == 0)
		kr.algo = KILN_KEY_RSA;
	else if (strcmp(old->key_algorithm, "ECDSA") == 0)
		kr.algo = KILN_KEY_ECDSA;
	else
		return kiln_err_set(err, KILN_EINVAL,
		    "-rekey: kiln cannot make %s keys", old->key_algorithm);
	kr.size = (int)old->key_bits;
	return kiln_key_generate(key, &kr, &r->rng, err);
}

/* Keep "path" as "path.<stamp>" before it is replaced. */
static int
backup(const struct renew *r, const char *path, const struct kiln_buf *data,
    mode_t mode, struct kiln_err *err)
{
	char dst[PATH_MAX];

	if (cli_path(dst, path, r->stamp, err) == -1)
		return -1;
	return kiln_file_write(
	    dst, data->p, data->len, mode, KILN_WRITE_EXCL, err);
}

/*
 * The file with its first certificate replaced by "der": the rest (a
 * chain, a key kept beside it, comments) stays byte for byte, and a DER
 * file stays DER.
 */
static int
replace_first(const struct kiln_buf *text, const struct kiln_buf *der,
    struct kiln_buf *out, struct kiln_err *err)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----",
	                  end[] = "-----END CERTIFICATE-----";
	const char *t = (const char *)text->p, *b, *e;

	if ((b = strstr(t, begin)) == NULL)
		return kiln_buf_append(out, der->p, der->len, err);
	if ((e = strstr(b, end)) == NULL)
		return kiln_err_set(err, KILN_EINVAL, "truncated PEM");
	e += sizeof(end) - 1;
	if (*e == '\r')
		e++;
	if (*e == '\n')
		e++;
	if (kiln_buf_append(out, t, (size_t)(b - t), err) == -1 ||
	    kiln_pem_write(out, "CERTIFICATE", der->p, der->len, err) == -1)
		return -1;
	return kiln_buf_append(out, e, text->len - (size_t)(e - t), err);
}

/* An existing key's mode, or 0600 for a new one. */
static mode_t
key_mode(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_mode & 07777 : 0600;
}

/* Whether two paths name the same file. */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Renew one file.  Returns 0, or -1 with "err" set. */
static int
renew_one(struct renew *r, const char *path, const struct cli_config *cfg,
    struct kiln_err *err)
{
	struct kiln_buf text, der, out, key_pem, old_key;
	struct kiln_infos infos;
	struct kiln_key key;
	struct kiln_renew opts;
	char kpath[PATH_MAX], real[PATH_MAX], when[64], **dropped = NULL;
	const struct kiln_info *old;
	struct stat st;
	struct tm tm;
	time_t tt;
	long long left;
	size_t i, n_dropped = 0;
	int rc = -1;

	kiln_buf_init(&text);
	kiln_buf_init(&der);
	kiln_buf_init(&out);
	kiln_buf_init(&key_pem);
	kiln_buf_init(&old_key);
	kiln_infos_init(&infos);
	kiln_key_init(&key);
	memset(&opts, 0, sizeof(opts));
	if (kiln_file_read(path, &text, err) == -1)
		goto cleanup;
	/* A glob over a folder also names its keys: pass over them. */
	if (strstr((char *)text.p, "-----BEGIN CERTIFICATE-----") == NULL &&
	    strstr((char *)text.p, "PRIVATE KEY-----") != NULL) {
		printf("%s: skipped, a private key\n", path);
		rc = 0;
		goto cleanup;
	}
	if (kiln_inspect_certs(&infos, text.p, text.len, err) == -1) {
		kiln_err_prefix(err, "%s", path);
		goto cleanup;
	}
	old = &infos.v[0];
	left = old->not_after - (long long)r->now;
	if (r->within >= 0 && left > r->within / NS_PER_SEC) {
		printf("%s: kept, expires in %lld days\n", path, left / 86400);
		rc = 0;
		goto cleanup;
	}
	/* A copy of the CA (ssl/ca.pem) renewed would part from the real one.
	 */
	if (kiln_renew_kind(old, &r->ca) == KILN_RENEW_CA &&
	    !same_file(path, cfg->ca)) {
		printf("%s: skipped, a copy of the CA (renew the CA as %s)\n",
		    path, cfg->ca);
		rc = 0;
		goto cleanup;
	}
	opts.expiry = r->expiry;
	opts.profile = r->profile;
	if (cfg->rekey) {
		if ((cfg->key[0] != '\0' ? cli_path(kpath, cfg->key, "", err)
		                         : key_path(path, kpath, err)) == -1 ||
		    new_key(r, old, &key, err) == -1 ||
		    kiln_key_write_pem(&key, &key_pem, err) == -1)
			goto cleanup;
		opts.new_key = &key;
	}
	if (kiln_renew(&der, old, &opts, &r->ca, &r->ca_key, &r->rng, r->now,
	        &dropped, &n_dropped, err) == -1) {
		kiln_err_prefix(err, "%s", path);
		goto cleanup;
	}
	if (replace_first(&text, &der, &out, err) == -1 ||
	    (cfg->rekey && strstr((char *)text.p, "PRIVATE KEY-----") != NULL &&
	        kiln_err_set(err, KILN_EINVAL,
	            "%s: holds its key too; -rekey writes the new key to %s",
	            path, kpath) == -1))
		goto cleanup;
	/* Through a symbolic link, to the file it names, whose owner and
	 * mode stay: etcd may run as another user. */
	if (realpath(path, real) == NULL) {
		kiln_err_sys(err, "%s", path);
		goto cleanup;
	}
	if (stat(real, &st) == -1) {
		kiln_err_sys(err, "%s", path);
		goto cleanup;
	}
	if (cfg->backup) {
		if (backup(r, real, &text, st.st_mode & 07777, err) == -1)
			goto cleanup;
		if (cfg->rekey && kiln_file_read(kpath, &old_key, err) == 0 &&
		    backup(r, kpath, &old_key, 0600, err) == -1)
			goto cleanup;
		kiln_err_clear(err); /* no old key to keep */
	}
	/* The key first: a moment with the new key and the old certificate
	 * fails the same way as the reverse, and each file is atomic. */
	if (cfg->rekey &&
	    kiln_file_write(kpath, key_pem.p, key_pem.len, key_mode(kpath),
	        KILN_WRITE_KEEP_OWNER, err) == -1)
		goto cleanup;
	if (kiln_file_write(real, out.p, out.len, st.st_mode & 07777,
	        KILN_WRITE_KEEP_OWNER, err) == -1)
		goto cleanup;
	for (i = 0; i < n_dropped; i++)
		cli_errorf("renew", "%s: extension %s not carried over", path,
		    dropped[i]);
	kiln_infos_free(&infos);
	if (kiln_inspect_certs(&infos, der.p, der.len, err) == -1)
		goto cleanup;
	kiln_buf_free(&der);
	if (kiln_info_serial_decimal(&infos.v[0], &der, err) == -1 ||
	    kiln_buf_terminate(&der, err) == -1)
		goto cleanup;
	tt = (time_t)infos.v[0].not_after;
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	printf("%s: renewed, serial %s, valid until %s%s%s\n", path,
	    (char *)der.p, when, cfg->rekey ? ", new key " : "",
	    cfg->rekey ? kpath : "");
	rc = 0;
cleanup:
	for (i = 0; i < n_dropped; i++)
		free(dropped[i]);
	free(dropped);
	kiln_buf_free(&text);
	kiln_buf_free(&der);
	kiln_buf_free(&out);
	kiln_buf_free(&key_pem);
	kiln_buf_free(&old_key);
	kiln_infos_free(&infos);
	kiln_key_free(&key);
	return rc;
}

int
cmd_renew(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_err err;
	struct renew r;
	int i, failed = 0;

	if (argc == 0)
		return cli_usage_error(cfg->cmd, "no certificate to renew");
	if (cfg->ca[0] == '\0' || cfg->ca_key[0] == '\0')
		return cli_usage_error(
		    cfg->cmd, "-ca and -ca-key are required");
	if (cfg->key[0] != '\0' && !cfg->rekey)
		return cli_usage_error(
		    cfg->cmd, "-key names the new key of -rekey");
	if (cfg->key[0] != '\0' && argc > 1)
		return cli_usage_error(cfg->cmd,
		    "-key names one key: renew one certificate with it");
	if (cfg->config[0] != '\0' && cfg->profile[0] == '\0')
		return cli_usage_error(cfg->cmd, "-config needs -profile");
	memset(&r, 0, sizeof(r));
	kiln_err_clear(&err);
	kiln_cert_init(&r.ca);
	kiln_key_init(&r.ca_key);
	kiln_config_init(&r.config);
	kiln_rng_init(&r.rng);
	r.now = time(NULL);
	r.within = -1;
	strftime(r.stamp, sizeof(r.stamp), ".%Y%m%dT%H%M%SZ", gmtime(&r.now));
	if ((cfg->expiry[0] != '\0' &&
	        (kiln_duration_parse(cfg->expiry, &r.expiry, &err) == -1 ||
	            r.expiry <= 0)) ||
	    (cfg->within[0] != '\0' &&
	        (kiln_duration_parse(cfg->within, &r.within, &err) == -1 ||
	            r.within < 0))) {
		if (err.code == KILN_OK)
			kiln_err_set(
			    &err, KILN_EINVAL, "durations must be positive");
		cli_errorf("renew", "%s", err.msg);
		failed = 2;
		goto cleanup;
	}
	if (kiln_rng_seed(&r.rng, "kiln renew", &err) == -1 ||
	    load_signer(&r, cfg, &err) == -1) {
		cli_error("renew", &err);
		failed = 1;
		goto cleanup;
	}
	for (i = 0; i < argc; i++) {
		kiln_err_clear(&err);
		if (renew_one(&r, argv[i], cfg, &err) == -1) {
			cli_error("renew", &err);
			failed = 1;
		}
	}
cleanup:
	kiln_cert_free(&r.ca);
	kiln_key_free(&r.ca_key);
	kiln_config_free(&r.config);
	kiln_rng_free(&r.rng);
	return failed;
}
