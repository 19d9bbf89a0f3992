/*
 * usage.c - `tdapipe --help`, shared by tdapipe and tdapipe-cmd.
 */
#include "cli/cli.h"

const char cli_usage[] =
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
