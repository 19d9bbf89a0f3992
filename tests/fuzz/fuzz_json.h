/*
 * fuzz_json.h - property checks on the JSON the writers produce, read
 * back with the independent reader (json_read.c).
 */
#ifndef TDP_FUZZ_JSON_H
#define TDP_FUZZ_JSON_H

#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/json_read.h"

/* Member KEY's value V as an unsigned integer, exactly as written. */
static inline uint64_t fuzz_json_u64(const struct jr_value *v, const char *key)
{
	FUZZ_CHECK(v && v->kind == JR_NUMBER && v->tlen < 32, "%s: not an integer", key);
	char buf[32];
	memcpy(buf, v->text, v->tlen);
	buf[v->tlen] = '\0';
	char *end;
	uint64_t u = strtoull(buf, &end, 10);
	FUZZ_CHECK(*end == '\0' && buf[0] != '-', "%s: \"%s\" is not an unsigned integer", key, buf);
	return u;
}

#endif
