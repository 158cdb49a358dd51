/*
 * kiln k8s: a whole Kubernetes PKI and its kubeconfigs from one
 * manifest (kiln-k8s(1)).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kiln/duration.h"
#include "kiln/file.h"
#include "kiln/k8s.h"
#include "treeout.h"

/* Each file written, kept or left behind, and each folder left behind. */
static void
print_files(const struct kiln_k8s_result *r)
{
	const struct kiln_k8s_file *f;
	size_t i;

	for (i = 0; i < r->n_files; i++) {
		f = &r->files[i];
		cli_tree_file(f->path, (enum cli_fate)f->fate, f->was, f->now);
	}
	for (i = 0; i < r->n_gone; i++)
		cli_tree_gone(r->gone[i].path, r->gone[i].name,
		    r->gone[i].has_ca_keys ? "its pki/ still holds the CA keys"
		                           : NULL,
		    "the node is deleted from the cluster");
}

/* kiln k8s -sign-csrs DIR -ca-dir CADIR: kubeadm's external-CA mode. */
static int
sign_csrs(const struct cli_config *cfg)
{
	struct kiln_k8s_result r;
	struct kiln_err err;
	int64_t expiry = 0;
	size_t i;
	int rc = 1;

	kiln_err_clear(&err);
	kiln_k8s_result_init(&r);
	if (cfg->expiry[0] != '\0' &&
	    (kiln_duration_parse(cfg->expiry, &expiry, &err) == -1 ||
	        expiry <= 0)) {
		rc = cli_usage_error(cfg->cmd,
		    "invalid value \"%s\" for flag -expiry", cfg->expiry);
		goto done;
	}
	if (kiln_k8s_sign_csrs(cfg->sign_csrs, cfg->ca_dir, expiry,
	        (cfg->force ? KILN_K8S_FORCE : 0) |
	            (cfg->dry_run ? KILN_K8S_DRY_RUN : 0),
	        &r, &err) == -1) {
		cli_error("k8s", &err);
		goto done;
	}
	if (!cfg->quiet) {
		print_files(&r);
		for (i = 0; i < r.n_ignored; i++)
			cli_printf("%s: not one of kubeadm's, left alone",
			    r.ignored[i]);
	}
	cli_tree_summary(cfg->sign_csrs, NULL, r.issued, r.kept, "signed",
	    "to sign", cfg->dry_run);
	rc = 0;
done:
	kiln_k8s_result_free(&r);
	return rc;
}

int
cmd_k8s(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_k8s_manifest m;
	struct kiln_k8s_result r;
	struct kiln_buf text;
	struct kiln_err err;
	char dir[4096], cps[64], workers[64], what[160];
	int tty = isatty(STDERR_FILENO), rc = 1;

	if (argc != 0)
		return cli_usage_error(
		    cfg->cmd, "unexpected argument \"%s\"", argv[0]);
	if (cfg->sign_csrs[0] != '\0') {
		if (cfg->manifest[0] != '\0' || cfg->out[0] != '\0' ||
		    cfg->jobs != 0)
			return cli_usage_error(cfg->cmd,
			    "-sign-csrs takes no -manifest, -out or -j");
		if (cfg->ca_dir[0] == '\0')
			return cli_usage_error(
			    cfg->cmd, "-sign-csrs needs -ca-dir");
		return sign_csrs(cfg);
	}
	if (cfg->ca_dir[0] != '\0' || cfg->expiry[0] != '\0')
		return cli_usage_error(
		    cfg->cmd, "-ca-dir and -expiry go with -sign-csrs");
	if (cfg->manifest[0] == '\0' || cfg->out[0] == '\0')
		return cli_usage_error(
		    cfg->cmd, "-manifest and -out are required");
	kiln_err_clear(&err);
	kiln_k8s_manifest_init(&m);
	kiln_k8s_result_init(&r);
	kiln_buf_init(&text);
	if (kiln_file_read(cfg->manifest, &text, &err) == -1)
		goto cleanup;
	if (kiln_k8s_manifest_parse(&m, (char *)text.p, text.len, &err) == -1) {
		kiln_err_prefix(&err, "%s", cfg->manifest);
		goto cleanup;
	}
	m.force_hint = "use -force"; /* libkiln names no flag */
	cli_tree_dir(cfg->out, dir, sizeof(dir));
	if (kiln_k8s_build(&m, dir,
	        (cfg->force ? KILN_K8S_FORCE : 0) |
	            (cfg->dry_run ? KILN_K8S_DRY_RUN : 0),
	        (unsigned int)cfg->jobs, tty ? cli_tree_progress : NULL, NULL,
	        &r, &err) == -1)
		goto cleanup;
	cli_tree_progress_end(tty);
	if (!cfg->quiet)
		print_files(&r);
	snprintf(what, sizeof(what), "%s, %s",
	    cli_count(
	        cps, sizeof(cps), m.n_control_plane, "control-plane node"),
	    cli_count(workers, sizeof(workers), m.n_workers, "worker"));
	cli_tree_summary(
	    dir, what, r.issued, r.kept, "issued", "to issue", cfg->dry_run);
	rc = 0;
cleanup:
	if (rc != 0) {
		cli_tree_progress_end(tty);
		cli_error("k8s", &err);
	}
	kiln_k8s_manifest_free(&m);
	kiln_k8s_result_free(&r);
	kiln_buf_free(&text);
	return rc;
}
