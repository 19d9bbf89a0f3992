/*
 * plot_json.c - one JSON text as a msgpack_object (cli/plot.h).
 *
 * `tdapipe plot` reads results in either published format; parsing the
 * JSON Lines into the same msgpack_object tree that msgpack_unpack gives
 * lets one reader (cli/plot_read.c) serve both.  Only what results and
 * events hold needs to be right, but any RFC 8259 text parses: objects,
 * arrays, strings with escapes, numbers (integers as msgpack ints when
 * they fit, else float64), true, false, null.  Nesting is bounded.
 */
#include "cli/plot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

struct jp {
	const char *p, *end;
	msgpack_zone *z;
	int depth;
};

static void skip_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool lit(struct jp *j, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return false;
	j->p += n;
	return true;
}

static int hex4(const char *s)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static bool parse_string(struct jp *j, msgpack_object *o)
{
	j->p++; /* the opening quote */
	const char *s = j->p;
	size_t raw = 0;
	while (s + raw < j->end && s[raw] != '"')
		raw += s[raw] == '\\' ? 2 : 1;
	if (s + raw >= j->end)
		return false;
	/* Unescaped text is never longer than its escaped form. */
	char *out = msgpack_zone_malloc(j->z, raw + 1);
	if (!out)
		return false;
	size_t n = 0;
	while (*j->p != '"') {
		char c = *j->p++;
		if ((unsigned char)c < 0x20)
			return false;
		if (c != '\\') {
			out[n++] = c;
			continue;
		}
		c = *j->p++;
		switch (c) {
		case '"': case '\\': case '/': out[n++] = c; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u': {
			if (j->end - j->p < 4)
				return false;
			int cp = hex4(j->p);
			if (cp < 0)
				return false;
			j->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u') {
				int lo = hex4(j->p + 2);
				if (lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					j->p += 6;
				}
			}
			/* \uXXXX takes 6 bytes and gives at most 3; a pair 12 and 4. */
			n += put_utf8(out + n, (unsigned)cp);
			break;
		}
		default:
			return false;
		}
	}
	j->p++;
	out[n] = 0;
	o->type = MSGPACK_OBJECT_STR;
	o->via.str.ptr = out;
	o->via.str.size = (uint32_t)n;
	return true;
}

static bool parse_number(struct jp *j, msgpack_object *o)
{
	const char *s = j->p;
	size_t n = 0;
	bool integral = true;
	while (s + n < j->end && strchr("+-0123456789.eE", s[n])) {
		if (strchr(".eE", s[n]))
			integral = false;
		n++;
	}
	if (n == 0 || n > 63)
		return false;
	char text[64];
	memcpy(text, s, n);
	text[n] = 0;
	char *e;
	errno = 0;
	if (integral) {
		if (text[0] == '-') {
			long long v = strtoll(text, &e, 10);
			if (!*e && !errno) {
				o->type = v < 0 ? MSGPACK_OBJECT_NEGATIVE_INTEGER : MSGPACK_OBJECT_POSITIVE_INTEGER;
				o->via.i64 = v;
				j->p += n;
				return true;
			}
		} else {
			unsigned long long v = strtoull(text, &e, 10);
			if (!*e && !errno) {
				o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
				o->via.u64 = v;
				j->p += n;
				return true;
			}
		}
		errno = 0;
	}
	double d = strtod(text, &e);
	if (*e || e == text)
		return false;
	o->type = MSGPACK_OBJECT_FLOAT64;
	o->via.f64 = d;
	j->p += n;
	return true;
}

static bool parse_value(struct jp *j, msgpack_object *o);

/* Elements of an array or object are gathered in a growing heap array,
 * then copied into the zone once their number is known. */
static bool parse_container(struct jp *j, msgpack_object *o, bool object)
{
	char close = object ? '}' : ']';
	size_t each = object ? sizeof(msgpack_object_kv) : sizeof(msgpack_object);
	size_t n = 0, cap = 0;
	char *items = NULL;
	bool ok = false;
	if (++j->depth > JSON_MAX_DEPTH)
		goto out;
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		ok = true;
		goto out;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			char *grown = realloc(items, cap * each);
			if (!grown)
				goto out;
			items = grown;
		}
		skip_ws(j);
		if (object) {
			msgpack_object_kv *kv = (msgpack_object_kv *)(items + n * each);
			if (j->p >= j->end || *j->p != '"' || !parse_string(j, &kv->key))
				goto out;
			skip_ws(j);
			if (j->p >= j->end || *j->p++ != ':' || !parse_value(j, &kv->val))
				goto out;
		} else if (!parse_value(j, (msgpack_object *)(items + n * each))) {
			goto out;
		}
		n++;
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			ok = true;
			break;
		}
		goto out;
	}
out:
	if (ok) {
		void *kept = NULL;
		if (n) {
			kept = msgpack_zone_malloc(j->z, n * each);
			if (!kept)
				ok = false;
			else
				memcpy(kept, items, n * each);
		}
		if (object) {
			o->type = MSGPACK_OBJECT_MAP;
			o->via.map.size = (uint32_t)n;
			o->via.map.ptr = kept;
		} else {
			o->type = MSGPACK_OBJECT_ARRAY;
			o->via.array.size = (uint32_t)n;
			o->via.array.ptr = kept;
		}
	}
	free(items);
	j->depth--;
	return ok;
}

static bool parse_value(struct jp *j, msgpack_object *o)
{
	skip_ws(j);
	if (j->p >= j->end)
		return false;
	memset(o, 0, sizeof(*o));
	switch (*j->p) {
	case '{': return parse_container(j, o, true);
	case '[': return parse_container(j, o, false);
	case '"': return parse_string(j, o);
	case 't': o->type = MSGPACK_OBJECT_BOOLEAN; o->via.boolean = true; return lit(j, "true");
	case 'f': o->type = MSGPACK_OBJECT_BOOLEAN; return lit(j, "false");
	case 'n': o->type = MSGPACK_OBJECT_NIL; return lit(j, "null");
	default: return parse_number(j, o);
	}
}

bool plot_json_parse(const char *text, size_t len, msgpack_zone *z, msgpack_object *out)
{
	struct jp j = {.p = text, .end = text + len, .z = z};
	if (!parse_value(&j, out))
		return false;
	skip_ws(&j);
	return j.p == j.end;
}
