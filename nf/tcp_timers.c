/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The one timer of a connection, and what its expiry means in each state:
 *  - something unacknowledged (SYN, data, FIN): retransmit with exponential
 *    backoff, RFC 6298; after max_retries give up (timeout, RST); data first
 *    gets a tail loss probe two RTTs after the last ACK (RFC 8985 7);
 *  - a zero window with data waiting: a one-byte window probe;
 *  - TIME_WAIT: the connection may finally go;
 *  - CF_THINKING: the client's think time before its next request;
 *  - otherwise: the peer said nothing for idle_timeout_ms: give up.
 * The retransmission timeout follows RFC 6298 (SRTT, RTTVAR, Karn's rule),
 * clamped to [rto_min_ms, rto_max_ms].
 */
#include <stdlib.h>

#include <rte_cycles.h>

#include "tcp_cc.h"
#include "tcp_engine.h"
#include "tcp_options.h"

/* RFC 8985 7.2: a probe timeout's floor (our clocks tick in 1 ms), and the
 * delayed-ACK wait a lone segment's answer may take (WCDelAckT). */
#define TLP_MIN_MS 10u
#define TLP_DELAYED_ACK_MS 200u

/* From the clock read once per burst (tcp_engine_tick), not from the last
 * tick the wheel ran, which may be behind it. The wheel's tick is 1 ms. */
static inline void
schedule_ms(struct tcp_engine *e, uint32_t id, uint32_t ms)
{
	tw_schedule_at(&e->tw, id, e->tick_now + (ms ? ms : 1));
}

/* RFC 8985 7.2: the probe timeout, two smoothed RTTs (at least TLP_MIN_MS;
 * with one segment in flight, plus the peer's worst delayed ACK), when a
 * probe may go: data outstanding in a synchronized state, an open window,
 * an RTT measured, no probe out since the last ACK of new data, no SACK
 * recovery under way.
 * 0: no probe, the timer is the RTO. */
static uint32_t
probe_timeout_ms(const struct tcp_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una;

	if ((c->tlp & TLP_SENT) || c->srtt_us == 0 || c->recovery || flight == 0 ||
	    c->snd_wnd == 0 || c->state < TCP_ESTABLISHED || c->state == TCP_TIME_WAIT)
		return 0;
	uint32_t ms = RTE_MAX(2 * c->srtt_us / 1000, TLP_MIN_MS);
	if (flight <= c->mss)
		ms += TLP_DELAYED_ACK_MS;
	return ms < c->rto_ms ? ms : 0;
}

void
tcp_arm_rto(struct tcp_engine *e, struct tcp_conn *c)
{
	uint32_t id = conn_index(e, c);

	/* RFC 6298 5.1: a running retransmission timer keeps running. */
	if ((c->flags & CF_RTO) && tw_pending(&e->tw, id))
		return;
	c->flags = (uint8_t)((c->flags | CF_RTO) & ~CF_THINKING);
	uint32_t probe_ms = probe_timeout_ms(c);
	c->tlp = (uint8_t)((c->tlp & TLP_SENT) | (probe_ms ? TLP_ARMED : 0));
	schedule_ms(e, id, probe_ms ? probe_ms : c->rto_ms);
}

/* RFC 8985 7.4.2: once an ACK covers the probe, the episode is over. If it
 * acknowledges the original transmission (its TSecr is older than the
 * probe) or reports the probe as a duplicate (D-SACK), the originals had
 * arrived and only ACKs were late or lost: nothing to answer. Else the probe
 * repaired a loss, and cwnd answers as to a fast retransmit. */
void
tcp_probe_answered(struct tcp_engine *e, struct tcp_conn *c, const struct rte_tcp_hdr *th,
		   uint32_t ack, uint32_t tsecr)
{
	const struct tcp_probe *p = &e->probes[conn_index(e, c)];

	if (SEQ_LT(ack, p->end))
		return;
	c->tlp &= (uint8_t)~TLP_SENT;
	bool original = tsecr && SEQ_LT(tsecr, p->tsval);
	if (!original && !((c->opts & TO_SACK_PERM) && tcp_sack_dsack(th, ack)))
		tcp_cc_loss(c, false);
}

/* No ACK for two round trips with data outstanding: the last segment again
 * (RFC 8985 7.3), whose answer -- a duplicate ACK or one of everything, if
 * it was the ACKs that were lost -- ends the wait a whole RTO would be, and
 * a tail loss is repaired without one (and without cwnd falling to one
 * segment). Whether it repaired a loss is told by its answer
 * (tcp_probe_answered). */
static void
tail_loss_probe(struct tcp_engine *e, struct tcp_conn *c)
{
	uint32_t data_end = c->snd_max - ((c->flags & CF_FIN_SENT) ? 1 : 0);
	uint32_t len = RTE_MIN((uint32_t)c->mss, data_end - c->snd_una);

	e->ctr[TC_LOSS_PROBES]++;
	c->tlp = TLP_SENT;
	e->probes[conn_index(e, c)] = (struct tcp_probe){ data_end, e->ts_now };
	tcp_resend_at(e, c, data_end - len, len); /* only a FIN outstanding: the FIN */
	c->flags &= (uint8_t)~CF_RTO;
	tcp_arm_rto(e, c); /* the RTO proper now */
}

void
tcp_arm_timer_ms(struct tcp_engine *e, struct tcp_conn *c, uint32_t ms)
{
	c->flags &= (uint8_t)~CF_RTO;
	schedule_ms(e, conn_index(e, c), ms);
}

void
tcp_rtt_sample(struct tcp_engine *e, struct tcp_conn *c, uint32_t r)
{
	if (c->srtt_us == 0) {
		c->srtt_us = r ? r : 1;
		c->rttvar_us = r / 2;
	} else {
		uint32_t delta = (uint32_t)abs((int32_t)(c->srtt_us - r));
		c->rttvar_us = (3 * c->rttvar_us + delta) / 4;
		c->srtt_us = (7 * c->srtt_us + r) / 8;
	}
	uint32_t rto_ms = (c->srtt_us + RTE_MAX(1000u, 4 * c->rttvar_us)) / 1000;
	if (rto_ms < e->cfg->rto_min_ms)
		rto_ms = e->cfg->rto_min_ms;
	c->rto_ms = (uint16_t)RTE_MIN(rto_ms, e->cfg->rto_max_ms);
}

void
tcp_enter_time_wait(struct tcp_engine *e, struct tcp_conn *c)
{
	c->state = TCP_TIME_WAIT;
	c->cause = CAUSE_ACTIVE_CLOSE;
	e->nb_time_wait++;
	/* The exchange is complete now; TIME_WAIT only guards the 4-tuple. */
	e->ctr[TC_COMPLETED]++;
	if (c->record != UINT32_MAX) {
		e->records.r[c->record].cause = CAUSE_ACTIVE_CLOSE;
		records_mark(&e->records, c->record, REC_CLOSED);
	}
	if (e->tws) {
		/* The 4-tuple is guarded by 32 bytes in the store; the slot is free. */
		if (e->cfg->time_wait_ms &&
		    !time_wait_add(e->tws, c->remote_ip, c->local_ip, c->remote_port,
				   c->local_port, c->rcv_nxt, c->snd_nxt, e->now_us))
			e->ctr[TC_TIME_WAIT_RECYCLED]++;
		tcp_release(e, c, CAUSE_ACTIVE_CLOSE);
		return;
	}
	tcp_arm_timer_ms(e, c, e->cfg->time_wait_ms);
	if (e->app->time_wait)
		e->app->time_wait(e, c);
}

void
tcp_release(struct tcp_engine *e, struct tcp_conn *c, enum tcp_cause cause)
{
	static const enum tcp_counter by_cause[CAUSE_NB] = {
		[CAUSE_NONE] = TC_ABORTED,
		[CAUSE_ACTIVE_CLOSE] = TC_COMPLETED,
		[CAUSE_PASSIVE_CLOSE] = TC_COMPLETED,
		[CAUSE_RESET] = TC_FAILED_RESET,
		[CAUSE_TIMEOUT] = TC_FAILED_TIMEOUT,
		[CAUSE_REFUSED] = TC_FAILED_REFUSED,
		[CAUSE_ABORTED] = TC_ABORTED,
	};

	tw_cancel(&e->tw, conn_index(e, c));
	if (c->state == TCP_TIME_WAIT) {
		e->nb_time_wait--;
	} else {
		e->ctr[by_cause[cause]]++;
		c->cause = (uint8_t)cause;
		if (c->record != UINT32_MAX) {
			e->records.r[c->record].cause = (uint8_t)cause;
			records_mark(&e->records, c->record, REC_CLOSED);
		}
	}
	if (c->ooo)
		tcp_ooo_forget(e, c);
	if (c->recovery)
		tcp_sack_leave(e, c);
	e->ctr[TC_RELEASED]++;
	c->state = TCP_CLOSED;
	c->flags = 0;
	e->app->released(e, c);
}

static bool
has_outstanding(const struct tcp_conn *c)
{
	return c->state == TCP_SYN_SENT || c->state == TCP_SYN_RCVD || c->snd_una != c->snd_max;
}

static bool
window_blocked(const struct tcp_conn *c)
{
	return c->snd_wnd == 0 && (uint32_t)(c->snd_nxt - (c->iss + 1)) < c->tx_end;
}

/* Data or a FIN that was never sent (the pool was empty when it was due). */
static bool
has_unsent(const struct tcp_conn *c)
{
	return (uint32_t)(c->snd_nxt - (c->iss + 1)) < c->tx_end ||
	       ((c->flags & CF_FIN_QUEUED) && !(c->flags & CF_FIN_SENT));
}

static void
fire(void *ctx, uint32_t id)
{
	struct tcp_engine *e = ctx;
	struct tcp_conn *c = &e->conns[id];

	if (c->state == TCP_CLOSED)
		return;
	if (c->state == TCP_TIME_WAIT) {
		tcp_release(e, c, CAUSE_ACTIVE_CLOSE);
		return;
	}
	if (c->flags & CF_THINKING) {
		c->flags &= (uint8_t)~CF_THINKING;
		e->app->think_over(e, c);
		return;
	}
	if ((c->flags & CF_RTO) && !has_outstanding(c) && !window_blocked(c) && has_unsent(c) &&
	    c->state >= TCP_ESTABLISHED) {
		/* Nothing lost: what could not be built then goes out now. */
		tcp_output(e, c, false);
		return;
	}
	if ((c->flags & CF_RTO) && (c->tlp & TLP_ARMED) && c->snd_una != c->snd_max &&
	    c->state >= TCP_ESTABLISHED) {
		c->tlp &= (uint8_t)~TLP_ARMED;
		if (c->snd_wnd != 0) {
			tail_loss_probe(e, c);
			return;
		}
		/* The window closed since it was armed: no probe; the RTO
		 * proper from now (then window probes), not a timeout early. */
		c->flags &= (uint8_t)~CF_RTO;
		tcp_arm_rto(e, c);
		return;
	}
	if ((c->flags & CF_RTO) && (has_outstanding(c) || window_blocked(c))) {
		if (++c->retries > e->cfg->max_retries) {
			tcp_abort(e, c, CAUSE_TIMEOUT);
			return;
		}
		c->rto_ms = (uint16_t)RTE_MIN((uint32_t)c->rto_ms * 2, e->cfg->rto_max_ms);
		e->ctr[TC_TIMEOUTS]++;
		if (c->recovery)
			tcp_sack_leave(e, c); /* go back N from snd_una: the holes are resent */
		/* Into a closed window only a one-byte probe goes, outstanding or not;
		 * else go back to snd_una and send what the windows allow, from one
		 * segment of congestion window (a loss, not a probe). */
		bool probe = c->snd_wnd == 0 || !has_outstanding(c);
		if (!probe && c->state >= TCP_ESTABLISHED)
			tcp_cc_loss(c, true);
		tcp_retransmit(e, c, probe);
		c->flags &= (uint8_t)~CF_RTO;
		tcp_arm_rto(e, c);
		return;
	}
	if (e->app->idle && e->app->idle(e, c))
		return;
	tcp_abort(e, c, CAUSE_TIMEOUT);
}

unsigned
tcp_timers_run(struct tcp_engine *e, uint64_t tsc)
{
	unsigned fired = tw_run(&e->tw, tsc, fire, e, TCP_TIMER_BUDGET);

	if (e->tws && fired < TCP_TIMER_BUDGET)
		fired += time_wait_expire(e->tws, e->now_us, TCP_TIMER_BUDGET - fired);
	return fired;
}
