/*
 * The certificate and CSR extensions kiln decodes: subject alternative
 * names, key identifiers, basic constraints, key usage, extended key
 * usage and name constraints.  The rest are recorded, not decoded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>

#include "asn1/oid.h"
#include "core/strs.h"
#include "asn1/x509.h"

/* General names, for SANs and name constraints. */

/* Go's net.IP.String(): dotted IPv4 (also IPv4-mapped), RFC 5952 IPv6. */
void
x509_ip_string(const unsigned char *ip, size_t n, char *out, size_t size)
{
	static const unsigned char mapped[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	int i, best = -1, bestlen = 0, run, len = 0;
	unsigned int g;

	if (n == 16 && memcmp(ip, mapped, 12) == 0)
		ip += 12, n = 4;
	if (n == 4) {
		snprintf(out, size, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
		return;
	}
	/* The longest run of two or more zero groups, the first if tied. */
	for (i = 0; i<8; i += run> 0 ? run : 1) {
		for (run = 0; i + run < 8 && ip[2 * (i + run)] == 0 &&
		              ip[2 * (i + run) + 1] == 0;
		     run++)
			;
		if (run >= 2 && run > bestlen)
			best = i, bestlen = run;
	}
	out[0] = '\0';
	for (i = 0; i < 8; i++) {
		if (i == best) {
			len += snprintf(out + len, size - (size_t)len, "::");
			i += bestlen - 1;
			continue;
		}
		g = (unsigned int)ip[2 * i] << 8 | ip[2 * i + 1];
		len += snprintf(out + len, size - (size_t)len, "%s%x",
		    i > 0 && i != best + bestlen ? ":" : "", g);
	}
}

/* A string general name (email, DNS, URI) as printable UTF-8. */
static int
push_name(char ***v, size_t *n, const struct rd *value, struct kiln_err *err)
{
	struct rd none = {NULL, NULL};
	char *s;
	int rc;

	if ((s = x509_decode_string(
	         MBEDTLS_ASN1_IA5_STRING, value, &none, err)) == NULL)
		return -1;
	rc = kiln_strs_push(v, n, s, err);
	free(s);
	return rc;
}

static int
parse_san(struct kiln_info *info, struct rd v, struct kiln_err *err)
{
	struct rd names, name;
	char ip[64];
	int tag, rc = 0;

	if (rd_tag(&v, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &names) == -1 ||
	    v.p != v.end)
		return kiln_err_set(
		    err, KILN_EINVAL, "bad subject alternative name");
	while (rc == 0 && names.p < names.end) {
		if (rd_any(&names, &tag, &name, NULL) == -1)
			return kiln_err_set(
			    err, KILN_EINVAL, "bad subject alternative name");
		switch (tag) {
		case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 1:
			rc = push_name(
			    &info->emails, &info->nemails, &name, err);
			break;
		case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2:
			rc = push_name(&info->dns, &info->ndns, &name, err);
			break;
		case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6:
			rc = push_name(&info->uris, &info->nuris, &name, err);
			break;
		case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7:
			if (rd_len(&name) != 4 && rd_len(&name) != 16)
				return kiln_err_set(err, KILN_EINVAL,
				    "subject alternative name: IP address of "
				    "%zu bytes",
				    rd_len(&name));
			x509_ip_string(name.p, rd_len(&name), ip, sizeof(ip));
			rc = kiln_strs_push(&info->ips, &info->nips, ip, err);
			break;
		default: /* otherName, directoryName, ...: counted only */
			info->nother_sans++;
			break;
		}
	}
	return rc;
}

/* One name constraints subtree entry, "DNS:example.com" and so on. */
static int
push_subtree(char ***v, size_t *n, struct rd subtree, struct kiln_err *err)
{
	struct rd name, none = {NULL, NULL};
	struct kiln_dn dn = {NULL, 0};
	struct kiln_buf b;
	char ip[64], mask[64], *s = NULL;
	const char *prefix;
	int tag, rc = -1;
	size_t i;

	kiln_buf_init(&b);
	if (rd_any(&subtree, &tag, &name, NULL) == -1) {
		kiln_err_set(err, KILN_EINVAL, "bad name constraints");
		goto cleanup;
	}
	switch (tag) {
	case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 1:
	case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2:
	case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6:
		prefix = tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 1)   ? "email:"
		         : tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2) ? "DNS:"
		                                                      : "URI:";
		if ((s = x509_decode_string(
		         MBEDTLS_ASN1_IA5_STRING, &name, &none, err)) == NULL)
			goto cleanup;
		kiln_buf_append(&b, prefix, strlen(prefix), err);
		kiln_buf_append(&b, s, strlen(s), err);
		break;
	case MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7:
		if (rd_len(&name) != 8 && rd_len(&name) != 32) {
			kiln_err_set(err, KILN_EINVAL,
			    "name constraints: IP range of %zu bytes",
			    rd_len(&name));
			goto cleanup;
		}
		x509_ip_string(name.p, rd_len(&name) / 2, ip, sizeof(ip));
		x509_ip_string(name.p + rd_len(&name) / 2, rd_len(&name) / 2,
		    mask, sizeof(mask));
		kiln_buf_append(&b, "IP:", 3, err);
		kiln_buf_append(&b, ip, strlen(ip), err);
		kiln_buf_append(&b, "/", 1, err);
		kiln_buf_append(&b, mask, strlen(mask), err);
		break;
	case MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 4:
		if (rd_tag(&name,
		        MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
		        &name) == -1 ||
		    x509_parse_dn(name, &dn, err) == -1)
			goto cleanup;
		kiln_buf_append(&b, "DirName:", 8, err);
		for (i = 0; i < dn.n; i++) {
			if (i > 0)
				kiln_buf_append(&b, ", ", 2, err);
			kiln_buf_append(
			    &b, dn.attr[i].oid, strlen(dn.attr[i].oid), err);
			kiln_buf_append(&b, "=", 1, err);
			kiln_buf_append(&b, dn.attr[i].value,
			    strlen(dn.attr[i].value), err);
		}
		break;
	default:
		snprintf(ip, sizeof(ip), "name of type [%d]", tag & 0x1f);
		kiln_buf_append(&b, ip, strlen(ip), err);
		break;
	}
	if (kiln_buf_terminate(&b, err) == -1)
		goto cleanup;
	rc = kiln_strs_push(v, n, (char *)b.p, err);
cleanup:
	free(s);
	x509_dn_free(&dn);
	kiln_buf_free(&b);
	return rc;
}

static int
parse_nc(struct kiln_info *info, struct rd v, struct kiln_err *err)
{
	struct rd nc, trees, subtree;
	int tag;

	if (rd_tag(&v, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, &nc) ==
	        -1 ||
	    v.p != v.end)
		return kiln_err_set(err, KILN_EINVAL, "bad name constraints");
	while (nc.p < nc.end) {
		if (rd_any(&nc, &tag, &trees, NULL) == -1 ||
		    (tag != 0xa0 && tag != 0xa1))
			return kiln_err_set(
			    err, KILN_EINVAL, "bad name constraints");
		while (trees.p < trees.end) {
			if (rd_tag(&trees,
			        MBEDTLS_ASN1_CONSTRUCTED |
			            MBEDTLS_ASN1_SEQUENCE,
			        &subtree) == -1)
				return kiln_err_set(
				    err, KILN_EINVAL, "bad name constraints");
			if (tag == 0xa0
			        ? push_subtree(&info->permitted,
			              &info->npermitted, subtree, err) == -1
			        : push_subtree(&info->excluded,
			              &info->nexcluded, subtree, err) == -1)
				return -1;
		}
	}
	return 0;
}

/* Extended key usages by cfssl's names. */
static const struct {
	const char *oid, *name;
} ekus[] = {
    {KILN_OID_EKU_ANY, "any"},
    {KILN_OID_EKU_SERVER_AUTH, "server auth"},
    {KILN_OID_EKU_CLIENT_AUTH, "client auth"},
    {KILN_OID_EKU_CODE_SIGNING, "code signing"},
    {KILN_OID_EKU_EMAIL_PROTECTION, "email protection"},
    {KILN_OID_EKU_IPSEC_END_SYSTEM, "ipsec end system"},
    {KILN_OID_EKU_IPSEC_TUNNEL, "ipsec tunnel"},
    {KILN_OID_EKU_IPSEC_USER, "ipsec user"},
    {KILN_OID_EKU_TIMESTAMPING, "timestamping"},
    {KILN_OID_EKU_OCSP_SIGNING, "ocsp signing"},
    {KILN_OID_EKU_MICROSOFT_SGC, "microsoft sgc"},
    {KILN_OID_EKU_NETSCAPE_SGC, "netscape sgc"},
};

static int
parse_eku(struct kiln_info *info, struct rd v, struct kiln_err *err)
{
	struct rd seq;
	char oid[64];
	const char *name;
	size_t i;

	if (rd_tag(&v, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &seq) == -1 ||
	    v.p != v.end)
		return kiln_err_set(err, KILN_EINVAL, "bad extended key usage");
	while (seq.p < seq.end) {
		if (rd_oid(&seq, oid, sizeof(oid)) == -1)
			return kiln_err_set(
			    err, KILN_EINVAL, "bad extended key usage");
		name = oid;
		for (i = 0; i < sizeof(ekus) / sizeof(ekus[0]); i++)
			if (strcmp(ekus[i].oid, oid) == 0)
				name = ekus[i].name;
		if (kiln_strs_push(&info->eku, &info->neku, name, err) == -1)
			return -1;
	}
	return 0;
}

static int
parse_ku(struct kiln_info *info, struct rd v, struct kiln_err *err)
{
	struct rd bits;
	size_t i, n;

	if (rd_tag(&v, MBEDTLS_ASN1_BIT_STRING, &bits) == -1 || v.p != v.end ||
	    rd_len(&bits) < 1 || bits.p[0] > 7)
		return kiln_err_set(err, KILN_EINVAL, "bad key usage");
	n = (rd_len(&bits) - 1) * 8;
	for (i = 0; i < n && i < 9; i++)
		if (bits.p[1 + i / 8] & (0x80 >> (i % 8)))
			info->ku |= 1u << i;
	info->has_ku = 1;
	return 0;
}

static int
parse_bc(struct kiln_info *info, struct rd v, struct kiln_err *err)
{
	struct rd seq;
	int ca = 0, pathlen;

	if (rd_tag(&v, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &seq) == -1 ||
	    v.p != v.end)
		return kiln_err_set(err, KILN_EINVAL, "bad basic constraints");
	if (rd_peek(&seq, MBEDTLS_ASN1_BOOLEAN) && rd_bool(&seq, &ca) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad basic constraints");
	info->max_path_len = -1;
	if (seq.p < seq.end) {
		if (rd_int(&seq, &pathlen) == -1 || pathlen < 0)
			return kiln_err_set(
			    err, KILN_EINVAL, "bad basic constraints");
		info->max_path_len = pathlen;
	}
	if (seq.p != seq.end)
		return kiln_err_set(err, KILN_EINVAL, "bad basic constraints");
	info->has_bc = 1;
	info->is_ca = ca != 0;
	return 0;
}

static int
parse_key_id(unsigned char *out, size_t *len, size_t size, struct rd v, int tag,
    struct kiln_err *err)
{
	struct rd id;

	if (rd_tag(&v, tag, &id) == -1)
		return kiln_err_set(err, KILN_EINVAL, "bad key identifier");
	if (rd_len(&id) > size)
		return kiln_err_set(err, KILN_EINVAL,
		    "key identifier of %zu bytes", rd_len(&id));
	memcpy(out, id.p, rd_len(&id));
	*len = rd_len(&id);
	return 0;
}

static int
parse_aki(struct kiln_info *info, struct rd v, struct kiln_err *err)
{
	struct rd seq;

	if (rd_tag(&v, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE,
	        &seq) == -1 ||
	    v.p != v.end)
		return kiln_err_set(
		    err, KILN_EINVAL, "bad authority key identifier");
	if (!rd_peek(&seq, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0))
		return 0;
	return parse_key_id(info->aki, &info->aki_len, sizeof(info->aki), seq,
	    MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0, err);
}

/* Every extension of "exts" (the Extensions SEQUENCE contents). */
int
x509_parse_extensions(
    struct kiln_info *info, struct rd exts, struct kiln_err *err)
{
	struct rd oid, value;
	struct kiln_ext *e;
	int critical, rc;

	while (exts.p < exts.end) {
		if (x509_ext_next(&exts, &oid, &critical, &value) == -1)
			return kiln_err_set(err, KILN_EINVAL, "bad extension");
		if ((e = realloc(info->ext, (info->next + 1) * sizeof(*e))) ==
		    NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		info->ext = e;
		e = &info->ext[info->next];
		rd_oid_text(&oid, e->oid, sizeof(e->oid));
		e->critical = critical != 0;
		e->off = (size_t)(value.p - info->der.p);
		e->len = rd_len(&value);
		info->next++;

		rc = 0;
		if (strcmp(e->oid, KILN_OID_EXT_SAN) == 0)
			rc = parse_san(info, value, err);
		else if (strcmp(e->oid, KILN_OID_EXT_SKI) == 0)
			rc = parse_key_id(info->ski, &info->ski_len,
			    sizeof(info->ski), value, MBEDTLS_ASN1_OCTET_STRING,
			    err);
		else if (strcmp(e->oid, KILN_OID_EXT_AKI) == 0)
			rc = parse_aki(info, value, err);
		else if (strcmp(e->oid, KILN_OID_EXT_BC) == 0)
			rc = parse_bc(info, value, err);
		else if (strcmp(e->oid, KILN_OID_EXT_KU) == 0)
			rc = parse_ku(info, value, err);
		else if (strcmp(e->oid, KILN_OID_EXT_EKU) == 0)
			rc = parse_eku(info, value, err);
		else if (strcmp(e->oid, KILN_OID_EXT_NAME_CONSTRAINTS) == 0)
			rc = parse_nc(info, value, err);
		if (rc == -1)
			return -1;
	}
	return 0;
}
