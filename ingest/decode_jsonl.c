/*
 * decode_jsonl.c - one JSON Lines record into a point.
 *
 * A small hand-written parser for the one shape we accept,
 *   {"stream": "s1", "t": 12.5, "v": 3.2}   or   "v": [x, y, ...]
 * ("t" also "2026-12-06T03:12:22.125Z")
 * with strict RFC 8259 syntax, so that anything a JSON library would
 * reject is rejected here too, and anything else that is not that shape
 * (unknown or duplicate keys, null, wrong types, nesting) is a bad record
 * with a reason naming the key.  The first problem from the left wins.
 */
#include "ingest/decode.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/decode_fields.h"
#include "ingest/event_time.h"
#include "ingest/number.h"

struct jp {
	const char *s;
	size_t len;
	size_t pos;
	char *reason;
	size_t rlen;
};

/* What a value is, for "expected X, got Y". */
enum jkind { J_NONE, J_STRING, J_NUMBER, J_OBJECT, J_ARRAY, J_BOOL, J_NULL };

static const char *kind_name(enum jkind k)
{
	switch (k) {
	case J_STRING: return "a string";
	case J_NUMBER: return "a number";
	case J_OBJECT: return "an object";
	case J_ARRAY: return "an array";
	case J_BOOL: return "a boolean";
	case J_NULL: return "null";
	default: return "nothing";
	}
}

/* Set the reason; always returns -1 so callers can `return fail(...)`. */
static int __attribute__((format(printf, 2, 3))) fail(struct jp *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->reason, p->rlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A syntax error at the current position, WHAT being what was expected. */
static int syntax(struct jp *p, const char *what)
{
	if (p->pos >= p->len)
		return fail(p, "syntax error: record ends early, expected %s", what);
	char q[TDP_QUOTE_MAX];
	reason_quote(q, p->s + p->pos, 1);
	return fail(p, "syntax error at byte %zu: expected %s, got %s", p->pos, what, q);
}

static void skip_ws(struct jp *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			break;
		p->pos++;
	}
}

static bool is_word_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '+' || c == '-' || c == '.';
}

/* Length of the bare word (number, literal, or junk) at the current position. */
static size_t word_len(const struct jp *p)
{
	size_t n = 0;
	while (p->pos + n < p->len && is_word_char(p->s[p->pos + n]))
		n++;
	return n;
}

/* The kind of value at the current position (blanks skipped), J_NONE when
 * no value starts there.  Does not move. */
static enum jkind peek_kind(const struct jp *p)
{
	if (p->pos >= p->len)
		return J_NONE;
	switch (p->s[p->pos]) {
	case '"': return J_STRING;
	case '{': return J_OBJECT;
	case '[': return J_ARRAY;
	}
	size_t n = word_len(p);
	const char *w = p->s + p->pos;
	if (n == 0)
		return J_NONE;
	if (n == 4 && !memcmp(w, "null", 4))
		return J_NULL;
	if ((n == 4 && !memcmp(w, "true", 4)) || (n == 5 && !memcmp(w, "false", 5)))
		return J_BOOL;
	return J_NUMBER;   /* possibly a bad one: parse_number says why */
}

static int hex4(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Append byte C to DST (CAP bytes); *N counts every byte, kept or not. */
static inline void put(char *dst, size_t cap, size_t *n, char c)
{
	if (*n < cap)
		dst[*n] = c;
	(*n)++;
}

/*
 * Parse the string at the current position (a '"') and move past it.  The
 * unescaped bytes go to DST, at most CAP of them; *N is the full unescaped
 * length, so a caller can tell that it was cut.  \uXXXX becomes UTF-8, a
 * surrogate pair one 4-byte character; a lone surrogate is an error since
 * it has no UTF-8 form.  Other bytes are copied as they are.
 */
static int parse_string(struct jp *p, char *dst, size_t cap, size_t *n)
{
	*n = 0;
	size_t start = p->pos;
	p->pos++;
	while (p->pos < p->len) {
		unsigned char c = (unsigned char)p->s[p->pos];
		if (c == '"') {
			p->pos++;
			return 0;
		}
		if (c < 0x20)
			return fail(p, "syntax error at byte %zu: control character in a string", p->pos);
		if (c != '\\') {
			put(dst, cap, n, (char)c);
			p->pos++;
			continue;
		}
		if (p->pos + 1 >= p->len)
			break;
		char e = p->s[p->pos + 1];
		size_t esc = p->pos;
		p->pos += 2;
		switch (e) {
		case '"': put(dst, cap, n, '"'); continue;
		case '\\': put(dst, cap, n, '\\'); continue;
		case '/': put(dst, cap, n, '/'); continue;
		case 'b': put(dst, cap, n, '\b'); continue;
		case 'f': put(dst, cap, n, '\f'); continue;
		case 'n': put(dst, cap, n, '\n'); continue;
		case 'r': put(dst, cap, n, '\r'); continue;
		case 't': put(dst, cap, n, '\t'); continue;
		case 'u': break;
		default:
			return fail(p, "syntax error at byte %zu: bad escape in a string", esc);
		}
		uint32_t cp, lo;
		if (p->len - p->pos < 4 || hex4(p->s + p->pos, &cp) < 0)
			return fail(p, "syntax error at byte %zu: bad \\u escape", esc);
		p->pos += 4;
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return fail(p, "syntax error at byte %zu: lone surrogate in a \\u escape", esc);
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (p->len - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
			    hex4(p->s + p->pos + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
				return fail(p, "syntax error at byte %zu: lone surrogate in a \\u escape", esc);
			p->pos += 6;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		}
		if (cp < 0x80) {
			put(dst, cap, n, (char)cp);
		} else if (cp < 0x800) {
			put(dst, cap, n, (char)(0xC0 | (cp >> 6)));
			put(dst, cap, n, (char)(0x80 | (cp & 0x3F)));
		} else if (cp < 0x10000) {
			put(dst, cap, n, (char)(0xE0 | (cp >> 12)));
			put(dst, cap, n, (char)(0x80 | ((cp >> 6) & 0x3F)));
			put(dst, cap, n, (char)(0x80 | (cp & 0x3F)));
		} else {
			put(dst, cap, n, (char)(0xF0 | (cp >> 18)));
			put(dst, cap, n, (char)(0x80 | ((cp >> 12) & 0x3F)));
			put(dst, cap, n, (char)(0x80 | ((cp >> 6) & 0x3F)));
			put(dst, cap, n, (char)(0x80 | (cp & 0x3F)));
		}
	}
	return fail(p, "syntax error at byte %zu: unterminated string", start);
}

/* Whether S[0..N) is a number by the JSON grammar (no +, no leading zeros,
 * digits on both sides of the point, no hex, nan or inf). */
static bool json_number_ok(const char *s, size_t n)
{
	size_t i = 0;
#define DIGIT(k) ((k) < n && s[k] >= '0' && s[k] <= '9')
	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (DIGIT(i))
		while (DIGIT(i))
			i++;
	else
		return false;
	if (i < n && s[i] == '.') {
		i++;
		if (!DIGIT(i))
			return false;
		while (DIGIT(i))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (!DIGIT(i))
			return false;
		while (DIGIT(i))
			i++;
	}
#undef DIGIT
	return i == n;
}

/*
 * The number at the current position, by the JSON grammar: *W and *N its
 * text, not yet passed.  FIELD names it in a reason: NaN, Infinity and
 * numbers too large for a double are "not finite"; other words, and
 * numbers JSON does not allow (+1, .5, 01), are "not a number"; other
 * values are the wrong type.
 */
static int number_word(struct jp *p, const char *field, const char **w, size_t *n)
{
	enum jkind k = peek_kind(p);
	if (k == J_NONE)
		return syntax(p, "a value");
	if (k != J_NUMBER)
		return fail(p, "%s: expected a number, got %s", field, kind_name(k));
	*n = word_len(p);
	*w = p->s + p->pos;
	if (!json_number_ok(*w, *n)) {
		char q[TDP_QUOTE_MAX];
		double d;
		reason_quote(q, *w, *n);
		if (number_parse(*w, *n, &d) == NUMBER_NOT_FINITE)
			return fail(p, "%s: not finite: %s", field, q);
		return fail(p, "%s: not a number: %s", field, q);
	}
	return 0;
}

/* Parse the value at the current position as a finite number and move
 * past it; FIELD names it in a reason (number_word). */
static int parse_number(struct jp *p, const char *field, double *out)
{
	const char *w;
	size_t n;
	if (number_word(p, field, &w, &n) < 0 || number_field(field, w, n, out, p->reason, p->rlen) < 0)
		return -1;
	p->pos += n;
	return 0;
}

/* A date-time string longer than this (a fraction of many digits) is
 * unescaped into memory of its own. */
#define TIME_STRING_MAX 256

/*
 * "t": a JSON number counted in UNIT, or a string holding an RFC 3339
 * date-time, as nanoseconds (ingest/event_time.h, whose reasons these
 * are); move past it.
 */
static int parse_time(struct jp *p, enum tdp_time_unit unit, int64_t *out)
{
	const char *w;
	size_t n;
	enum jkind k = peek_kind(p);
	if (k == J_STRING) {
		char buf[TIME_STRING_MAX], *big = NULL;
		size_t start = p->pos;
		if (parse_string(p, buf, sizeof(buf), &n) < 0)
			return -1;
		w = buf;
		if (n > sizeof(buf)) {
			if (!(big = malloc(n)))
				return fail(p, "t: out of memory for a string of %zu bytes", n);
			p->pos = start;
			parse_string(p, big, n, &n);
			w = big;
		}
		int rc = event_time_parse(w, n, EVENT_TIME_STRING, unit, out, p->reason, p->rlen);
		free(big);
		return rc;
	}
	if (k != J_NUMBER && k != J_NONE)
		return fail(p, "t: expected a number or a string, got %s", kind_name(k));
	if (number_word(p, "t", &w, &n) < 0 ||
	    event_time_parse(w, n, EVENT_TIME_NUMBER, unit, out, p->reason, p->rlen) < 0)
		return -1;
	p->pos += n;
	return 0;
}

/* "v": a number, or a non-empty array of at most TDP_MAX_DIM numbers. */
static int parse_values(struct jp *p, struct tdp_decoded *out)
{
	enum jkind k = peek_kind(p);
	if (k == J_NUMBER || k == J_NONE) {
		if (parse_number(p, "v", &out->v[0]) < 0)
			return -1;
		out->dim = 1;
		return 0;
	}
	if (k != J_ARRAY)
		return fail(p, "v: expected a number or an array of numbers, got %s", kind_name(k));

	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == ']') {
		p->pos++;
		return fail(p, "no values");
	}
	size_t n = 0;
	for (;;) {
		char field[TDP_V_NAME_MAX];
		double d;
		number_v_name(field, n);
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ']')
			return fail(p, "syntax error at byte %zu: trailing comma", p->pos);
		if (parse_number(p, field, &d) < 0)
			return -1;
		if (n < TDP_MAX_DIM)
			out->v[n] = d;
		n++;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == ']') {
			p->pos++;
			break;
		}
		return syntax(p, "',' or ']'");
	}
	if (n > TDP_MAX_DIM)
		return fail(p, "too many values: %zu (at most %d)", n, TDP_MAX_DIM);
	out->dim = (uint16_t)n;
	return 0;
}

/* Decode one JSON Lines record; see decode.h. */
/* Deepest nesting of a value skipped under an ignored key. */
#define SKIP_DEPTH 32

/*
 * Move past the value at the current position (`extra: ignore`): any
 * JSON value, checked as strictly as the rest of the record (a bad
 * number, a control character, a missing bracket are still syntax
 * errors), nested at most SKIP_DEPTH deep.
 */
static int skip_value(struct jp *p, int depth)
{
	char scratch[1];
	size_t n;
	skip_ws(p);
	switch (peek_kind(p)) {
	case J_NONE:
		return syntax(p, "a value");
	case J_STRING:
		return parse_string(p, scratch, 0, &n);
	case J_NULL:
	case J_BOOL:
		p->pos += word_len(p);
		return 0;
	case J_NUMBER: {
		const char *w;
		if (number_word(p, "an ignored key's value", &w, &n) < 0)
			return -1;
		p->pos += n;
		return 0;
	}
	case J_OBJECT:
	case J_ARRAY:
		break;
	}
	bool object = p->s[p->pos] == '{';
	char close = object ? '}' : ']';
	if (depth >= SKIP_DEPTH)
		return fail(p, "an ignored key's value nests deeper than %d", SKIP_DEPTH);
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return 0;
	}
	for (;;) {
		skip_ws(p);
		if (object) {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return syntax(p, "a key string");
			if (parse_string(p, scratch, 0, &n) < 0)
				return -1;
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return syntax(p, "':'");
			p->pos++;
		}
		if (skip_value(p, depth + 1) < 0)
			return -1;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			return 0;
		}
		return syntax(p, object ? "',' or '}'" : "',' or ']'");
	}
}

/* A record is one JSON object: P at its '{', or -1 with the reason
 * (both decoders say the same). */
static int record_start(struct jp *p)
{
	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, "empty record");
	if (p->s[p->pos] != '{') {
		enum jkind k = peek_kind(p);
		if (k == J_NONE || k == J_NUMBER)
			return fail(p, "not a JSON object");
		return fail(p, "expected a JSON object, got %s", kind_name(k));
	}
	return 0;
}

int decode_jsonl(const char *rec, size_t len, enum tdp_time_unit unit, struct tdp_decoded *out,
		 char *reason, size_t rlen)
{
	return decode_jsonl_extra(rec, len, unit, false, out, reason, rlen);
}

int decode_jsonl_extra(const char *rec, size_t len, enum tdp_time_unit unit, bool ignore_extra,
		       struct tdp_decoded *out, char *reason, size_t rlen)
{
	struct jp p = {.s = rec, .len = len, .reason = reason, .rlen = rlen};
	bool seen_stream = false, seen_t = false, seen_v = false;

	memset(out, 0, sizeof(*out));
	if (record_start(&p) < 0)
		return -1;
	p.pos++;
	skip_ws(&p);
	if (p.pos < p.len && p.s[p.pos] == '}') {
		p.pos++;
	} else {
		for (;;) {
			char key[TDP_QUOTE_BYTES + 8];
			size_t klen;
			skip_ws(&p);
			if (p.pos >= p.len || p.s[p.pos] != '"') {
				if (p.pos < p.len && p.s[p.pos] == '}')
					return fail(&p, "syntax error at byte %zu: trailing comma", p.pos);
				return syntax(&p, "a key string");
			}
			if (parse_string(&p, key, sizeof(key), &klen) < 0)
				return -1;
			skip_ws(&p);
			if (p.pos >= p.len || p.s[p.pos] != ':')
				return syntax(&p, "':'");
			p.pos++;
			skip_ws(&p);

			bool *seen;
			if (klen == 6 && !memcmp(key, "stream", 6))
				seen = &seen_stream;
			else if (klen == 1 && key[0] == 't')
				seen = &seen_t;
			else if (klen == 1 && key[0] == 'v')
				seen = &seen_v;
			else
				seen = NULL;
			char q[TDP_QUOTE_MAX];
			reason_quote(q, key, klen < sizeof(key) ? klen : sizeof(key));
			if (!seen) {
				if (!ignore_extra)
					return fail(&p, "unknown key %s", q);
				if (skip_value(&p, 0) < 0)   /* extra: ignore */
					return -1;
			} else if (*seen) {
				return fail(&p, "duplicate key %s", q);
			} else if (seen == &seen_stream) {
				*seen = true;
				enum jkind k = peek_kind(&p);
				char id[TDP_STREAM_NAME_MAX];
				size_t idlen;
				if (k == J_NONE)
					return syntax(&p, "a value");
				if (k != J_STRING)
					return fail(&p, "stream: expected a string, got %s", kind_name(k));
				if (parse_string(&p, id, sizeof(id), &idlen) < 0)
					return -1;
				if (stream_id_set(out->stream, id, idlen, reason, rlen) < 0)
					return -1;
				out->has_stream = true;
			} else if (seen == &seen_t) {
				*seen = true;
				if (parse_time(&p, unit, &out->t) < 0)
					return -1;
				out->has_time = true;
			} else {
				*seen = true;
				if (parse_values(&p, out) < 0)
					return -1;
			}

			skip_ws(&p);
			if (p.pos < p.len && p.s[p.pos] == ',') {
				p.pos++;
				continue;
			}
			if (p.pos < p.len && p.s[p.pos] == '}') {
				p.pos++;
				break;
			}
			return syntax(&p, "',' or '}'");
		}
	}
	skip_ws(&p);
	if (p.pos < p.len)
		return fail(&p, "syntax error at byte %zu: trailing garbage after the object", p.pos);
	if (!seen_v)
		return fail(&p, "missing key \"v\"");
	return 0;
}

/*
 * Configured fields (decode_fields.h): the object at the current position
 * whose keys are PATH (PLEN bytes; 0 at the top) + "." + key, walked
 * once; a value on a configured path is read where it stands, an object
 * on the way to one is walked into, any other key is extra.  SEEN
 * collects the fields found.
 */
static int walk_object(struct jp *p, const struct tdp_source_cfg *src, char *path, size_t plen, int depth,
		       uint32_t *seen, struct tdp_decoded *out)
{
	p->pos++;   /* the '{' */
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == '}') {
		p->pos++;
		return 0;
	}
	for (;;) {
		char key[TDP_FIELD_NAME_MAX];
		size_t klen;
		skip_ws(p);
		if (p->pos >= p->len || p->s[p->pos] != '"') {
			if (p->pos < p->len && p->s[p->pos] == '}')
				return fail(p, "syntax error at byte %zu: trailing comma", p->pos);
			return syntax(p, "a key string");
		}
		if (parse_string(p, key, sizeof(key), &klen) < 0)
			return -1;
		skip_ws(p);
		if (p->pos >= p->len || p->s[p->pos] != ':')
			return syntax(p, "':'");
		p->pos++;
		skip_ws(p);

		/* The key's full path, when it can be a configured one. */
		size_t n = plen + (plen ? 1 : 0) + klen;
		enum field_role role = F_NONE;
		int slot = -1;
		bool fits = klen <= sizeof(key) && n < TDP_FIELD_NAME_MAX;
		/* A key holding a dot is on no dotted path ("a.b" is a in b). */
		if (fits && !memchr(key, '.', klen)) {
			if (plen)
				path[plen] = '.';
			memcpy(path + plen + (plen ? 1 : 0), key, klen);
			path[n] = '\0';
			role = field_role(src, path, n, &slot);
		}
		char q[TDP_QUOTE_MAX];
		if (fits)
			reason_quote(q, path, n);
		else
			reason_quote(q, key, klen < sizeof(key) ? klen : sizeof(key));
		uint32_t bit = field_seen_bit(role, slot);
		if (bit && (*seen & bit))
			return fail(p, "duplicate key %s", q);
		*seen |= bit;
		enum jkind k = peek_kind(p);
		switch (role) {
		case F_PREFIX:
			if (k == J_OBJECT) {
				if (depth >= SKIP_DEPTH)
					return fail(p, "%s nests deeper than %d", q, SKIP_DEPTH);
				if (walk_object(p, src, path, n, depth + 1, seen, out) < 0)
					return -1;
				break;
			}
			__attribute__((fallthrough));   /* not the object on the way: just a key */
		case F_NONE:
			if (src->extra != TDP_EXTRA_IGNORE)
				return fail(p, "unknown key %s", q);
			if (skip_value(p, 0) < 0)
				return -1;
			break;
		case F_STREAM: {
			char id[TDP_STREAM_NAME_MAX];
			size_t idlen;
			if (k == J_NONE)
				return syntax(p, "a value");
			if (k != J_STRING)
				return fail(p, "%s: expected a string, got %s", path, kind_name(k));
			if (parse_string(p, id, sizeof(id), &idlen) < 0 ||
			    stream_id_set(out->stream, id, idlen, p->reason, p->rlen) < 0)
				return -1;
			out->has_stream = true;
			break;
		}
		case F_TIME:
			if (parse_time(p, src->time_unit, &out->t) < 0)
				return -1;
			out->has_time = true;
			break;
		case F_V:
			if (parse_values(p, out) < 0)
				return -1;
			break;
		case F_VALUE:
			if (k == J_NULL) {
				p->pos += 4;
				field_absent(out, slot);
			} else if (parse_number(p, path, &out->v[slot]) < 0) {
				return -1;
			}
			break;
		}
		/* PATH back to this object's. */
		path[plen] = '\0';

		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == '}') {
			p->pos++;
			return 0;
		}
		return syntax(p, "',' or '}'");
	}
}

int decode_jsonl_src(const char *rec, size_t len, const struct tdp_source_cfg *src, struct tdp_decoded *out,
		     char *reason, size_t rlen)
{
	if (!decode_fields_set(src))
		return decode_jsonl_extra(rec, len, src->time_unit, src->extra == TDP_EXTRA_IGNORE, out, reason, rlen);

	struct jp p = {.s = rec, .len = len, .reason = reason, .rlen = rlen};
	char path[TDP_FIELD_NAME_MAX] = "";
	uint32_t seen = 0;
	memset(out, 0, sizeof(*out));
	if (record_start(&p) < 0)
		return -1;
	if (walk_object(&p, src, path, 0, 0, &seen, out) < 0)
		goto bad;
	skip_ws(&p);
	if (p.pos < p.len) {
		fail(&p, "syntax error at byte %zu: trailing garbage after the object", p.pos);
		goto bad;
	}
	if (field_finish(src, seen, out, reason, rlen) < 0)
		goto bad;
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return -1;
}
