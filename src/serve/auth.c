/*
 * cfssl's "standard" authentication: a token that is HMAC-SHA256 of the
 * request bytes under a key of auth_keys, and kiln's replay window.
 *
 * cfssl's client computes the token over the request alone: its
 * timestamp is outside the MAC, so anyone who saw a request can send it
 * again with any timestamp, and a timestamp window would stop nothing.
 * What stops a replay is a memory of the tokens accepted in the last
 * window, per key: the same token again is refused until it falls out.
 * (The same CSR sent again on purpose has the same token: the client's
 * JSON is deterministic.  It is refused too, "token already used".)
 * With a certificate database that memory is its table kiln_tokens
 * (kiln_certdb_claim), shared by every replica and kept across a
 * restart; without one, it is the process's own, below.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "serve/apipriv.h"

/* Seen tokens kept at most: beyond it the oldest are forgotten early. */
#define REPLAY_MAX (1u << 20)

int
api_auth_check(const struct kiln_auth_key *k, const unsigned char *msg,
    size_t len, const unsigned char *token, size_t token_len)
{
	const mbedtls_md_info_t *md =
	    mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	unsigned char mac[32];
	volatile unsigned char diff = 0;
	size_t i;

	if (k == NULL || k->key == NULL || token_len != sizeof(mac))
		return 0;
	if (mbedtls_md_hmac(md, k->key, k->key_len, msg, len, mac) != 0)
		return 0;
	/* Constant time: every byte compared, whatever differs. */
	for (i = 0; i < sizeof(mac); i++)
		diff |= (unsigned char)(mac[i] ^ token[i]);
	mbedtls_platform_zeroize(mac, sizeof(mac));
	return diff == 0;
}

int
api_replay_init(struct api_replay *r, int64_t window, struct kiln_err *err)
{
	memset(r, 0, sizeof(*r));
	r->window = window;
	r->n_buckets = 4096;
	r->cap = 1024;
	if ((r->bucket = calloc(r->n_buckets, sizeof(*r->bucket))) == NULL ||
	    (r->queue = calloc(r->cap, sizeof(*r->queue))) == NULL) {
		free(r->bucket);
		free(r->queue);
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	}
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		free(r->bucket);
		free(r->queue);
		return kiln_err_set(err, KILN_ENOMEM, "pthread_mutex_init");
	}
	return 0;
}

void
api_replay_free(struct api_replay *r)
{
	struct api_seen *s, *next;
	size_t i;

	if (r->bucket == NULL)
		return;
	for (i = 0; i < r->n_buckets; i++)
		for (s = r->bucket[i]; s != NULL; s = next) {
			next = s->next;
			free(s);
		}
	free(r->bucket);
	free(r->queue);
	pthread_mutex_destroy(&r->lock);
	memset(r, 0, sizeof(*r));
}

/* The token is a MAC: its first bytes are as good as any hash. */
static size_t
slot(const struct api_replay *r, size_t key, const unsigned char *token)
{
	uint64_t h;

	memcpy(&h, token, sizeof(h));
	return (size_t)((h ^ (uint64_t)key) % r->n_buckets);
}

/* Unlink "s" from its bucket (it is there). */
static void
unlink_seen(struct api_replay *r, struct api_seen *s)
{
	struct api_seen **pp = &r->bucket[slot(r, s->key, s->token)];

	while (*pp != s)
		pp = &(*pp)->next;
	*pp = s->next;
}

/* Drop the oldest entry of the queue. */
static void
drop_oldest(struct api_replay *r)
{
	struct api_seen *s = r->queue[r->head];

	r->queue[r->head] = NULL;
	r->head = (r->head + 1) % r->cap;
	r->n--;
	if (s != NULL) { /* NULL: released early */
		unlink_seen(r, s);
		free(s);
	}
}

static int
grow(struct api_replay *r)
{
	struct api_seen **q;
	size_t i, cap = r->cap * 2;

	if ((q = calloc(cap, sizeof(*q))) == NULL)
		return -1;
	for (i = 0; i < r->n; i++)
		q[i] = r->queue[(r->head + i) % r->cap];
	free(r->queue);
	r->queue = q;
	r->cap = cap;
	r->head = 0;
	return 0;
}

int
api_replay_claim(
    struct api_replay *r, size_t key, const unsigned char *token, time_t now)
{
	struct api_seen *s;
	int rc = -1;

	pthread_mutex_lock(&r->lock);
	/* Forget what is older than the window. */
	while (r->n > 0 &&
	       (r->queue[r->head] == NULL ||
	           (int64_t)now - (int64_t)r->queue[r->head]->at >= r->window))
		drop_oldest(r);
	for (s = r->bucket[slot(r, key, token)]; s != NULL; s = s->next)
		if (s->key == key && memcmp(s->token, token, 32) == 0) {
			rc = 1;
			goto cleanup;
		}
	if (r->n >= REPLAY_MAX)
		drop_oldest(r);
	if (r->n == r->cap && grow(r) == -1)
		goto cleanup;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto cleanup;
	memcpy(s->token, token, 32);
	s->key = key;
	s->at = now;
	s->next = r->bucket[slot(r, key, token)];
	r->bucket[slot(r, key, token)] = s;
	r->queue[(r->head + r->n) % r->cap] = s;
	r->n++;
	rc = 0;
cleanup:
	pthread_mutex_unlock(&r->lock);
	return rc;
}

void
api_replay_release(struct api_replay *r, size_t key, const unsigned char *token)
{
	struct api_seen *s;
	size_t i;

	pthread_mutex_lock(&r->lock);
	for (s = r->bucket[slot(r, key, token)]; s != NULL; s = s->next)
		if (s->key == key && memcmp(s->token, token, 32) == 0)
			break;
	if (s != NULL) {
		unlink_seen(r, s);
		/* Its queue place stays, empty, until it is the oldest;
		 * claimed moments ago, it is near the end. */
		for (i = r->n; i > 0; i--)
			if (r->queue[(r->head + i - 1) % r->cap] == s) {
				r->queue[(r->head + i - 1) % r->cap] = NULL;
				break;
			}
		free(s);
	}
	pthread_mutex_unlock(&r->lock);
}

int
api_token_claim(struct serve_api *api, struct api_thread *t,
    const struct kiln_auth_key *k, const unsigned char *token, time_t now,
    struct kiln_err *err)
{
	int rc;

	if (t->db != NULL)
		return kiln_certdb_claim(t->db, k->name, token, 32,
		    (int64_t)now, (int64_t)now + api->replay.window, err);
	rc = api_replay_claim(
	    &api->replay, (size_t)(k - api->config->auth_keys), token, now);
	if (rc == -1)
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return rc;
}

void
api_token_release(struct serve_api *api, struct api_thread *t,
    const struct kiln_auth_key *k, const unsigned char *token, time_t now)
{
	if (t->db != NULL)
		(void)kiln_certdb_release(t->db, k->name, token, 32,
		    (int64_t)now + api->replay.window, NULL);
	else
		api_replay_release(
		    &api->replay, (size_t)(k - api->config->auth_keys), token);
}
