/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The extension points (include/nfg/extension.h): a few points, each a short
 * list of named entries. Filled before any graph is loaded (constructors,
 * then plugins), read when operators set up: no locking. Messages go through
 * nfg_node_log, which escapes the control bytes of what they quote.
 */
#include <string.h>

#include "nfg/extension.h"
#include "nfg/operator.h"

#define MAX_POINTS 16
#define MAX_ENTRIES 64

static struct point {
	const char *name;
	const char *(*check)(const void *entry);
	unsigned nb;
	const void *entries[MAX_ENTRIES];
	const char *names[MAX_ENTRIES];
} points[MAX_POINTS];
static unsigned nb_points;

static struct point *
point_of(const char *name)
{
	for (unsigned i = 0; name && i < nb_points; i++)
		if (strcmp(points[i].name, name) == 0)
			return &points[i];
	return NULL;
}

int
nfg_extension_point(const char *point, const char *(*check)(const void *entry))
{
	if (!point || !check || point_of(point) || nb_points == MAX_POINTS) {
		nfg_node_log(NULL, NFG_LOG_ERROR, "extension point \"%s\": published twice, "
			     "without a check, or too many points", point ? point : "(null)");
		return -1;
	}
	points[nb_points++] = (struct point){ .name = point, .check = check };
	return 0;
}

int
nfg_extension_register(const char *point, const void *entry)
{
	struct point *p = point_of(point);

	if (!p) {
		char known[256] = "";
		for (unsigned i = 0; i < nb_points; i++)
			snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
				 i ? ", " : "", points[i].name);
		nfg_node_log(NULL, NFG_LOG_ERROR, "no extension point \"%s\" (there are: %s)",
			     point ? point : "(null)", known[0] ? known : "none");
		return -1;
	}
	const char *name = entry ? p->check(entry) : NULL;
	if (!name)
		return -1; /* the check said why */
	if (nfg_extension_find(point, name) || p->nb == MAX_ENTRIES) {
		nfg_node_log(NULL, NFG_LOG_ERROR, "%s \"%s\" registered twice (or too many)",
			     point, name);
		return -1;
	}
	p->names[p->nb] = name;
	p->entries[p->nb++] = entry;
	return 0;
}

const void *
nfg_extension_find(const char *point, const char *name)
{
	const struct point *p = point_of(point);

	for (unsigned i = 0; p && name && i < p->nb; i++)
		if (strcmp(p->names[i], name) == 0)
			return p->entries[i];
	return NULL;
}

const char *
nfg_extension_name(const char *point, unsigned i)
{
	const struct point *p = point_of(point);

	return p && i < p->nb ? p->names[i] : NULL;
}
