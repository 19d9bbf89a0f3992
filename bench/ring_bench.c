/*
 * ring_bench - point records per second through a tdp ring between two
 * processes, next to a plain memcpy of the same bytes (the physical limit).
 *
 * usage: ring_bench [RECORDS] [RUNS]
 * Prints one table row per measure with the median of RUNS runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/ring.h"

#define SLOTS 65536u

struct shared {
	struct tdp_ring ring;
	volatile uint64_t consumed_sum;
	struct tdp_point slots[SLOTS];
};

#define BATCH 256

/* Move N records through the ring, BATCH at a time (1: ck_ring's own
 * single-record calls); returns records/s, checking every record arrived. */
static double ring_run(struct shared *sh, uint64_t n, unsigned batch)
{
	memset(&sh->ring, 0, sizeof(sh->ring));
	ck_ring_init(&sh->ring.ck, SLOTS);
	pid_t pid = fork();
	if (pid == 0) {
		static struct tdp_point in[BATCH];
		uint64_t sum = 0;
		for (uint64_t i = 0; i < n;) {
			unsigned got = batch == 1 ? tdp_point_pop(&sh->ring, sh->slots, in)
						  : tdp_point_pop_many(&sh->ring, sh->slots, in, batch);
			for (unsigned j = 0; j < got; j++)   /* read both ends of the record */
				sum += in[j].seq + (uint64_t)in[j].v[TDP_MAX_DIM - 1];
			i += got;
		}
		sh->consumed_sum = sum;
		_exit(0);
	}
	static struct tdp_point out[BATCH];
	memset(out, 0, sizeof(out));
	uint64_t t0 = tdp_now_ns();
	for (uint64_t i = 0; i < n;) {
		unsigned want = n - i < batch ? (unsigned)(n - i) : batch;
		for (unsigned j = 0; j < want; j++) {
			out[j].seq = i + j;
			out[j].dim = 1;
			out[j].v[TDP_MAX_DIM - 1] = (double)(i + j);
		}
		for (unsigned done = 0; done < want;)
			done += batch == 1 ? tdp_point_push(&sh->ring, sh->slots, out)
					   : tdp_point_push_many(&sh->ring, sh->slots, out + done, want - done);
		i += want;
	}
	int st;
	waitpid(pid, &st, 0);
	uint64_t dt = tdp_now_ns() - t0;
	if (sh->consumed_sum != n * (n - 1)) {
		fprintf(stderr, "ring_bench: consumer saw wrong records\n");
		exit(1);
	}
	return (double)n / ((double)dt / 1e9);
}

static double memcpy_run(struct shared *sh, uint64_t n)
{
	/* The physical limit: the same number of bytes moved by plain memcpy
	 * in ring-sized blocks, one process, no coordination at all. */
	static struct tdp_point src[SLOTS];
	memset(src, 1, sizeof(src));
	uint64_t t0 = tdp_now_ns();
	for (uint64_t done = 0; done < n; done += SLOTS) {
		uint64_t k = n - done < SLOTS ? n - done : SLOTS;
		memcpy(sh->slots, src, k * sizeof(struct tdp_point));
		src[done % SLOTS].seq ^= sh->slots[(done * 7) % SLOTS].seq;   /* keep the copy live */
	}
	uint64_t dt = tdp_now_ns() - t0;
	return (double)n / ((double)dt / 1e9);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000000ull;
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	if (runs < 1 || runs > 15)
		runs = 3;
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	double r[15], b[15], m[15];
	for (int i = 0; i < runs; i++) {
		r[i] = ring_run(sh, n, 1);
		b[i] = ring_run(sh, n, BATCH);
		m[i] = memcpy_run(sh, n);
	}
	qsort(r, (size_t)runs, sizeof(double), cmp);
	qsort(b, (size_t)runs, sizeof(double), cmp);
	qsort(m, (size_t)runs, sizeof(double), cmp);
	double rm = r[runs / 2], bm = b[runs / 2], mm = m[runs / 2];
	printf("%-44s %14s %12s\n", "measure (median of runs)", "records/s", "GB/s");
	printf("%-44s %14.3e %12.2f\n", "ring, 1 record per op (ck_ring), 2 procs", rm, rm * sizeof(struct tdp_point) / 1e9);
	printf("%-44s %14.3e %12.2f\n", "ring, batches of 256 (as used), 2 procs", bm, bm * sizeof(struct tdp_point) / 1e9);
	printf("%-44s %14.3e %12.2f\n", "memcpy of the same bytes, 1 process", mm, mm * sizeof(struct tdp_point) / 1e9);
	printf("%-44s %14.2f\n", "ratio batched ring / memcpy", bm / mm);
	return 0;
}
