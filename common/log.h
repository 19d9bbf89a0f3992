/*
 * log.h - one-line diagnostics on stderr, one write() per line so that the
 * lines of the supervisor and its children, merged on one stderr, never
 * interleave (tdapipe-run(1), LOG LINES).
 *
 * Every line carries its wall time (RFC 3339 UTC, milliseconds), a level,
 * the program, its pid and, for a scale worker, its scale; as text
 *
 *   2026-12-06T19:40:02.123Z error tdapipe-publish[1234]: sink: ...
 *   2026-12-06T19:40:02.123Z info tdapipe-scaled[1240] scale=fast: ...
 *
 * or, with `log: {format: json}` (tdapipe.yaml(5)), one JSON object
 *
 *   {"time":"...","level":"error","process":"tdapipe-publish","pid":1234,
 *    "scale":null,"msg":"sink: ..."}
 *
 * A process writes text until it has parsed its config, then applies the
 * config's format (tdp_log_set_format).
 */
#ifndef TDP_LOG_H
#define TDP_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tdp_log_level { TDP_LOG_ERROR = 0, TDP_LOG_WARN = 1, TDP_LOG_INFO = 2 };

void tdp_log_init(const char *progname);
/* The scale a worker's lines name (NULL or "": none). */
void tdp_log_set_scale(const char *scale);
/* enum tdp_log_format (common/config_metrics.h): text or JSON lines. */
void tdp_log_set_format(int format);

/* Info: what happened, nothing to do about it. */
void tdp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Warn: something went wrong and is being handled (a retry, a restart). */
void tdp_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Error: something failed; say what and what to do. */
void tdp_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For lines counted as they happen (points left out, partitions paused):
 * whether the Nth is logged, the first and then at powers of two, so the
 * log says what happens and how often without growing with it. */
static inline bool tdp_log_nth(uint64_t n)
{
	return n && !(n & (n - 1));
}

/*
 * For lines a sender can cause at any rate (a connection reset, closed,
 * refused): at most one line per second per limiter; the next line that
 * passes says how many were held back.  The counters in the segment, not
 * these lines, are the record of how many there were.
 */
struct tdp_log_limit {
	uint64_t next_ns;
	uint64_t held;
};
void tdp_log_limited(struct tdp_log_limit *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The fields of one line, for tdp_log_format_line. */
struct tdp_log_line {
	int format;               /* enum tdp_log_format */
	int64_t wall_ns;          /* since the Unix epoch */
	enum tdp_log_level level;
	const char *prog;
	int pid;
	const char *scale;        /* NULL or "": none */
	const char *msg;          /* any bytes but NUL */
};

/*
 * Format L into OUT (CAP >= 256 bytes) as one line ending in '\n', cut to
 * fit: a cut JSON line is still one complete, valid object (its message
 * is what is cut).  Returns the length.  Pure: what the logging functions
 * write, and what the unit test checks.
 */
size_t tdp_log_format_line(char *out, size_t cap, const struct tdp_log_line *l);

#endif
