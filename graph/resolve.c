/* SPDX-License-Identifier: BSD-3-Clause
 *
 * `nfg run l2fwd`: a graph is a path, or the name of a prebuilt graph found
 * next to the executable (build/nfg → configs/, PREFIX/bin/nfg →
 * PREFIX/share/nfg/configs/).
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../model/model.h"

static bool
exists(const char *p)
{
	return access(p, R_OK) == 0;
}

char *
nfg_graph_resolve(const char *name)
{
	char exe[PATH_MAX], path[PATH_MAX + 64];
	const char *rel[] = { "../configs", "../share/nfg/configs" };
	ssize_t n;

	if (exists(name))
		return strdup(name);
	if (strchr(name, '/'))
		return NULL;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *dir = dirname(exe);
	for (unsigned i = 0; i < 2; i++) {
		const char *ext = strstr(name, ".json") ? "" : ".json";
		snprintf(path, sizeof(path), "%s/%s/%s%s", dir, rel[i], name, ext);
		if (exists(path)) {
			char real[PATH_MAX];
			return strdup(realpath(path, real) ? real : path);
		}
	}
	return NULL;
}
