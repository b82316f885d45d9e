/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TIME_WAIT without a connection slot. A connection that closed first only
 * has to guard its 4-tuple for time_wait_ms (RFC 9293 3.6): acknowledge the
 * peer's FIN again if our last ACK was lost, refuse old duplicates, and let a
 * new SYN with a higher sequence number start a new incarnation at once. That
 * takes 32 bytes, not the 128 of a live connection and its place in the table,
 * so a server at a million connections per second keeps its table for open
 * connections.
 *
 * Every entry lives equally long, so a ring in order of arrival is also the
 * order of expiry: expiring is popping the head, no timer per entry. A chained
 * hash over ring positions (keyed, so a peer cannot aim at one chain) finds an
 * entry by 4-tuple. New entries go to the front of their chain, so a chain
 * runs from newest to oldest and the entries that expired are its tail:
 * popping the head leaves the chains as they are (no walk to unlink, which
 * cost a cache miss per entry), and a walk stops at the first position the
 * ring no longer holds. A full ring gives up its oldest entry early (counted
 * by the caller), as Linux does past tcp_max_tw_buckets.
 */
#ifndef NFG_NF_TIME_WAIT_H
#define NFG_NF_TIME_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_prefetch.h>

struct tw_entry {
	uint32_t remote_ip, local_ip;     /* network order */
	uint16_t remote_port, local_port; /* network order */
	uint32_t rcv_nxt, snd_nxt;        /* where the connection ended */
	uint32_t expire_us;
	uint32_t next;                    /* ring position of the next (older) entry in
					   * its chain */
	uint32_t live;                    /* 0: removed early (a new incarnation) or
					   * gone from the ring */
};

struct time_wait {
	struct tw_entry *ring;
	uint32_t *chain;          /* newest ring position per hash bucket */
	uint32_t ring_mask, chain_mask;
	uint32_t head, tail;      /* positions; index = position & ring_mask */
	uint32_t live;            /* entries not removed early */
	uint32_t lifetime_us;
	uint64_t seed;
};

/* The hash chain of a 4-tuple (network order). */
static inline uint32_t
time_wait_bucket(const struct time_wait *t, uint32_t rip, uint32_t lip, uint16_t rport,
		 uint16_t lport)
{
	uint64_t x = ((uint64_t)rip << 32 | lip) ^ t->seed;

	x ^= (uint64_t)((uint32_t)rport << 16 | lport) * 0x9e3779b97f4a7c15ull;
	x *= 0xff51afd7ed558ccdull;
	return (uint32_t)(x >> 32) & t->chain_mask;
}

/* A SYN will ask whether its 4-tuple is in TIME_WAIT: fetch its chain head
 * ahead (time_wait_prefetch), and once that is in, the chain's newest entry
 * (time_wait_prefetch_entry with the bucket the first returned). Without
 * the second, the entry's miss was two thirds of the lookup's cost. */
static inline uint32_t
time_wait_prefetch(const struct time_wait *t, uint32_t rip, uint32_t lip, uint16_t rport,
		   uint16_t lport)
{
	uint32_t bucket = time_wait_bucket(t, rip, lip, rport, lport);

	rte_prefetch0(&t->chain[bucket]);
	return bucket;
}

/* Whether a position is in the ring: every position in [head, tail) is in
 * its slot (the ring holds at most its size), anything else is stale. */
static inline bool
time_wait_in_ring(const struct time_wait *t, uint32_t pos)
{
	return (int32_t)(pos - t->head) >= 0 && (int32_t)(t->tail - pos) > 0;
}

static inline void
time_wait_prefetch_entry(const struct time_wait *t, uint32_t bucket)
{
	uint32_t pos = t->chain[bucket];

	if (time_wait_in_ring(t, pos))
		rte_prefetch0(&t->ring[pos & t->ring_mask]);
}

/* Room for at least `capacity` entries (rounded up to a power of two). */
int time_wait_init(struct time_wait *t, uint32_t capacity, uint32_t lifetime_us, int socket);
void time_wait_free(struct time_wait *t);

/* Memory time_wait_init takes for `capacity`, to reserve it at setup. */
uint64_t time_wait_memory(uint32_t capacity);

/* A connection enters TIME_WAIT. Returns false when the oldest entry had to
 * leave early to make room. */
bool time_wait_add(struct time_wait *t, uint32_t remote_ip, uint32_t local_ip,
		   uint16_t remote_port, uint16_t local_port, uint32_t rcv_nxt, uint32_t snd_nxt,
		   uint32_t now_us);

/* The entry of a 4-tuple (network order), or NULL. */
struct tw_entry *time_wait_find(const struct time_wait *t, uint32_t remote_ip,
				uint32_t local_ip, uint16_t remote_port, uint16_t local_port);

/* The 4-tuple starts a new incarnation: its entry goes now. */
void time_wait_remove(struct time_wait *t, struct tw_entry *e);

/* Entries whose time is up leave, at most `budget` of them. Returns how many. */
unsigned time_wait_expire(struct time_wait *t, uint32_t now_us, unsigned budget);

#endif
