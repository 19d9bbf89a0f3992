/*
 * reload.c - SIGHUP: read the config file again (reload.h).
 */
#include "cli/reload.h"

#include <string.h>

#include "cli/config_diff.h"
#include "common/buf.h"
#include "common/log.h"

void reload_config(struct supervisor *sv)
{
	static struct tdp_config next;
	struct tdp_buf file;
	char err[1024], what[128];
	const char *path = sv->cfg.path;
	tdp_buf_init(&file);
	if (tdp_config_read(&file, path, err, sizeof(err)) < 0 ||
	    tdp_config_parse(file.p, file.len, path, &next, err, sizeof(err)) < 0) {
		tdp_log_error("SIGHUP: %s: not reloaded; the running config stays", err);
		goto out;
	}
	if (sv->draining) {
		tdp_log_error("SIGHUP: %s: not reloaded during a drain", path);
		goto out;
	}
	const char *change = config_change(&sv->cfg, &next, what, sizeof(what));
	bool scales = change && config_scales_only(&sv->cfg, &next);
	if (change && !scales) {
		tdp_log_error("SIGHUP: %s: %s changed; while running, scales, the supervisor's settings and "
			      "state.interval can change, the rest at a stop and start (--fresh: the checkpoint "
			      "is of the running config); the running config stays", path, change);
		goto out;
	}
	if (strcmp(next.state.dir, sv->cfg.state.dir))
		tdp_log_warn("SIGHUP: %s: state.dir changed: it applies at the next start", path);
	uint32_t interval = next.state.interval_ms;
	next.state = sv->cfg.state;   /* the directory stays until the next start */
	next.state.interval_ms = interval;
	bool same = !scales && !memcmp(&next.supervisor, &sv->cfg.supervisor, sizeof(next.supervisor)) &&
		    next.state.interval_ms == sv->cfg.state.interval_ms;
	/* Scales: a new segment, the supervisor's settings riding along in NEXT. */
	if (scales && reload_scales(sv, &next, file.p, file.len, true) < 0)
		goto out;
	sv->cfg.supervisor = next.supervisor;
	sv->cfg.state.interval_ms = next.state.interval_ms;
	if (!sv->drain_timeout_given)
		sv->drain_timeout_ms = next.supervisor.drain_timeout_ms;
	sv->checkpoint_at = 0;   /* the next one counts from now, at the new interval */
	tdp_log("SIGHUP: %s %s", path, same ? "unchanged" : scales ? "reloaded: its scales, supervisor settings and "
		"state.interval applied" : "reloaded: supervisor settings and state.interval applied");
out:
	tdp_buf_fini(&file);
}
