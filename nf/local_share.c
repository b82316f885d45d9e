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
#include "nfg/values.h"

const char *const local_share_modes[] = { "port_mask", "ip", NULL };

int
local_share_parse_ips(struct nfg_instance *inst, const char *param, uint32_t *first,
		      uint32_t *nb)
{
	const char *s = nfg_param_string(inst, param);

	*first = *nb = 0;
	if (!s)
		return 0;
	if (nfg_parse_ipv4_range(s, first, nb) < 0 || *nb > 4096)
		return nfg_error(inst, param, "expected \"a.b.c.d\" or a range \"a.b.c.d-a.b.c.e\" "
				 "of at most 4096 addresses, got \"%s\"", s);
	return 0;
}

int
local_share_init(struct local_share *s, struct nfg_instance *inst, const char *port,
		 const char *what, uint32_t ip_first, uint32_t nb_ips, uint16_t lo, uint16_t hi)
{
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
	};
	if (nfg_port_claim(port, &claim, err, sizeof(err)) < 0)
		return nfg_error(inst, what, "%s", err);
	return 0;
}

void
local_share_free(struct local_share *s)
{
	nfg_slices_free(&s->slices);
}
