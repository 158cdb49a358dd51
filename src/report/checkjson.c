/*
 * kiln check's JSON: the set's status and exit code, every certificate
 * with its dates and time left, and the problems.
 */
#include <string.h>

#include "kiln/check.h"
#include "report/format.h"

int
kiln_check_json(
    const struct kiln_check *c, struct kiln_buf *out, struct kiln_err *err)
{
	const struct kiln_check_entry *e;
	struct kiln_err werr;
	struct jw j;
	char text[128];
	size_t i;

	kiln_err_clear(&werr); /* the writers go on; it keeps the first */
	memset(&j, 0, sizeof(j));
	j.out = out;
	j.err = &werr;
	jw_open(&j, "{");
	jw_kstr(&j, "status",
	    kiln_check_exit(c) == 3
	        ? "unknown"
	        : kiln_check_status_name(kiln_check_worst(c)));
	jw_kint(&j, "exit", kiln_check_exit(c));
	jw_kint(&j, "files", (long long)c->files);
	jw_key(&j, "certificates");
	jw_open(&j, "[");
	for (i = 0; i < c->n_entries; i++) {
		e = &c->entries[i];
		jw_item(&j);
		jw_open(&j, "{");
		jw_kstr(&j, "path", e->path);
		jw_kint(&j, "index", (long long)e->index);
		/* The same certificate elsewhere, counted once. */
		if (e->npaths > 0)
			jw_kstrs(&j, "also_at", e->paths, e->npaths);
		jw_kstr(&j, "subject_cn", e->subject_cn);
		/* The SANs in kiln-certinfo's order: DNS, IP, email, URI. */
		jw_kstrs(&j, "sans", e->sans, e->nsans);
		kiln_rfc3339(e->not_before, text, sizeof(text));
		jw_kstr(&j, "not_before", text);
		kiln_rfc3339(e->not_after, text, sizeof(text));
		jw_kstr(&j, "not_after", text);
		/* What is left of its chain: the earliest end with -ca. */
		if (e->chain_not_after != e->not_after) {
			kiln_rfc3339(e->chain_not_after, text, sizeof(text));
			jw_kstr(&j, "chain_not_after", text);
		}
		jw_kint(&j, "seconds_left", e->chain_not_after - c->now);
		jw_kint(&j, "days_left",
		    kiln_days_left(e->chain_not_after, c->now));
		jw_kstr(&j, "issuer_cn", e->issuer_cn);
		jw_kstr(&j, "serial_number", e->serial);
		jw_kstr(&j, "status", kiln_check_status_name(e->status));
		if (e->why != NULL)
			jw_kstr(&j, "reason", e->why);
		jw_close(&j, "}");
	}
	jw_close(&j, "]");
	jw_key(&j, "problems");
	jw_open(&j, "[");
	for (i = 0; i < c->n_problems; i++) {
		jw_item(&j);
		jw_open(&j, "{");
		jw_kstr(&j, "path", c->problems[i].path);
		jw_kstr(&j, "error", c->problems[i].msg);
		jw_close(&j, "}");
	}
	jw_close(&j, "]");
	jw_close(&j, "}");
	jw_raw(&j, "\n");
	if (kiln_buf_terminate(out, &werr) == 0 && werr.code == KILN_OK)
		return 0;
	return kiln_err_set(err, werr.code, "%s", werr.msg);
}
