/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The operator registry: built-in operators add themselves from a
 * constructor (NFG_OPERATOR_REGISTER), plugins through nfg_plugin_load().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/errors.h"
#include "../model/model.h"

#define MAX_OPS 256

static const struct nfg_op *ops[MAX_OPS];
static unsigned nb_ops;

static int
by_name(const void *a, const void *b)
{
	return strcmp((*(const struct nfg_op *const *)a)->name,
		      (*(const struct nfg_op *const *)b)->name);
}

int
nfg_op_register(const struct nfg_op *op)
{
	if (!op || !op->name || !op->process) {
		nfg_err(NULL, "operator registration without a name or process function");
		return -1;
	}
	/* Names go into graph files, dot output and the terminal: letters,
	 * digits and '_' only, as node names. */
	size_t len = strspn(op->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
	if (len == 0 || op->name[len] != '\0' || len > 63) {
		nfg_err(NULL, "operator name \"%s\": 1 to 63 letters, digits or '_'",
			nfg_esc(op->name));
		return -1;
	}
	if (op->api_version != NFG_API_VERSION) {
		nfg_err(NULL, "operator \"%s\" was built for nfg API %u, this is API %u",
			op->name, op->api_version, NFG_API_VERSION);
		return -1;
	}
	if (nfg_op_find(op->name)) {
		nfg_err(NULL, "operator \"%s\" is registered twice", op->name);
		return -1;
	}
	if (nb_ops == MAX_OPS) {
		nfg_err(NULL, "too many operators (max %d)", MAX_OPS);
		return -1;
	}
	ops[nb_ops++] = op;
	qsort(ops, nb_ops, sizeof(ops[0]), by_name);
	return 0;
}

const struct nfg_op *
nfg_op_find(const char *name)
{
	for (unsigned i = 0; i < nb_ops; i++)
		if (strcmp(ops[i]->name, name) == 0)
			return ops[i];
	return NULL;
}

unsigned
nfg_op_count(void)
{
	return nb_ops;
}

const struct nfg_op *
nfg_op_at(unsigned i)
{
	return i < nb_ops ? ops[i] : NULL;
}
