/*
 * stamp.c - the checks a decoded record passes before it becomes a point
 * (its stream known or room to intern it, one dimension per stream, some
 * scale that takes it, one partition per stream from Kafka; with time
 * windows, an event time, not below its stream's watermark), and the stamp it then gets: stream index, sequence number,
 * event time.  A record that fails goes to the dead-letter sink with its
 * reason; one a sender sent again after a restart (ingest/resend.h) is
 * skipped.
 *
 * Each scale takes a point or refuses it (common/scale_take.h: the
 * coordinates it selects exist and are present; a scalar series has one
 * value): a record every scale refuses is a dead letter; one that some
 * scales take is stamped and pushed to every ring (records there are of
 * one size), and each scale refusing it counts it (its in-ring's
 * `refused`) with a dead letter naming the scale, which is not a bad
 * record: the point exists.  The scale worker decides the same with the
 * same function, and leaves the point out of its windows.
 */
#include <stdio.h>
#include <string.h>

#include "common/atomics.h"
#include "common/counter.h"
#include "common/scale_take.h"
#include "ingest/ingest.h"

/* F's dead letter of class WHY for REASON, with TIME's event times when
 * not NULL.  Counted here once, in the total and in its class, so that
 * the classes always sum to bad_records. */
static void dead_letter_time(struct ingest *in, const struct frame *f, enum tdp_dead_reason why,
			     const char *reason, const struct deadletter_time *time)
{
	const char *source = in->frame_source ? in->frame_source : in->source_name;
	tdp_counter_add(&in->child.slot->bad_records, 1);
	tdp_counter_add(&in->child.slot->dead[why < TDP_DEAD_REASONS ? why : TDP_DEAD_MALFORMED], 1);
	if (dead_sink_put(&in->dead, source, f, reason, time,
			  f->ok || f->dec.has_stream ? f->dec.stream : NULL) < 0)
		in->failed = true;
}

static void dead_letter(struct ingest *in, const struct frame *f, enum tdp_dead_reason why, const char *reason)
{
	dead_letter_time(in, f, why, reason, NULL);
}

/*
 * Event-time windows: whether F, a timed point of stream IDX (ST), is
 * late, below its stream's watermark (the newest event time so far, the
 * batch's included, minus the source's lateness; none before the first).
 * A late point is dead-lettered, with its time and the watermark, and
 * counted.  The newest time comes only from points before F in the
 * source, as the batch commit keeps it, so a restarted ingest that reads
 * F again decides the same.
 */
static bool late(struct ingest *in, const struct frame *f, const struct tdp_stream *st, uint32_t idx)
{
	int64_t newest = in->pending[idx] ? in->pending_newest[idx] : tdp_load_i64(&st->newest_t);
	uint64_t lateness = in->child.cfg.source.lateness_ns;
	if (newest == INT64_MIN || lateness >= (uint64_t)newest - (uint64_t)INT64_MIN)
		return false;   /* no watermark yet, or it is still below every time */
	int64_t watermark = (int64_t)((uint64_t)newest - lateness);
	if (f->dec.t >= watermark)
		return false;
	struct deadletter_time time = {f->dec.t, watermark, in->child.cfg.source.time_unit};
	tdp_counter_add(&in->child.slot->late, 1);
	dead_letter_time(in, f, TDP_DEAD_LATE, "late", &time);
	return true;
}

/* Coordinate COORD as the source names it: `column "pressure"`,
 * `column 3` (csv), `"fields.temp"` (a field path), else `coordinate 2`. */
static void coord_words(const struct tdp_source_cfg *src, uint32_t coord, char *out, size_t len)
{
	const struct tdp_source_fields *sf = &src->fields;
	if (coord >= sf->nvalues || coord >= TDP_FIELDS_MAX)
		snprintf(out, len, "coordinate %u", coord);
	else if (sf->values[coord].index >= 0)
		snprintf(out, len, "%s %d", src->format == TDP_FMT_CSV ? "column" : "coordinate",
			 (int)sf->values[coord].index);
	else
		snprintf(out, len, "%s\"%s\"", src->format == TDP_FMT_CSV ? "column " : "", sf->values[coord].name);
}

/* Why scale SC refuses a point of DIM values (WHY, at COORD), into OUT. */
static void refusal(const struct tdp_config *cfg, const struct tdp_scale_cfg *sc, enum tdp_take why,
		    uint32_t coord, uint32_t dim, char *out, size_t len)
{
	char what[TDP_FIELD_NAME_MAX + 16];
	coord_words(&cfg->source, coord, what, sizeof(what));
	bool csv = cfg->source.format == TDP_FMT_CSV && coord < cfg->source.fields.nvalues;
	switch (why) {
	case TDP_TAKE_NOT_SCALAR:
		snprintf(out, len, "scale \"%s\" needs one value per point, got %u", sc->name, dim);
		return;
	case TDP_TAKE_NO_COORD:
		snprintf(out, len, "scale \"%s\": no value for coordinate %u: the point has %u value%s",
			 sc->name, coord, dim, dim == 1 ? "" : "s");
		return;
	default:
		snprintf(out, len, "scale \"%s\": no value %s %s", sc->name, csv ? "in" : "for", what);
		return;
	}
}

/*
 * Which scales refuse F (common/scale_take.h), as a mask into *REFUSED.
 * False after F was dead-lettered, when every scale refuses it (with the
 * first scale's reason).
 */
static bool scales_take(struct ingest *in, const struct frame *f, const char *name, uint32_t *refused)
{
	const struct tdp_config *cfg = &in->child.cfg;
	enum tdp_take first = TDP_TAKE;
	uint32_t first_coord = 0, first_scale = 0, applies = 0;
	*refused = 0;
	for (uint32_t s = 0; s < cfg->nscales; s++) {
		uint32_t coord;
		if (in->has_join && join_ignores(&cfg->scales[s], name))
			continue;
		applies |= 1u << s;
		enum tdp_take why = tdp_scale_take(&cfg->scales[s], f->dec.v, f->dec.dim, &coord);
		if (why == TDP_TAKE)
			continue;
		if (!*refused) {
			first = why;
			first_coord = coord;
			first_scale = s;
		}
		*refused |= 1u << s;
	}
	if (*refused != applies)
		return true;
	char reason[TDP_STREAM_NAME_MAX + TDP_NAME_MAX + TDP_FIELD_NAME_MAX + 128];
	if (!applies) {
		/* Only join scales, none listing it. */
		snprintf(reason, sizeof(reason), "stream \"%.63s\" is in no scale's join", name);
		dead_letter(in, f, TDP_DEAD_MALFORMED, reason);
		return false;
	}
	refusal(cfg, &cfg->scales[first_scale], first, first_coord, f->dec.dim, reason, sizeof(reason));
	dead_letter(in, f, first == TDP_TAKE_ABSENT ? TDP_DEAD_MALFORMED : TDP_DEAD_DIMENSION, reason);
	return false;
}

/* F, a point some scales take, refused by those in REFUSED: counted by
 * each in its in-ring, and a dead letter naming it (not a bad record). */
static void count_refused(struct ingest *in, const struct frame *f, uint32_t refused)
{
	const struct tdp_config *cfg = &in->child.cfg;
	const char *source = in->frame_source ? in->frame_source : in->source_name;
	for (uint32_t s = 0; s < cfg->nscales; s++) {
		if (!(refused & (1u << s)))
			continue;
		char reason[TDP_NAME_MAX + TDP_FIELD_NAME_MAX + 128];
		uint32_t coord;
		enum tdp_take why = tdp_scale_take(&cfg->scales[s], f->dec.v, f->dec.dim, &coord);
		refusal(cfg, &cfg->scales[s], why, coord, f->dec.dim, reason, sizeof(reason));
		tdp_counter_add(&tdp_shm_in_ring(&in->child.seg, s)->refused, 1);
		if (dead_sink_put(&in->dead, source, f, reason, NULL, f->dec.has_stream ? f->dec.stream : NULL) < 0)
			in->failed = true;
	}
}

/* The index of F's stream NAME, interned if new; -1 after F was
 * dead-lettered. */
static int64_t stream_of(struct ingest *in, const struct frame *f, const char *name)
{
	char reason[TDP_KAFKA_TOPIC_MAX + 256];
	int64_t idx = streams_find(&in->streams, name);
	if (idx < 0) {
		struct stream_origin o = {0, 0, f->off};
		if (in->kafka && !kafka_origin(in, name, f, &o, reason, sizeof(reason))) {
			dead_letter(in, f, TDP_DEAD_PARTITION, reason);
			return -1;
		}
		idx = streams_intern(&in->streams, name, &o);
	}
	if (idx < 0) {
		snprintf(reason, sizeof(reason), "too many streams: max_streams (%u) reached",
			 in->child.cfg.max_streams);
		dead_letter(in, f, TDP_DEAD_STREAMS, reason);
	}
	return idx;
}

/* F, a point of stream IDX (ST), into the batch; a full batch is flushed. */
static void add_point(struct ingest *in, const struct frame *f, const struct tdp_stream *st, uint32_t idx)
{
	struct tdp_point *p = &in->batch[in->nbatch++];
	p->seq = st->next_seq + in->pending[idx];
	p->t = f->dec.has_time ? f->dec.t : (int64_t)p->seq;
	p->flags = f->dec.has_time ? TDP_POINT_TIMED : 0;
	p->src_off = f->off;
	p->stream = idx;
	p->dim = f->dec.dim;
	p->part = in->kafka ? (uint8_t)in->cur_part : 0;
	p->read_ns = in->read_ns;
	memcpy(p->v, f->dec.v, sizeof(double) * p->dim);
	memset(p->v + p->dim, 0, sizeof(double) * (TDP_MAX_DIM - p->dim));
	if (in->pending[idx]++ == 0) {
		in->touched[in->ntouched++] = idx;
		in->pending_newest[idx] = tdp_load_i64(&st->newest_t);
	}
	if (f->dec.has_time && f->dec.t > in->pending_newest[idx])
		in->pending_newest[idx] = f->dec.t;
	/* text records end with their newline (one past an unterminated last line: harmless) */
	in->batch_end_off = f->off + f->len + (in->child.cfg.source.format == TDP_FMT_MSGPACK ? 0 : 1);
	in->batch_end_line = f->end_line > f->line ? f->end_line : f->line;   /* where a resumed file's lines go on */
	if (in->nbatch == TDP_INGEST_BATCH)
		batch_flush(in, in->batch_end_off, in->batch_end_line);
}

void stamp_record(void *ctx, struct frame *f)
{
	struct ingest *in = ctx;
	struct tdp_child *c = &in->child;
	tdp_counter_add(&c->slot->records_in, 1);
	if (f->cut)
		tdp_counter_add(&c->slot->conns[TDP_CONN_CUT_BYTES], f->len);
	if (!f->ok) {
		dead_letter(in, f, f->dead, f->reason);
		return;
	}
	char reason[TDP_KAFKA_TOPIC_MAX + 256];
	const char *name = f->dec.has_stream ? f->dec.stream : "default";
	const char *joined = join_stream_owner(in, name);
	if (joined) {
		snprintf(reason, sizeof(reason), "stream \"%s\" is the stream scale \"%s\" joins into: "
			 "a source's stream cannot have that id", name, joined);
		dead_letter(in, f, TDP_DEAD_MALFORMED, reason);
		return;
	}
	int64_t idx = stream_of(in, f, name);
	if (idx < 0)
		return;
	struct tdp_stream *st = tdp_shm_stream(&c->seg, (uint32_t)idx);
	if (in->kafka && st->kpart == in->cur_part + 1 && f->off < st->base_off)
		return;   /* before its checkpoint: its windows there are published */
	if (resend_seen(&in->resend, (uint32_t)idx, f->dec.has_time, f->dec.t)) {
		tdp_counter_add(&c->slot->replayed, 1);
		return;   /* sent again after a restart: stamped before it */
	}
	if (in->time_scale && !f->dec.has_time) {
		snprintf(reason, sizeof(reason), "no event time: scale \"%s\" %s", in->time_scale,
			 in->time_join ? "joins streams on event time" : "has time windows");
		dead_letter(in, f, TDP_DEAD_NO_TIME, reason);
		return;
	}
	/* A point every scale refuses does not set its stream's dimension;
	 * one of another dimension than the stream's is refused below. */
	uint32_t refused = 0;
	if ((st->dim == 0 || f->dec.dim == st->dim) && !scales_take(in, f, name, &refused))
		return;
	if (st->dim == 0)
		st->dim = f->dec.dim;
	if (in->kafka && st->kpart != in->cur_part + 1) {
		/* A stream's points must arrive in one order, whatever replays
		 * them: from one partition (set when it was interned), which
		 * keying by stream id gives. */
		snprintf(reason, sizeof(reason),
			 "stream \"%.63s\" comes from %s: it cannot also come from another partition "
			 "(key messages by stream id)", name, kafka_part_name(in, st->kpart - 1));
		dead_letter(in, f, TDP_DEAD_PARTITION, reason);
		return;
	}
	if (f->dec.dim != st->dim) {
		snprintf(reason, sizeof(reason), "dimension %u differs from the stream's first point (%u)",
			 f->dec.dim, st->dim);
		dead_letter(in, f, TDP_DEAD_DIMENSION, reason);
		return;
	}
	if (in->time_scale && late(in, f, st, (uint32_t)idx))
		return;
	if (refused)
		count_refused(in, f, refused);
	add_point(in, f, st, (uint32_t)idx);
}

void ingest_read_scales(struct ingest *in)
{
	const struct tdp_config *cfg = &in->child.cfg;
	in->time_scale = NULL;
	for (uint32_t s = 0; s < cfg->nscales; s++) {
		in->policy[s] = tdp_scale_overflow(cfg, s);
		if ((cfg->scales[s].timed || cfg->scales[s].join.on) && !in->time_scale) {
			in->time_scale = cfg->scales[s].name;
			in->time_join = !cfg->scales[s].timed;
		}
	}
}
