/*
 * crash_steps BIN DIR - the crash-safety protocols of the scale worker,
 * publish and ingest, with a SIGKILL injected at every step; run by
 * tests/integration/crash_steps.sh (BIN: where tdapipe-* are, DIR: an
 * empty directory for inputs and outputs).  Exit 0 when every step's
 * output equals the clean run's, 1 (cmocka's report) when one does not.
 *
 * For each program, a clean run on a fresh segment gives the reference.
 * Then for i = 1, 2, ...: a fresh segment with the same input, the real
 * program (BIN/tdapipe-*) started with TDAPIPE_CRASH_AT=i, so that it kills
 * itself at its i-th crash point (common/commit.h: between two stores that
 * must survive a kill), then started again to finish.  What it produced
 * must equal the reference exactly: nothing lost, nothing twice.  The
 * sweep ends at the first i the program finishes before reaching.
 * This process plays the supervisor and the neighbours: it creates the
 * segment, fills in-rings, and reads out-rings.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/commit.h"
#include "common/config.h"
#include "common/ring.h"
#include "common/shm.h"
#include "tests/unit/fixture.h"

static const char *bin;
static const char *dir;
static char inst[64];
static const char *child_stdout;   /* a file for the children's standard output, or NULL */

/* The config (YAML without its instance) and the segment made of it
 * afresh for every run: instance crash-PID. */
struct fixture {
	char yaml[2048];
	struct seg_fixture sf;
	bool timed;   /* points carry event times (time scales) */
	char stdout_path[256];   /* the children's standard output ("": the tool's) */
};

static void path_in(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void seg_create(struct fixture *f)
{
	if (seg_from_yaml(&f->sf, SEG_SHM, "crash", f->yaml) < 0)
		fail_msg("no segment for the config:\n%s", f->yaml);
	snprintf(inst, sizeof(inst), "%s", f->sf.cfg.instance);
	child_stdout = f->stdout_path[0] ? f->stdout_path : NULL;
	/* as the supervisor does: outputs start empty */
	const struct tdp_sink_cfg *outs[2] = {&f->sf.cfg.sink, &f->sf.cfg.dead_letter};
	for (int i = 0; i < 2; i++)
		if (outs[i]->type == TDP_SINK_FILE)
			close(open(outs[i]->path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	if (f->sf.cfg.events.on && f->sf.cfg.events.type == TDP_SINK_FILE)
		close(open(f->sf.cfg.events.path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	if (f->stdout_path[0])
		close(open(f->stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
}

static void seg_destroy(struct fixture *f)
{
	seg_fixture_fini(&f->sf);
}

/* Run tdapipe-PROG on the instance, dying at step CRASH_AT (0: never).
 * Returns 0 when it finished (exit 0), 1 when it was killed. */
static int run(const char *prog, const char *scale, uint64_t crash_at)
{
	char path[512], log[256], at[32];
	snprintf(path, sizeof(path), "%s/tdapipe-%s", bin, prog);
	path_in(log, sizeof(log), "child.log");
	snprintf(at, sizeof(at), "%llu", (unsigned long long)crash_at);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		/* not O_APPEND, as a shell's > opens it: publish writes at offsets */
		if (child_stdout && (fd = open(child_stdout, O_WRONLY)) >= 0)
			dup2(fd, STDOUT_FILENO);
		if (crash_at)
			setenv("TDAPIPE_CRASH_AT", at, 1);
		else
			unsetenv("TDAPIPE_CRASH_AT");
		if (scale)
			execl(path, path, "--instance", inst, "--scale", scale, (char *)NULL);
		else
			execl(path, path, "--instance", inst, (char *)NULL);
		_exit(127);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		return 1;
	fail_msg("%s (crash at %llu): unexpected %s %d, see %s", prog, (unsigned long long)crash_at,
		 WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
		 log);
	return -1;
}

/*
 * The sweep: ONCE(CTX, crash_at, out) sets up a fresh segment, runs the
 * program dying at step crash_at (0: never) and again to finish, and puts
 * what it produced in OUT; it returns whether the first run was killed.
 * Every step's output must equal the clean run's; returns the steps swept.
 */
typedef int (*once_fn)(void *ctx, uint64_t crash_at, struct tdp_buf *out);

static uint64_t sweep(const char *what, once_fn once, void *ctx, size_t min_ref)
{
	struct tdp_buf ref, got;
	tdp_buf_init(&ref);
	tdp_buf_init(&got);
	assert_int_equal(once(ctx, 0, &ref), 0);
	assert_true(ref.len > min_ref);
	uint64_t i;
	for (i = 1;; i++) {
		tdp_buf_reset(&got);
		int killed = once(ctx, i, &got);
		if (got.len != ref.len || memcmp(got.p, ref.p, ref.len)) {
			size_t at = 0;
			while (at < got.len && at < ref.len && got.p[at] == ref.p[at])
				at++;
			print_message("first difference at byte %zu of %zu\n", at, ref.len);
			for (size_t k = at & ~(size_t)7; k + 8 <= ref.len && k < (at & ~(size_t)7) + 96; k += 8) {
				uint64_t a, b;
				memcpy(&a, ref.p + k, 8);
				memcpy(&b, got.p + k, 8);
				print_message("  +%zu: clean %llx, killed %llx\n", k, (unsigned long long)a, (unsigned long long)b);
			}
		}
		if (got.len != ref.len || memcmp(got.p, ref.p, ref.len))
			fail_msg("%s killed at step %llu: output differs from a clean run's (%zu vs %zu bytes)", what,
				 (unsigned long long)i, got.len, ref.len);
		if (!killed)
			break;
	}
	print_message("%s: killed at each of %llu steps in turn, output identical\n", what,
		      (unsigned long long)i - 1);
	tdp_buf_fini(&ref);
	tdp_buf_fini(&got);
	return i - 1;
}

/* ---- the scale worker ---------------------------------------------- */

static void intern(struct fixture *f, uint32_t i, const char *name, uint64_t total)
{
	struct tdp_stream *st = tdp_shm_stream(&f->sf.seg, i);
	snprintf(st->name, sizeof(st->name), "%s", name);
	st->next_seq = total;
	st->dim = 1;
	f->sf.seg.hdr->nstreams = i + 1;
}

static void push(struct fixture *f, uint32_t s, uint32_t stream, uint64_t seq, uint16_t dim)
{
	struct tdp_point p;
	memset(&p, 0, sizeof(p));
	p.seq = seq;
	if (f->timed) {
		/* times in disorder (within the lateness), ties, before 1970 */
		p.t = 3 * (int64_t)seq + (int64_t)((seq * 7 + stream) % 5) - 2 - 30;
		p.flags = TDP_POINT_TIMED;
	} else {
		p.t = 1000 + (int64_t)seq;
	}
	p.stream = stream;
	p.dim = dim;
	for (uint16_t d = 0; d < dim; d++)
		p.v[d] = (double)((seq * 7919 + d * 31 + stream * 5) % 13);   /* with ties */
	if (dim == 2 && seq % 5 == 3)
		p.v[1] = NAN;   /* absent: a scale taking coordinate 1 refuses it */
	assert_true(tdp_point_push(tdp_shm_in_ring(&f->sf.seg, s), tdp_shm_in_slots(&f->sf.seg, s), &p));
}

/* Two streams into each scale, with points lost in the middle and at the
 * end, and ingest done.  A scale taking coordinate 1 (value: 1) gets
 * stream a in 2-D with that coordinate absent now and then, and stream b
 * in 1-D: points it refuses (common/scale_take.h), some, then all. */
static void fill_in_rings(struct fixture *f)
{
	intern(f, 0, "a", 64);
	intern(f, 1, "b", 50);
	for (uint32_t s = 0; s < f->sf.cfg.nscales; s++)
		if (f->sf.cfg.scales[s].join.on)
			intern(f, 2, f->sf.cfg.scales[s].name, 0);   /* as ingest does (ingest/join_streams.c) */
	for (uint32_t s = 0; s < f->sf.cfg.nscales; s++) {
		const struct tdp_scale_cfg *sc = &f->sf.cfg.scales[s];
		uint16_t dim = (sc->complex == TDP_COMPLEX_RIPS && !sc->join.on) || sc->values.n ? 2 : 1;
		for (uint64_t seq = 0; seq < 60; seq++) {
			if (seq != 17 && seq != 18 && seq != 40)
				push(f, s, 0, seq, dim);
			if (seq < 50)
				push(f, s, 1, seq, sc->values.n ? 1 : dim);
		}
	}
	f->sf.seg.hdr->ingest_done = 1;
}

/* Everything scale S emitted: its result blocks, back to back, and the
 * per-stream committed state. */
static void take_results(struct fixture *f, uint32_t s, struct tdp_buf *out)
{
	struct tdp_ring *r = tdp_shm_out_ring(&f->sf.seg, s);
	const char *arena = tdp_shm_arena(&f->sf.seg, s);
	uint64_t asize = f->sf.seg.hdr->scales[s].arena_size;
	struct tdp_result_desc d;
	const struct tdp_scale_cfg *sc = &f->sf.cfg.scales[s];
	bool refusing = sc->values.n && !sc->timed;   /* count windows report refused points */
	uint64_t refused = 0;
	while (tdp_desc_pop(r, tdp_shm_out_slots(&f->sf.seg, s), &d)) {
		tdp_buf_append(out, arena + d.off % asize, d.len);
		r->arena_released = d.off + d.len;
		if (refusing) {
			struct tdp_result h;
			memcpy(&h, arena + d.off % asize, sizeof(h));
			assert_int_equal(h.n + h.lost + h.refused, sc->window);
			refused += h.refused;
		}
	}
	if (refusing)
		assert_true(refused > 0);
	for (uint32_t i = 0; i < (sc->join.on ? 3u : 2u); i++)   /* a join's stream too */
		tdp_buf_append(out, TDP_LIVE(tdp_shm_wstate(&f->sf.seg, s, i)), sizeof(struct tdp_wstate_body));
}

static const char *scale_text =
	"scales:\n"
	"  - {name: sub, complex: sublevel, window: 8, slide: 2, ring: 1024,"
	" features: {summary: true, distance: [bottleneck, wasserstein1]},"
	" track: {min_persistence: 0.5, stability: 0.6}, anomaly: {signal: wasserstein1, history: 3, threshold: 1}}\n"
	"  - {name: cloud, complex: rips, window: 6, slide: 3, dims: [0, 1], ring: 1024,"
	" track: {min_persistence: 0.1, stability: 0.7}, anomaly: {signal: count, history: 2, threshold: 0.5}}\n"
	"  - {name: pick, complex: sublevel, window: 8, slide: 2, ring: 1024, value: 1}\n";

/* Windows over event time: small enough that windows keep only their
 * first points (dropped), with points waiting for the watermark. */
static const char *time_scale_text =
	"scales:\n"
	"  - {name: tsub, complex: sublevel, window: 12ns, slide: 4ns, max_window_points: 3, ring: 1024,"
	" track: {min_persistence: 0}, anomaly: {signal: total, history: 2, threshold: 0.1}}\n"
	"  - {name: tcloud, complex: rips, window: 18ns, slide: 6ns, max_window_points: 5, dims: [0, 1],"
	" ring: 1024, features: {distance: [bottleneck, wasserstein2]},"
	" track: {min_persistence: 0}, anomaly: {signal: bottleneck, history: 2, threshold: 0.5}}\n"
	"  - {name: tpick, complex: sublevel, window: 12ns, slide: 4ns, max_window_points: 3, ring: 1024,"
	" value: 1}\n"
	"  - {name: tjoin, complex: rips, window: 5, slide: 2, dims: [0, 1], ring: 1024,"
	" join: {streams: [a, b], every: 3ns, max_age: 7ns}}\n";

static void worker_fixture(struct fixture *f, bool timed)
{
	char sink[256], dead[256], events[256];
	path_in(sink, sizeof(sink), "sink.jsonl");
	path_in(dead, sizeof(dead), "dead.jsonl");
	path_in(events, sizeof(events), "events.jsonl");
	f->timed = timed;
	snprintf(f->yaml, sizeof(f->yaml),
		 "source: {type: stdin%s}\nsink: {type: file, path: %s}\n"
		 "dead_letter: {type: file, path: %s}\nevents: {type: file, path: %s}\nmax_streams: 4\n%s",
		 timed ? ", format: jsonl, lateness: 6ns" : "", sink, dead, events, timed ? time_scale_text : scale_text);
}

struct worker_run {
	struct fixture f;
	uint32_t s;
};

static int worker_once(void *ctx, uint64_t crash_at, struct tdp_buf *out)
{
	struct worker_run *w = ctx;
	const char *name = w->f.sf.cfg.scales[w->s].name;
	seg_create(&w->f);
	fill_in_rings(&w->f);
	int killed = run("scaled", name, crash_at);
	if (killed)
		assert_int_equal(run("scaled", name, 0), 0);
	take_results(&w->f, w->s, out);
	if (w->f.sf.cfg.scales[w->s].values.n) {
		/* a: 11 of its points with coordinate 1 absent (3 of 60 lost, 4 after);
		 * b: every point 1-D.  Refused, none of them lost. */
		const struct tdp_wstate_body *a = TDP_LIVE(tdp_shm_wstate(&w->f.sf.seg, w->s, 0));
		const struct tdp_wstate_body *b = TDP_LIVE(tdp_shm_wstate(&w->f.sf.seg, w->s, 1));
		assert_int_equal(a->refused, 11);
		assert_int_equal(a->lost, 7);
		assert_int_equal(b->refused, 50);
		assert_int_equal(b->lost, 0);
	}
	seg_destroy(&w->f);
	return killed;
}

static void test_scale_worker(void **state)
{
	(void)state;
	static struct worker_run w;
	worker_fixture(&w.f, false);
	seg_create(&w.f);   /* parses the config */
	seg_destroy(&w.f);
	static const char *const what[] = {"scale sub (sublevel)", "scale cloud (rips)",
					   "scale pick (sublevel, value: 1, points refused)"};
	for (w.s = 0; w.s < 3; w.s++)
		assert_true(sweep(what[w.s], worker_once, &w, (w.s == 2 ? 20 : 40) * sizeof(struct tdp_result)) > 100);
}

/* The same for windows over event time (scaled/time_windows.c). */
static void test_time_worker(void **state)
{
	(void)state;
	static struct worker_run w;
	worker_fixture(&w.f, true);
	seg_create(&w.f);
	seg_destroy(&w.f);
	static const char *const what[] = {"scale tsub (sublevel, time)", "scale tcloud (rips, time)",
					   "scale tpick (sublevel, time, value: 1, points refused)",
					   "scale tjoin (rips, join of a and b on ticks, scaled/join.c)"};
	for (w.s = 0; w.s < 4; w.s++)
		assert_true(sweep(what[w.s], worker_once, &w, (w.s == 3 ? 10 : 40) * sizeof(struct tdp_result)) > 100);
	/* The join built its ticks and skipped the stale ones (b ends first). */
	seg_create(&w.f);
	fill_in_rings(&w.f);
	assert_int_equal(run("scaled", "tjoin", 0), 0);
	const struct tdp_wstate_body *j = TDP_LIVE(tdp_shm_wstate(&w.f.sf.seg, 3, 2));
	assert_true(j->next_seq > 20);
	seg_destroy(&w.f);
}

/* ---- publish ------------------------------------------------------- */

static void read_file(const char *path, struct tdp_buf *out)
{
	tdp_buf_reset(out);
	assert_int_equal(tdp_buf_read_file(out, path, SIZE_MAX), 0);
}

/* What the outputs hold: the sink, then the events file (if any), then
 * the children's standard output (if redirected). */
static void read_outputs(struct fixture *f, struct tdp_buf *out)
{
	struct tdp_buf part;
	tdp_buf_init(&part);
	const char *paths[3] = {
		f->sf.cfg.sink.type == TDP_SINK_FILE ? f->sf.cfg.sink.path : NULL,
		f->sf.cfg.events.type == TDP_SINK_FILE ? f->sf.cfg.events.path : NULL,
		f->stdout_path[0] ? f->stdout_path : NULL,
	};
	for (int i = 0; i < 3; i++) {
		if (!paths[i])
			continue;
		read_file(paths[i], &part);
		tdp_buf_printf(out, "== %d: %zu bytes\n", i, part.len);
		tdp_buf_append(out, part.p, part.len);
	}
	tdp_buf_fini(&part);
}

/* Every worker runs clean (publish waits for them all), so their
 * out-rings hold every result; then publish, killed at step CRASH_AT (0:
 * never) and restarted. */
static int publish_once(void *ctx, uint64_t crash_at, struct tdp_buf *sink)
{
	struct fixture *f = ctx;
	seg_create(f);
	fill_in_rings(f);
	for (uint32_t s = 0; s < f->sf.cfg.nscales; s++)
		assert_int_equal(run("scaled", f->sf.cfg.scales[s].name, 0), 0);
	int killed = run("publish", NULL, crash_at);
	if (killed)
		assert_int_equal(run("publish", NULL, 0), 0);
	read_outputs(f, sink);   /* the results, and the scales' events */
	seg_destroy(f);
	return killed;
}

static void test_publish(void **state)
{
	(void)state;
	static struct fixture f;
	worker_fixture(&f, false);
	assert_true(sweep("publish", publish_once, &f, 1000) > 3);
}

/*
 * Publish with events (issue 20): results of scales that track and score,
 * with events sections, put into the out-rings by this process (playing
 * the scale workers); publish killed at every step must leave the sink and
 * the events output equal to a clean run's: the events file is cut back
 * with the sink.  Three layouts: a results file and a msgpack events
 * file; results and events both on stdout (a regular file here, cut back
 * as one); results on stdout and events in a file.
 */
static const char *events_scales =
	"scales:\n"
	"  - {name: trk, complex: sublevel, window: 8, slide: 2, ring: 1024, track: {min_persistence: 0},"
	" anomaly: {signal: total}}\n"
	"  - {name: cloud, complex: rips, window: 6, slide: 3, dims: [0, 1], ring: 1024,"
	" track: {min_persistence: 0.1}}\n";

/* Window W of STREAM of scale S, with (W % 5) events and one live feature,
 * into the out-ring; returns the arena position after it. */
static uint64_t put_events_result(struct fixture *f, uint32_t s, uint32_t stream, uint64_t w, uint64_t pos)
{
	union {
		struct tdp_result r;
		char mem[1024];
	} blk;
	memset(&blk, 0, sizeof(blk));
	struct tdp_result *r = &blk.r;
	const struct tdp_scale_cfg *sc = &f->sf.cfg.scales[s];
	r->stream = stream;
	r->scale = s;
	r->window = w;
	r->first_seq = r->start = w * 2;
	r->last_seq = r->end = w * 2 + 7;
	r->n = 8;
	r->dims_mask = sc->dims_mask;
	r->count[0] = 1;
	r->flags = TDP_RESULT_EVENTS;
	tdp_result_intervals(r)[0] = (struct tdp_interval){(double)w / 8, INFINITY};
	struct tdp_result_events *e = (struct tdp_result_events *)tdp_result_events_const(r, 1);
	uint32_t nev = (uint32_t)(w % 5);
	*e = (struct tdp_result_events){.value = (double)w, .median = 1.5, .mad = w % 3 ? 0.25 : NAN,
					.score = sc->anomaly.on ? (double)w - 1.5 : NAN, .next_id = w,
					.nevents = nev, .nlive = 1, .flags = sc->anomaly.on ? TDP_EVENTS_SCORED : 0};
	struct tdp_event *ev = (struct tdp_event *)tdp_result_event_list(e);
	for (uint32_t i = 0; i <= nev; i++)
		ev[i] = (struct tdp_event){.feature = w * 10 + i, .birth = 0.125 * i, .death = i == 2 ? INFINITY : 1 + i,
					   .type = (uint8_t)(i < nev && sc->anomaly.on && i == 3 ? TDP_EVENT_ANOMALY
							     : i % 3),
					   .dim = (uint8_t)(i & 1)};
	size_t size = (size_t)((const char *)(ev + nev + 1) - (const char *)r);
	r->size = (uint32_t)size;
	struct tdp_ring *ring = tdp_shm_out_ring(&f->sf.seg, s);
	memcpy(tdp_shm_arena(&f->sf.seg, s) + pos, r, size);
	struct tdp_result_desc d = {.off = pos, .len = (uint32_t)size, .stream = stream, .window = w};
	assert_true(tdp_desc_push(ring, tdp_shm_out_slots(&f->sf.seg, s), &d));
	pos += (size + 7) & ~(size_t)7;
	ring->arena_wpos = pos;
	return pos;
}

/* 40 windows of 2 streams into each scale's out-ring, the workers done. */
static void fill_out_rings(struct fixture *f)
{
	intern(f, 0, "a", 0);
	intern(f, 1, "b\"/x", 0);
	for (uint32_t s = 0; s < f->sf.cfg.nscales; s++) {
		uint64_t pos = 0;
		for (uint64_t w = 0; w < 40; w++)
			for (uint32_t i = 0; i < 2; i++)
				pos = put_events_result(f, s, i, w, pos);
		tdp_shm_proc(&f->sf.seg, tdp_slot_scale(s))->done = 1;
	}
	f->sf.seg.hdr->ingest_done = 1;
}

static int publish_events_once(void *ctx, uint64_t crash_at, struct tdp_buf *out)
{
	struct fixture *f = ctx;
	seg_create(f);
	fill_out_rings(f);
	int killed = run("publish", NULL, crash_at);
	if (killed)
		assert_int_equal(run("publish", NULL, 0), 0);
	read_outputs(f, out);
	seg_destroy(f);
	return killed;
}

static void test_publish_events(void **state)
{
	(void)state;
	static struct fixture f;
	char sink[256], events[256], dead[256];
	path_in(sink, sizeof(sink), "sink.jsonl");
	path_in(events, sizeof(events), "events.out");
	path_in(dead, sizeof(dead), "dead.jsonl");
	const char *layouts[3][3] = {
		{"results and msgpack events in files", "{type: file, path: %s}",
		 "{type: file, path: %s, format: msgpack}"},
		{"results and events on stdout", "{type: stdout}", "{type: stdout}"},
		{"results on stdout, events in a file", "{type: stdout}", "{type: file, path: %s}"},
	};
	for (int i = 0; i < 3; i++) {
		char sk[300], ev[300];
		snprintf(sk, sizeof(sk), layouts[i][1], sink);
		snprintf(ev, sizeof(ev), layouts[i][2], events);
		snprintf(f.yaml, sizeof(f.yaml), "source: {type: stdin}\nsink: %s\nevents: %s\n"
			 "dead_letter: {type: file, path: %s}\nmax_streams: 4\n%s", sk, ev, dead, events_scales);
		if (i)
			path_in(f.stdout_path, sizeof(f.stdout_path), "stdout.out");
		struct tdp_buf ref;
		tdp_buf_init(&ref);
		publish_events_once(&f, 0, &ref);
		/* the clean run's events are all there: 40 windows x 2 streams x
		 * 2 scales, 0 + 1 + 2 + 3 + 4 events every 5 windows */
		size_t nev = 0;
		const char *keys[2] = {"\"type\":\"", "\xa4type"};   /* JSON, msgpack */
		for (int k = 0; k < 2; k++)
			for (const char *p = ref.p; (p = memmem(p, ref.len - (size_t)(p - ref.p), keys[k],
							       strlen(keys[k]))); p++)
				nev++;
		assert_int_equal(nev, 2 * 2 * 8 * 10);
		tdp_buf_fini(&ref);
		assert_true(sweep(layouts[i][0], publish_events_once, &f, 10000) > 3);
		f.stdout_path[0] = 0;
	}
}

/* ---- ingest -------------------------------------------------------- */

/* What a scale worker makes of its in-ring: each stream's points in
 * order, replays (a sequence number already seen) skipped; plus the
 * stream table and the dead letters. */
static void ingest_view(struct fixture *f, struct tdp_buf *out)
{
	uint64_t next[8] = {0};
	struct tdp_point p;
	struct tdp_ring *r = tdp_shm_in_ring(&f->sf.seg, 0);
	while (tdp_point_pop(r, tdp_shm_in_slots(&f->sf.seg, 0), &p)) {
		assert_true(p.stream < 8);
		if (p.seq < next[p.stream])
			continue;
		assert_int_equal(p.seq, next[p.stream]);   /* no point skipped */
		next[p.stream] = p.seq + 1;
		assert_true(p.read_ns != 0);   /* stamped, but a clock: not part of the output */
		p.read_ns = 0;
		tdp_buf_append(out, &p, sizeof(p));
	}
	for (uint32_t i = 0; i < f->sf.seg.hdr->nstreams; i++)
		tdp_buf_append(out, tdp_shm_stream(&f->sf.seg, i), sizeof(struct tdp_stream));
	struct tdp_buf dead;
	tdp_buf_init(&dead);
	read_file(f->sf.cfg.dead_letter.path, &dead);
	tdp_buf_append(out, dead.p, dead.len);
	tdp_buf_fini(&dead);
}

static int ingest_once(void *ctx, uint64_t crash_at, struct tdp_buf *out)
{
	struct fixture *f = ctx;
	seg_create(f);
	int killed = run("ingest", NULL, crash_at);
	if (killed)
		assert_int_equal(run("ingest", NULL, 0), 0);
	ingest_view(f, out);
	seg_destroy(f);
	return killed;
}

/* The config of an ingest sweep: the file NAME in DIR read with
 * SOURCE_KEYS, one sublevel scale of WINDOWS (window and slide) with
 * SCALE_KEYS added; returns NAME opened for the test to write the input. */
static FILE *ingest_fixture(struct fixture *f, const char *name, const char *source_keys,
			    const char *windows, const char *scale_keys)
{
	char src[256], dead[256];
	path_in(src, sizeof(src), name);
	path_in(dead, sizeof(dead), "dead.jsonl");
	snprintf(f->yaml, sizeof(f->yaml),
		 "source: {type: file, path: %s, %s}\n"
		 "dead_letter: {type: file, path: %s}\nmax_streams: 8\n"
		 "scales:\n  - {name: sub, complex: sublevel, %s, ring: 4096%s}\n",
		 src, source_keys, dead, windows, scale_keys);
	FILE *fp = fopen(src, "wb");
	assert_non_null(fp);
	return fp;
}

static void test_ingest(void **state)
{
	(void)state;
	static struct fixture f;
	FILE *fp = ingest_fixture(&f, "in.csv", "format: csv, stream_column: 0", "window: 8, slide: 2", "");
	/* 1,500 records over 3 streams (several batches), some malformed */
	for (int i = 0; i < 1500; i++) {
		if (i % 97 == 5)
			fprintf(fp, "s%d,not-a-number\n", i % 3);
		else
			fprintf(fp, "s%d,%d.%d\n", i % 3, i * 7 % 101, i % 10);
	}
	fclose(fp);
	assert_true(sweep("ingest", ingest_once, &f, 1400 * sizeof(struct tdp_point)) > 10);
}

/*
 * Event times (issue 18): each stream's newest time goes through the
 * batch commit, so a restart decides lateness the same.  Times in ms with
 * disorder, some within the lateness, some beyond it (late dead letters),
 * some unreadable (dead letters).
 */
static void test_ingest_time(void **state)
{
	(void)state;
	static struct fixture f;
	FILE *fp = ingest_fixture(&f, "in.csv", "format: csv, stream_column: 0, time_column: 1, time_unit: ms, "
				  "lateness: 10ms", "window: 8ms, slide: 2ms", "");
	for (int i = 0; i < 1500; i++) {
		if (i % 89 == 7)
			fprintf(fp, "s%d,soon,%d\n", i % 3, i % 10);
		else
			fprintf(fp, "s%d,%d,%d\n", i % 3, 2 * i - (i % 7 == 3 ? 30 : i % 5 == 1 ? 9 : 0), i % 10);
	}
	fclose(fp);
	assert_true(sweep("ingest (event times)", ingest_once, &f, 1200 * sizeof(struct tdp_point)) > 10);
}

/*
 * csv columns by header name (issue 23): a restart resumes past the
 * header line and reads it again from the file's start, so every step's
 * points, streams and dead letters equal a clean run's.  The header's
 * columns are not in the config's order, ids are quoted with commas and
 * line breaks, lines end in CRLF, some values are empty (dead letters
 * naming the column) or bad.
 */
static void test_ingest_csv_header(void **state)
{
	(void)state;
	static struct fixture f;
	FILE *fp = ingest_fixture(&f, "in.csv", "format: csv, header: true, stream: sensor, values: [value]",
				  "window: 8, slide: 2", "");
	fprintf(fp, "note,\"value\",sensor\r\n");
	for (int i = 0; i < 1500; i++) {
		const char *v = i % 97 == 5 ? "x" : i % 89 == 7 ? "" : NULL;
		if (v)
			fprintf(fp, "n,%s,\"s,%d\n\"\r\n", v, i % 3);
		else
			fprintf(fp, "\"a \"\"q\"\"\",%d.%d,\"s,%d\n\"\r\n", i * 7 % 101, i % 10, i % 3);
	}
	fclose(fp);
	assert_true(sweep("ingest (csv header)", ingest_once, &f, 1400 * sizeof(struct tdp_point)) > 10);
}

/* A msgpack point {"stream": "sN", "v": X} into FP. */
static void put_point(FILE *fp, int stream, double v)
{
	unsigned char b[8];
	uint64_t u;
	memcpy(&u, &v, sizeof(u));
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(u >> (56 - 8 * i));
	fprintf(fp, "\x82\xa6stream\xa2s%d\xa1v\xcb", stream);
	fwrite(b, 1, 8, fp);
}

/*
 * msgpack, the framer's own state (issue 16): two 1.5 MB strings (longer
 * than max_record, each across 1 MiB reads) between points, then a byte
 * that is not msgpack and points after it.  Killed at every step: a
 * restart resumes at the start of a string being skipped, never inside
 * it, and after the bad byte at the end of the file; the points, stream
 * table and dead letters equal a clean run's.
 */
static void test_ingest_msgpack(void **state)
{
	(void)state;
	static struct fixture f;
	/* overflow drop: points decoded from inside a string (the bug this
	 * guards against) would fill the ring, and block would hang here */
	FILE *fp = ingest_fixture(&f, "in.msgpack", "format: msgpack", "window: 8, slide: 2", ", overflow: drop");
	for (int i = 0; i < 1500; i++) {
		if (i == 400 || i == 900) {
			uint32_t n = 1500000;
			fputc(0xdb, fp);
			for (int k = 3; k >= 0; k--)
				fputc((int)(n >> (8 * k)) & 0xff, fp);
			for (uint32_t k = 0; k < n; k++)
				fputc("\x81\xa1v\x05"[k % 4], fp);   /* a point map, were it decoded */
		}
		if (i == 1400)
			fputc(0xc1, fp);
		put_point(fp, i % 3, i * 7 % 101);
	}
	fclose(fp);
	assert_true(sweep("ingest (msgpack)", ingest_once, &f, 1300 * sizeof(struct tdp_point)) > 3);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: crash_steps BIN DIR\n");
		return 100;
	}
	bin = argv[1];
	dir = argv[2];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale_worker),
		cmocka_unit_test(test_time_worker),
		cmocka_unit_test(test_publish),
		cmocka_unit_test(test_publish_events),
		cmocka_unit_test(test_ingest),
		cmocka_unit_test(test_ingest_time),
		cmocka_unit_test(test_ingest_csv_header),
		cmocka_unit_test(test_ingest_msgpack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
