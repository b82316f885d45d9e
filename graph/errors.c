/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/errors.h"
#include "nfg/text.h"

static const char *source_file;
static const char *source_text;
static char **override_list;
static unsigned nb_overrides;
static unsigned error_count;
static bool quiet;
static char last_error[1024];

void
nfg_errors_set_source(const char *file, const char *text)
{
	source_file = file;
	source_text = text;
}

void
nfg_errors_clear_source(void)
{
	source_file = NULL;
	source_text = NULL;
	override_list = NULL;
	nb_overrides = 0;
}

void
nfg_errors_set_overrides(char **assignments, unsigned n)
{
	override_list = assignments;
	nb_overrides = n;
}

static bool
in_file(const char *path)
{
	char parent[512];
	int l1, c1, l2, c2;
	const char *cut = strrchr(path, '.');

	if (!source_text || (cut && (size_t)(cut - path) >= sizeof(parent)))
		return true;
	/* A top-level key's parent is the root (the empty path). */
	snprintf(parent, sizeof(parent), "%.*s", cut ? (int)(cut - path) : 0, path);
	/* A missing path is located at its deepest existing parent. */
	return nfg_json_locate(source_text, path, &l1, &c1) == 0 &&
	       nfg_json_locate(source_text, parent, &l2, &c2) == 0 && (l1 != l2 || c1 != c2);
}

/* The --set whose path is `path` or a parent of it; of several, the last:
 * it overrode or completed the others, so it made the value (or the
 * combination) that is wrong. */
static const char *
override_of(const char *path)
{
	for (unsigned i = nb_overrides; path && i-- > 0;) {
		const char *eq = strchr(override_list[i], '=');
		size_t n = eq ? (size_t)(eq - override_list[i]) : 0;
		if (n && strncmp(path, override_list[i], n) == 0 &&
		    (path[n] == '\0' || path[n] == '.' || path[n] == '['))
			return override_list[i];
		/* The --set made this object (a typo in a node name, say): the
		 * path is a parent of the --set's and is not in the file. */
		size_t m = strlen(path);
		if (m < n && strncmp(path, override_list[i], m) == 0 &&
		    (override_list[i][m] == '.' || override_list[i][m] == '[') && !in_file(path))
			return override_list[i];
	}
	return NULL;
}

unsigned
nfg_error_count(void)
{
	return error_count;
}

void
nfg_errors_reset(void)
{
	error_count = 0;
	last_error[0] = '\0';
}

const char *
nfg_last_error(void)
{
	return last_error;
}

void
nfg_errors_quiet(bool q)
{
	quiet = q;
}

const char *
nfg_esc(const char *s)
{
	static char bufs[8][208];
	static unsigned next;
	char *b = bufs[next++ % RTE_DIM(bufs)];

	if (!s)
		return "(null)";
	return nfg_escape(b, sizeof(bufs[0]), s, strlen(s));
}

/* For what reached a message unescaped (an operator's own message quoting a
 * value, jansson's error text): control bytes and non-ASCII become \xNN, so
 * no graph file can move the cursor, recolour the terminal or reorder the
 * line (U+202E). Quotes stay: they are the message's. */
void
nfg_sanitize(char *dst, size_t cap, const char *src)
{
	size_t n = 0;

	for (; *src; src++) {
		char form[8];
		unsigned char c = (unsigned char)*src;

		if (c >= 0x20 && c < 0x7f) {
			form[0] = (char)c;
			form[1] = '\0';
		} else {
			nfg_escape(form, sizeof(form), src, 1);
		}
		size_t k = strlen(form);
		if (n + k + 1 > cap)
			break;
		memcpy(dst + n, form, k);
		n += k;
	}
	dst[n] = '\0';
}

static void
emit(const char *prefix, const char *fmt, va_list ap)
{
	char raw[sizeof(last_error)];
	size_t n = (size_t)snprintf(raw, sizeof(raw), "%s", prefix);

	if (n < sizeof(raw))
		vsnprintf(raw + n, sizeof(raw) - n, fmt, ap);
	nfg_sanitize(last_error, sizeof(last_error), raw);
	error_count++;
	if (!quiet)
		fprintf(stderr, "%s\n", last_error);
}

void
nfg_err(const char *path, const char *fmt, ...)
{
	char prefix[768];
	int line, col;
	va_list ap;

	const char *set = override_of(path);
	/* The path is made of the file's keys: shown escaped, looked up raw.
	 * (Own buffers: the caller's arguments may hold nfg_esc's.) */
	char shown_buf[208], file_buf[208], set_buf[208];
	const char *shown = path ? nfg_escape(shown_buf, sizeof(shown_buf), path, strlen(path)) : NULL;
	const char *file = source_file ? nfg_escape(file_buf, sizeof(file_buf), source_file,
						    strlen(source_file)) : NULL;

	if (set)
		snprintf(prefix, sizeof(prefix), "--set %s: %s: ",
			 nfg_escape(set_buf, sizeof(set_buf), set, strlen(set)), shown);
	else if (file && path && source_text &&
		 nfg_json_locate(source_text, path, &line, &col) == 0)
		snprintf(prefix, sizeof(prefix), "%s:%d:%d: %s: ", file, line, col, shown);
	else if (file && path)
		snprintf(prefix, sizeof(prefix), "%s: %s: ", file, shown);
	else if (file)
		snprintf(prefix, sizeof(prefix), "%s: ", file);
	else if (path)
		snprintf(prefix, sizeof(prefix), "%s: ", shown);
	else
		prefix[0] = '\0';
	va_start(ap, fmt);
	emit(prefix, fmt, ap);
	va_end(ap);
}

void
nfg_err_pos(int line, int col, const char *fmt, ...)
{
	char prefix[512], file[208] = "-";
	va_list ap;

	if (source_file)
		nfg_escape(file, sizeof(file), source_file, strlen(source_file));
	/* Columns count from 1 (jansson says 0 for an empty file). */
	snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", file, line, col < 1 ? 1 : col);
	va_start(ap, fmt);
	emit(prefix, fmt, ap);
	va_end(ap);
}

/* ---- locating a JSON path in the text ------------------------------------
 * The text already parsed with jansson, so this scanner can assume it is
 * well formed; it only tracks positions, and bails out on anything odd. */

struct cursor {
	const char *p;
	int line, col;
};

static void
advance(struct cursor *c)
{
	if (*c->p == '\n') {
		c->line++;
		c->col = 1;
	} else {
		c->col++;
	}
	c->p++;
}

static void
skip_space(struct cursor *c)
{
	while (*c->p && isspace((unsigned char)*c->p))
		advance(c);
}

/* Reads a string token; copies up to `cap` bytes of its raw content. */
static int
scan_string(struct cursor *c, char *out, size_t cap)
{
	size_t n = 0;

	if (*c->p != '"')
		return -1;
	advance(c);
	while (*c->p && *c->p != '"') {
		if (*c->p == '\\') {
			advance(c);
			if (!*c->p)
				return -1;
		}
		if (out && n + 1 < cap)
			out[n++] = *c->p;
		advance(c);
	}
	if (!*c->p)
		return -1;
	advance(c);
	if (out)
		out[n] = '\0';
	return 0;
}

static int skip_value(struct cursor *c);

static int
skip_container(struct cursor *c, char close)
{
	advance(c);
	for (;;) {
		skip_space(c);
		if (*c->p == close) {
			advance(c);
			return 0;
		}
		if (close == '}') {
			if (scan_string(c, NULL, 0) < 0)
				return -1;
			skip_space(c);
			if (*c->p != ':')
				return -1;
			advance(c);
		}
		if (skip_value(c) < 0)
			return -1;
		skip_space(c);
		if (*c->p == ',')
			advance(c);
		else if (*c->p != close)
			return -1;
	}
}

static int
skip_value(struct cursor *c)
{
	skip_space(c);
	switch (*c->p) {
	case '{':
		return skip_container(c, '}');
	case '[':
		return skip_container(c, ']');
	case '"':
		return scan_string(c, NULL, 0);
	case '\0':
		return -1;
	default:
		while (*c->p && !strchr(",]} \t\r\n", *c->p))
			advance(c);
		return 0;
	}
}

/* Splits the next path component: a key ("nodes") or an index ("[2]"). */
static const char *
next_component(const char *path, char *key, size_t cap, long *index)
{
	*index = -1;
	if (*path == '.')
		path++;
	if (*path == '[') {
		*index = strtol(path + 1, (char **)&path, 10);
		return *path == ']' ? path + 1 : NULL;
	}
	size_t n = 0;
	while (*path && *path != '.' && *path != '[') {
		if (n + 1 < cap)
			key[n++] = *path;
		path++;
	}
	key[n] = '\0';
	return path;
}

/* With the cursor on a value, descends along `path`. On return the cursor is
 * on the deepest value of the path that exists. */
static void
descend(struct cursor *c, const char *path)
{
	char key[256], seen[256];
	long index;

	while (*path) {
		const char *rest = next_component(path, key, sizeof(key), &index);
		struct cursor save = *c;
		bool found = false;

		if (!rest)
			return;
		skip_space(c);
		if (index < 0 && *c->p == '{') {
			advance(c);
			for (;;) {
				skip_space(c);
				if (*c->p == '}' || scan_string(c, seen, sizeof(seen)) < 0)
					break;
				skip_space(c);
				if (*c->p != ':')
					break;
				advance(c);
				skip_space(c);
				if (strcmp(seen, key) == 0) {
					found = true;
					break;
				}
				if (skip_value(c) < 0)
					break;
				skip_space(c);
				if (*c->p == ',')
					advance(c);
			}
		} else if (index >= 0 && *c->p == '[') {
			advance(c);
			for (long i = 0;; i++) {
				skip_space(c);
				if (*c->p == ']')
					break;
				if (i == index) {
					found = true;
					break;
				}
				if (skip_value(c) < 0)
					break;
				skip_space(c);
				if (*c->p == ',')
					advance(c);
			}
		}
		if (!found) {
			*c = save;
			return;
		}
		path = rest;
	}
}

int
nfg_json_locate(const char *text, const char *path, int *line, int *col)
{
	struct cursor c = { .p = text, .line = 1, .col = 1 };

	if (!text || !path)
		return -1;
	skip_space(&c);
	descend(&c, path);
	skip_space(&c);
	*line = c.line;
	*col = c.col;
	return 0;
}
