#include "common/json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/shortest.h"

/* Length of a valid UTF-8 sequence starting at S (at most N bytes), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0) { len = 2; cp = s[0] & 0x1F; }
	else if ((s[0] & 0xF0) == 0xE0) { len = 3; cp = s[0] & 0x0F; }
	else if ((s[0] & 0xF8) == 0xF0) { len = 4; cp = s[0] & 0x07; }
	else return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* reject overlong forms, surrogates and out-of-range code points */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return len;
}

size_t tdp_utf8_check(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		size_t n = utf8_seq_len(s + i, len - i);
		if (!n)
			return i;
		i += n;
	}
	return len;
}

void tdp_json_string(struct tdp_buf *b, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	tdp_buf_putc(b, '"');
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			tdp_buf_putc(b, '\\');
			tdp_buf_putc(b, (char)c);
			i++;
		} else if (c < 0x20) {
			const char *esc = NULL;
			switch (c) {
			case '\n': esc = "\\n"; break;
			case '\r': esc = "\\r"; break;
			case '\t': esc = "\\t"; break;
			case '\b': esc = "\\b"; break;
			case '\f': esc = "\\f"; break;
			}
			if (esc) {
				tdp_buf_puts(b, esc);
			} else {
				char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
				tdp_buf_append(b, u, 6);
			}
			i++;
		} else {
			size_t n = utf8_seq_len(s + i, len - i);
			if (n == 0) {
				char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
				tdp_buf_append(b, u, 6);
				i++;
			} else {
				tdp_buf_append(b, s + i, n);
				i += n;
			}
		}
	}
	tdp_buf_putc(b, '"');
}

/*
 * The former way, kept for TDP_GLIBC_NUMBERS builds and as the reference
 * of the tests and the benchmark: glibc's correctly rounded printf and
 * strtod searching the precision.  Slow (several calls a number) and, at
 * the few doubles just above a power of two whose rounding interval is
 * lopsided, one digit longer than the shortest: the closest P-digit
 * decimal falls outside the narrow lower half while another P-digit one
 * is inside, so %.Pg fails and P+1 is chosen.
 */
size_t tdp_format_double_glibc(char *out, double x)
{
	if (isnan(x))
		return (size_t)sprintf(out, "nan");
	if (isinf(x))
		return (size_t)sprintf(out, x > 0 ? "inf" : "-inf");
	/* Shortest precision that round-trips.  17 always does, and a
	 * precision that round-trips makes every larger one round-trip too
	 * (glibc printf rounds correctly), so binary search over 1..17. */
	int lo = 1, hi = 17;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		/* the return value is used so gcc knows truncation is handled:
		 * %.17g of a double never exceeds 24 bytes */
		if (snprintf(out, 32, "%.*g", mid, x) < 32 && strtod(out, NULL) == x)
			hi = mid;
		else
			lo = mid + 1;
	}
	int len = snprintf(out, 32, "%.*g", lo, x);
	/* %.Pg switches to an exponent once the exponent reaches P, so the
	 * shortest precision alone turns 30 into "3e+01" and 1.7e12 (an epoch
	 * in ms) into "1.7e+12".  Lay the same digits out as %.17g would:
	 * without an exponent for magnitudes 1 <= |x| < 1e17.  The value (and
	 * so the round trip) is unchanged: only zeros are added. */
	const char *e = strchr(out, 'e');
	int exp10 = e ? atoi(e + 1) : -1;
	if (exp10 >= 0 && exp10 < 17) {
		char tmp[32];
		int n = 0, digits = 0;
		for (const char *c = out; c < e; c++) {
			if (*c == '.')
				continue;
			digits += *c != '-';
			tmp[n++] = *c;
		}
		/* %g drops trailing zeros, so digits <= lo <= exp10 + 1 */
		while (digits++ <= exp10)
			tmp[n++] = '0';
		memcpy(out, tmp, (size_t)n);
		out[n] = '\0';
		len = n;
	}
	return (size_t)len;
}

#ifdef TDP_GLIBC_NUMBERS
size_t tdp_format_double(char *out, double x)
{
	return tdp_format_double_glibc(out, x);
}
#else
/*
 * The digits of tdp_shortest() laid out exactly as the glibc search above
 * lays out the same digits, so outputs so far keep their bytes: %.Ng of
 * the N digits (an exponent below -4 or from N up, of at least two digits
 * with a sign; no trailing zeros or '.'), then exponents 0..16 written out
 * with zeros.  So: an exponent only below -4 or from 17 up.
 */
static size_t format_shortest(char *out, double x)
{
	char d[18];
	int e;
	char *p = out;
	if (signbit(x))
		*p++ = '-';
	if (x == 0) {
		*p++ = '0';
		*p = '\0';
		return (size_t)(p - out);
	}
	int n = tdp_shortest(x, d, &e);
	int x10 = e - 1;	/* the exponent of d.ddd * 10^x10 */
	if (x10 < -4 || x10 >= 17) {
		*p++ = d[0];
		if (n > 1) {
			*p++ = '.';
			memcpy(p, d + 1, (size_t)n - 1);
			p += n - 1;
		}
		*p++ = 'e';
		*p++ = x10 < 0 ? '-' : '+';
		int a = x10 < 0 ? -x10 : x10;
		if (a >= 100)
			*p++ = (char)('0' + a / 100);
		*p++ = (char)('0' + a / 10 % 10);
		*p++ = (char)('0' + a % 10);
	} else if (x10 < 0) {
		*p++ = '0';
		*p++ = '.';
		for (int i = -1; i > x10; i--)
			*p++ = '0';
		memcpy(p, d, (size_t)n);
		p += n;
	} else if (x10 < n - 1) {
		memcpy(p, d, (size_t)x10 + 1);
		p += x10 + 1;
		*p++ = '.';
		memcpy(p, d + x10 + 1, (size_t)(n - x10 - 1));
		p += n - x10 - 1;
	} else {
		memcpy(p, d, (size_t)n);
		p += n;
		for (int i = n; i <= x10; i++)
			*p++ = '0';
	}
	*p = '\0';
	return (size_t)(p - out);
}

size_t tdp_format_double(char *out, double x)
{
	if (isnan(x))
		return (size_t)sprintf(out, "nan");
	if (isinf(x))
		return (size_t)sprintf(out, x > 0 ? "inf" : "-inf");
	return format_shortest(out, x);
}
#endif

/*
 * Formatting is the hot spot of publish, even at ~40 ns a number
 * (common/shortest.c and the layout above).  But consecutive windows
 * overlap, so the same values (a sublevel diagram's births and deaths are
 * input values; Rips deaths are distances that recur while their points
 * stay in the window; features' zeros) are printed over and over.  A
 * small direct-mapped cache keyed by the double's bits removes most of
 * that work (without it, publish of the sublevel 1000/100 bench with
 * landscapes took a quarter longer); it is per thread, so no locking,
 * and bounded (256 KiB).
 */
#define FMT_CACHE_BITS 13
#define FMT_CACHE_SLOTS (1u << FMT_CACHE_BITS)
struct fmt_cache_slot {
	uint64_t bits;
	uint8_t len;    /* 0 = empty */
	char text[23];
};
static __thread struct fmt_cache_slot *fmt_cache;

void tdp_json_double(struct tdp_buf *b, double x)
{
	if (!isfinite(x)) {
		tdp_buf_puts(b, "null");
		return;
	}
	uint64_t bits;
	memcpy(&bits, &x, sizeof(bits));
	if (!fmt_cache)
		fmt_cache = calloc(FMT_CACHE_SLOTS, sizeof(*fmt_cache));
	struct fmt_cache_slot *slot = NULL;
	if (fmt_cache) {
		uint64_t h = bits * 0x9E3779B97F4A7C15ull;
		slot = &fmt_cache[h >> (64 - FMT_CACHE_BITS)];
		if (slot->len && slot->bits == bits) {
			tdp_buf_append(b, slot->text, slot->len);
			return;
		}
	}
	char tmp[32];
	size_t n = tdp_format_double(tmp, x);
	if (slot && n <= sizeof(slot->text)) {
		slot->bits = bits;
		slot->len = (uint8_t)n;
		memcpy(slot->text, tmp, n);
	}
	tdp_buf_append(b, tmp, n);
}
