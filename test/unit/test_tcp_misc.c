/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The small parts of the TCP engine: payloads ("{conn}" templating, bytes at
 * any offset, the HTTP wrapper). Latency histograms are in test_latency.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../nf/payload.h"
#include "harness.h"

/* ---- payloads ------------------------------------------------------------- */

/* A payload as payload_from_params leaves it: the marker cut out. */
static struct payload
template(const char *text)
{
	struct payload p = { .counter_at = -1 };
	const char *at = strstr(text, PAYLOAD_COUNTER);

	p.len = (uint32_t)strlen(text);
	p.bytes = (uint8_t *)strdup(text);
	if (at) {
		size_t i = (size_t)(at - text), m = strlen(PAYLOAD_COUNTER);
		memmove(p.bytes + i, p.bytes + i + m, p.len - i - m + 1);
		p.len -= (uint32_t)m;
		p.counter_at = (int32_t)i;
	}
	return p;
}

/* Every slice [off, off+n) of the message for conn `id` equals the same slice
 * of the text with the first "{conn}" replaced by the number. */
static void
assert_every_slice(const char *text, uint32_t id)
{
	struct payload p = template(text);
	char want[256];
	const char *at = strstr(text, PAYLOAD_COUNTER);
	int wlen;

	if (at)
		wlen = snprintf(want, sizeof(want), "%.*s%u%s", (int)(at - text), text, id,
				at + strlen(PAYLOAD_COUNTER));
	else
		wlen = snprintf(want, sizeof(want), "%s", text);
	ck_assert_uint_eq(payload_length(&p, id), (uint32_t)wlen);
	for (uint32_t off = 0; off <= (uint32_t)wlen; off++)
		for (uint32_t n = 0; off + n <= (uint32_t)wlen; n++) {
			uint8_t got[256];
			memset(got, 0xee, sizeof(got));
			payload_fill(&p, id, off, got, n);
			ck_assert_msg(memcmp(got, want + off, n) == 0,
				      "\"%s\" conn %u: bytes %u+%u wrong", text, id, off, n);
			ck_assert_uint_eq(got[n], 0xee); /* and nothing past them */
		}
	payload_free(&p);
	ck_assert_ptr_null(p.bytes);
}

START_TEST(conn_template_at_any_offset)
{
	static const char *const texts[] = {
		"GET /item?id={conn}&x=1 HTTP/1.1\r\n\r\n",
		"{conn} at the start",
		"at the end {conn}",
		"{conn}",
		"only the first {conn} of {conn}",
		"no marker at all",
		"{con} {conn",
		"",
	};
	static const uint32_t ids[] = { 0, 7, 10, 12345, 999999999, UINT32_MAX };

	for (unsigned i = 0; i < RTE_DIM(texts); i++)
		for (unsigned k = 0; k < RTE_DIM(ids); k++)
			assert_every_slice(texts[i], ids[k]);
}
END_TEST

START_TEST(http_wrapper)
{
	struct payload p = template("hello");
	char want[256];

	ck_assert_int_eq(payload_wrap_http(&p, false), 0);
	int n = snprintf(want, sizeof(want), "HTTP/1.1 200 OK\r\nServer: nfg\r\nContent-Type: "
			 "application/octet-stream\r\nContent-Length: 5\r\n\r\nhello");
	ck_assert_uint_eq(p.len, (uint32_t)n);
	ck_assert_int_eq(memcmp(p.bytes, want, (size_t)n), 0);
	ck_assert_int_eq(p.counter_at, -1);
	payload_free(&p);

	p = template("");
	ck_assert_int_eq(payload_wrap_http(&p, true), 0);
	n = snprintf(want, sizeof(want), "HTTP/1.1 200 OK\r\nServer: nfg\r\nContent-Type: "
		     "application/octet-stream\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
	ck_assert_uint_eq(p.len, (uint32_t)n);
	ck_assert_int_eq(memcmp(p.bytes, want, (size_t)n), 0);
	payload_free(&p);

	/* The marker moves with the body. */
	p = template("a{conn}b");
	uint32_t head = 0;
	ck_assert_int_eq(payload_wrap_http(&p, false), 0);
	head = p.len - 2;
	ck_assert_int_eq(p.counter_at, (int32_t)head + 1);
	uint8_t got[8];
	payload_fill(&p, 42, head, got, 4);
	ck_assert_int_eq(memcmp(got, "a42b", 4), 0);
	payload_free(&p);
}
END_TEST

static Suite *
tcp_misc_suite(void)
{
	Suite *s = suite_create("tcp_misc");
	TCase *tc = tcase_create("tcp_misc");

	tcase_add_test(tc, conn_template_at_any_offset);
	tcase_add_test(tc, http_wrapper);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(tcp_misc_suite)
