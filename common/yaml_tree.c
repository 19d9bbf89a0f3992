/*
 * yaml_tree.c - libyaml's event stream as a small tree of our own.
 *
 * We use events rather than yaml_parser_load() because the document API
 * resolves aliases silently and forgets anchors, and the config wants to
 * refuse both with a message that names the offending node: every node
 * keeps its position, its anchor and its tag.  No global state.
 */
#include "common/yaml_tree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

/* Set E to "MESSAGE" at LINE:COL; always -1. */
static int __attribute__((format(printf, 4, 5)))
yerr(struct tdp_yaml_error *e, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;
	e->line = line;
	e->col = col;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Free N, its children and its following siblings; NULL is fine. */
void tdp_yaml_free(struct tdp_ynode *n)
{
	while (n) {
		struct tdp_ynode *next = n->next;
		tdp_yaml_free(n->head);	/* depth is bounded by TDP_YAML_MAX_DEPTH */
		free(n->val);
		free(n->anchor);
		free(n->tag);
		free(n);
		n = next;
	}
}

/* A NUL-terminated copy of LEN bytes at P (which may hold NULs), or NULL. */
static char *dup_bytes(const void *p, size_t len)
{
	char *s = malloc(len + 1);
	if (s) {
		if (len)
			memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

/* 1-based line and column of byte OFF in TEXT, for reader errors that carry
 * only an offset. */
static void offset_pos(const char *text, size_t len, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			++*line;
			*col = 1;
		} else {
			++*col;
		}
	}
}

/* Report libyaml's own error as "problem (context at line N)" at LINE:COL. */
static int syntax_error(struct tdp_yaml_error *e, const yaml_parser_t *p, const char *text, size_t len)
{
	unsigned line, col;
	if (p->error == YAML_MEMORY_ERROR)
		return yerr(e, 1, 1, "out of memory");
	if (p->error == YAML_READER_ERROR) {
		offset_pos(text, len, p->problem_offset, &line, &col);
		return yerr(e, line, col, "%s", p->problem ? p->problem : "cannot read the input");
	}
	line = (unsigned)p->problem_mark.line + 1;
	col = (unsigned)p->problem_mark.column + 1;
	if (p->context)
		return yerr(e, line, col, "%s (%s at line %u)",
			       p->problem ? p->problem : "syntax error", p->context,
			       (unsigned)p->context_mark.line + 1);
	return yerr(e, line, col, "%s", p->problem ? p->problem : "syntax error");
}

/*
 * Make a node for a scalar, alias or container-start event, copying what we
 * need (the event is deleted right after).  NULL when out of memory.
 */
static struct tdp_ynode *node_from_event(const yaml_event_t *ev)
{
	struct tdp_ynode *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->line = (unsigned)ev->start_mark.line + 1;
	n->col = (unsigned)ev->start_mark.column + 1;
	const yaml_char_t *anchor = NULL, *tag = NULL;
	bool ok = true;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n->kind = TDP_Y_SCALAR;
		n->len = ev->data.scalar.length;
		n->val = dup_bytes(ev->data.scalar.value, n->len);
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		ok = n->val != NULL;
		break;
	case YAML_ALIAS_EVENT:
		n->kind = TDP_Y_ALIAS;
		n->len = strlen((const char *)ev->data.alias.anchor);
		n->val = dup_bytes(ev->data.alias.anchor, n->len);
		ok = n->val != NULL;
		break;
	case YAML_SEQUENCE_START_EVENT:
		n->kind = TDP_Y_SEQ;
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	default:
		n->kind = TDP_Y_MAP;
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	}
	if (ok && anchor && !(n->anchor = strdup((const char *)anchor)))
		ok = false;
	if (ok && tag && !(n->tag = strdup((const char *)tag)))
		ok = false;
	if (!ok) {
		tdp_yaml_free(n);
		return NULL;
	}
	return n;
}

/*
 * Parse TEXT into a tree at *ROOT (NULL for a stream with no document).
 * Syntax errors, a second document, %TAG directives and nesting deeper than
 * TDP_YAML_MAX_DEPTH are reported here; anchors, aliases and tags are kept on the
 * nodes and refused by the walk, which knows their PATH.
 */
int tdp_yaml_parse(const char *text, size_t len, struct tdp_ynode **root, struct tdp_yaml_error *e)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct tdp_ynode *stack[TDP_YAML_MAX_DEPTH];
	int depth = 0, ndocs = 0, rc = -1;

	*root = NULL;
	if (!yaml_parser_initialize(&parser))
		return yerr(e, 1, 1, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &ev)) {
			syntax_error(e, &parser, text, len);
			break;
		}
		unsigned line = (unsigned)ev.start_mark.line + 1;
		unsigned col = (unsigned)ev.start_mark.column + 1;
		bool stop = false;

		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			rc = 0;
			stop = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (ndocs++) {
				yerr(e, line, col, "expected a single YAML document, got a second one");
				stop = true;
			} else if (ev.data.document_start.tag_directives.start !=
				   ev.data.document_start.tag_directives.end) {
				yerr(e, line, col, "expected plain YAML, got a %%TAG directive");
				stop = true;
			}
			break;
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			bool container = ev.type == YAML_SEQUENCE_START_EVENT ||
					 ev.type == YAML_MAPPING_START_EVENT;
			if (container && depth == TDP_YAML_MAX_DEPTH) {
				yerr(e, line, col, "expected at most %d nested levels, got more",
					TDP_YAML_MAX_DEPTH);
				stop = true;
				break;
			}
			struct tdp_ynode *n = node_from_event(&ev);
			if (!n) {
				yerr(e, line, col, "out of memory");
				stop = true;
				break;
			}
			if (depth) {
				struct tdp_ynode *parent = stack[depth - 1];
				if (parent->tail)
					parent->tail->next = n;
				else
					parent->head = n;
				parent->tail = n;
				parent->n++;
			} else {
				*root = n;
			}
			if (container)
				stack[depth++] = n;
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (stop)
			break;
	}
	yaml_parser_delete(&parser);
	if (rc < 0) {
		tdp_yaml_free(*root);
		*root = NULL;
	}
	return rc;
}
/* Whether N is a plain scalar meaning null in YAML ("", "~", "null"). */
bool tdp_ynode_is_null(const struct tdp_ynode *n)
{
	if (n->kind != TDP_Y_SCALAR || n->quoted)
		return false;
	return !strcmp(n->val, "") || !strcmp(n->val, "~") || !strcmp(n->val, "null") ||
	       !strcmp(n->val, "Null") || !strcmp(n->val, "NULL");
}

/* The value of KEY in mapping M, or NULL. */
const struct tdp_ynode *tdp_ynode_lookup(const struct tdp_ynode *m, const char *key)
{
	for (const struct tdp_ynode *k = m->head; k; k = k->next->next)
		if (!strcmp(k->val, key))
			return k->next;
	return NULL;
}

