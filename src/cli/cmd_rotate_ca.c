/*
 * kiln rotate-ca: a kiln etcd tree's CA, or one CA of a kiln k8s tree,
 * replaced in three phases (kiln-rotate-ca(1)); the kind of tree is
 * found by kiln_rotate_kind, the work is kiln_etcd_rotate's or
 * kiln_k8s_rotate's.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kiln/rotate.h"

/* Each file written, kept or removed. */
static void
print_files(const struct kiln_rotate_result *r)
{
	const struct kiln_rotate_file *f;
	size_t i;

	for (i = 0; i < r->n_files; i++) {
		f = &r->files[i];
		switch (f->fate) {
		case KILN_ROTATE_NEW:
			cli_printf("%s: written (new)", f->path);
			break;
		case KILN_ROTATE_CHANGED:
			cli_printf("%s: written (changed)", f->path);
			break;
		case KILN_ROTATE_KEPT:
			cli_printf("%s: kept", f->path);
			break;
		case KILN_ROTATE_RESET:
			cli_printf("%s: mode %04o reset to %04o", f->path,
			    f->was, f->now);
			break;
		case KILN_ROTATE_REMOVED:
			cli_printf("%s: removed", f->path);
			break;
		}
	}
}

/*
 * Phase 3's removals, for the summary: "; the old CA (DIR/ca/old) and
 * the new CA's copies (DIR/ca/new) removed", or "" when none, into "out".
 */
static const char *
removed_text(
    const struct kiln_rotate_result *r, const char *dir, char *out, size_t size)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < r->n_files; i++)
		if (r->files[i].fate == KILN_ROTATE_REMOVED) {
			snprintf(out, size,
			    "; the old CA (%s/ca/old) and the new CA's copies "
			    "(%s/ca/new) removed",
			    dir, dir);
			break;
		}
	return out;
}

/* The members' (nodes') names, one space between, into "names". */
static void
member_names(const struct kiln_rotate_result *r, char *names, size_t size)
{
	size_t i, len = 0;

	names[0] = '\0';
	for (i = 0; i < r->n_members && len < size; i++)
		len += (size_t)snprintf(names + len, size - len, "%s%s",
		    i > 0 ? " " : "", r->members[i]);
}

/* What the phase did, and what etcd needs before the next. */
static void
print_summary(const char *dir, const struct kiln_rotate_result *r, int dry)
{
	const char *tail = dry ? " (dry run: nothing written)" : "";
	char names[LINE_MAX], gone[2 * PATH_MAX + 64];

	switch (r->phase) {
	case 1:
		cli_printf("%s: phase 1 of 3%s: new CA %s in %s/ca/new, "
		           "certified by the old CA %s; every member trusts "
		           "both%s",
		    dir, dry ? " planned" : " done", r->new_id, dir, r->old_id,
		    tail);
		cli_printf("next: nothing to restart (the members keep "
		           "trusting the old CA, which certified the new "
		           "one); then kiln rotate-ca -dir %s 2",
		    dir);
		break;
	case 2:
		cli_printf("%s: phase 2 of 3%s: %zu certificate%s issued "
		           "again by the new CA %s for the same keys, %zu "
		           "kept; the old CA %s is in %s/ca/old%s",
		    dir, dry ? " planned" : " done", r->reissued,
		    r->reissued == 1 ? "" : "s", r->new_id, r->kept, r->old_id,
		    dir, tail);
		cli_printf("next: nothing to restart (etcd reads its "
		           "certificate and key on every new connection, and "
		           "each is served with the cross certificate); then "
		           "kiln rotate-ca -dir %s 3",
		    dir);
		break;
	default:
		member_names(r, names, sizeof(names));
		cli_printf("%s: phase 3 of 3%s: every member trusts the new "
		           "CA %s only%s; the rotation is finished%s",
		    dir, dry ? " planned" : " done", r->new_id,
		    removed_text(r, dir, gone, sizeof(gone)), tail);
		cli_printf("next: restart the members one at a time, each "
		           "healthy before the next, the leader last after "
		           "etcdctl move-leader hands its role to a restarted "
		           "member (etcd reads its trusted-ca-file only when it "
		           "starts; until then it still accepts the old CA's "
		           "certificates): %s",
		    names);
		break;
	}
}

/*
 * What the operator does after phase "phase" for CA "ca" of a kiln k8s
 * tree, node "names" (kiln-rotate-ca(1), "Kubernetes trees").
 */
static const char *
k8s_next(const char *ca, int phase)
{
	if (strcmp(ca, "ca") == 0)
		return phase == 1
		           ? "copy each node's files to its /etc/kubernetes; "
		             "point "
		             "kube-controller-manager's "
		             "--cluster-signing-cert-file "
		             "at pki/ca-signer.crt (it takes one certificate, "
		             "never "
		             "a bundle) and restart it (it reads "
		             "--root-ca-file only "
		             "when it starts; service-account secrets and "
		             "kube-root-ca.crt then carry both CAs); restart "
		             "the "
		             "pods that use the in-cluster configuration; "
		             "kube-apiserver re-reads --client-ca-file by "
		             "itself"
		       : phase == 2
		           ? "copy each node's files to its /etc/kubernetes; "
		             "restart kube-apiserver, kube-controller-manager, "
		             "kube-scheduler and the kubelet, one node at a "
		             "time "
		             "(they read their certificates and kubeconfigs "
		             "when "
		             "they start; each is served with the cross "
		             "certificate, so what still trusts only the old "
		             "CA "
		             "accepts it)"
		           : "copy each node's files to its /etc/kubernetes; "
		             "restart the kubelet, kube-controller-manager and "
		             "kube-scheduler, one node at a time (until then "
		             "they "
		             "still accept the old CA's certificates; "
		             "kube-apiserver re-reads --client-ca-file by "
		             "itself); "
		             "--cluster-signing-cert-file may name pki/ca.crt "
		             "again; restart the pods that use the in-cluster "
		             "configuration";
	if (strcmp(ca, "front-proxy-ca") == 0)
		return phase == 1 ? "copy each node's files to its "
		                    "/etc/kubernetes; nothing "
		                    "to restart (kube-apiserver re-reads "
		                    "--requestheader-client-ca-file by itself)"
		       : phase == 2
		           ? "copy each node's files to its /etc/kubernetes; "
		             "restart kube-apiserver, one node at a time, so "
		             "that "
		             "it presents the new front-proxy-client "
		             "certificate"
		           : "copy each node's files to its /etc/kubernetes; "
		             "nothing "
		             "to restart (kube-apiserver re-reads "
		             "--requestheader-client-ca-file by itself)";
	return phase == 1 ? "copy each node's files to its /etc/kubernetes; "
	                    "nothing to "
	                    "restart (etcd and kube-apiserver keep trusting "
	                    "the old CA, "
	                    "which certified the new one)"
	       : phase == 2
	           ? "copy each node's files to its /etc/kubernetes; restart "
	             "kube-apiserver, one node at a time (it reads "
	             "--etcd-certfile "
	             "when it starts; etcd reads its own certificates on every "
	             "new "
	             "connection)"
	           : "copy each node's files to its /etc/kubernetes; restart "
	             "the "
	             "etcd members, then kube-apiserver, one node at a time, "
	             "each "
	             "healthy before the next (they read --trusted-ca-file and "
	             "--etcd-cafile only when they start)";
}

/* What the phase did to CA "ca" of a kiln k8s tree, and what comes next. */
static void
print_k8s_summary(const char *dir, const char *ca,
    const struct kiln_rotate_result *r, int dry)
{
	const char *tail = dry ? " (dry run: nothing written)" : "",
	           *done = dry ? " planned" : " done";
	char names[LINE_MAX], gone[2 * PATH_MAX + 64];

	member_names(r, names, sizeof(names));
	switch (r->phase) {
	case 1:
		cli_printf("%s: phase 1 of 3%s: new CA %s for %s in %s/ca/new, "
		           "certified by the old CA %s; every node trusts "
		           "both%s",
		    dir, done, r->new_id, ca, dir, r->old_id, tail);
		break;
	case 2:
		cli_printf("%s: phase 2 of 3%s: %zu certificate%s issued "
		           "again by the new CA %s for the same keys, %zu "
		           "kept; the old CA %s is in %s/ca/old%s",
		    dir, done, r->reissued, r->reissued == 1 ? "" : "s",
		    r->new_id, r->kept, r->old_id, dir, tail);
		break;
	default:
		cli_printf("%s: phase 3 of 3%s: every node trusts the new CA "
		           "%s for %s only%s; the rotation is finished%s",
		    dir, done, r->new_id, ca,
		    removed_text(r, dir, gone, sizeof(gone)), tail);
		break;
	}
	if (r->phase < 3)
		cli_printf("next: %s; then kiln rotate-ca -ca-name %s -dir %s "
		           "%d (nodes: %s)",
		    k8s_next(ca, r->phase), ca, dir, r->phase + 1, names);
	else
		cli_printf(
		    "next: %s (nodes: %s)", k8s_next(ca, r->phase), names);
}

int
cmd_rotate_ca(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_rotate_result r;
	struct kiln_err err;
	enum kiln_rotate_kind kind;
	char dir[PATH_MAX], *end;
	const char *ca = cfg->ca_name;
	long phase;
	int rc = 1, k8s;

	/* "kiln rotate-ca DIR 1": the tree goes in -dir, a slip to name. */
	if (argc == 2 && (cfg->dir == NULL || cfg->dir[0] == '\0'))
		return cli_usage_error(cfg->cmd,
		    "the tree is given as -dir %s, before the phase", argv[0]);
	if (argc != 1)
		return cli_usage_error(cfg->cmd,
		    argc == 0 ? "the phase to run (1, 2 or 3) is required"
		              : "one phase at a time");
	phase = strtol(argv[0], &end, 10);
	if (end == argv[0] || *end != '\0' || phase < 1 ||
	    phase > KILN_ROTATE_PHASES)
		return cli_usage_error(cfg->cmd,
		    "phase \"%s\": there are three phases, 1, 2 and 3",
		    argv[0]);
	if (cfg->dir == NULL || cfg->dir[0] == '\0')
		return cli_usage_error(cfg->cmd, "-dir is required");
	kiln_err_clear(&err);
	kiln_rotate_result_init(&r);
	/* "out/" and "out" are the same folder; print it one way. */
	snprintf(dir, sizeof(dir), "%s", cfg->dir);
	while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';
	if (kiln_rotate_kind(dir, &kind, &err) == -1)
		goto cleanup;
	k8s = kind == KILN_ROTATE_K8S_TREE;
	if (k8s && (ca == NULL || ca[0] == '\0')) {
		kiln_rotate_result_free(&r);
		return cli_usage_error(cfg->cmd,
		    "%s is a kiln k8s tree: -ca-name names the CA to rotate "
		    "(ca, front-proxy-ca or etcd-ca)",
		    dir);
	}
	if (!k8s && ca != NULL && ca[0] != '\0') {
		kiln_rotate_result_free(&r);
		return cli_usage_error(cfg->cmd,
		    "%s is a kiln etcd tree, with one CA: no -ca-name", dir);
	}
	if ((k8s ? kiln_k8s_rotate_threads(dir, ca, (int)phase,
	               cfg->dry_run ? KILN_ROTATE_DRY_RUN : 0,
	               (unsigned int)cfg->jobs, &r, &err)
	         : kiln_etcd_rotate_threads(dir, (int)phase,
	               cfg->dry_run ? KILN_ROTATE_DRY_RUN : 0,
	               (unsigned int)cfg->jobs, &r, &err)) == -1)
		goto cleanup;
	if (r.done_already) {
		if (r.before == 0)
			cli_printf("%s: phase %ld is done already: nothing "
			           "written (the rotation to the CA %s is "
			           "finished; phase 1 starts another)",
			    dir, phase, r.new_id);
		else
			cli_printf("%s: phase %ld is done already: nothing "
			           "written (phase %d is next)",
			    dir, phase, r.next);
		rc = 0;
		goto cleanup;
	}
	if (!cfg->quiet)
		print_files(&r);
	if (k8s) {
		cli_printf("%s: a kiln k8s tree (%s/ca/ca.crt): its CA %s", dir,
		    dir, ca);
		print_k8s_summary(dir, ca, &r, cfg->dry_run);
	} else {
		cli_printf("%s: a kiln etcd tree (%s/ca/ca.pem)", dir, dir);
		print_summary(dir, &r, cfg->dry_run);
	}
	rc = 0;
cleanup:
	if (rc != 0)
		cli_error("rotate-ca", &err);
	kiln_rotate_result_free(&r);
	return rc;
}
