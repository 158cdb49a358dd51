/*
 * A CA kept in a folder of a tree (tree.h): reused when its certificate
 * and key are there (never replaced, the key the invoking user's), else
 * made from a request and planned into the folder, the key first and
 * written only where nothing is.  For every manifest kind: kiln k8s's
 * three CAs (ca, front-proxy-ca and etcd-ca), kiln etcd's one (which
 * may also come from an existing CA's files, tree_ca_opts).  Private to
 * libkiln.
 */
#ifndef KILN_TREECA_H
#define KILN_TREECA_H

#include <stddef.h>
#include <time.h>

#include "kiln/buf.h"
#include "kiln/config.h"
#include "kiln/err.h"
#include "kiln/request.h"
#include "kiln/rng.h"
#include "kiln/signer.h"
#include "pki/tree.h"

struct tree_ca {
	struct kiln_signer signer; /* opened or made: not moved after */
	struct kiln_buf cert_pem;  /* its certificate, PEM */
	struct kiln_buf key_pem;   /* its key, PEM (wiped when freed) */
	int made;                  /* made by this run */
	int given; /* its certificate or key read from tree_ca_opts' files */
};

/* What a manifest kind asks of tree_ca_plan beyond its defaults. */
struct tree_ca_opts {
	/*
	 * An existing CA's certificate and key files (NULL: none): when
	 * "cert" is given, the CA is opened, what its folder lacks read
	 * from these; a key read from "key" stays there (not planned).
	 */
	const char *cert, *key;
	const char *password; /* an encrypted key's (NULL: none) */
	/* Called before a new CA is made (NULL: nothing). */
	void (*making)(void *);
	void *arg;
	unsigned int flags; /* TREE_CA_* */
};

/* An opened CA's certificate planned as PEM from its DER, not as read. */
#define TREE_CA_PEM_AGAIN 0x1
/* An opened CA planned certificate first (a made one: key first). */
#define TREE_CA_CERT_FIRST 0x2

/* An empty CA.  Cannot fail. */
void tree_ca_init(struct tree_ca *);
/* Release it, its key wiped. */
void tree_ca_free(struct tree_ca *);

/*
 * The CA "cert"/"key" of folder "f" of "t" (open, or missing): both
 * there, it is opened (the key must be the invoking user's, a link,
 * FIFO or hard link is refused) and planned again with the same bytes
 * (the key 0600, the certificate 0644, so a wider mode is reset); the
 * certificate alone is refused, naming the missing key; neither, a new
 * CA is made from "req" (its key as req->key asks, its hosts kept only
 * if IP addresses, as initca) under "profile", signed by itself, at
 * "now", drawing from "rng", and planned with the key exclusive.  "opts"
 * (NULL: none) may give an existing CA's files and change the planning.
 * Returns 0 or -1.
 */
int tree_ca_plan(struct tree_ca *, struct tree *, size_t, const char *,
    const char *, const struct kiln_request *, const struct kiln_profile *,
    struct kiln_rng *, time_t, const struct tree_ca_opts *, struct kiln_err *);

#endif /* KILN_TREECA_H */
