/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "nfg/operator.h"
#include "timer_wheel.h"

int
tw_init(struct timer_wheel *tw, uint32_t nb_timers, uint32_t nb_slots, unsigned tick_us,
	int socket)
{
	uint32_t slots = 1;

	while (slots < nb_slots)
		slots <<= 1;
	tw->mask = slots - 1;
	tw->nb_timers = nb_timers;
	tw->tsc_per_tick = rte_get_tsc_hz() / 1000000 * tick_us;
	if (tw->tsc_per_tick == 0)
		tw->tsc_per_tick = 1;
	tw->base_tsc = nfg_clock();
	tw->now = 0;
	tw->heads = rte_malloc_socket("tw_heads", slots * sizeof(uint32_t), 0, socket);
	tw->links = rte_zmalloc_socket("tw_links", (size_t)nb_timers * sizeof(struct tw_link), 0,
				       socket);
	if (!tw->heads || !tw->links) {
		tw_free(tw);
		return -1;
	}
	for (uint32_t i = 0; i < slots; i++)
		tw->heads[i] = TW_NONE;
	return 0;
}

void
tw_free(struct timer_wheel *tw)
{
	rte_free(tw->heads);
	rte_free(tw->links);
	tw->heads = NULL;
	tw->links = NULL;
}

/* Takes a timer off the slot it hangs in (if any). */
void
tw_unlink(struct timer_wheel *tw, uint32_t id)
{
	struct tw_link *l = &tw->links[id];

	if (!l->expiry)
		return;
	if (l->prev == TW_NONE)
		tw->heads[l->expiry & tw->mask] = l->next;
	else
		tw->links[l->prev].next = l->next;
	if (l->next != TW_NONE)
		tw->links[l->next].prev = l->prev;
	l->expiry = 0;
}

/* Hangs an unscheduled timer in the slot of `tick` (after the last tick run,
 * so never in a slot already passed). */
void
tw_link_at(struct timer_wheel *tw, uint32_t id, uint64_t tick)
{
	struct tw_link *l = &tw->links[id];

	l->expiry = tick;
	uint32_t slot = (uint32_t)(l->expiry & tw->mask);
	l->prev = TW_NONE;
	l->next = tw->heads[slot];
	if (l->next != TW_NONE)
		tw->links[l->next].prev = id;
	tw->heads[slot] = id;
}

/* fire() may re-arm or cancel only the timer it was called for. */
unsigned
tw_run(struct timer_wheel *tw, uint64_t tsc, void (*fire)(void *ctx, uint32_t id), void *ctx,
       unsigned budget)
{
	uint64_t target = tw_tick_now(tw, tsc);
	unsigned fired = 0;

	while (tw->now < target) {
		/* Advance first: a timer re-armed by fire() then lands after this tick. */
		uint64_t tick = ++tw->now;
		uint32_t id = tw->heads[tick & tw->mask];
		while (id != TW_NONE) {
			uint32_t next = tw->links[id].next;
			if (tw->links[id].expiry <= tick) {
				if (fired == budget) {
					tw->now = tick - 1; /* this tick is not done: rerun it */
					return fired;
				}
				uint64_t due = tw->links[id].due;
				tw_unlink(tw, id);
				if (due > tick) {
					tw_link_at(tw, id, due); /* re-armed to later since */
				} else if (due) { /* 0: cancelled since, dropped */
					tw->links[id].due = 0;
					fire(ctx, id);
					fired++;
				}
			}
			id = next;
		}
	}
	return fired;
}
