/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The TCP state machine for one arriving segment (RFC 9293 3.10.7, "SEGMENT
 * ARRIVES"), with the RFC 5961 defences: a RST is only believed at exactly
 * RCV.NXT (else a challenge ACK), a SYN in a synchronized state gets a
 * challenge ACK, and an ACK for data never sent is answered and ignored.
 * Whatever arrives, nothing outside this connection's slot is touched, so a
 * forged segment can at worst end its own connection.
 *
 * In-order data is delivered; out-of-order data is dropped with a duplicate
 * ACK (the peer retransmits). Three duplicate ACKs trigger a fast retransmit.
 *
 * RFC 7323: the peer's windows are scaled by the shift it announced in its
 * SYN (never the SYN's own window); on a connection that agreed on
 * timestamps, each segment's TSval is checked against PAWS and the TSecr of
 * an ACK of new data is an RTT sample (tcp_rfc7323.c). A connection without
 * them pays one flag test.
 */
#include <rte_ip.h>
#include <rte_tcp.h>

#include "nfg/operator.h"
#include "nfg/packet.h"
#include "tcp_cc.h"
#include "tcp_rfc7323.h"

struct segment {
	struct rte_tcp_hdr *th;
	uint32_t seq, ack;
	uint16_t wnd;
	uint8_t flags;
	const uint8_t *payload;
	uint32_t len;   /* payload bytes */
	bool ts;        /* it carries timestamps (read only when the connection uses them) */
	uint32_t tsval, tsecr;
};

/* Flags no connection's segment carries: SYN with FIN or RST (a SYN+FIN
 * would open a connection), or none of SYN, ACK and RST (every state drops
 * those). Scans, not traffic: dropped here, never answered. */
static inline struct rte_tcp_hdr *
segment_flags_check(struct tcp_engine *e, struct rte_mbuf *m, struct rte_tcp_hdr *th)
{
	uint8_t fl = th->tcp_flags;
	if (unlikely(((fl & RTE_TCP_SYN_FLAG) && (fl & (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG))) ||
		     !(fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)))) {
		nfg_count(e->node, TC_DROP_BAD_SEGMENT, 1);
		tcp_mbuf_done(e, m);
		return NULL;
	}
	return th;
}

/* Whether parse's extension headers (all of l3_len after the fixed header,
 * already checked to fit) hold a Fragment header: then this is a first
 * fragment, not a whole segment (the later ones parse did not call TCP). */
static bool
ip6_fragment(struct rte_mbuf *m, const struct rte_ipv6_hdr *ip6)
{
	const uint8_t *ext = (const uint8_t *)(ip6 + 1), *end = (const uint8_t *)ip6 + m->l3_len;
	uint8_t next = ip6->proto;

	while (ext + 8 <= end) {
		if (next == IPPROTO_FRAGMENT)
			return true;
		next = ext[0];
		ext += ((uint32_t)ext[1] + 1) * 8;
	}
	return false;
}

/* The IPv6 side of tcp_segment_check(): the same whole-segment rule (parse
 * put any extension headers in l3_len; a fragment is not a whole segment),
 * and the checksum over the
 * IPv6 pseudo-header (RFC 8200 8.1) with the TCP length that is left after
 * extension headers. */
static __rte_noinline struct rte_tcp_hdr *
segment_check6(struct tcp_engine *e, struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip6 = nfg_l3(m);
	struct rte_tcp_hdr *th = nfg_l4(m);
	uint32_t after = rte_be_to_cpu_16(ip6->payload_len) + sizeof(*ip6);

	if (unlikely(after < (uint32_t)m->l3_len + m->l4_len ||
		     (uint32_t)m->l2_len + after > rte_pktmbuf_data_len(m) ||
		     (m->l3_len > sizeof(*ip6) && ip6_fragment(m, ip6)))) {
		nfg_count(e->node, TC_DROP_BAD_SEGMENT, 1);
		tcp_mbuf_done(e, m);
		return NULL;
	}
	if (e->cfg->verify_checksum &&
	    (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		if (tcp_ip6_sum(ip6, th, after - m->l3_len) != 0xffff) {
			nfg_count(e->node, TC_DROP_BAD_CHECKSUM, 1);
			tcp_mbuf_done(e, m);
			return NULL;
		}
	}
	return segment_flags_check(e, m, th);
}

struct rte_tcp_hdr *
tcp_segment_check(struct tcp_engine *e, struct rte_mbuf *m)
{
	e->ctr[TC_SEGS_IN]++;
	if (unlikely(!(nfg_is_ipv4(m) || (e->addr6 && nfg_is_ipv6(m))) ||
		     nfg_l4_type(m) != RTE_PTYPE_L4_TCP)) {
		nfg_count(e->node, TC_DROP_NOT_TCP, 1);
		tcp_mbuf_done(e, m);
		return NULL;
	}
	if (unlikely(!nfg_is_ipv4(m)))
		return segment_check6(e, m);
	struct rte_ipv4_hdr *ip = nfg_l3(m);
	struct rte_tcp_hdr *th = nfg_l4(m);
	uint32_t total = rte_be_to_cpu_16(ip->total_length);
	/* The whole segment, in the first mbuf: the payload is read in one piece
	 * (never past data_len), and a fragment is not a whole segment. */
	if (unlikely(total < (uint32_t)m->l3_len + m->l4_len ||
		     (uint32_t)m->l2_len + total > rte_pktmbuf_data_len(m) ||
		     (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
							      RTE_IPV4_HDR_OFFSET_MASK)))) {
		nfg_count(e->node, TC_DROP_BAD_SEGMENT, 1);
		tcp_mbuf_done(e, m);
		return NULL;
	}
	if (e->cfg->verify_checksum &&
	    (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
	    (rte_ipv4_cksum(ip) != 0 || rte_ipv4_udptcp_cksum_verify(ip, th) != 0)) {
		nfg_count(e->node, TC_DROP_BAD_CHECKSUM, 1);
		tcp_mbuf_done(e, m);
		return NULL;
	}
	return segment_flags_check(e, m, th);
}

static void
read_segment(struct rte_mbuf *m, struct segment *s)
{
	s->th = nfg_l4(m);
	s->seq = rte_be_to_cpu_32(s->th->sent_seq);
	s->ack = rte_be_to_cpu_32(s->th->recv_ack);
	s->wnd = rte_be_to_cpu_16(s->th->rx_win);
	s->flags = s->th->tcp_flags;
	s->payload = (const uint8_t *)s->th + m->l4_len;
	s->len = tcp_segment_l4_bytes(m) - m->l4_len;
	s->ts = false;
	s->tsval = s->tsecr = 0;
}

/* RFC 9293 3.10.7.4, the segment acceptability test, with our constant
 * receive window (as much of the buffer as our scale lets us announce). */
static bool
acceptable(const struct tcp_engine *e, const struct tcp_conn *c, const struct segment *s)
{
	uint32_t seglen = s->len + !!(s->flags & RTE_TCP_SYN_FLAG) + !!(s->flags & RTE_TCP_FIN_FLAG);
	uint32_t wnd = RTE_MIN(e->cfg->rcv_buf, (uint32_t)UINT16_MAX << c->rcv_shift);

	if (seglen == 0)
		return (uint32_t)(s->seq - c->rcv_nxt) < wnd;
	return (uint32_t)(s->seq - c->rcv_nxt) < wnd ||
	       (uint32_t)(s->seq + seglen - 1 - c->rcv_nxt) < wnd;
}

static void
established(struct tcp_engine *e, struct tcp_conn *c)
{
	c->state = TCP_ESTABLISHED;
	tcp_cc_start(c);
	e->ctr[TC_ESTABLISHED]++;
	tcp_record_time(e, c, REC_ESTABLISHED);
	nfg_hist_add(&e->connect_time, (uint64_t)(e->now_us - c->t_open_us) * 1000);
	e->app->established(e, c);
}

static void
syn_sent(struct tcp_engine *e, struct tcp_conn *c, struct rte_mbuf *m, const struct segment *s)
{
	bool ack_ok = false;

	if (s->flags & RTE_TCP_ACK_FLAG) {
		if (SEQ_LEQ(s->ack, c->iss) || SEQ_GT(s->ack, c->snd_max)) {
			if (!(s->flags & RTE_TCP_RST_FLAG)) {
				tcp_reply_rst(e, m);
				return;
			}
			nfg_drop(e->node, TC_DROP_OUT_OF_WINDOW, &m, 1);
			return;
		}
		ack_ok = true;
	}
	if (s->flags & RTE_TCP_RST_FLAG) {
		if (!ack_ok) { /* RFC 9293 3.10.7.3: a RST without an ACK is dropped */
			nfg_drop(e->node, TC_DROP_BAD_SEGMENT, &m, 1);
			return;
		}
		e->ctr[TC_RST_RCVD]++;
		tcp_release(e, c, CAUSE_REFUSED);
		tcp_mbuf_done(e, m);
		return;
	}
	if (!(s->flags & RTE_TCP_SYN_FLAG)) {
		nfg_drop(e->node, TC_DROP_BAD_SEGMENT, &m, 1);
		return;
	}
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->snd_wnd = s->wnd; /* a SYN's window is never scaled (RFC 7323 2.2) */
	/* The peer's options, read within the SYN-ACK's header only, against
	 * what our SYN offered (c->opts until now). */
	struct tcp_opts o;
	tcp_options_parse_syn((const uint8_t *)(s->th + 1), m->l4_len - sizeof(*s->th), &o);
	if (unlikely(o.problems))
		tcp_count_option_problems(e, o.problems);
	tcp_negotiate(e, c, &o, c->opts);
	tcp_mbuf_done(e, m);
	if (ack_ok) {
		/* No RTT sample from the handshake: the first comes with the first
		 * flight's ACK, as without timestamps (on a short connection a
		 * sample per side is 2% of its cycles). */
		c->snd_una = s->ack;
		c->retries = 0;
		tw_cancel(&e->tw, conn_index(e, c));
		c->flags &= (uint8_t)~CF_RTO;
		established(e, c);
		if (c->state == TCP_CLOSED)
			return;
		tcp_output(e, c, true); /* the ACK, with the request when there is one */
		/* Nothing to send (an application that waits for the server to
		 * speak): the idle timer watches the connection instead of the RTO. */
		if (!tw_pending(&e->tw, conn_index(e, c)))
			tcp_arm_timer_ms(e, c, e->cfg->idle_timeout_ms);
	} else {
		/* Simultaneous open (RFC 9293 3.5): answer with our SYN again, acked. */
		c->state = TCP_SYN_RCVD;
		tcp_retransmit(e, c, true);
	}
}

void
tcp_deliver(struct tcp_engine *e, struct tcp_conn *c, const uint8_t *p, uint32_t n)
{
	c->rcv_nxt += n;
	e->ctr[TC_BYTES_IN] += n;
	if (c->record != UINT32_MAX) {
		e->records.r[c->record].bytes_in += n;
		records_mark(&e->records, c->record, REC_FIRST_IN);
	}
	e->app->data(e, c, p, n);
}

/* The payload and FIN of an acceptable segment. Returns true when an ACK is
 * due; *kept when the segment's mbuf was kept (held out of order). */
static bool
receive(struct tcp_engine *e, struct tcp_conn *c, const struct segment *s, struct rte_mbuf *m,
	bool *kept)
{
	bool ack = false;
	bool fin = s->flags & RTE_TCP_FIN_FLAG;

	if (s->len) {
		ack = true;
		if (c->state > TCP_FIN_WAIT_2 || c->state < TCP_ESTABLISHED) {
			/* Data after the peer's FIN: ignore it (RFC 9293 3.10.7.4). */
			fin = false;
		} else if (SEQ_GT(s->seq, c->rcv_nxt)) {
			/* Beyond a hole: hold it if there is room (a FIN is not held; the
			 * peer sends it again). Either way a duplicate ACK tells the peer. */
			/* Only within the window the application announced: what it
			 * cannot take must not be kept to be delivered later. */
			bool fits = !e->app->rcv_window ||
				    s->seq + s->len - c->rcv_nxt <= e->app->rcv_window(e, c);
			if (!fin && fits && tcp_ooo_hold(e, c, m, s->seq, s->payload, s->len))
				*kept = true;
			else
				nfg_count(e->node, TC_DROP_OUT_OF_ORDER, 1);
			return true;
		} else if (SEQ_GT(s->seq + s->len, c->rcv_nxt)) {
			uint32_t skip = c->rcv_nxt - s->seq, n = s->len - skip;
			/* An application with a receive limit takes no more than it
			 * announced; the rest is not acknowledged, so it comes again. */
			if (e->app->rcv_window && n > e->app->rcv_window(e, c))
				n = e->app->rcv_window(e, c);
			if (n < s->len - skip)
				fin = false;
			if (n)
				tcp_deliver(e, c, s->payload + skip, n);
			if (c->state == TCP_CLOSED)
				return false;
			if (c->ooo)
				tcp_ooo_deliver(e, c);
			if (c->state == TCP_CLOSED)
				return false;
		}
	}
	if (fin && !(c->flags & CF_FIN_RCVD)) {
		if (s->seq + s->len != c->rcv_nxt) {
			/* A FIN beyond a hole waits for the hole, like data: dup ACK. */
			nfg_count(e->node, TC_DROP_OUT_OF_ORDER, 1);
			return true;
		}
		c->rcv_nxt++;
		c->flags |= CF_FIN_RCVD;
		tcp_record_time(e, c, REC_FIN_IN);
		ack = true;
		if (c->state == TCP_ESTABLISHED) {
			c->state = TCP_CLOSE_WAIT;
		} else if (c->state == TCP_FIN_WAIT_1) {
			c->state = TCP_CLOSING;  /* simultaneous close */
		} else if (c->state == TCP_FIN_WAIT_2) {
			tcp_output(e, c, true);
			tcp_enter_time_wait(e, c);
			return false;
		}
		e->app->peer_closed(e, c);
	}
	return ack;
}

/* A pure ACK overtaken by a later segment on the way (reordering): its
 * TSval is older, yet it is no old duplicate — at RCV.NXT, for data we sent,
 * its timestamp within a retransmission timeout of TS.Recent. Dropping it
 * would lose its SACK blocks (Linux exempts these too). */
static inline bool
disordered_ack(const struct tcp_conn *c, const struct segment *s)
{
	return s->len == 0 && !(s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG)) &&
	       (s->flags & RTE_TCP_ACK_FLAG) && s->seq == c->rcv_nxt &&
	       SEQ_LEQ(s->ack, c->snd_max) && (uint32_t)(c->ts_recent - s->tsval) <= c->rto_ms;
}

/* Whether a segment may carry SACK blocks: SACK agreed, and more options
 * than the timestamps every segment has. */
static inline bool
has_sack_blocks(const struct tcp_conn *c, const struct segment *s)
{
	unsigned opt_len = (unsigned)(s->th->data_off >> 4) * 4 - sizeof(*s->th);

	return (c->opts & TO_SACK_PERM) && opt_len > ((c->opts & TO_TS) ? TCP_TS_OPT_LEN : 0u);
}

/* The ACK field of an acceptable segment. Returns false when the connection is gone. */
static bool
process_ack(struct tcp_engine *e, struct tcp_conn *c, const struct segment *s)
{
	uint32_t wnd = (uint32_t)s->wnd << c->snd_shift;

	if (SEQ_GT(s->ack, c->snd_una)) {
		if (unlikely(c->tlp & TLP_SENT))
			tcp_probe_answered(e, c, s->th, s->ack, s->ts ? s->tsecr : 0);
		tcp_cc_acked(c, s->ack - c->snd_una);
		c->snd_una = s->ack;
		if (SEQ_LT(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		c->retries = 0;
		c->dupacks = 0;
		if (unlikely(c->recovery))
			tcp_sack_acked(e, c, s->th);
		/* One sample per flight, when the ACK covers the segment being
		 * timed: with timestamps, the time its TSecr echoes (RFC 7323 4.1:
		 * right after a retransmission too, so timing goes on through
		 * them); without, the time since it was sent (Karn's rule). More
		 * samples per round trip would only narrow RTTVAR (RFC 7323 app. G). */
		if ((c->flags & CF_RTT_TIMING) && SEQ_GEQ(s->ack, c->rtt_seq)) {
			c->flags &= (uint8_t)~CF_RTT_TIMING;
			if (s->ts && s->tsecr)
				tcp_ts_rtt(e, c, s->tsecr);
			else if (!(c->opts & TO_TS)) /* (else it may have been resent) */
				tcp_rtt_sample(e, c, e->now_us - c->rtt_start_us);
		}
		c->flags &= (uint8_t)~CF_RTO; /* RFC 6298 5.3: restart for what is left */
		if (c->snd_una == c->snd_max)
			tcp_arm_timer_ms(e, c, e->cfg->idle_timeout_ms);
		else
			tcp_arm_rto(e, c);
	} else if (s->ack == c->snd_una && s->wnd == 0) {
		/* The window is still closed, but the peer answers (our window probe):
		 * probing goes on as long as it does (RFC 9293 3.8.6.1), and a closed
		 * window is no sign of loss either. */
		c->retries = 0;
	} else if (s->ack == c->snd_una && s->len == 0 && !(s->flags & RTE_TCP_FIN_FLAG) &&
		   c->snd_una != c->snd_max && (wnd == c->snd_wnd || has_sack_blocks(c, s))) {
		/* A duplicate ACK (RFC 5681 2), or one with SACK blocks whatever its
		 * window (RFC 6675 2: receivers such as Linux move their window on
		 * almost every ACK). */
		e->ctr[TC_DUP_ACKS]++;
		if (c->recovery) {
			++c->dupacks;
			tcp_sack_dupack(e, c, s->th); /* one cut of cwnd per recovery */
		} else if (++c->dupacks == 3) {
			tcp_cc_loss(c, false);
			tcp_retransmit(e, c, true);
			if (c->opts & TO_SACK_PERM)
				tcp_sack_enter(e, c);
		}
	}
	c->snd_wnd = wnd;

	bool fin_acked = (c->flags & CF_FIN_SENT) && c->snd_una == c->snd_max;
	if (!fin_acked)
		return true;
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		c->state = TCP_FIN_WAIT_2;
		break;
	case TCP_CLOSING:
		tcp_enter_time_wait(e, c);
		return c->state == TCP_TIME_WAIT; /* else it went to the TIME_WAIT store */
	case TCP_LAST_ACK:
		tcp_release(e, c, CAUSE_PASSIVE_CLOSE);
		return false;
	default:
		break;
	}
	return true;
}

bool
tcp_engine_owns_destination(const struct tcp_engine *e, struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip6 = tcp_segment_ip6(m);

	if (!e->cfg->port)
		return true;
	if (ip6)
		return nfg_port_owns_ipv6(e->cfg->port, ip6->dst_addr);
	return nfg_port_owns_ipv4(e->cfg->port, ((const struct rte_ipv4_hdr *)nfg_l3(m))->dst_addr);
}

void
tcp_input(struct tcp_engine *e, struct tcp_conn *c, struct rte_mbuf *m)
{
	struct segment s;

	read_segment(m, &s);
	if (!c || c->state == TCP_CLOSED) {
		if (!tcp_engine_owns_destination(e, m))
			nfg_drop(e->node, TC_DROP_NOT_FOR_US, &m, 1);
		else if (s.flags & RTE_TCP_RST_FLAG)
			nfg_drop(e->node, TC_DROP_RST_NO_CONNECTION, &m, 1);
		else {
			nfg_count(e->node, TC_DROP_NO_CONNECTION, 1);
			tcp_reply_rst(e, m);
		}
		return;
	}
	if (c->state == TCP_SYN_SENT) {
		syn_sent(e, c, m, &s);
		return;
	}
	if (c->state == TCP_TIME_WAIT) {
		/* The peer did not get our last ACK: ACK its FIN again, wait again.
		 * Anything else is past the end of the connection (a RST too, RFC 1337). */
		if ((s.flags & RTE_TCP_FIN_FLAG) && !(s.flags & RTE_TCP_RST_FLAG)) {
			tcp_output(e, c, true);
			tcp_arm_timer_ms(e, c, e->cfg->time_wait_ms);
			tcp_mbuf_done(e, m);
		} else {
			nfg_drop(e->node, TC_DROP_OUT_OF_WINDOW, &m, 1);
		}
		return;
	}
	/* A SYN in a synchronized state, whatever its sequence number: a challenge
	 * ACK (RFC 5961 4.2). In SYN-RECEIVED the peer's SYN again means our
	 * SYN-ACK was lost: send it again (its SEQ is RCV.NXT - 1, so the
	 * acceptability test would only have ACKed it). tcp_segment_check already
	 * refused SYN with RST or FIN. */
	if (s.flags & RTE_TCP_SYN_FLAG) {
		if (c->state == TCP_SYN_RCVD && !(s.flags & RTE_TCP_ACK_FLAG) && s.seq == c->irs) {
			tcp_retransmit(e, c, true);
		} else {
			e->ctr[TC_CHALLENGE_ACKS]++;
			tcp_output(e, c, true);
		}
		tcp_mbuf_done(e, m);
		return;
	}
	if (c->opts & TO_TS) {
		s.ts = tcp_ts_read(e, s.th, m->l4_len, &s.tsval, &s.tsecr);
		/* PAWS (RFC 7323 5.3): an old duplicate is answered with an ACK and
		 * dropped. A RST is judged by its sequence number alone, as RFC 7323
		 * 5.3 recommends (and Linux does). */
		if (s.ts && !(s.flags & RTE_TCP_RST_FLAG) && tcp_paws_reject(c, s.tsval) &&
		    !disordered_ack(c, &s)) {
			tcp_output(e, c, true);
			nfg_drop(e->node, TC_DROP_PAWS, &m, 1);
			return;
		}
	}
	if (!acceptable(e, c, &s)) {
		if (!(s.flags & RTE_TCP_RST_FLAG))
			tcp_output(e, c, true);
		nfg_drop(e->node, TC_DROP_OUT_OF_WINDOW, &m, 1);
		return;
	}
	if (s.ts)
		tcp_ts_update(c, s.seq, s.tsval);
	if (s.flags & RTE_TCP_RST_FLAG) {
		if (s.seq == c->rcv_nxt) {
			e->ctr[TC_RST_RCVD]++;
			tcp_release(e, c, CAUSE_RESET);
		} else {
			e->ctr[TC_CHALLENGE_ACKS]++; /* RFC 5961 3.2 */
			tcp_output(e, c, true);
		}
		tcp_mbuf_done(e, m);
		return;
	}
	if (!(s.flags & RTE_TCP_ACK_FLAG)) {
		nfg_drop(e->node, TC_DROP_BAD_SEGMENT, &m, 1);
		return;
	}
	if (c->state == TCP_SYN_RCVD) {
		if (SEQ_LEQ(s.ack, c->snd_una) || SEQ_GT(s.ack, c->snd_max)) {
			tcp_reply_rst(e, m);
			return;
		}
		c->snd_una = s.ack;
		c->snd_wnd = (uint32_t)s.wnd << c->snd_shift;
		c->retries = 0;
		c->flags &= (uint8_t)~CF_RTO;
		tcp_arm_timer_ms(e, c, e->cfg->idle_timeout_ms);
		established(e, c);
		if (c->state == TCP_CLOSED) {
			tcp_mbuf_done(e, m);
			return;
		}
	} else if (SEQ_GT(s.ack, c->snd_max) || SEQ_LT(s.ack, c->snd_una - tcp_peer_max_window(c))) {
		/* An ACK of data never sent (RFC 9293 3.10.7.4), or older than any
		 * window could be (RFC 5961 5.2): say where we are, drop the segment
		 * with its data. */
		tcp_output(e, c, true);
		nfg_drop(e->node, TC_DROP_OUT_OF_WINDOW, &m, 1);
		return;
	} else if (!process_ack(e, c, &s)) {
		tcp_mbuf_done(e, m);
		return;
	}
	/* The peer spoke: an idle timer (not a retransmission, think or
	 * TIME_WAIT timer) starts over, so a long download is not "idle". */
	if (!(c->flags & (CF_RTO | CF_THINKING)) && c->state != TCP_TIME_WAIT &&
	    tw_pending(&e->tw, conn_index(e, c)))
		tcp_arm_timer_ms(e, c, e->cfg->idle_timeout_ms);
	bool kept = false;
	uint32_t rcv_before = c->rcv_nxt;
	bool ack_now = receive(e, c, &s, m, &kept);
	if (!kept)
		tcp_mbuf_done(e, m);
	if (c->state == TCP_CLOSED || c->state == TCP_TIME_WAIT)
		return;
	/* Only an ACK of new in-order bytes may wait: a duplicate ACK (a hole,
	 * old data) tells the peer something now. */
	if (ack_now && e->app->ack_later &&
	    e->app->ack_later(e, c, c->rcv_nxt != rcv_before && !c->ooo))
		ack_now = false;
	tcp_output(e, c, ack_now);
}
