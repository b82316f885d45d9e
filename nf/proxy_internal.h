/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The tcp_proxy operator's state, shared by its files: tcp_proxy.c (the
 * operator, both handshakes, collecting the first payload, choosing the
 * backend), proxy_splice.c (forwarding spliced segments with sequence
 * translation, closing), proxy_setup.c (parameters and configuration) and
 * proxy_report.c (progress, summary, --stats-json).
 *
 * A proxied connection is one slot index i on a worker: the client-side TCP
 * connection is ec.conns[i] (the proxy acts as the server), the server-side
 * one es.conns[i] (the proxy acts as a client, from the local address of slot i
 * in its worker's share, local_share.h),
 * and slots[i] holds what joins them.
 */
#ifndef NFG_NF_PROXY_INTERNAL_H
#define NFG_NF_PROXY_INTERNAL_H

#include <rte_mempool.h>

#include "nfg/proxy.h"
#include "age_ring.h"
#include "half_open.h"
#include "listen_set.h"
#include "tuple_table.h"
#include "local_share.h"
#include "tcp_engine.h"

#define PX_MAX_BACKENDS 64
#define PX_MAX_HOOKS 8
#define PX_HOOK_ROOM 1024 /* a request hook may grow the first payload this much */
/* Length changes by data hooks, per direction and connection: each one moves
 * every later sequence number, and retransmissions must change the same way,
 * so each is remembered for the connection's life. One more resets the
 * connection (counted hook_resizes_over_limit). */
#define PX_MAX_SHIFTS 8
#define PX_MAX_FRAME_IP 1500 /* a data hook grows a segment no bigger than this (IP) */

enum px_output { PX_TO_CLIENT, PX_TO_SERVER };
enum px_input { PX_FROM_CLIENT, PX_FROM_SERVER };

enum px_state {
	PX_FREE,
	PX_COLLECT, /* handshake with the client done (or doing), first payload coming */
	PX_CONNECT, /* backend chosen, SYN sent to it, payload held */
	PX_SPLICE,  /* both connected: segments forwarded, translated */
	PX_LINGER,  /* both sides sent FIN: forwarding the last ACKs, then free */
};

/* slot flags */
#define PXF_CLIENT_FIN 0x01
#define PXF_SERVER_FIN 0x02
#define PXF_HELD_ACKED 0x04 /* the backend acknowledged all the held payload */
#define PXF_RELEASING 0x08
#define PXF_CLIENT_FIN_ACKED 0x10 /* the backend acknowledged the client's FIN */
#define PXF_SERVER_FIN_ACKED 0x20 /* the client acknowledged the backend's FIN */
#define PXF_CLIENT_SACK 0x40 /* the client agreed to SACK (kept here: tcp_proxy.c) */
#define PXF_BACKEND_UP 0x80 /* immediate binding: the backend answered the SYN */
#define PXF_ACK_OWED 0x100  /* the client's request waits for its ACK: the backend's
			     * answer carries it, or px_pay_acks sends it (tcp_proxy.c) */

/* How long the ACK of a client's request waits for the backend's answer to
 * carry it, at most (Linux's shortest delayed ACK; RFC 9293 3.8.6.3 allows
 * 500 ms). Well below the clients' retransmission timeouts (200 ms at least). */
#define PX_ACK_DELAY_US 40000u

/* Proxy counters, after the engine's TC_* ones. */
enum px_counter {
	PX_PROXIED = TC_NB, /* spliced: both sides connected */
	PX_DONE,            /* spliced connections that ended with FINs both ways */
	PX_REJECTED,        /* the policy said no: client reset */
	PX_BACKEND_FAILED,  /* the backend refused or did not answer: client reset */
	PX_RETRIED,         /* ... and the next backend was tried */
	PX_CLIENT_GONE,     /* the client left before the backend was connected */
	PX_RESETS,          /* spliced connections ended by a RST from either side */
	PX_IDLE_TIMEOUTS,
	PX_HOOK_CLOSED,
	PX_NO_HELD_BUFFER,  /* too many connections collecting at once: client reset */
	PX_OTHER_FAMILY,    /* the backend chosen is of the other IP family: client reset */
	PX_FORWARDED_C2S,
	PX_FORWARDED_S2C,
	PX_HOOK_RESIZES_OVER, /* a data hook changed lengths more than PX_MAX_SHIFTS times */
	PX_LINGER_CUT,      /* a lingering connection gave its slot to a new client */
	PX_PASSED_DOWN,     /* the policy chose a backend that just failed: the next one up */
	PX_NB_COUNTERS,
};

struct px_slot {
	uint16_t flags;
	uint8_t state, backend, tries;
	uint32_t held_len;      /* bytes of the client's first payload we hold */
	uint32_t sent_len;      /* what the backend gets for them (after request hooks) */
	uint8_t *held;          /* buffer from held_pool while it is needed */
	/* Added to a client segment's seq/ack on the way to the server, and to a
	 * server segment's seq/ack on the way to the client (mod 2^32). */
	uint32_t c2s_seq, c2s_ack, s2c_seq, s2c_ack;
	uint32_t c_next, s_next; /* next sequence number from client / server, own space */
	uint32_t fin_out[2];     /* where each direction's FIN ends, receiver's space */
	uint64_t last_tsc;       /* last segment either way, for the idle timeout */
	uint32_t id;
	/* Data hooks that changed lengths: from sequence number `at` (sender's
	 * space) on, a direction's bytes move by `total` more. [0]: client to
	 * server, [1]: server to client; in order of `at`. */
	uint8_t nb_shifts[2];
	/* Last: a new connection clears the slot only up to here. */
	struct px_shift {
		uint32_t at;
		int32_t total;
	} shifts[2][PX_MAX_SHIFTS];
};

struct px_config {
	struct tcp_engine_config client_engine, server_engine;
	struct nfg_proxy_backend backends[PX_MAX_BACKENDS];
	unsigned nb_backends;
	/* IPv6 (nf/tcp_ip6.h): backends of that family, and the source address
	 * the proxy opens them from without IPv6 src_ips (the server port's
	 * first IPv6 address; local_share.h). A
	 * client reaches only backends of its own family: the proxy rewrites
	 * addresses in place and does not translate between families. */
	bool backend_is6[PX_MAX_BACKENDS];
	uint8_t backend_ip6[PX_MAX_BACKENDS][16];
	bool any_v6_backend;
	uint8_t src_ip6[16];
	const struct nfg_proxy_policy *policy;
	void *policy_state;
	const struct nfg_proxy_hook *hooks[PX_MAX_HOOKS];
	void *hook_state[PX_MAX_HOOKS];
	unsigned nb_hooks;
	bool data_hooks;          /* some hook looks at spliced segments */
	struct listen_set listen;
	struct local_addresses src; /* src_ip or src_ips (nb 0: the server port's) */
	uint16_t port_lo, port_hi;
	struct local_share share; /* server-side local addresses, per worker */
	uint32_t inspect_bytes, inspect_ms;
	uint32_t idle_timeout_ms, linger_ms;
	bool retry_next;
	uint32_t backend_down_ms; /* with retry_next: how long a failed backend is passed over */
	bool immediate;           /* binding at the SYN: a NAT, handshake forwarded */
	uint32_t held_buffers;
	uint32_t records;
	char backend_counter_names[PX_MAX_BACKENDS][48];
	unsigned backend_counter0; /* index of the first per-backend counter */
};

struct px_worker {
	struct tcp_engine ec;     /* first: the shared TCP reporting reads it */
	struct tcp_engine es;
	const struct px_config *cfg;
	struct px_slot *slots;
	uint32_t nb_slots;
	struct tuple_table table; /* client 4-tuple -> slot */
	/* Free slots and free backend-side ports, kept apart (px_take, px_give):
	 * a slot's state (both connections, slots[i]) is reused newest first,
	 * while it is still in the cache; the local port it opens its backend
	 * connection from is reused oldest first, so a 4-tuple comes back to
	 * the backend as late as possible (its TIME_WAIT has time to end).
	 * port_of[i]: slot i's port, as its index in the worker's share;
	 * slot_at[p]: the slot using port p, UINT32_MAX when none. */
	uint32_t *free_stack, free_count;
	uint32_t *port_fifo, port_head; /* free_count ports, oldest at port_head */
	uint32_t *port_of, *slot_at;
	struct half_open half_open; /* client handshakes not finished, oldest first */
	struct age_ring lingering;  /* slots that began to linger, oldest first */
	struct age_ring acks_owed;  /* slots that took PXF_ACK_OWED, oldest first */
	struct rte_mempool *held_pool;
	uint32_t next_id, id_stride;
	uint32_t stop_scan;       /* the next slot to reset at the stop */
	unsigned worker;
	uint64_t *ctr;
	uint32_t src_fold6, backend_fold6[PX_MAX_BACKENDS]; /* tcp_ip6_fold() of those */
	/* With retry_next: until when (TSC) each backend is passed over, its last
	 * connect having failed; 0 when it is up. The worker's own knowledge. */
	uint64_t down_until[PX_MAX_BACKENDS];
};

struct px_key {
	uint32_t client_ip, vip;
	uint16_t client_port, vport;
};

static inline uint32_t
px_key_hash(const struct px_worker *w, const struct px_key *k)
{
	return tuple_table_hash(&w->table, k->client_ip, k->vip, k->client_port, k->vport);
}

/* The slot px_take gives next, or UINT32_MAX when all are in use. */
static inline uint32_t
px_next_free(const struct px_worker *w)
{
	return w->free_count ? w->free_stack[w->free_count - 1] : UINT32_MAX;
}

/* Takes the slot px_next_free named (there is one) and the oldest free port. */
static inline uint32_t
px_take(struct px_worker *w)
{
	uint32_t i = w->free_stack[--w->free_count];
	uint32_t p = w->port_fifo[w->port_head];

	w->port_head = w->port_head + 1 == w->nb_slots ? 0 : w->port_head + 1;
	w->port_of[i] = p;
	w->slot_at[p] = i;
	return i;
}

/* Frees slot i (pushed to be taken next) and its port (to be taken last). */
static inline void
px_give(struct px_worker *w, uint32_t i)
{
	uint32_t p = w->port_of[i];
	uint32_t tail = w->port_head + w->free_count;

	w->slot_at[p] = UINT32_MAX;
	w->port_fifo[tail >= w->nb_slots ? tail - w->nb_slots : tail] = p;
	w->free_stack[w->free_count++] = i;
}

/* The slot using the backend-side port the share names p, or UINT32_MAX. */
static inline uint32_t
px_slot_at(const struct px_worker *w, uint32_t p)
{
	return p < w->nb_slots ? w->slot_at[p] : UINT32_MAX;
}

static inline struct px_key
px_key_of(const struct tcp_conn *client_side)
{
	return (struct px_key){ client_side->remote_ip, client_side->local_ip,
				client_side->remote_port, client_side->local_port };
}

static inline struct nfg_proxy_conn
px_conn_info(const struct px_worker *w, uint32_t i)
{
	const struct tcp_conn *c = &w->ec.conns[i];

	return (struct nfg_proxy_conn){ c->remote_ip, c->local_ip, c->remote_port, c->local_port,
					w->slots[i].id, w->worker };
}

/* proxy_setup.c: the operator's parameters, setup(), and the release of
 * what it made. */
extern const struct nfg_param px_params[];
extern struct nfg_counter px_counters[]; /* the engine's, then the proxy's */
int px_setup(struct nfg_instance *inst);
void px_config_free(void *cfg);

/* proxy_report.c */
void px_progress(struct nfg_instance *inst, const uint64_t *now, const uint64_t *prev, double dt,
		 char *buf, size_t len);
void px_summarize(struct nfg_instance *inst, FILE *out);
void px_stats_json(struct nfg_instance *inst, json_t *node);

/* proxy_splice.c */
void px_splice_start(struct px_worker *w, uint32_t i);
/* Immediate binding: splice from the client's SYN on, nothing translated but
 * addresses and ports. */
void px_splice_immediate(struct px_worker *w, uint32_t i, uint32_t client_isn);
void px_from_client(struct px_worker *w, uint32_t i, struct rte_mbuf *m);
void px_from_server(struct px_worker *w, uint32_t i, struct rte_mbuf *m);
/* Ends both sides; `reset` sends each a RST first. */
void px_release(struct px_worker *w, uint32_t i, enum tcp_cause cause, bool reset);
/* The idle or linger timer of slot i fired. */
void px_timer(struct px_worker *w, uint32_t i);
/* The next sequence number toward the client, where the client expects it. */
uint32_t px_client_snd_nxt(const struct px_worker *w, uint32_t i);

/* What observers see of a proxy (tcp_observe.c): proxied connections held
 * open, and the client and backend connect histograms. */
extern const char *const tcp_proxy_histograms[];
bool tcp_proxy_observe(const struct nfg_instance *inst, const struct rte_node *node,
		       struct nfg_observation *o);

#endif
