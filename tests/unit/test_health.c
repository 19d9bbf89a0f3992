/*
 * test_health - /healthz and /readyz (exporter/health.c) by the rules of
 * tdapipe-metrics(7): healthy while the supervisor lives and no process
 * of the pipeline is failed (backoff is healthy; the exporter's own
 * state never counts); ready when healthy and ingest and every scale are
 * running or done (publish's state does not count), each refusal with
 * the reason naming the process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "exporter/exporter.h"
#include "tests/unit/fixture.h"

static struct seg_fixture fx;
static char why[256];

static int setup(void **state)
{
	(void)state;
	return seg_from_yaml(&fx, SEG_MEMORY, "unit-health",
			     "source: {type: stdin}\n"
			     "metrics: {listen: 127.0.0.1:9464}\n"
			     "scales:\n"
			     "  - {name: lev, complex: sublevel, window: 10, slide: 5, ring: 16}\n"
			     "  - {name: cloud, complex: rips, window: 8, slide: 4, ring: 32}\n");
}

static int teardown(void **state)
{
	(void)state;
	seg_fixture_fini(&fx);
	return 0;
}

/* Every slot in STATE, the supervisor this test program. */
static void all(uint32_t state)
{
	struct tdp_shm_header *h = fx.seg.hdr;
	h->supervisor_pid = getpid();
	h->supervisor_start = tdp_proc_start_ticks(getpid());
	for (uint32_t i = 0; i < h->nprocs; i++)
		tdp_shm_proc(&fx.seg, i)->state = state;
}

static void test_running(void **state)
{
	(void)state;
	assert_int_equal(fx.seg.hdr->nprocs, 5);
	all(TDP_PROC_RUNNING);
	assert_true(health_ok(&fx.seg, &fx.cfg, why, sizeof(why)));
	assert_true(ready_ok(&fx.seg, &fx.cfg, why, sizeof(why)));
	all(TDP_PROC_DONE);
	assert_true(ready_ok(&fx.seg, &fx.cfg, why, sizeof(why)));
}

static void test_backoff(void **state)
{
	(void)state;
	all(TDP_PROC_RUNNING);
	tdp_shm_proc(&fx.seg, tdp_slot_scale(1))->state = TDP_PROC_BACKOFF;
	assert_true(health_ok(&fx.seg, &fx.cfg, why, sizeof(why)));
	assert_false(ready_ok(&fx.seg, &fx.cfg, why, sizeof(why)));
	assert_string_equal(why, "scaled[cloud] is backoff");
	all(TDP_PROC_RUNNING);
	tdp_shm_proc(&fx.seg, tdp_slot_ingest())->state = TDP_PROC_NEW;
	assert_false(ready_ok(&fx.seg, &fx.cfg, why, sizeof(why)));
	assert_string_equal(why, "ingest is new");
	/* publish in backoff: still ready (points are read and computed) */
	all(TDP_PROC_RUNNING);
	tdp_shm_proc(&fx.seg, tdp_slot_publish(fx.seg.hdr))->state = TDP_PROC_BACKOFF;
	assert_true(ready_ok(&fx.seg, &fx.cfg, why, sizeof(why)));
}

static void test_failed(void **state)
{
	(void)state;
	all(TDP_PROC_RUNNING);
	tdp_shm_proc(&fx.seg, tdp_slot_publish(fx.seg.hdr))->state = TDP_PROC_FAILED;
	assert_false(health_ok(&fx.seg, &fx.cfg, why, sizeof(why)));
	assert_string_equal(why, "publish failed: the supervisor gave up restarting it");
	assert_false(ready_ok(&fx.seg, &fx.cfg, why, sizeof(why)));
	assert_string_equal(why, "publish failed: the supervisor gave up restarting it");
	all(TDP_PROC_RUNNING);
	tdp_shm_proc(&fx.seg, tdp_slot_exporter(fx.seg.hdr))->state = TDP_PROC_FAILED;
	assert_true(health_ok(&fx.seg, &fx.cfg, why, sizeof(why)));
	assert_true(ready_ok(&fx.seg, &fx.cfg, why, sizeof(why)));
}

static void test_supervisor_gone(void **state)
{
	(void)state;
	all(TDP_PROC_RUNNING);
	fx.seg.hdr->supervisor_start += 1;   /* the pid's start time differs: another process */
	assert_false(health_ok(&fx.seg, &fx.cfg, why, sizeof(why)));
	assert_non_null(strstr(why, "the supervisor (pid "));
	assert_non_null(strstr(why, ") is not running"));
	assert_false(ready_ok(&fx.seg, &fx.cfg, why, sizeof(why)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_running),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_failed),
		cmocka_unit_test(test_supervisor_gone),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
