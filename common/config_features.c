/*
 * config_features.c - the `features:` block of a scale, as key tables
 * (common/config_schema.h), and the same block read from a file of its
 * own for `tdapipe persistence --features`.
 */
#include "common/config_features.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/config_read.h"
#include "common/config_schema.h"

#define CURVE(m) TDP_CFG_FIELD(struct tdp_curve_cfg, m)
#define IMAGE(m) TDP_CFG_FIELD(struct tdp_image_cfg, m)
#define FEAT(m) TDP_CFG_FIELD(struct tdp_features_cfg, m)
#define DEFAULT_RES 100u       /* GUDHI's default resolution */
#define DEFAULT_LAYERS 5u      /* GUDHI's default num_landscapes */
#define DEFAULT_PIXELS 20u     /* GUDHI's default image resolution, per side */

static const char *const distance_names[] = { "bottleneck", "wasserstein1", "wasserstein2", NULL };

const char *tdp_distance_name(unsigned d)
{
	return d < TDP_DISTANCES ? distance_names[d] : "unknown";
}

bool tdp_features_any(const struct tdp_features_cfg *f)
{
	return f->summary || f->betti.on || f->landscape.on || f->silhouette.on || f->image.on ||
	       f->distances;
}

/*
 * range: [from, to] for a curve, [birth from, to, persistence from, to]
 * for an image (k->size / sizeof(double) numbers), each pair increasing.
 */
static int read_range(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path,
		      const struct tdp_cfg_key *k, void *obj)
{
	size_t want = k->size / sizeof(double);
	double *out = (double *)((char *)obj + k->offset);
	char what[128], ip[TDP_CFG_PATH_MAX];
	snprintf(what, sizeof(what), want == 2 ? "a list [from, to] of two finite numbers, from < to" :
		 "a list [birth_from, birth_to, persistence_from, persistence_to] of four finite numbers, "
		 "each from < to");
	if (tdp_cfg_plain(c, n, path))
		return -1;
	if (n->kind != TDP_Y_SEQ || n->n != want)
		return tdp_cfg_expected(c, n, path, what);
	size_t i = 0;
	for (const struct tdp_ynode *e = n->head; e; e = e->next, i++)
		if (tdp_cfg_want_real(c, e, tdp_cfg_index_path(ip, path, i), &out[i]))
			return -1;
	for (i = 0; i < want; i += 2)
		if (!(out[i] < out[i + 1]) || !isfinite(out[i + 1] - out[i]))
			return tdp_cfg_expected(c, n, path, what);
	return 0;
}

static const struct tdp_cfg_type range = { read_range, NULL };

/* image resolution: [pixels along birth, pixels along persistence]. */
static int read_pixels(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path,
		       const struct tdp_cfg_key *k, void *obj)
{
	uint32_t *out = (uint32_t *)((char *)obj + k->offset);
	char what[128], ip[TDP_CFG_PATH_MAX];
	snprintf(what, sizeof(what), "a list [x, y] of two pixel counts from 2 to %u, at most %u pixels",
		 TDP_FEATURE_MAX_RES, TDP_FEATURE_MAX_PIXELS);
	if (tdp_cfg_plain(c, n, path))
		return -1;
	if (n->kind != TDP_Y_SEQ || n->n != 2)
		return tdp_cfg_expected(c, n, path, what);
	size_t i = 0;
	for (const struct tdp_ynode *e = n->head; e; e = e->next, i++)
		if (tdp_cfg_want_uint(c, e, tdp_cfg_index_path(ip, path, i), what, 2, TDP_FEATURE_MAX_RES, &out[i]))
			return -1;
	if ((uint64_t)out[0] * out[1] > TDP_FEATURE_MAX_PIXELS)
		return tdp_cfg_expected(c, n, path, what);
	return 0;
}

static void init_pixels(const struct tdp_cfg_key *k, void *obj)
{
	uint32_t *out = (uint32_t *)((char *)obj + k->offset);
	out[0] = out[1] = k->def.u;
}

static const struct tdp_cfg_type pixels = { read_pixels, init_pixels };

/* distance: a non-empty list of distinct names, into a mask. */
static int read_distance(struct tdp_cfg_ctx *c, const struct tdp_ynode *e, const char *path, const void *arg,
			 unsigned *bit)
{
	int d;
	(void)arg;
	if (tdp_cfg_want_enum(c, e, path, distance_names, &d))
		return -1;
	*bit = (unsigned)d;
	return 0;
}

static int read_distances(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path,
			  const struct tdp_cfg_key *k, void *obj)
{
	return tdp_cfg_want_set(c, n, path, "a list of distances: bottleneck, wasserstein1, wasserstein2",
				"each distance at most once", read_distance, NULL, (uint32_t *)((char *)obj + k->offset));
}

static const struct tdp_cfg_type distances = { read_distances, NULL };

/* A block that is there is on; its rules run after its keys were read. */
static int curve_on(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path, void *obj,
		    const struct tdp_ynode *const *seen)
{
	(void)c, (void)m, (void)path, (void)seen;
	((struct tdp_curve_cfg *)obj)->on = true;
	return 0;
}

static int image_on(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path, void *obj,
		    const struct tdp_ynode *const *seen)
{
	(void)c, (void)m, (void)path, (void)seen;
	((struct tdp_image_cfg *)obj)->on = true;
	return 0;
}

#define RANGE_ROW { "range", &range, CURVE(range), .flags = TDP_KEY_REQUIRED }
#define RES_ROW { "resolution", &tdp_cfg_uint, CURVE(resolution), .lo = 2, .hi = TDP_FEATURE_MAX_RES, \
		  .what = "a number of grid points", .def.u = DEFAULT_RES }

static const struct tdp_cfg_key betti_keys[] = { RANGE_ROW, RES_ROW };
static const struct tdp_cfg_key landscape_keys[] = {
	{ "layers", &tdp_cfg_uint, CURVE(layers), .lo = 1, .hi = TDP_FEATURE_MAX_LAYERS,
	  .what = "a number of layers", .def.u = DEFAULT_LAYERS },
	RANGE_ROW, RES_ROW,
};
static const struct tdp_cfg_key silhouette_keys[] = {
	RANGE_ROW, RES_ROW,
	{ "power", &tdp_cfg_real, CURVE(power), .def.d = 1 },
};
static const struct tdp_cfg_key image_keys[] = {
	{ "bandwidth", &tdp_cfg_number, IMAGE(bandwidth), .def.d = 1 },
	{ "resolution", &pixels, IMAGE(resolution), .def.u = DEFAULT_PIXELS },
	{ "range", &range, IMAGE(range), .flags = TDP_KEY_REQUIRED },
};

static const struct tdp_cfg_section betti_section = {
	.what = "a mapping {range: [FROM, TO], resolution: N}", TDP_CFG_ROWS(betti_keys), .rules = curve_on,
};
static const struct tdp_cfg_section landscape_section = {
	.what = "a mapping {layers: K, range: [FROM, TO], resolution: N}", TDP_CFG_ROWS(landscape_keys),
	.rules = curve_on,
};
static const struct tdp_cfg_section silhouette_section = {
	.what = "a mapping {range: [FROM, TO], resolution: N, power: P}", TDP_CFG_ROWS(silhouette_keys),
	.rules = curve_on,
};
static const struct tdp_cfg_section image_section = {
	.what = "a mapping {bandwidth: B, resolution: [X, Y], range: [X0, X1, Y0, Y1]}", TDP_CFG_ROWS(image_keys),
	.rules = image_on,
};

/* Values per dimension, all features together: bounded so a result stays
 * a sensible size whatever the grids. */
static int features_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path, void *obj,
			  const struct tdp_ynode *const *seen)
{
	const struct tdp_features_cfg *f = obj;
	(void)seen;
	uint64_t width = (f->betti.on ? f->betti.resolution : 0) +
			 (f->landscape.on ? (uint64_t)f->landscape.layers * f->landscape.resolution : 0) +
			 (f->silhouette.on ? f->silhouette.resolution : 0) +
			 (f->image.on ? (uint64_t)f->image.resolution[0] * f->image.resolution[1] : 0);
	if (width > TDP_FEATURE_MAX_WIDTH)
		return tdp_cfg_fail(c, m->line, m->col, path,
				    "expected curves and images of at most %u values per dimension together, "
				    "got %llu", TDP_FEATURE_MAX_WIDTH, (unsigned long long)width);
	return 0;
}

static const struct tdp_cfg_key features_keys[] = {
	{ "summary", &tdp_cfg_bool, FEAT(summary) },
	{ "betti", &tdp_cfg_mapping, FEAT(betti), .section = &betti_section },
	{ "landscape", &tdp_cfg_mapping, FEAT(landscape), .section = &landscape_section },
	{ "silhouette", &tdp_cfg_mapping, FEAT(silhouette), .section = &silhouette_section },
	{ "image", &tdp_cfg_mapping, FEAT(image), .section = &image_section },
	{ "distance", &distances, FEAT(distances) },
};

const struct tdp_cfg_section tdp_features_section = {
	.what = "a mapping of features (summary, betti, landscape, silhouette, image, distance)",
	TDP_CFG_ROWS(features_keys), .doc_order = true, .rules = features_rules,
};

int tdp_features_load(const char *path, struct tdp_features_cfg *f, char *err, size_t errlen)
{
	struct tdp_buf text;
	struct tdp_cfg_ctx c = { .name = path, .err = err, .errlen = errlen };
	struct tdp_ynode *root = NULL;
	struct tdp_yaml_error ye;
	memset(f, 0, sizeof(*f));
	tdp_cfg_defaults(&tdp_features_section, f);
	tdp_buf_init(&text);
	int rc = tdp_config_read(&text, path, err, errlen);
	if (rc) {
		tdp_buf_fini(&text);
		return rc;
	}
	rc = tdp_yaml_parse(text.p, text.len, &root, &ye);
	if (rc)
		tdp_cfg_fail(&c, ye.line, ye.col, "", "%s", ye.msg);
	else if (!root || tdp_ynode_is_null(root))
		rc = tdp_cfg_fail(&c, 1, 1, "features", "expected %s, got an empty file", tdp_features_section.what);
	else
		rc = tdp_cfg_walk(&c, root, "features", &tdp_features_section, f, NULL);
	tdp_yaml_free(root);
	tdp_buf_fini(&text);
	return rc;
}
