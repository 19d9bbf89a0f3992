/*
 * decode.h - turning one raw record into a point, or a reason why not.
 *
 * Decoders only look at the record itself (syntax, numbers, NaN/Inf, too
 * many values).  Checks that need stream state (dimension differs from the
 * stream's first point) are done by the caller.  REASON is a short English
 * phrase for the dead-letter sink, e.g. "column 3: not a number: \"abc\"".
 */
#ifndef TDP_DECODE_H
#define TDP_DECODE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"
#include "common/record.h"

struct tdp_decoded {
	char stream[TDP_STREAM_NAME_MAX];  /* valid when has_stream */
	bool has_stream;
	bool has_time;
	double t;                          /* valid when has_time */
	uint16_t dim;                      /* 1..TDP_MAX_DIM */
	double v[TDP_MAX_DIM];
};

/* One CSV line (no newline; a trailing '\r' is ignored).  Fields are
 * comma-separated; SRC's stream_column / time_column (if >= 0) are taken
 * out, every other field is a value.  Returns 0, or -1 with REASON. */
int decode_csv(const char *rec, size_t len, const struct tdp_source_cfg *src,
	       struct tdp_decoded *out, char *reason, size_t rlen);

/* One JSON Lines record: {"stream": "s1", "t": 12.5, "v": 3.2} or
 * "v": [x, y, ...]; stream and t optional, other keys rejected. */
int decode_jsonl(const char *rec, size_t len, struct tdp_decoded *out, char *reason, size_t rlen);

/* From a stream of concatenated msgpack maps with the same keys.
 * Returns 1: a record decoded, *USED bytes consumed; 0: BUF holds only a
 * prefix of a record, read more; -1: a bad record, *USED bytes to skip and
 * dead-letter (all of BUF when the bytes are not msgpack at all). */
int decode_msgpack(const char *buf, size_t len, size_t *used, struct tdp_decoded *out,
		   char *reason, size_t rlen);

#endif
