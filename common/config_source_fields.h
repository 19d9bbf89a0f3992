/*
 * config_source_fields.h - reading a source's stream:, time: and values:
 * (tdapipe.yaml(5), SOURCE) into struct tdp_source_fields
 * (common/config_fields.h).
 *
 *   stream: sensor          # csv: a header name or a 0-based column index
 *   time: 0                 # jsonl / msgpack: a dotted field path
 *   values: [temp, fields.pressure, 3]
 *
 * stream_column / time_column are the older spelling of stream / time
 * with an index; a csv index given to stream / time is also stored there,
 * so decoders that know only columns keep working.
 */
#ifndef TDP_CONFIG_SOURCE_FIELDS_H
#define TDP_CONFIG_SOURCE_FIELDS_H

#include "common/config_fields.h"
#include "common/config_schema.h"

/* The readers of the three rows (fields in struct tdp_source_cfg). */
extern const struct tdp_cfg_type tdp_cfg_source_stream;
extern const struct tdp_cfg_type tdp_cfg_source_time;
extern const struct tdp_cfg_type tdp_cfg_source_values;

/* The rules across them and the older keys, run after the source's keys
 * were read: one spelling of each, no field twice, names only with a csv
 * header, no time field when the time is Kafka's.  OBJ is a struct
 * tdp_source_cfg. */
int tdp_source_fields_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path, void *obj,
			    const struct tdp_ynode *const *seen);

/* Whether F names the same field as G. */
bool tdp_field_same(const struct tdp_field *f, const struct tdp_field *g);

#endif
