/*
 * tdapipe-exporter - the instance's metrics, health and stats over HTTP
 * on metrics.listen (tdapipe-metrics(7)).
 *
 * Started by `tdapipe run` in the exporter's slot when the config has
 * `metrics:`.  It maps the segment read-only like `tdapipe stats`, so it
 * never beats a heartbeat (the supervisor exempts it from hang
 * detection) and can never stall a worker.  SIGTERM (the supervisor, once
 * the pipeline has finished) stops it.
 *
 * Exit: 0 stopped, 100 bad usage, 111 the segment could not be read or
 * metrics.listen could not be listened on (the supervisor restarts it,
 * and gives up after restart_limit without failing the run).
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "common/child.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "exporter/exporter.h"

static const char usage[] =
	"usage: tdapipe-exporter --instance NAME\n"
	"Started by `tdapipe run` when the config has metrics:; serves /metrics, /healthz,\n"
	"/readyz and /stats.json on metrics.listen (tdapipe-metrics(7)).\n";

int main(int argc, char **argv)
{
	static struct seg_reader rd;
	const char *instance;
	int rc = tdp_child_args(argc, argv, usage, &instance, NULL);
	if (rc)
		return rc < 0 ? TDP_EXIT_OK : rc;
	tdp_log_init("tdapipe-exporter");
	/* Blocked before the library's thread exists, so that it inherits the
	 * mask and the signals come to sigwait below. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	if (seg_reader_instance(&rd, NULL, instance) < 0) {
		tdp_log_error("%s", rd.err);
		return TDP_EXIT_USAGE;
	}
	char err[512];
	struct MHD_Daemon *d = NULL;
	int fd = -1;
	rc = TDP_EXIT_SYSTEM;
	if (seg_reader_open(&rd) < 0) {
		tdp_log_error("%s", rd.err);
		goto out;
	}
	tdp_log_set_format(rd.cfg.log.format);
	if (!rd.cfg.metrics.on) {
		tdp_log_error("the config of instance %s has no metrics: section", instance);
		rc = TDP_EXIT_USAGE;
		goto out;
	}
	if ((fd = listen_open(&rd.cfg.metrics, err, sizeof(err))) < 0 || !(d = http_start(&rd, fd, err, sizeof(err)))) {
		tdp_log_error("%s", err);
		goto out;
	}
	tdp_log("serving http://%s/metrics", rd.cfg.metrics.listen);
	int sig;
	sigwait(&stop, &sig);
	rc = TDP_EXIT_OK;
out:
	http_stop(d);
	if (fd >= 0)
		close(fd);
	seg_reader_close(&rd);
	return rc;
}
