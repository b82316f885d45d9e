/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The nfg command line: run, check, dot, ops.
 */
#include <errno.h>
#include <getopt.h>
#include <rte_version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../model/errors.h"
#include "observe.h"

#ifndef NFG_VERSION
#define NFG_VERSION "0.1.0"
#endif

/* The help text: each command's line and each option's, with the commands
 * it applies to, so that "nfg COMMAND --help" shows only what COMMAND takes. */
static const struct {
	const char *name, *line;
} commands[] = {
	{ "run", "  nfg run GRAPH [options] [-- EAL args]   run a graph\n" },
	{ "check", "  nfg check GRAPH [options]               check a graph file, print nothing if fine\n" },
	{ "dot", "  nfg dot GRAPH [--png OUT.png] [options] print the graph as Graphviz (or render it)\n" },
	{ "ops", "  nfg ops [NAME] [--plugin SO]            list operators, or document one\n" },
	{ "report", "  nfg report FILE.json --png OUT.png      plot a recorded run's timeline (gnuplot)\n" },
	{ "top", "  nfg top [PREFIX|PID] [--interval S]     live view of a running graph (telemetry)\n" },
};

static const struct {
	const char *cmds; /* the commands it applies to, space-separated */
	const char *text;
} options[] = {
	{ "run check dot",
	  "  --set PATH=VALUE    change a value of the file, e.g. --set nodes.fw.rules[0].dport=8080\n"
	  "                      (VALUE is JSON if it parses as JSON, else a string); repeatable\n" },
	{ "run check dot ops",
	  "  --plugin SO         load an operator plugin (also \"plugins\" in the file); repeatable\n" },
	{ "run",
	  "  --duration S        run: stop after S seconds (default, or 0: when finite sources\n"
	  "                      are done, else at SIGINT/SIGTERM)\n"
	  "  --stats-json FILE   run: write the final counters as JSON\n"
	  "  --progress S        run: seconds between progress lines (default 1, at least 0.1)\n"
	  "  --quiet             run: no progress line (the summary still prints)\n"
	  "  --records FILE      run: per-connection session records of TCP operators\n"
	  "                      (.csv, else JSON lines)\n"
	  "  --profile           run: time every node call (cycles/packet exact, but the\n"
	  "                      timing costs; by default one walk in 64 is timed)\n"
	  "  --timeline FILE     run: a row per second per worker and in total (.csv, else\n"
	  "                      JSON lines): packets, busy share, TCP rates, failures,\n"
	  "                      latency; --stats-json gets the same rows\n"
	  "  --metrics ADDR:PORT run: serve the counters for Prometheus at\n"
	  "                      http://ADDR:PORT/metrics, on that address only\n"
	  "                      (127.0.0.1:9100, [::1]:9100; 0.0.0.0 means every interface)\n" },
	{ "dot report", "  --png OUT.png       dot, report: draw into a PNG file\n" },
	{ "top", "  --interval S        top: seconds between refreshes (default 1)\n" },
	{ "run", "  -- EAL args         run: DPDK EAL arguments, after the file's \"eal\" list\n" },
};

static bool
applies_to(const char *cmds, const char *cmd)
{
	size_t len = strlen(cmd);

	for (const char *at = strstr(cmds, cmd); at; at = strstr(at + 1, cmd))
		if ((at == cmds || at[-1] == ' ') && (at[len] == ' ' || at[len] == '\0'))
			return true;
	return false;
}

/* Everything, or (cmd given and known) what that command takes. */
static void
print_help(FILE *out, const char *cmd)
{
	bool known = false;

	for (unsigned i = 0; cmd && i < RTE_DIM(commands); i++)
		known |= strcmp(commands[i].name, cmd) == 0;
	if (!known)
		cmd = NULL;
	fputs("nfg " NFG_VERSION " — network functions as dataflow graphs on DPDK\n\nusage:\n", out);
	for (unsigned i = 0; i < RTE_DIM(commands); i++)
		if (!cmd || strcmp(commands[i].name, cmd) == 0)
			fputs(commands[i].line, out);
	if (!cmd)
		fputs("  nfg --help | --version\n", out);
	if (!cmd || strcmp(cmd, "run") == 0 || strcmp(cmd, "check") == 0 ||
	    strcmp(cmd, "dot") == 0)
		fputs("\nGRAPH is a JSON file, or the name of a prebuilt graph (nfg run l2fwd).\n", out);
	bool header = false;
	for (unsigned i = 0; i < RTE_DIM(options); i++) {
		if (cmd && !applies_to(options[i].cmds, cmd))
			continue;
		if (!header)
			fputs("\noptions:\n", out);
		header = true;
		fputs(options[i].text, out);
	}
	fputs("\nexit status: 0 ok, 1 bad input or start failure, 2 usage, 3 mbufs leaked,\n"
	      "             4 an operator failed at everything (a client: no connection completed,\n"
	      "               no response received)\n", out);
	if (cmd)
		fputs("\nnfg --help: every command and option\n", out);
}

struct cli {
	const char *cmd;
	char **sets;
	unsigned nb_sets;
	char **plugins;
	unsigned nb_plugins;
	const char *png;
	const char *metrics;
	double interval;
	struct nfg_run_options run;
};

static void
push(char ***arr, unsigned *n, char *s)
{
	*arr = realloc(*arr, (*n + 1) * sizeof(char *));
	(*arr)[(*n)++] = s;
}

static int
parse_options(int argc, char **argv, struct cli *c)
{
	static const struct option longopts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "plugin", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "stats-json", required_argument, NULL, 'j' },
		{ "progress", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "png", required_argument, NULL, 'g' },
		{ "records", required_argument, NULL, 'R' },
		{ "profile", no_argument, NULL, 'P' },
		{ "timeline", required_argument, NULL, 'T' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;
	char *end;

	c->run.progress_interval = 1.0;
	optind = 1;
	opterr = 0; /* our own messages, prefixed "nfg:" */
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			push(&c->sets, &c->nb_sets, optarg);
			break;
		case 'p':
			push(&c->plugins, &c->nb_plugins, optarg);
			break;
		case 'd':
		case 'r':
		case 'i': {
			double v = strtod(optarg, &end);
			/* (!(v <= 1e9): NaN and infinity too; a duration of 0 means
			 * no end; lines and samples closer than 0.1 s say nothing
			 * more, and --progress 0 silently meant 1 s) */
			if (*end || end == optarg || v < 0 || !(v <= 1e9) || (opt != 'd' && v < 0.1)) {
				fprintf(stderr, "nfg: --%s: expected seconds%s, got \"%s\"\n",
					opt == 'd' ? "duration" : opt == 'r' ? "progress" : "interval",
					opt != 'd' ? " (0.1 or more)" : "", nfg_esc(optarg));
				return -1;
			}
			if (opt == 'd')
				c->run.duration = v;
			else if (opt == 'r')
				c->run.progress_interval = v;
			else
				c->interval = v;
			break;
		}
		case 'T':
			c->run.timeline = optarg;
			break;
		case 'M':
			c->metrics = optarg;
			break;
		case 'j':
			c->run.stats_json = optarg;
			break;
		case 'q':
			c->run.quiet = true;
			break;
		case 'g':
			c->png = optarg;
			break;
		case 'R':
			c->run.records = optarg;
			break;
		case 'P':
			c->run.profile = true;
			break;
		case 'h':
			print_help(stdout, c->cmd);
			exit(0);
		default:
			if (optopt) {
				/* Named as it was written: --duration, not its letter. */
				const char *name = NULL;
				for (const struct option *o = longopts; o->name; o++)
					if (o->val == optopt && o->has_arg == required_argument)
						name = o->name;
				char opt_text[2] = { (char)optopt, '\0' };
				if (name)
					fprintf(stderr, "nfg: --%s needs a value; see nfg --help\n", name);
				else
					fprintf(stderr, "nfg: option -%s is unknown; see nfg --help\n",
						nfg_esc(opt_text));
			} else {
				fprintf(stderr, "nfg: unknown option \"%s\"; see nfg --help\n",
					nfg_esc(argv[optind - 1]));
			}
			return -1;
		}
	}
	return optind;
}

static int
load_plugins(struct cli *c)
{
	for (unsigned i = 0; i < c->nb_plugins; i++)
		if (nfg_plugin_load_from(c->plugins[i], ".") < 0)
			return -1;
	return 0;
}

static const char *
type_text(const struct nfg_param *p, char *buf, size_t len)
{
	static const char *const names[] = {
		[NFG_T_BOOL] = "bool", [NFG_T_INT] = "int", [NFG_T_NUMBER] = "number",
		[NFG_T_STRING] = "string", [NFG_T_ENUM] = "enum", [NFG_T_IPV4] = "ipv4",
		[NFG_T_IP] = "ip", [NFG_T_PREFIX] = "prefix", [NFG_T_MAC] = "mac",
		[NFG_T_PORTRANGE] = "port range", [NFG_T_HEX] = "hex", [NFG_T_PORT] = "port name",
		[NFG_T_NODE] = "node name", [NFG_T_STRLIST] = "strings", [NFG_T_LIST] = "list",
		[NFG_T_ANY] = "json",
	};
	size_t n = (size_t)snprintf(buf, len, "%s", names[p->type]);
	if (p->type == NFG_T_ENUM) {
		for (const char *const *ch = p->choices; ch && *ch && n < len; ch++)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", ch == p->choices ? " " : "|", *ch);
	} else if ((p->type == NFG_T_INT || p->type == NFG_T_NUMBER) && (p->min || p->max)) {
		/* Integers in full: "1e+15" is refused where an integer is wanted. */
		snprintf(buf + n, len - n, p->type == NFG_T_INT ? " %.0f..%.0f" : " %.15g..%.15g",
			 p->min, p->max);
	}
	return buf;
}

static void
print_params(const struct nfg_param *params, int indent)
{
	char type[160];

	for (const struct nfg_param *p = params; p && p->name; p++) {
		char deflt[96];
		if (p->def)
			snprintf(deflt, sizeof(deflt), "default %s", p->def);
		else
			snprintf(deflt, sizeof(deflt), "%s",
				 p->flags & NFG_P_OPTIONAL ? "optional" : "required");
		printf("%*s%-14s %-24s %-18s %s\n", indent, "", p->name, type_text(p, type, sizeof(type)),
		       deflt, p->doc ? p->doc : "");
		if (p->type == NFG_T_LIST)
			print_params(p->fields, indent + 4);
	}
}

/* What `nfg ops NAME` says of a counter beside its name: drops, and the
 * successes and failures that decide exit status 4. */
static const char *
counter_kind_label(enum nfg_counter_kind kind)
{
	switch (kind) {
	case NFG_CTR_DROP:
		return "drop";
	case NFG_CTR_SUCCESS:
		return "success";
	case NFG_CTR_FAILURE:
		return "failure";
	default:
		return "";
	}
}

static void
print_outputs(const struct nfg_op *op)
{
	bool any = false;

	printf("Outputs:  ");
	for (const char *const *n = op->outputs; n && *n; n++, any = true)
		printf("%s%s", any ? ", " : "", *n);
	for (const char *const *n = op->optional_outputs; n && *n; n++, any = true)
		printf("%s%s (optional)", any ? ", " : "", *n);
	if (op->outputs_doc)
		printf("%s%s", any ? "; " : "", op->outputs_doc);
	else if (!any)
		printf("none");
	printf("\n");
}

static int
cmd_ops(int argc, char **argv, struct cli *c)
{
	if (load_plugins(c) < 0)
		return 1;
	if (optind >= argc) {
		for (unsigned i = 0; i < nfg_op_count(); i++)
			printf("%-14s %s\n", nfg_op_at(i)->name, nfg_op_at(i)->summary);
		printf("\nnfg ops NAME documents one operator.\n");
		return 0;
	}
	const struct nfg_op *op = nfg_op_find(argv[optind]);
	if (!op) {
		fprintf(stderr, "nfg: no operator \"%s\"; nfg ops lists them (a plugin's operators "
			"appear with --plugin FILE.so: nfg ops --plugin FILE.so %s)\n",
			nfg_esc(argv[optind]), nfg_esc(argv[optind]));
		return 1;
	}
	printf("%s — %s\n\n%s\n\n", op->name, op->summary, op->doc ? op->doc : "");
	printf("Input:    %s\n", op->input_doc ? op->input_doc
			       : (op->flags & NFG_OP_SOURCE) ? "none (a source)" : "packets");
	print_outputs(op);
	if (op->counters && op->counters[0].name) {
		printf("Counters:\n");
		for (const struct nfg_counter *ct = op->counters; ct->name; ct++)
			printf("  %-24s %-7s %s\n", ct->name, counter_kind_label(ct->kind),
			       ct->doc ? ct->doc : "");
	}
	printf("\nParameters:\n");
	if (!op->params || !op->params[0].name)
		printf("  none\n");
	print_params(op->params, 2);
	if (op->example)
		printf("\nExample:\n  %s\n", op->example);
	return 0;
}

/* Output files are checked before the run, not found unwritable after it. */
static bool
writable(const char *what, const char *path)
{
	FILE *f = path ? fopen(path, "a") : NULL;

	if (!path)
		return true;
	if (!f) {
		fprintf(stderr, "nfg: %s %s: cannot write: %s\n", what, nfg_esc(path), strerror(errno));
		return false;
	}
	fclose(f);
	return true;
}

static struct nfg_graph *
load_graph(int argc, char **argv, struct cli *c)
{
	if (optind >= argc) {
		fprintf(stderr, "nfg: which graph? (a JSON file or a prebuilt name; see nfg --help)\n");
		exit(2);
	}
	if (load_plugins(c) < 0)
		return NULL;
	char *file = nfg_graph_resolve(argv[optind]);
	if (!file) {
		fprintf(stderr, "nfg: %s: no such file, and no prebuilt graph by that name\n",
			nfg_esc(argv[optind]));
		return NULL;
	}
	struct nfg_graph *g = nfg_graph_load(file, c->sets, c->nb_sets);
	free(file);
	return g;
}

static int
cmd_dot(struct nfg_graph *g, struct cli *c)
{
	if (!c->png) {
		nfg_graph_dot(g, stdout);
		return 0;
	}
	/* dot reads the graph on a pipe; the path goes to it as an argument, never
	 * through a shell. */
	int fds[2];
	if (pipe(fds) != 0)
		return 1;
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		execlp("dot", "dot", "-Tpng", "-o", c->png, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	FILE *p = fdopen(fds[1], "w");
	if (p) {
		nfg_graph_dot(g, p);
		fclose(p);
	} else {
		close(fds[1]);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return 1;
	if (WEXITSTATUS(status) == 127) {
		fprintf(stderr, "nfg: --png needs Graphviz's dot (apt-get install graphviz)\n");
		return 1;
	}
	return WEXITSTATUS(status) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct cli c = { 0 };
	int rc;

	if (argc < 2) {
		print_help(stderr, NULL);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		print_help(stdout, argc > 2 && argv[1][0] == 'h' ? argv[2] : NULL);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("nfg %s (nfg API %d, %s)\n", NFG_VERSION, NFG_API_VERSION, rte_version());
		return 0;
	}
	const char *cmd = argv[1];
	c.cmd = cmd;
	/* Everything after "--" goes to the EAL untouched. */
	int sub_argc = argc - 1;
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			sub_argc = i - 1;
			c.run.eal_args = &argv[i + 1];
			c.run.nb_eal_args = (unsigned)(argc - i - 1);
			break;
		}
	if (parse_options(sub_argc, argv + 1, &c) < 0)
		return 2;
	int sub_optind = optind;
	char **sub_argv = argv + 1;

	/* Every command takes one name (a graph, an operator, a file) at most:
	 * a second would be ignored, and a file given there never checked. */
	if (sub_argc - sub_optind > 1) {
		fprintf(stderr, "nfg: %s takes one %s; \"%s\" is one too many (options go "
			"before or after it; EAL's after --); see nfg --help\n", nfg_esc(cmd),
			strcmp(cmd, "ops") == 0 ? "operator name" : "graph or file",
			nfg_esc(sub_argv[sub_optind + 1]));
		return 2;
	}

	if (strcmp(cmd, "ops") == 0) {
		optind = sub_optind;
		rc = cmd_ops(sub_argc, sub_argv, &c);
	} else if (strcmp(cmd, "check") == 0 || strcmp(cmd, "dot") == 0 ||
		   strcmp(cmd, "run") == 0) {
		nfg_run_options_set(&c.run);
		struct nfg_graph *g = load_graph(sub_argc, sub_argv, &c);
		bool records_used = false;
		for (unsigned i = 0; g && i < g->nb_instances; i++)
			records_used |= (g->instances[i]->op->flags & NFG_OP_RECORDS) != 0;
		if (g && c.run.records && !records_used)
			fprintf(stderr, "nfg: --records: no operator of this graph keeps session "
				"records (tcp_client and tcp_server do)\n");
		if (!g)
			rc = 1;
		else if (strcmp(cmd, "run") == 0 && (!writable("--stats-json", c.run.stats_json) ||
						     !writable("--records", c.run.records) ||
						     !writable("--timeline", c.run.timeline)))
			rc = 1;
		/* Bound now: a bad address or a taken port ends here, before EAL. */
		else if (strcmp(cmd, "run") == 0 && c.metrics && nfg_metrics_listen(c.metrics) < 0)
			rc = 1;
		else if (strcmp(cmd, "check") == 0)
			rc = 0;
		else if (strcmp(cmd, "dot") == 0)
			rc = cmd_dot(g, &c);
		else
			rc = nfg_run(g, &c.run);
		nfg_metrics_close();
		nfg_graph_free(g);
	} else if (strcmp(cmd, "report") == 0) {
		if (optind >= sub_argc || !c.png) {
			fprintf(stderr, "nfg: usage: nfg report FILE.json --png OUT.png\n");
			rc = 2;
		} else {
			rc = nfg_report_plot(sub_argv[optind], c.png);
		}
	} else if (strcmp(cmd, "top") == 0) {
		rc = nfg_top(optind < sub_argc ? sub_argv[optind] : NULL,
			     c.interval > 0 ? c.interval : 1.0);
	} else {
		fprintf(stderr, "nfg: unknown command \"%s\"; see nfg --help\n", nfg_esc(cmd));
		rc = 2;
	}
	free(c.sets);
	free(c.plugins);
	return rc;
}
