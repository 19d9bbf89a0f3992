/*
 * streams.h - interning stream ids into the segment's stream table.
 *
 * Points carry a 32-bit stream index instead of the name.  Ingest is the
 * only writer: it fills an entry, then release-stores the new count, before
 * any point that uses it is pushed, so a worker that sees the point can
 * read the name.  A hash index in ingest's memory maps names to entries and
 * is rebuilt from the segment when a restarted ingest re-attaches.
 */
#ifndef TDP_STREAMS_H
#define TDP_STREAMS_H

#include <stdint.h>

#include "common/shm.h"

struct streams {
	const struct tdp_shm *seg;
	uint32_t *slots;     /* open addressing: entry index + 1, 0 = empty */
	uint32_t mask;
	int64_t last;        /* the index found last, -1 = none: most sources
			      * send runs of one stream (a CSV file has one) */
};

int streams_init(struct streams *st, const struct tdp_shm *seg);
void streams_fini(struct streams *st);

/* Where a new stream starts (struct tdp_stream): its base point and,
 * from a Kafka source, its partition. */
struct stream_origin {
	uint16_t kpart;      /* 1 + partition index, 0 = not Kafka */
	uint64_t base_seq;   /* sequence number of its first point here */
	uint64_t base_off;   /* source offset of that point */
};

/* Index of stream NAME, or -1 when it is not interned.  Remembers it, so
 * that the next lookup of the same name compares one name and hashes
 * nothing. */
int64_t streams_find(struct streams *st, const char *name);

/* Index of stream NAME, interning it from ORIGIN if new.  -ENOSPC when
 * the table (max_streams) is full. */
int64_t streams_intern(struct streams *st, const char *name, const struct stream_origin *origin);

#endif
