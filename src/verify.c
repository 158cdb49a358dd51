/*
 * What etcd (Go's crypto/tls and crypto/x509) would say of a certificate,
 * checked before etcd says "bad certificate".
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kiln/verify.h"
#include "out.h"
#include "strs.h"

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

/* The chain, by mbedTLS; the dates are judged above. */
static int
check_chain(const struct kiln_verify *v, const struct kiln_infos *file,
    char ***p, size_t *n, struct kiln_err *err)
{
	const struct kiln_info *c = &file->v[0];
	mbedtls_x509_crt chain;
	uint32_t flags = 0;
	char info[512];
	const char *issuer;
	size_t i;
	int ret, rc = 0;

	mbedtls_x509_crt_init(&chain);
	ret = mbedtls_x509_crt_parse_der(&chain, c->der.p, c->der.len);
	for (i = 1; ret == 0 && i < file->n; i++)
		(void)mbedtls_x509_crt_parse_der(
		    &chain, file->v[i].der.p, file->v[i].der.len);
	if (ret != 0) {
		rc = problem(p, n, err,
		    "mbedTLS cannot read it (an extension it does not know is "
		    "critical?), so its chain was not checked");
		goto cleanup;
	}
	mbedtls_x509_crt_verify(
	    &chain, (mbedtls_x509_crt *)v->ca, NULL, NULL, &flags, NULL, NULL);
	flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED |
	                     MBEDTLS_X509_BADCERT_FUTURE);
	issuer = kiln_dn_last(&c->issuer, "2.5.4.3");
	if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
		rc = problem(p, n, err,
		    "not issued by the CA given (its issuer is \"%s\"): etcd "
		    "refuses it with \"x509: certificate signed by unknown "
		    "authority\"",
		    issuer != NULL ? issuer : "");
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
	struct kiln_buf names;
	size_t i, len = 0, hl;
	int rc;

	if (inet_pton(AF_INET, host, want) == 1)
		len = 4;
	else if (inet_pton(AF_INET6, host, want) == 1)
		len = 16;
	for (i = 0; len > 0 && i < c->nips; i++) {
		hl = inet_pton(AF_INET, c->ips[i], have) == 1    ? 4
		     : inet_pton(AF_INET6, c->ips[i], have) == 1 ? 16
		                                                 : 0;
		if (hl == len && memcmp(have, want, len) == 0)
			return 0;
	}
	for (i = 0; len == 0 && i < c->ndns; i++)
		if (dns_match(c->dns[i], host))
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
	const struct kiln_info *c = &file->v[0];
	size_t i;
	int match;

	if (check_dates(v, c, p, n, err) == -1 ||
	    check_chain(v, file, p, n, err) == -1 ||
	    check_role(v, c, p, n, err) == -1)
		return -1;
	for (i = 0; i < v->n_hosts; i++)
		if (check_host(c, v->hosts[i], v->role, p, n, err) == -1)
			return -1;
	if (v->key == NULL)
		return 0;
	match = kiln_inspect_key_match(c, v->key, v->rng, err);
	if (match == -1) {
		kiln_err_clear(err);
		return problem(p, n, err,
		    "its %s key cannot be compared with the private key given",
		    c->key_algorithm);
	}
	if (match == 1)
		return problem(p, n, err,
		    "the private key given does not belong to it: etcd fails "
		    "to start with \"tls: private key does not match public "
		    "key\"");
	return 0;
}
