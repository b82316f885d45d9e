/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_proxy (nfproxy) between a client and backends the test plays by hand.
 * The graph: "inc" -> parse -> proxy.client and "ins" -> parse -> proxy.server;
 * proxy.to_client -> "outc" and proxy.to_server -> "outs". Every segment the
 * proxy emits is read back with its checksums verified and checked field by
 * field: addresses, ports, MACs, flags, sequence and acknowledgement numbers,
 * windows, payload bytes.
 *
 * Covers delayed binding (handshake, held first payload, the window that
 * shrinks to the room left, the policy's decision), the backend connection,
 * splicing with sequence and ACK translation (request hooks that change the
 * length, wraparound everywhere, the ACK floor, client retransmissions of
 * held bytes), the proxy's own retransmission of the held payload (lost,
 * partly ACKed, beyond the backend's window), every way a proxied connection
 * ends (a FIN right after the request included), and bad input: policies and
 * hooks that answer nonsense, SYN floods, garbage mid-splice, out-of-order
 * data beyond the window, exhausted held buffers. Immediate binding (a NAT)
 * gets one test of its own.
 *
 * A test policy and two test hooks register under names starting "test_px_".
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_hash.h>
#include <rte_mempool.h>

#include "../../nf/proxy_internal.h"
#include "tcp_testlib.h"

#define VIP "198.18.1.1"
#define CLI "198.18.1.2"
#define SRC "198.19.1.1"
#define B1 "198.19.1.10"
#define B2 "198.19.1.11"
#define PX_C_MAC "02:00:00:00:01:aa"
#define PX_S_MAC "02:00:00:00:02:aa"
#define CLI_MAC "02:00:00:00:01:01"
#define SRV_MAC "02:00:00:00:02:01"
#define PORT_LO 20000u

#define REQ "GET / HTTP/1.1\r\n\r\n"
#define REQ_LEN 18u

/* ---- test policies and hooks ------------------------------------------------ */

/* A policy that answers what the test says. */
static int nonsense_answer;
static unsigned nonsense_calls;
static bool nonsense_final;
static bool nonsense_null_payload; /* ever given NULL (C says no, even for 0 bytes) */

static int
nonsense_select(void *state, const struct nfg_proxy_conn *conn, const uint8_t *payload,
		uint32_t len, bool final)
{
	nonsense_calls++;
	nonsense_final = final;
	nonsense_null_payload |= payload == NULL;
	return nonsense_answer;
}

static const struct nfg_proxy_policy nonsense_policy = {
	.api_version = NFG_PROXY_API_VERSION,
	.name = "test_px_nonsense",
	.doc = "unit tests: returns nonsense_answer",
	.select = nonsense_select,
};

/* A request hook that changes the first payload's length as the test says. */
enum resize_mode { RESIZE_DELTA, RESIZE_TO_CAP, RESIZE_CAP_PLUS_1, RESIZE_NEGATIVE };
static enum resize_mode resize_mode;
static int resize_delta; /* > 0: that many 'H' in front; < 0: that many bytes cut off the front */
static uint32_t resize_cap_seen, resize_calls;

static int
resize_request(void *state, const struct nfg_proxy_conn *conn, uint8_t *buf, uint32_t len,
	       uint32_t cap)
{
	resize_cap_seen = cap;
	resize_calls++;
	switch (resize_mode) {
	case RESIZE_DELTA:
		if (resize_delta >= 0) {
			if (len + (uint32_t)resize_delta > cap)
				return (int)len;
			memmove(buf + resize_delta, buf, len);
			memset(buf, 'H', (size_t)resize_delta);
		} else {
			uint32_t cut = (uint32_t)-resize_delta;
			if (cut > len)
				return (int)len;
			memmove(buf, buf + cut, len - cut);
		}
		return (int)len + resize_delta;
	case RESIZE_TO_CAP:
		memset(buf + len, 'C', cap - len);
		return (int)cap;
	case RESIZE_CAP_PLUS_1:
		return (int)cap + 1;
	case RESIZE_NEGATIVE:
		return -5;
	}
	return (int)len;
}

static const struct nfg_proxy_hook resize_hook = {
	.api_version = NFG_PROXY_API_VERSION,
	.name = "test_px_resize",
	.doc = "unit tests: grows or shrinks the first payload",
	.request = resize_request,
};

/* A data hook: upper-cases spliced payload in place; "CLOSE..." closes. */
static unsigned upper_calls;

static int
upper_data(void *state, const struct nfg_proxy_conn *conn, enum nfg_proxy_direction dir,
	   uint8_t *p, uint32_t len, uint32_t cap)
{
	upper_calls++;
	if (len >= 5 && memcmp(p, "CLOSE", 5) == 0)
		return NFG_PROXY_CLOSE;
	for (uint32_t i = 0; i < len; i++)
		if (p[i] >= 'a' && p[i] <= 'z')
			p[i] = (uint8_t)(p[i] - 'a' + 'A');
	return (int)len;
}

/* A data hook that changes lengths: "grow..." gains "++", "shrink..." loses
 * its last 3 bytes, in either direction. */
static int
edit_data(void *state, const struct nfg_proxy_conn *conn, enum nfg_proxy_direction dir,
	  uint8_t *p, uint32_t len, uint32_t cap)
{
	if (len >= 4 && memcmp(p, "grow", 4) == 0 && len + 2 <= cap) {
		memcpy(p + len, "++", 2);
		return (int)len + 2;
	}
	if (len >= 9 && memcmp(p, "shrink", 6) == 0)
		return (int)len - 3;
	return (int)len;
}

static const struct nfg_proxy_hook edit_hook = {
	.api_version = NFG_PROXY_API_VERSION,
	.name = "test_px_edit",
	.doc = "unit tests: grows and shrinks spliced payload",
	.data = edit_data,
};

static const struct nfg_proxy_hook upper_hook = {
	.api_version = NFG_PROXY_API_VERSION,
	.name = "test_px_upper",
	.doc = "unit tests: upper-cases spliced payload",
	.data = upper_data,
};

/* ---- the harness around the proxy -------------------------------------------- */

struct px_test {
	struct harness *h;
	unsigned cur_c, cur_s;   /* collected segments already read, per side */
	bool any_server_dst;     /* RST answers to garbage may go to other addresses */
	uint32_t port_start;     /* the backend-side port taken first (random per run) */
};

/* A client the test plays. */
struct cpeer {
	const char *ip;
	uint16_t port;
	uint32_t isn, snd, rcv; /* its ISN, next sequence number, what it acknowledges */
	uint32_t iss;           /* the proxy's ISS toward it */
	uint16_t win;
	uint32_t slot;
};

/* A backend the test plays. */
struct speer {
	const char *ip;
	uint16_t port;          /* its port */
	uint16_t pport;         /* the proxy's port toward it */
	uint32_t isn, snd, rcv;
	uint32_t iss;           /* the proxy's ISS toward it */
	uint16_t win;
};

static uint32_t
ip4(const char *s)
{
	uint32_t a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void
px_json(char *json, size_t len, const char *params)
{
	snprintf(json, len,
		 "{\"ports\": {\"c\": {\"device\": \"wire:px\", \"mac\": \"" PX_C_MAC "\", "
		 "\"ipv4\": \"" VIP "/24\"},\n"
		 "            \"s\": {\"device\": \"wire:px\", \"mac\": \"" PX_S_MAC "\", "
		 "\"ipv4\": \"" SRC "/24\"}},\n"
		 " \"nodes\": {\"inc\": {\"op\": \"test_inject\"}, \"ins\": {\"op\": \"test_inject\"},\n"
		 "  \"rawc\": {\"op\": \"test_inject\"}, \"raws\": {\"op\": \"test_inject\"},\n"
		 "  \"pc\": {\"op\": \"parse\"}, \"ps\": {\"op\": \"parse\"},\n"
		 "  \"proxy\": {\"op\": \"tcp_proxy\", \"client_port\": \"c\", \"server_port\": \"s\",\n"
		 "    \"client_next_hop_mac\": \"" CLI_MAC "\", \"server_next_hop_mac\": \"" SRV_MAC "\",\n"
		 "    \"listen\": [\"" VIP ":80\"]%s%s%s%s},\n"
		 "  \"outc\": {\"op\": \"test_collect\"}, \"outs\": {\"op\": \"test_collect\"},\n"
		 "  \"bad\": {\"op\": \"test_collect\"}},\n"
		 " \"edges\": [\"inc -> pc -> proxy.client\", \"ins -> ps -> proxy.server\",\n"
		 "   \"rawc -> proxy.client\", \"raws -> proxy.server\", \"pc.malformed -> bad\",\n"
		 "   \"ps.malformed -> bad\", \"proxy.to_client -> outc\", \"proxy.to_server -> outs\"]}",
		 strstr(params, "\"src_ports\"") ? "" : ", \"src_ports\": \"20000-20031\"",
		 strstr(params, "\"backends\"")
			 ? ""
			 : ",\n    \"backends\": [{\"name\": \"a1\", \"ip\": \"" B1 "\", \"port\": 80, "
			   "\"group\": \"a\"},\n"
			   "                 {\"name\": \"b1\", \"ip\": \"" B2 "\", \"port\": 8080, "
			   "\"group\": \"b\"}]",
		 params[0] ? ",\n    " : "", params);
}

static void
px_load(struct px_test *t, const char *params)
{
	char json[8192];

	memset(t, 0, sizeof(*t));
	px_json(json, sizeof(json), params);
	t->h = harness_load(json);
	struct rte_node *node = nfg_worker_node(0, "proxy");
	if (node) {
		const struct px_worker *w = nfg_node_state(node);
		t->port_start = w->port_head;
	}
}

/* The backend-side port the run takes n-th, while none was given back (one
 * source address: the ports in order from a random start). */
static uint16_t
nth_port(const struct px_test *t, uint32_t n)
{
	const struct px_worker *w = nfg_node_state(nfg_worker_node(0, "proxy"));

	return (uint16_t)(PORT_LO + (t->port_start + n) % w->nb_slots);
}

static void
px_free(struct px_test *t)
{
	harness_free(t->h);
	t->h = NULL;
}

static struct px_worker *
pxw(void)
{
	struct rte_node *node = nfg_worker_node(0, "proxy");

	ck_assert_ptr_nonnull(node);
	return nfg_node_state(node);
}

static uint64_t
ctr(struct px_test *t, const char *name)
{
	return harness_counter(t->h, "proxy", name);
}

static unsigned
held_free(void)
{
	return rte_mempool_avail_count(pxw()->held_pool);
}

/* Segments out on one side since the last take; every one is read (and its
 * checksums checked). Segments to the server side go from our address to a
 * configured backend unless the test allows otherwise. */
static unsigned
take(struct px_test *t, bool server_side, struct oseg *o, unsigned max)
{
	struct rte_mbuf **pkts;
	unsigned *cursor = server_side ? &t->cur_s : &t->cur_c;
	unsigned n = harness_collected(t->h, server_side ? "outs" : "outc", &pkts), got = 0;

	while (*cursor < n) {
		struct oseg tmp, *seg = got < max ? &o[got] : &tmp;
		tt_read_segment(pkts[(*cursor)++], seg);
		if (server_side) {
			ck_assert_uint_eq(seg->src_ip, ip4(SRC));
			if (!t->any_server_dst)
				ck_assert_msg(seg->dst_ip == ip4(B1) || seg->dst_ip == ip4(B2),
					      "a segment to a non-configured address");
		} else {
			ck_assert_uint_eq(seg->src_ip, ip4(VIP));
		}
		got++;
	}
	return got;
}

/* The test line that expects a segment (expect_c and expect_s are macros
 * that set it), so a failure names it rather than take1. */
static int expect_line;

static void
take1(struct px_test *t, bool server_side, struct oseg *o)
{
	struct oseg more[8];
	unsigned n = take(t, server_side, more, 8);

	ck_assert_msg(n == 1, "line %d: %u segments to the %s, want 1 (first: %s seq %u ack %u len %u)",
		      expect_line, n, server_side ? "server" : "client",
		      n ? tt_flags(more[0].flags) : "-", n ? more[0].seq : 0, n ? more[0].ack : 0,
		      n ? more[0].len : 0);
	*o = more[0];
}

static void
none(struct px_test *t)
{
	struct oseg o;
	unsigned nc = take(t, false, &o, 1);

	ck_assert_msg(nc == 0, "%u segments to the client, want none (%s seq %u ack %u)", nc,
		      tt_flags(o.flags), o.seq, o.ack);
	unsigned ns = take(t, true, &o, 1);
	ck_assert_msg(ns == 0, "%u segments to the server, want none (%s seq %u ack %u)", ns,
		      tt_flags(o.flags), o.seq, o.ack);
}

/* Walks (200 us of the operators' clock apart) until something comes out on either side; returns the
 * milliseconds it took. */
static double
wait_out(struct px_test *t, unsigned max_ms)
{
	double start = tt_ms_now();

	for (;;) {
		harness_walk(t->h, 1);
		if (harness_collected(t->h, "outc", NULL) > t->cur_c ||
		    harness_collected(t->h, "outs", NULL) > t->cur_s) {
			harness_walk(t->h, 1);
			return tt_ms_now() - start;
		}
		ck_assert_msg(tt_ms_now() - start < max_ms, "nothing came out in %u ms", max_ms);
		nfg_clock_advance_ms(0.2);
	}
}

/* Walks for ms milliseconds; nothing may come out. */
static void
quiet_for(struct px_test *t, unsigned ms)
{
	double start = tt_ms_now();

	while (tt_ms_now() - start < ms) {
		harness_walk(t->h, 1);
		nfg_clock_advance_ms(0.2);
	}
	harness_walk(t->h, 1);
	none(t);
}

static void
inject(struct px_test *t, const char *node, struct rte_mbuf *m)
{
	harness_inject(t->h, node, &m, 1);
	harness_walk(t->h, 2);
}

/* A client segment with explicit numbers and raw options (the model is untouched). */
static void
c_seg_opt(struct px_test *t, const struct cpeer *p, uint8_t flags, uint32_t seq, uint32_t ack,
	  const uint8_t *opt, uint8_t optlen, const void *data, uint32_t len)
{
	struct tseg s = { .sport = p->port, .dport = 80, .seq = seq, .ack = ack, .flags = flags,
			  .win = p->win, .opt = opt, .optlen = optlen, .data = data, .len = len };

	inject(t, "inc", tseg_mbuf_between(&s, p->ip, VIP, CLI_MAC, PX_C_MAC));
}

static void
c_seg(struct px_test *t, const struct cpeer *p, uint8_t flags, uint32_t seq, uint32_t ack,
      const void *data, uint32_t len)
{
	c_seg_opt(t, p, flags, seq, ack, NULL, 0, data, len);
}

static void
c_send(struct px_test *t, struct cpeer *p, uint8_t flags, const void *data, uint32_t len)
{
	c_seg(t, p, flags, p->snd, p->rcv, data, len);
	p->snd += len + !!(flags & TH_SYN) + !!(flags & TH_FIN);
}

static void
s_seg(struct px_test *t, const struct speer *b, uint8_t flags, uint32_t seq, uint32_t ack,
      const void *data, uint32_t len)
{
	struct tseg s = { .sport = b->port, .dport = b->pport, .seq = seq, .ack = ack,
			  .flags = flags, .win = b->win, .data = data, .len = len };

	inject(t, "ins", tseg_mbuf_between(&s, b->ip, SRC, SRV_MAC, PX_S_MAC));
}

static void
s_send(struct px_test *t, struct speer *b, uint8_t flags, const void *data, uint32_t len)
{
	s_seg(t, b, flags, b->snd, b->rcv, data, len);
	b->snd += len + !!(flags & TH_SYN) + !!(flags & TH_FIN);
}

static void
to_client(const struct oseg *o, const struct cpeer *p)
{
	static const uint8_t px_mac[6] = { 2, 0, 0, 0, 1, 0xaa }, cli_mac[6] = { 2, 0, 0, 0, 1, 1 };

	ck_assert_uint_eq(o->src_ip, ip4(VIP));
	ck_assert_uint_eq(o->dst_ip, ip4(p->ip));
	ck_assert_uint_eq(o->sport, 80);
	ck_assert_uint_eq(o->dport, p->port);
	ck_assert_mem_eq(o->src_mac, px_mac, 6);
	ck_assert_mem_eq(o->dst_mac, cli_mac, 6);
	ck_assert_uint_eq(o->ttl, 64);
	ck_assert(o->df);
}

static void
to_server(const struct oseg *o, const struct speer *b)
{
	static const uint8_t px_mac[6] = { 2, 0, 0, 0, 2, 0xaa }, srv_mac[6] = { 2, 0, 0, 0, 2, 1 };

	ck_assert_uint_eq(o->src_ip, ip4(SRC));
	ck_assert_uint_eq(o->dst_ip, ip4(b->ip));
	ck_assert_uint_eq(o->sport, b->pport);
	ck_assert_uint_eq(o->dport, b->port);
	ck_assert_mem_eq(o->src_mac, px_mac, 6);
	ck_assert_mem_eq(o->dst_mac, srv_mac, 6);
	ck_assert_uint_eq(o->ttl, 64);
	ck_assert(o->df);
}

/* Exactly one segment to the client, all of it as given. */
static void
expect_c(struct px_test *t, const struct cpeer *p, uint8_t flags, uint32_t seq, uint32_t ack,
	 uint16_t win, const void *data, uint32_t len)
{
	struct oseg o;

	take1(t, false, &o);
	to_client(&o, p);
	ck_assert_seg(&o, flags, seq, ack);
	ck_assert_uint_eq(o.win, win);
	ck_assert_uint_eq(o.len, len);
	if (len)
		ck_assert_mem_eq(o.data, data, len);
}

static void
expect_s(struct px_test *t, const struct speer *b, uint8_t flags, uint32_t seq, uint32_t ack,
	 uint16_t win, const void *data, uint32_t len)
{
	struct oseg o;

	take1(t, true, &o);
	to_server(&o, b);
	ck_assert_seg(&o, flags, seq, ack);
	ck_assert_uint_eq(o.win, win);
	ck_assert_uint_eq(o.len, len);
	if (len)
		ck_assert_mem_eq(o.data, data, len);
}

/* The client's request is held and the backend being connected: its ACK
 * waits for the backend's answer to carry it (PXF_ACK_OWED); nothing goes
 * to the client now. */
static void
ack_owed(struct px_test *t, const struct cpeer *p)
{
	struct oseg o;
	unsigned n = take(t, false, &o, 1);

	ck_assert_msg(n == 0, "line %d: %u segments to the client, want none (%s seq %u ack %u)",
		      expect_line, n, tt_flags(o.flags), o.seq, o.ack);
	ck_assert_msg(pxw()->slots[p->slot].flags & PXF_ACK_OWED, "line %d: no ACK owed",
		      expect_line);
}
#define ack_owed(...) (expect_line = __LINE__, ack_owed(__VA_ARGS__))
#define expect_c(...) (expect_line = __LINE__, expect_c(__VA_ARGS__))
#define expect_s(...) (expect_line = __LINE__, expect_s(__VA_ARGS__))

/* The slot of the client's connection (asserted to exist). */
static uint32_t
slot_of(const struct cpeer *p)
{
	struct px_worker *w = pxw();

	for (uint32_t i = 0; i < w->nb_slots; i++)
		if (w->slots[i].state != PX_FREE && w->ec.conns[i].remote_ip == ip4(p->ip) &&
		    w->ec.conns[i].remote_port == htons(p->port))
			return i;
	ck_abort_msg("no slot for client port %u", p->port);
	return 0;
}

static uint8_t
slot_state(const struct cpeer *p)
{
	return pxw()->slots[p->slot].state;
}

/* SYN with MSS 1400: the SYN-ACK, checked; the handshake is not finished. */
static void
c_syn(struct px_test *t, struct cpeer *p, uint16_t port, uint32_t isn)
{
	static const uint8_t mss_opt[4] = { 2, 4, 0x05, 0x78 };
	struct tseg syn = { .sport = port, .dport = 80, .seq = isn, .flags = TH_SYN, .win = 29200,
			    .opt = mss_opt, .optlen = 4 };
	struct oseg o;

	memset(p, 0, sizeof(*p));
	p->ip = CLI;
	p->port = port;
	p->isn = isn;
	p->win = 29200;
	inject(t, "inc", tseg_mbuf_between(&syn, CLI, VIP, CLI_MAC, PX_C_MAC));
	take1(t, false, &o);
	to_client(&o, p);
	ck_assert_seg(&o, TH_SYN | TH_ACK, o.seq, isn + 1);
	ck_assert_uint_eq(o.mss, 1460);
	ck_assert_uint_eq(o.optlen, 4);
	ck_assert_uint_eq(o.win, pxw()->cfg->inspect_bytes);
	ck_assert_uint_eq(o.len, 0);
	none(t);
	p->snd = isn + 1;
	p->iss = o.seq;
	p->rcv = o.seq + 1;
	p->slot = slot_of(p);
	ck_assert_uint_eq(slot_state(p), PX_COLLECT);
	ck_assert_uint_eq(pxw()->ec.conns[p->slot].state, TCP_SYN_RCVD);
}

/* Changes the proxy's ISS toward the client while it is in SYN-RECEIVED. */
static void
c_set_iss(struct cpeer *p, uint32_t iss)
{
	struct tcp_conn *c = &pxw()->ec.conns[p->slot];

	ck_assert_uint_eq(c->state, TCP_SYN_RCVD);
	c->iss = iss;
	c->snd_una = iss;
	c->snd_nxt = c->snd_max = iss + 1;
	p->iss = iss;
	p->rcv = iss + 1;
}

static void
c_ack(struct px_test *t, struct cpeer *p)
{
	c_send(t, p, TH_ACK, NULL, 0);
	none(t);
	ck_assert_uint_eq(pxw()->ec.conns[p->slot].state, TCP_ESTABLISHED);
	ck_assert_uint_eq(slot_state(p), PX_COLLECT);
}

static void
c_open(struct px_test *t, struct cpeer *p, uint16_t port, uint32_t isn)
{
	c_syn(t, p, port, isn);
	c_ack(t, p);
}

/* The proxy's SYN to backend `backend`, from the port the client's slot took. */
static void
s_expect_syn(struct px_test *t, struct speer *b, const struct cpeer *p, unsigned backend)
{
	struct oseg o;

	memset(b, 0, sizeof(*b));
	b->ip = backend ? B2 : B1;
	b->port = backend ? 8080 : 80;
	b->pport = (uint16_t)(PORT_LO + pxw()->port_of[p->slot]);
	take1(t, true, &o);
	to_server(&o, b);
	ck_assert_seg(&o, TH_SYN, o.seq, 0);
	ck_assert_uint_eq(o.mss, 1460);
	/* MSS and window scale; no timestamps in delayed binding (tcp_proxy.c) */
	ck_assert_uint_eq(o.optlen, 8);
	ck_assert_int_eq(o.wscale, pxw()->cfg->server_engine.wscale);
	ck_assert(!o.ts);
	ck_assert_uint_eq(o.win, 65535);
	ck_assert_uint_eq(o.len, 0);
	b->iss = o.seq;
	b->rcv = 0;
	ck_assert_uint_eq(slot_state(p), PX_CONNECT);
	ck_assert_uint_eq(pxw()->slots[p->slot].backend, backend);
	ck_assert_uint_eq(pxw()->es.conns[p->slot].state, TCP_SYN_SENT);
}

/* Changes the proxy's ISS toward the backend while it is in SYN-SENT. */
static void
s_set_iss(struct speer *b, const struct cpeer *p, uint32_t iss)
{
	struct tcp_conn *c = &pxw()->es.conns[p->slot];

	ck_assert_uint_eq(c->state, TCP_SYN_SENT);
	c->iss = iss;
	c->snd_una = iss;
	c->snd_nxt = c->snd_max = iss + 1;
	b->iss = iss;
}

/* The backend's SYN-ACK (MSS mss, window win); returns the segments the
 * proxy sent it then (at most max in o). */
static unsigned
s_accept(struct px_test *t, struct speer *b, uint32_t isn, uint16_t win, uint16_t mss,
	 struct oseg *o, unsigned max)
{
	uint8_t opt[4] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss };
	struct tseg s = { .sport = b->port, .dport = b->pport, .seq = isn, .ack = b->iss + 1,
			  .flags = TH_SYN | TH_ACK, .win = win, .opt = opt, .optlen = 4 };

	b->isn = isn;
	b->snd = isn + 1;
	b->rcv = b->iss + 1;
	b->win = win;
	inject(t, "ins", tseg_mbuf_between(&s, b->ip, SRC, SRV_MAC, PX_S_MAC));
	unsigned n = take(t, true, o, max);
	for (unsigned i = 0; i < n && i < max; i++)
		to_server(&o[i], b);
	return n;
}

/* A client at port cport (ISN cisn) sends req; the policy picks `backend`,
 * which accepts (ISN sisn) and acknowledges the request: spliced. */
static void
splice_one(struct px_test *t, struct cpeer *p, uint16_t cport, uint32_t cisn, struct speer *b,
	   unsigned backend, uint32_t sisn)
{
	struct oseg o[4];

	c_open(t, p, cport, cisn);
	c_send(t, p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	/* The request's ACK waits for the backend's answer to carry it. */
	s_expect_syn(t, b, p, backend);
	none(t);
	ck_assert(pxw()->slots[p->slot].flags & PXF_ACK_OWED);
	ck_assert_uint_eq(s_accept(t, b, sisn, 65535, 1460, o, 4), 1);
	ck_assert_seg(&o[0], TH_ACK | TH_PSH, b->iss + 1, sisn + 1);
	ck_assert_uint_eq(o[0].len, REQ_LEN);
	ck_assert_mem_eq(o[0].data, REQ, REQ_LEN);
	ck_assert_uint_eq(o[0].win, 65535);
	none(t);
	ck_assert_uint_eq(slot_state(p), PX_SPLICE);
	/* The backend acknowledges the request: the client hears it (the ACK
	 * is where the proxy already was, the window the backend's). */
	b->rcv = b->iss + 1 + REQ_LEN;
	s_send(t, b, TH_ACK, NULL, 0);
	expect_c(t, p, TH_ACK, p->iss + 1, p->snd, 65535, NULL, 0);
	none(t);
	ck_assert(pxw()->slots[p->slot].flags & PXF_HELD_ACKED);
	ck_assert_ptr_null(pxw()->slots[p->slot].held);
}

/* The client's slot is gone: no table entry, both sides closed, no buffer. */
static void
assert_released(const struct cpeer *p)
{
	struct px_worker *w = pxw();
	struct px_key key = { ip4(p->ip), ip4(VIP), htons(p->port), htons(80) };

	ck_assert_uint_eq(tuple_table_lookup(&w->table, px_key_hash(w, &key), w->ec.conns,
					     key.client_ip, key.vip, key.client_port, key.vport),
			  TUPLE_NONE);
	ck_assert_uint_eq(w->slots[p->slot].state, PX_FREE);
	ck_assert_ptr_null(w->slots[p->slot].held);
	ck_assert_uint_eq(w->ec.conns[p->slot].state, TCP_CLOSED);
	ck_assert_uint_eq(w->es.conns[p->slot].state, TCP_CLOSED);
}

/* Nothing left: every slot free and on the free stack once, every port on
 * the port queue once and used by no slot, no table entry, every held buffer
 * back in its pool. */
static void
assert_all_free(void)
{
	struct px_worker *w = pxw();
	static bool seen[65536], port_seen[65536];

	ck_assert_uint_eq(w->free_count, w->nb_slots);
	ck_assert_uint_eq(w->table.used, 0);
	ck_assert_uint_eq(held_free(), w->cfg->held_buffers);
	memset(seen, 0, sizeof(seen));
	memset(port_seen, 0, sizeof(port_seen));
	for (uint32_t k = 0; k < w->free_count; k++) {
		uint32_t slot = w->free_stack[k];
		uint32_t port = w->port_fifo[(w->port_head + k) % w->nb_slots];
		ck_assert_uint_lt(slot, w->nb_slots);
		ck_assert_uint_lt(port, w->nb_slots);
		ck_assert_msg(!seen[slot], "slot %u twice on the free list", slot);
		ck_assert_msg(!port_seen[port], "port %u twice on the port queue", port);
		ck_assert_uint_eq(w->slot_at[port], UINT32_MAX);
		seen[slot] = port_seen[port] = true;
	}
	for (uint32_t i = 0; i < w->nb_slots; i++) {
		ck_assert_uint_eq(w->slots[i].state, PX_FREE);
		ck_assert_uint_eq(w->ec.conns[i].state, TCP_CLOSED);
		ck_assert_uint_eq(w->es.conns[i].state, TCP_CLOSED);
	}
}

/* ---- delayed binding, end to end ---------------------------------------------- */

START_TEST(delayed_binding_round_robin_end_to_end)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;
	struct oseg o[4];
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n"
				   "0123456789012345678901234567890123456789012345678901234567890123";
	const uint32_t resp_len = (uint32_t)strlen(resp);
	static const char more[] = "more from the client, after the first request....";
	const uint32_t more_len = (uint32_t)strlen(more);

	px_load(&t, "\"held_buffers\": 64");
	const unsigned pool = held_free();
	ck_assert_uint_eq(pool, 64);

	/* Handshake: SYN-ACK with our MSS and the inspect window; nothing else. */
	c_open(&t, &p, 40001, 1000);
	ck_assert_uint_eq(p.slot, 0);
	ck_assert_uint_eq(ctr(&t, "accepted"), 1);
	ck_assert_uint_eq(ctr(&t, "established"), 1);
	ck_assert_uint_eq(held_free(), pool); /* no buffer before there is payload */

	/* The request: held and ACKed, the window shrinks by what is held; round
	 * robin decides at once (connection 0: backend a1) and the SYN goes out
	 * from our address, port port_lo + slot. */
	c_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &p);
	s_expect_syn(&t, &b, &p, 0);
	ck_assert_uint_eq(b.pport, nth_port(&t, 0));
	ck_assert_uint_eq(held_free(), pool - 1);
	ck_assert_uint_eq(pxw()->slots[p.slot].held_len, REQ_LEN);
	ck_assert_uint_eq(ctr(&t, "attempted"), 1);

	/* SYN-ACK: our ACK carries the held request (MSS 1000 is plenty). */
	ck_assert_uint_eq(s_accept(&t, &b, 5000, 8192, 1000, o, 4), 1);
	ck_assert_seg(&o[0], TH_ACK | TH_PSH, b.iss + 1, 5001);
	ck_assert_uint_eq(o[0].win, 65535);
	ck_assert_uint_eq(o[0].len, REQ_LEN);
	ck_assert_mem_eq(o[0].data, REQ, REQ_LEN);
	none(&t);
	ck_assert_uint_eq(slot_state(&p), PX_SPLICE);
	ck_assert_uint_eq(ctr(&t, "proxied"), 1);
	ck_assert_uint_eq(ctr(&t, "backend a1"), 1);
	ck_assert_uint_eq(ctr(&t, "backend b1"), 0);
	ck_assert_uint_eq(held_free(), pool - 1); /* kept until the backend has it */

	/* The backend ACKs the request: to the client, in its numbers, with the
	 * backend's window; the held buffer goes back. */
	b.rcv = b.iss + 1 + REQ_LEN;
	s_send(&t, &b, TH_ACK, NULL, 0);
	expect_c(&t, &p, TH_ACK, p.iss + 1, 1019, 8192, NULL, 0);
	ck_assert_uint_eq(held_free(), pool);

	/* The response: seq moved into the client's space, payload untouched. */
	s_send(&t, &b, TH_ACK | TH_PSH, resp, resp_len);
	expect_c(&t, &p, TH_ACK | TH_PSH, p.iss + 1, 1019, 8192, resp, resp_len);

	/* The client's ACK (window 1234) goes to the backend in its numbers. */
	p.rcv = p.iss + 1 + resp_len;
	p.win = 1234;
	c_send(&t, &p, TH_ACK, NULL, 0);
	expect_s(&t, &b, TH_ACK, b.iss + 1 + REQ_LEN, 5001 + resp_len, 1234, NULL, 0);

	/* More data from the client: after the held request in the backend's stream. */
	c_send(&t, &p, TH_ACK | TH_PSH, more, more_len);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 1 + REQ_LEN, 5001 + resp_len, 1234, more,
		 more_len);
	b.rcv += more_len;
	b.win = 3000;
	s_send(&t, &b, TH_ACK, NULL, 0);
	expect_c(&t, &p, TH_ACK, p.iss + 1 + resp_len, 1019 + more_len, 3000, NULL, 0);

	/* An old segment from the backend (its ACK from before the request): the
	 * client never sees an ACK below what the proxy acknowledged itself. */
	s_seg(&t, &b, TH_ACK | TH_PSH, 5001, b.iss + 1, resp, 10);
	expect_c(&t, &p, TH_ACK | TH_PSH, p.iss + 1, 1019, 3000, resp, 10);
	/* ... and one between (ACKs part of the request): floored as well. */
	s_seg(&t, &b, TH_ACK, b.snd, b.iss + 1 + 7, NULL, 0);
	expect_c(&t, &p, TH_ACK, p.iss + 1 + resp_len, 1019, 3000, NULL, 0);
	ck_assert_uint_eq(ctr(&t, "segments_to_server"), 2);
	ck_assert_uint_eq(ctr(&t, "segments_to_client"), 5);

	/* A second connection: round robin gives it b1, from the next slot's port. */
	struct cpeer p2;
	struct speer b2;
	c_open(&t, &p2, 40002, 77);
	ck_assert_uint_eq(p2.slot, 1);
	c_send(&t, &p2, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &p2);
	s_expect_syn(&t, &b2, &p2, 1);
	ck_assert_uint_eq(b2.pport, nth_port(&t, 1));
	ck_assert_str_eq(b2.ip, B2);
	ck_assert_uint_eq(s_accept(&t, &b2, 9, 65535, 1460, o, 4), 1);
	ck_assert_seg(&o[0], TH_ACK | TH_PSH, b2.iss + 1, 10);
	ck_assert_uint_eq(ctr(&t, "backend b1"), 1);
	ck_assert_uint_eq(ctr(&t, "proxied"), 2);
	none(&t);
	px_free(&t);
}
END_TEST

START_TEST(syn_retransmitted_and_segments_before_the_handshake)
{
	struct px_test t;
	struct cpeer p;
	struct oseg o;
	static const uint8_t mss_opt[4] = { 2, 4, 0x05, 0x78 };

	px_load(&t, "");
	c_syn(&t, &p, 40001, 1000);
	/* The same SYN again (our SYN-ACK was lost): the same SYN-ACK, no new slot. */
	struct tseg syn = { .sport = 40001, .dport = 80, .seq = 1000, .flags = TH_SYN, .win = 29200,
			    .opt = mss_opt, .optlen = 4 };
	inject(&t, "inc", tseg_mbuf_between(&syn, CLI, VIP, CLI_MAC, PX_C_MAC));
	take1(&t, false, &o);
	ck_assert_seg(&o, TH_SYN | TH_ACK, p.iss, 1001);
	ck_assert_uint_eq(o.mss, 1460);
	ck_assert_uint_eq(pxw()->free_count, pxw()->nb_slots - 1);
	ck_assert_uint_eq(ctr(&t, "accepted"), 1);

	/* A SYN to a port we do not listen on: RST. One to an address that is
	 * not the port's (another host's, on a shared link): no answer. */
	syn.dport = 81;
	inject(&t, "inc", tseg_mbuf_between(&syn, CLI, VIP, CLI_MAC, PX_C_MAC));
	take1(&t, false, &o);
	ck_assert_seg(&o, TH_RST | TH_ACK, 0, 1001);
	ck_assert_uint_eq(o.sport, 81);
	syn.dport = 80;
	inject(&t, "inc", tseg_mbuf_between(&syn, CLI, "198.18.1.9", CLI_MAC, PX_C_MAC));
	none(&t);
	ck_assert_uint_eq(ctr(&t, "not_for_us"), 1);
	ck_assert_uint_eq(ctr(&t, "accepted"), 1);

	/* Data with the handshake's ACK (the bare ACK was lost): established and held. */
	c_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &p);
	struct speer b;
	s_expect_syn(&t, &b, &p, 0);
	ck_assert_uint_eq(ctr(&t, "established"), 1);
	none(&t);
	px_free(&t);
}
END_TEST

/* ---- the match policy, the inspect limits ---------------------------------------- */

#define MATCH_PARAMS(def)                                                                  \
	"\"policy\": \"match\", \"policy_params\": {\"rules\": ["                          \
	"{\"host\": \"a.example\", \"group\": \"a\"}, {\"host\": \"b.example\", \"group\": \"b\"}], " \
	"\"default\": \"" def "\"}"

START_TEST(match_policy_waits_for_the_request_head)
{
	struct px_test t;
	struct cpeer p, q;
	struct speer b;
	struct oseg o[4];
	static const char part1[] = "GET /x HTTP/1.1\r\nHost: b.exa";
	static const char part2[] = "mple\r\nAccept: */*\r\n\r\n";
	const uint32_t l1 = (uint32_t)strlen(part1), l2 = (uint32_t)strlen(part2);
	char whole[128];

	px_load(&t, MATCH_PARAMS("reject"));
	c_open(&t, &p, 40001, 0x10000);
	/* Half a request head: held and ACKed (window shrunk), no decision. */
	c_send(&t, &p, TH_ACK, part1, l1);
	expect_c(&t, &p, TH_ACK, p.iss + 1, p.snd, 4096 - l1, NULL, 0);
	none(&t);
	ck_assert_uint_eq(slot_state(&p), PX_COLLECT);
	ck_assert_uint_eq(pxw()->slots[p.slot].held_len, l1);

	/* The rest: Host b.example -> group b -> backend b1. */
	c_send(&t, &p, TH_ACK | TH_PSH, part2, l2);
	ack_owed(&t, &p);
	s_expect_syn(&t, &b, &p, 1);
	ck_assert_uint_eq(b.port, 8080);
	ck_assert_uint_eq(s_accept(&t, &b, 0xABCDEF01u, 65535, 1460, o, 4), 1);
	snprintf(whole, sizeof(whole), "%s%s", part1, part2);
	ck_assert_seg(&o[0], TH_ACK | TH_PSH, b.iss + 1, 0xABCDEF02u);
	ck_assert_uint_eq(o[0].len, l1 + l2);
	ck_assert_mem_eq(o[0].data, whole, l1 + l2);
	ck_assert_uint_eq(ctr(&t, "backend b1"), 1);

	/* A whole head naming no known host, default reject: the client is reset
	 * (no ACK of the data first), the backends hear nothing. */
	static const char other[] = "GET / HTTP/1.1\r\nHost: c.example\r\n\r\n";
	c_open(&t, &q, 40002, 5);
	c_send(&t, &q, TH_ACK | TH_PSH, other, (uint32_t)strlen(other));
	expect_c(&t, &q, TH_RST, q.iss + 1, 0, (uint16_t)(4096 - strlen(other)), NULL, 0);
	none(&t);
	assert_released(&q);
	ck_assert_uint_eq(ctr(&t, "rejected_by_policy"), 1);
	ck_assert_uint_eq(held_free(), pxw()->cfg->held_buffers - 1); /* p's, not q's */
	px_free(&t);
}
END_TEST

START_TEST(inspect_time_decides_with_what_came)
{
	struct px_test t;
	struct cpeer p, q, r;
	struct speer b;
	struct oseg o[4];
	static const char partial[] = "GET / HTTP/1.1\r\nHost: b.example\r\n";
	const uint32_t len = (uint32_t)strlen(partial);

	px_load(&t, MATCH_PARAMS("a") ", \"inspect_ms\": 40");
	/* An incomplete head: after inspect_ms the policy decides on it (final). */
	c_open(&t, &p, 40001, 1);
	double t0 = tt_ms_now();
	c_send(&t, &p, TH_ACK, partial, len);
	expect_c(&t, &p, TH_ACK, p.iss + 1, p.snd, 4096 - len, NULL, 0);
	wait_out(&t, 500);
	ck_assert_msg(tt_ms_now() - t0 >= 35, "decided after %.1f ms, before inspect_ms",
		      tt_ms_now() - t0);
	s_expect_syn(&t, &b, &p, 1);
	ck_assert_uint_eq(s_accept(&t, &b, 100, 65535, 1460, o, 4), 1);
	ck_assert_uint_eq(o[0].len, len);
	ck_assert_mem_eq(o[0].data, partial, len);

	/* Nothing at all (a server-speaks-first protocol): the default group,
	 * and the backend gets no payload from us, only the ACK. */
	c_open(&t, &q, 40002, 2);
	wait_out(&t, 500);
	s_expect_syn(&t, &b, &q, 0);
	ck_assert_uint_eq(s_accept(&t, &b, 200, 65535, 1460, o, 4), 1);
	ck_assert_seg(&o[0], TH_ACK, b.iss + 1, 201);
	ck_assert_uint_eq(o[0].len, 0);
	ck_assert(pxw()->slots[q.slot].flags & PXF_HELD_ACKED);
	/* The server speaks first; the client answers. */
	s_send(&t, &b, TH_ACK | TH_PSH, "220 hello\r\n", 11);
	expect_c(&t, &q, TH_ACK | TH_PSH, q.iss + 1, q.snd, 65535, "220 hello\r\n", 11);
	q.rcv += 11;
	c_send(&t, &q, TH_ACK | TH_PSH, "HELO x\r\n", 8);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 1, 212, q.win, "HELO x\r\n", 8);

	/* A client that never sends while the policy answers MORE until the end:
	 * the final answer MORE is nonsense, so the client is reset. */
	px_free(&t);
	px_load(&t, "\"policy\": \"test_px_nonsense\", \"inspect_ms\": 30");
	nonsense_answer = NFG_PROXY_MORE;
	nonsense_calls = 0;
	c_open(&t, &r, 40003, 3);
	c_send(&t, &r, TH_ACK, "x", 1);
	expect_c(&t, &r, TH_ACK, r.iss + 1, r.snd, 4095, NULL, 0);
	ck_assert_uint_eq(nonsense_calls, 1);
	ck_assert(!nonsense_final);
	wait_out(&t, 500);
	expect_c(&t, &r, TH_RST, r.iss + 1, 0, 4095, NULL, 0);
	ck_assert_uint_eq(nonsense_calls, 2);
	ck_assert(nonsense_final);
	ck_assert_uint_eq(ctr(&t, "rejected_by_policy"), 1);
	/* No payload at all by the deadline: asked with 0 bytes at a real address. */
	nonsense_null_payload = false;
	c_open(&t, &r, 40004, 4);
	wait_out(&t, 500);
	expect_c(&t, &r, TH_RST, r.iss + 1, 0, 4096, NULL, 0);
	ck_assert_uint_eq(nonsense_calls, 3);
	ck_assert(!nonsense_null_payload);
	ck_assert_uint_eq(ctr(&t, "rejected_by_policy"), 2);
	assert_all_free();
	px_free(&t);
}
END_TEST

START_TEST(inspect_bytes_close_the_window)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;
	struct oseg o[4];
	uint8_t data[120];

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)('a' + i % 26);
	px_load(&t, MATCH_PARAMS("b") ", \"inspect_bytes\": 100");
	c_open(&t, &p, 40001, 0xFFFFFF00u);
	c_send(&t, &p, TH_ACK, data, 60);
	expect_c(&t, &p, TH_ACK, p.iss + 1, 0xFFFFFF3Du, 40, NULL, 0);
	none(&t);
	/* 60 more: only the 40 that fit are taken (and ACKed); the window is
	 * closed, the limit reached: the policy decides (no Host: default b). */
	c_seg(&t, &p, TH_ACK, p.snd, p.rcv, data + 60, 60);
	p.snd += 40;
	ack_owed(&t, &p);
	s_expect_syn(&t, &b, &p, 1);
	ck_assert_uint_eq(s_accept(&t, &b, 1, 65535, 1460, o, 4), 1);
	ck_assert_uint_eq(o[0].len, 100);
	ck_assert_mem_eq(o[0].data, data, 100);
	/* The client sends the 20 left over again: now spliced, after the 100. */
	c_seg(&t, &p, TH_ACK | TH_PSH, p.snd, p.rcv, data + 100, 20);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 101, 2, p.win, data + 100, 20);
	px_free(&t);
}
END_TEST

/* ---- sequence translation with length-changing hooks, wraparound ----------------- */

/* One spliced exchange with a resize hook: the client (ISN cisn, our ISS
 * ciss toward it) sends REQ; the backend (ISN sisn, our ISS siss toward it)
 * gets REQ resized by `delta`; then data both ways. */
static void
resized_exchange(struct px_test *t, uint16_t port, int delta, uint32_t cisn, uint32_t ciss,
		 uint32_t sisn, uint32_t siss)
{
	struct cpeer p;
	struct speer b;
	struct oseg o[4];
	uint8_t want[128];
	uint8_t resp[300], up[20];
	const uint32_t sent = (uint32_t)((int)REQ_LEN + delta);

	for (unsigned i = 0; i < sizeof(resp); i++)
		resp[i] = (uint8_t)('A' + i % 26);
	memset(up, 'u', sizeof(up));
	if (delta >= 0) {
		memset(want, 'H', (size_t)delta);
		memcpy(want + delta, REQ, REQ_LEN);
	} else {
		memcpy(want, REQ + -delta, sent);
	}
	resize_mode = RESIZE_DELTA;
	resize_delta = delta;
	c_syn(t, &p, port, cisn);
	c_set_iss(&p, ciss);
	c_ack(t, &p);
	c_send(t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(t, &p);
	s_expect_syn(t, &b, &p, pxw()->slots[p.slot].id % 2); /* round robin */
	s_set_iss(&b, &p, siss);
	ck_assert_uint_eq(s_accept(t, &b, sisn, 65535, 1460, o, 4), 1);
	ck_assert_seg(&o[0], TH_ACK | TH_PSH, siss + 1, sisn + 1);
	ck_assert_uint_eq(o[0].len, sent);
	ck_assert_mem_eq(o[0].data, want, sent);
	ck_assert_uint_eq(resize_cap_seen, 4096 + PX_HOOK_ROOM);

	/* The backend ACKs what it got: the client sees its own request ACKed. */
	b.rcv = siss + 1 + sent;
	s_send(t, &b, TH_ACK, NULL, 0);
	expect_c(t, &p, TH_ACK, ciss + 1, cisn + 1 + REQ_LEN, 65535, NULL, 0);
	/* Client data after the request: at the backend after what it got. */
	c_send(t, &p, TH_ACK | TH_PSH, up, sizeof(up));
	expect_s(t, &b, TH_ACK | TH_PSH, siss + 1 + sent, sisn + 1, p.win, up, sizeof(up));
	/* The response, in two segments; the second ACKs the client's data. */
	s_send(t, &b, TH_ACK, resp, 200);
	expect_c(t, &p, TH_ACK, ciss + 1, cisn + 1 + REQ_LEN, 65535, resp, 200);
	b.rcv += sizeof(up);
	s_send(t, &b, TH_ACK | TH_PSH, resp + 200, 100);
	expect_c(t, &p, TH_ACK | TH_PSH, ciss + 201, cisn + 1 + REQ_LEN + sizeof(up), 65535,
		 resp + 200, 100);
	/* The client ACKs the response. */
	p.rcv = ciss + 301;
	c_send(t, &p, TH_ACK, NULL, 0);
	expect_s(t, &b, TH_ACK, siss + 1 + sent + sizeof(up), sisn + 301, p.win, NULL, 0);
	/* An old ACK from the backend (inside the request it got): floored. */
	s_seg(t, &b, TH_ACK, b.snd, siss + 2, NULL, 0);
	expect_c(t, &p, TH_ACK, ciss + 301, cisn + 1 + REQ_LEN, 65535, NULL, 0);
	/* FINs both ways, then the last ACK. */
	c_send(t, &p, TH_ACK | TH_FIN, NULL, 0);
	expect_s(t, &b, TH_ACK | TH_FIN, siss + 1 + sent + sizeof(up), sisn + 301, p.win, NULL, 0);
	b.rcv++;
	s_send(t, &b, TH_ACK | TH_FIN, NULL, 0);
	expect_c(t, &p, TH_ACK | TH_FIN, ciss + 301, cisn + 1 + REQ_LEN + sizeof(up) + 1, 65535,
		 NULL, 0);
	p.rcv++;
	c_send(t, &p, TH_ACK, NULL, 0);
	expect_s(t, &b, TH_ACK, siss + 2 + sent + sizeof(up), sisn + 302, p.win, NULL, 0);
	ck_assert_uint_eq(slot_state(&p), PX_LINGER);
}

START_TEST(request_hook_grows_and_shrinks_across_wraparound)
{
	struct px_test t;

	px_load(&t, "\"hooks\": [\"test_px_resize\"], \"linger_ms\": 30");
	resize_calls = 0;
	/* Grown by 37: the client's numbers wrap inside the request, ours toward
	 * it just after the SYN-ACK, ours toward the backend inside what it gets,
	 * the backend's inside the response. */
	resized_exchange(&t, 40001, 37, 0xFFFFFFF0u, 0xFFFFFFFAu, 0xFFFFFF00u, 0xFFFFFFFEu);
	ck_assert_uint_eq(resize_calls, 1);
	/* Shrunk by 7, wrapping elsewhere. */
	resized_exchange(&t, 40002, -7, 0x7FFFFFF5u, 0xFFFFFF9Cu, 0xFFFFFFFFu, 0xFFFFFFF0u);
	/* Unchanged length, the ACK floor exactly at 0 (client ISN + 1 + 18 wraps
	 * to 0: the floor must not be mistaken for "none"). */
	resized_exchange(&t, 40003, 0, 0xFFFFFFEDu, 5, 0x10, 0xFFFFFFFFu);
	ck_assert_uint_eq(resize_calls, 3);
	ck_assert_uint_eq(ctr(&t, "proxied"), 3);
	ck_assert_uint_eq(ctr(&t, "closed_both_ways"), 3);
	/* After the linger time the slots go. */
	double t0 = tt_ms_now();
	while (pxw()->free_count != pxw()->nb_slots && tt_ms_now() - t0 < 500) {
		harness_walk(t.h, 1);
		nfg_clock_advance_ms(0.2);
	}
	none(&t);
	assert_all_free();
	px_free(&t);
}
END_TEST

START_TEST(request_hook_to_the_cap_and_beyond)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;
	struct oseg o[4];

	px_load(&t, "\"hooks\": [\"test_px_resize\"], \"inspect_bytes\": 100");
	/* Exactly cap (inspect_bytes + PX_HOOK_ROOM): sent in MSS-sized segments. */
	resize_mode = RESIZE_TO_CAP;
	c_open(&t, &p, 40001, 1);
	c_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &p);
	s_expect_syn(&t, &b, &p, 0);
	ck_assert_uint_eq(s_accept(&t, &b, 1000, 65535, 1000, o, 4), 2);
	ck_assert_uint_eq(resize_cap_seen, 100 + PX_HOOK_ROOM);
	ck_assert_seg(&o[0], TH_ACK, b.iss + 1, 1001);
	ck_assert_uint_eq(o[0].len, 1000);
	ck_assert_mem_eq(o[0].data, REQ, REQ_LEN);
	ck_assert_seg(&o[1], TH_ACK | TH_PSH, b.iss + 1001, 1001);
	ck_assert_uint_eq(o[1].len, 100 + PX_HOOK_ROOM - 1000);
	for (uint32_t i = 0; i < o[1].len; i++)
		ck_assert_uint_eq(o[1].data[i], 'C');
	/* The backend ACKs the first segment only: the client's ACK stays put. */
	b.rcv = b.iss + 1001;
	s_send(&t, &b, TH_ACK, NULL, 0);
	expect_c(&t, &p, TH_ACK, p.iss + 1, p.snd, 65535, NULL, 0);
	ck_assert(!(pxw()->slots[p.slot].flags & PXF_HELD_ACKED));
	/* Client data follows the grown request in the backend's stream. */
	c_send(&t, &p, TH_ACK | TH_PSH, "abc", 3);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 1 + 100 + PX_HOOK_ROOM, 1001, p.win, "abc", 3);

	/* cap + 1 and a negative length: both sides reset, nothing sent. */
	const enum resize_mode bad[] = { RESIZE_CAP_PLUS_1, RESIZE_NEGATIVE };
	for (unsigned k = 0; k < 2; k++) {
		struct cpeer q;
		struct speer c;
		resize_mode = bad[k];
		c_open(&t, &q, (uint16_t)(40100 + k), 7);
		c_send(&t, &q, TH_ACK | TH_PSH, REQ, REQ_LEN);
		ack_owed(&t, &q);
		s_expect_syn(&t, &c, &q, 1 - k);
		ck_assert_uint_eq(s_accept(&t, &c, 50, 65535, 1460, o, 4), 1);
		to_server(&o[0], &c);
		ck_assert_seg(&o[0], TH_RST, c.iss + 1, 0);
		expect_c(&t, &q, TH_RST, q.iss + 1, 0, 100 - REQ_LEN, NULL, 0);
		assert_released(&q);
		ck_assert_uint_eq(ctr(&t, "closed_by_hook"), k + 1);
	}
	ck_assert_uint_eq(slot_state(&p), PX_SPLICE);
	px_free(&t);
}
END_TEST

/* ---- the proxy's own retransmission of the held payload -------------------------- */

START_TEST(held_payload_retransmitted_until_acked)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;
	struct oseg o[4];

	px_load(&t, "\"connect_rto_ms\": 30, \"connect_retries\": 4");
	c_open(&t, &p, 40001, 1000);
	c_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &p);
	s_expect_syn(&t, &b, &p, 0);
	double t0 = tt_ms_now();
	ck_assert_uint_eq(s_accept(&t, &b, 5000, 65535, 1460, o, 4), 1);
	ck_assert_seg(&o[0], TH_ACK | TH_PSH, b.iss + 1, 5001);

	/* Lost: the proxy sends it again itself after connect_rto_ms. */
	uint64_t rx = ctr(&t, "retransmits");
	wait_out(&t, 1000);
	ck_assert_msg(tt_ms_now() - t0 >= 25, "retransmitted after %.1f ms", tt_ms_now() - t0);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 1, 5001, 65535, REQ, REQ_LEN);
	none(&t);
	ck_assert_uint_eq(ctr(&t, "retransmits"), rx + 1);

	/* A partial ACK (10 of 18): to the client it is the proxy's ACK again; the
	 * next retransmission starts at the first byte not acknowledged. */
	b.rcv = b.iss + 11;
	s_send(&t, &b, TH_ACK, NULL, 0);
	expect_c(&t, &p, TH_ACK, p.iss + 1, 1019, 65535, NULL, 0);
	ck_assert(!(pxw()->slots[p.slot].flags & PXF_HELD_ACKED));
	t0 = tt_ms_now();
	wait_out(&t, 1000);
	ck_assert_msg(tt_ms_now() - t0 >= 25, "retransmitted after %.1f ms", tt_ms_now() - t0);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 11, 5001, 65535, REQ + 10, 8);

	/* All of it ACKed: the buffer goes back and nothing more is sent. */
	b.rcv = b.iss + 19;
	s_send(&t, &b, TH_ACK, NULL, 0);
	expect_c(&t, &p, TH_ACK, p.iss + 1, 1019, 65535, NULL, 0);
	ck_assert(pxw()->slots[p.slot].flags & PXF_HELD_ACKED);
	ck_assert_uint_eq(held_free(), pxw()->cfg->held_buffers);
	quiet_for(&t, 150);
	ck_assert_uint_eq(ctr(&t, "retransmits"), rx + 2);
	ck_assert_uint_eq(slot_state(&p), PX_SPLICE);
	px_free(&t);
}
END_TEST

START_TEST(held_payload_beyond_the_backend_window)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;
	struct oseg o[4];

	px_load(&t, "");
	c_open(&t, &p, 40001, 1000);
	c_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &p);
	s_expect_syn(&t, &b, &p, 0);
	/* The backend's window holds 10 bytes: the proxy sends 10. */
	ck_assert_uint_eq(s_accept(&t, &b, 5000, 10, 1460, o, 4), 1);
	ck_assert_seg(&o[0], TH_ACK, b.iss + 1, 5001);
	ck_assert_uint_eq(o[0].len, 10);
	ck_assert_mem_eq(o[0].data, REQ, 10);
	/* They are ACKed and the window opens: the other 8 go; the held payload
	 * is not done before they too are ACKed. */
	b.rcv = b.iss + 11;
	b.win = 100;
	s_send(&t, &b, TH_ACK, NULL, 0);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 11, 5001, 65535, REQ + 10, 8);
	expect_c(&t, &p, TH_ACK, p.iss + 1, 1019, 100, NULL, 0);
	ck_assert(!(pxw()->slots[p.slot].flags & PXF_HELD_ACKED));
	b.rcv = b.iss + 19;
	s_send(&t, &b, TH_ACK, NULL, 0);
	expect_c(&t, &p, TH_ACK, p.iss + 1, 1019, 100, NULL, 0);
	none(&t);
	ck_assert(pxw()->slots[p.slot].flags & PXF_HELD_ACKED);
	ck_assert_uint_eq(held_free(), pxw()->cfg->held_buffers);
	px_free(&t);
}
END_TEST

START_TEST(held_payload_never_acked_resets_both)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;
	struct oseg o[4];

	px_load(&t, "\"connect_rto_ms\": 20, \"connect_retries\": 1");
	c_open(&t, &p, 40001, 1000);
	c_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &p);
	s_expect_syn(&t, &b, &p, 0);
	ck_assert_uint_eq(s_accept(&t, &b, 5000, 65535, 1460, o, 4), 1);
	/* The backend says something (no ACK of the request) before going silent. */
	s_seg(&t, &b, TH_ACK | TH_PSH, b.snd, b.iss + 1, "hi", 2);
	expect_c(&t, &p, TH_ACK | TH_PSH, p.iss + 1, 1019, 65535, "hi", 2);
	wait_out(&t, 1000);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 1, 5001, 65535, REQ, REQ_LEN);
	/* One retransmission allowed: then both sides are reset, each at the
	 * sequence number it expects next. */
	wait_out(&t, 1000);
	harness_walk(t.h, 2);
	take1(&t, true, &o[0]);
	to_server(&o[0], &b);
	ck_assert_uint_eq(o[0].flags & TH_RST, TH_RST);
	ck_assert_uint_eq(o[0].seq, b.iss + 19);
	expect_c(&t, &p, TH_RST, p.iss + 3, 0, 4096 - REQ_LEN, NULL, 0);
	assert_released(&p);
	ck_assert_uint_eq(ctr(&t, "failed_timeout"), 2);
	assert_all_free();
	px_free(&t);
}
END_TEST

/* A client retransmission of the held bytes after the splice started must not
 * reach the backend where the rewritten request sits. */
START_TEST(client_retransmission_of_held_bytes_after_a_resize)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;
	struct oseg o[4];
	uint8_t want[64], seg[30];

	px_load(&t, "\"hooks\": [\"test_px_resize\"]");
	resize_mode = RESIZE_DELTA;
	resize_delta = 10;
	memset(want, 'H', 10);
	memcpy(want + 10, REQ, REQ_LEN);
	c_open(&t, &p, 40001, 1000);
	c_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &p);
	s_expect_syn(&t, &b, &p, 0);
	ck_assert_uint_eq(s_accept(&t, &b, 5000, 65535, 1460, o, 4), 1);
	ck_assert_uint_eq(o[0].len, REQ_LEN + 10);
	ck_assert_mem_eq(o[0].data, want, REQ_LEN + 10);

	/* The client did not get our ACK and sends the request again: only its
	 * ACK and window go on, at the end of what the backend got from us. */
	c_seg(&t, &p, TH_ACK | TH_PSH, 1001, p.rcv, REQ, REQ_LEN);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 1 + 28, 5001, p.win, NULL, 0);
	/* Part held, part new: only the new part goes on. */
	memcpy(seg, REQ + 8, 10);
	memcpy(seg + 10, "0123456789abcdefghij", 20);
	c_seg(&t, &p, TH_ACK | TH_PSH, 1009, p.rcv, seg, 30);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 1 + 28, 5001, p.win, seg + 10, 20);
	none(&t);
	/* The backend got it all. */
	b.rcv = b.iss + 1 + 28 + 20;
	s_send(&t, &b, TH_ACK, NULL, 0);
	expect_c(&t, &p, TH_ACK, p.iss + 1, 1019 + 20, 65535, NULL, 0);
	ck_assert_uint_eq(held_free(), pxw()->cfg->held_buffers);
	px_free(&t);
}
END_TEST

/* The engine keeps segments beyond a hole and hands them over whole once it
 * is filled: a client that sends beyond the window we announced must not get
 * more into the held buffer than inspect_bytes. */
START_TEST(out_of_order_beyond_the_window_cannot_overflow_the_held_buffer)
{
	struct px_test t;
	struct cpeer p;
	uint8_t big[1000];

	memset(big, 'z', sizeof(big));
	px_load(&t, MATCH_PARAMS("a") ", \"inspect_bytes\": 100");
	c_open(&t, &p, 40001, 1000);
	/* Eight segments of 1000 bytes after a 10-byte hole: each answered with
	 * a duplicate ACK (the window says 100) and not kept: beyond the window. */
	for (unsigned k = 0; k < 8; k++) {
		c_seg(&t, &p, TH_ACK, 1011 + 1000 * k, p.rcv, big, sizeof(big));
		expect_c(&t, &p, TH_ACK, p.iss + 1, 1001, 100, NULL, 0);
	}
	ck_assert_uint_eq(pxw()->ec.nb_ooo, 0);
	ck_assert_uint_eq(ctr(&t, "out_of_order"), 8);
	/* The hole is filled: only its 10 bytes are taken; the buffer holds no
	 * more than it may, and the client may send the rest again. */
	c_seg(&t, &p, TH_ACK, 1001, p.rcv, "GET / HTTP", 10);
	expect_c(&t, &p, TH_ACK, p.iss + 1, 1011, 90, NULL, 0);
	none(&t);
	ck_assert_uint_eq(pxw()->slots[p.slot].held_len, 10);
	ck_assert_uint_eq(pxw()->ec.nb_ooo, 0);
	ck_assert_uint_eq(ctr(&t, "attempted"), 0);
	px_free(&t);
}
END_TEST

/* A client segment beyond a hole, held while the backend was connected: the
 * splice does not keep it (the client sends it again, and that is spliced). */
START_TEST(out_of_order_client_segments_at_splice_start)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;
	struct oseg o[4];

	px_load(&t, "");
	c_open(&t, &p, 40001, 1000);
	c_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &p);
	s_expect_syn(&t, &b, &p, 0);
	c_seg(&t, &p, TH_ACK, 1029, p.rcv, "later", 5);
	expect_c(&t, &p, TH_ACK, p.iss + 1, 1019, 4096 - REQ_LEN, NULL, 0);
	/* That duplicate ACK could not wait, and it acknowledged the request too. */
	ck_assert(!(pxw()->slots[p.slot].flags & PXF_ACK_OWED));
	ck_assert_uint_eq(pxw()->ec.nb_ooo, 1);
	ck_assert_uint_eq(s_accept(&t, &b, 5000, 65535, 1460, o, 4), 1);
	ck_assert_uint_eq(o[0].len, REQ_LEN);
	ck_assert_uint_eq(pxw()->ec.nb_ooo, 0);
	ck_assert_uint_eq(pxw()->ec.conns[p.slot].ooo, 0);
	/* The hole and the segment, again: both spliced, in order. */
	c_seg(&t, &p, TH_ACK, 1019, p.rcv, "0123456789", 10);
	expect_s(&t, &b, TH_ACK, b.iss + 19, 5001, p.win, "0123456789", 10);
	c_seg(&t, &p, TH_ACK, 1029, p.rcv, "later", 5);
	expect_s(&t, &b, TH_ACK, b.iss + 29, 5001, p.win, "later", 5);
	px_free(&t);
}
END_TEST

/* A request the backend answers at once: its ACK rides on the answer, and no
 * ACK of the proxy's own follows later — the client side of a connection is
 * the SYN-ACK and what the backend sends. */
START_TEST(request_ack_rides_on_the_backend_answer)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;

	px_load(&t, "");
	splice_one(&t, &p, 40001, 1000, &b, 0, 5000);
	ck_assert(!(pxw()->slots[p.slot].flags & PXF_ACK_OWED));
	/* The proxy's own: the SYN-ACK; the SYN and the request to the backend. */
	ck_assert_uint_eq(ctr(&t, "segments_out"), 3);
	/* The response: the client's first ACK since the SYN-ACK covers its request. */
	s_send(&t, &b, TH_ACK | TH_PSH, "HTTP/1.1 200 OK\r\n\r\n", 19);
	expect_c(&t, &p, TH_ACK | TH_PSH, p.iss + 1, 1000 + 1 + REQ_LEN, 65535,
		 "HTTP/1.1 200 OK\r\n\r\n", 19);
	quiet_for(&t, 2 * PX_ACK_DELAY_US / 1000);
	ck_assert_uint_eq(ctr(&t, "segments_out"), 3);
	px_free(&t);
}
END_TEST

/* ---- how proxied connections end ------------------------------------------------- */

START_TEST(fin_both_ways_linger_then_free)
{
	struct px_test t;
	struct cpeer p, q;
	struct speer b, c;

	px_load(&t, "\"linger_ms\": 40, \"held_buffers\": 32");
	splice_one(&t, &p, 40001, 1000, &b, 0, 5000);
	splice_one(&t, &q, 40002, 2000, &c, 1, 6000);
	ck_assert_uint_eq(held_free(), 32);

	/* The client closes first: its FIN goes to the backend. */
	c_send(&t, &p, TH_ACK | TH_FIN, NULL, 0);
	expect_s(&t, &b, TH_ACK | TH_FIN, b.iss + 19, 5001, p.win, NULL, 0);
	ck_assert_uint_eq(slot_state(&p), PX_SPLICE);
	/* The backend's last data, then its FIN. */
	b.rcv++;
	s_send(&t, &b, TH_ACK | TH_PSH, "bye", 3);
	expect_c(&t, &p, TH_ACK | TH_PSH, p.iss + 1, 1020, 65535, "bye", 3);
	s_send(&t, &b, TH_ACK | TH_FIN, NULL, 0);
	expect_c(&t, &p, TH_ACK | TH_FIN, p.iss + 4, 1020, 65535, NULL, 0);
	/* Both FINs are out, but the backend's is not acknowledged yet: the
	 * connection is still spliced (a lost segment would still get through). */
	ck_assert_uint_eq(slot_state(&p), PX_SPLICE);
	/* The last ACK passes, and the linger time starts. */
	double t0 = tt_ms_now();
	p.rcv = p.iss + 5;
	c_send(&t, &p, TH_ACK, NULL, 0);
	expect_s(&t, &b, TH_ACK, b.iss + 20, 5005, p.win, NULL, 0);
	ck_assert_uint_eq(slot_state(&p), PX_LINGER);
	ck_assert_uint_eq(ctr(&t, "closed_both_ways"), 1);
	/* Then the slot goes, silently. */
	while (slot_state(&p) != PX_FREE) {
		ck_assert_msg(tt_ms_now() - t0 < 500, "still lingering");
		harness_walk(t.h, 1);
		nfg_clock_advance_ms(0.2);
	}
	ck_assert_msg(tt_ms_now() - t0 >= 35, "released after %.1f ms", tt_ms_now() - t0);
	none(&t);
	assert_released(&p);
	ck_assert_uint_eq(pxw()->free_count, pxw()->nb_slots - 1);
	ck_assert_uint_eq(ctr(&t, "completed"), 2);
	ck_assert_uint_eq(ctr(&t, "released"), 2);
	/* The other connection never noticed. */
	ck_assert_uint_eq(slot_state(&q), PX_SPLICE);
	c_send(&t, &q, TH_ACK | TH_PSH, "still here", 10);
	expect_s(&t, &c, TH_ACK | TH_PSH, c.iss + 19, 6001, q.win, "still here", 10);

	/* A straggler for the finished connection: answered with a RST. */
	c_send(&t, &p, TH_ACK, NULL, 0);
	expect_c(&t, &p, TH_RST, p.iss + 5, 0, 0, NULL, 0);

	/* The other one: the backend closes first this time. */
	c.rcv += 10;
	s_send(&t, &c, TH_ACK | TH_FIN, NULL, 0);
	expect_c(&t, &q, TH_ACK | TH_FIN, q.iss + 1, 2029, 65535, NULL, 0);
	q.rcv++;
	c_send(&t, &q, TH_ACK | TH_FIN, NULL, 0);
	expect_s(&t, &c, TH_ACK | TH_FIN, c.iss + 29, 6002, q.win, NULL, 0);
	ck_assert_uint_eq(slot_state(&q), PX_SPLICE);
	c.rcv++;
	s_send(&t, &c, TH_ACK, NULL, 0);
	expect_c(&t, &q, TH_ACK, q.iss + 2, 2030, 65535, NULL, 0);
	ck_assert_uint_eq(slot_state(&q), PX_LINGER);
	t0 = tt_ms_now();
	while (slot_state(&q) != PX_FREE) {
		ck_assert_msg(tt_ms_now() - t0 < 500, "still lingering");
		harness_walk(t.h, 1);
		nfg_clock_advance_ms(0.2);
	}
	none(&t);
	ck_assert_uint_eq(ctr(&t, "closed_both_ways"), 2);
	assert_all_free();
	px_free(&t);
}
END_TEST

/* The end of an echo over a link that reorders (test_nfproxy_loss): the
 * client closes, the backend sends its last bytes and FIN, the client
 * acknowledges everything — and then an older ACK of the client's, held back
 * by the link, reaches the backend, whose socket is gone: it answers with a
 * RST at that ACK. The RST still goes to the client (its receiver decides),
 * but the connection had ended well: it counts as completed on both sides,
 * not as reset. */
START_TEST(rst_after_fins_both_ways_ends_the_linger_not_the_connection)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;

	px_load(&t, "\"linger_ms\": 5000");
	splice_one(&t, &p, 40001, 1000, &b, 0, 5000);
	/* The backend echoes 11 bytes; the client's first ACK covers 5 of them
	 * and is held back by the link (it arrives at the very end). */
	s_send(&t, &b, TH_ACK | TH_PSH, "hello world", 11);
	expect_c(&t, &p, TH_ACK | TH_PSH, p.iss + 1, 1019, 65535, "hello world", 11);
	uint32_t late_ack = p.iss + 1 + 5;
	/* The client has all 11 and closes. */
	p.rcv = p.iss + 12;
	c_send(&t, &p, TH_ACK | TH_FIN, NULL, 0);
	expect_s(&t, &b, TH_ACK | TH_FIN, b.iss + 19, 5012, p.win, NULL, 0);
	/* The backend's FIN, acknowledged by the client: lingering. */
	b.rcv++;
	s_send(&t, &b, TH_ACK | TH_FIN, NULL, 0);
	expect_c(&t, &p, TH_ACK | TH_FIN, p.iss + 12, 1020, 65535, NULL, 0);
	p.rcv++;
	c_send(&t, &p, TH_ACK, NULL, 0);
	expect_s(&t, &b, TH_ACK, b.iss + 20, 5013, p.win, NULL, 0);
	ck_assert_uint_eq(slot_state(&p), PX_LINGER);
	ck_assert_uint_eq(ctr(&t, "closed_both_ways"), 1);
	/* The late ACK passes; the backend's socket is closed: RST at its ACK. */
	c_seg(&t, &p, TH_ACK, p.snd, late_ack, NULL, 0);
	expect_s(&t, &b, TH_ACK, b.iss + 20, 5006, p.win, NULL, 0);
	s_seg(&t, &b, TH_RST, 5006, 0, NULL, 0);
	expect_c(&t, &p, TH_RST, p.iss + 6, 0, 65535, NULL, 0);
	none(&t);
	assert_released(&p);
	/* Ended well, counted once: both sides completed, no reset. */
	ck_assert_uint_eq(ctr(&t, "proxied"), 1);
	ck_assert_uint_eq(ctr(&t, "closed_both_ways"), 1);
	ck_assert_uint_eq(ctr(&t, "reset_while_spliced"), 0);
	ck_assert_uint_eq(ctr(&t, "failed_reset"), 0);
	ck_assert_uint_eq(ctr(&t, "completed"), 2);
	ck_assert_uint_eq(ctr(&t, "released"), 2);
	assert_all_free();
	px_free(&t);
}
END_TEST

/* The client reuses its port while the finished connection lingers: a new
 * SYN (above the old sequence numbers) is a new connection, bound anew; an
 * old duplicate SYN is not. */
START_TEST(new_syn_during_linger_is_a_new_connection)
{
	struct px_test t;
	struct cpeer p, p2;
	struct speer b, b2;

	px_load(&t, "\"linger_ms\": 5000");
	splice_one(&t, &p, 40001, 1000, &b, 0, 5000);
	c_send(&t, &p, TH_ACK | TH_FIN, NULL, 0);
	expect_s(&t, &b, TH_ACK | TH_FIN, b.iss + 19, 5001, p.win, NULL, 0);
	b.rcv++;
	s_send(&t, &b, TH_ACK | TH_FIN, NULL, 0);
	expect_c(&t, &p, TH_ACK | TH_FIN, p.iss + 1, 1020, 65535, NULL, 0);
	p.rcv++;
	c_send(&t, &p, TH_ACK, NULL, 0);
	expect_s(&t, &b, TH_ACK, b.iss + 20, 5002, p.win, NULL, 0);
	ck_assert_uint_eq(slot_state(&p), PX_LINGER);
	uint32_t old_slot = p.slot;

	/* An old duplicate of the first SYN: it belongs to the old connection. */
	struct tseg syn = { .sport = 40001, .dport = 80, .seq = 1000, .flags = TH_SYN, .win = 100 };
	inject(&t, "inc", tseg_mbuf_between(&syn, CLI, VIP, CLI_MAC, PX_C_MAC));
	ck_assert_uint_eq(pxw()->slots[old_slot].state, PX_LINGER);
	ck_assert_uint_eq(ctr(&t, "accepted"), 1);
	harness_walk(t.h, 2);
	take(&t, false, NULL, 0);
	take(&t, true, NULL, 0);

	/* A new SYN: the old slot goes, the new connection is ours to answer. */
	c_syn(&t, &p2, 40001, 1020 + 100000);
	ck_assert_uint_eq(ctr(&t, "accepted"), 2);
	ck_assert_uint_eq(ctr(&t, "closed_both_ways"), 1);
	ck_assert_uint_eq(ctr(&t, "completed"), 2);
	c_ack(&t, &p2);
	c_send(&t, &p2, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &p2);
	s_expect_syn(&t, &b2, &p2, 1);
	/* The freed slot's state is reused at once (it is in the cache); its
	 * port is not: the backend gets the 4-tuple again as late as can be. */
	ck_assert_uint_eq(p2.slot, old_slot);
	ck_assert_uint_eq(b.pport, nth_port(&t, 0));
	ck_assert_uint_eq(b2.pport, nth_port(&t, 1));
	ck_assert_uint_eq(pxw()->free_count, pxw()->nb_slots - 1);
	px_free(&t);
}
END_TEST

START_TEST(rst_mid_splice_from_either_side)
{
	struct px_test t;
	struct cpeer p, q, r;
	struct speer b, c, d;

	px_load(&t, "");
	splice_one(&t, &p, 40001, 1000, &b, 0, 5000);
	splice_one(&t, &q, 40002, 2000, &c, 1, 6000);
	splice_one(&t, &r, 40003, 3000, &d, 0, 7000);

	/* From the client: forwarded (translated), both sides released, no RST of ours. */
	c_seg(&t, &p, TH_RST, p.snd, 0, NULL, 0);
	expect_s(&t, &b, TH_RST, b.iss + 19, 0, p.win, NULL, 0);
	none(&t);
	assert_released(&p);
	ck_assert_uint_eq(ctr(&t, "reset_while_spliced"), 1);

	/* From the backend, with ACK: both numbers translated. */
	s_send(&t, &c, TH_RST | TH_ACK, NULL, 0);
	expect_c(&t, &q, TH_RST | TH_ACK, q.iss + 1, 2019, 65535, NULL, 0);
	none(&t);
	assert_released(&q);
	ck_assert_uint_eq(ctr(&t, "reset_while_spliced"), 2);
	ck_assert_uint_eq(ctr(&t, "failed_reset"), 4);

	/* The third is untouched. */
	c_send(&t, &r, TH_ACK | TH_PSH, "x", 1);
	expect_s(&t, &d, TH_ACK | TH_PSH, d.iss + 19, 7001, r.win, "x", 1);
	px_free(&t);
}
END_TEST

START_TEST(idle_timeout_resets_both_sides)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;

	px_load(&t, "\"idle_timeout_ms\": 100");
	splice_one(&t, &p, 40001, 1000, &b, 0, 5000);
	s_send(&t, &b, TH_ACK | TH_PSH, "0123456789", 10);
	expect_c(&t, &p, TH_ACK | TH_PSH, p.iss + 1, 1019, 65535, "0123456789", 10);
	/* Traffic within the idle time keeps it alive. */
	nfg_clock_advance_ms(50);
	p.rcv += 10;
	c_send(&t, &p, TH_ACK | TH_PSH, "abc", 3);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 19, 5011, p.win, "abc", 3);
	double t0 = tt_ms_now();
	quiet_for(&t, 50);
	/* Then silence: a RST each, at what each side expects next. */
	wait_out(&t, 1000);
	ck_assert_msg(tt_ms_now() - t0 >= 95, "idle after %.1f ms", tt_ms_now() - t0);
	harness_walk(t.h, 2);
	expect_c(&t, &p, TH_RST, p.iss + 11, 0, 4096 - REQ_LEN, NULL, 0);
	expect_s(&t, &b, TH_RST, b.iss + 22, 0, 65535, NULL, 0);
	assert_released(&p);
	ck_assert_uint_eq(ctr(&t, "idle_timeouts"), 1);
	assert_all_free();
	px_free(&t);
}
END_TEST

/* A client that sends nothing first: at inspect_ms the policy decides
 * without payload, the backend speaks first, then nobody does. The backend
 * side's idle timer (nothing of ours outstanding there) may fire first: the
 * connection still ends as an idle timeout, not as two failed ones. */
START_TEST(idle_after_an_empty_first_payload)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;
	struct oseg o[4];

	px_load(&t, "\"idle_timeout_ms\": 100, \"inspect_ms\": 10");
	c_open(&t, &p, 40001, 1000);
	wait_out(&t, 1000);
	s_expect_syn(&t, &b, &p, 0);
	ck_assert_uint_eq(s_accept(&t, &b, 5000, 65535, 1460, o, 4), 1);
	ck_assert_uint_eq(o[0].len, 0);
	s_send(&t, &b, TH_ACK | TH_PSH, "BANNER", 6);
	take1(&t, false, &o[0]);
	ck_assert_uint_eq(o[0].len, 6);
	ck_assert_mem_eq(o[0].data, "BANNER", 6);
	wait_out(&t, 1000);
	harness_walk(t.h, 2);
	take1(&t, false, &o[0]);
	ck_assert_msg(o[0].flags & TH_RST, "to the client: %s", tt_flags(o[0].flags));
	take1(&t, true, &o[0]);
	ck_assert_msg(o[0].flags & TH_RST, "to the backend: %s", tt_flags(o[0].flags));
	ck_assert_uint_eq(ctr(&t, "idle_timeouts"), 1);
	assert_released(&p);
	assert_all_free();
	px_free(&t);
}
END_TEST

START_TEST(client_leaves_before_the_backend_answers)
{
	struct px_test t;
	struct cpeer p, q, r;
	struct speer b, c;
	struct oseg o[4];

	px_load(&t, MATCH_PARAMS("a"));
	/* A FIN without any payload: the client gave up. Reset, nothing to the backends. */
	c_open(&t, &p, 40001, 1000);
	c_send(&t, &p, TH_ACK | TH_FIN, NULL, 0);
	expect_c(&t, &p, TH_RST, p.iss + 1, 0, 4096, NULL, 0);
	none(&t);
	assert_released(&p);
	ck_assert_uint_eq(ctr(&t, "client_left_before_backend"), 1);

	/* A RST while the backend is being connected: the backend's half-open
	 * connection is reset too. */
	static const char head[] = "GET / HTTP/1.1\r\nHost: b.example\r\n\r\n";
	const uint32_t hl = (uint32_t)strlen(head);
	c_open(&t, &q, 40002, 2000);
	c_send(&t, &q, TH_ACK | TH_PSH, head, hl);
	ack_owed(&t, &q);
	s_expect_syn(&t, &b, &q, 1);
	c_seg(&t, &q, TH_RST, q.snd, 0, NULL, 0);
	expect_s(&t, &b, TH_RST, b.iss + 1, 0, 65535, NULL, 0);
	none(&t);
	assert_released(&q);
	ck_assert_uint_eq(ctr(&t, "client_left_before_backend"), 2);
	/* The backend's late SYN-ACK finds nothing: answered with a RST. */
	b.rcv = b.iss + 1;
	s_seg(&t, &b, TH_SYN | TH_ACK, 9000, b.iss + 1, NULL, 0);
	expect_s(&t, &b, TH_RST, b.iss + 1, 0, 0, NULL, 0);

	/* The request, then the client's FIN (it only sends): the FIN follows the
	 * request to the backend, the response comes back. */
	c_open(&t, &r, 40003, 3000);
	c_send(&t, &r, TH_ACK | TH_PSH, head, hl);
	ack_owed(&t, &r);
	s_expect_syn(&t, &c, &r, 1);
	c_send(&t, &r, TH_ACK | TH_FIN, NULL, 0);
	expect_c(&t, &r, TH_ACK, r.iss + 1, r.snd, 4096 - hl, NULL, 0);
	none(&t);
	ck_assert_uint_eq(s_accept(&t, &c, 8000, 65535, 1460, o, 4), 1);
	ck_assert_seg(&o[0], TH_ACK | TH_PSH | TH_FIN, c.iss + 1, 8001);
	ck_assert_uint_eq(o[0].len, hl);
	ck_assert_mem_eq(o[0].data, head, hl);
	c.rcv = c.iss + 2 + hl;
	s_send(&t, &c, TH_ACK | TH_PSH, "resp", 4);
	expect_c(&t, &r, TH_ACK | TH_PSH, r.iss + 1, r.snd, 65535, "resp", 4);
	ck_assert(pxw()->slots[r.slot].flags & PXF_HELD_ACKED);
	s_send(&t, &c, TH_ACK | TH_FIN, NULL, 0);
	expect_c(&t, &r, TH_ACK | TH_FIN, r.iss + 5, r.snd, 65535, NULL, 0);
	ck_assert_uint_eq(slot_state(&r), PX_SPLICE); /* the backend's FIN is not acked yet */
	r.rcv = r.iss + 6;
	c_send(&t, &r, TH_ACK, NULL, 0);
	expect_s(&t, &c, TH_ACK, c.iss + 2 + hl, 8006, r.win, NULL, 0);
	ck_assert_uint_eq(slot_state(&r), PX_LINGER);
	ck_assert_uint_eq(ctr(&t, "client_left_before_backend"), 2);
	px_free(&t);
}
END_TEST

START_TEST(backend_refuses_or_stays_silent)
{
	struct px_test t;
	struct cpeer p, q;
	struct speer b;

	px_load(&t, "\"connect_rto_ms\": 20, \"connect_retries\": 1");
	/* RST to our SYN: the client is reset. */
	c_open(&t, &p, 40001, 1000);
	c_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &p);
	s_expect_syn(&t, &b, &p, 0);
	s_seg(&t, &b, TH_RST | TH_ACK, 0, b.iss + 1, NULL, 0);
	expect_c(&t, &p, TH_RST, p.iss + 1, 0, 4096 - REQ_LEN, NULL, 0);
	none(&t);
	assert_released(&p);
	ck_assert_uint_eq(ctr(&t, "backend_failed"), 1);
	/* Counted once, by the backend's connection; the client's is one we reset. */
	ck_assert_uint_eq(ctr(&t, "failed_refused"), 1);
	ck_assert_uint_eq(ctr(&t, "aborted"), 1);
	ck_assert_uint_eq(ctr(&t, "proxied"), 0);

	/* Silence: the SYN once more after connect_rto_ms, then give up: RST to
	 * the backend, RST to the client. */
	c_open(&t, &q, 40002, 2000);
	double t_request = tt_ms_now();
	c_send(&t, &q, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &q);
	s_expect_syn(&t, &b, &q, 1);
	double t0 = tt_ms_now();
	wait_out(&t, 1000);
	ck_assert_msg(tt_ms_now() - t0 >= 15, "SYN again after %.1f ms", tt_ms_now() - t0);
	expect_s(&t, &b, TH_SYN, b.iss, 0, 65535, NULL, 0);
	/* No answer to carry the request's ACK: it goes alone, PX_ACK_DELAY_US
	 * after the request, so the client does not send the request again. */
	wait_out(&t, 1000);
	/* (Less 1 us: the engine's microseconds are whole ones.) */
	ck_assert_msg(tt_ms_now() - t_request >= (PX_ACK_DELAY_US - 1) / 1000.0,
		      "ACK after %.3f ms", tt_ms_now() - t_request);
	expect_c(&t, &q, TH_ACK, q.iss + 1, 2019, 4096 - REQ_LEN, NULL, 0);
	ck_assert(!(pxw()->slots[q.slot].flags & PXF_ACK_OWED));
	none(&t);
	wait_out(&t, 1000);
	ck_assert_msg(tt_ms_now() - t0 >= 50, "gave up after %.1f ms", tt_ms_now() - t0);
	harness_walk(t.h, 2);
	expect_s(&t, &b, TH_RST, b.iss + 1, 0, 65535, NULL, 0);
	expect_c(&t, &q, TH_RST, q.iss + 1, 0, 4096 - REQ_LEN, NULL, 0);
	assert_released(&q);
	ck_assert_uint_eq(ctr(&t, "backend_failed"), 2);
	ck_assert_uint_eq(ctr(&t, "failed_timeout"), 1);
	ck_assert_uint_eq(ctr(&t, "aborted"), 2);
	assert_all_free();
	px_free(&t);
}
END_TEST

/* Connection 0 (the first; round robin names a1) sends its request; a1
 * refuses; the same slot (and port) tries b1: its SYN in c. */
static void
a1_refuses_b1_tried(struct px_test *t, struct cpeer *p, struct speer *b, struct speer *c)
{
	c_open(t, p, 40001, 1000);
	c_send(t, p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(t, p);
	s_expect_syn(t, b, p, 0);
	s_seg(t, b, TH_RST | TH_ACK, 0, b->iss + 1, NULL, 0);
	s_expect_syn(t, c, p, 1);
}

START_TEST(retry_next_backend)
{
	struct px_test t;
	struct cpeer p, q;
	struct speer b, c;
	struct oseg o[4];

	px_load(&t, "\"retry_next_backend\": true");
	a1_refuses_b1_tried(&t, &p, &b, &c);
	ck_assert_uint_eq(c.pport, b.pport);
	none(&t);
	ck_assert_uint_eq(ctr(&t, "next_backend_tried"), 1);
	ck_assert_uint_eq(s_accept(&t, &c, 1, 65535, 1460, o, 4), 1);
	ck_assert_seg(&o[0], TH_ACK | TH_PSH, c.iss + 1, 2);
	ck_assert_mem_eq(o[0].data, REQ, REQ_LEN);
	ck_assert_uint_eq(ctr(&t, "backend b1"), 1);
	ck_assert_uint_eq(ctr(&t, "backend a1"), 0);
	/* The refusing backend's numbers mean nothing now: a segment from it is answered
	 * (RST) and does not disturb the splice. */
	s_seg(&t, &b, TH_ACK, 0, b.iss + 1, NULL, 0);
	expect_s(&t, &b, TH_RST, b.iss + 1, 0, 0, NULL, 0);
	ck_assert_uint_eq(slot_state(&p), PX_SPLICE);

	/* Both refuse: after one try each, the client is reset. */
	c_open(&t, &q, 40002, 2000);
	c_send(&t, &q, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &q);
	s_expect_syn(&t, &b, &q, 1); /* connection 1: b1 first */
	s_seg(&t, &b, TH_RST | TH_ACK, 0, b.iss + 1, NULL, 0);
	s_expect_syn(&t, &c, &q, 0);
	s_seg(&t, &c, TH_RST | TH_ACK, 0, c.iss + 1, NULL, 0);
	expect_c(&t, &q, TH_RST, q.iss + 1, 0, 4096 - REQ_LEN, NULL, 0);
	none(&t);
	assert_released(&q);
	ck_assert_uint_eq(ctr(&t, "next_backend_tried"), 2);
	ck_assert_uint_eq(ctr(&t, "backend_failed"), 1);
	px_free(&t);
}
END_TEST

/* With retry_next_backend, a backend whose connect just failed is passed over
 * (each client would wait its connect timeout, then go to the next anyway)
 * until backend_down_ms has passed; then it is tried again. */
START_TEST(a_backend_that_just_failed_is_passed_over)
{
	struct px_test t;
	struct cpeer p, q, r, v;
	struct speer b, c;
	struct oseg o[16];

	px_load(&t, "\"retry_next_backend\": true, \"backend_down_ms\": 50");
	a1_refuses_b1_tried(&t, &p, &b, &c);
	ck_assert_uint_eq(ctr(&t, "down_backend_passed_over"), 0);
	/* Connection 1: b1, as the policy says. */
	c_open(&t, &q, 40002, 2000);
	c_send(&t, &q, TH_ACK | TH_PSH, REQ, REQ_LEN);
	s_expect_syn(&t, &c, &q, 1);
	/* Connection 2: the policy says a1 again; it failed just now: b1, at once. */
	c_open(&t, &r, 40003, 3000);
	c_send(&t, &r, TH_ACK | TH_PSH, REQ, REQ_LEN);
	s_expect_syn(&t, &c, &r, 1);
	none(&t);
	ck_assert_uint_eq(ctr(&t, "down_backend_passed_over"), 1);
	ck_assert_uint_eq(ctr(&t, "next_backend_tried"), 1);
	/* 60 ms later (what the silent backends make the proxy send meanwhile
	 * does not matter here), connection 4 tries a1 again. */
	for (unsigned k = 0; k < 300; k++) {
		harness_walk(t.h, 1);
		nfg_clock_advance_ms(0.2);
	}
	take(&t, false, o, 16);
	take(&t, true, o, 16);
	struct cpeer u;
	c_open(&t, &u, 40004, 4000); /* connection 3: b1 */
	c_send(&t, &u, TH_ACK | TH_PSH, REQ, REQ_LEN);
	s_expect_syn(&t, &c, &u, 1);
	c_open(&t, &v, 40005, 5000);
	c_send(&t, &v, TH_ACK | TH_PSH, REQ, REQ_LEN);
	s_expect_syn(&t, &b, &v, 0);
	ck_assert_uint_eq(ctr(&t, "down_backend_passed_over"), 1);
	/* It answers: up again, and the next connection for it goes straight there. */
	ck_assert_uint_eq(s_accept(&t, &b, 1, 65535, 1460, o, 4), 1);
	ck_assert_uint_eq(slot_state(&v), PX_SPLICE);
	ck_assert_uint_eq(pxw()->down_until[0], 0);
	px_free(&t);
}
END_TEST

/* ---- bad input -------------------------------------------------------------------- */

START_TEST(policy_nonsense_resets_the_client)
{
	struct px_test t;
	static const int answers[] = { 2, 3, 64, 255, 256, 65536, INT_MAX, -3, -7, -1000, INT_MIN };

	px_load(&t, "\"policy\": \"test_px_nonsense\"");
	for (unsigned k = 0; k < RTE_DIM(answers); k++) {
		struct cpeer p;
		nonsense_answer = answers[k];
		c_open(&t, &p, (uint16_t)(41000 + k), 1000 * k);
		c_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
		expect_c(&t, &p, TH_RST, p.iss + 1, 0, 4096 - REQ_LEN, NULL, 0);
		none(&t);
		assert_released(&p);
		ck_assert_uint_eq(ctr(&t, "rejected_by_policy"), k + 1);
	}
	ck_assert_uint_eq(ctr(&t, "attempted"), 0);
	assert_all_free();
	/* A sensible answer still works. */
	struct cpeer p;
	struct speer b;
	nonsense_answer = 1;
	c_open(&t, &p, 42000, 1);
	c_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &p);
	s_expect_syn(&t, &b, &p, 1);
	px_free(&t);
}
END_TEST

START_TEST(syn_flood_beyond_the_table)
{
	struct px_test t;
	struct cpeer p[8], n;
	struct speer b;
	struct oseg o;

	px_load(&t, "\"src_ports\": \"20000-20007\"");
	ck_assert_uint_eq(pxw()->nb_slots, 8);
	for (unsigned k = 0; k < 8; k++)
		c_syn(&t, &p[k], (uint16_t)(30000 + k), 100 * k);
	/* Full of half-open connections: a new SYN takes the oldest one's place
	 * (silently: the flood's source gets no RST). */
	c_syn(&t, &n, 31000, 1);
	ck_assert_uint_eq(n.slot, p[0].slot);
	ck_assert_uint_eq(ctr(&t, "half_open_evicted"), 1);
	ck_assert_uint_eq(ctr(&t, "connection_table_full"), 0);
	/* Handshakes completed are never evicted: with none half open left, the
	 * next SYNs are counted and answered with RST. */
	for (unsigned k = 1; k < 8; k++)
		c_ack(&t, &p[k]);
	c_ack(&t, &n);
	for (unsigned k = 0; k < 100; k++) {
		struct tseg syn = { .sport = (uint16_t)(32000 + k), .dport = 80, .seq = 5000 + k,
				    .flags = TH_SYN, .win = 1000 };
		inject(&t, "inc", tseg_mbuf_between(&syn, CLI, VIP, CLI_MAC, PX_C_MAC));
		take1(&t, false, &o);
		ck_assert_seg(&o, TH_RST | TH_ACK, 0, 5001 + k);
		ck_assert_uint_eq(o.dport, 32000 + k);
	}
	none(&t);
	ck_assert_uint_eq(ctr(&t, "connection_table_full"), 100);
	ck_assert_uint_eq(ctr(&t, "half_open_evicted"), 1);
	ck_assert_uint_eq(ctr(&t, "accepted"), 9);
	ck_assert_uint_eq(pxw()->table.used, 8);
	/* The connections in the table are fine. */
	c_send(&t, &p[3], TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &p[3]);
	s_expect_syn(&t, &b, &p[3], 1); /* connection 3 */
	/* One leaves (RST): its slot takes the next SYN. */
	c_seg(&t, &p[5], TH_RST, p[5].snd, 0, NULL, 0);
	none(&t);
	assert_released(&p[5]);
	struct cpeer m;
	c_syn(&t, &m, 33000, 1);
	ck_assert_uint_eq(m.slot, p[5].slot);
	ck_assert_uint_eq(ctr(&t, "accepted"), 10);
	px_free(&t);
}
END_TEST

START_TEST(garbage_mid_splice_disturbs_nothing)
{
	struct px_test t;
	struct cpeer p, q;
	struct speer b, c;
	struct oseg o;
	uint8_t frame[256];

	px_load(&t, "");
	splice_one(&t, &p, 40001, 1000, &b, 0, 5000);
	splice_one(&t, &q, 40002, 2000, &c, 1, 6000);

	/* Client side: bad checksums, impossible flags. */
	struct tseg s = { .sport = p.port, .dport = 80, .seq = p.snd, .ack = p.rcv,
			  .flags = TH_ACK | TH_PSH, .win = p.win, .data = "evil", .len = 4 };
	s.bad_tcp_cksum = true;
	inject(&t, "inc", tseg_mbuf_between(&s, CLI, VIP, CLI_MAC, PX_C_MAC));
	s.bad_tcp_cksum = false;
	s.bad_ip_cksum = true;
	inject(&t, "inc", tseg_mbuf_between(&s, CLI, VIP, CLI_MAC, PX_C_MAC));
	s.bad_ip_cksum = false;
	ck_assert_uint_eq(ctr(&t, "bad_checksum"), 2);
	const uint8_t bad_flags[] = { TH_SYN | TH_FIN, TH_SYN | TH_RST, 0, TH_FIN, TH_PSH };
	for (unsigned k = 0; k < sizeof(bad_flags); k++) {
		s.flags = bad_flags[k];
		inject(&t, "inc", tseg_mbuf_between(&s, CLI, VIP, CLI_MAC, PX_C_MAC));
	}
	ck_assert_uint_eq(ctr(&t, "bad_segment"), sizeof(bad_flags));
	none(&t);

	/* Straight to the proxy, past parse: a truncated segment (IP length
	 * beyond the frame), a fragment, and something that is not TCP. */
	s.flags = TH_ACK;
	size_t len = tseg_frame_between(frame, &s, CLI, VIP, CLI_MAC, PX_C_MAC);
	struct rte_mbuf *m = harness_pkt(frame, len - 4);
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
	m->l2_len = 14;
	m->l3_len = 20;
	m->l4_len = 20;
	inject(&t, "rawc", m);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + 14);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	m = harness_pkt(frame, len);
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
	m->l2_len = 14;
	m->l3_len = 20;
	m->l4_len = 20;
	inject(&t, "rawc", m);
	ck_assert_uint_eq(ctr(&t, "bad_segment"), sizeof(bad_flags) + 2);
	m = harness_pkt(frame, len);
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_UDP;
	m->l2_len = 14;
	m->l3_len = 20;
	m->l4_len = 8;
	inject(&t, "raws", m);
	ck_assert_uint_eq(ctr(&t, "not_tcp_ipv4"), 1);
	none(&t);

	/* Server side: segments for slots nobody uses (answered with RST, from
	 * that port), below and above our ports, from a wrong address or port
	 * for a live slot (answered, nothing else), a RST from a stranger
	 * (dropped), a bad checksum from the real backend (dropped). */
	t.any_server_dst = true;
	uint64_t noconn = ctr(&t, "no_connection");
	struct speer x = b;
	x.pport = nth_port(&t, 5);
	s_seg(&t, &x, TH_ACK, 1, 2, NULL, 0);
	take1(&t, true, &o);
	ck_assert_seg(&o, TH_RST, 2, 0);
	ck_assert_uint_eq(o.sport, nth_port(&t, 5));
	x.pport = 19999;
	s_seg(&t, &x, TH_ACK, 1, 3, NULL, 0);
	take1(&t, true, &o);
	ck_assert_seg(&o, TH_RST, 3, 0);
	x.pport = 20032;
	s_seg(&t, &x, TH_ACK, 1, 4, NULL, 0);
	take1(&t, true, &o);
	ck_assert_seg(&o, TH_RST, 4, 0);
	x = b;
	x.ip = "198.19.1.99";
	s_seg(&t, &x, TH_ACK | TH_PSH, b.snd, b.rcv, "evil", 4);
	take1(&t, true, &o);
	ck_assert_uint_eq(o.dst_ip, ip4("198.19.1.99"));
	ck_assert_seg(&o, TH_RST, b.rcv, 0);
	x = c; /* c's address, b's slot */
	x.pport = b.pport;
	s_seg(&t, &x, TH_ACK | TH_PSH, c.snd, c.rcv, "evil", 4);
	take1(&t, true, &o);
	ck_assert_uint_eq(o.dst_ip, ip4(B2));
	x = b;
	x.port = 81;
	s_seg(&t, &x, TH_RST, b.snd, 0, NULL, 0);
	ck_assert_uint_eq(ctr(&t, "no_connection"), noconn + 5);
	ck_assert_uint_eq(ctr(&t, "rst_no_connection"), 1);
	none(&t);
	t.any_server_dst = false;
	struct tseg bs = { .sport = b.port, .dport = b.pport, .seq = b.snd, .ack = b.rcv,
			   .flags = TH_RST, .win = 0, .bad_tcp_cksum = true };
	inject(&t, "ins", tseg_mbuf_between(&bs, B1, SRC, SRV_MAC, PX_S_MAC));
	ck_assert_uint_eq(ctr(&t, "bad_checksum"), 3);
	none(&t);

	/* Both connections go on as before. */
	ck_assert_uint_eq(slot_state(&p), PX_SPLICE);
	ck_assert_uint_eq(slot_state(&q), PX_SPLICE);
	c_send(&t, &p, TH_ACK | TH_PSH, "good", 4);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 19, 5001, p.win, "good", 4);
	s_send(&t, &c, TH_ACK | TH_PSH, "fine", 4);
	expect_c(&t, &q, TH_ACK | TH_PSH, q.iss + 1, 2019, 65535, "fine", 4);
	ck_assert_uint_eq(ctr(&t, "reset_while_spliced"), 0);
	px_free(&t);
}
END_TEST

START_TEST(held_buffers_exhausted)
{
	struct px_test t;
	struct cpeer p[17];
	struct speer b;
	struct oseg o[4];
	static const char head[] = "GET / HTTP/1.1\r\n";
	static const char rest[] = "Host: a.example\r\n\r\n";
	const uint32_t hl = (uint32_t)strlen(head), rl = (uint32_t)strlen(rest);

	px_load(&t, MATCH_PARAMS("a") ", \"held_buffers\": 16");
	for (unsigned k = 0; k < 16; k++) {
		c_open(&t, &p[k], (uint16_t)(40000 + k), 1000 * k);
		c_send(&t, &p[k], TH_ACK, head, hl);
		expect_c(&t, &p[k], TH_ACK, p[k].iss + 1, p[k].snd, 4096 - hl, NULL, 0);
	}
	none(&t);
	ck_assert_uint_eq(held_free(), 0);
	/* The 17th connects (no buffer needed yet), but its payload has nowhere to go. */
	c_open(&t, &p[16], 40016, 99);
	c_send(&t, &p[16], TH_ACK, head, hl);
	expect_c(&t, &p[16], TH_RST, p[16].iss + 1, 0, 4096, NULL, 0);
	none(&t);
	assert_released(&p[16]);
	ck_assert_uint_eq(ctr(&t, "no_held_buffer"), 1);
	/* The others are undisturbed: one completes its head and is proxied. */
	c_send(&t, &p[7], TH_ACK | TH_PSH, rest, rl);
	ack_owed(&t, &p[7]);
	s_expect_syn(&t, &b, &p[7], 0);
	ck_assert_uint_eq(s_accept(&t, &b, 1, 65535, 1460, o, 4), 1);
	ck_assert_uint_eq(o[0].len, hl + rl);
	b.rcv = b.iss + 1 + hl + rl;
	s_send(&t, &b, TH_ACK, NULL, 0);
	expect_c(&t, &p[7], TH_ACK, p[7].iss + 1, p[7].snd, 65535, NULL, 0);
	ck_assert_uint_eq(held_free(), 1);
	/* Now there is room for one more. */
	c_open(&t, &p[16], 40017, 98);
	c_send(&t, &p[16], TH_ACK, head, hl);
	expect_c(&t, &p[16], TH_ACK, p[16].iss + 1, p[16].snd, 4096 - hl, NULL, 0);
	ck_assert_uint_eq(held_free(), 0);
	/* Every client resets: all buffers back, the table empty. */
	for (unsigned k = 0; k < 17; k++)
		c_seg(&t, &p[k], TH_RST, p[k].snd, 0, NULL, 0);
	expect_s(&t, &b, TH_RST, b.iss + 1 + hl + rl, 0, p[7].win, NULL, 0);
	none(&t);
	assert_all_free();
	px_free(&t);
}
END_TEST

/* Data hooks that change lengths, both ways: everything after moves, the
 * ACKs coming back move the other way, a retransmission is changed alike and
 * stays consistent, and a different change to the same bytes resets. */
START_TEST(data_hooks_change_lengths_both_ways)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;

	px_load(&t, "\"hooks\": [\"test_px_edit\"]");
	splice_one(&t, &p, 40001, 1000, &b, 0, 5000);
	/* Server to client: 4 bytes become 6. */
	s_send(&t, &b, TH_ACK | TH_PSH, "grow", 4);
	expect_c(&t, &p, TH_ACK | TH_PSH, p.iss + 1, 1019, 65535, "grow++", 6);
	/* 9 bytes become 6, 6 bytes further on for the client. */
	s_send(&t, &b, TH_ACK | TH_PSH, "shrinking", 9);
	expect_c(&t, &p, TH_ACK | TH_PSH, p.iss + 7, 1019, 65535, "shrink", 6);
	/* The client acknowledges its 12 bytes: the server sees its own 13. */
	p.rcv = p.iss + 13;
	c_send(&t, &p, TH_ACK, NULL, 0);
	expect_s(&t, &b, TH_ACK, b.iss + 19, 5014, p.win, NULL, 0);
	/* Half-way: the 6 bytes of "grow++" are the server's 4. */
	p.rcv = p.iss + 7;
	c_seg(&t, &p, TH_ACK, p.snd, p.rcv, NULL, 0);
	expect_s(&t, &b, TH_ACK, b.iss + 19, 5005, p.win, NULL, 0);
	/* The server sends "grow" again (a retransmission): the same change. */
	s_seg(&t, &b, TH_ACK | TH_PSH, 5001, b.rcv, "grow", 4);
	expect_c(&t, &p, TH_ACK | TH_PSH, p.iss + 1, 1019, 65535, "grow++", 6);
	/* Client to server: the same, the other way. */
	c_send(&t, &p, TH_ACK | TH_PSH, "grow", 4);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 19, 5005, p.win, "grow++", 6);
	c_send(&t, &p, TH_ACK | TH_PSH, "tail", 4);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 25, 5005, p.win, "tail", 4);
	/* The server acknowledges all 10 of its bytes: the client sees its 8. */
	b.rcv = b.iss + 29;
	s_send(&t, &b, TH_ACK, NULL, 0);
	expect_c(&t, &p, TH_ACK, p.iss + 13, 1027, 65535, NULL, 0);
	ck_assert_uint_eq(pxw()->slots[p.slot].nb_shifts[0], 1);
	ck_assert_uint_eq(pxw()->slots[p.slot].nb_shifts[1], 2);
	/* A change inside bytes already sent (a different segmentation of them):
	 * no consistent translation exists, so both sides are reset. */
	s_seg(&t, &b, TH_ACK | TH_PSH, 5003, b.rcv, "shrinkage", 9);
	expect_c(&t, &p, TH_RST, p.iss + 13, 0, 4096 - REQ_LEN, NULL, 0);
	expect_s(&t, &b, TH_RST, b.iss + 29, 0, 65535, NULL, 0);
	ck_assert_uint_eq(ctr(&t, "closed_by_hook"), 1);
	assert_released(&p);
	assert_all_free();
	px_free(&t);
}
END_TEST

/* A data hook may change lengths PX_MAX_SHIFTS times a direction (each one is
 * remembered for retransmissions); one more resets both sides and is counted
 * as such, not as the hook's closing. */
START_TEST(data_hook_resizes_beyond_the_limit)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;

	px_load(&t, "\"hooks\": [\"test_px_edit\"]");
	splice_one(&t, &p, 40002, 1000, &b, 0, 5000);
	for (unsigned k = 0; k < PX_MAX_SHIFTS; k++) {
		s_send(&t, &b, TH_ACK | TH_PSH, "grow", 4);
		expect_c(&t, &p, TH_ACK | TH_PSH, p.iss + 1 + 6 * k, 1019, 65535, "grow++", 6);
	}
	s_send(&t, &b, TH_ACK | TH_PSH, "grow", 4);
	expect_c(&t, &p, TH_RST, p.iss + 1 + 6 * PX_MAX_SHIFTS, 0, 4096 - REQ_LEN, NULL, 0);
	expect_s(&t, &b, TH_RST, b.iss + 19, 0, 65535, NULL, 0);
	ck_assert_uint_eq(ctr(&t, "hook_resizes_over_limit"), 1);
	ck_assert_uint_eq(ctr(&t, "closed_by_hook"), 0);
	assert_released(&p);
	assert_all_free();
	px_free(&t);
}
END_TEST

START_TEST(data_hook_changes_payload_in_place)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;

	px_load(&t, "\"hooks\": [\"test_px_upper\"]");
	upper_calls = 0;
	splice_one(&t, &p, 40001, 1000, &b, 0, 5000);
	ck_assert_uint_eq(upper_calls, 0); /* not for the held request, not for bare ACKs */
	/* Changed bytes, and checksums that match them (odd length too). */
	s_send(&t, &b, TH_ACK | TH_PSH, "hello, world", 12);
	expect_c(&t, &p, TH_ACK | TH_PSH, p.iss + 1, 1019, 65535, "HELLO, WORLD", 12);
	p.rcv += 12;
	c_send(&t, &p, TH_ACK | TH_PSH, "thanks", 6);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 19, 5013, p.win, "THANKS", 6);
	c_send(&t, &p, TH_ACK | TH_PSH, "abc", 3);
	expect_s(&t, &b, TH_ACK | TH_PSH, b.iss + 25, 5013, p.win, "ABC", 3);
	ck_assert_uint_eq(upper_calls, 3);
	/* The hook closes: both reset, nothing forwarded. */
	s_send(&t, &b, TH_ACK | TH_PSH, "CLOSE now", 9);
	expect_c(&t, &p, TH_RST, p.iss + 13, 0, 4096 - REQ_LEN, NULL, 0);
	expect_s(&t, &b, TH_RST, b.iss + 28, 0, 65535, NULL, 0);
	assert_released(&p);
	ck_assert_uint_eq(ctr(&t, "closed_by_hook"), 1);
	assert_all_free();
	px_free(&t);
}
END_TEST

/* ---- immediate binding -------------------------------------------------------------- */

/* Immediate binding counts a connection proxied when the backend answers its
 * SYN, not when the SYN goes: a backend that refuses is a failure (it showed
 * among the proxied, a helper found, with backend_failed 0). */
START_TEST(immediate_binding_counts_a_refusing_backend_failed)
{
	struct px_test t;
	struct cpeer p = { .ip = CLI, .port = 40002, .win = 29200 };
	struct speer b = { .ip = B1, .port = 80, .win = 8000 };
	struct oseg o;
	const uint32_t cisn = 5000;

	px_load(&t, "\"binding\": \"immediate\"");
	b.pport = nth_port(&t, 0);
	struct tseg syn = { .sport = p.port, .dport = 80, .seq = cisn, .flags = TH_SYN,
			    .win = 29200 };
	inject(&t, "inc", tseg_mbuf_between(&syn, CLI, VIP, CLI_MAC, PX_C_MAC));
	take1(&t, true, &o);
	to_server(&o, &b);
	p.slot = slot_of(&p);
	/* The backend refuses: its RST reaches the client, the slot goes. */
	s_seg(&t, &b, TH_RST | TH_ACK, 0, cisn + 1, NULL, 0);
	take1(&t, false, &o);
	ck_assert_seg(&o, TH_RST | TH_ACK, 0, cisn + 1);
	none(&t);
	ck_assert_uint_eq(ctr(&t, "proxied"), 0);
	ck_assert_uint_eq(ctr(&t, "backend a1"), 0);
	ck_assert_uint_eq(ctr(&t, "backend_failed"), 1);
	assert_released(&p);
	assert_all_free();
	px_free(&t);
}
END_TEST

/* Each run takes its backend-side ports from a random place: a restarted
 * proxy starting at the first port again met the backend's TIME_WAIT of the
 * last run's 4-tuples, and in immediate binding the client's sequence
 * numbers do not get past it (a helper's curls hung, 7 of 10). Four runs:
 * one start for all would happen once in 32^3. */
START_TEST(each_run_starts_its_ports_at_a_random_place)
{
	struct px_test t;
	uint32_t starts[4];

	for (unsigned r = 0; r < 4; r++) {
		px_load(&t, "\"binding\": \"immediate\"");
		starts[r] = t.port_start;
		ck_assert_uint_lt(starts[r], pxw()->nb_slots);
		px_free(&t);
	}
	ck_assert_msg(starts[0] != starts[1] || starts[1] != starts[2] || starts[2] != starts[3],
		      "every run started at port %u", PORT_LO + starts[0]);
}
END_TEST

/* The policy chooses at the SYN and the proxy is a NAT: the handshake and
 * everything after it pass with addresses and ports rewritten, sequence and
 * ACK numbers untouched (here in the upper half of the number space, where a
 * stale "acknowledged so far" of 0 would cut data and floor ACKs). */
START_TEST(immediate_binding_is_a_nat)
{
	struct px_test t;
	struct cpeer p = { .ip = CLI, .port = 40001, .win = 29200 };
	struct speer b = { .ip = B1, .port = 80, .win = 8000 };
	struct oseg o;
	static const uint8_t mss_opt[4] = { 2, 4, 0x05, 0x78 };
	const uint32_t cisn = 0x90000000u, sisn = 0xA0000000u;

	px_load(&t, "\"binding\": \"immediate\"");
	b.pport = nth_port(&t, 0);
	struct tseg syn = { .sport = p.port, .dport = 80, .seq = cisn, .flags = TH_SYN,
			    .win = 29200, .opt = mss_opt, .optlen = 4 };
	inject(&t, "inc", tseg_mbuf_between(&syn, CLI, VIP, CLI_MAC, PX_C_MAC));
	take1(&t, true, &o);
	to_server(&o, &b);
	ck_assert_seg(&o, TH_SYN, cisn, 0);
	ck_assert_uint_eq(o.mss, 1400); /* the client's own option */
	ck_assert_uint_eq(o.win, 29200);
	none(&t);
	p.slot = slot_of(&p);
	ck_assert_uint_eq(slot_state(&p), PX_SPLICE);
	ck_assert_uint_eq(ctr(&t, "proxied"), 0); /* not before the backend answers */

	s_seg(&t, &b, TH_SYN | TH_ACK, sisn, cisn + 1, NULL, 0);
	expect_c(&t, &p, TH_SYN | TH_ACK, sisn, cisn + 1, 8000, NULL, 0);
	ck_assert_uint_eq(ctr(&t, "proxied"), 1);
	ck_assert_uint_eq(ctr(&t, "backend a1"), 1);
	c_seg(&t, &p, TH_ACK | TH_PSH, cisn + 1, sisn + 1, REQ, REQ_LEN);
	expect_s(&t, &b, TH_ACK | TH_PSH, cisn + 1, sisn + 1, 29200, REQ, REQ_LEN);
	s_seg(&t, &b, TH_ACK | TH_PSH, sisn + 1, cisn + 1 + REQ_LEN, "reply", 5);
	expect_c(&t, &p, TH_ACK | TH_PSH, sisn + 1, cisn + 1 + REQ_LEN, 8000, "reply", 5);
	/* An old ACK passes as it is: the proxy acknowledged nothing itself. */
	s_seg(&t, &b, TH_ACK, sisn + 6, cisn + 1, NULL, 0);
	expect_c(&t, &p, TH_ACK, sisn + 6, cisn + 1, 8000, NULL, 0);
	ck_assert_uint_eq(held_free(), pxw()->cfg->held_buffers);

	/* The client resets: forwarded, released. */
	c_seg(&t, &p, TH_RST, cisn + 1 + REQ_LEN, 0, NULL, 0);
	expect_s(&t, &b, TH_RST, cisn + 1 + REQ_LEN, 0, 29200, NULL, 0);
	none(&t);
	assert_released(&p);
	assert_all_free();
	px_free(&t);

	/* A policy that answers nonsense at the SYN (asked with no payload, at a
	 * real address): the client is reset, the backends hear nothing. */
	px_load(&t, "\"binding\": \"immediate\", \"policy\": \"test_px_nonsense\"");
	nonsense_answer = 7;
	nonsense_null_payload = false;
	inject(&t, "inc", tseg_mbuf_between(&syn, CLI, VIP, CLI_MAC, PX_C_MAC));
	expect_c(&t, &p, TH_RST | TH_ACK, 0, cisn + 1, 0, NULL, 0);
	none(&t);
	ck_assert(!nonsense_null_payload);
	ck_assert_uint_eq(ctr(&t, "rejected_by_policy"), 1);
	assert_all_free();
	px_free(&t);
}
END_TEST

/* ---- RFC 7323 options across the two legs --------------------------------------- */

/* The backend's SYN-ACK with raw options; returns what the proxy sent it. */
static unsigned
s_accept_opt(struct px_test *t, struct speer *b, uint32_t isn, const uint8_t *opt,
	     uint8_t optlen, struct oseg *o, unsigned max)
{
	struct tseg s = { .sport = b->port, .dport = b->pport, .seq = isn, .ack = b->iss + 1,
			  .flags = TH_SYN | TH_ACK, .win = b->win, .opt = opt, .optlen = optlen };

	b->isn = isn;
	b->snd = isn + 1;
	b->rcv = b->iss + 1;
	inject(t, "ins", tseg_mbuf_between(&s, b->ip, SRC, SRV_MAC, PX_S_MAC));
	unsigned n = take(t, true, o, max);
	for (unsigned i = 0; i < n && i < max; i++)
		to_server(&o[i], b);
	return n;
}

/* The response crosses, byte-exact, and the client's next ACK goes back. */
static void
exchange_exact(struct px_test *t, struct cpeer *p, struct speer *b, uint16_t s_win_to_client,
	       uint16_t c_win_to_server)
{
	static char resp[1200];

	for (unsigned k = 0; k < sizeof(resp); k++)
		resp[k] = (char)('A' + k * 7 % 26);
	s_send(t, b, TH_ACK | TH_PSH, resp, sizeof(resp));
	expect_c(t, p, TH_ACK | TH_PSH, p->rcv, p->snd, s_win_to_client, resp, sizeof(resp));
	p->rcv += sizeof(resp);
	c_send(t, p, TH_ACK | TH_PSH, "next", 4);
	expect_s(t, b, TH_ACK | TH_PSH, b->rcv, b->snd, c_win_to_server, "next", 4);
	b->rcv += 4;
}

/* Delayed binding between a client that offers window scaling and timestamps
 * and a backend that offers neither: the client gets our scale and no
 * timestamps; each side's windows reach the other in the other's scale. */
START_TEST(delayed_binding_client_scales_backend_does_not)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;
	struct oseg o[4];
	/* MSS 1400, NOP NOP TS 100/0, NOP WS 6 */
	static const uint8_t syn_opt[] = { 2, 4, 0x05, 0x78, 1, 1, 8, 10, 0, 0, 0, 100, 0, 0, 0, 0,
					   1, 3, 3, 6 };
	static const uint8_t mss_only[] = { 2, 4, 0x05, 0xb4 };

	px_load(&t, "");
	memset(&p, 0, sizeof(p));
	p.ip = CLI;
	p.port = 40101;
	p.win = 29200;
	c_seg_opt(&t, &p, TH_SYN, 7000, 0, syn_opt, sizeof(syn_opt), NULL, 0);
	take1(&t, false, &o[0]);
	to_client(&o[0], &p);
	ck_assert_seg(&o[0], TH_SYN | TH_ACK, o[0].seq, 7001);
	ck_assert_uint_eq(o[0].mss, 1460);
	ck_assert_int_eq(o[0].wscale, 7);
	ck_assert(!o[0].ts); /* stripped: the backend's answer is not known yet */
	ck_assert_uint_eq(o[0].win, 4096); /* a SYN's window is not scaled */
	p.isn = 7000;
	p.snd = 7001;
	p.iss = o[0].seq;
	p.rcv = o[0].seq + 1;
	p.slot = slot_of(&p);
	const struct tcp_conn *cc = &pxw()->ec.conns[p.slot];
	ck_assert_uint_eq(cc->opts, TO_WSCALE);
	ck_assert_uint_eq(cc->snd_shift, 6);
	ck_assert_uint_eq(cc->rcv_shift, 7);
	c_ack(&t, &p);
	/* The held-payload window, in units of 128 bytes, rounded down: its
	 * right edge never past the held buffer (rounded up, it invited 127
	 * bytes more than the buffer holds; Linux sent them, they were dropped,
	 * and came again only on its RTO). */
	c_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &p);
	ck_assert_uint_le(p.snd - 7001 + (4096 - REQ_LEN) / 128 * 128, 4096);

	s_expect_syn(&t, &b, &p, 0); /* MSS and WS 7, no timestamps */
	b.win = 8192;
	ck_assert_uint_eq(s_accept_opt(&t, &b, 3000, mss_only, sizeof(mss_only), o, 4), 1);
	ck_assert_seg(&o[0], TH_ACK | TH_PSH, b.iss + 1, 3001);
	ck_assert_uint_eq(o[0].optlen, 0);
	ck_assert_uint_eq(o[0].win, 65535); /* unscaled toward it */
	ck_assert_mem_eq(o[0].data, REQ, REQ_LEN);
	const struct tcp_conn *sc = &pxw()->es.conns[p.slot];
	ck_assert_uint_eq(sc->opts, 0);
	ck_assert_uint_eq(sc->snd_shift + sc->rcv_shift, 0);
	ck_assert_uint_eq(slot_state(&p), PX_SPLICE);

	/* The backend's 8192 bytes are 64 units of the client's scale; the
	 * client's 29200 units of 64 bytes are more than 64 KB unscaled. */
	b.rcv = b.iss + 1 + REQ_LEN;
	s_send(&t, &b, TH_ACK, NULL, 0);
	expect_c(&t, &p, TH_ACK, p.iss + 1, p.snd, 64, NULL, 0);
	exchange_exact(&t, &p, &b, 64, 65535);
	p.win = 100; /* 6400 bytes */
	b.win = 1000; /* 1000 bytes: 7.8 units, announced as 7 (never more than it takes) */
	exchange_exact(&t, &p, &b, 7, 6400);
	ck_assert_uint_eq(ctr(&t, "option_bad_length") + ctr(&t, "option_repeated"), 0);
	px_free(&t);
}
END_TEST

/* The reverse: a client without options, a backend offering window scaling
 * (shift 9), SACK-permitted and timestamps. */
START_TEST(delayed_binding_backend_scales_client_does_not)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;
	struct oseg o[4];
	/* MSS 1460, SACK-permitted, TS 5000/x, NOP WS 9 */
	static const uint8_t synack_opt[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x13, 0x88,
					      0, 0, 0, 1, 1, 3, 3, 9 };

	px_load(&t, "");
	c_open(&t, &p, 40102, 9000); /* MSS only: our SYN-ACK has MSS only */
	const struct tcp_conn *cc = &pxw()->ec.conns[p.slot];
	ck_assert_uint_eq(cc->opts, 0);
	c_send(&t, &p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	ack_owed(&t, &p);
	s_expect_syn(&t, &b, &p, 0);
	b.win = 100; /* a SYN-ACK's window: 100 bytes, not scaled */
	ck_assert_uint_eq(s_accept_opt(&t, &b, 0xfffff000u, synack_opt, sizeof(synack_opt), o, 4),
			  1);
	const struct tcp_conn *sc = &pxw()->es.conns[p.slot];
	ck_assert_uint_eq(sc->opts, TO_WSCALE); /* timestamps not agreed: we did not offer */
	ck_assert_uint_eq(sc->snd_shift, 9);
	ck_assert_uint_eq(sc->rcv_shift, 7);
	ck_assert_seg(&o[0], TH_ACK | TH_PSH, b.iss + 1, 0xfffff001u);
	ck_assert_uint_eq(o[0].optlen, 0);
	ck_assert_uint_eq(o[0].win, 512); /* 65535 bytes in units of 128, rounded up */
	ck_assert_mem_eq(o[0].data, REQ, REQ_LEN);

	/* The backend's 100 units of 512 bytes reach the client unscaled. */
	b.rcv = b.iss + 1 + REQ_LEN;
	b.win = 100;
	s_send(&t, &b, TH_ACK, NULL, 0);
	expect_c(&t, &p, TH_ACK, p.iss + 1, p.snd, 51200, NULL, 0);
	/* The client's 29200 bytes are 228.1 units of 128 toward the backend: 228. */
	exchange_exact(&t, &p, &b, 51200, 228);
	b.win = 300; /* 153600 bytes: more than 16 bits can say unscaled */
	p.win = 1000;
	exchange_exact(&t, &p, &b, 65535, 7); /* 1000 bytes: 7.8 units of 128, down to 7 */
	px_free(&t);
}
END_TEST

/* A backend segment with raw options. */
static void
s_seg_opt(struct px_test *t, const struct speer *b, uint8_t flags, uint32_t seq, uint32_t ack,
	  const uint8_t *opt, uint8_t optlen, const void *data, uint32_t len)
{
	struct tseg s = { .sport = b->port, .dport = b->pport, .seq = seq, .ack = ack,
			  .flags = flags, .win = b->win, .opt = opt, .optlen = optlen,
			  .data = data, .len = len };

	inject(t, "ins", tseg_mbuf_between(&s, b->ip, SRC, SRV_MAC, PX_S_MAC));
}

/* NOP NOP and one or two SACK blocks. */
static uint8_t
sack_opt(uint8_t *opt, uint32_t l0, uint32_t r0, uint32_t l1, uint32_t r1, unsigned n)
{
	uint32_t v[4] = { htonl(l0), htonl(r0), htonl(l1), htonl(r1) };

	opt[0] = opt[1] = 1;
	opt[2] = 5;
	opt[3] = (uint8_t)(2 + 8 * n);
	memcpy(opt + 4, v, 8 * n);
	return (uint8_t)(4 + 8 * n);
}

/* A client offering SACK and window scaling (shift 7) sends its request;
 * the backend is offered SACK (the client took it) and answers with
 * `synack_opt`, window `bwin`: spliced. */
/* The handshake of a client offering SACK and window scaling (shift 7),
 * which the proxy takes. */
static void
c_open_offering_sack(struct px_test *t, struct cpeer *p, uint16_t port, uint32_t isn)
{
	/* MSS 1400, SACK-permitted, NOP NOP, NOP WS 7 */
	static const uint8_t syn_opt[] = { 2, 4, 0x05, 0x78, 4, 2, 1, 1, 1, 3, 3, 7 };
	struct oseg o;

	memset(p, 0, sizeof(*p));
	p->ip = CLI;
	p->port = port;
	p->win = 1000;
	c_seg_opt(t, p, TH_SYN, isn, 0, syn_opt, sizeof(syn_opt), NULL, 0);
	take1(t, false, &o);
	ck_assert(o.sack_perm);
	p->isn = isn;
	p->snd = isn + 1;
	p->iss = o.seq;
	p->rcv = o.seq + 1;
	p->slot = slot_of(p);
	ck_assert_uint_eq(pxw()->ec.conns[p->slot].opts, TO_WSCALE | TO_SACK_PERM);
	c_ack(t, p);
	/* the agreement moved to the slot: the collecting engine sends no blocks */
	ck_assert(pxw()->slots[p->slot].flags & PXF_CLIENT_SACK);
}

static void
open_offering_sack(struct px_test *t, struct cpeer *p, struct speer *b, uint16_t port,
		   uint32_t isn, const uint8_t *synack_opt, uint8_t synack_len, uint16_t bwin)
{
	struct oseg o[4];

	c_open_offering_sack(t, p, port, isn);
	c_send(t, p, TH_ACK | TH_PSH, REQ, REQ_LEN);
	/* The room left, in units of 128 rounded down: the held buffer is a hard
	 * limit, and an edge past it would invite bytes that are dropped. */
	ack_owed(t, p);
	memset(b, 0, sizeof(*b));
	b->ip = B1;
	b->port = 80;
	b->pport = (uint16_t)(PORT_LO + pxw()->port_of[p->slot]);
	take1(t, true, &o[0]);
	ck_assert_seg(&o[0], TH_SYN, o[0].seq, 0);
	ck_assert(o[0].sack_perm);
	b->iss = o[0].seq;
	b->win = bwin;
	ck_assert_uint_eq(s_accept_opt(t, b, 3000, synack_opt, synack_len, o, 4), 1);
	ck_assert_uint_eq(slot_state(p), PX_SPLICE);
	b->rcv = b->iss + 1 + REQ_LEN;
}

/* Delayed binding with SACK (RFC 2018) at both ends: the client gets
 * SACK-permitted, the backend is offered it, and spliced SACK blocks move
 * between the two sequence spaces as the ACK beside them does; a block the
 * proxy acknowledged itself (the held request) does not reach the client. */
START_TEST(delayed_binding_translates_sack_blocks)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;
	struct oseg o[4];
	static const uint8_t synack_opt[] = { 2, 4, 0x05, 0xb4, 4, 2, 1, 1, 1, 3, 3, 7 };
	static char data[300];
	uint8_t opt[20];

	px_load(&t, "");
	open_offering_sack(&t, &p, &b, 40104, 7000, synack_opt, sizeof(synack_opt), 1000);
	ck_assert_uint_eq(pxw()->es.conns[p.slot].opts, TO_WSCALE | TO_SACK_PERM);
	uint32_t c_base = p.rcv, s_base = b.snd; /* where the response starts, each space */

	/* The backend sends [0, 100) and [200, 300): both reach the client. */
	s_seg(&t, &b, TH_ACK, s_base, b.rcv, data, 100);
	take1(&t, false, &o[0]);
	ck_assert_uint_eq(o[0].seq, c_base);
	s_seg(&t, &b, TH_ACK, s_base + 200, b.rcv, data, 100);
	take1(&t, false, &o[0]);
	ck_assert_uint_eq(o[0].seq, c_base + 200);
	/* The client ACKs 100 and SACKs [200, 300): the backend reads both in its space. */
	uint8_t n = sack_opt(opt, c_base + 200, c_base + 300, 0, 0, 1);
	c_seg_opt(&t, &p, TH_ACK, p.snd, c_base + 100, opt, n, NULL, 0);
	take1(&t, true, &o[0]);
	to_server(&o[0], &b);
	ck_assert_seg(&o[0], TH_ACK, b.rcv, s_base + 100);
	ck_assert_uint_eq(o[0].nb_sack, 1);
	ck_assert_uint_eq(o[0].sack[0][0], s_base + 200);
	ck_assert_uint_eq(o[0].sack[0][1], s_base + 300);

	/* The backend SACKs the held request (ours: dropped) and [10, 20) of the
	 * client's next bytes (moved into the client's space). */
	n = sack_opt(opt, b.iss + 1, b.iss + 1 + REQ_LEN, b.rcv + 10, b.rcv + 20, 2);
	s_seg_opt(&t, &b, TH_ACK, s_base + 300, b.rcv, opt, n, NULL, 0);
	take1(&t, false, &o[0]);
	to_client(&o[0], &p);
	ck_assert_seg(&o[0], TH_ACK, c_base + 300, p.snd);
	ck_assert_uint_eq(o[0].nb_sack, 1);
	ck_assert_uint_eq(o[0].sack[0][0], p.snd + 10);
	ck_assert_uint_eq(o[0].sack[0][1], p.snd + 20);
	/* A block across the held request's end (the proxy resends its lost
	 * tail, the client's next bytes arrived): it would start at the ACK the
	 * client sees, which a sender discards; it goes. */
	n = sack_opt(opt, b.iss + 1 + REQ_LEN - 5, b.rcv + 30, b.rcv + 40, b.rcv + 50, 2);
	s_seg_opt(&t, &b, TH_ACK, s_base + 300, b.rcv, opt, n, NULL, 0);
	take1(&t, false, &o[0]);
	to_client(&o[0], &p);
	ck_assert_uint_eq(o[0].nb_sack, 1);
	ck_assert_uint_eq(o[0].sack[0][0], p.snd + 40);
	ck_assert_uint_eq(o[0].sack[0][1], p.snd + 50);
	/* Only the held block: the option becomes NOPs. */
	n = sack_opt(opt, b.iss + 1, b.iss + 1 + REQ_LEN, 0, 0, 1);
	s_seg_opt(&t, &b, TH_ACK, s_base + 300, b.rcv, opt, n, NULL, 0);
	take1(&t, false, &o[0]);
	ck_assert_uint_eq(o[0].nb_sack, 0);
	px_free(&t);
}
END_TEST

/* The client takes SACK, the backend does not: the client's blocks reach the
 * backend as NOPs (it never agreed to read them). */
START_TEST(delayed_binding_strips_sack_the_backend_refused)
{
	struct px_test t;
	struct cpeer p;
	struct speer b;
	struct oseg o[4];
	static const uint8_t mss_only[] = { 2, 4, 0x05, 0xb4 };
	static char data[100];
	uint8_t opt[20];

	px_load(&t, "");
	open_offering_sack(&t, &p, &b, 40105, 9000, mss_only, sizeof(mss_only), 8192);
	ck_assert_uint_eq(pxw()->es.conns[p.slot].opts & TO_SACK_PERM, 0);
	s_seg(&t, &b, TH_ACK, b.snd + 200, b.rcv, data, 100);
	take1(&t, false, &o[0]);
	uint8_t n = sack_opt(opt, o[0].seq, o[0].seq + 100, 0, 0, 1);
	c_seg_opt(&t, &p, TH_ACK, p.snd, p.rcv, opt, n, NULL, 0);
	take1(&t, true, &o[0]);
	to_server(&o[0], &b);
	ck_assert_seg(&o[0], TH_ACK, b.rcv, b.snd);
	ck_assert_uint_eq(o[0].nb_sack, 0);
	ck_assert_uint_eq(o[0].optlen, n); /* the same length, all NOPs */
	px_free(&t);
}
END_TEST

/* The match policy reads the client's first bytes: a graph that never shows
 * it any is refused, naming why. */
START_TEST(match_policy_refused_without_first_bytes)
{
	static const char rules[] = "\"policy\": \"match\", \"policy_params\": {\"rules\": "
				    "[{\"host\": \"b.example\", \"group\": \"b\"}], \"default\": \"a\"}";
	char json[8192], params[512];

	snprintf(params, sizeof(params), "%s, \"binding\": \"immediate\"", rules);
	px_json(json, sizeof(json), params);
	const char *msg = harness_load_error(json);
	ck_assert_msg(msg && strstr(msg, "binding \"immediate\" chooses at the SYN"), "%s", msg);
	snprintf(params, sizeof(params), "%s, \"inspect_bytes\": 0", rules);
	px_json(json, sizeof(json), params);
	msg = harness_load_error(json);
	ck_assert_msg(msg && strstr(msg, "no rule could ever match"), "%s", msg);
	px_json(json, sizeof(json), rules);
	ck_assert_ptr_null(harness_load_error(json));
}
END_TEST

/* A misspelt key would do nothing (a rule without its test, no default):
 * each is refused by name, as is a rule that is not an object. */
START_TEST(match_policy_refuses_unknown_keys)
{
	static const struct {
		const char *params, *want;
	} cases[] = {
		{ "{\"rules\": [{\"hots\": \"b.example\", \"group\": \"b\"}]}",
		  "policy_params.rules[0]: unknown key \"hots\"" },
		{ "{\"rules\": [{\"host\": \"b.example\", \"group\": \"b\", \"weight\": 2}]}",
		  "policy_params.rules[0]: unknown key \"weight\"" },
		{ "{\"rules\": [{\"host\": \"b.example\", \"group\": \"b\"}], \"defualt\": \"a\"}",
		  "policy_params: unknown key \"defualt\"" },
		{ "{\"rules\": [\"b.example\"]}", "policy_params.rules[0]: expected an object" },
	};
	char json[8192], params[512];

	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		snprintf(params, sizeof(params), "\"policy\": \"match\", \"policy_params\": %s",
			 cases[i].params);
		px_json(json, sizeof(json), params);
		const char *msg = harness_load_error(json);
		ck_assert_msg(msg && strstr(msg, cases[i].want), "case %u: %s", i, msg);
	}
}
END_TEST

/* While the proxy collects the client's first bytes it sends no SACK blocks
 * of its own, though SACK was agreed: bytes it held beyond a hole are
 * forgotten at the splice, and blocks for them would be reneging. */
START_TEST(no_sack_blocks_while_collecting)
{
	struct px_test t;
	struct cpeer p;
	struct oseg o;

	px_load(&t, "");
	c_open_offering_sack(&t, &p, 40106, 5000);
	c_seg(&t, &p, TH_ACK | TH_PSH, p.snd + 4, p.rcv, "T / HTTP/1.1\r\n", 14); /* beyond a hole */
	take1(&t, false, &o);
	ck_assert_seg(&o, TH_ACK, p.rcv, p.snd); /* a duplicate ACK ... */
	ck_assert_uint_eq(o.nb_sack, 0);         /* ... without blocks */
	px_free(&t);
}
END_TEST

/* Immediate binding: the ends negotiate with each other; the options of both
 * SYNs and the windows pass as they are. */
START_TEST(immediate_binding_passes_options_through)
{
	struct px_test t;
	struct cpeer p = { .ip = CLI, .port = 40103, .win = 502 };
	struct speer b = { .ip = B1, .port = 80, .win = 1000 };
	struct oseg o;
	static const uint8_t c_opt[] = { 2, 4, 0x05, 0x78, 4, 2, 8, 10, 0, 0, 0, 7, 0, 0, 0, 0,
					 1, 3, 3, 7 };
	static const uint8_t s_opt[] = { 2, 4, 0x05, 0xb4, 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 7,
					 1, 3, 3, 10 };
	const uint32_t cisn = 100, sisn = 200;

	px_load(&t, "\"binding\": \"immediate\"");
	b.pport = nth_port(&t, 0);
	c_seg_opt(&t, &p, TH_SYN, cisn, 0, c_opt, sizeof(c_opt), NULL, 0);
	take1(&t, true, &o);
	to_server(&o, &b);
	ck_assert_seg(&o, TH_SYN, cisn, 0);
	ck_assert_uint_eq(o.optlen, sizeof(c_opt));
	ck_assert(o.sack_perm && o.ts && o.wscale == 7); /* read as a check of the walk */
	ck_assert_mem_eq((const uint8_t *)o.data - sizeof(c_opt), c_opt, sizeof(c_opt));
	ck_assert_uint_eq(o.win, 502);
	p.slot = slot_of(&p);

	struct tseg sa = { .sport = b.port, .dport = b.pport, .seq = sisn, .ack = cisn + 1,
			   .flags = TH_SYN | TH_ACK, .win = 1000, .opt = s_opt,
			   .optlen = sizeof(s_opt) };
	inject(&t, "ins", tseg_mbuf_between(&sa, b.ip, SRC, SRV_MAC, PX_S_MAC));
	take1(&t, false, &o);
	to_client(&o, &p);
	ck_assert_seg(&o, TH_SYN | TH_ACK, sisn, cisn + 1);
	ck_assert_uint_eq(o.optlen, sizeof(s_opt));
	ck_assert_mem_eq((const uint8_t *)o.data - sizeof(s_opt), s_opt, sizeof(s_opt));
	/* Later windows are in the scales the ends agreed: untouched. */
	c_seg(&t, &p, TH_ACK | TH_PSH, cisn + 1, sisn + 1, REQ, REQ_LEN);
	expect_s(&t, &b, TH_ACK | TH_PSH, cisn + 1, sisn + 1, 502, REQ, REQ_LEN);
	s_seg(&t, &b, TH_ACK, sisn + 1, cisn + 1 + REQ_LEN, NULL, 0);
	expect_c(&t, &p, TH_ACK, sisn + 1, cisn + 1 + REQ_LEN, 1000, NULL, 0);
	px_free(&t);
}
END_TEST

static Suite *
tcp_proxy_suite(void)
{
	Suite *s = suite_create("tcp_proxy");
	TCase *tc = tcase_create("tcp_proxy");
	static bool registered;

	if (!registered) {
		registered = true;
		nfg_proxy_policy_register(&nonsense_policy);
		nfg_proxy_hook_register(&resize_hook);
		nfg_proxy_hook_register(&upper_hook);
		nfg_proxy_hook_register(&edit_hook);
	}
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, delayed_binding_round_robin_end_to_end);
	tcase_add_test(tc, delayed_binding_client_scales_backend_does_not);
	tcase_add_test(tc, delayed_binding_backend_scales_client_does_not);
	tcase_add_test(tc, delayed_binding_translates_sack_blocks);
	tcase_add_test(tc, match_policy_refused_without_first_bytes);
	tcase_add_test(tc, match_policy_refuses_unknown_keys);
	tcase_add_test(tc, no_sack_blocks_while_collecting);
	tcase_add_test(tc, delayed_binding_strips_sack_the_backend_refused);
	tcase_add_test(tc, immediate_binding_passes_options_through);
	tcase_add_test(tc, syn_retransmitted_and_segments_before_the_handshake);
	tcase_add_test(tc, match_policy_waits_for_the_request_head);
	tcase_add_test(tc, inspect_time_decides_with_what_came);
	tcase_add_test(tc, inspect_bytes_close_the_window);
	tcase_add_test(tc, request_hook_grows_and_shrinks_across_wraparound);
	tcase_add_test(tc, request_hook_to_the_cap_and_beyond);
	tcase_add_test(tc, held_payload_retransmitted_until_acked);
	tcase_add_test(tc, held_payload_beyond_the_backend_window);
	tcase_add_test(tc, held_payload_never_acked_resets_both);
	tcase_add_test(tc, client_retransmission_of_held_bytes_after_a_resize);
	tcase_add_test(tc, out_of_order_beyond_the_window_cannot_overflow_the_held_buffer);
	tcase_add_test(tc, out_of_order_client_segments_at_splice_start);
	tcase_add_test(tc, request_ack_rides_on_the_backend_answer);
	tcase_add_test(tc, fin_both_ways_linger_then_free);
	tcase_add_test(tc, rst_after_fins_both_ways_ends_the_linger_not_the_connection);
	tcase_add_test(tc, new_syn_during_linger_is_a_new_connection);
	tcase_add_test(tc, rst_mid_splice_from_either_side);
	tcase_add_test(tc, idle_timeout_resets_both_sides);
	tcase_add_test(tc, idle_after_an_empty_first_payload);
	tcase_add_test(tc, client_leaves_before_the_backend_answers);
	tcase_add_test(tc, backend_refuses_or_stays_silent);
	tcase_add_test(tc, retry_next_backend);
	tcase_add_test(tc, a_backend_that_just_failed_is_passed_over);
	tcase_add_test(tc, policy_nonsense_resets_the_client);
	tcase_add_test(tc, syn_flood_beyond_the_table);
	tcase_add_test(tc, garbage_mid_splice_disturbs_nothing);
	tcase_add_test(tc, held_buffers_exhausted);
	tcase_add_test(tc, data_hook_resizes_beyond_the_limit);
	tcase_add_test(tc, data_hook_changes_payload_in_place);
	tcase_add_test(tc, data_hooks_change_lengths_both_ways);
	tcase_add_test(tc, immediate_binding_is_a_nat);
	tcase_add_test(tc, each_run_starts_its_ports_at_a_random_place);
	tcase_add_test(tc, immediate_binding_counts_a_refusing_backend_failed);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(tcp_proxy_suite)
