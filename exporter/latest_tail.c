/*
 * latest_tail.c - the recent results and anomalies of each stream and
 * scale, read from the end of the results and events files (exporter.h).
 *
 * The segment keeps only a summary of each stream's latest result
 * (struct tdp_latest): no intervals, no history.  The live page
 * (GET /, GET /v1/latest) wants the diagram and the last windows, and a
 * pipeline whose sink is a JSON Lines file has them on disk: the last
 * LATEST_TAIL_BYTES of the file, complete lines only, parsed as `tdapipe
 * plot` parses them (cli/plot_json.c).  The parse is kept until the
 * file's size or time changes, so a page polling every second costs one
 * parse per new result batch, not per request.  Memory is bounded: at
 * most LATEST_TAIL_KEYS stream/scale pairs, LATEST_HISTORY windows each,
 * the latest diagram of each.
 */
#include "exporter/latest_tail.h"

#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/plot.h"
#include "common/json.h"

struct file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

static struct {
	struct file_id res, ev;
	struct tail_key *k;
	size_t n;
	bool loaded;
	struct timespec at;   /* when it was parsed (CLOCK_MONOTONIC) */
} cache;

/* A file that changes all the time (a busy pipeline) is parsed again at
 * most this often: a parse of the whole tail takes tens of ms. */
#define LATEST_TAIL_MIN_NS 500000000ll

static bool parsed_recently(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ns = (now.tv_sec - cache.at.tv_sec) * 1000000000ll + (now.tv_nsec - cache.at.tv_nsec);
	return cache.loaded && ns < LATEST_TAIL_MIN_NS;
}

void latest_put_double(struct tdp_buf *b, double x)
{
	char text[32];
	if (!isfinite(x))
		tdp_buf_puts(b, "null");
	else
		tdp_buf_append(b, text, tdp_format_double(text, x));
}

static bool same_file(const struct file_id *a, const struct stat *st)
{
	return a->dev == st->st_dev && a->ino == st->st_ino && a->size == st->st_size &&
	       a->mtime.tv_sec == st->st_mtim.tv_sec && a->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static void remember(struct file_id *a, const struct stat *st)
{
	*a = (struct file_id){st->st_dev, st->st_ino, st->st_size, st->st_mtim};
}

/* The complete lines of the last LATEST_TAIL_BYTES of FD into B. */
static bool read_tail(int fd, const struct stat *st, struct tdp_buf *b)
{
	off_t from = st->st_size > LATEST_TAIL_BYTES ? st->st_size - LATEST_TAIL_BYTES : 0;
	size_t want = (size_t)(st->st_size - from);
	if (!tdp_buf_reserve(b, want + 1))
		return false;
	size_t got = 0;
	while (got < want) {
		ssize_t r = pread(fd, b->p + got, want - got, from + (off_t)got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	size_t start = 0, end = got;
	if (from > 0) {
		const char *nl = memchr(b->p, '\n', got);
		start = nl ? (size_t)(nl - b->p) + 1 : got;
	}
	while (end > start && b->p[end - 1] != '\n')
		end--;   /* a line still being written */
	memmove(b->p, b->p + start, end - start);
	b->len = end - start;
	b->p[b->len] = 0;
	return true;
}

static struct tail_key *key_of(const char *stream, const char *scale)
{
	for (size_t i = 0; i < cache.n; i++)
		if (!strcmp(cache.k[i].stream, stream) && !strcmp(cache.k[i].scale, scale))
			return &cache.k[i];
	if (cache.n == LATEST_TAIL_KEYS || strlen(stream) >= sizeof(cache.k->stream) ||
	    strlen(scale) >= sizeof(cache.k->scale))
		return NULL;
	struct tail_key *k = &cache.k[cache.n++];
	memset(k, 0, sizeof(*k));
	strcpy(k->stream, stream);
	strcpy(k->scale, scale);
	return k;
}

static void free_keys(void)
{
	for (size_t i = 0; i < cache.n; i++)
		free(cache.k[i].diagrams);
	cache.n = 0;
}

/* R's diagrams as JSON text, and its summary into H. */
static char *diagrams_json(const struct plot_result *r, struct tail_window *h)
{
	struct tdp_buf b;
	tdp_buf_init(&b);
	tdp_buf_putc(&b, '{');
	const msgpack_object *m = &r->diagrams;
	for (uint32_t i = 0; i < m->via.map.size; i++) {
		const msgpack_object *key = &m->via.map.ptr[i].key, *iv = &m->via.map.ptr[i].val;
		unsigned d = key->via.str.size == 1 ? (unsigned)(key->via.str.ptr[0] - '0') : TDP_MAX_HDIM;
		tdp_buf_puts(&b, i ? ",\"" : "\"");
		tdp_buf_append(&b, key->via.str.ptr, key->via.str.size);
		tdp_buf_puts(&b, "\":[");
		for (uint32_t k = 0; k < iv->via.array.size; k++) {
			const msgpack_object *p = iv->via.array.ptr[k].via.array.ptr;
			double birth = 0, death = INFINITY;
			plot_number(&p[0], &birth);
			plot_number(&p[1], &death);
			tdp_buf_puts(&b, k ? ",[" : "[");
			latest_put_double(&b, birth);
			tdp_buf_putc(&b, ',');
			latest_put_double(&b, death);   /* inf: null */
			tdp_buf_putc(&b, ']');
			if (d < TDP_MAX_HDIM && isfinite(death))
				h->total[d] += death - birth;
		}
		tdp_buf_putc(&b, ']');
		if (d < TDP_MAX_HDIM)
			h->dims |= 1u << d;
	}
	tdp_buf_putc(&b, '}');
	tdp_buf_putc(&b, 0);   /* kept as a C string */
	if (!tdp_buf_ok(&b)) {
		tdp_buf_fini(&b);
		return NULL;
	}
	return b.p;
}

static void load_results(const struct plot_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct plot_result *r = &s->r[i];
		struct tail_key *k = key_of(r->stream, r->scale);
		if (!k)
			continue;
		struct tail_window h = {.window = r->window, .end = r->end, .score = NAN};
		h.scored = plot_number(r->score, &h.score);
		char *d = diagrams_json(r, &h);
		if (!d)
			continue;
		free(k->diagrams);
		k->diagrams = d;
		if (k->nh == LATEST_HISTORY) {
			memmove(k->h, k->h + 1, (LATEST_HISTORY - 1) * sizeof(k->h[0]));
			k->nh--;
		}
		k->h[k->nh++] = h;
	}
}

static void load_events(const struct plot_set *s)
{
	for (size_t i = 0; i < s->nev; i++) {
		struct tail_key *k = key_of(s->ev[i].stream, s->ev[i].scale);
		for (size_t j = 0; k && j < k->nh; j++)
			if (k->h[j].window == s->ev[i].window)
				k->h[j].anomaly = true;
	}
}

/* Parse the JSON Lines of B into S, skipping lines that are not
 * results or events (a line cut by rotation, say). */
static void parse_lines(struct plot_set *s, const struct tdp_buf *b, bool events)
{
	struct tdp_buf one = *b;
	for (size_t at = 0; at < b->len;) {
		const char *nl = memchr(b->p + at, '\n', b->len - at);
		size_t end = nl ? (size_t)(nl - b->p) + 1 : b->len;
		one.p = b->p + at;
		one.len = end - at;
		int err = plot_parse_records(s, &one, events);
		(void)err;
		at = end;
	}
}

static int open_stat(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

const struct tail_key *latest_tail(const struct tdp_config *cfg, size_t *n)
{
	*n = 0;
	if (cfg->sink.type != TDP_SINK_FILE || cfg->sink.format != TDP_FMT_JSONL)
		return NULL;
	if (!cache.k && !(cache.k = calloc(LATEST_TAIL_KEYS, sizeof(*cache.k))))
		return NULL;
	struct stat rst, est = {0};
	int rfd = open_stat(cfg->sink.path, &rst);
	if (rfd < 0) {
		free_keys();
		cache.loaded = false;
		return NULL;
	}
	bool events = cfg->events.on && cfg->events.type == TDP_SINK_FILE && cfg->events.format == TDP_FMT_JSONL;
	int efd = events ? open_stat(cfg->events.path, &est) : -1;
	bool changed = !same_file(&cache.res, &rst) || (efd >= 0 && !same_file(&cache.ev, &est));
	if (!cache.loaded || (changed && !parsed_recently())) {
		free_keys();
		struct plot_set s;
		plot_set_init(&s);
		s.quiet = true;
		if (read_tail(rfd, &rst, &s.text)) {
			parse_lines(&s, &s.text, false);
			load_results(&s);
		}
		if (efd >= 0 && read_tail(efd, &est, &s.evtext)) {
			parse_lines(&s, &s.evtext, true);
			load_events(&s);
		}
		plot_set_fini(&s);
		remember(&cache.res, &rst);
		if (efd >= 0)
			remember(&cache.ev, &est);
		cache.loaded = true;
		clock_gettime(CLOCK_MONOTONIC, &cache.at);
	}
	close(rfd);
	if (efd >= 0)
		close(efd);
	*n = cache.n;
	return cache.k;
}
