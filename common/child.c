#include "common/child.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/atomics.h"
#include "common/clock.h"
#include "common/commit.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "common/shm_check.h"

int tdp_child_args(int argc, char **argv, const char *usage, const char **instance, const char **scale)
{
	static const struct option opts[] = {
		{"instance", required_argument, NULL, 'i'},
		{"scale", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	*instance = NULL;
	if (scale)
		*scale = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "i:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': *instance = optarg; break;
		case 's':
			if (!scale)
				goto bad;
			*scale = optarg;
			break;
		case 'h': printf("%s", usage); return -1;
		default: goto bad;
		}
	}
	if (!*instance || (scale && !*scale) || optind != argc)
		goto bad;
	return 0;
bad:
	fprintf(stderr, "%s", usage);
	return TDP_EXIT_USAGE;
}

int tdp_child_start(struct tdp_child *c, const char *instance, const char *scale_name, int role)
{
	memset(c, 0, sizeof(*c));
	tdp_crash_init_from_env(tdp_role_name((uint32_t)role));
	/* Die with the supervisor; if it is already gone, do not start. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Ctrl-C reaches the whole process group; only the supervisor decides
	 * how to stop (a drain), so children ignore it. */
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	tdp_log_set_scale(scale_name);
	char err[512];
	if (tdp_shm_attach(&c->seg, instance, true, err, sizeof(err)) < 0) {
		tdp_log_error("%s", err);
		return TDP_EXIT_SYSTEM;
	}
	const struct tdp_shm_header *h = c->seg.hdr;
	const char *text = tdp_shm_at(&c->seg, h->config_off);
	char name[TDP_PATH_MAX + 16];
	snprintf(name, sizeof(name), "%s(segment)", h->instance);
	if (tdp_config_parse(text, h->config_len, name, &c->cfg, err, sizeof(err)) < 0) {
		tdp_log_error("config in segment: %s", err);
		return TDP_EXIT_USAGE;
	}
	tdp_log_set_format(c->cfg.log.format);
	/* Offsets are indexed by the config from here on (a scale's window,
	 * a stream's store): they must be what that config lays out. */
	if (tdp_shm_check_config(h, &c->cfg, err, sizeof(err)) < 0) {
		tdp_log_error("segment /dev/shm%s: %s", c->seg.path, err);
		return TDP_EXIT_SYSTEM;
	}
	if (role == TDP_ROLE_INGEST) {
		c->slot_index = tdp_slot_ingest();
	} else if (role == TDP_ROLE_PUBLISH) {
		c->slot_index = tdp_slot_publish(h);
	} else {
		int s = tdp_config_scale_index(&c->cfg, scale_name);
		if (s < 0) {
			tdp_log_error("no scale named \"%s\" in instance %s", scale_name, instance);
			return TDP_EXIT_USAGE;
		}
		c->slot_index = tdp_slot_scale((uint32_t)s);
	}
	c->slot = tdp_shm_proc(&c->seg, c->slot_index);
	tdp_store_u32(&c->slot->done, 0);
	tdp_child_beat(c);
	return 0;
}

void tdp_child_beat(struct tdp_child *c)
{
	tdp_store_u64(&c->slot->heartbeat_ns, tdp_now_ns());
}

void tdp_child_done(struct tdp_child *c)
{
	tdp_store_release_u32(&c->slot->done, 1);
}

bool tdp_child_stopping(const struct tdp_child *c)
{
	return tdp_load_acquire_u32(&c->seg.hdr->stop) != 0;
}

static char **reexec_argv;

/* Async-signal-safe: execv and _exit only. */
static void reexec(int sig)
{
	(void)sig;
	execv("/proc/self/exe", reexec_argv);
	_exit(TDP_EXIT_SYSTEM);   /* the supervisor restarts it: a new pid, nothing lost */
}

void tdp_child_reexec_on_usr1(char **argv)
{
	reexec_argv = argv;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = reexec;
	/* Not blocked in the handler: the mask survives execv, and the new
	 * image must take the next reload's SIGUSR1 too. */
	sa.sa_flags = SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}
