/*
 * time_unit.h - what a numeric event time counts (a source's time_unit),
 * and event times written back as numbers in it.
 *
 * Inside tdapipe an event time is an int64_t count of nanoseconds since
 * the Unix epoch (ingest/event_time.h reads it).  Results give times back
 * in the source's unit, exactly: the decimal text of ns / 10^k, so a
 * time read as "1765000000.125" s is written as 1765000000.125.
 */
#ifndef TDP_TIME_UNIT_H
#define TDP_TIME_UNIT_H

#include <stddef.h>
#include <stdint.h>

enum tdp_time_unit {
	TDP_TIME_S,    /* seconds, the default */
	TDP_TIME_MS,
	TDP_TIME_US,
	TDP_TIME_NS,
};

/* "s", "ms", "us" or "ns" for UNIT ("?" for anything else). */
const char *time_unit_name(enum tdp_time_unit unit);

/* The unit named by S[0..LEN) ("s", "ms", "us", "ns", exact case): 0 and
 * *UNIT set, or -1. */
int time_unit_from_name(const char *s, size_t len, enum tdp_time_unit *unit);

/* Nanoseconds in one UNIT (10^9, 10^6, 10^3, 1). */
int64_t time_unit_ns(enum tdp_time_unit unit);

/* Longest text time_format writes, with its NUL (a 128-bit value). */
#define TDP_TIME_TEXT_MAX 48

/*
 * NS counted in UNIT as the shortest exact decimal, a valid JSON number:
 * "-1.5", "1765000000.125", "0", "42".  Returns its length.
 */
size_t time_format(char out[TDP_TIME_TEXT_MAX], int64_t ns, enum tdp_time_unit unit);

/* The same for a 128-bit NS: the bounds of windows at the ends of the
 * int64_t range pass it. */
size_t time_format_wide(char out[TDP_TIME_TEXT_MAX], __int128 ns, enum tdp_time_unit unit);

/* NS counted in UNIT as the double nearest to that exact value. */
double time_to_double(int64_t ns, enum tdp_time_unit unit);
double time_to_double_wide(__int128 ns, enum tdp_time_unit unit);

#endif
