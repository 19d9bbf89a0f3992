/*
 * test_top_view - what `tdapipe top` copies out of a segment and draws
 * (cli/top_view.c): the busiest streams picked by their points since the
 * last reading, their latest results, the latency p99, control bytes of
 * a sender's stream name kept away from the terminal, the last
 * checkpoint's age and pause on the second header line ("none yet"
 * before the first), and a frame held to the terminal's size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/top_view.h"
#include "common/latest.h"
#include "tests/unit/fixture.h"

static struct seg_fixture fx;

static int setup(void **state)
{
	(void)state;
	return seg_from_yaml_checked(&fx, "unit-top",
				     "source: {type: stdin}\n"
				     "max_streams: 4\n"
				     "scales:\n"
				     "  - {name: lev, complex: sublevel, window: 10, slide: 5, ring: 16}\n"
				     "  - {name: cloud, complex: rips, window: 8, slide: 4, ring: 32, dims: [0, 1]}\n");
}

static int teardown(void **state)
{
	(void)state;
	seg_fixture_fini(&fx);
	return 0;
}

static void stream(uint32_t i, const char *name, uint64_t next_seq)
{
	struct tdp_stream *e = tdp_shm_stream(&fx.seg, i);
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->next_seq = next_seq;
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void frame(void **state)
{
	(void)state;
	struct top_snap a, b;
	struct tdp_buf out;
	tdp_buf_init(&out);
	assert_int_equal(top_snap_init(&a, &fx.seg, 2), 0);
	assert_int_equal(top_snap_init(&b, &fx.seg, 2), 0);
	fx.seg.hdr->nstreams = 3;
	stream(0, "alpha", 10);
	stream(1, "beta", 20);
	stream(2, "esc\033[2Jx", 5);
	top_snap_take(&a, NULL, &fx.seg, &fx.cfg, 2);
	/* first reading: by total points, beta then alpha */
	assert_int_equal(a.nshown, 2);
	assert_string_equal(a.shown[0].name, "beta");
	assert_string_equal(a.shown[1].name, "alpha");

	stream(0, "alpha", 110);
	stream(1, "beta", 25);
	stream(2, "esc\033[2Jx", 55);
	struct tdp_latest l = {0};
	l.flags = TDP_LATEST_SET | TDP_LATEST_SCORED;
	l.window = 7;
	l.dims_mask = 3;
	l.essential[0] = 1, l.essential[1] = 2;
	l.count[0] = 5, l.count[1] = 3;
	l.total[0] = 1.5, l.total[1] = 0.25;
	l.score = 2.5;
	tdp_latest_write(tdp_shm_latest(&fx.seg, 1, 0), &l);
	tdp_shm_out_ring(&fx.seg, 1)->latency_hist[20] = 100;   /* (1 ms, 2 ms] */
	fx.seg.hdr->checkpoints = 6;
	fx.seg.hdr->checkpoint_pause_ns = 99;
	top_snap_take(&b, &a, &fx.seg, &fx.cfg, 2);
	assert_int_equal(b.ckpt.written, 6);   /* copied from the header */
	assert_int_equal(b.ckpt.pause_ns, 99);
	assert_true(b.wall_ms > 0);
	b.sample.mono_ns = a.sample.mono_ns + 2000000000ull;     /* 2 s apart */
	assert_int_equal(b.nshown, 2);
	assert_int_equal(b.shown[0].id, 0);
	assert_int_equal(b.shown[0].delta, 100);
	assert_int_equal(b.shown[1].id, 2);
	assert_true(b.shown[0].has[1] && !b.shown[0].has[0] && !b.shown[1].has[1]);

	top_draw(&out, &a, NULL, &fx.cfg, 200, 50);
	tdp_buf_putc(&out, 0);
	assert_non_null(strstr(out.p, "(q quits)\033[K\ncheckpoint none yet\033[K\n\033[K\n"));
	tdp_buf_reset(&out);
	b.ckpt.written = 4;
	b.ckpt.unix_ms = b.wall_ms - 7400;
	b.ckpt.pause_ns = 1250000;
	top_draw(&out, &b, &a, &fx.cfg, 200, 50);
	tdp_buf_putc(&out, 0);
	assert_non_null(strstr(out.p, "\ncheckpoint 7s ago (pause 1.2 ms)  written 4\033[K\n"));
	b.ckpt.errors = 3;
	b.ckpt.unix_ms = b.wall_ms + 5000;   /* the clock stepped back: 0 s old */
	tdp_buf_reset(&out);
	top_draw(&out, &b, &a, &fx.cfg, 200, 50);
	tdp_buf_putc(&out, 0);
	assert_non_null(strstr(out.p, "\ncheckpoint 0s ago (pause 1.2 ms)  written 4  errors 3\033[K\n"));
	assert_non_null(strstr(out.p, "instance unit-top"));
	assert_non_null(strstr(out.p, "\nscaled[cloud] "));
	assert_non_null(strstr(out.p, "\ncloud                         0.0          0.0       0%       0%        2.1ms"));
	assert_non_null(strstr(out.p, "\nlev                           0.0          0.0       0%       0%            -"));
	assert_non_null(strstr(out.p, "\nalpha                    cloud              50.0        7 1/2        5/3"
				      "          1.5/0.25               2.50\033[K\n"));
	assert_non_null(strstr(out.p, "\nesc?[2Jx                 -                  25.0        -\033[K\n"));
	assert_null(strstr(out.p, "beta"));
	assert_null(strstr(out.p, "\033[2J"));

	/* held to the terminal: ROWS lines, each cut to COLS */
	tdp_buf_reset(&out);
	top_draw(&out, &b, &a, &fx.cfg, 20, 5);
	tdp_buf_putc(&out, 0);
	assert_int_equal(count_lines(out.p), 5);
	assert_non_null(strstr(out.p, "\033[Htdapipe top - instan\033[K\n"));

	top_snap_fini(&a);
	top_snap_fini(&b);
	tdp_buf_fini(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frame),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
