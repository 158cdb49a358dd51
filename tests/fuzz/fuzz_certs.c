/*
 * kiln_inspect_certs on PEM or DER (the input as it is: the API takes a
 * length, not a string), then every renderer over what it found; the
 * same input read as -ca's trust anchors (kiln_inspect_x509), and
 * escaped for a terminal (kiln_esc_append).
 */
#include "kiln/buf.h"
#include "kiln/esc.h"
#include "kiln/inspect.h"
#include "fuzz_common.h"

static const struct {
	enum kiln_info_format format;
	unsigned int flags;
} renders[] = {
	{ KILN_FORMAT_JSON, 0 },
	{ KILN_FORMAT_JSON, KILN_RENDER_ARRAY | KILN_RENDER_CFSSL },
	{ KILN_FORMAT_TABLE, 0 },
	{ KILN_FORMAT_TEXT, 0 },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiln_infos infos;
	struct kiln_buf out;
	struct kiln_err err;
	mbedtls_x509_crt chain;

	kiln_infos_init(&infos);
	if (kiln_inspect_certs(&infos, data, size, fuzz_err(&err)) == 0) {
		for (size_t i = 0; i < sizeof(renders) / sizeof(renders[0]);
		    i++) {
			kiln_buf_init(&out);
			/* A fixed "now": the same input, the same path. */
			(void)kiln_info_render(infos.v, infos.n,
			    renders[i].format, renders[i].flags,
			    1700000000LL, &out, fuzz_err(&err));
			kiln_buf_free(&out);
		}
		for (size_t i = 0; i < infos.n; i++) {
			kiln_buf_init(&out);
			(void)kiln_info_serial_decimal(&infos.v[i], &out, fuzz_err(&err));
			kiln_buf_free(&out);
		}
	}
	kiln_infos_free(&infos);
	mbedtls_x509_crt_init(&chain);
	(void)kiln_inspect_x509(&chain, data, size, fuzz_err(&err));
	mbedtls_x509_crt_free(&chain);
	kiln_buf_init(&out);
	(void)kiln_esc_append(&out, (const char *)data, size, fuzz_err(&err));
	kiln_buf_free(&out);
	return 0;
}
