/*
 * tdapipe - the command: supervisor (`run`) and admin tools.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/exitcode.h"

#define TDP_VERSION "0.1.0"

static const char usage[] =
	"usage: tdapipe COMMAND [ARGS]\n"
	"Real-time multi-scale topological data analysis of streams.\n"
	"\n"
	"commands:\n"
	"  run -c FILE [--fresh] [--drain-timeout SECS]\n"
	"                                       run the pipeline of FILE under a supervisor, from its\n"
	"                                       checkpoint (state.dir) unless --fresh; SIGHUP reloads\n"
	"                                       (with metrics: in FILE, also its HTTP metrics endpoint)\n"
	"  stats [-c FILE | --instance NAME] [--json] [--watch SECS] [--rate SECS]\n"
	"                                       processes, rings, rates and Kafka clients of a running instance\n"
	"  top [-c FILE | --instance NAME] [--interval SECS] [--streams N]\n"
	"                                       a live view of a running instance (q quits)\n"
	"  check-config FILE                    validate a config without running it\n"
	"  persistence [--dim K] [--window W --slide S] [FILE]  persistence diagrams of a file\n"
	"  persistence --config FILE --scale NAME [INPUT]\n"
	"                                       one scale of a config run offline: its results\n"
	"  plot diagram|barcode|series [--stream S] [--scale N] [-o FILE.svg|.png] [RESULTS]\n"
	"                                       draw results: a diagram, a barcode, a feature series\n"
	"  kafka-mock [--brokers N] [--port P] [--topic NAME[:N]]... [--control]\n"
	"                                       a mock Kafka cluster on loopback, for tests and demos\n"
	"  --help, --version\n"
	"\n"
	"`tdapipe COMMAND --help` for each; man tdapipe(1), tdapipe.yaml(5), tdapipe-results(5),\n"
	"tdapipe-metrics(7).\n"
	"exit: 0 ok, 1 a process failed for good (persistence: a dimension not computed),\n"
	"100 bad usage or config, 111 system failure.\n";

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{"run", cmd_run},
	{"stats", cmd_stats},
	{"top", cmd_top},
	{"check-config", cmd_check_config},
	{"persistence", cmd_persistence},
	{"plot", cmd_plot},
	{"kafka-mock", cmd_kafka_mock},
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "%s", usage);
		return TDP_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		printf("%s", usage);
		return TDP_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("tdapipe %s\n", TDP_VERSION);
		return TDP_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "tdapipe: unknown command \"%s\"\n%s", argv[1], usage);
	return TDP_EXIT_USAGE;
}
