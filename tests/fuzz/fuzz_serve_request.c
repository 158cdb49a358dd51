/*
 * kiln serve's request parsers (src/serve/apireq.c): the first byte
 * picks sign, authsign (its decoded request then read as a sign
 * request, as the handler does), newcert, revoke, info or certinfo; the
 * rest is the body.
 */
#include "serve/apipriv.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_authreq a;
	struct api_signreq sr;
	struct api_genreq g;
	struct api_revokereq r;
	struct kiln_err err;
	const char *x, *y;
	cJSON *root = NULL, *inner = NULL;
	char *s;

	if (size < 1 || (s = fuzz_strndup(data + 1, size - 1)) == NULL)
		return 0;
	size--;
	api_authreq_init(&a);
	memset(&g, 0, sizeof(g));
	switch (data[0] % 6) {
	case 0:
		(void)api_parse_sign(&root, &sr, s, size, fuzz_err(&err));
		break;
	case 1:
		if (api_parse_auth(&a, s, size, fuzz_err(&err)) == 0)
			(void)api_parse_sign(&inner, &sr,
			    (const char *)a.request.p, a.request.len,
			    fuzz_err(&err));
		break;
	case 2:
		(void)api_parse_gen(&root, &g, s, size, fuzz_err(&err));
		break;
	case 3:
		(void)api_parse_revoke(&root, &r, s, size, fuzz_err(&err));
		break;
	case 4:
		(void)api_parse_info(&root, &x, &y, s, size, fuzz_err(&err));
		break;
	default:
		(void)api_parse_certinfo(
		    &root, &x, &y, s, size, fuzz_err(&err));
		break;
	}
	if (g.request != NULL)
		cJSON_free(g.request);
	cJSON_Delete(root);
	cJSON_Delete(inner);
	api_authreq_free(&a);
	free(s);
	return 0;
}
