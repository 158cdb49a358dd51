/*
 * Inspected objects as text, in the order of openssl x509 -text; what
 * comes from a certificate or a file is escaped for a terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asn1/oid.h"
#include "core/strs.h"
#include "kiln/esc.h"
#include "kiln/inspect.h"
#include "report/certrender.h"
#include "report/format.h"

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
		put_esc(out, err, certinfo_dn_short(dn->attr[i].oid));
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
    {KILN_OID_EXT_SKI, "Subject Key Identifier"},
    {KILN_OID_EXT_KU, "Key Usage"},
    {KILN_OID_EXT_SAN, "Subject Alternative Name"},
    {KILN_OID_EXT_BC, "Basic Constraints"},
    {KILN_OID_EXT_NAME_CONSTRAINTS, "Name Constraints"},
    {KILN_OID_EXT_CRL_DP, "CRL Distribution Points"},
    {KILN_OID_EXT_POLICIES, "Certificate Policies"},
    {KILN_OID_EXT_AKI, "Authority Key Identifier"},
    {KILN_OID_EXT_EKU, "Extended Key Usage"},
    {KILN_OID_EXT_AIA, "Authority Information Access"},
    {KILN_OID_EXT_OCSP_NO_CHECK, "OCSP No Check"},
    {KILN_OID_EXT_CT_SCTS, "CT Precertificate SCTs"},
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
	if (strcmp(e->oid, KILN_OID_EXT_SKI) == 0) {
		kiln_hex_colon(info->ski, info->ski_len, hex, sizeof(hex));
		kiln_buf_printf(out, err, "            %s\n", hex);
	} else if (strcmp(e->oid, KILN_OID_EXT_AKI) == 0) {
		kiln_hex_colon(info->aki, info->aki_len, hex, sizeof(hex));
		kiln_buf_printf(out, err, "            %s\n", hex);
	} else if (strcmp(e->oid, KILN_OID_EXT_KU) == 0) {
		for (i = 0; i < certinfo_nku; i++)
			if (info->ku & (1u << i)) {
				kiln_buf_printf(out, err, "%s%s",
				    first ? "            " : ", ",
				    certinfo_ku_names[i]);
				first = 0;
			}
		put_str(out, err, "\n");
	} else if (strcmp(e->oid, KILN_OID_EXT_EKU) == 0) {
		text_list(out, err, "", info->eku, info->neku, &first);
		put_str(out, err, "\n");
	} else if (strcmp(e->oid, KILN_OID_EXT_BC) == 0) {
		if (info->is_ca && info->max_path_len >= 0)
			kiln_buf_printf(out, err,
			    "            CA:TRUE, pathlen:%d\n",
			    info->max_path_len);
		else
			kiln_buf_printf(out, err, "            CA:%s\n",
			    info->is_ca ? "TRUE" : "FALSE");
	} else if (strcmp(e->oid, KILN_OID_EXT_SAN) == 0) {
		text_list(out, err, "DNS:", info->dns, info->ndns, &first);
		text_list(out, err, "IP:", info->ips, info->nips, &first);
		text_list(
		    out, err, "email:", info->emails, info->nemails, &first);
		text_list(out, err, "URI:", info->uris, info->nuris, &first);
		put_str(out, err, "\n");
	} else if (strcmp(e->oid, KILN_OID_EXT_NAME_CONSTRAINTS) == 0) {
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

int
certinfo_text(const struct kiln_info *info, long long now, struct kiln_buf *out,
    struct kiln_err *err)
{
	struct kiln_buf serial;
	char when[64], hex[200], key[100];
	size_t i;

	kiln_buf_init(&serial);
	certinfo_key_text(info, key, sizeof(key));
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
