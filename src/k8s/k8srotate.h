/*
 * kiln rotate-ca on a kiln k8s tree (k8srotate.c), and the check a kiln
 * k8s run makes first: no rotation of one of its CAs under way.  Private
 * to libkiln.
 */
#ifndef KILN_K8SROTATE_H
#define KILN_K8SROTATE_H

#include <limits.h>
#include <stddef.h>

#include "kiln/err.h"
#include "pki/tree.h"

/* The rotation's file names for one CA ("ca.crt", "ca-rotate.json"). */
struct k8s_rotate_names {
	char cert[NAME_MAX + 1], key[NAME_MAX + 1], cross[NAME_MAX + 1];
	char bundle[NAME_MAX + 1], state[NAME_MAX + 1];
};

/*
 * A rotation of a CA of the tree "t" under way (its BASE-rotate.json in
 * folder "f", DIR/ca, says a phase before the third is done) is refused:
 * a kiln k8s run would put back what its phases changed.  A finished
 * rotation is no obstacle.  Returns 0 or -1.
 */
int k8s_rotation_check(const struct tree *, size_t, struct kiln_err *);

#endif /* KILN_K8SROTATE_H */
