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

/* On a terminal, one line per step, rewritten in place. */
static void
show_progress(void *arg, size_t step, size_t n, const char *what)
{
	(void)arg;
	fprintf(stderr, "\r\033[K[%zu/%zu] %s", step, n, what);
	fflush(stderr);
}

/* Each file written, kept or left behind, and each folder left behind. */
static void
print_files(const struct kiln_k8s_result *r)
{
	const struct kiln_k8s_file *f;
	size_t i;

	for (i = 0; i < r->n_files; i++) {
		f = &r->files[i];
		switch (f->fate) {
		case KILN_K8S_NEW:
			cli_printf("%s: written (new)", f->path);
			break;
		case KILN_K8S_CHANGED:
			cli_printf("%s: written (changed)", f->path);
			break;
		case KILN_K8S_KEPT:
			cli_printf("%s: kept", f->path);
			break;
		case KILN_K8S_RESET:
			cli_printf("%s: mode %04o reset to %04o", f->path,
			    f->was, f->now);
			break;
		case KILN_K8S_LEFT:
			cli_printf("%s: left behind: the manifest no longer "
			           "makes it; remove it if nothing uses it",
			    f->path);
			break;
		}
	}
	for (i = 0; i < r->n_gone; i++)
		cli_printf(
		    "%s: left behind: %s is no longer in the manifest%s; "
		    "remove the folder once the node is deleted from "
		    "the cluster",
		    r->gone[i].path, r->gone[i].name,
		    r->gone[i].has_ca_keys ? ", and its pki/ still holds the "
		                             "CA keys"
		                           : "");
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
	cli_printf("%s: %zu certificate%s %s, %zu kept%s", cfg->sign_csrs,
	    r.issued, r.issued == 1 ? "" : "s",
	    cfg->dry_run ? "to sign" : "signed", r.kept,
	    cfg->dry_run ? " (dry run: nothing written)" : "");
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
	char dir[4096];
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
	/* "out/" and "out" are the same folder; print it one way. */
	snprintf(dir, sizeof(dir), "%s", cfg->out);
	while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';
	if (kiln_k8s_build(&m, dir,
	        (cfg->force ? KILN_K8S_FORCE : 0) |
	            (cfg->dry_run ? KILN_K8S_DRY_RUN : 0),
	        (unsigned int)cfg->jobs, tty ? show_progress : NULL, NULL, &r,
	        &err) == -1)
		goto cleanup;
	if (tty)
		fprintf(stderr, "\r\033[K");
	if (!cfg->quiet)
		print_files(&r);
	cli_printf("%s: %zu control-plane node%s, %zu worker%s: %zu "
	           "certificate%s %s, %zu kept%s",
	    dir, m.n_control_plane, m.n_control_plane == 1 ? "" : "s",
	    m.n_workers, m.n_workers == 1 ? "" : "s", r.issued,
	    r.issued == 1 ? "" : "s", cfg->dry_run ? "to issue" : "issued",
	    r.kept, cfg->dry_run ? " (dry run: nothing written)" : "");
	rc = 0;
cleanup:
	if (rc != 0) {
		if (tty)
			fprintf(stderr, "\r\033[K");
		cli_error("k8s", &err);
	}
	kiln_k8s_manifest_free(&m);
	kiln_k8s_result_free(&r);
	kiln_buf_free(&text);
	return rc;
}
