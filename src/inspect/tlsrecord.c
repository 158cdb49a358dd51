/*
 * The TLS record walk behind kiln_tls_peer_chain(): the server's
 * certificate chain found in the raw bytes a client received (records,
 * handshake messages, the Certificate message), without mbedTLS.  The
 * unit tests feed it crafted records through tlsrecord.h.
 */
#include <stdio.h>
#include <string.h>

#include "kiln/pem.h"
#include "inspect/tlsrecord.h"

/* TLS record content types (RFC 5246 6.2.1). */
#define REC_CCS 20
#define REC_ALERT 21
#define REC_HANDSHAKE 22
#define REC_HEARTBEAT 24
#define REC_HDR 5
/* A plaintext record holds at most 2^14 bytes; allow the ciphertext room. */
#define REC_MAX (16384 + 2048)

/* Handshake message types (RFC 5246 7.4) and header size. */
#define HS_SERVER_HELLO 2
#define HS_CERTIFICATE 11
#define HS_SERVER_KEY_EXCHANGE 12
#define HS_SERVER_HELLO_DONE 14
#define HS_HDR 4

#define EXT_SUPPORTED_VERSIONS 43

/* clang-format off */
static const struct {
	unsigned char code;
	const char *name;
} alerts[] = {
	{ 0, "close_notify" },		{ 10, "unexpected_message" },
	{ 20, "bad_record_mac" },	{ 22, "record_overflow" },
	{ 40, "handshake_failure" },	{ 42, "bad_certificate" },
	{ 43, "unsupported_certificate" }, { 47, "illegal_parameter" },
	{ 48, "unknown_ca" },		{ 49, "access_denied" },
	{ 50, "decode_error" },		{ 51, "decrypt_error" },
	{ 70, "protocol_version" },	{ 71, "insufficient_security" },
	{ 80, "internal_error" },	{ 86, "inappropriate_fallback" },
	{ 90, "user_canceled" },	{ 100, "no_renegotiation" },
	{ 109, "missing_extension" },	{ 110, "unsupported_extension" },
	{ 112, "unrecognized_name" },	{ 116, "certificate_required" },
	{ 120, "no_application_protocol" },
};
/* clang-format on */

static size_t
get16(const unsigned char *p)
{
	return (size_t)p[0] << 8 | p[1];
}

static size_t
get24(const unsigned char *p)
{
	return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

/* Describe the alert in a record's "len"-byte payload "p". */
static int
alert_error(const unsigned char *p, size_t len, struct kiln_err *err)
{
	const char *name = "unknown";
	size_t i;

	if (len < 2)
		return kiln_err_set(err, KILN_EIO, "malformed alert record");
	for (i = 0; i < sizeof(alerts) / sizeof(alerts[0]); i++)
		if (alerts[i].code == p[1])
			name = alerts[i].name;
	if (p[1] == 70)
		return kiln_err_set(err, KILN_EIO,
		    "the server sent alert %s (%u): it refuses TLS 1.2, "
		    "the newest version kiln speaks",
		    name, p[1]);
	return kiln_err_set(
	    err, KILN_EIO, "the server sent alert %s (%u)", name, p[1]);
}

/* "not TLS", quoting the first bytes when they read as text. */
static int
not_tls_error(const unsigned char *p, size_t len, struct kiln_err *err)
{
	size_t i, n = len < REC_HDR ? len : REC_HDR;

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '"' || p[i] == '\\')
			return kiln_err_set(
			    err, KILN_EIO, "the server's reply is not TLS");
	return kiln_err_set(err, KILN_EIO,
	    "the server's reply is not TLS (it begins \"%.*s\")", (int)n, p);
}

/*
 * True if the "len"-byte ServerHello body "p" selects TLS 1.3 through
 * its supported_versions extension.  A malformed one is left to mbedTLS.
 */
static int
server_hello_is_tls13(const unsigned char *p, size_t len)
{
	size_t off = 2 + 32, end, n;

	if (len < off + 1 || len - off - 1 < p[off])
		return 0;
	off += 1 + p[off] + 2 + 1; /* session id, cipher suite, compression */
	if (len < off + 2)
		return 0;
	end = off + 2 + get16(p + off);
	if (end > len)
		return 0;
	for (off += 2; end - off >= 4; off += 4 + n) {
		n = get16(p + off + 2);
		if (n > end - off - 4)
			return 0;
		if (get16(p + off) == EXT_SUPPORTED_VERSIONS && n == 2 &&
		    get16(p + off + 4) == 0x0304)
			return 1;
	}
	return 0;
}

/*
 * Check the "len"-byte Certificate message body "p" completely, then
 * append each certificate to "pem".  Returns 0 or -1.
 */
static int
certificate_pems(const unsigned char *p, size_t len, struct kiln_buf *pem,
    struct kiln_err *err)
{
	size_t off, n, i = 0, saved = pem->len;

	if (len < 3 || get24(p) != len - 3)
		return kiln_err_set(err, KILN_EIO,
		    "malformed Certificate message: its list length is wrong");
	if (len == 3)
		return kiln_err_set(
		    err, KILN_EIO, "the server sent no certificate");
	for (off = 3; off < len; off += 3 + n) {
		i++;
		if (len - off < 3)
			return kiln_err_set(err, KILN_EIO,
			    "malformed Certificate message: certificate %zu: "
			    "truncated length",
			    i);
		n = get24(p + off);
		if (n == 0)
			return kiln_err_set(err, KILN_EIO,
			    "malformed Certificate message: certificate %zu "
			    "is empty",
			    i);
		if (n > len - off - 3)
			return kiln_err_set(err, KILN_EIO,
			    "malformed Certificate message: certificate %zu "
			    "claims %zu bytes, %zu are left",
			    i, n, len - off - 3);
	}
	for (off = 3; off < len; off += 3 + n) {
		n = get24(p + off);
		if (kiln_pem_write(pem, "CERTIFICATE", p + off + 3, n, err) ==
		    -1) {
			pem->len = saved;
			return -1;
		}
	}
	return 0;
}

int
tls_chain_from_records(const unsigned char *in, size_t len,
    struct kiln_buf *pem, struct kiln_err *err)
{
	struct kiln_buf hs; /* the handshake records' payloads, joined */
	const unsigned char *p;
	size_t off = 0, hoff = 0, rlen, mlen;
	unsigned int type;
	int rc = -1;

	kiln_buf_init(&hs);
	while (len - off >= REC_HDR) {
		type = in[off];
		if (type < REC_CCS || type > REC_HEARTBEAT ||
		    in[off + 1] != 3) {
			if (off == 0)
				not_tls_error(in, len, err);
			else
				kiln_err_set(err, KILN_EIO,
				    "malformed TLS record at byte %zu", off);
			goto cleanup;
		}
		if ((rlen = get16(in + off + 3)) > REC_MAX) {
			kiln_err_set(err, KILN_EIO,
			    "malformed TLS record at byte %zu: %zu bytes long",
			    off, rlen);
			goto cleanup;
		}
		if (len - off - REC_HDR < rlen)
			break; /* the rest of the record is still to come */
		p = in + off + REC_HDR;
		off += REC_HDR + rlen;
		if (type == REC_ALERT) {
			alert_error(p, rlen, err);
			goto cleanup;
		}
		if (type == REC_CCS) {
			kiln_err_set(err, KILN_EIO,
			    "the server started encryption without sending "
			    "a certificate");
			goto cleanup;
		}
		if (type != REC_HANDSHAKE) {
			kiln_err_set(err, KILN_EIO,
			    "the server sent a record of type %u before its "
			    "certificate",
			    type);
			goto cleanup;
		}
		if (rlen > 0 && kiln_buf_append(&hs, p, rlen, err) == -1)
			goto cleanup;
		while (hs.len - hoff >= HS_HDR) {
			p = hs.p + hoff;
			if ((mlen = get24(p + 1)) > TLS_CAPTURE_MAX) {
				kiln_err_set(err, KILN_EIO,
				    "handshake message of %zu bytes is too "
				    "long",
				    mlen);
				goto cleanup;
			}
			if (hs.len - hoff - HS_HDR < mlen)
				break; /* split: the rest is in later records */
			hoff += HS_HDR + mlen;
			if (p[0] == HS_SERVER_HELLO &&
			    server_hello_is_tls13(p + HS_HDR, mlen)) {
				kiln_err_set(err, KILN_EIO,
				    "the server answered in TLS 1.3, which "
				    "encrypts its certificate; kiln reads "
				    "TLS 1.2 only");
				goto cleanup;
			}
			if (p[0] == HS_CERTIFICATE) {
				if (certificate_pems(
				        p + HS_HDR, mlen, pem, err) == -1)
					goto cleanup;
				rc = 1;
				goto cleanup;
			}
			/* These come after the Certificate, if there is one. */
			if (p[0] >= HS_SERVER_KEY_EXCHANGE &&
			    p[0] <= HS_SERVER_HELLO_DONE) {
				kiln_err_set(err, KILN_EIO,
				    "the server sent no certificate");
				goto cleanup;
			}
		}
	}
	rc = 0;
cleanup:
	kiln_buf_free(&hs);
	return rc;
}
