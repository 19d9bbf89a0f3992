/*
 * json_read.c - the strict JSON reader of the fuzz harnesses; see
 * json_read.h.  Recursive descent, depth bounded, every allocation
 * checked (a failure is an abort: harness inputs are small).
 */
#include "tests/fuzz/json_read.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JR_MAX_DEPTH 64

struct jr {
	const unsigned char *s;
	size_t len, pos;
	int depth;
};

static void *jr_alloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

/* Length of the UTF-8 character at S (N bytes left), 0 if invalid. */
static size_t utf8_char(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp, min;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) { len = 2; cp = s[0] & 0x1fu; min = 0x80; }
	else if ((s[0] & 0xf0) == 0xe0) { len = 3; cp = s[0] & 0x0fu; min = 0x800; }
	else if (s[0] >= 0xf0 && s[0] <= 0xf4) { len = 4; cp = s[0] & 0x07u; min = 0x10000; }
	else return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool jr_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_char(s + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

static void ws(struct jr *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static bool lit(struct jr *p, const char *w)
{
	size_t n = strlen(w);
	if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n))
		return false;
	p->pos += n;
	return true;
}

static int hex4(const unsigned char *s, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9') v |= c - '0';
		else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10u;
		else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10u;
		else return -1;
	}
	*out = v;
	return 0;
}

static void put(struct jr_value *v, size_t *cap, const void *b, size_t n)
{
	if (v->slen + n + 1 > *cap) {
		*cap = 2 * (v->slen + n + 1);
		v->str = jr_alloc(v->str, *cap);
	}
	memcpy(v->str + v->slen, b, n);
	v->slen += n;
	v->str[v->slen] = '\0';
}

static bool string(struct jr *p, struct jr_value *v)
{
	size_t cap = 0;
	v->kind = JR_STRING;
	put(v, &cap, "", 0);
	p->pos++;   /* the quote */
	while (p->pos < p->len) {
		unsigned char c = p->s[p->pos];
		if (c == '"') {
			p->pos++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c != '\\') {
			size_t n = utf8_char(p->s + p->pos, p->len - p->pos);
			if (!n)
				return false;
			put(v, &cap, p->s + p->pos, n);
			p->pos += n;
			continue;
		}
		if (p->len - p->pos < 2)
			return false;
		char e = (char)p->s[p->pos + 1], o;
		p->pos += 2;
		switch (e) {
		case '"': o = '"'; break;
		case '\\': o = '\\'; break;
		case '/': o = '/'; break;
		case 'b': o = '\b'; break;
		case 'f': o = '\f'; break;
		case 'n': o = '\n'; break;
		case 'r': o = '\r'; break;
		case 't': o = '\t'; break;
		case 'u': o = 0; break;
		default: return false;
		}
		if (e != 'u') {
			put(v, &cap, &o, 1);
			continue;
		}
		uint32_t cp, lo;
		if (p->len - p->pos < 4 || hex4(p->s + p->pos, &cp))
			return false;
		p->pos += 4;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return false;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (p->len - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
			    hex4(p->s + p->pos + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
				return false;
			p->pos += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		unsigned char u[4];
		size_t n;
		if (cp < 0x80) { u[0] = (unsigned char)cp; n = 1; }
		else if (cp < 0x800) { u[0] = 0xc0 | cp >> 6; u[1] = 0x80 | (cp & 0x3f); n = 2; }
		else if (cp < 0x10000) {
			u[0] = 0xe0 | cp >> 12; u[1] = 0x80 | (cp >> 6 & 0x3f); u[2] = 0x80 | (cp & 0x3f); n = 3;
		} else {
			u[0] = 0xf0 | cp >> 18; u[1] = 0x80 | (cp >> 12 & 0x3f);
			u[2] = 0x80 | (cp >> 6 & 0x3f); u[3] = 0x80 | (cp & 0x3f); n = 4;
		}
		put(v, &cap, u, n);
	}
	return false;
}

#define DIGIT() (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')

static bool number(struct jr *p, struct jr_value *v)
{
	size_t start = p->pos;
	v->kind = JR_NUMBER;
	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0')
		p->pos++;
	else if (DIGIT())
		while (DIGIT())
			p->pos++;
	else
		return false;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (!DIGIT())
			return false;
		while (DIGIT())
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (!DIGIT())
			return false;
		while (DIGIT())
			p->pos++;
	}
	v->text = (const char *)p->s + start;
	v->tlen = p->pos - start;
	return true;
}

static bool value(struct jr *p, struct jr_value *v);

/* An array or object: CLOSE ends it, OBJECT says members are key: value. */
static bool container(struct jr *p, struct jr_value *v, char close, bool object)
{
	size_t cap = 0, per = object ? 2 : 1;
	v->kind = object ? JR_OBJECT : JR_ARRAY;
	if (++p->depth > JR_MAX_DEPTH)
		return false;
	p->pos++;
	ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		p->depth--;
		return true;
	}
	for (;;) {
		if ((v->n + 1) * per > cap) {
			cap = 2 * (v->n + 1) * per;
			v->items = jr_alloc(v->items, cap * sizeof(*v->items));
		}
		struct jr_value *it = &v->items[v->n * per];
		memset(it, 0, per * sizeof(*it));
		v->n++;
		ws(p);
		if (object) {
			if (p->pos >= p->len || p->s[p->pos] != '"' || !string(p, it))
				return false;
			ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return false;
			p->pos++;
			ws(p);
			it++;
		}
		if (!value(p, it))
			return false;
		ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			p->depth--;
			return true;
		}
		return false;
	}
}

static bool value(struct jr *p, struct jr_value *v)
{
	if (p->pos >= p->len)
		return false;
	switch (p->s[p->pos]) {
	case '"': return string(p, v);
	case '[': return container(p, v, ']', false);
	case '{': return container(p, v, '}', true);
	case 't': v->kind = JR_BOOL; v->b = true; return lit(p, "true");
	case 'f': v->kind = JR_BOOL; return lit(p, "false");
	case 'n': v->kind = JR_NULL; return lit(p, "null");
	default: return number(p, v);
	}
}

static void jr_clear(struct jr_value *v)
{
	size_t items = v->kind == JR_OBJECT ? 2 * v->n : v->kind == JR_ARRAY ? v->n : 0;
	for (size_t i = 0; i < items; i++)
		jr_clear(&v->items[i]);
	free(v->items);
	free(v->str);
}

struct jr_value *jr_parse(const char *s, size_t len)
{
	struct jr p = {.s = (const unsigned char *)s, .len = len};
	struct jr_value *v = jr_alloc(NULL, sizeof(*v));
	memset(v, 0, sizeof(*v));
	ws(&p);
	bool ok = value(&p, v);
	ws(&p);
	if (!ok || p.pos != len) {
		jr_free(v);
		return NULL;
	}
	return v;
}

void jr_free(struct jr_value *v)
{
	if (!v)
		return;
	jr_clear(v);
	free(v);
}

const struct jr_value *jr_get(const struct jr_value *o, const char *key)
{
	if (!o || o->kind != JR_OBJECT)
		return NULL;
	size_t klen = strlen(key);
	for (size_t i = 0; i < o->n; i++)
		if (o->items[2 * i].slen == klen && !memcmp(o->items[2 * i].str, key, klen))
			return &o->items[2 * i + 1];
	return NULL;
}
