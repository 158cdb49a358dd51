/*
 * What kiln etcd and kiln k8s print about a tree (treeout.h): one way of
 * saying what became of each file, for both commands.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kiln/etcd.h"
#include "kiln/k8s.h"
#include "treeout.h"

/* Both commands' results name a file's fate with cli_fate's values. */
#define SAME_FATE(x)                                                           \
	((int)KILN_ETCD_##x == CLI_FATE_##x &&                                 \
	    (int)KILN_K8S_##x == CLI_FATE_##x)
_Static_assert(SAME_FATE(NEW) && SAME_FATE(CHANGED) && SAME_FATE(KEPT) &&
                   SAME_FATE(RESET) && SAME_FATE(LEFT),
    "kiln_etcd_fate and kiln_k8s_fate are cli_fate");

void
cli_tree_file(
    const char *path, enum cli_fate fate, unsigned int was, unsigned int now)
{
	switch (fate) {
	case CLI_FATE_NEW:
		cli_printf("%s: written (new)", path);
		break;
	case CLI_FATE_CHANGED:
		cli_printf("%s: written (changed)", path);
		break;
	case CLI_FATE_KEPT:
		cli_printf("%s: kept", path);
		break;
	case CLI_FATE_RESET:
		cli_printf("%s: mode %04o reset to %04o", path, was, now);
		break;
	case CLI_FATE_LEFT:
		cli_printf("%s: left behind: the manifest no longer makes it; "
		           "remove it if nothing uses it",
		    path);
		break;
	}
}

void
cli_tree_gone(
    const char *path, const char *name, const char *held, const char *when)
{
	cli_printf("%s: left behind: %s is no longer in the manifest%s%s; "
	           "remove the folder once %s",
	    path, name, held != NULL ? ", and " : "", held != NULL ? held : "",
	    when);
}

void
cli_tree_summary(const char *dir, const char *what, size_t issued, size_t kept,
    const char *done, const char *to_do, int dry)
{
	cli_printf("%s: %s%s%zu certificate%s %s, %zu kept%s", dir,
	    what != NULL ? what : "", what != NULL ? ": " : "", issued,
	    issued == 1 ? "" : "s", dry ? to_do : done, kept,
	    dry ? " (dry run: nothing written)" : "");
}

const char *
cli_count(char *buf, size_t size, size_t n, const char *noun)
{
	snprintf(buf, size, "%zu %s%s", n, noun, n == 1 ? "" : "s");
	return buf;
}

void
cli_tree_dir(const char *out, char *dir, size_t size)
{
	snprintf(dir, size, "%s", out);
	while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';
}

void
cli_tree_progress(void *arg, size_t step, size_t n, const char *what)
{
	(void)arg;
	fprintf(stderr, "\r\033[K[%zu/%zu] %s", step, n, what);
	fflush(stderr);
}

void
cli_tree_progress_end(int tty)
{
	if (tty)
		fprintf(stderr, "\r\033[K");
}
