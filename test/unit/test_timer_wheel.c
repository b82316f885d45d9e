/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The hashed timer wheel, on a clock the test drives: one TSC cycle per tick
 * from zero, so tw_run(tw, T - 1) runs every tick up to T. Timers fire at
 * exactly their tick, once, in tick order; cancelling and rescheduling work
 * anywhere in a slot's list; timers further than one turn wait for their
 * turn; a run cut short by its budget resumes where it stopped.
 */
#include <stdlib.h>

#include <rte_cycles.h>

#include "../../nf/timer_wheel.h"
#include "../../runtime/runtime.h" /* the walk's clock */
#include "harness.h"

#define MAX_FIRES 4096

struct fires {
	struct timer_wheel *tw;
	unsigned n;
	uint32_t id[MAX_FIRES];
	uint64_t tick[MAX_FIRES];
	uint64_t rearm;   /* re-arm the fired timer this many ticks later (0: no) */
	unsigned max_rearms;
};

static void
record(void *ctx, uint32_t id)
{
	struct fires *f = ctx;

	ck_assert_uint_lt(f->n, MAX_FIRES);
	ck_assert_msg(!tw_pending(f->tw, id), "timer %u still linked when it fires", id);
	f->id[f->n] = id;
	f->tick[f->n] = f->tw->now;
	f->n++;
	if (f->rearm && f->max_rearms) {
		f->max_rearms--;
		tw_schedule(f->tw, id, f->rearm);
	}
}

static void
wheel(struct timer_wheel *tw, struct fires *f, uint32_t nb_timers, uint32_t slots)
{
	harness_eal_init();
	ck_assert_int_eq(tw_init(tw, nb_timers, slots, 1000, SOCKET_ID_ANY), 0);
	/* The test's clock: tick T is tsc T - 1. */
	tw->base_tsc = 0;
	tw->tsc_per_tick = 1;
	memset(f, 0, sizeof(*f));
	f->tw = tw;
}

/* Runs every tick up to `tick`; returns the timers fired. */
static unsigned
run_to(struct timer_wheel *tw, struct fires *f, uint64_t tick, unsigned budget)
{
	return tw_run(tw, tick - 1, record, f, budget);
}

START_TEST(fire_at_their_tick_in_tick_order)
{
	struct timer_wheel tw;
	struct fires f;

	wheel(&tw, &f, 8, 64);
	ck_assert_uint_eq(tw.mask, 63);
	tw_schedule(&tw, 0, 5);
	tw_schedule(&tw, 1, 3);
	tw_schedule(&tw, 2, 10);
	tw_schedule(&tw, 3, 0); /* at least one tick */
	for (uint32_t i = 0; i < 4; i++)
		ck_assert(tw_pending(&tw, i));
	ck_assert(!tw_pending(&tw, 4));
	ck_assert_uint_eq(run_to(&tw, &f, 1, 100), 1);
	ck_assert_uint_eq(f.id[0], 3);
	ck_assert_uint_eq(f.tick[0], 1);
	ck_assert_uint_eq(run_to(&tw, &f, 2, 100), 0);
	ck_assert_uint_eq(run_to(&tw, &f, 4, 100), 1);
	ck_assert_uint_eq(run_to(&tw, &f, 4, 100), 0); /* the same time again: nothing */
	ck_assert_uint_eq(run_to(&tw, &f, 100, 100), 2);
	const uint32_t ids[] = { 3, 1, 0, 2 };
	const uint64_t ticks[] = { 1, 3, 5, 10 };
	ck_assert_uint_eq(f.n, 4);
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_uint_eq(f.id[i], ids[i]);
		ck_assert_uint_eq(f.tick[i], ticks[i]);
		ck_assert(!tw_pending(&tw, ids[i]));
	}
	ck_assert_uint_eq(tw.now, 100);
	/* Scheduled from the last tick run. */
	tw_schedule(&tw, 0, 7);
	ck_assert_uint_eq(tw.links[0].expiry, 107);
	ck_assert_uint_eq(run_to(&tw, &f, 106, 100), 0);
	ck_assert_uint_eq(run_to(&tw, &f, 107, 100), 1);
	tw_free(&tw);
}
END_TEST

START_TEST(cancel_and_reschedule)
{
	struct timer_wheel tw;
	struct fires f;

	wheel(&tw, &f, 8, 64);
	tw_schedule(&tw, 0, 5);
	tw_cancel(&tw, 0);
	ck_assert(!tw_pending(&tw, 0));
	tw_cancel(&tw, 0); /* twice: nothing */
	tw_cancel(&tw, 7); /* never scheduled: nothing */
	tw_schedule(&tw, 1, 5);
	tw_schedule(&tw, 1, 20); /* later */
	tw_schedule(&tw, 2, 20);
	tw_schedule(&tw, 2, 3); /* earlier */
	tw_schedule(&tw, 3, 9);
	tw_schedule(&tw, 3, 9); /* the same: still once */
	ck_assert_uint_eq(run_to(&tw, &f, 100, 100), 3);
	ck_assert_uint_eq(f.id[0], 2);
	ck_assert_uint_eq(f.tick[0], 3);
	ck_assert_uint_eq(f.id[1], 3);
	ck_assert_uint_eq(f.tick[1], 9);
	ck_assert_uint_eq(f.id[2], 1);
	ck_assert_uint_eq(f.tick[2], 20);
	for (uint32_t i = 0; i < 8; i++)
		ck_assert(!tw_pending(&tw, i));
	for (uint32_t s = 0; s <= tw.mask; s++)
		ck_assert_uint_eq(tw.heads[s], TW_NONE);
	tw_free(&tw);
}
END_TEST

START_TEST(many_timers_in_one_slot)
{
	struct timer_wheel tw;
	static struct fires f;
	static bool seen[1000];

	wheel(&tw, &f, 1000, 16);
	for (uint32_t i = 0; i < 1000; i++)
		tw_schedule(&tw, i, 7);
	/* Out of the list: its head (the last one in), its tail, the middle. */
	tw_cancel(&tw, 999);
	tw_cancel(&tw, 0);
	tw_cancel(&tw, 500);
	tw_cancel(&tw, 501);
	/* And moved to another slot and back to the same one. */
	tw_schedule(&tw, 250, 8);
	tw_schedule(&tw, 251, 7 + 16);
	ck_assert_uint_eq(run_to(&tw, &f, 6, 5000), 0);
	ck_assert_uint_eq(run_to(&tw, &f, 7, 5000), 994);
	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0; i < f.n; i++) {
		ck_assert_uint_eq(f.tick[i], 7);
		ck_assert_msg(!seen[f.id[i]], "timer %u fired twice", f.id[i]);
		seen[f.id[i]] = true;
	}
	ck_assert(!seen[0] && !seen[999] && !seen[500] && !seen[501] && !seen[250] && !seen[251]);
	ck_assert_uint_eq(run_to(&tw, &f, 8, 5000), 1);
	ck_assert_uint_eq(f.id[994], 250);
	ck_assert_uint_eq(run_to(&tw, &f, 22, 5000), 0);
	ck_assert_uint_eq(run_to(&tw, &f, 23, 5000), 1);
	ck_assert_uint_eq(f.id[995], 251);
	tw_free(&tw);
}
END_TEST

START_TEST(timers_further_than_one_turn)
{
	struct timer_wheel tw;
	struct fires f;

	wheel(&tw, &f, 8, 10); /* rounded up to 16 slots */
	ck_assert_uint_eq(tw.mask, 15);
	/* Four timers in slot 5, one, two and 62 turns apart, and one in slot 0. */
	tw_schedule(&tw, 0, 5);
	tw_schedule(&tw, 1, 21);
	tw_schedule(&tw, 2, 37);
	tw_schedule(&tw, 3, 16);
	tw_schedule(&tw, 4, 997);
	for (uint64_t tick = 1; tick <= 40; tick++)
		run_to(&tw, &f, tick, 100);
	ck_assert_uint_eq(f.n, 4);
	const uint32_t ids[] = { 0, 3, 1, 2 };
	const uint64_t ticks[] = { 5, 16, 21, 37 };
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_uint_eq(f.id[i], ids[i]);
		ck_assert_uint_eq(f.tick[i], ticks[i]);
	}
	ck_assert(tw_pending(&tw, 4));
	/* A jump of many turns at once still fires it at its own tick. */
	ck_assert_uint_eq(run_to(&tw, &f, 5000, 100), 1);
	ck_assert_uint_eq(f.id[4], 4);
	ck_assert_uint_eq(f.tick[4], 997);
	tw_free(&tw);
}
END_TEST

START_TEST(budget_limited_runs_resume)
{
	struct timer_wheel tw;
	static struct fires f;

	wheel(&tw, &f, 150, 64);
	for (uint32_t i = 0; i < 100; i++)
		tw_schedule(&tw, i, 5);
	for (uint32_t i = 100; i < 150; i++)
		tw_schedule(&tw, i, 6);
	ck_assert_uint_eq(run_to(&tw, &f, 50, 30), 30);
	ck_assert_uint_eq(tw.now, 4); /* tick 5 is not finished */
	unsigned calls = 1, got;
	while ((got = run_to(&tw, &f, 50, 30)) > 0) {
		ck_assert_uint_le(got, 30);
		calls++;
	}
	ck_assert_uint_eq(calls, 5);
	ck_assert_uint_eq(f.n, 150);
	ck_assert_uint_eq(tw.now, 50);
	for (unsigned i = 0; i < 150; i++) {
		/* every tick-5 timer before any tick-6 one, each at its tick, once */
		ck_assert_uint_eq(f.tick[i], i < 100 ? 5 : 6);
		ck_assert_uint_eq(f.id[i] < 100, i < 100);
	}
	/* A budget that ends exactly with a tick. */
	for (uint32_t i = 0; i < 10; i++)
		tw_schedule(&tw, i, 2);
	ck_assert_uint_eq(run_to(&tw, &f, 60, 10), 10);
	ck_assert_uint_eq(run_to(&tw, &f, 60, 10), 0);
	/* Budget 0: nothing fires, nothing is lost. */
	tw_schedule(&tw, 0, 1);
	ck_assert_uint_eq(run_to(&tw, &f, 70, 0), 0);
	ck_assert(tw_pending(&tw, 0));
	ck_assert_uint_eq(run_to(&tw, &f, 70, 1), 1);
	ck_assert_uint_eq(f.tick[f.n - 1], 61);
	tw_free(&tw);
}
END_TEST

START_TEST(fire_may_rearm_its_timer)
{
	struct timer_wheel tw;
	struct fires f;

	wheel(&tw, &f, 4, 16);
	f.rearm = 3;
	f.max_rearms = 3;
	tw_schedule(&tw, 2, 3);
	ck_assert_uint_eq(run_to(&tw, &f, 100, 100), 4); /* one run: 3, 6, 9, 12 */
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(f.tick[i], 3 * (i + 1));
	/* Re-armed a whole turn later, into the slot being run: not again now. */
	f.n = 0;
	f.rearm = 16;
	f.max_rearms = 2;
	tw_schedule(&tw, 1, 5);
	tw_schedule(&tw, 3, 5);
	ck_assert_uint_eq(run_to(&tw, &f, 300, 100), 4);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(f.tick[i], 105 + 16 * (i / 2));
	tw_free(&tw);
}
END_TEST

/* Random schedules, cancels and runs of random length and budget, checked
 * against the obvious model: each timer fires once, at the tick it asked for. */
START_TEST(random_operations_match_a_model)
{
	enum { N = 300 };
	struct timer_wheel tw;
	static struct fires f;
	uint64_t want[N] = { 0 }; /* expiry tick, 0: none */
	unsigned checked = 0;

	wheel(&tw, &f, N, 32);
	srand(777);
	uint64_t tick = 0;
	for (unsigned step = 0; step < 3000; step++) {
		uint32_t id = (uint32_t)rand() % N;
		switch (rand() % 4) {
		case 0:
			tw_cancel(&tw, id);
			want[id] = 0;
			break;
		case 1:
		case 2: {
			uint64_t ticks = 1 + (uint64_t)rand() % 200;
			tw_schedule(&tw, id, ticks);
			want[id] = tw.now + ticks;
			break;
		}
		default: {
			tick += (uint64_t)rand() % 20;
			unsigned budget = rand() % 3 ? 1000 : 1 + (unsigned)rand() % 5;
			run_to(&tw, &f, tick, budget);
			for (; checked < f.n; checked++) {
				uint32_t fid = f.id[checked];
				ck_assert_msg(want[fid] == f.tick[checked],
					      "timer %u fired at %lu, want %lu", fid,
					      (unsigned long)f.tick[checked], (unsigned long)want[fid]);
				ck_assert(checked == 0 || f.tick[checked] >= f.tick[checked - 1]);
				want[fid] = 0;
			}
			if (f.n > MAX_FIRES - 400) {
				f.n = 0;
				checked = 0;
			}
			break;
		}
		}
		for (uint32_t i = 0; i < N; i++)
			ck_assert_uint_eq(tw_pending(&tw, i), want[i] != 0);
	}
	/* Everything left fires. */
	while (run_to(&tw, &f, tick + 1000, 1000) > 0)
		;
	for (; checked < f.n; checked++) {
		ck_assert_uint_eq(want[f.id[checked]], f.tick[checked]);
		want[f.id[checked]] = 0;
	}
	for (uint32_t i = 0; i < N; i++)
		ck_assert_uint_eq(want[i], 0);
	tw_free(&tw);
}
END_TEST

START_TEST(ticks_from_the_tsc)
{
	struct timer_wheel tw;

	harness_eal_init();
	ck_assert_int_eq(tw_init(&tw, 1, 8192, 1000, SOCKET_ID_ANY), 0);
	ck_assert_uint_eq(tw.mask, 8191);
	ck_assert_uint_eq(tw.tsc_per_tick, rte_get_tsc_hz() / 1000000 * 1000);
	ck_assert_uint_eq(tw_tick_now(&tw, tw.base_tsc), 1);
	ck_assert_uint_eq(tw_tick_now(&tw, tw.base_tsc + tw.tsc_per_tick - 1), 1);
	ck_assert_uint_eq(tw_tick_now(&tw, tw.base_tsc + tw.tsc_per_tick), 2);
	ck_assert_uint_eq(tw_tick_now(&tw, tw.base_tsc + 10 * tw.tsc_per_tick + 5), 11);
	tw_free(&tw);
	ck_assert_ptr_null(tw.heads);
}
END_TEST

/* The clock timers tick by: in a walk the first read holds for the rest of
 * it (one TSC read a walk); outside walks, and in the next walk, it moves. */
START_TEST(the_clock_is_read_once_a_walk)
{
	harness_eal_init();
	uint64_t before = nfg_clock();
	rte_delay_us_block(10);
	ck_assert_uint_gt(nfg_clock(), before); /* outside a walk: every call reads */

	nfg_clock_walk_begin();
	uint64_t first = nfg_clock();
	rte_delay_us_block(10);
	ck_assert_uint_eq(nfg_clock(), first);
	nfg_clock_walk_end();
	ck_assert_uint_gt(nfg_clock(), first);

	nfg_clock_walk_begin();
	ck_assert_uint_gt(nfg_clock(), first); /* the next walk reads again */
	nfg_clock_walk_end();
}
END_TEST

/* Re-arming later only records the new tick; the timer fires then, not at
 * the tick it first hung at. Re-arming earlier moves it at once. Cancelling
 * only disarms; the slot drops the link when it comes round. Against a
 * plain model on random re-arms, cancels and runs, including ticks beyond one
 * turn of the wheel. */
START_TEST(lazy_rearm_fires_at_the_last_tick_asked)
{
	struct timer_wheel tw;
	struct fires f;
	enum { N = 64 };
	uint64_t want[N] = { 0 }; /* 0: not armed */

	wheel(&tw, &f, N, 32);
	tw_schedule(&tw, 0, 10);
	tw_schedule(&tw, 0, 50); /* later: lazy */
	ck_assert_uint_eq(tw.links[0].expiry, 10);
	ck_assert_uint_eq(run_to(&tw, &f, 49, 100), 0);
	ck_assert_uint_eq(run_to(&tw, &f, 50, 100), 1);
	ck_assert_uint_eq(f.tick[0], 50);
	tw_schedule(&tw, 1, 100);
	tw_schedule(&tw, 1, 20); /* earlier: moved */
	ck_assert_uint_eq(run_to(&tw, &f, 70, 100), 1);
	ck_assert_uint_eq(f.tick[1], 70);
	/* Cancelling leaves the link hung; arming the id again later reuses it,
	 * and the cancelled expiry never fires. */
	tw_schedule(&tw, 2, 10);
	tw_cancel(&tw, 2);
	ck_assert(!tw_pending(&tw, 2));
	ck_assert_uint_eq(tw.links[2].expiry, 80);
	tw_schedule(&tw, 2, 30);
	ck_assert_uint_eq(tw.links[2].expiry, 80);
	ck_assert_uint_eq(run_to(&tw, &f, 99, 100), 0);
	ck_assert_uint_eq(run_to(&tw, &f, 100, 100), 1);
	ck_assert_uint_eq(f.tick[2], 100);
	tw_schedule(&tw, 3, 5);
	tw_cancel(&tw, 3);
	ck_assert_uint_eq(run_to(&tw, &f, 200, 100), 0);
	ck_assert_uint_eq(tw.links[3].expiry, 0); /* dropped when its slot came round */

	srand(3);
	uint64_t now = tw.now;
	f.n = 0;
	for (unsigned step = 0; step < 20000; step++) {
		uint32_t id = (uint32_t)rand() % N;
		switch (rand() % 4) {
		case 0:
		case 1: {
			uint64_t ticks = 1 + (uint64_t)rand() % 100;
			tw_schedule(&tw, id, ticks);
			want[id] = tw.now + ticks;
			break;
		}
		case 2:
			tw_cancel(&tw, id);
			want[id] = 0;
			break;
		default: {
			uint64_t to = now + 1 + (uint64_t)rand() % 20;
			unsigned before = f.n;
			run_to(&tw, &f, to, 100000);
			for (unsigned i = before; i < f.n; i++) {
				ck_assert_msg(want[f.id[i]] == f.tick[i], "timer %u fired at %lu, due %lu",
					      f.id[i], (unsigned long)f.tick[i],
					      (unsigned long)want[f.id[i]]);
				want[f.id[i]] = 0;
			}
			for (uint32_t t = 0; t < N; t++)
				ck_assert_msg(want[t] == 0 || want[t] > to, "timer %u due %lu did not fire by %lu",
					      t, (unsigned long)want[t], (unsigned long)to);
			now = to;
			f.n = 0;
			break;
		}
		}
	}
	tw_free(&tw);
}
END_TEST

static Suite *
timer_wheel_suite(void)
{
	Suite *s = suite_create("timer_wheel");
	TCase *tc = tcase_create("timer_wheel");

	tcase_add_test(tc, fire_at_their_tick_in_tick_order);
	tcase_add_test(tc, cancel_and_reschedule);
	tcase_add_test(tc, many_timers_in_one_slot);
	tcase_add_test(tc, timers_further_than_one_turn);
	tcase_add_test(tc, budget_limited_runs_resume);
	tcase_add_test(tc, fire_may_rearm_its_timer);
	tcase_add_test(tc, random_operations_match_a_model);
	tcase_add_test(tc, ticks_from_the_tsc);
	tcase_add_test(tc, the_clock_is_read_once_a_walk);
	tcase_add_test(tc, lazy_rearm_fires_at_the_last_tick_asked);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(timer_wheel_suite)
