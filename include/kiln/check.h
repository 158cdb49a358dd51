/*
 * kiln check: the expiry and validity of every certificate found in files
 * and folders, with one status for the whole set (monitoring-plugin
 * exit codes).
 */
#ifndef KILN_CHECK_H
#define KILN_CHECK_H

#include <stddef.h>

#include <mbedtls/x509_crt.h>

#include "kiln/buf.h"
#include "kiln/err.h"
#include "kiln/inspect.h"

/* From best to worst; the set's status is its worst certificate's. */
enum kiln_check_status {
	KILN_CHECK_OK,
	KILN_CHECK_EXPIRING, /* within -within */
	KILN_CHECK_CRITICAL, /* within -critical */
	KILN_CHECK_EXPIRED,  /* not after is past */
	KILN_CHECK_NOT_YET_VALID,
	KILN_CHECK_UNTRUSTED /* -ca given and the chain does not verify */
};

/* "ok", "expiring", ... */
const char *kiln_check_status_name(enum kiln_check_status);

/*
 * One certificate: only what the reports show, so that a check of ten
 * thousand files holds a few hundred bytes per certificate rather than
 * its parsed description.
 */
struct kiln_check_entry {
	char *path;
	size_t index;      /* 1-based position in its file */
	char *subject_cn;  /* the last CN, "" if none */
	char *issuer_cn;
	char **sans;       /* DNS, IP, email, URI: kiln-certinfo's order */
	size_t nsans;
	char *serial;      /* decimal, as cfssl-certinfo prints it */
	long long not_before, not_after; /* seconds since the epoch, UTC */
	int is_ca;
	/* With -ca: the earliest notAfter of its chain, the certificate's
	 * own included.  The status and time left are judged on it. */
	long long chain_not_after;
	enum kiln_check_status status;
	/* Why: untrusted (mbedTLS's reason, or the key identifiers that do
	 * not match), or a CA of its chain that ends before it; else NULL. */
	char *why;
	/* With no CN: its O and OU ("O=..., OU=..."), for the table; "". */
	char *subject_org;
	/* The other paths of the same file (links to it, hard links): it
	 * is read and counted once.  A copy is a file of its own. */
	char **paths;
	size_t npaths;
	unsigned long long dev, ino; /* the file's */
};

/* A file that could not be read, or holds a broken certificate. */
struct kiln_check_problem {
	char *path;
	char *msg;
};

struct kiln_check {
	/* Settings: seconds, and the time the check is made at. */
	long long within;   /* 30 days unless set */
	long long critical; /* < 0: not given */
	long long now;
	const mbedtls_x509_crt *ca; /* trust anchors, or NULL */
	/* Globs (fnmatch) on a file's or folder's name and on its path:
	 * what matches is left out.  Borrowed. */
	const char *const *exclude;
	size_t n_exclude;

	struct kiln_check_entry *entries;
	size_t n_entries;
	struct kiln_check_problem *problems;
	size_t n_problems;
	size_t files; /* files read */
	/* The files met: a hash table of the index + 1 of their first
	 * entry, by device and inode. */
	size_t *seen, seen_cap;
};

void kiln_check_init(struct kiln_check *);
void kiln_check_free(struct kiln_check *);

/*
 * Check every certificate in "path": a file (PEM, a bundle, or DER), or
 * a folder, recursively, in name order (symbolic links to files are
 * followed, links to folders are not).  Files that hold no certificate
 * are skipped quietly; so are the backups kiln renew -backup leaves
 * (kiln_walk_is_backup) and what c->exclude matches.  Unreadable files
 * and broken certificates are recorded as problems.  A file met again
 * through another link (the same device and inode: /etc/ssl/certs's hash
 * links) is read and counted once, its other paths listed in its
 * entries; a copy (another file) counts on its own.  Returns 0,
 * or -1 only for running out of memory.
 */
int kiln_check_path(struct kiln_check *, const char *, struct kiln_err *);

/*
 * The walk kiln check makes, for kiln renew's folders too: "file" is
 * called for each regular file or link to one (in the folder "dfd" under
 * "name", shown as "path"), "problem" for what cannot be read.  Both
 * return 0, or -1 to stop the walk with "err" filled.
 */
struct kiln_walk {
	const char *const *exclude; /* as kiln_check's */
	size_t n_exclude;
	int (*file)(void *, int, const char *, const char *, struct kiln_err *);
	int (*problem)(void *, const char *, const char *, struct kiln_err *);
	void *arg;
};

/*
 * Walk "path" as kiln_check_path does.  Returns 0, or -1 when a callback
 * stopped it or memory ran out.
 */
int kiln_walk(const struct kiln_walk *, const char *, struct kiln_err *);

/*
 * Whether the file or folder "name" at "path" is left out of a walk:
 * a kiln renew backup, or a match of one of the exclude globs.
 */
int kiln_walk_skips(const struct kiln_walk *, const char *, const char *);

/*
 * Whether "name" is one kiln renew -backup gives a backup: NAME followed
 * by "." and a UTC stamp, YYYYMMDDTHHMMSSZ (server.pem.20261207T091500Z).
 */
int kiln_walk_is_backup(const char *);

/* The worst status of the set. */
enum kiln_check_status kiln_check_worst(const struct kiln_check *);

/*
 * The monitoring-plugin exit code: 0 all ok, 1 something expiring, 2
 * something critical, expired, not yet valid or untrusted, 3 nothing
 * checked.  Problems make it 3 unless it is 2 already.
 */
int kiln_check_exit(const struct kiln_check *);

/* The entries as a boxed table or a JSON object, appended to "out". */
int kiln_check_table(
    const struct kiln_check *, struct kiln_buf *, struct kiln_err *);
int kiln_check_json(
    const struct kiln_check *, struct kiln_buf *, struct kiln_err *);

/*
 * The entries as `kubeadm certs check-expiration` prints its two tables
 * (CERTIFICATE, EXPIRES, RESIDUAL TIME, CERTIFICATE AUTHORITY; then
 * CERTIFICATE AUTHORITY, EXPIRES, RESIDUAL TIME), appended to "out":
 * kubeadm's names (pki/NAME.crt is NAME, pki/etcd/NAME.crt etcd-NAME, a
 * kubeconfig's client certificate its file name, anything else its
 * path), sorted by name, dates as "Jan 02, 2006 15:04 UTC", residual
 * time as kubeadm rounds it, the leaf's authority by its CA's name.
 * Certificate authorities embedded in kubeconfigs are left out.  Returns
 * 0, or -1 out of memory.
 */
int kiln_check_kubeadm(
    const struct kiln_check *, struct kiln_buf *, struct kiln_err *);

/*
 * The entries as one standalone HTML5 page, appended to "out": the
 * overall status and the counts per status, a timeline (inline SVG) of
 * every certificate's validity sorted by not after, with today's line,
 * the same certificates as a table, then the problems.  No script and
 * nothing fetched; every text from a certificate or a path is escaped.
 * Returns 0, or -1 out of memory.
 */
int kiln_check_html(
    const struct kiln_check *, struct kiln_buf *, struct kiln_err *);

#endif /* KILN_CHECK_H */
