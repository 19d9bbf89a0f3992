/*
 * test_shm_check - a segment is read only once its header is vouched for.
 *
 * A segment laid out by the real creation code (tdp_shm_format) passes
 * both checks.  Each field the checks cover, corrupted in turn (too big, off
 * the end, misaligned, overlapping, overflowing, a count out of range), is
 * refused with a reason that names the field; so is every truncation, even
 * one whose header was rewritten to match; and a header that is sound on
 * its own but disagrees with its own config text is refused by
 * tdp_shm_check_config.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/ring.h"
#include "common/shm.h"
#include "common/shm_check.h"
#include "tests/unit/fixture.h"

static struct seg_fixture fx;   /* the template, fx.seg.hdr */
static size_t size;
static void *good;              /* = fx.seg.hdr */
static void *seg;               /* what a test corrupts */

static int setup(void **state)
{
	(void)state;
	if (seg_from_yaml(&fx, SEG_MEMORY, "unit-shm-check",
			  "source: {type: stdin}\n"
			  "max_streams: 4\n"
			  "scales:\n"
			  "  - {name: a, complex: sublevel, window: 10, slide: 5, ring: 16}\n"
			  "  - {name: b, complex: rips, window: 8, slide: 4, ring: 32}\n") < 0)
		return -1;
	size = fx.seg.size;
	good = fx.seg.hdr;
	return posix_memalign(&seg, 4096, size) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	seg_fixture_fini(&fx);
	free(seg);
	return 0;
}

static struct tdp_shm_header *fresh(void)
{
	memcpy(seg, good, size);
	return seg;
}

static void test_good_passes(void **state)
{
	(void)state;
	char why[512] = "";
	assert_int_equal(tdp_shm_check(good, size, why, sizeof(why)), 0);
	assert_int_equal(tdp_shm_check_config(good, &fx.cfg, why, sizeof(why)), 0);
	const struct tdp_shm_header *h = good;
	assert_int_equal(h->total_size, size);
	assert_int_equal(h->nprocs, 4);
}

/* One corruption: the header field at OFF (WIDTH bytes) moved by DELTA,
 * or set to VALUE when DELTA is 0; the reason must contain NAMES. */
#define KEEP 0
#define SC(s, f) (offsetof(struct tdp_shm_header, scales) + (s) * sizeof(struct tdp_scale_layout) + \
		  offsetof(struct tdp_scale_layout, f))
#define H(f) offsetof(struct tdp_shm_header, f)
struct corruption {
	size_t off, width;
	uint64_t value;
	int64_t delta;
	const char *names;
};

static uint64_t get(const void *base, size_t off, size_t width)
{
	uint64_t v = 0;
	memcpy(&v, (const char *)base + off, width);   /* little-endian */
	return v;
}

static void put(void *base, size_t off, size_t width, uint64_t v)
{
	memcpy((char *)base + off, &v, width);
}

static const struct corruption structural[] = {
	{H(magic), 8, 0x4141414141414141ull, 0, "magic"},
	{H(layout_version), 4, 0, 0, "layout_version 0"},
	{H(layout_version), 4, TDP_SHM_LAYOUT_VERSION + 1, 0, "layout_version"},
	{H(header_size), 4, 4096, 0, "header_size"},
	{H(total_size), 8, KEEP, 4096, "total_size"},
	{H(nscales), 4, 17, 0, "nscales 17"},
	{H(nscales), 4, 0, 0, "nscales 0"},
	{H(nscales), 4, 0xffffffff, 0, "nscales"},
	{H(nprocs), 4, 6, 0, "nprocs 6"},
	{H(nprocs), 4, 0xffffffff, 0, "nprocs"},
	{H(max_streams), 4, 0, 0, "max_streams"},
	{H(max_streams), 4, 0xffffffff, 0, "max_streams 4294967295"},
	{H(max_streams), 4, 100000, 0, "max_streams 100000"},
	{H(config_off), 8, 123456789ull * 4096, 0, "config_off 505679007744"},
	{H(config_off), 8, 64, 0, "config_off 64 lies before the end of the header"},
	{H(config_len), 8, 1ull << 40, 0, "config_len"},
	{H(config_len), 8, UINT64_MAX, 0, "config_len"},
	{H(procs_off), 8, 123456789, 0, "procs_off 123456789"},
	{H(procs_off), 8, 123456789ull * 64, 0, "procs_off 7901234496 + nprocs 4 slots"},
	{H(procs_off), 8, UINT64_MAX & ~63ull, 0, "procs_off"},
	{H(procs_off), 8, KEEP, -64, "procs_off"},
	{H(streams_off), 8, KEEP, 8, "streams_off"},
	{H(streams_off), 8, 1ull << 62, 0, "streams_off"},
	{H(ingest_commit_off), 8, 1ull << 62, 0, "ingest_commit_off"},
	{H(ingest_commit_off), 8, KEEP, -64, "ingest_commit_off"},
	{H(publish_commit_off), 8, 1ull << 62, 0, "publish_commit_off"},
	{H(publish_commit_off), 8, KEEP, 4, "publish_commit_off"},
	{H(dedup_off), 8, 1ull << 62, 0, "dedup_off"},
	{H(dedup_off), 8, KEEP, 3, "dedup_off"},
	{H(latest_off), 8, 1ull << 62, 0, "latest_off"},
	{H(latest_streams), 4, 5000, 0, "latest_streams 5000"},
	{H(kafka_off), 8, 1ull << 62, 0, "kafka_off"},
	{H(kafka_off), 8, KEEP, 64 * 1024, "kafka_off"},
	{SC(0, in_ring_off), 8, 1ull << 62, 0, "scales[0].in_ring_off"},
	{SC(0, in_ring_off), 8, KEEP, 8, "scales[0].in_ring_off"},
	{SC(0, in_slots_off), 8, 1ull << 62, 0, "scales[0].in_slots_off"},
	{SC(0, in_slots), 4, 1u << 30, 0, "scales[0].in_slots 1073741824"},
	{SC(0, in_slots), 4, 100, 0, "scales[0].in_slots 100"},
	{SC(0, in_slots), 4, 32, 0, "scales[0].in_slots"},   /* the ring says 16 */
	{SC(0, out_ring_off), 8, 1ull << 62, 0, "scales[0].out_ring_off"},
	{SC(0, out_slots_off), 8, 1ull << 62, 0, "scales[0].out_slots_off"},
	{SC(0, out_slots), 4, 0, 0, "scales[0].out_slots 0"},
	{SC(0, out_slots), 4, 1u << 31, 0, "scales[0].out_slots"},
	{SC(0, arena_off), 8, 1ull << 62, 0, "scales[0].arena_off"},
	{SC(0, arena_size), 8, 0, 0, "scales[0].arena_size is 0"},
	{SC(0, arena_size), 8, 1ull << 40, 0, "scales[0].arena_size"},
	{SC(0, arena_size), 8, UINT64_MAX, 0, "scales[0].arena_size"},
	{SC(0, wstate_off), 8, 1ull << 62, 0, "scales[0].wstate_off"},
	{SC(0, store_off), 8, 1ull << 62, 0, "scales[0].store_off"},
	{SC(0, store_off), 8, 0, 0, "scales[0].store_off 0"},
	{SC(0, store_stride), 8, 1ull << 40, 0, "scales[0].store_stride"},
	{SC(0, store_stride), 8, 0, 0, "scales[0].store_stride is 0"},
	{SC(0, store_dim), 4, 17, 0, "scales[0].store_dim 17"},
	{SC(1, in_ring_off), 8, KEEP, -4096, "scales[1].in_ring_off"},
	{SC(1, arena_off), 8, KEEP, 4, "scales[1].arena_off"},
	{SC(1, arena_size), 8, KEEP, 1 << 20, "scales[1].arena_size"},
	{SC(1, wstate_off), 8, UINT64_MAX - 4095, 0, "scales[1].wstate_off"},
	{SC(1, store_off), 8, KEEP, 4096, "scales[1].store_off"},
	{SC(1, store_stride), 8, KEEP, 4096, "scales[1].store_stride"},
};

static void test_each_field_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(structural) / sizeof(structural[0]); i++) {
		const struct corruption *c = &structural[i];
		struct tdp_shm_header *h = fresh();
		uint64_t v = c->delta ? get(h, c->off, c->width) + (uint64_t)c->delta : c->value;
		put(h, c->off, c->width, v);
		char why[512] = "";
		int rc = tdp_shm_check(h, size, why, sizeof(why));
		print_message("%-36s -> %s\n", c->names, why);
		assert_int_equal(rc, -1);
		if (!strstr(why, c->names))
			fail_msg("corruption %zu: \"%s\" not in: %s", i, c->names, why);
	}
}

static void test_instance_unterminated(void **state)
{
	(void)state;
	struct tdp_shm_header *h = fresh();
	memset(h->instance, 'x', sizeof(h->instance));
	char why[512] = "";
	assert_int_equal(tdp_shm_check(h, size, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "instance"));
}

static void test_ring_block_refused(void **state)
{
	(void)state;
	struct tdp_shm_header *h = fresh();
	struct tdp_shm s = {.hdr = h, .size = size};
	tdp_shm_out_ring(&s, 1)->ck.mask = 0xffffffff;
	char why[512] = "";
	assert_int_equal(tdp_shm_check(h, size, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "scales[1].out_ring_off"));
	assert_non_null(strstr(why, "mask 0xffffffff"));
}

/* A file cut short is refused; so is one whose header was made to agree. */
static void test_truncated(void **state)
{
	(void)state;
	size_t cuts[] = {0, 1, sizeof(struct tdp_shm_header) - 1, sizeof(struct tdp_shm_header), 4096, 8192,
			 size / 2, size - 4096, size - 8, size - 1};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct tdp_shm_header *h = fresh();
		char why[512] = "";
		assert_int_equal(tdp_shm_check(h, cuts[i], why, sizeof(why)), -1);
		assert_true(strstr(why, "total_size") || strstr(why, "smaller than a header"));
		if (cuts[i] < sizeof(*h))
			continue;
		h->total_size = cuts[i];
		assert_int_equal(tdp_shm_check(h, cuts[i], why, sizeof(why)), -1);
		print_message("cut at %zu -> %s\n", cuts[i], why);
		assert_non_null(strstr(why, "passes the segment's end"));
	}
}

/* Sound on its own, but not what its config lays out. */
static const struct corruption against_config[] = {
	{H(latest_streams), 4, 3, 0, "latest_streams 3"},
	{SC(0, arena_size), 8, KEEP, -4096, "scales[0].arena_size"},
	{SC(1, store_stride), 8, KEEP, -8, "scales[1].store_stride"},
	{SC(1, store_dim), 4, 1, 0, "scales[1].store_dim 1"},
	{SC(0, wstate_off), 8, KEEP, 64, "scales[0].wstate_off"},
};

static void test_config_disagrees(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(against_config) / sizeof(against_config[0]); i++) {
		const struct corruption *c = &against_config[i];
		struct tdp_shm_header *h = fresh();
		uint64_t v = c->delta ? get(h, c->off, c->width) + (uint64_t)c->delta : c->value;
		put(h, c->off, c->width, v);
		char why[512] = "";
		if (tdp_shm_check(h, size, why, sizeof(why)) != 0)
			fail_msg("corruption %zu refused already by tdp_shm_check: %s", i, why);
		assert_int_equal(tdp_shm_check_config(h, &fx.cfg, why, sizeof(why)), -1);
		print_message("%-36s -> %s\n", c->names, why);
		if (!strstr(why, c->names))
			fail_msg("corruption %zu: \"%s\" not in: %s", i, c->names, why);
	}
	/* Another instance's config, or the same config with a scale changed. */
	struct tdp_config other;
	char err[512], why[512] = "";
	static const char text2[] =   /* scale b's window bigger: bigger stores */
		"instance: unit-shm-check\n"
		"source: {type: stdin}\n"
		"max_streams: 4\n"
		"scales:\n"
		"  - {name: a, complex: sublevel, window: 10, slide: 5, ring: 16}\n"
		"  - {name: b, complex: rips, window: 800, slide: 4, ring: 32}\n";
	assert_int_equal(tdp_config_parse(text2, strlen(text2), "t2.yaml", &other, err, sizeof(err)), 0);
	assert_int_equal(tdp_shm_check_config(good, &other, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "scales[1]."));
	other = fx.cfg;
	snprintf(other.instance, sizeof(other.instance), "someone-else");
	assert_int_equal(tdp_shm_check_config(good, &other, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "instance"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_passes),
		cmocka_unit_test(test_each_field_refused),
		cmocka_unit_test(test_instance_unterminated),
		cmocka_unit_test(test_ring_block_refused),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_config_disagrees),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
