/*
 * What kiln's manifests (kiln etcd's, kiln k8s's) read alike: string and
 * duration members with defaults, the strict keys of an array's objects,
 * and a node of the tree (a member, a control-plane node, a worker): its
 * name, which names its folder, its IP address and its extra hosts, each
 * checked by the kind's rule, and no two nodes sharing a name or an IP
 * address.  Every error names its field ("members[2].ip: ...").  Private
 * to libkiln.
 */
#ifndef KILN_PKI_MANIFESTJSON_H
#define KILN_PKI_MANIFESTJSON_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "kiln/err.h"

/*
 * String member "name" of "obj" (field path "ctx.name"; "ctx" may be
 * NULL), or "def" (NULL: none) when absent, copied into "*out".  Returns
 * 0 or -1.
 */
int manifest_string_or(const cJSON *, const char *, const char *, const char *,
    char **, struct kiln_err *);

/*
 * Duration member "name" of "obj" (field path "ctx.name"; "ctx" may be
 * NULL), or "def" when absent, into "*out": positive.  Returns 0 or -1.
 */
int manifest_duration_or(const cJSON *, const char *, const char *,
    const char *, int64_t *, struct kiln_err *);

/*
 * Each object of array "arr" (NULL or not an array: none), "path[i]",
 * against the keys "known" (kiln_json_known_keys).  Returns 0 or -1.
 */
int manifest_known_in_array(
    const cJSON *, const char *, const char *const *, struct kiln_err *);

/* A node of a manifest, as parsed. */
struct manifest_node {
	char *name;   /* its folder */
	char *ip;     /* as written in the manifest */
	char **hosts; /* extra SANs */
	size_t n_hosts;
};

/* The rules of a kind's nodes: each 0, or -1 with "err" set. */
struct manifest_node_rules {
	/* The name (field "path"): its characters, names that are taken. */
	int (*name)(const char *, const char *, struct kiln_err *);
	/* Each of "hosts" (field "path"); NULL: the node takes no hosts. */
	int (*host)(const char *, const char *, struct kiln_err *);
};

/* Release a node's strings.  "_init" is a memset to 0. */
void manifest_node_free(struct manifest_node *);

/*
 * The node object "obj" (field path "ctx") into "nd" (empty): "name" and
 * "ip" required, the name by rules->name, the IP address parsed, each
 * host by rules->host.  Returns 0, or -1 with "nd" freed.
 */
int manifest_node_parse(struct manifest_node *, const cJSON *, const char *,
    const struct manifest_node_rules *, struct kiln_err *);

/*
 * Node "ctx" ("name", "ip") against node "also" ("also_name",
 * "also_ip"), which comes before it: they may share neither a name (a
 * folder) nor an IP address.  Returns 0 or -1.
 */
int manifest_node_unique(const char *, const char *, const char *, const char *,
    const char *, const char *, struct kiln_err *);

#endif /* KILN_PKI_MANIFESTJSON_H */
