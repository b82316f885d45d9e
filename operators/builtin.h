/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What nfg's own operators include: the public API (NFG_OPERATOR_REGISTER
 * registers a descriptor when the program starts).
 */
#ifndef NFG_OPERATORS_BUILTIN_H
#define NFG_OPERATORS_BUILTIN_H

#include <rte_common.h>

#include "nfg/operator.h"
#include "nfg/packet.h"
#include "nfg/values.h"

#endif
