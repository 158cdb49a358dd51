/*
 * The kiln front end: flag parsing (Go's flag package syntax, as cfssl),
 * the command table and output helpers.
 */
#ifndef KILN_CLI_H
#define KILN_CLI_H

#include <stddef.h>

#include <mbedtls/x509_crt.h>

#include "kiln/buf.h"
#include "kiln/cert.h"
#include "kiln/config.h"
#include "kiln/err.h"
#include "kiln/gen.h"
#include "kiln/request.h"
#include "kiln/signer.h"

/* Most values a repeated flag (-host, -exclude) keeps. */
#define CLI_MAX_LIST 32

/* The values of a repeated flag, in order. */
struct cli_list {
	const char *v[CLI_MAX_LIST];
	size_t n;
};

/* Every flag any command takes; a command accepts the ones it lists. */
struct cli_config {
	const char *ca;
	const char *ca_key;
	const char *config;
	const char *profile;
	const char *hostname;
	const char *cn;
	const char *out;
	const char *f;
	const char *cert;
	const char *csr;
	const char *domain;
	const char *key;
	const char *format;
	const char *serial;
	const char *aki;
	const char *db_config;
	const char *reason; /* revoke: the RFC 5280 reason, name or number */
	const char *manifest;
	const char *within;
	const char *critical;
	const char *expiry;
	const char *dir; /* rotate-ca: the tree */
	const char *ca_name; /* rotate-ca: a kiln k8s tree's CA */
	int rekey;
	int renewca;
	const char *role;
	struct cli_list host;    /* -host, repeated */
	struct cli_list exclude; /* -exclude GLOB, repeated */
	const char *backup_dir;  /* -backup-dir */
	int dry_run;             /* -n: show what would change, write nothing */
	int quiet;               /* -q */
	int backup;
	int follow_links; /* renew: follow a link to a file of kiln's user */
	int initca;
	int force;
	int bare;
	int to_stdout;
	int version;
	long loglevel;
	long jobs;                 /* -j: at least 1, or 0 when not given */
	int hostname_set;          /* -hostname was given, even as "" */
	const struct command *cmd; /* the command being run */
	const char *sign_csrs;     /* k8s: sign kubeadm's CSRs in this tree */
	const char *ca_dir;        /* k8s -sign-csrs: kiln k8s's DIR/ca */
	/* serve */
	const char *address, *audit, *auth_window;
	const char *tls_cert, *tls_key, *mutual_tls_ca, *mutual_tls_cn;
	long port, threads, max_body, max_header, max_conns, idle_timeout,
	    drain_timeout;
};

struct command {
	const char *name;
	const char *synopsis;
	const char *summary;
	const char *const *flags; /* names this command accepts */
	int (*main)(int, char **, const struct cli_config *);
	int usage_status; /* exit status of a usage error: 2 (3: check) */
	/* "flag", "usage" pairs overriding the shared texts, or NULL. */
	const char *const *help;
};

/* The program name errors are reported under ("kiln", "cfssl", ...). */
extern const char *cli_progname;

/* Set by a main() whose program has a single command. */
extern int cli_single_command;

/* True when started under one of cfssl's names: Go's rules apply. */
int cli_cfssl_name(void);

/*
 * Parse the flags of "cmd" from argv (argv[0] is the first flag).
 * Returns 0 with "*ind" the index of the first operand, 1 if help was
 * asked for (usage printed to stdout), the usage status (2; check's 3) on
 * a bad flag (error and usage on stderr).  Under kiln's names an operand
 * naming one of the command's flags is such an error; a "--" among the
 * operands is taken out of argv ("*argc" one less).
 */
int cli_flags_parse(
    const struct command *, int *, char **, struct cli_config *, int *);

/*
 * kiln-certinfo FILE... (and kiln certinfo FILE...) under kiln's names:
 * with no -cert, -csr nor -domain, the first operand is -cert's file and
 * the rest follow it, as after -cert FILE ("*ind" moves past it).
 */
void cli_certinfo_operands(struct cli_config *, int, char **, int *);

/* Print the usage of "cmd" with its flags to stdout or stderr. */
void cli_usage(const struct command *, int);

/*
 * "kiln: <command>: <message>" on stderr; programs with a single command
 * (cfssljson, kiln-certinfo) print "<program>: <message>".
 */
void cli_error(const char *, const struct kiln_err *);

/*
 * One line on standard output from a format, escaped as messages are
 * (kiln_esc_append: file names and certificate text cannot reach the
 * terminal raw), and a newline.
 */
void cli_printf(const char *, ...) __attribute__((format(printf, 1, 2)));

/* Print "kiln: <command>: <message>" as cli_error does, from a format. */
void cli_errorf(const char *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Print a usage error for "cmd" and its usage, and return its usage
 * status (2, or 3 for kiln check).
 */
int cli_usage_error(const struct command *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Read a file as cfssl reads -ca and -ca-key: "env:VAR" is the variable's
 * value, "file:PATH" or a plain path a file, "-" standard input.
 */
int cli_read(const char *, struct kiln_buf *, struct kiln_err *);

/*
 * The certificate database of the -db-config file "path" (certdb.c), and
 * a certificate just issued ("der") recorded in it, as cfssl's signer
 * records it.  Each returns 0 or -1.
 */
struct kiln_certdb;
int cli_certdb_open(const char *, struct kiln_certdb **, struct kiln_err *);
int cli_certdb_record(
    struct kiln_certdb *, const struct kiln_buf *, struct kiln_err *);

/*
 * "base" followed by "suffix" into "path" (PATH_MAX bytes); a name that
 * does not fit is an error, never a silently shortened file name.
 */
int cli_path(char *, const char *, const char *, struct kiln_err *);

/*
 * -ca and -ca-key (each read as cli_read does): a CA certificate and its
 * key.  Returns 0 or -1.
 */
int cli_load_ca(const char *, const char *, struct kiln_cert *,
    struct kiln_key *, struct kiln_rng *, struct kiln_err *);

/* The refusal to replace a private key, with the flag that forces it. */
#define CLI_KEY_KEPT KILN_GEN_KEY_KEPT "; -force replaces it"

/*
 * kiln_gen_write(), its refusal to replace a private key told with the
 * flag that forces it (CLI_KEY_KEPT).  Returns 0 or -1.
 */
int cli_gen_write(const char *, const struct kiln_buf *,
    const struct kiln_buf *, const struct kiln_buf *, int, struct kiln_err *);

/*
 * What gencert, genkey, gencsr, selfsign and sign hand back: the
 * certificate and CSR as DER and PEM, the key as PEM and cfssl's JSON.
 * Init cannot fail; free wipes (the key is there).
 */
struct cli_gen_out {
	struct kiln_buf cert, csr; /* DER */
	struct kiln_buf cert_pem, csr_pem, key_pem, json;
};
void cli_gen_out_init(struct cli_gen_out *);
void cli_gen_out_free(struct cli_gen_out *);

/*
 * The PEM of o->cert and o->csr, each when it holds DER, and of "key"
 * unless NULL, into o's PEM buffers.  Returns 0 or -1.
 */
int cli_gen_out_pem(struct cli_gen_out *, struct kiln_key *, struct kiln_err *);

/*
 * Hand back o's certificate and CSR PEM (each when there is one) and the
 * key PEM "key" (NULL: none): with -out, the files cli_gen_write writes
 * (-force for the key); else cfssl's JSON on standard output.  Returns 0
 * or -1.
 */
int cli_gen_out_emit(const struct cli_config *, struct cli_gen_out *,
    const struct kiln_buf *, struct kiln_err *);

/*
 * The csr.json "path" (read as cli_read does) parsed into "req", its CN
 * replaced by "cn" and its hosts by "hosts" when not NULL (-cn,
 * -hostname).  Errors are prefixed with "path".  Returns 0 or -1.
 */
int cli_read_request(const char *, const char *, const char *,
    struct kiln_request *, struct kiln_err *);

/*
 * -ca and -ca-key of "cfg" opened as the pipeline's signer
 * (kiln_signer_open), with cli_load_ca's password and messages.
 */
int cli_open_signer(const struct cli_config *, struct kiln_signer *,
    struct kiln_rng *, struct kiln_err *);

/*
 * -config read and parsed into "config" (initialised; left as it is
 * without -config).  Errors are prefixed with the file.  Returns 0 or -1.
 */
int cli_read_config(
    const struct cli_config *, struct kiln_config *, struct kiln_err *);

/*
 * The profile -profile names in "config" (the default without it), errors
 * prefixed with -config or "default configuration".  With "usage" not
 * NULL, also cli_check_default_profile(), setting "*usage" when it
 * refuses.  Returns the profile (borrowed from "config") or NULL.
 */
const struct kiln_profile *cli_pick_profile(const struct cli_config *,
    const struct kiln_config *, int *, struct kiln_err *);

/*
 * Every certificate of "path" (PEM or DER) as trust anchors for -ca.
 * Returns 0 or -1.
 */
int cli_read_anchors(mbedtls_x509_crt *, const char *, struct kiln_err *);

/* cfssl's log levels (-loglevel), for cli_log. */
#define CLI_LOG_INFO 1
#define CLI_LOG_WARNING 2

/*
 * Under cfssl's names only, and when -loglevel lets "level" through: one
 * line of cfssl's log on stderr, "2006/01/02 15:04:05 [INFO] message"
 * (the local time, as Go's log).  Scripts read these lines (etcd's
 * gencerts.sh greps the serial); kiln's own name stays quiet.
 */
void cli_log(const struct cli_config *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * cfssl's lines for a request made into a key and CSR: "generate received
 * request", "received CSR", "generating key: ecdsa-256" (when "key" is
 * not NULL), "encoded CSR".
 */
void cli_log_request(const struct cli_config *, const struct kiln_keyreq *);

/*
 * cfssl's "signed certificate with serial number N" (N in decimal) for
 * the certificate DER "der".
 */
void cli_log_signed(const struct cli_config *, const struct kiln_buf *);

/*
 * One line on stderr when the certificate DER "der" outlives its issuer
 * "ca" by more than a day: it stops working when the CA expires, whatever
 * its own notAfter says.  Under cfssl's names a [WARNING] log line (-loglevel 2
 * or less).
 */
void cli_warn_outlives(const struct cli_config *, const struct kiln_cert *,
    const struct kiln_buf *);

/*
 * The default profile of -config chosen because -profile was forgotten,
 * and it has no usages: returns -1 with "<config>: signing.default has no
 * usages: choose a profile with -profile (its profiles: a, b)", else 0.
 */
int cli_check_default_profile(const struct cli_config *,
    const struct kiln_config *, const struct kiln_profile *, struct kiln_err *);

/* Write all of "buf" to standard output.  Returns 0 or -1. */
int cli_write_stdout(const struct kiln_buf *, struct kiln_err *);

/*
 * The exit status of "cmd" that returned "rc", once standard output is
 * flushed and closed: output that could not be written (a full disk, a
 * closed pipe) is a failure, reported in one line, never exit 0: 1, or
 * 3 for kiln check (its UNKNOWN: the verdict was lost).  A failure the
 * command already reported keeps its status and gets no second line.
 * "cmd" is NULL for kiln's own usage.
 */
int cli_exit(const struct command *, int);

int cmd_certinfo(int, char **, const struct cli_config *);
int cmd_check(int, char **, const struct cli_config *);
int cmd_etcd(int, char **, const struct cli_config *);
int cmd_k8s(int, char **, const struct cli_config *);
int cmd_gencert(int, char **, const struct cli_config *);
int cmd_gencrl(int, char **, const struct cli_config *);
int cmd_revoke(int, char **, const struct cli_config *);
int cmd_gencsr(int, char **, const struct cli_config *);
int cmd_genkey(int, char **, const struct cli_config *);
int cmd_print_defaults(int, char **, const struct cli_config *);
int cmd_selfsign(int, char **, const struct cli_config *);
int cmd_serve(int, char **, const struct cli_config *);
int cmd_sign(int, char **, const struct cli_config *);
int cmd_json(int, char **, const struct cli_config *);
int cmd_renew(int, char **, const struct cli_config *);
int cmd_rotate_ca(int, char **, const struct cli_config *);
int cmd_verify(int, char **, const struct cli_config *);
int cmd_version(int, char **, const struct cli_config *);

#endif /* KILN_CLI_H */
