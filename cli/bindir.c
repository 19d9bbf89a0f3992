/*
 * bindir.c - where tdapipe's programs are, and the commands that run in
 * tdapipe-cmd.
 *
 * `tdapipe` itself links only what its light commands need (persistence,
 * stats, top): librdkafka with OpenSSL, cairo with X11 and libsystemd,
 * loaded at start whether used or not, would hold about 4 MB of every
 * such process before it reads anything.  The commands that use them
 * (run, check-config, plot, kafka-mock) are in tdapipe-cmd, beside it,
 * which `tdapipe` becomes (execv(): same pid, arguments and standard
 * streams), so that both are one command to the user.  It is always
 * beside tdapipe; TDAPIPE_LIBEXEC (tdapipe-run(1)) moves only the
 * pipeline's processes, as tests do to wrap them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/exitcode.h"

/* The directory of this program into OUT; 0 or -errno. */
static int own_dir(char *out, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", out, len - 1);
	if (n < 0)
		return -errno;
	out[n] = 0;
	char *slash = strrchr(out, '/');
	if (slash)
		*slash = 0;
	return 0;
}

int cli_bindir(char *out, size_t len)
{
	const char *env = getenv("TDAPIPE_LIBEXEC");
	if (env) {
		snprintf(out, len, "%s", env);
		return 0;
	}
	return own_dir(out, len);
}

int cli_exec_cmd(char **argv)
{
	char dir[4096], path[4096 + 16];
	int rc = own_dir(dir, sizeof(dir));   /* not TDAPIPE_LIBEXEC: that is for the pipeline's processes */
	if (rc < 0) {
		fprintf(stderr, "tdapipe: where am I? /proc/self/exe: %s\n", strerror(-rc));
		return TDP_EXIT_SYSTEM;
	}
	snprintf(path, sizeof(path), "%s/tdapipe-cmd", dir);
	fflush(NULL);
	execv(path, argv);
	fprintf(stderr, "tdapipe: %s: %s (installed beside tdapipe)\n", path, strerror(errno));
	return TDP_EXIT_SYSTEM;
}
