/* SPDX-License-Identifier: BSD-3-Clause
 *
 * capture: the file is read back with tshark, which must accept it and see
 * every frame with its length (and captured length under a snaplen); the
 * packets themselves go on unchanged; files that cannot be opened are
 * refused at start with the parameter's path.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../model/errors.h"
#include "../../model/model.h"
#include "harness.h"

#define MAX_FRAMES 64

struct frame_info {
	unsigned len, cap_len;
	double time;
	char interface[64];
};

static const char *
capture_path(void)
{
	static char path[128];
	static unsigned n;

	snprintf(path, sizeof(path), "/tmp/nfg-unit-cap-%d-%u.pcapng", (int)getpid(), n++);
	return path;
}

/* What tshark reads from the file: returns the number of frames. Fails the
 * test when tshark does not accept the file. */
static unsigned
tshark_frames(const char *file, struct frame_info *frames)
{
	char cmd[512], line[256];
	unsigned n = 0;

	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -T fields -e frame.len -e frame.cap_len "
		 "-e frame.time_epoch -e frame.interface_name 2>/dev/null", file);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (fgets(line, sizeof(line), p)) {
		struct frame_info f = { 0 };
		ck_assert_msg(sscanf(line, "%u\t%u\t%lf\t%63s", &f.len, &f.cap_len, &f.time,
				     f.interface) == 4, "tshark said: %s", line);
		if (n < MAX_FRAMES)
			frames[n] = f;
		n++;
	}
	int status = pclose(p);
	ck_assert_msg(status == 0, "tshark -r %s failed (status %d)", file, status);
	return n;
}

/* Frame i of the test traffic: UDP frames of growing length, and a 10-byte
 * runt that is not even an Ethernet header's worth. */
static size_t
test_frame(uint8_t *buf, unsigned i)
{
	if (i == 3) {
		memset(buf, 0xab, 10);
		return 10;
	}
	return build_udp4(buf, "198.18.0.1", "198.19.0.1", (uint16_t)(4000 + i), 53, i * 13);
}

static void
inject_frames(struct harness *h, unsigned n)
{
	struct rte_mbuf *pkts[MAX_FRAMES];
	uint8_t buf[1024];

	for (unsigned i = 0; i < n; i++)
		pkts[i] = harness_pkt(buf, test_frame(buf, i));
	harness_inject(h, "in", pkts, n);
}

static void
assert_passed_unchanged(struct harness *h, unsigned n)
{
	struct rte_mbuf **pkts;
	uint8_t buf[1024];

	ck_assert_uint_eq(harness_collected(h, "end", &pkts), n);
	for (unsigned i = 0; i < n; i++) {
		size_t len = test_frame(buf, i);
		ck_assert_uint_eq(rte_pktmbuf_pkt_len(pkts[i]), len);
		ck_assert_msg(memcmp(rte_pktmbuf_mtod(pkts[i], void *), buf, len) == 0,
			      "packet %u changed", i);
	}
}

static struct harness *
load_tap(const char *file, const char *opts)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "{\"nodes\": {\"in\": {\"op\": \"test_inject\"},\n"
		 "  \"cap\": {\"op\": \"capture\", \"file\": \"%s\"%s},\n"
		 "  \"end\": {\"op\": \"test_collect\"}},\n"
		 " \"edges\": [\"in -> cap -> end\"]}", file, opts);
	return harness_load(text);
}

START_TEST(every_packet_captured_and_passed_on)
{
	const char *file = capture_path();
	struct harness *h = load_tap(file, "");
	struct frame_info frames[MAX_FRAMES];
	uint8_t buf[1024];

	inject_frames(h, 40);
	harness_walk(h, 2);
	assert_passed_unchanged(h, 40);
	ck_assert_uint_eq(harness_counter(h, "cap", "captured"), 40);
	ck_assert_uint_eq(harness_counter(h, "cap", "not_captured"), 0);
	harness_free(h); /* stop: the writer drains, the file is closed */

	ck_assert_uint_eq(tshark_frames(file, frames), 40);
	double now = (double)time(NULL);
	for (unsigned i = 0; i < 40; i++) {
		ck_assert_uint_eq(frames[i].len, test_frame(buf, i));
		ck_assert_uint_eq(frames[i].cap_len, frames[i].len);
		ck_assert_str_eq(frames[i].interface, "nfg"); /* no ethdev port here */
		ck_assert_msg(frames[i].time > now - 60 && frames[i].time <= now + 1,
			      "frame %u stamped %.3f, now is %.0f", i, frames[i].time, now);
	}
	unlink(file);
}
END_TEST

/* Two taps in a row: snaplen 64, and the smallest, 1. */
START_TEST(snaplen_cuts_the_copy_not_the_packet)
{
	char file64[128], file1[128], text[1024];
	struct frame_info frames[MAX_FRAMES];
	uint8_t buf[1024];

	snprintf(file64, sizeof(file64), "%s", capture_path());
	snprintf(file1, sizeof(file1), "%s", capture_path());
	snprintf(text, sizeof(text),
		 "{\"nodes\": {\"in\": {\"op\": \"test_inject\"},\n"
		 "  \"cap\": {\"op\": \"capture\", \"file\": \"%s\", \"snaplen\": 64},\n"
		 "  \"cap1\": {\"op\": \"capture\", \"file\": \"%s\", \"snaplen\": 1},\n"
		 "  \"end\": {\"op\": \"test_collect\"}},\n"
		 " \"edges\": [\"in -> cap -> cap1 -> end\"]}", file64, file1);
	struct harness *h = harness_load(text);
	inject_frames(h, 12); /* 10 to 185 bytes */
	harness_walk(h, 2);
	assert_passed_unchanged(h, 12);
	ck_assert_uint_eq(harness_counter(h, "cap1", "captured"), 12);
	harness_free(h);

	ck_assert_uint_eq(tshark_frames(file64, frames), 12);
	for (unsigned i = 0; i < 12; i++) {
		size_t len = test_frame(buf, i);
		ck_assert_uint_eq(frames[i].len, len);
		ck_assert_uint_eq(frames[i].cap_len, RTE_MIN(len, (size_t)64));
	}
	ck_assert_uint_eq(tshark_frames(file1, frames), 12);
	for (unsigned i = 0; i < 12; i++) {
		ck_assert_uint_eq(frames[i].len, test_frame(buf, i));
		ck_assert_uint_eq(frames[i].cap_len, 1);
	}
	unlink(file64);
	unlink(file1);
}
END_TEST

START_TEST(max_packets_stops_capturing)
{
	const char *file = capture_path();
	struct harness *h = load_tap(file, ", \"max_packets\": 3");
	struct frame_info frames[MAX_FRAMES];
	uint8_t buf[1024];

	inject_frames(h, 10);
	harness_walk(h, 2);
	inject_frames(h, 5);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_counter(h, "cap", "captured"), 3);
	ck_assert_uint_eq(harness_counter(h, "cap", "not_captured"), 0);
	ck_assert_uint_eq(harness_collected(h, "end", NULL), 15); /* all went on */
	harness_free(h);

	ck_assert_uint_eq(tshark_frames(file, frames), 3);
	for (unsigned i = 0; i < 3; i++)
		ck_assert_uint_eq(frames[i].len, test_frame(buf, i));
	unlink(file);
}
END_TEST

START_TEST(sink_frees_after_capture)
{
	const char *file = capture_path();
	char text[512];
	struct frame_info frames[MAX_FRAMES];

	snprintf(text, sizeof(text),
		 "{\"nodes\": {\"in\": {\"op\": \"test_inject\"},\n"
		 "  \"cap\": {\"op\": \"capture\", \"file\": \"%s\", \"sink\": true}},\n"
		 " \"edges\": [\"in -> cap\"]}", file);
	struct harness *h = harness_load(text);
	inject_frames(h, 20);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_counter(h, "cap", "captured"), 20);
	ck_assert_uint_eq(harness_counter(h, "cap", "consumed"), 20);
	ck_assert_uint_eq(harness_pool_in_use(), 0);
	harness_free(h);
	ck_assert_uint_eq(tshark_frames(file, frames), 20);
	unlink(file);

	/* A sink has no output to connect. */
	snprintf(text, sizeof(text),
		 "{\"nodes\": {\"in\": {\"op\": \"test_inject\"},\n"
		 "  \"cap\": {\"op\": \"capture\", \"file\": \"%s\", \"sink\": true},\n"
		 "  \"end\": {\"op\": \"test_collect\"}},\n"
		 " \"edges\": [\"in -> cap -> end\"]}", file);
	const char *msg = harness_load_error(text);
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "edges[0]") && strstr(msg, "no outputs"), "%s", msg);
}
END_TEST

/* With ethdev ports, each packet is filed under its port's interface, and a
 * packet from no port (a generator's) under the first port. (The wire's
 * net_ring PMD does not set m->port, so the test sets it.) */
START_TEST(packets_filed_under_their_port)
{
	char file[128], text[1024];
	struct frame_info frames[MAX_FRAMES];

	snprintf(file, sizeof(file), "%s", capture_path());
	snprintf(text, sizeof(text),
		 "{\"ports\": {\"a\": {\"device\": \"wire:capw\"}, \"b\": {\"device\": \"wire:capw\"}},\n"
		 " \"nodes\": {\"in\": {\"op\": \"test_inject\"},\n"
		 "  \"cap\": {\"op\": \"capture\", \"file\": \"%s\", \"snaplen\": 50},\n"
		 "  \"end\": {\"op\": \"test_collect\"}},\n"
		 " \"edges\": [\"in -> cap -> end\"]}", file);
	struct harness *h = harness_load(text);
	uint16_t a = nfg_port_get("a")->port_id, b = nfg_port_get("b")->port_id;
	const uint16_t port_ids[] = { b, a, RTE_MBUF_PORT_INVALID, 1000, b };
	struct rte_mbuf *pkts[RTE_DIM(port_ids)];
	uint8_t buf[128];
	size_t len = build_udp4(buf, "198.18.0.1", "198.19.0.1", 1, 2, 48); /* 90 bytes */
	for (unsigned i = 0; i < RTE_DIM(port_ids); i++) {
		pkts[i] = harness_pkt(buf, len);
		pkts[i]->port = port_ids[i];
	}
	harness_inject(h, "in", pkts, RTE_DIM(port_ids));
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "end", NULL), RTE_DIM(port_ids));
	harness_free(h);

	ck_assert_uint_eq(tshark_frames(file, frames), RTE_DIM(port_ids));
	for (unsigned i = 0; i < RTE_DIM(port_ids); i++) {
		char want[64];
		unsigned port = port_ids[i] == a || port_ids[i] == b ? port_ids[i] : RTE_MIN(a, b);
		snprintf(want, sizeof(want), "dpdk:%u", port);
		ck_assert_uint_eq(frames[i].len, 90);
		ck_assert_uint_eq(frames[i].cap_len, 50);
		ck_assert_str_eq(frames[i].interface, want);
	}
	unlink(file);
}
END_TEST

struct pipe_reader {
	int fd;
	FILE *out;
};

static void *
drain_pipe(void *arg)
{
	struct pipe_reader *r = arg;
	char buf[65536];
	ssize_t n;

	while ((n = read(r->fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, r->out);
	return NULL;
}

/* The file is a pipe nobody reads yet: the writer blocks once the pipe is
 * full, like a disk that cannot keep up. The workers must go on, passing
 * what finds no room uncaptured, and what was captured must be whole. */
START_TEST(stalled_writer_never_blocks_the_path)
{
	char fifo[128], file[128];
	struct frame_info frames[MAX_FRAMES];
	uint8_t buf[128];

	snprintf(fifo, sizeof(fifo), "%s", capture_path());
	snprintf(file, sizeof(file), "%s", capture_path());
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	struct pipe_reader reader = { .fd = open(fifo, O_RDONLY | O_NONBLOCK) };
	ck_assert_int_ge(reader.fd, 0);
	char text[512];
	snprintf(text, sizeof(text),
		 "{\"nodes\": {\"in\": {\"op\": \"test_inject\"},\n"
		 "  \"cap\": {\"op\": \"capture\", \"file\": \"%s\", \"sink\": true}},\n"
		 " \"edges\": [\"in -> cap\"]}", fifo);
	struct harness *h = harness_load(text);
	fcntl(reader.fd, F_SETFL, 0); /* blocking from now on */

	size_t len = build_udp4(buf, "198.18.0.1", "198.19.0.1", 7, 7, 58); /* 100 bytes */
	unsigned total = 0;
	for (int round = 0; round < 3; round++) {
		struct rte_mbuf *pkts[4000];
		for (unsigned i = 0; i < RTE_DIM(pkts); i++)
			pkts[i] = harness_pkt(buf, len);
		harness_inject(h, "in", pkts, RTE_DIM(pkts));
		total += RTE_DIM(pkts);
		harness_walk(h, 20);
		ck_assert_uint_eq(harness_counter(h, "cap", "consumed"), total);
	}
	uint64_t captured = harness_counter(h, "cap", "captured");
	uint64_t missed = harness_counter(h, "cap", "not_captured");
	ck_assert_uint_eq(captured + missed, total);
	ck_assert_uint_gt(missed, 0);

	/* Unblock the writer; stop waits for it to write all it took. */
	reader.out = fopen(file, "w");
	ck_assert_ptr_nonnull(reader.out);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, drain_pipe, &reader), 0);
	harness_free(h);
	pthread_join(t, NULL);
	fclose(reader.out);
	close(reader.fd);
	ck_assert_uint_eq(tshark_frames(file, frames), captured);
	unlink(fifo);
	unlink(file);
}
END_TEST

/* Loads a graph that passes the checker and starts its operators the way
 * a run does; returns the error of the first start that fails, or NULL. */
static const char *
start_error(const char *text)
{
	static char msg[1024];
	char path[] = "/tmp/nfg-unit-XXXXXX.json";
	int fd = mkstemps(path, 5);
	const char *err = NULL;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	nfg_errors_quiet(true);
	struct nfg_graph *g = nfg_graph_load(path, NULL, 0);
	unlink(path);
	ck_assert_msg(g != NULL, "graph did not load: %s", nfg_last_error());
	unsigned started = 0;
	for (; started < g->nb_instances; started++) {
		struct nfg_instance *inst = g->instances[started];
		if (inst->op->start && inst->op->start(inst) < 0) {
			snprintf(msg, sizeof(msg), "%s", nfg_last_error());
			err = msg;
			break;
		}
	}
	while (started-- > 0)
		if (g->instances[started]->op->stop)
			g->instances[started]->op->stop(g->instances[started]);
	nfg_errors_quiet(false);
	nfg_graph_free(g);
	return err;
}

/* A graph whose capture node writes `file`. */
static const char *
capture_graph(const char *file)
{
	static char text[512];

	snprintf(text, sizeof(text),
		 "{\"nodes\": {\"in\": {\"op\": \"test_inject\"},\n"
		 "  \"cap\": {\"op\": \"capture\", \"file\": \"%s\", \"sink\": true}},\n"
		 " \"edges\": [\"in -> cap\"]}", file);
	return text;
}

static const char *
start_error_for(const char *file)
{
	return start_error(capture_graph(file));
}

static const char *
load_error_for(const char *file)
{
	return harness_load_error(capture_graph(file));
}

START_TEST(unwritable_file_refused_at_start)
{
	/* What can be judged before the run is refused when the graph loads
	 * (nfg check too): a missing directory, a directory for the file. */
	const char *msg = load_error_for("/nonexistent-nfg-dir/x.pcapng");
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.cap.file") && strstr(msg, "/nonexistent-nfg-dir/x.pcapng")
		      && strstr(msg, "no directory /nonexistent-nfg-dir"), "%s", msg);
	msg = load_error_for("/tmp");
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.cap.file") && strstr(msg, "is a directory"), "%s", msg);

	/* The rest at start: a directory where no file can be made. */
	msg = start_error_for("/proc/nfg-x.pcapng");
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.cap.file") && strstr(msg, "cannot open /proc/nfg-x.pcapng"),
		      "%s", msg);

	const char *file = capture_path();
	ck_assert_ptr_null(start_error_for(file)); /* and a good one starts (and stops) */
	struct frame_info frames[1];
	ck_assert_uint_eq(tshark_frames(file, frames), 0); /* a valid, empty capture */
	unlink(file);

	msg = harness_load_error(
		"{\"nodes\": {\"in\": {\"op\": \"test_inject\"},\n"
		"  \"cap\": {\"op\": \"capture\", \"file\": \"\", \"sink\": true}},\n"
		" \"edges\": [\"in -> cap\"]}");
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.cap.file"), "%s", msg);
}
END_TEST

TEST_SUITE(capture_suite)
static Suite *
capture_suite(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("pcapng");

	tcase_add_test(tc, every_packet_captured_and_passed_on);
	tcase_add_test(tc, snaplen_cuts_the_copy_not_the_packet);
	tcase_add_test(tc, max_packets_stops_capturing);
	tcase_add_test(tc, sink_frees_after_capture);
	tcase_add_test(tc, packets_filed_under_their_port);
	tcase_add_test(tc, stalled_writer_never_blocks_the_path);
	tcase_add_test(tc, unwritable_file_refused_at_start);
	suite_add_tcase(s, tc);
	return s;
}
