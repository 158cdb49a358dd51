/*
 * kiln check: expiry and validity of every certificate in files and
 * folders, with monitoring-plugin exit codes (kiln-check(1)).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/x509_crt.h>

#include "cli.h"
#include "kiln/check.h"
#include "kiln/duration.h"
#include "kiln/file.h"
#include "kiln/rotate.h"

/* A -within or -critical duration in seconds; "" keeps "*out". */
static int
duration(
    const char *flag, const char *text, long long *out, struct kiln_err *err)
{
	int64_t ns;

	if (text[0] == '\0')
		return 0;
	if (kiln_duration_parse(text, &ns, err) == -1) {
		kiln_err_prefix(err, "-%s", flag);
		return -1;
	}
	if (ns < 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "-%s %s: must not be negative", flag, text);
	*out = ns / KILN_NS_SECOND;
	return 0;
}

/* The CA rotations under way in the tree "dir", one line each. */
static int
under_way(const char *dir)
{
	struct kiln_err err;
	char **lines = NULL;
	size_t i, n = 0;

	kiln_err_clear(&err);
	if (kiln_rotate_under_way(dir, &lines, &n, &err) == -1) {
		cli_error("check", &err);
		return -1;
	}
	for (i = 0; i < n; i++) {
		cli_errorf("check", "%s", lines[i]);
		free(lines[i]);
	}
	free(lines);
	return 0;
}

int
cmd_check(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_check c;
	struct kiln_buf out;
	struct kiln_err err;
	mbedtls_x509_crt ca;
	size_t i;
	int rc = 3;
	enum { TABLE, JSON, HTML, KUBEADM } format;
	int (*render)(
	    const struct kiln_check *, struct kiln_buf *, struct kiln_err *);

	kiln_err_clear(&err);
	if (argc == 0)
		return cli_usage_error(cfg->cmd, "no file or folder to check");
	if (cfg->format[0] == '\0' || strcmp(cfg->format, "table") == 0)
		format = TABLE, render = kiln_check_table;
	else if (strcmp(cfg->format, "json") == 0)
		format = JSON, render = kiln_check_json;
	else if (strcmp(cfg->format, "html") == 0)
		format = HTML, render = kiln_check_html;
	else if (strcmp(cfg->format, "kubeadm") == 0)
		format = KUBEADM, render = kiln_check_kubeadm;
	else
		return cli_usage_error(cfg->cmd,
		    "-format %s: want table, json, html or kubeadm",
		    cfg->format);
	kiln_check_init(&c);
	kiln_buf_init(&out);
	mbedtls_x509_crt_init(&ca);
	c.now = (long long)time(NULL);
	if (duration("within", cfg->within, &c.within, &err) == -1 ||
	    duration("critical", cfg->critical, &c.critical, &err) == -1) {
		cli_errorf("check", "%s", err.msg);
		cli_usage(cfg->cmd, 1);
		goto cleanup;
	}
	if (cfg->ca[0] != '\0') {
		if (cli_read_anchors(&ca, cfg->ca, &err) == -1) {
			cli_error("check", &err);
			goto cleanup;
		}
		c.ca = &ca;
	}
	c.exclude = (const char *const *)cfg->exclude.v;
	c.n_exclude = cfg->exclude.n;
	for (i = 0; i < (size_t)argc; i++)
		if (kiln_check_path(&c, argv[i], &err) == -1) {
			cli_error("check", &err);
			goto cleanup;
		}
	/* JSON has them in its object; the page has them too, but a cron
	 * job's mail or a terminal shows stderr, not the page. */
	if (format != JSON)
		for (i = 0; i < c.n_problems; i++)
			cli_errorf("check", "%s: %s", c.problems[i].path,
			    strncmp(c.problems[i].msg, c.problems[i].path,
			        strlen(c.problems[i].path)) == 0
			        ? c.problems[i].msg +
			              strlen(c.problems[i].path) + 2
			        : c.problems[i].msg);
	if (format != JSON && c.n_entries == 0)
		cli_errorf("check", "no certificate found");
	/* A tree mid-rotation holds two CAs: say so, not only "untrusted". */
	if (format != JSON && c.ca != NULL)
		for (i = 0; i < (size_t)argc; i++)
			if (under_way(argv[i]) == -1)
				goto cleanup;
	/* An empty table is not printed; the page says that nothing was
	 * found. */
	if ((format == TABLE || format == KUBEADM) && c.n_entries == 0) {
		rc = kiln_check_exit(&c);
		goto cleanup;
	}
	if (render(&c, &out, &err) == -1 ||
	    cli_write_stdout(&out, &err) == -1) {
		cli_error("check", &err);
		goto cleanup;
	}
	rc = kiln_check_exit(&c);
cleanup:
	kiln_check_free(&c);
	kiln_buf_free(&out);
	mbedtls_x509_crt_free(&ca);
	return rc;
}
