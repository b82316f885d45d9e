/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What the two operators that run a plugin's TCP service (include/nfg/tcp.h)
 * share: tcp_service accepts connections (tcp_listener.h), tcp_service_client
 * opens them (tcp_connector.h). Both give each connection a send buffer and
 * the service's state, and turn the engine's callbacks into the service's
 * (tcp_service.c); what differs is how a slot is taken and given back.
 */
#ifndef NFG_NF_TCP_SERVICE_H
#define NFG_NF_TCP_SERVICE_H

#include "nfg/tcp.h"
#include "tcp_engine.h"

#define TCP_SERVICE_PARAMS                                                                     \
	{ .name = "service", .type = NFG_T_STRING,                                             \
	  .doc = "the service to run: a name a plugin registered (nfg/tcp.h)" },               \
	{ .name = "service_params", .type = NFG_T_ANY, .flags = NFG_P_OPTIONAL,                \
	  .doc = "what the service reads in its setup()" },                                    \
	{ .name = "send_buffer", .type = NFG_T_INT, .def = "16384", .min = 64,                 \
	  .max = 1 << 24,                                                                      \
	  .doc = "bytes queued per connection until the peer acknowledges them" },             \
	{ .name = "send_buffers", .type = NFG_T_INT, .def = "4096", .min = 1,                  \
	  .max = 1 << 22,                                                                      \
	  .doc = "send buffers per worker: established connections at once (one more is "      \
		 "reset, counted as no_send_buffer)" }

/* The largest conn_state_size a service may declare. */
#define TCP_SERVICE_STATE_MAX 65536

/* Shared, read-only: the service and its buffers' sizes. */
struct service_config {
	const struct nfg_tcp_service *svc;
	void *svc_state;
	uint32_t send_buffer, send_buffers;
	uint32_t state_size; /* conn_state_size rounded up to 8 */
	unsigned ctr_no_buffer;
};

/* Per worker: the engine's application context (e->app_ctx). */
struct service_side {
	const struct service_config *cfg;
	struct tcp_engine *e;
	/* Send buffers are taken when a connection is established and given
	 * back when it ends: memory for the connections open at once, not for
	 * every slot (a client's slots are all its source ports). */
	uint8_t *buf_mem;      /* send_buffers of send_buffer bytes */
	uint32_t *free_bufs, nb_free;
	uint32_t *slot_buf;    /* per slot: its buffer, or UINT32_MAX */
	uint8_t *states;       /* state_size bytes per slot */
	unsigned worker;
	void *role;            /* the listener or the connector */
	/* How the role takes note of a connection's moments. */
	void (*established)(void *role, struct tcp_conn *c);
	void (*released)(void *role, struct tcp_conn *c);
	void (*time_wait)(void *role, struct tcp_conn *c);
};

/* The engine application every service runs on. */
extern const struct tcp_app tcp_service_app;

/* setup(): finds the service, runs its setup; the bytes each connection
 * costs besides the engine's come back in *per_conn. */
int tcp_service_setup(struct nfg_instance *inst, struct service_config *cfg,
		      uint64_t *per_conn);
void tcp_service_config_release(struct service_config *cfg);
/* init(): the buffers of `slots` connections on `socket`. */
int tcp_service_side_init(struct service_side *s, struct nfg_instance *inst,
			  const struct service_config *cfg, struct tcp_engine *e, unsigned worker,
			  uint32_t slots, int socket);
void tcp_service_side_free(struct service_side *s);

#endif
