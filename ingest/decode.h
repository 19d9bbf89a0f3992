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
	/* Bit i: configured value i is not in this record (a json path absent
	 * or null, an empty csv field), v[i] is NAN.  Input never gives a NaN
	 * otherwise (non-finite numbers are refused), so NaN == absent. */
	uint32_t absent;
	double v[TDP_MAX_DIM];
};

/*
 * Which csv column is what, for one input (file, stdin, a connection):
 * from the source's indices, or from the input's header line for fields
 * given by name (two connections may order their columns differently).
 */
struct csv_columns {
	int32_t stream, time;              /* columns, -1: none */
	uint32_t nvalues;                  /* 0: every other column is a value, in order */
	int32_t value[TDP_FIELDS_MAX];     /* the column of coordinate i */
	bool bad;                          /* the header does not fit: every record is refused with REASON */
	char reason[160];
};

/* The columns SRC gives by index (names left at -1: csv_columns_header). */
void csv_columns_init(struct csv_columns *m, const struct tdp_source_cfg *src);

/* Whether SRC names a csv field that only a header line can place. */
bool csv_columns_named(const struct tdp_source_cfg *src);

/* The columns for an input whose header line is REC (LEN bytes, no
 * newline): names looked up in it.  A header that lacks a name, or has
 * one twice, or puts two fields in one column, leaves M bad with a reason
 * naming the column (-1); else 0. */
int csv_columns_header(struct csv_columns *m, const struct tdp_source_cfg *src, const char *rec, size_t len);

/* One CSV record (no final newline; a trailing '\r' is ignored).  Fields
 * are comma-separated, any of them RFC 4180 double-quoted (holding commas,
 * "" for a quote, line breaks); SRC's stream_column / time_column (if >= 0)
 * are taken out, every other field is a value.  The time field is an RFC 3339
 * date-time when it holds a ':', else a number in SRC's time_unit
 * (ingest/event_time.h, EVENT_TIME_FIELD).  Returns 0, or -1 with REASON. */
int decode_csv(const char *rec, size_t len, const struct tdp_source_cfg *src,
	       struct tdp_decoded *out, char *reason, size_t rlen);

/* decode_csv with the columns of M (one input's: csv_columns_header).
 * With configured values the point has them in their order, an empty
 * field being absent (out->absent); a record without one of the columns
 * is refused.  A bad M refuses every record with its reason. */
int decode_csv_cols(const char *rec, size_t len, const struct tdp_source_cfg *src, const struct csv_columns *m,
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

/* decode_jsonl_extra with SRC's time_unit and extra, and its fields
 * (stream:, time:, values: as dotted paths into nested objects, found in
 * one pass): without fields, exactly decode_jsonl_extra.  With them, a
 * configured stream or time the record lacks is a bad record; a
 * configured value it lacks (or holds null) is absent (out->absent); an
 * object on the way to a configured path is not an extra key. */
int decode_jsonl_src(const char *rec, size_t len, const struct tdp_source_cfg *src, struct tdp_decoded *out,
		     char *reason, size_t rlen);

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

/* decode_msgpack_extra with SRC's time_unit, extra and fields, as
 * decode_jsonl_src does for JSON. */
int decode_msgpack_src(const char *buf, size_t len, const struct tdp_source_cfg *src, size_t *used,
		       struct tdp_decoded *out, char *reason, size_t rlen);

/* Whether SRC configures any of stream:, time:, values: (else the
 * decoders keep the fixed keys stream, t, v). */
bool decode_fields_set(const struct tdp_source_cfg *src);

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
