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
#include <stdint.h>

#include "common/config.h"
#include "common/record.h"

struct tdp_decoded {
	char stream[TDP_STREAM_NAME_MAX];  /* valid when has_stream */
	bool has_stream;
	bool has_time;
	int64_t t;                         /* valid when has_time: ns since the Unix epoch */
	uint16_t dim;                      /* 1..TDP_MAX_DIM */
	double v[TDP_MAX_DIM];
};

/* One CSV line (no newline; a trailing '\r' is ignored).  Fields are
 * comma-separated; SRC's stream_column / time_column (if >= 0) are taken
 * out, every other field is a value.  The time field is an RFC 3339
 * date-time when it holds a ':', else a number in SRC's time_unit
 * (ingest/event_time.h, EVENT_TIME_FIELD).  Returns 0, or -1 with REASON. */
int decode_csv(const char *rec, size_t len, const struct tdp_source_cfg *src,
	       struct tdp_decoded *out, char *reason, size_t rlen);

/* One JSON Lines record: {"stream": "s1", "t": 12.5, "v": 3.2} or
 * "v": [x, y, ...]; stream and t optional, other keys rejected.  "t" is a
 * JSON number counted in UNIT, or a string holding an RFC 3339 date-time
 * (ingest/event_time.h); a time that cannot be read or represented is
 * refused with event_time.c's reason. */
int decode_jsonl(const char *rec, size_t len, enum tdp_time_unit unit, struct tdp_decoded *out,
		 char *reason, size_t rlen);

/* decode_jsonl, but with IGNORE_EXTRA (source `extra: ignore`) a key
 * besides stream, t and v is passed over with its value (any JSON value,
 * checked as strictly, nested at most 32 deep) instead of refused. */
int decode_jsonl_extra(const char *rec, size_t len, enum tdp_time_unit unit, bool ignore_extra,
		       struct tdp_decoded *out, char *reason, size_t rlen);

/* From a stream of concatenated msgpack maps with the same keys; "t" is
 * an integer or a float counted in UNIT, or a string holding an RFC 3339
 * date-time.  Returns 1: a record decoded, *USED bytes consumed; 0: BUF
 * holds only a prefix of a record, read more; -1: a bad record, *USED
 * bytes to skip and dead-letter; -2: not msgpack, a byte where an object
 * must start is 0xc1 (*USED: its offset), so where this object ends, and
 * the next begins, cannot be known. */
int decode_msgpack(const char *buf, size_t len, enum tdp_time_unit unit, size_t *used,
		   struct tdp_decoded *out, char *reason, size_t rlen);

/* decode_msgpack, passing over keys besides stream, t and v with
 * IGNORE_EXTRA (source `extra: ignore`). */
int decode_msgpack_extra(const char *buf, size_t len, enum tdp_time_unit unit, bool ignore_extra, size_t *used,
			 struct tdp_decoded *out, char *reason, size_t rlen);

/*
 * Passing over one msgpack object of any size as its bytes arrive, without
 * keeping them: for a record longer than max_record, whose end is still
 * found exactly (the framer resumes right after it, never inside it).
 */
struct msgpack_skip {
	uint64_t pending;        /* objects still to start */
	uint64_t body;           /* payload bytes of the current object still to pass */
	uint64_t total;          /* bytes passed so far */
	unsigned char hdr[6];    /* a header split across chunks */
	unsigned have;           /* its bytes so far */
	bool bad;                /* stopped at a 0xc1 byte: the object has no end */
};

/* Start passing an object from its first byte. */
void msgpack_skip_init(struct msgpack_skip *s);

/* Pass bytes of the object from BUF (LEN bytes): returns how many belong
 * to it; the object ended when s->pending and s->body are both 0, and
 * s->bad says the walk stopped at a byte that cannot start an object (not
 * counted). */
size_t msgpack_skip_feed(struct msgpack_skip *s, const char *buf, size_t len);

#endif
