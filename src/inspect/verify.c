/*
 * What etcd (Go's crypto/tls and crypto/x509) would say of a certificate,
 * checked before etcd says "bad certificate".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/oid.h>

#include "asn1/oid.h"
#include "kiln/inspect.h"
#include "kiln/request.h"
#include "kiln/time.h"
#include "kiln/verify.h"
#include "core/strs.h"

static int problem(char ***v, size_t *n, struct kiln_err *err, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int
problem(char ***v, size_t *n, struct kiln_err *err, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return kiln_strs_push(v, n, line, err);
}

int
kiln_verify_key_ids(struct kiln_buf *out, const unsigned char *der, size_t len,
    const mbedtls_x509_crt *ca, struct kiln_err *err)
{
	struct kiln_infos mine, theirs;
	const mbedtls_x509_crt *t;
	struct kiln_buf skis;
	char hex[3 * 64 + 1];
	size_t n = 0, i;
	int same = 0, rc = -1;

	kiln_infos_init(&mine);
	kiln_infos_init(&theirs);
	kiln_buf_init(&skis);
	if (kiln_inspect_certs(&mine, der, len, err) == -1)
		goto cleanup;
	for (t = ca; t != NULL && t->raw.p != NULL; t = t->next)
		if (kiln_inspect_certs(&theirs, t->raw.p, t->raw.len, err) ==
		    -1)
			goto cleanup;
	for (i = 0; i < theirs.n; i++) {
		if (theirs.v[i].ski_len == 0)
			continue;
		kiln_hex_colon(
		    theirs.v[i].ski, theirs.v[i].ski_len, hex, sizeof(hex));
		if (kiln_buf_printf(
		        &skis, err, "%s%s", n > 0 ? ", " : "", hex) == -1)
			goto cleanup;
		n++;
		same |= theirs.v[i].ski_len == mine.v[0].aki_len &&
		        memcmp(theirs.v[i].ski, mine.v[0].aki,
		            mine.v[0].aki_len) == 0;
	}
	if (kiln_buf_terminate(&skis, err) == -1)
		goto cleanup;
	kiln_hex_colon(mine.v[0].aki, mine.v[0].aki_len, hex, sizeof(hex));
	if (same)
		rc = kiln_buf_printf(out, err,
		    "its authority key identifier %s is the CA's, but the "
		    "CA's key did not sign it",
		    hex);
	else if (mine.v[0].aki_len == 0)
		rc = kiln_buf_printf(out, err,
		    "it has no authority key identifier, %s %s",
		    n > 1 ? "the CAs' subject key identifiers are"
		          : "the CA's subject key identifier is",
		    n > 0 ? (char *)skis.p : "none");
	else
		rc = kiln_buf_printf(out, err,
		    "its authority key identifier is %s, %s %s", hex,
		    n > 1 ? "the CAs' subject key identifiers are"
		          : "the CA's subject key identifier is",
		    n > 0 ? (char *)skis.p : "none");
	if (rc == 0)
		rc = kiln_buf_terminate(out, err);
cleanup:
	kiln_infos_free(&mine);
	kiln_infos_free(&theirs);
	kiln_buf_free(&skis);
	return rc;
}

static int
check_dates(const struct kiln_verify *v, const struct kiln_info *c, char ***p,
    size_t *n, struct kiln_err *err)
{
	char when[64];

	if (v->now < c->not_before) {
		kiln_rfc3339(c->not_before, when, sizeof(when));
		return problem(p, n, err,
		    "not valid until %s: etcd refuses it with \"x509: "
		    "certificate has expired or is not yet valid\"",
		    when);
	}
	if (v->now > c->not_after) {
		kiln_rfc3339(c->not_after, when, sizeof(when));
		return problem(p, n, err,
		    "expired on %s: etcd refuses it with \"x509: certificate "
		    "has expired or is not yet valid\" (the other side logs "
		    "\"bad certificate\")",
		    when);
	}
	return 0;
}

/* What the verify callback notes of the certificates above the leaf. */
struct chain_notes {
	enum kiln_role role;
	char dates[512];  /* an issuer out of its dates */
	char usages[512]; /* an issuer whose extended key usages exclude ours */
	const mbedtls_x509_crt *top; /* the deepest certificate of the path */
	int top_depth;
};

static void
cn_of(const mbedtls_x509_crt *crt, char *out, size_t size)
{
	const mbedtls_x509_name *n;

	snprintf(out, size, "?");
	for (n = &crt->subject; n != NULL; n = n->next)
		if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0)
			snprintf(out, size, "%.*s", (int)n->val.len, n->val.p);
}

/* Whether "crt" allows the usages "role" needs (no EKU allows all). */
static int
eku_allows(const mbedtls_x509_crt *crt, enum kiln_role role)
{
	int server = role == KILN_ROLE_SERVER || role == KILN_ROLE_PEER,
	    client = role != KILN_ROLE_ANY;

	return (!server ||
	           mbedtls_x509_crt_check_extended_key_usage(crt,
	               MBEDTLS_OID_SERVER_AUTH,
	               MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)) == 0) &&
	       (!client || mbedtls_x509_crt_check_extended_key_usage(crt,
	                       MBEDTLS_OID_CLIENT_AUTH,
	                       MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)) == 0);
}

/*
 * Called by mbedTLS for each certificate of the chain it built.  Go
 * checks the dates of every one, and lets an issuer's extended key usages
 * restrict those under it; the leaf's own are judged elsewhere.
 */
static int
note_chain(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct chain_notes *cn = arg;
	const mbedtls_x509_time *t = &crt->valid_to;
	char name[128];

	if (cn->top == NULL || depth > cn->top_depth) {
		cn->top = crt;
		cn->top_depth = depth;
	}
	if (depth == 0)
		return 0;
	cn_of(crt, name, sizeof(name));
	if (cn->dates[0] == '\0' &&
	    (*flags &
	        (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE))) {
		if (*flags & MBEDTLS_X509_BADCERT_FUTURE)
			t = &crt->valid_from;
		snprintf(cn->dates, sizeof(cn->dates),
		    "its issuer \"%s\" %s %04d-%02d-%02dT%02d:%02d:%02dZ: etcd "
		    "refuses it with \"x509: certificate has expired or is not "
		    "yet valid\"",
		    name,
		    *flags & MBEDTLS_X509_BADCERT_FUTURE ? "is not valid until"
		                                         : "expired on",
		    t->year, t->mon, t->day, t->hour, t->min, t->sec);
	}
	if (cn->usages[0] == '\0' && !eku_allows(crt, cn->role))
		snprintf(cn->usages, sizeof(cn->usages),
		    "its issuer \"%s\" limits its extended key usages, and Go "
		    "applies them to what it signs: etcd refuses it with "
		    "\"x509: certificate specifies an incompatible key usage\"",
		    name);
	return 0;
}

static int
dn_equal(const struct kiln_dn *a, const struct kiln_dn *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->attr[i].oid, b->attr[i].oid) != 0 ||
		    strcmp(a->attr[i].value, b->attr[i].value) != 0)
			return 0;
	return 1;
}

size_t
kiln_verify_leaf(const struct kiln_infos *file)
{
	size_t i, k;

	for (i = 0; i < file->n; i++)
		if (!file->v[i].is_ca)
			return i;
	/* CAs only: the one that issued none of the others. */
	for (i = 0; i < file->n; i++) {
		for (k = 0; k < file->n; k++)
			if (k != i &&
			    dn_equal(&file->v[k].issuer, &file->v[i].subject) &&
			    !dn_equal(&file->v[k].subject, &file->v[k].issuer))
				break;
		if (k == file->n)
			return i;
	}
	return 0;
}

/* The chain, by mbedTLS; the leaf's own dates are judged above. */
static int
check_chain(const struct kiln_verify *v, const struct kiln_infos *file,
    size_t leaf, char ***p, size_t *n, struct kiln_err *err)
{
	const struct kiln_info *c = &file->v[leaf];
	struct chain_notes notes;
	struct kiln_buf ids;
	mbedtls_x509_crt chain;
	uint32_t flags = 0;
	char info[512];
	const char *issuer;
	size_t i;
	int ret, rc = 0;

	memset(&notes, 0, sizeof(notes));
	notes.role = v->role;
	mbedtls_x509_crt_init(&chain);
	ret = mbedtls_x509_crt_parse_der(&chain, c->der.p, c->der.len);
	for (i = 0; ret == 0 && i < file->n; i++)
		if (i != leaf)
			(void)mbedtls_x509_crt_parse_der(
			    &chain, file->v[i].der.p, file->v[i].der.len);
	if (ret != 0) {
		rc = problem(p, n, err,
		    "mbedTLS cannot read it (an unknown critical extension, or "
		    "a %s key), so its chain was not checked",
		    c->key_algorithm);
		goto cleanup;
	}
	mbedtls_x509_crt_verify(&chain, (mbedtls_x509_crt *)v->ca, NULL, NULL,
	    &flags, note_chain, &notes);
	flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED |
	                     MBEDTLS_X509_BADCERT_FUTURE);
	issuer = kiln_dn_last(&c->issuer, KILN_OID_AT_CN);
	if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
		kiln_buf_init(&ids);
		if (notes.top == NULL ||
		    kiln_verify_key_ids(&ids, notes.top->raw.p,
		        notes.top->raw.len, v->ca, err) == -1) {
			kiln_buf_free(&ids);
			rc = -1;
			goto cleanup;
		}
		rc = problem(p, n, err,
		    "not issued by the CA given (its issuer is \"%s\"; %s): "
		    "etcd refuses it with \"x509: certificate signed by "
		    "unknown authority\"",
		    issuer != NULL ? issuer : "", (char *)ids.p);
		kiln_buf_free(&ids);
		flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_NOT_TRUSTED;
	}
	if (rc == 0 && (flags & MBEDTLS_X509_BADCERT_BAD_MD)) {
		rc = problem(p, n, err,
		    "signed with %s, a hash Go refuses: etcd logs \"x509: "
		    "cannot verify signature: insecure algorithm\"",
		    c->sigalg);
		flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_BAD_MD;
	}
	if (rc == 0 && flags != 0 &&
	    mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags) > 0) {
		info[strcspn(info, "\n")] = '\0';
		rc = problem(p, n, err, "its chain does not verify: %s", info);
	}
	if (rc == 0 && notes.dates[0] != '\0')
		rc = problem(p, n, err, "%s", notes.dates);
	if (rc == 0 && notes.usages[0] != '\0')
		rc = problem(p, n, err, "%s", notes.usages);
cleanup:
	mbedtls_x509_crt_free(&chain);
	return rc;
}

static int
has_eku(const struct kiln_info *c, const char *name)
{
	size_t i;

	if (c->neku == 0)
		return 1; /* no extension: any usage, as Go reads it */
	for (i = 0; i < c->neku; i++)
		if (strcmp(c->eku[i], name) == 0 ||
		    strcmp(c->eku[i], "any") == 0)
			return 1;
	return 0;
}

static int
check_role(const struct kiln_verify *v, const struct kiln_info *c, char ***p,
    size_t *n, struct kiln_err *err)
{
	switch (v->role) {
	case KILN_ROLE_ANY:
		return 0;
	case KILN_ROLE_SERVER:
		if (!has_eku(c, "server auth") &&
		    problem(p, n, err,
		        "no server auth usage: etcd's clients refuse it with "
		        "\"x509: certificate specifies an incompatible key "
		        "usage\"") == -1)
			return -1;
		if (!has_eku(c, "client auth"))
			return problem(p, n, err,
			    "no client auth usage: etcd also dials with its "
			    "server certificate (the gRPC gateway, "
			    "client-cert-auth), and those connections fail "
			    "with \"bad certificate\"");
		return 0;
	case KILN_ROLE_PEER:
		if (!has_eku(c, "client auth") &&
		    problem(p, n, err,
		        "no client auth usage: etcd peers refuse it with \"bad "
		        "certificate\" (and log \"x509: certificate specifies "
		        "an incompatible key usage\")") == -1)
			return -1;
		if (!has_eku(c, "server auth"))
			return problem(p, n, err,
			    "no server auth usage: peers connecting to this "
			    "member refuse it with \"x509: certificate "
			    "specifies an incompatible key usage\"");
		return 0;
	case KILN_ROLE_CLIENT:
		if (!has_eku(c, "client auth"))
			return problem(p, n, err,
			    "no client auth usage: etcd refuses it with \"bad "
			    "certificate\" (and logs \"x509: certificate "
			    "specifies an incompatible key usage\")");
		return 0;
	}
	return 0;
}

/* Go's matching: one left-most "*" label, case-insensitive. */
static int
dns_match(const char *pattern, const char *host)
{
	const char *dot;

	if (strcasecmp(pattern, host) == 0)
		return 1;
	if (strncmp(pattern, "*.", 2) != 0 ||
	    (dot = strchr(host, '.')) == NULL || dot == host)
		return 0;
	return strcasecmp(pattern + 1, dot) == 0;
}

static int
check_host(const struct kiln_info *c, const char *host, enum kiln_role role,
    char ***p, size_t *n, struct kiln_err *err)
{
	unsigned char want[16], have[16];
	char name[256];
	struct kiln_buf names;
	size_t i, len = 0, hl;
	int rc;

	/* As Go's VerifyHostname: "[::1]" is ::1, "name." is "name". */
	snprintf(name, sizeof(name), "%s", host);
	if (name[0] == '[' && name[strlen(name) - 1] == ']') {
		memmove(name, name + 1, strlen(name));
		name[strlen(name) - 1] = '\0';
	}
	len = kiln_ip_parse(name, want);
	if (len == 0 && name[0] != '\0' && name[strlen(name) - 1] == '.')
		name[strlen(name) - 1] = '\0';
	for (i = 0; len > 0 && i < c->nips; i++) {
		hl = kiln_ip_parse(c->ips[i], have);
		if (hl == len && memcmp(have, want, len) == 0)
			return 0;
	}
	for (i = 0; len == 0 && i < c->ndns; i++)
		if (dns_match(c->dns[i], name))
			return 0;
	kiln_buf_init(&names);
	kiln_join_sans(c, &names, err);
	kiln_buf_terminate(&names, err);
	rc = problem(p, n, err,
	    "no SAN for %s (it has: %s): etcd logs \"x509: certificate is "
	    "valid for ..., not %s\"%s",
	    host, names.len > 0 ? (char *)names.p : "none", host,
	    len > 0 && role == KILN_ROLE_PEER
	        ? "; a peer's connections come from an address that must be "
	          "there"
	        : "");
	kiln_buf_free(&names);
	return rc;
}

int
kiln_verify(const struct kiln_verify *v, const struct kiln_infos *file,
    char ***p, size_t *n, struct kiln_err *err)
{
	size_t leaf = kiln_verify_leaf(file), i;
	const struct kiln_info *c = &file->v[leaf];
	struct kiln_err kerr;
	int match;

	if (check_dates(v, c, p, n, err) == -1 ||
	    check_chain(v, file, leaf, p, n, err) == -1 ||
	    check_role(v, c, p, n, err) == -1)
		return -1;
	for (i = 0; i < v->n_hosts; i++)
		if (check_host(c, v->hosts[i], v->role, p, n, err) == -1)
			return -1;
	if (v->key == NULL)
		return 0;
	/* A key that cannot be compared is a problem, not an error. */
	kiln_err_clear(&kerr);
	match = kiln_inspect_key_match(c, v->key, v->rng, &kerr);
	if (match == -1) {
		return problem(p, n, err,
		    "its %s key cannot be compared with the private key given",
		    c->key_algorithm);
	}
	if (match == 1)
		return problem(p, n, err,
		    "the private key given does not belong to it: %s with "
		    "\"tls: private key does not match public key\"",
		    v->role == KILN_ROLE_CLIENT
		        ? "the client (etcdctl, kube-apiserver) fails"
		        : "etcd fails to start");
	return 0;
}
