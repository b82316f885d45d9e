/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Cutting local addresses into per-worker shares (local_share.h) and
 * declaring them on the port.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>

#include "local_share.h"
#include "nfg/steering.h"
#include "nfg/values.h"

const char *const local_share_modes[] = { "port_mask", "ip", NULL };

int
local_share_parse_ips(struct nfg_instance *inst, const char *param, struct local_addresses *a)
{
	const char *s = nfg_param_string(inst, param);
	uint8_t first[16];
	int family;

	memset(a, 0, sizeof(*a));
	if (!s)
		return 0;
	if (nfg_parse_ip_range(s, &family, first, &a->nb) < 0 || a->nb > 4096)
		return nfg_error(inst, param, "expected an address or a range of at most 4096: "
				 "\"a.b.c.d\", \"a.b.c.d-a.b.c.e\", or IPv6 addresses that differ "
				 "in their last 32 bits (\"2001:db8::10-2001:db8::1f\"), got \"%s\"", s);
	a->ipv6 = family == AF_INET6;
	if (a->ipv6)
		memcpy(a->ip6_prefix, first, sizeof(a->ip6_prefix));
	memcpy(&a->first, first + (a->ipv6 ? 12 : 0), 4);
	a->first = rte_be_to_cpu_32(a->first);
	return 0;
}

int
local_share_check_peers(struct nfg_instance *inst, const char *param,
			const struct local_addresses *a, const char *v4_peer, bool any_v6_peer,
			const char *peers, const char *port)
{
	unsigned nb_ipv4, nb_ipv6;

	if (nfg_port_addresses(port, &nb_ipv4, &nb_ipv6) == 0) {
		/* Also for IPv6 source addresses: the port's prefix is what tells
		 * nd which neighbours are on the link. */
		if (any_v6_peer && nb_ipv6 == 0)
			return nfg_error(inst, peers, "IPv6 %s, and port %s has no ipv6 address (%s)",
					 peers, port, a->ipv6 ? "the link's prefix" : "to send from");
		if (a->nb == 0 && v4_peer && nb_ipv4 == 0)
			return nfg_error(inst, param, "not given, and port %s has no ipv4 address",
					 port);
	}
	if (a->ipv6 && v4_peer)
		return nfg_error(inst, param, "IPv6 source addresses, and %s is IPv4: give IPv4 "
				 "%s a node of their own", v4_peer, peers);
	if (!a->ipv6 && a->nb > 1 && any_v6_peer)
		return nfg_error(inst, param, "IPv4 source addresses, and IPv6 %s: give IPv6 "
				 "%s, or one IPv4 address or none", peers, param);
	return 0;
}

int
local_share_init(struct local_share *s, struct nfg_instance *inst, const char *port,
		 const char *what, const struct local_addresses *a, uint16_t lo, uint16_t hi)
{
	uint32_t ip_first = a->first, nb_ips = a->nb;
	char err[160];
	unsigned workers = nfg_worker_count();

	memset(s, 0, sizeof(*s));
	/* Port 0 means "any" to a socket API and is reset by real peers. */
	if (lo == 0)
		return nfg_error(inst, "src_ports", "port 0 cannot be a source port (peers reset "
				 "it): start the range at 1 or above");
	s->by = strcmp(nfg_param_string(inst, "steering"), "ip") == 0 ? NFG_STEER_BY_IP
								     : NFG_STEER_BY_PORT;
	s->ip_first = ip_first;
	s->nb_ips = nb_ips;
	s->ipv6 = a->ipv6;
	memcpy(s->ip6_prefix, a->ip6_prefix, sizeof(s->ip6_prefix));
	s->port_lo = lo;
	s->port_hi = hi;
	s->workers = workers;
	if (s->by == NFG_STEER_BY_IP) {
		if (nb_ips == 0)
			return nfg_error(inst, what, "steering \"ip\" gives each worker its own "
					 "address: give %s a range of at least %u", what, workers);
		if (nb_ips < workers)
			return nfg_error(inst, what, "steering \"ip\" gives each worker its own "
					 "address: %u workers need at least %u addresses, got %u",
					 workers, workers, nb_ips);
	} else if (nfg_slices_init(&s->slices, lo, hi, (uint16_t)nfg_param_int(inst, "port_mask"),
				   workers, err, sizeof(err)) < 0) {
		return nfg_error(inst, "port_mask", "%s", err);
	}
	struct nfg_claim claim = {
		.by = s->by,
		.proto = IPPROTO_TCP,
		.ip_lo = nb_ips ? ip_first : 0,
		.ip_hi = nb_ips ? ip_first + nb_ips - 1 : UINT32_MAX,
		.port_lo = lo,
		.port_hi = hi,
		.mask = s->slices.mask,
		.workers = workers,
		.owner = nfg_instance_name(inst),
		.ipv6 = a->ipv6,
	};
	memcpy(claim.ip6_prefix, a->ip6_prefix, sizeof(claim.ip6_prefix));
	if (nfg_port_claim(port, &claim, err, sizeof(err)) < 0)
		return nfg_error(inst, what, "%s", err);
	return 0;
}

void
local_share_slot_order(const struct local_share *s, unsigned worker, uint32_t *order)
{
	uint32_t nb_ips = local_share_ips(s, worker), per_ip = local_share_ports_per_ip(s, worker);

	for (uint32_t p = 0, i = 0; p < per_ip; p++)
		for (uint32_t ip = 0; ip < nb_ips; ip++)
			order[i++] = ip * per_ip + p;
}

void
local_share_free(struct local_share *s)
{
	nfg_slices_free(&s->slices);
}

int
local_share_check_peer_ip(struct nfg_instance *inst, const char *param, size_t i,
			  const char *text, int family, const uint8_t *a,
			  const struct local_addresses *src, const char *port)
{
	const char *why = nfg_ip_unfit(family, a);
	char where[48];

	snprintf(where, sizeof(where), "%s[%zu].ip", param, i);
	if (why)
		return nfg_error(inst, where, "%s is %s: no host to connect to", text, why);
	/* Our own address: a connection to ourselves, which nothing answers
	 * (arp and nd resolve no address of ours), left to time out. */
	if (nfg_port_has_address(port, family, a))
		return nfg_error(inst, where, "%s is port %s's own address: no host to connect to",
				 text, port);
	uint32_t name;
	memcpy(&name, a + (family == AF_INET6 ? 12 : 0), 4);
	name = rte_be_to_cpu_32(name);
	if (src->nb && src->ipv6 == (family == AF_INET6) &&
	    (!src->ipv6 || memcmp(src->ip6_prefix, a, sizeof(src->ip6_prefix)) == 0) &&
	    name - src->first < src->nb)
		return nfg_error(inst, where, "%s is one of the source addresses: no host to "
				 "connect to", text);
	return 0;
}
