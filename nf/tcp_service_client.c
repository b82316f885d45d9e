/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_service_client: runs a plugin's TCP service (include/nfg/tcp.h) on
 * connections it opens: the connector (tcp_connector.h) opens them to the
 * targets at the configured rate, tcp_service.c gives each its send buffer and
 * the service's state. The service speaks first, in established(), and ends
 * each connection with nfg_tcp_close() (or nfg_tcp_reset()) when its exchange
 * is over: a traffic generator for any protocol.
 */
#include <rte_malloc.h>

#include "nf_builtin.h"
#include "tcp_connector.h"
#include "tcp_params.h"
#include "tcp_service.h"

struct client_config {
	struct tcp_connector_config connector;
	struct service_config service;
};

struct client_worker {
	struct tcp_connector k; /* first: the shared reporting reads its engine */
	struct service_side side;
};

static void
connector_released(void *role, struct tcp_conn *c)
{
	tcp_connector_released(role, c);
}

static void
connector_time_wait(void *role, struct tcp_conn *c)
{
	tcp_connector_time_wait(role, c);
}

static void
client_config_free(void *p)
{
	struct client_config *cfg = p;

	tcp_service_config_release(&cfg->service);
	tcp_connector_config_free(&cfg->connector);
	free(cfg);
}

static int
client_setup(struct nfg_instance *inst)
{
	struct client_config *cfg = calloc(1, sizeof(*cfg));
	uint64_t per_conn;

	if (!cfg)
		return -1;
	nfg_instance_set_config(inst, cfg, client_config_free);
	if (tcp_service_setup(inst, &cfg->service, &per_conn) < 0)
		return -1;
	return tcp_connector_setup(inst, &cfg->connector, per_conn);
}

static int
client_start(struct nfg_instance *inst)
{
	struct client_config *cfg = nfg_instance_config(inst);

	return tcp_connector_start(inst, &cfg->connector);
}

static int
client_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct client_config *cfg = nfg_instance_config(inst);
	int socket = nfg_worker_socket(worker);
	struct client_worker *w = rte_zmalloc_socket("tcp_service_client", sizeof(*w),
						     RTE_CACHE_LINE_SIZE, socket);

	if (!w)
		return -1;
	nfg_node_set_state(node, w);
	w->side.role = &w->k;
	w->side.released = connector_released;
	w->side.time_wait = connector_time_wait;
	if (tcp_connector_init(&w->k, inst, &cfg->connector, &tcp_service_app, &w->side, worker,
			       node, socket) < 0)
		return -1;
	return tcp_service_side_init(&w->side, inst, &cfg->service, &w->k.e, worker,
				     w->k.e.nb_conns, socket);
}

static void
client_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct client_worker *w = nfg_node_state(node);
	(void)worker;

	if (!w)
		return;
	tcp_connector_fini(&w->k, inst);
	tcp_service_side_free(&w->side);
	rte_free(w);
}

static const struct nfg_param client_params[] = {
	TCP_ENGINE_PARAMS,
	TCP_CONNECTOR_PARAMS,
	TCP_SERVICE_PARAMS,
	{ 0 },
};

static const struct nfg_op tcp_service_client_op = {
	.api_version = NFG_API_VERSION,
	TCP_OP_COMMON_COUNTING(tcp_client_counters),
	.name = "tcp_service_client",
	.summary = "open TCP connections at a rate for a plugin's service (nfg/tcp.h)",
	.doc = "Runs the client side of a TCP service a plugin brings: opens connections to\n"
	       "the targets (weighted) from its source addresses and ports at a rate, as\n"
	       "tcp_client does; the plugin's callbacks speak first when a connection is\n"
	       "established, read the answers and close. Handshakes, retransmission, windows,\n"
	       "congestion control, TIME_WAIT, records and counters are the engine's. Its\n"
	       "output is TCP frames (IPv4, IPv6): set next_hop_mac, or send them through arp\n"
	       "(and nd).",
	.input_doc = "parsed TCP segments (IPv4, IPv6) addressed to the client's ports",
	.example = "\"gen\": {\"op\": \"tcp_service_client\", \"service\": \"resp_ping\", "
		   "\"port\": \"p0\", \"targets\": [{\"ip\": \"198.18.0.2\", \"port\": 6379}], "
		   "\"connections\": 1000}",
	.params = client_params,
	.setup = client_setup,
	.start = client_start,
	.init = client_init,
	.process = tcp_connector_process,
	.poll = tcp_connector_poll,
	.done = tcp_connector_done,
	.fini = client_fini,
	.histograms = tcp_client_histograms,
};

NFG_OPERATOR_REGISTER(tcp_service_client_op);
