/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzzes the graph file loader and checker: any bytes as a graph file must
 * give a model or an error message, never a crash, a hang or a leak.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../graph/errors.h"
#include "../../graph/model.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/nfg-fuzz-loader-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	nfg_errors_quiet(true);
	struct nfg_graph *g = nfg_graph_load(path, NULL, 0);
	nfg_graph_free(g);
	unlink(path);
	return 0;
}
