#include "publish/checkpoint.h"

#include <stdlib.h>
#include <string.h>

#include "common/atomics.h"
#include "common/results_topic.h"

int checkpoint_init(struct checkpoint *cp, const struct tdp_shm *seg)
{
	size_t max = seg->hdr->max_streams;
	cp->seg = seg;
	cp->last = calloc((size_t)seg->hdr->nscales * max, sizeof(*cp->last));
	cp->floor = calloc(max, sizeof(*cp->floor));
	for (uint32_t i = 0; i < TDP_KAFKA_MAX_PARTS; i++)
		cp->commit[i] = -1;
	return cp->last && cp->floor ? 0 : -1;
}

void checkpoint_fini(struct checkpoint *cp)
{
	free(cp->last);
	free(cp->floor);
	cp->last = cp->floor = NULL;
}

static void raise_to(struct cp_point *p, uint64_t seq, uint64_t off)
{
	if (seq + 1 > p->seq1) {
		p->seq1 = seq + 1;
		p->off = off;
	}
}

void checkpoint_sent(struct checkpoint *cp, uint32_t s, const struct tdp_result *r)
{
	if (r->stream < cp->seg->hdr->max_streams && r->n)
		raise_to(&cp->last[(size_t)s * cp->seg->hdr->max_streams + r->stream], r->src_seq, r->src_off);
}

void checkpoint_floor(struct checkpoint *cp, uint32_t stream, uint64_t seq, uint64_t off)
{
	if (stream < cp->seg->hdr->max_streams)
		raise_to(&cp->floor[stream], seq, off);
}

/* STREAM's checkpoint: the earliest over the scales, not before its floor. */
static struct cp_point stream_point(const struct checkpoint *cp, uint32_t stream)
{
	const struct tdp_stream *e = tdp_shm_stream(cp->seg, stream);
	struct cp_point best = {0, 0};
	for (uint32_t s = 0; s < cp->seg->hdr->nscales; s++) {
		struct cp_point p = cp->last[(size_t)s * cp->seg->hdr->max_streams + stream];
		if (!p.seq1)
			p = (struct cp_point){e->base_seq + 1, e->base_off};
		if (!best.seq1 || p.seq1 < best.seq1)
			best = p;
	}
	if (cp->floor[stream].seq1 > best.seq1)
		best = cp->floor[stream];
	return best;
}

/* Streams interned so far (entries complete: release-stored count). */
static uint32_t nstreams(const struct tdp_shm *seg)
{
	uint32_t n = tdp_load_acquire_u32(&seg->hdr->nstreams);
	return n < seg->hdr->max_streams ? n : seg->hdr->max_streams;
}

void checkpoint_refresh(struct checkpoint *cp)
{
	int64_t now[TDP_KAFKA_MAX_PARTS];
	for (uint32_t i = 0; i < TDP_KAFKA_MAX_PARTS; i++)
		now[i] = -1;
	uint32_t n = nstreams(cp->seg);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t k = tdp_shm_stream(cp->seg, i)->kpart;
		if (!k || k > TDP_KAFKA_MAX_PARTS)
			continue;
		int64_t off = (int64_t)stream_point(cp, i).off;
		if (now[k - 1] < 0 || off < now[k - 1])
			now[k - 1] = off;
	}
	/* Forward only: an earlier value was safe and stays so. */
	for (uint32_t i = 0; i < TDP_KAFKA_MAX_PARTS; i++)
		if (now[i] > cp->commit[i])
			cp->commit[i] = now[i];
}

bool checkpoint_header(struct checkpoint *cp, uint32_t stream, char *out, size_t len)
{
	const struct tdp_stream *e = tdp_shm_stream(cp->seg, stream);
	if (!e->kpart || e->kpart > TDP_KAFKA_MAX_PARTS)
		return false;
	const struct tdp_kpart *kp = &tdp_shm_kafka(cp->seg)->parts[e->kpart - 1];
	struct cp_point p = stream_point(cp, stream);
	/* A commit offset computed before this stream appeared still holds:
	 * the stream's first record lies after it.  None yet: compute it. */
	if (cp->commit[e->kpart - 1] < 0)
		checkpoint_refresh(cp);
	results_checkpoint_format(out, len, p.seq1 - 1, p.off, cp->commit[e->kpart - 1], kp->topic, kp->partition);
	return true;
}

rd_kafka_topic_partition_list_t *checkpoint_offsets(struct checkpoint *cp)
{
	const struct tdp_kafka_block *kb = tdp_shm_kafka(cp->seg);
	uint32_t n = tdp_load_acquire_u32(&kb->nparts);
	rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)(n ? n : 1));
	for (uint32_t i = 0; list && i < n && i < TDP_KAFKA_MAX_PARTS; i++) {
		/* Only the partitions the source holds: another instance commits
		 * the others, and a stale offset here would move theirs back. */
		if (cp->commit[i] < 0 || !tdp_load_u32(&kb->parts[i].assigned))
			continue;
		rd_kafka_topic_partition_list_add(list, kb->parts[i].topic, kb->parts[i].partition)->offset =
			cp->commit[i];
	}
	return list;
}
