/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>

#include <rte_malloc.h>

#include "records.h"
#include "tcp_conn.h"

static const char *const time_names[REC_NB_TIMES] = {
	"syn_ns", "established_ns", "first_out_ns", "first_in_ns", "fin_out_ns", "fin_in_ns",
	"closed_ns",
};

static const char *const cause_names[CAUSE_NB] = {
	"none", "active_close", "passive_close", "reset", "timeout", "refused", "aborted",
};

int
records_init(struct records *rs, uint32_t cap, int socket)
{
	rs->n = 0;
	rs->cap = cap;
	rs->r = cap ? rte_zmalloc_socket("records", (size_t)cap * sizeof(*rs->r), 0, socket) : NULL;
	return cap && !rs->r ? -1 : 0;
}

void
records_free(struct records *rs)
{
	rte_free(rs->r);
	rs->r = NULL;
	rs->cap = rs->n = 0;
}

void
records_write_header(FILE *f, bool csv)
{
	if (!csv)
		return;
	fprintf(f, "role,conn,local,remote,cause");
	for (unsigned t = 0; t < REC_NB_TIMES; t++)
		fprintf(f, ",%s", time_names[t]);
	fprintf(f, ",bytes_out,bytes_in,retransmits,rx_fnv\n");
}

/* An address as it stands before ":port": IPv6 in brackets (RFC 5952 6). */
static void
address(bool v6, const uint32_t *ip4, const uint8_t *ip6, char *buf, size_t len)
{
	if (!v6) {
		inet_ntop(AF_INET, ip4, buf, (socklen_t)len);
		return;
	}
	buf[0] = '[';
	inet_ntop(AF_INET6, ip6, buf + 1, (socklen_t)(len - 2));
	strcat(buf, "]");
}

void
records_write(const struct records *rs, FILE *f, bool csv, uint64_t start_tsc)
{
	double ns_per_tsc = 1e9 / (double)rte_get_tsc_hz();

	for (uint32_t i = 0; i < rs->n; i++) {
		const struct session_record *r = &rs->r[i];
		char local[INET6_ADDRSTRLEN + 2], remote[INET6_ADDRSTRLEN + 2];
		address(r->v6, &r->local_ip, r->local_ip6, local, sizeof(local));
		address(r->v6, &r->remote_ip, r->remote_ip6, remote, sizeof(remote));
		const char *role = r->role == REC_ROLE_CLIENT ? "client" : "server";
		const char *cause = r->cause < CAUSE_NB ? cause_names[r->cause] : "?";
		if (csv)
			fprintf(f, "%s,%u,%s:%u,%s:%u,%s", role, r->conn_id, local,
				ntohs(r->local_port), remote, ntohs(r->remote_port), cause);
		else
			fprintf(f, "{\"role\":\"%s\",\"conn\":%u,\"local\":\"%s:%u\",\"remote\":\"%s:%u\","
				"\"cause\":\"%s\"", role, r->conn_id, local, ntohs(r->local_port),
				remote, ntohs(r->remote_port), cause);
		for (unsigned t = 0; t < REC_NB_TIMES; t++) {
			int64_t ns = r->tsc[t] ? (int64_t)((double)(r->tsc[t] - start_tsc) * ns_per_tsc)
					       : -1;
			if (csv)
				fprintf(f, ",%" PRId64, ns);
			else
				fprintf(f, ",\"%s\":%" PRId64, time_names[t], ns);
		}
		if (csv)
			fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%u,%08x\n", r->bytes_out, r->bytes_in,
				r->retransmits, r->rx_fnv);
		else
			fprintf(f, ",\"bytes_out\":%" PRIu64 ",\"bytes_in\":%" PRIu64
				",\"retransmits\":%u,\"rx_fnv\":\"%08x\"}\n", r->bytes_out, r->bytes_in,
				r->retransmits, r->rx_fnv);
	}
}
