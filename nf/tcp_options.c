/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Reading and writing TCP options. The reader never looks past `end` and
 * never gives up on the segment: RFC 9293 3.1 asks that an illegal option
 * length be survived, and a peer's odd options are no reason to lose its
 * data. What it did not like is reported in `problems` for the counters.
 */
#include "tcp_options.h"

enum { OPT_EOL = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WS = 3, OPT_SACK_PERM = 4, OPT_SACK = 5,
       OPT_TS = 8 };

/* The length each kind we read must have; 0 for kinds we skip. */
static uint8_t
expected_len(uint8_t kind, uint8_t *flag)
{
	switch (kind) {
	case OPT_MSS:
		*flag = TO_MSS;
		return 4;
	case OPT_WS:
		*flag = TO_WSCALE;
		return 3;
	case OPT_SACK_PERM:
		*flag = TO_SACK_PERM;
		return 2;
	case OPT_TS:
		*flag = TO_TS;
		return 10;
	default:
		*flag = 0;
		return 0;
	}
}

static inline uint32_t
be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void
tcp_options_parse(const uint8_t *opt, const uint8_t *end, bool syn, struct tcp_opts *o)
{
	o->present = 0;
	o->problems = 0;
	while (opt < end && opt[0] != OPT_EOL) {
		if (opt[0] == OPT_NOP) {
			opt++;
			continue;
		}
		/* A length of 0 or 1 would loop or step into itself; one past the
		 * header would read the payload as options: either ends parsing. */
		if (end - opt < 2 || opt[1] < 2 || opt[1] > end - opt) {
			o->problems |= TOP_BAD_LENGTH;
			return;
		}
		uint8_t flag, want = expected_len(opt[0], &flag);
		uint8_t len = opt[1];
		if (flag == 0) {
			opt += len; /* not ours: skipped whole */
			continue;
		}
		if (len != want) {
			o->problems |= TOP_BAD_LENGTH;
			opt += len;
			continue;
		}
		if (o->present & flag) {
			o->problems |= TOP_REPEATED; /* the first one counts */
			opt += len;
			continue;
		}
		/* MSS, window scale and SACK-permitted mean something only on a SYN
		 * (RFC 7323 2.2, RFC 2018 2): elsewhere they are skipped. */
		if (flag != TO_TS && !syn) {
			opt += len;
			continue;
		}
		o->present |= flag;
		switch (opt[0]) {
		case OPT_MSS: {
			uint16_t mss = (uint16_t)(opt[2] << 8 | opt[3]);
			o->mss = mss < 64 ? 64 : mss; /* a tiny MSS would mean a segment per byte */
			break;
		}
		case OPT_WS:
			o->wscale = opt[2];
			if (o->wscale > TCP_WSCALE_MAX) {
				o->wscale = TCP_WSCALE_MAX;
				o->problems |= TOP_WSCALE_HIGH;
			}
			break;
		case OPT_TS:
			o->tsval = be32_at(opt + 2);
			o->tsecr = be32_at(opt + 6);
			break;
		default:
			break;
		}
		opt += len;
	}
}

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

unsigned
tcp_options_syn(uint8_t *dst, uint16_t mss, uint8_t opts, uint8_t wscale, uint32_t tsval,
		uint32_t tsecr)
{
	uint8_t *p = dst;

	*p++ = OPT_MSS;
	*p++ = 4;
	*p++ = (uint8_t)(mss >> 8);
	*p++ = (uint8_t)mss;
	if (opts & TO_TS) {
		/* SACK-permitted takes the place of the two NOPs (Linux's layout). */
		if (opts & TO_SACK_PERM) {
			*p++ = OPT_SACK_PERM;
			*p++ = 2;
		} else {
			*p++ = OPT_NOP;
			*p++ = OPT_NOP;
		}
		*p++ = OPT_TS;
		*p++ = 10;
		put_be32(p, tsval);
		put_be32(p + 4, tsecr);
		p += 8;
	}
	if (opts & TO_WSCALE) {
		*p++ = OPT_NOP;
		*p++ = OPT_WS;
		*p++ = 3;
		*p++ = wscale;
	}
	if ((opts & TO_SACK_PERM) && !(opts & TO_TS)) {
		*p++ = OPT_NOP;
		*p++ = OPT_NOP;
		*p++ = OPT_SACK_PERM;
		*p++ = 2;
	}
	return (unsigned)(p - dst);
}

unsigned
tcp_options_sack(uint8_t *dst, const uint32_t blocks[][2], unsigned n)
{
	uint8_t *p = dst;

	*p++ = OPT_NOP;
	*p++ = OPT_NOP;
	*p++ = OPT_SACK;
	*p++ = (uint8_t)(2 + 8 * n);
	for (unsigned i = 0; i < n; i++, p += 8) {
		put_be32(p, blocks[i][0]);
		put_be32(p + 4, blocks[i][1]);
	}
	return (unsigned)(p - dst);
}

uint8_t *
tcp_options_sack_find(uint8_t *opt, const uint8_t *end, unsigned *nb_blocks)
{
	while (opt < end && opt[0] != OPT_EOL) {
		if (opt[0] == OPT_NOP) {
			opt++;
			continue;
		}
		if (end - opt < 2 || opt[1] < 2 || opt[1] > end - opt)
			return NULL;
		if (opt[0] == OPT_SACK) {
			unsigned len = opt[1];
			if (len < 10 || (len - 2) % 8 != 0 || len > 34)
				return NULL; /* not blocks: read as none */
			*nb_blocks = (len - 2) / 8;
			return opt;
		}
		opt += opt[1];
	}
	return NULL;
}

unsigned
tcp_options_sack_read(const uint8_t *opt, const uint8_t *end, uint32_t blocks[][2])
{
	unsigned n = 0;
	/* Only read: the cast lets the finder serve writers too. */
	const uint8_t *sack = tcp_options_sack_find((uint8_t *)(uintptr_t)opt, end, &n);

	for (unsigned i = 0; sack && i < n; i++) {
		blocks[i][0] = be32_at(sack + 2 + 8 * i);
		blocks[i][1] = be32_at(sack + 6 + 8 * i);
	}
	return sack ? n : 0;
}
