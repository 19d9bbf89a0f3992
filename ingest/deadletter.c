/*
 * deadletter.c - the JSON line written for a record that failed validation.
 */
#include "ingest/deadletter.h"

#include <inttypes.h>
#include <string.h>

#include "common/json.h"

/* RFC 4648 base64 of P (N bytes), with padding, appended to B. */
static void base64(struct tdp_buf *b, const unsigned char *p, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		char q[4] = {a[v >> 18], a[(v >> 12) & 63], i + 1 < n ? a[(v >> 6) & 63] : '=',
			     i + 2 < n ? a[v & 63] : '='};
		tdp_buf_append(b, q, 4);
	}
}

/*
 * Append one dead letter to B: exactly one line, ending in '\n', with the
 * keys reason, source, offset, line, record, [record_base64,] truncated in
 * that order.  The raw bytes may be anything (quotes, control characters,
 * invalid UTF-8, msgpack); tdp_json_string keeps the line valid JSON
 * whatever they are.  JSON can only show bytes that are not UTF-8
 * escaped, as \u00XX, which reads back as another character, so such a
 * record also comes as record_base64, its bytes exactly.  A NULL SOURCE
 * or REASON is written as "" rather than crashing ingest over a message.
 * TIME, when not NULL, adds the keys time and watermark after reason.
 */
void deadletter_format_time(struct tdp_buf *b, const char *source, uint64_t offset, uint64_t line,
			    const char *raw, size_t rawlen, bool truncated, const char *reason,
			    const struct deadletter_time *time)
{
	if (!reason)
		reason = "";
	if (!source)
		source = "";
	if (!raw)
		rawlen = 0;
	tdp_buf_puts(b, "{\"reason\":");
	tdp_json_string(b, reason, strlen(reason));
	if (time) {
		char num[TDP_TIME_TEXT_MAX];
		tdp_buf_puts(b, ",\"time\":");
		tdp_buf_append(b, num, time_format(num, time->t, time->unit));
		tdp_buf_puts(b, ",\"watermark\":");
		tdp_buf_append(b, num, time_format(num, time->watermark, time->unit));
	}
	tdp_buf_puts(b, ",\"source\":");
	tdp_json_string(b, source, strlen(source));
	tdp_buf_printf(b, ",\"offset\":%" PRIu64 ",\"line\":%" PRIu64 ",\"record\":", offset, line);
	tdp_json_string(b, raw ? raw : "", rawlen);
	if (raw && tdp_utf8_check(raw, rawlen) < rawlen) {
		tdp_buf_puts(b, ",\"record_base64\":\"");
		base64(b, (const unsigned char *)raw, rawlen);
		tdp_buf_putc(b, '"');
	}
	tdp_buf_puts(b, truncated ? ",\"truncated\":true}\n" : ",\"truncated\":false}\n");
}

void deadletter_format(struct tdp_buf *b, const char *source, uint64_t offset, uint64_t line,
		       const char *raw, size_t rawlen, bool truncated, const char *reason)
{
	deadletter_format_time(b, source, offset, line, raw, rawlen, truncated, reason, NULL);
}
