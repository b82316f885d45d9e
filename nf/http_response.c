/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include <strings.h>

#include <rte_common.h>

#include "http_response.h"

/*
 * c->hdr_scan:
 *   bits 0-2   progress in CRLF CRLF (the end of the headers, or of the trailer)
 *   bits 3-8   progress in a header line (NM_*)
 *   bit 9      the body has started
 *   bit 10     Transfer-Encoding: chunked
 *   bit 11     no body (HEAD, 101, 204, 304)
 *   bits 12-15 in the headers, progress in the status line (ST_*); in the
 *              body, how it ends and where in that we are (B_*)
 * c->scan: in the status line, its digits so far; after it, SC_* flags.
 * c->rx_expect: Content-Length as it is read, then what is left of the body
 * (or of the chunk); in a chunk size line, the size.
 */
#define HS_BODY 0x0200u
#define HS_CHUNKED 0x0400u
#define HS_NO_BODY 0x0800u
#define HS_FLAGS (HS_BODY | HS_CHUNKED | HS_NO_BODY)

enum { ST_VERSION, ST_DIGIT1, ST_DIGIT2, ST_DIGIT3, ST_REST };
enum { B_LENGTH = 1, B_CLOSE, B_SIZE, B_SIZE_EXT, B_SIZE_LF, B_DATA, B_DATA_CR, B_DATA_LF,
       B_TRAILER };
enum { SC_INTERIM = 1, SC_LENGTH = 2 };

/* Header line progress: NM_LINE at a line's start; 1..14 characters of
 * "content-length:" matched; NM_TE + 1..17 of "transfer-encoding:"; in that
 * header's value, NM_VALUE + characters of "chunked" matched; the digits of
 * Content-Length, before the first (blanks allowed) and after it. */
enum { NM_LINE = 0, NM_TE = 16, NM_VALUE = 40, NM_DIGITS_LEAD = 61, NM_DIGITS = 62,
       NM_NONE = 63 };

static const char cl_name[] = "content-length:";
static const char te_name[] = "transfer-encoding:";
static const char chunked[] = "chunked";
#define CL_LEN (sizeof(cl_name) - 1)
#define TE_LEN (sizeof(te_name) - 1)
#define CHUNKED_LEN (sizeof(chunked) - 1)

struct scan_state {
	unsigned crlf, name, flags, phase;
};

static inline struct scan_state
unpack(uint16_t v)
{
	return (struct scan_state){ v & 7u, (v >> 3) & 63u, v & HS_FLAGS, (unsigned)v >> 12 };
}

static inline uint16_t
pack(struct scan_state s)
{
	return (uint16_t)(s.crlf | s.name << 3 | s.flags | s.phase << 12);
}

static inline char
lower(uint8_t ch)
{
	return (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
}

/* CR LF CR LF: progress 0-4. */
static inline unsigned
crlf_step(unsigned crlf, uint8_t ch)
{
	return ch == (crlf % 2 == 0 ? '\r' : '\n') ? crlf + 1 : (ch == '\r' ? 1 : 0);
}

/* "chunked" in a Transfer-Encoding value: characters matched so far. Its one
 * 'c' is its first letter, so a mismatch restarts at 0 (or 1 on a 'c'). */
static inline unsigned
chunked_step(unsigned matched, uint8_t ch)
{
	char l = lower(ch);

	if (l == chunked[matched])
		return matched + 1;
	return l == chunked[0] ? 1 : 0;
}

/* The status code decides the body: none for 101, 204, 304; a 1xx other than
 * 101 is interim, the final response follows it. */
static void
classify(struct tcp_conn *c, unsigned status, unsigned *flags)
{
	c->scan = status >= 100 && status < 200 && status != 101 ? SC_INTERIM : 0;
	if (status == 101 || status == 204 || status == 304)
		*flags |= HS_NO_BODY;
}

/* One byte of the status line: the version, a space, three digits. */
static void
status_step(struct tcp_conn *c, struct scan_state *s, uint8_t ch)
{
	if (ch == '\n') {
		if (s->phase != ST_REST)
			c->scan = 0; /* no status: an ordinary response */
		s->phase = ST_REST;
		s->name = NM_LINE;
		return;
	}
	if (s->phase == ST_VERSION) {
		if (ch == ' ')
			s->phase = ST_DIGIT1;
		return;
	}
	if (s->phase == ST_REST)
		return;
	/* The rest of the line is no header: header names count from the next. */
	if (ch < '0' || ch > '9') {
		c->scan = 0;
		s->phase = ST_REST;
		s->name = NM_NONE;
		return;
	}
	unsigned status = c->scan * 10u + (unsigned)(ch - '0');
	if (s->phase == ST_DIGIT3) {
		classify(c, status, &s->flags);
		s->phase = ST_REST;
		s->name = NM_NONE;
	} else {
		c->scan = (uint8_t)status; /* at most 99 */
		s->phase++;
	}
}

/* One byte of a header line. */
static unsigned
name_step(struct tcp_conn *c, unsigned nm, uint8_t ch, unsigned *flags)
{
	char l = lower(ch);

	if (ch == '\n')
		return NM_LINE;
	if (nm == NM_NONE)
		return NM_NONE;
	if (nm == NM_DIGITS_LEAD || nm == NM_DIGITS) {
		if (ch >= '0' && ch <= '9') {
			c->rx_expect = c->rx_expect * 10u + (uint32_t)(ch - '0');
			return NM_DIGITS;
		}
		return nm == NM_DIGITS_LEAD && (ch == ' ' || ch == '\t') ? NM_DIGITS_LEAD : NM_NONE;
	}
	if (nm >= NM_VALUE) {
		unsigned m = chunked_step(nm - NM_VALUE, ch);
		if (m < CHUNKED_LEN)
			return NM_VALUE + m;
		*flags |= HS_CHUNKED;
		return NM_NONE;
	}
	if (nm == NM_LINE)
		return l == cl_name[0] ? 1 : l == te_name[0] ? NM_TE + 1 : NM_NONE;
	if (nm < NM_TE) {
		if (l != cl_name[nm])
			return NM_NONE;
		if (nm + 1 < CL_LEN)
			return nm + 1;
		c->rx_expect = 0; /* the last Content-Length counts */
		c->scan |= SC_LENGTH;
		return NM_DIGITS_LEAD;
	}
	if (l != te_name[nm - NM_TE])
		return NM_NONE;
	return nm - NM_TE + 1 < TE_LEN ? nm + 1 : NM_VALUE;
}

/* The headers byte by byte, from where the last segment left them. True when
 * they end in p (*end: the first byte after them). */
static bool
headers_bytes(struct tcp_conn *c, const uint8_t *p, uint32_t n, uint32_t *end)
{
	struct scan_state s = unpack(c->hdr_scan);

	for (uint32_t i = 0; i < n; i++) {
		uint8_t ch = p[i];
		s.crlf = crlf_step(s.crlf, ch);
		if (s.crlf == 4) {
			c->hdr_scan = pack(s);
			*end = i + 1;
			return true;
		}
		if (s.phase != ST_REST)
			status_step(c, &s, ch);
		else
			s.name = name_step(c, s.name, ch, &s.flags);
	}
	c->hdr_scan = pack(s);
	return false;
}

/* The common case, the whole header block in p: a line at a time (memchr,
 * strncasecmp) instead of byte by byte, with the same answers. False, with
 * nothing changed, when the block does not end in p. */
static bool
headers_whole(struct tcp_conn *c, const uint8_t *p, uint32_t n, uint32_t *end)
{
	const uint8_t *stop = p + n;
	const uint8_t *nl = memchr(p, '\n', n);
	struct scan_state s = unpack(c->hdr_scan);
	uint8_t scan = c->scan;
	uint32_t expect = 0;

	if (!nl)
		return false;
	for (const uint8_t *q = p; q <= nl && s.phase != ST_REST; q++)
		status_step(c, &s, *q);
	for (const uint8_t *line = nl + 1; line < stop;) {
		nl = memchr(line, '\n', (size_t)(stop - line));
		if (!nl)
			break;
		size_t len = (size_t)(nl - line);
		if (len == 1 && line[0] == '\r' && line - p >= 2 && line[-2] == '\r') {
			c->rx_expect = expect;
			c->hdr_scan = pack((struct scan_state){ 4, NM_LINE, s.flags, ST_REST });
			*end = (uint32_t)(nl + 1 - p);
			return true;
		}
		if (len >= CL_LEN && lower(line[0]) == cl_name[0] &&
		    strncasecmp((const char *)line, cl_name, CL_LEN) == 0) {
			const uint8_t *d = line + CL_LEN;
			expect = 0;
			c->scan |= SC_LENGTH;
			while (d < nl && (*d == ' ' || *d == '\t'))
				d++;
			for (; d < nl && *d >= '0' && *d <= '9'; d++)
				expect = expect * 10u + (uint32_t)(*d - '0');
		} else if (len >= TE_LEN && lower(line[0]) == te_name[0] &&
			   strncasecmp((const char *)line, te_name, TE_LEN) == 0) {
			unsigned m = 0;
			for (const uint8_t *v = line + TE_LEN; v < nl && m < CHUNKED_LEN; v++)
				m = chunked_step(m, *v);
			if (m == CHUNKED_LEN)
				s.flags |= HS_CHUNKED;
		}
		line = nl + 1;
	}
	c->scan = scan; /* not all here: as it was, for the byte scanner */
	return false;
}

enum headers_end { HEADERS_DONE, HEADERS_INTERIM, HEADERS_BODY };

/* The headers ended: what comes next. */
static enum headers_end
headers_done(struct tcp_conn *c)
{
	struct scan_state s = unpack(c->hdr_scan);

	if (c->scan & SC_INTERIM) {
		/* The final response follows, as a response of its own (no body
		 * either when the request was a HEAD: only that sets it here). */
		c->hdr_scan = (uint16_t)(s.flags & HS_NO_BODY);
		c->scan = 0;
		c->rx_expect = 0;
		return HEADERS_INTERIM;
	}
	if (s.flags & HS_NO_BODY)
		return HEADERS_DONE;
	if (s.flags & HS_CHUNKED) {
		s.phase = B_SIZE; /* Transfer-Encoding overrides Content-Length (6.3) */
		c->rx_expect = 0;
	} else if (c->scan & SC_LENGTH) {
		if (c->rx_expect == 0)
			return HEADERS_DONE;
		s.phase = B_LENGTH;
	} else {
		s.phase = B_CLOSE;
	}
	s.flags |= HS_BODY;
	c->hdr_scan = pack(s);
	return HEADERS_BODY;
}

static inline int
hex_value(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	char l = lower(ch);
	return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
}

/* A chunk size line ended: its data next, or the trailer after the last. */
static void
size_line_done(struct tcp_conn *c, struct scan_state *s)
{
	if (c->rx_expect) {
		s->phase = B_DATA;
	} else {
		s->phase = B_TRAILER;
		s->crlf = 2; /* at a line's start: CR LF now ends the trailer */
	}
}

/* The body from p[i]: true once it ended. Framing that breaks the rules (a
 * size that is not hex, data not followed by CRLF) leaves the end to the
 * close, as a body of unknown length. */
static bool
body_take(struct tcp_conn *c, const uint8_t *p, uint32_t i, uint32_t n)
{
	struct scan_state s = unpack(c->hdr_scan);
	bool done = false;

	while (i < n && !done) {
		if (s.phase == B_CLOSE)
			break;
		if (s.phase == B_LENGTH || s.phase == B_DATA) {
			uint32_t k = RTE_MIN(c->rx_expect, n - i);
			c->rx_expect -= k;
			i += k;
			if (c->rx_expect == 0) {
				if (s.phase == B_LENGTH)
					done = true;
				else
					s.phase = B_DATA_CR;
			}
			continue;
		}
		uint8_t ch = p[i++];
		switch (s.phase) {
		case B_SIZE: {
			int v = hex_value(ch);
			if (v >= 0 && c->rx_expect < (UINT32_C(1) << 28))
				c->rx_expect = c->rx_expect * 16u + (uint32_t)v;
			else if (ch == ';' || ch == ' ' || ch == '\t')
				s.phase = B_SIZE_EXT;
			else if (ch == '\r')
				s.phase = B_SIZE_LF;
			else if (ch == '\n')
				size_line_done(c, &s);
			else
				s.phase = B_CLOSE;
			break;
		}
		case B_SIZE_EXT:
			if (ch == '\n')
				size_line_done(c, &s);
			break;
		case B_SIZE_LF:
			if (ch == '\n')
				size_line_done(c, &s);
			else
				s.phase = B_CLOSE;
			break;
		case B_DATA_CR:
			s.phase = ch == '\r' ? B_DATA_LF : ch == '\n' ? B_SIZE : B_CLOSE;
			break;
		case B_DATA_LF:
			s.phase = ch == '\n' ? B_SIZE : B_CLOSE;
			break;
		case B_TRAILER:
			s.crlf = crlf_step(s.crlf, ch);
			done = s.crlf == 4;
			break;
		}
	}
	c->hdr_scan = pack(s);
	return done;
}

void
http_response_start(struct tcp_conn *c, bool head)
{
	c->hdr_scan = head ? HS_NO_BODY : 0;
	c->scan = 0;
	c->rx_expect = 0;
}

bool
http_response_take(struct tcp_conn *c, const uint8_t *p, uint32_t n, uint32_t *body_at)
{
	uint32_t i = 0;

	*body_at = (c->hdr_scan & HS_BODY) ? 0 : n;
	while (!(c->hdr_scan & HS_BODY)) {
		uint32_t end = 0;
		bool fresh = (c->hdr_scan & ~HS_NO_BODY) == 0 && c->scan == 0;
		if (!(fresh && headers_whole(c, p + i, n - i, &end)) &&
		    !headers_bytes(c, p + i, n - i, &end))
			return false;
		i += end;
		switch (headers_done(c)) {
		case HEADERS_DONE:
			*body_at = i;
			return true;
		case HEADERS_INTERIM:
			continue;
		case HEADERS_BODY:
			*body_at = i;
			break;
		}
	}
	return body_take(c, p, i, n);
}

bool
http_response_ends_at_close(const struct tcp_conn *c)
{
	return (c->hdr_scan & HS_BODY) && unpack(c->hdr_scan).phase == B_CLOSE;
}
