/*
 * config_join.c - the `join:` block of a scale (config_join.h).
 */
#include "common/config_join.h"

#include <stdio.h>
#include <string.h>

#include "common/config.h"
#include "common/config_schema.h"

#define JN(m) TDP_CFG_FIELD(struct tdp_join_cfg, m)

/* streams: a list of 1..TDP_MAX_DIM distinct stream ids. */
static int read_streams(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
			const struct tdp_cfg_key *k, void *obj)
{
	struct tdp_join_cfg *j = obj;
	char ip[TDP_CFG_PATH_MAX], w[96];
	(void)k;
	snprintf(w, sizeof(w), "a list of 1 to %d stream ids", TDP_MAX_DIM);
	if (v->kind != TDP_Y_SEQ || v->n == 0 || v->n > TDP_MAX_DIM)
		return tdp_cfg_expected(c, v, path, w);
	j->n = 0;
	for (const struct tdp_ynode *e = v->head; e; e = e->next) {
		tdp_cfg_index_path(ip, path, j->n);
		if (e->kind != TDP_Y_SCALAR || e->len == 0 || e->len >= TDP_STREAM_NAME_MAX ||
		    memchr(e->val, '\0', e->len))
			return tdp_cfg_expected(c, e, ip, "a stream id of 1 to 63 bytes");
		if (tdp_join_index(j, e->val) >= 0)
			return tdp_cfg_expected(c, e, ip, "a stream not listed before");
		snprintf(j->streams[j->n++], TDP_STREAM_NAME_MAX, "%s", e->val);
	}
	j->on = true;
	return 0;
}

static const struct tdp_cfg_type join_streams = { read_streams, NULL };

static const struct tdp_cfg_key join_keys[] = {
	{ "streams", &join_streams, .offset = 0, .size = sizeof(struct tdp_join_cfg), .flags = TDP_KEY_REQUIRED },
	{ "every", &tdp_cfg_duration_ns, JN(every_ns), .lo = 1, .flags = TDP_KEY_REQUIRED },
	{ "max_age", &tdp_cfg_duration_ns, JN(max_age_ns) },
};

const struct tdp_cfg_section tdp_join_section = {
	.what = "a mapping {streams: [S, ...], every: DURATION, max_age: DURATION}", TDP_CFG_ROWS(join_keys),
	.doc_order = true,
};

int tdp_join_index(const struct tdp_join_cfg *j, const char *name)
{
	for (uint32_t i = 0; i < j->n; i++)
		if (!strcmp(j->streams[i], name))
			return (int)i;
	return -1;
}

int tdp_join_scale_rules(struct tdp_cfg_ctx *c, const char *path, const struct tdp_scale_cfg *sc,
			 const struct tdp_ynode *join)
{
	char kp[TDP_CFG_PATH_MAX];
	if (!join)
		return 0;
	tdp_cfg_key_path(kp, path, "join");
	if (sc->complex != TDP_COMPLEX_RIPS)
		return tdp_cfg_fail(c, join->line, join->col, kp,
				    "expected no join with complex sublevel (a joined point is a vector: "
				    "complex rips)");
	if (sc->embed_dim)
		return tdp_cfg_fail(c, join->line, join->col, kp,
				    "expected no join with embed (the joined vectors are the points)");
	if (sc->values.n > 1 || (sc->values.n == 1 && !sc->values.scalar))
		return tdp_cfg_fail(c, join->line, join->col, kp,
				    "expected at most `value:` beside join (the coordinate taken from each "
				    "stream's points), not `values:`");
	return 0;
}
