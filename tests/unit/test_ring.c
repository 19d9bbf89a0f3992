/*
 * test_ring - the typed SPSC rings: empty/full, wrap-around of the
 * free-running indices, batched and single operations mixed, counters, and
 * a two-process run through shared memory that checks order and content.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/ring.h"

#define SLOTS 16u

struct fixture {
	struct tdp_ring ring;
	struct tdp_point slots[SLOTS];
};

static struct fixture *make(void)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	ck_ring_init(&f->ring.ck, SLOTS);
	return f;
}

static struct tdp_point pt(uint64_t seq)
{
	struct tdp_point p;
	memset(&p, 0, sizeof(p));
	p.seq = seq;
	p.dim = 2;
	p.v[0] = (double)seq;
	p.v[1] = -(double)seq;
	return p;
}

static void test_empty_and_full(void **state)
{
	(void)state;
	struct fixture *f = make();
	struct tdp_point p = pt(0), out;
	assert_false(tdp_point_pop(&f->ring, f->slots, &out));
	assert_int_equal(tdp_ring_capacity(&f->ring), SLOTS - 1);
	for (unsigned i = 0; i < SLOTS - 1; i++) {
		p = pt(i);
		assert_true(tdp_point_push(&f->ring, f->slots, &p));
	}
	p = pt(99);
	assert_false(tdp_point_push(&f->ring, f->slots, &p));   /* full: refused, not overwritten */
	assert_int_equal(tdp_ring_used(&f->ring), SLOTS - 1);
	assert_int_equal(f->ring.pushed, SLOTS - 1);
	assert_int_equal(f->ring.high_water, SLOTS - 1);
	for (unsigned i = 0; i < SLOTS - 1; i++) {
		assert_true(tdp_point_pop(&f->ring, f->slots, &out));
		assert_int_equal(out.seq, i);
		assert_true(out.v[1] == -(double)i);
	}
	assert_false(tdp_point_pop(&f->ring, f->slots, &out));
	assert_int_equal(f->ring.popped, SLOTS - 1);
	free(f);
}

static void test_wrap_around(void **state)
{
	(void)state;
	struct fixture *f = make();
	/* Start the free-running indices just below UINT_MAX so they wrap. */
	f->ring.ck.c_head = f->ring.ck.p_tail = f->ring.ck.p_head = UINT32_MAX - 5;
	struct tdp_point p, out;
	uint64_t next_in = 0, next_out = 0;
	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < 7; i++) {
			p = pt(next_in);
			assert_true(tdp_point_push(&f->ring, f->slots, &p));
			next_in++;
		}
		for (int i = 0; i < 7; i++) {
			assert_true(tdp_point_pop(&f->ring, f->slots, &out));
			assert_int_equal(out.seq, next_out);
			next_out++;
		}
		assert_int_equal(tdp_ring_used(&f->ring), 0);
	}
	free(f);
}

static void test_batches_mixed_with_singles(void **state)
{
	(void)state;
	struct fixture *f = make();
	struct tdp_point in[40], out[40];
	for (int i = 0; i < 40; i++)
		in[i] = pt((uint64_t)i);
	/* A batch larger than the room pushes only what fits. */
	assert_int_equal(tdp_point_push_many(&f->ring, f->slots, in, 40), SLOTS - 1);
	assert_int_equal(tdp_point_push_many(&f->ring, f->slots, in, 1), 0);
	struct tdp_point one;
	assert_true(tdp_point_pop(&f->ring, f->slots, &one));
	assert_int_equal(one.seq, 0);
	assert_int_equal(tdp_point_pop_many(&f->ring, f->slots, out, 4), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(out[i].seq, (uint64_t)i + 1);
	/* Refill across the wrap point of the slot array. */
	assert_int_equal(tdp_point_push_many(&f->ring, f->slots, in + 15, 5), 5);
	assert_int_equal(tdp_ring_used(&f->ring), SLOTS - 1);
	assert_int_equal(tdp_point_pop_many(&f->ring, f->slots, out, 40), SLOTS - 1);
	for (int i = 0; i < 10; i++)
		assert_int_equal(out[i].seq, (uint64_t)i + 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(out[10 + i].seq, (uint64_t)i + 15);
	assert_int_equal(tdp_point_pop_many(&f->ring, f->slots, out, 40), 0);
	assert_int_equal(f->ring.pushed, 20);
	assert_int_equal(f->ring.popped, 20);
	free(f);
}

static void test_descriptor_ring(void **state)
{
	(void)state;
	struct {
		struct tdp_ring ring;
		struct tdp_result_desc slots[4];
	} r;
	memset(&r, 0, sizeof(r));
	ck_ring_init(&r.ring.ck, 4);
	struct tdp_result_desc d = {.off = 7, .len = 9}, out;
	for (int i = 0; i < 3; i++) {
		d.off = (uint64_t)i;
		assert_true(tdp_desc_push(&r.ring, r.slots, &d));
	}
	assert_false(tdp_desc_push(&r.ring, r.slots, &d));
	for (int i = 0; i < 3; i++) {
		assert_true(tdp_desc_pop(&r.ring, r.slots, &out));
		assert_int_equal(out.off, (uint64_t)i);
		assert_int_equal(out.len, 9);
	}
	assert_false(tdp_desc_pop(&r.ring, r.slots, &out));
}

/* Two processes, a million records through a 16-slot ring: every record
 * arrives once, in order, intact, with producer and consumer racing. */
static void test_two_processes(void **state)
{
	(void)state;
	struct fixture *f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(f != MAP_FAILED);
	memset(f, 0, sizeof(*f));
	ck_ring_init(&f->ring.ck, SLOTS);
	const uint64_t n = 1000000;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct tdp_point out[8];
		uint64_t next = 0;
		while (next < n) {
			unsigned got = tdp_point_pop_many(&f->ring, f->slots, out, 1 + next % 8);
			for (unsigned i = 0; i < got; i++, next++)
				if (out[i].seq != next || out[i].v[0] != (double)next || out[i].v[1] != -(double)next)
					_exit(1);
		}
		_exit(0);
	}
	struct tdp_point in[5];
	for (uint64_t next = 0; next < n;) {
		unsigned want = (unsigned)(1 + next % 5);
		if (want > n - next)
			want = (unsigned)(n - next);
		for (unsigned i = 0; i < want; i++)
			in[i] = pt(next + i);
		next += tdp_point_push_many(&f->ring, f->slots, in, want);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(f->ring.pushed, n);
	munmap(f, sizeof(*f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_full),
		cmocka_unit_test(test_wrap_around),
		cmocka_unit_test(test_batches_mixed_with_singles),
		cmocka_unit_test(test_descriptor_ring),
		cmocka_unit_test(test_two_processes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
