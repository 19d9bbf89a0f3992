/*
 * fuzz_parse_double - decimal text to a double (common/parse_double.c)
 * against glibc's strtod.
 *
 * Properties, for any bytes S:
 *  - tdp_parse_double takes S exactly when S is made of [0-9+-.eE] and
 *    strtod takes all of it (S non-empty), and then reads the same bits;
 *  - bytes outside that alphabet (blanks, hex, nan, inf, NUL) are refused
 *    whatever strtod makes of them, and *OUT is then left alone;
 *  - nothing is read past S (ASan: S is an exact-size heap copy).
 */
#include <math.h>

#include "common/parse_double.h"
#include "tests/fuzz/fuzz.h"

static bool in_alphabet(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.' ||
		      s[i] == 'e' || s[i] == 'E'))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *s = malloc(size ? size : 1);   /* exact size: ASan sees an overread */
	memcpy(s, data, size);
	double got = 42.0;
	int rc = tdp_parse_double(s, size, &got);
	FUZZ_CHECK(rc == 0 || rc == -1, "tdp_parse_double returned %d", rc);

	if (!in_alphabet(data, size)) {
		FUZZ_CHECK(rc == -1 && got == 42.0, "took %zu bytes outside [0-9+-.eE]", size);
		free(s);
		return 0;
	}
	char *z = malloc(size + 1);
	memcpy(z, data, size);
	z[size] = '\0';
	char *end;
	double want = strtod(z, &end);
	bool want_ok = size > 0 && end == z + size;
	FUZZ_CHECK((rc == 0) == want_ok, "\"%.100s\": strtod %s it, tdp_parse_double %s it", z,
		   want_ok ? "takes" : "refuses", rc == 0 ? "takes" : "refuses");
	if (rc == 0) {
		uint64_t a, b;
		memcpy(&a, &want, 8);
		memcpy(&b, &got, 8);
		FUZZ_CHECK(a == b, "\"%.100s\": strtod %a, tdp_parse_double %a", z, want, got);
	} else {
		FUZZ_CHECK(got == 42.0, "\"%.100s\": refused but *out written", z);
	}
	free(z);
	free(s);
	return 0;
}
