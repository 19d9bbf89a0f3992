/*
 * tdapipe stats - print an instance's processes, rings, time scales' event
 * time and Kafka clients.
 *
 * Maps the segment read-only and only loads: it takes no lock and writes
 * nothing, so it can never disturb (or be stalled by) the pipeline.
 *
 * Nor does it trust the segment: /dev/shm is world-writable, and root
 * runs this too.  The file must be a regular file of the caller's or
 * root's (tdp_shm_attach), tdp_shm_check vouches for every offset and
 * count of its header before anything follows one, and
 * tdp_shm_check_config holds the header to what the segment's own config
 * text lays out (shm_check.h).  The file may still shrink while mapped:
 * every read of the segment runs under tdp_bus_guard, and each refresh of
 * --watch first re-checks the file's size and links, so a segment
 * truncated or removed meanwhile ends the command with a message (exit
 * 111), never with SIGBUS.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/stats_print.h"
#include "common/buf.h"
#include "common/bus_guard.h"
#include "common/config.h"
#include "common/exitcode.h"
#include "common/shm.h"
#include "common/shm_check.h"

static const char usage[] =
	"usage: tdapipe stats [-c FILE | --instance NAME] [--json] [--watch SECS]\n"
	"Print the processes, rings, time scales (open windows, watermark lag) and Kafka clients\n"
	"(state, partition lag) of a running instance.\n"
	"Refuses a segment that is not the caller's or root's, or not a complete tdapipe segment.\n"
	"Exit: 0 printed, 100 bad usage or config, 111 not running, refused, or gone while watched.\n";

/* One invocation: what the guarded readers below read and fill in. */
struct stats {
	const char *instance;
	bool json;
	struct tdp_shm seg;
	struct tdp_config cfg;    /* parsed from the segment's own config text */
	struct tdp_buf text;      /* that text, copied out of the segment */
	struct tdp_buf out;       /* one refresh's output */
	char err[1024];
};

/* Map and check the segment (tdp_bus_guard: the check reads it). */
static int attach(void *arg)
{
	struct stats *st = arg;
	return tdp_shm_attach(&st->seg, st->instance, false, st->err, sizeof(st->err));
}

/* A segment whose supervisor died (SIGKILL, a crash) is stale: its states
 * and pids describe processes that are gone. */
static int check_alive(struct stats *st)
{
	if (tdp_shm_supervisor_alive(st->seg.hdr))
		return 0;
	snprintf(st->err, sizeof(st->err), "instance \"%s\" is not running (stale segment /dev/shm%s of supervisor "
		 "pid %d, removed by the next `tdapipe run`)", st->instance, st->seg.path,
		 st->seg.hdr->supervisor_pid);
	return -ESRCH;
}

/* Copy the config text out (tdp_shm_check vouched for its extent). */
static int copy_config(void *arg)
{
	struct stats *st = arg;
	int rc = check_alive(st);
	if (rc < 0)
		return rc;
	const struct tdp_shm_header *h = st->seg.hdr;
	tdp_buf_append(&st->text, tdp_shm_at(&st->seg, h->config_off), h->config_len);
	if (!tdp_buf_ok(&st->text)) {
		snprintf(st->err, sizeof(st->err), "config in segment: %llu bytes: out of memory",
			 (unsigned long long)h->config_len);
		return -ENOMEM;
	}
	return 0;
}

/* Hold the header to what the config parsed from it lays out. */
static int check_config(void *arg)
{
	struct stats *st = arg;
	char why[512];
	if (tdp_shm_check_config(st->seg.hdr, &st->cfg, why, sizeof(why)) < 0) {
		snprintf(st->err, sizeof(st->err), "/dev/shm%s: %s", st->seg.path, why);
		return -EINVAL;
	}
	return 0;
}

/* One refresh: the instance must still run; then print into st->out. */
static int read_segment(void *arg)
{
	struct stats *st = arg;
	int rc = check_alive(st);
	if (rc < 0)
		return rc;
	stats_print(&st->out, &st->seg, &st->cfg, st->json);
	return 0;
}

/* Run FN under the guard; a SIGBUS becomes the message it deserves. */
static int guarded(struct stats *st, int (*fn)(void *))
{
	int rc = tdp_bus_guard(fn, st);
	if (rc == -EFAULT)
		snprintf(st->err, sizeof(st->err), "/dev/shm%s shrank while being read (SIGBUS): the segment was "
			 "truncated underneath", st->seg.path);
	return rc;
}

/* Before a refresh: the file is still linked and still the size mapped. */
static int still_there(struct stats *st)
{
	struct stat sb;
	if (fstat(st->seg.fd, &sb) != 0) {
		int e = errno;
		snprintf(st->err, sizeof(st->err), "stat /dev/shm%s: %s", st->seg.path, strerror(e));
		return -e;
	}
	if (sb.st_nlink == 0) {
		snprintf(st->err, sizeof(st->err), "instance \"%s\" is not running any more (its segment /dev/shm%s "
			 "was removed)", st->instance, st->seg.path);
		return -ENOENT;
	}
	if ((uint64_t)sb.st_size != st->seg.size) {
		snprintf(st->err, sizeof(st->err), "/dev/shm%s %s from %zu to %lld bytes while watched: the segment "
			 "was truncated or replaced", st->seg.path, (uint64_t)sb.st_size < st->seg.size ? "shrank" :
			 "grew", st->seg.size, (long long)sb.st_size);
		return -EINVAL;
	}
	return 0;
}

/* Attach, check and parse; then print once, or every WATCH seconds. */
static int stats_run(struct stats *st, double watch)
{
	int rc = guarded(st, attach);
	if (rc < 0)
		return rc;
	if ((rc = guarded(st, copy_config)) < 0)
		return rc;
	char why[768];
	if (tdp_config_parse(st->text.p, st->text.len, "(segment)", &st->cfg, why, sizeof(why)) < 0) {
		snprintf(st->err, sizeof(st->err), "config in segment /dev/shm%s: %s", st->seg.path, why);
		return -EINVAL;
	}
	if ((rc = guarded(st, check_config)) < 0)
		return rc;
	for (bool first = true;; first = false) {
		if ((rc = still_there(st)) < 0 || (rc = guarded(st, read_segment)) < 0)
			return rc;
		if (!first && !st->json)
			fputc('\n', stdout);
		fwrite(st->out.p, 1, st->out.len, stdout);
		fflush(stdout);
		tdp_buf_reset(&st->out);
		if (watch <= 0)
			return 0;
		usleep((useconds_t)(watch * 1e6));
	}
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"instance", required_argument, NULL, 'i'},
		{"json", no_argument, NULL, 'j'},
		{"watch", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	static struct stats st;
	static struct tdp_config file_cfg;
	const char *path = NULL;
	double watch = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:i:jw:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'i': st.instance = optarg; break;
		case 'j': st.json = true; break;
		case 'w': watch = atof(optarg); break;
		case 'h': printf("%s", usage); return TDP_EXIT_OK;
		default: fprintf(stderr, "%s", usage); return TDP_EXIT_USAGE;
		}
	}
	if ((!path == !st.instance) || optind != argc || watch < 0) {
		fprintf(stderr, "%s", usage);
		return TDP_EXIT_USAGE;
	}
	if (path) {
		if (tdp_config_load(path, &file_cfg, st.err, sizeof(st.err)) < 0) {
			fprintf(stderr, "%s\n", st.err);
			return TDP_EXIT_USAGE;
		}
		st.instance = file_cfg.instance;
	}
	st.seg.fd = -1;
	tdp_buf_init(&st.text);
	tdp_buf_init(&st.out);
	int rc = stats_run(&st, watch);
	if (rc < 0)
		fprintf(stderr, "tdapipe stats: %s\n", st.err);
	tdp_shm_detach(&st.seg);
	tdp_buf_fini(&st.text);
	tdp_buf_fini(&st.out);
	return rc < 0 ? TDP_EXIT_SYSTEM : TDP_EXIT_OK;
}
