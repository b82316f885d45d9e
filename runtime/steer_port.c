/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Getting each worker's share of a port's packets to that worker, once the
 * port has started: rte_flow rules where the device takes them, else
 * software handoff rings that port_rx uses. Wires need neither: a wire's
 * queue i always comes back to worker i, who sent on it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_flow.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "runtime.h"
#include "steer.h"

/* Per pair of workers: several rx bursts of slack for an owner that is busy. */
#define HANDOFF_RING 512
#define FLOW_RULES_MAX 256

/* Whether flows are spread over the workers by nfg's own symmetric hash:
 * when asked ("rss": "software"), and on net_af_packet with the default
 * "symmetric", which the kernel cannot give: its fanout hash of a local
 * socket's packets is the socket's own, which Linux changes on a SYN or
 * retransmission timeout, so one connection's segments could reach two
 * workers (a helper saw resets under wrk with 2 workers). */
static bool
spreads_in_software(const struct nfg_port_spec *ps)
{
	return ps->rss == NFG_RSS_SOFTWARE ||
	       (ps->rss == NFG_RSS_SYMMETRIC && strncmp(ps->device, "net_af_packet", 13) == 0);
}

/* Whether the port may hand packets between workers in software (so the
 * pool must have room for the rings). */
bool
nfg_steer_port_may_hand_off(const struct nfg_graph *g, const struct nfg_port_spec *ps)
{
	if (g->nb_workers < 2)
		return false;
	/* A wire needs no steering, unless software spreading is asked for. */
	if (ps->kind == NFG_PORT_WIRE || ps->kind == NFG_PORT_LOOP)
		return ps->rss == NFG_RSS_SOFTWARE;
	return ps->nb_steer_rules > 0 || spreads_in_software(ps);
}

unsigned
nfg_steer_handoff_mbufs(const struct nfg_graph *g)
{
	unsigned n = 0;

	for (unsigned i = 0; i < g->nb_ports; i++)
		if (nfg_steer_port_may_hand_off(g, &g->ports[i]))
			n += g->nb_workers * (g->nb_workers - 1) * HANDOFF_RING;
	return n;
}

/* The inverse of nfg_mask_value: spreads v's low bits over the mask's bits. */
static uint16_t
mask_deposit(unsigned v, uint16_t mask)
{
	uint16_t port = 0;

	for (unsigned b = 0, in_bit = 0; b < 16; b++) {
		if (!(mask & (1u << b)))
			continue;
		if (v & (1u << in_bit))
			port |= (uint16_t)(1u << b);
		in_bit++;
	}
	return port;
}

/* One rule: local address (and masked port bits) to a queue. */
static struct rte_flow *
flow_one(uint16_t pid, const struct nfg_claim *r, uint32_t ip, uint16_t port,
	 uint16_t port_mask, uint16_t queue, struct rte_flow_error *err)
{
	struct rte_flow_attr attr = { .ingress = 1 };
	struct rte_flow_item_ipv4 ip_spec = { .hdr.dst_addr = htonl(ip) };
	struct rte_flow_item_ipv4 ip_mask = { .hdr.dst_addr = 0xffffffff };
	struct rte_flow_item_tcp tcp_spec = { .hdr.dst_port = htons(port) };
	struct rte_flow_item_tcp tcp_mask = { .hdr.dst_port = htons(port_mask) };
	struct rte_flow_item_udp udp_spec = { .hdr.dst_port = htons(port) };
	struct rte_flow_item_udp udp_mask = { .hdr.dst_port = htons(port_mask) };
	bool tcp = r->proto == IPPROTO_TCP;
	struct rte_flow_item pattern[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip_spec, .mask = &ip_mask },
		{ .type = tcp ? RTE_FLOW_ITEM_TYPE_TCP : RTE_FLOW_ITEM_TYPE_UDP,
		  .spec = tcp ? (const void *)&tcp_spec : (const void *)&udp_spec,
		  .mask = tcp ? (const void *)&tcp_mask : (const void *)&udp_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_action_queue q = { .index = queue };
	struct rte_flow_action actions[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &q },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};

	if (rte_flow_validate(pid, &attr, pattern, actions, err) != 0)
		return NULL;
	return rte_flow_create(pid, &attr, pattern, actions, err);
}

static void
flows_remove(struct nfg_port_spec *ps)
{
	struct rte_flow_error err;

	for (unsigned i = 0; i < ps->nb_flows; i++)
		rte_flow_destroy(ps->runtime.port_id, ps->flows[i], &err);
	free(ps->flows);
	ps->flows = NULL;
	ps->nb_flows = 0;
}

/* Every rule as rte_flow rules, or none (the reason in why). */
static bool
flows_install(struct nfg_port_spec *ps, unsigned workers, char *why, size_t len)
{
	uint16_t pid = ps->runtime.port_id;
	struct rte_flow_error err = { 0 };

	ps->flows = calloc(FLOW_RULES_MAX, sizeof(*ps->flows));
	if (!ps->flows) {
		snprintf(why, len, "out of memory");
		return false;
	}
	/* The rules below are IPv4's: the answers to IPv6 connections (of an
	 * IPv6 share, or named by their port in an IPv4 one) would miss them. */
	if (ps->nb_ipv6) {
		snprintf(why, len, "the port has IPv6 addresses, and nfg's rte_flow rules are "
			 "IPv4's");
		return false;
	}
	for (unsigned i = 0; i < ps->nb_steer_rules; i++) {
		const struct nfg_claim *r = &ps->steer_rules[i];
		/* Rules match exact addresses, so that other traffic to the port
		 * keeps its RSS: one rule per address (and per mask value). */
		uint64_t ips = (uint64_t)r->ip_hi - r->ip_lo + 1u;
		uint64_t values = r->by == NFG_STEER_BY_IP ? 1 : 1u << __builtin_popcount(r->mask);
		if (ps->nb_flows + ips * values > FLOW_RULES_MAX) {
			snprintf(why, len, "%s needs more than %d rules", r->owner, FLOW_RULES_MAX);
			goto refused;
		}
		for (unsigned k = 0; k < ips * values; k++) {
			uint32_t ip = r->ip_lo + (uint32_t)(k / values);
			unsigned v = (unsigned)(k % values);
			struct rte_flow *f =
				r->by == NFG_STEER_BY_IP
					? flow_one(pid, r, ip, 0, 0,
						   (uint16_t)((ip - r->ip_lo) % workers), &err)
					: flow_one(pid, r, ip, mask_deposit(v, r->mask), r->mask,
						   (uint16_t)(v % workers), &err);
			if (!f) {
				snprintf(why, len, "%s", err.message ? err.message : "refused");
				goto refused;
			}
			ps->flows[ps->nb_flows++] = f;
		}
	}
	return true;
refused:
	flows_remove(ps);
	return false;
}

static int
rings_create(struct nfg_port_spec *ps, struct nfg_port_steer *st)
{
	unsigned w = st->workers;

	st->rings = calloc((size_t)w * w, sizeof(*st->rings));
	if (!st->rings)
		return -1;
	for (unsigned from = 0; from < w; from++) {
		for (unsigned to = 0; to < w; to++) {
			char name[RTE_RING_NAMESIZE];
			if (from == to)
				continue;
			snprintf(name, sizeof(name), "nfg_h%u_%u_%u", ps->runtime.port_id, from, to);
			st->rings[from * w + to] = rte_ring_create(name, HANDOFF_RING, ps->runtime.socket,
								   RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!st->rings[from * w + to]) {
				nfg_log_err("ports.%s: cannot make the handoff ring %s", ps->name, name);
				return -1;
			}
		}
	}
	return 0;
}

static const char *
rss_words(const struct nfg_port_spec *ps, bool device_rss)
{
	if (spreads_in_software(ps))
		return "flows spread in software (symmetric hash)";
	if (!device_rss)
		return strncmp(ps->device, "net_af_packet", 13) == 0
			       ? "flows spread by the kernel's flow hash (PACKET_FANOUT_HASH; a "
				 "local socket's flow can move)"
			       : "the device cannot spread flows";
	return ps->rss == NFG_RSS_SYMMETRIC ? "RSS with the symmetric key" : "RSS with the device's key";
}

int
nfg_steer_port_start(struct nfg_graph *g, struct nfg_port_spec *ps, bool device_rss)
{
	char why[256] = "";
	unsigned w = g->nb_workers;

	if (w < 2)
		return 0;
	if ((ps->kind == NFG_PORT_WIRE || ps->kind == NFG_PORT_LOOP) && ps->rss != NFG_RSS_SOFTWARE) {
		nfg_log("ports.%s: %u workers, one queue pair each; a wire brings each flow back "
			"to the worker that sent it, no steering needed", ps->name, w);
		return 0;
	}
	/* A share declared before the port had started names no address: the
	 * operators then use the port's first one. */
	for (unsigned i = 0; i < ps->nb_steer_rules && ps->nb_ipv4; i++) {
		struct nfg_claim *r = &ps->steer_rules[i];
		if (nfg_claim_any_address(r))
			r->ip_lo = r->ip_hi = ntohl(ps->ipv4[0]);
	}
	/*
	 * rte_flow matches the masked port bits, not the port range: the rules
	 * assume the share's address receives only answers to the NF's own
	 * connections (give backends' side its own address or port, as usual).
	 */
	if (ps->nb_steer_rules && !ps->steer_software && !spreads_in_software(ps) &&
	    flows_install(ps, w, why, sizeof(why))) {
		nfg_log("ports.%s: %s; rte_flow: %u rules send each worker's share to its queue",
			ps->name, rss_words(ps, device_rss), ps->nb_flows);
		return 0;
	}
	if (!nfg_steer_port_may_hand_off(g, ps)) {
		nfg_log("ports.%s: %s", ps->name, rss_words(ps, device_rss));
		return 0;
	}
	struct nfg_port_steer *st = calloc(1, sizeof(*st));
	if (!st)
		return -1;
	st->workers = w;
	st->spread = spreads_in_software(ps);
	st->nb_rules = ps->nb_steer_rules;
	memcpy(st->rules, ps->steer_rules, sizeof(st->rules));
	ps->runtime.steer = st;
	if (rings_create(ps, st) < 0)
		return -1;
	nfg_log("ports.%s: %s; software steering%s%s%s: port_rx hands packets that reach "
		"another worker's queue to their owner over a ring", ps->name,
		rss_words(ps, device_rss), why[0] ? " (rte_flow refused: " : "", why,
		why[0] ? ")" : "");
	return 0;
}

void
nfg_steer_port_stop(struct nfg_port_spec *ps, uint64_t *unread)
{
	struct nfg_port_steer *st = ps->runtime.steer;

	flows_remove(ps);
	if (!st)
		return;
	for (unsigned i = 0; st->rings && i < st->workers * st->workers; i++) {
		void *m;
		if (!st->rings[i])
			continue;
		while (rte_ring_sc_dequeue(st->rings[i], &m) == 0) {
			rte_pktmbuf_free(m);
			if (unread)
				(*unread)++;
		}
		rte_ring_free(st->rings[i]);
	}
	free(st->rings);
	free(st);
	ps->runtime.steer = NULL;
}
