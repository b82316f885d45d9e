/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The arp operator's per-worker neighbour table (see arp_cache.h).
 */
#include <string.h>

#include "arp_cache.h"

struct arp_entry *
arp_cache_add(struct arp_cache *c, uint32_t ip)
{
	if (c->nb_entries >= ARP_CACHE_MAX_ENTRIES)
		return NULL;
	for (unsigned i = arp_cache_home(ip);; i = (i + 1) & (ARP_CACHE_SLOTS - 1)) {
		struct arp_entry *e = &c->slots[i];
		if (e->ip == 0) {
			memset(e, 0, sizeof(*e));
			e->ip = ip;
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
arp_cache_remove(struct arp_cache *c, struct arp_entry *e)
{
	const unsigned mask = ARP_CACHE_SLOTS - 1;
	unsigned hole = (unsigned)(e - c->slots);

	/* Backward shift: an entry after the hole moves into it unless its home
	 * slot lies between the hole and where it is now, in which case the
	 * hole does not break its probe chain. */
	for (unsigned j = (hole + 1) & mask; c->slots[j].ip != 0; j = (j + 1) & mask) {
		if (in_cyclic_range(arp_cache_home(c->slots[j].ip), hole, j))
			continue;
		c->slots[hole] = c->slots[j];
		hole = j;
	}
	memset(&c->slots[hole], 0, sizeof(c->slots[hole]));
	c->nb_entries--;
}

void
arp_cache_sweep(struct arp_cache *c, unsigned n, uint64_t now)
{
	for (unsigned k = 0; k < n; k++) {
		struct arp_entry *e = &c->slots[c->sweep_next];
		c->sweep_next = (c->sweep_next + 1) & (ARP_CACHE_SLOTS - 1);
		/* An entry shifted into a slot already passed waits for the next round. */
		if (e->ip != 0 && e->state == ARP_RESOLVED && now >= e->expires)
			arp_cache_remove(c, e);
	}
}
