/*
 * cfssl-certinfo's output in the format asked for: kiln_info_render for
 * one file's objects, the listing for a folder's certificates, and what
 * the formats share (the names of a subject's attributes, a key in
 * words).  The formats are certjson.c (json.MarshalIndent with two
 * spaces, then kiln's own keys), certtable.c (a boxed table like etcdctl
 * -w table) and certtext.c (the order of openssl x509 -text).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asn1/oid.h"
#include "core/strs.h"
#include "kiln/esc.h"
#include "kiln/inspect.h"
#include "report/certrender.h"
#include "report/format.h"

/* The attributes cfssl's Name has, by OID, with their JSON keys. */
const struct certinfo_dn_name certinfo_dn_names[] = {
    {KILN_OID_AT_CN, "common_name", "CN"},
    {KILN_OID_AT_SERIAL, "serial_number", "serialNumber"},
    {KILN_OID_AT_C, "country", "C"},
    {KILN_OID_AT_O, "organization", "O"},
    {KILN_OID_AT_OU, "organizational_unit", "OU"},
    {KILN_OID_AT_L, "locality", "L"},
    {KILN_OID_AT_ST, "province", "ST"},
    {KILN_OID_AT_STREET, "street_address", "street"},
    {KILN_OID_AT_POSTAL_CODE, "postal_code", "postalCode"},
};
const size_t certinfo_dn_ncfssl =
    sizeof(certinfo_dn_names) / sizeof(certinfo_dn_names[0]);

static const struct {
	const char *oid, *text;
} dn_more[] = {
    {KILN_OID_AT_SURNAME, "SN"},
    {KILN_OID_AT_TITLE, "title"},
    {KILN_OID_AT_GIVEN_NAME, "GN"},
    {KILN_OID_AT_INITIALS, "initials"},
    {KILN_OID_AT_GENERATION_QUALIFIER, "generationQualifier"},
    {KILN_OID_AT_DN_QUALIFIER, "dnQualifier"},
    {KILN_OID_AT_PSEUDONYM, "pseudonym"},
    {KILN_OID_AT_ORG_ID, "organizationIdentifier"},
    {KILN_OID_AT_BUSINESS_CATEGORY, "businessCategory"},
    {KILN_OID_AT_EMAIL, "emailAddress"},
    {KILN_OID_AT_DC, "DC"},
    {KILN_OID_AT_UID, "UID"},
};

const char *
certinfo_dn_short(const char *oid)
{
	size_t i;

	for (i = 0; i < certinfo_dn_ncfssl; i++)
		if (strcmp(certinfo_dn_names[i].oid, oid) == 0)
			return certinfo_dn_names[i].text;
	for (i = 0; i < sizeof(dn_more) / sizeof(dn_more[0]); i++)
		if (strcmp(dn_more[i].oid, oid) == 0)
			return dn_more[i].text;
	return oid;
}

/* The key usages' names, by bit: digital signature is bit 0. */
const char *const certinfo_ku_names[] = {"digital signature",
    "content commitment", "key encipherment", "data encipherment",
    "key agreement", "cert sign", "crl sign", "encipher only", "decipher only"};
const size_t certinfo_nku =
    sizeof(certinfo_ku_names) / sizeof(certinfo_ku_names[0]);

void
certinfo_key_text(const struct kiln_info *info, char *out, size_t size)
{
	if (info->key_curve[0] != '\0')
		snprintf(
		    out, size, "%s %s", info->key_algorithm, info->key_curve);
	else if (info->key_bits > 0)
		snprintf(
		    out, size, "%s %u", info->key_algorithm, info->key_bits);
	else
		snprintf(out, size, "%s", info->key_algorithm);
}

/*
 * The renderers (certjson.c, certtable.c, certtext.c) go on after a failed
 * append and test their "err" for the first failure: the public functions give
 * them a local one, clear, and pass it out once (kiln_err_pass: the caller's
 * may be NULL or hold an older error).
 */

int
kiln_info_render(const struct kiln_info *v, size_t n,
    enum kiln_info_format format, unsigned int flags, long long now,
    struct kiln_buf *out, struct kiln_err *err)
{
	struct kiln_err werr;
	size_t i;
	int rc = 0;

	kiln_err_clear(&werr);
	switch (format) {
	case KILN_FORMAT_JSON:
		rc = certinfo_json(v, n, flags, now, out, &werr);
		break;
	case KILN_FORMAT_TABLE:
		rc = certinfo_table(v, n, now, out, &werr);
		break;
	case KILN_FORMAT_TEXT:
		for (i = 0; i < n && rc == 0; i++) {
			if (i > 0)
				kiln_buf_append(out, "\n", 1, &werr);
			rc = certinfo_text(&v[i], now, out, &werr);
		}
		break;
	}
	if (rc == 0)
		kiln_buf_terminate(out, &werr);
	return kiln_err_pass(err, &werr);
}

/* A listing's table: FILE and the certificate columns. */
#define LISTING_COLS 8

void
kiln_listing_init(struct kiln_listing *l, enum kiln_info_format format,
    unsigned int flags, long long now)
{
	memset(l, 0, sizeof(*l));
	l->format = format;
	l->flags = flags;
	l->now = now;
}

void
kiln_listing_free(struct kiln_listing *l)
{
	if (l->cell != NULL)
		kiln_strs_free(l->cell, l->rows * LISTING_COLS);
	l->cell = NULL;
	l->rows = 0;
}

/* Room for one more table row. */
static int
listing_grow(struct kiln_listing *l, struct kiln_err *err)
{
	char **cell;
	size_t rows = l->rows < 64 ? 64 : l->rows * 2;

	if (l->count < l->rows)
		return 0;
	if (rows > SIZE_MAX / LISTING_COLS / sizeof(*cell) ||
	    (cell = calloc(rows * LISTING_COLS, sizeof(*cell))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	if (l->cell != NULL)
		memcpy(cell, l->cell, l->rows * LISTING_COLS * sizeof(*cell));
	free(l->cell);
	l->cell = cell;
	l->rows = rows;
	return 0;
}

int
kiln_listing_add(struct kiln_listing *l, const struct kiln_info *v, size_t n,
    const char *file, struct kiln_buf *out, struct kiln_err *caller)
{
	struct kiln_err werr, *err = &werr;
	struct kiln_buf b;
	struct jw j;
	size_t i;

	kiln_err_clear(&werr);
	kiln_buf_init(&b);
	for (i = 0; i < n; i++, l->count++) {
		if (v[i].kind != KILN_INFO_CERT) {
			kiln_err_set(err, KILN_EINVAL, "not a certificate");
			goto cleanup;
		}
		switch (l->format) {
		case KILN_FORMAT_JSON:
			/* An element of the array at depth 1. */
			memset(&j, 0, sizeof(j));
			j.out = out;
			j.err = err;
			j.depth = 1;
			j.first[1] = l->count == 0;
			if (l->count == 0)
				jw_raw(&j, "[");
			jw_item(&j);
			if (certinfo_json_object(
			        &j, &v[i], l->flags, l->now, file) == -1)
				goto cleanup;
			break;
		case KILN_FORMAT_TABLE:
			if (listing_grow(l, err) == -1)
				goto cleanup;
			kiln_cell_set(
			    &l->cell[l->count * LISTING_COLS], file, err);
			if (certinfo_table_row(&v[i], l->now,
			        &l->cell[l->count * LISTING_COLS + 1], &b,
			        err) == -1)
				goto cleanup;
			break;
		case KILN_FORMAT_TEXT:
			kiln_buf_printf(
			    out, err, "%sFile: ", l->count > 0 ? "\n" : "");
			kiln_esc_append(out, file, strlen(file), err);
			kiln_buf_append(out, "\n", 1, err);
			if (certinfo_text(&v[i], l->now, out, err) == -1)
				goto cleanup;
			break;
		}
		if (err->code != KILN_OK)
			goto cleanup;
	}
cleanup:
	kiln_buf_free(&b);
	return kiln_err_pass(caller, &werr);
}

int
kiln_listing_end(
    struct kiln_listing *l, struct kiln_buf *out, struct kiln_err *caller)
{
	struct kiln_err werr, *err = &werr;
	struct kiln_table t;

	kiln_err_clear(&werr);
	switch (l->format) {
	case KILN_FORMAT_JSON:
		kiln_buf_printf(out, err, "%s]\n", l->count > 0 ? "\n" : "[");
		break;
	case KILN_FORMAT_TABLE:
		if (l->count == 0)
			break;
		memset(&t, 0, sizeof(t));
		certinfo_table_head(&t, KILN_INFO_CERT, 1);
		t.cell = l->cell;
		t.nrows = l->count;
		table_print(&t, out, err);
		break;
	case KILN_FORMAT_TEXT:
		break;
	}
	return kiln_err_pass(caller, &werr);
}
