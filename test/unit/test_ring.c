/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ring_tx / ring_rx: packets handed off come out of ring_rx unchanged and in
 * order, "burst" at a time; a full ring drops and counts; what is left in a
 * ring at teardown is freed. The harness runs one worker, so every ring
 * here is ring [0][0]; the steering choice itself is checked by bounds and
 * by every mode delivering.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../model/errors.h"
#include "../../model/model.h"
#include "harness.h"

#define RING_GRAPH(tx_opts, rx_opts)                                                \
	"{\"nodes\": {\"in\": {\"op\": \"test_inject\"},\n"                               \
	"  \"rx\": {\"op\": \"ring_rx\"" rx_opts "},\n"                                  \
	"  \"tx\": {\"op\": \"ring_tx\", \"to\": \"rx\"" tx_opts "},\n"                  \
	"  \"end\": {\"op\": \"test_collect\"}},\n"                                      \
	" \"edges\": [\"in -> tx\", \"rx -> end\"]}"

/* Distinct frames: the UDP payload length and source port vary. */
static size_t
frame(uint8_t *buf, unsigned i)
{
	return build_udp4(buf, "198.18.0.1", "198.19.0.2", (uint16_t)(1000 + i), 80, i % 40);
}

static void
inject_frames(struct harness *h, unsigned n)
{
	struct rte_mbuf *pkts[256];
	uint8_t buf[128];

	ck_assert_uint_le(n, RTE_DIM(pkts));
	for (unsigned i = 0; i < n; i++)
		pkts[i] = harness_pkt(buf, frame(buf, i));
	harness_inject(h, "in", pkts, n);
}

static void
assert_frames_in_order(struct harness *h, unsigned n)
{
	struct rte_mbuf **pkts;
	uint8_t buf[128];

	ck_assert_uint_eq(harness_collected(h, "end", &pkts), n);
	for (unsigned i = 0; i < n; i++) {
		size_t len = frame(buf, i);
		ck_assert_uint_eq(rte_pktmbuf_pkt_len(pkts[i]), len);
		ck_assert_msg(memcmp(rte_pktmbuf_mtod(pkts[i], void *), buf, len) == 0,
			      "packet %u changed or out of order", i);
	}
}

START_TEST(handoff_keeps_bytes_and_order)
{
	struct harness *h = harness_load(RING_GRAPH("", ""));

	inject_frames(h, 20);
	harness_walk(h, 3);
	assert_frames_in_order(h, 20);
	ck_assert_uint_eq(harness_counter(h, "tx", "handed_off"), 20);
	ck_assert_uint_eq(harness_counter(h, "tx", "ring_full"), 0);
	harness_free(h);
}
END_TEST

START_TEST(every_mode_delivers)
{
	static const char *const modes[] = {
		RING_GRAPH(", \"by\": \"hash\"", ""),
		RING_GRAPH(", \"by\": \"round_robin\"", ""),
		RING_GRAPH(", \"by\": \"worker\", \"worker\": 0", ""),
	};

	for (unsigned m = 0; m < RTE_DIM(modes); m++) {
		struct harness *h = harness_load(modes[m]);
		inject_frames(h, 70); /* more than one sorting chunk of 64 */
		harness_walk(h, 6);
		assert_frames_in_order(h, 70);
		ck_assert_uint_eq(harness_counter(h, "tx", "handed_off"), 70);
		harness_free(h);
	}
}
END_TEST

START_TEST(burst_limits_each_walk)
{
	struct harness *h = harness_load(RING_GRAPH("", ", \"burst\": 8"));

	inject_frames(h, 20);
	harness_walk(h, 1); /* handed off; ring_rx ran before they arrived */
	ck_assert_uint_eq(harness_collected(h, "end", NULL), 0);
	harness_walk(h, 1);
	ck_assert_uint_eq(harness_collected(h, "end", NULL), 8);
	harness_walk(h, 1);
	ck_assert_uint_eq(harness_collected(h, "end", NULL), 16);
	harness_walk(h, 1);
	assert_frames_in_order(h, 20);
	harness_free(h);
}
END_TEST

START_TEST(full_ring_drops_and_counts)
{
	struct harness *h = harness_load(RING_GRAPH("", ", \"ring_size\": 16"));

	inject_frames(h, 40); /* one walk: a 16-slot ring takes 15 */
	harness_walk(h, 1);
	ck_assert_uint_eq(harness_counter(h, "tx", "handed_off"), 15);
	ck_assert_uint_eq(harness_counter(h, "tx", "ring_full"), 25);
	ck_assert_uint_eq(harness_pool_in_use(), 15);
	harness_walk(h, 2);
	assert_frames_in_order(h, 15); /* the first 15, in order */
	harness_free(h);
}
END_TEST

START_TEST(leftovers_freed_at_teardown)
{
	struct harness *h = harness_load(RING_GRAPH("", ""));

	inject_frames(h, 10);
	harness_walk(h, 1); /* in the ring, not yet received */
	ck_assert_uint_eq(harness_counter(h, "tx", "handed_off"), 10);
	ck_assert_uint_eq(harness_collected(h, "end", NULL), 0);
	ck_assert_uint_eq(harness_pool_in_use(), 10);
	harness_free(h); /* fails unless ring_rx freed the 10 */
}
END_TEST

START_TEST(bad_parameters_refused)
{
	const char *msg = harness_load_error(RING_GRAPH(", \"by\": \"worker\", \"worker\": 1", ""));
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.tx.worker") && strstr(msg, "does not exist"), "%s", msg);

	msg = harness_load_error(RING_GRAPH("", ", \"ring_size\": 1000"));
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.rx.ring_size") && strstr(msg, "power of two"), "%s", msg);

	msg = harness_load_error(RING_GRAPH(", \"by\": \"random\"", ""));
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.tx.by"), "%s", msg);

	/* "to" must name a ring_rx */
	msg = harness_load_error(
		"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"c\": {\"op\": \"count\"},\n"
		"  \"tx\": {\"op\": \"ring_tx\", \"to\": \"c\"}, \"end\": {\"op\": \"test_collect\"}},\n"
		" \"edges\": [\"in -> tx\", \"c -> end\"]}");
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.tx.to") && strstr(msg, "expected a ring_rx"), "%s", msg);
}
END_TEST

/* Loads a graph that passes the checker and starts its operators the way
 * a run does; returns the error of the first start that fails, or NULL. */
static const char *
start_error(const char *text)
{
	static char msg[1024];
	char path[] = "/tmp/nfg-unit-XXXXXX.json";
	int fd = mkstemps(path, 5);
	const char *err = NULL;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	nfg_errors_quiet(true);
	struct nfg_graph *g = nfg_graph_load(path, NULL, 0);
	unlink(path);
	ck_assert_msg(g != NULL, "graph did not load: %s", nfg_last_error());
	unsigned started = 0;
	for (; started < g->nb_instances; started++) {
		struct nfg_instance *inst = g->instances[started];
		if (inst->op->start && inst->op->start(inst) < 0) {
			snprintf(msg, sizeof(msg), "%s", nfg_last_error());
			err = msg;
			break;
		}
	}
	while (started-- > 0)
		if (g->instances[started]->op->stop)
			g->instances[started]->op->stop(g->instances[started]);
	nfg_errors_quiet(false);
	nfg_graph_free(g);
	return err;
}

/* A "to" naming a node written later in the file has no instance yet when
 * ring_tx is set up: start checks it. */
START_TEST(late_target_checked_at_start)
{
	const char *msg = start_error(
		"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"in2\": {\"op\": \"test_inject\"},\n"
		"  \"tx\": {\"op\": \"ring_tx\", \"to\": \"c\"}, \"c\": {\"op\": \"count\"},\n"
		"  \"end\": {\"op\": \"test_collect\"}},\n"
		" \"edges\": [\"in -> tx\", \"in2 -> c -> end\"]}");
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.tx.to") && strstr(msg, "is a count, expected a ring_rx"),
		      "%s", msg);

	/* The same order with a ring_rx target starts. */
	msg = start_error(
		"{\"nodes\": {\"in\": {\"op\": \"test_inject\"},\n"
		"  \"tx\": {\"op\": \"ring_tx\", \"to\": \"rx\"}, \"rx\": {\"op\": \"ring_rx\"},\n"
		"  \"end\": {\"op\": \"test_collect\"}},\n"
		" \"edges\": [\"in -> tx\", \"rx -> end\"]}");
	ck_assert_msg(msg == NULL, "%s", msg);
}
END_TEST

TEST_SUITE(ring_suite)
static Suite *
ring_suite(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("handoff");

	tcase_add_test(tc, handoff_keeps_bytes_and_order);
	tcase_add_test(tc, every_mode_delivers);
	tcase_add_test(tc, burst_limits_each_walk);
	tcase_add_test(tc, full_ring_drops_and_counts);
	tcase_add_test(tc, leftovers_freed_at_teardown);
	tcase_add_test(tc, bad_parameters_refused);
	tcase_add_test(tc, late_target_checked_at_start);
	suite_add_tcase(s, tc);
	return s;
}
