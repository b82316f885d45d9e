/* SPDX-License-Identifier: BSD-3-Clause
 *
 * nfg public operator API.
 *
 * An operator is an rte_graph node plus a descriptor that tells nfg how to
 * check its parameters, document it, and wire it. The graph file creates one
 * *instance* per JSON node; nfg clones the operator's rte_node once per
 * instance and builds one rte_graph per worker core, so every instance has one
 * replica per worker with private state (shared nothing).
 *
 * Life of an instance:
 *   setup(inst)        once, without EAL: read and check parameters, declare
 *                      dynamic outputs, inputs and counters. `nfg check` stops here.
 *   start(inst)        once, after EAL and ports: create shared DPDK objects.
 *   init(inst, w, node) once per worker: allocate per-worker state.
 *   process(...)       the rte_graph process function, per worker.
 *   poll(graph, node)  optional, after a graph walk (timers, flushes): after
 *                      every walk, or with NFG_OP_POLL_WHEN_ASKED only after
 *                      walks in which the node asked (nfg_node_poll_request).
 *   fini(inst, w, node) once per worker at teardown: free what the worker holds.
 *   stop(inst)         once at teardown: free shared objects.
 */
#ifndef NFG_OPERATOR_H
#define NFG_OPERATOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_graph.h>
#include <rte_graph_worker.h>
#include <rte_mbuf.h>
#include <rte_version.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever struct nfg_op or a helper's ABI changes; plugins built
 * against another version are refused at load time. */
#define NFG_API_VERSION 5

/* ---- parameters -------------------------------------------------------- */

enum nfg_param_type {
	NFG_T_BOOL,      /* true/false */
	NFG_T_INT,       /* integer within [min, max] */
	NFG_T_NUMBER,    /* integer or real within [min, max] */
	NFG_T_STRING,    /* any string */
	NFG_T_ENUM,      /* one string out of .choices */
	NFG_T_IPV4,      /* "198.18.0.1" */
	NFG_T_IP,        /* IPv4 or IPv6 address */
	NFG_T_PREFIX,    /* "198.18.0.0/15", "2001:db8::/32", or a bare address */
	NFG_T_MAC,       /* "02:00:00:00:00:01" */
	NFG_T_PORTRANGE, /* 80, "80" or "1000-2000" */
	NFG_T_HEX,       /* "0a0b0c" bytes, spaces and colons allowed */
	NFG_T_PORT,      /* name of a port of the graph file */
	NFG_T_NODE,      /* name of a node of the graph file */
	NFG_T_STRLIST,   /* array of strings */
	NFG_T_LIST,      /* array of objects, each checked against .fields */
	NFG_T_ANY,       /* anything; the operator checks it in setup() */
};

/* Parameter flags. A parameter with no default and without NFG_P_OPTIONAL is
 * required. */
#define NFG_P_OPTIONAL 0x1u

struct nfg_param {
	const char *name;
	enum nfg_param_type type;
	const char *def;   /* default as JSON text ("32", "\"hash\"", "true") or NULL */
	const char *doc;   /* one line for `nfg ops NAME` */
	double min, max;   /* INT/NUMBER bounds; LIST/STRLIST length bounds (0,0 = any) */
	const char *const *choices;      /* ENUM: NULL-terminated */
	const struct nfg_param *fields;  /* LIST: the object's fields, {0}-terminated */
	unsigned flags;
};

/* ---- counters ---------------------------------------------------------- */

enum nfg_counter_kind {
	NFG_CTR_INFO, /* something worth counting */
	NFG_CTR_DROP, /* packets freed by the operator; the counter name is the reason */
	NFG_CTR_OUT,  /* packets that left the process through a port */
	/* A unit of the operator's work that succeeded (a connection completed),
	 * and one that failed (refused, timed out, reset). An operator that
	 * counted failures and not one success fails the run: it ends with exit
	 * status 4 and says so (a client whose every connection was refused).
	 * Both are shown as counters, as NFG_CTR_INFO. */
	NFG_CTR_SUCCESS,
	NFG_CTR_FAILURE,
};

/* A counter: `name` is its stable key (letters, digits and '_': what
 * --stats-json, telemetry and scripts use), `doc` says in a few words what it
 * counts, for people (the summary and nfg ops show it). */
struct nfg_counter {
	const char *name;
	enum nfg_counter_kind kind;
	const char *doc;
};

/* ---- the descriptor ---------------------------------------------------- */

struct nfg_instance;

/* Operator flags. */
#define NFG_OP_SOURCE 0x1u /* called on every graph walk (rx, generators); rte_graph
			    * gives a source no input: an operator that needs both an
			    * input and a per-walk turn uses poll() instead */
#define NFG_OP_RECORDS 0x4u /* keeps session records for --records */
#define NFG_OP_RELAY 0x2u  /* a source of packets already inside the process
			    * (ring_rx): not counted again as input, and still
			    * walked while the run drains (other sources stop
			    * being called once the run is stopping) */
#define NFG_OP_POLL_WHEN_ASKED 0x8u /* poll() runs only after a walk in which the
			    * node called nfg_node_poll_request() (and once at the
			    * start), not after every walk: for a poll that has work
			    * only sometimes (packets buffered, a timer armed). A poll
			    * that leaves work behind asks again. */

struct nfg_hist;

/* What nfg's observers (the --timeline series, the --metrics endpoint, nfg
 * top) read of one worker's state beyond its counters, through op->observe.
 * They read from the main lcore or a control thread while the worker runs,
 * so observe() fills this with plain loads of words its worker writes (a
 * walk behind at worst): never a store, never a lock. */
#define NFG_OBSERVE_MAX_HIST 2
struct nfg_observation {
	uint64_t open;  /* what the node holds open now (connections, flows) */
	/* Its cumulative histograms (nfg/histogram.h), live, in the order of
	 * op->histograms; NULL for one it does not keep on this worker. */
	const struct nfg_hist *hist[NFG_OBSERVE_MAX_HIST];
};

struct nfg_op {
	uint32_t api_version;   /* NFG_API_VERSION */
	const char *name;       /* "filter" */
	const char *summary;    /* one line */
	const char *doc;        /* what it does, for `nfg ops NAME` */
	const char *input_doc;  /* what it expects on its input(s), or NULL for sources */
	const char *example;    /* a JSON node snippet */
	unsigned flags;

	const struct nfg_param *params;     /* {0}-terminated, may be NULL */
	const char *const *outputs;         /* static outputs, NULL-terminated */
	const char *const *optional_outputs;/* outputs that may stay unconnected
					     * (their packets are dropped and counted) */
	const char *outputs_doc;            /* for outputs setup() declares: which */
	const struct nfg_counter *counters; /* static counters, {0}-terminated */

	int (*setup)(struct nfg_instance *inst);
	int (*start)(struct nfg_instance *inst);
	/* Bytes of per-worker state: when set, nfg allocates them zeroed on the
	 * worker's NUMA socket, cache-line aligned, before init (nfg_node_state()
	 * has them) and frees them after fini. 0: init sets its own state. */
	size_t state_size;
	int (*init)(struct nfg_instance *inst, unsigned worker, struct rte_node *node);
	rte_node_process_t process;
	/* For operators with named inputs (declared with nfg_instance_add_input):
	 * packets that arrived on input `input` of the instance whose node is
	 * `node`. `process` is then called on every walk (the node is a source). */
	uint16_t (*input)(struct rte_graph *graph, struct rte_node *node,
			  unsigned input, void **objs, uint16_t nb_objs);
	void (*poll)(struct rte_graph *graph, struct rte_node *node);
	/* Finite sources say when they are done; the run ends when every finite
	 * source on every worker is done. NULL means "never done". */
	bool (*done)(struct rte_node *node);
	void (*fini)(struct nfg_instance *inst, unsigned worker, struct rte_node *node);
	void (*stop)(struct nfg_instance *inst);

	/* Optional reporting, called on the main lcore with the workers' nodes
	 * (read-only, the workers may still be running for progress()).
	 * progress: a few words for the live progress line, from the counter sums
	 *   now and one interval ago (dt seconds).
	 * summarize: extra lines for the end-of-run summary (percentiles...).
	 * stats_json: extra members for the node's object in --stats-json. */
	void (*progress)(struct nfg_instance *inst, const uint64_t *now, const uint64_t *prev,
			 double dt, char *buf, size_t len);
	void (*summarize)(struct nfg_instance *inst, FILE *out);
	void (*stats_json)(struct nfg_instance *inst, json_t *node_object);

	/* Optional observation (struct nfg_observation above): the names of the
	 * histograms observe() gives, NULL-terminated, at most
	 * NFG_OBSERVE_MAX_HIST ("connect", "response"); and observe() for one
	 * worker's node, false when it has nothing there. An operator with
	 * observe() gets columns for what it holds open and for each histogram
	 * in the timeline, the metrics and nfg top. */
	const char *const *histograms;
	bool (*observe)(const struct nfg_instance *inst, const struct rte_node *node,
			struct nfg_observation *o);
};

/* Built-in operators and plugins alike: */
int nfg_op_register(const struct nfg_op *op);

/* nfg's own operators register when the program starts; plugins declare
 * theirs with NFG_PLUGIN instead, so nfg checks their versions first. */
#define NFG_OPERATOR_REGISTER(op)                                               \
	RTE_INIT(nfg_register_##op)                                             \
	{                                                                       \
		nfg_op_register(&op);                                           \
	}

/* A line for people, through DPDK's log (type "nfg"), prefixed with the
 * node's name ("nfg: fw: ..."; inst NULL: "nfg: ..."), the name escaped;
 * control bytes and non-ASCII in the message show as \n or \xNN, so what it
 * quotes cannot break the line.
 * INFO shows only when DPDK's log level is raised (-- --log-level=nfg:info);
 * never call it per packet. */
enum nfg_log_level { NFG_LOG_ERROR, NFG_LOG_WARNING, NFG_LOG_INFO };
void nfg_node_log(const struct nfg_instance *inst, enum nfg_log_level level, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));

struct nfg_extension;

/* A plugin is a shared object exporting this symbol. */
struct nfg_plugin {
	uint32_t api_version;          /* NFG_API_VERSION */
	const char *name;
	const char *version;
	const struct nfg_op *const *ops; /* NULL-terminated, or NULL */
	/* RTE_VERSION it was built against: plugins inline DPDK's fast paths
	 * (mbuf and graph layouts), so they must match nfg's DPDK. */
	uint32_t dpdk_version;
	/* Entries for operators' extension points (nfg/extension.h), ended by
	 * one whose point is NULL; or NULL. */
	const struct nfg_extension *extensions;
};
#define NFG_PLUGIN_SYMBOL "nfg_plugin"

/* Declares a plugin and the operators it brings:
 *   NFG_PLUGIN("grep", "1.0", &grep_op);
 * nfg checks the API and DPDK versions before it registers any of them. */
#define NFG_PLUGIN(plugin_name, plugin_version, ...)                                \
	static const struct nfg_op *const nfg_plugin_ops_[] = { __VA_ARGS__, NULL };  \
	const struct nfg_plugin nfg_plugin = {                                        \
		NFG_API_VERSION, plugin_name, plugin_version, nfg_plugin_ops_,        \
		RTE_VERSION, NULL }

/* The same with entries for extension points (and operators, or NULL):
 *   static const struct nfg_extension ext[] = {
 *           { NFG_PROXY_POLICY_POINT, &host_map }, { NULL, NULL } };
 *   NFG_PLUGIN_WITH("http_proxy", "1.0", NULL, ext);                          */
#define NFG_PLUGIN_WITH(plugin_name, plugin_version, op_list, extension_list)       \
	const struct nfg_plugin nfg_plugin = { NFG_API_VERSION, plugin_name,          \
					       plugin_version, op_list, RTE_VERSION,   \
					       extension_list }

/* ---- per-node context -------------------------------------------------- */

/* What nfg keeps in rte_node.ctx: the operator's per-worker state (set by
 * init via nfg_node_set_state) and the per-worker counter array. Operators
 * reach it only through the functions below. */
struct nfg_node_ctx {
	void *state;
	uint64_t *counters;
};
_Static_assert(sizeof(struct nfg_node_ctx) <= RTE_NODE_CTX_SZ, "node ctx too big");

static inline void *
nfg_node_state(const struct rte_node *node)
{
	return ((const struct nfg_node_ctx *)node->ctx)->state;
}

static inline void
nfg_node_set_state(struct rte_node *node, void *state)
{
	((struct nfg_node_ctx *)node->ctx)->state = state;
}

static inline void
nfg_count(struct rte_node *node, unsigned counter, uint64_t n)
{
	((struct nfg_node_ctx *)node->ctx)->counters[counter] += n;
}

static inline uint64_t
nfg_counter_value(const struct rte_node *node, unsigned counter)
{
	return ((const struct nfg_node_ctx *)node->ctx)->counters[counter];
}

/* The node's counter array (indexed like the operator's counter table), for
 * code that counts through a pointer it keeps, such as a library the
 * operator drives. */
static inline uint64_t *
nfg_node_counters(struct rte_node *node)
{
	return ((struct nfg_node_ctx *)node->ctx)->counters;
}

/* True when edge[0..n) are all the same: four at a time, branch-free. */
static inline bool
nfg_edges_uniform(const uint16_t *edge, uint16_t n)
{
	uint64_t four = edge[0] * UINT64_C(0x0001000100010001), differ = 0;
	uint16_t i = 0;

	for (; i + 4 <= n; i += 4) {
		uint64_t w;
		__builtin_memcpy(&w, edge + i, sizeof(w));
		differ |= w ^ four;
	}
	for (; i < n; i++)
		differ |= (uint64_t)(edge[i] ^ edge[0]);
	return differ == 0;
}

/* The n packets at objs all go to output `edge`: the node's whole stream
 * moves as it is (no copy) when that is what objs is, else one enqueue. */
static inline void
nfg_enqueue_all(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t edge,
		uint16_t n)
{
	if (n == 0)
		return;
	if (objs == node->objs && n == node->idx)
		rte_node_next_stream_move(graph, node, edge);
	else
		rte_node_enqueue(graph, node, edge, objs, n);
}

/* Sends objs[i] to output edge[i], i < n, keeping their order: one enqueue
 * per run of packets bound for the same output, and when the node's whole
 * stream goes one way it moves as it is, with no copy (the shape of DPDK's
 * lib/node: decide for the burst first, then hand it on). For outputs that
 * take long runs (a filter's match and nomatch); nfg_enqueue_gathered suits
 * outputs that interleave. */
static inline void
nfg_enqueue_by_edge(struct rte_graph *graph, struct rte_node *node, void **objs,
		    const uint16_t *edge, uint16_t n)
{
	uint16_t start = 0;

	/* All one way is the common case: a branch-free pass finds it. */
	if (nfg_edges_uniform(edge, n)) {
		nfg_enqueue_all(graph, node, objs, n ? edge[0] : 0, n);
		return;
	}
	for (uint16_t i = 1; i <= n; i++) {
		if (i < n && edge[i] == edge[start])
			continue;
		if (i - start == 1)
			rte_node_enqueue_x1(graph, node, edge[start], objs[start]);
		else
			rte_node_enqueue(graph, node, edge[start], &objs[start], i - start);
		start = i;
	}
}

/* Sends objs[i] to output edge[i] (i < n, edge[i] < nb_edges), each next
 * node's packets in their order, written straight into the next nodes'
 * streams: one pass, no enqueue per run, so outputs that interleave packet
 * by packet (a hash split) cost what long runs do. Outputs that lead to the
 * same node share its stream, in arrival order. The whole stream still moves
 * when every packet goes one way; a few packets over many outputs take the
 * runs (setting up every output would cost more than they do). */
static inline void
nfg_enqueue_gathered(struct rte_graph *graph, struct rte_node *node, void **objs,
		     const uint16_t *edge, uint16_t n, uint16_t nb_edges)
{
	void **to[64];
	uint16_t count[64], first_edge[64];
	uint8_t slot_of[64];
	unsigned nb_slots = 0;

	if (nfg_edges_uniform(edge, n)) {
		nfg_enqueue_all(graph, node, objs, n ? edge[0] : 0, n);
		return;
	}
	if (nb_edges > 64 || n < 4u * nb_edges) {
		nfg_enqueue_by_edge(graph, node, objs, edge, n);
		return;
	}
	for (uint16_t e = 0; e < nb_edges; e++) {
		unsigned slot = nb_slots;
		for (uint16_t f = 0; f < e; f++)
			if (node->nodes[f] == node->nodes[e]) {
				slot = slot_of[f];
				break;
			}
		if (slot == nb_slots) {
			/* Room for all n, so no check per packet. */
			to[slot] = rte_node_next_stream_get(graph, node, e, n);
			count[slot] = 0;
			first_edge[slot] = e;
			nb_slots++;
		}
		slot_of[e] = (uint8_t)slot;
	}
	for (uint16_t i = 0; i < n; i++) {
		unsigned slot = slot_of[edge[i]];
		to[slot][count[slot]++] = objs[i];
	}
	for (unsigned slot = 0; slot < nb_slots; slot++)
		rte_node_next_stream_put(graph, node, first_edge[slot], count[slot]);
}

/* Free packets and count them under a drop counter (its name is the reason). */
static inline void
nfg_drop(struct rte_node *node, unsigned counter, struct rte_mbuf **pkts, uint16_t n)
{
	if (n == 0)
		return;
	rte_pktmbuf_free_bulk(pkts, n);
	nfg_count(node, counter, n);
}

/* ---- instance helpers (setup/start/init time, never per packet) -------- */

const char *nfg_instance_name(const struct nfg_instance *inst);
/* The instance's parameters after defaults were filled in and types checked. */
json_t *nfg_param(const struct nfg_instance *inst, const char *name);
int64_t nfg_param_int(const struct nfg_instance *inst, const char *name);
double nfg_param_number(const struct nfg_instance *inst, const char *name);
bool nfg_param_bool(const struct nfg_instance *inst, const char *name);
const char *nfg_param_string(const struct nfg_instance *inst, const char *name);

/* Report a problem with a parameter; `where` is relative to the node
 * ("rules[2].dport"), the message gets the full JSON path. Returns -1. */
int nfg_error(struct nfg_instance *inst, const char *where, const char *fmt, ...)
	__rte_format_printf(3, 4);

/* Dynamic outputs, inputs and counters, declared in setup(). Return the index
 * (edge index for outputs) or -1. */
int nfg_instance_add_output(struct nfg_instance *inst, const char *name);
int nfg_instance_add_input(struct nfg_instance *inst, const char *name);
int nfg_instance_add_counter(struct nfg_instance *inst, const char *name,
			     enum nfg_counter_kind kind);
unsigned nfg_instance_nb_outputs(const struct nfg_instance *inst);
/* For a finite source (an operator with done()): false when its end should
 * not end the run, like a seed that starts packets circulating. */
void nfg_instance_set_ends_run(struct nfg_instance *inst, bool ends_run);

/* Operator-private configuration shared (read-only) by all workers; nfg calls
 * release(config) (free() when NULL) when the graph is freed. */
void nfg_instance_set_config(struct nfg_instance *inst, void *config,
			     void (*release)(void *config));
void *nfg_instance_config(const struct nfg_instance *inst);

/* Extra mbufs the instance may hold at once (hold queues, buffers), so the
 * packet pool is sized for them. */
void nfg_instance_reserve_mbufs(struct nfg_instance *inst, unsigned n);
/* Memory (bytes, all workers together) the instance will rte_malloc, so the
 * EAL gets enough when it runs without hugepages. */
void nfg_instance_reserve_memory(struct nfg_instance *inst, uint64_t bytes);

/* The node of another instance (by JSON name) in the same worker graph. */
struct rte_node *nfg_worker_node(unsigned worker, const char *instance_name);
/* The instance behind a name, or NULL. */
struct nfg_instance *nfg_instance_find(const char *instance_name);
const struct nfg_op *nfg_instance_op(const struct nfg_instance *inst);

/* ---- runtime facts ----------------------------------------------------- */

/* A port of the graph file, after it started. */
#define NFG_PORT_MAX_ADDRS 8
struct nfg_port {
	const char *name;
	uint16_t port_id;
	uint16_t nb_queues;         /* one rx and one tx queue per worker */
	struct rte_ether_addr mac;
	unsigned nb_ipv4;
	uint32_t ipv4[NFG_PORT_MAX_ADDRS];      /* network byte order */
	uint8_t ipv4_prefix[NFG_PORT_MAX_ADDRS];
	uint64_t tx_offloads;       /* offloads enabled on the port */
	int socket;
	struct nfg_port_steer *steer; /* software handoff (port_rx), NULL when not needed */
	/* Last, so that the fields above keep their offsets. */
	unsigned nb_ipv6;
	uint8_t ipv6[NFG_PORT_MAX_ADDRS][16];   /* network byte order */
	uint8_t ipv6_prefix[NFG_PORT_MAX_ADDRS];
	uint16_t mtu;               /* the device's MTU while the run lasts; 0: none
				     * (the in-process wire carries any frame) */
	bool in_process;            /* the in-process wire or loop (net_ring): its
				     * peer is this process, and stops with it */
};

/* The value of a run option that operators may use (NULL when not given):
 * "records" (--records FILE). */
const char *nfg_run_option(const char *name);
/* An output the run was asked for (the --records file) could not be written
 * whole: the operator says why (nfg_node_log) and calls this, and the run
 * ends with exit status 1 instead of leaving a short file behind in silence. */
void nfg_run_output_failed(void);

/* NULL when no such port (or before ports started). */
const struct nfg_port *nfg_port_get(const char *name);
/* True when ip (network byte order) is one of the port's addresses or an
 * address an operator claimed on it (nfg_port_claim, include/nfg/steering.h):
 * what arp answers for. */
bool nfg_port_owns_ipv4(const struct nfg_port *port, uint32_t ip_be);
/* True when ip (16 bytes, network order) is one of the port's IPv6
 * addresses: what nd answers Neighbor Solicitations for. */
bool nfg_port_owns_ipv6(const struct nfg_port *port, const uint8_t ip[16]);
unsigned nfg_worker_count(void);
/* The NUMA socket of the CPU worker `worker` runs on (SOCKET_ID_ANY when it
 * has none): where an operator's per-worker memory belongs, for state whose
 * size .state_size cannot give (it depends on a parameter). */
int nfg_worker_socket(unsigned worker);
/* Cycles a worker has spent so far in walks that moved packets (estimated
 * from the timed walks): what its work cost, idle polling left out. */
uint64_t nfg_worker_busy_cycles(unsigned worker);
struct rte_mempool *nfg_pktmbuf_pool(void);
/* True once the run is stopping. Sources (NFG_OP_SOURCE, except relays) are
 * no longer called then, so they need not ask; an operator that produces from
 * its poll (a TCP client opening connections) asks here and stops opening. */
bool nfg_stopping(void);
/* While stopping, called on the worker by an operator with more to send
 * before it is done (resets for the peers of connections still open, a batch
 * a walk): the worker walks again. Without it the stop's drain is a few
 * hundred walks; with it, up to 2 s. */
void nfg_drain_request(void);
/* A port's tx on this worker keeps frames back because its queue is full
 * (port_tx says so, and asks for a drain walk). While stopping, an operator
 * that sends a batch a walk holds the next one back while this is true of
 * the last walk: the port takes what it can, and nothing is dropped for a
 * queue the peer empties more slowly than the stop fills it. */
void nfg_tx_backlog(void);
bool nfg_tx_backlogged(void);
/* The time timers are kept by, in TSC cycles (rte_get_tsc_hz() a second).
 * On a worker it is read once a walk: the first call in a walk reads the
 * TSC, the rest of the walk and its polls get that value. It is the TSC in a
 * run; unit tests move it forward to make timers fall due without waiting. */
uint64_t nfg_clock(void);
/* For an NFG_OP_POLL_WHEN_ASKED operator, called on the worker: run this
 * node's poll() after the current walk. */
void nfg_node_poll_request(const struct rte_node *node);

#ifdef __cplusplus
}
#endif
#endif
