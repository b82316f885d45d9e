/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>

#include "runtime.h"

void
nfg_log(const char *fmt, ...)
{
	va_list ap;

	fputs("nfg: ", stdout);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

void
nfg_log_err(const char *fmt, ...)
{
	va_list ap;

	fputs("nfg: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
