/*
 * framer.h - cutting a byte stream into records and decoding each.
 *
 * Text formats (csv, jsonl): one record per line (csv: a newline inside
 * an RFC 4180 quoted field does not end the record; line numbers still
 * count every line, a record is named by its first); a record longer than
 * max_record is reported once, truncated, and the rest of it skipped; empty
 * lines are skipped; with csv `header: true` the first record of each
 * input (file, stdin, connection) is its header: where named columns are
 * (csv_columns_header), and a header that lacks one makes every record of
 * that input a dead letter saying so.  msgpack: concatenated maps; a map longer than
 * max_record is passed exactly (its end found from its headers, however
 * it is cut into chunks) and reported once; a byte that cannot start an
 * object ends the decoding of that input (file, stdin, connection,
 * datagram): reported once, with fr->rejected set so that the caller
 * stops reading it; a datagram or a connection that ends inside a map
 * yields a "truncated" bad record.  An input cut short (a connection reset
 * or closed for idleness: chunk.cut) turns a partial record of any format
 * into a bad record with f->cut set.  No record is ever decoded from bytes
 * inside another.
 * Every record, good or bad, reaches the callback with its raw bytes, its
 * byte offset and line number, so nothing is dropped without a trace; a
 * bad one also with its class (f->dead): too long, cut (its input ended
 * inside it, whether cut short or not) or else malformed.
 */
#ifndef TDP_FRAMER_H
#define TDP_FRAMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/shm.h"
#include "ingest/decode.h"
#include "ingest/source.h"

struct frame {
	const char *raw;         /* the record's bytes (truncated ones: the first max_record) */
	size_t len;
	uint64_t off;            /* byte offset of the record in its file / connection */
	uint64_t line;           /* 1-based line number (text), 0 for msgpack */
	uint64_t end_line;       /* text: the line it ends on (a csv record's quotes may hold line breaks) */
	bool truncated;
	bool cut;                /* a fragment: its input was cut short inside it (chunk.cut) */
	bool ok;                 /* decoded fine: dec is valid; else reason says why */
	enum tdp_dead_reason dead; /* when !ok: the class of reason, set where reason is written */
	struct tdp_decoded dec;
	char reason[192];
};

typedef void (*framer_cb)(void *ctx, struct frame *f);

struct framer {
	const struct tdp_source_cfg *cfg;
	struct tdp_buf carry;    /* bytes of a record split across chunks */
	uint64_t carry_off;
	uint64_t line;           /* lines started so far */
	bool overlong;           /* skipping the rest of an over-long line */
	uint64_t end_off;        /* offset just past the last complete record */
	/* csv */
	int quote;               /* where the scan is in a record (framer.c: enum csv_scan) */
	uint64_t inner_lines;    /* newlines inside quotes of the record being read */
	bool header_pending;     /* the next record is the input's header */
	bool header_warned;      /* a bad header was logged */
	struct csv_columns cols; /* this input's columns */
	/* msgpack */
	bool skipping;           /* passing an object longer than max_record */
	struct msgpack_skip skip;
	bool rejecting;          /* after a byte that is not msgpack: nothing more is decoded */
	bool rejected;           /* just started rejecting: the caller stops the input */
	uint64_t reject_off;     /* the byte that is not msgpack */
	uint64_t reject_end;     /* where the input ends, per the caller (framer_reject_until) */
};

void framer_init(struct framer *fr, const struct tdp_source_cfg *cfg, uint64_t start_line);
void framer_fini(struct framer *fr);

/* A resumed input (START_LINE > 0) is past its header: give it the first
 * bytes of the input (P, LEN; at least the header's record, or all of a
 * shorter input), from which its columns are read. */
void framer_header(struct framer *fr, const char *p, size_t len);
/* Feed one chunk; CB runs once per record completed by it. */
void framer_feed(struct framer *fr, const struct source_chunk *c, framer_cb cb, void *ctx);

/* After fr->rejected: the caller stopped the input, which a restarted
 * ingest resumes at END (a file's size: nothing of it is decoded again);
 * clears fr->rejected. */
void framer_reject_until(struct framer *fr, uint64_t end);

/*
 * Decode one whole record that arrived on its own (a Kafka message's
 * value) into *F, with the same checks as a framed one: max_record, a text
 * record may end in one newline (and '\r'), a msgpack record must be
 * exactly one map.  OFF is stored as f->off; f->line is 0.
 */
void framer_decode_message(const struct tdp_source_cfg *cfg, const char *p, size_t len, uint64_t off,
			   struct frame *f);

#endif
