/*
 * The certificate chain a TLS server sends, read from the handshake
 * records themselves: mbedTLS runs the handshake, kiln's own socket
 * callbacks copy every byte received and the Certificate message is
 * taken from that copy (by tlsrecord.c), so the chain is known even when
 * the handshake fails later or mbedTLS cannot parse a certificate.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>

#include "core/compat.h"
#include "kiln/duration.h"
#include "kiln/rng.h"
#include "kiln/tls.h"
#include "inspect/tlsrecord.h"

/* One connection: the socket, the deadline and what the server sent. */
struct conn {
	int fd;
	struct timespec deadline;
	unsigned int timeout_ms;
	const char *hp;          /* "host:port", for messages */
	struct kiln_buf capture; /* every byte received */
	struct kiln_err err;     /* the first network error */
	int timed_out;
};

/* Milliseconds left before the deadline, rounded up; 0 once it passed. */
static int
remaining_ms(const struct conn *c)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(c->deadline.tv_sec - now.tv_sec) * 1000 +
	     (c->deadline.tv_nsec - now.tv_nsec + 999999) / 1000000;
	if (ms <= 0)
		return 0;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static int
timed_out(struct conn *c)
{
	c->timed_out = 1;
	if (c->timeout_ms % 1000 == 0)
		return kiln_err_set(&c->err, KILN_EIO,
		    "%s: timed out after %u s", c->hp, c->timeout_ms / 1000);
	return kiln_err_set(&c->err, KILN_EIO, "%s: timed out after %u ms",
	    c->hp, c->timeout_ms);
}

/*
 * Wait until the socket is ready for "events" or the deadline passes.
 * Returns 0, or -1 with c->err filled.
 */
static int
wait_fd(struct conn *c, short events)
{
	struct pollfd pfd;
	int ms, n;

	pfd.fd = c->fd;
	pfd.events = events;
	for (;;) {
		if ((ms = remaining_ms(c)) == 0)
			return timed_out(c);
		if ((n = poll(&pfd, 1, ms)) > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return kiln_err_sys(&c->err, "%s: poll", c->hp);
	}
}

/* mbedTLS f_send: the socket, within the deadline. */
static int
bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct conn *c = ctx;
	ssize_t n;

	if (len > INT_MAX)
		len = INT_MAX;
	for (;;) {
		if (wait_fd(c, POLLOUT) == -1)
			return c->timed_out ? MBEDTLS_ERR_SSL_TIMEOUT
			                    : MBEDTLS_ERR_NET_SEND_FAILED;
		if ((n = send(c->fd, buf, len, MSG_NOSIGNAL)) >= 0)
			return (int)n;
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			break;
	}
	kiln_err_sys(&c->err, "%s: send", c->hp);
	return errno == EPIPE || errno == ECONNRESET
	           ? MBEDTLS_ERR_NET_CONN_RESET
	           : MBEDTLS_ERR_NET_SEND_FAILED;
}

/* mbedTLS f_recv: the socket, within the deadline, keeping a copy. */
static int
bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct conn *c = ctx;
	ssize_t n;

	if (c->capture.len >= TLS_CAPTURE_MAX) {
		kiln_err_set(&c->err, KILN_EIO,
		    "%s: the server sent %u bytes without a complete "
		    "certificate chain",
		    c->hp, TLS_CAPTURE_MAX);
		return MBEDTLS_ERR_NET_RECV_FAILED;
	}
	if (len > TLS_CAPTURE_MAX - c->capture.len)
		len = TLS_CAPTURE_MAX - c->capture.len;
	for (;;) {
		if (wait_fd(c, POLLIN) == -1)
			return c->timed_out ? MBEDTLS_ERR_SSL_TIMEOUT
			                    : MBEDTLS_ERR_NET_RECV_FAILED;
		if ((n = recv(c->fd, buf, len, 0)) >= 0)
			break;
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
			kiln_err_sys(&c->err, "%s: recv", c->hp);
			return errno == ECONNRESET
			           ? MBEDTLS_ERR_NET_CONN_RESET
			           : MBEDTLS_ERR_NET_RECV_FAILED;
		}
	}
	if (n == 0) {
		kiln_err_set(&c->err, KILN_EIO,
		    "%s: the server closed the connection before sending its "
		    "certificate",
		    c->hp);
		return 0;
	}
	if (kiln_buf_append(&c->capture, buf, (size_t)n, &c->err) == -1)
		return MBEDTLS_ERR_SSL_ALLOC_FAILED;
	return (int)n;
}

/*
 * Connect c->fd to "ai" without blocking past the deadline.  Returns 0,
 * or -1 with c->err filled; the caller closes c->fd either way.
 */
static int
connect_to(struct conn *c, const struct addrinfo *ai)
{
	socklen_t len = sizeof(int);
	int flags, soerr = 0;

	if ((c->fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) ==
	    -1)
		return kiln_err_sys(&c->err, "%s: socket", c->hp);
	if (fcntl(c->fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    (flags = fcntl(c->fd, F_GETFL)) == -1 ||
	    fcntl(c->fd, F_SETFL, flags | O_NONBLOCK) == -1)
		return kiln_err_sys(&c->err, "%s: fcntl", c->hp);
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		return kiln_err_sys(&c->err, "%s: connect", c->hp);
	if (wait_fd(c, POLLOUT) == -1)
		return -1;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		return kiln_err_sys(&c->err, "%s: connect", c->hp);
	if (soerr != 0) {
		errno = soerr;
		return kiln_err_sys(&c->err, "%s: connect", c->hp);
	}
	return 0;
}

/* Pass the error "from" on to "to", unless "to" already holds one. */
static int
pass_err(struct kiln_err *to, const struct kiln_err *from)
{
	if (to != NULL && to->code == KILN_OK)
		*to = *from;
	return -1;
}

/* An address, not a name: IPv4, or anything with a colon (IPv6). */
static int
is_ip_literal(const char *host)
{
	unsigned char addr[sizeof(struct in_addr)];

	return strchr(host, ':') != NULL || inet_pton(AF_INET, host, addr) == 1;
}

int
kiln_tls_peer_chain(const char *host, const char *port, unsigned int timeout_ms,
    struct kiln_buf *pem, struct kiln_err *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct conn c;
	struct kiln_rng rng;
	struct kiln_err werr; /* why the records hold no chain */
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	unsigned char scratch[4096];
	char name[256], hp[sizeof(name) + 80];
	size_t hlen = strlen(host);
	int ret = 0, found = 0, gai, rc = -1;

	memset(&c, 0, sizeof(c));
	c.fd = -1;
	kiln_buf_init(&c.capture);
	kiln_rng_init(&rng);
	kiln_err_clear(&werr);
	mbedtls_ssl_config_init(&conf);
	mbedtls_ssl_init(&ssl);

	/* "[::1]" as well as "::1". */
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(name)) {
		kiln_err_set(err, KILN_EINVAL,
		    hlen == 0 ? "empty host name"
		              : "host name longer than 255 bytes");
		goto cleanup;
	}
	memcpy(name, host, hlen);
	name[hlen] = '\0';
	snprintf(hp, sizeof(hp),
	    strchr(name, ':') != NULL ? "[%s]:%.64s" : "%s:%.64s", name, port);
	c.hp = hp;
	c.timeout_ms = timeout_ms;
	clock_gettime(CLOCK_MONOTONIC, &c.deadline);
	c.deadline.tv_sec += timeout_ms / 1000;
	c.deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (c.deadline.tv_nsec >= KILN_NS_SECOND) {
		c.deadline.tv_sec++;
		c.deadline.tv_nsec -= KILN_NS_SECOND;
	}

	/* The lookup itself cannot be bounded by the deadline. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((gai = getaddrinfo(name, port, &hints, &res)) != 0) {
		if (gai == EAI_SYSTEM)
			kiln_err_sys(err, "%s: lookup %s", hp, name);
		else
			kiln_err_set(err, KILN_EIO, "%s: lookup %s: %s", hp,
			    name, gai_strerror(gai));
		goto cleanup;
	}
	/* Each address in turn; the last failure is the one reported. */
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		kiln_err_clear(&c.err);
		if (connect_to(&c, ai) == 0)
			break;
		close(c.fd);
		c.fd = -1;
		if (c.timed_out)
			break;
	}
	if (c.fd == -1) {
		pass_err(err, &c.err);
		goto cleanup;
	}

	if (kiln_compat_crypto_init() != 0) {
		kiln_err_set(err, KILN_ECRYPTO, "psa_crypto_init failed");
		goto cleanup;
	}
	if (kiln_rng_seed(&rng, "kiln tls", err) == -1)
		goto cleanup;
	if ((ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
	         MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT)) !=
	    0) {
		kiln_err_mbed(err, ret, "mbedtls_ssl_config_defaults");
		goto cleanup;
	}
	/* Nothing is verified: the point is to show what the server has. */
	mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_rng(&conf, kiln_rng_random, &rng);
	kiln_ssl_conf_max_tls12(&conf);
	if ((ret = mbedtls_ssl_setup(&ssl, &conf)) != 0) {
		kiln_err_mbed(err, ret, "mbedtls_ssl_setup");
		goto cleanup;
	}
	/* SNI takes a name, never an address (RFC 6066 3). */
	if (!is_ip_literal(name) &&
	    (ret = mbedtls_ssl_set_hostname(&ssl, name)) != 0) {
		kiln_err_mbed(err, ret, "mbedtls_ssl_set_hostname");
		goto cleanup;
	}
	mbedtls_ssl_set_bio(&ssl, &c, bio_send, bio_recv, NULL);

	/*
	 * Step through the handshake only until the records hold the
	 * Certificate message: what follows (a demand for a client
	 * certificate, say) cannot change the chain.
	 */
	do {
		ret = mbedtls_ssl_handshake_step(&ssl);
		found = tls_chain_from_records(
		    c.capture.p, c.capture.len, pem, &werr);
	} while (found == 0 && (ret == 0 || ret == MBEDTLS_ERR_SSL_WANT_READ ||
	                           ret == MBEDTLS_ERR_SSL_WANT_WRITE));
	/*
	 * mbedTLS 2.28 refuses a handshake message split across records,
	 * which a long chain can be, and 3.6 one longer than its 16 KiB
	 * buffer.  Until the server's first ChangeCipherSpec everything is
	 * plaintext, so read on by hand.
	 */
	if (found == 0 && kiln_ssl_split_refused(ret) &&
	    c.err.code == KILN_OK) {
		ret = 0; /* worked around: the records decide */
		while (found == 0 && bio_recv(&c, scratch, sizeof(scratch)) > 0)
			found = tls_chain_from_records(
			    c.capture.p, c.capture.len, pem, &werr);
	}
	if (found == 1) {
		rc = 0;
		goto cleanup;
	}
	if (found == -1 && ret < 0 && c.err.code == KILN_OK)
		kiln_err_mbed(err, ret, "%s: %s", hp, werr.msg);
	else if (found == -1)
		kiln_err_set(err, werr.code, "%s: %s", hp, werr.msg);
	else if (c.err.code != KILN_OK)
		pass_err(err, &c.err);
	else
		kiln_err_mbed(err, ret,
		    "%s: TLS handshake failed before the server sent its "
		    "certificate",
		    hp);
cleanup:
	if (c.fd != -1)
		close(c.fd);
	if (res != NULL)
		freeaddrinfo(res);
	mbedtls_ssl_free(&ssl);
	mbedtls_ssl_config_free(&conf);
	kiln_rng_free(&rng);
	kiln_buf_free(&c.capture);
	return rc;
}
