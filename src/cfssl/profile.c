/*
 * A profile of cfssl's ca-config.json (config/config.go SigningProfile):
 * its fields read with cfssl's rules and defaults (expiry, backdate,
 * usages, CA constraint, validity, URLs, policies), the names of the
 * usages, DefaultConfig, and profiles built in code (kiln_profile_make).
 * The name whitelist is whitelist.c's, the file around them config.c's.
 */
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asn1/der.h"
#include "asn1/oid.h"
#include "cfssl/profile.h"
#include "core/json.h"
#include "core/strs.h"
#include "kiln/config.h"
#include "kiln/duration.h"
#include "kiln/time.h"

#define DEFAULT_EXPIRY (8760 * KILN_NS_HOUR) /* cfssl helpers.OneYear */
#define DEFAULT_BACKDATE (5 * KILN_NS_MINUTE)

/* clang-format off */
static const struct usage {
	const char *name;
	unsigned int ku;	/* a KILN_KU_* bit, or 0 for an EKU */
	enum kiln_eku eku;
} usages[] = {	/* cfssl config.go KeyUsage and ExtKeyUsage */
	{ "signing",		KILN_KU_DIGITAL_SIGNATURE,	0 },
	{ "digital signature",	KILN_KU_DIGITAL_SIGNATURE,	0 },
	{ "content commitment",	KILN_KU_CONTENT_COMMITMENT,	0 },
	/* cfssl up to 1.2 spelled it so; configs of that age still do */
	{ "content committment", KILN_KU_CONTENT_COMMITMENT,	0 },
	{ "key encipherment",	KILN_KU_KEY_ENCIPHERMENT,	0 },
	{ "key agreement",	KILN_KU_KEY_AGREEMENT,		0 },
	{ "data encipherment",	KILN_KU_DATA_ENCIPHERMENT,	0 },
	{ "cert sign",		KILN_KU_CERT_SIGN,		0 },
	{ "crl sign",		KILN_KU_CRL_SIGN,		0 },
	{ "encipher only",	KILN_KU_ENCIPHER_ONLY,		0 },
	{ "decipher only",	KILN_KU_DECIPHER_ONLY,		0 },
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

/*
 * DefaultConfig's EKUs.  kiln_config_init() cannot fail, so it points
 * at this array instead of allocating; config_profile_free() knows not to free
 * it and nothing writes through the pointer.
 */
static const enum kiln_eku default_eku[] = {
    KILN_EKU_SERVER_AUTH, KILN_EKU_CLIENT_AUTH};

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

/* An empty profile: everything 0 or NULL except the 5 minute backdate. */
void
config_profile_init(struct kiln_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->backdate = DEFAULT_BACKDATE;
}

/* cfssl's DefaultConfig(): 8760h; signing, key encipherment, both auths. */
void
config_profile_default(struct kiln_profile *p)
{
	config_profile_init(p);
	p->expiry = DEFAULT_EXPIRY;
	p->ku = KILN_KU_DIGITAL_SIGNATURE | KILN_KU_KEY_ENCIPHERMENT;
	p->eku = (enum kiln_eku *)default_eku;
	p->n_eku = sizeof(default_eku) / sizeof(default_eku[0]);
}

void
config_profile_free(struct kiln_profile *p)
{

	if (p->eku != default_eku)
		free(p->eku);
	if (p->name_whitelist != NULL)
		regfree(&p->whitelist);
	free(p->name_whitelist);
	free(p->ocsp_url);
	free(p->crl_url);
	kiln_strs_free(p->issuer_urls, p->n_issuer_urls);
	free(p->policies);
	free(p->auth_key);
	free(p->expiry_text);
	kiln_strs_free(p->usage_names, p->n_usage_names);
	config_profile_init(p);
}

void
kiln_profile_make(struct kiln_profile *p, int64_t expiry, unsigned int ku,
    const enum kiln_eku *eku, size_t n_eku)
{
	config_profile_init(p);
	p->expiry = expiry;
	p->ku = ku;
	/* Never written through, as default_eku. */
	p->eku = (enum kiln_eku *)eku;
	p->n_eku = n_eku;
}

static int
nomem(struct kiln_err *err)
{
	return kiln_err_set(err, KILN_ENOMEM, "out of memory");
}

/*
 * Member "name" of "obj" as a duration, or "*given" = 0 when it is
 * absent, null or "" (cfssl skips an empty string).
 */
static int
duration(const cJSON *obj, const char *path, const char *name, int64_t *out,
    int *given, struct kiln_err *err)
{
	const char *s = NULL;
	struct kiln_err e;

	*given = 0;
	if (kiln_json_string(obj, path, name, &s, err) == -1)
		return -1;
	if (s == NULL || *s == '\0')
		return 0;
	kiln_err_clear(&e);
	if (kiln_duration_parse(s, out, &e) == -1)
		return kiln_err_pass_prefix(err, &e, "%s.%s", path, name);
	*given = 1;
	return 0;
}

static int
parse_expiry(struct kiln_profile *p, const cJSON *obj, const char *path,
    const struct kiln_profile *def, struct kiln_err *err)
{
	int given;

	if (duration(obj, path, "expiry", &p->expiry, &given, err) == -1)
		return -1;
	if (!given) /* cfssl: "empty expiry string" */
		return kiln_err_set(
		    err, KILN_EINVAL, "%s.expiry: missing", path);
	if (def == NULL && p->expiry <= 0)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s.expiry: must be positive", path);
	if (p->expiry < 0)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s.expiry: must not be negative", path);
	if (p->expiry == 0) /* cfssl signer.go: 0 takes the default's */
		p->expiry = def->expiry;
	/* As written, for kiln serve's info (cfssl's ExpiryString). */
	return kiln_str_set(
	    &p->expiry_text, kiln_json_get(obj, "expiry")->valuestring, err);
}

static int
parse_backdate(struct kiln_profile *p, const cJSON *obj, const char *path,
    struct kiln_err *err)
{
	int given;

	if (duration(obj, path, "backdate", &p->backdate, &given, err) == -1)
		return -1;
	if (given && p->backdate < 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s.backdate: must not be negative", path);
	if (!given || p->backdate == 0)
		p->backdate = DEFAULT_BACKDATE; /* cfssl: 0 means 5 minutes */
	return 0;
}

/*
 * KU names are OR'd together, EKU names kept in order with duplicates
 * (cfssl Usages()).  cfssl drops unknown names; kiln refuses them.
 */
static int
parse_usages(struct kiln_profile *p, const cJSON *obj, const char *path,
    int named, struct kiln_err *err)
{
	const char **names = NULL;
	enum kiln_eku eku;
	unsigned int ku;
	size_t n = 0, i;
	int rc = -1;

	if (kiln_json_strings(obj, path, "usages", &names, &n, err) == -1)
		goto cleanup;
	if (n > 0 && (p->eku = calloc(n, sizeof(*p->eku))) == NULL) {
		nomem(err);
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
	if (n == 0 && named) {
		kiln_err_set(err, KILN_EINVAL, "%s.usages: no usages", path);
		goto cleanup;
	}
	/* As written, for kiln serve's info. */
	if (n > 0 && kiln_strs_set(&p->usage_names, &p->n_usage_names, names, n,
	                 err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	free(names);
	return rc;
}

static int
parse_ca_constraint(struct kiln_profile *p, const cJSON *obj, const char *path,
    struct kiln_err *err)
{
	const cJSON *cc = kiln_json_get(obj, "ca_constraint");
	char ctx[CONFIG_PATH_LEN];
	long len = 0;

	snprintf(ctx, sizeof(ctx), "%s.ca_constraint", path);
	if (kiln_json_object(cc, ctx, err) == -1 ||
	    kiln_json_bool(cc, ctx, "is_ca", &p->is_ca, err) == -1 ||
	    kiln_json_int(cc, ctx, "max_path_len", 0, INT_MAX, &len, err) ==
	        -1 ||
	    kiln_json_bool(
	        cc, ctx, "max_path_len_zero", &p->max_path_len_zero, err) == -1)
		return -1;
	p->max_path_len = (int)len;
	return 0;
}

static int
parse_validity(struct kiln_profile *p, const cJSON *obj, const char *path,
    struct kiln_err *err)
{
	const char *nb = NULL, *na = NULL;
	long nb_ns = 0, na_ns = 0;
	long long t;

	if (kiln_json_string(obj, path, "not_before", &nb, err) == -1 ||
	    kiln_json_string(obj, path, "not_after", &na, err) == -1)
		return -1;
	if (nb != NULL) {
		if (kiln_rfc3339_parse(nb, &t, &nb_ns) == -1)
			return kiln_err_set(err, KILN_EINVAL,
			    "%s.not_before: invalid RFC 3339 time \"%.64s\"",
			    path, nb);
		p->not_before = (time_t)t;
		p->has_not_before = 1;
	}
	if (na != NULL) {
		if (kiln_rfc3339_parse(na, &t, &na_ns) == -1)
			return kiln_err_set(err, KILN_EINVAL,
			    "%s.not_after: invalid RFC 3339 time \"%.64s\"",
			    path, na);
		p->not_after = (time_t)t;
		p->has_not_after = 1;
	}
	/* X.509 times go from 1950 to 9999; kiln writes from 1970. */
	if (p->has_not_before &&
	    (p->not_before < 0 || p->not_before >= 253402300800LL))
		return kiln_err_set(err, KILN_EINVAL,
		    "%s.not_before: \"%.64s\" is outside the years 1970 to "
		    "9999",
		    path, nb);
	if (p->has_not_after &&
	    (p->not_after < 0 || p->not_after >= 253402300800LL))
		return kiln_err_set(err, KILN_EINVAL,
		    "%s.not_after: \"%.64s\" is outside the years 1970 to 9999",
		    path, na);
	/* cfssl panics here (config.go populate wraps a nil error). */
	if (p->has_not_before && p->has_not_after &&
	    (p->not_after < p->not_before ||
	        (p->not_after == p->not_before && na_ns < nb_ns)))
		return kiln_err_set(err, KILN_EINVAL,
		    "%s.not_after: earlier than not_before", path);
	return 0;
}

/*
 * AIA and CRL URLs.  A named profile takes the default's when its own
 * are absent (cfssl signer.go FillTemplate): ocsp_url and crl_url when
 * empty, issuer_urls when null (an explicit [] stays empty).
 */
static int
parse_urls(struct kiln_profile *p, const cJSON *obj, const char *path,
    const struct kiln_profile *def, struct kiln_err *err)
{
	const char *ocsp = NULL, *crl = NULL, **issuers = NULL;
	size_t n = 0;
	int rc = -1;

	if (kiln_json_string(obj, path, "ocsp_url", &ocsp, err) == -1 ||
	    kiln_json_string(obj, path, "crl_url", &crl, err) == -1 ||
	    kiln_json_strings(obj, path, "issuer_urls", &issuers, &n, err) ==
	        -1)
		goto cleanup;
	if (ocsp != NULL && *ocsp == '\0')
		ocsp = NULL;
	if (crl != NULL && *crl == '\0')
		crl = NULL;
	if (def != NULL) {
		if (ocsp == NULL)
			ocsp = def->ocsp_url;
		if (crl == NULL)
			crl = def->crl_url;
	}
	if (kiln_str_set(&p->ocsp_url, ocsp, err) == -1 ||
	    kiln_str_set(&p->crl_url, crl, err) == -1)
		goto cleanup;
	if (issuers != NULL)
		rc = kiln_strs_set(
		    &p->issuer_urls, &p->n_issuer_urls, issuers, n, err);
	else if (def != NULL)
		rc = kiln_strs_set(&p->issuer_urls, &p->n_issuer_urls,
		    (const char *const *)def->issuer_urls, def->n_issuer_urls,
		    err);
	else
		rc = 0;
cleanup:
	free(issuers);
	return rc;
}

/*
 * cfssl's remote and auth_remote.remote name a remote signer, which kiln
 * does not do.  "auth_key" names the auth_keys entry kiln serve checks
 * requests for this profile with (config.c checks that it exists);
 * auth_remote.auth_key and prev_auth_key (cfssl >= 1.3) are ignored,
 * but a value Go would refuse to decode is still refused.
 */
static int
check_local(struct kiln_profile *p, const cJSON *obj, const char *path,
    struct kiln_err *err)
{
	const cJSON *ar = kiln_json_get(obj, "auth_remote");
	const char *remote = NULL, *auth = NULL;
	char ctx[CONFIG_PATH_LEN];

	if (kiln_json_string(obj, path, "remote", &remote, err) == -1 ||
	    kiln_json_string(obj, path, "auth_key", &auth, err) == -1)
		return -1;
	if (auth != NULL && *auth != '\0' &&
	    kiln_str_set(&p->auth_key, auth, err) == -1)
		return -1;
	if (kiln_json_string(obj, path, "prev_auth_key", &auth, err) == -1)
		return -1;
	if (remote != NULL && *remote != '\0')
		return kiln_err_set(err, KILN_EINVAL,
		    "%s.remote: remote signing is not supported", path);
	snprintf(ctx, sizeof(ctx), "%s.auth_remote", path);
	if (kiln_json_object(ar, ctx, err) == -1 ||
	    kiln_json_string(ar, ctx, "remote", &remote, err) == -1 ||
	    kiln_json_string(ar, ctx, "auth_key", &auth, err) == -1)
		return -1;
	if (remote != NULL && *remote != '\0')
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: remote signing is not supported", ctx);
	return 0;
}

/* One policy qualifier: a CPS URI or a user notice's text. */
static int
policy_qualifier(
    struct der *d, const cJSON *q, const char *path, struct kiln_err *err)
{
	const char *type = NULL, *value = NULL;
	unsigned char oid[16];
	size_t m, n;
	int cps;

	if (kiln_json_object(q, path, err) == -1 ||
	    kiln_json_string(q, path, "Type", &type, err) == -1 ||
	    kiln_json_string(q, path, "Value", &value, err) == -1)
		return -1;
	if (type == NULL || value == NULL)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: Type and Value are needed", path);
	if (strcmp(type, "id-qt-cps") == 0)
		cps = 1;
	else if (strcmp(type, "id-qt-unotice") == 0)
		cps = 0;
	else
		return kiln_err_set(err, KILN_EINVAL,
		    "%s.Type: \"%s\" (id-qt-cps or id-qt-unotice)", path, type);
	n = der_oid_from_string(
	    cps ? KILN_OID_QT_CPS : KILN_OID_QT_UNOTICE, oid, sizeof(oid));
	m = der_open(d, DER_SEQUENCE);
	der_tlv(d, DER_OID, oid, n);
	if (cps)
		der_tlv(d, DER_IA5_STRING, value, strlen(value));
	else {
		size_t un = der_open(d, DER_SEQUENCE);

		der_tlv(d, DER_UTF8_STRING, value, strlen(value));
		der_close(d, un);
	}
	der_close(d, m);
	return 0;
}

/*
 * "policies": [{"ID": "1.2.3", "Qualifiers": [{"Type": "id-qt-cps",
 * "Value": "https://..."}]}], as cfssl writes them: certificatePolicies,
 * not critical, user notices as explicitText UTF8String.
 */
static int
parse_policies(struct kiln_profile *p, const cJSON *obj, const char *path,
    struct kiln_err *err)
{
	const cJSON *arr = kiln_json_get(obj, "policies"), *c, *qs, *q;
	unsigned char oid[64];
	const char *id;
	char at[96], qat[128];
	struct der d;
	size_t i = 0, k, seq, info, qseq, n;
	int rc = -1;

	if (arr == NULL)
		return 0;
	der_init(&d);
	snprintf(at, sizeof(at), "%s.policies", path);
	if (kiln_json_array(arr, at, &n, err) == -1)
		goto cleanup;
	seq = der_open(&d, DER_SEQUENCE);
	for (c = arr->child; c != NULL; c = c->next, i++) {
		snprintf(at, sizeof(at), "%s.policies[%zu]", path, i);
		id = NULL;
		if (kiln_json_object(c, at, err) == -1 ||
		    kiln_json_string(c, at, "ID", &id, err) == -1)
			goto cleanup;
		if (id == NULL ||
		    (n = der_oid_from_string(id, oid, sizeof(oid))) == 0) {
			kiln_err_set(err, KILN_EINVAL,
			    "%s.ID: \"%s\" is not an OID", at,
			    id != NULL ? id : "");
			goto cleanup;
		}
		info = der_open(&d, DER_SEQUENCE);
		der_tlv(&d, DER_OID, oid, n);
		qs = kiln_json_get(c, "Qualifiers");
		snprintf(qat, sizeof(qat), "%s.Qualifiers", at);
		if (kiln_json_array(qs, qat, &n, err) == -1)
			goto cleanup;
		if (n > 0) {
			qseq = der_open(&d, DER_SEQUENCE);
			for (q = qs->child, k = 0; q != NULL;
			     q = q->next, k++) {
				snprintf(qat, sizeof(qat), "%s.Qualifiers[%zu]",
				    at, k);
				if (policy_qualifier(&d, q, qat, err) == -1)
					goto cleanup;
			}
			der_close(&d, qseq);
		}
		der_close(&d, info);
	}
	der_close(&d, seq);
	if (der_check(&d, err) == -1)
		goto cleanup;
	if ((p->policies = malloc(d.buf.len)) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	memcpy(p->policies, d.buf.p, d.buf.len);
	p->policies_len = d.buf.len;
	rc = 0;
cleanup:
	der_free(&d);
	return rc;
}

/*
 * Fill "p" (initialised and empty) from "obj" at "path".  "def" is the
 * default profile, for a named profile's fallbacks; NULL when "p" is the
 * default.  On failure "p" holds whatever was parsed, for
 * config_profile_free().
 */
int
config_profile_parse(struct kiln_profile *p, const cJSON *obj, const char *path,
    const struct kiln_profile *def, struct kiln_err *err)
{
	long lint = 0;

	if (kiln_json_object(obj, path, err) == -1 ||
	    check_local(p, obj, path, err) == -1 ||
	    parse_expiry(p, obj, path, def, err) == -1 ||
	    parse_backdate(p, obj, path, err) == -1 ||
	    parse_usages(p, obj, path, def != NULL, err) == -1 ||
	    parse_ca_constraint(p, obj, path, err) == -1 ||
	    parse_validity(p, obj, path, err) == -1 ||
	    config_whitelist_parse(p, obj, path, err) == -1 ||
	    parse_urls(p, obj, path, def, err) == -1 ||
	    kiln_json_bool(
	        obj, path, "ocsp_no_check", &p->ocsp_no_check, err) == -1 ||
	    parse_policies(p, obj, path, err) == -1 ||
	    kiln_json_bool(
	        obj, path, "copy_extensions", &p->copy_extensions, err) == -1 ||
	    kiln_json_int(obj, path, "lint_error_level", 0, 7, &lint, err) ==
	        -1)
		return -1;
	return 0;
}
