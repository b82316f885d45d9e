/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Example plugin: the `grep` operator sends packets whose payload contains a
 * byte string to "match", the others to "nomatch". It is built in tree
 * (build/plugins/libnfg_grep.so) and, by a test, out of tree against an
 * installed nfg:
 *
 *   cc $(pkg-config --cflags nfg) -shared -o libgrep.so grep.c
 *   nfg run graph.json --plugin ./libgrep.so
 *
 * The search is Boyer-Moore-Horspool: a 256-entry shift table built once in
 * setup, so long patterns skip ahead instead of comparing at every offset.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include <nfg/operator.h>
#include <nfg/packet.h>

enum grep_output { GREP_MATCH, GREP_NOMATCH };
enum grep_counter { GREP_MATCHED };

struct grep_config {
	size_t len;
	size_t shift[256];
	uint8_t pattern[];
};

static bool
contains(const struct grep_config *cfg, const uint8_t *text, size_t n)
{
	const size_t last = cfg->len - 1;

	for (size_t pos = 0; pos + cfg->len <= n; pos += cfg->shift[text[pos + last]]) {
		size_t i = last;
		while (text[pos + i] == cfg->pattern[i]) {
			if (i-- == 0)
				return true;
		}
	}
	return false;
}

/* The shape of a fast operator: decide for the whole burst first (the next
 * packet's bytes prefetched while this one is searched), count once, then
 * hand the burst on by runs (the whole stream moves when all go one way).
 * A stream can hold more than a burst (several nodes feeding this one in a
 * walk): it is taken a burst at a time, so the per-packet array stays bounded. */
static void
grep_burst(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	const struct grep_config *cfg = nfg_node_state(node);
	uint16_t edge[RTE_GRAPH_BURST_SIZE];
	unsigned matched = 0;

	for (uint16_t i = 0; i < nb_objs; i++) {
		struct rte_mbuf *m = objs[i];
		if (i + 1 < nb_objs)
			rte_prefetch0(rte_pktmbuf_mtod((struct rte_mbuf *)objs[i + 1], void *));
		/* After parse the payload starts past the headers; unparsed frames are
		 * searched whole. */
		size_t off = (size_t)m->l2_len + m->l3_len + m->l4_len;
		size_t len = rte_pktmbuf_data_len(m);
		bool hit = off < len && contains(cfg, rte_pktmbuf_mtod_offset(m, uint8_t *, off),
						 len - off);
		matched += hit;
		edge[i] = hit ? GREP_MATCH : GREP_NOMATCH;
	}
	nfg_count(node, GREP_MATCHED, matched);
	nfg_enqueue_by_edge(graph, node, objs, edge, nb_objs);
}

static uint16_t
grep_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	for (uint16_t done = 0; done < nb_objs; done += RTE_GRAPH_BURST_SIZE)
		grep_burst(graph, node, objs + done,
			   RTE_MIN((uint16_t)(nb_objs - done), (uint16_t)RTE_GRAPH_BURST_SIZE));
	return nb_objs;
}

static int
grep_setup(struct nfg_instance *inst)
{
	const char *pattern = nfg_param_string(inst, "pattern");
	size_t len = strlen(pattern);

	if (len == 0)
		return nfg_error(inst, "pattern", "expected a non-empty string");
	struct grep_config *cfg = malloc(sizeof(*cfg) + len);
	if (!cfg)
		return -1;
	cfg->len = len;
	memcpy(cfg->pattern, pattern, len);
	for (int c = 0; c < 256; c++)
		cfg->shift[c] = len;
	for (size_t i = 0; i + 1 < len; i++)
		cfg->shift[(uint8_t)pattern[i]] = len - 1 - i;
	nfg_instance_set_config(inst, cfg, NULL);
	return 0;
}

/* Workers only read the config, so they share it. */
static int
grep_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	nfg_node_set_state(node, nfg_instance_config(inst));
	return 0;
}

static const struct nfg_param grep_params[] = {
	{ .name = "pattern", .type = NFG_T_STRING, .doc = "the bytes to look for" },
	{ 0 },
};

static const char *const grep_outputs[] = { [GREP_MATCH] = "match", [GREP_NOMATCH] = "nomatch",
					    NULL };

static const struct nfg_counter grep_counters[] = {
	[GREP_MATCHED] = { "matched", NFG_CTR_INFO, "payloads that contain the pattern" },
	{ 0 },
};

static const struct nfg_op grep_op = {
	.api_version = NFG_API_VERSION,
	.name = "grep",
	.summary = "(plugin) split packets on whether their payload contains a string",
	.doc = "Looks for \"pattern\" in the payload (after the headers parse found; the\n"
	       "whole frame when unparsed) and sends the packet to \"match\" or \"nomatch\".",
	.input_doc = "packets, parsed or not",
	.example = "\"http\": {\"op\": \"grep\", \"pattern\": \"GET /\"}",
	.params = grep_params,
	.outputs = grep_outputs,
	.counters = grep_counters,
	.setup = grep_setup,
	.init = grep_init,
	.process = grep_process,
};

NFG_PLUGIN("grep", "1.0", &grep_op);
