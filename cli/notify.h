/*
 * notify.h - the supervisor's messages to systemd (sd_notify(3)).
 *
 * Under a Type=notify unit (contrib/systemd/tdapipe@.service) the
 * supervisor tells systemd when the pipeline is up (READY=1), what it is
 * doing (STATUS=), that it is draining (STOPPING=1), and that its loop
 * still turns (WATCHDOG=1).  Without NOTIFY_SOCKET in the environment
 * nothing is sent and nothing is computed.  tdapipe-run(1), SYSTEMD.
 */
#ifndef TDP_NOTIFY_H
#define TDP_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/supervise.h"

/*
 * One turn of the supervisor's loop at NOW (CLOCK_MONOTONIC ns).  Sends,
 * each at most once: READY=1 the first turn at which every process of the
 * pipeline (ingest, every scale, publish; not the exporter) has been seen
 * running with a heartbeat since its start (it attached the segment and
 * entered its loop) or has finished its input; STOPPING=1 the first turn a
 * drain is under way.  STATUS= when its text changes, at most once per
 * NOTIFY_STATUS_NS unless the phase changed; WATCHDOG=1 every half of
 * WATCHDOG_USEC when sd_watchdog_enabled() says the watchdog is on for
 * this pid.  Only reads SV.
 */
void notify_turn(const struct supervisor *sv, uint64_t now);

#define NOTIFY_STATUS_NS (1000 * NS_PER_MS)

/* How often to send WATCHDOG=1 for a watchdog of USEC microseconds: half
 * of it (systemd's advice), in ns; 0 (never) for 0. */
uint64_t notify_watchdog_period_ns(uint64_t usec);

/* Whether a slot in STATE whose heartbeat is BEAT and last start STARTED
 * (CLOCK_MONOTONIC ns) counts as up for READY=1: running and beaten
 * since its start, or done. */
bool notify_slot_up(uint32_t state, uint64_t beat, uint64_t started);

#endif
