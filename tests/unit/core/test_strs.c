/*
 * The one UTF-8 decoder and validator (src/core/strs.c): what they accept and
 * each kind of sequence they must refuse.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "core/strs.h"

TestSuite(strs);

#define VALID(s) kiln_utf8_valid((const unsigned char *)(s), sizeof(s) - 1)

Test(strs, utf8_accepts_every_length)
{
	unsigned long c;

	cr_assert_eq(VALID(""), 1);
	cr_assert_eq(VALID("ascii"), 1);
	cr_assert_eq(VALID("M\xc3\xbcller \xe5\x8c\x97 \xf0\x9f\x98\x80"), 1);
	/* The edges: U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF. */
	cr_assert_eq(VALID("\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf"), 1);
	cr_assert_eq(VALID("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"), 1);
	/* Around the surrogates: U+D7FF and U+E000. */
	cr_assert_eq(VALID("\xed\x9f\xbf\xee\x80\x80"), 1);
	/* NUL is a valid code point; callers that refuse it say so. */
	cr_assert_eq(VALID("a\0b"), 1);
	cr_assert_eq(
	    kiln_utf8_next((const unsigned char *)"\xf4\x8f\xbf\xbf", 4, &c),
	    4);
	cr_assert_eq(c, 0x10ffffUL);
}

Test(strs, utf8_refuses_overlong)
{
	cr_assert_eq(VALID("\xc0\x80"), 0);
	cr_assert_eq(VALID("\xc1\xbf"), 0);
	cr_assert_eq(VALID("\xe0\x9f\xbf"), 0);
	cr_assert_eq(VALID("\xf0\x8f\xbf\xbf"), 0);
}

Test(strs, utf8_refuses_surrogates)
{
	cr_assert_eq(VALID("\xed\xa0\x80"), 0);
	cr_assert_eq(VALID("\xed\xbf\xbf"), 0);
	/* A pair written as two three-byte sequences (CESU-8). */
	cr_assert_eq(VALID("\xed\xa0\xbd\xed\xb8\x80"), 0);
}

Test(strs, utf8_refuses_above_10ffff)
{
	cr_assert_eq(VALID("\xf4\x90\x80\x80"), 0);
	cr_assert_eq(VALID("\xf7\xbf\xbf\xbf"), 0);
	cr_assert_eq(VALID("\xf8\x88\x80\x80\x80"), 0);
	cr_assert_eq(VALID("\xff"), 0);
}

Test(strs, utf8_refuses_truncated_and_stray)
{
	cr_assert_eq(VALID("a\xc3"), 0);
	cr_assert_eq(VALID("\xe5\x8c"), 0);
	cr_assert_eq(VALID("\xf0\x9f\x98"), 0);
	/* A lead byte followed by one that does not continue it. */
	cr_assert_eq(VALID("\xc3("), 0);
	/* A continuation byte with no lead. */
	cr_assert_eq(VALID("\x80"), 0);
	/* A NUL inside a sequence: the length given is honoured. */
	cr_assert_eq(kiln_utf8_valid((const unsigned char *)"\xc3\xbc", 1), 0);
}
