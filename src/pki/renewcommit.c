/*
 * kiln renew's commit: what the plan decided and the pool issued,
 * written through each file's folder descriptor, the backups first, then
 * the new key, then the certificate, each only if its name is still the
 * inode the plan read.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kiln/file.h"
#include "kiln/pem.h"
#include "kiln/renew.h"
#include "pki/renewkc.h"

/*
 * Where the backup of the file "f" goes: NAME.<stamp> beside it, or
 * under o->backup_dir, at <f's folder, as an absolute path>/NAME.<stamp>,
 * so that the server.pem of two folders do not meet.  "rel" gets the
 * folder under the backup folder ("" beside), "name" the file name,
 * "shown" the path printed.
 */
static int
backup_place(const struct kiln_renew_opts *o,
    const struct kiln_renew_fileref *f, char *rel, char *name, char *shown,
    enum kiln_renew_why *why, struct kiln_err *err)
{
	char proc[64], real[PATH_MAX];
	ssize_t n;

	rel[0] = '\0';
	if (kiln_file_path(name, f->name, o->stamp, err) == -1)
		return -1;
	if (o->backup_dir == NULL)
		return kiln_file_path(shown, f->shown, o->stamp, err);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->dfd);
	if ((n = readlink(proc, real, sizeof(real) - 1)) <= 0 ||
	    real[0] != '/') {
		*why = KILN_RENEW_WHY_BACKUP_PATH;
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: its folder's path cannot be found (no /proc)",
		    f->shown);
	}
	real[n] = '\0';
	snprintf(rel, PATH_MAX, "%s", real[1] != '\0' ? real + 1 : ".");
	if (snprintf(shown, PATH_MAX, "%s/%s/%s", o->backup_dir, rel, name) >=
	    PATH_MAX)
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: backup path too long", f->shown);
	return 0;
}

/*
 * Keep "data" as the backup of the file "f" before it is replaced: a new
 * file of kiln's user, never written over an existing one.  Its path
 * into "shown".  With a dry run nothing is written.
 */
static int
backup(const struct kiln_renew_opts *o, const struct kiln_renew_fileref *f,
    const struct kiln_buf *data, mode_t mode, char *shown,
    enum kiln_renew_why *why, struct kiln_err *err)
{
	char rel[PATH_MAX], name[PATH_MAX];
	int dfd, rc;

	if (backup_place(o, f, rel, name, shown, why, err) == -1)
		return -1;
	if (o->dry_run)
		return 0;
	if (o->backup_dir == NULL)
		return kiln_file_write_at(f->dfd, name, shown, data->p,
		    data->len, mode, KILN_WRITE_EXCL, NULL, err);
	if ((dfd = kiln_dir_open(o->backup_dfd, rel, 1, 0700, err)) == -1) {
		*why = KILN_RENEW_WHY_BACKUP_DIR;
		kiln_err_prefix(err, "%s", o->backup_dir);
		return -1;
	}
	rc = kiln_file_write_at(dfd, name, shown, data->p, data->len, mode,
	    KILN_WRITE_EXCL, NULL, err);
	close(dfd);
	return rc;
}

int
kiln_renew_file(struct kiln_buf *out, const struct kiln_buf *der,
    const struct kiln_infos *old, struct kiln_key *key, int pem,
    struct kiln_err *err)
{
	struct kiln_buf k;
	size_t i;
	int rc;

	if (!pem)
		return kiln_buf_append(out, der->p, der->len, err);
	if (kiln_pem_write(out, "CERTIFICATE", der->p, der->len, err) == -1)
		return -1;
	for (i = 1; i < old->n; i++)
		if (kiln_pem_write(out, "CERTIFICATE", old->v[i].der.p,
		        old->v[i].der.len, err) == -1)
			return -1;
	if (key == NULL)
		return 0;
	kiln_buf_init(&k);
	rc = kiln_key_write_pem(key, &k, err) == -1 ||
	             kiln_buf_append(out, k.p, k.len, err) == -1
	         ? -1
	         : 0;
	kiln_buf_free(&k);
	return rc;
}

int
kiln_renew_commit(struct kiln_renew_plan *p, size_t i,
    const struct kiln_renew_opts *o, enum kiln_renew_why *why,
    struct kiln_err *err)
{
	struct kiln_renew_item *it = &p->items[i];
	struct kiln_renew_job *job = &p->jobs[it->job];
	struct kiln_buf out, key_pem, serial;
	struct kiln_infos infos;
	struct kiln_err e;
	int rekey = o->rekey && !o->dry_run, rc = -1;
	mode_t mode;

	kiln_buf_init(&out);
	kiln_buf_init(&key_pem);
	kiln_buf_init(&serial);
	kiln_infos_init(&infos);
	*why = KILN_RENEW_WHY_OTHER;
	it->backup_cert[0] = it->backup_key[0] = '\0';
	if (job->rc == -1) {
		/* Prefixed in a copy: a stale error of the caller's stays. */
		*why = job->why;
		kiln_err_clear(&e);
		kiln_err_pass(&e, &job->err);
		kiln_err_prefix(&e, "%s", it->path);
		kiln_err_pass(err, &e);
		goto cleanup;
	}
	if (rekey && kiln_key_write_pem(&job->key, &key_pem, err) == -1)
		goto cleanup;
	/* Exactly the new file: the certificate, the chain after it and a
	 * key kept in it, each written again from what was parsed; a
	 * kubeconfig's values replaced in place, its other bytes kept. */
	if (it->is_kc ? renew_kc_file(&out, it, &job->der,
	                    rekey ? &key_pem : NULL, err) == -1
	              : kiln_renew_file(&out, &job->der, &it->infos,
	                    it->inside ? &it->old_key : NULL,
	                    kiln_pem_count((char *)it->text.p) > 0, err) == -1)
		goto cleanup;
	/* Its mode, but never writable or executable by others, nor
	 * readable by others when it holds a key; a kubeconfig 0600, as
	 * kubeadm writes them. */
	mode =
	    it->is_kc ? 0600 : it->cert.st.st_mode & (it->inside ? 0640 : 0644);
	if (o->backup || o->backup_dir != NULL) {
		if (backup(o, &it->cert, &it->text, it->inside ? 0600 : mode,
		        it->backup_cert, why, err) == -1)
			goto cleanup;
		if (o->rekey && !it->is_kc &&
		    backup(o, &it->key, &it->ktext, 0600, it->backup_key, why,
		        err) == -1)
			goto cleanup;
	}
	/* The key first: a moment with the new key and the old certificate
	 * fails the same way as the reverse, and each file is atomic.  The
	 * new key is kiln's user's, 0600, and replaces only the key file
	 * that was read and checked. */
	if (rekey && !it->is_kc &&
	    kiln_file_write_at(it->key.dfd, it->key.name, it->key.shown,
	        key_pem.p, key_pem.len, 0600, 0, &it->key.st, err) == -1)
		goto cleanup;
	/* The certificate keeps its owner: etcd may run as another user. */
	if (!o->dry_run &&
	    kiln_file_write_at(it->cert.dfd, it->cert.name, it->path, out.p,
	        out.len, mode, KILN_WRITE_KEEP_OWNER, &it->cert.st, err) == -1)
		goto cleanup;
	if (kiln_inspect_certs(&infos, job->der.p, job->der.len, err) == -1 ||
	    kiln_info_serial_decimal(&infos.v[0], &serial, err) == -1 ||
	    kiln_buf_terminate(&serial, err) == -1)
		goto cleanup;
	snprintf(it->serial, sizeof(it->serial), "%s", (char *)serial.p);
	it->not_before = infos.v[0].not_before;
	it->not_after = infos.v[0].not_after;
	rc = 0;
cleanup:
	kiln_buf_free(&out); /* may hold a key: wiped */
	kiln_buf_free(&key_pem);
	kiln_buf_free(&serial);
	kiln_infos_free(&infos);
	return rc;
}
