/*
 * kiln_kubeconfig_parse: a kubeconfig, YAML or JSON.  Every item found
 * must lie inside the input, and decoding and splicing each must not
 * read outside it.
 */
#include <stdio.h>

#include "kiln/kubeconfig.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiln_kubeconfig kc;
	struct kiln_buf out;
	struct kiln_err err;
	size_t i;

	kiln_kubeconfig_init(&kc);
	kiln_buf_init(&out);
	if (kiln_kubeconfig_parse(&kc, data, size, "f", fuzz_err(&err)) == 0)
		for (i = 0; i < kc.n; i++) {
			if (kc.items[i].start > kc.items[i].end ||
			    kc.items[i].end > size)
				abort();
			out.len = 0;
			(void)kiln_kubeconfig_decode(
			    &kc.items[i], "f", &out, fuzz_err(&err));
			out.len = 0;
			(void)kiln_kubeconfig_splice(data, size, &kc.items[i],
			    "QQ==", 4, &out, fuzz_err(&err));
		}
	kiln_kubeconfig_free(&kc);
	kiln_buf_free(&out);
	return 0;
}
