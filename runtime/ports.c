/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Ports: any DPDK ethdev. Virtual devices are probed here from their devargs
 * (so a bad one gets a message naming its port, not an EAL panic), PCI
 * devices were allow-listed at EAL start, wires are made by wire.c. Each port
 * gets one rx and one tx queue per worker, RSS when there are several
 * workers and the device can hash, and checksum offloads when it has them.
 */
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>

#include "../model/errors.h"
#include "runtime.h"
#include "steer.h"

#define DRAIN_BURST 64
/* net_af_packet frames per ring (rx and tx each, per queue pair: 8 MB) unless
 * the devargs say */
#define AF_PACKET_FRAMES 4096

/* net_tap given an iface that already exists (another nfg run's tap, in
 * this network namespace) would join it as more queues, silently: the two
 * runs would share its traffic and the first to stop takes it down. */
static bool
tap_taken(const struct nfg_port_spec *ps)
{
	const char *iface = strstr(ps->device, "iface=");
	char ifname[IF_NAMESIZE];

	if (strncmp(ps->device, "net_tap", 7) != 0 || !iface)
		return false;
	iface += strlen("iface=");
	size_t len = strcspn(iface, ",");
	if (len == 0 || len >= sizeof(ifname))
		return false;
	snprintf(ifname, sizeof(ifname), "%.*s", (int)len, iface);
	if (if_nametoindex(ifname) == 0)
		return false;
	nfg_log_err("ports.%s: a network interface named \"%s\" already exists here (another "
		    "nfg run's tap?); a tap device would join it: give this run another "
		    "iface=, or stop the other run", ps->name, ifname);
	return true;
}

static inline bool
af_packet(const char *device)
{
	return strncmp(device, "net_af_packet", 13) == 0;
}

/* DPDK gives a virtual device to the driver whose name begins its own, so
 * "net_tapp0" (a typo) became a tap device named so. A driver's name followed
 * by a letter is refused: it was meant as another driver or a number. */
static bool
misnamed(const struct nfg_port_spec *ps, const char *name, uint16_t port_id)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port_id, &info) != 0 || !info.driver_name)
		return false;
	size_t n = strlen(info.driver_name);
	if (strncmp(name, info.driver_name, n) != 0 || !isalpha((unsigned char)name[n]))
		return false;
	nfg_log_err("ports.%s: device \"%s\": DPDK would take it as a %s device (a device's name "
		    "is its driver's and a number: %s0, %s1...)", ps->name, nfg_esc(name),
		    info.driver_name, info.driver_name, info.driver_name);
	struct rte_device *dev = info.device;
	rte_eth_dev_close(port_id);
	if (dev)
		rte_dev_remove(dev);
	return true;
}

static int
probe_vdev(struct nfg_graph *g, struct nfg_port_spec *ps, uint16_t *port_id)
{
	char devargs[1024], name[RTE_DEV_NAME_MAX_LEN];
	const char *comma = strchr(ps->device, ',');
	size_t len = comma ? (size_t)(comma - ps->device) : strlen(ps->device);

	snprintf(devargs, sizeof(devargs), "%s", ps->device);
	/* af_packet has a fixed number of queue pairs, set by devargs. */
	if (af_packet(ps->device) && g->nb_workers > 1 &&
	    !strstr(ps->device, "qpairs="))
		snprintf(devargs + strlen(devargs), sizeof(devargs) - strlen(devargs),
			 ",qpairs=%u", g->nb_workers);
	/* Its rings: 512 frames by default, which a burst of a peer's ACKs
	 * overflows while the worker is busy sending (the kernel drops them, counted in
	 * rx_missed, kernel_drops.c). */
	if (af_packet(ps->device) && !strstr(ps->device, "framecnt="))
		snprintf(devargs + strlen(devargs), sizeof(devargs) - strlen(devargs),
			 ",framecnt=%u", AF_PACKET_FRAMES);
	snprintf(name, sizeof(name), "%.*s", (int)len, ps->device);

	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0; /* already made by an --vdev EAL argument */
	if (tap_taken(ps))
		return -1;
	int rc = rte_dev_probe(devargs);
	if (rc < 0 || rte_eth_dev_get_port_by_name(name, port_id) != 0) {
		nfg_log_err("ports.%s: device \"%s\" did not start: %s%s", ps->name, ps->device,
			    rc < 0 ? rte_strerror(-rc) : "no ethdev port appeared",
			    af_packet(name)
				    ? " (does the interface exist in this network namespace?)" : "");
		return -1;
	}
	return misnamed(ps, name, *port_id) ? -1 : 0;
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

/* The kernel interface behind a port (net_af_packet's and net_tap's
 * "iface=NAME"), whose MTU and promiscuity the run must give back: the
 * ethdev's own view of them starts at DPDK's defaults, not the kernel's. */
static bool
kernel_iface(const struct nfg_port_spec *ps, char *name, size_t len)
{
	const char *at = ps->kind == NFG_PORT_VDEV ? strstr(ps->device, "iface=") : NULL;

	if (!at)
		return false;
	at += strlen("iface=");
	size_t n = strcspn(at, ",");
	if (n == 0 || n >= len || n >= IFNAMSIZ)
		return false;
	memcpy(name, at, n);
	name[n] = '\0';
	return true;
}

/* /sys/class/net/IFACE/WHAT as a number (flags are hex), or -1. */
static long
sysfs_number(const char *iface, const char *what)
{
	char path[128], buf[32];
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", iface, what);
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f && fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 0);
	if (f)
		fclose(f);
	return v;
}

/* What the run changed on a kernel interface, put back (stop, or a start
 * that failed half way). After the port stopped: some drivers refuse an
 * MTU change while started. */
static void
give_back(struct nfg_port_spec *ps, uint16_t pid)
{
	if (ps->promiscuous_changed)
		rte_eth_promiscuous_disable(pid);
	if (ps->mtu_changed && rte_eth_dev_set_mtu(pid, ps->mtu_before) != 0)
		nfg_log_err("ports.%s: could not set the MTU back to %u", ps->name, ps->mtu_before);
	ps->mtu_changed = ps->promiscuous_changed = false;
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
	ps->mtu_changed = ps->promiscuous_changed = false;
	char iface[IFNAMSIZ];
	bool kernel = kernel_iface(ps, iface, sizeof(iface));
	long kernel_mtu = kernel ? sysfs_number(iface, "mtu") : -1;
	long kernel_flags = kernel ? sysfs_number(iface, "flags") : -1;
	/* net_ring (wire, loop) has no MTU to set: frames of any size pass. */
	bool ring = ps->kind == NFG_PORT_WIRE || ps->kind == NFG_PORT_LOOP;
	if (ps->mtu && !ring) {
		if ((rc = rte_eth_dev_set_mtu(pid, (uint16_t)ps->mtu)) != 0)
			goto fail;
		if (kernel_mtu > 0 && kernel_mtu != (long)ps->mtu) {
			ps->mtu_before = (uint16_t)kernel_mtu;
			ps->mtu_changed = true;
		}
	}
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
	if (kernel && af_packet(ps->device))
		nfg_kernel_drops_watch(pid, iface);
	/* Not every driver can; that is fine. An interface the admin made
	 * promiscuous stays so. */
	if (ps->promiscuous && rte_eth_promiscuous_enable(pid) == 0)
		ps->promiscuous_changed = kernel_flags >= 0 && !(kernel_flags & IFF_PROMISC);

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
	p->nb_ipv6 = ps->nb_ipv6;
	memcpy(p->ipv6, ps->ipv6, sizeof(p->ipv6));
	memcpy(p->ipv6_prefix, ps->ipv6_prefix, sizeof(p->ipv6_prefix));
	/* Neighbor Solicitations come to solicited-node multicast groups
	 * (RFC 4861 7.2.2): a port that filters multicast must let them in.
	 * Devices that cannot are promiscuous or deliver them anyway. */
	if (p->nb_ipv6)
		rte_eth_allmulticast_enable(pid);
	p->tx_offloads = conf.txmode.offloads;
	p->socket = rte_eth_dev_socket_id(pid);
	p->in_process = ring;
	if (ring)
		p->mtu = (uint16_t)ps->mtu; /* 0: none, as given */
	else if (ps->mtu)
		p->mtu = (uint16_t)ps->mtu;
	else if (kernel_mtu > 0) /* the interface's, not DPDK's default */
		p->mtu = (uint16_t)RTE_MIN(kernel_mtu, (long)UINT16_MAX);
	else if (rte_eth_dev_get_mtu(pid, &p->mtu) != 0)
		p->mtu = RTE_ETHER_MTU;
	return nfg_steer_port_start(g, ps, device_rss);
fail:
	/* net_memif's client fails with EPERM when no server listens on the
	 * socket yet (its own log line says why; the code alone misleads). */
	if (strncmp(ps->device, "net_memif", 9) == 0 && strstr(ps->device, "role=client"))
		nfg_log_err("ports.%s: cannot set up %s: %s (is its role=server peer running? "
			    "the server side starts first)", ps->name, ps->device, rte_strerror(-rc));
	else
		nfg_log_err("ports.%s: cannot set up %s: %s", ps->name, ps->device,
			    rte_strerror(-rc));
	give_back(ps, pid);
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

/* ---- stopping: drain, stop, close -------------------------------------- */

/* net_memif (DPDK 22.11) serves its control channel on EAL's interrupt
 * thread. When the peer goes away, that thread runs memif_disconnect, which
 * unmaps the shared regions the rings live in and frees them, with no lock
 * against a burst or against rte_eth_dev_stop (memif_disconnect again) or
 * rte_eth_dev_close (which frees what it uses). So, once the workers are
 * stopped, a memif port is drained, stopped and closed on that thread, in
 * turn with whatever the peer makes happen there, never at the same time.
 * Other drivers are stopped here, as always: some wait for their own
 * interrupts while closing.
 *
 * And a memif server leaves its listening socket's interrupt source
 * registered after the device is gone (its handle in DPDK memory, its
 * argument freed). rte_eal_cleanup unmaps DPDK memory; if the interrupt
 * thread wakes up after that (any event, or rte_eal_cleanup unregistering
 * the alarm source), it walks that source and faults. So once the memif
 * ports are closed, the interrupt thread is parked for good: nothing needs
 * it any more, and the process ends soon after. */
bool
nfg_port_served_by_interrupt_thread(uint16_t port_id)
{
	struct rte_eth_dev_info info;

	return rte_eth_dev_info_get(port_id, &info) == 0 && info.driver_name &&
	       strcmp(info.driver_name, "net_memif") == 0;
}

struct port_job {
	void (*fn)(struct nfg_port_spec *ps, uint64_t *count);
	struct nfg_port_spec *ps;
	uint64_t *count;
};

static void
port_job_run(void *arg)
{
	struct port_job *j = arg;

	j->fn(j->ps, j->count);
}

/* fn(ps, count), on the interrupt thread when the port's driver lives there. */
static void
port_do(void (*fn)(struct nfg_port_spec *, uint64_t *), struct nfg_port_spec *ps,
	uint64_t *count)
{
	struct port_job j = { fn, ps, count };

	if (nfg_port_served_by_interrupt_thread(ps->runtime.port_id) &&
	    nfg_on_interrupt_thread(port_job_run, &j, true))
		return;
	fn(ps, count);
}

/* Receive whatever is still queued so those mbufs go back to the pool.
 * (A stopped port's burst functions are dummies, so this runs before stop.) */
static void
drain_port(struct nfg_port_spec *ps, uint64_t *unread)
{
	struct rte_mbuf *pkts[DRAIN_BURST];
	struct nfg_port *p = &ps->runtime;

	/* Packets on their way from one worker to another. */
	nfg_steer_port_stop(ps, unread);
	/* Bounded: some devices (net_null) always have packets. A real rx ring
	 * holds at most rx_desc of them. */
	unsigned max_rounds = ps->rx_desc / DRAIN_BURST + 2;
	for (uint16_t q = 0; q < p->nb_queues; q++) {
		for (unsigned r = 0; r < max_rounds; r++) {
			uint16_t n = rte_eth_rx_burst(p->port_id, q, pkts, DRAIN_BURST);
			if (n == 0)
				break;
			rte_pktmbuf_free_bulk(pkts, n);
			if (unread)
				*unread += n;
		}
	}
}

void
nfg_ports_drain(struct nfg_graph *g, uint64_t *unread_at_stop)
{
	for (unsigned i = 0; i < g->nb_ports; i++)
		if (g->ports[i].runtime.name)
			port_do(drain_port, &g->ports[i], unread_at_stop ? &unread_at_stop[i] : NULL);
}

static void
stop_port(struct nfg_port_spec *ps, uint64_t *unused)
{
	struct nfg_port *p = &ps->runtime;
	struct rte_eth_dev_info info;
	struct rte_device *dev = rte_eth_dev_info_get(p->port_id, &info) == 0 ? info.device : NULL;

	nfg_steer_port_stop(ps, NULL);
	nfg_kernel_drops_forget(p->port_id); /* the driver closes its sockets */
	rte_eth_dev_stop(p->port_id);
	/* The interface as the run found it: the kernel keeps what net_af_packet
	 * or net_tap set on it otherwise. */
	give_back(ps, p->port_id);
	rte_eth_dev_close(p->port_id);
	/* Virtual devices are unplugged too, so that a later run in the same
	 * process (the unit tests) can make them again under the same name. */
	if (dev && ps->kind != NFG_PORT_PCI)
		rte_dev_remove(dev);
}

void
nfg_ports_stop(struct nfg_graph *g)
{
	bool memif = false;

	for (unsigned i = 0; i < g->nb_ports; i++) {
		if (!g->ports[i].runtime.name)
			continue;
		memif |= nfg_port_served_by_interrupt_thread(g->ports[i].runtime.port_id);
		port_do(stop_port, &g->ports[i], NULL);
		g->ports[i].runtime.name = NULL;
	}
	nfg_wires_free();
	if (memif)
		nfg_interrupt_thread_park();
}
