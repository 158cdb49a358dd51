#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/error.h>

#include "kiln/err.h"

void
kiln_err_clear(struct kiln_err *err)
{
	if (err != NULL)
		memset(err, 0, sizeof(*err));
}

static int vset(struct kiln_err *, enum kiln_errcode, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static int
vset(struct kiln_err *err, enum kiln_errcode code, const char *fmt, va_list ap)
{
	if (err == NULL || err->code != KILN_OK)
		return -1;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

static void append(struct kiln_err *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Append to the message already in "err", truncating quietly. */
static void
append(struct kiln_err *err, const char *fmt, ...)
{
	size_t len = strlen(err->msg);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg + len, sizeof(err->msg) - len, fmt, ap);
	va_end(ap);
}

int
kiln_err_set(struct kiln_err *err, enum kiln_errcode code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int
kiln_err_replace(
    struct kiln_err *err, enum kiln_errcode code, const char *fmt, ...)
{
	va_list ap;

	kiln_err_clear(err);
	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int
kiln_err_pass(struct kiln_err *err, const struct kiln_err *from)
{
	if (from->code == KILN_OK)
		return 0;
	if (err != NULL && err->code == KILN_OK)
		*err = *from;
	return -1;
}

int
kiln_err_sys(struct kiln_err *err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (err == NULL || err->code != KILN_OK)
		return -1;
	va_start(ap, fmt);
	vset(err, KILN_EIO, fmt, ap);
	va_end(ap);
	err->sys = saved;
	append(err, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

int
kiln_err_mbed(struct kiln_err *err, int ret, const char *fmt, ...)
{
	char desc[160];
	va_list ap;

	if (err == NULL || err->code != KILN_OK)
		return -1;
	va_start(ap, fmt);
	vset(err, KILN_ECRYPTO, fmt, ap);
	va_end(ap);
	err->mbed = ret;
	mbedtls_strerror(ret, desc, sizeof(desc));
	append(err, ": %s (-0x%04x)", desc, (unsigned int)-ret);
	return -1;
}

void
kiln_err_prefix(struct kiln_err *err, const char *fmt, ...)
{
	char old[KILN_ERRMSG_MAX];
	va_list ap;

	if (err == NULL || err->code == KILN_OK)
		return;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	append(err, ": %s", old);
}

int
kiln_err_pass_prefix(
    struct kiln_err *err, struct kiln_err *from, const char *fmt, ...)
{
	char prefix[KILN_ERRMSG_MAX];
	va_list ap;

	if (from->code == KILN_OK)
		return 0;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	kiln_err_prefix(from, "%s", prefix);
	return kiln_err_pass(err, from);
}
