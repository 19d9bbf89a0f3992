/*
 * json.h - writing JSON text: strings escaped per RFC 8259 and doubles in
 * the shortest form that parses back (strtod) to the same double.
 */
#ifndef TDP_JSON_H
#define TDP_JSON_H

#include <stddef.h>

#include "common/buf.h"

/* Append S (LEN bytes, any bytes) as a quoted JSON string.  Control
 * characters become \uXXXX, invalid UTF-8 bytes become \u00XX of the
 * byte value so the output is always valid JSON and nothing is lost. */
void tdp_json_string(struct tdp_buf *b, const char *s, size_t len);

/* The offset of the first byte of S (LEN bytes) that is not part of valid
 * UTF-8 (no overlong forms, surrogates or code points above U+10FFFF), or
 * LEN when all of it is. */
size_t tdp_utf8_check(const char *s, size_t len);

/* Append X as a JSON number: the shortest digits that round-trip, laid out as %.17g would;
 * NaN and infinities (not JSON) are written as null. */
void tdp_json_double(struct tdp_buf *b, double x);

/* Format X into OUT (>= 32 bytes) as above ("inf"/"-inf"/"nan" for the
 * non-finite values); returns the length. */
size_t tdp_format_double(char *out, double x);

/* The same by glibc's snprintf + strtod searching the precision: what
 * tdp_format_double() is in a TDP_GLIBC_NUMBERS build; for the tests and
 * the benchmark.  One digit longer than the shortest at some doubles just
 * above powers of two (see json.c). */
size_t tdp_format_double_glibc(char *out, double x);

#endif
