/*
 * test_state_file - a checkpoint on disk (cli/state_file.c): what a
 * segment's pages become in the file (data; zeros for pages written but
 * zero; nothing for pages never written, reserved or not: tmpfs reports
 * those as holes), that applying it gives the same bytes back with the
 * zero pages reserved, and that a file damaged anywhere, cut short or of
 * another version is refused before anything is applied.
 */
#define _GNU_SOURCE 1   /* memfd_create, SEEK_DATA */
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/state_file.h"
#include "common/shm.h"

#define PAGE 4096u
#define PAGES 64u
#define SIZE (PAGES * PAGE)

struct fx {
	int seg;              /* a tmpfs file, like /dev/shm */
	unsigned char *base;
	char path[64];
};

/* A segment: page 0 and 5..7 data, 1..4 and 8..9 written with zeros, 10
 * data with a single byte, 11..19 reserved (fallocate) but never written,
 * 20..PAGES-1 neither. */
static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->seg = memfd_create("seg", MFD_CLOEXEC);
	assert_true(f->seg >= 0);
	assert_int_equal(ftruncate(f->seg, SIZE), 0);
	assert_int_equal(posix_fallocate(f->seg, 0, 20 * PAGE), 0);
	f->base = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f->seg, 0);
	assert_true(f->base != MAP_FAILED);
	for (unsigned i = 0; i < PAGE; i++)
		f->base[i] = (unsigned char)(i * 7 + 1);
	for (unsigned i = 5 * PAGE; i < 8 * PAGE; i++)
		f->base[i] = (unsigned char)(i % 251);
	f->base[10 * PAGE + 4095] = 9;
	memset(f->base + PAGE, 0, 4 * PAGE);
	memset(f->base + 8 * PAGE, 0, 2 * PAGE);
	snprintf(f->path, sizeof(f->path), "/tmp/tdp-unit-state.%d", (int)getpid());
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	munmap(f->base, SIZE);
	close(f->seg);
	unlink(f->path);
	free(f);
	return 0;
}

/* Write F's segment into F->path, sealed. */
static void write_file(struct fx *f)
{
	char err[256];
	int fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(state_file_write(f->seg, f->base, SIZE, "unit", "instance: unit\n", 15, fd, err,
					  sizeof(err)), 0);
	assert_int_equal(state_file_seal(fd, err, sizeof(err)), 0);
	close(fd);
}

static void test_extents(void **state)
{
	struct fx *f = *state;
	struct tdp_state_image img;
	char err[256];
	write_file(f);
	assert_int_equal(state_file_read(f->path, &img, err, sizeof(err)), 0);
	assert_int_equal(img.h.seg_size, SIZE);
	assert_string_equal(img.h.instance, "unit");
	assert_string_equal(img.config, "instance: unit\n");
	/* 0 data | 1..4 zero | 5..7 data | 8..9 zero | 10 data; 11.. not there */
	static const struct { uint64_t off, len; uint32_t data; } want[] = {
		{0, PAGE, 1}, {PAGE, 4 * PAGE, 0}, {5 * PAGE, 3 * PAGE, 1}, {8 * PAGE, 2 * PAGE, 0},
		{10 * PAGE, PAGE, 1},
	};
	assert_int_equal(img.h.nextents, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < img.h.nextents; i++) {
		assert_int_equal(img.ext[i].off, want[i].off);
		assert_int_equal(img.ext[i].len, want[i].len);
		assert_int_equal(img.ext[i].data, want[i].data);
	}
	assert_int_equal(img.h.data_bytes, 5 * PAGE);
	state_file_close(&img);
}

/* Applied to a new segment: the same bytes, the same reserved range,
 * and the first PROTECT bytes into HEAD instead of the mapping. */
static void test_apply(void **state)
{
	struct fx *f = *state;
	struct tdp_state_image img;
	char err[256];
	write_file(f);
	assert_int_equal(state_file_read(f->path, &img, err, sizeof(err)), 0);
	int seg = memfd_create("seg2", MFD_CLOEXEC);
	assert_int_equal(ftruncate(seg, SIZE), 0);
	unsigned char *base = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, seg, 0);
	static unsigned char head[PAGE];
	assert_int_equal(state_file_apply(&img, seg, base, head, 100, err, sizeof(err)), 0);
	/* pages 0..10 reserved, before anything reads the mapping (a read
	 * of a hole through it would reserve that page too) */
	struct stat st;
	assert_int_equal(fstat(seg, &st), 0);
	assert_int_equal((uint64_t)st.st_blocks * 512, 11 * PAGE);
	assert_memory_equal(head, f->base, 100);
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(base[i], 0);
	assert_memory_equal(base + 100, f->base + 100, SIZE - 100);
	munmap(base, SIZE);
	close(seg);
	state_file_close(&img);
}

/* A byte flipped anywhere (header, extent table, config, data) is refused. */
static void test_damaged(void **state)
{
	struct fx *f = *state;
	struct tdp_state_image img;
	char err[256];
	write_file(f);
	FILE *fp = fopen(f->path, "rb");
	fseek(fp, 0, SEEK_END);
	long size = ftell(fp);
	rewind(fp);
	unsigned char *good = malloc((size_t)size);
	assert_int_equal(fread(good, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	long at[] = {8, 20, (long)sizeof(struct tdp_state_header) + 3, size / 2, size - 1};
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		good[at[i]] ^= 0x10;
		fp = fopen(f->path, "wb");
		fwrite(good, 1, (size_t)size, fp);
		fclose(fp);
		assert_int_equal(state_file_read(f->path, &img, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "--fresh"));
		good[at[i]] ^= 0x10;
	}
	/* cut short */
	fp = fopen(f->path, "wb");
	fwrite(good, 1, (size_t)size - 4096, fp);
	fclose(fp);
	assert_int_equal(state_file_read(f->path, &img, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "cut short"));
	/* another layout version, crc made right: still refused, saying so */
	struct tdp_state_header *h = (struct tdp_state_header *)good;
	h->layout = TDP_SHM_LAYOUT_VERSION - 1;
	fp = fopen(f->path, "wb");
	fwrite(good, 1, (size_t)size, fp);
	fclose(fp);
	int fd = open(f->path, O_RDWR);
	assert_int_equal(state_file_seal(fd, err, sizeof(err)), 0);
	close(fd);
	assert_int_equal(state_file_read(f->path, &img, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "another version"));
	/* none at all */
	unlink(f->path);
	assert_int_equal(state_file_read(f->path, &img, err, sizeof(err)), -ENOENT);
	free(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_extents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
