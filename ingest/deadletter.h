/*
 * deadletter.h - the line written for a record that failed validation.
 *
 * {"reason":"...","source":"samples/x.csv","offset":123,"line":7,
 *  "record":"<raw bytes, JSON-escaped>",["record_base64":"...",]"truncated":false}
 * offset: byte offset of the record in the source; line: 1-based line
 * number for text formats, 0 for msgpack (record = its bytes, escaped);
 * record_base64 when the bytes are not all UTF-8.
 *
 * A point below its stream's watermark (reason "late") also gives its
 * event time and the watermark, as numbers in the source's time_unit
 * written exactly (common/time_unit.h), right after the reason:
 * {"reason":"late","time":1765000000.25,"watermark":1765000000.5,"source":...
 */
#ifndef TDP_DEADLETTER_H
#define TDP_DEADLETTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/time_unit.h"

/* The event times a dead letter gives. */
struct deadletter_time {
	int64_t t;                 /* the record's event time, ns */
	int64_t watermark;         /* its stream's watermark when it arrived, ns */
	enum tdp_time_unit unit;   /* both are written as numbers counted in it */
};

void deadletter_format(struct tdp_buf *b, const char *source, uint64_t offset, uint64_t line,
		       const char *raw, size_t rawlen, bool truncated, const char *reason);

/* deadletter_format with "time" and "watermark" after the reason (TIME
 * may be NULL: then exactly deadletter_format's line). */
void deadletter_format_time(struct tdp_buf *b, const char *source, uint64_t offset, uint64_t line,
			    const char *raw, size_t rawlen, bool truncated, const char *reason,
			    const struct deadletter_time *time);

#endif
