/*
 * track_match_dump - the matchings of pairs of diagrams read from stdin,
 * as scaled/track_match.h computes them, for
 * tests/oracle/check_track_match.py to check against GUDHI and scipy.
 *
 *   track_match_dump < cases
 *       stdin: cases, each a line "NA NB" then NA intervals of A and NB of
 *       B, one a line, "BIRTH DEATH" (finite, BIRTH <= DEATH)
 *
 * Output: one line a case, A_TO_B as NA numbers, -1 for the diagonal
 * (an empty line when NA is 0).  One workspace serves every case, as in
 * a worker; each case is asked twice, a different case between, and the
 * two answers must be the same (else exit 3).
 * Exit 2 on bad input, 1 when track_match() failed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/track_match.h"

static int read_diagram(struct tdp_interval *iv, size_t n)
{
	char b[64], d[64];
	for (size_t i = 0; i < n; i++) {
		if (scanf("%63s %63s", b, d) != 2)
			return -1;
		iv[i].birth = strtod(b, NULL);
		iv[i].death = strtod(d, NULL);
		if (!isfinite(iv[i].birth) || !isfinite(iv[i].death) || iv[i].death < iv[i].birth) {
			fprintf(stderr, "track_match_dump: bad interval %s %s\n", b, d);
			return -1;
		}
	}
	return 0;
}

int main(void)
{
	struct track_match_ws *ws = track_match_ws_new();
	if (!ws)
		return 1;
	unsigned long na, nb;
	while (scanf("%lu %lu", &na, &nb) == 2) {
		if (na > 10000000 || nb > 10000000)
			return 2;
		struct tdp_interval *a = malloc(sizeof(*a) * (na + 1)), *b = malloc(sizeof(*b) * (nb + 1));
		uint32_t *m = malloc(sizeof(*m) * (na + 1)), *again = malloc(sizeof(*again) * (na + 1));
		if (!a || !b || !m || !again)
			return 1;
		if (read_diagram(a, na) || read_diagram(b, nb))
			return 2;
		if (track_match(ws, a, na, b, nb, m))
			return 1;
		/* the other way round in between: a different problem through the same workspace */
		uint32_t *other = malloc(sizeof(*other) * (nb + 1));
		if (!other || track_match(ws, b, nb, a, na, other) || track_match(ws, a, na, b, nb, again))
			return 1;
		if (memcmp(m, again, na * sizeof(*m))) {
			fprintf(stderr, "track_match_dump: two calls, two answers\n");
			return 3;
		}
		for (size_t i = 0; i < na; i++)
			printf(i ? " %ld" : "%ld", m[i] == TRACK_NONE ? -1L : (long)m[i]);
		printf("\n");
		free(a);
		free(b);
		free(m);
		free(again);
		free(other);
	}
	track_match_ws_free(ws);
	return 0;
}
