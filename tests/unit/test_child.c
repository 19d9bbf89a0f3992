/*
 * test_child - what every pipeline process does first: argument parsing,
 * attaching the segment, parsing the config stored in it, finding its
 * slot (by role or scale name), heartbeat, done and stop flags.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/child.h"
#include "common/exitcode.h"
#include "tests/unit/fixture.h"

static struct seg_fixture fx;

static int setup(void **state)
{
	(void)state;
	return seg_from_yaml(&fx, SEG_SHM, "unit-child",
			     "source: {type: stdin}\n"
			     "scales:\n"
			     "  - {name: a, complex: sublevel, window: 10, slide: 1}\n"
			     "  - {name: b, complex: rips, window: 5, slide: 5}\n");
}

static int teardown(void **state)
{
	(void)state;
	seg_fixture_fini(&fx);
	return 0;
}

static int parse(int argc, char **argv, const char **instance, const char **scale)
{
	optind = 1;
	opterr = 0;
	return tdp_child_args(argc, argv, "usage\n", instance, scale);
}

static void test_args(void **state)
{
	(void)state;
	const char *inst, *scale;
	char *ok[] = {"p", "--instance", "x", "--scale", "s"};
	assert_int_equal(parse(5, ok, &inst, &scale), 0);
	assert_string_equal(inst, "x");
	assert_string_equal(scale, "s");
	char *missing_scale[] = {"p", "--instance", "x"};
	assert_int_equal(parse(3, missing_scale, &inst, &scale), TDP_EXIT_USAGE);
	assert_int_equal(parse(3, missing_scale, &inst, NULL), 0);
	char *stray[] = {"p", "--instance", "x", "extra"};
	assert_int_equal(parse(4, stray, &inst, NULL), TDP_EXIT_USAGE);
	char *scale_not_taken[] = {"p", "--instance", "x", "--scale", "s"};
	assert_int_equal(parse(5, scale_not_taken, &inst, NULL), TDP_EXIT_USAGE);
}

static void test_start_finds_slots(void **state)
{
	(void)state;
	static struct tdp_child c;
	assert_int_equal(tdp_child_start(&c, fx.cfg.instance, "b", TDP_ROLE_SCALED), 0);
	assert_int_equal(c.slot_index, tdp_slot_scale(1));
	assert_int_equal(c.cfg.nscales, 2);
	assert_string_equal(c.cfg.scales[1].name, "b");
	assert_true(c.slot->heartbeat_ns > 0);
	uint64_t beat = c.slot->heartbeat_ns;
	usleep(1000);
	tdp_child_beat(&c);
	assert_true(c.slot->heartbeat_ns > beat);
	assert_false(tdp_child_stopping(&c));
	fx.seg.hdr->stop = 1;
	assert_true(tdp_child_stopping(&c));
	fx.seg.hdr->stop = 0;
	tdp_child_done(&c);
	assert_int_equal(tdp_shm_proc(&fx.seg, tdp_slot_scale(1))->done, 1);
	tdp_shm_detach(&c.seg);

	assert_int_equal(tdp_child_start(&c, fx.cfg.instance, NULL, TDP_ROLE_PUBLISH), 0);
	assert_int_equal(c.slot_index, 3);
	tdp_shm_detach(&c.seg);
	assert_int_equal(tdp_child_start(&c, fx.cfg.instance, NULL, TDP_ROLE_INGEST), 0);
	assert_int_equal(c.slot_index, 0);
	tdp_shm_detach(&c.seg);
}

static void test_start_errors(void **state)
{
	(void)state;
	static struct tdp_child c;
	/* a scale the config does not have is a usage error: not restarted */
	assert_int_equal(tdp_child_start(&c, fx.cfg.instance, "nope", TDP_ROLE_SCALED), TDP_EXIT_USAGE);
	tdp_shm_detach(&c.seg);
	/* no such instance: a system failure (it may appear on restart) */
	assert_int_equal(tdp_child_start(&c, "unit-child-none", NULL, TDP_ROLE_INGEST), TDP_EXIT_SYSTEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_start_finds_slots),
		cmocka_unit_test(test_start_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
