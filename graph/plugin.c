/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Loading operator plugins: a shared object that exports `nfg_plugin`
 * (struct nfg_plugin) listing its operators. Every way this can go wrong
 * gets its own message naming the file.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../model/errors.h"
#include "../model/model.h"
#include "nfg/extension.h"

#define MAX_PLUGINS 32

static struct {
	char path[4096];
	void *handle;
} loaded[MAX_PLUGINS];
static unsigned nb_loaded;

int
nfg_plugin_load_from(const char *name, const char *dir)
{
	char path[4096], exe[4096];
	ssize_t n;

	char looked[3 * 4096 + 64] = "";
	size_t at = 0;

	if (name[0] == '/' || access(name, F_OK) == 0 || !dir)
		goto as_given;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (access(path, F_OK) == 0)
		return nfg_plugin_load(path);
	at += (size_t)snprintf(looked + at, sizeof(looked) - at, "%s", path);
	if (strchr(name, '/'))
		goto as_given;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		const char *sub[] = { "plugins", "../lib/nfg/plugins" };
		for (unsigned i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "%s/%s/%s", exe, sub[i], name);
			if (access(path, F_OK) == 0)
				return nfg_plugin_load(path);
			if (at < sizeof(looked))
				at += (size_t)snprintf(looked + at, sizeof(looked) - at, ", %s", path);
		}
	}
as_given:
	/* Not found where a bare name is looked for: say where that was. */
	if (looked[0] && access(name, F_OK) != 0) {
		nfg_err(NULL, "plugin %s: no such file here, nor at %s", nfg_esc(name),
			nfg_esc(looked));
		return -1;
	}
	return nfg_plugin_load(name);
}

int
nfg_plugin_load(const char *path)
{
	char full[4096];
	struct stat st;

	if (stat(path, &st) != 0) {
		nfg_err(NULL, "plugin %s: no such file", nfg_esc(path));
		return -1;
	}
	if (!realpath(path, full))
		snprintf(full, sizeof(full), "%s", path);
	for (unsigned i = 0; i < nb_loaded; i++)
		if (strcmp(loaded[i].path, full) == 0)
			return 0; /* named twice (file and --plugin): load once */
	if (nb_loaded == MAX_PLUGINS) {
		nfg_err(NULL, "plugin %s: too many plugins (max %d)", nfg_esc(path), MAX_PLUGINS);
		return -1;
	}
	/* RTLD_NOW: an unresolved symbol is reported here, not mid-run. */
	void *h = dlopen(full, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		/* nfg exports its plugin API only: say so when that is what is missing. */
		nfg_err(NULL, "plugin %s: cannot load: %s%s", nfg_esc(path), why,
			strstr(why, "undefined symbol") ? " (a plugin may use what include/nfg/*.h "
							   "declares, and DPDK)" : "");
		return -1;
	}
	const struct nfg_plugin *pl = dlsym(h, NFG_PLUGIN_SYMBOL);
	if (!pl) {
		nfg_err(NULL, "plugin %s: no symbol \"%s\" (declare the plugin with NFG_PLUGIN())",
			nfg_esc(path), NFG_PLUGIN_SYMBOL);
		dlclose(h);
		return -1;
	}
	if (pl->api_version != NFG_API_VERSION) {
		nfg_err(NULL, "plugin %s: built for nfg API %u, this nfg has API %u; rebuild it",
			nfg_esc(path), pl->api_version, NFG_API_VERSION);
		dlclose(h);
		return -1;
	}
	if (pl->dpdk_version != RTE_VERSION) {
		nfg_err(NULL, "plugin %s: built against DPDK %u.%u.%u, this nfg uses DPDK "
			"%u.%u.%u; rebuild it", nfg_esc(path), pl->dpdk_version >> 24,
			(pl->dpdk_version >> 16) & 0xff, (pl->dpdk_version >> 8) & 0xff,
			RTE_VER_YEAR, RTE_VER_MONTH, RTE_VER_MINOR);
		dlclose(h);
		return -1;
	}
	for (const struct nfg_op *const *op = pl->ops; op && *op; op++) {
		if (nfg_op_register(*op) < 0) {
			nfg_err(NULL, "plugin %s: operator \"%s\" not registered", nfg_esc(path),
				nfg_esc((*op)->name ? (*op)->name : "?"));
			return -1; /* keep it loaded: earlier ops may be registered */
		}
	}
	/* Entries for operators' extension points: the points check them. */
	for (const struct nfg_extension *x = pl->extensions; x && x->point; x++) {
		if (nfg_extension_register(x->point, x->entry) < 0) {
			nfg_err(NULL, "plugin %s: an entry for extension point \"%s\" not "
				"registered (see above)", nfg_esc(path), nfg_esc(x->point));
			return -1;
		}
	}
	snprintf(loaded[nb_loaded].path, sizeof(loaded[0].path), "%s", full);
	loaded[nb_loaded++].handle = h;
	return 0;
}
