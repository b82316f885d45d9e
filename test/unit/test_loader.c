/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The loader and checker: a good file loads as written; every kind of
 * mistake is refused with one message that names the place (line:col and
 * JSON path) and says what was expected.
 */
#include <string.h>

#include "../../graph/errors.h"
#include "../../graph/model.h"
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
	/* plain strings need no quotes; missing keys are created; arrays append */
	ck_assert_int_eq(nfg_override_apply(root, "nodes.gen.src_ip=198.18.0.9", err, sizeof(err)), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(root,
		"nodes"), "gen"), "src_ip")), "198.18.0.9");
	ck_assert_int_eq(nfg_override_apply(root, "nodes.fw.rules[1]={\"dport\":22}", err, sizeof(err)), 0);
	ck_assert_int_eq(nfg_override_apply(root, "nodes.fw.rules[5].dport=1", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "past the end") != NULL, "%s", err);
	ck_assert_int_eq(nfg_override_apply(root, "novalue", err, sizeof(err)), -1);
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
	tcase_add_test(tc, unknown_top_level_key);
	tcase_add_test(tc, ambiguous_default_output);
	tcase_add_test(tc, optional_output_gets_counted_drop);
	tcase_add_test(tc, override_sets_nested_values);
	tcase_add_test(tc, locate_points_at_the_value);
	suite_add_tcase(s, tc);
	return s;
}
