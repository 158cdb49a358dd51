/*
 * kiln_cfssljson_parse: cfssl's JSON output.  The first byte chooses
 * "bare" (no API envelope); the rest is the text.
 */
#include "kiln/cfssljson.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiln_cfssljson out;
	struct kiln_err err;
	int bare;
	char *s;

	if (size < 1)
		return 0;
	bare = data[0] & 1;
	if ((s = fuzz_strndup(data + 1, size - 1)) == NULL)
		return 0;
	kiln_cfssljson_init(&out);
	(void)kiln_cfssljson_parse(&out, s, size - 1, bare, fuzz_err(&err));
	kiln_cfssljson_free(&out);
	free(s);
	return 0;
}
