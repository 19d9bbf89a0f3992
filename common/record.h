/*
 * record.h - the two kinds of record that cross process boundaries.
 *
 * Points go from ingest into every scale's in-ring as fixed-size records,
 * copied by value (no pointers: the ring lives in shared memory).  Results
 * go from a scale worker to publish as a variable-size binary block in the
 * scale's result arena; publish does all text/msgpack encoding, so scale
 * workers never format numbers.
 */
#ifndef TDP_RECORD_H
#define TDP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest point dimension a record can carry.  Larger points are rejected
 * by ingest with a reason, never truncated. */
#define TDP_MAX_DIM 16

/* Highest homology dimension a result can carry (H0..H3). */
#define TDP_MAX_HDIM 4

/* Longest stream id, including the terminating NUL. */
#define TDP_STREAM_NAME_MAX 64

/*
 * Why a homology dimension a scale asks for has no diagram in a result
 * (struct tdp_result.incomplete[d]).  A window always gets its result; the
 * dimensions that could not be computed are named with the reason, so a
 * consumer can tell "no features" from "not computed" (tdapipe-results(5)).
 */
enum tdp_incomplete {
	TDP_INCOMPLETE_NONE = 0,       /* computed */
	TDP_INCOMPLETE_MEMORY_MB,      /* the computation would pass the scale's memory_mb */
	TDP_INCOMPLETE_OUT_OF_MEMORY,  /* the machine refused memory */
	TDP_INCOMPLETE_INDEX_RANGE,    /* the simplices cannot be numbered in 64 bits */
	TDP_INCOMPLETE_DISTANCE_RANGE, /* a distance overflows a double */
	TDP_INCOMPLETE_INVALID_INPUT,  /* a NaN coordinate or a bad distance */
	TDP_INCOMPLETE_REASONS
};

/* The reason's name in results, logs and stats ("memory_mb", ...). */
static inline const char *tdp_incomplete_name(unsigned why)
{
	static const char *const names[TDP_INCOMPLETE_REASONS] = {
		"none", "memory_mb", "out_of_memory", "index_range", "distance_range", "invalid_input",
	};
	return why < TDP_INCOMPLETE_REASONS ? names[why] : "unknown";
}

/* tdp_point.flags */
#define TDP_POINT_TIMED 1u   /* t is an event time (ns since the epoch), not the sequence number */
#define TDP_POINT_REFUSED 128u /* scale workers only, never in a ring: the scale cannot use the
				  point (common/scale_take.h) */

/* A point, as ingest stamped it. */
struct tdp_point {
	uint64_t seq;      /* per-stream sequence number, 0 at the stream's first valid record */
	int64_t t;         /* event time in ns since the Unix epoch (TDP_POINT_TIMED), else seq */
	uint64_t src_off;  /* byte offset of the record in its source; Kafka: the message offset */
	uint32_t stream;   /* index into the segment's stream table */
	uint16_t dim;      /* number of valid entries in v */
	uint8_t part;      /* Kafka: index of the source partition in the segment's table, else 0 */
	uint8_t flags;     /* TDP_POINT_* */
	double v[TDP_MAX_DIM];
	uint64_t read_ns;  /* CLOCK_MONOTONIC when ingest read the record (its chunk or poll):
			    * point-to-publish latency only, never in the output */
};
_Static_assert(sizeof(struct tdp_point) == 168, "point record layout is part of the shm ABI");

/* One persistence interval; death == +INFINITY for an essential class. */
struct tdp_interval {
	double birth;
	double death;
};

/* tdp_result.flags */
#define TDP_RESULT_START_TIMED 1u  /* start is an event time in ns, else a sequence number */
#define TDP_RESULT_END_TIMED 2u    /* end likewise */
#define TDP_RESULT_TIME_WINDOW 4u  /* a time scale's window: from, to, dropped apply; first_seq,
				      last_seq and lost do not */
#define TDP_RESULT_DISTANCE 8u     /* the features section has distances to the stream's previous
				      window (not its first) */
#define TDP_RESULT_EVENTS 16u      /* an events section follows the features section (scales with
				      track or anomaly) */

/*
 * Window numbers of time scales.  Window k of a time scale (k may be
 * negative) is carried as the unsigned k + TDP_TIME_WINDOW_BIAS, so that
 * window numbers of every scale order the same way and fit the
 * non-negative int64 range publish de-duplicates with: a slide of at
 * least 2 ns keeps k within +-2^62.
 */
#define TDP_TIME_WINDOW_BIAS ((uint64_t)1 << 62)

/*
 * A result block in a scale's arena: this header, then the intervals of
 * every dimension in dims_mask in increasing dimension, count[d] of each,
 * each dimension's intervals sorted (birth, then death), then the
 * features section: `features` doubles, laid out by the scale's features
 * config (common/feature_layout.h), then, with TDP_RESULT_EVENTS, the
 * events section (struct tdp_result_events).
 */
struct tdp_result {
	uint32_t size;        /* bytes of header + intervals */
	uint32_t stream;      /* stream table index */
	uint32_t scale;       /* scale index in the config */
	uint32_t dims_mask;   /* bit d set: the diagram of H_d is present */
	uint64_t window;      /* window number k (time scales: biased, TDP_TIME_WINDOW_BIAS) */
	uint64_t first_seq;   /* count scales: k * slide */
	uint64_t last_seq;    /* count scales: k * slide + window - 1 */
	int64_t start;        /* event time (ns) of the first point, or its seq (flags) */
	int64_t end;          /* event time (ns) of the last point, or its seq (flags) */
	int64_t from, to;     /* time scales: the window's bounds [from, to) in ns: low 64 bits ... */
	int64_t from_hi, to_hi; /* ... and the high ones (tdp_result_from/to): at the ends of the
				   range a window's bounds pass int64_t */
	uint64_t n;           /* points in the window */
	uint64_t lost;        /* count scales: points of the window that never arrived */
	uint64_t dropped;     /* time scales: points of the window past max_window_points */
	uint32_t count[TDP_MAX_HDIM];
	uint32_t landmarks;   /* rips: points kept by max-min subsampling, 0 = all */
	uint32_t truncated;   /* intervals left out (least persistent first) above the cap */
	uint64_t src_seq;     /* the window's first point present: its sequence number */
	uint64_t src_off;     /* and its source offset (Kafka: message offset), for checkpoints */
	uint8_t incomplete[TDP_MAX_HDIM]; /* per dimension in dims_mask: enum tdp_incomplete, count 0 */
	uint32_t flags;       /* TDP_RESULT_* */
	uint32_t features;    /* doubles of the features section after the intervals */
	uint32_t refused;     /* count scales: points of the window the scale cannot use
				 (common/scale_take.h): neither in n nor in lost */
};
_Static_assert(sizeof(struct tdp_result) == 168, "result header layout is part of the shm ABI");
_Static_assert(sizeof(struct tdp_result) % 8 == 0, "intervals after the header stay 8-aligned");

/* A time scale's window bounds, exactly. */
static inline __int128 tdp_result_from(const struct tdp_result *r)
{
	return (__int128)(((unsigned __int128)(uint64_t)r->from_hi << 64) | (uint64_t)r->from);
}
static inline __int128 tdp_result_to(const struct tdp_result *r)
{
	return (__int128)(((unsigned __int128)(uint64_t)r->to_hi << 64) | (uint64_t)r->to);
}
static inline void tdp_result_set_bounds(struct tdp_result *r, __int128 from, __int128 to)
{
	r->from = (int64_t)(uint64_t)from;
	r->from_hi = (int64_t)(uint64_t)((unsigned __int128)from >> 64);
	r->to = (int64_t)(uint64_t)to;
	r->to_hi = (int64_t)(uint64_t)((unsigned __int128)to >> 64);
}

static inline struct tdp_interval *tdp_result_intervals(struct tdp_result *r)
{
	return (struct tdp_interval *)(r + 1);
}

static inline const struct tdp_interval *tdp_result_intervals_const(const struct tdp_result *r)
{
	return (const struct tdp_interval *)(r + 1);
}

/* Whether R carries the diagram of H_D: the scale asks for it and it was
 * computed. */
static inline bool tdp_result_has_diagram(const struct tdp_result *r, unsigned d)
{
	return d < TDP_MAX_HDIM && (r->dims_mask >> d & 1) && !r->incomplete[d];
}

/* Intervals of every diagram R carries (a dimension without one has
 * count 0, and is skipped all the same). */
static inline uint32_t tdp_result_nintervals(const struct tdp_result *r)
{
	uint32_t n = 0;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++)
		n += tdp_result_has_diagram(r, d) ? r->count[d] : 0;
	return n;
}

/* R's intervals of dimension D (a dimension without a diagram has none). */
static inline const struct tdp_interval *tdp_result_dim_intervals_const(const struct tdp_result *r, unsigned d)
{
	const struct tdp_interval *iv = tdp_result_intervals_const(r);
	for (unsigned k = 0; k < d; k++)
		iv += tdp_result_has_diagram(r, k) ? r->count[k] : 0;
	return iv;
}

/* The dimensions the scale asks for that R has no diagram of. */
static inline unsigned tdp_result_incomplete_dims(const struct tdp_result *r)
{
	unsigned k = 0;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++)
		k += (r->dims_mask >> d & 1) && r->incomplete[d];
	return k;
}

/* The features section of R (after its intervals). */
static inline const double *tdp_result_features_const(const struct tdp_result *r, uint32_t nintervals)
{
	return (const double *)(tdp_result_intervals_const(r) + nintervals);
}

static inline size_t tdp_result_size(uint32_t nintervals)
{
	return sizeof(struct tdp_result) + (size_t)nintervals * sizeof(struct tdp_interval);
}

/*
 * Events (tdapipe-events(5)): what a scale with `track` or `anomaly`
 * (common/config_events.h) makes of each window, computed by the scale
 * worker (scaled/events.c) and written by publish to the events sink.
 */
enum tdp_event_type {
	TDP_EVENT_BIRTH,    /* a tracked feature appeared: its id, its interval now */
	TDP_EVENT_DEATH,    /* one disappeared: its id, its interval in the previous window */
	TDP_EVENT_UPDATE,   /* one's lifetime changed by more than the stability ratio: now */
	TDP_EVENT_ANOMALY,  /* the window's score reached the threshold */
	TDP_EVENT_TYPES
};

/* The event type's name in events and stats ("feature_birth", ...). */
static inline const char *tdp_event_name(unsigned t)
{
	static const char *const names[TDP_EVENT_TYPES] = {
		"feature_birth", "feature_death", "feature_update", "anomaly",
	};
	return t < TDP_EVENT_TYPES ? names[t] : "unknown";
}

/* One event, or one live tracked feature (the state after the window). */
struct tdp_event {
	uint64_t feature;     /* the feature's id (anomaly: 0) */
	double birth, death;  /* the feature's interval (death +inf: essential); anomaly: 0 */
	uint8_t type;         /* enum tdp_event_type (live features: TDP_EVENT_BIRTH) */
	uint8_t dim;          /* homology dimension (anomaly: the signal's) */
	uint8_t pad[6];
};
_Static_assert(sizeof(struct tdp_event) == 32, "event layout is part of the shm ABI");

/*
 * The events section: this header, then nevents struct tdp_event (deaths,
 * births, updates, each by dimension and then feature id, then the
 * anomaly), then nlive struct tdp_event: the tracked features alive after
 * the window, by dimension and id.  The live ones are not published; they
 * are what a successor of a worker killed before committing the window
 * restarts tracking from (scaled/events_state.c).
 */
struct tdp_result_events {
	double value;         /* anomaly: the signal this window (NaN: none, e.g. a first window) */
	double median, mad;   /* of the history before it (NaN: empty) */
	double score;         /* NaN: none; +-inf when MAD and mean deviation are 0 */
	uint64_t next_id;     /* rips tracking: the next new feature's id, after this window */
	uint32_t history;     /* values in the history before this window */
	uint32_t nevents;
	uint32_t nlive;
	uint32_t flags;       /* TDP_EVENTS_* */
};
_Static_assert(sizeof(struct tdp_result_events) == 56, "events section layout is part of the shm ABI");

#define TDP_EVENTS_SCORED 1u   /* the scale has anomaly: results carry "score" */

/* R's events section (R has TDP_RESULT_EVENTS), after its NINTERVALS
 * intervals and its features. */
static inline const struct tdp_result_events *tdp_result_events_const(const struct tdp_result *r,
									 uint32_t nintervals)
{
	return (const struct tdp_result_events *)(tdp_result_features_const(r, nintervals) + r->features);
}

static inline const struct tdp_event *tdp_result_event_list(const struct tdp_result_events *e)
{
	return (const struct tdp_event *)(e + 1);
}



#endif
