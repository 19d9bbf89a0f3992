/*
 * fuzz.h - what every libFuzzer harness of tests/fuzz/ shares: a property
 * check that stops the run where it fails, and a reader that turns the
 * fuzzer's bytes into the harness's choices.
 *
 * A harness checks properties, not only crashes: FUZZ_CHECK(cond, ...)
 * prints what was expected and abort()s, which libFuzzer reports as a
 * crash and saves the input that caused it (make fuzz: build-fuzz/crashes/).
 */
#ifndef TDP_FUZZ_H
#define TDP_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                        \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: property violated: %s\n  ", __FILE__, \
				__LINE__, #cond);                                    \
			fprintf(stderr, __VA_ARGS__);                                \
			fputc('\n', stderr);                                         \
			abort();                                                     \
		}                                                                    \
	} while (0)

/* The fuzzer's bytes, taken from the front; past the end every take
 * yields zeros, so a short input is still a valid (small) case. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint64_t fuzz_u64(struct fuzz_in *in, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | fuzz_u8(in);
	return v;
}

/* Any double, NaN payloads and infinities included. */
static inline double fuzz_double(struct fuzz_in *in)
{
	uint64_t u = fuzz_u64(in, 8);
	double d;
	memcpy(&d, &u, sizeof(d));
	return d;
}

/* Up to MAX bytes of the input (fewer when it runs out); *LEN set. */
static inline const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t max, size_t *len)
{
	const uint8_t *p = in->p;
	*len = max < in->n ? max : in->n;
	in->p += *len;
	in->n -= *len;
	return p;
}

/* A NUL-terminated string of the input's bytes up to its first NUL (or
 * MAX bytes), malloc'd; the NUL is consumed. */
static inline char *fuzz_cstr(struct fuzz_in *in, size_t max)
{
	size_t n = 0;
	while (n < in->n && n < max && in->p[n])
		n++;
	char *s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, in->p, n);
	s[n] = '\0';
	in->p += n;
	in->n -= n;
	if (in->n && n < max)
		fuzz_u8(in);
	return s;
}

/* A copy of P (N bytes) in a block of exactly N bytes, so that ASan sees
 * any read past its end. */
static inline char *fuzz_dup(const void *p, size_t n)
{
	char *q = malloc(n ? n : 1);
	if (!q)
		abort();
	if (n)
		memcpy(q, p, n);
	return q;
}

/* xorshift64: chunk sizes and other choices derived from a seed. */
static inline uint64_t fuzz_rand(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15u;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Whether reason REASON (RLEN bytes of room) is what a dead letter
 * needs: non-empty, NUL-terminated, and one printable line. */
static inline bool fuzz_reason_ok(const char *reason, size_t rlen)
{
	const char *nul = memchr(reason, '\0', rlen);
	if (!nul || nul == reason)
		return false;
	for (const char *c = reason; c < nul; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return false;
	return true;
}

#endif
