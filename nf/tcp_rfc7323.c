/* SPDX-License-Identifier: BSD-3-Clause
 *
 * RFC 7323 for a connection: what the handshake agreed (window scale,
 * timestamps), and the RTT the echoed timestamps measure (4.1). The rules on
 * every segment (PAWS, which TSval to echo) are inline in tcp_rfc7323.h. A
 * connection that agreed on nothing never gets here: tcp_input tests one flag.
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
	/* RFC 7323 2.2 and 3.2, RFC 2018 2: each is in use only when both SYNs
	 * carried it. */
	uint8_t agreed = o->present & we_offered & (TO_WSCALE | TO_TS | TO_SACK_PERM);
	/* RFC 9293 3.7.1: without the option, 536 over IPv4 and 1220 over IPv6 */
	uint16_t mss = (o->present & TO_MSS) ? o->mss : c->v6 ? 1220 : 536;

	c->opts = agreed;
	if (agreed & TO_WSCALE) {
		c->snd_shift = o->wscale;
		c->rcv_shift = (uint8_t)e->cfg->wscale;
	} else {
		c->snd_shift = c->rcv_shift = 0;
	}
	mss = RTE_MIN(mss, c->v6 ? e->cfg->mss6 : e->cfg->mss);
	if (agreed & TO_TS) {
		c->ts_recent = o->tsval;
		/* The MSS counts no options (RFC 6691): every segment now carries
		 * 12 bytes of them, taken from the payload so frames keep their size. */
		mss = (uint16_t)(mss - TCP_TS_OPT_LEN);
	}
	c->mss = mss;
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
