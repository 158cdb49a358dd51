/*
 * kiln check on kubeconfigs (inspect/checkkc.h): the certificates a
 * kubeconfig embeds, each value an entry named after its cluster or
 * user.  Keys (client-key-data) are never decoded here.
 */
#include <stdio.h>
#include <string.h>

#include "inspect/checkkc.h"
#include "kiln/kubeconfig.h"

/* One certificate value of "kc": its entries, or a problem. */
static int
check_item(struct kiln_check *c, const char *path, const struct stat *st,
    const struct kiln_kc_item *it, struct kiln_err *err)
{
	struct kiln_infos file;
	struct kiln_buf name, pem;
	struct kiln_err perr;
	int rc = -1;

	kiln_infos_init(&file);
	kiln_buf_init(&name);
	kiln_buf_init(&pem);
	kiln_err_clear(&perr);
	if (kiln_buf_printf(&name, err, "%s#%s/%s", path,
	        kiln_kc_section(it->kind), it->owner) == -1 ||
	    kiln_buf_terminate(&name, err) == -1)
		goto cleanup;
	if (kiln_kubeconfig_decode(it, path, &pem, &perr) == -1)
		kiln_err_replace(&perr, perr.code, "not base64");
	else if (kiln_inspect_certs(&file, pem.p, pem.len, &perr) == 0) {
		rc = check_add_file(c, (char *)name.p, st, &file, err);
		goto cleanup;
	}
	if (perr.code == KILN_ENOMEM) {
		kiln_err_pass(err, &perr);
		goto cleanup;
	}
	kiln_err_prefix(&perr, "%s", kiln_kc_key(it->kind));
	rc = check_add_problem(c, (char *)name.p, perr.msg, err);
cleanup:
	kiln_infos_free(&file);
	kiln_buf_free(&name);
	kiln_buf_free(&pem);
	return rc;
}

int
check_kubeconfig(struct kiln_check *c, const char *path, const struct stat *st,
    const struct kiln_buf *data, struct kiln_err *err)
{
	struct kiln_kubeconfig kc;
	struct kiln_err perr;
	size_t i;
	int r, rc = -1;

	kiln_kubeconfig_init(&kc);
	kiln_err_clear(&perr);
	r = kiln_kubeconfig_parse(&kc, data->p, data->len, path, &perr);
	if (r == 1) {
		rc = 0;
		goto cleanup;
	}
	if (r == -1) {
		if (perr.code == KILN_ENOMEM)
			kiln_err_pass(err, &perr);
		else if (check_add_problem(c, path, perr.msg, err) == 0)
			rc = 1;
		goto cleanup;
	}
	for (i = 0; i < kc.n; i++)
		if ((kc.items[i].kind == KILN_KC_CA_DATA ||
		        kc.items[i].kind == KILN_KC_CERT_DATA) &&
		    check_item(c, path, st, &kc.items[i], err) == -1)
			goto cleanup;
	rc = 1;
cleanup:
	kiln_kubeconfig_free(&kc);
	return rc;
}
