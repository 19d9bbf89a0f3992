/*
 * config_diff.h - what changed between two configs of one instance.
 *
 * A checkpoint is restored only into the config it was written with
 * (cli/state_restore.c), and a reload (SIGHUP, cli/reload.c) applies
 * what may change while running; both ask what differs, up to what may
 * always change: the file's name and formatting, the supervisor's
 * settings and the state section.
 */
#ifndef TDP_CONFIG_DIFF_H
#define TDP_CONFIG_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"

/* NULL when OLD_CFG and NEW_CFG differ in nothing but those; else a phrase
 * naming the first part that differs ("the source", "scale \"sec\"", ...),
 * possibly written into BUF (LEN bytes). */
const char *config_change(const struct tdp_config *old_cfg, const struct tdp_config *new_cfg, char *buf,
			  size_t len);

/* Whether what differs (config_change) is in the scales alone. */
bool config_scales_only(const struct tdp_config *old_cfg, const struct tdp_config *new_cfg);

#endif
