/*
 * kiln gencrl: a CRL revoking the serial numbers of a file, as cfssl
 * gencrl (kiln-gencrl(1)).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kiln/gen.h"
#include "kiln/certdb.h"
#include "kiln/crl.h"
#include "kiln/file.h"
#include "kiln/pem.h"

/* cfssl's lifetime when SECONDS is absent or 0. */
#define ONE_WEEK (7LL * 24 * 3600)

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/*
 * SECONDS as cfssl reads it: white space trimmed, then Go's
 * strconv.ParseInt(s, 0, 32): an optional sign, then decimal, 0x hex or
 * 0 octal, within 32 bits.  (Go 1.13's 0b, 0o and "_" are not taken.)
 * Returns 0, or -1 with "why" describing the problem.
 */
static int
parse_seconds(const char *s, long long *out, const char **why)
{
	const char *p = s, *end = s + strlen(s);
	char *stop;
	long long v;

	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	*why = "is not a number of seconds (decimal, 0x hex or 0 octal)";
	/*
	 * strtoll with base 0 reads Go's forms: a sign, then 0x hex, 0 octal
	 * or decimal; it must read all of what is left (it stops at "0x"
	 * without digits, at an 8 in octal, at white space after the sign).
	 */
	errno = 0;
	v = strtoll(p, &stop, 0);
	if (stop == p || stop != end)
		return -1;
	if (errno == ERANGE || v > 2147483647LL || v < -2147483648LL) {
		*why = "is out of range (at most 2147483647)";
		return -1;
	}
	if (v < 0) {
		*why = "is negative";
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * The revoked rows: each serial on a line of "text", as a SERIALFILE,
 * and its revocation date in "dates" (a long long per row).
 */
struct revoked {
	struct kiln_buf *text;
	struct kiln_buf *dates;
};

/* kiln_certdb_each_revoked's callback: one row into a struct revoked. */
static int
add_serial(void *cls, const struct kiln_certdb_row *r)
{
	struct revoked *rv = cls;
	long long at = (long long)r->revoked_at;

	if (kiln_buf_printf(rv->text, NULL, "%s\n", r->serial) == -1 ||
	    kiln_buf_append(rv->dates, &at, sizeof(at), NULL) == -1)
		return 1;
	return 0;
}

/*
 * -db-config: the serials of the revoked certificates of "ca" not
 * expired at "now", as the lines of a SERIALFILE in "text", and their
 * revoked_at in "dates": the rows of its key id, then those without one
 * (Debian's cfssl 1.2.0 leaves the key id empty); every row if the CA
 * has no key id.  Returns 0 or -1.
 */
static int
db_serials(const char *path, const struct kiln_cert *ca, time_t now,
    struct kiln_buf *text, struct kiln_buf *dates, struct kiln_err *err)
{
	static const char digits[] = "0123456789abcdef";
	struct kiln_certdb *db = NULL;
	struct revoked rv = {text, dates};
	char aki[129];
	size_t i;
	int rc = -1, r;

	for (i = 0; i < ca->ski_len && 2 * i + 2 < sizeof(aki); i++) {
		aki[2 * i] = digits[ca->ski[i] >> 4];
		aki[2 * i + 1] = digits[ca->ski[i] & 15];
	}
	aki[2 * i] = '\0';
	if (cli_certdb_open(path, &db, err) == -1)
		goto cleanup;
	r = kiln_certdb_each_revoked(
	    db, now, i > 0 ? aki : NULL, add_serial, &rv, err);
	if (r == 0 && i > 0)
		r = kiln_certdb_each_revoked(db, now, "", add_serial, &rv, err);
	if (r == 1)
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
	if (r != 0 || kiln_buf_terminate(text, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_certdb_close(db);
	return rc;
}

/*
 * The entries' dates of -db-config ("dates", one per serial of "s"):
 * each row's revoked_at, as cfssl's crl, or "now" for a row revoked by
 * hand without a date (the zero time).  Returns 0 or -1.
 */
static int
db_dates(struct kiln_buf *dates, const struct kiln_serials *s, time_t now,
    const char *path, struct kiln_err *err)
{
	long long *v = (long long *)(void *)dates->p;
	size_t i;

	if (s->n * sizeof(*v) != dates->len)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: a revoked row without a serial number", path);
	for (i = 0; i < s->n; i++)
		if (v[i] <= 0)
			v[i] = (long long)now;
	return 0;
}

/* "der" in base64 on one line, then "\n", as cfssl's PrintCRL. */
static int
base64_line(
    struct kiln_buf *out, const struct kiln_buf *der, struct kiln_err *err)
{
	if (kiln_base64_append(out, der->p, der->len, err) == -1)
		return -1;
	return kiln_buf_append(out, "\n", 1, err);
}

int
cmd_gencrl(int argc, char **argv, const struct cli_config *cfg)
{
	struct kiln_buf text, dates, der, output;
	struct kiln_serials serials;
	struct kiln_cert ca;
	struct kiln_key key;
	struct kiln_rng rng;
	struct kiln_crl_req req;
	struct kiln_err err;
	unsigned char number[8];
	long long seconds = 0;
	const char *why;
	time_t now;
	int i, stdin_args = 0, rc = 1, db = cfg->db_config[0] != '\0';

	/* -db-config takes the place of SERIALFILE. */
	if (db) {
		argv--;
		argc++;
	}
	if (argc < 3)
		return cli_usage_error(cfg->cmd, db ? "CA and KEY are required"
		                                    : "SERIALFILE, CA and KEY "
		                                      "are required");
	if (argc > 4)
		return cli_usage_error(cfg->cmd, "too many arguments");
	for (i = db; i < 3; i++)
		stdin_args += strcmp(argv[i], "-") == 0;
	if (stdin_args > 1)
		return cli_usage_error(cfg->cmd,
		    "only one of SERIALFILE, CA and KEY can be - (stdin)");
	if (argc == 4 && parse_seconds(argv[3], &seconds, &why) == -1)
		return cli_usage_error(
		    cfg->cmd, "SECONDS: \"%s\" %s", argv[3], why);
	if (seconds == 0)
		seconds = ONE_WEEK;

	kiln_err_clear(&err);
	kiln_buf_init(&text);
	kiln_buf_init(&dates);
	kiln_buf_init(&der);
	kiln_buf_init(&output);
	kiln_serials_init(&serials);
	kiln_cert_init(&ca);
	kiln_key_init(&key);
	kiln_rng_init(&rng);
	now = time(NULL);
	if ((!db && (kiln_file_read(argv[0], &text, &err) == -1 ||
	                kiln_serials_parse(&serials, (const char *)text.p,
	                    text.len, argv[0], &err) == -1)) ||
	    kiln_rng_seed(&rng, "kiln gencrl", &err) == -1 ||
	    cli_load_ca(argv[1], argv[2], &ca, &key, &rng, &err) == -1 ||
	    (db && (db_serials(cfg->db_config, &ca, now, &text, &dates, &err) ==
	                   -1 ||
	               kiln_serials_parse(&serials, (const char *)text.p,
	                   text.len, cfg->db_config, &err) == -1 ||
	               db_dates(&dates, &serials, now, cfg->db_config, &err) ==
	                   -1)))
		goto cleanup;

	/*
	 * The CRL number is the time in seconds: it grows from one run to
	 * the next without a state file (two runs within a second share it).
	 */
	for (i = 0; i < (int)sizeof(number); i++)
		number[sizeof(number) - 1 - (size_t)i] =
		    (unsigned char)((unsigned long long)now >> (8 * i));
	memset(&req, 0, sizeof(req));
	req.serials = serials.v;
	req.n_serials = serials.n;
	req.this_update = (long long)now;
	req.next_update = (long long)now + seconds;
	req.number = number;
	req.number_len = sizeof(number);
	/* The serial file's entries are dated thisUpdate, as cfssl gencrl. */
	req.revoked_at = db ? (const long long *)(void *)dates.p : NULL;
	if (kiln_crl_create(&der, &req, &ca, &key, &rng, &err) == -1) {
		/* The request is sound by now: the CA is at fault. */
		if (err.code == KILN_EINVAL)
			kiln_err_prefix(&err, "%s", argv[1]);
		goto cleanup;
	}

	if (cfg->out[0] == '\0') {
		if (base64_line(&output, &der, &err) == -1 ||
		    cli_write_stdout(&output, &err) == -1)
			goto cleanup;
	} else if (kiln_pem_write(&output, "X509 CRL", der.p, der.len, &err) ==
	               -1 ||
	           (strcmp(cfg->out, "-") == 0 ? cli_write_stdout(&output, &err)
	               : kiln_gen_check_dir(cfg->out, &err) == -1
	                   ? -1
	                   : kiln_file_write(cfg->out, output.p, output.len,
	                         0644, 0, &err)) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	if (rc != 0)
		cli_error("gencrl", &err);
	kiln_buf_free(&text);
	kiln_buf_free(&dates);
	kiln_buf_free(&der);
	kiln_buf_free(&output);
	kiln_serials_free(&serials);
	kiln_cert_free(&ca);
	kiln_key_free(&key);
	kiln_rng_free(&rng);
	return rc;
}
