/*
 * kiln renew on kubeconfigs: the client certificate a kubeconfig embeds
 * renewed in place, with its key (client-key-data) kept or replaced,
 * every other byte of the file kept.  Private to libkiln: renewplan.c
 * and renewcommit.c only.
 */
#ifndef KILN_RENEWKC_H
#define KILN_RENEWKC_H

#include "kiln/buf.h"
#include "kiln/err.h"
#include "kiln/renew.h"
#include "kiln/rng.h"

/*
 * Whether the file "it" read ("it->text", no PEM in it) is a kubeconfig
 * to renew: its client certificate (kiln_kubeconfig_client), decoded,
 * into it->infos, it->kc kept with the spans of its client certificate
 * and key.  Returns 1 (it->is_kc set), 0 when it is not a kubeconfig,
 * 2 when it is one found by a walk that embeds no client certificate
 * (nothing to say), or -1 with "err" filled: a kubeconfig the reader
 * refuses, a client certificate that is a file reference, not embedded,
 * or not certificates, or a file named (not walked) too big to be read
 * as a kubeconfig (KILN_KUBECONFIG_MAX), which is no certificate either.
 */
int renew_kc_read(struct kiln_renew_item *, struct kiln_err *);

/*
 * The key of the kubeconfig item "it": the same user's client-key-data,
 * decoded and checked against its certificate into it->old_key
 * (it->inside and it->has_key set, it->key.shown "client-key-data of
 * users/NAME").  A key file "o->key" is refused: a kubeconfig's key is
 * its own.  Returns 0, or -1 with "err" filled.
 */
int renew_kc_key(struct kiln_renew_item *, const struct kiln_renew_opts *,
    struct kiln_rng *, struct kiln_err *);

/*
 * The kubeconfig "it" read with its client-certificate-data replaced by
 * the base64 of the new certificate "der" (PEM, then the old chain) and,
 * unless "key_pem" is NULL, its client-key-data by the base64 of
 * "key_pem", every other byte kept, appended to "out" (which then holds
 * a key: kiln_buf_free() wipes it).  Returns 0, or -1 with "err" filled
 * (a value written as a block scalar cannot be replaced in place).
 */
int renew_kc_file(struct kiln_buf *, const struct kiln_renew_item *,
    const struct kiln_buf *, const struct kiln_buf *, struct kiln_err *);

#endif /* KILN_RENEWKC_H */
