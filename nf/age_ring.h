/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Slots in the order they entered a state, oldest first, for taking the
 * oldest back when slots run out (nfproxy: a connection that finished and
 * lingers for the last ACKs gives its slot to a new client before a client
 * still connecting loses its own).
 *
 * A ring of (slot, id) pairs, pushed in order. Nothing is removed when a slot
 * leaves the state early or is reused: its entry goes stale (the slot no
 * longer holds that id in that state), and whoever pops it checks and skips
 * it. So the hot path pays one store into the line it wrote last, where a
 * linked list would touch its neighbours' links (a cache miss) on every
 * removal. A full ring forgets its oldest entry: that slot just ends at its
 * own time.
 *
 * Each entry also keeps when it was pushed (the caller's clock): when every
 * entry waits the same time, the oldest is the first due, so a deadline
 * needs no timer (nfproxy's deferred ACKs).
 */
#ifndef NFG_NF_AGE_RING_H
#define NFG_NF_AGE_RING_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_malloc.h>

struct age_entry {
	uint32_t slot, id;
	uint32_t at; /* when pushed, on the caller's clock */
};

struct age_ring {
	struct age_entry *e;
	uint32_t mask;
	uint32_t head, tail; /* positions: oldest, next free */
};

/* Room for at least `size` entries. Returns 0, or -1 when memory is short. */
static inline int
age_ring_init(struct age_ring *r, uint32_t size, int socket)
{
	uint32_t n = rte_align32pow2(RTE_MAX(size, 2u));

	r->e = rte_malloc_socket("age_ring", n * sizeof(*r->e), 0, socket);
	r->mask = n - 1;
	r->head = r->tail = 0;
	return r->e ? 0 : -1;
}

static inline void
age_ring_free(struct age_ring *r)
{
	rte_free(r->e);
	r->e = NULL;
}

static inline bool
age_ring_full(const struct age_ring *r)
{
	return r->tail - r->head > r->mask;
}

static inline void
age_ring_push(struct age_ring *r, uint32_t slot, uint32_t id, uint32_t at)
{
	if (age_ring_full(r))
		r->head++;
	r->e[r->tail++ & r->mask] = (struct age_entry){ slot, id, at };
}

/* The oldest entry, left in; NULL when there is none. */
static inline const struct age_entry *
age_ring_peek(const struct age_ring *r)
{
	return r->head == r->tail ? NULL : &r->e[r->head & r->mask];
}

/* The oldest entry, taken out; false when there is none. */
static inline bool
age_ring_pop(struct age_ring *r, struct age_entry *out)
{
	if (r->head == r->tail)
		return false;
	*out = r->e[r->head++ & r->mask];
	return true;
}

#endif
