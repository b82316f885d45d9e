/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Bytes from the wire shown to a person. Anyone can put anything into a
 * packet: terminal escape sequences, newlines that forge log lines, megabytes.
 * Whatever prints packet bytes (nfg's `trace` operator, a plugin's log line)
 * passes them through nfg_escape first: printable ASCII as is, the rest as
 * \n, \r, \t, \\, \" or \xNN, and never more than fits the buffer.
 */
#ifndef NFG_TEXT_H
#define NFG_TEXT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Writes the escaped form of bytes[0..len) into out (cap bytes, always
 * NUL-terminated when cap > 0). When it does not all fit, the text ends with
 * "..." so a reader knows it was cut. Returns out.
 */
char *nfg_escape(char *out, size_t cap, const void *bytes, size_t len);

#ifdef __cplusplus
}
#endif

#endif
