/* SPDX-License-Identifier: BSD-3-Clause
 *
 * filter: every field matches what it should and nothing else, the first
 * matching rule decides, per-rule counters are exact, non-IP packets and
 * fragments are handled as documented, bad rules are refused at their JSON
 * path, and the rte_acl path decides exactly like the linear one.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../operators/filter_rules.h"
#include "harness.h"

/* ---- frames ------------------------------------------------------------ */

#define ETH 14

static void
ip4_fix_checksum(uint8_t *frame)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + ETH);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* Turns an IPv4 frame into a fragment: offset in 8-byte units, MF flag. */
static void
ip4_make_fragment(uint8_t *frame, uint16_t offset, bool more)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + ETH);

	ip->fragment_offset = rte_cpu_to_be_16(offset | (more ? RTE_IPV4_HDR_MF_FLAG : 0));
	ip4_fix_checksum(frame);
}

/* ICMPv6 echo request, from a UDP/IPv6 frame of the same size. */
static size_t
build_icmp6_echo(uint8_t *buf, const char *src, const char *dst)
{
	size_t len = build_udp6(buf, src, dst, 0, 0, 8);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(buf + ETH);
	uint8_t *icmp = (uint8_t *)(ip6 + 1);

	ip6->proto = IPPROTO_ICMPV6;
	icmp[0] = 128; /* echo request */
	icmp[1] = 0;
	return len;
}

/* UDP/IPv6 behind a fragment header; a non-first fragment when offset > 0. */
static size_t
build_udp6_fragment(uint8_t *buf, const char *src, const char *dst, uint16_t sport,
		    uint16_t dport, uint16_t offset, bool more)
{
	uint8_t tmp[256];
	size_t len = build_udp6(tmp, src, dst, sport, dport, 16);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(tmp + ETH);
	struct rte_ipv6_fragment_ext fh = {
		.next_header = IPPROTO_UDP,
		.frag_data = rte_cpu_to_be_16((uint16_t)(offset << 3 | (more ? 1 : 0))),
		.id = rte_cpu_to_be_32(7),
	};

	ip6->proto = IPPROTO_FRAGMENT;
	ip6->payload_len = rte_cpu_to_be_16(rte_be_to_cpu_16(ip6->payload_len) + 8);
	memcpy(buf, tmp, ETH + 40);
	memcpy(buf + ETH + 40, &fh, 8);
	memcpy(buf + ETH + 48, tmp + ETH + 40, len - ETH - 40);
	return len + 8;
}

/* ---- graphs ------------------------------------------------------------ */

/* in -> parse -> fw, fw.match -> yes, fw.nomatch -> no */
static struct harness *
fw_graph(const char *fw_params)
{
	size_t cap = strlen(fw_params) + 1024;
	char *json = malloc(cap);

	snprintf(json, cap,
		 "{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"in2\": {\"op\": \"test_inject\"},"
		 " \"parse\": {\"op\": \"parse\"},"
		 " \"fw\": {\"op\": \"filter\", %s},"
		 " \"yes\": {\"op\": \"test_collect\"}, \"no\": {\"op\": \"test_collect\"}},"
		 " \"edges\": [\"in -> parse -> fw\", \"in2 -> parse\", \"fw.match -> yes\","
		 " \"fw.nomatch -> no\"]}",
		 fw_params);
	struct harness *h = harness_load(json);
	free(json);
	return h;
}

/* Where one frame went: 'y' (match), 'n' (nomatch), '-' (neither). */
static char
verdict(struct harness *h, const uint8_t *frame, size_t len)
{
	unsigned yes = harness_collected(h, "yes", NULL), no = harness_collected(h, "no", NULL);
	struct rte_mbuf *m = harness_pkt(frame, len);

	harness_inject(h, "in", &m, 1);
	harness_walk(h, 2);
	if (harness_collected(h, "yes", NULL) == yes + 1)
		return 'y';
	if (harness_collected(h, "no", NULL) == no + 1)
		return 'n';
	return '-';
}

static void
assert_error(const char *fw_params, const char *place, const char *words)
{
	char json[4096];

	snprintf(json, sizeof(json),
		 "{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"parse\": {\"op\": \"parse\"},"
		 " \"fw\": {\"op\": \"filter\", %s}, \"yes\": {\"op\": \"test_collect\"}},"
		 " \"edges\": [\"in -> parse -> fw\", \"fw.match -> yes\"]}",
		 fw_params);
	const char *msg = harness_load_error(json);
	ck_assert_msg(msg != NULL, "rules accepted, expected an error at %s", place);
	ck_assert_msg(strstr(msg, place) != NULL, "message \"%s\" does not name %s", msg, place);
	ck_assert_msg(strstr(msg, words) != NULL, "message \"%s\" does not say \"%s\"", msg, words);
}

static const struct filter_config *
fw_config(void)
{
	struct nfg_instance *inst = nfg_instance_find("fw");

	ck_assert_ptr_nonnull(inst);
	return nfg_instance_config(inst);
}

/* ---- fields ------------------------------------------------------------ */

START_TEST(ipv4_prefixes)
{
	struct harness *h = fw_graph("\"rules\": ["
				     "{\"src\": \"198.18.0.0/15\", \"dst\": \"10.1.2.3\"},"
				     "{\"dst\": \"10.2.16.0/20\"},"
				     "{\"src\": \"192.0.2.6/31\"}]");
	uint8_t f[128];

	ck_assert_int_eq(verdict(h, f, build_udp4(f, "198.19.255.1", "10.1.2.3", 1, 2, 4)), 'y');
	ck_assert_int_eq(verdict(h, f, build_udp4(f, "198.18.0.0", "10.1.2.3", 1, 2, 4)), 'y');
	ck_assert_int_eq(verdict(h, f, build_udp4(f, "198.20.0.1", "10.1.2.3", 1, 2, 4)), 'n');
	ck_assert_int_eq(verdict(h, f, build_udp4(f, "198.17.255.255", "10.1.2.3", 1, 2, 4)), 'n');
	ck_assert_int_eq(verdict(h, f, build_udp4(f, "198.18.0.1", "10.1.2.4", 1, 2, 4)), 'n');
	/* /20: 10.2.16.0 - 10.2.31.255 */
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "10.2.31.255", 1, 2, 0, 0)), 'y');
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "10.2.16.0", 1, 2, 0, 0)), 'y');
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "10.2.32.0", 1, 2, 0, 0)), 'n');
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "10.2.15.255", 1, 2, 0, 0)), 'n');
	/* /31: .6 and .7 */
	ck_assert_int_eq(verdict(h, f, build_icmp4_echo(f, "192.0.2.6", "9.9.9.9", 1, 1, 8)), 'y');
	ck_assert_int_eq(verdict(h, f, build_icmp4_echo(f, "192.0.2.7", "9.9.9.9", 1, 1, 8)), 'y');
	ck_assert_int_eq(verdict(h, f, build_icmp4_echo(f, "192.0.2.8", "9.9.9.9", 1, 1, 8)), 'n');
	ck_assert_int_eq(verdict(h, f, build_icmp4_echo(f, "192.0.2.5", "9.9.9.9", 1, 1, 8)), 'n');
	/* an IPv4 rule never matches IPv6 */
	ck_assert_int_eq(verdict(h, f, build_udp6(f, "::ffff:198.18.0.1", "::ffff:10.1.2.3", 1, 2, 4)),
			 'n');
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[0]"), 2);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[1]"), 2);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[2]"), 2);
	ck_assert_uint_eq(harness_counter(h, "fw", "no_rule_matched"), 8);
	harness_free(h);
}
END_TEST

START_TEST(ipv6_prefixes)
{
	struct harness *h = fw_graph("\"rules\": ["
				     "{\"src\": \"2001:db8::/32\"},"
				     "{\"dst\": \"2001:db8:ffff::a/127\"},"
				     "{\"src\": \"fe80::1\", \"dst\": \"fe80::/10\"}]");
	uint8_t f[128];

	ck_assert_int_eq(verdict(h, f, build_udp6(f, "2001:db8:1::1", "2001::1", 1, 2, 4)), 'y');
	ck_assert_int_eq(verdict(h, f, build_udp6(f, "2001:db9::1", "2001::1", 1, 2, 4)), 'n');
	ck_assert_int_eq(verdict(h, f, build_udp6(f, "1::1", "2001:db8:ffff::b", 1, 2, 4)), 'y');
	ck_assert_int_eq(verdict(h, f, build_udp6(f, "1::1", "2001:db8:ffff::c", 1, 2, 4)), 'n');
	ck_assert_int_eq(verdict(h, f, build_udp6(f, "fe80::1", "febf::9", 1, 2, 4)), 'y');
	ck_assert_int_eq(verdict(h, f, build_udp6(f, "fe80::1", "fec0::9", 1, 2, 4)), 'n');
	ck_assert_int_eq(verdict(h, f, build_udp6(f, "fe80::2", "fe80::9", 1, 2, 4)), 'n');
	/* IPv6 rules never match IPv4 */
	ck_assert_int_eq(verdict(h, f, build_udp4(f, "32.1.13.184", "1.1.1.1", 1, 2, 4)), 'n');
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[0]"), 1);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[1]"), 1);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[2]"), 1);
	ck_assert_uint_eq(harness_counter(h, "fw", "no_rule_matched"), 5);
	harness_free(h);
}
END_TEST

START_TEST(port_ranges)
{
	struct harness *h = fw_graph("\"rules\": ["
				     "{\"dport\": \"1000-2000\"},"
				     "{\"sport\": 53, \"proto\": \"udp\"},"
				     "{\"sport\": \"7\", \"dport\": 7}]");
	uint8_t f[128];

	ck_assert_int_eq(verdict(h, f, build_udp4(f, "1.1.1.1", "2.2.2.2", 5, 999, 4)), 'n');
	ck_assert_int_eq(verdict(h, f, build_udp4(f, "1.1.1.1", "2.2.2.2", 5, 1000, 4)), 'y');
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 5, 2000, 0x02, 0)), 'y');
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 5, 2001, 0x02, 0)), 'n');
	ck_assert_int_eq(verdict(h, f, build_udp6(f, "1::1", "2::2", 5, 1500, 4)), 'y');
	/* rule 1 is UDP only */
	ck_assert_int_eq(verdict(h, f, build_udp4(f, "1.1.1.1", "2.2.2.2", 53, 80, 4)), 'y');
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 53, 80, 0x10, 0)), 'n');
	/* both ports */
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 7, 7, 0x10, 0)), 'y');
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 7, 8, 0x10, 0)), 'n');
	/* ICMP has no ports */
	ck_assert_int_eq(verdict(h, f, build_icmp4_echo(f, "1.1.1.1", "2.2.2.2", 1000, 1000, 8)),
			 'n');
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[0]"), 3);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[1]"), 1);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[2]"), 1);
	ck_assert_uint_eq(harness_counter(h, "fw", "no_rule_matched"), 5);
	harness_free(h);
}
END_TEST

START_TEST(protocols)
{
	uint8_t f[128];
	struct harness *h;

	h = fw_graph("\"rules\": [{\"proto\": \"tcp\"}]");
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 2, 0x10, 0)), 'y');
	ck_assert_int_eq(verdict(h, f, build_udp4(f, "1.1.1.1", "2.2.2.2", 1, 2, 4)), 'n');
	harness_free(h);

	h = fw_graph("\"rules\": [{\"proto\": \"udp\"}]");
	ck_assert_int_eq(verdict(h, f, build_udp6(f, "1::1", "2::2", 1, 2, 4)), 'y');
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 2, 0x10, 0)), 'n');
	harness_free(h);

	/* icmp is IPv4's ICMP, icmp6 IPv6's */
	h = fw_graph("\"rules\": [{\"proto\": \"icmp\"}]");
	ck_assert_int_eq(verdict(h, f, build_icmp4_echo(f, "1.1.1.1", "2.2.2.2", 1, 1, 8)), 'y');
	ck_assert_int_eq(verdict(h, f, build_icmp6_echo(f, "1::1", "2::2")), 'n');
	harness_free(h);

	h = fw_graph("\"rules\": [{\"proto\": \"icmp6\"}]");
	ck_assert_int_eq(verdict(h, f, build_icmp6_echo(f, "1::1", "2::2")), 'y');
	ck_assert_int_eq(verdict(h, f, build_icmp4_echo(f, "1.1.1.1", "2.2.2.2", 1, 1, 8)), 'n');
	harness_free(h);

	/* any: every IP packet, no ARP */
	h = fw_graph("\"rules\": [{\"proto\": \"any\"}]");
	ck_assert_int_eq(verdict(h, f, build_icmp6_echo(f, "1::1", "2::2")), 'y');
	ck_assert_int_eq(verdict(h, f, build_icmp4_echo(f, "1.1.1.1", "2.2.2.2", 1, 1, 8)), 'y');
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 2, 0x10, 0)), 'y');
	ck_assert_int_eq(verdict(h, f, build_arp_request(f, "02:00:00:00:00:01", "1.1.1.1",
							  "2.2.2.2")), 'n');
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[0]"), 3);
	ck_assert_uint_eq(harness_counter(h, "fw", "no_rule_matched"), 1);
	harness_free(h);
}
END_TEST

START_TEST(tcp_flags)
{
	struct harness *h = fw_graph("\"rules\": ["
				     "{\"name\": \"new\", \"tcp_flags\": \"syn,!ack\"},"
				     "{\"name\": \"closing\", \"tcp_flags\": \" FIN , ack \"},"
				     "{\"name\": \"other\", \"proto\": \"tcp\", \"tcp_flags\": \"!rst\","
				     " \"out\": \"nomatch\"}],"
				     "\"default\": \"match\"");
	uint8_t f[128];

	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 2, RTE_TCP_SYN_FLAG, 0)),
			 'y');
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 2,
						  RTE_TCP_SYN_FLAG | RTE_TCP_ECE_FLAG | RTE_TCP_CWR_FLAG,
						  0)), 'y');
	/* SYN+ACK is not "syn,!ack"; it is "!rst" */
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 2,
						  RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 0)), 'n');
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 2,
						  RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 0)), 'y');
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 2,
						  RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
						  4)), 'y');
	/* FIN alone: neither rule 0 nor 1; rule 2 (!rst) sends it to nomatch */
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 2, RTE_TCP_FIN_FLAG, 0)),
			 'n');
	/* RST: no rule; default is match */
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 2, RTE_TCP_RST_FLAG, 0)),
			 'y');
	/* UDP has no TCP flags: default */
	ck_assert_int_eq(verdict(h, f, build_udp4(f, "1.1.1.1", "2.2.2.2", 1, 2, 4)), 'y');
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[0] new"), 2);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[1] closing"), 2);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[2] other"), 2);
	ck_assert_uint_eq(harness_counter(h, "fw", "no_rule_matched"), 2);
	harness_free(h);
}
END_TEST

START_TEST(first_match_wins_and_counters)
{
	/* Overlapping rules: the order decides, and only the deciding rule counts. */
	struct harness *h = fw_graph("\"rules\": ["
				     "{\"name\": \"ssh-block\", \"dport\": 22, \"out\": \"nomatch\"},"
				     "{\"name\": \"lan\", \"src\": \"10.0.0.0/8\"},"
				     "{\"name\": \"lan-ssh\", \"src\": \"10.0.0.0/8\", \"dport\": 22},"
				     "{\"name\": \"all\"}],"
				     "\"default\": \"nomatch\"");
	uint8_t f[128];
	struct rte_mbuf *pkts[40];
	unsigned n = 0;

	/* 5 ssh from the LAN, 7 web from the LAN, 9 from outside, 3 ARP */
	for (int i = 0; i < 5; i++)
		pkts[n++] = harness_pkt(f, build_tcp4(f, "10.1.1.1", "10.2.2.2", 4000, 22, 0x02, 0));
	for (int i = 0; i < 7; i++)
		pkts[n++] = harness_pkt(f, build_tcp4(f, "10.1.1.1", "10.2.2.2", 4000, 80, 0x02, 0));
	for (int i = 0; i < 9; i++)
		pkts[n++] = harness_pkt(f, build_udp4(f, "8.8.8.8", "10.2.2.2", 53, 5353, 4));
	for (int i = 0; i < 3; i++)
		pkts[n++] = harness_pkt(f, build_arp_request(f, "02:00:00:00:00:09", "10.1.1.1",
							      "10.1.1.2"));
	harness_inject(h, "in", pkts, n);
	harness_walk(h, 3);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[0] ssh-block"), 5);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[1] lan"), 7);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[2] lan-ssh"), 0);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[3] all"), 12);
	ck_assert_uint_eq(harness_counter(h, "fw", "no_rule_matched"), 0);
	ck_assert_uint_eq(harness_collected(h, "no", NULL), 5);
	ck_assert_uint_eq(harness_collected(h, "yes", NULL), 19);

	/* order within each output is kept */
	struct rte_mbuf **got;
	unsigned nb = harness_collected(h, "yes", &got);
	for (unsigned i = 0; i < nb; i++) {
		const struct rte_ether_hdr *e = rte_pktmbuf_mtod(got[i], const struct rte_ether_hdr *);
		uint16_t want = i < 16 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_ARP;
		ck_assert_uint_eq(rte_be_to_cpu_16(e->ether_type), want);
	}
	harness_free(h);
}
END_TEST

START_TEST(default_and_unconnected_nomatch)
{
	uint8_t f[128];
	char json[1024];

	/* nomatch left open: its packets are dropped and counted, not lost */
	snprintf(json, sizeof(json),
		 "{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"parse\": {\"op\": \"parse\"},"
		 " \"fw\": {\"op\": \"filter\", \"rules\": [{\"proto\": \"udp\"}]},"
		 " \"yes\": {\"op\": \"test_collect\"}},"
		 " \"edges\": [\"in -> parse -> fw\", \"fw.match -> yes\"]}");
	struct harness *h = harness_load(json);
	struct rte_mbuf *pkts[2] = {
		harness_pkt(f, build_udp4(f, "1.1.1.1", "2.2.2.2", 1, 2, 4)),
		harness_pkt(f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 2, 0x02, 0)),
	};
	harness_inject(h, "in", pkts, 2);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "yes", NULL), 1);
	ck_assert_uint_eq(harness_counter(h, "fw", "no_rule_matched"), 1);
	ck_assert_uint_eq(harness_counter(h, "fw.nomatch", "fw.nomatch (output left unconnected)"),
			  1);
	harness_free(h);

	/* no rules at all: everything takes the default */
	h = fw_graph("\"rules\": [], \"default\": \"match\"");
	ck_assert_int_eq(verdict(h, f, build_udp4(f, "1.1.1.1", "2.2.2.2", 1, 2, 4)), 'y');
	ck_assert_int_eq(verdict(h, f, build_arp_request(f, "02:00:00:00:00:01", "1.1.1.1",
							  "2.2.2.2")), 'y');
	ck_assert_uint_eq(harness_counter(h, "fw", "no_rule_matched"), 2);
	harness_free(h);
}
END_TEST

START_TEST(non_ip_packets)
{
	/* ARP skips every rule that looks at IP, and matches the first that does not. */
	struct harness *h = fw_graph("\"rules\": ["
				     "{\"proto\": \"any\"}, {\"src\": \"0.0.0.0/0\"},"
				     "{\"src\": \"::/0\"}, {\"dport\": \"0-65535\"},"
				     "{\"tcp_flags\": \"!syn\"},"
				     "{\"name\": \"rest\", \"out\": \"nomatch\"}]");
	uint8_t f[128];

	ck_assert_int_eq(verdict(h, f, build_arp_request(f, "02:00:00:00:00:01", "1.1.1.1",
							  "2.2.2.2")), 'n');
	for (int i = 0; i < 5; i++) {
		char name[16];
		snprintf(name, sizeof(name), "rule[%d]", i);
		ck_assert_uint_eq(harness_counter(h, "fw", name), 0);
	}
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[5] rest"), 1);
	/* an unknown EtherType is not IP either */
	f[12] = 0x88;
	f[13] = 0xb5;
	ck_assert_int_eq(verdict(h, f, 60), 'n');
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[5] rest"), 2);
	/* ...while IP packets match the first rule */
	ck_assert_int_eq(verdict(h, f, build_udp6(f, "1::1", "2::2", 1, 2, 4)), 'y');
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[0]"), 1);
	harness_free(h);
}
END_TEST

START_TEST(fragments)
{
	struct harness *h = fw_graph("\"rules\": ["
				     "{\"name\": \"dns\", \"dport\": 53},"
				     "{\"name\": \"syn\", \"tcp_flags\": \"syn\"},"
				     "{\"name\": \"udp\", \"proto\": \"udp\", \"out\": \"nomatch\"}]");
	uint8_t f[128];
	size_t len;

	/* a non-first IPv4 fragment has no ports: the port rule does not see 53 */
	len = build_udp4(f, "1.1.1.1", "2.2.2.2", 53, 53, 16);
	ip4_make_fragment(f, 100, false);
	ck_assert_int_eq(verdict(h, f, len), 'n');
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[2] udp"), 1);
	/* the first fragment carries the UDP header */
	len = build_udp4(f, "1.1.1.1", "2.2.2.2", 53, 53, 16);
	ip4_make_fragment(f, 0, true);
	ck_assert_int_eq(verdict(h, f, len), 'y');
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[0] dns"), 1);
	/* a non-first TCP fragment has no flags either */
	len = build_tcp4(f, "1.1.1.1", "2.2.2.2", 53, 53, RTE_TCP_SYN_FLAG, 8);
	ip4_make_fragment(f, 3, true);
	ck_assert_int_eq(verdict(h, f, len), 'n');
	ck_assert_uint_eq(harness_counter(h, "fw", "no_rule_matched"), 1);
	/* a first TCP fragment cut inside its header (parse: L4_FRAG): ports yes, flags no */
	len = build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 53, RTE_TCP_SYN_FLAG, 0);
	len -= 12;
	((struct rte_ipv4_hdr *)(f + ETH))->total_length = rte_cpu_to_be_16(20 + 8);
	ip4_make_fragment(f, 0, true);
	ck_assert_int_eq(verdict(h, f, len), 'y');
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[0] dns"), 2);
	len = build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 54, RTE_TCP_SYN_FLAG, 0);
	len -= 12;
	((struct rte_ipv4_hdr *)(f + ETH))->total_length = rte_cpu_to_be_16(20 + 8);
	ip4_make_fragment(f, 0, true);
	ck_assert_int_eq(verdict(h, f, len), 'n');
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[1] syn"), 0);
	ck_assert_uint_eq(harness_counter(h, "fw", "no_rule_matched"), 2);
	/* IPv6: the same through the fragment header */
	len = build_udp6_fragment(f, "1::1", "2::2", 53, 53, 0, true);
	ck_assert_int_eq(verdict(h, f, len), 'y');
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[0] dns"), 3);
	len = build_udp6_fragment(f, "1::1", "2::2", 53, 53, 10, false);
	ck_assert_int_eq(verdict(h, f, len), 'n');
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[2] udp"), 2);
	harness_free(h);
}
END_TEST

/* Without parse in front, filter still never reads past the frame or the IP
 * packet: fields that are not there do not match. */
START_TEST(short_and_unparsed_frames)
{
	struct harness *h = harness_load(
		"{\"nodes\": {\"in\": {\"op\": \"test_inject\"},"
		" \"fw\": {\"op\": \"filter\", \"rules\": [{\"dport\": 80}, {\"proto\": \"tcp\","
		" \"out\": \"nomatch\"}]},"
		" \"yes\": {\"op\": \"test_collect\"}, \"no\": {\"op\": \"test_collect\"}},"
		" \"edges\": [\"in -> fw\", \"fw.match -> yes\", \"fw.nomatch -> no\"]}");
	uint8_t f[128];
	size_t len = build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 80, 0x02, 0);
	struct rte_mbuf *m[4];

	/* 0: parsed, complete: dport 80 */
	m[0] = harness_pkt(f, len);
	/* 1: the frame ends 2 bytes into TCP: proto tcp, no ports */
	m[1] = harness_pkt(f, ETH + 20 + 2);
	/* 2: the IP packet ends before TCP (the rest is padding): no ports */
	((struct rte_ipv4_hdr *)(f + ETH))->total_length = rte_cpu_to_be_16(20);
	m[2] = harness_pkt(f, len);
	/* 3: l3_len reaches past the frame: not IP at all */
	m[3] = harness_pkt(f, ETH + 10);
	for (int i = 0; i < 4; i++) {
		m[i]->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
		m[i]->l2_len = ETH;
		m[i]->l3_len = 20;
	}
	harness_inject(h, "in", m, 4);
	/* 4: nothing parsed (packet_type 0): not IP */
	struct rte_mbuf *raw = harness_pkt(f, len);
	harness_inject(h, "in", &raw, 1);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[0]"), 1);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[1]"), 2);
	ck_assert_uint_eq(harness_counter(h, "fw", "no_rule_matched"), 2);
	harness_free(h);
}
END_TEST

/* ---- refused rules ----------------------------------------------------- */

START_TEST(bad_rules_refused)
{
	assert_error("\"rules\": [{}, {\"tcp_flags\": \"syn,bogus\"}]", "nodes.fw.rules[1].tcp_flags",
		     "unknown TCP flag \"bogus\"");
	assert_error("\"rules\": [{\"tcp_flags\": \"syn,!syn\"}]", "nodes.fw.rules[0].tcp_flags",
		     "appears twice");
	assert_error("\"rules\": [{\"tcp_flags\": \"syn,,ack\"}]", "nodes.fw.rules[0].tcp_flags",
		     "empty flag");
	assert_error("\"rules\": [{\"tcp_flags\": \"\"}]", "nodes.fw.rules[0].tcp_flags",
		     "empty flag");
	assert_error("\"rules\": [{\"proto\": \"udp\", \"tcp_flags\": \"syn\"}]",
		     "nodes.fw.rules[0].tcp_flags", "need proto tcp");
	assert_error("\"rules\": [{}, {}, {\"proto\": \"icmp\", \"dport\": 80}]",
		     "nodes.fw.rules[2].dport", "ports need proto tcp or udp");
	assert_error("\"rules\": [{\"proto\": \"icmp6\", \"sport\": \"1-2\"}]",
		     "nodes.fw.rules[0].sport", "ports need proto tcp or udp");
	assert_error("\"rules\": [{\"src\": \"198.18.0.0/15\", \"dst\": \"2001:db8::1\"}]",
		     "nodes.fw.rules[0].dst", "one family");
	assert_error("\"rules\": [{\"src\": \"2001:db8::/32\", \"proto\": \"icmp\"}]",
		     "nodes.fw.rules[0].proto", "use icmp6");
	assert_error("\"rules\": [{\"dst\": \"10.0.0.1\", \"proto\": \"icmp6\"}]",
		     "nodes.fw.rules[0].proto", "use icmp");
	/* what the type checker refuses, also at the path */
	assert_error("\"rules\": [{\"src\": \"198.18.0.0/33\"}]", "nodes.fw.rules[0].src",
		     "expected an address or prefix");
	assert_error("\"rules\": [{}, {\"dport\": \"2000-1000\"}]", "nodes.fw.rules[1].dport",
		     "expected a port");
	assert_error("\"rules\": [{\"proto\": \"sctp\"}]", "nodes.fw.rules[0].proto", "icmp6");
	assert_error("\"rules\": [{\"out\": \"drop\"}]", "nodes.fw.rules[0].out", "nomatch");
	assert_error("\"rules\": [{\"dprot\": 80}]", "nodes.fw.rules[0].dprot",
		     "unknown parameter");
	assert_error("\"rules\": [], \"default\": \"maybe\"", "nodes.fw.default", "nomatch");
	assert_error("\"rules\": [], \"acl_threshold\": 0", "nodes.fw.acl_threshold", "from 1");
}
END_TEST

/* ---- the rte_acl path -------------------------------------------------- */

#define EQ_PACKETS 3000
#define EQ_RULES 24
#define EQ_FRAME 96

static uint32_t rng_state;

static uint32_t
rnd(void)
{
	/* xorshift32: the same sequence on every run */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void
random_ip4(char *buf, size_t len)
{
	snprintf(buf, len, "198.18.%u.%u", rnd() % 4, rnd() % 256);
}

static void
random_prefix4(char *buf, size_t len)
{
	static const unsigned lens[] = { 15, 16, 22, 23, 24, 26, 30, 32 };
	snprintf(buf, len, "198.18.%u.%u/%u", rnd() % 4, rnd() % 256, lens[rnd() % RTE_DIM(lens)]);
}

static void
random_ports(char *buf, size_t len)
{
	/* ranges from 0 also cover the 0 that packets without ports have in the
	 * ACL key: only the "has ports" bit keeps them apart */
	unsigned lo = rnd() % 6 == 0 ? 0 : rnd() % 1100;
	unsigned width = rnd() % 4 == 0 ? 0 : rnd() % 600;
	if (width == 0)
		snprintf(buf, len, "%u", lo);
	else
		snprintf(buf, len, "\"%u-%u\"", lo, RTE_MIN(lo + width, 65535u));
}

/* One random IPv4 rule's fields (after "out" and "name"); returns how many
 * conditions it has that narrow it down. */
static unsigned
random_rule_fields(char *buf, size_t cap)
{
	static const char *const protos[] = { NULL, NULL, "tcp", "udp", "icmp", "any" };
	static const char *const flags[] = { "syn", "syn,!ack", "ack", "!syn", "fin,ack", "rst",
					     "!ack,!rst", "psh,ack,!fin" };
	const char *proto = protos[rnd() % RTE_DIM(protos)];
	size_t used = 0;
	unsigned narrowing = 0;
	char field[64];

	buf[0] = '\0';
	if (rnd() % 2) {
		random_prefix4(field, sizeof(field));
		used += (size_t)snprintf(buf + used, cap - used, ", \"src\": \"%s\"", field);
		narrowing++;
	}
	if (rnd() % 2) {
		random_prefix4(field, sizeof(field));
		used += (size_t)snprintf(buf + used, cap - used, ", \"dst\": \"%s\"", field);
		narrowing++;
	}
	if (proto) {
		used += (size_t)snprintf(buf + used, cap - used, ", \"proto\": \"%s\"", proto);
		narrowing += strcmp(proto, "any") != 0;
	}
	bool l4_ok = !proto || strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0 ||
		     strcmp(proto, "any") == 0;
	if (l4_ok && rnd() % 2) {
		random_ports(field, sizeof(field));
		used += (size_t)snprintf(buf + used, cap - used, ", \"dport\": %s", field);
		narrowing++;
	}
	if (l4_ok && rnd() % 4 == 0) {
		random_ports(field, sizeof(field));
		used += (size_t)snprintf(buf + used, cap - used, ", \"sport\": %s", field);
		narrowing++;
	}
	bool tcp_ok = !proto || strcmp(proto, "tcp") == 0 || strcmp(proto, "any") == 0;
	if (tcp_ok && rnd() % 3 == 0) {
		snprintf(buf + used, cap - used, ", \"tcp_flags\": \"%s\"",
			 flags[rnd() % RTE_DIM(flags)]);
		narrowing++;
	}
	return narrowing;
}

/* A mixed IPv4 rule set; returns the JSON of the "rules" array. Every rule
 * has two conditions or more, so that no early rule takes all the traffic
 * and many rules get to decide some packets. */
static char *
random_rules(char names[EQ_RULES][48])
{
	size_t cap = 16384, used = 0;
	char *out = malloc(cap);
	char fields[512];

	used += (size_t)snprintf(out + used, cap - used, "[");
	for (unsigned i = 0; i < EQ_RULES; i++) {
		while (random_rule_fields(fields, sizeof(fields)) < 2)
			;
		const char *verdict = rnd() % 3 == 0 ? "nomatch" : "match";
		if (rnd() % 2) {
			snprintf(names[i], 48, "rule[%u] r%u", i, i);
			used += (size_t)snprintf(out + used, cap - used,
						 "%s{\"name\": \"r%u\", \"out\": \"%s\"%s}",
						 i ? ", " : "", i, verdict, fields);
		} else {
			snprintf(names[i], 48, "rule[%u]", i);
			used += (size_t)snprintf(out + used, cap - used, "%s{\"out\": \"%s\"%s}",
						 i ? ", " : "", verdict, fields);
		}
	}
	snprintf(out + used, cap - used, "]");
	return out;
}

/* Mostly IPv4 TCP/UDP/ICMP, some fragments, a few IPv6 and ARP; the packet's
 * index is in its last two bytes. */
static void
random_frames(uint8_t (*frames)[EQ_FRAME], uint16_t *lens)
{
	for (unsigned i = 0; i < EQ_PACKETS; i++) {
		char src[32], dst[32];
		uint8_t *f = frames[i];
		unsigned kind = rnd() % 100;
		uint16_t sport = (uint16_t)(rnd() % 1200), dport = (uint16_t)(rnd() % 1200);
		size_t len;

		random_ip4(src, sizeof(src));
		random_ip4(dst, sizeof(dst));
		if (kind < 40) {
			len = build_tcp4(f, src, dst, sport, dport, (uint8_t)rnd(), 4);
		} else if (kind < 75) {
			len = build_udp4(f, src, dst, sport, dport, 4);
		} else if (kind < 88) {
			len = build_icmp4_echo(f, src, dst, sport, dport, 4);
		} else if (kind < 93) {
			len = rnd() % 2 ? build_udp4(f, src, dst, sport, dport, 4)
					: build_tcp4(f, src, dst, sport, dport, (uint8_t)rnd(), 4);
			ip4_make_fragment(f, (uint16_t)(1 + rnd() % 100), rnd() % 2);
		} else if (kind < 96) {
			len = build_tcp4(f, src, dst, sport, dport, (uint8_t)rnd(), 4);
			ip4_make_fragment(f, 0, true);
		} else if (kind < 98) {
			len = build_udp6(f, "2001:db8::1", "2001:db8::2", sport, dport, 4);
		} else {
			len = build_arp_request(f, "02:00:00:00:00:07", src, dst);
		}
		ck_assert_uint_le(len, EQ_FRAME);
		f[len - 2] = (uint8_t)(i >> 8);
		f[len - 1] = (uint8_t)i;
		lens[i] = (uint16_t)len;
	}
}

struct eq_run {
	char outcome[EQ_PACKETS];
	uint64_t counters[EQ_RULES + 1];
	bool used_acl;
};

static void
collect_outcome(struct harness *h, const char *node, char mark, char *outcome)
{
	struct rte_mbuf **got;
	unsigned n = harness_collected(h, node, &got);

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *d = rte_pktmbuf_mtod(got[i], const uint8_t *);
		unsigned len = rte_pktmbuf_data_len(got[i]);
		unsigned idx = (unsigned)d[len - 2] << 8 | d[len - 1];
		ck_assert_uint_lt(idx, EQ_PACKETS);
		ck_assert_int_eq(outcome[idx], 0);
		outcome[idx] = mark;
	}
}

static void
run_rules(const char *rules, unsigned threshold, uint8_t (*frames)[EQ_FRAME],
	  const uint16_t *lens, char names[EQ_RULES][48], struct eq_run *run)
{
	char *params = malloc(strlen(rules) + 128);
	struct rte_mbuf *m;

	sprintf(params, "\"rules\": %s, \"acl_threshold\": %u", rules, threshold);
	struct harness *h = fw_graph(params);
	free(params);
	run->used_acl = fw_config()->acl != NULL;
	/* Two sources into parse: the filter gets batches larger than its chunk. */
	for (unsigned i = 0; i < EQ_PACKETS; i++) {
		m = harness_pkt(frames[i], lens[i]);
		harness_inject(h, i % 2 ? "in2" : "in", &m, 1);
	}
	harness_walk(h, 20);
	memset(run->outcome, 0, sizeof(run->outcome));
	collect_outcome(h, "yes", 'y', run->outcome);
	collect_outcome(h, "no", 'n', run->outcome);
	for (unsigned i = 0; i < EQ_PACKETS; i++)
		ck_assert_msg(run->outcome[i] != 0, "packet %u did not come out", i);
	for (unsigned r = 0; r < EQ_RULES; r++)
		run->counters[r] = harness_counter(h, "fw", names[r]);
	run->counters[EQ_RULES] = harness_counter(h, "fw", "no_rule_matched");
	harness_free(h);
}

START_TEST(acl_and_linear_agree)
{
	static uint8_t frames[EQ_PACKETS][EQ_FRAME];
	static uint16_t lens[EQ_PACKETS];
	static struct eq_run acl, linear;
	char names[EQ_RULES][48];

	for (unsigned seed = 1; seed <= 3; seed++) {
		rng_state = 0x9e3779b9u * seed;
		char *rules = random_rules(names);
		random_frames(frames, lens);

		run_rules(rules, 16, frames, lens, names, &acl);
		run_rules(rules, 1000000, frames, lens, names, &linear);
		ck_assert_msg(acl.used_acl, "seed %u: the rte_acl path was not built", seed);
		ck_assert_msg(!linear.used_acl, "seed %u: rte_acl built above the threshold", seed);
		for (unsigned i = 0; i < EQ_PACKETS; i++)
			ck_assert_msg(acl.outcome[i] == linear.outcome[i],
				      "seed %u: packet %u: acl '%c', linear '%c' (rules %s)", seed, i,
				      acl.outcome[i], linear.outcome[i], rules);
		unsigned rules_hit = 0;
		uint64_t total = 0;
		for (unsigned r = 0; r <= EQ_RULES; r++) {
			ck_assert_msg(acl.counters[r] == linear.counters[r],
				      "seed %u: counter %u: acl %lu, linear %lu", seed, r,
				      (unsigned long)acl.counters[r], (unsigned long)linear.counters[r]);
			rules_hit += r < EQ_RULES && acl.counters[r] > 0;
			total += acl.counters[r];
		}
		ck_assert_uint_eq(total, EQ_PACKETS);
		/* the test means something only if many rules decide some packets */
		ck_assert_msg(rules_hit >= 8, "seed %u: only %u rules matched anything", seed,
			      rules_hit);
		ck_assert_uint_gt(acl.counters[EQ_RULES], 0);
		free(rules);
	}
}
END_TEST

/* The rules compiled for IPv4 TCP/UDP (filter_fast_match) answer exactly as
 * the interpreter (filter_match) on every parsed packet the fast path takes;
 * random rule sets and packets. */
static unsigned
compare_paths(struct harness *h, const char *node, const struct filter_config *cfg, unsigned seed)
{
	struct rte_mbuf **got;
	unsigned n = harness_collected(h, node, &got), fast = 0;

	for (unsigned i = 0; i < n; i++) {
		struct filter_packet pk;
		filter_packet_read(got[i], &pk);
		int interpreted = filter_match(cfg, &pk);
		if (!filter_fast_packet(got[i]))
			continue;
		fast++;
		int compiled = filter_fast_match(cfg, got[i]);
		ck_assert_msg(compiled == interpreted, "seed %u: compiled rule %d, interpreted %d",
			      seed, compiled, interpreted);
	}
	return fast;
}

START_TEST(compiled_and_interpreted_agree)
{
	static uint8_t frames[EQ_PACKETS][EQ_FRAME];
	static uint16_t lens[EQ_PACKETS];
	char names[EQ_RULES][48];

	for (unsigned seed = 1; seed <= 20; seed++) {
		rng_state = 0x85ebca6bu * seed;
		char *rules = random_rules(names);
		char *params = malloc(strlen(rules) + 128);
		random_frames(frames, lens);
		sprintf(params, "\"rules\": %s, \"acl_threshold\": 1000000", rules);
		struct harness *h = fw_graph(params);
		const struct filter_config *cfg = fw_config();
		ck_assert_ptr_null(cfg->acl);
		ck_assert_uint_gt(cfg->nb_fast, 0);
		for (unsigned i = 0; i < EQ_PACKETS; i++) {
			struct rte_mbuf *m = harness_pkt(frames[i], lens[i]);
			harness_inject(h, "in", &m, 1);
		}
		harness_walk(h, 20);
		unsigned fast = compare_paths(h, "yes", cfg, seed) + compare_paths(h, "no", cfg, seed);
		ck_assert_msg(fast > EQ_PACKETS / 2, "seed %u: only %u packets took the fast path",
			      seed, fast);
		harness_free(h);
		free(params);
		free(rules);
	}
}
END_TEST

START_TEST(acl_only_when_usable)
{
	uint8_t f[128];
	struct harness *h;

	/* enough rules, but one names an IPv6 address: linear for everything */
	h = fw_graph("\"acl_threshold\": 2, \"rules\": [{\"dport\": 80}, {\"src\": \"2001:db8::/32\"},"
		     " {\"proto\": \"icmp\"}]");
	ck_assert_ptr_null(fw_config()->acl);
	ck_assert_int_eq(verdict(h, f, build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 80, 0x02, 0)), 'y');
	harness_free(h);

	/* icmp6 rules stay out of the ACL but still match IPv6 (linear). One batch
	 * of 40, large enough for the ACL path (a single packet goes linear). */
	h = fw_graph("\"acl_threshold\": 2, \"rules\": [{\"proto\": \"icmp6\", \"out\": \"nomatch\"},"
		     " {\"dport\": 80}, {\"proto\": \"any\", \"out\": \"nomatch\"}],"
		     " \"default\": \"match\"");
	ck_assert_ptr_nonnull(fw_config()->acl);
	struct rte_mbuf *pkts[40];
	for (unsigned i = 0; i < 40; i++) {
		size_t len = i % 4 == 0 ? build_icmp6_echo(f, "1::1", "2::2")
			     : i % 4 == 1 ? build_tcp4(f, "1.1.1.1", "2.2.2.2", 1, 80, 0x02, 0)
			     : i % 4 == 2 ? build_icmp4_echo(f, "1.1.1.1", "2.2.2.2", 1, 1, 8)
					  : build_arp_request(f, "02:00:00:00:00:01", "1.1.1.1",
							      "2.2.2.2");
		pkts[i] = harness_pkt(f, len);
	}
	harness_inject(h, "in", pkts, 40);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[0]"), 10);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[1]"), 10);
	ck_assert_uint_eq(harness_counter(h, "fw", "rule[2]"), 10);
	ck_assert_uint_eq(harness_counter(h, "fw", "no_rule_matched"), 10);
	struct rte_mbuf **got;
	ck_assert_uint_eq(harness_collected(h, "yes", &got), 20);
	for (unsigned i = 0; i < 20; i++) {
		const struct rte_ether_hdr *e = rte_pktmbuf_mtod(got[i], const struct rte_ether_hdr *);
		ck_assert_uint_eq(rte_be_to_cpu_16(e->ether_type),
				  i % 2 ? RTE_ETHER_TYPE_ARP : RTE_ETHER_TYPE_IPV4);
	}
	ck_assert_uint_eq(harness_collected(h, "no", NULL), 20);
	harness_free(h);
}
END_TEST

TEST_SUITE(filter_suite)
static Suite *
filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("rules");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, ipv4_prefixes);
	tcase_add_test(tc, ipv6_prefixes);
	tcase_add_test(tc, port_ranges);
	tcase_add_test(tc, protocols);
	tcase_add_test(tc, tcp_flags);
	tcase_add_test(tc, first_match_wins_and_counters);
	tcase_add_test(tc, default_and_unconnected_nomatch);
	tcase_add_test(tc, non_ip_packets);
	tcase_add_test(tc, fragments);
	tcase_add_test(tc, short_and_unparsed_frames);
	tcase_add_test(tc, bad_rules_refused);
	tcase_add_test(tc, acl_and_linear_agree);
	tcase_add_test(tc, acl_only_when_usable);
	tcase_add_test(tc, compiled_and_interpreted_agree);
	suite_add_tcase(s, tc);
	return s;
}
