/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Where an HTTP/1.1 response ends (RFC 9112 6.3), found in its bytes as they
 * arrive, segment by segment, with a few bytes of state in the connection:
 *
 *  - no body: the answer to a HEAD, a 204, a 304 or a 101;
 *  - interim answers (100 Continue, 103 Early Hints) are skipped: the final
 *    answer follows them;
 *  - Transfer-Encoding: chunked: the chunks, then the trailer section;
 *  - Content-Length: that many bytes;
 *  - neither: the body runs until the server closes.
 *
 * The whole header block in one segment (the common case) is read a line at a
 * time; a block split over segments is read byte by byte, so it survives any
 * segmentation. State: c->hdr_scan, c->scan and c->rx_expect.
 */
#ifndef NFG_NF_HTTP_RESPONSE_H
#define NFG_NF_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp_conn.h"

/* A response starts (its request went out); `head`: the request was a HEAD. */
void http_response_start(struct tcp_conn *c, bool head);

/* The next n bytes of the response, in order. True once it is complete (bytes
 * after its end are not looked at). *body_at: where the body starts in p (0
 * when it started before p, n when p holds none of it). */
bool http_response_take(struct tcp_conn *c, const uint8_t *p, uint32_t n, uint32_t *body_at);

/* The server closed: whether that ends the response well (a body that runs
 * until the close, past its headers). */
bool http_response_ends_at_close(const struct tcp_conn *c);

#endif
