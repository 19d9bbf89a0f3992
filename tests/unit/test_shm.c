/*
 * test_shm - the segment: layout fits and is initialised, the config text
 * travels, a live instance is refused, a stale one is recovered, and
 * attach rejects what is not a complete tdapipe segment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/config.h"
#include "common/ring.h"
#include "common/shm.h"

static char text[512];
static struct tdp_config cfg;

static int setup(void **state)
{
	(void)state;
	snprintf(text, sizeof(text),
		 "instance: unit-shm-%d\n"
		 "source: {type: stdin}\n"
		 "scales:\n"
		 "  - {name: a, complex: sublevel, window: 100, slide: 10, ring: 64}\n"
		 "  - {name: b, complex: rips, window: 50, slide: 5}\n",
		 (int)getpid());
	char err[512];
	if (tdp_config_parse(text, strlen(text), "t.yaml", &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	tdp_shm_unlink(cfg.instance);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tdp_shm_unlink(cfg.instance);
	return 0;
}

static void test_layout(void **state)
{
	(void)state;
	struct tdp_shm seg, ro;
	char err[512];
	int other;
	assert_int_equal(tdp_shm_create(&seg, &cfg, text, strlen(text), &other, err, sizeof(err)), 0);
	const struct tdp_shm_header *h = seg.hdr;
	assert_int_equal(h->nscales, 2);
	assert_int_equal(h->nprocs, 4);
	assert_int_equal(h->supervisor_pid, getpid());
	assert_int_equal(seg.size, tdp_shm_size(&cfg, strlen(text)));
	assert_memory_equal(tdp_shm_at(&seg, h->config_off), text, strlen(text));
	for (uint32_t s = 0; s < 2; s++) {
		const struct tdp_scale_layout *l = &h->scales[s];
		/* every region inside the segment, in order, without overlap */
		assert_true(l->in_ring_off >= h->streams_off + h->max_streams * sizeof(struct tdp_stream));
		assert_true(l->in_slots_off >= l->in_ring_off + sizeof(struct tdp_ring));
		assert_true(l->out_ring_off >= l->in_slots_off + (uint64_t)l->in_slots * sizeof(struct tdp_point));
		assert_true(l->arena_off + l->arena_size <= seg.size);
		assert_int_equal(l->in_ring_off % 64, 0);
		assert_int_equal(tdp_ring_capacity(tdp_shm_in_ring(&seg, s)), l->in_slots - 1);
		assert_true(l->arena_size >= tdp_result_size(cfg.scales[s].window));
	}
	assert_int_equal(h->scales[0].in_slots, 64);
	assert_int_equal(tdp_shm_proc(&seg, 0)->role, TDP_ROLE_INGEST);
	assert_int_equal(tdp_shm_proc(&seg, 2)->role, TDP_ROLE_SCALED);
	assert_int_equal(tdp_shm_proc(&seg, 2)->scale, 1);
	assert_int_equal(tdp_shm_proc(&seg, 3)->role, TDP_ROLE_PUBLISH);
	assert_true(tdp_shm_supervisor_alive(h));

	/* A reader maps it read-only and sees the same layout. */
	assert_int_equal(tdp_shm_attach(&ro, cfg.instance, false, err, sizeof(err)), 0);
	assert_int_equal(ro.hdr->scales[1].arena_off, h->scales[1].arena_off);
	tdp_shm_detach(&ro);

	/* While we hold it, a second create is refused with our pid. */
	struct tdp_shm again;
	assert_int_equal(tdp_shm_create(&again, &cfg, text, strlen(text), &other, err, sizeof(err)), -EEXIST);
	assert_int_equal(other, getpid());
	assert_non_null(strstr(err, "already running"));
	tdp_shm_detach(&seg);
}

/* A supervisor that died without cleaning up leaves a stale segment. */
static void test_stale_recovered(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct tdp_shm seg;
		char err[512];
		int other;
		_exit(tdp_shm_create(&seg, &cfg, text, strlen(text), &other, err, sizeof(err)) == 0 ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_int_equal(WEXITSTATUS(st), 0);
	struct tdp_shm seg;
	char err[512];
	int other;
	assert_int_equal(tdp_shm_attach(&seg, cfg.instance, false, err, sizeof(err)), 0);
	assert_false(tdp_shm_supervisor_alive(seg.hdr));
	tdp_shm_detach(&seg);
	assert_int_equal(tdp_shm_create(&seg, &cfg, text, strlen(text), &other, err, sizeof(err)), 0);
	assert_int_equal(seg.hdr->supervisor_pid, getpid());
	tdp_shm_detach(&seg);
}

static void test_attach_rejects(void **state)
{
	(void)state;
	struct tdp_shm seg;
	char err[512];
	tdp_shm_unlink(cfg.instance);
	assert_int_equal(tdp_shm_attach(&seg, cfg.instance, false, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "not running"));
	/* Something else under our name: refused, not trusted. */
	char name[64];
	snprintf(name, sizeof(name), "/tdapipe-%s", cfg.instance);
	int fd = shm_open(name, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 8192), 0);
	close(fd);
	assert_int_equal(tdp_shm_attach(&seg, cfg.instance, false, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "magic"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_stale_recovered),
		cmocka_unit_test(test_attach_rejects),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
