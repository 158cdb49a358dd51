/*
 * The one writer of a SQLite certificate database in a process, shared
 * by every handle on the file, with group commit.
 *
 * Every write (insert, revoke, a token's claim or release) from any
 * thread is queued to the file's writer.  Whoever finds no commit under
 * way becomes the leader: it takes everything queued, runs it in one
 * transaction (BEGIN IMMEDIATE, a SAVEPOINT per write so that one
 * write's failure, such as a serial already recorded, undoes that write
 * alone, then COMMIT with synchronous=FULL: one sync for the group), and
 * wakes each waiter with its own write's result.  Writes queued while it
 * commits wait for it, and the first of them to wake leads the next
 * group.  A failed BEGIN or COMMIT fails every write of the group.
 *
 * Leader and followers rather than a thread of its own: the writer
 * connection is used by one thread at a time (the leader), nothing
 * starts or stops a thread, a lone write commits on its caller's thread
 * as before, and nothing queued can be left behind at exit: a write is
 * queued only by a thread that then waits until it is done, and leads
 * its group itself if no one else does.
 *
 * Being the only writer in the process, the connection never waits for
 * kiln's own writes; the busy timeout is for another process on the
 * file (cfssl revoke, a second kiln).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "certdb/certdb_impl.h"

struct certdb_writer {
	dev_t dev; /* the file, found by its device and inode */
	ino_t ino;
	unsigned long refs;             /* handles on it (registry lock) */
	struct certdb_writer *next;     /* in the registry */
	pthread_mutex_t lock;           /* the rest */
	pthread_cond_t cond;            /* a group is done */
	struct certdb_op *head, **tail; /* queued, not yet taken */
	unsigned long queued;
	int busy;                     /* a leader is committing */
	sqlite3 *lite;                /* the leader's alone */
	unsigned int claims;          /* since the last prune (leader's) */
	unsigned long groups, writes; /* committed or failed, for tests */
};

/* Every writer of this process. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct certdb_writer *registry;

static void
writer_free(struct certdb_writer *w)
{
	sqlite3_close_v2(w->lite);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

/* A new writer on "path": its connection, WAL, full sync, the schema. */
static int
writer_new(struct certdb_writer **out, const char *path, struct kiln_err *err)
{
	struct certdb_writer *w;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "certdb: out of memory");
	if (pthread_mutex_init(&w->lock, NULL) != 0) {
		free(w);
		return kiln_err_set(err, KILN_ENOMEM, "pthread_mutex_init");
	}
	if (pthread_cond_init(&w->cond, NULL) != 0) {
		pthread_mutex_destroy(&w->lock);
		free(w);
		return kiln_err_set(err, KILN_ENOMEM, "pthread_cond_init");
	}
	w->tail = &w->head;
	w->refs = 1;
	if (certdb_lite_open(path, &w->lite, &w->dev, &w->ino, err) == -1 ||
	    certdb_lite_exec(w->lite, "PRAGMA journal_mode=WAL", err) == -1 ||
	    certdb_lite_exec(w->lite, "PRAGMA synchronous=FULL", err) == -1 ||
	    certdb_sqlite_migrate(w->lite, path, err) == -1) {
		writer_free(w);
		return -1;
	}
	*out = w;
	return 0;
}

/* The registry's writer of the file "dev", "ino", or NULL. */
static struct certdb_writer *
find(dev_t dev, ino_t ino)
{
	struct certdb_writer *w;

	for (w = registry; w != NULL; w = w->next)
		if (w->dev == dev && w->ino == ino)
			return w;
	return NULL;
}

int
certdb_writer_get(
    struct certdb_writer **out, const char *path, struct kiln_err *err)
{
	struct certdb_writer *w = NULL, *found;
	dev_t dev;
	ino_t ino;
	int rc = -1;

	*out = NULL;
	/*
	 * Found by the file, so that every name of one file shares its
	 * writer; made under the registry's lock, so that two threads
	 * opening a file at once make one.
	 */
	pthread_mutex_lock(&registry_lock);
	if (certdb_lite_file(path, &dev, &ino, err) == -1)
		goto cleanup;
	if ((found = find(dev, ino)) == NULL) {
		if (writer_new(&w, path, err) == -1)
			goto cleanup;
		/* The file the connection has open, if another since. */
		found = find(w->dev, w->ino);
	}
	if (found != NULL) {
		found->refs++;
		*out = found;
	} else {
		w->next = registry;
		registry = w;
		*out = w;
		w = NULL; /* owned by the registry */
	}
	rc = 0;
cleanup:
	pthread_mutex_unlock(&registry_lock);
	if (w != NULL)
		writer_free(w);
	return rc;
}

void
certdb_writer_put(struct certdb_writer *w)
{
	struct certdb_writer **pp;

	if (w == NULL)
		return;
	pthread_mutex_lock(&registry_lock);
	if (--w->refs == 0) {
		for (pp = &registry; *pp != w; pp = &(*pp)->next)
			;
		*pp = w->next;
		writer_free(w);
	}
	pthread_mutex_unlock(&registry_lock);
}

void
certdb_writer_file(const struct certdb_writer *w, dev_t *dev, ino_t *ino)
{
	*dev = w->dev;
	*ino = w->ino;
}

void
certdb_writer_stats(struct certdb_writer *w, struct certdb_writer_stats *st)
{
	pthread_mutex_lock(&w->lock);
	st->groups = w->groups;
	st->writes = w->writes;
	st->queued = w->queued;
	st->busy = w->busy;
	pthread_mutex_unlock(&w->lock);
}

void
certdb_writer_busy_timeout(struct certdb_writer *w, int ms)
{
	pthread_mutex_lock(&w->lock);
	while (w->busy) /* the leader's connection, until it is done */
		pthread_cond_wait(&w->cond, &w->lock);
	sqlite3_busy_timeout(w->lite, ms);
	pthread_mutex_unlock(&w->lock);
}

/* Every write of "group" that had not failed on its own fails with "e". */
static void
fail_group(struct certdb_op *group, const struct kiln_err *e)
{
	struct certdb_op *op;

	for (op = group; op != NULL; op = op->next)
		if (op->rc != -1) {
			op->rc = -1;
			kiln_err_clear(&op->err);
			kiln_err_pass(&op->err, e);
		}
}

/*
 * Run "group" in one transaction on the leader's thread; each write's
 * result in its op.  Returns how many writes it held.
 */
static unsigned long
commit_group(struct certdb_writer *w, struct certdb_op *group)
{
	struct kiln_err e = {0};
	struct certdb_op *op;
	unsigned long n = 0;
	int64_t now = 0;

	/* 0 until a write fails: what fail_group fails with the rest. */
	for (op = group; op != NULL; op = op->next) {
		op->rc = 0;
		n++;
	}
	if (certdb_lite_exec(w->lite, "BEGIN IMMEDIATE", &e) == -1) {
		fail_group(group, &e);
		return n;
	}
	for (op = group; op != NULL; op = op->next) {
		if (certdb_lite_exec(w->lite, "SAVEPOINT kiln_write", &e) == -1)
			goto fail;
		certdb_lite_op(w->lite, op);
		/* An I/O error or a full disk may end the transaction: the
		 * writes before this one are gone too. */
		if (sqlite3_get_autocommit(w->lite)) {
			if (op->rc == -1)
				kiln_err_pass(&e, &op->err);
			else
				certdb_lite_err(w->lite, "write", &e);
			goto fail;
		}
		if (op->rc == -1 && certdb_lite_exec(w->lite,
		                        "ROLLBACK TO kiln_write", &e) == -1)
			goto fail;
		if (certdb_lite_exec(w->lite, "RELEASE kiln_write", &e) == -1)
			goto fail;
		if (op->kind == CERTDB_OP_CLAIM) {
			w->claims++;
			now = op->now;
		}
	}
	/*
	 * Now and then the expired tokens go, a bounded number, in a
	 * savepoint of their own: a failure there fails no write (the
	 * next prune tries again).
	 */
	if (w->claims >= CERTDB_PRUNE_EVERY &&
	    certdb_lite_exec(w->lite, "SAVEPOINT kiln_prune", &e) == 0) {
		w->claims = 0;
		if (certdb_lite_prune(w->lite, now, NULL) == -1)
			(void)sqlite3_exec(w->lite, "ROLLBACK TO kiln_prune",
			    NULL, NULL, NULL);
		(void)sqlite3_exec(
		    w->lite, "RELEASE kiln_prune", NULL, NULL, NULL);
		if (sqlite3_get_autocommit(w->lite)) {
			certdb_lite_err(w->lite, "prune", &e);
			goto fail;
		}
	}
	if (certdb_lite_exec(w->lite, "COMMIT", &e) == 0)
		return n;
fail:
	fail_group(group, &e);
	if (!sqlite3_get_autocommit(w->lite))
		(void)sqlite3_exec(w->lite, "ROLLBACK", NULL, NULL, NULL);
	return n;
}

int
certdb_writer_run(
    struct certdb_writer *w, struct certdb_op *op, struct kiln_err *err)
{
	struct certdb_op *group, *o, *next;
	unsigned long n;

	op->rc = -1;
	op->done = 0;
	op->next = NULL;
	kiln_err_clear(&op->err);
	pthread_mutex_lock(&w->lock);
	*w->tail = op;
	w->tail = &op->next;
	w->queued++;
	while (!op->done) {
		if (w->busy) {
			pthread_cond_wait(&w->cond, &w->lock);
			continue;
		}
		/* No commit under way: lead one with everything queued
		 * (this write among them). */
		group = w->head;
		w->head = NULL;
		w->tail = &w->head;
		w->queued = 0;
		w->busy = 1;
		pthread_mutex_unlock(&w->lock);
		n = commit_group(w, group);
		pthread_mutex_lock(&w->lock);
		for (o = group; o != NULL; o = next) {
			next = o->next; /* "o" may be gone once done */
			o->done = 1;
		}
		w->busy = 0;
		w->groups++;
		w->writes += n;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	if (op->rc == -1)
		kiln_err_pass(err, &op->err);
	return op->rc;
}
