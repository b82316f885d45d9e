/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Session records: one per connection, opt-in (--records FILE). Each worker
 * preallocates its own array; a connection keeps the index of its record and
 * writes timestamps straight into it, so recording costs a store per event
 * and no copy. The file is written once, at the end of the run.
 */
#ifndef NFG_NF_RECORDS_H
#define NFG_NF_RECORDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_cycles.h>

enum record_time {
	REC_SYN,          /* SYN sent (client) or received (server) */
	REC_ESTABLISHED,
	REC_FIRST_OUT,    /* first payload byte sent */
	REC_FIRST_IN,     /* first payload byte received */
	REC_FIN_OUT,
	REC_FIN_IN,
	REC_CLOSED,
	REC_NB_TIMES,
};

enum { REC_ROLE_CLIENT, REC_ROLE_SERVER };

struct session_record {
	uint64_t tsc[REC_NB_TIMES]; /* 0: did not happen */
	uint64_t bytes_out, bytes_in;
	uint32_t local_ip, remote_ip;  /* IPv4 */
	uint8_t local_ip6[16], remote_ip6[16]; /* IPv6 (v6) */
	uint16_t local_port, remote_port;
	uint32_t retransmits;
	uint32_t conn_id;
	uint32_t rx_fnv;           /* FNV-1a of the payload received (HTTP: the body) */
	uint8_t cause, role;
	bool v6;
};

struct records {
	struct session_record *r;
	uint32_t cap, n;
};

int records_init(struct records *rs, uint32_t cap, int socket);
void records_free(struct records *rs);

/* A new record, or UINT32_MAX when the array is full. */
static inline uint32_t
records_open(struct records *rs)
{
	if (rs->n == rs->cap)
		return UINT32_MAX;
	return rs->n++;
}

static inline void
records_mark(struct records *rs, uint32_t i, unsigned which)
{
	if (rs->r[i].tsc[which] == 0)
		rs->r[i].tsc[which] = rte_rdtsc();
}

/* Appends the records to `f` as CSV rows or JSON lines; times are
 * nanoseconds since `start_tsc`. */
void records_write(const struct records *rs, FILE *f, bool csv, uint64_t start_tsc);
void records_write_header(FILE *f, bool csv);

#endif
