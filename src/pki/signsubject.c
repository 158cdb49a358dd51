/*
 * The subject of a certificate request made elsewhere, as cfssl sign
 * gives it to Go's certificate writer: the request's attributes read
 * (string types by Go's rule), optionally replaced by a SUBJECT file
 * (cfssl's PopulateSubjectFromCSR), and encoded again in Go's order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>

#include "asn1/der.h"
#include "asn1/oid.h"
#include "core/json.h"
#include "asn1/x509.h"
#include "core/strs.h"
#include "pki/signsubject.h"

/*
 * Go's pkix.Name fields holding lists, in the order ToRDNSequence writes
 * them; CN and serialNumber follow, then every other attribute.
 */
/* clang-format off */
static const struct {
	const char *oid;
	const char *label; /* the SUBJECT file's key, or NULL */
} list_attrs[] = {
	{ KILN_OID_AT_C,		"C" },
	{ KILN_OID_AT_ST,		"ST" },
	{ KILN_OID_AT_L,		"L" },
	{ KILN_OID_AT_STREET,		NULL },
	{ KILN_OID_AT_POSTAL_CODE,	NULL },
	{ KILN_OID_AT_O,		"O" },
	{ KILN_OID_AT_OU,		"OU" },
};
/* clang-format on */
#define N_LIST_ATTRS (sizeof(list_attrs) / sizeof(list_attrs[0]))

void
sign_attrs_free(struct kiln_sign_attr *attr, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(attr[i].value);
	free(attr);
}

/* Append attribute "oid" = "value" (copied) to "*attr". */
static int
attr_push(struct kiln_sign_attr **attr, size_t *n, const char *oid,
    const char *value, struct kiln_err *err)
{
	struct kiln_sign_attr *a;

	if ((a = realloc(*attr, (*n + 1) * sizeof(*a))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	*attr = a;
	a += *n;
	snprintf(a->oid, sizeof(a->oid), "%s", oid);
	if ((a->value = strdup(value)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	(*n)++;
	return 0;
}

/* Whether Go's pkix.Name has a field for "oid" (cfssl's isCommonAttr). */
static int
common_attr(const char *oid)
{
	size_t i;

	if (strcmp(oid, KILN_OID_AT_CN) == 0 ||
	    strcmp(oid, KILN_OID_AT_SERIAL) == 0)
		return 1;
	for (i = 0; i < N_LIST_ATTRS; i++)
		if (strcmp(oid, list_attrs[i].oid) == 0)
			return 1;
	return 0;
}

/* The value of the last attribute "oid", or NULL (Go: the last wins). */
static const char *
last_value(const struct kiln_signreq *req, const char *oid)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < req->n_attr; i++)
		if (strcmp(req->attr[i].oid, oid) == 0)
			v = req->attr[i].value;
	return v;
}

/* SET { SEQUENCE { type, value } }: every value its own RDN. */
static int
put_rdn(struct der *d, const char *oid, const char *value, struct kiln_err *err)
{
	if (der_rdn(d, oid, value) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad OID %s", oid);
	return 0;
}

/* Rebuild the subject DER from the attributes, and "certreq" with it. */
int
sign_encode_subject(struct kiln_signreq *req, struct kiln_err *err)
{
	const char *cn, *serial;
	struct der d;
	size_t i, k, seq;
	int rc = -1;

	der_init(&d);
	seq = der_open(&d, DER_SEQUENCE);
	for (k = 0; k < N_LIST_ATTRS; k++)
		for (i = 0; i < req->n_attr; i++)
			if (strcmp(req->attr[i].oid, list_attrs[k].oid) == 0 &&
			    put_rdn(&d, req->attr[i].oid, req->attr[i].value,
			        err) == -1)
				goto cleanup;
	/* Go writes CN and serialNumber only when not empty. */
	cn = last_value(req, KILN_OID_AT_CN);
	if (cn != NULL && *cn == '\0')
		cn = NULL;
	serial = last_value(req, KILN_OID_AT_SERIAL);
	if ((cn != NULL && put_rdn(&d, KILN_OID_AT_CN, cn, err) == -1) ||
	    (serial != NULL && *serial != '\0' &&
	        put_rdn(&d, KILN_OID_AT_SERIAL, serial, err) == -1))
		goto cleanup;
	for (i = 0; i < req->n_attr; i++)
		if (!common_attr(req->attr[i].oid) &&
		    put_rdn(&d, req->attr[i].oid, req->attr[i].value, err) ==
		        -1)
			goto cleanup;
	der_close(&d, seq);
	req->subject.len = 0;
	if (der_check(&d, err) == -1 ||
	    kiln_buf_append(&req->subject, d.buf.p, d.buf.len, err) == -1)
		goto cleanup;
	req->certreq.subject = req->subject.p;
	req->certreq.subject_len = req->subject.len;
	req->certreq.cn = cn;
	rc = 0;
cleanup:
	der_free(&d);
	return rc;
}

/* The SUBJECT file's name for attribute "oid", for messages. */
static const char *
attr_label(const char *oid)
{
	size_t i;

	if (strcmp(oid, KILN_OID_AT_CN) == 0)
		return "CN";
	if (strcmp(oid, KILN_OID_AT_SERIAL) == 0)
		return "SerialNumber";
	for (i = 0; i < N_LIST_ATTRS; i++)
		if (strcmp(oid, list_attrs[i].oid) == 0 &&
		    list_attrs[i].label != NULL)
			return list_attrs[i].label;
	return oid;
}

/* The bytes of a string that must be valid UTF-8 without NUL, copied. */
static char *
utf8_copy(const struct rd *v, struct kiln_err *err)
{
	const unsigned char *s = v->p;
	size_t n = rd_len(v);
	char *out;

	if (!kiln_utf8_valid(s, n) || memchr(s, 0, n) != NULL) {
		kiln_err_set(
		    err, KILN_EINVAL, "not valid UTF-8, or holds a NUL");
		return NULL;
	}
	if ((out = strndup((const char *)s, n)) == NULL)
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return out;
}

/*
 * An attribute value as UTF-8.  Go reads the string types below and
 * re-encodes them; anything else (an INTEGER, a SEQUENCE) is refused.
 */
static char *
attr_value(
    int tag, const struct rd *v, const struct rd *whole, struct kiln_err *err)
{
	switch (tag) {
	case MBEDTLS_ASN1_UTF8_STRING:
	case MBEDTLS_ASN1_PRINTABLE_STRING:
	case MBEDTLS_ASN1_IA5_STRING:
	case 0x12: /* NumericString */
	case 0x1a: /* VisibleString */
		return utf8_copy(v, err);
	case MBEDTLS_ASN1_T61_STRING:
	case MBEDTLS_ASN1_BMP_STRING:
	case MBEDTLS_ASN1_UNIVERSAL_STRING:
		return x509_decode_string(tag, v, whole, err);
	default:
		kiln_err_set(err, KILN_EINVAL,
		    "value is not a string (ASN.1 tag 0x%02x)", tag);
		return NULL;
	}
}

/* Every attribute of the request's subject Name "name", in order. */
int
sign_read_subject(
    struct kiln_signreq *req, struct rd name, struct kiln_err *err)
{
	struct rd set, atv, value, whole;
	char oid[64], *s;
	int tag, rc;

	while (name.p < name.end) {
		if (rd_tag(&name, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET,
		        &set) == -1)
			return kiln_err_set(
			    err, KILN_EINVAL, "subject: bad name");
		while (set.p < set.end) {
			if (rd_tag(&set,
			        MBEDTLS_ASN1_CONSTRUCTED |
			            MBEDTLS_ASN1_SEQUENCE,
			        &atv) == -1 ||
			    rd_oid(&atv, oid, sizeof(oid)) == -1 ||
			    rd_any(&atv, &tag, &value, &whole) == -1 ||
			    atv.p != atv.end)
				return kiln_err_set(
				    err, KILN_EINVAL, "subject: bad attribute");
			if ((s = attr_value(tag, &value, &whole, err)) ==
			    NULL) {
				kiln_err_prefix(err, "subject: %s", oid);
				return -1;
			}
			rc = attr_push(&req->attr, &req->n_attr, oid, s, err);
			free(s);
			if (rc == -1)
				return -1;
		}
	}
	return 0;
}

/* One key of every "names" entry, copied into "*attr" as "oid". */
static int
subject_list(const cJSON *names, const char *label, const char *oid,
    struct kiln_sign_attr **attr, size_t *n, struct kiln_err *err)
{
	const cJSON *c;
	const char *v;
	char ctx[32];
	size_t i = 0;

	for (c = names != NULL ? names->child : NULL; c != NULL;
	     c = c->next, i++) {
		snprintf(ctx, sizeof(ctx), "names[%zu]", i);
		v = NULL;
		if (kiln_json_object(c, ctx, err) == -1 ||
		    kiln_json_string(c, ctx, label, &v, err) == -1)
			return -1;
		if (v != NULL && *v != '\0' &&
		    attr_push(attr, n, oid, v, err) == -1)
			return -1;
	}
	return 0;
}

int
kiln_sign_subject(struct kiln_signreq *req, const char *text, size_t len,
    struct kiln_err *err)
{
	struct kiln_sign_attr *attr = NULL;
	const char *cn = NULL, *serial = NULL;
	const cJSON *names;
	size_t n = 0, n_names, before, i, k;
	cJSON *root;
	int rc = -1;

	if ((root = kiln_json_parse_object(text, len, err)) == NULL)
		return -1;
	names = kiln_json_get(root, "names");
	if (kiln_json_array(names, "names", &n_names, err) == -1)
		goto cleanup;
	if (kiln_json_string(root, NULL, "CN", &cn, err) == -1 ||
	    kiln_json_string(root, NULL, "SerialNumber", &serial, err) == -1)
		goto cleanup;
	/* cfssl's PopulateSubjectFromCSR, in Go's field order. */
	for (k = 0; k < N_LIST_ATTRS; k++) {
		if (list_attrs[k].label == NULL)
			continue; /* street and postalCode are dropped */
		before = n;
		if (subject_list(names, list_attrs[k].label, list_attrs[k].oid,
		        &attr, &n, err) == -1)
			goto cleanup;
		if (n > before)
			continue;
		for (i = 0; i < req->n_attr; i++)
			if (strcmp(req->attr[i].oid, list_attrs[k].oid) == 0 &&
			    attr_push(&attr, &n, req->attr[i].oid,
			        req->attr[i].value, err) == -1)
				goto cleanup;
	}
	if (cn == NULL || *cn == '\0')
		cn = last_value(req, KILN_OID_AT_CN);
	if (serial == NULL || *serial == '\0')
		serial = last_value(req, KILN_OID_AT_SERIAL);
	if ((cn != NULL &&
	        attr_push(&attr, &n, KILN_OID_AT_CN, cn, err) == -1) ||
	    (serial != NULL &&
	        attr_push(&attr, &n, KILN_OID_AT_SERIAL, serial, err) == -1))
		goto cleanup;
	for (i = 0; i < n; i++)
		if (!kiln_utf8_valid((const unsigned char *)attr[i].value,
		        strlen(attr[i].value))) {
			kiln_err_set(err, KILN_EINVAL, "%s: not valid UTF-8",
			    attr_label(attr[i].oid));
			goto cleanup;
		}
	sign_attrs_free(req->attr, req->n_attr);
	req->attr = attr;
	req->n_attr = n;
	attr = NULL; /* owned by req */
	n = 0;
	rc = sign_encode_subject(req, err);
cleanup:
	sign_attrs_free(attr, n);
	cJSON_Delete(root);
	return rc;
}
