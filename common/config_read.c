/*
 * config_read.c - typed readers of config values, and their messages
 *
 *   FILE:LINE:COL: PATH: expected WHAT, got "VALUE"
 *
 * Each reader takes a node of the tree (common/yaml_tree.h) and its PATH,
 * stores a checked value or reports the first problem.  Nothing here knows
 * which keys a config has: that is config_schema.c and config.c.
 */
#include "common/config_read.h"
#include "common/config.h"
#include "common/duration.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * Write "NAME:LINE:COL: PATH: <fmt...>" into the error buffer (PATH and its
 * colon left out when empty, for problems with the document as a whole).
 * Always returns -1 so callers can "return fail(...)".
 */
int tdp_cfg_fail(struct tdp_cfg_ctx *c, unsigned line, unsigned col, const char *path, const char *fmt, ...)
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
const char *tdp_cfg_got(const struct tdp_ynode *n, char *buf, size_t size)
{
	if (n->kind == TDP_Y_MAP)
		return "a mapping";
	if (n->kind == TDP_Y_SEQ)
		return "a sequence";
	size_t o = 0, max = 60;
	const char *prefix = n->kind == TDP_Y_ALIAS ? "*" : "";

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
int tdp_cfg_expected(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, const char *what)
{
	char g[256];
	return tdp_cfg_fail(c, n->line, n->col, path, "expected %s, got %s", what, tdp_cfg_got(n, g, sizeof(g)));
}
/* PATH + ".key" into OUT (TDP_CFG_PATH_MAX bytes); only a long unknown key can fill
 * it, and then the cut is marked with "...". */
const char *tdp_cfg_key_path(char *out, const char *path, const char *key)
{
	if (snprintf(out, TDP_CFG_PATH_MAX, "%s%s%s", path, *path ? "." : "", key) >= TDP_CFG_PATH_MAX)
		memcpy(out + TDP_CFG_PATH_MAX - 4, "...", 4);
	return out;
}

/* PATH + "[i]" into OUT (TDP_CFG_PATH_MAX bytes). */
const char *tdp_cfg_index_path(char *out, const char *path, size_t i)
{
	if (snprintf(out, TDP_CFG_PATH_MAX, "%s[%zu]", path, i) >= TDP_CFG_PATH_MAX)
		memcpy(out + TDP_CFG_PATH_MAX - 4, "...", 4);
	return out;
}

/*
 * Refuse the YAML features a config has no use for: an alias, an anchor or
 * an explicit tag on N.  Their meaning would be invisible in the message
 * otherwise (an alias silently copies a node, a tag changes its type).
 */
int tdp_cfg_plain(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path)
{
	if (n->kind == TDP_Y_ALIAS)
		return tdp_cfg_fail(c, n->line, n->col, path,
			       "expected a plain value (anchors and aliases are not supported), got \"*%s\"",
			       n->val);
	if (n->anchor)
		return tdp_cfg_fail(c, n->line, n->col, path,
			       "expected a plain value (anchors and aliases are not supported), got \"&%s\"",
			       n->anchor);
	if (n->tag)
		return tdp_cfg_fail(c, n->line, n->col, path,
			       "expected a plain value (tags are not supported), got \"%s\"", n->tag);
	return 0;
}

/* N must be a mapping. */
int tdp_cfg_want_map(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, const char *what)
{
	if (tdp_cfg_plain(c, n, path))
		return -1;
	return n->kind == TDP_Y_MAP ? 0 : tdp_cfg_expected(c, n, path, what);
}

/* Key text of a mapping key node, which must be a plain scalar. */
static int key_of(struct tdp_cfg_ctx *c, const struct tdp_ynode *k, const char *path)
{
	if (tdp_cfg_plain(c, k, path))
		return -1;
	if (k->kind != TDP_Y_SCALAR || tdp_ynode_is_null(k) || memchr(k->val, '\0', k->len))
		return tdp_cfg_expected(c, k, path, "a key name");
	return 0;
}

/*
 * Check the keys of mapping M at PATH: each a name, none twice.  Runs before
 * any value is looked at, so a repeated key is never half-applied.
 */
int tdp_cfg_check_dups(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path)
{
	for (const struct tdp_ynode *k = m->head; k; k = k->next->next) {
		if (key_of(c, k, path))
			return -1;
		for (const struct tdp_ynode *e = m->head; e != k; e = e->next->next) {
			if (e->len == k->len && !memcmp(e->val, k->val, k->len)) {
				char kp[TDP_CFG_PATH_MAX];
				return tdp_cfg_fail(c, k->line, k->col, tdp_cfg_key_path(kp, path, k->val),
					       "duplicate key (first given at line %u)", e->line);
			}
		}
	}
	return 0;
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

/* The value of the required KEY in mapping M, or an error at M. */
const struct tdp_ynode *tdp_cfg_require(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path,
				   const char *key)
{
	const struct tdp_ynode *v = tdp_ynode_lookup(m, key);
	if (!v)
		tdp_cfg_fail(c, m->line, m->col, path, "missing required key \"%s\"", key);
	return v;
}

/*
 * A scalar that stands for text (names, paths, enum words).  Quoted or not
 * is all the same here; a null, a container or embedded NUL is refused.
 */
int tdp_cfg_want_text(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, const char *what)
{
	if (tdp_cfg_plain(c, n, path))
		return -1;
	if (n->kind != TDP_Y_SCALAR || tdp_ynode_is_null(n) || memchr(n->val, '\0', n->len))
		return tdp_cfg_expected(c, n, path, what);
	return 0;
}

/*
 * A decimal integer in [LO, HI] into *OUT: digits only, no sign, no leading
 * zero, no quotes - "0x10", "1e3", "3.5", "-3", "+3", "010" and "\"3\"" are
 * all refused, because YAML 1.1 would read some of them in surprising ways.
 * WHAT describes the expectation; NULL makes one from LO and HI.
 */
int tdp_cfg_want_uint(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, const char *what,
		     uint32_t lo, uint32_t hi, uint32_t *out)
{
	char w[128];
	bool syntax_ok = true, too_big = false;
	uint64_t v = 0;

	if (tdp_cfg_plain(c, n, path))
		return -1;
	if (n->kind != TDP_Y_SCALAR || n->quoted || n->len == 0 || (n->len > 1 && n->val[0] == '0'))
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
	if (n->kind == TDP_Y_SCALAR && n->quoted) {
		char g[256];
		return tdp_cfg_fail(c, n->line, n->col, path, "expected %s, got the quoted string %s",
			       what, tdp_cfg_got(n, g, sizeof(g)));
	}
	return tdp_cfg_expected(c, n, path, what);
}

/*
 * A length of time in milliseconds: an integer with a unit (ms s m h, as
 * in "250ms", "30s", "5m"), or a bare integer of milliseconds, like the
 * other timeouts.  From LO to HI milliseconds.
 */
int tdp_cfg_want_duration_ms(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, uint32_t lo,
			    uint32_t hi, uint32_t *out)
{
	char w[160];
	uint64_t ns;
	if (tdp_cfg_plain(c, n, path))
		return -1;
	int rc = n->kind == TDP_Y_SCALAR && !n->quoted ? tdp_duration_parse(n->val, n->len, 1000000, &ns) : -1;
	if (rc == 0 && ns % 1000000 == 0 && ns / 1000000 >= lo && ns / 1000000 <= hi) {
		*out = (uint32_t)(ns / 1000000);
		return 0;
	}
	snprintf(w, sizeof(w), "a duration from %ums to %ums in whole milliseconds: an integer with a "
		 "unit ms, s, m or h (\"30s\"), or a bare number of milliseconds", lo, hi);
	return tdp_cfg_expected(c, n, path, w);
}

int tdp_cfg_want_duration_ns(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, uint64_t lo,
			    uint64_t hi, const char *what, uint64_t *out)
{
	uint64_t ns;
	if (tdp_cfg_plain(c, n, path))
		return -1;
	bool zero = n->kind == TDP_Y_SCALAR && !n->quoted && !strcmp(n->val, "0");
	int rc = zero ? (ns = 0, 0) :
		 n->kind == TDP_Y_SCALAR && !n->quoted ? tdp_duration_parse(n->val, n->len, 0, &ns) : -1;
	if (rc == 0 && ns >= lo && ns <= hi) {
		*out = ns;
		return 0;
	}
	return tdp_cfg_expected(c, n, path, what);
}

/* true or false, unquoted, into *OUT. */
int tdp_cfg_want_bool(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, bool *out)
{
	if (tdp_cfg_plain(c, n, path))
		return -1;
	if (n->kind == TDP_Y_SCALAR && !n->quoted && !strcmp(n->val, "true")) {
		*out = true;
		return 0;
	}
	if (n->kind == TDP_Y_SCALAR && !n->quoted && !strcmp(n->val, "false")) {
		*out = false;
		return 0;
	}
	return tdp_cfg_expected(c, n, path, "true or false");
}

/* One of the NULL-terminated NAMES; its index into *OUT. */
int tdp_cfg_want_enum(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path,
		     const char *const *names, int *out)
{
	char what[160], list[128];
	size_t count = 0;

	if (tdp_cfg_plain(c, n, path))
		return -1;
	for (; names[count]; count++) {
		if (n->kind == TDP_Y_SCALAR && n->len == strlen(names[count]) &&
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
	return tdp_cfg_expected(c, n, path, what);
}

/* Text into OUT (SIZE bytes with the NUL); longer is an error. */
int tdp_cfg_want_string(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, const char *what,
		       char *out, size_t size)
{
	if (tdp_cfg_want_text(c, n, path, what))
		return -1;
	if (n->len >= size) {
		char w[160];
		snprintf(w, sizeof(w), "%s shorter than %zu bytes", what, size);
		return tdp_cfg_expected(c, n, path, w);
	}
	memcpy(out, n->val, n->len + 1);
	return 0;
}

/* Whether scalar N has 1..MAX-1 characters, each alphanumeric or in EXTRA. */
bool tdp_cfg_name_chars(const struct tdp_ynode *n, size_t max, const char *extra)
{
	bool ok = n->kind == TDP_Y_SCALAR && n->len >= 1 && n->len < max;
	for (size_t i = 0; ok && i < n->len; i++) {
		char ch = n->val[i];
		ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		     (ch >= '0' && ch <= '9') || (ch && strchr(extra, ch));
	}
	return ok;
}

/* A name of 1..TDP_NAME_MAX-1 characters, each alphanumeric or in EXTRA. */
int tdp_cfg_want_name(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, const char *what,
		     const char *extra, char *out)
{
	if (tdp_cfg_plain(c, n, path))
		return -1;
	if (!tdp_cfg_name_chars(n, TDP_NAME_MAX, extra))
		return tdp_cfg_expected(c, n, path, what);
	memcpy(out, n->val, n->len + 1);
	return 0;
}

/* A finite decimal number (no quotes, no hex, no .inf / .nan: YAML's
 * spellings of those are refused) into *OUT, or false. */
static bool plain_decimal(const struct tdp_ynode *n, double *out)
{
	char buf[64];
	if (n->kind != TDP_Y_SCALAR || n->quoted || n->len == 0 || n->len >= sizeof(buf))
		return false;
	for (size_t i = 0; i < n->len; i++)
		if (!strchr("0123456789.eE+-", n->val[i]))
			return false;
	memcpy(buf, n->val, n->len);
	buf[n->len] = 0;
	char *end;
	double v = strtod(buf, &end);
	if (*end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

/* A finite number > 0, written as a plain decimal. */
int tdp_cfg_want_number(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, double *out)
{
	double v;
	if (tdp_cfg_plain(c, n, path))
		return -1;
	if (!plain_decimal(n, &v) || !(v > 0))
		return tdp_cfg_expected(c, n, path, "a positive finite number");
	*out = v;
	return 0;
}

int tdp_cfg_want_real(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, double *out)
{
	if (tdp_cfg_plain(c, n, path))
		return -1;
	if (!plain_decimal(n, out))
		return tdp_cfg_expected(c, n, path, "a finite number");
	return 0;
}

int tdp_cfg_want_set(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, const char *what,
		     const char *once, tdp_cfg_item_fn *item, const void *arg, uint32_t *mask)
{
	char ip[TDP_CFG_PATH_MAX];
	size_t i = 0;
	*mask = 0;
	if (tdp_cfg_plain(c, n, path))
		return -1;
	if (n->kind != TDP_Y_SEQ)
		return tdp_cfg_expected(c, n, path, what);
	if (!n->n)
		return tdp_cfg_fail(c, n->line, n->col, path, "expected %s, got an empty list", what);
	for (const struct tdp_ynode *e = n->head; e; e = e->next, i++) {
		unsigned bit;
		tdp_cfg_index_path(ip, path, i);
		if (item(c, e, ip, arg, &bit))
			return -1;
		if (*mask & (1u << bit))
			return tdp_cfg_expected(c, e, ip, once);
		*mask |= 1u << bit;
	}
	return 0;
}

bool tdp_cfg_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (!strcmp(a, b))
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
