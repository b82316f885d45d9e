/* SPDX-License-Identifier: BSD-3-Clause
 *
 * nfg TCP service API: a stateful network function that accepts TCP
 * connections and talks over them, written as a few callbacks. The built-in
 * tcp_service operator runs it on nfg's TCP engine, which does everything
 * else: handshakes, the connection table, retransmission, windows and their
 * scaling, timestamps, congestion control, TIME_WAIT, session records,
 * counters and the summary.
 *
 * A plugin lists its service in NFG_PLUGIN_WITH as
 *   { NFG_TCP_SERVICE_POINT, &my_service },
 * and a graph runs it with
 *   "kv": { "op": "tcp_service", "service": "my_service", "port": "p0",
 *           "listen": ["*:6379"], "service_params": { ... } }
 *
 * Callbacks run on the worker that owns the connection; a struct
 * nfg_tcp_conn is valid during the call it is given to, and so are the
 * pointers the calls below return for it.
 */
#ifndef NFG_TCP_H
#define NFG_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "extension.h"
#include "operator.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NFG_TCP_API_VERSION 1
#define NFG_TCP_SERVICE_POINT "tcp.service"

/* One connection, during a callback. */
struct nfg_tcp_conn;

/* What a service knows of a connection. Addresses in network order; for an
 * IPv6 connection each is a 32-bit fold of the address (stable per address,
 * keyed per process), not the address. */
struct nfg_tcp_conn_info {
	uint32_t remote_ip, local_ip;
	uint16_t remote_port, local_port;
	uint32_t slot;   /* the connection's place in its worker's table */
	unsigned worker;
};

struct nfg_tcp_service {
	uint32_t api_version;     /* NFG_TCP_API_VERSION */
	const char *name;
	const char *doc;
	/* Bytes of state per connection, zeroed before the connection opens
	 * (nfg_tcp_conn_state()). */
	uint32_t conn_state_size;
	/* Optional: reads the node's "service_params" (NULL when absent) once, in
	 * setup; reports problems with nfg_error(inst, "service_params...", ...).
	 * *state is shared, read-only, by every worker (nfg_tcp_service_state()). */
	int (*setup)(struct nfg_instance *inst, json_t *params, void **state);
	void (*release)(void *state);
	/* Optional: the handshake completed (a banner may be sent here). */
	void (*established)(struct nfg_tcp_conn *c);
	/* Bytes from the peer, in order. Required. */
	void (*data)(struct nfg_tcp_conn *c, const uint8_t *p, uint32_t len);
	/* Optional: the peer closed its side; without it nfg closes ours. */
	void (*peer_closed)(struct nfg_tcp_conn *c);
	/* Optional: the connection is gone (closed, reset or timed out). */
	void (*released)(struct nfg_tcp_conn *c);
};

/* Queues bytes to the peer: copied into the connection's send buffer (the
 * node's "send_buffer" bytes), sent as the peer's window and congestion
 * control allow, kept until acknowledged. Returns how many were taken: fewer
 * than len when the buffer is full (nfg_tcp_send_room() says how much fits). */
uint32_t nfg_tcp_send(struct nfg_tcp_conn *c, const void *data, uint32_t len);
uint32_t nfg_tcp_send_room(const struct nfg_tcp_conn *c);
/* The answer to the last request is complete (a generator's exchange): counted
 * as messages_received, with the time since that request's first
 * nfg_tcp_send() in the response-time percentiles. */
void nfg_tcp_answered(struct nfg_tcp_conn *c);
/* Closes our side once everything queued is sent (FIN). */
void nfg_tcp_close(struct nfg_tcp_conn *c);
/* Resets the connection now; released() follows. */
void nfg_tcp_reset(struct nfg_tcp_conn *c);
/* The connection's conn_state_size bytes. */
void *nfg_tcp_conn_state(const struct nfg_tcp_conn *c);
/* What setup() returned in *state. */
void *nfg_tcp_service_state(const struct nfg_tcp_conn *c);
struct nfg_tcp_conn_info nfg_tcp_conn_info(const struct nfg_tcp_conn *c);

#ifdef __cplusplus
}
#endif
#endif
