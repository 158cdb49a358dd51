/*
 * kiln check on kubeconfigs: the certificates embedded in a kubeconfig
 * taken into the check, each as an entry of its own.  Private to
 * libkiln: check.c and checkkc.c only.
 */
#ifndef KILN_CHECKKC_H
#define KILN_CHECKKC_H

#include <sys/stat.h>

#include "kiln/buf.h"
#include "kiln/check.h"
#include "kiln/err.h"
#include "kiln/inspect.h"

/*
 * check.c: the certificates of "file" (the file "st" shown as "path")
 * into the check, judged as a file's are; "file" is emptied.  Problem:
 * "msg" about "path".  Both 0, or -1 out of memory.
 */
int check_add_file(struct kiln_check *, const char *, const struct stat *,
    struct kiln_infos *, struct kiln_err *);
int check_add_problem(
    struct kiln_check *, const char *, const char *, struct kiln_err *);

/*
 * checkkc.c: "data" (the file "st" shown as "path", NUL-terminated) read
 * as a kubeconfig.  Each certificate-authority-data and
 * client-certificate-data becomes the entries of "PATH#clusters/NAME" or
 * "PATH#users/NAME"; a value that is not base64 of PEM certificates is a
 * problem of that name, a refused kubeconfig a problem of "path".  File
 * references are not followed.  Returns 1 if it is a kubeconfig, 0 if it
 * is not (nothing recorded), -1 out of memory.
 */
int check_kubeconfig(struct kiln_check *, const char *, const struct stat *,
    const struct kiln_buf *, struct kiln_err *);

#endif /* KILN_CHECKKC_H */
