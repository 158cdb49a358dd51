/*
 * kiln serve's client certificates (serve/httpint.h).  libmicrohttpd,
 * given a trusted CA, only *requests* a client certificate: the handshake
 * succeeds without one, or with one from any issuer.  So every request
 * on such a server is checked here before it reaches the API: a
 * certificate present, verified by GnuTLS against the trusted CA (time
 * and the clientAuth purpose included, as Go's RequireAndVerifyClientCert
 * does for cfssl), then its CN matched against -mutual-tls-cn.
 */
#include <string.h>

#include "serve/httpint.h"
#include "serve/httplib.h"

int
http_cn_compile(regex_t *re, const char *pattern, struct kiln_err *err)
{
	char msg[128];
	int ret;

	if ((ret = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(ret, re, msg, sizeof(msg));
		return kiln_err_set(
		    err, KILN_EINVAL, "client CN pattern: %s", msg);
	}
	return 0;
}

int
http_cn_match(const regex_t *re, const char *cn, size_t n)
{
	if (memchr(cn, '\0', n) != NULL || cn[n] != '\0')
		return 0;
	/* regexec finds a match anywhere unless the pattern anchors it. */
	return regexec(re, cn, 0, NULL, 0) == 0;
}

const char *
http_tls_verify(const struct httplib *lib, void *session, const regex_t *re,
    char *cn, size_t cnsz)
{
	gnutls_session_t s = session;
	gnutls_typed_vdata_st purpose;
	const gnutls_datum_t *peers;
	gnutls_x509_crt_t crt = NULL;
	unsigned int n = 0, status = 0;
	size_t len, elen;
	int ret;
	const char *why = "client certificate required";
	char extra[8];

	cn[0] = '\0';
	if (s == NULL || lib->certificate_type_get(s) != GNUTLS_CRT_X509 ||
	    (peers = lib->certificate_get_peers(s, &n)) == NULL || n == 0)
		return why;
	memset(&purpose, 0, sizeof(purpose));
	purpose.type = GNUTLS_DT_KEY_PURPOSE_OID;
	purpose.data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT;
	why = "client certificate not trusted";
	if (lib->certificate_verify_peers(s, &purpose, 1, &status) != 0 ||
	    status != 0)
		return why;
	why = "Invalid CN";
	if (lib->x509_crt_init(&crt) != 0)
		return why;
	len = cnsz - 1;
	if (lib->x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) != 0)
		goto cleanup;
	ret = lib->x509_crt_get_dn_by_oid(
	    crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &len);
	if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		len = 0; /* no CN: "" */
	else if (ret != 0 || len >= cnsz)
		goto cleanup;
	cn[len] = '\0';
	/* Two CNs: which one counts is a guess (Go takes the last), so
	 * neither does. */
	elen = sizeof(extra);
	if (len > 0 &&
	    lib->x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 1,
	        0, extra, &elen) != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		goto cleanup;
	/* A NUL inside the CN would cut what the pattern sees. */
	if (strlen(cn) != len || (re != NULL && !http_cn_match(re, cn, len)))
		goto cleanup;
	why = NULL;
cleanup:
	lib->x509_crt_deinit(crt);
	if (why != NULL)
		cn[0] = '\0';
	return why;
}
