/*
 * Reading a kubeconfig (YAML or JSON, as kubectl writes it): where its
 * certificates, keys and file references are, by cluster and by user,
 * each with the byte span of its value in the file, so that a writer can
 * put a new value in that span and keep every other byte.
 *
 * The reader is built for hostile input.  A file over
 * KILN_KUBECONFIG_MAX bytes, nesting deeper than KILN_KUBECONFIG_DEPTH, a
 * second document, text that is not UTF-8, a duplicate key or name, or a
 * YAML alias or tag where a value kiln reads would be, is refused with one
 * line.  Aliases are never expanded (elsewhere they are skipped), so an
 * alias bomb costs nothing.  File references are reported, never opened.
 */
#ifndef KILN_KUBECONFIG_H
#define KILN_KUBECONFIG_H

#include <stddef.h>

#include "kiln/buf.h"
#include "kiln/err.h"

/* The largest kubeconfig read, and the deepest nesting accepted. */
#define KILN_KUBECONFIG_MAX (4u * 1024 * 1024)
#define KILN_KUBECONFIG_DEPTH 32

/* What a value is, and where it is (clusters[].cluster, users[].user). */
enum kiln_kc_kind {
	KILN_KC_CA_DATA,   /* certificate-authority-data (base64 of PEM) */
	KILN_KC_CA_FILE,   /* certificate-authority (a path) */
	KILN_KC_CERT_DATA, /* client-certificate-data (base64 of PEM) */
	KILN_KC_CERT_FILE, /* client-certificate (a path) */
	KILN_KC_KEY_DATA,  /* client-key-data (base64 of PEM) */
	KILN_KC_KEY_FILE   /* client-key (a path) */
};

/* Scalar styles of the span, for a writer that keeps them. */
enum kiln_kc_style {
	KILN_KC_PLAIN,
	KILN_KC_SINGLE, /* 'quoted' */
	KILN_KC_DOUBLE, /* "quoted" */
	KILN_KC_BLOCK   /* | or >: a writer cannot splice these in place */
};

struct kiln_kc_item {
	enum kiln_kc_kind kind;
	char *owner;  /* the cluster's or user's name */
	char *value;  /* the value as YAML reads it (base64 text or a path) */
	size_t len;   /* of value */
	size_t start; /* the value's bytes in the file, quotes included: */
	size_t end;   /* file[start..end) */
	size_t line;  /* 1-based, for messages */
	enum kiln_kc_style style;
};

/*
 * Where a cluster's or user's body (clusters[].cluster, users[].user)
 * is, for a writer that adds a key to it.
 */
struct kiln_kc_body {
	char *owner;  /* the cluster's or user's name */
	int users;    /* 1: users[].user; 0: clusters[].cluster */
	size_t start; /* its first key's first byte (block style) */
	size_t line;  /* 1-based */
	int block;    /* a block mapping, not {...} */
};

struct kiln_kubeconfig {
	struct kiln_kc_item *items; /* in file order */
	size_t n;
	struct kiln_kc_body *bodies; /* in file order */
	size_t n_bodies;
	char *current_context; /* NULL if none */
	/* The current context's user and cluster names; NULL if none. */
	char *current_user;
	char *current_cluster;
};

/* Make "kc" empty.  Cannot fail. */
void kiln_kubeconfig_init(struct kiln_kubeconfig *);

/* Release "kc" (values wiped: client-key-data is a key), leave it empty. */
void kiln_kubeconfig_free(struct kiln_kubeconfig *);

/*
 * Parse the "len" bytes of "data" (a whole file; NUL bytes refused) as a
 * kubeconfig, "shown" naming it in messages.  A kubeconfig is a mapping
 * whose "kind" is "Config", or, with no "kind", that has at least one of
 * "clusters", "users" or "contexts".  Empty values (null, "") are left
 * out.  Returns 0; 1 for a file that is not a kubeconfig (not YAML, not
 * a mapping, another kind, larger than KILN_KUBECONFIG_MAX, or broken
 * before any of those keys), "err" filled with "SHOWN: not a
 * kubeconfig" (a walk skips such files quietly); or -1 with "err"
 * filled for a kubeconfig that is refused (KILN_EINVAL: one line with
 * the file, the line and the problem; KILN_ENOMEM).  "kc" is left empty
 * unless 0 is returned.
 */
int kiln_kubeconfig_parse(struct kiln_kubeconfig *, const unsigned char *,
    size_t, const char *, struct kiln_err *);

/*
 * The item of "kind" owned by "owner" (a cluster's name for the CA
 * kinds, a user's for the others), or NULL.  Names are unique: the
 * parser refused duplicates.
 */
const struct kiln_kc_item *kiln_kubeconfig_find(
    const struct kiln_kubeconfig *, enum kiln_kc_kind, const char *);

/*
 * The client certificate "kc" authenticates with: the current context's
 * user's client-certificate-data or, with no current context, that of
 * the only user that has one.  "shown" names the file.  Returns the
 * item, or NULL with "err" filled (KILN_EINVAL): "SHOWN: users/NAME: the
 * client certificate is the file PATH, not embedded" (never opened),
 * "SHOWN: users/NAME: no client-certificate-data", "SHOWN: the current
 * context \"C\" is not in contexts", "SHOWN: no client-certificate-data",
 * or, with several users and no current context, "SHOWN: no current
 * context, and several users have a client certificate: A, B".
 */
const struct kiln_kc_item *kiln_kubeconfig_client(
    const struct kiln_kubeconfig *, const char *, struct kiln_err *);

/*
 * The bytes a *_DATA item stands for (base64-decoded: PEM text, with a
 * NUL kept after it), appended to "out".  "shown" names the file.
 * Returns 0, or -1 with "err" filled (KILN_EINVAL "SHOWN: users/NAME:
 * client-key-data: not base64").
 */
int kiln_kubeconfig_decode(const struct kiln_kc_item *, const char *,
    struct kiln_buf *, struct kiln_err *);

/*
 * "file" ("len" bytes, the file "kc" was parsed from) with the value of
 * "item" replaced by the "vlen" bytes of "value", in the same style
 * (plain, 'single' or "double" quotes), every other byte kept, appended
 * to "out".  "value" must be base64 or a path: letters, digits and
 * "+/=._-" only, so it needs no quoting.  A block scalar (| or >) is
 * refused.  Returns 0, or -1 with "err" filled (KILN_EINVAL).
 */
int kiln_kubeconfig_splice(const unsigned char *, size_t,
    const struct kiln_kc_item *, const char *, size_t, struct kiln_buf *,
    struct kiln_err *);

/*
 * "file" ("len" bytes, the file "kc" was parsed from) with the key of
 * "kind" added, as "KEY: VALUE" ("vlen" bytes of "value", base64 only),
 * on a line of its own before the first key of the body of "owner" (a
 * cluster for the CA kinds, a user for the others), at that key's
 * indent, every other byte kept, appended to "out".  The body must be a
 * block mapping whose first key starts its line, and must not have the
 * key already (kiln_kubeconfig_splice replaces it).  Returns 0, or -1
 * with "err" filled (KILN_EINVAL: "line N: clusters/NAME: ...").
 */
int kiln_kubeconfig_add(const unsigned char *, size_t,
    const struct kiln_kubeconfig *, enum kiln_kc_kind, const char *,
    const char *, size_t, struct kiln_buf *, struct kiln_err *);

/* "clusters" for the CA kinds, "users" for the others. */
const char *kiln_kc_section(enum kiln_kc_kind);

/* The key's name: "certificate-authority-data", "client-key", ... */
const char *kiln_kc_key(enum kiln_kc_kind);

#endif /* KILN_KUBECONFIG_H */
