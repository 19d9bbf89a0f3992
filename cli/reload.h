/*
 * reload.h - SIGHUP: read the config file again (tdapipe-run(1), RELOAD).
 *
 * A config that does not load is refused with its file:line:column and
 * the running one stays.  What may change while the pipeline runs is
 * applied at once: the supervisor's settings (heartbeat_timeout, restart
 * limits, backoff, drain_timeout unless --drain-timeout was given) and
 * state.interval.  A change to the source, sinks or scales is refused
 * and said so; the running config stays, and nothing stops.
 */
#ifndef TDP_RELOAD_H
#define TDP_RELOAD_H

#include "cli/supervise.h"

void reload_config(struct supervisor *sv);

#endif
