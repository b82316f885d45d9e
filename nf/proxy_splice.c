/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Splicing: once both sides are connected, every segment is forwarded in its
 * own mbuf (zero copy) with addresses and ports rewritten and sequence and
 * acknowledgement numbers moved between the two connections' number spaces;
 * the checksums follow incrementally (RFC 1624). Retransmissions, windows and
 * the peers' own ACKs pass through; the only bytes the proxy answers for are
 * the first payload it held, which it retransmits itself until the backend
 * acknowledges them.
 *
 * The translation, with H_c the held bytes from the client and H_s what the
 * backend got for them (request hooks may change the length):
 *   client -> server  seq + (iss_s + 1 + H_s) - (irs_c + 1 + H_c)
 *                     ack + (irs_s + 1) - (iss_c + 1)
 *   server -> client  seq + (iss_c + 1) - (irs_s + 1)
 *                     ack + (irs_c + 1 + H_c) - (iss_s + 1 + H_s), never below
 *                     irs_c + 1 + H_c (we acknowledged that much ourselves), so
 *                     a backend's window updates still reach the client.
 * When the client's FIN came with its first payload, before the backend was
 * connected, it follows that payload: both starts count one more.
 *
 * Windows (RFC 7323): each end scales the windows it announces by the shift
 * it gave the proxy, and reads ours by the shift the proxy gave it; the two
 * handshakes were separate, so a window crossing over is rescaled from the
 * sender's shift to the receiver's, rounded down (65535 units at most). Never
 * up: a window rounded up offers the other end up to a unit more than the
 * sender takes; it sends that much, the sender drops it, and when its window
 * then closes, every later ACK from that end lies beyond its RCV.NXT and is
 * refused unread (RFC 9293 3.10.7.4) — a 50 MB echo between Linux ends
 * stalled so. Rounding down can only seem to pull the right edge back by
 * less than a unit, which senders must bear anyway (RFC 7323 2.4). Equal
 * shifts (and immediate binding, where both ends negotiated with each other)
 * leave it as it is. Timestamps are not negotiated in delayed binding
 * (tcp_proxy.c). SACK is, end to end: the backend is offered it only when the
 * client agreed to it, and blocks are translated like the ACK beside them
 * (translate_sack).
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "nfg/packet.h"
#include "proxy_internal.h"
#include "tcp_options.h"

void
px_splice_start(struct px_worker *w, uint32_t i)
{
	struct px_slot *s = &w->slots[i];
	const struct tcp_conn *cc = &w->ec.conns[i], *sc = &w->es.conns[i];
	/* What we acknowledged to the client ourselves (the held payload, and its
	 * FIN if it came then), and the end of what we send the backend for it. */
	uint32_t c_start = cc->rcv_nxt;
	uint32_t s_start = sc->iss + 1 + s->sent_len + !!(sc->flags & CF_FIN_QUEUED);

	s->c2s_seq = s_start - c_start;
	s->c2s_ack = (sc->irs + 1) - (cc->iss + 1);
	s->s2c_seq = (cc->iss + 1) - (sc->irs + 1);
	s->s2c_ack = c_start - s_start;
	s->c_next = c_start;
	s->s_next = sc->irs + 1;
	if (s->flags & PXF_CLIENT_FIN)
		s->fin_out[NFG_PROXY_TO_SERVER] = s_start; /* we send it, after the payload */
	/* Client segments the engine held beyond a hole would wait for nothing:
	 * from now on the client's retransmissions of them are spliced. */
	if (w->ec.conns[i].ooo)
		tcp_ooo_forget(&w->ec, &w->ec.conns[i]);
	s->state = PX_SPLICE;
	s->last_tsc = w->ec.now_tsc; /* the burst's time */
	w->ctr[PX_PROXIED]++;
	w->ctr[w->cfg->backend_counter0 + s->backend]++;
	/* The client side's timer now only watches for idleness (no longer the
	 * inspect time). */
	w->ec.conns[i].flags &= (uint8_t)~CF_THINKING;
	tcp_arm_timer_ms(&w->ec, &w->ec.conns[i], w->cfg->idle_timeout_ms);
}

void
px_splice_immediate(struct px_worker *w, uint32_t i, uint32_t client_isn)
{
	struct px_slot *s = &w->slots[i];

	s->c2s_seq = s->c2s_ack = s->s2c_seq = s->s2c_ack = 0;
	s->c_next = client_isn;
	s->flags |= PXF_HELD_ACKED; /* nothing is held */
	/* Neither side's engine sees a segment: they only keep the timer and the
	 * addresses, and count the connection when it ends. */
	w->ec.conns[i].state = TCP_ESTABLISHED;
	/* Where the proxy's own acknowledgement ends (the ack floor, and the end of
	 * the held bytes cut from client segments): before anything the client sends. */
	w->ec.conns[i].rcv_nxt = client_isn;
	w->es.conns[i].state = TCP_ESTABLISHED;
	s->state = PX_SPLICE;
	s->last_tsc = w->ec.now_tsc; /* the burst's time */
	/* Counted proxied when the backend answers (backend_up), not here. */
	tcp_arm_timer_ms(&w->ec, &w->ec.conns[i], w->cfg->idle_timeout_ms);
}

/* Immediate binding: the backend's first answer to the SYN. A SYN-ACK: both
 * ends are up, the connection is proxied; a RST: it refused. (Its silence
 * ends at the idle timeout: px_timer.) */
static void
backend_up(struct px_worker *w, uint32_t i, uint8_t flags)
{
	struct px_slot *s = &w->slots[i];

	if ((flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) {
		s->flags |= PXF_BACKEND_UP;
		w->ctr[PX_PROXIED]++;
		w->ctr[w->cfg->backend_counter0 + s->backend]++;
	} else if (flags & RTE_TCP_RST_FLAG) {
		w->ctr[PX_BACKEND_FAILED]++;
	}
}

/* An IPv6 segment's addresses become the connection's (a), its hop limit
 * fresh; returns the TCP checksum moved by the address change. */
static uint16_t
retarget6(struct rte_ipv6_hdr *ip6, const struct tcp_addr6 *a, uint16_t ck)
{
	for (unsigned k = 0; k < 16; k += 2) {
		uint16_t o, n;
		memcpy(&o, ip6->src_addr + k, 2);
		memcpy(&n, a->local + k, 2);
		ck = nfg_cksum_update16(ck, o, n);
		memcpy(&o, ip6->dst_addr + k, 2);
		memcpy(&n, a->remote + k, 2);
		ck = nfg_cksum_update16(ck, o, n);
	}
	memcpy(ip6->src_addr, a->local, 16);
	memcpy(ip6->dst_addr, a->remote, 16);
	ip6->hop_limits = 64;
	return ck;
}

/* An IPv4 segment's addresses become the connection's, its TTL fresh; the
 * IP checksum follows the changed words (`addrs`: the addresses' change,
 * which the TCP checksum's pseudo-header takes too). */
static void
retarget4(struct rte_ipv4_hdr *ip, const struct tcp_conn *out, uint64_t addrs)
{
	/* TTL and protocol share one 16-bit word. */
	uint16_t old_word, new_word;
	memcpy(&old_word, &ip->time_to_live, 2);
	/* The new word made from the old, not read back after the byte store:
	 * a word load of a byte just stored stalls on store forwarding (13% of
	 * this function's samples). TTL is the word's first byte in memory. */
	uint8_t bytes[2];
	memcpy(bytes, &old_word, 2);
	bytes[0] = 64;
	memcpy(&new_word, bytes, 2);
	ip->time_to_live = 64;
	ip->hdr_checksum = nfg_cksum_apply(ip->hdr_checksum,
					   addrs + nfg_cksum_delta16(old_word, new_word));
	ip->src_addr = out->local_ip;
	ip->dst_addr = out->remote_ip;
}

/* Rewrites a segment for connection i of the other side's engine `to`, in
 * place; `in_shift`: the window scale of the side it came from. Every
 * checksum change is summed first and folded once. */
static void
retarget(struct rte_mbuf *m, struct tcp_engine *to, uint32_t i, uint32_t seq_add,
	 uint32_t ack_add, const uint32_t *ack_floor, uint8_t in_shift)
{
	const struct tcp_conn *out = &to->conns[i];
	const struct tcp_engine_config *cfg = to->cfg;
	struct rte_ether_hdr *eth = nfg_eth(m);
	struct rte_ipv4_hdr *ip = nfg_l3(m);
	struct rte_tcp_hdr *th = nfg_l4(m);
	uint16_t ck = th->cksum;
	uint64_t addrs = 0, d;

	if (unlikely(out->v6))
		ck = retarget6(nfg_l3(m), &to->addr6[i], ck);
	else
		addrs = nfg_cksum_delta32(ip->src_addr, out->local_ip) +
			nfg_cksum_delta32(ip->dst_addr, out->remote_ip);
	d = addrs + nfg_cksum_delta16(th->src_port, out->local_port) +
	    nfg_cksum_delta16(th->dst_port, out->remote_port);
	uint32_t seq = rte_cpu_to_be_32(rte_be_to_cpu_32(th->sent_seq) + seq_add);
	d += nfg_cksum_delta32(th->sent_seq, seq);
	th->sent_seq = seq;
	if (th->tcp_flags & RTE_TCP_ACK_FLAG) {
		uint32_t a = rte_be_to_cpu_32(th->recv_ack) + ack_add;
		if (ack_floor && SEQ_LT(a, *ack_floor))
			a = *ack_floor; /* (NULL: no floor; 0 is a sequence number too) */
		uint32_t ack = rte_cpu_to_be_32(a);
		d += nfg_cksum_delta32(th->recv_ack, ack);
		th->recv_ack = ack;
	}
	if (unlikely(in_shift != out->rcv_shift) && !(th->tcp_flags & RTE_TCP_SYN_FLAG)) {
		uint32_t bytes = (uint32_t)rte_be_to_cpu_16(th->rx_win) << in_shift;
		uint32_t units = bytes >> out->rcv_shift; /* down: see the top of this file */
		uint16_t win = rte_cpu_to_be_16((uint16_t)RTE_MIN(units, (uint32_t)UINT16_MAX));
		d += nfg_cksum_delta16(th->rx_win, win);
		th->rx_win = win;
	}
	th->cksum = nfg_cksum_apply(ck, d);
	th->src_port = out->local_port;
	th->dst_port = out->remote_port;
	if (likely(!out->v6))
		retarget4(ip, out, addrs); /* (IPv6's addresses were written above) */

	/* Byte copies: the frame need not start 2-byte aligned (a port may
	 * deliver it anywhere), and struct rte_ether_hdr says it does. */
	memcpy(&eth->src_addr, &cfg->src_mac, RTE_ETHER_ADDR_LEN);
	if (cfg->dst_mac_static)
		memcpy(&eth->dst_addr, &cfg->dst_mac, RTE_ETHER_ADDR_LEN);
	m->ol_flags = 0;
}

/* How far data hooks moved a byte at `seq` of direction `dir` (sender's space). */
static int32_t
shift_at(const struct px_slot *s, unsigned dir, uint32_t seq)
{
	int32_t total = 0;

	for (unsigned k = 0; k < s->nb_shifts[dir] && SEQ_LEQ(s->shifts[dir][k].at, seq); k++)
		total = s->shifts[dir][k].total;
	return total;
}

/* The same for an ACK of direction `dir`'s data, given in the receiver's
 * space (where the moved bytes ended up): `base` is the direction's fixed
 * translation. */
static int32_t
shift_of_ack(const struct px_slot *s, unsigned dir, uint32_t base, uint32_t ack)
{
	int32_t total = 0;

	for (unsigned k = 0; k < s->nb_shifts[dir]; k++) {
		const struct px_shift *sh = &s->shifts[dir][k];
		if (!SEQ_LEQ(sh->at + base + (uint32_t)sh->total, ack))
			break;
		total = sh->total;
	}
	return total;
}

/* Remembers that the segment [seq, seq + len) became `now` bytes long. A
 * retransmission must change the same way; anything else resets, and so
 * does a change beyond PX_MAX_SHIFTS (counted apart). */
static bool
note_resize(struct px_worker *w, struct px_slot *s, unsigned dir, uint32_t seq, uint32_t len,
	    uint32_t now)
{
	uint32_t at = seq + len;
	int32_t delta = (int32_t)now - (int32_t)len;
	unsigned n = s->nb_shifts[dir];

	for (unsigned k = 0; k < n; k++) {
		if (s->shifts[dir][k].at == at) {
			int32_t before = k ? s->shifts[dir][k - 1].total : 0;
			if (s->shifts[dir][k].total - before == delta)
				return true;
			w->ctr[PX_HOOK_CLOSED]++; /* a retransmission changed otherwise */
			return false;
		}
	}
	if (n == PX_MAX_SHIFTS) {
		w->ctr[PX_HOOK_RESIZES_OVER]++;
		return false;
	}
	if (n && !SEQ_GT(at, s->shifts[dir][n - 1].at)) {
		w->ctr[PX_HOOK_CLOSED]++; /* a change inside bytes already sent */
		return false;
	}
	s->shifts[dir][n] = (struct px_shift){ at, (n ? s->shifts[dir][n - 1].total : 0) + delta };
	s->nb_shifts[dir]++;
	return true;
}

/* The data hooks on a spliced segment, which may change its length; false
 * when one closed the connection. Checksums are computed anew after. */
static bool
run_data_hooks(struct px_worker *w, uint32_t i, struct rte_mbuf *m, unsigned dir)
{
	const struct px_config *cfg = w->cfg;
	struct rte_tcp_hdr *th = nfg_l4(m);
	uint32_t hdrs = m->l2_len + m->l3_len + m->l4_len;
	uint32_t len = tcp_segment_l4_bytes(m) - m->l4_len, now = len;

	if (!cfg->data_hooks || len == 0 || m->nb_segs != 1)
		return true;
	/* Ethernet padding goes first, so the payload ends the frame. */
	if (rte_pktmbuf_data_len(m) > hdrs + len)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - hdrs - len));
	uint32_t cap = RTE_MIN(len + rte_pktmbuf_tailroom(m),
			       PX_MAX_FRAME_IP - (uint32_t)m->l3_len - m->l4_len);
	cap = RTE_MAX(cap, len);
	struct nfg_proxy_conn ci = px_conn_info(w, i);
	uint8_t *payload = (uint8_t *)th + m->l4_len;
	for (unsigned h = 0; h < cfg->nb_hooks; h++) {
		if (!cfg->hooks[h]->data)
			continue;
		int n = cfg->hooks[h]->data(cfg->hook_state[h], &ci, (enum nfg_proxy_direction)dir,
					    payload, now, cap);
		if (n < 0 || (uint32_t)n > cap) {
			w->ctr[PX_HOOK_CLOSED]++;
			return false;
		}
		now = (uint32_t)n;
	}
	if (now != len) {
		if (!note_resize(w, &w->slots[i], dir, rte_be_to_cpu_32(th->sent_seq), len, now))
			return false;
		if (now > len)
			rte_pktmbuf_append(m, (uint16_t)(now - len));
		else
			rte_pktmbuf_trim(m, (uint16_t)(len - now));
		tcp_segment_set_l4_bytes(m, m->l4_len + now);
	}
	return true;
}

static void
maybe_linger(struct px_worker *w, uint32_t i)
{
	struct px_slot *s = &w->slots[i];

	const uint16_t both = PXF_CLIENT_FIN_ACKED | PXF_SERVER_FIN_ACKED;

	if (s->state != PX_SPLICE || (s->flags & both) != both)
		return;
	/* Both FINs arrived and were acknowledged: nothing is left to retransmit
	 * but a last ACK; those still pass for a while, then the slot goes. (Not
	 * at the FINs themselves: data lost before them still has to get through.) */
	s->state = PX_LINGER;
	w->ctr[PX_DONE]++;
	tcp_arm_timer_ms(&w->ec, &w->ec.conns[i], w->cfg->linger_ms);
	age_ring_push(&w->lingering, i, s->id, w->ec.now_us); /* its slot is the first to go if short */
}

/*
 * SACK blocks (RFC 2018) name the other direction's bytes in this sender's
 * receive space, as its ACK does, so in delayed binding each edge moves as
 * the ACK does: the direction's fixed translation, less what data hooks
 * changed before it. A block reaching down to `floor` (what the proxy itself
 * acknowledged to the client, where the ACK beside it is raised to) goes:
 * wholly below, it says nothing the receiver can use; across it (the
 * backend still misses some of the held payload the proxy resends, and
 * holds bytes the client sent after), it would start at or below that ACK,
 * a block the sender discards (blocks lie above the ACK, RFC 2018 3; Linux
 * counts it invalid). When the receiver did not
 * negotiate SACK, or no block is left, the option becomes NOPs. The TCP
 * checksum follows (RFC 1624).
 */
static void
translate_sack(struct rte_tcp_hdr *th, const struct px_slot *s, unsigned data_dir,
	       uint32_t base, uint32_t ack_add, const uint32_t *floor, bool receiver_sacks)
{
	uint8_t *opt = (uint8_t *)(th + 1), *end = (uint8_t *)th + (th->data_off >> 4) * 4;
	uint16_t before = rte_raw_cksum(opt, (size_t)(end - opt));
	unsigned n = 0;

	/* Every SACK option: a receiver may read the last of several. */
	for (uint8_t *sack = opt; (sack = tcp_options_sack_find(sack, end, &n)) != NULL;
	     sack += 2 + 8 * n) {
		unsigned kept = 0;
		for (unsigned b = 0; receiver_sacks && b < n; b++) {
			uint32_t edge[2];
			for (unsigned k = 0; k < 2; k++) {
				uint32_t raw;
				memcpy(&raw, sack + 2 + 8 * b + 4 * k, 4);
				uint32_t v = rte_be_to_cpu_32(raw);
				edge[k] = v + ack_add - (uint32_t)shift_of_ack(s, data_dir, base, v);
			}
			if (floor && SEQ_LEQ(edge[0], *floor))
				continue;
			uint32_t out[2] = { rte_cpu_to_be_32(edge[0]), rte_cpu_to_be_32(edge[1]) };
			memcpy(sack + 2 + 8 * kept++, out, 8);
		}
		/* What goes becomes NOPs, so the header keeps its length (and the
		 * walk its step: 2 + 8 n bytes either way). */
		if (kept == 0)
			memset(sack, 1, 2 + 8 * n);
		else if (kept < n) {
			memset(sack + 2 + 8 * kept, 1, 8 * (n - kept));
			sack[1] = (uint8_t)(2 + 8 * kept);
		}
	}
	/* The options' one's-complement sum, before and after, as one word. */
	th->cksum = nfg_cksum_update16(th->cksum, before,
				       rte_raw_cksum(opt, (size_t)(end - opt)));
}

/* The session records of both halves (--records): the sender's half received
 * the segment's new bytes (beyond what came before in its sequence space:
 * not a retransmission's), the other half sent them; and the FIN. */
static void
record_forwarded(struct px_worker *w, uint32_t i, bool from_client, uint32_t fresh, bool fin)
{
	struct tcp_engine *in = from_client ? &w->ec : &w->es, *out = from_client ? &w->es : &w->ec;
	struct tcp_conn *cin = &in->conns[i], *cout = &out->conns[i];
	uint32_t bytes = fresh - (fin && fresh); /* the FIN takes the last number */

	if (cin->record != UINT32_MAX)
		in->records.r[cin->record].bytes_in += bytes;
	if (cout->record != UINT32_MAX)
		out->records.r[cout->record].bytes_out += bytes;
	if (bytes) {
		tcp_record_time(in, cin, REC_FIRST_IN);
		tcp_record_time(out, cout, REC_FIRST_OUT);
	}
	if (fin) {
		tcp_record_time(in, cin, REC_FIN_IN);
		tcp_record_time(out, cout, REC_FIN_OUT);
	}
}

/* Common to both directions: the segment's end, FIN, RST and activity. */
static bool
forward(struct px_worker *w, uint32_t i, struct rte_mbuf *m, bool from_client)
{
	struct px_slot *s = &w->slots[i];
	struct rte_tcp_hdr *th = nfg_l4(m);
	uint8_t flags = th->tcp_flags;
	uint32_t len = tcp_segment_l4_bytes(m) - m->l4_len;
	uint32_t end = rte_be_to_cpu_32(th->sent_seq) + len + !!(flags & RTE_TCP_FIN_FLAG) +
		       !!(flags & RTE_TCP_SYN_FLAG);
	uint32_t *next = from_client ? &s->c_next : &s->s_next;

	/* A RST far from where this side's sequence numbers are is a blind guess
	 * (RFC 5961): the endpoint would refuse it, so do we, and pass nothing. */
	if ((flags & RTE_TCP_RST_FLAG) && !(flags & RTE_TCP_SYN_FLAG) &&
	    (uint32_t)(rte_be_to_cpu_32(th->sent_seq) - *next + 65535u) > 2 * 65535u) {
		nfg_drop(w->ec.node, TC_DROP_OUT_OF_WINDOW, &m, 1);
		return false;
	}
	s->last_tsc = w->ec.now_tsc; /* the burst's time */
	if (unlikely(!from_client && w->cfg->immediate && !(s->flags & PXF_BACKEND_UP)))
		backend_up(w, i, flags);
	unsigned dir = from_client ? NFG_PROXY_TO_SERVER : NFG_PROXY_TO_CLIENT;
	if (!run_data_hooks(w, i, m, dir)) {
		rte_pktmbuf_free(m);
		px_release(w, i, CAUSE_ABORTED, true);
		return false;
	}
	/* A SYN (immediate binding) starts the sequence space. */
	if (!(flags & RTE_TCP_SYN_FLAG) && SEQ_GT(end, *next))
		record_forwarded(w, i, from_client, end - *next, flags & RTE_TCP_FIN_FLAG);
	if ((flags & RTE_TCP_SYN_FLAG) || SEQ_GT(end, *next))
		*next = end;
	/* Where this segment's bytes go, and which of the other direction's bytes
	 * its ACK covers, both moved by what data hooks changed. */
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq), ack = rte_be_to_cpu_32(th->recv_ack);
	if (flags & RTE_TCP_FIN_FLAG) {
		s->flags |= from_client ? PXF_CLIENT_FIN : PXF_SERVER_FIN;
		s->fin_out[dir] = end + (from_client ? s->c2s_seq : s->s2c_seq) +
				  (uint32_t)shift_at(s, dir, end - 1);
	}
	/* Its ACK may cover the other side's FIN (the raw ACK is in that FIN's
	 * receiver's space already). */
	uint16_t other_fin = from_client ? PXF_SERVER_FIN : PXF_CLIENT_FIN;
	if ((flags & RTE_TCP_ACK_FLAG) && (s->flags & other_fin) &&
	    SEQ_GEQ(ack, s->fin_out[!dir]))
		s->flags |= from_client ? PXF_SERVER_FIN_ACKED : PXF_CLIENT_FIN_ACKED;
	/* SACK blocks move as the ACK beside them: in delayed binding between the
	 * two sequence spaces; in immediate binding (one space, the ends agreed
	 * between themselves) only by what data hooks resized. */
	unsigned data_dir = from_client ? 1 : 0;
	if (unlikely(th->data_off > 0x50) && (!w->cfg->immediate || s->nb_shifts[data_dir])) {
		if (w->cfg->immediate)
			translate_sack(th, s, data_dir, 0, 0, NULL, true);
		else if (from_client)
			translate_sack(th, s, 1, s->s2c_seq, s->c2s_ack, NULL,
				       w->es.conns[i].opts & TO_SACK_PERM);
		else
			translate_sack(th, s, 0, s->c2s_seq, s->s2c_ack, &w->ec.conns[i].rcv_nxt,
				       s->flags & PXF_CLIENT_SACK);
	}
	if (from_client)
		retarget(m, &w->es, i, s->c2s_seq + (uint32_t)shift_at(s, 0, seq),
			 s->c2s_ack - (uint32_t)shift_of_ack(s, 1, s->s2c_seq, ack), NULL,
			 w->ec.conns[i].snd_shift);
	else /* the client-side rcv_nxt stays where we acknowledged the held payload */
		retarget(m, &w->ec, i, s->s2c_seq + (uint32_t)shift_at(s, 1, seq),
			 s->s2c_ack - (uint32_t)shift_of_ack(s, 0, s->c2s_seq, ack),
			 &w->ec.conns[i].rcv_nxt, w->es.conns[i].snd_shift);
	if (w->cfg->data_hooks)
		tcp_segment_cksum(m); /* hooks may have changed bytes and lengths */
	/* Raised to at least what we acknowledged ourselves (retarget's floor),
	 * its ACK covers the client's request: the ACK we owed is paid. */
	if (!from_client && (flags & RTE_TCP_ACK_FLAG))
		s->flags &= (uint16_t)~PXF_ACK_OWED;
	w->ctr[from_client ? PX_FORWARDED_C2S : PX_FORWARDED_S2C]++;
	rte_node_enqueue_x1(w->ec.graph, w->ec.node, from_client ? PX_TO_SERVER : PX_TO_CLIENT, m);
	if (flags & RTE_TCP_RST_FLAG) {
		/* Lingering, both FINs were acknowledged: the connection ended well
		 * and is counted so. A RST now is an end's answer to a straggler (a
		 * reordered old ACK that reached a socket already gone); it ends the
		 * linger, not the connection. */
		if (s->state == PX_LINGER) {
			px_release(w, i, CAUSE_PASSIVE_CLOSE, false);
			return false;
		}
		w->ctr[PX_RESETS]++;
		px_release(w, i, CAUSE_RESET, false);
		return false;
	}
	maybe_linger(w, i);
	return true;
}

/* Bytes up to what we acknowledged ourselves reach the backend only from us
 * (rewritten by the request hooks, maybe to another length): a client's
 * retransmission of them is cut off, and what follows them (new data, its
 * ACK and window) goes on. Rare: the checksum is computed anew. The rest of
 * the payload moves down over the cut bytes, so the headers stay where the
 * port put them (cutting at the front would leave the frame at an odd address
 * whenever the cut is odd). False when the segment cannot be cut (a chained
 * mbuf whose first segment ends inside the cut bytes): it is dropped. */
static bool
cut_held_bytes(struct px_worker *w, uint32_t i, struct rte_mbuf *m)
{
	struct rte_tcp_hdr *th = nfg_l4(m);
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq), acked = w->ec.conns[i].rcv_nxt;
	uint32_t hdrs = (uint32_t)m->l2_len + m->l3_len + m->l4_len;
	uint32_t len = tcp_segment_l4_bytes(m) - m->l4_len;

	if (len == 0 || !SEQ_LT(seq, acked))
		return true;
	uint32_t cut = RTE_MIN(acked - seq, len);
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	if (m->nb_segs == 1) {
		memmove(frame + hdrs, frame + hdrs + cut, len - cut);
		/* Ethernet padding goes too: the payload ends the frame. */
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - (hdrs + len - cut)));
	} else {
		/* Chained (never from nfg's ports): the headers move up instead. */
		if (rte_pktmbuf_data_len(m) < hdrs + cut)
			return false;
		memmove(frame + cut, frame, hdrs);
		rte_pktmbuf_adj(m, (uint16_t)cut);
		th = nfg_l4(m);
	}
	tcp_segment_set_l4_bytes(m, m->l4_len + len - cut);
	th->sent_seq = rte_cpu_to_be_32(seq + cut);
	tcp_segment_cksum(m);
	return true;
}

void
px_from_client(struct px_worker *w, uint32_t i, struct rte_mbuf *m)
{
	if (!cut_held_bytes(w, i, m)) {
		nfg_drop(w->ec.node, TC_DROP_BAD_SEGMENT, &m, 1);
		return;
	}
	forward(w, i, m, true);
}

void
px_from_server(struct px_worker *w, uint32_t i, struct rte_mbuf *m)
{
	struct px_slot *s = &w->slots[i];
	struct rte_tcp_hdr *th = nfg_l4(m);
	struct tcp_conn *sc = &w->es.conns[i];

	/* The backend's ACKs may cover the held payload: until they all do, the
	 * server-side connection keeps it for retransmission. */
	if ((th->tcp_flags & RTE_TCP_ACK_FLAG) && !(s->flags & PXF_HELD_ACKED)) {
		uint32_t ack = rte_be_to_cpu_32(th->recv_ack);
		/* All of it, not only what the backend's window let out so far. */
		uint32_t held_end = sc->iss + 1 + sc->tx_end + !!(sc->flags & CF_FIN_QUEUED);
		sc->snd_wnd = (uint32_t)rte_be_to_cpu_16(th->rx_win) << sc->snd_shift;
		if (SEQ_GEQ(ack, held_end)) {
			sc->snd_una = sc->snd_nxt = sc->snd_max = held_end;
			s->flags |= PXF_HELD_ACKED;
			tw_cancel(&w->es.tw, i);
			if (s->held) {
				rte_mempool_put(w->held_pool, s->held);
				s->held = NULL;
			}
		} else {
			if (SEQ_GT(ack, sc->snd_una) && SEQ_LEQ(ack, sc->snd_max)) {
				sc->snd_una = ack;
				if (SEQ_LT(sc->snd_nxt, ack))
					sc->snd_nxt = ack;
				sc->retries = 0;
				/* RFC 6298 5.3: the timer starts over for what is left. */
				sc->flags &= (uint8_t)~CF_RTO;
				tcp_arm_rto(&w->es, sc);
			}
			/* The rest, as far as the window now allows. */
			tcp_output(&w->es, sc, false);
		}
	}
	forward(w, i, m, false);
}

void
px_timer(struct px_worker *w, uint32_t i)
{
	struct px_slot *s = &w->slots[i];

	if (s->state == PX_LINGER) {
		px_release(w, i, CAUSE_PASSIVE_CLOSE, false);
		return;
	}
	uint64_t idle_tsc = (uint64_t)w->cfg->idle_timeout_ms * (rte_get_tsc_hz() / 1000);
	uint64_t quiet = w->ec.now_tsc - s->last_tsc;
	if (s->state == PX_SPLICE && quiet < idle_tsc) {
		/* Traffic since it was armed: wait for the rest of the idle time. */
		uint32_t left_ms = (uint32_t)((idle_tsc - quiet) / (rte_get_tsc_hz() / 1000)) + 1;
		tcp_arm_timer_ms(&w->ec, &w->ec.conns[i], left_ms);
		return;
	}
	/* Immediate binding, the backend never answered the SYN: it failed. */
	if (w->cfg->immediate && !(s->flags & PXF_BACKEND_UP))
		w->ctr[PX_BACKEND_FAILED]++;
	else
		w->ctr[PX_IDLE_TIMEOUTS]++;
	px_release(w, i, CAUSE_TIMEOUT, true);
}

uint32_t
px_client_snd_nxt(const struct px_worker *w, uint32_t i)
{
	const struct px_slot *s = &w->slots[i];

	/* Spliced, the client-side connection's own counter is stale: the
	 * backend's bytes that passed, translated. */
	if (s->state == PX_SPLICE || s->state == PX_LINGER)
		return s->s_next + s->s2c_seq + (uint32_t)shift_at(s, 1, s->s_next);
	return w->ec.conns[i].snd_nxt;
}

void
px_release(struct px_worker *w, uint32_t i, enum tcp_cause cause, bool reset)
{
	struct px_slot *s = &w->slots[i];
	struct tcp_conn *cc = &w->ec.conns[i], *sc = &w->es.conns[i];
	bool spliced = s->state == PX_SPLICE || s->state == PX_LINGER;

	if (s->state == PX_FREE || (s->flags & PXF_RELEASING))
		return;
	s->flags |= PXF_RELEASING;
	if (reset) {
		w->ctr[TC_RST_SENT] += (cc->state != TCP_CLOSED) + (sc->state != TCP_CLOSED);
		/* In splice the connections' own counters are stale: use what passed. */
		if (cc->state != TCP_CLOSED)
			tcp_send_control(&w->ec, cc, RTE_TCP_RST_FLAG, px_client_snd_nxt(w, i));
		if (sc->state != TCP_CLOSED)
			tcp_send_control(&w->es, sc, RTE_TCP_RST_FLAG,
					 spliced ? s->c_next + s->c2s_seq +
							   (uint32_t)shift_at(s, 0, s->c_next)
						 : sc->snd_nxt);
	}
	if (cc->state != TCP_CLOSED)
		tcp_release(&w->ec, cc, cause);
	if (sc->state != TCP_CLOSED)
		tcp_release(&w->es, sc, cause);
	struct px_key key = px_key_of(cc);
	tuple_table_del(&w->table, px_key_hash(w, &key), i);
	if (s->held)
		rte_mempool_put(w->held_pool, s->held);
	s->held = NULL;
	s->state = PX_FREE;
	s->flags = 0;
	half_open_remove(&w->half_open, i);
	px_give(w, i);
}
