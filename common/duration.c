#include "common/duration.h"

#include <stdio.h>

static const struct {
	const char *name;
	uint64_t ns;
} units[] = {
	{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000},
	{"m", 60000000000ull}, {"h", 3600000000000ull},
};

int tdp_duration_parse(const char *s, size_t len, uint64_t bare_unit_ns, uint64_t *ns)
{
	size_t i = 0;
	uint64_t v = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -2;
		v = v * 10 + d;
		i++;
	}
	if (i == 0 || (i > 1 && s[0] == '0'))
		return -1;
	uint64_t unit = bare_unit_ns;
	if (i < len) {
		unit = 0;
		for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
			const char *n = units[u].name;
			size_t k = 0;
			while (n[k] && i + k < len && s[i + k] == n[k])
				k++;
			if (!n[k] && i + k == len)
				unit = units[u].ns;
		}
	}
	if (!unit)
		return -1;
	if (v && v > UINT64_MAX / unit)
		return -2;
	*ns = v * unit;
	return 0;
}

void tdp_duration_format(char *out, size_t len, uint64_t ns)
{
	static const struct { const char *name; uint64_t ns; } largest_first[] = {
		{"h", 3600000000000ull}, {"m", 60000000000ull}, {"s", 1000000000ull},
		{"ms", 1000000ull}, {"us", 1000ull}, {"ns", 1},
	};
	for (size_t i = 0; i < sizeof(largest_first) / sizeof(largest_first[0]); i++)
		if (ns % largest_first[i].ns == 0) {
			snprintf(out, len, "%llu%s", (unsigned long long)(ns / largest_first[i].ns),
				 ns ? largest_first[i].name : "s");
			return;
		}
}
