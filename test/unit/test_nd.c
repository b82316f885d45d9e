/* SPDX-License-Identifier: BSD-3-Clause
 *
 * nd: a solicitation for our address gets a byte-exact advertisement (its
 * checksum summed again here over the pseudo-header); a duplicate-address
 * probe is answered to all nodes; every malformed NS/NA and every ICMPv6 nd
 * does not handle is dropped under its own reason, with nothing sent; an
 * outbound packet for an unknown neighbour waits for its advertisement; the
 * announcement at start. Also icmp_echo's ICMPv6 echo. Addresses from
 * 2001:2::/48 (RFC 5180).
 */
#include <arpa/inet.h>
#include <string.h>

#include "harness.h"

#define PORTS                                                                             \
	"\"ports\": {\"p\": {\"device\": \"wire:w\", \"mac\": \"02:00:00:00:00:aa\",\n"         \
	"                  \"ipv6\": \"2001:2::1/64\"}, \"q\": {\"device\": \"wire:w\"}},\n"

#define ND_GRAPH_FMT                                                                      \
	"{" PORTS                                                                         \
	" \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"parse\": {\"op\": \"parse\"},\n"     \
	"  \"nd\": {\"op\": \"nd\", \"port\": \"p\"%s},\n"                                     \
	"  \"wire\": {\"op\": \"test_collect\"}, \"oth\": {\"op\": \"test_collect\"}},\n"       \
	" \"edges\": [\"in -> parse -> nd\", \"nd.out -> wire\", \"nd.other -> oth\"]}"

#define L3 RTE_ETHER_HDR_LEN
#define L4 (L3 + 40)

static const uint8_t port_mac[6] = { 2, 0, 0, 0, 0, 0xaa };
static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 0x01 }; /* build_icmp6's source */

static struct harness *
nd_load(const char *params)
{
	char text[4096];

	snprintf(text, sizeof(text), ND_GRAPH_FMT, params);
	return harness_load(text);
}

static void
ip6(const char *s, uint8_t *a)
{
	ck_assert_int_eq(inet_pton(AF_INET6, s, a), 1);
}

/* An NS or NA message: type, flags, target, and an optional address option. */
static size_t
nd_msg(uint8_t *msg, uint8_t type, uint8_t flags, const char *target, uint8_t opt,
       const uint8_t *mac)
{
	memset(msg, 0, 32);
	msg[0] = type;
	msg[4] = flags;
	ip6(target, msg + 8);
	if (!opt)
		return 24;
	msg[24] = opt;
	msg[25] = 1;
	memcpy(msg + 26, mac, 6);
	return 32;
}

static size_t
ns(uint8_t *f, const char *src, const char *dst, const char *target, bool sll)
{
	uint8_t msg[64];
	size_t len = nd_msg(msg, 135, 0, target, sll ? 1 : 0, peer_mac);

	return build_icmp6(f, src, dst, 255, msg, len);
}

/* The ICMPv6 checksum of a frame, summed again: 0 when right. */
static uint16_t
icmp6_check(const uint8_t *f)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(f + L3);

	return rte_ipv6_udptcp_cksum_verify(ip, f + L4) == 0 ? 0 : 1;
}

static void
send_frame(struct harness *h, const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = harness_pkt(frame, len);

	harness_inject(h, "in", &m, 1);
	harness_walk(h, 2);
}

static void
assert_frame(struct rte_mbuf *m, const uint8_t *want, size_t len)
{
	const uint8_t *got = rte_pktmbuf_mtod(m, const uint8_t *);

	ck_assert_uint_eq(rte_pktmbuf_pkt_len(m), len);
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(got[i] == want[i], "byte %zu: got %02x, want %02x", i, got[i], want[i]);
	ck_assert_uint_eq(icmp6_check(got), 0);
}

/* The advertisement nd should send, built the long way. */
static size_t
expected_na(uint8_t *want, const uint8_t *dst_mac, const char *dst, uint8_t flags)
{
	uint8_t msg[32];
	size_t len = build_icmp6(want, "2001:2::1", dst, 255, msg,
				 nd_msg(msg, 136, flags, "2001:2::1", 2, port_mac));

	memcpy(want, dst_mac, 6);
	memcpy(want + 6, port_mac, 6);
	return len;
}

START_TEST(solicitation_gets_exact_advertisement)
{
	struct harness *h = nd_load(", \"announce\": false");
	uint8_t f[256], want[256];
	size_t len = ns(f, "2001:2::7", "ff02::1:ff00:1", "2001:2::1", true);

	send_frame(h, f, len);
	struct rte_mbuf **pkts;
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 1);
	size_t wlen = expected_na(want, peer_mac, "2001:2::7", 0x60); /* solicited, override */
	assert_frame(pkts[0], want, wlen);
	ck_assert_uint_eq(harness_counter(h, "nd", "solicitations_received"), 1);
	ck_assert_uint_eq(harness_counter(h, "nd", "advertisements_sent"), 1);
	ck_assert_uint_eq(harness_counter(h, "nd", "learned"), 1);

	/* the asker was learned: a packet to it leaves addressed, with no solicitation */
	len = build_udp6(f, "2001:2::1", "2001:2::7", 1000, 9, 10);
	send_frame(h, f, len);
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 2);
	ck_assert_mem_eq(rte_pktmbuf_mtod(pkts[1], uint8_t *), peer_mac, 6);
	ck_assert_mem_eq(rte_pktmbuf_mtod(pkts[1], uint8_t *) + 6, port_mac, 6);
	ck_assert_uint_eq(harness_counter(h, "nd", "solicitations_sent"), 0);
	harness_free(h);
}
END_TEST

START_TEST(duplicate_probe_answered_to_all_nodes)
{
	struct harness *h = nd_load(", \"announce\": false");
	uint8_t f[256], want[256];
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };

	send_frame(h, f, ns(f, "::", "ff02::1:ff00:1", "2001:2::1", false));
	struct rte_mbuf **pkts;
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 1);
	assert_frame(pkts[0], want, expected_na(want, all_nodes_mac, "ff02::1", 0x20));
	ck_assert_uint_eq(harness_counter(h, "nd", "learned"), 0);
	harness_free(h);
}
END_TEST

START_TEST(announcement_at_start)
{
	struct harness *h = nd_load("");
	uint8_t want[256];
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };

	harness_walk(h, 2);
	struct rte_mbuf **pkts;
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 1);
	assert_frame(pkts[0], want, expected_na(want, all_nodes_mac, "ff02::1", 0x20));
	ck_assert_uint_eq(harness_counter(h, "nd", "announcements_sent"), 1);
	harness_walk(h, 4);
	ck_assert_uint_eq(harness_collected(h, "wire", NULL), 1); /* once */
	harness_free(h);
}
END_TEST

/* Every kind of bad message, and every ICMPv6 nd does not handle, is
 * dropped under its reason; nothing is sent, nothing learned. */
START_TEST(malformed_and_unhandled_are_counted)
{
	struct harness *h = nd_load(", \"announce\": false");
	uint8_t f[256], msg[64];
	size_t len;
	struct { const char *reason; unsigned n; } want[] = {
		{ "nd_bad_hop_limit", 0 }, { "nd_bad_checksum", 0 }, { "nd_bad_code", 0 },
		{ "nd_bad_option", 0 }, { "nd_truncated", 0 }, { "nd_bad_target", 0 },
		{ "nd_not_for_us", 0 }, { "nd_bad_source", 0 }, { "router_messages", 0 },
		{ "icmp6_not_handled", 0 }, { "duplicate_address", 0 },
	};
#define EXPECT(i) want[i].n++

	/* hop limit 64: routed, so not from the link */
	len = nd_msg(msg, 135, 0, "2001:2::1", 1, peer_mac);
	send_frame(h, f, build_icmp6(f, "2001:2::7", "2001:2::1", 64, msg, len));
	EXPECT(0);
	/* a wrong checksum */
	len = ns(f, "2001:2::7", "2001:2::1", "2001:2::1", true);
	f[L4 + 2] ^= 0x55;
	send_frame(h, f, len);
	EXPECT(1);
	/* code 1 */
	len = nd_msg(msg, 135, 0, "2001:2::1", 1, peer_mac);
	msg[1] = 1;
	send_frame(h, f, build_icmp6(f, "2001:2::7", "2001:2::1", 255, msg, len));
	EXPECT(2);
	/* an option of length 0 */
	len = nd_msg(msg, 135, 0, "2001:2::1", 1, peer_mac);
	msg[25] = 0;
	send_frame(h, f, build_icmp6(f, "2001:2::7", "2001:2::1", 255, msg, len));
	EXPECT(3);
	/* an option running past the message */
	len = nd_msg(msg, 135, 0, "2001:2::1", 1, peer_mac);
	msg[25] = 2;
	send_frame(h, f, build_icmp6(f, "2001:2::7", "2001:2::1", 255, msg, len));
	EXPECT(3);
	/* a source address option that is not 8 bytes */
	len = nd_msg(msg, 135, 0, "2001:2::1", 1, peer_mac);
	msg[25] = 2;
	memset(msg + 32, 0, 8);
	send_frame(h, f, build_icmp6(f, "2001:2::7", "2001:2::1", 255, msg, len + 8));
	EXPECT(3);
	/* a lone option byte after the target */
	len = nd_msg(msg, 135, 0, "2001:2::1", 0, NULL);
	msg[24] = 1;
	send_frame(h, f, build_icmp6(f, "2001:2::7", "2001:2::1", 255, msg, 25));
	EXPECT(3);
	/* shorter than an NS (20 bytes: no whole target) */
	len = nd_msg(msg, 135, 0, "2001:2::1", 0, NULL);
	send_frame(h, f, build_icmp6(f, "2001:2::7", "2001:2::1", 255, msg, 20));
	EXPECT(4);
	/* a multicast target */
	send_frame(h, f, ns(f, "2001:2::7", "ff02::1:ff00:1", "ff02::1", true));
	EXPECT(5);
	/* somebody else's address */
	send_frame(h, f, ns(f, "2001:2::7", "ff02::1:ff00:2", "2001:2::2", true));
	EXPECT(6);
	/* a probe (from ::) that carries an address option, or is unicast */
	send_frame(h, f, ns(f, "::", "ff02::1:ff00:1", "2001:2::1", true));
	EXPECT(7);
	send_frame(h, f, ns(f, "::", "2001:2::1", "2001:2::1", false));
	EXPECT(7);
	/* a solicited advertisement to a group */
	len = nd_msg(msg, 136, 0x40, "2001:2::7", 2, peer_mac);
	send_frame(h, f, build_icmp6(f, "2001:2::7", "ff02::1", 255, msg, len));
	EXPECT(7);
	/* router solicitation, router advertisement, redirect */
	for (uint8_t type = 133; type <= 137; type += type == 134 ? 3 : 1) {
		len = nd_msg(msg, type, 0, "2001:2::9", 0, NULL);
		send_frame(h, f, build_icmp6(f, "2001:2::7", "ff02::1", 255, msg, len));
		EXPECT(8);
	}
	/* an MLD report and an echo request to us */
	memset(msg, 0, 28);
	msg[0] = 143;
	send_frame(h, f, build_icmp6(f, "2001:2::7", "ff02::16", 1, msg, 28));
	EXPECT(9);
	msg[0] = 128;
	send_frame(h, f, build_icmp6(f, "2001:2::7", "2001:2::1", 64, msg, 16));
	EXPECT(9);
	/* an advertisement for our own address from another node */
	len = nd_msg(msg, 136, 0x20, "2001:2::1", 2, peer_mac);
	send_frame(h, f, build_icmp6(f, "2001:2::7", "ff02::1", 255, msg, len));
	EXPECT(10);

	for (unsigned i = 0; i < RTE_DIM(want); i++)
		ck_assert_msg(harness_counter(h, "nd", want[i].reason) == want[i].n,
			      "%s: %lu, want %u", want[i].reason,
			      (unsigned long)harness_counter(h, "nd", want[i].reason), want[i].n);
	ck_assert_uint_eq(harness_collected(h, "wire", NULL), 0);
	ck_assert_uint_eq(harness_collected(h, "oth", NULL), 0);
	ck_assert_uint_eq(harness_counter(h, "nd", "learned"), 0);
	ck_assert_uint_eq(harness_counter(h, "nd", "solicitations_received"), 0);
	harness_free(h);
#undef EXPECT
}
END_TEST

START_TEST(unknown_neighbour_waits_for_its_advertisement)
{
	struct harness *h = nd_load(", \"announce\": false");
	uint8_t f[256], udp[256], want[256], msg[64];
	size_t ulen = build_udp6(udp, "2001:2::1", "2001:2::9", 1000, 9, 10);

	send_frame(h, udp, ulen);
	struct rte_mbuf **pkts;
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 1);
	/* the solicitation, to 2001:2::9's solicited-node group */
	size_t len = nd_msg(msg, 135, 0, "2001:2::9", 1, port_mac);
	size_t wlen = build_icmp6(want, "2001:2::1", "ff02::1:ff00:9", 255, msg, len);
	static const uint8_t group_mac[6] = { 0x33, 0x33, 0xff, 0, 0, 9 };
	memcpy(want, group_mac, 6);
	memcpy(want + 6, port_mac, 6);
	assert_frame(pkts[0], want, wlen);
	ck_assert_uint_eq(harness_counter(h, "nd", "solicitations_sent"), 1);

	/* the answer releases the packet, addressed */
	len = nd_msg(msg, 136, 0x60, "2001:2::9", 2, peer_mac);
	send_frame(h, f, build_icmp6(f, "2001:2::9", "2001:2::1", 255, msg, len));
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 2);
	memcpy(want, udp, ulen);
	memcpy(want, peer_mac, 6);
	memcpy(want + 6, port_mac, 6);
	ck_assert_uint_eq(rte_pktmbuf_pkt_len(pkts[1]), ulen);
	ck_assert_mem_eq(rte_pktmbuf_mtod(pkts[1], uint8_t *), want, ulen);
	ck_assert_uint_eq(harness_counter(h, "nd", "advertisements_received"), 1);
	ck_assert_uint_eq(harness_counter(h, "nd", "learned"), 1);

	/* off the prefix, with no gateway: no route; non-IPv6 goes to other */
	send_frame(h, udp, build_udp6(udp, "2001:2::1", "2001:2:0:1::9", 1000, 9, 10));
	ck_assert_uint_eq(harness_counter(h, "nd", "no_route"), 1);
	send_frame(h, udp, build_udp4(udp, "198.18.0.1", "198.18.0.2", 1, 2, 3));
	ck_assert_uint_eq(harness_collected(h, "oth", NULL), 1);
	/* one more waits for a neighbour that never answers: freed at teardown */
	send_frame(h, udp, build_udp6(udp, "2001:2::1", "2001:2::10", 1000, 9, 10));
	harness_free(h);
}
END_TEST

START_TEST(port_ipv6_errors)
{
	const char *bad[][2] = {
		{ "\"ff02::1/64\"", "multicast" },
		{ "\"::/64\"", "unspecified" },
		{ "\"::ffff:198.18.0.1/96\"", "IPv4-mapped" },
		{ "\"198.18.0.1/24\"", "expected an IPv6 address" },
		{ "\"2001:2::1/129\"", "expected an IPv6 address" },
		{ "[\"2001:2::1/64\", \"2001:2::1/64\"]", "given twice" },
		{ "7", "expected an IPv6 address" },
	};
	for (unsigned i = 0; i < RTE_DIM(bad); i++) {
		char text[1024];
		snprintf(text, sizeof(text),
			 "{\"ports\": {\"p\": {\"device\": \"wire:w\", \"ipv6\": %s}},"
			 " \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"o\": {\"op\": \"test_collect\"}},"
			 " \"edges\": [\"in -> o\"]}", bad[i][0]);
		const char *err = harness_load_error(text);
		ck_assert_msg(err && strstr(err, "ports.p.ipv6") && strstr(err, bad[i][1]),
			      "%s: %s", bad[i][0], err ? err : "(loaded)");
	}
}
END_TEST

#define PING_GRAPH                                                                        \
	"{" PORTS                                                                         \
	" \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"parse\": {\"op\": \"parse\"},\n"     \
	"  \"ping\": {\"op\": \"icmp_echo\", \"port\": \"p\", \"addresses\": [\"2001:2::50\"]},\n" \
	"  \"rep\": {\"op\": \"test_collect\"}, \"oth\": {\"op\": \"test_collect\"}},\n"        \
	" \"edges\": [\"in -> parse -> ping\", \"ping.reply -> rep\", \"ping.other -> oth\"]}"

static size_t
echo6(uint8_t *f, const char *src, const char *dst, uint8_t type, size_t payload)
{
	uint8_t msg[256];

	memset(msg, 'e', sizeof(msg));
	msg[0] = type;
	msg[1] = 0;
	msg[4] = 0x12, msg[5] = 0x34, msg[6] = 0, msg[7] = 7; /* id, sequence */
	return build_icmp6(f, src, dst, 17, msg, 8 + payload);
}

START_TEST(icmp6_echo_gets_exact_reply)
{
	struct harness *h = harness_load(PING_GRAPH);
	uint8_t f[256], want[256];
	const char *dsts[] = { "2001:2::1", "2001:2::50" };

	for (unsigned i = 0; i < 2; i++) {
		size_t len = echo6(f, "2001:2::9", dsts[i], 128, 33); /* odd length */
		size_t wlen = echo6(want, dsts[i], "2001:2::9", 129, 33);
		memcpy(want, peer_mac, 6);
		memcpy(want + 6, port_mac, 6);
		want[L3 + 7] = 64; /* hop limit */
		send_frame(h, f, len);
		struct rte_mbuf **pkts;
		ck_assert_uint_eq(harness_collected(h, "rep", &pkts), i + 1);
		assert_frame(pkts[i], want, wlen);
	}
	ck_assert_uint_eq(harness_counter(h, "ping", "replied"), 2);

	/* a wrong checksum is dropped; a request to a group, from ::, for another
	 * address, and a reply go on unchanged */
	size_t len = echo6(f, "2001:2::9", "2001:2::1", 128, 8);
	f[L4 + 9] ^= 1;
	send_frame(h, f, len);
	ck_assert_uint_eq(harness_counter(h, "ping", "bad_checksum"), 1);
	send_frame(h, f, echo6(f, "2001:2::9", "ff02::1", 128, 8));
	send_frame(h, f, echo6(f, "::", "2001:2::1", 128, 8));
	send_frame(h, f, echo6(f, "2001:2::9", "2001:2::77", 128, 8));
	send_frame(h, f, echo6(f, "2001:2::9", "2001:2::1", 129, 8));
	ck_assert_uint_eq(harness_collected(h, "oth", NULL), 4);
	ck_assert_uint_eq(harness_counter(h, "ping", "replied"), 2);
	harness_free(h);
}
END_TEST

TEST_SUITE(nd_suite)
static Suite *
nd_suite(void)
{
	Suite *s = suite_create("nd");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, solicitation_gets_exact_advertisement);
	tcase_add_test(tc, duplicate_probe_answered_to_all_nodes);
	tcase_add_test(tc, announcement_at_start);
	tcase_add_test(tc, malformed_and_unhandled_are_counted);
	tcase_add_test(tc, unknown_neighbour_waits_for_its_advertisement);
	tcase_add_test(tc, port_ipv6_errors);
	tcase_add_test(tc, icmp6_echo_gets_exact_reply);
	suite_add_tcase(s, tc);
	return s;
}
