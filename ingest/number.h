/*
 * number.h - pieces shared by the record decoders: parsing one value as a
 * finite decimal number, copying a stream id, and quoting bad input in a
 * reason.  Every function that can fail writes a short English phrase to
 * REASON (RLEN bytes, always NUL-terminated when RLEN > 0).
 */
#ifndef TDP_NUMBER_H
#define TDP_NUMBER_H

#include <stddef.h>

#include "common/record.h"

/* Bytes of bad input quoted in a reason; longer input is cut and "..." added. */
#define TDP_QUOTE_BYTES 32
/* Room for a quoted piece: quotes, TDP_QUOTE_BYTES, "...", NUL. */
#define TDP_QUOTE_MAX (TDP_QUOTE_BYTES + 8)

enum number_status {
	NUMBER_OK,
	NUMBER_EMPTY,        /* nothing but spaces and tabs */
	NUMBER_NOT_NUMBER,   /* not a decimal number (hex floats included) */
	NUMBER_NOT_FINITE,   /* nan, inf, infinity, or too large for a double */
};

/* Drop the spaces and tabs around *S (*LEN bytes): what the parsers ignore. */
void number_trim(const char **s, size_t *len);

/* Parse S[0..LEN) (need not be NUL-terminated) as a finite decimal number,
 * spaces and tabs around it allowed; *OUT is set only on NUMBER_OK. */
enum number_status number_parse(const char *s, size_t len, double *out);

/* number_parse, and on failure REASON = "FIELD: empty",
 * "FIELD: not a number: \"abc\"" or "FIELD: not finite: \"nan\"".
 * Returns 0 or -1. */
int number_field(const char *field, const char *s, size_t len, double *out,
		 char *reason, size_t rlen);

/* number_field with the field named by printf FMT, which is formatted only
 * when a reason is written: the decoders' per-column names ("column 3",
 * "v[2]") cost nothing on a good record. */
int number_fieldf(const char *s, size_t len, double *out, char *reason, size_t rlen,
		  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Room for "v[" 20 digits "]" and NUL. */
#define TDP_V_NAME_MAX 24

/* Write "v[I]" to OUT: the name of the I-th element of a value array in
 * reasons, built per element by the decoders, so without printf. */
void number_v_name(char out[TDP_V_NAME_MAX], unsigned long i);

/* Write S (LEN bytes) to OUT quoted for a reason: at most TDP_QUOTE_BYTES
 * of it, cut at a UTF-8 character boundary with "..." appended when cut;
 * control bytes become '?' so a reason stays one printable line. */
void reason_quote(char out[TDP_QUOTE_MAX], const char *s, size_t len);

/* Copy a stream id of LEN bytes into OUT (NUL-terminated).  It must be 1 to
 * TDP_STREAM_NAME_MAX - 1 bytes of valid UTF-8 without NUL bytes; S is not read when LEN
 * is too long, so callers may pass the full length of a value they only
 * kept a prefix of.  Returns 0 or -1 with REASON. */
int stream_id_set(char out[TDP_STREAM_NAME_MAX], const char *s, size_t len,
		  char *reason, size_t rlen);

#endif
