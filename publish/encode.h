/*
 * encode.h - a result block as a JSON line or a msgpack map.
 *
 * {"v":1,"id":"<stream>/<scale>/<window>","stream":..,"scale":..,"window":k,
 *  "first_seq":..,"last_seq":..,"start":t0,"end":t1,"n":points,
 *  "diagrams":{"0":[[birth,death],...],...}}
 * A time scale's result (TDP_RESULT_TIME_WINDOW) has a signed window k and
 * "from":..,"to":.. in place of first_seq and last_seq, and "dropped"
 * where a count scale's has "lost".  Event times are written in the
 * source's time_unit, exactly (common/time_unit.h); start and end of
 * records without times are sequence numbers.  Essential deaths are null;
 * numbers round-trip exactly (common/json.h).  msgpack carries the same
 * map: doubles as float64, counts as uint, essential deaths as nil.  See
 * tdapipe-results(5).
 */
#ifndef TDP_ENCODE_H
#define TDP_ENCODE_H

#include <stdbool.h>
#include <stdint.h>

#include <msgpack.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/record.h"
#include "common/time_unit.h"

/* Append R as one JSON line, '\n'-terminated; event times in UNIT; its
 * features section as its scale's config SC lays it out
 * (publish/encode_features.h), and with SC's track and anomaly its
 * "feature_ids" and "score" (publish/encode_events.h); SC NULL: none. */
void encode_result_jsonl(struct tdp_buf *b, const struct tdp_result *r, const char *stream, const char *scale,
			 enum tdp_time_unit unit, const struct tdp_scale_cfg *sc);

/* Append R as one msgpack map; the same. */
void encode_result_msgpack(struct tdp_buf *b, const struct tdp_result *r, const char *stream, const char *scale,
			   enum tdp_time_unit unit, const struct tdp_scale_cfg *sc);

/* Whether R is a time scale's result: its window number is biased, it
 * has from, to and dropped, and no first_seq, last_seq or lost. */
static inline bool encode_time_window(const struct tdp_result *r)
{
	return r->flags & TDP_RESULT_TIME_WINDOW;
}

/* A time scale's window number k as results show it: signed, unbiased
 * (record.h, TDP_TIME_WINDOW_BIAS). */
static inline int64_t encode_window_k(const struct tdp_result *r)
{
	return (int64_t)(r->window - TDP_TIME_WINDOW_BIAS);
}

/* Room for the id of any configured result (a stream name, a scale name
 * and a 20-character window, see record.h and config.h) without
 * allocating. */
#define ENCODE_ID_SMALL 128

/*
 * The result id "<stream>/<scale>/<window>", shared by both encoders; the
 * window is the one the result shows (signed for time scales).  Built in
 * SMALL when it fits, else in a malloc'd block; returns the id
 * (NUL-terminated, length in *LEN), or NULL when that allocation failed.
 * The caller frees the id when it is not SMALL.
 */
char *encode_result_id(char small[ENCODE_ID_SMALL], size_t *len, const struct tdp_result *r,
		       const char *stream, const char *scale);

/* The parts both encoders of results and events (publish/encode_events.h)
 * write the same way.  Append event time T (TIMED: ns, written exactly in
 * UNIT) or sequence number T as a JSON number (publish/encode_jsonl.c). */
void encode_put_time(struct tdp_buf *b, int64_t t, bool timed, enum tdp_time_unit unit);

/* Pack the same: an event time an int in ns, else the nearest float64 in
 * UNIT; a sequence number a float64, as always (publish/encode_msgpack.c). */
void encode_pack_time(msgpack_packer *pk, int64_t t, bool timed, enum tdp_time_unit unit);

/* Pack the NUL-terminated S as a msgpack str. */
void encode_pack_cstr(msgpack_packer *pk, const char *s);

/* The msgpack packer appending to B (its write callback). */
void encode_packer_init(msgpack_packer *pk, struct tdp_buf *b);

#endif
