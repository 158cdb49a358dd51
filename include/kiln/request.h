/*
 * cfssl's csr.json: what a certificate or CSR asks for.  Keys match
 * case-insensitively and unknown keys are ignored, as in cfssl.
 */
#ifndef KILN_REQUEST_H
#define KILN_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/err.h"
#include "kiln/key.h"

/* One entry of "names": empty fields are NULL. */
struct kiln_name {
	char *c, *st, *l, *o, *ou, *e;
	char **oid_types;  /* dotted OIDs of "OID", in file order */
	char **oid_values; /* their values */
	size_t n_oids;
};

/* "ca": initca's settings.  0 means "not given" for the durations. */
struct kiln_careq {
	int pathlen;      /* < 0: none */
	int pathlenzero;  /* pathlen 0 means "pathlen 0", not "none" */
	int64_t expiry;   /* ns; 0: initca's default, 43800h */
	int64_t backdate; /* ns; 0: 5 minutes */
};

struct kiln_request {
	char *cn; /* or NULL */
	struct kiln_name *names;
	size_t n_names;
	char **hosts; /* as given; classified by kiln_sans_add */
	size_t n_hosts;
	struct kiln_keyreq key;
	char *serialnumber; /* subject serialNumber, or NULL */
	int has_ca;         /* a "ca" object was given */
	struct kiln_careq ca;
	char *crl_url; /* initca's CRL distribution point, or NULL */
};

/* Subject alternative names, classified as cfssl does. */
enum kiln_san_type { KILN_SAN_DNS, KILN_SAN_EMAIL, KILN_SAN_IP, KILN_SAN_URI };

struct kiln_san {
	enum kiln_san_type type;
	char *value;          /* DNS, email or URI text; the IP as written */
	unsigned char ip[16]; /* KILN_SAN_IP: 4 or 16 bytes */
	size_t ip_len;
};

struct kiln_sans {
	struct kiln_san *v;
	size_t n;
};

/* Empty request with cfssl's default key (ecdsa 256).  Cannot fail. */
void kiln_request_init(struct kiln_request *);
void kiln_request_free(struct kiln_request *);

/*
 * Parse csr.json text ("len" bytes, NUL-terminated) into "req".  A partial
 * "key" object gets its algorithm's default size (ecdsa 256, rsa 2048).
 * Returns 0, or -1 with KILN_EINVAL naming the field ("key.size: ...").
 */
int kiln_request_parse(
    struct kiln_request *, const char *, size_t, struct kiln_err *);

/*
 * Replace the hosts with the comma-separated list "list" (cfssl's
 * -hostname: split on commas, not trimmed; "" means no hosts).
 */
int kiln_request_set_hosts(
    struct kiln_request *, const char *, struct kiln_err *);

/* Replace the CN (gencert -cn). */
int kiln_request_set_cn(struct kiln_request *, const char *, struct kiln_err *);

void kiln_sans_init(struct kiln_sans *);
void kiln_sans_free(struct kiln_sans *);

/*
 * Classify "host" as cfssl does (an IP address, else an email address,
 * else a URI, else a DNS name) and append it.  Returns 0 or -1 (ENOMEM).
 */
int kiln_sans_add(struct kiln_sans *, const char *, struct kiln_err *);

/*
 * An IP address as Go's net.ParseIP then To4 reads it: 4 bytes into "ip"
 * for IPv4 and IPv4-mapped IPv6 ("::ffff:10.0.0.1"), 16 for other IPv6.
 * Returns the length, or 0 if "s" is not an address.
 */
size_t kiln_ip_parse(const char *, unsigned char *);

/* Append an already classified name (copying it). */
int kiln_sans_add_typed(
    struct kiln_sans *, const struct kiln_san *, struct kiln_err *);

#endif /* KILN_REQUEST_H */
