/*
 * test_streams - interning stream names (ingest/streams.c): every name
 * finds its own entry, whatever was looked up before it (the one-entry
 * cache of the last name found must never answer for another name: a
 * prefix, an extension, a name not interned), and a restarted ingest's
 * index finds the entries its predecessor left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "ingest/streams.h"
#include "tests/unit/fixture.h"

#define YAML "source: {type: stdin}\nmax_streams: 64\n" \
	     "scales:\n  - {name: lev, complex: sublevel, window: 10, slide: 5}\n"

static void test_find_after_any_other(void **state)
{
	(void)state;
	static const char *const names[] = {"ab", "a", "abc", "b", "", "ba", "abd"};
	enum { N = sizeof(names) / sizeof(names[0]) };
	struct seg_fixture f;
	struct streams st;
	struct stream_origin o = {0, 0, 0};
	assert_int_equal(seg_from_yaml(&f, SEG_MEMORY, "unit-streams", YAML), 0);
	assert_int_equal(streams_init(&st, &f.seg), 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(streams_find(&st, names[i]), -1);
		assert_int_equal(streams_intern(&st, names[i], &o), i);
		assert_int_equal(streams_intern(&st, names[i], &o), i);
	}
	/* Every ordered pair, and each name twice in a row. */
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < N; j++) {
			assert_int_equal(streams_find(&st, names[i]), i);
			assert_int_equal(streams_find(&st, names[j]), j);
			assert_int_equal(streams_find(&st, names[j]), j);
			assert_int_equal(streams_find(&st, "abcd"), -1);
			assert_int_equal(streams_find(&st, "c"), -1);
		}
	}
	streams_fini(&st);

	/* A new index over the same segment (a restarted ingest). */
	assert_int_equal(streams_init(&st, &f.seg), 0);
	for (int i = N - 1; i >= 0; i--)
		assert_int_equal(streams_find(&st, names[i]), i);
	assert_int_equal(streams_intern(&st, "c", &o), N);
	assert_int_equal(streams_find(&st, "c"), N);
	assert_int_equal(streams_find(&st, "a"), 1);
	streams_fini(&st);
	seg_fixture_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_after_any_other),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
