/*
 * The kubeconfig reader (kiln/kubeconfig.h): libyaml's events, walked
 * with a depth bound, never its document loader, so no alias is ever
 * expanded and no node tree is built.  Only what kiln reads is looked
 * at: the clusters' and users' certificates, keys and file references,
 * the contexts and the current context; every other node is skipped
 * whatever it holds.
 *
 * libyaml's marks count characters, not bytes; each value's span is
 * turned into bytes by counting UTF-8 characters from the start (after a
 * byte order mark, which libyaml does not count).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <yaml.h>

#include "core/strs.h"
#include "kiln/kubeconfig.h"

#define YAML_STR_TAG "tag:yaml.org,2002:str"

/* A context: only its name, cluster and user. */
struct kc_ctx {
	char *name, *cluster, *user;
};

struct kp {
	yaml_parser_t y;
	yaml_event_t ev;
	int have; /* ev holds an event to delete */
	const unsigned char *data;
	size_t len, base;  /* base: bytes of a byte order mark */
	size_t cidx, bidx; /* the character-to-byte cursor */
	const char *shown;
	struct kiln_kubeconfig *kc;
	struct kc_ctx *ctx;
	size_t nctx;
	char **names; /* "SECTION\0NAME" of every entry met */
	size_t nnames;
	int depth;
	int known; /* a top-level key says it is a kubeconfig */
	struct kiln_err *err;
};

/* The line (1-based) of the current event. */
static size_t
ev_line(const struct kp *p)
{
	return p->ev.start_mark.line + 1;
}

static int
bad(struct kp *p, size_t line, const char *what, const char *problem)
{
	return kiln_err_set(p->err, KILN_EINVAL, "%s: line %zu: %s%s%s",
	    p->shown, line, what, *what != '\0' ? ": " : "", problem);
}

/* Drop the current event, wiping its scalar (a key may be in it). */
static void
ev_drop(struct kp *p)
{
	if (!p->have)
		return;
	if (p->ev.type == YAML_SCALAR_EVENT && p->ev.data.scalar.value != NULL)
		mbedtls_platform_zeroize(
		    p->ev.data.scalar.value, p->ev.data.scalar.length);
	yaml_event_delete(&p->ev);
	p->have = 0;
}

/* The next event, the depth kept within KILN_KUBECONFIG_DEPTH. */
static int
next(struct kp *p)
{
	ev_drop(p);
	if (!yaml_parser_parse(&p->y, &p->ev)) {
		if (p->y.error == YAML_MEMORY_ERROR)
			return kiln_err_set(
			    p->err, KILN_ENOMEM, "out of memory");
		return bad(p, p->y.problem_mark.line + 1, "",
		    p->y.problem != NULL ? p->y.problem : "not YAML");
	}
	p->have = 1;
	switch (p->ev.type) {
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if (++p->depth > KILN_KUBECONFIG_DEPTH)
			return bad(p, ev_line(p), "",
			    "nested too deep for a kubeconfig");
		break;
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		p->depth--;
		break;
	default:
		break;
	}
	return 0;
}

/* Skip the node whose first event is the current one. */
static int
skip_node(struct kp *p)
{
	int depth = p->depth;

	if (p->ev.type != YAML_MAPPING_START_EVENT &&
	    p->ev.type != YAML_SEQUENCE_START_EVENT)
		return 0;
	while (p->depth >= depth)
		if (next(p) == -1)
			return -1;
	return 0;
}

/* Whether the current event is a scalar YAML reads as null. */
static int
is_null(const struct kp *p)
{
	const char *v = (const char *)p->ev.data.scalar.value;

	if (p->ev.type != YAML_SCALAR_EVENT)
		return 0;
	if (p->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return p->ev.data.scalar.length == 0;
	return p->ev.data.scalar.tag == NULL &&
	       (*v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	           strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0);
}

/*
 * The current event must be a string scalar kiln reads ("what" names
 * it): no alias, no collection, no tag but !!str.
 */
static int
want_scalar(struct kp *p, const char *what)
{
	const char *tag;

	if (p->ev.type == YAML_ALIAS_EVENT)
		return bad(p, ev_line(p), what, "YAML alias: not supported");
	if (p->ev.type != YAML_SCALAR_EVENT)
		return bad(p, ev_line(p), what, "not a string");
	tag = (const char *)p->ev.data.scalar.tag;
	if (tag != NULL && strcmp(tag, YAML_STR_TAG) != 0)
		return bad(p, ev_line(p), what, "YAML tag: not supported");
	if (memchr(p->ev.data.scalar.value, '\0', p->ev.data.scalar.length))
		return bad(p, ev_line(p), what, "NUL byte");
	return 0;
}

/* The current event must start a "kind" collection, or be null (1). */
static int
want_collection(struct kp *p, yaml_event_type_t kind, const char *what)
{
	if (p->ev.type == kind)
		return 0;
	if (is_null(p))
		return 1;
	if (p->ev.type == YAML_ALIAS_EVENT)
		return bad(p, ev_line(p), what, "YAML alias: not supported");
	return bad(p, ev_line(p), what,
	    kind == YAML_MAPPING_START_EVENT ? "not a mapping" : "not a list");
}

/* A copy of the current scalar into "*out" (NULL for null). */
static int
take_string(struct kp *p, const char *what, char **out)
{
	if (want_scalar(p, what) == -1)
		return -1;
	if (*out != NULL)
		return bad(p, ev_line(p), what, "given twice");
	if (is_null(p))
		return 0;
	return kiln_str_set(out, (char *)p->ev.data.scalar.value, p->err);
}

/*
 * Move the cursor to the character index "c" and return its byte
 * offset.  libyaml's marks go forward, so the cursor mostly does too.
 */
static size_t
byte_at(struct kp *p, size_t c)
{
	if (c < p->cidx) {
		p->cidx = 0;
		p->bidx = p->base;
	}
	while (p->cidx < c && p->bidx < p->len) {
		p->bidx++;
		while (p->bidx < p->len && (p->data[p->bidx] & 0xc0) == 0x80)
			p->bidx++;
		p->cidx++;
	}
	return p->bidx;
}

/* Keep "s" (malloc'ed) in p->names; freed here on failure. */
static int
names_push(struct kp *p, char *s)
{
	char **v;

	if ((v = realloc(p->names, (p->nnames + 1) * sizeof(*v))) == NULL) {
		free(s);
		return kiln_err_set(p->err, KILN_ENOMEM, "out of memory");
	}
	p->names = v;
	p->names[p->nnames++] = s;
	return 0;
}

/* The current scalar as the item "kind", its owner given later. */
static int
add_item(struct kp *p, enum kiln_kc_kind kind)
{
	struct kiln_kubeconfig *kc = p->kc;
	struct kiln_kc_item *it;
	size_t i;

	if (want_scalar(p, kiln_kc_key(kind)) == -1)
		return -1;
	if (is_null(p))
		return 0;
	if ((it = realloc(kc->items, (kc->n + 1) * sizeof(*it))) == NULL)
		return kiln_err_set(p->err, KILN_ENOMEM, "out of memory");
	kc->items = it;
	it = &kc->items[kc->n];
	memset(it, 0, sizeof(*it));
	it->len = p->ev.data.scalar.length;
	if ((it->value = malloc(it->len + 1)) == NULL)
		return kiln_err_set(p->err, KILN_ENOMEM, "out of memory");
	memcpy(it->value, p->ev.data.scalar.value, it->len + 1);
	kc->n++;
	it->kind = kind;
	it->line = ev_line(p);
	it->start = byte_at(p, p->ev.start_mark.index);
	it->end = byte_at(p, p->ev.end_mark.index);
	switch (p->ev.data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		it->style = KILN_KC_SINGLE;
		break;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		it->style = KILN_KC_DOUBLE;
		break;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE:
		it->style = KILN_KC_BLOCK;
		break;
	default:
		it->style = KILN_KC_PLAIN;
		break;
	}
	/* The same key twice in one entry. */
	for (i = kc->n - 1; i-- > 0 && kc->items[i].owner == NULL;)
		if (kc->items[i].kind == kind)
			return bad(
			    p, it->line, kiln_kc_key(kind), "given twice");
	return 0;
}

/*
 * A mapping's next key: 1 with the key's text in "*key" (borrowed from
 * the event, valid until the next call), 0 at its end.  A key that is
 * not a plain string (a collection, an alias) is skipped with its value.
 */
static int
map_key(struct kp *p, const char **key)
{
	for (;;) {
		if (next(p) == -1)
			return -1;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (p->ev.type == YAML_SCALAR_EVENT) {
			*key = (const char *)p->ev.data.scalar.value;
			return 1;
		}
		if (skip_node(p) == -1 || next(p) == -1 || skip_node(p) == -1)
			return -1;
	}
}

/* Whether "key" is one of "keys" ("n" of them) seen before ("seen"). */
static int
dup_key(struct kp *p, const char *key, const char *const *keys, size_t n,
    unsigned *seen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(key, keys[i]) == 0) {
			if (*seen & (1u << i))
				return bad(p, ev_line(p), key, "given twice");
			*seen |= 1u << i;
		}
	return 0;
}

/* The body whose mapping starts at the current event, its owner later. */
static int
add_body(struct kp *p, int users)
{
	struct kiln_kubeconfig *kc = p->kc;
	struct kiln_kc_body *b;

	b = realloc(kc->bodies, (kc->n_bodies + 1) * sizeof(*b));
	if (b == NULL)
		return kiln_err_set(p->err, KILN_ENOMEM, "out of memory");
	kc->bodies = b;
	b = &kc->bodies[kc->n_bodies++];
	memset(b, 0, sizeof(*b));
	b->users = users;
	b->line = ev_line(p);
	b->start = byte_at(p, p->ev.start_mark.index);
	b->block = p->ev.data.mapping_start.style == YAML_BLOCK_MAPPING_STYLE;
	return 0;
}

/* clusters[].cluster or users[].user: the kinds from "first" on. */
static int
entry_body(struct kp *p, enum kiln_kc_kind first, const char *what)
{
	const char *key;
	int r, k, nkinds = first == KILN_KC_CA_DATA ? 2 : 4;

	if ((r = want_collection(p, YAML_MAPPING_START_EVENT, what)) != 0)
		return r == 1 ? 0 : -1;
	if (add_body(p, first != KILN_KC_CA_DATA) == -1)
		return -1;
	while ((r = map_key(p, &key)) == 1) {
		for (k = (int)first; k < (int)first + nkinds; k++)
			if (strcmp(key, kiln_kc_key((enum kiln_kc_kind)k)) == 0)
				break;
		if (next(p) == -1)
			return -1;
		if (k < (int)first + nkinds
		        ? add_item(p, (enum kiln_kc_kind)k) == -1
		        : skip_node(p) == -1)
			return -1;
	}
	return r;
}

/* A context's body: its cluster and user. */
static int
context_body(struct kp *p, struct kc_ctx *c)
{
	const char *key;
	int r;

	if ((r = want_collection(p, YAML_MAPPING_START_EVENT, "context")) != 0)
		return r == 1 ? 0 : -1;
	while ((r = map_key(p, &key)) == 1) {
		char **to = strcmp(key, "cluster") == 0 ? &c->cluster
		            : strcmp(key, "user") == 0  ? &c->user
		                                        : NULL;
		const char *name = to == &c->cluster ? "cluster" : "user";

		if (next(p) == -1)
			return -1;
		if (to != NULL ? take_string(p, name, to) == -1
		               : skip_node(p) == -1)
			return -1;
	}
	return r;
}

/*
 * One entry of "section" (clusters, users, contexts): a mapping with a
 * name and its body under "body" (cluster, user, context).
 */
static int
section_entry(struct kp *p, const char *section, const char *body,
    enum kiln_kc_kind first, struct kc_ctx *c)
{
	struct kiln_kubeconfig *kc = p->kc;
	size_t from = kc->n, bfrom = kc->n_bodies, line = ev_line(p), i;
	const char *key;
	char *name = NULL, *full;
	int r, seen_body = 0;

	if (p->ev.type == YAML_ALIAS_EVENT)
		return bad(p, line, section, "YAML alias: not supported");
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return bad(p, line, section, "an entry is not a mapping");
	while ((r = map_key(p, &key)) == 1) {
		if (strcmp(key, "name") == 0) {
			if (next(p) == -1 ||
			    take_string(p, "name", &name) == -1)
				goto fail;
		} else if (strcmp(key, body) == 0) {
			if (seen_body++ > 0) {
				bad(p, ev_line(p), body, "given twice");
				goto fail;
			}
			if (next(p) == -1 ||
			    (c != NULL ? context_body(p, c)
			               : entry_body(p, first, body)) == -1)
				goto fail;
		} else if (next(p) == -1 || skip_node(p) == -1)
			goto fail;
	}
	if (r == -1)
		goto fail;
	if (name == NULL) {
		bad(p, line, section, "an entry has no name");
		goto fail;
	}
	/* Names are unique within a section. */
	for (i = 0; i < p->nnames; i++)
		if (strcmp(p->names[i], section) == 0 &&
		    strcmp(p->names[i] + strlen(section) + 1, name) == 0) {
			bad(p, line, section, "two entries have the same name");
			goto fail;
		}
	if ((full = malloc(strlen(section) + strlen(name) + 2)) == NULL) {
		kiln_err_set(p->err, KILN_ENOMEM, "out of memory");
		goto fail;
	}
	memcpy(full, section, strlen(section) + 1);
	memcpy(full + strlen(section) + 1, name, strlen(name) + 1);
	if (names_push(p, full) == -1)
		goto fail;
	if (c != NULL) {
		c->name = name;
		return 0;
	}
	for (i = from; i < kc->n; i++)
		if (kiln_str_set(&kc->items[i].owner, name, p->err) == -1)
			goto fail;
	for (i = bfrom; i < kc->n_bodies; i++)
		if (kiln_str_set(&kc->bodies[i].owner, name, p->err) == -1)
			goto fail;
	free(name);
	return 0;
fail:
	free(name);
	return -1;
}

/* The list of "section". */
static int
section(struct kp *p, const char *name)
{
	struct kc_ctx *c;
	int r, ctx = strcmp(name, "contexts") == 0;

	if ((r = want_collection(p, YAML_SEQUENCE_START_EVENT, name)) != 0)
		return r == 1 ? 0 : -1;
	for (;;) {
		if (next(p) == -1)
			return -1;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		c = NULL;
		if (ctx) {
			c = realloc(p->ctx, (p->nctx + 1) * sizeof(*c));
			if (c == NULL)
				return kiln_err_set(
				    p->err, KILN_ENOMEM, "out of memory");
			p->ctx = c;
			c = &p->ctx[p->nctx++];
			memset(c, 0, sizeof(*c));
		}
		if (section_entry(p, name,
		        ctx                             ? "context"
		        : strcmp(name, "clusters") == 0 ? "cluster"
		                                        : "user",
		        strcmp(name, "clusters") == 0 ? KILN_KC_CA_DATA
		                                      : KILN_KC_CERT_DATA,
		        c) == -1)
			return -1;
	}
}

/* clang-format off */
static const char *const top_keys[] = {
    "kind", "clusters", "users", "contexts", "current-context"};
/* clang-format on */

static int
top_mapping(struct kp *p)
{
	const char *key;
	char *kind = NULL;
	unsigned seen = 0;
	int r;

	while ((r = map_key(p, &key)) == 1) {
		if (dup_key(p, key, top_keys, 5, &seen) == -1)
			goto fail;
		if (strcmp(key, "kind") == 0) {
			if (next(p) == -1 ||
			    take_string(p, "kind", &kind) == -1)
				goto fail;
			if (kind == NULL || strcmp(kind, "Config") != 0) {
				p->known = 0; /* a manifest, a Pod */
				kiln_err_set(p->err, KILN_EINVAL,
				    "%s: not a kubeconfig", p->shown);
				goto fail;
			}
			p->known = 1;
		} else if (strcmp(key, "clusters") == 0 ||
		           strcmp(key, "users") == 0 ||
		           strcmp(key, "contexts") == 0) {
			char sec[16];

			snprintf(sec, sizeof(sec), "%s", key);
			p->known = 1;
			if (next(p) == -1 || section(p, sec) == -1)
				goto fail;
		} else if (strcmp(key, "current-context") == 0) {
			if (next(p) == -1 || take_string(p, "current-context",
			                         &p->kc->current_context) == -1)
				goto fail;
		} else if (next(p) == -1 || skip_node(p) == -1)
			goto fail;
	}
	if (r == -1)
		goto fail;
	free(kind);
	return 0;
fail:
	free(kind);
	return -1;
}

/* The current context's user and cluster. */
static int
current(struct kp *p)
{
	const char *cur = p->kc->current_context;
	size_t i;

	if (cur == NULL)
		return 0;
	for (i = 0; i < p->nctx; i++)
		if (strcmp(p->ctx[i].name, cur) == 0)
			return kiln_str_set(&p->kc->current_user,
			           p->ctx[i].user, p->err) == -1 ||
			               kiln_str_set(&p->kc->current_cluster,
			                   p->ctx[i].cluster, p->err) == -1
			           ? -1
			           : 0;
	return 0;
}

static int
parse(struct kp *p)
{
	if (next(p) == -1 || next(p) == -1)
		return -1;
	if (p->ev.type != YAML_DOCUMENT_START_EVENT || next(p) == -1)
		return kiln_err_set(
		    p->err, KILN_EINVAL, "%s: not a kubeconfig", p->shown);
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return kiln_err_set(
		    p->err, KILN_EINVAL, "%s: not a kubeconfig", p->shown);
	if (top_mapping(p) == -1)
		return -1;
	if (!p->known)
		return kiln_err_set(
		    p->err, KILN_EINVAL, "%s: not a kubeconfig", p->shown);
	if (next(p) == -1 || next(p) == -1)
		return -1;
	if (p->ev.type != YAML_STREAM_END_EVENT)
		return bad(p, ev_line(p), "", "a second YAML document");
	return current(p);
}

int
kiln_kubeconfig_parse(struct kiln_kubeconfig *kc, const unsigned char *data,
    size_t len, const char *shown, struct kiln_err *err)
{
	struct kiln_err local;
	struct kp p;
	size_t i;
	int rc = -1;

	kiln_err_clear(&local);
	memset(&p, 0, sizeof(p));
	p.data = data;
	p.len = len;
	p.shown = shown;
	p.kc = kc;
	p.err = &local;
	if (len > KILN_KUBECONFIG_MAX) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: larger than %u MiB: not a kubeconfig", shown,
		    KILN_KUBECONFIG_MAX >> 20);
		return 1;
	}
	if (memchr(data, '\0', len) != NULL ||
	    (len >= 2 && ((data[0] == 0xfe && data[1] == 0xff) ||
	                     (data[0] == 0xff && data[1] == 0xfe)))) {
		kiln_err_set(err, KILN_EINVAL, "%s: not a kubeconfig", shown);
		return 1;
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		p.base = 3;
	p.bidx = p.base;
	if (!yaml_parser_initialize(&p.y))
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p.y, data, len);
	if (parse(&p) == -1) {
		/* Before a sign of a kubeconfig: not one, whatever broke. */
		if (!p.known && local.code != KILN_ENOMEM) {
			kiln_err_replace(
			    &local, KILN_EINVAL, "%s: not a kubeconfig", shown);
			rc = 1;
		}
		kiln_err_pass(err, &local);
		goto cleanup;
	}
	rc = 0;
cleanup:
	ev_drop(&p);
	/* What of the file libyaml holds: a key may be in it. */
	if (p.y.buffer.start != NULL)
		mbedtls_platform_zeroize(p.y.buffer.start,
		    (size_t)(p.y.buffer.end - p.y.buffer.start));
	yaml_parser_delete(&p.y);
	for (i = 0; i < p.nctx; i++) {
		free(p.ctx[i].name);
		free(p.ctx[i].cluster);
		free(p.ctx[i].user);
	}
	free(p.ctx);
	kiln_strs_free(p.names, p.nnames);
	if (rc != 0)
		kiln_kubeconfig_free(kc);
	return rc;
}
