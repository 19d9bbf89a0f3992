/*
 * preflight.h - what `check-config` and `run` check in the environment
 * before anything starts (tdapipe(1), tdapipe-run(1)).
 */
#ifndef TDP_PREFLIGHT_H
#define TDP_PREFLIGHT_H

struct tdp_config;

/* How a failure is said: check-config prints it, run logs it. */
typedef void tdp_preflight_say_fn(const char *line);

/*
 * Check that CFG can start here: the file source readable, the output
 * directories there, the listen addresses free, the Kafka brokers
 * resolvable (at most 2 s in all).  Every failure is said through SAY as
 * "FILE: KEY: VALUE: REASON (what to do)".  Nothing is created, truncated
 * or connected to.  Returns 0, TDP_EXIT_USAGE when some failure needs the
 * config or the filesystem changed, else TDP_EXIT_SYSTEM (a failure that
 * may go away by itself: a port in use, a missing file or directory, a
 * name server that did not answer).
 */
int tdp_preflight(const struct tdp_config *cfg, tdp_preflight_say_fn *say);

#endif
