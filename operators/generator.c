/* SPDX-License-Identifier: BSD-3-Clause
 *
 * generator: synthetic frames from a template, at a rate, for tests and
 * benchmarks. The template is built once (Ethernet / optional VLAN / IPv4 /
 * UDP, TCP or ICMP, full checksums) or given as hex bytes; each packet is a
 * copy, with the source port stepped through a range so flows differ, and
 * the source address through its range after each pass over the ports (the
 * checksums follow incrementally, RFC 1624).
 */
#include <inttypes.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "builtin.h"
#include "nfg/rate.h"

struct gen_config {
	uint8_t frame[RTE_ETHER_MAX_LEN];
	uint16_t len;
	uint16_t sport_off;  /* offset of the L4 source port, 0: do not vary */
	uint16_t cksum_off;  /* offset of the L4 checksum, 0: none to fix */
	uint16_t sport_lo, sport_hi;
	uint16_t ip_off;     /* offset of the IPv4 header, 0: no address range */
	uint32_t ip_first, nb_ips; /* source addresses, host order */
	uint16_t burst;
	uint8_t tcp_flags;
	double rate;         /* packets/s for the whole graph, 0: as fast as possible */
	uint64_t count;      /* packets for the whole graph, 0: no end */
};

/* A worker kept from its walks (preempted, or a walk that took long) has
 * credit for this long at most: it catches up over the next walks, a burst
 * a walk, so the rate asked holds on average; a longer gap is not made up. */
#define CATCH_UP_MS 10

struct gen_state {
	const struct gen_config *cfg;
	struct rte_mempool *pool;
	uint64_t quota;      /* this worker's share of count, UINT64_MAX: no end */
	uint64_t sent;
	double tokens, tokens_per_tsc;
	double credit_max;   /* tokens kept at most (CATCH_UP_MS of the rate) */
	uint64_t last_tsc;
	uint64_t first_tsc, end_tsc; /* with a rate: the first walk, the last that sent */
	uint16_t next_sport;
	uint32_t next_ip;    /* index in the source address range */
};

/* The frame's source address becomes the range's ip-th; the IPv4 and L4
 * checksums follow. */
static inline void
set_source(const struct gen_config *cfg, uint8_t *d, uint32_t ip)
{
	struct rte_ipv4_hdr *iph = (struct rte_ipv4_hdr *)(d + cfg->ip_off);
	uint32_t old = iph->src_addr, new = rte_cpu_to_be_32(cfg->ip_first + ip);

	iph->hdr_checksum = nfg_cksum_update32(iph->hdr_checksum, old, new);
	if (cfg->cksum_off) {
		uint16_t *ck = (uint16_t *)(d + cfg->cksum_off);
		*ck = nfg_cksum_update32(*ck, old, new);
	}
	iph->src_addr = new;
}

enum gen_counter { GEN_NO_MBUF };

static uint16_t
gen_budget(struct gen_state *st)
{
	uint64_t want = RTE_MIN((uint64_t)st->cfg->burst, st->quota - st->sent);

	if (st->tokens_per_tsc > 0) {
		uint64_t now = nfg_clock();
		st->tokens += (double)(now - st->last_tsc) * st->tokens_per_tsc;
		st->last_tsc = now;
		if (st->tokens > st->credit_max)
			st->tokens = st->credit_max;
		want = RTE_MIN(want, (uint64_t)st->tokens);
		if (st->first_tsc == 0)
			st->first_tsc = now;
		if (want)
			st->end_tsc = now;
	}
	return (uint16_t)want;
}

static uint16_t
gen_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct gen_state *st = nfg_node_state(node);
	const struct gen_config *cfg = st->cfg;
	struct rte_mbuf **pkts = (struct rte_mbuf **)node->objs;
	(void)objs;
	(void)nb_objs;

	uint16_t n = gen_budget(st);
	if (n == 0)
		return 0;
	if (rte_pktmbuf_alloc_bulk(st->pool, pkts, n) != 0) {
		nfg_count(node, GEN_NO_MBUF, 1);
		return 0;
	}
	for (uint16_t i = 0; i < n; i++) {
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(pkts[i], cfg->len);
		rte_memcpy(d, cfg->frame, cfg->len);
		if (cfg->sport_off) {
			uint16_t old = *(uint16_t *)(d + cfg->sport_off);
			uint16_t new = rte_cpu_to_be_16(st->next_sport);
			*(uint16_t *)(d + cfg->sport_off) = new;
			if (cfg->cksum_off) {
				uint16_t *ck = (uint16_t *)(d + cfg->cksum_off);
				*ck = nfg_cksum_update16(*ck, old, new);
			}
		}
		if (cfg->ip_off)
			set_source(cfg, d, st->next_ip);
		/* Ports first, then the next address: every (address, port) once
		 * before any comes again. */
		bool wrapped = true;
		if (cfg->sport_off) {
			wrapped = st->next_sport == cfg->sport_hi;
			st->next_sport = wrapped ? cfg->sport_lo : st->next_sport + 1;
		}
		if (cfg->ip_off && wrapped)
			st->next_ip = st->next_ip + 1 == cfg->nb_ips ? 0 : st->next_ip + 1;
	}
	st->sent += n;
	st->tokens -= n;
	node->idx = n;
	rte_node_next_stream_move(graph, node, 0);
	return n;
}

static bool
gen_done(struct rte_node *node)
{
	const struct gen_state *st = nfg_node_state(node);

	return st && st->sent >= st->quota;
}

/* ---- template ----------------------------------------------------------- */

static int
build_template(struct nfg_instance *inst, struct gen_config *cfg)
{
	json_t *hex = nfg_param(inst, "template");
	if (hex) {
		uint8_t *bytes;
		long n = nfg_parse_hex(json_string_value(hex), &bytes);
		if (n < RTE_ETHER_HDR_LEN || n > (long)sizeof(cfg->frame)) {
			if (n >= 0)
				free(bytes);
			return nfg_error(inst, "template", "a frame of %d to %zu bytes",
					 RTE_ETHER_HDR_LEN, sizeof(cfg->frame));
		}
		memcpy(cfg->frame, bytes, (size_t)n);
		cfg->len = (uint16_t)n;
		free(bytes);
		return 0;
	}
	const char *proto = nfg_param_string(inst, "proto");
	uint16_t l4_len = strcmp(proto, "tcp") == 0 ? 20 : 8;
	uint16_t vlan = (uint16_t)nfg_param_int(inst, "vlan");
	uint16_t l2 = RTE_ETHER_HDR_LEN + (vlan ? 4 : 0);
	uint16_t len = (uint16_t)nfg_param_int(inst, "size");
	if (len < l2 + 20 + l4_len)
		return nfg_error(inst, "size", "at least %u bytes for these headers", l2 + 20 + l4_len);

	uint8_t *d = cfg->frame;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;
	nfg_parse_mac(nfg_param_string(inst, "src_mac"), &eth->src_addr);
	nfg_parse_mac(nfg_param_string(inst, "dst_mac"), &eth->dst_addr);
	if (vlan) {
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);
		vh->vlan_tci = rte_cpu_to_be_16(vlan);
		vh->eth_proto = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	} else {
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	}
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + l2);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len - l2);
	ip->time_to_live = (uint8_t)nfg_param_int(inst, "ttl");
	ip->next_proto_id = strcmp(proto, "tcp") == 0 ? IPPROTO_TCP
			    : strcmp(proto, "udp") == 0 ? IPPROTO_UDP : IPPROTO_ICMP;
	uint32_t dst;
	if (nfg_parse_ipv4_range(nfg_param_string(inst, "src_ip"), &cfg->ip_first,
				 &cfg->nb_ips) < 0)
		return nfg_error(inst, "src_ip", "expected an IPv4 address or a range "
				 "\"a.b.c.d-a.b.c.e\", got \"%s\"", nfg_param_string(inst, "src_ip"));
	if (cfg->nb_ips > 1)
		cfg->ip_off = l2;
	nfg_parse_ipv4(nfg_param_string(inst, "dst_ip"), &dst);
	ip->src_addr = rte_cpu_to_be_32(cfg->ip_first);
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);

	uint8_t *l4 = d + l2 + 20;
	uint16_t lo, hi, dlo, dhi;
	nfg_parse_portrange(nfg_param(inst, "src_port"), &lo, &hi);
	nfg_parse_portrange(nfg_param(inst, "dst_port"), &dlo, &dhi);
	cfg->sport_lo = lo;
	cfg->sport_hi = hi;
	if (ip->next_proto_id == IPPROTO_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;
		u->src_port = rte_cpu_to_be_16(lo);
		u->dst_port = rte_cpu_to_be_16(dlo);
		u->dgram_len = rte_cpu_to_be_16(len - l2 - 20);
		cfg->cksum_off = (uint16_t)(l4 - d + offsetof(struct rte_udp_hdr, dgram_cksum));
	} else if (ip->next_proto_id == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;
		t->src_port = rte_cpu_to_be_16(lo);
		t->dst_port = rte_cpu_to_be_16(dlo);
		t->data_off = 5 << 4;
		t->tcp_flags = cfg->tcp_flags;
		t->rx_win = rte_cpu_to_be_16(65535);
		cfg->cksum_off = (uint16_t)(l4 - d + offsetof(struct rte_tcp_hdr, cksum));
	} else {
		struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)l4;
		ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
		ic->icmp_ident = rte_cpu_to_be_16(1);
	}
	/* The payload text goes right after the L4 header; a frame too small for
	 * it is refused (cutting it would send something else than was asked). */
	const char *payload = nfg_param_string(inst, "payload");
	uint16_t hdrs = (uint16_t)(l4 - d) + l4_len;
	size_t plen = strlen(payload);
	if (plen > (size_t)(len - hdrs))
		return nfg_error(inst, "payload", "%zu bytes do not fit a frame of size %u (%u of it "
				 "headers): raise size to at least %zu", plen, len, hdrs, hdrs + plen);
	memcpy(d + hdrs, payload, plen);
	if (ip->next_proto_id == IPPROTO_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;
		u->dgram_cksum = 0;
		u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
	} else if (ip->next_proto_id == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;
		t->cksum = 0;
		t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	} else {
		struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)l4;
		ic->icmp_cksum = 0;
		ic->icmp_cksum = ~rte_raw_cksum(ic, len - l2 - 20);
	}
	if (ip->next_proto_id != IPPROTO_ICMP && hi > lo)
		cfg->sport_off = (uint16_t)(l4 - d);
	cfg->len = len;
	return 0;
}

static int
gen_setup(struct nfg_instance *inst)
{
	struct gen_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return -1;
	nfg_instance_set_config(inst, cfg, NULL);
	cfg->burst = (uint16_t)nfg_param_int(inst, "burst");
	cfg->rate = nfg_param_number(inst, "rate");
	cfg->count = (uint64_t)nfg_param_int(inst, "count");
	nfg_instance_set_ends_run(inst, nfg_param_bool(inst, "ends_run"));
	/* "syn", "ack", "syn,ack", "rst", "fin,ack", "psh,ack"... */
	static const char *const names[] = { "fin", "syn", "rst", "psh", "ack", "urg" };
	char flags[64];
	snprintf(flags, sizeof(flags), "%s", nfg_param_string(inst, "tcp_flags"));
	for (char *save = NULL, *tok = strtok_r(flags, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned f = 0;
		while (f < RTE_DIM(names) && strcmp(tok, names[f]) != 0)
			f++;
		if (f == RTE_DIM(names))
			return nfg_error(inst, "tcp_flags", "\"%s\" is not fin, syn, rst, psh, ack or urg",
					 tok);
		cfg->tcp_flags |= (uint8_t)(1u << f);
	}
	return build_template(inst, cfg);
}

static int
gen_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	const struct gen_config *cfg = nfg_instance_config(inst);
	struct gen_state *st = nfg_node_state(node);
	unsigned workers = nfg_worker_count();

	st->cfg = cfg;
	st->pool = nfg_pktmbuf_pool();
	/* Worker w sends count/workers, the first count%workers one more. */
	st->quota = cfg->count ? cfg->count / workers + (worker < cfg->count % workers)
			       : UINT64_MAX;
	st->tokens_per_tsc = cfg->rate > 0 ? cfg->rate / workers / (double)rte_get_tsc_hz() : 0;
	st->credit_max = RTE_MAX((double)cfg->burst, cfg->rate / workers * CATCH_UP_MS / 1000);
	st->last_tsc = nfg_clock();
	st->next_sport = cfg->sport_lo;
	return 0;
}

/* With a rate: the rate it reached beside the one asked, and why it fell
 * short when it did. */
static void
gen_summarize(struct nfg_instance *inst, FILE *out)
{
	const struct gen_config *cfg = nfg_instance_config(inst);
	uint64_t sent = 0, first = UINT64_MAX, end = 0;
	char got[16], asked[16];

	if (!cfg || cfg->rate <= 0)
		return;
	for (unsigned w = 0; w < nfg_worker_count(); w++) {
		const struct rte_node *node = nfg_worker_node(w, nfg_instance_name(inst));
		const struct gen_state *st = node ? nfg_node_state((struct rte_node *)node) : NULL;
		if (!st || st->first_tsc == 0)
			continue;
		sent += st->sent;
		first = RTE_MIN(first, st->first_tsc);
		end = RTE_MAX(end, st->end_tsc);
	}
	if (sent == 0 || end <= first)
		return;
	double rate = (double)sent / ((double)(end - first) / (double)rte_get_tsc_hz());
	fprintf(out, "  sent %" PRIu64 " packets at %s/s, %s/s asked\n", sent,
		nfg_format_rate(rate, got, sizeof(got)), nfg_format_rate(cfg->rate, asked, sizeof(asked)));
	if (rate < 0.95 * cfg->rate)
		fprintf(out, "  below the rate asked: its worker had no time for more (the graph "
			"costs too much per packet at this rate, or the worker's CPU is shared: "
			"kept away for over %u ms, it does not make the gap up)\n", CATCH_UP_MS);
}

static const char *const gen_protos[] = { "udp", "tcp", "icmp", NULL };

static const struct nfg_param gen_params[] = {
	{ .name = "rate", .type = NFG_T_NUMBER, .def = "0", .min = 0, .max = 1e9,
	  .doc = "packets per second, all workers together (0: as fast as possible)" },
	{ .name = "count", .type = NFG_T_INT, .def = "0", .min = 0, .max = 1e15,
	  .doc = "packets in all, then done (0: until the run stops)" },
	{ .name = "ends_run", .type = NFG_T_BOOL, .def = "true",
	  .doc = "with a count: the run ends when this generator is done (false: it only "
		 "seeds, e.g. frames that then circulate on a looping port)" },
	{ .name = "burst", .type = NFG_T_INT, .def = "32", .min = 1, .max = 256,
	  .doc = "packets per graph walk at most" },
	{ .name = "size", .type = NFG_T_INT, .def = "60", .min = 42, .max = 1514,
	  .doc = "frame length in bytes, without FCS" },
	{ .name = "proto", .type = NFG_T_ENUM, .def = "\"udp\"", .choices = gen_protos,
	  .doc = "L4 protocol" },
	{ .name = "src_mac", .type = NFG_T_MAC, .def = "\"02:00:00:00:00:01\"",
	  .doc = "Ethernet source" },
	{ .name = "dst_mac", .type = NFG_T_MAC, .def = "\"02:00:00:00:00:02\"",
	  .doc = "Ethernet destination" },
	{ .name = "src_ip", .type = NFG_T_STRING, .def = "\"198.18.0.1\"",
	  .doc = "IPv4 source, or a range \"a.b.c.d-a.b.c.e\" stepped through after each pass "
		 "over src_port" },
	{ .name = "dst_ip", .type = NFG_T_IPV4, .def = "\"198.19.0.1\"", .doc = "IPv4 destination" },
	{ .name = "src_port", .type = NFG_T_PORTRANGE, .def = "\"1024-1279\"",
	  .doc = "source port, stepped through the range packet by packet" },
	{ .name = "dst_port", .type = NFG_T_PORTRANGE, .def = "9", .doc = "destination port" },
	{ .name = "ttl", .type = NFG_T_INT, .def = "64", .min = 1, .max = 255, .doc = "IPv4 TTL" },
	{ .name = "tcp_flags", .type = NFG_T_STRING, .def = "\"ack\"",
	  .doc = "TCP flags, like \"syn\" or \"fin,ack\" (proto tcp)" },
	{ .name = "vlan", .type = NFG_T_INT, .def = "0", .min = 0, .max = 4095,
	  .doc = "802.1Q VLAN id (0: untagged)" },
	{ .name = "payload", .type = NFG_T_STRING, .def = "\"\"",
	  .doc = "text at the start of the payload (the rest is zeros); it must fit the "
		  "frame's size" },
	{ .name = "template", .type = NFG_T_HEX, .flags = NFG_P_OPTIONAL,
	  .doc = "a whole frame in hex; replaces the fields above" },
	{ 0 },
};

static const char *const gen_outputs[] = { "out", NULL };
static const struct nfg_counter gen_counters[] = {
	[GEN_NO_MBUF] = { "no_mbuf", NFG_CTR_INFO },
	{ 0 },
};

static const struct nfg_op generator_op = {
	.api_version = NFG_API_VERSION,
	.name = "generator",
	.summary = "synthetic frames from a template, at a rate",
	.doc = "Builds one frame (Ethernet, optional VLAN, IPv4, UDP/TCP/ICMP with correct\n"
	       "checksums) or takes it as hex, and sends copies to \"out\": up to \"burst\"\n"
	       "per walk, paced to \"rate\", \"count\" in all. The source port steps through\n"
	       "its range so packets belong to different flows. With a count, the generator\n"
	       "is a finite source: the run ends once every worker sent its share.",
	.example = "\"gen\": {\"op\": \"generator\", \"rate\": 100000, \"count\": 1000000, "
		   "\"proto\": \"udp\", \"dst_port\": 5001}",
	.flags = NFG_OP_SOURCE,
	.params = gen_params,
	.outputs = gen_outputs,
	.counters = gen_counters,
	.setup = gen_setup,
	.state_size = sizeof(struct gen_state),
	.init = gen_init,
	.process = gen_process,
	.done = gen_done,
	.summarize = gen_summarize,
};

NFG_OPERATOR_REGISTER(generator_op);
