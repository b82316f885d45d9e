/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "tuple_table.h"

static uint32_t
cells_for(uint32_t capacity)
{
	/* At most half full: runs stay a few cells long. */
	return rte_align32pow2(RTE_MAX(capacity, 4u) * 2);
}

uint64_t
tuple_table_memory(uint32_t capacity)
{
	return (uint64_t)cells_for(capacity) * sizeof(uint64_t) + RTE_CACHE_LINE_SIZE;
}

int
tuple_table_init(struct tuple_table *t, uint32_t capacity, int socket)
{
	uint32_t n = cells_for(capacity);

	memset(t, 0, sizeof(*t));
	t->cells = rte_zmalloc_socket("tuple_table", (size_t)n * sizeof(uint64_t),
				      RTE_CACHE_LINE_SIZE, socket);
	if (!t->cells)
		return -1;
	t->mask = n - 1;
	t->key[0] = rte_rand();
	t->key[1] = rte_rand();
	return 0;
}

void
tuple_table_free(struct tuple_table *t)
{
	rte_free(t->cells);
	t->cells = NULL;
}

void
tuple_table_del(struct tuple_table *t, uint32_t hash, uint32_t slot)
{
	uint64_t want = (uint64_t)(slot + 1) << 32 | hash;
	uint32_t hole = hash & t->mask;

	while (t->cells[hole] != want) {
		if (t->cells[hole] == 0)
			return;
		hole = (hole + 1) & t->mask;
	}
	/* Move back every later cell of the run that may live in the hole: one
	 * whose home is not cyclically within (hole, j]. */
	for (uint32_t j = (hole + 1) & t->mask; t->cells[j] != 0; j = (j + 1) & t->mask) {
		uint32_t home = (uint32_t)t->cells[j] & t->mask;
		bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
		if (!stays) {
			t->cells[hole] = t->cells[j];
			hole = j;
		}
	}
	t->cells[hole] = 0;
	t->used--;
}
