/*
 * kiln: cfssl's offline commands and kiln's own.  Started through a link
 * named cfssl or cfssljson, it behaves as that tool.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* clang-format off */
static const char *const certinfo_flags[] = { "cert", "csr", "domain",
	"key", "format", "serial", "aki", "db-config", NULL };
static const char *const check_flags[] = { "within", "critical", "ca",
	"format", "exclude", NULL };
static const char *const check_help[] = {
	"ca", "trust anchors: certificates that do not chain to one are untrusted; a certificate that outlives its CA takes the CA's end",
	"exclude", "leave out files and folders whose name or path matches this glob (repeatable); renew's backups (NAME.YYYYMMDDTHHMMSSZ) are always left out",
	"format", "table, json, html (a standalone page: timeline and table) or kubeadm (kubeadm certs check-expiration's tables)",
	NULL };
static const char *const etcd_flags[] = { "manifest", "out", "force",
	"j", "n", "q", NULL };
static const char *const etcd_help[] = {
	"out", "the output folder (created if missing)",
	"force", "new keys and certificates for every member and client",
	"n", "dry run: list what would be written, kept or left behind, and write nothing",
	"q", "print the summary line only, not each file and etcdctl command",
	"j", "how many keys and certificates to make at once (default: the number of online cores)",
	NULL };
static const char *const k8s_flags[] = { "manifest", "out", "force",
	"j", "n", "q", "sign-csrs", "ca-dir", "expiry", NULL };
static const char *const k8s_help[] = {
	"manifest", "the cluster's manifest (JSON; kiln-config(5), \"The Kubernetes manifest\")",
	"out", "the output folder (created if missing)",
	"force", "new keys and certificates for every leaf and kubeconfig (the CAs and sa.key are kept); with -sign-csrs, sign again what is still right",
	"n", "dry run: list what would be written or kept, and write nothing",
	"q", "print the summary line only, not each file",
	"j", "how many keys and certificates to make at once (default: the number of online cores)",
	"sign-csrs", "sign the CSRs kubeadm certs generate-csr wrote into this node's tree (DIR/pki, DIR/*.conf), with kubeadm's profiles",
	"ca-dir", "with -sign-csrs: the folder of the CAs (kiln k8s's DIR/ca: ca, front-proxy-ca, etcd-ca)",
	"expiry", "with -sign-csrs: validity of the certificates (default 8760h, as kubeadm)",
	NULL };
static const char *const gencert_flags[] = { "initca", "ca", "ca-key",
	"config", "profile", "hostname", "cn", "renewca", "out", "force",
	"loglevel", "db-config", NULL };
static const char *const gencert_help[] = {
	"db-config", "record the certificate in this certificate database (kiln-config(5))",
	NULL };
static const char *const gencrl_flags[] = { "out", "db-config", NULL };
static const char *const revoke_flags[] = { "db-config", "serial", "aki",
	"reason", NULL };
static const char *const revoke_help[] = {
	"aki", "the issuer's key id (its subjectKeyIdentifier), in hex",
	"reason", "why: keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, removeFromCRL, privilegeWithdrawn, aACompromise, or 1 to 10 (not 7); default unspecified (0)",
	NULL };
static const char *const gencsr_flags[] = { "key", "cert", "hostname",
	NULL };
static const char *const genkey_flags[] = { "initca", "config", "out",
	"force", NULL };
static const char *const gencrl_help[] = {
	"db-config", "the revoked, unexpired certificates of CA's key in this certificate database, instead of SERIALFILE",
	"out", "write the CRL as PEM (X509 CRL, mode 0644) to FILE instead of base64",
	NULL };
static const char *const gencsr_help[] = {
	"key", "the private key the CSR is for (PEM or DER; given back as \"key\")",
	"cert", "take the subject, hosts and CA constraint from this certificate",
	NULL };
static const char *const genkey_help[] = {
	"config", "ignored, as cfssl ignores it",
	NULL };
static const char *const selfsign_help[] = {
	"hostname", "replace csr.json's hosts (no HOSTNAME operand then)",
	NULL };
static const char *const selfsign_flags[] = { "config", "profile",
	"hostname", "out", "force", NULL };
static const char *const sign_flags[] = { "ca", "ca-key", "config",
	"profile", "hostname", "csr", "out", "db-config", NULL };
static const char *const renew_flags[] = { "ca", "ca-key", "config",
	"profile", "expiry", "rekey", "key", "within", "backup", "backup-dir",
	"follow-links", "n", "j", NULL };
static const char *const rotate_ca_flags[] = { "dir", "ca-name", "n", "q",
	"j", NULL };
static const char *const rotate_ca_help[] = {
	"n", "dry run: list what the phase would write or keep, and write nothing",
	"q", "print the summary and what to do next only, not each file",
	"ca-name", "a kiln k8s tree's CA to rotate: ca, front-proxy-ca or etcd-ca",
	"j", "phase 2: how many certificates to issue at once (default: the number of online cores)",
	NULL };
static const char *const renew_help[] = {
	"ca", "the CA that issued the certificates",
	"ca-key", "the CA's key",
	"config", "a ca-config.json, for -profile",
	"profile", "take usages from this profile, not from the old certificate",
	"key", "the key of the one CERT (default: in CERT, NAME-key.pem for NAME.pem, NAME.key for NAME.crt); -rekey replaces it",
	"within", "renew only what expires within this duration",
	"backup", "keep the old files beside them as NAME.YYYYMMDDTHHMMSSZ (UTC), which kiln check leaves out",
	"backup-dir", "keep the old files in this folder instead (made 0700), under their folder's absolute path",
	"n", "show what would be renewed, kept or skipped, with the new dates, and write nothing",
	"j", "how many certificates (and -rekey keys) to make at once (default: the number of online cores)",
	NULL };
static const char *const verify_flags[] = { "ca", "role", "host", "key",
	NULL };
static const char *const verify_help[] = {
	"ca", "the CA the certificate must chain to",
	"key", "the private key that must belong to the certificate",
	NULL };
static const char *const sign_help[] = {
	"csr", "certificate request to sign, instead of the CSR operand (- for standard input)",
	"out", "write the certificate to BASENAME.pem instead of JSON",
	"db-config", "record the certificate in this certificate database (kiln-config(5))",
	NULL };
static const char *const json_flags[] = { "bare", "f", "stdout", "force",
	"version", NULL };
static const char *const json_help[] = {
	"force", "replace an existing private key that differs (cfssljson always does)",
	NULL };
static const char *const cfssljson_flags[] = { "bare", "f", "stdout",
	"version", NULL };
static const char *const serve_flags[] = { "address", "port", "ca",
	"ca-key", "config", "db-config", "tls-cert", "tls-key", "mutual-tls-ca",
	"mutual-tls-cn", "audit", "threads", "auth-window", "max-body",
	"max-header", "max-conns", "idle-timeout", "drain-timeout", NULL };
static const char *const serve_help[] = {
	"ca", "the CA that signs (PEM; env:VAR or file:PATH as cfssl)",
	"ca-key", "the CA's key",
	"config", "a ca-config.json: profiles, and auth_keys for authsign",
	"db-config", "record every certificate in this certificate database before replying; enables revoke and crl",
	NULL };
static const char *const no_flags[] = { NULL };

static const struct command commands[] = {
	{ "certinfo",
	  "kiln certinfo [-format json|table|text] -cert FILE [FILE...] | "
	  "-csr FILE |\n\t-domain HOST[:PORT] | -key KEY (-key also with a target)",
	  "Describe certificates, bundles, certificate requests, keys and the "
	  "chain a\nTLS server sends (the same as kiln-certinfo).",
	  certinfo_flags, cmd_certinfo, 2, NULL },
	{ "check",
	  "kiln check [-within DUR] [-critical DUR] [-ca CA] "
	  "[-format table|json|html|kubeadm] [-exclude GLOB]... PATH...",
	  "The expiry and validity of every certificate in the files and "
	  "folders given.\nExit status: 0 all ok, 1 something expiring, 2 "
	  "something critical, expired,\nnot yet valid or untrusted, 3 "
	  "nothing checked or a usage error.",
	  check_flags, cmd_check, 3, check_help },
	{ "etcd",
	  "kiln etcd [-n] [-q] [-force] [-j N] -manifest FILE -out DIR",
	  "Write a whole etcd cluster from one manifest: the CA, every "
	  "member's server\nand peer certificates, etcd.yml and "
	  "etcd.service, and client certificates.\nA re-run keeps what is "
	  "still right, and lists each file written, kept or\nleft behind, "
	  "with the etcdctl commands each change needs.",
	  etcd_flags, cmd_etcd, 2, etcd_help },
	{ "gencert",
	  "kiln gencert [-initca | -renewca] [-ca CA -ca-key KEY] [-config CONFIG] "
	  "[-profile NAME] [-hostname HOSTS] [-cn CN] [-out BASENAME [-force]] "
	  "[-db-config DBCONFIG] CSRJSON",
	  "Generate a new key and a certificate signed by a CA, or with "
	  "-initca a\nnew CA.  Prints {\"cert\",\"csr\",\"key\"} as cfssl "
	  "does, or writes files with -out.",
	  gencert_flags, cmd_gencert, 2, gencert_help },
	{ "gencrl",
	  "kiln gencrl [-out FILE] SERIALFILE CA KEY [SECONDS] | "
	  "[-out FILE] -db-config DBCONFIG CA KEY [SECONDS]",
	  "A CRL revoking the decimal serials of SERIALFILE, or the revoked "
	  "unexpired\ncertificates of CA in a certificate database, valid "
	  "SECONDS (default one\nweek), signed by CA with KEY: base64 DER on "
	  "stdout as cfssl, or PEM with -out.",
	  gencrl_flags, cmd_gencrl, 2, gencrl_help },
	{ "gencsr",
	  "kiln gencsr -key KEY [-cert CERT] [-hostname HOSTS] [CSRJSON]",
	  "A CSR for an existing key, from csr.json or from an existing "
	  "certificate.",
	  gencsr_flags, cmd_gencsr, 2, gencsr_help },
	{ "genkey",
	  "kiln genkey [-initca] [-out BASENAME [-force]] CSRJSON",
	  "A new key and its CSR ({\"csr\",\"key\"}), or with -initca a "
	  "self-signed CA too.",
	  genkey_flags, cmd_genkey, 2, genkey_help },
	{ "json",
	  "kiln json [-bare] [-f FILE] [-stdout] [-force] [BASENAME]",
	  "Write the certificates and keys in cfssl's JSON output to files "
	  "(cfssljson):\nBASENAME.pem, BASENAME-key.pem (mode 0600) and "
	  "BASENAME.csr.  A different private key\nalready there is kept "
	  "unless -force.",
	  json_flags, cmd_json, 2, json_help },
	{ "k8s",
	  "kiln k8s [-n] [-q] [-force] [-j N] -manifest FILE -out DIR | "
	  "[-expiry DUR] -sign-csrs DIR -ca-dir CADIR",
	  "Write a whole Kubernetes PKI from one manifest, laid out as "
	  "kubeadm lays out\neach node's /etc/kubernetes: the CAs, every "
	  "certificate with kubeadm's names,\nusages and SANs, sa.key and "
	  "sa.pub, and the kubeconfigs.  A re-run keeps\nwhat is still "
	  "right, and lists each file written or kept.  With -sign-csrs,\n"
	  "sign the CSRs kubeadm wrote for an external CA, each under "
	  "kubeadm's profile.",
	  k8s_flags, cmd_k8s, 2, k8s_help },
	{ "print-defaults",
	  "kiln print-defaults config|csr|list",
	  "Print cfssl's default ca-config.json or csr.json to start from.",
	  no_flags, cmd_print_defaults, 2, NULL },
	{ "renew",
	  "kiln renew -ca CA -ca-key KEY [-config CFG -profile P] [-expiry DUR] "
	  "[-rekey] [-key FILE] [-within DUR] [-backup | -backup-dir DIR] "
	  "[-follow-links] [-n] [-j N] CERT|DIR... | [flags] TREE",
	  "Re-issue certificates in place: same subject, SANs and usages, a "
	  "new serial and\ndates, the same key unless -rekey.  A folder is "
	  "walked as kiln check walks it.\nEach file written is named.  "
	  "Without -ca, TREE is a folder kubeadm, kiln k8s or\nkiln etcd "
	  "laid out, and each certificate is renewed by the CA of TREE\n"
	  "that issued it.",
	  renew_flags, cmd_renew, 2, renew_help },
	{ "revoke",
	  "kiln revoke -db-config DBCONFIG -serial SERIAL -aki AKI "
	  "[-reason REASON]",
	  "Mark a certificate revoked in a certificate database, as cfssl "
	  "revoke: for\nkiln gencrl -db-config and cfssl ocsprefresh.",
	  revoke_flags, cmd_revoke, 2, revoke_help },
	{ "rotate-ca",
	  "kiln rotate-ca [-n] [-q] [-j N] [-ca-name CA] -dir DIR 1|2|3",
	  "Replace the CA of a kiln etcd tree, or one CA (-ca-name) of a kiln "
	  "k8s tree, in\nthree phases, each run once, in order: 1 makes the "
	  "new CA and trusts both,\n2 issues every leaf again under the new "
	  "CA for the same key, 3 trusts the new\nCA only.  DIR/ca/rotate.json "
	  "(DIR/ca/CA-rotate.json) records the last phase\ndone; each run "
	  "says what the cluster needs next.",
	  rotate_ca_flags, cmd_rotate_ca, 2, rotate_ca_help },
	{ "selfsign",
	  "kiln selfsign [-config CONFIG [-profile NAME]] [-hostname HOSTS] "
	  "[-out BASENAME [-force]] [HOSTNAME] CSRJSON",
	  "A self-signed certificate for csr.json (cfssl's warning on "
	  "stderr).",
	  selfsign_flags, cmd_selfsign, 2, selfsign_help },
	{ "serve",
	  "kiln serve -ca CA -ca-key KEY [-config CONFIG] [-db-config DB] "
	  "[-address A] [-port P] [-tls-cert F -tls-key F [-mutual-tls-ca F "
	  "[-mutual-tls-cn RE]]] [-audit FILE] [-threads N] [-auth-window DUR] "
	  "[limits]",
	  "cfssl's signing API under /api/v1/cfssl/ (sign, authsign, info, "
	  "newkey, newcert,\ncertinfo, crl, revoke, health), with its "
	  "certificate database on SQLite or\nPostgreSQL.  SIGTERM or SIGINT "
	  "finishes the requests in flight and exits 0.",
	  serve_flags, cmd_serve, 2, serve_help },
	{ "sign",
	  "kiln sign -ca CA -ca-key KEY [-config CONFIG -profile NAME] "
	  "[-hostname HOSTS] CSR [SUBJECTJSON]",
	  "Sign a certificate request made elsewhere: its signature is "
	  "checked, its SANs\nkept unless -hostname replaces them.",
	  sign_flags, cmd_sign, 2, sign_help },
	{ "verify",
	  "kiln verify -ca CA [-role server|peer|client] [-host NAME|IP]... "
	  "[-key KEY] CERT...",
	  "Check certificates as etcd would: chain, dates, the usages of the "
	  "role,\nthe SANs against each -host, the key.  Each failure is a "
	  "sentence with what\netcd would log; a bundle is checked for its "
	  "leaf, in any order.",
	  verify_flags, cmd_verify, 2, verify_help },
	{ "version",
	  "kiln version",
	  "Print kiln's version.",
	  no_flags, cmd_version, 2, NULL },
};

/* cfssljson: cfssl's flags, and it replaces any file. */
static const struct command cfssljson = {
	"json",
	"cfssljson [-bare] [-f FILE] [-stdout] [BASENAME]",
	"Takes the JSON output from a CFSSL call and writes it to disk.",
	cfssljson_flags, cmd_json, 2, NULL,
};
/* clang-format on */
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *
find(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "Usage: %s COMMAND [flags] [arguments]\n\nCommands:\n",
	    cli_progname);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-10s %s\n", commands[i].name,
		    commands[i].synopsis + strlen("kiln ") +
		        strlen(commands[i].name));
	fprintf(fp,
	    "\nRun '%s COMMAND -h' (or '%s help COMMAND') for a "
	    "command's flags;\n'%s --version' prints the version.\n",
	    cli_progname, cli_progname, cli_progname);
}

static int
run(const struct command *cmd, int argc, char **argv)
{
	struct cli_config cfg;
	int ind, rc;

	if ((rc = cli_flags_parse(cmd, &argc, argv, &cfg, &ind)) != 0)
		return cli_exit(cmd, rc == 1 ? 0 : rc);
	if (cmd->main == cmd_certinfo)
		cli_certinfo_operands(&cfg, argc, argv, &ind);
	return cli_exit(cmd, cmd->main(argc - ind, argv + ind, &cfg));
}

/* "kiln help [COMMAND]": the usage, or the command's, on stdout. */
static int
help(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 3) {
		usage(stdout);
		return cli_exit(NULL, 0);
	}
	if (argc > 3 || (cmd = find(argv[2])) == NULL) {
		fprintf(stderr, "%s: help: unknown command \"%s\"\n",
		    cli_progname, argv[2]);
		usage(stderr);
		return 2;
	}
	cli_usage(cmd, 0);
	return cli_exit(cmd, 0);
}

int
main(int argc, char **argv)
{
	const struct command *cmd;
	const char *base;

	base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	base = base != NULL ? base + 1 : argc > 0 ? argv[0] : "kiln";
	if (strcmp(base, "cfssljson") == 0) {
		cli_progname = "cfssljson";
		cli_single_command = 1;
		return run(&cfssljson, argc - 1, argv + 1);
	}
	if (strcmp(base, "cfssl") == 0)
		cli_progname = "cfssl";
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "-help") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return cli_exit(NULL, 0);
	}
	if (strcmp(argv[1], "help") == 0) {
		if (cli_cfssl_name()) {
			usage(stdout);
			return cli_exit(NULL, 0);
		}
		return help(argc, argv);
	}
	/* What people type for a version, under kiln's name. */
	if (!cli_cfssl_name() && argc == 2 &&
	    (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--v") == 0 ||
	        strcmp(argv[1], "-version") == 0 ||
	        strcmp(argv[1], "--version") == 0))
		return run(find("version"), 0, argv + 2);
	if ((cmd = find(argv[1])) == NULL) {
		/* The other tools' names, as scripts written for cfssl
		 * reach for them. */
		if (cli_cfssl_name())
			fprintf(stderr, "%s: unknown command \"%s\"\n",
			    cli_progname, argv[1]);
		else if (strcmp(argv[1], "cfssljson") == 0)
			fprintf(stderr,
			    "%s: unknown command \"cfssljson\": it is "
			    "\"kiln json\" (or kiln started as cfssljson)\n",
			    cli_progname);
		else if (strcmp(argv[1], "cfssl-certinfo") == 0)
			fprintf(stderr,
			    "%s: unknown command \"cfssl-certinfo\": it is "
			    "\"kiln certinfo\", or kiln-certinfo\n",
			    cli_progname);
		else
			fprintf(stderr, "%s: unknown command \"%s\"\n",
			    cli_progname, argv[1]);
		usage(stderr);
		return 2;
	}
	return run(cmd, argc - 2, argv + 2);
}
