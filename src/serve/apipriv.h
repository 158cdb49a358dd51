/*
 * What the files of kiln serve's API share (api.c: the application,
 * threads and envelope; apireq.c: the request parsers; apisign.c: sign,
 * authsign, info; apigen.c: newkey, newcert; apidb.c: certinfo, crl,
 * revoke, health; auth.c: tokens, and the replay window in the database
 * or in memory).  Private.
 */
#ifndef KILN_SERVE_APIPRIV_H
#define KILN_SERVE_APIPRIV_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <mbedtls/ecp.h>

#include "kiln/buf.h"
#include "kiln/cert.h"
#include "kiln/certdb.h"
#include "kiln/config.h"
#include "kiln/err.h"
#include "kiln/key.h"
#include "kiln/rng.h"
#include "kiln/signer.h"
#include "serve/api.h"
#include "serve/serve.h"

/* cfssl's error codes (errors/error.go: category * 1000 + reason). */
#define API_CODE_CERT_DECODE 1002 /* certificate: decode failed */
#define API_CODE_KEY_GEN 2400     /* private key: generation */
#define API_CODE_POLICY 5300      /* policy: the request is not allowed */
#define API_CODE_PROFILE 5400     /* policy: unknown profile */
#define API_CODE_CSR_DECODE 9002  /* CSR: decode failed */
#define API_CODE_DB 11000         /* certdb: unknown */
#define API_CODE_DB_INSERT 11100  /* certdb: insert failed */
#define API_CODE_DB_REVOKE 11200  /* certdb: revoke failed */

/*
 * Without a certificate database, the tokens seen within the window,
 * per key: a hash set of (key, token), and a queue in the order seen,
 * for forgetting them.  Shared by every thread, under its lock.
 */
struct api_seen {
	unsigned char token[32];
	size_t key; /* index in config->auth_keys */
	time_t at;
	struct api_seen *next; /* in its bucket */
};

struct api_replay {
	pthread_mutex_t lock;
	struct api_seen **bucket;
	size_t n_buckets;
	struct api_seen **queue; /* a ring, oldest first */
	size_t cap, head, n;
	int64_t window;
};

struct serve_api {
	const struct kiln_config *config;
	struct kiln_buf ca_text, key_text;
	char *ca_name, *key_name;
	struct kiln_buf ca_pem; /* the CA as info gives it: PEM, trimmed */
	struct kiln_cert ca;    /* parsed once, for its key id */
	char aki[129];          /* the CA's key id: lowercase hex */
	int has_db;
	struct kiln_certdb_config db;
	int has_auth; /* a profile has an auth_key */
	struct api_replay replay;
	struct kiln_rng *rng;
	time_t (*clock)(void);
	int (*insert)(struct kiln_certdb *, const struct kiln_certdb_row *,
	    struct kiln_err *);
};

/* One thread's own: nothing here is shared. */
struct api_thread {
	struct kiln_rng rng;
	struct kiln_cert ca;
	struct kiln_key key; /* its own copy */
	struct kiln_signer signer;
	struct kiln_certdb *db; /* NULL without -db-config */
};

time_t api_now(const struct serve_api *);

/*
 * The reply: the success envelope around "result" (JSON text), with the
 * JSON array "messages" (NULL: []).
 */
int api_ok(struct serve_reply *, const struct kiln_buf *, const char *,
    struct kiln_err *);

/* The reply: an error envelope of "status" and cfssl "code". */
void api_fail(struct serve_reply *, int, int, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* cfssl's sign request (api/signhandler, signer.SignRequest). */
struct api_signreq {
	const char *certificate_request; /* NULL: missing */
	const cJSON *hosts;   /* an array (even []): replaces; NULL: keep */
	const char *hostname; /* comma list; non-empty replaces hosts */
	const cJSON *subject; /* an object, or NULL */
	const char *profile, *label;
	int has_serial; /* "serial" was given */
};

/*
 * Parse the "len" bytes of "text" (NUL-terminated) as a sign request
 * into "*root" (freed by the caller with cJSON_Delete) and "r", which
 * points into it.  Unknown keys, a non-empty "crl_override" or
 * "extensions" and "bundle": true are refused.  Returns 0, or -1 with
 * "err" set (KILN_EINVAL).
 */
int api_parse_sign(
    cJSON **, struct api_signreq *, const char *, size_t, struct kiln_err *);

/* authsign's outer request: the token and request, decoded. */
struct api_authreq {
	struct kiln_buf token;
	struct kiln_buf request; /* NUL-terminated */
};
void api_authreq_init(struct api_authreq *);
void api_authreq_free(struct api_authreq *);
int api_parse_auth(
    struct api_authreq *, const char *, size_t, struct kiln_err *);

/* newcert: {"request": {csr.json}, "profile", "label"}. */
struct api_genreq {
	char *request; /* the csr.json object as text, or NULL */
	const char *profile, *label;
};
int api_parse_gen(
    cJSON **, struct api_genreq *, const char *, size_t, struct kiln_err *);

/* revoke: {"serial", "authority_key_id", "reason"}. */
struct api_revokereq {
	const char *serial, *aki, *reason;
};
int api_parse_revoke(
    cJSON **, struct api_revokereq *, const char *, size_t, struct kiln_err *);

/* info: {"label", "profile"}. */
int api_parse_info(cJSON **, const char **, const char **, const char *, size_t,
    struct kiln_err *);

/* certinfo: {"certificate"} or {"domain"}. */
int api_parse_certinfo(cJSON **, const char **, const char **, const char *,
    size_t, struct kiln_err *);

/*
 * The profile "name" ("" the default) and the label "label" (kiln serve
 * has one CA: "" only), or NULL with the error envelope in "rep".
 */
const struct kiln_profile *api_profile(
    const struct serve_api *, const char *, const char *, struct serve_reply *);

/*
 * Whether "token" is HMAC-SHA256(key "k", "msg") (constant time).
 */
int api_auth_check(const struct kiln_auth_key *, const unsigned char *, size_t,
    const unsigned char *, size_t);

/* The replay window of "window" seconds.  Init returns 0 or -1. */
int api_replay_init(struct api_replay *, int64_t, struct kiln_err *);
void api_replay_free(struct api_replay *);

/*
 * Remember "token" of key "key" at "now": 0, or 1 if it was already seen
 * within the window (then it is refused), -1 out of memory.
 */
int api_replay_claim(
    struct api_replay *, size_t, const unsigned char *, time_t);

/* Forget "token" again: the request it came with was not served. */
void api_replay_release(struct api_replay *, size_t, const unsigned char *);

/*
 * Claim the token "token" (32 bytes) of the auth key "k" at "now" for
 * the replay window: in the certificate database when there is one (so
 * every replica on it, and this one restarted, refuses it again), else
 * in this process's window.  0: claimed; 1: already used within the
 * window; -1 with "err" set.
 */
int api_token_claim(struct serve_api *, struct api_thread *,
    const struct kiln_auth_key *, const unsigned char *, time_t,
    struct kiln_err *);

/*
 * Give back what api_token_claim claimed at "now": the request it came
 * with was not served.  A failure leaves the token refused until the
 * window has passed.
 */
void api_token_release(struct serve_api *, struct api_thread *,
    const struct kiln_auth_key *, const unsigned char *, time_t);

/*
 * Issue for the sign request "r" under "profile", record it in the
 * certdb and answer {"certificate": PEM}; errors as envelopes.
 */
void api_issue_signreq(struct serve_api *, struct api_thread *,
    const struct api_signreq *, const struct kiln_profile *,
    struct serve_reply *);

/*
 * Certificates api_issue makes for one request at most, when the
 * database already holds the serial drawn: 20 random bytes collide by
 * chance about never, so a third "duplicate" means something else.
 */
#define API_ISSUE_TRIES 3

/*
 * Issue "in" under "profile" on the thread's signer (the CSR too, into
 * "csr", unless NULL), record it under "label" in the certdb when there
 * is one, and fill the reply's audit fields.  A serial the database
 * holds already is drawn again, with the same request and key, up to
 * API_ISSUE_TRIES certificates in all.  Returns 0 with "cert" (and
 * "csr") holding what was recorded, or -1 with the envelope in "rep":
 * "gen_fail"'s when a certificate cannot be made, else the database's.
 */
int api_issue(struct serve_api *, struct api_thread *,
    const struct kiln_gen_in *, const struct kiln_profile *, const char *,
    struct kiln_buf *, struct kiln_buf *,
    void (*)(struct serve_reply *, const struct kiln_err *),
    struct serve_reply *);

void api_sign(struct serve_api *, struct api_thread *, const struct serve_req *,
    struct serve_reply *);
void api_authsign(struct serve_api *, struct api_thread *,
    const struct serve_req *, struct serve_reply *);
void api_info(struct serve_api *, struct api_thread *, const struct serve_req *,
    struct serve_reply *);
void api_newkey(struct serve_api *, struct api_thread *,
    const struct serve_req *, struct serve_reply *);
void api_newcert(struct serve_api *, struct api_thread *,
    const struct serve_req *, struct serve_reply *);
void api_certinfo(struct serve_api *, struct api_thread *,
    const struct serve_req *, struct serve_reply *);
void api_crl(struct serve_api *, struct api_thread *, const struct serve_req *,
    struct serve_reply *);
void api_revoke(struct serve_api *, struct api_thread *,
    const struct serve_req *, struct serve_reply *);
void api_health(struct serve_api *, struct api_thread *,
    const struct serve_req *, struct serve_reply *);

#endif /* KILN_SERVE_APIPRIV_H */
