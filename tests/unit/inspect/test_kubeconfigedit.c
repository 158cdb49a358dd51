/*
 * Adding a key to a kubeconfig (kiln_kubeconfig_add, kubeconfigedit.c):
 * into the layout kubeadm's external-CA mode writes (client-key-data
 * only, no CA), before the body's first key at its indent, every other
 * byte kept; the layouts it cannot add to are refused with one line.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kiln/kubeconfig.h"

static struct kiln_kubeconfig kc;
static struct kiln_err err;
static struct kiln_buf out;

static void
setup(void)
{
	kiln_kubeconfig_init(&kc);
	kiln_err_clear(&err);
	kiln_buf_init(&out);
}

static void
teardown(void)
{
	kiln_kubeconfig_free(&kc);
	kiln_buf_free(&out);
}

TestSuite(kubeconfigedit, .init = setup, .fini = teardown, .timeout = 30);

static int
parse(const char *s)
{
	return kiln_kubeconfig_parse(
	    &kc, (const unsigned char *)s, strlen(s), "k.conf", &err);
}

static int
add(const char *s, enum kiln_kc_kind kind, const char *owner, const char *v)
{
	return kiln_kubeconfig_add((const unsigned char *)s, strlen(s), &kc,
	    kind, owner, v, strlen(v), &out, &err);
}

/* As kubeadm certs generate-csr writes admin.conf (clientcmd.Write). */
static const char csr_mode[] = "apiVersion: v1\n"
                               "clusters:\n"
                               "- cluster:\n"
                               "    server: https://api.test:6443\n"
                               "  name: kubernetes\n"
                               "contexts:\n"
                               "- context:\n"
                               "    cluster: kubernetes\n"
                               "    user: kubernetes-admin\n"
                               "  name: kubernetes-admin@kubernetes\n"
                               "current-context: kubernetes-admin@kubernetes\n"
                               "kind: Config\n"
                               "preferences: {}\n"
                               "users:\n"
                               "- name: kubernetes-admin\n"
                               "  user:\n"
                               "    client-key-data: S0VZCg==\n";

Test(kubeconfigedit, the_bodies_are_found_with_their_owner_and_first_key)
{
	cr_assert_eq(parse(csr_mode), 0, "%s", err.msg);
	cr_assert_eq(kc.n_bodies, 2);
	cr_assert_str_eq(kc.bodies[0].owner, "kubernetes");
	cr_assert_eq(kc.bodies[0].users, 0);
	cr_assert_eq(kc.bodies[0].block, 1);
	cr_assert_eq(kc.bodies[0].line, 4);
	cr_assert_eq(memcmp(csr_mode + kc.bodies[0].start, "server:", 7), 0);
	cr_assert_str_eq(kc.bodies[1].owner, "kubernetes-admin");
	cr_assert_eq(kc.bodies[1].users, 1);
	cr_assert_eq(
	    memcmp(csr_mode + kc.bodies[1].start, "client-key-data:", 16), 0);
}

Test(kubeconfigedit, add_puts_the_key_before_the_first_at_its_indent)
{
	struct kiln_buf mid;
	char want[1024];
	const char *cut;

	kiln_buf_init(&mid);
	cr_assert_eq(parse(csr_mode), 0, "%s", err.msg);
	cr_assert_eq(add(csr_mode, KILN_KC_CERT_DATA, "kubernetes-admin",
	                 "Q0VSVAo="),
	    0, "%s", err.msg);
	cr_assert_eq(kiln_buf_append(&mid, out.p, out.len, &err), 0);
	cr_assert_eq(kiln_buf_terminate(&mid, &err), 0);
	kiln_kubeconfig_free(&kc);
	kiln_buf_free(&out);
	cr_assert_eq(parse((char *)mid.p), 0, "%s", err.msg);
	cr_assert_eq(add((char *)mid.p, KILN_KC_CA_DATA, "kubernetes", "Q0EK"),
	    0, "%s", err.msg);
	cut = strstr(csr_mode, "    client-key-data");
	snprintf(want, sizeof(want),
	    "apiVersion: v1\nclusters:\n- cluster:\n"
	    "    certificate-authority-data: Q0EK\n"
	    "    server: https://api.test:6443\n%.*s"
	    "    client-certificate-data: Q0VSVAo=\n%s",
	    (int)(cut - strstr(csr_mode, "  name: kubernetes\n")),
	    strstr(csr_mode, "  name: kubernetes\n"), cut);
	cr_assert_eq(out.len, strlen(want));
	cr_assert_eq(memcmp(out.p, want, out.len), 0, "%.*s", (int)out.len,
	    (char *)out.p);
	/* What was added reads back. */
	kiln_kubeconfig_free(&kc);
	cr_assert_eq(kiln_kubeconfig_parse(&kc, out.p, out.len, "k", &err), 0);
	cr_assert_str_eq(
	    kiln_kubeconfig_find(&kc, KILN_KC_CA_DATA, "kubernetes")->value,
	    "Q0EK");
	kiln_buf_free(&mid);
}

Test(kubeconfigedit, add_refuses_what_it_cannot_add_in_place)
{
	static const char json[] =
	    "{\"kind\":\"Config\",\"users\":[{\"name\":\"u\",\"user\":"
	    "{\"client-key-data\":\"S0VZCg==\"}}]}";

	cr_assert_eq(parse(csr_mode), 0, "%s", err.msg);
	cr_assert_eq(
	    add(csr_mode, KILN_KC_KEY_DATA, "kubernetes-admin", "QQ=="), -1);
	cr_assert_str_eq(err.msg,
	    "line 17: users/kubernetes-admin: client-key-data: already there");
	kiln_err_clear(&err);
	cr_assert_eq(add(csr_mode, KILN_KC_CERT_DATA, "nobody", "QQ=="), -1);
	cr_assert_str_eq(err.msg, "users/nobody: no such entry with a body");
	kiln_err_clear(&err);
	cr_assert_eq(
	    add(csr_mode, KILN_KC_CERT_DATA, "kubernetes-admin", "a: b"), -1);
	cr_assert_str_eq(err.msg,
	    "line 17: client-certificate-data: the new value needs quoting");
	kiln_err_clear(&err);
	kiln_kubeconfig_free(&kc);
	cr_assert_eq(parse(json), 0, "%s", err.msg);
	cr_assert_eq(add(json, KILN_KC_CERT_DATA, "u", "QQ=="), -1);
	cr_assert_str_eq(err.msg, "line 1: users/u: not a block mapping: "
	                          "cannot add client-certificate-data");
	cr_assert_eq(out.len, 0);
}
