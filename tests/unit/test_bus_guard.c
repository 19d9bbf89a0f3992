/*
 * test_bus_guard - a read of a mapping whose file shrank is a return
 * value, not a crash: the guard returns what its function returns, turns
 * a SIGBUS into -EFAULT (again and again: the signal is unblocked after
 * each jump), and leaves the SIGBUS disposition it found.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/bus_guard.h"

static int fd = -1;
static volatile const char *map;
static const size_t len = 4 * 4096;

static int setup(void **state)
{
	(void)state;
	char path[] = "/dev/shm/tdp-unit-bus-XXXXXX";
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	if (ftruncate(fd, (off_t)len) != 0)
		return -1;
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	return map == MAP_FAILED ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	munmap((void *)map, len);
	close(fd);
	return 0;
}

/* Sum a byte of every page of the mapping. */
static int read_pages(void *arg)
{
	int *sum = arg;
	for (size_t off = 0; off < len; off += 4096)
		*sum += map[off];
	return 42;
}

static void test_returns_fn_value(void **state)
{
	(void)state;
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	int sum = 0;
	assert_int_equal(tdp_bus_guard(read_pages, &sum), 42);
	assert_int_equal(sum, 0);
}

static void test_shrunk_file_is_efault(void **state)
{
	(void)state;
	struct sigaction before, after;
	assert_int_equal(sigaction(SIGBUS, NULL, &before), 0);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(ftruncate(fd, 4096), 0);   /* pages 1..3 are gone */
		int sum = 0;
		assert_int_equal(tdp_bus_guard(read_pages, &sum), -EFAULT);
		sigset_t now;
		assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &now), 0);
		assert_false(sigismember(&now, SIGBUS));
	}
	assert_int_equal(sigaction(SIGBUS, NULL, &after), 0);
	assert_ptr_equal(after.sa_handler, before.sa_handler);
	/* Grown back, the same reads succeed. */
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	int sum = 0;
	assert_int_equal(tdp_bus_guard(read_pages, &sum), 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_returns_fn_value),
		cmocka_unit_test(test_shrunk_file_is_efault),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
