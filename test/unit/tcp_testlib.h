/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What the tcp_client and tcp_server tests share: a peer that crafts TCP/IPv4
 * segments byte by byte (options, flags, sequence numbers, checksums), and a
 * reader for the segments the operator emitted, which checks the IPv4 and TCP
 * checksums of every one of them.
 *
 * The NF side is 198.18.0.1 (MAC 02:00:00:00:00:aa), the peer 198.18.0.2
 * (MAC 02:00:00:00:00:01). Graphs: "in" -> parse -> NODE -> "out", and "raw"
 * -> NODE for frames whose mbuf fields the test sets itself.
 */
#ifndef NFG_TEST_TCP_TESTLIB_H
#define NFG_TEST_TCP_TESTLIB_H

#include <stdbool.h>
#include <stdint.h>

#include "../../nf/tcp_engine.h"
#include "../../runtime/runtime.h" /* nfg_clock_advance_ms: time without waiting */
#include "harness.h"

#define NF_IP "198.18.0.1"
#define PEER_IP "198.18.0.2"
#define NF_MAC "02:00:00:00:00:aa"
#define PEER_MAC "02:00:00:00:00:01"

#define TH_FIN RTE_TCP_FIN_FLAG
#define TH_SYN RTE_TCP_SYN_FLAG
#define TH_RST RTE_TCP_RST_FLAG
#define TH_PSH RTE_TCP_PSH_FLAG
#define TH_ACK RTE_TCP_ACK_FLAG

/* A segment from the peer to the NF. */
struct tseg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opt;   /* raw option bytes, padded with EOL to a multiple of 4 */
	uint8_t optlen;
	const void *data;     /* NULL: len bytes of 'q' */
	uint32_t len;
	uint8_t doff;         /* 0: from the options; else forced (in 32-bit words) */
	bool bad_tcp_cksum, bad_ip_cksum;
	const char *src6, *dst6; /* IPv6 addresses (both set): an IPv6 segment */
};

/* A segment the NF emitted, as read back. */
struct oseg {
	uint8_t dst_mac[6], src_mac[6];
	uint32_t src_ip, dst_ip;      /* network order (IPv4) */
	bool v6;                      /* IPv6: these instead (ttl is the hop limit, df false) */
	uint8_t src6[16], dst6[16];
	uint16_t sport, dport;        /* host order */
	uint8_t ttl;
	bool df;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint16_t mss;                 /* the MSS option, 0: none */
	int wscale;                   /* the window scale option, -1: none */
	bool ts;                      /* the timestamps option: */
	uint32_t tsval, tsecr;
	bool sack_perm;               /* SACK-permitted */
	unsigned nb_sack;             /* SACK blocks, [left, right) */
	uint32_t sack[4][2];
	unsigned optlen;
	const uint8_t *data;          /* the payload, inside the collected mbuf */
	uint32_t len;
};

struct tcp_test {
	struct harness *h;
	const char *node;  /* the tcp_client/tcp_server node */
	unsigned cursor;   /* collected segments already taken */
};

/* Frame bytes of a segment; returns the length. */
size_t tseg_frame(uint8_t *buf, const struct tseg *s);
struct rte_mbuf *tseg_mbuf(const struct tseg *s);

void tt_load(struct tcp_test *t, const char *json, const char *node);
/* tt_load of in -> parse -> tcp_server "srv" -> out (raw -> srv for frames the
 * test builds itself) on a wire port, with `params` (JSON members, may be
 * empty) added to the server's. */
void tt_server_load(struct tcp_test *t, const char *params);
void tt_free(struct tcp_test *t);
/* Sends through parse, walks twice (the segment, then what poll queued). */
void tt_send(struct tcp_test *t, const struct tseg *s);
/* A frame through parse, as bytes. */
void tt_send_frame(struct tcp_test *t, const uint8_t *frame, size_t len);
/* An mbuf straight to the node (the test set packet_type and the lengths). */
void tt_send_raw(struct tcp_test *t, struct rte_mbuf *m);
void tt_walk(struct tcp_test *t, unsigned walks);
/* The segments emitted since the last take (at most max parsed into o);
 * returns how many there were. Every one must have good checksums. */
unsigned tt_take(struct tcp_test *t, struct oseg *o, unsigned max);
/* Exactly one new segment. */
void tt_take1(struct tcp_test *t, struct oseg *o);
void tt_none(struct tcp_test *t);
/* Walks (sleeping a little between walks) until a segment comes out; returns
 * the milliseconds it took. Fails after max_ms. */
double tt_wait(struct tcp_test *t, struct oseg *o, unsigned max_ms);
/* The same for a burst: up to max segments (the ones that came out together). */
unsigned tt_waitn(struct tcp_test *t, struct oseg *o, unsigned max, unsigned max_ms);
/* Walks for ms milliseconds; returns the segments that came out. */
unsigned tt_idle(struct tcp_test *t, unsigned ms, struct oseg *o, unsigned max);

uint64_t tt_ctr(struct tcp_test *t, const char *counter);
struct tcp_engine *tt_engine(struct tcp_test *t);
/* The connection with this peer port that is not CLOSED, or NULL. */
struct tcp_conn *tt_conn(struct tcp_test *t, uint16_t peer_port);
/* The TIME_WAIT store's entry for the peer's port (servers), or NULL. */
struct tw_entry *tt_time_wait(struct tcp_test *t, uint16_t peer_port);

double tt_ms_now(void);
const char *tt_flags(uint8_t flags);

#define ck_assert_seg(o, fl, sq, ak)                                                      \
	do {                                                                               \
		ck_assert_msg((o)->flags == (fl), "flags %s, want %s", tt_flags((o)->flags),  \
			      tt_flags(fl));                                               \
		ck_assert_msg((o)->seq == (uint32_t)(sq), "seq %u, want %u", (o)->seq,        \
			      (uint32_t)(sq));                                             \
		ck_assert_msg((o)->ack == (uint32_t)(ak), "ack %u, want %u", (o)->ack,        \
			      (uint32_t)(ak));                                             \
	} while (0)

#endif

/* ---- for the tcp_proxy tests: segments between any two hosts -------------- */

/* tseg_frame with other addresses than PEER_IP -> NF_IP, and other MACs
 * (NULL: the defaults); the checksums are computed for those (and spoilt
 * afterwards when the tseg asks for bad ones). */
size_t tseg_frame_between(uint8_t *buf, const struct tseg *s, const char *src_ip,
			  const char *dst_ip, const char *src_mac, const char *dst_mac);
struct rte_mbuf *tseg_mbuf_between(const struct tseg *s, const char *src_ip, const char *dst_ip,
				   const char *src_mac, const char *dst_mac);
/* Reads one emitted segment into o, checking it as tt_take does (one mbuf,
 * IPv4/TCP, good IPv4 and TCP checksums, lengths within the frame). */
void tt_read_segment(struct rte_mbuf *m, struct oseg *o);
