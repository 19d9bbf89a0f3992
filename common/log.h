/*
 * log.h - one-line diagnostics on stderr, prefixed with the program name
 * and pid so the supervisor's merged stderr stays readable.
 */
#ifndef TDP_LOG_H
#define TDP_LOG_H

#include <stdint.h>

void tdp_log_init(const char *progname);
void tdp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * For lines a sender can cause at any rate (a connection reset, closed,
 * refused): at most one line per second per limiter; the next line that
 * passes says how many were held back.  The counters in the segment, not
 * these lines, are the record of how many there were.
 */
struct tdp_log_limit {
	uint64_t next_ns;
	uint64_t held;
};
void tdp_log_limited(struct tdp_log_limit *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
