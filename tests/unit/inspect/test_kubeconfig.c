/*
 * The kubeconfig reader (src/inspect/kubeconfig.c): what it finds in
 * kubectl's YAML and in JSON, the byte spans of the values (non-ASCII
 * text and a byte order mark before them included), and the hostile
 * files it refuses with one line, or reads without expanding anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

TestSuite(kubeconfig, .init = setup, .fini = teardown, .timeout = 30);

static int
parse(const char *s)
{
	return kiln_kubeconfig_parse(
	    &kc, (const unsigned char *)s, strlen(s), "k.conf", &err);
}

/* "want" is the text of the item's span in "s". */
static void
assert_span(const char *s, const struct kiln_kc_item *it, const char *want)
{
	cr_assert_not_null(it);
	cr_assert_eq(it->end - it->start, strlen(want), "span %zu-%zu",
	    it->start, it->end);
	cr_assert_eq(memcmp(s + it->start, want, strlen(want)), 0);
}

/* As kubectl config set-cluster / set-credentials --embed-certs write it. */
static const char kubectl_yaml[] = "apiVersion: v1\n"
                                   "clusters:\n"
                                   "- cluster:\n"
                                   "    certificate-authority-data: Q0EK\n"
                                   "    server: https://127.0.0.1:6443\n"
                                   "  name: kind\n"
                                   "- cluster:\n"
                                   "    certificate-authority: /etc/shadow\n"
                                   "    server: https://127.0.0.2:6443\n"
                                   "  name: other\n"
                                   "contexts:\n"
                                   "- context:\n"
                                   "    cluster: kind\n"
                                   "    user: admin\n"
                                   "  name: admin@kind\n"
                                   "current-context: admin@kind\n"
                                   "kind: Config\n"
                                   "preferences: {}\n"
                                   "users:\n"
                                   "- name: admin\n"
                                   "  user:\n"
                                   "    client-certificate-data: Q0VSVAo=\n"
                                   "    client-key-data: S0VZCg==\n"
                                   "- name: ops\n"
                                   "  user:\n"
                                   "    client-certificate: ops.crt\n"
                                   "    client-key: ops.key\n";

Test(kubeconfig, kubectl_yaml_gives_every_value_with_its_owner_and_span)
{
	const struct kiln_kc_item *it;

	cr_assert_eq(parse(kubectl_yaml), 0, "%s", err.msg);
	cr_assert_eq(kc.n, 6);
	cr_assert_str_eq(kc.current_context, "admin@kind");
	cr_assert_str_eq(kc.current_user, "admin");
	cr_assert_str_eq(kc.current_cluster, "kind");
	it = kiln_kubeconfig_find(&kc, KILN_KC_CA_DATA, "kind");
	assert_span(kubectl_yaml, it, "Q0EK");
	cr_assert_eq(it->line, 4);
	cr_assert_eq(it->style, KILN_KC_PLAIN);
	it = kiln_kubeconfig_find(&kc, KILN_KC_CA_FILE, "other");
	assert_span(kubectl_yaml, it, "/etc/shadow");
	cr_assert_str_eq(it->value, "/etc/shadow");
	assert_span(kubectl_yaml,
	    kiln_kubeconfig_find(&kc, KILN_KC_CERT_DATA, "admin"), "Q0VSVAo=");
	assert_span(kubectl_yaml,
	    kiln_kubeconfig_find(&kc, KILN_KC_KEY_DATA, "admin"), "S0VZCg==");
	cr_assert_str_eq(
	    kiln_kubeconfig_find(&kc, KILN_KC_CERT_FILE, "ops")->value,
	    "ops.crt");
	cr_assert_str_eq(
	    kiln_kubeconfig_find(&kc, KILN_KC_KEY_FILE, "ops")->value,
	    "ops.key");
	cr_assert_null(kiln_kubeconfig_find(&kc, KILN_KC_CERT_DATA, "ops"));
	it = kiln_kubeconfig_find(&kc, KILN_KC_CERT_DATA, "admin");
	cr_assert_eq(kiln_kubeconfig_decode(it, "k.conf", &out, &err), 0);
	cr_assert_str_eq((char *)out.p, "CERT\n");
	cr_assert_str_eq(kiln_kc_section(it->kind), "users");
	cr_assert_str_eq(kiln_kc_key(it->kind), "client-certificate-data");
}

Test(kubeconfig, json_with_names_after_values_and_quotes_in_the_span)
{
	static const char j[] =
	    "{\"kind\":\"Config\",\"users\":[{\"user\":{\"client-key-data\":"
	    "\"S0VZCg==\",\"client-certificate-data\":'Q0VSVAo='},"
	    "\"name\":\"a\\u00e9\"}],\"current-context\":\"c\",\"contexts\":"
	    "[{\"name\":\"c\",\"context\":{\"user\":\"a\\u00e9\"}}]}";
	const struct kiln_kc_item *it;

	cr_assert_eq(parse(j), 0, "%s", err.msg);
	cr_assert_eq(kc.n, 2);
	cr_assert_str_eq(kc.current_user, "a\xc3\xa9");
	cr_assert_null(kc.current_cluster);
	it = kiln_kubeconfig_find(&kc, KILN_KC_KEY_DATA, "a\xc3\xa9");
	assert_span(j, it, "\"S0VZCg==\"");
	cr_assert_eq(it->style, KILN_KC_DOUBLE);
	it = kiln_kubeconfig_find(&kc, KILN_KC_CERT_DATA, "a\xc3\xa9");
	assert_span(j, it, "'Q0VSVAo='");
	cr_assert_eq(it->style, KILN_KC_SINGLE);
}

Test(kubeconfig, spans_are_bytes_after_utf8_and_a_byte_order_mark)
{
	static const char y[] =
	    "\xef\xbb\xbf# caf\xc3\xa9 \xe2\x82\xac\r\n"
	    "kind: Config\r\n"
	    "users:\r\n"
	    "- name: \xc3\xa9\xc3\xa9\xc3\xa9\r\n"
	    "  user: {client-certificate-data: \"Q0VSVAo=\"}"
	    "\r\n";

	cr_assert_eq(parse(y), 0, "%s", err.msg);
	assert_span(y,
	    kiln_kubeconfig_find(
	        &kc, KILN_KC_CERT_DATA, "\xc3\xa9\xc3\xa9\xc3\xa9"),
	    "\"Q0VSVAo=\"");
}

Test(kubeconfig, splice_replaces_the_span_in_its_style_and_keeps_the_rest)
{
	const struct kiln_kc_item *it;
	size_t len = strlen(kubectl_yaml);
	char *want;

	cr_assert_eq(parse(kubectl_yaml), 0);
	it = kiln_kubeconfig_find(&kc, KILN_KC_CERT_DATA, "admin");
	cr_assert_eq(kiln_kubeconfig_splice((const unsigned char *)kubectl_yaml,
	                 len, it, "TkVXCg==", 8, &out, &err),
	    0);
	want = strdup(kubectl_yaml);
	memcpy(strstr(want, "Q0VSVAo="), "TkVXCg==", 8);
	cr_assert_eq(out.len, len);
	cr_assert_eq(memcmp(out.p, want, len), 0);
	free(want);
	/* Something that would need quoting is refused, not quoted. */
	cr_assert_eq(kiln_kubeconfig_splice((const unsigned char *)kubectl_yaml,
	                 len, it, "a: b", 4, &out, &err),
	    -1);
	cr_assert_str_eq(err.msg,
	    "line 22: client-certificate-data: the new value needs quoting");
}

Test(kubeconfig, a_block_scalar_is_read_but_not_spliced)
{
	static const char y[] = "kind: Config\nusers:\n- name: u\n  user:\n"
	                        "    client-certificate-data: |\n"
	                        "      Q0VS\n      VAo=\n";
	const struct kiln_kc_item *it;

	cr_assert_eq(parse(y), 0, "%s", err.msg);
	it = kiln_kubeconfig_find(&kc, KILN_KC_CERT_DATA, "u");
	cr_assert_eq(it->style, KILN_KC_BLOCK);
	cr_assert_eq(kiln_kubeconfig_decode(it, "k.conf", &out, &err), 0);
	cr_assert_str_eq((char *)out.p, "CERT\n");
	cr_assert_eq(kiln_kubeconfig_splice((const unsigned char *)y, strlen(y),
	                 it, "QQ==", 4, &out, &err),
	    -1);
	cr_assert_str_eq(err.msg,
	    "line 5: client-certificate-data: a block "
	    "scalar (| or >) cannot be replaced in place");
}

Test(kubeconfig, not_a_kubeconfig_is_one_not_an_error)
{
	static const char *const not [] = {"", "hello\n", "- a\n- b\n",
	    "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n",
	    "clusters: []\nkind: Pod\n", "a: [unclosed\n", "{\"a\": 1}",
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1"};
	size_t i;

	for (i = 0; i < sizeof(not ) / sizeof(not [0]); i++) {
		kiln_err_clear(&err);
		cr_assert_eq(parse(not [i]), 1, "%s", not [i]);
		cr_assert_str_eq(err.msg, "k.conf: not a kubeconfig");
		cr_assert_eq(kc.n, 0);
	}
}

static void
refused(const char *y, const char *msg)
{
	kiln_err_clear(&err);
	cr_assert_eq(parse(y), -1, "%s", y);
	cr_assert_str_eq(err.msg, msg);
	cr_assert_eq(kc.n, 0);
	cr_assert_null(kc.current_context);
}

Test(kubeconfig, hostile_kubeconfigs_are_refused_with_one_line)
{
	refused("kind: Config\nusers:\n- name: u\n  user: &a {}\n- *a\n",
	    "k.conf: line 5: users: YAML alias: not supported");
	refused("kind: Config\nx: &k Q0VSVAo=\nusers:\n- name: u\n  user:\n"
	        "    client-certificate-data: *k\n",
	    "k.conf: line 6: client-certificate-data: YAML alias: not "
	    "supported");
	refused("kind: Config\nusers:\n- name: u\n  user:\n"
	        "    client-certificate-data: !!binary Q0VSVAo=\n",
	    "k.conf: line 5: client-certificate-data: YAML tag: not "
	    "supported");
	refused("kind: Config\nusers: []\nusers: []\n",
	    "k.conf: line 3: users: given twice");
	refused("kind: Config\nusers:\n- name: u\n- name: u\n",
	    "k.conf: line 4: users: two entries have the same name");
	refused("kind: Config\nusers:\n- user: {client-key-data: S0VZCg==}\n",
	    "k.conf: line 3: users: an entry has no name");
	refused(
	    "kind: Config\nusers:\n- name: u\n  user:\n"
	    "    client-key-data: S0VZCg==\n    client-key-data: S0VZCg==\n",
	    "k.conf: line 6: client-key-data: given twice");
	refused("kind: Config\nusers:\n- name: [u]\n",
	    "k.conf: line 3: name: not a string");
	refused(
	    "kind: Config\nusers: x\n", "k.conf: line 2: users: not a list");
	refused("kind: Config\n---\nkind: Config\n",
	    "k.conf: line 2: a second YAML document");
	refused("kind: Config\nusers: [\n",
	    "k.conf: line 3: did not find expected node content");
}

Test(kubeconfig, nesting_is_bounded_wherever_it_is)
{
	char *y = malloc(200000);
	size_t n;

	n = (size_t)sprintf(y, "kind: Config\npreferences: ");
	memset(y + n, '[', 100000);
	y[n + 100000] = '\0';
	refused(y, "k.conf: line 2: nested too deep for a kubeconfig");
	free(y);
}

Test(kubeconfig, an_alias_bomb_is_never_expanded)
{
	struct kiln_buf y;
	clock_t t0 = clock();
	int i;

	kiln_buf_init(&y);
	cr_assert_eq(kiln_buf_printf(&y, &err,
	                 "kind: Config\nbomb:\n"
	                 "  a0: &a0 [lol, lol, lol]\n"),
	    0);
	for (i = 1; i < 30; i++)
		cr_assert_eq(kiln_buf_printf(&y, &err,
		                 "  a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d]\n",
		                 i, i, i - 1, i - 1, i - 1, i - 1, i - 1),
		    0);
	cr_assert_eq(kiln_buf_printf(&y, &err,
	                 "users:\n- name: u\n  user: {client-key-data: "
	                 "S0VZCg==}\n"),
	    0);
	cr_assert_eq(kiln_kubeconfig_parse(&kc, y.p, y.len, "k.conf", &err), 0,
	    "%s", err.msg);
	cr_assert_eq(kc.n, 1);
	cr_assert_lt(clock() - t0, CLOCKS_PER_SEC);
	kiln_buf_free(&y);
}

Test(kubeconfig, a_file_over_the_limit_is_not_read)
{
	unsigned char *big = calloc(1, KILN_KUBECONFIG_MAX + 1);

	memset(big, ' ', KILN_KUBECONFIG_MAX + 1);
	cr_assert_eq(kiln_kubeconfig_parse(
	                 &kc, big, KILN_KUBECONFIG_MAX + 1, "k.conf", &err),
	    1);
	cr_assert_str_eq(
	    err.msg, "k.conf: larger than 4 MiB: not a kubeconfig");
	free(big);
}

Test(kubeconfig, a_huge_scalar_within_the_limit_is_read)
{
	size_t n = 3u * 1024 * 1024, h;
	char *y = malloc(n + 200);
	const struct kiln_kc_item *it;

	h = (size_t)sprintf(y, "kind: Config\nusers:\n- name: u\n  user:\n"
	                       "    client-certificate-data: ");
	memset(y + h, 'A', n);
	y[h + n] = '\0';
	cr_assert_eq(parse(y), 0, "%s", err.msg);
	it = kiln_kubeconfig_find(&kc, KILN_KC_CERT_DATA, "u");
	cr_assert_eq(it->len, n);
	cr_assert_eq(it->start, h);
	cr_assert_eq(it->end, h + n);
	free(y);
}

Test(kubeconfig, bad_base64_is_named)
{
	cr_assert_eq(parse("kind: Config\nusers:\n- name: u\n  user:\n"
	                   "    client-key-data: '%%%'\n"),
	    0);
	cr_assert_eq(
	    kiln_kubeconfig_decode(kc.items, "k.conf", &out, &err), -1);
	cr_assert_str_eq(
	    err.msg, "k.conf: users/u: client-key-data: not base64");
}

Test(kubeconfig, the_client_is_the_current_users_or_the_only_one)
{
	const struct kiln_kc_item *it;

	cr_assert_eq(parse(kubectl_yaml), 0);
	it = kiln_kubeconfig_client(&kc, "k.conf", &err);
	cr_assert_not_null(it, "%s", err.msg);
	cr_assert_str_eq(it->owner, "admin");
	kiln_kubeconfig_free(&kc);
	/* No current context: the only user with a certificate. */
	cr_assert_eq(parse("kind: Config\nusers:\n- name: a\n  user: {}\n"
	                   "- name: b\n  user: {client-certificate-data: QQ==}"
	                   "\n"),
	    0);
	cr_assert_str_eq(
	    kiln_kubeconfig_client(&kc, "k.conf", &err)->owner, "b");
	kiln_kubeconfig_free(&kc);
	cr_assert_eq(
	    parse("kind: Config\nusers:\n"
	          "- name: a\n  user: {client-certificate-data: QQ==}\n"
	          "- name: b\n  user: {client-certificate-data: QQ==}"
	          "\n"),
	    0);
	cr_assert_null(kiln_kubeconfig_client(&kc, "k.conf", &err));
	cr_assert_str_eq(err.msg, "k.conf: no current context, and several "
	                          "users have a client certificate: a, b");
	kiln_kubeconfig_free(&kc);
	kiln_err_clear(&err);
	cr_assert_eq(parse("kind: Config\ncurrent-context: x\nusers: []\n"), 0);
	cr_assert_null(kiln_kubeconfig_client(&kc, "k.conf", &err));
	cr_assert_str_eq(
	    err.msg, "k.conf: the current context \"x\" is not in contexts");
}
