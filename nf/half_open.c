/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_malloc.h>

#include "half_open.h"

int
half_open_init(struct half_open *ho, uint32_t nb_conns, int socket)
{
	ho->next = rte_malloc_socket("half_open", nb_conns * sizeof(uint32_t), 0, socket);
	ho->prev = rte_malloc_socket("half_open", nb_conns * sizeof(uint32_t), 0, socket);
	if (!ho->next || !ho->prev) {
		half_open_free(ho);
		return -1;
	}
	for (uint32_t i = 0; i < nb_conns; i++)
		ho->prev[i] = i;
	ho->head = ho->tail = HALF_OPEN_NONE;
	ho->count = 0;
	return 0;
}

void
half_open_free(struct half_open *ho)
{
	rte_free(ho->next);
	rte_free(ho->prev);
	ho->next = ho->prev = NULL;
}

void
half_open_add(struct half_open *ho, uint32_t idx)
{
	ho->next[idx] = HALF_OPEN_NONE;
	ho->prev[idx] = ho->tail;
	if (ho->tail == HALF_OPEN_NONE)
		ho->head = idx;
	else
		ho->next[ho->tail] = idx;
	ho->tail = idx;
	ho->count++;
}

void
half_open_remove(struct half_open *ho, uint32_t idx)
{
	uint32_t prev = ho->prev[idx], next;

	if (prev == idx)
		return;
	next = ho->next[idx];
	if (prev == HALF_OPEN_NONE)
		ho->head = next;
	else
		ho->next[prev] = next;
	if (next == HALF_OPEN_NONE)
		ho->tail = prev;
	else
		ho->prev[next] = prev;
	ho->prev[idx] = idx;
	ho->count--;
}
