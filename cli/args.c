/*
 * args.c - reading the numbers of command-line options (cli/cli.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "cli/cli.h"

bool cli_number_arg(const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return false;
	*out = v;
	return true;
}
