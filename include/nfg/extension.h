/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Extension points. An operator that lets others extend it publishes a named
 * point ("proxy.policy": the tcp_proxy's backend choosers) with a check of
 * what it accepts; entries register into a point by its name, nfg's own from
 * a constructor, a plugin's through the extensions of its NFG_PLUGIN_WITH.
 * The plugin loader knows points only by name: a new extensible operator
 * needs no change outside its own files.
 */
#ifndef NFG_EXTENSION_H
#define NFG_EXTENSION_H

#ifdef __cplusplus
extern "C" {
#endif

/* One entry a plugin brings: `entry` is what `point` takes (for
 * "proxy.policy" a struct nfg_proxy_policy, see nfg/proxy.h). */
struct nfg_extension {
	const char *point;
	const void *entry;
};

/* Publishes a point. `check` validates an entry and returns its name, or
 * NULL after saying why it refuses it (nfg_node_log). Returns 0, or -1 when
 * the point exists already or there are too many. Call it from a constructor
 * of higher priority than the registrations (RTE_INIT_PRIO(..., CLASS)). */
int nfg_extension_point(const char *point, const char *(*check)(const void *entry));

/* Registers an entry into a published point; -1 (and a message) when the
 * point does not exist, the check refuses it, or its name is taken there. */
int nfg_extension_register(const char *point, const void *entry);

/* The entry of that name in a point, or NULL. */
const void *nfg_extension_find(const char *point, const char *name);

/* The names of a point's entries, in registration order: the i-th, or NULL
 * past the last (for listings and error messages). */
const char *nfg_extension_name(const char *point, unsigned i);

#ifdef __cplusplus
}
#endif
#endif
