/*
 * tdapipe-publish - drain every scale's results, encode, write the sink.
 *
 * Results are read in place from each scale's arena, encoded (JSON Lines or
 * msgpack) into the writer's buffer, and only then released back to the
 * scale.  Writes go through io_uring with one write in flight while the
 * next buffer fills.  A result whose id (stream, scale, window) was already
 * published - a restarted worker re-emitting - is dropped and counted.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bell.h"
#include "common/child.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "common/ring.h"
#include "common/uring_io.h"
#include "publish/encode.h"

#define BATCH 64
#define KICK_BYTES (256u << 10)
#define MAX_PENDING (4u << 20)

static const char usage[] =
	"usage: tdapipe-publish --instance NAME\n"
	"Started by `tdapipe run`; writes the results of every scale to the sink.\n";

struct publish {
	struct tdp_child child;
	struct tdp_writer out;
	int64_t *last_window;   /* [scale * max_streams + stream], -1 = none yet */
};

static bool scale_finished(const struct publish *p, uint32_t s)
{
	const struct tdp_proc *w = tdp_shm_proc(&p->child.seg, tdp_slot_scale(s));
	return atomic_load_explicit((_Atomic uint32_t *)&w->done, memory_order_acquire) ||
	       atomic_load_explicit((_Atomic uint32_t *)&w->state, memory_order_relaxed) == TDP_PROC_FAILED;
}

/* Encode up to BATCH results of scale S; returns how many were taken. */
static unsigned drain_scale(struct publish *p, uint32_t s)
{
	const struct tdp_shm *seg = &p->child.seg;
	const struct tdp_config *cfg = &p->child.cfg;
	struct tdp_ring *ring = tdp_shm_out_ring(seg, s);
	struct tdp_result_desc *slots = tdp_shm_out_slots(seg, s);
	const char *arena = tdp_shm_arena(seg, s);
	uint64_t asize = seg->hdr->scales[s].arena_size;
	struct tdp_buf *b = tdp_writer_buf(&p->out);
	unsigned got = 0;
	struct tdp_result_desc d;
	while (got < BATCH && tdp_desc_pop(ring, slots, &d)) {
		const struct tdp_result *r = (const struct tdp_result *)(arena + d.off % asize);
		got++;
		int64_t *last = r->stream < seg->hdr->max_streams
				? &p->last_window[(size_t)s * seg->hdr->max_streams + r->stream] : NULL;
		if (last && (int64_t)r->window > *last) {
			const char *stream = tdp_shm_stream(seg, r->stream)->name;
			if (cfg->sink.format == TDP_FMT_MSGPACK)
				encode_result_msgpack(b, r, stream, cfg->scales[s].name);
			else
				encode_result_jsonl(b, r, stream, cfg->scales[s].name);
			*last = (int64_t)r->window;
			tdp_counter_add(&p->child.slot->records_out, 1);
		} else {
			tdp_counter_add(&p->child.slot->bad_records, 1);   /* duplicate id */
		}
		/* Encoded (copied out): the scale may reuse the space. */
		atomic_store_explicit((_Atomic uint64_t *)&ring->arena_released, d.off + d.len,
				      memory_order_release);
	}
	tdp_counter_add(&p->child.slot->records_in, got);
	return got;
}

static int open_sink(struct publish *p)
{
	const struct tdp_sink_cfg *sink = &p->child.cfg.sink;
	char err[TDP_PATH_MAX + 64];
	if (tdp_writer_open(&p->out, sink->type == TDP_SINK_FILE ? sink->path : NULL, STDOUT_FILENO,
			    err, sizeof(err)) < 0) {
		tdp_log("sink: %s", err);
		return TDP_EXIT_SYSTEM;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct publish p;
	const char *instance;
	tdp_log_init("tdapipe-publish");
	int rc = tdp_child_args(argc, argv, usage, &instance, NULL);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = tdp_child_start(&p.child, instance, NULL, TDP_ROLE_PUBLISH)))
		return rc;
	struct tdp_child *c = &p.child;
	uint32_t nscales = c->cfg.nscales;
	size_t nlast = (size_t)nscales * c->seg.hdr->max_streams;
	p.last_window = malloc(sizeof(int64_t) * nlast);
	if (!p.last_window)
		return TDP_EXIT_SYSTEM;
	for (size_t i = 0; i < nlast; i++)
		p.last_window[i] = -1;
	if ((rc = open_sink(&p)))
		return rc;
	struct tdp_bell *mine = &c->slot->bell;
	struct tdp_idle idle = {0};
	for (;;) {
		unsigned got = 0;
		for (uint32_t s = 0; s < nscales; s++) {
			unsigned n = drain_scale(&p, s);
			if (n)
				tdp_bell_ring(&tdp_shm_proc(&c->seg, tdp_slot_scale(s))->bell);
			got += n;
		}
		size_t pending = tdp_writer_buf(&p.out)->len;
		rc = pending > MAX_PENDING ? tdp_writer_flush(&p.out)
		     : (pending > KICK_BYTES || !got) ? tdp_writer_kick(&p.out) : 0;
		if (rc < 0) {
			tdp_log("writing the sink: %s", strerror(-rc));
			return TDP_EXIT_SYSTEM;
		}
		tdp_child_beat(c);
		if (!tdp_idle_should_sleep(&idle, got > 0))
			continue;
		/* Done when every scale finished and its ring is empty (checked
		 * in that order: a scale sets done after its last push). */
		bool all = true;
		for (uint32_t s = 0; s < nscales && all; s++)
			all = scale_finished(&p, s) && tdp_ring_used(tdp_shm_out_ring(&c->seg, s)) == 0;
		if (all)
			break;
		if (tdp_writer_pending(&p.out)) {
			tdp_writer_flush(&p.out);   /* idle: get everything out now */
			continue;
		}
		uint32_t seen = tdp_bell_prepare(mine);
		bool work = false;
		for (uint32_t s = 0; s < nscales; s++)
			work |= tdp_ring_used(tdp_shm_out_ring(&c->seg, s)) > 0;
		if (work)
			tdp_bell_cancel(mine);
		else
			tdp_bell_sleep(mine, seen, 100);
	}
	if ((rc = tdp_writer_flush(&p.out)) < 0) {
		tdp_log("writing the sink: %s", strerror(-rc));
		return TDP_EXIT_SYSTEM;
	}
	tdp_child_done(c);
	tdp_writer_fini(&p.out);
	free(p.last_window);
	return TDP_EXIT_OK;
}
