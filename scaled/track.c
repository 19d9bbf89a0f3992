#include "scaled/track.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int track_init(struct track *t, const struct tdp_scale_cfg *sc)
{
	memset(t, 0, sizeof(*t));
	t->sc = sc;
	t->cap = tdp_scale_max_intervals(sc);
	size_t n = t->cap ? t->cap : 1;
	if (!(t->cur = malloc(sizeof(*t->cur) * n)))
		goto err;
	for (int k = 0; k < 3; k++)
		if (!(t->ev[k] = malloc(sizeof(*t->ev[k]) * n)))
			goto err;
	if (sc->complex == TDP_COMPLEX_RIPS && track_rips_init(t) < 0)
		goto err;
	return 0;
err:
	track_fini(t);
	return -1;
}

void track_fini(struct track *t)
{
	track_rips_fini(t);
	free(t->cur);
	for (int k = 0; k < 3; k++)
		free(t->ev[k]);
	memset(t, 0, sizeof(*t));
}

void track_event(struct track *t, unsigned type, unsigned d, uint64_t f, double birth, double death)
{
	struct tdp_event *e = &t->ev[type][t->nev[type]++];
	memset(e, 0, sizeof(*e));
	e->feature = f;
	e->birth = birth;
	e->death = death;
	e->type = (uint8_t)type;
	e->dim = (uint8_t)d;
}

int track_unstable(const struct track *t, const struct tdp_event *was, double birth, double death)
{
	double a = was->death - was->birth, b = death - birth;
	double lo = a < b ? a : b, hi = a < b ? b : a;
	double ratio = isinf(hi) ? (isinf(lo) ? 1 : 0) : lo / hi;
	return ratio < t->sc->track.stability;
}

/* Sublevel (H0 only): live and current both by id, merged. */
static size_t track_sublevel(struct track *t, const struct tdp_event *prev, size_t nprev, size_t n,
			     struct tdp_event *live)
{
	size_t i = 0, j = 0, k = 0;
	while (i < nprev || j < n) {
		const struct tdp_event *p = i < nprev ? &prev[i] : NULL, *c = j < n ? &t->cur[j] : NULL;
		if (p && (!c || p->feature < c->feature)) {
			track_event(t, TDP_EVENT_DEATH, 0, p->feature, p->birth, p->death);
			i++;
			continue;
		}
		if (!p || c->feature < p->feature)
			track_event(t, TDP_EVENT_BIRTH, 0, c->feature, c->birth, c->death);
		else if (track_unstable(t, p, c->birth, c->death))
			track_event(t, TDP_EVENT_UPDATE, 0, c->feature, c->birth, c->death);
		if (p && c->feature == p->feature)
			i++;
		live[k] = *c;
		live[k].type = TDP_EVENT_BIRTH;
		live[k].dim = 0;
		k++;
		j++;
	}
	return k;
}

/* Dimension D's tracked intervals of R into t->cur, in diagram order. */
static size_t tracked_of(struct track *t, const struct tdp_result *r, unsigned d)
{
	const struct tdp_interval *iv = tdp_result_dim_intervals_const(r, d);
	size_t n = 0;
	for (uint32_t i = 0; i < r->count[d]; i++) {
		double life = iv[i].death - iv[i].birth;
		if (iv[i].death > iv[i].birth && life >= t->sc->track.min_persistence) {
			memset(&t->cur[n], 0, sizeof(t->cur[n]));
			t->cur[n].birth = iv[i].birth;
			t->cur[n].death = iv[i].death;
			t->cur[n].dim = (uint8_t)d;
			n++;
		}
	}
	return n;
}

long track_window(struct track *t, const struct tdp_event *prev, size_t nprev, const struct tdp_result *r,
		  const struct sublevel_slide *sl, uint64_t *next_id, struct tdp_event *live)
{
	t->nev[0] = t->nev[1] = t->nev[2] = 0;
	if (t->sc->complex == TDP_COMPLEX_SUBLEVEL)
		return (long)track_sublevel(t, prev, nprev, sls_tracked(sl, t->sc->track.min_persistence, t->cur),
					    live);
	size_t k = 0, i = 0;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		size_t np = 0;
		while (i + np < nprev && prev[i + np].dim == d)
			np++;
		if (!(t->sc->track.dims_mask >> d & 1) || !tdp_result_has_diagram(r, d)) {
			/* Not followed, or not computed this time: as it was. */
			if (np)
				memcpy(live + k, prev + i, sizeof(*live) * np);
			k += np;
		} else {
			long m = track_rips_dim(t, d, prev + i, np, tracked_of(t, r, d), next_id, live + k);
			if (m < 0)
				return -1;
			k += (size_t)m;
		}
		i += np;
	}
	return (long)k;
}
