/*
 * deadletter.c - the JSON line written for a record that failed validation.
 */
#include "ingest/deadletter.h"

#include <inttypes.h>
#include <string.h>

#include "common/json.h"

/*
 * Append one dead letter to B: exactly one line, ending in '\n', with the
 * keys reason, source, offset, line, record, truncated in that order.  The
 * raw bytes may be anything (quotes, control characters, invalid UTF-8,
 * msgpack); tdp_json_string keeps the line valid JSON whatever they are.
 * A NULL SOURCE or REASON is written as "" rather than crashing ingest
 * over a message.
 */
void deadletter_format(struct tdp_buf *b, const char *source, uint64_t offset, uint64_t line,
		       const char *raw, size_t rawlen, bool truncated, const char *reason)
{
	if (!reason)
		reason = "";
	if (!source)
		source = "";
	if (!raw)
		rawlen = 0;
	tdp_buf_puts(b, "{\"reason\":");
	tdp_json_string(b, reason, strlen(reason));
	tdp_buf_puts(b, ",\"source\":");
	tdp_json_string(b, source, strlen(source));
	tdp_buf_printf(b, ",\"offset\":%" PRIu64 ",\"line\":%" PRIu64 ",\"record\":", offset, line);
	tdp_json_string(b, raw ? raw : "", rawlen);
	tdp_buf_puts(b, truncated ? ",\"truncated\":true}\n" : ",\"truncated\":false}\n");
}
