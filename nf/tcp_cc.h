/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Congestion control, RFC 5681: what a sender may have in flight is the
 * smaller of the peer's window and its congestion window. It starts at the
 * initial window of RFC 6928 (10 segments, at most max(2 MSS, 14600 bytes)),
 * grows by the bytes an ACK covers, up to 2 MSS (RFC 3465, L = 2), while
 * below ssthresh (slow start: a receiver that acknowledges every second
 * segment doubles it each round trip) and by about an MSS per round trip
 * above it (congestion avoidance);
 * a loss halves what was in flight into ssthresh, and the window becomes
 * ssthresh after a fast retransmit (3 duplicate ACKs) or one segment after a
 * timeout, so the go-back-N resend after a timeout restarts in slow start
 * instead of as a burst of a whole window. Without it a sender with a large
 * window (window scaling, rcv_buf of megabytes) put all of it on the wire at
 * once, overran its own tx queue and timed out on the holes.
 *
 * Both are set when the connection is established (the MSS known then).
 */
#ifndef NFG_NF_TCP_CC_H
#define NFG_NF_TCP_CC_H

#include <stdint.h>

#include <rte_common.h>

#include "tcp_conn.h"

static inline uint32_t
tcp_initial_window(const struct tcp_conn *c)
{
	uint32_t mss = c->mss ? c->mss : 536;
	uint32_t cap = 2 * mss > 14600 ? 2 * mss : 14600;

	return 10 * mss < cap ? 10 * mss : cap;
}

/* At ESTABLISHED, the MSS agreed. */
static inline void
tcp_cc_start(struct tcp_conn *c)
{
	c->cwnd = tcp_initial_window(c);
	c->ssthresh = UINT32_MAX;
}

/* An ACK took `acked` new bytes off what was in flight. */
static inline void
tcp_cc_acked(struct tcp_conn *c, uint32_t acked)
{
	uint32_t mss = c->mss;

	if (c->cwnd < c->ssthresh)
		c->cwnd += RTE_MIN(acked, 2u * mss);
	else
		c->cwnd += RTE_MAX((uint32_t)((uint64_t)mss * mss / c->cwnd), 1u);
	c->cwnd = RTE_MIN(c->cwnd, 1u << 30);
}

/* A loss: 3 duplicate ACKs (fast retransmit), or the retransmission timer. */
static inline void
tcp_cc_loss(struct tcp_conn *c, bool timeout)
{
	uint32_t flight = c->snd_max - c->snd_una;

	c->ssthresh = RTE_MAX(flight / 2, 2u * c->mss);
	c->cwnd = timeout ? c->mss : c->ssthresh;
}

#endif
