/*
 * scale_take.h - whether a scale takes a point, and the coordinates it
 * takes (tdapipe.yaml(5), SCALES: value, values).
 *
 * Ingest decides with it which scales refuse a record (counted per scale,
 * a dead letter naming the scale; a dead letter for all when every scale
 * refuses it), and each scale worker with the same function which points
 * it leaves out of its windows: the two always agree, so a point ingest
 * counted refused for a scale is the one the scale counts refused.
 *
 * A coordinate a record lacks arrives as NaN (decoders refuse a real NaN,
 * so NaN means absent).
 */
#ifndef TDP_SCALE_TAKE_H
#define TDP_SCALE_TAKE_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/config.h"
#include "common/record.h"

enum tdp_take {
	TDP_TAKE = 0,           /* the scale takes the point */
	TDP_TAKE_NO_COORD,      /* a selected coordinate is past the point's dimension */
	TDP_TAKE_ABSENT,        /* a coordinate it takes is absent (NaN) */
	TDP_TAKE_NOT_SCALAR,    /* no selection, a scalar series, and a point of several values */
};

/*
 * Whether scale SC takes a point of DIM values V: every selected
 * coordinate exists (index < DIM) and is present; without a selection,
 * every coordinate is present and, for a scale reading a scalar series
 * (tdp_scale_needs_scalar), there is one.  *COORD gets the coordinate at
 * fault (TDP_TAKE_NO_COORD, TDP_TAKE_ABSENT), else 0.
 */
static inline enum tdp_take tdp_scale_take(const struct tdp_scale_cfg *sc, const double *v, uint32_t dim,
					   uint32_t *coord)
{
	const struct tdp_scale_values *sv = &sc->values;
	*coord = 0;
	if (sv->n) {
		for (uint32_t i = 0; i < sv->n; i++) {
			*coord = sv->coord[i];
			if (sv->coord[i] >= dim)
				return TDP_TAKE_NO_COORD;
			if (isnan(v[sv->coord[i]]))
				return TDP_TAKE_ABSENT;
		}
		*coord = 0;
		return TDP_TAKE;
	}
	if (dim != 1 && (tdp_scale_needs_scalar(sc) || sc->join.on))
		return TDP_TAKE_NOT_SCALAR;   /* a join takes one value of each stream's points */
	for (uint32_t i = 0; i < dim; i++)
		if (isnan(v[i])) {
			*coord = i;
			return TDP_TAKE_ABSENT;
		}
	return TDP_TAKE;
}

/* The dimension of scale SC's points made from points of DIM values: its
 * selection's size, 1 for a scalar scale without one, else DIM.  Fixed
 * per stream, as DIM is. */
static inline uint32_t tdp_scale_dim(const struct tdp_scale_cfg *sc, uint32_t dim)
{
	if (sc->values.n)
		return sc->values.n;
	return tdp_scale_needs_scalar(sc) || sc->join.on ? 1 : dim;
}

/* P's coordinates replaced by what scale SC takes (v[j] = v[coord[j]],
 * dim = tdp_scale_dim), the rest zeroed.  Meant for points the scale
 * takes; for others, only the dimension means anything. */
static inline void tdp_scale_select(const struct tdp_scale_cfg *sc, struct tdp_point *p)
{
	const struct tdp_scale_values *sv = &sc->values;
	uint32_t dim = tdp_scale_dim(sc, p->dim);
	double v[TDP_MAX_DIM] = {0};
	for (uint32_t j = 0; j < dim; j++) {
		uint32_t c = sv->n ? sv->coord[j] : j;
		v[j] = c < p->dim && c < TDP_MAX_DIM ? p->v[c] : 0;
	}
	memcpy(p->v, v, sizeof(v));
	p->dim = (uint16_t)dim;
}

#endif
