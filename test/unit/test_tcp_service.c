/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_service: a service registered through the public API (nfg/tcp.h) — an
 * echo that upper-cases what it gets — run by the operator against a crafted
 * peer. Replies come back exact through a send buffer that wraps; bytes stay
 * in it until acknowledged; a send beyond the room is cut to it; each
 * connection's state starts at zero; a connection that finds no free send
 * buffer is reset and counted.
 */
#include <ctype.h>

#include <check.h>

#include "nfg/tcp.h"
#include "tcp_testlib.h"

struct echo_state {
	uint32_t calls, bytes; /* data() calls and bytes, this connection */
};

static unsigned established_calls, released_calls;
static uint32_t last_room, last_taken;

static void
echo_established(struct nfg_tcp_conn *c)
{
	struct echo_state *st = nfg_tcp_conn_state(c);

	ck_assert_uint_eq(st->calls + st->bytes, 0); /* zeroed for every connection */
	established_calls++;
}

static void
echo_data(struct nfg_tcp_conn *c, const uint8_t *p, uint32_t n)
{
	struct echo_state *st = nfg_tcp_conn_state(c);
	uint8_t up[2048];

	st->calls++;
	st->bytes += n;
	for (uint32_t i = 0; i < n && i < sizeof(up); i++)
		up[i] = (uint8_t)toupper(p[i]);
	last_room = nfg_tcp_send_room(c);
	last_taken = nfg_tcp_send(c, up, n);
	if (n >= 4 && memcmp(p, "quit", 4) == 0)
		nfg_tcp_close(c);
}

static void
echo_released(struct nfg_tcp_conn *c)
{
	ck_assert_uint_eq(rte_be_to_cpu_32(nfg_tcp_conn_info(c).remote_ip), 0xc6120002);
	released_calls++;
}

static const struct nfg_tcp_service echo = {
	.api_version = NFG_TCP_API_VERSION,
	.name = "test_echo",
	.conn_state_size = sizeof(struct echo_state),
	.established = echo_established,
	.data = echo_data,
	.released = echo_released,
};

static void
echo_load(struct tcp_test *t, const char *params)
{
	char json[2048];
	static bool registered;

	if (!registered)
		ck_assert_int_eq(nfg_extension_register(NFG_TCP_SERVICE_POINT, &echo), 0);
	registered = true;
	established_calls = released_calls = 0;
	snprintf(json, sizeof(json),
		 "{\"ports\": {\"p\": {\"device\": \"wire:w\", \"mac\": \"" NF_MAC "\",\n"
		 "                   \"ipv4\": \"198.18.0.1/24\"}, \"q\": {\"device\": \"wire:w\"}},\n"
		 " \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"raw\": {\"op\": \"test_inject\"},\n"
		 "  \"parse\": {\"op\": \"parse\"},\n"
		 "  \"svc\": {\"op\": \"tcp_service\", \"service\": \"test_echo\", \"port\": \"p\",\n"
		 "           \"next_hop_mac\": \"" PEER_MAC "\", \"listen\": [\"*:7\"],\n"
		 "           \"timestamps\": false, \"max_connections\": 8%s%s},\n"
		 "  \"out\": {\"op\": \"test_collect\"}, \"bad\": {\"op\": \"test_collect\"}},\n"
		 " \"edges\": [\"in -> parse -> svc -> out\", \"parse.malformed -> bad\", \"raw -> svc\"]}",
		 params[0] ? ", " : "", params);
	tt_load(t, json, "svc");
}

struct peer {
	uint16_t port;
	uint32_t snd, rcv;
};

/* SYN, SYN-ACK, ACK; the connection is established. */
static void
connect_peer(struct tcp_test *t, struct peer *p, uint16_t port)
{
	struct oseg o;
	static const uint8_t mss[4] = { 2, 4, 5, 0xb4 };
	struct tseg syn = { .sport = port, .dport = 7, .seq = 5000, .flags = TH_SYN, .win = 65535,
			    .opt = mss, .optlen = 4 };

	tt_send(t, &syn);
	tt_take1(t, &o);
	ck_assert_seg(&o, TH_SYN | TH_ACK, o.seq, 5001);
	p->port = port;
	p->snd = 5001;
	p->rcv = o.seq + 1;
	struct tseg ack = { .sport = port, .dport = 7, .seq = p->snd, .ack = p->rcv,
			    .flags = TH_ACK, .win = 65535 };
	tt_send(t, &ack);
}

static void
peer_send(struct tcp_test *t, struct peer *p, const char *data, uint32_t len, uint32_t ack)
{
	struct tseg s = { .sport = p->port, .dport = 7, .seq = p->snd, .ack = ack,
			  .flags = TH_ACK | TH_PSH, .win = 65535, .data = data, .len = len };

	tt_send(t, &s);
	p->snd += len;
}

/* Rounds of 700 bytes through a 1,024-byte buffer: every reply exact, the ring
 * wrapping at a different place each time, and the connection's state counted
 * per connection. */
START_TEST(replies_through_a_wrapping_buffer)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o;
	char msg[700], want[700];

	echo_load(&t, "\"send_buffer\": 1024");
	connect_peer(&t, &p, 40001);
	ck_assert_uint_eq(established_calls, 1);
	for (unsigned round = 0; round < 6; round++) {
		for (unsigned i = 0; i < sizeof(msg); i++) {
			msg[i] = (char)('a' + (round * 7 + i) % 26);
			want[i] = (char)toupper(msg[i]);
		}
		peer_send(&t, &p, msg, sizeof(msg), p.rcv);
		tt_take1(&t, &o);
		ck_assert_uint_eq(last_room, 1024); /* the last round was acknowledged */
		ck_assert_uint_eq(last_taken, 700);
		ck_assert_uint_eq(o.seq, p.rcv);
		ck_assert_uint_eq(o.len, 700);
		ck_assert_mem_eq(o.data, want, 700);
		p.rcv += o.len;
	}
	struct tcp_conn *c = tt_conn(&t, 40001);
	ck_assert_uint_eq(c->tx_end, 6 * 700);
	tt_free(&t);
}
END_TEST

/* Unacknowledged bytes stay in the buffer: a second message while the first
 * is unacknowledged gets only the room that is left, and the lost reply
 * goes again, the same bytes, when the retransmission timer fires. */
START_TEST(unacknowledged_bytes_stay)
{
	struct tcp_test t;
	struct peer p;
	struct oseg o, again;

	echo_load(&t, "\"send_buffer\": 1024");
	connect_peer(&t, &p, 40002);
	char a[600], b[600];
	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	peer_send(&t, &p, a, sizeof(a), p.rcv);
	tt_take1(&t, &o);
	ck_assert_uint_eq(last_taken, 600);
	peer_send(&t, &p, b, sizeof(b), p.rcv); /* the first reply not acknowledged */
	ck_assert_uint_eq(last_room, 1024 - 600);
	ck_assert_uint_eq(last_taken, 1024 - 600);
	tt_take1(&t, &o); /* the 424 bytes that fitted */
	ck_assert_uint_eq(o.len, 424);
	ck_assert_uint_eq(o.data[0], 'B');
	/* The retransmission: the first reply again, from the buffer. */
	nfg_clock_advance_ms(1100);
	tt_walk(&t, 2);
	tt_take1(&t, &again);
	ck_assert_uint_eq(again.seq, p.rcv);
	ck_assert_uint_ge(again.len, 600);
	for (unsigned i = 0; i < 600; i++)
		ck_assert_uint_eq(again.data[i], 'A');
	tt_free(&t);
}
END_TEST

/* One send buffer per worker: a second connection while the first is open is
 * reset and counted; once the first ends, the next one gets the buffer, and
 * its state starts at zero again. */
START_TEST(no_free_send_buffer_resets)
{
	struct tcp_test t;
	struct peer p, q, r;
	struct oseg o;

	echo_load(&t, "\"send_buffers\": 1");
	connect_peer(&t, &p, 40003);
	peer_send(&t, &p, "hello", 5, p.rcv);
	tt_take1(&t, &o);
	ck_assert_mem_eq(o.data, "HELLO", 5);
	p.rcv += 5;

	struct tseg syn = { .sport = 40004, .dport = 7, .seq = 9000, .flags = TH_SYN, .win = 65535 };
	tt_send(&t, &syn);
	tt_take1(&t, &o);
	q.rcv = o.seq + 1;
	struct tseg ack = { .sport = 40004, .dport = 7, .seq = 9001, .ack = q.rcv, .flags = TH_ACK,
			    .win = 65535 };
	tt_send(&t, &ack);
	tt_take1(&t, &o);
	ck_assert_msg(o.flags & TH_RST, "the second connection: %s, want a reset",
		      tt_flags(o.flags));
	ck_assert_uint_eq(tt_ctr(&t, "no_send_buffer"), 1);
	ck_assert_uint_eq(established_calls, 1);

	/* The first closes (quit: our FIN after the reply; the peer's FIN and ACK). */
	peer_send(&t, &p, "quit", 4, p.rcv);
	unsigned n = tt_take(&t, &o, 1);
	ck_assert_uint_ge(n, 1);
	struct tseg fin = { .sport = 40003, .dport = 7, .seq = p.snd, .ack = p.rcv + 4 + 1,
			    .flags = TH_ACK | TH_FIN, .win = 65535 };
	tt_send(&t, &fin);
	tt_take(&t, &o, 1);
	ck_assert_ptr_null(tt_conn(&t, 40003));
	ck_assert_uint_eq(released_calls, 2);

	connect_peer(&t, &r, 40005); /* established() checks its state is zero */
	ck_assert_uint_eq(established_calls, 2);
	peer_send(&t, &r, "again", 5, r.rcv);
	tt_take1(&t, &o);
	ck_assert_mem_eq(o.data, "AGAIN", 5);
	tt_free(&t);
}
END_TEST

static Suite *
tcp_service_suite(void)
{
	Suite *s = suite_create("tcp_service");
	TCase *tc = tcase_create("tcp_service");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, replies_through_a_wrapping_buffer);
	tcase_add_test(tc, unacknowledged_bytes_stay);
	tcase_add_test(tc, no_free_send_buffer_resets);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(tcp_service_suite)
