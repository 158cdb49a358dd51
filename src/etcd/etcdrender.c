/*
 * kiln etcd's templates, rendered from the plan: ca/ca-config.json (the
 * profiles every leaf is issued under, as the operator reads them), each
 * member's cfg/etcd.yml and etcd.service; and the URLs and durations as
 * they are written there.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "etcd/etcdplan.h"
#include "kiln/duration.h"

/*
 * The profiles every leaf is issued under, built in code, and as
 * ca-config.json gives them to the operator (enum etcd_profile's order).
 */
static const enum kiln_eku both_auths[] = {
    KILN_EKU_SERVER_AUTH, KILN_EKU_CLIENT_AUTH};
static const enum kiln_eku client_auth[] = {KILN_EKU_CLIENT_AUTH};
static const struct {
	const char *name, *usages;
	const enum kiln_eku *eku;
	size_t n_eku;
} leaf_profiles[ETCD_N_PROFILES] = {
    {"server", "\"server auth\", \"client auth\"", both_auths, 2},
    {"peer", "\"server auth\", \"client auth\"", both_auths, 2},
    {"client", "\"client auth\"", client_auth, 1},
};

void
etcd_profiles(const struct kiln_etcd_manifest *m, struct kiln_profile *out)
{
	size_t i;

	for (i = 0; i < ETCD_N_PROFILES; i++)
		kiln_profile_make(&out[i], m->expiry,
		    KILN_KU_DIGITAL_SIGNATURE | KILN_KU_KEY_ENCIPHERMENT,
		    leaf_profiles[i].eku, leaf_profiles[i].n_eku);
}

void
kiln_etcd_expiry(int64_t ns, char *out, size_t size)
{
	if (ns % KILN_NS_HOUR == 0)
		snprintf(out, size, "%lldh", (long long)(ns / KILN_NS_HOUR));
	else
		kiln_duration_format(ns, out, size);
}

/* The signing configuration the leaves are issued under, as text. */
static int
ca_config_text(const struct kiln_etcd_manifest *m, struct kiln_buf *out,
    struct kiln_err *err)
{
	char expiry[32];
	size_t i;

	kiln_etcd_expiry(m->expiry, expiry, sizeof(expiry));
	kiln_buf_printf(out, err,
	    "{\n    \"signing\": {\n        \"default\": {\n"
	    "            \"expiry\": \"%s\"\n        },\n"
	    "        \"profiles\": {\n",
	    expiry);
	for (i = 0; i < ETCD_N_PROFILES; i++)
		kiln_buf_printf(out, err,
		    "            \"%s\": {\n"
		    "                \"expiry\": \"%s\",\n"
		    "                \"usages\": [\"signing\", \"key "
		    "encipherment\", %s]\n"
		    "            }%s\n",
		    leaf_profiles[i].name, expiry, leaf_profiles[i].usages,
		    i + 1 < ETCD_N_PROFILES ? "," : "");
	kiln_buf_printf(out, err, "        }\n    }\n}\n");
	return kiln_buf_terminate(out, err);
}

void
kiln_etcd_url(char *out, size_t size, const char *ip, int port)
{
	snprintf(out, size,
	    strchr(ip, ':') != NULL ? "https://[%s]:%d" : "https://%s:%d", ip,
	    port);
}

int
etcd_find_line(const char *text, const char *key, char *out, size_t size)
{
	const char *p = text, *e;

	for (; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, key, strlen(key)) == 0) {
			e = strchr(p, '\n');
			if (e == NULL)
				e = p + strlen(p);
			if ((size_t)(e - p) >= size)
				return -1;
			snprintf(out, size, "%.*s", (int)(e - p), p);
			return 0;
		}
	return -1;
}

/*
 * The initial-cluster and initial-cluster-state lines of member "i"
 * into "cluster" and "state".  An existing member keeps those it was
 * started with (etcd reads them only at bootstrap), so an unchanged
 * manifest rewrites nothing and a new member changes nothing for the
 * others.
 */
static int
initial_cluster(const struct etcd_run *r, size_t i, char *cluster, size_t size,
    char *state, size_t state_size, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = r->m;
	const char *old = (const char *)r->old_yml[i].p;
	char peer_url[128];
	size_t j, len;
	int n, first;

	if (r->had_yml[i] &&
	    etcd_find_line(old, "initial-cluster: ", cluster, size) == 0 &&
	    etcd_find_line(old, "initial-cluster-state: ", state, state_size) ==
	        0)
		return 0;
	len = (size_t)snprintf(cluster, size, "initial-cluster: '");
	for (j = 0, first = 1; j < m->n_members; j++) {
		/* A member new to a running cluster: those before it. */
		if (r->existing_cluster && !r->had_yml[j] && j > i)
			continue;
		kiln_etcd_url(peer_url, sizeof(peer_url), m->members[j].ip,
		    m->etcd.peer_port);
		n = snprintf(cluster + len, size - len, "%s%s=%s",
		    first ? "" : ",", m->members[j].name, peer_url);
		first = 0;
		if (n < 0 || (size_t)n >= size - len - 1)
			return kiln_err_set(err, KILN_EINVAL,
			    "members: initial-cluster too long");
		len += (size_t)n;
	}
	snprintf(cluster + len, size - len, "'");
	snprintf(state, state_size, "initial-cluster-state: '%s'",
	    r->existing_cluster ? "existing" : "new");
	return 0;
}

/* etcd.yml for member "i", into "y". */
static int
etcd_yml(const struct etcd_run *r, size_t i, struct kiln_buf *y,
    struct kiln_err *caller)
{
	const struct kiln_etcd_manifest *m = r->m;
	const struct kiln_etcd_member *mb = &m->members[i];
	const struct kiln_etcd_settings *s = &m->etcd;
	const char *server = m->layout == KILN_ETCD_SHARED ? "etcd" : "server",
	           *peer = m->layout == KILN_ETCD_SHARED ? "etcd" : "peer";
	char peer_url[128], client_url[128], cluster[8192], state[64];
	struct kiln_err yerr, *err = &yerr; /* the appends go on: sticky */

	kiln_err_clear(&yerr);
	kiln_etcd_url(peer_url, sizeof(peer_url), mb->ip, s->peer_port);
	kiln_etcd_url(client_url, sizeof(client_url), mb->ip, s->client_port);
	if (initial_cluster(r, i, cluster, sizeof(cluster), state,
	        sizeof(state), err) == -1)
		return kiln_err_pass(caller, &yerr);
	kiln_buf_printf(y, err,
	    "# etcd configuration of member %s, written by kiln etcd.\n"
	    "name: '%s'\n"
	    "data-dir: '%s/data'\n"
	    "wal-dir: '%s/wal'\n"
	    "snapshot-count: %ld\n"
	    "heartbeat-interval: %ld\n"
	    "election-timeout: %ld\n"
	    "quota-backend-bytes: %lld\n",
	    mb->name, mb->name, m->prefix, m->prefix, s->snapshot_count,
	    s->heartbeat_interval, s->election_timeout, s->quota_backend_bytes);
	kiln_buf_printf(y, err,
	    "listen-peer-urls: '%s'\n"
	    "listen-client-urls: '%s'\n"
	    "max-snapshots: %ld\n"
	    "max-wals: %ld\n"
	    "initial-advertise-peer-urls: '%s'\n"
	    "advertise-client-urls: '%s'\n",
	    peer_url, client_url, s->max_snapshots, s->max_wals, peer_url,
	    client_url);
	kiln_buf_append(y, cluster, strlen(cluster), err);
	kiln_buf_printf(y, err, "\ninitial-cluster-token: '%s'\n%s\n",
	    m->cluster_token, state);
	kiln_buf_printf(y, err,
	    "client-transport-security:\n"
	    "  cert-file: '%s/ssl/%s.pem'\n"
	    "  key-file: '%s/ssl/%s-key.pem'\n"
	    "  client-cert-auth: true\n"
	    "  trusted-ca-file: '%s/ssl/ca.pem'\n"
	    "  auto-tls: false\n",
	    m->prefix, server, m->prefix, server, m->prefix);
	kiln_buf_printf(y, err,
	    "peer-transport-security:\n"
	    "  cert-file: '%s/ssl/%s.pem'\n"
	    "  key-file: '%s/ssl/%s-key.pem'\n"
	    "  client-cert-auth: true\n"
	    "  trusted-ca-file: '%s/ssl/ca.pem'\n"
	    "  auto-tls: false\n",
	    m->prefix, peer, m->prefix, peer, m->prefix);
	kiln_buf_printf(y, err,
	    "log-level: '%s'\n"
	    "logger: 'zap'\n"
	    "log-outputs: [stderr]\n"
	    "auto-compaction-mode: '%s'\n"
	    "auto-compaction-retention: '%s'\n",
	    s->log_level, s->auto_compaction_mode,
	    s->auto_compaction_retention);
	if (yerr.code != KILN_OK)
		return kiln_err_pass(caller, &yerr);
	return 0;
}

/* The guide's systemd unit, into "u". */
static int
etcd_service(const struct etcd_run *r, struct kiln_buf *u, struct kiln_err *err)
{
	return kiln_buf_printf(u, err,
	    "[Unit]\n"
	    "Description=Etcd Server\n"
	    "After=network.target\n"
	    "After=network-online.target\n"
	    "Wants=network-online.target\n"
	    "\n"
	    "[Service]\n"
	    "Type=notify\n"
	    "ExecStart=%s/bin/etcd --config-file %s/cfg/etcd.yml\n"
	    "Restart=on-failure\n"
	    "LimitNOFILE=65536\n"
	    "\n"
	    "[Install]\n"
	    "WantedBy=multi-user.target\n",
	    r->m->prefix, r->m->prefix);
}

int
etcd_render(const struct etcd_run *r, struct tree_file *w, struct kiln_err *err)
{
	switch ((enum etcd_template)w->tmpl) {
	case ETCD_CA_CONFIG:
		return ca_config_text(r->m, &w->data, err);
	case ETCD_YML:
		return etcd_yml(r, w->arg, &w->data, err);
	case ETCD_SERVICE:
		return etcd_service(r, &w->data, err);
	}
	return kiln_err_set(
	    err, KILN_EINVAL, "%s: internal error: no template", w->shown);
}
