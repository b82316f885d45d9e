/* SPDX-License-Identifier: BSD-3-Clause
 *
 * nfg proxy API: the policies that choose a backend for a proxied connection
 * and the hooks that see (and may change) its payload. The tcp_proxy operator
 * calls them; plugins bring their own through NFG_PLUGIN_WITH (below).
 *
 * With delayed binding the proxy answers the client's handshake itself and
 * collects the first payload (up to "inspect_bytes", or until "inspect_ms"
 * passed). The policy sees it and returns a backend. The request hooks may
 * then rewrite that first payload — any length — before the proxy sends it to
 * the backend; from then on the two connections are spliced and data hooks
 * see each segment in place (and may change its length: see `data`).
 *
 * Policies and hooks are entries of two extension points (nfg/extension.h):
 * a plugin lists them in NFG_PLUGIN_WITH as
 *   { NFG_PROXY_POLICY_POINT, &my_policy }, { NFG_PROXY_HOOK_POINT, &my_hook }.
 */
#ifndef NFG_PROXY_H
#define NFG_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "extension.h"
#include "operator.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NFG_PROXY_API_VERSION 1

/* What a policy or hook knows of a connection. Addresses in network order;
 * for an IPv6 client each is a 32-bit fold of the address (stable per
 * address, keyed per process), not the address. */
struct nfg_proxy_conn {
	uint32_t client_ip, vip;
	uint16_t client_port, vport;
	uint32_t id;                 /* connection number, unique in the run */
	unsigned worker;
};

struct nfg_proxy_backend {
	const char *name;            /* "b1", from the graph file */
	const char *group;           /* a label policies may select by, or "" */
	uint32_t ip;                 /* network order */
	uint16_t port;               /* network order */
	unsigned weight;
};

/* Policy answers besides a backend index. */
#define NFG_PROXY_REJECT (-1)   /* reset the client */
#define NFG_PROXY_MORE (-2)     /* need more payload (asked again when more came) */

struct nfg_proxy_policy {
	uint32_t api_version;        /* NFG_PROXY_API_VERSION */
	const char *name;
	const char *doc;
	/* Reads the node's "policy_params" (may be NULL) once, in setup; reports
	 * problems with nfg_error(inst, "policy_params...", ...). */
	int (*setup)(struct nfg_instance *inst, json_t *params,
		     const struct nfg_proxy_backend *backends, unsigned nb_backends, void **state);
	/* Chooses for one connection: a backend index, NFG_PROXY_REJECT or
	 * NFG_PROXY_MORE. `payload` is what the client sent so far; `final` says
	 * no more will come before the decision (inspect limit or time reached). */
	int (*select)(void *state, const struct nfg_proxy_conn *conn, const uint8_t *payload,
		      uint32_t len, bool final);
	void (*release)(void *state);
};

/* Hook answer besides a length. */
#define NFG_PROXY_CLOSE (-1)    /* reset both sides */

enum nfg_proxy_direction { NFG_PROXY_TO_SERVER, NFG_PROXY_TO_CLIENT };

struct nfg_proxy_hook {
	uint32_t api_version;        /* NFG_PROXY_API_VERSION */
	const char *name;
	const char *doc;
	int (*setup)(struct nfg_instance *inst, json_t *params, void **state);
	/* The first payload, before it goes to the backend: change it in place,
	 * grow it up to `cap` or shrink it; returns the new length or NFG_PROXY_CLOSE. */
	int (*request)(void *state, const struct nfg_proxy_conn *conn, uint8_t *buf,
		       uint32_t len, uint32_t cap);
	/* Each spliced segment's payload: change it in place, grow it up to `cap`
	 * or shrink it; returns the new length or NFG_PROXY_CLOSE. The proxy moves
	 * the sequence numbers of everything after a length change, for the rest
	 * of the connection. A retransmitted segment comes through the hook again:
	 * a hook that changes lengths must change the same bytes the same way
	 * (else the connection is reset). Each length change is remembered for
	 * the connection's life: 8 per direction at most; a ninth resets the
	 * connection (counted hook_resizes_over_limit). May be NULL. */
	int (*data)(void *state, const struct nfg_proxy_conn *conn,
		    enum nfg_proxy_direction dir, uint8_t *payload, uint32_t len, uint32_t cap);
	void (*release)(void *state);
};

#define NFG_PROXY_POLICY_POINT "proxy.policy"
#define NFG_PROXY_HOOK_POINT "proxy.hook"

static inline int
nfg_proxy_policy_register(const struct nfg_proxy_policy *policy)
{
	return nfg_extension_register(NFG_PROXY_POLICY_POINT, policy);
}

static inline int
nfg_proxy_hook_register(const struct nfg_proxy_hook *hook)
{
	return nfg_extension_register(NFG_PROXY_HOOK_POINT, hook);
}

static inline const struct nfg_proxy_policy *
nfg_proxy_policy_find(const char *name)
{
	return (const struct nfg_proxy_policy *)nfg_extension_find(NFG_PROXY_POLICY_POINT, name);
}

static inline const struct nfg_proxy_hook *
nfg_proxy_hook_find(const char *name)
{
	return (const struct nfg_proxy_hook *)nfg_extension_find(NFG_PROXY_HOOK_POINT, name);
}

#ifdef __cplusplus
}
#endif
#endif
