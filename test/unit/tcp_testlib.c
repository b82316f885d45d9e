/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tcp_testlib.h"

static const uint8_t nf_mac[6] = { 2, 0, 0, 0, 0, 0xaa };
static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 0x01 };

static size_t tseg_frame_v4(uint8_t *buf, const struct tseg *s);

/* The same segment over IPv6, between s->src6 and s->dst6. */
static size_t
tseg_frame6(uint8_t *buf, const struct tseg *s)
{
	uint8_t src[16], dst[16];

	ck_assert_int_eq(inet_pton(AF_INET6, s->src6, src), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, s->dst6, dst), 1);
	size_t len = frame_tcp4_to_ipv6(buf, tseg_frame_v4(buf, s), src, dst);
	if (s->bad_tcp_cksum)
		((struct rte_tcp_hdr *)(buf + 54))->cksum ^= 0x0101;
	return len;
}

size_t
tseg_frame(uint8_t *buf, const struct tseg *s)
{
	return s->src6 ? tseg_frame6(buf, s) : tseg_frame_v4(buf, s);
}

static size_t
tseg_frame_v4(uint8_t *buf, const struct tseg *s)
{
	unsigned optpad = (s->optlen + 3u) & ~3u;
	unsigned tcp_len = 20 + optpad;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint8_t *opt = (uint8_t *)(th + 1);

	memcpy(&eth->dst_addr, nf_mac, 6);
	memcpy(&eth->src_addr, peer_mac, 6);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + tcp_len + s->len));
	ip->packet_id = rte_cpu_to_be_16(7);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	inet_pton(AF_INET, PEER_IP, &ip->src_addr);
	inet_pton(AF_INET, NF_IP, &ip->dst_addr);
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(s->sport);
	th->dst_port = rte_cpu_to_be_16(s->dport);
	th->sent_seq = rte_cpu_to_be_32(s->seq);
	th->recv_ack = rte_cpu_to_be_32(s->ack);
	th->data_off = (uint8_t)((s->doff ? s->doff : tcp_len / 4) << 4);
	th->tcp_flags = s->flags;
	th->rx_win = rte_cpu_to_be_16(s->win);
	memset(opt, 0, optpad);
	if (s->optlen)
		memcpy(opt, s->opt, s->optlen);
	uint8_t *payload = opt + optpad;
	if (s->data)
		memcpy(payload, s->data, s->len);
	else
		memset(payload, 'q', s->len);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	if (s->bad_tcp_cksum)
		th->cksum ^= 0x0101;
	if (s->bad_ip_cksum)
		ip->hdr_checksum ^= 0x0101;
	return sizeof(*eth) + 20 + tcp_len + s->len;
}

struct rte_mbuf *
tseg_mbuf(const struct tseg *s)
{
	static uint8_t buf[16384];

	ck_assert_uint_le(s->len, sizeof(buf) - 128);
	return harness_pkt(buf, tseg_frame(buf, s));
}

void
tt_load(struct tcp_test *t, const char *json, const char *node)
{
	t->h = harness_load(json);
	t->node = node;
	t->cursor = 0;
}

void
tt_free(struct tcp_test *t)
{
	harness_free(t->h);
	t->h = NULL;
}

void
tt_walk(struct tcp_test *t, unsigned walks)
{
	harness_walk(t->h, walks);
}

void
tt_send(struct tcp_test *t, const struct tseg *s)
{
	struct rte_mbuf *m = tseg_mbuf(s);

	harness_inject(t->h, "in", &m, 1);
	harness_walk(t->h, 2);
}

void
tt_send_frame(struct tcp_test *t, const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = harness_pkt(frame, len);

	harness_inject(t->h, "in", &m, 1);
	harness_walk(t->h, 2);
}

void
tt_send_raw(struct tcp_test *t, struct rte_mbuf *m)
{
	harness_inject(t->h, "raw", &m, 1);
	harness_walk(t->h, 2);
}

static void
read_out(struct rte_mbuf *m, struct oseg *o)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t flen = rte_pktmbuf_data_len(m);

	ck_assert_uint_eq(m->nb_segs, 1);
	ck_assert_uint_ge(flen, 54);
	ck_assert_msg(frame_checksums_ok(f, flen), "emitted segment with a bad checksum");
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)f;
	const struct rte_tcp_hdr *th;
	uint32_t total; /* the IP packet's length */

	memset(o, 0, sizeof(*o));
	if (rte_be_to_cpu_16(eth->ether_type) == RTE_ETHER_TYPE_IPV6) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(eth + 1);
		ck_assert_uint_eq(rte_be_to_cpu_32(ip6->vtc_flow) >> 28, 6);
		ck_assert_uint_eq(ip6->proto, IPPROTO_TCP);
		total = 40u + rte_be_to_cpu_16(ip6->payload_len);
		o->v6 = true;
		memcpy(o->src6, ip6->src_addr, 16);
		memcpy(o->dst6, ip6->dst_addr, 16);
		o->ttl = ip6->hop_limits;
		th = (const struct rte_tcp_hdr *)(ip6 + 1);
		ck_assert_uint_eq(m->l3_len, 40);
	} else {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
		ck_assert_uint_eq(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_IPV4);
		ck_assert_uint_eq(ip->version_ihl, 0x45);
		ck_assert_uint_eq(ip->next_proto_id, IPPROTO_TCP);
		total = rte_be_to_cpu_16(ip->total_length);
		o->src_ip = ip->src_addr;
		o->dst_ip = ip->dst_addr;
		o->ttl = ip->time_to_live;
		o->df = rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_DF_FLAG;
		th = (const struct rte_tcp_hdr *)(ip + 1);
	}
	unsigned l3 = o->v6 ? 40u : 20u;
	ck_assert_uint_le(14 + total, flen);
	unsigned doff = (th->data_off >> 4) * 4u;
	ck_assert_uint_ge(doff, 20);
	ck_assert_uint_le(l3 + doff, total);
	memcpy(o->dst_mac, &eth->dst_addr, 6);
	memcpy(o->src_mac, &eth->src_addr, 6);
	o->sport = rte_be_to_cpu_16(th->src_port);
	o->dport = rte_be_to_cpu_16(th->dst_port);
	o->seq = rte_be_to_cpu_32(th->sent_seq);
	o->ack = rte_be_to_cpu_32(th->recv_ack);
	o->flags = th->tcp_flags;
	o->win = rte_be_to_cpu_16(th->rx_win);
	o->optlen = doff - 20;
	/* Our own options must be well formed: walked strictly, each once. */
	const uint8_t *opt = (const uint8_t *)(th + 1);
	o->wscale = -1;
	for (unsigned i = 0; i < o->optlen;) {
		if (opt[i] == 0)
			break;
		if (opt[i] == 1) {
			i++;
			continue;
		}
		ck_assert_uint_le(i + 2, o->optlen);
		unsigned len = opt[i + 1];
		ck_assert_uint_ge(len, 2);
		ck_assert_uint_le(i + len, o->optlen);
		switch (opt[i]) {
		case 2:
			ck_assert_uint_eq(len, 4);
			ck_assert_uint_eq(o->mss, 0);
			o->mss = (uint16_t)(opt[i + 2] << 8 | opt[i + 3]);
			break;
		case 3:
			ck_assert_uint_eq(len, 3);
			ck_assert_int_eq(o->wscale, -1);
			o->wscale = opt[i + 2];
			break;
		case 8:
			ck_assert_uint_eq(len, 10);
			ck_assert(!o->ts);
			o->ts = true;
			o->tsval = (uint32_t)opt[i + 2] << 24 | (uint32_t)opt[i + 3] << 16 |
				   (uint32_t)opt[i + 4] << 8 | opt[i + 5];
			o->tsecr = (uint32_t)opt[i + 6] << 24 | (uint32_t)opt[i + 7] << 16 |
				   (uint32_t)opt[i + 8] << 8 | opt[i + 9];
			break;
		case 4:
			ck_assert_uint_eq(len, 2);
			o->sack_perm = true;
			break;
		case 5: /* SACK: 1 to 4 blocks, each once */
			ck_assert(len >= 10 && len <= 34 && (len - 2) % 8 == 0);
			ck_assert_uint_eq(o->nb_sack, 0);
			for (unsigned b = 0; b < (len - 2) / 8; b++)
				for (unsigned k = 0; k < 2; k++) {
					const uint8_t *v = opt + i + 2 + 8 * b + 4 * k;
					o->sack[b][k] = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
							(uint32_t)v[2] << 8 | v[3];
				}
			o->nb_sack = (len - 2) / 8;
			break;
		default:
			ck_abort_msg("an option we never send: kind %u", opt[i]);
		}
		i += len;
	}
	o->data = (const uint8_t *)th + doff;
	o->len = total - l3 - doff;
}

unsigned
tt_take(struct tcp_test *t, struct oseg *o, unsigned max)
{
	struct rte_mbuf **pkts;
	unsigned n = harness_collected(t->h, "out", &pkts), got = 0;

	while (t->cursor < n) {
		struct oseg tmp;
		read_out(pkts[t->cursor++], got < max ? &o[got] : &tmp);
		got++;
	}
	return got;
}

void
tt_take1(struct tcp_test *t, struct oseg *o)
{
	struct oseg more[8];
	unsigned n = tt_take(t, more, 8);

	ck_assert_msg(n == 1, "%u segments came out, want 1 (first: %s seq %u ack %u len %u)", n,
		      n ? tt_flags(more[0].flags) : "-", n ? more[0].seq : 0, n ? more[0].ack : 0,
		      n ? more[0].len : 0);
	*o = more[0];
}

void
tt_none(struct tcp_test *t)
{
	struct oseg o;
	unsigned n = tt_take(t, &o, 1);

	ck_assert_msg(n == 0, "%u segments came out, want none (first: %s seq %u ack %u len %u)", n,
		      n ? tt_flags(o.flags) : "-", n ? o.seq : 0, n ? o.ack : 0, n ? o.len : 0);
}

double
tt_ms_now(void)
{
	/* The operators' clock: the tests move it forward instead of sleeping,
	 * so the times they measure are the ones the timers saw. */
	return (double)nfg_clock() * 1e3 / (double)rte_get_tsc_hz();
}

unsigned
tt_waitn(struct tcp_test *t, struct oseg *o, unsigned max, unsigned max_ms)
{
	double start = tt_ms_now();

	for (;;) {
		harness_walk(t->h, 1);
		if (harness_collected(t->h, "out", NULL) > t->cursor) {
			harness_walk(t->h, 1);
			unsigned n = tt_take(t, o, max);
			ck_assert_uint_le(n, max);
			return n;
		}
		ck_assert_msg(tt_ms_now() - start < max_ms, "nothing came out in %u ms", max_ms);
		nfg_clock_advance_ms(0.2);
	}
}

double
tt_wait(struct tcp_test *t, struct oseg *o, unsigned max_ms)
{
	double start = tt_ms_now();

	for (;;) {
		harness_walk(t->h, 1);
		if (harness_collected(t->h, "out", NULL) > t->cursor) {
			harness_walk(t->h, 1);
			tt_take1(t, o);
			return tt_ms_now() - start;
		}
		ck_assert_msg(tt_ms_now() - start < max_ms, "nothing came out in %u ms", max_ms);
		nfg_clock_advance_ms(0.2);
	}
}

unsigned
tt_idle(struct tcp_test *t, unsigned ms, struct oseg *o, unsigned max)
{
	double start = tt_ms_now();

	while (tt_ms_now() - start < ms) {
		harness_walk(t->h, 1);
		nfg_clock_advance_ms(0.2);
	}
	harness_walk(t->h, 1);
	return tt_take(t, o, max);
}

uint64_t
tt_ctr(struct tcp_test *t, const char *counter)
{
	return harness_counter(t->h, t->node, counter);
}

struct tcp_engine *
tt_engine(struct tcp_test *t)
{
	struct rte_node *node = nfg_worker_node(0, t->node);

	ck_assert_ptr_nonnull(node);
	/* Both operators keep their engine first in their per-worker state. */
	return nfg_node_state(node);
}

struct tcp_conn *
tt_conn(struct tcp_test *t, uint16_t peer_port)
{
	struct tcp_engine *e = tt_engine(t);

	for (uint32_t i = 0; i < e->nb_conns; i++)
		if (e->conns[i].state != TCP_CLOSED &&
		    e->conns[i].remote_port == rte_cpu_to_be_16(peer_port))
			return &e->conns[i];
	return NULL;
}

struct tw_entry *
tt_time_wait(struct tcp_test *t, uint16_t peer_port)
{
	struct tcp_engine *e = tt_engine(t);

	for (uint32_t pos = e->tws ? e->tws->head : 0; e->tws && pos != e->tws->tail; pos++) {
		struct tw_entry *tw = &e->tws->ring[pos & e->tws->ring_mask];
		if (tw->live && tw->remote_port == rte_cpu_to_be_16(peer_port))
			return tw;
	}
	return NULL;
}

const char *
tt_flags(uint8_t flags)
{
	static char bufs[4][32];
	static unsigned next;
	char *b = bufs[next++ % 4];
	static const char *const names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR" };

	b[0] = '\0';
	for (unsigned i = 0; i < 8; i++)
		if (flags & (1u << i))
			snprintf(b + strlen(b), 32 - strlen(b), "%s%s", b[0] ? "|" : "", names[i]);
	if (!b[0])
		snprintf(b, 32, "none");
	return b;
}

/* ---- for the tcp_proxy tests ------------------------------------------------ */

size_t
tseg_frame_between(uint8_t *buf, const struct tseg *s, const char *src_ip, const char *dst_ip,
		   const char *src_mac, const char *dst_mac)
{
	size_t len = tseg_frame(buf, s);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	if (src_mac)
		ck_assert_int_eq(rte_ether_unformat_addr(src_mac, &eth->src_addr), 0);
	if (dst_mac)
		ck_assert_int_eq(rte_ether_unformat_addr(dst_mac, &eth->dst_addr), 0);
	ck_assert_int_eq(inet_pton(AF_INET, src_ip, &ip->src_addr), 1);
	ck_assert_int_eq(inet_pton(AF_INET, dst_ip, &ip->dst_addr), 1);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	if (s->bad_tcp_cksum)
		th->cksum ^= 0x0101;
	if (s->bad_ip_cksum)
		ip->hdr_checksum ^= 0x0101;
	return len;
}

struct rte_mbuf *
tseg_mbuf_between(const struct tseg *s, const char *src_ip, const char *dst_ip,
		  const char *src_mac, const char *dst_mac)
{
	static uint8_t buf[16384];

	ck_assert_uint_le(s->len, sizeof(buf) - 128);
	return harness_pkt(buf, tseg_frame_between(buf, s, src_ip, dst_ip, src_mac, dst_mac));
}

void
tt_read_segment(struct rte_mbuf *m, struct oseg *o)
{
	read_out(m, o);
}

void
tt_server_load(struct tcp_test *t, const char *params)
{
	char json[4096];

	snprintf(json, sizeof(json),
		 "{\"ports\": {\"p\": {\"device\": \"wire:w\", \"mac\": \"" NF_MAC "\",\n"
		 "                   \"ipv4\": \"198.18.0.1/24\"}, \"q\": {\"device\": \"wire:w\"}},\n"
		 " \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"raw\": {\"op\": \"test_inject\"},\n"
		 "  \"parse\": {\"op\": \"parse\"},\n"
		 "  \"srv\": {\"op\": \"tcp_server\", \"port\": \"p\", \"next_hop_mac\": \"" PEER_MAC "\",\n"
		 "           \"http\": false%s%s},\n"
		 "  \"out\": {\"op\": \"test_collect\"}, \"bad\": {\"op\": \"test_collect\"}},\n"
		 " \"edges\": [\"in -> parse -> srv -> out\", \"parse.malformed -> bad\", \"raw -> srv\"]}",
		 params[0] ? ", " : "", params);
	tt_load(t, json, "srv");
}
