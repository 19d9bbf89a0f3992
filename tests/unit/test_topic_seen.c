/*
 * test_topic_seen.c - the results a Kafka topic holds, by stream name:
 * the highest window per (stream, scale) whatever the order they are read
 * in, names compared by their bytes (not as prefixes), growth past many
 * names keeping every entry, and keys tdapipe never gives a stream (empty,
 * too long, with a NUL) ignored rather than mixed up with real ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/topic_seen.h"

static void test_max_per_scale(void **state)
{
	(void)state;
	struct topic_seen ts;
	topic_seen_init(&ts);
	assert_null(topic_seen_get(&ts, "a"));
	assert_int_equal(topic_seen_add(&ts, "a", 1, 0, 5), 0);
	assert_int_equal(topic_seen_add(&ts, "a", 1, 0, 3), 0);   /* read out of order */
	assert_int_equal(topic_seen_add(&ts, "a", 1, 2, 0), 0);
	assert_int_equal(topic_seen_add(&ts, "ab", 2, 0, 9), 0);
	/* a key given with its length: "abc" cut to 1 byte is "a" */
	assert_int_equal(topic_seen_add(&ts, "abc", 1, 1, 7), 0);
	const int64_t *w = topic_seen_get(&ts, "a");
	assert_non_null(w);
	assert_int_equal(w[0], 5);
	assert_int_equal(w[1], 7);
	assert_int_equal(w[2], 0);
	assert_int_equal(w[3], -1);
	assert_int_equal(topic_seen_get(&ts, "ab")[0], 9);
	assert_null(topic_seen_get(&ts, "abc"));
	assert_null(topic_seen_get(&ts, "b"));
	topic_seen_fini(&ts);
}

static void test_growth(void **state)
{
	(void)state;
	struct topic_seen ts;
	topic_seen_init(&ts);
	char name[32];
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(name, sizeof(name), "sensor-%d", i);
		assert_int_equal(topic_seen_add(&ts, name, (size_t)n, (uint32_t)(i % TDP_MAX_SCALES), (uint64_t)i), 0);
	}
	assert_int_equal(ts.n, 5000);
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "sensor-%d", i);
		const int64_t *w = topic_seen_get(&ts, name);
		assert_non_null(w);
		for (int s = 0; s < TDP_MAX_SCALES; s++)
			assert_int_equal(w[s], s == i % TDP_MAX_SCALES ? i : -1);
	}
	topic_seen_fini(&ts);
}

static void test_not_stream_names(void **state)
{
	(void)state;
	struct topic_seen ts;
	topic_seen_init(&ts);
	char longname[TDP_STREAM_NAME_MAX + 1];
	memset(longname, 'x', sizeof(longname));
	assert_int_equal(topic_seen_add(&ts, "", 0, 0, 1), 0);
	assert_int_equal(topic_seen_add(&ts, longname, TDP_STREAM_NAME_MAX, 0, 1), 0);
	assert_int_equal(topic_seen_add(&ts, "a\0b", 3, 0, 1), 0);
	assert_int_equal(topic_seen_add(&ts, "a", 1, TDP_MAX_SCALES, 1), 0);
	assert_int_equal(ts.n, 0);
	assert_null(topic_seen_get(&ts, "a"));
	/* the longest name a stream may have is kept */
	assert_int_equal(topic_seen_add(&ts, longname, TDP_STREAM_NAME_MAX - 1, 3, 4), 0);
	longname[TDP_STREAM_NAME_MAX - 1] = '\0';
	assert_int_equal(topic_seen_get(&ts, longname)[3], 4);
	topic_seen_fini(&ts);
}

/* Checkpoints: per stream the furthest one (whatever the reading order),
 * per source partition the highest commit offset; a stream's windows and
 * its checkpoint share the entry. */
static void test_checkpoints(void **state)
{
	(void)state;
	struct topic_seen ts;
	topic_seen_init(&ts);
	assert_null(topic_seen_part(&ts, "points", 0));
	assert_int_equal(topic_seen_add(&ts, "a", 1, 1, 7), 0);
	assert_int_equal(topic_seen_checkpoint(&ts, "a", 1, "points", 2, 50, 500, 300), 0);
	assert_int_equal(topic_seen_checkpoint(&ts, "a", 1, "points", 2, 40, 400, 350), 0);   /* older point, later commit */
	assert_int_equal(topic_seen_checkpoint(&ts, "b", 1, "points", 2, 9, 320, 310), 0);
	assert_int_equal(topic_seen_checkpoint(&ts, "c", 1, "other", 2, 1, 10, 5), 0);
	const struct topic_seen_entry *e = topic_seen_find(&ts, "a");
	assert_non_null(e);
	assert_int_equal(e->window[1], 7);
	assert_int_equal(e->ck_seq, 50);
	assert_int_equal(e->ck_off, 500);
	const struct topic_seen_part *p = &ts.parts[e->part - 1];
	assert_string_equal(p->topic, "points");
	assert_int_equal(p->partition, 2);
	assert_int_equal(p->commit, 350);
	assert_ptr_equal(topic_seen_part(&ts, "points", 2), p);
	/* Same partition number, another topic: another partition. */
	const struct topic_seen_part *q = topic_seen_part(&ts, "other", 2);
	assert_non_null(q);
	assert_int_equal(q->commit, 5);
	assert_null(topic_seen_part(&ts, "points", 3));
	/* Not stream names: ignored. */
	assert_int_equal(topic_seen_checkpoint(&ts, "", 0, "points", 2, 1, 1, 999), 0);
	assert_int_equal(p->commit, 350);
	topic_seen_fini(&ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_per_scale),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_not_stream_names),
		cmocka_unit_test(test_checkpoints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
