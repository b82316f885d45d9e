/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Steering: the port-slice arithmetic for masks of every width (every port
 * owned by exactly one worker, slot numbering both ways), the symmetric RSS
 * key (both directions hash alike, where the usual key does not), and the
 * owner of a packet in both directions of a flow: the answer to a
 * connection comes back to the worker that opened it, and a software-spread
 * flow lands on one worker whichever way it goes.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include <rte_random.h>
#include <rte_ring.h>
#include <rte_thash.h>

#include "harness.h"
#include "nfg/steering.h"
#include "../../runtime/steer.h"
#include "../../nf/local_share.h"

static void
check_slices(uint16_t lo, uint16_t hi, uint16_t mask, unsigned workers)
{
	struct nfg_port_slices s;
	char err[160];
	uint32_t total = 0;

	ck_assert_msg(nfg_slices_init(&s, lo, hi, mask, workers, err, sizeof(err)) == 0,
		      "mask 0x%x, %u workers, %u-%u: %s", mask, workers, lo, hi, err);
	for (unsigned w = 0; w < workers; w++) {
		uint32_t n = nfg_slice_count(&s, w);
		ck_assert_uint_gt(n, 0);
		total += n;
		/* Plain checks in the loop: a ck_assert per port would dominate. */
		for (uint32_t i = 0; i < n; i++) {
			uint16_t p = nfg_slice_port(&s, w, i);
			unsigned v = 0, bit = 0;
			for (unsigned b = 0; b < 16; b++)
				if (s.mask & (1u << b))
					v |= ((p >> b) & 1u) << bit++;
			/* The owner is the masked bits' value, modulo the workers. */
			if (p < lo || p > hi || nfg_slice_owner(s.mask, workers, p) != w ||
			    s.index[p - lo] != i || v % workers != w)
				ck_abort_msg("mask 0x%x, %u workers: port %u at %u of worker %u",
					     s.mask, workers, p, i, w);
		}
	}
	ck_assert_uint_eq(total, (uint32_t)hi - lo + 1u);
	nfg_slices_free(&s);
}

START_TEST(port_slices_for_masks_of_every_width)
{
	static const unsigned worker_counts[] = { 1, 2, 3, 4, 5, 8, 16 };

	for (unsigned k = 0; k < RTE_DIM(worker_counts); k++) {
		unsigned workers = worker_counts[k];
		for (unsigned width = 0; width <= 16; width++) {
			uint16_t low = (uint16_t)((1u << width) - 1);
			if ((1u << width) < workers)
				continue;
			check_slices(1024, 65535, low, workers);
			/* The same bits higher up, and scattered. */
			if (width <= 8)
				check_slices(0, 65535, (uint16_t)(low << (16 - width)), workers);
			if (width >= 1 && width <= 8) {
				uint16_t scattered = 0;
				for (unsigned b = 0; b < width; b++)
					scattered |= (uint16_t)(1u << (2 * b));
				check_slices(1, 65535, scattered, workers);
			}
		}
		check_slices(20000, 36383, 0, workers); /* 0: the default mask */
	}
	/* Power-of-two workers and low bits: equal shares. */
	struct nfg_port_slices s;
	char err[160];
	ck_assert_int_eq(nfg_slices_init(&s, 1024, 65535, 0x3, 4, err, sizeof(err)), 0);
	for (unsigned w = 0; w < 4; w++)
		ck_assert_uint_eq(nfg_slice_count(&s, w), (65535 - 1024 + 1) / 4);
	nfg_slices_free(&s);
	ck_assert_uint_eq(nfg_port_mask_default(1), 0);
	ck_assert_uint_eq(nfg_port_mask_default(2), 0x1);
	ck_assert_uint_eq(nfg_port_mask_default(3), 0x3);
	ck_assert_uint_eq(nfg_port_mask_default(8), 0x7);
}
END_TEST

/* The masked bits of a port, bit by bit: what the shortcuts must agree with. */
static unsigned
mask_value_by_bits(uint16_t port, uint16_t mask)
{
	unsigned v = 0, out = 0;

	for (unsigned b = 0; b < 16; b++)
		if (mask & (1u << b))
			v |= ((port >> b) & 1u) << out++;
	return v;
}

/* Every mask (one run of bits or scattered ones), ports spread over the whole
 * range, worker counts powers of two or not. */
START_TEST(mask_value_and_owner_agree_with_the_bits)
{
	for (uint32_t mask = 0; mask <= 0xffff; mask++) {
		for (uint32_t k = 0; k < 16; k++) {
			uint16_t port = (uint16_t)(k * 4099u + mask * 7u);
			unsigned want = mask_value_by_bits(port, (uint16_t)mask);
			ck_assert_uint_eq(nfg_mask_value(port, (uint16_t)mask), want);
			unsigned workers = 1 + (k % 8);
			ck_assert_uint_eq(nfg_slice_owner((uint16_t)mask, workers, port),
					  want % workers);
		}
	}
}
END_TEST

START_TEST(port_slices_refuse_what_cannot_work)
{
	struct nfg_port_slices s;
	char err[160];

	/* One bit names two owners: three workers cannot share it. */
	ck_assert_int_eq(nfg_slices_init(&s, 1024, 65535, 0x1, 3, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "names 2 owners"));
	/* A range too small for every worker to own a port. */
	ck_assert_int_eq(nfg_slices_init(&s, 1000, 1000, 0x1, 2, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "owns no port"));
}
END_TEST

/* The (src, dst, ports) tuple in the order rte_softrss reads it. */
static uint32_t
toeplitz(const uint8_t *key, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	uint32_t tuple[3] = { src, dst, (uint32_t)sport << 16 | dport };

	return rte_softrss(tuple, 3, key);
}

START_TEST(symmetric_rss_key_hashes_both_directions_alike)
{
	/* The key many drivers start with (Microsoft's RSS example key). */
	static const uint8_t usual[NFG_STEER_KEY_LEN] = {
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
		0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
		0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
	};
	unsigned usual_equal = 0;

	for (unsigned i = 0; i < 10000; i++) {
		uint32_t a = (uint32_t)rte_rand(), b = (uint32_t)rte_rand();
		uint16_t pa = (uint16_t)rte_rand(), pb = (uint16_t)rte_rand();
		ck_assert_uint_eq(toeplitz(nfg_rss_key_symmetric, a, b, pa, pb),
				  toeplitz(nfg_rss_key_symmetric, b, a, pb, pa));
		usual_equal += toeplitz(usual, a, b, pa, pb) == toeplitz(usual, b, a, pb, pa);
	}
	ck_assert_uint_lt(usual_equal, 10); /* the test would notice a one-way key */
}
END_TEST

static struct rte_mbuf *
tcp_packet(uint8_t *frame, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	uint32_t sb = htonl(src), db = htonl(dst);

	inet_ntop(AF_INET, &sb, s, sizeof(s));
	inet_ntop(AF_INET, &db, d, sizeof(d));
	return harness_pkt(frame, build_tcp4(frame, s, d, sport, dport, 0x10, 0));
}

/* Every slot of every worker: the answer to a connection opened from that
 * slot's address is owned by that worker, and found at that slot. */
static void
check_answers_come_home(struct local_share *ls, struct nfg_port_steer *st)
{
	uint8_t frame[128];
	uint32_t remote = 0xc6120101; /* 198.18.1.1 */

	for (unsigned w = 0; w < ls->workers; w++) {
		uint32_t n = local_share_slots(ls, w);
		ck_assert_uint_gt(n, 0);
		for (uint32_t slot = 0; slot < n; slot += 1 + n / 3000) {
			uint32_t ip;
			uint16_t port;
			local_share_addr(ls, w, slot, &ip, &port);
			ck_assert_uint_eq(local_share_slot(ls, w, ip, port), slot);
			for (unsigned other = 0; other < ls->workers; other++)
				if (other != w)
					ck_assert_uint_eq(local_share_slot(ls, other, ip, port),
							  UINT32_MAX);
			struct rte_mbuf *answer = tcp_packet(frame, remote, ntohl(ip), 80, ntohs(port));
			ck_assert_uint_eq(nfg_steer_owner(st, answer), w);
			rte_pktmbuf_free(answer);
			/* What the worker sends is no packet it receives: no rule. */
			struct rte_mbuf *sent = tcp_packet(frame, ntohl(ip), remote, ntohs(port), 80);
			ck_assert_uint_eq(nfg_steer_owner(st, sent), NFG_OWNER_HERE);
			rte_pktmbuf_free(sent);
		}
	}
}

START_TEST(owner_of_both_directions)
{
	char err[160];
	struct local_share ls = {
		.by = NFG_STEER_BY_PORT, .ip_first = 0xc6120001, .nb_ips = 2,
		.port_lo = 20000, .port_hi = 36383, .workers = 2,
	};
	ck_assert_int_eq(nfg_slices_init(&ls.slices, ls.port_lo, ls.port_hi, 0, 2, err,
					 sizeof(err)), 0);
	struct nfg_port_steer st = {
		.workers = 2, .nb_rules = 1,
		.rules = { { .by = NFG_STEER_BY_PORT, .proto = IPPROTO_TCP, .ip_lo = ls.ip_first,
			     .ip_hi = ls.ip_first + 1, .port_lo = ls.port_lo, .port_hi = ls.port_hi,
			     .mask = ls.slices.mask, .workers = 2 } },
	};
	check_answers_come_home(&ls, &st);
	/* IPv6 answers of the share are steered by their port alone (an IPv6
	 * connection's slot is named by its port): as IPv4's to that port. */
	for (uint16_t port = ls.port_lo; port < ls.port_hi; port += 97) {
		uint8_t f4[128], f6[128];
		struct rte_mbuf *a4 = tcp_packet(f4, 0xc6120101, ls.ip_first, 80, port);
		size_t n6 = build_udp6(f6, "2001:2::2", "2001:2::1", 80, port, 0);
		f6[14 + 6] = IPPROTO_TCP; /* the owner reads no further than the ports */
		struct rte_mbuf *a6 = harness_pkt(f6, n6);
		ck_assert_uint_eq(nfg_steer_owner(&st, a6), nfg_steer_owner(&st, a4));
		rte_pktmbuf_free(a4);
		rte_pktmbuf_free(a6);
	}
	nfg_slices_free(&ls.slices);

	/* By address: three workers, seven addresses. */
	struct local_share by_ip = {
		.by = NFG_STEER_BY_IP, .ip_first = 0xc6120010, .nb_ips = 7,
		.port_lo = 1024, .port_hi = 2047, .workers = 3,
	};
	struct nfg_port_steer st_ip = {
		.workers = 3, .nb_rules = 1,
		.rules = { { .by = NFG_STEER_BY_IP, .proto = IPPROTO_TCP, .ip_lo = 0xc6120010,
			     .ip_hi = 0xc6120016, .port_lo = 1024, .port_hi = 2047, .workers = 3 } },
	};
	check_answers_come_home(&by_ip, &st_ip);

	/* Software spreading: one owner per flow, whichever way it goes, and
	 * every worker gets a fair part of the flows. */
	struct nfg_port_steer spread = { .workers = 2, .spread = true };
	uint8_t frame[128];
	struct rte_mbuf *m;
	size_t len;
	unsigned per_worker[2] = { 0, 0 };
	for (unsigned i = 0; i < 4000; i++) {
		uint32_t a = 0xc6120000 | (uint32_t)rte_rand_max(65536);
		uint32_t b = 0xc6130000 | (uint32_t)rte_rand_max(65536);
		uint16_t pa = (uint16_t)rte_rand(), pb = (uint16_t)rte_rand();
		struct rte_mbuf *there = tcp_packet(frame, a, b, pa, pb);
		struct rte_mbuf *back = tcp_packet(frame, b, a, pb, pa);
		unsigned owner = nfg_steer_owner(&spread, there);
		ck_assert_uint_lt(owner, 2);
		ck_assert_uint_eq(nfg_steer_owner(&spread, back), owner);
		per_worker[owner]++;
		rte_pktmbuf_free(there);
		rte_pktmbuf_free(back);
	}
	ck_assert_uint_gt(per_worker[0], 1600);
	ck_assert_uint_gt(per_worker[1], 1600);
	/* The same over IPv6. */
	unsigned per6[2] = { 0, 0 };
	for (unsigned i = 0; i < 2000; i++) {
		char a[64], b[64];
		uint8_t f1[128], f2[128];
		snprintf(a, sizeof(a), "2001:2::%x:%x", (unsigned)rte_rand_max(65536),
			 (unsigned)rte_rand_max(65536));
		snprintf(b, sizeof(b), "2001:2:1::%x", (unsigned)rte_rand_max(65536));
		uint16_t pa = (uint16_t)rte_rand(), pb = (uint16_t)rte_rand();
		struct rte_mbuf *there = harness_pkt(f1, build_udp6(f1, a, b, pa, pb, 0));
		struct rte_mbuf *back = harness_pkt(f2, build_udp6(f2, b, a, pb, pa, 0));
		unsigned owner = nfg_steer_owner(&spread, there);
		ck_assert_uint_lt(owner, 2);
		ck_assert_uint_eq(nfg_steer_owner(&spread, back), owner);
		per6[owner]++;
		rte_pktmbuf_free(there);
		rte_pktmbuf_free(back);
	}
	ck_assert_uint_gt(per6[0], 800);
	ck_assert_uint_gt(per6[1], 800);
	/* With an extension header (hop-by-hop) it stays where it arrived. */
	len = build_udp6(frame, "2001:2::1", "2001:2::2", 1, 2, 0);
	frame[14 + 6] = 0;
	m = harness_pkt(frame, len);
	ck_assert_uint_eq(nfg_steer_owner(&spread, m), NFG_OWNER_HERE);
	rte_pktmbuf_free(m);

	/* Broken and non-IP frames stay where they are. */
	static const uint8_t arp_frame[60] = { [12] = 0x08, [13] = 0x06 };
	m = harness_pkt(arp_frame, sizeof(arp_frame));
	ck_assert_uint_eq(nfg_steer_owner(&spread, m), NFG_OWNER_HERE);
	rte_pktmbuf_free(m);
	len = build_tcp4(frame, "198.18.0.1", "198.18.0.2", 1, 2, 0x10, 0);
	for (size_t cut = 0; cut < 38; cut++) {
		m = harness_pkt(frame, cut);
		ck_assert_uint_eq(nfg_steer_owner(&spread, m), NFG_OWNER_HERE);
		rte_pktmbuf_free(m);
	}
	m = harness_pkt(frame, len);
	ck_assert_uint_ne(nfg_steer_owner(&spread, m), NFG_OWNER_HERE);
	rte_pktmbuf_free(m);
	/* A first fragment (more fragments follow) stays with the others. */
	frame[14 + 6] |= 0x20;
	m = harness_pkt(frame, len);
	ck_assert_uint_eq(nfg_steer_owner(&spread, m), NFG_OWNER_HERE);
	rte_pktmbuf_free(m);
}
END_TEST

/* A TCP answer over IPv6 to (dst, dport). */
static struct rte_mbuf *
tcp6_packet(uint8_t *frame, const uint8_t src[16], const uint8_t dst[16], uint16_t sport,
	    uint16_t dport)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	size_t n;

	inet_ntop(AF_INET6, src, s, sizeof(s));
	inet_ntop(AF_INET6, dst, d, sizeof(d));
	n = build_udp6(frame, s, d, sport, dport, 0);
	frame[14 + 6] = IPPROTO_TCP; /* the owner reads no further than the ports */
	return harness_pkt(frame, n);
}

/* An IPv6 share is steered by its addresses' last 32 bits: the answer to
 * every slot's connection reaches the worker that owns the slot, by port
 * bits or by address; the same 32 bits as an IPv4 address, or after
 * another prefix, are not the share's. */
START_TEST(ipv6_shares_steer_by_their_last_word)
{
	static const struct { enum nfg_steer_by by; unsigned workers; } cases[] = {
		{ NFG_STEER_BY_IP, 3 }, { NFG_STEER_BY_PORT, 2 },
	};
	uint8_t prefix[16], remote[16], frame[128];
	char err[160];

	ck_assert_int_eq(inet_pton(AF_INET6, "2001:2:5::", prefix), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:2:9::2", remote), 1);
	for (unsigned k = 0; k < RTE_DIM(cases); k++) {
		struct local_share ls = {
			.by = cases[k].by, .ip_first = 0x100, .nb_ips = 7, .port_lo = 1024,
			.port_hi = 2047, .workers = cases[k].workers, .ipv6 = true,
		};
		memcpy(ls.ip6_prefix, prefix, 12);
		if (ls.by == NFG_STEER_BY_PORT)
			ck_assert_int_eq(nfg_slices_init(&ls.slices, 1024, 2047, 0, ls.workers,
							 err, sizeof(err)), 0);
		struct nfg_port_steer st = {
			.workers = ls.workers, .nb_rules = 1,
			.rules = { { .by = ls.by, .proto = IPPROTO_TCP, .ip_lo = 0x100,
				     .ip_hi = 0x106, .port_lo = 1024, .port_hi = 2047,
				     .mask = ls.slices.mask, .workers = ls.workers,
				     .ipv6 = true } },
		};
		memcpy(st.rules[0].ip6_prefix, prefix, 12);
		for (unsigned w = 0; w < ls.workers; w++) {
			uint32_t n = local_share_slots(&ls, w);
			ck_assert_uint_gt(n, 0);
			for (uint32_t slot = 0; slot < n; slot += 1 + n / 500) {
				uint32_t ip;
				uint16_t port;
				uint8_t local[16];
				local_share_addr(&ls, w, slot, &ip, &port);
				local_share_addr6(&ls, ip, local);
				ck_assert_mem_eq(local, prefix, 12);
				ck_assert_uint_eq(local_share_slot(&ls, w, ip, port), slot);
				struct rte_mbuf *m = tcp6_packet(frame, remote, local, 80, ntohs(port));
				ck_assert_uint_eq(nfg_steer_owner(&st, m), w);
				rte_pktmbuf_free(m);
				/* The same 32 bits as IPv4 are no address of the share. */
				m = tcp_packet(frame, 0xc6120101, ntohl(ip), 80, ntohs(port));
				ck_assert_uint_eq(nfg_steer_owner(&st, m), NFG_OWNER_HERE);
				rte_pktmbuf_free(m);
				/* Nor after another prefix. */
				local[5] ^= 1;
				m = tcp6_packet(frame, remote, local, 80, ntohs(port));
				ck_assert_uint_eq(nfg_steer_owner(&st, m), NFG_OWNER_HERE);
				rte_pktmbuf_free(m);
			}
		}
		nfg_slices_free(&ls.slices);
	}
}
END_TEST

static void
assert_refused(const char *client_params, const char *words)
{
	char json[1024];
	snprintf(json, sizeof(json),
		 "{\"workers\": 3, \"ports\": {\"p\": {\"device\": \"loop:w\", "
		 "\"ipv4\": \"198.18.0.1/24\"}},\n"
		 " \"nodes\": {\"rx\": {\"op\": \"port_rx\", \"port\": \"p\"},\n"
		 "  \"c\": {\"op\": \"tcp_client\", \"port\": \"p\", "
		 "\"targets\": [{\"ip\": \"198.18.0.2\", \"port\": 80}]%s},\n"
		 "  \"tx\": {\"op\": \"port_tx\", \"port\": \"p\"}},\n"
		 " \"edges\": [\"rx -> c -> tx\"]}", client_params);
	const char *msg = harness_load_error(json);
	ck_assert_msg(msg != NULL, "accepted: %s", client_params);
	ck_assert_msg(strstr(msg, words) != NULL, "message \"%s\" lacks \"%s\"", msg, words);
}

START_TEST(graph_files_with_shares_that_cannot_work)
{
	assert_refused(", \"port_mask\": 1", "port_mask 0x1 names 2 owners, the graph has 3 workers");
	assert_refused(", \"src_ports\": \"5000-5001\"", "owns no port of 5000-5001");
	assert_refused(", \"steering\": \"ip\"", "give src_ips a range of at least 3");
	assert_refused(", \"steering\": \"ip\", \"src_ips\": \"198.18.0.10-198.18.0.11\"",
		       "3 workers need at least 3 addresses, got 2");
	/* A target that is one of our own addresses: nothing would answer. */
	assert_refused(", \"src_ips\": \"198.18.0.1-198.18.0.9\"",
		       "198.18.0.2 is one of the source addresses");
	const char *msg = harness_load_error(
		"{\"ports\": {\"p\": {\"device\": \"loop:w\", \"ipv4\": \"198.18.0.1/24\"}},\n"
		" \"nodes\": {\"rx\": {\"op\": \"port_rx\", \"port\": \"p\"},\n"
		"  \"c\": {\"op\": \"tcp_client\", \"port\": \"p\", "
		"\"targets\": [{\"ip\": \"198.18.0.1\", \"port\": 80}]},\n"
		"  \"tx\": {\"op\": \"port_tx\", \"port\": \"p\"}},\n"
		" \"edges\": [\"rx -> c -> tx\"]}");
	ck_assert_msg(msg && strstr(msg, "198.18.0.1 is port p's own address"), "%s", msg);
	assert_refused(", \"steering\": \"rss\"", "expected one of");
}
END_TEST

/* Two operators on one port may not own the same address and port: the
 * claims are refused, naming both. */
static void
assert_claims_refused(const char *nodes, const char *words)
{
	char json[2048];
	snprintf(json, sizeof(json),
		 "{\"ports\": {\"p\": {\"device\": \"loop:w\", \"ipv4\": \"198.18.0.1/24\",\n"
		 "  \"ipv6\": \"2001:2::1/64\"}},\n"
		 " \"nodes\": {\"rx\": {\"op\": \"port_rx\", \"port\": \"p\"},\n"
		 "  \"m\": {\"op\": \"merge\"}, %s,\n"
		 "  \"tx\": {\"op\": \"port_tx\", \"port\": \"p\"}},\n"
		 " \"edges\": [\"rx -> a -> m\", \"b -> m\", \"m -> tx\"]}", nodes);
	const char *msg = harness_load_error(json);
	ck_assert_msg(msg != NULL, "accepted: %s", nodes);
	ck_assert_msg(strstr(msg, words) != NULL, "message \"%s\" lacks \"%s\"", msg, words);
}

#define CLIENT(NAME, MORE)                                                             \
	"\"" NAME "\": {\"op\": \"tcp_client\", \"port\": \"p\", "                         \
	"\"targets\": [{\"ip\": \"198.18.0.2\", \"port\": 80}]" MORE "}"
#define CLIENT6(NAME, SRC)                                                             \
	"\"" NAME "\": {\"op\": \"tcp_client\", \"port\": \"p\", \"src_ips\": \"" SRC "\", "       \
	"\"targets\": [{\"ip\": \"2001:2::2\", \"port\": 80}]}"
#define SERVER(NAME, MORE) "\"" NAME "\": {\"op\": \"tcp_server\", \"port\": \"p\"" MORE "}"

START_TEST(overlapping_claims_are_refused)
{
	assert_claims_refused(CLIENT("a", ", \"src_ips\": \"198.18.0.10-198.18.0.19\"") ", "
			      CLIENT("b", ", \"src_ips\": \"198.18.0.19-198.18.0.29\""),
			      "198.18.0.19-198.18.0.29 ports 1024-65535 on port p overlaps "
			      "198.18.0.10-198.18.0.19 ports 1024-65535 of a");
	/* Both on the port's own address (no src_ips). */
	assert_claims_refused(CLIENT("a", "") ", " CLIENT("b", ", \"src_ports\": \"2000-3000\""),
			      "overlaps the port's addresses ports 1024-65535 of a");
	/* A listener on a port the client may open connections from. */
	assert_claims_refused(CLIENT("a", ", \"src_ips\": \"198.18.0.10-198.18.0.19\"") ", "
			      SERVER("b", ", \"listen\": [\"198.18.0.12:8080\"]"),
			      "nodes.b.listen[0]: 198.18.0.12 port 8080 on port p overlaps");
	assert_claims_refused(SERVER("a", ", \"listen\": [\"*:80\"]") ", "
			      SERVER("b", ", \"listen\": [\"198.18.0.7:80\"]"),
			      "198.18.0.7 port 80 on port p overlaps the port's addresses port 80 of a");
	/* IPv6 ranges (the targets' family does not matter to the claims). */
	assert_claims_refused(CLIENT6("a", "2001:2::10-2001:2::1f") ", "
			      CLIENT6("b", "2001:2::1f-2001:2::2f"),
			      "2001:2::1f-2001:2::2f ports 1024-65535 on port p overlaps "
			      "2001:2::10-2001:2::1f ports 1024-65535 of a");
	assert_claims_refused(CLIENT6("a", "2001:2::10-2001:3::1f") ", " CLIENT6("b", "2001:2::5"),
			      "nodes.a.src_ips: expected an address or a range");
}
END_TEST

/* What the port owns: its own addresses and every non-wildcard claim. */
START_TEST(the_port_owns_what_operators_claim)
{
	struct harness *h = harness_load(
		"{\"ports\": {\"p\": {\"device\": \"loop:w\", \"ipv4\": \"198.18.0.1/24\"}},\n"
		" \"nodes\": {\"rx\": {\"op\": \"port_rx\", \"port\": \"p\"},\n"
		"  \"m\": {\"op\": \"merge\"}, \"s\": {\"op\": \"split\", \"outputs\": 2}, "
		CLIENT("a", ", \"src_ips\": \"198.18.0.10-198.18.0.19\"") ", "
		SERVER("b", ", \"listen\": [\"*:80\", \"198.18.0.50:8080\"]") ",\n"
		"  \"tx\": {\"op\": \"port_tx\", \"port\": \"p\"}},\n"
		" \"edges\": [\"rx -> s\", \"s.out0 -> a -> m\", \"s.out1 -> b -> m\", \"m -> tx\"]}");
	const struct nfg_port *p = nfg_port_get("p");
	uint32_t ip;

	ck_assert_ptr_nonnull(p);
	for (unsigned last = 0; last < 256; last++) {
		char s[32];
		snprintf(s, sizeof(s), "198.18.0.%u", last);
		inet_pton(AF_INET, s, &ip);
		bool want = last == 1 || (last >= 10 && last <= 19) || last == 50;
		ck_assert_msg(nfg_port_owns_ipv4(p, ip) == want, "%s", s);
	}
	harness_free(h);
}
END_TEST

/* An IPv6 claim: the port owns its addresses (nd answers for them), not
 * their last 32 bits as IPv4 addresses (arp does not), and the same numbers
 * as an IPv4 claim beside it are no overlap. */
START_TEST(the_port_owns_claimed_ipv6_addresses)
{
	struct harness *h = harness_load(
		"{\"ports\": {\"p\": {\"device\": \"loop:w\", \"ipv4\": \"198.18.0.1/24\", "
		"\"ipv6\": \"2001:2::1/64\"}},\n"
		" \"nodes\": {\"rx\": {\"op\": \"port_rx\", \"port\": \"p\"},\n"
		"  \"m\": {\"op\": \"merge\"}, \"s\": {\"op\": \"split\", \"outputs\": 2}, "
		CLIENT6("a", "2001:2::a00-2001:2::a0f") ", "
		CLIENT("b", ", \"src_ips\": \"0.0.10.8-0.0.10.23\"") ",\n"
		"  \"tx\": {\"op\": \"port_tx\", \"port\": \"p\"}},\n"
		" \"edges\": [\"rx -> s\", \"s.out0 -> a -> m\", \"s.out1 -> b -> m\", \"m -> tx\"]}");
	const struct nfg_port *p = nfg_port_get("p");
	uint8_t a[16];

	ck_assert_ptr_nonnull(p);
	for (unsigned last = 0x9f0; last < 0xa20; last++) {
		char s[48];
		snprintf(s, sizeof(s), "2001:2::%x", last);
		inet_pton(AF_INET6, s, a);
		ck_assert_msg(nfg_port_owns_ipv6(p, a) == (last >= 0xa00 && last <= 0xa0f), "%s", s);
		snprintf(s, sizeof(s), "2001:3::%x", last);
		inet_pton(AF_INET6, s, a);
		ck_assert_msg(!nfg_port_owns_ipv6(p, a), "%s", s);
	}
	inet_pton(AF_INET6, "2001:2::1", a);
	ck_assert(nfg_port_owns_ipv6(p, a));
	for (uint32_t last = 0xa00; last < 0xa20; last++)
		ck_assert_msg(nfg_port_owns_ipv4(p, htonl(last)) == (last >= 0xa08 && last <= 0xa17),
			      "0.0.%u.%u", last >> 8, last & 0xff); /* b's, not a's */
	harness_free(h);
}
END_TEST

/* The software hand-off, with real rings: worker 0 keeps its own packets in
 * order, hands worker 1's over (in order), and when worker 1's ring is full
 * the rest follow the kept ones for the caller to drop; worker 1 takes them. */
START_TEST(hand_off_keeps_order_and_gives_back_what_did_not_fit)
{
	struct rte_ring *rings[4] = { NULL };
	rings[0 * 2 + 1] = rte_ring_create("t_steer_01", 8, SOCKET_ID_ANY,
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
	rings[1 * 2 + 0] = rte_ring_create("t_steer_10", 8, SOCKET_ID_ANY,
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
	ck_assert_ptr_nonnull(rings[1]);
	ck_assert_ptr_nonnull(rings[2]);
	/* Ports 1000-1999 by the low bit: even to worker 0, odd to worker 1. */
	struct nfg_port_steer st = {
		.workers = 2, .nb_rules = 1, .rings = rings,
		.rules = { { .by = NFG_STEER_BY_PORT, .proto = IPPROTO_TCP, .ip_lo = 0xc6120001,
			     .ip_hi = 0xc6120001, .port_lo = 1000, .port_hi = 1999, .mask = 1,
			     .workers = 2 } },
	};
	uint8_t frame[128];
	void *objs[20], *sent[20];
	/* 20 packets to ports 1000..1019: 10 each; the ring takes 7 (size 8). */
	for (unsigned i = 0; i < 20; i++)
		sent[i] = objs[i] = tcp_packet(frame, 0xc6130001, 0xc6120001, 80, (uint16_t)(1000 + i));
	uint16_t handed, full;
	uint16_t kept = nfg_steer_hand_off(&st, 0, objs, 20, &handed, &full);
	ck_assert_uint_eq(kept, 10);
	ck_assert_uint_eq(handed, 7);
	ck_assert_uint_eq(full, 3);
	for (unsigned i = 0; i < 10; i++)
		ck_assert_ptr_eq(objs[i], sent[2 * i]);
	for (unsigned i = 0; i < 3; i++) /* the last three odd ones */
		ck_assert_ptr_eq(objs[10 + i], sent[2 * (7 + i) + 1]);
	/* Worker 1 takes what was handed, in order; nothing more is there. */
	void *got[20];
	unsigned next_from = 0;
	ck_assert_uint_eq(nfg_steer_take(&st, 1, &next_from, got, 20), 7);
	for (unsigned i = 0; i < 7; i++)
		ck_assert_ptr_eq(got[i], sent[2 * i + 1]);
	ck_assert_uint_eq(nfg_steer_take(&st, 1, &next_from, got, 20), 0);
	for (unsigned i = 0; i < 13; i++)
		rte_pktmbuf_free(objs[i]);
	for (unsigned i = 0; i < 7; i++)
		rte_pktmbuf_free(got[i]);
	rte_ring_free(rings[1]);
	rte_ring_free(rings[2]);
}
END_TEST

TEST_SUITE(steering_suite)
static Suite *
steering_suite(void)
{
	Suite *s = suite_create("steering");
	TCase *tc = tcase_create("steering");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, port_slices_for_masks_of_every_width);
	tcase_add_test(tc, port_slices_refuse_what_cannot_work);
	tcase_add_test(tc, mask_value_and_owner_agree_with_the_bits);
	tcase_add_test(tc, symmetric_rss_key_hashes_both_directions_alike);
	tcase_add_test(tc, owner_of_both_directions);
	tcase_add_test(tc, hand_off_keeps_order_and_gives_back_what_did_not_fit);
	tcase_add_test(tc, graph_files_with_shares_that_cannot_work);
	tcase_add_test(tc, overlapping_claims_are_refused);
	tcase_add_test(tc, the_port_owns_what_operators_claim);
	tcase_add_test(tc, the_port_owns_claimed_ipv6_addresses);
	tcase_add_test(tc, ipv6_shares_steer_by_their_last_word);
	suite_add_tcase(s, tc);
	return s;
}
