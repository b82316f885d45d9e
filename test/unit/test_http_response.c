/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Where an HTTP/1.1 response ends (nf/http_response.h): known responses (a
 * length, none, HEAD, 204/304, 100 Continue, chunked with extensions and a
 * trailer, a body until the close) end exactly at their last byte however
 * they are cut into segments; and random responses, well formed or not, get
 * the same answer from the whole-header fast path as from the byte scanner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "../../nf/http_response.h"

/* Feeds `resp` cut at the offsets in cuts[] (ascending, inside it); returns
 * the offset just past the piece that completed it, or -1. */
static long
feed(const char *resp, size_t len, bool head, const size_t *cuts, unsigned nb_cuts,
     uint32_t *body_start, bool *until_close)
{
	struct tcp_conn c;
	size_t at = 0;

	memset(&c, 0, sizeof(c));
	http_response_start(&c, head);
	*body_start = UINT32_MAX;
	for (unsigned k = 0; k <= nb_cuts; k++) {
		size_t end = k < nb_cuts ? cuts[k] : len;
		uint32_t body_at;
		bool done = http_response_take(&c, (const uint8_t *)resp + at,
					       (uint32_t)(end - at), &body_at);
		if (*body_start == UINT32_MAX && body_at < end - at)
			*body_start = (uint32_t)(at + body_at);
		if (done) {
			if (*body_start == UINT32_MAX)
				*body_start = (uint32_t)(at + body_at);
			*until_close = false;
			return (long)end;
		}
		at = end;
	}
	*until_close = http_response_ends_at_close(&c);
	return -1;
}

/* Where the response ends, fed one byte at a time: -1 if it does not. */
static long
end_byte_by_byte(const char *resp, size_t len, bool head, bool *until_close)
{
	size_t *cuts = malloc(len * sizeof(*cuts));
	uint32_t body;

	for (size_t i = 1; i < len; i++)
		cuts[i - 1] = i;
	long end = feed(resp, len, head, cuts, len ? (unsigned)(len - 1) : 0, &body, until_close);
	free(cuts);
	return end;
}

struct known {
	const char *resp;
	bool head;
	long end;       /* where it ends; -1: it does not before the close */
	bool until_close;
};

#define CHUNKED_HDR "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
#define OK_HDR(x) "HTTP/1.1 200 OK\r\n" x "\r\n"

START_TEST(known_responses_end_at_their_last_byte)
{
	static const struct known cases[] = {
		{ OK_HDR("Content-Length: 5\r\n") "hello", false, 0, false },
		{ OK_HDR("content-length:   12\r\nServer: x\r\n") "hello world!", false, 0, false },
		{ OK_HDR("Content-Length: 0\r\n"), false, 0, false },
		{ OK_HDR("Content-Length: 5\r\n"), true, 0, false },                 /* HEAD */
		{ "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n", false, 0, false },
		{ "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n", false, 0, false },
		{ "HTTP/1.1 100 Continue\r\n\r\n" OK_HDR("Content-Length: 3\r\n") "abc", false, 0, false },
		{ "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n"
		  OK_HDR("Content-Length: 2\r\n") "ab", false, 0, false },
		{ CHUNKED_HDR "5\r\nhello\r\n1A;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
		  false, 0, false },
		{ CHUNKED_HDR "3\r\nabc\r\n0\r\nX-Check: 1\r\nX-More: 2\r\n\r\n", false, 0, false },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 999\r\ntransfer-encoding: gzip, Chunked\r\n\r\n"
		  "2\r\nab\r\n0\r\n\r\n", false, 0, false },
		{ OK_HDR("Server: x\r\n") "the body runs to the close", false, -1, true },
		{ CHUNKED_HDR "zz\r\nab\r\n0\r\n\r\n", false, -1, true }, /* not a size */
		{ CHUNKED_HDR "2\r\nabXX0\r\n\r\n", false, -1, true },      /* no CRLF after data */
		{ OK_HDR("Content-Length: 5\r\n") "hel", false, -1, false }, /* cut short */
	};

	for (unsigned k = 0; k < RTE_DIM(cases); k++) {
		const char *r = cases[k].resp;
		size_t len = strlen(r);
		long want = cases[k].end == 0 ? (long)len : cases[k].end;
		bool until_close;
		uint32_t body;

		ck_assert_msg(feed(r, len, cases[k].head, NULL, 0, &body, &until_close) == want,
			      "case %u whole", k);
		ck_assert_msg(until_close == cases[k].until_close, "case %u: until the close", k);
		ck_assert_msg(end_byte_by_byte(r, len, cases[k].head, &until_close) == want,
			      "case %u byte by byte", k);
		ck_assert_msg(until_close == cases[k].until_close, "case %u: until the close", k);
		for (size_t cut = 1; cut < len; cut++)
			ck_assert_msg(feed(r, len, cases[k].head, &cut, 1, &body, &until_close) ==
					      (want < 0 ? -1 : (long)cut >= want ? (long)cut : want),
				      "case %u cut at %zu", k, cut);
	}
}
END_TEST

START_TEST(body_starts_after_the_headers)
{
	const char *r = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody";
	bool until_close;
	uint32_t body;
	size_t cut = 30; /* inside the second status line */

	ck_assert_int_eq(feed(r, strlen(r), false, NULL, 0, &body, &until_close), (long)strlen(r));
	ck_assert_uint_eq(body, strlen(r) - 4);
	ck_assert_int_eq(feed(r, strlen(r), false, &cut, 1, &body, &until_close), (long)strlen(r));
	ck_assert_uint_eq(body, strlen(r) - 4);
}
END_TEST

/* Random pieces of HTTP, right and wrong, put together. */
static size_t
random_response(char *buf, size_t cap)
{
	static const char *const parts[] = {
		"HTTP/1.1 200 OK\r\n", "HTTP/1.1 100 Continue\r\n", "HTTP/1.1 204 No\r\n",
		"HTTP/1.0 304 NM\r\n", "HTTP/1.1 2x0 odd\r\n", "HTTP/1.1 101 Up\r\n",
		"Content-Length: 7\r\n", "content-length:  0\r\n", "Content-Length: 1 2\r\n",
		"Content-Length:\r\n", "Transfer-Encoding: chunked\r\n", "transfer-encoding:x\r\n",
		"TRANSFER-ENCODING: gzip, chunked\r\n", "Server: nfg\r\n", "X: content-length: 9\r\n",
		"\r\n", "\n", "\r", "7\r\n", "abcdefg", "0\r\n", "1;x\r\n", "a\r\n", "HTTP/1.1 ",
		"Content-", "Length: 3\r\n", " chunked", "\r\n\r\n",
	};
	size_t len = 0;

	for (unsigned n = 1 + (unsigned)rand() % 14; n; n--) {
		const char *p = parts[(unsigned)rand() % RTE_DIM(parts)];
		size_t l = strlen(p);
		if (len + l >= cap)
			break;
		memcpy(buf + len, p, l);
		len += l;
	}
	return len;
}

START_TEST(fast_path_and_byte_scanner_agree)
{
	char buf[512];

	srand(7);
	for (unsigned round = 0; round < 20000; round++) {
		size_t len = random_response(buf, sizeof(buf));
		bool head = rand() % 8 == 0, close_a, close_b, close_c;
		uint32_t body_a, body_b;
		long whole = feed(buf, len, head, NULL, 0, &body_a, &close_a);
		long exact = end_byte_by_byte(buf, len, head, &close_b);
		size_t cuts[4];
		unsigned nb = 0;
		for (unsigned k = 0; k < 4 && len > 1; k++) {
			size_t c = 1 + (size_t)rand() % (len - 1);
			if (nb == 0 || c > cuts[nb - 1])
				cuts[nb++] = c;
		}
		long split = feed(buf, len, head, cuts, nb, &body_b, &close_c);

		/* Whole, it ends in the one piece; cut, in the piece holding its end. */
		ck_assert_msg((whole < 0) == (exact < 0), "round %u: whole %ld, bytes %ld", round,
			      whole, exact);
		ck_assert_msg(close_a == close_b && close_b == close_c, "round %u: until close", round);
		long want = exact;
		for (unsigned k = 0; k < nb && exact >= 0; k++)
			if ((long)cuts[k] >= exact) {
				want = (long)cuts[k];
				break;
			}
		if (exact >= 0 && (nb == 0 || (long)cuts[nb - 1] < exact))
			want = (long)len;
		ck_assert_msg(split == want, "round %u: split %ld, want %ld", round, split, want);
	}
}
END_TEST

TEST_SUITE(http_response_suite)
static Suite *
http_response_suite(void)
{
	Suite *s = suite_create("http_response");
	TCase *tc = tcase_create("http_response");

	tcase_add_test(tc, known_responses_end_at_their_last_byte);
	tcase_add_test(tc, body_starts_after_the_headers);
	tcase_add_test(tc, fast_path_and_byte_scanner_agree);
	suite_add_tcase(s, tc);
	return s;
}
