/* SPDX-License-Identifier: BSD-3-Clause
 *
 * A rate for a person: the progress line, `nfg top` and the operators'
 * progress() words all show counts per second the same way, so a line that
 * puts nfg's figures beside an operator's reads as one.
 */
#ifndef NFG_RATE_H
#define NFG_RATE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * per_s short, with its unit: "812", "41.3k", "2.14M". Writes into buf (len bytes; 8 hold any rate below 1e9/s) and
 * returns it, so several fit in one printf.
 */
const char *nfg_format_rate(double per_s, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
