/* SPDX-License-Identifier: BSD-3-Clause
 *
 * RFC 7323 on every segment of a connection that agreed on timestamps or
 * window scaling: inline, since tcp_input runs them per segment (the
 * handshake's part and the RTT sample live in tcp_rfc7323.c).
 */
#ifndef NFG_NF_TCP_RFC7323_H
#define NFG_NF_TCP_RFC7323_H

#include "tcp_engine.h"

/* The largest window the peer can announce: a bound for old ACKs (RFC 5961 5.2). */
static inline uint32_t
tcp_peer_max_window(const struct tcp_conn *c)
{
	return (uint32_t)UINT16_MAX << c->snd_shift;
}

/* The segment's timestamps, when it has them (problems in its options counted). */
static inline bool
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

/* PAWS (RFC 7323 5.3 R1): older than the TSval we last took, modulo 2^32.
 * TS.Recent would be invalid after 24 days idle (5.5); no connection of the
 * engine stays idle that long (idle_timeout_ms). */
static inline bool
tcp_paws_reject(const struct tcp_conn *c, uint32_t tsval)
{
	return (int32_t)(tsval - c->ts_recent) < 0;
}

/* RFC 7323 4.3: echo the TSval of the segment that carries the left edge of
 * what we acknowledge: seq at or before RCV.NXT. The engine ACKs every
 * segment with data, so RCV.NXT is Last.ACK.sent. */
static inline void
tcp_ts_update(struct tcp_conn *c, uint32_t seq, uint32_t tsval)
{
	if (SEQ_LEQ(seq, c->rcv_nxt) && (int32_t)(tsval - c->ts_recent) >= 0)
		c->ts_recent = tsval;
}

#endif
