/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The addresses a TCP operator accepts connections on: a "listen" parameter
 * of "ADDRESS:PORT", "[IPV6-ADDRESS]:PORT" or "*:PORT" strings ("*": any
 * address of either family). Parsing it claims each address on
 * the operator's port (include/nfg/steering.h), so arp answers for a listen
 * address that is not the port's own and two operators cannot listen on the
 * same address and port.
 */
#ifndef NFG_NF_LISTEN_SET_H
#define NFG_NF_LISTEN_SET_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "nfg/operator.h"

#define LISTEN_MAX 16

struct listen_set {
	uint32_t ip[LISTEN_MAX];   /* network order, 0: any address (of either family) */
	uint8_t ip6[LISTEN_MAX][16]; /* an IPv6 address, where is6 */
	bool is6[LISTEN_MAX];
	uint16_t port[LISTEN_MAX]; /* network order */
	unsigned nb;
};

/* From the node's parameter `param` (a list of strings), claimed on `port`;
 * an IPv6 address must be one of the port's own (nd answers solicitations
 * only for those). Errors name the entry ("listen[1]"). */
int listen_set_parse(struct listen_set *ls, struct nfg_instance *inst, const char *param,
		     const char *port);

/* Network byte order. */
static inline bool
listen_set_match(const struct listen_set *ls, uint32_t ip, uint16_t port)
{
	for (unsigned i = 0; i < ls->nb; i++)
		if (ls->port[i] == port && !ls->is6[i] && (ls->ip[i] == 0 || ls->ip[i] == ip))
			return true;
	return false;
}

/* The same for an IPv6 destination: "*" entries and equal IPv6 ones. */
static inline bool
listen_set_match6(const struct listen_set *ls, const uint8_t ip[16], uint16_t port)
{
	for (unsigned i = 0; i < ls->nb; i++)
		if (ls->port[i] == port &&
		    (ls->is6[i] ? memcmp(ls->ip6[i], ip, 16) == 0 : ls->ip[i] == 0))
			return true;
	return false;
}

#endif
