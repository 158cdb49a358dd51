/*
 * A profile's name_whitelist: cfssl compiles it as Go's RE2; kiln checks
 * that it stays within what RE2 and POSIX ERE read alike (and within
 * RE2's limits), then compiles it with regcomp, "." matching a newline
 * as RE2's does.
 */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfssl/profile.h"
#include "core/json.h"
#include "kiln/config.h"

#define RE_MAX_COUNT 1000   /* RE2's limit on {m,n} */
#define RE_MAX_COPIES 10000 /* elements after glibc expands repetitions */
#define RE_MAX_DEPTH 32

/* The end of the bracket expression that starts at "p" ('['). */
static const char *
re_bracket_end(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p != '\0' && *p != ']'; p++)
		if (*p == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
			const char *end = strchr(p + 2, p[1]);

			while (end != NULL && end[1] != ']')
				end = strchr(end + 1, p[1]);
			if (end == NULL)
				return NULL;
			p = end + 1;
		}
	return *p == ']' ? p : NULL;
}

/*
 * Refuse what POSIX regex would read otherwise than RE2, and what would
 * make glibc's regcomp exhaust memory.  RE2 escapes such as \d mean a plain
 * letter to POSIX regex, so a cfssl whitelist like ^etcd-\d+$ would quietly
 * reject every name.  glibc copies a repeated element once per repetition
 * (a{3} is aaa, a+ is aa*), so a few bytes can ask for gigabytes:
 * a++++++++++++++++++++++++++++ or ((a{999}){999}){999}.  Like RE2, kiln
 * refuses counts above 1000 and a repetition of a repetition (except RE2's
 * lazy "?", which changes nothing for a match), and it refuses a pattern
 * whose copies add up to more than RE_MAX_COPIES.  Backreferences, which
 * RE2 lacks, would make matching exponential: refused too.
 */
static int
re_check(const char *re, const char *path, struct kiln_err *err)
{
	size_t sum[RE_MAX_DEPTH + 1] = {0}, last = 0, depth = 0;
	unsigned long m, n;
	int rep = 0; /* 1 after a repetition, 2 after its lazy "?" */
	const char *q, *end;
	char *e;

	for (q = re; *q != '\0'; q++) {
		size_t factor = 0; /* 0: not a repetition */

		switch (*q) {
		case '\\':
			if (isalpha((unsigned char)q[1]))
				return kiln_err_set(err, KILN_EINVAL,
				    "%s.name_whitelist: \\%c is RE2 syntax; use "
				    "a POSIX class such as [0-9]",
				    path, q[1]);
			if (isdigit((unsigned char)q[1]))
				return kiln_err_set(err, KILN_EINVAL,
				    "%s.name_whitelist: \\%c is a backreference, "
				    "which RE2 does not have",
				    path, q[1]);
			if (q[1] != '\0')
				q++;
			last = 1;
			break;
		case '[':
			if ((end = re_bracket_end(q)) == NULL)
				return 0; /* regcomp says what is wrong */
			q = end;
			last = 1;
			break;
		case '(':
			if (depth == RE_MAX_DEPTH)
				return kiln_err_set(err, KILN_EINVAL,
				    "%s.name_whitelist: groups nested deeper "
				    "than %d",
				    path, RE_MAX_DEPTH);
			sum[++depth] = 0;
			last = 0;
			rep = 0;
			continue;
		case ')':
			last = depth > 0 ? sum[depth--] : 1;
			break;
		case '|':
			last = 0;
			rep = 0;
			continue;
		case '*':
		case '?':
			if (rep == 1 && *q == '?') {
				rep = 2;
				continue;
			}
			factor = 1;
			break;
		case '+':
			factor = 2;
			break;
		case '{':
			if (!isdigit((unsigned char)q[1])) {
				last = 1; /* a literal "{" */
				break;
			}
			m = n = strtoul(q + 1, &e, 10);
			if (*e == ',' && isdigit((unsigned char)e[1]))
				n = strtoul(e + 1, &e, 10);
			else if (*e == ',')
				e++, n = 0; /* {m,}: m copies and a star */
			if (*e != '}')
				return 0; /* regcomp says what is wrong */
			if (m > RE_MAX_COUNT || n > RE_MAX_COUNT)
				return kiln_err_set(err, KILN_EINVAL,
				    "%s.name_whitelist: repetition count %lu is "
				    "above %d",
				    path, m > RE_MAX_COUNT ? m : n, RE_MAX_COUNT);
			q = e;
			factor = n == 0 ? m + 1 : n;
			break;
		default:
			last = 1;
			break;
		}
		if (factor == 0) {
			sum[depth] += last;
			rep = 0;
		} else {
			if (rep != 0)
				return kiln_err_set(err, KILN_EINVAL,
				    "%s.name_whitelist: a repetition of a "
				    "repetition (RE2 refuses it too)",
				    path);
			sum[depth] += last * (factor - 1);
			last *= factor;
			rep = 1;
		}
		if (sum[depth] > RE_MAX_COPIES || last > RE_MAX_COPIES)
			return kiln_err_set(err, KILN_EINVAL,
			    "%s.name_whitelist: its repetitions expand to more "
			    "than %d elements",
			    path, RE_MAX_COPIES);
	}
	return 0;
}

/*
 * "re" for regcomp, with RE2's meaning of ".": any character but a
 * newline (Go's regexp without the s flag), where POSIX's "." matches a
 * newline too.  Every "." outside a bracket expression and not escaped
 * becomes "[^\n]" with a real newline, so "^.*\.example\.com$" does not
 * take "evil.com\nx.example.com".  Bracket expressions keep their meaning:
 * Go's [^a] matches a newline, as POSIX's does.  Returns a new string or
 * NULL (out of memory).
 */
static char *
re_dot_nl(const char *re)
{
	size_t n = 0, i = 0;
	const char *q, *end;
	char *out;

	for (q = re; *q != '\0'; q++)
		n += *q == '.' ? 4 : 1;
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	for (q = re; *q != '\0'; q++) {
		if (*q == '\\' && q[1] != '\0') {
			out[i++] = *q++;
			out[i++] = *q;
		} else if (*q == '[') {
			/* Unterminated: the rest as it is, for regcomp to
			 * refuse; a "]" added here would close it. */
			if ((end = re_bracket_end(q)) == NULL)
				end = q + strlen(q) - 1;
			memcpy(out + i, q, (size_t)(end - q) + 1);
			i += (size_t)(end - q) + 1;
			q = end;
		} else if (*q == '.') {
			memcpy(out + i, "[^\n]", 4);
			i += 4;
		} else
			out[i++] = *q;
	}
	out[i] = '\0';
	return out;
}

/* POSIX ERE, not Go's RE2: the common subset behaves the same. */
int
config_whitelist_parse(struct kiln_profile *p, const cJSON *obj,
    const char *path, struct kiln_err *err)
{
	const char *re = NULL;
	char msg[256], *posix;
	int ret;

	if (kiln_json_string(obj, path, "name_whitelist", &re, err) == -1)
		return -1;
	if (re == NULL || *re == '\0') /* cfssl: "" means no whitelist */
		return 0;
	if (re_check(re, path, err) == -1)
		return -1;
	if ((posix = re_dot_nl(re)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	ret = regcomp(&p->whitelist, posix, REG_EXTENDED | REG_NOSUB);
	free(posix);
	if (ret != 0) {
		regerror(ret, &p->whitelist, msg, sizeof(msg));
		return kiln_err_set(
		    err, KILN_EINVAL, "%s.name_whitelist: %s", path, msg);
	}
	if ((p->name_whitelist = strdup(re)) == NULL) {
		regfree(&p->whitelist);
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	}
	return 0;
}
