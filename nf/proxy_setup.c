/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_proxy's configuration: its parameters, the backends, the policy and
 * hooks (extension points, proxy_registry.c), the engines of both sides, the
 * server side's local addresses (local_share.h) and what every worker will
 * need in memory and mbufs.
 */
#include <arpa/inet.h>
#include <string.h>

#include "nf_builtin.h"
#include "proxy_internal.h"
#include "tcp_params.h"

static int
parse_backends(struct nfg_instance *inst, struct px_config *cfg)
{
	json_t *list = nfg_param(inst, "backends"), *b;
	size_t i;

	json_array_foreach(list, i, b) {
		struct nfg_proxy_backend *be = &cfg->backends[i];
		be->name = json_string_value(json_object_get(b, "name"));
		be->group = json_string_value(json_object_get(b, "group"));
		uint8_t a[16];
		int family = AF_INET; /* the loader checked it as NFG_T_IP */
		nfg_parse_ip(json_string_value(json_object_get(b, "ip")), &family, a);
		if (local_share_check_peer_ip(inst, "backends", i,
					      json_string_value(json_object_get(b, "ip")), family, a,
					      &cfg->src, nfg_param_string(inst, "server_port")) < 0)
			return -1;
		cfg->backend_is6[i] = family == AF_INET6;
		if (cfg->backend_is6[i])
			memcpy(cfg->backend_ip6[i], a, 16); /* be->ip stays 0 */
		else
			memcpy(&be->ip, a, 4);
		cfg->any_v6_backend |= cfg->backend_is6[i];
		be->port = rte_cpu_to_be_16((uint16_t)json_integer_value(json_object_get(b, "port")));
		be->weight = (unsigned)json_integer_value(json_object_get(b, "weight"));
		for (size_t k = 0; k < i; k++)
			if (strcmp(cfg->backends[k].name, be->name) == 0) {
				char where[32];
				snprintf(where, sizeof(where), "backends[%zu].name", i);
				return nfg_error(inst, where, "\"%s\" is used twice", be->name);
			}
		snprintf(cfg->backend_counter_names[i], sizeof(cfg->backend_counter_names[i]),
			 "backend %s", be->name);
	}
	cfg->nb_backends = (unsigned)json_array_size(list);
	return 0;
}

static int
setup_policy_and_hooks(struct nfg_instance *inst, struct px_config *cfg)
{
	const char *name = nfg_param_string(inst, "policy");
	json_t *hooks = nfg_param(inst, "hooks"), *h;
	size_t i;

	cfg->policy = nfg_proxy_policy_find(name);
	if (!cfg->policy)
		return nfg_error(inst, "policy", "no policy \"%s\" (built in: round_robin, "
				 "source_hash, match; plugins add more)", name);
	if (cfg->policy->setup && cfg->policy->setup(inst, nfg_param(inst, "policy_params"),
						     cfg->backends, cfg->nb_backends,
						     &cfg->policy_state) < 0)
		return -1;
	json_array_foreach(hooks, i, h) {
		char where[32];
		const struct nfg_proxy_hook *hook = nfg_proxy_hook_find(json_string_value(h));
		snprintf(where, sizeof(where), "hooks[%zu]", i);
		if (!hook)
			return nfg_error(inst, where, "no hook \"%s\" (hooks come from plugins)",
					 json_string_value(h));
		if (i == PX_MAX_HOOKS)
			return nfg_error(inst, where, "at most %d hooks", PX_MAX_HOOKS);
		cfg->hooks[i] = hook;
		json_t *params = json_object_get(nfg_param(inst, "hook_params"), hook->name);
		if (hook->setup && hook->setup(inst, params, &cfg->hook_state[i]) < 0)
			return -1;
		cfg->data_hooks |= hook->data != NULL;
		cfg->nb_hooks++;
	}
	return 0;
}

void
px_config_free(void *p)
{
	struct px_config *cfg = p;

	if (cfg->policy && cfg->policy->release && cfg->policy_state)
		cfg->policy->release(cfg->policy_state);
	for (unsigned h = 0; h < cfg->nb_hooks; h++)
		if (cfg->hooks[h]->release && cfg->hook_state[h])
			cfg->hooks[h]->release(cfg->hook_state[h]);
	local_share_free(&cfg->share);
	free(cfg);
}

static void
engine_config(struct nfg_instance *inst, struct tcp_engine_config *e, const char *mac_param)
{
	json_t *mac = nfg_param(inst, mac_param);

	e->mss = (uint16_t)nfg_param_int(inst, "mss");
	/* The proxy's own receive windows: the client side announces what the
	 * held buffer has room for (client_window), the server side receives
	 * nothing itself. Window scaling is offered on both sides, and windows
	 * are translated between their scales while spliced (proxy_splice.c).
	 * Timestamps are not offered in delayed binding: the proxy answers the
	 * client before it knows whether the backend will use them, so it strips
	 * them consistently — neither end negotiates them, no segment needs its
	 * TSval or TSecr rewritten (RFC 7323 allows either; immediate binding
	 * passes the ends' own negotiation through). */
	e->rcv_buf = 65535;
	e->wscale = (int8_t)nfg_param_int(inst, "wscale");
	e->timestamps = false;
	/* SACK end to end: the client side answers it, the backend is offered
	 * it when the client took it, and spliced blocks are translated
	 * between the two sequence spaces (proxy_splice.c). */
	e->sack = nfg_param_bool(inst, "sack");
	e->rto_initial_ms = 1000;
	e->rto_min_ms = 200;
	e->rto_max_ms = 60000;
	e->max_retries = 8;
	e->time_wait_ms = 0;
	e->idle_timeout_ms = (uint32_t)nfg_param_int(inst, "idle_timeout_ms");
	e->verify_checksum = nfg_param_bool(inst, "verify_checksum");
	e->rst_when_full = true;
	e->dst_mac_static = mac != NULL;
	if (mac)
		nfg_parse_mac(json_string_value(mac), &e->dst_mac);
}

int
px_setup(struct nfg_instance *inst)
{
	struct px_config *cfg = calloc(1, sizeof(*cfg));
	unsigned workers = nfg_worker_count();

	if (!cfg)
		return -1;
	nfg_instance_set_config(inst, cfg, px_config_free);
	cfg->immediate = strcmp(nfg_param_string(inst, "binding"), "immediate") == 0;
	engine_config(inst, &cfg->client_engine, "client_next_hop_mac");
	engine_config(inst, &cfg->server_engine, "server_next_hop_mac");
	/* Toward a backend: give up quickly, so the client hears of it quickly. */
	cfg->server_engine.rto_initial_ms = (uint32_t)nfg_param_int(inst, "connect_rto_ms");
	cfg->server_engine.max_retries = (uint8_t)nfg_param_int(inst, "connect_retries");
	cfg->inspect_bytes = (uint32_t)nfg_param_int(inst, "inspect_bytes");
	cfg->inspect_ms = (uint32_t)nfg_param_int(inst, "inspect_ms");
	cfg->idle_timeout_ms = (uint32_t)nfg_param_int(inst, "idle_timeout_ms");
	cfg->linger_ms = (uint32_t)nfg_param_int(inst, "linger_ms");
	cfg->retry_next = nfg_param_bool(inst, "retry_next_backend");
	cfg->backend_down_ms = (uint32_t)nfg_param_int(inst, "backend_down_ms");
	cfg->held_buffers = (uint32_t)nfg_param_int(inst, "held_buffers");
	const char *src = nfg_param(inst, "src_ip") ? "src_ip" : "src_ips";
	if (nfg_param(inst, "src_ip") && nfg_param(inst, "src_ips"))
		return nfg_error(inst, "src_ips", "give src_ip or src_ips, not both");
	if (local_share_parse_ips(inst, src, &cfg->src) < 0)
		return -1;
	nfg_parse_portrange(nfg_param(inst, "src_ports"), &cfg->port_lo, &cfg->port_hi);
	if (local_share_init(&cfg->share, inst, nfg_param_string(inst, "server_port"), src,
			     &cfg->src, cfg->port_lo, cfg->port_hi) < 0 ||
	    parse_backends(inst, cfg) < 0)
		return -1;
	char v4_backend[96] = "";
	for (unsigned b = 0; b < cfg->nb_backends && !v4_backend[0]; b++)
		if (!cfg->backend_is6[b])
			snprintf(v4_backend, sizeof(v4_backend), "backend %s", cfg->backends[b].name);
	if (local_share_check_peers(inst, src, &cfg->src, v4_backend[0] ? v4_backend : NULL,
				    cfg->any_v6_backend, "backends",
				    nfg_param_string(inst, "server_port")) < 0 ||
	    listen_set_parse(&cfg->listen, inst, "listen", nfg_param_string(inst, "client_port")) < 0 ||
	    setup_policy_and_hooks(inst, cfg) < 0)
		return -1;
	if (nfg_instance_add_input(inst, "client") != PX_FROM_CLIENT ||
	    nfg_instance_add_input(inst, "server") != PX_FROM_SERVER)
		return -1;
	cfg->backend_counter0 = PX_NB_COUNTERS;
	for (unsigned b = 0; b < cfg->nb_backends; b++)
		nfg_instance_add_counter(inst, cfg->backend_counter_names[b], NFG_CTR_INFO);
	cfg->records = tcp_records_capacity(inst);
	uint32_t slots = 0;
	for (unsigned k = 0; k < workers; k++)
		slots = RTE_MAX(slots, local_share_slots(&cfg->share, k));
	if (cfg->src.nb == 0) /* one address, known at start */
		for (unsigned k = 0; k < workers; k++)
			slots = RTE_MAX(slots, local_share_ports_per_ip(&cfg->share, k));
	nfg_instance_reserve_memory(inst, (uint64_t)workers * slots *
						  (2 * TCP_SLOT_BYTES +
						   sizeof(struct px_slot) + 64) +
					  (uint64_t)workers * cfg->held_buffers *
						  (cfg->inspect_bytes + PX_HOOK_ROOM + 64) +
					  2ull * workers * cfg->records * sizeof(struct session_record));
	nfg_instance_reserve_mbufs(inst, workers * 2 * (TCP_OUT_MAX + TCP_OOO_MAX + TCP_STASH + TCP_DONE_MAX));
	return 0;
}

static const char *const bindings[] = { "delayed", "immediate", NULL };

static const struct nfg_param backend_fields[] = {
	{ .name = "name", .type = NFG_T_STRING, .doc = "a name for counters and records" },
	{ .name = "ip", .type = NFG_T_IP, .doc = "backend address (IPv4 or IPv6: a client reaches backends of its own family)" },
	{ .name = "port", .type = NFG_T_INT, .min = 1, .max = 65535, .doc = "backend port" },
	{ .name = "weight", .type = NFG_T_INT, .def = "1", .min = 1, .max = 1024,
	  .doc = "share of the connections" },
	{ .name = "group", .type = NFG_T_STRING, .def = "\"\"", .doc = "label for the match policy" },
	{ 0 },
};

/* The engine's counters (both sides add to them), then the proxy's; one per
 * backend follows at setup. */
struct nfg_counter px_counters[PX_NB_COUNTERS + 1];

static const struct nfg_counter proxy_counters[] = {
	/* A connection proxied is the proxy's success, whatever ended it (a
	 * client's RST, an idle timeout): a run that proxied is no failure. */
	[PX_PROXIED - TC_NB] = { "proxied", NFG_CTR_SUCCESS,
				 "connections spliced: the client's and the backend's both up" },
	[PX_DONE - TC_NB] = { "closed_both_ways", NFG_CTR_INFO,
			      "spliced connections that ended with FINs both ways, both acknowledged" },
	[PX_REJECTED - TC_NB] = { "rejected_by_policy", NFG_CTR_INFO,
				  "the policy named no backend: the client was reset" },
	[PX_BACKEND_FAILED - TC_NB] = { "backend_failed", NFG_CTR_INFO,
					"the backend refused or did not answer: the client was reset" },
	[PX_RETRIED - TC_NB] = { "next_backend_tried", NFG_CTR_INFO,
				 "a backend failed and the next one was tried (retry_next_backend)" },
	[PX_CLIENT_GONE - TC_NB] = { "client_left_before_backend", NFG_CTR_INFO,
				     "the client left before its backend connection was up" },
	[PX_RESETS - TC_NB] = { "reset_while_spliced", NFG_CTR_INFO,
				"spliced connections ended by a RST from either end" },
	[PX_IDLE_TIMEOUTS - TC_NB] = { "idle_timeouts", NFG_CTR_INFO,
				       "connections reset after idle_timeout_ms without a segment" },
	[PX_HOOK_CLOSED - TC_NB] = { "closed_by_hook", NFG_CTR_INFO,
				     "connections a hook asked to close (both ends reset)" },
	[PX_NO_HELD_BUFFER - TC_NB] = { "no_held_buffer", NFG_CTR_INFO,
					"more clients collecting at once than held_buffers: reset" },
	[PX_OTHER_FAMILY - TC_NB] = { "backend_of_other_family", NFG_CTR_INFO,
				      "the backend chosen is of the other IP family: client reset" },
	[PX_FORWARDED_C2S - TC_NB] = { "segments_to_server", NFG_CTR_INFO,
				       "spliced segments forwarded from clients to backends" },
	[PX_FORWARDED_S2C - TC_NB] = { "segments_to_client", NFG_CTR_INFO,
				       "spliced segments forwarded from backends to clients" },
	[PX_HOOK_RESIZES_OVER - TC_NB] = { "hook_resizes_over_limit", NFG_CTR_INFO,
					   "a data hook changed a direction's length more than 8 "
					   "times: the connection was reset" },
	[PX_LINGER_CUT - TC_NB] = { "linger_cut", NFG_CTR_INFO,
				    "no slot was free: the oldest lingering connection (finished) "
				    "gave up its slot to a new client" },
	[PX_PASSED_DOWN - TC_NB] = { "down_backend_passed_over", NFG_CTR_INFO,
				     "the policy chose a backend whose last connect failed "
				     "(backend_down_ms): the next one up was taken" },
};

static void __attribute__((constructor))
px_counters_init(void)
{
	memcpy(px_counters, tcp_counters, TC_NB * sizeof(px_counters[0]));
	memcpy(px_counters + TC_NB, proxy_counters, sizeof(proxy_counters));
	/* The proxy's table is its backend-side source ports, not max_connections. */
	px_counters[TC_DROP_TABLE_FULL].doc =
		"a SYN found no slot: one per backend-side source port (src_ips x src_ports), "
		"every one open or connecting";
	px_counters[TC_HALF_OPEN_EVICTED].doc =
		"no slot was free: the oldest client still connecting was reset to make room";
}

const struct nfg_param px_params[] = {
	{ .name = "client_port", .type = NFG_T_PORT, .doc = "the port clients come from" },
	{ .name = "server_port", .type = NFG_T_PORT, .doc = "the port backends are reached on" },
	{ .name = "client_next_hop_mac", .type = NFG_T_MAC, .flags = NFG_P_OPTIONAL,
	  .doc = "Ethernet destination toward clients (else an arp node)" },
	{ .name = "server_next_hop_mac", .type = NFG_T_MAC, .flags = NFG_P_OPTIONAL,
	  .doc = "Ethernet destination toward backends (else an arp node)" },
	{ .name = "listen", .type = NFG_T_STRLIST, .def = "[\"*:80\"]", .min = 1, .max = LISTEN_MAX,
	  .doc = "the virtual addresses clients connect to, \"ADDRESS:PORT\"" },
	{ .name = "backends", .type = NFG_T_LIST, .fields = backend_fields, .min = 1,
	  .max = PX_MAX_BACKENDS, .doc = "the only servers the proxy ever connects to" },
	{ .name = "policy", .type = NFG_T_STRING, .def = "\"round_robin\"",
	  .doc = "round_robin, source_hash, match, or one from a plugin" },
	{ .name = "policy_params", .type = NFG_T_ANY, .flags = NFG_P_OPTIONAL,
	  .doc = "the policy's parameters (match: {\"rules\": [...], \"default\": ...})" },
	{ .name = "hooks", .type = NFG_T_STRLIST, .def = "[]", .doc = "payload hooks, by name" },
	{ .name = "hook_params", .type = NFG_T_ANY, .flags = NFG_P_OPTIONAL,
	  .doc = "{\"HOOK\": {...}} parameters of each hook" },
	{ .name = "binding", .type = NFG_T_ENUM, .def = "\"delayed\"", .choices = bindings,
	  .doc = "delayed: choose after the first payload" },
	{ .name = "inspect_bytes", .type = NFG_T_INT, .def = "4096", .min = 0, .max = 16384,
	  .doc = "first payload held for the policy at most (0: decide at once)" },
	{ .name = "inspect_ms", .type = NFG_T_INT, .def = "1000", .min = 1, .max = 600000,
	  .doc = "how long to wait for it" },
	{ .name = "src_ips", .type = NFG_T_STRING, .flags = NFG_P_OPTIONAL,
	  .doc = "server-side source addresses \"a.b.c.d-a.b.c.e\", or IPv6 ones that differ "
		 "in their last 32 bits, for IPv6 backends only (for steering \"ip\": one or "
		 "more per worker)" },
	LOCAL_SHARE_PARAMS,
	{ .name = "src_ip", .type = NFG_T_IP, .flags = NFG_P_OPTIONAL,
	  .doc = "our address toward backends, IPv4 or (IPv6 backends only) IPv6 (default: "
		 "the server port's)" },
	{ .name = "src_ports", .type = NFG_T_PORTRANGE, .def = "\"1024-65535\"",
	  .doc = "our ports toward backends, split between workers; one per connection" },
	{ .name = "connect_rto_ms", .type = NFG_T_INT, .def = "500", .min = 1, .max = 60000,
	  .doc = "first SYN retransmission to a backend" },
	{ .name = "connect_retries", .type = NFG_T_INT, .def = "2", .min = 0, .max = 10,
	  .doc = "SYN retransmissions before the backend counts as down" },
	{ .name = "retry_next_backend", .type = NFG_T_BOOL, .def = "false",
	  .doc = "a backend that fails: try the next one in the list, of whatever group the "
		 "policy chose from (else reset the client)" },
	{ .name = "backend_down_ms", .type = NFG_T_INT, .def = "2000", .min = 0, .max = 3600000,
	  .doc = "with retry_next_backend: a backend whose connect failed is passed over for "
		 "this long by the worker's next connections (they go to the next backend up in "
		 "the list); then tried again. 0: every connection tries the policy's choice" },
	{ .name = "idle_timeout_ms", .type = NFG_T_INT, .def = "60000", .min = 10, .max = 86400000,
	  .doc = "reset both sides after this long without a segment" },
	{ .name = "linger_ms", .type = NFG_T_INT, .def = "2000", .min = 0, .max = 240000,
	  .doc = "after FINs both ways, keep forwarding the last ACKs this long" },
	{ .name = "held_buffers", .type = NFG_T_INT, .def = "4096", .min = 16, .max = 1 << 20,
	  .doc = "connections per worker that may be collecting at once" },
	{ .name = "mss", .type = NFG_T_INT, .def = "1460", .min = 88, .max = 1460,
	  .doc = "MSS announced to clients and backends" },
	{ .name = "wscale", .type = NFG_T_INT, .def = "7", .min = -1, .max = 14,
	  .doc = "delayed binding: window scale shift offered to clients and backends "
		 "(RFC 7323; windows are translated between the two); -1: not offered" },
	{ .name = "sack", .type = NFG_T_BOOL, .def = "true",
	  .doc = "delayed binding: SACK (RFC 2018) answered to clients that offer it and "
		 "offered to the backend only then; blocks are translated between the two "
		 "sequence spaces" },
	{ .name = "verify_checksum", .type = NFG_T_BOOL, .def = "true",
	  .doc = "drop segments with a bad checksum" },
	{ .name = "records_max", .type = NFG_T_INT, .def = "1048576", .min = 1, .max = 1 << 26,
	  .doc = "session records per worker and side with --records" },
	{ 0 },
};

