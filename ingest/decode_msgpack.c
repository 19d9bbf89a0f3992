/*
 * decode_msgpack.c - points from a stream of concatenated msgpack maps.
 *
 * Before msgpack-c sees a byte we find where the object at the front of
 * the buffer ends by walking its headers (object_extent).  That tells a
 * prefix ("read more") from a whole object without allocating anything:
 * msgpack-c allocates room for a container's declared element count as
 * soon as it reads the header, so five bytes announcing a 4-billion-entry
 * map would otherwise cost a huge allocation on every call while the rest
 * is awaited.  Once the extent is known every container's count is bounded
 * by its bytes, and msgpack-c unpacks exactly that object and nothing past
 * it.  A bad object is skipped exactly; only bytes that are not msgpack at
 * all make the whole buffer go.
 */
#include "ingest/decode.h"

#include <math.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ingest/decode_fields.h"
#include "ingest/event_time.h"
#include "ingest/number.h"

/* Big-endian unsigned integer of N (1, 2 or 4) bytes. */
static uint64_t load_be(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/*
 * The header of the msgpack object whose type byte is P[0], AVAIL bytes
 * at P: *HDR its size (type byte, length field, ext type byte), *BODY the
 * payload bytes after it, *KIDS the objects nested in it (2 per map
 * entry).  Returns 1; 0 when AVAIL does not hold the whole header; -1
 * when the type byte is 0xc1, which msgpack never uses.
 */
static int mp_header(const unsigned char *p, size_t avail, size_t *hdr, uint64_t *body, uint64_t *kids)
{
	unsigned char c = p[0];
	unsigned lenbytes = 0;   /* bytes of a length/count field after the type */
	enum { BODY, EXT, ARRAY, MAP } what = BODY;

	*hdr = 1;
	*body = 0;
	*kids = 0;
	if (c <= 0x7f || c >= 0xe0)
		;                                     /* fixint */
	else if (c <= 0x8f)
		*kids = 2u * (c & 0x0fu);             /* fixmap */
	else if (c <= 0x9f)
		*kids = c & 0x0fu;                    /* fixarray */
	else if (c <= 0xbf)
		*body = c & 0x1fu;                    /* fixstr */
	else switch (c) {
	case 0xc0: case 0xc2: case 0xc3: break;   /* nil, false, true */
	case 0xc1: return -1;
	case 0xc4: case 0xd9: lenbytes = 1; break;    /* bin 8, str 8 */
	case 0xc5: case 0xda: lenbytes = 2; break;
	case 0xc6: case 0xdb: lenbytes = 4; break;
	case 0xc7: lenbytes = 1; what = EXT; break;   /* ext 8/16/32 */
	case 0xc8: lenbytes = 2; what = EXT; break;
	case 0xc9: lenbytes = 4; what = EXT; break;
	case 0xca: *body = 4; break;                  /* float 32 */
	case 0xcb: *body = 8; break;                  /* float 64 */
	case 0xcc: case 0xd0: *body = 1; break;       /* (u)int 8..64 */
	case 0xcd: case 0xd1: *body = 2; break;
	case 0xce: case 0xd2: *body = 4; break;
	case 0xcf: case 0xd3: *body = 8; break;
	case 0xd4: *body = 2; break;                  /* fixext: type + data */
	case 0xd5: *body = 3; break;
	case 0xd6: *body = 5; break;
	case 0xd7: *body = 9; break;
	case 0xd8: *body = 17; break;
	case 0xdc: lenbytes = 2; what = ARRAY; break;
	case 0xdd: lenbytes = 4; what = ARRAY; break;
	case 0xde: lenbytes = 2; what = MAP; break;
	case 0xdf: lenbytes = 4; what = MAP; break;
	}
	if (!lenbytes)
		return 1;
	*hdr = 1 + lenbytes + (what == EXT);
	if (avail < *hdr)
		return 0;
	uint64_t n = load_be(p + 1, lenbytes);
	if (what == ARRAY)
		*kids = n;
	else if (what == MAP)
		*kids = 2 * n;
	else
		*body = n;
	return 1;
}

/*
 * Find the size of the msgpack object at the start of P (LEN bytes).
 * Returns 1 with *SIZE set, 0 when P ends inside the object, -1 when a
 * byte that must be a type is 0xc1 (*SIZE: its offset).  msgpack is a
 * prefix code, so one counter of objects still to read is enough: each
 * header consumes one and adds its children.  Never reads at or past
 * P + LEN.
 */
static int object_extent(const unsigned char *p, size_t len, size_t *size)
{
	uint64_t pending = 1;
	size_t pos = 0;
	while (pending) {
		if (pos >= len)
			return 0;
		size_t hdr;
		uint64_t body, kids;
		int rc = mp_header(p + pos, len - pos, &hdr, &body, &kids);
		if (rc < 0) {
			*size = pos;
			return -1;
		}
		if (rc == 0 || len - pos - hdr < body)
			return 0;
		pos += hdr + (size_t)body;
		/* Each pending object takes at least one byte, so this stays far
		 * below 2^64: at most 2^33 per header, at most LEN headers. */
		pending = pending - 1 + kids;
	}
	*size = pos;
	return 1;
}

void msgpack_skip_init(struct msgpack_skip *s)
{
	memset(s, 0, sizeof(*s));
	s->pending = 1;
}

/*
 * The same walk as object_extent(), one chunk at a time and keeping
 * nothing but counters: the bytes of a payload are passed, not stored, so
 * an object of any size costs no memory.  A header split across chunks is
 * collected in s->hdr (6 bytes at most).
 */
size_t msgpack_skip_feed(struct msgpack_skip *s, const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t pos = 0;
	while ((s->pending || s->body) && !s->bad && pos < len) {
		if (s->body) {
			size_t take = len - pos < s->body ? len - pos : (size_t)s->body;
			pos += take;
			s->body -= take;
			continue;
		}
		/* A header: from the chunk, or completed from s->hdr. */
		const unsigned char *h = p + pos;
		size_t avail = len - pos, hdr;
		uint64_t body, kids;
		if (s->have) {
			size_t add = sizeof(s->hdr) - s->have < avail ? sizeof(s->hdr) - s->have : avail;
			memcpy(s->hdr + s->have, h, add);
			h = s->hdr;
			avail = s->have + add;
		}
		int rc = mp_header(h, avail, &hdr, &body, &kids);
		if (rc < 0) {
			s->bad = true;
			break;
		}
		if (rc == 0) {   /* keep what there is of the header */
			if (!s->have)
				memcpy(s->hdr, h, avail);
			s->have = avail;
			pos = len;
			break;
		}
		pos += hdr - s->have;   /* the header's bytes still in this chunk */
		s->have = 0;
		s->body = body;
		s->pending = s->pending - 1 + kids;
	}
	s->total += pos;
	return pos;
}

static const char *type_name(msgpack_object_type t)
{
	switch (t) {
	case MSGPACK_OBJECT_NIL: return "nil";
	case MSGPACK_OBJECT_BOOLEAN: return "a boolean";
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "an integer";
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: return "a float";
	case MSGPACK_OBJECT_STR: return "a string";
	case MSGPACK_OBJECT_ARRAY: return "an array";
	case MSGPACK_OBJECT_MAP: return "a map";
	case MSGPACK_OBJECT_BIN: return "binary data";
	case MSGPACK_OBJECT_EXT: return "an ext";
	}
	return "an unknown type";
}

/*
 * One number (integer of either sign, or float) as a finite double; FIELD
 * names it in REASON.  Integers beyond 2^53 round to the nearest double,
 * as a decimal with that many digits would.
 */
static int object_number(const msgpack_object *o, const char *field, double *out,
			 char *reason, size_t rlen)
{
	double d;
	switch (o->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER: d = (double)o->via.u64; break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: d = (double)o->via.i64; break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: d = o->via.f64; break;
	default:
		snprintf(reason, rlen, "%s: expected a number, got %s", field, type_name(o->type));
		return -1;
	}
	if (!isfinite(d)) {
		snprintf(reason, rlen, "%s: not finite: %s", field,
			 isnan(d) ? "nan" : d > 0 ? "inf" : "-inf");
		return -1;
	}
	*out = d;
	return 0;
}

/* "t": an integer or a float counted in UNIT, or a string holding an RFC
 * 3339 date-time, as nanoseconds (ingest/event_time.h, whose reasons
 * these are). */
static int object_time(const msgpack_object *o, enum tdp_time_unit unit, int64_t *out,
		       char *reason, size_t rlen)
{
	switch (o->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return event_time_from_uint(o->via.u64, unit, out, reason, rlen);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return event_time_from_int(o->via.i64, unit, out, reason, rlen);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return event_time_from_double(o->via.f64, unit, out, reason, rlen);
	case MSGPACK_OBJECT_STR:
		return event_time_parse(o->via.str.ptr, o->via.str.size, EVENT_TIME_STRING, unit, out,
					reason, rlen);
	default:
		snprintf(reason, rlen, "t: expected a number or a string, got %s", type_name(o->type));
		return -1;
	}
}

/* "v": a number or a non-empty array of at most TDP_MAX_DIM numbers. */
static int object_values(const msgpack_object *o, struct tdp_decoded *out, char *reason, size_t rlen)
{
	if (o->type != MSGPACK_OBJECT_ARRAY) {
		if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER || o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER ||
		    o->type == MSGPACK_OBJECT_FLOAT32 || o->type == MSGPACK_OBJECT_FLOAT64) {
			if (object_number(o, "v", &out->v[0], reason, rlen) < 0)
				return -1;
			out->dim = 1;
			return 0;
		}
		snprintf(reason, rlen, "v: expected a number or an array of numbers, got %s",
			 type_name(o->type));
		return -1;
	}
	uint32_t n = o->via.array.size;
	if (n == 0) {
		snprintf(reason, rlen, "no values");
		return -1;
	}
	/* Check every element first so the first bad one is reported, as
	 * the text formats do, then the count. */
	for (uint32_t i = 0; i < n; i++) {
		char field[TDP_V_NAME_MAX];
		double d;
		number_v_name(field, i);
		if (object_number(&o->via.array.ptr[i], field, &d, reason, rlen) < 0)
			return -1;
		if (i < TDP_MAX_DIM)
			out->v[i] = d;
	}
	if (n > TDP_MAX_DIM) {
		snprintf(reason, rlen, "too many values: %u (at most %d)", n, TDP_MAX_DIM);
		return -1;
	}
	out->dim = (uint16_t)n;
	return 0;
}

/* The map OBJ as a point; keys as in jsonl. */
static int object_point(const msgpack_object *obj, enum tdp_time_unit unit, bool ignore_extra,
			struct tdp_decoded *out, char *reason, size_t rlen)
{
	bool seen_stream = false, seen_t = false, seen_v = false;

	if (obj->type != MSGPACK_OBJECT_MAP) {
		snprintf(reason, rlen, "expected a map, got %s", type_name(obj->type));
		return -1;
	}
	for (uint32_t i = 0; i < obj->via.map.size; i++) {
		const msgpack_object *k = &obj->via.map.ptr[i].key;
		const msgpack_object *v = &obj->via.map.ptr[i].val;
		if (k->type != MSGPACK_OBJECT_STR) {
			snprintf(reason, rlen, "expected a string key, got %s", type_name(k->type));
			return -1;
		}
		const char *name = k->via.str.ptr;
		uint32_t nlen = k->via.str.size;
		char q[TDP_QUOTE_MAX];
		bool *seen;
		reason_quote(q, name, nlen);
		if (nlen == 6 && !memcmp(name, "stream", 6))
			seen = &seen_stream;
		else if (nlen == 1 && name[0] == 't')
			seen = &seen_t;
		else if (nlen == 1 && name[0] == 'v')
			seen = &seen_v;
		else
			seen = NULL;
		if (!seen && ignore_extra)
			continue;   /* extra: ignore */
		if (!seen) {
			snprintf(reason, rlen, "unknown key %s", q);
			return -1;
		}
		if (*seen) {
			snprintf(reason, rlen, "duplicate key %s", q);
			return -1;
		}
		*seen = true;

		if (seen == &seen_stream) {
			if (v->type != MSGPACK_OBJECT_STR) {
				snprintf(reason, rlen, "stream: expected a string, got %s", type_name(v->type));
				return -1;
			}
			if (stream_id_set(out->stream, v->via.str.ptr, v->via.str.size, reason, rlen) < 0)
				return -1;
			out->has_stream = true;
		} else if (seen == &seen_t) {
			if (object_time(v, unit, &out->t, reason, rlen) < 0)
				return -1;
			out->has_time = true;
		} else if (object_values(v, out, reason, rlen) < 0) {
			return -1;
		}
	}
	if (!seen_v) {
		snprintf(reason, rlen, "missing key \"v\"");
		return -1;
	}
	return 0;
}

/*
 * Configured fields (decode_fields.h): map OBJ whose keys are PATH (PLEN
 * bytes; 0 at the top) + "." + key, as walk_object does for JSON.
 */
static int walk_map(const msgpack_object *obj, const struct tdp_source_cfg *src, char *path, size_t plen,
		    uint32_t *seen, struct tdp_decoded *out, char *reason, size_t rlen)
{
	for (uint32_t i = 0; i < obj->via.map.size; i++) {
		const msgpack_object *k = &obj->via.map.ptr[i].key;
		const msgpack_object *v = &obj->via.map.ptr[i].val;
		if (k->type != MSGPACK_OBJECT_STR) {
			snprintf(reason, rlen, "expected a string key, got %s", type_name(k->type));
			return -1;
		}
		const char *name = k->via.str.ptr;
		size_t klen = k->via.str.size, n = plen + (plen ? 1 : 0) + klen;
		enum field_role role = F_NONE;
		int slot = -1;
		char q[TDP_QUOTE_MAX];
		if (n < TDP_FIELD_NAME_MAX) {
			if (plen)
				path[plen] = '.';
			if (klen)
				memcpy(path + plen + (plen ? 1 : 0), name, klen);
			path[n] = '\0';
			/* A key holding a dot is on no dotted path ("a.b" is a in b). */
			if (!klen || !memchr(name, '.', klen))
				role = field_role(src, path, n, &slot);
			reason_quote(q, path, n);
		} else {
			reason_quote(q, name, klen);
		}
		uint32_t bit = field_seen_bit(role, slot);
		if (bit && (*seen & bit)) {
			snprintf(reason, rlen, "duplicate key %s", q);
			return -1;
		}
		*seen |= bit;
		int rc = 0;
		switch (role) {
		case F_PREFIX:
			if (v->type == MSGPACK_OBJECT_MAP) {
				rc = walk_map(v, src, path, n, seen, out, reason, rlen);
				break;
			}
			__attribute__((fallthrough));   /* not the map on the way: just a key */
		case F_NONE:
			if (src->extra != TDP_EXTRA_IGNORE) {
				snprintf(reason, rlen, "unknown key %s", q);
				rc = -1;
			}
			break;
		case F_STREAM:
			if (v->type != MSGPACK_OBJECT_STR) {
				snprintf(reason, rlen, "%s: expected a string, got %s", path, type_name(v->type));
				rc = -1;
			} else if (stream_id_set(out->stream, v->via.str.ptr, v->via.str.size, reason, rlen) < 0) {
				rc = -1;
			} else {
				out->has_stream = true;
			}
			break;
		case F_TIME:
			rc = object_time(v, src->time_unit, &out->t, reason, rlen);
			out->has_time = rc == 0;
			break;
		case F_V:
			rc = object_values(v, out, reason, rlen);
			break;
		case F_VALUE:
			if (v->type == MSGPACK_OBJECT_NIL)
				field_absent(out, slot);
			else
				rc = object_number(v, path, &out->v[slot], reason, rlen);
			break;
		}
		if (rc < 0)
			return -1;
		if (n < TDP_FIELD_NAME_MAX)
			path[plen] = '\0';
	}
	return 0;
}

/* The map OBJ as a point, with SRC's fields; see decode.h. */
static int fields_point(const msgpack_object *obj, const struct tdp_source_cfg *src, struct tdp_decoded *out,
			char *reason, size_t rlen)
{
	char path[TDP_FIELD_NAME_MAX] = "";
	uint32_t seen = 0;
	if (obj->type != MSGPACK_OBJECT_MAP) {
		snprintf(reason, rlen, "expected a map, got %s", type_name(obj->type));
		return -1;
	}
	if (walk_map(obj, src, path, 0, &seen, out, reason, rlen) < 0)
		return -1;
	return field_finish(src, seen, out, reason, rlen);
}

int decode_msgpack(const char *buf, size_t len, enum tdp_time_unit unit, size_t *used,
		   struct tdp_decoded *out, char *reason, size_t rlen)
{
	return decode_msgpack_extra(buf, len, unit, false, used, out, reason, rlen);
}

static int decode_one(const char *buf, size_t len, enum tdp_time_unit unit, bool ignore_extra,
		      const struct tdp_source_cfg *fields, size_t *used, struct tdp_decoded *out, char *reason,
		      size_t rlen);

int decode_msgpack_extra(const char *buf, size_t len, enum tdp_time_unit unit, bool ignore_extra, size_t *used,
			 struct tdp_decoded *out, char *reason, size_t rlen)
{
	return decode_one(buf, len, unit, ignore_extra, NULL, used, out, reason, rlen);
}

int decode_msgpack_src(const char *buf, size_t len, const struct tdp_source_cfg *src, size_t *used,
		       struct tdp_decoded *out, char *reason, size_t rlen)
{
	return decode_one(buf, len, src->time_unit, src->extra == TDP_EXTRA_IGNORE,
			  decode_fields_set(src) ? src : NULL, used, out, reason, rlen);
}

/* Decode the msgpack object at the front of BUF, with the fixed keys or
 * with FIELDS' (not NULL); see decode.h. */
static int decode_one(const char *buf, size_t len, enum tdp_time_unit unit, bool ignore_extra,
		      const struct tdp_source_cfg *fields, size_t *used, struct tdp_decoded *out, char *reason,
		      size_t rlen)
{
	size_t size = 0;

	memset(out, 0, sizeof(*out));
	*used = 0;
	int ext = object_extent((const unsigned char *)buf, len, &size);
	if (ext == 0)
		return 0;
	if (ext < 0) {
		/* No way to find where this object ends, or the next begins. */
		*used = size;
		snprintf(reason, rlen, "not msgpack: byte 0xc1 at offset %zu of the record cannot start an object",
			 size);
		return -2;
	}
	*used = size;

	msgpack_unpacked u;
	size_t off = 0;
	int rc;
	msgpack_unpacked_init(&u);
	msgpack_unpack_return r = msgpack_unpack_next(&u, buf, size, &off);
	if (r == MSGPACK_UNPACK_SUCCESS && off == size) {
		rc = (fields ? fields_point(&u.data, fields, out, reason, rlen)
			     : object_point(&u.data, unit, ignore_extra, out, reason, rlen)) < 0 ? -1 : 1;
	} else if (r == MSGPACK_UNPACK_NOMEM_ERROR) {
		/* msgpack-c says so for nesting deeper than it supports, too. */
		snprintf(reason, rlen, "cannot unpack: nested too deep or out of memory");
		rc = -1;
	} else {
		/* object_extent and msgpack-c disagree: should not happen, but
		 * the extent is still the best place to resume. */
		snprintf(reason, rlen, "not msgpack: parse error");
		rc = -1;
	}
	msgpack_unpacked_destroy(&u);
	if (rc < 0)
		memset(out, 0, sizeof(*out));
	return rc;
}
