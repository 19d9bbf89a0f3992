/*
 * test_prom - the exposition format as exporter/prom.c writes it: the
 * instance label first, label values escaped (\\, \", \n), doubles that
 * read back (Unix times in seconds with their milliseconds too) and the
 * format's +Inf, -Inf and NaN, and a segment histogram
 * as cumulative _bucket samples with le = 2^(i+1) ns in seconds, +Inf
 * last, and _count (no _sum).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/hist.h"
#include "exporter/prom.h"

static struct tdp_buf b;

static const char *text(void)
{
	tdp_buf_putc(&b, 0);
	b.len--;
	return b.p;
}

static void test_labels_escaped(void **state)
{
	(void)state;
	tdp_buf_reset(&b);
	struct prom p = {&b, "in\"st"};
	const char *l[5] = {"scale", "a\\b", "stream", "x\ny\"z", NULL};
	prom_u64(&p, "tdapipe_x_total", l, 42);
	prom_u64(&p, "tdapipe_y", NULL, 0);
	assert_string_equal(text(), "tdapipe_x_total{instance=\"in\\\"st\",scale=\"a\\\\b\",stream=\"x\\ny\\\"z\"} 42\n"
				    "tdapipe_y{instance=\"in\\\"st\"} 0\n");
}

static void test_values(void **state)
{
	(void)state;
	tdp_buf_reset(&b);
	struct prom p = {&b, "i"};
	prom_f64(&p, "a", NULL, INFINITY);
	prom_f64(&p, "a", NULL, -INFINITY);
	prom_f64(&p, "a", NULL, NAN);
	prom_f64(&p, "a", NULL, 0.1);
	prom_i64(&p, "b", NULL, -7);
	assert_string_equal(text(), "a{instance=\"i\"} +Inf\na{instance=\"i\"} -Inf\na{instance=\"i\"} NaN\n"
				    "a{instance=\"i\"} 0.10000000000000001\nb{instance=\"i\"} -7\n");
}

/* A wall-clock time in seconds from ms (tdapipe_checkpoint_timestamp_seconds)
 * and a pause from ns read back as the same doubles, whole. */
static void test_times_read_back(void **state)
{
	(void)state;
	static const double v[] = {1765061418123 / 1e3, 4102444800999 / 1e3, 1234567 * 1e-9, 0.0};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		tdp_buf_reset(&b);
		struct prom p = {&b, "i"};
		prom_f64(&p, "t", NULL, v[i]);
		const char *t = text();
		assert_memory_equal(t, "t{instance=\"i\"} ", 15);
		char *end;
		assert_true(strtod(t + 15, &end) == v[i]);
		assert_string_equal(end, "\n");
	}
}

static void test_family(void **state)
{
	(void)state;
	tdp_buf_reset(&b);
	struct prom p = {&b, "i"};
	prom_family(&p, "tdapipe_w_total", "counter", "Windows.");
	assert_string_equal(text(), "# HELP tdapipe_w_total Windows.\n# TYPE tdapipe_w_total counter\n");
}

static void test_histogram(void **state)
{
	(void)state;
	uint64_t h[TDP_HIST_BUCKETS] = {0};
	tdp_hist_add(h, 1);              /* bucket 0: le 2 ns */
	tdp_hist_add(h, 9);              /* (8, 16] ns: bucket 3 */
	tdp_hist_add(h, 16);             /* upper bounds inclusive: bucket 3 */
	tdp_hist_add(h, UINT64_MAX);     /* the last bucket: +Inf */
	tdp_buf_reset(&b);
	struct prom p = {&b, "i"};
	const char *l[3] = {"scale", "s", NULL};
	prom_hist_ns(&p, "tdapipe_t_seconds", l, h);
	const char *t = text();
	assert_non_null(strstr(t, "tdapipe_t_seconds_bucket{instance=\"i\",scale=\"s\",le=\"2e-09\"} 1\n"
				  "tdapipe_t_seconds_bucket{instance=\"i\",scale=\"s\",le=\"4e-09\"} 1\n"
				  "tdapipe_t_seconds_bucket{instance=\"i\",scale=\"s\",le=\"8e-09\"} 1\n"
				  "tdapipe_t_seconds_bucket{instance=\"i\",scale=\"s\",le=\"1.6e-08\"} 3\n"));
	assert_non_null(strstr(t, "le=\"1.073741824\"} 3\n"));        /* 2^30 ns */
	assert_non_null(strstr(t, "le=\"549.755813888\"} 3\n"));      /* 2^39 ns, the last finite bound */
	assert_non_null(strstr(t, "le=\"+Inf\"} 4\ntdapipe_t_seconds_count{instance=\"i\",scale=\"s\"} 4\n"));
	assert_null(strstr(t, "_sum"));
	size_t lines = 0;
	for (const char *c = t; *c; c++)
		lines += *c == '\n';
	assert_int_equal(lines, TDP_HIST_BUCKETS + 1);
}

int main(void)
{
	tdp_buf_init(&b);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels_escaped),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_times_read_back),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_histogram),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tdp_buf_fini(&b);
	return rc;
}
