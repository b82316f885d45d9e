/* SPDX-License-Identifier: BSD-3-Clause
 *
 * nfg_escape: packet bytes made safe to print (see include/nfg/text.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nfg/text.h"

/* The escaped form of one byte; returns its length (1, 2 or 4). */
static size_t
escape_byte(uint8_t c, char form[5])
{
	static const char hex[] = "0123456789abcdef";
	const char *named = NULL;

	switch (c) {
	case '\n': named = "\\n"; break;
	case '\r': named = "\\r"; break;
	case '\t': named = "\\t"; break;
	case '\\': named = "\\\\"; break;
	case '"': named = "\\\""; break;
	}
	if (named) {
		memcpy(form, named, 3);
		return 2;
	}
	if (c >= 0x20 && c < 0x7f) {
		form[0] = (char)c;
		form[1] = '\0';
		return 1;
	}
	form[0] = '\\';
	form[1] = 'x';
	form[2] = hex[c >> 4];
	form[3] = hex[c & 15];
	form[4] = '\0';
	return 4;
}

char *
nfg_escape(char *out, size_t cap, const void *bytes, size_t len)
{
	static const char cut_mark[] = "...";
	const uint8_t *in = bytes;
	size_t used = 0;

	if (cap == 0)
		return out;
	for (size_t i = 0; i < len; i++) {
		char form[5];
		size_t n = escape_byte(in[i], form);
		/* Room for this byte, and for the cut mark unless it is the last. */
		size_t need = n + (i + 1 < len ? sizeof(cut_mark) - 1 : 0);

		if (used + need + 1 > cap) {
			/*
			 * Every earlier byte kept room for the mark, so it fits
			 * unless cap is too small for even that.
			 */
			if (used + sizeof(cut_mark) <= cap)
				memcpy(out + used, cut_mark, sizeof(cut_mark));
			else
				out[used] = '\0';
			return out;
		}
		memcpy(out + used, form, n);
		used += n;
	}
	out[used] = '\0';
	return out;
}
