/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The TIME_WAIT store (nf/time_wait.h) against a plain model: random adds,
 * finds, early removals and expiries, with a ring small enough to fill and
 * wrap many times; the clock crosses 2^32 microseconds on the way, and the
 * ring positions 2^32.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "../../nf/time_wait.h"

#define CAP 64
#define TUPLES 200

struct model {
	bool in;
	uint32_t expire, rcv_nxt;
	uint32_t pos; /* arrival order */
};

START_TEST(time_wait_agrees_with_a_model)
{
	struct time_wait t;
	struct model m[TUPLES];
	uint32_t now = UINT32_MAX - 5000000, arrivals = 0;
	unsigned recycled = 0;

	ck_assert_int_eq(time_wait_init(&t, CAP, 1000, SOCKET_ID_ANY), 0);
	/* Ring positions wrap past 2^32 on the way too: the chains' empty value
	 * (2^32 - 1) and links from before the wrap then name positions the
	 * ring holds again. */
	t.head = t.tail = UINT32_MAX - 10000;
	memset(m, 0, sizeof(m));
	srand(7);
	for (unsigned step = 0; step < 200000; step++) {
		uint32_t k = (uint32_t)rand() % TUPLES;
		uint32_t rip = 0x0a000000 + k, lip = 0x0a0000ff;
		uint16_t rport = (uint16_t)(1000 + k % 7), lport = 80;
		struct tw_entry *e = time_wait_find(&t, rip, lip, rport, lport);

		ck_assert_msg(!!e == m[k].in, "step %u tuple %u: found %d, model %d", step, k,
			      !!e, m[k].in);
		if (e)
			ck_assert_uint_eq(e->rcv_nxt, m[k].rcv_nxt);
		switch (rand() % 4) {
		case 0: /* a connection of this tuple closes */
			if (m[k].in)
				break;
			/* A full ring (removed entries hold their place until
			 * they reach the head) gives up its oldest arrival. */
			if (!time_wait_add(&t, rip, lip, rport, lport, step, step + 1, now))
				recycled++;
			m[k] = (struct model){ true, now + 1000, step, arrivals++ };
			break;
		case 1: /* a new incarnation */
			if (e) {
				time_wait_remove(&t, e);
				m[k].in = false;
			}
			break;
		case 2: /* time passes */
			now += (uint32_t)rand() % 50;
			time_wait_expire(&t, now, 1000);
			for (unsigned i = 0; i < TUPLES; i++)
				if (m[i].in && (int32_t)(m[i].expire - now) <= 0)
					m[i].in = false;
			break;
		default:
			break;
		}
		/* Entries the ring gave up early: the model drops whatever the store
		 * no longer has, but only ever the oldest arrivals. */
		uint32_t newest_gone = 0;
		for (unsigned i = 0; i < TUPLES; i++) {
			if (!m[i].in)
				continue;
			struct tw_entry *f = time_wait_find(&t, 0x0a000000 + i, 0x0a0000ff,
							    (uint16_t)(1000 + i % 7), 80);
			if (!f) {
				newest_gone = RTE_MAX(newest_gone, m[i].pos + 1);
				m[i].in = false;
			}
		}
		for (unsigned i = 0; i < TUPLES; i++)
			ck_assert_msg(!m[i].in || m[i].pos >= newest_gone,
				      "step %u: an entry left early while an older one stayed", step);
		uint32_t live = 0;
		for (unsigned i = 0; i < TUPLES; i++)
			live += m[i].in;
		ck_assert_uint_eq(t.live, live);
		ck_assert_uint_le(t.tail - t.head, CAP);
	}
	ck_assert_uint_gt(recycled, 0); /* the ring did fill */
	ck_assert_uint_lt(t.tail, 40000); /* and its positions wrapped */
	time_wait_free(&t);
}
END_TEST

TEST_SUITE(time_wait_suite)
static Suite *
time_wait_suite(void)
{
	Suite *s = suite_create("time_wait");
	TCase *tc = tcase_create("time_wait");

	tcase_add_test(tc, time_wait_agrees_with_a_model);
	suite_add_tcase(s, tc);
	return s;
}
