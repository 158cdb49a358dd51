/*
 * A tree of files planned as data and written as one batch: the folders
 * of an output tree (opened once, each in its parent, never through a
 * link), every file a run makes with what it is and what becomes of it
 * (new, changed, kept, mode reset), the files a run no longer makes
 * (left behind), and the one batch that writes them.  Shared by the
 * manifest kinds (kiln etcd; a Kubernetes PKI would add only its plan
 * builder and templates).  Private to libkiln.
 */
#ifndef KILN_TREE_H
#define KILN_TREE_H

#include <stddef.h>
#include <sys/stat.h>

#include "kiln/buf.h"
#include "kiln/err.h"

/* A folder of the tree: the tree's folder itself (index 0) and below. */
struct tree_folder {
	char *rel;        /* from DIR: "etcd-1/ssl"; "." for DIR */
	const char *name; /* its last component, in "rel" */
	size_t parent;    /* the folder it is in */
	mode_t mode;      /* made with this when missing */
	int fd;           /* -1 while missing */
};

/* What a file of the plan is, and where its bytes come from. */
enum tree_kind {
	TREE_CA_KEY,    /* the CA's key (data) */
	TREE_CA_CERT,   /* the CA's certificate (data) */
	TREE_CA_COPY,   /* a copy of the CA's certificate (data) */
	TREE_LEAF_KEY,  /* a leaf's key: from the issued leaf "arg" */
	TREE_LEAF_CERT, /* a leaf's certificate: from the issued leaf "arg" */
	TREE_TEMPLATE,  /* rendered by the plan's owner: template "tmpl" */
	TREE_GONE,      /* a file to remove (tree_remove) */
	TREE_GONE_DIR   /* a folder to remove when empty (tree_remove_dir) */
};

/* What the run does (or, dry, would do) to a planned file. */
enum tree_fate {
	TREE_NEW,     /* written where nothing was */
	TREE_CHANGED, /* written over a file that held something else */
	TREE_KEPT,    /* it holds exactly this already: untouched */
	TREE_RESET,   /* rewritten with the same bytes, for its mode */
	TREE_REMOVED, /* TREE_GONE*: removed */
	TREE_ABSENT   /* TREE_GONE*: nothing there (or a folder not
	                 empty): nothing done, nothing reported */
};

/* A file of the plan. */
struct tree_file {
	size_t folder;
	char *name, *shown; /* in the folder; as messages show it */
	enum tree_kind kind;
	int tmpl;             /* TREE_TEMPLATE: the owner's template */
	size_t arg;           /* the leaf, or the template's argument */
	struct kiln_buf data; /* may hold a key: wiped when freed */
	mode_t mode;
	int excl; /* a new CA key: nothing may be there */
	/* Decided by tree_decide(): */
	enum tree_fate fate;
	mode_t was;     /* its mode before */
	struct stat st; /* what is there (st_ino 0: nothing), to replace */
};

struct tree {
	const char *dir; /* as the caller names it, borrowed */
	struct tree_folder *folders;
	size_t n_folders;
	struct tree_file *files; /* in the order they are written */
	size_t n_files;
};

/* An empty tree for folder "dir" (borrowed); cannot fail. */
void tree_init(struct tree *, const char *);
/* Close its folders, wipe and free its files. */
void tree_free(struct tree *);

/*
 * Add a folder "a/c" from DIR ("a" if "c" is empty; "." with "c" empty
 * is DIR itself, which must come first) in folder "parent", made with
 * "mode" when missing.  Its index is the count before the call.
 * Returns 0 or -1.
 */
int tree_folder(struct tree *, size_t, mode_t, const char *, const char *,
    struct kiln_err *);

/*
 * Open DIR (the user's own path, followed) and every folder added below
 * it that exists, each in its parent and never through a link: a link
 * planted for a folder is refused, naming it.  A missing DIR is no
 * error.  Returns 0 or -1.
 */
int tree_open(struct tree *, struct kiln_err *);

/*
 * Folder "f" open, made first (with its missing parents, each with its
 * own mode) if it is missing: for tree_write.  Returns 0 or -1.
 */
int tree_need_folder(struct tree *, size_t, struct kiln_err *);

/*
 * "DIR/REL/name" as messages show it (the folder's own with an empty
 * "name") into "out" (PATH_MAX bytes).  Returns 0 or -1.
 */
int tree_shown(
    const struct tree *, size_t, const char *, char *, struct kiln_err *);

/*
 * Read "name" of folder "f" into "out" (empty) and its status into "st";
 * "*present" says whether it was there.  A link, FIFO, device, folder or
 * hard link there is refused, naming it, without blocking.  Returns 0 or
 * -1.
 */
int tree_read(const struct tree *, size_t, const char *, struct kiln_buf *,
    struct stat *, int *, struct kiln_err *);

/* Whether anything (a link too) is at "name" in folder "f". */
int tree_exists(const struct tree *, size_t, const char *);

/*
 * A key kiln keeps must be the invoking user's: one another user owns
 * (its status "st", shown as "shown") is refused.  Returns 0 or -1.
 */
int tree_key_owner(const char *, const struct stat *, struct kiln_err *);

/* What tree_list lists (links are never followed). */
#define TREE_FILES 0   /* regular files */
#define TREE_FOLDERS 1 /* folders */
#define TREE_ANY 2     /* anything: a link, a FIFO too */

/*
 * The names in the open folder "fd" of the given type (TREE_FILES or
 * TREE_FOLDERS) ending in "suffix" ("" for any), sorted,
 * into "*out": each for the caller to free, with the array
 * (kiln_strs_free).  Returns 0 or -1.
 */
int tree_list(int, int, const char *, char ***, size_t *, struct kiln_err *);

/*
 * Whether folder "rel" of the open folder "at" (reached without a link
 * anywhere; "" or "." for "at" itself) holds a regular file "name" (not
 * a link).  Nothing is opened but folders; any failure is a no.
 */
int tree_file_in(int, const char *, const char *);

/*
 * The folders of the open folder "fd" (none a link) that hold the
 * regular file "sub/marker" (tree_file_in), but those named in "skip"
 * (NULL-terminated, or NULL), sorted, into "*out" (kiln_strs_free): the
 * members or nodes a kind of tree keeps, found from the tree itself.
 * Returns 0 or -1.
 */
int tree_marked(int, const char *, const char *, const char *const *,
    char ***, size_t *, struct kiln_err *);

/*
 * Add a file "name" to folder "f" of the plan, of kind "kind", written
 * with "mode"; its bytes ("data", "len"; NULL for the leaf and template
 * kinds, filled before tree_decide) are copied.  Returns the file (valid
 * until the next call), or NULL with "err" filled.
 */
struct tree_file *tree_add(struct tree *, size_t, const char *, enum tree_kind,
    const void *, size_t, mode_t, struct kiln_err *);

/*
 * Decide each file from what its folder holds now: kept when the file
 * there holds exactly these bytes with this mode, reset when only its
 * mode differs, else new or changed.  Whatever is there must be a plain
 * file kiln may replace (a link, FIFO, device or hard link is refused,
 * naming it); where an exclusive file goes nothing may be.  Nothing is
 * made or written.  Returns 0 or -1.
 */
int tree_decide(struct tree *, struct kiln_err *);

/*
 * Write every file not kept as one batch: the missing folders made, each
 * file through its folder's descriptor, replacing only the inode
 * tree_decide saw (or nothing), so the disk is flushed twice for the
 * whole tree and a file that cannot be written leaves none of the others
 * behind.  The planned removals come before the batch: every name
 * checked first (still the inode tree_decide read, regular, one link;
 * else a refusal naming it, and nothing removed or written), then each
 * removed, then the folders; a run stopped among them leaves the state
 * file (written last, in the batch) as it was, and is run again.
 * Returns 0 or -1.
 */
int tree_write(struct tree *, struct kiln_err *);

/*
 * The regular files named *"suffix" in folder "f" that the plan does not
 * make, as shown ("DIR/REL/name"), sorted, appended to "*out" (for the
 * caller to free with kiln_strs_free).  Returns 0 or -1.
 */
int tree_left(const struct tree *, size_t, const char *, char ***, size_t *,
    struct kiln_err *);

/*
 * Plan the removal of file "name" of folder "f": tree_decide reads it
 * (a link, FIFO, device, folder or hard link there is refused, naming
 * it; nothing there: TREE_ABSENT), and tree_write removes the name
 * (unlinkat in the folder) only if it is still that regular, one-link
 * inode, every removal checked before any is made.  Returns 0 or -1.
 */
int tree_remove(struct tree *, size_t, const char *, struct kiln_err *);

/*
 * Plan the removal of folder "f" (after the files planned before it):
 * removed only when it holds nothing but the files the plan removes,
 * else left as it is (TREE_ABSENT), as it is when something appears in
 * it meanwhile.  Returns 0 or -1.
 */
int tree_remove_dir(struct tree *, size_t, struct kiln_err *);

#endif /* KILN_TREE_H */
