/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The connection table (nf/tuple_table.h) against a plain model: random
 * adds, deletes and lookups of 4-tuples in a table small enough that runs of
 * cells collide and wrap around its end, and a full table refusing adds.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "../../nf/tuple_table.h"

#define SLOTS 24
#define TUPLES 64

START_TEST(table_agrees_with_a_model)
{
	struct tuple_table t;
	struct tcp_conn conns[SLOTS];
	int slot_of[TUPLES];          /* the model: tuple -> slot, -1: absent */
	int tuple_in[SLOTS];          /* slot -> tuple, -1: free */
	unsigned refused = 0;

	harness_eal_init();
	ck_assert_int_eq(tuple_table_init(&t, SLOTS, SOCKET_ID_ANY), 0);
	ck_assert_uint_eq(t.mask + 1, 64);
	memset(conns, 0, sizeof(conns));
	for (unsigned i = 0; i < TUPLES; i++)
		slot_of[i] = -1;
	for (unsigned i = 0; i < SLOTS; i++)
		tuple_in[i] = -1;
	srand(11);
	for (unsigned step = 0; step < 200000; step++) {
		unsigned k = (unsigned)rand() % TUPLES;
		uint32_t rip = 0x0a000001 + k % 5, lip = 0x0a0000fe;
		uint16_t rport = (uint16_t)(1000 + k / 5), lport = 80;
		uint32_t h = tuple_table_hash(&t, rip, lip, rport, lport);
		uint32_t got = tuple_table_lookup(&t, h, conns, rip, lip, rport, lport);

		ck_assert_msg(got == (slot_of[k] < 0 ? TUPLE_NONE : (uint32_t)slot_of[k]),
			      "step %u tuple %u: table %u, model %d", step, k, got, slot_of[k]);
		if (slot_of[k] >= 0) {
			if (rand() % 2) { /* the connection ends */
				tuple_table_del(&t, h, (uint32_t)slot_of[k]);
				tuple_in[slot_of[k]] = -1;
				conns[slot_of[k]].remote_ip = 0;
				slot_of[k] = -1;
			}
			continue;
		}
		int free_slot = -1;
		for (int s = 0; s < SLOTS && free_slot < 0; s++)
			if (tuple_in[s] < 0)
				free_slot = s;
		if (free_slot < 0)
			continue;
		if (tuple_table_add(&t, h, (uint32_t)free_slot) < 0) {
			refused++; /* half of the cells used: full */
			ck_assert_uint_ge(t.used, (t.mask + 1) / 2);
			continue;
		}
		conns[free_slot] = (struct tcp_conn){ .remote_ip = rip, .local_ip = lip,
						      .remote_port = rport, .local_port = lport };
		tuple_in[free_slot] = (int)k;
		slot_of[k] = free_slot;
	}
	unsigned used = 0;
	for (unsigned i = 0; i < TUPLES; i++)
		used += slot_of[i] >= 0;
	ck_assert_uint_eq(t.used, used);
	ck_assert_uint_eq(refused, 0); /* 24 slots never fill 32 cells */
	tuple_table_free(&t);
}
END_TEST

TEST_SUITE(tuple_table_suite)
static Suite *
tuple_table_suite(void)
{
	Suite *s = suite_create("tuple_table");
	TCase *tc = tcase_create("tuple_table");

	tcase_add_test(tc, table_agrees_with_a_model);
	suite_add_tcase(s, tc);
	return s;
}
