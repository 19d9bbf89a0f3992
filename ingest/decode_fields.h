/*
 * decode_fields.h - what a dotted path names in a jsonl or msgpack record
 * (the source's stream:, time:, values:), shared by both decoders so that
 * they walk a record once and agree on what a key is.
 */
#ifndef TDP_DECODE_FIELDS_H
#define TDP_DECODE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "ingest/decode.h"

enum field_role {
	F_NONE,      /* on no configured path: an extra key */
	F_STREAM,
	F_TIME,
	F_VALUE,     /* a configured value: one number, or null (absent) */
	F_V,         /* the default "v": a number or an array */
	F_PREFIX,    /* an object on the way to a configured path */
};

/* Seen-bits beside the values' 0..15. */
#define F_SEEN_STREAM (1u << 16)
#define F_SEEN_TIME (1u << 17)
#define F_SEEN_V (1u << 18)

/* What PATH (N bytes, "fields.temp") is for SRC; *SLOT the value's index
 * for F_VALUE. */
enum field_role field_role(const struct tdp_source_cfg *src, const char *path, size_t n, int *slot);

/* SEEN's bit of a role (F_VALUE: SLOT's). */
uint32_t field_seen_bit(enum field_role r, int slot);

/* After the walk: a configured stream or time that was not seen is a bad
 * record, the default "v" too; configured values not seen are absent
 * (NAN, out->absent).  Sets out->dim.  0, or -1 with REASON. */
int field_finish(const struct tdp_source_cfg *src, uint32_t seen, struct tdp_decoded *out, char *reason,
		 size_t rlen);

/* Mark configured value SLOT absent (null). */
void field_absent(struct tdp_decoded *out, int slot);

#endif
