/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Building and sending segments. Every segment is built whole in one mbuf:
 * Ethernet, IPv4 (DF, TTL 64) or IPv6 (hop limit 64; the connection's
 * addresses from the engine's side array, tcp_ip6.h), TCP with the MSS,
 * window scale and timestamp options on SYNs (RFC 7323: the SYN-ACK only with
 * what the peer offered), the timestamps on every later segment of a
 * connection that agreed on them, and payload the application copies in.
 * Checksums go to the NIC when the port offloads them, else they are
 * computed here in full (this is generation, not rewrite).
 * Data is sent as the peer's window and MSS allow; what is outstanding is
 * covered by the one retransmission timer of the connection.
 */
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "nfg/operator.h"
#include "tcp_cc.h"
#include "host_secret.h"
#include "tcp_engine.h"

#define HDRS_LEN TCP_HDRS_LEN
_Static_assert(TCP_HDRS_LEN == RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) +
				   sizeof(struct rte_tcp_hdr), "header template size");

/* The first word of the timestamp option of every non-SYN segment, as stored. */
static const uint8_t ts_opt_head[4] = { 1, 1, 8, 10 };

static uint64_t iss_secret[2];

/* RFC 6528: a clock plus a keyed hash of the connection's addresses, so a new
 * incarnation of a 4-tuple starts above the old one's sequence numbers. The
 * hash is two rounds of multiply-xorshift over the 4-tuple mixed with a
 * random 128-bit key: as hard to guess from outside as jhash, a third of
 * its cost. Key and clock are the boot's (host_secret.h), so this holds
 * across runs too: a run started again on the same tuples is above the
 * last one's, not below it half the time. */
static uint32_t
choose_iss(struct tcp_engine *e, const struct tcp_conn *c)
{
	if (unlikely(iss_secret[0] == 0))
		nfg_host_secret(iss_secret);
	uint64_t x = ((uint64_t)c->local_ip << 32 | c->remote_ip) ^ iss_secret[0];
	x *= 0x9e3779b97f4a7c15ull;
	x ^= x >> 29;
	x ^= ((uint64_t)c->local_port << 16 | c->remote_port) ^ iss_secret[1];
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 32;
	return (uint32_t)x + (uint32_t)(e->start_host_us + e->now_us) * 4;
}

static void
enqueue(struct tcp_engine *e, struct rte_mbuf *m)
{
	e->out[e->nb_out++] = m;
	e->ctr[TC_SEGS_OUT]++;
	if (unlikely(e->nb_out == TCP_OUT_MAX))
		tcp_flush(e);
}

void
tcp_flush(struct tcp_engine *e)
{
	if (e->nb_done) {
		rte_pktmbuf_free_bulk(e->done, e->nb_done);
		e->nb_done = 0;
	}
	if (e->nb_out == 0)
		return;
	rte_node_enqueue(e->graph, e->node, e->out_edge, (void **)e->out, e->nb_out);
	e->nb_out = 0;
}

static inline uint16_t
fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The raw 16-bit words of a 32-bit field as stored, for one's complement sums
 * (RFC 1071: the sum does not care about byte order if every word is taken
 * the way it sits in memory). */
static inline uint32_t
words32(uint32_t stored)
{
	return (stored & 0xffff) + (stored >> 16);
}

/* Sum of n 16-bit words (n even bytes), unfolded. */
static inline uint32_t
sum16(const void *p, unsigned bytes)
{
	const uint8_t *b = p;
	uint32_t s = 0;

	for (unsigned i = 0; i < bytes; i += 2) {
		uint16_t w;
		memcpy(&w, b + i, 2);
		s += w;
	}
	return s;
}

/* An IPv6 connection's Ethernet and IPv6 headers at d, from the template and
 * the connection's addresses; returns where TCP starts, and through `addrs`
 * the addresses' sum for the pseudo-header (RFC 8200 8.1). IPv6 has no
 * header checksum. */
static struct rte_tcp_hdr *
ip6_header(struct tcp_engine *e, const struct tcp_conn *c, uint8_t *d, uint16_t l4_bytes,
	   uint32_t *addrs)
{
	const struct tcp_addr6 *a = tcp_conn_addr6(e, c);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(d + RTE_ETHER_HDR_LEN);

	memcpy(d, e->hdr_template6, TCP_HDRS6_LEN);
	ip6->payload_len = rte_cpu_to_be_16(l4_bytes);
	memcpy(ip6->src_addr, a->local, 16);
	memcpy(ip6->dst_addr, a->remote, 16);
	*addrs = sum16(a->local, 16) + sum16(a->remote, 16);
	return (struct rte_tcp_hdr *)(ip6 + 1);
}

/* A SYN over IPv6 announces the MSS its 20 more bytes of header leave: the
 * option (first in every SYN) rewritten; returns what that adds to the sum. */
static uint32_t
syn_mss6(const struct tcp_engine *e, uint8_t *opt)
{
	uint16_t old_word, new_word = rte_cpu_to_be_16(e->cfg->mss6);

	memcpy(&old_word, opt + 2, 2);
	memcpy(opt + 2, &new_word, 2);
	return (uint16_t)~old_word + (uint32_t)new_word;
}

/* A segment of connection `c` with room for `payload_len` bytes, returned
 * through `payload`. Both checksums are summed from the values written, not
 * read back from the frame: the IPv4 one is final, the TCP one is returned
 * through `tcp_sum` without its payload; seal() finishes it. */
static struct rte_mbuf *
build(struct tcp_engine *e, const struct tcp_conn *c, uint8_t flags, uint32_t seq,
      uint32_t payload_len, uint8_t **payload, uint32_t *tcp_sum)
{
	struct rte_mbuf *m = tcp_mbuf_alloc(e);
	bool syn = flags & RTE_TCP_SYN_FLAG;
	unsigned opt_len = 0, ts_len = 0, nb_sack = 0;
	uint32_t sack[4][2];

	if (unlikely(syn))
		opt_len = e->syn_opts_len[tcp_syn_opts_index(c->opts)];
	else if (c->opts & TO_TS)
		opt_len = ts_len = TCP_TS_OPT_LEN;
	/* An ACK while data waits out of order names it (RFC 2018). */
	if (unlikely(c->ooo) && !syn && (c->opts & TO_SACK_PERM) &&
	    (flags & (RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) == RTE_TCP_ACK_FLAG) {
		nb_sack = tcp_ooo_sack_blocks(e, c, sack, TCP_SACK_MAX_BLOCKS(c->opts & TO_TS));
		opt_len += nb_sack ? 4 + 8 * nb_sack : 0;
	}
	uint16_t l4_len = (uint16_t)(sizeof(struct rte_tcp_hdr) + opt_len);

	if (unlikely(!m)) {
		e->ctr[TC_NO_MBUF]++;
		return NULL;
	}
	uint16_t hdrs_len = unlikely(c->v6) ? TCP_HDRS6_LEN : HDRS_LEN;
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hdrs_len + (l4_len - 20) +
								   payload_len));
	if (unlikely(!d)) { /* larger than an mbuf: max_payload() keeps data below it */
		rte_pktmbuf_free(m);
		e->ctr[TC_NO_MBUF]++;
		return NULL;
	}
	uint32_t addrs;          /* the pseudo-header's addresses, summed */
	struct rte_tcp_hdr *th;
	if (unlikely(c->v6)) {
		th = ip6_header(e, c, d, (uint16_t)(l4_len + payload_len), &addrs);
	} else {
		/* The constant fields from the template, in a few wide stores. */
		memcpy(d, e->hdr_template, HDRS_LEN);
		struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;
		uint16_t ip_len = rte_cpu_to_be_16((uint16_t)(sizeof(struct rte_ipv4_hdr) +
							       l4_len + payload_len));
		uint16_t ip_id = rte_cpu_to_be_16(e->ip_id++);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		addrs = words32(c->local_ip) + words32(c->remote_ip);
		ip->total_length = ip_len;
		ip->packet_id = ip_id;
		ip->src_addr = c->local_ip;
		ip->dst_addr = c->remote_ip;
		if (!e->tx_cksum_offload)
			ip->hdr_checksum = (uint16_t)~fold(
				rte_cpu_to_be_16(RTE_IPV4_VHL_DEF << 8) + ip_len + ip_id +
				rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) +
				rte_cpu_to_be_16(64 << 8 | IPPROTO_TCP) + addrs);
		th = (struct rte_tcp_hdr *)(ip + 1);
	}

	uint32_t seq_be = rte_cpu_to_be_32(seq);
	uint32_t ack_be = (flags & RTE_TCP_ACK_FLAG) ? rte_cpu_to_be_32(c->rcv_nxt) : 0;
	uint16_t off_flags = rte_cpu_to_be_16((uint16_t)((l4_len / 4) << 12 | flags));
	uint32_t bytes = e->app->rcv_window ? e->app->rcv_window(e, c) : e->cfg->rcv_buf;
	/* A SYN's window is never scaled (RFC 7323 2.2); later ones are, rounded
	 * up to the unit: the window only shrinks by what arrived, so the right
	 * edge we announced never moves back (RFC 7323 2.4). Down where the
	 * window is a hard limit (struct tcp_app). */
	uint32_t round_up = e->app->rcv_window_is_limit ? 0 : (1u << c->rcv_shift) - 1;
	uint32_t units = syn ? bytes : (bytes + round_up) >> c->rcv_shift;
	uint16_t win = rte_cpu_to_be_16((uint16_t)RTE_MIN(units, (uint32_t)UINT16_MAX));
	th->src_port = c->local_port;
	th->dst_port = c->remote_port;
	th->sent_seq = seq_be;
	th->recv_ack = ack_be;
	memcpy(&th->data_off, &off_flags, 2); /* data_off and tcp_flags are one word */
	th->rx_win = win;
	/* pseudo-header (RFC 9293 3.1), then the header's words */
	uint32_t sum = addrs + rte_cpu_to_be_16(IPPROTO_TCP) +
		       rte_cpu_to_be_16((uint16_t)(l4_len + payload_len)) + c->local_port +
		       c->remote_port + words32(seq_be) + words32(ack_be) + off_flags + win;
	if (unlikely(syn)) {
		/* The precomputed options (a fixed-size copy: a SYN has no payload
		 * behind them to overwrite), then the two timestamps. */
		unsigned k = tcp_syn_opts_index(c->opts);
		uint8_t *opt = (uint8_t *)(th + 1);
		memcpy(opt, e->syn_opts[k], TCP_SYN_OPT_MAX);
		sum += e->syn_opts_sum[k];
		if (unlikely(c->v6) && e->cfg->mss6 != e->cfg->mss)
			sum += syn_mss6(e, opt);
		if (c->opts & TO_TS) {
			uint32_t tsecr = rte_cpu_to_be_32(c->ts_recent);
			memcpy(opt + TCP_SYN_TS_OFF, &e->ts_now_be, 4);
			memcpy(opt + TCP_SYN_TS_OFF + 4, &tsecr, 4);
			sum += e->ts_now_sum + words32(tsecr);
		}
	} else if (c->opts & TO_TS) {
		/* RFC 7323 3.2: on every segment, TSecr the TSval we took last. */
		uint8_t *opt = (uint8_t *)(th + 1);
		uint32_t head, tsecr = rte_cpu_to_be_32(c->ts_recent);
		memcpy(&head, ts_opt_head, 4);
		memcpy(opt, &head, 4);
		memcpy(opt + 4, &e->ts_now_be, 4);
		memcpy(opt + 8, &tsecr, 4);
		sum += words32(head) + e->ts_now_sum + words32(tsecr);
	}
	if (unlikely(nb_sack)) {
		uint8_t *opt = (uint8_t *)(th + 1) + ts_len;
		unsigned len = tcp_options_sack(opt, sack, nb_sack);
		sum += sum16(opt, len);
	}
	/* The lengths in one store: seal() reads them next, and loads that
	 * straddle several narrower stores still in flight stall. */
	m->tx_offload = rte_mbuf_tx_offload(RTE_ETHER_HDR_LEN, hdrs_len - RTE_ETHER_HDR_LEN - 20,
					    l4_len, 0, 0, 0, 0);
	m->packet_type = RTE_PTYPE_L2_ETHER | (c->v6 ? RTE_PTYPE_L3_IPV6 : RTE_PTYPE_L3_IPV4) |
			 RTE_PTYPE_L4_TCP;
	*payload = (uint8_t *)th + l4_len;
	*tcp_sum = sum;
	return m;
}

void
tcp_header_template(struct tcp_engine *e)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)e->hdr_template;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

	memset(e->hdr_template, 0, sizeof(e->hdr_template));
	eth->src_addr = e->cfg->src_mac;
	eth->dst_addr = e->cfg->dst_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;

	eth = (struct rte_ether_hdr *)e->hdr_template6;
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);
	memset(e->hdr_template6, 0, sizeof(e->hdr_template6));
	eth->src_addr = e->cfg->src_mac;
	eth->dst_addr = e->cfg->dst_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->proto = IPPROTO_TCP;
	ip6->hop_limits = 64;

	/* Our SYN options, for every combination the handshake may need. */
	for (unsigned k = 0; k < RTE_DIM(e->syn_opts); k++) {
		uint8_t opts = (uint8_t)((k & 1 ? TO_WSCALE : 0) | (k & 2 ? TO_TS : 0) |
					 (k & 4 ? TO_SACK_PERM : 0));
		memset(e->syn_opts[k], 0, TCP_SYN_OPT_MAX);
		e->syn_opts_len[k] = (uint8_t)tcp_options_syn(e->syn_opts[k], e->cfg->mss, opts,
							      (uint8_t)e->cfg->wscale, 0, 0);
		e->syn_opts_sum[k] = sum16(e->syn_opts[k], e->syn_opts_len[k]);
	}
}

/* The raw sum of the payload bytes [off, off+len) the application fills in,
 * remembered when every connection sends the same bytes there (a response,
 * a request without "{conn}"): most segments carry one of a few. */
static uint32_t
payload_sum(struct tcp_engine *e, uint32_t off, const uint8_t *payload, uint32_t len)
{
	if (!e->same_bytes)
		return rte_raw_cksum(payload, len);
	struct tcp_sum_cache *sc = &e->sums[(off * 31 + len) % TCP_SUM_CACHE];
	if (sc->len != len || sc->off != off) {
		sc->off = off;
		sc->len = len;
		sc->sum = rte_raw_cksum(payload, len);
	}
	return sc->sum;
}

/* Finishes a segment built by build() and queues it: the TCP checksum from
 * the header's sum and its payload's, or the port's offload. */
static void
seal(struct tcp_engine *e, struct rte_mbuf *m, uint32_t tcp_sum)
{
	void *ip = rte_pktmbuf_mtod_offset(m, void *, m->l2_len);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + m->l3_len);

	if (e->tx_cksum_offload) {
		if (nfg_is_ipv4(m)) {
			m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
				       RTE_MBUF_F_TX_TCP_CKSUM;
			th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		} else {
			m->ol_flags |= RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM;
			th->cksum = rte_ipv6_phdr_cksum(ip, m->ol_flags);
		}
	} else {
		th->cksum = (uint16_t)~fold(tcp_sum);
	}
	enqueue(e, m);
}

/* Both checksums of a frame rewritten in place (a RST answering a segment),
 * summed from the frame: the IPv4 header's 10 words, the TCP pseudo-header and
 * header (no payload). */
static void
seal_rewritten(struct tcp_engine *e, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + m->l3_len);

	if (e->tx_cksum_offload) {
		seal(e, m, 0);
		return;
	}
	if (!nfg_is_ipv4(m)) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)ip;
		seal(e, m, sum16(ip6->src_addr, 32) + rte_cpu_to_be_16(IPPROTO_TCP) +
				   ip6->payload_len + sum16(th, m->l4_len));
		return;
	}
	ip->hdr_checksum = (uint16_t)~fold(sum16(ip, sizeof(*ip)));
	uint16_t l4_len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - sizeof(*ip));
	seal(e, m, sum16(&ip->src_addr, 8) + rte_cpu_to_be_16(IPPROTO_TCP) +
			   rte_cpu_to_be_16(l4_len) + sum16(th, m->l4_len));
}

void
tcp_send_control(struct tcp_engine *e, const struct tcp_conn *c, uint8_t flags, uint32_t seq)
{
	uint8_t *payload;
	uint32_t sum;
	struct rte_mbuf *m = build(e, c, flags, seq, 0, &payload, &sum);

	if (m)
		seal(e, m, sum);
}

void
tcp_connect(struct tcp_engine *e, struct tcp_conn *c)
{
	tcp_connect_offering(e, c, tcp_offered(e));
}

void
tcp_connect_offering(struct tcp_engine *e, struct tcp_conn *c, uint8_t offered)
{
	c->iss = choose_iss(e, c);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->state = TCP_SYN_SENT;
	c->mss = 536; /* RFC 9293 3.7.1 default until the peer says */
	/* What our SYN offers; its answer decides (tcp_negotiate). */
	c->opts = offered & tcp_offered(e);
	c->snd_shift = c->rcv_shift = 0;
	c->ts_recent = 0;
	c->rto_ms = (uint16_t)e->cfg->rto_initial_ms;
	c->t_open_us = e->now_us;
	e->ctr[TC_ATTEMPTED]++;
	tcp_record_time(e, c, REC_SYN);
	tcp_send_control(e, c, RTE_TCP_SYN_FLAG, c->iss);
	tcp_arm_rto(e, c);
}

void
tcp_accept(struct tcp_engine *e, struct tcp_conn *c, struct rte_mbuf *syn)
{
	const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(syn, struct rte_tcp_hdr *,
							       syn->l2_len + syn->l3_len);

	struct tcp_opts o;

	c->irs = rte_be_to_cpu_32(th->sent_seq);
	c->rcv_nxt = c->irs + 1;
	c->snd_wnd = rte_be_to_cpu_16(th->rx_win); /* a SYN's: never scaled */
	/* The SYN's options, read within its header only (tcp_segment_check
	 * checked the data offset against the segment). */
	tcp_options_parse_syn((const uint8_t *)(th + 1), syn->l4_len - sizeof(*th), &o);
	if (unlikely(o.problems))
		tcp_count_option_problems(e, o.problems);
	tcp_negotiate(e, c, &o, tcp_offered(e));
	c->iss = choose_iss(e, c);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->state = TCP_SYN_RCVD;
	c->rto_ms = (uint16_t)e->cfg->rto_initial_ms;
	c->t_open_us = e->now_us;
	e->ctr[TC_ACCEPTED]++;
	tcp_record_time(e, c, REC_SYN);
	tcp_send_control(e, c, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, c->iss);
	tcp_arm_rto(e, c);
}

/* Where the next byte to send sits in the application stream. */
static inline uint32_t
stream_offset(const struct tcp_conn *c, uint32_t seq)
{
	return seq - (c->iss + 1);
}

void
tcp_send_message(struct tcp_engine *e, struct tcp_conn *c, uint32_t len)
{
	c->tx_msg_start = c->tx_end;
	c->tx_end += len;
	e->ctr[TC_MSGS_SENT]++;
}

void
tcp_close(struct tcp_engine *e, struct tcp_conn *c)
{
	(void)e;
	c->flags |= CF_FIN_QUEUED;
}

static void
fin_sent(struct tcp_engine *e, struct tcp_conn *c)
{
	c->flags |= CF_FIN_SENT;
	if (c->state == TCP_ESTABLISHED)
		c->state = TCP_FIN_WAIT_1;
	else if (c->state == TCP_CLOSE_WAIT)
		c->state = TCP_LAST_ACK;
	tcp_record_time(e, c, REC_FIN_OUT);
}

/* The payload one mbuf holds after the headers: a segment is built in one
 * mbuf, and an MSS (ours and the peer's) may be larger than that (jumbo). */
static inline uint32_t
max_payload(const struct tcp_engine *e, const struct tcp_conn *c)
{
	return rte_pktmbuf_data_room_size(e->pool) - RTE_PKTMBUF_HEADROOM -
	       (c->v6 ? TCP_HDRS6_LEN : HDRS_LEN) -
	       ((c->opts & TO_TS) ? TCP_TS_OPT_LEN : 0);
}

/* The bytes SACK blocks may take from a segment's payload: the MSS counts
 * no options (RFC 6691), so a full segment carrying blocks would outgrow the
 * path's MTU. At most, as blocks merge (rare: only while data is held). */
static inline uint32_t
sack_room(const struct tcp_conn *c)
{
	if (likely(!c->ooo) || !(c->opts & TO_SACK_PERM))
		return 0;
	return 4 + 8 * RTE_MIN((uint32_t)c->ooo, TCP_SACK_MAX_BLOCKS(c->opts & TO_TS));
}

/* One segment from snd_nxt: up to `room` payload bytes, FIN when it ends the
 * stream. Returns false when there was nothing to send. */
static bool
send_segment(struct tcp_engine *e, struct tcp_conn *c, uint32_t room)
{
	uint32_t off = stream_offset(c, c->snd_nxt);
	uint32_t mss = RTE_MIN((uint32_t)c->mss, max_payload(e, c)) - sack_room(c);
	uint32_t limit = RTE_MIN(room, mss);
	uint32_t len = off < c->tx_end ? RTE_MIN(c->tx_end - off, limit) : 0;
	/* The FIN follows the last byte; past it (off > tx_end) nothing is left. */
	bool fin = (c->flags & CF_FIN_QUEUED) && off + len == c->tx_end;
	uint8_t flags = RTE_TCP_ACK_FLAG | (fin ? RTE_TCP_FIN_FLAG : 0) |
			(len && off + len == c->tx_end ? RTE_TCP_PSH_FLAG : 0);
	uint8_t *payload;
	uint32_t sum;

	if (len == 0 && !fin)
		return false;
	struct rte_mbuf *m = build(e, c, flags, c->snd_nxt, len, &payload, &sum);
	if (!m)
		return false;
	if (len) {
		e->app->fill(e, c, off, payload, len);
		sum += payload_sum(e, off, payload, len);
	}
	seal(e, m, sum);
	if (len && off == 0)
		tcp_record_time(e, c, REC_FIRST_OUT);
	c->snd_nxt += len + fin;
	if (fin && !(c->flags & CF_FIN_SENT))
		fin_sent(e, c);
	if (SEQ_GT(c->snd_nxt, c->snd_max)) {
		e->ctr[TC_BYTES_OUT] += (uint32_t)(c->snd_nxt - c->snd_max) - fin;
		if (c->record != UINT32_MAX)
			e->records.r[c->record].bytes_out += (uint32_t)(c->snd_nxt - c->snd_max) - fin;
		if (!(c->flags & CF_RTT_TIMING)) {
			c->flags |= CF_RTT_TIMING;
			c->rtt_seq = c->snd_nxt;
			c->rtt_start_us = e->now_us;
		}
		c->snd_max = c->snd_nxt;
	}
	return true;
}

void
tcp_output(struct tcp_engine *e, struct tcp_conn *c, bool ack_now)
{
	bool sent = false;
	uint64_t no_mbuf = e->ctr[TC_NO_MBUF];

	if (c->state >= TCP_ESTABLISHED && c->state != TCP_TIME_WAIT) {
		for (;;) {
			uint32_t in_flight = c->snd_nxt - c->snd_una;
			uint32_t wnd = RTE_MIN(c->snd_wnd, c->cwnd);
			uint32_t room = wnd > in_flight ? wnd - in_flight : 0;
			bool fin_only = stream_offset(c, c->snd_nxt) == c->tx_end;
			/* A FIN needs no window; data does. */
			if (room == 0 && !fin_only)
				break;
			/* Sender silly-window avoidance (RFC 1122 4.2.3.4): no piece of a
			 * segment while more data waits and an ACK is due to open room;
			 * with nothing in flight, what fits goes (a small window stays
			 * small). */
			if (in_flight && room < c->mss &&
			    room < c->tx_end - stream_offset(c, c->snd_nxt) &&
			    room < max_payload(e, c))
				break;
			if (!send_segment(e, c, room))
				break;
			sent = true;
		}
	}
	if (!sent && ack_now && c->state != TCP_CLOSED)
		tcp_send_control(e, c, RTE_TCP_ACK_FLAG, c->snd_nxt);
	/* Something outstanding, a closed window to probe, or a segment the empty
	 * pool kept from being built: the retransmission timer tries again. */
	if (c->snd_una != c->snd_max || (c->snd_wnd == 0 && stream_offset(c, c->snd_nxt) < c->tx_end) ||
	    e->ctr[TC_NO_MBUF] != no_mbuf)
		tcp_arm_rto(e, c);
}

void
tcp_retransmit(struct tcp_engine *e, struct tcp_conn *c, bool one_segment)
{
	e->ctr[TC_RETRANSMITS]++;
	if (c->record != UINT32_MAX)
		e->records.r[c->record].retransmits++;
	/* Karn: no RTT sample from a retransmission, unless timestamps say
	 * which transmission an ACK answers (RFC 7323 4.1). */
	if (!(c->opts & TO_TS))
		c->flags &= (uint8_t)~CF_RTT_TIMING;
	if (c->state == TCP_SYN_SENT) {
		tcp_send_control(e, c, RTE_TCP_SYN_FLAG, c->iss);
		return;
	}
	if (c->state == TCP_SYN_RCVD) {
		tcp_send_control(e, c, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, c->iss);
		return;
	}
	uint32_t was = c->snd_nxt;
	c->snd_nxt = c->snd_una;
	if (one_segment) {
		/* Fast retransmit or window probe: the first unacknowledged segment
		 * only (a zero window still lets one byte through as the probe), then
		 * carry on where sending was. */
		uint32_t room = c->snd_wnd ? c->snd_wnd : 1;
		if (!send_segment(e, c, room))
			tcp_send_control(e, c, RTE_TCP_ACK_FLAG, c->snd_nxt);
		if (SEQ_GT(was, c->snd_nxt))
			c->snd_nxt = was;
	} else {
		/* Timeout: go back N, resend from snd_una as the window allows. */
		tcp_output(e, c, false);
	}
}

void
tcp_resend_at(struct tcp_engine *e, struct tcp_conn *c, uint32_t seq, uint32_t len)
{
	uint32_t was = c->snd_nxt;

	e->ctr[TC_RETRANSMITS]++;
	if (c->record != UINT32_MAX)
		e->records.r[c->record].retransmits++;
	if (!(c->opts & TO_TS))
		c->flags &= (uint8_t)~CF_RTT_TIMING; /* Karn */
	c->snd_nxt = seq;
	send_segment(e, c, len);
	if (SEQ_GT(was, c->snd_nxt))
		c->snd_nxt = was;
}

void
tcp_abort(struct tcp_engine *e, struct tcp_conn *c, enum tcp_cause cause)
{
	/* In SYN-SENT there is nothing to acknowledge yet. */
	if (c->state == TCP_SYN_SENT)
		tcp_send_control(e, c, RTE_TCP_RST_FLAG, c->snd_nxt);
	else
		tcp_send_control(e, c, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, c->snd_nxt);
	e->ctr[TC_RST_SENT]++;
	tcp_release(e, c, cause);
}

bool
tcp_abort_open(struct tcp_engine *e)
{
	unsigned budget = TCP_STOP_RESETS;

	if (!e->cfg->rst_at_stop)
		return false;
	if (nfg_tx_backlogged()) /* the port has not sent the last batch yet */
		budget = 0;
	for (; e->stop_scan < e->nb_conns && budget; e->stop_scan++) {
		struct tcp_conn *c = &e->conns[e->stop_scan];
		if (c->state != TCP_CLOSED && c->state != TCP_TIME_WAIT) {
			tcp_abort(e, c, CAUSE_ABORTED);
			budget--;
		}
	}
	if (e->stop_scan == e->nb_conns)
		return false;
	nfg_node_poll_request(e->node); /* the rest in the next walks */
	nfg_drain_request();
	return true;
}

void
tcp_reply_rst(struct tcp_engine *e, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + m->l3_len);
	bool v6 = !nfg_is_ipv4(m);
	uint32_t payload = tcp_segment_l4_bytes(m) - m->l4_len;
	uint8_t in_flags = th->tcp_flags;

	/* Never answer a RST (RFC 9293 3.10.7.1). The answer reuses the segment's
	 * mbuf; with IP options or IPv6 extension headers it would need moving
	 * headers, so those get none. */
	if ((in_flags & RTE_TCP_RST_FLAG) ||
	    m->l3_len != (v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(*ip))) {
		rte_pktmbuf_free(m);
		return;
	}
	if (in_flags & RTE_TCP_ACK_FLAG) {
		th->sent_seq = th->recv_ack;
		th->recv_ack = 0;
		th->tcp_flags = RTE_TCP_RST_FLAG;
	} else {
		uint32_t ack = rte_be_to_cpu_32(th->sent_seq) + payload +
			       !!(in_flags & RTE_TCP_SYN_FLAG) + !!(in_flags & RTE_TCP_FIN_FLAG);
		th->sent_seq = 0;
		th->recv_ack = rte_cpu_to_be_32(ack);
		th->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	}
	eth->dst_addr = eth->src_addr;
	eth->src_addr = e->cfg->src_mac;
	uint16_t p = th->src_port;
	th->src_port = th->dst_port;
	th->dst_port = p;
	th->data_off = 5 << 4;
	th->rx_win = 0;
	th->tcp_urp = 0;
	th->cksum = 0;
	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)ip;
		uint8_t a6[16];
		memcpy(a6, ip6->src_addr, 16);
		memcpy(ip6->src_addr, ip6->dst_addr, 16);
		memcpy(ip6->dst_addr, a6, 16);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(sizeof(*th));
		ip6->hop_limits = 64;
	} else {
		uint32_t a = ip->src_addr;
		ip->src_addr = ip->dst_addr;
		ip->dst_addr = a;
		ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*th));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->time_to_live = 64;
		ip->hdr_checksum = 0;
		ip->packet_id = rte_cpu_to_be_16(e->ip_id++);
	}
	/* Cut the frame after the bare TCP header (options and payload go). */
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - (m->l2_len + m->l3_len +
								    sizeof(*th))));
	m->l4_len = sizeof(*th);
	m->ol_flags = 0;
	e->ctr[TC_RST_SENT]++;
	seal_rewritten(e, m);
}
