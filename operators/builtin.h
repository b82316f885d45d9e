/* SPDX-License-Identifier: BSD-3-Clause
 *
 * For nfg's own operators: register the descriptor when the program starts.
 * (Plugins declare their operators with NFG_PLUGIN instead, so that nfg can
 * check their API version before anything is registered.)
 */
#ifndef NFG_OPERATORS_BUILTIN_H
#define NFG_OPERATORS_BUILTIN_H

#include <rte_common.h>

#include "nfg/operator.h"
#include "nfg/packet.h"
#include "nfg/values.h"

#define NFG_OPERATOR_REGISTER(op)                                               \
	RTE_INIT(nfg_register_##op)                                             \
	{                                                                       \
		nfg_op_register(&op);                                           \
	}

#endif
