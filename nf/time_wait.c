/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "time_wait.h"

static uint32_t
ring_size(uint32_t capacity)
{
	return rte_align32pow2(RTE_MAX(capacity, 2u));
}

uint64_t
time_wait_memory(uint32_t capacity)
{
	uint32_t n = ring_size(capacity);

	/* The ring, and two chain heads per entry (chains stay short). */
	return (uint64_t)n * sizeof(struct tw_entry) + 2ull * n * sizeof(uint32_t) + 128;
}

int
time_wait_init(struct time_wait *t, uint32_t capacity, uint32_t lifetime_us, int socket)
{
	uint32_t n = ring_size(capacity);

	memset(t, 0, sizeof(*t));
	t->ring = rte_malloc_socket("time_wait", (size_t)n * sizeof(*t->ring), RTE_CACHE_LINE_SIZE,
				    socket);
	t->chain = rte_malloc_socket("time_wait_chain", 2ull * n * sizeof(*t->chain),
				     RTE_CACHE_LINE_SIZE, socket);
	if (!t->ring || !t->chain) {
		time_wait_free(t);
		return -1;
	}
	/* Empty chains: position 2^32 - 1, which the ring holds only after as
	 * many entries (and then the walk meets real entries, compared in full). */
	memset(t->chain, 0xff, 2ull * n * sizeof(*t->chain));
	t->ring_mask = n - 1;
	t->chain_mask = 2 * n - 1;
	t->lifetime_us = lifetime_us;
	t->seed = rte_rand();
	return 0;
}

void
time_wait_free(struct time_wait *t)
{
	rte_free(t->ring);
	rte_free(t->chain);
	t->ring = NULL;
	t->chain = NULL;
}


/* The oldest entry leaves (expired, or to make room). Its chain keeps the
 * link to it: a chain runs from newest to oldest, so what it holds past
 * the ring's head is a stale tail that no walk follows (time_wait_find). */
static void
pop(struct time_wait *t)
{
	struct tw_entry *e = &t->ring[t->head & t->ring_mask];

	if (e->live) {
		e->live = 0;
		t->live--;
	}
	t->head++;
}

bool
time_wait_add(struct time_wait *t, uint32_t remote_ip, uint32_t local_ip, uint16_t remote_port,
	      uint16_t local_port, uint32_t rcv_nxt, uint32_t snd_nxt, uint32_t now_us)
{
	bool room = t->tail - t->head <= t->ring_mask;

	if (!room)
		pop(t);
	uint32_t pos = t->tail++;
	uint32_t *head = &t->chain[time_wait_bucket(t, remote_ip, local_ip, remote_port, local_port)];
	t->ring[pos & t->ring_mask] = (struct tw_entry){
		.remote_ip = remote_ip, .local_ip = local_ip,
		.remote_port = remote_port, .local_port = local_port,
		.rcv_nxt = rcv_nxt, .snd_nxt = snd_nxt,
		.expire_us = now_us + t->lifetime_us,
		.next = *head, .live = 1,
	};
	*head = pos;
	t->live++;
	return room;
}

struct tw_entry *
time_wait_find(const struct time_wait *t, uint32_t remote_ip, uint32_t local_ip,
	       uint16_t remote_port, uint16_t local_port)
{
	uint32_t pos = t->chain[time_wait_bucket(t, remote_ip, local_ip, remote_port, local_port)];

	/* Newest to oldest, and each link strictly older, so the walk ends. A
	 * link left from an earlier wrap of the positions may lead into another
	 * chain: its entries are real ones, compared in full, never a false
	 * answer. */
	while (time_wait_in_ring(t, pos)) {
		struct tw_entry *e = &t->ring[pos & t->ring_mask];
		if (e->live && e->remote_ip == remote_ip && e->local_ip == local_ip &&
		    e->remote_port == remote_port && e->local_port == local_port)
			return e;
		if ((int32_t)(e->next - pos) >= 0)
			return NULL;
		pos = e->next;
	}
	return NULL;
}

void
time_wait_remove(struct time_wait *t, struct tw_entry *e)
{
	uint32_t *head = &t->chain[time_wait_bucket(t, e->remote_ip, e->local_ip, e->remote_port,
						    e->local_port)];
	uint32_t pos = t->head + (((uint32_t)(e - t->ring) - t->head) & t->ring_mask);

	/* A 4-tuple used again is mostly the newest of its chain (the lookup
	 * just read the chain's head): it leaves at no cost. Elsewhere in its
	 * chain it stays, dead, until the head passes it. */
	if (*head == pos)
		*head = e->next;
	e->live = 0;
	t->live--;
}

unsigned
time_wait_expire(struct time_wait *t, uint32_t now_us, unsigned budget)
{
	unsigned n = 0;

	while (n < budget && t->head != t->tail &&
	       (int32_t)(t->ring[t->head & t->ring_mask].expire_us - now_us) <= 0) {
		pop(t);
		n++;
	}
	return n;
}
