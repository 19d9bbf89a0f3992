#include "common/crash.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint64_t tdp_crash_at;
static uint64_t steps;
static const char *once;   /* TDAPIPE_CRASH_ONCE: a file that says the crash happened */

void tdp_crash_step(void)
{
	if (++steps != tdp_crash_at)
		return;
	if (once) {
		/* Only the first process to get here dies: restarts run on. */
		int fd = open(once, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return;
		close(fd);
	}
	raise(SIGKILL);
}

void tdp_crash_init_from_env(const char *role)
{
	const char *s = getenv("TDAPIPE_CRASH_AT"), *r = getenv("TDAPIPE_CRASH_ROLE");
	tdp_crash_at = s && (!r || !role || !strcmp(r, role)) ? strtoull(s, NULL, 10) : 0;
	once = getenv("TDAPIPE_CRASH_ONCE");
	steps = 0;
}
