/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_service: runs a plugin's TCP service (include/nfg/tcp.h) on the
 * connections peers open: the listener (tcp_listener.h) accepts and tracks
 * them, tcp_service.c gives each its send buffer and the service's state.
 */
#include <rte_malloc.h>

#include "nf_builtin.h"
#include "tcp_listener.h"
#include "tcp_params.h"
#include "tcp_service.h"

struct server_config {
	struct tcp_listener_config listener;
	struct service_config service;
};

struct server_worker {
	struct tcp_listener l; /* first: the shared reporting reads its engine */
	struct service_side side;
};

static void
listener_established(void *role, struct tcp_conn *c)
{
	tcp_listener_established(role, c);
}

static void
listener_released(void *role, struct tcp_conn *c)
{
	tcp_listener_released(role, c);
}

static void
server_config_free(void *p)
{
	struct server_config *cfg = p;

	tcp_service_config_release(&cfg->service);
	free(cfg);
}

static int
server_setup(struct nfg_instance *inst)
{
	struct server_config *cfg = calloc(1, sizeof(*cfg));
	uint64_t per_conn;

	if (!cfg)
		return -1;
	nfg_instance_set_config(inst, cfg, server_config_free);
	if (tcp_service_setup(inst, &cfg->service, &per_conn) < 0)
		return -1;
	return tcp_listener_setup(inst, &cfg->listener, per_conn);
}

static int
server_start(struct nfg_instance *inst)
{
	struct server_config *cfg = nfg_instance_config(inst);

	return tcp_listener_start(inst, &cfg->listener);
}

static int
server_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct server_config *cfg = nfg_instance_config(inst);
	int socket = nfg_worker_socket(worker);
	struct server_worker *w = rte_zmalloc_socket("tcp_service", sizeof(*w),
						     RTE_CACHE_LINE_SIZE, socket);

	if (!w)
		return -1;
	nfg_node_set_state(node, w);
	w->side.role = &w->l;
	w->side.established = listener_established;
	w->side.released = listener_released;
	if (tcp_service_side_init(&w->side, inst, &cfg->service, &w->l.e, worker,
				  cfg->listener.max_connections, socket) < 0)
		return -1;
	return tcp_listener_init(&w->l, inst, &cfg->listener, &tcp_service_app, &w->side, worker,
				 node, socket);
}

static void
server_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct server_worker *w = nfg_node_state(node);
	(void)worker;

	if (!w)
		return;
	tcp_listener_fini(&w->l, inst);
	tcp_service_side_free(&w->side);
	rte_free(w);
}

static const struct nfg_param server_params[] = {
	TCP_ENGINE_PARAMS,
	TCP_LISTENER_PARAMS(65536),
	TCP_SERVICE_PARAMS,
	{ 0 },
};

static const struct nfg_op tcp_service_op = {
	.api_version = NFG_API_VERSION,
	TCP_OP_COMMON,
	.name = "tcp_service",
	.summary = "accept TCP connections for a plugin's service (nfg/tcp.h)",
	.doc = "Runs the server side of a TCP service a plugin brings: the plugin's callbacks\n"
	       "see each connection's bytes in order and queue replies; nfg's TCP engine does\n"
	       "the handshakes, retransmission, windows, congestion control, TIME_WAIT,\n"
	       "records and counters, as for tcp_server. Its output is TCP frames (IPv4,\n"
	       "IPv6): set next_hop_mac, or send them through arp (and nd).",
	.input_doc = "parsed TCP segments (IPv4, IPv6) addressed to the service",
	.example = "\"kv\": {\"op\": \"tcp_service\", \"service\": \"resp\", \"port\": \"p0\", "
		   "\"listen\": [\"*:6379\"]}",
	.params = server_params,
	.setup = server_setup,
	.start = server_start,
	.init = server_init,
	.process = tcp_listener_process,
	.poll = tcp_listener_poll,
	.fini = server_fini,
	.histograms = tcp_server_histograms,
};

NFG_OPERATOR_REGISTER(tcp_service_op);
