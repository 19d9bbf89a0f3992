/*
 * config_fields.h - naming the parts of a record (tdapipe.yaml(5) SOURCE
 * FIELDS, SCALE VALUES).
 *
 * A source says where a record's stream id, event time and values are:
 * csv columns by header name or 0-based index, jsonl / msgpack fields by
 * a dotted path ("v", "fields.temp").  The values, in the order listed,
 * are the coordinates of the point.  A scale may then take some of them
 * (`value: vib` or `values: [temp, vib]`): by the name the source lists,
 * or by a 0-based coordinate index.
 *
 * Interface agreed between the source side (common/config_source_fields.c,
 * ingest decoders) and the scale side (common/config_scale_values.c,
 * ingest/stamp.c, scaled/): change both or neither.
 */
#ifndef TDP_CONFIG_FIELDS_H
#define TDP_CONFIG_FIELDS_H

#include <stdbool.h>
#include <stdint.h>

#define TDP_FIELD_NAME_MAX 64     /* a column name or a field path, with NUL */
#define TDP_FIELDS_MAX 16         /* values a source or a scale lists (= TDP_MAX_DIM) */

/* One field: a name (csv header name, or a dotted path for jsonl and
 * msgpack), or an index (csv: 0-based column; scales: 0-based coordinate). */
struct tdp_field {
	char name[TDP_FIELD_NAME_MAX];  /* "" when given as an index */
	int32_t index;                  /* >= 0 when given as an index, else -1 */
};

/* source: stream, time, values (none set: today's defaults, stream_column /
 * time_column for csv, "stream" / "t" / "v" for jsonl and msgpack). */
struct tdp_source_fields {
	bool has_stream, has_time;
	struct tdp_field stream;
	struct tdp_field time;
	uint32_t nvalues;               /* 0: the default (csv: every other column; json: "v") */
	struct tdp_field values[TDP_FIELDS_MAX];
};

/* A scale's value: / values:, resolved at load against the source's
 * values into coordinate indices of the point. */
struct tdp_scale_values {
	uint32_t n;                     /* 0: every coordinate, as the point has them */
	bool scalar;                    /* given as value: (one coordinate) */
	struct tdp_field sel[TDP_FIELDS_MAX];
	uint8_t coord[TDP_FIELDS_MAX];  /* resolved: coordinate index of sel[i] */
};

#endif
