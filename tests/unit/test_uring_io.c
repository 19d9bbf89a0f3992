/*
 * test_uring_io - the io_uring reader and writer: a file read from an
 * offset in chunks smaller than it (double buffering), a pipe read to EOF,
 * a reader timeout, and ordered writes (many appends, a pipe whose reader
 * is slow so writes come back short) that arrive complete and in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/uring_io.h"

static char *pattern(size_t n)
{
	char *p = malloc(n);
	for (size_t i = 0; i < n; i++)
		p[i] = (char)('a' + (i * 7 + i / 13) % 26);
	return p;
}

static void test_file_from_offset(void **state)
{
	(void)state;
	char path[] = "/tmp/tdp-uring-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t n = 100000;
	char *data = pattern(n);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	struct tdp_reader r;
	assert_int_equal(tdp_reader_init(&r, fd, 1234, 4096), 0);
	assert_true(r.positioned);
	size_t got = 1234;
	const char *p;
	ssize_t k;
	while ((k = tdp_reader_next(&r, &p)) > 0) {
		assert_true(k <= 4096);
		assert_memory_equal(p, data + got, (size_t)k);
		got += (size_t)k;
	}
	assert_int_equal(k, 0);
	assert_int_equal(got, n);
	tdp_reader_fini(&r);
	close(fd);
	unlink(path);
	free(data);
}

static void test_pipe_and_timeout(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct tdp_reader r;
	assert_int_equal(tdp_reader_init(&r, p[0], 0, 64), 0);
	assert_false(r.positioned);
	const char *out;
	/* nothing written yet: times out, and the read stays pending */
	assert_int_equal(tdp_reader_next_timeout(&r, &out, 50), -ETIME);
	assert_int_equal(write(p[1], "hello", 5), 5);
	ssize_t k = tdp_reader_next_timeout(&r, &out, 1000);
	assert_int_equal(k, 5);
	assert_memory_equal(out, "hello", 5);
	close(p[1]);
	assert_int_equal(tdp_reader_next_timeout(&r, &out, 1000), 0);
	tdp_reader_fini(&r);
	close(p[0]);
}

/* 4 MB through a 64 KiB pipe to a reader that sips: short writes must be
 * resumed and the bytes arrive in call order. */
static void test_writer_ordered_through_pipe(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	size_t n = 4u << 20;
	char *data = pattern(n);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		char *buf = malloc(n);
		size_t got = 0;
		ssize_t k;
		while ((k = read(p[0], buf + got, 7000)) > 0)
			got += (size_t)k;
		_exit(got == n && memcmp(buf, data, n) == 0 ? 0 : 1);
	}
	close(p[0]);
	struct tdp_writer w;
	assert_int_equal(tdp_writer_init(&w, p[1]), 0);
	for (size_t off = 0; off < n;) {
		size_t k = 1 + (off * 31) % 20000;
		if (k > n - off)
			k = n - off;
		tdp_buf_append(tdp_writer_buf(&w), data + off, k);
		assert_int_equal(tdp_writer_kick(&w), 0);
		off += k;
	}
	assert_int_equal(tdp_writer_flush(&w), 0);
	assert_int_equal(tdp_writer_pending(&w), 0);
	tdp_writer_fini(&w);
	close(p[1]);
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	free(data);
}

static void test_writer_file_positioned_and_error(void **state)
{
	(void)state;
	char path[] = "/tmp/tdp-uring-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	struct tdp_writer w;
	assert_int_equal(tdp_writer_init(&w, fd), 0);
	for (int i = 0; i < 1000; i++) {
		tdp_buf_printf(tdp_writer_buf(&w), "line %d\n", i);
		tdp_writer_kick(&w);
	}
	assert_int_equal(tdp_writer_flush(&w), 0);
	tdp_writer_fini(&w);
	FILE *f = fopen(path, "r");
	char line[64];
	for (int i = 0; i < 1000; i++) {
		assert_non_null(fgets(line, sizeof(line), f));
		char want[64];
		snprintf(want, sizeof(want), "line %d\n", i);
		assert_string_equal(line, want);
	}
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);
	close(fd);
	/* a write error (read-only fd) is reported, not swallowed */
	fd = open(path, O_RDONLY);
	assert_int_equal(tdp_writer_init(&w, fd), 0);
	tdp_buf_puts(tdp_writer_buf(&w), "x");
	assert_true(tdp_writer_flush(&w) < 0);
	tdp_writer_fini(&w);
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_from_offset),
		cmocka_unit_test(test_pipe_and_timeout),
		cmocka_unit_test(test_writer_ordered_through_pipe),
		cmocka_unit_test(test_writer_file_positioned_and_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
