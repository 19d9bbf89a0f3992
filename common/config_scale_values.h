/*
 * config_scale_values.h - a scale's `value:` / `values:` (tdapipe.yaml(5),
 * SCALES): the coordinates of the point it takes.
 *
 * The two keys are rows of the scale table read by the readers below,
 * which check only their own syntax (a name or an index; a list of 1 to
 * TDP_FIELDS_MAX of them, none twice).  What they name depends on the
 * source, which may come after the scales in the file, so they are
 * resolved into coordinate indices once the whole document is read
 * (tdp_scale_values_rules, from the root rules).
 */
#ifndef TDP_CONFIG_SCALE_VALUES_H
#define TDP_CONFIG_SCALE_VALUES_H

#include "common/config_schema.h"

struct tdp_config;

/* value: NAME|INDEX and values: [NAME|INDEX, ...] into a struct
 * tdp_scale_values (the row's field). */
extern const struct tdp_cfg_type tdp_cfg_scale_value;
extern const struct tdp_cfg_type tdp_cfg_scale_values;

/*
 * Resolve every scale's selection (SCALES: the scales' list node) against
 * cfg->source.fields into coord[]: names the source lists, indices below
 * the source's values (or TDP_MAX_DIM when it lists none), no coordinate
 * twice; a scale reading a scalar series (tdp_scale_needs_scalar) takes
 * one.  0, or -1 with the message in C.
 */
int tdp_scale_values_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *scales, struct tdp_config *cfg);

#endif
