/*
 * config_read.h - typed readers of config values (tdapipe.yaml(5)).
 *
 * A reader checks one node of the tree (common/yaml_tree.h) at PATH (like
 * "scales[1].window"), stores its value, or writes the load's one-line
 * message and returns -1:
 *   FILE:LINE:COL: PATH: expected WHAT, got "VALUE"
 * Aliases, anchors and tags are refused by every reader.
 */
#ifndef TDP_CONFIG_READ_H
#define TDP_CONFIG_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/yaml_tree.h"

#define TDP_CFG_PATH_MAX 160       /* "scales[15].embed.dim", "dead_letter.properties." + a name */

/* What every check of one load needs to report an error. */
struct tdp_cfg_ctx {
	const char *name;          /* file name for messages */
	char *err;
	size_t errlen;
};

/* "NAME:LINE:COL: PATH: <fmt...>" into C's error buffer (PATH and its
 * colon left out when empty); always -1. */
int __attribute__((format(printf, 5, 6)))
tdp_cfg_fail(struct tdp_cfg_ctx *c, unsigned line, unsigned col, const char *path, const char *fmt, ...);

/* Node N as the "got" half of a message, in BUF (SIZE bytes) or static. */
const char *tdp_cfg_got(const struct tdp_ynode *n, char *buf, size_t size);

/* "PATH: expected WHAT, got VALUE" at node N; always -1. */
int tdp_cfg_expected(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, const char *what);

/* PATH + ".KEY" and PATH + "[I]" into OUT (TDP_CFG_PATH_MAX bytes); OUT. */
const char *tdp_cfg_key_path(char *out, const char *path, const char *key);
const char *tdp_cfg_index_path(char *out, const char *path, size_t i);

/* Refuse an alias, an anchor or a tag on N. */
int tdp_cfg_plain(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path);

/* N must be a mapping (else "expected WHAT"). */
int tdp_cfg_want_map(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, const char *what);

/* The keys of mapping M: each a plain name, none twice. */
int tdp_cfg_check_dups(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path);

/* The value of KEY in M, or NULL after "missing required key". */
const struct tdp_ynode *tdp_cfg_require(struct tdp_cfg_ctx *c, const struct tdp_ynode *m,
					const char *path, const char *key);

/* A non-null scalar without NUL bytes, quoted or not. */
int tdp_cfg_want_text(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, const char *what);

/* A plain decimal integer in [LO, HI]; WHAT NULL: described from LO and HI. */
int tdp_cfg_want_uint(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, const char *what,
		      uint32_t lo, uint32_t hi, uint32_t *out);

/* A duration ("250ms", "30s", "5m", or bare milliseconds) in [LO, HI] ms. */
/* A duration with a unit (ns us ms s m h: "250ms"), or a bare 0, from LO
 * to HI nanoseconds, into *OUT; WHAT is the expectation in the message. */
int tdp_cfg_want_duration_ns(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, uint64_t lo,
			     uint64_t hi, const char *what, uint64_t *out);

int tdp_cfg_want_duration_ms(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path,
			     uint32_t lo, uint32_t hi, uint32_t *out);

/* true or false, unquoted. */
int tdp_cfg_want_bool(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, bool *out);

/* One of the NULL-terminated NAMES; its index into *OUT. */
int tdp_cfg_want_enum(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path,
		      const char *const *names, int *out);

/* Text into OUT (SIZE bytes with the NUL); longer is an error. */
int tdp_cfg_want_string(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path,
			const char *what, char *out, size_t size);

/* Whether scalar N has 1..MAX-1 characters, each alphanumeric or in EXTRA. */
bool tdp_cfg_name_chars(const struct tdp_ynode *n, size_t max, const char *extra);

/* A name of 1..TDP_NAME_MAX-1 characters, alphanumeric or in EXTRA. */
int tdp_cfg_want_name(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path,
		      const char *what, const char *extra, char *out);

/* A positive finite number, written as a plain decimal. */
int tdp_cfg_want_number(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, double *out);

/*
 * A non-empty list of distinct items into a mask: ITEM reads each (at
 * PATH[i]) into a bit number below 32, with ARG.  WHAT is the
 * expectation, ONCE what a repeated item breaks ("each dimension at most
 * once").
 */
typedef int tdp_cfg_item_fn(struct tdp_cfg_ctx *c, const struct tdp_ynode *e, const char *path, const void *arg,
			    unsigned *bit);
int tdp_cfg_want_set(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, const char *what,
		     const char *once, tdp_cfg_item_fn *item, const void *arg, uint32_t *mask);

/* Any finite number (negative, 0), written as a plain decimal. */
int tdp_cfg_want_real(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, double *out);

/* Whether paths A and B name the same file: the same text, or one file
 * (a hard or symbolic link to it).  Config checks of outputs that may not
 * clobber inputs or each other. */
bool tdp_cfg_same_file(const char *a, const char *b);

#endif
