/* TEMPORARY local stub (lead): greedy nearest, not the real rule. */
#include "scaled/track_match.h"
#include <math.h>
#include <stdlib.h>
struct track_match_ws { int x; };
struct track_match_ws *track_match_ws_new(void) { return calloc(1, sizeof(struct track_match_ws)); }
void track_match_ws_free(struct track_match_ws *ws) { free(ws); }
int track_match(struct track_match_ws *ws, const struct tdp_interval *a, size_t na,
                const struct tdp_interval *b, size_t nb, uint32_t *a_to_b)
{
	(void)ws;
	char used[4096] = {0};
	for (size_t i = 0; i < na; i++) {
		a_to_b[i] = TRACK_NONE;
		double best = (a[i].death - a[i].birth) / 2;
		for (size_t j = 0; j < nb && j < 4096; j++) {
			double c = fmax(fabs(a[i].birth - b[j].birth), fabs(a[i].death - b[j].death));
			if (!used[j] && c < best) { best = c; a_to_b[i] = (uint32_t)j; }
		}
		if (a_to_b[i] != TRACK_NONE) used[a_to_b[i]] = 1;
	}
	return 0;
}
