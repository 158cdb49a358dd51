/*
 * A kubeconfig's values used (kiln/kubeconfig.h): found by owner,
 * decoded, and replaced in place with every other byte of the file
 * kept; the names of the keys, and freeing (values wiped).  The parser
 * is kubeconfig.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

#include "kiln/kubeconfig.h"

/* clang-format off */
static const char *const kind_keys[] = {
    "certificate-authority-data", "certificate-authority",
    "client-certificate-data", "client-certificate",
    "client-key-data", "client-key"};
/* clang-format on */

const char *
kiln_kc_section(enum kiln_kc_kind k)
{
	return k <= KILN_KC_CA_FILE ? "clusters" : "users";
}

const char *
kiln_kc_key(enum kiln_kc_kind k)
{
	return kind_keys[k];
}

void
kiln_kubeconfig_init(struct kiln_kubeconfig *kc)
{
	memset(kc, 0, sizeof(*kc));
}

void
kiln_kubeconfig_free(struct kiln_kubeconfig *kc)
{
	size_t i;

	for (i = 0; i < kc->n; i++) {
		free(kc->items[i].owner);
		if (kc->items[i].value != NULL)
			mbedtls_platform_zeroize(
			    kc->items[i].value, kc->items[i].len);
		free(kc->items[i].value);
	}
	free(kc->items);
	for (i = 0; i < kc->n_bodies; i++)
		free(kc->bodies[i].owner);
	free(kc->bodies);
	free(kc->current_context);
	free(kc->current_user);
	free(kc->current_cluster);
	kiln_kubeconfig_init(kc);
}

const struct kiln_kc_item *
kiln_kubeconfig_find(
    const struct kiln_kubeconfig *kc, enum kiln_kc_kind kind, const char *owner)
{
	size_t i;

	if (owner == NULL)
		return NULL;
	for (i = 0; i < kc->n; i++)
		if (kc->items[i].kind == kind &&
		    strcmp(kc->items[i].owner, owner) == 0)
			return &kc->items[i];
	return NULL;
}

const struct kiln_kc_item *
kiln_kubeconfig_client(
    const struct kiln_kubeconfig *kc, const char *shown, struct kiln_err *err)
{
	const struct kiln_kc_item *it = NULL;
	char names[256];
	size_t i, n = 0, used = 0;

	if (kc->current_context != NULL && kc->current_user == NULL &&
	    kc->current_cluster == NULL) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: the current context \"%s\" is not in contexts", shown,
		    kc->current_context);
		return NULL;
	}
	if (kc->current_user != NULL) {
		it = kiln_kubeconfig_find(
		    kc, KILN_KC_CERT_DATA, kc->current_user);
		if (it != NULL)
			return it;
		if ((it = kiln_kubeconfig_find(
		         kc, KILN_KC_CERT_FILE, kc->current_user)) != NULL)
			kiln_err_set(err, KILN_EINVAL,
			    "%s: users/%s: the client certificate is the file "
			    "%s, not embedded",
			    shown, kc->current_user, it->value);
		else
			kiln_err_set(err, KILN_EINVAL,
			    "%s: users/%s: no client-certificate-data", shown,
			    kc->current_user);
		return NULL;
	}
	names[0] = '\0';
	for (i = 0; i < kc->n; i++)
		if (kc->items[i].kind == KILN_KC_CERT_DATA) {
			it = &kc->items[i];
			if (used < sizeof(names))
				used += (size_t)snprintf(names + used,
				    sizeof(names) - used, "%s%s",
				    n > 0 ? ", " : "", it->owner);
			n++;
		}
	if (n == 1)
		return it;
	for (i = 0; n == 0 && i < kc->n; i++)
		if (kc->items[i].kind == KILN_KC_CERT_FILE) {
			kiln_err_set(err, KILN_EINVAL,
			    "%s: users/%s: the client certificate is the file "
			    "%s, not embedded",
			    shown, kc->items[i].owner, kc->items[i].value);
			return NULL;
		}
	if (n == 0)
		kiln_err_set(
		    err, KILN_EINVAL, "%s: no client-certificate-data", shown);
	else
		kiln_err_set(err, KILN_EINVAL,
		    "%s: no current context, and several users have a client "
		    "certificate: %s",
		    shown, names);
	return NULL;
}

int
kiln_kubeconfig_decode(const struct kiln_kc_item *it, const char *shown,
    struct kiln_buf *out, struct kiln_err *err)
{
	size_t n = 0;
	int ret;

	/* mbedTLS's decoder: constant-time, for client-key-data. */
	ret = mbedtls_base64_decode(
	    NULL, 0, &n, (const unsigned char *)it->value, it->len);
	if (ret != MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL || n == 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: %s/%s: %s: not base64", shown,
		    kiln_kc_section(it->kind), it->owner,
		    kiln_kc_key(it->kind));
	if (kiln_buf_reserve(out, n + 1, err) == -1)
		return -1;
	if (mbedtls_base64_decode(out->p + out->len, out->cap - out->len, &n,
	        (const unsigned char *)it->value, it->len) != 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: %s/%s: %s: not base64", shown,
		    kiln_kc_section(it->kind), it->owner,
		    kiln_kc_key(it->kind));
	out->len += n;
	return kiln_buf_terminate(out, err);
}

/* Whether the "vlen" bytes of "value" need no quoting in YAML. */
static int
plain_value(const char *value, size_t vlen)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=._-";
	size_t i;

	for (i = 0; i < vlen; i++)
		if (value[i] == '\0' || strchr(ok, value[i]) == NULL)
			return 0;
	return vlen > 0;
}

int
kiln_kubeconfig_splice(const unsigned char *file, size_t len,
    const struct kiln_kc_item *it, const char *value, size_t vlen,
    struct kiln_buf *out, struct kiln_err *err)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=._-";
	const char *q = it->style == KILN_KC_SINGLE   ? "'"
	                : it->style == KILN_KC_DOUBLE ? "\""
	                                              : "";
	size_t i;

	if (it->style == KILN_KC_BLOCK)
		return kiln_err_set(err, KILN_EINVAL,
		    "line %zu: %s: a block scalar (| or >) cannot be replaced "
		    "in place",
		    it->line, kiln_kc_key(it->kind));
	if (it->start > it->end || it->end > len || vlen == 0)
		return kiln_err_set(err, KILN_EINVAL,
		    "line %zu: %s: no value to replace", it->line,
		    kiln_kc_key(it->kind));
	for (i = 0; i < vlen; i++)
		if (value[i] == '\0' || strchr(ok, value[i]) == NULL)
			return kiln_err_set(err, KILN_EINVAL,
			    "line %zu: %s: the new value needs quoting",
			    it->line, kiln_kc_key(it->kind));
	if (kiln_buf_append(out, file, it->start, err) == -1 ||
	    kiln_buf_append(out, q, strlen(q), err) == -1 ||
	    kiln_buf_append(out, value, vlen, err) == -1 ||
	    kiln_buf_append(out, q, strlen(q), err) == -1 ||
	    kiln_buf_append(out, file + it->end, len - it->end, err) == -1)
		return -1;
	return 0;
}

int
kiln_kubeconfig_add(const unsigned char *file, size_t len,
    const struct kiln_kubeconfig *kc, enum kiln_kc_kind kind,
    const char *owner, const char *value, size_t vlen, struct kiln_buf *out,
    struct kiln_err *err)
{
	const char *sec = kiln_kc_section(kind), *key = kiln_kc_key(kind);
	const struct kiln_kc_body *b = NULL;
	size_t i, bol;

	for (i = 0; i < kc->n_bodies; i++)
		if (kc->bodies[i].users == (kind > KILN_KC_CA_FILE) &&
		    kc->bodies[i].owner != NULL &&
		    strcmp(kc->bodies[i].owner, owner) == 0)
			b = &kc->bodies[i];
	if (b == NULL)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s/%s: no such entry with a body", sec, owner);
	if (kiln_kubeconfig_find(kc, kind, owner) != NULL)
		return kiln_err_set(err, KILN_EINVAL,
		    "line %zu: %s/%s: %s: already there", b->line, sec, owner,
		    key);
	if (!b->block || b->start > len)
		return kiln_err_set(err, KILN_EINVAL,
		    "line %zu: %s/%s: not a block mapping: cannot add %s",
		    b->line, sec, owner, key);
	for (bol = b->start; bol > 0 && file[bol - 1] == ' '; bol--)
		;
	if (bol > 0 && file[bol - 1] != '\n')
		return kiln_err_set(err, KILN_EINVAL,
		    "line %zu: %s/%s: its first key does not start its line: "
		    "cannot add %s",
		    b->line, sec, owner, key);
	if (!plain_value(value, vlen))
		return kiln_err_set(err, KILN_EINVAL,
		    "line %zu: %s: the new value needs quoting", b->line, key);
	if (kiln_buf_append(out, file, b->start, err) == -1 ||
	    kiln_buf_append(out, key, strlen(key), err) == -1 ||
	    kiln_buf_append(out, ": ", 2, err) == -1 ||
	    kiln_buf_append(out, value, vlen, err) == -1 ||
	    kiln_buf_append(out, "\n", 1, err) == -1 ||
	    kiln_buf_append(out, file + bol, b->start - bol, err) == -1 ||
	    kiln_buf_append(out, file + b->start, len - b->start, err) == -1)
		return -1;
	return 0;
}
