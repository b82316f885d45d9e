/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Steering inside the runtime: what operators see of it is
 * include/nfg/steering.h (claims, port slices, the hand-off calls); this is
 * the rest, which only the runtime (ports.c, steer_port.c, steering.c,
 * steer_handoff.c) reads: the rules a port's claims resolve to, the owner
 * of a packet under them, the symmetric RSS key and the hand-off rings.
 */
#ifndef NFG_RUNTIME_STEER_H
#define NFG_RUNTIME_STEER_H

#include <stdbool.h>
#include <stdint.h>

#include "nfg/steering.h"
#include "../model/model.h"

#define NFG_STEER_KEY_LEN 40
/* nfg_steer_owner(): no rule covers the packet; it stays where it arrived. */
#define NFG_OWNER_HERE 0xffffu

/* The worker that owns a packet to (dst_ip, dst_port) under claim r, or
 * NFG_OWNER_HERE when the claim does not steer it. Host byte order. */
static inline unsigned
nfg_steer_rule_owner(const struct nfg_claim *r, uint8_t proto, uint32_t dst_ip,
		     uint16_t dst_port)
{
	if (proto != r->proto || dst_ip < r->ip_lo || dst_ip > r->ip_hi ||
	    dst_port < r->port_lo || dst_port > r->port_hi)
		return NFG_OWNER_HERE;
	if (r->by == NFG_STEER_BY_IP)
		return (dst_ip - r->ip_lo) % r->workers;
	return nfg_slice_owner(r->mask, r->workers, dst_port);
}

/*
 * The symmetric Toeplitz key: 0x6d5a repeated (Woo and Park, "Scalable TCP
 * session monitoring with symmetric receive-side scaling"). With it, the
 * hash of (a, b, pa, pb) equals that of (b, a, pb, pa).
 */
extern const uint8_t nfg_rss_key_symmetric[NFG_STEER_KEY_LEN];

struct rte_mbuf;
struct rte_ring;

/* A port's software steering, when its device cannot steer: port_rx asks
 * nfg_steer_owner() about every packet and hands the others over a ring. */
struct nfg_port_steer {
	unsigned workers;
	bool spread;               /* no rule covers it: symmetric flow hash */
	unsigned nb_rules;
	struct nfg_claim rules[NFG_STEER_MAX_RULES]; /* the steered claims */
	struct rte_ring **rings;   /* rings[from * workers + to], single producer/consumer */
};

/* The worker that must process m, or NFG_OWNER_HERE. Reads only what is
 * inside the frame (Ethernet, one VLAN tag, IPv4 or IPv6, the ports). */
unsigned nfg_steer_owner(const struct nfg_port_steer *st, const struct rte_mbuf *m);

#endif
