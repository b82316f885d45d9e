/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Loss recovery with SACK (RFC 6675, conservatively). Without it a sender
 * learns of one hole per round trip: the fast retransmit resends the first,
 * and any other waits for the next partial ACK or for the timeout. With the
 * peer's SACK blocks, each duplicate ACK after the third shows where the
 * next hole is, and the engine resends one segment of it — one segment per
 * duplicate ACK, as each says a segment has left the network, so recovery
 * sends no faster than the path delivers (RFC 6675's pipe, by its effect).
 *
 * The scoreboard is the blocks of the ACK at hand: a receiver reports the
 * most recent ones first (RFC 2018 4), which are the ones above the holes
 * still open. A connection in recovery holds a small entry (recover point,
 * highest byte resent) from a per-worker store; when the store is full,
 * recovery is the fast retransmit alone, as without SACK.
 */
#include "nfg/operator.h"
#include "tcp_engine.h"
#include "tcp_options.h"

static inline struct tcp_recovery *
entry(struct tcp_engine *e, const struct tcp_conn *c)
{
	return &e->recovery[c->recovery - 1];
}

void
tcp_sack_enter(struct tcp_engine *e, struct tcp_conn *c)
{
	if (c->recovery || e->nb_recovery_free == 0)
		return;
	c->recovery = e->recovery_free[--e->nb_recovery_free] + 1;
	struct tcp_recovery *r = entry(e, c);
	r->recover = c->snd_max;
	/* The fast retransmit just resent the segment at snd_una. */
	r->high_rxt = c->snd_una + RTE_MIN((uint32_t)c->mss, c->snd_max - c->snd_una);
}

void
tcp_sack_leave(struct tcp_engine *e, struct tcp_conn *c)
{
	e->recovery_free[e->nb_recovery_free++] = c->recovery - 1;
	c->recovery = 0;
}

/* Resends one segment of the next hole the ACK's blocks show above what was
 * resent: a hole only when something above it was received (RFC 6675 IsLost,
 * by its simplest sign). Without blocks above snd_una nothing is resent:
 * the bytes there may still be on their way. */
static void
resend_next_hole(struct tcp_engine *e, struct tcp_conn *c, const struct rte_tcp_hdr *th)
{
	struct tcp_recovery *r = entry(e, c);
	const uint8_t *opt = (const uint8_t *)(th + 1);
	uint32_t b[4][2];
	unsigned n = tcp_options_sack_read(opt, (const uint8_t *)th + (th->data_off >> 4) * 4, b);
	uint32_t top = c->snd_una;

	/* Blocks outside what we sent, or below snd_una (a D-SACK), say nothing
	 * of the holes. */
	for (unsigned i = 0; i < n; i++) {
		if (SEQ_LEQ(b[i][1], b[i][0]) || SEQ_LEQ(b[i][0], c->snd_una) ||
		    SEQ_GT(b[i][1], c->snd_max)) {
			b[i][0] = b[i][1] = c->snd_una;
			continue;
		}
		if (SEQ_GT(b[i][1], top))
			top = b[i][1];
	}
	/* The first byte above what was resent that no block holds; a hole when
	 * something above it was received (RFC 6675 IsLost, by its simplest
	 * sign: data beyond it arrived). */
	uint32_t next = SEQ_GT(r->high_rxt, c->snd_una) ? r->high_rxt : c->snd_una;
	for (bool moved = true; moved;) {
		moved = false;
		for (unsigned i = 0; i < n; i++)
			if (SEQ_GEQ(next, b[i][0]) && SEQ_LT(next, b[i][1])) {
				next = b[i][1];
				moved = true;
			}
	}
	if (SEQ_GEQ(next, top) || SEQ_GEQ(next, r->recover))
		return;
	/* The hole ends at the next block above it. */
	uint32_t end = top;
	for (unsigned i = 0; i < n; i++)
		if (SEQ_GT(b[i][0], next) && SEQ_LT(b[i][0], end))
			end = b[i][0];
	uint32_t len = RTE_MIN(end - next, (uint32_t)c->mss);
	e->ctr[TC_SACK_RETRANSMITS]++;
	tcp_resend_at(e, c, next, len);
	r->high_rxt = next + len;
}

void
tcp_sack_dupack(struct tcp_engine *e, struct tcp_conn *c, const struct rte_tcp_hdr *th)
{
	resend_next_hole(e, c, th);
}

void
tcp_sack_acked(struct tcp_engine *e, struct tcp_conn *c, const struct rte_tcp_hdr *th)
{
	struct tcp_recovery *r = entry(e, c);

	if (SEQ_GEQ(c->snd_una, r->recover)) {
		tcp_sack_leave(e, c);
		return;
	}
	/* A partial ACK: the next hole may start at snd_una, but only the blocks
	 * say it is one. NewReno's rule (RFC 6582 3.2: resend snd_una on every
	 * partial ACK) assumes nothing sent before the fast retransmit is still
	 * on its way; behind a deep queue, or after a spurious fast retransmit,
	 * it is, and resending it on every ACK doubled what was sent (a
	 * duplicate for each, each answered by a duplicate ACK). */
	resend_next_hole(e, c, th);
}

bool
tcp_sack_dsack(const struct rte_tcp_hdr *th, uint32_t ack)
{
	const uint8_t *opt = (const uint8_t *)(th + 1);
	uint32_t b[4][2];
	unsigned n = tcp_options_sack_read(opt, (const uint8_t *)th + (th->data_off >> 4) * 4, b);

	return n && SEQ_LT(b[0][0], ack);
}
