/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_server against a peer the test plays by hand: every segment is crafted
 * (flags, sequence numbers, options, checksums) and every segment the server
 * sends back is checked field by field, checksums included. Covers the state
 * machine (RFC 9293) with the RFC 5961 defences, sequence wraparound,
 * retransmission and backoff (RFC 6298), fast retransmit, MSS and window
 * limits, zero-window probes, and bad input that must disturb nothing else.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcp_testlib.h"

#define REQ "GET / HTTP/1.1\r\n\r\n"
#define REQ_LEN 18u

static uint32_t resp_size; /* response_size of the loaded server */

static void
server_load(struct tcp_test *t, uint32_t response_size, const char *params)
{
	char all[2048];

	resp_size = response_size;
	snprintf(all, sizeof(all), "%s\"response_size\": %u%s%s",
		 strstr(params, "max_connections") ? "" : "\"max_connections\": 64, ", response_size,
		 params[0] ? ", " : "", params);
	tt_server_load(t, all);
}

/* Byte `off` of the server's outgoing stream (responses back to back). */
static uint8_t
resp_byte(uint32_t off)
{
	return (uint8_t)('a' + (off % resp_size) % 26);
}

/* The peer: a client the test plays. */
struct peer {
	uint16_t port;
	uint32_t isn;  /* its initial sequence number */
	uint32_t snd;  /* its next sequence number */
	uint32_t rcv;  /* what it acknowledges */
	uint32_t iss;  /* the server's initial sequence number */
	uint16_t win;
};

static void
p_send(struct tcp_test *t, struct peer *p, uint8_t flags, const void *data, uint32_t len)
{
	struct tseg s = { .sport = p->port, .dport = 80, .seq = p->snd, .ack = p->rcv,
			  .flags = flags, .win = p->win, .data = data, .len = len };

	tt_send(t, &s);
	p->snd += len + !!(flags & TH_SYN) + !!(flags & TH_FIN);
}

/* A segment of the peer with explicit numbers (the peer model is untouched). */
static void
p_send_at(struct tcp_test *t, const struct peer *p, uint8_t flags, uint32_t seq, uint32_t ack,
	  const void *data, uint32_t len)
{
	struct tseg s = { .sport = p->port, .dport = 80, .seq = seq, .ack = ack, .flags = flags,
			  .win = p->win, .data = data, .len = len };

	tt_send(t, &s);
}

static void
assert_addressing(const struct oseg *o, uint16_t peer_port)
{
	uint32_t nf, peer;
	static const uint8_t nf_mac[6] = { 2, 0, 0, 0, 0, 0xaa }, peer_mac[6] = { 2, 0, 0, 0, 0, 1 };

	inet_pton(AF_INET, NF_IP, &nf);
	inet_pton(AF_INET, PEER_IP, &peer);
	ck_assert_uint_eq(o->src_ip, nf);
	ck_assert_uint_eq(o->dst_ip, peer);
	ck_assert_uint_eq(o->sport, 80);
	ck_assert_uint_eq(o->dport, peer_port);
	ck_assert_mem_eq(o->src_mac, nf_mac, 6);
	ck_assert_mem_eq(o->dst_mac, peer_mac, 6);
	ck_assert_uint_eq(o->ttl, 64);
	ck_assert(o->df);
}

/* SYN (with an MSS option unless mss is 0), checked SYN-ACK; the peer model
 * is set up, the handshake is not finished. */
static void
p_syn(struct tcp_test *t, struct peer *p, uint16_t port, uint32_t isn, uint16_t win, uint16_t mss)
{
	uint8_t opt[4] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss };
	struct tseg syn = { .sport = port, .dport = 80, .seq = isn, .flags = TH_SYN, .win = win,
			    .opt = mss ? opt : NULL, .optlen = mss ? 4 : 0 };
	struct oseg o;

	tt_send(t, &syn);
	tt_take1(t, &o);
	ck_assert_seg(&o, TH_SYN | TH_ACK, o.seq, isn + 1);
	assert_addressing(&o, port);
	ck_assert_uint_eq(o.mss, tt_engine(t)->cfg->mss);
	ck_assert_uint_eq(o.optlen, 4);
	ck_assert_uint_eq(o.win, 65535);
	ck_assert_uint_eq(o.len, 0);
	p->port = port;
	p->isn = isn;
	p->snd = isn + 1;
	p->iss = o.seq;
	p->rcv = o.seq + 1;
	p->win = win;
	struct tcp_conn *c = tt_conn(t, port);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->state, TCP_SYN_RCVD);
}

static void
p_open(struct tcp_test *t, struct peer *p, uint16_t port, uint32_t isn, uint16_t win, uint16_t mss)
{
	p_syn(t, p, port, isn, win, mss);
	p_send(t, p, TH_ACK, NULL, 0);
	tt_none(t);
	ck_assert_uint_eq(tt_conn(t, port)->state, TCP_ESTABLISHED);
}

static uint8_t
conn_state(struct tcp_test *t, uint16_t port)
{
	struct tcp_conn *c = tt_conn(t, port);

	/* A server's TIME_WAIT is kept outside the table, slot freed. */
	if (!c && tt_time_wait(t, port))
		return TCP_TIME_WAIT;
	return c ? c->state : TCP_CLOSED;
}

/* Response segments: each one ACK (+PSH/FIN on the last), in sequence from
 * *next, payload as generated; returns the bytes. */
static uint32_t
check_data(const struct oseg *o, unsigned n, const struct peer *p, uint32_t *next)
{
	uint32_t bytes = 0;

	for (unsigned i = 0; i < n; i++) {
		ck_assert_msg(o[i].seq == *next, "segment %u: seq %u, want %u", i, o[i].seq, *next);
		ck_assert_msg(o[i].flags & TH_ACK, "segment %u without ACK", i);
		ck_assert_uint_eq(o[i].ack, p->snd);
		ck_assert_uint_eq(o[i].optlen, 0);
		uint32_t off = o[i].seq - (p->iss + 1);
		for (uint32_t b = 0; b < o[i].len; b++)
			ck_assert_msg(o[i].data[b] == resp_byte(off + b),
				      "segment %u byte %u: %c, want %c", i, b, o[i].data[b],
				      resp_byte(off + b));
		*next += o[i].len + !!(o[i].flags & TH_FIN);
		bytes += o[i].len;
	}
	return bytes;
}

/* ---- handshake, request, response, close --------------------------------- */

/* Two nodes feed parse in one walk, so the server's stream holds 512
 * segments, more than a burst (found by a new graph: a stack array sized by
 * the burst overflowed). Every SYN is answered, each from its own connection. */
START_TEST(a_stream_longer_than_a_burst)
{
	struct tcp_test t;
	const char *json =
		"{\"ports\": {\"p\": {\"device\": \"wire:w\", \"mac\": \"" NF_MAC "\",\n"
		"                   \"ipv4\": \"198.18.0.1/24\"}, \"q\": {\"device\": \"wire:w\"}},\n"
		" \"nodes\": {\"in1\": {\"op\": \"test_inject\"}, \"in2\": {\"op\": \"test_inject\"},\n"
		"  \"parse\": {\"op\": \"parse\"},\n"
		"  \"srv\": {\"op\": \"tcp_server\", \"port\": \"p\", \"next_hop_mac\": \"" PEER_MAC "\",\n"
		"           \"http\": false, \"response_size\": 10, \"max_connections\": 1024},\n"
		"  \"out\": {\"op\": \"test_collect\"}},\n"
		" \"edges\": [\"in1 -> parse\", \"in2 -> parse\", \"parse -> srv -> out\"]}";
	enum { PER_INPUT = 300 };
	struct rte_mbuf *pkts[PER_INPUT];

	tt_load(&t, json, "srv");
	for (unsigned input = 0; input < 2; input++) {
		for (unsigned i = 0; i < PER_INPUT; i++) {
			struct tseg syn = { .sport = (uint16_t)(10000 + input * PER_INPUT + i),
					    .dport = 80, .seq = 1000, .flags = TH_SYN, .win = 65535 };
			pkts[i] = tseg_mbuf(&syn);
		}
		harness_inject(t.h, input ? "in2" : "in1", pkts, PER_INPUT);
	}
	tt_walk(&t, 3);
	ck_assert_uint_eq(tt_ctr(&t, "accepted"), 2 * PER_INPUT);
	struct rte_mbuf **out;
	unsigned n = harness_collected(t.h, "out", &out);
	ck_assert_uint_eq(n, 2 * PER_INPUT);
	bool seen[2 * PER_INPUT] = { false };
	for (unsigned i = 0; i < n; i++) {
		struct oseg o;
		tt_read_segment(out[i], &o);
		ck_assert_uint_eq(o.flags, TH_SYN | TH_ACK);
		ck_assert_uint_eq(o.ack, 1001);
		ck_assert(o.dport >= 10000 && o.dport < 10000 + 2 * PER_INPUT);
		ck_assert(!seen[o.dport - 10000]);
		seen[o.dport - 10000] = true;
	}
	tt_free(&t);
}
END_TEST

START_TEST(handshake_request_response_close)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o[8];

	server_load(&t, 3000, "");
	p_open(&t, &p, 1111, 1000, 65535, 1000);
	ck_assert_uint_eq(tt_ctr(&t, "accepted"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "established"), 1);

	/* The request: the response comes in peer-MSS segments, the FIN on the last. */
	p_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ck_assert_uint_eq(tt_take(&t, o, 8), 3);
	uint32_t next = p.iss + 1;
	ck_assert_uint_eq(check_data(o, 3, &p, &next), 3000);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_uint_eq(o[i].len, 1000);
		ck_assert_uint_eq(o[i].win, 65535);
		assert_addressing(&o[i], 1111);
	}
	ck_assert_uint_eq(o[0].flags, TH_ACK);
	ck_assert_uint_eq(o[1].flags, TH_ACK);
	ck_assert_uint_eq(o[2].flags, TH_ACK | TH_PSH | TH_FIN);
	ck_assert_uint_eq(conn_state(&t, 1111), TCP_FIN_WAIT_1);
	ck_assert_uint_eq(tt_ctr(&t, "messages_received"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "messages_sent"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), REQ_LEN);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_out"), 3000);

	/* All of it acknowledged with the peer's FIN: TIME_WAIT, our last ACK. */
	p.rcv = next;
	p_send(&t, &p, TH_ACK | TH_FIN, NULL, 0);
	tt_take1(&t, o);
	ck_assert_seg(&o[0], TH_ACK, p.iss + 3002, p.snd);
	ck_assert_uint_eq(conn_state(&t, 1111), TCP_TIME_WAIT);
	ck_assert_ptr_null(tt_conn(&t, 1111)); /* the slot is free already */
	ck_assert_uint_eq(tt_ctr(&t, "completed"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "released"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "retransmits"), 0);
	ck_assert_uint_eq(tt_ctr(&t, "segments_in"), 4);
	ck_assert_uint_eq(tt_ctr(&t, "segments_out"), 5);
	tt_free(&t);
}
END_TEST

/* On a link several hosts (or nfg runs) share, segments for the others arrive
 * too: listening on "*" means the port's own addresses, and a segment to
 * another address gets no connection and no RST, only a count. */
START_TEST(segments_for_another_host_are_not_answered)
{
	struct tcp_test t;
	struct oseg o;
	uint8_t f[256];

	server_load(&t, 100, "\"listen\": [\"*:80\"]");
	struct tseg syn = { .sport = 1300, .dport = 80, .seq = 7000, .flags = TH_SYN, .win = 65535 };
	size_t len = tseg_frame_between(f, &syn, PEER_IP, "198.18.0.9", NULL, NULL);
	tt_send_frame(&t, f, len);
	tt_none(&t);
	struct tseg ack = { .sport = 1301, .dport = 80, .seq = 7000, .ack = 99, .flags = TH_ACK,
			    .win = 65535 };
	len = tseg_frame_between(f, &ack, PEER_IP, "198.18.0.9", NULL, NULL);
	tt_send_frame(&t, f, len);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "not_for_us"), 2);
	ck_assert_uint_eq(tt_ctr(&t, "accepted"), 0);
	ck_assert_uint_eq(tt_ctr(&t, "resets_sent"), 0);
	/* Ours: a SYN to a port nobody listens on is reset, one to 80 accepted. */
	syn.dport = 81;
	tt_send(&t, &syn);
	tt_take1(&t, &o);
	ck_assert_uint_eq(o.flags, TH_RST | TH_ACK);
	syn.dport = 80;
	tt_send(&t, &syn);
	tt_take1(&t, &o);
	ck_assert_uint_eq(o.flags, TH_SYN | TH_ACK);
	ck_assert_uint_eq(tt_ctr(&t, "accepted"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "not_for_us"), 2);
	tt_free(&t);
}
END_TEST

START_TEST(syn_rcvd_bad_ack_retransmitted_syn_and_rst)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o;

	server_load(&t, 100, "");
	p_syn(&t, &p, 1200, 5000, 65535, 1460);

	/* An ACK of something never sent: RST <SEQ=SEG.ACK>, the connection stays. */
	p_send_at(&t, &p, TH_ACK, p.snd, p.iss + 100, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_RST, p.iss + 100, 0);
	assert_addressing(&o, 1200);
	/* An ACK of nothing (our SYN not acknowledged): RST too. */
	p_send_at(&t, &p, TH_ACK, p.snd, p.iss, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_RST, p.iss, 0);
	ck_assert_uint_eq(conn_state(&t, 1200), TCP_SYN_RCVD);
	ck_assert_uint_eq(tt_ctr(&t, "resets_sent"), 2);

	/* The peer did not get our SYN-ACK and sends its SYN again: the same SYN-ACK. */
	p_send_at(&t, &p, TH_SYN, p.isn, 0, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_SYN | TH_ACK, p.iss, p.isn + 1);
	ck_assert_uint_eq(o.mss, 1460);
	ck_assert_uint_eq(tt_ctr(&t, "retransmits"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "accepted"), 1);

	/* RST in the window but not at RCV.NXT: challenge ACK (RFC 5961 3.2). */
	p_send_at(&t, &p, TH_RST, p.snd + 1, 0, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, p.iss + 1, p.snd);
	ck_assert_uint_eq(tt_ctr(&t, "challenge_acks"), 1);
	/* RST outside the window: ignored. */
	p_send_at(&t, &p, TH_RST, p.snd + 100000, 0, NULL, 0);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "out_of_window"), 1);
	ck_assert_uint_eq(conn_state(&t, 1200), TCP_SYN_RCVD);
	/* RST at RCV.NXT: the connection is gone. */
	p_send_at(&t, &p, TH_RST, p.snd, 0, NULL, 0);
	tt_none(&t);
	ck_assert_uint_eq(conn_state(&t, 1200), TCP_CLOSED);
	ck_assert_uint_eq(tt_ctr(&t, "failed_reset"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "resets_received"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "released"), 1);

	/* The 4-tuple is free again. */
	p_open(&t, &p, 1200, 9000, 65535, 1460);
	ck_assert_uint_eq(tt_ctr(&t, "accepted"), 2);
	tt_free(&t);
}
END_TEST

START_TEST(established_in_order_duplicate_out_of_order)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o;

	server_load(&t, 100, ""); /* no "\r\n\r\n" is sent: no response gets in the way */
	p_open(&t, &p, 1300, 70000, 65535, 1460);
	struct tcp_conn *c = tt_conn(&t, 1300);

	/* In order: delivered and acknowledged. */
	p_send(&t, &p, TH_ACK, "abc", 3);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, p.iss + 1, p.snd);
	ck_assert_uint_eq(o.len, 0);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 3);
	ck_assert_uint_eq(c->rcv_nxt, p.snd);

	/* The same bytes again: a duplicate ACK, nothing delivered. */
	p_send_at(&t, &p, TH_ACK, p.snd - 3, p.rcv, "abc", 3);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, p.iss + 1, p.snd);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 3);
	ck_assert_uint_eq(tt_ctr(&t, "out_of_window"), 1);

	/* Overlapping the old and the new: only the new bytes count. */
	p_send_at(&t, &p, TH_ACK, p.snd - 1, p.rcv, "cde", 3);
	p.snd += 2;
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, p.iss + 1, p.snd);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 5);

	/* Out of order (a hole before it): a duplicate ACK; the segment is held. */
	p_send_at(&t, &p, TH_ACK, p.snd + 10, p.rcv, "zzz", 3);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, p.iss + 1, p.snd);
	ck_assert_uint_eq(tt_ctr(&t, "out_of_order_held"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 5);
	ck_assert_uint_eq(c->rcv_nxt, p.snd);
	ck_assert_uint_eq(c->ooo, 1);

	/* A FIN beyond a hole is not held, but answered. */
	p_send_at(&t, &p, TH_ACK | TH_FIN, p.snd + 5, p.rcv, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, p.iss + 1, p.snd);
	ck_assert_uint_eq(tt_ctr(&t, "out_of_order"), 1);
	ck_assert_uint_eq(c->state, TCP_ESTABLISHED);
	ck_assert_uint_eq(c->flags & CF_FIN_RCVD, 0);

	/* The hole filled: its 10 bytes and then the 3 held ones are delivered,
	 * and one ACK covers them all. */
	p_send(&t, &p, TH_ACK, "0123456789", 10);
	p.snd += 3;
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, p.iss + 1, p.snd);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 18);
	ck_assert_uint_eq(c->ooo, 0);

	/* Far outside the window: ACK, dropped. */
	p_send_at(&t, &p, TH_ACK, p.snd + 100000, p.rcv, "far", 3);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, p.iss + 1, p.snd);
	ck_assert_uint_eq(tt_ctr(&t, "out_of_window"), 2);
	/* No ACK bit: dropped without an answer. */
	p_send_at(&t, &p, TH_PSH, p.snd, 0, "noack", 5);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "bad_segment"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 18);
	ck_assert_uint_eq(c->rcv_nxt, p.snd);
	ck_assert_uint_eq(c->state, TCP_ESTABLISHED);
	tt_free(&t);
}
END_TEST

START_TEST(out_of_order_segments_are_reassembled)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o[4];

	server_load(&t, 100, "");
	p_open(&t, &p, 1310, 70000, 65535, 1460);
	struct tcp_conn *c = tt_conn(&t, 1310);
	uint32_t base = p.snd;

	/* "GET /x\r\n\r\n" in four pieces; the last three arrive first, backwards,
	 * and the delimiter is split across held pieces. */
	p_send_at(&t, &p, TH_ACK, base + 9, p.rcv, "\n", 1);
	p_send_at(&t, &p, TH_ACK, base + 6, p.rcv, "\r\n\r", 3);
	p_send_at(&t, &p, TH_ACK, base + 3, p.rcv, " /x", 3);
	ck_assert_uint_eq(tt_take(&t, o, 4), 3); /* three duplicate ACKs */
	for (int i = 0; i < 3; i++)
		ck_assert_seg(&o[i], TH_ACK, p.iss + 1, base);
	ck_assert_uint_eq(c->ooo, 3);
	ck_assert_uint_eq(tt_ctr(&t, "messages_received"), 0);
	/* The same piece again is not held twice. */
	p_send_at(&t, &p, TH_ACK, base + 3, p.rcv, " /x", 3);
	tt_take1(&t, &o[0]);
	ck_assert_uint_eq(c->ooo, 3);

	/* The first piece fills the hole: all 10 bytes are in, in order, the
	 * request is complete and the response goes out with the ACK. */
	p_send_at(&t, &p, TH_ACK, base, p.rcv, "GET", 3);
	p.snd = base + 10;
	tt_take1(&t, &o[0]);
	ck_assert_uint_eq(o[0].ack, p.snd);
	ck_assert_uint_eq(o[0].len, 100);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 10);
	ck_assert_uint_eq(tt_ctr(&t, "messages_received"), 1);
	ck_assert_uint_eq(c->ooo, 0);
	ck_assert_uint_eq(tt_engine(&t)->nb_ooo, 0);
	tt_free(&t);
}
END_TEST

/* The request delimiter is found wherever the stream is cut, with near misses
 * before it ("\r\n\r" then "\r\n\r\n") and a second request pipelined
 * behind the first: every cut gives exactly two responses. */
START_TEST(request_end_found_at_every_cut)
{
	static const char stream[] = "GET /a\r\n\r\r\n\r\nGET /b\r\r\n\n\r\n\r\n";
	const uint32_t len = sizeof(stream) - 1;
	struct tcp_test t;
	struct oseg o[8];

	server_load(&t, 10, "\"close\": \"client\", \"max_connections\": 128");
	for (uint32_t cut = 0; cut <= len; cut++) {
		struct peer p;
		uint16_t port = (uint16_t)(3000 + cut);
		uint64_t before = tt_ctr(&t, "messages_received");
		p_open(&t, &p, port, 5000 + cut, 65535, 1460);
		if (cut)
			p_send(&t, &p, TH_ACK, stream, cut);
		if (cut < len)
			p_send(&t, &p, TH_ACK, stream + cut, len - cut);
		tt_take(&t, o, 8);
		ck_assert_msg(tt_ctr(&t, "messages_received") - before == 2,
			      "cut at %u: %lu requests seen", cut,
			      (unsigned long)(tt_ctr(&t, "messages_received") - before));
	}
	tt_free(&t);
}
END_TEST

START_TEST(held_segments_are_freed_with_their_connection)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o;

	server_load(&t, 100, "");
	p_open(&t, &p, 1311, 70000, 65535, 1460);
	/* Eight held (the per-connection limit), the ninth dropped and counted. */
	for (uint32_t i = 0; i < TCP_OOO_PER_CONN + 1; i++) {
		p_send_at(&t, &p, TH_ACK, p.snd + 10 + 4 * i, p.rcv, "abc", 3);
		tt_take1(&t, &o);
	}
	ck_assert_uint_eq(tt_ctr(&t, "out_of_order_held"), TCP_OOO_PER_CONN);
	ck_assert_uint_eq(tt_ctr(&t, "out_of_order"), 1);
	/* A reset ends the connection: its held segments go back to the pool
	 * (tt_free checks the pool) and are counted. */
	p_send_at(&t, &p, TH_RST, p.snd, 0, NULL, 0);
	tt_none(&t);
	ck_assert_uint_eq(tt_engine(&t)->nb_ooo, 0);
	ck_assert_uint_eq(tt_ctr(&t, "out_of_order"),
			  1 + TCP_OOO_PER_CONN);
	tt_free(&t);
}
END_TEST

/* A full table and a SYN: the oldest half-open connection (a SYN flood's)
 * makes room; with none half open, the SYN is answered with RST. */
START_TEST(full_table_evicts_the_oldest_half_open)
{
	struct tcp_test t;
	struct peer p[6];

	server_load(&t, 100, "\"max_connections\": 4");
	for (unsigned k = 0; k < 4; k++)
		p_syn(&t, &p[k], (uint16_t)(2001 + k), 1000 * (k + 1), 65535, 1460);
	ck_assert_uint_eq(conn_state(&t, 2001), TCP_SYN_RCVD);
	/* A fifth: 2001 goes, 2005 comes. */
	p_syn(&t, &p[4], 2005, 5000, 65535, 1460);
	ck_assert_uint_eq(tt_ctr(&t, "half_open_evicted"), 1);
	ck_assert_uint_eq(conn_state(&t, 2001), TCP_CLOSED);
	ck_assert_uint_eq(conn_state(&t, 2005), TCP_SYN_RCVD);
	/* All four complete their handshakes: nothing half open is left. */
	for (unsigned k = 1; k < 5; k++) {
		p_send(&t, &p[k], TH_ACK, NULL, 0);
		tt_none(&t);
		ck_assert_uint_eq(conn_state(&t, (uint16_t)(2001 + k)), TCP_ESTABLISHED);
	}
	struct tseg syn = { .sport = 2006, .dport = 80, .seq = 6000, .flags = TH_SYN, .win = 65535 };
	struct oseg o;
	tt_send(&t, &syn);
	tt_take1(&t, &o);
	ck_assert_uint_eq(o.flags, TH_RST | TH_ACK);
	ck_assert_uint_eq(tt_ctr(&t, "connection_table_full"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "half_open_evicted"), 1);
	tt_free(&t);
}
END_TEST

/* The same after the table has been through many connections: only the
 * connections half open now count, whatever came and went before. */
START_TEST(eviction_works_after_the_table_cycled)
{
	struct tcp_test t;
	struct peer p[6];

	server_load(&t, 100, "\"max_connections\": 4");
	for (unsigned k = 0; k < 40; k++) {
		struct peer q;
		p_open(&t, &q, (uint16_t)(3000 + k), 1000, 65535, 1460);
		p_send(&t, &q, TH_RST, NULL, 0);
		tt_none(&t);
		ck_assert_uint_eq(conn_state(&t, (uint16_t)(3000 + k)), TCP_CLOSED);
	}
	p_open(&t, &p[0], 2001, 1000, 65535, 1460); /* established: never evicted */
	for (unsigned k = 1; k < 4; k++)
		p_syn(&t, &p[k], (uint16_t)(2001 + k), 1000 * (k + 1), 65535, 1460);
	p_syn(&t, &p[4], 2005, 5000, 65535, 1460);
	ck_assert_uint_eq(tt_ctr(&t, "half_open_evicted"), 1);
	ck_assert_uint_eq(conn_state(&t, 2001), TCP_ESTABLISHED);
	ck_assert_uint_eq(conn_state(&t, 2002), TCP_CLOSED);
	p_syn(&t, &p[5], 2006, 6000, 65535, 1460);
	ck_assert_uint_eq(tt_ctr(&t, "half_open_evicted"), 2);
	ck_assert_uint_eq(conn_state(&t, 2003), TCP_CLOSED);
	ck_assert_uint_eq(conn_state(&t, 2004), TCP_SYN_RCVD);
	ck_assert_uint_eq(tt_ctr(&t, "connection_table_full"), 0);
	tt_free(&t);
}
END_TEST

START_TEST(fin_with_data_to_last_ack)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o;

	server_load(&t, 500, "");
	p_open(&t, &p, 1400, 1, 65535, 1460);
	/* Request and FIN together: response, our FIN, and the ACK of theirs in one. */
	p_send(&t, &p, TH_ACK | TH_PSH | TH_FIN, REQ, REQ_LEN);
	tt_take1(&t, &o);
	uint32_t next = p.iss + 1;
	ck_assert_uint_eq(check_data(&o, 1, &p, &next), 500);
	ck_assert_uint_eq(o.flags, TH_ACK | TH_PSH | TH_FIN);
	ck_assert_uint_eq(o.ack, 1 + 1 + REQ_LEN + 1);
	ck_assert_uint_eq(conn_state(&t, 1400), TCP_LAST_ACK);
	ck_assert_uint_eq(tt_ctr(&t, "messages_received"), 1);

	/* A duplicate of their FIN in LAST_ACK: answered, nothing else. */
	p_send_at(&t, &p, TH_ACK | TH_FIN, p.snd - 1, p.rcv, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, p.iss + 502, p.snd);
	ck_assert_uint_eq(conn_state(&t, 1400), TCP_LAST_ACK);

	/* Our FIN acknowledged: closed, a passive close that completed. */
	p.rcv = next;
	p_send(&t, &p, TH_ACK, NULL, 0);
	tt_none(&t);
	ck_assert_uint_eq(conn_state(&t, 1400), TCP_CLOSED);
	ck_assert_uint_eq(tt_ctr(&t, "completed"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "released"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "failed_reset") + tt_ctr(&t, "failed_timeout"), 0);
	tt_free(&t);
}
END_TEST

START_TEST(close_wait_until_the_window_lets_the_response_out)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o[8];

	server_load(&t, 3000, "\"close\": \"client\"");
	p_open(&t, &p, 1500, 400, 1000, 1000);
	p_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	uint32_t next = p.iss + 1;
	ck_assert_uint_eq(tt_take(&t, o, 8), 1);
	ck_assert_uint_eq(check_data(o, 1, &p, &next), 1000);

	/* The client closes while 2000 bytes wait for window: CLOSE_WAIT. */
	p_send(&t, &p, TH_ACK | TH_FIN, NULL, 0);
	tt_take1(&t, o);
	ck_assert_seg(&o[0], TH_ACK, p.iss + 1001, p.snd);
	ck_assert_uint_eq(conn_state(&t, 1500), TCP_CLOSE_WAIT);

	/* Data after the FIN is not taken. */
	p_send_at(&t, &p, TH_ACK, p.snd, p.rcv, "late", 4);
	tt_take1(&t, o);
	ck_assert_seg(&o[0], TH_ACK, p.iss + 1001, p.snd);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), REQ_LEN);

	p.rcv = next;
	p_send(&t, &p, TH_ACK, NULL, 0);
	ck_assert_uint_eq(tt_take(&t, o, 8), 1);
	check_data(o, 1, &p, &next);
	ck_assert_uint_eq(o[0].flags, TH_ACK);
	ck_assert_uint_eq(conn_state(&t, 1500), TCP_CLOSE_WAIT);
	p.rcv = next;
	p_send(&t, &p, TH_ACK, NULL, 0);
	ck_assert_uint_eq(tt_take(&t, o, 8), 1);
	check_data(o, 1, &p, &next);
	ck_assert_uint_eq(o[0].flags, TH_ACK | TH_PSH | TH_FIN);
	ck_assert_uint_eq(conn_state(&t, 1500), TCP_LAST_ACK);
	p.rcv = next;
	p_send(&t, &p, TH_ACK, NULL, 0);
	tt_none(&t);
	ck_assert_uint_eq(conn_state(&t, 1500), TCP_CLOSED);
	ck_assert_uint_eq(tt_ctr(&t, "completed"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_out"), 3000);
	tt_free(&t);
}
END_TEST

/* Request, response with our FIN; returns with the connection in FIN_WAIT_1. */
static uint32_t
to_fin_wait_1(struct tcp_test *t, struct peer *p, uint16_t port, uint32_t isn)
{
	struct oseg o;
	uint32_t next;

	p_open(t, p, port, isn, 65535, 1460);
	p_send(t, p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	tt_take1(t, &o);
	next = p->iss + 1;
	ck_assert_uint_eq(check_data(&o, 1, p, &next), resp_size);
	ck_assert_uint_eq(o.flags, TH_ACK | TH_PSH | TH_FIN);
	ck_assert_uint_eq(conn_state(t, port), TCP_FIN_WAIT_1);
	return next;
}

START_TEST(fin_wait_time_wait_and_retransmitted_fin)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o;

	server_load(&t, 100, "\"time_wait_ms\": 40");
	uint32_t next = to_fin_wait_1(&t, &p, 1600, 123456);
	p.rcv = next;
	p_send(&t, &p, TH_ACK, NULL, 0);
	tt_none(&t);
	ck_assert_uint_eq(conn_state(&t, 1600), TCP_FIN_WAIT_2);
	p_send(&t, &p, TH_ACK | TH_FIN, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, next, p.snd);
	ck_assert_uint_eq(conn_state(&t, 1600), TCP_TIME_WAIT);
	ck_assert_uint_eq(tt_ctr(&t, "completed"), 1);

	/* Our ACK was lost: the FIN again, the same ACK again. */
	p_send_at(&t, &p, TH_ACK | TH_FIN, p.snd - 1, p.rcv, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, next, p.snd);
	ck_assert_uint_eq(conn_state(&t, 1600), TCP_TIME_WAIT);

	/* TIME_WAIT ends by itself; nothing more is sent. */
	ck_assert_uint_eq(tt_idle(&t, 80, &o, 1), 0);
	ck_assert_uint_eq(conn_state(&t, 1600), TCP_CLOSED);
	ck_assert_uint_eq(tt_ctr(&t, "released"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "completed"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "failed_timeout"), 0);
	tt_free(&t);
}
END_TEST

START_TEST(simultaneous_close_through_closing)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o;

	server_load(&t, 100, "\"time_wait_ms\": 10000");
	uint32_t next = to_fin_wait_1(&t, &p, 1700, 99);
	/* Their FIN crosses ours: it acknowledges the data, not our FIN. */
	p.rcv = next - 1;
	p_send(&t, &p, TH_ACK | TH_FIN, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, next, p.snd);
	ck_assert_uint_eq(conn_state(&t, 1700), TCP_CLOSING);
	p.rcv = next;
	p_send(&t, &p, TH_ACK, NULL, 0);
	tt_none(&t);
	ck_assert_uint_eq(conn_state(&t, 1700), TCP_TIME_WAIT);
	ck_assert_uint_eq(tt_ctr(&t, "completed"), 1);
	tt_free(&t);
}
END_TEST

START_TEST(time_wait_reopened_by_a_higher_syn_only)
{
	struct tcp_test t;
	struct peer p, p2;
	struct oseg o;

	server_load(&t, 100, "\"time_wait_ms\": 10000");
	uint32_t next = to_fin_wait_1(&t, &p, 1800, 1000000);
	p.rcv = next;
	p_send(&t, &p, TH_ACK | TH_FIN, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_uint_eq(conn_state(&t, 1800), TCP_TIME_WAIT);
	uint32_t old_iss = p.iss;

	/* A SYN below what the old connection received: not a new incarnation. */
	struct tseg syn = { .sport = 1800, .dport = 80, .seq = p.snd - 5000, .flags = TH_SYN,
			    .win = 65535 };
	tt_send(&t, &syn);
	tt_none(&t);
	ck_assert_uint_eq(conn_state(&t, 1800), TCP_TIME_WAIT);
	ck_assert_uint_eq(tt_ctr(&t, "accepted"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "out_of_window"), 1);
	/* A RST does not end TIME_WAIT early (RFC 1337). */
	p_send_at(&t, &p, TH_RST, p.snd, 0, NULL, 0);
	tt_none(&t);
	ck_assert_uint_eq(conn_state(&t, 1800), TCP_TIME_WAIT);
	ck_assert_uint_eq(tt_ctr(&t, "out_of_window"), 2);

	/* Above it: the 4-tuple is reopened, with an ISS above the old sequence space. */
	nfg_clock_advance_ms(2);
	p_syn(&t, &p2, 1800, p.snd + 100000, 65535, 1460);
	ck_assert_uint_eq(tt_ctr(&t, "accepted"), 2);
	ck_assert_uint_eq(tt_ctr(&t, "released"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "completed"), 1);
	ck_assert_msg(SEQ_GT(p2.iss, old_iss + 102), "new ISS %u not above the old %u", p2.iss,
		      old_iss + 102);
	p_send(&t, &p2, TH_ACK, NULL, 0);
	ck_assert_uint_eq(conn_state(&t, 1800), TCP_ESTABLISHED);
	tt_free(&t);
}
END_TEST

/* Brings a connection on `port` to `state` (close "server", response 100). */
static void
reach_state(struct tcp_test *t, struct peer *p, uint16_t port, uint8_t state)
{
	struct oseg o;
	uint32_t next;

	switch (state) {
	case TCP_SYN_RCVD:
		p_syn(t, p, port, 5555, 65535, 1460);
		break;
	case TCP_ESTABLISHED:
		p_open(t, p, port, 5555, 65535, 1460);
		break;
	case TCP_FIN_WAIT_1:
		to_fin_wait_1(t, p, port, 5555);
		break;
	case TCP_FIN_WAIT_2:
		p->rcv = to_fin_wait_1(t, p, port, 5555);
		p_send(t, p, TH_ACK, NULL, 0);
		tt_none(t);
		break;
	case TCP_CLOSING:
		p->rcv = to_fin_wait_1(t, p, port, 5555) - 1;
		p_send(t, p, TH_ACK | TH_FIN, NULL, 0);
		tt_take1(t, &o);
		break;
	case TCP_CLOSE_WAIT:
		/* The response waits for window when the client closes. */
		p_open(t, p, port, 5555, 50, 1460);
		p_send(t, p, TH_ACK | TH_PSH, REQ, REQ_LEN);
		tt_take1(t, &o);
		ck_assert_uint_eq(o.len, 50);
		p_send(t, p, TH_ACK | TH_FIN, NULL, 0);
		tt_take1(t, &o);
		break;
	case TCP_LAST_ACK:
		p_open(t, p, port, 5555, 65535, 1460);
		p_send(t, p, TH_ACK | TH_PSH | TH_FIN, REQ, REQ_LEN);
		tt_take1(t, &o);
		next = p->iss + 1;
		check_data(&o, 1, p, &next);
		break;
	default:
		ck_abort();
	}
	ck_assert_uint_eq(conn_state(t, port), state);
}

START_TEST(rst_in_every_synchronized_state)
{
	static const uint8_t states[] = { TCP_SYN_RCVD, TCP_ESTABLISHED, TCP_FIN_WAIT_1,
					  TCP_FIN_WAIT_2, TCP_CLOSE_WAIT, TCP_CLOSING, TCP_LAST_ACK };
	struct tcp_test t;

	server_load(&t, 100, "\"time_wait_ms\": 10000");
	for (unsigned i = 0; i < RTE_DIM(states); i++) {
		struct peer p;
		struct oseg o;
		uint16_t port = (uint16_t)(2000 + i);

		reach_state(&t, &p, port, states[i]);
		struct tcp_conn *c = tt_conn(&t, port);
		struct tcp_conn before = *c;
		uint64_t oow = tt_ctr(&t, "out_of_window"), chal = tt_ctr(&t, "challenge_acks");
		uint64_t resets = tt_ctr(&t, "failed_reset");

		/* Outside the window: ignored, not answered. */
		p_send_at(&t, &p, TH_RST, c->rcv_nxt + 70000, 0, NULL, 0);
		tt_none(&t);
		ck_assert_uint_eq(tt_ctr(&t, "out_of_window"), oow + 1);
		ck_assert_int_eq(memcmp(c, &before, sizeof(before)), 0);
		/* Also with the ACK bit. */
		p_send_at(&t, &p, TH_RST | TH_ACK, c->rcv_nxt - 1, p.rcv, NULL, 0);
		tt_none(&t);
		ck_assert_uint_eq(tt_ctr(&t, "out_of_window"), oow + 2);

		/* In the window but not at RCV.NXT: a challenge ACK, nothing else. */
		p_send_at(&t, &p, TH_RST, c->rcv_nxt + 1, 0, NULL, 0);
		tt_take1(&t, &o);
		ck_assert_seg(&o, TH_ACK, c->snd_nxt, c->rcv_nxt);
		ck_assert_uint_eq(o.len, 0);
		ck_assert_uint_eq(tt_ctr(&t, "challenge_acks"), chal + 1);
		ck_assert_msg(c->state == states[i], "state %u after an in-window RST, want %u",
			      c->state, states[i]);
		ck_assert_uint_eq(c->rcv_nxt, before.rcv_nxt);
		ck_assert_uint_eq(c->snd_una, before.snd_una);

		/* Exactly at RCV.NXT: reset. */
		p_send_at(&t, &p, TH_RST, c->rcv_nxt, 0, NULL, 0);
		tt_none(&t);
		ck_assert_msg(conn_state(&t, port) == TCP_CLOSED, "state %u survived a RST",
			      states[i]);
		ck_assert_uint_eq(tt_ctr(&t, "failed_reset"), resets + 1);
	}
	ck_assert_uint_eq(tt_ctr(&t, "resets_received"), RTE_DIM(states));
	ck_assert_uint_eq(tt_ctr(&t, "resets_sent"), 0);
	tt_free(&t);
}
END_TEST

START_TEST(syn_in_synchronized_state_gets_challenge_ack)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o;

	server_load(&t, 100, "");
	p_open(&t, &p, 2100, 777, 65535, 1460);
	struct tcp_conn *c = tt_conn(&t, 2100);
	struct tcp_conn before = *c;

	/* In the window, below it, and a SYN-ACK: each answered with <SEQ=SND.NXT><ACK=RCV.NXT>. */
	const uint32_t seqs[] = { p.snd + 10, p.snd - 5000, p.snd };
	const uint8_t flags[] = { TH_SYN, TH_SYN, TH_SYN | TH_ACK };
	for (unsigned i = 0; i < 3; i++) {
		p_send_at(&t, &p, flags[i], seqs[i], p.rcv, NULL, 0);
		tt_take1(&t, &o);
		ck_assert_seg(&o, TH_ACK, p.iss + 1, p.snd);
		ck_assert_uint_eq(tt_ctr(&t, "challenge_acks"), i + 1);
	}
	ck_assert_int_eq(memcmp(c, &before, sizeof(before)), 0);
	ck_assert_uint_eq(tt_ctr(&t, "accepted"), 1);
	/* Still a working connection. */
	p_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	tt_take1(&t, &o);
	uint32_t next = p.iss + 1;
	ck_assert_uint_eq(check_data(&o, 1, &p, &next), 100);
	tt_free(&t);
}
END_TEST

START_TEST(ack_of_unsent_data_is_answered_and_ignored)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o;

	server_load(&t, 100, "");
	p_open(&t, &p, 2200, 31337, 65535, 1460);
	struct tcp_conn *c = tt_conn(&t, 2200);
	struct tcp_conn before = *c;

	/* RFC 9293 3.10.7.4: SEG.ACK > SND.NXT: send an ACK, drop the segment (data too). */
	p_send_at(&t, &p, TH_ACK | TH_PSH, p.snd, p.iss + 1 + 5000, REQ, REQ_LEN);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, p.iss + 1, p.snd);
	/* RFC 5961 5.2: older than any window could be: the same. */
	p_send_at(&t, &p, TH_ACK | TH_PSH, p.snd, p.iss + 1 - 70000, REQ, REQ_LEN);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, p.iss + 1, p.snd);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 0);
	ck_assert_uint_eq(tt_ctr(&t, "messages_received"), 0);
	ck_assert_int_eq(memcmp(c, &before, sizeof(before)), 0);

	/* The same request with a right ACK is answered. */
	p_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	tt_take1(&t, &o);
	uint32_t next = p.iss + 1;
	ck_assert_uint_eq(check_data(&o, 1, &p, &next), 100);
	tt_free(&t);
}
END_TEST

/* ---- sequence numbers across 2^32 ------------------------------------------ */

START_TEST(sequence_numbers_wrap_both_ways)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o[16];
	uint8_t req[600];

	server_load(&t, 5000, "");
	/* The peer's ISN near 2^32: its request crosses zero. */
	p_syn(&t, &p, 2300, 0xFFFFFF00u, 65535, 1000);
	/* Ours too: before the handshake ends, move the connection's ISS so that the
	 * response crosses zero (the SYN-ACK is the only segment that carried it). */
	struct tcp_conn *c = tt_conn(&t, 2300);
	c->iss = 0xFFFFF800u;
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	p.iss = c->iss;
	p.rcv = c->iss + 1;
	p_send(&t, &p, TH_ACK, NULL, 0);
	ck_assert_uint_eq(c->state, TCP_ESTABLISHED);

	memset(req, 'r', sizeof(req));
	memcpy(req + sizeof(req) - 4, "\r\n\r\n", 4);
	p_send(&t, &p, TH_ACK, req, 300);
	tt_take1(&t, o);
	ck_assert_seg(&o[0], TH_ACK, 0xFFFFF801u, 0x0000002Du); /* 0xFFFFFF01 + 300 */
	ck_assert_uint_eq(c->rcv_nxt, 0x2Du);
	p_send(&t, &p, TH_ACK | TH_PSH, req + 300, 300);
	ck_assert_uint_eq(tt_take(&t, o, 16), 5);
	uint32_t next = p.iss + 1;
	ck_assert_uint_eq(check_data(o, 5, &p, &next), 5000);
	ck_assert_uint_eq(o[0].ack, 0x159u);
	ck_assert_uint_eq(o[2].seq, 0xFFFFFFD1u); /* the segment that crosses zero */
	ck_assert_uint_eq(o[3].seq, 0x3B9u);
	ck_assert_uint_eq(next, 0xFFFFF801u + 5001);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 600);
	ck_assert_uint_eq(tt_ctr(&t, "messages_received"), 1);

	/* Acknowledged piece by piece across zero. */
	const uint32_t acks[] = { 0xFFFFFFD1u, 0x3B9u, next };
	for (unsigned i = 0; i < 3; i++) {
		p.rcv = acks[i];
		p_send(&t, &p, TH_ACK, NULL, 0);
		tt_none(&t);
		ck_assert_uint_eq(c->snd_una, acks[i]);
	}
	ck_assert_uint_eq(c->state, TCP_FIN_WAIT_2);
	p_send(&t, &p, TH_ACK | TH_FIN, NULL, 0);
	tt_take1(&t, o);
	ck_assert_seg(&o[0], TH_ACK, next, 0x15Au);
	ck_assert_uint_eq(conn_state(&t, 2300), TCP_TIME_WAIT);
	ck_assert_uint_eq(tt_ctr(&t, "out_of_window") + tt_ctr(&t, "retransmits"), 0);
	tt_free(&t);
}
END_TEST

/* ---- retransmission ---------------------------------------------------------- */

/* Retransmission times are checked against a start taken before the timer
 * was armed: a segment is seen after it left, never before, so the time from
 * that start to when the k-th one is seen is at least the sum of the first k
 * timeouts, however late the test sees it. The backoff itself is read from
 * the connection (rto_ms). */
static void
assert_since(double t0, double want_ms, const char *what)
{
	double got = tt_ms_now() - t0;

	ck_assert_msg(got >= want_ms - 2 && got < want_ms + 1000, "%s after %.1f ms, want %.0f", what,
		      got, want_ms);
}

START_TEST(lost_syn_ack_backoff_then_give_up)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o;

	server_load(&t, 100, "\"rto_initial_ms\": 40, \"max_retries\": 2");
	double t0 = tt_ms_now();
	p_syn(&t, &p, 2400, 4242, 65535, 1460);
	tt_wait(&t, &o, 1000);
	assert_since(t0, 40, "first SYN-ACK retransmission");
	ck_assert_seg(&o, TH_SYN | TH_ACK, p.iss, p.isn + 1);
	ck_assert_uint_eq(o.mss, 1460);
	ck_assert_uint_eq(tt_conn(&t, 2400)->rto_ms, 80);
	tt_wait(&t, &o, 1000);
	assert_since(t0, 40 + 80, "second");
	ck_assert_seg(&o, TH_SYN | TH_ACK, p.iss, p.isn + 1);
	ck_assert_uint_eq(tt_conn(&t, 2400)->rto_ms, 160);
	/* max_retries 2: the third expiry gives up with a RST. */
	tt_wait(&t, &o, 2000);
	assert_since(t0, 40 + 80 + 160, "giving up");
	ck_assert_seg(&o, TH_RST | TH_ACK, p.iss + 1, p.isn + 1);
	ck_assert_uint_eq(tt_ctr(&t, "retransmits"), 2);
	ck_assert_uint_eq(tt_ctr(&t, "failed_timeout"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "resets_sent"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "released"), 1);
	ck_assert_uint_eq(conn_state(&t, 2400), TCP_CLOSED);
	tt_free(&t);
}
END_TEST

START_TEST(lost_data_go_back_n_backoff_then_give_up)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o[8];

	server_load(&t, 3000, "\"rto_initial_ms\": 30, \"max_retries\": 2");
	p_open(&t, &p, 2500, 100, 65535, 1000);
	double t0 = tt_ms_now();
	p_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ck_assert_uint_eq(tt_take(&t, o, 8), 3);
	struct tcp_conn *c = tt_conn(&t, 2500);

	/* Nothing acknowledged: after the RTO go back to the first unacknowledged
	 * byte, with a congestion window of one segment (RFC 5681 3.1). */
	ck_assert_uint_eq(tt_idle(&t, 20, o, 8), 0);
	ck_assert_uint_eq(tt_waitn(&t, o, 8, 1000), 1);
	assert_since(t0, 30, "first retransmission");
	uint32_t next = p.iss + 1;
	ck_assert_uint_eq(check_data(o, 1, &p, &next), 1000);
	ck_assert_uint_eq(tt_ctr(&t, "retransmits"), 1);
	ck_assert_uint_eq(c->rto_ms, 60);
	ck_assert_uint_eq(c->cwnd, 1000);
	ck_assert_uint_eq(c->ssthresh, 2000); /* half of 3000 in flight, at least 2 MSS */

	/* The first segment acknowledged: slow start doubles the window, and the
	 * other two go at once; the timer restarts for them (with the backed-off
	 * RTO, no new sample: Karn). */
	p.rcv = p.iss + 1001;
	t0 = tt_ms_now();
	p_send(&t, &p, TH_ACK, NULL, 0);
	ck_assert_uint_eq(tt_take(&t, o, 8), 2);
	ck_assert_uint_eq(check_data(o, 2, &p, &next), 2000);
	ck_assert_uint_eq(o[1].flags, TH_ACK | TH_PSH | TH_FIN);

	/* Then nothing more from the peer: one segment again after 60 ms, after
	 * 120 more, and after 240 more (max_retries 2, counted from the last
	 * progress) a RST. */
	ck_assert_uint_eq(tt_waitn(&t, o, 8, 1000), 1);
	assert_since(t0, 60, "retransmission after the ACK");
	next = p.iss + 1001;
	ck_assert_uint_eq(check_data(o, 1, &p, &next), 1000);
	ck_assert_uint_eq(tt_waitn(&t, o, 8, 1000), 1);
	assert_since(t0, 60 + 120, "next retransmission");
	ck_assert_uint_eq(tt_waitn(&t, o, 8, 2000), 1);
	assert_since(t0, 60 + 120 + 240, "giving up");
	ck_assert_seg(&o[0], TH_RST | TH_ACK, p.iss + 2001, p.snd); /* snd_nxt */
	ck_assert_uint_eq(tt_ctr(&t, "retransmits"), 3);
	ck_assert_uint_eq(tt_ctr(&t, "failed_timeout"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "completed"), 0);
	ck_assert_uint_eq(conn_state(&t, 2500), TCP_CLOSED);
	tt_free(&t);
}
END_TEST

START_TEST(fast_retransmit_after_three_duplicate_acks)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o[8];

	server_load(&t, 5000, "");
	p_open(&t, &p, 2600, 100, 65535, 1000);
	p_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ck_assert_uint_eq(tt_take(&t, o, 8), 5);
	/* The first segment was lost; the peer acknowledges what came before it. */
	for (unsigned i = 1; i <= 2; i++) {
		p_send(&t, &p, TH_ACK, NULL, 0);
		tt_none(&t);
		ck_assert_uint_eq(tt_ctr(&t, "dup_acks"), i);
	}
	p_send(&t, &p, TH_ACK, NULL, 0);
	tt_take1(&t, o);
	uint32_t next = p.iss + 1;
	ck_assert_uint_eq(check_data(o, 1, &p, &next), 1000);
	ck_assert_uint_eq(o[0].flags, TH_ACK);
	ck_assert_uint_eq(tt_ctr(&t, "retransmits"), 1);
	/* RFC 5681 3.2: ssthresh half of what was in flight, the window that. */
	ck_assert_uint_eq(tt_conn(&t, 2600)->ssthresh, 2500);
	ck_assert_uint_eq(tt_conn(&t, 2600)->cwnd, 2500);
	/* More duplicates do not resend it again. */
	p_send(&t, &p, TH_ACK, NULL, 0);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "dup_acks"), 4);
	/* A duplicate ACK that changes the window is a window update, not a duplicate. */
	p.win = 60000;
	p_send(&t, &p, TH_ACK, NULL, 0);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "dup_acks"), 4);
	p.rcv = p.iss + 5002;
	p_send(&t, &p, TH_ACK, NULL, 0);
	tt_none(&t);
	ck_assert_uint_eq(conn_state(&t, 2600), TCP_FIN_WAIT_2);
	ck_assert_uint_eq(tt_ctr(&t, "retransmits"), 1);
	tt_free(&t);
}
END_TEST

/* ---- MSS and window ------------------------------------------------------------ */

/* Request, then every response segment within `max_seg`; returns the count. */
static unsigned
response_segments(struct tcp_test *t, uint16_t port, uint16_t peer_mss, uint16_t max_seg)
{
	struct peer p;
	struct oseg o[64];

	p_open(t, &p, port, 1, 65535, peer_mss);
	p_send(t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	unsigned n = tt_take(t, o, 64);
	ck_assert_uint_le(n, 64);
	uint32_t next = p.iss + 1;
	ck_assert_uint_eq(check_data(o, n, &p, &next), resp_size);
	for (unsigned i = 0; i < n; i++)
		ck_assert_msg(o[i].len <= max_seg, "segment of %u bytes, MSS %u", o[i].len, max_seg);
	ck_assert_uint_eq(tt_conn(t, port)->mss, max_seg);
	return n;
}

START_TEST(segments_never_exceed_the_mss)
{
	struct tcp_test t;

	server_load(&t, 1500, "");
	ck_assert_uint_eq(response_segments(&t, 2700, 0, 536), 3);    /* no option: 536 */
	ck_assert_uint_eq(response_segments(&t, 2701, 1200, 1200), 2);
	ck_assert_uint_eq(response_segments(&t, 2702, 9000, 1460), 2); /* ours is smaller */
	tt_free(&t);

	server_load(&t, 1500, "\"mss\": 1000");
	ck_assert_uint_eq(response_segments(&t, 2703, 1460, 1000), 2);
	tt_free(&t);
}
END_TEST

START_TEST(jumbo_mss_segments_fit_in_an_mbuf)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o[64];

	/* MSS 8960 on both sides: segments are cut to what one mbuf holds. */
	server_load(&t, 20000, "\"mss\": 8960");
	p_open(&t, &p, 2800, 1, 65535, 8960);
	p_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	/* The initial window (RFC 6928: 10 segments, at most max(2 MSS, 14600)
	 * bytes) is 2 of these: as many whole mbuf-sized segments as fit in it
	 * (no piece of one while an ACK is due, RFC 1122 4.2.3.4); the rest once
	 * they are acknowledged. */
	unsigned n = tt_take(&t, o, 64);
	uint32_t next = p.iss + 1, seg = o[0].len, first = 2 * 8960 / seg * seg;
	ck_assert_uint_lt(seg, 8960);
	ck_assert_uint_eq(check_data(o, n, &p, &next), first);
	p.rcv = next;
	p_send(&t, &p, TH_ACK, NULL, 0);
	n = tt_take(&t, o, 64);
	ck_assert_uint_eq(check_data(o, n, &p, &next), 20000 - first);
	ck_assert(o[n - 1].flags & TH_FIN);
	ck_assert_uint_eq(tt_ctr(&t, "no_mbuf"), 0);
	tt_free(&t);
}
END_TEST

START_TEST(sender_stays_within_the_peer_window)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o[16];

	server_load(&t, 10000, "");
	p_open(&t, &p, 2900, 1, 4000, 1000);
	p_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	uint32_t next = p.iss + 1;
	ck_assert_uint_eq(tt_take(&t, o, 16), 4);
	ck_assert_uint_eq(check_data(o, 4, &p, &next), 4000);

	/* Half acknowledged: exactly the 2000 bytes that opened up. */
	p.rcv = p.iss + 2001;
	p_send(&t, &p, TH_ACK, NULL, 0);
	ck_assert_uint_eq(tt_take(&t, o, 16), 2);
	ck_assert_uint_eq(check_data(o, 2, &p, &next), 2000);
	/* A window update without new data acknowledged: 1000 more. */
	p.win = 5000;
	p_send(&t, &p, TH_ACK, NULL, 0);
	ck_assert_uint_eq(tt_take(&t, o, 16), 1);
	ck_assert_uint_eq(check_data(o, 1, &p, &next), 1000);
	ck_assert_uint_eq(tt_ctr(&t, "dup_acks"), 0);
	/* A smaller window than what is in flight: nothing. */
	p.win = 1000;
	p_send(&t, &p, TH_ACK, NULL, 0);
	tt_none(&t);
	p.rcv = next;
	p.win = 65535;
	p_send(&t, &p, TH_ACK, NULL, 0);
	ck_assert_uint_eq(tt_take(&t, o, 16), 3);
	ck_assert_uint_eq(check_data(o, 3, &p, &next), 3000);
	ck_assert_uint_eq(o[2].flags, TH_ACK | TH_PSH | TH_FIN);
	tt_free(&t);
}
END_TEST

START_TEST(large_response_in_window_sized_rounds)
{
	struct tcp_test t;
	struct peer p;
	static struct oseg o[64];
	const uint32_t size = 100 * 1024, wnd = 8192;

	server_load(&t, size, "");
	p_open(&t, &p, 3000, 0x7FFFFFF0u, (uint16_t)wnd, 1460);
	p_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	uint32_t next = p.iss + 1, total = 0;
	unsigned rounds = 0;
	bool fin = false;
	while (!fin) {
		unsigned n = tt_take(&t, o, 64);
		ck_assert_uint_gt(n, 0);
		ck_assert_uint_le(n, 64);
		rounds++;
		total += check_data(o, n, &p, &next);
		for (unsigned i = 0; i < n; i++) {
			ck_assert_uint_le(o[i].len, 1460);
			/* Never more unacknowledged than the window. */
			ck_assert_uint_le(o[i].seq + o[i].len - p.rcv, wnd);
			fin = o[i].flags & TH_FIN;
		}
		p.rcv = next;
		p_send(&t, &p, TH_ACK, NULL, 0);
	}
	ck_assert_uint_eq(total, size);
	/* Full segments per round (sender silly-window avoidance, RFC 1122
	 * 4.2.3.4: no piece of one while an ACK will open room), the last round
	 * the rest. */
	unsigned want = 0;
	for (uint32_t left = size; left; want++)
		left -= left <= wnd ? left : wnd / 1460 * 1460;
	ck_assert_uint_eq(rounds, want);
	ck_assert_uint_eq(conn_state(&t, 3000), TCP_FIN_WAIT_2);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_out"), size);
	ck_assert_uint_eq(tt_ctr(&t, "retransmits"), 0);
	tt_free(&t);
}
END_TEST

START_TEST(zero_window_probes_keep_going_while_answered)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o[8];

	/* max_retries 2, and four probes answered: answered probes are not failures. */
	server_load(&t, 2000, "\"rto_initial_ms\": 20, \"max_retries\": 2");
	p_open(&t, &p, 3100, 10, 1000, 1460);
	p.win = 0;
	double t0 = tt_ms_now();
	p_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	tt_take1(&t, o);
	ck_assert_seg(&o[0], TH_ACK, p.iss + 1, p.snd);
	ck_assert_uint_eq(o[0].len, 0);

	double want = 0;
	for (unsigned i = 0; i < 4; i++) {
		tt_wait(&t, o, 2000);
		want += 20 << i; /* backed off: 20, 40, 80, 160 ms */
		assert_since(t0, want, "window probe");
		ck_assert_seg(&o[0], TH_ACK, p.iss + 1, p.snd);
		ck_assert_uint_eq(o[0].len, 1);
		ck_assert_uint_eq(o[0].data[0], resp_byte(0));
		p_send(&t, &p, TH_ACK, NULL, 0); /* still zero */
		tt_none(&t);
	}
	ck_assert_uint_eq(tt_ctr(&t, "failed_timeout"), 0);
	/* The window opens (the probe byte was taken): the rest flows. */
	p.rcv = p.iss + 2;
	p.win = 65535;
	p_send(&t, &p, TH_ACK, NULL, 0);
	ck_assert_uint_eq(tt_take(&t, o, 8), 2);
	uint32_t next = p.iss + 2;
	ck_assert_uint_eq(check_data(o, 2, &p, &next), 1999);
	ck_assert(o[1].flags & TH_FIN);
	tt_free(&t);
}
END_TEST

/* ---- bad input ------------------------------------------------------------------ */

/* An IPv6/TCP frame (the engine speaks IPv4 only). */
static size_t
tcp6_frame(uint8_t *buf)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)buf;
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(e + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip6 + 1);

	memset(buf, 0, 14 + 40 + 20);
	e->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(20);
	ip6->proto = IPPROTO_TCP;
	ip6->hop_limits = 64;
	th->dst_port = rte_cpu_to_be_16(80);
	th->data_off = 5 << 4;
	th->tcp_flags = TH_SYN;
	th->cksum = rte_ipv6_udptcp_cksum(ip6, th);
	return 14 + 40 + 20;
}

/* A SYN with these options gets a SYN-ACK; the connection's MSS is `want`. */
static void
syn_options(struct tcp_test *t, uint16_t port, const uint8_t *opt, uint8_t len, uint16_t want)
{
	struct tseg s = { .sport = port, .dport = 80, .seq = 1, .flags = TH_SYN, .win = 100,
			  .opt = opt, .optlen = len };
	struct oseg o;

	tt_send(t, &s);
	tt_take1(t, &o);
	ck_assert_seg(&o, TH_SYN | TH_ACK, o.seq, 2);
	struct tcp_conn *c = tt_conn(t, port);
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(c->mss == want, "port %u: MSS %u, want %u", port, c->mss, want);
}

START_TEST(bad_input_is_counted_and_disturbs_nothing)
{
	struct tcp_test t;
	struct peer a, b;
	struct oseg o;
	uint8_t f[2048];
	size_t len;

	server_load(&t, 700, "\"max_connections\": 40");
	p_open(&t, &a, 5001, 1000, 65535, 1460);
	p_open(&t, &b, 5002, 2000, 65535, 1460);
	p_send(&t, &b, TH_ACK, "GET / HT", 8); /* B is in the middle of its request */
	tt_take1(&t, &o);
	struct tcp_conn *ca = tt_conn(&t, 5001), *cb = tt_conn(&t, 5002);
	struct tcp_conn a0 = *ca, b0 = *cb;
	uint64_t in0 = tt_ctr(&t, "segments_in");

	/* Forged flag combinations: dropped as bad segments, never answered. */
	const uint8_t forged[] = { TH_SYN | TH_FIN, TH_SYN | TH_RST, 0, TH_FIN | TH_PSH | 0x20,
				   TH_SYN | TH_FIN | TH_RST | TH_PSH | TH_ACK | 0x20 | 0x40 | 0x80 };
	for (unsigned i = 0; i < RTE_DIM(forged); i++) {
		struct tseg s = { .sport = 6000, .dport = 80, .seq = 1, .flags = forged[i],
				  .win = 100, .len = 5 };
		tt_send(&t, &s);
		s.sport = 5001; /* and on A's 4-tuple, in its window */
		s.seq = ca->rcv_nxt;
		s.ack = a.rcv;
		tt_send(&t, &s);
		tt_none(&t);
		ck_assert_uint_eq(tt_ctr(&t, "bad_segment"), 2 * (i + 1));
	}
	ck_assert_uint_eq(tt_ctr(&t, "accepted"), 2);
	ck_assert_ptr_null(tt_conn(&t, 6000));

	/* Bogus options in SYNs: parsing stops at the bogus one, the rest of the SYN is fine. */
	const uint8_t len0[] = { 99, 0, 2, 4, 0x03, 0xe8 }, len1[] = { 99, 1, 2, 4, 0x03, 0xe8 };
	const uint8_t past[] = { 2, 4, 0x03, 0xe8, 99, 40 }, past_first[] = { 99, 40, 2, 4, 3, 0xe8 };
	const uint8_t cut[] = { 1, 1, 1, 2 }, mss3[] = { 2, 3, 5, 2, 4, 5, 0, 0 };
	const uint8_t tiny[] = { 2, 4, 0, 10 }, eol[] = { 0, 2, 4, 3, 0xe8, 0 };
	uint8_t full[40];
	memset(full, 1, sizeof(full));
	full[36] = 2, full[37] = 4, full[38] = 0x02, full[39] = 0x58; /* MSS 600 at the very end */
	syn_options(&t, 6001, len0, sizeof(len0), 536);
	syn_options(&t, 6002, len1, sizeof(len1), 536);
	syn_options(&t, 6003, past, sizeof(past), 1000);
	syn_options(&t, 6004, past_first, sizeof(past_first), 536);
	syn_options(&t, 6005, cut, sizeof(cut), 536);
	syn_options(&t, 6006, mss3, sizeof(mss3), 1280); /* the 3-byte one skipped */
	syn_options(&t, 6007, tiny, sizeof(tiny), 64);
	syn_options(&t, 6008, eol, sizeof(eol), 536);
	syn_options(&t, 6009, full, sizeof(full), 600);

	/* Truncated or contradictory headers stop at parse and never reach the server. */
	uint64_t seen = tt_ctr(&t, "segments_in");
	struct tseg s = { .sport = 5001, .dport = 80, .seq = ca->rcv_nxt, .ack = a.rcv,
			  .flags = TH_ACK, .win = 100 };
	len = tseg_frame(f, &s);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	ip->total_length = rte_cpu_to_be_16(30); /* the TCP header cut at 10 bytes */
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tt_send_frame(&t, f, 44);
	ck_assert_uint_eq(harness_counter(t.h, "parse", "truncated_tcp"), 1);
	s.doff = 4;
	len = tseg_frame(f, &s);
	tt_send_frame(&t, f, len);
	s.doff = 15;
	len = tseg_frame(f, &s);
	tt_send_frame(&t, f, len);
	ck_assert_uint_eq(harness_counter(t.h, "parse", "bad_tcp_offset"), 2);
	tt_send_frame(&t, f, 20); /* not even an IPv4 header */
	ck_assert_uint_eq(harness_counter(t.h, "parse", "truncated_ipv4"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "segments_in"), seen);
	ck_assert_uint_eq(harness_collected(t.h, "bad", NULL), 4);

	/* Not TCP over IPv4: UDP, ICMP, ARP, IPv6/TCP, a later IPv4 fragment. */
	len = build_udp4(f, PEER_IP, NF_IP, 5001, 80, 10);
	tt_send_frame(&t, f, len);
	len = build_icmp4_echo(f, PEER_IP, NF_IP, 1, 1, 8);
	tt_send_frame(&t, f, len);
	len = build_arp_request(f, PEER_MAC, PEER_IP, NF_IP);
	tt_send_frame(&t, f, len);
	len = tcp6_frame(f);
	tt_send_frame(&t, f, len);
	s.doff = 0;
	s.len = 8;
	len = tseg_frame(f, &s);
	ip->fragment_offset = rte_cpu_to_be_16(100);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tt_send_frame(&t, f, len);
	ck_assert_uint_eq(tt_ctr(&t, "not_tcp_ipv4"), 5);
	tt_none(&t);

	/* The first fragment of a segment: a whole TCP header but not the whole segment. */
	len = tseg_frame(f, &s);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tt_send_frame(&t, f, len);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "bad_segment"), 2 * RTE_DIM(forged) + 1);

	/* Bad checksums: TCP, then IPv4 (parse does not check it by default). */
	s.bad_tcp_cksum = true;
	tt_send(&t, &s);
	s.bad_tcp_cksum = false;
	s.bad_ip_cksum = true;
	tt_send(&t, &s);
	s.bad_ip_cksum = false;
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "bad_checksum"), 2);

	/* Without parse: lengths that contradict the frame, and a non-TCP type. */
	len = tseg_frame(f, &s);
	struct rte_mbuf *m = harness_pkt(f, len);
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
	m->l2_len = 14;
	m->l3_len = 20;
	m->l4_len = 60; /* more than the datagram holds */
	tt_send_raw(&t, m);
	ck_assert_uint_eq(tt_ctr(&t, "bad_segment"), 2 * RTE_DIM(forged) + 2);
	m = harness_pkt(f, len);
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_UDP;
	m->l2_len = 14;
	m->l3_len = 20;
	m->l4_len = 8;
	tt_send_raw(&t, m);
	ck_assert_uint_eq(tt_ctr(&t, "not_tcp_ipv4"), 6);

	/* A segment in two mbufs: the engine reads payload in one piece only. */
	len = tseg_frame(f, &s);
	m = harness_pkt(f, len - 4);
	struct rte_mbuf *tail = harness_pkt(f + len - 4, 4);
	ck_assert_int_eq(rte_pktmbuf_chain(m, tail), 0);
	harness_inject(t.h, "in", &m, 1);
	harness_walk(t.h, 2);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "bad_segment"), 2 * RTE_DIM(forged) + 3);

	/* Wrong sequence numbers on A: answered with an ACK, nothing taken. */
	p_send_at(&t, &a, TH_ACK, ca->rcv_nxt + 70000, a.rcv, "x", 1);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, a.iss + 1, a.snd);
	p_send_at(&t, &a, TH_ACK, ca->rcv_nxt - 70000, a.rcv, "x", 1);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, a.iss + 1, a.snd);

	/* A and B untouched by all of it. */
	ck_assert_int_eq(memcmp(ca, &a0, sizeof(a0)), 0);
	ck_assert_int_eq(memcmp(cb, &b0, sizeof(b0)), 0);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 8);
	ck_assert_uint_gt(tt_ctr(&t, "segments_in"), in0);

	/* Random segments at A and at other ports: flags, numbers, options, lengths. */
	srand(12345);
	for (unsigned i = 0; i < 3000; i++) {
		uint8_t opt[40], data[64];
		for (unsigned k = 0; k < sizeof(opt); k++)
			opt[k] = (uint8_t)rand();
		struct tseg r = { .sport = (uint16_t)(i % 3 ? 5001 : 7000 + rand() % 50),
				  .dport = (uint16_t)(i % 7 ? 80 : rand()),
				  .seq = (uint32_t)rand() * 2654435761u,
				  .ack = (uint32_t)rand() * 2246822519u,
				  .flags = (uint8_t)rand(), .win = (uint16_t)rand(), .opt = opt,
				  .optlen = (uint8_t)(rand() % 41), .data = data,
				  .len = (uint32_t)(rand() % 64) };
		if (i % 5 == 0) /* some in A's window */
			r.seq = ca->rcv_nxt + (uint32_t)(rand() % 3) - 1;
		memset(data, 'J', sizeof(data));
		struct rte_mbuf *rm = tseg_mbuf(&r);
		harness_inject(t.h, "in", &rm, 1);
		if (i % 32 == 31)
			harness_walk(t.h, 2);
	}
	harness_walk(t.h, 4);
	tt_take(&t, &o, 0);
	ck_assert_int_eq(memcmp(cb, &b0, sizeof(b0)), 0);

	/* B finishes its request and gets its response. */
	p_send(&t, &b, TH_ACK | TH_PSH, "TP/1.1\r\n\r\n", 10);
	tt_take1(&t, &o);
	uint32_t next = b.iss + 1;
	ck_assert_uint_eq(check_data(&o, 1, &b, &next), 700);
	ck_assert_uint_eq(cb->state, TCP_FIN_WAIT_1);
	tt_free(&t);
}
END_TEST

static Suite *
tcp_server_suite(void)
{
	Suite *s = suite_create("tcp_server");
	TCase *tc = tcase_create("tcp_server");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, handshake_request_response_close);
	tcase_add_test(tc, syn_rcvd_bad_ack_retransmitted_syn_and_rst);
	tcase_add_test(tc, segments_for_another_host_are_not_answered);
	tcase_add_test(tc, established_in_order_duplicate_out_of_order);
	tcase_add_test(tc, full_table_evicts_the_oldest_half_open);
	tcase_add_test(tc, eviction_works_after_the_table_cycled);
	tcase_add_test(tc, out_of_order_segments_are_reassembled);
	tcase_add_test(tc, request_end_found_at_every_cut);
	tcase_add_test(tc, held_segments_are_freed_with_their_connection);
	tcase_add_test(tc, fin_with_data_to_last_ack);
	tcase_add_test(tc, close_wait_until_the_window_lets_the_response_out);
	tcase_add_test(tc, fin_wait_time_wait_and_retransmitted_fin);
	tcase_add_test(tc, simultaneous_close_through_closing);
	tcase_add_test(tc, time_wait_reopened_by_a_higher_syn_only);
	tcase_add_test(tc, rst_in_every_synchronized_state);
	tcase_add_test(tc, syn_in_synchronized_state_gets_challenge_ack);
	tcase_add_test(tc, ack_of_unsent_data_is_answered_and_ignored);
	tcase_add_test(tc, sequence_numbers_wrap_both_ways);
	tcase_add_test(tc, lost_syn_ack_backoff_then_give_up);
	tcase_add_test(tc, lost_data_go_back_n_backoff_then_give_up);
	tcase_add_test(tc, fast_retransmit_after_three_duplicate_acks);
	tcase_add_test(tc, segments_never_exceed_the_mss);
	tcase_add_test(tc, jumbo_mss_segments_fit_in_an_mbuf);
	tcase_add_test(tc, sender_stays_within_the_peer_window);
	tcase_add_test(tc, large_response_in_window_sized_rounds);
	tcase_add_test(tc, zero_window_probes_keep_going_while_answered);
	tcase_add_test(tc, bad_input_is_counted_and_disturbs_nothing);
	tcase_add_test(tc, a_stream_longer_than_a_burst);
	suite_add_tcase(s, tc);
	return s;
}


TEST_SUITE(tcp_server_suite)
