/*
 * Inspection: certificates (PEM or DER, one or a bundle), certificate
 * requests and private keys decoded into one information structure, and
 * that structure rendered as cfssl-certinfo's JSON (plus kiln's own
 * keys), a table or a text summary.
 *
 * kiln walks the DER itself rather than relying on mbedTLS's parsers,
 * which skip IP, email and URI SANs, key identifiers and CSR extensions
 * and refuse certificates with critical extensions they do not know.
 * mbedTLS is used for the public keys and signatures only.
 */
#ifndef KILN_INSPECT_H
#define KILN_INSPECT_H

#include <stddef.h>

#include <mbedtls/x509_crt.h>

#include "kiln/buf.h"
#include "kiln/err.h"
#include "kiln/key.h"
#include "kiln/rng.h"

enum kiln_info_kind { KILN_INFO_CERT, KILN_INFO_CSR, KILN_INFO_KEY };

/* One attribute of a distinguished name, in DER order. */
struct kiln_dn_attr {
	char oid[64]; /* dotted, "2.5.4.3" */
	char *value;  /* UTF-8 (BMPString and T.61 converted) */
	int same_rdn; /* part of the previous attribute's RDN */
};

struct kiln_dn {
	struct kiln_dn_attr *attr;
	size_t n;
};

/* One extension, in certificate order. */
struct kiln_ext {
	char oid[64];
	int critical;
	size_t off, len; /* of the extnValue contents, within "der" */
};

struct kiln_info {
	enum kiln_info_kind kind;
	struct kiln_buf der; /* the certificate or CSR, or the SPKI of a key */

	/* Certificates and CSRs. */
	int version; /* 1, 2 or 3; CSRs 1 */
	struct kiln_dn subject, issuer;
	unsigned char serial[32]; /* INTEGER contents, two's complement */
	size_t serial_len;
	long long not_before, not_after; /* seconds since the epoch, UTC */
	char sigalg[32];                 /* cfssl's name, "SHA256WithRSA" */
	char sigalg_oid[64];
	int sig_valid; /* CSRs: the self-signature verifies */

	/* Extensions.  For CSRs, those of the extensionRequest. */
	struct kiln_ext *ext;
	size_t next;
	char **dns, **ips, **emails, **uris; /* SANs, each in SAN order */
	size_t ndns, nips, nemails, nuris;
	size_t nother_sans; /* otherName, directoryName, ...: not decoded */
	unsigned char ski[64], aki[64];
	size_t ski_len, aki_len;
	int has_bc, is_ca, max_path_len; /* max_path_len -1: no limit */
	int has_ku;
	unsigned int ku; /* KILN_KU_* bits */
	char **eku;      /* cfssl's usage names, or dotted OIDs */
	size_t neku;
	char **permitted, **excluded; /* name constraints, "DNS:x" ... */
	size_t npermitted, nexcluded;

	/* The public key, for all three kinds. */
	char key_algorithm[64]; /* "RSA", "ECDSA", "Ed25519", or a dotted OID */
	unsigned int key_bits;  /* 0 if unknown */
	char key_curve[16];     /* "P-256", ... or "" */
	unsigned char key_id[20];      /* SHA-1 of the subjectPublicKey bits */
	unsigned char fingerprint[32]; /* SHA-256 of "der" */

	/* Set by the caller: a private key was checked and matches. */
	int key_match;
};

void kiln_info_init(struct kiln_info *);
void kiln_info_free(struct kiln_info *);

/* A list of inspected objects, in input order. */
struct kiln_infos {
	struct kiln_info *v;
	size_t n;
};

void kiln_infos_init(struct kiln_infos *);
void kiln_infos_free(struct kiln_infos *);

/*
 * Every certificate in "len" bytes of PEM (other PEM blocks are
 * skipped) or in one DER certificate, appended to "out" in order.  No
 * certificate at all, or one that does not parse, is an error that names
 * the block.  Returns 0 or -1.
 */
int kiln_inspect_certs(
    struct kiln_infos *, const unsigned char *, size_t, struct kiln_err *);

/*
 * The certificates kiln_inspect_certs would find in "len" bytes, parsed
 * by mbedTLS and appended to "chain" (initialised by the caller): the
 * trust anchors of -ca, or intermediates.  A certificate mbedTLS cannot
 * read (an unknown critical extension, an Ed25519 key) is an error that
 * names its position, as is input without a certificate.  Returns 0 or
 * -1.
 */
int kiln_inspect_x509(
    mbedtls_x509_crt *, const unsigned char *, size_t, struct kiln_err *);

/*
 * One certificate request (PEM or DER).  The self-signature is checked
 * and recorded in "sig_valid"; a CSR whose signature does not verify is
 * still described.  Returns 0 or -1.
 */
int kiln_inspect_csr(
    struct kiln_info *, const unsigned char *, size_t, struct kiln_err *);

/* The public half of a private key. */
int kiln_inspect_key(struct kiln_info *, struct kiln_key *, struct kiln_err *);

/*
 * Whether private key "key" belongs to the certificate or CSR "info".
 * Returns 0 if it does, 1 if it does not, and -1 if the two cannot be
 * compared (a public key mbedTLS does not know, such as Ed25519).
 */
int kiln_inspect_key_match(const struct kiln_info *, struct kiln_key *,
    struct kiln_rng *, struct kiln_err *);

/* The serial number in decimal, as Go's big.Int prints it, into "out". */
int kiln_info_serial_decimal(
    const struct kiln_info *, struct kiln_buf *, struct kiln_err *);

/* Rendering, appended to "out" as NUL-terminated text. */
enum kiln_info_format {
	KILN_FORMAT_JSON,  /* cfssl-certinfo's schema, then kiln's keys */
	KILN_FORMAT_TABLE, /* one boxed row per certificate */
	KILN_FORMAT_TEXT,  /* in the order of openssl x509 -text */
};

/* Rendering options. */
#define KILN_RENDER_ARRAY 0x1 /* JSON: an array even for one object */
#define KILN_RENDER_CFSSL 0x2 /* JSON: cfssl's keys only */

/*
 * Render "n" objects of "infos" in "format", with days remaining counted
 * from "now".  Returns 0 or -1.
 */
int kiln_info_render(const struct kiln_info *, size_t, enum kiln_info_format,
    unsigned int, long long, struct kiln_buf *, struct kiln_err *);

/*
 * The certificates of several files as one listing, rendered as they come
 * so that memory does not grow with the parsed certificates: JSON, one
 * array whose objects end with kiln's "file" key; a table, one row per
 * certificate after a FILE column (the rows' text is held until the end,
 * for the column widths); text, each certificate after a "File:" line.
 * Init cannot fail; add appends to "out" what can be printed so far; end
 * appends the rest; free releases what is held.
 */
struct kiln_listing {
	enum kiln_info_format format;
	unsigned int flags; /* KILN_RENDER_CFSSL: cfssl's keys only */
	long long now;
	size_t count;       /* certificates so far */
	char **cell;        /* table: count rows of cells */
	size_t rows;        /* table: rows allocated */
};

void kiln_listing_init(
    struct kiln_listing *, enum kiln_info_format, unsigned int, long long);
int kiln_listing_add(struct kiln_listing *, const struct kiln_info *, size_t,
    const char *, struct kiln_buf *, struct kiln_err *);
int kiln_listing_end(
    struct kiln_listing *, struct kiln_buf *, struct kiln_err *);
void kiln_listing_free(struct kiln_listing *);

/*
 * The last value of attribute "oid" (dotted, "2.5.4.3") in "dn", as Go's
 * pkix.Name keeps it (a later value wins), or NULL when "dn" has none.
 * The string is "dn"'s.  Cannot fail.
 */
const char *kiln_dn_last(const struct kiln_dn *, const char *);

/*
 * Append "info"'s SANs to "b" as "a, b, c", in the order DNS, IP, email,
 * URI, with ", " before each when "b" is not empty.  Out of memory, the
 * first failed append fills "err" (as kiln_buf_append does) and "b" is
 * left short: check "err" or kiln_buf's own state afterwards.
 */
void kiln_join_sans(
    const struct kiln_info *, struct kiln_buf *, struct kiln_err *);

#endif /* KILN_INSPECT_H */
