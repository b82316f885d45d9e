/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Software flow steering between workers (ring_tx.c, ring_rx.c), for ports
 * that cannot steer a connection to its core themselves (no RSS, no rte_flow).
 *
 * A ring_rx node owns one rte_ring per (source worker, destination worker)
 * pair. Each ring has exactly one producer (ring_tx on the source worker) and
 * one consumer (ring_rx on the destination worker), so both ends use the
 * single-producer/single-consumer paths: no contended atomics on the hot
 * path. This is what the two operators share: ring_rx makes it in setup
 * (its instance config) and creates the rings in start; ring_tx finds it by
 * the ring_rx's name in init.
 */
#ifndef NFG_OPERATORS_RING_HANDOFF_H
#define NFG_OPERATORS_RING_HANDOFF_H

#include <rte_ring.h>

#define HANDOFF_MAX_WORKERS 64 /* nfg's own limit on workers */

struct handoff_rings {
	unsigned nb_workers;
	unsigned ring_size;
	uint16_t burst;
	struct rte_ring **rings; /* [src * nb_workers + dst] */
};

#endif
