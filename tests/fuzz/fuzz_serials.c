/* kiln_serials_parse: gencrl's serials file, decimal per line. */
#include "kiln/crl.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiln_serials s;
	struct kiln_err err;

	kiln_serials_init(&s);
	/* The API takes a length: hand it the bytes as they are. */
	(void)kiln_serials_parse(&s, (const char *)data, size, "fuzz", fuzz_err(&err));
	/* And twice more on the same list, to exercise appending. */
	(void)kiln_serials_parse(&s, (const char *)data, size, "fuzz", fuzz_err(&err));
	kiln_serials_free(&s);
	return 0;
}
