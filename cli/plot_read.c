/*
 * plot_read.c - results and events files for `tdapipe plot` (cli/plot.h).
 *
 * A file is read whole (pictures are of files a person looks at, not of
 * streams without end) and kept, since msgpack strings point into it.
 * Its format is found from its first byte, as tdapipe-results(5) allows
 * either: '{' starts a JSON Lines file, a msgpack map header anything
 * else.  Each record becomes a msgpack_object, so that one reader serves
 * both.
 */
#include "cli/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/exitcode.h"
#include "ingest/decode.h"

/* A results file bigger than this is not something to draw from. */
#define PLOT_MAX_FILE ((size_t)1 << 31)

void plot_set_init(struct plot_set *s)
{
	memset(s, 0, sizeof(*s));
	msgpack_zone_init(&s->zone, 1 << 16);
	tdp_buf_init(&s->text);
	tdp_buf_init(&s->evtext);
}

void plot_set_fini(struct plot_set *s)
{
	msgpack_zone_destroy(&s->zone);
	tdp_buf_fini(&s->text);
	tdp_buf_fini(&s->evtext);
	free(s->r);
	free(s->ev);
}

const msgpack_object *plot_get(const msgpack_object *map, const char *key)
{
	if (!map || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	size_t n = strlen(key);
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n && !memcmp(k->via.str.ptr, key, n))
			return &map->via.map.ptr[i].val;
	}
	return NULL;
}

bool plot_number(const msgpack_object *o, double *out)
{
	if (!o)
		return false;
	switch (o->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER: *out = (double)o->via.u64; return true;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: *out = (double)o->via.i64; return true;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: *out = o->via.f64; return true;
	default: return false;
	}
}

static bool get_int(const msgpack_object *o, int64_t *out)
{
	if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) {
		*out = (int64_t)o->via.u64;
		return true;
	}
	if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*out = o->via.i64;
		return true;
	}
	return false;
}

/* A str as a NUL-terminated copy in the zone. */
static const char *get_str(msgpack_zone *z, const msgpack_object *o)
{
	if (!o || o->type != MSGPACK_OBJECT_STR)
		return NULL;
	char *s = msgpack_zone_malloc(z, o->via.str.size + 1);
	if (!s)
		return NULL;
	memcpy(s, o->via.str.ptr, o->via.str.size);
	s[o->via.str.size] = 0;
	return s;
}

static int load(struct tdp_buf *b, const char *path)
{
	int rc = strcmp(path, "-") ? tdp_buf_read_file(b, path, PLOT_MAX_FILE)
				   : tdp_buf_read_fd(b, STDIN_FILENO, PLOT_MAX_FILE);
	if (rc < 0) {
		fprintf(stderr, "tdapipe plot: %s: %s\n", path, strerror(-rc));
		return rc == -ENOENT || rc == -EISDIR || rc == -EACCES || rc == -EFBIG ? TDP_EXIT_USAGE
										       : TDP_EXIT_SYSTEM;
	}
	return 0;
}

/* Call EACH on every record of B (JSON Lines or msgpack). */
typedef int (*record_fn)(struct plot_set *s, const msgpack_object *o, const char *path, const char *where);

static int each_record(struct plot_set *s, const struct tdp_buf *b, const char *path, record_fn each)
{
	char where[48];
	size_t i = 0;
	while (i < b->len && (b->p[i] == ' ' || b->p[i] == '\n' || b->p[i] == '\r' || b->p[i] == '\t'))
		i++;
	if (i < b->len && b->p[i] == '{') {
		size_t line = 0;
		for (size_t at = 0; at < b->len;) {
			const char *nl = memchr(b->p + at, '\n', b->len - at);
			size_t end = nl ? (size_t)(nl - b->p) : b->len;
			line++;
			snprintf(where, sizeof(where), "line %zu", line);
			size_t a = at;
			while (a < end && (b->p[a] == ' ' || b->p[a] == '\r' || b->p[a] == '\t'))
				a++;
			if (a < end) {
				msgpack_object o;
				if (!plot_json_parse(b->p + a, end - a, &s->zone, &o) || o.type != MSGPACK_OBJECT_MAP) {
					if (!s->quiet)
						fprintf(stderr, "tdapipe plot: %s:%zu: not a JSON object\n", path, line);
					return TDP_EXIT_USAGE;
				}
				int rc = each(s, &o, path, where);
				if (rc)
					return rc;
			}
			at = end + 1;
		}
		return 0;
	}
	size_t off = 0;
	while (off < b->len) {
		size_t at = off;
		msgpack_object o;
		/* msgpack-c allocates what a header declares before it reads the
		 * elements: find the object's end first (ingest's walk, which
		 * allocates nothing), so a header claiming 2^32 elements in a
		 * short file is refused rather than tried. */
		struct msgpack_skip sk;
		msgpack_skip_init(&sk);
		size_t whole = msgpack_skip_feed(&sk, b->p + at, b->len - at);
		msgpack_unpack_return u = MSGPACK_UNPACK_PARSE_ERROR;
		if (!sk.bad && sk.pending == 0 && sk.body == 0)
			u = msgpack_unpack(b->p, at + whole, &off, &s->zone, &o);
		else if (!sk.bad)
			u = MSGPACK_UNPACK_CONTINUE;
		if ((u != MSGPACK_UNPACK_SUCCESS && u != MSGPACK_UNPACK_EXTRA_BYTES) || o.type != MSGPACK_OBJECT_MAP) {
			if (!s->quiet)
				fprintf(stderr, "tdapipe plot: %s: offset %zu: not a msgpack map (%s)\n", path, at,
					u == MSGPACK_UNPACK_CONTINUE ? "truncated" : "expected results as JSON Lines or msgpack");
			return TDP_EXIT_USAGE;
		}
		snprintf(where, sizeof(where), "offset %zu", at);
		int rc = each(s, &o, path, where);
		if (rc)
			return rc;
	}
	return 0;
}

static int bad(const struct plot_set *s, const char *path, const char *where, const char *what)
{
	if (!s->quiet)
		fprintf(stderr, "tdapipe plot: %s: %s: %s (see tdapipe-results(5))\n", path, where, what);
	return TDP_EXIT_USAGE;
}

static int add_result(struct plot_set *s, const msgpack_object *o, const char *path, const char *where)
{
	struct plot_result r = {0};
	const msgpack_object *v = plot_get(o, "v");
	if (!v || v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 != 1)
		return bad(s, path, where, "expected a result of schema version 1 (\"v\":1)");
	r.stream = get_str(&s->zone, plot_get(o, "stream"));
	r.scale = get_str(&s->zone, plot_get(o, "scale"));
	if (!r.stream || !r.scale)
		return bad(s, path, where, "expected \"stream\" and \"scale\" strings");
	if (!get_int(plot_get(o, "window"), &r.window))
		return bad(s, path, where, "expected an integer \"window\"");
	if (!plot_number(plot_get(o, "start"), &r.start) || !plot_number(plot_get(o, "end"), &r.end))
		return bad(s, path, where, "expected numbers \"start\" and \"end\"");
	const msgpack_object *d = plot_get(o, "diagrams");
	if (!d || d->type != MSGPACK_OBJECT_MAP)
		return bad(s, path, where, "expected a \"diagrams\" map");
	for (uint32_t i = 0; i < d->via.map.size; i++) {
		const msgpack_object *iv = &d->via.map.ptr[i].val;
		if (d->via.map.ptr[i].key.type != MSGPACK_OBJECT_STR || iv->type != MSGPACK_OBJECT_ARRAY)
			return bad(s, path, where, "expected \"diagrams\" to map dimensions to arrays");
		for (uint32_t k = 0; k < iv->via.array.size; k++) {
			const msgpack_object *p = &iv->via.array.ptr[k];
			double x;
			if (p->type != MSGPACK_OBJECT_ARRAY || p->via.array.size != 2 ||
			    !plot_number(&p->via.array.ptr[0], &x) ||
			    !(p->via.array.ptr[1].type == MSGPACK_OBJECT_NIL || plot_number(&p->via.array.ptr[1], &x)))
				return bad(s, path, where, "expected intervals [birth, death or null]");
		}
	}
	r.diagrams = *d;
	r.features = plot_get(o, "features");
	r.distance = plot_get(o, "distance");
	r.score = plot_get(o, "score");
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct plot_result *grown = realloc(s->r, cap * sizeof(*grown));
		if (!grown) {
			fprintf(stderr, "tdapipe plot: out of memory\n");
			return TDP_EXIT_SYSTEM;
		}
		s->r = grown;
		s->cap = cap;
	}
	s->r[s->n++] = r;
	return 0;
}

static int add_event(struct plot_set *s, const msgpack_object *o, const char *path, const char *where)
{
	const msgpack_object *t = plot_get(o, "type");
	if (!t || t->type != MSGPACK_OBJECT_STR)
		return bad(s, path, where, "expected an event with a \"type\" (tdapipe-events(5))");
	if (t->via.str.size != 7 || memcmp(t->via.str.ptr, "anomaly", 7))
		return 0;
	struct plot_event e = {0};
	e.stream = get_str(&s->zone, plot_get(o, "stream"));
	e.scale = get_str(&s->zone, plot_get(o, "scale"));
	if (!e.stream || !e.scale || !get_int(plot_get(o, "window"), &e.window) ||
	    !plot_number(plot_get(o, "time"), &e.time))
		return bad(s, path, where, "expected an anomaly event's stream, scale, window and time (tdapipe-events(5))");
	if (!plot_number(plot_get(o, "score"), &e.score))
		e.score = NAN;
	if (s->nev == s->capev) {
		size_t cap = s->capev ? 2 * s->capev : 64;
		struct plot_event *grown = realloc(s->ev, cap * sizeof(*grown));
		if (!grown) {
			fprintf(stderr, "tdapipe plot: out of memory\n");
			return TDP_EXIT_SYSTEM;
		}
		s->ev = grown;
		s->capev = cap;
	}
	s->ev[s->nev++] = e;
	return 0;
}

int plot_read_results(struct plot_set *s, const char *path)
{
	int rc = load(&s->text, path);
	return rc ? rc : each_record(s, &s->text, path, add_result);
}

int plot_read_events(struct plot_set *s, const char *path)
{
	int rc = load(&s->evtext, path);
	return rc ? rc : each_record(s, &s->evtext, path, add_event);
}

int plot_parse_records(struct plot_set *s, const struct tdp_buf *b, bool events)
{
	return each_record(s, b, "-", events ? add_event : add_result);
}
