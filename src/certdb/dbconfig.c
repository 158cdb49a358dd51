/*
 * cfssl's -db-config file, read strictly: {"driver": ..., "data_source":
 * ...}, both required, nothing else.
 */
#include <string.h>

#include "core/json.h"
#include "kiln/certdb.h"

int
kiln_certdb_config_parse(struct kiln_certdb_config *c, const char *text,
    size_t len, const char *shown, struct kiln_err *err)
{
	static const char *const known[] = {"driver", "data_source", NULL};
	struct kiln_err lerr = {0};
	const char *driver = NULL, *source = NULL;
	cJSON *root = NULL;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	if ((root = kiln_json_parse_object(text, len, &lerr)) == NULL ||
	    kiln_json_known_keys(root, NULL, known, &lerr) == -1 ||
	    kiln_json_string(root, NULL, "driver", &driver, &lerr) == -1 ||
	    kiln_json_string(root, NULL, "data_source", &source, &lerr) == -1)
		goto cleanup;
	if (driver == NULL || source == NULL) {
		kiln_err_set(&lerr, KILN_EINVAL, "\"%s\" is required",
		    driver == NULL ? "driver" : "data_source");
		goto cleanup;
	}
	if (strcmp(driver, "sqlite3") == 0)
		c->driver = KILN_CERTDB_SQLITE;
	else if (strcmp(driver, "postgres") == 0)
		c->driver = KILN_CERTDB_POSTGRES;
	else {
		kiln_err_set(&lerr, KILN_EINVAL,
		    "driver: \"%s\" is not supported (kiln has \"sqlite3\" "
		    "and \"postgres\")",
		    strlen(driver) > 32 ? "..." : driver);
		goto cleanup;
	}
	if (*source == '\0') {
		kiln_err_set(&lerr, KILN_EINVAL, "data_source: empty");
		goto cleanup;
	}
	if (strlen(source) >= sizeof(c->data_source)) {
		kiln_err_set(&lerr, KILN_EINVAL,
		    "data_source: longer than %zu bytes",
		    sizeof(c->data_source) - 1);
		goto cleanup;
	}
	memcpy(c->data_source, source, strlen(source) + 1);
	rc = 0;
cleanup:
	if (rc == -1) {
		memset(c, 0, sizeof(*c));
		kiln_err_pass_prefix(err, &lerr, "%s", shown);
	}
	cJSON_Delete(root);
	return rc;
}
