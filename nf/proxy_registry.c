/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Proxy policies and hooks by name: the built-in ones register from a
 * constructor, plugins through nfg_plugin_load().
 */
#include <string.h>

#include "nfg/operator.h"
#include "nfg/proxy.h"

#define MAX_ENTRIES 64

static const struct nfg_proxy_policy *policies[MAX_ENTRIES];
static const struct nfg_proxy_hook *hooks[MAX_ENTRIES];
static unsigned nb_policies, nb_hooks;

int
nfg_proxy_policy_register(const struct nfg_proxy_policy *p)
{
	if (!p || !p->name || !p->select || p->api_version != NFG_PROXY_API_VERSION) {
		nfg_node_log(NULL, NFG_LOG_ERROR, "proxy policy \"%s\": no name or select(), or built for proxy API %u "
			"(this is %u)", p && p->name ? p->name : "?", p ? p->api_version : 0,
			NFG_PROXY_API_VERSION);
		return -1;
	}
	if (nfg_proxy_policy_find(p->name) || nb_policies == MAX_ENTRIES) {
		nfg_node_log(NULL, NFG_LOG_ERROR, "proxy policy \"%s\" registered twice (or too many)", p->name);
		return -1;
	}
	policies[nb_policies++] = p;
	return 0;
}

int
nfg_proxy_hook_register(const struct nfg_proxy_hook *h)
{
	if (!h || !h->name || h->api_version != NFG_PROXY_API_VERSION) {
		nfg_node_log(NULL, NFG_LOG_ERROR, "proxy hook \"%s\": no name, or built for proxy API %u (this is %u)",
			h && h->name ? h->name : "?", h ? h->api_version : 0, NFG_PROXY_API_VERSION);
		return -1;
	}
	if (nfg_proxy_hook_find(h->name) || nb_hooks == MAX_ENTRIES) {
		nfg_node_log(NULL, NFG_LOG_ERROR, "proxy hook \"%s\" registered twice (or too many)", h->name);
		return -1;
	}
	hooks[nb_hooks++] = h;
	return 0;
}

const struct nfg_proxy_policy *
nfg_proxy_policy_find(const char *name)
{
	for (unsigned i = 0; i < nb_policies; i++)
		if (strcmp(policies[i]->name, name) == 0)
			return policies[i];
	return NULL;
}

const struct nfg_proxy_hook *
nfg_proxy_hook_find(const char *name)
{
	for (unsigned i = 0; i < nb_hooks; i++)
		if (strcmp(hooks[i]->name, name) == 0)
			return hooks[i];
	return NULL;
}
