/* SPDX-License-Identifier: BSD-3-Clause
 *
 * A worker's neighbour table (see neigh_cache.h).
 */
#include <string.h>

#include "neigh_cache.h"

struct neigh_entry *
neigh_cache_add(struct neigh_cache *c, const union neigh_addr *a)
{
	if (c->nb_entries >= NEIGH_CACHE_MAX_ENTRIES)
		return NULL;
	for (unsigned i = neigh_cache_home(a);; i = (i + 1) & (NEIGH_CACHE_SLOTS - 1)) {
		struct neigh_entry *e = &c->slots[i];
		if (neigh_addr_zero(&e->addr)) {
			memset(e, 0, sizeof(*e));
			e->addr = *a;
			c->nb_entries++;
			return e;
		}
	}
}

/* True when `slot` lies cyclically in (from, to]. */
static inline int
in_cyclic_range(unsigned slot, unsigned from, unsigned to)
{
	return from <= to ? from < slot && slot <= to : from < slot || slot <= to;
}

void
neigh_cache_remove(struct neigh_cache *c, struct neigh_entry *e)
{
	const unsigned mask = NEIGH_CACHE_SLOTS - 1;
	unsigned hole = (unsigned)(e - c->slots);

	/* Backward shift: an entry after the hole moves into it unless its home
	 * slot lies between the hole and where it is now, in which case the
	 * hole does not break its probe chain. */
	for (unsigned j = (hole + 1) & mask; !neigh_addr_zero(&c->slots[j].addr); j = (j + 1) & mask) {
		if (in_cyclic_range(neigh_cache_home(&c->slots[j].addr), hole, j))
			continue;
		c->slots[hole] = c->slots[j];
		hole = j;
	}
	memset(&c->slots[hole], 0, sizeof(c->slots[hole]));
	c->nb_entries--;
}

void
neigh_cache_sweep(struct neigh_cache *c, unsigned n, uint64_t now)
{
	for (unsigned k = 0; k < n; k++) {
		struct neigh_entry *e = &c->slots[c->sweep_next];
		c->sweep_next = (c->sweep_next + 1) & (NEIGH_CACHE_SLOTS - 1);
		/* An entry shifted into a slot already passed waits for the next round. */
		if (!neigh_addr_zero(&e->addr) && e->state == NEIGH_RESOLVED && now >= e->expires)
			neigh_cache_remove(c, e);
	}
}
