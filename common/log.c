#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char prog[64] = "tdapipe";

void tdp_log_init(const char *progname)
{
	snprintf(prog, sizeof(prog), "%s", progname);
}

void tdp_log(const char *fmt, ...)
{
	char line[2048];
	int n = snprintf(line, sizeof(line), "%s[%d]: ", prog, (int)getpid());
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	size_t len = strlen(line);
	if (len < sizeof(line) - 1)
		line[len++] = '\n';
	/* One write per line so lines of concurrent processes do not interleave. */
	ssize_t rc = write(STDERR_FILENO, line, len);
	(void)rc;
}
