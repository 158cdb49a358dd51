/*
 * What kiln etcd and kiln k8s print about a tree they wrote (or, with -n,
 * would write): each file with what became of it, the folders left
 * behind, and the summary line; the folder as it is shown, and the
 * progress line on a terminal.  Both commands' results name a file's
 * fate with the same values (KILN_ETCD_* and KILN_K8S_* in this order).
 */
#ifndef KILN_CLI_TREEOUT_H
#define KILN_CLI_TREEOUT_H

#include <stddef.h>

/* What became of a file: kiln_etcd_fate's and kiln_k8s_fate's values. */
enum cli_fate {
	CLI_FATE_NEW,
	CLI_FATE_CHANGED,
	CLI_FATE_KEPT,
	CLI_FATE_RESET,
	CLI_FATE_LEFT
};

/* "PATH: written (new)", "PATH: kept", ...; "was", "now": RESET's modes. */
void cli_tree_file(const char *, enum cli_fate, unsigned int, unsigned int);

/*
 * "PATH: left behind: NAME is no longer in the manifest[HELD]; remove the
 * folder once WHEN": a folder of something the manifest no longer names.
 * "held" (NULL: nothing) says what it still holds.
 */
void cli_tree_gone(const char *, const char *, const char *, const char *);

/*
 * "DIR[: WHAT]: N certificate[s] DONE, K kept" ("what" NULL: none), DONE
 * "to_do" and " (dry run: nothing written)" after it when "dry".
 */
void cli_tree_summary(const char *, const char *, size_t, size_t, const char *,
    const char *, int);

/* "N NOUN" or "N NOUNs" into "buf" (as "3 members"); returns "buf". */
const char *cli_count(char *, size_t, size_t, const char *);

/* Folder "out" as it is shown ("out/" and "out" alike) into "dir". */
void cli_tree_dir(const char *, char *, size_t);

/* On a terminal, one line per step, rewritten in place. */
void cli_tree_progress(void *, size_t, size_t, const char *);
/* The progress line, if one is shown ("tty"), cleared. */
void cli_tree_progress_end(int);

#endif /* KILN_CLI_TREEOUT_H */
