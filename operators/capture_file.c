/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The pcapng file behind a capture node: opening it, its writer thread,
 * closing it. See capture_file.h for how the work is split and for what
 * this file does around rte_pcapng's limits.
 */
/* pthread_setname_np needs _GNU_SOURCE, which the Makefile defines. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_time.h>

#include "nfg/operator.h"
#include "capture_file.h"

#define POOL_CACHE 128
#define WRITER_IDLE_US 200  /* the writer's nap when the ring is empty */

/* ---- the writer thread ------------------------------------------------- */

static ssize_t
write_blocks(struct capture_file *f, struct rte_mbuf **copies, unsigned n)
{
	struct iovec iov[CAPTURE_BURST];

	if (!f->own_interface)
		return rte_pcapng_write_packets(f->pcapng, copies, (uint16_t)n);
	/* Copies are one segment each: copy_len fits one buffer. */
	for (unsigned i = 0; i < n; i++) {
		struct epb_head *epb = rte_pktmbuf_mtod(copies[i], struct epb_head *);
		epb->interface_id = 0;
		iov[i].iov_base = epb;
		iov[i].iov_len = rte_pktmbuf_data_len(copies[i]);
	}
	ssize_t rc = writev(f->fd, iov, (int)n);
	if (rc < 0)
		rte_errno = errno;
	return rc;
}

static void *
writer_main(void *arg)
{
	struct capture_file *f = arg;
	struct rte_mbuf *copies[CAPTURE_BURST];

	for (;;) {
		/* The flag first, then the ring: once close set it no worker
		 * enqueues any more, so an empty ring then means done. */
		bool stopping = __atomic_load_n(&f->stopping, __ATOMIC_ACQUIRE);
		unsigned n = rte_ring_sc_dequeue_burst(f->ring, (void **)copies, CAPTURE_BURST, NULL);
		if (n == 0) {
			if (stopping)
				break;
			usleep(WRITER_IDLE_US);
			continue;
		}
		if (write_blocks(f, copies, n) < 0 && f->write_errno == 0)
			f->write_errno = rte_errno ? rte_errno : EIO;
		/* rte_pcapng_write_packets leaves them to us, whatever its doc says */
		rte_pktmbuf_free_bulk(copies, n);
	}
	return NULL;
}

/* ---- open and close ---------------------------------------------------- */

/* An interface description block for files without any ethdev port:
 * Ethernet, named "nfg", nanosecond timestamps (as in the packet blocks). */
static int
write_interface_block(int fd, uint32_t snaplen)
{
	struct __rte_packed {
		uint32_t block_type, block_length;
		uint16_t link_type, reserved;
		uint32_t snaplen;
		uint16_t name_code, name_length;
		char name[4];
		uint16_t tsresol_code, tsresol_length;
		uint8_t tsresol, tsresol_pad[3];
		uint16_t end_code, end_length;
		uint32_t block_length_again;
	} idb = {
		.block_type = 1, .block_length = sizeof(idb), .link_type = 1, /* Ethernet */
		.snaplen = snaplen, .name_code = 2, .name_length = 3, .name = "nfg",
		.tsresol_code = 9, .tsresol_length = 1, .tsresol = 9, /* 10^-9 s */
		.block_length_again = sizeof(idb),
	};

	return write(fd, &idb, sizeof(idb)) == (ssize_t)sizeof(idb) ? 0 : -1;
}

/* Our clock: a TSC value and the wall-clock time it stands for. And the
 * constant for rte_pcapng_copy: its first call sets its reference to the TSC
 * of that moment, and it only moves the reference (unsafely) when handed a
 * TSC a second or more past it, or older than it. Half a second from now is
 * neither, for the warm-up call made here on one thread and for every call
 * the workers make afterwards. (A file opened later may move the reference
 * once, in its own open, before any worker runs; its constant is then safe
 * the same way.) */
static int
calibrate_clocks(struct capture_file *f)
{
	struct timespec ts;
	uint64_t hz = rte_get_tsc_hz();
	struct rte_mbuf *sample = rte_pktmbuf_alloc(f->pool);

	/* one byte: a copy of it fits the buffers whatever the snaplen */
	if (!sample || !rte_pktmbuf_append(sample, 1)) {
		rte_pktmbuf_free(sample);
		return -1;
	}
	f->pcapng_tsc = rte_rdtsc() + hz / 2;
	rte_pktmbuf_free(rte_pcapng_copy(f->default_port, 0, sample, f->pool, 1, f->pcapng_tsc,
					 RTE_PCAPNG_DIRECTION_UNKNOWN));
	rte_pktmbuf_free(sample);
	clock_gettime(CLOCK_REALTIME, &ts);
	f->clock_tsc = rte_rdtsc();
	f->clock_ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	f->ns_per_tsc = (double)NSEC_PER_SEC / (double)hz;
	return 0;
}

int
capture_file_close(struct capture_file *f)
{
	void *copy;
	int err = f->write_errno;

	if (f->writer_running) {
		__atomic_store_n(&f->stopping, true, __ATOMIC_RELEASE);
		pthread_join(f->writer, NULL);
		f->writer_running = false;
		err = f->write_errno;
	}
	while (f->ring && rte_ring_dequeue(f->ring, &copy) == 0)
		rte_pktmbuf_free(copy);
	if (f->pcapng)
		rte_pcapng_close(f->pcapng); /* closes fd too */
	else if (f->fd >= 0)
		close(f->fd);
	rte_ring_free(f->ring);
	rte_mempool_free(f->pool);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	return err;
}

static int
fail(struct capture_file *f, int code, char *err, size_t errlen, const char *fmt,
     const char *what, const char *why)
{
	snprintf(err, errlen, fmt, what, why);
	capture_file_close(f);
	return code;
}

int
capture_file_open(struct capture_file *f, const char *path, uint32_t snaplen,
		  const char *comment, char *err, size_t errlen)
{
	static unsigned serial; /* pool and ring names must be unique */
	char name[RTE_RING_NAMESIZE];
	unsigned nb_ports = 0;
	uint16_t port;

	memset(f, 0, sizeof(*f));
	/* A FIFO (a live capture: wireshark -k -i FIFO) is opened without
	 * waiting: with no reader yet, open() would block the run's start for
	 * ever, deaf to ^C. Its writes block as a file's do. */
	struct stat st;
	bool fifo = stat(path, &st) == 0 && S_ISFIFO(st.st_mode);
	f->fd = open(path, O_WRONLY | O_CLOEXEC | (fifo ? O_NONBLOCK : O_CREAT | O_TRUNC), 0644);
	if (f->fd < 0 && fifo && errno == ENXIO)
		return fail(f, CAPTURE_FILE_EPATH, err, errlen,
			    "%s is a FIFO that nothing reads yet: start its reader first "
			    "(e.g. wireshark -k -i %s)", path, path);
	if (f->fd < 0)
		return fail(f, CAPTURE_FILE_EPATH, err, errlen, "cannot open %s for writing: %s",
			    path, strerror(errno));
	if (fifo)
		fcntl(f->fd, F_SETFL, fcntl(f->fd, F_GETFL) & ~O_NONBLOCK);
	/* The same ports, in the same order, that rte_pcapng_fdopen describes. */
	RTE_ETH_FOREACH_DEV(port) {
		if (nb_ports++ == 0)
			f->default_port = port;
		f->port_known[port] = true;
	}
	f->own_interface = nb_ports == 0;
	f->pcapng = rte_pcapng_fdopen(f->fd, NULL, NULL, "nfg " NFG_VERSION, comment);
	if (!f->pcapng || (f->own_interface && write_interface_block(f->fd, snaplen) < 0))
		return fail(f, CAPTURE_FILE_EPATH, err, errlen, "cannot write to %s: %s", path,
			    strerror(errno));

	/* One copy fits one buffer: rte_pcapng gets a chained copy's block
	 * length wrong. Longer frames (only chained ones) are cut to it. */
	struct rte_mempool *pkts = nfg_pktmbuf_pool();
	uint32_t room = pkts ? rte_pktmbuf_data_room_size(pkts) - RTE_PKTMBUF_HEADROOM
			     : RTE_MBUF_DEFAULT_DATAROOM;
	f->copy_len = RTE_MIN(snaplen, room);
	snprintf(name, sizeof(name), "nfg_cap%u", serial++);
	f->pool = rte_pktmbuf_pool_create(name, CAPTURE_POOL, POOL_CACHE, 0,
					  (uint16_t)rte_pcapng_mbuf_size(f->copy_len), SOCKET_ID_ANY);
	f->ring = rte_ring_create(name, CAPTURE_RING, SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (!f->pool || !f->ring || calibrate_clocks(f) < 0)
		return fail(f, CAPTURE_FILE_ERES, err, errlen, "cannot make the buffers of %s: %s",
			    path, rte_strerror(rte_errno));
	int rc = pthread_create(&f->writer, NULL, writer_main, f);
	if (rc != 0)
		return fail(f, CAPTURE_FILE_ERES, err, errlen, "cannot start the writer of %s: %s",
			    path, strerror(rc));
	pthread_setname_np(f->writer, "nfg-capture");
	f->writer_running = true;
	return 0;
}
