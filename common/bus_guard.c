#include "common/bus_guard.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>

static sigjmp_buf bus_env;
static volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	if (bus_armed) {
		bus_armed = 0;
		siglongjmp(bus_env, 1);
	}
	/* Not inside a guard: die of it as if nobody had caught it. */
	signal(sig, SIG_DFL);
	raise(sig);
}

int tdp_bus_guard(int (*fn)(void *arg), void *arg)
{
	struct sigaction sa = {.sa_handler = on_sigbus}, old;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &old) != 0)
		return -errno;
	int rc;
	/* Save the signal mask: the jump leaves the handler, where SIGBUS is
	 * blocked, and must unblock it again. */
	if (sigsetjmp(bus_env, 1) == 0) {
		bus_armed = 1;
		rc = fn(arg);
		bus_armed = 0;
	} else {
		rc = -EFAULT;
	}
	sigaction(SIGBUS, &old, NULL);
	return rc;
}
