/*
 * plot_draw.c - persistence diagram, barcode and feature series drawn on
 * a canvas (cli/plot.h).
 *
 * The layout is fixed fractions and margins of the canvas, the colours
 * the Okabe-Ito palette (distinguishable with every common colour
 * vision deficiency), one colour per homology dimension.  Each interval
 * is one mark of class "iv hD", each window of a series one mark of
 * class "pt", so a picture can be checked against its data.
 */
#include "cli/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

/* Okabe & Ito, "Color Universal Design" (2002); black is kept for text. */
static const uint32_t okabe_ito[] = {0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0xE69F00, 0x56B4E9, 0xF0E442};
#define INK 0x000000
#define GRID 0xE0E0E0
#define ANOMALY 0xD55E00
#define FONT 12.0

uint32_t plot_dim_colour(unsigned d)
{
	return okabe_ito[d % (sizeof(okabe_ito) / sizeof(okabe_ito[0]))];
}

/* The plot area inside a canvas: room for tick labels and axis titles
 * left and below, the title above, the legend right. */
struct frame {
	double x0, x1, y0, y1; /* y0 the top */
};

static struct frame frame_of(const struct plot_canvas *c, double legend)
{
	return (struct frame){70, c->width - 20 - legend, 60, c->height - 50};
}

static void draw_title(struct plot_canvas *c, const char *title)
{
	if (title && *title)
		c->text(c, "title", c->width / 2.0, 24, title, PLOT_MIDDLE, 15, false);
}

/* An axis with its ticks, tick labels and grid lines; X or Y. */
static void draw_axis(struct plot_canvas *c, const struct frame *f, const struct plot_axis *a, bool x,
		      const char *name)
{
	char label[48];
	for (int i = 0; i < a->nticks; i++) {
		double p = plot_axis_px(a, a->tick[i]);
		plot_axis_label(a, a->tick[i], label, sizeof(label));
		if (x) {
			c->line(c, "grid", p, f->y0, p, f->y1, GRID, 1, false);
			c->line(c, "tick", p, f->y1, p, f->y1 + 5, INK, 1, false);
			c->text(c, "ticklabel", p, f->y1 + 18, label, PLOT_MIDDLE, FONT - 1, false);
		} else {
			c->line(c, "grid", f->x0, p, f->x1, p, GRID, 1, false);
			c->line(c, "tick", f->x0 - 5, p, f->x0, p, INK, 1, false);
			c->text(c, "ticklabel", f->x0 - 8, p + 4, label, PLOT_RIGHT, FONT - 1, false);
		}
	}
	if (x) {
		c->line(c, "axis", f->x0, f->y1, f->x1, f->y1, INK, 1.5, false);
		c->text(c, "axislabel", (f->x0 + f->x1) / 2, f->y1 + 38, name, PLOT_MIDDLE, FONT, false);
	} else {
		c->line(c, "axis", f->x0, f->y0, f->x0, f->y1, INK, 1.5, false);
		c->text(c, "axislabel", 18, (f->y0 + f->y1) / 2, name, PLOT_MIDDLE, FONT, true);
	}
}

static void legend_entry(struct plot_canvas *c, int row, uint32_t rgb, const char *label, bool line)
{
	double x = c->width - 125, y = 70 + 20 * row;
	if (line)
		c->line(c, "legend", x - 6, y, x + 6, y, rgb, 2, false);
	else
		c->circle(c, "legend", x, y, 5, rgb, NULL);
	c->text(c, "legend", x + 12, y + 4, label, PLOT_LEFT, FONT, false);
}

/* The intervals of one dimension of a result. */
struct iv {
	double birth, death; /* death INFINITY for an essential class */
	unsigned dim;
	uint32_t index;
};

static bool dim_of(const msgpack_object *key, unsigned *d)
{
	if (key->type != MSGPACK_OBJECT_STR || key->via.str.size == 0 || key->via.str.size > 2)
		return false;
	unsigned v = 0;
	for (uint32_t i = 0; i < key->via.str.size; i++) {
		char ch = key->via.str.ptr[i];
		if (ch < '0' || ch > '9')
			return false;
		v = v * 10 + (unsigned)(ch - '0');
	}
	*d = v;
	return true;
}

/* Every interval of R's dimensions (DIM < 0: all) in a malloc'd array;
 * the dimensions found set in *DIMS (bit d). */
static struct iv *intervals(const struct plot_result *r, int dim, size_t *n, uint64_t *dims)
{
	size_t total = 0;
	*dims = 0;
	const msgpack_object *m = &r->diagrams;
	for (uint32_t i = 0; i < m->via.map.size; i++) {
		unsigned d;
		if (dim_of(&m->via.map.ptr[i].key, &d) && (dim < 0 || (unsigned)dim == d) && d < 64) {
			total += m->via.map.ptr[i].val.via.array.size;
			*dims |= 1ull << d;
		}
	}
	struct iv *v = malloc((total ? total : 1) * sizeof(*v));
	*n = 0;
	if (!v)
		return NULL;
	for (uint32_t i = 0; i < m->via.map.size; i++) {
		unsigned d;
		if (!dim_of(&m->via.map.ptr[i].key, &d) || !(dim < 0 || (unsigned)dim == d) || d >= 64)
			continue;
		const msgpack_object *a = &m->via.map.ptr[i].val;
		for (uint32_t k = 0; k < a->via.array.size; k++) {
			const msgpack_object *p = a->via.array.ptr[k].via.array.ptr;
			struct iv x = {.dim = d, .index = k, .death = INFINITY};
			plot_number(&p[0], &x.birth);
			plot_number(&p[1], &x.death);
			/* Results have none, but a file is input: nothing to place. */
			if (!isfinite(x.birth) || isnan(x.death))
				continue;
			v[(*n)++] = x;
		}
	}
	return v;
}

/* The data range of births and finite deaths. */
static void range(const struct iv *v, size_t n, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		*lo = fmin(*lo, v[i].birth);
		*hi = fmax(*hi, v[i].birth);
		if (isfinite(v[i].death))
			*hi = fmax(*hi, v[i].death);
	}
	if (n == 0) {
		*lo = 0;
		*hi = 1;
	}
}

/* X as the results write it (the shortest digits that read back). */
static const char *num(char out[32], double x)
{
	out[tdp_format_double(out, x)] = 0;
	return out;
}

static void iv_title(const struct iv *x, char *out, size_t size)
{
	char b[32], d[32];
	snprintf(out, size, "H%u [%s, %s)", x->dim, num(b, x->birth), isfinite(x->death) ? num(d, x->death) : "inf");
}

static void legend_dims(struct plot_canvas *c, const struct iv *v, size_t n, uint64_t dims)
{
	int row = 0;
	for (unsigned d = 0; d < 64; d++) {
		if (!(dims >> d & 1))
			continue;
		size_t count = 0;
		for (size_t i = 0; i < n; i++)
			count += v[i].dim == d;
		char label[40];
		snprintf(label, sizeof(label), "H%u (%zu)", d, count);
		legend_entry(c, row++, plot_dim_colour(d), label, false);
	}
}

void plot_diagram(struct plot_canvas *c, const struct plot_result *r, int dim, const char *title)
{
	size_t n;
	uint64_t dims;
	struct iv *v = intervals(r, dim, &n, &dims);
	if (!v)
		return;
	struct frame f = frame_of(c, 130);
	/* The band at the top holds the essential classes: death = inf. */
	double inf_y = f.y0;
	f.y0 += 24;
	double lo, hi;
	range(v, n, &lo, &hi);
	struct plot_axis ax, ay;
	plot_axis_fit(&ax, lo, hi);
	ay = ax;
	ax.px0 = f.x0;
	ax.px1 = f.x1;
	ay.px0 = f.y1;
	ay.px1 = f.y0;
	draw_title(c, title);
	draw_axis(c, &f, &ax, true, "birth");
	draw_axis(c, &f, &ay, false, "death");
	c->line(c, "diagonal", f.x0, f.y1, f.x1, f.y0, INK, 1, false);
	c->line(c, "infinity", f.x0, inf_y, f.x1, inf_y, INK, 1, true);
	c->text(c, "ticklabel", f.x0 - 8, inf_y + 4, "inf", PLOT_RIGHT, FONT - 1, false);
	char cls[16], t[96];
	for (size_t i = 0; i < n; i++) {
		double y = isfinite(v[i].death) ? plot_axis_px(&ay, v[i].death) : inf_y;
		snprintf(cls, sizeof(cls), "iv h%u", v[i].dim);
		iv_title(&v[i], t, sizeof(t));
		c->circle(c, cls, plot_axis_px(&ax, v[i].birth), y, 4, plot_dim_colour(v[i].dim), t);
	}
	legend_dims(c, v, n, dims);
	free(v);
}

/* Barcode order: by dimension, then longest first (essential classes
 * the longest), then by birth and by position in the diagram, so that
 * the order is total and the picture the same every time. */
static int by_bar(const void *pa, const void *pb)
{
	const struct iv *a = pa, *b = pb;
	if (a->dim != b->dim)
		return a->dim < b->dim ? -1 : 1;
	double la = a->death - a->birth, lb = b->death - b->birth;
	if (la != lb)
		return la > lb ? -1 : 1;
	if (a->birth != b->birth)
		return a->birth < b->birth ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

void plot_barcode(struct plot_canvas *c, const struct plot_result *r, int dim, const char *title)
{
	size_t n;
	uint64_t dims;
	struct iv *v = intervals(r, dim, &n, &dims);
	if (!v)
		return;
	qsort(v, n, sizeof(*v), by_bar);
	/* Essential bars run past the last tick, into a band marked "inf". */
	struct frame f = frame_of(c, 160);
	double inf_x = f.x1 + 30;
	double lo, hi;
	range(v, n, &lo, &hi);
	struct plot_axis ax;
	plot_axis_fit(&ax, lo, hi);
	ax.px0 = f.x0;
	ax.px1 = f.x1;
	draw_title(c, title);
	draw_axis(c, &f, &ax, true, "filtration value");
	c->line(c, "axis", f.x0, f.y0, f.x0, f.y1, INK, 1.5, false);
	c->line(c, "infinity", inf_x, f.y0, inf_x, f.y1, INK, 1, true);
	c->text(c, "ticklabel", inf_x, f.y1 + 18, "inf", PLOT_MIDDLE, FONT - 1, false);
	int groups = __builtin_popcountll(dims);
	double rows = (double)n + (groups > 1 ? groups - 1 : 0);
	double row = rows > 0 ? fmin(24, (f.y1 - f.y0 - 8) / rows) : 24;
	double y = f.y0 + 4;
	char cls[16], t[96], label[16];
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && v[i].dim != v[i - 1].dim)
			y += row;
		if (i == 0 || v[i].dim != v[i - 1].dim) {
			snprintf(label, sizeof(label), "H%u", v[i].dim);
			c->text(c, "grouplabel", f.x0 - 8, y + fmin(row, 24) * 0.4 + 4, label, PLOT_RIGHT, FONT, false);
		}
		double x0 = plot_axis_px(&ax, v[i].birth);
		double x1 = isfinite(v[i].death) ? plot_axis_px(&ax, v[i].death) : inf_x;
		snprintf(cls, sizeof(cls), "iv h%u", v[i].dim);
		iv_title(&v[i], t, sizeof(t));
		/* At least a pixel wide and, between rows, a gap when rows allow. */
		c->rect(c, cls, x0, y, fmax(1, x1 - x0), row > 3 ? row * 0.8 : row, plot_dim_colour(v[i].dim), t);
		y += row;
	}
	legend_dims(c, v, n, dims);
	free(v);
}

void plot_series(struct plot_canvas *c, const struct plot_point *p, size_t n, const struct plot_event *ev,
		 size_t nev, const char *name, const char *title)
{
	struct frame f = frame_of(c, 130);
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(p[i].x))
			continue;
		xlo = fmin(xlo, p[i].x);
		xhi = fmax(xhi, p[i].x);
		if (isfinite(p[i].y)) {
			ylo = fmin(ylo, p[i].y);
			yhi = fmax(yhi, p[i].y);
		}
	}
	if (!(ylo <= yhi)) {
		ylo = 0;
		yhi = 1;
	}
	struct plot_axis ax, ay;
	plot_axis_fit(&ax, xlo, xhi);
	plot_axis_fit(&ay, ylo, yhi);
	ax.px0 = f.x0;
	ax.px1 = f.x1;
	ay.px0 = f.y1;
	ay.px1 = f.y0;
	draw_title(c, title);
	draw_axis(c, &f, &ax, true, "window end (event time)");
	draw_axis(c, &f, &ay, false, name);
	/* Anomalies first, under the line: a band at the window's end. */
	size_t marked = 0;
	for (size_t e = 0; e < nev; e++) {
		for (size_t i = 0; i < n; i++) {
			if (p[i].window != ev[e].window || !isfinite(p[i].x))
				continue;
			double x = plot_axis_px(&ax, p[i].x);
			char t[64];
			char z[32];
			snprintf(t, sizeof(t), "anomaly: window %lld, score %s", (long long)ev[e].window, num(z, ev[e].score));
			c->line(c, "event", x, f.y0, x, f.y1, ANOMALY, 1.5, true);
			if (isfinite(p[i].y))
				c->circle(c, "anomaly", x, plot_axis_px(&ay, p[i].y), 7, ANOMALY, t);
			marked++;
			break;
		}
	}
	/* The line, broken where a window has no value. */
	double *xy = malloc((n ? n : 1) * 2 * sizeof(double));
	if (!xy)
		return;
	size_t k = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && isfinite(p[i].y) && isfinite(p[i].x)) {
			xy[2 * k] = plot_axis_px(&ax, p[i].x);
			xy[2 * k + 1] = plot_axis_px(&ay, p[i].y);
			k++;
			continue;
		}
		if (k > 1)
			c->polyline(c, "series", xy, k, plot_dim_colour(0), 1.5);
		k = 0;
	}
	free(xy);
	/* A dot per window while dots can be told apart; past that, the line. */
	size_t dots = 0;
	for (size_t i = 0; i < n; i++)
		dots += isfinite(p[i].y) && isfinite(p[i].x);
	for (size_t i = 0; i < n && dots <= PLOT_SERIES_DOTS; i++) {
		if (!isfinite(p[i].y) || !isfinite(p[i].x))
			continue;
		char t[64], y[32];
		snprintf(t, sizeof(t), "window %lld: %s", (long long)p[i].window, num(y, p[i].y));
		c->circle(c, "pt", plot_axis_px(&ax, p[i].x), plot_axis_px(&ay, p[i].y), 2.5, plot_dim_colour(0), t);
	}
	legend_entry(c, 0, plot_dim_colour(0), name, true);
	if (marked) {
		char label[40];
		snprintf(label, sizeof(label), "anomaly (%zu)", marked);
		legend_entry(c, 1, ANOMALY, label, false);
	}
}
