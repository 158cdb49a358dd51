#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "kiln/etcd.h"
#include "kiln/file.h"
#include "kiln/inspect.h"

static struct kiln_etcd_manifest m;
static struct kiln_etcd_result r;
static struct kiln_err err;
static char dir[64];

static void
setup(void)
{
	kiln_etcd_manifest_init(&m);
	kiln_etcd_result_init(&r);
	kiln_err_clear(&err);
	snprintf(dir, sizeof(dir), "/tmp/kiln-test-etcd.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	kiln_etcd_manifest_free(&m);
	kiln_etcd_result_free(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(etcd, .init = setup, .fini = teardown, .timeout = 60);

static int
parse(const char *json)
{
	kiln_err_clear(&err);
	return kiln_etcd_manifest_parse(&m, json, strlen(json), "/base", &err);
}

static void
parse_fails(const char *json, const char *want)
{
	cr_assert_eq(parse(json), -1, "accepted: %s", json);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, want);
}

#define THREE                                                                  \
	"\"members\": [{\"name\": \"etcd-1\", \"ip\": \"10.0.0.1\"},"          \
	"{\"name\": \"etcd-2\", \"ip\": \"10.0.0.2\", \"hosts\": [\"e2\"]},"   \
	"{\"name\": \"etcd-3\", \"ip\": \"fd00::3\"}]"

Test(etcd, defaults)
{
	cr_assert_eq(parse("{" THREE "}"), 0, "%s", err.msg);
	cr_assert_str_eq(m.cluster_token, "etcd-cluster");
	cr_assert_str_eq(m.prefix, "/opt/etcd");
	cr_assert_eq(m.layout, KILN_ETCD_PER_MEMBER);
	cr_assert_eq(m.expiry, 8760LL * 3600 * 1000000000);
	cr_assert_eq(m.ca_expiry, 87600LL * 3600 * 1000000000);
	cr_assert_str_eq(m.ca.cn, "etcd CA");
	cr_assert_eq(m.leaf.key.algo, KILN_KEY_ECDSA);
	cr_assert_eq(m.leaf.key.size, 256);
	cr_assert_eq(m.etcd.client_port, 2379);
	cr_assert_eq(m.etcd.peer_port, 2380);
	cr_assert_eq(m.etcd.heartbeat_interval, 100);
	cr_assert_eq(m.etcd.election_timeout, 1000);
	cr_assert_eq(m.etcd.snapshot_count, 10000);
	cr_assert_str_eq(m.etcd.auto_compaction_mode, "periodic");
	cr_assert_str_eq(m.etcd.auto_compaction_retention, "1");
	cr_assert_str_eq(m.etcd.log_level, "info");
	cr_assert_eq(m.n_members, 3);
	cr_assert_eq(m.members[1].n_hosts, 1);
	cr_assert_str_eq(m.members[1].hosts[0], "e2");
	cr_assert_str_eq(m.members[2].ip, "fd00::3");
	cr_assert_eq(m.n_clients, 0);
}

Test(etcd, everything_given)
{
	cr_assert_eq(
	    parse("{\"cluster_token\": \"t\", \"prefix\": \"/srv/etcd\","
	          "\"layout\": \"shared\", \"expiry\": \"30d\","
	          "\"key\": {\"algo\": \"rsa\"},"
	          "\"names\": [{\"C\": \"CN\", \"O\": \"ops\"}],"
	          "\"ca\": {\"CN\": \"my CA\", \"expiry\": \"10y\","
	          "\"key\": {\"algo\": \"ecdsa\", \"size\": 384}},"
	          "\"clients\": [\"root\", {\"CN\": \"apiserver\", \"O\": "
	          "\"system:masters\"}],"
	          "\"etcd\": {\"client_port\": 12379, \"peer_port\": 12380,"
	          "\"log_level\": \"warn\", \"auto_compaction_mode\": "
	          "\"revision\"}," THREE "}"),
	    0, "%s", err.msg);
	cr_assert_eq(m.layout, KILN_ETCD_SHARED);
	cr_assert_eq(m.expiry, 30LL * 24 * 3600 * 1000000000);
	cr_assert_eq(m.ca_expiry, 10LL * 8760 * 3600 * 1000000000);
	cr_assert_eq(m.leaf.key.algo, KILN_KEY_RSA);
	cr_assert_eq(m.leaf.key.size, 2048);
	cr_assert_eq(m.ca.key.size, 384);
	cr_assert_str_eq(m.ca.cn, "my CA");
	cr_assert_eq(m.leaf.n_names, 1);
	cr_assert_str_eq(m.leaf.names[0].o, "ops");
	cr_assert_null(m.leaf.cn);
	cr_assert_eq(m.n_clients, 2);
	cr_assert_null(m.clients[0].o);
	cr_assert_str_eq(m.clients[1].o, "system:masters");
	cr_assert_eq(m.etcd.client_port, 12379);
	cr_assert_str_eq(m.etcd.log_level, "warn");
}

Test(etcd, trailing_slashes_and_retention_durations)
{
	cr_assert_eq(
	    parse("{\"prefix\": \"/srv/etcd//\", \"etcd\": "
	          "{\"auto_compaction_retention\": \"30m\"}," THREE "}"),
	    0, "%s", err.msg);
	cr_assert_str_eq(m.prefix, "/srv/etcd");
}

Test(etcd, existing_ca_paths_are_relative_to_the_manifest)
{
	cr_assert_eq(parse("{\"ca\": {\"cert\": \"pki/ca.pem\", \"key\": "
	                   "\"/abs/ca-key.pem\"}," THREE "}"),
	    0, "%s", err.msg);
	cr_assert_str_eq(m.ca_cert_path, "/base/pki/ca.pem");
	cr_assert_str_eq(m.ca_key_path, "/abs/ca-key.pem");
}

Test(etcd, bad_manifests_name_the_field)
{
	parse_fails("{}", "members: at least one member is needed");
	parse_fails(
	    "{\"members\": []}", "members: at least one member is needed");
	parse_fails(
	    "{\"members\": {}}", "members: expected an array, got object");
	parse_fails("{\"members\": [{\"ip\": \"10.0.0.1\"}]}",
	    "members[0].name: missing");
	parse_fails(
	    "{\"members\": [{\"name\": \"a\"}]}", "members[0].ip: missing");
	parse_fails("{\"members\": [{\"name\": \"a\", \"ip\": \"10.0.0\"}]}",
	    "members[0].ip: bad IP address \"10.0.0\"");
	parse_fails(
	    "{\"members\": [{\"name\": \"a/b\", \"ip\": \"10.0.0.1\"}]}",
	    "members[0].name: \"a/b\": use 1 to 64 letters, digits, '.', '_' "
	    "and '-', not starting with '.'");
	parse_fails("{\"members\": [{\"name\": \"a\", \"ip\": \"10.0.0.1\"},"
	            "{\"name\": \"a\", \"ip\": \"10.0.0.2\"}]}",
	    "members[1].name: duplicate \"a\" (also members[0])");
	parse_fails("{\"members\": [{\"name\": \"a\", \"ip\": \"fd00::1\"},"
	            "{\"name\": \"b\", \"ip\": \"fd00:0::1\"}]}",
	    "members[1].ip: duplicate \"fd00:0::1\" (also members[0])");
	parse_fails("{\"key\": {\"algo\": \"dsa\"}," THREE "}",
	    "key.algo: unknown algorithm \"dsa\" (rsa or ecdsa)");
	parse_fails("{\"expiry\": \"10\"," THREE "}",
	    "expiry: missing unit in duration \"10\"");
	parse_fails("{\"layout\": \"flat\"," THREE "}",
	    "layout: \"flat\" (per-member or shared)");
	parse_fails("{\"prefix\": \"opt/etcd\"," THREE "}",
	    "prefix: \"opt/etcd\": an absolute path without spaces, not /");
	parse_fails("{\"prefix\": \"//\"," THREE "}",
	    "prefix: \"/\": an absolute path without spaces, not /");
	parse_fails("{\"members\": [{\"name\": \"ca\", \"ip\": \"10.0.0.1\"}]}",
	    "members[0].name: \"ca\" is taken by the output's own folder");
	parse_fails("{\"members\": [{\"name\": \"a\", \"ip\": \"10.0.0.1\"},"
	            "{\"name\": \"b\", \"ip\": \"::ffff:10.0.0.1\"}]}",
	    "members[1].ip: duplicate \"::ffff:10.0.0.1\" (also members[0])");
	parse_fails("{\"clients\": [\"root-key\", \"root\"]," THREE "}",
	    "clients[1].CN: \"root\" and clients[0] \"root-key\" would share "
	    "the file root-key.pem");
	parse_fails("{\"etcd\": {\"election_timeout\": 60000}," THREE "}",
	    "etcd.election_timeout: 60000 ms is over 50000 ms, which etcd "
	    "refuses");
	parse_fails(
	    "{\"etcd\": {\"auto_compaction_retention\": \"one hour\"}," THREE
	    "}",
	    "etcd.auto_compaction_retention: \"one hour\" (hours, or a "
	    "duration "
	    "such as \"30m\")");
	parse_fails("{\"etcd\": {\"auto_compaction_mode\": \"revision\", "
	            "\"auto_compaction_retention\": \"1h\"}," THREE "}",
	    "etcd.auto_compaction_retention: \"1h\" (a number of revisions)");
	parse_fails(
	    "{\"ca\": {\"CN\": \"x\", \"key\": {\"algo\": \"dsa\"}}," THREE "}",
	    "ca.key.algo: unknown algorithm \"dsa\" (rsa or ecdsa)");
	parse_fails("{\"cluster_token\": \"it's\"," THREE "}",
	    "cluster_token: \"'\" is not allowed in a value written into "
	    "etcd.yml");
	parse_fails("{\"clients\": [\"a\", \"a\"]," THREE "}",
	    "clients[1].CN: duplicate \"a\" (also clients[0])");
	parse_fails("{\"clients\": [\"../x\"]," THREE "}",
	    "clients[0].CN: \"../x\": a client's CN names its files: no '/', "
	    "not starting with '.'");
	parse_fails("{\"clients\": [3]," THREE "}",
	    "clients[0]: expected a string or an object, got number");
	parse_fails("{\"etcd\": {\"peer_port\": 2379}," THREE "}",
	    "etcd.peer_port: 2379 is also the client port");
	parse_fails("{\"etcd\": {\"election_timeout\": 400}," THREE "}",
	    "etcd.election_timeout: 400 ms is under 5 heartbeats (100 ms), "
	    "which etcd refuses");
	parse_fails("{\"etcd\": {\"log_level\": \"loud\"}," THREE "}",
	    "etcd.log_level: \"loud\" (debug, info, warn, error, panic or "
	    "fatal)");
	parse_fails("{\"ca\": {\"cert\": \"ca.pem\"}," THREE "}",
	    "ca.key: with ca.cert, the path of the CA's key");
	parse_fails("{\"members\": [", "unexpected end of JSON input");
	/* Found by fuzzing: the name parsed before this leaked. */
	parse_fails("{\"members\": [{\"name\": \"a\", \"ip\": []}]}",
	    "members[0].ip: expected a string, got array");
}

/*
 * What reaches etcd.service's ExecStart= must mean the same to systemd as
 * to etcd: no "%" specifier, no "$" variable, no word split or unquoted,
 * no line broken; what reaches etcd.yml must stay inside its quotes.  The
 * first byte refused is named (a quote or backslash escaped; the front
 * end shows a control byte as \xNN).
 */
Test(etcd, prefix_and_yaml_values_cannot_inject)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
	    {"\"prefix\": \"/home/%h/etcd\"",
	        "prefix: \"%\" is not allowed in a path written into "
	        "etcd.service"},
	    {"\"prefix\": \"/opt/${PATH}\"",
	        "prefix: \"$\" is not allowed in a path written into "
	        "etcd.service"},
	    {"\"prefix\": \"/opt/etcd\\nExecStartPre=/bin/sh\"",
	        "prefix: \"\n\" is not allowed in a path written into "
	        "etcd.service"},
	    {"\"prefix\": \"/opt/my etcd\"",
	        "prefix: \" \" is not allowed in a path written into "
	        "etcd.service"},
	    {"\"prefix\": \"/opt/\\\"x\"",
	        "prefix: \"\\\"\" is not allowed in a path written into "
	        "etcd.service"},
	    {"\"prefix\": \"/opt/a\\\\x\"",
	        "prefix: \"\\\\\" is not allowed in a path written into "
	        "etcd.service"},
	    {"\"prefix\": \"/opt/it's\"",
	        "prefix: \"'\" is not allowed in a path written into "
	        "etcd.service"},
	    {"\"prefix\": \"/opt/\\u00e9tcd\"",
	        "prefix: \"\xc3\" is not allowed in a path written into "
	        "etcd.service"},
	    {"\"prefix\": \"\"", "prefix: must not be empty"},
	    {"\"cluster_token\": \"a\\nb\"",
	        "cluster_token: \"\n\" is not allowed in a value written "
	        "into etcd.yml"},
	    {"\"cluster_token\": \"a\\u0085b\"",
	        "cluster_token: \"\xc2\" is not allowed in a value written "
	        "into etcd.yml"},
	    {"\"cluster_token\": \"a\\\\b\"",
	        "cluster_token: \"\\\\\" is not allowed in a value written "
	        "into etcd.yml"},
	};
	char json[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(json, sizeof(json), "{%s, " THREE "}", cases[i].json);
		parse_fails(json, cases[i].want);
	}
	/* What is allowed, and where it goes. */
	cr_assert_eq(parse("{\"prefix\": \"/srv/etcd-1.2_a+b@c:d,e/\", "
	                   "\"cluster_token\": \"x %h ${PATH} #y\"," THREE "}"),
	    0, "%s", err.msg);
	cr_assert_str_eq(m.prefix, "/srv/etcd-1.2_a+b@c:d,e");
	cr_assert_str_eq(m.cluster_token, "x %h ${PATH} #y");
}

/* Build. */

static const char *
path(const char *rel)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return p;
}

static void
read_rel(const char *rel, struct kiln_buf *out)
{
	out->len = 0;
	cr_assert_eq(kiln_file_read(path(rel), out, &err), 0, "%s", err.msg);
}

static void
build(void)
{
	kiln_etcd_result_free(&r);
	cr_assert_eq(kiln_etcd_build(&m, dir, 0, NULL, NULL, &r, &err), 0, "%s",
	    err.msg);
}

static mode_t
mode_of(const char *rel)
{
	struct stat st;

	cr_assert_eq(stat(path(rel), &st), 0, "%s", rel);
	return st.st_mode & 07777;
}

Test(etcd, per_member_sans_usages_and_modes)
{
	struct kiln_infos infos;
	struct kiln_buf b;
	const struct kiln_info *c;

	kiln_infos_init(&infos);
	kiln_buf_init(&b);
	cr_assert_eq(
	    parse(
	        "{\"clients\": [{\"CN\": \"api\", \"O\": \"sys\"}]," THREE "}"),
	    0);
	build();
	cr_assert_eq(r.issued, 8); /* CA, 3 x server and peer, 1 client */
	cr_assert_eq(r.kept, 0);
	cr_assert_eq(mode_of("ca/ca-key.pem"), 0600);
	cr_assert_eq(mode_of("etcd-2/ssl/server-key.pem"), 0600);
	cr_assert_eq(mode_of("etcd-2/ssl/peer.pem"), 0644);
	cr_assert_eq(mode_of("clients/api-key.pem"), 0600);

	read_rel("etcd-2/ssl/server.pem", &b);
	cr_assert_eq(kiln_inspect_certs(&infos, b.p, b.len, &err), 0);
	c = &infos.v[0];
	cr_assert_eq(c->ndns, 3);
	cr_assert_str_eq(c->dns[0], "etcd-2");
	cr_assert_str_eq(c->dns[1], "localhost");
	cr_assert_str_eq(c->dns[2], "e2");
	cr_assert_eq(c->nips, 2);
	cr_assert_str_eq(c->ips[0], "10.0.0.2");
	cr_assert_str_eq(c->ips[1], "127.0.0.1");
	cr_assert_eq(c->neku, 2);
	cr_assert_str_eq(c->eku[0], "server auth");
	cr_assert_str_eq(c->eku[1], "client auth");
	kiln_infos_free(&infos);

	read_rel("etcd-3/ssl/peer.pem", &b);
	cr_assert_eq(kiln_inspect_certs(&infos, b.p, b.len, &err), 0);
	c = &infos.v[0];
	cr_assert_eq(c->ndns, 1);
	cr_assert_str_eq(c->dns[0], "etcd-3");
	cr_assert_eq(c->nips, 1);
	cr_assert_str_eq(c->ips[0], "fd00::3");
	kiln_infos_free(&infos);

	read_rel("clients/api.pem", &b);
	cr_assert_eq(kiln_inspect_certs(&infos, b.p, b.len, &err), 0);
	c = &infos.v[0];
	cr_assert_eq(c->ndns + c->nips, 0);
	cr_assert_eq(c->neku, 1);
	cr_assert_str_eq(c->eku[0], "client auth");
	cr_assert_str_eq(c->subject.attr[0].value, "sys");
	cr_assert_str_eq(c->subject.attr[1].value, "api");
	kiln_infos_free(&infos);

	read_rel("etcd-3/cfg/etcd.yml", &b);
	cr_assert(strstr((char *)b.p,
	              "initial-cluster: 'etcd-1=https://10.0.0.1:2380,"
	              "etcd-2=https://10.0.0.2:2380,"
	              "etcd-3=https://[fd00::3]:2380'\n") != NULL);
	cr_assert(
	    strstr((char *)b.p, "initial-cluster-state: 'new'\n") != NULL);
	cr_assert(
	    strstr((char *)b.p,
	        "listen-client-urls: 'https://[fd00::3]:2379'\n") != NULL);
	read_rel("etcd-1/etcd.service", &b);
	cr_assert(strstr((char *)b.p,
	              "ExecStart=/opt/etcd/bin/etcd "
	              "--config-file /opt/etcd/cfg/etcd.yml\n") != NULL);
	kiln_buf_free(&b);
}

Test(etcd, rerun_keeps_everything_and_a_new_member_joins)
{
	struct kiln_buf before, after;
	static const char *const files[] = {"ca/ca.pem", "ca/ca-key.pem",
	    "ca/ca-config.json", "etcd-1/ssl/server.pem",
	    "etcd-1/ssl/server-key.pem", "etcd-3/ssl/peer.pem",
	    "etcd-2/cfg/etcd.yml"};
	char *saved[7];
	size_t i;

	kiln_buf_init(&before);
	kiln_buf_init(&after);
	cr_assert_eq(parse("{" THREE "}"), 0);
	build();
	for (i = 0; i < 7; i++) {
		read_rel(files[i], &before);
		saved[i] = strndup((char *)before.p, before.len);
	}
	build();
	cr_assert_eq(r.issued, 0);
	cr_assert_eq(r.kept, 7); /* the CA and six leaves */
	cr_assert_eq(r.n_added, 0);

	cr_assert_eq(parse("{\"members\": [{\"name\": \"etcd-1\", \"ip\": "
	                   "\"10.0.0.1\"},{\"name\": \"etcd-2\", \"ip\": "
	                   "\"10.0.0.2\", \"hosts\": [\"e2\"]},{\"name\": "
	                   "\"etcd-3\", \"ip\": \"fd00::3\"},{\"name\": "
	                   "\"etcd-4\", \"ip\": \"10.0.0.4\"}]}"),
	    0);
	build();
	cr_assert_eq(r.issued, 2);
	cr_assert_eq(r.n_added, 1);
	cr_assert_eq(r.added[0], 3);
	for (i = 0; i < 7; i++) {
		read_rel(files[i], &after);
		cr_assert_str_eq(
		    (char *)after.p, saved[i], "%s changed", files[i]);
		free(saved[i]);
	}
	read_rel("etcd-4/cfg/etcd.yml", &after);
	cr_assert(strstr((char *)after.p,
	              "initial-cluster-state: 'existing'\n") != NULL);
	cr_assert(strstr((char *)after.p, ",etcd-4=https://10.0.0.4:2380'\n") !=
	          NULL);
	kiln_buf_free(&before);
	kiln_buf_free(&after);
}

Test(etcd, a_changed_host_reissues_only_that_certificate_with_its_key)
{
	struct kiln_buf key1, key2, cert1, cert2;

	kiln_buf_init(&key1);
	kiln_buf_init(&key2);
	kiln_buf_init(&cert1);
	kiln_buf_init(&cert2);
	cr_assert_eq(parse("{" THREE "}"), 0);
	build();
	read_rel("etcd-2/ssl/peer-key.pem", &key1);
	read_rel("etcd-2/ssl/peer.pem", &cert1);
	cr_assert_eq(parse("{\"members\": [{\"name\": \"etcd-1\", \"ip\": "
	                   "\"10.0.0.1\"},{\"name\": \"etcd-2\", \"ip\": "
	                   "\"10.0.0.2\", \"hosts\": [\"e2\", \"e2b\"]},"
	                   "{\"name\": \"etcd-3\", \"ip\": \"fd00::3\"}]}"),
	    0);
	build();
	cr_assert_eq(r.issued, 2); /* etcd-2's server and peer */
	cr_assert_eq(r.kept, 5);
	read_rel("etcd-2/ssl/peer-key.pem", &key2);
	read_rel("etcd-2/ssl/peer.pem", &cert2);
	cr_assert_str_eq((char *)key1.p, (char *)key2.p);
	cr_assert_str_neq((char *)cert1.p, (char *)cert2.p);
	kiln_buf_free(&key1);
	kiln_buf_free(&key2);
	kiln_buf_free(&cert1);
	kiln_buf_free(&cert2);
}

Test(etcd, shared_layout_one_certificate_everywhere)
{
	struct kiln_buf a, b;
	struct kiln_infos infos;

	kiln_buf_init(&a);
	kiln_buf_init(&b);
	kiln_infos_init(&infos);
	cr_assert_eq(parse("{\"layout\": \"shared\"," THREE "}"), 0);
	build();
	cr_assert_eq(r.issued, 2);
	read_rel("etcd-1/ssl/etcd.pem", &a);
	read_rel("etcd-3/ssl/etcd.pem", &b);
	cr_assert_str_eq((char *)a.p, (char *)b.p);
	cr_assert_eq(kiln_inspect_certs(&infos, a.p, a.len, &err), 0);
	cr_assert_str_eq(infos.v[0].subject.attr[0].value, "etcd");
	cr_assert_eq(infos.v[0].nips, 4); /* three members and 127.0.0.1 */
	cr_assert_eq(infos.v[0].ndns, 5); /* three names, localhost, e2 */
	cr_assert_eq(access(path("etcd-1/ssl/server.pem"), F_OK), -1);
	read_rel("etcd-2/cfg/etcd.yml", &a);
	cr_assert(strstr((char *)a.p,
	              "  cert-file: '/opt/etcd/ssl/etcd.pem'\n") != NULL);
	build();
	cr_assert_eq(r.issued, 0);
	kiln_infos_free(&infos);
	kiln_buf_free(&a);
	kiln_buf_free(&b);
}

Test(etcd, an_existing_ca_key_never_moves)
{
	char manifest[512];

	cr_assert_eq(parse("{" THREE "}"), 0);
	build();
	/* A second cluster from the first one's CA, by path. */
	snprintf(manifest, sizeof(manifest),
	    "{\"ca\": {\"cert\": \"%s/ca/ca.pem\", \"key\": "
	    "\"%s/ca/ca-key.pem\"}," THREE "}",
	    dir, dir);
	cr_assert_eq(parse(manifest), 0, "%s", err.msg);
	strcat(dir, "/second");
	build();
	cr_assert_eq(access(path("ca/ca.pem"), F_OK), 0);
	cr_assert_eq(access(path("ca/ca-key.pem"), F_OK), -1);
	dir[strlen(dir) - strlen("/second")] = '\0';
}

Test(etcd, a_failure_on_the_way_writes_nothing)
{
	FILE *f;

	cr_assert_eq(parse("{" THREE "}"), 0);
	/* etcd-2's folder is a file: found before anything is written. */
	f = fopen(path("etcd-2"), "w");
	cr_assert_not_null(f);
	fclose(f);
	cr_assert_eq(kiln_etcd_build(&m, dir, 0, NULL, NULL, &r, &err), -1);
	cr_assert(
	    strstr(err.msg, "etcd-2: not a folder") != NULL, "%s", err.msg);
	cr_assert_eq(access(path("ca"), F_OK), -1);
	cr_assert_eq(access(path("etcd-1"), F_OK), -1);
}

Test(etcd, a_leaf_given_as_the_ca_is_refused_before_writing)
{
	char manifest[512];

	cr_assert_eq(parse("{" THREE "}"), 0);
	build();
	snprintf(manifest, sizeof(manifest),
	    "{\"ca\": {\"cert\": \"%s/etcd-1/ssl/server.pem\", \"key\": "
	    "\"%s/etcd-1/ssl/server-key.pem\"}," THREE "}",
	    dir, dir);
	cr_assert_eq(parse(manifest), 0, "%s", err.msg);
	strcat(dir, "/second");
	cr_assert_eq(kiln_etcd_build(&m, dir, 0, NULL, NULL, &r, &err), -1);
	cr_assert(strstr(err.msg, "server.pem: not a CA certificate") != NULL,
	    "%s", err.msg);
	cr_assert_eq(access(dir, F_OK), -1);
	dir[strlen(dir) - strlen("/second")] = '\0';
}

/* Threads. */

/*
 * One line per file under "root", sorted: its path, its mode and what it
 * holds without the random parts: a certificate's names, usages and
 * lifetime, a key's type, any other file whole.
 */
static void
describe_tree(const char *root, struct kiln_buf *out)
{
	char cmd[512], line[512], file[768], desc[128];
	struct kiln_infos infos;
	struct kiln_key key;
	struct kiln_rng rng;
	struct kiln_buf b;
	const struct kiln_info *c;
	struct stat st;
	size_t i, k, n;
	FILE *p;

	kiln_rng_init(&rng);
	cr_assert_eq(kiln_rng_seed(&rng, "describe_tree", &err), 0);
	kiln_buf_init(&b);
	out->len = 0;
	snprintf(cmd, sizeof(cmd), "cd '%s' && find . -type f | LC_ALL=C sort",
	    root);
	cr_assert_not_null(p = popen(cmd, "r"));
	while (fgets(line, sizeof(line), p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		snprintf(file, sizeof(file), "%s/%s", root, line);
		cr_assert_eq(stat(file, &st), 0);
		kiln_buf_printf(out, &err, "%s %o:", line, st.st_mode & 07777);
		b.len = 0;
		cr_assert_eq(kiln_file_read(file, &b, &err), 0, "%s", err.msg);
		n = strlen(line);
		if (n > 8 && strcmp(line + n - 8, "-key.pem") == 0) {
			kiln_key_init(&key);
			cr_assert_eq(
			    kiln_key_parse(&key, b.p, b.len, &rng, &err), 0,
			    "%s: %s", line, err.msg);
			kiln_buf_printf(out, &err, " %s\n",
			    kiln_key_describe(&key.pk, desc, sizeof(desc)));
			kiln_key_free(&key);
			continue;
		}
		if (n < 4 || strcmp(line + n - 4, ".pem") != 0) {
			kiln_buf_append(out, b.p, b.len, &err);
			continue;
		}
		kiln_infos_init(&infos);
		cr_assert_eq(kiln_inspect_certs(&infos, b.p, b.len, &err), 0,
		    "%s: %s", line, err.msg);
		for (k = 0; k < infos.n; k++) {
			c = &infos.v[k];
			for (i = 0; i < c->subject.n; i++)
				kiln_buf_printf(out, &err, " s:%s=%s",
				    c->subject.attr[i].oid,
				    c->subject.attr[i].value);
			for (i = 0; i < c->issuer.n; i++)
				kiln_buf_printf(out, &err, " i:%s=%s",
				    c->issuer.attr[i].oid,
				    c->issuer.attr[i].value);
			for (i = 0; i < c->ndns; i++)
				kiln_buf_printf(
				    out, &err, " dns:%s", c->dns[i]);
			for (i = 0; i < c->nips; i++)
				kiln_buf_printf(out, &err, " ip:%s", c->ips[i]);
			for (i = 0; i < c->neku; i++)
				kiln_buf_printf(
				    out, &err, " eku:%s", c->eku[i]);
			kiln_buf_printf(out, &err,
			    " ku:%x ca:%d/%d life:%lld %s %s-%u ski:%zu "
			    "aki:%zu",
			    c->ku, c->is_ca, c->max_path_len,
			    c->not_after - c->not_before, c->sigalg,
			    c->key_algorithm, c->key_bits, c->ski_len,
			    c->aki_len);
			for (i = 0; i < c->next; i++)
				kiln_buf_printf(out, &err, " ext:%s%s",
				    c->ext[i].oid,
				    c->ext[i].critical ? "!" : "");
		}
		kiln_buf_printf(out, &err, "\n");
		kiln_infos_free(&infos);
	}
	cr_assert_eq(pclose(p), 0);
	cr_assert_eq(kiln_buf_terminate(out, &err), 0);
	cr_assert_eq(err.code, KILN_OK, "%s", err.msg);
	kiln_buf_free(&b);
	kiln_rng_free(&rng);
}

/* A build into "dir/sub" on "threads" threads. */
static int
build_in(const char *sub, unsigned int threads, struct kiln_etcd_result *res)
{
	kiln_err_clear(&err);
	kiln_etcd_result_free(res);
	return kiln_etcd_build_threads(
	    &m, path(sub), 0, threads, NULL, NULL, res, &err);
}

/* The same run in "dir/j1" on one thread and "dir/j4" on four. */
static void
same_with_one_or_four(size_t issued, size_t kept)
{
	struct kiln_etcd_result r4;
	struct kiln_buf a, b;
	size_t i;

	kiln_etcd_result_init(&r4);
	kiln_buf_init(&a);
	kiln_buf_init(&b);
	cr_assert_eq(build_in("j1", 1, &r), 0, "%s", err.msg);
	cr_assert_eq(build_in("j4", 4, &r4), 0, "%s", err.msg);
	cr_assert_eq(r.issued, issued);
	cr_assert_eq(r.kept, kept);
	cr_assert_eq(r4.issued, r.issued);
	cr_assert_eq(r4.kept, r.kept);
	cr_assert_eq(r4.n_added, r.n_added);
	for (i = 0; i < r.n_added; i++)
		cr_assert_eq(r4.added[i], r.added[i]);
	describe_tree(path("j1"), &a);
	describe_tree(path("j4"), &b);
	cr_assert_str_eq((char *)a.p, (char *)b.p);
	kiln_etcd_result_free(&r4);
	kiln_buf_free(&a);
	kiln_buf_free(&b);
}

#define CLIENTS "\"clients\": [\"root\", {\"CN\": \"api\", \"O\": \"sys\"}],"

Test(etcd, one_thread_or_four_write_the_same_cluster)
{
	cr_assert_eq(parse("{" CLIENTS THREE "}"), 0);
	same_with_one_or_four(9, 0); /* CA, 3 x server and peer, 2 clients */
	same_with_one_or_four(0, 9);
	cr_assert_eq(
	    parse("{" CLIENTS "\"members\": [{\"name\": \"etcd-1\", \"ip\": "
	          "\"10.0.0.1\"},{\"name\": \"etcd-2\", \"ip\": "
	          "\"10.0.0.2\", \"hosts\": [\"e2\", \"e2b\"]},"
	          "{\"name\": \"etcd-3\", \"ip\": \"fd00::3\"},"
	          "{\"name\": \"etcd-4\", \"ip\": \"10.0.0.4\"}]}"),
	    0);
	same_with_one_or_four(4, 7); /* etcd-2's again, etcd-4's new */
	cr_assert_eq(r.n_added, 1);
}

Test(etcd, one_thread_or_four_write_the_same_shared_cluster)
{
	cr_assert_eq(parse("{\"layout\": \"shared\"," CLIENTS THREE "}"), 0);
	same_with_one_or_four(4, 0); /* CA, etcd, 2 clients */
	same_with_one_or_four(0, 4);
}

/* Every file under "dir/sub", path and bytes, as one string. */
static void
snapshot(const char *sub, struct kiln_buf *out)
{
	char cmd[512];
	FILE *p;
	int c;

	out->len = 0;
	snprintf(cmd, sizeof(cmd),
	    "cd '%s' && find . -type f | LC_ALL=C sort | while read -r f; do "
	    "echo \"$f\"; cat \"$f\"; done",
	    path(sub));
	cr_assert_not_null(p = popen(cmd, "r"));
	while ((c = fgetc(p)) != EOF) {
		unsigned char ch = (unsigned char)c;

		kiln_buf_append(out, &ch, 1, &err);
	}
	cr_assert_eq(pclose(p), 0);
	kiln_buf_terminate(out, &err);
}

static void
write_rel(const char *rel, const char *text)
{
	FILE *f = fopen(path(rel), "w");

	cr_assert_not_null(f, "%s", rel);
	fputs(text, f);
	fclose(f);
}

/*
 * Two leaves fail (their keys are garbage) and a member is new: the
 * first failing leaf in manifest order is named whatever the number of
 * threads, and nothing is written.
 */
Test(etcd, the_same_error_and_nothing_written_with_any_thread_count)
{
	static const unsigned int threads[] = {1, 2, 4, 8};
	struct kiln_buf before, after;
	char first[KILN_ERRMSG_MAX];
	size_t t;

	kiln_buf_init(&before);
	kiln_buf_init(&after);
	cr_assert_eq(parse("{" CLIENTS THREE "}"), 0);
	cr_assert_eq(build_in("c", 1, &r), 0, "%s", err.msg);
	write_rel("c/etcd-2/ssl/peer-key.pem", "not a key\n");
	write_rel("c/clients/root-key.pem", "not a key either\n");
	cr_assert_eq(
	    parse("{" CLIENTS "\"members\": [{\"name\": \"etcd-1\", \"ip\": "
	          "\"10.0.0.1\"},{\"name\": \"etcd-2\", \"ip\": "
	          "\"10.0.0.2\", \"hosts\": [\"e2\"]},"
	          "{\"name\": \"etcd-3\", \"ip\": \"fd00::3\"},"
	          "{\"name\": \"etcd-4\", \"ip\": \"10.0.0.4\"}]}"),
	    0);
	snapshot("c", &before);
	first[0] = '\0';
	for (t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		cr_assert_eq(build_in("c", threads[t], &r), -1);
		cr_assert_eq(err.code, KILN_EINVAL);
		cr_assert(strstr(err.msg, "etcd-2/ssl/peer-key.pem (remove it, "
		                          "or make new keys)") != NULL,
		    "%u threads: %s", threads[t], err.msg);
		if (t == 0)
			snprintf(first, sizeof(first), "%s", err.msg);
		cr_assert_str_eq(err.msg, first);
		snapshot("c", &after);
		cr_assert_str_eq((char *)after.p, (char *)before.p,
		    "%u threads wrote something", threads[t]);
	}
	kiln_buf_free(&before);
	kiln_buf_free(&after);
}

/* Progress steps, one line each. */
static void
record(void *arg, size_t step, size_t n, const char *what)
{
	kiln_buf_printf(arg, NULL, "[%zu/%zu] %s\n", step, n, what);
}

Test(etcd, progress_is_the_same_with_any_thread_count)
{
	struct kiln_buf one, four;

	kiln_buf_init(&one);
	kiln_buf_init(&four);
	cr_assert_eq(parse("{" CLIENTS THREE "}"), 0);
	cr_assert_eq(kiln_etcd_build_threads(
	                 &m, path("p1"), 0, 1, record, &one, &r, &err),
	    0, "%s", err.msg);
	cr_assert_eq(kiln_etcd_build_threads(
	                 &m, path("p4"), 0, 4, record, &four, &r, &err),
	    0, "%s", err.msg);
	kiln_buf_terminate(&one, NULL);
	kiln_buf_terminate(&four, NULL);
	cr_assert_str_eq((char *)one.p,
	    "[1/9] CA key (ecdsa 256) and certificate\n"
	    "[2/9] etcd-1 server certificate\n"
	    "[3/9] etcd-1 peer certificate\n"
	    "[4/9] etcd-2 server certificate\n"
	    "[5/9] etcd-2 peer certificate\n"
	    "[6/9] etcd-3 server certificate\n"
	    "[7/9] etcd-3 peer certificate\n"
	    "[8/9] client root\n"
	    "[9/9] client api\n");
	cr_assert_str_eq((char *)four.p, (char *)one.p);
	kiln_buf_free(&one);
	kiln_buf_free(&four);
}

/*
 * Hostile trees: the output folder is writable by another user, who
 * swaps, links or plants files between two runs.
 */

/* Every entry under "sub": path, type, mode, owner, and each file's hash. */
static void
tree_state(const char *sub, struct kiln_buf *out)
{
	char cmd[512];
	FILE *p;
	int c;

	out->len = 0;
	snprintf(cmd, sizeof(cmd),
	    "cd '%s' && find . -printf '%%p %%y %%m %%U\\n' | LC_ALL=C sort && "
	    "find . -type f -exec sha256sum {} + | LC_ALL=C sort",
	    path(sub));
	cr_assert_not_null(p = popen(cmd, "r"));
	while ((c = fgetc(p)) != EOF) {
		unsigned char ch = (unsigned char)c;

		kiln_buf_append(out, &ch, 1, &err);
	}
	cr_assert_eq(pclose(p), 0);
	kiln_buf_terminate(out, &err);
}

/*
 * A run over "dir/c" fails with "dir/c/" followed by "want", and
 * changes nothing there (nor in "dir/elsewhere", if it exists).
 */
static void
refused(const char *want)
{
	struct kiln_buf before, after, out_before, out_after;
	char full[KILN_ERRMSG_MAX];

	kiln_buf_init(&before);
	kiln_buf_init(&after);
	kiln_buf_init(&out_before);
	kiln_buf_init(&out_after);
	tree_state("c", &before);
	if (access(path("elsewhere"), F_OK) == 0)
		tree_state("elsewhere", &out_before);
	cr_assert_eq(build_in("c", 2, &r), -1, "not refused: %s", want);
	snprintf(full, sizeof(full), "%s/%s", path("c"), want);
	cr_assert_str_eq(err.msg, full);
	tree_state("c", &after);
	cr_assert_str_eq((char *)after.p, (char *)before.p);
	if (access(path("elsewhere"), F_OK) == 0) {
		tree_state("elsewhere", &out_after);
		cr_assert_str_eq((char *)out_after.p, (char *)out_before.p);
	}
	kiln_buf_free(&before);
	kiln_buf_free(&after);
	kiln_buf_free(&out_before);
	kiln_buf_free(&out_after);
}

/* "rel" (under dir) moved to "dir/elsewhere/..." and a link left there. */
static void
link_away(const char *rel, const char *to)
{
	char from[256], target[256];

	snprintf(from, sizeof(from), "%s", path(rel));
	snprintf(target, sizeof(target), "%s", path(to));
	cr_assert_eq(rename(from, target), 0, "%s", rel);
	cr_assert_eq(symlink(target, from), 0, "%s", rel);
}

/* Undo link_away. */
static void
link_back(const char *rel, const char *to)
{
	char from[256], target[256];

	snprintf(from, sizeof(from), "%s", path(rel));
	snprintf(target, sizeof(target), "%s", path(to));
	cr_assert_eq(unlink(from), 0, "%s", rel);
	cr_assert_eq(rename(target, from), 0, "%s", rel);
}

#define FOUR                                                                   \
	"\"members\": [{\"name\": \"etcd-1\", \"ip\": \"10.0.0.1\"},"          \
	"{\"name\": \"etcd-2\", \"ip\": \"10.0.0.2\", \"hosts\": [\"e2\"]},"   \
	"{\"name\": \"etcd-3\", \"ip\": \"fd00::3\"},"                         \
	"{\"name\": \"etcd-4\", \"ip\": \"10.0.0.4\"}]"

/*
 * A link anywhere in the tree is refused, naming it, and nothing is
 * written: not through it, not elsewhere in the tree (etcd-4, new, gets
 * no folder).
 */
Test(etcd, a_link_anywhere_in_the_tree_is_refused)
{
	static const struct {
		const char *rel, *want;
	} cases[] = {
	    {"c/etcd-1/ssl/peer-key.pem",
	        "etcd-1/ssl/peer-key.pem: a symbolic link, refused"},
	    {"c/etcd-1/ssl/server.pem",
	        "etcd-1/ssl/server.pem: a symbolic link, refused"},
	    {"c/etcd-2", "etcd-2: a symbolic link, not a folder"},
	    {"c/etcd-3/ssl", "etcd-3/ssl: a symbolic link, not a folder"},
	    {"c/etcd-3/cfg", "etcd-3/cfg: a symbolic link, not a folder"},
	    {"c/etcd-3/cfg/etcd.yml",
	        "etcd-3/cfg/etcd.yml: a symbolic link, refused"},
	    {"c/etcd-3/etcd.service",
	        "etcd-3/etcd.service: a symbolic link, refused"},
	    {"c/ca", "ca: a symbolic link, not a folder"},
	    {"c/ca/ca-key.pem", "ca/ca-key.pem: a symbolic link, refused"},
	    {"c/ca/ca.pem", "ca/ca.pem: a symbolic link, refused"},
	    {"c/clients", "clients: a symbolic link, not a folder"},
	    {"c/clients/api-key.pem",
	        "clients/api-key.pem: a symbolic link, refused"},
	};
	size_t i;

	cr_assert_eq(parse("{" CLIENTS THREE "}"), 0);
	cr_assert_eq(build_in("c", 1, &r), 0, "%s", err.msg);
	cr_assert_eq(parse("{" CLIENTS FOUR "}"), 0);
	cr_assert_eq(mkdir(path("elsewhere"), 0755), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		link_away(cases[i].rel, "elsewhere/x");
		refused(cases[i].want);
		link_back(cases[i].rel, "elsewhere/x");
	}
	/* Put back, the tree is fine again. */
	cr_assert_eq(build_in("c", 1, &r), 0, "%s", err.msg);
	cr_assert_eq(r.issued, 2);
	cr_assert_eq(r.kept, 9);
}

/* A FIFO, a device or a hard link where a file is: refused at once. */
Test(etcd, a_fifo_a_device_or_a_hard_link_is_refused)
{
	char key[256];

	cr_assert_eq(parse("{" CLIENTS THREE "}"), 0);
	cr_assert_eq(build_in("c", 1, &r), 0, "%s", err.msg);
	cr_assert_eq(unlink(path("c/etcd-1/ssl/server.pem")), 0);
	cr_assert_eq(mkfifo(path("c/etcd-1/ssl/server.pem"), 0644), 0);
	refused("etcd-1/ssl/server.pem: a FIFO, refused");
	cr_assert_eq(unlink(path("c/etcd-1/ssl/server.pem")), 0);
	cr_assert_eq(unlink(path("c/etcd-2/etcd.service")), 0);
	cr_assert_eq(mkfifo(path("c/etcd-2/etcd.service"), 0644), 0);
	refused("etcd-2/etcd.service: a FIFO, refused");
	cr_assert_eq(unlink(path("c/etcd-2/etcd.service")), 0);
	snprintf(key, sizeof(key), "%s", path("c/clients/root-key.pem"));
	cr_assert_eq(link(key, path("hard-link")), 0);
	refused("clients/root-key.pem: has 2 hard links, refused");
}

/*
 * A member's key swapped for another (one kiln made, so owned by the
 * same user) is not certified: the run names both files.
 */
Test(etcd, a_swapped_key_does_not_match_its_certificate)
{
	char from[256], want[KILN_ERRMSG_MAX];

	cr_assert_eq(parse("{" CLIENTS THREE "}"), 0);
	cr_assert_eq(build_in("c", 1, &r), 0, "%s", err.msg);
	snprintf(from, sizeof(from), "%s", path("c/etcd-2/ssl/peer-key.pem"));
	cr_assert_eq(rename(from, path("c/etcd-1/ssl/peer-key.pem")), 0);
	snprintf(want, sizeof(want),
	    "etcd-1/ssl/peer-key.pem: does not match %s, refused (remove "
	    "both, or make new keys)",
	    path("c/etcd-1/ssl/peer.pem"));
	refused(want);
	/* A client's certificate copied over a member's: the same. */
	cr_assert_eq(build_in("d", 1, &r), 0, "%s", err.msg);
	snprintf(from, sizeof(from), "%s", path("d/clients/root.pem"));
	cr_assert_eq(rename(from, path("c/etcd-1/ssl/peer.pem")), 0);
	refused(want);
	/* -force makes new keys and certificates for every leaf. */
	kiln_etcd_result_free(&r);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_etcd_build_threads(&m, path("c"), KILN_ETCD_FORCE, 1,
	                 NULL, NULL, &r, &err),
	    0, "%s", err.msg);
	cr_assert_eq(r.issued, 8);
}

/* "uid N" or "name (uid N)", as kiln etcd names a file's owner. */
static void
owner_name(uid_t uid, char *out, size_t size)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(
		    out, size, "%s (uid %lu)", pw->pw_name, (unsigned long)uid);
	else
		snprintf(out, size, "uid %lu", (unsigned long)uid);
}

/* A key another user owns may have been planted: refused, naming them. */
Test(etcd, a_key_another_user_owns_is_refused)
{
	char them[128], me[128], want[KILN_ERRMSG_MAX];

	if (geteuid() != 0)
		cr_skip_test("needs root to give a file away");
	owner_name(65534, them, sizeof(them));
	owner_name(0, me, sizeof(me));
	cr_assert_eq(parse("{" CLIENTS THREE "}"), 0);
	cr_assert_eq(build_in("c", 1, &r), 0, "%s", err.msg);
	cr_assert_eq(
	    chown(path("c/etcd-3/ssl/server-key.pem"), 65534, 65534), 0);
	snprintf(want, sizeof(want),
	    "etcd-3/ssl/server-key.pem: owned by %s, not by %s who runs kiln, "
	    "refused",
	    them, me);
	refused(want);
	cr_assert_eq(chown(path("c/etcd-3/ssl/server-key.pem"), 0, 0), 0);
	cr_assert_eq(chown(path("c/ca/ca-key.pem"), 65534, 0), 0);
	snprintf(want, sizeof(want),
	    "ca/ca-key.pem: owned by %s, not by %s who runs kiln, refused",
	    them, me);
	refused(want);
	/* -force replaces a leaf's key, but never the CA's. */
	kiln_etcd_result_free(&r);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_etcd_build_threads(&m, path("c"), KILN_ETCD_FORCE, 1,
	                 NULL, NULL, &r, &err),
	    -1);
	cr_assert_str_eq(err.msg + strlen(path("c")) + 1, want);
}

/*
 * A key kiln keeps, readable by others, is rewritten with mode 0600, the
 * same bytes, and the run says so.
 */
Test(etcd, a_key_readable_by_others_is_reset_to_0600)
{
	struct kiln_buf ca_before, ca_after, leaf_before, leaf_after;

	kiln_buf_init(&ca_before);
	kiln_buf_init(&ca_after);
	kiln_buf_init(&leaf_before);
	kiln_buf_init(&leaf_after);
	cr_assert_eq(parse("{" CLIENTS THREE "}"), 0);
	cr_assert_eq(build_in("c", 1, &r), 0, "%s", err.msg);
	cr_assert_eq(r.n_reset, 0);
	read_rel("c/ca/ca-key.pem", &ca_before);
	read_rel("c/clients/api-key.pem", &leaf_before);
	cr_assert_eq(chmod(path("c/ca/ca-key.pem"), 0644), 0);
	cr_assert_eq(chmod(path("c/clients/api-key.pem"), 0640), 0);
	cr_assert_eq(build_in("c", 1, &r), 0, "%s", err.msg);
	cr_assert_eq(r.issued, 0);
	cr_assert_eq(r.kept, 9);
	cr_assert_eq(mode_of("c/ca/ca-key.pem"), 0600);
	cr_assert_eq(mode_of("c/clients/api-key.pem"), 0600);
	read_rel("c/ca/ca-key.pem", &ca_after);
	read_rel("c/clients/api-key.pem", &leaf_after);
	cr_assert_eq(ca_after.len, ca_before.len);
	cr_assert_eq(memcmp(ca_after.p, ca_before.p, ca_before.len), 0);
	cr_assert_eq(leaf_after.len, leaf_before.len);
	cr_assert_eq(memcmp(leaf_after.p, leaf_before.p, leaf_before.len), 0);
	cr_assert_eq(r.n_reset, 2);
	cr_assert_str_eq(r.reset[0].path, path("c/ca/ca-key.pem"));
	cr_assert_eq(r.reset[0].was, 0644);
	cr_assert_eq(r.reset[0].now, 0600);
	cr_assert_str_eq(r.reset[1].path, path("c/clients/api-key.pem"));
	cr_assert_eq(r.reset[1].was, 0640);
	cr_assert_eq(r.reset[1].now, 0600);
	/* Nothing to reset now. */
	cr_assert_eq(build_in("c", 1, &r), 0, "%s", err.msg);
	cr_assert_eq(r.n_reset, 0);
	kiln_buf_free(&ca_before);
	kiln_buf_free(&ca_after);
	kiln_buf_free(&leaf_before);
	kiln_buf_free(&leaf_after);
}

Test(etcd, unknown_keys_are_refused_with_the_nearest_known_one)
{
	parse_fails("{\"expirey\": \"8760h\", " THREE "}",
	    "unknown key \"expirey\" (did you mean \"expiry\"?)");
	parse_fails("{\"cleints\": [\"root\"], " THREE "}",
	    "unknown key \"cleints\" (did you mean \"clients\"?)");
	parse_fails("{\"layuot\": \"shared\", " THREE "}",
	    "unknown key \"layuot\" (did you mean \"layout\"?)");
	parse_fails("{\"members\": [{\"name\": \"a\", \"ip\": \"10.0.0.1\"}, "
	            "{\"name\": \"b\", \"ipp\": \"10.0.0.2\"}]}",
	    "members[1]: unknown key \"ipp\" (did you mean \"ip\"?)");
	parse_fails(
	    "{\"clients\": [\"a\", {\"CN\": \"b\", \"o\": \"x\"}], " THREE "}",
	    "clients[1]: unknown key \"o\" (did you mean \"O\"?)");
	parse_fails("{\"etcd\": {\"client_prot\": 1}, " THREE "}",
	    "etcd: unknown key \"client_prot\" (did you mean "
	    "\"client_port\"?)");
	parse_fails("{\"key\": {\"algo\": \"rsa\", \"bits\": 2048}, " THREE "}",
	    "key: unknown key \"bits\" (known keys: algo, size)");
	parse_fails("{\"names\": [{\"C\": \"CN\", \"st\": \"x\"}], " THREE "}",
	    "names[0]: unknown key \"st\" (did you mean \"ST\"?)");
	parse_fails("{\"ca\": {\"CN\": \"x\", \"expiry\": \"1h\", \"exipry\": "
	            "\"2h\"}, " THREE "}",
	    "ca: unknown key \"exipry\" (did you mean \"expiry\"?)");
	parse_fails("{\"ca\": {\"CN\": \"x\", \"key\": {\"size\": 256, "
	            "\"algo\": \"ecdsa\", \"sise\": 1}}, " THREE "}",
	    "ca.key: unknown key \"sise\" (did you mean \"size\"?)");
	parse_fails(
	    "{\"ca\": {\"CN\": \"x\", \"ca\": {\"path_len\": 1}}, " THREE "}",
	    "ca.ca: unknown key \"path_len\" (did you mean \"pathlen\"?)");
	/* Case matters in kiln's own format; a top-level CN is not one. */
	parse_fails("{\"Members\": []}",
	    "unknown key \"Members\" (did you mean \"members\"?)");
	parse_fails("{\"CN\": \"x\", " THREE "}",
	    "unknown key \"CN\" (did you mean \"ca\"?)");
	parse_fails("{\"prefix\": \"/a\", \"prefix\": \"/b\", " THREE "}",
	    "duplicate key \"prefix\"");
	/* Every documented key is known. */
	cr_assert_eq(parse("{\"cluster_token\": \"t\", \"serialnumber\": "
	                   "\"1\", \"key\": {\"algo\": \"ecdsa\", \"size\": "
	                   "256}, \"expiry\": \"1h\", \"names\": [{\"C\": "
	                   "\"CN\", \"ST\": \"a\", \"L\": \"b\", \"O\": \"c\", "
	                   "\"OU\": \"d\", \"E\": \"e@x\"}], \"prefix\": "
	                   "\"/opt/e\", \"layout\": \"shared\", \"clients\": "
	                   "[\"r\", {\"CN\": \"k\", \"O\": \"m\"}], \"ca\": "
	                   "{\"CN\": \"c\", \"names\": [], \"key\": {\"algo\": "
	                   "\"ecdsa\"}, \"serialnumber\": \"2\", \"expiry\": "
	                   "\"2h\", \"ca\": {\"pathlen\": 1, \"pathlenzero\": "
	                   "false, \"backdate\": \"1m\", \"expiry\": \"3h\"}}, "
	                   "\"etcd\": {\"client_port\": 1, \"peer_port\": 2, "
	                   "\"snapshot_count\": 3, \"heartbeat_interval\": 4, "
	                   "\"election_timeout\": 40, \"quota_backend_bytes\": "
	                   "0, \"max_snapshots\": 1, \"max_wals\": 1, "
	                   "\"auto_compaction_mode\": \"periodic\", "
	                   "\"auto_compaction_retention\": \"1\", "
	                   "\"log_level\": \"info\"}, " THREE "}"),
	    0, "%s", err.msg);
}

/* The fate of "rel" (under dir) in the result, or -1 if not listed. */
static int
fate_of(const char *rel)
{
	size_t i;

	for (i = 0; i < r.n_files; i++)
		if (strcmp(r.files[i].path, path(rel)) == 0)
			return (int)r.files[i].fate;
	return -1;
}

Test(etcd, a_dry_run_decides_as_a_real_run_and_makes_nothing)
{
	char out[128];

	snprintf(out, sizeof(out), "%s/out", dir);
	cr_assert_eq(parse("{\"key\": {\"algo\": \"ecdsa\"}, \"clients\": "
	                   "[\"root\"], " THREE "}"),
	    0, "%s", err.msg);
	cr_assert_eq(
	    kiln_etcd_build(&m, out, KILN_ETCD_DRY_RUN, NULL, NULL, &r, &err),
	    0, "%s", err.msg);
	cr_assert_eq(access(out, F_OK), -1, "a dry run made %s", out);
	cr_assert_eq(r.issued, 8);
	cr_assert_eq(r.n_files, 26); /* ca/ 3, 3 members x 7, a client 2 */
	cr_assert_eq(fate_of("out/etcd-2/ssl/ca.pem"), KILN_ETCD_NEW);
	/* The real run, then a dry run that moves etcd-2 and drops etcd-3. */
	kiln_etcd_result_free(&r);
	cr_assert_eq(kiln_etcd_build(&m, out, 0, NULL, NULL, &r, &err), 0, "%s",
	    err.msg);
	cr_assert_eq(r.n_files, 26);
	cr_assert_eq(fate_of("out/etcd-2/ssl/ca.pem"), KILN_ETCD_NEW);
	cr_assert_eq(parse("{\"key\": {\"algo\": \"ecdsa\"}, \"members\": "
	                   "[{\"name\": \"etcd-1\", \"ip\": \"10.0.0.1\"}, "
	                   "{\"name\": \"etcd-2\", \"ip\": \"10.0.0.9\"}]}"),
	    0, "%s", err.msg);
	kiln_etcd_result_free(&r);
	cr_assert_eq(
	    kiln_etcd_build(&m, out, KILN_ETCD_DRY_RUN, NULL, NULL, &r, &err),
	    0, "%s", err.msg);
	cr_assert_eq(r.issued, 2);
	cr_assert_eq(r.kept, 3);
	cr_assert_eq(fate_of("out/etcd-1/ssl/server.pem"), KILN_ETCD_KEPT);
	cr_assert_eq(fate_of("out/etcd-2/ssl/server.pem"), KILN_ETCD_CHANGED);
	cr_assert_eq(fate_of("out/etcd-2/cfg/etcd.yml"), KILN_ETCD_CHANGED);
	cr_assert_eq(fate_of("out/clients/root.pem"), KILN_ETCD_LEFT);
	cr_assert_eq(r.n_moved, 1);
	cr_assert_eq(r.moved[0].member, 1);
	cr_assert_str_eq(r.moved[0].old_url, "https://10.0.0.2:2380");
	cr_assert_eq(r.n_gone, 1);
	cr_assert_str_eq(r.gone[0].name, "etcd-3");
	cr_assert_str_eq(r.gone[0].path, path("out/etcd-3"));
	cr_assert(r.gone[0].has_keys);
	cr_assert_eq(access(path("out/etcd-3/ssl/server-key.pem"), F_OK), 0);
	cr_assert_eq(r.ca_ends_first, 0);
}

Test(etcd, a_ca_that_ends_before_its_leaves_is_noted)
{
	cr_assert_eq(parse("{\"key\": {\"algo\": \"ecdsa\"}, \"ca\": {\"CN\": "
	                   "\"c\", \"key\": {\"algo\": \"ecdsa\"}, \"expiry\": "
	                   "\"240h\"}, \"expiry\": \"265h\", " THREE "}"),
	    0, "%s", err.msg);
	build();
	cr_assert(r.ca_ends_first);
	cr_assert_gt(r.ca_not_after, (long long)time(NULL) + 239 * 3600);
	cr_assert_lt(r.ca_not_after, (long long)time(NULL) + 240 * 3600);
	/* A day past the CA or less is no news (KILN_OUTLIVES_GRACE). */
	cr_assert_eq(parse("{\"key\": {\"algo\": \"ecdsa\"}, \"ca\": {\"CN\": "
	                   "\"c\", \"key\": {\"algo\": \"ecdsa\"}, \"expiry\": "
	                   "\"240h\"}, \"expiry\": \"263h\", " THREE "}"),
	    0, "%s", err.msg);
	build();
	cr_assert_eq(r.ca_ends_first, 0);
}

Test(etcd, the_other_layouts_files_are_left_behind_and_listed)
{
	cr_assert_eq(parse("{\"key\": {\"algo\": \"ecdsa\"}, " THREE "}"), 0,
	    "%s", err.msg);
	build();
	cr_assert_eq(parse("{\"key\": {\"algo\": \"ecdsa\"}, \"layout\": "
	                   "\"shared\", " THREE "}"),
	    0, "%s", err.msg);
	build();
	cr_assert_eq(fate_of("etcd-1/ssl/etcd.pem"), KILN_ETCD_NEW);
	cr_assert_eq(fate_of("etcd-1/ssl/server.pem"), KILN_ETCD_LEFT);
	cr_assert_eq(fate_of("etcd-3/ssl/peer-key.pem"), KILN_ETCD_LEFT);
	cr_assert_eq(fate_of("etcd-3/ssl/ca.pem"), KILN_ETCD_KEPT);
	cr_assert_eq(access(path("etcd-3/ssl/peer-key.pem"), F_OK), 0);
}
