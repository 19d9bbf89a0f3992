/*
 * fuzz_decode_msgpack - the object at the front of a msgpack stream
 * (ingest/decode_msgpack.c) and the walk that passes one without keeping
 * it (msgpack_skip).
 *
 * Input: one byte seeding how the skip walk is fed (its low two bits:
 * the time_unit numeric times count), then the buffer.
 * Properties:
 *  - 1 (a point) and -1 (a bad object) consume 1..len bytes, and any
 *    shorter prefix of those bytes is "read more" (0), while those bytes
 *    alone give the same outcome: where an object ends depends on its
 *    own bytes only, so no record is produced from inside another;
 *  - -2 (not msgpack) names an offset holding 0xc1, and prefixes that
 *    stop before it are "read more";
 *  - msgpack-c's own unpacker finds the same extent for 1 and -1 (the
 *    decoder never falls back to "parse error");
 *  - msgpack_skip, fed the same bytes in one piece or in chunks of any
 *    size (headers split across them), ends exactly where the object
 *    ends, stops at the same 0xc1, or asks for more having passed all;
 *  - every refusal has a reason; a point has 1..TDP_MAX_DIM finite
 *    values, a UTF-8 stream id, and packed again (its time as an integer
 *    of ns) decodes to itself;
 *  - with configured field paths, the same extent (check_fields).
 */
#include <math.h>
#include <msgpack.h>

#include "ingest/decode.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/json_read.h"

#define RLEN 192

struct outcome {
	int rc;
	size_t used;
	struct tdp_decoded d;
	char reason[RLEN];
};

static void decode(const char *buf, size_t len, enum tdp_time_unit unit, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	char *copy = fuzz_dup(buf, len);   /* exactly LEN bytes: ASan sees a read past them */
	char *reason = malloc(RLEN);
	o->rc = decode_msgpack(copy, len, unit, &o->used, &o->d, reason, RLEN);
	FUZZ_CHECK(o->rc >= -2 && o->rc <= 1, "decode_msgpack returned %d", o->rc);
	if (o->rc < 0) {
		FUZZ_CHECK(fuzz_reason_ok(reason, RLEN), "a refused object without a one-line reason");
		memcpy(o->reason, reason, RLEN);
	}
	free(reason);
	free(copy);
}

static bool same(const struct outcome *a, const struct outcome *b)
{
	return a->rc == b->rc && a->used == b->used && !memcmp(&a->d, &b->d, sizeof(a->d)) &&
	       !strcmp(a->reason, b->reason);
}

/* Feed BUF to a fresh skip walk in chunks (sizes from SEED, 0: one
 * piece); stop once the walk is done. */
static void skip_walk(const char *buf, size_t len, uint64_t seed, struct msgpack_skip *s)
{
	msgpack_skip_init(s);
	size_t pos = 0;
	do {
		size_t n = seed ? (size_t)(fuzz_rand(&seed) % 9) : len;   /* 0-byte chunks too */
		if (n > len - pos)
			n = len - pos;
		char *chunk = fuzz_dup(buf + pos, n);
		size_t took = msgpack_skip_feed(s, chunk, n);
		free(chunk);
		FUZZ_CHECK(took <= n, "skip took %zu of %zu bytes", took, n);
		pos += took;
		if (took < n)
			break;   /* the object ended, or a 0xc1 */
	} while (pos < len && (s->pending || s->body) && !s->bad);
	FUZZ_CHECK(s->total == pos, "skip total %llu, passed %zu", (unsigned long long)s->total, pos);
}

static void check_skip(const char *buf, size_t len, const struct outcome *a, uint64_t seed)
{
	struct msgpack_skip s;
	skip_walk(buf, len, seed, &s);
	bool done = !s.pending && !s.body && !s.bad;
	if (a->rc == 1 || a->rc == -1)
		FUZZ_CHECK(done && s.total == a->used, "skip ended at %llu (done %d), the object at %zu",
			   (unsigned long long)s.total, done, a->used);
	else if (a->rc == -2)
		FUZZ_CHECK(s.bad && s.total == a->used, "skip stopped at %llu (bad %d), 0xc1 at %zu",
			   (unsigned long long)s.total, s.bad, a->used);
	else
		FUZZ_CHECK(!done && !s.bad && s.total == len, "skip done %d bad %d at %llu of an incomplete object",
			   done, s.bad, (unsigned long long)s.total);
}

static int sbuf_write(void *data, const char *buf, size_t len)
{
	return msgpack_sbuffer_write(data, buf, len);
}

static void check_point(const struct outcome *a)
{
	const struct tdp_decoded *d = &a->d;
	FUZZ_CHECK(d->dim >= 1 && d->dim <= TDP_MAX_DIM, "dim %u", d->dim);
	for (unsigned i = 0; i < d->dim; i++)
		FUZZ_CHECK(isfinite(d->v[i]), "v[%u] not finite", i);
	if (d->has_stream) {
		size_t n = strnlen(d->stream, sizeof(d->stream));
		FUZZ_CHECK(n >= 1 && n < sizeof(d->stream) && jr_utf8_valid(d->stream, n), "bad stream id");
	}

	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	msgpack_packer pk;
	msgpack_packer_init(&pk, &sb, sbuf_write);
	msgpack_pack_map(&pk, 1 + d->has_stream + d->has_time);
	if (d->has_stream) {
		size_t n = strlen(d->stream);
		msgpack_pack_str(&pk, 6);
		msgpack_pack_str_body(&pk, "stream", 6);
		msgpack_pack_str(&pk, n);
		msgpack_pack_str_body(&pk, d->stream, n);
	}
	if (d->has_time) {
		msgpack_pack_str(&pk, 1);
		msgpack_pack_str_body(&pk, "t", 1);
		msgpack_pack_int64(&pk, d->t);
	}
	msgpack_pack_str(&pk, 1);
	msgpack_pack_str_body(&pk, "v", 1);
	msgpack_pack_array(&pk, d->dim);
	for (unsigned i = 0; i < d->dim; i++)
		msgpack_pack_double(&pk, d->v[i]);
	struct outcome b;
	decode(sb.data, sb.size, TDP_TIME_NS, &b);
	FUZZ_CHECK(b.rc == 1 && b.used == sb.size && !memcmp(&b.d, d, sizeof(*d)),
		   "the point packed again decodes to rc %d: %s", b.rc, b.reason);
	msgpack_sbuffer_destroy(&sb);
}

/*
 * With configured fields (stream "m.s", values "a.x", "a.y", extra
 * ignore: decode_msgpack_src) the object ends where it does without them
 * (the same rc for "read more" and "not msgpack", the same bytes used);
 * an accepted point has a stream and 2 values, each finite, or NaN with
 * its absent bit.
 */
static void check_fields(const char *buf, size_t len, enum tdp_time_unit unit, const struct outcome *a)
{
	struct tdp_source_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.format = TDP_FMT_MSGPACK;
	cfg.time_unit = unit;
	cfg.extra = TDP_EXTRA_IGNORE;
	cfg.fields.has_stream = true;
	snprintf(cfg.fields.stream.name, sizeof(cfg.fields.stream.name), "m.s");
	cfg.fields.stream.index = cfg.fields.time.index = -1;
	cfg.fields.nvalues = 2;
	cfg.fields.values[0].index = cfg.fields.values[1].index = -1;
	snprintf(cfg.fields.values[0].name, sizeof(cfg.fields.values[0].name), "a.x");
	snprintf(cfg.fields.values[1].name, sizeof(cfg.fields.values[1].name), "a.y");
	char *copy = fuzz_dup(buf, len), *reason = malloc(RLEN);
	struct tdp_decoded d;
	size_t used = 0;
	int rc = decode_msgpack_src(copy, len, &cfg, &used, &d, reason, RLEN);
	FUZZ_CHECK(used == a->used && (rc == 0) == (a->rc == 0) && (rc == -2) == (a->rc == -2),
		   "fields: rc %d used %zu, without: rc %d used %zu", rc, used, a->rc, a->used);
	FUZZ_CHECK(rc >= 0 || fuzz_reason_ok(reason, RLEN), "fields: a refused record without a one-line reason");
	if (rc == 1) {
		FUZZ_CHECK(d.has_stream && d.dim == 2 && !(d.absent >> 2), "fields: stream %d dim %u absent %#x",
			   d.has_stream, d.dim, d.absent);
		for (int i = 0; i < 2; i++)
			FUZZ_CHECK((d.absent >> i & 1) ? isnan(d.v[i]) : isfinite(d.v[i]), "fields: v[%d] %g", i, d.v[i]);
	}
	free(copy);
	free(reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint64_t seed = fuzz_u8(&in);
	size_t len;
	const char *buf = (const char *)fuzz_bytes(&in, in.n, &len);
	enum tdp_time_unit unit = (enum tdp_time_unit)(seed & 3);
	struct outcome a, b;

	decode(buf, len, unit, &a);
	decode(buf, len, unit, &b);
	FUZZ_CHECK(same(&a, &b), "two decodings of the same bytes differ");
	switch (a.rc) {
	case 1:
	case -1:
		FUZZ_CHECK(a.used >= 1 && a.used <= len, "used %zu of %zu", a.used, len);
		FUZZ_CHECK(strcmp(a.reason, "not msgpack: parse error"),
			   "msgpack-c and the extent walk disagree on %zu bytes", a.used);
		break;
	case -2:
		FUZZ_CHECK(a.used < len && (unsigned char)buf[a.used] == 0xc1, "-2 at %zu: not a 0xc1", a.used);
		break;
	default:
		FUZZ_CHECK(a.used == 0, "read more, yet used %zu", a.used);
	}
	if (a.rc == 1)
		check_point(&a);
	check_fields(buf, len, unit, &a);

	/* The object's own bytes give the same outcome; any shorter prefix
	 * (one byte short, and one the seed picks) is "read more". */
	size_t end = a.rc == 0 ? len : a.rc == -2 ? a.used + 1 : a.used;
	if (a.rc != 0 && end < len) {
		decode(buf, end, unit, &b);
		FUZZ_CHECK(same(&a, &b), "the object's %zu bytes alone: rc %d used %zu, with more: rc %d used %zu",
			   end, b.rc, b.used, a.rc, a.used);
	}
	size_t cut[2] = {end ? end - 1 : 0, end ? (size_t)(seed * 2654435761u % end) : 0};
	for (int i = 0; i < 2; i++) {
		decode(buf, cut[i], unit, &b);
		FUZZ_CHECK(b.rc == 0 && b.used == 0, "a %zu-byte prefix of a %zu-byte object: rc %d (%s)",
			   cut[i], end, b.rc, b.reason);
	}

	/* msgpack-c agrees on where the object ends. */
	if (a.rc == 1 || a.rc == -1) {
		msgpack_unpacked u;
		size_t off = 0;
		msgpack_unpacked_init(&u);
		msgpack_unpack_return r = msgpack_unpack_next(&u, buf, a.used, &off);
		FUZZ_CHECK((r == MSGPACK_UNPACK_SUCCESS && off == a.used) || r == MSGPACK_UNPACK_NOMEM_ERROR,
			   "msgpack-c: %d, %zu of %zu bytes", (int)r, off, a.used);
		msgpack_unpacked_destroy(&u);
	}

	check_skip(buf, len, &a, 0);
	check_skip(buf, len, &a, seed | 1);
	return 0;
}
