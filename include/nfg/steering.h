/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Which worker owns a connection, and so which worker must see its packets.
 *
 * Connections that arrive (nftraffic server, nfproxy's client side) live on
 * the worker whose queue their first packet reached: the NIC's RSS spreads
 * them (with a symmetric key, both directions of a flow hash alike), or the
 * kernel's flow hash does for net_af_packet. Connections an NF opens itself
 * (nftraffic client, nfproxy's backend side) pick their local address from
 * the opening worker's share, so the answer can be steered back to it:
 *
 *  - by port mask: worker i owns the local ports whose masked bits, read as
 *    a number, equal i modulo the worker count (mask 0x1 on 2 workers: even
 *    ports to worker 0, odd ports to worker 1);
 *  - by IP: worker i owns the i-th local address (modulo the worker count).
 *
 * An operator claims the local addresses it owns on its port with
 * nfg_port_claim() during setup: the addresses it opens connections from (with
 * their per-worker share) and those it listens on. One declaration feeds
 * everything that needs it: overlapping claims are refused, arp (IPv4) and
 * nd (IPv6) answer for every claimed address, and when the port starts nfg installs rte_flow rules
 * that send each share to its worker's queue; where the port refuses them,
 * port_rx computes the owner of every packet and hands the others over a ring
 * to their owner.
 */
#ifndef NFG_STEERING_H
#define NFG_STEERING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NFG_PORT_MAX_CLAIMS 32

/* The masked bits of a port, packed into a number (PEXT): a shift when the
 * mask is one run of bits (the default's low bits), else bit by bit. */
static inline unsigned
nfg_mask_value(uint16_t port, uint16_t mask)
{
	if (mask == 0)
		return 0;
	unsigned low = (unsigned)__builtin_ctz(mask), run = (unsigned)mask >> low;
	if ((run & (run + 1)) == 0)
		return ((unsigned)port >> low) & run;
	unsigned v = 0, out_bit = 0;

	for (unsigned b = 0; b < 16; b++) {
		if (!(mask & (1u << b)))
			continue;
		if (port & (1u << b))
			v |= 1u << out_bit;
		out_bit++;
	}
	return v;
}

/* The smallest run of low bits that names every worker (0 for one worker). */
uint16_t nfg_port_mask_default(unsigned workers);

/* A local port range cut into per-worker shares by a mask. */
struct nfg_port_slices {
	uint16_t lo, hi, mask;
	unsigned workers;
	uint32_t *start;   /* start[w]: first of w's ports in ports[]; start[workers] = total */
	uint16_t *ports;   /* all ports of [lo, hi], grouped by owner, ascending */
	uint32_t *index;   /* index[p - lo]: p's position within its owner's group */
};

static inline unsigned
nfg_slice_owner(uint16_t mask, unsigned workers, uint16_t port)
{
	unsigned v = nfg_mask_value(port, mask);

	/* No division on the data path for the usual counts of workers. */
	return (workers & (workers - 1)) == 0 ? v & (workers - 1) : v % workers;
}

/*
 * Cuts [lo, hi] for `workers` by `mask` (0: nfg_port_mask_default). Fails,
 * with a message in err, when the mask cannot name every worker or a worker
 * would own no port of the range.
 */
int nfg_slices_init(struct nfg_port_slices *s, uint16_t lo, uint16_t hi, uint16_t mask,
		    unsigned workers, char *err, size_t errlen);
void nfg_slices_free(struct nfg_port_slices *s);

static inline uint32_t
nfg_slice_count(const struct nfg_port_slices *s, unsigned worker)
{
	return s->start[worker + 1] - s->start[worker];
}

static inline uint16_t
nfg_slice_port(const struct nfg_port_slices *s, unsigned worker, uint32_t i)
{
	return s->ports[s->start[worker] + i];
}

/* NFG_STEER_NONE: the addresses are the operator's, but packets for them
 * stay where they arrive (connections that arrive: listen addresses). */
enum nfg_steer_by { NFG_STEER_BY_PORT, NFG_STEER_BY_IP, NFG_STEER_NONE };

/* Local addresses an operator owns on its port, and which worker owns each. */
struct nfg_claim {
	enum nfg_steer_by by;
	uint8_t proto;            /* IPPROTO_TCP, IPPROTO_UDP */
	uint32_t ip_lo, ip_hi;    /* local addresses, host byte order; 0 to UINT32_MAX:
				   * any address of the port (the port's own). IPv6:
				   * the addresses' last 32 bits */
	uint16_t port_lo, port_hi;
	uint16_t mask;            /* NFG_STEER_BY_PORT */
	unsigned workers;
	const char *owner;        /* the node that declared it, for messages */
	bool ipv6;                /* IPv6 addresses: ip6_prefix, then ip_lo..ip_hi */
	uint8_t ip6_prefix[12];
};

static inline bool
nfg_claim_any_address(const struct nfg_claim *c)
{
	return !c->ipv6 && c->ip_lo == 0 && c->ip_hi == UINT32_MAX;
}

/* True when an IPv6 claim covers address a (network order). */
static inline bool
nfg_claim_owns_ipv6(const struct nfg_claim *c, const uint8_t a[16])
{
	uint32_t last;

	if (!c->ipv6 || memcmp(a, c->ip6_prefix, sizeof(c->ip6_prefix)) != 0)
		return false;
	memcpy(&last, a + 12, 4);
	last = rte_be_to_cpu_32(last);
	return c->ip_lo <= last && last <= c->ip_hi;
}

/* During setup: the port's packets for these local addresses are the
 * claimant's, and (steered claims on several workers) belong to the worker
 * the claim names. Returns -1 with a message in err when the port is unknown
 * or full, or when the claim overlaps another operator's (same protocol,
 * common addresses and ports). */
int nfg_port_claim(const char *port_name, const struct nfg_claim *c, char *err, size_t errlen);

/* During setup: how many IPv4 and IPv6 addresses the graph gives the port
 * (what `nfg check` can judge before any port starts). -1 for an unknown port. */
int nfg_port_addresses(const char *port_name, unsigned *nb_ipv4, unsigned *nb_ipv6);
/* During setup: whether `addr` (4 bytes for AF_INET, 16 for AF_INET6, network
 * order) is one of the addresses the graph gives the port. */
bool nfg_port_has_address(const char *port_name, int family, const uint8_t *addr);

struct nfg_port_steer; /* a port's software steering (nfg_port.steer), opaque */

/*
 * For an operator receiving from a port whose `steer` is not NULL (the
 * device could not steer the claimed shares itself), once per burst on
 * worker `worker`:
 *
 * nfg_steer_take(): up to `room` packets other workers handed to this one,
 * into objs; `next_from` (the caller's, zero to begin with) rotates which
 * worker is taken from first, so none is favoured.
 *
 * nfg_steer_hand_off(): of the n packets at objs, those another worker owns
 * go onto that worker's ring (in order, a burst per owner). The packets that
 * stay come first, and their number is returned; *handed says how many were
 * handed over; the *full packets whose owner's ring was full follow the
 * kept ones, for the caller to drop and count. At most RTE_GRAPH_BURST_SIZE
 * packets are steered; the first ones of a longer stream stay here.
 */
uint16_t nfg_steer_take(const struct nfg_port_steer *st, unsigned worker, unsigned *next_from,
			void **objs, uint16_t room);
uint16_t nfg_steer_hand_off(const struct nfg_port_steer *st, unsigned worker, void **objs,
			    uint16_t n, uint16_t *handed, uint16_t *full);

#ifdef __cplusplus
}
#endif

#endif
