/*
 * cfssl's ca-config.json (config/config.go): signing.default and
 * signing.profiles, read with Go's JSON rules through json.h, and a
 * profile found by name.  Where cfssl drops a bad value silently or
 * panics, kiln reports an error that names the field; kiln-config(5)
 * lists the differences.  A profile's fields are profile.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "cfssl/profile.h"
#include "core/json.h"
#include "core/strs.h"
#include "kiln/config.h"

void
kiln_config_init(struct kiln_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	config_profile_default(&cfg->def);
}

/* Wipe and release the key of "k" and its names. */
static void
auth_key_free(struct kiln_auth_key *k)
{
	if (k->key != NULL) {
		mbedtls_platform_zeroize(k->key, k->key_len);
		free(k->key);
	}
	if (k->source != NULL) /* "file:PATH" or "env:VAR": not secret */
		free(k->source);
	free(k->name);
	memset(k, 0, sizeof(*k));
}

void
kiln_config_free(struct kiln_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	config_profile_free(&cfg->def);
	for (i = 0; i < cfg->n_profiles; i++) {
		config_profile_free(&cfg->profiles[i]);
		free(cfg->names[i]);
	}
	free(cfg->profiles);
	free(cfg->names);
	for (i = 0; i < cfg->n_auth_keys; i++)
		auth_key_free(&cfg->auth_keys[i]);
	free(cfg->auth_keys);
	memset(cfg, 0, sizeof(*cfg));
}

/* Whether a later member of the same object has the same exact name. */
static int
overridden(const cJSON *c)
{
	const cJSON *l;

	for (l = c->next; l != NULL; l = l->next)
		if (strcmp(l->string, c->string) == 0)
			return 1;
	return 0;
}

static int
parse_profiles(
    struct kiln_config *cfg, const cJSON *profiles, struct kiln_err *err)
{
	char path[CONFIG_PATH_LEN];
	const cJSON *c;
	size_t n = 0;

	if (profiles == NULL)
		return 0;
	if (kiln_json_object(profiles, "signing.profiles", err) == -1)
		return -1;
	/* A Go map: names are exact and the last of a duplicate wins. */
	for (c = profiles->child; c != NULL; c = c->next)
		n += !overridden(c);
	if (n == 0)
		return 0;
	if ((cfg->names = calloc(n, sizeof(*cfg->names))) == NULL ||
	    (cfg->profiles = calloc(n, sizeof(*cfg->profiles))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (c = profiles->child; c != NULL; c = c->next) {
		if (overridden(c))
			continue;
		if ((cfg->names[cfg->n_profiles] = strdup(c->string)) == NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		config_profile_init(&cfg->profiles[cfg->n_profiles]);
		cfg->n_profiles++;
		snprintf(path, sizeof(path), "signing.profiles.%s", c->string);
		if (config_profile_parse(&cfg->profiles[cfg->n_profiles - 1], c,
		        path, &cfg->def, err) == -1)
			return -1;
	}
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Go's hex.DecodeString of "len" bytes of "s" into k->key. */
static int
auth_key_hex(
    struct kiln_auth_key *k, const char *s, size_t len, struct kiln_err *err)
{
	size_t i;
	int hi, lo;

	if (len == 0 || len % 2 != 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "auth_keys.%s.key: not an even number of hex digits",
		    k->name);
	if ((k->key = malloc(len / 2)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	k->key_len = len / 2;
	for (i = 0; i < len; i += 2) {
		if ((hi = hexval((unsigned char)s[i])) < 0 ||
		    (lo = hexval((unsigned char)s[i + 1])) < 0) {
			mbedtls_platform_zeroize(k->key, k->key_len);
			free(k->key);
			k->key = NULL;
			k->key_len = 0;
			return kiln_err_set(err, KILN_EINVAL,
			    "auth_keys.%s.key: not hex", k->name);
		}
		k->key[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
kiln_config_auth_set(
    struct kiln_auth_key *k, const char *s, size_t len, struct kiln_err *err)
{
	while (len > 0 && strchr(" \t\r\n", s[0]) != NULL)
		s++, len--;
	while (len > 0 && strchr(" \t\r\n", s[len - 1]) != NULL)
		len--;
	if (k->key != NULL) {
		mbedtls_platform_zeroize(k->key, k->key_len);
		free(k->key);
		k->key = NULL;
		k->key_len = 0;
	}
	if (auth_key_hex(k, s, len, err) == -1)
		return -1;
	free(k->source);
	k->source = NULL;
	return 0;
}

/*
 * "auth_keys": {"NAME": {"type": "standard", "key": HEX | "env:VAR" |
 * "file:PATH"}}, a Go map (names exact, the last duplicate wins).  cfssl
 * checks an entry only when a profile names it; kiln checks them all.
 */
static int
parse_auth_keys(
    struct kiln_config *cfg, const cJSON *keys, struct kiln_err *err)
{
	char path[CONFIG_PATH_LEN];
	const char *type, *key;
	struct kiln_auth_key *k;
	const cJSON *c;
	size_t n = 0;

	if (keys == NULL)
		return 0;
	if (kiln_json_object(keys, "auth_keys", err) == -1)
		return -1;
	for (c = keys->child; c != NULL; c = c->next)
		n += !overridden(c);
	if (n == 0)
		return 0;
	if ((cfg->auth_keys = calloc(n, sizeof(*cfg->auth_keys))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (c = keys->child; c != NULL; c = c->next) {
		if (overridden(c))
			continue;
		k = &cfg->auth_keys[cfg->n_auth_keys++];
		if (kiln_str_set(&k->name, c->string, err) == -1)
			return -1;
		snprintf(path, sizeof(path), "auth_keys.%s", c->string);
		type = key = NULL;
		if (kiln_json_object(c, path, err) == -1 ||
		    kiln_json_string(c, path, "type", &type, err) == -1 ||
		    kiln_json_string(c, path, "key", &key, err) == -1)
			return -1;
		if (type == NULL || strcmp(type, "standard") != 0)
			return kiln_err_set(err, KILN_EINVAL,
			    "%s.type: unknown authentication type \"%.32s\" "
			    "(only \"standard\")",
			    path, type != NULL ? type : "");
		if (key == NULL || *key == '\0')
			return kiln_err_set(
			    err, KILN_EINVAL, "%s.key: missing", path);
		if (strncmp(key, "env:", 4) == 0 ||
		    strncmp(key, "file:", 5) == 0) {
			if (kiln_str_set(&k->source, key, err) == -1)
				return -1;
			continue;
		}
		if (strchr(key, ':') != NULL) /* Go: any other "x:" */
			return kiln_err_set(err, KILN_EINVAL,
			    "%s.key: unknown key prefix (env: or file:)", path);
		if (auth_key_hex(k, key, strlen(key), err) == -1)
			return -1;
	}
	return 0;
}

/* Every profile's auth_key names an entry of auth_keys (as cfssl). */
static int
check_auth_names(const struct kiln_config *cfg, struct kiln_err *err)
{
	size_t i;

	if (cfg->def.auth_key != NULL &&
	    kiln_config_auth_key(cfg, cfg->def.auth_key) == NULL)
		return kiln_err_set(err, KILN_EINVAL,
		    "signing.default.auth_key: \"%s\" is not in auth_keys",
		    cfg->def.auth_key);
	for (i = 0; i < cfg->n_profiles; i++)
		if (cfg->profiles[i].auth_key != NULL &&
		    kiln_config_auth_key(cfg, cfg->profiles[i].auth_key) ==
		        NULL)
			return kiln_err_set(err, KILN_EINVAL,
			    "signing.profiles.%s.auth_key: \"%s\" is not in "
			    "auth_keys",
			    cfg->names[i], cfg->profiles[i].auth_key);
	return 0;
}

struct kiln_auth_key *
kiln_config_auth_key(const struct kiln_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_auth_keys; i++)
		if (strcmp(cfg->auth_keys[i].name, name) == 0)
			return &cfg->auth_keys[i];
	return NULL;
}

int
kiln_config_has_auth(const struct kiln_config *cfg)
{
	size_t i;

	if (cfg->def.auth_key != NULL)
		return 1;
	for (i = 0; i < cfg->n_profiles; i++)
		if (cfg->profiles[i].auth_key != NULL)
			return 1;
	return 0;
}

int
kiln_config_parse(
    struct kiln_config *cfg, const char *text, size_t len, struct kiln_err *err)
{
	const cJSON *signing, *def;
	cJSON *root;
	int rc = -1;

	if ((root = kiln_json_parse_object(text, len, err)) == NULL)
		return -1;
	/* Start again from DefaultConfig and no profiles. */
	kiln_config_free(cfg);
	kiln_config_init(cfg);
	if ((signing = kiln_json_get(root, "signing")) == NULL) {
		kiln_err_set(err, KILN_EINVAL, "missing \"signing\"");
		goto cleanup;
	}
	if (kiln_json_object(signing, "signing", err) == -1)
		goto cleanup;
	/* A given default replaces DefaultConfig entirely, usages included. */
	if ((def = kiln_json_get(signing, "default")) != NULL) {
		config_profile_free(&cfg->def);
		if (config_profile_parse(
		        &cfg->def, def, "signing.default", NULL, err) == -1)
			goto cleanup;
	}
	if (parse_profiles(cfg, kiln_json_get(signing, "profiles"), err) ==
	        -1 ||
	    parse_auth_keys(cfg, kiln_json_get(root, "auth_keys"), err) == -1 ||
	    check_auth_names(cfg, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	cJSON_Delete(root);
	return rc;
}

const struct kiln_profile *
kiln_config_profile(
    const struct kiln_config *cfg, const char *name, struct kiln_err *err)
{
	char list[256];
	size_t i;

	if (name == NULL || *name == '\0')
		return &cfg->def;
	for (i = 0; i < cfg->n_profiles; i++)
		if (strcmp(cfg->names[i], name) == 0)
			return &cfg->profiles[i];
	kiln_config_names(cfg, list, sizeof(list));
	kiln_err_set(err, KILN_EINVAL,
	    "profile \"%s\" not found in the configuration (its profiles: "
	    "%s)",
	    name, list);
	return NULL;
}

void
kiln_config_names(const struct kiln_config *cfg, char *out, size_t size)
{
	size_t i, len = 0;
	int n;

	if (size == 0)
		return;
	snprintf(out, size, "%s", cfg->n_profiles == 0 ? "none" : "");
	for (i = 0; i < cfg->n_profiles; i++) {
		n = snprintf(out + len, size - len, "%s%s", i > 0 ? ", " : "",
		    cfg->names[i]);
		if (n < 0 || (size_t)n >= size - len) {
			if (size >= 4)
				strcpy(out + size - 4, "...");
			return;
		}
		len += (size_t)n;
	}
}
