/*
 * kiln etcd: a whole cluster from one manifest (kiln-etcd(1)).
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kiln/etcd.h"
#include "kiln/file.h"

/* On a terminal, one line per step, rewritten in place. */
static void
show_progress(void *arg, size_t step, size_t n, const char *what)
{
	(void)arg;
	fprintf(stderr, "\r\033[K[%zu/%zu] %s", step, n, what);
	fflush(stderr);
}

static int
is_added(const struct kiln_etcd_result *r, size_t j)
{
	size_t a;

	for (a = 0; a < r->n_added; a++)
		if (r->added[a] == j)
			return 1;
	return 0;
}

/*
 * For each member new to a running cluster, the etcdctl command to run
 * before starting it, with the credentials the run wrote: the first
 * client's, or else the first running member's server certificate (which
 * carries client auth too).
 */
static void
print_member_add(const struct kiln_etcd_manifest *m, const char *dir,
    const struct kiln_etcd_result *r)
{
	const char *leaf = m->layout == KILN_ETCD_SHARED ? "etcd" : "server";
	char url[128];
	size_t i, j, k, running = 0;
	int first;

	for (j = 0; j < m->n_members; j++)
		if (!is_added(r, j)) {
			running = j;
			break;
		}
	for (k = 0; k < r->n_added; k++) {
		i = r->added[k];
		printf("%s is new to a running cluster; before starting it, "
		       "run:\n  etcdctl --endpoints=",
		    m->members[i].name);
		for (j = 0, first = 1; j < m->n_members; j++) {
			if (is_added(r, j))
				continue;
			kiln_etcd_url(url, sizeof(url), m->members[j].ip,
			    m->etcd.client_port);
			printf("%s%s", first ? "" : ",", url);
			first = 0;
		}
		if (m->n_clients > 0)
			printf(
			    " --cacert=%s/ca/ca.pem --cert=%s/clients/%s.pem "
			    "--key=%s/clients/%s-key.pem",
			    dir, dir, m->clients[0].cn, dir, m->clients[0].cn);
		else
			printf(" --cacert=%s/ca/ca.pem --cert=%s/%s/ssl/%s.pem "
			       "--key=%s/%s/ssl/%s-key.pem",
			    dir, dir, m->members[running].name, leaf, dir,
			    m->members[running].name, leaf);
		kiln_etcd_url(
		    url, sizeof(url), m->members[i].ip, m->etcd.peer_port);
		printf(
		    " member add %s --peer-urls=%s\n", m->members[i].name, url);
	}
}

int
cmd_etcd(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_etcd_manifest m;
	struct kiln_etcd_result r;
	struct kiln_buf text;
	struct kiln_err err;
	char base[PATH_MAX], dir[PATH_MAX];
	int tty = isatty(STDERR_FILENO), rc = 1;
	size_t i;

	(void)argv;
	if (argc != 0)
		return cli_usage_error(
		    cfg->cmd, "unexpected argument \"%s\"", argv[0]);
	if (cfg->manifest[0] == '\0' || cfg->out[0] == '\0')
		return cli_usage_error(
		    cfg->cmd, "-manifest and -out are required");
	kiln_err_clear(&err);
	kiln_etcd_manifest_init(&m);
	kiln_etcd_result_init(&r);
	kiln_buf_init(&text);
	snprintf(base, sizeof(base), "%s", cfg->manifest);
	if (kiln_file_read(cfg->manifest, &text, &err) == -1)
		goto cleanup;
	if (kiln_etcd_manifest_parse(
	        &m, (char *)text.p, text.len, dirname(base), &err) == -1) {
		kiln_err_prefix(&err, "%s", cfg->manifest);
		goto cleanup;
	}
	/* "out/" and "out" are the same folder; print it one way. */
	snprintf(dir, sizeof(dir), "%s", cfg->out);
	while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';
	if (kiln_etcd_build_threads(&m, dir, cfg->force ? KILN_ETCD_FORCE : 0,
	        (unsigned int)cfg->jobs, tty ? show_progress : NULL, NULL, &r,
	        &err) == -1)
		goto cleanup;
	if (tty)
		fprintf(stderr, "\r\033[K");
	for (i = 0; i < r.n_reset; i++)
		cli_printf("%s: mode %04o reset to %04o", r.reset[i].path,
		    r.reset[i].was, r.reset[i].now);
	print_member_add(&m, dir, &r);
	printf("%s: %zu member%s, %zu client%s: %zu certificate%s issued, "
	       "%zu kept\n",
	    dir, m.n_members, m.n_members == 1 ? "" : "s", m.n_clients,
	    m.n_clients == 1 ? "" : "s", r.issued, r.issued == 1 ? "" : "s",
	    r.kept);
	rc = 0;
cleanup:
	if (rc != 0) {
		if (tty)
			fprintf(stderr, "\r\033[K");
		cli_error("etcd", &err);
	}
	kiln_etcd_manifest_free(&m);
	kiln_etcd_result_free(&r);
	kiln_buf_free(&text);
	return rc;
}
