/*
 * kafka_align.c - Kafka partitions read in step for the scales that join
 * streams: why and how in kafka_align.h.
 *
 * Nothing here is state a restart must keep: the counts are read from the
 * segment at every step (a restarted ingest finds the join's store as the
 * worker left it), the config's join scales are looked at again (a reload
 * may add or drop one), and only the pause flags (struct kafka_source) and
 * the last step's total live in the process.
 */
#include "ingest/kafka_align.h"

#include <stdlib.h>
#include <string.h>

#include "common/atomics.h"
#include "common/log.h"
#include "ingest/ingest.h"

void kafka_align_init(struct kafka_align *a)
{
	const char *e = getenv("TDP_KAFKA_ALIGN");
	memset(a, 0, sizeof(*a));
	a->off = e && !strcmp(e, "off");
}

/*
 * The points of stream IDX (ST) that ingest has sent and join scale S has
 * not put in order yet: its sequence numbers past the last one settled
 * (from the stream's first while none is), in the ring or in the store.
 * Read without a lock: a commit between the two reads of the version
 * gives 0 for this step.
 */
static uint64_t waiting(const struct tdp_shm *seg, uint32_t s, uint32_t idx, const struct tdp_stream *st)
{
	const struct tdp_wstate *ws = tdp_shm_wstate(seg, s, idx);
	uint64_t ver = tdp_load_acquire_u64(&ws->ver);
	const struct tdp_wstate_body *b = &ws->body[ver & 1];
	uint64_t settled = tdp_load_u64(&b->settled), last = tdp_load_u64(&b->last_seq);
	if (tdp_load_acquire_u64(&ws->ver) != ver)
		return 0;
	uint64_t from = settled ? last + 1 : tdp_load_u64(&st->base_seq);
	uint64_t next = tdp_load_u64(&st->next_seq);
	return next > from ? next - from : 0;
}

void kafka_align_step(struct kafka_align *a, struct ingest *in, uint64_t got)
{
	const struct tdp_config *cfg = &in->child.cfg;
	const struct tdp_shm *seg = &in->child.seg;
	struct kafka_source *ks = &in->ks;
	uint32_t nparts = tdp_load_u32(&ks->kb->nparts);
	if (a->off || !in->has_join || !nparts)
		return;
	/* Per partition, the most points one of its listed streams has waiting. */
	uint64_t most[TDP_KAFKA_MAX_PARTS];
	memset(most, 0, nparts * sizeof(most[0]));
	for (uint32_t s = 0; s < cfg->nscales; s++) {
		const struct tdp_join_cfg *j = &cfg->scales[s].join;
		if (!j->on || batch_scale_failed(in, s))
			continue;   /* a failed worker settles nothing: waiting for it would stall the rest */
		for (uint32_t k = 0; k < j->n; k++) {
			int64_t idx = streams_find(&in->streams, j->streams[k]);
			if (idx < 0)
				continue;
			const struct tdp_stream *st = tdp_shm_stream(seg, (uint32_t)idx);
			uint32_t p = st->kpart;
			if (!p || p > nparts)
				continue;
			uint64_t w = waiting(seg, s, (uint32_t)idx, st);
			if (w > most[p - 1])
				most[p - 1] = w;
		}
	}
	uint64_t held = 0;
	bool any = false;
	for (uint32_t p = 0; p < nparts; p++) {
		if (ks->paused[p]) {
			held += most[p];
			any = true;
		}
	}
	if (any && !got && held >= a->held) {
		/* Nothing came and nothing moved: read on. */
		for (uint32_t p = 0; p < nparts; p++) {
			if (!ks->paused[p] || kafka_source_pause(ks, (int)p, false))
				continue;
			a->read_on[p] = true;
			if (tdp_log_nth(++a->forced))
				tdp_log("kafka: %s read on with %llu points of a joined stream waiting: the streams "
					"the join waits for are not there yet (%llu such resumptions so far)",
					kafka_part_name(in, (int)p), (unsigned long long)most[p],
					(unsigned long long)a->forced);
		}
		a->held = 0;
		return;
	}
	held = 0;
	for (uint32_t p = 0; p < nparts; p++) {
		if (most[p] < KAFKA_ALIGN_LOW)
			a->read_on[p] = false;
		if (!ks->paused[p] && !a->read_on[p] && most[p] >= KAFKA_ALIGN_HIGH &&
		    tdp_load_u32(&ks->kb->parts[p].assigned)) {
			if (!kafka_source_pause(ks, (int)p, true) && tdp_log_nth(++a->pauses))
				tdp_log("kafka: %s paused: a joined stream of it has %llu points waiting for the "
					"other streams (%llu pauses so far)", kafka_part_name(in, (int)p),
					(unsigned long long)most[p], (unsigned long long)a->pauses);
		} else if (ks->paused[p] && most[p] < KAFKA_ALIGN_LOW) {
			kafka_source_pause(ks, (int)p, false);
		}
		if (ks->paused[p])
			held += most[p];
	}
	a->held = held;
}
