#include "common/time_unit.h"

#include <stdlib.h>
#include <string.h>

static const int64_t unit_ns[] = { 1000000000, 1000000, 1000, 1 };
static const int unit_exp10[] = { 9, 6, 3, 0 };
static const char *const unit_names[] = { "s", "ms", "us", "ns" };
#define UNITS (sizeof(unit_names) / sizeof(unit_names[0]))

const char *time_unit_name(enum tdp_time_unit unit)
{
	return (unsigned)unit < UNITS ? unit_names[unit] : "?";
}

int time_unit_from_name(const char *s, size_t len, enum tdp_time_unit *unit)
{
	for (size_t i = 0; i < UNITS; i++)
		if (strlen(unit_names[i]) == len && !memcmp(s, unit_names[i], len)) {
			*unit = (enum tdp_time_unit)i;
			return 0;
		}
	return -1;
}

int64_t time_unit_ns(enum tdp_time_unit unit)
{
	return (unsigned)unit < UNITS ? unit_ns[unit] : 1;
}

size_t time_format(char out[TDP_TIME_TEXT_MAX], int64_t ns, enum tdp_time_unit unit)
{
	return time_format_wide(out, ns, unit);
}

size_t time_format_wide(char out[TDP_TIME_TEXT_MAX], __int128 ns, enum tdp_time_unit unit)
{
	/* The magnitude as unsigned: the most negative value has no positive. */
	unsigned __int128 mag = ns < 0 ? (unsigned __int128)0 - (unsigned __int128)ns : (unsigned __int128)ns;
	int frac = (unsigned)unit < UNITS ? unit_exp10[unit] : 0;
	char digits[44];
	int n = 0;
	do {
		digits[n++] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag);
	while (n <= frac)
		digits[n++] = '0';   /* at least one digit before the point */
	int keep = 0;            /* fraction digits kept: trailing zeros go */
	while (keep < frac && digits[keep] == '0')
		keep++;
	size_t len = 0;
	if (ns < 0)
		out[len++] = '-';
	for (int i = n - 1; i >= frac; i--)
		out[len++] = digits[i];
	if (keep < frac) {
		out[len++] = '.';
		for (int i = frac - 1; i >= keep; i--)
			out[len++] = digits[i];
	}
	out[len] = '\0';
	return len;
}

double time_to_double(int64_t ns, enum tdp_time_unit unit)
{
	return time_to_double_wide(ns, unit);
}

double time_to_double_wide(__int128 ns, enum tdp_time_unit unit)
{
	char text[TDP_TIME_TEXT_MAX];
	time_format_wide(text, ns, unit);
	return strtod(text, NULL);   /* correctly rounded from the exact decimal */
}
