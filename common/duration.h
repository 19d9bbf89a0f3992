/*
 * duration.h - lengths of time as people write them in a config:
 * an unsigned integer and a unit, "250ms", "30s", "5m", "1h".
 */
#ifndef TDP_DURATION_H
#define TDP_DURATION_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse LEN bytes at S: decimal digits (no sign, no leading zero but "0"
 * itself) followed by one of the units ns us ms s m h, or by nothing when
 * BARE_UNIT_NS is not 0 (then a bare integer counts that many of it).
 * Stores nanoseconds in *NS.  0, or -1 on bad syntax, -2 when the value
 * does not fit in 64 bits of nanoseconds (~584 years).
 */
int tdp_duration_parse(const char *s, size_t len, uint64_t bare_unit_ns, uint64_t *ns);

/* NS written back as a duration in the largest unit that divides it
 * exactly ("100ms", "1m", "0s" for 0), into OUT (LEN bytes). */
void tdp_duration_format(char *out, size_t len, uint64_t ns);

#endif
