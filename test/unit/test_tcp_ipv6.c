/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_server over IPv6, against a peer the test plays: the handshake, a
 * request and its response, the close and TIME_WAIT answered from the store,
 * all in IPv6 frames whose TCP checksums are checked over the IPv6
 * pseudo-header; an IPv4 and an IPv6 connection with the same ports side by
 * side; RSTs for segments without a connection; a listen address of one
 * family refusing the other; and IPv6 segments that are not whole (a
 * fragment, a short payload) or carry a bad checksum, counted and dropped;
 * tcp_client from a range of IPv6 source addresses.
 * The ND side (nd) has its own tests; here the next hop's MAC is static.
 */
#include <arpa/inet.h>
#include <string.h>

#include "tcp_testlib.h"

#define NF6 "2001:2::1"
#define PEER6 "2001:2::2"
#define REQ "GET / HTTP/1.1\r\n\r\n"
#define REQ_LEN 18u

static void
load(struct tcp_test *t, const char *listen)
{
	char json[2048];

	snprintf(json, sizeof(json),
		 "{\"ports\": {\"p\": {\"device\": \"wire:w\", \"mac\": \"" NF_MAC "\",\n"
		 "   \"ipv4\": \"198.18.0.1/24\", \"ipv6\": \"" NF6 "/64\"}, \"q\": {\"device\": \"wire:w\"}},\n"
		 " \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"raw\": {\"op\": \"test_inject\"},\n"
		 "  \"parse\": {\"op\": \"parse\"},\n"
		 "  \"srv\": {\"op\": \"tcp_server\", \"port\": \"p\", \"next_hop_mac\": \"" PEER_MAC "\",\n"
		 "           \"http\": false, \"response_size\": 100, \"max_connections\": 64,\n"
		 "           \"listen\": %s},\n"
		 "  \"out\": {\"op\": \"test_collect\"}, \"bad\": {\"op\": \"test_collect\"}},\n"
		 " \"edges\": [\"in -> parse -> srv -> out\", \"parse.malformed -> bad\", \"raw -> srv\"]}",
		 listen);
	tt_load(t, json, "srv");
}

static void
assert_v6_addressing(const struct oseg *o, const char *src, const char *dst, uint16_t dport)
{
	uint8_t s[16], d[16];

	ck_assert_int_eq(inet_pton(AF_INET6, src, s), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, dst, d), 1);
	ck_assert(o->v6);
	ck_assert_mem_eq(o->src6, s, 16);
	ck_assert_mem_eq(o->dst6, d, 16);
	ck_assert_uint_eq(o->ttl, 64);
	ck_assert_uint_eq(o->sport, 80);
	ck_assert_uint_eq(o->dport, dport);
}

/* A peer segment over IPv6 (or IPv4 when v4), to port 80. */
static void
send6(struct tcp_test *t, bool v4, uint16_t sport, uint32_t seq, uint32_t ack, uint8_t flags,
      const void *data, uint32_t len)
{
	uint8_t mss[4] = { 2, 4, 0x05, 0x78 }; /* 1400 */
	struct tseg s = { .sport = sport, .dport = 80, .seq = seq, .ack = ack, .flags = flags,
			  .win = 65535, .data = data, .len = len, .src6 = v4 ? NULL : PEER6,
			  .dst6 = v4 ? NULL : NF6 };

	if (flags & TH_SYN) {
		s.opt = mss;
		s.optlen = 4;
	}
	tt_send(t, &s);
}

START_TEST(handshake_request_response_close)
{
	struct tcp_test t;
	struct oseg o[4];

	load(&t, "[\"*:80\"]");
	send6(&t, false, 40001, 1000, 0, TH_SYN, NULL, 0);
	tt_take1(&t, &o[0]);
	ck_assert_seg(&o[0], TH_SYN | TH_ACK, o[0].seq, 1001);
	assert_v6_addressing(&o[0], NF6, PEER6, 40001);
	ck_assert_uint_eq(o[0].mss, tt_engine(&t)->cfg->mss6);
	uint32_t iss = o[0].seq;
	struct tcp_conn *c = tt_conn(&t, 40001);
	ck_assert_ptr_nonnull(c);
	ck_assert(c->v6);
	ck_assert_uint_eq(c->mss, 1400);

	send6(&t, false, 40001, 1001, iss + 1, TH_ACK, NULL, 0);
	tt_none(&t);
	send6(&t, false, 40001, 1001, iss + 1, TH_ACK | TH_PSH, REQ, REQ_LEN);
	tt_take1(&t, &o[0]);
	assert_v6_addressing(&o[0], NF6, PEER6, 40001);
	ck_assert_seg(&o[0], TH_ACK | TH_PSH | TH_FIN, iss + 1, 1001 + REQ_LEN);
	ck_assert_uint_eq(o[0].len, 100);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_out"), 100);

	/* The peer acknowledges all and closes: our last ACK, then TIME_WAIT in
	 * the store, which answers a retransmitted FIN over IPv6 too. */
	send6(&t, false, 40001, 1001 + REQ_LEN, iss + 102, TH_ACK | TH_FIN, NULL, 0);
	tt_take1(&t, &o[0]);
	ck_assert_seg(&o[0], TH_ACK, iss + 102, 1002 + REQ_LEN);
	ck_assert_ptr_null(tt_conn(&t, 40001));
	ck_assert_ptr_nonnull(tt_time_wait(&t, 40001));
	send6(&t, false, 40001, 1001 + REQ_LEN, iss + 102, TH_ACK | TH_FIN, NULL, 0);
	tt_take1(&t, &o[0]);
	ck_assert_seg(&o[0], TH_ACK, iss + 102, 1002 + REQ_LEN);
	assert_v6_addressing(&o[0], NF6, PEER6, 40001);
	ck_assert_uint_eq(tt_ctr(&t, "completed"), 1);
	tt_free(&t);
}
END_TEST

/* The same ports over IPv4 and IPv6: two connections, each answered in its
 * own family; a reset of one leaves the other. */
START_TEST(same_ports_both_families)
{
	struct tcp_test t;
	struct oseg o;

	load(&t, "[\"*:80\"]");
	send6(&t, false, 40002, 5000, 0, TH_SYN, NULL, 0);
	tt_take1(&t, &o);
	uint32_t iss6 = o.seq;
	ck_assert(o.v6);
	send6(&t, true, 40002, 7000, 0, TH_SYN, NULL, 0);
	tt_take1(&t, &o);
	uint32_t iss4 = o.seq;
	ck_assert(!o.v6);
	ck_assert_uint_eq(tt_ctr(&t, "accepted"), 2);

	send6(&t, true, 40002, 7001, iss4 + 1, TH_ACK | TH_PSH, REQ, REQ_LEN);
	tt_take1(&t, &o);
	ck_assert(!o.v6);
	ck_assert_seg(&o, TH_ACK | TH_PSH | TH_FIN, iss4 + 1, 7001 + REQ_LEN);
	send6(&t, false, 40002, 5001, iss6 + 1, TH_RST, NULL, 0);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "failed_reset"), 1);
	/* The IPv4 one lives on. */
	struct tcp_conn *c = tt_conn(&t, 40002);
	ck_assert_ptr_nonnull(c);
	ck_assert(!c->v6);
	ck_assert_uint_eq(c->state, TCP_FIN_WAIT_1);
	tt_free(&t);
}
END_TEST

/* No connection: an ACK gets a RST from its sequence number, a SYN to a
 * port nobody listens on a RST+ACK, both as IPv6 frames. */
START_TEST(rst_for_no_connection)
{
	struct tcp_test t;
	struct oseg o;

	load(&t, "[\"*:80\"]");
	send6(&t, false, 40003, 100, 4242, TH_ACK, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_RST, 4242, 0);
	assert_v6_addressing(&o, NF6, PEER6, 40003);
	struct tseg syn = { .sport = 40004, .dport = 81, .seq = 9, .flags = TH_SYN, .win = 1,
			    .src6 = PEER6, .dst6 = NF6 };
	tt_send(&t, &syn);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_RST | TH_ACK, 0, 10);
	ck_assert(o.v6);
	ck_assert_uint_eq(o.sport, 81);
	tt_free(&t);
}
END_TEST

/* "[2001:2::1]:80" takes IPv6 to that address only; "198.18.0.1:80" IPv4. */
START_TEST(listen_addresses_by_family)
{
	struct tcp_test t;
	struct oseg o;

	load(&t, "[\"[" NF6 "]:80\"]");
	send6(&t, true, 40005, 1, 0, TH_SYN, NULL, 0); /* IPv4: nobody listens */
	tt_take1(&t, &o);
	ck_assert_uint_eq(o.flags, TH_RST | TH_ACK);
	send6(&t, false, 40005, 1, 0, TH_SYN, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_uint_eq(o.flags, TH_SYN | TH_ACK);
	/* An IPv6 address that is not the port's: not listened on, and not
	 * answered (another host's, on a shared link). */
	struct tseg syn = { .sport = 40006, .dport = 80, .seq = 1, .flags = TH_SYN, .win = 1,
			    .src6 = PEER6, .dst6 = "2001:2::9" };
	tt_send(&t, &syn);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "not_for_us"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "accepted"), 1);
	tt_free(&t);

	load(&t, "[\"198.18.0.1:80\"]");
	send6(&t, false, 40007, 1, 0, TH_SYN, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_uint_eq(o.flags, TH_RST | TH_ACK);
	ck_assert_uint_eq(tt_ctr(&t, "accepted"), 0);
	tt_free(&t);
}
END_TEST

/* IPv6 frames that are no whole, correct segment: counted, never answered. */
START_TEST(bad_ipv6_segments)
{
	struct tcp_test t;
	uint8_t f[256];

	load(&t, "[\"*:80\"]");
	struct tseg syn = { .sport = 40008, .dport = 80, .seq = 1, .flags = TH_SYN, .win = 1,
			    .src6 = PEER6, .dst6 = NF6, .bad_tcp_cksum = true };
	tt_send(&t, &syn);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "bad_checksum"), 1);

	/* A first fragment: a Fragment header (M set) between IPv6 and TCP. */
	syn.bad_tcp_cksum = false;
	size_t len = tseg_frame(f, &syn);
	uint8_t g[256];
	memcpy(g, f, 54);
	memcpy(g + 62, f + 54, len - 54);
	g[20] = 44;                        /* next header: Fragment */
	uint8_t frag[8] = { IPPROTO_TCP, 0, 0, 1, 0, 0, 0, 7 }; /* offset 0, M */
	memcpy(g + 54, frag, 8);
	g[19] = (uint8_t)(g[19] + 8);      /* payload length */
	tt_send_frame(&t, g, len + 8);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "bad_segment"), 1);

	/* A payload length past the frame's end: parse or the server refuse it. */
	len = tseg_frame(f, &syn);
	f[19] = (uint8_t)(f[19] + 40);
	tt_send_frame(&t, f, len);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "accepted"), 0);
	tt_free(&t);
}
END_TEST

/* tcp_client from a range of IPv6 source addresses: consecutive connections
 * leave from consecutive addresses (their TCP checksums over each one's
 * pseudo-header), a SYN-ACK to one of them finds its connection, and one to
 * an address beside the range finds none. */
START_TEST(client_from_ipv6_source_range)
{
	struct tcp_test t;
	struct oseg o[8];
	static const char *const src[] = { "2001:2::100", "2001:2::101", "2001:2::102",
					   "2001:2::103" };

	tt_load(&t,
		"{\"ports\": {\"p\": {\"device\": \"wire:w\", \"mac\": \"" NF_MAC "\",\n"
		"   \"ipv6\": \"" NF6 "/64\"}, \"q\": {\"device\": \"wire:w\"}},\n"
		" \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"raw\": {\"op\": \"test_inject\"},\n"
		"  \"parse\": {\"op\": \"parse\"},\n"
		"  \"cli\": {\"op\": \"tcp_client\", \"port\": \"p\", \"next_hop_mac\": \"" PEER_MAC "\",\n"
		"           \"targets\": [{\"ip\": \"" PEER6 "\", \"port\": 80}],\n"
		"           \"src_ips\": \"2001:2::100-2001:2::103\", \"src_ports\": \"41000-41001\",\n"
		"           \"connections\": 4, \"request\": \"" "GET / HTTP/1.1\\r\\n\\r\\n" "\",\n"
		"           \"response_bytes\": 10, \"response_end\": \"bytes\"},\n"
		"  \"out\": {\"op\": \"test_collect\"}, \"bad\": {\"op\": \"test_collect\"}},\n"
		" \"edges\": [\"in -> parse -> cli -> out\", \"parse.malformed -> bad\", \"raw -> cli\"]}",
		"cli");
	tt_walk(&t, 2);
	ck_assert_uint_eq(tt_take(&t, o, 8), 4);
	for (unsigned i = 0; i < 4; i++) {
		uint8_t a[16], peer[16];
		inet_pton(AF_INET6, src[i], a);
		inet_pton(AF_INET6, PEER6, peer);
		ck_assert_msg(o[i].v6 && o[i].flags == TH_SYN, "segment %u", i);
		ck_assert_mem_eq(o[i].src6, a, 16);
		ck_assert_mem_eq(o[i].dst6, peer, 16);
		ck_assert_uint_eq(o[i].sport, 41000);
	}
	/* The third's SYN-ACK: its ACK and request, from its address. */
	uint8_t mss[4] = { 2, 4, 0x04, 0xc4 };
	struct tseg sa = { .sport = 80, .dport = 41000, .seq = 5000, .ack = o[2].seq + 1,
			   .flags = TH_SYN | TH_ACK, .win = 65535, .opt = mss, .optlen = 4,
			   .src6 = PEER6, .dst6 = src[2] };
	tt_send(&t, &sa);
	struct oseg r;
	tt_take1(&t, &r);
	ck_assert_msg(r.flags & TH_ACK, "flags %s", tt_flags(r.flags));
	ck_assert_uint_eq(r.ack, 5001);
	ck_assert_uint_eq(r.len, 18);
	ck_assert_mem_eq(r.src6, o[2].src6, 16);
	ck_assert_uint_eq(tt_ctr(&t, "established"), 1);
	/* Beside the range, and not the port's own address either: nobody's
	 * here, no answer. The port's own address: no connection, a reset. */
	sa.dst6 = "2001:2::104";
	sa.ack = o[0].seq + 1;
	tt_send(&t, &sa);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "not_for_us"), 1);
	sa.dst6 = NF6;
	tt_send(&t, &sa);
	tt_take1(&t, &r);
	ck_assert_msg(r.flags & TH_RST, "flags %s", tt_flags(r.flags));
	ck_assert_uint_eq(tt_ctr(&t, "established"), 1);
	tt_free(&t);
}
END_TEST

static Suite *
tcp_ipv6_suite(void)
{
	Suite *s = suite_create("tcp_ipv6");
	TCase *tc = tcase_create("tcp_ipv6");

	tcase_add_test(tc, handshake_request_response_close);
	tcase_add_test(tc, same_ports_both_families);
	tcase_add_test(tc, rst_for_no_connection);
	tcase_add_test(tc, listen_addresses_by_family);
	tcase_add_test(tc, bad_ipv6_segments);
	tcase_add_test(tc, client_from_ipv6_source_range);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(tcp_ipv6_suite)
