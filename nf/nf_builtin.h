/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The stateful TCP operators register like the generic ones.
 */
#ifndef NFG_NF_BUILTIN_H
#define NFG_NF_BUILTIN_H

#include "../operators/builtin.h"

#endif
