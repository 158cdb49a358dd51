/*
 * kiln error reporting.
 *
 * Every fallible libkiln call returns 0 or -1 (or a pointer or NULL) and
 * fills a caller-owned struct kiln_err.  The site that detects a failure
 * writes the message; the first error wins, later ones are ignored, so a
 * caller only has to "goto cleanup".  Messages are lowercase, have no
 * final period and read "<object>: <problem>".  They never hold key
 * material.
 */
#ifndef KILN_ERR_H
#define KILN_ERR_H

#define KILN_ERRMSG_MAX 512

enum kiln_errcode {
	KILN_OK = 0,
	KILN_ENOMEM,  /* allocation failed */
	KILN_EIO,     /* file or stream error; sys holds errno */
	KILN_EINVAL,  /* bad argument, config, request or input file */
	KILN_ECRYPTO, /* mbedTLS failure; mbed holds its code */
	KILN_EPOLICY, /* request not allowed by the signing profile */
	KILN_EEXIST   /* refused to replace an existing file */
};

struct kiln_err {
	enum kiln_errcode code;
	int mbed; /* mbedTLS error (negative) or 0 */
	int sys;  /* errno or 0 */
	char msg[KILN_ERRMSG_MAX];
};

/* Reset "err" to "no error".  NULL is allowed. */
void kiln_err_clear(struct kiln_err *);

/*
 * Record an error unless one is already recorded.  "err" may be NULL.
 * All of these return -1 so that "return kiln_err_set(...);" reads well.
 */
int kiln_err_set(struct kiln_err *, enum kiln_errcode, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Record an error, overwriting any already recorded: for a function that
 * restates an error it recorded itself in its own (local) struct, never
 * for the caller's, which may hold an older error that must be kept.
 * "err" may be NULL.  Returns -1.
 */
int kiln_err_replace(struct kiln_err *, enum kiln_errcode, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Hand the error in "from" (a function's local error) to "err", unless
 * "err" already holds one: the first error wins, as with kiln_err_set.
 * Code, errno, mbedTLS code and message are copied.  "err" may be NULL.
 * Returns -1 if "from" holds an error, else 0.
 */
int kiln_err_pass(struct kiln_err *, const struct kiln_err *);

/*
 * kiln_err_pass() of "from" (a function's local error) with "prefix: "
 * put in front of its message first, for a caller that names the context
 * (a file name, a JSON field) of an error a call recorded: prefixing the
 * caller's "err" instead would rewrite an older error it holds.  "from"
 * is changed; "err" may be NULL.  Returns -1 if "from" holds an error,
 * else 0 (and then nothing is prefixed).
 */
int kiln_err_pass_prefix(struct kiln_err *, struct kiln_err *, const char *,
    ...) __attribute__((format(printf, 3, 4)));

/* As kiln_err_set with KILN_EIO, appending ": strerror(errno)". */
int kiln_err_sys(struct kiln_err *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * As kiln_err_set with KILN_ECRYPTO, appending mbedTLS's description of
 * the (negative) code "ret" and the code in hex.
 */
int kiln_err_mbed(struct kiln_err *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Put "prefix: " in front of a recorded message, for a caller that knows
 * the context (a file name, a JSON field).  Does nothing without an error.
 * Only for an error a function recorded in its own struct: for the
 * caller's, which may hold an older error, use kiln_err_pass_prefix.
 */
void kiln_err_prefix(struct kiln_err *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* KILN_ERR_H */
