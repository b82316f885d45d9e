/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What makes a restarted run's TCP look, to its peers, like the same host
 * going on: a key and a clock that every nfg process of this boot shares.
 *
 * A peer keeps an old connection's 4-tuple in TIME_WAIT (a minute on Linux)
 * and takes a new SYN on it only when the SYN's sequence number (RFC 6528) or
 * its timestamp (RFC 7323, PAWS) lies above the old connection's. With a key
 * drawn by each process and clocks that start at zero in each, a run started
 * again on the same tuples came out below in about half the runs: each such
 * SYN was answered with a bare ACK, reset, and got through only after the
 * initial RTO. Built on these two, a new run's ISNs and timestamps for a
 * tuple are above the last run's, as they are for a host's own TCP.
 */
#ifndef NFG_NF_HOST_SECRET_H
#define NFG_NF_HOST_SECRET_H

#include <stdint.h>

/* A random 128-bit key kept for the boot in /var/run/nfg/tcp-key (tmpfs: gone at
 * reboot; readable by root alone, as nfg runs), made by the first process
 * that asks. Where it cannot be kept, a key of this process's own. */
void nfg_host_secret(uint64_t key[2]);

/* Microseconds of the boot's monotonic clock: one count for every process. */
uint64_t nfg_host_clock_us(void);

#endif
