/* SPDX-License-Identifier: BSD-3-Clause
 *
 * From the model to rte_graph: each operator in use becomes one rte_node
 * ("nfg_<op>"), each JSON node a clone of it ("nfg_<op>-<name>") whose edges
 * are the clones its outputs feed, and each worker gets one rte_graph made of
 * all the clones. rte_graph then gives every worker its own copy of every
 * node, with its own context: the shared-nothing replicas.
 *
 * Named inputs: an operator that declares inputs gets one extra clone of the
 * internal "nfg_input" node per input; edges into "m.hi" land there, and its
 * process hands the packets to the operator's input() with the main node of
 * the same worker. The main node is then a source, called on every walk.
 * rte_graph refuses edges into a source and clones copy their parent's flags,
 * so an operator whose instances may or may not declare inputs (merge) gets
 * two base nodes: "nfg_<op>" for plain instances that edges feed directly,
 * and the source "nfg_<op>+in" for the instances with named inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "runtime.h"

/* The instance behind every rte_node id we made, and for input clones the
 * input index (-1 for main clones). */
static struct nfg_instance *instance_of_node[NFG_MAX_NODE_IDS];
static int input_of_node[NFG_MAX_NODE_IDS];
static struct rte_graph *worker_graphs[NFG_MAX_WORKERS];
static unsigned building_worker; /* rte_graph_create calls init for this worker */
static unsigned generation;      /* builds in this process, for unique clone names */

struct input_entry {
	struct rte_node *main;
	unsigned input;
	const struct nfg_op *op;
};

struct base_node {
	const struct nfg_op *op; /* NULL: the internal input node */
	bool source;
	rte_node_t id;
};
static struct base_node bases[256];
static unsigned nb_bases;

struct rte_graph *
nfg_worker_graph(unsigned worker)
{
	return worker < NFG_MAX_WORKERS ? worker_graphs[worker] : NULL;
}

static int
node_init(const struct rte_graph *graph, struct rte_node *node)
{
	(void)graph;
	struct nfg_instance *inst = node->id < NFG_MAX_NODE_IDS ? instance_of_node[node->id] : NULL;
	struct nfg_node_ctx *ctx = (struct nfg_node_ctx *)node->ctx;
	unsigned w = building_worker;

	if (!inst)
		return -1;
	if (input_of_node[node->id] >= 0) {
		/* The main node may not exist yet: fixed up after the graph is made. */
		struct input_entry *e = rte_zmalloc("nfg_input", sizeof(*e), 0);
		if (!e)
			return -ENOMEM;
		e->input = (unsigned)input_of_node[node->id];
		e->op = inst->op;
		ctx->state = e;
		ctx->counters = NULL;
		return 0;
	}
	size_t sz = RTE_MAX(inst->nb_counters, 1u) * sizeof(uint64_t);
	inst->counters_by_worker[w] = rte_zmalloc_socket("nfg_counters", sz, RTE_CACHE_LINE_SIZE,
							 graph->socket);
	if (!inst->counters_by_worker[w])
		return -ENOMEM;
	ctx->counters = inst->counters_by_worker[w];
	ctx->state = NULL;
	if (inst->op->state_size) {
		ctx->state = rte_zmalloc_socket(inst->op->name, inst->op->state_size,
						RTE_CACHE_LINE_SIZE, graph->socket);
		if (!ctx->state)
			return -ENOMEM;
	}
	if (inst->op->init && inst->op->init(inst, w, node) < 0) {
		nfg_log_err("%s: operator %s did not start on worker %u", inst->path, inst->op->name,
			    w);
		if (inst->op->state_size) {
			rte_free(ctx->state);
			ctx->state = NULL;
		}
		return -1;
	}
	return 0;
}

static void
node_fini(const struct rte_graph *graph, struct rte_node *node)
{
	struct nfg_instance *inst = node->id < NFG_MAX_NODE_IDS ? instance_of_node[node->id] : NULL;
	unsigned w = 0;

	if (!inst)
		return;
	if (input_of_node[node->id] >= 0) {
		rte_free(nfg_node_state(node));
		return;
	}
	while (w < NFG_MAX_WORKERS && worker_graphs[w] != graph)
		w++;
	if (inst->op->fini && w < NFG_MAX_WORKERS)
		inst->op->fini(inst, w, node);
	if (inst->op->state_size) {
		rte_free(nfg_node_state(node));
		nfg_node_set_state(node, NULL);
	}
}

static uint16_t
input_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb)
{
	struct input_entry *e = nfg_node_state(node);

	return e->op->input(graph, e->main, e->input, objs, nb);
}

/* An instance runs as a source when its operator is one, or when it declared
 * named inputs (then nothing feeds its main node and it emits on every walk). */
static bool
instance_is_source(const struct nfg_instance *inst)
{
	return (inst->op->flags & NFG_OP_SOURCE) || inst->nb_inputs > 0;
}

/* The rte_node behind an operator (op NULL: the internal input node), as a
 * source or not, registered the first time it is used. */
static rte_node_t
base_node(const struct nfg_op *op, bool source)
{
	for (unsigned i = 0; i < nb_bases; i++)
		if (bases[i].op == op && bases[i].source == source)
			return bases[i].id;
	if (nb_bases == RTE_DIM(bases))
		return RTE_NODE_ID_INVALID;
	struct rte_node_register *reg = calloc(1, sizeof(*reg));
	if (!op)
		snprintf(reg->name, sizeof(reg->name), "nfg_input");
	else
		snprintf(reg->name, sizeof(reg->name), "nfg_%s%s", op->name,
			 source && !(op->flags & NFG_OP_SOURCE) ? "+in" : "");
	reg->process = op ? op->process : input_process;
	reg->flags = source ? RTE_NODE_SOURCE_F : 0;
	reg->init = node_init;
	reg->fini = node_fini;
	reg->parent_id = RTE_NODE_ID_INVALID;
	rte_node_t id = __rte_node_register(reg);
	free(reg); /* registration copies what it needs */
	if (id != RTE_NODE_ID_INVALID)
		bases[nb_bases++] = (struct base_node){ op, source, id };
	return id;
}

static void
clone_suffix(char *buf, size_t len, const char *name, const char *input)
{
	if (generation == 0)
		snprintf(buf, len, "%s%s%s", name, input ? "." : "", input ? input : "");
	else
		snprintf(buf, len, "%s%s%s#%u", name, input ? "." : "", input ? input : "",
			 generation);
}

static int
make_clone(const struct nfg_op *op, const char *name, const char *input,
	   struct nfg_instance *inst, int input_index, rte_node_t *id_out)
{
	char suffix[RTE_NODE_NAMESIZE];
	rte_node_t base = input ? base_node(NULL, false) : base_node(op, instance_is_source(inst));

	clone_suffix(suffix, sizeof(suffix), name, input);
	rte_node_t id = base == RTE_NODE_ID_INVALID ? base : rte_node_clone(base, suffix);
	if (id == RTE_NODE_ID_INVALID || id >= NFG_MAX_NODE_IDS) {
		nfg_log_err("%s: cannot make rte_graph node for %s: %s", inst->path, name,
			    rte_strerror(rte_errno));
		return -1;
	}
	instance_of_node[id] = inst;
	input_of_node[id] = input_index;
	*id_out = id;
	return 0;
}

static int
wire_edges(struct nfg_instance *inst)
{
	const char **names = calloc(inst->nb_outputs + 1, sizeof(char *));
	int rc = 0;

	for (unsigned o = 0; o < inst->nb_outputs; o++) {
		const struct nfg_output *out = &inst->outputs[o];
		rte_node_t to = out->target_input >= 0
					? out->target->input_node_ids[out->target_input]
					: out->target->node_id;
		names[o] = rte_node_id_to_name(to);
	}
	if (inst->nb_outputs &&
	    rte_node_edge_update(inst->node_id, 0, names, (uint16_t)inst->nb_outputs) !=
		    inst->nb_outputs) {
		nfg_log_err("%s: cannot connect the outputs of %s", inst->path, inst->name);
		rc = -1;
	}
	free(names);
	return rc;
}

/* A named input that no edge feeds stays out of the worker graphs: it would
 * never run, and rte_graph refuses a node it cannot reach from a source. */
static bool
input_is_fed(const struct nfg_graph *g, const struct nfg_instance *inst, unsigned input)
{
	for (unsigned i = 0; i < g->nb_instances; i++)
		for (unsigned o = 0; o < g->instances[i]->nb_outputs; o++) {
			const struct nfg_output *out = &g->instances[i]->outputs[o];
			if (out->target == inst && out->target_input == (int)input)
				return true;
		}
	return false;
}

int
nfg_graphs_build(struct nfg_graph *g)
{
	unsigned nb_names = 0;
	const char **patterns = NULL;

	for (unsigned i = 0; i < g->nb_instances; i++) {
		struct nfg_instance *inst = g->instances[i];
		if (make_clone(inst->op, inst->name, NULL, inst, -1, &inst->node_id) < 0)
			return -1;
		inst->input_node_ids = calloc(inst->nb_inputs + 1, sizeof(rte_node_t));
		for (unsigned in = 0; in < inst->nb_inputs; in++)
			if (make_clone(inst->op, inst->name, inst->inputs[in], inst, (int)in,
				       &inst->input_node_ids[in]) < 0)
				return -1;
	}
	for (unsigned i = 0; i < g->nb_instances; i++) {
		struct nfg_instance *inst = g->instances[i];
		if (wire_edges(inst) < 0)
			return -1;
		patterns = realloc(patterns, (nb_names + inst->nb_inputs + 1) * sizeof(char *));
		patterns[nb_names++] = rte_node_id_to_name(inst->node_id);
		for (unsigned in = 0; in < inst->nb_inputs; in++)
			if (input_is_fed(g, inst, in))
				patterns[nb_names++] = rte_node_id_to_name(inst->input_node_ids[in]);
	}
	for (unsigned w = 0; w < g->nb_workers; w++) {
		char name[RTE_GRAPH_NAMESIZE];
		struct rte_graph_param prm = {
			.socket_id = nfg_worker_socket(w),
			.nb_node_patterns = nb_names,
			.node_patterns = patterns,
		};
		snprintf(name, sizeof(name), "nfg_g%u_w%u", generation, w);
		building_worker = w;
		rte_graph_t gid = rte_graph_create(name, &prm);
		if (gid == RTE_GRAPH_ID_INVALID) {
			nfg_log_err("cannot create the graph of worker %u: %s", w,
				    rte_strerror(rte_errno));
			free(patterns);
			return -1;
		}
		worker_graphs[w] = rte_graph_lookup(name);
		for (unsigned i = 0; i < g->nb_instances; i++) {
			struct nfg_instance *inst = g->instances[i];
			inst->node_by_worker[w] = rte_graph_node_get(gid, inst->node_id);
			for (unsigned in = 0; in < inst->nb_inputs; in++) {
				struct rte_node *entry = rte_graph_node_get(gid, inst->input_node_ids[in]);
				if (entry) /* NULL: an input nothing feeds */
					((struct input_entry *)nfg_node_state(entry))->main =
						inst->node_by_worker[w];
			}
		}
	}
	free(patterns);
	return 0;
}

void
nfg_graphs_destroy(struct nfg_graph *g, struct nfg_reading *final)
{
	for (unsigned w = 0; w < NFG_MAX_WORKERS; w++) {
		if (!worker_graphs[w])
			continue;
		rte_graph_destroy(rte_graph_from_name(worker_graphs[w]->name));
		worker_graphs[w] = NULL;
	}
	if (final)
		nfg_reading_recount(g, final);
	for (unsigned i = 0; i < g->nb_instances; i++) {
		struct nfg_instance *inst = g->instances[i];
		for (unsigned w = 0; w < NFG_MAX_WORKERS; w++) {
			rte_free(inst->counters_by_worker[w]);
			inst->counters_by_worker[w] = NULL;
			inst->node_by_worker[w] = NULL;
		}
	}
	generation++;
}
