/*
 * What genkey, gencsr, selfsign and gencert hand back: cfssl's JSON
 * output and the files of -out, the request cfssl rebuilds from an
 * existing certificate, and initca's rule for a CA's subject.
 */
#ifndef KILN_GEN_H
#define KILN_GEN_H

#include "kiln/buf.h"
#include "kiln/err.h"
#include "kiln/inspect.h"
#include "kiln/request.h"

/*
 * Append cfssl's output for the PEM texts "cert", "csr" and "key" to
 * "out": one line of JSON, keys sorted, strings escaped as Go escapes
 * them, then "\n".  A NULL part is left out.  "out" holds the key: free
 * it with kiln_buf_free(), which wipes.  Returns 0 or -1.
 */
int kiln_gen_json(struct kiln_buf *, const struct kiln_buf *,
    const struct kiln_buf *, const struct kiln_buf *, struct kiln_err *);

/*
 * Write the parts that are not NULL under the names cfssljson -bare
 * gives them: "base"-key.pem (mode 0600, written first, and never
 * replacing an existing file unless "force"), "base".csr and "base".pem
 * (mode 0644, replaced).  Returns 0, or -1 (KILN_EEXIST and
 * KILN_GEN_KEY_KEPT when the key exists and "force" is 0; nothing is
 * written then: the front end says how to force it).
 */
int kiln_gen_write(const char *, const struct kiln_buf *,
    const struct kiln_buf *, const struct kiln_buf *, int, struct kiln_err *);

/*
 * cfssl's warning for a certificate without hosts, in its four lines:
 * gencert logs it, kiln serve's newcert returns it among its messages.
 */
#define KILN_GEN_NO_HOSTS                                                      \
	"This certificate lacks a \"hosts\" field. This makes it "             \
	"unsuitable for\nwebsites. For more information see the Baseline "     \
	"Requirements for the Issuance and Management\nof Publicly-Trusted "   \
	"Certificates, v.1.1.6, from the CA/Browser Forum "                    \
	"(https://cabforum.org);\nspecifically, section 10.2.3 "               \
	"(\"Information Requirements\")."

/* The refusal to replace a private key: "<path>: ...". */
#define KILN_GEN_KEY_KEPT                                                      \
	"%s: refusing to replace an existing private key (it would be "        \
	"lost, and every certificate made for it or, for a CA, issued by "     \
	"it orphaned)"

/*
 * The folder the file "path" goes into exists: 0, or -1 with KILN_EIO and
 * "<path>: folder <dir> does not exist" (or "is not a folder"), rather
 * than a message that reads like a missing input.
 */
int kiln_gen_check_dir(const char *, struct kiln_err *);

/*
 * A request that names nothing: no CN, no names (the subject DER
 * "subject" is an empty Name) and no hosts, as a ca-config.json given in
 * place of csr.json reads.  The certificate would have an empty subject
 * and no SAN, which nothing accepts (cfssl issues it).  Returns 0, or -1
 * with KILN_EINVAL.
 */
int kiln_gen_check_not_empty(
    const struct kiln_buf *, const struct kiln_request *, struct kiln_err *);

/*
 * initca's rule: a CA's request needs a CN, or "names" in which every
 * entry has a C, ST, L, O or OU.  Returns 0 or -1 (KILN_EINVAL).
 */
int kiln_gen_check_ca_subject(const struct kiln_request *, struct kiln_err *);

/*
 * Fill "req" (initialised, empty) from the certificate "cert" as cfssl's
 * ExtractCertificateRequest does: the last CN and subject serialNumber;
 * the C, ST, L, O and OU values, the i-th of each type in the i-th
 * "names" entry; the hosts as text, IP addresses first, then DNS names,
 * email addresses and URIs; and for a CA a "ca" object with its
 * pathLenConstraint and its lifetime as expiry.  Other subject
 * attributes (emailAddress, street, other OIDs) are not carried over,
 * as in cfssl.  Returns 0 or -1.
 */
int kiln_gen_request_from_cert(
    struct kiln_request *, const struct kiln_info *, struct kiln_err *);

#endif /* KILN_GEN_H */
