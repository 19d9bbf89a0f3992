#include "ingest/framer.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"

/* Where a csv scan is in a record (RFC 4180): at a field's start (blanks
 * passed), in an unquoted field, in a quoted one, just after a quote in a
 * quoted one (a second quote: "" is one; anything else ends it). */
enum csv_scan { Q_START, Q_FIELD, Q_IN, Q_CLOSE };

static bool is_csv(const struct framer *fr)
{
	return fr->cfg->format == TDP_FMT_CSV;
}

void framer_init(struct framer *fr, const struct tdp_source_cfg *cfg, uint64_t start_line)
{
	memset(fr, 0, sizeof(*fr));
	fr->cfg = cfg;
	fr->line = start_line;
	tdp_buf_init(&fr->carry);
	if (cfg->format == TDP_FMT_CSV) {
		csv_columns_init(&fr->cols, cfg);
		fr->header_pending = cfg->header && start_line == 0;
	}
}

/*
 * The newline that ends the record from P (not one inside quotes), or
 * NULL when none is before END: fr->quote keeps where the scan is, for
 * the next chunk, and fr->inner_lines counts the newlines passed inside
 * quotes.  A line without a quote (the common case) is one memchr.
 */
static const char *csv_end(struct framer *fr, const char *p, const char *end)
{
	if (fr->quote == Q_START) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl && !memchr(p, '"', (size_t)(nl - p)))
			return nl;
	}
	for (const char *s = p; s < end; s++) {
		char ch = *s;
		switch (fr->quote) {
		case Q_START:
			if (ch == '"')
				fr->quote = Q_IN;
			else if (ch == '\n')
				return s;
			else if (ch != ' ' && ch != '\t' && ch != ',')
				fr->quote = Q_FIELD;
			break;
		case Q_FIELD:
			if (ch == ',')
				fr->quote = Q_START;
			else if (ch == '\n') {
				fr->quote = Q_START;
				return s;
			}
			break;
		case Q_IN: {
			/* Straight to the next quote, counting the lines on the way. */
			const char *q = memchr(s, '"', (size_t)(end - s));
			const char *stop = q ? q : end;
			for (const char *n = s; (n = memchr(n, '\n', (size_t)(stop - n))); n++)
				fr->inner_lines++;
			if (!q)
				return NULL;
			s = q;
			fr->quote = Q_CLOSE;
			break;
		}
		case Q_CLOSE:
			if (ch == '"')
				fr->quote = Q_IN;
			else if (ch == ',')
				fr->quote = Q_START;
			else if (ch == '\n') {
				fr->quote = Q_START;
				return s;
			} else
				fr->quote = Q_FIELD;
			break;
		}
	}
	return NULL;
}

/* The end of the record from P: its newline, or NULL. */
static const char *record_end(struct framer *fr, const char *p, const char *end)
{
	if (is_csv(fr))
		return csv_end(fr, p, end);
	return memchr(p, '\n', (size_t)(end - p));
}

/* The line a record starting now has, and the lines it spans counted. */
static uint64_t take_lines(struct framer *fr)
{
	uint64_t line = ++fr->line;
	fr->line += fr->inner_lines;
	fr->inner_lines = 0;
	return line;
}

/* The header record P (LEN bytes, no newline): this input's columns. */
static void read_header(struct framer *fr, const char *p, size_t len, bool truncated)
{
	fr->header_pending = false;
	if (!csv_columns_named(fr->cfg))
		return;   /* only skipped: the columns are indices */
	if (truncated) {
		csv_columns_init(&fr->cols, fr->cfg);
		fr->cols.bad = true;
		snprintf(fr->cols.reason, sizeof(fr->cols.reason), "the header is longer than max_record (%u bytes)",
			 fr->cfg->max_record);
	} else {
		csv_columns_header(&fr->cols, fr->cfg, p, len);
	}
	if (fr->cols.bad && !fr->header_warned) {
		fr->header_warned = true;
		tdp_log_warn("csv header: %s: every record of this input is a dead letter", fr->cols.reason);
	}
}

void framer_header(struct framer *fr, const char *p, size_t len)
{
	struct framer scan = {.cfg = fr->cfg};
	const char *nl = csv_end(&scan, p, p + len);
	size_t n = nl ? (size_t)(nl - p) : len;
	if (n && p[n - 1] == '\r')
		n--;
	read_header(fr, p, n, n > fr->cfg->max_record);
}

void framer_fini(struct framer *fr)
{
	tdp_buf_fini(&fr->carry);
}

/* Decode one complete text line and hand it on. */
static void text_record(struct framer *fr, const char *p, size_t len, uint64_t off, bool truncated,
			framer_cb cb, void *ctx)
{
	uint64_t line = take_lines(fr);
	size_t n = len;
	if (n && p[n - 1] == '\r')
		n--;
	if (n == 0 && !truncated)
		return;   /* blank line: not a record */
	if (fr->header_pending) {
		read_header(fr, p, n, truncated);
		return;
	}
	struct frame f = {.raw = p, .len = len, .off = off, .line = line, .end_line = fr->line, .truncated = truncated,
			  .dead = truncated ? TDP_DEAD_TOO_LONG : TDP_DEAD_MALFORMED};
	if (truncated) {
		snprintf(f.reason, sizeof(f.reason), "record longer than max_record (%u bytes)",
			 fr->cfg->max_record);
	} else if (fr->cfg->format == TDP_FMT_CSV) {
		f.ok = decode_csv_cols(p, n, fr->cfg, &fr->cols, &f.dec, f.reason, sizeof(f.reason)) == 0;
	} else {
		f.ok = decode_jsonl_src(p, n, fr->cfg, &f.dec, f.reason, sizeof(f.reason)) == 0;
	}
	cb(ctx, &f);
}

/* The input ended inside the record in fr->carry for reason WHY (a
 * connection reset): report the fragment, never decode it. */
static void cut_record(struct framer *fr, const char *why, framer_cb cb, void *ctx)
{
	struct frame f = {.raw = fr->carry.p, .len = fr->carry.len, .off = fr->carry_off, .cut = true,
			  .dead = TDP_DEAD_CUT};
	if (fr->cfg->format != TDP_FMT_MSGPACK) {
		f.line = take_lines(fr);
		f.end_line = fr->line;
	}
	snprintf(f.reason, sizeof(f.reason), "%s inside a record (%zu bytes of it received)", why,
		 fr->carry.len);
	cb(ctx, &f);
}

static void feed_text(struct framer *fr, const struct source_chunk *c, framer_cb cb, void *ctx)
{
	const char *p = c->data, *end = c->data + c->len;
	size_t max = fr->cfg->max_record;
	while (p < end) {
		const char *nl = record_end(fr, p, end);
		const char *stop = nl ? nl : end;
		uint64_t off = c->off + (uint64_t)(p - c->data);
		if (fr->overlong) {
			/* Already reported: skip to the end of that record, its
			 * lines counted. */
			if (nl) {
				fr->overlong = false;
				fr->line += fr->inner_lines;
				fr->inner_lines = 0;
			}
		} else if (fr->carry.len == 0 && nl && (size_t)(nl - p) <= max) {
			text_record(fr, p, (size_t)(nl - p), off, false, cb, ctx);   /* fast path: no copy */
		} else {
			if (fr->carry.len == 0)
				fr->carry_off = off;
			size_t take = (size_t)(stop - p);
			size_t room = max + 1 - fr->carry.len;
			tdp_buf_append(&fr->carry, p, take < room ? take : room);
			if (fr->carry.len > max) {
				text_record(fr, fr->carry.p, max, fr->carry_off, true, cb, ctx);
				tdp_buf_reset(&fr->carry);
				fr->overlong = !nl;
			} else if (nl) {
				text_record(fr, fr->carry.p, fr->carry.len, fr->carry_off, false, cb, ctx);
				tdp_buf_reset(&fr->carry);
			}
		}
		p = nl ? nl + 1 : end;
		if (nl && fr->carry.len == 0)
			fr->end_off = c->off + (uint64_t)(p - c->data);
	}
	if (c->end) {
		/* A boundary completes an unterminated last line, unless the
		 * input was cut there: then it is a fragment. */
		if (fr->carry.len && c->cut)
			cut_record(fr, c->cut, cb, ctx);
		else if (fr->carry.len)
			text_record(fr, fr->carry.p, fr->carry.len, fr->carry_off, false, cb, ctx);
		tdp_buf_reset(&fr->carry);
		if (fr->overlong)
			fr->line += fr->inner_lines;
		fr->overlong = false;
		fr->quote = Q_START;
		fr->inner_lines = 0;
		fr->end_off = c->off + c->len;
	}
}

/*
 * msgpack.  A stream of maps has no separators, so the only way to the
 * next record is through the end of this one: the framer never resumes
 * anywhere else.  An object longer than max_record is passed exactly, its
 * end found by walking its headers (msgpack_skip), and reported once
 * there.  A byte that cannot start an object (0xc1) leaves no way to any
 * record boundary: nothing after it in this input (file, stdin stream,
 * TCP connection, datagram) is decoded, and the framer says so once
 * (fr->rejected, the source stops that input: see framer.h).
 */

/*
 * The object at BUF (offset OFF; LEN of its bytes at hand) has a byte
 * that cannot start an object BAD bytes in: report the object's bytes up
 * to and including that byte (at most max_record) and stop decoding this
 * input.  The report is the same however the input was cut into reads:
 * from the object's start, to the bad byte.
 */
static void msgpack_reject(struct framer *fr, const char *buf, size_t len, uint64_t off, size_t bad,
			   framer_cb cb, void *ctx)
{
	size_t max = fr->cfg->max_record, n = bad + 1;
	if (n > len)
		n = len;
	struct frame f = {.raw = buf, .len = n < max ? n : max, .off = off, .truncated = bad + 1 > max,
			  .dead = TDP_DEAD_MALFORMED};   /* not msgpack, however long */
	snprintf(f.reason, sizeof(f.reason),
		 "not msgpack: byte 0xc1 at offset %llu cannot start an object; nothing after it in this input "
		 "is decoded", (unsigned long long)(off + bad));
	cb(ctx, &f);
	fr->rejecting = true;
	fr->rejected = true;
	fr->reject_off = off + bad;
}

/* Decode as many msgpack maps as BUF holds; returns bytes consumed. */
static size_t msgpack_records(struct framer *fr, const char *buf, size_t len, uint64_t off,
			      framer_cb cb, void *ctx)
{
	size_t pos = 0;
	while (pos < len) {
		struct frame f = {.raw = buf + pos, .off = off + pos, .dead = TDP_DEAD_MALFORMED};
		size_t used = 0;
		int rc = decode_msgpack_src(buf + pos, len - pos, fr->cfg, &used, &f.dec, f.reason, sizeof(f.reason));
		if (rc == 0)
			break;
		if (rc == -2) {
			msgpack_reject(fr, buf + pos, len - pos, off + pos, used, cb, ctx);
			return len;
		}
		if (used > fr->cfg->max_record) {
			f.truncated = true;
			f.len = fr->cfg->max_record;
			f.dead = TDP_DEAD_TOO_LONG;   /* whether it decodes or not */
			rc = -1;
			snprintf(f.reason, sizeof(f.reason), "record of %zu bytes longer than max_record (%u bytes)",
				 used, fr->cfg->max_record);
		} else {
			f.len = used;
		}
		f.ok = rc == 1;
		cb(ctx, &f);
		pos += used;
	}
	return pos;
}

/* The object in the carry is longer than max_record: keep its first
 * max_record bytes for the report and pass the rest as it comes. */
static void msgpack_start_skip(struct framer *fr, framer_cb cb, void *ctx)
{
	msgpack_skip_init(&fr->skip);
	msgpack_skip_feed(&fr->skip, fr->carry.p, fr->carry.len);
	if (fr->skip.bad) {
		msgpack_reject(fr, fr->carry.p, fr->carry.len, fr->carry_off, (size_t)fr->skip.total, cb, ctx);
		tdp_buf_reset(&fr->carry);
		return;
	}
	fr->carry.len = fr->cfg->max_record;
	fr->skipping = true;
}

/* Pass what of the chunk belongs to the object being skipped; returns the
 * bytes taken, and reports the object once its end is in. */
static size_t msgpack_skip_chunk(struct framer *fr, const struct source_chunk *c, framer_cb cb, void *ctx)
{
	size_t n = msgpack_skip_feed(&fr->skip, c->data, c->len);
	if (fr->skip.bad) {
		/* Reported as the object it is in: from its start (its first
		 * max_record bytes are in the carry). */
		msgpack_reject(fr, fr->carry.p, fr->carry.len, fr->carry_off, (size_t)(c->off + n - fr->carry_off),
			       cb, ctx);
		tdp_buf_reset(&fr->carry);
		fr->skipping = false;
		return c->len;
	}
	if (!fr->skip.pending && !fr->skip.body) {
		struct frame f = {.raw = fr->carry.p, .len = fr->carry.len, .off = fr->carry_off, .truncated = true,
				  .dead = TDP_DEAD_TOO_LONG};
		snprintf(f.reason, sizeof(f.reason), "record of %llu bytes longer than max_record (%u bytes)",
			 (unsigned long long)fr->skip.total, fr->cfg->max_record);
		cb(ctx, &f);
		tdp_buf_reset(&fr->carry);
		fr->skipping = false;
	}
	return n;
}

static void feed_msgpack(struct framer *fr, const struct source_chunk *c, framer_cb cb, void *ctx)
{
	struct source_chunk rest = *c;
	if (fr->skipping) {
		size_t n = msgpack_skip_chunk(fr, c, cb, ctx);
		rest.data += n;
		rest.len -= n;
		rest.off += n;
	}
	if (fr->rejecting || fr->skipping) {
		;   /* not decoded (msgpack_reject()), or all of it skipped */
	} else if (fr->carry.len == 0) {
		size_t used = msgpack_records(fr, rest.data, rest.len, rest.off, cb, ctx);
		if (used < rest.len) {
			fr->carry_off = rest.off + used;
			tdp_buf_append(&fr->carry, rest.data + used, rest.len - used);
		}
	} else {
		tdp_buf_append(&fr->carry, rest.data, rest.len);
		size_t used = msgpack_records(fr, fr->carry.p, fr->carry.len, fr->carry_off, cb, ctx);
		memmove(fr->carry.p, fr->carry.p + used, fr->carry.len - used);
		fr->carry.len -= used;
		fr->carry_off += used;
	}
	if (!fr->rejecting && !fr->skipping && fr->carry.len > fr->cfg->max_record)
		msgpack_start_skip(fr, cb, ctx);
	if (c->end && !fr->rejecting && c->cut && fr->carry.len && !fr->skipping) {
		cut_record(fr, c->cut, cb, ctx);
	} else if (c->end && !fr->rejecting && (fr->carry.len || fr->skipping)) {
		struct frame f = {.raw = fr->carry.p, .len = fr->carry.len, .off = fr->carry_off,
				  .truncated = fr->skipping, .cut = c->cut != NULL,
				  .dead = TDP_DEAD_CUT};   /* too long or not: it never ended */
		snprintf(f.reason, sizeof(f.reason), "truncated msgpack record at end of input (%llu bytes)",
			 (unsigned long long)(fr->skipping ? fr->skip.total : fr->carry.len));
		cb(ctx, &f);
	}
	/* Where a restart resumes: the start of a record not yet done with;
	 * once rejecting, wherever the source says the input ends. */
	if (fr->rejecting)
		fr->end_off = fr->reject_end > c->off + c->len ? fr->reject_end : c->off + c->len;
	else if (c->end || !fr->carry.len)
		fr->end_off = c->off + c->len;
	else
		fr->end_off = fr->carry_off;
	if (c->end) {
		tdp_buf_reset(&fr->carry);
		fr->skipping = fr->rejecting = false;
		fr->reject_end = 0;
	}
}

void framer_reject_until(struct framer *fr, uint64_t end)
{
	fr->rejected = false;
	fr->reject_end = end;
	if (fr->end_off < end)
		fr->end_off = end;
}

void framer_feed(struct framer *fr, const struct source_chunk *c, framer_cb cb, void *ctx)
{
	if (fr->cfg->format == TDP_FMT_MSGPACK)
		feed_msgpack(fr, c, cb, ctx);
	else
		feed_text(fr, c, cb, ctx);
}

void framer_decode_message(const struct tdp_source_cfg *cfg, const char *p, size_t len, uint64_t off,
			   struct frame *f)
{
	memset(f, 0, offsetof(struct frame, dec));
	f->dec.has_stream = false;
	f->dec.has_time = false;
	f->raw = p;
	f->len = len;
	f->off = off;
	f->reason[0] = '\0';
	f->dead = TDP_DEAD_MALFORMED;   /* refused by the decoder, unless a case below says otherwise */
	if (len > cfg->max_record) {
		f->dead = TDP_DEAD_TOO_LONG;
		f->truncated = true;
		f->len = cfg->max_record;
		snprintf(f->reason, sizeof(f->reason), "record longer than max_record (%u bytes)", cfg->max_record);
		return;
	}
	if (cfg->format == TDP_FMT_MSGPACK) {
		size_t used = 0;
		int rc = decode_msgpack_src(p, len, cfg, &used, &f->dec, f->reason, sizeof(f->reason));
		if (rc == -2) {
			;   /* not msgpack: only this message, the next one starts afresh */
		} else if (rc == 0) {
			f->dead = TDP_DEAD_CUT;   /* the message ends inside the map */
			snprintf(f->reason, sizeof(f->reason), "truncated msgpack record");
		} else if (rc == 1 && used != len) {
			snprintf(f->reason, sizeof(f->reason), "%zu bytes after the msgpack record", len - used);
		} else {
			f->ok = rc == 1;
		}
		return;
	}
	size_t n = len;
	if (n && p[n - 1] == '\n')
		n--;
	if (n && p[n - 1] == '\r')
		n--;
	struct framer scan = {.cfg = cfg};
	if (cfg->format == TDP_FMT_CSV ? csv_end(&scan, p, p + n) != NULL : memchr(p, '\n', n) != NULL)
		snprintf(f->reason, sizeof(f->reason), "more than one line in one message");
	else if (n == 0)
		snprintf(f->reason, sizeof(f->reason), "empty message");
	else if (cfg->format == TDP_FMT_CSV)
		f->ok = decode_csv(p, n, cfg, &f->dec, f->reason, sizeof(f->reason)) == 0;
	else
		f->ok = decode_jsonl_src(p, n, cfg, &f->dec, f->reason, sizeof(f->reason)) == 0;
}
