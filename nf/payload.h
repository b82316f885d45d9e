/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The messages TCP operators send: a request or a response given inline, as
 * hex, from a file, or generated to a size; optionally with "{conn}" in it,
 * replaced by the connection's number. Bytes are produced on demand at any
 * offset, so a retransmission regenerates what it needs and no connection
 * keeps a send buffer.
 */
#ifndef NFG_NF_PAYLOAD_H
#define NFG_NF_PAYLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "nfg/operator.h"

#define PAYLOAD_COUNTER "{conn}"

struct payload {
	uint8_t *bytes;     /* the message with the counter marker cut out */
	uint32_t len;       /* its length without the counter digits */
	int32_t counter_at; /* where the counter goes, -1: nowhere */
};

/* From the parameters NAME (text), NAME_hex, NAME_file and NAME_size: at most
 * one of them may be set; none gives `fallback`. Errors name the parameter. */
int payload_from_params(struct nfg_instance *inst, const char *name, const char *fallback,
			struct payload *p);
/* Wraps p in an HTTP/1.1 200 response with Content-Length. */
int payload_wrap_http(struct payload *p, bool close);
void payload_free(struct payload *p);

uint32_t payload_length(const struct payload *p, uint32_t conn_id);
/* Bytes [off, off+n) of the message for connection conn_id. */
void payload_fill(const struct payload *p, uint32_t conn_id, uint32_t off, uint8_t *dst,
		  uint32_t n);

#endif
