/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The passive side of TCP, for every operator whose connections are opened
 * by peers (tcp_server, tcp_service): the connection table of one worker,
 * found by 4-tuple (tuple_table.h) with each burst's cells prefetched; slots
 * from a free stack; half-open connections in arrival order, so a full table
 * makes room by dropping the oldest of them (a SYN flood cannot keep real
 * clients out); TIME_WAIT 4-tuples in the compact store of time_wait.h, not
 * in the table, where a SYN with a higher sequence number starts a new
 * connection at once (RFC 9293 3.6.1) so clients can reuse ports.
 *
 * An operator embeds a struct tcp_listener first in its worker state and
 * gives it the application (struct tcp_app); the application's established()
 * and released() call tcp_listener_established() and tcp_listener_released()
 * so the slot goes back.
 */
#ifndef NFG_NF_TCP_LISTENER_H
#define NFG_NF_TCP_LISTENER_H

#include "half_open.h"
#include "listen_set.h"
#include "tcp_engine.h"
#include "time_wait.h"
#include "tuple_table.h"

/* The listener's parameters, after TCP_ENGINE_PARAMS in an operator's list;
 * `max_conns` is the default table size. */
#define TCP_LISTENER_PARAMS(max_conns)                                                         \
	{ .name = "listen", .type = NFG_T_STRLIST, .def = "[\"*:80\"]", .min = 1,               \
	  .max = LISTEN_MAX,                                                                   \
	  .doc = "\"ADDRESS:PORT\" or \"[IPV6]:PORT\" to accept connections on (\"*\": any address)" },            \
	{ .name = "max_connections", .type = NFG_T_INT, .def = #max_conns, .min = 1,           \
	  .max = 1 << 26, .doc = "connection table size per worker" },                         \
	{ .name = "time_wait_max", .type = NFG_T_INT, .def = "1048576", .min = 1,              \
	  .max = 1 << 26,                                                                      \
	  .doc = "4-tuples kept in TIME_WAIT per worker, 32 bytes each, outside the "          \
		 "connection table (full: the oldest leaves early, counted as "                \
		 "time_wait_recycled)" },                                                      \
	{ .name = "table_full", .type = NFG_T_ENUM, .def = "\"rst\"",                          \
	  .choices = tcp_listener_full_policies,                                               \
	  .doc = "answer a SYN the full table cannot take with RST, or drop it" }

extern const char *const tcp_listener_full_policies[];

/* Shared, read-only: from the operator's parameters. */
struct tcp_listener_config {
	struct tcp_engine_config engine;
	struct listen_set listen;
	uint32_t max_connections;
	uint32_t time_wait_max;
	uint32_t records;         /* per worker, with --records */
};

struct tcp_listener {
	struct tcp_engine e; /* first: the shared reporting reads it */
	const struct tcp_listener_config *cfg;
	struct tuple_table table;
	uint32_t *free_stack;
	uint32_t free_top;
	struct half_open half_open;
	struct time_wait time_wait;
};

/* setup(): reads the engine's and the listener's parameters and reserves the
 * memory and mbufs of every worker's table; `per_conn` is what the operator
 * keeps besides, per connection. */
int tcp_listener_setup(struct nfg_instance *inst, struct tcp_listener_config *cfg,
		       uint64_t per_conn);

/* start(): completes cfg from the started port. 0, or -1 after nfg_error(). */
int tcp_listener_start(struct nfg_instance *inst, struct tcp_listener_config *cfg);

/* init(): the worker's table on `socket`, its engine running `app` with
 * `app_ctx` (e.app_ctx). 0, or -1 after nfg_error(). */
int tcp_listener_init(struct tcp_listener *l, struct nfg_instance *inst,
		      const struct tcp_listener_config *cfg, const struct tcp_app *app,
		      void *app_ctx, unsigned worker, struct rte_node *node, int socket);

/* fini(): every connection still open is aborted and recorded. */
void tcp_listener_fini(struct tcp_listener *l, struct nfg_instance *inst);

/* The operator's process() and poll(), as they are: the node's state starts
 * with its struct tcp_listener. process(): a burst of parsed IPv4/TCP
 * segments; poll(): timers, while connections live (it asks for the next
 * poll itself). */
uint16_t tcp_listener_process(struct rte_graph *graph, struct rte_node *node, void **objs,
			      uint16_t nb_objs);
void tcp_listener_poll(struct rte_graph *graph, struct rte_node *node);

/* From the application's established(): the connection is no longer half open. */
static inline void
tcp_listener_established(struct tcp_listener *l, struct tcp_conn *c)
{
	half_open_remove(&l->half_open, conn_index(&l->e, c));
}

/* From the application's released(): the slot is free again. */
void tcp_listener_released(struct tcp_listener *l, struct tcp_conn *c);

#endif
