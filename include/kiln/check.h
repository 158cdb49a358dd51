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
	enum kiln_check_status status;
	char *why; /* untrusted: mbedTLS's reason; else NULL */
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

	struct kiln_check_entry *entries;
	size_t n_entries;
	struct kiln_check_problem *problems;
	size_t n_problems;
	size_t files; /* files read */
};

void kiln_check_init(struct kiln_check *);
void kiln_check_free(struct kiln_check *);

/*
 * Check every certificate in "path": a file (PEM, a bundle, or DER), or
 * a folder, recursively, in name order (symbolic links to files are
 * followed, links to folders are not).  Files that hold no certificate
 * are skipped quietly; unreadable files and broken certificates are
 * recorded as problems.  Returns 0, or -1 only for running out of memory.
 */
int kiln_check_path(struct kiln_check *, const char *, struct kiln_err *);

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
