/*
 * Inspected objects as cfssl-certinfo's JSON: json.MarshalIndent with two
 * spaces, cfssl's keys in cfssl's order, then kiln's own keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strs.h"
#include "kiln/config.h"
#include "kiln/inspect.h"
#include "kiln/pem.h"
#include "report/certrender.h"
#include "report/format.h"

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
	for (k = 0; k < certinfo_dn_ncfssl; k++) {
		if (k < 2) { /* CN and serialNumber: the last one */
			if ((v = kiln_dn_last(dn, certinfo_dn_names[k].oid)) !=
			        NULL &&
			    v[0] != '\0')
				jw_kstr(j, certinfo_dn_names[k].json, v);
			continue;
		}
		joined.len = 0;
		for (i = 0, any = 0; i < dn->n; i++) {
			if (strcmp(dn->attr[i].oid, certinfo_dn_names[k].oid) !=
			    0)
				continue;
			if (any++)
				kiln_buf_append(&joined, ",", 1, j->err);
			kiln_buf_append(&joined, dn->attr[i].value,
			    strlen(dn->attr[i].value), j->err);
		}
		if (joined.len > 0 && kiln_buf_terminate(&joined, j->err) == 0)
			jw_kstr(j, certinfo_dn_names[k].json, (char *)joined.p);
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

static void
jw_key_usage(struct jw *j, unsigned int ku)
{
	size_t i;

	jw_key(j, "key_usage");
	jw_open(j, "[");
	for (i = 0; i < certinfo_nku; i++)
		if (ku & (1u << i)) {
			jw_item(j);
			jw_str(j, certinfo_ku_names[i]);
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
int
certinfo_json_object(struct jw *j, const struct kiln_info *info,
    unsigned int flags, long long now, const char *file)
{
	jw_open(j, "{");
	if ((info->kind == KILN_INFO_CERT     ? json_cert(j, info, flags, now)
	        : info->kind == KILN_INFO_CSR ? json_csr(j, info)
	                                      : json_key(j, info)) == -1)
		return -1;
	if (file != NULL && !(flags & KILN_RENDER_CFSSL))
		jw_kstr(j, "file", file);
	jw_close(j, "}");
	return j->err->code != KILN_OK ? -1 : 0;
}

int
certinfo_json(const struct kiln_info *v, size_t n, unsigned int flags,
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
		if (certinfo_json_object(&j, &v[i], flags, now, NULL) == -1)
			return -1;
	}
	if (array)
		jw_close(&j, "]");
	jw_raw(&j, "\n");
	return err->code != KILN_OK ? -1 : 0;
}
