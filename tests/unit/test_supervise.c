/*
 * test_supervise - the supervisor's process table (cli/supervise.c): the
 * outcome of every (state, event) pair of its transition table, that the
 * pairs it refuses change nothing, and that deaths, hangs and backoffs of
 * real children become the events and log lines tdapipe-run(1) documents
 * (Restarts, Hangs, Crash loops, Stopping).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/supervise.h"
#include "common/clock.h"
#include "common/exitcode.h"

enum { NEW = TDP_PROC_NEW, RUN = TDP_PROC_RUNNING, BACK = TDP_PROC_BACKOFF,
       DONE = TDP_PROC_DONE, FAIL = TDP_PROC_FAILED, STOP = TDP_PROC_STOPPED, NSTATES,
       NO = -1 };

/*
 * The expected table, written out in full: the state each event leads to
 * from each state, NO where it is refused.  Why the refusals, in the words
 * of tdapipe-run(1): a process that is done, failed ("not restarted") or
 * stopped is never started again; only a running process can die or be
 * judged hung; a drain's timeout leaves done and failed processes as they
 * are.  DRAIN goes to ingest alone: the input is over whatever ingest's
 * state, unless it still runs (it then reads to the stop flag).
 */
static const int expected[NSTATES][PROC_EVENTS] = {
	/*             START START_F EX_OK EX_CFG DIED  GIVE_UP DIED_DR HUNG  DRAIN DRAIN_TO STOP */
	[NEW]  = {     RUN,  NEW,    NO,   NO,    NO,   NO,     NO,     NO,   STOP, STOP,    STOP },
	[RUN]  = {     NO,   NO,     DONE, FAIL,  BACK, FAIL,   STOP,   RUN,  RUN,  STOP,    STOP },
	[BACK] = {     RUN,  BACK,   NO,   NO,    NO,   NO,     NO,     NO,   STOP, STOP,    STOP },
	[DONE] = {     NO,   NO,     NO,   NO,    NO,   NO,     NO,     NO,   DONE, NO,      NO   },
	[FAIL] = {     NO,   NO,     NO,   NO,    NO,   NO,     NO,     NO,   STOP, NO,      NO   },
	[STOP] = {     NO,   NO,     NO,   NO,    NO,   NO,     NO,     NO,   STOP, NO,      NO   },
};

static char text[512];
static struct supervisor sv;

#define INGEST 0u
#define SCALED 1u   /* scale a */
#define PUBLISH 3u

static struct tdp_proc *slot(uint32_t i)
{
	return tdp_shm_proc(&sv.seg, i);
}

static uint32_t ingest_done(void)
{
	return __atomic_load_n(&sv.seg.hdr->ingest_done, __ATOMIC_ACQUIRE);
}

/* Every slot new and idle, nothing draining: what a run starts from. */
static void reset(void)
{
	memset(sv.kids, 0, sizeof(sv.kids));
	sv.draining = false;
	sv.drain_deadline = 0;
	sv.last_turn = sv.awake_since = 0;
	sv.seg.hdr->ingest_done = 0;
	sv.seg.hdr->stop = 0;
	for (uint32_t i = 0; i < sv.seg.hdr->nprocs; i++) {
		struct tdp_proc *p = slot(i);
		p->state = TDP_PROC_NEW;
		p->pid = 0;
		p->restarts = p->hangs = 0;
		p->done = 0;
		p->started_ns = p->heartbeat_ns = 0;
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(text, sizeof(text),
		 "instance: unit-supervise-%d\n"
		 "source: {type: stdin}\n"
		 "scales:\n"
		 "  - {name: a, complex: sublevel, window: 10, slide: 1}\n"
		 "  - {name: b, complex: rips, window: 5, slide: 5}\n"
		 "supervisor: {restart_limit: 3, restart_window: 30, backoff_min: 20, backoff_max: 50,\n"
		 "             heartbeat_timeout: 1000}\n",
		 (int)getpid());
	char err[512];
	int other;
	if (tdp_config_parse(text, strlen(text), "t.yaml", &sv.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	tdp_shm_unlink(sv.cfg.instance);
	if (tdp_shm_create(&sv.seg, &sv.cfg, text, strlen(text), &other, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	snprintf(sv.bindir, sizeof(sv.bindir), "/nonexistent-tdapipe-libexec");
	sv.drain_timeout_ms = 30000;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tdp_shm_detach(&sv.seg);
	tdp_shm_unlink(sv.cfg.instance);
	return 0;
}

/* What the code under test logs, captured from stderr. */
static int saved_stderr = -1;
static FILE *captured;

static void capture_begin(void)
{
	fflush(stderr);
	captured = tmpfile();
	assert_non_null(captured);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fileno(captured), STDERR_FILENO);
}

static const char *capture_end(void)
{
	static char out[8192];
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(captured);
	size_t n = fread(out, 1, sizeof(out) - 1, captured);
	out[n] = 0;
	fclose(captured);
	fputs(out, stderr);   /* still in the test's log */
	return out;
}

/* A child that exits with CODE at once, or waits to be killed (CODE < 0). */
static pid_t child(int code)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (code < 0)
			for (;;)
				pause();
		_exit(code);
	}
	return pid;
}

/* Slot I running child PID, started now. */
static void running(uint32_t i, pid_t pid)
{
	slot(i)->state = TDP_PROC_RUNNING;
	slot(i)->pid = pid;
	slot(i)->started_ns = tdp_now_ns();
}

/* Wait until child PID can be reaped, without reaping it. */
static void settled(pid_t pid)
{
	siginfo_t si;
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
}

static void test_table(void **state)
{
	(void)state;
	for (int s = 0; s < NSTATES; s++)
		for (int e = 0; e < PROC_EVENTS; e++) {
			int got = proc_next_state((uint32_t)s, (enum proc_event)e);
			if (got != expected[s][e])
				fail_msg("state %d, event %d: %d, expected %d", s, e, got, expected[s][e]);
		}
	assert_int_equal(proc_next_state(NSTATES, PROC_START), -1);
	assert_int_equal(proc_next_state(77, PROC_DRAIN), -1);
	assert_int_equal(proc_next_state(NEW, PROC_EVENTS), -1);
}

/* A refused pair returns -EINVAL and changes nothing: neither the state
 * nor anything an action would have touched. */
static void test_refused(void **state)
{
	(void)state;
	for (int s = 0; s < NSTATES; s++)
		for (int e = 0; e < PROC_EVENTS; e++) {
			if (expected[s][e] != NO)
				continue;
			reset();
			for (uint32_t i = 0; i < sv.seg.hdr->nprocs; i++) {
				slot(i)->state = (uint32_t)s;
				sv.kids[i].restart_at = 12345;
				snprintf(sv.kids[i].why, sizeof(sv.kids[i].why), "exited with status 3");
				sv.kids[i].err = -EAGAIN;
			}
			capture_begin();
			for (uint32_t i = 0; i < sv.seg.hdr->nprocs; i++)
				assert_int_equal(proc_event(&sv, i, (enum proc_event)e), -EINVAL);
			const char *log = capture_end();
			for (uint32_t i = 0; i < sv.seg.hdr->nprocs; i++) {
				assert_int_equal(slot(i)->state, s);
				assert_int_equal(sv.kids[i].restart_at, 12345);
				assert_int_equal(slot(i)->hangs, 0);
			}
			assert_string_equal(log, "");
			assert_int_equal(ingest_done(), 0);
			assert_false(sv.draining);
			assert_int_equal(sv.kids[0].nrecent, 0);
		}
}

/* Every legal pair, on a scale worker's slot (DRAIN on ingest's): the new
 * state, and what its action does. */
static void test_applied(void **state)
{
	(void)state;
	for (int s = 0; s < NSTATES; s++)
		for (int e = 0; e < PROC_EVENTS; e++) {
			if (expected[s][e] == NO)
				continue;
			reset();
			uint32_t i = e == PROC_DRAIN ? INGEST : SCALED;
			struct child_state *k = &sv.kids[i];
			slot(i)->state = (uint32_t)s;
			slot(i)->started_ns = tdp_now_ns();
			k->restart_at = 12345;
			k->died_at = tdp_now_ns();
			snprintf(k->why, sizeof(k->why), "exited with status 3");
			k->err = -EAGAIN;
			k->silent_ns = 1500 * NS_PER_MS;
			capture_begin();
			assert_int_equal(proc_event(&sv, i, (enum proc_event)e), 0);
			const char *log = capture_end();
			assert_int_equal(slot(i)->state, expected[s][e]);
			switch (e) {
			case PROC_START:
				assert_int_equal(k->restart_at, 0);
				assert_string_equal(log, "");
				break;
			case PROC_START_FAILED:
				if (s == NEW) {
					assert_non_null(strstr(log, "]: scaled[a] could not be started: Resource temporarily unavailable\n"));
				} else {
					assert_non_null(strstr(log, "]: scaled[a] could not be restarted: Resource temporarily "
								    "unavailable; trying again in 1000 ms\n"));
					assert_true(k->restart_at > tdp_now_ns() + SPAWN_RETRY_NS / 2);
				}
				break;
			case PROC_EXITED_OK:
			case PROC_DRAIN_TIMEOUT:
			case PROC_STOP:
				assert_string_equal(log, "");
				assert_int_equal(k->restart_at, 12345);
				break;
			case PROC_EXITED_CONFIG:
				assert_non_null(strstr(log, "]: scaled[a] exited with status 3; not restarted: scale a failed: "));
				break;
			case PROC_DIED:
				assert_non_null(strstr(log, "]: scaled[a] exited with status 3; restart 1 in 20 ms\n"));
				assert_int_equal(k->restart_at, k->died_at + 20 * NS_PER_MS);
				assert_int_equal(k->nrecent, 1);
				break;
			case PROC_GIVE_UP:
				assert_non_null(strstr(log, "]: scaled[a] exited with status 3; 3 restarts in 30 s: "
							    "giving up on it: scale a failed: "));
				break;
			case PROC_DIED_DRAINING:
				assert_non_null(strstr(log, "]: scaled[a] exited with status 3 during the drain; "
							    "not restarted\n"));
				assert_int_equal(ingest_done(), 1);
				break;
			case PROC_HUNG:
				assert_non_null(strstr(log, "]: scaled[a] hung: no heartbeat for 1500 ms; killing it\n"));
				assert_int_equal(slot(i)->hangs, 1);
				break;
			case PROC_DRAIN:
				assert_int_equal(ingest_done(), s != RUN);
				assert_int_equal(k->restart_at, s != RUN ? 0 : 12345);
				assert_string_equal(log, "");
				break;
			}
		}
}

/* A failed ingest ends the input; a failed publish stops the instance. */
static void test_failed_consequences(void **state)
{
	(void)state;
	reset();
	snprintf(sv.kids[INGEST].why, sizeof(sv.kids[INGEST].why), "killed by signal 9 (Killed)");
	snprintf(sv.kids[PUBLISH].why, sizeof(sv.kids[PUBLISH].why), "exited with status 100");
	slot(INGEST)->state = TDP_PROC_RUNNING;
	/* Each line says which side failed and what to do. */
	capture_begin();
	assert_int_equal(proc_event(&sv, INGEST, PROC_GIVE_UP), 0);
	const char *log = capture_end();
	assert_non_null(strstr(log, " error tdapipe["));
	assert_non_null(strstr(log, "]: ingest killed by signal 9 (Killed); 3 restarts in 30 s: giving up on it: "
				"the source side failed: nothing more is read"));
	assert_int_equal(ingest_done(), 1);
	assert_false(sv.draining);
	slot(PUBLISH)->state = TDP_PROC_RUNNING;
	capture_begin();
	assert_int_equal(proc_event(&sv, PUBLISH, PROC_EXITED_CONFIG), 0);
	assert_non_null(strstr(capture_end(), "publish exited with status 100; not restarted: the sink side failed: "
				"no more results are written, the run stops; fix the sink"));
	assert_true(sv.draining);
	assert_true(sv.drain_deadline > 0 && sv.drain_deadline <= tdp_now_ns());
	/* The drain that comes then stops the failed ingest. */
	assert_int_equal(proc_event(&sv, INGEST, PROC_DRAIN), 0);
	assert_int_equal(slot(INGEST)->state, TDP_PROC_STOPPED);
}

/* Real deaths: how each one is told (done flag, status 100, drain), and
 * the crash loop: restart_limit 3 restarts, given up at the 4th death,
 * the backoff doubling up to backoff_max. */
static void test_reap(void **state)
{
	(void)state;
	reset();
	pid_t pid = child(0);
	running(SCALED, pid);
	slot(SCALED)->done = 1;
	settled(pid);
	procs_reap(&sv);
	assert_int_equal(slot(SCALED)->state, TDP_PROC_DONE);
	assert_int_equal(slot(SCALED)->pid, 0);
	assert_int_equal(slot(SCALED)->last_exit, 0);

	/* exit 0 without the done flag is a death like any other */
	reset();
	running(SCALED, pid = child(0));
	settled(pid);
	capture_begin();
	procs_reap(&sv);
	assert_non_null(strstr(capture_end(), "scaled[a] exited with status 0; restart 1 in 20 ms\n"));
	assert_int_equal(slot(SCALED)->state, TDP_PROC_BACKOFF);

	reset();
	running(SCALED, pid = child(TDP_EXIT_USAGE));
	settled(pid);
	procs_reap(&sv);
	assert_int_equal(slot(SCALED)->state, TDP_PROC_FAILED);
	assert_int_equal(slot(SCALED)->last_exit, TDP_EXIT_USAGE);

	reset();
	sv.draining = true;
	running(INGEST, pid = child(TDP_EXIT_USAGE));
	settled(pid);
	procs_reap(&sv);
	assert_int_equal(slot(INGEST)->state, TDP_PROC_STOPPED);
	assert_int_equal(ingest_done(), 1);

	reset();
	const unsigned backoff[] = {20, 40, 50};
	char line[128];
	for (unsigned d = 0; d < 4; d++) {
		running(SCALED, pid = child(3));
		settled(pid);
		capture_begin();
		procs_reap(&sv);
		const char *log = capture_end();
		if (d < 3) {
			assert_int_equal(slot(SCALED)->state, TDP_PROC_BACKOFF);
			snprintf(line, sizeof(line), "scaled[a] exited with status 3; restart %u in %u ms\n", d + 1,
				 backoff[d]);
			assert_non_null(strstr(log, line));
			slot(SCALED)->restarts++;   /* as procs_restart_due does */
		} else {
			assert_int_equal(slot(SCALED)->state, TDP_PROC_FAILED);
			assert_non_null(strstr(log, "scaled[a] exited with status 3; 3 restarts in 30 s: "
						    "giving up on it: scale a failed: "));
		}
	}
}

/* A hung child is killed once, and its death says so. */
static void test_hang(void **state)
{
	(void)state;
	reset();
	pid_t pid = child(-1);
	running(SCALED, pid);
	uint64_t now = tdp_now_ns();
	slot(SCALED)->started_ns = slot(SCALED)->heartbeat_ns = now - 3 * NS_PER_S;
	sv.last_turn = now - 10 * NS_PER_MS;
	capture_begin();
	procs_check_hangs(&sv, now);
	procs_check_hangs(&sv, now + 10 * NS_PER_MS);
	const char *log = capture_end();
	assert_non_null(strstr(log, "scaled[a] hung: no heartbeat for 3000 ms; killing it\n"));
	assert_null(strstr(strstr(log, "killing it") + 1, "killing it"));
	assert_int_equal(slot(SCALED)->hangs, 1);
	settled(pid);
	capture_begin();
	procs_reap(&sv);
	assert_non_null(strstr(capture_end(), "scaled[a] killed by signal 9 (Killed) (hung); restart 1 in 20 ms\n"));
	assert_int_equal(slot(SCALED)->state, TDP_PROC_BACKOFF);
	assert_int_equal(slot(SCALED)->last_exit, -SIGKILL);

	/* A fresh child is not judged by a stale beat, nor after a pause of
	 * the supervisor's own loop. */
	reset();
	running(SCALED, pid = child(-1));
	now = tdp_now_ns();
	slot(SCALED)->heartbeat_ns = now - 3 * NS_PER_S;
	procs_check_hangs(&sv, now);
	assert_int_equal(slot(SCALED)->hangs, 0);
	slot(SCALED)->started_ns = now - 3 * NS_PER_S;
	sv.last_turn = now - 2 * NS_PER_S;
	procs_check_hangs(&sv, now);
	assert_int_equal(slot(SCALED)->hangs, 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A backoff that ran out restarts the process (here its exec fails, in
 * the child); ingest's, during a drain, stops it instead. */
static void test_restart_due(void **state)
{
	(void)state;
	reset();
	slot(SCALED)->state = TDP_PROC_BACKOFF;
	sv.kids[SCALED].restart_at = tdp_now_ns();
	slot(INGEST)->state = TDP_PROC_BACKOFF;
	sv.kids[INGEST].restart_at = tdp_now_ns() + 60 * NS_PER_S;
	procs_restart_due(&sv, tdp_now_ns());
	assert_int_equal(slot(SCALED)->state, TDP_PROC_RUNNING);
	assert_int_equal(slot(SCALED)->restarts, 1);
	assert_int_equal(sv.kids[SCALED].restart_at, 0);
	assert_int_equal(slot(INGEST)->state, TDP_PROC_BACKOFF);
	pid_t pid = slot(SCALED)->pid;
	assert_true(pid > 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), TDP_EXIT_SYSTEM);

	sv.draining = true;
	procs_restart_due(&sv, tdp_now_ns() + 61 * NS_PER_S);
	assert_int_equal(slot(INGEST)->state, TDP_PROC_STOPPED);
	assert_int_equal(slot(INGEST)->restarts, 0);
	assert_int_equal(ingest_done(), 1);
}

/* The drain: the first signal stops the input, a drain's timeout stops
 * every slot that is not done or failed. */
static void test_drain(void **state)
{
	(void)state;
	reset();
	slot(INGEST)->state = TDP_PROC_BACKOFF;
	slot(SCALED)->state = TDP_PROC_DONE;
	slot(2)->state = TDP_PROC_FAILED;
	slot(PUBLISH)->state = TDP_PROC_BACKOFF;
	capture_begin();
	drain_signal(&sv, SIGTERM);
	const char *log = capture_end();
	assert_non_null(strstr(log, "Terminated: draining (ingest stops reading; what reached a ring is published)\n"));
	assert_true(sv.draining);
	assert_int_equal(sv.seg.hdr->stop, 1);
	assert_int_equal(slot(INGEST)->state, TDP_PROC_STOPPED);
	assert_int_equal(ingest_done(), 1);
	bool all_done;
	assert_false(procs_ended(&sv, &all_done));
	capture_begin();
	drain_cut(&sv);
	assert_non_null(strstr(capture_end(), "drain did not finish within 30 s: stopping what is left; what it had not published "
				"stays in the rings and is kept in the checkpoint\n"));
	assert_int_equal(slot(SCALED)->state, TDP_PROC_DONE);
	assert_int_equal(slot(2)->state, TDP_PROC_FAILED);
	assert_int_equal(slot(PUBLISH)->state, TDP_PROC_STOPPED);
	assert_int_equal(sv.drain_deadline, UINT64_MAX);
	assert_true(procs_ended(&sv, &all_done));
	assert_false(all_done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_applied),
		cmocka_unit_test(test_failed_consequences),
		cmocka_unit_test(test_reap),
		cmocka_unit_test(test_hang),
		cmocka_unit_test(test_restart_due),
		cmocka_unit_test(test_drain),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
