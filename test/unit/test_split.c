/* SPDX-License-Identifier: BSD-3-Clause
 *
 * split: the hash keeps both directions of a flow together and spreads many
 * flows over every output; by field and round robin, each packet lands
 * exactly where its value (or its turn) says, and packets without the field
 * go to out0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ETH 14
#define MAX_PACKETS 3000
#define FRAME 128

/* Frames to send; each carries its index in its last two bytes. */
struct batch {
	unsigned n;
	uint16_t lens[MAX_PACKETS];
	uint8_t frames[MAX_PACKETS][FRAME];
};

static uint8_t *
next_frame(struct batch *b)
{
	ck_assert_uint_lt(b->n, MAX_PACKETS);
	return b->frames[b->n];
}

static unsigned
push(struct batch *b, size_t len)
{
	uint8_t *f = b->frames[b->n];

	ck_assert_uint_le(len, FRAME);
	f[len - 2] = (uint8_t)(b->n >> 8);
	f[len - 1] = (uint8_t)b->n;
	b->lens[b->n] = (uint16_t)len;
	return b->n++;
}

static void
ip4_fix_checksum(uint8_t *frame, size_t l2)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + l2);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* Inserts an 802.1Q tag with this VLAN ID after the MAC addresses. */
static size_t
add_vlan(uint8_t *frame, size_t len, uint16_t vid)
{
	memmove(frame + 16, frame + 12, len - 12);
	frame[12] = 0x81;
	frame[13] = 0x00;
	frame[14] = (uint8_t)(vid >> 8);
	frame[15] = (uint8_t)vid;
	return len + 4;
}

static size_t
build_icmp6_echo(uint8_t *buf, const char *src, const char *dst)
{
	size_t len = build_udp6(buf, src, dst, 0, 0, 8);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(buf + ETH);

	ip6->proto = IPPROTO_ICMPV6;
	buf[ETH + 40] = 128;
	return len;
}

typedef void (*check_fn)(struct rte_mbuf *m, unsigned output, unsigned nb_outputs);

/* Sends the batch through in -> parse -> split (`params`) and tells, for
 * every frame, the output it came out of. */
static void
run_split(const char *params, unsigned nb_outputs, const struct batch *b, uint8_t *outcome,
	  unsigned *per_output, check_fn check)
{
	char json[2048];
	int len = snprintf(json, sizeof(json),
			   "{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"parse\": {\"op\": \"parse\"},"
			   " \"s\": {\"op\": \"split\", \"outputs\": %u%s%s}", nb_outputs,
			   params[0] ? ", " : "", params);
	for (unsigned o = 0; o < nb_outputs; o++)
		len += snprintf(json + len, sizeof(json) - (size_t)len,
				", \"c%u\": {\"op\": \"test_collect\"}", o);
	len += snprintf(json + len, sizeof(json) - (size_t)len, "}, \"edges\": [\"in -> parse -> s\"");
	for (unsigned o = 0; o < nb_outputs; o++)
		len += snprintf(json + len, sizeof(json) - (size_t)len, ", \"s.out%u -> c%u\"", o, o);
	snprintf(json + len, sizeof(json) - (size_t)len, "]}");

	struct harness *h = harness_load(json);
	for (unsigned i = 0; i < b->n; i++) {
		struct rte_mbuf *m = harness_pkt(b->frames[i], b->lens[i]);
		harness_inject(h, "in", &m, 1);
	}
	harness_walk(h, 20);
	memset(outcome, 0xff, b->n);
	for (unsigned o = 0; o < nb_outputs; o++) {
		char name[8];
		struct rte_mbuf **got;
		snprintf(name, sizeof(name), "c%u", o);
		unsigned n = harness_collected(h, name, &got);
		if (per_output)
			per_output[o] = n;
		for (unsigned i = 0, last = 0; i < n; i++) {
			const uint8_t *d = rte_pktmbuf_mtod(got[i], const uint8_t *);
			unsigned dl = rte_pktmbuf_data_len(got[i]);
			unsigned idx = (unsigned)d[dl - 2] << 8 | d[dl - 1];
			ck_assert_uint_lt(idx, b->n);
			/* Each output keeps the order the frames came in. */
			ck_assert_msg(i == 0 || idx > last, "out%u: frame %u after frame %u", o, idx,
				      last);
			last = idx;
			ck_assert_uint_eq(outcome[idx], 0xff);
			outcome[idx] = (uint8_t)o;
			if (check)
				check(got[i], o, nb_outputs);
		}
	}
	for (unsigned i = 0; i < b->n; i++)
		ck_assert_msg(outcome[i] != 0xff, "frame %u did not come out", i);
	harness_free(h);
}

static struct batch batch;
static uint8_t outcome[MAX_PACKETS];
static uint8_t expected[MAX_PACKETS];

static void
expect(size_t len, unsigned output)
{
	expected[push(&batch, len)] = (uint8_t)output;
}

static void
assert_outcome(const char *what)
{
	for (unsigned i = 0; i < batch.n; i++)
		ck_assert_msg(outcome[i] == expected[i], "%s: frame %u went to out%u, expected out%u",
			      what, i, outcome[i], expected[i]);
}

/* ---- hash -------------------------------------------------------------- */

static void
check_hash(struct rte_mbuf *m, unsigned output, unsigned nb_outputs)
{
	ck_assert_uint_eq(nfg_hash_bucket(nfg_flow_hash_symmetric(m), nb_outputs), output);
}

START_TEST(hash_keeps_flows_together)
{
	unsigned per_output[4];
	char a[64], b[64];
	uint32_t rng = 12345;

	batch.n = 0;
	for (unsigned flow = 0; flow < 1000; flow++) {
		rng = rng * 1103515245u + 12345u;
		snprintf(a, sizeof(a), "198.18.%u.%u", (rng >> 8) & 3, (rng >> 16) & 255);
		snprintf(b, sizeof(b), "198.19.%u.%u", (rng >> 4) & 3, (rng >> 24) & 255);
		uint16_t pa = (uint16_t)(1024 + flow), pb = (uint16_t)(rng % 2 ? 80 : 443);
		/* even index: client to server, odd: the reply */
		push(&batch, build_tcp4(next_frame(&batch), a, b, pa, pb, RTE_TCP_SYN_FLAG, 4));
		push(&batch, build_tcp4(next_frame(&batch), b, a, pb, pa,
					RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 4));
	}
	for (unsigned flow = 0; flow < 200; flow++) {
		snprintf(a, sizeof(a), "2001:db8::%x", flow * 7 + 1);
		snprintf(b, sizeof(b), "2001:db8:1::%x", flow * 13 + 5);
		push(&batch, build_udp6(next_frame(&batch), a, b, (uint16_t)(5000 + flow), 53, 4));
		push(&batch, build_udp6(next_frame(&batch), b, a, 53, (uint16_t)(5000 + flow), 4));
	}
	unsigned first_arp = batch.n;
	for (unsigned i = 0; i < 10; i++)
		push(&batch, build_arp_request(next_frame(&batch), "02:00:00:00:00:01", "198.18.0.1",
					       "198.18.0.2"));

	run_split("\"by\": \"hash\"", 4, &batch, outcome, per_output, check_hash);
	for (unsigned i = 0; i < first_arp; i += 2)
		ck_assert_msg(outcome[i] == outcome[i + 1],
			      "flow %u: one direction to out%u, the other to out%u", i / 2, outcome[i],
			      outcome[i + 1]);
	for (unsigned i = first_arp; i < batch.n; i++)
		ck_assert_uint_eq(outcome[i], 0);
	/* 1200 flows over 4 outputs: each gets its share (600 packets expected) */
	for (unsigned o = 0; o < 4; o++)
		ck_assert_msg(per_output[o] >= 450, "out%u got only %u packets", o, per_output[o]);
}
END_TEST

START_TEST(hash_is_the_default)
{
	unsigned per_output[2];

	batch.n = 0;
	for (unsigned i = 0; i < 200; i++)
		push(&batch, build_udp4(next_frame(&batch), "198.18.0.1", "198.18.0.2",
					(uint16_t)(2000 + i), 9, 4));
	run_split("", 2, &batch, outcome, per_output, check_hash);
	ck_assert_uint_gt(per_output[0], 50);
	ck_assert_uint_gt(per_output[1], 50);
}
END_TEST

/* ---- field ------------------------------------------------------------- */

START_TEST(field_ports)
{
	uint8_t *f;
	size_t len;

	batch.n = 0;
	for (unsigned p = 1000; p < 1100; p++)
		expect(build_udp4(next_frame(&batch), "1.1.1.1", "2.2.2.2", 7, (uint16_t)p, 4), p % 4);
	for (unsigned p = 0; p < 20; p++)
		expect(build_tcp4(next_frame(&batch), "1.1.1.1", "2.2.2.2", 7, (uint16_t)(65535 - p),
				  RTE_TCP_ACK_FLAG, 4), (65535 - p) % 4);
	expect(build_udp6(next_frame(&batch), "1::1", "2::2", 7, 1003, 4), 3);
	/* without ports: out0 */
	expect(build_icmp4_echo(next_frame(&batch), "1.1.1.1", "2.2.2.2", 3, 3, 4), 0);
	f = next_frame(&batch);
	len = build_udp4(f, "1.1.1.1", "2.2.2.2", 7, 1003, 16);
	((struct rte_ipv4_hdr *)(f + ETH))->fragment_offset = rte_cpu_to_be_16(5);
	ip4_fix_checksum(f, ETH);
	expect(len, 0);
	expect(build_arp_request(next_frame(&batch), "02:00:00:00:00:01", "1.1.1.1", "2.2.2.2"), 0);
	run_split("\"by\": \"field\", \"field\": \"dport\"", 4, &batch, outcome, NULL, NULL);
	assert_outcome("dport");

	batch.n = 0;
	for (unsigned p = 0; p < 30; p++)
		expect(build_tcp4(next_frame(&batch), "1.1.1.1", "2.2.2.2", (uint16_t)(40000 + p), 80,
				  RTE_TCP_ACK_FLAG, 4), (40000 + p) % 3);
	expect(build_icmp6_echo(next_frame(&batch), "1::1", "2::2"), 0);
	run_split("\"by\": \"field\", \"field\": \"sport\"", 3, &batch, outcome, NULL, NULL);
	assert_outcome("sport");
}
END_TEST

START_TEST(field_addresses)
{
	char a[64];

	batch.n = 0;
	for (unsigned x = 0; x < 40; x++) {
		snprintf(a, sizeof(a), "198.18.0.%u", x);
		/* 198.18.0.x as a number is 0xc6120000 + x */
		expect(build_udp4(next_frame(&batch), a, "10.0.0.1", 1, 2, 4), (0xc6120000u + x) % 5);
	}
	for (unsigned x = 0; x < 10; x++) {
		snprintf(a, sizeof(a), "2001:db8::1:%x", x);
		/* the last 32 bits: 0x0001000x */
		expect(build_udp6(next_frame(&batch), a, "2001:db8::9", 1, 2, 4), (0x10000u + x) % 5);
	}
	expect(build_arp_request(next_frame(&batch), "02:00:00:00:00:01", "1.1.1.1", "2.2.2.2"), 0);
	run_split("\"by\": \"field\", \"field\": \"src\"", 5, &batch, outcome, NULL, NULL);
	assert_outcome("src");

	batch.n = 0;
	for (unsigned x = 0; x < 64; x++) {
		snprintf(a, sizeof(a), "10.%u.0.%u", x, x * 3);
		expect(build_tcp4(next_frame(&batch), "1.1.1.1", a, 1, 2, RTE_TCP_SYN_FLAG, 4),
		       (10u << 24 | x << 16 | x * 3) % 16);
	}
	run_split("\"by\": \"field\", \"field\": \"dst\"", 16, &batch, outcome, NULL, NULL);
	assert_outcome("dst");
}
END_TEST

START_TEST(field_proto_vlan_dscp)
{
	uint8_t *f;
	size_t len;

	batch.n = 0;
	expect(build_tcp4(next_frame(&batch), "1.1.1.1", "2.2.2.2", 1, 2, RTE_TCP_SYN_FLAG, 4),
	       6 % 3);
	expect(build_udp4(next_frame(&batch), "1.1.1.1", "2.2.2.2", 1, 2, 4), 17 % 3);
	expect(build_icmp4_echo(next_frame(&batch), "1.1.1.1", "2.2.2.2", 1, 2, 4), 1 % 3);
	expect(build_icmp6_echo(next_frame(&batch), "1::1", "2::2"), 58 % 3);
	expect(build_udp6(next_frame(&batch), "1::1", "2::2", 1, 2, 4), 17 % 3);
	expect(build_arp_request(next_frame(&batch), "02:00:00:00:00:01", "1.1.1.1", "2.2.2.2"), 0);
	run_split("\"by\": \"field\", \"field\": \"proto\"", 3, &batch, outcome, NULL, NULL);
	assert_outcome("proto");

	batch.n = 0;
	for (unsigned vid = 1; vid < 4095; vid += 97) {
		f = next_frame(&batch);
		len = build_udp4(f, "1.1.1.1", "2.2.2.2", 1, 2, 4);
		expect(add_vlan(f, len, (uint16_t)(vid | 0xe000)), vid % 4); /* PCP bits ignored */
	}
	f = next_frame(&batch);
	len = build_arp_request(f, "02:00:00:00:00:01", "1.1.1.1", "2.2.2.2");
	expect(add_vlan(f, len, 7), 3);
	expect(build_udp4(next_frame(&batch), "1.1.1.1", "2.2.2.2", 1, 2, 4), 0); /* untagged */
	run_split("\"by\": \"field\", \"field\": \"vlan\"", 4, &batch, outcome, NULL, NULL);
	assert_outcome("vlan");

	batch.n = 0;
	for (unsigned d = 0; d < 64; d++) {
		f = next_frame(&batch);
		len = build_udp4(f, "1.1.1.1", "2.2.2.2", 1, 2, 4);
		((struct rte_ipv4_hdr *)(f + ETH))->type_of_service = (uint8_t)(d << 2 | (d & 3));
		ip4_fix_checksum(f, ETH);
		expect(len, d % 8);
	}
	for (unsigned d = 0; d < 64; d += 5) {
		f = next_frame(&batch);
		len = build_udp6(f, "1::1", "2::2", 1, 2, 4);
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(f + ETH);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28 | (d << 2 | 1) << 20 | 0x12345);
		expect(len, d % 8);
	}
	expect(build_arp_request(next_frame(&batch), "02:00:00:00:00:01", "1.1.1.1", "2.2.2.2"), 0);
	run_split("\"by\": \"field\", \"field\": \"dscp\"", 8, &batch, outcome, NULL, NULL);
	assert_outcome("dscp");
}
END_TEST

/* ---- round robin ------------------------------------------------------- */

START_TEST(round_robin_in_turn)
{
	unsigned per_output[3];

	batch.n = 0;
	/* more than one burst, all kinds of frames: the turn ignores content */
	for (unsigned i = 0; i < 700; i++) {
		uint8_t *f = next_frame(&batch);
		size_t len = i % 5 == 0 ? build_arp_request(f, "02:00:00:00:00:01", "1.1.1.1", "2.2.2.2")
			     : i % 5 == 1 ? build_udp6(f, "1::1", "2::2", 1, 2, 4)
					  : build_udp4(f, "1.1.1.1", "2.2.2.2", 1, 2, 4);
		expect(len, i % 3);
	}
	run_split("\"by\": \"round_robin\"", 3, &batch, outcome, per_output, NULL);
	assert_outcome("round_robin");
	ck_assert_uint_eq(per_output[0], 234);
	ck_assert_uint_eq(per_output[1], 233);
	ck_assert_uint_eq(per_output[2], 233);
}
END_TEST

/* ---- how the packets are handed on ------------------------------------- */

/* Frame index as push() wrote it in the last two bytes. */
static unsigned
frame_index(struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned dl = rte_pktmbuf_data_len(m);

	return (unsigned)d[dl - 2] << 8 | d[dl - 1];
}

/* split writes each output's packets straight into the next node's stream
 * (nfg_enqueue_gathered): each output keeps the order packets came in, over
 * bursts larger and smaller than a stream. */
START_TEST(outputs_keep_arrival_order)
{
	unsigned per_output[3];

	batch.n = 0;
	for (unsigned i = 0; i < 1000; i++) {
		char a[32];
		snprintf(a, sizeof(a), "198.18.%u.%u", i / 250, i % 250);
		push(&batch, build_udp4(next_frame(&batch), a, "198.19.0.1", (uint16_t)(1000 + i),
					53, 4));
	}
	/* run_split checks each output's order too. */
	run_split("\"by\": \"hash\"", 3, &batch, outcome, per_output, check_hash);
	for (unsigned o = 0; o < 3; o++)
		ck_assert_uint_gt(per_output[o], 100);
}
END_TEST

/* Two outputs into one node: both reach it, each packet once, in arrival
 * order (gathering into one stream from two outputs would overwrite). */
START_TEST(two_outputs_into_one_node)
{
	batch.n = 0;
	for (unsigned i = 0; i < 600; i++)
		push(&batch, build_udp4(next_frame(&batch), "198.18.0.1", "198.18.0.2", 1, 2, 4));
	struct harness *h = harness_load(
		"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"s\": {\"op\": \"split\","
		" \"by\": \"round_robin\", \"outputs\": 3}, \"c\": {\"op\": \"test_collect\"},"
		" \"d\": {\"op\": \"test_collect\"}}, \"edges\": [\"in -> s\", \"s.out0 -> c\","
		" \"s.out1 -> c\", \"s.out2 -> d\"]}");
	for (unsigned i = 0; i < batch.n; i++) {
		struct rte_mbuf *m = harness_pkt(batch.frames[i], batch.lens[i]);
		harness_inject(h, "in", &m, 1);
	}
	harness_walk(h, 20);
	struct rte_mbuf **got;
	unsigned n = harness_collected(h, "c", &got);
	ck_assert_uint_eq(n, 400);
	for (unsigned i = 0, want = 0; i < n; i++, want += want % 3 == 1 ? 2 : 1)
		ck_assert_uint_eq(frame_index(got[i]), want);
	ck_assert_uint_eq(harness_collected(h, "d", NULL), 200);
	harness_free(h);
}
END_TEST

/* ---- refused parameters ------------------------------------------------ */

static void
assert_error(const char *split_params, const char *edges, const char *place, const char *words)
{
	char json[1024];

	snprintf(json, sizeof(json),
		 "{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"s\": {\"op\": \"split\", %s},"
		 " \"a\": {\"op\": \"test_collect\"}, \"b\": {\"op\": \"test_collect\"}},"
		 " \"edges\": [\"in -> s\", %s]}",
		 split_params, edges);
	const char *msg = harness_load_error(json);
	ck_assert_msg(msg != NULL, "accepted, expected an error at %s", place);
	ck_assert_msg(strstr(msg, place) != NULL, "message \"%s\" does not name %s", msg, place);
	ck_assert_msg(strstr(msg, words) != NULL, "message \"%s\" does not say \"%s\"", msg, words);
}

START_TEST(bad_parameters_refused)
{
	const char *two = "\"s.out0 -> a\", \"s.out1 -> b\"";

	assert_error("\"outputs\": 1", two, "nodes.s.outputs", "from 2 to 16");
	assert_error("\"outputs\": 17", two, "nodes.s.outputs", "from 2 to 16");
	assert_error("\"by\": \"field\"", two, "nodes.s", "missing parameter \"outputs\"");
	assert_error("\"outputs\": 2, \"by\": \"field\"", two, "nodes.s.field", "needs a field");
	assert_error("\"outputs\": 2, \"field\": \"dport\"", two, "nodes.s.field",
		     "only used with \"by\": \"field\"");
	assert_error("\"outputs\": 2, \"by\": \"field\", \"field\": \"ttl\"", two, "nodes.s.field",
		     "dscp");
	assert_error("\"outputs\": 2, \"by\": \"random\"", two, "nodes.s.by", "round_robin");
	assert_error("\"outputs\": 3", two, "nodes.s", "output \"out2\" of node s (split) is not "
		     "connected");
	assert_error("\"outputs\": 2", "\"s.out2 -> a\", \"s.out1 -> b\"", "edges[1]",
		     "has no output \"out2\"");
}
END_TEST

TEST_SUITE(split_suite)
static Suite *
split_suite(void)
{
	Suite *s = suite_create("split");
	TCase *tc = tcase_create("split");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hash_keeps_flows_together);
	tcase_add_test(tc, hash_is_the_default);
	tcase_add_test(tc, field_ports);
	tcase_add_test(tc, field_addresses);
	tcase_add_test(tc, field_proto_vlan_dscp);
	tcase_add_test(tc, round_robin_in_turn);
	tcase_add_test(tc, outputs_keep_arrival_order);
	tcase_add_test(tc, two_outputs_into_one_node);
	tcase_add_test(tc, bad_parameters_refused);
	suite_add_tcase(s, tc);
	return s;
}
