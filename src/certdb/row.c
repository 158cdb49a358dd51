/*
 * A row of cfssl's "certificates" table: made from a certificate just
 * issued, and cfssl's revocation reasons.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kiln/certdb.h"

void
kiln_certdb_row_init(struct kiln_certdb_row *r)
{
	memset(r, 0, sizeof(*r));
	kiln_buf_init(&r->sans);
	kiln_buf_init(&r->pem);
}

void
kiln_certdb_row_free(struct kiln_certdb_row *r)
{
	kiln_buf_free(&r->sans);
	kiln_buf_free(&r->pem);
	kiln_certdb_row_init(r);
}

int
kiln_certdb_row_from_cert(struct kiln_certdb_row *r, const unsigned char *der,
    size_t len, const char *label, time_t now, struct kiln_err *err)
{
	(void)r;
	(void)der;
	(void)len;
	(void)label;
	(void)now;
	return kiln_err_set(err, KILN_EINVAL, "certdb: row: not built yet");
}

/* cfssl's names (ocsp.ReasonStringToCode), matched in any case. */
/* clang-format off */
static const struct {
	const char *name;
	int code;
} reasons[] = {
	{ "unspecified", 0 },
	{ "keycompromise", 1 },
	{ "cacompromise", 2 },
	{ "affiliationchanged", 3 },
	{ "superseded", 4 },
	{ "cessationofoperation", 5 },
	{ "certificatehold", 6 },
	{ "removefromcrl", 8 },
	{ "privilegewithdrawn", 9 },
	{ "aacompromise", 10 },
};
/* clang-format on */

int
kiln_certdb_reason(const char *s, int *reason, struct kiln_err *err)
{
	const char *p;
	size_t i;
	int n;

	if (*s == '\0') {
		*reason = 0;
		return 0;
	}
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcasecmp(s, reasons[i].name) == 0) {
			*reason = reasons[i].code;
			return 0;
		}
	/*
	 * A number as Go's strconv.Atoi reads it, 1 to 10.  cfssl takes 1
	 * to 9: kiln also takes 10 (aACompromise, which cfssl takes by
	 * name) and refuses 7, which RFC 5280 leaves unused.
	 */
	p = s + (*s == '+');
	for (n = 0; *p >= '0' && *p <= '9' && n <= 10; p++)
		n = n * 10 + (*p - '0');
	if (p > s + (*s == '+') && *p == '\0' && n >= 1 && n <= 10 && n != 7) {
		*reason = n;
		return 0;
	}
	return kiln_err_set(err, KILN_EINVAL, "reason: \"%s\" is not a "
	    "revocation reason", strlen(s) > 32 ? "..." : s);
}
