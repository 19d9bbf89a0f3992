/*
 * wallclock.h - wall time (CLOCK_REALTIME) and its RFC 3339 text, for
 * what a person or a log collector reads: log lines, the time of a
 * `tdapipe stats` reading.  Never used to order or measure anything
 * (that is clock.h's monotonic time).
 */
#ifndef TDP_WALLCLOCK_H
#define TDP_WALLCLOCK_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define TDP_RFC3339_LEN 64   /* room for "2026-12-06T19:40:02.123Z" and any year */

/* Now, in ns since the Unix epoch. */
static inline int64_t tdp_wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* NS (since the epoch, >= 0) as RFC 3339 UTC with milliseconds, truncated
 * ("2026-12-06T19:40:02.123Z"), into OUT; returns OUT. */
static inline const char *tdp_rfc3339_ms(char out[TDP_RFC3339_LEN], int64_t ns)
{
	if (ns < 0)
		ns = 0;
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&s, &tm);
	snprintf(out, TDP_RFC3339_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ns / 1000000 % 1000));
	return out;
}

#endif
