/*
 * tdapipe - the command: its light subcommands here, the others handed
 * to tdapipe-cmd (cli/bindir.c says why).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/exitcode.h"

#define TDP_VERSION "0.1.0"

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{"stats", cmd_stats},
	{"top", cmd_top},
	{"persistence", cmd_persistence},
	/* in tdapipe-cmd (cli/cmd_main.c) */
	{"run", NULL},
	{"check-config", NULL},
	{"plot", NULL},
	{"kafka-mock", NULL},
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "%s", cli_usage);
		return TDP_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		printf("%s", cli_usage);
		return TDP_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("tdapipe %s\n", TDP_VERSION);
		return TDP_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn ? commands[i].fn(argc - 1, argv + 1) : cli_exec_cmd(argv);
	fprintf(stderr, "tdapipe: unknown command \"%s\"\n%s", argv[1], cli_usage);
	return TDP_EXIT_USAGE;
}
