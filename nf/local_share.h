/* SPDX-License-Identifier: BSD-3-Clause
 *
 * A worker's share of the local addresses an NF opens connections from
 * (tcp_client, tcp_proxy's backend side), so that each answer can be
 * steered to the worker that opened the connection (include/nfg/steering.h):
 *
 *  - "port_mask": every worker uses every local address, and the local ports
 *    whose masked bits name it;
 *  - "ip": worker i uses the local addresses i, i + W, i + 2W, ... with every
 *    port of the range.
 *
 * A share is numbered by slot, address-major: slot = address index * ports
 * per address + port index. Slot to (address, port) and back are O(1).
 */
#ifndef NFG_NF_LOCAL_SHARE_H
#define NFG_NF_LOCAL_SHARE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ip.h>

#include "nfg/operator.h"
#include "nfg/packet.h"
#include "nfg/steering.h"

#define LOCAL_SHARE_PARAMS                                                                     \
	{ .name = "steering", .type = NFG_T_ENUM, .def = "\"port_mask\"",                      \
	  .choices = local_share_modes,                                                        \
	  .doc = "how workers share the local addresses: by local port bits (port_mask) or "   \
		 "one local IP address per worker (ip, needs an address per worker)" },        \
	{ .name = "port_mask", .type = NFG_T_INT, .def = "0", .min = 0, .max = 65535,          \
	  .doc = "local port bits that name the owning worker (0: the fewest low bits that "   \
		 "name every worker)" }

extern const char *const local_share_modes[];

/* Local addresses as a parameter gives them: IPv4, or IPv6 addresses that
 * differ in their last 32 bits only (then first and nb count those). */
struct local_addresses {
	uint32_t first, nb;          /* host order; nb 0: not given */
	bool ipv6;
	uint8_t ip6_prefix[12];      /* IPv6: the first 96 bits of every address */
};

/*
 * A share is numbered by 32-bit address "names": the IPv4 address, or an
 * IPv6 address's last 32 bits. An IPv4 share may carry IPv6 connections
 * too: those leave from the port's IPv6 address, and their slots are named
 * by the share's one IPv4 address (the port's own).
 */
struct local_share {
	enum nfg_steer_by by;
	uint32_t ip_first, nb_ips;   /* host order; nb_ips 0: the port's address, set later */
	uint16_t port_lo, port_hi;
	unsigned workers;
	bool ipv6;                   /* IPv6 addresses: ip6_prefix, then the name */
	uint8_t ip6_prefix[12];
	struct nfg_port_slices slices; /* by port */
};

/*
 * From the node's "steering" and "port_mask" parameters, for local addresses
 * [ip_first, ip_first + nb_ips) (nb_ips 0: not known before the port starts;
 * "ip" steering then refuses) and ports [lo, hi]. Declares the share on
 * `port` so the port steers answers to their worker. Errors name `what`.
 */
/* A "src_ips" parameter: "a.b.c.d", "a.b.c.d-a.b.c.e", or the same of IPv6
 * addresses ("2001:db8::10-2001:db8::1f"); a->nb 0 when it is absent. */
int local_share_parse_ips(struct nfg_instance *inst, const char *param,
			  struct local_addresses *a);

/* A peer's address (entry i of the list `param`, e.g. "targets", as written:
 * `text`) must be one a host can have (nfg_ip_unfit), and not one of ours:
 * not an address the graph gives `port`, not among the sources `src` (parsed
 * before). 0, or -1 after nfg_error() on "param[i].ip". */
int local_share_check_peer_ip(struct nfg_instance *inst, const char *param, size_t i,
			      const char *text, int family, const uint8_t *a,
			      const struct local_addresses *src, const char *port);

/* Sources and the peers they reach must fit: addresses are sent and
 * rewritten as they are, never translated between families, so IPv6 sources
 * reach only IPv6 peers; and the IPv6 connections of an IPv4 share are named
 * by its one address, so an IPv4 range reaches only IPv4 peers. `v4_peer`
 * names the first IPv4 peer (NULL: none), `peers` what they are ("targets").
 * And `port`, the one they are reached through, needs an IPv6 address for
 * IPv6 peers, and an IPv4 one for IPv4 peers when `a` gives no source.
 * 0, or -1 after nfg_error() on `param` (or `peers`). */
int local_share_check_peers(struct nfg_instance *inst, const char *param,
			    const struct local_addresses *a, const char *v4_peer, bool any_v6_peer,
			    const char *peers, const char *port);

int local_share_init(struct local_share *s, struct nfg_instance *inst, const char *port,
		     const char *what, const struct local_addresses *a, uint16_t lo, uint16_t hi);
void local_share_free(struct local_share *s);

/* The worker's slots in the order connections should take them: port-major,
 * so that consecutive connections differ in address and port. */
void local_share_slot_order(const struct local_share *s, unsigned worker, uint32_t *order);

/* Once the address is known (nb_ips was 0 at init). */
static inline void
local_share_set_address(struct local_share *s, uint32_t ip)
{
	s->ip_first = ip;
	s->nb_ips = 1;
}

static inline uint32_t
local_share_ports_per_ip(const struct local_share *s, unsigned worker)
{
	return s->by == NFG_STEER_BY_PORT ? nfg_slice_count(&s->slices, worker)
					  : (uint32_t)s->port_hi - s->port_lo + 1u;
}

static inline uint32_t
local_share_ips(const struct local_share *s, unsigned worker)
{
	if (s->by == NFG_STEER_BY_PORT)
		return s->nb_ips;
	return worker < s->nb_ips ? (s->nb_ips - worker + s->workers - 1) / s->workers : 0;
}

static inline uint32_t
local_share_slots(const struct local_share *s, unsigned worker)
{
	return local_share_ips(s, worker) * local_share_ports_per_ip(s, worker);
}

/* The local address and port of a slot, network byte order. */
static inline void
local_share_addr(const struct local_share *s, unsigned worker, uint32_t slot, uint32_t *ip,
		 uint16_t *port)
{
	uint32_t per_ip = local_share_ports_per_ip(s, worker);
	uint32_t k = slot / per_ip, j = slot % per_ip;

	if (s->by == NFG_STEER_BY_PORT) {
		*ip = rte_cpu_to_be_32(s->ip_first + k);
		*port = rte_cpu_to_be_16(nfg_slice_port(&s->slices, worker, j));
	} else {
		*ip = rte_cpu_to_be_32(s->ip_first + worker + k * s->workers);
		*port = rte_cpu_to_be_16((uint16_t)(s->port_lo + j));
	}
}

/* The name of a received segment's local address in the share (network
 * order): IPv4's address; an IPv6 address's last 32 bits in an IPv6 share;
 * in an IPv4 share, for IPv6, its one address. Only for parsed IP frames. */
static inline uint32_t
local_share_name(const struct local_share *s, struct rte_mbuf *m)
{
	uint32_t last;

	if (likely(nfg_is_ipv4(m)))
		return ((const struct rte_ipv4_hdr *)nfg_l3(m))->dst_addr;
	if (!s->ipv6)
		return rte_cpu_to_be_32(s->ip_first);
	memcpy(&last, ((const struct rte_ipv6_hdr *)nfg_l3(m))->dst_addr + 12, 4);
	return last;
}

/* An IPv6 share's address of name ip_be (network order). */
static inline void
local_share_addr6(const struct local_share *s, uint32_t ip_be, uint8_t a[16])
{
	memcpy(a, s->ip6_prefix, sizeof(s->ip6_prefix));
	memcpy(a + 12, &ip_be, 4);
}

/* The worker whose share holds (ip, port) (network byte order), or
 * UINT32_MAX when it is in no worker's share. */
static inline uint32_t
local_share_owner(const struct local_share *s, uint32_t ip_be, uint16_t port_be)
{
	uint32_t g = rte_be_to_cpu_32(ip_be) - s->ip_first;
	uint16_t p = rte_be_to_cpu_16(port_be);

	if (g >= s->nb_ips || p < s->port_lo || p > s->port_hi)
		return UINT32_MAX;
	if (s->by == NFG_STEER_BY_PORT)
		return nfg_slice_owner(s->slices.mask, s->workers, p);
	return g % s->workers;
}

/* True when (ip, port) belongs to another worker than `worker`: a packet for
 * it reached the wrong worker (steering missed it). */
static inline bool
local_share_foreign(const struct local_share *s, unsigned worker, uint32_t ip_be,
		    uint16_t port_be)
{
	uint32_t owner = local_share_owner(s, ip_be, port_be);

	return owner != UINT32_MAX && owner != worker;
}

/* The slot of (ip, port) (network byte order) in the worker's share, or
 * UINT32_MAX when the address is not this worker's. */
static inline uint32_t
local_share_slot(const struct local_share *s, unsigned worker, uint32_t ip_be, uint16_t port_be)
{
	if (local_share_owner(s, ip_be, port_be) != worker)
		return UINT32_MAX;
	uint32_t g = rte_be_to_cpu_32(ip_be) - s->ip_first;
	uint16_t p = rte_be_to_cpu_16(port_be);
	if (s->by == NFG_STEER_BY_PORT)
		return g * nfg_slice_count(&s->slices, worker) + s->slices.index[p - s->port_lo];
	return (g / s->workers) * ((uint32_t)s->port_hi - s->port_lo + 1u) + (p - s->port_lo);
}

#endif
