/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The active side of TCP, for every operator that opens connections
 * (tcp_client, tcp_service_client): targets chosen by weight, source addresses
 * and ports shared between workers (local_share.h: the port steers answers to
 * the owner), connections opened at a rate (with a ramp and a start delay), up
 * to a total and a concurrency.
 *
 * A connection is found by the local address its worker owns: its slot is
 * its place in the worker's share — an array index, no hash. Free slots wait
 * in a FIFO, so a port is reused as late as possible (the server's TIME_WAIT
 * has the longest time to end); when none is free, the oldest slot in
 * TIME_WAIT is taken early (a SYN with a higher sequence number may reuse a
 * 4-tuple, RFC 9293 3.6.1), so TIME_WAIT does not cap the rate at
 * ports / time_wait_ms.
 *
 * An operator embeds a struct tcp_connector first in its worker state; its
 * application's released() and time_wait() call tcp_connector_released() and
 * tcp_connector_time_wait().
 */
#ifndef NFG_NF_TCP_CONNECTOR_H
#define NFG_NF_TCP_CONNECTOR_H

#include "local_share.h"
#include "tcp_engine.h"

#define TCP_CONNECTOR_MAX_TARGETS 64
#define TCP_CONNECTOR_WEIGHT_SLOTS 1024

extern const struct nfg_param tcp_connector_target_fields[];

/* The connector's parameters, after TCP_ENGINE_PARAMS in an operator's list. */
#define TCP_CONNECTOR_PARAMS                                                                   \
	{ .name = "targets", .type = NFG_T_LIST, .fields = tcp_connector_target_fields,        \
	  .min = 1, .max = TCP_CONNECTOR_MAX_TARGETS, .doc = "servers to connect to, by weight" }, \
	{ .name = "src_ips", .type = NFG_T_STRING, .flags = NFG_P_OPTIONAL,                    \
	  .doc = "source address or range, \"a.b.c.d-a.b.c.e\" or IPv6 \"2001:db8::10-"        \
		 "2001:db8::1f\" (last 32 bits vary; IPv6 targets only) (default: the port's)" },  \
	{ .name = "src_ports", .type = NFG_T_PORTRANGE, .def = "\"1024-65535\"",               \
	  .doc = "source ports, shared between workers as \"steering\" says" },                \
	LOCAL_SHARE_PARAMS,                                                                    \
	{ .name = "rate", .type = NFG_T_NUMBER, .def = "0", .min = 0, .max = 1e9,              \
	  .doc = "new connections per second, all workers (0: as fast as possible)" },         \
	{ .name = "ramp_s", .type = NFG_T_NUMBER, .def = "0", .min = 0, .max = 3600,           \
	  .doc = "seconds to ramp the rate up from zero" },                                    \
	{ .name = "start_s", .type = NFG_T_NUMBER, .def = "0", .min = 0, .max = 86400,         \
	  .doc = "seconds to wait before the first connection" },                              \
	{ .name = "connections", .type = NFG_T_INT, .def = "0", .min = 0, .max = 1e15,         \
	  .doc = "connections in all, then done (0: until the run stops)" },                   \
	{ .name = "concurrency", .type = NFG_T_INT, .def = "0", .min = 0, .max = 1e9,          \
	  .doc = "open connections per worker at most (0: as many as there are ports)" }

/* Shared, read-only: from the operator's parameters. */
struct tcp_connector_config {
	struct tcp_engine_config engine;
	struct local_addresses src;        /* src_ips (nb 0: the port's first address) */
	uint16_t port_lo, port_hi;
	uint32_t target_ip[TCP_CONNECTOR_MAX_TARGETS];   /* network order */
	uint8_t target_ip6[TCP_CONNECTOR_MAX_TARGETS][16]; /* where target_is6 */
	bool target_is6[TCP_CONNECTOR_MAX_TARGETS];
	bool any_v6;                       /* some target is IPv6 */
	uint8_t src_ip6[16];               /* IPv6's source without an IPv6 src_ips: the
					    * port's first IPv6 address (local_share.h) */
	uint16_t target_port[TCP_CONNECTOR_MAX_TARGETS];
	uint16_t schedule[TCP_CONNECTOR_WEIGHT_SLOTS];   /* weighted round robin */
	uint32_t schedule_len;
	double rate, ramp_s, start_s;
	uint64_t connections;
	uint32_t concurrency;
	uint32_t records;                  /* session records per worker (0: none) */
	struct local_share share;          /* which source addresses each worker uses */
};

struct tcp_connector {
	struct tcp_engine e; /* first: the shared reporting reads it */
	const struct tcp_connector_config *cfg;
	unsigned worker;
	uint32_t *free_fifo;
	uint32_t free_head, free_count;
	/* Slots in TIME_WAIT, oldest first, each with its connection's id, to
	 * skip slots whose TIME_WAIT already ended. */
	struct { uint32_t slot, id; } *tw_fifo;
	uint32_t tw_head, tw_count;
	uint64_t quota, opened;
	uint32_t active;
	uint32_t next_id, id_stride;
	uint32_t next_target;
	uint32_t src_fold6, target_fold6[TCP_CONNECTOR_MAX_TARGETS]; /* tcp_ip6.h */
	double tokens, per_tsc;
	uint64_t last_tsc, start_tsc, ramp_tsc;
};

/* setup(): reads the engine's and the connector's parameters, reserves the
 * memory of every worker's slots; `per_conn` is what the operator keeps
 * besides, per slot. */
int tcp_connector_setup(struct nfg_instance *inst, struct tcp_connector_config *cfg,
			uint64_t per_conn);
/* start(): the port's MAC, and its address when src_ips is not given. */
int tcp_connector_start(struct nfg_instance *inst, struct tcp_connector_config *cfg);
/* Frees what setup() made (not cfg itself). */
void tcp_connector_config_free(struct tcp_connector_config *cfg);

/* init(): the worker's slots on `socket`, its engine running `app` with
 * `app_ctx`. 0, or -1 after nfg_error(). */
int tcp_connector_init(struct tcp_connector *k, struct nfg_instance *inst,
		       const struct tcp_connector_config *cfg, const struct tcp_app *app,
		       void *app_ctx, unsigned worker, struct rte_node *node, int socket);
/* fini(): every connection still open is aborted and recorded. */
void tcp_connector_fini(struct tcp_connector *k, struct nfg_instance *inst);

/* The operator's process(), poll() and done(), as they are: the node's state
 * starts with its struct tcp_connector. process(): a burst of parsed IPv4/TCP
 * segments; poll(): timers and new connections (it asks for the next poll
 * while there is anything to do); done(): the quota opened and every
 * connection ended. */
uint16_t tcp_connector_process(struct rte_graph *graph, struct rte_node *node, void **objs,
			       uint16_t nb_objs);
void tcp_connector_poll(struct rte_graph *graph, struct rte_node *node);
bool tcp_connector_done(struct rte_node *node);

/* From the application's released() and time_wait(). */
void tcp_connector_released(struct tcp_connector *k, struct tcp_conn *c);
void tcp_connector_time_wait(struct tcp_connector *k, struct tcp_conn *c);

#endif
