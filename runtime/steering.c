/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Steering (include/nfg/steering.h, steer.h): the port-slice arithmetic and
 * the claims operators declare on their ports. Installing rte_flow rules and
 * making the hand-off rings are in steer_port.c, the software hand-off
 * itself (the owner of each received packet) in steer_handoff.c.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "runtime.h"
#include "steer.h"

const uint8_t nfg_rss_key_symmetric[NFG_STEER_KEY_LEN] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

uint16_t
nfg_port_mask_default(unsigned workers)
{
	uint16_t mask = 0;

	while ((1u << __builtin_popcount(mask)) < workers)
		mask = (uint16_t)(mask << 1 | 1);
	return mask;
}

int
nfg_slices_init(struct nfg_port_slices *s, uint16_t lo, uint16_t hi, uint16_t mask,
		unsigned workers, char *err, size_t errlen)
{
	uint32_t range = (uint32_t)hi - lo + 1u;

	memset(s, 0, sizeof(*s));
	if (workers == 0 || hi < lo) {
		snprintf(err, errlen, "empty port range or no workers");
		return -1;
	}
	if (mask == 0)
		mask = nfg_port_mask_default(workers);
	if ((1u << __builtin_popcount(mask)) < workers) {
		snprintf(err, errlen, "port_mask 0x%x names %u owners, the graph has %u workers",
			 mask, 1u << __builtin_popcount(mask), workers);
		return -1;
	}
	s->lo = lo;
	s->hi = hi;
	s->mask = mask;
	s->workers = workers;
	s->start = calloc(workers + 1, sizeof(*s->start));
	s->ports = calloc(range, sizeof(*s->ports));
	s->index = calloc(range, sizeof(*s->index));
	if (!s->start || !s->ports || !s->index) {
		nfg_slices_free(s);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Count each worker's ports, then place them after the earlier workers'. */
	uint32_t *fill = calloc(workers, sizeof(*fill));
	if (!fill) {
		nfg_slices_free(s);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (uint32_t p = lo; p <= hi; p++)
		s->start[nfg_slice_owner(mask, workers, (uint16_t)p) + 1]++;
	for (unsigned w = 0; w < workers; w++) {
		if (s->start[w + 1] == 0) {
			snprintf(err, errlen, "with port_mask 0x%x, worker %u owns no port of %u-%u",
				 mask, w, lo, hi);
			free(fill);
			nfg_slices_free(s);
			return -1;
		}
		s->start[w + 1] += s->start[w];
	}
	for (uint32_t p = lo; p <= hi; p++) {
		unsigned w = nfg_slice_owner(mask, workers, (uint16_t)p);
		s->index[p - lo] = fill[w];
		s->ports[s->start[w] + fill[w]++] = (uint16_t)p;
	}
	free(fill);
	return 0;
}

void
nfg_slices_free(struct nfg_port_slices *s)
{
	free(s->start);
	free(s->ports);
	free(s->index);
	s->start = NULL;
	s->ports = NULL;
	s->index = NULL;
}

static bool
claims_overlap(const struct nfg_claim *a, const struct nfg_claim *b)
{
	return a->proto == b->proto && a->ipv6 == b->ipv6 &&
	       (!a->ipv6 || memcmp(a->ip6_prefix, b->ip6_prefix, sizeof(a->ip6_prefix)) == 0) &&
	       a->ip_lo <= b->ip_hi && b->ip_lo <= a->ip_hi && a->port_lo <= b->port_hi &&
	       b->port_lo <= a->port_hi;
}

/* A claim's address number n as text: IPv4, or IPv6 after its prefix. */
static void
claim_address(const struct nfg_claim *c, uint32_t n, char *buf, size_t len)
{
	uint8_t a[16];
	uint32_t be = htonl(n);

	if (!c->ipv6) {
		inet_ntop(AF_INET, &be, buf, (socklen_t)len);
		return;
	}
	memcpy(a, c->ip6_prefix, 12);
	memcpy(a + 12, &be, 4);
	inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

static const char *
claim_words(const struct nfg_claim *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	claim_address(c, c->ip_lo, a, sizeof(a));
	claim_address(c, c->ip_hi, b, sizeof(b));
	if (nfg_claim_any_address(c))
		snprintf(buf, len, "the port's addresses");
	else if (c->ip_lo == c->ip_hi)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s-%s", a, b);
	size_t n = strlen(buf);
	if (c->port_lo == c->port_hi)
		snprintf(buf + n, len - n, " port %u", c->port_lo);
	else
		snprintf(buf + n, len - n, " ports %u-%u", c->port_lo, c->port_hi);
	return buf;
}

int
nfg_port_addresses(const char *port_name, unsigned *nb_ipv4, unsigned *nb_ipv6)
{
	const struct nfg_port_spec *ps =
		nfg_current_graph ? nfg_graph_port(nfg_current_graph, port_name) : NULL;

	if (!ps)
		return -1;
	*nb_ipv4 = ps->nb_ipv4;
	*nb_ipv6 = ps->nb_ipv6;
	return 0;
}

bool
nfg_port_has_address(const char *port_name, int family, const uint8_t *addr)
{
	const struct nfg_port_spec *ps =
		nfg_current_graph ? nfg_graph_port(nfg_current_graph, port_name) : NULL;

	for (unsigned i = 0; ps && family == AF_INET && i < ps->nb_ipv4; i++)
		if (memcmp(&ps->ipv4[i], addr, 4) == 0)
			return true;
	for (unsigned i = 0; ps && family == AF_INET6 && i < ps->nb_ipv6; i++)
		if (memcmp(ps->ipv6[i], addr, 16) == 0)
			return true;
	return false;
}

int
nfg_port_claim(const char *port_name, const struct nfg_claim *c, char *err, size_t errlen)
{
	struct nfg_port_spec *ps =
		nfg_current_graph ? nfg_graph_port(nfg_current_graph, port_name) : NULL;
	char mine[96], theirs[96];

	if (!ps) {
		snprintf(err, errlen, "unknown port \"%s\"", port_name);
		return -1;
	}
	for (unsigned i = 0; i < ps->nb_claims; i++) {
		const struct nfg_claim *o = &ps->claims[i];
		if (claims_overlap(o, c) && strcmp(o->owner, c->owner) != 0) {
			snprintf(err, errlen, "%s on port %s overlaps %s of %s; give each operator "
				 "its own addresses or ports", claim_words(c, mine, sizeof(mine)),
				 port_name, claim_words(o, theirs, sizeof(theirs)), o->owner);
			return -1;
		}
	}
	bool steers = c->by != NFG_STEER_NONE && c->workers > 1;
	if (ps->nb_claims == NFG_PORT_MAX_CLAIMS ||
	    (steers && ps->nb_steer_rules == NFG_STEER_MAX_RULES)) {
		snprintf(err, errlen, "port %s has %d address claims (%d that steer) already",
			 port_name, NFG_PORT_MAX_CLAIMS, NFG_STEER_MAX_RULES);
		return -1;
	}
	ps->claims[ps->nb_claims++] = *c;
	if (steers)
		ps->steer_rules[ps->nb_steer_rules++] = *c;
	return 0;
}

bool
nfg_port_owns_ipv4(const struct nfg_port *port, uint32_t ip_be)
{
	const struct nfg_port_spec *ps = container_of(port, struct nfg_port_spec, runtime);
	uint32_t ip = ntohl(ip_be);

	for (unsigned i = 0; i < port->nb_ipv4; i++)
		if (port->ipv4[i] == ip_be)
			return true;
	for (unsigned i = 0; i < ps->nb_claims; i++)
		if (!ps->claims[i].ipv6 && !nfg_claim_any_address(&ps->claims[i]) &&
		    ps->claims[i].ip_lo <= ip && ip <= ps->claims[i].ip_hi)
			return true;
	return false;
}

bool
nfg_port_owns_ipv6(const struct nfg_port *port, const uint8_t ip[16])
{
	const struct nfg_port_spec *ps = container_of(port, struct nfg_port_spec, runtime);

	for (unsigned i = 0; i < port->nb_ipv6; i++)
		if (memcmp(port->ipv6[i], ip, 16) == 0)
			return true;
	for (unsigned i = 0; i < ps->nb_claims; i++)
		if (nfg_claim_owns_ipv6(&ps->claims[i], ip))
			return true;
	return false;
}
