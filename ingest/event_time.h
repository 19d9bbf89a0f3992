/*
 * event_time.h - a record's event time as integer nanoseconds since the
 * Unix epoch (1970-01-01T00:00:00Z), from the forms a source may write it
 * in: a number in the source's time_unit, or an RFC 3339 date-time.
 * Window arithmetic on the result is exact integer arithmetic.
 *
 * Range.  Every result fits int64_t: from -9223372036854775808 ns
 * (1677-09-21T00:12:43.145224192Z) to 9223372036854775807 ns
 * (2262-04-11T23:47:16.854775807Z), about 292 years either side of 1970.
 * A time outside it is refused ("beyond +-292 years of nanoseconds around
 * 1970"), never wrapped or clamped.
 *
 * Rounding.  Every conversion is exact from the value as written (the
 * decimal digits, or the binary double) and rounds once, to the nearest
 * nanosecond, ties away from zero: 2.5 ns -> 3, -2.5 ns -> -3.  With that
 * tie rule only the first dropped digit decides, so "1.0000000005" s is
 * 1000000001 ns and "1.00000000049999999999" s is 1000000000 ns; no double
 * is ever in between.
 *
 * Numbers (event_time_from_decimal).  The grammar ingest/number.c takes
 * for values: blanks (space, tab) around, an optional sign, digits with an
 * optional decimal point (at least one digit, on either side: "1.", ".5"),
 * an optional exponent e or E, optional sign, digits.  No hex, no inf or
 * nan (refused as "not finite", as number.c does), nothing else.  Any
 * number of digits and any exponent are read exactly: "1e-400" s is 0 ns,
 * "1e400" s is out of range.  -0 is 0.
 *
 * Date-times (event_time_from_rfc3339).  RFC 3339 section 5.6 date-time:
 *     YYYY-MM-DD T HH:MM:SS [.fraction] (Z | +HH:MM | -HH:MM)
 * with blanks around allowed as for numbers, and:
 *   - the separator T, t, or one space (the section 5.6 NOTE lets an
 *     application use a space; CSV exports often do);
 *   - Z or z; offsets -23:59..+23:59, "-00:00" meaning UTC (section 4.3);
 *   - a fraction of any number of digits, rounded to the nearest
 *     nanosecond by the rule above, applied to the whole instant (so a
 *     time before 1970 rounds a tie down, as its number of seconds would);
 *   - months 01-12, days valid for the month, Gregorian leap years
 *     (proleptic, years 0000-9999, though only 1677-2262 fit the range);
 *   - hours 00-23, minutes 00-59, seconds 00-59, and the leap second 60
 *     only when the instant in UTC is 23:59:60 (e.g. 15:59:60-08:00).
 *     No leap-second table is consulted.  Like POSIX time, which has no
 *     name for it, the leap second and every fraction of it map to the
 *     start of the next second, 00:00:00.000000000 of the next UTC day:
 *     times stay in order (never earlier than a time written before it)
 *     and 23:59:60.5Z does not become a later instant such as 00:00:00.5Z.
 *
 * Every function returns 0 and sets *NS, or returns -1, leaves *NS alone
 * and writes a short English reason to REASON (RLEN bytes, NUL-terminated
 * when RLEN > 0) quoting the input, for the record's dead letter:
 *   event time "1e300" s is beyond +-292 years of nanoseconds around 1970
 *   event time "2026-02-30T00:00:00Z": day 30 is not in 2026-02
 */
#ifndef TDP_EVENT_TIME_H
#define TDP_EVENT_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/time_unit.h"

/* S[0..LEN) (need not be NUL-terminated), the decimal text of a number,
 * counted in UNIT. */
int event_time_from_decimal(const char *s, size_t len, enum tdp_time_unit unit,
			    int64_t *ns, char *reason, size_t rlen);

/* T, a binary double counted in UNIT (a msgpack float32 or float64),
 * converted exactly: T is m * 2^e with an integer m < 2^53, m times the
 * unit's power of ten is an exact 128-bit integer, and the shift by e
 * rounds once.  NaN and infinities are refused as "not finite". */
int event_time_from_double(double t, enum tdp_time_unit unit, int64_t *ns,
			   char *reason, size_t rlen);

/* An integer counted in UNIT (a msgpack int or uint): an exact multiply,
 * refused when the product leaves int64_t. */
int event_time_from_int(int64_t t, enum tdp_time_unit unit, int64_t *ns,
			char *reason, size_t rlen);
int event_time_from_uint(uint64_t t, enum tdp_time_unit unit, int64_t *ns,
			 char *reason, size_t rlen);

/* S[0..LEN), an RFC 3339 date-time (see above); the unit does not apply. */
int event_time_from_rfc3339(const char *s, size_t len, int64_t *ns,
			    char *reason, size_t rlen);

/* How the decoder found the time's text. */
enum event_time_form {
	EVENT_TIME_NUMBER,   /* a JSON number's text: decimal, in the unit */
	EVENT_TIME_STRING,   /* a JSON or msgpack string: RFC 3339 */
	EVENT_TIME_FIELD,    /* untyped text (a CSV field): RFC 3339 when it
				contains ':' (which no number can), else
				decimal in the unit */
};

/* The decoders' entry for a time given as text: S[0..LEN) in FORM. */
int event_time_parse(const char *s, size_t len, enum event_time_form form,
		     enum tdp_time_unit unit, int64_t *ns, char *reason, size_t rlen);

#endif
