/*
 * yaml_tree.h - a YAML document as a tree of nodes that remember where they
 * stand (line and column), for readers that report errors by position.
 */
#ifndef TDP_YAML_TREE_H
#define TDP_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#define TDP_YAML_MAX_DEPTH 32      /* a config needs 4; deeper is a mistake or an attack */

enum tdp_ykind { TDP_Y_SCALAR, TDP_Y_SEQ, TDP_Y_MAP, TDP_Y_ALIAS };

/*
 * One node of the parsed document.  Children keep their document order;
 * a mapping's children alternate key, value, key, value.
 */
struct tdp_ynode {
	enum tdp_ykind kind;
	unsigned line, col;        /* 1-based start of the node */
	char *val;                 /* scalar text or alias name, NUL-terminated copy */
	size_t len;                /* bytes in val (a scalar may hold "\0") */
	bool quoted;               /* scalar written in quotes or as a block: a string */
	char *anchor;              /* &name given on the node, or NULL */
	char *tag;                 /* explicit !tag given on the node, or NULL */
	struct tdp_ynode *head, *tail, *next;
	size_t n;                  /* children */
};

/* Where and why a parse failed: MSG at LINE:COL (1-based). */
struct tdp_yaml_error {
	unsigned line, col;
	char msg[256];
};

/*
 * Parse TEXT (LEN bytes, need not be NUL-terminated) into a tree at *ROOT
 * (NULL for a stream with no document).  0, or -1 with *E set: syntax
 * errors, a second document, %TAG directives and nesting deeper than
 * TDP_YAML_MAX_DEPTH.  Anchors, aliases and tags are kept on the nodes,
 * for the reader to refuse where it knows their meaning.
 */
int tdp_yaml_parse(const char *text, size_t len, struct tdp_ynode **root, struct tdp_yaml_error *e);

/* Free N, its children and its following siblings; NULL is fine. */
void tdp_yaml_free(struct tdp_ynode *n);

/* Whether N is a plain scalar meaning null in YAML ("", "~", "null"). */
bool tdp_ynode_is_null(const struct tdp_ynode *n);

/* The value of KEY in mapping M, or NULL. */
const struct tdp_ynode *tdp_ynode_lookup(const struct tdp_ynode *m, const char *key);

#endif
