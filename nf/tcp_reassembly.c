/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Out-of-order segments: instead of dropping a segment that arrives beyond a
 * hole (so the peer, without SACK, would resend it and often all after it),
 * the engine keeps a few — TCP_OOO_PER_CONN per connection, TCP_OOO_MAX per
 * worker — and delivers them once the hole is filled. The store is a small
 * unordered array: holes are rare, so a scan when one is filled is cheaper
 * than keeping order on every insert.
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
