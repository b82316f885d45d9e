/* SPDX-License-Identifier: BSD-3-Clause
 *
 * One TCP connection of the engine: the hot state the data path touches for
 * every segment, at most 128 bytes (two cache lines) so a million of them fit
 * in 128 MB per core. Cold, opt-in data (session records) lives elsewhere and
 * is reached through `record`.
 *
 * Window scaling and timestamps (RFC 7323) are negotiated in the handshake
 * (`opts`); a peer that offers neither gets plain 16-bit windows and only the
 * MSS option. SACK-permitted (RFC 2018) is agreed the same way (opts).
 * An IPv6 connection keeps its addresses beside this state (tcp_ip6.h).
 */
#ifndef NFG_NF_TCP_CONN_H
#define NFG_NF_TCP_CONN_H

#include <stdint.h>

/* RFC 9293, 3.3.2 */
enum tcp_state {
	TCP_CLOSED,
	TCP_SYN_SENT,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
	TCP_NB_STATES,
};

/* Why a connection ended: a column of the session records. */
enum tcp_cause {
	CAUSE_NONE,
	CAUSE_ACTIVE_CLOSE,  /* we sent the first FIN, all went well */
	CAUSE_PASSIVE_CLOSE, /* the peer sent the first FIN, all went well */
	CAUSE_RESET,         /* the peer reset it */
	CAUSE_TIMEOUT,       /* retransmissions or idle time ran out */
	CAUSE_REFUSED,       /* RST in answer to our SYN */
	CAUSE_ABORTED,       /* we reset it (close policy "reset"), or the run stopped */
	CAUSE_NB,
};

/* conn.flags */
#define CF_FIN_QUEUED   0x01 /* the application closed: FIN goes after tx_end */
#define CF_FIN_SENT     0x02
#define CF_FIN_RCVD     0x04
#define CF_THINKING     0x08 /* the timer is the think time before a round */
#define CF_RTT_TIMING   0x10 /* rtt_seq is being timed (Karn: not a retransmit) */
#define CF_MSG_DONE     0x20 /* the current incoming message is complete */
#define CF_RTO          0x40 /* the timer is the retransmission timer */
#define CF_AWAITING     0x80 /* a service sent a request and awaits its answer */

/* conn.tlp */
#define TLP_ARMED 0x01 /* the retransmission timer is set to the probe timeout */
#define TLP_SENT  0x02 /* a probe went out: the next expiry is a real timeout */

struct tcp_conn {
	uint32_t remote_ip, local_ip;     /* network order */
	uint16_t remote_port, local_port; /* network order */
	uint8_t state, flags, retries;
	uint8_t cause : 7;                /* enum tcp_cause */
	uint8_t v6 : 1;                   /* IPv6: the addresses are in the engine's side
					   * array, remote_ip and local_ip their folds
					   * (tcp_ip6.h) */

	uint32_t iss, irs;
	uint32_t snd_una, snd_nxt, snd_max;
	uint32_t rcv_nxt;
	uint32_t snd_wnd;                 /* the peer's receive window, in bytes */
	uint32_t cwnd, ssthresh;          /* RFC 5681 (tcp_cc.h), from ESTABLISHED */
	uint16_t mss;                     /* payload per segment toward the peer */
	uint16_t rto_ms;
	uint8_t dupacks;
	uint8_t scan;                     /* progress in the end-of-message delimiter */
	uint8_t ooo;                      /* out-of-order segments held for it */
	uint8_t opts;                     /* TO_WSCALE, TO_TS (tcp_options.h): negotiated;
					   * in SYN-SENT: what our SYN offers */
	uint8_t snd_shift, rcv_shift;     /* RFC 7323 window scale: the peer's windows are
					   * shifted by snd_shift, ours by rcv_shift (0
					   * when not negotiated) */
	uint8_t tlp;                      /* TLP_*: tail loss probe (RFC 8985 7) */
	uint32_t ts_recent;               /* RFC 7323 4.3: the TSval we echo (TO_TS) */
	uint32_t srtt_us, rttvar_us;      /* RFC 6298; srtt_us 0: no sample yet */
	uint32_t rtt_seq, rtt_start_us;

	/* The application stream, as offsets from the first data byte. */
	uint32_t tx_msg_start;            /* where the message being sent starts */
	uint32_t tx_end;                  /* where it ends */
	uint32_t rx_msg_start;            /* offset where the incoming message starts */
	uint32_t rx_expect;               /* its length when known (0: not yet) */
	uint32_t rx_sum;                  /* FNV-1a of every byte received in order */
	uint16_t round;                   /* request/response rounds completed */
	uint16_t hdr_scan;                /* HTTP header parsing state */

	uint32_t t_open_us, t_msg_us;     /* SYN sent/received; current request out */
	uint32_t record;                  /* session record index, UINT32_MAX: none */
	uint32_t id;                      /* connection number (request templates) */
	uint32_t recovery;                /* SACK loss recovery: its entry + 1 (tcp_sack.c) */
};

_Static_assert(sizeof(struct tcp_conn) <= 128, "hot connection state must stay <= 128 bytes");

/* Sequence space comparisons (RFC 9293, 3.4: modulo 2^32). */
static inline int32_t
seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}
#define SEQ_LT(a, b) (seq_diff(a, b) < 0)
#define SEQ_LEQ(a, b) (seq_diff(a, b) <= 0)
#define SEQ_GT(a, b) (seq_diff(a, b) > 0)
#define SEQ_GEQ(a, b) (seq_diff(a, b) >= 0)

#endif
