/*
 * number.c - finite decimal numbers, stream ids and quoted input for the
 * record decoders (csv, jsonl, msgpack), so that all of them accept and
 * reject exactly the same values and say so in the same words.
 */
#include "ingest/number.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/json.h"
#include "common/parse_double.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

void number_trim(const char **s, size_t *len)
{
	while (*len && is_blank((*s)[0])) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_blank((*s)[*len - 1]))
		(*len)--;
}

/*
 * Whether S[0..LEN), already trimmed, spells a non-finite value strtod
 * would accept: an optional sign, then nan, nan(chars), inf or infinity in
 * any case.  Such input is "not finite" rather than "not a number", which
 * is what a user who wrote NaN wants to read.
 */
static bool spells_non_finite(const char *s, size_t len)
{
	if (len && (s[0] == '+' || s[0] == '-')) {
		s++;
		len--;
	}
	if (len == 3 && (!strncasecmp(s, "nan", 3) || !strncasecmp(s, "inf", 3)))
		return true;
	if (len == 8 && !strncasecmp(s, "infinity", 8))
		return true;
	return len > 4 && !strncasecmp(s, "nan(", 4) && s[len - 1] == ')';
}

/*
 * Parse a finite decimal number; see number.h.  Only [0-9+-.eE] may occur,
 * which keeps out what strtod would also take (hex floats, nan, inf) but a
 * data file almost certainly did not mean as a number.  The whole trimmed
 * field must be consumed, and overflow to +-inf is "not finite"; underflow
 * to zero or a subnormal is accepted, the nearest double being the value.
 * tdp_parse_double reads exactly what strtod reads whole over that
 * alphabet, to the same bits (common/parse_double.c).
 */
enum number_status number_parse(const char *s, size_t len, double *out)
{
	number_trim(&s, &len);
	if (len == 0)
		return NUMBER_EMPTY;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E'))
			return spells_non_finite(s, len) ? NUMBER_NOT_FINITE : NUMBER_NOT_NUMBER;
	}
	double d;
	if (tdp_parse_double(s, len, &d) < 0)
		return NUMBER_NOT_NUMBER;
	if (!isfinite(d))
		return NUMBER_NOT_FINITE;
	*out = d;
	return NUMBER_OK;
}

/* Write FIELD's reason for status ST about S[0..LEN). */
static void number_reason(const char *field, enum number_status st, const char *s, size_t len,
			  char *reason, size_t rlen)
{
	/* Quote what was looked at, i.e. without the blanks around it. */
	number_trim(&s, &len);
	char q[TDP_QUOTE_MAX];
	reason_quote(q, s, len);
	if (st == NUMBER_EMPTY)
		snprintf(reason, rlen, "%s: empty", field);
	else if (st == NUMBER_NOT_FINITE)
		snprintf(reason, rlen, "%s: not finite: %s", field, q);
	else
		snprintf(reason, rlen, "%s: not a number: %s", field, q);
}

/* number_parse with a reason naming FIELD; see number.h. */
int number_field(const char *field, const char *s, size_t len, double *out,
		 char *reason, size_t rlen)
{
	enum number_status st = number_parse(s, len, out);
	if (st == NUMBER_OK)
		return 0;
	number_reason(field, st, s, len, reason, rlen);
	return -1;
}

/* number_field with the field's name printed only on failure; see number.h. */
int number_fieldf(const char *s, size_t len, double *out, char *reason, size_t rlen,
		  const char *fmt, ...)
{
	enum number_status st = number_parse(s, len, out);
	if (st == NUMBER_OK)
		return 0;
	char field[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(field, sizeof(field), fmt, ap);
	va_end(ap);
	number_reason(field, st, s, len, reason, rlen);
	return -1;
}

/* "v[I]" without printf; see number.h. */
void number_v_name(char out[TDP_V_NAME_MAX], unsigned long i)
{
	char rev[20];
	int n = 0;
	do {
		rev[n++] = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	int o = 0;
	out[o++] = 'v';
	out[o++] = '[';
	while (n)
		out[o++] = rev[--n];
	out[o++] = ']';
	out[o] = '\0';
}

/* Quote bad input for a reason; see number.h. */
void reason_quote(char out[TDP_QUOTE_MAX], const char *s, size_t len)
{
	size_t n = len;
	bool cut = false;
	if (n > TDP_QUOTE_BYTES) {
		n = TDP_QUOTE_BYTES;
		/* Back off over continuation bytes so a character is not split. */
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		if (n == 0)
			n = TDP_QUOTE_BYTES;   /* not UTF-8 anyway */
		cut = true;
	}
	size_t o = 0;
	out[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[o++] = '"';
	if (cut) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* Check and copy a stream id; see number.h. */
int stream_id_set(char out[TDP_STREAM_NAME_MAX], const char *s, size_t len,
		  char *reason, size_t rlen)
{
	if (len == 0) {
		snprintf(reason, rlen, "stream id empty");
		return -1;
	}
	if (len > TDP_STREAM_NAME_MAX - 1) {
		snprintf(reason, rlen, "stream id longer than %d bytes", TDP_STREAM_NAME_MAX - 1);
		return -1;
	}
	/* A NUL would silently cut the id short everywhere it is used as a C string. */
	if (memchr(s, '\0', len)) {
		snprintf(reason, rlen, "stream id contains a NUL byte");
		return -1;
	}
	/* Ids are names in results, topics and keys: text, one way to write
	 * each.  Bytes that are not UTF-8 could only be written escaped, and
	 * "\xff" would then read as the id "\xc3\xbf" ("ÿ"). */
	size_t bad = tdp_utf8_check(s, len);
	if (bad < len) {
		snprintf(reason, rlen, "stream id is not valid UTF-8 (byte 0x%02x at %zu)", (unsigned char)s[bad], bad);
		return -1;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}
