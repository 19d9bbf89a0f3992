/*
 * json_read.h - a strict JSON reader for the fuzz harnesses, written apart
 * from common/json.c so that what our writers produce is checked by code
 * that shares nothing with them.
 *
 * RFC 8259 exactly: one value with optional whitespace around it, UTF-8
 * text (no overlong forms, surrogates or code points above U+10FFFF),
 * no control characters in strings, \u escapes paired into characters (a
 * lone surrogate is refused: it has no UTF-8 form), numbers by the
 * grammar.  Strings come back decoded; numbers as their text.
 */
#ifndef TDP_FUZZ_JSON_READ_H
#define TDP_FUZZ_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

enum jr_kind { JR_NULL, JR_BOOL, JR_NUMBER, JR_STRING, JR_ARRAY, JR_OBJECT };

struct jr_value {
	enum jr_kind kind;
	bool b;                  /* JR_BOOL */
	const char *text;        /* JR_NUMBER: its text, in the parsed input */
	size_t tlen;
	char *str;               /* JR_STRING: the decoded bytes (NUL added, not counted) */
	size_t slen;
	size_t n;                /* JR_ARRAY: values; JR_OBJECT: members */
	struct jr_value *items;  /* JR_ARRAY: n values; JR_OBJECT: 2n, key then value */
};

/* Parse S (LEN bytes) as one JSON text; NULL when it is not one.  The
 * tree points into S (numbers' text): keep S while it is used. */
struct jr_value *jr_parse(const char *s, size_t len);
void jr_free(struct jr_value *v);

/* The value of member KEY of object O (the first one), or NULL. */
const struct jr_value *jr_get(const struct jr_value *o, const char *key);

/* Whether S (LEN bytes) is valid UTF-8, by the rules above. */
bool jr_utf8_valid(const char *s, size_t len);

#endif
