#include <stddef.h>

#include "core/dynlib.h"
#include "serve/httplib.h"

/* clang-format off */
#define F(name, member) { #name, offsetof(struct httplib, member) }
static const struct kiln_dynsym syms[] = {
	F(MHD_start_daemon, start_daemon),
	F(MHD_quiesce_daemon, quiesce_daemon),
	F(MHD_stop_daemon, stop_daemon),
	F(MHD_get_daemon_info, get_daemon_info),
	F(MHD_get_connection_info, get_connection_info),
	F(MHD_lookup_connection_value, lookup_connection_value),
	F(MHD_create_response_from_buffer, create_response_from_buffer),
	F(MHD_create_response_from_buffer_with_free_callback_cls,
	    create_response_from_buffer_with_free_callback_cls),
	F(MHD_add_response_header, add_response_header),
	F(MHD_queue_response, queue_response),
	F(MHD_destroy_response, destroy_response),
	/* GnuTLS, which libmicrohttpd loads. */
	F(gnutls_certificate_type_get, certificate_type_get),
	F(gnutls_certificate_get_peers, certificate_get_peers),
	F(gnutls_certificate_verify_peers, certificate_verify_peers),
	F(gnutls_x509_crt_init, x509_crt_init),
	F(gnutls_x509_crt_import, x509_crt_import),
	F(gnutls_x509_crt_get_dn_by_oid, x509_crt_get_dn_by_oid),
	F(gnutls_x509_crt_deinit, x509_crt_deinit),
};
#undef F
/* clang-format on */

static struct kiln_dynlib_once once = KILN_DYNLIB_ONCE_INIT;
static struct httplib lib;

const struct httplib *
httplib_get(struct kiln_err *err)
{
	if (kiln_dynlib_open_once(&once, HTTPLIB_SONAME,
	        "Debian's libmicrohttpd12", syms,
	        sizeof(syms) / sizeof(syms[0]), &lib, err) == -1)
		return NULL;
	return &lib;
}
