/*
 * kiln renew's operands: the files named, and each folder named replaced
 * by the files a walk finds in it (as kiln check walks: no link to a
 * folder followed, renew's backups left out, names in order).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kiln/check.h"
#include "kiln/renew.h"
#include "core/strs.h"

void
kiln_renew_operands_init(struct kiln_renew_operands *o)
{
	memset(o, 0, sizeof(*o));
}

void
kiln_renew_operands_free(struct kiln_renew_operands *o)
{
	kiln_strs_free(o->v, o->n);
	free(o->walked);
	kiln_strs_free(o->problems, o->n_problems);
	kiln_renew_operands_init(o);
}

/* The operand "path", found by walking path[:walked] (0: named). */
static int
operand_add(struct kiln_renew_operands *o, const char *path, size_t walked,
    struct kiln_err *err)
{
	char **v;
	size_t *w;

	if (o->n == o->cap) {
		o->cap = o->cap < 16 ? 16 : o->cap * 2;
		if ((v = realloc(o->v, o->cap * sizeof(*v))) == NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		o->v = v;
		if ((w = realloc(o->walked, o->cap * sizeof(*w))) == NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		o->walked = w;
	}
	if ((o->v[o->n] = strdup(path)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	o->walked[o->n++] = walked;
	return 0;
}

static int
walk_file(void *arg, int dfd, const char *name, const char *path,
    struct kiln_err *err)
{
	struct kiln_renew_operands *o = arg;

	(void)dfd;
	(void)name;
	return operand_add(o, path, o->root_len, err);
}

/* A folder not read whole: said, and the walk goes on. */
static int
walk_problem(void *arg, const char *path, const char *msg, struct kiln_err *err)
{
	struct kiln_renew_operands *o = arg;
	struct kiln_buf line;
	int rc;

	kiln_buf_init(&line);
	rc = kiln_buf_printf(&line, err, "%s: %s", path, msg) == -1 ||
	             kiln_buf_terminate(&line, err) == -1 ||
	             kiln_strs_push(&o->problems, &o->n_problems,
	                 (char *)line.p, err) == -1
	         ? -1
	         : 0;
	kiln_buf_free(&line);
	return rc;
}

int
kiln_renew_operands_add(
    struct kiln_renew_operands *o, const char *path, struct kiln_err *err)
{
	struct kiln_walk k;
	struct stat st;

	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode))
		return operand_add(o, path, 0, err);
	memset(&k, 0, sizeof(k));
	k.file = walk_file;
	k.problem = walk_problem;
	k.arg = o;
	o->root_len = strlen(path);
	while (o->root_len > 1 && path[o->root_len - 1] == '/')
		o->root_len--;
	return kiln_walk(&k, path, err);
}
