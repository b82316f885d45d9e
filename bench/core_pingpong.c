/* SPDX-License-Identifier: BSD-3-Clause
 *
 * How far apart two CPUs are: a cache line bounced between a thread on each,
 * in TSC cycles per round trip. The memif rows move every frame between two
 * CPUs, so what they cost depends on this as much as on nfg: on a shared
 * host the two vCPUs sit sometimes on one core complex (a round trip of a
 * couple of hundred cycles) and sometimes on two (several times that), and
 * a benchmark run says which it met beside its figures.
 *
 * usage: core_pingpong CPU_A CPU_B; prints the median of 9 rounds.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <x86intrin.h>

#define ROUND_TRIPS 200000
#define ROUNDS 9

static volatile uint64_t ball __attribute__((aligned(64)));

static int
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* The other side: returns every odd value as the next even one. */
static void *
bounce(void *arg)
{
	pin(*(int *)arg); /* unpinned it still answers, only not from where asked */
	for (uint64_t i = 1; i <= (uint64_t)ROUND_TRIPS * ROUNDS; i++) {
		while (ball != 2 * i - 1)
			;
		ball = 2 * i;
	}
	return NULL;
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: core_pingpong CPU_A CPU_B\n");
		return 2;
	}
	int a = atoi(argv[1]), b = atoi(argv[2]);
	pthread_t t;
	double cycles[ROUNDS];

	if (pin(a) != 0 || pthread_create(&t, NULL, bounce, &b) != 0) {
		fprintf(stderr, "core_pingpong: cannot run on CPUs %d and %d\n", a, b);
		return 1;
	}
	uint64_t n = 0;
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t start = __rdtsc();
		for (int i = 0; i < ROUND_TRIPS; i++) {
			n++;
			ball = 2 * n - 1;
			while (ball != 2 * n)
				;
		}
		cycles[r] = (double)(__rdtsc() - start) / ROUND_TRIPS;
	}
	pthread_join(t, NULL);
	qsort(cycles, ROUNDS, sizeof(cycles[0]), by_value);
	printf("%.0f\n", cycles[ROUNDS / 2]);
	return 0;
}
