/*
 * config_source_fields.c - a source's stream:, time: and values:
 * (config_source_fields.h).
 */
#include "common/config_source_fields.h"

#include <stdio.h>
#include <string.h>

#include "common/config.h"

#define MAX_COLUMN 65535u

/* What a field may be, for messages, by format. */
static const char *field_what(const struct tdp_source_cfg *src)
{
	return src->format == TDP_FMT_CSV ? "a column name or a 0-based column index"
					  : "a field path (\"v\", \"fields.temp\")";
}

/* A dotted path: segments of one or more bytes, no blank, no dot at
 * either end or twice in a row. */
static bool path_ok(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] <= ' ' || (s[i] == '.' && s[i + 1] == '.'))
			return false;
	}
	return true;
}

/*
 * One field at node V: an unquoted decimal integer is a csv column index
 * (jsonl and msgpack have none), anything else a name (csv: of a header
 * column) or a dotted path (jsonl, msgpack).
 */
static int read_field(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		      const struct tdp_source_cfg *src, struct tdp_field *f)
{
	const char *what = field_what(src);
	if (tdp_cfg_plain(c, v, path) || tdp_cfg_want_text(c, v, path, what))
		return -1;
	memset(f, 0, sizeof(*f));
	f->index = -1;
	bool digits = !v->quoted && v->len > 0 && strspn(v->val, "0123456789") == v->len;
	if (digits && src->format == TDP_FMT_CSV) {
		uint32_t u;
		if (tdp_cfg_want_uint(c, v, path, "a column index from 0 to 65535", 0, MAX_COLUMN, &u))
			return -1;
		f->index = (int32_t)u;
		return 0;
	}
	if (v->len == 0 || v->len >= sizeof(f->name) || memchr(v->val, '\0', v->len))
		return tdp_cfg_expected(c, v, path, src->format == TDP_FMT_CSV
			? "a column name of 1 to 63 bytes, or a 0-based column index"
			: "a field path of 1 to 63 bytes (\"v\", \"fields.temp\")");
	if (src->format != TDP_FMT_CSV && !path_ok(v->val, v->len))
		return tdp_cfg_expected(c, v, path, "a field path: names joined by single dots (\"fields.temp\")");
	memcpy(f->name, v->val, v->len);
	return 0;
}

static int read_stream(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		       const struct tdp_cfg_key *k, void *obj)
{
	struct tdp_source_cfg *src = obj;
	(void)k;
	if (read_field(c, v, path, src, &src->fields.stream))
		return -1;
	src->fields.has_stream = true;
	return 0;
}

static int read_time(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		     const struct tdp_cfg_key *k, void *obj)
{
	struct tdp_source_cfg *src = obj;
	(void)k;
	if (read_field(c, v, path, src, &src->fields.time))
		return -1;
	src->fields.has_time = true;
	return 0;
}

/* values: a list of 1..TDP_FIELDS_MAX fields, each once. */
static int read_values(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		       const struct tdp_cfg_key *k, void *obj)
{
	struct tdp_source_cfg *src = obj;
	struct tdp_source_fields *fs = &src->fields;
	char what[128], ip[TDP_CFG_PATH_MAX];
	(void)k;
	snprintf(what, sizeof(what), "a list of 1 to %d fields (%s)", TDP_FIELDS_MAX, field_what(src));
	if (tdp_cfg_plain(c, v, path))
		return -1;
	if (v->kind != TDP_Y_SEQ || v->n == 0 || v->n > TDP_FIELDS_MAX)
		return tdp_cfg_expected(c, v, path, what);
	fs->nvalues = 0;
	for (const struct tdp_ynode *e = v->head; e; e = e->next) {
		struct tdp_field *f = &fs->values[fs->nvalues];
		tdp_cfg_index_path(ip, path, fs->nvalues);
		if (e->kind != TDP_Y_SCALAR)
			return tdp_cfg_expected(c, e, ip, field_what(src));
		if (read_field(c, e, ip, src, f))
			return -1;
		for (uint32_t j = 0; j < fs->nvalues; j++)
			if (tdp_field_same(&fs->values[j], f))
				return tdp_cfg_expected(c, e, ip, "each field at most once");
		fs->nvalues++;
	}
	return 0;
}

static void init_fields(const struct tdp_cfg_key *k, void *obj)
{
	struct tdp_source_cfg *src = obj;
	(void)k;
	memset(&src->fields, 0, sizeof(src->fields));
	src->fields.stream.index = src->fields.time.index = -1;
	for (size_t i = 0; i < TDP_FIELDS_MAX; i++)
		src->fields.values[i].index = -1;
}

const struct tdp_cfg_type tdp_cfg_source_stream = { read_stream, init_fields };
const struct tdp_cfg_type tdp_cfg_source_time = { read_time, NULL };
const struct tdp_cfg_type tdp_cfg_source_values = { read_values, NULL };

bool tdp_field_same(const struct tdp_field *f, const struct tdp_field *g)
{
	if (f->index >= 0 || g->index >= 0)
		return f->index == g->index;
	return !strcmp(f->name, g->name);
}

/* The node of KEY in M, which was read. */
static const struct tdp_ynode *node_of(const struct tdp_ynode *m, const char *key)
{
	return tdp_ynode_lookup(m, key);
}

/* Stream given both ways, or time: the later one is the error. */
static int one_spelling(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path, const char *key,
			const char *old)
{
	const struct tdp_ynode *a = node_of(m, key), *b = node_of(m, old);
	if (!a || !b)
		return 0;
	const struct tdp_ynode *later = (a->line > b->line || (a->line == b->line && a->col > b->col)) ? a : b;
	char kp[TDP_CFG_PATH_MAX], g[96];
	return tdp_cfg_fail(c, later->line, later->col, tdp_cfg_key_path(kp, path, later == a ? key : old),
			    "expected %s or %s, not both (%s is the older spelling of %s with an index), got %s",
			    key, old, old, key, tdp_cfg_got(later, g, sizeof(g)));
}

/* A csv name without a header to find it in. */
static int need_header(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		       const struct tdp_field *f)
{
	if (f->index >= 0)
		return 0;
	return tdp_cfg_expected(c, v, path, "a 0-based column index (a column name needs header: true)");
}

/* Whether path A leads into path B ("fields" into "fields.temp"). */
static bool path_within(const char *a, const char *b)
{
	size_t n = strlen(a);
	return a[0] && !strncmp(a, b, n) && b[n] == '.';
}

/*
 * jsonl / msgpack: no configured path inside another (stream: fields
 * with values: [fields.temp] would ask one key to be a string and an
 * object).  The later field in the mapping is the error.
 */
static int nested_paths(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path,
			const struct tdp_source_fields *fs)
{
	const struct tdp_field *f[TDP_FIELDS_MAX + 2];
	const struct tdp_ynode *node[TDP_FIELDS_MAX + 2];
	char kp[TDP_CFG_PATH_MAX], ip[TDP_CFG_PATH_MAX], w[160];
	const char *where[TDP_FIELDS_MAX + 2];
	char paths[TDP_FIELDS_MAX + 2][TDP_CFG_PATH_MAX];
	size_t n = 0;
	if (fs->has_stream) {
		f[n] = &fs->stream, node[n] = node_of(m, "stream");
		where[n++] = tdp_cfg_key_path(paths[0], path, "stream");
	}
	if (fs->has_time) {
		f[n] = &fs->time, node[n] = node_of(m, "time");
		where[n] = tdp_cfg_key_path(paths[n], path, "time");
		n++;
	}
	const struct tdp_ynode *e = fs->nvalues ? node_of(m, "values")->head : NULL;
	for (uint32_t i = 0; i < fs->nvalues; i++, e = e->next) {
		f[n] = &fs->values[i], node[n] = e;
		where[n] = tdp_cfg_index_path(paths[n], tdp_cfg_key_path(ip, path, "values"), i);
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			if (i == j || !path_within(f[i]->name, f[j]->name))
				continue;
			size_t later = (node[i]->line > node[j]->line ||
					(node[i]->line == node[j]->line && node[i]->col > node[j]->col)) ? i : j;
			snprintf(w, sizeof(w), "a path not %s \"%s\" (one key cannot hold both)",
				 later == i ? "leading into" : "inside", f[i == later ? j : i]->name);
			snprintf(kp, sizeof(kp), "%s", where[later]);
			return tdp_cfg_expected(c, node[later], kp, w);
		}
	}
	return 0;
}

int tdp_source_fields_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path, void *obj,
			    const struct tdp_ynode *const *seen)
{
	struct tdp_source_cfg *src = obj;
	struct tdp_source_fields *fs = &src->fields;
	const struct tdp_ynode *vs = node_of(m, "stream"), *vt = node_of(m, "time"), *vv = node_of(m, "values");
	char kp[TDP_CFG_PATH_MAX], ip[TDP_CFG_PATH_MAX], w[160];
	(void)seen;

	if (one_spelling(c, m, path, "stream", "stream_column") || one_spelling(c, m, path, "time", "time_column"))
		return -1;
	if (src->format == TDP_FMT_CSV && !src->header) {
		if (vs && need_header(c, vs, tdp_cfg_key_path(kp, path, "stream"), &fs->stream))
			return -1;
		if (vt && need_header(c, vt, tdp_cfg_key_path(kp, path, "time"), &fs->time))
			return -1;
		for (uint32_t i = 0; vv && i < fs->nvalues; i++) {
			const struct tdp_ynode *e = vv->head;
			for (uint32_t j = 0; j < i; j++)
				e = e->next;
			if (need_header(c, e, tdp_cfg_index_path(ip, tdp_cfg_key_path(kp, path, "values"), i),
					&fs->values[i]))
				return -1;
		}
	}
	if (vt && src->event_time == TDP_TIME_KAFKA) {
		char g[96];
		return tdp_cfg_fail(c, vt->line, vt->col, tdp_cfg_key_path(kp, path, "time"),
				    "expected no time with event_time kafka (the time is the message timestamp), "
				    "got %s", tdp_cfg_got(vt, g, sizeof(g)));
	}
	/* The older keys, as fields, so that one check covers both spellings;
	 * csv indices given the new way, as columns for the decoder. */
	if (src->format == TDP_FMT_CSV) {
		if (!fs->has_stream && src->stream_column >= 0)
			fs->stream = (struct tdp_field){.index = src->stream_column};
		else if (fs->has_stream && fs->stream.index >= 0)
			src->stream_column = fs->stream.index;
		if (!fs->has_time && src->time_column >= 0)
			fs->time = (struct tdp_field){.index = src->time_column};
		else if (fs->has_time && fs->time.index >= 0)
			src->time_column = fs->time.index;
	}
	bool s_set = fs->has_stream || src->stream_column >= 0, t_set = fs->has_time || src->time_column >= 0;
	const struct tdp_ynode *vtc = vt ? vt : node_of(m, "time_column");
	if (vtc && s_set && tdp_field_same(&fs->stream, &fs->time)) {
		snprintf(w, sizeof(w), "a field other than the stream's");
		return tdp_cfg_expected(c, vtc, tdp_cfg_key_path(kp, path, vt ? "time" : "time_column"), w);
	}
	if (src->format != TDP_FMT_CSV && nested_paths(c, m, path, fs))
		return -1;
	const struct tdp_ynode *e = vv ? vv->head : NULL;
	for (uint32_t i = 0; i < fs->nvalues; i++, e = e->next) {
		const char *other = s_set && tdp_field_same(&fs->values[i], &fs->stream) ? "stream"
				  : t_set && tdp_field_same(&fs->values[i], &fs->time) ? "time" : NULL;
		if (!other)
			continue;
		snprintf(w, sizeof(w), "a field other than the %s's (a value cannot also be the %s)", other, other);
		return tdp_cfg_expected(c, e, tdp_cfg_index_path(ip, tdp_cfg_key_path(kp, path, "values"), i), w);
	}
	return 0;
}
