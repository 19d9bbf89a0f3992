#include "common/log.h"
#include "common/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char prog[64] = "tdapipe";

void tdp_log_init(const char *progname)
{
	snprintf(prog, sizeof(prog), "%s", progname);
}

static void vlog(const char *fmt, va_list ap, uint64_t held)
{
	char line[2048];
	int n = snprintf(line, sizeof(line), "%s[%d]: ", prog, (int)getpid());
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	size_t len = strlen(line);
	if (held)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " (and %llu more like it since the last such line)",
					(unsigned long long)held);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	if (len < sizeof(line) - 1)
		line[len++] = '\n';
	/* One write per line so lines of concurrent processes do not interleave. */
	ssize_t rc = write(STDERR_FILENO, line, len);
	(void)rc;
}

void tdp_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap, 0);
	va_end(ap);
}

void tdp_log_limited(struct tdp_log_limit *l, const char *fmt, ...)
{
	uint64_t now = tdp_now_ns();
	if (now < l->next_ns) {
		l->held++;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap, l->held);
	va_end(ap);
	l->held = 0;
	l->next_ns = now + 1000000000ull;
}
