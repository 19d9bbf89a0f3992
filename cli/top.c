/*
 * tdapipe top - a live view of a running instance, like htop or
 * aeron-stat (tdapipe-top(1)): per process its state, CPU and records/s,
 * per scale points and windows/s, ring fill and latency, per stream (the
 * busiest N) its rate and latest result.
 *
 * Reads the segment exactly as `tdapipe stats` does (common/seg_reader.h:
 * read-only, checked, under tdp_bus_guard): it can never stall a worker.
 * Plain ANSI escapes, no curses: the alternate screen, the cursor hidden,
 * the frame redrawn in place.  The terminal is put back on every way out:
 * q, Ctrl-C (SIGINT), SIGTERM / SIGHUP, the instance ending.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/seg_reader.h"
#include "cli/top_view.h"
#include "common/clock.h"
#include "common/exitcode.h"

static const char usage[] =
	"usage: tdapipe top [-c FILE | --instance NAME] [--interval SECS] [--streams N]\n"
	"A live view of a running instance, refreshed every SECS (1): processes (state, CPU%,\n"
	"records/s), scales (points/s, windows/s, ring fill, latency p99) and the N (10) busiest\n"
	"streams with their latest result.  q or Ctrl-C quits.\n"
	"Exit: 0 quit or the instance ended, 100 bad usage or config, 111 not running or refused.\n";

static volatile sig_atomic_t quit_signal;

static void on_signal(int sig)
{
	quit_signal = sig;
}

/* The terminal as it was, to put back. */
struct term {
	bool tty_in, tty_out;
	struct termios saved;
};

static void term_enter(struct term *t)
{
	t->tty_out = isatty(STDOUT_FILENO);
	t->tty_in = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved) == 0;
	if (t->tty_in) {
		/* Keys one at a time, not echoed; ISIG stays: Ctrl-C is SIGINT. */
		struct termios raw = t->saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	if (t->tty_out)
		fputs("\033[?1049h\033[?25l\033[2J", stdout);   /* alternate screen, no cursor */
	fflush(stdout);
}

static void term_leave(struct term *t)
{
	if (t->tty_out)
		fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	if (t->tty_in)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
}

static void term_size(unsigned *cols, unsigned *rows)
{
	struct winsize ws;
	*cols = 200, *rows = 50;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row)
		*cols = ws.ws_col, *rows = ws.ws_row;
}

/*
 * Wait up to MS for a key: true when it is q (or the input ended, when
 * the input is a terminal).  *KEYS is cleared once stdin gives EOF without
 * being a terminal (/dev/null): from then on only the clock is waited on.
 */
static bool wait_key(int ms, bool *keys)
{
	uint64_t until = tdp_now_ns() + (uint64_t)ms * 1000000u;
	for (;;) {
		uint64_t now = tdp_now_ns();
		if (quit_signal)
			return true;
		if (now >= until)
			return false;
		int left = (int)((until - now) / 1000000u) + 1;
		struct pollfd p = {STDIN_FILENO, POLLIN, 0};
		int n = poll(&p, *keys ? 1 : 0, left);
		if (n <= 0)
			continue;   /* a timeout, or EINTR: the loop checks both */
		char c;
		ssize_t got = read(STDIN_FILENO, &c, 1);
		if (got == 1 && (c == 'q' || c == 'Q'))
			return true;
		if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN))
			*keys = false;
	}
}

struct top {
	struct seg_reader r;
	uint32_t top_n;
	struct top_snap snaps[2];
	struct top_snap *cur, *prev;   /* prev NULL until there are two readings */
};

static int read_snap(struct seg_reader *r, void *arg)
{
	struct top *t = arg;
	top_snap_take(t->cur, t->prev, &r->seg, &r->cfg, t->top_n);
	return 0;
}

/* Refresh every INTERVAL seconds until q, a signal, or the instance ends. */
static int top_loop(struct top *t, double interval)
{
	struct tdp_buf frame;
	struct term term;
	bool keys = true;
	int rc = 0;
	tdp_buf_init(&frame);
	term_enter(&term);
	t->cur = &t->snaps[0];
	t->prev = NULL;
	for (;;) {
		if ((rc = seg_reader_still_there(&t->r)) < 0 || (rc = seg_reader_read(&t->r, read_snap, t)) < 0)
			break;
		top_snap_cpu(t->cur);
		unsigned cols, rows;
		term_size(&cols, &rows);
		tdp_buf_reset(&frame);
		top_draw(&frame, t->cur, t->prev, &t->r.cfg, cols, rows);
		fwrite(frame.p, 1, frame.len, stdout);
		fflush(stdout);
		t->prev = t->cur;
		t->cur = t->cur == &t->snaps[0] ? &t->snaps[1] : &t->snaps[0];
		if (wait_key((int)(interval * 1000), &keys))
			break;
	}
	term_leave(&term);
	tdp_buf_fini(&frame);
	return rc;
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"instance", required_argument, NULL, 'i'},
		{"interval", required_argument, NULL, 'n'},
		{"streams", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	static struct top t;
	const char *path = NULL, *instance = NULL;
	double interval = 1, streams = 10;
	bool ok = true;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:i:n:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'i': instance = optarg; break;
		case 'n': ok &= cli_number_arg(optarg, 0.1, 3600, &interval); break;
		case 's': ok &= cli_number_arg(optarg, 0, TOP_MAX_STREAMS, &streams); break;
		case 'h': printf("%s", usage); return TDP_EXIT_OK;
		default: fprintf(stderr, "%s", usage); return TDP_EXIT_USAGE;
		}
	}
	if ((!path == !instance) || optind != argc || !ok) {
		fprintf(stderr, "%s", usage);
		return TDP_EXIT_USAGE;
	}
	t.top_n = (uint32_t)streams;
	if (seg_reader_instance(&t.r, path, instance) < 0) {
		fprintf(stderr, "%s\n", t.r.err);
		return TDP_EXIT_USAGE;
	}
	/* No SA_RESTART: a signal ends the wait for a key at once. */
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	int rc = seg_reader_open(&t.r);
	if (rc >= 0 && (top_snap_init(&t.snaps[0], &t.r.seg, t.top_n) < 0 ||
			top_snap_init(&t.snaps[1], &t.r.seg, t.top_n) < 0)) {
		snprintf(t.r.err, sizeof(t.r.err), "out of memory for %u streams", t.r.seg.hdr->max_streams);
		rc = -ENOMEM;
	}
	/* The instance ending while watched is how a watch ends, not a
	 * failure; not running at the start is. */
	bool ended = false;
	if (rc >= 0) {
		rc = top_loop(&t, interval);
		ended = rc == -ENOENT || rc == -ESRCH;
	}
	if (rc < 0)
		fprintf(stderr, "tdapipe top: %s\n", t.r.err);
	top_snap_fini(&t.snaps[0]);
	top_snap_fini(&t.snaps[1]);
	seg_reader_close(&t.r);
	return rc < 0 && !ended ? TDP_EXIT_SYSTEM : TDP_EXIT_OK;
}
