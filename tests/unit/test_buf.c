/*
 * test_buf - the growable output buffer: appends across many growths keep
 * every byte, printf formats in place, reset keeps memory, and a failed
 * allocation is sticky (later appends are no-ops) rather than silent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"

static void test_growth_keeps_bytes(void **state)
{
	(void)state;
	struct tdp_buf b;
	tdp_buf_init(&b);
	for (int i = 0; i < 10000; i++)
		tdp_buf_printf(&b, "%d,", i);
	assert_true(tdp_buf_ok(&b));
	/* re-parse what was written */
	const char *p = b.p;
	for (int i = 0; i < 10000; i++) {
		int v, n;
		assert_int_equal(sscanf(p, "%d,%n", &v, &n), 1);
		assert_int_equal(v, i);
		p += n;
	}
	assert_ptr_equal(p, b.p + b.len);
	size_t cap = b.cap;
	tdp_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap);
	tdp_buf_putc(&b, 'x');
	tdp_buf_puts(&b, "yz");
	tdp_buf_append(&b, "\0w", 2);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.p, "xyz\0w", 5);
	tdp_buf_fini(&b);
	assert_null(b.p);
}

/* tdp_buf_put_u64 prints what printf's PRIu64 prints. */
static void test_put_u64(void **state)
{
	(void)state;
	const uint64_t xs[] = { 0, 1, 9, 10, 99, 100, 4294967295u, 4294967296u, 1234567890123456789u, UINT64_MAX };
	for (unsigned i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
		char want[32];
		struct tdp_buf b;
		tdp_buf_init(&b);
		tdp_buf_puts(&b, "x");
		tdp_buf_put_u64(&b, xs[i]);
		tdp_buf_putc(&b, '\0');
		snprintf(want, sizeof(want), "x%" PRIu64, xs[i]);
		assert_string_equal(b.p, want);
		tdp_buf_fini(&b);
	}
}

static void test_failure_is_sticky(void **state)
{
	(void)state;
	struct tdp_buf b;
	tdp_buf_init(&b);
	tdp_buf_puts(&b, "ok");
	/* an impossible reservation fails and marks the buffer */
	assert_false(tdp_buf_reserve(&b, SIZE_MAX - 1));   /* len + more would overflow */
	assert_false(tdp_buf_ok(&b));
	tdp_buf_puts(&b, "more");
	assert_int_equal(b.len, 2);
	tdp_buf_reset(&b);
	assert_true(tdp_buf_ok(&b));
	tdp_buf_fini(&b);
}

/* Whole files, NUL-terminated; /proc files report size 0 but have text;
 * directories and files over the limit are refused. */
static void test_read_file(void **state)
{
	(void)state;
	struct tdp_buf b;
	tdp_buf_init(&b);
	tdp_buf_puts(&b, "x");
	assert_int_equal(tdp_buf_read_file(&b, "/proc/self/status", SIZE_MAX), 0);
	assert_memory_equal(b.p, "xName:", 6);
	assert_int_equal(b.p[b.len], '\0');
	assert_int_equal(strlen(b.p), b.len);
	tdp_buf_reset(&b);
	assert_int_equal(tdp_buf_read_file(&b, "/proc/self/status", 10), -EFBIG);
	assert_int_equal(tdp_buf_read_file(&b, "/", SIZE_MAX), -EISDIR);
	assert_int_equal(tdp_buf_read_file(&b, "/nonexistent/x", SIZE_MAX), -ENOENT);
	tdp_buf_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growth_keeps_bytes),
		cmocka_unit_test(test_put_u64),
		cmocka_unit_test(test_failure_is_sticky),
		cmocka_unit_test(test_read_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
