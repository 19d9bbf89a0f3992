/*
 * persistence_config.c - `tdapipe persistence --config FILE --scale NAME
 * [INPUT|-]`: one scale of a pipeline config, run offline on a file or
 * standard input, printing the results the pipeline would publish for it.
 *
 * Why it runs the pipeline's own processes rather than a copy of their
 * logic: "the same numbers as the pipeline" then holds by construction,
 * for every source format and field selection, window kind (counts or
 * event time, lateness), embedding, feature and distance, now and after
 * any change to them.  The config is cut down to what an offline run of
 * that scale needs and written, with a private instance name, state
 * directory and outputs, into a temporary directory that is removed
 * afterwards:
 *   source   type file (or stdin), INPUT, and every key of the config's
 *            source that says how records read (format, header, fields,
 *            time unit, lateness, extra keys, record size); the keys of
 *            sockets and Kafka left out;
 *   sink     standard output, in the config's sink format;
 *   scales   the one named, as written.
 * Dead letters and the run's log are kept aside and shown on standard
 * error at the end (the log only when the run failed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/persistence_config.h"
#include "common/buf.h"
#include "common/config.h"
#include "common/exitcode.h"
#include "common/yaml_tree.h"

/* Source keys that say how a record reads, copied as written. */
static const char *const record_keys[] = {
	"format", "header", "stream", "time", "values", "stream_column", "time_column", "time_unit",
	"lateness", "extra", "max_record", NULL,
};

static bool listed(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

/* ------------------------------------------------------------ emitting */

/* S as a YAML double-quoted scalar. */
static void put_quoted(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void put_scalar(FILE *f, const struct tdp_ynode *n)
{
	if (n->quoted)
		put_quoted(f, n->val, n->len);
	else
		fwrite(n->val, 1, n->len, f);   /* plain in the file: plain here, typed the same */
}

static void put_node(FILE *f, const struct tdp_ynode *n, int indent);

static void put_indent(FILE *f, int indent)
{
	fprintf(f, "%*s", indent, "");
}

/* A value after "key:" or "- ": scalars and empty collections on the same
 * line, the others on the lines below, indented. */
static void put_value(FILE *f, const struct tdp_ynode *v, int indent)
{
	if (v->kind == TDP_Y_SCALAR || v->kind == TDP_Y_ALIAS || !v->n) {
		fputc(' ', f);
		if (v->kind == TDP_Y_MAP)
			fputs("{}", f);
		else if (v->kind == TDP_Y_SEQ)
			fputs("[]", f);
		else
			put_scalar(f, v);
		fputc('\n', f);
		return;
	}
	fputc('\n', f);
	put_node(f, v, indent + 2);
}

/* Block style, which takes every plain scalar a flow collection can hold. */
static void put_node(FILE *f, const struct tdp_ynode *n, int indent)
{
	if (n->kind == TDP_Y_MAP) {
		for (const struct tdp_ynode *k = n->head; k && k->next; k = k->next->next) {
			put_indent(f, indent);
			put_scalar(f, k);
			fputc(':', f);
			put_value(f, k->next, indent);
		}
	} else if (n->kind == TDP_Y_SEQ) {
		for (const struct tdp_ynode *e = n->head; e; e = e->next) {
			put_indent(f, indent);
			fputc('-', f);
			put_value(f, e, indent);
		}
	} else {
		put_indent(f, indent);
		put_scalar(f, n);
		fputc('\n', f);
	}
}

/* ------------------------------------------------------------- the run */

struct offline {
	char dir[256];             /* the temporary directory */
	char yaml[300], dead[300], log[300], events[4096], state[300];
};

static int fail(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("tdapipe persistence: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* The scale's node in ROOT's scales sequence. */
static const struct tdp_ynode *scale_node(const struct tdp_ynode *root, const char *name)
{
	const struct tdp_ynode *scales = tdp_ynode_lookup(root, "scales");
	for (const struct tdp_ynode *s = scales ? scales->head : NULL; s; s = s->next) {
		const struct tdp_ynode *v = tdp_ynode_lookup(s, "name");
		if (v && v->kind == TDP_Y_SCALAR && !strcmp(v->val, name))
			return s;
	}
	return NULL;
}

/* The cut-down config (file comment) for scale SC into O->yaml. */
static int write_config(const struct offline *o, const struct tdp_config *cfg, const struct tdp_ynode *root,
			const struct tdp_scale_cfg *sc, const char *input)
{
	FILE *f = fopen(o->yaml, "w");
	if (!f)
		return fail(TDP_EXIT_SYSTEM, "%s: %s", o->yaml, strerror(errno));
	fprintf(f, "instance: persistence-%ld\n", (long)getpid());
	fputs("source:\n", f);
	if (strcmp(input, "-")) {
		fputs("  type: file\n  path: ", f);
		put_quoted(f, input, strlen(input));
		fputc('\n', f);
	} else {
		fputs("  type: stdin\n", f);
	}
	const struct tdp_ynode *src = tdp_ynode_lookup(root, "source");
	for (const struct tdp_ynode *k = src ? src->head : NULL; k && k->next; k = k->next->next) {
		if (!listed(record_keys, k->val))
			continue;
		if (!strcmp(k->val, "lateness") && !sc->timed && !sc->join.on)
			continue;   /* only time windows and joins wait for late points (a config error otherwise) */
		fputs("  ", f);
		put_scalar(f, k);
		fputc(':', f);
		put_value(f, k->next, 2);
	}
	fprintf(f, "sink: {type: stdout, format: %s}\n", tdp_format_name(cfg->sink.format));
	fputs("dead_letter: {type: file, path: ", f);
	put_quoted(f, o->dead, strlen(o->dead));
	fputs("}\n", f);
	if (tdp_scale_has_events(sc)) {
		fputs("events: {type: file, path: ", f);
		put_quoted(f, o->events, strlen(o->events));
		fputs("}\n", f);
	}
	fputs("state: {dir: ", f);
	put_quoted(f, o->state, strlen(o->state));
	fprintf(f, "}\nmax_streams: %u\nscales:\n  -", cfg->max_streams);
	put_value(f, scale_node(root, sc->name), 2);
	if (fclose(f) != 0)
		return fail(TDP_EXIT_SYSTEM, "%s: %s", o->yaml, strerror(errno));
	return 0;
}

/* `tdapipe run --fresh -c O->yaml` in a child whose standard error is
 * O->log: the supervisor's own messages are not the results' business. */
static int run_child(const struct offline *o)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return fail(TDP_EXIT_SYSTEM, "fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(o->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(TDP_EXIT_SYSTEM);
		char *argv[] = {"tdapipe", "run", "--fresh", "-c", (char *)o->yaml, NULL};
		_exit(cli_exec_cmd(argv));
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fail(TDP_EXIT_SYSTEM, "waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : TDP_EXIT_SYSTEM;
}

/* PATH's bytes onto standard error (after PREFIX, when it has any). */
static void show(const char *path, const char *prefix)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char buf[8192];
	size_t n;
	bool first = true;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (first && prefix)
			fputs(prefix, stderr);
		first = false;
		fwrite(buf, 1, n, stderr);
	}
	fclose(f);
}

/* Remove what the run left in O->dir (files and the state directory). */
static void clean(const struct offline *o)
{
	char p[256];
	const char *files[] = {o->yaml, o->dead, o->log, o->events};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	const char *state_files[] = {"checkpoint", "checkpoint.tmp", "lock"};
	for (size_t i = 0; i < sizeof(state_files) / sizeof(state_files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", o->state, state_files[i]);
		unlink(p);
	}
	if (rmdir(o->state) < 0 && errno != ENOENT)
		fprintf(stderr, "tdapipe persistence: left %s behind: %s\n", o->state, strerror(errno));
	rmdir(o->dir);
}

int persistence_config_run(const char *config, const char *scale, const char *input, const char *events)
{
	struct tdp_config *cfg = calloc(1, sizeof(*cfg));
	struct tdp_buf text;
	struct tdp_ynode *root = NULL;
	char err[1024];
	int rc;
	if (!cfg)
		return fail(TDP_EXIT_SYSTEM, "out of memory");
	tdp_buf_init(&text);
	if (tdp_config_load(config, cfg, err, sizeof(err)) < 0) {
		rc = fail(TDP_EXIT_USAGE, "%s", err);
		goto out;
	}
	int s = tdp_config_scale_index(cfg, scale);
	if (s < 0) {
		char names[TDP_MAX_SCALES * (TDP_NAME_MAX + 2)] = "";
		for (uint32_t i = 0; i < cfg->nscales; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
				 cfg->scales[i].name);
		rc = fail(TDP_EXIT_USAGE, "--scale: %s has no scale \"%s\" (its scales: %s)", config, scale, names);
		goto out;
	}
	if (cfg->source.type == TDP_SRC_KAFKA && cfg->source.event_time == TDP_TIME_KAFKA) {
		rc = fail(TDP_EXIT_USAGE, "%s: the source takes event time from Kafka message timestamps, "
			  "which a file does not have", config);
		goto out;
	}
	if (!tdp_scale_has_events(&cfg->scales[s]) && events) {
		rc = fail(TDP_EXIT_USAGE, "--events: scale \"%s\" makes no events (no track or anomaly)", scale);
		goto out;
	}
	struct tdp_yaml_error ye;
	if (tdp_config_read(&text, config, err, sizeof(err)) < 0 ||
	    tdp_yaml_parse(text.p, text.len, &root, &ye) < 0 || !root) {
		rc = fail(TDP_EXIT_USAGE, "%s: cannot read it again", config);
		goto out;
	}
	struct offline o;
	const char *tmp = getenv("TMPDIR");
	snprintf(o.dir, sizeof(o.dir), "%s/tdapipe-persistence.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(o.dir)) {
		rc = fail(TDP_EXIT_SYSTEM, "mkdtemp: %s", strerror(errno));
		goto out;
	}
	snprintf(o.yaml, sizeof(o.yaml), "%s/config.yaml", o.dir);
	snprintf(o.dead, sizeof(o.dead), "%s/dead.jsonl", o.dir);
	snprintf(o.log, sizeof(o.log), "%s/run.log", o.dir);
	snprintf(o.state, sizeof(o.state), "%s/state", o.dir);
	if (events)
		snprintf(o.events, sizeof(o.events), "%s", events);
	else
		snprintf(o.events, sizeof(o.events), "%s/events.jsonl", o.dir);
	rc = write_config(&o, cfg, root, &cfg->scales[s], input);
	if (!rc) {
		rc = run_child(&o);
		show(o.dead, "tdapipe persistence: dead letters (records the scale could not use):\n");
		if (rc)
			show(o.log, "tdapipe persistence: the run failed; its log:\n");
	}
	if (events)
		o.events[0] = '\0';   /* the user's file stays */
	clean(&o);
out:
	tdp_yaml_free(root);
	tdp_buf_fini(&text);
	free(cfg);
	return rc;
}
