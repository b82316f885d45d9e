/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What tcp_client and tcp_server share: the engine's parameters, counters,
 * and their reporting (progress line, latency percentiles, session records).
 */
#ifndef NFG_NF_TCP_PARAMS_H
#define NFG_NF_TCP_PARAMS_H

#include "nfg/operator.h"
#include "tcp_engine.h"

#define TCP_ENGINE_PARAMS                                                                      \
	{ .name = "port", .type = NFG_T_PORT,                                                  \
	  .doc = "the port whose MAC (and first IPv4 / IPv6 address) the segments carry" },           \
	{ .name = "next_hop_mac", .type = NFG_T_MAC, .flags = NFG_P_OPTIONAL,                  \
	  .doc = "Ethernet destination of every segment (else put an arp node after this one)" }, \
	{ .name = "mss", .type = NFG_T_INT, .def = "1460", .min = 88, .max = 8960,             \
	  .doc = "maximum segment size we announce and send" },                                \
	{ .name = "wscale", .type = NFG_T_INT, .def = "7", .min = -1, .max = 14,               \
	  .doc = "window scale shift we offer (RFC 7323); -1: not offered, 64 KB windows" },   \
	{ .name = "rcv_buf", .type = NFG_T_INT, .def = "1048576", .min = 1024,                 \
	  .max = 65535 << 14, .doc = "receive window per connection in bytes (without window " \
				    "scaling at most 65535 is announced)" },                   \
	{ .name = "timestamps", .type = NFG_T_BOOL, .def = "true",                             \
	  .doc = "offer RFC 7323 timestamps (RTT per ACK, PAWS)" },                            \
	{ .name = "sack", .type = NFG_T_BOOL, .def = "true",                                   \
	  .doc = "offer SACK-permitted (RFC 2018): with a peer that offers it too, our ACKs " \
		 "name the out-of-order data we hold and its SACK blocks drive our loss "     \
		 "recovery (RFC 6675); false: neither" },                                     \
	{ .name = "rto_initial_ms", .type = NFG_T_INT, .def = "1000", .min = 1, .max = 60000,  \
	  .doc = "retransmission timeout before any RTT sample (RFC 6298: 1 s)" },             \
	{ .name = "rto_min_ms", .type = NFG_T_INT, .def = "200", .min = 1, .max = 60000,       \
	  .doc = "lower bound of the retransmission timeout" },                                \
	{ .name = "rto_max_ms", .type = NFG_T_INT, .def = "60000", .min = 1, .max = 60000,     \
	  .doc = "upper bound of the backed-off retransmission timeout" },                     \
	{ .name = "max_retries", .type = NFG_T_INT, .def = "8", .min = 1, .max = 30,           \
	  .doc = "retransmissions of one segment before the connection times out" },           \
	{ .name = "time_wait_ms", .type = NFG_T_INT, .def = "1000", .min = 0, .max = 240000,   \
	  .doc = "how long a closed connection guards its 4-tuple (2*MSL, shortened)" },       \
	{ .name = "idle_timeout_ms", .type = NFG_T_INT, .def = "30000", .min = 10,             \
	  .max = 3600000, .doc = "give up on a peer that says nothing for this long" },        \
	{ .name = "verify_checksum", .type = NFG_T_BOOL, .def = "true",                        \
	  .doc = "drop segments with a bad checksum (unless the NIC checked it)" },            \
	{ .name = "records_max", .type = NFG_T_INT, .def = "1048576", .min = 1,                \
	  .max = 1 << 26, .doc = "session records kept per worker with --records (then counted " \
				 "as records_full)" }

extern const struct nfg_counter tcp_counters[];
/* The same for the clients, where a connection aborted (no route to the
 * target, still unanswered when the run stopped) is a failure too: a client
 * that reached nothing ends the run with exit status 4. (A message received
 * whole is a success for every role: close "reset" ends each exchange as
 * aborted on one side and reset on the other.) */
extern struct nfg_counter tcp_client_counters[];

/* What every operator on one TCP engine per worker shares in its struct
 * nfg_op: outputs, flags, counters and reports. */
#define TCP_OP_COMMON_COUNTING(table)                                                          \
	.outputs = (const char *const[]){ "out", NULL },                                       \
	.flags = NFG_OP_RECORDS | NFG_OP_POLL_WHEN_ASKED, .counters = (table),                 \
	.progress = tcp_progress, .summarize = tcp_summarize, .stats_json = tcp_stats_json,    \
	.observe = tcp_engine_observe
#define TCP_OP_COMMON TCP_OP_COMMON_COUNTING(tcp_counters)

/* Reads the engine parameters (setup: no port facts yet). */
int tcp_engine_config_read(struct nfg_instance *inst, struct tcp_engine_config *cfg);
/* Completes it from a started port: our MAC, the MSS fitted to `mtu` (the
 * port's, or for nfproxy the smaller of its two ports': spliced segments
 * cross from one to the other). -1 after nfg_error() when no segment fits. */
#define TCP_MSS_MIN 64
int tcp_engine_config_fit(struct nfg_instance *inst, struct tcp_engine_config *cfg,
			  const struct nfg_port *port, uint16_t mtu);
/* Completes it from the started port (init). Returns the port or NULL. */
const struct nfg_port *tcp_engine_config_port(struct nfg_instance *inst,
					      struct tcp_engine_config *cfg);

/* Reporting hooks; every worker's state starts with its struct tcp_engine. */
void tcp_progress(struct nfg_instance *inst, const uint64_t *now, const uint64_t *prev,
		  double dt, char *buf, size_t len);
void tcp_summarize(struct nfg_instance *inst, FILE *out);
void tcp_stats_json(struct nfg_instance *inst, json_t *node);
/* "  connect time   p50 ... us   p99 ... us   max ... us   (N connections)",
 * and the same figures for --stats-json. */
void tcp_latency_line(FILE *out, const char *what, const struct nfg_hist *h,
		      const char *unit);
json_t *tcp_latency_json(const struct nfg_hist *h);
/* Appends the worker's session records to the --records file. */
void tcp_records_flush(struct nfg_instance *inst, struct tcp_engine *e);
/* How many records each worker keeps: only with --records. */
uint32_t tcp_records_capacity(struct nfg_instance *inst);

#endif
