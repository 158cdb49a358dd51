/*
 * kiln_etcd_manifest_parse and kiln_k8s_manifest_parse: kiln's two
 * manifests, each given the same input.
 */
#include "kiln/etcd.h"
#include "kiln/k8s.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiln_etcd_manifest m;
	struct kiln_k8s_manifest k;
	struct kiln_err err;
	char *s;

	if ((s = fuzz_strndup(data, size)) == NULL)
		return 0;
	kiln_etcd_manifest_init(&m);
	(void)kiln_etcd_manifest_parse(&m, s, size, "/nonexistent", fuzz_err(&err));
	kiln_etcd_manifest_free(&m);
	kiln_k8s_manifest_init(&k);
	(void)kiln_k8s_manifest_parse(&k, s, size, fuzz_err(&err));
	kiln_k8s_manifest_free(&k);
	free(s);
	return 0;
}
