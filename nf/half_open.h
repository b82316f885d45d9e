/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The connections of a table that are half open (SYN received, handshake
 * not finished), oldest first: a doubly linked list threaded through two
 * index arrays, so adding, removing (when the handshake completes or the
 * connection goes) and finding the oldest are all O(1). When a SYN finds the
 * table full, the oldest half-open connection gives up its place — a SYN
 * flood then only ever competes with itself, and a real client that
 * completes its handshake keeps its slot (the defence RFC 4987 section 3.4
 * calls "random drop"/"oldest drop" for the SYN queue).
 */
#ifndef NFG_NF_HALF_OPEN_H
#define NFG_NF_HALF_OPEN_H

#include <stdbool.h>
#include <stdint.h>

#define HALF_OPEN_NONE UINT32_MAX

struct half_open {
	uint32_t *next, *prev; /* per connection index; prev == self: not listed */
	uint32_t head, tail;   /* oldest, newest */
	uint32_t count;
};

/* Returns 0, or -1 when memory is short. */
int half_open_init(struct half_open *ho, uint32_t nb_conns, int socket);
void half_open_free(struct half_open *ho);

/* The connection became half open (it must not be listed already). */
void half_open_add(struct half_open *ho, uint32_t idx);
/* It is no longer half open; nothing happens if it was not listed. */
void half_open_remove(struct half_open *ho, uint32_t idx);

/* The oldest half-open connection, or HALF_OPEN_NONE. */
static inline uint32_t
half_open_oldest(const struct half_open *ho)
{
	return ho->head;
}

#endif
