/*
 * tdapipe stats - print an instance's processes, rings, time scales' event
 * time and Kafka clients, the time of the reading and, between two
 * readings, rates per second.
 *
 * Reads the segment through common/seg_reader.h: mapped read-only, checked
 * before it is trusted, every read under tdp_bus_guard; a segment
 * truncated or removed while watched ends the command with a message
 * (exit 111), never with SIGBUS.
 *
 * Rates need two readings: --watch SECS shows, from its second refresh
 * on, the rates since the previous one; --rate SECS takes a first
 * reading, waits SECS and prints the second with the rates between them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/seg_reader.h"
#include "cli/stats_print.h"
#include "cli/stats_rate.h"
#include "common/buf.h"
#include "common/exitcode.h"

static const char usage[] =
	"usage: tdapipe stats [-c FILE | --instance NAME] [--json] [--watch SECS] [--rate SECS]\n"
	"Print the processes, rings, time scales (open windows, watermark lag) and Kafka clients\n"
	"(state, partition lag) of a running instance, with the time of the reading.\n"
	"Rates per second: --watch shows them since the previous refresh; --rate SECS waits SECS\n"
	"between two readings and prints the second with the rates (without either: no rates).\n"
	"Refuses a segment that is not the caller's or root's, or not a complete tdapipe segment.\n"
	"Exit: 0 printed, 100 bad usage or config, 111 not running, refused, or gone while watched.\n";

/* One invocation: what the guarded readers below fill in. */
struct stats {
	struct seg_reader r;
	bool json, rates;
	bool have_prev;
	struct stats_sample prev, cur;
	struct tdp_buf out;       /* one refresh's output */
};

/* Take a sample only (the first reading of --rate). */
static int read_sample(struct seg_reader *r, void *arg)
{
	struct stats *st = arg;
	stats_sample_take(&st->cur, &r->seg);
	return 0;
}

/* One refresh: print into st->out, rates since the previous sample. */
static int read_segment(struct seg_reader *r, void *arg)
{
	struct stats *st = arg;
	stats_sample_take(&st->cur, &r->seg);
	stats_print(&st->out, &r->seg, &r->cfg, st->json);
	if (st->rates)
		stats_rates_print(&st->out, st->have_prev ? &st->prev : NULL, &st->cur, &r->seg, &r->cfg, st->json);
	return 0;
}

static void sleep_secs(double secs)
{
	usleep((useconds_t)(secs * 1e6));
}

/* Print once, or every WATCH seconds; first wait RATE seconds for rates. */
static int stats_run(struct stats *st, double watch, double rate)
{
	int rc;
	if (rate > 0) {
		if ((rc = seg_reader_read(&st->r, read_sample, st)) < 0)
			return rc;
		st->prev = st->cur;
		st->have_prev = true;
		sleep_secs(rate);
	}
	for (bool first = true;; first = false) {
		if ((rc = seg_reader_still_there(&st->r)) < 0 || (rc = seg_reader_read(&st->r, read_segment, st)) < 0)
			return rc;
		if (!first && !st->json)
			fputc('\n', stdout);
		fwrite(st->out.p, 1, st->out.len, stdout);
		fflush(stdout);
		tdp_buf_reset(&st->out);
		st->prev = st->cur;
		st->have_prev = true;
		if (watch <= 0)
			return 0;
		sleep_secs(watch);
	}
}

/* A number of seconds from an option: > 0 and finite. */
static bool secs_arg(const char *s, double *out)
{
	return cli_number_arg(s, 0, 86400 * 365, out) && *out > 0 && *out < 86400 * 365;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"instance", required_argument, NULL, 'i'},
		{"json", no_argument, NULL, 'j'},
		{"watch", required_argument, NULL, 'w'},
		{"rate", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	static struct stats st;
	const char *path = NULL, *instance = NULL;
	double watch = 0, rate = 0;
	bool ok = true;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:i:jw:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'i': instance = optarg; break;
		case 'j': st.json = true; break;
		case 'w': ok &= secs_arg(optarg, &watch); break;
		case 'r': ok &= secs_arg(optarg, &rate); break;
		case 'h': printf("%s", usage); return TDP_EXIT_OK;
		default: fprintf(stderr, "%s", usage); return TDP_EXIT_USAGE;
		}
	}
	if ((!path == !instance) || optind != argc || !ok) {
		fprintf(stderr, "%s", usage);
		return TDP_EXIT_USAGE;
	}
	st.rates = watch > 0 || rate > 0;
	tdp_buf_init(&st.out);
	if (seg_reader_instance(&st.r, path, instance) < 0) {
		fprintf(stderr, "%s\n", st.r.err);
		return TDP_EXIT_USAGE;
	}
	int rc = seg_reader_open(&st.r);
	if (rc >= 0)
		rc = stats_run(&st, watch, rate);
	if (rc < 0)
		fprintf(stderr, "tdapipe stats: %s\n", st.r.err);
	seg_reader_close(&st.r);
	tdp_buf_fini(&st.out);
	return rc < 0 ? TDP_EXIT_SYSTEM : TDP_EXIT_OK;
}
