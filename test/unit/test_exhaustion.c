/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Every resource run dry, one at a time: the mbuf pool, a port's tx queue,
 * the connection table together with the timer wheel (one timer per
 * connection, all of them armed and expiring at once). Each must be counted
 * while it lasts, and everything must work again once it is over: no
 * deadlock, no leak, nothing stuck.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "tcp_testlib.h"

#define REQ "GET / HTTP/1.1\r\n\r\n"
#define REQ_LEN 18u

static void
server_load(struct tcp_test *t, const char *params)
{
	tt_server_load(t, params);
}

/* The TCP engine allocates ahead (its stash): what it holds goes back first,
 * so that an empty pool is empty for the engine too. */
static void
engine_stash_return(struct tcp_test *t)
{
	struct tcp_engine *e = tt_engine(t);

	rte_pktmbuf_free_bulk(e->stash, e->nb_stash);
	e->nb_stash = 0;
}

/* Takes every free mbuf of the pool (the per-lcore cache included). */
static unsigned
pool_drain(struct rte_mbuf ***held)
{
	unsigned n = 0, cap = 1024;
	struct rte_mbuf **v = malloc(cap * sizeof(*v));
	struct rte_mbuf *m;

	ck_assert_ptr_nonnull(v);
	while ((m = rte_pktmbuf_alloc(nfg_pktmbuf_pool())) != NULL) {
		if (n == cap) {
			cap *= 2;
			v = realloc(v, cap * sizeof(*v));
			ck_assert_ptr_nonnull(v);
		}
		v[n++] = m;
	}
	*held = v;
	return n;
}

static void
pool_refill(struct rte_mbuf **held, unsigned n)
{
	rte_pktmbuf_free_bulk(held, n);
	free(held);
}

static unsigned
live_connections(struct tcp_test *t)
{
	struct tcp_engine *e = tt_engine(t);
	unsigned n = 0;

	for (uint32_t i = 0; i < e->nb_conns; i++)
		n += e->conns[i].state != TCP_CLOSED;
	return n;
}

/* The pool runs dry twice: when the SYN-ACK is due and when the response is.
 * What cannot go out is counted as no_mbuf, and once mbufs are back the
 * retransmission timer sends it: the connection completes as if a segment
 * had been lost on the way. */
START_TEST(empty_pool_is_counted_and_retransmission_recovers)
{
	struct tcp_test t;
	struct oseg o[8];
	struct rte_mbuf **held;

	server_load(&t, "\"response_size\": 3000, \"rto_initial_ms\": 30, \"rto_min_ms\": 10");

	struct tseg syn = { .sport = 4000, .dport = 80, .seq = 100, .flags = TH_SYN,
			    .win = 65535 };
	struct rte_mbuf *m = tseg_mbuf(&syn);
	engine_stash_return(&t);
	unsigned drained = pool_drain(&held);
	ck_assert_uint_gt(drained, 0);
	harness_inject(t.h, "in", &m, 1);
	tt_walk(&t, 2);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "no_mbuf"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "accepted"), 1);
	pool_refill(held, drained);
	tt_wait(&t, &o[0], 2000);
	ck_assert_seg(&o[0], TH_SYN | TH_ACK, o[0].seq, 101);
	uint32_t iss = o[0].seq;

	struct tseg ack = { .sport = 4000, .dport = 80, .seq = 101, .ack = iss + 1,
			    .flags = TH_ACK, .win = 65535 };
	tt_send(&t, &ack);
	tt_none(&t);
	ck_assert_uint_eq(tt_conn(&t, 4000)->state, TCP_ESTABLISHED);

	struct tseg req = { .sport = 4000, .dport = 80, .seq = 101, .ack = iss + 1,
			    .flags = TH_ACK | TH_PSH, .win = 65535, .data = REQ, .len = REQ_LEN };
	m = tseg_mbuf(&req);
	engine_stash_return(&t);
	drained = pool_drain(&held);
	harness_inject(t.h, "in", &m, 1);
	tt_walk(&t, 2);
	/* The response finds the pool empty (the request's own mbuf goes back
	 * only after the burst): nothing goes out, and that is counted. */
	ck_assert_uint_eq(harness_collected(t.h, "out", NULL) - t.cursor, 0);
	ck_assert_uint_ge(tt_ctr(&t, "no_mbuf"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "messages_received"), 1);
	pool_refill(held, drained);

	/* The retransmission timer sends what could not be built, then the
	 * rest as the window allows: the whole response, with no gap, FIN last. */
	uint32_t next = iss + 1;
	bool fin = false;
	while (!fin) {
		unsigned n = tt_waitn(&t, o, 8, 2000);
		for (unsigned i = 0; i < n; i++) {
			ck_assert_msg(o[i].seq - (iss + 1) <= next - (iss + 1),
				      "a gap before seq %u (next %u)", o[i].seq, next);
			uint32_t end = o[i].seq + o[i].len + !!(o[i].flags & TH_FIN);
			if (end - (iss + 1) > next - (iss + 1))
				next = end;
			fin |= !!(o[i].flags & TH_FIN);
		}
	}
	ck_assert_uint_eq(next - (iss + 1), 3000 + 1);

	struct tseg fin_ack = { .sport = 4000, .dport = 80, .seq = 101 + REQ_LEN, .ack = next,
				.flags = TH_ACK | TH_FIN, .win = 65535 };
	tt_send(&t, &fin_ack);
	tt_take1(&t, &o[0]);
	ck_assert_seg(&o[0], TH_ACK, next, 102 + REQ_LEN);
	ck_assert_uint_eq(tt_ctr(&t, "completed"), 1);
	tt_free(&t); /* and every mbuf is back in the pool */
}
END_TEST

/* A tx queue nobody drains: the ring takes what it can, port_tx keeps its
 * buffer's worth, the rest is dropped as queue_full. Once the far end reads,
 * the buffer goes out in order on the next walks. */
START_TEST(full_tx_queue_drops_are_counted_and_the_buffer_drains)
{
	struct harness *h = harness_load(
		"{\"ports\": {\"a\": {\"device\": \"wire:txfull\"}, \"b\": {\"device\": \"wire:txfull\"}},\n"
		" \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"tx\": {\"op\": \"port_tx\", \"port\": \"a\"}},\n"
		" \"edges\": [\"in -> tx\"]}");
	uint16_t far = nfg_port_get("b")->port_id;
	uint8_t frame[64];
	size_t len = build_udp4(frame, "198.18.0.1", "198.18.0.2", 1000, 2000, 10);
	unsigned total = 0;

	/* 12,000 frames, numbered by their UDP source port. */
	for (unsigned batch = 0; batch < 3; batch++) {
		struct rte_mbuf *pkts[4000];
		for (unsigned i = 0; i < 4000; i++) {
			uint16_t id = rte_cpu_to_be_16((uint16_t)total++);
			memcpy(frame + 34, &id, 2);
			pkts[i] = harness_pkt(frame, len);
		}
		harness_inject(h, "in", pkts, 4000);
		harness_walk(h, 20);
	}
	uint64_t sent = harness_counter(h, "tx", "sent");
	uint64_t full = harness_counter(h, "tx", "queue_full");
	ck_assert_uint_ge(sent, 8000);             /* the wire's ring */
	ck_assert_uint_eq(sent + 1024 + full, total); /* 1024: port_tx's buffer */

	/* The far end reads; the buffer follows, in order, nothing more lost. */
	unsigned received = 0;
	uint16_t expect = 0;
	for (unsigned round = 0; round < 100 && received < total - full; round++) {
		struct rte_mbuf *got[256];
		uint16_t n;
		while ((n = rte_eth_rx_burst(far, 0, got, 256)) > 0) {
			for (uint16_t i = 0; i < n; i++) {
				uint16_t id = rte_be_to_cpu_16(
					*rte_pktmbuf_mtod_offset(got[i], uint16_t *, 34));
				/* The first `sent` in order, then the buffered ones,
				 * which were the frames right after them. */
				ck_assert_uint_eq(id, expect);
				expect++;
			}
			rte_pktmbuf_free_bulk(got, n);
			received += n;
		}
		harness_walk(h, 1);
	}
	ck_assert_uint_eq(received, total - full);
	ck_assert_uint_eq(harness_counter(h, "tx", "sent"), total - full);
	ck_assert_uint_eq(harness_counter(h, "tx", "queue_full"), full);
	harness_free(h);
}
END_TEST

/* SYNs, then ACKs, from peer ports first..first+n-1, in bursts; returns the
 * server's ISNs by port offset. */
static void
open_many(struct tcp_test *t, uint16_t first, unsigned n, uint32_t *iss)
{
	for (unsigned base = 0; base < n; base += 256) {
		unsigned k = RTE_MIN(256u, n - base);
		struct rte_mbuf *pkts[256];
		struct oseg o[256];

		for (unsigned i = 0; i < k; i++) {
			struct tseg syn = { .sport = (uint16_t)(first + base + i), .dport = 80,
					    .seq = 1000, .flags = TH_SYN, .win = 65535 };
			pkts[i] = tseg_mbuf(&syn);
		}
		harness_inject(t->h, "in", pkts, k);
		tt_walk(t, 2);
		ck_assert_uint_eq(tt_take(t, o, 256), k);
		for (unsigned i = 0; i < k; i++) {
			ck_assert_uint_eq(o[i].flags, TH_SYN | TH_ACK);
			iss[o[i].dport - first] = o[i].seq;
		}
		for (unsigned i = 0; i < k; i++) {
			struct tseg ack = { .sport = (uint16_t)(first + base + i), .dport = 80,
					    .seq = 1001, .ack = iss[base + i] + 1, .flags = TH_ACK,
					    .win = 65535 };
			pkts[i] = tseg_mbuf(&ack);
		}
		harness_inject(t->h, "in", pkts, k);
		tt_walk(t, 2);
		tt_none(t);
		/* Let go of what was collected: the pool is smaller than the table. */
		harness_clear(t->h, "out");
		t->cursor = 0;
	}
}

/* A table of 5,000 established connections, each with its idle timer armed:
 * the wheel holds a timer for every connection it can have. A SYN more is
 * answered with RST and counted. Then every timer expires in the same walk —
 * more than the wheel fires per call — and they are all worked off over the
 * next calls: every connection reset and released, the table empty, and a
 * new client served again. */
#define TABLE 5000u

/* Opening the table must finish inside the idle timeout; under valgrind
 * (make valgrind sets NFG_TEST_SLOW) that takes ten times longer. */
static unsigned
idle_timeout_ms(void)
{
	return getenv("NFG_TEST_SLOW") ? 15000 : 1500;
}

START_TEST(full_table_and_full_timer_wheel_recover)
{
	struct tcp_test t;
	static uint32_t iss[TABLE];
	struct oseg o;

	char params[256];
	unsigned idle = idle_timeout_ms();
	snprintf(params, sizeof(params),
		 "\"response_size\": 100, \"max_connections\": %u, \"idle_timeout_ms\": %u",
		 TABLE, idle);
	server_load(&t, params);
	ck_assert_uint_eq(tt_engine(&t)->nb_conns, TABLE);
	double opened_at = tt_ms_now();
	open_many(&t, 10000, TABLE, iss);
	double took = tt_ms_now() - opened_at;
	ck_assert_msg(took < idle, "opening took %.0f ms, beyond the idle timeout", took);
	ck_assert_uint_eq(live_connections(&t), TABLE);
	ck_assert_uint_eq(tt_ctr(&t, "established"), TABLE);

	struct tseg syn = { .sport = 9999, .dport = 80, .seq = 7, .flags = TH_SYN,
			    .win = 65535 };
	tt_send(&t, &syn);
	tt_take1(&t, &o);
	ck_assert_uint_eq(o.flags, TH_RST | TH_ACK);
	ck_assert_uint_eq(tt_ctr(&t, "connection_table_full"), 1);

	/* All idle timers are due; one walk fires at most the wheel's budget. */
	nfg_clock_advance_ms(idle + 200);
	tt_walk(&t, 1);
	uint64_t first = tt_ctr(&t, "released");
	ck_assert_uint_gt(first, 0);
	ck_assert_uint_lt(first, TABLE);
	for (unsigned w = 0; w < 50 && tt_ctr(&t, "released") < TABLE; w++) {
		harness_clear(t.h, "out");
		tt_walk(&t, 1);
	}
	tt_walk(&t, 1); /* the last resets reach the collector */
	harness_clear(t.h, "out");
	t.cursor = 0;
	ck_assert_uint_eq(tt_ctr(&t, "released"), TABLE);
	ck_assert_uint_eq(tt_ctr(&t, "failed_timeout"), TABLE);
	ck_assert_uint_eq(live_connections(&t), 0);

	tt_send(&t, &syn);
	tt_take1(&t, &o);
	ck_assert_uint_eq(o.flags, TH_SYN | TH_ACK);
	ck_assert_uint_eq(tt_ctr(&t, "connection_table_full"), 1);
	tt_free(&t);
}
END_TEST

TEST_SUITE(exhaustion_suite)
static Suite *
exhaustion_suite(void)
{
	Suite *s = suite_create("exhaustion");
	TCase *tc = tcase_create("exhaustion");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, empty_pool_is_counted_and_retransmission_recovers);
	tcase_add_test(tc, full_tx_queue_drops_are_counted_and_the_buffer_drains);
	tcase_add_test(tc, full_table_and_full_timer_wheel_recover);
	suite_add_tcase(s, tc);
	return s;
}
