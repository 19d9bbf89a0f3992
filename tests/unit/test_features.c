/*
 * test_features.c - the faster Betti curves, landscapes and silhouettes
 * against the plain O(RES N) loops they replaced (kept here as the
 * reference), bit for bit: wide grids, grids that cut intervals or miss
 * them, reversed, empty and overflowing ones, 20000 points over a few
 * intervals, 2000-interval diagrams, ties with grid points, extreme and
 * infinite values.  features_grid against numpy.linspace values; the
 * persistence image against GUDHI's unsplit formula and a hand value.
 * (GUDHI itself is tests/oracle/check_features.py.)  All randomness is
 * splitmix64 from fixed seeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/features.h"

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double uniform(uint64_t *rng)
{
	return (double)(splitmix64(rng) >> 11) * 0x1p-53;
}

/* Bit-for-bit equality, so that -0.0 != +0.0 and a one-ulp error fails. */
static void assert_same_double(double got, double want, const char *what, size_t at)
{
	if (memcmp(&got, &want, sizeof(got)) != 0)
		fail_msg("%s[%zu]: got %a, want %a", what, at, got, want);
}

/* The reference: the O(RES N) loops of the first version. */

static void ref_betti(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
		      uint64_t *out)
{
	for (uint32_t j = 0; j < res; j++) {
		double x = features_grid(lo, hi, res, j);
		uint64_t c = 0;
		for (size_t i = 0; i < n; i++)
			c += iv[i].death != iv[i].birth && iv[i].birth <= x && x < iv[i].death;
		out[j] = c;
	}
}

static double ref_tent(const struct tdp_interval *v, double x)
{
	double m = (v->birth + v->death) / 2., h = (v->death - v->birth) / 2.;
	double t = h - fabs(x - m);
	return t > 0 ? t : 0;
}

static void ref_landscape(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
			  uint32_t layers, double *out)
{
	for (uint32_t j = 0; j < res; j++) {
		double x = features_grid(lo, hi, res, j);
		for (uint32_t k = 0; k < layers; k++)
			out[(size_t)k * res + j] = 0;
		for (size_t i = 0; i < n; i++) {
			if (!features_finite(&iv[i]))
				continue;
			double t = ref_tent(&iv[i], x);
			uint32_t k = layers;
			while (k > 0 && out[(size_t)(k - 1) * res + j] < t) {
				if (k < layers)
					out[(size_t)k * res + j] = out[(size_t)(k - 1) * res + j];
				k--;
			}
			if (k < layers)
				out[(size_t)k * res + j] = t;
		}
	}
	for (size_t k = 0; k < (size_t)layers * res; k++)
		out[k] *= M_SQRT2;
}

static void ref_silhouette(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
			   double power, double *out)
{
	double total = 0;
	for (size_t i = 0; i < n; i++)
		if (features_finite(&iv[i]))
			total += pow(iv[i].death - iv[i].birth, power);
	for (uint32_t j = 0; j < res; j++) {
		double x = features_grid(lo, hi, res, j), sum = 0;
		for (size_t i = 0; total > 0 && i < n; i++)
			if (features_finite(&iv[i]))
				sum += pow(iv[i].death - iv[i].birth, power) / total * ref_tent(&iv[i], x);
		out[j] = sum * M_SQRT2;
	}
}

/*
 * N random intervals: births on a 1/8 grid (ties with each other and with
 * grid points) or anywhere, some of length 0, some essential, and with
 * EXTREME some at +-1e308 (overflowing midpoints and lengths) or -inf.
 */
static void random_diagram(uint64_t *rng, struct tdp_interval *iv, size_t n, int extreme)
{
	for (size_t i = 0; i < n; i++) {
		double u = uniform(rng), b = 4 * uniform(rng) - 2, l = 2 * uniform(rng);
		if (u < 0.5) {
			b = round(b * 8) / 8;
			l = round(l * 8) / 8;
		}
		iv[i].birth = b;
		iv[i].death = u < 0.05 ? INFINITY : u < 0.1 ? b : b + l;
		if (extreme && uniform(rng) < 0.2) {
			static const double far[][2] = {
				{-1e308, 1e308}, {1e308, 1.5e308}, {-1e308, 0}, {-INFINITY, 1}, {0, 1e308},
			};
			size_t k = splitmix64(rng) % (sizeof(far) / sizeof(far[0]));
			iv[i].birth = far[k][0];
			iv[i].death = far[k][1];
		}
	}
}

struct grid {
	double lo, hi;
	uint32_t res;
};

static const struct grid grids[] = {
	{-1, 1, 2}, {-1, 1, 17}, {-2.5, 2.5, 101}, {-50, 50, 1000}, {0.1, 0.3, 64},
	{3, 4, 50}, {-3, -2.5, 9}, {-1, 1, 20000}, {0.25, 0.375, 20011}, {1, -1, 33},
	{0.5, 0.5, 7}, {-1e308, 1e308, 11}, {1, 1 + 0x1p-50, 1000}, {0, 0x1p-1074, 4},
	{-INFINITY, 1, 5}, {0, NAN, 5},
};

static void check_curves(uint64_t *rng, size_t n, int extreme)
{
	struct tdp_interval *iv = malloc(sizeof(*iv) * (n + 1));
	double *scratch = malloc(sizeof(double) * (2 * n + 1));
	assert_non_null(iv);
	assert_non_null(scratch);
	random_diagram(rng, iv, n, extreme);
	for (size_t g = 0; g < sizeof(grids) / sizeof(grids[0]); g++) {
		const struct grid *gr = &grids[g];
		if (gr->res > 2000 && n > 20)
			continue;   /* the reference is O(RES N) */
		uint32_t layers = 1 + (uint32_t)(splitmix64(rng) % 5);
		double power = (const double[]){1, 2, 0.5, -1, 0}[splitmix64(rng) % 5];
		size_t cells = (size_t)layers * gr->res;
		uint64_t *b = malloc(sizeof(*b) * gr->res), *rb = malloc(sizeof(*rb) * gr->res);
		double *l = malloc(sizeof(*l) * cells), *rl = malloc(sizeof(*rl) * cells);
		double *s = malloc(sizeof(*s) * gr->res), *rs = malloc(sizeof(*rs) * gr->res);
		assert_true(b && rb && l && rl && s && rs);
		features_betti(iv, n, gr->lo, gr->hi, gr->res, scratch, b);
		ref_betti(iv, n, gr->lo, gr->hi, gr->res, rb);
		for (size_t j = 0; j < gr->res; j++)
			if (b[j] != rb[j])
				fail_msg("betti[%zu] (grid %zu, %zu intervals): %llu, want %llu", j, g, n,
					 (unsigned long long)b[j], (unsigned long long)rb[j]);
		features_landscape(iv, n, gr->lo, gr->hi, gr->res, layers, l);
		ref_landscape(iv, n, gr->lo, gr->hi, gr->res, layers, rl);
		for (size_t k = 0; k < cells; k++)
			assert_same_double(l[k], rl[k], "landscape", k);
		features_silhouette(iv, n, gr->lo, gr->hi, gr->res, power, s);
		ref_silhouette(iv, n, gr->lo, gr->hi, gr->res, power, rs);
		for (size_t j = 0; j < gr->res; j++)
			assert_same_double(s[j], rs[j], "silhouette", j);
		free(b);
		free(rb);
		free(l);
		free(rl);
		free(s);
		free(rs);
	}
	free(iv);
	free(scratch);
}

static void test_curves_equal_reference(void **state)
{
	(void)state;
	uint64_t rng = 19;
	static const size_t sizes[] = {0, 1, 2, 3, 5, 8, 20, 200, 2000};
	for (int round = 0; round < 4; round++)
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
			check_curves(&rng, sizes[k], round & 1);
}

/* numpy 1.24 numpy.linspace(LO, HI, RES), printed with float.hex(). */
static void test_grid_is_numpy(void **state)
{
	(void)state;
	static const struct {
		double lo, hi;
		uint32_t res;
		double want[10];
	} cases[] = {
		{0x0.0p+0, 0x1.0000000000000p+0, 3, {0x0.0p+0, 0x1.0000000000000p-1, 0x1.0000000000000p+0}},
		{-0x1.0000000000000p+0, 0x1.999999999999ap-4, 7,
		 {-0x1.0000000000000p+0, -0x1.a222222222222p-1, -0x1.4444444444444p-1, -0x1.cccccccccccccp-2,
		  -0x1.1111111111110p-2, -0x1.5555555555550p-4, 0x1.999999999999ap-4}},
		{0x1.999999999999ap-4, 0x1.6666666666666p-1, 10,
		 {0x1.999999999999ap-4, 0x1.5555555555556p-3, 0x1.ddddddddddddep-3, 0x1.3333333333334p-2,
		  0x1.7777777777778p-2, 0x1.bbbbbbbbbbbbcp-2, 0x1.0000000000000p-1, 0x1.2222222222222p-1,
		  0x1.4444444444444p-1, 0x1.6666666666666p-1}},
		/* the step underflows: numpy divides first */
		{0x0.0p+0, 0x0.0000000000001p-1022, 4,
		 {0x0.0p+0, 0x0.0p+0, 0x0.0000000000001p-1022, 0x0.0000000000001p-1022}},
		{-0x0.0p+0, -0x1.8000000000000p+1, 1, {-0x0.0p+0}},
		{0x1.4000000000000p+1, -0x1.0000000000000p+0, 5,
		 {0x1.4000000000000p+1, 0x1.a000000000000p+0, 0x1.8000000000000p-1, -0x1.0000000000000p-3,
		  -0x1.0000000000000p+0}},
		{0x1.8000000000000p+0, 0x1.8000000000000p+1, 1, {0x1.8000000000000p+0}},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (uint32_t i = 0; i < cases[c].res; i++)
			assert_same_double(features_grid(cases[c].lo, cases[c].hi, cases[c].res, i), cases[c].want[i],
					   "grid", c * 100 + i);
}

/* GUDHI's formula as written: one exp of the summed squares per pixel. */
static double ref_pixel(const struct tdp_interval *iv, size_t n, double bw, double x, double y)
{
	double sum = 0;
	for (size_t p = 0; p < n; p++) {
		if (!features_finite(&iv[p]))
			continue;
		double dx = iv[p].birth - x, dy = iv[p].death - iv[p].birth - y;
		sum += exp((-(dx * dx) - dy * dy) / (2 * (bw * bw))) / (bw * bw * 2 * M_PI);
	}
	return sum;
}

static void test_image(void **state)
{
	(void)state;
	/* GUDHI 3.7.1: PersistenceImage(bandwidth=1, resolution=[1, 3],
	 * im_range=[0, 1, 0, 1])(np.array([[0., 1.]])): one column, the
	 * persistence axis running down it */
	double out[3 * 5 * 7], range[4] = {0, 1, 0, 1};
	assert_int_equal(features_image(&(struct tdp_interval){0, 1}, 1, 1, 1, 3, range, out), 0);
	assert_true(fabs(out[0] - exp(-0.5) / (2 * M_PI)) < 1e-15);
	assert_true(fabs(out[1] - exp(-0.125) / (2 * M_PI)) < 1e-15);
	assert_true(fabs(out[2] - 1 / (2 * M_PI)) < 1e-15);

	uint64_t rng = 7;
	static const uint32_t shapes[][2] = {{1, 1}, {3, 5}, {5, 3}, {7, 1}, {300, 2}, {600, 1}};
	static const double bws[] = {0.05, 0.3, 1, 2.5};
	struct tdp_interval iv[300];
	for (int round = 0; round < 24; round++) {
		size_t n = (size_t)(splitmix64(&rng) % 300);
		random_diagram(&rng, iv, n, 0);
		uint32_t rx = shapes[round % 6][0], ry = shapes[round % 6][1];
		double bw = bws[round % 4];
		double r[4] = {-2 + uniform(&rng), 1 + 2 * uniform(&rng), uniform(&rng) - 0.5, 2 * uniform(&rng)};
		double *img = malloc(sizeof(double) * rx * ry);
		assert_non_null(img);
		assert_int_equal(features_image(iv, n, bw, rx, ry, r, img), 0);
		for (uint32_t j = 0; j < ry; j++)
			for (uint32_t i = 0; i < rx; i++) {
				double want = ref_pixel(iv, n, bw, features_grid(r[0], r[1], rx, i),
							features_grid(r[2], r[3], ry, j));
				double got = img[(size_t)j * rx + i];
				if (!(fabs(got - want) <= fmax(1e-300, 1e-12 * fabs(want))))
					fail_msg("pixel (%u, %u) of %ux%u, bw %g: %a, want %a", i, j, rx, ry, bw, got, want);
			}
		free(img);
	}
}

/*
 * features_image_memo is features_image bit for bit, window after window
 * of a sliding run (most intervals seen before, some new), with a memo
 * big enough to hit and one of a single row per axis that misses and
 * evicts all the time, on wide, tall and one-pixel images.
 */
static void test_image_memo(void **state)
{
	(void)state;
	uint64_t rng = 11;
	static const uint32_t shapes[][2] = {{20, 20}, {3, 5}, {300, 2}, {1, 1}};
	static const double bws[] = {0.05, 0.3, 1};
	static const size_t sizes[] = {4u << 20, 1};
	struct tdp_interval iv[200];
	for (int cfg = 0; cfg < 24; cfg++) {
		uint32_t rx = shapes[cfg % 4][0], ry = shapes[cfg % 4][1];
		double bw = bws[cfg % 3];
		double r[4] = {-2 + uniform(&rng), 1 + 2 * uniform(&rng), uniform(&rng) - 0.5, 2 * uniform(&rng)};
		struct image_memo *m = image_memo_new(bw, rx, ry, r, sizes[cfg / 12]);
		assert_non_null(m);
		double *want = malloc(sizeof(double) * rx * ry), *got = malloc(sizeof(double) * rx * ry);
		assert_non_null(want);
		assert_non_null(got);
		size_t n = 1 + (size_t)(splitmix64(&rng) % 200);
		random_diagram(&rng, iv, n, cfg % 5 == 4);
		for (int w = 0; w < 12; w++) {
			/* the next window: a few intervals replaced */
			for (int k = 0; k < 5; k++)
				random_diagram(&rng, &iv[splitmix64(&rng) % n], 1, 0);
			assert_int_equal(features_image(iv, n, bw, rx, ry, r, want), 0);
			features_image_memo(m, iv, n, got);
			assert_memory_equal(got, want, sizeof(double) * rx * ry);
		}
		free(want);
		free(got);
		image_memo_free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grid_is_numpy),
		cmocka_unit_test(test_curves_equal_reference),
		cmocka_unit_test(test_image),
		cmocka_unit_test(test_image_memo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
