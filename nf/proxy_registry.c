/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_proxy's two extension points, "proxy.policy" and "proxy.hook"
 * (include/nfg/extension.h): published before anything registers, with the
 * checks that keep a half-made or mismatched entry out. The built-in policies
 * register from a constructor, plugins through NFG_PLUGIN_WITH.
 */
#include <rte_common.h>

#include "nfg/extension.h"
#include "nfg/proxy.h"

static const char *
check_policy(const void *entry)
{
	const struct nfg_proxy_policy *p = entry;

	if (!p->name || !p->select || p->api_version != NFG_PROXY_API_VERSION) {
		nfg_node_log(NULL, NFG_LOG_ERROR, "proxy policy: no name or select(), or built for "
			     "proxy API %u (this is %u)", p->api_version, NFG_PROXY_API_VERSION);
		return NULL;
	}
	return p->name;
}

static const char *
check_hook(const void *entry)
{
	const struct nfg_proxy_hook *h = entry;

	if (!h->name || h->api_version != NFG_PROXY_API_VERSION) {
		nfg_node_log(NULL, NFG_LOG_ERROR, "proxy hook: no name, or built for proxy API %u "
			     "(this is %u)", h->api_version, NFG_PROXY_API_VERSION);
		return NULL;
	}
	return h->name;
}

/* Before the RTE_INIT constructors that register the built-in entries. */
RTE_INIT_PRIO(proxy_points, CLASS)
{
	nfg_extension_point(NFG_PROXY_POLICY_POINT, check_policy);
	nfg_extension_point(NFG_PROXY_HOOK_POINT, check_hook);
}
