/*
 * cli.h - the subcommands of `tdapipe` (tdapipe(1)): stats, top and
 * persistence in `tdapipe` itself (cli/main.c), the others in tdapipe-cmd
 * (cli/cmd_main.c), which links librdkafka, cairo and libsystemd.
 */
#ifndef TDP_CLI_H
#define TDP_CLI_H

#include <stdbool.h>
#include <stddef.h>

int cmd_run(int argc, char **argv);            /* cli/run.c: the supervisor */
int cmd_stats(int argc, char **argv);          /* cli/stats.c */
int cmd_top(int argc, char **argv);            /* cli/top.c */
int cmd_check_config(int argc, char **argv);   /* cli/check_config.c */
int cmd_persistence(int argc, char **argv);    /* cli/persistence.c */
int cmd_plot(int argc, char **argv);           /* cli/plot.c */
int cmd_kafka_mock(int argc, char **argv);     /* cli/kafka_mock.c */

/* cli/bindir.c: the directory of tdapipe's programs (TDAPIPE_LIBEXEC, else
 * this program's own) into OUT; 0 or -errno. */
int cli_bindir(char *out, size_t len);

/* cli/bindir.c: become tdapipe-cmd, found beside this program, with ARGV
 * (ARGV[1] a command it runs); returns only on failure, an exit status,
 * after saying why. */
int cli_exec_cmd(char **argv);

/* cli/usage.c: `tdapipe --help`. */
extern const char cli_usage[];

/* cli/args.c: a number from an option's text, LO <= v <= HI, nothing
 * after it; false for anything else. */
bool cli_number_arg(const char *s, double lo, double hi, double *out);

#endif
