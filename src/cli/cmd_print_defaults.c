/*
 * kiln print-defaults: cfssl's template ca-config.json and csr.json, byte
 * for byte as cfssl prints them (Go's fmt.Println adds a blank line).
 * The same texts ship as profiles/cfssl/config.json and csr.json.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* clang-format off */
static const struct {
	const char *name;
	const char *text;
} defaults[] = {
	{ "config",
	  "{\n"
	  "    \"signing\": {\n"
	  "        \"default\": {\n"
	  "            \"expiry\": \"168h\"\n"
	  "        },\n"
	  "        \"profiles\": {\n"
	  "            \"www\": {\n"
	  "                \"expiry\": \"8760h\",\n"
	  "                \"usages\": [\n"
	  "                    \"signing\",\n"
	  "                    \"key encipherment\",\n"
	  "                    \"server auth\"\n"
	  "                ]\n"
	  "            },\n"
	  "            \"client\": {\n"
	  "                \"expiry\": \"8760h\",\n"
	  "                \"usages\": [\n"
	  "                    \"signing\",\n"
	  "                    \"key encipherment\",\n"
	  "                    \"client auth\"\n"
	  "                ]\n"
	  "            }\n"
	  "        }\n"
	  "    }\n"
	  "}\n" },
	{ "csr",
	  "{\n"
	  "    \"CN\": \"example.net\",\n"
	  "    \"hosts\": [\n"
	  "        \"example.net\",\n"
	  "        \"www.example.net\"\n"
	  "    ],\n"
	  "    \"key\": {\n"
	  "        \"algo\": \"ecdsa\",\n"
	  "        \"size\": 256\n"
	  "    },\n"
	  "    \"names\": [\n"
	  "        {\n"
	  "            \"C\": \"US\",\n"
	  "            \"ST\": \"CA\",\n"
	  "            \"L\": \"San Francisco\"\n"
	  "        }\n"
	  "    ]\n"
	  "}\n" },
};
/* clang-format on */
#define NDEFAULTS (sizeof(defaults) / sizeof(defaults[0]))

/* cfssl's list (its order is Go's random map order; kiln's is fixed). */
static void
list(FILE *fp)
{
	size_t i;

	fputs("Default configurations are available for:\n", fp);
	for (i = 0; i < NDEFAULTS; i++)
		fprintf(fp, "\t%s\n", defaults[i].name);
}

int
cmd_print_defaults(int argc, char **argv, const struct cli_config *cfg)
{
	size_t i;

	if (argc != 1)
		return cli_usage_error(
		    cfg->cmd, "expected one TYPE: config, csr or list");
	if (strcmp(argv[0], "list") == 0) {
		list(stdout);
		return 0; /* main checks standard output */
	}
	for (i = 0; i < NDEFAULTS; i++)
		if (strcmp(argv[0], defaults[i].name) == 0) {
			printf("%s\n", defaults[i].text);
			return 0;
		}
	cli_errorf(cfg->cmd->name, "unknown type \"%s\"", argv[0]);
	list(stderr);
	return cfg->cmd->usage_status;
}
