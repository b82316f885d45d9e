/* SPDX-License-Identifier: BSD-3-Clause
 *
 * garble: overwrites frames with random bytes from an offset on, and may cut
 * them to a random length: garbage for flood and robustness tests. Keeping
 * the first bytes (the Ethernet header, or Ethernet and IPv4) decides how
 * deep into the receiver the garbage gets before something must refuse it.
 */
#include <rte_random.h>

#include "builtin.h"

struct garble_config {
	uint16_t from;     /* first byte overwritten */
	bool cut;          /* also cut to a random length in [from, length] */
	uint64_t share;    /* probability * 2^64 that a frame is garbled */
};

enum garble_counter { GARBLE_GARBLED, GARBLE_UNTOUCHED };

static void
garble_one(const struct garble_config *cfg, struct rte_mbuf *m)
{
	uint16_t len = rte_pktmbuf_data_len(m);
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);

	if (len <= cfg->from)
		return;
	for (uint16_t off = cfg->from; off < len; off += 8) {
		uint64_t r = rte_rand();
		memcpy(d + off, &r, RTE_MIN(8, len - off));
	}
	if (cfg->cut)
		rte_pktmbuf_trim(m, (uint16_t)rte_rand_max((uint64_t)(len - cfg->from) + 1));
	/* What an earlier parse found out no longer holds. */
	m->packet_type = 0;
	m->l2_len = m->l3_len = m->l4_len = 0;
}

static uint16_t
garble_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	const struct garble_config *cfg = nfg_node_state(node);
	uint16_t garbled = 0;

	for (uint16_t i = 0; i < nb_objs; i++) {
		if (cfg->share == UINT64_MAX || rte_rand() < cfg->share) {
			garble_one(cfg, objs[i]);
			garbled++;
		}
	}
	nfg_count(node, GARBLE_GARBLED, garbled);
	nfg_count(node, GARBLE_UNTOUCHED, nb_objs - garbled);
	rte_node_next_stream_move(graph, node, 0);
	return nb_objs;
}

static int
garble_setup(struct nfg_instance *inst)
{
	struct garble_config *cfg = calloc(1, sizeof(*cfg));
	double p = nfg_param_number(inst, "probability");

	if (!cfg)
		return -1;
	nfg_instance_set_config(inst, cfg, NULL);
	cfg->from = (uint16_t)nfg_param_int(inst, "from");
	cfg->cut = nfg_param_bool(inst, "cut");
	cfg->share = p >= 1.0 ? UINT64_MAX : (uint64_t)(p * 18446744073709551616.0);
	return 0;
}

static int
garble_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	nfg_node_set_state(node, nfg_instance_config(inst));
	return 0;
}

static const struct nfg_param garble_params[] = {
	{ .name = "from", .type = NFG_T_INT, .def = "14", .min = 0, .max = 9000,
	  .doc = "first byte to overwrite (14 keeps the Ethernet header, 34 also IPv4)" },
	{ .name = "cut", .type = NFG_T_BOOL, .def = "false",
	  .doc = "also cut each garbled frame to a random length, no shorter than \"from\"" },
	{ .name = "probability", .type = NFG_T_NUMBER, .def = "1", .min = 0, .max = 1,
	  .doc = "share of the frames garbled; the others pass untouched" },
	{ 0 },
};

static const struct nfg_counter garble_counters[] = {
	[GARBLE_GARBLED] = { "garbled", NFG_CTR_INFO },
	[GARBLE_UNTOUCHED] = { "untouched", NFG_CTR_INFO },
	{ 0 },
};

static const struct nfg_op garble_op = {
	.api_version = NFG_API_VERSION,
	.name = "garble",
	.summary = "overwrite frames with random bytes (garbage for robustness tests)",
	.doc = "Overwrites each frame from byte \"from\" to its end with random bytes and,\n"
	       "with \"cut\", cuts it to a random length. Put it after a generator to make\n"
	       "garbage that still reaches the receiver: from 14 keeps the Ethernet header,\n"
	       "from 34 keeps Ethernet and IPv4 so the garbage lands in the L4 code.\n"
	       "Only the first segment of a chained mbuf is touched.",
	.input_doc = "any frames",
	.outputs = (const char *const[]){ "out", NULL },
	.example = "\"junk\": {\"op\": \"garble\", \"from\": 34, \"cut\": true}",
	.params = garble_params,
	.counters = garble_counters,
	.setup = garble_setup,
	.init = garble_init,
	.process = garble_process,
};

NFG_OPERATOR_REGISTER(garble_op);
