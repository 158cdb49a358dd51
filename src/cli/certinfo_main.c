/*
 * kiln-certinfo: the inspector.  Started through a link named
 * cfssl-certinfo it takes that tool's flags and prints its JSON, but
 * failures exit 1 instead of 0.
 */
#include <string.h>

#include "cli.h"

/* clang-format off */
static const char *const kiln_flags[] = { "cert", "csr", "domain", "key",
	"format", "serial", "aki", "db-config", NULL };
static const char *const cfssl_flags[] = { "cert", "domain", "serial",
	"aki", "db-config", NULL };

static const struct command kiln_certinfo = {
	"kiln-certinfo",
	"kiln-certinfo [-format json|table|text] -cert FILE [FILE...] | "
	"-csr FILE |\n\t-domain HOST[:PORT] | -key KEY (-key also with a target)",
	"Describe a certificate or every certificate of a bundle (PEM or "
	"DER), a\ncertificate request, a private key or the chain a TLS "
	"server sends, as\ncfssl-certinfo's JSON, a table or text.  With "
	"-key and a target, check that\nthe key belongs to its (first) "
	"certificate.  Several -cert files make one\nlisting that names "
	"each certificate's file.",
	kiln_flags, cmd_certinfo, 2, NULL,
};

static const struct command cfssl_certinfo = {
	"certinfo",
	"cfssl-certinfo -cert FILE | -domain HOST[:PORT]",
	"Output certinfo about the given certificate.",
	cfssl_flags, cmd_certinfo, 2, NULL,
};
/* clang-format on */

int
main(int argc, char **argv)
{
	const struct command *cmd = &kiln_certinfo;
	struct cli_config cfg;
	const char *base;
	int ind, rc;

	base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	base = base != NULL ? base + 1 : argc > 0 ? argv[0] : "kiln-certinfo";
	cli_progname = "kiln-certinfo";
	cli_single_command = 1;
	if (strcmp(base, "cfssl-certinfo") == 0) {
		cli_progname = "cfssl-certinfo";
		cmd = &cfssl_certinfo;
	}
	if (argc < 1)
		return 2;
	argc--;
	if ((rc = cli_flags_parse(cmd, &argc, argv + 1, &cfg, &ind)) != 0)
		return cli_exit(cmd, rc == 1 ? 0 : rc);
	cli_certinfo_operands(&cfg, argc, argv + 1, &ind);
	return cli_exit(cmd, cmd->main(argc - ind, argv + 1 + ind, &cfg));
}
