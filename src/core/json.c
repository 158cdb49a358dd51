#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/platform_util.h>

#include "core/json.h"

/*
 * cJSON copies strings and frees them unwiped.  These hooks keep each
 * block's size in front of it so that the free hook can wipe the block.
 * cJSON falls back from realloc to malloc+copy+free with custom hooks, so
 * no unwiped copy survives a resize either.
 */
#define HDR alignof(max_align_t)

static void *
wiping_malloc(size_t n)
{
	unsigned char *p;

	if (n > (size_t)-1 - HDR || (p = malloc(n + HDR)) == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + HDR;
}

static void
wiping_free(void *q)
{
	unsigned char *p;
	size_t n;

	if (q == NULL)
		return;
	p = (unsigned char *)q - HDR;
	memcpy(&n, p, sizeof(n));
	mbedtls_platform_zeroize(p, n + HDR);
	free(p);
}

static void
install_hooks(void)
{
	cJSON_Hooks hooks = {wiping_malloc, wiping_free};

	cJSON_InitHooks(&hooks);
}

void
kiln_json_hooks(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, install_hooks);
}

/* Line and column (from 1) of byte "off" of "text". */
static void
position(const char *text, size_t off, size_t *line, size_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}

cJSON *
kiln_json_parse(const char *text, size_t len, struct kiln_err *err)
{
	const char *end = NULL;
	size_t line, col, off, i;
	cJSON *root;

	kiln_json_hooks();
	/* cJSON would cut a string at an escaped NUL; Go keeps it.  Refuse. */
	for (i = 0; i + 1 < len; i++) {
		if (text[i] != '\\')
			continue;
		if (i + 6 <= len && text[i + 1] == 'u' &&
		    strncmp(text + i + 2, "0000", 4) == 0) {
			position(text, i, &line, &col);
			kiln_err_set(err, KILN_EINVAL,
			    "line %zu, column %zu: NUL character in a string",
			    line, col);
			return NULL;
		}
		i++; /* skip the escaped character, "\\" included */
	}
	if (memchr(text, '\0', len) != NULL) {
		kiln_err_set(err, KILN_EINVAL, "NUL byte in JSON input");
		return NULL;
	}
	/* The NUL after the text is counted, or cJSON calls it trailing. */
	root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
	if (root != NULL)
		return root;
	off = end != NULL && end >= text ? (size_t)(end - text) : len;
	while (off < len && (text[off] == ' ' || text[off] == '\t' ||
	                        text[off] == '\r' || text[off] == '\n'))
		off++;
	if (off >= len)
		kiln_err_set(err, KILN_EINVAL, "unexpected end of JSON input");
	else {
		position(text, off, &line, &col);
		kiln_err_set(err, KILN_EINVAL,
		    "malformed JSON at line %zu, column %zu", line, col);
	}
	return NULL;
}

cJSON *
kiln_json_parse_object(const char *text, size_t len, struct kiln_err *err)
{
	cJSON *root;

	if ((root = kiln_json_parse(text, len, err)) == NULL ||
	    cJSON_IsObject(root))
		return root;
	kiln_err_set(err, KILN_EINVAL, "expected an object, got %s",
	    kiln_json_type(root));
	cJSON_Delete(root);
	return NULL;
}

const cJSON *
kiln_json_get(const cJSON *obj, const char *name)
{
	const cJSON *c, *found = NULL;

	if (obj == NULL || !cJSON_IsObject(obj))
		return NULL;
	for (c = obj->child; c != NULL; c = c->next)
		if (c->string != NULL && strcasecmp(c->string, name) == 0)
			found = c; /* Go: the last one wins */
	return cJSON_IsNull(found) ? NULL : found;
}

const char *
kiln_json_type(const cJSON *item)
{
	if (cJSON_IsString(item))
		return "string";
	if (cJSON_IsNumber(item))
		return "number";
	if (cJSON_IsBool(item))
		return "boolean";
	if (cJSON_IsArray(item))
		return "array";
	if (cJSON_IsObject(item))
		return "object";
	return "null";
}

static int
wrong_type(struct kiln_err *err, const char *ctx, const char *name,
    const char *want, const cJSON *got)
{
	return kiln_err_set(err, KILN_EINVAL, "%s%s%s: expected %s, got %s",
	    ctx != NULL ? ctx : "", ctx != NULL ? "." : "", name, want,
	    kiln_json_type(got));
}

int
kiln_json_string(const cJSON *obj, const char *ctx, const char *name,
    const char **out, struct kiln_err *err)
{
	const cJSON *v = kiln_json_get(obj, name);

	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v))
		return wrong_type(err, ctx, name, "a string", v);
	*out = v->valuestring;
	return 0;
}

int
kiln_json_int(const cJSON *obj, const char *ctx, const char *name, long min,
    long max, long *out, struct kiln_err *err)
{
	const cJSON *v = kiln_json_get(obj, name);
	double d;

	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v))
		return wrong_type(err, ctx, name, "an integer", v);
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d))
		return kiln_err_set(err, KILN_EINVAL,
		    "%s%s%s: %g is not an integer", ctx != NULL ? ctx : "",
		    ctx != NULL ? "." : "", name, d);
	if (d < (double)min || d > (double)max)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s%s%s: %.0f is out of range (%ld to %ld)",
		    ctx != NULL ? ctx : "", ctx != NULL ? "." : "", name, d,
		    min, max);
	*out = (long)d;
	return 0;
}

int
kiln_json_bool(const cJSON *obj, const char *ctx, const char *name, int *out,
    struct kiln_err *err)
{
	const cJSON *v = kiln_json_get(obj, name);

	if (v == NULL)
		return 0;
	if (!cJSON_IsBool(v))
		return wrong_type(err, ctx, name, "true or false", v);
	*out = cJSON_IsTrue(v);
	return 0;
}

int
kiln_json_strings(const cJSON *obj, const char *ctx, const char *name,
    const char ***out, size_t *n, struct kiln_err *err)
{
	const cJSON *v = kiln_json_get(obj, name), *c;
	const char **list;
	size_t i = 0;

	if (v == NULL)
		return 0;
	if (!cJSON_IsArray(v))
		return wrong_type(err, ctx, name, "an array of strings", v);
	for (c = v->child; c != NULL; c = c->next)
		if (!cJSON_IsString(c))
			return kiln_err_set(err, KILN_EINVAL,
			    "%s%s%s[%zu]: expected a string, got %s",
			    ctx != NULL ? ctx : "", ctx != NULL ? "." : "",
			    name, i, kiln_json_type(c));
		else
			i++;
	if ((list = calloc(i + 1, sizeof(*list))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	i = 0;
	for (c = v->child; c != NULL; c = c->next)
		list[i++] = c->valuestring;
	free(*out);
	*out = list;
	*n = i;
	return 0;
}

int
kiln_json_object(const cJSON *item, const char *path, struct kiln_err *err)
{
	if (item == NULL || cJSON_IsObject(item))
		return 0;
	return kiln_err_set(err, KILN_EINVAL, "%s: expected an object, got %s",
	    path, kiln_json_type(item));
}

int
kiln_json_array(
    const cJSON *item, const char *path, size_t *n, struct kiln_err *err)
{
	const cJSON *c;

	*n = 0;
	if (item == NULL)
		return 0;
	if (!cJSON_IsArray(item))
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: expected an array, got %s", path,
		    kiln_json_type(item));
	for (c = item->child; c != NULL; c = c->next)
		(*n)++;
	return 0;
}

size_t
kiln_json_distance(const char *a, const char *b)
{
	size_t row[3][65], la = strlen(a), lb = strlen(b), i, j, d;
	size_t *prev2 = row[0], *prev = row[1], *cur = row[2], *t;
	int ca, cb;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		ca = tolower((unsigned char)a[i - 1]);
		for (j = 1; j <= lb; j++) {
			cb = tolower((unsigned char)b[j - 1]);
			d = prev[j - 1] + (ca != cb);
			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			/* Two neighbours swapped. */
			if (i > 1 && j > 1 &&
			    ca == tolower((unsigned char)b[j - 2]) &&
			    cb == tolower((unsigned char)a[i - 2]) &&
			    prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

/*
 * The known key nearest "key", or NULL when none is close enough to be
 * the one meant: at most 2 edits, and at most half the longer name, so
 * that "X" suggests nothing but "Members" and "ipp" suggest "members"
 * and "ip".
 */
static const char *
nearest(const char *key, const char *const *known)
{
	const char *best = NULL;
	size_t d, best_d = (size_t)-1, longer, i;

	for (i = 0; known[i] != NULL; i++) {
		d = kiln_json_distance(key, known[i]);
		longer = strlen(key) > strlen(known[i]) ? strlen(key)
		                                        : strlen(known[i]);
		if (d <= 2 && 2 * d <= longer && d < best_d) {
			best = known[i];
			best_d = d;
		}
	}
	return best;
}

int
kiln_json_known_keys(const cJSON *obj, const char *path,
    const char *const *known, struct kiln_err *err)
{
	const cJSON *c, *o;
	const char *near;
	char list[KILN_ERRMSG_MAX];
	size_t i, len;

	if (obj == NULL || !cJSON_IsObject(obj))
		return 0;
	for (c = obj->child; c != NULL; c = c->next) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(c->string, known[i]) == 0)
				break;
		if (known[i] != NULL) {
			for (o = obj->child; o != c; o = o->next)
				if (strcmp(o->string, c->string) == 0)
					return kiln_err_set(err, KILN_EINVAL,
					    "%s%sduplicate key \"%.64s\"",
					    path != NULL ? path : "",
					    path != NULL ? ": " : "",
					    c->string);
			continue;
		}
		if ((near = nearest(c->string, known)) != NULL)
			return kiln_err_set(err, KILN_EINVAL,
			    "%s%sunknown key \"%.64s\" (did you mean \"%s\"?)",
			    path != NULL ? path : "", path != NULL ? ": " : "",
			    c->string, near);
		list[0] = '\0';
		for (i = 0, len = 0; known[i] != NULL && len < 300; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len,
			    "%s%s", i > 0 ? ", " : "", known[i]);
		return kiln_err_set(err, KILN_EINVAL,
		    "%s%sunknown key \"%.64s\" (known keys: %s)",
		    path != NULL ? path : "", path != NULL ? ": " : "",
		    c->string, list);
	}
	return 0;
}
