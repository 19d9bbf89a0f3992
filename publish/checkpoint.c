#include "publish/checkpoint.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/results_topic.h"

int checkpoint_init(struct checkpoint *ck, const struct tdp_shm *seg)
{
	size_t max = seg->hdr->max_streams;
	ck->seg = seg;
	ck->last = calloc((size_t)seg->hdr->nscales * max, sizeof(*ck->last));
	ck->floor = calloc(max, sizeof(*ck->floor));
	for (uint32_t i = 0; i < TDP_KAFKA_MAX_PARTS; i++)
		ck->commit[i] = -1;
	return ck->last && ck->floor ? 0 : -1;
}

void checkpoint_fini(struct checkpoint *ck)
{
	free(ck->last);
	free(ck->floor);
	ck->last = ck->floor = NULL;
}

static void raise_to(struct ck_point *p, uint64_t seq, uint64_t off)
{
	if (seq + 1 > p->seq1) {
		p->seq1 = seq + 1;
		p->off = off;
	}
}

void checkpoint_sent(struct checkpoint *ck, uint32_t s, const struct tdp_result *r)
{
	if (r->stream < ck->seg->hdr->max_streams && r->n)
		raise_to(&ck->last[(size_t)s * ck->seg->hdr->max_streams + r->stream], r->src_seq, r->src_off);
}

void checkpoint_floor(struct checkpoint *ck, uint32_t stream, uint64_t seq, uint64_t off)
{
	if (stream < ck->seg->hdr->max_streams)
		raise_to(&ck->floor[stream], seq, off);
}

/* STREAM's checkpoint: the earliest over the scales, not before its floor. */
static struct ck_point stream_point(const struct checkpoint *ck, uint32_t stream)
{
	const struct tdp_stream *e = tdp_shm_stream(ck->seg, stream);
	struct ck_point best = {0, 0};
	for (uint32_t s = 0; s < ck->seg->hdr->nscales; s++) {
		struct ck_point p = ck->last[(size_t)s * ck->seg->hdr->max_streams + stream];
		if (!p.seq1)
			p = (struct ck_point){e->base_seq + 1, e->base_off};
		if (!best.seq1 || p.seq1 < best.seq1)
			best = p;
	}
	if (ck->floor[stream].seq1 > best.seq1)
		best = ck->floor[stream];
	return best;
}

/* Streams interned so far (entries complete: release-stored count). */
static uint32_t nstreams(const struct tdp_shm *seg)
{
	uint32_t n = atomic_load_explicit((_Atomic uint32_t *)&seg->hdr->nstreams, memory_order_acquire);
	return n < seg->hdr->max_streams ? n : seg->hdr->max_streams;
}

void checkpoint_refresh(struct checkpoint *ck)
{
	int64_t now[TDP_KAFKA_MAX_PARTS];
	for (uint32_t i = 0; i < TDP_KAFKA_MAX_PARTS; i++)
		now[i] = -1;
	uint32_t n = nstreams(ck->seg);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t k = tdp_shm_stream(ck->seg, i)->kpart;
		if (!k || k > TDP_KAFKA_MAX_PARTS)
			continue;
		int64_t off = (int64_t)stream_point(ck, i).off;
		if (now[k - 1] < 0 || off < now[k - 1])
			now[k - 1] = off;
	}
	/* Forward only: an earlier value was safe and stays so. */
	for (uint32_t i = 0; i < TDP_KAFKA_MAX_PARTS; i++)
		if (now[i] > ck->commit[i])
			ck->commit[i] = now[i];
}

bool checkpoint_header(struct checkpoint *ck, uint32_t stream, char *out, size_t len)
{
	const struct tdp_stream *e = tdp_shm_stream(ck->seg, stream);
	if (!e->kpart || e->kpart > TDP_KAFKA_MAX_PARTS)
		return false;
	const struct tdp_kpart *kp = &tdp_shm_kafka(ck->seg)->parts[e->kpart - 1];
	struct ck_point p = stream_point(ck, stream);
	/* A commit offset computed before this stream appeared still holds:
	 * the stream's first record lies after it.  None yet: compute it. */
	if (ck->commit[e->kpart - 1] < 0)
		checkpoint_refresh(ck);
	results_checkpoint_format(out, len, p.seq1 - 1, p.off, ck->commit[e->kpart - 1], kp->topic, kp->partition);
	return true;
}

rd_kafka_topic_partition_list_t *checkpoint_offsets(struct checkpoint *ck)
{
	const struct tdp_kafka_block *kb = tdp_shm_kafka(ck->seg);
	uint32_t n = atomic_load_explicit((_Atomic uint32_t *)&kb->nparts, memory_order_acquire);
	rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)(n ? n : 1));
	for (uint32_t i = 0; list && i < n && i < TDP_KAFKA_MAX_PARTS; i++) {
		/* Only the partitions the source holds: another instance commits
		 * the others, and a stale offset here would move theirs back. */
		if (ck->commit[i] < 0 || !atomic_load_explicit((_Atomic uint32_t *)&kb->parts[i].assigned,
								memory_order_relaxed))
			continue;
		rd_kafka_topic_partition_list_add(list, kb->parts[i].topic, kb->parts[i].partition)->offset =
			ck->commit[i];
	}
	return list;
}
