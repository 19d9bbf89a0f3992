/*
 * prev_diagram.h - each stream's previous diagram, kept in the segment
 * for the distances of scales that ask for them (issue 19).
 *
 * A stream's store ends with two slots of tdp_scale_max_intervals()
 * intervals (common/shm.h, tdp_scale_prev_off).  Its committed state
 * (struct tdp_wstate_body: prev_set, prev_slot, prev_mask, prev_count)
 * says which slot holds the last window emitted.  Emitting window k
 * computes its distances against that slot, writes k's diagrams into the
 * other one and points the process's copy of the state at it; the commit
 * that moves next_window past k (count_windows.c, time_windows.c) switches
 * both at once.  A worker killed between the emit and that commit leaves
 * k's result in the arena, which the out-ring's last descriptor names:
 * its successor copies k's diagrams from there (scaled_prev_recover), so
 * the next window's distances are the same bytes as in an undisturbed
 * run (ARCHITECTURE.md, invariants 2 and 3).
 */
#ifndef TDP_PREV_DIAGRAM_H
#define TDP_PREV_DIAGRAM_H

#include <stdbool.h>

#include "scaled/diagram.h"
#include "scaled/scaled.h"

/* Stream I's previous window as of w->st[i] into *V; false when there is none. */
bool scaled_prev_view(struct scaled *w, uint32_t i, struct diagram_view *v);

/* Keep R's diagrams as its stream's previous window in w->st (committed
 * by the caller's next scaled_commit of the stream). */
void scaled_prev_keep(struct scaled *w, const struct tdp_result *r);

/* At start: the result the out-ring's last descriptor D names was
 * emitted but not committed; keep its diagrams (the block in the arena,
 * checked before its counts size a copy; one that does not check out is
 * logged and left). */
void scaled_prev_recover(struct scaled *w, const struct tdp_result_desc *d);

#endif
