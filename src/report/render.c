/*
 * Inspected objects as cfssl-certinfo's JSON (json.MarshalIndent with two
 * spaces, then kiln's own keys), as a boxed table like etcdctl -w table,
 * or as text in the order of openssl x509 -text.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln/config.h"
#include "kiln/esc.h"
#include "kiln/inspect.h"
#include "kiln/pem.h"
#include "report/format.h"
#include "core/strs.h"

/* The attributes cfssl's Name has, by OID, with their JSON keys. */
static const struct {
	const char *oid, *json, *text;
} dn_names[] = {
    {"2.5.4.3", "common_name", "CN"},
    {"2.5.4.5", "serial_number", "serialNumber"},
    {"2.5.4.6", "country", "C"},
    {"2.5.4.10", "organization", "O"},
    {"2.5.4.11", "organizational_unit", "OU"},
    {"2.5.4.7", "locality", "L"},
    {"2.5.4.8", "province", "ST"},
    {"2.5.4.9", "street_address", "street"},
    {"2.5.4.17", "postal_code", "postalCode"},
};
#define DN_CFSSL (sizeof(dn_names) / sizeof(dn_names[0]))

static const struct {
	const char *oid, *text;
} dn_more[] = {
    {"2.5.4.4", "SN"},
    {"2.5.4.12", "title"},
    {"2.5.4.42", "GN"},
    {"2.5.4.43", "initials"},
    {"2.5.4.44", "generationQualifier"},
    {"2.5.4.46", "dnQualifier"},
    {"2.5.4.65", "pseudonym"},
    {"2.5.4.97", "organizationIdentifier"},
    {"2.5.4.15", "businessCategory"},
    {"1.2.840.113549.1.9.1", "emailAddress"},
    {"0.9.2342.19200300.100.1.25", "DC"},
    {"0.9.2342.19200300.100.1.1", "UID"},
};

static const char *
dn_short(const char *oid)
{
	size_t i;

	for (i = 0; i < DN_CFSSL; i++)
		if (strcmp(dn_names[i].oid, oid) == 0)
			return dn_names[i].text;
	for (i = 0; i < sizeof(dn_more) / sizeof(dn_more[0]); i++)
		if (strcmp(dn_more[i].oid, oid) == 0)
			return dn_more[i].text;
	return oid;
}

/* cfssl's Name: single values, repeated ones joined with ",", names. */
static void
jw_dn(struct jw *j, const char *key, const struct kiln_dn *dn)
{
	struct kiln_buf joined;
	const char *v;
	size_t i, k;
	int any;

	kiln_buf_init(&joined);
	jw_key(j, key);
	jw_open(j, "{");
	for (k = 0; k < DN_CFSSL; k++) {
		if (k < 2) { /* CN and serialNumber: the last one */
			if ((v = kiln_dn_last(dn, dn_names[k].oid)) != NULL &&
			    v[0] != '\0')
				jw_kstr(j, dn_names[k].json, v);
			continue;
		}
		joined.len = 0;
		for (i = 0, any = 0; i < dn->n; i++) {
			if (strcmp(dn->attr[i].oid, dn_names[k].oid) != 0)
				continue;
			if (any++)
				kiln_buf_append(&joined, ",", 1, j->err);
			kiln_buf_append(&joined, dn->attr[i].value,
			    strlen(dn->attr[i].value), j->err);
		}
		if (joined.len > 0 && kiln_buf_terminate(&joined, j->err) == 0)
			jw_kstr(j, dn_names[k].json, (char *)joined.p);
	}
	if (dn->n > 0) {
		jw_key(j, "names");
		jw_open(j, "[");
		for (i = 0; i < dn->n; i++) {
			jw_item(j);
			jw_str(j, dn->attr[i].value);
		}
		jw_close(j, "]");
	}
	jw_close(j, "}");
	kiln_buf_free(&joined);
}

static const char *const ku_names[] = {"digital signature",
    "content commitment", "key encipherment", "data encipherment",
    "key agreement", "cert sign", "crl sign", "encipher only", "decipher only"};

static void
jw_key_usage(struct jw *j, unsigned int ku)
{
	size_t i;

	jw_key(j, "key_usage");
	jw_open(j, "[");
	for (i = 0; i < sizeof(ku_names) / sizeof(ku_names[0]); i++)
		if (ku & (1u << i)) {
			jw_item(j);
			jw_str(j, ku_names[i]);
		}
	jw_close(j, "]");
}

static void
jw_public_key(struct jw *j, const struct kiln_info *info)
{
	jw_kstr(j, "key_algorithm", info->key_algorithm);
	if (info->key_bits > 0)
		jw_kint(j, "key_size", info->key_bits);
	else
		jw_knull(j, "key_size");
	if (info->key_curve[0] != '\0')
		jw_kstr(j, "key_curve", info->key_curve);
	else
		jw_knull(j, "key_curve");
}

/* A certificate or CSR's PEM. */
static int
info_pem(
    const struct kiln_info *info, struct kiln_buf *pem, struct kiln_err *err)
{
	return kiln_pem_write(pem,
	    info->kind == KILN_INFO_CSR ? "CERTIFICATE REQUEST" : "CERTIFICATE",
	    info->der.p, info->der.len, err);
}

/* The extensions both certificates and CSRs carry. */
static void
jw_extensions(struct jw *j, const struct kiln_info *info)
{
	jw_kbool(j, "is_ca", info->is_ca);
	if (info->is_ca && info->max_path_len >= 0)
		jw_kint(j, "max_path_len", info->max_path_len);
	else
		jw_knull(j, "max_path_len");
	jw_key_usage(j, info->ku);
	jw_kstrs(j, "ext_key_usage", info->eku, info->neku);
	jw_kstrs(j, "emails", info->emails, info->nemails);
	jw_kstrs(j, "uris", info->uris, info->nuris);
}

/* cfssl's "sans": DNS names, then IP addresses. */
static void
jw_sans(struct jw *j, const struct kiln_info *info)
{
	size_t i;

	if (info->ndns + info->nips == 0)
		return;
	jw_key(j, "sans");
	jw_open(j, "[");
	for (i = 0; i < info->ndns; i++) {
		jw_item(j);
		jw_str(j, info->dns[i]);
	}
	for (i = 0; i < info->nips; i++) {
		jw_item(j);
		jw_str(j, info->ips[i]);
	}
	jw_close(j, "]");
}

static int
json_cert(struct jw *j, const struct kiln_info *info, unsigned int flags,
    long long now)
{
	struct kiln_buf tmp;
	char text[200];

	kiln_buf_init(&tmp);
	jw_dn(j, "subject", &info->subject);
	jw_dn(j, "issuer", &info->issuer);
	if (kiln_info_serial_decimal(info, &tmp, j->err) == -1 ||
	    kiln_buf_terminate(&tmp, j->err) == -1)
		goto cleanup;
	jw_kstr(j, "serial_number", (char *)tmp.p);
	jw_sans(j, info);
	kiln_rfc3339(info->not_before, text, sizeof(text));
	jw_kstr(j, "not_before", text);
	kiln_rfc3339(info->not_after, text, sizeof(text));
	jw_kstr(j, "not_after", text);
	jw_kstr(j, "sigalg", info->sigalg);
	kiln_hex_colon(info->aki, info->aki_len, text, sizeof(text));
	jw_kstr(j, "authority_key_id", text);
	kiln_hex_colon(info->ski, info->ski_len, text, sizeof(text));
	jw_kstr(j, "subject_key_id", text);
	tmp.len = 0;
	if (info_pem(info, &tmp, j->err) == -1 ||
	    kiln_buf_terminate(&tmp, j->err) == -1)
		goto cleanup;
	jw_kstr(j, "pem", (char *)tmp.p);
	if (flags & KILN_RENDER_CFSSL)
		goto cleanup;
	jw_public_key(j, info);
	jw_extensions(j, info);
	kiln_hex_colon(
	    info->fingerprint, sizeof(info->fingerprint), text, sizeof(text));
	jw_kstr(j, "fingerprint_sha256", text);
	jw_kint(j, "days_remaining", kiln_days_left(info->not_after, now));
	if (info->key_match)
		jw_kbool(j, "key_match", 1);
cleanup:
	kiln_buf_free(&tmp);
	return j->err->code != KILN_OK ? -1 : 0;
}

static int
json_csr(struct jw *j, const struct kiln_info *info)
{
	struct kiln_buf pem;
	char text[100];

	kiln_buf_init(&pem);
	jw_dn(j, "subject", &info->subject);
	jw_sans(j, info);
	jw_kstr(j, "sigalg", info->sigalg);
	if (info->sig_valid >= 0)
		jw_kbool(j, "signature_valid", info->sig_valid);
	else
		jw_knull(j, "signature_valid");
	if (info_pem(info, &pem, j->err) == 0 &&
	    kiln_buf_terminate(&pem, j->err) == 0)
		jw_kstr(j, "pem", (char *)pem.p);
	jw_public_key(j, info);
	kiln_hex_colon(info->key_id, sizeof(info->key_id), text, sizeof(text));
	jw_kstr(j, "subject_key_id", text);
	jw_extensions(j, info);
	if (info->key_match)
		jw_kbool(j, "key_match", 1);
	kiln_buf_free(&pem);
	return j->err->code != KILN_OK ? -1 : 0;
}

static int
json_key(struct jw *j, const struct kiln_info *info)
{
	char text[100];

	jw_public_key(j, info);
	kiln_hex_colon(info->key_id, sizeof(info->key_id), text, sizeof(text));
	jw_kstr(j, "subject_key_id", text);
	kiln_hex_colon(
	    info->fingerprint, sizeof(info->fingerprint), text, sizeof(text));
	jw_kstr(j, "spki_sha256", text);
	return j->err->code != KILN_OK ? -1 : 0;
}

/* One object; kiln's "file" key last when "file" is given. */
static int
json_object(struct jw *j, const struct kiln_info *info, unsigned int flags,
    long long now, const char *file)
{
	jw_open(j, "{");
	if ((info->kind == KILN_INFO_CERT  ? json_cert(j, info, flags, now)
	        : info->kind == KILN_INFO_CSR ? json_csr(j, info)
	                                      : json_key(j, info)) == -1)
		return -1;
	if (file != NULL && !(flags & KILN_RENDER_CFSSL))
		jw_kstr(j, "file", file);
	jw_close(j, "}");
	return j->err->code != KILN_OK ? -1 : 0;
}

static int
render_json(const struct kiln_info *v, size_t n, unsigned int flags,
    long long now, struct kiln_buf *out, struct kiln_err *err)
{
	struct jw j;
	size_t i;
	int array = n != 1 || (flags & KILN_RENDER_ARRAY);

	memset(&j, 0, sizeof(j));
	j.out = out;
	j.err = err;
	if (array)
		jw_open(&j, "[");
	for (i = 0; i < n; i++) {
		if (array)
			jw_item(&j);
		if (json_object(&j, &v[i], flags, now, NULL) == -1)
			return -1;
	}
	if (array)
		jw_close(&j, "]");
	jw_raw(&j, "\n");
	return err->code != KILN_OK ? -1 : 0;
}

static void
key_text(const struct kiln_info *info, char *out, size_t size)
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

static const char *const cert_head[] = {"SUBJECT CN", "SANS", "NOT AFTER",
    "DAYS LEFT", "ISSUER CN", "CA", "KEY"};
static const char *const csr_head[] = {
    "SUBJECT CN", "SANS", "KEY", "SIGNATURE"};
static const char *const key_head[] = {"KEY", "SUBJECT KEY ID"};

/* The columns for objects of "kind", after a FILE column if "files". */
static void
table_head(struct kiln_table *t, enum kiln_info_kind kind, int files)
{
	const char *const *head = kind == KILN_INFO_CERT  ? cert_head
	                          : kind == KILN_INFO_CSR ? csr_head
	                                                  : key_head;
	size_t c, n = kind == KILN_INFO_CERT ? 7 : kind == KILN_INFO_CSR ? 4 : 2;

	t->ncols = 0;
	if (files)
		t->head[t->ncols++] = "FILE";
	for (c = 0; c < n; c++) {
		t->right[t->ncols] = kind == KILN_INFO_CERT && c == 3;
		t->head[t->ncols++] = head[c];
	}
}

/* One row's cells for "info" into "row"; "b" is scratch. */
static int
table_row(const struct kiln_info *info, long long now, char **row,
    struct kiln_buf *b, struct kiln_err *err)
{
	char text[200];
	const char *cn = kiln_dn_last(&info->subject, "2.5.4.3");

	b->len = 0;
	kiln_join_sans(info, b, err);
	kiln_buf_terminate(b, err);
	key_text(info, text, sizeof(text));
	if (info->kind == KILN_INFO_KEY) {
		kiln_cell_set(&row[0], text, err);
		kiln_hex_colon(
		    info->key_id, sizeof(info->key_id), text, sizeof(text));
		kiln_str_set(&row[1], text, err);
	} else if (info->kind == KILN_INFO_CSR) {
		kiln_cell_set(&row[0], cn != NULL ? cn : "", err);
		kiln_cell_set(&row[1], b->len ? (char *)b->p : "", err);
		kiln_cell_set(&row[2], text, err);
		kiln_str_set(&row[3],
		    info->sig_valid == 1   ? "valid"
		    : info->sig_valid == 0 ? "INVALID"
		                           : "not checked",
		    err);
	} else {
		kiln_cell_set(&row[0], cn != NULL ? cn : "", err);
		kiln_cell_set(&row[1], b->len ? (char *)b->p : "", err);
		kiln_cell_set(&row[6], text, err);
		kiln_rfc3339(info->not_after, text, sizeof(text));
		kiln_str_set(&row[2], text, err);
		snprintf(text, sizeof(text), "%lld",
		    kiln_days_left(info->not_after, now));
		kiln_str_set(&row[3], text, err);
		cn = kiln_dn_last(&info->issuer, "2.5.4.3");
		kiln_cell_set(&row[4], cn != NULL ? cn : "", err);
		kiln_str_set(&row[5], info->is_ca ? "true" : "false", err);
	}
	return err->code != KILN_OK ? -1 : 0;
}

static int
render_table(const struct kiln_info *v, size_t n, long long now,
    struct kiln_buf *out, struct kiln_err *err)
{
	struct kiln_table t;
	struct kiln_buf b;
	size_t r;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	kiln_buf_init(&b);
	if (n == 0)
		return 0;
	table_head(&t, v[0].kind, 0);
	if ((t.cell = calloc(n * t.ncols, sizeof(*t.cell))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	t.nrows = n;
	for (r = 0; r < n; r++)
		if (table_row(&v[r], now, &t.cell[r * t.ncols], &b, err) == -1)
			goto cleanup;
	table_print(&t, out, err);
	rc = err->code != KILN_OK ? -1 : 0;
cleanup:
	if (t.cell != NULL)
		kiln_strs_free(t.cell, n * t.ncols);
	kiln_buf_free(&b);
	return rc;
}

/* Text, in the order of openssl x509 -text. */

/* Append a string. */
static void
put_str(struct kiln_buf *out, struct kiln_err *err, const char *s)
{
	kiln_buf_append(out, s, strlen(s), err);
}

/* Append text from a certificate or a file, escaped for a terminal. */
static void
put_esc(struct kiln_buf *out, struct kiln_err *err, const char *s)
{
	kiln_esc_append(out, s, strlen(s), err);
}

static void
text_dn(struct kiln_buf *out, struct kiln_err *err, const char *label,
    const struct kiln_dn *dn)
{
	size_t i;

	kiln_buf_printf(out, err, "    %s: ", label);
	for (i = 0; i < dn->n; i++) {
		if (i > 0)
			put_str(out, err, dn->attr[i].same_rdn ? " + " : ", ");
		put_esc(out, err, dn_short(dn->attr[i].oid));
		put_str(out, err, "=");
		put_esc(out, err, dn->attr[i].value);
	}
	put_str(out, err, "\n");
}

static void
text_list(struct kiln_buf *out, struct kiln_err *err, const char *prefix,
    char *const *v, size_t n, int *first)
{
	size_t i;

	for (i = 0; i < n; i++) {
		put_str(out, err, *first ? "            " : ", ");
		*first = 0;
		put_str(out, err, prefix);
		put_esc(out, err, v[i]);
	}
}

static const struct {
	const char *oid, *name;
} ext_names[] = {
    {"2.5.29.14", "Subject Key Identifier"},
    {"2.5.29.15", "Key Usage"},
    {"2.5.29.17", "Subject Alternative Name"},
    {"2.5.29.19", "Basic Constraints"},
    {"2.5.29.30", "Name Constraints"},
    {"2.5.29.31", "CRL Distribution Points"},
    {"2.5.29.32", "Certificate Policies"},
    {"2.5.29.35", "Authority Key Identifier"},
    {"2.5.29.37", "Extended Key Usage"},
    {"1.3.6.1.5.5.7.1.1", "Authority Information Access"},
    {"1.3.6.1.5.5.7.48.1.5", "OCSP No Check"},
    {"1.3.6.1.4.1.11129.2.4.2", "CT Precertificate SCTs"},
};

static void
text_extension(struct kiln_buf *out, struct kiln_err *err,
    const struct kiln_info *info, const struct kiln_ext *e)
{
	const char *name = e->oid;
	char hex[200];
	size_t i;
	int first = 1;

	for (i = 0; i < sizeof(ext_names) / sizeof(ext_names[0]); i++)
		if (strcmp(ext_names[i].oid, e->oid) == 0)
			name = ext_names[i].name;
	kiln_buf_printf(
	    out, err, "        %s:%s\n", name, e->critical ? " critical" : "");
	if (strcmp(e->oid, "2.5.29.14") == 0) {
		kiln_hex_colon(info->ski, info->ski_len, hex, sizeof(hex));
		kiln_buf_printf(out, err, "            %s\n", hex);
	} else if (strcmp(e->oid, "2.5.29.35") == 0) {
		kiln_hex_colon(info->aki, info->aki_len, hex, sizeof(hex));
		kiln_buf_printf(out, err, "            %s\n", hex);
	} else if (strcmp(e->oid, "2.5.29.15") == 0) {
		for (i = 0; i < sizeof(ku_names) / sizeof(ku_names[0]); i++)
			if (info->ku & (1u << i)) {
				kiln_buf_printf(out, err, "%s%s",
				    first ? "            " : ", ", ku_names[i]);
				first = 0;
			}
		put_str(out, err, "\n");
	} else if (strcmp(e->oid, "2.5.29.37") == 0) {
		text_list(out, err, "", info->eku, info->neku, &first);
		put_str(out, err, "\n");
	} else if (strcmp(e->oid, "2.5.29.19") == 0) {
		if (info->is_ca && info->max_path_len >= 0)
			kiln_buf_printf(out, err,
			    "            CA:TRUE, pathlen:%d\n",
			    info->max_path_len);
		else
			kiln_buf_printf(out, err, "            CA:%s\n",
			    info->is_ca ? "TRUE" : "FALSE");
	} else if (strcmp(e->oid, "2.5.29.17") == 0) {
		text_list(out, err, "DNS:", info->dns, info->ndns, &first);
		text_list(out, err, "IP:", info->ips, info->nips, &first);
		text_list(
		    out, err, "email:", info->emails, info->nemails, &first);
		text_list(out, err, "URI:", info->uris, info->nuris, &first);
		put_str(out, err, "\n");
	} else if (strcmp(e->oid, "2.5.29.30") == 0) {
		if (info->npermitted > 0) {
			put_str(out, err, "            Permitted:\n");
			for (i = 0; i < info->npermitted; i++) {
				put_str(out, err, "              ");
				put_esc(out, err, info->permitted[i]);
				put_str(out, err, "\n");
			}
		}
		if (info->nexcluded > 0) {
			put_str(out, err, "            Excluded:\n");
			for (i = 0; i < info->nexcluded; i++) {
				put_str(out, err, "              ");
				put_esc(out, err, info->excluded[i]);
				put_str(out, err, "\n");
			}
		}
	} else {
		kiln_hex_colon(info->der.p + e->off, e->len < 32 ? e->len : 32,
		    hex, sizeof(hex));
		kiln_buf_printf(out, err, "            %s%s\n", hex,
		    e->len > 32 ? ":..." : "");
	}
}

static int
text_one(const struct kiln_info *info, long long now, struct kiln_buf *out,
    struct kiln_err *err)
{
	struct kiln_buf serial;
	char when[64], hex[200], key[100];
	size_t i;

	kiln_buf_init(&serial);
	key_text(info, key, sizeof(key));
	if (info->kind == KILN_INFO_KEY) {
		kiln_buf_printf(out, err,
		    "Private Key:\n    Public Key Algorithm: %s\n",
		    info->key_algorithm);
		if (info->key_bits > 0)
			kiln_buf_printf(out, err, "    Key Size: %u bits\n",
			    info->key_bits);
		if (info->key_curve[0] != '\0')
			kiln_buf_printf(
			    out, err, "    Curve: %s\n", info->key_curve);
		kiln_hex_colon(
		    info->key_id, sizeof(info->key_id), hex, sizeof(hex));
		kiln_buf_printf(
		    out, err, "    Subject Key Identifier: %s\n", hex);
		kiln_hex_colon(info->fingerprint, sizeof(info->fingerprint),
		    hex, sizeof(hex));
		kiln_buf_printf(out, err, "    Public Key SHA-256: %s\n", hex);
		return err->code != KILN_OK ? -1 : 0;
	}
	if (info->kind == KILN_INFO_CSR) {
		kiln_buf_printf(out, err, "Certificate Request:\n");
	} else {
		if (kiln_info_serial_decimal(info, &serial, err) == -1 ||
		    kiln_buf_terminate(&serial, err) == -1)
			goto cleanup;
		kiln_hex_colon(
		    info->serial, info->serial_len, hex, sizeof(hex));
		kiln_buf_printf(
		    out, err, "Certificate:\n    Version: %d\n", info->version);
		kiln_buf_printf(out, err, "    Serial Number: %s\n        %s\n",
		    (char *)serial.p, hex);
		kiln_buf_printf(
		    out, err, "    Signature Algorithm: %s\n", info->sigalg);
		text_dn(out, err, "Issuer", &info->issuer);
		kiln_buf_printf(out, err, "    Validity\n");
		kiln_rfc3339(info->not_before, when, sizeof(when));
		kiln_buf_printf(out, err, "        Not Before: %s\n", when);
		kiln_rfc3339(info->not_after, when, sizeof(when));
		kiln_buf_printf(out, err,
		    "        Not After : %s (%lld days left)\n", when,
		    kiln_days_left(info->not_after, now));
	}
	text_dn(out, err, "Subject", &info->subject);
	kiln_buf_printf(out, err, "    Subject Public Key Info:\n");
	put_str(out, err, "        Public Key Algorithm: ");
	put_esc(out, err, key);
	put_str(out, err, "\n");
	kiln_hex_colon(info->key_id, sizeof(info->key_id), hex, sizeof(hex));
	kiln_buf_printf(out, err, "        Key Identifier (SHA-1): %s\n", hex);
	if (info->next > 0)
		kiln_buf_printf(out, err, "    %s:\n",
		    info->kind == KILN_INFO_CSR ? "Requested Extensions"
		                                : "X509v3 extensions");
	for (i = 0; i < info->next; i++)
		text_extension(out, err, info, &info->ext[i]);
	if (info->kind == KILN_INFO_CSR) {
		kiln_buf_printf(
		    out, err, "    Signature Algorithm: %s\n", info->sigalg);
		kiln_buf_printf(out, err, "    Signature: %s\n",
		    info->sig_valid == 1 ? "valid"
		    : info->sig_valid == 0
		        ? "INVALID"
		        : "not checked (algorithm not supported)");
	} else {
		kiln_hex_colon(info->fingerprint, sizeof(info->fingerprint),
		    hex, sizeof(hex));
		kiln_buf_printf(
		    out, err, "    Fingerprint (SHA-256): %s\n", hex);
	}
	if (info->key_match)
		kiln_buf_printf(out, err, "    Private key: matches\n");
cleanup:
	kiln_buf_free(&serial);
	return err->code != KILN_OK ? -1 : 0;
}

/*
 * The renderers above go on after a failed append and test their "err"
 * for the first failure: the public functions give them a local one,
 * clear, and pass it out once (kiln_err_pass: the caller's may be NULL
 * or hold an older error).
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
		rc = render_json(v, n, flags, now, out, &werr);
		break;
	case KILN_FORMAT_TABLE:
		rc = render_table(v, n, now, out, &werr);
		break;
	case KILN_FORMAT_TEXT:
		for (i = 0; i < n && rc == 0; i++) {
			if (i > 0)
				put_str(out, &werr, "\n");
			rc = text_one(&v[i], now, out, &werr);
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
			if (json_object(&j, &v[i], l->flags, l->now, file) == -1)
				goto cleanup;
			break;
		case KILN_FORMAT_TABLE:
			if (listing_grow(l, err) == -1)
				goto cleanup;
			kiln_cell_set(
			    &l->cell[l->count * LISTING_COLS], file, err);
			if (table_row(&v[i], l->now,
			        &l->cell[l->count * LISTING_COLS + 1], &b,
			        err) == -1)
				goto cleanup;
			break;
		case KILN_FORMAT_TEXT:
			put_str(out, err, l->count > 0 ? "\nFile: " : "File: ");
			put_esc(out, err, file);
			put_str(out, err, "\n");
			if (text_one(&v[i], l->now, out, err) == -1)
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
		table_head(&t, KILN_INFO_CERT, 1);
		t.cell = l->cell;
		t.nrows = l->count;
		table_print(&t, out, err);
		break;
	case KILN_FORMAT_TEXT:
		break;
	}
	return kiln_err_pass(caller, &werr);
}
