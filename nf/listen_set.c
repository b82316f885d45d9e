/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "listen_set.h"
#include "nfg/steering.h"
#include "nfg/values.h"

int
listen_set_parse(struct listen_set *ls, struct nfg_instance *inst, const char *param,
		 const char *port_name)
{
	json_t *list = nfg_param(inst, param), *v;
	size_t i;

	memset(ls, 0, sizeof(*ls));
	json_array_foreach(list, i, v) {
		char where[48], ip[64], err[256], *end;
		const char *s = json_string_value(v), *colon = strrchr(s, ':');
		long port = colon ? strtol(colon + 1, &end, 10) : -1;

		snprintf(where, sizeof(where), "%s[%zu]", param, i);
		if (i >= LISTEN_MAX)
			return nfg_error(inst, where, "at most %d listen addresses", LISTEN_MAX);
		if (!colon || colon[1] == '\0' || *end || port < 1 || port > 65535 ||
		    (size_t)(colon - s) >= sizeof(ip))
			return nfg_error(inst, where, "expected \"ADDRESS:PORT\", \"[IPV6]:PORT\" or "
					 "\"*:PORT\", got \"%s\"", s);
		snprintf(ip, sizeof(ip), "%.*s", (int)(colon - s), s);
		size_t n = strlen(ip);
		if (ip[0] == '[' && n > 2 && ip[n - 1] == ']') {
			ip[n - 1] = '\0';
			if (inet_pton(AF_INET6, ip + 1, ls->ip6[i]) != 1)
				return nfg_error(inst, where, "\"%s\" is not an IPv6 address", ip + 1);
			ls->is6[i] = true;
		} else if (strcmp(ip, "*") != 0 && nfg_parse_ipv4(ip, &ls->ip[i]) < 0) {
			return nfg_error(inst, where, "\"%s\" is not an IPv4 address, [IPv6 address] "
					 "or *", ip);
		}
		ls->port[i] = rte_cpu_to_be_16((uint16_t)port);
		ls->nb = (unsigned)i + 1;
		/* An IPv6 address is answered for by nd as one of the port's own
		 * (only those): it must be one. Claims (steering, arp) are IPv4's. */
		if (ls->is6[i] && !nfg_port_has_address(port_name, AF_INET6, ls->ip6[i]))
			return nfg_error(inst, where, "%s is not one of port %s's ipv6 addresses "
					 "(nd answers only for those)", ip + 1, port_name);
		if (ls->is6[i])
			continue;

		struct nfg_claim claim = {
			.by = NFG_STEER_NONE,
			.proto = IPPROTO_TCP,
			.ip_lo = ls->ip[i] ? ntohl(ls->ip[i]) : 0,
			.ip_hi = ls->ip[i] ? ntohl(ls->ip[i]) : UINT32_MAX,
			.port_lo = (uint16_t)port,
			.port_hi = (uint16_t)port,
			.workers = nfg_worker_count(),
			.owner = nfg_instance_name(inst),
		};
		if (nfg_port_claim(port_name, &claim, err, sizeof(err)) < 0)
			return nfg_error(inst, where, "%s", err);
	}
	return 0;
}
