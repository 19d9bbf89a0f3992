/*
 * fuzz_plot_read - results files as `tdapipe plot` and the exporter's
 * live view read them (cli/plot_read.c, cli/plot_json.c) and drawn
 * (cli/plot_draw.c, cli/plot_svg.c).
 *
 * Input: the bytes of a results file, JSON Lines or msgpack (the first
 * non-blank byte decides, as for a real file).
 * Properties:
 *  - reading never crashes, and a file read without error gives results
 *    whose stream and scale are strings and whose diagrams map
 *    dimensions to arrays of [number, number or nil];
 *  - every such result draws as a diagram and a barcode (every
 *    dimension, and dimension 0 alone) and as a series, and the SVG is
 *    written whole;
 *  - a JSON text the parser accepts is still accepted with blanks
 *    around it, and the same value comes out (same type, same size).
 */
#include <fcntl.h>
#include <math.h>
#include <unistd.h>

#include "cli/plot.h"
#include "tests/fuzz/fuzz.h"

static int devnull = -1;

static void draw(const struct plot_result *r)
{
	for (int k = 0; k < 4; k++) {
		struct plot_canvas *c = plot_svg_new(400, 300);
		FUZZ_CHECK(c, "no canvas");
		if (k < 2)
			plot_diagram(c, r, k ? 0 : -1, "t");
		else if (k == 2)
			plot_barcode(c, r, -1, "t");
		else {
			struct plot_point p[2] = {{r->start, r->end, r->window}, {r->end, NAN, r->window + 1}};
			struct plot_event ev = {r->stream, r->scale, r->window, r->end, 1};
			plot_series(c, p, 2, &ev, 1, "x", "t");
		}
		FUZZ_CHECK(c->finish(c, devnull) == 0, "the SVG was not written");
		c->destroy(c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct plot_set s;
	plot_set_init(&s);
	s.quiet = true;
	if (size)   /* (appending nothing to an empty buffer is pointer arithmetic on NULL) */
		tdp_buf_append(&s.text, data, size);
	if (plot_parse_records(&s, &s.text, false) == 0) {
		for (size_t i = 0; i < s.n; i++) {
			const struct plot_result *r = &s.r[i];
			FUZZ_CHECK(r->stream && r->scale, "result %zu without stream or scale", i);
			FUZZ_CHECK(r->diagrams.type == MSGPACK_OBJECT_MAP, "result %zu: diagrams not a map", i);
			for (uint32_t d = 0; d < r->diagrams.via.map.size; d++) {
				const msgpack_object *iv = &r->diagrams.via.map.ptr[d].val;
				FUZZ_CHECK(iv->type == MSGPACK_OBJECT_ARRAY, "result %zu: a diagram not an array", i);
				for (uint32_t k = 0; k < iv->via.array.size; k++) {
					const msgpack_object *p = &iv->via.array.ptr[k];
					double x;
					FUZZ_CHECK(p->type == MSGPACK_OBJECT_ARRAY && p->via.array.size == 2 &&
							   plot_number(&p->via.array.ptr[0], &x),
						   "result %zu: an interval not [number, ...]", i);
				}
			}
			draw(r);
		}
	}
	plot_set_fini(&s);

	/* The parser on the whole input as one JSON text, and with blanks. */
	if (size < 4096) {
		msgpack_zone z;
		msgpack_zone_init(&z, 1024);
		msgpack_object a, b;
		if (plot_json_parse((const char *)data, size, &z, &a)) {
			char *padded = malloc(size + 2);
			FUZZ_CHECK(padded, "malloc");
			padded[0] = ' ';
			memcpy(padded + 1, data, size);
			padded[size + 1] = '\n';
			FUZZ_CHECK(plot_json_parse(padded, size + 2, &z, &b), "accepted, refused with blanks around");
			FUZZ_CHECK(a.type == b.type, "a different type with blanks around");
			if (a.type == MSGPACK_OBJECT_ARRAY || a.type == MSGPACK_OBJECT_MAP || a.type == MSGPACK_OBJECT_STR)
				FUZZ_CHECK(a.via.array.size == b.via.array.size && a.via.str.size == b.via.str.size,
					   "a different size with blanks around");
			free(padded);
		}
		msgpack_zone_destroy(&z);
	}
	return 0;
}
