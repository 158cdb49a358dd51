#include <stdio.h>

#include <mbedtls/version.h>

#include "cli.h"

int
cmd_version(int argc, char **argv, const struct cli_config *cfg)
{
	(void)argv;
	(void)cfg;
	if (argc != 0) {
		fprintf(
		    stderr, "%s: version: takes no arguments\n", cli_progname);
		return 2;
	}
	printf("Version: %s\nRuntime: mbed TLS %s\n", KILN_VERSION,
	    MBEDTLS_VERSION_STRING);
	return 0;
}
