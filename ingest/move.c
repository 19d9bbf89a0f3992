/*
 * move.c - ingest moving to a reload's new segment (move.h).
 */
#include "ingest/move.h"

#include <stdlib.h>
#include <string.h>

#include "common/atomics.h"
#include "common/bell.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "ingest/ingest.h"

/* What ingest derives from the config and the segment, again, for the new
 * one (as ingest_start does at a start). */
static int rederive(struct ingest *in)
{
	struct tdp_child *c = &in->child;
	ingest_read_scales(in);
	streams_fini(&in->streams);
	if (streams_init(&in->streams, &c->seg) < 0)
		return TDP_EXIT_SYSTEM;
	if (join_streams_intern(in) < 0)
		return TDP_EXIT_USAGE;
	in->src.stats = c->slot->conns;
	return 0;
}

int ingest_move_if_asked(struct ingest *in)
{
	struct tdp_child *c = &in->child;
	if (tdp_load_acquire_u32(&c->seg.hdr->move) != TDP_MOVE_PARK)
		return 0;
	if (dead_sink_flush(&in->dead) < 0)
		return TDP_EXIT_SYSTEM;
	tdp_store_release_u32(&c->slot->parked, 1);
	/* Parked: nothing read, nothing written but the heartbeat.  The
	 * supervisor dies with us waiting?  PR_SET_PDEATHSIG ends us too. */
	while (tdp_load_acquire_u32(&c->seg.hdr->move) == TDP_MOVE_PARK) {
		tdp_child_beat(c);
		uint32_t seen = tdp_bell_prepare(&c->slot->bell);
		if (tdp_load_acquire_u32(&c->seg.hdr->move) != TDP_MOVE_PARK)
			tdp_bell_cancel(&c->slot->bell);
		else
			tdp_bell_sleep(&c->slot->bell, seen, 50);
	}
	if (tdp_load_acquire_u32(&c->seg.hdr->move) != TDP_MOVE_GO) {
		tdp_store_release_u32(&c->slot->parked, 0);   /* given up: go on here */
		return 0;
	}
	static struct tdp_child next;
	char instance[TDP_NAME_MAX];
	snprintf(instance, sizeof(instance), "%s", c->cfg.instance);
	int rc = tdp_child_start(&next, instance, NULL, TDP_ROLE_INGEST);
	if (rc)
		return rc;   /* restarted by the supervisor: from the commit */
	tdp_shm_detach(&c->seg);
	*c = next;
	if ((rc = rederive(in)))
		return rc;
	tdp_log("moved to the reloaded segment (%u scales)", c->cfg.nscales);
	return 0;
}
