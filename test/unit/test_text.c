/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Packet bytes shown to people: nfg_escape never writes past its buffer,
 * always terminates, lets only printable ASCII through, and marks a cut; the
 * trace operator prints a hostile payload escaped, bounded, on one line; a
 * node's log line escapes the control bytes of what it quotes, not its quotes.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_log.h>

#include "harness.h"
#include "nfg/text.h"

static void
assert_printable(const char *s)
{
	for (; *s; s++)
		ck_assert_msg(isprint((unsigned char)*s), "unprintable byte 0x%02x in output",
			      (unsigned char)*s);
}

START_TEST(escape_names_controls_and_hexes_the_rest)
{
	const uint8_t in[] = "GET /\x1b[2J\r\nX-Forged: \"yes\"\\\t\x00\xff";
	char out[128];

	nfg_escape(out, sizeof(out), in, sizeof(in) - 1);
	ck_assert_str_eq(out, "GET /\\x1b[2J\\r\\nX-Forged: \\\"yes\\\"\\\\\\t\\x00\\xff");
	assert_printable(out);
}
END_TEST

START_TEST(escape_stays_inside_every_buffer_size)
{
	uint8_t in[64];
	char out[300];

	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 3); /* printable and not, mixed */
	for (size_t cap = 0; cap < 280; cap++) {
		memset(out, '#', sizeof(out));
		nfg_escape(out, cap, in, sizeof(in));
		for (size_t b = cap; b < sizeof(out); b++)
			ck_assert_msg(out[b] == '#', "cap %zu: byte %zu written", cap, b);
		if (cap == 0)
			continue;
		size_t len = strnlen(out, cap);
		ck_assert_uint_lt(len, cap);
		assert_printable(out);
		char whole[300];
		nfg_escape(whole, sizeof(whole), in, sizeof(in));
		if (strcmp(out, whole) != 0 && cap >= 4) {
			/* Cut: a prefix of the whole text, then the mark. */
			ck_assert_uint_ge(len, 3);
			ck_assert_str_eq(out + len - 3, "...");
			ck_assert_int_eq(strncmp(out, whole, len - 3), 0);
		}
	}
}
END_TEST

START_TEST(trace_prints_hostile_payload_escaped_and_bounded)
{
	const char *json =
		"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"p\": {\"op\": \"parse\"},\n"
		"  \"t\": {\"op\": \"trace\", \"max_lines\": 2, \"bytes\": 16},\n"
		"  \"out\": {\"op\": \"test_collect\"}},\n"
		" \"edges\": [\"in -> p -> t -> out\"]}";
	struct harness *h = harness_load(json);
	uint8_t frame[200];
	const char evil[] = "\x1b]0;owned\x07\nnfg: error: forged\n";
	struct rte_mbuf *pkts[3];
	char path[] = "/tmp/nfg-trace-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDOUT_FILENO);

	ck_assert_int_ge(fd, 0);
	size_t len = build_udp4(frame, "198.18.0.1", "198.18.0.2", 1, 2, 100);
	memcpy(frame + len - 100, evil, sizeof(evil) - 1);
	for (unsigned i = 0; i < 3; i++)
		pkts[i] = harness_pkt(frame, len);
	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	harness_inject(h, "in", pkts, 3);
	harness_walk(h, 2);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);

	char text[4096] = "";
	ssize_t got = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	unlink(path);
	ck_assert_int_gt(got, 0);
	text[got] = '\0';
	/* Two lines (max_lines), each printable, with the payload's first 16 bytes. */
	unsigned lines = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), lines++) {
		assert_printable(line);
		ck_assert_ptr_nonnull(strstr(line, "\"\\x1b]0;owned\\x07\\nnfg: \"..."));
	}
	ck_assert_uint_eq(lines, 2);
	ck_assert_uint_eq(harness_counter(h, "t", "printed"), 2);
	ck_assert_uint_eq(harness_counter(h, "t", "not_printed"), 1);
	struct rte_mbuf **out;
	ck_assert_uint_eq(harness_collected(h, "out", &out), 3);
	harness_free(h);
}
END_TEST

START_TEST(node_log_escapes_controls_and_keeps_quotes)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	rte_openlog_stream(f);
	nfg_node_log(NULL, NFG_LOG_ERROR, "plugin \"%s\" in %s", "grep\x1b[2J",
		     "/tmp/x\nnfg: error: forged");
	rte_openlog_stream(NULL);
	fclose(f);
	/* One line: the message's quotes as written, what it quotes unable to
	 * clear the screen or start a line of its own. */
	ck_assert_str_eq(text, "nfg: plugin \"grep\\x1b[2J\" in /tmp/x\\nnfg: error: forged\n");
	free(text);
}
END_TEST

TEST_SUITE(text_suite)
static Suite *
text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, escape_names_controls_and_hexes_the_rest);
	tcase_add_test(tc, escape_stays_inside_every_buffer_size);
	tcase_add_test(tc, trace_prints_hostile_payload_escaped_and_bounded);
	tcase_add_test(tc, node_log_escapes_controls_and_keeps_quotes);
	suite_add_tcase(s, tc);
	return s;
}
