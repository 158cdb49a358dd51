/*
 * cfssl's API under /api/v1/cfssl/ as a struct serve_app (serve/serve.h):
 * sign, authsign, info, newkey, newcert, certinfo, crl, revoke and
 * health, with cfssl's envelope, field names and error codes, and
 * kiln's stricter rules (kiln-serve(1)): an unknown profile or label, an
 * unknown key and a field kiln does not do are errors; whenever a profile
 * has an auth_key, nothing is issued to a request without a valid token;
 * a token is accepted once within the replay window; every certificate
 * is in the certificate database before its reply is built.
 */
#ifndef KILN_SERVE_API_H
#define KILN_SERVE_API_H

#include <stdint.h>
#include <time.h>

#include "kiln/buf.h"
#include "kiln/certdb.h"
#include "kiln/config.h"
#include "kiln/err.h"
#include "kiln/rng.h"
#include "serve/serve.h"

struct serve_api_opts {
	/* Profiles and auth keys, every key resolved (no "env:" or
	 * "file:" left).  Borrowed until serve_api_free. */
	const struct kiln_config *config;
	/* The CA: certificate and key text (PEM or DER), both required;
	 * copied (the key wiped on free).  Each thread parses its own. */
	const struct kiln_buf *ca, *ca_key;
	const char *ca_name, *ca_key_name; /* in errors */
	/* The certificate database (NULL: none; then revoke and crl are
	 * refused and nothing is recorded).  Copied. */
	const struct kiln_certdb_config *db;
	/* Seconds a token is remembered (and refused again); > 0. */
	int64_t auth_window;
	/* Seeded; the threads' generators are seeded from it, so nothing
	 * else may draw from it while the API lives.  Borrowed. */
	struct kiln_rng *rng;
	/* The time (NULL: time(NULL)); tests move it. */
	time_t (*clock)(void);
	/* The certdb's insert (NULL: kiln_certdb_insert); tests make a
	 * serial collide. */
	int (*insert)(struct kiln_certdb *, const struct kiln_certdb_row *,
	    struct kiln_err *);
};

struct serve_api;

/*
 * Check "o" (the CA opens and its key matches, every profile's auth key
 * is resolved) and make the API.  Returns 0 with "*api" set, or -1 with
 * "err" set.
 */
int serve_api_new(
    struct serve_api **, const struct serve_api_opts *, struct kiln_err *);

/* The application to serve ("api" borrowed).  Cannot fail. */
void serve_api_app(struct serve_api *, struct serve_app *);

/* Release "api" (after every thread's state was freed).  NULL is allowed. */
void serve_api_free(struct serve_api *);

#endif /* KILN_SERVE_API_H */
