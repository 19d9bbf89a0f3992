/*
 * plot.c - `tdapipe plot KIND [options] [RESULTS|-]`: a persistence
 * diagram, a barcode or a feature series of a results file as SVG or PNG
 * (tdapipe-plot(1)).
 *
 * This file is the command: its options, which stream, scale and
 * windows they name, and which canvas draws them.  Reading is
 * cli/plot_read.c, drawing cli/plot_draw.c (cli/plot.h).
 */
#include "cli/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/exitcode.h"
#include "common/json.h"

static const char usage[] =
	"usage: tdapipe plot diagram|barcode|series [--stream S] [--scale NAME]\n"
	"         [--window K | --from T --to T] [--dim D] [--feature NAME] [--events FILE]\n"
	"         [--size WxH] [--format svg|png] [-o FILE.svg|FILE.png] [RESULTS|-]\n"
	"Draw the results of tdapipe (tdapipe-results(5), JSON Lines or msgpack, from\n"
	"RESULTS or standard input) as SVG (the default, to standard output) or PNG.\n"
	"  diagram            the persistence diagram of one window: births against deaths,\n"
	"                     per dimension, essential classes on the line \"inf\"\n"
	"  barcode            the same window as bars, longest first, per dimension\n"
	"  series             a feature of every window against the window's end\n"
	"  --stream S         the stream (needed when the file has several)\n"
	"  --scale NAME       the scale (needed when the stream has several)\n"
	"  --window K         diagram, barcode: window K (default: the last one)\n"
	"  --from T --to T    only windows whose end is in [T, T] (diagram: the last of them)\n"
	"  --dim D            diagram, barcode: only dimension D; series: the dimension of\n"
	"                     the feature (default 0)\n"
	"  --feature NAME     series: score, total, entropy, count, essential, max (features\n"
	"                     summary), bottleneck, wasserstein1, wasserstein2 (distance), or\n"
	"                     betti@X, the Betti number at X (default: score if there is one,\n"
	"                     else total)\n"
	"  --events FILE      series: mark the anomaly events of FILE (tdapipe-events(5))\n"
	"  --size WxH         pixels (default 800x600)\n"
	"  --format svg|png   the format (default: from -o's extension, else svg)\n"
	"  -o FILE            write FILE instead of standard output\n"
	"Exit 100 on bad usage or input (a stream, scale or window not in the file), 111 on\n"
	"a system failure.\n";

enum kind { DIAGRAM, BARCODE, SERIES };

struct opts {
	enum kind kind;
	const char *stream, *scale, *feature, *events, *out, *input;
	bool has_window, has_from, has_to, png;
	int64_t window;
	double from, to;
	int dim; /* -1: all */
	int width, height;
};

static int fail_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("tdapipe plot: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return TDP_EXIT_USAGE;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && !strcasecmp(s + n - m, tail);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_STREAM = 256, O_SCALE, O_WINDOW, O_FROM, O_TO, O_DIM, O_FEATURE, O_EVENTS, O_SIZE, O_FORMAT };
	static const struct option longopts[] = {
		{"stream", required_argument, NULL, O_STREAM}, {"scale", required_argument, NULL, O_SCALE},
		{"window", required_argument, NULL, O_WINDOW}, {"from", required_argument, NULL, O_FROM},
		{"to", required_argument, NULL, O_TO},         {"dim", required_argument, NULL, O_DIM},
		{"feature", required_argument, NULL, O_FEATURE}, {"events", required_argument, NULL, O_EVENTS},
		{"size", required_argument, NULL, O_SIZE},     {"format", required_argument, NULL, O_FORMAT},
		{"output", required_argument, NULL, 'o'},      {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	*o = (struct opts){.dim = -1, .width = 800, .height = 600, .input = "-"};
	const char *format = NULL;
	double v;
	int c;
	/* No '+': GNU getopt permutes, so options may come before or after
	 * the kind and the file. */
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			printf("%s", usage);
			return -1;
		case 'o': o->out = optarg; break;
		case O_STREAM: o->stream = optarg; break;
		case O_SCALE: o->scale = optarg; break;
		case O_FEATURE: o->feature = optarg; break;
		case O_EVENTS: o->events = optarg; break;
		case O_WINDOW:
			if (!cli_number_arg(optarg, -9e15, 9e15, &v) || v != floor(v))
				return fail_usage("--window: expected an integer, got \"%s\"", optarg);
			o->window = (int64_t)v;
			o->has_window = true;
			break;
		case O_FROM:
		case O_TO:
			if (!cli_number_arg(optarg, -INFINITY, INFINITY, &v))
				return fail_usage("--%s: expected a number, got \"%s\"", c == O_FROM ? "from" : "to", optarg);
			*(c == O_FROM ? &o->from : &o->to) = v;
			*(c == O_FROM ? &o->has_from : &o->has_to) = true;
			break;
		case O_DIM:
			if (!cli_number_arg(optarg, 0, 63, &v) || v != floor(v))
				return fail_usage("--dim: expected an integer 0..63, got \"%s\"", optarg);
			o->dim = (int)v;
			break;
		case O_SIZE: {
			char *x;
			long w = strtol(optarg, &x, 10);
			long h = *x == 'x' ? strtol(x + 1, &x, 10) : 0;
			if (*x || w < 200 || w > 8000 || h < 150 || h > 8000)
				return fail_usage("--size: expected WxH, 200x150 to 8000x8000, got \"%s\"", optarg);
			o->width = (int)w;
			o->height = (int)h;
			break;
		}
		case O_FORMAT:
			if (strcmp(optarg, "svg") && strcmp(optarg, "png"))
				return fail_usage("--format: expected svg or png, got \"%s\"", optarg);
			format = optarg;
			break;
		default:
			return fail_usage("unknown option or missing value: \"%s\" (see --help)", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return fail_usage("expected what to draw: diagram, barcode or series (see --help)");
	const char *kind = argv[optind++];
	if (!strcmp(kind, "diagram"))
		o->kind = DIAGRAM;
	else if (!strcmp(kind, "barcode"))
		o->kind = BARCODE;
	else if (!strcmp(kind, "series"))
		o->kind = SERIES;
	else
		return fail_usage("expected diagram, barcode or series, got \"%s\"", kind);
	if (argc - optind > 1)
		return fail_usage("more than one results file (see --help)");
	if (optind < argc)
		o->input = argv[optind];
	if (o->has_window && (o->has_from || o->has_to))
		return fail_usage("--window goes without --from and --to");
	if (o->has_window && o->kind == SERIES)
		return fail_usage("--window picks one window: series draws many (use --from and --to)");
	if (o->has_from && o->has_to && o->from > o->to)
		return fail_usage("--from %g is after --to %g", o->from, o->to);
	if (o->kind != SERIES && (o->feature || o->events))
		return fail_usage("--feature and --events are for series");
	o->png = format ? !strcmp(format, "png") : o->out && ends_with(o->out, ".png");
	return 0;
}

/* The first distinct streams (STREAM NULL) or scales of STREAM in S's
 * results, for messages: O(results), a few names compared each. */
static void list_names(const struct plot_set *s, const char *stream, char *out, size_t size)
{
	enum { SHOWN = 8 };
	const char *seen[SHOWN];
	size_t nseen = 0, len = 0;
	out[0] = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (stream && strcmp(s->r[i].stream, stream))
			continue;
		const char *name = stream ? s->r[i].scale : s->r[i].stream;
		bool dup = false;
		for (size_t k = 0; k < nseen && !dup; k++)
			dup = !strcmp(seen[k], name);
		if (dup)
			continue;
		if (nseen == SHOWN) {
			snprintf(out + len, size - len, ", ...");
			return;
		}
		seen[nseen++] = name;
		int w = snprintf(out + len, size - len, "%s%s", len ? ", " : "", name);
		if (w < 0 || (size_t)w >= size - len)
			return;
		len += (size_t)w;
	}
}

/* Resolve *NAME (a stream when STREAM is NULL, else one of its scales):
 * given, it must be in the file; not given, the file must have just one. */
static int pick(const struct plot_set *s, const char *path, const char *stream, const char **name)
{
	const char *what = stream ? "scale" : "stream";
	char names[512];
	list_names(s, stream, names, sizeof(names));
	for (size_t i = 0; i < s->n; i++) {
		if (stream && strcmp(s->r[i].stream, stream))
			continue;
		const char *have = stream ? s->r[i].scale : s->r[i].stream;
		if (*name && !strcmp(have, *name))
			return 0;
		if (!*name) {
			for (size_t k = i + 1; k < s->n; k++) {
				if (stream && strcmp(s->r[k].stream, stream))
					continue;
				if (strcmp(stream ? s->r[k].scale : s->r[k].stream, have))
					return fail_usage("%s has several %ss (%s): choose one with --%s", path, what,
							  names, what);
			}
			*name = have;
			return 0;
		}
	}
	if (!*name)
		return fail_usage("%s: no results", path);
	if (stream)
		return fail_usage("no results of scale \"%s\" for stream \"%s\" in %s (scales: %s)", *name, stream,
				  path, names);
	return fail_usage("no results of stream \"%s\" in %s (streams: %s)", *name, path, names);
}

static bool in_range(const struct opts *o, const struct plot_result *r)
{
	return (!o->has_from || r->end >= o->from) && (!o->has_to || r->end <= o->to);
}

/* The value of feature NAME in dimension DIM of R, NAN where it has none. */
static double feature_value(const struct plot_result *r, const char *name, int dim)
{
	char key[16];
	snprintf(key, sizeof(key), "%d", dim);
	double v = NAN;
	if (!strcmp(name, "score")) {
		if (!plot_number(r->score, &v))
			v = NAN;
		return v;
	}
	if (!strncmp(name, "betti@", 6)) {
		double x = strtod(name + 6, NULL);
		const msgpack_object *iv = plot_get(&r->diagrams, key);
		if (!iv)
			return NAN;
		uint32_t count = 0;
		for (uint32_t i = 0; i < iv->via.array.size; i++) {
			const msgpack_object *p = iv->via.array.ptr[i].via.array.ptr;
			double b = 0, d = INFINITY;
			plot_number(&p[0], &b);
			plot_number(&p[1], &d);
			count += b <= x && x < d;
		}
		return count;
	}
	bool distance = !strcmp(name, "bottleneck") || !strncmp(name, "wasserstein", 11);
	const msgpack_object *m = plot_get(distance ? r->distance : r->features, key);
	if (!plot_number(plot_get(m, name), &v))
		v = NAN;
	return v;
}

static bool known_feature(const char *name)
{
	static const char *names[] = {"score", "total", "entropy", "count", "essential", "max",
				      "bottleneck", "wasserstein1", "wasserstein2"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	if (!strncmp(name, "betti@", 6)) {
		double x;
		return cli_number_arg(name + 6, -INFINITY, INFINITY, &x);
	}
	return false;
}

static int draw_series(struct plot_canvas *c, const struct opts *o, const struct plot_set *s, const char *stream,
		       const char *scale)
{
	const char *name = o->feature;
	if (!name) {
		name = "total";
		for (size_t i = 0; i < s->n; i++)
			if (s->r[i].score && !strcmp(s->r[i].stream, stream) && !strcmp(s->r[i].scale, scale))
				name = "score";
	}
	if (!known_feature(name))
		return fail_usage("--feature: expected score, total, entropy, count, essential, max, bottleneck, "
				  "wasserstein1, wasserstein2 or betti@X, got \"%s\"",
				  name);
	int dim = o->dim < 0 ? 0 : o->dim;
	struct plot_point *p = malloc((s->n ? s->n : 1) * sizeof(*p));
	struct plot_event *ev = malloc((s->nev ? s->nev : 1) * sizeof(*ev));
	if (!p || !ev) {
		free(p);
		free(ev);
		fprintf(stderr, "tdapipe plot: out of memory\n");
		return TDP_EXIT_SYSTEM;
	}
	size_t n = 0, nev = 0, valued = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct plot_result *r = &s->r[i];
		if (strcmp(r->stream, stream) || strcmp(r->scale, scale) || !in_range(o, r))
			continue;
		p[n] = (struct plot_point){r->end, feature_value(r, name, dim), r->window};
		valued += isfinite(p[n].y);
		n++;
	}
	for (size_t i = 0; i < s->nev; i++)
		if (!strcmp(s->ev[i].stream, stream) && !strcmp(s->ev[i].scale, scale))
			ev[nev++] = s->ev[i];
	int rc = 0;
	if (n == 0)
		rc = fail_usage("no windows of %s/%s in %s%s", stream, scale, o->input,
				o->has_from || o->has_to ? " between --from and --to" : "");
	else if (valued == 0)
		rc = fail_usage("no window of %s/%s has %s in dimension %d: %s", stream, scale, name, dim,
				!strcmp(name, "score") ? "the scale needs an anomaly block (tdapipe.yaml(5))"
				: strncmp(name, "betti@", 6) && (!strcmp(name, "bottleneck") || !strncmp(name, "wasserstein", 11))
					? "the scale's features block needs a distance list (tdapipe.yaml(5))"
					: "the scale's features block needs summary: true, or the dimension in dims");
	if (!rc) {
		char title[512], label[64];
		snprintf(label, sizeof(label), "%s%s H%d", name, !strcmp(name, "score") ? "" : ",", dim);
		if (!strcmp(name, "score"))
			snprintf(label, sizeof(label), "anomaly score");
		snprintf(title, sizeof(title), "%s / %s: %s", stream, scale, label);
		plot_series(c, p, n, ev, nev, label, title);
	}
	free(p);
	free(ev);
	return rc;
}

static int draw_window(struct plot_canvas *c, const struct opts *o, const struct plot_set *s, const char *stream,
		       const char *scale)
{
	const struct plot_result *r = NULL;
	int64_t first = 0, last = 0;
	size_t count = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct plot_result *x = &s->r[i];
		if (strcmp(x->stream, stream) || strcmp(x->scale, scale))
			continue;
		first = count++ ? first : x->window;
		last = x->window;
		if (o->has_window ? x->window == o->window : in_range(o, x))
			r = x; /* the last that fits */
	}
	if (!r && o->has_window)
		return fail_usage("no window %lld of %s/%s in %s (windows %lld to %lld)", (long long)o->window, stream,
				  scale, o->input, (long long)first, (long long)last);
	if (!r)
		return fail_usage("no window of %s/%s in %s ends between --from and --to", stream, scale, o->input);
	if (o->dim >= 0) {
		char key[16];
		snprintf(key, sizeof(key), "%d", o->dim);
		if (!plot_get(&r->diagrams, key))
			return fail_usage("window %lld of %s/%s has no diagram of dimension %d", (long long)r->window,
					  stream, scale, o->dim);
	}
	char title[512];
	/* Times as the results write them: the shortest digits that read
	 * back the same (epoch milliseconds keep all thirteen). */
	char t0[32], t1[32];
	t0[tdp_format_double(t0, r->start)] = 0;
	t1[tdp_format_double(t1, r->end)] = 0;
	snprintf(title, sizeof(title), "%s / %s / window %lld  (%s to %s)", stream, scale, (long long)r->window, t0, t1);
	(o->kind == DIAGRAM ? plot_diagram : plot_barcode)(c, r, o->dim, title);
	return 0;
}

static int write_out(struct plot_canvas *c, const char *out)
{
	int fd = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : STDOUT_FILENO;
	if (fd < 0) {
		fprintf(stderr, "tdapipe plot: %s: %s\n", out, strerror(errno));
		return errno == ENOENT || errno == EACCES || errno == EISDIR ? TDP_EXIT_USAGE : TDP_EXIT_SYSTEM;
	}
	int rc = c->finish(c, fd);
	if (out && close(fd) && !rc)
		rc = -errno;
	if (rc) {
		fprintf(stderr, "tdapipe plot: %s: %s\n", out ? out : "standard output", strerror(-rc));
		return TDP_EXIT_SYSTEM;
	}
	return 0;
}

int cmd_plot(int argc, char **argv)
{
	struct opts o;
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc < 0 ? TDP_EXIT_OK : rc;
	struct plot_set s;
	plot_set_init(&s);
	rc = plot_read_results(&s, o.input);
	if (!rc && o.events)
		rc = plot_read_events(&s, o.events);
	const char *input = !strcmp(o.input, "-") ? "standard input" : o.input;
	const char *stream = o.stream, *scale = o.scale;
	if (!rc)
		rc = pick(&s, input, NULL, &stream);
	if (!rc)
		rc = pick(&s, input, stream, &scale);
	struct plot_canvas *c = NULL;
	if (!rc) {
		c = (o.png ? plot_png_new : plot_svg_new)(o.width, o.height);
		if (!c) {
			fprintf(stderr, "tdapipe plot: out of memory\n");
			rc = TDP_EXIT_SYSTEM;
		}
	}
	if (!rc)
		rc = (o.kind == SERIES ? draw_series : draw_window)(c, &o, &s, stream, scale);
	if (!rc)
		rc = write_out(c, o.out);
	if (c)
		c->destroy(c);
	plot_set_fini(&s);
	return rc;
}
