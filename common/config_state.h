/*
 * config_state.h - where an instance keeps its state across stops and
 * reboots (tdapipe.yaml(5), STATE; tdapipe-run(1), STATE):
 *
 *   state: {dir: /var/lib/tdapipe/NAME, interval: 10s}
 *
 * The directory holds one checkpoint of the segment (cli/state_file.h),
 * written at every stop and every `interval` while running (0: only at a
 * stop).  Without `dir`, a directory named INSTANCE-state in the working
 * directory.
 */
#ifndef TDP_CONFIG_STATE_H
#define TDP_CONFIG_STATE_H

#include <stddef.h>
#include <stdint.h>

#define TDP_STATE_DEFAULT_INTERVAL_MS 10000u

struct tdp_state_cfg {
	char dir[1024];            /* "" = INSTANCE-state (tdp_state_dir) */
	uint32_t interval_ms;      /* between checkpoints while running; 0 = only at a stop */
};

struct tdp_cfg_section;
extern const struct tdp_cfg_section tdp_state_section;

/* The state directory of instance INSTANCE with settings ST into OUT. */
void tdp_state_dir(const struct tdp_state_cfg *st, const char *instance, char *out, size_t len);

#endif
