/*
 * config_state.c - the `state:` section (config_state.h).
 */
#include "common/config_state.h"

#include <stdio.h>

#include "common/config_schema.h"

#define ST(m) TDP_CFG_FIELD(struct tdp_state_cfg, m)

static const struct tdp_cfg_key state_keys[] = {
	{ "dir", &tdp_cfg_string, ST(dir), .what = "a directory" },
	{ "interval", &tdp_cfg_duration, ST(interval_ms), .lo = 0, .hi = 86400000u,
	  .what = "a duration (10s), or 0 for checkpoints only at a stop",
	  .def.u = TDP_STATE_DEFAULT_INTERVAL_MS },
};

const struct tdp_cfg_section tdp_state_section = {
	.what = "a mapping {dir: DIRECTORY, interval: DURATION}", TDP_CFG_ROWS(state_keys), .doc_order = true,
};

void tdp_state_dir(const struct tdp_state_cfg *st, const char *instance, char *out, size_t len)
{
	if (st->dir[0])
		snprintf(out, len, "%s", st->dir);
	else
		snprintf(out, len, "%s-state", instance);
}
