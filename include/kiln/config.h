/*
 * cfssl's ca-config.json: signing.default and signing.profiles.
 * Invalid values are errors here, never silent zeros: see kiln-config(5)
 * for where kiln is stricter than cfssl.
 */
#ifndef KILN_CONFIG_H
#define KILN_CONFIG_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kiln/err.h"

/* keyUsage bits, numbered as in RFC 5280 (bit 0 = digitalSignature). */
#define KILN_KU_DIGITAL_SIGNATURE (1u << 0)
#define KILN_KU_CONTENT_COMMITMENT (1u << 1)
#define KILN_KU_KEY_ENCIPHERMENT (1u << 2)
#define KILN_KU_DATA_ENCIPHERMENT (1u << 3)
#define KILN_KU_KEY_AGREEMENT (1u << 4)
#define KILN_KU_CERT_SIGN (1u << 5)
#define KILN_KU_CRL_SIGN (1u << 6)
#define KILN_KU_ENCIPHER_ONLY (1u << 7)
#define KILN_KU_DECIPHER_ONLY (1u << 8)

/* extendedKeyUsage purposes, as cfssl names them. */
enum kiln_eku {
	KILN_EKU_ANY,              /* "any" 2.5.29.37.0 */
	KILN_EKU_SERVER_AUTH,      /* "server auth" */
	KILN_EKU_CLIENT_AUTH,      /* "client auth" */
	KILN_EKU_CODE_SIGNING,     /* "code signing" */
	KILN_EKU_EMAIL_PROTECTION, /* "email protection", "s/mime" */
	KILN_EKU_IPSEC_END_SYSTEM, /* "ipsec end system" */
	KILN_EKU_IPSEC_TUNNEL,     /* "ipsec tunnel" */
	KILN_EKU_IPSEC_USER,       /* "ipsec user" */
	KILN_EKU_TIMESTAMPING,     /* "timestamping" */
	KILN_EKU_OCSP_SIGNING,     /* "ocsp signing" */
	KILN_EKU_MICROSOFT_SGC,    /* "microsoft sgc" */
	KILN_EKU_NETSCAPE_SGC,     /* "netscape sgc" */
	KILN_EKU__MAX
};

/* One signing profile, with the default profile's fallbacks resolved. */
struct kiln_profile {
	int64_t expiry;     /* ns, > 0 */
	int64_t backdate;   /* ns, > 0: 5 minutes unless configured */
	unsigned int ku;    /* KILN_KU_* bits */
	enum kiln_eku *eku; /* in usage order, duplicates kept */
	size_t n_eku;
	int is_ca;             /* ca_constraint.is_ca */
	int max_path_len;      /* ca_constraint.max_path_len, >= 0 */
	int max_path_len_zero; /* ca_constraint.max_path_len_zero */
	int has_not_before;    /* not_before given */
	time_t not_before;
	int has_not_after; /* not_after given */
	time_t not_after;
	char *name_whitelist; /* the regex's source, or NULL */
	regex_t whitelist;    /* compiled REG_EXTENDED if name_whitelist */
	char *ocsp_url;       /* or NULL */
	char *crl_url;        /* or NULL */
	char **issuer_urls;   /* n_issuer_urls strings */
	size_t n_issuer_urls;
	int ocsp_no_check;
	int copy_extensions; /* sign: the request's extensions, verbatim */
	/* "policies": the certificatePolicies value, DER, or NULL. */
	unsigned char *policies;
	size_t policies_len;
	/* kiln serve: the auth_keys entry that authenticates requests for
	 * this profile (cfssl's "auth_key"), or NULL: none. */
	char *auth_key;
	/* kiln serve's info: "expiry" and "usages" as written (NULL and 0
	 * for DefaultConfig and profiles built in code). */
	char *expiry_text;
	char **usage_names;
	size_t n_usage_names;
};

/*
 * One entry of cfssl's "auth_keys": {"type": "standard", "key": ...}, a
 * key for HMAC-SHA256 request tokens.  "key" is hex, or "env:VAR" or
 * "file:PATH", which libkiln (never reading the environment or a file
 * here) leaves in "source" for the front end to resolve with
 * kiln_config_auth_set().
 */
struct kiln_auth_key {
	char *name;
	char *source;       /* "env:VAR" or "file:PATH" until resolved */
	unsigned char *key; /* the key's bytes; NULL until resolved */
	size_t key_len;
};

struct kiln_config {
	struct kiln_profile def;       /* signing.default */
	char **names;                  /* profile names, in file order */
	struct kiln_profile *profiles; /* n_profiles, parallel to names */
	size_t n_profiles;
	struct kiln_auth_key *auth_keys; /* n_auth_keys, in file order */
	size_t n_auth_keys;
};

/*
 * Make "cfg" what cfssl uses without -config: no profiles and a default
 * of expiry 8760h, usages signing, key encipherment, server auth and
 * client auth.  Cannot fail.
 */
void kiln_config_init(struct kiln_config *);

/* Release "cfg".  Safe after kiln_config_init(). */
void kiln_config_free(struct kiln_config *);

/*
 * Parse ca-config.json text ("len" bytes, NUL-terminated) into "cfg",
 * which must have been initialised.  Returns 0, or -1 with KILN_EINVAL
 * and a message naming the field ("signing.profiles.www.expiry: ...").
 */
int kiln_config_parse(
    struct kiln_config *, const char *, size_t, struct kiln_err *);

/*
 * The profile called "name", or the default profile for NULL or "".
 * An unknown name is an error (cfssl silently uses the default):
 * returns NULL with KILN_EINVAL, the message listing the profiles there
 * are to pick from.
 */
const struct kiln_profile *kiln_config_profile(
    const struct kiln_config *, const char *, struct kiln_err *);

/*
 * The auth_keys entry "name" of "cfg", or NULL.  Cannot fail.
 */
struct kiln_auth_key *kiln_config_auth_key(
    const struct kiln_config *, const char *);

/*
 * Whether any profile of "cfg", the default included, has an auth_key:
 * then kiln serve issues to authenticated requests only.
 */
int kiln_config_has_auth(const struct kiln_config *);

/*
 * Set the key of "k" from "len" bytes of hex text (what "env:VAR" or
 * "file:PATH" gave; white space around it is dropped, as cfssl >= 1.3
 * drops it), clearing k->source.  Returns 0, or -1 with KILN_EINVAL
 * naming the entry ("auth_keys.k1.key: not hex") and never quoting the
 * text, which is a secret.
 */
int kiln_config_auth_set(
    struct kiln_auth_key *, const char *, size_t, struct kiln_err *);

/*
 * Fill "p" with a profile built in code: "expiry" (ns, > 0), the 5 minute
 * backdate, the keyUsage bits "ku" and the "n_eku" purposes "eku" in that
 * order, nothing else (as a ca-config.json profile with only "expiry" and
 * "usages" reads).  "eku" is borrowed: the profile owns nothing, do not
 * pass it to kiln_config_free().  Cannot fail.
 */
void kiln_profile_make(struct kiln_profile *, int64_t, unsigned int,
    const enum kiln_eku *, size_t);

/*
 * The profile usage "name" ("signing", "server auth", ...): sets either
 * "*ku" (a KILN_KU_* bit) or "*eku" and returns 1 or 2 respectively;
 * returns 0 for an unknown name.  Names are matched exactly, as cfssl.
 */
int kiln_config_usage(const char *, unsigned int *, enum kiln_eku *);

/*
 * The profile names of "cfg" in file order, as "a, b, c" (or "none"),
 * into "out" of "size" bytes; a list that does not fit ends in "...".
 */
void kiln_config_names(const struct kiln_config *, char *, size_t);

#endif /* KILN_CONFIG_H */
