/* SPDX-License-Identifier: BSD-3-Clause
 *
 * A worker's neighbour table, for arp (IPv4) and nd (IPv6) alike: address →
 * MAC, in a fixed open-addressing hash table (linear probing), so a lookup
 * is a hash and a few neighbouring slots, never a pointer chase or an
 * allocation. Removal shifts the following entries back instead of leaving
 * tombstones, so the probe chains stay short however long the table lives.
 * An address is 16 bytes: IPv6 as it is, IPv4 in the first four (the rest
 * zero). One table holds one family.
 */
#ifndef NFG_OPERATORS_NEIGH_CACHE_H
#define NFG_OPERATORS_NEIGH_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>

#define NEIGH_CACHE_BITS 12
#define NEIGH_CACHE_SLOTS (1u << NEIGH_CACHE_BITS)
/* At most three quarters full, so that probing always finds a free slot soon. */
#define NEIGH_CACHE_MAX_ENTRIES (NEIGH_CACHE_SLOTS / 4 * 3)

union neigh_addr {
	uint8_t b[16];
	uint32_t v4;     /* IPv4, network order */
	uint64_t w[2];
};

static inline union neigh_addr
neigh_addr_v4(uint32_t ip_be)
{
	union neigh_addr a = { .w = { 0, 0 } };

	a.v4 = ip_be;
	return a;
}

static inline union neigh_addr
neigh_addr_v6(const uint8_t ip[16])
{
	union neigh_addr a;

	memcpy(a.b, ip, 16);
	return a;
}

static inline bool
neigh_addr_eq(const union neigh_addr *a, const union neigh_addr *b)
{
	return a->w[0] == b->w[0] && a->w[1] == b->w[1];
}

/* The all-zero address (0.0.0.0, ::) is never a neighbour: it marks free slots. */
static inline bool
neigh_addr_zero(const union neigh_addr *a)
{
	return (a->w[0] | a->w[1]) == 0;
}

enum neigh_entry_state {
	NEIGH_RESOLVED = 1, /* mac is valid until `expires` */
	NEIGH_PENDING,      /* asked for; packets wait in `waiting` */
	NEIGH_STATIC,       /* from the graph file: valid forever, never overwritten */
};

struct neigh_entry {
	union neigh_addr addr;
	uint8_t state;     /* enum neigh_entry_state */
	uint8_t waiting;   /* NEIGH_PENDING: which waiting list holds its packets */
	struct rte_ether_addr mac;
	uint64_t expires;  /* NEIGH_RESOLVED: TSC after which the entry is stale */
};

struct neigh_cache {
	unsigned nb_entries;
	unsigned sweep_next; /* next slot neigh_cache_sweep looks at */
	struct neigh_entry slots[NEIGH_CACHE_SLOTS];
};

static inline unsigned
neigh_cache_home(const union neigh_addr *a)
{
	/* Multiply-shift over both halves spreads consecutive addresses of
	 * either family over the table (the IPv4 bits are in the low word). */
	uint64_t h = a->w[0] * 0x9e3779b97f4a7c15ull ^ a->w[1] * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (unsigned)(h >> (64 - NEIGH_CACHE_BITS));
}

static inline struct neigh_entry *
neigh_cache_find(struct neigh_cache *c, const union neigh_addr *a)
{
	for (unsigned i = neigh_cache_home(a);; i = (i + 1) & (NEIGH_CACHE_SLOTS - 1)) {
		struct neigh_entry *e = &c->slots[i];
		if (neigh_addr_eq(&e->addr, a))
			return e;
		if (neigh_addr_zero(&e->addr))
			return NULL;
	}
}

/* A new zeroed entry for `a`, which must not be in the table (nor be
 * zero); NULL when the table is full. */
struct neigh_entry *neigh_cache_add(struct neigh_cache *c, const union neigh_addr *a);
/* Removes an entry; pointers to other entries may move (re-find them). */
void neigh_cache_remove(struct neigh_cache *c, struct neigh_entry *e);
/* Looks at the next `n` slots and removes the resolved entries that expired
 * by `now`: called on every poll, it sweeps the table a little at a time. */
void neigh_cache_sweep(struct neigh_cache *c, unsigned n, uint64_t now);

#endif
