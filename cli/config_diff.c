/*
 * config_diff.c - what changed between two configs (config_diff.h).
 */
#include "cli/config_diff.h"

#include <stdio.h>
#include <string.h>

const char *config_change(const struct tdp_config *old_cfg, const struct tdp_config *new_cfg, char *buf,
			  size_t len)
{
	static struct tdp_config a, b;
	a = *old_cfg;
	b = *new_cfg;
	memset(a.path, 0, sizeof(a.path));
	memset(b.path, 0, sizeof(b.path));
	memset(&a.supervisor, 0, sizeof(a.supervisor));
	memset(&b.supervisor, 0, sizeof(b.supervisor));
	memset(&a.state, 0, sizeof(a.state));
	memset(&b.state, 0, sizeof(b.state));
	if (!memcmp(&a, &b, sizeof(a)))
		return NULL;
	if (memcmp(&a.source, &b.source, sizeof(a.source)))
		return "the source";
	if (memcmp(&a.sink, &b.sink, sizeof(a.sink)))
		return "the sink";
	if (memcmp(&a.dead_letter, &b.dead_letter, sizeof(a.dead_letter)))
		return "dead_letter";
	if (memcmp(&a.events, &b.events, sizeof(a.events)))
		return "events";
	if (a.nscales != b.nscales)
		return "the number of scales";
	for (uint32_t s = 0; s < a.nscales; s++)
		if (memcmp(&a.scales[s], &b.scales[s], sizeof(a.scales[s]))) {
			snprintf(buf, len, "scale \"%s\"", b.scales[s].name);
			return buf;
		}
	return a.max_streams != b.max_streams ? "max_streams" : "metrics or log";
}

bool config_scales_only(const struct tdp_config *old_cfg, const struct tdp_config *new_cfg)
{
	static struct tdp_config a, b;
	a = *old_cfg;
	b = *new_cfg;
	a.nscales = b.nscales = 0;
	memset(a.scales, 0, sizeof(a.scales));
	memset(b.scales, 0, sizeof(b.scales));
	char buf[8];
	return config_change(&a, &b, buf, sizeof(buf)) == NULL;
}
