/*
 * The etcd manifest: parsed, and checked as a whole before kiln etcd
 * writes anything: its strict keys, the CA, the expiries, the etcd
 * settings and the layout (the value rules, the members and the clients
 * are manifestrules.c's).  Every error names its field ("members[2].ip:
 * ...").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "kiln/duration.h"
#include "kiln/etcd.h"
#include "cfssl/reqjson.h"
#include "core/strs.h"
#include "etcd/manifest.h"

void
kiln_etcd_manifest_init(struct kiln_etcd_manifest *m)
{
	memset(m, 0, sizeof(*m));
	kiln_request_init(&m->ca);
	kiln_request_init(&m->leaf);
	m->layout = KILN_ETCD_PER_MEMBER;
	m->etcd.client_port = 2379;
	m->etcd.peer_port = 2380;
	m->etcd.snapshot_count = 10000;
	m->etcd.heartbeat_interval = 100;
	m->etcd.election_timeout = 1000;
	m->etcd.max_snapshots = 5;
	m->etcd.max_wals = 5;
}

void
kiln_etcd_manifest_free(struct kiln_etcd_manifest *m)
{
	size_t i;

	free(m->cluster_token);
	kiln_request_free(&m->ca);
	kiln_request_free(&m->leaf);
	free(m->ca_cert_path);
	free(m->ca_key_path);
	for (i = 0; i < m->n_members; i++) {
		free(m->members[i].name);
		free(m->members[i].ip);
		kiln_strs_free(m->members[i].hosts, m->members[i].n_hosts);
	}
	free(m->members);
	for (i = 0; i < m->n_clients; i++) {
		free(m->clients[i].cn);
		free(m->clients[i].o);
	}
	free(m->clients);
	free(m->prefix);
	free(m->etcd.auto_compaction_mode);
	free(m->etcd.auto_compaction_retention);
	free(m->etcd.log_level);
	kiln_etcd_manifest_init(m);
}

/*
 * Put "ctx." before a message that starts with a field path ("key.algo:
 * ..."), "ctx: " before any other.
 */
static void
field_prefix(struct kiln_err *err, const char *ctx)
{
	char msg[sizeof(err->msg)];
	size_t path = strcspn(err->msg, ": ");

	if (err->msg[path] == ':' && path > 0) {
		/* A message this long would be cut anyway. */
		if (snprintf(msg, sizeof(msg), "%s.%.*s", ctx,
		        (int)(sizeof(msg) - strlen(ctx) - 2), err->msg) < 0)
			return;
		memcpy(err->msg, msg, sizeof(msg));
	} else
		kiln_err_prefix(err, "%s", ctx);
}

/*
 * "ca": a csr.json-style request with "expiry", or the paths of an
 * existing CA; absent, a CA named "etcd CA" with the leaves' names and
 * key.
 */
static int
parse_ca(struct kiln_etcd_manifest *m, const cJSON *root, const char *base,
    struct kiln_err *err)
{
	const cJSON *ca = kiln_json_get(root, "ca"), *key;
	const char *cert_path = NULL, *key_path = NULL;
	struct kiln_err e;
	char path[4096];

	if (kiln_json_object(ca, "ca", err) == -1 ||
	    manifest_duration_or(
	        ca, "ca", "expiry", "87600h", &m->ca_expiry, err) == -1)
		return -1;
	if (ca == NULL) {
		kiln_request_free(&m->ca);
		if (kiln_request_from_json(&m->ca, root, err) == -1)
			return -1;
		m->ca.has_ca = 0;
		kiln_strs_free(m->ca.hosts, m->ca.n_hosts);
		m->ca.hosts = NULL;
		m->ca.n_hosts = 0;
		return kiln_str_set(&m->ca.cn, "etcd CA", err);
	}
	if (kiln_json_string(ca, "ca", "cert", &cert_path, err) == -1)
		return -1;
	if (cert_path == NULL) {
		kiln_err_clear(&e);
		if (kiln_request_from_json(&m->ca, ca, &e) == -1) {
			field_prefix(&e, "ca");
			return kiln_err_pass(err, &e);
		}
		if (m->ca.cn == NULL && m->ca.n_names == 0)
			return kiln_err_set(err, KILN_EINVAL,
			    "ca: give a CN or names, or the cert and key of an "
			    "existing CA");
		return 0;
	}
	key = kiln_json_get(ca, "key");
	if (key == NULL || !cJSON_IsString(key))
		return kiln_err_set(err, KILN_EINVAL,
		    "ca.key: with ca.cert, the path of the CA's key");
	key_path = key->valuestring;
	if (*cert_path == '\0' || *key_path == '\0')
		return kiln_err_set(
		    err, KILN_EINVAL, "ca: empty cert or key path");
	snprintf(path, sizeof(path), "%s%s%s", *cert_path == '/' ? "" : base,
	    *cert_path == '/' ? "" : "/", cert_path);
	if (kiln_str_set(&m->ca_cert_path, path, err) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s%s%s", *key_path == '/' ? "" : base,
	    *key_path == '/' ? "" : "/", key_path);
	return kiln_str_set(&m->ca_key_path, path, err);
}

/*
 * auto-compaction-retention as etcd reads it: a number of revisions in
 * revision mode; in periodic mode a number of hours or a duration.
 */
static int
check_retention(const struct kiln_etcd_settings *s, struct kiln_err *err)
{
	const char *r = s->auto_compaction_retention;
	struct kiln_err ignored;
	int64_t ns;

	kiln_err_clear(&ignored);
	if (strspn(r, "0123456789") == strlen(r))
		return 0;
	if (strcmp(s->auto_compaction_mode, "periodic") == 0 &&
	    kiln_duration_parse(r, &ns, &ignored) == 0 && ns >= 0)
		return 0;
	return kiln_err_set(err, KILN_EINVAL,
	    "etcd.auto_compaction_retention: \"%s\" (%s)", r,
	    strcmp(s->auto_compaction_mode, "periodic") == 0
	        ? "hours, or a duration such as \"30m\""
	        : "a number of revisions");
}

static int
parse_settings(
    struct kiln_etcd_settings *s, const cJSON *obj, struct kiln_err *err)
{
	static const char *const modes[] = {"periodic", "revision", NULL};
	static const char *const levels[] = {
	    "debug", "info", "warn", "error", "panic", "fatal", NULL};
	long client = s->client_port, peer = s->peer_port, quota = 0;
	size_t i;

	if (kiln_json_object(obj, "etcd", err) == -1 ||
	    kiln_json_int(obj, "etcd", "client_port", 1, 65535, &client, err) ==
	        -1 ||
	    kiln_json_int(obj, "etcd", "peer_port", 1, 65535, &peer, err) ==
	        -1 ||
	    kiln_json_int(obj, "etcd", "snapshot_count", 1, 1L << 40,
	        &s->snapshot_count, err) == -1 ||
	    kiln_json_int(obj, "etcd", "heartbeat_interval", 1, 1L << 30,
	        &s->heartbeat_interval, err) == -1 ||
	    kiln_json_int(obj, "etcd", "election_timeout", 1, 1L << 30,
	        &s->election_timeout, err) == -1 ||
	    kiln_json_int(obj, "etcd", "quota_backend_bytes", 0, 1L << 50,
	        &quota, err) == -1 ||
	    kiln_json_int(obj, "etcd", "max_snapshots", 0, 1L << 30,
	        &s->max_snapshots, err) == -1 ||
	    kiln_json_int(obj, "etcd", "max_wals", 0, 1L << 30, &s->max_wals,
	        err) == -1 ||
	    manifest_string_or(obj, "etcd", "auto_compaction_mode", "periodic",
	        &s->auto_compaction_mode, err) == -1 ||
	    manifest_string_or(obj, "etcd", "auto_compaction_retention", "1",
	        &s->auto_compaction_retention, err) == -1 ||
	    manifest_string_or(
	        obj, "etcd", "log_level", "info", &s->log_level, err) == -1 ||
	    manifest_check_text("etcd.auto_compaction_retention",
	        s->auto_compaction_retention, err) == -1)
		return -1;
	s->client_port = (int)client;
	s->peer_port = (int)peer;
	s->quota_backend_bytes = quota;
	if (client == peer)
		return kiln_err_set(err, KILN_EINVAL,
		    "etcd.peer_port: %ld is also the client port", peer);
	if (s->election_timeout < 5 * s->heartbeat_interval)
		return kiln_err_set(err, KILN_EINVAL,
		    "etcd.election_timeout: %ld ms is under 5 heartbeats "
		    "(%ld ms), which etcd refuses",
		    s->election_timeout, s->heartbeat_interval);
	if (s->election_timeout > 50000)
		return kiln_err_set(err, KILN_EINVAL,
		    "etcd.election_timeout: %ld ms is over 50000 ms, which "
		    "etcd "
		    "refuses",
		    s->election_timeout);
	for (i = 0; modes[i] != NULL; i++)
		if (strcmp(modes[i], s->auto_compaction_mode) == 0)
			break;
	if (modes[i] == NULL)
		return kiln_err_set(err, KILN_EINVAL,
		    "etcd.auto_compaction_mode: \"%s\" (periodic or revision)",
		    s->auto_compaction_mode);
	for (i = 0; levels[i] != NULL; i++)
		if (strcmp(levels[i], s->log_level) == 0)
			break;
	if (check_retention(s, err) == -1)
		return -1;
	if (levels[i] == NULL)
		return kiln_err_set(err, KILN_EINVAL,
		    "etcd.log_level: \"%s\" (debug, info, warn, error, panic "
		    "or fatal)",
		    s->log_level);
	return 0;
}

/*
 * The manifest is kiln's own format: a key it does not know, in any of
 * its objects, is refused with the nearest known one, so that a typo
 * ("expirey", "cleints") cannot silently leave a default in force.  Keys
 * match exactly (case matters), unlike cfssl's files.  Checked first,
 * so a typo is what is reported.  Only the objects found where they
 * belong are walked: a wrong type there is reported by the parse.
 */
/* clang-format off */
static const char *const root_keys[] = { "members", "clients", "key",
	"expiry", "names", "serialnumber", "ca", "cluster_token", "prefix",
	"layout", "etcd", NULL };
static const char *const ca_keys[] = { "CN", "names", "key", "serialnumber",
	"ca", "expiry", "cert", NULL };
static const char *const careq_keys[] = { "pathlen", "pathlenzero",
	"backdate", "expiry", NULL };
static const char *const key_keys[] = { "algo", "size", NULL };
static const char *const name_keys[] = { "C", "ST", "L", "O", "OU", "E",
	"OID", NULL };
static const char *const member_keys[] = { "name", "ip", "hosts", NULL };
static const char *const client_keys[] = { "CN", "O", NULL };
static const char *const etcd_keys[] = { "client_port", "peer_port",
	"snapshot_count", "heartbeat_interval", "election_timeout",
	"quota_backend_bytes", "max_snapshots", "max_wals",
	"auto_compaction_mode", "auto_compaction_retention", "log_level",
	NULL };
/* clang-format on */

/* A request's "key" and "names" under "path" (NULL: the top level). */
static int
known_in_request(const cJSON *obj, const char *path, struct kiln_err *err)
{
	char key[16], names[16];

	snprintf(key, sizeof(key), "%s%skey", path != NULL ? path : "",
	    path != NULL ? "." : "");
	snprintf(names, sizeof(names), "%s%snames", path != NULL ? path : "",
	    path != NULL ? "." : "");
	return kiln_json_known_keys(
	           kiln_json_get(obj, "key"), key, key_keys, err) == -1 ||
	               manifest_known_in_array(kiln_json_get(obj, "names"),
	                   names, name_keys, err) == -1
	           ? -1
	           : 0;
}

static int
known_keys(const cJSON *root, struct kiln_err *err)
{
	const cJSON *ca = kiln_json_get(root, "ca");

	if (kiln_json_known_keys(root, NULL, root_keys, err) == -1 ||
	    known_in_request(root, NULL, err) == -1 ||
	    manifest_known_in_array(kiln_json_get(root, "members"), "members",
	        member_keys, err) == -1 ||
	    manifest_known_in_array(kiln_json_get(root, "clients"), "clients",
	        client_keys, err) == -1 ||
	    kiln_json_known_keys(
	        kiln_json_get(root, "etcd"), "etcd", etcd_keys, err) == -1 ||
	    kiln_json_known_keys(ca, "ca", ca_keys, err) == -1)
		return -1;
	if (ca == NULL || !cJSON_IsObject(ca))
		return 0;
	return known_in_request(ca, "ca", err) == -1 ||
	               kiln_json_known_keys(kiln_json_get(ca, "ca"), "ca.ca",
	                   careq_keys, err) == -1
	           ? -1
	           : 0;
}

int
kiln_etcd_manifest_parse(struct kiln_etcd_manifest *m, const char *text,
    size_t len, const char *base_dir, struct kiln_err *err)
{
	const char *layout = NULL;
	cJSON *root;
	int rc = -1;

	kiln_etcd_manifest_free(m);
	if ((root = kiln_json_parse_object(text, len, err)) == NULL)
		return -1;
	if (known_keys(root, err) == -1)
		goto cleanup;
	/*
	 * The leaves' "names" and "key" are read as a csr.json would read
	 * them; the rest of what that reads does not apply at this level.
	 */
	if (kiln_request_from_json(&m->leaf, root, err) == -1)
		goto cleanup;
	m->leaf.has_ca = 0;
	kiln_strs_free(m->leaf.hosts, m->leaf.n_hosts);
	m->leaf.hosts = NULL;
	m->leaf.n_hosts = 0;
	free(m->leaf.cn);
	m->leaf.cn = NULL;
	if (manifest_string_or(root, NULL, "cluster_token", "etcd-cluster",
	        &m->cluster_token, err) == -1 ||
	    manifest_check_bytes("cluster_token", m->cluster_token,
	        manifest_yaml_byte, "a value written into etcd.yml",
	        err) == -1 ||
	    parse_ca(m, root, base_dir, err) == -1 ||
	    manifest_duration_or(
	        root, NULL, "expiry", "8760h", &m->expiry, err) == -1 ||
	    manifest_members(m, kiln_json_get(root, "members"), err) == -1 ||
	    manifest_clients(m, kiln_json_get(root, "clients"), err) == -1 ||
	    manifest_string_or(
	        root, NULL, "prefix", "/opt/etcd", &m->prefix, err) == -1 ||
	    manifest_check_bytes("prefix", m->prefix, manifest_path_byte,
	        "a path written into etcd.service", err) == -1 ||
	    kiln_json_string(root, NULL, "layout", &layout, err) == -1 ||
	    parse_settings(&m->etcd, kiln_json_get(root, "etcd"), err) == -1)
		goto cleanup;
	while (strlen(m->prefix) > 1 && m->prefix[strlen(m->prefix) - 1] == '/')
		m->prefix[strlen(m->prefix) - 1] = '\0';
	if (m->prefix[0] != '/' || m->prefix[1] == '\0') {
		kiln_err_set(err, KILN_EINVAL,
		    "prefix: \"%s\": an absolute path without spaces, not /",
		    m->prefix);
		goto cleanup;
	}
	if (layout == NULL || strcmp(layout, "per-member") == 0)
		m->layout = KILN_ETCD_PER_MEMBER;
	else if (strcmp(layout, "shared") == 0)
		m->layout = KILN_ETCD_SHARED;
	else {
		kiln_err_set(err, KILN_EINVAL,
		    "layout: \"%s\" (per-member or shared)", layout);
		goto cleanup;
	}
	rc = 0;
cleanup:
	cJSON_Delete(root);
	return rc;
}
