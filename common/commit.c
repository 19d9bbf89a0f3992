#include "common/commit.h"

#include <signal.h>
#include <stdlib.h>

uint64_t tdp_crash_at;
static uint64_t steps;

void tdp_crash_step(void)
{
	if (++steps == tdp_crash_at)
		raise(SIGKILL);
}

void tdp_crash_init_from_env(void)
{
	const char *s = getenv("TDAPIPE_CRASH_AT");
	tdp_crash_at = s ? strtoull(s, NULL, 10) : 0;
	steps = 0;
}
