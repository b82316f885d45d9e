/* SPDX-License-Identifier: BSD-3-Clause
 *
 * A connection table: 4-tuple -> connection slot, for connections the NF did
 * not choose the identity of (the server's, the proxy's client side).
 *
 * Open addressing with linear probing over a power-of-two array of 8-byte
 * cells, at most half full: a cell holds 32 bits of the tuple's hash and the
 * slot. Keys are not stored: a cell whose hash bits match is confirmed
 * against the connection itself, which the caller reads next anyway. The
 * hash is keyed with random bits, so a peer cannot aim its tuples at one
 * run of cells. Deleting shifts the run back (Knuth 6.4, algorithm R): no
 * tombstones, so lookups stay short however long the table lives.
 *
 * The hash of a segment can be computed ahead (tuple_table_hash) and its
 * cell prefetched while the burst's earlier segments are handled.
 */
#ifndef NFG_NF_TUPLE_TABLE_H
#define NFG_NF_TUPLE_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ip.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>

#include "nfg/packet.h"
#include "tcp_conn.h"
#include "tcp_ip6.h"

#define TUPLE_NONE UINT32_MAX

struct tuple_table {
	uint64_t *cells;   /* (slot + 1) << 32 | hash bits; 0: empty */
	uint32_t mask;
	uint32_t used;
	uint64_t key[2];
};

int tuple_table_init(struct tuple_table *t, uint32_t capacity, int socket);
void tuple_table_free(struct tuple_table *t);
/* Memory tuple_table_init takes for `capacity`. */
uint64_t tuple_table_memory(uint32_t capacity);

/* Addresses and ports in network order, as in the packet and the connection. */
static inline uint32_t
tuple_table_hash(const struct tuple_table *t, uint32_t remote_ip, uint32_t local_ip,
		 uint16_t remote_port, uint16_t local_port)
{
	uint64_t x = ((uint64_t)remote_ip << 32 | local_ip) ^ t->key[0];
	uint64_t y = ((uint64_t)remote_port << 16 | local_port) ^ t->key[1];

	x *= 0x9e3779b97f4a7c15ull;
	x ^= y * 0xc2b2ae3d27d4eb4full;
	return (uint32_t)(x >> 32) ^ (uint32_t)x;
}

static inline void
tuple_table_prefetch(const struct tuple_table *t, uint32_t hash)
{
	rte_prefetch0(&t->cells[hash & t->mask]);
}

/* The hash of a received segment's 4-tuple (remote = its source; IPv6
 * addresses by their folds, tcp_ip6.h), its cell prefetched, for a burst's
 * first pass; 0 for what is not parsed IP TCP (the caller's checks refuse it
 * later). Callers take bursts in chunks of
 * TUPLE_BURST: a node's stream can be longer than RTE_GRAPH_BURST_SIZE when
 * several nodes feed it in one walk. */
#define TUPLE_BURST 256
static inline uint32_t
tuple_table_segment_hash(const struct tuple_table *t, struct rte_mbuf *m)
{
	if (unlikely(!(nfg_is_ipv4(m) || nfg_is_ipv6(m)) || nfg_l4_type(m) != RTE_PTYPE_L4_TCP))
		return 0;
	const struct rte_tcp_hdr *th = nfg_l4(m);
	uint32_t rip, lip;
	tcp_segment_keys(m, &rip, &lip);
	uint32_t hash = tuple_table_hash(t, rip, lip, th->src_port, th->dst_port);

	tuple_table_prefetch(t, hash);
	return hash;
}

static inline bool
tuple_matches(const struct tcp_conn *c, uint32_t remote_ip, uint32_t local_ip,
	      uint16_t remote_port, uint16_t local_port)
{
	return c->remote_ip == remote_ip && c->local_ip == local_ip &&
	       c->remote_port == remote_port && c->local_port == local_port;
}

/* The slot of the tuple, or TUPLE_NONE. `conns` are the slots' connections,
 * whose tuples confirm a match; for an IPv6 segment (ip6 its header, the
 * addresses given as folds) also the full addresses in addr6. */
static inline uint32_t
tuple_table_find(const struct tuple_table *t, uint32_t hash, const struct tcp_conn *conns,
		 const struct tcp_addr6 *addr6, const struct rte_ipv6_hdr *ip6,
		 uint32_t remote_ip, uint32_t local_ip, uint16_t remote_port, uint16_t local_port)
{
	for (uint32_t i = hash & t->mask;; i = (i + 1) & t->mask) {
		uint64_t cell = t->cells[i];
		if (cell == 0)
			return TUPLE_NONE;
		if ((uint32_t)cell == hash) {
			uint32_t slot = (uint32_t)(cell >> 32) - 1;
			const struct tcp_conn *c = &conns[slot];
			if (tuple_matches(c, remote_ip, local_ip, remote_port, local_port) &&
			    c->v6 == (ip6 != NULL) && (!ip6 || tcp_ip6_matches(&addr6[slot], ip6)))
				return slot;
		}
	}
}

/* An IPv4 tuple's slot, or TUPLE_NONE. */
static inline uint32_t
tuple_table_lookup(const struct tuple_table *t, uint32_t hash, const struct tcp_conn *conns,
		   uint32_t remote_ip, uint32_t local_ip, uint16_t remote_port,
		   uint16_t local_port)
{
	return tuple_table_find(t, hash, conns, NULL, NULL, remote_ip, local_ip, remote_port,
				local_port);
}

/* Adds a tuple that is not in the table; -1 when the table is at capacity. */
static inline int
tuple_table_add(struct tuple_table *t, uint32_t hash, uint32_t slot)
{
	if (t->used >= (t->mask + 1) / 2)
		return -1;
	uint32_t i = hash & t->mask;
	while (t->cells[i] != 0)
		i = (i + 1) & t->mask;
	t->cells[i] = (uint64_t)(slot + 1) << 32 | hash;
	t->used++;
	return 0;
}

/* Removes the slot's entry (its tuple's hash given); nothing if absent. */
void tuple_table_del(struct tuple_table *t, uint32_t hash, uint32_t slot);

#endif
