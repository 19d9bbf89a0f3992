/*
 * config_scale_values.c - a scale's value: / values: (config_scale_values.h).
 */
#include "common/config_scale_values.h"

#include <stdio.h>
#include <string.h>

#include "common/config.h"
#include "common/record.h"

_Static_assert(TDP_FIELDS_MAX <= TDP_MAX_DIM, "a scale selects coordinates of a point");

static const char one_what[] = "a value the source names, or a coordinate index (0, 1, ...)";

/* One selector: a bare integer is an index, any other text a name. */
static int read_field(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		      struct tdp_field *f)
{
	if (tdp_cfg_plain(c, v, path) || tdp_cfg_want_text(c, v, path, one_what))
		return -1;
	memset(f, 0, sizeof(*f));
	if (!v->quoted && v->len && strspn(v->val, "0123456789") == v->len) {
		uint32_t i;
		if (tdp_cfg_want_uint(c, v, path, "a coordinate index from 0 to 15", 0, TDP_MAX_DIM - 1, &i))
			return -1;
		f->index = (int32_t)i;
		return 0;
	}
	if (!v->len || v->len >= sizeof(f->name) || memchr(v->val, 0, v->len)) {
		char w[96];
		snprintf(w, sizeof(w), "%s, of 1 to %d bytes", one_what, TDP_FIELD_NAME_MAX - 1);
		return tdp_cfg_expected(c, v, path, w);
	}
	memcpy(f->name, v->val, v->len);
	f->index = -1;
	return 0;
}

static bool same_field(const struct tdp_field *a, const struct tdp_field *b)
{
	return a->index >= 0 ? a->index == b->index : b->index < 0 && !strcmp(a->name, b->name);
}

/* Neither key twice in one scale: the second read finds the first's. */
static int not_both(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		    const struct tdp_scale_values *sv)
{
	if (!sv->n)
		return 0;
	return tdp_cfg_fail(c, v->line, v->col, path, "expected either value or values in a scale, not both");
}

static int read_value(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		      const struct tdp_cfg_key *k, void *obj)
{
	struct tdp_scale_values *sv = (struct tdp_scale_values *)((char *)obj + k->offset);
	if (not_both(c, v, path, sv) || read_field(c, v, path, &sv->sel[0]))
		return -1;
	sv->n = 1;
	sv->scalar = true;
	return 0;
}

static int read_values(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		       const struct tdp_cfg_key *k, void *obj)
{
	struct tdp_scale_values *sv = (struct tdp_scale_values *)((char *)obj + k->offset);
	char w[128], ip[TDP_CFG_PATH_MAX];
	snprintf(w, sizeof(w), "a list of 1 to %d values the source names or coordinate indices",
		 TDP_FIELDS_MAX);
	if (not_both(c, v, path, sv) || tdp_cfg_plain(c, v, path))
		return -1;
	if (v->kind != TDP_Y_SEQ)
		return tdp_cfg_expected(c, v, path, w);
	if (!v->n)
		return tdp_cfg_fail(c, v->line, v->col, path, "expected %s, got an empty list", w);
	if (v->n > TDP_FIELDS_MAX)
		return tdp_cfg_fail(c, v->line, v->col, path, "expected %s, got %zu", w, v->n);
	uint32_t n = 0;
	for (const struct tdp_ynode *e = v->head; e; e = e->next, n++) {
		tdp_cfg_index_path(ip, path, n);
		if (read_field(c, e, ip, &sv->sel[n]))
			return -1;
		for (uint32_t j = 0; j < n; j++)
			if (same_field(&sv->sel[j], &sv->sel[n])) {
				snprintf(w, sizeof(w), "a value not listed before (values[%u])", j);
				return tdp_cfg_expected(c, e, ip, w);
			}
	}
	sv->n = n;
	sv->scalar = false;
	return 0;
}

const struct tdp_cfg_type tdp_cfg_scale_value = { read_value, NULL };
const struct tdp_cfg_type tdp_cfg_scale_values = { read_values, NULL };

/* "temp, pressure, vib": the names the source lists, for messages. */
static void source_names(const struct tdp_source_fields *sf, char *out, size_t len)
{
	size_t at = 0;
	out[0] = 0;
	for (uint32_t i = 0; i < sf->nvalues && at < len; i++)
		if (sf->values[i].name[0])
			at += (size_t)snprintf(out + at, len - at, "%s%s", at ? ", " : "", sf->values[i].name);
}

/* Selector F (at node V, PATH) as a coordinate index of the points of
 * SF's source, into *COORD. */
static int resolve(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		   const struct tdp_source_fields *sf, const struct tdp_field *f, uint8_t *coord)
{
	char names[TDP_FIELDS_MAX * (TDP_FIELD_NAME_MAX + 2)], w[sizeof(names) + 96];
	source_names(sf, names, sizeof(names));
	if (f->index >= 0) {
		uint32_t max = sf->nvalues ? sf->nvalues : TDP_MAX_DIM;
		if ((uint32_t)f->index < max) {
			*coord = (uint8_t)f->index;
			return 0;
		}
		snprintf(w, sizeof(w), "a coordinate index below %u (the source lists %u values)", max, max);
		return tdp_cfg_expected(c, v, path, w);
	}
	for (uint32_t i = 0; i < sf->nvalues; i++)
		if (!strcmp(sf->values[i].name, f->name)) {
			*coord = (uint8_t)i;
			return 0;
		}
	if (names[0])
		snprintf(w, sizeof(w), "one of the source's values (%s) or a coordinate index", names);
	else
		snprintf(w, sizeof(w), "a coordinate index (the source names no values: source.values)");
	return tdp_cfg_expected(c, v, path, w);
}

/* Scale S (mapping M, PATH): its selection resolved. */
static int scale_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path,
		       const struct tdp_source_fields *sf, struct tdp_scale_cfg *sc)
{
	struct tdp_scale_values *sv = &sc->values;
	const char *key = sv->scalar ? "value" : "values";
	const struct tdp_ynode *v = tdp_ynode_lookup(m, key);
	char kp[TDP_CFG_PATH_MAX], ip[TDP_CFG_PATH_MAX];
	if (!sv->n || !v)
		return 0;
	tdp_cfg_key_path(kp, path, key);
	const struct tdp_ynode *e = sv->scalar ? v : v->head;
	for (uint32_t i = 0; i < sv->n; i++, e = sv->scalar ? e : e->next) {
		const char *ep = sv->scalar ? kp : tdp_cfg_index_path(ip, kp, i);
		if (resolve(c, e, ep, sf, &sv->sel[i], &sv->coord[i]))
			return -1;
		for (uint32_t j = 0; j < i; j++)
			if (sv->coord[j] == sv->coord[i]) {
				char w[96];
				snprintf(w, sizeof(w), "a coordinate not taken before (values[%u] is coordinate %u)",
					 j, sv->coord[j]);
				return tdp_cfg_expected(c, e, ep, w);
			}
	}
	if (sv->n > 1 && tdp_scale_needs_scalar(sc))
		return tdp_cfg_fail(c, v->line, v->col, kp,
				    "expected one coordinate (value: NAME, or values: [NAME]) with %s, got %u: "
				    "it reads a series of numbers", sc->complex == TDP_COMPLEX_SUBLEVEL ?
				    "complex sublevel" : "embed", sv->n);
	return 0;
}

int tdp_scale_values_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *scales, struct tdp_config *cfg)
{
	char sp[TDP_CFG_PATH_MAX];
	uint32_t s = 0;
	for (const struct tdp_ynode *e = scales ? scales->head : NULL; e && s < cfg->nscales; e = e->next, s++)
		if (scale_rules(c, e, tdp_cfg_index_path(sp, "scales", s), &cfg->source.fields, &cfg->scales[s]))
			return -1;
	return 0;
}
