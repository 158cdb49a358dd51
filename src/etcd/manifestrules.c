/*
 * The rules an etcd manifest's values obey, and its members and clients
 * parsed by them: text that goes into certificates and file names,
 * paths written into etcd.service, values written into etcd.yml, member
 * names.  Every error names its field ("members[2].ip: ...").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfssl/reqjson.h"
#include "core/json.h"
#include "core/strs.h"
#include "etcd/manifest.h"
#include "kiln/etcd.h"

/*
 * Text that goes into a certificate and into file names (and, checked
 * further, auto_compaction_retention): no quotes, no backslash, no
 * control characters, not empty.
 */
int
manifest_check_text(const char *path, const char *s, struct kiln_err *err)
{
	const unsigned char *p;

	if (*s == '\0')
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: must not be empty", path);
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\'' || *p == '"' ||
		    *p == '\\')
			return kiln_err_set(err, KILN_EINVAL,
			    "%s: \"%s\": quotes, backslashes and control "
			    "characters are not allowed",
			    path, s);
	return 0;
}

/*
 * A byte of a path written into etcd.service's ExecStart= (and etcd.yml):
 * systemd expands "%" specifiers and "$" variables there, splits words on
 * spaces, and reads quotes and backslash escapes, so a path keeps to
 * letters, digits and "/._-+@:," and means the same to systemd and etcd.
 */
int
manifest_path_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("/._-+@:,", c) != NULL);
}

/*
 * A byte of a value written into etcd.yml between single quotes: printable
 * ASCII but the quotes and the backslash, so no value can end its quotes,
 * break its line or be read as anything but itself.
 */
int
manifest_yaml_byte(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '\'' && c != '"' && c != '\\';
}

/*
 * "s" must not be empty and every byte must pass "ok"; the first that does
 * not is named, a quote or a backslash escaped ("prefix: \"%\" is not
 * allowed in a path written into etcd.service").  Any other byte is given
 * as it is: the front end shows control bytes as \xNN.
 */
int
manifest_check_bytes(const char *path, const char *s, int (*ok)(unsigned char),
    const char *where, struct kiln_err *err)
{
	const unsigned char *p;
	char c[3];

	if (*s == '\0')
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: must not be empty", path);
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (!ok(*p)) {
			if (*p == '"' || *p == '\\')
				snprintf(c, sizeof(c), "\\%c", *p);
			else
				snprintf(c, sizeof(c), "%c", *p);
			return kiln_err_set(err, KILN_EINVAL,
			    "%s: \"%s\" is not allowed in %s", path, c, where);
		}
	return 0;
}

/* A member name: a folder name and an etcd member name. */
static int
check_name(const char *path, const char *s, struct kiln_err *err)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
	                     "XYZ0123456789._-");

	if (*s == '\0' || s[n] != '\0' || *s == '.' || n > 64)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: \"%s\": use 1 to 64 letters, digits, '.', '_' and "
		    "'-', not starting with '.'",
		    path, s);
	return 0;
}

/* A member's name, not one of the output's own folders. */
static int
check_member_name(const char *path, const char *s, struct kiln_err *err)
{
	if (check_name(path, s, err) == -1)
		return -1;
	/* Member folders sit beside ca/ and clients/. */
	if (strcmp(s, "ca") == 0 || strcmp(s, "clients") == 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: \"%s\" is taken by the output's own folder", path, s);
	return 0;
}

static const struct manifest_node_rules member_rules = {
    check_member_name, manifest_check_text};

static int
parse_member(struct kiln_etcd_manifest *m, const cJSON *obj, const char *ctx,
    struct kiln_err *err)
{
	struct kiln_etcd_member *mb = &m->members[m->n_members];
	struct manifest_node nd;
	char also[32];
	size_t i;

	memset(&nd, 0, sizeof(nd));
	if (manifest_node_parse(&nd, obj, ctx, &member_rules, err) == -1)
		return -1;
	mb->name = nd.name;
	mb->ip = nd.ip;
	mb->hosts = nd.hosts;
	mb->n_hosts = nd.n_hosts;
	m->n_members++; /* owned from here on */
	for (i = 0; i + 1 < m->n_members; i++) {
		snprintf(also, sizeof(also), "members[%zu]", i);
		if (manifest_node_unique(ctx, mb->name, mb->ip, also,
		        m->members[i].name, m->members[i].ip, err) == -1)
			return -1;
	}
	return 0;
}

int
manifest_members(
    struct kiln_etcd_manifest *m, const cJSON *arr, struct kiln_err *err)
{
	const cJSON *c;
	char ctx[32];
	size_t n = 0;

	if (kiln_json_array(arr, "members", &n, err) == -1)
		return -1;
	if (n == 0)
		return kiln_err_set(
		    err, KILN_EINVAL, "members: at least one member is needed");
	if ((m->members = calloc(n, sizeof(*m->members))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (c = arr->child; c != NULL; c = c->next) {
		snprintf(ctx, sizeof(ctx), "members[%zu]", m->n_members);
		if (parse_member(m, c, ctx, err) == -1)
			return -1;
	}
	return 0;
}

/* Whether "b" is "a" followed by "-key". */
static int
is_key_name(const char *a, const char *b)
{
	size_t n = strlen(a);

	return strncmp(a, b, n) == 0 && strcmp(b + n, "-key") == 0;
}

/* A client: "CN", or {"CN": ..., "O": ...}. */
static int
parse_client(struct kiln_etcd_manifest *m, const cJSON *c, const char *ctx,
    struct kiln_err *err)
{
	struct kiln_etcd_client *cl = &m->clients[m->n_clients++];
	char path[48];
	size_t i;

	if (cJSON_IsString(c)) {
		if (kiln_str_set(&cl->cn, c->valuestring, err) == -1)
			return -1;
	} else if (cJSON_IsObject(c)) {
		if (manifest_string_or(c, ctx, "CN", NULL, &cl->cn, err) ==
		        -1 ||
		    manifest_string_or(c, ctx, "O", NULL, &cl->o, err) == -1)
			return -1;
	} else
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: expected a string or an object, got %s", ctx,
		    kiln_json_type(c));
	snprintf(path, sizeof(path), "%s.CN", ctx);
	if (cl->cn == NULL)
		return kiln_err_set(err, KILN_EINVAL, "%s: missing", path);
	if (manifest_check_text(path, cl->cn, err) == -1)
		return -1;
	/* The CN names the files: DIR/clients/<CN>.pem. */
	if (strchr(cl->cn, '/') != NULL || cl->cn[0] == '.')
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: \"%s\": a client's CN names its files: no '/', not "
		    "starting with '.'",
		    path, cl->cn);
	for (i = 0; i + 1 < m->n_clients; i++) {
		if (strcmp(m->clients[i].cn, cl->cn) == 0)
			return kiln_err_set(err, KILN_EINVAL,
			    "%s: duplicate \"%s\" (also clients[%zu])", path,
			    cl->cn, i);
		/* "a-key" would write its certificate over a's key. */
		if (is_key_name(m->clients[i].cn, cl->cn) ||
		    is_key_name(cl->cn, m->clients[i].cn))
			return kiln_err_set(err, KILN_EINVAL,
			    "%s: \"%s\" and clients[%zu] \"%s\" would share "
			    "the "
			    "file %s-key.pem",
			    path, cl->cn, i, m->clients[i].cn,
			    strlen(cl->cn) < strlen(m->clients[i].cn)
			        ? cl->cn
			        : m->clients[i].cn);
	}
	return 0;
}

int
manifest_clients(
    struct kiln_etcd_manifest *m, const cJSON *arr, struct kiln_err *err)
{
	const cJSON *c;
	char ctx[32];
	size_t n = 0;

	if (kiln_json_array(arr, "clients", &n, err) == -1)
		return -1;
	if (n == 0)
		return 0;
	if ((m->clients = calloc(n, sizeof(*m->clients))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	for (c = arr->child; c != NULL; c = c->next) {
		snprintf(ctx, sizeof(ctx), "clients[%zu]", m->n_clients);
		if (parse_client(m, c, ctx, err) == -1)
			return -1;
	}
	return 0;
}
