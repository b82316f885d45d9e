/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzzes the graph file loader and checker: any bytes as a graph file must
 * give a model or an error message, never a crash, a hang or a leak. Lines
 * after the file that start with "--set " are applied as overrides (at most
 * 8), so --set paths and values are fuzzed too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../model/errors.h"
#include "../../model/model.h"

#define MARK "\n--set "
#define MAX_SETS 8

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/nfg-fuzz-loader-XXXXXX";
	char *copy = malloc(size + 1), *sets[MAX_SETS];
	unsigned nb_sets = 0;
	size_t file_len = size;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	/* The file ends at the first "\n--set " (a NUL before it hides it: the
	 * file then has a NUL, which is what that input tests). */
	char *mark = strstr(copy, MARK);
	if (mark) {
		file_len = (size_t)(mark - copy) + 1;
		for (char *s = mark; s && nb_sets < MAX_SETS;) {
			s += strlen(MARK);
			char *next = strstr(s, MARK);
			if (next)
				*next = '\0';
			char *nl = strchr(s, '\n');
			if (nl)
				*nl = '\0';
			sets[nb_sets++] = s;
			s = next;
		}
	}
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, data, file_len) != (ssize_t)file_len) {
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		free(copy);
		return 0;
	}
	close(fd);
	nfg_errors_quiet(true);
	struct nfg_graph *g = nfg_graph_load(path, sets, nb_sets);
	nfg_graph_free(g);
	unlink(path);
	free(copy);
	return 0;
}
