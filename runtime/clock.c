/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The clock operators keep their timers by (include/nfg/operator.h:
 * nfg_clock): the TSC, plus an offset that only moves forward. In a run the
 * offset stays 0; unit tests advance it to let a timer fall due without
 * waiting for it, so no test sleeps and none depends on how fast the machine
 * is.
 *
 * A walk reads the TSC once: the first nfg_clock() of a walk reads it, and
 * the rest of that walk and its polls get the same value (a TCP operator
 * reads it in its burst and again in its poll; rdtsc is some 40 cycles on
 * these CPUs, and a server's profile showed it at 4% of a connection's cost).
 * Timers are kept in milliseconds, a walk lasts microseconds. Outside walks
 * (setup, the main lcore, unit tests calling operators directly) every call
 * reads the TSC.
 */
#include <rte_cycles.h>

#include "runtime.h"

RTE_DEFINE_PER_LCORE(uint64_t, nfg_walk_clock) = NFG_CLOCK_NOT_IN_WALK;
static uint64_t skew;

uint64_t
nfg_clock(void)
{
	uint64_t now = RTE_PER_LCORE(nfg_walk_clock);

	if (likely(now > NFG_CLOCK_NOT_IN_WALK))
		return now;
	now = rte_rdtsc() + __atomic_load_n(&skew, __ATOMIC_RELAXED);
	if (now <= NFG_CLOCK_NOT_IN_WALK) /* the TSC's first cycles: not a value to keep */
		return now;
	if (RTE_PER_LCORE(nfg_walk_clock) == NFG_CLOCK_UNREAD)
		RTE_PER_LCORE(nfg_walk_clock) = now;
	return now;
}

void
nfg_clock_advance_ms(double ms)
{
	__atomic_fetch_add(&skew, (uint64_t)(ms * (double)rte_get_tsc_hz() / 1e3),
			   __ATOMIC_RELAXED);
}
