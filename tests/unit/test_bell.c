/*
 * test_bell - cross-process wakeups: a sleeper is woken by a ring well
 * before its timeout, a ring with nobody asleep costs no wakeup, a sleep
 * with nobody ringing ends at the timeout, and the idle helper spins and
 * yields before it says sleep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bell.h"
#include "common/clock.h"

struct shared {
	struct tdp_bell bell;
	_Atomic uint32_t work;
};

static void test_wake_across_processes(void **state)
{
	(void)state;
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(sh != MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the producer: publish work, then ring, 50 times */
		for (int i = 0; i < 50; i++) {
			while (atomic_load(&sh->work) != 0)
				tdp_sleep_ms(1);
			tdp_sleep_ms(2);
			atomic_store(&sh->work, 1);
			tdp_bell_ring(&sh->bell);
		}
		_exit(0);
	}
	/* the consumer: sleeps with a long timeout each time; a lost wakeup
	 * would cost 10 s and fail the bound below */
	uint64_t t0 = tdp_now_ns();
	for (int i = 0; i < 50; i++) {
		for (;;) {
			uint32_t seen = tdp_bell_prepare(&sh->bell);
			if (atomic_load(&sh->work)) {
				tdp_bell_cancel(&sh->bell);
				break;
			}
			tdp_bell_sleep(&sh->bell, seen, 10000);
		}
		atomic_store(&sh->work, 0);
	}
	uint64_t dt = tdp_now_ns() - t0;
	int st;
	waitpid(pid, &st, 0);
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(dt < 5ull * 1000000000ull);
	munmap(sh, sizeof(*sh));
}

static void test_ring_without_sleeper_and_timeout(void **state)
{
	(void)state;
	struct tdp_bell b;
	memset(&b, 0, sizeof(b));
	tdp_bell_ring(&b);
	assert_int_equal(b.seq, 0);   /* nobody asleep: no futex wake, no bump */
	uint32_t seen = tdp_bell_prepare(&b);
	assert_int_equal(b.sleeping, 1);
	uint64_t t0 = tdp_now_ns();
	tdp_bell_sleep(&b, seen, 30);
	uint64_t dt = tdp_now_ns() - t0;
	assert_int_equal(b.sleeping, 0);
	assert_true(dt >= 20ull * 1000000ull);
}

static void test_idle_progression(void **state)
{
	(void)state;
	struct tdp_idle idle = {0};
	int turns = 0;
	while (!tdp_idle_should_sleep(&idle, false))
		turns++;
	assert_true(turns > 10);
	assert_false(tdp_idle_should_sleep(&idle, true));   /* work resets it */
	assert_false(tdp_idle_should_sleep(&idle, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wake_across_processes),
		cmocka_unit_test(test_ring_without_sleeper_and_timeout),
		cmocka_unit_test(test_idle_progression),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
