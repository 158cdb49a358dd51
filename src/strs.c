#include <stdlib.h>
#include <string.h>

#include "strs.h"

int
kiln_str_set(char **out, const char *s, struct kiln_err *err)
{
	char *p = NULL;

	if (s != NULL && (p = strdup(s)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	free(*out);
	*out = p;
	return 0;
}

void
kiln_strs_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
kiln_strs_set(char ***out, size_t *n_out, const char *const *in, size_t n,
    struct kiln_err *err)
{
	kiln_strs_free(*out, *n_out);
	*out = NULL;
	*n_out = 0;
	if (n == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (; *n_out < n; (*n_out)++)
		if (((*out)[*n_out] = strdup(in[*n_out])) == NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return 0;
}
