/* kiln_request_parse: csr.json text, then the SAN classification. */
#include "kiln/request.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiln_request req;
	struct kiln_sans sans;
	struct kiln_err err;
	char *s;

	if ((s = fuzz_strndup(data, size)) == NULL)
		return 0;
	kiln_request_init(&req);
	kiln_sans_init(&sans);
	if (kiln_request_parse(&req, s, size, fuzz_err(&err)) == 0) {
		(void)kiln_keyreq_check(&req.key, fuzz_err(&err));
		for (size_t i = 0; i < req.n_hosts; i++)
			if (kiln_sans_add(&sans, req.hosts[i], fuzz_err(&err)) == -1)
				break;
	}
	kiln_sans_free(&sans);
	kiln_request_free(&req);
	free(s);
	return 0;
}
