/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Example TCP service plugin, both ends of the Redis protocol (RESP2):
 *  - "resp", a server that answers PING, ECHO, COMMAND, CONFIG GET and QUIT,
 *    enough for redis-cli and redis-benchmark;
 *  - "resp_ping", a generator that sends "pings" PINGs per connection, one
 *    after the other, checks that each answer is +PONG, and closes.
 * A stateful network function in nfg is a table of callbacks
 * (include/nfg/tcp.h); the TCP engine under the tcp_service (accepting) and
 * tcp_service_client (connecting) operators does the rest. The server's
 * graph (plugins/resp/resp.json; resp-ping.json is the generator's):
 *
 *   "plugins": ["libnfg_resp.so"],
 *   "resp": { "op": "tcp_service", "service": "resp", "port": "p0",
 *             "listen": ["*:6379"], "service_params": { "pong": "PONG" } }
 *
 * Commands come inline ("PING\r\n") or as RESP arrays ("*1\r\n$4\r\nPING\r\n"),
 * possibly split across segments and pipelined: each connection keeps the
 * bytes of a command not yet complete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nfg/tcp.h>

#define RESP_MAX_COMMAND 1024 /* bytes of one command, arguments included */
#define RESP_MAX_ARGS 8

struct resp_config {
	char pong[64]; /* the answer to a PING without argument */
};

struct resp_conn {
	uint32_t len;                  /* bytes of the command being collected */
	uint8_t buf[RESP_MAX_COMMAND];
};

struct command {
	unsigned argc;
	const uint8_t *arg[RESP_MAX_ARGS];
	uint32_t len[RESP_MAX_ARGS];
};

/* ---- parsing ------------------------------------------------------------------ */

#define INCOMPLETE 0
#define BAD (-1)
#define TOO_LONG (-2)

/* A decimal number ended by "\r\n" at p (at most `end`); *next after it. */
static int
number(const uint8_t *p, const uint8_t *end, long *value, const uint8_t **next)
{
	long v = 0;
	const uint8_t *q = p;

	for (; q < end && *q >= '0' && *q <= '9'; q++)
		if ((v = v * 10 + (*q - '0')) > RESP_MAX_COMMAND)
			return TOO_LONG;
	if (q + 2 > end)
		return INCOMPLETE;
	if (q == p || q[0] != '\r' || q[1] != '\n')
		return BAD;
	*value = v;
	*next = q + 2;
	return 1;
}

/* "*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n". Returns the bytes it takes, INCOMPLETE or BAD. */
static int
parse_array(const uint8_t *p, uint32_t n, struct command *cmd)
{
	const uint8_t *end = p + n, *q;
	long argc, len;
	int r = number(p + 1, end, &argc, &q);

	if (r <= 0)
		return r;
	if (argc < 1 || argc > RESP_MAX_ARGS)
		return BAD;
	for (cmd->argc = 0; cmd->argc < (unsigned)argc; cmd->argc++) {
		if (q >= end)
			return INCOMPLETE;
		if (*q != '$')
			return BAD;
		if ((r = number(q + 1, end, &len, &q)) <= 0)
			return r;
		if (q + len + 2 > end)
			return INCOMPLETE;
		if (q[len] != '\r' || q[len + 1] != '\n')
			return BAD;
		cmd->arg[cmd->argc] = q;
		cmd->len[cmd->argc] = (uint32_t)len;
		q += len + 2;
	}
	return (int)(q - p);
}

/* "ECHO hi\r\n" (or ended by "\n" alone). */
static int
parse_inline(const uint8_t *p, uint32_t n, struct command *cmd)
{
	const uint8_t *nl = memchr(p, '\n', n), *q = p;

	if (!nl)
		return INCOMPLETE;
	const uint8_t *end = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
	for (cmd->argc = 0; q < end;) {
		while (q < end && *q == ' ')
			q++;
		if (q == end)
			break;
		if (cmd->argc == RESP_MAX_ARGS)
			return BAD;
		cmd->arg[cmd->argc] = q;
		while (q < end && *q != ' ')
			q++;
		cmd->len[cmd->argc] = (uint32_t)(q - cmd->arg[cmd->argc]);
		cmd->argc++;
	}
	return (int)(nl + 1 - p);
}

/* ---- answering -------------------------------------------------------------- */

static bool
is(const struct command *cmd, unsigned i, const char *word)
{
	return i < cmd->argc && cmd->len[i] == strlen(word) &&
	       strncasecmp((const char *)cmd->arg[i], word, cmd->len[i]) == 0;
}

/* A reply goes whole or the connection goes: a client that does not read
 * its replies while it keeps sending commands has filled the send buffer. */
static bool
reply(struct nfg_tcp_conn *c, const void *p, uint32_t n)
{
	if (nfg_tcp_send_room(c) < n) {
		nfg_tcp_reset(c);
		return false;
	}
	nfg_tcp_send(c, p, n);
	return true;
}

static bool
reply_bulk(struct nfg_tcp_conn *c, const uint8_t *p, uint32_t n)
{
	char head[24];
	int h = snprintf(head, sizeof(head), "$%u\r\n", n);

	if (nfg_tcp_send_room(c) < (uint32_t)h + n + 2) {
		nfg_tcp_reset(c);
		return false;
	}
	nfg_tcp_send(c, head, (uint32_t)h);
	nfg_tcp_send(c, p, n);
	return nfg_tcp_send(c, "\r\n", 2) == 2;
}

/* Returns false when the connection is closing. */
static bool
execute(struct nfg_tcp_conn *c, const struct command *cmd)
{
	const struct resp_config *cfg = nfg_tcp_service_state(c);
	char line[96];

	if (cmd->argc == 0)
		return true; /* an empty inline line */
	if (is(cmd, 0, "PING") && cmd->argc <= 2) {
		if (cmd->argc == 2)
			return reply_bulk(c, cmd->arg[1], cmd->len[1]);
		int n = snprintf(line, sizeof(line), "+%s\r\n", cfg->pong);
		return reply(c, line, (uint32_t)n);
	}
	if (is(cmd, 0, "ECHO") && cmd->argc == 2)
		return reply_bulk(c, cmd->arg[1], cmd->len[1]);
	if (is(cmd, 0, "COMMAND") || (is(cmd, 0, "CONFIG") && is(cmd, 1, "GET")))
		return reply(c, "*0\r\n", 4); /* no command docs, no settings */
	if (is(cmd, 0, "QUIT")) {
		reply(c, "+OK\r\n", 5);
		nfg_tcp_close(c);
		return false;
	}
	int n = snprintf(line, sizeof(line), "-ERR unknown command '%.*s'\r\n",
			 (int)(cmd->len[0] < 32 ? cmd->len[0] : 32), (const char *)cmd->arg[0]);
	return reply(c, line, (uint32_t)n);
}

/* ---- the service ------------------------------------------------------------ */

/* Runs every complete command in the connection's buffer and keeps the rest. */
static bool
drain(struct nfg_tcp_conn *c, struct resp_conn *rc)
{
	uint32_t at = 0;

	while (at < rc->len) {
		struct command cmd = { .argc = 0 };
		int r = rc->buf[at] == '*' ? parse_array(rc->buf + at, rc->len - at, &cmd)
					   : parse_inline(rc->buf + at, rc->len - at, &cmd);
		if (r == INCOMPLETE)
			break;
		if (r == TOO_LONG) {
			reply(c, "-ERR command too long\r\n", 23);
			nfg_tcp_close(c);
			return false;
		}
		if (r == BAD) {
			reply(c, "-ERR Protocol error\r\n", 21);
			nfg_tcp_close(c);
			return false;
		}
		at += (uint32_t)r;
		if (!execute(c, &cmd))
			return false;
	}
	memmove(rc->buf, rc->buf + at, rc->len - at);
	rc->len -= at;
	return true;
}

static void
resp_data(struct nfg_tcp_conn *c, const uint8_t *p, uint32_t n)
{
	struct resp_conn *rc = nfg_tcp_conn_state(c);

	while (n) {
		uint32_t take = sizeof(rc->buf) - rc->len;
		if (take == 0) {
			reply(c, "-ERR command too long\r\n", 23);
			nfg_tcp_close(c);
			return;
		}
		take = take < n ? take : n;
		memcpy(rc->buf + rc->len, p, take);
		rc->len += take;
		p += take;
		n -= take;
		if (!drain(c, rc))
			return;
	}
}

/* A key the service does not know is a typo, not something to ignore. */
static int
only_keys(struct nfg_instance *inst, json_t *params, const char *known)
{
	const char *key;
	json_t *v;

	json_object_foreach(params, key, v)
		if (strcmp(key, known) != 0)
			return nfg_error(inst, "service_params", "unknown key \"%s\" (this service "
					 "reads \"%s\")", key, known);
	return 0;
}

static int
resp_setup(struct nfg_instance *inst, json_t *params, void **state)
{
	struct resp_config *cfg = calloc(1, sizeof(*cfg));
	json_t *pong = json_object_get(params, "pong");

	if (!cfg)
		return -1;
	*state = cfg;
	strcpy(cfg->pong, "PONG");
	if (params && !json_is_object(params))
		return nfg_error(inst, "service_params", "expected an object");
	if (only_keys(inst, params, "pong") < 0)
		return -1;
	if (pong && (!json_is_string(pong) || json_string_length(pong) == 0 ||
		     json_string_length(pong) >= sizeof(cfg->pong) ||
		     strpbrk(json_string_value(pong), "\r\n")))
		return nfg_error(inst, "service_params.pong", "a string of 1 to %zu characters "
				 "on one line", sizeof(cfg->pong) - 1);
	if (pong)
		strcpy(cfg->pong, json_string_value(pong));
	return 0;
}

static const struct nfg_tcp_service resp = {
	.api_version = NFG_TCP_API_VERSION,
	.name = "resp",
	.doc = "a Redis-protocol server: PING, ECHO, COMMAND, CONFIG GET, QUIT",
	.conn_state_size = sizeof(struct resp_conn),
	.setup = resp_setup,
	.release = free,
	.data = resp_data,
};

/* ---- the generator ---------------------------------------------------------- */

#define PING "*1\r\n$4\r\nPING\r\n"
#define PONG "+PONG\r\n"

struct ping_config {
	uint32_t pings; /* per connection */
};

struct ping_conn {
	uint32_t answered; /* PONGs so far */
	uint8_t got;       /* bytes of the current answer so far */
};

static void
ping_established(struct nfg_tcp_conn *c)
{
	nfg_tcp_send(c, PING, sizeof(PING) - 1);
}

/* Answers come byte by byte as the segments cut them; any byte that is not
 * the next one of "+PONG\r\n" ends the connection with a reset (counted as
 * aborted), so a wrong answer cannot pass as a slow one. */
static void
ping_data(struct nfg_tcp_conn *c, const uint8_t *p, uint32_t n)
{
	const struct ping_config *cfg = nfg_tcp_service_state(c);
	struct ping_conn *pc = nfg_tcp_conn_state(c);

	for (uint32_t i = 0; i < n; i++) {
		if (pc->answered == cfg->pings || p[i] != (uint8_t)PONG[pc->got]) {
			nfg_tcp_reset(c);
			return;
		}
		if (++pc->got < sizeof(PONG) - 1)
			continue;
		pc->got = 0;
		nfg_tcp_answered(c); /* timed: the response-time percentiles */
		if (++pc->answered < cfg->pings)
			nfg_tcp_send(c, PING, sizeof(PING) - 1);
		else
			nfg_tcp_close(c);
	}
}

static int
ping_setup(struct nfg_instance *inst, json_t *params, void **state)
{
	struct ping_config *cfg = calloc(1, sizeof(*cfg));
	json_t *pings = json_object_get(params, "pings");

	if (!cfg)
		return -1;
	*state = cfg;
	cfg->pings = 1;
	if (params && !json_is_object(params))
		return nfg_error(inst, "service_params", "expected an object");
	if (only_keys(inst, params, "pings") < 0)
		return -1;
	if (pings && (!json_is_integer(pings) || json_integer_value(pings) < 1 ||
		      json_integer_value(pings) > 1000000))
		return nfg_error(inst, "service_params.pings", "an integer from 1 to 1000000");
	if (pings)
		cfg->pings = (uint32_t)json_integer_value(pings);
	return 0;
}

static const struct nfg_tcp_service resp_ping = {
	.api_version = NFG_TCP_API_VERSION,
	.name = "resp_ping",
	.doc = "a Redis-protocol generator: PING after PING on each connection, then close",
	.conn_state_size = sizeof(struct ping_conn),
	.setup = ping_setup,
	.release = free,
	.established = ping_established,
	.data = ping_data,
};

static const struct nfg_extension extensions[] = {
	{ NFG_TCP_SERVICE_POINT, &resp },
	{ NFG_TCP_SERVICE_POINT, &resp_ping },
	{ NULL, NULL },
};

NFG_PLUGIN_WITH("resp", "1.0", NULL, extensions);
