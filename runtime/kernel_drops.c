/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What the kernel dropped before a net_af_packet port could read it. When
 * the socket's receive ring is full, the kernel drops the frame and counts it
 * on the socket (PACKET_STATISTICS, packet(7)); DPDK 22.11's net_af_packet
 * never asks, so its rx_missed stays 0. Those losses are real -- a burst of a
 * peer's ACKs lost while nfg was busy sending shows as a stalled connection
 * and a retransmission timeout -- and nothing may be lost silently: the port's
 * rx_missed includes them.
 *
 * The driver keeps its sockets to itself, so they are found among the
 * process's descriptors: the AF_PACKET sockets bound to the port's interface,
 * looked for right after the port starts (the driver made them at probe and
 * closes them at stop, when they are forgotten here first: a descriptor
 * number may be reused). Reading the statistics resets them in the kernel,
 * so the total is kept here.
 */
#include <dirent.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <rte_ethdev.h>

#include "runtime.h"

#define MAX_SOCKETS 64 /* queue pairs of one port */

static struct watched {
	int fds[MAX_SOCKETS];
	unsigned nb_fds;
	uint64_t drops;
} watched[RTE_MAX_ETHPORTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static bool
bound_to(int fd, int ifindex)
{
	struct sockaddr_ll sll;
	socklen_t len = sizeof(sll);

	return getsockname(fd, (struct sockaddr *)&sll, &len) == 0 && len >= offsetof(struct sockaddr_ll, sll_addr) &&
	       sll.sll_family == AF_PACKET && sll.sll_ifindex == ifindex;
}

void
nfg_kernel_drops_watch(uint16_t port_id, const char *iface)
{
	int ifindex = (int)if_nametoindex(iface);
	DIR *d = ifindex > 0 && port_id < RTE_MAX_ETHPORTS ? opendir("/proc/self/fd") : NULL;
	struct dirent *de;

	if (!d)
		return;
	pthread_mutex_lock(&lock);
	struct watched *w = &watched[port_id];
	w->nb_fds = 0;
	w->drops = 0;
	while ((de = readdir(d)) != NULL && w->nb_fds < MAX_SOCKETS) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		if (*end == '\0' && fd != dirfd(d) && bound_to((int)fd, ifindex))
			w->fds[w->nb_fds++] = (int)fd;
	}
	pthread_mutex_unlock(&lock);
	closedir(d);
}

/* Under the lock. */
static void
collect(struct watched *w)
{
	for (unsigned i = 0; i < w->nb_fds; i++) {
		struct tpacket_stats st;
		socklen_t len = sizeof(st);
		if (getsockopt(w->fds[i], SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
			w->drops += st.tp_drops;
	}
}

uint64_t
nfg_kernel_drops(uint16_t port_id)
{
	if (port_id >= RTE_MAX_ETHPORTS)
		return 0;
	pthread_mutex_lock(&lock);
	struct watched *w = &watched[port_id];
	collect(w);
	uint64_t drops = w->drops;
	pthread_mutex_unlock(&lock);
	return drops;
}

void
nfg_kernel_drops_forget(uint16_t port_id)
{
	if (port_id >= RTE_MAX_ETHPORTS)
		return;
	pthread_mutex_lock(&lock);
	collect(&watched[port_id]);
	watched[port_id].nb_fds = 0;
	pthread_mutex_unlock(&lock);
}
