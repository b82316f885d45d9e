/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Error reporting for graph files. Every message names where the problem is:
 * "FILE:LINE:COL: PATH: what was expected". The JSON path is what a user
 * types after --set; the line and column are found by scanning the file text
 * for that path, so they point at the value itself.
 *
 * Next to the model (model/model.h) because both layers name things in
 * messages the same way: graph/ reports errors in the file, runtime/ quotes
 * what a user typed (paths, addresses, --set) through nfg_esc. graph/errors.c
 * implements it. Operators report through the public nfg_error and
 * nfg_node_log instead.
 */
#ifndef NFG_MODEL_ERRORS_H
#define NFG_MODEL_ERRORS_H

#include <stdbool.h>
#include <stddef.h>

#include <rte_common.h>

/* The file being checked; its text lets messages carry line:col. */
void nfg_errors_set_source(const char *file, const char *text);
void nfg_errors_clear_source(void);
/* Paths changed by --set: errors there name the --set, not the file. */
void nfg_errors_set_overrides(char **assignments, unsigned n);

/* An error about the value at `path` (NULL: the file as a whole). */
void nfg_err(const char *path, const char *fmt, ...) __rte_format_printf(2, 3);
/* An error at a known place (syntax errors). */
void nfg_err_pos(int line, int col, const char *fmt, ...) __rte_format_printf(3, 4);

/* A string from the graph file, --set or the command line, made safe to show
 * in a message (nfg_escape: printable ASCII as is, the rest as \n or \xNN,
 * quotes and backslashes escaped, cut with "..." past 200 bytes). The result
 * lives in one of 8 rotating buffers: enough for the arguments of one
 * message, not to keep. Messages are sanitized once more as a whole, so a
 * string that reaches one unescaped shows no control byte either. */
const char *nfg_esc(const char *s);
/* A whole message made safe to print on one line: printable ASCII as is
 * (quotes and backslashes too), control bytes and non-ASCII escaped (\n,
 * \xNN); cut to what fits cap. */
void nfg_sanitize(char *dst, size_t cap, const char *src);

unsigned nfg_error_count(void);
void nfg_errors_reset(void);
/* The last message, for tests. */
const char *nfg_last_error(void);
/* Tests silence stderr and read nfg_last_error() instead. */
void nfg_errors_quiet(bool quiet);

/* Where the value at `path` starts in `text` (1-based). When the path does not
 * exist, the deepest existing parent is located. Returns 0 when found. */
int nfg_json_locate(const char *text, const char *path, int *line, int *col);

#endif
