/*
 * move.h - ingest moving to a reload's new segment without exiting
 * (cli/reload_apply.c).
 *
 * A sender over stdin, TCP or UDP cannot be read again: the bytes ingest
 * has read but not yet cut into whole records (a line's first half) exist
 * only in its memory, and a killed ingest would lose them.  So for those
 * sources a reload does not kill ingest: it asks it to park (hdr->move =
 * TDP_MOVE_PARK) between two chunks, where everything stamped is committed
 * and only the framers hold bytes; ingest says it is parked
 * (proc.parked), reads nothing more, and waits for TDP_MOVE_GO: then it
 * attaches the new segment under the instance's name and goes on with the
 * same source, connections and framers.  Its commit, stream table and
 * counters were carried into the new segment while it was parked.
 */
#ifndef TDP_INGEST_MOVE_H
#define TDP_INGEST_MOVE_H

#include <stdbool.h>

#include "common/config.h"

struct ingest;

/* Whether ingest reading SRC with dead letters to DEAD moves in place at
 * a reload (else it is killed and restarted, reading again from its
 * commit): a source that cannot be read again, and dead letters not to
 * Kafka (whose client keeps a pointer into the segment). */
static inline bool ingest_moves(const struct tdp_source_cfg *src, const struct tdp_sink_cfg *dead)
{
	return (src->type == TDP_SRC_STDIN || src->type == TDP_SRC_TCP || src->type == TDP_SRC_UDP) &&
	       dead->type != TDP_SINK_KAFKA;
}

/* Called between chunks, all stamped committed: when a reload asks, park,
 * wait for the new segment and move to it.  0 (moved, or nothing asked),
 * or an exit code after logging. */
int ingest_move_if_asked(struct ingest *in);

#endif
