#include "common/log.h"
#include "common/clock.h"
#include "common/config_metrics.h"
#include "common/json.h"
#include "common/wallclock.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char prog[64] = "tdapipe";
static char scale[64];
static int format = TDP_LOG_TEXT;

void tdp_log_init(const char *progname)
{
	snprintf(prog, sizeof(prog), "%s", progname);
}

void tdp_log_set_scale(const char *name)
{
	snprintf(scale, sizeof(scale), "%s", name ? name : "");
}

void tdp_log_set_format(int f)
{
	format = f == TDP_LOG_JSON ? TDP_LOG_JSON : TDP_LOG_TEXT;
}

static const char *level_name(enum tdp_log_level l)
{
	return l == TDP_LOG_ERROR ? "error" : l == TDP_LOG_WARN ? "warn" : "info";
}

/* Append S to OUT[*n] as the inside of a JSON string, escaped (RFC 8259;
 * a byte that is not part of valid UTF-8 as \u00XX, like tdp_json_string),
 * stopping before an escape or character that would pass LIMIT. */
static void json_escape(char *out, size_t *n, size_t limit, const char *s)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		size_t k = 1;
		const char *piece = esc;
		if (c == '"' || c == '\\') {
			esc[0] = '\\', esc[1] = (char)c, k = 2;
		} else if (c == '\n' || c == '\t' || c == '\r') {
			esc[0] = '\\', esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r', k = 2;
		} else if (c < 0x20 || c == 0x7f) {
			k = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", c);
		} else if (c < 0x80) {
			esc[0] = (char)c;
		} else {
			size_t want = c >= 0xf0 && c < 0xf8 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
			if (want && want <= len - i && tdp_utf8_check(s + i, want) == want) {
				piece = s + i, k = want;
			} else {
				k = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", c);
				want = 1;
			}
			if (*n + k > limit)
				return;
			memcpy(out + *n, piece, k);
			*n += k;
			i += want;
			continue;
		}
		if (*n + k > limit)
			return;
		memcpy(out + *n, piece, k);
		*n += k;
		i++;
	}
}

static void put(char *out, size_t cap, size_t *n, const char *s)
{
	size_t k = strlen(s);
	if (k > cap - *n)
		k = cap - *n;
	memcpy(out + *n, s, k);
	*n += k;
}

size_t tdp_log_format_line(char *out, size_t cap, const struct tdp_log_line *l)
{
	char when[TDP_RFC3339_LEN], head[256];
	bool has_scale = l->scale && l->scale[0];
	size_t n = 0;
	tdp_rfc3339_ms(when, l->wall_ns);
	if (l->format == TDP_LOG_JSON) {
		/* prog and scale are ours (names the config checked); escaped all the same. */
		put(out, cap - 3, &n, "{\"time\":\"");
		put(out, cap - 3, &n, when);
		snprintf(head, sizeof(head), "\",\"level\":\"%s\",\"process\":\"", level_name(l->level));
		put(out, cap - 3, &n, head);
		json_escape(out, &n, cap - 3, l->prog);
		snprintf(head, sizeof(head), "\",\"pid\":%d,\"scale\":", l->pid);
		put(out, cap - 3, &n, head);
		if (has_scale) {
			put(out, cap - 3, &n, "\"");
			json_escape(out, &n, cap - 4, l->scale);
			put(out, cap - 3, &n, "\"");
		} else {
			put(out, cap - 3, &n, "null");
		}
		put(out, cap - 3, &n, ",\"msg\":\"");
		json_escape(out, &n, cap - 3, l->msg);
		memcpy(out + n, "\"}\n", 3);
		return n + 3;
	}
	snprintf(head, sizeof(head), "%s %s %s[%d]%s%s: ", when, level_name(l->level), l->prog, l->pid,
		 has_scale ? " scale=" : "", has_scale ? l->scale : "");
	put(out, cap - 1, &n, head);
	put(out, cap - 1, &n, l->msg);
	/* A message's own newlines would split the line in two. */
	for (size_t i = 0; i < n; i++)
		if (out[i] == '\n')
			out[i] = ' ';
	out[n++] = '\n';
	return n;
}

static void vlog(enum tdp_log_level level, const char *fmt, va_list ap, uint64_t held)
{
	char msg[2048], line[4096];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t len = strlen(msg);
	if (held)
		snprintf(msg + len, sizeof(msg) - len, " (and %llu more like it since the last such line)",
			 (unsigned long long)held);
	struct tdp_log_line l = {format, tdp_wall_ns(), level, prog, (int)getpid(), scale, msg};
	len = tdp_log_format_line(line, sizeof(line), &l);
	/* One write per line so lines of concurrent processes do not interleave. */
	ssize_t rc = write(STDERR_FILENO, line, len);
	(void)rc;
}

#define LOG_AT(level)                      \
	do {                               \
		va_list ap;                \
		va_start(ap, fmt);         \
		vlog(level, fmt, ap, 0);   \
		va_end(ap);                \
	} while (0)

void tdp_log(const char *fmt, ...) { LOG_AT(TDP_LOG_INFO); }
void tdp_log_warn(const char *fmt, ...) { LOG_AT(TDP_LOG_WARN); }
void tdp_log_error(const char *fmt, ...) { LOG_AT(TDP_LOG_ERROR); }

void tdp_log_limited(struct tdp_log_limit *l, const char *fmt, ...)
{
	uint64_t now = tdp_now_ns();
	if (now < l->next_ns) {
		l->held++;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vlog(TDP_LOG_WARN, fmt, ap, l->held);
	va_end(ap);
	l->held = 0;
	l->next_ns = now + 1000000000ull;
}
