/*
 * The kubeconfig reader (kiln/kubeconfig.h): the grammar of a kubeconfig
 * on the walk over libyaml's events (kubeconfigyaml.c).  Only what kiln
 * reads is looked at: the clusters' and users' certificates, keys and
 * file references, the contexts and the current context; every other
 * node is skipped whatever it holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "core/strs.h"
#include "inspect/kubeconfigyaml.h"
#include "kiln/kubeconfig.h"

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

	if (kp_want_scalar(p, kiln_kc_key(kind)) == -1)
		return -1;
	if (kp_is_null(p))
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
	it->line = kp_line(p);
	it->start = kp_byte_at(p, p->ev.start_mark.index);
	it->end = kp_byte_at(p, p->ev.end_mark.index);
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
			return kp_bad(
			    p, it->line, kiln_kc_key(kind), "given twice");
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
	b->line = kp_line(p);
	b->start = kp_byte_at(p, p->ev.start_mark.index);
	b->block = p->ev.data.mapping_start.style == YAML_BLOCK_MAPPING_STYLE;
	return 0;
}

/* clusters[].cluster or users[].user: the kinds from "first" on. */
static int
entry_body(struct kp *p, enum kiln_kc_kind first, const char *what)
{
	const char *key;
	int r, k, nkinds = first == KILN_KC_CA_DATA ? 2 : 4;

	if ((r = kp_want_collection(p, YAML_MAPPING_START_EVENT, what)) != 0)
		return r == 1 ? 0 : -1;
	if (add_body(p, first != KILN_KC_CA_DATA) == -1)
		return -1;
	while ((r = kp_map_key(p, &key)) == 1) {
		for (k = (int)first; k < (int)first + nkinds; k++)
			if (strcmp(key, kiln_kc_key((enum kiln_kc_kind)k)) == 0)
				break;
		if (kp_next(p) == -1)
			return -1;
		if (k < (int)first + nkinds
		        ? add_item(p, (enum kiln_kc_kind)k) == -1
		        : kp_skip(p) == -1)
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

	if ((r = kp_want_collection(p, YAML_MAPPING_START_EVENT, "context")) !=
	    0)
		return r == 1 ? 0 : -1;
	while ((r = kp_map_key(p, &key)) == 1) {
		char **to = strcmp(key, "cluster") == 0 ? &c->cluster
		            : strcmp(key, "user") == 0  ? &c->user
		                                        : NULL;
		const char *name = to == &c->cluster ? "cluster" : "user";

		if (kp_next(p) == -1)
			return -1;
		if (to != NULL ? kp_take_string(p, name, to) == -1
		               : kp_skip(p) == -1)
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
	size_t from = kc->n, bfrom = kc->n_bodies, line = kp_line(p), i;
	const char *key;
	char *name = NULL, *full;
	int r, seen_body = 0;

	if (p->ev.type == YAML_ALIAS_EVENT)
		return kp_bad(p, line, section, "YAML alias: not supported");
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return kp_bad(p, line, section, "an entry is not a mapping");
	while ((r = kp_map_key(p, &key)) == 1) {
		if (strcmp(key, "name") == 0) {
			if (kp_next(p) == -1 ||
			    kp_take_string(p, "name", &name) == -1)
				goto fail;
		} else if (strcmp(key, body) == 0) {
			if (seen_body++ > 0) {
				kp_bad(p, kp_line(p), body, "given twice");
				goto fail;
			}
			if (kp_next(p) == -1 ||
			    (c != NULL ? context_body(p, c)
			               : entry_body(p, first, body)) == -1)
				goto fail;
		} else if (kp_next(p) == -1 || kp_skip(p) == -1)
			goto fail;
	}
	if (r == -1)
		goto fail;
	if (name == NULL) {
		kp_bad(p, line, section, "an entry has no name");
		goto fail;
	}
	/* Names are unique within a section. */
	for (i = 0; i < p->nnames; i++)
		if (strcmp(p->names[i], section) == 0 &&
		    strcmp(p->names[i] + strlen(section) + 1, name) == 0) {
			kp_bad(
			    p, line, section, "two entries have the same name");
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

	if ((r = kp_want_collection(p, YAML_SEQUENCE_START_EVENT, name)) != 0)
		return r == 1 ? 0 : -1;
	for (;;) {
		if (kp_next(p) == -1)
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

	while ((r = kp_map_key(p, &key)) == 1) {
		if (kp_dup_key(p, key, top_keys, 5, &seen) == -1)
			goto fail;
		if (strcmp(key, "kind") == 0) {
			if (kp_next(p) == -1 ||
			    kp_take_string(p, "kind", &kind) == -1)
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
			if (kp_next(p) == -1 || section(p, sec) == -1)
				goto fail;
		} else if (strcmp(key, "current-context") == 0) {
			if (kp_next(p) == -1 ||
			    kp_take_string(p, "current-context",
			        &p->kc->current_context) == -1)
				goto fail;
		} else if (kp_next(p) == -1 || kp_skip(p) == -1)
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
	if (kp_next(p) == -1 || kp_next(p) == -1)
		return -1;
	if (p->ev.type != YAML_DOCUMENT_START_EVENT || kp_next(p) == -1)
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
	if (kp_next(p) == -1 || kp_next(p) == -1)
		return -1;
	if (p->ev.type != YAML_STREAM_END_EVENT)
		return kp_bad(p, kp_line(p), "", "a second YAML document");
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
	kp_drop(&p);
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
