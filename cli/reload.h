/*
 * reload.h - SIGHUP: read the config file again (tdapipe-run(1), RELOAD).
 *
 * A config that does not load is refused with its file:line:column and
 * the running one stays.  What may change while the pipeline runs is
 * applied at once: the supervisor's settings (heartbeat_timeout, restart
 * limits, backoff, drain_timeout unless --drain-timeout was given) and
 * state.interval.  Scales added, removed or changed are applied by
 * reload_scales (cli/reload_apply.c): the scales kept go on in the same
 * processes.  A change to the source, the sinks or the other sections is
 * refused and said so; the running config stays, and nothing stops.
 */
#ifndef TDP_RELOAD_H
#define TDP_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/supervise.h"

void reload_config(struct supervisor *sv);

/* Apply NEXT (parsed from TEXT, TEXTLEN bytes), which differs from the
 * running config in its scales alone.  RUNNING: the pipeline runs (a
 * SIGHUP), and what is new is started; else (a checkpoint restored at
 * start into another config's scales) nothing runs and nothing is
 * started.  0; or -errno, logged, and the running config stays. */
int reload_scales(struct supervisor *sv, const struct tdp_config *next, const char *text, size_t textlen,
		  bool running);

#endif
