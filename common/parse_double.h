/*
 * parse_double.h - decimal text to the nearest double, bit for bit what
 * glibc's strtod returns, at several times its speed (Eisel-Lemire).
 */
#ifndef TDP_PARSE_DOUBLE_H
#define TDP_PARSE_DOUBLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse S[0..LEN) (need not be NUL-terminated), all of it, as a decimal
 * number:
 *
 *     [+-]? ( D+ ( '.' D* )? | '.' D+ ) ( [eE] [+-]? D+ )?      D = [0-9]
 *
 * (no blanks, no hex, no nan/inf).  Returns 0 with *OUT the double nearest
 * to the exact decimal value, ties to even: +-HUGE_VAL (inf) when it is
 * too large, +-0 or a subnormal when it is that small; the same bits as
 * strtod in the default rounding mode.  Returns -1 (*OUT untouched) when
 * S is not of that form.  TDP_GLIBC_NUMBERS builds make this
 * tdp_parse_double_glibc.
 */
int tdp_parse_double(const char *s, size_t len, double *out);

/* The reference: glibc's strtod on a NUL-terminated copy of S, 0 when it
 * took all of S (LEN > 0), else -1.  Takes everything strtod takes. */
int tdp_parse_double_glibc(const char *s, size_t len, double *out);

/* For the tests: the exact big-integer decision alone, from the
 * candidate B0 (the bits of a double >= 0, at most one double from the
 * answer), so that every way it can go is checked against strtod.  -1
 * when S is outside the grammar or the range where the decision is used
 * (0, exponents past the table's).  Not in TDP_GLIBC_NUMBERS builds. */
int tdp_parse_double_decide(const char *s, size_t len, uint64_t b0, double *out);

#endif
