/*
 * config_schema.c - the walker of a section's key table, and the readers
 * of its rows (config_schema.h).
 */
#include "common/config_schema.h"
#include "common/config.h"
#include "common/record.h"

#include <stdio.h>
#include <string.h>

/* The row called NAME in SEC, or NULL. */
static const struct tdp_cfg_key *row_of(const struct tdp_cfg_section *sec, const char *name)
{
	for (size_t i = 0; i < sec->nkeys; i++)
		if (!strcmp(sec->keys[i].name, name))
			return &sec->keys[i];
	return NULL;
}

/* Whether row K applies to OBJ: its type and its format are among K's. */
static bool type_ok(const struct tdp_cfg_section *sec, const struct tdp_cfg_key *k, const void *obj)
{
	return !k->types || (sec->type_of && (k->types >> sec->type_of(obj) & 1));
}

static bool format_ok(const struct tdp_cfg_section *sec, const struct tdp_cfg_key *k, const void *obj)
{
	return !k->formats || (sec->format_of && (k->formats >> sec->format_of(obj) & 1));
}

static bool applies(const struct tdp_cfg_section *sec, const struct tdp_cfg_key *k, const void *obj)
{
	return type_ok(sec, k, obj) && format_ok(sec, k, obj);
}

/* In which group row I is listed among the keys of one type: the keys
 * for all types before the first that is not, those of some types, those
 * of some formats, then the rest. */
static int list_group(const struct tdp_cfg_section *sec, size_t i)
{
	const struct tdp_cfg_key *k = &sec->keys[i];
	if (k->types || k->formats)
		return k->formats ? 2 : 1;
	for (size_t j = 0; j < i; j++)
		if (sec->keys[j].types || sec->keys[j].formats)
			return 3;
	return 0;
}

/* The names of SEC's rows, "a, b, c", into OUT: all of them (OBJ NULL),
 * or those that apply to OBJ, by list group. */
static const char *key_list(char *out, size_t size, const struct tdp_cfg_section *sec, const void *obj)
{
	size_t o = 0;
	out[0] = '\0';
	for (int g = 0; g < 4; g++) {
		for (size_t i = 0; i < sec->nkeys && o < size; i++) {
			const struct tdp_cfg_key *k = &sec->keys[i];
			if (obj ? list_group(sec, i) != g || !applies(sec, k, obj) : g)
				continue;
			o += (size_t)snprintf(out + o, size - o, "%s%s", o ? ", " : "", k->name);
		}
	}
	return out;
}

/* Every key of M must be a row of SEC. */
static int check_known(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path,
		       const struct tdp_cfg_section *sec)
{
	for (const struct tdp_ynode *k = m->head; k; k = k->next->next) {
		if (row_of(sec, k->val))
			continue;
		char kp[TDP_CFG_PATH_MAX], list[256];
		return tdp_cfg_fail(c, k->line, k->col, tdp_cfg_key_path(kp, path, k->val),
				    "unknown key (expected one of: %s)", key_list(list, sizeof(list), sec, NULL));
	}
	return 0;
}

/*
 * Every key of M must apply to OBJ's type and format, else it is "unknown
 * key for type tcp" (or "for format jsonl", when the format rules it out):
 * a key that exists but not for this type would be silently ignored.
 */
static int check_applies(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path,
			 const struct tdp_cfg_section *sec, const void *obj)
{
	for (const struct tdp_ynode *k = m->head; k; k = k->next->next) {
		const struct tdp_cfg_key *row = row_of(sec, k->val);
		if (applies(sec, row, obj))
			continue;
		char kp[TDP_CFG_PATH_MAX], list[256];
		bool by_format = !format_ok(sec, row, obj);
		int which = by_format ? sec->format_of(obj) : sec->type_of(obj);
		return tdp_cfg_fail(c, k->line, k->col, tdp_cfg_key_path(kp, path, k->val),
				    "unknown key for %s %s (expected one of: %s)", by_format ? "format" : "type",
				    by_format ? sec->format_words[which] : sec->type_words[which],
				    key_list(list, sizeof(list), sec, obj));
	}
	return 0;
}

/* Read row I's value, or report it missing if it is required; nothing
 * when it is absent and optional. */
static int read_row(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path,
		    const struct tdp_cfg_section *sec, size_t i, void *obj, const struct tdp_ynode *v)
{
	const struct tdp_cfg_key *k = &sec->keys[i];
	char kp[TDP_CFG_PATH_MAX];
	if (!v)
		return k->flags & TDP_KEY_REQUIRED ? (tdp_cfg_require(c, m, path, k->name), -1) : 0;
	return k->type->read(c, v, tdp_cfg_key_path(kp, path, k->name), k, obj);
}

int tdp_cfg_walk(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path,
		 const struct tdp_cfg_section *sec, void *obj, const struct tdp_ynode **seen)
{
	const struct tdp_ynode *local[TDP_CFG_MAX_KEYS] = { 0 };
	const struct tdp_ynode **at = seen ? seen : local;

	if (sec->nkeys > TDP_CFG_MAX_KEYS)   /* a table this walker was not built for */
		return tdp_cfg_fail(c, m->line, m->col, path, "more than %d keys in a section's table",
				    TDP_CFG_MAX_KEYS);
	if (tdp_cfg_want_map(c, m, path, sec->what) || tdp_cfg_check_dups(c, m, path) ||
	    check_known(c, m, path, sec))
		return -1;
	for (size_t i = 0; i < sec->nkeys; i++)
		at[i] = tdp_ynode_lookup(m, sec->keys[i].name);
	for (size_t i = 0; i < sec->nkeys; i++)
		if ((sec->keys[i].flags & TDP_KEY_SELECTS) && read_row(c, m, path, sec, i, obj, at[i]))
			return -1;
	if (sec->type_of && check_applies(c, m, path, sec, obj))
		return -1;
	if (sec->doc_order) {
		for (const struct tdp_ynode *k = m->head; k; k = k->next->next) {
			size_t i = (size_t)(row_of(sec, k->val) - sec->keys);
			if (!(sec->keys[i].flags & TDP_KEY_SELECTS) && read_row(c, m, path, sec, i, obj, k->next))
				return -1;
		}
		for (size_t i = 0; i < sec->nkeys; i++)
			if (!at[i] && read_row(c, m, path, sec, i, obj, NULL))
				return -1;
	} else {
		for (size_t j = 0; j < sec->nkeys; j++) {
			size_t i = sec->order ? sec->order[j] : j;
			if (!(sec->keys[i].flags & TDP_KEY_SELECTS) && applies(sec, &sec->keys[i], obj) &&
			    read_row(c, m, path, sec, i, obj, at[i]))
				return -1;
		}
	}
	return sec->rules ? sec->rules(c, m, path, obj, at) : 0;
}

void tdp_cfg_defaults(const struct tdp_cfg_section *sec, void *obj)
{
	for (size_t i = 0; i < sec->nkeys; i++)
		if (sec->keys[i].type->init)
			sec->keys[i].type->init(&sec->keys[i], obj);
}

/* ----------------------------------------------------------------- rows */

static void *field_of(const struct tdp_cfg_key *k, void *obj)
{
	return (char *)obj + k->offset;
}

/* Store V into row K's field: uint32_t, int or uint16_t, by its size. */
static void store_uint(const struct tdp_cfg_key *k, void *obj, uint32_t v)
{
	if (k->size == sizeof(uint16_t)) {
		uint16_t h = (uint16_t)v;
		memcpy(field_of(k, obj), &h, sizeof(h));
	} else {
		memcpy(field_of(k, obj), &v, sizeof(v));
	}
}

/* "WHAT from LO to HI", or NULL for want_uint's own words. */
static const char *bounded_what(char *w, size_t size, const struct tdp_cfg_key *k)
{
	if (!k->what)
		return NULL;
	snprintf(w, size, "%s from %u to %u", k->what, k->lo, k->hi);
	return w;
}

static int read_uint(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		     const struct tdp_cfg_key *k, void *obj)
{
	char w[128];
	uint32_t u;
	if (tdp_cfg_want_uint(c, v, path, bounded_what(w, sizeof(w), k), k->lo, k->hi, &u))
		return -1;
	store_uint(k, obj, u);
	return 0;
}

void tdp_cfg_init_uint(const struct tdp_cfg_key *k, void *obj)
{
	store_uint(k, obj, k->def.u);
}

const struct tdp_cfg_type tdp_cfg_uint = { read_uint, tdp_cfg_init_uint };

static int read_duration(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
			 const struct tdp_cfg_key *k, void *obj)
{
	return tdp_cfg_want_duration_ms(c, v, path, k->lo, k->hi, field_of(k, obj));
}

const struct tdp_cfg_type tdp_cfg_duration = { read_duration, tdp_cfg_init_uint };

/* Up to a day, like the other timeouts of a config: lo and hi are not
 * wide enough for nanoseconds, so the bounds are fixed. */
static int read_duration_ns(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
			    const struct tdp_cfg_key *k, void *obj)
{
	uint64_t lo = k->lo ? 1 : 0;
	return tdp_cfg_want_duration_ns(c, v, path, lo, TDP_CFG_DAY_NS,
					lo ? "a duration from 1ns to 24h: an integer with a unit ns, us, ms, s, m "
					     "or h (\"500ms\")" :
					     "0 or a duration up to 24h: an integer with a unit ns, us, ms, s, m "
					     "or h (\"500ms\")", field_of(k, obj));
}

static void init_u64(const struct tdp_cfg_key *k, void *obj)
{
	*(uint64_t *)field_of(k, obj) = 0;
}

const struct tdp_cfg_type tdp_cfg_duration_ns = { read_duration_ns, init_u64 };

static int read_bool(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		     const struct tdp_cfg_key *k, void *obj)
{
	return tdp_cfg_want_bool(c, v, path, field_of(k, obj));
}

static void init_bool(const struct tdp_cfg_key *k, void *obj)
{
	*(bool *)field_of(k, obj) = k->def.b;
}

const struct tdp_cfg_type tdp_cfg_bool = { read_bool, init_bool };

/* An enum field is an int (every enum of config.h has int's size). */
static int read_enum(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		     const struct tdp_cfg_key *k, void *obj)
{
	int t;
	if (tdp_cfg_want_enum(c, v, path, k->words, &t))
		return -1;
	int value = k->values ? k->values[t] : t;
	memcpy(field_of(k, obj), &value, sizeof(value));
	return 0;
}

void tdp_cfg_init_enum(const struct tdp_cfg_key *k, void *obj)
{
	memcpy(field_of(k, obj), &k->def.i, sizeof(k->def.i));
}

const struct tdp_cfg_type tdp_cfg_enum = { read_enum, tdp_cfg_init_enum };

static int read_string(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		       const struct tdp_cfg_key *k, void *obj)
{
	return tdp_cfg_want_string(c, v, path, k->what, field_of(k, obj), k->size);
}

static void init_string(const struct tdp_cfg_key *k, void *obj)
{
	snprintf(field_of(k, obj), k->size, "%s", k->def.s ? k->def.s : "");
}

const struct tdp_cfg_type tdp_cfg_string = { read_string, init_string };

static int read_name(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		     const struct tdp_cfg_key *k, void *obj)
{
	char w[128];
	snprintf(w, sizeof(w), "%s of 1 to %d characters from [A-Za-z0-9%s]", k->what, TDP_NAME_MAX - 1,
		 k->chars);
	return tdp_cfg_want_name(c, v, path, w, k->chars, field_of(k, obj));
}

const struct tdp_cfg_type tdp_cfg_name = { read_name, init_string };

static int read_number(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		       const struct tdp_cfg_key *k, void *obj)
{
	return tdp_cfg_want_number(c, v, path, field_of(k, obj));
}

static void init_number(const struct tdp_cfg_key *k, void *obj)
{
	*(double *)field_of(k, obj) = k->def.d;
}

const struct tdp_cfg_type tdp_cfg_number = { read_number, init_number };

static int read_real(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		     const struct tdp_cfg_key *k, void *obj)
{
	return tdp_cfg_want_real(c, v, path, field_of(k, obj));
}

const struct tdp_cfg_type tdp_cfg_real = { read_real, init_number };

static int read_mapping(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
			const struct tdp_cfg_key *k, void *obj)
{
	return tdp_cfg_walk(c, v, path, k->section, field_of(k, obj), NULL);
}

static void init_mapping(const struct tdp_cfg_key *k, void *obj)
{
	tdp_cfg_defaults(k->section, field_of(k, obj));
}

const struct tdp_cfg_type tdp_cfg_mapping = { read_mapping, init_mapping };

/* dims: a non-empty list of homology dimensions, each at most once, into
 * a mask (which ones a scale allows: its rules). */
static int read_dim(struct tdp_cfg_ctx *c, const struct tdp_ynode *e, const char *path, const void *what,
		    unsigned *bit)
{
	uint32_t d;
	if (tdp_cfg_want_uint(c, e, path, what, 0, TDP_MAX_HDIM - 1, &d))
		return -1;
	*bit = d;
	return 0;
}

static int read_dims(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path,
		     const struct tdp_cfg_key *k, void *obj)
{
	char what[64];
	snprintf(what, sizeof(what), "a list of homology dimensions from 0 to %d", TDP_MAX_HDIM - 1);
	return tdp_cfg_want_set(c, n, path, what, "each dimension at most once", read_dim, what,
				(uint32_t *)((char *)obj + k->offset));
}

const struct tdp_cfg_type tdp_cfg_dims = { read_dims, tdp_cfg_init_uint };
