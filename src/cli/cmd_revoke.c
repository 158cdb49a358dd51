/*
 * kiln revoke: a certificate marked revoked in cfssl's certificate
 * database, as cfssl revoke -db-config does (kiln-revoke(1)).
 */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kiln/certdb.h"

/*
 * -aki as cfssl stores it, lowercase hex without colons: openssl's
 * "22:EF:15:..." and upper case are taken too (cfssl would find nothing).
 * Returns 0, or -1 if "in" is not hex.
 */
static int
normal_aki(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in != '\0'; in++) {
		if (*in == ':')
			continue;
		if (!isxdigit((unsigned char)*in) || n + 1 >= cap)
			return -1;
		out[n++] = (char)tolower((unsigned char)*in);
	}
	out[n] = '\0';
	return n > 0 && n % 2 == 0 ? 0 : -1;
}

int
cmd_revoke(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_err err = {0};
	struct kiln_certdb *db = NULL;
	char aki[129];
	const char *p;
	int reason, rc = 1;

	(void)argv;
	/* cfssl's checks, in its order and words. */
	if (argc > 0) {
		cli_errorf("revoke", "argument is provided but not defined; "
		                     "please refer to the usage by flag -h");
		return 1;
	}
	if (cfg->serial[0] == '\0') {
		cli_errorf(
		    "revoke", "serial number is required but not provided");
		return 1;
	}
	if (cfg->aki[0] == '\0') {
		cli_errorf(
		    "revoke", "authority key id is required but not provided");
		return 1;
	}
	if (cfg->db_config[0] == '\0') {
		cli_errorf(
		    "revoke", "need DB config file (provide with -db-config)");
		return 1;
	}
	for (p = cfg->serial; *p >= '0' && *p <= '9'; p++)
		;
	if (*p != '\0' || cfg->serial[0] == '0') {
		cli_errorf("revoke",
		    "-serial: \"%s\" is not a decimal serial "
		    "number",
		    cfg->serial);
		return 1;
	}
	if (normal_aki(cfg->aki, aki, sizeof(aki)) == -1) {
		cli_errorf("revoke",
		    "-aki: \"%s\" is not a key identifier in "
		    "hex",
		    cfg->aki);
		return 1;
	}
	if (kiln_certdb_reason(cfg->reason, &reason, &err) == -1)
		goto cleanup;
	if (cli_certdb_open(cfg->db_config, &db, &err) == -1)
		goto cleanup;
	if (kiln_certdb_revoke(
	        db, cfg->serial, aki, reason, time(NULL), &err) == -1) {
		kiln_err_prefix(&err, "serial %s, aki %s", cfg->serial, aki);
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (rc != 0)
		cli_error("revoke", &err);
	kiln_certdb_close(db);
	return rc;
}
