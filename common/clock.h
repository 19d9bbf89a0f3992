/*
 * clock.h - monotonic time in nanoseconds (heartbeats, backoff, histograms).
 */
#ifndef TDP_CLOCK_H
#define TDP_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t tdp_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void tdp_sleep_ms(unsigned int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

#endif
