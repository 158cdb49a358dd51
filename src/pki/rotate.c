/*
 * A CA rotation's pieces (pki/rotate.h): the state file, the CAs read
 * through the tree's folders, the new CA made with the old one's name,
 * key type and lifetime, and the cross certificate that lets whatever
 * trusts only the old CA accept what the new one issues.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <mbedtls/pk.h>

#include "core/json.h"
#include "core/strs.h"
#include "kiln/file.h"
#include "kiln/gen.h"
#include "kiln/issue.h"
#include "kiln/key.h"
#include "kiln/pem.h"
#include "kiln/renew.h"
#include "pki/rotate.h"

void
kiln_rotate_result_init(struct kiln_rotate_result *r)
{
	memset(r, 0, sizeof(*r));
}

void
kiln_rotate_result_free(struct kiln_rotate_result *r)
{
	size_t i;

	for (i = 0; i < r->n_files; i++)
		free(r->files[i].path);
	free(r->files);
	kiln_strs_free(r->members, r->n_members);
	kiln_rotate_result_init(r);
}

/* The state file. */

int
rotate_state_text(
    const struct rotate_state *st, struct kiln_buf *out, struct kiln_err *err)
{
	char text[256];
	int n;

	n = snprintf(text, sizeof(text),
	    "{\n  \"phase\": %d,\n  \"old_ca\": \"%s\",\n"
	    "  \"new_ca\": \"%s\"\n}\n",
	    st->phase, st->old_id, st->new_id);
	if (n < 0 || (size_t)n >= sizeof(text))
		return kiln_err_set(
		    err, KILN_EINVAL, "rotation state too long");
	return kiln_buf_append(out, text, (size_t)n, err);
}

/* A key id of "obj" ("name"): 40 lowercase hex digits, into "out". */
static int
state_id(const cJSON *obj, const char *name, char *out, struct kiln_err *err)
{
	const char *s = NULL;
	size_t i;

	if (kiln_json_string(obj, NULL, name, &s, err) == -1)
		return -1;
	if (s == NULL)
		return kiln_err_set(err, KILN_EINVAL, "%s: missing", name);
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			break;
	if (i != 40 || s[i] != '\0')
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: not a key id (40 lowercase hex digits)", name);
	memcpy(out, s, 41);
	return 0;
}

int
rotate_state_parse(struct rotate_state *st, const char *text, size_t len,
    const char *shown, struct kiln_err *err)
{
	static const char *const known[] = {"phase", "old_ca", "new_ca", NULL};
	char copy[1024];
	struct kiln_err e;
	cJSON *obj;
	long phase = 0;

	kiln_err_clear(&e);
	memset(st, 0, sizeof(*st));
	/* The parser wants a NUL after the text: a copy has one. */
	if (len >= sizeof(copy))
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: %zu bytes, too long for a rotation state", shown, len);
	memcpy(copy, text, len);
	copy[len] = '\0';
	if ((obj = kiln_json_parse_object(copy, len, &e)) == NULL ||
	    kiln_json_known_keys(obj, NULL, known, &e) == -1 ||
	    kiln_json_int(
	        obj, NULL, "phase", 1, KILN_ROTATE_PHASES, &phase, &e) == -1 ||
	    (phase == 0 &&
	        kiln_err_set(&e, KILN_EINVAL, "phase: missing") == -1) ||
	    state_id(obj, "old_ca", st->old_id, &e) == -1 ||
	    state_id(obj, "new_ca", st->new_id, &e) == -1) {
		cJSON_Delete(obj);
		return kiln_err_pass_prefix(err, &e, "%s", shown);
	}
	st->phase = (int)phase;
	cJSON_Delete(obj);
	return 0;
}

int
kiln_rotate_state_read(
    const char *text, size_t len, int *phase, int *next, struct kiln_err *err)
{
	struct rotate_state st;

	if (rotate_state_parse(&st, text, len, "rotation state", err) == -1)
		return -1;
	*phase = st.phase;
	*next = st.phase == KILN_ROTATE_PHASES ? 1 : st.phase + 1;
	return 0;
}

/* The state files kiln rotate-ca may keep in DIR/ca. */
static const char *const state_files[] = {"rotate.json", "ca-rotate.json",
    "front-proxy-ca-rotate.json", "etcd-ca-rotate.json", NULL};

int
kiln_rotate_under_way(
    const char *dir, char ***out, size_t *n, struct kiln_err *err)
{
	char shown[PATH_MAX], line[2 * PATH_MAX + 256];
	struct kiln_buf text;
	struct kiln_err ignored;
	struct stat st;
	int fd, root, phase, next, rc = -1;
	size_t i;

	kiln_buf_init(&text);
	kiln_err_clear(&ignored);
	if ((root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 0;
	fd = kiln_dir_open(root, "ca", 0, 0, &ignored);
	close(root);
	if (fd == -1)
		return 0;
	for (i = 0; state_files[i] != NULL; i++) {
		kiln_buf_free(&text);
		snprintf(shown, sizeof(shown), "%s/ca/%s", dir, state_files[i]);
		if (kiln_file_read_at(fd, state_files[i], shown, &text, &st,
		        &ignored) == -1 ||
		    kiln_rotate_state_read((const char *)text.p, text.len,
		        &phase, &next, &ignored) == -1 ||
		    next == 1)
			continue;
		snprintf(line, sizeof(line),
		    "%s: a CA rotation is under way (phase %d of 3 done, "
		    "phase %d next): until phase 3, the certificates of the "
		    "CA not given to -ca are judged untrusted",
		    shown, phase, next);
		if (kiln_strs_push(out, n, line, err) == -1)
			goto cleanup;
	}
	rc = 0;
cleanup:
	close(fd);
	kiln_buf_free(&text);
	return rc;
}

/* The rotation. */

static void
ca_init(struct rotate_ca *c)
{
	memset(c, 0, sizeof(*c));
	kiln_signer_init(&c->signer);
	kiln_infos_init(&c->info);
	kiln_buf_init(&c->pem);
	kiln_buf_init(&c->key_pem);
}

static void
ca_free(struct rotate_ca *c)
{
	kiln_signer_free(&c->signer);
	kiln_infos_free(&c->info);
	kiln_buf_free(&c->pem);
	kiln_buf_free(&c->key_pem);
	ca_init(c);
}

void
rotate_init(struct rotate *r, const char *dir)
{
	memset(r, 0, sizeof(*r));
	tree_init(&r->tree, dir);
	r->now = time(NULL);
	kiln_rng_init(&r->rng);
	ca_init(&r->old);
	ca_init(&r->new);
	kiln_buf_init(&r->cross_pem);
	kiln_infos_init(&r->cross);
	r->names.cert = "ca.pem";
	r->names.key = "ca-key.pem";
	r->names.cross = "ca-cross.pem";
	r->names.bundle = "ca-bundle.pem";
	r->names.state = "rotate.json";
}

void
rotate_free(struct rotate *r)
{
	size_t i;

	tree_free(&r->tree);
	for (i = 0; i < r->n_trust; i++)
		free(r->trust[i].name);
	free(r->trust);
	for (i = 0; i < r->n_leaves; i++) {
		free(r->leaves[i].cert);
		free(r->leaves[i].key);
	}
	free(r->leaves);
	for (i = 0; i < r->n_confs; i++)
		free(r->confs[i].name);
	free(r->confs);
	for (i = 0; i < r->n_signers; i++) {
		free(r->signers[i].cert);
		free(r->signers[i].key);
	}
	free(r->signers);
	kiln_rng_free(&r->rng);
	ca_free(&r->old);
	ca_free(&r->new);
	kiln_buf_free(&r->cross_pem);
	kiln_infos_free(&r->cross);
	r->trust = NULL;
	r->leaves = NULL;
	r->confs = NULL;
	r->signers = NULL;
}

int
rotate_start(
    struct rotate *r, int phase, unsigned int threads, struct kiln_err *err)
{
	if (phase < 1 || phase > KILN_ROTATE_PHASES)
		return kiln_err_set(err, KILN_EINVAL,
		    "phase %d: there are three phases, 1 to 3", phase);
	r->threads = threads;
	return kiln_rng_seed(&r->rng, "kiln rotate-ca", err);
}

int
rotate_folders(struct rotate *r, struct kiln_err *err)
{
	struct tree *t = &r->tree;

	if (tree_folder(t, ROTATE_F_ROOT, 0755, ".", "", err) == -1 ||
	    tree_folder(t, ROTATE_F_ROOT, 0700, "ca", "", err) == -1 ||
	    tree_folder(t, ROTATE_F_CA, 0700, "ca", "new", err) == -1 ||
	    tree_folder(t, ROTATE_F_CA, 0700, "ca", "old", err) == -1)
		return -1;
	r->f_ca = ROTATE_F_CA;
	r->f_new = ROTATE_F_NEW;
	r->f_old = ROTATE_F_OLD;
	return 0;
}

int
rotate_add_trust(
    struct rotate *r, size_t f, const char *name, struct kiln_err *err)
{
	struct rotate_trust *v;

	if ((v = realloc(r->trust, (r->n_trust + 1) * sizeof(*v))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	r->trust = v;
	v = &r->trust[r->n_trust];
	v->folder = f;
	if ((v->name = strdup(name)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	r->n_trust++;
	return 0;
}

int
rotate_add_leaf(struct rotate *r, size_t f, const char *cert, const char *key,
    struct kiln_err *err)
{
	struct rotate_leaf *v;

	if ((v = realloc(r->leaves, (r->n_leaves + 1) * sizeof(*v))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	r->leaves = v;
	v = &r->leaves[r->n_leaves];
	memset(v, 0, sizeof(*v));
	v->folder = f;
	r->n_leaves++;
	if ((v->cert = strdup(cert)) == NULL || (v->key = strdup(key)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return 0;
}

int
rotate_add_conf(struct rotate *r, size_t f, const char *name, unsigned int what,
    struct kiln_err *err)
{
	struct rotate_conf *v;

	if ((v = realloc(r->confs, (r->n_confs + 1) * sizeof(*v))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	r->confs = v;
	v = &r->confs[r->n_confs];
	v->folder = f;
	v->what = what;
	if ((v->name = strdup(name)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	r->n_confs++;
	return 0;
}

int
rotate_add_signer(struct rotate *r, size_t f, const char *cert, const char *key,
    struct kiln_err *err)
{
	struct rotate_signer *v;

	if ((v = realloc(r->signers, (r->n_signers + 1) * sizeof(*v))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	r->signers = v;
	v = &r->signers[r->n_signers];
	memset(v, 0, sizeof(*v));
	v->folder = f;
	r->n_signers++;
	if ((cert != NULL && (v->cert = strdup(cert)) == NULL) ||
	    (v->key = strdup(key)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return 0;
}

/* The key id of certificate "info": the SHA-1 of its key, in hex. */
static void
key_id(const struct kiln_info *info, char *out)
{
	size_t i;

	for (i = 0; i < sizeof(info->key_id); i++)
		snprintf(out + 2 * i, 3, "%02x", info->key_id[i]);
}

/* "c" from its certificate DER "der" and key text: described, PEM. */
static int
ca_describe(struct rotate_ca *c, const unsigned char *der, size_t len,
    struct kiln_err *err)
{
	kiln_buf_free(&c->pem);
	if (kiln_pem_write(&c->pem, "CERTIFICATE", der, len, err) == -1 ||
	    kiln_inspect_certs(&c->info, c->pem.p, c->pem.len, err) == -1)
		return -1;
	key_id(&c->info.v[0], c->id);
	return 0;
}

int
rotate_ca_read(struct rotate *r, struct rotate_ca *c, size_t f,
    const char *cert, const char *key, const char *want, int *present,
    struct kiln_err *err)
{
	char cert_shown[PATH_MAX], key_shown[PATH_MAX];
	struct kiln_buf text;
	struct stat st;
	int have_cert, have_key, rc = -1;

	kiln_buf_init(&text);
	ca_free(c);
	*present = 0;
	if (tree_shown(&r->tree, f, cert, cert_shown, err) == -1 ||
	    tree_shown(&r->tree, f, key, key_shown, err) == -1 ||
	    tree_read(&r->tree, f, key, &c->key_pem, &st, &have_key, err) ==
	        -1 ||
	    (have_key && tree_key_owner(key_shown, &st, err) == -1) ||
	    tree_read(&r->tree, f, cert, &text, &st, &have_cert, err) == -1)
		goto cleanup;
	if (!have_cert && !have_key) {
		rc = 0;
		goto cleanup;
	}
	if (!have_cert || !have_key) {
		kiln_err_set(err, KILN_EINVAL, "%s: missing, beside %s",
		    have_cert ? key_shown : cert_shown,
		    have_cert ? cert_shown : key_shown);
		goto cleanup;
	}
	if (kiln_signer_open(&c->signer, &text, cert_shown, &c->key_pem,
	        key_shown, NULL, &r->rng, err) == -1 ||
	    ca_describe(c, c->signer.ca->crt.raw.p, c->signer.ca->crt.raw.len,
	        err) == -1)
		goto cleanup;
	if (want != NULL && strcmp(want, c->id) != 0) {
		kiln_err_set(err, KILN_EINVAL,
		    "%s: key id %s, not the rotation's %s", cert_shown, c->id,
		    want);
		goto cleanup;
	}
	*present = 1;
	rc = 0;
cleanup:
	kiln_buf_free(&text);
	return rc;
}

/*
 * The new CA's common name: the old one's ("CN", or "CA" if it has none)
 * without the key id an earlier rotation put at its end, then the first
 * 8 digits of the new key id "id": the two CAs never share a name, so the
 * cross certificate names its issuer (its authority key identifier) and
 * no verifier takes it for a self-signed one.
 */
static char *
new_cn(const char *cn, const char *id, struct kiln_err *err)
{
	size_t len, i;
	char *out;

	if (cn == NULL || cn[0] == '\0')
		cn = "CA";
	len = strlen(cn);
	if (len > 9 && cn[len - 9] == ' ') {
		for (i = len - 8; i < len; i++)
			if (!((cn[i] >= '0' && cn[i] <= '9') ||
			        (cn[i] >= 'a' && cn[i] <= 'f')))
				break;
		if (i == len)
			len -= 9;
	}
	if ((out = malloc(len + 10)) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(out, len + 10, "%.*s %.8s", (int)len, cn, id);
	return out;
}

int
rotate_ca_make(struct rotate *r, const struct rotate_ca *old,
    struct rotate_ca *out, struct kiln_err *err)
{
	const struct kiln_info *o = &old->info.v[0];
	mbedtls_pk_context *pk = &old->signer.key->pk;
	struct kiln_signer *sg = &out->signer;
	struct kiln_request req;
	struct kiln_profile p;
	struct kiln_gen_in in;
	struct kiln_info kinfo;
	struct kiln_buf der;
	char id[41], *cn;
	int rc = -1;

	kiln_buf_init(&der);
	kiln_request_init(&req);
	kiln_info_init(&kinfo);
	ca_free(out);
	/* The old CA's name (but its CN), kind of key and lifetime. */
	if (kiln_gen_request_from_cert(&req, o, err) == -1)
		goto cleanup;
	req.key.algo = mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA
	                   ? KILN_KEY_RSA
	                   : KILN_KEY_ECDSA;
	req.key.size = (int)mbedtls_pk_get_bitlen(pk);
	if (kiln_key_generate(&sg->own_key, &req.key, &r->rng, err) == -1 ||
	    kiln_inspect_key(&kinfo, &sg->own_key, err) == -1)
		goto cleanup;
	key_id(&kinfo, id);
	if ((cn = new_cn(req.cn, id, err)) == NULL)
		goto cleanup;
	free(req.cn);
	req.cn = cn;
	kiln_issue_ca_profile(&p, &req.ca, NULL);
	memset(&in, 0, sizeof(in));
	in.req = &req;
	in.key = &sg->own_key;
	if (kiln_gen_cert(&der, NULL, &in, NULL, &p, &r->rng, r->now, err) ==
	        -1 ||
	    kiln_cert_parse(&sg->own_ca, der.p, der.len, err) == -1)
		goto cleanup;
	kiln_signer_use(sg, &sg->own_ca, &sg->own_key);
	if (ca_describe(out, der.p, der.len, err) == -1 ||
	    kiln_key_write_pem(&sg->own_key, &out->key_pem, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&der);
	kiln_request_free(&req);
	kiln_info_free(&kinfo);
	return rc;
}

int
rotate_cross_make(struct rotate *r, struct kiln_err *err)
{
	struct kiln_renew opts;
	struct kiln_buf der;
	char **dropped = NULL;
	size_t n_dropped = 0;
	int rc = -1;

	kiln_buf_init(&der);
	memset(&opts, 0, sizeof(opts));
	opts.other_ca = 1;
	kiln_buf_free(&r->cross_pem);
	kiln_infos_free(&r->cross);
	if (kiln_renew(&der, &r->new.info.v[0], &opts, r->old.signer.ca,
	        r->old.signer.key, &r->rng, r->now, &dropped, &n_dropped,
	        err) == -1 ||
	    kiln_pem_write(&r->cross_pem, "CERTIFICATE", der.p, der.len, err) ==
	        -1 ||
	    kiln_inspect_certs(
	        &r->cross, r->cross_pem.p, r->cross_pem.len, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_strs_free(dropped, n_dropped);
	kiln_buf_free(&der);
	return rc;
}

int
rotate_cross_read(struct rotate *r, struct kiln_err *err)
{
	char shown[PATH_MAX], id[41];
	struct kiln_err e;
	struct stat st;
	int present;

	kiln_err_clear(&e);
	kiln_buf_free(&r->cross_pem);
	kiln_infos_free(&r->cross);
	if (tree_shown(&r->tree, r->f_new, r->names.cross, shown, err) == -1 ||
	    tree_read(&r->tree, r->f_new, r->names.cross, &r->cross_pem, &st,
	        &present, err) == -1)
		return -1;
	if (!present)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: missing (phase 1 makes it)", shown);
	if (kiln_inspect_certs(
	        &r->cross, r->cross_pem.p, r->cross_pem.len, &e) == -1)
		return kiln_err_pass_prefix(err, &e, "%s", shown);
	key_id(&r->cross.v[0], id);
	if (r->cross.n != 1 || strcmp(id, r->new.id) != 0 ||
	    kiln_renew_kind(&r->cross.v[0], r->old.signer.ca) !=
	        KILN_RENEW_LEAF)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: not the new CA certified by the old one", shown);
	return 0;
}

int
rotate_bundle(struct kiln_buf *out, const struct rotate_ca *a,
    const struct rotate_ca *b, struct kiln_err *err)
{
	if (kiln_buf_append(out, a->pem.p, a->pem.len, err) == -1 ||
	    (b != NULL &&
	        kiln_buf_append(out, b->pem.p, b->pem.len, err) == -1))
		return -1;
	return 0;
}
