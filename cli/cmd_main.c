/*
 * tdapipe-cmd - the subcommands of `tdapipe` that link librdkafka, cairo
 * or libsystemd (cli/bindir.c says why they are apart).  `tdapipe`
 * becomes this program for them, with its arguments unchanged: argv[1] is
 * the command.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/exitcode.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{"run", cmd_run},
	{"check-config", cmd_check_config},
	{"plot", cmd_plot},
	{"kafka-mock", cmd_kafka_mock},
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc >= 2 && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "tdapipe-cmd: run by tdapipe (\"tdapipe run ...\"), not on its own\n%s", cli_usage);
	return TDP_EXIT_USAGE;
}
