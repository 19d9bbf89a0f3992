/*
 * plot.h - `tdapipe plot`: pictures of results files (tdapipe-plot(1)).
 *
 *   cli/plot.c        options, choosing the windows, the command
 *   cli/plot_read.c   results and events files, JSON Lines or msgpack
 *   cli/plot_json.c   JSON text as a msgpack_object, so both formats read alike
 *   cli/plot_draw.c   diagram, barcode and series on a canvas
 *   cli/plot_axis.c   axes: ranges, ticks, their labels
 *   cli/plot_svg.c    the SVG canvas (written by hand: deterministic, marks countable)
 *   cli/plot_png.c    the PNG canvas (cairo)
 */
#ifndef TDP_PLOT_H
#define TDP_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "common/buf.h"

/* ---- results and events as read (cli/plot_read.c) ---- */

/* One result line; the objects point into its set's zone and text. */
struct plot_result {
	const char *stream, *scale;          /* NUL-terminated copies */
	int64_t window;
	double start, end;                   /* event times (or sequence numbers) */
	msgpack_object diagrams;             /* map "D" -> [[b, d|nil], ...] */
	const msgpack_object *features;      /* or NULL */
	const msgpack_object *distance;      /* or NULL */
	const msgpack_object *score;         /* or NULL; a number or nil */
};

/* One anomaly event (tdapipe-events(5)); other events are not kept. */
struct plot_event {
	const char *stream, *scale;
	int64_t window;
	double time, score;
};

struct plot_set {
	msgpack_zone zone;
	struct tdp_buf text, evtext;         /* the files, kept: objects point into them */
	struct plot_result *r;
	size_t n, cap;
	struct plot_event *ev;
	size_t nev, capev;
	bool quiet;                          /* no messages on stderr (the exporter) */
};

void plot_set_init(struct plot_set *s);
void plot_set_fini(struct plot_set *s);
/* Read the results of PATH ("-": standard input) into S, in file order.
 * The format is found from the content: msgpack maps or JSON Lines.
 * Returns 0, or TDP_EXIT_USAGE / TDP_EXIT_SYSTEM with a message on
 * stderr naming the file and the line or offset. */
int plot_read_results(struct plot_set *s, const char *path);
/* Read the anomaly events of PATH into S (other event types skipped). */
int plot_read_events(struct plot_set *s, const char *path);
/* The records of B (kept by the caller while S is used), results or
 * EVENTS, into S; as above. */
int plot_parse_records(struct plot_set *s, const struct tdp_buf *b, bool events);

/* TEXT (LEN bytes) as one JSON value built in Z (cli/plot_json.c). */
bool plot_json_parse(const char *text, size_t len, msgpack_zone *z, msgpack_object *out);

/* Map lookups and numbers of msgpack objects. */
const msgpack_object *plot_get(const msgpack_object *map, const char *key);
bool plot_number(const msgpack_object *o, double *out);   /* int or float */

/* ---- canvases (cli/plot_svg.c, cli/plot_png.c) ---- */

enum plot_anchor { PLOT_LEFT, PLOT_MIDDLE, PLOT_RIGHT };

/*
 * What the drawings call.  Colours are 0xRRGGBB.  CLASS names what a mark
 * is ("iv" an interval, "diagonal", "axis", "tick", "event", ...); the SVG
 * canvas writes it as the element's class so that a test counts marks,
 * the PNG canvas ignores it.  Coordinates are in pixels, y down.
 */
struct plot_canvas {
	void (*line)(struct plot_canvas *c, const char *cls, double x0, double y0, double x1, double y1,
		     uint32_t rgb, double width, bool dashed);
	void (*polyline)(struct plot_canvas *c, const char *cls, const double *xy, size_t n, uint32_t rgb,
			 double width);
	void (*circle)(struct plot_canvas *c, const char *cls, double x, double y, double r, uint32_t rgb,
		       const char *title);
	void (*rect)(struct plot_canvas *c, const char *cls, double x, double y, double w, double h,
		     uint32_t fill, const char *title);
	void (*text)(struct plot_canvas *c, const char *cls, double x, double y, const char *s,
		     enum plot_anchor a, double size, bool vertical);
	/* Write the picture to FD; 0 or -errno. */
	int (*finish)(struct plot_canvas *c, int fd);
	void (*destroy)(struct plot_canvas *c);
	int width, height;
};

struct plot_canvas *plot_svg_new(int width, int height);
struct plot_canvas *plot_png_new(int width, int height);

/* ---- axes (cli/plot_axis.c) ---- */

#define PLOT_MAX_TICKS 16

struct plot_axis {
	double lo, hi;                       /* data range shown */
	double px0, px1;                     /* where lo and hi are drawn */
	double tick[PLOT_MAX_TICKS];
	int nticks;
	int decimals;                        /* for the tick labels */
};

/* Round [LO, HI] out to "nice" ticks (1, 2, 5 x 10^k), about 6 of them. */
void plot_axis_fit(struct plot_axis *a, double lo, double hi);
double plot_axis_px(const struct plot_axis *a, double v);
/* A tick label: V with the axis's decimals, "-0" never. */
void plot_axis_label(const struct plot_axis *a, double v, char *out, size_t size);

/* ---- the drawings (cli/plot_draw.c) ---- */

/* The Okabe-Ito palette, colour of dimension D. */
uint32_t plot_dim_colour(unsigned d);

/* DIM < 0: every dimension of the result. */
void plot_diagram(struct plot_canvas *c, const struct plot_result *r, int dim, const char *title);
void plot_barcode(struct plot_canvas *c, const struct plot_result *r, int dim, const char *title);

/* A series of more windows than this is drawn as its line only. */
#define PLOT_SERIES_DOTS 1000

/* One point of a series: X the window's end, Y the feature, or NAN. */
struct plot_point {
	double x, y;
	int64_t window;
};
/* The series P[N] of feature NAME; EV[NEV] anomaly events to mark (their
 * windows are matched to the points). */
void plot_series(struct plot_canvas *c, const struct plot_point *p, size_t n, const struct plot_event *ev,
		 size_t nev, const char *name, const char *title);

#endif
