/*
 * jsoncmp CFSSL.json KILN.json: checks that kiln-certinfo's output matches
 * cfssl-certinfo's.  Both files hold an object or an array of objects.  In
 * each top-level object the kiln object must start with exactly cfssl's
 * keys, in cfssl's order, with deeply equal values; kiln may add keys after
 * them.  Nested objects must match exactly, keys in order.  cfssl 1.2.0's
 * key ids drop the leading zero of small bytes, so those are zero-padded
 * before comparing.  Prints one line per difference; exit 0 when equal, 1
 * when not, 2 on usage or parse errors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static int ndiff;

__attribute__((format(printf, 2, 3))) static void
report(const char *path, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", *path ? path : "(top)");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	ndiff++;
}

static void
report_values(const char *path, const cJSON *a, const cJSON *b)
{
	char *x = cJSON_PrintUnformatted(a), *y = cJSON_PrintUnformatted(b);

	report(path, "cfssl %s kiln %s", x ? x : "?", y ? y : "?");
	free(x);
	free(y);
}

static void cmp_value(const char *path, const cJSON *a, const cJSON *b);

/* Compares objects; with prefix the kiln object may have more keys. */
static void
cmp_object(const char *path, const cJSON *a, const cJSON *b, int prefix)
{
	const cJSON *x, *y = b->child, *match;
	char sub[1024];
	int ordered = 1;

	for (x = a->child; x; x = x->next) {
		snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "",
		    x->string);
		if (!(match = cJSON_GetObjectItemCaseSensitive(b, x->string))) {
			report(sub, "missing in kiln");
			continue;
		}
		if (ordered && (!y || strcmp(y->string, x->string) != 0)) {
			report(sub, "key order: kiln has %s%s%s here",
			    y ? "\"" : "", y ? y->string : "nothing",
			    y ? "\"" : "");
			ordered = 0;
		}
		y = y ? y->next : NULL;
		cmp_value(sub, x, match);
	}
	for (y = prefix ? NULL : b->child; y; y = y->next) {
		if (cJSON_GetObjectItemCaseSensitive(a, y->string))
			continue;
		snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "",
		    y->string);
		report(sub, "extra key in kiln");
	}
}

static void
cmp_value(const char *path, const cJSON *a, const cJSON *b)
{
	char sub[1024];

	if ((a->type & 0xff) != (b->type & 0xff)) {
		report_values(path, a, b);
	} else if (cJSON_IsString(a)) {
		if (strcmp(a->valuestring, b->valuestring) != 0)
			report_values(path, a, b);
	} else if (cJSON_IsNumber(a)) {
		if (a->valuedouble != b->valuedouble)
			report_values(path, a, b);
	} else if (cJSON_IsArray(a)) {
		int na = cJSON_GetArraySize(a), nb = cJSON_GetArraySize(b);
		const cJSON *x = a->child, *y = b->child;

		if (na != nb) {
			report_values(path, a, b);
			return;
		}
		for (int i = 0; x && y; i++, x = x->next, y = y->next) {
			snprintf(sub, sizeof sub, "%s[%d]", path, i);
			cmp_value(sub, x, y);
		}
	} else if (cJSON_IsObject(a)) {
		cmp_object(path, a, b, 0);
	}
}

/* "4E:1E:A:6F" -> "4E:1E:0A:6F", in place in the object. */
static void
pad_key_id(cJSON *obj, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsString(v))
		return;
	const char *s = v->valuestring;
	char *out = malloc(2 * strlen(s) + 2), *o = out;
	if (!out)
		return;
	while (*s) {
		size_t n = strcspn(s, ":");
		if (n == 1)
			*o++ = '0';
		memcpy(o, s, n);
		o += n;
		s += n;
		if (*s)
			*o++ = *s++;
	}
	*o = '\0';
	cJSON_ReplaceItemInObjectCaseSensitive(
	    obj, key, cJSON_CreateString(out));
	free(out);
}

static const char *
kind(const cJSON *v)
{
	return cJSON_IsObject(v)  ? "an object"
	       : cJSON_IsArray(v) ? "an array"
	                          : "a scalar";
}

static cJSON *
load(const char *file)
{
	FILE *f = fopen(file, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	cJSON *j = NULL;

	if (!f) {
		perror(file);
		return NULL;
	}
	do {
		if (len + 4096 > cap) {
			char *p = realloc(buf, cap = 2 * cap + 4096);
			if (!p)
				goto out;
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (!ferror(f))
		j = cJSON_ParseWithLength(buf, len);
	if (!j)
		fprintf(stderr, "jsoncmp: %s: not valid JSON\n", file);
out:
	fclose(f);
	free(buf);
	return j;
}

static void
cmp_top(const char *path, cJSON *a, const cJSON *b)
{
	if (!cJSON_IsObject(a) || !cJSON_IsObject(b)) {
		report(path, "cfssl has %s, kiln %s", kind(a), kind(b));
		return;
	}
	pad_key_id(a, "authority_key_id");
	pad_key_id(a, "subject_key_id");
	cmp_object(path, a, b, 1);
}

int
main(int argc, char **argv)
{
	cJSON *a, *b;
	char path[32];

	if (argc != 3) {
		fprintf(stderr, "usage: jsoncmp CFSSL.json KILN.json\n");
		return 2;
	}
	a = load(argv[1]);
	b = load(argv[2]);
	if (!a || !b) {
		cJSON_Delete(a);
		cJSON_Delete(b);
		return 2;
	}
	if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
		int na = cJSON_GetArraySize(a), nb = cJSON_GetArraySize(b);
		cJSON *x = a->child;
		const cJSON *y = b->child;

		if (na != nb)
			report("", "cfssl %d elements kiln %d", na, nb);
		for (int i = 0; x && y; i++, x = x->next, y = y->next) {
			snprintf(path, sizeof path, "[%d]", i);
			cmp_top(path, x, y);
		}
	} else {
		cmp_top("", a, b);
	}
	cJSON_Delete(a);
	cJSON_Delete(b);
	return ndiff ? 1 : 0;
}
