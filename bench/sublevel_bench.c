/*
 * sublevel_bench - sliding-window sublevel H0 (scaled/sublevel_slide.h),
 * slide 1, next to recomputing every window from scratch: ours
 * (sublevel_h0) and GUDHI's cubical complex (bench/sublevel_gudhi.py,
 * measured in the same run by bench/run.sh).
 *
 * usage: sublevel_bench write DIR
 *          Write the inputs for bench/sublevel_gudhi.py: DIR/<input>-<W>.txt,
 *          the series' first W + GUDHI_EXTRA values (%.17g, one a line), and
 *          DIR/<input>-<W>.diag, sublevel_h0 of its first window (the script
 *          checks GUDHI gives the same diagram).
 *        sublevel_bench run DIR [RUNS]
 *          Measure ours and print the table, with GUDHI's windows/s read
 *          from DIR/gudhi.txt ("<input> <W> <windows/s>" lines; "-" in
 *          the table when absent).  Exit 1 if a sliding diagram differs
 *          from sublevel_h0 of the same window.
 *
 * Inputs, each W + SLIDES values for W = 1,000 / 100,000 / 1,000,000 (one
 * series of 1,000,000 + SLIDES values, prefixes of it):
 *   walk  a random walk, steps uniform in [-1, 1) from splitmix64 (seeded)
 *   ecg   samples/ecg.csv (108,000 values) repeated end to end
 *
 * Per input and W, every figure the median of RUNS runs:
 *   sliding:       fill the first window (not timed), then SLIDES slides
 *                  (sls_expire_one + sls_push), slides/s; again with
 *                  sls_summary after every slide
 *   from scratch:  sublevel_h0 of window k, k = 0, 1, ..., for at least
 *                  SCRATCH_NS and 3 windows; windows/s
 *   memory:        sls_bytes_per_point(), and the peak RSS growth (ru_maxrss
 *                  after - before sls_init, fill and SLIDES slides) / W,
 *                  measured in a child forked before any other allocation
 *                  with the peak reset (/proc/self/clear_refs) first.
 * After the last run, the structure's diagram (window SLIDES .. SLIDES+W)
 * must equal sublevel_h0 of the same values exactly, and the summary's
 * count and max must equal the diagram's.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "scaled/sublevel.h"
#include "scaled/sublevel_slide.h"

#define SLIDES      2000000u         /* timed slides per run */
#define GUDHI_EXTRA 10000u           /* values past the first window for GUDHI */
#define SCRATCH_NS  1000000000ull    /* from-scratch time bound per run */
#define MAX_RUNS    15
#define ECG_PATH    "samples/ecg.csv"

static const uint32_t WS[] = {1000, 100000, 1000000};
#define NW (sizeof(WS) / sizeof(WS[0]))
#define MAXW 1000000u
#define LEN ((size_t)MAXW + SLIDES)

struct input {
	const char *name;
	double *x;          /* LEN values */
};

static void die(const char *what)
{
	fprintf(stderr, "sublevel_bench: %s: %s\n", what, strerror(errno));
	exit(2);
}

static double *alloc_doubles(size_t n)
{
	double *p = malloc(n * sizeof(double));
	if (!p)
		die("malloc");
	return p;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double *make_walk(void)
{
	double *x = alloc_doubles(LEN);
	uint64_t s = 0x5eb1e7e1c0ffee11ull;
	double v = 0;
	for (size_t i = 0; i < LEN; i++) {
		v += (double)(splitmix64(&s) >> 11) * 0x1p-52 - 1.0;   /* [-1, 1) */
		x[i] = v;
	}
	return x;
}

static double *make_ecg(void)
{
	FILE *f = fopen(ECG_PATH, "r");
	if (!f)
		die(ECG_PATH);
	size_t n = 0, cap = 1 << 17;
	double *v = alloc_doubles(cap);
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		char *end;
		double d = strtod(line, &end);
		if (end == line)
			continue;
		if (n == cap) {
			cap *= 2;
			v = realloc(v, cap * sizeof(double));
			if (!v)
				die("realloc");
		}
		v[n++] = d;
	}
	fclose(f);
	if (n == 0) {
		fprintf(stderr, "sublevel_bench: %s: no values\n", ECG_PATH);
		exit(2);
	}
	double *x = alloc_doubles(LEN);
	for (size_t i = 0; i < LEN; i++)
		x[i] = v[i % n];
	free(v);
	return x;
}

/* --------------------------------------------------------------- write */

static void write_inputs(const struct input *in, size_t nin, const char *dir)
{
	for (size_t k = 0; k < nin; k++) {
		for (size_t w = 0; w < NW; w++) {
			uint32_t W = WS[w];
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s-%u.txt", dir, in[k].name, W);
			FILE *f = fopen(path, "w");
			if (!f)
				die(path);
			for (size_t i = 0; i < (size_t)W + GUDHI_EXTRA; i++)
				fprintf(f, "%.17g\n", in[k].x[i]);
			if (fclose(f))
				die(path);

			struct tdp_interval *out = malloc(W * sizeof(*out));
			void *scratch = malloc(sublevel_scratch_size(W));
			if (!out || !scratch)
				die("malloc");
			size_t m = sublevel_h0(in[k].x, W, out, scratch);
			snprintf(path, sizeof(path), "%s/%s-%u.diag", dir, in[k].name, W);
			if (!(f = fopen(path, "w")))
				die(path);
			for (size_t i = 0; i < m; i++)
				fprintf(f, "%.17g %.17g\n", out[i].birth, out[i].death);
			if (fclose(f))
				die(path);
			free(out);
			free(scratch);
		}
	}
}

/* ------------------------------------------------------------- measure */

static volatile double sink;

static void fill(struct sublevel_slide *s, const double *x, uint32_t W)
{
	if (sls_init(s, W, SLS_TRACK_MAX))
		die("sls_init");
	for (uint32_t i = 0; i < W; i++)
		sls_push(s, i, x[i]);
}

/* SLIDES slides after the first window; slides/s.  S is left holding
 * window [SLIDES, SLIDES + W). */
static double slide_run(struct sublevel_slide *s, const double *x, uint32_t W, bool summary)
{
	fill(s, x, W);
	double acc = 0;
	uint64_t t0 = tdp_now_ns();
	if (summary) {
		for (size_t i = W; i < (size_t)W + SLIDES; i++) {
			struct sls_summary sum;
			sls_expire_one(s);
			sls_push(s, i, x[i]);
			sls_summary(s, &sum);
			acc += sum.total + sum.max + (double)sum.count;
		}
	} else {
		for (size_t i = W; i < (size_t)W + SLIDES; i++) {
			sls_expire_one(s);
			sls_push(s, i, x[i]);
		}
	}
	uint64_t dt = tdp_now_ns() - t0;
	sink = acc;
	return (double)SLIDES / ((double)dt / 1e9);
}

/* sublevel_h0 of windows 0, 1, ... for at least SCRATCH_NS and 3
 * windows; windows/s. */
static double scratch_run(const double *x, uint32_t W, struct tdp_interval *out, void *scratch)
{
	uint64_t t0 = tdp_now_ns(), dt;
	size_t k = 0, got = 0;
	do {
		got += sublevel_h0(x + k % (SLIDES + 1), W, out, scratch);
		k++;
		dt = tdp_now_ns() - t0;
	} while (dt < SCRATCH_NS || k < 3);
	sink = (double)got;
	return (double)k / ((double)dt / 1e9);
}

static bool same_diagram(const struct tdp_interval *a, size_t na, const struct tdp_interval *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!(a[i].birth == b[i].birth && a[i].death == b[i].death))
			return false;
	return true;
}

/* The structure's diagram and summary against sublevel_h0 of the same
 * window; exits 1 on any difference. */
static void verify(struct sublevel_slide *s, const double *x, uint32_t W, const char *name)
{
	struct tdp_interval *a = malloc(W * sizeof(*a)), *b = malloc(W * sizeof(*b));
	void *scratch = malloc(sublevel_scratch_size(W));
	if (!a || !b || !scratch)
		die("malloc");
	size_t na = sls_diagram(s, a);
	size_t nb = sublevel_h0(x + SLIDES, W, b, scratch);
	struct sls_summary sum;
	sls_summary(s, &sum);
	uint64_t count = 0;
	double max = 0;
	long double total = 0;
	for (size_t i = 0; i < nb; i++) {
		if (isinf(b[i].death))
			continue;
		double p = b[i].death - b[i].birth;
		count++;
		total += p;
		if (p > max)
			max = p;
	}
	const char *why = NULL;
	if (!same_diagram(a, na, b, nb))
		why = "diagram differs";
	else if (sum.count != count)
		why = "summary count differs";
	else if (sum.max != max)
		why = "summary max differs";
	else if (fabsl((long double)sum.total - total) > 1e-12L * fabsl(total))
		why = "summary total differs";
	if (why) {
		fprintf(stderr, "sublevel_bench: %s W=%u after %u slides: %s from sublevel_h0 (%zu vs %zu intervals)\n",
			name, W, SLIDES, why, na, nb);
		exit(1);
	}
	free(a);
	free(b);
	free(scratch);
}

static long maxrss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Peak RSS growth per window point of sls_init + fill + SLIDES slides, in
 * a child (so that no earlier allocation of ours is reused or masks the
 * peak); -1 if it could not be measured. */
static double rss_per_point(const double *x, uint32_t W)
{
	int fd[2];
	if (pipe(fd))
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(fd[0]);
		double t = 0;
		for (size_t i = 0; i < (size_t)W + SLIDES; i++)   /* map the input */
			t += x[i];
		sink = t;
		/* Reset the peak to the current RSS (Linux >= 4.0). */
		int c = open("/proc/self/clear_refs", O_WRONLY);
		bool reset = c >= 0 && write(c, "5", 1) == 1;
		if (c >= 0)
			close(c);
		double r = -1;
		if (reset) {
			long before = maxrss_kib();
			struct sublevel_slide s;
			slide_run(&s, x, W, false);
			long after = maxrss_kib();
			sls_fini(&s);
			r = (double)(after - before) * 1024.0 / W;
		}
		if (write(fd[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	double r = -1;
	if (read(fd[0], &r, sizeof(r)) != sizeof(r))
		r = -1;
	close(fd[0]);
	int st;
	waitpid(pid, &st, 0);
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* GUDHI's windows/s for NAME and W from DIR/gudhi.txt, or -1. */
static double gudhi_rate(const char *dir, const char *name, uint32_t W)
{
	char path[4096], line[256];
	snprintf(path, sizeof(path), "%s/gudhi.txt", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	double r = -1;
	while (fgets(line, sizeof(line), f)) {
		char n[64];
		unsigned w;
		double v;
		if (sscanf(line, "%63s %u %lf", n, &w, &v) == 3 && !strcmp(n, name) && w == W)
			r = v;
	}
	fclose(f);
	return r;
}

struct row {
	double up, sum, scratch, gudhi, rss;
};

static void fmt_rate(char *buf, size_t n, double v)
{
	if (v < 0)
		snprintf(buf, n, "-");
	else if (v < 100)
		snprintf(buf, n, "%.2f", v);
	else
		snprintf(buf, n, "%.0f", v);
}

static void fmt_ratio(char *buf, size_t n, double a, double b)
{
	if (a < 0 || b <= 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.0fx", a / b);
}

static int run(const struct input *in, size_t nin, const char *dir, int runs)
{
	static struct row rows[2][NW];
	size_t bpp = sls_bytes_per_point();

	/* Memory first: before this process allocates anything else. */
	for (size_t k = 0; k < nin; k++)
		for (size_t w = 0; w < NW; w++)
			rows[k][w].rss = rss_per_point(in[k].x, WS[w]);

	for (size_t k = 0; k < nin; k++) {
		for (size_t w = 0; w < NW; w++) {
			uint32_t W = WS[w];
			const double *x = in[k].x;
			double up[MAX_RUNS], su[MAX_RUNS], sc[MAX_RUNS];
			struct tdp_interval *out = malloc(W * sizeof(*out));
			void *scratch = malloc(sublevel_scratch_size(W));
			if (!out || !scratch)
				die("malloc");
			for (int r = 0; r < runs; r++) {
				struct sublevel_slide s;
				up[r] = slide_run(&s, x, W, false);
				if (r == runs - 1)
					verify(&s, x, W, in[k].name);
				sls_fini(&s);
				su[r] = slide_run(&s, x, W, true);
				if (r == runs - 1)
					verify(&s, x, W, in[k].name);
				sls_fini(&s);
				sc[r] = scratch_run(x, W, out, scratch);
			}
			free(out);
			free(scratch);
			struct row *o = &rows[k][w];
			o->up = median(up, runs);
			o->sum = median(su, runs);
			o->scratch = median(sc, runs);
			o->gudhi = gudhi_rate(dir, in[k].name, W);
		}
	}

	printf("walk: random walk, steps uniform in [-1, 1) (splitmix64, fixed seed); ecg: %s repeated end to\n"
	       "end to W + %u points.  Slide 1.  slides/s: sls_expire_one + sls_push, over %u slides after the\n"
	       "first window; +summary: and sls_summary every slide; scratch: sublevel_h0 of each window; GUDHI:\n"
	       "CubicalComplex(window).persistence() (bench/sublevel_gudhi.py); vs: ours sliding (update only)\n"
	       "over each; B/point: sls_bytes_per_point() / measured peak RSS growth per window point.\n",
	       ECG_PATH, SLIDES, SLIDES);
	printf("%-5s %9s %13s %13s %13s %11s %11s %11s %9s\n", "input", "W", "ours slide/s", "+summary/s",
	       "scratch win/s", "GUDHI win/s", "vs GUDHI", "vs scratch", "B/point");
	bool rate_ok = true, gudhi_ok = true, mem_ok = bpp <= 64, have_gudhi = true;
	char rate_note[256] = "", gudhi_note[256] = "", mem_note[256] = "";
	for (size_t k = 0; k < nin; k++) {
		for (size_t w = 0; w < NW; w++) {
			const struct row *o = &rows[k][w];
			char a[32], b[32], c[32], d[32], e[32], f[32], g[24], m[64];
			fmt_rate(a, sizeof(a), o->up);
			fmt_rate(b, sizeof(b), o->sum);
			fmt_rate(c, sizeof(c), o->scratch);
			fmt_rate(d, sizeof(d), o->gudhi);
			fmt_ratio(e, sizeof(e), o->up, o->gudhi);
			fmt_ratio(f, sizeof(f), o->up, o->scratch);
			snprintf(g, sizeof(g), "%zu", bpp);
			if (o->rss < 0)
				snprintf(m, sizeof(m), "%s/-", g);
			else
				snprintf(m, sizeof(m), "%s/%.0f", g, o->rss);
			printf("%-5s %9u %13s %13s %13s %11s %11s %11s %9s\n", in[k].name, WS[w], a, b, c, d, e, f, m);
			if (WS[w] == 100000) {
				size_t l = strlen(rate_note);
				snprintf(rate_note + l, sizeof(rate_note) - l, "%s%s %.2fM/s", l ? ", " : "",
					 in[k].name, o->up / 1e6);
				rate_ok = rate_ok && o->up >= 1e6;
				l = strlen(gudhi_note);
				if (o->gudhi > 0) {
					snprintf(gudhi_note + l, sizeof(gudhi_note) - l, "%s%s %.0fx", l ? ", " : "",
						 in[k].name, o->up / o->gudhi);
					gudhi_ok = gudhi_ok && o->up / o->gudhi >= 1e4;
				} else {
					have_gudhi = false;
				}
			}
			if (WS[w] >= 100000) {
				size_t l = strlen(mem_note);
				snprintf(mem_note + l, sizeof(mem_note) - l, "%s%s W=%u %.1f", l ? ", " : "",
					 in[k].name, WS[w], o->rss);
				mem_ok = mem_ok && o->rss >= 0 && o->rss <= 64;
			}
		}
	}
	printf("Measured B/point: ru_maxrss growth (peak reset first) over sls_init, fill and %u slides, in a\n"
	       "child forked first; its resolution here is about 256 KB (the kernel reads its per-CPU RSS counters\n"
	       "approximately), so at W = 1000 (%zu KB in all) the figure is noise.\n",
	       SLIDES, bpp * 1000 / 1024);
	printf("sliding diagram after the timed slides == sublevel_h0 of the same window (exact), summary count/max\n"
	       "equal, every input and W: diagrams identical%s\n",
	       have_gudhi ? "; GUDHI's window 0 == sublevel_h0's (sublevel_gudhi.py)" : "");
	printf("target >= 1,000,000 slides/s at W = 100,000: %s: %s\n", rate_note, rate_ok ? "met" : "NOT MET");
	if (have_gudhi)
		printf("target >= 10,000x a GUDHI recompute per window at W = 100,000: %s: %s\n", gudhi_note,
		       gudhi_ok ? "met" : "NOT MET");
	else
		printf("target >= 10,000x a GUDHI recompute per window at W = 100,000: no GUDHI figures (%s/gudhi.txt)\n",
		       dir);
	printf("target <= 64 bytes per window point: declared %zu, measured %s: %s\n", bpp, mem_note,
	       mem_ok ? "met" : "NOT MET");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "write") && strcmp(argv[1], "run"))) {
		fprintf(stderr, "usage: sublevel_bench write DIR | sublevel_bench run DIR [RUNS]\n");
		return 2;
	}
	int runs = argc > 3 ? atoi(argv[3]) : 3;
	if (runs < 1 || runs > MAX_RUNS)
		runs = 3;
	struct input in[2] = {{"walk", make_walk()}, {"ecg", make_ecg()}};
	if (!strcmp(argv[1], "write")) {
		write_inputs(in, 2, argv[2]);
		return 0;
	}
	return run(in, 2, argv[2], runs);
}
