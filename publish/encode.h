/*
 * encode.h - a result block as a JSON line or a msgpack map.
 *
 * {"v":1,"id":"<stream>/<scale>/<window>","stream":..,"scale":..,"window":k,
 *  "first_seq":..,"last_seq":..,"start":t0,"end":t1,"n":points,
 *  "diagrams":{"0":[[birth,death],...],...}}
 * Essential deaths are null; numbers round-trip exactly (common/json.h).
 * msgpack carries the same map: doubles as float64, seq numbers as uint,
 * essential deaths as nil.  See tdapipe-results(5).
 */
#ifndef TDP_ENCODE_H
#define TDP_ENCODE_H

#include "common/buf.h"
#include "common/record.h"

/* Append R as one JSON line, '\n'-terminated. */
void encode_result_jsonl(struct tdp_buf *b, const struct tdp_result *r,
			 const char *stream, const char *scale);

/* Append R as one msgpack map. */
void encode_result_msgpack(struct tdp_buf *b, const struct tdp_result *r,
			   const char *stream, const char *scale);

/* Room for the id of any configured result (a stream name, a scale name
 * and a 20-digit window, see record.h and config.h) without allocating. */
#define ENCODE_ID_SMALL 128

/*
 * The result id "<stream>/<scale>/<window>", shared by both encoders.
 * Built in SMALL when it fits, else in a malloc'd block; returns the id
 * (NUL-terminated, length in *LEN), or NULL when that allocation failed.
 * The caller frees the id when it is not SMALL.
 */
char *encode_result_id(char small[ENCODE_ID_SMALL], size_t *len, const struct tdp_result *r,
		       const char *stream, const char *scale);

#endif
