/* SPDX-License-Identifier: BSD-3-Clause
 *
 * arp: exact replies for our addresses; ARP not for us and malformed ARP
 * dropped and counted; IPv4 packets for an unknown neighbour wait while a
 * request goes out, and leave in order once the reply is in; timeouts,
 * static entries, the gateway, no_route, max_held; what one worker learns
 * reaches the others; the neighbour table itself under fill and removal.
 * Whatever is still held at teardown goes back to the pool (harness_free
 * checks it).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../operators/neigh_cache.h"
#include "../../runtime/runtime.h"
#include "harness.h"

#define PORTS                                                                             \
	"\"ports\": {\"p\": {\"device\": \"wire:w\", \"mac\": \"02:00:00:00:00:aa\",\n"         \
	"                  \"ipv4\": \"198.18.0.1/24\"}, \"q\": {\"device\": \"wire:w\"}},\n"

#define ARP_GRAPH_FMT                                                                     \
	"{" PORTS                                                                         \
	" \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"parse\": {\"op\": \"parse\"},\n"     \
	"  \"arp\": {\"op\": \"arp\", \"port\": \"p\"%s},\n"                                   \
	"  \"wire\": {\"op\": \"test_collect\"}, \"oth\": {\"op\": \"test_collect\"}},\n"       \
	" \"edges\": [\"in -> parse -> arp\", \"arp.out -> wire\", \"arp.other -> oth\"]}"

#define ARP_OFF RTE_ETHER_HDR_LEN

static const struct rte_ether_addr port_mac = { { 2, 0, 0, 0, 0, 0xaa } };

static struct harness *
arp_load(const char *params)
{
	char text[4096];

	snprintf(text, sizeof(text), ARP_GRAPH_FMT, params);
	return harness_load(text);
}

static uint32_t
ip4(const char *s)
{
	uint32_t a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static struct rte_ether_addr
mac(const char *s)
{
	struct rte_ether_addr m;

	ck_assert_int_eq(rte_ether_unformat_addr(s, &m), 0);
	return m;
}

static struct rte_arp_hdr *
arph(uint8_t *frame)
{
	return (struct rte_arp_hdr *)(frame + ARP_OFF);
}

/* A reply from sender to us (198.18.0.1). */
static size_t
build_arp_reply(uint8_t *buf, const char *sender_mac, const char *sender_ip)
{
	size_t len = build_arp_request(buf, sender_mac, sender_ip, "198.18.0.1");

	memcpy(buf, &port_mac, 6);
	arph(buf)->arp_opcode = htons(RTE_ARP_OP_REPLY);
	arph(buf)->arp_data.arp_tha = port_mac;
	return len;
}

/* The request the operator sends for `target`, byte for byte. */
static size_t
expected_request(uint8_t *want, const char *sender_ip, const char *target)
{
	memset(want, 0, 60);
	memset(want, 0xff, 6);
	memcpy(want + 6, &port_mac, 6);
	want[12] = 0x08, want[13] = 0x06;
	struct rte_arp_hdr *a = arph(want);
	a->arp_hardware = htons(1);
	a->arp_protocol = htons(0x0800);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = htons(1);
	a->arp_data.arp_sha = port_mac;
	a->arp_data.arp_sip = ip4(sender_ip);
	a->arp_data.arp_tip = ip4(target);
	return 60;
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

static size_t
udp_to(uint8_t *buf, const char *dst, uint16_t sport)
{
	return build_udp4(buf, "198.18.0.1", dst, sport, 9, 10);
}

static void
assert_frame(struct rte_mbuf *m, const uint8_t *want, size_t len)
{
	const uint8_t *got = rte_pktmbuf_mtod(m, const uint8_t *);

	ck_assert_uint_eq(rte_pktmbuf_data_len(m), len);
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(got[i] == want[i], "byte %zu: got %02x, want %02x", i, got[i], want[i]);
}

/* The frame `orig` as the operator should send it: to `dst`, from the port. */
static void
assert_addressed(struct rte_mbuf *m, const uint8_t *orig, size_t len, const char *dst)
{
	uint8_t want[256];
	struct rte_ether_addr d = mac(dst);

	memcpy(want, orig, len);
	memcpy(want, &d, 6);
	memcpy(want + 6, &port_mac, 6);
	assert_frame(m, want, len);
}

START_TEST(request_for_us_gets_exact_reply)
{
	struct harness *h = arp_load("");
	uint8_t req[256], want[256], udp[256];
	size_t len = build_arp_request(req, "02:00:00:00:00:07", "198.18.0.7", "198.18.0.1");

	memcpy(want, req, len);
	memcpy(want, req + 6, 6);
	memcpy(want + 6, &port_mac, 6);
	arph(want)->arp_opcode = htons(RTE_ARP_OP_REPLY);
	arph(want)->arp_data.arp_sha = port_mac;
	arph(want)->arp_data.arp_sip = ip4("198.18.0.1");
	arph(want)->arp_data.arp_tha = mac("02:00:00:00:00:07");
	arph(want)->arp_data.arp_tip = ip4("198.18.0.7");
	send_frame(h, req, len);
	struct rte_mbuf **pkts;
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 1);
	assert_frame(pkts[0], want, len);
	ck_assert_uint_eq(harness_counter(h, "arp", "replies_sent"), 1);
	ck_assert_uint_eq(harness_counter(h, "arp", "learned"), 1);

	/* the asker was learned: a packet for it goes out without a request */
	size_t ulen = udp_to(udp, "198.18.0.7", 1000);
	send_frame(h, udp, ulen);
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 2);
	assert_addressed(pkts[1], udp, ulen, "02:00:00:00:00:07");
	ck_assert_uint_eq(harness_counter(h, "arp", "requests_sent"), 0);
	harness_free(h);
}
END_TEST

/* An address a tcp_client sends from is ours to answer for, though the port
 * has another: the peer asks for it before it answers the client. */
START_TEST(request_for_a_claimed_address_gets_a_reply)
{
	struct harness *h = harness_load(
		"{" PORTS
		" \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"parse\": {\"op\": \"parse\"},\n"
		"  \"s\": {\"op\": \"split\", \"outputs\": 2},\n"
		"  \"client\": {\"op\": \"tcp_client\", \"port\": \"p\", \"start_s\": 86400,\n"
		"     \"targets\": [{\"ip\": \"198.18.0.2\", \"port\": 80}],\n"
		"     \"src_ips\": \"198.18.0.10-198.18.0.19\"},\n"
		"  \"arp\": {\"op\": \"arp\", \"port\": \"p\"}, \"m\": {\"op\": \"merge\"},\n"
		"  \"wire\": {\"op\": \"test_collect\"}, \"oth\": {\"op\": \"test_collect\"}},\n"
		" \"edges\": [\"in -> parse -> s\", \"s.out0 -> m\", \"s.out1 -> client -> m\",\n"
		"            \"m -> arp\", \"arp.out -> wire\", \"arp.other -> oth\"]}");
	uint8_t f[3][256];
	size_t lens[3] = {
		build_arp_request(f[0], "02:00:00:00:00:07", "198.18.0.7", "198.18.0.15"),
		build_arp_request(f[1], "02:00:00:00:00:07", "198.18.0.7", "198.18.0.19"),
		build_arp_request(f[2], "02:00:00:00:00:07", "198.18.0.7", "198.18.0.20"),
	};
	struct rte_mbuf **pkts;

	for (unsigned i = 0; i < 3; i++)
		send_frame(h, f[i], lens[i]);
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 2);
	for (unsigned i = 0; i < 2; i++) {
		const struct rte_arp_hdr *a =
			rte_pktmbuf_mtod_offset(pkts[i], const struct rte_arp_hdr *, ARP_OFF);
		ck_assert_uint_eq(ntohs(a->arp_opcode), RTE_ARP_OP_REPLY);
		ck_assert_uint_eq(a->arp_data.arp_sip, ip4(i ? "198.18.0.19" : "198.18.0.15"));
		ck_assert(rte_is_same_ether_addr(&a->arp_data.arp_sha, &port_mac));
	}
	ck_assert_uint_eq(harness_counter(h, "arp", "replies_sent"), 2);
	ck_assert_uint_eq(harness_counter(h, "arp", "arp_not_for_us"), 1);
	harness_free(h);
}
END_TEST

START_TEST(arp_not_for_us_is_dropped)
{
	struct harness *h = arp_load("");
	uint8_t f[2][256];
	size_t lens[2] = {
		build_arp_request(f[0], "02:00:00:00:00:07", "198.18.0.7", "198.18.0.99"),
		build_arp_request(f[1], "02:00:00:00:00:07", "198.18.0.7", "198.18.0.7"),
	};

	send_frames(h, f, lens, 2); /* the second is gratuitous ARP */
	ck_assert_uint_eq(harness_collected(h, "wire", NULL), 0);
	ck_assert_uint_eq(harness_counter(h, "arp", "arp_not_for_us"), 2);
	ck_assert_uint_eq(harness_counter(h, "arp", "learned"), 0);
	harness_free(h);
}
END_TEST

START_TEST(malformed_arp_is_dropped)
{
	struct harness *h = arp_load("");
	uint8_t f[5][256];
	size_t lens[5];

	for (int i = 0; i < 5; i++)
		lens[i] = build_arp_request(f[i], "02:00:00:00:00:07", "198.18.0.7", "198.18.0.1");
	arph(f[0])->arp_hlen = 8;
	arph(f[1])->arp_plen = 16;
	arph(f[2])->arp_hardware = htons(6);
	arph(f[3])->arp_protocol = htons(0x86dd);
	arph(f[4])->arp_opcode = htons(3); /* RARP */
	send_frames(h, f, lens, 5);
	ck_assert_uint_eq(harness_collected(h, "wire", NULL), 0);
	ck_assert_uint_eq(harness_counter(h, "arp", "arp_malformed"), 5);
	ck_assert_uint_eq(harness_counter(h, "arp", "learned"), 0);
	harness_free(h);

	/* Cut short, fed without parse (which would stop it): never read past it. */
	h = harness_load("{" PORTS " \"nodes\": {\"in\": {\"op\": \"test_inject\"},"
			 " \"arp\": {\"op\": \"arp\", \"port\": \"p\"},"
			 " \"wire\": {\"op\": \"test_collect\"}},"
			 " \"edges\": [\"in -> arp\", \"arp.out -> wire\"]}");
	struct rte_mbuf *m = harness_pkt(f[4], ARP_OFF + 20);
	m->packet_type = RTE_PTYPE_L2_ETHER_ARP;
	m->l2_len = ARP_OFF;
	harness_inject(h, "in", &m, 1);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_counter(h, "arp", "arp_malformed"), 1);
	harness_free(h);
}
END_TEST

START_TEST(unknown_neighbour_waits_for_the_reply)
{
	struct harness *h = arp_load("");
	uint8_t f[4][256], want[256], reply[256];
	size_t lens[4];
	struct rte_mbuf **pkts;

	for (int i = 0; i < 4; i++)
		lens[i] = udp_to(f[i], "198.18.0.7", (uint16_t)(1000 + i));
	send_frames(h, f, lens, 1);
	/* the packet waits; a request goes out */
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 1);
	assert_frame(pkts[0], want, expected_request(want, "198.18.0.1", "198.18.0.7"));
	ck_assert_uint_eq(harness_counter(h, "arp", "requests_sent"), 1);
	/* more for the same neighbour wait too, without another request */
	send_frames(h, f + 1, lens + 1, 3);
	ck_assert_uint_eq(harness_collected(h, "wire", NULL), 1);
	ck_assert_uint_eq(harness_counter(h, "arp", "requests_sent"), 1);

	send_frame(h, reply, build_arp_reply(reply, "02:00:00:00:00:77", "198.18.0.7"));
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 5);
	for (unsigned i = 0; i < 4; i++)
		assert_addressed(pkts[1 + i], f[i], lens[i], "02:00:00:00:00:77");
	ck_assert_uint_eq(harness_counter(h, "arp", "replies_received"), 1);
	ck_assert_uint_eq(harness_counter(h, "arp", "learned"), 1);
	ck_assert_uint_eq(harness_counter(h, "arp", "replies_sent"), 0);
	harness_free(h);
}
END_TEST

START_TEST(unanswered_requests_give_up)
{
	/* Long enough against scheduling hiccups, short enough for a unit test. */
	struct harness *h = arp_load(", \"hold_ms\": 200, \"retry_ms\": 20");
	uint8_t f[2][256];
	size_t lens[2] = { udp_to(f[0], "198.18.0.7", 1), udp_to(f[1], "198.18.0.7", 2) };

	send_frames(h, f, lens, 2);
	ck_assert_uint_eq(harness_counter(h, "arp", "requests_sent"), 1);
	for (int i = 0; i < 1000 && harness_counter(h, "arp", "unresolved") == 0; i++) {
		nfg_clock_advance_ms(1);
		harness_walk(h, 1);
	}
	ck_assert_uint_eq(harness_counter(h, "arp", "unresolved"), 2);
	/* asked again every 20 ms within the 200 ms: at 0, ~20, ..., ~180 */
	uint64_t asked = harness_counter(h, "arp", "requests_sent");
	ck_assert_uint_ge(asked, 3);
	ck_assert_uint_le(asked, 11);
	ck_assert_uint_eq(harness_collected(h, "wire", NULL), asked);

	/* the neighbour is forgotten: new traffic asks anew */
	send_frames(h, f, lens, 1);
	ck_assert_uint_eq(harness_counter(h, "arp", "requests_sent"), asked + 1);
	harness_free(h); /* the packet still waiting goes back to the pool */
}
END_TEST

START_TEST(static_entries_need_no_arp)
{
	struct harness *h = arp_load(
		", \"static\": [{\"ip\": \"198.18.0.9\", \"mac\": \"02:00:00:00:00:99\"}]");
	uint8_t f[256], reply[256];
	size_t len = udp_to(f, "198.18.0.9", 1);
	struct rte_mbuf **pkts;

	send_frame(h, f, len);
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 1);
	assert_addressed(pkts[0], f, len, "02:00:00:00:00:99");
	/* a reply claiming that address does not overwrite it */
	send_frame(h, reply, build_arp_reply(reply, "02:00:00:00:00:98", "198.18.0.9"));
	send_frame(h, f, len);
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 2);
	assert_addressed(pkts[1], f, len, "02:00:00:00:00:99");
	ck_assert_uint_eq(harness_counter(h, "arp", "requests_sent"), 0);
	harness_free(h);
}
END_TEST

START_TEST(off_link_goes_through_the_gateway)
{
	struct harness *h = arp_load(", \"gateway\": \"198.18.0.254\"");
	uint8_t f[3][256], want[256], reply[256];
	size_t lens[3] = { udp_to(f[0], "10.1.2.3", 1), udp_to(f[1], "10.9.9.9", 2),
			   udp_to(f[2], "198.18.0.5", 3) };
	struct rte_mbuf **pkts;

	send_frames(h, f, lens, 1);
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 1);
	assert_frame(pkts[0], want, expected_request(want, "198.18.0.1", "198.18.0.254"));
	send_frame(h, reply, build_arp_reply(reply, "02:00:00:00:00:fe", "198.18.0.254"));
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 2);
	assert_addressed(pkts[1], f[0], lens[0], "02:00:00:00:00:fe");
	/* another off-link destination: the same next hop, known now */
	send_frames(h, f + 1, lens + 1, 1);
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 3);
	assert_addressed(pkts[2], f[1], lens[1], "02:00:00:00:00:fe");
	/* on-link: asked for directly, not through the gateway */
	send_frames(h, f + 2, lens + 2, 1);
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 4);
	assert_frame(pkts[3], want, expected_request(want, "198.18.0.1", "198.18.0.5"));
	ck_assert_uint_eq(harness_counter(h, "arp", "requests_sent"), 2);
	ck_assert_uint_eq(harness_counter(h, "arp", "no_route"), 0);
	harness_free(h);
}
END_TEST

START_TEST(no_gateway_no_route)
{
	struct harness *h = arp_load("");
	uint8_t f[256];

	send_frame(h, f, udp_to(f, "10.1.2.3", 1));
	ck_assert_uint_eq(harness_collected(h, "wire", NULL), 0);
	ck_assert_uint_eq(harness_counter(h, "arp", "no_route"), 1);
	ck_assert_uint_eq(harness_counter(h, "arp", "requests_sent"), 0);
	harness_free(h);
}
END_TEST

START_TEST(max_held_bounds_the_wait)
{
	struct harness *h = arp_load(", \"max_held\": 3");
	uint8_t f[5][256], reply[256];
	size_t lens[5];
	struct rte_mbuf **pkts;

	for (int i = 0; i < 5; i++)
		lens[i] = udp_to(f[i], "198.18.0.7", (uint16_t)(1000 + i));
	send_frames(h, f, lens, 5);
	ck_assert_uint_eq(harness_counter(h, "arp", "hold_full"), 2);
	send_frame(h, reply, build_arp_reply(reply, "02:00:00:00:00:77", "198.18.0.7"));
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 4); /* request + 3 */
	for (unsigned i = 0; i < 3; i++)
		assert_addressed(pkts[1 + i], f[i], lens[i], "02:00:00:00:00:77");
	harness_free(h);
}
END_TEST

START_TEST(group_addresses_and_other_frames)
{
	struct harness *h = arp_load("");
	uint8_t f[5][256];
	size_t lens[5] = {
		udp_to(f[0], "255.255.255.255", 1), udp_to(f[1], "198.18.0.255", 2),
		udp_to(f[2], "224.1.2.3", 3), udp_to(f[3], "239.129.2.3", 4),
		build_udp6(f[4], "2001:db8::1", "2001:db8::2", 1, 2, 8),
	};
	struct rte_mbuf **pkts;

	send_frames(h, f, lens, 5);
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 4);
	assert_addressed(pkts[0], f[0], lens[0], "ff:ff:ff:ff:ff:ff");
	assert_addressed(pkts[1], f[1], lens[1], "ff:ff:ff:ff:ff:ff");
	assert_addressed(pkts[2], f[2], lens[2], "01:00:5e:01:02:03");
	assert_addressed(pkts[3], f[3], lens[3], "01:00:5e:01:02:03");
	ck_assert_uint_eq(harness_collected(h, "oth", &pkts), 1);
	assert_frame(pkts[0], f[4], lens[4]);
	ck_assert_uint_eq(harness_counter(h, "arp", "requests_sent"), 0);
	harness_free(h);
}
END_TEST

START_TEST(asks_from_the_address_on_the_right_subnet)
{
	/* A /31 (RFC 3021) has no broadcast address: its other end is a neighbour. */
	struct harness *h = harness_load(
		"{\"ports\": {\"p\": {\"device\": \"wire:w\", \"mac\": \"02:00:00:00:00:aa\",\n"
		"  \"ipv4\": [\"198.18.0.1/24\", \"198.18.5.0/31\"]}, \"q\": {\"device\": \"wire:w\"}},\n"
		" \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"parse\": {\"op\": \"parse\"},\n"
		"  \"arp\": {\"op\": \"arp\", \"port\": \"p\", \"gateway\": \"198.18.5.1\"},\n"
		"  \"wire\": {\"op\": \"test_collect\"}},\n"
		" \"edges\": [\"in -> parse -> arp\", \"arp.out -> wire\"]}");
	uint8_t f[2][256], want[256];
	size_t lens[2] = { udp_to(f[0], "198.18.5.1", 1), udp_to(f[1], "10.0.0.1", 2) };
	struct rte_mbuf **pkts;

	send_frames(h, f, lens, 2);
	/* one request, from 198.18.5.0, for the /31 peer (also the gateway) */
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 1);
	assert_frame(pkts[0], want, expected_request(want, "198.18.5.0", "198.18.5.1"));
	harness_free(h);
}
END_TEST

START_TEST(learned_entries_expire)
{
	struct harness *h = arp_load(", \"timeout_s\": 1");
	uint8_t req[256], f[256], reply[256];
	size_t len = udp_to(f, "198.18.0.7", 1);
	struct rte_mbuf **pkts;

	send_frame(h, req, build_arp_request(req, "02:00:00:00:00:07", "198.18.0.7", "198.18.0.1"));
	send_frame(h, f, len);
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 2); /* our reply, the packet */
	ck_assert_uint_eq(harness_counter(h, "arp", "requests_sent"), 0);
	nfg_clock_advance_ms(1100);
	harness_walk(h, 1);
	send_frame(h, f, len);
	ck_assert_uint_eq(harness_counter(h, "arp", "requests_sent"), 1);
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 3);
	send_frame(h, reply, build_arp_reply(reply, "02:00:00:00:00:08", "198.18.0.7"));
	ck_assert_uint_eq(harness_collected(h, "wire", &pkts), 4);
	assert_addressed(pkts[3], f, len, "02:00:00:00:00:08"); /* it moved */
	harness_free(h);
}
END_TEST

START_TEST(parameter_errors)
{
	const char *msg = harness_load_error(
		"{" PORTS " \"nodes\": {\"in\": {\"op\": \"test_inject\"},"
		" \"arp\": {\"op\": \"arp\", \"port\": \"p\", \"static\": [{\"ip\": \"198.18.0.9\","
		" \"mac\": \"02:00:00:00:00\"}]}, \"wire\": {\"op\": \"test_collect\"}},"
		" \"edges\": [\"in -> arp\", \"arp.out -> wire\"]}");

	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.arp.static[0].mac"), "%s", msg);
	msg = harness_load_error(
		"{" PORTS " \"nodes\": {\"in\": {\"op\": \"test_inject\"},"
		" \"arp\": {\"op\": \"arp\", \"port\": \"p\", \"max_held\": 0},"
		" \"wire\": {\"op\": \"test_collect\"}}, \"edges\": [\"in -> arp\", \"arp.out -> wire\"]}");
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.arp.max_held"), "%s", msg);
}
END_TEST

/* ---- two workers -------------------------------------------------------- */

static uint64_t
worker_counter(const char *node, unsigned w, const char *name)
{
	struct nfg_instance *inst = nfg_instance_find(node);

	for (unsigned c = 0; c < inst->nb_counters; c++)
		if (strcmp(inst->counters[c].name, name) == 0)
			return inst->counters_by_worker[w][c];
	ck_abort_msg("no counter %s", name);
	return 0;
}

/* The harness walks worker 0 only: hand a packet to worker w's arp node the
 * way a walk of its graph would. */
static void
process_on_worker(unsigned w, struct rte_mbuf *m)
{
	struct nfg_instance *inst = nfg_instance_find("arp");
	struct rte_node *node = inst->node_by_worker[w];

	node->objs[0] = m;
	node->idx = 1;
	inst->op->process(nfg_worker_graph(w), node, node->objs, 1);
	node->idx = 0;
}

/* What worker w's arp node has put on "out" since its graph last walked. */
static struct rte_node *
out_stream(unsigned w)
{
	return nfg_instance_find("arp")->node_by_worker[w]->nodes[0];
}

static struct rte_mbuf *
raw_pkt(const uint8_t *frame, size_t len, uint32_t ptype)
{
	struct rte_mbuf *m = harness_pkt(frame, len);

	m->packet_type = ptype;
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = ptype == RTE_PTYPE_L2_ETHER_ARP ? 0 : 20;
	return m;
}

START_TEST(workers_share_what_they_learn)
{
	struct harness *h = harness_load(
		"{" PORTS " \"workers\": 2,"
		" \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"arp\": {\"op\": \"arp\", \"port\": \"p\"},"
		" \"wire\": {\"op\": \"test_collect\"}}, \"edges\": [\"in -> arp\", \"arp.out -> wire\"]}");
	const uint32_t udp_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_UDP;
	uint8_t f[256], reply[256];
	size_t len = udp_to(f, "198.18.0.7", 1);
	struct rte_graph *graph1 = nfg_worker_graph(1);

	/* Worker 1 has a packet for .7 and asks. */
	struct rte_mbuf *waiting = raw_pkt(f, len, udp_type);
	process_on_worker(1, waiting);
	ck_assert_uint_eq(worker_counter("arp", 1, "requests_sent"), 1);
	ck_assert_uint_eq(out_stream(1)->idx, 1);
	rte_graph_walk(graph1);

	/* The reply arrives at worker 0, which learns and tells worker 1. */
	struct rte_mbuf *m = raw_pkt(reply, build_arp_reply(reply, "02:00:00:00:00:77", "198.18.0.7"),
				     RTE_PTYPE_L2_ETHER_ARP);
	harness_inject(h, "in", &m, 1);
	harness_walk(h, 1);
	ck_assert_uint_eq(worker_counter("arp", 0, "learned"), 1);
	ck_assert_uint_eq(worker_counter("arp", 1, "learned_from_peers"), 0);

	/* Worker 1 reads its inbox on its next poll and lets the packet go. */
	struct nfg_instance *inst = nfg_instance_find("arp");
	inst->op->poll(graph1, inst->node_by_worker[1]);
	ck_assert_uint_eq(worker_counter("arp", 1, "learned_from_peers"), 1);
	struct rte_node *out = out_stream(1);
	ck_assert_uint_eq(out->idx, 1);
	ck_assert_ptr_eq(out->objs[0], waiting);
	assert_addressed(waiting, f, len, "02:00:00:00:00:77");
	rte_graph_walk(graph1);

	/* Worker 0 knows .7 from the reply itself. */
	m = raw_pkt(f, len, udp_type);
	harness_inject(h, "in", &m, 1);
	harness_walk(h, 1);
	ck_assert_uint_eq(harness_collected(h, "wire", NULL), 1);
	ck_assert_uint_eq(worker_counter("arp", 0, "requests_sent"), 0);
	harness_free(h);
}
END_TEST

/* ---- the table ----------------------------------------------------------- */

static union neigh_addr
nth_addr_v4(unsigned i)
{
	return neigh_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 0) + 1 + i * 7));
}

/* 2001:2::/48 (RFC 5180), the low bits counting */
static union neigh_addr
nth_addr_v6(unsigned i)
{
	union neigh_addr a = { .b = { 0x20, 0x01, 0x00, 0x02 } };

	a.b[14] = (uint8_t)(i >> 8);
	a.b[15] = (uint8_t)i;
	return a;
}

/* The table under fill, removal in a scrambled order and sweeps, with the
 * addresses of one family. */
static void
fill_remove_sweep(union neigh_addr (*nth)(unsigned))
{
	struct neigh_cache *c = calloc(1, sizeof(*c));
	const unsigned n = NEIGH_CACHE_MAX_ENTRIES;
	unsigned *order = malloc(n * sizeof(unsigned));
	union neigh_addr a;

	for (unsigned i = 0; i < n; i++) {
		a = nth(i);
		struct neigh_entry *e = neigh_cache_add(c, &a);
		ck_assert_ptr_nonnull(e);
		e->state = NEIGH_RESOLVED;
		e->expires = i % 3 == 0 ? 100 : 1000;
		e->mac.addr_bytes[5] = (uint8_t)i;
	}
	a = nth(n);
	ck_assert_ptr_null(neigh_cache_add(c, &a));
	for (unsigned i = 0; i < n; i++) {
		a = nth(i);
		struct neigh_entry *e = neigh_cache_find(c, &a);
		ck_assert_ptr_nonnull(e);
		ck_assert_uint_eq(e->mac.addr_bytes[5], (uint8_t)i);
	}
	/* remove every odd one, in a scrambled order */
	for (unsigned i = 0; i < n; i++)
		order[i] = i;
	srand(7);
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = (unsigned)rand() % (i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (unsigned k = 0; k < n; k++) {
		a = nth(order[k]);
		if (order[k] % 2)
			neigh_cache_remove(c, neigh_cache_find(c, &a));
	}
	for (unsigned i = 0; i < n; i++) {
		a = nth(i);
		struct neigh_entry *e = neigh_cache_find(c, &a);
		ck_assert_msg((e != NULL) == (i % 2 == 0), "entry %u", i);
		if (e)
			ck_assert_uint_eq(e->mac.addr_bytes[5], (uint8_t)i);
	}
	/* a sweep over the whole table at time 500 removes those that expired at 100 */
	neigh_cache_sweep(c, NEIGH_CACHE_SLOTS, 500);
	neigh_cache_sweep(c, NEIGH_CACHE_SLOTS, 500); /* what a shift moved behind the sweep */
	for (unsigned i = 0; i < n; i++) {
		a = nth(i);
		struct neigh_entry *e = neigh_cache_find(c, &a);
		ck_assert_msg((e != NULL) == (i % 2 == 0 && i % 3 != 0), "entry %u", i);
	}
	free(order);
	free(c);
}

START_TEST(cache_fill_remove_sweep)
{
	fill_remove_sweep(nth_addr_v4);
	fill_remove_sweep(nth_addr_v6);
}
END_TEST

TEST_SUITE(arp_suite)
static Suite *
arp_suite(void)
{
	Suite *s = suite_create("arp");
	TCase *tc = tcase_create("arp");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, request_for_us_gets_exact_reply);
	tcase_add_test(tc, arp_not_for_us_is_dropped);
	tcase_add_test(tc, malformed_arp_is_dropped);
	tcase_add_test(tc, unknown_neighbour_waits_for_the_reply);
	tcase_add_test(tc, unanswered_requests_give_up);
	tcase_add_test(tc, static_entries_need_no_arp);
	tcase_add_test(tc, off_link_goes_through_the_gateway);
	tcase_add_test(tc, no_gateway_no_route);
	tcase_add_test(tc, max_held_bounds_the_wait);
	tcase_add_test(tc, group_addresses_and_other_frames);
	tcase_add_test(tc, asks_from_the_address_on_the_right_subnet);
	tcase_add_test(tc, learned_entries_expire);
	tcase_add_test(tc, parameter_errors);
	tcase_add_test(tc, request_for_a_claimed_address_gets_a_reply);
	tcase_add_test(tc, workers_share_what_they_learn);
	tcase_add_test(tc, cache_fill_remove_sweep);
	suite_add_tcase(s, tc);
	return s;
}
