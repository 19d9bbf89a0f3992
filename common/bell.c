#include "common/bell.h"

#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/atomics.h"

#define SPIN_TURNS 64
#define YIELD_TURNS 16

static long futex(uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
	/* Not FUTEX_PRIVATE: the word is shared between processes. */
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

uint32_t tdp_bell_prepare(struct tdp_bell *b)
{
	uint32_t seen = tdp_load_acquire_u32(&b->seq);
	tdp_store_u32(&b->sleeping, 1);
	atomic_thread_fence(memory_order_seq_cst);
	return seen;
}

void tdp_bell_sleep(struct tdp_bell *b, uint32_t seen, int timeout_ms)
{
	struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
	futex(&b->seq, FUTEX_WAIT, seen, &ts);
	tdp_store_u32(&b->sleeping, 0);
}

void tdp_bell_cancel(struct tdp_bell *b)
{
	tdp_store_u32(&b->sleeping, 0);
}

void tdp_bell_ring(struct tdp_bell *b)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (tdp_load_u32(&b->sleeping)) {
		tdp_add_release_u32(&b->seq, 1);
		futex(&b->seq, FUTEX_WAKE, INT_MAX, NULL);
	}
}

bool tdp_idle_should_sleep(struct tdp_idle *idle, bool found_work)
{
	if (found_work) {
		idle->turns = 0;
		return false;
	}
	idle->turns++;
	if (idle->turns < SPIN_TURNS)
		return false;
	if (idle->turns < SPIN_TURNS + YIELD_TURNS) {
		/* More processes than cores: let the producer run. */
		sched_yield();
		return false;
	}
	return true;
}
