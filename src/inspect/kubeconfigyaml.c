/*
 * The walk over libyaml's events under the kubeconfig reader
 * (kubeconfigyaml.h): events, never libyaml's document loader, so no
 * alias is ever expanded and no node tree is built; the depth bounded;
 * each scalar wiped when dropped.
 *
 * libyaml's marks count characters, not bytes; each value's span is
 * turned into bytes by counting UTF-8 characters from the start (after a
 * byte order mark, which libyaml does not count).
 */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "core/strs.h"
#include "inspect/kubeconfigyaml.h"

/* The line (1-based) of the current event. */
size_t
kp_line(const struct kp *p)
{
	return p->ev.start_mark.line + 1;
}

int
kp_bad(struct kp *p, size_t line, const char *what, const char *problem)
{
	return kiln_err_set(p->err, KILN_EINVAL, "%s: line %zu: %s%s%s",
	    p->shown, line, what, *what != '\0' ? ": " : "", problem);
}

/* Drop the current event, wiping its scalar (a key may be in it). */
void
kp_drop(struct kp *p)
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
int
kp_next(struct kp *p)
{
	kp_drop(p);
	if (!yaml_parser_parse(&p->y, &p->ev)) {
		if (p->y.error == YAML_MEMORY_ERROR)
			return kiln_err_set(
			    p->err, KILN_ENOMEM, "out of memory");
		return kp_bad(p, p->y.problem_mark.line + 1, "",
		    p->y.problem != NULL ? p->y.problem : "not YAML");
	}
	p->have = 1;
	switch (p->ev.type) {
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if (++p->depth > KILN_KUBECONFIG_DEPTH)
			return kp_bad(p, kp_line(p), "",
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
int
kp_skip(struct kp *p)
{
	int depth = p->depth;

	if (p->ev.type != YAML_MAPPING_START_EVENT &&
	    p->ev.type != YAML_SEQUENCE_START_EVENT)
		return 0;
	while (p->depth >= depth)
		if (kp_next(p) == -1)
			return -1;
	return 0;
}

/* Whether the current event is a scalar YAML reads as null. */
int
kp_is_null(const struct kp *p)
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
int
kp_want_scalar(struct kp *p, const char *what)
{
	const char *tag;

	if (p->ev.type == YAML_ALIAS_EVENT)
		return kp_bad(p, kp_line(p), what, "YAML alias: not supported");
	if (p->ev.type != YAML_SCALAR_EVENT)
		return kp_bad(p, kp_line(p), what, "not a string");
	tag = (const char *)p->ev.data.scalar.tag;
	if (tag != NULL && strcmp(tag, YAML_STR_TAG) != 0)
		return kp_bad(p, kp_line(p), what, "YAML tag: not supported");
	if (memchr(p->ev.data.scalar.value, '\0', p->ev.data.scalar.length))
		return kp_bad(p, kp_line(p), what, "NUL byte");
	return 0;
}

/* The current event must start a "kind" collection, or be null (1). */
int
kp_want_collection(struct kp *p, yaml_event_type_t kind, const char *what)
{
	if (p->ev.type == kind)
		return 0;
	if (kp_is_null(p))
		return 1;
	if (p->ev.type == YAML_ALIAS_EVENT)
		return kp_bad(p, kp_line(p), what, "YAML alias: not supported");
	return kp_bad(p, kp_line(p), what,
	    kind == YAML_MAPPING_START_EVENT ? "not a mapping" : "not a list");
}

/* A copy of the current scalar into "*out" (NULL for null). */
int
kp_take_string(struct kp *p, const char *what, char **out)
{
	if (kp_want_scalar(p, what) == -1)
		return -1;
	if (*out != NULL)
		return kp_bad(p, kp_line(p), what, "given twice");
	if (kp_is_null(p))
		return 0;
	return kiln_str_set(out, (char *)p->ev.data.scalar.value, p->err);
}

/*
 * Move the cursor to the character index "c" and return its byte
 * offset.  libyaml's marks go forward, so the cursor mostly does too.
 */
size_t
kp_byte_at(struct kp *p, size_t c)
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

/*
 * A mapping's next key: 1 with the key's text in "*key" (borrowed from
 * the event, valid until the next call), 0 at its end.  A key that is
 * not a plain string (a collection, an alias) is skipped with its value.
 */
int
kp_map_key(struct kp *p, const char **key)
{
	for (;;) {
		if (kp_next(p) == -1)
			return -1;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (p->ev.type == YAML_SCALAR_EVENT) {
			*key = (const char *)p->ev.data.scalar.value;
			return 1;
		}
		if (kp_skip(p) == -1 || kp_next(p) == -1 || kp_skip(p) == -1)
			return -1;
	}
}

/* Whether "key" is one of "keys" ("n" of them) seen before ("seen"). */
int
kp_dup_key(struct kp *p, const char *key, const char *const *keys, size_t n,
    unsigned *seen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(key, keys[i]) == 0) {
			if (*seen & (1u << i))
				return kp_bad(
				    p, kp_line(p), key, "given twice");
			*seen |= 1u << i;
		}
	return 0;
}
