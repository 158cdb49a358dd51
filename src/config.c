/*
 * ca-config.json, as cfssl's config package reads it, but with invalid
 * values refused instead of dropped or turned into zeros.
 */
#define _XOPEN_SOURCE 700 /* strptime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "kiln/config.h"
#include "kiln/duration.h"

#define DEFAULT_BACKDATE (5 * KILN_NS_MINUTE)

/* clang-format off */
static const struct {
	const char *name;
	unsigned int ku;	/* or 0: then eku */
	enum kiln_eku eku;
} usages[] = {
	{ "signing",		KILN_KU_DIGITAL_SIGNATURE,  0 },
	{ "digital signature",	KILN_KU_DIGITAL_SIGNATURE,  0 },
	{ "content commitment",	KILN_KU_CONTENT_COMMITMENT, 0 },
	{ "key encipherment",	KILN_KU_KEY_ENCIPHERMENT,   0 },
	{ "key agreement",	KILN_KU_KEY_AGREEMENT,	    0 },
	{ "data encipherment",	KILN_KU_DATA_ENCIPHERMENT,  0 },
	{ "cert sign",		KILN_KU_CERT_SIGN,	    0 },
	{ "crl sign",		KILN_KU_CRL_SIGN,	    0 },
	{ "encipher only",	KILN_KU_ENCIPHER_ONLY,	    0 },
	{ "decipher only",	KILN_KU_DECIPHER_ONLY,	    0 },
	{ "any",		0, KILN_EKU_ANY },
	{ "server auth",	0, KILN_EKU_SERVER_AUTH },
	{ "client auth",	0, KILN_EKU_CLIENT_AUTH },
	{ "code signing",	0, KILN_EKU_CODE_SIGNING },
	{ "email protection",	0, KILN_EKU_EMAIL_PROTECTION },
	{ "s/mime",		0, KILN_EKU_EMAIL_PROTECTION },
	{ "ipsec end system",	0, KILN_EKU_IPSEC_END_SYSTEM },
	{ "ipsec tunnel",	0, KILN_EKU_IPSEC_TUNNEL },
	{ "ipsec user",		0, KILN_EKU_IPSEC_USER },
	{ "timestamping",	0, KILN_EKU_TIMESTAMPING },
	{ "ocsp signing",	0, KILN_EKU_OCSP_SIGNING },
	{ "microsoft sgc",	0, KILN_EKU_MICROSOFT_SGC },
	{ "netscape sgc",	0, KILN_EKU_NETSCAPE_SGC },
};
/* clang-format on */

int
kiln_config_usage(const char *name, unsigned int *ku, enum kiln_eku *eku)
{
	size_t i;

	for (i = 0; i < sizeof(usages) / sizeof(usages[0]); i++) {
		if (strcmp(usages[i].name, name) != 0)
			continue;
		if (usages[i].ku != 0) {
			*ku = usages[i].ku;
			return 1;
		}
		*eku = usages[i].eku;
		return 2;
	}
	return 0;
}

static void
profile_free(struct kiln_profile *p)
{
	size_t i;

	free(p->eku);
	if (p->name_whitelist != NULL)
		regfree(&p->whitelist);
	free(p->name_whitelist);
	free(p->ocsp_url);
	free(p->crl_url);
	for (i = 0; i < p->n_issuer_urls; i++)
		free(p->issuer_urls[i]);
	free(p->issuer_urls);
	memset(p, 0, sizeof(*p));
}

/* cfssl's DefaultConfig: 8760h, signing, key encipherment, both auths. */
static void
profile_default(struct kiln_profile *p)
{
	static enum kiln_eku eku[] = { KILN_EKU_SERVER_AUTH,
		KILN_EKU_CLIENT_AUTH };

	memset(p, 0, sizeof(*p));
	p->expiry = 8760 * KILN_NS_HOUR;
	p->backdate = DEFAULT_BACKDATE;
	p->ku = KILN_KU_DIGITAL_SIGNATURE | KILN_KU_KEY_ENCIPHERMENT;
	/* malloc'ed so that profile_free() need not know the difference */
	if ((p->eku = malloc(sizeof(eku))) != NULL) {
		memcpy(p->eku, eku, sizeof(eku));
		p->n_eku = 2;
	}
}

void
kiln_config_init(struct kiln_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	profile_default(&cfg->def);
}

void
kiln_config_free(struct kiln_config *cfg)
{
	size_t i;

	profile_free(&cfg->def);
	for (i = 0; i < cfg->n_profiles; i++) {
		profile_free(&cfg->profiles[i]);
		free(cfg->names[i]);
	}
	free(cfg->profiles);
	free(cfg->names);
	memset(cfg, 0, sizeof(*cfg));
}

static int
dup(char **out, const char *s, struct kiln_err *err)
{
	if (s == NULL)
		return 0;
	free(*out);
	if ((*out = strdup(s)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return 0;
}

/* A duration member; "*set" says whether it was given. */
static int
duration(const cJSON *obj, const char *path, const char *name, int64_t *out,
    int *set, struct kiln_err *err)
{
	const char *s = NULL;

	*set = 0;
	if (kiln_json_string(obj, path, name, &s, err) == -1)
		return -1;
	if (s == NULL)
		return 0;
	if (kiln_duration_parse(s, out, err) == -1) {
		kiln_err_prefix(err, "%s.%s", path, name);
		return -1;
	}
	if (*out < 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s.%s: must not be negative", path, name);
	*set = 1;
	return 0;
}

/* Seconds since the epoch of a UTC calendar time (timegm is not POSIX). */
static long long
utc_seconds(const struct tm *tm)
{
	long long y = tm->tm_year + 1900LL, m = tm->tm_mon + 1, era, yoe, doy;

	/* Howard Hinnant's days_from_civil */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + tm->tm_mday - 1;
	return ((era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy) -
		   719468) * 86400 + tm->tm_hour * 3600LL + tm->tm_min * 60 +
	    tm->tm_sec;
}

/* An RFC 3339 time ("2026-01-02T03:04:05Z", "...+01:00") as UTC. */
static int
timestamp(const cJSON *obj, const char *path, const char *name, time_t *out,
    int *set, struct kiln_err *err)
{
	const char *s = NULL, *p;
	struct tm tm;
	int sign, hh, mm, n = 0;
	long long off = 0;

	if (kiln_json_string(obj, path, name, &s, err) == -1)
		return -1;
	if (s == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		goto bad;
	if (*p == '.') /* fractional seconds: dropped */
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 || n != 5 ||
		    hh > 23 || mm > 59)
			goto bad;
		off = sign * (hh * 3600LL + mm * 60);
		p += 1 + n;
	} else
		goto bad;
	if (*p != '\0')
		goto bad;
	*out = (time_t)(utc_seconds(&tm) - off);
	*set = 1;
	return 0;
bad:
	return kiln_err_set(err, KILN_EINVAL,
	    "%s.%s: \"%s\" is not an RFC 3339 time", path, name, s);
}

static int
parse_usages(struct kiln_profile *p, const cJSON *obj, const char *path,
    int required, struct kiln_err *err)
{
	const char **names = NULL;
	enum kiln_eku eku = KILN_EKU_ANY;
	unsigned int ku;
	size_t n = 0, i;
	int rc = -1;

	if (kiln_json_strings(obj, path, "usages", &names, &n, err) == -1)
		return -1;
	if (names == NULL) {
		if (required)
			return kiln_err_set(err, KILN_EINVAL,
			    "%s.usages: no usages", path);
		return 0; /* a default without usages: signing refuses it */
	}
	free(p->eku);
	p->eku = NULL;
	p->n_eku = 0;
	p->ku = 0;
	if (n == 0 && required) {
		kiln_err_set(err, KILN_EINVAL, "%s.usages: no usages", path);
		goto cleanup;
	}
	if ((p->eku = calloc(n + 1, sizeof(*p->eku))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		switch (kiln_config_usage(names[i], &ku, &eku)) {
		case 1:
			p->ku |= ku;
			break;
		case 2:
			p->eku[p->n_eku++] = eku;
			break;
		default:
			kiln_err_set(err, KILN_EINVAL,
			    "%s.usages: unknown usage \"%s\"", path, names[i]);
			goto cleanup;
		}
	}
	rc = 0;
cleanup:
	free(names);
	return rc;
}

static int
parse_ca_constraint(struct kiln_profile *p, const cJSON *obj,
    const char *path, struct kiln_err *err)
{
	const cJSON *cc = kiln_json_get(obj, "ca_constraint");
	char ctx[320];
	long len = 0;

	snprintf(ctx, sizeof(ctx), "%s.ca_constraint", path);
	if (cc == NULL)
		return 0;
	if (kiln_json_object(cc, ctx, err) == -1 ||
	    kiln_json_bool(cc, ctx, "is_ca", &p->is_ca, err) == -1 ||
	    kiln_json_int(cc, ctx, "max_path_len", 0, 127, &len, err) == -1 ||
	    kiln_json_bool(cc, ctx, "max_path_len_zero", &p->max_path_len_zero,
	    err) == -1)
		return -1;
	p->max_path_len = (int)len;
	return 0;
}

/* Replace the "*n" strings at "*out" with copies of "in". */
static int
copy_strings(char ***out, size_t *n, char *const *in, size_t n_in,
    struct kiln_err *err)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((*out)[i]);
	free(*out);
	*n = 0;
	if ((*out = calloc(n_in + 1, sizeof(char *))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (i = 0; i < n_in; i++) {
		if (dup(&(*out)[i], in[i], err) == -1)
			return -1;
		(*n)++;
	}
	return 0;
}

static int
parse_urls(struct kiln_profile *p, const cJSON *obj, const char *path,
    struct kiln_err *err)
{
	const char *ocsp = NULL, *crl = NULL, **issuers = NULL;
	size_t n = 0;
	int rc = -1;

	if (kiln_json_string(obj, path, "ocsp_url", &ocsp, err) == -1 ||
	    kiln_json_string(obj, path, "crl_url", &crl, err) == -1 ||
	    kiln_json_strings(obj, path, "issuer_urls", &issuers, &n, err) ==
		-1 ||
	    dup(&p->ocsp_url, ocsp, err) == -1 ||
	    dup(&p->crl_url, crl, err) == -1)
		goto cleanup;
	if (issuers != NULL && copy_strings(&p->issuer_urls, &p->n_issuer_urls,
	    (char *const *)issuers, n, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	free(issuers);
	return rc;
}

static int
parse_whitelist(struct kiln_profile *p, const cJSON *obj, const char *path,
    struct kiln_err *err)
{
	const char *re = NULL;
	char msg[128];
	int ret;

	if (kiln_json_string(obj, path, "name_whitelist", &re, err) == -1)
		return -1;
	if (re == NULL || *re == '\0')
		return 0;
	if ((ret = regcomp(&p->whitelist, re, REG_EXTENDED | REG_NOSUB)) !=
	    0) {
		regerror(ret, &p->whitelist, msg, sizeof(msg));
		return kiln_err_set(err, KILN_EINVAL,
		    "%s.name_whitelist: %s", path, msg);
	}
	if ((p->name_whitelist = strdup(re)) == NULL) {
		regfree(&p->whitelist);
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	}
	return 0;
}

/*
 * One profile.  "def" is the default profile for a named one (its URLs
 * and expiry are the fallbacks), NULL when parsing the default itself.
 */
static int
parse_profile(struct kiln_profile *p, const cJSON *obj, const char *path,
    const struct kiln_profile *def, struct kiln_err *err)
{
	int set;
	long lint = 0;

	if (kiln_json_object(obj, path, err) == -1)
		return -1;
	if (kiln_json_get(obj, "remote") != NULL ||
	    kiln_json_get(obj, "auth_remote") != NULL)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s.remote: remote signing is not supported", path);
	if (duration(obj, path, "expiry", &p->expiry, &set, err) == -1)
		return -1;
	if (!set)
		return kiln_err_set(err, KILN_EINVAL, "%s.expiry: missing",
		    path);
	if (p->expiry == 0) {
		if (def == NULL)
			return kiln_err_set(err, KILN_EINVAL,
			    "%s.expiry: must be positive", path);
		p->expiry = def->expiry; /* cfssl: 0 means the default's */
	}
	if (duration(obj, path, "backdate", &p->backdate, &set, err) == -1)
		return -1;
	if (!set || p->backdate == 0)
		p->backdate = DEFAULT_BACKDATE;
	if (def != NULL && (dup(&p->ocsp_url, def->ocsp_url, err) == -1 ||
	    dup(&p->crl_url, def->crl_url, err) == -1 ||
	    copy_strings(&p->issuer_urls, &p->n_issuer_urls, def->issuer_urls,
	    def->n_issuer_urls, err) == -1))
		return -1;
	if (parse_usages(p, obj, path, def != NULL, err) == -1 ||
	    parse_ca_constraint(p, obj, path, err) == -1 ||
	    timestamp(obj, path, "not_before", &p->not_before,
	    &p->has_not_before, err) == -1 ||
	    timestamp(obj, path, "not_after", &p->not_after, &p->has_not_after,
	    err) == -1 ||
	    parse_whitelist(p, obj, path, err) == -1 ||
	    parse_urls(p, obj, path, err) == -1 ||
	    kiln_json_bool(obj, path, "ocsp_no_check", &p->ocsp_no_check,
	    err) == -1 ||
	    kiln_json_int(obj, path, "lint_error_level", 0, 7, &lint, err) ==
		-1)
		return -1;
	if (p->has_not_before && p->has_not_after &&
	    p->not_after < p->not_before)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s.not_after: before not_before", path);
	return 0;
}

int
kiln_config_parse(struct kiln_config *cfg, const char *text, size_t len,
    struct kiln_err *err)
{
	const cJSON *signing, *def, *profiles, *c;
	char path[300];
	cJSON *root;
	size_t n = 0;
	int rc = -1;

	if ((root = kiln_json_parse(text, len, err)) == NULL)
		return -1;
	if (!cJSON_IsObject(root)) {
		kiln_err_set(err, KILN_EINVAL, "expected an object, got %s",
		    kiln_json_type(root));
		goto cleanup;
	}
	if ((signing = kiln_json_get(root, "signing")) == NULL) {
		kiln_err_set(err, KILN_EINVAL, "missing \"signing\"");
		goto cleanup;
	}
	if (kiln_json_object(signing, "signing", err) == -1)
		goto cleanup;
	/* A given default replaces DefaultConfig: usages and all. */
	if ((def = kiln_json_get(signing, "default")) != NULL) {
		profile_free(&cfg->def);
		if (parse_profile(&cfg->def, def, "signing.default", NULL,
		    err) == -1)
			goto cleanup;
	}
	if ((profiles = kiln_json_get(signing, "profiles")) == NULL) {
		rc = 0;
		goto cleanup;
	}
	if (kiln_json_object(profiles, "signing.profiles", err) == -1)
		goto cleanup;
	for (c = profiles->child; c != NULL; c = c->next)
		n++;
	if ((cfg->profiles = calloc(n + 1, sizeof(*cfg->profiles))) == NULL ||
	    (cfg->names = calloc(n + 1, sizeof(*cfg->names))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (c = profiles->child; c != NULL; c = c->next) {
		snprintf(path, sizeof(path), "signing.profiles.%s", c->string);
		if (dup(&cfg->names[cfg->n_profiles], c->string, err) == -1)
			goto cleanup;
		cfg->n_profiles++;
		if (parse_profile(&cfg->profiles[cfg->n_profiles - 1], c, path,
		    &cfg->def, err) == -1)
			goto cleanup;
	}
	rc = 0;
cleanup:
	cJSON_Delete(root);
	return rc;
}

const struct kiln_profile *
kiln_config_profile(const struct kiln_config *cfg, const char *name,
    struct kiln_err *err)
{
	size_t i;

	if (name == NULL || *name == '\0')
		return &cfg->def;
	/* The last of duplicate names wins, as in a Go map. */
	for (i = cfg->n_profiles; i > 0; i--)
		if (strcmp(cfg->names[i - 1], name) == 0)
			return &cfg->profiles[i - 1];
	kiln_err_set(err, KILN_EINVAL,
	    "profile \"%s\" not found in the configuration", name);
	return NULL;
}
