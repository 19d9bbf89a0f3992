/*
 * deadletter.h - the line written for a record that failed validation.
 *
 * {"reason":"...","source":"samples/x.csv","offset":123,"line":7,
 *  "record":"<raw bytes, JSON-escaped>",["record_base64":"...",]"truncated":false}
 * offset: byte offset of the record in the source; line: 1-based line
 * number for text formats, 0 for msgpack (record = its bytes, escaped);
 * record_base64 when the bytes are not all UTF-8.
 */
#ifndef TDP_DEADLETTER_H
#define TDP_DEADLETTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

void deadletter_format(struct tdp_buf *b, const char *source, uint64_t offset, uint64_t line,
		       const char *raw, size_t rawlen, bool truncated, const char *reason);

#endif
