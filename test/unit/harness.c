/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_malloc.h>

#include "../../model/errors.h"
#include "../../runtime/runtime.h"
#include "harness.h"

/* The fuzz harnesses (test/fuzz) use this file outside libcheck's runner,
 * where a check macro cannot report: there a failed check simply aborts,
 * which libFuzzer records as a crash. */
#ifdef NFG_FUZZ
#define FZ_CHECK(c)                                                                     \
	do {                                                                            \
		if (!(c))                                                               \
			abort();                                                        \
	} while (0)
#undef ck_assert_int_ge
#undef ck_assert_int_eq
#undef ck_assert_uint_le
#undef ck_assert_msg
#undef ck_abort_msg
#undef ck_assert_ptr_nonnull
#define ck_assert_int_ge(a, b) FZ_CHECK((a) >= (b))
#define ck_assert_int_eq(a, b) FZ_CHECK((a) == (b))
#define ck_assert_uint_le(a, b) FZ_CHECK((a) <= (b))
#define ck_assert_msg(c, ...) FZ_CHECK(c)
#define ck_abort_msg(...) abort()
#define ck_assert_ptr_nonnull(p) FZ_CHECK((p) != NULL)
#endif

#define MAX_QUEUE 4096

struct harness {
	struct nfg_graph *g;
	char path[64];
	unsigned pool_at_start; /* mbufs out when it was loaded */
};

/* ---- test operators ---------------------------------------------------- */

struct inject_state {
	unsigned head, n;
	struct rte_mbuf *queue[MAX_QUEUE];
};

static uint16_t
inject_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb)
{
	struct inject_state *st = nfg_node_state(node);
	uint16_t n = (uint16_t)RTE_MIN(st->n - st->head, (unsigned)node->size);
	(void)objs;
	(void)nb;

	if (n == 0)
		return 0;
	memcpy(node->objs, &st->queue[st->head], n * sizeof(void *));
	st->head += n;
	if (st->head == st->n)
		st->head = st->n = 0;
	node->idx = n;
	rte_node_next_stream_move(graph, node, 0);
	return n;
}

static int
state_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	void *st = rte_zmalloc("test", sizeof(struct inject_state), 0);

	nfg_node_set_state(node, st);
	return st ? 0 : -1;
}

/* Both test operators keep an array of mbufs; at teardown they free it. */
static void
state_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct inject_state *st = nfg_node_state(node);

	for (unsigned i = st->head; i < st->n; i++)
		rte_pktmbuf_free(st->queue[i]);
	rte_free(st);
}

static uint16_t
collect_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb)
{
	struct inject_state *st = nfg_node_state(node);
	(void)graph;

	for (uint16_t i = 0; i < nb; i++) {
		if (st->n < MAX_QUEUE)
			st->queue[st->n++] = objs[i];
		else
			rte_pktmbuf_free(objs[i]);
	}
	return nb;
}

static const char *const inject_outputs[] = { "out", NULL };

static const struct nfg_op test_inject_op = {
	.api_version = NFG_API_VERSION,
	.name = "test_inject",
	.summary = "unit tests: emits the packets the test queued",
	.flags = NFG_OP_SOURCE,
	.outputs = inject_outputs,
	.init = state_init,
	.process = inject_process,
	.fini = state_fini,
};

static const struct nfg_op test_collect_op = {
	.api_version = NFG_API_VERSION,
	.name = "test_collect",
	.summary = "unit tests: keeps what reaches it",
	.init = state_init,
	.process = collect_process,
	.fini = state_fini,
};

/* ---- harness ----------------------------------------------------------- */

void
harness_eal_init(void)
{
	static bool done;
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=nfg-unit-%d", (int)getpid());
	char *argv[] = { "unit_tests", "--no-huge", "-m", "512", "--no-pci", prefix,
			 "-l", "0", "--log-level=error", "--no-telemetry", NULL };

	if (done)
		return;
	done = true;
	nfg_op_register(&test_inject_op);
	nfg_op_register(&test_collect_op);
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "unit tests: EAL did not start\n");
		exit(1);
	}
	if (nfg_pool_create(16383) < 0)
		exit(1);
}

static struct nfg_graph *
load_text(struct harness *h, const char *text)
{
	snprintf(h->path, sizeof(h->path), "/tmp/nfg-unit-XXXXXX.json");
	int fd = mkstemps(h->path, 5);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	nfg_errors_quiet(true);
	struct nfg_graph *g = nfg_graph_load(h->path, NULL, 0);
	nfg_errors_quiet(false);
	unlink(h->path);
	return g;
}

const char *
harness_load_error(const char *json_text)
{
	static char msg[1024];
	struct harness h;
	struct nfg_graph *g = load_text(&h, json_text);

	if (g) {
		nfg_graph_free(g);
		return NULL;
	}
	/* Messages name the temporary file; tests match on the rest. */
	const char *m = nfg_last_error();
	if (strncmp(m, h.path, strlen(h.path)) == 0)
		m += strlen(h.path);
	snprintf(msg, sizeof(msg), "%s", m);
	return msg;
}

/* The harness of the test running now: a test that fails stops where it is
 * (no fork), so the next load tears its graph down instead of failing on it. */
static struct harness *live;
static void teardown(struct harness *h);

struct harness *
harness_load(const char *json_text)
{
	struct harness *h = calloc(1, sizeof(*h));

	harness_eal_init();
	if (live) {
		teardown(live);
		live = NULL;
	}
	h->g = load_text(h, json_text);
	ck_assert_msg(h->g != NULL, "graph did not load: %s", nfg_last_error());
	nfg_current_graph = h->g;
	live = h;
	ck_assert_msg(nfg_ports_start(h->g) == 0, "ports did not start");
	for (unsigned i = 0; i < h->g->nb_instances; i++) {
		struct nfg_instance *inst = h->g->instances[i];
		ck_assert_msg(!inst->op->start || inst->op->start(inst) == 0, "%s did not start",
			      inst->name);
		inst->started = true;
	}
	ck_assert_msg(nfg_graphs_build(h->g) == 0, "graphs not built");
	nfg_workers_prepare(h->g);
	/* A test that failed earlier may have left mbufs out: each counts its own. */
	h->pool_at_start = nfg_pool_in_use();
	return h;
}

void
harness_inject(struct harness *h, const char *inject_node, struct rte_mbuf **pkts, unsigned n)
{
	struct rte_node *node = nfg_worker_node(0, inject_node);
	ck_assert_msg(node != NULL, "no node %s", inject_node);
	struct inject_state *st = nfg_node_state(node);
	ck_assert_uint_le(st->n + n, MAX_QUEUE);
	memcpy(&st->queue[st->n], pkts, n * sizeof(pkts[0]));
	st->n += n;
}

void
harness_walk(struct harness *h, unsigned walks)
{
	(void)h;
	/* The worker loop's own walk and polls (asked-for polls only when asked). */
	for (unsigned w = 0; w < walks; w++)
		nfg_worker_step(0);
}

unsigned
harness_collected(struct harness *h, const char *collect_node, struct rte_mbuf ***pkts)
{
	(void)h;
	struct rte_node *node = nfg_worker_node(0, collect_node);
	ck_assert_msg(node != NULL, "no node %s", collect_node);
	struct inject_state *st = nfg_node_state(node);
	if (pkts)
		*pkts = st->queue;
	return st->n;
}

uint64_t
harness_counter(struct harness *h, const char *node, const char *counter)
{
	struct nfg_instance *inst = nfg_graph_find(h->g, node);

	ck_assert_msg(inst != NULL, "no node %s", node);
	for (unsigned c = 0; c < inst->nb_counters; c++)
		if (strcmp(inst->counters[c].name, counter) == 0)
			return inst->counters_by_worker[0][c];
	ck_abort_msg("node %s has no counter %s", node, counter);
	return 0;
}

void
harness_free(struct harness *h)
{
	unsigned at_start = h->pool_at_start;

	teardown(h);
	ck_assert_msg(nfg_pool_in_use() == at_start, "%u mbufs not back in the pool",
		      nfg_pool_in_use() - at_start);
}

static void
teardown(struct harness *h)
{
	if (h == live)
		live = NULL;
	nfg_graphs_destroy(h->g, NULL);
	for (unsigned i = h->g->nb_instances; i-- > 0;) {
		struct nfg_instance *inst = h->g->instances[i];
		if (inst->started && inst->op->stop)
			inst->op->stop(inst);
	}
	nfg_ports_drain(h->g, NULL);
	nfg_ports_stop(h->g);
	nfg_graph_free(h->g);
	free(h);
}

unsigned
harness_pool_in_use(void)
{
	return nfg_pool_in_use();
}

struct rte_mbuf *
harness_pkt(const void *bytes, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(nfg_pktmbuf_pool());

	ck_assert_ptr_nonnull(m);
	void *d = rte_pktmbuf_append(m, (uint16_t)len);
	ck_assert_ptr_nonnull(d);
	memcpy(d, bytes, len);
	return m;
}

/* ---- frame builders ---------------------------------------------------- */

static size_t
eth(uint8_t *buf, uint16_t type)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)buf;
	static const struct rte_ether_addr src = { { 0x02, 0, 0, 0, 0, 0x01 } };
	static const struct rte_ether_addr dst = { { 0x02, 0, 0, 0, 0, 0x02 } };

	e->src_addr = src;
	e->dst_addr = dst;
	e->ether_type = rte_cpu_to_be_16(type);
	return sizeof(*e);
}

static struct rte_ipv4_hdr *
ip4(uint8_t *buf, const char *src, const char *dst, uint8_t proto, size_t l4len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	uint32_t s, d;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4len));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	inet_pton(AF_INET, src, &s);
	inet_pton(AF_INET, dst, &d);
	ip->src_addr = s;
	ip->dst_addr = d;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return ip;
}

size_t
build_udp4(uint8_t *buf, const char *src, const char *dst, uint16_t sport, uint16_t dport,
	   size_t payload_len)
{
	size_t l2 = eth(buf, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = ip4(buf + l2, src, dst, IPPROTO_UDP, 8 + payload_len);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

	u->src_port = rte_cpu_to_be_16(sport);
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + payload_len));
	u->dgram_cksum = 0;
	memset(u + 1, 'x', payload_len);
	u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
	return l2 + 20 + 8 + payload_len;
}

size_t
build_tcp4(uint8_t *buf, const char *src, const char *dst, uint16_t sport, uint16_t dport,
	   uint8_t flags, size_t payload_len)
{
	size_t l2 = eth(buf, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = ip4(buf + l2, src, dst, IPPROTO_TCP, 20 + payload_len);
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + 1);

	memset(t, 0, sizeof(*t));
	t->src_port = rte_cpu_to_be_16(sport);
	t->dst_port = rte_cpu_to_be_16(dport);
	t->sent_seq = rte_cpu_to_be_32(1000);
	t->data_off = 5 << 4;
	t->tcp_flags = flags;
	t->rx_win = rte_cpu_to_be_16(65535);
	memset(t + 1, 'y', payload_len);
	t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	return l2 + 20 + 20 + payload_len;
}

size_t
build_icmp4_echo(uint8_t *buf, const char *src, const char *dst, uint16_t id, uint16_t seq,
		 size_t payload_len)
{
	size_t l2 = eth(buf, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = ip4(buf + l2, src, dst, IPPROTO_ICMP, 8 + payload_len);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);

	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_code = 0;
	ic->icmp_cksum = 0;
	ic->icmp_ident = rte_cpu_to_be_16(id);
	ic->icmp_seq_nb = rte_cpu_to_be_16(seq);
	memset(ic + 1, 'p', payload_len);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, 8 + payload_len);
	return l2 + 20 + 8 + payload_len;
}

size_t
build_udp6(uint8_t *buf, const char *src, const char *dst, uint16_t sport, uint16_t dport,
	   size_t payload_len)
{
	size_t l2 = eth(buf, RTE_ETHER_TYPE_IPV6);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(buf + l2);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(8 + payload_len));
	ip->proto = IPPROTO_UDP;
	ip->hop_limits = 64;
	inet_pton(AF_INET6, src, ip->src_addr);
	inet_pton(AF_INET6, dst, ip->dst_addr);
	u->src_port = rte_cpu_to_be_16(sport);
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = ip->payload_len;
	u->dgram_cksum = 0;
	memset(u + 1, 'z', payload_len);
	u->dgram_cksum = rte_ipv6_udptcp_cksum(ip, u);
	return l2 + 40 + 8 + payload_len;
}

size_t
frame_tcp4_to_ipv6(uint8_t *buf, size_t len4, const uint8_t src6[16], const uint8_t dst6[16])
{
	uint8_t l4[2048];
	size_t l4_len = len4 - 14 - 20;
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(buf + 14);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip6 + 1);

	if (l4_len > sizeof(l4))
		abort();
	memcpy(l4, buf + 34, l4_len);
	((struct rte_ether_hdr *)buf)->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	memset(ip6, 0, sizeof(*ip6));
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16((uint16_t)l4_len);
	ip6->proto = IPPROTO_TCP;
	ip6->hop_limits = 64;
	memcpy(ip6->src_addr, src6, 16);
	memcpy(ip6->dst_addr, dst6, 16);
	memcpy(th, l4, l4_len);
	th->cksum = 0;
	th->cksum = rte_ipv6_udptcp_cksum(ip6, th);
	return 14 + 40 + l4_len;
}

size_t
build_icmp6(uint8_t *buf, const char *src, const char *dst, uint8_t hop_limit, const void *msg,
	    size_t len)
{
	size_t l2 = eth(buf, RTE_ETHER_TYPE_IPV6);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(buf + l2);
	uint8_t *m = (uint8_t *)(ip + 1);

	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)len);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = hop_limit;
	inet_pton(AF_INET6, src, ip->src_addr);
	inet_pton(AF_INET6, dst, ip->dst_addr);
	memcpy(m, msg, len);
	m[2] = m[3] = 0;
	/* The same sum as UDP's over the IPv6 pseudo-header (RFC 8200 8.1). */
	uint16_t sum = rte_ipv6_udptcp_cksum(ip, m);
	memcpy(m + 2, &sum, 2);
	return l2 + sizeof(*ip) + len;
}

size_t
build_arp_request(uint8_t *buf, const char *sender_mac, const char *sender_ip,
		  const char *target_ip)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)buf;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(e + 1);
	struct rte_ether_addr smac;
	uint32_t sip, tip;

	rte_ether_unformat_addr(sender_mac, &smac);
	inet_pton(AF_INET, sender_ip, &sip);
	inet_pton(AF_INET, target_ip, &tip);
	memset(&e->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	e->src_addr = smac;
	e->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = smac;
	a->arp_data.arp_sip = sip;
	memset(&a->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	a->arp_data.arp_tip = tip;
	memset(a + 1, 0, 18); /* pad to the 60-byte minimum frame */
	return sizeof(*e) + sizeof(*a) + 18;
}

bool
frame_checksums_ok(const uint8_t *frame, size_t len)
{
	const struct rte_ether_hdr *e = (const struct rte_ether_hdr *)frame;
	size_t l2 = sizeof(*e);
	uint16_t type = rte_be_to_cpu_16(e->ether_type);

	if (type == RTE_ETHER_TYPE_VLAN) {
		type = rte_be_to_cpu_16(((const struct rte_vlan_hdr *)(e + 1))->eth_proto);
		l2 += 4;
	}
	if (type == RTE_ETHER_TYPE_IPV6 && len >= l2 + 40) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(frame + l2);
		uint32_t l4_len = rte_be_to_cpu_16(ip6->payload_len);
		if (len < l2 + 40 + l4_len)
			return false;
		if (ip6->proto != IPPROTO_TCP && ip6->proto != IPPROTO_UDP &&
		    ip6->proto != IPPROTO_ICMPV6)
			return true;
		/* RFC 8200 8.1: the pseudo-header, then the message */
		uint32_t sum = rte_raw_cksum(ip6->src_addr, 32) + rte_cpu_to_be_16(ip6->proto) +
			       rte_cpu_to_be_16((uint16_t)l4_len) + rte_raw_cksum(ip6 + 1, l4_len);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		return sum == 0xffff;
	}
	if (type != RTE_ETHER_TYPE_IPV4 || len < l2 + 20)
		return false;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(frame + l2);
	if (rte_ipv4_cksum(ip) != 0)
		return false;
	const void *l4 = (const uint8_t *)ip + rte_ipv4_hdr_len(ip);
	if (ip->next_proto_id == IPPROTO_TCP || ip->next_proto_id == IPPROTO_UDP)
		return rte_ipv4_udptcp_cksum_verify(ip, l4) == 0;
	if (ip->next_proto_id == IPPROTO_ICMP)
		return rte_raw_cksum(l4, rte_be_to_cpu_16(ip->total_length) -
					      rte_ipv4_hdr_len(ip)) == 0xffff;
	return true;
}

void
harness_clear(struct harness *h, const char *collect_node)
{
	(void)h;
	struct rte_node *node = nfg_worker_node(0, collect_node);
	struct inject_state *st = node ? nfg_node_state(node) : NULL;

	if (!st)
		return;
	for (unsigned i = 0; i < st->n; i++)
		rte_pktmbuf_free(st->queue[i]);
	st->head = st->n = 0;
}
