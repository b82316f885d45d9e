/* SPDX-License-Identifier: BSD-3-Clause
 *
 * trace: prints one line per packet for a person watching a graph at work,
 * then lets the packet through. It is a debugging tap, so unlike everything
 * else on the data path it writes to stdout; "max_lines" bounds how much.
 * Packet bytes are shown through nfg_escape: a frame full of terminal escape
 * sequences or newlines prints as \x1b and \n, never as itself, and never
 * more than "bytes" of it.
 */
#include <stdio.h>

#include <rte_malloc.h>

#include "builtin.h"
#include "nfg/text.h"

#define TRACE_BYTES_MAX 256

struct trace_config {
	const char *name;
	uint64_t max_lines;  /* per worker; 0 = no limit */
	uint16_t bytes;      /* shown per packet */
};

struct trace_state {
	const struct trace_config *cfg;
	unsigned worker;
	uint64_t lines;
};

enum trace_counter { TRACE_PRINTED, TRACE_NOT_PRINTED };

/* Where the interesting bytes start: the L4 payload when parse found one. */
static uint32_t
trace_payload_offset(const struct rte_mbuf *m)
{
	uint32_t off = (uint32_t)m->l2_len + m->l3_len + m->l4_len;

	if ((m->packet_type & RTE_PTYPE_L4_MASK) == 0 || off > rte_pktmbuf_data_len(m))
		return 0;
	return off;
}

static void
trace_one(const struct trace_state *st, struct rte_mbuf *m)
{
	/* Four characters per byte at worst, the cut mark, the NUL. */
	char shown[TRACE_BYTES_MAX * 4 + 4];
	uint32_t off = trace_payload_offset(m);
	uint32_t avail = rte_pktmbuf_data_len(m) - off;
	uint32_t n = RTE_MIN(avail, (uint32_t)st->cfg->bytes);

	nfg_escape(shown, sizeof(shown), rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n);
	printf("trace %s w%u: %u bytes, ptype 0x%08x, from byte %u: \"%s\"%s\n", st->cfg->name,
	       st->worker, rte_pktmbuf_pkt_len(m), m->packet_type, off, shown,
	       avail > n ? "..." : "");
}

static uint16_t
trace_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct trace_state *st = nfg_node_state(node);
	uint16_t printed = 0;

	for (uint16_t i = 0; i < nb_objs; i++) {
		if (st->cfg->max_lines && st->lines >= st->cfg->max_lines)
			break;
		trace_one(st, objs[i]);
		st->lines++;
		printed++;
	}
	if (printed)
		fflush(stdout);
	nfg_count(node, TRACE_PRINTED, printed);
	nfg_count(node, TRACE_NOT_PRINTED, nb_objs - printed);
	rte_node_next_stream_move(graph, node, 0);
	return nb_objs;
}

static int
trace_setup(struct nfg_instance *inst)
{
	struct trace_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return -1;
	nfg_instance_set_config(inst, cfg, NULL);
	cfg->name = nfg_instance_name(inst);
	cfg->max_lines = (uint64_t)nfg_param_int(inst, "max_lines");
	cfg->bytes = (uint16_t)nfg_param_int(inst, "bytes");
	return 0;
}

static int
trace_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct trace_state *st = nfg_node_state(node);

	st->cfg = nfg_instance_config(inst);
	st->worker = worker;
	return 0;
}

static const struct nfg_param trace_params[] = {
	{ .name = "max_lines", .type = NFG_T_INT, .def = "100", .min = 0, .max = 1e15,
	  .doc = "lines printed per worker, then packets pass silently (0: no limit)" },
	{ .name = "bytes", .type = NFG_T_INT, .def = "48", .min = 0, .max = TRACE_BYTES_MAX,
	  .doc = "packet bytes shown per line, escaped, from the L4 payload (or the frame "
		 "start when parse has not run)" },
	{ 0 },
};

static const struct nfg_counter trace_counters[] = {
	[TRACE_PRINTED] = { "printed", NFG_CTR_INFO },
	[TRACE_NOT_PRINTED] = { "not_printed", NFG_CTR_INFO, "after max_lines" },
	{ 0 },
};

static const struct nfg_op trace_op = {
	.api_version = NFG_API_VERSION,
	.name = "trace",
	.summary = "print a line per packet (bounded, escaped) and pass it on",
	.doc = "A debugging tap: for each packet, prints its length, packet type and the\n"
	       "first \"bytes\" bytes of its payload, escaped (printable ASCII as is, the\n"
	       "rest as \\n, \\r, \\t, \\\\, \\\" or \\xNN) so no packet can forge a log line or\n"
	       "drive a terminal. Stops printing after \"max_lines\" per worker. It writes\n"
	       "to stdout from the worker, so leave it out of graphs that must run fast.",
	.input_doc = "any frames (after parse, the payload is shown)",
	.outputs = (const char *const[]){ "out", NULL },
	.example = "\"look\": {\"op\": \"trace\", \"max_lines\": 20, \"bytes\": 64}",
	.params = trace_params,
	.counters = trace_counters,
	.setup = trace_setup,
	.state_size = sizeof(struct trace_state),
	.init = trace_init,
	.process = trace_process,
};

NFG_OPERATOR_REGISTER(trace_op);
