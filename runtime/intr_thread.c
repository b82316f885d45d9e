/* SPDX-License-Identifier: BSD-3-Clause
 *
 * EAL's interrupt thread, where DPDK 22.11's net_memif does its control
 * work: nfg runs jobs there (closing memif ports in turn with whatever the
 * peer makes happen), parks it for good before rte_eal_cleanup, and holds
 * it while the workers poll connected memif rings (the gate below).
 *
 * Why the gate: when a memif peer goes away, the interrupt thread runs
 * memif_disconnect, which unmaps and frees the shared rings with no lock
 * against a burst in progress on a worker; a worker inside
 * rte_eth_rx_burst at that moment faults (nfproxy: 1 run in 6 when its
 * traffic process stopped first). So while every memif link is up the
 * interrupt thread waits in a callback of ours and does nothing else; when
 * it has something to do, the workers pause between two walks, the thread is
 * let go for one round of whatever is pending (a peer's disconnect among
 * it), and is held again before the workers go on, if the links are still
 * up. While a link is down the thread is free, so a peer (re)connects at full
 * speed; polling a link that is not connected touches no shared ring.
 *
 * What it has to do comes on memif's control sockets (Unix sockets: a peer's
 * message, its hang-up, a new peer at a listening one), so the main lcore
 * polls the process's Unix sockets each tick and lets the thread go when one
 * is ready, at most every GATE_BREATH_MS, and at least every
 * GATE_QUIET_BREATH_MS for anything else it may hold (an alarm). A pause
 * costs a fraction of a millisecond to 2 ms (the main and interrupt threads
 * wait for a CPU a worker of the peer process spins on): every 100 ms, as
 * before, it was 2% of a memif server's time and stalled its peer with it.
 */
#include <dirent.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_interrupts.h>

#include "runtime.h"

/* One job at a time for the interrupt thread, posted through an eventfd of
 * our own (an alarm would do, but then rte_eal_cleanup unregisters the
 * alarm source and so wakes that thread just as the memory goes away). */
enum { JOB_IDLE, JOB_POSTED, JOB_TAKEN, JOB_WITHDRAWN };

static struct {
	struct rte_intr_handle *handle;
	int efd;
	void (*fn)(void *);
	void *arg;
	int state, done;
} job = { .efd = -1 };

static void
job_callback(void *unused)
{
	uint64_t n;
	int posted = JOB_POSTED;

	if (read(job.efd, &n, sizeof(n)) != sizeof(n) ||
	    !__atomic_compare_exchange_n(&job.state, &posted, JOB_TAKEN, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	job.fn(job.arg);
	__atomic_store_n(&job.done, 1, __ATOMIC_RELEASE);
}

/* An eventfd whose writes make the interrupt thread call cb. */
static int
channel_open(struct rte_intr_handle **handle, int *efd_out, void (*cb)(void *))
{
	if (*handle)
		return 0;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct rte_intr_handle *h = efd >= 0 ? rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE)
					      : NULL;
	if (!h || rte_intr_type_set(h, RTE_INTR_HANDLE_EXT) != 0 || rte_intr_fd_set(h, efd) != 0 ||
	    rte_intr_callback_register(h, cb, NULL) != 0) {
		rte_intr_instance_free(h);
		if (efd >= 0)
			close(efd);
		return -1;
	}
	*handle = h;
	*efd_out = efd;
	return 0;
}

/* Runs fn(arg) on the interrupt thread and waits until it is done (or,
 * !until_done, until it has started). False when it could not, and then it
 * has not run: the caller does it itself. A thread stuck elsewhere should
 * not hang the exit, so a job not taken in 10 s is withdrawn. */
bool
nfg_on_interrupt_thread(void (*fn)(void *), void *arg, bool until_done)
{
	const uint64_t one = 1;
	int posted = JOB_POSTED;

	if (channel_open(&job.handle, &job.efd, job_callback) != 0)
		return false;
	job.fn = fn;
	job.arg = arg;
	job.done = 0;
	__atomic_store_n(&job.state, JOB_POSTED, __ATOMIC_RELEASE);
	if (write(job.efd, &one, sizeof(one)) != sizeof(one)) {
		__atomic_store_n(&job.state, JOB_IDLE, __ATOMIC_RELEASE);
		return false;
	}
	for (unsigned ms = 0;; ms++) {
		int s = __atomic_load_n(&job.state, __ATOMIC_ACQUIRE);
		if (s == JOB_TAKEN && (!until_done || __atomic_load_n(&job.done, __ATOMIC_ACQUIRE)))
			break;
		if (s == JOB_POSTED && ms >= 10000 &&
		    __atomic_compare_exchange_n(&job.state, &posted, JOB_WITHDRAWN, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			nfg_log_err("EAL's interrupt thread did not answer in 10 s; going on "
				    "without it");
			return false;
		}
		usleep(1000);
	}
	if (until_done)
		__atomic_store_n(&job.state, JOB_IDLE, __ATOMIC_RELEASE);
	return true;
}

static void
park(void *unused)
{
	for (;;)
		pause();
}

void
nfg_interrupt_thread_park(void)
{
	nfg_on_interrupt_thread(park, NULL, false);
}

/* ---- the gate ----------------------------------------------------------- */

#define GATE_BREATH_MS 100        /* the least time between two breaths */
#define GATE_QUIET_BREATH_MS 1000 /* the most, with no socket ready */
#define GATE_TAKE_MS 1000 /* a thread that does not come in this long is busy */
#define GATE_MAX_SOCKETS 64

static struct {
	struct rte_intr_handle *handle;
	int efd;
	int release_efd;      /* blocking: the held thread waits on it */
	bool held;            /* the interrupt thread is in gate_callback */
	bool active;          /* nfg_intr_gate_tick holds it when the links are up */
	double last_breath;
	struct pollfd sockets[GATE_MAX_SOCKETS]; /* the Unix sockets when last held */
	unsigned nb_sockets;
	bool too_many_sockets; /* more than fit: breathe every GATE_BREATH_MS */
} gate = { .efd = -1, .release_efd = -1 };

/* The process's Unix sockets, read from /proc/self/fd while the thread is
 * held (it opens and closes none then; a socket another thread opens later
 * waits for the next collection, and one closed since shows as POLLNVAL,
 * which lets the thread go too: a spurious breath is only a short pause). */
static void
gate_sockets_collect(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;

	gate.nb_sockets = 0;
	gate.too_many_sockets = dir == NULL;
	while (dir && (de = readdir(dir)) != NULL) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		struct stat st;
		int domain;
		socklen_t len = sizeof(domain);
		if (*end || end == de->d_name || fd == dirfd(dir) || fstat((int)fd, &st) != 0 ||
		    !S_ISSOCK(st.st_mode) ||
		    getsockopt((int)fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 ||
		    domain != AF_UNIX)
			continue;
		if (gate.nb_sockets == GATE_MAX_SOCKETS) {
			gate.too_many_sockets = true;
			break;
		}
		gate.sockets[gate.nb_sockets++] = (struct pollfd){ .fd = (int)fd, .events = POLLIN };
	}
	if (dir)
		closedir(dir);
}

/* Whether the held thread has something to read (or a socket hung up). */
static bool
gate_sockets_ready(void)
{
	return gate.too_many_sockets ||
	       (gate.nb_sockets && poll(gate.sockets, gate.nb_sockets, 0) != 0);
}

static void
gate_callback(void *unused)
{
	uint64_t n;

	if (read(gate.efd, &n, sizeof(n)) != sizeof(n))
		return;
	__atomic_store_n(&gate.held, true, __ATOMIC_RELEASE);
	while (read(gate.release_efd, &n, sizeof(n)) != sizeof(n))
		;
	__atomic_store_n(&gate.held, false, __ATOMIC_RELEASE);
}

/* The interrupt thread comes into gate_callback; false if it did not in
 * GATE_TAKE_MS (then it is let go as soon as it does). */
static bool
gate_hold(void)
{
	const uint64_t one = 1;

	if (write(gate.efd, &one, sizeof(one)) != sizeof(one))
		return false;
	for (unsigned i = 0; !__atomic_load_n(&gate.held, __ATOMIC_ACQUIRE); i++) {
		if (i >= GATE_TAKE_MS * 20) {
			/* Withdrawn: it leaves as soon as it comes. */
			if (write(gate.release_efd, &one, sizeof(one)) != sizeof(one))
				nfg_log_err("cannot withdraw the interrupt thread's hold");
			return false;
		}
		usleep(50);
	}
	gate_sockets_collect();
	return true;
}

static void
gate_release(void)
{
	const uint64_t one = 1;

	if (!__atomic_load_n(&gate.held, __ATOMIC_ACQUIRE))
		return;
	if (write(gate.release_efd, &one, sizeof(one)) != sizeof(one))
		return;
	while (__atomic_load_n(&gate.held, __ATOMIC_ACQUIRE))
		usleep(50);
}

static bool
links_up(const struct nfg_graph *g)
{
	bool any = false;

	for (unsigned i = 0; i < g->nb_ports; i++) {
		const struct nfg_port *p = &g->ports[i].runtime;
		struct rte_eth_link link;
		if (!p->name || !nfg_port_served_by_interrupt_thread(p->port_id))
			continue;
		if (rte_eth_link_get_nowait(p->port_id, &link) != 0 || !link.link_status)
			return false;
		any = true;
	}
	return any;
}

int
nfg_intr_gate_open(const struct nfg_graph *g)
{
	bool memif = false;

	for (unsigned i = 0; i < g->nb_ports; i++)
		memif |= g->ports[i].runtime.name &&
			 nfg_port_served_by_interrupt_thread(g->ports[i].runtime.port_id);
	if (!memif)
		return 0;
	if (gate.release_efd < 0 && (gate.release_efd = eventfd(0, EFD_CLOEXEC)) < 0)
		return -1;
	if (channel_open(&gate.handle, &gate.efd, gate_callback) != 0)
		return -1;
	gate.active = true;
	gate.last_breath = 0;
	return 0;
}

void
nfg_intr_gate_tick(const struct nfg_graph *g, double t)
{
	if (!gate.active)
		return;
	bool held = __atomic_load_n(&gate.held, __ATOMIC_ACQUIRE);
	if (!held) {
		/* The workers may be in a burst: holding the thread now only
		 * stops what it would do next. */
		if (links_up(g))
			gate_hold();
		gate.last_breath = t;
		return;
	}
	double since_ms = (t - gate.last_breath) * 1000;
	if (since_ms < GATE_BREATH_MS || (since_ms < GATE_QUIET_BREATH_MS && !gate_sockets_ready()))
		return;
	gate.last_breath = t;
	nfg_workers_pause();
	nfg_port_counts_note(g); /* a peer's disconnect may hide them now */
	gate_release();
	/* Whatever was pending runs now, with no worker in a burst. Held again
	 * only once the thread is back in our callback: all it did in between
	 * is done. */
	if (links_up(g))
		gate_hold();
	nfg_workers_resume();
}

void
nfg_intr_gate_close(const struct nfg_graph *g)
{
	if (!gate.active)
		return;
	nfg_port_counts_note(g); /* a peer's disconnect may hide them now */
	gate_release();
	gate.active = false;
}
