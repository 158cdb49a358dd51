/*
 * kiln etcd's run: the CA, every member's certificates, etcd.yml and
 * etcd.service, and the clients' certificates, written into one folder.
 * A re-run keeps what is still right byte for byte: a certificate is
 * kept when a new one for the same key would differ from it only in
 * serial and dates, and it still verifies against the CA.
 *
 * The folder may be writable by others (the etcd user, a deploy user)
 * while root runs this: every folder below it is opened relative to its
 * parent, never through a link, every file is read through its folder
 * (no link, FIFO, device or hard link) and written through it, and a key
 * is certified only when it is the invoking user's and matches the
 * certificate beside it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/x509_crt.h>

#include "core/compat.h"
#include "kiln/cert.h"
#include "kiln/config.h"
#include "kiln/duration.h"
#include "kiln/etcd.h"
#include "kiln/file.h"
#include "kiln/issue.h"
#include "kiln/key.h"
#include "kiln/name.h"
#include "kiln/pem.h"
#include "kiln/rng.h"
#include "kiln/signer.h"
#include "core/pool.h"
#include "core/strs.h"
#include "asn1/x509.h"

struct leaf_job;

/*
 * A folder of the output tree: DIR itself, ca/, clients/, and each
 * member's folder with its ssl/ and cfg/.
 */
struct folder {
	char *rel;        /* from DIR: "etcd-1/ssl"; "." for DIR */
	const char *name; /* its last component, in "rel" */
	size_t parent;    /* the folder it is in */
	mode_t mode;      /* made with this when missing */
	int fd;           /* -1 while missing */
};

/* The folders' places in struct build's "folders". */
#define F_ROOT 0
#define F_CA 1
#define F_CLIENTS 2
#define F_MEMBER(i) (3 + 3 * (i))
#define F_SSL(i) (F_MEMBER(i) + 1)
#define F_CFG(i) (F_MEMBER(i) + 2)

/* A file to write at the end of the run. */
struct staged {
	size_t folder;
	char *name, *shown;   /* in the folder; as messages show it */
	struct kiln_buf data; /* may hold a key: wiped when freed */
	mode_t mode;
	int excl;
	/* Decided just before writing: */
	int skip;  /* the file there holds exactly this */
	int reset; /* it holds this with another mode, "was" */
	mode_t was;
	struct stat st; /* what is there (st_ino 0: nothing), to replace */
};

struct build {
	const struct kiln_etcd_manifest *m;
	const char *dir;
	unsigned int flags;
	kiln_etcd_progress *progress;
	void *progress_arg;
	size_t step, nsteps;
	struct kiln_etcd_result *result;
	time_t now;
	struct kiln_rng rng;
	struct kiln_signer signer; /* the CA, opened or made once */
	struct kiln_buf ca_pem;
	struct kiln_profile profiles[3]; /* as leaf_profiles[] */
	int existing_cluster;
	/* The tree, opened once; a missing folder is made when written. */
	struct folder *folders;
	size_t n_folders;
	/* Each member's etcd.yml as it was, if it was there. */
	int *had_yml;
	struct kiln_buf *old_yml;
	/* Every file of the run, written only once all are computed. */
	struct staged *writes;
	size_t n_writes;
	/*
	 * The leaves, made apart from the rest: a first walk through the
	 * run ("planning") lists them, the pool makes them on "threads"
	 * threads (0: one per core) with a signer each, and the second walk
	 * takes them in the same order.
	 */
	unsigned int threads;
	int planning;
	struct leaf_job *jobs;
	size_t n_jobs, next_job;
	struct kiln_err plan_err; /* why the first walk stopped, if it did */
	struct pool_signer *signers;
};

/* One leaf certificate and its key, as PEM. */
struct leaf {
	struct kiln_buf cert_pem, key_pem;
};

static void
leaf_init(struct leaf *l)
{
	kiln_buf_init(&l->cert_pem);
	kiln_buf_init(&l->key_pem);
}

static void
leaf_free(struct leaf *l)
{
	kiln_buf_free(&l->cert_pem);
	kiln_buf_free(&l->key_pem);
}

void
kiln_etcd_result_init(struct kiln_etcd_result *r)
{
	memset(r, 0, sizeof(*r));
}

void
kiln_etcd_result_free(struct kiln_etcd_result *r)
{
	size_t i;

	free(r->added);
	for (i = 0; i < r->n_reset; i++)
		free(r->reset[i].path);
	free(r->reset);
	for (i = 0; i < r->n_files; i++)
		free(r->files[i].path);
	free(r->files);
	for (i = 0; i < r->n_moved; i++)
		free(r->moved[i].old_url);
	free(r->moved);
	for (i = 0; i < r->n_gone; i++) {
		free(r->gone[i].name);
		free(r->gone[i].path);
	}
	free(r->gone);
	kiln_etcd_result_init(r);
}

/* Files and folders. */

/*
 * The path of "name" in folder "f" as messages show it,
 * "DIR/etcd-1/ssl/name" (the folder's own with an empty "name"), into
 * "out" (PATH_MAX bytes).
 */
static int
shown_path(const struct build *b, size_t f, const char *name, char *out,
    struct kiln_err *err)
{
	const char *rel = b->folders[f].rel;
	int n;

	if (f == F_ROOT)
		n = snprintf(out, PATH_MAX, "%s%s%s", b->dir,
		    name[0] != '\0' ? "/" : "", name);
	else
		n = snprintf(out, PATH_MAX, "%s/%s%s%s", b->dir, rel,
		    name[0] != '\0' ? "/" : "", name);
	if (n < 0 || n >= PATH_MAX)
		return kiln_err_set(err, KILN_EINVAL, "%s/%s: path too long",
		    b->dir, f == F_ROOT ? name : rel);
	return 0;
}

/*
 * mkdir -p with "mode" for the folders it creates: for DIR only, the
 * user's own path, followed as given.
 */
static int
make_dirs(const char *path, mode_t mode, struct kiln_err *err)
{
	char p[PATH_MAX];
	size_t i;

	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return kiln_err_set(
		    err, KILN_EINVAL, "%s: path too long", path);
	for (i = 1;; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, mode) == -1 && errno != EEXIST)
			return kiln_err_sys(err, "%s", p);
		if (path[i] == '\0')
			return 0;
		p[i] = '/';
	}
}

/* Folder "f" of the tree: "a/c" from DIR ("a" if "c" is empty). */
static int
folder_set(struct build *b, size_t f, size_t parent, mode_t mode, const char *a,
    const char *c, struct kiln_err *err)
{
	struct folder *d = &b->folders[f];
	const char *slash;
	size_t n = strlen(a) + strlen(c) + 2;

	d->parent = parent;
	d->mode = mode;
	if ((d->rel = malloc(n)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	snprintf(d->rel, n, "%s%s%s", a, c[0] != '\0' ? "/" : "", c);
	slash = strrchr(d->rel, '/');
	d->name = slash != NULL ? slash + 1 : d->rel;
	return 0;
}

/* The folders of the tree, none opened yet. */
static int
folders_new(struct build *b, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = b->m;
	size_t i;

	if ((b->folders = calloc(
	         F_MEMBER(m->n_members), sizeof(*b->folders))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	b->n_folders = F_MEMBER(m->n_members);
	for (i = 0; i < b->n_folders; i++)
		b->folders[i].fd = -1;
	/* The modes folders have always been made with: ca/ 0700. */
	if (folder_set(b, F_ROOT, F_ROOT, 0755, ".", "", err) == -1 ||
	    folder_set(b, F_CA, F_ROOT, 0700, "ca", "", err) == -1 ||
	    folder_set(b, F_CLIENTS, F_ROOT, 0755, "clients", "", err) == -1)
		return -1;
	for (i = 0; i < m->n_members; i++) {
		const char *name = m->members[i].name;

		if (folder_set(b, F_MEMBER(i), F_ROOT, 0755, name, "", err) ==
		        -1 ||
		    folder_set(b, F_SSL(i), F_MEMBER(i), 0755, name, "ssl",
		        err) == -1 ||
		    folder_set(
		        b, F_CFG(i), F_MEMBER(i), 0755, name, "cfg", err) == -1)
			return -1;
	}
	return 0;
}

static void
folders_free(struct build *b)
{
	size_t i;

	for (i = 0; i < b->n_folders; i++) {
		if (b->folders[i].fd != -1)
			close(b->folders[i].fd);
		free(b->folders[i].rel);
	}
	free(b->folders);
	b->folders = NULL;
	b->n_folders = 0;
}

/*
 * Open folder "f" in its parent (which is open) with kiln_dir_open: never
 * through a link.  Without "create", a missing folder is left at -1.
 */
static int
open_folder(struct build *b, size_t f, int create, struct kiln_err *err)
{
	struct folder *d = &b->folders[f];
	int pfd = b->folders[d->parent].fd;
	struct kiln_err e;
	struct stat st;
	size_t n = strlen(d->name);

	kiln_err_clear(&e);
	if ((d->fd = kiln_dir_open(pfd, d->name, create, d->mode, &e)) != -1)
		return 0;
	if (!create && e.code == KILN_EIO && e.sys == ENOENT)
		return 0;
	if (fstatat(pfd, d->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode))
		return kiln_err_set(
		    err, KILN_EINVAL, "%s/%s: not a folder", b->dir, d->rel);
	/* "e" names the folder by its last component: name it from DIR. */
	if (strncmp(e.msg, d->name, n) == 0 && e.msg[n] == ':') {
		char msg[sizeof(e.msg)];

		snprintf(
		    msg, sizeof(msg), "%s/%s%s", b->dir, d->rel, e.msg + n);
		memcpy(e.msg, msg, sizeof(msg));
	}
	return kiln_err_pass(err, &e);
}

/*
 * Open DIR (the user's own path, followed) and every folder below it that
 * exists, each in its parent and never through a link: a link planted for
 * a folder is refused here, naming it, before anything is made or written.
 */
static int
open_tree(struct build *b, struct kiln_err *err)
{
	struct folder *root = &b->folders[F_ROOT];
	size_t i;

	root->fd = open(b->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root->fd == -1) {
		if (errno == ENOENT)
			return 0;
		if (errno == ENOTDIR)
			return kiln_err_set(
			    err, KILN_EINVAL, "%s: not a folder", b->dir);
		return kiln_err_sys(err, "%s", b->dir);
	}
	/* A folder's parent comes before it. */
	for (i = 1; i < b->n_folders; i++)
		if (b->folders[b->folders[i].parent].fd != -1 &&
		    open_folder(b, i, 0, err) == -1)
			return -1;
	return 0;
}

/* Folder "f", made (with its parents) if it is missing. */
static int
need_folder(struct build *b, size_t f, struct kiln_err *err)
{
	struct folder *d = &b->folders[f];

	if (d->fd != -1)
		return 0;
	if (f == F_ROOT) {
		if (make_dirs(b->dir, d->mode, err) == -1)
			return -1;
		d->fd = open(b->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return d->fd == -1 ? kiln_err_sys(err, "%s", b->dir) : 0;
	}
	if (need_folder(b, d->parent, err) == -1)
		return -1;
	return open_folder(b, f, 1, err);
}

/*
 * Read "name" of folder "f" into "out" (empty) and its status into "st";
 * "*present" says whether it was there.  A link, FIFO, device, folder or
 * hard link there is refused, naming it, without blocking.
 */
static int
read_file(const struct build *b, size_t f, const char *name,
    struct kiln_buf *out, struct stat *st, int *present, struct kiln_err *err)
{
	char shown[PATH_MAX];
	struct kiln_err e;

	*present = 0;
	if (b->folders[f].fd == -1)
		return 0;
	if (shown_path(b, f, name, shown, err) == -1)
		return -1;
	kiln_err_clear(&e);
	if (kiln_file_read_at(b->folders[f].fd, name, shown, out, st, &e) ==
	    0) {
		*present = 1;
		return 0;
	}
	if (e.code == KILN_EIO && e.sys == ENOENT)
		return 0;
	return kiln_err_pass(err, &e);
}

/* "name (uid N)", or "uid N", into "out". */
static const char *
user_name(uid_t uid, char *out, size_t size)
{
	struct passwd pw, *found = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 &&
	    found != NULL)
		snprintf(
		    out, size, "%s (uid %lu)", pw.pw_name, (unsigned long)uid);
	else
		snprintf(out, size, "uid %lu", (unsigned long)uid);
	return out;
}

/*
 * A key kiln keeps must be the invoking user's: one that another user
 * owns may have been put there by that user, who knows it.
 */
static int
check_key_owner(const char *shown, const struct stat *st, struct kiln_err *err)
{
	char owner[128], me[128];

	if (st->st_uid == geteuid())
		return 0;
	return kiln_err_set(err, KILN_EINVAL,
	    "%s: owned by %s, not by %s who runs kiln, refused", shown,
	    user_name(st->st_uid, owner, sizeof(owner)),
	    user_name(geteuid(), me, sizeof(me)));
}

/*
 * Stage "name" of folder "f" for the end of the run.  Nothing is written
 * before every certificate and configuration is computed, so a failure on
 * the way leaves the folder as it was; above all, no member's etcd.yml is
 * written unless every member's is.
 */
static int
stage(struct build *b, size_t f, const char *name, const void *data, size_t len,
    mode_t mode, int excl, struct kiln_err *err)
{
	char shown[PATH_MAX];
	struct staged *w;

	if (b->planning)
		return 0;
	if (shown_path(b, f, name, shown, err) == -1)
		return -1;
	if ((w = realloc(b->writes, (b->n_writes + 1) * sizeof(*w))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	b->writes = w;
	w = &b->writes[b->n_writes];
	memset(w, 0, sizeof(*w));
	kiln_buf_init(&w->data);
	w->folder = f;
	w->mode = mode;
	w->excl = excl;
	b->n_writes++; /* freed from here on */
	if ((w->name = strdup(name)) == NULL ||
	    (w->shown = strdup(shown)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return kiln_buf_append(&w->data, data, len, err);
}

static void
staged_free(struct build *b)
{
	size_t i;

	for (i = 0; i < b->n_writes; i++) {
		free(b->writes[i].name);
		free(b->writes[i].shown);
		kiln_buf_free(&b->writes[i].data);
	}
	free(b->writes);
	b->writes = NULL;
	b->n_writes = 0;
}

/*
 * What to do with staged file "w", from what its folder holds now: skip
 * it when the file there holds exactly this with its mode (an unchanged
 * manifest rewrites nothing), note a file that differs only in its mode.
 * Whatever is there must be a plain file kiln may replace: a link, FIFO,
 * device or hard link is refused, naming it.  Nothing is made or written.
 */
static int
decide(const struct build *b, struct staged *w, struct kiln_err *err)
{
	struct kiln_buf old;
	struct stat st;
	int present, rc = -1;

	kiln_buf_init(&old);
	memset(&w->st, 0, sizeof(w->st));
	if (w->excl) {
		/* A new CA key: nothing may be there. */
		if (b->folders[w->folder].fd != -1 &&
		    fstatat(b->folders[w->folder].fd, w->name, &st,
		        AT_SYMLINK_NOFOLLOW) == 0)
			return kiln_err_set(
			    err, KILN_EEXIST, "%s: already exists", w->shown);
		return 0;
	}
	if (read_file(b, w->folder, w->name, &old, &st, &present, err) == -1)
		goto cleanup;
	if (present)
		w->st = st;
	if (present && old.len == w->data.len &&
	    memcmp(old.p, w->data.p, old.len) == 0) {
		w->skip = (st.st_mode & 07777) == w->mode;
		w->reset = !w->skip;
		w->was = st.st_mode & 07777;
	}
	rc = 0;
cleanup:
	kiln_buf_free(&old);
	return rc;
}

/* Note in the result that "w" was rewritten only for its mode. */
static int
note_reset(struct build *b, const struct staged *w, struct kiln_err *err)
{
	struct kiln_etcd_result *r = b->result;
	struct kiln_etcd_reset *v;

	if ((v = realloc(r->reset, (r->n_reset + 1) * sizeof(*v))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	r->reset = v;
	v = &r->reset[r->n_reset];
	if ((v->path = strdup(w->shown)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	v->was = (unsigned int)w->was;
	v->now = (unsigned int)w->mode;
	r->n_reset++;
	return 0;
}

/* Add "path" with "fate" to the result's list of files. */
static int
add_file(struct kiln_etcd_result *r, const char *path, enum kiln_etcd_fate fate,
    unsigned int was, unsigned int now, struct kiln_err *err)
{
	struct kiln_etcd_file *v;

	if ((v = realloc(r->files, (r->n_files + 1) * sizeof(*v))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	r->files = v;
	v = &r->files[r->n_files];
	if ((v->path = strdup(path)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	v->fate = fate;
	v->was = was;
	v->now = now;
	r->n_files++;
	return 0;
}

/* What became of staged file "w", as decided, in the result. */
static int
note_file(struct build *b, const struct staged *w, struct kiln_err *err)
{
	enum kiln_etcd_fate fate;

	if (w->skip)
		fate = KILN_ETCD_KEPT;
	else if (w->reset)
		fate = KILN_ETCD_RESET;
	else if (w->excl || w->st.st_ino == 0)
		fate = KILN_ETCD_NEW;
	else
		fate = KILN_ETCD_CHANGED;
	return add_file(b->result, w->shown, fate, (unsigned int)w->was,
	    (unsigned int)w->mode, err);
}

static int
by_string(const void *a, const void *c)
{
	return strcmp(*(char *const *)a, *(char *const *)c);
}

/*
 * The names in folder "fd" (not "." and "..") into "*out", sorted; each
 * for the caller to free, with the array.
 */
static int
list_folder(int fd, char ***out, size_t *n, struct kiln_err *err)
{
	struct dirent *e;
	DIR *d;
	int dfd;

	*out = NULL;
	*n = 0;
	if ((dfd = dup(fd)) == -1)
		return kiln_err_sys(err, "dup");
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return kiln_err_sys(err, "fdopendir");
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (kiln_strs_push(out, n, e->d_name, err) == -1) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), by_string);
	return 0;
}

/*
 * The files of folder "f" that the run did not write: the regular files
 * named *.pem, which a client, or a member's layout, no longer in the
 * manifest left there.  Left as they are, and listed.
 */
static int
left_in(struct build *b, size_t f, struct kiln_err *err)
{
	char **names = NULL, shown[PATH_MAX];
	size_t i, j, n = 0, len;
	struct stat st;
	int fd = b->folders[f].fd, rc = -1;

	if (fd == -1)
		return 0;
	if (list_folder(fd, &names, &n, err) == -1)
		goto cleanup;
	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		if (len < 5 || strcmp(names[i] + len - 4, ".pem") != 0 ||
		    fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode))
			continue;
		for (j = 0; j < b->n_writes; j++)
			if (b->writes[j].folder == f &&
			    strcmp(b->writes[j].name, names[i]) == 0)
				break;
		if (j < b->n_writes)
			continue;
		if (shown_path(b, f, names[i], shown, err) == -1 ||
		    add_file(b->result, shown, KILN_ETCD_LEFT, 0, 0, err) == -1)
			goto cleanup;
	}
	rc = 0;
cleanup:
	kiln_strs_free(names, n);
	return rc;
}

/* The files left behind in clients/ and in each member's ssl/. */
static int
left_files(struct build *b, struct kiln_err *err)
{
	size_t i;

	for (i = 0; i < b->m->n_members; i++)
		if (left_in(b, F_SSL(i), err) == -1)
			return -1;
	return left_in(b, F_CLIENTS, err);
}

/*
 * Write the staged files: every target checked first, then the missing
 * folders made, then every file as one batch into the folders opened at
 * the start, so that the disk is flushed twice for the whole tree rather
 * than twice per file, and a file that cannot be written leaves none of
 * the others behind.
 */
static int
write_all(struct build *b, struct kiln_err *err)
{
	struct kiln_file_batch batch;
	size_t i;
	int rc = -1;

	kiln_file_batch_init(&batch);
	for (i = 0; i < b->n_writes; i++)
		if (decide(b, &b->writes[i], err) == -1)
			goto cleanup;
	/* A dry run stops here: every decision is taken, nothing made. */
	for (i = 0; i < b->n_writes && !(b->flags & KILN_ETCD_DRY_RUN); i++) {
		struct staged *w = &b->writes[i];

		if (w->skip)
			continue;
		/* The batch borrows the folder: open until it is freed. */
		if (need_folder(b, w->folder, err) == -1 ||
		    kiln_file_batch_add_at(&batch, b->folders[w->folder].fd,
		        w->name, w->shown, w->data.p, w->data.len, w->mode,
		        w->excl ? KILN_WRITE_EXCL : 0, &w->st, err) == -1)
			goto cleanup;
	}
	if (!(b->flags & KILN_ETCD_DRY_RUN) &&
	    kiln_file_batch_commit(&batch, err) == -1)
		goto cleanup;
	for (i = 0; i < b->n_writes; i++)
		if ((b->writes[i].reset &&
		        note_reset(b, &b->writes[i], err) == -1) ||
		    note_file(b, &b->writes[i], err) == -1)
			goto cleanup;
	if (left_files(b, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_file_batch_free(&batch);
	return rc;
}

static void progress(struct build *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
progress(struct build *b, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	b->step++;
	if (b->progress == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	b->progress(b->progress_arg, b->step, b->nsteps, what);
}

/* The CA. */

/*
 * The profiles every leaf is issued under, built in code, and as
 * ca-config.json gives them to the operator.
 */
static const enum kiln_eku both_auths[] = {
    KILN_EKU_SERVER_AUTH, KILN_EKU_CLIENT_AUTH};
static const enum kiln_eku client_auth[] = {KILN_EKU_CLIENT_AUTH};
static const struct {
	const char *name, *usages;
	const enum kiln_eku *eku;
	size_t n_eku;
} leaf_profiles[] = {
    {"server", "\"server auth\", \"client auth\"", both_auths, 2},
    {"peer", "\"server auth\", \"client auth\"", both_auths, 2},
    {"client", "\"client auth\"", client_auth, 1},
};
#define N_PROFILES (sizeof(leaf_profiles) / sizeof(leaf_profiles[0]))

/* The leaf profile "name" (one of leaf_profiles[]). */
static const struct kiln_profile *
leaf_profile(const struct build *b, const char *name)
{
	size_t i;

	for (i = 0; i < N_PROFILES - 1; i++)
		if (strcmp(leaf_profiles[i].name, name) == 0)
			break;
	return &b->profiles[i];
}

/* The signing configuration the leaves are issued under, as text. */
static int
ca_config_text(const struct kiln_etcd_manifest *m, struct kiln_buf *out,
    struct kiln_err *err)
{
	char expiry[32];
	size_t i;

	/* "87600h" as people write it, rather than Go's "87600h0m0s". */
	if (m->expiry % (3600LL * 1000000000) == 0)
		snprintf(expiry, sizeof(expiry), "%lldh",
		    (long long)(m->expiry / (3600LL * 1000000000)));
	else
		kiln_duration_format(m->expiry, expiry, sizeof(expiry));
	kiln_buf_printf(out, err,
	    "{\n    \"signing\": {\n        \"default\": {\n"
	    "            \"expiry\": \"%s\"\n        },\n"
	    "        \"profiles\": {\n",
	    expiry);
	for (i = 0; i < N_PROFILES; i++)
		kiln_buf_printf(out, err,
		    "            \"%s\": {\n"
		    "                \"expiry\": \"%s\",\n"
		    "                \"usages\": [\"signing\", \"key "
		    "encipherment\", %s]\n"
		    "            }%s\n",
		    leaf_profiles[i].name, expiry, leaf_profiles[i].usages,
		    i + 1 < N_PROFILES ? "," : "");
	kiln_buf_printf(out, err, "        }\n    }\n}\n");
	return kiln_buf_terminate(out, err);
}

/* A CA certificate and its key, read ("cert_name", "key_name" shown). */
static int
load_ca(struct build *b, const struct kiln_buf *cert, const char *cert_name,
    const struct kiln_buf *key, const char *key_name, struct kiln_err *err)
{
	if (kiln_signer_open(&b->signer, cert, cert_name, key, key_name,
	        b->m->ca_password, &b->rng, err) == -1 ||
	    kiln_pem_write(&b->ca_pem, "CERTIFICATE", b->signer.ca->crt.raw.p,
	        b->signer.ca->crt.raw.len, err) == -1)
		return -1;
	return 0;
}

/* A new CA from the manifest's "ca" request, written into DIR/ca. */
static int
make_ca(struct build *b, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = b->m;
	struct kiln_signer *sg = &b->signer;
	struct kiln_careq careq = m->ca.ca;
	struct kiln_profile profile;
	struct kiln_buf der, key_pem;
	struct kiln_gen_in in;
	int rc = -1;

	kiln_buf_init(&der);
	kiln_buf_init(&key_pem);
	progress(b, "CA key (%s %d) and certificate",
	    m->ca.key.algo == KILN_KEY_RSA ? "rsa" : "ecdsa", m->ca.key.size);
	careq.expiry = m->ca_expiry;
	kiln_issue_ca_profile(&profile, &careq, NULL);
	memset(&in, 0, sizeof(in));
	in.req = &m->ca; /* no hosts: the manifest's "ca" takes none */
	in.key = &sg->own_key;
	in.flags = KILN_GEN_NEW_KEY;
	if (kiln_gen_cert(
	        &der, NULL, &in, NULL, &profile, &b->rng, b->now, err) == -1 ||
	    kiln_cert_parse(&sg->own_ca, der.p, der.len, err) == -1 ||
	    kiln_pem_write(&b->ca_pem, "CERTIFICATE", der.p, der.len, err) ==
	        -1 ||
	    kiln_key_write_pem(&sg->own_key, &key_pem, err) == -1)
		goto cleanup;
	kiln_signer_use(sg, &sg->own_ca, &sg->own_key);
	/* The key first: a CA certificate without its key is useless. */
	if (stage(b, F_CA, "ca-key.pem", key_pem.p, key_pem.len, 0600, 1,
	        err) == -1 ||
	    stage(b, F_CA, "ca.pem", b->ca_pem.p, b->ca_pem.len, 0644, 0,
	        err) == -1)
		goto cleanup;
	b->result->issued++;
	rc = 0;
cleanup:
	kiln_buf_free(&der);
	kiln_buf_free(&key_pem);
	return rc;
}

/*
 * DIR/ca: reused when it exists (never replaced), else the manifest's
 * existing CA, else a new one.  Then ca-config.json and its profiles.
 * Everything that can fail on bad input is read before the first write.
 * A key in DIR/ca must be the invoking user's, and is staged again with
 * mode 0600, so a wider mode is reset.
 */
static int
setup_ca(struct build *b, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = b->m;
	char cert_path[PATH_MAX], key_path[PATH_MAX];
	const char *key_from = key_path;
	long long leaf_end;
	struct kiln_buf cfg, cert, key;
	struct stat st;
	size_t i;
	int have_cert, have_key, rc = -1;

	kiln_buf_init(&cfg);
	kiln_buf_init(&cert);
	kiln_buf_init(&key);
	if (shown_path(b, F_CA, "ca.pem", cert_path, err) == -1 ||
	    shown_path(b, F_CA, "ca-key.pem", key_path, err) == -1 ||
	    ca_config_text(m, &cfg, err) == -1)
		goto cleanup;
	for (i = 0; i < N_PROFILES; i++)
		kiln_profile_make(&b->profiles[i], m->expiry,
		    KILN_KU_DIGITAL_SIGNATURE | KILN_KU_KEY_ENCIPHERMENT,
		    leaf_profiles[i].eku, leaf_profiles[i].n_eku);
	if (read_file(b, F_CA, "ca-key.pem", &key, &st, &have_key, err) == -1 ||
	    (have_key && check_key_owner(key_path, &st, err) == -1) ||
	    read_file(b, F_CA, "ca.pem", &cert, &st, &have_cert, err) == -1)
		goto cleanup;
	if (have_cert || m->ca_cert_path != NULL) {
		/* An existing CA's key stays where the manifest says it is. */
		if (!have_key && m->ca_key_path != NULL) {
			key_from = m->ca_key_path;
			if (kiln_file_read(key_from, &key, err) == -1)
				goto cleanup;
		} else if (!have_key) {
			errno = ENOENT;
			kiln_err_sys(err, "%s", key_path);
			goto cleanup;
		}
		if (!have_cert &&
		    kiln_file_read(m->ca_cert_path, &cert, err) == -1)
			goto cleanup;
		if (load_ca(b, &cert, have_cert ? cert_path : m->ca_cert_path,
		        &key, key_from, err) == -1)
			goto cleanup;
		/* A CA kiln made counts as kept; one it was given does not. */
		if (have_cert && have_key)
			b->result->kept++;
		if (stage(b, F_CA, "ca.pem", b->ca_pem.p, b->ca_pem.len, 0644,
		        0, err) == -1 ||
		    (have_key && stage(b, F_CA, "ca-key.pem", key.p, key.len,
		                     0600, 0, err) == -1))
			goto cleanup;
	} else if (make_ca(b, err) == -1)
		goto cleanup;
	/*
	 * A leaf stops working when its CA does, whatever its own date:
	 * note a CA that ends before a certificate made now would (its
	 * notAfter as kiln_issue sets it: from now rounded to the minute,
	 * less the backdate).
	 */
	leaf_end = ((long long)b->now + 30) / 60 * 60 -
	           leaf_profile(b, "server")->backdate / 1000000000 +
	           m->expiry / 1000000000;
	b->result->ca_not_after = kiln_cert_not_after(b->signer.ca);
	b->result->ca_ends_first = kiln_cert_outlives(b->signer.ca, leaf_end);
	if (stage(b, F_CA, "ca-config.json", cfg.p, cfg.len, 0644, 0, err) ==
	    -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&cfg);
	kiln_buf_free(&cert);
	kiln_buf_free(&key);
	return rc;
}

/* Leaves. */

/*
 * Whether the certificate "old" (PEM) is still right: it would differ
 * from "fresh" (DER, just issued for the same key) only in its serial
 * number, dates and signature, and it verifies against the CA now.
 */
static int
still_right(const struct kiln_cert *ca, const struct kiln_buf *old,
    const struct kiln_buf *fresh)
{
	struct x509_tbs a, c;
	struct kiln_cert cert;
	struct kiln_err ignored;
	uint32_t flags = 0;
	int right;

	kiln_cert_init(&cert);
	kiln_err_clear(&ignored);
	right = kiln_cert_parse(&cert, old->p, old->len, &ignored) == 0 &&
	        x509_tbs(cert.crt.raw.p, cert.crt.raw.len, &a) == 0 &&
	        x509_tbs(fresh->p, fresh->len, &c) == 0 &&
	        rd_equal(&a.issuer, &c.issuer) &&
	        rd_equal(&a.subject, &c.subject) &&
	        rd_equal(&a.spki, &c.spki) && rd_equal(&a.exts, &c.exts) &&
	        mbedtls_x509_crt_verify(&cert.crt, (mbedtls_x509_crt *)&ca->crt,
	            NULL, NULL, &flags, NULL, NULL) == 0;
	kiln_cert_free(&cert);
	return right;
}

/* What one leaf certificate certifies. */
struct leaf_req {
	const char *what; /* for progress: "etcd-1 server" */
	const char *cn, *o;
	char **hosts;
	size_t n_hosts;
	const char *profile;
	/* Where an existing one is: a folder, the files' names in it. */
	size_t folder;
	const char *cert_name, *key_name;
	const char *cert_path, *key_path; /* as shown */
};

/* An existing leaf's files, read by the first walk. */
struct existing {
	struct kiln_buf key, cert; /* the key is wiped when freed */
	int have_key, have_cert;
};

/*
 * Whether the private key "key" belongs to the certificate "cert" (PEM):
 * 1 if it does, 0 if not, -1 if "cert" is no certificate at all.
 */
static int
key_matches(struct kiln_key *key, const struct kiln_buf *cert)
{
	struct kiln_cert c;
	struct kiln_err ignored;
	int rc = -1;

	kiln_cert_init(&c);
	kiln_err_clear(&ignored);
	if (kiln_cert_parse(&c, cert->p, cert->len, &ignored) == 0)
		rc = kiln_key_check_pair(&c.crt.pk, key, &ignored) == 0;
	kiln_cert_free(&c);
	return rc;
}

/* How the caller's user makes new keys, for a refusal to keep one. */
static const char *
force_hint(const struct build *b)
{
	return b->m->force_hint != NULL ? b->m->force_hint : "make new keys";
}

/*
 * A leaf's key and certificate as PEM in "out": the existing key "ex"
 * read unless -force, which must match the existing certificate when it
 * is one; the existing certificate if still right (then "*kept" is 1),
 * else new ones.  Runs on a pool thread: "b" is only read, and "s" is the
 * thread's own random generator and copy of the CA.
 */
static int
make_leaf(const struct build *b, struct pool_signer *s,
    const struct leaf_req *lr, const struct existing *ex, struct leaf *out,
    int *kept, struct kiln_err *err)
{
	struct kiln_request req = b->m->leaf; /* borrowed, never freed */
	struct kiln_name *names = NULL;
	struct kiln_signer signer;
	struct kiln_gen_in in;
	struct kiln_buf der;
	struct kiln_key key;
	int have_key = 0, rc = -1;

	kiln_buf_init(&der);
	kiln_key_init(&key);
	kiln_signer_init(&signer);
	kiln_signer_use(&signer, s->ca, s->ca_key);
	req.cn = (char *)lr->cn;
	req.hosts = lr->hosts;
	req.n_hosts = lr->n_hosts;
	if (lr->o != NULL) {
		if ((names = calloc(req.n_names + 1, sizeof(*names))) == NULL) {
			kiln_err_set(err, KILN_ENOMEM, "out of memory");
			goto cleanup;
		}
		if (req.n_names > 0)
			memcpy(names, req.names, req.n_names * sizeof(*names));
		names[req.n_names++].o = (char *)lr->o;
		req.names = names;
	}
	if (kiln_gen_check_hosts(&req, err) == -1)
		goto cleanup;
	memset(&in, 0, sizeof(in));
	in.req = &req;
	in.key = &key;
	if (ex->have_key) {
		if (kiln_key_parse(&key, ex->key.p, ex->key.len, s->rng, err) ==
		    -1) {
			kiln_err_prefix(err, "%s (remove it, or %s)",
			    lr->key_path, force_hint(b));
			goto cleanup;
		}
		/*
		 * A key swapped in beside its certificate is not certified:
		 * the operator says which of the two is right.  A file there
		 * that is no certificate is replaced, as before.
		 */
		if (ex->have_cert && key_matches(&key, &ex->cert) == 0) {
			kiln_err_set(err, KILN_EINVAL,
			    "%s: does not match %s, refused (remove both, or "
			    "%s)",
			    lr->key_path, lr->cert_path, force_hint(b));
			goto cleanup;
		}
		if (kiln_buf_append(
		        &out->key_pem, ex->key.p, ex->key.len, err) == -1)
			goto cleanup;
		have_key = 1;
	} else
		in.flags = KILN_GEN_NEW_KEY;
	if (kiln_gen_cert(&der, NULL, &in, &signer,
	        leaf_profile(b, lr->profile), s->rng, b->now, err) == -1 ||
	    (!have_key && kiln_key_write_pem(&key, &out->key_pem, err) == -1))
		goto cleanup;
	if (have_key && ex->have_cert && still_right(s->ca, &ex->cert, &der)) {
		if (kiln_buf_append(
		        &out->cert_pem, ex->cert.p, ex->cert.len, err) == -1)
			goto cleanup;
		*kept = 1;
	} else {
		if (kiln_pem_write(&out->cert_pem, "CERTIFICATE", der.p,
		        der.len, err) == -1)
			goto cleanup;
		*kept = 0;
	}
	rc = 0;
cleanup:
	free(names);
	kiln_buf_free(&der);
	kiln_key_free(&key);
	kiln_signer_free(&signer);
	return rc;
}

/*
 * A leaf of the run: its request, copied by the first walk; what the pool
 * made of it; and whether it was kept, issued, or failed.
 */
struct leaf_job {
	struct leaf_req lr; /* every string owned */
	struct existing ex;
	struct leaf out;
	enum { JOB_NOT_RUN, JOB_ISSUED, JOB_KEPT, JOB_FAILED } state;
	struct kiln_err err;
};

static void
leaf_job_free(struct leaf_job *j)
{
	free((char *)j->lr.what);
	free((char *)j->lr.cn);
	free((char *)j->lr.o);
	free((char *)j->lr.profile);
	free((char *)j->lr.cert_path);
	free((char *)j->lr.key_path);
	kiln_strs_free(j->lr.hosts, j->lr.n_hosts);
	kiln_buf_free(&j->ex.key);
	kiln_buf_free(&j->ex.cert);
	leaf_free(&j->out);
}

/* A copy of "s", or NULL for NULL; "*bad" set when memory runs out. */
static char *
dup_or_null(const char *s, int *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*bad = 1;
	return d;
}

/*
 * The existing key of "lr", unless -force, and the certificate beside it,
 * into "ex": read through their folder, so a link, FIFO, device or hard
 * link there is refused, and the key must be the invoking user's.
 */
static int
read_existing(const struct build *b, const struct leaf_req *lr,
    struct existing *ex, struct kiln_err *err)
{
	struct stat st;

	if (b->flags & KILN_ETCD_FORCE)
		return 0;
	if (read_file(b, lr->folder, lr->key_name, &ex->key, &st, &ex->have_key,
	        err) == -1 ||
	    (ex->have_key && check_key_owner(lr->key_path, &st, err) == -1))
		return -1;
	if (ex->have_key && read_file(b, lr->folder, lr->cert_name, &ex->cert,
	                        &st, &ex->have_cert, err) == -1)
		return -1;
	return 0;
}

/*
 * First walk: note the leaf "lr" for the pool, with what is there now.
 * A refused file stops the walk: the run fails on it before any key is
 * made.
 */
static int
plan_leaf(struct build *b, const struct leaf_req *lr, struct kiln_err *err)
{
	struct leaf_job *j;
	int bad = 0;

	if ((j = realloc(b->jobs, (b->n_jobs + 1) * sizeof(*j))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	b->jobs = j;
	j = &b->jobs[b->n_jobs++];
	memset(j, 0, sizeof(*j));
	kiln_buf_init(&j->ex.key);
	kiln_buf_init(&j->ex.cert);
	leaf_init(&j->out);
	if (read_existing(b, lr, &j->ex, err) == -1)
		return -1;
	j->lr.what = dup_or_null(lr->what, &bad);
	j->lr.cn = dup_or_null(lr->cn, &bad);
	j->lr.o = dup_or_null(lr->o, &bad);
	j->lr.profile = dup_or_null(lr->profile, &bad);
	j->lr.cert_path = dup_or_null(lr->cert_path, &bad);
	j->lr.key_path = dup_or_null(lr->key_path, &bad);
	if (bad || kiln_strs_set(&j->lr.hosts, &j->lr.n_hosts,
	               (const char *const *)lr->hosts, lr->n_hosts, err) == -1)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	return 0;
}

/*
 * Second walk: the next leaf the pool made, which must be "lr".  Its
 * failure is reported here, where a run on one thread met it, so the
 * error is the same as that run's.
 */
static int
take_leaf(struct build *b, const struct leaf_req *lr, struct leaf *out,
    struct kiln_err *err)
{
	struct leaf_job *j;

	if (b->next_job >= b->n_jobs) {
		/* The first walk stopped before this leaf and the second did
		 * not: memory ran out the first time. */
		if (b->plan_err.code == KILN_OK)
			return kiln_err_set(err, KILN_EINVAL,
			    "%s: internal error: leaf not planned", lr->what);
		return kiln_err_pass(err, &b->plan_err);
	}
	j = &b->jobs[b->next_job++];
	if (strcmp(j->lr.cert_path, lr->cert_path) != 0 ||
	    j->state == JOB_NOT_RUN)
		return kiln_err_set(err, KILN_EINVAL,
		    "%s: internal error: leaves out of step", lr->what);
	if (j->state == JOB_FAILED)
		return kiln_err_pass(err, &j->err);
	*out = j->out;
	leaf_init(&j->out); /* the PEM is owned by "out" now */
	if (j->state == JOB_KEPT)
		b->result->kept++;
	else
		b->result->issued++;
	return 0;
}

/* A leaf's key and certificate: planned in the first walk, then taken. */
static int
issue_leaf(struct build *b, const struct leaf_req *lr, struct leaf *out,
    struct kiln_err *err)
{
	return b->planning ? plan_leaf(b, lr, err) : take_leaf(b, lr, out, err);
}

/* The pool's job "i", on worker "w". */
static int
run_leaf(void *arg, unsigned int w, size_t i, struct kiln_err *err)
{
	struct build *b = arg;
	struct leaf_job *j = &b->jobs[i];
	int kept = 0;

	kiln_err_clear(&j->err);
	if (make_leaf(b, &b->signers[w], &j->lr, &j->ex, &j->out, &kept,
	        &j->err) == -1) {
		j->state = JOB_FAILED;
		*err = j->err;
		return -1;
	}
	j->state = kept ? JOB_KEPT : JOB_ISSUED;
	return 0;
}

/* Progress, as each leaf is handed out: in order, one at a time. */
static void
start_leaf(void *arg, size_t i)
{
	struct build *b = arg;

	progress(b, "%s", b->jobs[i].lr.what);
}

/*
 * Make the planned leaves on the pool.  A leaf's failure is left in its
 * job for the second walk; only a failure to set the pool up is
 * returned (the pool hands job 0 out first: if it did not run, no job
 * did).
 */
static int
make_leaves(struct build *b, struct kiln_err *err)
{
	struct kiln_err first;
	unsigned int threads;
	int rc = -1;

	if (b->n_jobs == 0)
		return 0;
	threads = pool_threads(b->n_jobs, b->threads);
	if ((b->signers = pool_signers_new(threads, &b->rng, b->signer.ca,
	         b->signer.key, "kiln etcd", err)) == NULL)
		goto cleanup;
	kiln_err_clear(&first);
	if (pool_run(b->n_jobs, threads, run_leaf, start_leaf, b, &first) ==
	        -1 &&
	    b->jobs[0].state == JOB_NOT_RUN) {
		kiln_err_pass(err, &first);
		goto cleanup;
	}
	rc = 0;
cleanup:
	pool_signers_free(b->signers, threads);
	b->signers = NULL;
	return rc;
}

/* Append "s" to a host list unless it is there already. */
static int
add_host(char ***v, size_t *n, const char *s, struct kiln_err *err)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return 0;
	return kiln_strs_push(v, n, s, err);
}

/*
 * A member's SANs: its IP, its name, for the server certificate
 * 127.0.0.1 and localhost, then its extra hosts.
 */
static int
member_hosts(const struct kiln_etcd_member *mb, int server, char ***v,
    size_t *n, struct kiln_err *err)
{
	size_t i;

	if (add_host(v, n, mb->ip, err) == -1 ||
	    add_host(v, n, mb->name, err) == -1 ||
	    (server && (add_host(v, n, "127.0.0.1", err) == -1 ||
	                   add_host(v, n, "localhost", err) == -1)))
		return -1;
	for (i = 0; i < mb->n_hosts; i++)
		if (add_host(v, n, mb->hosts[i], err) == -1)
			return -1;
	return 0;
}

/* A leaf's two files in a folder: "base".pem and "base"-key.pem. */
struct leaf_files {
	size_t folder;
	char cert_name[NAME_MAX + 1], key_name[NAME_MAX + 1];
	char cert_path[PATH_MAX], key_path[PATH_MAX]; /* as shown */
};

static int
leaf_files(const struct build *b, size_t f, const char *base,
    struct leaf_files *lf, struct kiln_err *err)
{
	int n = snprintf(lf->cert_name, sizeof(lf->cert_name), "%s.pem", base),
	    k = snprintf(
	        lf->key_name, sizeof(lf->key_name), "%s-key.pem", base);

	lf->folder = f;
	if (n < 0 || (size_t)n >= sizeof(lf->cert_name) || k < 0 ||
	    (size_t)k >= sizeof(lf->key_name))
		return kiln_err_set(err, KILN_EINVAL,
		    "%s/%s/%.40s...-key.pem: file name too long", b->dir,
		    b->folders[f].rel, base);
	if (shown_path(b, f, lf->cert_name, lf->cert_path, err) == -1 ||
	    shown_path(b, f, lf->key_name, lf->key_path, err) == -1)
		return -1;
	return 0;
}

/* Where "lr" looks for an existing leaf: "lf". */
static void
leaf_req_at(struct leaf_req *lr, const struct leaf_files *lf)
{
	lr->folder = lf->folder;
	lr->cert_name = lf->cert_name;
	lr->key_name = lf->key_name;
	lr->cert_path = lf->cert_path;
	lr->key_path = lf->key_path;
}

/* Stage a leaf's certificate and key as the files "lf". */
static int
stage_leaf(struct build *b, const struct leaf_files *lf, const struct leaf *l,
    struct kiln_err *err)
{
	if (stage(b, lf->folder, lf->key_name, l->key_pem.p, l->key_pem.len,
	        0600, 0, err) == -1)
		return -1;
	return stage(b, lf->folder, lf->cert_name, l->cert_pem.p,
	    l->cert_pem.len, 0644, 0, err);
}

/* Configuration. */

void
kiln_etcd_url(char *out, size_t size, const char *ip, int port)
{
	snprintf(out, size,
	    strchr(ip, ':') != NULL ? "https://[%s]:%d" : "https://%s:%d", ip,
	    port);
}

/* The line of "text" that starts with "key", without its newline. */
static int
find_line(const char *text, const char *key, char *out, size_t size)
{
	const char *p = text, *e;

	for (; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, key, strlen(key)) == 0) {
			e = strchr(p, '\n');
			if (e == NULL)
				e = p + strlen(p);
			if ((size_t)(e - p) >= size)
				return -1;
			snprintf(out, size, "%.*s", (int)(e - p), p);
			return 0;
		}
	return -1;
}

/*
 * etcd.yml for member "i".  An existing member keeps the initial-cluster
 * lines it was started with (etcd reads them only at bootstrap), so an
 * unchanged manifest rewrites nothing and a new member changes nothing
 * for the others.
 */
static int
etcd_yml(struct build *b, size_t i, struct kiln_err *caller)
{
	const struct kiln_etcd_manifest *m = b->m;
	const struct kiln_etcd_member *mb = &m->members[i];
	const struct kiln_etcd_settings *s = &m->etcd;
	const char *server = m->layout == KILN_ETCD_SHARED ? "etcd" : "server",
	           *peer = m->layout == KILN_ETCD_SHARED ? "etcd" : "peer";
	const struct kiln_buf *old = &b->old_yml[i];
	const int *had_yml = b->had_yml;
	char peer_url[128], client_url[128], cluster[8192], state[64];
	struct kiln_err yerr, *err = &yerr; /* the appends go on: sticky */
	struct kiln_buf y;
	size_t j, len = 0;
	int rc = -1, n, first;

	if (b->planning)
		return 0;
	kiln_err_clear(&yerr);
	kiln_buf_init(&y);
	kiln_etcd_url(peer_url, sizeof(peer_url), mb->ip, s->peer_port);
	kiln_etcd_url(client_url, sizeof(client_url), mb->ip, s->client_port);
	if (had_yml[i] &&
	    find_line((char *)old->p, "initial-cluster: ", cluster,
	        sizeof(cluster)) == 0 &&
	    find_line((char *)old->p, "initial-cluster-state: ", state,
	        sizeof(state)) == 0) {
		/* kept as they are */
	} else {
		len = (size_t)snprintf(
		    cluster, sizeof(cluster), "initial-cluster: '");
		for (j = 0, first = 1; j < m->n_members; j++) {
			/* A member new to a running cluster: those before it.
			 */
			if (b->existing_cluster && !had_yml[j] && j > i)
				continue;
			kiln_etcd_url(peer_url, sizeof(peer_url),
			    m->members[j].ip, s->peer_port);
			n = snprintf(cluster + len, sizeof(cluster) - len,
			    "%s%s=%s", first ? "" : ",", m->members[j].name,
			    peer_url);
			first = 0;
			if (n < 0 || (size_t)n >= sizeof(cluster) - len - 1) {
				kiln_err_set(err, KILN_EINVAL,
				    "members: initial-cluster too long");
				goto cleanup;
			}
			len += (size_t)n;
		}
		snprintf(cluster + len, sizeof(cluster) - len, "'");
		snprintf(state, sizeof(state), "initial-cluster-state: '%s'",
		    b->existing_cluster ? "existing" : "new");
		kiln_etcd_url(peer_url, sizeof(peer_url), mb->ip, s->peer_port);
	}
	kiln_buf_printf(&y, err,
	    "# etcd configuration of member %s, written by kiln etcd.\n"
	    "name: '%s'\n"
	    "data-dir: '%s/data'\n"
	    "wal-dir: '%s/wal'\n"
	    "snapshot-count: %ld\n"
	    "heartbeat-interval: %ld\n"
	    "election-timeout: %ld\n"
	    "quota-backend-bytes: %lld\n",
	    mb->name, mb->name, m->prefix, m->prefix, s->snapshot_count,
	    s->heartbeat_interval, s->election_timeout, s->quota_backend_bytes);
	kiln_buf_printf(&y, err,
	    "listen-peer-urls: '%s'\n"
	    "listen-client-urls: '%s'\n"
	    "max-snapshots: %ld\n"
	    "max-wals: %ld\n"
	    "initial-advertise-peer-urls: '%s'\n"
	    "advertise-client-urls: '%s'\n",
	    peer_url, client_url, s->max_snapshots, s->max_wals, peer_url,
	    client_url);
	kiln_buf_append(&y, cluster, strlen(cluster), err);
	kiln_buf_printf(&y, err, "\ninitial-cluster-token: '%s'\n%s\n",
	    m->cluster_token, state);
	kiln_buf_printf(&y, err,
	    "client-transport-security:\n"
	    "  cert-file: '%s/ssl/%s.pem'\n"
	    "  key-file: '%s/ssl/%s-key.pem'\n"
	    "  client-cert-auth: true\n"
	    "  trusted-ca-file: '%s/ssl/ca.pem'\n"
	    "  auto-tls: false\n",
	    m->prefix, server, m->prefix, server, m->prefix);
	kiln_buf_printf(&y, err,
	    "peer-transport-security:\n"
	    "  cert-file: '%s/ssl/%s.pem'\n"
	    "  key-file: '%s/ssl/%s-key.pem'\n"
	    "  client-cert-auth: true\n"
	    "  trusted-ca-file: '%s/ssl/ca.pem'\n"
	    "  auto-tls: false\n",
	    m->prefix, peer, m->prefix, peer, m->prefix);
	kiln_buf_printf(&y, err,
	    "log-level: '%s'\n"
	    "logger: 'zap'\n"
	    "log-outputs: [stderr]\n"
	    "auto-compaction-mode: '%s'\n"
	    "auto-compaction-retention: '%s'\n",
	    s->log_level, s->auto_compaction_mode,
	    s->auto_compaction_retention);
	if (yerr.code != KILN_OK ||
	    stage(b, F_CFG(i), "etcd.yml", y.p, y.len, 0644, 0, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_buf_free(&y);
	kiln_err_pass(caller, &yerr);
	return rc;
}

/* The guide's systemd unit. */
static int
etcd_service(struct build *b, size_t i, struct kiln_err *err)
{
	struct kiln_buf u;
	int rc;

	if (b->planning)
		return 0;
	kiln_buf_init(&u);
	rc = kiln_buf_printf(&u, err,
	    "[Unit]\n"
	    "Description=Etcd Server\n"
	    "After=network.target\n"
	    "After=network-online.target\n"
	    "Wants=network-online.target\n"
	    "\n"
	    "[Service]\n"
	    "Type=notify\n"
	    "ExecStart=%s/bin/etcd --config-file %s/cfg/etcd.yml\n"
	    "Restart=on-failure\n"
	    "LimitNOFILE=65536\n"
	    "\n"
	    "[Install]\n"
	    "WantedBy=multi-user.target\n",
	    b->m->prefix, b->m->prefix);
	if (rc == 0)
		rc = stage(
		    b, F_MEMBER(i), "etcd.service", u.p, u.len, 0644, 0, err);
	kiln_buf_free(&u);
	return rc;
}

/* Members and clients. */

static int
member(
    struct build *b, size_t i, const struct leaf *shared, struct kiln_err *err)
{
	const struct kiln_etcd_member *mb = &b->m->members[i];
	struct leaf_files lf;
	char what[128];
	struct leaf_req lr;
	struct leaf server, peer;
	int rc = -1, k;

	leaf_init(&server);
	leaf_init(&peer);
	memset(&lr, 0, sizeof(lr));
	if (stage(b, F_SSL(i), "ca.pem", b->ca_pem.p, b->ca_pem.len, 0644, 0,
	        err) == -1)
		goto cleanup;
	if (shared != NULL) {
		if (leaf_files(b, F_SSL(i), "etcd", &lf, err) == -1 ||
		    stage_leaf(b, &lf, shared, err) == -1)
			goto cleanup;
	} else {
		for (k = 0; k < 2; k++) {
			const char *role = k == 0 ? "server" : "peer";

			kiln_strs_free(lr.hosts, lr.n_hosts);
			lr.hosts = NULL;
			lr.n_hosts = 0;
			snprintf(what, sizeof(what), "%s %s certificate",
			    mb->name, role);
			if (leaf_files(b, F_SSL(i), role, &lf, err) == -1)
				goto cleanup;
			lr.what = what;
			lr.cn = mb->name;
			lr.profile = role;
			leaf_req_at(&lr, &lf);
			if (member_hosts(mb, k == 0, &lr.hosts, &lr.n_hosts,
			        err) == -1 ||
			    issue_leaf(b, &lr, k == 0 ? &server : &peer, err) ==
			        -1 ||
			    stage_leaf(b, &lf, k == 0 ? &server : &peer, err) ==
			        -1)
				goto cleanup;
		}
	}
	if (etcd_yml(b, i, err) == -1 || etcd_service(b, i, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	kiln_strs_free(lr.hosts, lr.n_hosts);
	leaf_free(&server);
	leaf_free(&peer);
	return rc;
}

/* Whether anything (a link too) is at "name" in folder "f". */
static int
something_at(const struct build *b, size_t f, const char *name)
{
	struct stat st;

	return b->folders[f].fd != -1 &&
	       fstatat(b->folders[f].fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * The shared layout's one certificate: every member's IP and name,
 * 127.0.0.1, localhost and every extra host.  An existing one is looked
 * for in the members' folders, in order: the first that has both files
 * (whatever they are: a link there is refused when read).
 */
static int
shared_leaf(struct build *b, struct leaf *out, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = b->m;
	struct leaf_files lf;
	struct leaf_req lr;
	size_t i, j;
	int rc = -1;

	memset(&lr, 0, sizeof(lr));
	for (i = 0; i < m->n_members; i++)
		if (add_host(&lr.hosts, &lr.n_hosts, m->members[i].ip, err) ==
		    -1)
			goto cleanup;
	for (i = 0; i < m->n_members; i++)
		if (add_host(&lr.hosts, &lr.n_hosts, m->members[i].name, err) ==
		    -1)
			goto cleanup;
	if (add_host(&lr.hosts, &lr.n_hosts, "127.0.0.1", err) == -1 ||
	    add_host(&lr.hosts, &lr.n_hosts, "localhost", err) == -1)
		goto cleanup;
	for (i = 0; i < m->n_members; i++)
		for (j = 0; j < m->members[i].n_hosts; j++)
			if (add_host(&lr.hosts, &lr.n_hosts,
			        m->members[i].hosts[j], err) == -1)
				goto cleanup;
	for (i = 0; i < m->n_members; i++)
		if (something_at(b, F_SSL(i), "etcd.pem") &&
		    something_at(b, F_SSL(i), "etcd-key.pem"))
			break;
	/* None has both: the last member's key, if it has one, as before. */
	if (leaf_files(b, F_SSL(i < m->n_members ? i : m->n_members - 1),
	        "etcd", &lf, err) == -1)
		goto cleanup;
	lr.what = "shared etcd certificate";
	lr.cn = "etcd";
	lr.profile = "server";
	leaf_req_at(&lr, &lf);
	rc = issue_leaf(b, &lr, out, err);
cleanup:
	kiln_strs_free(lr.hosts, lr.n_hosts);
	return rc;
}

static int
clients(struct build *b, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = b->m;
	struct leaf_files lf;
	char what[300];
	struct leaf_req lr;
	struct leaf l;
	size_t i;
	int rc = 0;

	for (i = 0; i < m->n_clients && rc == 0; i++) {
		memset(&lr, 0, sizeof(lr));
		leaf_init(&l);
		snprintf(what, sizeof(what), "client %s", m->clients[i].cn);
		if (leaf_files(b, F_CLIENTS, m->clients[i].cn, &lf, err) ==
		    -1) {
			rc = -1;
			leaf_free(&l);
			break;
		}
		lr.what = what;
		lr.cn = m->clients[i].cn;
		lr.o = m->clients[i].o;
		lr.profile = "client";
		leaf_req_at(&lr, &lf);
		if (issue_leaf(b, &lr, &l, err) == -1 ||
		    stage_leaf(b, &lf, &l, err) == -1)
			rc = -1;
		leaf_free(&l);
	}
	return rc;
}

/*
 * The members and clients, in order: a leaf's certificate, then the
 * files that follow it.  Walked twice (see struct build).
 */
static int
walk(struct build *b, struct leaf *shared, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = b->m;
	size_t i;

	if (m->layout == KILN_ETCD_SHARED && shared_leaf(b, shared, err) == -1)
		return -1;
	for (i = 0; i < m->n_members; i++) {
		if (member(b, i, m->layout == KILN_ETCD_SHARED ? shared : NULL,
		        err) == -1)
			return -1;
		if (!b->planning && b->existing_cluster && !b->had_yml[i])
			b->result->added[b->result->n_added++] = i;
	}
	return clients(b, err);
}

/*
 * Whether the regular file "name" is in folder "rel" (a path without
 * links) of folder "at".  Nothing is opened but folders.
 */
static int
file_in(int at, const char *rel, const char *name)
{
	struct kiln_err ignored;
	struct stat st;
	int fd, found;

	kiln_err_clear(&ignored);
	if ((fd = kiln_dir_open(at, rel, 0, 0, &ignored)) == -1)
		return 0;
	found = fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	        S_ISREG(st.st_mode);
	close(fd);
	return found;
}

/*
 * The folders of DIR that kiln made for a member the manifest no longer
 * has: a folder (not a link) holding cfg/etcd.yml, other than ca/,
 * clients/ and the members'.  They are left as they are, and reported.
 */
static int
find_gone(struct build *b, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = b->m;
	struct kiln_etcd_result *r = b->result;
	struct kiln_etcd_gone *g;
	char **names = NULL, shown[PATH_MAX];
	size_t i, j, n = 0;
	struct stat st;
	int fd = b->folders[F_ROOT].fd, rc = -1;

	if (fd == -1)
		return 0;
	if (list_folder(fd, &names, &n, err) == -1)
		goto cleanup;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "ca") == 0 ||
		    strcmp(names[i], "clients") == 0)
			continue;
		for (j = 0; j < m->n_members; j++)
			if (strcmp(m->members[j].name, names[i]) == 0)
				break;
		if (j < m->n_members ||
		    fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISDIR(st.st_mode))
			continue;
		snprintf(shown, sizeof(shown), "%s/cfg", names[i]);
		if (!file_in(fd, shown, "etcd.yml"))
			continue;
		if ((g = realloc(r->gone, (r->n_gone + 1) * sizeof(*g))) ==
		    NULL) {
			kiln_err_set(err, KILN_ENOMEM, "out of memory");
			goto cleanup;
		}
		r->gone = g;
		g = &r->gone[r->n_gone];
		memset(g, 0, sizeof(*g));
		r->n_gone++;
		snprintf(shown, sizeof(shown), "%s/ssl", names[i]);
		g->has_keys = file_in(fd, shown, "server-key.pem") ||
		              file_in(fd, shown, "peer-key.pem") ||
		              file_in(fd, shown, "etcd-key.pem");
		if ((g->name = strdup(names[i])) == NULL ||
		    shown_path(b, F_ROOT, names[i], shown, err) == -1 ||
		    (g->path = strdup(shown)) == NULL) {
			/* shown_path's error, if it failed, comes first. */
			kiln_err_set(err, KILN_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	rc = 0;
cleanup:
	kiln_strs_free(names, n);
	return rc;
}

/*
 * A member whose etcd.yml advertised another peer URL: the cluster
 * knows it by that URL until `etcdctl member update` says otherwise.
 */
static int
find_moved(struct build *b, size_t i, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = b->m;
	struct kiln_etcd_result *r = b->result;
	static const char key[] = "initial-advertise-peer-urls: '";
	struct kiln_etcd_moved *v;
	char line[256], url[128];
	size_t len;

	if (!b->had_yml[i] ||
	    find_line((char *)b->old_yml[i].p, key, line, sizeof(line)) == -1)
		return 0;
	len = strlen(line);
	if (len < sizeof(key) || line[len - 1] != '\'')
		return 0;
	line[len - 1] = '\0';
	kiln_etcd_url(url, sizeof(url), m->members[i].ip, m->etcd.peer_port);
	if (strcmp(line + sizeof(key) - 1, url) == 0)
		return 0;
	if ((v = realloc(r->moved, (r->n_moved + 1) * sizeof(*v))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	r->moved = v;
	v = &r->moved[r->n_moved];
	v->member = i;
	if ((v->old_url = strdup(line + sizeof(key) - 1)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	r->n_moved++;
	return 0;
}

/*
 * What was there before this run decides what is new: DIR/ca/ca.pem and
 * each member's cfg/etcd.yml, read through the folders opened at the
 * start.
 */
static int
survey(struct build *b, int *ca_existed, struct kiln_err *err)
{
	const struct kiln_etcd_manifest *m = b->m;
	struct stat st;
	size_t i;

	if ((b->had_yml = calloc(m->n_members, sizeof(*b->had_yml))) == NULL ||
	    (b->old_yml = calloc(m->n_members, sizeof(*b->old_yml))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	if (folders_new(b, err) == -1 || open_tree(b, err) == -1)
		return -1;
	*ca_existed = something_at(b, F_CA, "ca.pem");
	for (i = 0; i < m->n_members; i++) {
		kiln_buf_init(&b->old_yml[i]);
		if (read_file(b, F_CFG(i), "etcd.yml", &b->old_yml[i], &st,
		        &b->had_yml[i], err) == -1 ||
		    find_moved(b, i, err) == -1)
			return -1;
		b->existing_cluster |= *ca_existed && b->had_yml[i];
	}
	return find_gone(b, err);
}

int
kiln_etcd_build(const struct kiln_etcd_manifest *m, const char *dir,
    unsigned int flags, kiln_etcd_progress *progress_cb, void *arg,
    struct kiln_etcd_result *result, struct kiln_err *err)
{
	return kiln_etcd_build_threads(
	    m, dir, flags, 0, progress_cb, arg, result, err);
}

int
kiln_etcd_build_threads(const struct kiln_etcd_manifest *m, const char *dir,
    unsigned int flags, unsigned int threads, kiln_etcd_progress *progress_cb,
    void *arg, struct kiln_etcd_result *result, struct kiln_err *err)
{
	struct build b;
	struct leaf shared;
	int ca_existed = 0, rc = -1;
	size_t i;

	memset(&b, 0, sizeof(b));
	b.m = m;
	b.dir = dir;
	b.flags = flags;
	b.threads = threads;
	b.progress = progress_cb;
	b.progress_arg = arg;
	b.result = result;
	b.now = time(NULL);
	kiln_rng_init(&b.rng);
	kiln_signer_init(&b.signer);
	kiln_buf_init(&b.ca_pem);
	leaf_init(&shared);
	kiln_etcd_result_free(result); /* a reused result starts over */
	if ((result->added = calloc(m->n_members, sizeof(size_t))) == NULL) {
		kiln_err_set(err, KILN_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (survey(&b, &ca_existed, err) == -1)
		goto cleanup;
	b.nsteps = (ca_existed || m->ca_cert_path != NULL ? 0 : 1) +
	           (m->layout == KILN_ETCD_SHARED ? 1 : 2 * m->n_members) +
	           m->n_clients;
	if (kiln_rng_seed(&b.rng, "kiln etcd", err) == -1 ||
	    setup_ca(&b, err) == -1)
		goto cleanup;
	/*
	 * The first walk reads what each leaf has now; a file it refuses
	 * (a link, a FIFO, a key another user owns) ends the run before any
	 * key is made.
	 */
	b.planning = 1;
	kiln_err_clear(&b.plan_err);
	if (walk(&b, &shared, &b.plan_err) == -1) {
		kiln_err_pass(err, &b.plan_err);
		goto cleanup;
	}
	b.planning = 0;
	if (make_leaves(&b, err) == -1 || walk(&b, &shared, err) == -1 ||
	    write_all(&b, err) == -1)
		goto cleanup;
	rc = 0;
cleanup:
	staged_free(&b);
	for (i = 0; i < b.n_jobs; i++)
		leaf_job_free(&b.jobs[i]);
	free(b.jobs);
	for (i = 0; b.old_yml != NULL && i < m->n_members; i++)
		kiln_buf_free(&b.old_yml[i]);
	free(b.old_yml);
	free(b.had_yml);
	folders_free(&b);
	leaf_free(&shared);
	kiln_rng_free(&b.rng);
	kiln_signer_free(&b.signer);
	kiln_buf_free(&b.ca_pem);
	return rc;
}
