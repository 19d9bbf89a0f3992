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

/* A point, as ingest stamped it. */
struct tdp_point {
	uint64_t seq;      /* per-stream sequence number, 0 at the stream's first valid record */
	double t;          /* event time; the sequence number when the record had none */
	uint64_t src_off;  /* byte offset of the record in its source; Kafka: the message offset */
	uint32_t stream;   /* index into the segment's stream table */
	uint16_t dim;      /* number of valid entries in v */
	uint16_t part;     /* Kafka: index of the source partition in the segment's table, else 0 */
	double v[TDP_MAX_DIM];
};
_Static_assert(sizeof(struct tdp_point) == 160, "point record layout is part of the shm ABI");

/* One persistence interval; death == +INFINITY for an essential class. */
struct tdp_interval {
	double birth;
	double death;
};

/*
 * A result block in a scale's arena: this header, then the intervals of
 * every dimension in dims_mask in increasing dimension, count[d] of each,
 * each dimension's intervals sorted (birth, then death).
 */
struct tdp_result {
	uint32_t size;        /* bytes of header + intervals */
	uint32_t stream;      /* stream table index */
	uint32_t scale;       /* scale index in the config */
	uint32_t dims_mask;   /* bit d set: the diagram of H_d is present */
	uint64_t window;      /* window number k */
	uint64_t first_seq;   /* k * slide */
	uint64_t last_seq;    /* k * slide + window - 1 */
	double start;         /* event time of the first point */
	double end;           /* event time of the last point */
	uint64_t n;           /* points in the window */
	uint64_t lost;        /* points of the window that never arrived */
	uint32_t count[TDP_MAX_HDIM];
	uint32_t landmarks;   /* rips: points kept by max-min subsampling, 0 = all */
	uint32_t truncated;   /* intervals left out (least persistent first) above the cap */
	uint64_t src_seq;     /* the window's first point present: its sequence number */
	uint64_t src_off;     /* and its source offset (Kafka: message offset), for checkpoints */
	uint8_t incomplete[TDP_MAX_HDIM]; /* per dimension in dims_mask: enum tdp_incomplete, count 0 */
	uint32_t pad;
};
_Static_assert(sizeof(struct tdp_result) == 120, "result header layout is part of the shm ABI");
_Static_assert(sizeof(struct tdp_result) % 8 == 0, "intervals after the header stay 8-aligned");

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

/* The dimensions the scale asks for that R has no diagram of. */
static inline unsigned tdp_result_incomplete_dims(const struct tdp_result *r)
{
	unsigned k = 0;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++)
		k += (r->dims_mask >> d & 1) && r->incomplete[d];
	return k;
}

static inline size_t tdp_result_size(uint32_t nintervals)
{
	return sizeof(struct tdp_result) + (size_t)nintervals * sizeof(struct tdp_interval);
}

#endif
