/* kiln_etcd_manifest_parse: the etcd cluster manifest. */
#include "kiln/etcd.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiln_etcd_manifest m;
	struct kiln_err err;
	char *s;

	if ((s = fuzz_strndup(data, size)) == NULL)
		return 0;
	kiln_etcd_manifest_init(&m);
	(void)kiln_etcd_manifest_parse(&m, s, size, "/nonexistent", fuzz_err(&err));
	kiln_etcd_manifest_free(&m);
	free(s);
	return 0;
}
