/*
 * track_rips.c - tracking on Rips scales (scaled/track.h): one
 * dimension's live features matched to the window's tracked intervals.
 */
#define _GNU_SOURCE 1   /* qsort_r */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/track.h"
#include "scaled/track_match.h"

int track_rips_init(struct track *t)
{
	size_t n = t->cap ? t->cap : 1;
	if (!(t->match = track_match_ws_new()) || !(t->fa = malloc(sizeof(*t->fa) * n)) ||
	    !(t->fb = malloc(sizeof(*t->fb) * n)) || !(t->ia = malloc(sizeof(*t->ia) * n)) ||
	    !(t->ib = malloc(sizeof(*t->ib) * n)) || !(t->a_to_b = malloc(sizeof(*t->a_to_b) * n)) ||
	    !(t->b_from = malloc(sizeof(*t->b_from) * n)))
		return -1;
	return 0;
}

void track_rips_fini(struct track *t)
{
	if (t->match)
		track_match_ws_free(t->match);
	free(t->fa);
	free(t->fb);
	free(t->ia);
	free(t->ib);
	free(t->a_to_b);
	free(t->b_from);
	t->match = NULL;
	t->fa = t->fb = NULL;
	t->ia = t->ib = t->a_to_b = t->b_from = NULL;
}

/* Essential features of the previous window (indices into CTX) in order
 * of birth, ties by id, as GUDHI pairs essential classes. */
static int by_birth_then_id(const void *x, const void *y, void *ctx)
{
	const struct tdp_event *prev = ctx;
	const struct tdp_event *a = &prev[*(const uint32_t *)x], *b = &prev[*(const uint32_t *)y];
	if (a->birth != b->birth)
		return a->birth < b->birth ? -1 : 1;
	return (a->feature > b->feature) - (a->feature < b->feature);
}

long track_rips_dim(struct track *t, unsigned d, const struct tdp_event *prev, size_t nprev, size_t n,
		    uint64_t *next_id, struct tdp_event *live)
{
	/* Split both sides: finite ones to match, essential ones to pair. */
	size_t fa = 0, ea = 0, fb = 0, eb = 0;
	uint32_t *ess_a = t->b_from;   /* borrowed until the finite matching is in */
	for (size_t i = 0; i < nprev; i++) {
		if (isinf(prev[i].death)) {
			ess_a[ea++] = (uint32_t)i;
		} else {
			t->fa[fa] = (struct tdp_interval){prev[i].birth, prev[i].death};
			t->ia[fa++] = (uint32_t)i;
		}
	}
	qsort_r(ess_a, ea, sizeof(*ess_a), by_birth_then_id, (void *)prev);
	/* prev index -> cur index (or NONE), through t->a_to_b after the
	 * finite matching; essential pairs first into a scratch map. */
	uint32_t *match_of = t->ib;   /* by prev index */
	for (size_t i = 0; i < nprev; i++)
		match_of[i] = TRACK_NONE;
	for (size_t j = 0; j < n; j++) {
		if (isinf(t->cur[j].death)) {
			if (eb < ea)
				match_of[ess_a[eb]] = (uint32_t)j;
			eb++;
		} else {
			t->fb[fb++] = (struct tdp_interval){t->cur[j].birth, t->cur[j].death};
		}
	}
	/* -1: out of memory (-2, a bad interval, cannot be: these are finite) */
	if (track_match(t->match, t->fa, fa, t->fb, fb, t->a_to_b) != 0)
		return -1;
	/* The finite B index back to the window's: the j-th finite interval. */
	uint32_t *fin_at = t->b_from;
	for (size_t j = 0, k = 0; j < n; j++)
		if (!isinf(t->cur[j].death))
			fin_at[k++] = (uint32_t)j;
	for (size_t i = 0; i < fa; i++)
		if (t->a_to_b[i] != TRACK_NONE)
			match_of[t->ia[i]] = fin_at[t->a_to_b[i]];
	/* Survivors and deaths by id (prev is by id); then births. */
	uint8_t *taken = (uint8_t *)t->fa;   /* n bytes fit in fa's n intervals */
	memset(taken, 0, n);
	size_t k = 0;
	for (size_t i = 0; i < nprev; i++) {
		uint32_t j = match_of[i];
		if (j == TRACK_NONE) {
			track_event(t, TDP_EVENT_DEATH, d, prev[i].feature, prev[i].birth, prev[i].death);
			continue;
		}
		taken[j] = 1;
		if (track_unstable(t, &prev[i], t->cur[j].birth, t->cur[j].death))
			track_event(t, TDP_EVENT_UPDATE, d, prev[i].feature, t->cur[j].birth, t->cur[j].death);
		live[k] = t->cur[j];
		live[k].feature = prev[i].feature;
		k++;
	}
	for (size_t j = 0; j < n; j++) {
		if (taken[j])
			continue;
		track_event(t, TDP_EVENT_BIRTH, d, *next_id, t->cur[j].birth, t->cur[j].death);
		live[k] = t->cur[j];
		live[k].feature = (*next_id)++;
		k++;
	}
	return (long)k;
}
