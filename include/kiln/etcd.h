/*
 * kiln etcd: a whole etcd cluster's certificates and configuration from
 * one manifest (kiln-config(5), "The etcd manifest").
 */
#ifndef KILN_ETCD_H
#define KILN_ETCD_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/err.h"
#include "kiln/request.h"

enum kiln_etcd_layout {
	KILN_ETCD_PER_MEMBER, /* server and peer certificates per member */
	KILN_ETCD_SHARED      /* the guide's one etcd.pem for every member */
};

struct kiln_etcd_member {
	char *name;
	char *ip;     /* as written in the manifest */
	char **hosts; /* extra SANs */
	size_t n_hosts;
};

struct kiln_etcd_client {
	char *cn;
	char *o; /* or NULL */
};

/* The etcd settings of etcd.yml, with the guide's values as defaults. */
struct kiln_etcd_settings {
	int client_port;                 /* 2379 */
	int peer_port;                   /* 2380 */
	long snapshot_count;             /* 10000 */
	long heartbeat_interval;         /* 100 (ms) */
	long election_timeout;           /* 1000 (ms) */
	long long quota_backend_bytes;   /* 0: etcd's default */
	long max_snapshots;              /* 5 */
	long max_wals;                   /* 5 */
	char *auto_compaction_mode;      /* "periodic" */
	char *auto_compaction_retention; /* "1" */
	char *log_level;                 /* "info" */
};

struct kiln_etcd_manifest {
	char *cluster_token; /* "etcd-cluster" */
	/* The CA: a request to make one, or the paths of an existing one. */
	struct kiln_request ca;
	int64_t ca_expiry;                /* ns: "ca.expiry", default 87600h */
	char *ca_cert_path, *ca_key_path; /* both set, or both NULL */
	/*
	 * The password of an encrypted existing CA key, or NULL: set by the
	 * caller after kiln_etcd_manifest_parse(), never read from the
	 * manifest or the environment; borrowed, not freed.
	 */
	const char *ca_password;
	/*
	 * How the caller's user makes new keys ("use -force"), ending the
	 * refusal of an existing key the run cannot keep ("... (remove it,
	 * or HINT)"); NULL: "make new keys".  Set by the caller, borrowed.
	 */
	const char *force_hint;
	/* Every leaf's request but its CN and hosts: "names" and "key". */
	struct kiln_request leaf;
	int64_t expiry; /* ns: leaves, default 8760h */
	struct kiln_etcd_member *members;
	size_t n_members;
	struct kiln_etcd_client *clients;
	size_t n_clients;
	char *prefix; /* "/opt/etcd" */
	enum kiln_etcd_layout layout;
	struct kiln_etcd_settings etcd;
};

void kiln_etcd_manifest_init(struct kiln_etcd_manifest *);
void kiln_etcd_manifest_free(struct kiln_etcd_manifest *);

/*
 * Parse and check manifest JSON ("len" bytes, NUL-terminated).  CA paths
 * are taken relative to "base_dir" (the manifest's folder) unless
 * absolute.  Every error names its field: "members[2].ip: ...".
 * Returns 0 or -1.
 */
int kiln_etcd_manifest_parse(struct kiln_etcd_manifest *, const char *, size_t,
    const char *, struct kiln_err *);

/* An existing file the run rewrote only to set its mode. */
struct kiln_etcd_reset {
	char *path;       /* as the run names it: "DIR/ca/ca-key.pem" */
	unsigned int was; /* its permission bits before: 0644 */
	unsigned int now; /* and after: 0600 */
};

/* What the run did (or, with KILN_ETCD_DRY_RUN, would do) to a file. */
enum kiln_etcd_fate {
	KILN_ETCD_NEW,     /* written where nothing was */
	KILN_ETCD_CHANGED, /* written over a file that held something else */
	KILN_ETCD_KEPT,    /* it holds exactly this already: untouched */
	KILN_ETCD_RESET,   /* rewritten with the same bytes, for its mode */
	KILN_ETCD_LEFT /* a *.pem in clients/ or ssl/ the run no longer makes */
};

struct kiln_etcd_file {
	char *path; /* as the run names it: "DIR/etcd-1/ssl/ca.pem" */
	enum kiln_etcd_fate fate;
	unsigned int was, now; /* KILN_ETCD_RESET: the modes */
};

/* A member whose peer URL is not the one its etcd.yml had. */
struct kiln_etcd_moved {
	size_t member; /* in the manifest */
	char *old_url; /* "https://10.0.0.2:2380" */
};

/* A member folder of DIR for a member no longer in the manifest. */
struct kiln_etcd_gone {
	char *name;   /* the folder's name, the member's */
	char *path;   /* "DIR/etcd-3" */
	int has_keys; /* its ssl/ still holds a member's key */
};

/* What a run did, for the caller to report. */
struct kiln_etcd_result {
	size_t issued, kept; /* certificates */
	/* Members added to an existing cluster, in manifest order. */
	size_t *added;
	size_t n_added;
	/* Files whose mode was reset (a key readable by others), in order. */
	struct kiln_etcd_reset *reset;
	size_t n_reset;
	/*
	 * Every file of the run in the order it is written, then the
	 * files left behind in each member's ssl/ and in clients/, sorted.
	 */
	struct kiln_etcd_file *files;
	size_t n_files;
	/* Members whose peer URL changed, in manifest order. */
	struct kiln_etcd_moved *moved;
	size_t n_moved;
	/* Folders of members no longer in the manifest, sorted by name. */
	struct kiln_etcd_gone *gone;
	size_t n_gone;
	/*
	 * The CA's notAfter (seconds), and whether it comes before that of
	 * a certificate made now with the manifest's expiry: such a
	 * certificate stops working when the CA does.
	 */
	long long ca_not_after;
	int ca_ends_first;
};

void kiln_etcd_result_init(struct kiln_etcd_result *);
void kiln_etcd_result_free(struct kiln_etcd_result *);

/*
 * Called before each step of a run: step "i" of "n", and what it is.  The
 * calls come one at a time and in order, but when leaves are made on
 * several threads, from whichever thread takes the step.
 */
typedef void kiln_etcd_progress(void *, size_t, size_t, const char *);

#define KILN_ETCD_FORCE 0x1   /* new keys and certificates for every leaf */
#define KILN_ETCD_DRY_RUN 0x2 /* decide everything, write and make nothing */

/*
 * Write the cluster of "m" into folder "dir" (created if missing): ca/,
 * one folder per member, clients/.  Valid existing keys and certificates
 * are kept byte for byte; an existing CA is never replaced.  A member
 * that is new to an existing cluster gets initial-cluster-state
 * "existing" and is listed in "result->added".  Nothing is written
 * unless everything could be made.  "result" lists every file written,
 * kept or left behind, the members whose peer URL changed and the
 * folders of members no longer in the manifest.  With KILN_ETCD_DRY_RUN
 * the run takes every decision a real run would, and fills "result" as
 * it would, but makes no folder and writes no file.  "progress" may be
 * NULL.  Returns 0 or -1.
 */
int kiln_etcd_build(const struct kiln_etcd_manifest *, const char *,
    unsigned int, kiln_etcd_progress *, void *, struct kiln_etcd_result *,
    struct kiln_err *);

/*
 * As kiln_etcd_build, making the members' and clients' keys and
 * certificates on "threads" threads (0: one per online core, 1: all in
 * the calling thread).  The files, the result and the error do not
 * depend on the number of threads, only the random parts (keys, serials,
 * signatures) do.
 */
int kiln_etcd_build_threads(const struct kiln_etcd_manifest *, const char *,
    unsigned int, unsigned int, kiln_etcd_progress *, void *,
    struct kiln_etcd_result *, struct kiln_err *);

/* "https://IP:PORT" into "out", with brackets for IPv6. */
void kiln_etcd_url(char *, size_t, const char *, int);

/*
 * An expiry ("ns" nanoseconds) as the manifest and ca-config.json write
 * it, into "out" ("size" bytes): "8760h" for whole hours, else Go's form
 * ("90m0s").  Cannot fail; the text is cut to fit.
 */
void kiln_etcd_expiry(int64_t, char *, size_t);

#endif /* KILN_ETCD_H */
