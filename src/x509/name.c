#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "asn1/der.h"
#include "asn1/oid.h"
#include "kiln/name.h"
#include "core/strs.h"

/* Where a names entry keeps each standard attribute. */
/* clang-format off */
static const struct attr {
	const char *label;	/* the csr.json key */
	const char *oid;	/* dotted */
	size_t field;		/* offset in struct kiln_name */
} std_attrs[] = {
	{ "C",  KILN_OID_AT_C,	offsetof(struct kiln_name, c) },
	{ "ST", KILN_OID_AT_ST,	offsetof(struct kiln_name, st) },
	{ "L",  KILN_OID_AT_L,	offsetof(struct kiln_name, l) },
	{ "O",  KILN_OID_AT_O,	offsetof(struct kiln_name, o) },
	{ "OU", KILN_OID_AT_OU,	offsetof(struct kiln_name, ou) },
};
/* clang-format on */

static const char *
field(const struct kiln_name *nm, size_t off)
{
	return *(char *const *)((const char *)nm + off);
}

/* The longest attribute value kiln writes into a name. */
#define NAME_VALUE_MAX 1024

/* One RDN: SET { SEQUENCE { type, value } }. */
static int
rdn(struct der *d, const char *oid, const char *value, const char *what,
    struct kiln_err *err)
{
	if (!kiln_utf8_valid((const unsigned char *)value, strlen(value)))
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: not valid UTF-8", what);
	/* RFC 5280 bounds a CN at 64 characters; verifiers choke on
	 * megabytes.  1024 bytes leaves room for every real name. */
	if (strlen(value) > NAME_VALUE_MAX)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: %zu bytes, more than the %d a name may hold", what,
		    strlen(value), NAME_VALUE_MAX);
	if (der_rdn(d, oid, value) == -1)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: invalid OID \"%s\"", what, oid);
	return 0;
}

/* Whether some names entry sets "oid" through its "OID" map. */
static int
overridden(const struct kiln_request *req, const char *oid)
{
	size_t i, k;

	for (i = 0; i < req->n_names; i++)
		for (k = 0; k < req->names[i].n_oids; k++)
			if (strcmp(req->names[i].oid_types[k], oid) == 0)
				return 1;
	return 0;
}

int
kiln_name_from_request(
    struct kiln_buf *out, const struct kiln_request *req, struct kiln_err *err)
{
	const struct kiln_name *nm;
	struct der d;
	char what[64];
	size_t a, i, k, seq;
	const char *v;
	int rc = -1;

	der_init(&d);
	seq = der_open(&d, DER_SEQUENCE);
	for (a = 0; a < sizeof(std_attrs) / sizeof(std_attrs[0]); a++) {
		if (overridden(req, std_attrs[a].oid))
			continue;
		for (i = 0; i < req->n_names; i++) {
			v = field(&req->names[i], std_attrs[a].field);
			snprintf(what, sizeof(what), "names[%zu].%s", i,
			    std_attrs[a].label);
			if (v != NULL &&
			    rdn(&d, std_attrs[a].oid, v, what, err) == -1)
				goto cleanup;
		}
	}
	if (req->cn != NULL && !overridden(req, KILN_OID_AT_CN) &&
	    rdn(&d, KILN_OID_AT_CN, req->cn, "CN", err) == -1)
		goto cleanup;
	if (req->serialnumber != NULL && !overridden(req, KILN_OID_AT_SERIAL) &&
	    rdn(&d, KILN_OID_AT_SERIAL, req->serialnumber, "serialnumber",
	        err) == -1)
		goto cleanup;
	for (i = 0; i < req->n_names; i++) {
		nm = &req->names[i];
		for (k = 0; k < nm->n_oids; k++) {
			snprintf(what, sizeof(what), "names[%zu].OID.%s", i,
			    nm->oid_types[k]);
			if (rdn(&d, nm->oid_types[k], nm->oid_values[k], what,
			        err) == -1)
				goto cleanup;
		}
		snprintf(what, sizeof(what), "names[%zu].E", i);
		if (nm->e != NULL &&
		    rdn(&d, KILN_OID_AT_EMAIL, nm->e, what, err) == -1)
			goto cleanup;
	}
	der_close(&d, seq);
	if (der_check(&d, err) == -1 ||
	    kiln_buf_append(out, d.buf.p, d.buf.len, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	der_free(&d);
	return rc;
}
