/* SPDX-License-Identifier: BSD-3-Clause
 *
 * rewrite: each action changes exactly the bytes it should, and the
 * checksums it updates incrementally equal the ones computed from scratch;
 * UDP's "no checksum" stays 0; TTL expiry drops; packets an action cannot
 * apply to pass unchanged and are counted.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define RW_GRAPH_FMT                                                                      \
	"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"parse\": {\"op\": \"parse\"},\n"     \
	"  \"rw\": {\"op\": \"rewrite\", %s}, \"col\": {\"op\": \"test_collect\"}},\n"          \
	" \"edges\": [\"in -> parse -> rw -> col\"]}"

#define L2 RTE_ETHER_HDR_LEN
#define IP_OFF L2
#define L4_OFF (L2 + 20)

static struct harness *
rw_load(const char *params)
{
	char text[2048];

	snprintf(text, sizeof(text), RW_GRAPH_FMT, params);
	return harness_load(text);
}

static void
send_frames(struct harness *h, uint8_t frames[][256], const size_t *lens, unsigned n)
{
	struct rte_mbuf *pkts[16];

	for (unsigned i = 0; i < n; i++)
		pkts[i] = harness_pkt(frames[i], lens[i]);
	harness_inject(h, "in", pkts, n);
	harness_walk(h, 2);
}

static void
send_frame(struct harness *h, const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = harness_pkt(frame, len);

	harness_inject(h, "in", &m, 1);
	harness_walk(h, 2);
}

/* The idx-th collected frame is exactly `want`. */
static void
assert_collected(struct harness *h, unsigned idx, const uint8_t *want, size_t len)
{
	struct rte_mbuf **pkts;
	unsigned n = harness_collected(h, "col", &pkts);

	ck_assert_uint_gt(n, idx);
	const uint8_t *got = rte_pktmbuf_mtod(pkts[idx], const uint8_t *);
	ck_assert_uint_eq(rte_pktmbuf_data_len(pkts[idx]), len);
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(got[i] == want[i], "frame %u byte %zu: got %02x, want %02x", idx, i,
			      got[i], want[i]);
}

static uint32_t
ip4(const char *s)
{
	uint32_t a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static struct rte_ipv4_hdr *
iph(uint8_t *frame)
{
	return (struct rte_ipv4_hdr *)(frame + IP_OFF);
}

/* What the checksums of an Ethernet/IPv4/TCP-or-UDP frame are, from scratch. */
static void
recompute_checksums(uint8_t *frame)
{
	struct rte_ipv4_hdr *ip = iph(frame);
	void *l4 = frame + L4_OFF;

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (ip->next_proto_id == IPPROTO_UDP) {
		struct rte_udp_hdr *u = l4;
		u->dgram_cksum = 0;
		u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
	} else if (ip->next_proto_id == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = l4;
		t->cksum = 0;
		t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	}
}

START_TEST(mac_swap_swaps_only_the_macs)
{
	struct harness *h = rw_load("\"mac_swap\": true");
	uint8_t f[256], want[256];
	size_t len = build_udp4(f, "198.18.0.1", "198.18.0.2", 1000, 2000, 18);

	memcpy(want, f, len);
	memcpy(want, f + 6, 6);
	memcpy(want + 6, f, 6);
	send_frame(h, f, len);
	ck_assert_uint_eq(harness_collected(h, "col", NULL), 1);
	assert_collected(h, 0, want, len);
	ck_assert_uint_eq(harness_counter(h, "rw", "not_applicable"), 0);
	harness_free(h);
}
END_TEST

START_TEST(set_macs_after_swap)
{
	/* swap, then the source is set: the reflector's usual combination */
	struct harness *h = rw_load("\"mac_swap\": true, \"src_mac\": \"02:00:00:00:00:aa\"");
	uint8_t f[256], want[256];
	size_t len = build_tcp4(f, "198.18.0.1", "198.18.0.2", 1000, 80, RTE_TCP_SYN_FLAG, 0);
	static const uint8_t aa[6] = { 2, 0, 0, 0, 0, 0xaa };

	memcpy(want, f, len);
	memcpy(want, f + 6, 6);
	memcpy(want + 6, aa, 6);
	send_frame(h, f, len);
	assert_collected(h, 0, want, len);
	harness_free(h);

	h = rw_load("\"dst_mac\": \"02:00:00:00:00:bb\", \"src_mac\": \"02:00:00:00:00:cc\"");
	static const uint8_t bbcc[12] = { 2, 0, 0, 0, 0, 0xbb, 2, 0, 0, 0, 0, 0xcc };
	memcpy(want, f, len);
	memcpy(want, bbcc, 12);
	send_frame(h, f, len);
	assert_collected(h, 0, want, len);
	harness_free(h);
}
END_TEST

START_TEST(ip_swap_keeps_checksums)
{
	struct harness *h = rw_load("\"ip_swap\": true");
	uint8_t f[256], want[256];
	size_t len = build_tcp4(f, "198.18.0.1", "198.19.7.9", 1000, 80, RTE_TCP_ACK_FLAG, 11);

	memcpy(want, f, len);
	iph(want)->src_addr = ip4("198.19.7.9");
	iph(want)->dst_addr = ip4("198.18.0.1");
	recompute_checksums(want);
	send_frame(h, f, len);
	assert_collected(h, 0, want, len);
	ck_assert(frame_checksums_ok(want, len));
	harness_free(h);
}
END_TEST

START_TEST(set_addresses_updates_ip_and_l4_checksums)
{
	struct harness *h = rw_load("\"src_ip\": \"10.1.2.3\", \"dst_ip\": \"172.16.254.9\"");
	uint8_t f[2][256], want[2][256];
	size_t lens[2] = {
		build_udp4(f[0], "198.18.0.1", "198.19.7.9", 1000, 53, 31),
		build_tcp4(f[1], "198.18.0.1", "198.19.7.9", 1000, 80, RTE_TCP_ACK_FLAG, 100),
	};

	for (int i = 0; i < 2; i++) {
		memcpy(want[i], f[i], lens[i]);
		iph(want[i])->src_addr = ip4("10.1.2.3");
		iph(want[i])->dst_addr = ip4("172.16.254.9");
		recompute_checksums(want[i]);
	}
	send_frames(h, f, lens, 2);
	ck_assert_uint_eq(harness_collected(h, "col", NULL), 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_collected(h, i, want[i], lens[i]);
		ck_assert(frame_checksums_ok(want[i], lens[i]));
	}
	harness_free(h);
}
END_TEST

START_TEST(set_and_swap_ports)
{
	struct harness *h = rw_load("\"src_port\": 4242, \"dst_port\": 65535");
	uint8_t f[2][256], want[2][256];
	size_t lens[2] = {
		build_udp4(f[0], "198.18.0.1", "198.19.0.1", 1000, 53, 20),
		build_tcp4(f[1], "198.18.0.1", "198.19.0.1", 1000, 80, RTE_TCP_PSH_FLAG, 7),
	};

	for (int i = 0; i < 2; i++) {
		memcpy(want[i], f[i], lens[i]);
		uint16_t ports[2] = { htons(4242), htons(65535) };
		memcpy(want[i] + L4_OFF, ports, 4);
		recompute_checksums(want[i]);
	}
	send_frames(h, f, lens, 2);
	for (unsigned i = 0; i < 2; i++)
		assert_collected(h, i, want[i], lens[i]);
	harness_free(h);

	h = rw_load("\"port_swap\": true, \"ip_swap\": true, \"mac_swap\": true");
	memcpy(want[0], f[0], lens[0]);
	memcpy(want[0], f[0] + 6, 6);
	memcpy(want[0] + 6, f[0], 6);
	memcpy(want[0] + IP_OFF + 12, f[0] + IP_OFF + 16, 4);
	memcpy(want[0] + IP_OFF + 16, f[0] + IP_OFF + 12, 4);
	memcpy(want[0] + L4_OFF, f[0] + L4_OFF + 2, 2);
	memcpy(want[0] + L4_OFF + 2, f[0] + L4_OFF, 2);
	send_frame(h, f[0], lens[0]); /* a full reflection changes no checksum */
	assert_collected(h, 0, want[0], lens[0]);
	ck_assert(frame_checksums_ok(want[0], lens[0]));
	harness_free(h);
}
END_TEST

START_TEST(ttl_dec_and_expiry)
{
	struct harness *h = rw_load("\"ttl_dec\": true");
	uint8_t f[4][256], want[256];
	size_t lens[4];
	const uint8_t ttls[4] = { 64, 1, 0, 2 };

	for (int i = 0; i < 4; i++) {
		lens[i] = build_udp4(f[i], "198.18.0.1", "198.19.0.1", (uint16_t)(1000 + i), 9, 4);
		iph(f[i])->time_to_live = ttls[i];
		recompute_checksums(f[i]);
	}
	send_frames(h, f, lens, 4);
	/* TTL 1 and 0 are dropped; the others keep their order */
	ck_assert_uint_eq(harness_collected(h, "col", NULL), 2);
	ck_assert_uint_eq(harness_counter(h, "rw", "ttl_expired"), 2);
	memcpy(want, f[0], lens[0]);
	iph(want)->time_to_live = 63;
	recompute_checksums(want);
	assert_collected(h, 0, want, lens[0]);
	memcpy(want, f[3], lens[3]);
	iph(want)->time_to_live = 1;
	recompute_checksums(want);
	assert_collected(h, 1, want, lens[3]);
	harness_free(h);
}
END_TEST

START_TEST(udp_without_checksum_stays_without)
{
	struct harness *h = rw_load("\"src_ip\": \"10.0.0.1\", \"dst_port\": 7, \"ttl_dec\": true");
	uint8_t f[256], want[256];
	size_t len = build_udp4(f, "198.18.0.1", "198.19.0.1", 1000, 9, 25);

	((struct rte_udp_hdr *)(f + L4_OFF))->dgram_cksum = 0;
	memcpy(want, f, len);
	iph(want)->src_addr = ip4("10.0.0.1");
	iph(want)->time_to_live = 63;
	((struct rte_udp_hdr *)(want + L4_OFF))->dst_port = htons(7);
	iph(want)->hdr_checksum = 0;
	iph(want)->hdr_checksum = rte_ipv4_cksum(iph(want));
	send_frame(h, f, len);
	assert_collected(h, 0, want, len);
	ck_assert_uint_eq(((struct rte_udp_hdr *)(want + L4_OFF))->dgram_cksum, 0);
	harness_free(h);
}
END_TEST

START_TEST(udp_checksum_that_computes_to_zero_is_sent_as_ffff)
{
	uint8_t f[256], want[256];
	size_t len = build_udp4(f, "198.18.0.1", "198.19.0.1", 1000, 9, 16);
	char addr[32] = "", params[128];

	/* Find the destination whose checksum, computed, is 0: sent as 0xffff. */
	for (unsigned lo = 0; lo < 65536 && !addr[0]; lo++) {
		memcpy(want, f, len);
		snprintf(params, sizeof(params), "10.9.%u.%u", lo >> 8, lo & 0xff);
		iph(want)->dst_addr = ip4(params);
		recompute_checksums(want);
		if (((struct rte_udp_hdr *)(want + L4_OFF))->dgram_cksum == 0xffff)
			snprintf(addr, sizeof(addr), "%s", params);
	}
	ck_assert_msg(addr[0], "no address gives a zero checksum");
	snprintf(params, sizeof(params), "\"dst_ip\": \"%s\"", addr);
	struct harness *h = rw_load(params);
	send_frame(h, f, len);
	assert_collected(h, 0, want, len);
	ck_assert(frame_checksums_ok(want, len));
	harness_free(h);
}
END_TEST

START_TEST(vlan_tagged_frames)
{
	struct harness *h = rw_load("\"dst_ip\": \"198.19.9.9\", \"src_port\": 5555");
	uint8_t plain[256], f[256];
	size_t len = build_udp4(plain, "198.18.0.1", "198.19.0.1", 1000, 9, 10);
	static const uint8_t tag[4] = { 0x81, 0x00, 0x00, 0x2a };

	memcpy(f, plain, 12);
	memcpy(f + 12, tag, 4);
	memcpy(f + 16, plain + 12, len - 12);
	send_frame(h, f, len + 4);
	struct rte_mbuf **pkts;
	ck_assert_uint_eq(harness_collected(h, "col", &pkts), 1);
	const uint8_t *got = rte_pktmbuf_mtod(pkts[0], const uint8_t *);
	ck_assert(frame_checksums_ok(got, len + 4));
	ck_assert_int_eq(memcmp(got + 18 + 16, &(uint32_t){ ip4("198.19.9.9") }, 4), 0);
	ck_assert_uint_eq(got[18 + 20] << 8 | got[18 + 21], 5555);
	harness_free(h);
}
END_TEST

START_TEST(not_ipv4_passes_unchanged)
{
	struct harness *h = rw_load("\"mac_swap\": true, \"ip_swap\": true");
	uint8_t f[3][256];
	size_t lens[3] = {
		build_udp6(f[0], "2001:db8::1", "2001:db8::2", 1000, 53, 12),
		build_arp_request(f[1], "02:00:00:00:00:07", "198.18.0.7", "198.18.0.1"),
		build_udp4(f[2], "198.18.0.1", "198.19.0.1", 1000, 53, 12),
	};

	send_frames(h, f, lens, 3);
	ck_assert_uint_eq(harness_collected(h, "col", NULL), 3);
	/* All or nothing: the MACs of IPv6 and ARP are not swapped either. */
	assert_collected(h, 0, f[0], lens[0]);
	assert_collected(h, 1, f[1], lens[1]);
	ck_assert_uint_eq(harness_counter(h, "rw", "not_applicable"), 2);
	struct rte_mbuf **pkts;
	harness_collected(h, "col", &pkts);
	ck_assert_int_eq(memcmp(rte_pktmbuf_mtod(pkts[2], uint8_t *), f[2] + 6, 6), 0);
	harness_free(h);

	/* MAC actions alone apply to any frame. */
	h = rw_load("\"dst_mac\": \"02:00:00:00:00:bb\"");
	send_frame(h, f[0], lens[0]);
	ck_assert_uint_eq(harness_collected(h, "col", &pkts), 1);
	ck_assert_uint_eq(rte_pktmbuf_mtod(pkts[0], uint8_t *)[5], 0xbb);
	ck_assert_uint_eq(harness_counter(h, "rw", "not_applicable"), 0);
	harness_free(h);
}
END_TEST

START_TEST(ports_need_a_tcp_or_udp_header)
{
	struct harness *h = rw_load("\"dst_port\": 99, \"dst_ip\": \"10.0.0.9\"");
	uint8_t f[2][256];
	size_t lens[2] = {
		build_icmp4_echo(f[0], "198.18.0.1", "198.19.0.1", 1, 1, 8),
		build_udp4(f[1], "198.18.0.1", "198.19.0.1", 1000, 53, 40),
	};

	/* a fragment after the first: offset 24 bytes, no UDP header in it */
	iph(f[1])->fragment_offset = htons(3);
	recompute_checksums(f[1]);
	send_frames(h, f, lens, 2);
	ck_assert_uint_eq(harness_collected(h, "col", NULL), 2);
	assert_collected(h, 0, f[0], lens[0]);
	assert_collected(h, 1, f[1], lens[1]);
	ck_assert_uint_eq(harness_counter(h, "rw", "not_applicable"), 2);
	harness_free(h);
}
END_TEST

START_TEST(first_fragment_carries_the_datagram_checksum)
{
	/* The UDP checksum in a first fragment covers the whole datagram: after
	 * rewriting the fragment, it must equal that of the whole datagram
	 * rewritten the same way. */
	struct harness *h = rw_load("\"dst_ip\": \"10.7.7.7\", \"src_port\": 1234");
	uint8_t whole[256], f[256], want[256];
	size_t len = build_udp4(whole, "198.18.0.1", "198.19.0.1", 1000, 53, 100);
	size_t frag_len = L4_OFF + 8 + 32;

	memcpy(f, whole, frag_len);
	iph(f)->fragment_offset = htons(RTE_IPV4_HDR_MF_FLAG);
	iph(f)->total_length = htons((uint16_t)(frag_len - L2));
	iph(f)->hdr_checksum = 0;
	iph(f)->hdr_checksum = rte_ipv4_cksum(iph(f));
	build_udp4(want, "198.18.0.1", "10.7.7.7", 1234, 53, 100);
	(void)len;

	send_frame(h, f, frag_len);
	struct rte_mbuf **pkts;
	ck_assert_uint_eq(harness_collected(h, "col", &pkts), 1);
	const uint8_t *got = rte_pktmbuf_mtod(pkts[0], const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(got + IP_OFF);
	ck_assert_uint_eq(rte_ipv4_cksum(ip), 0);
	ck_assert_uint_eq(ip->dst_addr, ip4("10.7.7.7"));
	ck_assert_int_eq(memcmp(got + L4_OFF, want + L4_OFF, 8), 0); /* ports and checksum */
	harness_free(h);
}
END_TEST

START_TEST(parameter_errors)
{
	const char *msg = harness_load_error(
		"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"rw\": {\"op\": \"rewrite\"},"
		" \"c\": {\"op\": \"test_collect\"}}, \"edges\": [\"in -> rw -> c\"]}");
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.rw") && strstr(msg, "nothing to rewrite"), "%s", msg);

	msg = harness_load_error(
		"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"rw\": {\"op\": \"rewrite\","
		" \"src_port\": 70000}, \"c\": {\"op\": \"test_collect\"}},"
		" \"edges\": [\"in -> rw -> c\"]}");
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.rw.src_port"), "%s", msg);

	msg = harness_load_error(
		"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"rw\": {\"op\": \"rewrite\","
		" \"dst_ip\": \"10.0.0.300\"}, \"c\": {\"op\": \"test_collect\"}},"
		" \"edges\": [\"in -> rw -> c\"]}");
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.rw.dst_ip"), "%s", msg);
}
END_TEST

/* nfg_cksum_delta16/32 summed and applied once give a checksum that verifies,
 * the one the word-by-word updates give (RFC 1624) where those two agree on
 * zero's sign, on random headers changed in random places. */
START_TEST(many_changes_folded_once_match_word_by_word_updates)
{
	unsigned seed = 7;

	for (unsigned round = 0; round < 20000; round++) {
		uint16_t w[20]; /* 40 bytes of header; w[8] is the checksum */
		for (unsigned k = 0; k < 20; k++)
			w[k] = (uint16_t)rand_r(&seed);
		w[8] = 0;
		w[8] = (uint16_t)~rte_raw_cksum(w, sizeof(w));
		uint16_t one_by_one = w[8];
		uint64_t d = 0;
		unsigned changes = 1 + (unsigned)rand_r(&seed) % 10;
		for (unsigned c = 0; c < changes; c++) {
			unsigned at = (unsigned)rand_r(&seed) % 19;
			if (at == 8 || at == 7)
				at = 10; /* not the checksum */
			if (rand_r(&seed) & 1) {
				uint32_t old_value, new_value = (uint32_t)rand_r(&seed) << 1 ^
								(uint32_t)rand_r(&seed);
				memcpy(&old_value, &w[at], 4);
				one_by_one = nfg_cksum_update32(one_by_one, old_value, new_value);
				d += nfg_cksum_delta32(old_value, new_value);
				memcpy(&w[at], &new_value, 4);
			} else {
				uint16_t new_word = (uint16_t)rand_r(&seed);
				one_by_one = nfg_cksum_update16(one_by_one, w[at], new_word);
				d += nfg_cksum_delta16(w[at], new_word);
				w[at] = new_word;
			}
		}
		uint16_t folded = nfg_cksum_apply(w[8], d);
		w[8] = folded;
		ck_assert_uint_eq(rte_raw_cksum(w, sizeof(w)), 0xffff);
		if (folded != 0 && folded != 0xffff && one_by_one != 0 && one_by_one != 0xffff)
			ck_assert_uint_eq(folded, one_by_one);
	}
}
END_TEST

TEST_SUITE(rewrite_suite)
static Suite *
rewrite_suite(void)
{
	Suite *s = suite_create("rewrite");
	TCase *tc = tcase_create("actions");

	tcase_add_test(tc, mac_swap_swaps_only_the_macs);
	tcase_add_test(tc, set_macs_after_swap);
	tcase_add_test(tc, ip_swap_keeps_checksums);
	tcase_add_test(tc, set_addresses_updates_ip_and_l4_checksums);
	tcase_add_test(tc, set_and_swap_ports);
	tcase_add_test(tc, ttl_dec_and_expiry);
	tcase_add_test(tc, udp_without_checksum_stays_without);
	tcase_add_test(tc, udp_checksum_that_computes_to_zero_is_sent_as_ffff);
	tcase_add_test(tc, vlan_tagged_frames);
	tcase_add_test(tc, not_ipv4_passes_unchanged);
	tcase_add_test(tc, ports_need_a_tcp_or_udp_header);
	tcase_add_test(tc, first_fragment_carries_the_datagram_checksum);
	tcase_add_test(tc, parameter_errors);
	tcase_add_test(tc, many_changes_folded_once_match_word_by_word_updates);
	suite_add_tcase(s, tc);
	return s;
}
