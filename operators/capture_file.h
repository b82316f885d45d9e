/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The pcapng file behind a capture node (capture_file.c). Workers copy
 * packets into pcapng packet blocks (DPDK's rte_pcapng_copy, into a pool of
 * the file's own) and put the copies on a multi-producer ring; a writer
 * thread drains the ring and writes. Nothing on the workers' side makes a
 * system call, and nothing there waits: without a free buffer or ring slot
 * the packet is simply not captured.
 *
 * Two things rte_pcapng (DPDK 22.11) gets wrong are handled here:
 *
 * Interfaces. rte_pcapng_fdopen writes one interface block per ethdev port,
 * and rte_pcapng_write_packets picks the block from the copy's port id in a
 * table that only has entries for those ports. So a packet made inside the
 * process (a generator's: m->port invalid) is filed under the first port.
 * With no ethdev port at all there is no block to point at: the file then
 * gets its own interface block ("nfg") after the section header, and the
 * writer writes the packet blocks itself, pointing them at it.
 *
 * Timestamps. rte_pcapng_copy turns a TSC value into nanoseconds with a
 * process-wide reference that it moves forward, unsynchronised, and that
 * goes centuries wrong when it is handed a TSC older than the last one it
 * saw, as happens when several workers capture at once. So every call gets
 * one constant that never moves the reference, and each block is stamped
 * from a reference of our own.
 */
#ifndef NFG_OPERATORS_CAPTURE_FILE_H
#define NFG_OPERATORS_CAPTURE_FILE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_ring.h>

#define CAPTURE_RING 4096      /* copies waiting for the writer */
#define CAPTURE_POOL 8191      /* copy buffers: the ring, plus what worker caches hold */
#define CAPTURE_BURST 64       /* copies per ring operation and per write */

struct capture_file {
	int fd;
	rte_pcapng_t *pcapng;
	struct rte_mempool *pool;
	struct rte_ring *ring;
	uint32_t copy_len;        /* snaplen, cut to what one copy buffer holds */
	uint64_t pcapng_tsc;      /* the constant TSC handed to rte_pcapng_copy */
	uint64_t clock_tsc;       /* our reference: this TSC value ... */
	uint64_t clock_ns;        /* ... was this wall-clock time (ns since 1970) */
	double ns_per_tsc;
	bool own_interface;       /* no ethdev port: the file has our interface block */
	uint16_t default_port;    /* where packets from no known port are filed */
	bool port_known[RTE_MAX_ETHPORTS];
	pthread_t writer;
	bool writer_running;
	bool stopping;            /* set by close: the writer drains and exits */
	int write_errno;          /* the writer's first failure */
};

/* What a copy starts with: the head of an enhanced packet block. */
struct epb_head {
	uint32_t block_type, block_length, interface_id;
	uint32_t timestamp_hi, timestamp_lo;
};

enum capture_file_error {
	CAPTURE_FILE_EPATH = -1,  /* the file cannot be opened or written */
	CAPTURE_FILE_ERES = -2,   /* no memory, ring or thread for it */
};

/* Creates (replaces) the file and starts its writer; on error fills `err`
 * and returns one of enum capture_file_error, with nothing left open. */
int capture_file_open(struct capture_file *f, const char *path, uint32_t snaplen,
		      const char *comment, char *err, size_t errlen);
/* Writes what is queued, stops the writer, closes. Returns 0, or the errno
 * of the first write that failed. */
int capture_file_close(struct capture_file *f);

/* The wall-clock time of a TSC value, in ns. */
static inline uint64_t
capture_file_time(const struct capture_file *f, uint64_t tsc)
{
	return f->clock_ns + (uint64_t)((double)(tsc - f->clock_tsc) * f->ns_per_tsc);
}

/* The packet block for `m`, stamped `ns`; NULL when no buffer is free. */
static inline struct rte_mbuf *
capture_file_copy(const struct capture_file *f, const struct rte_mbuf *m, uint32_t queue,
		  uint64_t ns)
{
	uint16_t port = m->port < RTE_MAX_ETHPORTS && f->port_known[m->port] ? m->port
									     : f->default_port;
	struct rte_mbuf *c = rte_pcapng_copy(port, queue, m, f->pool, f->copy_len, f->pcapng_tsc,
					     RTE_PCAPNG_DIRECTION_UNKNOWN);
	if (likely(c != NULL)) {
		struct epb_head *epb = rte_pktmbuf_mtod(c, struct epb_head *);
		epb->timestamp_hi = (uint32_t)(ns >> 32);
		epb->timestamp_lo = (uint32_t)ns;
	}
	return c;
}

/* Hands copies to the writer; frees those the ring has no room for.
 * Returns how many were queued. */
static inline unsigned
capture_file_enqueue(struct capture_file *f, struct rte_mbuf **copies, unsigned n)
{
	unsigned queued = rte_ring_mp_enqueue_burst(f->ring, (void **)copies, n, NULL);

	rte_pktmbuf_free_bulk(copies + queued, n - queued);
	return queued;
}

#endif
