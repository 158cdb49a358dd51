/* kiln_duration_parse, then kiln_duration_format of what it parsed. */
#include "kiln/duration.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiln_err err;
	int64_t ns;
	char out[64], tiny[4];
	char *s;

	if ((s = fuzz_strndup(data, size)) == NULL)
		return 0;
	if (kiln_duration_parse(s, &ns, fuzz_err(&err)) == 0) {
		(void)kiln_duration_format(ns, out, sizeof(out));
		(void)kiln_duration_format(ns, tiny, sizeof(tiny));
		/* Go's minimum duration parses; its negation does not exist. */
		if (ns != INT64_MIN)
			(void)kiln_duration_format(-ns, out, sizeof(out));
	}
	/* Any eight bytes as a duration: the formatter on its own. */
	if (size >= sizeof(ns)) {
		memcpy(&ns, data, sizeof(ns));
		(void)kiln_duration_format(ns, out, sizeof(out));
	}
	free(s);
	return 0;
}
