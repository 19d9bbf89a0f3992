/*
 * join_streams.c - the streams join scales make (scaled/join.c, config
 * join:).  Each is named after its scale and interned here when ingest
 * starts, so that the scale's results name it (ingest is the stream
 * table's only writer); no source record may use that id.  A join scale
 * takes points of the streams it lists only: for any other stream it
 * neither takes nor refuses a record.
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "ingest/ingest.h"

int join_streams_intern(struct ingest *in)
{
	const struct tdp_config *cfg = &in->child.cfg;
	in->has_join = false;
	for (uint32_t s = 0; s < cfg->nscales; s++) {
		if (!cfg->scales[s].join.on)
			continue;
		in->has_join = true;
		struct stream_origin o = {0, 0, 0};
		if (streams_intern(&in->streams, cfg->scales[s].name, &o) < 0) {
			tdp_log_error("scale %s: no room for its joined stream: max_streams (%u) reached",
				      cfg->scales[s].name, cfg->max_streams);
			return -1;
		}
	}
	return 0;
}

const char *join_stream_owner(const struct ingest *in, const char *name)
{
	const struct tdp_config *cfg = &in->child.cfg;
	if (!in->has_join)
		return NULL;
	for (uint32_t s = 0; s < cfg->nscales; s++)
		if (cfg->scales[s].join.on && !strcmp(cfg->scales[s].name, name))
			return cfg->scales[s].name;
	return NULL;
}

bool join_ignores(const struct tdp_scale_cfg *sc, const char *stream)
{
	return sc->join.on && tdp_join_index(&sc->join, stream) < 0;
}
