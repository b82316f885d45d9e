/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Which CPUs the workers of other nfg runs poll. A worker spins on its CPU;
 * two of them on one CPU share it by the scheduler's slices, and a client
 * and a server that talk through each other slow to a crawl (8 ms a segment
 * instead of microseconds). So each run that starts workers leaves a note,
 * CPUS_DIR/PID, with their CPUs, and a run choosing CPUs itself (no "lcores"
 * in the graph, no --lcores) avoids the CPUs of live runs, and says so when
 * it cannot. Notes of processes that are gone are ignored and removed.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

#define CPUS_DIR "/var/run/nfg"

static char own_note[64];

static bool
alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

void
nfg_cpus_taken(bool *taken, unsigned ncpu, int *who)
{
	DIR *dir = opendir(CPUS_DIR);
	struct dirent *de;

	memset(taken, 0, ncpu * sizeof(*taken));
	if (!dir)
		return;
	while ((de = readdir(dir)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		char path[PATH_MAX];
		if (*end || pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "%s/%s", CPUS_DIR, de->d_name);
		if (!alive((pid_t)pid)) {
			unlink(path);
			continue;
		}
		FILE *f = fopen(path, "r");
		int cpu;
		while (f && fscanf(f, "%d", &cpu) == 1)
			if (cpu >= 0 && (unsigned)cpu < ncpu) {
				taken[cpu] = true;
				who[cpu] = (int)pid;
			}
		if (f)
			fclose(f);
	}
	closedir(dir);
}

void
nfg_cpus_publish(const int *cpus, unsigned n)
{
	char tmp[80];

	if (n == 0 || (mkdir(CPUS_DIR, 0755) != 0 && errno != EEXIST))
		return;
	snprintf(own_note, sizeof(own_note), "%s/%d", CPUS_DIR, (int)getpid());
	snprintf(tmp, sizeof(tmp), "%s.tmp", own_note);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%d\n", cpus[i]);
	/* Whole or not at all: another run may read it now. */
	if (fclose(f) != 0 || rename(tmp, own_note) != 0) {
		unlink(tmp);
		own_note[0] = '\0';
	}
}

void
nfg_cpus_withdraw(void)
{
	if (own_note[0])
		unlink(own_note);
	own_note[0] = '\0';
}
