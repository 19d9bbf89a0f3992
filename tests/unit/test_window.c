/*
 * test_window - sequence-addressed windows: storage, gathering with
 * missing points, the first point present and its source offset, zeroed
 * memory as an empty window, which windows close after a gap, and a
 * slot a process was killed while writing: it holds no point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/crash.h"
#include "scaled/window.h"

static struct tdp_point pt(uint64_t seq, double v)
{
	struct tdp_point p;
	memset(&p, 0, sizeof(p));
	p.seq = seq;
	p.t = 100 + (int64_t)seq;
	p.src_off = 1000 + 3 * seq;
	p.dim = 1;
	p.v[0] = v;
	return p;
}

static void test_gather_in_order(void **state)
{
	(void)state;
	struct window w;
	assert_int_equal(window_init(&w, 4, 1), 0);
	for (uint64_t s = 0; s < 10; s++) {
		struct tdp_point p = pt(s, (double)s * 2);
		window_put(&w, &p);
	}
	double vals[4];
	int64_t t0 = 0, t1 = 0;
	assert_int_equal(window_gather(&w, 6, vals, &t0, &t1), 4);
	for (int i = 0; i < 4; i++)
		assert_true(vals[i] == (double)(6 + i) * 2);
	assert_true(t0 == 106.0 && t1 == 109.0);
	assert_true(window_has(&w, 9) && !window_has(&w, 5));
	/* a window that slid out is gone */
	assert_int_equal(window_gather(&w, 2, vals, &t0, &t1), 0);
	window_fini(&w);
}

/* Zeroed memory is an empty window: sequence number 0 is not "present". */
static void test_zeroed_memory_is_empty(void **state)
{
	(void)state;
	uint64_t mem[4 * 5] = {0};   /* tag, time, offset, read time, one value */
	struct window w;
	window_attach(&w, mem, 4, 1);
	double vals[4];
	int64_t t0, t1;
	assert_false(window_has(&w, 0));
	assert_int_equal(window_gather(&w, 0, vals, &t0, &t1), 0);
	struct tdp_point p = pt(0, 7);
	p.read_ns = 12345;
	window_put(&w, &p);
	assert_true(window_has(&w, 0));
	assert_true(window_read_ns(&w, 0) == 12345);   /* kept for the result's latency */
	assert_int_equal(window_gather(&w, 0, vals, &t0, &t1), 1);
	assert_int_equal(window_bytes(4, 1), sizeof(mem));
}

static void test_gather_with_gap(void **state)
{
	(void)state;
	struct window w;
	assert_int_equal(window_init(&w, 5, 1), 0);
	uint64_t seqs[] = {0, 1, 4, 5};   /* 2 and 3 lost */
	for (int i = 0; i < 4; i++) {
		struct tdp_point p = pt(seqs[i], (double)seqs[i]);
		window_put(&w, &p);
	}
	double vals[5];
	int64_t t0, t1;
	assert_int_equal(window_gather(&w, 1, vals, &t0, &t1), 3);   /* 1, 4, 5 */
	assert_true(vals[0] == 1 && vals[1] == 4 && vals[2] == 5);
	/* The first point present, and where it came from, for checkpoints. */
	assert_int_equal(window_first_present(&w, 1), 1);
	assert_int_equal(window_off(&w, 1), 1003);
	assert_int_equal(window_first_present(&w, 2), 4);   /* 2 and 3 lost */
	assert_int_equal(window_off(&w, 4), 1012);
	assert_int_equal(window_first_present(&w, 6), 11);  /* none of 6..10: first + size */
	window_fini(&w);
}

struct seen {
	uint64_t k[64];
	int n;
};

/* What a scale worker does: close every closable window from *NEXT. */
static void close_upto(struct seen *s, uint64_t *next, uint64_t upto, uint64_t held_end, uint32_t W, uint32_t S)
{
	while (window_next_closable(next, upto, held_end, W, S)) {
		if (s->n < 64)
			s->k[s->n] = *next;
		s->n++;
		++*next;
	}
}

/* Without gaps, each window closes exactly once, at its last point. */
static void test_closed_no_gaps(void **state)
{
	(void)state;
	struct seen s = {0};
	const uint32_t W = 10, S = 3;
	uint64_t next = 0;
	for (uint64_t seq = 0; seq < 40; seq++)
		close_upto(&s, &next, seq + 1, seq + 1, W, S);
	/* windows k with k*3 + 9 <= 39: k = 0..10 */
	assert_int_equal(s.n, 11);
	for (int i = 0; i < 11; i++)
		assert_int_equal(s.k[i], (uint64_t)i);
	assert_int_equal(next, 11);
}

static void test_closed_after_gap(void **state)
{
	(void)state;
	struct seen s = {0};
	/* W=10, S=3; points 0..11 came (window 0 closed), then 30 arrives.
	 * Before applying it: windows ending in [12, 30) that hold earlier
	 * points start before 12: k = 1..3; k = 4..6 hold nothing.  After it:
	 * k = 7 (21..30). */
	uint64_t next = 1;
	close_upto(&s, &next, 30, 12, 10, 3);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.k[0], 1);
	assert_int_equal(s.k[2], 3);
	assert_int_equal(next, 7);
	close_upto(&s, &next, 31, 31, 10, 3);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.k[3], 7);
	/* The first point of a stream arrives late: only its window. */
	s.n = 0;
	next = 0;
	close_upto(&s, &next, 29, 0, 10, 5);
	close_upto(&s, &next, 30, 30, 10, 5);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.k[0], 4);
	/* ... and when it ends no window, nothing. */
	s.n = 0;
	next = 0;
	close_upto(&s, &next, 30, 0, 10, 5);
	close_upto(&s, &next, 31, 31, 10, 5);
	assert_int_equal(s.n, 0);
	assert_int_equal(next, 5);
}

static void test_closed_huge_gap_is_bounded(void **state)
{
	(void)state;
	struct seen s = {0};
	/* A gap of 10^15 points with slide 1 visits only the windows that
	 * hold points, not 10^15 empty ones (this would never finish). */
	const uint64_t big = 1000000000000000ull;
	uint64_t next = 93;   /* points 0..99 came, windows to 92 closed */
	close_upto(&s, &next, big, 100, 8, 1);
	close_upto(&s, &next, big + 1, big + 1, 8, 1);
	/* windows ending 100..106 hold old points (start <= 99), then the last */
	assert_int_equal(s.n, 8);
	assert_int_equal(s.k[0], 93);
	assert_int_equal(s.k[6], 99);
	assert_int_equal(s.k[7], big - 7);
}

/* A point the scale refuses: a tag alone, neither present nor gathered,
 * counted refused in the windows holding it, until a later point takes
 * its slot. */
static void test_refused(void **state)
{
	(void)state;
	struct window w;
	assert_int_equal(window_init(&w, 4, 1), 0);
	for (uint64_t s = 0; s < 4; s++) {
		struct tdp_point p = pt(s, (double)s);
		if (s == 1 || s == 2)
			p.flags |= TDP_POINT_REFUSED;
		window_put(&w, &p);
	}
	assert_false(window_has(&w, 1));
	assert_true(window_has(&w, 3));
	double vals[4];
	int64_t t0 = 0, t1 = 0;
	assert_int_equal(window_gather(&w, 0, vals, &t0, &t1), 2);
	assert_true(vals[0] == 0 && vals[1] == 3);
	assert_int_equal(window_refused(&w, 0), 2);
	assert_int_equal(window_first_present(&w, 1), 3);
	assert_int_equal(window_last_present(&w, 0), 3);
	struct tdp_point p = pt(5, 5);   /* over point 1; 4 never came (lost) */
	window_put(&w, &p);
	assert_int_equal(window_refused(&w, 2), 1);
	assert_int_equal(window_gather(&w, 2, vals, &t0, &t1), 2);
	window_fini(&w);
}

/*
 * A process killed at window_put's crash point, the new point's words
 * written and its tag not: the slot must hold neither the old point nor
 * the new one.  With the old point's tag left over the new point's time
 * and values, a successor rebuilding waiting points from the tags took
 * the new point for the old one and settled it twice.
 */
static void test_killed_mid_put_holds_no_point(void **state)
{
	(void)state;
	size_t bytes = window_bytes(4, 1);
	void *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	struct window w;
	window_attach(&w, mem, 4, 1);
	struct tdp_point old = pt(3, 30), next = pt(7, 70);   /* one slot */
	window_put(&w, &old);
	assert_true(window_has(&w, 3));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("TDAPIPE_CRASH_AT", "1", 1);
		tdp_crash_init_from_env(NULL);
		window_put(&w, &next);
		_exit(0);   /* not reached: killed at the crash point */
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_false(window_has(&w, 3));
	assert_false(window_has(&w, 7));
	window_put(&w, &next);   /* written again whole, as a successor does */
	assert_true(window_has(&w, 7));
	assert_int_equal(window_time(&w, 7), next.t);
	munmap(mem, bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gather_in_order),
		cmocka_unit_test(test_zeroed_memory_is_empty),
		cmocka_unit_test(test_gather_with_gap),
		cmocka_unit_test(test_closed_no_gaps),
		cmocka_unit_test(test_closed_after_gap),
		cmocka_unit_test(test_closed_huge_gap_is_bounded),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_killed_mid_put_holds_no_point),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
