/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The stateful TCP operators register like the generic ones, through the
 * public API only.
 */
#ifndef NFG_NF_BUILTIN_H
#define NFG_NF_BUILTIN_H

#include "nfg/operator.h"
#include "nfg/packet.h"
#include "nfg/values.h"

#endif
