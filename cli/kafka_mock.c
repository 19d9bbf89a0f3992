/*
 * tdapipe kafka-mock - librdkafka's built-in mock cluster, for the demo and
 * the tests.
 *
 * rd_kafka_mock_cluster_new() runs N brokers inside this process that speak
 * the real Kafka protocol on loopback (produce, fetch, consumer groups,
 * offset commits, idempotent and transactional producers), with random
 * ports.  This command creates the topics asked for, prints the bootstrap
 * address on standard output (one line, flushed, so a script can read it)
 * and serves until SIGINT or SIGTERM.  A testing aid, not a broker: the
 * mock keeps only a few MiB per partition and nothing on disk.
 *
 * With --control it reads commands on standard input, one per line, and
 * answers each with one line ("ok" or "error: ..."), to inject faults
 * while clients run: `down B` / `up B` (broker B's listener closed or
 * reopened), `errors API N ERROR` (the next N requests of API, by name or
 * number, fail with ERROR, by name or code), `rtt B MS` (broker B answers
 * MS milliseconds late).
 *
 * librdkafka 2.0 cannot put a mock broker on a chosen port, so --port P
 * listens on P itself and relays each connection to the first broker.  A
 * client only bootstraps there: the cluster's metadata then names every
 * broker's own loopback address, which the client connects to directly.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "cli/cli.h"
#include "common/exitcode.h"

#define MAX_TOPICS 64

static const char usage[] =
	"usage: tdapipe kafka-mock [--brokers N] [--port P] [--topic NAME[:PARTITIONS]]... [--control]\n"
	"Start librdkafka's mock Kafka cluster on loopback (a testing aid, not a\n"
	"broker), print its bootstrap address, serve until SIGINT/SIGTERM.\n"
	"  --brokers N        brokers in the cluster (default 1, at most 16)\n"
	"  --port P           also accept bootstrap connections on 127.0.0.1:P\n"
	"  --topic NAME[:N]   create topic NAME with N partitions (default 4)\n"
	"  --control          read fault commands on stdin: down B | up B | rtt B MS |\n"
	"                     errors API COUNT ERROR (e.g. errors Produce 3 NOT_LEADER_FOR_PARTITION)\n"
	"Exit: 0 stopped by a signal, 100 bad usage, 111 the cluster could not start.\n";

/* One relayed bootstrap connection: bytes both ways until either side
 * closes.  Bootstrap connections are short and few, so a thread each. */
struct relay {
	int a, b;
};

static void *relay_run(void *arg)
{
	struct relay *r = arg;
	struct pollfd p[2] = {{r->a, POLLIN, 0}, {r->b, POLLIN, 0}};
	char buf[65536];
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		int from = (p[0].revents & (POLLIN | POLLHUP | POLLERR)) ? 0 : 1;
		if (!(p[from].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t n = read(p[from].fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(p[!from].fd, buf + off, (size_t)(n - off));
			if (w <= 0)
				goto out;
			off += w;
		}
	}
out:
	close(r->a);
	close(r->b);
	free(r);
	return NULL;
}

/* "host:port[,host:port...]": the first broker's address. */
static int first_broker(const char *bootstraps, struct sockaddr_in *sa)
{
	char host[256];
	const char *colon = strchr(bootstraps, ':');
	if (!colon || (size_t)(colon - bootstraps) >= sizeof(host))
		return -EINVAL;
	memcpy(host, bootstraps, (size_t)(colon - bootstraps));
	host[colon - bootstraps] = 0;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

struct forwarder {
	int lfd;
	struct sockaddr_in to;
};

static void *forward_run(void *arg)
{
	struct forwarder *f = arg;
	for (;;) {
		int c = accept(f->lfd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct relay *r = malloc(sizeof(*r));
		pthread_t t;
		if (s < 0 || !r || connect(s, (struct sockaddr *)&f->to, sizeof(f->to)) != 0) {
			close(c);
			if (s >= 0)
				close(s);
			free(r);
			continue;
		}
		r->a = c;
		r->b = s;
		if (pthread_create(&t, NULL, relay_run, r) != 0) {
			close(c);
			close(s);
			free(r);
			continue;
		}
		pthread_detach(t);
	}
}

static int listen_on(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 64) != 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Kafka API names the control commands accept (numbers work too). */
static const struct { const char *name; int key; } apis[] = {
	{"Produce", 0}, {"Fetch", 1}, {"ListOffsets", 2}, {"Metadata", 3}, {"OffsetCommit", 8},
	{"OffsetFetch", 9}, {"FindCoordinator", 10}, {"JoinGroup", 11}, {"Heartbeat", 12},
	{"LeaveGroup", 13}, {"SyncGroup", 14}, {"InitProducerId", 22}, {"AddPartitionsToTxn", 24},
	{"AddOffsetsToTxn", 25}, {"EndTxn", 26}, {"TxnOffsetCommit", 28},
};

static int api_key(const char *s)
{
	for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++)
		if (!strcmp(s, apis[i].name))
			return apis[i].key;
	char *end;
	long v = strtol(s, &end, 10);
	return *s && !*end && v >= 0 && v < 100 ? (int)v : -1;
}

/* An error by librdkafka's name (NOT_LEADER_FOR_PARTITION) or code. */
static int error_code(const char *s, rd_kafka_resp_err_t *out)
{
	const struct rd_kafka_err_desc *d;
	size_t n;
	rd_kafka_get_err_descs(&d, &n);
	for (size_t i = 0; i < n; i++)
		if (d[i].name && !strcmp(d[i].name, s)) {
			*out = d[i].code;
			return 0;
		}
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end)
		return -1;
	*out = (rd_kafka_resp_err_t)v;
	return 0;
}

/* One control command; the answer, one line, in OUT. */
static void control(rd_kafka_mock_cluster_t *mc, unsigned brokers, char *line, char *out, size_t len)
{
	char cmd[32], a[64], b[64], c[64];
	int n = sscanf(line, "%31s %63s %63s %63s", cmd, a, b, c);
	unsigned id, ms, count;
	rd_kafka_resp_err_t e = 0, err;
	if (n == 2 && (!strcmp(cmd, "down") || !strcmp(cmd, "up")) && !parse_uint(a, 1, brokers, &id))
		e = cmd[0] == 'd' ? rd_kafka_mock_broker_set_down(mc, (int32_t)id)
				  : rd_kafka_mock_broker_set_up(mc, (int32_t)id);
	else if (n == 3 && !strcmp(cmd, "rtt") && !parse_uint(a, 1, brokers, &id) &&
		 !parse_uint(b, 0, 600000, &ms))
		e = rd_kafka_mock_broker_set_rtt(mc, (int32_t)id, (int)ms);
	else if (n == 4 && !strcmp(cmd, "errors") && api_key(a) >= 0 && !parse_uint(b, 1, 100000, &count) &&
		 !error_code(c, &err)) {
		rd_kafka_resp_err_t *errs = malloc(sizeof(*errs) * count);
		if (!errs) {
			snprintf(out, len, "error: out of memory");
			return;
		}
		for (unsigned i = 0; i < count; i++)
			errs[i] = err;
		rd_kafka_mock_push_request_errors_array(mc, (int16_t)api_key(a), count, errs);
		free(errs);
	} else {
		snprintf(out, len, "error: expected down B | up B | rtt B MS | errors API COUNT ERROR");
		return;
	}
	if (e)
		snprintf(out, len, "error: %s", rd_kafka_err2str(e));
	else
		snprintf(out, len, "ok");
}

struct controller {
	rd_kafka_mock_cluster_t *mc;
	unsigned brokers;
};

/* Answer commands on stdin until it closes. */
static void *control_run(void *arg)
{
	struct controller *ct = arg;
	char line[256], out[160];
	while (fgets(line, sizeof(line), stdin)) {
		control(ct->mc, ct->brokers, line, out, sizeof(out));
		printf("%s\n", out);
		fflush(stdout);
		fprintf(stderr, "tdapipe kafka-mock: %.*s: %s\n", (int)strcspn(line, "\n"), line, out);
	}
	return NULL;
}


int cmd_kafka_mock(int argc, char **argv)
{
	static const struct option opts[] = {
		{"brokers", required_argument, NULL, 'b'},
		{"port", required_argument, NULL, 'p'},
		{"topic", required_argument, NULL, 't'},
		{"control", no_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	unsigned brokers = 1, port = 0;
	bool with_control = false;
	static char topics[MAX_TOPICS][256];
	unsigned parts[MAX_TOPICS], ntopics = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "b:p:t:ch", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			with_control = true;
			break;
		case 'b':
			if (parse_uint(optarg, 1, 16, &brokers) < 0)
				goto bad;
			break;
		case 'p':
			if (parse_uint(optarg, 1, 65535, &port) < 0)
				goto bad;
			break;
		case 't': {
			if (ntopics == MAX_TOPICS)
				goto bad;
			char *colon = strrchr(optarg, ':');
			parts[ntopics] = 4;
			if (colon && parse_uint(colon + 1, 1, 10000, &parts[ntopics]) < 0)
				goto bad;
			size_t len = colon ? (size_t)(colon - optarg) : strlen(optarg);
			if (!len || len >= sizeof(topics[0]))
				goto bad;
			memcpy(topics[ntopics], optarg, len);
			topics[ntopics++][len] = 0;
			break;
		}
		case 'h': printf("%s", usage); return TDP_EXIT_OK;
		default: goto bad;
		}
	}
	if (optind != argc)
		goto bad;

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);   /* before librdkafka starts its threads */

	char err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "tdapipe kafka-mock: %s\n", err);
		return TDP_EXIT_SYSTEM;
	}
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, (int)brokers);
	if (!mc) {
		fprintf(stderr, "tdapipe kafka-mock: could not start a mock cluster of %u brokers\n", brokers);
		rd_kafka_destroy(rk);
		return TDP_EXIT_SYSTEM;
	}
	int rc = TDP_EXIT_OK;
	for (unsigned i = 0; i < ntopics; i++) {
		rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, topics[i], (int)parts[i], 1);
		if (e) {
			fprintf(stderr, "tdapipe kafka-mock: topic %s: %s\n", topics[i], rd_kafka_err2str(e));
			rc = TDP_EXIT_SYSTEM;
			goto out;
		}
	}
	const char *boot = rd_kafka_mock_cluster_bootstraps(mc);
	static struct forwarder fw;
	if (port) {
		pthread_t t;
		if (first_broker(boot, &fw.to) < 0 || (fw.lfd = listen_on((uint16_t)port)) < 0 ||
		    pthread_create(&t, NULL, forward_run, &fw) != 0) {
			fprintf(stderr, "tdapipe kafka-mock: cannot listen on 127.0.0.1:%u: %s\n", port,
				fw.lfd < 0 ? strerror(-fw.lfd) : "bad bootstrap address");
			rc = TDP_EXIT_SYSTEM;
			goto out;
		}
		pthread_detach(t);
		printf("127.0.0.1:%u\n", port);
		fprintf(stderr, "tdapipe kafka-mock: %u broker%s at %s, bootstrap also on 127.0.0.1:%u\n", brokers,
			brokers == 1 ? "" : "s", boot, port);
	} else {
		printf("%s\n", boot);
		fprintf(stderr, "tdapipe kafka-mock: %u broker%s at %s\n", brokers, brokers == 1 ? "" : "s", boot);
	}
	fflush(stdout);
	static struct controller ct;
	if (with_control) {
		pthread_t t;
		ct = (struct controller){mc, brokers};
		if (pthread_create(&t, NULL, control_run, &ct) == 0)
			pthread_detach(t);
	}
	int sig;
	sigwait(&set, &sig);
	fprintf(stderr, "tdapipe kafka-mock: %s: stopping\n", strsignal(sig));
out:
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return rc;
bad:
	fprintf(stderr, "%s", usage);
	return TDP_EXIT_USAGE;
}
