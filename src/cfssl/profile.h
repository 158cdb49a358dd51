/*
 * What config.c (the file), profile.c (a profile's fields) and
 * whitelist.c (its name_whitelist) share.  Private to libkiln.
 */
#ifndef KILN_CFSSL_PROFILE_H
#define KILN_CFSSL_PROFILE_H

#include <cjson/cJSON.h>

#include "kiln/config.h"
#include "kiln/err.h"

/* Longer field paths ("signing.profiles.NAME") are cut in messages. */
#define CONFIG_PATH_LEN 256

/* An empty profile: everything 0 or NULL except the 5 minute backdate. */
void config_profile_init(struct kiln_profile *);

/* cfssl's DefaultConfig(): 8760h; signing, key encipherment, both auths. */
void config_profile_default(struct kiln_profile *);

/* Free what "p" holds and leave it as config_profile_init does. */
void config_profile_free(struct kiln_profile *);

/*
 * Fill "p" (initialised and empty) from "obj" at "path" ("signing.default",
 * "signing.profiles.NAME", named in messages).  "def" is the default
 * profile, for a named profile's fallbacks; NULL when "p" is the default.
 * 0, or -1 with "err" filled; on failure "p" holds whatever was parsed,
 * for config_profile_free().
 */
int config_profile_parse(struct kiln_profile *, const cJSON *, const char *,
    const struct kiln_profile *, struct kiln_err *);

/*
 * "obj"'s name_whitelist into "p": nothing when absent or "", else
 * checked (the subset of RE2 that POSIX ERE reads alike), compiled into
 * p->whitelist and kept in p->name_whitelist.  0, or -1 with "err".
 */
int config_whitelist_parse(
    struct kiln_profile *, const cJSON *, const char *, struct kiln_err *);

#endif /* KILN_CFSSL_PROFILE_H */
