/* SPDX-License-Identifier: BSD-3-Clause
 *
 * capture: a tap that writes the packets going through it to a pcapng file
 * and passes them on untouched, or frees them ("sink"). The workers only
 * copy and queue; a writer thread does the writing (capture_file.c), so a
 * slow disk never holds up the data path: what finds no room is counted as
 * not_captured and goes on all the same.
 */
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_malloc.h>

#include "builtin.h"
#include "capture_file.h"

enum capture_output { CAPTURE_OUT };
enum capture_counter { CAPTURE_CAPTURED, CAPTURE_NOT_CAPTURED, CAPTURE_CONSUMED };

struct capture_config {
	uint32_t snaplen;
	uint64_t max_packets;     /* 0: no limit */
	bool sink;
	struct capture_file file; /* opened in start */
	/* max_packets: the slots handed out so far, on a cache line of its
	 * own since workers add to it (once per batch, only under the limit) */
	uint8_t pad[RTE_CACHE_LINE_SIZE];
	uint64_t taken;
	uint8_t pad2[RTE_CACHE_LINE_SIZE];
};

struct capture_state {
	struct capture_config *cfg;
	uint32_t queue;           /* the worker, recorded in each packet block */
};

/* How many of n packets may still be captured under max_packets. */
static uint16_t
claim(struct capture_config *cfg, uint16_t n)
{
	uint64_t max = cfg->max_packets;

	if (max == 0)
		return n;
	if (__atomic_load_n(&cfg->taken, __ATOMIC_RELAXED) >= max)
		return 0;
	uint64_t before = __atomic_fetch_add(&cfg->taken, n, __ATOMIC_RELAXED);
	return before >= max ? 0 : (uint16_t)RTE_MIN((uint64_t)n, max - before);
}

static void
capture_batch(struct rte_node *node, const struct capture_state *st, struct rte_mbuf **pkts,
	      uint16_t nb)
{
	struct capture_file *f = &st->cfg->file;
	struct rte_mbuf *copies[CAPTURE_BURST];
	uint64_t ns = capture_file_time(f, rte_rdtsc()); /* one time: the batch came at once */

	for (uint16_t base = 0; base < nb; base += CAPTURE_BURST) {
		uint16_t n = RTE_MIN(nb - base, CAPTURE_BURST), made = 0;
		for (uint16_t i = 0; i < n; i++) {
			copies[made] = capture_file_copy(f, pkts[base + i], st->queue, ns);
			made += copies[made] != NULL;
		}
		unsigned queued = capture_file_enqueue(f, copies, made);
		nfg_count(node, CAPTURE_CAPTURED, queued);
		nfg_count(node, CAPTURE_NOT_CAPTURED, n - queued);
	}
}

static uint16_t
capture_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	const struct capture_state *st = nfg_node_state(node);
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	uint16_t n = claim(st->cfg, nb_objs);

	if (n)
		capture_batch(node, st, pkts, n);
	if (st->cfg->sink) {
		rte_pktmbuf_free_bulk(pkts, nb_objs);
		nfg_count(node, CAPTURE_CONSUMED, nb_objs);
	} else {
		rte_node_next_stream_move(graph, node, CAPTURE_OUT);
	}
	return nb_objs;
}

static int
capture_setup(struct nfg_instance *inst)
{
	struct capture_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return -1;
	nfg_instance_set_config(inst, cfg, NULL);
	cfg->file.fd = -1;
	cfg->snaplen = (uint32_t)nfg_param_int(inst, "snaplen");
	cfg->max_packets = (uint64_t)nfg_param_int(inst, "max_packets");
	cfg->sink = nfg_param_bool(inst, "sink");
	const char *file = nfg_param_string(inst, "file");
	if (file[0] == '\0')
		return nfg_error(inst, "file", "a path for the pcapng file");
	/* What can be judged before the run (nfg check too): the file is made at
	 * start, in a directory that must be there. */
	struct stat st;
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode))
		return nfg_error(inst, "file", "\"%s\" is a directory; expected a file name", file);
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", file);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (slash && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
		return nfg_error(inst, "file", "cannot make \"%s\": no directory %s", file, dir);
	/* The copy buffers (one packet buffer each, with room for the pcapng
	 * block around it, and the mbuf header) and the ring. */
	nfg_instance_reserve_memory(inst, (uint64_t)CAPTURE_POOL *
						  (RTE_MBUF_DEFAULT_BUF_SIZE + 128 +
						   sizeof(struct rte_mbuf)) +
					  CAPTURE_RING * sizeof(void *));
	if (!cfg->sink)
		return nfg_instance_add_output(inst, "out") < 0 ? -1 : 0;
	return nfg_instance_add_counter(inst, "consumed", NFG_CTR_INFO) == CAPTURE_CONSUMED ? 0
											   : -1;
}

static int
capture_start(struct nfg_instance *inst)
{
	struct capture_config *cfg = nfg_instance_config(inst);
	char comment[128], err[512];

	snprintf(comment, sizeof(comment), "nfg capture node %s", nfg_instance_name(inst));
	int rc = capture_file_open(&cfg->file, nfg_param_string(inst, "file"), cfg->snaplen,
				   comment, err, sizeof(err));
	if (rc < 0)
		return nfg_error(inst, rc == CAPTURE_FILE_EPATH ? "file" : NULL, "%s", err);
	return 0;
}

static void
capture_stop(struct nfg_instance *inst)
{
	struct capture_config *cfg = nfg_instance_config(inst);
	int err = capture_file_close(&cfg->file);

	if (err)
		nfg_error(inst, "file", "writing %s failed, the capture is incomplete: %s",
			  nfg_param_string(inst, "file"), strerror(err));
}

static int
capture_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct capture_state *st = nfg_node_state(node);

	st->cfg = nfg_instance_config(inst);
	st->queue = worker;
	return 0;
}

static const struct nfg_param capture_params[] = {
	{ .name = "file", .type = NFG_T_STRING, .doc = "the pcapng file to write (replaced)" },
	{ .name = "snaplen", .type = NFG_T_INT, .def = "65535", .min = 1, .max = 65535,
	  .doc = "bytes kept of each packet" },
	{ .name = "max_packets", .type = NFG_T_INT, .def = "0", .min = 0, .max = 1e15,
	  .doc = "packets to capture in all, then pass the rest uncaptured (0: no limit)" },
	{ .name = "sink", .type = NFG_T_BOOL, .def = "false",
	  .doc = "free the packets after capture (no output)" },
	{ 0 },
};

static const struct nfg_counter capture_counters[] = {
	[CAPTURE_CAPTURED] = { "captured", NFG_CTR_INFO },
	[CAPTURE_NOT_CAPTURED] = { "not_captured", NFG_CTR_INFO },
	{ 0 },
};

static const struct nfg_op capture_op = {
	.outputs_doc = "out (none with \"sink\": true)",
	.api_version = NFG_API_VERSION,
	.name = "capture",
	.summary = "write the packets to a pcapng file, pass them on",
	.doc = "A tap: every packet is copied (up to \"snaplen\" bytes) into the pcapng\n"
	       "file \"file\" and goes on to \"out\" unchanged. A writer thread does the\n"
	       "writing, so the workers never wait for the disk; when it falls behind,\n"
	       "packets pass uncaptured and are counted as not_captured. After\n"
	       "\"max_packets\" packets it stops capturing. With \"sink\": true there is\n"
	       "no output and the packets are freed after capture (counted as consumed).\n"
	       "Each packet is filed under the port it came in on (packets made in the\n"
	       "process, under the first port; with no port, under one named \"nfg\").\n"
	       "Frames longer than one packet buffer (2 KB) are kept cut to it.\n"
	       "Read the file with tshark -r FILE or wireshark.",
	.input_doc = "any packets",
	.example = "\"tap\": {\"op\": \"capture\", \"file\": \"/tmp/wan.pcapng\", \"snaplen\": 128}",
	.params = capture_params,
	.counters = capture_counters,
	.setup = capture_setup,
	.start = capture_start,
	.state_size = sizeof(struct capture_state),
	.init = capture_init,
	.process = capture_process,
	.stop = capture_stop,
};

NFG_OPERATOR_REGISTER(capture_op);
