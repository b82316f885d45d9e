/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Runs every suite the test files registered. No fork: DPDK's EAL is started
 * once for the whole process and does not survive fork().
 */
#include <stdlib.h>

#include "harness.h"

static suite_fn suites[64];
static unsigned nb_suites;

void
register_suite(suite_fn fn)
{
	if (nb_suites < 64)
		suites[nb_suites++] = fn;
}

int
main(void)
{
	SRunner *sr = NULL;

	harness_eal_init();
	for (unsigned i = 0; i < nb_suites; i++) {
		if (!sr)
			sr = srunner_create(suites[i]());
		else
			srunner_add_suite(sr, suites[i]());
	}
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
