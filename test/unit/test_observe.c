/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The pure parts of watching a run (runtime/observe.h): a second's
 * histogram as the difference of two cumulative ones (what the timeline's
 * percentiles come from), the Prometheus text format (escaping, cumulative
 * buckets, sum and count), the --metrics address parser, and how rates are
 * written for people.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../runtime/observe.h"
#include "harness.h"
#include "nfg/rate.h"

static uint64_t rng_state;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static uint64_t
log_uniform(double hi)
{
	double u = (double)(rng() >> 11) / (double)(1ull << 53);
	return (uint64_t)exp(u * log(hi));
}

static bool
within(uint64_t got, uint64_t want, double share)
{
	double d = fabs((double)got - (double)want);
	return d <= share * (double)want + 1;
}

/* Cumulative A (first second), B = A + the second second's samples: the
 * interval B - A has the second second's percentiles, count and extremes. */
START_TEST(interval_is_the_second_alone)
{
	static struct nfg_hist a, b, only, iv;
	static const double pcts[] = { 1, 10, 50, 90, 99, 99.9 };

	for (unsigned round = 0; round < 20; round++) {
		memset(&a, 0, sizeof(a));
		memset(&only, 0, sizeof(only));
		rng_state = 0x9e3779b97f4a7c15ull + round;
		for (unsigned i = 0; i < 5000; i++)
			nfg_hist_add(&a, log_uniform(1e9));
		b = a;
		unsigned n = 1 + (unsigned)(rng() % 3000);
		for (unsigned i = 0; i < n; i++) {
			/* Even rounds: the second's samples are the run's largest. */
			uint64_t v = round % 2 ? log_uniform(1e6) : 1000000000ull + log_uniform(1e9);
			nfg_hist_add(&b, v);
			nfg_hist_add(&only, v);
		}
		nfg_hist_interval(&b, &a, &iv);
		ck_assert_uint_eq(iv.count, n);
		for (unsigned i = 0; i < NFG_HIST_BUCKETS; i++)
			ck_assert_uint_eq(iv.buckets[i], only.buckets[i]);
		for (unsigned p = 0; p < sizeof(pcts) / sizeof(pcts[0]); p++)
			ck_assert_msg(within(nfg_hist_percentile(&iv, pcts[p]), nfg_hist_percentile(&only, pcts[p]),
					     0.008),
				      "round %u p%g: %lu vs %lu", round, pcts[p],
				      (unsigned long)nfg_hist_percentile(&iv, pcts[p]),
				      (unsigned long)nfg_hist_percentile(&only, pcts[p]));
		ck_assert_msg(within(nfg_hist_max(&iv), nfg_hist_max(&only), 0.008), "max %lu vs %lu",
			      (unsigned long)nfg_hist_max(&iv), (unsigned long)nfg_hist_max(&only));
		if (round % 2 == 0) /* the run's max is this second's: exact */
			ck_assert_uint_eq(nfg_hist_max(&iv), nfg_hist_max(&only));
		ck_assert_msg(within(nfg_hist_min(&iv), nfg_hist_min(&only), 0.008), "min %lu vs %lu",
			      (unsigned long)nfg_hist_min(&iv), (unsigned long)nfg_hist_min(&only));
	}
}
END_TEST

START_TEST(empty_interval_reads_zero)
{
	static struct nfg_hist a, iv;

	memset(&a, 0, sizeof(a));
	for (unsigned i = 1; i <= 100; i++)
		nfg_hist_add(&a, i * 1000);
	nfg_hist_interval(&a, &a, &iv);
	ck_assert_uint_eq(iv.count, 0);
	ck_assert_uint_eq(nfg_hist_percentile(&iv, 50), 0);
	ck_assert_uint_eq(nfg_hist_max(&iv), 0);
	ck_assert_uint_eq(nfg_hist_min(&iv), 0);
}
END_TEST

/* What fn writes, in a string to free. (Not inlined: GCC 12 then takes the
 * memstream's buffer for a local that dangles.) */
static __attribute__((noinline)) char *
captured(void (*fn)(FILE *, void *), void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, arg);
	fclose(f);
	return buf;
}

static void
write_escaped(FILE *f, void *arg)
{
	const char *labels[] = { "node", "a\"b\\c\nd", "worker", "0", NULL };

	(void)arg;
	nfg_prom_family(f, "nfg_x_total", "counter", "help with \\ and\nnewline");
	nfg_prom_sample_u64(f, "nfg_x_total", labels, 42);
	nfg_prom_sample(f, "nfg_y_seconds", NULL, 1.5);
}

START_TEST(prometheus_escapes_labels_and_help)
{
	char *s = captured(write_escaped, NULL);

	ck_assert_str_eq(s, "# HELP nfg_x_total help with \\\\ and\\nnewline\n"
			    "# TYPE nfg_x_total counter\n"
			    "nfg_x_total{node=\"a\\\"b\\\\c\\nd\",worker=\"0\"} 42\n"
			    "nfg_y_seconds 1.5\n");
	free(s);
}
END_TEST

static void
write_histogram(FILE *f, void *arg)
{
	const char *labels[] = { "node", "client", NULL };

	nfg_prom_histogram(f, "nfg_tcp_connect_seconds", labels, arg);
}

/* le="..." value of the bucket line with that bound. */
static long
bucket(const char *text, const char *le)
{
	char key[96];

	snprintf(key, sizeof(key), "le=\"%s\"} ", le);
	const char *p = strstr(text, key);
	return p ? atol(p + strlen(key)) : -1;
}

START_TEST(prometheus_histogram_is_cumulative)
{
	static struct nfg_hist h;

	memset(&h, 0, sizeof(h));
	nfg_hist_add(&h, 5000);           /* 5 us */
	nfg_hist_add(&h, 150000);         /* 150 us */
	nfg_hist_add(&h, 3000000);        /* 3 ms */
	nfg_hist_add(&h, 20000000000ull); /* 20 s: beyond the last bound */
	char *s = captured(write_histogram, &h);
	ck_assert_int_eq(bucket(s, "1e-05"), 1);
	ck_assert_int_eq(bucket(s, "0.0001"), 1);
	ck_assert_int_eq(bucket(s, "0.00025"), 2);
	ck_assert_int_eq(bucket(s, "0.0025"), 2);
	ck_assert_int_eq(bucket(s, "0.005"), 3);
	ck_assert_int_eq(bucket(s, "10"), 3);
	ck_assert_int_eq(bucket(s, "+Inf"), 4);
	ck_assert_ptr_nonnull(strstr(s, "nfg_tcp_connect_seconds_count{node=\"client\"} 4\n"));
	const char *sum = strstr(s, "nfg_tcp_connect_seconds_sum{node=\"client\"} ");
	ck_assert_ptr_nonnull(sum);
	double v = atof(sum + strlen("nfg_tcp_connect_seconds_sum{node=\"client\"} "));
	ck_assert_msg(fabs(v - 20.003155) < 20.003155 * 0.005, "sum %g", v);
	/* Every line is a bucket, the sum or the count, buckets never fall. */
	long last = -1;
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		ck_assert_ptr_nonnull(strstr(line, "nfg_tcp_connect_seconds_"));
		if (strstr(line, "_bucket{")) {
			long n = atol(strrchr(line, ' ') + 1);
			ck_assert_int_ge(n, last);
			last = n;
		}
	}
	free(s);
}
END_TEST

START_TEST(metrics_addresses)
{
	static const char *const good[] = { "127.0.0.1:9100", "0.0.0.0:1", "198.18.0.1:65535",
					    "[::1]:9100", "[2001:db8::1]:80", "localhost:9464" };
	static const char *const bad[] = { "", "nonsense", "127.0.0.1", "127.0.0.1:", ":9100",
					   "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:80x",
					   "127.0.0.1:+80", "127.0.0.1:-1", "example.org:80",
					   "300.1.1.1:80", "[::1]", "[::1]9100", "[::1:9100",
					   "::1:9100", "[127.0.0.1]:80", "1.2.3.4:99999999999999999999" };
	struct sockaddr_storage ss;
	socklen_t len;
	char err[160];

	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(nfg_metrics_parse_addr(good[i], &ss, &len, err, sizeof(err)) == 0,
			      "%s: %s", good[i], err);
	nfg_metrics_parse_addr("localhost:9464", &ss, &len, err, sizeof(err));
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)&ss;
	ck_assert_int_eq(v4->sin_family, AF_INET);
	ck_assert_uint_eq(ntohl(v4->sin_addr.s_addr), 0x7f000001);
	ck_assert_uint_eq(ntohs(v4->sin_port), 9464);
	nfg_metrics_parse_addr("[::1]:80", &ss, &len, err, sizeof(err));
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(nfg_metrics_parse_addr(bad[i], &ss, &len, err, sizeof(err)) < 0,
			      "\"%s\" parsed", bad[i]);
		ck_assert_msg(err[0], "\"%s\": no reason", bad[i]);
	}
}
END_TEST

START_TEST(rates_change_unit_before_they_round_to_1000)
{
	static const struct {
		double per_s;
		const char *text;
	} cases[] = {
		{ 0, "0" },           { 999.4, "999" },        { 999.5, "1.0k" },
		{ 41300, "41.3k" },   { 999949, "999.9k" },    { 999950, "1.00M" },
		{ 2140000, "2.14M" }, { 123456789, "123.46M" },
	};
	char buf[16];

	for (unsigned i = 0; i < RTE_DIM(cases); i++)
		ck_assert_str_eq(nfg_format_rate(cases[i].per_s, buf, sizeof(buf)), cases[i].text);
}
END_TEST

static Suite *
observe_suite(void)
{
	Suite *s = suite_create("observe");
	TCase *tc = tcase_create("observe");

	tcase_add_test(tc, interval_is_the_second_alone);
	tcase_add_test(tc, empty_interval_reads_zero);
	tcase_add_test(tc, prometheus_escapes_labels_and_help);
	tcase_add_test(tc, prometheus_histogram_is_cumulative);
	tcase_add_test(tc, metrics_addresses);
	tcase_add_test(tc, rates_change_unit_before_they_round_to_1000);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(observe_suite)
