/* SPDX-License-Identifier: BSD-3-Clause
 *
 * EAL start. nfg picks arguments that make a run work on a plain machine and
 * stay out of the way of everything else on it:
 *  - lcores: the main lcore only watches (progress, signals); worker i runs
 *    on lcore i+1, pinned to the graph's "lcores" or spread over the CPUs;
 *  - --no-pci unless the graph names PCI ports (then -a for each), so a run
 *    never grabs the machine's own NIC;
 *  - --no-huge with enough -m when no hugepages can be had, with one line
 *    saying so;
 *  - --file-prefix=nfg-<graph name>, so runs of different graphs coexist;
 *  - DPDK's log at warning level.
 * Each is skipped when the graph's "eal" list or the arguments after `--`
 * already say something about it; the command line comes last and wins.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "runtime.h"

static bool
has_option(char **args, unsigned n, const char *const *names)
{
	for (unsigned i = 0; i < n; i++)
		for (const char *const *o = names; *o; o++) {
			size_t len = strlen(*o);
			if (strncmp(args[i], *o, len) == 0 &&
			    (args[i][len] == '\0' || args[i][len] == '='))
				return true;
		}
	return false;
}

/* Free hugepage memory in MB, 0 when none is mounted or free. */
static unsigned long
free_hugepage_mb(void)
{
	unsigned long free_pages = 0, page_kb = 0;
	char line[256];
	bool mounted = false;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Free: %lu", &free_pages);
		sscanf(line, "Hugepagesize: %lu kB", &page_kb);
	}
	fclose(f);
	f = fopen("/proc/mounts", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		mounted |= strstr(line, " hugetlbfs ") != NULL;
	fclose(f);
	return mounted ? free_pages * page_kb / 1024 : 0;
}

/* Memory the run needs: the packet pool plus room for rings, graphs and the
 * operators' own tables. */
static unsigned long
needed_mb(const struct nfg_graph *g, unsigned mbufs)
{
	unsigned long pool = (unsigned long)mbufs * (RTE_MBUF_DEFAULT_BUF_SIZE + 256) >> 20;
	unsigned long ops = 0;

	for (unsigned i = 0; i < g->nb_instances; i++)
		ops += g->instances[i]->reserved_memory >> 20;
	return pool + ops + ops / 8 + 256 + 32ul * g->nb_workers;
}

struct argv_builder {
	char **v;
	unsigned n;
};

static void
push(struct argv_builder *b, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	b->v = realloc(b->v, (b->n + 2) * sizeof(char *));
	b->v[b->n++] = strdup(buf);
	b->v[b->n] = NULL;
}

int
nfg_eal_build_args(const struct nfg_graph *g, char **extra, unsigned nb_extra, unsigned mbufs,
		   char ***argv_out)
{
	static const char *const lcore_opts[] = { "-l", "-c", "--lcores", NULL };
	static const char *const prefix_opts[] = { "--file-prefix", "--in-memory", NULL };
	static const char *const pci_opts[] = { "-a", "--allow", "-b", "--block", "--no-pci", NULL };
	static const char *const mem_opts[] = { "--no-huge", "-m", "--socket-mem", NULL };
	static const char *const log_opts[] = { "--log-level", NULL };
	struct argv_builder b = { 0 };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	bool user_lcores, user_prefix, user_pci, user_mem, user_log;

	if (ncpu < 1)
		ncpu = 1;
	user_lcores = has_option(g->eal_args, g->nb_eal_args, lcore_opts) ||
		      has_option(extra, nb_extra, lcore_opts);
	user_prefix = has_option(g->eal_args, g->nb_eal_args, prefix_opts) ||
		      has_option(extra, nb_extra, prefix_opts);
	user_pci = has_option(g->eal_args, g->nb_eal_args, pci_opts) ||
		   has_option(extra, nb_extra, pci_opts);
	user_mem = has_option(g->eal_args, g->nb_eal_args, mem_opts) ||
		   has_option(extra, nb_extra, mem_opts);
	user_log = has_option(g->eal_args, g->nb_eal_args, log_opts) ||
		   has_option(extra, nb_extra, log_opts);

	push(&b, "nfg");
	if (!user_lcores) {
		char map[1024];
		size_t len = (size_t)snprintf(map, sizeof(map), "--lcores=0@0");
		for (unsigned w = 0; w < g->nb_workers && len < sizeof(map); w++) {
			int cpu = g->lcores[w] >= 0 ? g->lcores[w] : (int)((w + 1) % (unsigned)ncpu);
			len += (size_t)snprintf(map + len, sizeof(map) - len, ",%u@%d", w + 1, cpu);
		}
		push(&b, "%s", map);
	}
	if (!user_prefix)
		push(&b, "--file-prefix=nfg-%s", g->name);
	if (!user_pci) {
		bool any_pci = false;
		for (unsigned i = 0; i < g->nb_ports; i++) {
			if (g->ports[i].kind == NFG_PORT_PCI) {
				push(&b, "-a");
				push(&b, "%s", g->ports[i].device);
				any_pci = true;
			}
		}
		if (!any_pci)
			push(&b, "--no-pci");
	}
	if (!user_mem) {
		unsigned long need = needed_mb(g, mbufs), have = free_hugepage_mb();
		if (have < need) {
			push(&b, "--no-huge");
			push(&b, "-m");
			push(&b, "%lu", need);
		}
	}
	if (!user_log) {
		push(&b, "--log-level=warning");
		push(&b, "--log-level=lib.telemetry:error");
	}
	for (unsigned i = 0; i < g->nb_eal_args; i++)
		push(&b, "%s", g->eal_args[i]);
	for (unsigned i = 0; i < nb_extra; i++)
		push(&b, "%s", extra[i]);
	*argv_out = b.v;
	return (int)b.n;
}

static char **eal_argv;
static int eal_argc;
static bool eal_started;

int
nfg_eal_start(struct nfg_graph *g, const struct nfg_run_options *o, unsigned mbufs)
{
	eal_argc = nfg_eal_build_args(g, o->eal_args, o->nb_eal_args, mbufs, &eal_argv);
	for (int i = 1; i < eal_argc; i++)
		if (strcmp(eal_argv[i], "--no-huge") == 0 && i + 2 < eal_argc &&
		    strcmp(eal_argv[i + 1], "-m") == 0)
			nfg_log("no free hugepages: running with --no-huge -m %s", eal_argv[i + 2]);

	/* rte_eal_init permutes and may keep pointers into argv: give it a copy
	 * and keep ours for freeing. */
	char **argv_copy = calloc((size_t)eal_argc + 1, sizeof(char *));
	memcpy(argv_copy, eal_argv, (size_t)eal_argc * sizeof(char *));
	int rc = rte_eal_init(eal_argc, argv_copy);
	free(argv_copy);
	if (rc < 0) {
		nfg_log_err("DPDK EAL did not start: %s", rte_strerror(rte_errno));
		fprintf(stderr, "nfg: EAL arguments were:");
		for (int i = 1; i < eal_argc; i++)
			fprintf(stderr, " %s", eal_argv[i]);
		fprintf(stderr, "\n");
		return -1;
	}
	eal_started = true;
	if (rte_lcore_count() < g->nb_workers + 1) {
		nfg_log_err("EAL has %u lcores; the graph needs %u workers plus the main lcore",
			    rte_lcore_count(), g->nb_workers);
		return -1;
	}
	return 0;
}

void
nfg_eal_stop(void)
{
	if (eal_started)
		rte_eal_cleanup();
	eal_started = false;
	for (int i = 0; i < eal_argc; i++)
		free(eal_argv[i]);
	free(eal_argv);
	eal_argv = NULL;
	eal_argc = 0;
}
