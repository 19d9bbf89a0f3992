/*
 * distance_bench - the bottleneck and Wasserstein distances
 * (scaled/distance.h) per call, next to GUDHI's on the same diagrams
 * (bench/distances.py, measured in the same run by bench/run.sh).
 *
 * usage: distance_bench DIR [RUNS]
 *          DIR/ref.txt: "<metric> <N> <seconds per call> <value>" lines
 *          (metric bottleneck, w1 or w2) written by bench/distances.py,
 *          which also wrote the pair DIR/dist-<N>.txt; for each line,
 *          time ours on that pair and print a table row: metric, N, our
 *          seconds per call, GUDHI's, ratio (GUDHI / ours: > 1 is ours
 *          faster), and whether the values agree (bottleneck: equal;
 *          Wasserstein: within 1e-9 relative).
 *
 *        distance_bench --series FILE [RUNS] [--values]
 *          FILE: diagrams, one a line, each a JSON array of [birth,
 *          death] (death null: essential), as consecutive windows of a
 *          scale give them; time each distance over every consecutive
 *          pair (the pipeline's case) and print microseconds per pair.
 *          --values: instead, print each pair's three values as the
 *          bits of the doubles (for comparing two builds bit for bit).
 *
 * Per call: one run repeats the call (one workspace, as in a worker)
 * until 0.2 s have passed; the figure is the median of RUNS runs.
 * Exit 1 if a value disagrees.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "scaled/distance.h"

#define MAX_RUNS 15
#define RUN_NS   200000000ull

struct pair {
	struct tdp_interval *a, *b;
	size_t na, nb;
};

static int load(const char *dir, unsigned long n, struct pair *p)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/dist-%lu.txt", dir, n);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%zu %zu", &p->na, &p->nb) != 2)
		goto bad;
	p->a = malloc(sizeof(*p->a) * (p->na + p->nb + 1));
	if (!p->a)
		goto bad;
	p->b = p->a + p->na;
	for (size_t i = 0; i < p->na + p->nb; i++)
		if (fscanf(f, "%lf %lf", &p->a[i].birth, &p->a[i].death) != 2)
			goto bad;
	fclose(f);
	return 0;
bad:
	fclose(f);
	return -1;
}

/*
 * The Wasserstein distance keeps a pair's geometry for the next call on
 * the same pair (the pipeline's order 2 after order 1): a call on another
 * pair, of one point, in between, so that each timed call pays for it.
 */
static int call(struct distance_ws *ws, const char *metric, const struct pair *p, double *v)
{
	if (!strcmp(metric, "bottleneck"))
		return distance_bottleneck(ws, p->a, p->na, p->b, p->nb, v);
	static const struct tdp_interval one = { 0, 1 };
	double x;
	return distance_wasserstein(ws, p->a, p->na, p->b, p->nb, strcmp(metric, "w1") ? 2 : 1, v) ||
	       distance_wasserstein(ws, &one, 1, NULL, 0, 1, &x);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* The diagrams of FILE (--series): *N of them, each at ds[k] with ns[k] intervals. */
static struct tdp_interval **read_series(const char *file, size_t **ns, size_t *n)
{
	FILE *f = fopen(file, "r");
	if (!f)
		return NULL;
	size_t cap = 0, k = 0, linecap = 0;
	struct tdp_interval **ds = NULL;
	char *line = NULL;
	while (getline(&line, &linecap, f) > 0) {
		if (k == cap) {
			cap = cap ? 2 * cap : 64;
			ds = realloc(ds, cap * sizeof(*ds));
			*ns = realloc(*ns, cap * sizeof(**ns));
			if (!ds || !*ns)
				exit(1);
		}
		size_t m = 0, mcap = 16;
		struct tdp_interval *iv = malloc(mcap * sizeof(*iv));
		double v[2];
		int nv = 0;
		for (char *c = line; iv && *c;) {
			if (*c == '-' || *c == '.' || (*c >= '0' && *c <= '9')) {
				v[nv++ & 1] = strtod(c, &c);
			} else if (!strncmp(c, "null", 4)) {
				v[nv++ & 1] = INFINITY;
				c += 4;
			} else {
				if (*c == ']' && nv == 2) {
					if (m == mcap)
						iv = realloc(iv, (mcap *= 2) * sizeof(*iv));
					if (iv)
						iv[m++] = (struct tdp_interval){ .birth = v[0], .death = v[1] };
				}
				if (*c == ']' || *c == '[')
					nv = 0;
				c++;
			}
		}
		if (!iv)
			exit(1);
		ds[k] = iv;
		(*ns)[k++] = m;
	}
	free(line);
	fclose(f);
	*n = k;
	return ds;
}

static void bits(double d)
{
	uint64_t b;
	memcpy(&b, &d, sizeof(b));
	printf(" %016llx", (unsigned long long)b);
}

/* --series: the pipeline's case, every consecutive pair of FILE's diagrams. */
static int series(int argc, char **argv)
{
	size_t *ns = NULL, n = 0;
	struct tdp_interval **ds = read_series(argv[2], &ns, &n);
	struct distance_ws *ws = distance_ws_new();
	if (!ds || !ws || n < 2) {
		fprintf(stderr, "distance_bench: cannot read two diagrams from %s\n", argv[2]);
		return 2;
	}
	int runs = argc > 3 ? atoi(argv[3]) : 5, values = argc > 4 && !strcmp(argv[4], "--values");
	if (runs < 1 || runs > MAX_RUNS)
		runs = 5;
	if (values) {
		for (size_t k = 1; k < n; k++) {
			double v[3];
			if (distance_bottleneck(ws, ds[k - 1], ns[k - 1], ds[k], ns[k], &v[0]) ||
			    distance_wasserstein(ws, ds[k - 1], ns[k - 1], ds[k], ns[k], 1, &v[1]) ||
			    distance_wasserstein(ws, ds[k - 1], ns[k - 1], ds[k], ns[k], 2, &v[2]))
				return 1;
			printf("%zu", k);
			for (int i = 0; i < 3; i++)
				bits(v[i]);
			putchar('\n');
		}
		goto out;
	}
	size_t total = 0;
	for (size_t k = 0; k < n; k++)
		total += ns[k];
	printf("%zu diagrams, %.1f intervals on average; microseconds per consecutive pair, median of %d\n", n,
	       (double)total / (double)n, runs);
	/* all three: per pair, in a row, as the pipeline asks them */
	static const char *names[] = { "bottleneck", "wasserstein1", "wasserstein2", "all three" };
	for (int metric = 0; metric < 4; metric++) {
		double per[MAX_RUNS], v = 0;
		for (int r = 0; r < runs; r++) {
			uint64_t t0 = tdp_now_ns();
			for (size_t k = 1; k < n; k++)
				for (int i = metric == 3 ? 0 : metric; i <= (metric == 3 ? 2 : metric); i++) {
					int rc = i ? distance_wasserstein(ws, ds[k - 1], ns[k - 1], ds[k], ns[k],
									  (unsigned)i, &v)
						   : distance_bottleneck(ws, ds[k - 1], ns[k - 1], ds[k], ns[k], &v);
					if (rc)
						return 1;
				}
			per[r] = (double)(tdp_now_ns() - t0) / 1e3 / (double)(n - 1);
		}
		qsort(per, (size_t)runs, sizeof(per[0]), cmp_double);
		printf("%-12s %10.2f us/pair\n", names[metric], per[runs / 2]);
	}
out:
	for (size_t k = 0; k < n; k++)
		free(ds[k]);
	free(ds);
	free(ns);
	distance_ws_free(ws);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--series"))
		return series(argc, argv);
	if (argc < 2) {
		fputs("usage: distance_bench DIR [RUNS] | --series FILE [RUNS] [--values]\n", stderr);
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	if (runs < 1 || runs > MAX_RUNS)
		runs = 3;
	char path[4096];
	snprintf(path, sizeof(path), "%s/ref.txt", argv[1]);
	FILE *ref = fopen(path, "r");
	struct distance_ws *ws = distance_ws_new();
	if (!ref || !ws) {
		fprintf(stderr, "distance_bench: cannot open %s\n", path);
		return 2;
	}
	printf("%-12s %7s %14s %14s %8s %6s\n", "distance", "points", "ours s/call", "ref s/call", "ratio",
	       "agree");
	char metric[32];
	unsigned long n;
	double ref_s, ref_v;
	int bad = 0;
	while (fscanf(ref, "%31s %lu %lf %lf", metric, &n, &ref_s, &ref_v) == 4) {
		struct pair p;
		if (load(argv[1], n, &p)) {
			fprintf(stderr, "distance_bench: cannot read %s/dist-%lu.txt\n", argv[1], n);
			return 2;
		}
		double per[MAX_RUNS], v = 0;
		for (int r = 0; r < runs; r++) {
			uint64_t t0 = tdp_now_ns(), dt;
			unsigned long k = 0;
			do {
				if (call(ws, metric, &p, &v))
					return 1;
				k++;
				dt = tdp_now_ns() - t0;
			} while (dt < RUN_NS);
			per[r] = (double)dt / 1e9 / (double)k;
		}
		qsort(per, (size_t)runs, sizeof(per[0]), cmp_double);
		double ours = per[runs / 2];
		int agree = !strcmp(metric, "bottleneck") ? v == ref_v
			    : fabs(v - ref_v) <= 1e-9 * fmax(fabs(v), fabs(ref_v));
		/* GUDHI's exact bottleneck can be too large (its PR #1367): say so */
		const char *word = agree ? "yes" : (!strcmp(metric, "bottleneck") && v < ref_v ? "below" : "NO");
		bad |= !agree && strcmp(word, "below");
		printf("%-12s %7lu %14.3g %14.3g %8.1f %6s\n",
		       !strcmp(metric, "bottleneck") ? "bottleneck" : !strcmp(metric, "w1") ? "wasserstein1"
												: "wasserstein2",
		       n, ours, ref_s, ref_s / ours, word);
		fflush(stdout);
		free(p.a);
	}
	fclose(ref);
	distance_ws_free(ws);
	return bad;
}
