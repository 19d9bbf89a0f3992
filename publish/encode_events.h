/*
 * encode_events.h - a result's events (tdapipe-events(5)) as JSON lines
 * or msgpack maps, and the "score" a scoring scale's results carry
 * (tdapipe-results(5)).
 *
 * {"v":1,"id":"<stream>/<scale>/<window>/<type>/<n>","type":"feature_birth",
 *  "stream":..,"scale":..,"window":k,"time":t,"dim":d,
 *  "feature":id,"birth":b,"death":d,"persistence":d-b}
 * an anomaly with "signal","value","median","mad","score" in place of the
 * feature's four keys.  The window and the time are the result's, as it
 * shows them ("window" signed for time scales; "time" its "end"); n counts
 * the events of the type in the window from 0.  Numbers that are not
 * finite are null (msgpack: nil).
 */
#ifndef TDP_ENCODE_EVENTS_H
#define TDP_ENCODE_EVENTS_H

#include <stdint.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/record.h"
#include "common/time_unit.h"
#include "publish/encode.h"

/* R's events section, or NULL when R has none or it does not fit in
 * r->size (a block of another shape is left out rather than misread). */
const struct tdp_result_events *encode_events_of(const struct tdp_result *r);

/* What an event says besides the result's own fields. */
struct encode_events_ctx {
	const char *stream, *scale;   /* any bytes up to their NUL */
	enum tdp_time_unit unit;      /* of the source's event times */
	const char *signal;           /* the scale's anomaly signal's name (tdp_signal_name) */
};

/*
 * Called after each event is appended: the event's bytes are B's from
 * FROM on (a JSON line with its '\n', or one msgpack map).  0 to go on,
 * -1 to stop (encode_events returns -1).
 */
typedef int (*encode_event_fn)(void *arg, struct tdp_buf *b, size_t from, const struct tdp_event *ev);

/*
 * Append R's published events (not its live features) to B in FORMAT
 * (TDP_FMT_JSONL: one line each; TDP_FMT_MSGPACK: one map each), in their
 * order in the section; EACH (may be NULL) after each.  Returns the
 * number of events, -1 when EACH stopped; on allocation failure B is
 * marked failed (tdp_buf_ok()).
 */
int encode_events(struct tdp_buf *b, enum tdp_format format, const struct tdp_result *r,
		  const struct encode_events_ctx *ctx, encode_event_fn each, void *arg);

/*
 * The ids of a tracking scale's intervals (SC's track on; SC may be
 * NULL): "feature_ids":{"d":[id|null,...],...}, for each tracked
 * dimension R has a diagram of, one entry per interval of diagrams[d] in
 * its order, the id of the live feature that is that interval or null.
 * Equal intervals take the ids of equal live features in increasing id
 * order.  Keys added to the result's map: 0 or 1.
 */
unsigned encode_feature_ids_keys(const struct tdp_result *r, const struct tdp_scale_cfg *sc);
void encode_feature_ids_jsonl(struct tdp_buf *b, const struct tdp_result *r, const struct tdp_scale_cfg *sc);
void encode_feature_ids_msgpack(msgpack_packer *pk, const struct tdp_result *r, const struct tdp_scale_cfg *sc);

/* Keys R's score adds to its result's map: 1 when its scale scores
 * (TDP_EVENTS_SCORED), else 0. */
unsigned encode_score_keys(const struct tdp_result *r);

/* Append ,"score":z to B (null when not finite), for a scoring scale. */
void encode_score_jsonl(struct tdp_buf *b, const struct tdp_result *r);

/* Pack the same key and value (nil when not finite). */
void encode_score_msgpack(msgpack_packer *pk, const struct tdp_result *r);

#endif
