/*
 * The escaper for text shown to people (src/core/esc.c): each class of byte
 * and character it must hide, what it must leave alone, and that its
 * output never holds a control byte whatever the input; and the JSON
 * escaper for logs (kiln_buf_append_json_log), which hides the same.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include "kiln/esc.h"
#include "report/format.h"
#include "core/strs.h"

TestSuite(esc);

/* "n" bytes of "in" escaped, compared with "want". */
static void
expect(const char *in, size_t n, const char *want)
{
	struct kiln_buf b;
	struct kiln_err err;

	kiln_buf_init(&b);
	kiln_err_clear(&err);
	cr_assert_eq(kiln_esc_append(&b, in, n, &err), 0);
	cr_assert_eq(kiln_buf_terminate(&b, &err), 0);
	cr_assert_str_eq((char *)b.p, want);
	kiln_buf_free(&b);
}

#define EXPECT(in, want) expect(in, sizeof(in) - 1, want)

Test(esc, printable_ascii_and_utf8_unchanged)
{
	EXPECT("etcd-1.example, 10.0.0.1 <a@b> \"x\" 'y' ~",
	    "etcd-1.example, 10.0.0.1 <a@b> \"x\" 'y' ~");
	EXPECT("Müller 北京 ✓ 😀", "Müller 北京 ✓ 😀");
	/* U+00A0, the first code point after C1, and U+FEFF pass. */
	EXPECT("\xc2\xa0|\xef\xbb\xbf", "\xc2\xa0|\xef\xbb\xbf");
	EXPECT("", "");
}

Test(esc, backslash_is_left_alone)
{
	/* Go-style quoting in messages must not be escaped twice. */
	EXPECT("invalid duration \"\\x85\"", "invalid duration \"\\x85\"");
	EXPECT("DOMAIN\\user", "DOMAIN\\user");
}

Test(esc, c0_controls_as_hex)
{
	EXPECT("a\nb", "a\\x0ab");
	EXPECT("\a\b\t\n\v\f\r", "\\x07\\x08\\x09\\x0a\\x0b\\x0c\\x0d");
	EXPECT("\x1b[31mred\x1b]0;title\x07", "\\x1b[31mred\\x1b]0;title\\x07");
	EXPECT("\x01\x06\x0e\x1f", "\\x01\\x06\\x0e\\x1f");
	expect("a\0b", 3, "a\\x00b");
}

Test(esc, del) { EXPECT("x\x7fy", "x\\x7fy"); }

Test(esc, c1_controls_as_code_points)
{
	/* U+0080, U+0085 (NEL), U+009B (CSI), U+009D (OSC), U+009F. */
	EXPECT("\xc2\x80\xc2\x85\xc2\x9b"
	       "31m\xc2\x9d\xc2\x9f",
	    "\\u0080\\u0085\\u009b31m\\u009d\\u009f");
}

Test(esc, bidi_controls_and_separators)
{
	EXPECT("\xe2\x80\xae"
	       "gpj.exe",
	    "\\u202egpj.exe"); /* RLO */
	EXPECT("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
	    "\\u202a\\u202b\\u202c\\u202d");
	EXPECT("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
	    "\\u2066\\u2067\\u2068\\u2069");
	EXPECT("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u200e\\u200f\\u061c");
	EXPECT("\xe2\x80\xa8\xe2\x80\xa9", "\\u2028\\u2029");
	/* Their neighbours are ordinary text. */
	EXPECT("\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa",
	    "\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa");
}

Test(esc, invalid_utf8_byte_by_byte)
{
	EXPECT("\xff", "\\xff");
	EXPECT("a\x80z", "a\\x80z");               /* stray continuation */
	EXPECT("\xc3", "\\xc3");                   /* truncated at the end */
	EXPECT("\xe2\x80z", "\\xe2\\x80z");        /* truncated inside */
	EXPECT("\xc0\xaf", "\\xc0\\xaf");          /* overlong "/" */
	EXPECT("\xe0\x80\x9b", "\\xe0\\x80\\x9b"); /* overlong C1 */
	EXPECT("\xed\xa0\x80", "\\xed\\xa0\\x80"); /* surrogate */
	EXPECT("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
	/* A bad lead byte does not swallow the valid character after it. */
	EXPECT("\xc2\xc2\x9b", "\\xc2\\u009b");
}

Test(esc, dup_and_width_of_the_escaped_text)
{
	struct kiln_err err;
	char *s;

	kiln_err_clear(&err);
	cr_assert_not_null(s = kiln_esc_dup("a\x1b[2Jb\xe2\x80\xae", &err));
	cr_assert_str_eq(s, "a\\x1b[2Jb\\u202e");
	cr_assert_eq(kiln_display_width(s), strlen(s));
	free(s);
}

static int
esc_text(struct kiln_buf *b, const char *s, size_t n)
{
	return kiln_esc_append(b, s, n, NULL);
}

static int
esc_json_log(struct kiln_buf *b, const char *s, size_t n)
{
	return kiln_buf_append_json_log(b, s, n, NULL);
}

/*
 * Every string of up to three bytes from a set of awkward bytes, through
 * "escape": the output is valid UTF-8 holding no C0, DEL, C1 or
 * bidirectional control.
 */
static void
every_mix(int (*escape)(struct kiln_buf *, const char *, size_t))
{
	static const unsigned char bytes[] = {0x00, 0x07, 0x0a, 0x1b, 0x20,
	    0x22, 0x41, 0x5c, 0x7f, 0x80, 0x81, 0x9b, 0xa9, 0xae, 0xbf, 0xc2,
	    0xd8, 0xe2, 0xed, 0xf0, 0xf4, 0xff};
	const size_t nb = sizeof(bytes);
	unsigned char in[3];
	struct kiln_buf b;
	unsigned long c;
	size_t a, x, y, i, k;

	kiln_buf_init(&b);
	for (a = 0; a < nb; a++)
		for (x = 0; x < nb; x++)
			for (y = 0; y < nb; y++) {
				in[0] = bytes[a];
				in[1] = bytes[x];
				in[2] = bytes[y];
				b.len = 0;
				cr_assert_eq(
				    escape(&b, (const char *)in, 3), 0);
				for (i = 0; i < b.len; i += k) {
					k = kiln_utf8_next(
					    b.p + i, b.len - i, &c);
					cr_assert_neq(k, 0);
					cr_assert(
					    c >= 0x20 && c != 0x7f &&
					        (c < 0x80 || c > 0x9f) &&
					        c != 0x61c && c != 0x200e &&
					        c != 0x200f &&
					        (c < 0x2028 || c > 0x202e) &&
					        (c < 0x2066 || c > 0x2069),
					    "U+%04lx from %02x %02x %02x", c,
					    in[0], in[1], in[2]);
				}
			}
	kiln_buf_free(&b);
}

Test(esc, no_control_survives_any_mix) { every_mix(esc_text); }

/* "n" bytes of "in" as JSON, Go's way ("log" 0) or for a log (1). */
static char *
json(const char *in, size_t n, int log)
{
	struct kiln_buf b;

	kiln_buf_init(&b);
	cr_assert_eq(log ? kiln_buf_append_json_log(&b, in, n, NULL)
	                 : kiln_buf_append_json(&b, in, n, NULL),
	    0);
	cr_assert_eq(kiln_buf_terminate(&b, NULL), 0);
	return (char *)b.p;
}

Test(esc, json_log_escapes_del_c1_and_bidi_where_go_does_not)
{
	static const char in[] = "a\x7f"
	                         "b\xc2\x9b[31mc\xc2\x85"
	                         "d\xe2\x80\xae"
	                         "e\xe2\x80\xa8<\x1b\xd8\x9c"
	                         "f\xe2\x81\xa6g\xc3\xa9";
	char *go, *log;
	cJSON *j;

	go = json(in, sizeof(in) - 1, 0);
	log = json(in, sizeof(in) - 1, 1);
	/* Go's (cfssl's) output is unchanged: DEL, C1 and bidi raw. */
	cr_assert_str_eq(go, "\"a\x7f"
	                     "b\xc2\x9b[31mc\xc2\x85"
	                     "d\xe2\x80\xae"
	                     "e\\u2028\\u003c\\u001b"
	                     "\xd8\x9c"
	                     "f\xe2\x81\xa6g\xc3\xa9\"");
	cr_assert_str_eq(log,
	    "\"a\\u007fb\\u009b[31mc\\u0085d\\u202ee\\u2028\\u003c\\u001b"
	    "\\u061cf\\u2066g\xc3\xa9\"");
	/* Both read back as the same string. */
	cr_assert_not_null(j = cJSON_Parse(log));
	cr_assert_str_eq(j->valuestring, in);
	cJSON_Delete(j);
	cr_assert_not_null(j = cJSON_Parse(go));
	cr_assert_str_eq(j->valuestring, in);
	cJSON_Delete(j);
	free(go);
	free(log);
}

Test(esc, json_log_leaves_no_control_in_any_mix) { every_mix(esc_json_log); }
