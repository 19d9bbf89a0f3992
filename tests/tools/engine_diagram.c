/*
 * engine_diagram - print the H0 diagram the scale engine computes for one
 * window read from stdin.  Used by tests/oracle/check_engine.py to compare
 * the engine with GUDHI and Ripser.
 *
 *   engine_diagram sublevel            stdin: one number per line
 *   engine_diagram rips                stdin: one point per line, coordinates
 *                                      separated by commas and/or blanks
 *   engine_diagram rips --embed D L    stdin: a series, delay-embedded with
 *                                      dimension D and lag L, then Rips
 *
 * Output: one interval per line, "BIRTH DEATH" with "%.17g" (exact round
 * trip) and "inf" for an essential class, in diagram_sort() order.  Blank
 * lines in the input are skipped.  Exit 2 with a message on bad usage or
 * bad input (non-numbers, NaN/inf, ragged point dimensions).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/diagram.h"
#include "scaled/embed.h"
#include "scaled/rips_h0.h"
#include "scaled/sublevel.h"

/* A growable array of doubles: the whole window, row-major. */
struct vec {
	double *v;
	size_t len, cap;
};

static void die(const char *fmt, const char *arg, size_t line)
{
	fputs("engine_diagram: ", stderr);
	if (line)
		fprintf(stderr, "line %zu: ", line);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static void usage(void)
{
	fputs("usage: engine_diagram sublevel\n"
	      "       engine_diagram rips [--embed DIM LAG]\n", stderr);
	exit(2);
}

static void vec_push(struct vec *a, double x)
{
	if (a->len == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 1024;
		double *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			die("%s", "out of memory", 0);
		a->v = v;
		a->cap = cap;
	}
	a->v[a->len++] = x;
}

static int is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Parse every number on LINE (separated by commas and/or blanks) onto A.
 * Returns how many there were; dies on anything that is not a finite
 * number.
 */
static size_t parse_line(char *line, size_t lineno, struct vec *a)
{
	size_t k = 0;
	char *p = line;

	for (;;) {
		while (*p && is_sep(*p))
			p++;
		if (!*p)
			break;

		char *end;
		double x = strtod(p, &end);

		if (end == p || (*end && !is_sep(*end)) || !isfinite(x)) {
			size_t len = strcspn(p, ", \t\r\n");

			p[len] = '\0';
			die("not a finite number: '%s'", p, lineno);
		}
		vec_push(a, x);
		k++;
		p = end;
	}
	return k;
}

/*
 * Read stdin into A.  PER_LINE: numbers each line must hold (1 for a
 * series), or 0 to take it from the first non-blank line (point clouds).
 * Returns the numbers per line (0 if the input had none).
 */
static size_t read_input(struct vec *a, size_t per_line)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;

	while (getline(&line, &cap, stdin) >= 0) {
		size_t k = parse_line(line, ++lineno, a);

		if (k == 0)
			continue;
		if (per_line == 0)
			per_line = k;
		if (k != per_line) {
			char msg[64];

			snprintf(msg, sizeof(msg), "%zu", per_line);
			die("expected %s numbers", msg, lineno);
		}
	}
	if (ferror(stdin))
		die("%s", "read error on stdin", 0);
	free(line);
	return a->len ? per_line : 0;
}

static uint32_t parse_u32(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || *end || errno || v > UINT32_MAX || s[0] == '-')
		die("bad %s", what, 0);
	return (uint32_t)v;
}

static void print_diagram(const struct tdp_interval *iv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (isinf(iv[i].death))
			printf("%.17g inf\n", iv[i].birth);
		else
			printf("%.17g %.17g\n", iv[i].birth, iv[i].death);
	}
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("%s", "out of memory", 0);
	return p;
}

int main(int argc, char **argv)
{
	struct vec a = { 0 };
	struct tdp_interval *out;
	void *scratch;
	size_t n, count;

	if (argc < 2)
		usage();

	if (strcmp(argv[1], "sublevel") == 0) {
		if (argc != 2)
			usage();
		read_input(&a, 1);
		n = a.len;
		out = xmalloc(n * sizeof(*out));
		scratch = xmalloc(sublevel_scratch_size(n));
		count = sublevel_h0(a.v, n, out, scratch);
	} else if (strcmp(argv[1], "rips") == 0) {
		const double *pts;
		double *emb = NULL;
		size_t dim;

		if (argc == 2) {
			dim = read_input(&a, 0);
			n = dim ? a.len / dim : 0;
			pts = a.v;
		} else if (argc == 5 && strcmp(argv[2], "--embed") == 0) {
			uint32_t d = parse_u32(argv[3], "embedding dimension");
			uint32_t lag = parse_u32(argv[4], "lag");

			if (d == 0)
				die("%s", "embedding dimension must be >= 1", 0);
			read_input(&a, 1);
			n = delay_embed_count(a.len, d, lag);
			dim = d;
			emb = xmalloc(n * dim * sizeof(*emb));
			delay_embed(a.v, a.len, d, lag, emb);
			pts = emb;
		} else {
			usage();
		}
		out = xmalloc(n * sizeof(*out));
		scratch = xmalloc(rips_h0_scratch_size(n));
		struct rips_input in = {RIPS_POINTS, n, dim, pts};
		if (rips_h0(&in, INFINITY, out, scratch, &count) < 0)
			die("%s", "a distance overflows a double", 0);
		free(emb);
	} else {
		usage();
	}

	print_diagram(out, count);
	free(out);
	free(scratch);
	free(a.v);
	if (fflush(stdout) != 0)
		return 1;
	return 0;
}
