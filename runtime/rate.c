/* SPDX-License-Identifier: BSD-3-Clause
 *
 * nfg_format_rate (include/nfg/rate.h).
 */
#include <stdio.h>

#include "nfg/rate.h"

const char *
nfg_format_rate(double per_s, char *buf, size_t len)
{
	/* The unit changes where the smaller one would round up to 1000
	 * ("1000.0k"), not at 1000 itself. */
	if (per_s >= 999950)
		snprintf(buf, len, "%.2fM", per_s / 1e6);
	else if (per_s >= 999.5)
		snprintf(buf, len, "%.1fk", per_s / 1e3);
	else
		snprintf(buf, len, "%.0f", per_s);
	return buf;
}
