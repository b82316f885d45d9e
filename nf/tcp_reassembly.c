/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Out-of-order segments: instead of dropping a segment that arrives beyond a
 * hole (so the peer, without SACK, would resend it and often all after it),
 * the engine keeps a few — TCP_OOO_PER_CONN per connection, TCP_OOO_MAX per
 * worker — and delivers them once the hole is filled. The store is a small
 * unordered array: holes are rare, so a scan when one is filled is cheaper
 * than keeping order on every insert.
 *
 * With SACK agreed (RFC 2018) every ACK names what is held, so the peer
 * resends the holes only: tcp_ooo_sack_blocks() merges the held segments into
 * blocks when an ACK is built.
 */
#include "nfg/operator.h"
#include "tcp_engine.h"

static void
remove_at(struct tcp_engine *e, uint32_t i)
{
	e->ooo[i] = e->ooo[--e->nb_ooo];
}

bool
tcp_ooo_hold(struct tcp_engine *e, struct tcp_conn *c, struct rte_mbuf *m, uint32_t seq,
	     const uint8_t *payload, uint32_t len)
{
	uint32_t id = conn_index(e, c);

	e->sack_last_conn = id + 1;
	e->sack_last_seq = seq;
	if (e->nb_ooo == TCP_OOO_MAX || c->ooo == TCP_OOO_PER_CONN)
		return false;
	for (uint32_t i = 0; i < e->nb_ooo; i++)
		if (e->ooo[i].conn == id && e->ooo[i].seq == seq && e->ooo[i].len >= len)
			return false; /* a copy of one already held */
	e->ooo[e->nb_ooo++] = (struct tcp_ooo_entry){ m, payload, id, seq, len };
	c->ooo++;
	e->ctr[TC_OOO_HELD]++;
	return true;
}

void
tcp_ooo_deliver(struct tcp_engine *e, struct tcp_conn *c)
{
	uint32_t id = conn_index(e, c);
	bool moved = true;

	/* Each delivery moves rcv_nxt, which may make another entry next. */
	while (moved && c->ooo && c->state != TCP_CLOSED) {
		moved = false;
		for (uint32_t i = 0; i < e->nb_ooo; i++) {
			struct tcp_ooo_entry en = e->ooo[i];
			if (en.conn != id || SEQ_GT(en.seq, c->rcv_nxt))
				continue;
			remove_at(e, i);
			c->ooo--;
			if (SEQ_GT(en.seq + en.len, c->rcv_nxt)) {
				uint32_t skip = c->rcv_nxt - en.seq;
				tcp_deliver(e, c, en.payload + skip, en.len - skip);
				moved = true;
			}
			rte_pktmbuf_free(en.m);
			break;
		}
	}
}

void
tcp_ooo_forget(struct tcp_engine *e, struct tcp_conn *c)
{
	uint32_t id = conn_index(e, c);

	for (uint32_t i = 0; i < e->nb_ooo && c->ooo;) {
		if (e->ooo[i].conn != id) {
			i++;
			continue;
		}
		nfg_drop(e->node, TC_DROP_OUT_OF_ORDER, &e->ooo[i].m, 1);
		remove_at(e, i);
		c->ooo--;
	}
	c->ooo = 0;
}

unsigned
tcp_ooo_sack_blocks(const struct tcp_engine *e, const struct tcp_conn *c, uint32_t blocks[][2],
		    unsigned max)
{
	uint32_t id = conn_index(e, c), r[TCP_OOO_PER_CONN][2];
	unsigned n = 0, nb = 0;

	/* This connection's segments, by sequence (insertion: at most 8). */
	for (uint32_t i = 0; i < e->nb_ooo && n < TCP_OOO_PER_CONN; i++) {
		if (e->ooo[i].conn != id)
			continue;
		uint32_t left = e->ooo[i].seq, right = left + e->ooo[i].len;
		unsigned k = n++;
		for (; k > 0 && SEQ_GT(r[k - 1][0], left); k--) {
			r[k][0] = r[k - 1][0];
			r[k][1] = r[k - 1][1];
		}
		r[k][0] = left;
		r[k][1] = right;
	}
	/* Overlapping or touching segments make one block. */
	for (unsigned i = 0; i < n; i++) {
		if (nb && SEQ_LEQ(r[i][0], r[nb - 1][1])) {
			if (SEQ_GT(r[i][1], r[nb - 1][1]))
				r[nb - 1][1] = r[i][1];
			continue;
		}
		r[nb][0] = r[i][0];
		r[nb][1] = r[i][1];
		nb++;
	}
	/* The block of the segment that came last goes first (RFC 2018 4). */
	unsigned first = 0;
	if (e->sack_last_conn == id + 1)
		for (unsigned i = 0; i < nb; i++)
			if (SEQ_GEQ(e->sack_last_seq, r[i][0]) && SEQ_LT(e->sack_last_seq, r[i][1]))
				first = i;
	unsigned out = 0;
	if (nb) {
		blocks[out][0] = r[first][0];
		blocks[out++][1] = r[first][1];
	}
	for (unsigned i = 0; i < nb && out < max; i++) {
		if (i == first)
			continue;
		blocks[out][0] = r[i][0];
		blocks[out++][1] = r[i][1];
	}
	return out;
}
