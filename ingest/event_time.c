/*
 * event_time.c - event times as int64 nanoseconds since the epoch, from
 * decimal text, doubles, integers and RFC 3339 date-times; the grammar,
 * rounding and range are in event_time.h.  Everything is integer
 * arithmetic on the digits or on the double's mantissa and exponent, so
 * the result is the exact value rounded once.
 */
#include "ingest/event_time.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ingest/number.h"

#define RANGE_WORDS "is beyond ±292 years of nanoseconds around 1970"

/* Nanoseconds per UNIT, and the same as a power of ten. */
static const int64_t unit_ns[] = { 1000000000, 1000000, 1000, 1 };
static const int unit_exp10[] = { 9, 6, 3, 0 };
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The largest magnitude of a result: 2^63 when negative, 2^63 - 1 if not. */
static uint64_t limit(bool neg)
{
	return neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
}

/* MAG (at most limit(NEG)) with its sign, without overflowing. */
static int64_t with_sign(uint64_t mag, bool neg)
{
	if (!neg)
		return (int64_t)mag;
	return mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
}

/*
 * A decimal number as scanned: the digits before and after the point (as
 * one digit string of NI + NF digits), the exponent, the sign.  The
 * exponent stops growing once past EXP_CAP in magnitude (so it stays
 * below 10 * EXP_CAP), far beyond any that changes a result.
 */
struct decimal {
	const char *ip, *fp;
	size_t ni, nf;
	int64_t exp;
	bool neg;
};
#define EXP_CAP 1000000000000000LL

/* The I-th digit of the number's digit string, as a value. */
static int digit_at(const struct decimal *d, size_t i)
{
	return (i < d->ni ? d->ip[i] : d->fp[i - d->ni]) - '0';
}

static size_t scan_digits(const char *s, size_t len, size_t i)
{
	while (i < len && is_digit(s[i]))
		i++;
	return i;
}

/* Scan trimmed S as number.c's grammar (see event_time.h); 0 or -1. */
static int decimal_scan(const char *s, size_t len, struct decimal *d)
{
	size_t i = 0, j;
	d->neg = false;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		d->neg = s[i++] == '-';
	j = scan_digits(s, len, i);
	d->ip = s + i;
	d->ni = j - i;
	i = j;
	d->fp = s + i;
	d->nf = 0;
	if (i < len && s[i] == '.') {
		j = scan_digits(s, len, ++i);
		d->fp = s + i;
		d->nf = j - i;
		i = j;
	}
	if (d->ni + d->nf == 0)
		return -1;
	d->exp = 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		bool eneg = false;
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		j = scan_digits(s, len, i);
		if (j == i)
			return -1;
		for (; i < j; i++)
			if (d->exp < EXP_CAP)
				d->exp = d->exp * 10 + (s[i] - '0');
		if (eneg)
			d->exp = -d->exp;
	}
	return i == len ? 0 : -1;
}

/*
 * The magnitude of D times 10^SHIFT rounded to the nearest integer, ties
 * away from zero, into *MAG; -1 when it exceeds limit(D->neg).  The
 * significant digits are those from the first to the last non-zero one, n
 * of them, worth D' * 10^k; D' * 10^k >= 10^(n-1+k), so n + k > 19 is out
 * of range and otherwise every quantity fits 64 bits.  Rounding away from
 * zero on a tie means a first dropped digit of 5 or more rounds up
 * whatever follows, so no digit after it is read.
 */
static int decimal_round(const struct decimal *d, int shift, uint64_t *mag)
{
	size_t n_all = d->ni + d->nf, f = 0, l = n_all;
	while (f < n_all && digit_at(d, f) == 0)
		f++;
	if (f == n_all) {
		*mag = 0;
		return 0;
	}
	while (digit_at(d, l - 1) == 0)
		l--;
	if (n_all > (size_t)EXP_CAP)
		return -1;   /* a record of a petabyte of digits */
	int64_t n = (int64_t)(l - f);
	int64_t k = d->exp - (int64_t)d->nf + (int64_t)(n_all - l) + shift;
	if (n + k > 19)
		return -1;
	uint64_t m = 0;
	int64_t keep = k >= 0 ? n : n + k;   /* integer digits */
	for (int64_t i = 0; i < keep; i++)
		m = m * 10 + (uint64_t)digit_at(d, f + (size_t)i);
	if (k > 0)
		for (int64_t i = 0; i < k; i++)
			m *= 10;
	else if (keep >= 0 && keep < n && digit_at(d, f + (size_t)keep) >= 5)
		m++;
	if (m > limit(d->neg))
		return -1;
	*mag = m;
	return 0;
}

int event_time_from_decimal(const char *s, size_t len, enum tdp_time_unit unit,
			    int64_t *ns, char *reason, size_t rlen)
{
	number_trim(&s, &len);
	struct decimal d;
	if (decimal_scan(s, len, &d) < 0) {
		double unused;
		/* number.c's words for what it refuses too. */
		if (number_field("event time", s, len, &unused, reason, rlen) == 0) {
			char q[TDP_QUOTE_MAX];
			reason_quote(q, s, len);
			snprintf(reason, rlen, "event time: not a number: %s", q);
		}
		return -1;
	}
	uint64_t mag;
	if (decimal_round(&d, unit_exp10[unit], &mag) < 0) {
		char q[TDP_QUOTE_MAX];
		reason_quote(q, s, len);
		snprintf(reason, rlen, "event time %s %s " RANGE_WORDS, q, time_unit_name(unit));
		return -1;
	}
	*ns = with_sign(mag, d.neg);
	return 0;
}

/*
 * |T| = m * 2^e with m < 2^53 an integer (frexp gives a 53-bit fraction,
 * exact for subnormals too); m * unit_ns < 2^83 is exact in 128 bits, and
 * the one shift by e rounds to nearest, ties away from zero.
 */
int event_time_from_double(double t, enum tdp_time_unit unit, int64_t *ns,
			   char *reason, size_t rlen)
{
	if (!isfinite(t)) {
		snprintf(reason, rlen, "event time: not finite: %g", t);
		return -1;
	}
	bool neg = signbit(t);
	int e;
	double frac = frexp(fabs(t), &e);
	uint64_t m = (uint64_t)ldexp(frac, 53);
	e -= 53;
	unsigned __int128 p = (unsigned __int128)m * (uint64_t)unit_ns[unit];
	if (e >= 0) {
		if (p && (e >= 64 || p > ((unsigned __int128)limit(neg) >> e)))
			goto range;
		p <<= e;
	} else if (-e >= 100) {
		p = 0;   /* p < 2^83, so p / 2^-e < 1/2 */
	} else {
		int sh = -e;
		unsigned __int128 rem = p & (((unsigned __int128)1 << sh) - 1);
		p >>= sh;
		if (rem >= (unsigned __int128)1 << (sh - 1))
			p++;
	}
	if (p > limit(neg))
		goto range;
	*ns = with_sign((uint64_t)p, neg);
	return 0;
range:
	snprintf(reason, rlen, "event time %.17g %s " RANGE_WORDS, t, time_unit_name(unit));
	return -1;
}

int event_time_from_int(int64_t t, enum tdp_time_unit unit, int64_t *ns,
			char *reason, size_t rlen)
{
	int64_t r;
	if (__builtin_mul_overflow(t, unit_ns[unit], &r)) {
		snprintf(reason, rlen, "event time %lld %s " RANGE_WORDS, (long long)t, time_unit_name(unit));
		return -1;
	}
	*ns = r;
	return 0;
}

int event_time_from_uint(uint64_t t, enum tdp_time_unit unit, int64_t *ns,
			 char *reason, size_t rlen)
{
	if (t > (uint64_t)INT64_MAX) {
		snprintf(reason, rlen, "event time %llu %s " RANGE_WORDS, (unsigned long long)t, time_unit_name(unit));
		return -1;
	}
	return event_time_from_int((int64_t)t, unit, ns, reason, rlen);
}

/*
 * Days from 1970-01-01 to Y-M-D in the proleptic Gregorian calendar:
 * Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms",
 * days_from_civil.  Years are counted from March so the leap day ends
 * the year; an era is 400 years, 146097 days.
 */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                                   /* [0, 399] */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* N digits at S as a number, or -1 if any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Shape of a date-time up to the seconds: a digit count or a character. */
static const char rfc3339_shape[] = "4-2-2T2:2:2";

/* Whether S (LEN >= 19 bytes) has the shape YYYY-MM-DDTHH:MM:SS. */
static bool shape_ok(const char *s)
{
	size_t o = 0;
	for (const char *p = rfc3339_shape; *p; p++) {
		if (*p >= '1' && *p <= '9') {
			if (digits(s + o, *p - '0') < 0)
				return false;
			o += (size_t)(*p - '0');
		} else if (*p == 'T') {
			if (s[o] != 'T' && s[o] != 't' && s[o] != ' ')
				return false;
			o++;
		} else if (s[o++] != *p) {
			return false;
		}
	}
	return true;
}

/*
 * REASON = "event time " S quoted, then FMT: the quote is made only for a
 * reason, not for every good time.  Returns -1.
 */
static int __attribute__((format(printf, 5, 6)))
rfc3339_fail(char *reason, size_t rlen, const char *s, size_t len, const char *fmt, ...)
{
	char q[TDP_QUOTE_MAX];
	reason_quote(q, s, len);
	int n = snprintf(reason, rlen, "event time %s", q);
	if (n >= 0 && (size_t)n < rlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(reason + n, rlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int event_time_from_rfc3339(const char *s, size_t len, int64_t *ns,
			    char *reason, size_t rlen)
{
	number_trim(&s, &len);
	if (len < 20 || !shape_ok(s))
		goto shape;
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);

	size_t i = 19, frac = 0, nfrac = 0;
	if (s[i] == '.') {
		frac = ++i;
		i = scan_digits(s, len, i);
		nfrac = i - frac;
		if (nfrac == 0)
			goto shape;
	}
	int off = 0;   /* minutes east of UTC */
	if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z')) {
		off = 0;
	} else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
		int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
		if (oh < 0 || om < 0)
			goto shape;
		if (oh > 23 || om > 59)
			return rfc3339_fail(reason, rlen, s, len, ": offset %.6s is not within ±23:59", s + i);
		off = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
	} else {
		goto shape;
	}

	if (mo < 1 || mo > 12)
		return rfc3339_fail(reason, rlen, s, len, ": month %02d is not 01-12", mo);
	if (d < 1 || d > days_in_month(y, mo))
		return rfc3339_fail(reason, rlen, s, len, ": day %02d is not in %04d-%02d", d, y, mo);
	if (h > 23 || mi > 59 || sec > 60)
		return rfc3339_fail(reason, rlen, s, len, ": %s %02d is not 00-%d",
				    h > 23 ? "hour" : mi > 59 ? "minute" : "second",
				    h > 23 ? h : mi > 59 ? mi : sec, h > 23 ? 23 : 59);
	/* A leap second is 23:59:60 in UTC; it and its fractions are the
	 * next second's start (event_time.h), which is what SEC = 60 counts
	 * to when the fraction is dropped. */
	bool leap = sec == 60;
	if (leap && ((h * 60 + mi - off) % 1440 + 1440) % 1440 != 1439)
		return rfc3339_fail(reason, rlen, s, len, ": second 60 is a leap second only at 23:59:60 UTC");

	int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off * 60;
	int64_t sub = 0;
	int first_dropped = 0;
	bool sticky = false;   /* a non-zero digit after the first dropped one */
	if (!leap)
		for (size_t k = 0; k < nfrac; k++) {
			int v = s[frac + k] - '0';
			if (k < 9)
				sub = sub * 10 + v;
			else if (k == 9)
				first_dropped = v;
			else if (v)
				sticky = true;
		}
	for (size_t k = leap ? 0 : nfrac; k < 9; k++)
		sub *= 10;
	/* secs * 10^9 may leave int64 while the sum does not (near the
	 * lower end), so the sum is taken in 128 bits (|secs| < 2^39). */
	__int128 t = (__int128)secs * 1000000000 + sub;
	/* T + 0.f: nearest, a tie away from zero, i.e. down when T < 0. */
	if (first_dropped > 5 || (first_dropped == 5 && (sticky || t >= 0)))
		t++;
	if (t < INT64_MIN || t > INT64_MAX)
		goto range;
	*ns = (int64_t)t;
	return 0;
range:
	return rfc3339_fail(reason, rlen, s, len, " " RANGE_WORDS);
shape:
	return rfc3339_fail(reason, rlen, s, len, ": not an RFC 3339 date-time "
			    "(YYYY-MM-DDTHH:MM:SS[.frac] then Z or ±HH:MM)");
}

int event_time_parse(const char *s, size_t len, enum event_time_form form,
		     enum tdp_time_unit unit, int64_t *ns, char *reason, size_t rlen)
{
	if (form == EVENT_TIME_STRING || (form == EVENT_TIME_FIELD && memchr(s, ':', len)))
		return event_time_from_rfc3339(s, len, ns, reason, rlen);
	return event_time_from_decimal(s, len, unit, ns, reason, rlen);
}
