/* SPDX-License-Identifier: BSD-3-Clause
 *
 * `nfg dot`: the graph as Graphviz text, one box per node labelled with its
 * operator, one arrow per edge labelled with the output (and input) name.
 */
#include <stdio.h>

#include "../model/model.h"

void
nfg_graph_dot(const struct nfg_graph *g, FILE *out)
{
	fprintf(out, "digraph \"%s\" {\n\trankdir=LR;\n\tnode [shape=box, fontname=\"Helvetica\"];\n",
		g->name);
	for (unsigned i = 0; i < g->nb_instances; i++) {
		const struct nfg_instance *inst = g->instances[i];
		const char *style = inst->implicit ? ", style=dashed"
				    : (inst->op->flags & NFG_OP_SOURCE && inst->nb_inputs == 0)
				    ? ", style=bold" : "";
		fprintf(out, "\t\"%s\" [label=\"%s\\n(%s)\"%s];\n", inst->name, inst->name,
			inst->op->name, style);
	}
	for (unsigned i = 0; i < g->nb_instances; i++) {
		const struct nfg_instance *inst = g->instances[i];
		for (unsigned o = 0; o < inst->nb_outputs; o++) {
			const struct nfg_output *out_edge = &inst->outputs[o];
			if (!out_edge->target)
				continue;
			const char *in = out_edge->target_input >= 0
					 ? out_edge->target->inputs[out_edge->target_input] : NULL;
			fprintf(out, "\t\"%s\" -> \"%s\" [label=\"%s%s%s\"];\n", inst->name,
				out_edge->target->name, out_edge->name, in ? " → " : "",
				in ? in : "");
		}
	}
	fprintf(out, "}\n");
}
