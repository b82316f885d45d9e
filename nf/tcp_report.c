/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "nfg/rate.h"
#include "nfg/values.h"
#include "tcp_params.h"

const struct nfg_counter tcp_counters[] = {
	[TC_ATTEMPTED] = { "attempted", NFG_CTR_INFO, "SYNs sent for new connections" },
	[TC_ACCEPTED] = { "accepted", NFG_CTR_INFO, "SYNs that opened a connection" },
	[TC_ESTABLISHED] = { "established", NFG_CTR_INFO, "handshakes completed" },
	[TC_COMPLETED] = { "completed", NFG_CTR_SUCCESS, "connections closed normally" },
	[TC_FAILED_REFUSED] = { "failed_refused", NFG_CTR_FAILURE, "answered with RST at the SYN" },
	[TC_FAILED_TIMEOUT] = { "failed_timeout", NFG_CTR_FAILURE, "retransmissions or idle time ran out" },
	[TC_FAILED_RESET] = { "failed_reset", NFG_CTR_FAILURE, "reset by the peer" },
	[TC_ABORTED] = { "aborted", NFG_CTR_INFO, "reset by us, or open when the run stopped" },
	[TC_RELEASED] = { "released", NFG_CTR_INFO, "connections that ended, whatever the cause" },
	[TC_MSGS_SENT] = { "messages_sent", NFG_CTR_INFO, "requests (client), responses (server), or sends (tcp_service)" },
	[TC_MSGS_RCVD] = { "messages_received", NFG_CTR_SUCCESS, "requests or responses received whole" },
	[TC_RETRANSMITS] = { "retransmits", NFG_CTR_INFO, "segments sent again" },
	[TC_RST_SENT] = { "resets_sent", NFG_CTR_INFO, "RST segments sent" },
	[TC_RST_RCVD] = { "resets_received", NFG_CTR_INFO, "RST segments that ended a connection" },
	[TC_BYTES_OUT] = { "bytes_out", NFG_CTR_INFO, "payload bytes sent" },
	[TC_BYTES_IN] = { "bytes_in", NFG_CTR_INFO, "payload bytes received in order" },
	[TC_SEGS_IN] = { "segments_in", NFG_CTR_INFO, "TCP segments the operator got" },
	[TC_SEGS_OUT] = { "segments_out", NFG_CTR_INFO, "TCP segments it sent" },
	[TC_DUP_ACKS] = { "dup_acks", NFG_CTR_INFO, "duplicate ACKs received" },
	[TC_CHALLENGE_ACKS] = { "challenge_acks", NFG_CTR_INFO, "RFC 5961 challenge ACKs sent" },
	[TC_NO_MBUF] = { "no_mbuf", NFG_CTR_INFO, "segments not built: the pool was empty" },
	[TC_RECORDS_FULL] = { "records_full", NFG_CTR_INFO, "connections without a session record (records_max)" },
	[TC_OOO_HELD] = { "out_of_order_held", NFG_CTR_INFO, "segments beyond a hole, kept until it fills" },
	[TC_HALF_OPEN_EVICTED] = { "half_open_evicted", NFG_CTR_INFO,
				   "the table was full: the oldest half-open connection made room" },
	[TC_TIME_WAIT_RECYCLED] = { "time_wait_recycled", NFG_CTR_INFO,
				    "TIME_WAIT cut short for room (server: the store was full; "
				    "client: no port was free)" },
	[TC_OPT_BAD_LENGTH] = { "option_bad_length", NFG_CTR_INFO,
				"an option of length 0 or 1 or past the header (the options "
				"after it ignored), or of a length wrong for its kind (skipped)" },
	[TC_OPT_REPEATED] = { "option_repeated", NFG_CTR_INFO,
			      "an option given twice in a segment (the first one used)" },
	[TC_OPT_WSCALE_CLAMPED] = { "option_wscale_clamped", NFG_CTR_INFO,
				    "a window scale above 14, used as 14 (RFC 7323 2.3)" },
	[TC_ENDED_EARLY] = { "ended_early", NFG_CTR_INFO,
			     "the peer closed before all rounds were answered (counted "
			     "completed too: the close itself went well)" },
	[TC_DROP_NOT_TCP] = { "not_tcp_ipv4", NFG_CTR_DROP,
			      "not a TCP segment over IPv4 (or IPv6, where the port has an address)" },
	[TC_DROP_BAD_CHECKSUM] = { "bad_checksum", NFG_CTR_DROP, "IP or TCP checksum wrong" },
	[TC_DROP_NO_CONNECTION] = { "no_connection", NFG_CTR_DROP, "answered with RST" },
	[TC_DROP_RST_NO_CONNECTION] = { "rst_no_connection", NFG_CTR_DROP,
					"a RST for no connection (RFC 9293: not answered)" },
	[TC_DROP_OUT_OF_WINDOW] = { "out_of_window", NFG_CTR_DROP,
				    "outside the window, or after the end (TIME_WAIT)" },
	[TC_DROP_OUT_OF_ORDER] = { "out_of_order", NFG_CTR_DROP,
				   "beyond a hole and not held (duplicate ACK sent)" },
	[TC_DROP_TABLE_FULL] = { "connection_table_full", NFG_CTR_DROP,
				 "a SYN found no room (raise max_connections)" },
	[TC_DROP_BAD_SEGMENT] = { "bad_segment", NFG_CTR_DROP,
				  "flags or lengths no segment of this state may carry" },
	[TC_DROP_NOT_OWNER] = { "not_owner", NFG_CTR_DROP,
				"for another worker's address (steering missed it); not reset" },
	[TC_TIMEOUTS] = { "timeouts", NFG_CTR_INFO,
			  "retransmission timeouts that fired with data outstanding" },
	[TC_LOSS_PROBES] = { "loss_probes", NFG_CTR_INFO,
			     "tail loss probes: no ACK for two round trips, the last segment "
			     "resent to draw one (RFC 8985 7) before a timeout would" },
	[TC_SACK_RETRANSMITS] = { "sack_retransmits", NFG_CTR_INFO,
				  "holes resent because the peer's SACK blocks showed them" },
	[TC_DROP_NOT_FOR_US] = { "not_for_us", NFG_CTR_DROP,
				 "to an address that is not the port's, for no connection of "
				 "ours (another host's on a shared link): not answered" },
	[TC_DROP_PAWS] = { "paws", NFG_CTR_DROP,
			   "a timestamp older than the last one taken: an old duplicate "
			   "(RFC 7323 5.3), answered with an ACK" },
	[TC_NB] = { 0 },
};

struct nfg_counter tcp_client_counters[TC_NB + 1];

static void __attribute__((constructor))
tcp_client_counters_init(void)
{
	memcpy(tcp_client_counters, tcp_counters, sizeof(tcp_client_counters));
	tcp_client_counters[TC_ABORTED].kind = NFG_CTR_FAILURE;
}

int
tcp_engine_config_read(struct nfg_instance *inst, struct tcp_engine_config *cfg)
{
	cfg->mss = (uint16_t)nfg_param_int(inst, "mss");
	cfg->mss6 = cfg->mss; /* until a port's MTU bounds it (tcp_engine_config_fit) */
	cfg->wscale = (int8_t)nfg_param_int(inst, "wscale");
	cfg->timestamps = nfg_param_bool(inst, "timestamps");
	cfg->sack = nfg_param_bool(inst, "sack");
	cfg->rcv_buf = (uint32_t)nfg_param_int(inst, "rcv_buf");
	cfg->rto_initial_ms = (uint32_t)nfg_param_int(inst, "rto_initial_ms");
	cfg->rto_min_ms = (uint32_t)nfg_param_int(inst, "rto_min_ms");
	cfg->rto_max_ms = (uint32_t)nfg_param_int(inst, "rto_max_ms");
	cfg->max_retries = (uint8_t)nfg_param_int(inst, "max_retries");
	cfg->time_wait_ms = (uint32_t)nfg_param_int(inst, "time_wait_ms");
	cfg->idle_timeout_ms = (uint32_t)nfg_param_int(inst, "idle_timeout_ms");
	cfg->verify_checksum = nfg_param_bool(inst, "verify_checksum");
	if (cfg->rto_min_ms > cfg->rto_max_ms)
		return nfg_error(inst, "rto_min_ms", "must not exceed rto_max_ms (%u)",
				 cfg->rto_max_ms);
	json_t *mac = nfg_param(inst, "next_hop_mac");
	cfg->dst_mac_static = mac != NULL;
	if (mac)
		nfg_parse_mac(json_string_value(mac), &cfg->dst_mac);
	return 0;
}

const struct nfg_port *
tcp_engine_config_port(struct nfg_instance *inst, struct tcp_engine_config *cfg)
{
	const struct nfg_port *port = nfg_port_get(nfg_param_string(inst, "port"));

	if (port && tcp_engine_config_fit(inst, cfg, port, port->mtu) < 0)
		return NULL;
	/* IPv6 connections where the port has IPv6 addresses (nfproxy, which
	 * fits its engines itself, stays IPv4). */
	cfg->ipv6 = port && port->nb_ipv6 > 0;
	return port;
}

int
tcp_engine_config_fit(struct nfg_instance *inst, struct tcp_engine_config *cfg,
		      const struct nfg_port *port, uint16_t mtu)
{
	cfg->src_mac = port->mac;
	cfg->port = port;
	cfg->rst_at_stop = !port->in_process;
	/* IPv6's header is 20 bytes longer: its segments carry that much less
	 * where an MTU bounds them (a port's MTU is at least 1280 with IPv6). */
	cfg->mss6 = mtu && mtu >= 60u + TCP_MSS_MIN ? (uint16_t)RTE_MIN(cfg->mss, mtu - 60u)
						     : cfg->mss;
	/* A segment is the MSS plus 40 bytes of IPv4 and TCP headers (RFC 6691:
	 * options come out of the MSS): one larger than the MTU would be lost. */
	if (!mtu || mtu - 40u >= cfg->mss)
		return 0;
	if (mtu < 40u + TCP_MSS_MIN)
		return nfg_error(inst, NULL, "an MTU of %u leaves a TCP segment %d bytes: at least "
				 "%u are needed", mtu, (int)mtu - 40, TCP_MSS_MIN);
	nfg_node_log(inst, NFG_LOG_INFO, "MSS %u fitted to the MTU of %u: %u", cfg->mss, mtu,
		     mtu - 40u);
	cfg->mss = (uint16_t)(mtu - 40u);
	return 0;
}

static struct tcp_engine *
engine_of(struct nfg_instance *inst, unsigned w)
{
	struct rte_node *node = nfg_worker_node(w, nfg_instance_name(inst));

	return node ? nfg_node_state(node) : NULL;
}

void
tcp_progress(struct nfg_instance *inst, const uint64_t *now, const uint64_t *prev, double dt,
	     char *buf, size_t len)
{
	char cps[32];
	uint64_t opened = now[TC_ATTEMPTED] + now[TC_ACCEPTED], time_wait = 0;
	uint64_t failed = now[TC_FAILED_REFUSED] + now[TC_FAILED_TIMEOUT] + now[TC_FAILED_RESET];

	/* A racy read of the workers' gauges is fine for a progress line. */
	for (unsigned w = 0; w < nfg_worker_count(); w++) {
		struct tcp_engine *e = engine_of(inst, w);
		time_wait += e ? e->nb_time_wait : 0;
	}
	uint64_t held = opened - now[TC_RELEASED];
	nfg_format_rate((double)(now[TC_COMPLETED] - prev[TC_COMPLETED]) / dt, cps, sizeof(cps));
	snprintf(buf, len, "%s conn/s, %" PRIu64 " open, %" PRIu64 " done, %" PRIu64
		 " failed, %" PRIu64 " rtx", cps, held > time_wait ? held - time_wait : 0,
		 now[TC_COMPLETED], failed, now[TC_RETRANSMITS]);
}

static void
merged(struct nfg_instance *inst, struct nfg_hist *connect, struct nfg_hist *resp)
{
	memset(connect, 0, sizeof(*connect));
	memset(resp, 0, sizeof(*resp));
	for (unsigned w = 0; w < nfg_worker_count(); w++) {
		struct tcp_engine *e = engine_of(inst, w);
		if (!e)
			continue;
		nfg_hist_merge(connect, &e->connect_time);
		nfg_hist_merge(resp, &e->response_time);
	}
}

/* Microseconds to three or more significant digits: the histogram is good
 * to 0.4%, and sub-microsecond values should not all read 0.0. */
static void
us(char *buf, size_t len, uint64_t ns)
{
	double v = (double)ns / 1e3;

	snprintf(buf, len, v < 1 ? "%.3f" : v < 10 ? "%.2f" : "%.1f", v);
}

/* "  connect time   p50 ... us   p99 ... us   max ... us   (N connections)".
 * Percentiles are their bucket's middle (within 0.4%); max is exact. */
void
tcp_latency_line(FILE *out, const char *what, const struct nfg_hist *h, const char *unit)
{
	char p50[32], p99[32], max[32];

	if (h->count == 0) { /* nothing timed (immediate binding, say): no zeros */
		fprintf(out, "  %s  none measured (0 %s)\n", what, unit);
		return;
	}
	us(p50, sizeof(p50), nfg_hist_percentile(h, 50));
	us(p99, sizeof(p99), nfg_hist_percentile(h, 99));
	us(max, sizeof(max), nfg_hist_max(h));
	fprintf(out, "  %s  p50 %9s us   p99 %9s us   max %9s us   (%" PRIu64 " %s)\n", what,
		p50, p99, max, h->count, unit);
}

json_t *
tcp_latency_json(const struct nfg_hist *h)
{
	return json_pack("{s:f, s:f, s:f, s:f, s:f, s:I}",
			 "p50", (double)nfg_hist_percentile(h, 50) / 1e3,
			 "p99", (double)nfg_hist_percentile(h, 99) / 1e3,
			 "p999", (double)nfg_hist_percentile(h, 99.9) / 1e3,
			 "min", (double)nfg_hist_min(h) / 1e3,
			 "max", (double)nfg_hist_max(h) / 1e3,
			 "count", (json_int_t)h->count);
}

/* What the tables hold, all workers together. */
struct table_use {
	uint64_t open;        /* connections not closed (TIME_WAIT is closed) */
	uint64_t time_wait;   /* 4-tuples in TIME_WAIT, in a slot or in the store */
	uint64_t table_full, recycled, evicted;
	uint64_t connections;  /* opened: attempted + accepted */
	uint64_t busy_cycles;  /* of the workers the operator runs on */
	uint32_t slots, time_wait_max; /* per worker */
};

static struct table_use
table_use(struct nfg_instance *inst)
{
	struct table_use u = { 0 };

	for (unsigned w = 0; w < nfg_worker_count(); w++) {
		struct tcp_engine *e = engine_of(inst, w);
		if (!e)
			continue;
		for (uint32_t i = 0; i < e->nb_conns; i++) {
			u.open += e->conns[i].state != TCP_CLOSED && e->conns[i].state != TCP_TIME_WAIT;
			u.time_wait += e->conns[i].state == TCP_TIME_WAIT;
		}
		u.time_wait += e->tws ? e->tws->live : 0;
		u.table_full += e->ctr[TC_DROP_TABLE_FULL];
		u.evicted += e->ctr[TC_HALF_OPEN_EVICTED];
		u.connections += e->ctr[TC_ATTEMPTED] + e->ctr[TC_ACCEPTED];
		u.busy_cycles += nfg_worker_busy_cycles(w);
		u.recycled += e->ctr[TC_TIME_WAIT_RECYCLED];
		u.slots = e->nb_conns;
		u.time_wait_max = e->tws ? e->tws->ring_mask + 1 : 0;
	}
	return u;
}

void
tcp_summarize(struct nfg_instance *inst, FILE *out)
{
	static struct nfg_hist connect, resp;
	struct table_use u = table_use(inst);

	merged(inst, &connect, &resp);
	tcp_latency_line(out, "connect time ", &connect, "connections");
	/* A server answers at once: only the client's wait means something. */
	struct tcp_engine *e0 = engine_of(inst, 0);
	if (e0 && e0->role == REC_ROLE_CLIENT)
		tcp_latency_line(out, "response time", &resp, "exchanges");
	fprintf(out, "  connections left in the table at the end: %" PRIu64 "\n", u.open);
	if (u.connections && u.busy_cycles)
		fprintf(out, "  busy cycles per connection: %.0f (its workers' busy cycles, every node "
			"on them, / %" PRIu64 " connections)\n",
			(double)u.busy_cycles / (double)u.connections, u.connections);
	else if (u.connections)
		fprintf(out, "  busy cycles per connection: not measured (no timed walk moved "
			"packets: a run this short needs --profile)\n");
	if (u.time_wait)
		fprintf(out, "  in TIME_WAIT at the end (closed, guarding their 4-tuple): %" PRIu64
			"\n", u.time_wait);
	/* Say what to raise, not only that something ran out. */
	if (u.table_full)
		fprintf(out, "  the connection table was full %" PRIu64 " times: raise "
			"max_connections (%u per worker now)\n", u.table_full, u.slots);
	if (u.evicted)
		fprintf(out, "  %" PRIu64 " half-open connections were evicted to make room for new "
			"SYNs (their clients see a reset): raise max_connections (%u per worker "
			"now)\n", u.evicted, u.slots);
	if (u.recycled && u.time_wait_max)
		fprintf(out, "  %" PRIu64 " TIME_WAIT entries left early for lack of room: raise "
			"time_wait_max (%u per worker now) or lower time_wait_ms\n", u.recycled,
			u.time_wait_max);
	else if (u.recycled)
		fprintf(out, "  %" PRIu64 " ports were reused before their TIME_WAIT ended (a new SYN "
			"above the old sequence numbers): give more src_ips or src_ports to avoid "
			"it\n", u.recycled);
}

void
tcp_stats_json(struct nfg_instance *inst, json_t *node)
{
	static struct nfg_hist connect, resp;
	struct table_use u = table_use(inst);

	merged(inst, &connect, &resp);
	json_object_set_new(node, "connect_us", tcp_latency_json(&connect));
	json_object_set_new(node, "response_us", tcp_latency_json(&resp));
	json_object_set_new(node, "connections_open", json_integer((json_int_t)u.open));
	json_object_set_new(node, "time_wait", json_integer((json_int_t)u.time_wait));
	json_object_set_new(node, "cycles_per_connection",
			    json_real(u.connections ? (double)u.busy_cycles / (double)u.connections : 0));
}

uint32_t
tcp_records_capacity(struct nfg_instance *inst)
{
	return nfg_run_option("records") ? (uint32_t)nfg_param_int(inst, "records_max") : 0;
}

void
tcp_records_flush(struct nfg_instance *inst, struct tcp_engine *e)
{
	static bool started, failed;
	const char *path = nfg_run_option("records");

	if (!path || !e->records.r || failed)
		return;
	size_t n = strlen(path);
	bool csv = n > 4 && strcmp(path + n - 4, ".csv") == 0;
	FILE *f = fopen(path, started ? "a" : "w");
	if (f) {
		if (!started)
			records_write_header(f, csv);
		started = true;
		records_write(&e->records, f, csv, e->start_tsc);
		errno = ferror(f) ? (errno ? errno : EIO) : 0;
		if (fclose(f) != 0 && errno == 0)
			errno = EIO;
	}
	/* Said once: the engines after this one would only say it again. */
	if (!f || errno != 0) {
		nfg_node_log(inst, NFG_LOG_ERROR, "cannot write session records to %s: %s", path,
			     strerror(errno));
		failed = true;
		nfg_run_output_failed();
	}
}
