/*
 * config_schema.h - a config section described as a table of keys.
 *
 * A key is one row: its name, its reader, the field it fills (offset and
 * size in the section's struct), its bounds, its default, and the types
 * and formats of the section it applies to.  One walker checks a mapping
 * against the table (unknown keys, keys twice, keys that exist but not for
 * this type or format, required keys) and reads every value; what ties
 * keys together is left to the section's RULES, the only code a section
 * needs.  The order of the rows is the order of "expected one of: ..." in
 * messages (for one type: the keys of every type that lead the table, of
 * this type, of this format, then the rest) and, unless the section says
 * otherwise, the order values are read in.
 */
#ifndef TDP_CONFIG_SCHEMA_H
#define TDP_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config_read.h"

#define TDP_CFG_MAX_KEYS 32        /* rows of one section */

struct tdp_cfg_key;
struct tdp_cfg_section;

/* How a key's value is read into its field, and how the field gets its
 * default.  READ gets the section's struct OBJ; the field is at
 * k->offset.  INIT may be NULL: the field stays zero. */
struct tdp_cfg_type {
	int (*read)(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		    const struct tdp_cfg_key *k, void *obj);
	void (*init)(const struct tdp_cfg_key *k, void *obj);
};

#define TDP_KEY_REQUIRED 1u        /* an error when missing (where the key applies) */
#define TDP_KEY_SELECTS 2u         /* the type or the format: read first, to judge the others */

struct tdp_cfg_key {
	const char *name;
	const struct tdp_cfg_type *type;
	size_t offset, size;       /* the field, in the section's struct */
	uint32_t lo, hi;           /* integers: the bounds */
	const char *what;          /* the expectation in messages (integers: its noun,
				    * "from LO to HI" added; NULL: from the bounds) */
	const char *const *words;  /* enums: the words, NULL-terminated */
	const int *values;         /* enums: each word's value (NULL: its index) */
	const char *chars;         /* names: the characters allowed besides [A-Za-z0-9] */
	const struct tdp_cfg_section *section; /* mappings of their own */
	union {
		uint32_t u;
		int i;
		bool b;
		double d;
		const char *s;
	} def;                     /* the default, for the type's init */
	unsigned types, formats;   /* bits (1 << value) it applies to; 0: all */
	unsigned flags;            /* TDP_KEY_* */
};

/* A section's rows: .keys and .nkeys of the array A. */
#define TDP_CFG_ROWS(a) .keys = (a), .nkeys = sizeof(a) / sizeof((a)[0])

/* The field of row K in OBJ. */
#define TDP_CFG_FIELD(T, m) .offset = offsetof(T, m), .size = sizeof(((T *)0)->m)

struct tdp_cfg_section {
	const char *what;          /* what the section must be: "a mapping with a type" */
	const struct tdp_cfg_key *keys;
	size_t nkeys;
	/* Values read in document order, the required keys checked after them
	 * (else in ORDER, each required key where it stands). */
	bool doc_order;
	/* The rows in the order their values are read, when it is not the
	 * rows' own (NKEYS indices).  A message names the first problem found,
	 * so this order is part of what a config's errors say. */
	const uint8_t *order;
	/* Sections whose keys depend on a type and a format: their values in
	 * OBJ, and the words that name them in messages ("type tcp"). */
	int (*type_of)(const void *obj);
	const char *const *type_words;
	int (*format_of)(const void *obj);
	const char *const *format_words;
	/* The rules across keys, after every key was read: SEEN[i] is the value
	 * node of row i, or NULL.  NULL: none. */
	int (*rules)(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path, void *obj,
		     const struct tdp_ynode *const *seen);
};

/*
 * Check mapping M at PATH against SEC and read it into OBJ (a struct the
 * rows' offsets are in, its defaults already set), then run SEC's rules.
 * SEEN, when not NULL, gets each row's value node (SEC->nkeys entries).
 * 0, or -1 with the first problem in C.
 */
int tdp_cfg_walk(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path,
		 const struct tdp_cfg_section *sec, void *obj, const struct tdp_ynode **seen);

/* Every row's default into OBJ, and those of the sections it holds. */
void tdp_cfg_defaults(const struct tdp_cfg_section *sec, void *obj);

/* The defaults of integer and enum fields (def.u, def.i), for readers of
 * a section's own that fill such fields. */
void tdp_cfg_init_uint(const struct tdp_cfg_key *k, void *obj);
void tdp_cfg_init_enum(const struct tdp_cfg_key *k, void *obj);

/* The readers every section uses; the field types they fill. */
extern const struct tdp_cfg_type tdp_cfg_uint;      /* uint32_t, uint16_t or int: lo..hi, def.u / def.i */
#define TDP_CFG_DAY_NS 86400000000000ull
extern const struct tdp_cfg_type tdp_cfg_duration_ns; /* uint64_t nanoseconds, 0..24h (lo != 0: from 1ns), default 0 */
extern const struct tdp_cfg_type tdp_cfg_duration;  /* uint32_t milliseconds: lo..hi, def.u */
extern const struct tdp_cfg_type tdp_cfg_bool;      /* bool, def.b */
extern const struct tdp_cfg_type tdp_cfg_enum;      /* an enum: words, values, def.i */
extern const struct tdp_cfg_type tdp_cfg_string;    /* char[size]: what, def.s */
extern const struct tdp_cfg_type tdp_cfg_name;      /* char[TDP_NAME_MAX]: what, chars */
extern const struct tdp_cfg_type tdp_cfg_number;    /* double > 0: def.d */
extern const struct tdp_cfg_type tdp_cfg_real;      /* any finite double: def.d */
extern const struct tdp_cfg_type tdp_cfg_mapping;   /* a struct of its own, read with SECTION */
extern const struct tdp_cfg_type tdp_cfg_dims;      /* uint32_t mask: a set of homology dimensions, def.u */

#endif
