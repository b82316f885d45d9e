/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Ports: any DPDK ethdev. Virtual devices are probed here from their devargs
 * (so a bad one gets a message naming its port, not an EAL panic), PCI
 * devices were allow-listed at EAL start, wires are made by wire.c. Each port
 * gets one rx and one tx queue per worker, RSS when there are several
 * workers and the device can hash, and checksum offloads when it has them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "runtime.h"

#define DRAIN_BURST 64

static int
probe_vdev(struct nfg_graph *g, struct nfg_port_spec *ps, uint16_t *port_id)
{
	char devargs[1024], name[RTE_DEV_NAME_MAX_LEN];
	const char *comma = strchr(ps->device, ',');
	size_t len = comma ? (size_t)(comma - ps->device) : strlen(ps->device);

	snprintf(devargs, sizeof(devargs), "%s", ps->device);
	/* af_packet has a fixed number of queue pairs, set by devargs. */
	if (strncmp(ps->device, "net_af_packet", 13) == 0 && g->nb_workers > 1 &&
	    !strstr(ps->device, "qpairs="))
		snprintf(devargs + strlen(devargs), sizeof(devargs) - strlen(devargs),
			 ",qpairs=%u", g->nb_workers);
	snprintf(name, sizeof(name), "%.*s", (int)len, ps->device);

	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0; /* already made by an --vdev EAL argument */
	int rc = rte_dev_probe(devargs);
	if (rc < 0 || rte_eth_dev_get_port_by_name(name, port_id) != 0) {
		nfg_log_err("ports.%s: device \"%s\" did not start: %s%s", ps->name, ps->device,
			    rc < 0 ? rte_strerror(-rc) : "no ethdev port appeared",
			    strncmp(name, "net_af_packet", 13) == 0
				    ? " (does the interface exist in this network namespace?)" : "");
		return -1;
	}
	return 0;
}

static int
find_port(struct nfg_graph *g, struct nfg_port_spec *ps, uint16_t *port_id)
{
	switch (ps->kind) {
	case NFG_PORT_WIRE:
	case NFG_PORT_LOOP:
		return nfg_wire_port_create(g, ps, g->nb_workers, port_id);
	case NFG_PORT_PCI:
		if (rte_eth_dev_get_port_by_name(ps->device, port_id) == 0)
			return 0;
		nfg_log_err("ports.%s: PCI device %s is not a DPDK port (is it bound to vfio-pci?)",
			    ps->name, ps->device);
		return -1;
	case NFG_PORT_VDEV:
		return probe_vdev(g, ps, port_id);
	}
	return -1;
}

static int
configure(struct nfg_graph *g, struct nfg_port_spec *ps, uint16_t pid)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nbq = (uint16_t)g->nb_workers, rxd = (uint16_t)ps->rx_desc,
		 txd = (uint16_t)ps->tx_desc;
	int rc;

	if ((rc = rte_eth_dev_info_get(pid, &info)) != 0)
		goto fail;
	if (info.max_rx_queues < nbq || info.max_tx_queues < nbq) {
		nfg_log_err("ports.%s: the device has %u rx / %u tx queues, the graph has %u "
			    "workers (one queue each)", ps->name, info.max_rx_queues,
			    info.max_tx_queues, nbq);
		return -1;
	}
	/* The symmetric key is a 2-byte pattern, so it fills any key length. */
	uint8_t key[UINT8_MAX + 1];
	bool device_rss = nbq > 1 && info.flow_type_rss_offloads && ps->rss != NFG_RSS_SOFTWARE;
	if (device_rss) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP |
						    RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
		if (ps->rss == NFG_RSS_SYMMETRIC) {
			/* Drivers that do not say their key size take the usual 40. */
			uint8_t key_len = info.hash_key_size ? info.hash_key_size
							     : NFG_STEER_KEY_LEN;
			for (unsigned b = 0; b < key_len; b++)
				key[b] = nfg_rss_key_symmetric[b % 2];
			conf.rx_adv_conf.rss_conf.rss_key = key;
			conf.rx_adv_conf.rss_conf.rss_key_len = key_len;
		}
	}
	conf.txmode.offloads = (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
				RTE_ETH_TX_OFFLOAD_UDP_CKSUM) & info.tx_offload_capa;
	if ((rc = rte_eth_dev_configure(pid, nbq, nbq, &conf)) != 0)
		goto fail;
	if (ps->mtu && (rc = rte_eth_dev_set_mtu(pid, (uint16_t)ps->mtu)) != 0)
		goto fail;
	if ((rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &rxd, &txd)) != 0)
		goto fail;
	for (uint16_t q = 0; q < nbq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, rxd, (unsigned)rte_eth_dev_socket_id(pid),
					    NULL, nfg_pktmbuf_pool());
		if (rc != 0)
			goto fail;
		rc = rte_eth_tx_queue_setup(pid, q, txd, (unsigned)rte_eth_dev_socket_id(pid),
					    NULL);
		if (rc != 0)
			goto fail;
	}
	/* Drivers without a MAC filter (net_ring) cannot set one: the configured
	 * address is then simply the one the operators put on frames. */
	bool soft_mac = false;
	if (ps->has_mac && (rc = rte_eth_dev_default_mac_addr_set(pid, &ps->mac)) != 0) {
		if (rc != -ENOTSUP)
			goto fail;
		soft_mac = true;
	}
	if ((rc = rte_eth_dev_start(pid)) != 0)
		goto fail;
	if (ps->promiscuous)
		rte_eth_promiscuous_enable(pid); /* not every driver can; that is fine */

	struct nfg_port *p = &ps->runtime;
	p->name = ps->name;
	p->port_id = pid;
	p->nb_queues = nbq;
	rte_eth_macaddr_get(pid, &p->mac);
	if (soft_mac)
		p->mac = ps->mac;
	p->nb_ipv4 = ps->nb_ipv4;
	memcpy(p->ipv4, ps->ipv4, sizeof(p->ipv4));
	memcpy(p->ipv4_prefix, ps->ipv4_prefix, sizeof(p->ipv4_prefix));
	p->tx_offloads = conf.txmode.offloads;
	p->socket = rte_eth_dev_socket_id(pid);
	return nfg_steer_port_start(g, ps, device_rss);
fail:
	nfg_log_err("ports.%s: cannot set up %s: %s", ps->name, ps->device, rte_strerror(-rc));
	return -1;
}

int
nfg_ports_start(struct nfg_graph *g)
{
	for (unsigned i = 0; i < g->nb_ports; i++) {
		uint16_t pid;
		if (find_port(g, &g->ports[i], &pid) < 0 || configure(g, &g->ports[i], pid) < 0)
			return -1;
	}
	return 0;
}

/* Receive whatever is still queued so those mbufs go back to the pool.
 * (A stopped port's burst functions are dummies, so this runs before stop.) */
void
nfg_ports_drain(struct nfg_graph *g, uint64_t *unread_at_stop)
{
	struct rte_mbuf *pkts[DRAIN_BURST];

	for (unsigned i = 0; i < g->nb_ports; i++) {
		struct nfg_port *p = &g->ports[i].runtime;
		if (!p->name)
			continue;
		/* Packets on their way from one worker to another. */
		nfg_steer_port_stop(&g->ports[i], unread_at_stop ? &unread_at_stop[i] : NULL);
		/* Bounded: some devices (net_null) always have packets. A real rx
		 * ring holds at most rx_desc of them. */
		unsigned max_rounds = g->ports[i].rx_desc / DRAIN_BURST + 2;
		for (uint16_t q = 0; q < p->nb_queues; q++) {
			for (unsigned r = 0; r < max_rounds; r++) {
				uint16_t n = rte_eth_rx_burst(p->port_id, q, pkts, DRAIN_BURST);
				if (n == 0)
					break;
				rte_pktmbuf_free_bulk(pkts, n);
				if (unread_at_stop)
					unread_at_stop[i] += n;
			}
		}
	}
}

void
nfg_ports_stop(struct nfg_graph *g)
{
	for (unsigned i = 0; i < g->nb_ports; i++) {
		struct nfg_port *p = &g->ports[i].runtime;
		if (!p->name)
			continue;
		struct rte_eth_dev_info info;
		struct rte_device *dev = rte_eth_dev_info_get(p->port_id, &info) == 0 ? info.device
										   : NULL;
		nfg_steer_port_stop(&g->ports[i], NULL);
		rte_eth_dev_stop(p->port_id);
		rte_eth_dev_close(p->port_id);
		/* Virtual devices are unplugged too, so that a later run in the same
		 * process (the unit tests) can make them again under the same name. */
		if (dev && g->ports[i].kind != NFG_PORT_PCI)
			rte_dev_remove(dev);
		p->name = NULL;
	}
	nfg_wires_free();
}
