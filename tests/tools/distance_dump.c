/*
 * distance_dump - the distances between pairs of diagrams read from stdin,
 * as scaled/distance.h computes them, for tests/oracle/check_distances.py
 * to compare with GUDHI.
 *
 *   distance_dump < cases
 *       stdin: cases, each a line "NA NB" then NA intervals of A and NB of
 *       B, one a line, "BIRTH DEATH", DEATH "inf" for an essential class
 *
 * Output: one line a case, "BOTTLENECK W1 W2" (Wasserstein of order 1 and
 * 2), numbers in "%.17g" (exact round trip; "inf" when infinite).  One
 * workspace serves every case, as in a worker.
 * Exit 2 on bad input, 1 when memory ran out.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "scaled/distance.h"

static int read_diagram(struct tdp_interval *iv, size_t n)
{
	char b[64], d[64];
	for (size_t i = 0; i < n; i++) {
		if (scanf("%63s %63s", b, d) != 2)
			return -1;
		iv[i].birth = strtod(b, NULL);
		iv[i].death = strtod(d, NULL);   /* "inf" reads as +INFINITY */
		if (!isfinite(iv[i].birth) || isnan(iv[i].death) || iv[i].death < iv[i].birth) {
			fprintf(stderr, "distance_dump: bad interval %s %s\n", b, d);
			return -1;
		}
	}
	return 0;
}

int main(void)
{
	struct distance_ws *ws = distance_ws_new();
	if (!ws)
		return 1;
	unsigned long na, nb;
	while (scanf("%lu %lu", &na, &nb) == 2) {
		if (na > 10000000 || nb > 10000000)
			return 2;
		struct tdp_interval *a = malloc(sizeof(*a) * (na + 1)), *b = malloc(sizeof(*b) * (nb + 1));
		if (!a || !b)
			return 1;
		if (read_diagram(a, na) || read_diagram(b, nb))
			return 2;
		double bn, w1, w2;
		if (distance_bottleneck(ws, a, na, b, nb, &bn) || distance_wasserstein(ws, a, na, b, nb, 1, &w1) ||
		    distance_wasserstein(ws, a, na, b, nb, 2, &w2))
			return 1;
		printf("%.17g %.17g %.17g\n", bn, w1, w2);
		free(a);
		free(b);
	}
	distance_ws_free(ws);
	return 0;
}
