/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_proxy: nfproxy's operator, a TCP pass-through proxy with delayed
 * binding. On its "client" input it answers the client's handshake itself
 * (the TCP engine, acting as a server) and collects the first payload — up to
 * inspect_bytes, or for inspect_ms — announcing a window no bigger than the
 * room left, so nothing is lost while the decision waits. The policy then
 * names a backend; the proxy connects to it (the engine, acting as a client,
 * from the oldest free local address and port of the worker's share,
 * local_share.h; backend segments find their slot by it), sends it the held
 * payload after the request hooks, and from then on splices the two
 * connections (proxy_splice.c).
 *
 * A backend that refuses or does not answer gets the client a reset, or the
 * next backend when retry_next_backend is set. Only configured backends are
 * ever contacted.
 */
#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "nf_builtin.h"
#include "proxy_internal.h"
#include "tcp_params.h"

/* What a policy sees when no payload came: still a valid pointer. */
static const uint8_t no_payload[1];

static inline struct px_worker *
worker_of(struct tcp_engine *e)
{
	return e->app_ctx;
}

/* ---- deciding and connecting --------------------------------------------- */

/* Can slot i's client reach backend b? Only within its own IP family. */
static inline bool
same_family(const struct px_worker *w, uint32_t i, unsigned b)
{
	return w->ec.conns[i].v6 == w->cfg->backend_is6[b];
}

/* The server-side connection of slot i, to backend b: from the slot's local
 * address and port in the worker's share (port_of); over IPv6 from the share's IPv6
 * address, or from the server port's (local_share.h). */
static void
backend_address(struct px_worker *w, uint32_t i, unsigned b, struct tcp_conn *sc)
{
	const struct px_config *cfg = w->cfg;

	memset(sc, 0, sizeof(*sc));
	local_share_addr(&cfg->share, w->worker, w->port_of[i], &sc->local_ip, &sc->local_port);
	sc->remote_ip = cfg->backends[b].ip;
	sc->remote_port = cfg->backends[b].port;
	if (cfg->backend_is6[b]) {
		sc->v6 = 1;
		if (cfg->share.ipv6) {
			local_share_addr6(&cfg->share, sc->local_ip, w->es.addr6[i].local);
			sc->local_ip = tcp_ip6_fold(w->es.addr6[i].local);
		} else {
			memcpy(w->es.addr6[i].local, cfg->src_ip6, 16);
			sc->local_ip = w->src_fold6;
		}
		sc->remote_ip = w->backend_fold6[b];
		memcpy(w->es.addr6[i].remote, cfg->backend_ip6[b], 16);
	}
}

static void
connect_backend(struct px_worker *w, uint32_t i)
{
	struct tcp_conn *sc = &w->es.conns[i];

	backend_address(w, i, w->slots[i].backend, sc);
	sc->id = w->slots[i].id;
	tcp_record_open(&w->es, sc);
	w->slots[i].state = PX_CONNECT;
	w->slots[i].tries++;
	/* Decided: the inspect timer becomes a plain idle timer. */
	w->ec.conns[i].flags &= (uint8_t)~CF_THINKING;
	tcp_arm_timer_ms(&w->ec, &w->ec.conns[i], w->cfg->idle_timeout_ms);
	/* SACK to the backend only if the client took it: blocks then cross
	 * both ways, translated (proxy_splice.c); else neither end sends any. */
	tcp_connect_offering(&w->es, sc, (uint8_t)~TO_SACK_PERM |
					    (w->slots[i].flags & PXF_CLIENT_SACK ? TO_SACK_PERM : 0));
}

static inline bool
backend_down(const struct px_worker *w, unsigned b)
{
	return w->down_until[b] > w->ec.now_tsc;
}

/* With retry_next_backend, the policy's choice b when it is up; else the next
 * backend after it in the list that is up and of the client's family (a
 * failed backend would cost each client the connect timeout, and load its
 * neighbour anyway); b when none is. */
static unsigned
first_up_backend(struct px_worker *w, uint32_t i, unsigned b)
{
	const struct px_config *cfg = w->cfg;

	if (!cfg->retry_next || !backend_down(w, b))
		return b;
	for (unsigned k = 1; k < cfg->nb_backends; k++) {
		unsigned n = (b + k) % cfg->nb_backends;
		if (same_family(w, i, n) && !backend_down(w, n)) {
			w->ctr[PX_PASSED_DOWN]++;
			return n;
		}
	}
	return b;
}

/* Asks the policy; `final`: no more payload will come before deciding. */
static void
decide(struct px_worker *w, uint32_t i, bool final)
{
	const struct px_config *cfg = w->cfg;
	struct px_slot *s = &w->slots[i];
	struct nfg_proxy_conn ci = px_conn_info(w, i);

	if (s->state != PX_COLLECT)
		return;
	/* The buffer is full when the room left is less than a window unit:
	 * the window announced is rounded down to units (tcp_app
	 * rcv_window_is_limit), so that room never opens to the client. */
	final |= cfg->inspect_bytes - RTE_MIN(s->held_len, cfg->inspect_bytes) <
		 (1u << w->ec.conns[i].rcv_shift);
	int b = cfg->policy->select(cfg->policy_state, &ci, s->held ? s->held : no_payload,
				    s->held_len, final);
	if (b == NFG_PROXY_MORE && !final)
		return;
	if (b < 0 || (unsigned)b >= cfg->nb_backends) {
		/* A reject, or nonsense from a plugin: never contact anything else. */
		w->ctr[PX_REJECTED]++;
		px_release(w, i, CAUSE_ABORTED, true);
		return;
	}
	if (!same_family(w, i, (unsigned)b)) {
		w->ctr[PX_OTHER_FAMILY]++;
		px_release(w, i, CAUSE_ABORTED, true);
		return;
	}
	s->backend = (uint8_t)first_up_backend(w, i, (unsigned)b);
	connect_backend(w, i);
}

/* ---- the client side: the engine as a server ----------------------------- */

static void
client_established(struct tcp_engine *e, struct tcp_conn *c)
{
	struct px_worker *w = worker_of(e);
	uint32_t i = conn_index(e, c);

	half_open_remove(&w->half_open, i);
	/* SACK agreed with the client is the spliced connection's: the slot
	 * keeps it, and the engine, which only collects the first bytes, sends
	 * no blocks of its own — blocks for bytes it then forgets at the splice
	 * (tcp_ooo_forget) would be reneging (RFC 2018 8): the client would wait
	 * for them to be acknowledged before resending. */
	if (c->opts & TO_SACK_PERM) {
		c->opts &= (uint8_t)~TO_SACK_PERM;
		w->slots[i].flags |= PXF_CLIENT_SACK;
	}
	/* The inspect time starts now (the "think" timer of the engine). */
	tcp_arm_timer_ms(e, c, w->cfg->inspect_ms);
	c->flags |= CF_THINKING;
	if (w->cfg->inspect_bytes == 0)
		decide(w, i, true);
}

static void
client_data(struct tcp_engine *e, struct tcp_conn *c, const uint8_t *p, uint32_t n)
{
	struct px_worker *w = worker_of(e);
	uint32_t i = conn_index(e, c);
	struct px_slot *s = &w->slots[i];

	/* Never more than the window we announced: the engine keeps segments
	 * beyond it when they come after a hole, and hands them over whole once
	 * the hole is filled. Such a client broke the window; the buffer has no
	 * room for it. */
	if (s->held_len + n > w->cfg->inspect_bytes) {
		nfg_count(e->node, TC_DROP_OUT_OF_WINDOW, 1);
		px_release(w, i, CAUSE_ABORTED, true);
		return;
	}
	if (!s->held && rte_mempool_get(w->held_pool, (void **)&s->held) != 0) {
		s->held = NULL;
		w->ctr[PX_NO_HELD_BUFFER]++;
		px_release(w, i, CAUSE_ABORTED, true);
		return;
	}
	/* The window we announce keeps n within the buffer. */
	memcpy(s->held + s->held_len, p, n);
	s->held_len += n;
	decide(w, i, false);
}

static uint32_t
client_window(struct tcp_engine *e, const struct tcp_conn *c)
{
	struct px_worker *w = worker_of(e);
	const struct px_slot *s = &w->slots[conn_index(e, c)];

	return w->cfg->inspect_bytes - RTE_MIN(s->held_len, w->cfg->inspect_bytes);
}

static void
client_think_over(struct tcp_engine *e, struct tcp_conn *c)
{
	decide(worker_of(e), conn_index(e, c), true);
}

static void
client_peer_closed(struct tcp_engine *e, struct tcp_conn *c)
{
	struct px_worker *w = worker_of(e);
	uint32_t i = conn_index(e, c);
	struct px_slot *s = &w->slots[i];

	/* A request and then the FIN (a client that shuts down its sending side
	 * once it has asked): nothing more will come, so decide now; the FIN
	 * follows the held payload to the backend. */
	if (s->held_len > 0 || s->state == PX_CONNECT) {
		s->flags |= PXF_CLIENT_FIN;
		decide(w, i, true);
		return;
	}
	/* A FIN before any payload: the client gave up. */
	w->ctr[PX_CLIENT_GONE]++;
	px_release(w, i, CAUSE_PASSIVE_CLOSE, true);
}

static void
client_released(struct tcp_engine *e, struct tcp_conn *c)
{
	struct px_worker *w = worker_of(e);
	uint32_t i = conn_index(e, c);

	if (!(w->slots[i].flags & PXF_RELEASING)) {
		if (w->slots[i].state < PX_SPLICE)
			w->ctr[PX_CLIENT_GONE]++;
		px_release(w, i, (enum tcp_cause)c->cause, true);
	}
	c->record = UINT32_MAX;
}

static bool
client_idle(struct tcp_engine *e, struct tcp_conn *c)
{
	px_timer(worker_of(e), conn_index(e, c));
	return true;
}

/* The client's request (or its FIN) just came and the backend is being
 * connected: the backend's answer, spliced, will carry its ACK — one frame
 * less per connection — or pay_acks sends it PX_ACK_DELAY_US later. One ACK
 * owed at a time: any other segment due an ACK is answered at once (RFC 9293
 * 3.8.6.3: at least every second one), and that pays the first. */
static bool
client_ack_later(struct tcp_engine *e, struct tcp_conn *c, bool may_wait)
{
	struct px_worker *w = worker_of(e);
	uint32_t i = conn_index(e, c);
	struct px_slot *s = &w->slots[i];

	if (s->flags & PXF_ACK_OWED) {
		s->flags &= (uint16_t)~PXF_ACK_OWED;
		return false;
	}
	if (!may_wait || s->state != PX_CONNECT || age_ring_full(&w->acks_owed))
		return false;
	s->flags |= PXF_ACK_OWED;
	age_ring_push(&w->acks_owed, i, s->id, e->now_us);
	return true;
}

/* The ACKs owed longer than PX_ACK_DELAY_US (the backend has not answered):
 * the clients get them now. All wait alike, so the oldest is the first due. */
static void
pay_acks(struct px_worker *w)
{
	const struct age_entry *a;
	struct age_entry due;

	while ((a = age_ring_peek(&w->acks_owed)) != NULL &&
	       w->ec.now_us - a->at >= PX_ACK_DELAY_US) {
		age_ring_pop(&w->acks_owed, &due);
		struct px_slot *s = &w->slots[due.slot];
		if (s->id != due.id || !(s->flags & PXF_ACK_OWED))
			continue; /* paid, or the slot ended (and maybe serves another) */
		s->flags &= (uint16_t)~PXF_ACK_OWED;
		tcp_send_control(&w->ec, &w->ec.conns[due.slot], RTE_TCP_ACK_FLAG,
				 px_client_snd_nxt(w, due.slot));
	}
}

static void
no_fill(struct tcp_engine *e, const struct tcp_conn *c, uint32_t off, uint8_t *dst,
	uint32_t len)
{
	(void)e;
	(void)c;
	(void)off;
	memset(dst, 0, len); /* the proxy never sends its own data to the client */
}

static const struct tcp_app client_side = {
	.established = client_established,
	.data = client_data,
	.peer_closed = client_peer_closed,
	.think_over = client_think_over,
	.released = client_released,
	.fill = no_fill,
	.rcv_window = client_window,
	.rcv_window_is_limit = true, /* the held buffer */
	.idle = client_idle,
	.ack_later = client_ack_later,
};

/* ---- the server side: the engine as a client ------------------------------ */

/* The request hooks, on the held payload; false when one closed it. */
static bool
run_request_hooks(struct px_worker *w, uint32_t i)
{
	const struct px_config *cfg = w->cfg;
	struct px_slot *s = &w->slots[i];
	struct nfg_proxy_conn ci = px_conn_info(w, i);
	uint32_t cap = cfg->inspect_bytes + PX_HOOK_ROOM;

	s->sent_len = s->held_len;
	for (unsigned h = 0; h < cfg->nb_hooks && s->held; h++) {
		if (!cfg->hooks[h]->request)
			continue;
		int n = cfg->hooks[h]->request(cfg->hook_state[h], &ci, s->held, s->sent_len, cap);
		if (n < 0 || (uint32_t)n > cap) {
			w->ctr[PX_HOOK_CLOSED]++;
			return false;
		}
		s->sent_len = (uint32_t)n;
	}
	return true;
}

static void
server_established(struct tcp_engine *e, struct tcp_conn *c)
{
	struct px_worker *w = worker_of(e);
	uint32_t i = conn_index(e, c);

	w->down_until[w->slots[i].backend] = 0; /* up */
	if (!run_request_hooks(w, i)) {
		px_release(w, i, CAUSE_ABORTED, true);
		return;
	}
	if (w->slots[i].sent_len)
		tcp_send_message(e, c, w->slots[i].sent_len);
	if (w->slots[i].flags & PXF_CLIENT_FIN)
		tcp_close(e, c); /* the client's FIN came before the backend answered */
	else if (!w->slots[i].sent_len)
		w->slots[i].flags |= PXF_HELD_ACKED;
	px_splice_start(w, i);
}

static void
server_released(struct tcp_engine *e, struct tcp_conn *c)
{
	struct px_worker *w = worker_of(e);
	uint32_t i = conn_index(e, c);
	struct px_slot *s = &w->slots[i];

	c->record = UINT32_MAX;
	if (s->flags & PXF_RELEASING)
		return;
	if (s->state == PX_CONNECT) {
		/* Refused or silent: passed over for a while, and the next backend,
		 * or a reset for the client. */
		w->down_until[s->backend] = w->ec.now_tsc + (uint64_t)w->cfg->backend_down_ms *
									(rte_get_tsc_hz() / 1000);
		/* The next backend of the client's family, while untried ones are left. */
		unsigned next = s->backend;
		while (w->cfg->retry_next && s->tries < w->cfg->nb_backends) {
			next = (next + 1) % w->cfg->nb_backends;
			if (!same_family(w, i, next)) {
				s->tries++; /* a backend it cannot reach counts as tried */
				continue;
			}
			w->ctr[PX_RETRIED]++;
			s->backend = (uint8_t)next;
			connect_backend(w, i);
			return;
		}
		w->ctr[PX_BACKEND_FAILED]++;
		/* The backend's failure is counted once, by its own connection
		 * (failed_refused, failed_timeout); the client's is one we reset. */
		px_release(w, i, CAUSE_ABORTED, true);
		return;
	}
	px_release(w, i, (enum tcp_cause)c->cause, true);
}

static void
server_fill(struct tcp_engine *e, const struct tcp_conn *c, uint32_t off, uint8_t *dst,
	    uint32_t len)
{
	const struct px_slot *s = &worker_of(e)->slots[conn_index(e, c)];

	if (s->held)
		memcpy(dst, s->held + off, len);
}

static void
server_nothing(struct tcp_engine *e, struct tcp_conn *c)
{
	(void)e;
	(void)c;
}

static void
server_data(struct tcp_engine *e, struct tcp_conn *c, const uint8_t *p, uint32_t n)
{
	(void)e;
	(void)c;
	(void)p;
	(void)n; /* data from the backend is spliced, never delivered here */
}

/* The backend side's idle timer (armed when it connected and nothing of ours
 * was outstanding: an empty first payload) is the slot's idle timer too, so
 * an idle connection ends counted as one, whichever side's timer fires. */
static bool
server_idle(struct tcp_engine *e, struct tcp_conn *c)
{
	px_timer(worker_of(e), conn_index(e, c));
	return true;
}

static const struct tcp_app server_side = {
	.established = server_established,
	.data = server_data,
	.peer_closed = server_nothing,
	.think_over = server_nothing,
	.released = server_released,
	.fill = server_fill,
	.idle = server_idle,
};

/* ---- the data path ------------------------------------------------------- */

/* Immediate binding: the policy chooses at the SYN (no payload yet) and the SYN
 * itself goes to the backend: the proxy is a NAT from then on. */
static void
accept_immediate(struct px_worker *w, uint32_t i, struct rte_mbuf *syn)
{
	const struct px_config *cfg = w->cfg;
	struct px_slot *s = &w->slots[i];
	struct nfg_proxy_conn ci = px_conn_info(w, i);
	const struct rte_tcp_hdr *th = nfg_l4(syn);
	int b = cfg->policy->select(cfg->policy_state, &ci, no_payload, 0, true);

	bool other_family = b >= 0 && (unsigned)b < cfg->nb_backends && !same_family(w, i, (unsigned)b);

	if (b < 0 || (unsigned)b >= cfg->nb_backends || other_family) {
		w->ctr[other_family ? PX_OTHER_FAMILY : PX_REJECTED]++;
		tcp_reply_rst(&w->ec, syn);
		struct px_key key = px_key_of(&w->ec.conns[i]);
		tuple_table_del(&w->table, px_key_hash(w, &key), i);
		s->state = PX_FREE;
		px_give(w, i);
		return;
	}
	s->backend = (uint8_t)b;
	struct tcp_conn *sc = &w->es.conns[i];
	backend_address(w, i, (unsigned)b, sc);
	sc->record = UINT32_MAX;
	w->ec.conns[i].record = UINT32_MAX;
	px_splice_immediate(w, i, rte_be_to_cpu_32(th->sent_seq));
	px_from_client(w, i, syn);
}

/* No slot is free: the oldest connection still lingering (finished, kept
 * only for a late ACK) gives up its slot. False when none lingers. */
static bool
cut_oldest_linger(struct px_worker *w)
{
	struct age_entry a;

	while (age_ring_pop(&w->lingering, &a)) {
		const struct px_slot *s = &w->slots[a.slot];
		if (s->state != PX_LINGER || s->id != a.id)
			continue; /* ended early, maybe reused since */
		w->ctr[PX_LINGER_CUT]++;
		px_release(w, a.slot, CAUSE_PASSIVE_CLOSE, false);
		return true;
	}
	return false;
}

static void
accept_client(struct px_worker *w, struct rte_mbuf *m, const struct px_key *key)
{
	struct tcp_engine *e = &w->ec;

	/* Full: a lingering connection's slot first, it has finished; else the
	 * oldest half-open client (a SYN flood's, most likely) makes room. In
	 * immediate binding the proxy keeps no half-open state. */
	if (w->free_count == 0 && !cut_oldest_linger(w) &&
	    half_open_oldest(&w->half_open) != HALF_OPEN_NONE) {
		w->ctr[TC_HALF_OPEN_EVICTED]++;
		px_release(w, half_open_oldest(&w->half_open), CAUSE_ABORTED, false);
	}
	uint32_t i = px_next_free(w);

	if (i == UINT32_MAX || tuple_table_add(&w->table, px_key_hash(w, key), i) < 0) {
		nfg_count(e->node, TC_DROP_TABLE_FULL, 1);
		tcp_reply_rst(e, m);
		return;
	}
	px_take(w);
	struct px_slot *s = &w->slots[i];
	/* Not the length changes: read only below nb_shifts, and their lines,
	 * cold in a slot that finished long ago, are then never fetched. */
	memset(s, 0, offsetof(struct px_slot, shifts));
	s->state = PX_COLLECT;
	s->id = w->next_id;
	w->next_id += w->id_stride;
	struct tcp_conn *c = &e->conns[i];
	memset(c, 0, sizeof(*c));
	tcp_conn_addresses_from(e, c, m); /* the key's addresses, and IPv6's whole */
	c->remote_port = key->client_port;
	c->local_port = key->vport;
	c->id = s->id;
	if (w->cfg->immediate) {
		accept_immediate(w, i, m);
		return;
	}
	tcp_record_open(e, c);
	half_open_add(&w->half_open, i);
	tcp_accept(e, c, m);
	tcp_mbuf_done(e, m);
}

/* `hash`: the segment's table hash, computed (and its cell prefetched)
 * ahead by tuple_table_segment_hash. */
static void
from_client(struct px_worker *w, struct rte_mbuf *m, uint32_t hash)
{
	struct rte_tcp_hdr *th = tcp_segment_check(&w->ec, m);

	if (!th)
		return;
	const struct rte_ipv6_hdr *ip6 = tcp_segment_ip6(m);
	struct px_key key = { .client_port = th->src_port, .vport = th->dst_port };
	tcp_segment_keys(m, &key.client_ip, &key.vip);
	bool syn = (th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) ==
		   RTE_TCP_SYN_FLAG;
	uint32_t i = tuple_table_find(&w->table, hash, w->ec.conns, w->ec.addr6, ip6, key.client_ip,
				      key.vip, key.client_port, key.vport);
	if (i != TUPLE_NONE) {
		/* The client reuses its port while the finished exchange lingers: a
		 * SYN above its numbers opens a new connection (as a SYN may end
		 * TIME-WAIT, RFC 9293 3.6.1); the old slot has nothing left to do. */
		if (syn && w->slots[i].state == PX_LINGER &&
		    SEQ_GT(rte_be_to_cpu_32(th->sent_seq), w->slots[i].c_next)) {
			px_release(w, i, CAUSE_PASSIVE_CLOSE, false);
		} else {
			if (w->slots[i].state >= PX_SPLICE)
				px_from_client(w, i, m);
			else
				tcp_input(&w->ec, &w->ec.conns[i], m);
			return;
		}
	}
	if (syn &&
	    (ip6 ? listen_set_match6(&w->cfg->listen, ip6->dst_addr, key.vport)
		 : listen_set_match(&w->cfg->listen, key.vip, key.vport)) &&
	    tcp_engine_owns_destination(&w->ec, m)) { /* "*" is any address of ours */
		accept_client(w, m, &key);
		return;
	}
	tcp_input(&w->ec, NULL, m);
}

/* Does segment m come from the backend of slot i, to the slot's address? */
static inline bool
backend_matches(const struct px_worker *w, uint32_t i, const struct tcp_conn *sc,
		struct rte_mbuf *m, const struct rte_ipv6_hdr *ip6)
{
	if (sc->v6 != (ip6 != NULL))
		return false;
	if (unlikely(ip6))
		return tcp_ip6_matches(&w->es.addr6[i], ip6);
	const struct rte_ipv4_hdr *ip = nfg_l3(m);
	return ip->dst_addr == sc->local_ip && ip->src_addr == sc->remote_ip;
}

static void
from_server(struct px_worker *w, struct rte_mbuf *m)
{
	struct rte_tcp_hdr *th = tcp_segment_check(&w->es, m);

	if (!th)
		return;
	const struct rte_ipv6_hdr *ip6 = tcp_segment_ip6(m);
	uint32_t local = local_share_name(&w->cfg->share, m);
	uint32_t i = px_slot_at(w, local_share_slot(&w->cfg->share, w->worker, local, th->dst_port));
	struct tcp_conn *sc = i < w->nb_slots ? &w->es.conns[i] : NULL;
	/* Another worker's connection (steering missed it): a reset from here
	 * would kill it, so only count it. */
	if (!sc && local_share_foreign(&w->cfg->share, w->worker, local, th->dst_port)) {
		nfg_drop(w->es.node, TC_DROP_NOT_OWNER, &m, 1);
		return;
	}
	/* Only the backend this slot talks to, from its address and port. */
	if (!sc || w->slots[i].state < PX_CONNECT || th->src_port != sc->remote_port ||
	    !backend_matches(w, i, sc, m, ip6)) {
		tcp_input(&w->es, NULL, m);
		return;
	}
	if (w->slots[i].state == PX_CONNECT)
		tcp_input(&w->es, sc, m);
	else
		px_from_server(w, i, m);
}

static uint16_t
proxy_input(struct rte_graph *graph, struct rte_node *node, unsigned input, void **objs,
	    uint16_t nb_objs)
{
	struct px_worker *w = nfg_node_state(node);
	uint64_t tsc = nfg_clock();

	tcp_engine_tick(&w->ec, graph, tsc);
	tcp_engine_tick(&w->es, graph, tsc);
	if (input == PX_FROM_CLIENT) {
		/* As the listener: every segment's table cell fetched first, while
		 * the others are hashed; then the segments. */
		uint32_t hash[TUPLE_BURST];
		for (uint16_t base = 0; base < nb_objs; base += TUPLE_BURST) {
			struct rte_mbuf **pkts = (struct rte_mbuf **)objs + base;
			uint16_t n = RTE_MIN((uint16_t)(nb_objs - base), (uint16_t)TUPLE_BURST);
			for (uint16_t k = 0; k < n; k++)
				hash[k] = tuple_table_segment_hash(&w->table, pkts[k]);
			for (uint16_t k = 0; k < n; k++)
				from_client(w, pkts[k], hash[k]);
		}
	} else {
		for (uint16_t k = 0; k < nb_objs; k++) {
			if (k + 1 < nb_objs)
				rte_prefetch0(rte_pktmbuf_mtod((struct rte_mbuf *)objs[k + 1], void *));
			from_server(w, objs[k]);
		}
	}
	tcp_flush(&w->ec);
	tcp_flush(&w->es);
	return nb_objs;
}

/* The run is stopping: both sides of what is still proxied get a RST (peers
 * outside this process would keep the connections), TCP_STOP_RESETS slots a
 * walk; what lingers has ended well and just goes. Not when a port's peer is
 * this process. */
static void
reset_at_stop(struct px_worker *w)
{
	unsigned budget = TCP_STOP_RESETS;

	if (!w->ec.cfg->rst_at_stop || !w->es.cfg->rst_at_stop)
		return;
	if (nfg_tx_backlogged()) /* a port has not sent the last batch yet */
		budget = 0;
	for (; w->stop_scan < w->nb_slots && budget; w->stop_scan++) {
		uint8_t state = w->slots[w->stop_scan].state;
		if (state == PX_FREE)
			continue;
		if (state == PX_LINGER)
			px_release(w, w->stop_scan, CAUSE_PASSIVE_CLOSE, false);
		else
			px_release(w, w->stop_scan, CAUSE_ABORTED, true);
		budget--;
	}
	if (w->stop_scan < w->nb_slots)
		nfg_drain_request(); /* the rest in the next walks */
}

/* Called on every walk (an operator with named inputs is a source): timers,
 * and the resets at the stop. */
static uint16_t
proxy_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct px_worker *w = nfg_node_state(node);
	uint64_t tsc = nfg_clock();
	bool stopping = nfg_stopping();
	(void)objs;
	(void)nb_objs;

	if (tsc < w->ec.next_tick_tsc && tsc < w->es.next_tick_tsc && !stopping)
		return 0;
	tcp_engine_tick(&w->ec, graph, tsc);
	tcp_engine_tick(&w->es, graph, tsc);
	if (stopping)
		reset_at_stop(w);
	tcp_timers_poll(&w->ec, tsc);
	tcp_timers_poll(&w->es, tsc);
	pay_acks(w);
	tcp_flush(&w->ec);
	tcp_flush(&w->es);
	return 0;
}

/* ---- start and workers (setup: proxy_setup.c) --------------------------------- */

static int
proxy_start(struct nfg_instance *inst)
{
	struct px_config *cfg = nfg_instance_config(inst);
	const struct nfg_port *cp = nfg_port_get(nfg_param_string(inst, "client_port"));
	const struct nfg_port *sp = nfg_port_get(nfg_param_string(inst, "server_port"));

	if (!cp || !sp)
		return nfg_error(inst, NULL, "its ports did not start");
	/* Both sides fit the smaller MTU: a spliced segment from one leaves on
	 * the other port. (In immediate binding the ends' own SYNs pass: the
	 * MSS they announce is theirs, as through any router.) */
	uint16_t mtu = !cp->mtu ? sp->mtu : !sp->mtu ? cp->mtu : RTE_MIN(cp->mtu, sp->mtu);
	if (tcp_engine_config_fit(inst, &cfg->client_engine, cp, mtu) < 0 ||
	    tcp_engine_config_fit(inst, &cfg->server_engine, sp, mtu) < 0)
		return -1;
	/* IPv6 on a side whose port has an IPv6 address: clients of both
	 * families on the client side, IPv6 backends on the server side. */
	cfg->client_engine.ipv6 = cp->nb_ipv6 > 0;
	cfg->server_engine.ipv6 = cfg->any_v6_backend;
	/* The port has the addresses needed (local_share_check_peers, at setup). */
	if (cfg->any_v6_backend)
		memcpy(cfg->src_ip6, sp->ipv6[0], 16);
	/* With IPv6 backends only, the IPv4 address merely names the slots. */
	if (cfg->src.nb == 0)
		local_share_set_address(&cfg->share, sp->nb_ipv4 ? ntohl(sp->ipv4[0]) : 0);
	return 0;
}

static int
proxy_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	const struct px_config *cfg = nfg_instance_config(inst);
	unsigned workers = nfg_worker_count();
	int socket = nfg_worker_socket(worker);
	struct px_worker *w = rte_zmalloc_socket("tcp_proxy", sizeof(*w), RTE_CACHE_LINE_SIZE,
						 socket);
	char name[RTE_MEMPOOL_NAMESIZE];

	if (!w)
		return -1;
	nfg_node_set_state(node, w);
	w->cfg = cfg;
	w->worker = worker;
	w->nb_slots = local_share_slots(&cfg->share, worker);
	w->next_id = worker;
	w->id_stride = workers;
	w->ctr = nfg_node_counters(node);
	if (tcp_engine_init(&w->ec, &cfg->client_engine, &client_side, w, w->nb_slots,
			    cfg->records, REC_ROLE_SERVER, node, socket) < 0 ||
	    tcp_engine_init(&w->es, &cfg->server_engine, &server_side, w, w->nb_slots,
			    cfg->records, REC_ROLE_CLIENT, node, socket) < 0)
		return nfg_error(inst, NULL, "worker %u: no DPDK memory for %u connections",
				 worker, w->nb_slots);
	w->ec.out_edge = PX_TO_CLIENT;
	w->es.out_edge = PX_TO_SERVER;
	if (cfg->any_v6_backend) { /* the fold's key is drawn by now (tcp_engine_init) */
		w->src_fold6 = tcp_ip6_fold(cfg->src_ip6);
		for (unsigned b = 0; b < cfg->nb_backends; b++)
			w->backend_fold6[b] = tcp_ip6_fold(cfg->backend_ip6[b]);
	}
	w->slots = rte_zmalloc_socket("px_slots", w->nb_slots * sizeof(*w->slots), 0, socket);
	size_t words = w->nb_slots * sizeof(uint32_t);
	w->free_stack = rte_malloc_socket("px_free", words, 0, socket);
	w->port_fifo = rte_malloc_socket("px_ports", words, 0, socket);
	w->port_of = rte_malloc_socket("px_port_of", words, 0, socket);
	w->slot_at = rte_malloc_socket("px_slot_at", words, 0, socket);
	snprintf(name, sizeof(name), "pxh%u_%p", worker, (void *)w);
	w->held_pool = rte_mempool_create(name, cfg->held_buffers, cfg->inspect_bytes + PX_HOOK_ROOM,
					  0, 0, NULL, NULL, NULL, NULL, socket, 0);
	int table = tuple_table_init(&w->table, w->nb_slots, socket);
	if (!w->slots || !w->free_stack || !w->port_fifo || !w->port_of || !w->slot_at ||
	    !w->held_pool || table < 0 ||
	    half_open_init(&w->half_open, w->nb_slots, socket) < 0 ||
	    age_ring_init(&w->lingering, w->nb_slots, socket) < 0 ||
	    age_ring_init(&w->acks_owed, w->nb_slots, socket) < 0)
		return nfg_error(inst, NULL, "worker %u: no DPDK memory for the proxy tables "
				 "(held_buffers %u of %u bytes)", worker, cfg->held_buffers,
				 cfg->inspect_bytes + PX_HOOK_ROOM);
	local_share_slot_order(&cfg->share, worker, w->port_fifo);
	/* Each run starts at a random place in its ports: one that started at
	 * the first again would come back to a backend still holding those
	 * 4-tuples in TIME_WAIT, and in immediate binding the client's own
	 * sequence numbers, not ours, must get past it (Linux refuses them). */
	w->port_head = (uint32_t)rte_rand_max(w->nb_slots);
	for (uint32_t i = 0; i < w->nb_slots; i++) {
		w->free_stack[i] = w->nb_slots - 1 - i; /* slot 0 first */
		w->slot_at[i] = UINT32_MAX;
	}
	w->free_count = w->nb_slots;
	return 0;
}

static void
proxy_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct px_worker *w = nfg_node_state(node);

	if (!w)
		return;
	/* A lingering connection finished well; the others were cut by the stop. */
	for (uint32_t i = 0; w->slots && w->table.cells && i < w->nb_slots; i++)
		px_release(w, i, w->slots[i].state == PX_LINGER ? CAUSE_PASSIVE_CLOSE : CAUSE_ABORTED,
			   false);
	tcp_records_flush(inst, &w->ec);
	tcp_records_flush(inst, &w->es);
	tcp_engine_free(&w->ec);
	tcp_engine_free(&w->es);
	tuple_table_free(&w->table);
	rte_mempool_free(w->held_pool);
	rte_free(w->slots);
	rte_free(w->free_stack);
	rte_free(w->port_fifo);
	rte_free(w->port_of);
	rte_free(w->slot_at);
	half_open_free(&w->half_open);
	age_ring_free(&w->lingering);
	age_ring_free(&w->acks_owed);
	rte_free(w);
}

static const struct nfg_op tcp_proxy_op = {
	.api_version = NFG_API_VERSION,
	.name = "tcp_proxy",
	.summary = "TCP proxy with delayed binding: policies choose the backend, hooks see payload",
	.doc = "nfproxy's operator. Clients connect to a listen address; the proxy completes\n"
	       "their handshake, holds the first payload (inspect_bytes / inspect_ms) and asks\n"
	       "the policy for a backend; it connects to it, sends the held payload (after\n"
	       "the request hooks, which may change it) and then splices the connections:\n"
	       "segments forwarded in place with addresses, ports, sequence and ACK numbers\n"
	       "rewritten and checksums updated incrementally. Edges come in on the named\n"
	       "inputs \"client\" and \"server\"; segments leave on \"to_client\" and\n"
	       "\"to_server\" (IPv4/TCP: set the next hop MACs or put arp nodes after).",
	.input_doc = "inputs \"client\" and \"server\": parsed IPv4/TCP segments",
	.example = "\"proxy\": {\"op\": \"tcp_proxy\", \"client_port\": \"c\", \"server_port\": \"s\", "
		   "\"listen\": [\"198.18.1.1:80\"], \"backends\": [{\"name\": \"a\", \"ip\": "
		   "\"198.19.0.10\", \"port\": 80}]}",
	.flags = NFG_OP_RECORDS,
	.params = px_params,
	.outputs = (const char *const[]){ "to_client", "to_server", NULL },
	.counters = px_counters,
	.setup = px_setup,
	.start = proxy_start,
	.init = proxy_init,
	.process = proxy_process,
	.input = proxy_input,
	.fini = proxy_fini,
	.progress = px_progress,
	.summarize = px_summarize,
	.stats_json = px_stats_json,
	.histograms = tcp_proxy_histograms,
	.observe = tcp_proxy_observe,
};

NFG_OPERATOR_REGISTER(tcp_proxy_op);
