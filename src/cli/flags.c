/*
 * Go's flag syntax, which cfssl scripts use: -f and --f alike, -f=v or
 * -f v (not for booleans), parsing stops at the first operand, "-" or
 * "--", and Go's error texts.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* FLAG_COUNT: an int of at least 1, or 0 when not given. */
enum flag_type { FLAG_STRING, FLAG_BOOL, FLAG_INT, FLAG_LIST, FLAG_COUNT };

struct flagdef {
	const char *name;
	enum flag_type type;
	size_t offset; /* in struct cli_config */
	const char *def;
	const char *usage;
};

/* clang-format off */
#define F(n, t, m, d, u) { n, t, offsetof(struct cli_config, m), d, u }
static const struct flagdef flagdefs[] = {	/* sorted by name */
	F("address",   FLAG_STRING, address,    "127.0.0.1", "address to listen on (numeric IPv4 or IPv6)"),
	F("aki",       FLAG_STRING, aki,        "",      "certificate issuer (authority) key identifier"),
	F("audit",     FLAG_STRING, audit,      "",      "append one JSON line per request to this file (default: standard error)"),
	F("auth-window", FLAG_STRING, auth_window, "5m", "how long an authsign token is remembered and refused again"),
	F("backup",    FLAG_BOOL,   backup,     "false", "keep the old files with a timestamp suffix"),
	F("backup-dir", FLAG_STRING, backup_dir, "",     "keep the old files in this folder"),
	F("bare",      FLAG_BOOL,   bare,       "false", "the response from CFSSL is not wrapped in the API standard response"),
	F("ca",        FLAG_STRING, ca,         "",      "CA used to sign the new certificate"),
	F("ca-dir",    FLAG_STRING, ca_dir,     "",      "the folder of the CAs (kiln k8s's DIR/ca)"),
	F("ca-key",    FLAG_STRING, ca_key,     "",      "CA private key"),
	F("ca-name",   FLAG_STRING, ca_name,    "",      "the CA of a kiln k8s tree to rotate: ca, front-proxy-ca or etcd-ca"),
	F("cert",      FLAG_STRING, cert,       "",      "certificate or bundle to inspect (PEM or DER, - for standard input)"),
	F("cn",        FLAG_STRING, cn,         "",      "certificate common name (CN)"),
	F("config",    FLAG_STRING, config,     "",      "path to configuration file"),
	F("critical",  FLAG_STRING, critical,   "",      "status critical within this duration"),
	F("csr",       FLAG_STRING, csr,        "",      "certificate request to inspect (PEM or DER, - for standard input)"),
	F("db-config", FLAG_STRING, db_config,  "",      "certificate database configuration file (kiln-config(5))"),
	F("dir",       FLAG_STRING, dir,        "",      "the tree kiln etcd or kiln k8s wrote (its -out folder)"),
	F("domain",    FLAG_STRING, domain,     "",      "remote server HOST[:PORT] whose certificate chain to inspect"),
	F("drain-timeout", FLAG_INT, drain_timeout, "30", "seconds to finish the requests in flight on SIGTERM or SIGINT"),
	F("exclude",   FLAG_LIST,   exclude,    "",      "leave out files whose name matches this glob (repeatable)"),
	F("expiry",    FLAG_STRING, expiry,     "",      "validity of the renewed certificate (default: the old one's)"),
	F("f",         FLAG_STRING, f,          "-",     "JSON input"),
	F("follow-links", FLAG_BOOL, follow_links, "false", "follow a symbolic link to a file of kiln's own user"),
	F("force",     FLAG_BOOL,   force,      "false", "with -out, replace an existing private key"),
	F("format",    FLAG_STRING, format,     "",      "output format: json, table or text"),
	F("host",      FLAG_LIST,   host,       "",      "a name or IP address the certificate must hold (repeatable)"),
	F("hostname",  FLAG_STRING, hostname,   "",      "Hostname for the cert, could be a comma-separated hostname list"),
	F("idle-timeout", FLAG_INT, idle_timeout, "60", "seconds a connection may send nothing before it is closed"),
	F("initca",    FLAG_BOOL,   initca,     "false", "initialise new CA"),
	F("j",         FLAG_COUNT,  jobs,       "",      "how many to make at once (default: the number of online cores)"),
	F("key",       FLAG_STRING, key,        "",      "private key: does it match the certificate? (alone: describe it)"),
	F("loglevel",  FLAG_INT,    loglevel,   "1",     "Log level (0 = DEBUG, 5 = FATAL)"),
	F("manifest",  FLAG_STRING, manifest,   "",      "the etcd cluster's manifest (JSON)"),
	F("max-body",  FLAG_INT,    max_body,   "1048576", "largest request body in bytes (larger: 413)"),
	F("max-conns", FLAG_INT,    max_conns,  "1000",  "most connections open at once"),
	F("max-header", FLAG_INT,   max_header, "32768", "largest request line and headers in bytes"),
	F("mutual-tls-ca", FLAG_STRING, mutual_tls_ca, "", "require TLS clients to present a certificate issued by this CA"),
	F("mutual-tls-cn", FLAG_STRING, mutual_tls_cn, "", "regex that a client certificate's CN must match"),
	F("n",         FLAG_BOOL,   dry_run,    "false", "show what would change, and write nothing"),
	F("out",       FLAG_STRING, out,        "",      "write BASENAME.pem, BASENAME-key.pem and BASENAME.csr instead of JSON"),
	F("port",      FLAG_INT,    port,       "8888",  "port to listen on"),
	F("profile",   FLAG_STRING, profile,    "",      "signing profile to use"),
	F("q",         FLAG_BOOL,   quiet,      "false", "print the summary only"),
	F("reason",    FLAG_STRING, reason,     "",      "revocation reason: a name of RFC 5280 (keyCompromise, ...) or its number"),
	F("rekey",     FLAG_BOOL,   rekey,      "false", "a new key of the same type and size"),
	F("renewca",   FLAG_BOOL,   renewca,    "false", "re-sign the CA certificate with its own key"),
	F("role",      FLAG_STRING, role,       "",      "server, peer or client: the usages etcd needs"),
	F("serial",    FLAG_STRING, serial,     "",      "certificate serial number, in decimal"),
	F("sign-csrs", FLAG_STRING, sign_csrs,  "",      "sign the CSRs kubeadm wrote into this node's tree"),
	F("stdout",    FLAG_BOOL,   to_stdout,  "false", "output the response instead of saving to a file"),
	F("threads",   FLAG_COUNT,  threads,    "",      "threads serving requests (default: the number of online cores)"),
	F("tls-cert",  FLAG_STRING, tls_cert,   "",      "the server's TLS certificate (with -tls-key: HTTPS)"),
	F("tls-key",   FLAG_STRING, tls_key,    "",      "the server's TLS key"),
	F("version",   FLAG_BOOL,   version,    "false", "print version and exit"),
	F("within",    FLAG_STRING, within,     "",      "status expiring within this duration (default 30d)"),
};
#undef F
/* clang-format on */

static int
compare(const void *key, const void *elem)
{
	return strcmp(key, ((const struct flagdef *)elem)->name);
}

static const struct flagdef *
lookup(const struct command *cmd, const char *name)
{
	const char *const *f;

	for (f = cmd->flags; *f != NULL; f++)
		if (strcmp(*f, name) == 0)
			return bsearch(name, flagdefs,
			    sizeof(flagdefs) / sizeof(flagdefs[0]),
			    sizeof(flagdefs[0]), compare);
	return NULL;
}

static int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {
	    "1", "t", "T", "true", "TRUE", "True", NULL};
	static const char *const no[] = {
	    "0", "f", "F", "false", "FALSE", "False", NULL};
	size_t i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcmp(s, yes[i]) == 0)
			return *out = 1, 0;
	for (i = 0; no[i] != NULL; i++)
		if (strcmp(s, no[i]) == 0)
			return *out = 0, 0;
	return -1;
}

static int
set(struct cli_config *cfg, const struct flagdef *fd, const char *value,
    const char *dashes, const struct command *cmd)
{
	char *field = (char *)cfg + fd->offset, *end;
	long v;

	switch (fd->type) {
	case FLAG_STRING:
		*(const char **)(void *)field = value;
		if (fd->offset == offsetof(struct cli_config, hostname))
			cfg->hostname_set = 1;
		return 0;
	case FLAG_BOOL:
		if (parse_bool(value, (int *)(void *)field) == 0)
			return 0;
		return cli_usage_error(cmd,
		    "invalid boolean value \"%s\" for %s%s: parse error", value,
		    dashes, fd->name);
	case FLAG_LIST: {
		struct cli_list *l = (struct cli_list *)(void *)field;

		if (l->n >= CLI_MAX_LIST)
			return cli_usage_error(cmd,
			    "too many %s%s flags (at most %d)", dashes,
			    fd->name, CLI_MAX_LIST);
		l->v[l->n++] = value;
		return 0;
	}
	case FLAG_INT:
	case FLAG_COUNT:
		errno = 0;
		v = strtol(value, &end, 0);
		if (*value == '\0' || *end != '\0' || errno != 0)
			return cli_usage_error(cmd,
			    "invalid value \"%s\" for flag %s%s: %s", value,
			    dashes, fd->name,
			    fd->type == FLAG_COUNT && errno == ERANGE
			        ? "value out of range"
			        : "parse error");
		if (fd->type == FLAG_COUNT && v < 1)
			return cli_usage_error(cmd,
			    "invalid value \"%s\" for flag %s%s: must be 1 or "
			    "more",
			    value, dashes, fd->name);
		if (fd->type == FLAG_COUNT && v > INT_MAX)
			return cli_usage_error(cmd,
			    "invalid value \"%s\" for flag %s%s: value out of "
			    "range",
			    value, dashes, fd->name);
		*(long *)(void *)field = v;
		return 0;
	}
	return 2;
}

static void
defaults(struct cli_config *cfg)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < sizeof(flagdefs) / sizeof(flagdefs[0]); i++)
		if (flagdefs[i].type != FLAG_BOOL &&
		    flagdefs[i].type != FLAG_LIST &&
		    flagdefs[i].type != FLAG_COUNT)
			set(cfg, &flagdefs[i], flagdefs[i].def, "-", NULL);
	cfg->hostname_set = 0;
}

/*
 * Under kiln's names, an operand such as "-within" or "--ca=x" that names
 * a flag of "cmd" is a slip (the flag would be taken as a file): a usage
 * error before anything is done.  A "--" among the operands ends the
 * check and is dropped; a lone "-" is standard input.  Returns 0 or the
 * usage status.
 */
static int
late_flags(const struct command *cmd, int *argc, char **argv, int first)
{
	const char *name;
	char buf[256];
	size_t len;
	int i;

	for (i = first; i < *argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			memmove(&argv[i], &argv[i + 1],
			    (size_t)(*argc - i - 1) * sizeof(*argv));
			(*argc)--;
			return 0;
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			continue;
		name = argv[i] + (argv[i][1] == '-' ? 2 : 1);
		len = strcspn(name, "=");
		if (len == 0 || len >= sizeof(buf))
			continue;
		snprintf(buf, sizeof(buf), "%.*s", (int)len, name);
		if (lookup(cmd, buf) != NULL || strcmp(buf, "h") == 0 ||
		    strcmp(buf, "help") == 0)
			return cli_usage_error(cmd,
			    "flag %.*s after the files; flags go first",
			    (int)(name - argv[i] + len), argv[i]);
	}
	return 0;
}

int
cli_flags_parse(const struct command *cmd, int *argc, char **argv,
    struct cli_config *cfg, int *ind)
{
	const struct flagdef *fd;
	const char *arg, *name, *value, *dashes;
	unsigned char seen[sizeof(flagdefs) / sizeof(flagdefs[0])] = {0};
	char buf[256];
	size_t len;
	int i, ended = 0;

	defaults(cfg);
	cfg->cmd = cmd;
	for (i = 0; i < *argc; i++) {
		arg = argv[i];
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		dashes = arg[1] == '-' ? "--" : "-";
		name = arg + strlen(dashes);
		if (*name == '\0') { /* "--" ends the flags */
			i++;
			ended = 1;
			break;
		}
		if (*name == '-' || *name == '=')
			return cli_usage_error(cmd, "bad flag syntax: %s", arg);
		value = strchr(name, '=');
		len = value != NULL ? (size_t)(value - name) : strlen(name);
		snprintf(buf, sizeof(buf), "%.*s", (int)len, name);
		if (value != NULL)
			value++;
		if (strcmp(buf, "h") == 0 || strcmp(buf, "help") == 0) {
			cli_usage(cmd, 0);
			return 1;
		}
		if ((fd = lookup(cmd, buf)) == NULL)
			return cli_usage_error(cmd,
			    "flag provided but not defined: %s%s", dashes, buf);
		/*
		 * Go keeps the last of a flag given twice; under kiln's names
		 * "-ca a.pem -ca b.pem" would silently drop a.pem: a slip.
		 */
		if (seen[fd - flagdefs]++ && fd->type != FLAG_LIST &&
		    !cli_cfssl_name())
			return cli_usage_error(cmd,
			    "flag %s%s given twice: it takes one value%s", dashes,
			    buf,
			    strcmp(buf, "ca") == 0
			        ? " (for several CAs, one file with all of them)"
			        : "");
		if (value == NULL && fd->type == FLAG_BOOL)
			value = "true";
		else if (value == NULL) {
			if (i + 1 >= *argc)
				return cli_usage_error(cmd,
				    "flag needs an argument: %s%s", dashes,
				    buf);
			value = argv[++i];
		}
		if (set(cfg, fd, value, dashes, cmd) != 0)
			return cmd->usage_status;
	}
	*ind = i;
	/*
	 * An empty -hostname: cfssl keeps the request's hosts (it tests the
	 * value, not the flag); under kiln's names it is a slip (an unset
	 * variable in "-hostname=$HOSTS") that would drop them.
	 */
	if (cfg->hostname_set && cfg->hostname[0] == '\0') {
		if (!cli_cfssl_name())
			return cli_usage_error(cmd,
			    "-hostname is empty: give the names, or leave "
			    "-hostname out to keep the request's hosts");
		cfg->hostname_set = 0;
	}
	/* -profile names a profile of -config: alone it is a slip. */
	if (cfg->profile[0] != '\0' && cfg->config[0] == '\0' &&
	    lookup(cmd, "config") != NULL && !cli_cfssl_name())
		return cli_usage_error(cmd,
		    "-profile %s needs -config: the profiles are in a "
		    "ca-config.json",
		    cfg->profile);
	/* Go's rule under cfssl's names: every later word is an operand. */
	if (!ended && !cli_cfssl_name())
		return late_flags(cmd, argc, argv, i);
	return 0;
}

void
cli_usage(const struct command *cmd, int to_stderr)
{
	FILE *fp = to_stderr ? stderr : stdout;
	const struct flagdef *fd;
	const char *const *f, *const *h;
	const char *usage;

	fprintf(fp, "Usage of %s:\n\t%s\n\n%s\n", cmd->name, cmd->synopsis,
	    cmd->summary);
	if (cmd->flags[0] == NULL)
		return;
	fprintf(fp, "\nFlags:\n");
	for (f = cmd->flags; *f != NULL; f++) {
		fd = lookup(cmd, *f);
		usage = fd->usage;
		for (h = cmd->help; h != NULL && h[0] != NULL; h += 2)
			if (strcmp(h[0], fd->name) == 0)
				usage = h[1];
		if (fd->def[0] == '\0')
			fprintf(fp, "  -%s=\"\": %s\n", fd->name, usage);
		else
			fprintf(fp, "  -%s=%s: %s\n", fd->name, fd->def, usage);
	}
}
