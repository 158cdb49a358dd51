/* kiln_config_parse: ca-config.json text. */
#include "kiln/config.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiln_config cfg;
	struct kiln_err err;
	char *s;

	if ((s = fuzz_strndup(data, size)) == NULL)
		return 0;
	kiln_config_init(&cfg);
	if (kiln_config_parse(&cfg, s, size, fuzz_err(&err)) == 0) {
		/* Look the profiles up, as sign and gencert do. */
		for (size_t i = 0; i < cfg.n_profiles; i++)
			(void)kiln_config_profile(&cfg, cfg.names[i], fuzz_err(&err));
		(void)kiln_config_profile(&cfg, "", fuzz_err(&err));
	}
	kiln_config_free(&cfg);
	free(s);
	return 0;
}
