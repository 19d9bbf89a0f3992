/*
 * config.c - load and check the pipeline configuration (tdapipe.yaml(5)).
 *
 * Two passes.  First libyaml's event parser builds a small tree of our own
 * (struct ynode): we use events rather than yaml_parser_load() because the
 * document API resolves aliases silently and forgets anchors, and we want to
 * refuse both with a message that names the offending node.  Then a strict
 * walk over the tree fills struct tdp_config, reporting the first problem as
 *
 *   FILE:LINE:COL: PATH: expected WHAT, got "VALUE"
 *
 * with LINE:COL the 1-based start of the offending node.  Everything lives
 * in locals and the tree; there is no global state, so loads may run in
 * parallel.
 */
#include "common/config.h"
#include "common/buf.h"
#include "common/duration.h"
#include "common/record.h"
#include "scaled/rips_cost.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <yaml.h>

#define MAX_DEPTH 32               /* a config needs 4; deeper is a mistake or an attack */
#define MAX_FILE (16u << 20)       /* a config larger than 16 MiB is not a config */
#define MAX_COUNT 16777216u        /* window, slide, lag, ring and max_record cap */
#define MAX_STREAMS 1048576u
#define MAX_COLUMN 65535u
#define PATHBUF 160                /* "scales[15].embed.dim", "dead_letter.properties." + a name */

#define DEFAULT_MAX_STREAMS 1024u
#define DEFAULT_MAX_RECORD 65536u
#define DEFAULT_MAX_CONNECTIONS 64u
#define MAX_CONNECTIONS 10000u
#define DEFAULT_IDLE_TIMEOUT_MS 300000u   /* 5 minutes */
#define DEFAULT_RING 65536u
#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_COMPRESSION "lz4"

static const char dims_what[] = "a list of homology dimensions from 0 to 3";

#define DEFAULT_MEMORY_MB 1024u

#define DEFAULT_HEARTBEAT_TIMEOUT_MS 10000u
#define DEFAULT_RESTART_LIMIT 5u
#define DEFAULT_RESTART_WINDOW_S 30u
#define DEFAULT_BACKOFF_MIN_MS 100u
#define DEFAULT_BACKOFF_MAX_MS 5000u
#define MAX_MS 86400000u           /* timeouts and delays: at most a day */
#define MAX_BACKOFF_MS 3600000u    /* at most an hour between restarts */
#define MAX_WINDOW_S 86400u

enum ykind { Y_SCALAR, Y_SEQ, Y_MAP, Y_ALIAS };

/*
 * One node of the parsed document.  Children keep their document order;
 * a mapping's children alternate key, value, key, value.
 */
struct ynode {
	enum ykind kind;
	unsigned line, col;        /* 1-based start of the node */
	char *val;                 /* scalar text or alias name, NUL-terminated copy */
	size_t len;                /* bytes in val (a scalar may hold "\0") */
	bool quoted;               /* scalar written in quotes or as a block: a string */
	char *anchor;              /* &name given on the node, or NULL */
	char *tag;                 /* explicit !tag given on the node, or NULL */
	struct ynode *head, *tail, *next;
	size_t n;                  /* children */
};

/* What every check needs to report an error. */
struct ctx {
	const char *name;          /* file name for messages */
	char *err;
	size_t errlen;
	/* scales[i].overflow nodes, checked against the source once both are known */
	const struct ynode *overflow_node[TDP_MAX_SCALES];
	const struct ynode *dead_path_node;
};

/* ---------------------------------------------------------------- errors */

/*
 * Write "NAME:LINE:COL: PATH: <fmt...>" into the error buffer (PATH and its
 * colon left out when empty, for problems with the document as a whole).
 * Always returns -1 so callers can "return fail(...)".
 */
static int __attribute__((format(printf, 5, 6)))
fail_at(struct ctx *c, unsigned line, unsigned col, const char *path, const char *fmt, ...)
{
	if (!c->errlen)
		return -1;
	int n = snprintf(c->err, c->errlen, "%s:%u:%u: %s%s", c->name, line, col,
			 path, *path ? ": " : "");
	if (n >= 0 && (size_t)n < c->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	/* A message is one line: never let a newline from the input through. */
	for (char *p = c->err; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return -1;
}

/*
 * Describe node N as the "got" half of a message into BUF: a scalar as its
 * text in double quotes (escaped, cut at 60 bytes), a container by its kind.
 */
static const char *got(const struct ynode *n, char *buf, size_t size)
{
	if (n->kind == Y_MAP)
		return "a mapping";
	if (n->kind == Y_SEQ)
		return "a sequence";
	size_t o = 0, max = 60;
	const char *prefix = n->kind == Y_ALIAS ? "*" : "";

	o += (size_t)snprintf(buf, size, "\"%s", prefix);
	for (size_t i = 0; i < n->len && o + 8 < size; i++) {
		unsigned char ch = (unsigned char)n->val[i];
		if (i == max) {
			o += (size_t)snprintf(buf + o, size - o, "...");
			break;
		}
		if (ch == '"' || ch == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	snprintf(buf + o, size - o, "\"");
	return buf;
}

/* "PATH: expected WHAT, got VALUE" at node N. */
static int expected(struct ctx *c, const struct ynode *n, const char *path, const char *what)
{
	char g[256];
	return fail_at(c, n->line, n->col, path, "expected %s, got %s", what, got(n, g, sizeof(g)));
}

/* ------------------------------------------------------------ tree build */

/* Free N, its children and its following siblings; NULL is fine. */
static void node_free(struct ynode *n)
{
	while (n) {
		struct ynode *next = n->next;
		node_free(n->head);	/* depth is bounded by MAX_DEPTH */
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

/* Report libyaml's own error as "NAME:LINE:COL: problem (context at line N)". */
static int syntax_error(struct ctx *c, const yaml_parser_t *p, const char *text, size_t len)
{
	unsigned line, col;
	if (p->error == YAML_MEMORY_ERROR)
		return fail_at(c, 1, 1, "", "out of memory");
	if (p->error == YAML_READER_ERROR) {
		offset_pos(text, len, p->problem_offset, &line, &col);
		return fail_at(c, line, col, "", "%s", p->problem ? p->problem : "cannot read the input");
	}
	line = (unsigned)p->problem_mark.line + 1;
	col = (unsigned)p->problem_mark.column + 1;
	if (p->context)
		return fail_at(c, line, col, "", "%s (%s at line %u)",
			       p->problem ? p->problem : "syntax error", p->context,
			       (unsigned)p->context_mark.line + 1);
	return fail_at(c, line, col, "", "%s", p->problem ? p->problem : "syntax error");
}

/*
 * Make a node for a scalar, alias or container-start event, copying what we
 * need (the event is deleted right after).  NULL when out of memory.
 */
static struct ynode *node_from_event(const yaml_event_t *ev)
{
	struct ynode *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->line = (unsigned)ev->start_mark.line + 1;
	n->col = (unsigned)ev->start_mark.column + 1;
	const yaml_char_t *anchor = NULL, *tag = NULL;
	bool ok = true;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n->kind = Y_SCALAR;
		n->len = ev->data.scalar.length;
		n->val = dup_bytes(ev->data.scalar.value, n->len);
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		ok = n->val != NULL;
		break;
	case YAML_ALIAS_EVENT:
		n->kind = Y_ALIAS;
		n->len = strlen((const char *)ev->data.alias.anchor);
		n->val = dup_bytes(ev->data.alias.anchor, n->len);
		ok = n->val != NULL;
		break;
	case YAML_SEQUENCE_START_EVENT:
		n->kind = Y_SEQ;
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	default:
		n->kind = Y_MAP;
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	}
	if (ok && anchor && !(n->anchor = strdup((const char *)anchor)))
		ok = false;
	if (ok && tag && !(n->tag = strdup((const char *)tag)))
		ok = false;
	if (!ok) {
		node_free(n);
		return NULL;
	}
	return n;
}

/*
 * Parse TEXT into a tree at *ROOT (NULL for a stream with no document).
 * Syntax errors, a second document, %TAG directives and nesting deeper than
 * MAX_DEPTH are reported here; anchors, aliases and tags are kept on the
 * nodes and refused by the walk, which knows their PATH.
 */
static int build_tree(struct ctx *c, const char *text, size_t len, struct ynode **root)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct ynode *stack[MAX_DEPTH];
	int depth = 0, ndocs = 0, rc = -1;

	*root = NULL;
	if (!yaml_parser_initialize(&parser))
		return fail_at(c, 1, 1, "", "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &ev)) {
			syntax_error(c, &parser, text, len);
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
				fail_at(c, line, col, "", "expected a single YAML document, got a second one");
				stop = true;
			} else if (ev.data.document_start.tag_directives.start !=
				   ev.data.document_start.tag_directives.end) {
				fail_at(c, line, col, "", "expected plain YAML, got a %%TAG directive");
				stop = true;
			}
			break;
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			bool container = ev.type == YAML_SEQUENCE_START_EVENT ||
					 ev.type == YAML_MAPPING_START_EVENT;
			if (container && depth == MAX_DEPTH) {
				fail_at(c, line, col, "", "expected at most %d nested levels, got more",
					MAX_DEPTH);
				stop = true;
				break;
			}
			struct ynode *n = node_from_event(&ev);
			if (!n) {
				fail_at(c, line, col, "", "out of memory");
				stop = true;
				break;
			}
			if (depth) {
				struct ynode *parent = stack[depth - 1];
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
		node_free(*root);
		*root = NULL;
	}
	return rc;
}

/* ------------------------------------------------------------- accessors */

/* PATH + ".key" into OUT (PATHBUF bytes); only a long unknown key can fill
 * it, and then the cut is marked with "...". */
static const char *sub_key(char *out, const char *path, const char *key)
{
	if (snprintf(out, PATHBUF, "%s%s%s", path, *path ? "." : "", key) >= PATHBUF)
		memcpy(out + PATHBUF - 4, "...", 4);
	return out;
}

/* PATH + "[i]" into OUT (PATHBUF bytes). */
static const char *sub_index(char *out, const char *path, size_t i)
{
	if (snprintf(out, PATHBUF, "%s[%zu]", path, i) >= PATHBUF)
		memcpy(out + PATHBUF - 4, "...", 4);
	return out;
}

/*
 * Refuse the YAML features a config has no use for: an alias, an anchor or
 * an explicit tag on N.  Their meaning would be invisible in the message
 * otherwise (an alias silently copies a node, a tag changes its type).
 */
static int plain_node(struct ctx *c, const struct ynode *n, const char *path)
{
	if (n->kind == Y_ALIAS)
		return fail_at(c, n->line, n->col, path,
			       "expected a plain value (anchors and aliases are not supported), got \"*%s\"",
			       n->val);
	if (n->anchor)
		return fail_at(c, n->line, n->col, path,
			       "expected a plain value (anchors and aliases are not supported), got \"&%s\"",
			       n->anchor);
	if (n->tag)
		return fail_at(c, n->line, n->col, path,
			       "expected a plain value (tags are not supported), got \"%s\"", n->tag);
	return 0;
}

/* Whether N is a plain scalar meaning null in YAML ("", "~", "null"). */
static bool is_null(const struct ynode *n)
{
	if (n->kind != Y_SCALAR || n->quoted)
		return false;
	return !strcmp(n->val, "") || !strcmp(n->val, "~") || !strcmp(n->val, "null") ||
	       !strcmp(n->val, "Null") || !strcmp(n->val, "NULL");
}

/* N must be a mapping. */
static int want_map(struct ctx *c, const struct ynode *n, const char *path, const char *what)
{
	if (plain_node(c, n, path))
		return -1;
	return n->kind == Y_MAP ? 0 : expected(c, n, path, what);
}

/* Key text of a mapping key node, which must be a plain scalar. */
static int key_of(struct ctx *c, const struct ynode *k, const char *path)
{
	if (plain_node(c, k, path))
		return -1;
	if (k->kind != Y_SCALAR || is_null(k) || memchr(k->val, '\0', k->len))
		return expected(c, k, path, "a key name");
	return 0;
}

/*
 * Check the keys of mapping M at PATH: each a name, none twice.  Runs before
 * any value is looked at, so a repeated key is never half-applied.
 */
static int check_dups(struct ctx *c, const struct ynode *m, const char *path)
{
	for (const struct ynode *k = m->head; k; k = k->next->next) {
		if (key_of(c, k, path))
			return -1;
		for (const struct ynode *e = m->head; e != k; e = e->next->next) {
			if (e->len == k->len && !memcmp(e->val, k->val, k->len)) {
				char kp[PATHBUF];
				return fail_at(c, k->line, k->col, sub_key(kp, path, k->val),
					       "duplicate key (first given at line %u)", e->line);
			}
		}
	}
	return 0;
}

/* Whether KEY is one of the NULL-terminated list NAMES. */
static bool in_list(const char *key, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(key, *names))
			return true;
	return false;
}

/* "a, b, c" from the NULL-terminated list NAMES into OUT. */
static const char *join(char *out, size_t size, const char *const *names)
{
	size_t o = 0;
	out[0] = '\0';
	for (; *names && o < size; names++)
		o += (size_t)snprintf(out + o, size - o, "%s%s", o ? ", " : "", *names);
	return out;
}

/* Every key of M at PATH must be in ALLOWED. */
static int check_allowed(struct ctx *c, const struct ynode *m, const char *path,
			 const char *const *allowed)
{
	for (const struct ynode *k = m->head; k; k = k->next->next) {
		if (!in_list(k->val, allowed)) {
			char kp[PATHBUF], list[256];
			return fail_at(c, k->line, k->col, sub_key(kp, path, k->val),
				       "unknown key (expected one of: %s)",
				       join(list, sizeof(list), allowed));
		}
	}
	return 0;
}

/* The value of KEY in mapping M, or NULL. */
static const struct ynode *lookup(const struct ynode *m, const char *key)
{
	for (const struct ynode *k = m->head; k; k = k->next->next)
		if (!strcmp(k->val, key))
			return k->next;
	return NULL;
}

/* The value of the required KEY in mapping M, or an error at M. */
static const struct ynode *require(struct ctx *c, const struct ynode *m, const char *path,
				   const char *key)
{
	const struct ynode *v = lookup(m, key);
	if (!v)
		fail_at(c, m->line, m->col, path, "missing required key \"%s\"", key);
	return v;
}

/*
 * A scalar that stands for text (names, paths, enum words).  Quoted or not
 * is all the same here; a null, a container or embedded NUL is refused.
 */
static int want_text(struct ctx *c, const struct ynode *n, const char *path, const char *what)
{
	if (plain_node(c, n, path))
		return -1;
	if (n->kind != Y_SCALAR || is_null(n) || memchr(n->val, '\0', n->len))
		return expected(c, n, path, what);
	return 0;
}

/*
 * A decimal integer in [LO, HI] into *OUT: digits only, no sign, no leading
 * zero, no quotes - "0x10", "1e3", "3.5", "-3", "+3", "010" and "\"3\"" are
 * all refused, because YAML 1.1 would read some of them in surprising ways.
 * WHAT describes the expectation; NULL makes one from LO and HI.
 */
static int want_uint(struct ctx *c, const struct ynode *n, const char *path, const char *what,
		     uint32_t lo, uint32_t hi, uint32_t *out)
{
	char w[128];
	bool syntax_ok = true, too_big = false;
	uint64_t v = 0;

	if (plain_node(c, n, path))
		return -1;
	if (n->kind != Y_SCALAR || n->quoted || n->len == 0 || (n->len > 1 && n->val[0] == '0'))
		syntax_ok = false;
	for (size_t i = 0; syntax_ok && i < n->len; i++) {
		if (n->val[i] < '0' || n->val[i] > '9') {
			syntax_ok = false;
		} else if (!too_big) {
			v = v * 10 + (uint64_t)(n->val[i] - '0');
			/* Saturate: 20 digits of 9 must not wrap into range. */
			too_big = v > UINT32_MAX;
		}
	}
	if (syntax_ok && !too_big && v >= lo && v <= hi) {
		*out = (uint32_t)v;
		return 0;
	}
	if (!what) {
		const char *base = lo == 0 ? "a non-negative integer" : "a positive integer";
		if (lo > 1)
			snprintf(w, sizeof(w), "an integer from %u to %u", lo, hi);
		else if (syntax_ok && v > hi)
			snprintf(w, sizeof(w), "%s no larger than %u", base, hi);
		else
			snprintf(w, sizeof(w), "%s", base);
		what = w;
	}
	if (n->kind == Y_SCALAR && n->quoted) {
		char g[256];
		return fail_at(c, n->line, n->col, path, "expected %s, got the quoted string %s",
			       what, got(n, g, sizeof(g)));
	}
	return expected(c, n, path, what);
}

/*
 * A length of time in milliseconds: an integer with a unit (ms s m h, as
 * in "250ms", "30s", "5m"), or a bare integer of milliseconds, like the
 * other timeouts.  From LO to HI milliseconds.
 */
static int want_duration_ms(struct ctx *c, const struct ynode *n, const char *path, uint32_t lo,
			    uint32_t hi, uint32_t *out)
{
	char w[160];
	uint64_t ns;
	if (plain_node(c, n, path))
		return -1;
	int rc = n->kind == Y_SCALAR && !n->quoted ? tdp_duration_parse(n->val, n->len, 1000000, &ns) : -1;
	if (rc == 0 && ns % 1000000 == 0 && ns / 1000000 >= lo && ns / 1000000 <= hi) {
		*out = (uint32_t)(ns / 1000000);
		return 0;
	}
	snprintf(w, sizeof(w), "a duration from %ums to %ums in whole milliseconds: an integer with a "
		 "unit ms, s, m or h (\"30s\"), or a bare number of milliseconds", lo, hi);
	return expected(c, n, path, w);
}

/* true or false, unquoted, into *OUT. */
static int want_bool(struct ctx *c, const struct ynode *n, const char *path, bool *out)
{
	if (plain_node(c, n, path))
		return -1;
	if (n->kind == Y_SCALAR && !n->quoted && !strcmp(n->val, "true")) {
		*out = true;
		return 0;
	}
	if (n->kind == Y_SCALAR && !n->quoted && !strcmp(n->val, "false")) {
		*out = false;
		return 0;
	}
	return expected(c, n, path, "true or false");
}

/* One of the NULL-terminated NAMES; its index into *OUT. */
static int want_enum(struct ctx *c, const struct ynode *n, const char *path,
		     const char *const *names, int *out)
{
	char what[160], list[128];
	size_t count = 0;

	if (plain_node(c, n, path))
		return -1;
	for (; names[count]; count++) {
		if (n->kind == Y_SCALAR && n->len == strlen(names[count]) &&
		    !memcmp(n->val, names[count], n->len)) {
			*out = (int)count;
			return 0;
		}
	}
	/* "one of a, b, c"; for a two-word list "a or b" reads better. */
	if (count == 2) {
		snprintf(what, sizeof(what), "%s or %s", names[0], names[1]);
	} else {
		join(list, sizeof(list), names);
		snprintf(what, sizeof(what), "one of %s", list);
	}
	return expected(c, n, path, what);
}

/* Text into OUT (SIZE bytes with the NUL); longer is an error. */
static int want_string(struct ctx *c, const struct ynode *n, const char *path, const char *what,
		       char *out, size_t size)
{
	if (want_text(c, n, path, what))
		return -1;
	if (n->len >= size) {
		char w[160];
		snprintf(w, sizeof(w), "%s shorter than %zu bytes", what, size);
		return expected(c, n, path, w);
	}
	memcpy(out, n->val, n->len + 1);
	return 0;
}

/* Whether scalar N has 1..MAX-1 characters, each alphanumeric or in EXTRA. */
static bool name_chars(const struct ynode *n, size_t max, const char *extra)
{
	bool ok = n->kind == Y_SCALAR && n->len >= 1 && n->len < max;
	for (size_t i = 0; ok && i < n->len; i++) {
		char ch = n->val[i];
		ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		     (ch >= '0' && ch <= '9') || (ch && strchr(extra, ch));
	}
	return ok;
}

/* A name of 1..TDP_NAME_MAX-1 characters, each alphanumeric or in EXTRA. */
static int want_name(struct ctx *c, const struct ynode *n, const char *path, const char *what,
		     const char *extra, char *out)
{
	if (plain_node(c, n, path))
		return -1;
	if (!name_chars(n, TDP_NAME_MAX, extra))
		return expected(c, n, path, what);
	memcpy(out, n->val, n->len + 1);
	return 0;
}

/* ---------------------------------------------------------- enum words */

static const char *const source_types[] = { "file", "stdin", "tcp", "udp", "kafka", NULL };
static const char *const formats[] = { "csv", "jsonl", "msgpack", NULL };
static const char *const sink_types[] = { "stdout", "file", "kafka", NULL };
static const char *const sink_formats[] = { "jsonl", "msgpack", NULL };
static const char *const dead_types[] = { "file", "stderr", "kafka", NULL };
static const char *const event_times[] = { "record", "kafka", NULL };
static const char *const compressions[] = { "none", "gzip", "snappy", "lz4", "zstd", NULL };
static const char *const complexes[] = { "sublevel", "rips", NULL };
static const char *const overflows[] = { "block", "drop", NULL };

/* ----------------------------------------------------------------- kafka */

/* Which Kafka client a section configures, as a bit for reserved_props. */
enum kafka_role {
	K_SOURCE = 1,              /* source: the consumer */
	K_SINK = 2,                /* sink: the (idempotent, maybe transactional) producer */
	K_DEAD = 4,                /* dead_letter: the idempotent producer */
	K_PLAIN = 8,               /* with K_SINK or K_DEAD: not transactional */
	K_PRODUCER = K_SINK | K_DEAD,
	K_ALL = K_SOURCE | K_SINK | K_DEAD,
};

static const char topic_what[] = "a Kafka topic name (1 to 249 characters from [A-Za-z0-9._-])";

/*
 * librdkafka properties refused in a section's properties, because
 * tdapipe sets them itself (a value here would be overridden, or would
 * break what tdapipe relies on), because they make no sense for that
 * client, or because checking them has side effects (plugins are loaded
 * by rd_kafka_conf_set itself).  USE names the key that sets it instead;
 * otherwise WHY says why.  Aliases are listed with their property.
 * tdapipe.yaml(5) documents this list: keep them together.
 */
static const struct reserved_prop {
	const char *name;
	unsigned roles;
	const char *use;
	const char *why;
} reserved_props[] = {
	{ "bootstrap.servers", K_ALL, "brokers", NULL },
	{ "metadata.broker.list", K_ALL, "brokers", NULL },
	{ "group.id", K_SOURCE, "group", NULL },
	{ "group.id", K_PRODUCER, NULL, "a consumer's setting: a producer has no group" },
	{ "enable.auto.commit", K_SOURCE, NULL, "tdapipe keeps the offsets of what it has processed" },
	{ "auto.commit.enable", K_SOURCE, NULL, "tdapipe keeps the offsets of what it has processed" },
	{ "enable.auto.offset.store", K_SOURCE, NULL, "tdapipe keeps the offsets of what it has processed" },
	{ "offset.store.method", K_SOURCE, NULL, "tdapipe keeps the offsets of what it has processed" },
	{ "enable.partition.eof", K_ALL, NULL, "tdapipe sets it on its consumer" },
	{ "isolation.level", K_PRODUCER, NULL, "a consumer's setting" },
	{ "enable.idempotence", K_PRODUCER, NULL,
	  "tdapipe always enables it; exactly_once makes the sink transactional" },
	{ "transactional.id", K_SINK, NULL, "tdapipe sets it when exactly_once is true" },
	{ "transactional.id", K_DEAD, NULL, "the dead-letter producer is not transactional" },
	{ "acks", K_PRODUCER, NULL, "the idempotent producer always uses acks=all" },
	{ "request.required.acks", K_PRODUCER, NULL, "the idempotent producer always uses acks=all" },
	{ "compression.type", K_SINK, "compression", NULL },
	{ "compression.codec", K_SINK, "compression", NULL },
	{ "message.timeout.ms", K_PLAIN, NULL,
	  "tdapipe sets it to 0, retrying for ever, unless the producer is transactional" },
	{ "delivery.timeout.ms", K_PLAIN, NULL,
	  "tdapipe sets it to 0, retrying for ever, unless the producer is transactional" },
	{ "enable.idempotence", K_SOURCE, NULL, "a producer's setting" },
	{ "transactional.id", K_SOURCE, NULL, "a producer's setting" },
	{ "acks", K_SOURCE, NULL, "a producer's setting" },
	{ "request.required.acks", K_SOURCE, NULL, "a producer's setting" },
	{ "compression.type", K_SOURCE, NULL, "a producer's setting" },
	{ "compression.codec", K_SOURCE, NULL, "a producer's setting" },
	{ "plugin.library.paths", K_ALL, NULL, "plugins would be loaded while the configuration is read" },
};

/* librdkafka's error text, its trailing newline (some have one) cut. */
static const char *rk_reason(char *errstr)
{
	size_t n = strlen(errstr);
	while (n && (errstr[n - 1] == '\n' || errstr[n - 1] == ' ' || errstr[n - 1] == '.'))
		errstr[--n] = '\0';
	return n ? errstr : "refused by librdkafka";
}

/*
 * properties: a mapping of at most TDP_KAFKA_MAX_PROPS librdkafka
 * properties to scalar values, kept as written (a number or a boolean as
 * its text).  Each is set on a scratch rd_kafka_conf_t, in order, so that
 * librdkafka itself judges the name and the value: an unknown name is
 * reported at its key, a refused value at the value, with librdkafka's
 * reason.  SECTION ("source", ...) names the keys of reserved_props' USE.
 */
static int parse_props(struct ctx *c, const struct ynode *m, const char *section, unsigned role,
		       struct tdp_kafka_cfg *k)
{
	char path[PATHBUF], kp[PATHBUF], w[160], g[256], errstr[512];
	rd_kafka_conf_t *conf = NULL;
	int rc = -1;

	sub_key(path, section, "properties");
	if (want_map(c, m, path, "a mapping of librdkafka properties to values") ||
	    check_dups(c, m, path))
		return -1;
	if (m->n / 2 > TDP_KAFKA_MAX_PROPS) {
		const struct ynode *key = m->head;
		for (unsigned i = 0; i < TDP_KAFKA_MAX_PROPS; i++)
			key = key->next->next;
		return fail_at(c, key->line, key->col, sub_key(kp, path, key->val),
			       "expected at most %d properties, got %zu", TDP_KAFKA_MAX_PROPS, m->n / 2);
	}
	if (!(conf = rd_kafka_conf_new()))
		return fail_at(c, m->line, m->col, path, "out of memory");
	k->nprops = 0;
	for (const struct ynode *key = m->head; key; key = key->next->next) {
		const struct ynode *v = key->next;
		struct tdp_kafka_prop *p = &k->props[k->nprops];
		sub_key(kp, path, key->val);
		if (key->len >= sizeof(p->name)) {
			snprintf(w, sizeof(w), "a property name shorter than %zu bytes", sizeof(p->name));
			expected(c, key, kp, w);
			goto out;
		}
		for (size_t r = 0; r < sizeof(reserved_props) / sizeof(reserved_props[0]); r++) {
			const struct reserved_prop *rp = &reserved_props[r];
			if (!(rp->roles & role) || strcmp(rp->name, key->val))
				continue;
			char use[PATHBUF + 32];
			if (rp->use)
				snprintf(use, sizeof(use), "tdapipe sets it: use %s.%s", section, rp->use);
			fail_at(c, key->line, key->col, kp,
				"expected a property tdapipe does not reserve, got %s (%s)",
				got(key, g, sizeof(g)), rp->use ? use : rp->why);
			goto out;
		}
		if (want_string(c, v, kp, "a property value (a number, a word or a string)", p->value,
				sizeof(p->value)))
			goto out;
		memcpy(p->name, key->val, key->len + 1);
		errstr[0] = '\0';
		switch (rd_kafka_conf_set(conf, p->name, p->value, errstr, sizeof(errstr))) {
		case RD_KAFKA_CONF_OK:
			break;
		case RD_KAFKA_CONF_UNKNOWN:
			fail_at(c, key->line, key->col, kp, "expected a librdkafka property, got %s (%s)",
				got(key, g, sizeof(g)), rk_reason(errstr));
			goto out;
		default:
			fail_at(c, v->line, v->col, kp, "expected a value librdkafka accepts, got %s (%s)",
				got(v, g, sizeof(g)), rk_reason(errstr));
			goto out;
		}
		k->nprops++;
	}
	rc = 0;
out:
	rd_kafka_conf_destroy(conf);
	return rc;
}

/* A Kafka topic name into OUT (TDP_KAFKA_TOPIC_MAX bytes): Kafka's own
 * rule, 1 to 249 characters from [A-Za-z0-9._-], and not "." or "..". */
static int want_topic(struct ctx *c, const struct ynode *n, const char *path, char *out)
{
	if (want_text(c, n, path, topic_what))
		return -1;
	if (!name_chars(n, TDP_KAFKA_TOPIC_MAX, "._-"))
		return expected(c, n, path, topic_what);
	if (!strcmp(n->val, ".") || !strcmp(n->val, ".."))
		return expected(c, n, path, "a Kafka topic name other than \".\" and \"..\"");
	memcpy(out, n->val, n->len + 1);
	return 0;
}

/* source.topics: one name, or a list of 1..TDP_KAFKA_MAX_TOPICS distinct
 * names (a repeat is refused where it stands). */
static int parse_topics(struct ctx *c, const struct ynode *n, struct tdp_kafka_cfg *k)
{
	static const char path[] = "source.topics";
	char what[80], ip[PATHBUF];
	uint32_t i = 0;

	snprintf(what, sizeof(what), "a topic name or a list of 1 to %d topic names",
		 TDP_KAFKA_MAX_TOPICS);
	if (plain_node(c, n, path))
		return -1;
	if (n->kind == Y_SCALAR) {
		if (want_topic(c, n, path, k->topics[0]))
			return -1;
		k->ntopics = 1;
		return 0;
	}
	if (n->kind != Y_SEQ)
		return expected(c, n, path, what);
	if (!n->n)
		return fail_at(c, n->line, n->col, path, "expected %s, got an empty list", what);
	for (const struct ynode *e = n->head; e; e = e->next, i++) {
		sub_index(ip, path, i);
		if (i == TDP_KAFKA_MAX_TOPICS)
			return fail_at(c, e->line, e->col, ip, "expected at most %d topics, got %zu",
				       TDP_KAFKA_MAX_TOPICS, n->n);
		if (want_topic(c, e, ip, k->topics[i]))
			return -1;
		for (uint32_t j = 0; j < i; j++) {
			if (!strcmp(k->topics[j], k->topics[i])) {
				char w[64];
				snprintf(w, sizeof(w), "a topic not listed already (as source.topics[%u])", j);
				return expected(c, e, ip, w);
			}
		}
		k->ntopics = i + 1;
	}
	return 0;
}

/*
 * The Kafka keys of section M at PATH ("source", "sink", "dead_letter"),
 * whose keys were already checked against its type: brokers and the
 * topic(s) required, group for a source, compression and exactly_once for
 * the sink, properties for all.  ROLE is K_SOURCE, K_SINK or K_DEAD.
 */
static int parse_kafka(struct ctx *c, const struct ynode *m, const char *path, unsigned role,
		       struct tdp_kafka_cfg *k)
{
	const struct ynode *v;
	char kp[PATHBUF];
	int t;

	if (!(v = require(c, m, path, "brokers")) ||
	    want_string(c, v, sub_key(kp, path, "brokers"), "a list of brokers host:port[,host:port...]",
			k->brokers, sizeof(k->brokers)))
		return -1;
	if (!k->brokers[0])
		return expected(c, v, kp, "a list of brokers host:port[,host:port...]");
	if (role == K_SOURCE) {
		if (!(v = require(c, m, path, "topics")) || parse_topics(c, v, k))
			return -1;
		if ((v = lookup(m, "group"))) {
			if (want_string(c, v, sub_key(kp, path, "group"), "a consumer group name",
					k->group, sizeof(k->group)))
				return -1;
			if (!k->group[0])
				return expected(c, v, kp, "a consumer group name of 1 to 255 bytes");
		}
	} else {
		if (!(v = require(c, m, path, "topic")) ||
		    want_topic(c, v, sub_key(kp, path, "topic"), k->topics[0]))
			return -1;
		k->ntopics = 1;
	}
	if (role == K_SINK) {
		snprintf(k->compression, sizeof(k->compression), "%s", DEFAULT_COMPRESSION);
		if ((v = lookup(m, "compression"))) {
			if (want_enum(c, v, sub_key(kp, path, "compression"), compressions, &t))
				return -1;
			snprintf(k->compression, sizeof(k->compression), "%s", compressions[t]);
		}
		if ((v = lookup(m, "exactly_once")) &&
		    want_bool(c, v, sub_key(kp, path, "exactly_once"), &k->exactly_once))
			return -1;
	}
	if ((role & K_PRODUCER) && !k->exactly_once)
		role |= K_PLAIN;
	if ((v = lookup(m, "properties")) && parse_props(c, v, path, role, k))
		return -1;
	return 0;
}

/* ------------------------------------------------------------- sections */

/*
 * The first key of M at PATH not in ALLOWED, reported as "unknown key for
 * type file" (or "for format jsonl"), or 0.  check_allowed has already
 * refused the keys that exist nowhere in the section: these exist, but not
 * for this type or format.  WHAT_OF(KEY, ARG) says which.
 */
static int check_allowed_for(struct ctx *c, const struct ynode *m, const char *path,
			     const char *const *allowed, const char *(*what_of)(const char *key, void *arg),
			     void *arg)
{
	for (const struct ynode *k = m->head; k; k = k->next->next) {
		if (in_list(k->val, allowed))
			continue;
		char kp[PATHBUF], list[256];
		return fail_at(c, k->line, k->col, sub_key(kp, path, k->val),
			       "unknown key for %s (expected one of: %s)", what_of(k->val, arg),
			       join(list, sizeof(list), allowed));
	}
	return 0;
}

/* What rules out KEY of a source (ARG, the struct tdp_source_cfg): its
 * format for a csv key when the format is not csv, else its type. */
static const char *source_key_what(const char *key, void *arg)
{
	static const char *const by_type[] = { "type file", "type stdin", "type tcp", "type udp",
					       "type kafka" };
	static const char *const by_format[] = { "format csv", "format jsonl", "format msgpack" };
	const struct tdp_source_cfg *src = arg;
	bool csv_key = !strcmp(key, "stream_column") || !strcmp(key, "time_column") ||
		       !strcmp(key, "header");
	return csv_key && src->format != TDP_FMT_CSV ? by_format[src->format] : by_type[src->type];
}

/*
 * source: the type decides which keys are valid (path for file, host and
 * port for the sockets, brokers, topics, group, event_time and properties
 * for kafka), the format whether the csv keys are.  A key that exists but
 * not for this type is still an unknown key here: it would be silently
 * ignored otherwise.
 */
static int parse_source(struct ctx *c, const struct ynode *m, struct tdp_source_cfg *src)
{
	static const char *const all[] = { "type", "format", "path", "host", "port",
					   "brokers", "topics", "group", "event_time", "stop_at_end", "properties",
					   "stream_column", "time_column", "header",
					   "max_record", "max_connections", "idle_timeout", NULL };
	const char *allowed[18];
	const struct ynode *v;
	size_t na = 0;
	int t;
	uint32_t u;

	if (want_map(c, m, "source", "a mapping with a type") || check_dups(c, m, "source") ||
	    check_allowed(c, m, "source", all))
		return -1;
	if (!(v = require(c, m, "source", "type")) ||
	    want_enum(c, v, "source.type", source_types, &t))
		return -1;
	src->type = (enum tdp_source_type)t;
	if ((v = lookup(m, "format"))) {
		if (want_enum(c, v, "source.format", formats, &t))
			return -1;
		src->format = (enum tdp_format)t;
	}

	allowed[na++] = "type";
	allowed[na++] = "format";
	if (src->type == TDP_SRC_FILE)
		allowed[na++] = "path";
	if (src->type == TDP_SRC_TCP || src->type == TDP_SRC_UDP) {
		allowed[na++] = "host";
		allowed[na++] = "port";
	}
	if (src->type == TDP_SRC_TCP) {
		allowed[na++] = "max_connections";
		allowed[na++] = "idle_timeout";
	}
	if (src->type == TDP_SRC_KAFKA) {
		allowed[na++] = "brokers";
		allowed[na++] = "topics";
		allowed[na++] = "group";
		allowed[na++] = "event_time";
		allowed[na++] = "stop_at_end";
		allowed[na++] = "properties";
	}
	if (src->format == TDP_FMT_CSV) {
		allowed[na++] = "stream_column";
		allowed[na++] = "time_column";
		/* A topic has no first line to skip. */
		if (src->type != TDP_SRC_KAFKA)
			allowed[na++] = "header";
	}
	allowed[na++] = "max_record";
	allowed[na] = NULL;
	if (check_allowed_for(c, m, "source", allowed, source_key_what, src))
		return -1;

	if (src->type == TDP_SRC_FILE) {
		if (!(v = require(c, m, "source", "path")) ||
		    want_string(c, v, "source.path", "a file path", src->path, sizeof(src->path)))
			return -1;
	}
	if (src->type == TDP_SRC_TCP || src->type == TDP_SRC_UDP) {
		if (!(v = require(c, m, "source", "port")) ||
		    want_uint(c, v, "source.port", NULL, 1, 65535, &u))
			return -1;
		src->port = (uint16_t)u;
		if ((v = lookup(m, "host")) &&
		    want_string(c, v, "source.host", "a host name or address", src->host,
				sizeof(src->host)))
			return -1;
	}
	if (src->type == TDP_SRC_KAFKA) {
		if (parse_kafka(c, m, "source", K_SOURCE, &src->kafka))
			return -1;
		if ((v = lookup(m, "event_time"))) {
			if (want_enum(c, v, "source.event_time", event_times, &t))
				return -1;
			src->event_time = (enum tdp_event_time)t;
		}
		if ((v = lookup(m, "stop_at_end")) &&
		    want_bool(c, v, "source.stop_at_end", &src->kafka.stop_at_end))
			return -1;
	}
	if ((v = lookup(m, "stream_column"))) {
		if (want_uint(c, v, "source.stream_column", NULL, 0, MAX_COLUMN, &u))
			return -1;
		src->stream_column = (int)u;
	}
	if ((v = lookup(m, "time_column"))) {
		if (want_uint(c, v, "source.time_column", NULL, 0, MAX_COLUMN, &u))
			return -1;
		src->time_column = (int)u;
		if (src->time_column == src->stream_column) {
			char w[96];
			snprintf(w, sizeof(w), "a column other than stream_column (%d)",
				 src->stream_column);
			return expected(c, v, "source.time_column", w);
		}
		if (src->event_time == TDP_TIME_KAFKA) {
			char g[256];
			return fail_at(c, v->line, v->col, "source.time_column",
				       "expected no time_column with event_time kafka (the time is the "
				       "message timestamp), got %s", got(v, g, sizeof(g)));
		}
	}
	if ((v = lookup(m, "header")) && want_bool(c, v, "source.header", &src->header))
		return -1;
	if ((v = lookup(m, "max_record")) &&
	    want_uint(c, v, "source.max_record", NULL, 16, MAX_COUNT, &src->max_record))
		return -1;
	if ((v = lookup(m, "max_connections")) &&
	    want_uint(c, v, "source.max_connections", NULL, 1, MAX_CONNECTIONS, &src->max_connections))
		return -1;
	if ((v = lookup(m, "idle_timeout")) &&
	    want_duration_ms(c, v, "source.idle_timeout", 0, MAX_MS, &src->idle_timeout_ms))
		return -1;
	return 0;
}

/* What rules out a key of an output: its type, "type T" in ARG. */
static const char *output_key_what(const char *key, void *arg)
{
	(void)key;
	return arg;
}

/*
 * sink and dead_letter share a shape: a type, a path for type file, the
 * Kafka keys for type kafka, and a format.  DEAD selects the dead-letter
 * rules (file | stderr | kafka, jsonl only, no compression or exactly_once:
 * the dead-letter producer is never transactional, and its compression is
 * librdkafka's compression.type, a property like any other).
 */
static int parse_output(struct ctx *c, const struct ynode *m, const char *path, bool dead,
			struct tdp_sink_cfg *out)
{
	static const char *const sink_all[] = { "type", "format", "path", "brokers", "topic",
						"compression", "exactly_once", "properties", NULL };
	static const char *const dead_all[] = { "type", "format", "path", "brokers", "topic",
						"properties", NULL };
	static const char *const file_keys[] = { "type", "format", "path", NULL };
	static const char *const stream_keys[] = { "type", "format", NULL };
	static const char *const sink_kafka[] = { "type", "format", "brokers", "topic", "compression",
						  "exactly_once", "properties", NULL };
	static const char *const dead_kafka[] = { "type", "format", "brokers", "topic", "properties",
						  NULL };
	static const enum tdp_sink_type sink_map[] = { TDP_SINK_STDOUT, TDP_SINK_FILE, TDP_SINK_KAFKA };
	static const enum tdp_sink_type dead_map[] = { TDP_SINK_FILE, TDP_SINK_STDERR, TDP_SINK_KAFKA };
	const char *const *types = dead ? dead_types : sink_types;
	const char *const *allowed;
	const struct ynode *v;
	char kp[PATHBUF], why[32];
	int t;

	if (want_map(c, m, path, "a mapping with a type") || check_dups(c, m, path) ||
	    check_allowed(c, m, path, dead ? dead_all : sink_all))
		return -1;
	if (!(v = require(c, m, path, "type")) || want_enum(c, v, sub_key(kp, path, "type"), types, &t))
		return -1;
	out->type = dead ? dead_map[t] : sink_map[t];
	allowed = out->type == TDP_SINK_FILE ? file_keys :
		  out->type == TDP_SINK_KAFKA ? (dead ? dead_kafka : sink_kafka) : stream_keys;
	snprintf(why, sizeof(why), "type %s", types[t]);
	if (check_allowed_for(c, m, path, allowed, output_key_what, why))
		return -1;
	out->path[0] = '\0';
	if (out->type == TDP_SINK_FILE) {
		if (!(v = require(c, m, path, "path")) ||
		    want_string(c, v, sub_key(kp, path, "path"), "a file path", out->path,
				sizeof(out->path)))
			return -1;
		if (dead)
			c->dead_path_node = v;
	}
	if (out->type == TDP_SINK_KAFKA &&
	    parse_kafka(c, m, path, dead ? K_DEAD : K_SINK, &out->kafka))
		return -1;
	if ((v = lookup(m, "format"))) {
		if (dead) {
			/* Dead letters carry the raw record and a reason: text, so jsonl. */
			if (want_text(c, v, sub_key(kp, path, "format"), "jsonl"))
				return -1;
			if (strcmp(v->val, "jsonl"))
				return expected(c, v, kp, "jsonl (dead letters are always jsonl)");
			out->format = TDP_FMT_JSONL;
		} else {
			if (want_enum(c, v, sub_key(kp, path, "format"), sink_formats, &t))
				return -1;
			out->format = t == 0 ? TDP_FMT_JSONL : TDP_FMT_MSGPACK;
		}
	}
	return 0;
}

/* A finite number > 0, written as a plain decimal (no quotes, no hex,
 * no .inf / .nan: YAML's spellings of those are refused). */
static int want_positive_number(struct ctx *c, const struct ynode *n, const char *path, double *out)
{
	static const char what[] = "a positive finite number";
	char buf[64];
	if (plain_node(c, n, path))
		return -1;
	if (n->kind != Y_SCALAR || n->quoted || n->len == 0 || n->len >= sizeof(buf))
		return expected(c, n, path, what);
	for (size_t i = 0; i < n->len; i++)
		if (!strchr("0123456789.eE+-", n->val[i]))
			return expected(c, n, path, what);
	memcpy(buf, n->val, n->len);
	buf[n->len] = 0;
	char *end;
	double v = strtod(buf, &end);
	if (*end || !isfinite(v) || !(v > 0))
		return expected(c, n, path, what);
	*out = v;
	return 0;
}

/* dims: a non-empty list of dimensions 0..3 (sublevel: checked later). */
static int parse_dims(struct ctx *c, const struct ynode *n, const char *path, uint32_t *mask)
{
	char ip[PATHBUF];
	size_t i = 0;

	if (plain_node(c, n, path))
		return -1;
	if (n->kind != Y_SEQ)
		return expected(c, n, path, dims_what);
	if (!n->n)
		return fail_at(c, n->line, n->col, path, "expected %s, got an empty list", dims_what);
	*mask = 0;
	for (const struct ynode *e = n->head; e; e = e->next, i++) {
		uint32_t d;
		sub_index(ip, path, i);
		if (want_uint(c, e, ip, dims_what, 0, 3, &d))
			return -1;
		if (*mask & (1u << d))
			return expected(c, e, ip, "each dimension at most once");
		*mask |= 1u << d;
	}
	return 0;
}

/* embed: {dim, lag}, both required. */
static int parse_embed(struct ctx *c, const struct ynode *m, const char *path,
		       struct tdp_scale_cfg *sc)
{
	static const char *const keys[] = { "dim", "lag", NULL };
	const struct ynode *v;
	char kp[PATHBUF];

	if (want_map(c, m, path, "a mapping {dim: D, lag: L}") || check_dups(c, m, path) ||
	    check_allowed(c, m, path, keys))
		return -1;
	if (!(v = require(c, m, path, "dim")) ||
	    want_uint(c, v, sub_key(kp, path, "dim"), NULL, 1, 16, &sc->embed_dim))
		return -1;
	if (!(v = require(c, m, path, "lag")) ||
	    want_uint(c, v, sub_key(kp, path, "lag"), NULL, 1, MAX_COUNT, &sc->embed_lag))
		return -1;
	return 0;
}

/*
 * scales[I]: the keys in document order, then the required ones, then the
 * rules that tie keys together (embed needs rips and must leave a point).
 */
static int parse_scale(struct ctx *c, const struct ynode *m, uint32_t i, struct tdp_config *cfg)
{
	static const char *const keys[] = { "name", "complex", "window", "slide", "dims",
					    "embed", "overflow", "ring", "threshold", "max_points",
					    "memory_mb", NULL };
	static const char *const required[] = { "name", "complex", "window", "slide", NULL };
	struct tdp_scale_cfg *sc = &cfg->scales[i];
	const struct ynode *embed = NULL, *name = NULL, *dims = NULL, *rips_only = NULL;
	char path[PATHBUF], kp[PATHBUF];
	int t;

	sub_index(path, "scales", i);
	if (want_map(c, m, path, "a mapping describing a scale") || check_dups(c, m, path) ||
	    check_allowed(c, m, path, keys))
		return -1;
	for (const struct ynode *k = m->head; k; k = k->next->next) {
		const struct ynode *v = k->next;
		const char *key = k->val;
		sub_key(kp, path, key);
		if (!strcmp(key, "name")) {
			if (want_name(c, v, kp, "a scale name of 1 to 31 characters from [A-Za-z0-9_-]",
				      "_-", sc->name))
				return -1;
			name = v;
		} else if (!strcmp(key, "complex")) {
			if (want_enum(c, v, kp, complexes, &t))
				return -1;
			sc->complex = (enum tdp_complex)t;
		} else if (!strcmp(key, "window")) {
			if (want_uint(c, v, kp, NULL, 1, MAX_COUNT, &sc->window))
				return -1;
		} else if (!strcmp(key, "slide")) {
			if (want_uint(c, v, kp, NULL, 1, MAX_COUNT, &sc->slide))
				return -1;
		} else if (!strcmp(key, "dims")) {
			if (parse_dims(c, v, kp, &sc->dims_mask))
				return -1;
			dims = v;
		} else if (!strcmp(key, "threshold")) {
			if (want_positive_number(c, v, kp, &sc->threshold))
				return -1;
			rips_only = k;
		} else if (!strcmp(key, "max_points")) {
			if (want_uint(c, v, kp, "an integer from 2 to 16777216", 2, MAX_COUNT, &sc->max_points))
				return -1;
			rips_only = k;
		} else if (!strcmp(key, "memory_mb")) {
			if (want_uint(c, v, kp, NULL, 1, 1048576, &sc->memory_mb))
				return -1;
			rips_only = k;
		} else if (!strcmp(key, "embed")) {
			if (parse_embed(c, v, kp, sc))
				return -1;
			embed = v;
		} else if (!strcmp(key, "overflow")) {
			if (want_enum(c, v, kp, overflows, &t))
				return -1;
			sc->overflow = (enum tdp_overflow)t;
			sc->overflow_set = true;
			c->overflow_node[i] = v;
		} else if (!strcmp(key, "ring")) {
			if (want_uint(c, v, kp, "a power of two from 16 to 16777216", 16, MAX_COUNT,
				      &sc->ring))
				return -1;
			if (sc->ring & (sc->ring - 1))
				return expected(c, v, kp, "a power of two from 16 to 16777216");
		}
	}
	for (const char *const *r = required; *r; r++)
		if (!require(c, m, path, *r))
			return -1;
	if (embed) {
		char g[96];
		snprintf(g, sizeof(g), "\"{dim: %u, lag: %u}\"", sc->embed_dim, sc->embed_lag);
		sub_key(kp, path, "embed");
		if (sc->complex != TDP_COMPLEX_RIPS)
			return fail_at(c, embed->line, embed->col, kp,
				       "expected no embed with complex %s (delay embedding needs complex rips), got %s",
				       complexes[sc->complex], g);
		/* 64 bits: dim <= 16 and lag <= 2^24 cannot wrap. */
		uint64_t span = (uint64_t)(sc->embed_dim - 1) * sc->embed_lag;
		if (span >= sc->window)
			return fail_at(c, embed->line, embed->col, kp,
				       "expected (dim-1)*lag below the window of %u points, got %s",
				       sc->window, g);
	}
	if (sc->complex == TDP_COMPLEX_SUBLEVEL && dims && sc->dims_mask != 1)
		return expected(c, dims, sub_key(kp, path, "dims"),
				"[0] with complex sublevel (a series' sublevel sets have only H0)");
	if (sc->complex == TDP_COMPLEX_SUBLEVEL && rips_only)
		return fail_at(c, rips_only->line, rips_only->col, sub_key(kp, path, rips_only->val),
			       "expected no %s with complex sublevel (it applies to rips)", rips_only->val);
	char why[256];
	if (tdp_scale_rips_check(sc, why, sizeof(why)))
		return fail_at(c, m->line, m->col, path, "%s", why);
	for (uint32_t j = 0; j < i; j++) {
		if (!strcmp(cfg->scales[j].name, sc->name)) {
			char w[64];
			snprintf(w, sizeof(w), "a name not used by scales[%u]", j);
			return expected(c, name, sub_key(kp, path, "name"), w);
		}
	}
	return 0;
}

/* Defaults of one scale, so an unset key has its documented value. */
static void scale_defaults(struct tdp_scale_cfg *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->dims_mask = 1;
	sc->ring = DEFAULT_RING;
	sc->overflow = TDP_OVERFLOW_BLOCK;
	sc->threshold = INFINITY;
	sc->memory_mb = DEFAULT_MEMORY_MB;
}

/* scales: a list of 1..TDP_MAX_SCALES mappings; cfg->nscales counts the
 * entries started, so it is right even when one fails half-way. */
static int parse_scales(struct ctx *c, const struct ynode *n, struct tdp_config *cfg)
{
	char what[64], ip[PATHBUF];
	uint32_t i = 0;

	snprintf(what, sizeof(what), "a list of 1 to %d scales", TDP_MAX_SCALES);
	if (plain_node(c, n, "scales"))
		return -1;
	if (n->kind != Y_SEQ)
		return expected(c, n, "scales", what);
	if (!n->n)
		return fail_at(c, n->line, n->col, "scales", "expected %s, got an empty list", what);
	for (const struct ynode *e = n->head; e; e = e->next, i++) {
		if (i == TDP_MAX_SCALES)
			return fail_at(c, e->line, e->col, sub_index(ip, "scales", i),
				       "expected at most %d scales, got %zu", TDP_MAX_SCALES, n->n);
		scale_defaults(&cfg->scales[i]);
		cfg->nscales = i + 1;
		if (parse_scale(c, e, i, cfg))
			return -1;
	}
	return 0;
}

/*
 * supervisor: every key optional.  The backoff bounds are checked against
 * each other at the end, the message on backoff_max when it was given (the
 * key that broke the rule), else on backoff_min against the default.
 */
static int parse_supervisor(struct ctx *c, const struct ynode *m, struct tdp_supervisor_cfg *sv)
{
	static const char *const keys[] = { "heartbeat_timeout", "restart_limit", "restart_window",
					    "backoff_min", "backoff_max", NULL };
	const struct ynode *min_node = NULL, *max_node = NULL;
	char kp[PATHBUF];
	char w[128];

	if (want_map(c, m, "supervisor", "a mapping of supervisor settings") ||
	    check_dups(c, m, "supervisor") || check_allowed(c, m, "supervisor", keys))
		return -1;
	for (const struct ynode *k = m->head; k; k = k->next->next) {
		const struct ynode *v = k->next;
		const char *key = k->val;
		int rc = 0;
		sub_key(kp, "supervisor", key);
		if (!strcmp(key, "heartbeat_timeout")) {
			rc = want_uint(c, v, kp, "a number of milliseconds from 100 to 86400000", 100, MAX_MS,
				       &sv->heartbeat_timeout_ms);
		} else if (!strcmp(key, "restart_limit")) {
			snprintf(w, sizeof(w), "a number of restarts from 1 to %u", TDP_RESTART_LIMIT_MAX);
			rc = want_uint(c, v, kp, w, 1, TDP_RESTART_LIMIT_MAX, &sv->restart_limit);
		} else if (!strcmp(key, "restart_window")) {
			rc = want_uint(c, v, kp, "a number of seconds from 1 to 86400", 1, MAX_WINDOW_S,
				       &sv->restart_window_s);
		} else if (!strcmp(key, "backoff_min")) {
			rc = want_uint(c, v, kp, "a number of milliseconds from 1 to 3600000", 1,
				       MAX_BACKOFF_MS, &sv->backoff_min_ms);
			min_node = v;
		} else if (!strcmp(key, "backoff_max")) {
			rc = want_uint(c, v, kp, "a number of milliseconds from 1 to 3600000", 1,
				       MAX_BACKOFF_MS, &sv->backoff_max_ms);
			max_node = v;
		}
		if (rc)
			return -1;
	}
	if (sv->backoff_max_ms >= sv->backoff_min_ms)
		return 0;
	if (max_node) {
		snprintf(w, sizeof(w), "a number of milliseconds no smaller than backoff_min (%u)",
			 sv->backoff_min_ms);
		return expected(c, max_node, "supervisor.backoff_max", w);
	}
	snprintf(w, sizeof(w), "at most backoff_max (%u, its default; raise it too)", sv->backoff_max_ms);
	return expected(c, min_node, "supervisor.backoff_min", w);
}

/* Whether paths A and B name one file: the same text, or, for files that
 * exist, the same device and inode ("./a" and "a", a hard link, a
 * symbolic link to it). */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (!strcmp(a, b))
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The supervisor truncates the sink and dead-letter files at start, so
 * neither may be the input or the other.  (The outputs are also opened
 * without following a symbolic link, so one planted later cannot send
 * them elsewhere either: cli/run.c, common/uring_io.c.)
 */
static int check_clobber(struct ctx *c, const struct ynode *root, const struct tdp_config *cfg)
{
	const struct tdp_sink_cfg *dl = &cfg->dead_letter, *sink = &cfg->sink;
	const char *src = cfg->source.type == TDP_SRC_FILE ? cfg->source.path : NULL;

	if (sink->type == TDP_SINK_FILE && src && same_file(src, sink->path))
		return expected(c, lookup(lookup(root, "sink"), "path"), "sink.path",
				"a file other than source.path");
	if (dl->type != TDP_SINK_FILE)
		return 0;
	const char *other = sink->type == TDP_SINK_FILE && same_file(sink->path, dl->path) ?
			    "sink.path" : src && same_file(src, dl->path) ? "source.path" : NULL;
	if (!other)
		return 0;
	char w[64];
	snprintf(w, sizeof(w), "a file other than %s", other);
	if (c->dead_path_node)
		return expected(c, c->dead_path_node, "dead_letter.path", w);
	/* The default path collides: point at the document, which lacks dead_letter. */
	return fail_at(c, root->line, root->col, "dead_letter",
		       "expected %s, got the default \"%s\"", w, dl->path);
}

/*
 * The Kafka counterpart of check_clobber: a sink or dead-letter topic the
 * source reads would feed the pipeline its own output, and dead letters
 * in the sink's topic would mix with results.  Brokers are compared as
 * written, like paths: a hint, not a guarantee.
 */
static int check_kafka_loops(struct ctx *c, const struct ynode *root, const struct tdp_config *cfg)
{
	const struct tdp_sink_cfg *outs[] = { &cfg->sink, &cfg->dead_letter };
	static const char *const names[] = { "sink", "dead_letter" };
	const struct tdp_kafka_cfg *src = cfg->source.type == TDP_SRC_KAFKA ? &cfg->source.kafka : NULL;
	char kp[PATHBUF];

	for (int i = 0; i < 2; i++) {
		const struct tdp_kafka_cfg *k = &outs[i]->kafka;
		if (outs[i]->type != TDP_SINK_KAFKA)
			continue;
		const struct ynode *topic = lookup(lookup(root, names[i]), "topic");
		sub_key(kp, names[i], "topic");
		for (uint32_t t = 0; src && t < src->ntopics; t++)
			if (!strcmp(src->brokers, k->brokers) && !strcmp(src->topics[t], k->topics[0]))
				return expected(c, topic, kp, "a topic the source does not read");
		if (i == 1 && cfg->sink.type == TDP_SINK_KAFKA &&
		    !strcmp(cfg->sink.kafka.brokers, k->brokers) &&
		    !strcmp(cfg->sink.kafka.topics[0], k->topics[0]))
			return expected(c, topic, kp, "a topic other than sink.topic");
	}
	return 0;
}

/* The top-level mapping; rules spanning sections come last. */
static int parse_root(struct ctx *c, const struct ynode *root, struct tdp_config *cfg)
{
	static const char *const keys[] = { "instance", "source", "sink", "dead_letter", "scales",
					    "max_streams", "supervisor", NULL };
	static const char *const required[] = { "instance", "source", "scales", NULL };
	bool dead_set = false;

	if (!root)
		return fail_at(c, 1, 1, "", "expected a mapping of configuration keys, got an empty file");
	if (plain_node(c, root, ""))
		return -1;
	if (is_null(root))
		return fail_at(c, root->line, root->col, "",
			       "expected a mapping of configuration keys, got an empty document");
	if (root->kind != Y_MAP)
		return expected(c, root, "", "a mapping of configuration keys");
	if (check_dups(c, root, "") || check_allowed(c, root, "", keys))
		return -1;
	for (const struct ynode *k = root->head; k; k = k->next->next) {
		const struct ynode *v = k->next;
		const char *key = k->val;
		int rc = 0;
		if (!strcmp(key, "instance"))
			rc = want_name(c, v, "instance",
				       "an instance name of 1 to 31 characters from [A-Za-z0-9_.-]",
				       "_.-", cfg->instance);
		else if (!strcmp(key, "source"))
			rc = parse_source(c, v, &cfg->source);
		else if (!strcmp(key, "sink"))
			rc = parse_output(c, v, "sink", false, &cfg->sink);
		else if (!strcmp(key, "dead_letter")) {
			rc = parse_output(c, v, "dead_letter", true, &cfg->dead_letter);
			dead_set = true;
		}
		else if (!strcmp(key, "scales"))
			rc = parse_scales(c, v, cfg);
		else if (!strcmp(key, "max_streams"))
			rc = want_uint(c, v, "max_streams", NULL, 1, MAX_STREAMS, &cfg->max_streams);
		else if (!strcmp(key, "supervisor"))
			rc = parse_supervisor(c, v, &cfg->supervisor);
		if (rc)
			return -1;
	}
	for (const char *const *r = required; *r; r++)
		if (!require(c, root, "", *r))
			return -1;

	if (!dead_set)
		snprintf(cfg->dead_letter.path, sizeof(cfg->dead_letter.path), "%s-dead-letter.jsonl",
			 cfg->instance);
	/* The instance may come after the source in the file. */
	if (cfg->source.type == TDP_SRC_KAFKA && !cfg->source.kafka.group[0])
		snprintf(cfg->source.kafka.group, sizeof(cfg->source.kafka.group), "tdapipe-%s",
			 cfg->instance);
	/* A udp datagram cannot be held back: block would be a lie. */
	if (!tdp_source_pausable(&cfg->source)) {
		for (uint32_t s = 0; s < cfg->nscales; s++) {
			const struct ynode *v = c->overflow_node[s];
			char path[PATHBUF], sp[PATHBUF];
			if (v && cfg->scales[s].overflow == TDP_OVERFLOW_BLOCK)
				return expected(c, v, sub_key(path, sub_index(sp, "scales", s), "overflow"),
						"drop (a udp source cannot be paused)");
		}
	}
	if (check_clobber(c, root, cfg))
		return -1;
	return check_kafka_loops(c, root, cfg);
}

/* ------------------------------------------------------------ public API */

/* Every field at its documented default; NAME becomes cfg->path. */
static void config_defaults(struct tdp_config *cfg, const char *name)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	cfg->source.type = TDP_SRC_FILE;
	cfg->source.format = TDP_FMT_CSV;
	snprintf(cfg->source.host, sizeof(cfg->source.host), "%s", DEFAULT_HOST);
	cfg->source.stream_column = -1;
	cfg->source.time_column = -1;
	cfg->source.max_record = DEFAULT_MAX_RECORD;
	cfg->source.max_connections = DEFAULT_MAX_CONNECTIONS;
	cfg->source.idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;
	cfg->sink.type = TDP_SINK_STDOUT;
	cfg->sink.format = TDP_FMT_JSONL;
	cfg->dead_letter.type = TDP_SINK_FILE;
	cfg->dead_letter.format = TDP_FMT_JSONL;
	cfg->max_streams = DEFAULT_MAX_STREAMS;
	cfg->supervisor.heartbeat_timeout_ms = DEFAULT_HEARTBEAT_TIMEOUT_MS;
	cfg->supervisor.restart_limit = DEFAULT_RESTART_LIMIT;
	cfg->supervisor.restart_window_s = DEFAULT_RESTART_WINDOW_S;
	cfg->supervisor.backoff_min_ms = DEFAULT_BACKOFF_MIN_MS;
	cfg->supervisor.backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
}

/*
 * Parse TEXT (LEN bytes, no NUL needed) named NAME into *CFG.  *CFG is reset
 * to the defaults first, whatever the outcome, so a caller never sees stale
 * or uninitialised fields.  0, or -1 with one line in ERR.
 */
int tdp_config_parse(const char *text, size_t len, const char *name,
		     struct tdp_config *cfg, char *err, size_t errlen)
{
	struct ctx c = { .name = name ? name : "(config)", .err = err, .errlen = errlen };
	struct ynode *root = NULL;
	int rc;

	if (errlen)
		err[0] = '\0';
	config_defaults(cfg, c.name);
	if (!text) {
		text = "";
		len = 0;
	}
	rc = build_tree(&c, text, len, &root);
	if (!rc)
		rc = parse_root(&c, root, cfg);
	node_free(root);
	return rc;
}

/* What a file that is not a regular file is, for messages. */
static const char *file_kind(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" : S_ISCHR(m) ? "a character device" :
	       S_ISBLK(m) ? "a block device" : S_ISDIR(m) ? "a directory" : "not a regular file";
}

int tdp_config_read(struct tdp_buf *text, const char *path, char *err, size_t errlen)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; the file is
	 * then refused for what it is. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	int rc = fd < 0 || fstat(fd, &st) < 0 ? -errno : 0;
	if (!rc && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: cannot read: %s, not a regular file", path, file_kind(st.st_mode));
		close(fd);
		return -1;
	}
	if (!rc)
		rc = tdp_buf_read_fd(text, fd, MAX_FILE);
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 rc == -EFBIG ? "larger than 16 MiB: not a config" : strerror(-rc));
		return -1;
	}
	return 0;
}

/*
 * Read the whole file PATH and parse it.  An unreadable file (missing,
 * not a regular file, larger than MAX_FILE) is "PATH: cannot read: REASON".
 */
int tdp_config_load(const char *path, struct tdp_config *cfg, char *err, size_t errlen)
{
	struct tdp_buf text;
	tdp_buf_init(&text);
	config_defaults(cfg, path);
	int rc = tdp_config_read(&text, path, err, errlen);
	if (rc == 0)
		rc = tdp_config_parse(text.p, text.len, path, cfg, err, errlen);
	tdp_buf_fini(&text);
	return rc;
}

/* Index of the scale named NAME, or -1 (also for a NULL name). */
int tdp_config_scale_index(const struct tdp_config *cfg, const char *name)
{
	if (!name)
		return -1;
	for (uint32_t s = 0; s < cfg->nscales && s < TDP_MAX_SCALES; s++)
		if (!strcmp(cfg->scales[s].name, name))
			return (int)s;
	return -1;
}

/* A source can be paused when we can stop reading from it and lose nothing:
 * a file, stdin, a tcp connection (the peer sees flow control), a Kafka
 * consumer (the messages wait in the topic).  A udp datagram not read is a
 * datagram lost. */
bool tdp_source_pausable(const struct tdp_source_cfg *src)
{
	return src->type != TDP_SRC_UDP;
}

/* The policy for scale S: explicit, else block for a pausable source and
 * drop for the rest.  An S out of range gets the default. */
enum tdp_overflow tdp_scale_overflow(const struct tdp_config *cfg, uint32_t s)
{
	if (s < cfg->nscales && s < TDP_MAX_SCALES && cfg->scales[s].overflow_set)
		return cfg->scales[s].overflow;
	return tdp_source_pausable(&cfg->source) ? TDP_OVERFLOW_BLOCK : TDP_OVERFLOW_DROP;
}

/* Sublevel filtrations and delay embeddings read a scalar series: points
 * must carry exactly one value. */
bool tdp_scale_needs_scalar(const struct tdp_scale_cfg *sc)
{
	return sc->complex == TDP_COMPLEX_SUBLEVEL || sc->embed_dim > 0;
}

/* The config word for format F ("csv", "jsonl", "msgpack"), "?" if unknown. */
const char *tdp_format_name(enum tdp_format f)
{
	switch (f) {
	case TDP_FMT_CSV: return "csv";
	case TDP_FMT_JSONL: return "jsonl";
	case TDP_FMT_MSGPACK: return "msgpack";
	}
	return "?";
}

/* The config word for complex C ("sublevel", "rips"), "?" if unknown. */
const char *tdp_complex_name(enum tdp_complex c)
{
	switch (c) {
	case TDP_COMPLEX_SUBLEVEL: return "sublevel";
	case TDP_COMPLEX_RIPS: return "rips";
	}
	return "?";
}

int tdp_scale_maxdim(const struct tdp_scale_cfg *sc)
{
	return 31 - __builtin_clz(sc->dims_mask ? sc->dims_mask : 1);
}

uint32_t tdp_scale_dim_cap(const struct tdp_scale_cfg *sc, int d)
{
	/* H0 has at most one interval per point; higher dimensions are capped
	 * at twice that, keeping the most persistent (results say so). */
	return d == 0 ? sc->window : 2 * sc->window;
}

uint64_t tdp_scale_max_intervals(const struct tdp_scale_cfg *sc)
{
	uint64_t total = 0;
	for (int d = 0; d < TDP_MAX_HDIM; d++)
		if (sc->dims_mask & (1u << d))
			total += tdp_scale_dim_cap(sc, d);
	return total;
}
