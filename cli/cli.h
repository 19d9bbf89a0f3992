/*
 * cli.h - the subcommands of `tdapipe` (tdapipe(1)).
 */
#ifndef TDP_CLI_H
#define TDP_CLI_H

int cmd_run(int argc, char **argv);            /* cli/run.c: the supervisor */
int cmd_stats(int argc, char **argv);          /* cli/stats.c */
int cmd_top(int argc, char **argv);            /* cli/top.c */
int cmd_check_config(int argc, char **argv);   /* cli/check_config.c */
int cmd_persistence(int argc, char **argv);    /* cli/persistence.c */
int cmd_plot(int argc, char **argv);           /* cli/plot.c */
int cmd_kafka_mock(int argc, char **argv);     /* cli/kafka_mock.c */

/* cli/args.c: a number from an option's text, LO <= v <= HI, nothing
 * after it; false for anything else. */
#include <stdbool.h>
bool cli_number_arg(const char *s, double lo, double hi, double *out);

#endif
