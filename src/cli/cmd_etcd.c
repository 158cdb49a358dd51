/*
 * kiln etcd: a whole cluster from one manifest (kiln-etcd(1)).
 */
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kiln/etcd.h"
#include "kiln/file.h"
#include "kiln/time.h"
#include "treeout.h"

static int
is_added(const struct kiln_etcd_result *r, size_t j)
{
	size_t a;

	for (a = 0; a < r->n_added; a++)
		if (r->added[a] == j)
			return 1;
	return 0;
}

static int
is_moved(const struct kiln_etcd_result *r, size_t j)
{
	size_t a;

	for (a = 0; a < r->n_moved; a++)
		if (r->moved[a].member == j)
			return 1;
	return 0;
}

/* A format appended to "line" (LINE_MAX bytes), cut if it does not fit. */
static void cat(char *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
cat(char *line, const char *fmt, ...)
{
	size_t len = strlen(line);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line + len, LINE_MAX - len, fmt, ap);
	va_end(ap);
}

/*
 * "  etcdctl --endpoints=... --cacert=... --cert=... --key=..." into
 * "line": the endpoints of the members already running (not those new to
 * the cluster, nor those that moved, unless no other is left), with the
 * credentials the run wrote: the first client's, or else the first
 * running member's server certificate (which carries client auth too).
 */
static void
etcdctl(char *line, const struct kiln_etcd_manifest *m, const char *dir,
    const struct kiln_etcd_result *r)
{
	const char *leaf = m->layout == KILN_ETCD_SHARED ? "etcd" : "server";
	char url[128];
	size_t j, running = m->n_members, shown = 0;
	int pass;

	snprintf(line, LINE_MAX, "  etcdctl --endpoints=");
	for (pass = 0; pass < 2 && shown == 0; pass++)
		for (j = 0; j < m->n_members; j++) {
			if (is_added(r, j) || (pass == 0 && is_moved(r, j)))
				continue;
			if (running == m->n_members)
				running = j;
			kiln_etcd_url(url, sizeof(url), m->members[j].ip,
			    m->etcd.client_port);
			cat(line, "%s%s", shown++ > 0 ? "," : "", url);
		}
	if (running == m->n_members)
		running = 0;
	if (m->n_clients > 0)
		cat(line,
		    " --cacert=%s/ca/ca.pem --cert=%s/clients/%s.pem "
		    "--key=%s/clients/%s-key.pem",
		    dir, dir, m->clients[0].cn, dir, m->clients[0].cn);
	else
		cat(line,
		    " --cacert=%s/ca/ca.pem --cert=%s/%s/ssl/%s.pem "
		    "--key=%s/%s/ssl/%s-key.pem",
		    dir, dir, m->members[running].name, leaf, dir,
		    m->members[running].name, leaf);
}

/*
 * The etcdctl commands each change needs: "member add" before a new
 * member starts, "member update" for a member whose peer URL changed,
 * "member remove" for a member no longer in the manifest.  The last two
 * need the member's ID, which only the cluster knows: "member list"
 * gives it.
 */
static void
print_etcdctl(const struct kiln_etcd_manifest *m, const char *dir,
    const struct kiln_etcd_result *r)
{
	char line[LINE_MAX], url[128];
	size_t i, k;

	for (k = 0; k < r->n_added; k++) {
		i = r->added[k];
		cli_printf("%s is new to a running cluster; before starting "
		           "it, run:",
		    m->members[i].name);
		etcdctl(line, m, dir, r);
		kiln_etcd_url(
		    url, sizeof(url), m->members[i].ip, m->etcd.peer_port);
		cat(line, " member add %s --peer-urls=%s", m->members[i].name,
		    url);
		cli_printf("%s", line);
	}
	for (k = 0; k < r->n_moved; k++) {
		i = r->moved[k].member;
		kiln_etcd_url(
		    url, sizeof(url), m->members[i].ip, m->etcd.peer_port);
		cli_printf("%s's peer URL is now %s, not %s; find its ID "
		           "(the first field of its line), then update it "
		           "before restarting it:",
		    m->members[i].name, url, r->moved[k].old_url);
		etcdctl(line, m, dir, r);
		cat(line, " member list");
		cli_printf("%s", line);
		etcdctl(line, m, dir, r);
		cat(line, " member update MEMBER_ID --peer-urls=%s", url);
		cli_printf("%s", line);
	}
	for (k = 0; k < r->n_gone; k++) {
		cli_printf("%s is no longer in the manifest; find its ID (the "
		           "first field of its line), then remove it:",
		    r->gone[k].name);
		etcdctl(line, m, dir, r);
		cat(line, " member list");
		cli_printf("%s", line);
		etcdctl(line, m, dir, r);
		cat(line, " member remove MEMBER_ID");
		cli_printf("%s", line);
	}
}

/* Each file written, kept or left behind, and each folder left behind. */
static void
print_files(const struct kiln_etcd_result *r)
{
	const struct kiln_etcd_file *f;
	size_t i;

	for (i = 0; i < r->n_files; i++) {
		f = &r->files[i];
		cli_tree_file(f->path, (enum cli_fate)f->fate, f->was, f->now);
	}
	for (i = 0; i < r->n_gone; i++)
		cli_tree_gone(r->gone[i].path, r->gone[i].name,
		    r->gone[i].has_keys ? "its folder still holds valid keys"
		                        : NULL,
		    "the member is removed");
}

/*
 * A CA that ends before the certificates made now: one line for the run,
 * with the CA's end and the two ways out.
 */
static void
warn_ca(const struct kiln_etcd_manifest *m, const char *dir,
    const struct kiln_etcd_result *r)
{
	char when[64], expiry[32];

	if (!r->ca_ends_first)
		return;
	kiln_time_words(r->ca_not_after, when, sizeof(when));
	/* "8760h" as the manifest says it, rather than "8760h0m0s". */
	kiln_etcd_expiry(m->expiry, expiry, sizeof(expiry));
	cli_errorf("etcd",
	    "warning: %s/ca/ca.pem ends on %s, before the certificates made "
	    "now (expiry %s), which stop working with it: renew the CA for "
	    "longer (kiln renew -expiry DURATION -ca %s/ca/ca.pem -ca-key "
	    "%s%s %s/ca/ca.pem) or give the manifest a shorter \"expiry\"",
	    dir, when, expiry, dir, m->ca_key_path != NULL ? "" : dir,
	    m->ca_key_path != NULL ? m->ca_key_path : "/ca/ca-key.pem", dir);
}

int
cmd_etcd(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_etcd_manifest m;
	struct kiln_etcd_result r;
	struct kiln_buf text;
	struct kiln_err err;
	char base[PATH_MAX], dir[PATH_MAX], members[64], clients[64];
	char what[160];
	int tty = isatty(STDERR_FILENO), rc = 1;

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
	/* An existing CA's encrypted key: the password as cfssl reads it. */
	m.ca_password = getenv("CFSSL_CA_PK_PASSWORD");
	m.force_hint = "use -force"; /* libkiln names no flag */
	cli_tree_dir(cfg->out, dir, sizeof(dir));
	if (kiln_etcd_build_threads(&m, dir,
	        (cfg->force ? KILN_ETCD_FORCE : 0) |
	            (cfg->dry_run ? KILN_ETCD_DRY_RUN : 0),
	        (unsigned int)cfg->jobs, tty ? cli_tree_progress : NULL, NULL,
	        &r, &err) == -1)
		goto cleanup;
	cli_tree_progress_end(tty);
	warn_ca(&m, dir, &r);
	if (!cfg->quiet) {
		print_files(&r);
		print_etcdctl(&m, dir, &r);
	}
	snprintf(what, sizeof(what), "%s, %s",
	    cli_count(members, sizeof(members), m.n_members, "member"),
	    cli_count(clients, sizeof(clients), m.n_clients, "client"));
	cli_tree_summary(
	    dir, what, r.issued, r.kept, "issued", "to issue", cfg->dry_run);
	rc = 0;
cleanup:
	if (rc != 0) {
		cli_tree_progress_end(tty);
		cli_error("etcd", &err);
	}
	kiln_etcd_manifest_free(&m);
	kiln_etcd_result_free(&r);
	kiln_buf_free(&text);
	return rc;
}
