/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The loader and checker: a good file loads as written; every kind of
 * mistake is refused with one message that names the place (line:col and
 * JSON path) and says what was expected.
 */
#include <string.h>
#include <unistd.h>

#include "../../model/errors.h"
#include "../../model/model.h"
#include "../../graph/load.h"
#include "harness.h"

#define GOOD_PREFIX                                                              \
	"{\n"                                                                    \
	"  \"ports\": {\"a\": {\"device\": \"wire:w\"}, \"b\": {\"device\": \"wire:w\"}},\n"

static void
assert_error(const char *json, const char *place, const char *words)
{
	const char *msg = harness_load_error(json);

	ck_assert_msg(msg != NULL, "graph was accepted, expected an error at %s", place);
	ck_assert_msg(strstr(msg, place) != NULL, "message \"%s\" does not name %s", msg, place);
	ck_assert_msg(strstr(msg, words) != NULL, "message \"%s\" does not say \"%s\"", msg, words);
}

START_TEST(good_file_loads)
{
	struct harness *h = harness_load(
		GOOD_PREFIX
		"  \"nodes\": {\n"
		"    \"gen\": {\"op\": \"generator\", \"count\": 10},\n"
		"    \"tx\": {\"op\": \"port_tx\", \"port\": \"a\"},\n"
		"    \"rx\": {\"op\": \"port_rx\", \"port\": \"b\"},\n"
		"    \"c\": {\"op\": \"count\"},\n"
		"    \"end\": {\"op\": \"test_collect\"}\n"
		"  },\n"
		"  \"edges\": [\"gen -> tx\", \"rx -> c -> end\"]\n"
		"}\n");
	/* The frames go round the wire and arrive at the collector. */
	for (int i = 0; i < 20; i++)
		harness_walk(h, 1);
	ck_assert_uint_eq(harness_collected(h, "end", NULL), 10);
	ck_assert_uint_eq(harness_counter(h, "c", "packets"), 10);
	ck_assert_uint_eq(harness_counter(h, "tx", "sent"), 10);
	harness_free(h);
}
END_TEST

/* A UTF-8 byte-order mark before the JSON (some editors write one) is skipped. */
START_TEST(byte_order_mark_is_skipped)
{
	struct harness *h = harness_load("\xEF\xBB\xBF" GOOD_PREFIX
					 "  \"nodes\": {\"gen\": {\"op\": \"generator\", \"count\": 1},\n"
					 "    \"tx\": {\"op\": \"port_tx\", \"port\": \"a\"}},\n"
					 "  \"edges\": [\"gen -> tx\"]\n}\n");
	ck_assert_ptr_nonnull(h);
	harness_free(h);
}
END_TEST

START_TEST(syntax_error_has_line_and_column)
{
	assert_error("{\n  \"nodes\": {\n    \"a\": {\"op\": \"count\",,}\n  }\n}\n", ":3:",
		     "syntax error");
}
END_TEST

START_TEST(unknown_operator)
{
	assert_error(GOOD_PREFIX "  \"nodes\": {\"x\": {\"op\": \"frobnicate\"}},\n"
				 "  \"edges\": []\n}\n",
		     ":3:25: nodes.x.op", "unknown operator \"frobnicate\"");
}
END_TEST

START_TEST(missing_parameter)
{
	assert_error(GOOD_PREFIX "  \"nodes\": {\"rx\": {\"op\": \"port_rx\"}},\n"
				 "  \"edges\": []\n}\n",
		     "nodes.rx", "missing parameter \"port\"");
}
END_TEST

START_TEST(mistyped_parameter)
{
	assert_error(GOOD_PREFIX "  \"nodes\": {\"g\": {\"op\": \"generator\", \"rate\": \"fast\"}},\n"
				 "  \"edges\": []\n}\n",
		     "nodes.g.rate", "expected a number");
}
END_TEST

START_TEST(value_out_of_range)
{
	assert_error(GOOD_PREFIX "  \"nodes\": {\"g\": {\"op\": \"generator\", \"burst\": 1000}},\n"
				 "  \"edges\": []\n}\n",
		     "nodes.g.burst", "from 1 to 256");
}
END_TEST

/* A tcp_client on port a (which has an address) with the given extra
 * parameters. */
#define CLIENT_GRAPH(extra)                                                               \
	"{\n  \"ports\": {\"a\": {\"device\": \"wire:w\", \"ipv4\": \"198.18.0.1/24\"},\n" \
	"            \"b\": {\"device\": \"wire:w\"}},\n"                                   \
	"  \"nodes\": {\"c\": {\"op\": \"tcp_client\", \"port\": \"a\",\n"                   \
	"    \"next_hop_mac\": \"02:00:00:00:00:02\",\n"                                       \
	"    \"targets\": [{\"ip\": \"198.18.0.2\", \"port\": 80}], " extra "},\n"            \
	"    \"rx\": {\"op\": \"port_rx\", \"port\": \"a\"},\n"                                \
	"    \"tx\": {\"op\": \"port_tx\", \"port\": \"a\"}},\n"                             \
	"  \"edges\": [\"rx -> c\", \"c -> tx\"]\n}\n"

/* "\r\n" typed on a command line (--set without JSON quotes) arrives as a
 * backslash and a letter: refused, with the way to write it. */
START_TEST(request_with_typed_backslashes)
{
	assert_error(CLIENT_GRAPH("\"request\": \"GET / HTTP/1.1\\\\r\\\\nHost: x\\\\r\\\\n\\\\r\\\\n\""),
		     "nodes.c.request", "as a JSON string");
	/* Real line breaks with a backslash somewhere are a request as meant. */
	struct harness *h = harness_load(
		CLIENT_GRAPH("\"request\": \"GET /a\\\\b HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n\", \"connections\": 1"));
	ck_assert_ptr_nonnull(h);
	harness_free(h);
}
END_TEST

/* A response that ends at the server's close leaves nothing for a second round. */
START_TEST(close_ended_response_has_one_round)
{
	assert_error(CLIENT_GRAPH("\"response_end\": \"close\", \"close\": \"server\", \"rounds\": 3"),
		     "nodes.c.rounds", "one round");
}
END_TEST

START_TEST(generator_payload_must_fit)
{
	assert_error(GOOD_PREFIX "  \"nodes\": {\"g\": {\"op\": \"generator\", \"size\": 60,\n"
				 "    \"payload\": \"0123456789012345678901234567890123456789\"},\n"
				 "    \"tx\": {\"op\": \"port_tx\", \"port\": \"a\"}},\n"
				 "  \"edges\": [\"g -> tx\"]\n}\n",
		     "nodes.g.payload", "raise size to at least 82");
}
END_TEST

/* An operator's own defaults meet its bounds (a plugin's were never checked),
 * and its name is one a graph file can hold. */
static uint16_t
no_process(struct rte_graph *g, struct rte_node *n, void **o, uint16_t k)
{
	(void)g, (void)n, (void)o;
	return k;
}

static const struct nfg_param bad_default_params[] = {
	{ .name = "limit", .type = NFG_T_INT, .def = "99999", .min = 0, .max = 10, .doc = "x" },
	{ 0 },
};

START_TEST(operator_defaults_and_names_are_checked)
{
	static const struct nfg_op bad_default = {
		.api_version = NFG_API_VERSION, .name = "test_bad_default", .summary = "x",
		.params = bad_default_params, .process = no_process,
	};
	static const struct nfg_op bad_name = {
		.api_version = NFG_API_VERSION, .name = "bad name\x1b[31m", .summary = "x",
		.process = no_process,
	};

	ck_assert_int_eq(nfg_op_register(&bad_name), -1);
	ck_assert_ptr_null(nfg_op_find("bad name\x1b[31m"));
	if (!nfg_op_find("test_bad_default"))
		ck_assert_int_eq(nfg_op_register(&bad_default), 0);
	assert_error(GOOD_PREFIX "  \"nodes\": {\"x\": {\"op\": \"test_bad_default\"},\n"
				 "    \"rx\": {\"op\": \"port_rx\", \"port\": \"a\"}},\n"
				 "  \"edges\": [\"rx -> x\"]\n}\n",
		     "nodes.x.limit (the operator's default)", "from 0 to 10");
}
END_TEST

START_TEST(unknown_parameter)
{
	assert_error(GOOD_PREFIX "  \"nodes\": {\"g\": {\"op\": \"generator\", \"rte\": 5}},\n"
				 "  \"edges\": []\n}\n",
		     "nodes.g.rte", "unknown parameter \"rte\"");
}
END_TEST

START_TEST(edge_to_unknown_node)
{
	assert_error(GOOD_PREFIX "  \"nodes\": {\"g\": {\"op\": \"generator\"}},\n"
				 "  \"edges\": [\"g -> nowhere\"]\n}\n",
		     "edges[0]", "no node named \"nowhere\"");
}
END_TEST

START_TEST(edge_from_unknown_output)
{
	assert_error(GOOD_PREFIX "  \"nodes\": {\"g\": {\"op\": \"generator\"}, "
				 "\"d\": {\"op\": \"drop\"}},\n"
				 "  \"edges\": [\"g.nope -> d\"]\n}\n",
		     "edges[0]", "has no output \"nope\"");
}
END_TEST

START_TEST(output_left_unconnected)
{
	assert_error(GOOD_PREFIX "  \"nodes\": {\"g\": {\"op\": \"generator\"}},\n"
				 "  \"edges\": []\n}\n",
		     "nodes.g", "output \"out\" of node g (generator) is not connected");
}
END_TEST

START_TEST(output_connected_twice)
{
	assert_error(GOOD_PREFIX "  \"nodes\": {\"g\": {\"op\": \"generator\"}, "
				 "\"d\": {\"op\": \"drop\"}, \"e\": {\"op\": \"drop\"}},\n"
				 "  \"edges\": [\"g -> d\", \"g -> e\"]\n}\n",
		     "edges[1]", "already connected");
}
END_TEST

START_TEST(node_not_reached)
{
	assert_error(GOOD_PREFIX "  \"nodes\": {\"g\": {\"op\": \"generator\"}, "
				 "\"d\": {\"op\": \"drop\"}, \"c\": {\"op\": \"count\"}},\n"
				 "  \"edges\": [\"g -> d\", \"c -> d\"]\n}\n",
		     "nodes.c", "not reached from any source");
}
END_TEST

START_TEST(edges_form_a_loop)
{
	assert_error(GOOD_PREFIX "  \"nodes\": {\"g\": {\"op\": \"generator\"}, "
				 "\"a\": {\"op\": \"count\"}, \"b\": {\"op\": \"count\"}},\n"
				 "  \"edges\": [\"g -> a -> b -> a\"]\n}\n",
		     "nodes.a", "edges form a loop (a -> b -> a)");
}
END_TEST

START_TEST(unknown_port)
{
	assert_error(GOOD_PREFIX "  \"nodes\": {\"rx\": {\"op\": \"port_rx\", \"port\": \"eth9\"}, "
				 "\"d\": {\"op\": \"drop\"}},\n"
				 "  \"edges\": [\"rx -> d\"]\n}\n",
		     "nodes.rx.port", "no port named \"eth9\"");
}
END_TEST

START_TEST(plugin_missing)
{
	assert_error("{\"plugins\": [\"/nonexistent/libx.so\"], \"nodes\": {}, \"edges\": []}",
		     "plugin /nonexistent/libx.so", "no such file");
}
END_TEST

START_TEST(wire_needs_two_ends)
{
	assert_error("{\"ports\": {\"a\": {\"device\": \"wire:lonely\"}},\n"
		     " \"nodes\": {\"g\": {\"op\": \"generator\"}, \"d\": {\"op\": \"drop\"}},\n"
		     " \"edges\": [\"g -> d\"]}",
		     "ports.a.device", "exactly two ports");
}
END_TEST

START_TEST(bad_device)
{
	assert_error("{\"ports\": {\"a\": {\"device\": \"eth0\"}},\n"
		     " \"nodes\": {\"g\": {\"op\": \"generator\"}, \"d\": {\"op\": \"drop\"}},\n"
		     " \"edges\": [\"g -> d\"]}",
		     "ports.a", "expected DPDK devargs");
}
END_TEST

START_TEST(one_device_one_port)
{
	assert_error("{\"ports\": {\"a\": {\"device\": \"net_null0\"},\n"
		     "  \"b\": {\"device\": \"net_null0,size=64\"}},\n"
		     " \"nodes\": {\"g\": {\"op\": \"generator\"}, \"d\": {\"op\": \"drop\"}},\n"
		     " \"edges\": [\"g -> d\"]}",
		     "ports.b.device", "net_null0 is port a's device already");
}
END_TEST

START_TEST(one_reader_per_port)
{
	assert_error(GOOD_PREFIX "  \"nodes\": {\"rx\": {\"op\": \"port_rx\", \"port\": \"a\"}, "
				 "\"rx2\": {\"op\": \"port_rx\", \"port\": \"a\"}, \"d\": {\"op\": \"drop\"}},\n"
				 "  \"edges\": [\"rx -> d\", \"rx2 -> d\"]\n}\n",
		     "nodes.rx2", "port \"a\" is read by rx already");
}
END_TEST

START_TEST(unknown_top_level_key)
{
	assert_error("{\"nodez\": {}, \"nodes\": {\"g\": {\"op\": \"generator\"}, "
		     "\"d\": {\"op\": \"drop\"}}, \"edges\": [\"g -> d\"]}",
		     "nodez", "unknown key");
}
END_TEST

START_TEST(ambiguous_default_output)
{
	/* port_tx has no outputs at all */
	assert_error(GOOD_PREFIX "  \"nodes\": {\"g\": {\"op\": \"generator\"}, "
				 "\"t\": {\"op\": \"port_tx\", \"port\": \"a\"}, \"d\": {\"op\": \"drop\"}},\n"
				 "  \"edges\": [\"g -> t -> d\"]\n}\n",
		     "edges[0]", "has no outputs");
}
END_TEST

START_TEST(optional_output_gets_counted_drop)
{
	/* An optional output left open becomes a drop counted under its name. */
	struct harness *h = harness_load(
		"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"c\": {\"op\": \"count\", "
		"\"sink\": true}}, \"edges\": [\"in -> c\"]}");
	harness_free(h);
}
END_TEST

START_TEST(override_sets_nested_values)
{
	json_error_t jerr;
	json_t *root = json_loads("{\"nodes\": {\"fw\": {\"rules\": [{\"dport\": 80}]}}}", 0, &jerr);
	char err[256];

	ck_assert_int_eq(nfg_override_apply(root, "nodes.fw.rules[0].dport=8080", err, sizeof(err)), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(
		json_object_get(json_object_get(root, "nodes"), "fw"), "rules"), 0), "dport")), 8080);
	/* plain strings need no quotes; missing keys are created; arrays append;
	 * a new node starts with its op */
	ck_assert_int_eq(nfg_override_apply(root, "nodes.gen.op=generator", err, sizeof(err)), 0);
	ck_assert_int_eq(nfg_override_apply(root, "nodes.gen.src_ip=198.18.0.9", err, sizeof(err)), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(root,
		"nodes"), "gen"), "src_ip")), "198.18.0.9");
	ck_assert_int_eq(nfg_override_apply(root, "nodes.fw.rules[1]={\"dport\":22}", err, sizeof(err)), 0);
	ck_assert_int_eq(nfg_override_apply(root, "nodes.fw.rules[5].dport=1", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "past the end") != NULL, "%s", err);
	ck_assert_int_eq(nfg_override_apply(root, "novalue", err, sizeof(err)), -1);
	/* a misspelt node or port is not created: it is named, with those there are */
	ck_assert_int_eq(nfg_override_apply(root, "nodes.gne.src_ip=1", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no node \"gne\" (its nodes: fw, gen)") != NULL, "%s", err);
	ck_assert_ptr_null(json_object_get(json_object_get(root, "nodes"), "gne"));
	ck_assert_int_eq(nfg_override_apply(root, "ports={}", err, sizeof(err)), 0);
	ck_assert_int_eq(nfg_override_apply(root, "ports.p0.ipv4=198.18.0.1/24", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no port \"p0\" (its ports: none)") != NULL, "%s", err);
	ck_assert_int_eq(nfg_override_apply(root, "ports.p0.device=net_null0", err, sizeof(err)), 0);
	ck_assert_int_eq(nfg_override_apply(root, "ports.p0.ipv4=198.18.0.1/24", err, sizeof(err)), 0);
	json_decref(root);
}
END_TEST

START_TEST(locate_points_at_the_value)
{
	const char *text = "{\n  \"a\": [1,\n   {\"b\": \"x\"}]\n}";
	int line, col;

	ck_assert_int_eq(nfg_json_locate(text, "a[1].b", &line, &col), 0);
	ck_assert_int_eq(line, 3);
	ck_assert_int_eq(col, 10);
	/* a missing key points at its deepest existing parent */
	ck_assert_int_eq(nfg_json_locate(text, "a[1].zzz", &line, &col), 0);
	ck_assert_int_eq(line, 3);
	ck_assert_int_eq(col, 4);
}
END_TEST

/* Loads `len` bytes (NULs allowed) with --set assignments; returns the
 * message with the temporary file's name cut off, NULL if it loaded. */
static const char *
load_bytes_error(const char *bytes, size_t len, char **sets, unsigned nb_sets)
{
	static char msg[1024];
	char path[] = "/tmp/nfg-unit-XXXXXX.json";
	int fd = mkstemps(path, 5);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, bytes, len), (ssize_t)len);
	close(fd);
	harness_eal_init();
	nfg_errors_quiet(true);
	struct nfg_graph *g = nfg_graph_load(path, sets, nb_sets);
	nfg_errors_quiet(false);
	unlink(path);
	if (g) {
		nfg_graph_free(g);
		return NULL;
	}
	const char *m = nfg_last_error();
	if (strncmp(m, path, strlen(path)) == 0)
		m += strlen(path);
	snprintf(msg, sizeof(msg), "%s", m);
	return msg;
}

/* A value of the wrong type, anywhere: a message naming its JSON path and
 * what was expected, never a crash (the loader fuzzer found "name": 5). */
static const struct {
	const char *json, *place, *words;
} wrong_types[] = {
	/* top level */
	{ "{\"name\": 5, \"nodes\": {}, \"edges\": []}", ":1:10: name", "expected a string, got 5" },
	{ "{\"name\": [\"x\"], \"nodes\": {}, \"edges\": []}", "name", "expected a string, got [\"x\"]" },
	{ "{\"name\": \"a/../b\", \"nodes\": {}, \"edges\": []}", "name", "expected letters, digits" },
	{ "{\"description\": 5, \"nodes\": {}, \"edges\": []}", "description", "expected a string, got 5" },
	{ "{\"workers\": \"2\", \"nodes\": {}, \"edges\": []}", "workers", "expected an integer from 1 to 64, got \"2\"" },
	{ "{\"workers\": 1.5, \"nodes\": {}, \"edges\": []}", "workers", "expected an integer" },
	{ "{\"lcores\": {}, \"nodes\": {}, \"edges\": []}", "lcores", "got {}" },
	{ "{\"lcores\": [1, \"2\"], \"nodes\": {}, \"edges\": []}", "lcores[1]", "expected a CPU number" },
	{ "{\"lcores\": true, \"nodes\": {}, \"edges\": []}", "lcores", "got true" },
	{ "{\"mbufs\": \"many\", \"nodes\": {}, \"edges\": []}", "mbufs", "expected an integer from 1024" },
	{ "{\"eal\": \"-l 1\", \"nodes\": {}, \"edges\": []}", "eal", "expected an array of strings" },
	{ "{\"eal\": [\"-l\", 1], \"nodes\": {}, \"edges\": []}", "eal[1]", "expected a string, got 1" },
	{ "{\"plugins\": {\"a\": 1}, \"nodes\": {}, \"edges\": []}", "plugins", "expected an array of strings" },
	{ "{\"plugins\": [false], \"nodes\": {}, \"edges\": []}", "plugins[0]", "expected a string, got false" },
	{ "{\"ports\": [], \"nodes\": {}, \"edges\": []}", "ports", "expected an object of ports by name" },
	{ "{\"nodes\": [], \"edges\": []}", "nodes", "an object of nodes by name" },
	{ "{\"nodes\": {\"g\": {\"op\": \"generator\"}}, \"edges\": {}}", "edges", "expected \"edges\": an array" },
	{ "{\"nodes\": {\"g\": {\"op\": \"generator\"}}, \"edges\": [5]}", "edges[0]", "expected a string like \"a.out -> b\", got 5" },
	/* ports */
	{ "{\"ports\": {\"a\": 5}, \"nodes\": {}, \"edges\": []}", "ports.a", "expected an object" },
	{ "{\"ports\": {\"a\": {\"device\": 5}}, \"nodes\": {}, \"edges\": []}", "ports.a.device", "expected a string" },
	{ "{\"ports\": {\"a\": {\"device\": \"net_tap0\", \"mac\": 5}}, \"nodes\": {}, \"edges\": []}", "ports.a.mac", "expected a MAC address" },
	{ "{\"ports\": {\"a\": {\"device\": \"net_tap0\", \"ipv4\": 5}}, \"nodes\": {}, \"edges\": []}", "ports.a.ipv4", "expected an IPv4 address with prefix" },
	{ "{\"ports\": {\"a\": {\"device\": \"net_tap0\", \"ipv4\": [\"198.18.0.1/24\", {}]}}, \"nodes\": {}, \"edges\": []}", "ports.a.ipv4[1]", "expected an IPv4 address with prefix" },
	/* Without a prefix length the address was a /32: every neighbour off the
	 * port's subnet, connections waiting for ARP answers nothing routed. */
	{ "{\"ports\": {\"a\": {\"device\": \"net_tap0\", \"ipv4\": \"198.18.10.1\"}}, \"nodes\": {}, \"edges\": []}", "ports.a.ipv4", "198.18.10.1 has no prefix length" },
	{ "{\"ports\": {\"a\": {\"device\": \"net_tap0\", \"ipv6\": \"2001:2::1\"}}, \"nodes\": {}, \"edges\": []}", "ports.a.ipv6", "2001:2::1 has no prefix length" },
	{ "{\"ports\": {\"a\": {\"device\": \"net_tap0\", \"ipv4\": [\"198.18.0.1/24\", \"198.18.0.1/16\"]}}, \"nodes\": {}, \"edges\": []}", "ports.a.ipv4[1]", "198.18.0.1/16 is given twice" },
	{ "{\"ports\": {\"a\": {\"device\": \"net_tap0\", \"rx_desc\": \"1024\"}}, \"nodes\": {}, \"edges\": []}", "ports.a.rx_desc", "expected an integer" },
	{ "{\"ports\": {\"a\": {\"device\": \"net_tap0\", \"promiscuous\": 1}}, \"nodes\": {}, \"edges\": []}", "ports.a.promiscuous", "expected true or false" },
	{ "{\"ports\": {\"a\": {\"device\": \"net_tap0\", \"rss\": 5}}, \"nodes\": {}, \"edges\": []}", "ports.a.rss", "expected one of the listed strings" },
	{ "{\"ports\": {\"a\": {\"device\": \"net_tap0\", \"steering\": []}}, \"nodes\": {}, \"edges\": []}", "ports.a.steering", "expected one of the listed strings" },
	/* nodes */
	{ "{\"nodes\": {\"g\": 5}, \"edges\": []}", "nodes.g", "expected an object like {\"op\": \"count\"}" },
	{ "{\"nodes\": {\"g\": {\"op\": 5}}, \"edges\": []}", "nodes.g.op", "expected the name of an operator" },
	{ "{\"nodes\": {\"g\": {\"op\": \"generator\", \"count\": \"10\"}}, \"edges\": []}", "nodes.g.count", "expected an integer" },
	{ "{\"nodes\": {\"g\": {\"op\": \"generator\", \"src_port\": []}}, \"edges\": []}", "nodes.g.src_port", "expected a port" },
	{ "{\"nodes\": {\"f\": {\"op\": \"filter\", \"rules\": 5}}, \"edges\": []}", "nodes.f.rules", "expected an array of objects" },
	{ "{\"nodes\": {\"f\": {\"op\": \"filter\", \"rules\": [5]}}, \"edges\": []}", "nodes.f.rules[0]", "expected an object" },
	{ "{\"nodes\": {\"f\": {\"op\": \"filter\", \"rules\": [{\"proto\": 6}]}}, \"edges\": []}", "nodes.f.rules[0].proto", "got 6" },
};

START_TEST(wrong_type_named_by_path)
{
	const char *j = wrong_types[_i].json;
	const char *msg = load_bytes_error(j, strlen(j), NULL, 0);

	ck_assert_msg(msg != NULL, "%s was accepted", j);
	ck_assert_msg(strstr(msg, wrong_types[_i].place) != NULL, "%s: \"%s\" does not name %s", j,
		      msg, wrong_types[_i].place);
	ck_assert_msg(strstr(msg, wrong_types[_i].words) != NULL, "%s: \"%s\" does not say \"%s\"",
		      j, msg, wrong_types[_i].words);
}
END_TEST

START_TEST(null_is_absent_at_top_level)
{
	/* null removes an optional value, in the file as with --set */
	const char *j = "{\"name\": null, \"description\": null, \"workers\": null, \"lcores\": null, "
			"\"mbufs\": null, \"eal\": null, \"plugins\": null, \"ports\": null, "
			"\"nodes\": {\"g\": {\"op\": \"generator\"}, \"d\": {\"op\": \"drop\"}}, "
			"\"edges\": [\"g -> d\"]}";
	const char *msg = load_bytes_error(j, strlen(j), NULL, 0);

	ck_assert_msg(msg == NULL, "refused: %s", msg);
}
END_TEST

/* The same through --set: the message names the --set. */
START_TEST(wrong_type_by_override)
{
	static const struct {
		const char *set, *words;
	} cases[] = {
		{ "name=5", "--set name=5: name: expected a string, got 5" },
		{ "name=[1]", "--set name=[1]: name: expected a string" },
		{ "description={}", "--set description={}: description: expected a string" },
		{ "workers=two", "--set workers=two: workers: expected an integer" },
		{ "lcores=true", "--set lcores=true: lcores: expected \"1-3\"" },
		{ "eal=[1]", "--set eal=[1]: eal[0]: expected a string" },
		{ "ports.a.device=5", "--set ports.a.device=5: ports.a.device: expected a string" },
		{ "ports.a.mtu=67", "--set ports.a.mtu=67: ports.a.mtu: 67 is below the smallest MTU an IPv4 link has (68)" },
		/* refused by the device at start with a bare EINVAL, before */
		{ "ports.a.mac=ff:ff:ff:ff:ff:ff", "--set ports.a.mac=ff:ff:ff:ff:ff:ff: ports.a.mac: ff:ff:ff:ff:ff:ff is a multicast or broadcast address" },
		{ "ports.a.mac=00:00:00:00:00:00", "ports.a.mac: 00:00:00:00:00:00 is a zero address" },
		{ "nodes.g.op=5", "--set nodes.g.op=5: nodes.g.op: expected the name of an operator" },
		{ "nodes.g.count=abc", "--set nodes.g.count=abc: nodes.g.count: expected an integer" },
		{ "edges[0]=5", "--set edges[0]=5: edges[0]: expected a string" },
		{ "edges={}", "--set edges={}: edges: expected \"edges\": an array" },
		/* a top-level key the file does not have: the --set made it */
		{ "client.bogus=1", "--set client.bogus=1: client: unknown key \"client\"" },
		{ "bogus=1", "--set bogus=1: bogus: unknown key \"bogus\"" },
	};
	const char *j = GOOD_PREFIX "  \"nodes\": {\"g\": {\"op\": \"generator\"}, \"d\": {\"op\": \"drop\"}},\n"
				    "  \"edges\": [\"g -> d\"]\n}\n";

	ck_assert_ptr_null(load_bytes_error(j, strlen(j), NULL, 0));
	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		char *sets[] = { (char *)cases[i].set };
		const char *msg = load_bytes_error(j, strlen(j), sets, 1);
		ck_assert_msg(msg != NULL, "--set %s was accepted", cases[i].set);
		ck_assert_msg(strstr(msg, cases[i].words) != NULL, "\"%s\" does not say \"%s\"", msg,
			      cases[i].words);
	}
	/* Two --sets of one value: the message names the one that counts, the
	 * last (it named the first, whose value was fine). */
	char *twice[] = { "nodes.g.count=5", "nodes.g.count=abc" };
	const char *twice_msg = load_bytes_error(j, strlen(j), twice, 2);
	ck_assert_msg(twice_msg && strstr(twice_msg, "--set nodes.g.count=abc: nodes.g.count: expected an integer"),
		      "%s", twice_msg);
	/* A key too long is refused, not cut into two keys. */
	char set[600];
	memset(set, 'k', 300);
	snprintf(set + 300, sizeof(set) - 300, ".x=1");
	char *sets[] = { set };
	const char *msg = load_bytes_error(j, strlen(j), sets, 1);
	ck_assert_msg(msg && strstr(msg, "a key longer than 255 characters"), "%s", msg);
	/* Keys and values that are not UTF-8: jansson refuses them (and freed
	 * the new object, which the next step of the path then used: found by
	 * the loader fuzzer). */
	char *not_utf8[] = { "node\xf3s.gen.count=5" };
	msg = load_bytes_error(j, strlen(j), not_utf8, 1);
	ck_assert_msg(msg && strstr(msg, "--set node\\xf3s.gen.count=5: key \"node\\xf3s\" is not UTF-8 text"),
		      "%s", msg);
	char *value_not_utf8[] = { "nodes.g.payload=\xff" };
	msg = load_bytes_error(j, strlen(j), value_not_utf8, 1);
	ck_assert_msg(msg && strstr(msg, "--set nodes.g.payload=\\xff: the value is not UTF-8 text"),
		      "%s", msg);
	char *index_not_utf8[] = { "edges[1]=\xff" };
	msg = load_bytes_error(j, strlen(j), index_not_utf8, 1);
	ck_assert_msg(msg && strstr(msg, "the value is not UTF-8 text"), "%s", msg);
	/* A quoted value must be a JSON string: one holding \u0000 (which
	 * jansson refuses) was taken as its own text, quotes and all, and
	 * served. Plain text that begins with [ or { stays plain text. */
	char *nul[] = { "nodes.g.payload=\"\\u0000abc\"" };
	msg = load_bytes_error(j, strlen(j), nul, 1);
	ck_assert_msg(msg && strstr(msg, "begins as a JSON string but is not one") &&
			      strstr(msg, "*_hex parameter"), "%s", msg);
	char *unterminated[] = { "nodes.g.payload=\"abc" };
	msg = load_bytes_error(j, strlen(j), unterminated, 1);
	ck_assert_msg(msg && strstr(msg, "begins as a JSON string but is not one"), "%s", msg);
	char *plain[] = { "nodes.g.payload={conn}" };
	ck_assert_ptr_null(load_bytes_error(j, strlen(j), plain, 1));
}
END_TEST

/* No raw control character or bidirectional override from a file reaches
 * the terminal: names, keys, values and edges all come out escaped. */
static void
assert_escaped(const char *msg, const char *shown)
{
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strchr(msg, '\x1b') == NULL, "raw ESC in \"%s\"", msg);
	ck_assert_msg(strstr(msg, "\xe2\x80\xae") == NULL, "raw U+202E in \"%s\"", msg);
	for (const char *p = msg; *p; p++)
		ck_assert_msg((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f,
			      "byte 0x%02x in \"%s\"", (unsigned char)*p, msg);
	ck_assert_msg(strstr(msg, shown) != NULL, "\"%s\" does not show \"%s\"", msg, shown);
}

START_TEST(user_strings_escaped_in_messages)
{
	static const struct {
		const char *json, *shown;
	} cases[] = {
		/* a node name (in the path) */
		{ "{\"nodes\": {\"a\\u001b[31mb\\u202e\": {\"op\": \"count\"}}, \"edges\": []}",
		  "nodes.a\\x1b[31mb\\xe2\\x80\\xae: node names are letters" },
		/* an unknown top-level key, quoted in the message too */
		{ "{\"x\\u001b]0;pwned\\u0007\": 1, \"nodes\": {}, \"edges\": []}",
		  "unknown key \"x\\x1b]0;pwned\\x07\"" },
		/* an operator name */
		{ "{\"nodes\": {\"a\": {\"op\": \"\\u202ecount\"}}, \"edges\": []}",
		  "unknown operator \"\\xe2\\x80\\xaecount\"" },
		/* an edge */
		{ "{\"nodes\": {\"g\": {\"op\": \"generator\"}}, \"edges\": [\"g -> \\u001b[2J\"]}",
		  "no node named \"\\x1b[2J\"" },
		/* a device */
		{ "{\"ports\": {\"p\": {\"device\": \"eth0\\n\\u001b[1A\"}}, \"nodes\": {}, \"edges\": []}",
		  "device \"eth0\\n\\x1b[1A\"" },
		/* a value quoted by "got" (JSON escapes) */
		{ "{\"name\": \"a\\u001bb\", \"nodes\": {}, \"edges\": []}", "got \"a\\u001Bb\"" },
		{ "{\"nodes\": {\"g\": {\"op\": \"generator\", \"rate\": \"\\u202e\"}}, \"edges\": []}",
		  "got \"\\u202E\"" },
		/* an operator's own message quoting a value (generator's tcp_flags) */
		{ "{\"nodes\": {\"g\": {\"op\": \"generator\", \"proto\": \"tcp\", "
		  "\"tcp_flags\": \"\\u001b[31m\"}, \"d\": {\"op\": \"drop\"}}, \"edges\": [\"g -> d\"]}",
		  "\\x1b[31m" },
		/* an unknown port named by a node */
		{ "{\"nodes\": {\"t\": {\"op\": \"port_tx\", \"port\": \"\\u202ep\"}}, \"edges\": []}",
		  "no port named \"\\xe2\\x80\\xaep\"" },
	};

	for (unsigned i = 0; i < RTE_DIM(cases); i++)
		assert_escaped(load_bytes_error(cases[i].json, strlen(cases[i].json), NULL, 0),
			       cases[i].shown);
	/* And from --set: the assignment is shown escaped. */
	const char *j = "{\"nodes\": {\"g\": {\"op\": \"generator\"}, \"d\": {\"op\": \"drop\"}}, "
			"\"edges\": [\"g -> d\"]}";
	char *sets[] = { "nodes.g.count=\x1b[31m\xe2\x80\xae" };
	assert_escaped(load_bytes_error(j, strlen(j), sets, 1),
		       "--set nodes.g.count=\\x1b[31m\\xe2\\x80\\xae: nodes.g.count");
	char *bad_sets[] = { "\x1b[31m" };
	assert_escaped(load_bytes_error(j, strlen(j), bad_sets, 1), "--set \\x1b[31m: expected PATH=VALUE");
}
END_TEST

/* An empty file, and a file whose size says 0 but that has text (/proc). */
START_TEST(empty_and_sizeless_files)
{
	const char *msg = load_bytes_error("\n \n", 3, NULL, 0);

	ck_assert_msg(msg && strstr(msg, "the graph file is empty"), "%s", msg);
	harness_eal_init();
	nfg_errors_quiet(true);
	struct nfg_graph *g = nfg_graph_load("/proc/self/status", NULL, 0);
	nfg_errors_quiet(false);
	ck_assert_ptr_null(g);
	ck_assert_msg(strstr(nfg_last_error(), "expected near 'Name'"), "%s", nfg_last_error());
}
END_TEST

START_TEST(nul_byte_is_located)
{
	static const char text[] = "{\n  \"nodes\": {},\n  \"ed\0ges\": []\n}\n";
	const char *msg = load_bytes_error(text, sizeof(text) - 1, NULL, 0);

	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, ":3:6: a NUL byte (\\0) at line 3 column 6; a graph file is "
			      "UTF-8 JSON text") != NULL, "%s", msg);
	/* columns count characters, like jansson's */
	static const char utf8[] = "{\"n\\u00e9\": \"\xc3\xa9\xc3\xa9\0\"}";
	msg = load_bytes_error(utf8, sizeof(utf8) - 1, NULL, 0);
	ck_assert_msg(msg && strstr(msg, ":1:16: a NUL byte (\\0) at line 1 column 16"), "%s", msg);
	/* a file saved as UTF-16 */
	static const char utf16[] = "\xff\xfe{\0\"\0";
	msg = load_bytes_error(utf16, sizeof(utf16) - 1, NULL, 0);
	ck_assert_msg(msg && strstr(msg, "(this one looks like UTF-16)"), "%s", msg);
}
END_TEST

TEST_SUITE(loader_suite)
static Suite *
loader_suite(void)
{
	Suite *s = suite_create("loader");
	TCase *tc = tcase_create("files");

	tcase_add_test(tc, good_file_loads);
	tcase_add_test(tc, syntax_error_has_line_and_column);
	tcase_add_test(tc, unknown_operator);
	tcase_add_test(tc, missing_parameter);
	tcase_add_test(tc, mistyped_parameter);
	tcase_add_test(tc, value_out_of_range);
	tcase_add_test(tc, unknown_parameter);
	tcase_add_test(tc, request_with_typed_backslashes);
	tcase_add_test(tc, byte_order_mark_is_skipped);
	tcase_add_test(tc, generator_payload_must_fit);
	tcase_add_test(tc, operator_defaults_and_names_are_checked);
	tcase_add_test(tc, close_ended_response_has_one_round);
	tcase_add_test(tc, edge_to_unknown_node);
	tcase_add_test(tc, edge_from_unknown_output);
	tcase_add_test(tc, output_left_unconnected);
	tcase_add_test(tc, output_connected_twice);
	tcase_add_test(tc, node_not_reached);
	tcase_add_test(tc, edges_form_a_loop);
	tcase_add_test(tc, unknown_port);
	tcase_add_test(tc, plugin_missing);
	tcase_add_test(tc, wire_needs_two_ends);
	tcase_add_test(tc, bad_device);
	tcase_add_test(tc, one_device_one_port);
	tcase_add_test(tc, one_reader_per_port);
	tcase_add_test(tc, empty_and_sizeless_files);
	tcase_add_test(tc, unknown_top_level_key);
	tcase_add_test(tc, ambiguous_default_output);
	tcase_add_test(tc, optional_output_gets_counted_drop);
	tcase_add_test(tc, override_sets_nested_values);
	tcase_add_test(tc, locate_points_at_the_value);
	tcase_add_loop_test(tc, wrong_type_named_by_path, 0, (int)RTE_DIM(wrong_types));
	tcase_add_test(tc, null_is_absent_at_top_level);
	tcase_add_test(tc, wrong_type_by_override);
	tcase_add_test(tc, user_strings_escaped_in_messages);
	tcase_add_test(tc, nul_byte_is_located);
	suite_add_tcase(s, tc);
	return s;
}
