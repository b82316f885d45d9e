/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzzes the HTTP/1.1 response framing of nftraffic's client
 * (nf/http_response.h): any bytes as a response, fed whole, one byte at a
 * time, and cut in two, must end at the same byte (the whole-header fast path
 * and the byte scanner agree) without reading outside what they were given
 * (ASan checks). Input: a flags byte (bit 0: the request was a HEAD), a cut
 * byte, then the response.
 */
#include <stdlib.h>
#include <string.h>

#include "../../nf/http_response.h"

/* Where the response ends when fed in pieces [0,cut) and [cut,n) (no cut:
 * cut 0), and one byte at a time (bytewise): the offset after the piece
 * that completed it, or -1. */
static long
feed(const uint8_t *p, size_t n, bool head, size_t cut, bool bytewise, bool *until_close)
{
	struct tcp_conn c;
	uint32_t body_at;
	size_t at = 0;

	memset(&c, 0, sizeof(c));
	http_response_start(&c, head);
	while (at < n) {
		size_t end = bytewise ? at + 1 : (cut > at ? cut : n);
		/* A copy of exactly the piece: ASan catches a read past it. */
		uint8_t *piece = malloc(end - at);
		memcpy(piece, p + at, end - at);
		bool done = http_response_take(&c, piece, (uint32_t)(end - at), &body_at);
		free(piece);
		if (body_at > end - at)
			abort();
		if (done) {
			*until_close = false;
			return (long)end;
		}
		at = end;
	}
	*until_close = http_response_ends_at_close(&c);
	return -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	bool head = data[0] & 1, close_whole, close_bytes, close_cut;
	const uint8_t *resp = data + 2;
	size_t n = size - 2 > 4096 ? 4096 : size - 2;
	size_t cut = n > 1 ? 1 + data[1] % (n - 1) : 0;

	long exact = feed(resp, n, head, 0, true, &close_bytes);
	long whole = feed(resp, n, head, 0, false, &close_whole);
	long split = feed(resp, n, head, cut, false, &close_cut);

	if ((whole < 0) != (exact < 0) || (exact >= 0 && whole != (long)n))
		abort();
	if (exact >= 0 && split != (exact <= (long)cut ? (long)cut : (long)n))
		abort();
	if (exact < 0 && split >= 0)
		abort();
	if (close_whole != close_bytes || close_bytes != close_cut)
		abort();
	return 0;
}
