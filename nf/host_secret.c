/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The boot's key for TCP's initial sequence numbers and timestamps
 * (host_secret.h): read from /var/run/nfg, or made there once. A new key is
 * written to a file of this process's own and linked into place, so two
 * processes starting at once both end up with the one that got there first,
 * never with half of one.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_random.h>

#include "host_secret.h"

#define KEY_DIR "/var/run/nfg" /* beside the runs' CPU files (runtime/cpus.c) */
#define KEY_FILE KEY_DIR "/tcp-key"

static bool
read_key(uint64_t key[2])
{
	int fd = open(KEY_FILE, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	uint64_t got[2];
	ssize_t n = read(fd, got, sizeof(got));
	close(fd);
	if (n != (ssize_t)sizeof(got) || (got[0] | got[1]) == 0)
		return false; /* (a half-written file is never in place: see make_key) */
	key[0] = got[0];
	key[1] = got[1];
	return true;
}

/* A fresh key into place; false when another process's got there first or
 * the directory cannot be written. */
static bool
make_key(const uint64_t key[2])
{
	char tmp[64];

	if (mkdir(KEY_DIR, 0700) != 0 && errno != EEXIST)
		return false;
	snprintf(tmp, sizeof(tmp), KEY_FILE ".%d", (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	bool written = write(fd, key, 2 * sizeof(key[0])) == (ssize_t)(2 * sizeof(key[0]));
	close(fd);
	bool placed = written && link(tmp, KEY_FILE) == 0;
	unlink(tmp);
	return placed;
}

/* First called by an engine's init on the main lcore (the timestamp base),
 * so workers that ask later only copy what is kept. */
void
nfg_host_secret(uint64_t key[2])
{
	static uint64_t kept[2];

	if ((kept[0] | kept[1]) == 0 && !read_key(kept)) {
		uint64_t fresh[2] = { rte_rand() | 1, rte_rand() };
		if (!make_key(fresh) && !read_key(kept)) {
			kept[0] = fresh[0]; /* nowhere to keep it: this process's own */
			kept[1] = fresh[1];
		} else if ((kept[0] | kept[1]) == 0) {
			kept[0] = fresh[0];
			kept[1] = fresh[1];
		}
	}
	key[0] = kept[0];
	key[1] = kept[1];
}

uint64_t
nfg_host_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
