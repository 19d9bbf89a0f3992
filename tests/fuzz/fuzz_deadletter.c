/*
 * fuzz_deadletter - the dead-letter line (ingest/deadletter.c) for any
 * record bytes, reason and source name.
 *
 * Input: a flags byte (truncated; NULL record, reason or source; bit 7:
 * event times), the offset and line, [the time and the watermark (8
 * bytes each) and the unit (a byte),] the reason and source (C strings of
 * any bytes), then the record (any bytes, NUL included).  Properties:
 *  - the line is appended (what the buffer held is kept), is one line
 *    ending in '\n', and is valid JSON (checked by the independent reader
 *    tests/fuzz/json_read.c): an object with the keys reason, [time,
 *    watermark,] source, offset, line, record, [record_base64,] truncated
 *    in that order;
 *  - time and watermark are numbers that ingest/event_time.c reads back,
 *    in the unit, as exactly the nanoseconds written;
 *  - offset, line and truncated read back exactly; reason and source
 *    too when they are UTF-8 (NULL ones as "");
 *  - the record is recoverable exactly: from "record" when its bytes are
 *    UTF-8 (then there is no record_base64), else from "record_base64",
 *    padded RFC 4648 base64 of exactly its bytes.
 */
#include <inttypes.h>

#include "common/buf.h"
#include "ingest/deadletter.h"
#include "ingest/event_time.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_json.h"
#include "tests/fuzz/json_read.h"

static const char *const prefix = "{\"an earlier\":\"line\"}\n";

static int b64_value(char c)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(a, c) : NULL;
	return p ? (int)(p - a) : -1;
}

/* Decode padded base64 S (N chars) into OUT (room for 3n/4); -1 if it
 * is not canonical padded base64. */
static long b64_decode(const char *s, size_t n, unsigned char *out)
{
	size_t o = 0;
	if (n % 4)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		for (int j = 0; j < 4; j++) {
			if (s[i + j] == '=' && i + 4 == n && j >= 2) {
				v[j] = 0;
				pad++;
			} else {
				if (pad || (v[j] = b64_value(s[i + j])) < 0)
					return -1;
			}
		}
		uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		out[o++] = (unsigned char)(x >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(x >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)x;
		if ((pad == 1 && (x & 0xff)) || (pad == 2 && (x & 0xffff)))
			return -1;   /* bits set in the padding: not canonical */
	}
	return (long)o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint8_t flags = fuzz_u8(&in);
	uint64_t offset = fuzz_u64(&in, flags >> 4 & 7 ? 8 : 2);
	uint64_t line = fuzz_u64(&in, flags >> 4 & 1 ? 8 : 2);
	struct deadletter_time tm, *time = NULL;
	if (flags & 0x80) {
		tm.t = (int64_t)fuzz_u64(&in, 8);
		tm.watermark = (int64_t)fuzz_u64(&in, 8);
		tm.unit = (enum tdp_time_unit)(fuzz_u8(&in) & 3);
		time = &tm;
	}
	char *reason = fuzz_cstr(&in, 400);
	char *source = fuzz_cstr(&in, 400);
	size_t rawlen;
	const uint8_t *p = fuzz_bytes(&in, in.n, &rawlen);
	char *raw = fuzz_dup(p, rawlen);
	bool truncated = flags & 1;
	const char *reason_in = flags & 2 ? NULL : reason;
	const char *source_in = flags & 4 ? NULL : source;
	const char *raw_in = flags & 8 ? NULL : raw;

	struct tdp_buf b;
	size_t plen = strlen(prefix);
	tdp_buf_init(&b);
	tdp_buf_puts(&b, prefix);
	deadletter_format_time(&b, source_in, offset, line, raw_in, rawlen, truncated, reason_in, time);
	FUZZ_CHECK(tdp_buf_ok(&b) && b.len > plen && !memcmp(b.p, prefix, plen), "the line was not appended");
	const char *l = b.p + plen;
	size_t len = b.len - plen;
	FUZZ_CHECK(l[len - 1] == '\n' && !memchr(l, '\n', len - 1), "not one line ending in a newline");
	struct jr_value *o = jr_parse(l, len - 1);
	FUZZ_CHECK(o && o->kind == JR_OBJECT, "not a JSON object: %.*s", (int)len, l);

	if (!raw_in)
		rawlen = 0;
	bool utf8 = jr_utf8_valid(raw, rawlen);
	static const char *const keys[] = {"reason", "time", "watermark", "source", "offset", "line", "record",
					   "record_base64", "truncated"};
	size_t k = 0;
	for (size_t i = 0; i < 9; i++) {
		if ((i == 7 && utf8) || ((i == 1 || i == 2) && !time))
			continue;
		FUZZ_CHECK(k < o->n && !strcmp(o->items[2 * k].str, keys[i]), "key %zu is not \"%s\"", k, keys[i]);
		k++;
	}
	FUZZ_CHECK(k == o->n, "%zu keys, %zu expected", o->n, k);

	const struct jr_value *v = jr_get(o, "reason");
	const char *want = reason_in ? reason_in : "";
	FUZZ_CHECK(v->kind == JR_STRING, "reason: not a string");
	if (jr_utf8_valid(want, strlen(want)))
		FUZZ_CHECK(!strcmp(v->str, want) && v->slen == strlen(want), "the reason does not read back");
	v = jr_get(o, "source");
	want = source_in ? source_in : "";
	FUZZ_CHECK(v->kind == JR_STRING, "source: not a string");
	if (jr_utf8_valid(want, strlen(want)))
		FUZZ_CHECK(!strcmp(v->str, want) && v->slen == strlen(want), "the source does not read back");
	for (int i = 0; time && i < 2; i++) {
		int64_t want_ns = i ? time->watermark : time->t, ns;
		char why[192];
		v = jr_get(o, i ? "watermark" : "time");
		FUZZ_CHECK(v->kind == JR_NUMBER, "%s: not a number", i ? "watermark" : "time");
		FUZZ_CHECK(event_time_from_decimal(v->text, v->tlen, time->unit, &ns, why, sizeof(why)) == 0 &&
			   ns == want_ns, "%s %.*s %s does not read back as %" PRId64 " ns", i ? "watermark" : "time",
			   (int)v->tlen, v->text, time_unit_name(time->unit), want_ns);
	}
	FUZZ_CHECK(fuzz_json_u64(jr_get(o, "offset"), "offset") == offset, "offset");
	FUZZ_CHECK(fuzz_json_u64(jr_get(o, "line"), "line") == line, "line");
	v = jr_get(o, "truncated");
	FUZZ_CHECK(v->kind == JR_BOOL && v->b == truncated, "truncated");

	v = jr_get(o, "record");
	FUZZ_CHECK(v->kind == JR_STRING, "record: not a string");
	if (utf8) {
		FUZZ_CHECK(v->slen == rawlen && !memcmp(v->str, raw, rawlen), "a UTF-8 record does not read back");
	} else {
		v = jr_get(o, "record_base64");
		FUZZ_CHECK(v->kind == JR_STRING, "record_base64: not a string");
		unsigned char *back = malloc(v->slen / 4 * 3 + 1);
		long n = b64_decode(v->str, v->slen, back);
		FUZZ_CHECK(n == (long)rawlen && !memcmp(back, raw, rawlen), "record_base64 is not the record's bytes");
		free(back);
	}

	jr_free(o);
	tdp_buf_fini(&b);
	free(raw);
	free(reason);
	free(source);
	return 0;
}
