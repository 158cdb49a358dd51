/*
 * libmicrohttpd and the GnuTLS functions kiln serve calls, opened when
 * a server starts (core/dynlib.h says why: no other command pays for
 * them).  Every call of src/serve/ into either library goes through this
 * table.  Private to src/serve/.
 */
#ifndef KILN_SERVE_HTTPLIB_H
#define KILN_SERVE_HTTPLIB_H

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "kiln/err.h"

/* The soname kiln is built against (Debian 12: libmicrohttpd12). */
#define HTTPLIB_SONAME "libmicrohttpd.so.12"

struct httplib {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_quiesce_daemon) *quiesce_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_get_daemon_info) *get_daemon_info;
	__typeof__(MHD_get_connection_info) *get_connection_info;
	__typeof__(MHD_lookup_connection_value) *lookup_connection_value;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_create_response_from_buffer_with_free_callback_cls)
	    *create_response_from_buffer_with_free_callback_cls;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
	__typeof__(gnutls_certificate_type_get) *certificate_type_get;
	__typeof__(gnutls_certificate_get_peers) *certificate_get_peers;
	__typeof__(gnutls_certificate_verify_peers) *certificate_verify_peers;
	__typeof__(gnutls_x509_crt_init) *x509_crt_init;
	__typeof__(gnutls_x509_crt_import) *x509_crt_import;
	__typeof__(gnutls_x509_crt_get_dn_by_oid) *x509_crt_get_dn_by_oid;
	__typeof__(gnutls_x509_crt_deinit) *x509_crt_deinit;
};

/*
 * The table, the library opened on the first call of the process (any
 * thread), or NULL with "err" set (KILN_EINVAL: "cannot load
 * libmicrohttpd.so.12 (Debian's libmicrohttpd12): ..."), the same
 * answer on every later call.
 */
const struct httplib *httplib_get(struct kiln_err *);

#endif /* KILN_SERVE_HTTPLIB_H */
