/*
 * plot_svg.c - the SVG canvas of `tdapipe plot` (cli/plot.h).
 *
 * Written by hand rather than by cairo's SVG surface: cairo turns text
 * into glyph outlines from whatever fonts the machine has, so its SVG
 * differs between machines, and its marks are anonymous paths.  Here
 * text stays text (font-family sans-serif, drawn by the viewer), every
 * number is printed with two decimals, and every element carries the
 * class its drawing gave it: the same input gives the same bytes
 * everywhere, and a test counts marks with an XPath.
 */
#include "cli/plot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct svg {
	struct plot_canvas c;
	struct tdp_buf b;
};

static void esc(struct tdp_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': tdp_buf_puts(b, "&lt;"); break;
		case '>': tdp_buf_puts(b, "&gt;"); break;
		case '&': tdp_buf_puts(b, "&amp;"); break;
		case '"': tdp_buf_puts(b, "&quot;"); break;
		default:
			/* XML 1.0 has no place for other control characters. */
			tdp_buf_putc(b, (unsigned char)*s < 0x20 ? '?' : *s);
		}
	}
}

static void colour(struct tdp_buf *b, uint32_t rgb)
{
	tdp_buf_printf(b, "#%06X", (unsigned)(rgb & 0xffffff));
}

static void svg_line(struct plot_canvas *c, const char *cls, double x0, double y0, double x1, double y1,
		     uint32_t rgb, double width, bool dashed)
{
	struct tdp_buf *b = &((struct svg *)c)->b;
	tdp_buf_printf(b, "<line class=\"%s\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"", cls, x0,
		       y0, x1, y1);
	colour(b, rgb);
	tdp_buf_printf(b, "\" stroke-width=\"%.2f\"%s/>\n", width, dashed ? " stroke-dasharray=\"4 3\"" : "");
}

static void svg_polyline(struct plot_canvas *c, const char *cls, const double *xy, size_t n, uint32_t rgb,
			 double width)
{
	struct tdp_buf *b = &((struct svg *)c)->b;
	tdp_buf_printf(b, "<polyline class=\"%s\" fill=\"none\" stroke=\"", cls);
	colour(b, rgb);
	tdp_buf_printf(b, "\" stroke-width=\"%.2f\" points=\"", width);
	for (size_t i = 0; i < n; i++)
		tdp_buf_printf(b, "%s%.2f,%.2f", i ? " " : "", xy[2 * i], xy[2 * i + 1]);
	tdp_buf_puts(b, "\"/>\n");
}

static void title(struct tdp_buf *b, const char *t)
{
	if (!t) {
		tdp_buf_puts(b, "/>\n");
		return;
	}
	tdp_buf_puts(b, "><title>");
	esc(b, t);
	tdp_buf_puts(b, "</title></");
}

static void svg_circle(struct plot_canvas *c, const char *cls, double x, double y, double r, uint32_t rgb,
		       const char *t)
{
	struct tdp_buf *b = &((struct svg *)c)->b;
	tdp_buf_printf(b, "<circle class=\"%s\" cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\" fill=\"", cls, x, y, r);
	colour(b, rgb);
	tdp_buf_puts(b, "\" fill-opacity=\"0.75\"");
	title(b, t);
	if (t)
		tdp_buf_puts(b, "circle>\n");
}

static void svg_rect(struct plot_canvas *c, const char *cls, double x, double y, double w, double h,
		     uint32_t fill, const char *t)
{
	struct tdp_buf *b = &((struct svg *)c)->b;
	tdp_buf_printf(b, "<rect class=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"", cls, x,
		       y, w, h);
	colour(b, fill);
	tdp_buf_putc(b, '"');
	title(b, t);
	if (t)
		tdp_buf_puts(b, "rect>\n");
}

static void svg_text(struct plot_canvas *c, const char *cls, double x, double y, const char *s,
		     enum plot_anchor a, double size, bool vertical)
{
	static const char *anchor[] = {"start", "middle", "end"};
	struct tdp_buf *b = &((struct svg *)c)->b;
	tdp_buf_printf(b, "<text class=\"%s\" x=\"%.2f\" y=\"%.2f\" font-size=\"%.2f\" text-anchor=\"%s\"", cls, x, y,
		       size, anchor[a]);
	if (vertical)
		tdp_buf_printf(b, " transform=\"rotate(-90 %.2f %.2f)\"", x, y);
	tdp_buf_putc(b, '>');
	esc(b, s);
	tdp_buf_puts(b, "</text>\n");
}

static int svg_finish(struct plot_canvas *c, int fd)
{
	struct tdp_buf *b = &((struct svg *)c)->b;
	tdp_buf_puts(b, "</svg>\n");
	if (!tdp_buf_ok(b))
		return -ENOMEM;
	for (size_t off = 0; off < b->len;) {
		ssize_t w = write(fd, b->p + off, b->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		off += (size_t)w;
	}
	return 0;
}

static void svg_destroy(struct plot_canvas *c)
{
	tdp_buf_fini(&((struct svg *)c)->b);
	free(c);
}

struct plot_canvas *plot_svg_new(int width, int height)
{
	struct svg *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = (struct plot_canvas){svg_line, svg_polyline, svg_circle, svg_rect, svg_text, svg_finish, svg_destroy,
				    width, height};
	tdp_buf_init(&s->b);
	tdp_buf_printf(&s->b,
		       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		       "font-family=\"sans-serif\">\n"
		       "<rect class=\"background\" width=\"%d\" height=\"%d\" fill=\"#FFFFFF\"/>\n",
		       width, height, width, height, width, height);
	return &s->c;
}
