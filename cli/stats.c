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
#include "common/config.h"
#include "common/exitcode.h"
#include "common/shm.h"
#include "common/shm_reader.h"

static const char usage[] =
	"usage: tdapipe stats [-c FILE | --instance NAME] [--json] [--watch SECS]\n"
	"Print the processes, rings, time scales (open windows, watermark lag) and Kafka clients\n"
	"(state, partition lag) of a running instance.\n"
	"Refuses a segment that is not the caller's or root's, or not a complete tdapipe segment.\n"
	"Exit: 0 printed, 100 bad usage or config, 111 not running, refused, or gone while watched.\n";

/* One invocation: the segment read (common/shm_reader.h) and what a
 * refresh fills in. */
struct stats {
	struct tdp_shm_reader rd;
	bool json;
	struct tdp_buf out;       /* one refresh's output */
};

/* One refresh: the instance must still run; then print into st->out. */
static int read_segment(void *arg)
{
	struct stats *st = arg;
	int rc = tdp_shm_reader_alive(&st->rd);
	if (rc < 0)
		return rc;
	stats_print(&st->out, &st->rd.seg, &st->rd.cfg, st->json);
	return 0;
}

/* Attach, check and parse; then print once, or every WATCH seconds. */
static int stats_run(struct stats *st, double watch)
{
	int rc = tdp_shm_reader_open(&st->rd);
	if (rc < 0)
		return rc;
	for (bool first = true;; first = false) {
		if ((rc = tdp_shm_reader_still_there(&st->rd)) < 0 || (rc = tdp_shm_reader_guard(&st->rd, read_segment, st)) < 0)
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
	const char *path = NULL, *instance = NULL;
	double watch = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:i:jw:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'i': instance = optarg; break;
		case 'j': st.json = true; break;
		case 'w': watch = atof(optarg); break;
		case 'h': printf("%s", usage); return TDP_EXIT_OK;
		default: fprintf(stderr, "%s", usage); return TDP_EXIT_USAGE;
		}
	}
	if ((!path == !instance) || optind != argc || watch < 0) {
		fprintf(stderr, "%s", usage);
		return TDP_EXIT_USAGE;
	}
	if (path) {
		char err[1024];
		if (tdp_config_load(path, &file_cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return TDP_EXIT_USAGE;
		}
		instance = file_cfg.instance;
	}
	tdp_shm_reader_init(&st.rd, instance);
	tdp_buf_init(&st.out);
	int rc = stats_run(&st, watch);
	if (rc < 0)
		fprintf(stderr, "tdapipe stats: %s\n", st.rd.err);
	tdp_shm_reader_close(&st.rd);
	tdp_buf_fini(&st.out);
	return rc < 0 ? TDP_EXIT_SYSTEM : TDP_EXIT_OK;
}
