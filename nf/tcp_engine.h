/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The TCP engine behind tcp_client and tcp_server: one instance per worker
 * per operator, owning a preallocated array of connections, a timer wheel and
 * an output queue. The state machine (tcp_input.c), segment building
 * (tcp_output.c) and timers (tcp_timers.c) are shared by both roles; what
 * differs — what to send and when to close — is the application above it
 * (struct tcp_app), supplied by the operator.
 */
#ifndef NFG_NF_TCP_ENGINE_H
#define NFG_NF_TCP_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_graph.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "nfg/histogram.h"
#include "nfg/operator.h"
#include "records.h"
#include "tcp_conn.h"
#include "tcp_ip6.h"
#include "tcp_options.h"
#include "time_wait.h"
#include "timer_wheel.h"

#define TCP_OUT_MAX 256
#define TCP_OOO_MAX 4096        /* out-of-order segments held per worker */
#define TCP_OOO_PER_CONN 64     /* ... and per connection (about a 90 KB reorder window) */
#define TCP_SUM_CACHE 8         /* payload checksums remembered (same_bytes) */
#define TCP_STASH 32            /* mbufs allocated ahead, in one bulk call */
#define TCP_DONE_MAX 64         /* consumed segments freed together */
#define TCP_RECOVERY_MAX 1024   /* connections in SACK loss recovery at once, per worker */
#define TCP_HDRS_LEN 54         /* Ethernet, IPv4 and TCP headers without options */
#define TCP_HDRS6_LEN 74        /* Ethernet, IPv6 and TCP headers without options */

/* Counters shared by both TCP operators (same order as tcp_counters[]). */
enum tcp_counter {
	TC_ATTEMPTED,     /* client: SYNs for new connections */
	TC_ACCEPTED,      /* server: SYNs that opened a connection */
	TC_ESTABLISHED,
	TC_COMPLETED,     /* closed normally (active or passive close) */
	TC_FAILED_REFUSED,
	TC_FAILED_TIMEOUT,
	TC_FAILED_RESET,
	TC_ABORTED,       /* reset by us (close policy) or open when the run stopped */
	TC_RELEASED,      /* every connection that ended, whatever the cause */
	TC_MSGS_SENT,     /* requests (client) or responses (server) */
	TC_MSGS_RCVD,
	TC_RETRANSMITS,
	TC_RST_SENT,
	TC_RST_RCVD,
	TC_BYTES_OUT,
	TC_BYTES_IN,
	TC_SEGS_IN,
	TC_SEGS_OUT,
	TC_DUP_ACKS,
	TC_CHALLENGE_ACKS,
	TC_NO_MBUF,
	TC_RECORDS_FULL,
	TC_OOO_HELD,      /* out-of-order segments kept until the hole is filled */
	TC_HALF_OPEN_EVICTED, /* server, table full: the oldest half-open connection
			       * made room for a new SYN */
	TC_TIME_WAIT_RECYCLED, /* the TIME_WAIT store was full: its oldest entry left early */
	TC_OPT_BAD_LENGTH,     /* options: length 0/1, past the header, wrong for the kind */
	TC_OPT_REPEATED,       /* options: one kind twice (the first counts) */
	TC_OPT_WSCALE_CLAMPED, /* options: a window scale above 14, used as 14 */
	TC_TIMEOUTS,           /* retransmission timeouts with data outstanding */
	TC_LOSS_PROBES,        /* tail loss probes (RFC 8985 7): no ACK for 2 RTTs */
	TC_SACK_RETRANSMITS,   /* holes resent because the peer's SACK blocks showed them */
	TC_ENDED_EARLY,        /* client: the peer closed before the rounds were done */
	/* segments dropped, by reason */
	TC_DROP_NOT_TCP,
	TC_DROP_BAD_CHECKSUM,
	TC_DROP_NO_CONNECTION,     /* answered with RST */
	TC_DROP_RST_NO_CONNECTION, /* a RST for no connection: dropped (RFC 9293 3.10.7.1) */
	TC_DROP_OUT_OF_WINDOW,
	TC_DROP_OUT_OF_ORDER,
	TC_DROP_TABLE_FULL,
	TC_DROP_BAD_SEGMENT,
	TC_DROP_NOT_OWNER, /* for another worker's connection: steering missed it */
	TC_DROP_PAWS,      /* a timestamp older than the last one taken (RFC 7323 5) */
	TC_DROP_NOT_FOR_US, /* to an address not the port's, for no connection: not answered */
	TC_NB,
};

struct tcp_engine;

/* The application on top of a connection. */
struct tcp_app {
	/* The handshake completed. */
	void (*established)(struct tcp_engine *e, struct tcp_conn *c);
	/* In-order payload arrived (already counted and checksummed). */
	void (*data)(struct tcp_engine *e, struct tcp_conn *c, const uint8_t *p, uint32_t len);
	/* The peer's FIN arrived in order. */
	void (*peer_closed)(struct tcp_engine *e, struct tcp_conn *c);
	/* The think-time timer (CF_THINKING) fired. */
	void (*think_over)(struct tcp_engine *e, struct tcp_conn *c);
	/* The connection is gone; give its slot back. */
	void (*released)(struct tcp_engine *e, struct tcp_conn *c);
	/* Bytes [off, off+len) of the outgoing stream (offset 0 is the first data
	 * byte of the connection), into dst. */
	void (*fill)(struct tcp_engine *e, const struct tcp_conn *c, uint32_t off, uint8_t *dst,
		     uint32_t len);
	/* Optional: the receive window to announce, in bytes (default
	 * cfg->rcv_buf); in-order data beyond it is not taken (nor acknowledged).
	 * With window scaling it is announced rounded up to the scale's unit, so
	 * a window that shrinks as its left edge moves keeps its right edge. */
	uint32_t (*rcv_window)(struct tcp_engine *e, const struct tcp_conn *c);
	/* rcv_window is a hard limit (nfproxy's held buffer): announced rounded
	 * down instead, since an edge up to a unit past it invites bytes that
	 * would be dropped and sent again only on the peer's RTO. The edge may
	 * then seem to move back by less than a unit, which senders must bear
	 * (RFC 7323 2.4). */
	bool rcv_window_is_limit;
	/* Optional: the idle timer fired; return true if the application dealt
	 * with it (else the connection times out). */
	bool (*idle)(struct tcp_engine *e, struct tcp_conn *c);
	/* Optional: the connection entered TIME_WAIT in its slot. */
	void (*time_wait)(struct tcp_engine *e, struct tcp_conn *c);
	/* Optional: a segment is due an ACK and nothing goes back with it.
	 * `may_wait`: it brought new bytes in order (or a FIN); then returning
	 * true says the application's answer will carry the ACK soon (a delayed
	 * ACK, RFC 9293 3.8.6.3) and it owes one, to be sent within 500 ms if
	 * the answer does not come. False: the ACK goes now (a duplicate ACK
	 * always does), and pays whatever the application owed. */
	bool (*ack_later)(struct tcp_engine *e, struct tcp_conn *c, bool may_wait);
};

/* Engine settings from the operator's parameters (shared, read-only). */
struct tcp_engine_config {
	uint16_t mss;             /* ours, advertised in SYNs */
	uint16_t mss6;            /* the same over IPv6 (20 bytes more of IP header) */
	bool ipv6;                /* the port has IPv6 addresses: IPv6 connections too */
	uint32_t rcv_buf;         /* the receive window per connection, in bytes (at most
				   * 65535 announced to a peer without window scaling) */
	int8_t wscale;            /* our window scale shift (RFC 7323 2), -1: not offered */
	bool timestamps;          /* offer RFC 7323 timestamps */
	bool sack;                /* offer SACK-permitted (RFC 2018): we send SACK blocks */
	uint32_t rto_initial_ms, rto_min_ms, rto_max_ms;
	uint8_t max_retries;      /* retransmissions of one segment before giving up */
	uint32_t time_wait_ms;
	uint32_t idle_timeout_ms; /* nothing from the peer for this long: give up */
	bool verify_checksum;
	bool rst_when_full;       /* table full: answer a SYN with RST (else drop it) */
	bool rst_at_stop;         /* the run stopping: reset what is open (a peer outside
				   * this process would keep it) */
	struct rte_ether_addr src_mac, dst_mac;
	/* The port the engine sends and receives on (NULL in tests without
	 * one): which destinations are ours to answer. */
	const struct nfg_port *port;
	bool dst_mac_static;      /* else the Ethernet dst is left for an arp node */
};

struct tcp_engine {
	const struct tcp_engine_config *cfg;
	const struct tcp_app *app;
	void *app_ctx;
	struct tcp_conn *conns;
	uint32_t nb_conns;
	uint32_t stop_scan;       /* tcp_abort_open: the next connection to look at */
	struct timer_wheel tw;
	struct rte_mempool *pool;
	uint64_t *ctr;
	uint64_t tsc_per_us;
	uint64_t start_tsc;
	uint64_t start_host_us;   /* the boot's clock at start_tsc (host_secret.h) */
	uint64_t now_tsc;         /* nfg_clock(), refreshed once per burst */
	uint32_t now_us;          /* refreshed once per burst */
	uint64_t tick_now;        /* the timer wheel's tick, refreshed with now_us */
	uint32_t ts_now;          /* RFC 7323 TSval clock, refreshed with now_us */
	uint32_t ts_now_be;       /* ... as a segment carries it */
	uint32_t ts_now_sum;      /* ... and its two 16-bit words summed (checksums) */
	uint32_t ts_base;         /* the boot's clock plus a keyed offset (RFC 7323 5.4) */
	uint8_t ts_shift;         /* TSC cycles >> ts_shift: ticks of at least 1 ms */
	uint32_t ts_tick_us;      /* a tick in microseconds, for RTT samples */
	uint16_t ip_id;
	bool tx_cksum_offload;
	uint16_t nb_out;
	struct rte_mbuf *out[TCP_OUT_MAX];
	struct rte_graph *graph;
	struct rte_node *node;
	uint16_t out_edge;        /* the node's edge segments leave by */
	struct nfg_hist connect_time, response_time;
	struct records records;
	uint8_t role;             /* REC_ROLE_CLIENT / REC_ROLE_SERVER */
	uint32_t nb_time_wait;    /* connections in TIME_WAIT: closed, slot still held */
	struct time_wait *tws;    /* when set, TIME_WAIT lives here instead, slot freed */
	struct tcp_ooo_entry {
		struct rte_mbuf *m;
		const uint8_t *payload;
		uint32_t conn, seq, len;
	} *ooo;                   /* out-of-order segments, unordered (few, and rare) */
	uint32_t nb_ooo;
	uint64_t next_tick_tsc;   /* the timer wheel has nothing to do before this */
	/* The application's fill() gives every connection the same bytes at the
	 * same offset: their checksums are remembered (tcp_output.c). */
	bool same_bytes;
	struct tcp_sum_cache {
		uint32_t off, len, sum;
	} sums[TCP_SUM_CACHE];
	/* What every segment's headers start as (tcp_header_template()): build()
	 * copies it and writes only what differs per segment. */
	uint8_t hdr_template[TCP_HDRS_LEN];
	uint8_t hdr_template6[TCP_HDRS6_LEN];
	/* IPv6 connections' addresses, by slot (NULL: IPv4 only; tcp_ip6.h), and
	 * those of a connection that has no slot (a TIME_WAIT entry answered). */
	struct tcp_addr6 *addr6;
	struct tcp_addr6 ghost6;
	/* Our SYN options for each combination of window scale and timestamps
	 * (index tcp_syn_opts_index()), TSval and TSecr zero, and their raw sum:
	 * a SYN copies them and adds only its two timestamps. */
	uint8_t syn_opts[8][TCP_SYN_OPT_MAX];
	uint8_t syn_opts_len[8];
	uint32_t syn_opts_sum[8];
	/* Tail loss probes (tcp_timers.c), by slot: read only while one is out,
	 * so they live apart from the hot state. */
	struct tcp_probe {
		uint32_t end;      /* the sequence number after the probe's data */
		uint32_t tsval;    /* the TSval it carried */
	} *probes;
	/* SACK loss recovery (tcp_sack.c): an entry per connection in it. */
	struct tcp_recovery {
		uint32_t recover;  /* snd_max when the loss was seen (RFC 6675 RecoveryPoint) */
		uint32_t high_rxt; /* resent up to here (RFC 6675 HighRxt) */
	} *recovery;
	uint32_t *recovery_free, nb_recovery_free;
	/* The out-of-order segment that arrived last (its connection's index + 1,
	 * 0: none): the first SACK block must hold it (RFC 2018 4). */
	uint32_t sack_last_conn, sack_last_seq;
	/* mbufs are taken from the pool and given back in bulk */
	uint16_t nb_stash, nb_done;
	struct rte_mbuf *stash[TCP_STASH];
	struct rte_mbuf *done[TCP_DONE_MAX];
};

/* A fresh mbuf for a segment we send, from the stash (refilled in bulk). */
static inline struct rte_mbuf *
tcp_mbuf_alloc(struct tcp_engine *e)
{
	if (unlikely(e->nb_stash == 0)) {
		if (rte_pktmbuf_alloc_bulk(e->pool, e->stash, TCP_STASH) != 0)
			return rte_pktmbuf_alloc(e->pool); /* the pool runs low: one at a time */
		e->nb_stash = TCP_STASH;
	}
	return e->stash[--e->nb_stash];
}

/* A segment the engine is done with: freed with others at the next flush. */
static inline void
tcp_mbuf_done(struct tcp_engine *e, struct rte_mbuf *m)
{
	e->done[e->nb_done++] = m;
	if (unlikely(e->nb_done == TCP_DONE_MAX)) {
		rte_pktmbuf_free_bulk(e->done, e->nb_done);
		e->nb_done = 0;
	}
}


int tcp_engine_init(struct tcp_engine *e, const struct tcp_engine_config *cfg,
		    const struct tcp_app *app, void *app_ctx, uint32_t nb_conns,
		    uint32_t nb_records, uint8_t role, struct rte_node *node, int socket);
void tcp_engine_free(struct tcp_engine *e);
/* Fills e->hdr_template and e->syn_opts from the engine's configuration. */
void tcp_header_template(struct tcp_engine *e);

static inline unsigned
tcp_syn_opts_index(uint8_t opts)
{
	return (opts & TO_WSCALE ? 1u : 0u) | (opts & TO_TS ? 2u : 0u) |
	       (opts & TO_SACK_PERM ? 4u : 0u);
}

/* What our SYN offers (and a SYN-ACK at most answers with). */
static inline uint8_t
tcp_offered(const struct tcp_engine *e)
{
	return (uint8_t)((e->cfg->wscale >= 0 ? TO_WSCALE : 0) | (e->cfg->timestamps ? TO_TS : 0) |
			 (e->cfg->sack ? TO_SACK_PERM : 0));
}
/* A new connection's session record (when records are kept, else counted as
 * records_full once they run out), with its addresses, id and the engine's
 * role filled in: set them in c first. */
void tcp_record_open(struct tcp_engine *e, struct tcp_conn *c);

static inline uint32_t
tcp_now_us(struct tcp_engine *e)
{
	return e->now_us;
}

static inline void
tcp_engine_tick(struct tcp_engine *e, struct rte_graph *graph, uint64_t tsc)
{
	e->graph = graph;
	e->now_tsc = tsc;
	e->now_us = (uint32_t)((tsc - e->start_tsc) / e->tsc_per_us);
	e->ts_now = e->ts_base + (uint32_t)((tsc - e->start_tsc) >> e->ts_shift);
	e->ts_now_be = rte_cpu_to_be_32(e->ts_now);
	e->ts_now_sum = (e->ts_now_be & 0xffff) + (e->ts_now_be >> 16);
	e->tick_now = tw_tick_now(&e->tw, tsc);
}

static inline uint32_t
conn_index(const struct tcp_engine *e, const struct tcp_conn *c)
{
	return (uint32_t)(c - e->conns);
}

/* The addresses of an IPv6 connection: its slot's, or the ghost's for a
 * connection outside the array. */
static inline struct tcp_addr6 *
tcp_conn_addr6(struct tcp_engine *e, const struct tcp_conn *c)
{
	uint32_t i = conn_index(e, c);

	return c >= e->conns && i < e->nb_conns ? &e->addr6[i] : &e->ghost6;
}

/* The addresses of a connection that segment m opens (remote = its source,
 * c zeroed before): IPv4's as they are; IPv6's folded into c and kept whole
 * in the slot's entry of e->addr6. */
static inline void
tcp_conn_addresses_from(struct tcp_engine *e, struct tcp_conn *c, struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip6 = tcp_segment_ip6(m);

	tcp_segment_keys(m, &c->remote_ip, &c->local_ip);
	if (ip6) {
		c->v6 = 1;
		tcp_ip6_from_segment(tcp_conn_addr6(e, c), ip6);
	}
}

/* tcp_input.c: one segment for `c` (NULL: no connection; answered with RST).
 * The mbuf is consumed. */
void tcp_input(struct tcp_engine *e, struct tcp_conn *c, struct rte_mbuf *m);
/* Counts what reading a segment's options found wrong (tcp_opts.problems). */
void tcp_count_option_problems(struct tcp_engine *e, uint8_t problems);
/* The window scale and timestamps of a SYN, against what we offer: fills
 * c->opts, the shifts, ts_recent and the MSS (less the timestamp option's
 * bytes when they were agreed). `we_offered`: TO_* our SYN carried (active
 * open), or what we would offer (passive). */
void tcp_negotiate(struct tcp_engine *e, struct tcp_conn *c, const struct tcp_opts *o,
		   uint8_t we_offered);
/* tcp_rfc7323.h: timestamps and windows on every segment (inline, for tcp_input.c). */
/* An ACK of new data with this TSecr: an RTT sample (RFC 7323 4.1). */
void tcp_ts_rtt(struct tcp_engine *e, struct tcp_conn *c, uint32_t tsecr);
/* Checks a segment from the wire before lookup: returns the TCP header, or NULL
 * after dropping and counting it. */
struct rte_tcp_hdr *tcp_segment_check(struct tcp_engine *e, struct rte_mbuf *m);

/* In-order payload for the application: counts, records, app->data(). */
void tcp_deliver(struct tcp_engine *e, struct tcp_conn *c, const uint8_t *p, uint32_t n);

/* tcp_reassembly.c: a small store of out-of-order segments, so a lost segment
 * costs one retransmission instead of everything sent after it. */
bool tcp_ooo_hold(struct tcp_engine *e, struct tcp_conn *c, struct rte_mbuf *m, uint32_t seq,
		  const uint8_t *payload, uint32_t len);
/* After rcv_nxt moved: delivers what now follows in order. */
void tcp_ooo_deliver(struct tcp_engine *e, struct tcp_conn *c);
/* The connection ends: frees (and counts) what it still had held. */
void tcp_ooo_forget(struct tcp_engine *e, struct tcp_conn *c);
/* The SACK blocks (RFC 2018) of what c holds out of order, at most `max`,
 * as [left, right) sequence numbers: the one with the segment that came last
 * first, then the others by sequence. Returns how many. */
unsigned tcp_ooo_sack_blocks(const struct tcp_engine *e, const struct tcp_conn *c,
			     uint32_t blocks[][2], unsigned max);

/* tcp_output.c */
void tcp_connect(struct tcp_engine *e, struct tcp_conn *c);
/* The same, its SYN offering only those of the engine's options (TO_*) that
 * `offered` names too (nfproxy: SACK to the backend only if the client took it). */
void tcp_connect_offering(struct tcp_engine *e, struct tcp_conn *c, uint8_t offered);
void tcp_accept(struct tcp_engine *e, struct tcp_conn *c, struct rte_mbuf *syn);
/* Queue the next message of `len` bytes (the app's fill() supplies them). */
void tcp_send_message(struct tcp_engine *e, struct tcp_conn *c, uint32_t len);
/* Close our side after what is queued (FIN). */
void tcp_close(struct tcp_engine *e, struct tcp_conn *c);
/* Reset the connection and release it. */
void tcp_abort(struct tcp_engine *e, struct tcp_conn *c, enum tcp_cause cause);
/* The run is stopping: reset the connections still open (TIME_WAIT guards a
 * closed one, it stays), at most TCP_STOP_RESETS a call, for the drain walks
 * to send, and none while a port holds the last ones back (nfg_tx_backlogged).
 * True while some may be left, and then the node is polled again and the
 * drain goes on (nfg_drain_request). Nothing when the port's peer is in
 * this process (cfg->rst_at_stop). */
#define TCP_STOP_RESETS 256
bool tcp_abort_open(struct tcp_engine *e);
/* Send what the window allows: data, FIN, or an ACK when `ack_now`. */
void tcp_output(struct tcp_engine *e, struct tcp_conn *c, bool ack_now);
/* Go back to snd_una and send again (RTO, fast retransmit). */
void tcp_retransmit(struct tcp_engine *e, struct tcp_conn *c, bool one_segment);
/* RST in answer to a segment that has no connection (RFC 9293, 3.10.7.1). */
void tcp_reply_rst(struct tcp_engine *e, struct rte_mbuf *m);
/* Whether m is to an address of the engine's port, its own or one an
 * operator claimed there (what arp and nd answer for). On a link several
 * hosts or runs share, segments for the others arrive too: they open no
 * connection and get no RST. Asked only where no connection matched. */
bool tcp_engine_owns_destination(const struct tcp_engine *e, struct rte_mbuf *m);
/* A segment without payload: SYN, ACK, FIN or RST flags, at `seq` (the ACK
 * field is rcv_nxt when the ACK flag is set). */
void tcp_send_control(struct tcp_engine *e, const struct tcp_conn *c, uint8_t flags,
		      uint32_t seq);
/* Hand the queued segments to the node's output. */
void tcp_flush(struct tcp_engine *e);

/* tcp_sack.c: loss recovery with the peer's SACK blocks (RFC 6675, with the
 * blocks of the ACK at hand as the scoreboard). */
/* The third duplicate ACK was answered with a fast retransmit: recovery
 * starts (when SACK was agreed and an entry is free). */
void tcp_sack_enter(struct tcp_engine *e, struct tcp_conn *c);
/* A further duplicate ACK: the next hole its blocks show, if any, is resent. */
void tcp_sack_dupack(struct tcp_engine *e, struct tcp_conn *c, const struct rte_tcp_hdr *th);
/* An ACK that moved snd_una: recovery ends at the recovery point; before it
 * (a partial ACK) the next hole its blocks show is resent, as for a
 * duplicate ACK. */
void tcp_sack_acked(struct tcp_engine *e, struct tcp_conn *c, const struct rte_tcp_hdr *th);
/* A timeout or the end of the connection: recovery is over. */
void tcp_sack_leave(struct tcp_engine *e, struct tcp_conn *c);
/* Whether the ACK's first SACK block is a D-SACK (RFC 2883 4: it reports a
 * duplicate, below the cumulative ACK). */
bool tcp_sack_dsack(const struct rte_tcp_hdr *th, uint32_t ack);
/* tcp_output.c: one segment of up to len bytes from seq, again. */
void tcp_resend_at(struct tcp_engine *e, struct tcp_conn *c, uint32_t seq, uint32_t len);

/* What the engine holds per connection slot, in its arrays (for the
 * operators' memory estimates). */
#define TCP_SLOT_BYTES                                                               \
	(sizeof(struct tcp_conn) + sizeof(struct tw_link) + sizeof(struct tcp_probe) + \
	 sizeof(struct tcp_addr6))

/* tcp_timers.c */
void tcp_arm_rto(struct tcp_engine *e, struct tcp_conn *c);
void tcp_arm_timer_ms(struct tcp_engine *e, struct tcp_conn *c, uint32_t ms);
void tcp_rtt_sample(struct tcp_engine *e, struct tcp_conn *c, uint32_t rtt_us);
/* An ACK of new data while a tail loss probe is out (c->tlp & TLP_SENT);
 * tsecr 0: the segment had no timestamps. */
void tcp_probe_answered(struct tcp_engine *e, struct tcp_conn *c, const struct rte_tcp_hdr *th,
			uint32_t ack, uint32_t tsecr);
/* Timers fired per run at most, so a mass expiry cannot stall the worker. */
#define TCP_TIMER_BUDGET 4096u
unsigned tcp_timers_run(struct tcp_engine *e, uint64_t tsc);
/* The connection reached CLOSED: records, counters, app release. */
void tcp_release(struct tcp_engine *e, struct tcp_conn *c, enum tcp_cause cause);
void tcp_enter_time_wait(struct tcp_engine *e, struct tcp_conn *c);

/* Runs the timers when the wheel's tick moved: polls come many times per
 * tick, and most find nothing to do. A run that stopped at its budget
 * (a mass expiry) goes on at the next poll, not a tick later, so a backlog
 * drains at poll rate. Returns the timers fired. */
static inline unsigned
tcp_timers_poll(struct tcp_engine *e, uint64_t tsc)
{
	if (tsc < e->next_tick_tsc)
		return 0;
	unsigned fired = tcp_timers_run(e, tsc);
	e->next_tick_tsc = fired == TCP_TIMER_BUDGET ? 0 : tsc + e->tw.tsc_per_tick;
	return fired;
}

/* Record a moment of the connection's life, when records are kept. */
static inline void
tcp_record_time(struct tcp_engine *e, struct tcp_conn *c, enum record_time which)
{
	if (c->record != UINT32_MAX)
		records_mark(&e->records, c->record, which);
}

/* What observers see of a client or server (tcp_observe.c): connections
 * held open, and the connect and response histograms. */
extern const char *const tcp_client_histograms[];
extern const char *const tcp_server_histograms[];
bool tcp_engine_observe(const struct nfg_instance *inst, const struct rte_node *node,
			struct nfg_observation *o);

#endif
