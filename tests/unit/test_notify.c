/*
 * test_notify - the supervisor's messages to systemd (cli/notify.c): the
 * watchdog's period, which slots count as up, and the datagrams one
 * supervisor sends turn by turn, read from a socket this test binds as
 * NOTIFY_SOCKET (sd_notify(3)'s protocol): STATUS while starting, READY=1
 * once ingest, the scale and publish are up (the exporter never counts),
 * WATCHDOG=1 every half of WATCHDOG_USEC, STATUS at most once a second
 * while only the count moves, STOPPING=1 at the drain, and each once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/notify.h"
#include "tests/unit/fixture.h"

static void test_watchdog_period(void **state)
{
	(void)state;
	assert_int_equal(notify_watchdog_period_ns(1000000), 500 * NS_PER_MS);
	assert_int_equal(notify_watchdog_period_ns(30000000), 15 * NS_PER_S);
	assert_int_equal(notify_watchdog_period_ns(0), 0);
}

static void test_slot_up(void **state)
{
	(void)state;
	assert_true(notify_slot_up(TDP_PROC_RUNNING, 10, 10));    /* beaten at its start */
	assert_true(notify_slot_up(TDP_PROC_RUNNING, 11, 10));
	assert_false(notify_slot_up(TDP_PROC_RUNNING, 9, 10));    /* the beat of its predecessor */
	assert_false(notify_slot_up(TDP_PROC_NEW, 0, 0));
	assert_false(notify_slot_up(TDP_PROC_BACKOFF, 11, 10));
	assert_false(notify_slot_up(TDP_PROC_FAILED, 11, 10));
	assert_false(notify_slot_up(TDP_PROC_STOPPED, 11, 10));
	assert_true(notify_slot_up(TDP_PROC_DONE, 0, 10));        /* finished before it was seen */
}

static int sock = -1;
static char dir[] = "/tmp/tdp-notify.XXXXXX", path[64];

/* The next datagram, or "" if none is waiting. */
static const char *next_msg(void)
{
	static char buf[512];
	ssize_t n = recv(sock, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n < 0) {
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		n = 0;
	}
	buf[n] = 0;
	return buf;
}

static void up(struct supervisor *sv, uint32_t i, uint32_t state, uint64_t beat)
{
	struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
	p->state = state;
	p->started_ns = 100;
	p->heartbeat_ns = beat;
}

static void test_turns(void **state)
{
	(void)state;
	struct seg_fixture fx;
	static struct supervisor sv;
	assert_int_equal(seg_from_yaml(&fx, SEG_MEMORY, "unit-notify",
				       "source: {type: stdin}\n"
				       "metrics: {listen: 127.0.0.1:9464}\n"
				       "scales:\n"
				       "  - {name: a, complex: sublevel, window: 10, slide: 1}\n"), 0);
	sv.cfg = fx.cfg;
	sv.seg = fx.seg;
	uint32_t pub = tdp_slot_publish(sv.seg.hdr), exp = pub + 1;
	assert_int_equal(sv.seg.hdr->nprocs, 4);
	assert_int_equal(tdp_shm_proc(&sv.seg, exp)->role, TDP_ROLE_EXPORTER);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(sock >= 0);
	assert_int_equal(bind(sock, (struct sockaddr *)&a, sizeof(a)), 0);
	char pid[32];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("NOTIFY_SOCKET", path, 1);
	setenv("WATCHDOG_USEC", "1000000", 1);
	setenv("WATCHDOG_PID", pid, 1);

	const uint64_t t0 = 1000 * NS_PER_S, ms = NS_PER_MS;
	notify_turn(&sv, t0);   /* every slot new */
	assert_string_equal(next_msg(), "STATUS=starting: 1 scale, 0 points read");
	assert_string_equal(next_msg(), "");
	up(&sv, 0, TDP_PROC_RUNNING, 150);
	up(&sv, 1, TDP_PROC_RUNNING, 50);     /* forked, not yet beaten */
	up(&sv, pub, TDP_PROC_RUNNING, 100);
	notify_turn(&sv, t0 + 50 * ms);
	assert_string_equal(next_msg(), "");  /* nothing new to say */
	up(&sv, 0, TDP_PROC_BACKOFF, 150);    /* ingest was seen up: that stays */
	up(&sv, 1, TDP_PROC_RUNNING, 120);    /* the exporter, still new, does not count */
	notify_turn(&sv, t0 + 100 * ms);
	assert_string_equal(next_msg(), "READY=1\nSTATUS=running: 1 scale, 0 points read");
	assert_string_equal(next_msg(), "");
	notify_turn(&sv, t0 + 499 * ms);
	assert_string_equal(next_msg(), "");
	notify_turn(&sv, t0 + 500 * ms);
	assert_string_equal(next_msg(), "WATCHDOG=1");
	assert_string_equal(next_msg(), "");
	tdp_shm_proc(&sv.seg, 0)->records_in = 7;
	notify_turn(&sv, t0 + 900 * ms);      /* the count moved, but a STATUS went 0.8 s ago */
	assert_string_equal(next_msg(), "");
	notify_turn(&sv, t0 + 1100 * ms);
	assert_string_equal(next_msg(), "WATCHDOG=1");
	assert_string_equal(next_msg(), "STATUS=running: 1 scale, 7 points read");
	assert_string_equal(next_msg(), "");
	sv.draining = true;                   /* a phase change is said at once */
	notify_turn(&sv, t0 + 1150 * ms);
	assert_string_equal(next_msg(), "STOPPING=1\nSTATUS=draining: 1 scale, 7 points read");
	notify_turn(&sv, t0 + 1200 * ms);
	assert_string_equal(next_msg(), "");
	tdp_shm_proc(&sv.seg, 0)->records_in = 9;
	notify_turn(&sv, t0 + 2200 * ms);
	assert_string_equal(next_msg(), "WATCHDOG=1");
	assert_string_equal(next_msg(), "STATUS=draining: 1 scale, 9 points read");
	assert_string_equal(next_msg(), "");

	close(sock);
	unlink(path);
	rmdir(dir);
	seg_fixture_fini(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watchdog_period),
		cmocka_unit_test(test_slot_up),
		cmocka_unit_test(test_turns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
