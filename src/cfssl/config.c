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

#include "cfssl/profile.h"
#include "core/json.h"
#include "kiln/config.h"

void
kiln_config_init(struct kiln_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	config_profile_default(&cfg->def);
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
	if (parse_profiles(cfg, kiln_json_get(signing, "profiles"), err) == -1)
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
