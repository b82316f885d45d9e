/* SPDX-License-Identifier: BSD-3-Clause
 *
 * classify: after parse, each packet reaches the output of the first listed
 * class it belongs to, or "other"; lists that cannot work are refused with
 * the JSON path of the culprit.
 */
#include <netinet/in.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

/* ---- frames of every kind ---------------------------------------------- */

enum kind {
	K_ARP, K_ARP_VLAN, K_TCP4, K_TCP6, K_UDP4, K_UDP6, K_UDP4_VLAN, K_UDP4_QINQ,
	K_ICMP4, K_ICMP6, K_FRAG4, K_GRE4, K_NONEXT6, K_LLDP, K_LLDP_VLAN,
};

/* Puts a tag after the MAC addresses. */
static size_t
insert_tag(uint8_t *buf, size_t len, uint16_t tpid)
{
	memmove(buf + 16, buf + 12, len - 12);
	buf[12] = (uint8_t)(tpid >> 8);
	buf[13] = (uint8_t)tpid;
	buf[14] = 0;
	buf[15] = 42;
	return len + 4;
}

static size_t
make_frame(enum kind k, uint8_t *buf)
{
	const char *a4 = "198.18.0.1", *b4 = "198.19.0.1", *a6 = "2001:db8::1", *b6 = "2001:db8::2";
	size_t n;

	switch (k) {
	case K_ARP:
		return build_arp_request(buf, "02:00:00:00:00:01", a4, b4);
	case K_ARP_VLAN:
		return insert_tag(buf, make_frame(K_ARP, buf), RTE_ETHER_TYPE_VLAN);
	case K_TCP4:
		return build_tcp4(buf, a4, b4, 1000, 80, RTE_TCP_SYN_FLAG, 0);
	case K_TCP6: /* a UDP6 frame whose 20 bytes of payload become a TCP header */
		n = build_udp6(buf, a6, b6, 1000, 80, 12);
		buf[14 + 6] = IPPROTO_TCP;
		buf[54 + 12] = 5 << 4;
		return n;
	case K_UDP4:
		return build_udp4(buf, a4, b4, 1000, 53, 10);
	case K_UDP6:
		return build_udp6(buf, a6, b6, 1000, 53, 10);
	case K_UDP4_VLAN:
		return insert_tag(buf, make_frame(K_UDP4, buf), RTE_ETHER_TYPE_VLAN);
	case K_UDP4_QINQ:
		return insert_tag(buf, make_frame(K_UDP4_VLAN, buf), RTE_ETHER_TYPE_QINQ);
	case K_ICMP4:
		return build_icmp4_echo(buf, a4, b4, 1, 1, 8);
	case K_ICMP6:
		n = build_udp6(buf, a6, b6, 1, 1, 8);
		buf[14 + 6] = IPPROTO_ICMPV6;
		return n;
	case K_FRAG4: /* a later fragment (offset 100 * 8) */
		n = build_udp4(buf, a4, b4, 1000, 53, 10);
		buf[14 + 6] = 0;
		buf[14 + 7] = 100;
		return n;
	case K_GRE4:
		n = build_udp4(buf, a4, b4, 1000, 53, 10);
		buf[14 + 9] = IPPROTO_GRE;
		return n;
	case K_NONEXT6:
		n = build_udp6(buf, a6, b6, 1000, 53, 10);
		buf[14 + 6] = IPPROTO_NONE;
		return n;
	case K_LLDP:
		n = build_udp4(buf, a4, b4, 1000, 53, 10);
		buf[12] = 0x88;
		buf[13] = 0xcc;
		return n;
	case K_LLDP_VLAN:
		return insert_tag(buf, make_frame(K_LLDP, buf), RTE_ETHER_TYPE_VLAN);
	}
	return 0;
}

/* ---- graphs ------------------------------------------------------------ */

/* in -> parse -> classify, class X to collector k_X; "other" to k_other
 * unless with_other is false. `classes` is a JSON array text. */
static struct harness *
classify_graph(const char *classes, bool with_other)
{
	char json[4096], nodes[2048] = "", edges[2048] = "";
	char list[256], *save = NULL;

	snprintf(list, sizeof(list), "%s", classes);
	for (char *t = strtok_r(list, "[\", ]", &save); t; t = strtok_r(NULL, "[\", ]", &save)) {
		size_t nl = strlen(nodes), el = strlen(edges);
		snprintf(nodes + nl, sizeof(nodes) - nl, ", \"k_%s\": {\"op\": \"test_collect\"}", t);
		snprintf(edges + el, sizeof(edges) - el, ", \"c.%s -> k_%s\"", t, t);
	}
	snprintf(json, sizeof(json),
		 "{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"p\": {\"op\": \"parse\"},\n"
		 "  \"c\": {\"op\": \"classify\", \"classes\": %s}%s%s},\n"
		 " \"edges\": [\"in -> p -> c\"%s%s]}",
		 classes, nodes, with_other ? ", \"k_other\": {\"op\": \"test_collect\"}" : "",
		 edges, with_other ? ", \"c.other -> k_other\"" : "");
	return harness_load(json);
}

struct route {
	enum kind kind;
	const char *to; /* class name, or "other" */
};

/* Sends the frames in one batch and checks that each collector got exactly
 * the frames routed to it, in order. */
static void
check_routes(struct harness *h, const struct route *routes, unsigned n)
{
	struct rte_mbuf *pkts[64];
	uint8_t buf[256];

	ck_assert_uint_le(n, RTE_DIM(pkts));
	for (unsigned i = 0; i < n; i++)
		pkts[i] = harness_pkt(buf, make_frame(routes[i].kind, buf));
	harness_inject(h, "in", pkts, n);
	harness_walk(h, 2);
	for (unsigned i = 0; i < n; i++) {
		char collector[32];
		struct rte_mbuf **got;
		unsigned expected = 0;

		snprintf(collector, sizeof(collector), "k_%s", routes[i].to);
		for (unsigned j = 0; j < n; j++)
			if (strcmp(routes[j].to, routes[i].to) == 0)
				expected++;
		ck_assert_msg(harness_collected(h, collector, &got) == expected,
			      "%s got %u packets, expected %u", collector,
			      harness_collected(h, collector, NULL), expected);
		unsigned k = 0;
		for (unsigned j = 0; j < n; j++)
			if (strcmp(routes[j].to, routes[i].to) == 0)
				ck_assert_msg(got[k++] == pkts[j], "frame %u (kind %d) not in %s",
					      j, routes[j].kind, collector);
	}
}

/* ---- routing ----------------------------------------------------------- */

START_TEST(routes_each_class)
{
	struct harness *h = classify_graph(
		"[\"arp\", \"frag\", \"icmp\", \"icmp6\", \"tcp\", \"udp\", \"vlan\", \"ipv4\", \"ipv6\"]",
		true);
	static const struct route routes[] = {
		{ K_ARP, "arp" },      { K_ARP_VLAN, "arp" },   { K_TCP4, "tcp" },
		{ K_TCP6, "tcp" },     { K_UDP4, "udp" },       { K_UDP6, "udp" },
		{ K_UDP4_VLAN, "udp" }, { K_UDP4_QINQ, "udp" }, { K_ICMP4, "icmp" },
		{ K_ICMP6, "icmp6" },  { K_FRAG4, "frag" },     { K_GRE4, "ipv4" },
		{ K_NONEXT6, "ipv6" }, { K_LLDP, "other" },     { K_LLDP_VLAN, "vlan" },
		{ K_TCP4, "tcp" },     { K_LLDP, "other" },
	};

	check_routes(h, routes, RTE_DIM(routes));
	ck_assert_uint_eq(harness_counter(h, "c", "other"), 2);
	/* Each output counts what it sent: every packet in exactly one. */
	static const struct { const char *name; uint64_t n; } sent[] = {
		{ "arp", 2 }, { "frag", 1 }, { "icmp", 1 }, { "icmp6", 1 }, { "tcp", 3 },
		{ "udp", 4 }, { "vlan", 1 }, { "ipv4", 1 }, { "ipv6", 1 },
	};
	for (unsigned i = 0; i < RTE_DIM(sent); i++)
		ck_assert_msg(harness_counter(h, "c", sent[i].name) == sent[i].n, "%s: %" PRIu64,
			      sent[i].name, harness_counter(h, "c", sent[i].name));
	harness_free(h);
}
END_TEST

START_TEST(first_match_wins)
{
	struct harness *h = classify_graph("[\"ip\", \"vlan\"]", true);
	static const struct route ip_first[] = {
		{ K_UDP4_VLAN, "ip" }, { K_LLDP_VLAN, "vlan" }, { K_ARP_VLAN, "vlan" },
		{ K_ARP, "other" },    { K_ICMP6, "ip" },       { K_FRAG4, "ip" },
	};
	check_routes(h, ip_first, RTE_DIM(ip_first));
	harness_free(h);

	h = classify_graph("[\"vlan\", \"ip\"]", true);
	static const struct route vlan_first[] = {
		{ K_UDP4_VLAN, "vlan" }, { K_UDP4_QINQ, "vlan" }, { K_UDP4, "ip" },
		{ K_ARP_VLAN, "vlan" },  { K_LLDP, "other" },     { K_UDP6, "ip" },
	};
	check_routes(h, vlan_first, RTE_DIM(vlan_first));
	harness_free(h);

	h = classify_graph("[\"tcp\", \"ip\", \"arp\"]", true);
	static const struct route tcp_then_ip[] = {
		{ K_TCP6, "tcp" }, { K_UDP6, "ip" },  { K_FRAG4, "ip" },  { K_ARP, "arp" },
		{ K_LLDP, "other" }, { K_TCP4, "tcp" }, { K_ICMP4, "ip" }, { K_GRE4, "ip" },
	};
	check_routes(h, tcp_then_ip, RTE_DIM(tcp_then_ip));
	ck_assert_uint_eq(harness_counter(h, "c", "other"), 1);
	harness_free(h);
}
END_TEST

START_TEST(other_unconnected_is_counted)
{
	struct harness *h = classify_graph("[\"tcp\"]", false);
	static const struct route routes[] = {
		{ K_UDP4, "other" }, { K_TCP4, "tcp" }, { K_ARP, "other" }, { K_TCP6, "tcp" },
	};
	struct rte_mbuf *pkts[4], **got;
	uint8_t buf[256];

	for (unsigned i = 0; i < RTE_DIM(routes); i++)
		pkts[i] = harness_pkt(buf, make_frame(routes[i].kind, buf));
	harness_inject(h, "in", pkts, 4);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "k_tcp", &got), 2);
	ck_assert_ptr_eq(got[0], pkts[1]);
	ck_assert_ptr_eq(got[1], pkts[3]);
	ck_assert_uint_eq(harness_counter(h, "c", "other"), 2);
	ck_assert_uint_eq(harness_counter(h, "c.other", "c.other (output left unconnected)"), 2);
	harness_free(h);
}
END_TEST

/* Runs of packets for the same output, a batch that is all one class, and
 * two outputs leading to the same node. */
START_TEST(batches_and_shared_targets)
{
	struct harness *h = harness_load(
		"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"p\": {\"op\": \"parse\"},\n"
		"  \"c\": {\"op\": \"classify\", \"classes\": [\"tcp\", \"udp\"]},\n"
		"  \"l4\": {\"op\": \"test_collect\"}, \"rest\": {\"op\": \"test_collect\"}},\n"
		" \"edges\": [\"in -> p -> c\", \"c.tcp -> l4\", \"c.udp -> l4\", \"c.other -> rest\"]}");
	static const enum kind pattern[] = { K_TCP4, K_UDP4, K_ARP, K_TCP4, K_TCP4, K_UDP6,
					     K_LLDP, K_LLDP, K_TCP6, K_ICMP4 };
	struct rte_mbuf *pkts[60], **got;
	uint8_t buf[256];
	unsigned n = 0, nb_rest = 0, k = 0;

	for (unsigned i = 0; i < 50; i++) {
		enum kind kd = pattern[(i * 7 + i / 10) % RTE_DIM(pattern)];
		pkts[n++] = harness_pkt(buf, make_frame(kd, buf));
	}
	harness_inject(h, "in", pkts, n);
	harness_walk(h, 2);
	unsigned nb_l4 = harness_collected(h, "l4", &got);
	for (unsigned i = 0; i < n; i++) {
		uint32_t l4 = pkts[i]->packet_type & RTE_PTYPE_L4_MASK;
		if (l4 == RTE_PTYPE_L4_TCP || l4 == RTE_PTYPE_L4_UDP) {
			ck_assert_uint_lt(k, nb_l4);
			ck_assert_ptr_eq(got[k++], pkts[i]);
		} else {
			nb_rest++;
		}
	}
	ck_assert_uint_eq(k, nb_l4);
	ck_assert_uint_gt(nb_rest, 5);
	ck_assert_uint_eq(harness_collected(h, "rest", NULL), nb_rest);
	ck_assert_uint_eq(harness_counter(h, "c", "other"), nb_rest);

	/* one class for the whole batch: it moves as one */
	for (unsigned i = 0; i < 40; i++)
		pkts[i] = harness_pkt(buf, make_frame(K_UDP6, buf));
	harness_inject(h, "in", pkts, 40);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "l4", &got), nb_l4 + 40);
	for (unsigned i = 0; i < 40; i++)
		ck_assert_ptr_eq(got[nb_l4 + i], pkts[i]);
	ck_assert_uint_eq(harness_counter(h, "c", "other"), nb_rest);
	ck_assert_uint_eq(harness_counter(h, "c", "tcp") + harness_counter(h, "c", "udp"),
			  nb_l4 + 40);
	harness_free(h);
}
END_TEST

/* ---- refused lists ----------------------------------------------------- */

static void
assert_refused(const char *classes, const char *place, const char *words)
{
	char json[1024];

	snprintf(json, sizeof(json),
		 "{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"p\": {\"op\": \"parse\"},\n"
		 "  \"c\": {\"op\": \"classify\"%s%s}},\n"
		 " \"edges\": [\"in -> p -> c\"]}",
		 classes ? ", \"classes\": " : "", classes ? classes : "");
	const char *msg = harness_load_error(json);
	ck_assert_msg(msg != NULL, "classes %s were accepted", classes);
	ck_assert_msg(strstr(msg, place) != NULL, "message \"%s\" does not name %s", msg, place);
	ck_assert_msg(strstr(msg, words) != NULL, "message \"%s\" does not say \"%s\"", msg, words);
}

START_TEST(bad_class_lists_are_refused)
{
	assert_refused("[\"tcp\", \"sctp\"]", "nodes.c.classes[1]", "unknown class \"sctp\"");
	assert_refused("[\"other\"]", "nodes.c.classes[0]", "\"other\" is always there");
	assert_refused("[\"tcp\", \"udp\", \"tcp\"]", "nodes.c.classes[2]",
		       "already listed at classes[0]");
	assert_refused("[]", "nodes.c.classes", "at least one class");
	assert_refused("[\"ip\", \"tcp\"]", "nodes.c.classes[1]", "\"tcp\" can never match");
	assert_refused("[\"ipv4\", \"ipv6\", \"ip\"]", "nodes.c.classes[2]", "can never match");
	assert_refused("[\"icmp\", \"ipv6\", \"icmp6\"]", "nodes.c.classes[2]", "can never match");
	assert_refused("\"tcp\"", "nodes.c.classes", "expected an array of strings");
	assert_refused("[\"tcp\", 6]", "nodes.c.classes[1]", "expected a string");
	assert_refused(NULL, "nodes.c", "missing parameter \"classes\"");
	/* a class after one that takes only part of its packets is fine */
	ck_assert_ptr_null(harness_load_error(
		"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"p\": {\"op\": \"parse\"},\n"
		"  \"c\": {\"op\": \"classify\", \"classes\": [\"tcp\", \"ipv4\", \"ip\"]},\n"
		"  \"d\": {\"op\": \"drop\"}},\n"
		" \"edges\": [\"in -> p -> c\", \"c.tcp -> d\", \"c.ipv4 -> d\", \"c.ip -> d\"]}"));
}
END_TEST

TEST_SUITE(classify_suite)
static Suite *
classify_suite(void)
{
	Suite *s = suite_create("classify");
	TCase *tc = tcase_create("classify");

	tcase_add_test(tc, routes_each_class);
	tcase_add_test(tc, first_match_wins);
	tcase_add_test(tc, other_unconnected_is_counted);
	tcase_add_test(tc, batches_and_shared_targets);
	tcase_add_test(tc, bad_class_lists_are_refused);
	suite_add_tcase(s, tc);
	return s;
}
