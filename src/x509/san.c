/*
 * Host classification for subject alternative names, as cfssl does it
 * (csr.go): net.ParseIP, then net/mail.ParseAddress, then
 * url.ParseRequestURI, and a DNS name otherwise.  Only the parts of Go's
 * parsers that decide the classification are reproduced.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "kiln/request.h"

void
kiln_sans_init(struct kiln_sans *sans)
{
	sans->v = NULL;
	sans->n = 0;
}

void
kiln_sans_free(struct kiln_sans *sans)
{
	size_t i;

	for (i = 0; i < sans->n; i++)
		free(sans->v[i].value);
	free(sans->v);
	kiln_sans_init(sans);
}

size_t
kiln_ip_parse(const char *s, unsigned char *ip)
{
	static const unsigned char v4mapped[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (inet_pton(AF_INET, s, ip) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, ip) != 1)
		return 0;
	if (memcmp(ip, v4mapped, sizeof(v4mapped)) == 0) {
		memmove(ip, ip + 12, 4);
		return 4;
	}
	return 16;
}

/* As kiln_ip_parse, for the classifier: 1 with "*len" set, or 0. */
static int
parse_ip(const char *s, unsigned char *ip, size_t *len)
{
	return (*len = kiln_ip_parse(s, ip)) != 0;
}

/* RFC 5322 atext, plus UTF-8 as Go allows. */
static int
atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80 ||
	       (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Length of a dot-atom at "s" (0 if none): atoms joined by single dots. */
static size_t
dot_atom(const char *s)
{
	size_t i = 0;

	for (;;) {
		if (!atext((unsigned char)s[i]))
			return 0;
		while (atext((unsigned char)s[i]))
			i++;
		if (s[i] != '.')
			return i;
		i++;
	}
}

/* Length of a quoted-string local part at "s" (0 if none). */
static size_t
quoted(const char *s)
{
	size_t i = 1;

	if (s[0] != '"')
		return 0;
	for (; s[i] != '\0' && s[i] != '"'; i++)
		if (s[i] == '\\' && s[i + 1] != '\0')
			i++;
		else if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return 0;
	return s[i] == '"' && i > 1 ? i + 1 : 0;
}

/*
 * An addr-spec "local@domain" spanning exactly "n" bytes of "s".
 */
static int
addr_spec(const char *s, size_t n)
{
	size_t local, domain;

	if ((local = quoted(s)) == 0 && (local = dot_atom(s)) == 0)
		return 0;
	if (local >= n || s[local] != '@')
		return 0;
	domain = dot_atom(s + local + 1);
	return domain > 0 && local + 1 + domain == n;
}

/*
 * net/mail.ParseAddress: "addr-spec" or "display name <addr-spec>".
 * On success the addr-spec's offset and length are stored.
 */
static int
parse_email(const char *s, size_t *off, size_t *len)
{
	size_t n = strlen(s);
	const char *lt;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		(*off)++;
		n--;
	}
	if (n > 0 && s[n - 1] == '>' && (lt = strrchr(s, '<')) != NULL &&
	    lt < s + n) {
		*off += (size_t)(lt + 1 - s);
		*len = (size_t)(s + n - 1 - (lt + 1));
		return addr_spec(lt + 1, *len);
	}
	*len = n;
	return addr_spec(s, n);
}

static int
hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/*
 * url.ParseRequestURI: an absolute path, or a scheme (a letter, then
 * letters, digits, "+", "-" or ".") followed by ":".  Control characters,
 * broken %-escapes and a non-numeric port make it fail.
 */
static int
parse_uri(const char *s)
{
	const char *p, *host, *end, *colon;

	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
		if (*p == '%' &&
		    (!hex((unsigned char)p[1]) || !hex((unsigned char)p[2])))
			return 0;
	}
	if (s[0] == '/')
		return 1;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (p = s + 1; *p != ':'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		        (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' ||
		        *p == '.'))
			return 0;
	if (strncmp(p + 1, "//", 2) != 0)
		return 1;
	/* An authority: the port after the host, if any, must be digits. */
	host = p + 3;
	end = host + strcspn(host, "/?#");
	if ((p = memchr(host, '@', (size_t)(end - host))) != NULL)
		host = p + 1;
	if (*host == '[') {
		if ((p = memchr(host, ']', (size_t)(end - host))) == NULL)
			return 0;
		colon = p + 1 < end && p[1] == ':' ? p + 1 : NULL;
		if (p + 1 < end && colon == NULL)
			return 0;
	} else {
		colon = memchr(host, ':', (size_t)(end - host));
		if (colon != NULL &&
		    memchr(colon + 1, ':', (size_t)(end - colon - 1)) != NULL)
			return 0;
	}
	if (colon != NULL)
		for (p = colon + 1; p < end; p++)
			if (*p < '0' || *p > '9')
				return 0;
	return 1;
}

/* The name of a SAN type, for messages. */
static const char *
san_type_name(enum kiln_san_type t)
{
	return t == KILN_SAN_DNS     ? "DNS name"
	       : t == KILN_SAN_EMAIL ? "email address"
	       : t == KILN_SAN_URI   ? "URI"
	                             : "IP address";
}

/*
 * The first control character of "s": C0, DEL, or C1 (U+0080-U+009F,
 * as UTF-8).  Its code into "*c" and its byte offset into "*at"; 0 if
 * there is none.
 */
static int
control_char(const char *s, unsigned int *c, size_t *at)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	for (i = 0; p[i] != '\0'; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			*c = p[i];
			*at = i;
			return 1;
		}
		if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
			*c = p[i + 1];
			*at = i;
			return 1;
		}
	}
	return 0;
}

int
kiln_sans_add_typed(
    struct kiln_sans *sans, const struct kiln_san *san, struct kiln_err *err)
{
	struct kiln_san *v;
	unsigned int c;
	size_t at;

	/* Whatever a whitelist says: a newline or an escape in a name is
	 * never part of a host, and shows one name as two in a log. */
	if (san->type != KILN_SAN_IP && control_char(san->value, &c, &at))
		return kiln_err_set(err, KILN_EINVAL,
		    "%s with control character U+%04X at byte %zu refused",
		    san_type_name(san->type), c, at);

	if ((v = realloc(sans->v, (sans->n + 1) * sizeof(*v))) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	sans->v = v;
	v[sans->n] = *san;
	if ((v[sans->n].value = strdup(san->value)) == NULL)
		return kiln_err_set(err, KILN_ENOMEM, "out of memory");
	sans->n++;
	return 0;
}

int
kiln_sans_add(struct kiln_sans *sans, const char *host, struct kiln_err *err)
{
	struct kiln_san san;
	size_t off = 0, len = 0;
	char *email = NULL;
	int rc;

	memset(&san, 0, sizeof(san));
	san.value = (char *)host; /* copied by kiln_sans_add_typed */
	if (parse_ip(host, san.ip, &san.ip_len))
		san.type = KILN_SAN_IP;
	else if (parse_email(host, &off, &len)) {
		/* Only the addr-spec: "Name <a@b>" becomes "a@b". */
		if ((email = strndup(host + off, len)) == NULL)
			return kiln_err_set(err, KILN_ENOMEM, "out of memory");
		san.type = KILN_SAN_EMAIL;
		san.value = email;
	} else if (parse_uri(host))
		san.type = KILN_SAN_URI;
	else
		san.type = KILN_SAN_DNS;
	rc = kiln_sans_add_typed(sans, &san, err);
	free(email);
	return rc;
}
