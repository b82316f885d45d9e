/* SPDX-License-Identifier: BSD-3-Clause
 *
 * graph/'s own: the steps of loading a graph file that its files share
 * (instances, --set, parameter checks). The model they build is in
 * model/model.h; nothing outside graph/ needs how it is built.
 */
#ifndef NFG_GRAPH_LOAD_H
#define NFG_GRAPH_LOAD_H

#include <jansson.h>

#include "../model/model.h"

struct nfg_instance *nfg_instance_new(struct nfg_graph *g, const char *name,
				      const char *path, const struct nfg_op *op, json_t *params);

/* Apply one "--set a.b[2].c=value" to a JSON document. */
int nfg_override_apply(json_t *root, const char *assignment, char *err, size_t errlen);

/* Check `value` (may be NULL: absent) against one parameter description;
 * fills defaults. Reports errors at `path`. */
int nfg_param_check(struct nfg_instance *inst, json_t *obj, const struct nfg_param *p,
		    const char *path);
int nfg_params_check_object(struct nfg_instance *inst, json_t *obj,
			    const struct nfg_param *params, const char *path);

#endif
