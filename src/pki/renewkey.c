/*
 * The key of a certificate kiln renew replaces: the key file's name
 * beside it by the layouts in use, a key block inside the certificate's
 * own file, and the check that a key is the certificate's.
 */
#include <stdio.h>
#include <string.h>

#include "kiln/renew.h"

int
kiln_renew_key_name(const char *name, char *out, size_t size)
{
	size_t n = strlen(name);
	int w;

	if (n > 4 && strcmp(name + n - 4, ".pem") == 0)
		w = snprintf(out, size, "%.*s-key.pem", (int)(n - 4), name);
	else if (n > 4 && strcmp(name + n - 4, ".crt") == 0)
		w = snprintf(out, size, "%.*s.key", (int)(n - 4), name);
	else
		return 0;
	return w > 0 && (size_t)w < size;
}

/* The first "needle" in the "n" bytes at "p", or NULL. */
static const unsigned char *
find(const unsigned char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; k <= n && i <= n - k; i++)
		if (p[i] == (unsigned char)needle[0] &&
		    memcmp(p + i, needle, k) == 0)
			return p + i;
	return NULL;
}

int
kiln_renew_key_block(const unsigned char *text, size_t len, size_t *off,
    size_t *n, struct kiln_err *err)
{
	static const char tail[] = "PRIVATE KEY-----";
	const unsigned char *p = text, *end = text + len, *b, *e, *eol;
	size_t count = 0;

	while ((b = find(p, (size_t)(end - p), "-----BEGIN ")) != NULL) {
		/* The BEGIN line's label must end in PRIVATE KEY. */
		for (eol = b; eol < end && *eol != '\n' && *eol != '\r'; eol++)
			;
		p = eol;
		if ((size_t)(eol - b) < sizeof(tail) - 1 ||
		    memcmp(eol - (sizeof(tail) - 1), tail, sizeof(tail) - 1) !=
		        0)
			continue;
		if ((e = find(eol, (size_t)(end - eol), "-----END ")) == NULL)
			return kiln_err_set(
			    err, KILN_EINVAL, "a private key cut short");
		for (eol = e; eol < end && *eol != '\n' && *eol != '\r'; eol++)
			;
		if (++count > 1)
			return kiln_err_set(err, KILN_EINVAL,
			    "holds more than one private key");
		*off = (size_t)(b - text);
		*n = (size_t)(eol - b);
		p = eol;
	}
	return count == 1;
}

int
kiln_renew_check_key(struct kiln_key *key, const struct kiln_info *old,
    const char *cert, const unsigned char *data, size_t len,
    const char *keyname, struct kiln_rng *rng, struct kiln_err *err)
{
	struct kiln_cert crt;
	struct kiln_err kerr;
	int rc = -1;

	kiln_cert_init(&crt);
	kiln_err_clear(&kerr);
	if (find(data, len, "ENCRYPTED") != NULL) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: its key %s is encrypted: kiln renew reads no password "
		    "for it (CFSSL_CA_PK_PASSWORD is the CA key's only)",
		    cert, keyname);
		goto cleanup;
	}
	if (kiln_key_parse(key, data, len, rng, &kerr) == -1) {
		kiln_err_set(err, kerr.code, "%s: its key %s: %s", cert,
		    keyname, kerr.msg);
		goto cleanup;
	}
	if (kiln_cert_parse(&crt, old->der.p, old->der.len, &kerr) == -1) {
		kiln_err_set(err, kerr.code, "%s: %s", cert, kerr.msg);
		goto cleanup;
	}
	/* kiln_key_parse refused a key whose public part is not its private
	 * part's (an EC point that is not the scalar's): comparing public
	 * keys is then enough. */
	if (kiln_key_check_pair(&crt.crt.pk, key, &kerr) == -1) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: its key %s does not match it: refused (a certificate "
		    "is renewed only for the key beside it)",
		    cert, keyname);
		goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_cert_free(&crt);
	if (rc == -1)
		kiln_key_free(key);
	return rc;
}
