/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The model of a graph: the contract between the two layers of nfg. graph/
 * builds it from a graph file (load, --set, check); runtime/ runs it (EAL,
 * ports, one rte_graph per worker). It lives in its own folder because both
 * sides read its structures and neither may include the other's headers
 * (tools/check_layers.sh keeps that true): graph/ knows nothing of how a
 * model runs, runtime/ nothing of JSON parameters or --set. The functions
 * declared here are what graph/ offers the program (nfg_graph_load and its
 * lookups, the operator registry, the plugin loader); graph/ implements
 * them. Operators never see this file: they reach the model through the
 * public API in include/nfg/. Nothing here touches DPDK's EAL, so checking
 * a file needs neither root nor hugepages.
 */
#ifndef NFG_MODEL_MODEL_H
#define NFG_MODEL_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_graph.h>

#include "nfg/operator.h"
#include "nfg/steering.h"
#include "nfg/values.h"

/* Claims of a port that steer (by port or address), at most. */
#define NFG_STEER_MAX_RULES 8

#define NFG_MAX_WORKERS 64
#define NFG_NAME_MAX 40 /* instance names; clones are "nfg_<op>-<name>" < 64 */

enum nfg_port_kind {
	NFG_PORT_VDEV, /* a DPDK virtual device by devargs: "net_af_packet0,iface=veth0" */
	NFG_PORT_PCI,  /* a PCI address: "0000:03:00.0" */
	NFG_PORT_WIRE, /* "wire:NAME": one end of an in-process wire (net_ring) */
	NFG_PORT_LOOP, /* "loop:NAME": a net_ring port whose tx comes back on its rx */
};

struct nfg_port_spec {
	char *name;
	char *device;
	enum nfg_port_kind kind;
	char *wire;            /* NFG_PORT_WIRE: the wire's name */
	bool has_mac;
	struct rte_ether_addr mac;
	unsigned nb_ipv4;
	uint32_t ipv4[NFG_PORT_MAX_ADDRS];
	uint8_t ipv4_prefix[NFG_PORT_MAX_ADDRS];
	unsigned nb_ipv6;
	uint8_t ipv6[NFG_PORT_MAX_ADDRS][16];
	uint8_t ipv6_prefix[NFG_PORT_MAX_ADDRS];
	unsigned rx_desc, tx_desc;
	bool promiscuous;
	unsigned mtu;          /* 0: leave the device's */
	enum nfg_rss_mode { NFG_RSS_SYMMETRIC, NFG_RSS_DEVICE, NFG_RSS_SOFTWARE } rss;
	bool steer_software;   /* "steering": "software": do not try rte_flow */
	unsigned nb_claims;      /* local addresses operators own (nfg_port_claim) */
	struct nfg_claim claims[NFG_PORT_MAX_CLAIMS];
	unsigned nb_steer_rules; /* the claims that steer, resolved when the port starts */
	struct nfg_claim steer_rules[NFG_STEER_MAX_RULES];
	struct rte_flow **flows; /* rte_flow rules installed for them */
	unsigned nb_flows;
	struct nfg_port runtime; /* filled when the port starts */
	/* What the run changed on the device, put back when it stops (a kernel
	 * interface under net_af_packet or net_tap keeps them otherwise). */
	uint16_t mtu_before;
	bool mtu_changed, promiscuous_changed;
};

struct nfg_output {
	char *name;
	bool optional;
	struct nfg_instance *target;   /* NULL until an edge connects it */
	int target_input;              /* -1: the target's main input */
	int edge_index;                /* edges[i] that connected it, for messages */
};

struct nfg_counter_decl {
	char *name;
	enum nfg_counter_kind kind;
	const char *doc;               /* static, from the operator; NULL: none */
};

struct nfg_instance {
	char *name;
	char *path;                    /* "nodes.fw" */
	const struct nfg_op *op;
	json_t *params;                /* the node object, defaults filled in */
	struct nfg_graph *graph;
	bool implicit;                 /* made by nfg (sink of an optional output) */

	struct nfg_output *outputs;
	unsigned nb_outputs;
	char **inputs;
	unsigned nb_inputs;
	struct nfg_counter_decl *counters;
	unsigned nb_counters;
	unsigned nb_incoming;          /* edges into this instance */

	void *config;
	void (*release_config)(void *config);
	unsigned reserved_mbufs;
	uint64_t reserved_memory;

	/* runtime */
	rte_node_t node_id;
	rte_node_t *input_node_ids;
	uint64_t *counters_by_worker[NFG_MAX_WORKERS];
	struct rte_node *node_by_worker[NFG_MAX_WORKERS];
	bool started;
	bool ends_run;                 /* a finite source whose end ends the run (default) */
};

struct nfg_graph {
	char *file;
	char *name;
	char *description;
	json_t *root;                  /* after --set overrides */

	struct nfg_port_spec *ports;
	unsigned nb_ports;
	struct nfg_instance **instances;
	unsigned nb_instances;

	unsigned nb_workers;
	bool profile;                  /* run --profile: time every walk, not a sample */
	int lcores[NFG_MAX_WORKERS];   /* CPU of each worker, -1: pick */
	char **eal_args;
	unsigned nb_eal_args;
	char **plugins;
	unsigned nb_plugins;
	unsigned mbufs;                /* 0: sized from the graph */
};

/* Load, override, check. Returns NULL after printing why. */
struct nfg_graph *nfg_graph_load(const char *file, char **sets, unsigned nb_sets);
void nfg_graph_free(struct nfg_graph *g);
struct nfg_instance *nfg_graph_find(const struct nfg_graph *g, const char *name);
struct nfg_port_spec *nfg_graph_port(const struct nfg_graph *g, const char *name);

/* The graph being run (for nfg_port_get and friends). */
extern struct nfg_graph *nfg_current_graph;

/* Resolve `name` to a graph file: a path, or a prebuilt graph in configs/.
 * Returns a malloc'ed path or NULL. */
char *nfg_graph_resolve(const char *name);

/* Graphviz text of the model. */
void nfg_graph_dot(const struct nfg_graph *g, FILE *out);

/* Operator registry. */
const struct nfg_op *nfg_op_find(const char *name);
unsigned nfg_op_count(void);
const struct nfg_op *nfg_op_at(unsigned i); /* sorted by name */
int nfg_plugin_load(const char *path);
/* A plugin named in a graph file or on the command line: the path as given,
 * relative to `dir` (the file's directory; NULL: none), then a bare name in
 * the plugin directories next to the executable (build/plugins,
 * PREFIX/lib/nfg/plugins). */
int nfg_plugin_load_from(const char *name, const char *dir);

#endif
