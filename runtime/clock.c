/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The clock operators keep their timers by (include/nfg/operator.h:
 * nfg_clock): the TSC, plus an offset that only moves forward. In a run the
 * offset stays 0; unit tests advance it to let a timer fall due without
 * waiting for it, so no test sleeps and none depends on how fast the machine
 * is. Read once per burst or poll, not per packet.
 */
#include <rte_cycles.h>

#include "runtime.h"

static uint64_t skew;

uint64_t
nfg_clock(void)
{
	return rte_rdtsc() + __atomic_load_n(&skew, __ATOMIC_RELAXED);
}

void
nfg_clock_advance_ms(double ms)
{
	__atomic_fetch_add(&skew, (uint64_t)(ms * (double)rte_get_tsc_hz() / 1e3),
			   __ATOMIC_RELAXED);
}
