/*
 * A certificate request (PEM or DER): kiln_inspect_csr, which checks the
 * self-signature, and its renderers; then kiln_sign_request, the parse
 * "kiln sign" does.
 */
#include "kiln/buf.h"
#include "kiln/inspect.h"
#include "kiln/sign.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiln_info info;
	struct kiln_signreq sr;
	struct kiln_buf out;
	struct kiln_err err;

	kiln_info_init(&info);
	if (kiln_inspect_csr(&info, data, size, fuzz_err(&err)) == 0) {
		kiln_buf_init(&out);
		(void)kiln_info_render(&info, 1, KILN_FORMAT_JSON, 0,
		    1700000000LL, &out, fuzz_err(&err));
		(void)kiln_info_render(&info, 1, KILN_FORMAT_TEXT, 0,
		    1700000000LL, &out, fuzz_err(&err));
		kiln_buf_free(&out);
	}
	kiln_info_free(&info);

	kiln_signreq_init(&sr);
	if (kiln_sign_request(&sr, data, size, fuzz_err(&err)) == 0)
		(void)kiln_sign_copy_extensions(&sr, fuzz_err(&err));
	kiln_signreq_free(&sr);
	return 0;
}
