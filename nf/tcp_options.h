/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TCP options (RFC 9293 3.1): reading them from a segment, hardened against
 * whatever a peer or an attacker puts there, and the bytes of the ones the
 * engine sends. The engine negotiates MSS, window scale, timestamps
 * (RFC 7323) and SACK-permitted (RFC 2018), and reads and sends SACK blocks.
 *
 * Segments of a connection that negotiated timestamps almost always carry
 * them alone, as NOP NOP TS (RFC 7323 appendix A): tcp_options_ts() reads
 * that layout in one compare and takes the full parser only otherwise.
 */
#ifndef NFG_NF_TCP_OPTIONS_H
#define NFG_NF_TCP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

/* What a segment offered (tcp_opts.present) and a connection negotiated
 * (tcp_conn.opts). */
#define TO_MSS       0x01
#define TO_WSCALE    0x02
#define TO_TS        0x04
#define TO_SACK_PERM 0x08

#define TCP_WSCALE_MAX 14      /* RFC 7323 2.3: larger shifts are used as 14 */
#define TCP_TS_OPT_LEN 12      /* NOP NOP kind len TSval TSecr */
#define TCP_SYN_OPT_MAX 20     /* MSS, NOP NOP TS, NOP WS */
#define TCP_SYN_TS_OFF 8       /* where TSval is in them */

/* Problems found while reading (tcp_opts.problems); the segment is still
 * used: options after a bad length are ignored, a repeated option keeps its
 * first value, a shift above 14 is used as 14. */
#define TOP_BAD_LENGTH  0x01   /* length 0 or 1, past the header, or wrong for the kind */
#define TOP_REPEATED    0x02
#define TOP_WSCALE_HIGH 0x04

struct tcp_opts {
	uint8_t present;   /* TO_* */
	uint8_t problems;  /* TOP_* */
	uint8_t wscale;    /* clamped to TCP_WSCALE_MAX */
	uint16_t mss;
	uint32_t tsval, tsecr;
};

/* Reads the options between the fixed header and `end` (the header's data
 * offset, already checked against the segment). MSS and window scale count
 * only on a SYN (RFC 7323 2.2); timestamps on any segment. */
void tcp_options_parse(const uint8_t *opt, const uint8_t *end, bool syn, struct tcp_opts *o);

/* The timestamps of a non-SYN segment: the common layout read directly,
 * anything else through the parser. True when it carries them. */
static inline bool
tcp_options_ts(const uint8_t *opt, unsigned opt_len, struct tcp_opts *o)
{
	static const uint8_t nop_nop_ts[4] = { 1, 1, 8, 10 };

	if (opt_len == TCP_TS_OPT_LEN && memcmp(opt, nop_nop_ts, 4) == 0) {
		uint32_t v[2];
		memcpy(v, opt + 4, 8);
		o->tsval = rte_be_to_cpu_32(v[0]);
		o->tsecr = rte_be_to_cpu_32(v[1]);
		o->problems = 0;
		o->present = TO_TS;
		return true;
	}
	tcp_options_parse(opt, opt + opt_len, false, o);
	return o->present & TO_TS;
}

/* The window scale option's value, at `p` (clamped, RFC 7323 2.3). */
static inline void
tcp_options_wscale(const uint8_t *p, struct tcp_opts *o)
{
	o->wscale = *p;
	if (o->wscale > TCP_WSCALE_MAX) {
		o->wscale = TCP_WSCALE_MAX;
		o->problems = TOP_WSCALE_HIGH;
	}
}

/* The options of a SYN: the layouts almost every SYN has read directly —
 * Linux's MSS, SACK-permitted, TS, NOP, WS and nfg's MSS, NOP, NOP, TS, NOP,
 * WS (20 bytes); MSS, NOP, WS (8); MSS alone (4) — anything else through
 * the parser. */
static inline void
tcp_options_parse_syn(const uint8_t *opt, unsigned opt_len, struct tcp_opts *o)
{
	static const uint8_t linux_ts[4] = { 4, 2, 8, 10 }, nfg_ts[4] = { 1, 1, 8, 10 };
	static const uint8_t nop_ws[3] = { 1, 3, 3 };

	if (opt_len >= 4 && opt[0] == 2 && opt[1] == 4) {
		uint16_t mss = (uint16_t)(opt[2] << 8 | opt[3]);
		o->mss = mss < 64 ? 64 : mss; /* a tiny MSS would mean a segment per byte */
		o->problems = 0;
		if (opt_len == 4) {
			o->present = TO_MSS;
			return;
		}
		if (opt_len == 8 && memcmp(opt + 4, nop_ws, 3) == 0) {
			o->present = TO_MSS | TO_WSCALE;
			tcp_options_wscale(opt + 7, o);
			return;
		}
		if (opt_len == TCP_SYN_OPT_MAX && memcmp(opt + 16, nop_ws, 3) == 0 &&
		    (memcmp(opt + 4, nfg_ts, 4) == 0 || memcmp(opt + 4, linux_ts, 4) == 0)) {
			uint32_t v[2];
			memcpy(v, opt + 8, 8);
			o->present = (uint8_t)(TO_MSS | TO_TS | TO_WSCALE |
					       (opt[4] == 4 ? TO_SACK_PERM : 0));
			o->tsval = rte_be_to_cpu_32(v[0]);
			o->tsecr = rte_be_to_cpu_32(v[1]);
			tcp_options_wscale(opt + 19, o);
			return;
		}
	}
	tcp_options_parse(opt, opt + opt_len, true, o);
}

/* The options of our SYN or SYN-ACK: MSS, then what `opts` (TO_TS,
 * TO_WSCALE) names. Returns their length (a multiple of 4, at most
 * TCP_SYN_OPT_MAX). */
unsigned tcp_options_syn(uint8_t *dst, uint16_t mss, uint8_t opts, uint8_t wscale,
			 uint32_t tsval, uint32_t tsecr);

/* SACK blocks after timestamps fit 3 in the 40 bytes of options, alone 4. */
#define TCP_SACK_MAX_BLOCKS(ts) ((ts) ? 3u : 4u)
/* NOP NOP SACK with n blocks ([left, right) sequence numbers); returns
 * 4 + 8 n. */
unsigned tcp_options_sack(uint8_t *dst, const uint32_t blocks[][2], unsigned n);
/* The SACK option among a segment's options (its kind byte), with its
 * number of blocks, or NULL when it has none or it is malformed: for who
 * rewrites the blocks in place (nfproxy translating them). */
uint8_t *tcp_options_sack_find(uint8_t *opt, const uint8_t *end, unsigned *nb_blocks);
/* The SACK blocks of a segment's options (at most 4, as sent); 0 when it has
 * none or the option is malformed. */
unsigned tcp_options_sack_read(const uint8_t *opt, const uint8_t *end, uint32_t blocks[][2]);

#endif
