/*
 * kiln_key_parse (PEM or DER), then the key's description, SPKI and the
 * key inspection.  The random generator (for RSA blinding) is seeded once:
 * seeding per input would dominate the run.
 */
#include <stdio.h>

#include "kiln/buf.h"
#include "kiln/inspect.h"
#include "kiln/key.h"
#include "kiln/rng.h"
#include "fuzz_common.h"

static struct kiln_rng rng;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct kiln_err err;

	(void)argc;
	(void)argv;
	kiln_rng_init(&rng);
	if (kiln_rng_seed(&rng, "kiln-fuzz-key", fuzz_err(&err)) == -1) {
		fprintf(stderr, "fuzz_key: %s\n", err.msg);
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiln_key key;
	struct kiln_info info;
	struct kiln_buf out;
	struct kiln_err err;
	char desc[64];

	kiln_key_init(&key);
	if (kiln_key_parse(&key, data, size, &rng, fuzz_err(&err)) == 0) {
		(void)kiln_key_describe(&key.pk, desc, sizeof(desc));
		(void)kiln_key_sig_md(&key.pk);
		kiln_buf_init(&out);
		(void)kiln_key_write_spki(&key, &out, fuzz_err(&err));
		kiln_buf_free(&out);
		kiln_info_init(&info);
		(void)kiln_inspect_key(&info, &key, fuzz_err(&err));
		kiln_info_free(&info);
	}
	kiln_key_free(&key);
	return 0;
}
