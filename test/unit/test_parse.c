/* SPDX-License-Identifier: BSD-3-Clause
 *
 * parse: every protocol it knows comes out with the right packet_type and
 * header lengths; every broken or cut header goes to "malformed" under its
 * reason; random bytes never crash it. In ASan builds the bytes of each test
 * mbuf outside its data are poisoned, so a read past data_len fails the run.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "../../operators/parse_frame.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#endif

#define PARSE_GRAPH(params)                                                              \
	"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"p\": {\"op\": \"parse\"" params "},\n" \
	"  \"ok\": {\"op\": \"test_collect\"}, \"bad\": {\"op\": \"test_collect\"}},\n"          \
	" \"edges\": [\"in -> p\", \"p.out -> ok\", \"p.malformed -> bad\"]}"

#define ETHER RTE_PTYPE_L2_ETHER
#define IPV4 RTE_PTYPE_L3_IPV4
#define IPV6 RTE_PTYPE_L3_IPV6

/* ---- test mbufs whose surroundings are poisoned ------------------------- */

static void
poison_outside_data(struct rte_mbuf *m)
{
	uint8_t *buf = m->buf_addr, *data = rte_pktmbuf_mtod(m, uint8_t *);

	ASAN_POISON_MEMORY_REGION(buf, (size_t)(data - buf));
	ASAN_POISON_MEMORY_REGION(data + m->data_len, (size_t)(buf + m->buf_len - data - m->data_len));
}

static void
unpoison(struct rte_mbuf *m)
{
	for (; m; m = m->next)
		ASAN_UNPOISON_MEMORY_REGION(m->buf_addr, m->buf_len);
}

static struct rte_mbuf *
test_pkt(const void *bytes, size_t len)
{
	struct rte_mbuf *m = harness_pkt(bytes, len);

	poison_outside_data(m);
	return m;
}

/* Unpoisons what the collectors hold (it goes back to the pool) and tears down. */
static void
parse_graph_free(struct harness *h)
{
	struct rte_mbuf **pkts;
	const char *collectors[] = { "ok", "bad" };

	for (unsigned c = 0; c < RTE_DIM(collectors); c++) {
		if (!nfg_worker_node(0, collectors[c]))
			continue;
		unsigned n = harness_collected(h, collectors[c], &pkts);
		for (unsigned i = 0; i < n; i++)
			unpoison(pkts[i]);
	}
	harness_free(h);
}

/* ---- frames assembled layer by layer ----------------------------------- */

struct fb {
	uint8_t b[2048];
	size_t len;
	int ip4, ip6, udp; /* where finish() fills in lengths, -1: nowhere */
};

static void
fb_init(struct fb *f)
{
	memset(f, 0, sizeof(*f));
	f->ip4 = f->ip6 = f->udp = -1;
}

static uint8_t *
fb_put(struct fb *f, size_t n)
{
	uint8_t *p = f->b + f->len;

	ck_assert_uint_le(f->len + n, sizeof(f->b));
	memset(p, 0, n);
	f->len += n;
	return p;
}

static void
fb_eth(struct fb *f, uint16_t type)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)fb_put(f, sizeof(*e));

	memset(&e->dst_addr, 0x02, RTE_ETHER_ADDR_LEN);
	memset(&e->src_addr, 0x04, RTE_ETHER_ADDR_LEN);
	e->ether_type = rte_cpu_to_be_16(type);
}

/* The tag after an Ethernet header (or tag) whose type was 0x8100/0x88a8. */
static void
fb_tag(struct fb *f, uint16_t vid, uint16_t next_type)
{
	struct rte_vlan_hdr *v = (struct rte_vlan_hdr *)fb_put(f, sizeof(*v));

	v->vlan_tci = rte_cpu_to_be_16(vid);
	v->eth_proto = rte_cpu_to_be_16(next_type);
}

static void
fb_ipv4(struct fb *f, uint8_t proto, unsigned option_bytes, uint16_t fragment_field)
{
	f->ip4 = (int)f->len;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)fb_put(f, 20 + option_bytes);

	ip->version_ihl = (uint8_t)(0x40 | (20 + option_bytes) / 4);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->fragment_offset = rte_cpu_to_be_16(fragment_field);
	ip->src_addr = rte_cpu_to_be_32(0xc6120001);
	ip->dst_addr = rte_cpu_to_be_32(0xc6130001);
	memset(ip + 1, 1, option_bytes); /* NOP options */
}

static void
fb_ipv6(struct fb *f, uint8_t next)
{
	f->ip6 = (int)f->len;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)fb_put(f, sizeof(*ip));

	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->proto = next;
	ip->hop_limits = 64;
	ip->src_addr[0] = 0x20;
	ip->dst_addr[0] = 0x20;
	ip->src_addr[15] = 1;
	ip->dst_addr[15] = 2;
}

/* Hop-by-hop, routing or destination options: `len` bytes, a multiple of 8. */
static void
fb_ext6(struct fb *f, uint8_t next, unsigned len)
{
	uint8_t *e = fb_put(f, len);

	e[0] = next;
	e[1] = (uint8_t)(len / 8 - 1);
	e[2] = 1; /* a PadN option covering the rest */
	e[3] = (uint8_t)(len - 4);
}

static void
fb_frag6(struct fb *f, uint8_t next, uint16_t offset_units, bool more)
{
	struct rte_ipv6_fragment_ext *e = (struct rte_ipv6_fragment_ext *)fb_put(f, sizeof(*e));

	e->next_header = next;
	e->frag_data = rte_cpu_to_be_16((uint16_t)(offset_units << 3 | (more ? 1 : 0)));
	e->id = rte_cpu_to_be_32(7);
}

static void
fb_tcp(struct fb *f, unsigned words)
{
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)fb_put(f, words * 4);

	t->src_port = rte_cpu_to_be_16(1234);
	t->dst_port = rte_cpu_to_be_16(80);
	t->data_off = (uint8_t)(words << 4);
	t->tcp_flags = RTE_TCP_SYN_FLAG;
	memset(t + 1, 1, words * 4 - sizeof(*t));
}

static void
fb_udp(struct fb *f)
{
	f->udp = (int)f->len;
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)fb_put(f, sizeof(*u));

	u->src_port = rte_cpu_to_be_16(5000);
	u->dst_port = rte_cpu_to_be_16(53);
}

static void
fb_icmp(struct fb *f, uint8_t type)
{
	fb_put(f, 8)[0] = type;
}

static void
fb_payload(struct fb *f, size_t n)
{
	memset(fb_put(f, n), 'd', n);
}

/* IP and UDP lengths from what was put; the IPv4 checksum. */
static void
fb_finish(struct fb *f)
{
	if (f->ip4 >= 0) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f->b + f->ip4);
		ip->total_length = rte_cpu_to_be_16((uint16_t)(f->len - (size_t)f->ip4));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	if (f->ip6 >= 0)
		((struct rte_ipv6_hdr *)(f->b + f->ip6))->payload_len =
			rte_cpu_to_be_16((uint16_t)(f->len - (size_t)f->ip6 - 40));
	if (f->udp >= 0)
		((struct rte_udp_hdr *)(f->b + f->udp))->dgram_len =
			rte_cpu_to_be_16((uint16_t)(f->len - (size_t)f->udp));
}

static void
fb_refresh_ipv4_checksum(struct fb *f)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f->b + f->ip4);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* ---- running frames through parse -------------------------------------- */

/* One frame in; the mbuf "out" got, or NULL when it went to "malformed". */
static struct rte_mbuf *
parse_one(struct harness *h, const void *bytes, size_t len)
{
	unsigned ok0 = harness_collected(h, "ok", NULL), bad0 = harness_collected(h, "bad", NULL);
	struct rte_mbuf *m = test_pkt(bytes, len), **got, **bad;

	harness_inject(h, "in", &m, 1);
	harness_walk(h, 1);
	unsigned ok = harness_collected(h, "ok", &got), nb_bad = harness_collected(h, "bad", &bad);
	ck_assert_uint_eq(ok + nb_bad, ok0 + bad0 + 1);
	if (ok > ok0)
		return got[ok - 1];
	ck_assert_ptr_eq(bad[nb_bad - 1], m);
	/* nothing after parse may trust a refused frame */
	ck_assert_uint_eq(m->packet_type, RTE_PTYPE_UNKNOWN);
	ck_assert_uint_eq(m->l2_len + m->l3_len + m->l4_len, 0);
	return NULL;
}

static void
expect_parsed(struct harness *h, const char *what, const void *bytes, size_t len,
	      uint32_t ptype, unsigned l2, unsigned l3, unsigned l4)
{
	struct rte_mbuf *m = parse_one(h, bytes, len);

	ck_assert_msg(m != NULL, "%s: went to malformed", what);
	ck_assert_msg(m->packet_type == ptype, "%s: packet_type %#x, expected %#x", what,
		      m->packet_type, ptype);
	ck_assert_msg(m->l2_len == l2 && m->l3_len == l3 && m->l4_len == l4,
		      "%s: lengths %u/%u/%u, expected %u/%u/%u", what, (unsigned)m->l2_len,
		      (unsigned)m->l3_len, (unsigned)m->l4_len, l2, l3, l4);
}

static void
expect_malformed(struct harness *h, const char *what, const void *bytes, size_t len,
		 const char *counter)
{
	uint64_t before = harness_counter(h, "p", counter);
	uint64_t parsed = harness_counter(h, "p", "parsed");

	ck_assert_msg(parse_one(h, bytes, len) == NULL, "%s: went to out", what);
	ck_assert_msg(harness_counter(h, "p", counter) == before + 1, "%s: %s not counted",
		      what, counter);
	ck_assert_uint_eq(harness_counter(h, "p", "parsed"), parsed);
}

static void
fb_parsed(struct harness *h, const char *what, struct fb *f, uint32_t ptype, unsigned l2,
	  unsigned l3, unsigned l4)
{
	expect_parsed(h, what, f->b, f->len, ptype, l2, l3, l4);
}

static void
fb_malformed(struct harness *h, const char *what, struct fb *f, const char *counter)
{
	expect_malformed(h, what, f->b, f->len, counter);
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(parses_each_protocol)
{
	struct harness *h = harness_load(PARSE_GRAPH(""));
	uint8_t buf[256];
	struct fb f;
	size_t n;

	n = build_udp4(buf, "198.18.0.1", "198.19.0.1", 1000, 53, 10);
	expect_parsed(h, "udp4", buf, n, ETHER | IPV4 | RTE_PTYPE_L4_UDP, 14, 20, 8);
	n = build_tcp4(buf, "198.18.0.1", "198.19.0.1", 1000, 80, RTE_TCP_SYN_FLAG, 10);
	expect_parsed(h, "tcp4", buf, n, ETHER | IPV4 | RTE_PTYPE_L4_TCP, 14, 20, 20);
	n = build_icmp4_echo(buf, "198.18.0.1", "198.19.0.1", 1, 1, 16);
	expect_parsed(h, "icmp4", buf, n, ETHER | IPV4 | RTE_PTYPE_L4_ICMP, 14, 20, 8);
	n = build_udp6(buf, "2001:db8::1", "2001:db8::2", 1000, 53, 10);
	expect_parsed(h, "udp6", buf, n, ETHER | IPV6 | RTE_PTYPE_L4_UDP, 14, 40, 8);
	n = build_arp_request(buf, "02:00:00:00:00:01", "198.18.0.1", "198.18.0.2");
	expect_parsed(h, "arp", buf, n, RTE_PTYPE_L2_ETHER_ARP, 14, 0, 0);

	fb_init(&f); /* TCP with 12 bytes of options */
	fb_eth(&f, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_TCP, 0, 0), fb_tcp(&f, 8);
	fb_payload(&f, 5), fb_finish(&f);
	fb_parsed(h, "tcp4 options", &f, ETHER | IPV4 | RTE_PTYPE_L4_TCP, 14, 20, 32);

	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_TCP), fb_tcp(&f, 5), fb_finish(&f);
	fb_parsed(h, "tcp6", &f, ETHER | IPV6 | RTE_PTYPE_L4_TCP, 14, 40, 20);

	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_ICMPV6), fb_icmp(&f, 128);
	fb_payload(&f, 4), fb_finish(&f);
	fb_parsed(h, "icmp6", &f, ETHER | IPV6 | RTE_PTYPE_L4_ICMP, 14, 40, 8);

	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_VLAN), fb_tag(&f, 10, RTE_ETHER_TYPE_IPV4);
	fb_ipv4(&f, IPPROTO_UDP, 0, 0), fb_udp(&f), fb_payload(&f, 20), fb_finish(&f);
	fb_parsed(h, "vlan udp4", &f, RTE_PTYPE_L2_ETHER_VLAN | IPV4 | RTE_PTYPE_L4_UDP, 18, 20, 8);

	fb_init(&f); /* 802.1ad outside 802.1Q */
	fb_eth(&f, RTE_ETHER_TYPE_QINQ), fb_tag(&f, 10, RTE_ETHER_TYPE_VLAN);
	fb_tag(&f, 20, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_TCP), fb_tcp(&f, 5), fb_finish(&f);
	fb_parsed(h, "qinq tcp6", &f, RTE_PTYPE_L2_ETHER_QINQ | IPV6 | RTE_PTYPE_L4_TCP, 22, 40, 20);

	fb_init(&f); /* two 802.1Q tags count as QinQ too */
	fb_eth(&f, RTE_ETHER_TYPE_VLAN), fb_tag(&f, 10, RTE_ETHER_TYPE_VLAN);
	fb_tag(&f, 20, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_ICMP, 0, 0), fb_icmp(&f, 8);
	fb_finish(&f);
	fb_parsed(h, "1q-1q icmp4", &f, RTE_PTYPE_L2_ETHER_QINQ | IPV4 | RTE_PTYPE_L4_ICMP, 22, 20, 8);

	fb_init(&f); /* a third tag is beyond what parse reads: unknown type, not an error */
	fb_eth(&f, RTE_ETHER_TYPE_VLAN), fb_tag(&f, 1, RTE_ETHER_TYPE_VLAN);
	fb_tag(&f, 2, RTE_ETHER_TYPE_VLAN), fb_tag(&f, 3, RTE_ETHER_TYPE_IPV4), fb_payload(&f, 40);
	fb_parsed(h, "three tags", &f, RTE_PTYPE_L2_ETHER_QINQ, 22, 0, 0);

	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_VLAN), fb_tag(&f, 5, RTE_ETHER_TYPE_ARP), fb_payload(&f, 28);
	fb_parsed(h, "tagged arp", &f, RTE_PTYPE_L2_ETHER_ARP, 18, 0, 0);

	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_UDP, 8, 0), fb_udp(&f), fb_finish(&f);
	fb_parsed(h, "ipv4 options", &f, ETHER | RTE_PTYPE_L3_IPV4_EXT | RTE_PTYPE_L4_UDP, 14, 28, 8);

	fb_init(&f); /* hop-by-hop, routing, destination options */
	fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_HOPOPTS);
	fb_ext6(&f, IPPROTO_ROUTING, 8), fb_ext6(&f, IPPROTO_DSTOPTS, 24);
	fb_ext6(&f, IPPROTO_TCP, 16), fb_tcp(&f, 6), fb_finish(&f);
	fb_parsed(h, "ipv6 ext", &f, ETHER | RTE_PTYPE_L3_IPV6_EXT | RTE_PTYPE_L4_TCP, 14, 88, 24);

	fb_init(&f); /* eight extension headers is the most parse accepts */
	fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_DSTOPTS);
	for (int i = 0; i < 7; i++)
		fb_ext6(&f, IPPROTO_DSTOPTS, 8);
	fb_ext6(&f, IPPROTO_UDP, 8), fb_udp(&f), fb_finish(&f);
	fb_parsed(h, "8 ext", &f, ETHER | RTE_PTYPE_L3_IPV6_EXT | RTE_PTYPE_L4_UDP, 14, 104, 8);

	fb_init(&f); /* an atomic fragment (offset 0, no more) is a whole packet */
	fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_FRAGMENT);
	fb_frag6(&f, IPPROTO_UDP, 0, false), fb_udp(&f), fb_finish(&f);
	fb_parsed(h, "atomic frag6", &f, ETHER | RTE_PTYPE_L3_IPV6_EXT | RTE_PTYPE_L4_UDP, 14, 48, 8);

	fb_init(&f);
	fb_eth(&f, 0x88cc), fb_payload(&f, 46);
	fb_parsed(h, "lldp", &f, ETHER, 14, 0, 0);

	fb_init(&f); /* GRE: the L4 is unknown, the IP header was fine */
	fb_eth(&f, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_GRE, 0, 0), fb_payload(&f, 4);
	fb_finish(&f);
	fb_parsed(h, "gre", &f, ETHER | IPV4, 14, 20, 0);

	fb_init(&f); /* ICMPv6's number over IPv4 is not ICMP */
	fb_eth(&f, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_ICMPV6, 0, 0), fb_payload(&f, 2);
	fb_finish(&f);
	fb_parsed(h, "58 over ipv4", &f, ETHER | IPV4, 14, 20, 0);

	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_NONE), fb_finish(&f);
	fb_parsed(h, "no next header", &f, ETHER | IPV6, 14, 40, 0);

	fb_init(&f); /* 42-byte UDP padded to the 60-byte minimum */
	fb_eth(&f, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_UDP, 0, 0), fb_udp(&f), fb_finish(&f);
	memset(fb_put(&f, 18), 0xee, 18);
	fb_parsed(h, "padded udp4", &f, ETHER | IPV4 | RTE_PTYPE_L4_UDP, 14, 20, 8);

	ck_assert_uint_eq(harness_collected(h, "bad", NULL), 0);
	ck_assert_uint_eq(harness_counter(h, "p", "parsed"), harness_collected(h, "ok", NULL));
	parse_graph_free(h);
}
END_TEST

START_TEST(fragments)
{
	struct harness *h = harness_load(PARSE_GRAPH(""));
	const uint16_t mf = RTE_IPV4_HDR_MF_FLAG;
	struct fb f;

	fb_init(&f); /* first fragment: its L4 header is there and is parsed */
	fb_eth(&f, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_TCP, 0, mf), fb_tcp(&f, 5);
	fb_payload(&f, 16), fb_finish(&f);
	fb_parsed(h, "first frag4", &f, ETHER | IPV4 | RTE_PTYPE_L4_TCP, 14, 20, 20);

	/* a later fragment: its bytes are not a TCP header, whatever they say */
	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_TCP, 0, mf | 185), fb_payload(&f, 8);
	fb_finish(&f);
	fb_parsed(h, "middle frag4", &f, ETHER | IPV4 | RTE_PTYPE_L4_FRAG, 14, 20, 0);
	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_UDP, 0, 100), fb_payload(&f, 3);
	fb_finish(&f);
	fb_parsed(h, "last frag4", &f, ETHER | IPV4 | RTE_PTYPE_L4_FRAG, 14, 20, 0);

	/* a first fragment that ends inside its TCP header is only a fragment */
	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_TCP, 0, mf), fb_payload(&f, 8);
	fb_finish(&f);
	fb_parsed(h, "tiny first frag4", &f, ETHER | IPV4 | RTE_PTYPE_L4_FRAG, 14, 20, 0);

	/* the UDP length of a first fragment covers the whole datagram */
	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_UDP, 0, mf), fb_udp(&f);
	fb_payload(&f, 32), fb_finish(&f);
	((struct rte_udp_hdr *)(f.b + f.udp))->dgram_len = rte_cpu_to_be_16(3000);
	fb_parsed(h, "first frag4 udp", &f, ETHER | IPV4 | RTE_PTYPE_L4_UDP, 14, 20, 8);

	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_FRAGMENT);
	fb_frag6(&f, IPPROTO_UDP, 0, true), fb_udp(&f), fb_payload(&f, 32), fb_finish(&f);
	((struct rte_udp_hdr *)(f.b + f.udp))->dgram_len = rte_cpu_to_be_16(3000);
	fb_parsed(h, "first frag6", &f, ETHER | RTE_PTYPE_L3_IPV6_EXT | RTE_PTYPE_L4_UDP, 14, 48, 8);

	/* after the fragment header of a later fragment come data, not headers */
	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_FRAGMENT);
	fb_frag6(&f, IPPROTO_DSTOPTS, 100, true), fb_put(&f, 8)[1] = 200, fb_finish(&f);
	fb_parsed(h, "later frag6", &f, ETHER | RTE_PTYPE_L3_IPV6_EXT | RTE_PTYPE_L4_FRAG, 14, 48, 0);

	ck_assert_uint_eq(harness_collected(h, "bad", NULL), 0);
	parse_graph_free(h);
}
END_TEST

/* Cuts a frame at every length below its own and checks where each piece
 * goes: reason(len) names the counter, NULL means "out". */
static void
check_truncations(struct harness *h, const char *what, const uint8_t *frame, size_t len,
		  const char *(*reason)(size_t))
{
	for (size_t cut = 0; cut < len; cut++) {
		char label[64];
		const char *r = reason(cut);
		snprintf(label, sizeof(label), "%s cut to %zu", what, cut);
		if (r)
			expect_malformed(h, label, frame, cut, r);
		else
			ck_assert_msg(parse_one(h, frame, cut) != NULL, "%s: went to malformed", label);
	}
}

static const char *
tcp4_cut(size_t n)
{
	return n < 14 ? "truncated_ethernet" : n < 34 ? "truncated_ipv4" : "bad_ipv4_length";
}

static const char *
qinq_tcp6_cut(size_t n)
{
	return n < 14 ? "truncated_ethernet" : n < 22 ? "truncated_vlan"
	       : n < 62 ? "truncated_ipv6" : "bad_ipv6_length";
}

static const char *
arp_cut(size_t n)
{
	/* the 18 bytes of padding after the ARP body may go */
	return n < 14 ? "truncated_ethernet" : n < 42 ? "truncated_arp" : NULL;
}

START_TEST(every_truncation_is_malformed)
{
	struct harness *h = harness_load(PARSE_GRAPH(""));
	uint8_t buf[256];
	struct fb f;
	size_t n;

	n = build_tcp4(buf, "198.18.0.1", "198.19.0.1", 1000, 80, RTE_TCP_ACK_FLAG, 10);
	ck_assert_uint_eq(n, 64);
	check_truncations(h, "tcp4", buf, n, tcp4_cut);
	ck_assert_ptr_nonnull(parse_one(h, buf, n));

	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_QINQ), fb_tag(&f, 10, RTE_ETHER_TYPE_VLAN);
	fb_tag(&f, 20, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_HOPOPTS);
	fb_ext6(&f, IPPROTO_TCP, 8), fb_tcp(&f, 7), fb_payload(&f, 3), fb_finish(&f);
	check_truncations(h, "qinq tcp6", f.b, f.len, qinq_tcp6_cut);
	ck_assert_ptr_nonnull(parse_one(h, f.b, f.len));

	n = build_arp_request(buf, "02:00:00:00:00:01", "198.18.0.1", "198.18.0.2");
	check_truncations(h, "arp", buf, n, arp_cut);

	ck_assert_uint_eq(harness_collected(h, "bad", NULL), 64 + f.len + 42);
	parse_graph_free(h);
}
END_TEST

START_TEST(broken_headers)
{
	struct harness *h = harness_load(PARSE_GRAPH(""));
	struct rte_ipv4_hdr *ip;
	struct rte_ipv6_hdr *ip6;
	struct fb f;

#define TCP4(words, payload)                                                            \
	fb_init(&f), fb_eth(&f, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_TCP, 0, 0),   \
		fb_tcp(&f, words), fb_payload(&f, payload), fb_finish(&f),               \
		ip = (struct rte_ipv4_hdr *)(f.b + 14)

	TCP4(5, 10);
	ip->version_ihl = 0x44;
	fb_refresh_ipv4_checksum(&f);
	fb_malformed(h, "ihl 4", &f, "bad_ipv4_header");
	TCP4(5, 10);
	ip->version_ihl = 0x65;
	fb_malformed(h, "version 6 in ipv4", &f, "bad_ipv4_header");
	TCP4(5, 10);
	ip->version_ihl = 0x4f; /* a 60-byte header in a 50-byte datagram */
	fb_malformed(h, "ihl 15, 50 bytes", &f, "truncated_ipv4");
	TCP4(5, 40);
	ip->version_ihl = 0x4f; /* 90 bytes there, total_length 20 */
	ip->total_length = rte_cpu_to_be_16(20);
	fb_malformed(h, "total < ihl", &f, "bad_ipv4_length");
	TCP4(5, 10);
	ip->total_length = rte_cpu_to_be_16(51);
	fb_refresh_ipv4_checksum(&f);
	fb_malformed(h, "total_length too big", &f, "bad_ipv4_length");

	TCP4(5, 10);
	((struct rte_tcp_hdr *)(ip + 1))->data_off = 3 << 4;
	fb_malformed(h, "tcp offset 3", &f, "bad_tcp_offset");
	TCP4(5, 10);
	((struct rte_tcp_hdr *)(ip + 1))->data_off = 15 << 4; /* 60 > 30 bytes of TCP */
	fb_malformed(h, "tcp offset 15", &f, "bad_tcp_offset");
	/* the IP datagram ends inside the TCP header; the padding after it is not TCP */
	TCP4(5, 30);
	ip->total_length = rte_cpu_to_be_16(30);
	fb_refresh_ipv4_checksum(&f);
	fb_malformed(h, "tcp cut by ip length", &f, "truncated_tcp");

#define UDP4(payload)                                                                   \
	fb_init(&f), fb_eth(&f, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_UDP, 0, 0),   \
		fb_udp(&f), fb_payload(&f, payload), fb_finish(&f)
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(f.b + 34);

	UDP4(10);
	udp->dgram_len = rte_cpu_to_be_16(4);
	fb_malformed(h, "udp length 4", &f, "bad_udp_length");
	UDP4(10);
	udp->dgram_len = rte_cpu_to_be_16(19);
	fb_malformed(h, "udp length past ip", &f, "bad_udp_length");
	UDP4(10);
	udp->dgram_len = rte_cpu_to_be_16(8); /* shorter than the IP payload is allowed */
	fb_parsed(h, "udp length short", &f, ETHER | IPV4 | RTE_PTYPE_L4_UDP, 14, 20, 8);

	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_UDP, 0, 0), fb_payload(&f, 6);
	fb_finish(&f);
	fb_malformed(h, "6 bytes of udp", &f, "truncated_udp");
	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_ICMP, 0, 0), fb_payload(&f, 4);
	fb_finish(&f);
	fb_malformed(h, "4 bytes of icmp", &f, "truncated_icmp");
	fb_init(&f);
	fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_ICMPV6), fb_payload(&f, 4);
	fb_finish(&f);
	fb_malformed(h, "4 bytes of icmp6", &f, "truncated_icmp");

#define UDP6(payload)                                                                   \
	fb_init(&f), fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_UDP), fb_udp(&f), \
		fb_payload(&f, payload), fb_finish(&f), ip6 = (struct rte_ipv6_hdr *)(f.b + 14)

	UDP6(10);
	ip6->vtc_flow = rte_cpu_to_be_32(4u << 28);
	fb_malformed(h, "version 4 in ipv6", &f, "bad_ipv6_header");
	UDP6(10);
	ip6->payload_len = rte_cpu_to_be_16(19);
	fb_malformed(h, "ipv6 payload_length too big", &f, "bad_ipv6_length");
	UDP6(10);
	ip6->payload_len = rte_cpu_to_be_16(4); /* UDP header cut by the IPv6 length */
	fb_malformed(h, "udp6 cut by ipv6 length", &f, "truncated_udp");

	fb_init(&f); /* an extension header longer than the payload */
	fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_ROUTING);
	fb_ext6(&f, IPPROTO_UDP, 16), fb_finish(&f);
	f.b[54 + 1] = 5;
	fb_malformed(h, "ext past payload", &f, "bad_ipv6_extension");

	fb_init(&f); /* a chain of extension headers with no end in sight */
	fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_DSTOPTS);
	for (int i = 0; i < 40; i++)
		fb_ext6(&f, IPPROTO_DSTOPTS, 8);
	fb_finish(&f);
	fb_malformed(h, "endless chain", &f, "bad_ipv6_extension");
	fb_init(&f); /* nine, one past the limit, even though it ends in UDP */
	fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_DSTOPTS);
	for (int i = 0; i < 8; i++)
		fb_ext6(&f, IPPROTO_DSTOPTS, 8);
	fb_ext6(&f, IPPROTO_UDP, 8), fb_udp(&f), fb_finish(&f);
	fb_malformed(h, "nine ext", &f, "bad_ipv6_extension");
	fb_init(&f); /* 552 bytes of IPv6 header do not fit the 9-bit l3_len */
	fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_HOPOPTS);
	fb_ext6(&f, IPPROTO_DSTOPTS, 256), fb_ext6(&f, IPPROTO_UDP, 256), fb_udp(&f);
	fb_finish(&f);
	fb_malformed(h, "l3_len overflow", &f, "bad_ipv6_extension");

	ck_assert_uint_eq(harness_counter(h, "p", "parsed"), 1);
	parse_graph_free(h);
#undef TCP4
#undef UDP4
#undef UDP6
}
END_TEST

START_TEST(checksums_verified_on_request)
{
	uint8_t buf[128];
	size_t n = build_udp4(buf, "198.18.0.1", "198.19.0.1", 1000, 53, 10);

	buf[14 + 10] ^= 0x01; /* break the IPv4 header checksum */
	struct harness *h = harness_load(PARSE_GRAPH(""));
	ck_assert_ptr_nonnull(parse_one(h, buf, n)); /* not checked by default */
	parse_graph_free(h);

	h = harness_load(PARSE_GRAPH(", \"verify_checksums\": true"));
	expect_malformed(h, "bad checksum", buf, n, "bad_ipv4_checksum");
	buf[14 + 10] ^= 0x01;
	ck_assert_ptr_nonnull(parse_one(h, buf, n));
	parse_graph_free(h);
}
END_TEST

/* A two-segment mbuf: the first `split` bytes of the frame, then the rest. */
static struct rte_mbuf *
chained_pkt(const uint8_t *frame, size_t len, size_t split)
{
	struct rte_mbuf *head = harness_pkt(frame, split);
	struct rte_mbuf *tail = harness_pkt(frame + split, len - split);

	ck_assert_int_eq(rte_pktmbuf_chain(head, tail), 0);
	poison_outside_data(head);
	poison_outside_data(tail);
	return head;
}

START_TEST(segmented_frames)
{
	struct harness *h = harness_load(PARSE_GRAPH(""));
	uint8_t buf[256];
	struct rte_mbuf *m[3], **ok;
	size_t n = build_tcp4(buf, "198.18.0.1", "198.19.0.1", 1000, 80, RTE_TCP_ACK_FLAG, 100);

	m[0] = chained_pkt(buf, n, 54);     /* headers whole, payload in segment 2 */
	m[1] = chained_pkt(buf, n, 40);     /* TCP header split */
	m[2] = chained_pkt(buf, n, 20);     /* IPv4 header split */
	harness_inject(h, "in", m, 3);
	harness_walk(h, 1);
	ck_assert_uint_eq(harness_collected(h, "ok", &ok), 1);
	ck_assert_ptr_eq(ok[0], m[0]);
	ck_assert_uint_eq(ok[0]->packet_type, ETHER | IPV4 | RTE_PTYPE_L4_TCP);
	ck_assert_uint_eq(ok[0]->l2_len + ok[0]->l3_len + ok[0]->l4_len, 54);
	ck_assert_uint_eq(harness_collected(h, "bad", NULL), 2);
	ck_assert_uint_eq(harness_counter(h, "p", "headers_not_contiguous"), 2);

	/* a short frame stays truncated, however it is split */
	struct rte_mbuf *cut = chained_pkt(buf, 30, 20);
	harness_inject(h, "in", &cut, 1);
	harness_walk(h, 1);
	ck_assert_uint_eq(harness_counter(h, "p", "truncated_ipv4"), 1);
	parse_graph_free(h);
}
END_TEST

/* Frames whose first payload byte says whether they are good, in a batch
 * that starts, ends and runs with both kinds. */
static unsigned
mixed_batch(struct rte_mbuf **pkts, unsigned n, bool *good)
{
	uint8_t buf[128];

	for (unsigned i = 0; i < n; i++) {
		size_t len = build_udp4(buf, "198.18.0.1", "198.19.0.1", (uint16_t)i, 53, 4);
		good[i] = !(i % 3 == 0 || (i >= 10 && i < 16) || i == n - 1);
		buf[42] = (uint8_t)i;
		if (!good[i])
			buf[14] = 0x44; /* IHL 4 */
		pkts[i] = test_pkt(buf, len);
	}
	return n;
}

START_TEST(batch_keeps_order)
{
	struct harness *h = harness_load(PARSE_GRAPH(""));
	struct rte_mbuf *pkts[40], **ok, **bad;
	bool good[40];
	unsigned n = mixed_batch(pkts, 40, good), nb_ok = 0, nb_bad = 0;

	harness_inject(h, "in", pkts, n);
	harness_walk(h, 1);
	unsigned got_ok = harness_collected(h, "ok", &ok), got_bad = harness_collected(h, "bad", &bad);
	for (unsigned i = 0; i < n; i++) {
		if (good[i]) {
			ck_assert_uint_lt(nb_ok, got_ok);
			ck_assert_ptr_eq(ok[nb_ok++], pkts[i]);
		} else {
			ck_assert_uint_lt(nb_bad, got_bad);
			ck_assert_ptr_eq(bad[nb_bad++], pkts[i]);
		}
	}
	ck_assert_uint_eq(nb_ok, got_ok);
	ck_assert_uint_eq(nb_bad, got_bad);
	ck_assert_uint_eq(harness_counter(h, "p", "parsed"), nb_ok);
	ck_assert_uint_eq(harness_counter(h, "p", "bad_ipv4_header"), nb_bad);
	parse_graph_free(h);
}
END_TEST

START_TEST(both_outputs_to_one_node)
{
	struct harness *h = harness_load(
		"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"p\": {\"op\": \"parse\"},"
		" \"ok\": {\"op\": \"test_collect\"}},"
		" \"edges\": [\"in -> p\", \"p.out -> ok\", \"p.malformed -> ok\"]}");
	struct rte_mbuf *pkts[40], **got;
	bool good[40];
	unsigned n = mixed_batch(pkts, 40, good);

	harness_inject(h, "in", pkts, n);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "ok", &got), n);
	/* each packet arrived once: the good ones first, in order, then the others */
	unsigned k = 0;
	for (int pass = 1; pass >= 0; pass--)
		for (unsigned i = 0; i < n; i++)
			if (good[i] == pass)
				ck_assert_ptr_eq(got[k++], pkts[i]);
	parse_graph_free(h);
}
END_TEST

START_TEST(malformed_unconnected_is_counted)
{
	struct harness *h = harness_load(
		"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"p\": {\"op\": \"parse\"},"
		" \"ok\": {\"op\": \"test_collect\"}}, \"edges\": [\"in -> p -> ok\"]}");
	struct rte_mbuf *pkts[40];
	bool good[40];
	unsigned n = mixed_batch(pkts, 40, good), nb_bad = 0;

	for (unsigned i = 0; i < n; i++) {
		nb_bad += !good[i];
		unpoison(pkts[i]); /* the implicit drop frees them while the test runs */
	}
	harness_inject(h, "in", pkts, n);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "ok", NULL), n - nb_bad);
	ck_assert_uint_eq(harness_counter(h, "p.malformed", "p.malformed (output left unconnected)"),
			  nb_bad);
	harness_free(h);
}
END_TEST

/* xorshift32: the same frames on every libc */
static uint32_t
next_random(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Random bytes, or a good frame of some kind with a few bytes changed, cut at
 * a random length: most land near the checks. */
static size_t
random_frame(uint8_t *buf, uint32_t *seed)
{
	struct fb f;
	uint32_t r = next_random(seed);
	size_t len;

	if (r % 4 == 0) {
		len = next_random(seed) % 200;
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)next_random(seed);
		return len;
	}
	fb_init(&f);
	switch ((r >> 2) % 6) {
	case 0:
		fb_eth(&f, RTE_ETHER_TYPE_IPV4), fb_ipv4(&f, IPPROTO_TCP, (r >> 8) % 3 * 4, 0);
		fb_tcp(&f, 5 + (r >> 12) % 4);
		break;
	case 1:
		fb_eth(&f, RTE_ETHER_TYPE_VLAN), fb_tag(&f, 7, RTE_ETHER_TYPE_IPV4);
		fb_ipv4(&f, (r >> 8) % 2 ? IPPROTO_UDP : IPPROTO_ICMP, 0, (r >> 9) % 2 ? 0x2000 : 0);
		fb_udp(&f);
		break;
	case 2:
		fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_HOPOPTS);
		fb_ext6(&f, IPPROTO_FRAGMENT, 8 * (1 + (r >> 8) % 3));
		fb_frag6(&f, (r >> 11) % 2 ? IPPROTO_TCP : IPPROTO_UDP, 0, (r >> 12) % 2);
		fb_tcp(&f, 5);
		break;
	case 3:
		fb_eth(&f, RTE_ETHER_TYPE_QINQ), fb_tag(&f, 1, RTE_ETHER_TYPE_VLAN);
		fb_tag(&f, 2, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_ICMPV6), fb_icmp(&f, 128);
		break;
	case 4:
		fb_eth(&f, RTE_ETHER_TYPE_ARP), fb_payload(&f, 46);
		break;
	default:
		fb_eth(&f, RTE_ETHER_TYPE_IPV6), fb_ipv6(&f, IPPROTO_DSTOPTS);
		for (unsigned i = 0; i < (r >> 8) % 12; i++)
			fb_ext6(&f, IPPROTO_DSTOPTS, 8);
		fb_ext6(&f, IPPROTO_UDP, 8), fb_udp(&f);
		break;
	}
	fb_payload(&f, next_random(seed) % 64);
	fb_finish(&f);
	for (unsigned flips = next_random(seed) % 4; flips > 0; flips--)
		f.b[next_random(seed) % RTE_MIN(f.len, (size_t)90)] = (uint8_t)next_random(seed);
	len = next_random(seed) % 3 ? f.len : next_random(seed) % (f.len + 1);
	memcpy(buf, f.b, len);
	return len;
}

START_TEST(random_frames)
{
	static const char *const reasons[] = {
		"truncated_ethernet", "truncated_vlan", "truncated_arp", "truncated_ipv4",
		"bad_ipv4_header", "bad_ipv4_length", "bad_ipv4_checksum", "truncated_ipv6",
		"bad_ipv6_header", "bad_ipv6_length", "bad_ipv6_extension", "truncated_tcp",
		"bad_tcp_offset", "truncated_udp", "bad_udp_length", "truncated_icmp",
		"headers_not_contiguous",
	};
	struct harness *h = harness_load(PARSE_GRAPH(", \"verify_checksums\": true"));
	uint32_t seed = 20240607;
	uint8_t buf[2048];
	struct rte_mbuf *pkts[500], **ok;
	const unsigned rounds = 8, per_round = 500;

	for (unsigned r = 0; r < rounds; r++) {
		for (unsigned i = 0; i < per_round; i++) {
			size_t len = random_frame(buf, &seed);
			pkts[i] = test_pkt(buf, len);
		}
		harness_inject(h, "in", pkts, per_round);
		harness_walk(h, 4);
	}
	unsigned nb_ok = harness_collected(h, "ok", &ok), nb_bad = harness_collected(h, "bad", NULL);
	ck_assert_uint_eq(nb_ok + nb_bad, rounds * per_round);
	ck_assert_uint_eq(harness_counter(h, "p", "parsed"), nb_ok);
	uint64_t counted = 0;
	for (unsigned i = 0; i < RTE_DIM(reasons); i++)
		counted += harness_counter(h, "p", reasons[i]);
	ck_assert_uint_eq(counted, nb_bad);
	/* both kinds are common, so the checks were really exercised */
	ck_assert_uint_gt(nb_ok, 800);
	ck_assert_uint_gt(nb_bad, 800);
	/* what parse passed is inside the frame and consistent */
	for (unsigned i = 0; i < nb_ok; i++) {
		const struct rte_mbuf *m = ok[i];
		uint32_t l3 = m->packet_type & RTE_PTYPE_L3_MASK, l4 = m->packet_type & RTE_PTYPE_L4_MASK;
		ck_assert_uint_le(m->l2_len + m->l3_len + m->l4_len, rte_pktmbuf_data_len(m));
		ck_assert_uint_ge(m->l2_len, 14);
		ck_assert(l3 != 0 || (m->l3_len == 0 && l4 == 0));
		ck_assert(l3 == 0 || m->l3_len >= 20);
		ck_assert(l4 != RTE_PTYPE_L4_FRAG || m->l4_len == 0);
	}
	parse_graph_free(h);
}
END_TEST

/* parse_fast decides a frame only as parse_frame would: the same packet_type
 * and lengths, and never a frame parse_frame calls malformed. Held against
 * each other on good IPv4 TCP/UDP frames changed at every byte of their
 * headers, cut at every length, and on the random frames above. */
static void
fast_agrees(const uint8_t *bytes, size_t len, unsigned *fast)
{
	for (int vc = 0; vc < 2; vc++) {
		struct rte_mbuf *a = test_pkt(bytes, len), *b = test_pkt(bytes, len);
		if (parse_fast(a, vc)) {
			(*fast)++;
			ck_assert_int_eq(parse_frame(b, vc), PARSE_PARSED);
			ck_assert_uint_eq(a->packet_type, b->packet_type);
			ck_assert_uint_eq(a->tx_offload, b->tx_offload);
		} else {
			/* undecided: left as it was, for parse_frame */
			ck_assert_uint_eq(a->packet_type, 0);
		}
		unpoison(a);
		unpoison(b);
		rte_pktmbuf_free(a);
		rte_pktmbuf_free(b);
	}
}

START_TEST(fast_path_agrees_with_the_full_parser)
{
	static const uint8_t values[] = { 0x00, 0x01, 0x05, 0x08, 0x11, 0x40, 0x45, 0x50, 0xff };
	uint8_t buf[2048];
	uint32_t seed = 77;
	unsigned fast = 0, tried = 0;

	for (unsigned kind = 0; kind < 4; kind++) {
		struct fb f;
		fb_init(&f);
		fb_eth(&f, RTE_ETHER_TYPE_IPV4);
		fb_ipv4(&f, kind < 3 ? IPPROTO_TCP : IPPROTO_UDP, 0, 0);
		if (kind < 3)
			fb_tcp(&f, 5 + kind);
		else
			fb_udp(&f);
		fb_payload(&f, 10 * kind);
		fb_finish(&f);
		for (size_t cut = 0; cut <= f.len; cut++, tried++)
			fast_agrees(f.b, cut, &fast);
		for (size_t at = 0; at < RTE_MIN(f.len, (size_t)66); at++)
			for (unsigned v = 0; v < RTE_DIM(values); v++, tried++) {
				memcpy(buf, f.b, f.len);
				buf[at] = values[v];
				fast_agrees(buf, f.len, &fast);
			}
	}
	for (unsigned i = 0; i < 4000; i++, tried++) {
		size_t len = random_frame(buf, &seed);
		fast_agrees(buf, len, &fast);
	}
	/* the fast path took a good share, so its checks were really tried */
	ck_assert_uint_gt(fast, tried / 4);
}
END_TEST

TEST_SUITE(parse_suite)
static Suite *
parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, parses_each_protocol);
	tcase_add_test(tc, fragments);
	tcase_add_test(tc, every_truncation_is_malformed);
	tcase_add_test(tc, broken_headers);
	tcase_add_test(tc, checksums_verified_on_request);
	tcase_add_test(tc, segmented_frames);
	tcase_add_test(tc, batch_keeps_order);
	tcase_add_test(tc, both_outputs_to_one_node);
	tcase_add_test(tc, malformed_unconnected_is_counted);
	tcase_add_test(tc, random_frames);
	tcase_add_test(tc, fast_path_agrees_with_the_full_parser);
	suite_add_tcase(s, tc);
	return s;
}
