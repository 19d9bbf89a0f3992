/*
 * plot_png.c - the PNG canvas of `tdapipe plot` (cli/plot.h), by cairo.
 *
 * An image surface of the stated size, antialiased, written by
 * cairo_surface_write_to_png_stream.  Text goes through cairo's toy font
 * API with the "sans-serif" family (found by fontconfig): the pixels of
 * labels depend on the fonts installed, the rest does not.
 */
#include "cli/plot.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include <cairo.h>
#include <fontconfig/fontconfig.h>

struct png {
	struct plot_canvas c;
	cairo_surface_t *surface;
	cairo_t *cr;
};

static cairo_t *cr_of(struct plot_canvas *c)
{
	return ((struct png *)c)->cr;
}

static void set_rgb(cairo_t *cr, uint32_t rgb, double alpha)
{
	cairo_set_source_rgba(cr, (rgb >> 16 & 0xff) / 255.0, (rgb >> 8 & 0xff) / 255.0, (rgb & 0xff) / 255.0, alpha);
}

static void png_line(struct plot_canvas *c, const char *cls, double x0, double y0, double x1, double y1,
		     uint32_t rgb, double width, bool dashed)
{
	(void)cls;
	cairo_t *cr = cr_of(c);
	static const double dash[] = {4, 3};
	cairo_set_dash(cr, dash, dashed ? 2 : 0, 0);
	set_rgb(cr, rgb, 1);
	cairo_set_line_width(cr, width);
	cairo_move_to(cr, x0, y0);
	cairo_line_to(cr, x1, y1);
	cairo_stroke(cr);
	cairo_set_dash(cr, dash, 0, 0);
}

static void png_polyline(struct plot_canvas *c, const char *cls, const double *xy, size_t n, uint32_t rgb,
			 double width)
{
	(void)cls;
	cairo_t *cr = cr_of(c);
	if (n == 0)
		return;
	set_rgb(cr, rgb, 1);
	cairo_set_line_width(cr, width);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_move_to(cr, xy[0], xy[1]);
	for (size_t i = 1; i < n; i++)
		cairo_line_to(cr, xy[2 * i], xy[2 * i + 1]);
	cairo_stroke(cr);
}

static void png_circle(struct plot_canvas *c, const char *cls, double x, double y, double r, uint32_t rgb,
		       const char *title)
{
	(void)cls;
	(void)title;
	cairo_t *cr = cr_of(c);
	set_rgb(cr, rgb, 0.75);
	cairo_new_sub_path(cr);
	cairo_arc(cr, x, y, r, 0, 2 * M_PI);
	cairo_fill(cr);
}

static void png_rect(struct plot_canvas *c, const char *cls, double x, double y, double w, double h, uint32_t fill,
		     const char *title)
{
	(void)cls;
	(void)title;
	cairo_t *cr = cr_of(c);
	set_rgb(cr, fill, 1);
	cairo_rectangle(cr, x, y, w, h);
	cairo_fill(cr);
}

static void png_text(struct plot_canvas *c, const char *cls, double x, double y, const char *s, enum plot_anchor a,
		     double size, bool vertical)
{
	(void)cls;
	cairo_t *cr = cr_of(c);
	cairo_save(cr);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
	set_rgb(cr, 0x000000, 1);
	cairo_text_extents_t e;
	cairo_text_extents(cr, s, &e);
	cairo_translate(cr, x, y);
	if (vertical)
		cairo_rotate(cr, -M_PI / 2);
	double dx = a == PLOT_LEFT ? 0 : a == PLOT_MIDDLE ? -e.x_advance / 2 : -e.x_advance;
	cairo_move_to(cr, dx, 0);
	cairo_show_text(cr, s);
	cairo_restore(cr);
}

static cairo_status_t write_fd(void *closure, const unsigned char *data, unsigned int len)
{
	int fd = *(int *)closure;
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return CAIRO_STATUS_WRITE_ERROR;
		data += w;
		len -= (unsigned)w;
	}
	return CAIRO_STATUS_SUCCESS;
}

static int png_finish(struct plot_canvas *c, int fd)
{
	struct png *p = (struct png *)c;
	cairo_surface_flush(p->surface);
	errno = 0;
	cairo_status_t st = cairo_surface_write_to_png_stream(p->surface, write_fd, &fd);
	if (st == CAIRO_STATUS_SUCCESS)
		return 0;
	return st == CAIRO_STATUS_NO_MEMORY ? -ENOMEM : errno ? -errno : -EIO;
}

static void png_destroy(struct plot_canvas *c)
{
	struct png *p = (struct png *)c;
	cairo_destroy(p->cr);
	cairo_surface_destroy(p->surface);
	free(p);
	/* The toy font API's caches (fontconfig's through cairo), freed so
	 * that a leak checker sees only real leaks: one picture per run. */
	cairo_debug_reset_static_data();
	FcFini();
}

struct plot_canvas *plot_png_new(int width, int height)
{
	struct png *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->c = (struct plot_canvas){png_line, png_polyline, png_circle, png_rect, png_text, png_finish, png_destroy,
				    width, height};
	p->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
	p->cr = cairo_create(p->surface);
	if (cairo_status(p->cr) != CAIRO_STATUS_SUCCESS) {
		png_destroy(&p->c);
		return NULL;
	}
	cairo_set_source_rgb(p->cr, 1, 1, 1);
	cairo_paint(p->cr);
	return &p->c;
}
