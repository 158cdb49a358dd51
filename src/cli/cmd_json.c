/*
 * kiln json (cfssljson): write cfssl's JSON output to files.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kiln/cfssljson.h"
#include "kiln/file.h"
#include "kiln/gen.h"
#include "kiln/pem.h"

/* A part as -stdout prints it: the OCSP response in base64, as given. */
static int
print_part(struct kiln_buf *line, const struct kiln_buf *part, int base64,
    struct kiln_err *err)
{
	if (!base64)
		return kiln_buf_append(line, part->p, part->len, err);
	return kiln_base64_append(line, part->p, part->len, err);
}

/*
 * Under kiln's name, without -force: the private key at "path" is added
 * to "batch" only if nothing is there or the very same key is (a rerun);
 * a different key is refused, as the README's CA recipe would otherwise
 * replace a CA's key and orphan every certificate it issued.  The name
 * must still be what was compared when the batch is committed.  "*dfd"
 * is the folder, kept open until then.
 */
static int
add_key(struct kiln_file_batch *batch, const char *path,
    const struct kiln_buf *key, int *dfd, struct kiln_err *err)
{
	struct kiln_buf old;
	struct kiln_err rerr = {0};
	struct stat st;
	char dir[PATH_MAX];
	const char *name = strrchr(path, '/');
	int rc = -1;

	kiln_buf_init(&old);
	if (name == NULL) {
		name = path;
		strcpy(dir, ".");
	} else if (name == path) {
		name++;
		strcpy(dir, "/");
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int)(name - path), path);
		name++;
	}
	if ((*dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		kiln_err_sys(err, "%s", dir);
		goto cleanup;
	}
	memset(&st, 0, sizeof(st));
	if (kiln_file_read_at(*dfd, name, path, &old, &st, &rerr) == -1) {
		if (rerr.code != KILN_EIO || rerr.sys != ENOENT) {
			*err = rerr;
			goto cleanup;
		}
		memset(&st, 0, sizeof(st)); /* absent, and must stay so */
	} else if (old.len != key->len ||
	           memcmp(old.p, key->p, key->len) != 0) {
		kiln_err_set(err, KILN_EEXIST, CLI_KEY_KEPT, path);
		goto cleanup;
	}
	rc = kiln_file_batch_add_at(batch, *dfd, name, path, key->p, key->len,
	    kiln_cfssljson_mode(KILN_OUT_KEY), 0, &st, err);
cleanup:
	kiln_buf_free(&old);
	return rc;
}

static int
json(const char *base, const struct cli_config *cfg, struct kiln_err *err)
{
	struct kiln_cfssljson out;
	struct kiln_file_batch batch;
	struct kiln_buf text, line;
	const char *input = cfg->f;
	char path[PATH_MAX];
	int i, rc = -1, dfd = -1;

	kiln_cfssljson_init(&out);
	kiln_file_batch_init(&batch);
	kiln_buf_init(&text);
	kiln_buf_init(&line);
	if (kiln_file_read(input, &text, err) == -1)
		goto cleanup;
	if (kiln_cfssljson_parse(
	        &out, (char *)text.p, text.len, cfg->bare, err) == -1) {
		kiln_err_prefix(err, "%s",
		    strcmp(input, "-") == 0 ? "standard input" : input);
		goto cleanup;
	}
	/* Every name must fit before the first file is written. */
	for (i = 0; i < KILN_OUT__MAX && !cfg->to_stdout; i++)
		if (out.part[i].len > 0 &&
		    (cli_path(path, base,
		         kiln_cfssljson_suffix((enum kiln_cfssljson_part)i),
		         err) == -1 ||
		        kiln_gen_check_dir(path, err) == -1))
			goto cleanup;
	for (i = 0; i < KILN_OUT__MAX; i++) {
		if (out.part[i].len == 0)
			continue;
		if (cfg->to_stdout) {
			/* The contents and a newline, as cfssljson -stdout. */
			line.len = 0;
			if (print_part(&line, &out.part[i], i == KILN_OUT_OCSP,
			        err) == -1 ||
			    kiln_buf_append(&line, "\n", 1, err) == -1 ||
			    cli_write_stdout(&line, err) == -1)
				goto cleanup;
			continue;
		}
		if (cli_path(path, base,
		        kiln_cfssljson_suffix((enum kiln_cfssljson_part)i),
		        err) == -1)
			goto cleanup;
		if (i == KILN_OUT_KEY && !cfg->force && !cli_cfssl_name()) {
			if (add_key(&batch, path, &out.part[i], &dfd, err) ==
			    -1)
				goto cleanup;
			continue;
		}
		if (kiln_file_batch_add(&batch, path, out.part[i].p,
		        out.part[i].len,
		        kiln_cfssljson_mode((enum kiln_cfssljson_part)i), 0,
		        err) == -1)
			goto cleanup;
	}
	/* The files as one batch: two disk flushes rather than two each. */
	rc = kiln_file_batch_commit(&batch, err);
cleanup:
	kiln_file_batch_free(&batch);
	if (dfd != -1)
		close(dfd);
	kiln_cfssljson_free(&out);
	kiln_buf_free(&text);
	kiln_buf_free(&line);
	return rc;
}

/*
 * Whether "base" can start file names: not empty, not a folder ("dir/",
 * "/"), not "." or "..", which would give hidden files such as ".pem"
 * and "-key.pem" in the current or root folder.
 */
static int
good_base(const char *base)
{
	const char *last = strrchr(base, '/');

	last = last != NULL ? last + 1 : base;
	return *last != '\0' && strcmp(last, ".") != 0 &&
	       strcmp(last, "..") != 0;
}

int
cmd_json(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_err err = {0};
	const char *base = argc > 0 ? argv[0] : "cert";

	if (cfg->version) {
		printf("Version: %s\n", KILN_VERSION);
		return 0;
	}
	if (!cfg->to_stdout && !good_base(base))
		return cli_usage_error(cfg->cmd,
		    "BASENAME \"%s\" names no file: give a name such as ca",
		    base);
	/* cfssljson ignores arguments after BASENAME ("-bare ca -" works). */
	if (json(base, cfg, &err) == -1) {
		cli_error("json", &err);
		return 1;
	}
	return 0;
}
