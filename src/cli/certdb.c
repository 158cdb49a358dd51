/*
 * -db-config for the commands that issue (sign, gencert): each
 * certificate recorded in cfssl's certificate database before it is
 * handed back, as cfssl's signer does.
 */
#include "cli.h"
#include "kiln/certdb.h"
#include "kiln/file.h"

int
cli_certdb_open(const char *path, struct kiln_certdb **db, struct kiln_err *err)
{
	struct kiln_certdb_config c;
	struct kiln_buf text;
	int rc = -1;

	*db = NULL;
	kiln_buf_init(&text);
	if (kiln_file_read(path, &text, err) == -1 ||
	    kiln_certdb_config_parse(
	        &c, (const char *)text.p, text.len, path, err) == -1 ||
	    kiln_certdb_open(db, &c, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	return rc;
}

int
cli_certdb_record(
    struct kiln_certdb *db, const struct kiln_buf *der, struct kiln_err *err)
{
	struct kiln_certdb_row row;
	int rc = -1;

	kiln_certdb_row_init(&row);
	/* cfssl's label: its -label flag, which kiln does not have. */
	if (kiln_certdb_row_from_cert(
	        &row, der->p, der->len, "", time(NULL), err) == -1 ||
	    kiln_certdb_insert(db, &row, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_certdb_row_free(&row);
	return rc;
}
