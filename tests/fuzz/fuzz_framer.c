/*
 * fuzz_framer - cutting a byte stream into records (ingest/framer.c)
 * however its reads happen to be cut.
 *
 * Input: a byte choosing the format (csv, jsonl, msgpack) and the csv
 * header, a byte choosing max_record (small, so that over-long records
 * are common), a byte choosing the csv columns, four bytes seeding the
 * chunk sizes, then the stream.  The stream is fed whole, one byte at a
 * time, and in chunks of seeded random sizes (empty ones too); the last
 * chunk ends the input, and a rejection stops it there, as ingest does.
 *
 * Properties:
 *  - every way of cutting gives the same frames: offset, line, length,
 *    bytes, truncation, outcome, point and reason (the one exception, a
 *    rejection's offset and bytes, is described at reject_equal());
 *  - every frame's bytes are the input's at its offset;
 *  - a frame is its bytes decoded alone, as a Kafka message's value
 *    would be: the same point or the same reason (a whole line; a whole
 *    msgpack object, nothing more);
 *  - a refused frame has a reason;
 *  - frames account for the input in order, and no frame comes from
 *    inside another: in text, each frame is a record of its own (a line;
 *    csv: lines joined by newlines inside RFC 4180 quotes; a record
 *    without a frame is blank or the csv header); in msgpack the frames
 *    tile the input, each starting exactly where the one before ended
 *    (an over-long object ends where its reason says), up to a rejection
 *    at a 0xc1 byte or a truncated tail, which end it;
 *  - the framer's end_off is the input's end once the input has ended.
 */
#include <inttypes.h>
#include <math.h>

#include "ingest/framer.h"
#include "tests/fuzz/fuzz.h"

struct fent {
	uint64_t off, line;
	size_t len;
	bool ok, truncated;
	struct tdp_decoded dec;
	char reason[192];
	char *raw;
};

struct flog {
	const char *in;      /* the input, to check frames' bytes against */
	size_t inlen;
	size_t n, cap;
	struct fent *e;
	bool rejected;
	uint64_t end_off;
};

static void flog_add(void *ctx, struct frame *f)
{
	struct flog *l = ctx;
	FUZZ_CHECK(f->off <= l->inlen && f->len <= l->inlen - f->off,
		   "frame at %" PRIu64 " of %zu bytes past the input's %zu", f->off, f->len, l->inlen);
	FUZZ_CHECK(!f->len || !memcmp(f->raw, l->in + f->off, f->len),
		   "frame at %" PRIu64 ": its bytes are not the input's there", f->off);
	FUZZ_CHECK(f->ok || fuzz_reason_ok(f->reason, sizeof(f->reason)),
		   "refused frame at %" PRIu64 " without a reason", f->off);
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->e = realloc(l->e, l->cap * sizeof(*l->e));
		if (!l->e)
			abort();
	}
	struct fent *e = &l->e[l->n++];
	memset(e, 0, sizeof(*e));
	e->off = f->off;
	e->line = f->line;
	e->len = f->len;
	e->ok = f->ok;
	e->truncated = f->truncated;
	if (f->ok)
		e->dec = f->dec;
	else
		snprintf(e->reason, sizeof(e->reason), "%s", f->reason);
	e->raw = fuzz_dup(f->raw, f->len);
}

static void flog_free(struct flog *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].raw);
	free(l->e);
}

/* Feed IN to a framer of CFG: whole (SEED 0), else in chunks of sizes
 * from SEED up to MAXCHUNK bytes (1: byte by byte).  Each chunk is a
 * copy of exactly its bytes, so ASan sees the framer read past one. */
static void feed(const struct tdp_source_cfg *cfg, const char *in, size_t len, uint64_t seed,
		 size_t maxchunk, struct flog *l)
{
	struct framer fr;
	memset(l, 0, sizeof(*l));
	l->in = in;
	l->inlen = len;
	framer_init(&fr, cfg, 0);
	size_t pos = 0;
	for (;;) {
		size_t n = !seed ? len : maxchunk == 1 ? 1 : (size_t)(fuzz_rand(&seed) % (maxchunk + 1));
		if (n > len - pos)
			n = len - pos;
		char *chunk = fuzz_dup(in + pos, n);
		struct source_chunk c = {chunk, n, 0, pos + n == len, pos, NULL};
		framer_feed(&fr, &c, flog_add, l);
		free(chunk);
		pos += n;
		if (fr.rejected) {
			FUZZ_CHECK(cfg->format == TDP_FMT_MSGPACK, "a text input rejected");
			l->rejected = true;
			framer_reject_until(&fr, len);   /* a file: resumes at its end */
			struct source_chunk e = {"", 0, 0, true, pos, NULL};
			framer_feed(&fr, &e, flog_add, l);
			break;
		}
		if (pos == len)
			break;
	}
	l->end_off = fr.end_off;
	framer_fini(&fr);
}

static const char reject_reason[] = "not msgpack: byte 0xc1 at offset ";

static bool is_reject(const struct fent *e)
{
	return !e->ok && !strncmp(e->reason, reject_reason, sizeof(reject_reason) - 1);
}

/*
 * A rejection's frame: ingest's dead letter for "nothing after this 0xc1
 * byte is decoded".  However the input was cut, it is the same: the
 * bytes of the object holding the 0xc1 byte, from its start up to and
 * including that byte, at most max_record (truncated past it).  Before
 * issue 16's fix it started at the 0xc1 byte when the object had already
 * grown past max_record (tests/fuzz/corpus/framer/
 * regress-reject-inside-skipped-object), and ran to the end of whichever
 * read found the byte.
 */
static void reject_equal(const struct fent *a, const struct fent *b, size_t i)
{
	unsigned long long bad = 0;
	sscanf(a->reason + sizeof(reject_reason) - 1, "%llu", &bad);
	FUZZ_CHECK(a->off == b->off && a->len == b->len && a->truncated == b->truncated,
		   "rejection %zu of the byte at %llu: whole: off %" PRIu64 " len %zu trunc %d; "
		   "cut: off %" PRIu64 " len %zu trunc %d", i, bad, a->off, a->len, a->truncated, b->off, b->len,
		   b->truncated);
	FUZZ_CHECK(!memcmp(a->raw, b->raw, a->len), "rejection %zu: bytes differ", i);
	FUZZ_CHECK(a->truncated ? a->off + a->len <= bad : a->off + a->len == bad + 1,
		   "rejection %zu: %zu bytes at %" PRIu64 " do not end at the 0xc1 byte at %llu", i, a->len, a->off, bad);
}

/* Frames A (whole) and B (cut) are the same; a rejection: see above. */
static void frame_equal(const struct fent *a, const struct fent *b, bool reject, size_t i)
{
	FUZZ_CHECK(a->ok == b->ok && !strcmp(a->reason, b->reason),
		   "frame %zu: whole: ok %d \"%s\"; cut: ok %d \"%s\"", i, a->ok, a->reason, b->ok, b->reason);
	if (reject) {
		reject_equal(a, b, i);
		return;
	}
	FUZZ_CHECK(a->off == b->off && a->line == b->line && a->len == b->len && a->truncated == b->truncated,
		   "frame %zu: whole: off %" PRIu64 " line %" PRIu64 " len %zu trunc %d; "
		   "cut: off %" PRIu64 " line %" PRIu64 " len %zu trunc %d",
		   i, a->off, a->line, a->len, a->truncated, b->off, b->line, b->len, b->truncated);
	FUZZ_CHECK(!memcmp(&a->dec, &b->dec, sizeof(a->dec)), "frame %zu: points differ", i);
	FUZZ_CHECK(!a->len || !memcmp(a->raw, b->raw, a->len), "frame %zu: bytes differ", i);
}

static void flog_equal(const struct flog *a, const struct flog *b, const char *how)
{
	FUZZ_CHECK(a->n == b->n && a->rejected == b->rejected,
		   "%s: %zu frames (rejected %d), whole: %zu (rejected %d)", how, b->n, b->rejected, a->n,
		   a->rejected);
	for (size_t i = 0; i < a->n; i++)
		frame_equal(&a->e[i], &b->e[i], is_reject(&a->e[i]), i);
	FUZZ_CHECK(a->end_off == b->end_off, "%s: end_off %" PRIu64 ", whole: %" PRIu64, how, b->end_off,
		   a->end_off);
}

/*
 * Where the text record at IN[POS] ends (its newline, or LEN) and how many
 * newlines lie inside it (*INNER): jsonl, at the next newline; csv, at
 * the next one outside a quoted field (RFC 4180: a field is quoted when
 * its first byte after blanks is '"', and "" inside is one quote).
 * Written byte by byte, apart from the framer's scan, to check it.
 */
static size_t record_end(const struct tdp_source_cfg *cfg, const char *in, size_t len, size_t pos,
			 uint64_t *inner)
{
	*inner = 0;
	if (cfg->format != TDP_FMT_CSV) {
		const char *nl = memchr(in + pos, '\n', len - pos);
		return nl ? (size_t)(nl - in) : len;
	}
	bool start = true, quoted = false;
	for (size_t i = pos; i < len; i++) {
		char c = in[i];
		if (quoted) {
			if (c == '"' && i + 1 < len && in[i + 1] == '"')
				i++;
			else if (c == '"')
				quoted = false;
			else if (c == '\n')
				(*inner)++;
			continue;
		}
		if (c == '\n')
			return i;
		if (start && c == '"') {
			quoted = true;
			start = false;
		} else if (c == ',') {
			start = true;
		} else if (c != ' ' && c != '\t') {
			start = false;
		}
	}
	return len;
}

/*
 * A frame whose bytes are all there (not truncated, not a rejection or a
 * tail cut off by the end of the input) decodes as those bytes do when
 * they arrive alone, as a Kafka message's value (framer_decode_message()):
 * the same outcome, point and reason.  A good msgpack frame is exactly
 * one object, and a text frame holds no newline.
 */
static void check_alone(const struct tdp_source_cfg *cfg, const struct fent *e)
{
	if (e->truncated || is_reject(e) || !strncmp(e->reason, "truncated msgpack record at end", 31))
		return;
	char *raw = fuzz_dup(e->raw, e->len);
	struct frame f;
	uint64_t inner;
	if (cfg->format != TDP_FMT_MSGPACK)
		FUZZ_CHECK(record_end(cfg, raw, e->len, 0, &inner) == e->len, "a text frame holds a record's end");
	framer_decode_message(cfg, raw, e->len, e->off, &f);
	FUZZ_CHECK(f.ok == e->ok && (f.ok ? !memcmp(&f.dec, &e->dec, sizeof(f.dec)) : !strcmp(f.reason, e->reason)),
		   "the frame at %" PRIu64 " (%zu bytes): framed: ok %d \"%s\"; alone: ok %d \"%s\"", e->off, e->len,
		   e->ok, e->reason, f.ok, f.ok ? "" : f.reason);
	if (f.ok && cfg->format == TDP_FMT_MSGPACK) {
		size_t used = 0;
		struct tdp_decoded d;
		char reason[192];
		FUZZ_CHECK(decode_msgpack(raw, e->len, cfg->time_unit, &used, &d, reason, sizeof(reason)) == 1 && used == e->len,
			   "the good frame at %" PRIu64 " is not one msgpack object", e->off);
	}
	free(raw);
}

/* Text: each frame is a record of its own (a line; csv: lines joined by
 * quoted newlines), in order, named by its first line; a record without
 * one is blank or the csv header (the first record that is not blank). */
static void check_lines(const struct tdp_source_cfg *cfg, const char *in, size_t len, const struct flog *l)
{
	size_t k = 0, pos = 0;
	bool header = cfg->header && cfg->format == TDP_FMT_CSV;
	for (uint64_t line = 1; pos < len; line++) {
		uint64_t inner;
		size_t end = record_end(cfg, in, len, pos, &inner);   /* the record is [pos, end) */
		size_t body = end - pos - (end > pos && in[end - 1] == '\r');
		if (k < l->n && l->e[k].off == pos) {
			const struct fent *e = &l->e[k++];
			FUZZ_CHECK(e->line == line, "frame at %zu: line %" PRIu64 ", it is line %" PRIu64, pos,
				   e->line, line);
			if (end - pos > cfg->max_record)
				FUZZ_CHECK(e->truncated && !e->ok && e->len == cfg->max_record,
					   "line %" PRIu64 " of %zu bytes: frame of %zu, truncated %d", line, end - pos,
					   e->len, e->truncated);
			else
				FUZZ_CHECK(!e->truncated && e->len == end - pos, "line %" PRIu64 " of %zu bytes: frame of %zu",
					   line, end - pos, e->len);
		} else {
			FUZZ_CHECK(body == 0 || header, "line %" PRIu64 " at %zu (%zu bytes) has no frame", line, pos,
				   end - pos);
		}
		if (body)
			header = false;
		line += inner;
		pos = end + 1;
	}
	FUZZ_CHECK(k == l->n, "%zu frames, %zu of them at the start of a record", l->n, k);
	FUZZ_CHECK(l->end_off == len, "end_off %" PRIu64 " at the end of %zu bytes", l->end_off, len);
}

/* msgpack: the frames tile the input from its start. */
static void check_tiles(const char *in, size_t len, const struct flog *l, uint32_t max)
{
	uint64_t at = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct fent *e = &l->e[i];
		unsigned long long size, bad;
		FUZZ_CHECK(e->off == at, "frame %zu at %" PRIu64 ", the one before ended at %" PRIu64, i, e->off, at);
		FUZZ_CHECK(e->line == 0, "a msgpack frame with line %" PRIu64, e->line);
		if (is_reject(e)) {
			FUZZ_CHECK(sscanf(e->reason + sizeof(reject_reason) - 1, "%llu", &bad) == 1 && bad >= e->off && bad < len &&
				   (unsigned char)in[bad] == 0xc1, "rejected at %llu: not a 0xc1 byte there", bad);
			FUZZ_CHECK(i + 1 == l->n && l->rejected, "frames after a rejection");
			FUZZ_CHECK(e->len >= 1 && e->len <= max, "rejection frame of %zu bytes", e->len);
			at = len;
		} else if (!strncmp(e->reason, "truncated msgpack record at end of input", 40)) {
			FUZZ_CHECK(i + 1 == l->n, "frames after the end");
			at = len;
		} else if (e->truncated) {
			FUZZ_CHECK(sscanf(e->reason, "record of %llu bytes longer than max_record", &size) == 1 &&
				   size > max && e->len == max, "over-long frame: \"%s\", %zu bytes", e->reason, e->len);
			at += size;
		} else {
			FUZZ_CHECK(e->len >= 1 && e->len <= max, "frame of %zu bytes", e->len);
			at += e->len;
		}
	}
	FUZZ_CHECK(at == len, "the frames end at %" PRIu64 " of %zu bytes", at, len);
	FUZZ_CHECK(l->end_off == len, "end_off %" PRIu64 " at the end of %zu bytes", l->end_off, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint8_t f = fuzz_u8(&in), m = fuzz_u8(&in), cols = fuzz_u8(&in);
	uint64_t seed = fuzz_u64(&in, 4) | 1;
	struct tdp_source_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.format = f % 3 == 0 ? TDP_FMT_CSV : f % 3 == 1 ? TDP_FMT_JSONL : TDP_FMT_MSGPACK;
	cfg.header = f & 0x80;
	cfg.max_record = m < 0xf0 ? 1u + m % 64 : 65536;
	cfg.stream_column = (int)(cols & 3) - 1;
	cfg.time_column = (int)(cols >> 2 & 3) - 1;
	if (cfg.time_column == cfg.stream_column)
		cfg.time_column = -1;
	size_t maxchunk = 1 + (size_t)(f >> 2 & 31) * (f & 0x40 ? 64 : 1);
	size_t len;
	const char *buf = (const char *)fuzz_bytes(&in, in.n, &len);

	struct flog whole, bytes, cut;
	feed(&cfg, buf, len, 0, 0, &whole);
	for (size_t i = 0; i < whole.n; i++)
		check_alone(&cfg, &whole.e[i]);
	if (cfg.format == TDP_FMT_MSGPACK)
		check_tiles(buf, len, &whole, cfg.max_record);
	else
		check_lines(&cfg, buf, len, &whole);

	feed(&cfg, buf, len, seed, 1, &bytes);
	flog_equal(&whole, &bytes, "byte by byte");
	feed(&cfg, buf, len, seed, maxchunk, &cut);
	flog_equal(&whole, &cut, "in random chunks");
	flog_free(&whole);
	flog_free(&bytes);
	flog_free(&cut);
	return 0;
}
