/*
 * kiln rotate-ca: a kiln etcd tree's CA replaced in three phases
 * (kiln-rotate-ca(1)); the work is kiln_etcd_rotate's.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kiln/rotate.h"

/* Each file written or kept. */
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
		}
	}
}

/* What the phase did, and what etcd needs before the next. */
static void
print_summary(const char *dir, const struct kiln_rotate_result *r, int dry)
{
	const char *tail = dry ? " (dry run: nothing written)" : "";
	char names[LINE_MAX];
	size_t i, len = 0;

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
		names[0] = '\0';
		for (i = 0; i < r->n_members && len < sizeof(names); i++)
			len +=
			    (size_t)snprintf(names + len, sizeof(names) - len,
			        "%s%s", i > 0 ? " " : "", r->members[i]);
		cli_printf("%s: phase 3 of 3%s: every member trusts the new "
		           "CA %s only; the rotation is finished%s",
		    dir, dry ? " planned" : " done", r->new_id, tail);
		cli_printf("next: restart the members one at a time, each "
		           "healthy before the next (etcd reads its "
		           "trusted-ca-file only when it starts; until then it "
		           "still accepts the old CA's certificates): %s",
		    names);
		break;
	}
}

int
cmd_rotate_ca(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_rotate_result r;
	struct kiln_err err;
	char dir[PATH_MAX], *end;
	long phase;
	int rc = 1;

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
	if (kiln_etcd_rotate(dir, (int)phase,
	        cfg->dry_run ? KILN_ROTATE_DRY_RUN : 0, &r, &err) == -1)
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
	print_summary(dir, &r, cfg->dry_run);
	rc = 0;
cleanup:
	if (rc != 0)
		cli_error("rotate-ca", &err);
	kiln_rotate_result_free(&r);
	return rc;
}
