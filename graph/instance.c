/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The instance helpers of the public operator API: what an operator's
 * setup/start/init may ask of nfg about its own node.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>


#include "../model/errors.h"
#include "../model/model.h"

#define MAX_PORT_NAME 16

const char *
nfg_instance_name(const struct nfg_instance *inst)
{
	return inst->name;
}

const struct nfg_op *
nfg_instance_op(const struct nfg_instance *inst)
{
	return inst->op;
}

json_t *
nfg_param(const struct nfg_instance *inst, const char *name)
{
	return json_object_get(inst->params, name);
}

int64_t
nfg_param_int(const struct nfg_instance *inst, const char *name)
{
	return (int64_t)json_integer_value(nfg_param(inst, name));
}

double
nfg_param_number(const struct nfg_instance *inst, const char *name)
{
	return json_number_value(nfg_param(inst, name));
}

bool
nfg_param_bool(const struct nfg_instance *inst, const char *name)
{
	return json_is_true(nfg_param(inst, name));
}

const char *
nfg_param_string(const struct nfg_instance *inst, const char *name)
{
	return json_string_value(nfg_param(inst, name));
}

int
nfg_error(struct nfg_instance *inst, const char *where, const char *fmt, ...)
{
	char path[512], msg[1024];
	va_list ap;

	if (where && where[0])
		snprintf(path, sizeof(path), "%s%s%s", inst->path, where[0] == '[' ? "" : ".", where);
	else
		snprintf(path, sizeof(path), "%s", inst->path);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nfg_err(path, "%s", msg);
	return -1;
}

static bool
valid_port_name(struct nfg_instance *inst, const char *kind, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > MAX_PORT_NAME || strpbrk(name, ". ->")) {
		nfg_error(inst, NULL, "%s name \"%s\": 1 to %d characters, no dots or spaces",
			  kind, nfg_esc(name), MAX_PORT_NAME);
		return false;
	}
	return true;
}

int
nfg_instance_add_output(struct nfg_instance *inst, const char *name)
{
	for (unsigned i = 0; i < inst->nb_outputs; i++)
		if (strcmp(inst->outputs[i].name, name) == 0)
			return nfg_error(inst, NULL, "output \"%s\" declared twice", nfg_esc(name));
	if (!valid_port_name(inst, "output", name))
		return -1;
	inst->outputs = realloc(inst->outputs, (inst->nb_outputs + 1) * sizeof(*inst->outputs));
	inst->outputs[inst->nb_outputs] = (struct nfg_output){
		.name = strdup(name), .target_input = -1, .edge_index = -1 };
	return (int)inst->nb_outputs++;
}

int
nfg_instance_add_input(struct nfg_instance *inst, const char *name)
{
	if (!inst->op->input)
		return nfg_error(inst, NULL, "operator bug: named inputs need an input() callback");
	for (unsigned i = 0; i < inst->nb_inputs; i++)
		if (strcmp(inst->inputs[i], name) == 0)
			return nfg_error(inst, NULL, "input \"%s\" declared twice", nfg_esc(name));
	if (!valid_port_name(inst, "input", name))
		return -1;
	/* rte_graph names the input's node "nfg_input-NODE.INPUT" (< 64 bytes). */
	if (strlen(inst->name) + strlen(name) + 12 >= RTE_NODE_NAMESIZE)
		return nfg_error(inst, NULL, "node name and input name \"%s\" are too long together "
				 "(at most %d characters)", nfg_esc(name), RTE_NODE_NAMESIZE - 13);
	inst->inputs = realloc(inst->inputs, (inst->nb_inputs + 1) * sizeof(char *));
	inst->inputs[inst->nb_inputs] = strdup(name);
	return (int)inst->nb_inputs++;
}

int
nfg_instance_add_counter(struct nfg_instance *inst, const char *name,
			 enum nfg_counter_kind kind)
{
	inst->counters = realloc(inst->counters, (inst->nb_counters + 1) * sizeof(*inst->counters));
	inst->counters[inst->nb_counters] = (struct nfg_counter_decl){ strdup(name), kind, NULL };
	return (int)inst->nb_counters++;
}

void
nfg_node_log(const struct nfg_instance *inst, enum nfg_log_level level, const char *fmt, ...)
{
	static const uint32_t levels[] = { RTE_LOG_ERR, RTE_LOG_WARNING, RTE_LOG_INFO };
	static int type = -1;
	char msg[512], shown[1024];
	va_list ap;

	if (type < 0) {
		type = rte_log_register("nfg");
		if (type >= 0)
			rte_log_set_level(type, RTE_LOG_WARNING);
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* What the message quotes (a plugin's name, a path) may be anything:
	 * no control byte of it reaches the log, so it stays one line and
	 * cannot drive a terminal. The quotes are the message's own and stay. */
	nfg_sanitize(shown, sizeof(shown), msg);
	rte_log(levels[level], type >= 0 ? (uint32_t)type : RTE_LOGTYPE_USER1, "nfg: %s%s%s\n",
		inst ? nfg_esc(inst->name) : "", inst ? ": " : "", shown);
}

void
nfg_instance_set_ends_run(struct nfg_instance *inst, bool ends_run)
{
	inst->ends_run = ends_run;
}

unsigned
nfg_instance_nb_outputs(const struct nfg_instance *inst)
{
	return inst->nb_outputs;
}

void
nfg_instance_set_config(struct nfg_instance *inst, void *config, void (*release)(void *))
{
	inst->config = config;
	inst->release_config = release;
}

void *
nfg_instance_config(const struct nfg_instance *inst)
{
	return inst->config;
}

void
nfg_instance_reserve_mbufs(struct nfg_instance *inst, unsigned n)
{
	inst->reserved_mbufs += n;
}

void
nfg_instance_reserve_memory(struct nfg_instance *inst, uint64_t bytes)
{
	inst->reserved_memory += bytes;
}

struct nfg_instance *
nfg_instance_find(const char *name)
{
	return nfg_current_graph ? nfg_graph_find(nfg_current_graph, name) : NULL;
}

struct rte_node *
nfg_worker_node(unsigned worker, const char *instance_name)
{
	struct nfg_instance *inst = nfg_instance_find(instance_name);

	return inst && worker < NFG_MAX_WORKERS ? inst->node_by_worker[worker] : NULL;
}

const struct nfg_port *
nfg_port_get(const char *name)
{
	struct nfg_port_spec *ps = nfg_current_graph ? nfg_graph_port(nfg_current_graph, name)
						     : NULL;

	return ps && ps->runtime.name ? &ps->runtime : NULL;
}

unsigned
nfg_worker_count(void)
{
	return nfg_current_graph ? nfg_current_graph->nb_workers : 1;
}
