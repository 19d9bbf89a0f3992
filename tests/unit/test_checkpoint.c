/*
 * test_checkpoint - what publish writes into tdapipe-checkpoint headers and
 * commits with each transaction (publish/checkpoint.c), on a real segment:
 * a stream restarts at the earliest over its scales of the last window
 * sent (its base point before any), never before what the topic holds for
 * it; a partition's commit offset is the earliest over its streams and
 * never moves back; only partitions the source holds are committed; and
 * the header's text survives a round trip (common/results_topic.c), while
 * malformed ones are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/results_topic.h"
#include "common/shm.h"
#include "publish/checkpoint.h"
#include "tests/unit/fixture.h"

static struct seg_fixture fx;

static void put_stream(uint32_t i, const char *name, uint16_t kpart, uint64_t seq, uint64_t off)
{
	struct tdp_stream *e = tdp_shm_stream(&fx.seg, i);
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->kpart = kpart;
	e->base_seq = e->next_seq = seq;
	e->base_off = off;
	fx.seg.hdr->nstreams = i + 1;
}

static int setup(void **state)
{
	(void)state;
	if (seg_from_yaml(&fx, SEG_SHM, "unit-ck",
			  "source: {type: stdin}\n"
			  "scales:\n"
			  "  - {name: a, complex: sublevel, window: 100, slide: 10}\n"
			  "  - {name: b, complex: sublevel, window: 50, slide: 5}\n") < 0)
		return -1;
	struct tdp_kafka_block *kb = tdp_shm_kafka(&fx.seg);
	snprintf(kb->parts[0].topic, sizeof(kb->parts[0].topic), "points");
	kb->parts[0].partition = 0;
	kb->parts[0].assigned = 1;
	snprintf(kb->parts[1].topic, sizeof(kb->parts[1].topic), "points");
	kb->parts[1].partition = 3;
	kb->parts[1].assigned = 0;
	kb->nparts = 2;
	put_stream(0, "x", 1, 0, 100);
	put_stream(1, "y", 1, 0, 150);
	put_stream(2, "z", 2, 40, 900);   /* restored from a checkpoint */
	put_stream(3, "file", 0, 0, 7);   /* not from Kafka */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	seg_fixture_fini(&fx);
	return 0;
}

static void header_is(struct checkpoint *ck, uint32_t stream, const char *want)
{
	char got[TDP_KAFKA_TOPIC_MAX + 96];
	assert_true(checkpoint_header(ck, stream, got, sizeof(got)));
	assert_string_equal(got, want);
}

static struct tdp_result result(uint32_t stream, uint64_t seq, uint64_t off, uint64_t n)
{
	return (struct tdp_result){.stream = stream, .src_seq = seq, .src_off = off, .n = n};
}

static void test_restart_points(void **state)
{
	(void)state;
	struct checkpoint ck;
	assert_int_equal(checkpoint_init(&ck, &fx.seg), 0);
	/* Nothing sent: base points; the partition's commit is its earliest stream. */
	header_is(&ck, 0, "0 100 100 0 points");
	header_is(&ck, 1, "0 150 100 0 points");
	header_is(&ck, 2, "40 900 900 3 points");
	char buf[64];
	assert_false(checkpoint_header(&ck, 3, buf, sizeof(buf)));

	/* One scale past its base is not enough: the other still needs it. */
	struct tdp_result r = result(0, 20, 300, 100);
	checkpoint_sent(&ck, 0, &r);
	header_is(&ck, 0, "0 100 100 0 points");
	/* Both scales: the earlier of their last windows' first points. */
	r = result(0, 10, 200, 50);
	checkpoint_sent(&ck, 1, &r);
	checkpoint_refresh(&ck);
	header_is(&ck, 0, "10 200 150 0 points");
	/* An older result (a replay) moves nothing back; an empty one counts not. */
	r = result(0, 5, 170, 50);
	checkpoint_sent(&ck, 1, &r);
	r = result(0, 90, 999, 0);
	checkpoint_sent(&ck, 1, &r);
	header_is(&ck, 0, "10 200 150 0 points");

	/* The topic's checkpoint is a floor. */
	checkpoint_floor(&ck, 1, 30, 400);
	checkpoint_refresh(&ck);
	header_is(&ck, 1, "30 400 200 0 points");

	/* Forward only: a later lower minimum (say, the floor forgotten by a
	 * restarted publish) does not move the commit offset back. */
	struct checkpoint again;
	assert_int_equal(checkpoint_init(&again, &fx.seg), 0);
	again.commit[0] = ck.commit[0];
	checkpoint_refresh(&again);
	assert_int_equal(again.commit[0], 200);
	checkpoint_fini(&again);

	/* Offsets for the transaction: the assigned partition only. */
	rd_kafka_topic_partition_list_t *l = checkpoint_offsets(&ck);
	assert_non_null(l);
	assert_int_equal(l->cnt, 1);
	assert_string_equal(l->elems[0].topic, "points");
	assert_int_equal(l->elems[0].partition, 0);
	assert_int_equal(l->elems[0].offset, 200);
	rd_kafka_topic_partition_list_destroy(l);
	checkpoint_fini(&ck);
}

static void test_header_text(void **state)
{
	(void)state;
	char v[TDP_KAFKA_TOPIC_MAX + 96], topic[TDP_KAFKA_TOPIC_MAX];
	uint64_t seq, off;
	int64_t commit;
	int32_t part;
	results_checkpoint_format(v, sizeof(v), 12345678901ull, 42, -1, "my.topic-1", 17);
	assert_int_equal(results_checkpoint_parse(v, strlen(v), &seq, &off, &commit, topic, &part), 0);
	assert_true(seq == 12345678901ull && off == 42 && commit == -1 && part == 17);
	assert_string_equal(topic, "my.topic-1");
	/* Given with its length: not NUL-terminated in a Kafka header. */
	char longer[128];
	snprintf(longer, sizeof(longer), "%sXYZ", v);
	assert_int_equal(results_checkpoint_parse(longer, strlen(v), &seq, &off, &commit, topic, &part), 0);
	assert_string_equal(topic, "my.topic-1");
	const char *bad[] = {"", "1 2 3", "1 2 3 4", "1 2 3 -4 t", "x 2 3 4 t", "1 2 3 4 t u", "1 2 3 4  "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(results_checkpoint_parse(bad[i], strlen(bad[i]), &seq, &off, &commit, topic, &part), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restart_points),
		cmocka_unit_test(test_header_text),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
