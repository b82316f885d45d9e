/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_client against a server the test plays by hand: the client's SYN is
 * answered with crafted SYN-ACKs (options known, unknown and bogus), RSTs,
 * bad ACKs and a simultaneous-open SYN; its request is checked byte by byte
 * ("{conn}" templating included); the response and the close are crafted;
 * lost SYNs and requests are retransmitted with backoff until it gives up.
 */
#include <arpa/inet.h>
#include <string.h>
#include <unistd.h>

#include "tcp_testlib.h"

/* The client's first source port. Every graph gets its own range: tcp_client
 * remembers the ranges of every client it started in the process. */
static uint16_t first_port = 40000;
#define CPORT first_port

static void
client_load(struct tcp_test *t, const char *params)
{
	char json[4096];

	first_port = (uint16_t)(first_port + 4);
	snprintf(json, sizeof(json),
		 "{\"ports\": {\"p\": {\"device\": \"wire:w\", \"mac\": \"" NF_MAC "\",\n"
		 "                   \"ipv4\": \"198.18.0.1/24\"}, \"q\": {\"device\": \"wire:w\"}},\n"
		 " \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"raw\": {\"op\": \"test_inject\"},\n"
		 "  \"parse\": {\"op\": \"parse\"},\n"
		 "  \"cli\": {\"op\": \"tcp_client\", \"port\": \"p\", \"next_hop_mac\": \"" PEER_MAC "\",\n"
		 "           \"targets\": [{\"ip\": \"" PEER_IP "\", \"port\": 80}],\n"
		 "           \"src_ports\": \"%u-%u\", %s%s%s\"response_end\": \"bytes\"%s%s},\n"
		 "  \"out\": {\"op\": \"test_collect\"}, \"bad\": {\"op\": \"test_collect\"}},\n"
		 " \"edges\": [\"in -> parse -> cli -> out\", \"parse.malformed -> bad\", \"raw -> cli\"]}",
		 first_port, first_port + 3, strstr(params, "\"connections\"") ? "" : "\"connections\": 1, ",
		 strstr(params, "\"request") ? "" : "\"request\": \"GET /{conn} HTTP/1.1\\r\\n\\r\\n\", ",
		 strstr(params, "\"response_bytes") ? "" : "\"response_bytes\": 100, ",
		 params[0] ? ", " : "", params);
	tt_load(t, json, "cli");
}

/* The server the test plays. */
struct srv {
	uint16_t cport;  /* the client's port */
	uint32_t ciss;   /* the client's ISS */
	uint32_t snd;    /* our next sequence number */
	uint32_t rcv;    /* what we acknowledge */
	uint16_t win;
};

static void
s_send_at(struct tcp_test *t, const struct srv *s, uint8_t flags, uint32_t seq, uint32_t ack,
	  const uint8_t *opt, uint8_t optlen, const void *data, uint32_t len)
{
	struct tseg g = { .sport = 80, .dport = s->cport, .seq = seq, .ack = ack, .flags = flags,
			  .win = s->win, .opt = opt, .optlen = optlen, .data = data, .len = len };

	tt_send(t, &g);
}

static void
s_send(struct tcp_test *t, struct srv *s, uint8_t flags, const void *data, uint32_t len)
{
	s_send_at(t, s, flags, s->snd, s->rcv, NULL, 0, data, len);
	s->snd += len + !!(flags & TH_SYN) + !!(flags & TH_FIN);
}

static void
assert_addressing(const struct oseg *o, uint16_t cport)
{
	uint32_t nf, peer;
	static const uint8_t nf_mac[6] = { 2, 0, 0, 0, 0, 0xaa }, peer_mac[6] = { 2, 0, 0, 0, 0, 1 };

	inet_pton(AF_INET, NF_IP, &nf);
	inet_pton(AF_INET, PEER_IP, &peer);
	ck_assert_uint_eq(o->src_ip, nf);
	ck_assert_uint_eq(o->dst_ip, peer);
	ck_assert_uint_eq(o->sport, cport);
	ck_assert_uint_eq(o->dport, 80);
	ck_assert_mem_eq(o->src_mac, nf_mac, 6);
	ck_assert_mem_eq(o->dst_mac, peer_mac, 6);
	ck_assert_uint_eq(o->ttl, 64);
	ck_assert(o->df);
}

static void
assert_syn(struct tcp_test *t, const struct oseg *o, uint16_t cport)
{
	ck_assert_msg(o->flags == TH_SYN, "flags %s, want SYN", tt_flags(o->flags));
	ck_assert_uint_eq(o->ack, 0);
	ck_assert_uint_eq(o->len, 0);
	/* MSS, NOP NOP TS, NOP WS: what the defaults offer (RFC 7323) */
	ck_assert_uint_eq(o->optlen, 20);
	ck_assert_uint_eq(o->mss, tt_engine(t)->cfg->mss);
	ck_assert_int_eq(o->wscale, tt_engine(t)->cfg->wscale);
	ck_assert(o->ts);
	ck_assert_uint_eq(o->tsecr, 0);
	ck_assert_uint_eq(o->win, 65535);
	assert_addressing(o, cport);
}

/* The client's first SYN. */
static void
s_expect_syn(struct tcp_test *t, struct srv *s)
{
	struct oseg o;

	tt_walk(t, 2);
	tt_take1(t, &o);
	assert_syn(t, &o, CPORT);
	s->cport = CPORT;
	s->ciss = o.seq;
	s->rcv = o.seq + 1;
	s->win = 65535;
	ck_assert_uint_eq(tt_conn(t, 80)->state, TCP_SYN_SENT);
	ck_assert_uint_eq(tt_ctr(t, "attempted"), 1);
}

/* SYN-ACK from isn with these options; the connection's MSS must become want. */
static void
s_syn_ack(struct tcp_test *t, struct srv *s, uint32_t isn, const uint8_t *opt, uint8_t optlen)
{
	s->snd = isn;
	s_send_at(t, s, TH_SYN | TH_ACK, isn, s->ciss + 1, opt, optlen, NULL, 0);
	s->snd = isn + 1;
}

/* The request: bytes in order, each segment at most mss, PSH on its last;
 * a flight the congestion window cut short is acknowledged and the rest
 * taken. Returns the count of segments. */
static unsigned
expect_request(struct tcp_test *t, const struct srv *s, const char *want, uint32_t want_len,
	       uint16_t mss)
{
	struct oseg o[64];
	uint32_t at = 0;
	unsigned total = 0;

	for (unsigned flight = 0; at < want_len || flight == 0; flight++) {
		ck_assert_uint_lt(flight, 16);
		if (flight)
			s_send_at(t, s, TH_ACK, s->snd, s->ciss + 1 + at, NULL, 0, NULL, 0);
		unsigned n = tt_take(t, o, 64);
		ck_assert_uint_gt(n, 0);
		ck_assert_uint_le(n, 64);
		for (unsigned i = 0; i < n; i++) {
			ck_assert_uint_eq(o[i].seq, s->ciss + 1 + at);
			ck_assert_uint_eq(o[i].ack, s->snd);
			ck_assert_msg(o[i].len <= mss, "segment of %u bytes, MSS %u", o[i].len, mss);
			ck_assert_uint_le(at + o[i].len, want_len);
			for (uint32_t b = 0; b < o[i].len; b++) {
				uint8_t w = want ? (uint8_t)want[at + b] : (uint8_t)('a' + (at + b) % 26);
				ck_assert_msg(o[i].data[b] == w, "request byte %u: %02x, want %02x",
					      at + b, o[i].data[b], w);
			}
			ck_assert_uint_eq(o[i].flags, at + o[i].len == want_len ? TH_ACK | TH_PSH
										 : TH_ACK);
			/* timestamps on every segment when they were agreed, nothing else */
			const struct tcp_conn *c = tt_conn(t, 80);
			bool ts = c && (c->opts & TO_TS);
			ck_assert_uint_eq(o[i].optlen, ts ? 12 : 0);
			ck_assert(o[i].ts == ts);
			if (ts)
				ck_assert_uint_eq(o[i].tsecr, c->ts_recent);
			assert_addressing(&o[i], s->cport);
			at += o[i].len;
		}
		total += n;
	}
	ck_assert_uint_eq(at, want_len);
	return total;
}

#define REQ0 "GET /0 HTTP/1.1\r\n\r\n"
#define REQ0_LEN 19u

START_TEST(syn_request_response_close_time_wait)
{
	struct tcp_test t;
	struct srv s;
	struct oseg o;
	const uint8_t mss[] = { 2, 4, 0x05, 0xb4 };
	uint8_t body[100];

	client_load(&t, "\"time_wait_ms\": 30");
	s_expect_syn(&t, &s);
	s_syn_ack(&t, &s, 9000, mss, sizeof(mss));
	/* The handshake's ACK goes with the request ("{conn}" is connection 0). */
	expect_request(&t, &s, REQ0, REQ0_LEN, 1460);
	struct tcp_conn *c = tt_conn(&t, 80);
	ck_assert_uint_eq(c->state, TCP_ESTABLISHED);
	ck_assert_uint_eq(c->mss, 1460);
	ck_assert_uint_eq(tt_ctr(&t, "established"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "messages_sent"), 1);

	/* The response in two pieces; the request acknowledged by the first. */
	memset(body, 'R', sizeof(body));
	s.rcv = s.ciss + 1 + REQ0_LEN;
	s_send(&t, &s, TH_ACK, body, 60);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, s.rcv, s.snd);
	ck_assert_uint_eq(o.len, 0);
	s_send(&t, &s, TH_ACK | TH_PSH, body, 40);
	/* All of it: the client closes (close "client"). */
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK | TH_FIN, s.rcv, s.snd);
	ck_assert_uint_eq(c->state, TCP_FIN_WAIT_1);
	ck_assert_uint_eq(tt_ctr(&t, "messages_received"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 100);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_out"), REQ0_LEN);

	/* Our FIN acknowledged with theirs: TIME_WAIT. */
	s.rcv++;
	s_send(&t, &s, TH_ACK | TH_FIN, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, s.rcv, s.snd);
	ck_assert_uint_eq(c->state, TCP_TIME_WAIT);
	ck_assert_uint_eq(tt_ctr(&t, "completed"), 1);
	/* Their FIN again: our ACK again. */
	s_send_at(&t, &s, TH_ACK | TH_FIN, s.snd - 1, s.rcv, NULL, 0, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, s.rcv, s.snd);
	/* TIME_WAIT ends; connections: 1, so nothing new opens. */
	ck_assert_uint_eq(tt_idle(&t, 80, &o, 1), 0);
	ck_assert_ptr_null(tt_conn(&t, 80));
	ck_assert_uint_eq(tt_ctr(&t, "released"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "completed"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "attempted"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "retransmits"), 0);
	tt_free(&t);
}
END_TEST

START_TEST(conn_template_per_connection)
{
	struct tcp_test t;
	struct oseg o[4];

	client_load(&t, "\"connections\": 2, \"request\": \"<{conn}> to {conn}\"");
	tt_walk(&t, 2);
	ck_assert_uint_eq(tt_take(&t, o, 4), 2);
	for (unsigned i = 0; i < 2; i++) {
		struct srv s = { .cport = o[i].sport, .ciss = o[i].seq, .rcv = o[i].seq + 1,
				 .win = 65535 };
		char want[32];
		assert_syn(&t, &o[i], (uint16_t)(CPORT + i));
		s_syn_ack(&t, &s, 100, NULL, 0);
		/* Only the first "{conn}" is replaced. */
		int n = snprintf(want, sizeof(want), "<%u> to {conn}", i);
		expect_request(&t, &s, want, (uint32_t)n, 536);
	}
	tt_free(&t);
}
END_TEST

START_TEST(syn_ack_with_known_and_unknown_options)
{
	struct tcp_test t;
	struct srv s;
	/* NOPs, an unknown 6-byte option, MSS 700, window scale 5, SACK permitted,
	 * timestamps, EOL: the unknown one is skipped; window scale, timestamps
	 * (RFC 7323) and SACK (RFC 2018) are agreed. */
	const uint8_t opt[] = { 1, 1, 99, 6, 0xde, 0xad, 0xbe, 0xef, 2, 4, 0x02, 0xbc, 3, 3, 5, 4, 2,
				8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 0 };

	client_load(&t, "\"request_size\": 2000");
	s_expect_syn(&t, &s);
	s_syn_ack(&t, &s, 1, opt, sizeof(opt));
	struct tcp_conn *c = tt_conn(&t, 80);
	ck_assert_uint_eq(c->opts, TO_WSCALE | TO_TS | TO_SACK_PERM);
	ck_assert_uint_eq(c->snd_shift, 5);
	ck_assert_uint_eq(c->rcv_shift, 7);
	ck_assert_uint_eq(c->ts_recent, 0x01020304);
	/* the MSS less the 12 bytes of timestamps every segment carries */
	ck_assert_uint_eq(expect_request(&t, &s, NULL, 2000, 688), 3);
	ck_assert_uint_eq(c->mss, 688);
	ck_assert_uint_eq(tt_ctr(&t, "option_bad_length") + tt_ctr(&t, "option_repeated"), 0);
	tt_free(&t);
}
END_TEST

START_TEST(syn_ack_with_bogus_options)
{
	static const struct {
		uint8_t opt[12], len;
		uint16_t mss;
	} cases[] = {
		{ { 99, 0, 2, 4, 0x02, 0xbc }, 6, 536 },       /* length 0: parsing stops */
		{ { 99, 1, 2, 4, 0x02, 0xbc }, 6, 536 },       /* length 1 */
		{ { 99, 40, 2, 4, 0x02, 0xbc }, 6, 536 },      /* past the header */
		{ { 2, 4, 0x02, 0xbc, 99, 40 }, 6, 700 },      /* the same after the MSS */
		{ { 1, 1, 1, 2 }, 4, 536 },                    /* MSS kind in the last byte */
		{ { 2, 3, 5, 2, 4, 0x02, 0xbc, 0 }, 8, 700 },  /* a 3-byte "MSS" skipped */
		{ { 2, 4, 0, 10 }, 4, 64 },                    /* absurdly small: 64 */
		{ { 0, 2, 4, 0x02, 0xbc }, 5, 536 },           /* after EOL nothing counts */
		{ { 0 }, 0, 536 },                             /* none: the default */
		{ { 2, 4, 0xff, 0xff }, 4, 1460 },             /* larger than ours */
	};

	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		struct tcp_test t;
		struct srv s;

		client_load(&t, "\"request_size\": 1500");
		s_expect_syn(&t, &s);
		s_syn_ack(&t, &s, 1, cases[i].opt, cases[i].len);
		ck_assert_msg(tt_conn(&t, 80)->mss == cases[i].mss, "case %u: MSS %u, want %u", i,
			      tt_conn(&t, 80)->mss, cases[i].mss);
		expect_request(&t, &s, NULL, 1500, cases[i].mss);
		tt_free(&t);
	}
}
END_TEST

START_TEST(syn_sent_rst)
{
	struct tcp_test t;
	struct srv s;

	client_load(&t, "");
	s_expect_syn(&t, &s);
	/* Without an ACK a RST means nothing here; with a wrong ACK neither. */
	s_send_at(&t, &s, TH_RST, 0, 0, NULL, 0, NULL, 0);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "bad_segment"), 1);
	s_send_at(&t, &s, TH_RST | TH_ACK, 0, s.ciss + 7, NULL, 0, NULL, 0);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "out_of_window"), 1);
	ck_assert_uint_eq(tt_conn(&t, 80)->state, TCP_SYN_SENT);
	/* RST+ACK of our SYN: refused. */
	s_send_at(&t, &s, TH_RST | TH_ACK, 0, s.ciss + 1, NULL, 0, NULL, 0);
	tt_none(&t);
	ck_assert_ptr_null(tt_conn(&t, 80));
	ck_assert_uint_eq(tt_ctr(&t, "failed_refused"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "resets_received"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "released"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "established"), 0);
	ck_assert_uint_eq(tt_ctr(&t, "resets_sent"), 0);
	tt_free(&t);
}
END_TEST

START_TEST(syn_sent_bad_ack_gets_rst)
{
	struct tcp_test t;
	struct srv s;
	struct oseg o;

	client_load(&t, "");
	s_expect_syn(&t, &s);
	/* SYN-ACK acknowledging something else: <SEQ=SEG.ACK><CTL=RST>. */
	s_send_at(&t, &s, TH_SYN | TH_ACK, 500, s.ciss + 7, NULL, 0, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_RST, s.ciss + 7, 0);
	assert_addressing(&o, CPORT);
	/* Acknowledging less than our SYN: the same. */
	s_send_at(&t, &s, TH_ACK, 500, s.ciss, NULL, 0, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_RST, s.ciss, 0);
	/* A right ACK without SYN: dropped, no answer. */
	s_send_at(&t, &s, TH_ACK, 500, s.ciss + 1, NULL, 0, NULL, 0);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "bad_segment"), 1);
	ck_assert_uint_eq(tt_conn(&t, 80)->state, TCP_SYN_SENT);
	ck_assert_uint_eq(tt_ctr(&t, "resets_sent"), 2);
	/* The right SYN-ACK still works. */
	s_syn_ack(&t, &s, 500, NULL, 0);
	expect_request(&t, &s, REQ0, REQ0_LEN, 536);
	ck_assert_uint_eq(tt_conn(&t, 80)->state, TCP_ESTABLISHED);
	tt_free(&t);
}
END_TEST

START_TEST(simultaneous_open)
{
	struct tcp_test t;
	struct srv s;
	struct oseg o;
	const uint8_t mss[] = { 2, 4, 0x03, 0xe8 };

	client_load(&t, "");
	s_expect_syn(&t, &s);
	/* A SYN, no ACK: both sides opened at once (RFC 9293 3.5). */
	s_send_at(&t, &s, TH_SYN, 7777, 0, mss, sizeof(mss), NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_SYN | TH_ACK, s.ciss, 7778);
	ck_assert_uint_eq(o.mss, 1460);
	struct tcp_conn *c = tt_conn(&t, 80);
	ck_assert_uint_eq(c->state, TCP_SYN_RCVD);
	ck_assert_uint_eq(c->mss, 1000);
	/* Their SYN-ACK: acknowledged as it stands (RCV.NXT is past its SYN). */
	s_send_at(&t, &s, TH_SYN | TH_ACK, 7777, s.ciss + 1, NULL, 0, NULL, 0);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, s.ciss + 1, 7778);
	ck_assert_uint_eq(c->state, TCP_SYN_RCVD);
	/* Their ACK of our SYN: established, and the request goes. */
	s.snd = 7778;
	s_send(&t, &s, TH_ACK, NULL, 0);
	ck_assert_uint_eq(c->state, TCP_ESTABLISHED);
	expect_request(&t, &s, REQ0, REQ0_LEN, 1000);
	ck_assert_uint_eq(tt_ctr(&t, "established"), 1);
	tt_free(&t);
}
END_TEST

static void
assert_since(double t0, double want_ms, const char *what)
{
	double got = tt_ms_now() - t0;

	ck_assert_msg(got >= want_ms - 2 && got < want_ms + 1000, "%s after %.1f ms, want %.0f", what,
		      got, want_ms);
}

START_TEST(lost_syn_backoff_then_give_up)
{
	struct tcp_test t;
	struct srv s;
	struct oseg o;

	double t0 = tt_ms_now();
	client_load(&t, "\"rto_initial_ms\": 40, \"max_retries\": 2");
	s_expect_syn(&t, &s);
	tt_wait(&t, &o, 1000);
	assert_since(t0, 40, "first SYN retransmission");
	assert_syn(&t, &o, CPORT);
	ck_assert_uint_eq(o.seq, s.ciss);
	ck_assert_uint_eq(tt_conn(&t, 80)->rto_ms, 80);
	tt_wait(&t, &o, 1000);
	assert_since(t0, 40 + 80, "second");
	assert_syn(&t, &o, CPORT);
	ck_assert_uint_eq(o.seq, s.ciss);
	tt_wait(&t, &o, 2000);
	assert_since(t0, 40 + 80 + 160, "giving up");
	/* In SYN-SENT there is nothing to acknowledge: RST alone. */
	ck_assert_seg(&o, TH_RST, s.ciss + 1, 0);
	ck_assert_uint_eq(tt_ctr(&t, "retransmits"), 2);
	ck_assert_uint_eq(tt_ctr(&t, "failed_timeout"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "resets_sent"), 1);
	ck_assert_ptr_null(tt_conn(&t, 80));
	tt_free(&t);
}
END_TEST

START_TEST(lost_request_retransmitted)
{
	struct tcp_test t;
	struct srv s;
	struct oseg o;
	uint8_t body[100];

	client_load(&t, "\"rto_initial_ms\": 40");
	s_expect_syn(&t, &s);
	double t0 = tt_ms_now();
	s_syn_ack(&t, &s, 1, NULL, 0);
	expect_request(&t, &s, REQ0, REQ0_LEN, 536);
	tt_wait(&t, &o, 1000);
	assert_since(t0, 40, "request retransmission");
	ck_assert_seg(&o, TH_ACK | TH_PSH, s.ciss + 1, s.snd);
	ck_assert_uint_eq(o.len, REQ0_LEN);
	ck_assert_mem_eq(o.data, REQ0, REQ0_LEN);
	ck_assert_uint_eq(tt_ctr(&t, "retransmits"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_out"), REQ0_LEN);
	/* Then the response: the exchange completes. */
	memset(body, 'R', sizeof(body));
	s.rcv = s.ciss + 1 + REQ0_LEN;
	s_send(&t, &s, TH_ACK | TH_PSH, body, 100);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK | TH_FIN, s.rcv, s.snd);
	ck_assert_uint_eq(tt_ctr(&t, "messages_received"), 1);
	tt_free(&t);
}
END_TEST

START_TEST(client_sequence_numbers_wrap)
{
	struct tcp_test t;
	struct srv s;
	struct oseg o[8];
	uint8_t body[200];

	client_load(&t, "\"request_size\": 100, \"response_bytes\": 200");
	s_expect_syn(&t, &s);
	/* Move the client's ISS near 2^32 before the SYN-ACK (the SYN is the only
	 * segment that carried the old one). */
	struct tcp_conn *c = tt_conn(&t, 80);
	c->iss = 0xFFFFFFF0u;
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	s.ciss = c->iss;
	s.rcv = c->iss + 1;
	const uint8_t mss[] = { 2, 4, 0, 64 };
	s_syn_ack(&t, &s, 0xFFFFFFC0u, mss, sizeof(mss));
	/* 100 request bytes in 64-byte segments from 0xFFFFFFF1: across zero. */
	ck_assert_uint_eq(expect_request(&t, &s, NULL, 100, 64), 2);
	ck_assert_uint_eq(c->snd_max, 0x55u);
	/* 200 response bytes from 0xFFFFFFC1: across zero too, in three pieces. */
	for (unsigned i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)i;
	s.rcv = 0x55u;
	s_send(&t, &s, TH_ACK, body, 50);
	tt_take1(&t, o);
	ck_assert_seg(&o[0], TH_ACK, 0x55u, 0xFFFFFFF3u);
	ck_assert_uint_eq(c->snd_una, 0x55u);
	s_send(&t, &s, TH_ACK, body + 50, 100);
	tt_take1(&t, o);
	ck_assert_seg(&o[0], TH_ACK, 0x55u, 0x57u);
	s_send(&t, &s, TH_ACK | TH_PSH, body + 150, 50);
	tt_take1(&t, o);
	ck_assert_seg(&o[0], TH_ACK | TH_FIN, 0x55u, 0x89u);
	ck_assert_uint_eq(tt_ctr(&t, "messages_received"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 200);
	s.rcv = 0x56u;
	s_send(&t, &s, TH_ACK | TH_FIN, NULL, 0);
	tt_take1(&t, o);
	ck_assert_seg(&o[0], TH_ACK, 0x56u, 0x8Au);
	ck_assert_uint_eq(c->state, TCP_TIME_WAIT);
	ck_assert_uint_eq(tt_ctr(&t, "out_of_window") + tt_ctr(&t, "retransmits"), 0);
	tt_free(&t);
}
END_TEST

START_TEST(client_bad_input)
{
	struct tcp_test t;
	struct srv s;
	struct oseg o;

	client_load(&t, "");
	s_expect_syn(&t, &s);
	s_syn_ack(&t, &s, 1, NULL, 0);
	expect_request(&t, &s, REQ0, REQ0_LEN, 536);
	struct tcp_conn *c = tt_conn(&t, 80), c0 = *c;

	/* Forged flags on the connection's 4-tuple: dropped. */
	const uint8_t forged[] = { 0, TH_SYN | TH_FIN, TH_SYN | TH_RST, TH_FIN | TH_PSH };
	for (unsigned i = 0; i < RTE_DIM(forged); i++)
		s_send_at(&t, &s, forged[i], s.snd, s.rcv, NULL, 0, "x", 1);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "bad_segment"), RTE_DIM(forged));
	/* A port of the range with no connection, a port outside it, another
	 * server: no connection, answered with RST <SEQ=SEG.ACK>. */
	const uint16_t ports[] = { CPORT + 1, 39999, CPORT };
	const uint16_t from[] = { 80, 80, 81 };
	for (unsigned i = 0; i < 3; i++) {
		struct tseg g = { .sport = from[i], .dport = ports[i], .seq = 5, .ack = 77,
				  .flags = TH_ACK, .win = 1000 };
		tt_send(&t, &g);
		tt_take1(&t, &o);
		ck_assert_seg(&o, TH_RST, 77, 0);
		ck_assert_uint_eq(o.sport, ports[i]);
		ck_assert_uint_eq(o.dport, from[i]);
	}
	ck_assert_uint_eq(tt_ctr(&t, "no_connection"), 3);
	/* A bad checksum. */
	struct tseg g = { .sport = 80, .dport = CPORT, .seq = s.snd, .ack = s.rcv,
			  .flags = TH_ACK, .win = 1000, .len = 10, .bad_tcp_cksum = true };
	tt_send(&t, &g);
	tt_none(&t);
	ck_assert_uint_eq(tt_ctr(&t, "bad_checksum"), 1);
	ck_assert_int_eq(memcmp(c, &c0, sizeof(c0)), 0);
	tt_free(&t);
}
END_TEST

static Suite *
tcp_client_suite(void)
{
	Suite *s = suite_create("tcp_client");
	TCase *tc = tcase_create("tcp_client");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, syn_request_response_close_time_wait);
	tcase_add_test(tc, conn_template_per_connection);
	tcase_add_test(tc, syn_ack_with_known_and_unknown_options);
	tcase_add_test(tc, syn_ack_with_bogus_options);
	tcase_add_test(tc, syn_sent_rst);
	tcase_add_test(tc, syn_sent_bad_ack_gets_rst);
	tcase_add_test(tc, simultaneous_open);
	tcase_add_test(tc, lost_syn_backoff_then_give_up);
	tcase_add_test(tc, lost_request_retransmitted);
	tcase_add_test(tc, client_sequence_numbers_wrap);
	tcase_add_test(tc, client_bad_input);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(tcp_client_suite)
