/*
 * buf.h - a growable byte buffer for building output records.
 *
 * Growth is bounded by the caller's choice of what to append; appends
 * never fail silently: on allocation failure the buffer is marked failed
 * and every later append is a no-op, checked once with tdp_buf_ok().
 */
#ifndef TDP_BUF_H
#define TDP_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tdp_buf {
	char *p;
	size_t len;
	size_t cap;
	bool failed;
};

void tdp_buf_init(struct tdp_buf *b);
void tdp_buf_fini(struct tdp_buf *b);
void tdp_buf_reset(struct tdp_buf *b);            /* len = 0, keeps memory */
bool tdp_buf_reserve(struct tdp_buf *b, size_t more);
void tdp_buf_append(struct tdp_buf *b, const void *p, size_t n);
void tdp_buf_putc(struct tdp_buf *b, char c);
void tdp_buf_puts(struct tdp_buf *b, const char *s);
void tdp_buf_printf(struct tdp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* X in decimal, as "%" PRIu64 prints it, without printf's cost. */
void tdp_buf_put_u64(struct tdp_buf *b, uint64_t x);

/* X in decimal at OUT (room for 20 digits); returns how many.  The digits
 * go straight to their places (counted first): a copy from a scratch
 * array written a byte at a time stalls on store forwarding, and printf's
 * format parsing costs more than the digits on per-result paths. */
static inline size_t tdp_u64_digits(char *out, uint64_t x)
{
	size_t n = 1;
	for (uint64_t t = x; t >= 10; t /= 10)
		n++;
	char *q = out + n;
	do {
		*--q = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	return n;
}
static inline bool tdp_buf_ok(const struct tdp_buf *b) { return !b->failed; }

/*
 * Append the whole file PATH (pipes and /proc files too: its size is not
 * trusted) and a NUL that b->len does not count, so the text can be used
 * as a C string.  Returns 0, or -errno: -EISDIR for a directory, -EFBIG
 * past MAX bytes, -ENOMEM.
 */
int tdp_buf_read_file(struct tdp_buf *b, const char *path, size_t max);
/* The same from an open descriptor, read to its end. */
int tdp_buf_read_fd(struct tdp_buf *b, int fd, size_t max);

#endif
