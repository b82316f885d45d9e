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
 *  - --file-prefix=nfg-<graph name>-<pid>, so any two runs coexist (two of
 *    the same graph too: with one prefix the second would fail, or attach to
 *    the first as a secondary). The run's "running" line names it for
 *    dpdk-telemetry.py -f. What such a prefix leaves in the runtime directory
 *    and in hugetlbfs is removed at exit, and what a killed run left (its
 *    process gone, nothing locked) at the start of any later run;
 *  - DPDK's log at warning level.
 * Each is skipped when the graph's "eal" list or the arguments after `--`
 * already say something about it; the command line comes last and wins.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

/* ---- the prefix nfg makes up, and what it leaves behind --------------- */

/* nfg-<graph>-<pid> when nfg chose the prefix, else empty. */
static char own_prefix[128];

/* Where DPDK puts <prefix>/ (eal_create_runtime_dir does the same). */
static void
runtime_base(char *buf, size_t len)
{
	const char *dir = getenv("RUNTIME_DIRECTORY");

	if (!dir)
		dir = getuid() == 0 ? "/var/run" : getenv("XDG_RUNTIME_DIR") ? : "/tmp";
	snprintf(buf, len, "%s/dpdk", dir);
}

/* The pid of a prefix nfg made up ("nfg-NAME-PID", the first `len` bytes of
 * `name`), or 0 when it is not one. */
static pid_t
own_prefix_pid(const char *name, size_t len)
{
	size_t d = len;

	if (len < 6 || strncmp(name, "nfg-", 4) != 0)
		return 0;
	while (d > 4 && isdigit((unsigned char)name[d - 1]))
		d--;
	if (d == len || d <= 5 || name[d - 1] != '-')
		return 0;
	long pid = strtol(name + d, NULL, 10);
	return pid > 0 && pid <= INT_MAX ? (pid_t)pid : 0;
}

static bool
process_gone(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* Unlinks <mount>/<prefix>map_* in every hugetlbfs mount: our own prefix's
 * (`prefix`, at exit: its memory is unmapped by then, though DPDK may still
 * hold the files open), or (NULL) those of made-up prefixes whose process is
 * gone and that nobody holds (DPDK keeps a shared flock on pages it maps). */
static void
remove_hugepage_files(const char *prefix)
{
	char line[512], mnt[PATH_MAX], path[PATH_MAX * 2];
	FILE *m = fopen("/proc/mounts", "r");

	while (m && fgets(line, sizeof(line), m)) {
		if (sscanf(line, "%*s %4095s hugetlbfs", mnt) != 1 || !strstr(line, " hugetlbfs "))
			continue;
		DIR *dir = opendir(mnt);
		struct dirent *de;
		while (dir && (de = readdir(dir)) != NULL) {
			const char *map = strstr(de->d_name, "map_");
			if (!map)
				continue;
			size_t len = (size_t)(map - de->d_name);
			if (prefix ? strlen(prefix) != len || strncmp(de->d_name, prefix, len) != 0
				   : own_prefix_pid(de->d_name, len) == 0 ||
					     !process_gone(own_prefix_pid(de->d_name, len)))
				continue;
			snprintf(path, sizeof(path), "%s/%s", mnt, de->d_name);
			if (prefix) {
				unlink(path);
				continue;
			}
			int fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			if (flock(fd, LOCK_EX | LOCK_NB) == 0)
				unlink(path);
			close(fd);
		}
		if (dir)
			closedir(dir);
	}
	if (m)
		fclose(m);
}

/* Removes a prefix's runtime directory (config, fbarrays, sockets) unless
 * a process still holds its config. */
static void
remove_runtime_dir(const char *dirpath)
{
	char path[PATH_MAX * 2];
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	snprintf(path, sizeof(path), "%s/config", dirpath);
	int fd = open(path, O_RDONLY);
	if (fd >= 0) {
		bool held = fcntl(fd, F_GETLK, &lk) == 0 && lk.l_type != F_UNLCK;
		close(fd);
		if (held)
			return;
	}
	DIR *dir = opendir(dirpath);
	struct dirent *de;
	while (dir && (de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirpath, de->d_name);
		unlink(path);
	}
	if (dir)
		closedir(dir);
	rmdir(dirpath);
}

/* What runs under made-up prefixes left when they were killed: a unique
 * prefix is never reused, so DPDK would not clean it up by itself (and the
 * hugepages they hold would send every later run to --no-huge). */
static void
sweep_dead_prefixes(void)
{
	char base[PATH_MAX], path[PATH_MAX * 2];
	DIR *dir;
	struct dirent *de;

	runtime_base(base, sizeof(base));
	dir = opendir(base);
	while (dir && (de = readdir(dir)) != NULL) {
		pid_t pid = own_prefix_pid(de->d_name, strlen(de->d_name));
		if (pid == 0 || !process_gone(pid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
		remove_runtime_dir(path);
	}
	if (dir)
		closedir(dir);
	remove_hugepage_files(NULL);
}

/* The CPUs nfg picked for the workers (none when the user did), published
 * for later runs once EAL is up (cpus.c). */
static int worker_cpus[NFG_MAX_WORKERS];
static unsigned nb_worker_cpus;

/* Worker i on the graph's lcores[i], else on CPU i+1 (CPU 0 keeps the main
 * lcore, which mostly sleeps) or, when another nfg run's worker polls that
 * one, the next free CPU; shared only when none is free, with a warning. */
static void
choose_worker_cpus(const struct nfg_graph *g, unsigned ncpu)
{
	bool *taken = calloc(ncpu, sizeof(bool));
	int *who = calloc(ncpu, sizeof(int));
	bool warned = false;

	if (taken && who)
		nfg_cpus_taken(taken, ncpu, who);
	for (unsigned w = 0; w < g->nb_workers && w < NFG_MAX_WORKERS; w++) {
		int cpu = g->lcores[w];
		if (cpu < 0) {
			cpu = (int)((w + 1) % ncpu);
			for (unsigned k = 0; taken && k < ncpu; k++) {
				unsigned c = (w + 1 + k) % ncpu;
				if (!taken[c]) {
					cpu = (int)c;
					break;
				}
			}
		}
		if (taken && who && (unsigned)cpu < ncpu && taken[cpu] && !warned) {
			if (who[cpu] > 0)
				nfg_log("CPU %d is polled by the worker of another nfg run (pid %d) "
					"too: both run far slower; give each run its own CPUs with "
					"-- --lcores or \"lcores\" in the graph", cpu, who[cpu]);
			else /* one of this run's own workers took it (more workers than free CPUs) */
				nfg_log("CPU %d polls for two of this run's workers: they run far "
					"slower; give each worker its own CPU (%u workers, %u CPUs "
					"here)", cpu, g->nb_workers, ncpu);
			warned = true;
		}
		if (taken && (unsigned)cpu < ncpu) {
			taken[cpu] = true;
			if (who)
				who[cpu] = 0; /* ours */
		}
		worker_cpus[nb_worker_cpus++] = cpu;
	}
	free(taken);
	free(who);
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
	nb_worker_cpus = 0;
	if (!user_lcores) {
		char map[1024];
		size_t len = (size_t)snprintf(map, sizeof(map), "--lcores=0@0");
		choose_worker_cpus(g, (unsigned)ncpu);
		for (unsigned w = 0; w < g->nb_workers && len < sizeof(map); w++)
			len += (size_t)snprintf(map + len, sizeof(map) - len, ",%u@%d", w + 1,
						worker_cpus[w]);
		push(&b, "%s", map);
	}
	own_prefix[0] = '\0';
	if (!user_prefix) {
		snprintf(own_prefix, sizeof(own_prefix), "nfg-%s-%d", g->name, (int)getpid());
		push(&b, "--file-prefix=%s", own_prefix);
	}
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
static char own_runtime_dir[PATH_MAX];

/* A graph whose operators reserve more than the machine has would start
 * without hugepages and grow until the kernel kills something: refuse it,
 * naming the node that asks for the most. */
static int
check_memory(const struct nfg_graph *g, unsigned mbufs)
{
	unsigned long need = needed_mb(g, mbufs);
	unsigned long total = (unsigned long)((uint64_t)sysconf(_SC_PHYS_PAGES) *
					      (uint64_t)sysconf(_SC_PAGESIZE) >> 20);
	const struct nfg_instance *big = NULL;

	if (total == 0 || need <= total)
		return 0;
	for (unsigned i = 0; i < g->nb_instances; i++)
		if (!big || g->instances[i]->reserved_memory > big->reserved_memory)
			big = g->instances[i];
	nfg_log_err("the graph needs about %lu MB and this machine has %lu MB; node \"%s\" "
		    "alone reserves %lu MB for its tables and buffers (lower its sizes: "
		    "connections, buffers, records; see nfg ops %s)", need, total,
		    big ? big->name : "?", big ? (unsigned long)(big->reserved_memory >> 20) : 0ul,
		    big && big->op ? big->op->name : "OPERATOR");
	return -1;
}

/* The graph's "lcores" are CPUs this process may run on: said here, not by
 * EAL (which prints its whole usage for a CPU it cannot have). */
static int
check_lcores(const struct nfg_graph *g)
{
	cpu_set_t mine;
	char list[256] = "";
	size_t len = 0;

	if (sched_getaffinity(0, sizeof(mine), &mine) != 0)
		return 0; /* EAL will say */
	for (int c = 0; c < CPU_SETSIZE && len < sizeof(list) - 16; c++)
		if (CPU_ISSET(c, &mine))
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%d", len ? "," : "", c);
	for (unsigned w = 0; w < g->nb_workers && w < NFG_MAX_WORKERS; w++) {
		int cpu = g->lcores[w];
		if (cpu >= 0 && (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &mine))) {
			nfg_log_err("lcores: CPU %d is not one this process may run on (CPUs here: %s)",
				    cpu, list);
			return -1;
		}
	}
	return 0;
}

int
nfg_eal_start(struct nfg_graph *g, const struct nfg_run_options *o, unsigned mbufs)
{
	if (check_lcores(g) < 0 || check_memory(g, mbufs) < 0)
		return -1;
	/* First, so that the hugepages killed runs held count as free. */
	sweep_dead_prefixes();
	eal_argc = nfg_eal_build_args(g, o->eal_args, o->nb_eal_args, mbufs, &eal_argv);
	for (int i = 1; i < eal_argc; i++)
		if (strcmp(eal_argv[i], "--no-huge") == 0 && i + 2 < eal_argc &&
		    strcmp(eal_argv[i + 1], "-m") == 0)
			nfg_log("no free hugepages: running with --no-huge -m %s", eal_argv[i + 2]);
	if (own_prefix[0]) {
		char base[PATH_MAX];
		runtime_base(base, sizeof(base));
		snprintf(own_runtime_dir, sizeof(own_runtime_dir), "%s/%s", base, own_prefix);
	}

	/* rte_eal_init permutes and may keep pointers into argv: give it a copy
	 * and keep ours for freeing. */
	char **argv_copy = calloc((size_t)eal_argc + 1, sizeof(char *));
	memcpy(argv_copy, eal_argv, (size_t)eal_argc * sizeof(char *));
	int rc = rte_eal_init(eal_argc, argv_copy);
	free(argv_copy);
	if (rc < 0) {
		/* EAL leaves rte_errno at 0 for some failures (a prefix another
		 * primary holds): then its own lines above say why. */
		if (rte_errno)
			nfg_log_err("DPDK EAL did not start: %s", rte_strerror(rte_errno));
		else
			nfg_log_err("DPDK EAL did not start (its messages above say why)");
		fprintf(stderr, "nfg: EAL arguments were:");
		for (int i = 1; i < eal_argc; i++)
			fprintf(stderr, " %s", eal_argv[i]);
		fprintf(stderr, "\n");
		return -1;
	}
	eal_started = true;
	nfg_cpus_publish(worker_cpus, nb_worker_cpus);
	if (own_prefix[0]) /* DPDK's own idea of it, should RUNTIME_DIRECTORY & co. differ */
		snprintf(own_runtime_dir, sizeof(own_runtime_dir), "%s", rte_eal_get_runtime_dir());
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
	nfg_cpus_withdraw();
	if (eal_started)
		rte_eal_cleanup(); /* unmaps the hugepages, but leaves their files */
	eal_started = false;
	/* A made-up prefix is never used again: nothing of it should stay. An
	 * explicit one is the user's, and DPDK reuses or clears it next time. */
	if (own_prefix[0]) {
		remove_hugepage_files(own_prefix);
		if (own_runtime_dir[0])
			remove_runtime_dir(own_runtime_dir);
		own_prefix[0] = own_runtime_dir[0] = '\0';
	}
	for (int i = 0; i < eal_argc; i++)
		free(eal_argv[i]);
	free(eal_argv);
	eal_argv = NULL;
	eal_argc = 0;
}
