/*
 * The output side of the generating commands, and cfssl's request made
 * from a certificate.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asn1/oid.h"
#include "kiln/duration.h"
#include "kiln/file.h"
#include "kiln/gen.h"
#include "core/strs.h"

/* One "name":"PEM" member; "sep" goes before it. */
static int
member(struct kiln_buf *out, const char *sep, const char *name,
    const struct kiln_buf *pem, struct kiln_err *err)
{
	if (pem == NULL)
		return 0;
	if (kiln_buf_printf(out, err, "%s\"%s\":", sep, name) == -1 ||
	    kiln_buf_append_json(out, (const char *)pem->p, pem->len, err) ==
	        -1)
		return -1;
	return 0;
}

int
kiln_gen_json(struct kiln_buf *out, const struct kiln_buf *cert,
    const struct kiln_buf *csr, const struct kiln_buf *key,
    struct kiln_err *err)
{
	if (kiln_buf_append(out, "{", 1, err) == -1 ||
	    member(out, "", "cert", cert, err) == -1 ||
	    member(out, cert != NULL ? "," : "", "csr", csr, err) == -1 ||
	    member(out, cert != NULL || csr != NULL ? "," : "", "key", key,
	        err) == -1 ||
	    kiln_buf_append(out, "}\n", 2, err) == -1)
		return -1;
	return 0;
}

int
kiln_gen_check_dir(const char *path, struct kiln_err *err)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st;

	if (slash == NULL)
		return 0;
	if (slash == path)
		return 0; /* the root folder */
	if ((size_t)(slash - path) >= sizeof(dir))
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: path too long", path);
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (stat(dir, &st) == -1) {
		if (errno != ENOENT && errno != ENOTDIR)
			return kiln_err_sys(err, "%s", dir);
		return kiln_err_set(
		    err, KILN_EIO, "%s: folder %s does not exist", path, dir);
	}
	if (!S_ISDIR(st.st_mode))
		return kiln_err_set(
		    err, KILN_EIO, "%s: %s is not a folder", path, dir);
	return 0;
}

int
kiln_gen_write(const char *base, const struct kiln_buf *cert,
    const struct kiln_buf *csr, const struct kiln_buf *key, int force,
    struct kiln_err *err)
{
	char path[PATH_MAX];
	struct kiln_err werr;
	const char *first;

	/* The first file to write names a missing folder. */
	first = ".pem";
	if (key != NULL)
		first = "-key.pem";
	else if (csr != NULL)
		first = ".csr";
	if (kiln_file_path(path, base, first, err) == -1 ||
	    kiln_gen_check_dir(path, err) == -1)
		return -1;
	if (key != NULL) {
		if (kiln_file_path(path, base, "-key.pem", err) == -1)
			return -1;
		kiln_err_clear(&werr);
		if (kiln_file_write(path, key->p, key->len, 0600,
		        force ? 0 : KILN_WRITE_EXCL, &werr) == -1) {
			if (werr.code == KILN_EEXIST)
				kiln_err_replace(&werr, KILN_EEXIST,
				    KILN_GEN_KEY_KEPT, path);
			return kiln_err_pass(err, &werr);
		}
	}
	if ((csr != NULL &&
	        (kiln_file_path(path, base, ".csr", err) == -1 ||
	            kiln_file_write(path, csr->p, csr->len, 0644, 0, err) ==
	                -1)) ||
	    (cert != NULL &&
	        (kiln_file_path(path, base, ".pem", err) == -1 ||
	            kiln_file_write(path, cert->p, cert->len, 0644, 0, err) ==
	                -1))) {
		/* A new key whose certificate could not be written is of no
		 * use, and would block the next run: take it back. */
		if (key != NULL && !force &&
		    kiln_file_path(path, base, "-key.pem", NULL) == 0)
			(void)unlink(path);
		return -1;
	}
	return 0;
}

int
kiln_gen_check_not_empty(const struct kiln_buf *subject,
    const struct kiln_request *req, struct kiln_err *err)
{
	/* An empty Name is SEQUENCE {}: 30 00. */
	if (subject->len > 2 || req->n_hosts > 0)
		return 0;
	return kiln_err_set(err, KILN_EINVAL,
	    "no CN, names nor hosts: the certificate would have an empty "
	    "subject and no SAN (is this a csr.json?)");
}

int
kiln_gen_check_ca_subject(const struct kiln_request *req, struct kiln_err *err)
{
	const struct kiln_name *nm;
	size_t i;

	if (req->cn != NULL)
		return 0;
	for (i = 0; i < req->n_names; i++) {
		nm = &req->names[i];
		if (nm->c == NULL && nm->st == NULL && nm->l == NULL &&
		    nm->o == NULL && nm->ou == NULL)
			break;
	}
	if (req->n_names > 0 && i == req->n_names)
		return 0;
	return kiln_err_set(err, KILN_EINVAL,
	    "missing subject information (a CN, or names with C, ST, L, O or "
	    "OU)");
}

/* The subject attributes Go's pkix.Name keeps in lists. */
/* clang-format off */
static const struct {
	const char *oid;
	size_t field; /* offset in struct kiln_name */
} listed[] = {
	{ KILN_OID_AT_C,	offsetof(struct kiln_name, c) },
	{ KILN_OID_AT_ST,	offsetof(struct kiln_name, st) },
	{ KILN_OID_AT_L,	offsetof(struct kiln_name, l) },
	{ KILN_OID_AT_O,	offsetof(struct kiln_name, o) },
	{ KILN_OID_AT_OU,	offsetof(struct kiln_name, ou) },
};
/* clang-format on */
#define NLISTED (sizeof(listed) / sizeof(listed[0]))

/* cfssl's getNames: the i-th value of each type in names[i]. */
static int
names_from_dn(
    struct kiln_request *req, const struct kiln_dn *dn, struct kiln_err *err)
{
	size_t count[NLISTED] = {0}, i, k, n = 0;
	const struct kiln_dn_attr *a;
	struct kiln_name *nm;
	char **slot;

	for (i = 0; i < dn->n; i++)
		for (k = 0; k < NLISTED; k++)
			if (strcmp(dn->attr[i].oid, listed[k].oid) == 0 &&
			    ++count[k] > n)
				n = count[k];
	if (n == 0)
		return 0;
	if ((req->names = calloc(n, sizeof(*req->names))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	req->n_names = n;
	memset(count, 0, sizeof(count));
	for (i = 0; i < dn->n; i++) {
		a = &dn->attr[i];
		for (k = 0; k < NLISTED; k++) {
			if (strcmp(a->oid, listed[k].oid) != 0)
				continue;
			nm = &req->names[count[k]++];
			slot = (char **)(void *)((char *)nm + listed[k].field);
			/* An empty value counts as absent, as in csr.json. */
			if (*a->value != '\0' &&
			    kiln_str_set(slot, a->value, err) == -1)
				return -1;
		}
	}
	return 0;
}

static int
push_hosts(
    struct kiln_request *req, char *const *v, size_t n, struct kiln_err *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (kiln_strs_push(&req->hosts, &req->n_hosts, v[i], err) == -1)
			return -1;
	return 0;
}

int
kiln_gen_request_from_cert(struct kiln_request *req,
    const struct kiln_info *cert, struct kiln_err *err)
{
	const struct kiln_dn_attr *a;
	size_t i;

	for (i = 0; i < cert->subject.n; i++) {
		a = &cert->subject.attr[i];
		/* Go keeps the last CN and serialNumber. */
		if (strcmp(a->oid, KILN_OID_AT_CN) == 0 &&
		    kiln_str_set(&req->cn, *a->value != '\0' ? a->value : NULL,
		        err) == -1)
			return -1;
		if (strcmp(a->oid, KILN_OID_AT_SERIAL) == 0 &&
		    kiln_str_set(&req->serialnumber,
		        *a->value != '\0' ? a->value : NULL, err) == -1)
			return -1;
	}
	if (names_from_dn(req, &cert->subject, err) == -1)
		return -1;
	/* cfssl's getHosts order: IPs, DNS names, emails, URIs. */
	if (push_hosts(req, cert->ips, cert->nips, err) == -1 ||
	    push_hosts(req, cert->dns, cert->ndns, err) == -1 ||
	    push_hosts(req, cert->emails, cert->nemails, err) == -1 ||
	    push_hosts(req, cert->uris, cert->nuris, err) == -1)
		return -1;
	if (cert->is_ca) {
		req->has_ca = 1;
		req->ca.expiry = (int64_t)(cert->not_after - cert->not_before) *
		                 KILN_NS_SECOND;
		req->ca.pathlen = cert->max_path_len;
		req->ca.pathlenzero = cert->max_path_len == 0;
		req->ca.backdate = 0;
	}
	return 0;
}
