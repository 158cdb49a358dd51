/*
 * What kiln etcd's and kiln k8s's manifests read alike (manifestjson.h):
 * one reading of defaults, strict keys and nodes for both, so that a node
 * of a kiln k8s cluster is refused with the words kiln etcd uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strs.h"
#include "kiln/duration.h"
#include "kiln/request.h"
#include "pki/manifestjson.h"

int
manifest_string_or(const cJSON *obj, const char *ctx, const char *name,
    const char *def, char **out, struct kiln_err *err)
{
	const char *s = NULL;

	if (kiln_json_string(obj, ctx, name, &s, err) == -1)
		return -1;
	return kiln_str_set(out, s != NULL ? s : def, err);
}

int
manifest_duration_or(const cJSON *obj, const char *ctx, const char *name,
    const char *def, int64_t *out, struct kiln_err *err)
{
	const char *s = NULL;
	struct kiln_err e;

	if (kiln_json_string(obj, ctx, name, &s, err) == -1)
		return -1;
	kiln_err_clear(&e);
	if (kiln_duration_parse(s != NULL ? s : def, out, &e) == -1)
		return kiln_err_pass_prefix(err, &e, "%s%s%s",
		    ctx != NULL ? ctx : "", ctx != NULL ? "." : "", name);
	if (*out <= 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s%s%s: must be positive", ctx != NULL ? ctx : "",
		    ctx != NULL ? "." : "", name);
	return 0;
}

int
manifest_known_in_array(const cJSON *arr, const char *path,
    const char *const *known, struct kiln_err *err)
{
	const cJSON *c;
	char ctx[64];
	size_t i = 0;

	if (arr == NULL || !cJSON_IsArray(arr))
		return 0;
	for (c = arr->child; c != NULL; c = c->next, i++) {
		snprintf(ctx, sizeof(ctx), "%s[%zu]", path, i);
		if (kiln_json_known_keys(c, ctx, known, err) == -1)
			return -1;
	}
	return 0;
}

void
manifest_node_free(struct manifest_node *nd)
{
	free(nd->name);
	free(nd->ip);
	kiln_strs_free(nd->hosts, nd->n_hosts);
	memset(nd, 0, sizeof(*nd));
}

/* Field "ctx.name" into "path": -1 if its value "s" is missing. */
static int
required(const char *ctx, const char *name, const char *s, char *path,
    size_t size, struct kiln_err *err)
{
	snprintf(path, size, "%s.%s", ctx, name);
	if (s == NULL)
		return kiln_err_set(err, KILN_EINVAL, "%s: missing", path);
	return 0;
}

int
manifest_node_parse(struct manifest_node *nd, const cJSON *obj, const char *ctx,
    const struct manifest_node_rules *rules, struct kiln_err *err)
{
	const char **v = NULL;
	unsigned char ip[16];
	char path[96];
	size_t i, n = 0;
	int rc = -1;

	if (kiln_json_object(obj, ctx, err) == -1)
		return -1;
	if (obj == NULL)
		return kiln_err_set(err, KILN_EINVAL, "%s: null", ctx);
	if (manifest_string_or(obj, ctx, "name", NULL, &nd->name, err) == -1 ||
	    manifest_string_or(obj, ctx, "ip", NULL, &nd->ip, err) == -1 ||
	    (rules->host != NULL &&
	        kiln_json_strings(obj, ctx, "hosts", &v, &n, err) == -1) ||
	    required(ctx, "name", nd->name, path, sizeof(path), err) == -1 ||
	    rules->name(path, nd->name, err) == -1 ||
	    required(ctx, "ip", nd->ip, path, sizeof(path), err) == -1)
		goto cleanup;
	if (kiln_ip_parse(nd->ip, ip) == 0) {
		kiln_err_set(err, KILN_EINVAL, "%s: bad IP address \"%s\"",
		    path, nd->ip);
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s.hosts[%zu]", ctx, i);
		if (rules->host(path, v[i], err) == -1)
			goto cleanup;
	}
	if (v != NULL &&
	    kiln_strs_set(&nd->hosts, &nd->n_hosts, v, n, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	free(v);
	if (rc != 0)
		manifest_node_free(nd);
	return rc;
}

int
manifest_node_unique(const char *ctx, const char *name, const char *ip,
    const char *also, const char *also_name, const char *also_ip,
    struct kiln_err *err)
{
	unsigned char a[16], b[16];
	size_t len = kiln_ip_parse(ip, a);

	if (strcmp(name, also_name) == 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s.name: duplicate \"%s\" (also %s)", ctx, name, also);
	if (kiln_ip_parse(also_ip, b) == len && memcmp(a, b, len) == 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s.ip: duplicate \"%s\" (also %s)", ctx, ip, also);
	return 0;
}
