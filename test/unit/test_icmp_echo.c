/* SPDX-License-Identifier: BSD-3-Clause
 *
 * icmp_echo: a request for the port's address becomes a byte-exact reply;
 * everything else leaves unchanged on "other"; bad checksums and cut-short
 * requests are dropped and counted, without reading past the data (in ASan
 * builds the bytes around the test frames are poisoned).
 */
#include <arpa/inet.h>
#include <string.h>

#include "harness.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#endif

#define PORTS                                                                             \
	"\"ports\": {\"p\": {\"device\": \"wire:w\", \"mac\": \"02:00:00:00:00:aa\",\n"         \
	"                  \"ipv4\": \"198.18.0.1/24\"}, \"q\": {\"device\": \"wire:w\"}},\n"

/* In front: parse, as in a real graph. */
#define PING_GRAPH                                                                        \
	"{" PORTS                                                                         \
	" \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"parse\": {\"op\": \"parse\"},\n"     \
	"  \"ping\": {\"op\": \"icmp_echo\", \"port\": \"p\", \"addresses\": [\"198.18.0.50\"]},\n" \
	"  \"rep\": {\"op\": \"test_collect\"}, \"oth\": {\"op\": \"test_collect\"}},\n"        \
	" \"edges\": [\"in -> parse -> ping\", \"ping.reply -> rep\", \"ping.other -> oth\"]}"

/* Without parse: the test sets the mbuf fields itself, to feed frames that
 * parse would never let through. */
#define RAW_GRAPH                                                                         \
	"{" PORTS                                                                         \
	" \"nodes\": {\"in\": {\"op\": \"test_inject\"},\n"                                   \
	"  \"ping\": {\"op\": \"icmp_echo\", \"port\": \"p\"},\n"                               \
	"  \"rep\": {\"op\": \"test_collect\"}, \"oth\": {\"op\": \"test_collect\"}},\n"        \
	" \"edges\": [\"in -> ping\", \"ping.reply -> rep\", \"ping.other -> oth\"]}"

#define IP_OFF RTE_ETHER_HDR_LEN
#define ICMP_OFF (IP_OFF + 20)

static const uint8_t port_mac[6] = { 2, 0, 0, 0, 0, 0xaa };

static struct rte_ipv4_hdr *
iph(uint8_t *frame)
{
	return (struct rte_ipv4_hdr *)(frame + IP_OFF);
}

static struct rte_icmp_hdr *
icmph(uint8_t *frame)
{
	return (struct rte_icmp_hdr *)(frame + ICMP_OFF);
}

static void
fix_ip_checksum(uint8_t *frame)
{
	iph(frame)->hdr_checksum = 0;
	iph(frame)->hdr_checksum = rte_ipv4_cksum(iph(frame));
}

/* The reply to an echo request frame, built the long way. */
static size_t
expected_reply(uint8_t *want, const uint8_t *req, size_t len)
{
	memcpy(want, req, len);
	memcpy(want, req + 6, 6);
	memcpy(want + 6, port_mac, 6);
	iph(want)->src_addr = iph((uint8_t *)req)->dst_addr;
	iph(want)->dst_addr = iph((uint8_t *)req)->src_addr;
	iph(want)->time_to_live = 64;
	fix_ip_checksum(want);
	icmph(want)->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmph(want)->icmp_cksum = 0;
	icmph(want)->icmp_cksum = (uint16_t)~rte_raw_cksum(icmph(want), len - ICMP_OFF);
	return len;
}

static void
send_frame(struct harness *h, const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = harness_pkt(frame, len);

	harness_inject(h, "in", &m, 1);
	harness_walk(h, 2);
}

static void
assert_collected(struct harness *h, const char *node, unsigned idx, const uint8_t *want,
		 size_t len)
{
	struct rte_mbuf **pkts;
	unsigned n = harness_collected(h, node, &pkts);

	ck_assert_uint_gt(n, idx);
	ck_assert_uint_eq(rte_pktmbuf_pkt_len(pkts[idx]), len);
	uint8_t got[2048];
	const uint8_t *p = rte_pktmbuf_read(pkts[idx], 0, (uint32_t)len, got);
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(p[i] == want[i], "%s[%u] byte %zu: got %02x, want %02x", node, idx, i,
			      p[i], want[i]);
}

START_TEST(request_gets_exact_reply)
{
	struct harness *h = harness_load(PING_GRAPH);
	uint8_t req[256], want[256];
	/* an odd payload length, and a TTL the reply must not keep */
	size_t len = build_icmp4_echo(req, "198.18.0.9", "198.18.0.1", 0x1234, 7, 33);

	iph(req)->time_to_live = 17;
	fix_ip_checksum(req);
	expected_reply(want, req, len);
	send_frame(h, req, len);
	ck_assert_uint_eq(harness_collected(h, "rep", NULL), 1);
	ck_assert_uint_eq(harness_collected(h, "oth", NULL), 0);
	assert_collected(h, "rep", 0, want, len);
	ck_assert(frame_checksums_ok(want, len));
	ck_assert_uint_eq(harness_counter(h, "ping", "replied"), 1);
	harness_free(h);
}
END_TEST

START_TEST(extra_addresses_are_answered)
{
	struct harness *h = harness_load(PING_GRAPH);
	uint8_t req[256], want[256];
	size_t len = build_icmp4_echo(req, "198.19.3.4", "198.18.0.50", 1, 1, 56);

	expected_reply(want, req, len);
	send_frame(h, req, len);
	assert_collected(h, "rep", 0, want, len);
	ck_assert_uint_eq(harness_counter(h, "ping", "replied"), 1);
	harness_free(h);
}
END_TEST

START_TEST(everything_else_goes_to_other_unchanged)
{
	struct harness *h = harness_load(PING_GRAPH);
	uint8_t f[7][256];
	size_t lens[7];
	struct rte_mbuf *pkts[7];

	lens[0] = build_icmp4_echo(f[0], "198.18.0.9", "198.18.0.77", 1, 1, 8); /* not ours */
	lens[1] = build_udp4(f[1], "198.18.0.9", "198.18.0.1", 1000, 7, 8);
	lens[2] = build_icmp4_echo(f[2], "198.18.0.9", "198.18.0.1", 1, 1, 8);
	icmph(f[2])->icmp_type = RTE_IP_ICMP_ECHO_REPLY; /* a reply, not a request */
	icmph(f[2])->icmp_cksum = 0;
	icmph(f[2])->icmp_cksum = (uint16_t)~rte_raw_cksum(icmph(f[2]), 16);
	lens[3] = build_udp6(f[3], "2001:db8::1", "2001:db8::2", 1, 2, 8);
	lens[4] = build_arp_request(f[4], "02:00:00:00:00:07", "198.18.0.7", "198.18.0.1");
	lens[5] = build_icmp4_echo(f[5], "0.0.0.0", "198.18.0.1", 1, 1, 8); /* no one to answer */
	lens[6] = build_icmp4_echo(f[6], "198.18.0.9", "198.18.0.1", 1, 1, 8);
	icmph(f[6])->icmp_code = 1; /* echo requests have code 0 */
	icmph(f[6])->icmp_cksum = 0;
	icmph(f[6])->icmp_cksum = (uint16_t)~rte_raw_cksum(icmph(f[6]), 16);
	for (int i = 0; i < 7; i++)
		pkts[i] = harness_pkt(f[i], lens[i]);
	harness_inject(h, "in", pkts, 7);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "rep", NULL), 0);
	ck_assert_uint_eq(harness_collected(h, "oth", NULL), 7);
	for (unsigned i = 0; i < 7; i++)
		assert_collected(h, "oth", i, f[i], lens[i]);
	ck_assert_uint_eq(harness_counter(h, "ping", "replied"), 0);
	harness_free(h);
}
END_TEST

START_TEST(bad_checksum_is_dropped)
{
	struct harness *h = harness_load(PING_GRAPH);
	uint8_t req[256];
	size_t len = build_icmp4_echo(req, "198.18.0.9", "198.18.0.1", 1, 1, 20);

	req[len - 1] ^= 0x40; /* a payload bit flipped on the way */
	send_frame(h, req, len);
	ck_assert_uint_eq(harness_collected(h, "rep", NULL), 0);
	ck_assert_uint_eq(harness_collected(h, "oth", NULL), 0);
	ck_assert_uint_eq(harness_counter(h, "ping", "bad_checksum"), 1);
	ck_assert_uint_eq(harness_counter(h, "ping", "replied"), 0);
	harness_free(h);
}
END_TEST

/* The first fragment of a large echo request (ping -s 3000) holds only part
 * of the message: no reply, and counted as what it is, not as a bad checksum. */
START_TEST(first_fragment_is_counted_not_answered)
{
	struct harness *h = harness_load(PING_GRAPH);
	uint8_t req[256];
	size_t len = build_icmp4_echo(req, "198.18.0.9", "198.18.0.1", 1, 1, 40);
	struct rte_ipv4_hdr *ip = iph(req);

	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	send_frame(h, req, len);
	ck_assert_uint_eq(harness_collected(h, "rep", NULL), 0);
	ck_assert_uint_eq(harness_counter(h, "ping", "fragmented"), 1);
	ck_assert_uint_eq(harness_counter(h, "ping", "bad_checksum"), 0);
	harness_free(h);
}
END_TEST

START_TEST(mixed_batches_keep_their_order)
{
	struct harness *h = harness_load(PING_GRAPH);
	uint8_t f[6][256], want[256];
	size_t lens[6];
	struct rte_mbuf *pkts[6];

	lens[0] = build_udp4(f[0], "198.18.0.9", "198.18.0.1", 1000, 7, 8);
	lens[1] = build_icmp4_echo(f[1], "198.18.0.9", "198.18.0.1", 1, 1, 8);
	lens[2] = build_icmp4_echo(f[2], "198.18.0.9", "198.18.0.1", 1, 2, 8);
	lens[3] = build_icmp4_echo(f[3], "198.18.0.9", "198.18.0.1", 1, 3, 8);
	f[3][ICMP_OFF + 2] ^= 1; /* bad checksum */
	lens[4] = build_udp4(f[4], "198.18.0.9", "198.18.0.1", 1001, 7, 8);
	lens[5] = build_icmp4_echo(f[5], "198.18.0.9", "198.18.0.1", 1, 4, 8);
	for (int i = 0; i < 6; i++)
		pkts[i] = harness_pkt(f[i], lens[i]);
	harness_inject(h, "in", pkts, 6);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "rep", NULL), 3);
	ck_assert_uint_eq(harness_collected(h, "oth", NULL), 2);
	assert_collected(h, "rep", 0, want, expected_reply(want, f[1], lens[1]));
	assert_collected(h, "rep", 1, want, expected_reply(want, f[2], lens[2]));
	assert_collected(h, "rep", 2, want, expected_reply(want, f[5], lens[5]));
	assert_collected(h, "oth", 0, f[0], lens[0]);
	assert_collected(h, "oth", 1, f[4], lens[4]);
	ck_assert_uint_eq(harness_counter(h, "ping", "bad_checksum"), 1);

	/* a batch of requests only: all to "reply" in one move */
	for (int i = 0; i < 5; i++)
		pkts[i] = harness_pkt(f[5], lens[5]);
	harness_inject(h, "in", pkts, 5);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "rep", NULL), 8);
	ck_assert_uint_eq(harness_counter(h, "ping", "replied"), 8);
	harness_free(h);
}
END_TEST

START_TEST(request_across_two_segments)
{
	struct harness *h = harness_load(PING_GRAPH);
	uint8_t req[512], want[512];
	size_t len = build_icmp4_echo(req, "198.18.0.9", "198.18.0.1", 9, 9, 301);
	size_t first = ICMP_OFF + 8 + 10;

	struct rte_mbuf *m = harness_pkt(req, first);
	struct rte_mbuf *tail = harness_pkt(req + first, len - first);
	ck_assert_int_eq(rte_pktmbuf_chain(m, tail), 0);
	harness_inject(h, "in", &m, 1);
	harness_walk(h, 2);
	assert_collected(h, "rep", 0, want, expected_reply(want, req, len));
	harness_free(h);
}
END_TEST

/* Fields as parse would set them for an IPv4/ICMP frame. */
static struct rte_mbuf *
raw_icmp_pkt(const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = harness_pkt(frame, len);
	uint8_t *buf = m->buf_addr, *data = rte_pktmbuf_mtod(m, uint8_t *);

	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_ICMP;
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = 20;
	m->l4_len = 8;
	/* One extra reference: the operator's free leaves the mbuf to the test,
	 * which unpoisons it before it goes back to the pool. */
	rte_mbuf_refcnt_update(m, 1);
	ASAN_POISON_MEMORY_REGION(data + len, (size_t)(buf + m->buf_len - data - len));
	return m;
}

static void
raw_release(struct rte_mbuf *m)
{
	ASAN_UNPOISON_MEMORY_REGION(m->buf_addr, m->buf_len);
	rte_pktmbuf_free(m);
}

START_TEST(truncated_requests_are_dropped)
{
	uint8_t req[256];
	size_t len = build_icmp4_echo(req, "198.18.0.9", "198.18.0.1", 1, 1, 40);

	/* With parse in front, a frame shorter than its IP length never gets here. */
	struct harness *h = harness_load(PING_GRAPH);
	send_frame(h, req, len - 10);
	ck_assert_uint_eq(harness_collected(h, "rep", NULL) + harness_collected(h, "oth", NULL), 0);
	ck_assert_uint_eq(harness_counter(h, "parse", "bad_ipv4_length"), 1);
	harness_free(h);

	/* Fed directly: the ICMP header cut short, then the message cut short. */
	h = harness_load(RAW_GRAPH);
	struct rte_mbuf *cut[2] = { raw_icmp_pkt(req, ICMP_OFF + 1), raw_icmp_pkt(req, len - 10) };
	harness_inject(h, "in", cut, 2);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_counter(h, "ping", "truncated"), 2);
	ck_assert_uint_eq(harness_collected(h, "rep", NULL) + harness_collected(h, "oth", NULL), 0);
	raw_release(cut[0]);
	raw_release(cut[1]);

	/* and a whole one through the same graph is answered */
	struct rte_mbuf *whole = raw_icmp_pkt(req, len);
	harness_inject(h, "in", &whole, 1);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_counter(h, "ping", "replied"), 1);
	ck_assert_uint_eq(harness_collected(h, "rep", NULL), 1);
	ASAN_UNPOISON_MEMORY_REGION(whole->buf_addr, whole->buf_len);
	rte_mbuf_refcnt_update(whole, -1);
	harness_free(h);
}
END_TEST

START_TEST(bad_address_parameter)
{
	const char *msg = harness_load_error(
		"{" PORTS " \"nodes\": {\"in\": {\"op\": \"test_inject\"},\n"
		"  \"ping\": {\"op\": \"icmp_echo\", \"port\": \"p\", \"addresses\": [\"198.18.0.2\", "
		"\"ten.0.0.1\"]},\n"
		"  \"c\": {\"op\": \"test_collect\"}},\n"
		" \"edges\": [\"in -> ping\", \"ping.reply -> c\", \"ping.other -> c\"]}");

	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.ping.addresses[1]") && strstr(msg, "IPv4"), "%s", msg);
}
END_TEST

TEST_SUITE(icmp_echo_suite)
static Suite *
icmp_echo_suite(void)
{
	Suite *s = suite_create("icmp_echo");
	TCase *tc = tcase_create("echo");

	tcase_add_test(tc, request_gets_exact_reply);
	tcase_add_test(tc, extra_addresses_are_answered);
	tcase_add_test(tc, everything_else_goes_to_other_unchanged);
	tcase_add_test(tc, bad_checksum_is_dropped);
	tcase_add_test(tc, first_fragment_is_counted_not_answered);
	tcase_add_test(tc, mixed_batches_keep_their_order);
	tcase_add_test(tc, request_across_two_segments);
	tcase_add_test(tc, truncated_requests_are_dropped);
	tcase_add_test(tc, bad_address_parameter);
	suite_add_tcase(s, tc);
	return s;
}
