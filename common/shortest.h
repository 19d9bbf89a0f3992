/*
 * shortest.h - the shortest decimal digits of a double that read back to
 * it: what Python's repr, Ryu and Schubfach print.
 */
#ifndef TDP_SHORTEST_H
#define TDP_SHORTEST_H

/*
 * The shortest decimal digits that parse back (correctly rounded) to X,
 * finite and != 0, and among those of that length the closest to X (ties
 * to an even last digit): DIGITS (no sign, no leading or trailing zeros,
 * NUL-terminated, at most 17) and the decimal exponent E such that
 * |X| = 0.DIGITS * 10^E.  Returns the number of digits; 0 (DIGITS empty)
 * for 0 and the non-finite values, which have no such digits.
 */
int tdp_shortest(double x, char digits[18], int *e);

#endif
