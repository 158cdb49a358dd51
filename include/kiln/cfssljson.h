/*
 * cfssljson: the files in cfssl's JSON output.  Every field is checked
 * before any file is written, so bad input writes nothing.
 */
#ifndef KILN_CFSSLJSON_H
#define KILN_CFSSLJSON_H

#include "kiln/buf.h"
#include "kiln/err.h"

/* The outputs cfssljson knows, in the order -stdout prints them. */
enum kiln_cfssljson_part {
	KILN_OUT_CERT,    /* "cert" or "certificate": BASENAME.pem */
	KILN_OUT_KEY,     /* "key" or "private_key": BASENAME-key.pem */
	KILN_OUT_ENC_KEY, /* "encrypted_key": BASENAME-key.enc */
	KILN_OUT_CSR,     /* "csr" or "certificate_request": BASENAME.csr */
	KILN_OUT_BUNDLE,  /* "bundle"."bundle" + "root": BASENAME-bundle.pem */
	KILN_OUT_ROOT,    /* "bundle"."root": BASENAME-root.pem */
	KILN_OUT_OCSP,    /* "ocspResponse", base64-decoded: -response.der */
	KILN_OUT__MAX
};

struct kiln_cfssljson {
	struct kiln_buf part[KILN_OUT__MAX]; /* empty: not in the input */
};

void kiln_cfssljson_init(struct kiln_cfssljson *);
void kiln_cfssljson_free(struct kiln_cfssljson *); /* wipes */

/*
 * Parse cfssl's output ("len" bytes of NUL-terminated JSON).  Unless
 * "bare", it must be the API envelope {"success":true,"result":{...}};
 * a failed request gives an error with the envelope's messages.  A field
 * that is not a string is an error.  Returns 0 or -1 (KILN_EINVAL).
 */
int kiln_cfssljson_parse(
    struct kiln_cfssljson *, const char *, size_t, int, struct kiln_err *);

/* The file name suffix ("-key.pem") and mode (0600) of a part. */
const char *kiln_cfssljson_suffix(enum kiln_cfssljson_part);
unsigned int kiln_cfssljson_mode(enum kiln_cfssljson_part);

#endif /* KILN_CFSSLJSON_H */
