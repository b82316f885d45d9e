/* SPDX-License-Identifier: BSD-3-Clause
 *
 * A hashed timer wheel (Varghese & Lauck, "Hashed and Hierarchical Timing
 * Wheels", SOSP 1987, scheme 6): one slot per tick, a timer hangs in slot
 * (expiry mod slots) on an intrusive doubly linked list, so scheduling and
 * cancelling are O(1); a timer further away than one turn simply stays in its
 * slot until the wheel comes round at its expiry tick.
 *
 * Timers are identified by a small integer (a connection's index); each has
 * at most one pending expiry. The wheel owns one link per timer id.
 *
 * Re-arming is lazy (tw_schedule_at): a timer that is already due earlier
 * only records its new due tick; when its slot comes round and the due tick
 * is later, it moves there instead of firing. A TCP connection re-arms its
 * timer on nearly every segment, almost always to later, so most re-arms are
 * one store instead of an unlink and a link.
 *
 * Cancelling is lazy too (tw_cancel): it clears the due tick and leaves the
 * link where it hangs; the slot drops it when it comes round, or a new arming
 * of the same id (a connection slot taken again) reuses it. A connection's
 * timer is cancelled when it ends, so this saves an unlink that touches two
 * other timers' links (cache misses) per connection.
 */
#ifndef NFG_NF_TIMER_WHEEL_H
#define NFG_NF_TIMER_WHEEL_H

#include <stdbool.h>
#include <stdint.h>

#define TW_NONE UINT32_MAX

struct tw_link {
	uint32_t next, prev;  /* TW_NONE ends the list; prev TW_NONE: slot head */
	uint64_t expiry;      /* the tick of the slot it hangs in; 0: not hung */
	uint64_t due;         /* when it must fire (>= expiry); 0: not armed */
};

struct timer_wheel {
	uint64_t tsc_per_tick;
	uint64_t base_tsc;
	uint64_t now;          /* last tick whose slot was run */
	uint32_t mask;         /* slots - 1 */
	uint32_t *heads;
	struct tw_link *links; /* one per timer id */
	uint32_t nb_timers;
};

/* Returns 0, or -1 when memory is short. tick_us: the wheel's resolution. */
int tw_init(struct timer_wheel *tw, uint32_t nb_timers, uint32_t nb_slots, unsigned tick_us,
	    int socket);
void tw_free(struct timer_wheel *tw);

/* The current tick (from the TSC). */
static inline uint64_t
tw_tick_now(const struct timer_wheel *tw, uint64_t tsc)
{
	return (tsc - tw->base_tsc) / tw->tsc_per_tick + 1;
}

static inline bool
tw_pending(const struct timer_wheel *tw, uint32_t id)
{
	return tw->links[id].due != 0;
}

/* Disarms timer `id` (lazily: see above). */
static inline void
tw_cancel(struct timer_wheel *tw, uint32_t id)
{
	tw->links[id].due = 0;
}

void tw_unlink(struct timer_wheel *tw, uint32_t id);
void tw_link_at(struct timer_wheel *tw, uint32_t id, uint64_t tick);
/* (Re)arms timer `id` to fire at tick `due` (at the earliest the tick after
 * the last one run). */
static inline void
tw_schedule_at(struct timer_wheel *tw, uint32_t id, uint64_t due)
{
	struct tw_link *l = &tw->links[id];

	if (due <= tw->now)
		due = tw->now + 1;
	l->due = due;
	if (l->expiry && l->expiry <= due)
		return; /* it comes round earlier and moves on then */
	tw_unlink(tw, id);
	tw_link_at(tw, id, due);
}

/* (Re)arms timer `id` to fire `ticks` ticks after the last tick run (at
 * least one). */
static inline void
tw_schedule(struct timer_wheel *tw, uint32_t id, uint64_t ticks)
{
	tw_schedule_at(tw, id, tw->now + (ticks ? ticks : 1));
}

/* Runs every slot up to the current tick, calling fire(ctx, id) for each timer
 * that expired (unlinked before the call, so fire may re-arm it). Returns
 * the number fired. At most `budget` timers fire per call; the rest fire on
 * the next call. */
unsigned tw_run(struct timer_wheel *tw, uint64_t tsc, void (*fire)(void *ctx, uint32_t id),
		void *ctx, unsigned budget);

#endif
