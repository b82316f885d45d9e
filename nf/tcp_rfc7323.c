/* SPDX-License-Identifier: BSD-3-Clause
 *
 * RFC 7323 for a connection: what the handshake agreed (window scale,
 * timestamps), and the timestamp rules on every later segment — PAWS (5.3),
 * which TSval to echo (4.3) and the RTT it measures (4.1). A connection that
 * agreed on nothing never gets here: tcp_input tests one flag.
 */
#include <rte_common.h>

#include "nfg/operator.h"
#include "tcp_engine.h"

void
tcp_count_option_problems(struct tcp_engine *e, uint8_t problems)
{
	if (problems & TOP_BAD_LENGTH)
		e->ctr[TC_OPT_BAD_LENGTH]++;
	if (problems & TOP_REPEATED)
		e->ctr[TC_OPT_REPEATED]++;
	if (problems & TOP_WSCALE_HIGH)
		e->ctr[TC_OPT_WSCALE_CLAMPED]++;
}

void
tcp_negotiate(struct tcp_engine *e, struct tcp_conn *c, const struct tcp_opts *o,
	      uint8_t we_offered)
{
	/* RFC 7323 2.2 and 3.2: each is in use only when both SYNs carried it. */
	uint8_t agreed = o->present & we_offered & (TO_WSCALE | TO_TS);
	uint16_t mss = (o->present & TO_MSS) ? o->mss : 536; /* RFC 9293 3.7.1 */

	c->opts = agreed;
	if (agreed & TO_WSCALE) {
		c->snd_shift = o->wscale;
		c->rcv_shift = (uint8_t)e->cfg->wscale;
	} else {
		c->snd_shift = c->rcv_shift = 0;
	}
	mss = RTE_MIN(mss, e->cfg->mss);
	if (agreed & TO_TS) {
		c->ts_recent = o->tsval;
		/* The MSS counts no options (RFC 6691): every segment now carries
		 * 12 bytes of them, taken from the payload so frames keep their size. */
		mss = (uint16_t)(mss - TCP_TS_OPT_LEN);
	}
	c->mss = mss;
}

/* The largest window the peer can announce: a bound for old ACKs (RFC 5961 5.2). */
uint32_t
tcp_peer_max_window(const struct tcp_conn *c)
{
	return (uint32_t)UINT16_MAX << c->snd_shift;
}

bool
tcp_ts_read(struct tcp_engine *e, const struct rte_tcp_hdr *th, unsigned l4_len,
	    uint32_t *tsval, uint32_t *tsecr)
{
	struct tcp_opts o;

	if (l4_len <= sizeof(*th))
		return false; /* RFC 7323 3.2 allows it (Linux sends none on some RSTs) */
	bool has = tcp_options_ts((const uint8_t *)(th + 1), l4_len - sizeof(*th), &o);
	if (unlikely(o.problems))
		tcp_count_option_problems(e, o.problems);
	*tsval = o.tsval;
	*tsecr = o.tsecr;
	return has;
}

bool
tcp_paws_reject(const struct tcp_conn *c, uint32_t tsval)
{
	/* RFC 7323 5.3 R1: older than the TSval we last took, modulo 2^32. TS.Recent
	 * would be invalid after 24 days idle (5.5); no connection of the engine
	 * stays idle that long (idle_timeout_ms). */
	return (int32_t)(tsval - c->ts_recent) < 0;
}

void
tcp_ts_update(struct tcp_conn *c, uint32_t seq, uint32_t tsval)
{
	/* RFC 7323 4.3: echo the TSval of the segment that carries the left edge
	 * of what we acknowledge: seq at or before RCV.NXT. The engine ACKs
	 * every segment with data, so RCV.NXT is Last.ACK.sent. */
	if (SEQ_LEQ(seq, c->rcv_nxt) && (int32_t)(tsval - c->ts_recent) >= 0)
		c->ts_recent = tsval;
}

void
tcp_ts_rtt(struct tcp_engine *e, struct tcp_conn *c, uint32_t tsecr)
{
	/* RFC 7323 4.1: an ACK of new data echoes the TSval of the segment it
	 * answers, retransmitted or not (so Karn's rule is not needed). An echo
	 * from the future or from more than a minute ago is no measurement. */
	uint32_t ticks = e->ts_now - tsecr;
	uint64_t us = (uint64_t)ticks * e->ts_tick_us;

	if ((int32_t)ticks < 0 || us > 60000000u)
		return;
	tcp_rtt_sample(e, c, (uint32_t)us);
}
