/* SPDX-License-Identifier: BSD-3-Clause
 *
 * RFC 7323 in the TCP engine: the option reader on hostile bytes (length 0,
 * past the header, repeated, a shift above 14), and tcp_server against a
 * hand-played peer: window scale and timestamps negotiated or not, windows
 * scaled both ways, PAWS, RTT measured from the echoed timestamps.
 */
#include <string.h>
#include <unistd.h>

#include "tcp_testlib.h"

/* ---- the option reader ---------------------------------------------------------- */

static void
parse(const uint8_t *opt, size_t len, bool syn, struct tcp_opts *o)
{
	memset(o, 0xa5, sizeof(*o)); /* nothing may be read that was not written */
	tcp_options_parse(opt, opt + len, syn, o);
}

START_TEST(option_reader_survives_every_bad_length)
{
	struct tcp_opts o;

	/* length 0 and 1 (a naive loop would spin or step into itself) */
	static const uint8_t len0[] = { 3, 0, 7, 0, 2, 4, 5, 0xb4 };
	parse(len0, sizeof(len0), true, &o);
	ck_assert_uint_eq(o.problems, TOP_BAD_LENGTH);
	ck_assert_uint_eq(o.present, 0);
	static const uint8_t len1[] = { 99, 1, 2, 4, 5, 0xb4, 0, 0 };
	parse(len1, sizeof(len1), true, &o);
	ck_assert_uint_eq(o.problems, TOP_BAD_LENGTH);
	ck_assert_uint_eq(o.present, 0);
	/* past the header: the bytes after it (the payload) are not options */
	static const uint8_t past[] = { 2, 4, 5, 0xb4, 8, 10, 0, 0 };
	parse(past, sizeof(past), true, &o);
	ck_assert_uint_eq(o.problems, TOP_BAD_LENGTH);
	ck_assert_uint_eq(o.present, TO_MSS);
	ck_assert_uint_eq(o.mss, 1460);
	/* a kind in the last byte, with no room for its length */
	static const uint8_t kind_last[] = { 1, 1, 1, 3 };
	parse(kind_last, sizeof(kind_last), true, &o);
	ck_assert_uint_eq(o.problems, TOP_BAD_LENGTH);
	ck_assert_uint_eq(o.present, 0);
	/* a length wrong for its kind: that option skipped, the rest read */
	static const uint8_t wrong[] = { 3, 4, 5, 0, 2, 3, 1, 1, 2, 4, 2, 0 };
	parse(wrong, 12, true, &o);
	ck_assert_uint_eq(o.problems, TOP_BAD_LENGTH);
	ck_assert_uint_eq(o.present, TO_MSS);
	ck_assert_uint_eq(o.mss, 512);
	/* a timestamp option 2 bytes short of its end */
	static const uint8_t short_ts[] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0 };
	parse(short_ts, 8, false, &o);
	ck_assert_uint_eq(o.problems, TOP_BAD_LENGTH);
	ck_assert_uint_eq(o.present, 0);
	/* an empty option list, and EOL ending it before garbage */
	parse(len0, 0, true, &o);
	ck_assert_uint_eq(o.problems | o.present, 0);
	static const uint8_t eol[] = { 0, 3, 0, 7 };
	parse(eol, sizeof(eol), true, &o);
	ck_assert_uint_eq(o.problems | o.present, 0);
}
END_TEST

START_TEST(option_reader_repeats_and_large_shifts)
{
	struct tcp_opts o;

	/* repeated: the first one counts */
	static const uint8_t rep[] = { 3, 3, 5, 3, 3, 9, 2, 4, 1, 0, 2, 4, 2, 0, 0, 0 };
	parse(rep, sizeof(rep), true, &o);
	ck_assert_uint_eq(o.problems, TOP_REPEATED);
	ck_assert_uint_eq(o.present, TO_WSCALE | TO_MSS);
	ck_assert_uint_eq(o.wscale, 5);
	ck_assert_uint_eq(o.mss, 256);
	/* RFC 7323 2.3: a shift above 14 is used as 14 */
	for (unsigned v = 15; v < 256; v += 60) {
		const uint8_t ws[] = { 1, 3, 3, (uint8_t)v };
		parse(ws, sizeof(ws), true, &o);
		ck_assert_uint_eq(o.problems, TOP_WSCALE_HIGH);
		ck_assert_uint_eq(o.wscale, 14);
	}
	static const uint8_t ws14[] = { 1, 3, 3, 14 };
	parse(ws14, sizeof(ws14), true, &o);
	ck_assert_uint_eq(o.problems, 0);
	ck_assert_uint_eq(o.wscale, 14);
	/* MSS, window scale, SACK-permitted mean nothing after the SYN */
	static const uint8_t all[] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8,
				       1, 3, 3, 7 };
	parse(all, sizeof(all), false, &o);
	ck_assert_uint_eq(o.present, TO_TS);
	ck_assert_uint_eq(o.tsval, 9);
	ck_assert_uint_eq(o.tsecr, 8);
	parse(all, sizeof(all), true, &o);
	ck_assert_uint_eq(o.present, TO_MSS | TO_SACK_PERM | TO_TS | TO_WSCALE);
	/* the timestamp reader: the usual layout directly, any other through
	 * the parser, and none in garbage */
	static const uint8_t usual[] = { 1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8 };
	ck_assert(tcp_options_ts(usual, sizeof(usual), &o));
	ck_assert_uint_eq(o.tsval, 0x01020304);
	ck_assert_uint_eq(o.tsecr, 0x05060708);
	static const uint8_t other[] = { 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 0 };
	ck_assert(tcp_options_ts(other, sizeof(other), &o));
	ck_assert_uint_eq(o.tsval, 1);
	ck_assert_uint_eq(o.tsecr, 2);
	static const uint8_t bad[] = { 1, 1, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	ck_assert(!tcp_options_ts(bad, sizeof(bad), &o));
	ck_assert_uint_eq(o.problems, TOP_BAD_LENGTH);
}
END_TEST

/* The SYN reader's direct layouts say what the full parser says. */
START_TEST(syn_fast_paths_agree_with_the_parser)
{
	static const struct {
		uint8_t opt[24], len;
	} cases[] = {
		{ { 2, 4, 5, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 3, 3, 7 }, 20 }, /* Linux */
		{ { 2, 4, 5, 0xb4, 1, 1, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 200 }, 20 }, /* nfg */
		{ { 2, 4, 0, 10, 1, 3, 3, 14 }, 8 },
		{ { 2, 4, 0x23, 0x28 }, 4 },
		{ { 2, 4, 5, 0xb4, 1, 3, 3 }, 7 },                /* one byte short */
		{ { 2, 4, 5, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 3, 4, 7 }, 20 }, /* WS len 4 */
		{ { 2, 4, 5, 0xb4, 4, 2, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 1, 3, 3, 7 }, 20 },  /* TS len 9 */
		{ { 2, 4, 5, 0xb4, 1, 3, 3, 7, 1, 3, 3, 9 }, 12 },  /* repeated WS */
		{ { 2, 3, 5, 0xb4 }, 4 },                          /* MSS len 3 */
		{ { 3, 3, 7, 2, 4, 5, 0xb4, 0 }, 8 },               /* another order */
	};

	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		struct tcp_opts fast, full;
		memset(&fast, 0x5a, sizeof(fast));
		memset(&full, 0xa5, sizeof(full));
		tcp_options_parse_syn(cases[i].opt, cases[i].len, &fast);
		tcp_options_parse(cases[i].opt, cases[i].opt + cases[i].len, true, &full);
		ck_assert_msg(fast.present == full.present && fast.problems == full.problems,
			      "case %u: present %x/%x problems %x/%x", i, fast.present, full.present,
			      fast.problems, full.problems);
		if (full.present & TO_MSS)
			ck_assert_uint_eq(fast.mss, full.mss);
		if (full.present & TO_WSCALE)
			ck_assert_uint_eq(fast.wscale, full.wscale);
		if (full.present & TO_TS) {
			ck_assert_uint_eq(fast.tsval, full.tsval);
			ck_assert_uint_eq(fast.tsecr, full.tsecr);
		}
	}
}
END_TEST

/* ---- tcp_server against a peer with options ------------------------------------ */

static void
server_load(struct tcp_test *t, const char *params)
{
	char all[1024];

	snprintf(all, sizeof(all), "\"max_connections\": 16%s%s", params[0] ? ", " : "", params);
	tt_server_load(t, all);
}

/* The peer: numbers, its window (in its units) and its timestamp clock. */
struct tpeer {
	uint16_t port;
	uint32_t snd, rcv, iss;
	uint16_t win;
	uint32_t tsval, tsecr; /* what it sends in its timestamps */
	bool ts;               /* it sends them */
};

/* Options of a segment: NOP NOP TS, when the peer uses timestamps. */
static uint8_t
ts_opt(const struct tpeer *p, uint8_t *opt)
{
	if (!p->ts)
		return 0;
	const uint8_t o[12] = { 1, 1, 8, 10, (uint8_t)(p->tsval >> 24), (uint8_t)(p->tsval >> 16),
				(uint8_t)(p->tsval >> 8), (uint8_t)p->tsval,
				(uint8_t)(p->tsecr >> 24), (uint8_t)(p->tsecr >> 16),
				(uint8_t)(p->tsecr >> 8), (uint8_t)p->tsecr };
	memcpy(opt, o, 12);
	return 12;
}

static void
p_seg(struct tcp_test *t, const struct tpeer *p, uint8_t flags, uint32_t seq, const void *data,
      uint32_t len)
{
	uint8_t opt[12];
	struct tseg s = { .sport = p->port, .dport = 80, .seq = seq, .ack = p->rcv, .flags = flags,
			  .win = p->win, .data = data, .len = len, .opt = opt };

	s.optlen = ts_opt(p, opt);
	tt_send(t, &s);
}

static void
p_send(struct tcp_test *t, struct tpeer *p, uint8_t flags, const void *data, uint32_t len)
{
	p_seg(t, p, flags, p->snd, data, len);
	p->snd += len + !!(flags & TH_FIN);
}

/* The handshake's ACK from a peer that uses timestamps: TSval tsval, TSecr
 * the SYN-ACK's, window win (in its scaled units). */
static void
p_ack_ts(struct tcp_test *t, struct tpeer *p, const struct oseg *syn_ack, uint32_t tsval,
	 uint16_t win)
{
	p->ts = true;
	p->tsval = tsval;
	p->tsecr = syn_ack->tsval;
	p->win = win;
	p_send(t, p, TH_ACK, NULL, 0);
}

/* The SYN with these options; returns the SYN-ACK. */
static void
p_syn(struct tcp_test *t, struct tpeer *p, uint16_t port, const uint8_t *opt, uint8_t optlen,
      struct oseg *o)
{
	struct tseg syn = { .sport = port, .dport = 80, .seq = 1000, .flags = TH_SYN,
			    .win = 29200, .opt = opt, .optlen = optlen };

	memset(p, 0, sizeof(*p));
	p->port = port;
	p->snd = 1001;
	tt_send(t, &syn);
	tt_take1(t, o);
	ck_assert_seg(o, TH_SYN | TH_ACK, o->seq, 1001);
	ck_assert_uint_eq(o->win, 65535); /* never scaled in a SYN */
	p->iss = o->seq;
	p->rcv = o->seq + 1;
}

/* MSS 1460, NOP NOP TS(tsval 1000), NOP WS(shift) */
static uint8_t
full_syn_opt(uint8_t *opt, uint8_t shift)
{
	const uint8_t o[20] = { 2, 4, 5, 0xb4, 1, 1, 8, 10, 0, 0, 3, 0xe8, 0, 0, 0, 0,
				1, 3, 3, shift };
	memcpy(opt, o, 20);
	return 20;
}

START_TEST(server_negotiates_scale_and_timestamps)
{
	struct tcp_test t;
	struct tpeer p;
	struct oseg o, r[64];
	uint8_t opt[20];

	server_load(&t, "\"response_size\": 3000");
	p_syn(&t, &p, 2001, opt, full_syn_opt(opt, 3), &o);
	/* MSS, NOP NOP TS, NOP WS: our clock, its TSval echoed, our shift */
	ck_assert_uint_eq(o.optlen, 20);
	ck_assert_uint_eq(o.mss, 1460);
	ck_assert_int_eq(o.wscale, 7);
	ck_assert(o.ts);
	ck_assert_uint_eq(o.tsecr, 1000);
	struct tcp_conn *c = tt_conn(&t, 2001);
	ck_assert_uint_eq(c->opts, TO_WSCALE | TO_TS);
	ck_assert_uint_eq(c->snd_shift, 3);
	ck_assert_uint_eq(c->rcv_shift, 7);
	ck_assert_uint_eq(c->mss, 1448); /* 12 bytes of every segment are timestamps */
	ck_assert_uint_eq(c->snd_wnd, 29200); /* the SYN's, as it is */

	/* The handshake's ACK: its window is scaled (1000 units of 8 bytes). */
	p_ack_ts(&t, &p, &o, 1001, 1000);
	tt_none(&t);
	ck_assert_uint_eq(c->state, TCP_ESTABLISHED);
	ck_assert_uint_eq(c->snd_wnd, 8000);
	ck_assert_uint_eq(c->ts_recent, 1001);

	/* A request: the response in segments of 1448 bytes within the peer's
	 * 8000, every one with timestamps echoing 1002 and our scaled window
	 * (1 MB in units of 128). */
	p.tsval = 1002;
	p_send(&t, &p, TH_ACK | TH_PSH, "GET\r\n\r\n", 7);
	unsigned n = tt_take(&t, r, 64);
	ck_assert_uint_eq(n, 3);
	uint32_t sent = 0;
	for (unsigned i = 0; i < n; i++) {
		ck_assert_uint_eq(r[i].optlen, 12);
		ck_assert(r[i].ts);
		ck_assert_uint_eq(r[i].tsecr, 1002);
		ck_assert_uint_ge(r[i].tsval - o.tsval, 0);
		ck_assert_uint_eq(r[i].win, 1048576 >> 7);
		ck_assert_uint_le(r[i].len, 1448);
		ck_assert_uint_eq(r[i].seq, p.iss + 1 + sent);
		sent += r[i].len;
	}
	ck_assert_uint_eq(sent, 3000);
	ck_assert_uint_eq(tt_ctr(&t, "option_bad_length") + tt_ctr(&t, "option_repeated") +
				  tt_ctr(&t, "option_wscale_clamped") + tt_ctr(&t, "paws"),
			  0);
	tt_free(&t);
}
END_TEST

/* RFC 7323 4.1: the TSecr of the ACK that covers a flight is its RTT sample,
 * also when the flight had to be sent again. */
START_TEST(rtt_measured_from_echoed_timestamps)
{
	struct tcp_test t;
	struct tpeer p;
	struct oseg o, r[8];
	uint8_t opt[20];

	server_load(&t, "\"response_size\": 100");
	p_syn(&t, &p, 2002, opt, full_syn_opt(opt, 0), &o);
	p.ts = true;
	p.tsval = 1005; /* the SYN's was 1000 */
	p.tsecr = o.tsval;
	p.win = 65535;
	nfg_clock_advance_ms(30);
	tt_walk(&t, 1);
	p_send(&t, &p, TH_ACK, NULL, 0);
	struct tcp_conn *c = tt_conn(&t, 2002);
	ck_assert_uint_eq(c->srtt_us, 0); /* the handshake is no sample */
	/* The response is acknowledged 50 ms later, echoing its TSval. */
	p_send(&t, &p, TH_ACK | TH_PSH, "x\r\n\r\n", 5);
	ck_assert_uint_eq(tt_take(&t, r, 8), 1);
	ck_assert_uint_eq(r[0].len, 100);
	nfg_clock_advance_ms(50);
	tt_walk(&t, 1);
	p.rcv += 100 + !!(r[0].flags & TH_FIN); /* the segment timed ends with its FIN */
	p.tsecr = r[0].tsval;
	p.tsval++;
	p_send(&t, &p, TH_ACK, NULL, 0);
	ck_assert_uint_ge(c->srtt_us, 45000);
	ck_assert_uint_le(c->srtt_us, 60000);

	/* Another connection's response is lost: sent again after the initial
	 * 1 s RTO; the ACK echoing the second copy 20 ms later measures 20 ms,
	 * not 1 s (Karn's rule is not needed with timestamps). */
	p_syn(&t, &p, 2003, opt, full_syn_opt(opt, 0), &o);
	p_ack_ts(&t, &p, &o, 1005, 65535);
	p_send(&t, &p, TH_ACK | TH_PSH, "x\r\n\r\n", 5);
	ck_assert_uint_eq(tt_take(&t, r, 8), 1);
	nfg_clock_advance_ms(1100);
	tt_walk(&t, 2);
	ck_assert_uint_eq(tt_take(&t, &r[1], 7), 1);
	ck_assert_uint_eq(r[1].seq, r[0].seq);
	ck_assert_uint_gt(r[1].tsval, r[0].tsval);
	nfg_clock_advance_ms(20);
	tt_walk(&t, 1);
	c = tt_conn(&t, 2003);
	ck_assert_uint_eq(c->srtt_us, 0);
	p.rcv += 100 + !!(r[1].flags & TH_FIN);
	p.tsecr = r[1].tsval;
	p.tsval++;
	p_send(&t, &p, TH_ACK, NULL, 0);
	ck_assert_uint_ge(c->srtt_us, 15000);
	ck_assert_uint_le(c->srtt_us, 30000);
	tt_free(&t);
}
END_TEST

/* RFC 7323 5.3: a segment with an older TSval is an old duplicate: dropped,
 * counted, answered with an ACK; a RST is judged by its sequence number. */
START_TEST(paws_drops_old_duplicates)
{
	struct tcp_test t;
	struct tpeer p;
	struct oseg o;
	uint8_t opt[20];

	server_load(&t, "\"response_size\": 10, \"request_bytes\": 1000");
	p_syn(&t, &p, 2003, opt, full_syn_opt(opt, 7), &o);
	p_ack_ts(&t, &p, &o, 0x7ffffff0, 500); /* near the sign change of the modulo comparison */
	p.tsval += 0x20; /* wraps past 2^31: still newer */
	p_send(&t, &p, TH_ACK | TH_PSH, NULL, 40);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, p.iss + 1, p.snd);
	ck_assert_uint_eq(o.tsecr, 0x80000010);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 40);

	/* The same bytes' next part, but with a TSval from before: dropped. */
	uint32_t now = p.tsval;
	p.tsval = now - 1;
	p_seg(&t, &p, TH_ACK | TH_PSH, p.snd, NULL, 60);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, p.iss + 1, p.snd); /* not taken */
	ck_assert_uint_eq(o.tsecr, now);
	ck_assert_uint_eq(tt_ctr(&t, "paws"), 1);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 40);
	/* A segment without timestamps is taken (RFC 7323 3.2 lets it be) */
	p.ts = false;
	p_send(&t, &p, TH_ACK | TH_PSH, NULL, 20);
	tt_take1(&t, &o);
	ck_assert_seg(&o, TH_ACK, p.iss + 1, p.snd);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 60);
	/* An old segment whose TSval is equal is not old (>= TS.Recent) */
	p.ts = true;
	p.tsval = now;
	p_send(&t, &p, TH_ACK | TH_PSH, NULL, 40);
	unsigned n = tt_take(&t, &o, 1);
	ck_assert_uint_ge(n, 1);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 100);
	ck_assert_uint_eq(tt_ctr(&t, "paws"), 1);
	/* A RST with an old TSval at RCV.NXT still resets. */
	p.tsval = 1;
	p_seg(&t, &p, TH_RST, p.snd, NULL, 0);
	ck_assert_ptr_null(tt_conn(&t, 2003));
	ck_assert_uint_eq(tt_ctr(&t, "failed_reset"), 1);
	tt_free(&t);
}
END_TEST

/* A window scale lets more than 64 KB be in flight. */
START_TEST(scaled_peer_window_beyond_64k)
{
	struct tcp_test t;
	struct tpeer p;
	struct oseg o;
	static struct oseg r[256];
	uint8_t opt[20];

	server_load(&t, "\"response_size\": 600000");
	p_syn(&t, &p, 2004, opt, full_syn_opt(opt, 7), &o);
	p_ack_ts(&t, &p, &o, 1009, 1600); /* 204800 bytes */
	p_send(&t, &p, TH_ACK | TH_PSH, "GET\r\n\r\n", 7);
	/* Each flight acknowledged every second segment, as Linux does: slow
	 * start doubles it (RFC 5681, RFC 3465) from the initial window of 10
	 * segments (RFC 6928) until the peer's scaled window is what holds it,
	 * far beyond 64 KB and never beyond 204800. */
	uint32_t first = 0, largest = 0, total = 0;
	for (unsigned round = 0; round < 20 && total < 600000; round++) {
		unsigned n = tt_take(&t, r, 256);
		uint32_t sent = 0;
		for (unsigned i = 0; i < n && i < 256; i++)
			sent += r[i].len;
		ck_assert_uint_gt(n, 0);
		ck_assert_uint_le(sent, 204800);
		if (round == 0)
			first = sent;
		largest = RTE_MAX(largest, sent);
		total += sent;
		for (unsigned i = 1; i < n + 1; i += 2) {
			const struct oseg *a = &r[RTE_MIN(i, n - 1)];
			p.rcv = a->seq + a->len + !!(a->flags & TH_FIN);
			p.tsval++;
			p.tsecr = a->tsval;
			p_send(&t, &p, TH_ACK, NULL, 0);
		}
	}
	ck_assert_uint_eq(first, 10 * 1448);
	ck_assert_uint_gt(largest, 65535);
	ck_assert_uint_ge(largest, 204800 - 1448);
	ck_assert_uint_eq(total, 600000);
	tt_free(&t);
}
END_TEST

/* A peer without options, or a server configured not to offer them: today's
 * behaviour, 16-bit windows and the MSS option alone. */
START_TEST(no_options_without_the_peer_or_the_config)
{
	struct tcp_test t;
	struct tpeer p;
	struct oseg o;
	uint8_t opt[20];
	static const uint8_t mss_only[4] = { 2, 4, 5, 0xb4 };

	server_load(&t, "\"response_size\": 10");
	p_syn(&t, &p, 2005, mss_only, 4, &o);
	ck_assert_uint_eq(o.optlen, 4);
	ck_assert_uint_eq(tt_conn(&t, 2005)->opts, 0);
	ck_assert_uint_eq(tt_conn(&t, 2005)->mss, 1460);
	p.win = 65535;
	p_send(&t, &p, TH_ACK, NULL, 0);
	p_send(&t, &p, TH_ACK | TH_PSH, "x\r\n\r\n", 5);
	tt_take1(&t, &o);
	ck_assert_uint_eq(o.optlen, 0);
	ck_assert_uint_eq(o.win, 65535); /* the 1 MB buffer, as much as 16 bits say */
	ck_assert_uint_eq(o.len, 10);
	tt_free(&t);

	server_load(&t, "\"response_size\": 10, \"wscale\": -1, \"timestamps\": false");
	p_syn(&t, &p, 2006, opt, full_syn_opt(opt, 7), &o);
	ck_assert_uint_eq(o.optlen, 4);
	ck_assert_uint_eq(tt_conn(&t, 2006)->opts, 0);
	tt_free(&t);

	/* one of the two */
	server_load(&t, "\"response_size\": 10, \"timestamps\": false, \"wscale\": 2");
	p_syn(&t, &p, 2007, opt, full_syn_opt(opt, 7), &o);
	ck_assert_uint_eq(o.optlen, 8);
	ck_assert_int_eq(o.wscale, 2);
	ck_assert(!o.ts);
	tt_free(&t);
}
END_TEST

/* ---- SACK (RFC 2018) ------------------------------------------------------------ */

/* Linux's SYN: MSS 1460, SACK-permitted, TS(tsval 1000), NOP, WS(shift) */
static uint8_t
linux_syn_opt(uint8_t *opt, uint8_t shift)
{
	const uint8_t o[20] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 3, 0xe8, 0, 0, 0, 0,
				1, 3, 3, shift };
	memcpy(opt, o, 20);
	return 20;
}

static void
take1_at(struct tcp_test *t, struct oseg *o, int line)
{
	struct oseg more[8];
	unsigned n = tt_take(t, more, 8);

	ck_assert_msg(n == 1, "line %d: %u segments (%s ack %u len %u nb_sack %u; %s ack %u len %u)",
		      line, n, tt_flags(more[0].flags), more[0].ack, more[0].len, more[0].nb_sack,
		      n > 1 ? tt_flags(more[1].flags) : "", more[1].ack, more[1].len);
	*o = more[0];
}

static void
assert_block(const struct oseg *o, unsigned i, uint32_t left, uint32_t right)
{
	ck_assert_msg(i < o->nb_sack, "block %u of %u", i, o->nb_sack);
	ck_assert_msg(o->sack[i][0] == left && o->sack[i][1] == right,
		      "block %u: [%u, %u), want [%u, %u)", i, o->sack[i][0], o->sack[i][1], left,
		      right);
}

/* Agreed only when both SYNs carry it: a Linux SYN gets SACK-permitted back
 * in Linux's own layout; without it in the peer's SYN, or with "sack": false,
 * none. */
START_TEST(sack_permitted_negotiated)
{
	struct tcp_test t;
	struct tpeer p;
	struct oseg o;
	uint8_t opt[20];

	server_load(&t, "\"response_size\": 10");
	p_syn(&t, &p, 2101, opt, linux_syn_opt(opt, 7), &o);
	ck_assert(o.sack_perm && o.ts && o.wscale == 7);
	ck_assert_uint_eq(o.optlen, 20);
	ck_assert_uint_eq(tt_conn(&t, 2101)->opts, TO_WSCALE | TO_TS | TO_SACK_PERM);
	p_syn(&t, &p, 2102, opt, full_syn_opt(opt, 7), &o); /* no SACK-permitted */
	ck_assert(!o.sack_perm);
	ck_assert_uint_eq(tt_conn(&t, 2102)->opts, TO_WSCALE | TO_TS);
	tt_free(&t);

	server_load(&t, "\"response_size\": 10, \"sack\": false");
	p_syn(&t, &p, 2103, opt, linux_syn_opt(opt, 7), &o);
	ck_assert(!o.sack_perm);
	ck_assert_uint_eq(tt_conn(&t, 2103)->opts, TO_WSCALE | TO_TS);
	tt_free(&t);

	/* Without timestamps: MSS, NOP WS, NOP NOP SACK-permitted. */
	server_load(&t, "\"response_size\": 10, \"timestamps\": false");
	p_syn(&t, &p, 2104, opt, linux_syn_opt(opt, 7), &o);
	ck_assert(o.sack_perm && !o.ts && o.wscale == 7);
	ck_assert_uint_eq(o.optlen, 12);
	tt_free(&t);
}
END_TEST

/* Segments beyond holes are answered with duplicate ACKs whose SACK blocks
 * name what is held: merged where they touch, the block of the segment that
 * just came first (RFC 2018 4), at most 3 next to timestamps; filling the
 * hole moves the ACK and leaves the blocks still beyond it. */
START_TEST(sack_blocks_name_held_data)
{
	struct tcp_test t;
	struct tpeer p;
	struct oseg o;
	uint8_t opt[20], data[100];

	memset(data, 'x', sizeof(data));
	server_load(&t, "\"response_size\": 10, \"request_bytes\": 100000");
	p_syn(&t, &p, 2111, opt, linux_syn_opt(opt, 0), &o);
	p_ack_ts(&t, &p, &o, 1001, 65535);
	tt_none(&t);
	uint32_t s = p.snd; /* the first byte the server waits for */

	p_seg(&t, &p, TH_ACK, s + 1000, data, 100);
	take1_at(&t, &o, __LINE__);
	ck_assert_seg(&o, TH_ACK, p.iss + 1, s);
	ck_assert(o.ts);
	ck_assert_uint_eq(o.nb_sack, 1);
	assert_block(&o, 0, s + 1000, s + 1100);

	p_seg(&t, &p, TH_ACK, s + 2000, data, 100);
	take1_at(&t, &o, __LINE__);
	ck_assert_uint_eq(o.nb_sack, 2);
	assert_block(&o, 0, s + 2000, s + 2100); /* the newest first */
	assert_block(&o, 1, s + 1000, s + 1100);

	p_seg(&t, &p, TH_ACK, s + 1100, data, 100); /* touches the first block */
	take1_at(&t, &o, __LINE__);
	ck_assert_uint_eq(o.nb_sack, 2);
	assert_block(&o, 0, s + 1000, s + 1200);
	assert_block(&o, 1, s + 2000, s + 2100);

	p_seg(&t, &p, TH_ACK, s + 3000, data, 100);
	take1_at(&t, &o, __LINE__);
	p_seg(&t, &p, TH_ACK, s + 4000, data, 100);
	take1_at(&t, &o, __LINE__);
	ck_assert_uint_eq(o.nb_sack, 3); /* four blocks held, three fit with timestamps */
	assert_block(&o, 0, s + 4000, s + 4100);
	assert_block(&o, 1, s + 1000, s + 1200);
	assert_block(&o, 2, s + 2000, s + 2100);
	ck_assert_uint_eq(o.optlen, 12 + 4 + 24);

	/* The hole before the first block: the ACK moves past it. */
	uint8_t fill[1000];
	memset(fill, 'y', sizeof(fill));
	p_seg(&t, &p, TH_ACK, s, fill, 1000);
	take1_at(&t, &o, __LINE__);
	ck_assert_uint_eq(o.ack, s + 1200);
	ck_assert_uint_eq(o.nb_sack, 3); /* the newest held still first, then in order */
	assert_block(&o, 0, s + 4000, s + 4100);
	assert_block(&o, 1, s + 2000, s + 2100);
	assert_block(&o, 2, s + 3000, s + 3100);
	ck_assert_uint_eq(tt_ctr(&t, "out_of_order_held"), 5);
	tt_free(&t);

	/* "sack": false: the same duplicate ACK carries none. */
	server_load(&t, "\"response_size\": 10, \"request_bytes\": 100000, \"sack\": false");
	p_syn(&t, &p, 2112, opt, linux_syn_opt(opt, 0), &o);
	p_ack_ts(&t, &p, &o, 1001, 65535);
	p_seg(&t, &p, TH_ACK, p.snd + 1000, data, 100);
	take1_at(&t, &o, __LINE__);
	ck_assert_uint_eq(o.nb_sack, 0);
	ck_assert_uint_eq(o.optlen, 12);
	tt_free(&t);
}
END_TEST

/* Data we send while blocks ride on it: the payload shrinks by their bytes,
 * so a full segment never outgrows the MSS the peer announced (RFC 6691). */
START_TEST(sack_blocks_take_room_from_data)
{
	struct tcp_test t;
	struct tpeer p;
	struct oseg o, r[16];
	uint8_t opt[20], data[100];

	memset(data, 'x', sizeof(data));
	/* Answers after 5 bytes; the next request's bytes come beyond a hole. */
	server_load(&t, "\"response_size\": 5000, \"request_bytes\": 5, \"close\": \"client\"");
	p_syn(&t, &p, 2121, opt, linux_syn_opt(opt, 0), &o);
	p_ack_ts(&t, &p, &o, 1001, 65535);
	p_seg(&t, &p, TH_ACK, p.snd + 10, data, 100); /* held: blocks from now on */
	tt_take1(&t, &o);
	ck_assert_uint_eq(o.nb_sack, 1);
	p_send(&t, &p, TH_ACK | TH_PSH, "hello", 5); /* a request: the response goes */
	unsigned n = tt_take(&t, r, 16);
	ck_assert_uint_ge(n, 2);
	for (unsigned i = 0; i < n; i++) {
		ck_assert_uint_eq(r[i].nb_sack, 1);
		ck_assert_uint_le(r[i].len + r[i].optlen, 1460);
	}
	tt_free(&t);
}
END_TEST

/* As sender (RFC 6675): a 20,000-byte response, MSS 1000, to a peer that
 * lost the segments at 1000 and 4000. The third duplicate ACK brings the fast
 * retransmit of the first hole; the next one, whose blocks show data above
 * 4000, the second hole — without waiting for a partial ACK or a timeout;
 * one that shows no hole below its blocks resends nothing; the ACK of
 * everything ends recovery. */
static void
p_sack(struct tcp_test *t, struct tpeer *p, uint32_t base, const uint32_t (*blk)[2], unsigned n)
{
	uint8_t opt[36] = { 1, 1, 5, (uint8_t)(2 + 8 * n) };
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = 0; k < 2; k++) {
			uint32_t v = base + blk[i][k];
			opt[4 + 8 * i + 4 * k] = (uint8_t)(v >> 24);
			opt[5 + 8 * i + 4 * k] = (uint8_t)(v >> 16);
			opt[6 + 8 * i + 4 * k] = (uint8_t)(v >> 8);
			opt[7 + 8 * i + 4 * k] = (uint8_t)v;
		}
	struct tseg sg = { .sport = p->port, .dport = 80, .seq = p->snd, .ack = p->rcv,
			   .flags = TH_ACK, .win = p->win, .opt = opt, .optlen = (uint8_t)(4 + 8 * n) };
	tt_send(t, &sg);
}

/* A 20,000-byte response in MSS-1000 segments to a peer that agreed to SACK
 * (no timestamps, no scaling): the request sent, what went out in r. */
static unsigned
sack_response(struct tcp_test *t, struct tpeer *p, uint16_t port, struct oseg *r, unsigned max)
{
	static const uint8_t syn_opt[8] = { 2, 4, 0x03, 0xe8, 1, 1, 4, 2 }; /* MSS 1000, SACK ok */
	struct oseg o;

	server_load(t, "\"response_size\": 20000, \"timestamps\": false, \"wscale\": -1");
	p_syn(t, p, port, syn_opt, 8, &o);
	ck_assert(o.sack_perm);
	p->win = 65535;
	p_send(t, p, TH_ACK, NULL, 0);
	p_send(t, p, TH_ACK | TH_PSH, "x\r\n\r\n", 5);
	return tt_take(t, r, max);
}

START_TEST(sack_blocks_drive_retransmissions)
{
	struct tcp_test t;
	struct tpeer p;
	struct oseg r[32];

	unsigned n = sack_response(&t, &p, 2131, r, 32);
	ck_assert_uint_eq(n, 10); /* the initial window: 10 segments */
	uint32_t base = p.iss + 1;
	p.rcv = base + 1000; /* segment 0 arrived, 1 lost */
	p_send(&t, &p, TH_ACK, NULL, 0);
	tt_take(&t, r, 32); /* more of the response, as the window grew */
	static const uint32_t b1[][2] = { { 2000, 3000 } }, b2[][2] = { { 2000, 4000 } },
			      b3[][2] = { { 5000, 6000 }, { 2000, 4000 } },
			      b4[][2] = { { 5000, 7000 }, { 2000, 4000 } },
			      b5[][2] = { { 5000, 10000 }, { 2000, 4000 } };
	p_sack(&t, &p, base, b1, 1);
	p_sack(&t, &p, base, b2, 1);
	ck_assert_uint_eq(tt_take(&t, r, 32), 0);
	p_sack(&t, &p, base, b3, 2); /* the third: fast retransmit of 1000 */
	ck_assert_uint_eq(tt_take(&t, r, 32), 1);
	ck_assert_uint_eq(r[0].seq, base + 1000);
	ck_assert_uint_eq(r[0].len, 1000);
	ck_assert_uint_eq(tt_ctr(&t, "sack_retransmits"), 0);
	p_sack(&t, &p, base, b4, 2); /* the fourth: the hole at 4000 */
	ck_assert_uint_eq(tt_take(&t, r, 32), 1);
	ck_assert_uint_eq(r[0].seq, base + 4000);
	ck_assert_uint_eq(r[0].len, 1000);
	ck_assert_uint_eq(tt_ctr(&t, "sack_retransmits"), 1);
	p_sack(&t, &p, base, b5, 2); /* no hole left below the blocks */
	n = tt_take(&t, r, 32);
	for (unsigned i = 0; i < n; i++)
		ck_assert_msg(SEQ_GEQ(r[i].seq, base + 10000), "resent %u again", r[i].seq - base);
	ck_assert_uint_eq(tt_ctr(&t, "sack_retransmits"), 1);
	ck_assert_uint_ne(tt_conn(&t, 2131)->recovery, 0);
	/* Everything sent so far acknowledged: recovery is over. */
	p.rcv = tt_conn(&t, 2131)->snd_max;
	p_send(&t, &p, TH_ACK, NULL, 0);
	ck_assert_uint_eq(tt_conn(&t, 2131)->recovery, 0);
	ck_assert_uint_eq(tt_ctr(&t, "timeouts"), 0);
	ck_assert_uint_eq(tt_ctr(&t, "retransmits"), 2);
	tt_free(&t);
}
END_TEST

/* Partial ACKs in recovery: one without blocks above snd_una resends nothing
 * (the bytes there may still be on their way: behind a deep queue, resending
 * on every such ACK sent each segment twice); one whose blocks show data
 * above a hole resends the hole. */
START_TEST(sack_partial_acks_resend_only_holes_the_blocks_show)
{
	struct tcp_test t;
	struct tpeer p;
	struct oseg r[32];

	ck_assert_uint_eq(sack_response(&t, &p, 2132, r, 32), 10);
	uint32_t base = p.iss + 1;
	static const uint32_t b[][2] = { { 2000, 3000 } }, above[][2] = { { 5000, 6000 } };
	p.rcv = base + 1000; /* segment 0 arrived, 1 lost */
	p_send(&t, &p, TH_ACK, NULL, 0);
	tt_take(&t, r, 32); /* more of the response, as the window grew */
	for (unsigned i = 0; i < 3; i++) /* three duplicates: fast retransmit of 1000 */
		p_sack(&t, &p, base, b, 1);
	unsigned n = tt_take(&t, r, 32);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(r[0].seq, base + 1000);
	ck_assert_uint_ne(tt_conn(&t, 2132)->recovery, 0);
	uint64_t resent = tt_ctr(&t, "retransmits");

	/* A partial ACK, no blocks: 2000 on may be on its way; nothing resent. */
	p.rcv = base + 2000;
	p_send(&t, &p, TH_ACK, NULL, 0);
	n = tt_take(&t, r, 32);
	for (unsigned i = 0; i < n; i++)
		ck_assert_msg(SEQ_GEQ(r[i].seq, base + 10000), "resent %u", r[i].seq - base);
	ck_assert_uint_eq(tt_ctr(&t, "retransmits"), resent);
	/* A partial ACK whose block shows 5000 arrived: the hole at 4000 goes again. */
	p.rcv = base + 4000;
	p_sack(&t, &p, base, above, 1);
	n = tt_take(&t, r, 32);
	unsigned holes = 0;
	for (unsigned i = 0; i < n; i++)
		holes += r[i].seq == base + 4000;
	ck_assert_uint_eq(holes, 1);
	ck_assert_uint_eq(tt_ctr(&t, "retransmits"), resent + 1);
	tt_free(&t);
}
END_TEST

/* The whole response sent and nothing answered (the tail lost, or every ACK
 * of it): two round trips later -- here the 10 ms floor -- the last segment
 * goes again as a tail loss probe (RFC 8985 7), not an RTO later. Answered
 * without a D-SACK, it repaired a loss and cwnd is cut as by a fast
 * retransmit; answered with one (the originals had arrived, only ACKs were
 * lost), cwnd stays. */
/* The 20,000-byte response all sent: the first 10 segments acknowledged (an
 * RTT measured), the other 10 and the FIN out. Returns the first data byte. */
static uint32_t
whole_response_out(struct tcp_test *t, struct tpeer *p, uint16_t port, struct oseg *r)
{
	ck_assert_uint_eq(sack_response(t, p, port, r, 32), 10);
	uint32_t base = p->iss + 1;
	p->rcv = base + 10000;
	p_send(t, p, TH_ACK, NULL, 0);
	ck_assert_uint_eq(tt_take(t, r, 32), 10);
	return base;
}

static void
tail_probe(struct tcp_test *t, struct tpeer *p, uint16_t port, bool dsack)
{
	struct oseg r[32];
	uint32_t base = whole_response_out(t, p, port, r);
	const struct tcp_conn *c = tt_conn(t, port);
	uint32_t ssthresh = c->ssthresh, cwnd = c->cwnd;

	double waited = tt_wait(t, r, 150);
	ck_assert_msg(waited < 30, "the probe came after %.1f ms", waited);
	ck_assert_uint_eq(r[0].seq, base + 19000);
	ck_assert_uint_eq(r[0].len, 1000);
	ck_assert(r[0].flags & TH_FIN);
	ck_assert_uint_eq(tt_ctr(t, "loss_probes"), 1);
	ck_assert_uint_eq(tt_ctr(t, "timeouts"), 0);
	ck_assert_uint_eq(c->cwnd, cwnd); /* a probe alone changes nothing */

	p->rcv = base + 20001; /* everything, the FIN too */
	if (dsack) {
		static const uint32_t dup[][2] = { { 19000, 20000 } };
		p_sack(t, p, base, dup, 1);
		ck_assert_uint_eq(c->ssthresh, ssthresh);
	} else {
		p_send(t, p, TH_ACK, NULL, 0);
		ck_assert_uint_lt(c->ssthresh, ssthresh);
		ck_assert_uint_eq(c->ssthresh, 5000); /* half the 10 segments in flight */
	}
	ck_assert_uint_eq(c->tlp, 0);
	ck_assert_uint_eq(tt_idle(t, 400, r, 32), 0); /* no timeout follows */
	ck_assert_uint_eq(tt_ctr(t, "timeouts"), 0);
	ck_assert_uint_eq(tt_ctr(t, "retransmits"), 1);
	tt_free(t);
}

START_TEST(tail_loss_probe_repairs_the_tail)
{
	struct tcp_test t;
	struct tpeer p;

	tail_probe(&t, &p, 2133, false);
}
END_TEST

START_TEST(tail_loss_probe_after_lost_acks_keeps_cwnd)
{
	struct tcp_test t;
	struct tpeer p;

	tail_probe(&t, &p, 2134, true);
}
END_TEST

/* The window closes while a probe is armed: no probe goes into it, and the
 * probe's moment is not taken for a timeout; the RTO follows from there. */
START_TEST(no_tail_loss_probe_into_a_closed_window)
{
	struct tcp_test t;
	struct tpeer p;
	struct oseg r[32];

	whole_response_out(&t, &p, 2135, r);
	p.win = 0; /* the same ACK, the window closed */
	p_send(&t, &p, TH_ACK, NULL, 0);
	ck_assert_uint_eq(tt_idle(&t, 100, r, 32), 0);
	ck_assert_uint_eq(tt_ctr(&t, "loss_probes"), 0);
	ck_assert_uint_eq(tt_ctr(&t, "timeouts"), 0);
	tt_free(&t);
}
END_TEST

/* Malformed options on SYNs and on a timestamped connection's segments:
 * counted by kind, the segment still served, nothing else disturbed. */
START_TEST(malformed_options_are_counted)
{
	struct tcp_test t;
	struct tpeer p;
	struct oseg o;
	uint8_t opt[20];

	server_load(&t, "\"response_size\": 10");
	static const uint8_t high[] = { 2, 4, 5, 0xb4, 1, 3, 3, 200 };
	p_syn(&t, &p, 2010, high, sizeof(high), &o);
	ck_assert_int_eq(o.wscale, 7);
	ck_assert_uint_eq(tt_conn(&t, 2010)->snd_shift, 14);
	ck_assert_uint_eq(tt_ctr(&t, "option_wscale_clamped"), 1);
	static const uint8_t rep[] = { 1, 3, 3, 2, 1, 3, 3, 9 };
	p_syn(&t, &p, 2011, rep, sizeof(rep), &o);
	ck_assert_uint_eq(tt_conn(&t, 2011)->snd_shift, 2);
	ck_assert_uint_eq(o.mss, 1460);
	ck_assert_uint_eq(tt_conn(&t, 2011)->mss, 536); /* no MSS option: RFC 9293 default */
	ck_assert_uint_eq(tt_ctr(&t, "option_repeated"), 1);
	static const uint8_t zero[] = { 2, 4, 5, 0xb4, 3, 0, 7, 0 };
	p_syn(&t, &p, 2012, zero, sizeof(zero), &o);
	ck_assert_int_eq(o.wscale, -1); /* what followed the bad length was not read */
	ck_assert_uint_eq(tt_ctr(&t, "option_bad_length"), 1);
	static const uint8_t past[] = { 2, 4, 5, 0xb4, 1, 3, 3, 7, 8, 30, 0, 0 };
	p_syn(&t, &p, 2013, past, sizeof(past), &o);
	ck_assert_int_eq(o.wscale, 7);
	ck_assert(!o.ts);
	ck_assert_uint_eq(tt_ctr(&t, "option_bad_length"), 2);

	/* On a connection with timestamps: a bad option in a data segment is
	 * counted and the data still taken. */
	p_syn(&t, &p, 2014, opt, full_syn_opt(opt, 7), &o);
	p_ack_ts(&t, &p, &o, 1050, 100);
	static const uint8_t junk[] = { 1, 1, 8, 10, 0, 0, 4, 60, 0, 0, 0, 0, 8, 0, 0, 0 };
	struct tseg s = { .sport = 2014, .dport = 80, .seq = p.snd, .ack = p.rcv,
			  .flags = TH_ACK | TH_PSH, .win = 100, .opt = junk, .optlen = 16,
			  .data = "x\r\n\r\n", .len = 5 };
	tt_send(&t, &s);
	unsigned n = tt_take(&t, &o, 1);
	ck_assert_uint_ge(n, 1);
	ck_assert_uint_eq(o.tsecr, 1084); /* 0x043c */
	ck_assert_uint_eq(tt_ctr(&t, "option_bad_length"), 3);
	ck_assert_uint_eq(tt_ctr(&t, "bytes_in"), 5);
	tt_free(&t);
}
END_TEST

static Suite *
tcp_rfc7323_suite(void)
{
	Suite *s = suite_create("tcp_rfc7323");
	TCase *tc = tcase_create("tcp_rfc7323");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, option_reader_survives_every_bad_length);
	tcase_add_test(tc, option_reader_repeats_and_large_shifts);
	tcase_add_test(tc, syn_fast_paths_agree_with_the_parser);
	tcase_add_test(tc, server_negotiates_scale_and_timestamps);
	tcase_add_test(tc, rtt_measured_from_echoed_timestamps);
	tcase_add_test(tc, paws_drops_old_duplicates);
	tcase_add_test(tc, scaled_peer_window_beyond_64k);
	tcase_add_test(tc, no_options_without_the_peer_or_the_config);
	tcase_add_test(tc, malformed_options_are_counted);
	tcase_add_test(tc, sack_permitted_negotiated);
	tcase_add_test(tc, sack_blocks_name_held_data);
	tcase_add_test(tc, sack_blocks_take_room_from_data);
	tcase_add_test(tc, sack_blocks_drive_retransmissions);
	tcase_add_test(tc, sack_partial_acks_resend_only_holes_the_blocks_show);
	tcase_add_test(tc, tail_loss_probe_repairs_the_tail);
	tcase_add_test(tc, tail_loss_probe_after_lost_acks_keeps_cwnd);
	tcase_add_test(tc, no_tail_loss_probe_into_a_closed_window);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(tcp_rfc7323_suite)
