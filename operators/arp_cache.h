/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The neighbour table of one arp worker: IPv4 address → MAC, in a fixed
 * open-addressing hash table (linear probing), so a lookup is a hash and a
 * few neighbouring slots, never a pointer chase or an allocation. Removal
 * shifts the following entries back instead of leaving tombstones, so the
 * probe chains stay short however long the table lives.
 */
#ifndef NFG_OPERATORS_ARP_CACHE_H
#define NFG_OPERATORS_ARP_CACHE_H

#include <stdint.h>

#include <rte_ether.h>

#define ARP_CACHE_BITS 12
#define ARP_CACHE_SLOTS (1u << ARP_CACHE_BITS)
/* At most three quarters full, so that probing always finds a free slot soon. */
#define ARP_CACHE_MAX_ENTRIES (ARP_CACHE_SLOTS / 4 * 3)

enum arp_entry_state {
	ARP_RESOLVED = 1, /* mac is valid until `expires` */
	ARP_PENDING,      /* asked for; packets wait in `waiting` */
	ARP_STATIC,       /* from the graph file: valid forever, never overwritten */
};

struct arp_entry {
	uint32_t ip;       /* network order; 0: free slot (0.0.0.0 is never a neighbour) */
	uint8_t state;     /* enum arp_entry_state */
	uint8_t waiting;   /* ARP_PENDING: which waiting list holds its packets */
	struct rte_ether_addr mac;
	uint64_t expires;  /* ARP_RESOLVED: TSC after which the entry is stale */
};

struct arp_cache {
	unsigned nb_entries;
	unsigned sweep_next; /* next slot arp_cache_sweep looks at */
	struct arp_entry slots[ARP_CACHE_SLOTS];
};

static inline unsigned
arp_cache_home(uint32_t ip)
{
	/* Fibonacci hashing spreads consecutive addresses over the table. */
	return (rte_be_to_cpu_32(ip) * 2654435769u) >> (32 - ARP_CACHE_BITS);
}

static inline struct arp_entry *
arp_cache_find(struct arp_cache *c, uint32_t ip)
{
	for (unsigned i = arp_cache_home(ip);; i = (i + 1) & (ARP_CACHE_SLOTS - 1)) {
		struct arp_entry *e = &c->slots[i];
		if (e->ip == ip)
			return e;
		if (e->ip == 0)
			return NULL;
	}
}

/* A new zeroed entry for `ip`, which must not be in the table; NULL when the
 * table is full. */
struct arp_entry *arp_cache_add(struct arp_cache *c, uint32_t ip);
/* Removes an entry; pointers to other entries may move (re-find them). */
void arp_cache_remove(struct arp_cache *c, struct arp_entry *e);
/* Looks at the next `n` slots and removes the resolved entries that expired
 * by `now`: called on every poll, it sweeps the table a little at a time. */
void arp_cache_sweep(struct arp_cache *c, unsigned n, uint64_t now);

#endif
