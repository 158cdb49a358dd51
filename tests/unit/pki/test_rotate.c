/*
 * The CA rotation's state file (pki/rotate.c): written and read back,
 * and every text kiln did not write refused with one line.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "kiln/rotate.h"
#include "pki/rotate.h"

#define ID_A "0123456789abcdef0123456789abcdef01234567"
#define ID_B "89abcdef0123456789abcdef0123456789abcdef"

TestSuite(rotate, .timeout = 10);

static void
refused(const char *text, const char *want)
{
	struct rotate_state st;
	struct kiln_err err;

	kiln_err_clear(&err);
	cr_assert_eq(
	    rotate_state_parse(&st, text, strlen(text), "s.json", &err), -1,
	    "accepted: %s", text);
	cr_assert_eq(err.code, KILN_EINVAL);
	cr_assert_str_eq(err.msg, want);
}

Test(rotate, state_written_and_read_back)
{
	struct rotate_state st = {2, ID_A, ID_B}, back;
	struct kiln_buf text;
	struct kiln_err err;

	kiln_buf_init(&text);
	kiln_err_clear(&err);
	cr_assert_eq(rotate_state_text(&st, &text, &err), 0);
	cr_assert_eq(
	    text.len, strlen("{\n  \"phase\": 2,\n  \"old_ca\": \"" ID_A
	                     "\",\n  \"new_ca\": \"" ID_B "\"\n}\n"));
	cr_assert_eq(memcmp(text.p,
	                 "{\n  \"phase\": 2,\n  \"old_ca\": \"" ID_A
	                 "\",\n  \"new_ca\": \"" ID_B "\"\n}\n",
	                 text.len),
	    0);
	cr_assert_eq(rotate_state_parse(
	                 &back, (const char *)text.p, text.len, "s.json", &err),
	    0, "%s", err.msg);
	cr_assert_eq(back.phase, 2);
	cr_assert_str_eq(back.old_id, ID_A);
	cr_assert_str_eq(back.new_id, ID_B);
	kiln_buf_free(&text);
}

Test(rotate, state_read_gives_the_next_phase)
{
	static const char one[] = "{\"phase\": 1, \"old_ca\": \"" ID_A
	                          "\", \"new_ca\": \"" ID_B "\"}";
	static const char three[] = "{\"phase\": 3, \"old_ca\": \"" ID_A
	                            "\", \"new_ca\": \"" ID_B "\"}";
	struct kiln_err err;
	int phase = 0, next = 0;

	kiln_err_clear(&err);
	cr_assert_eq(
	    kiln_rotate_state_read(one, strlen(one), &phase, &next, &err), 0);
	cr_assert_eq(phase, 1);
	cr_assert_eq(next, 2);
	/* A finished rotation: the next is a new one's phase 1. */
	cr_assert_eq(
	    kiln_rotate_state_read(three, strlen(three), &phase, &next, &err),
	    0);
	cr_assert_eq(phase, 3);
	cr_assert_eq(next, 1);
}

Test(rotate, state_not_written_by_kiln_is_refused)
{
	struct rotate_state st;
	struct kiln_err err;

	refused("{\"phase\": 1, \"old_ca\": \"" ID_A "\", \"new_ca\": \"" ID_B
	        "\", \"phase2\": 1}",
	    "s.json: unknown key \"phase2\" (did you mean \"phase\"?)");
	refused("{\"phase\": 4, \"old_ca\": \"" ID_A "\", \"new_ca\": \"" ID_B
	        "\"}",
	    "s.json: phase: 4 is out of range (1 to 3)");
	refused("{\"old_ca\": \"" ID_A "\", \"new_ca\": \"" ID_B "\"}",
	    "s.json: phase: missing");
	refused("{\"phase\": 1, \"old_ca\": \"ABCDEF\", \"new_ca\": \"" ID_B
	        "\"}",
	    "s.json: old_ca: not a key id (40 lowercase hex digits)");
	refused("{\"phase\": 1, \"old_ca\": \"" ID_A "\"}",
	    "s.json: new_ca: missing");
	refused("[1]", "s.json: expected an object, got array");
	/* Not NUL-terminated: only "len" bytes are read. */
	kiln_err_clear(&err);
	cr_assert_eq(rotate_state_parse(&st, "{}x", 2, "s.json", &err), -1);
	cr_assert_str_eq(err.msg, "s.json: phase: missing");
}
