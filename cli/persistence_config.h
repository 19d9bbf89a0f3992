/*
 * persistence_config.h - `tdapipe persistence --config FILE --scale NAME`:
 * one scale of a pipeline config run offline (cli/persistence_config.c).
 */
#ifndef TDP_PERSISTENCE_CONFIG_H
#define TDP_PERSISTENCE_CONFIG_H

/* Run scale SCALE of the config at CONFIG on INPUT (a file, or "-" for
 * standard input), its results on standard output as the pipeline
 * publishes them, its events (if it makes any) into EVENTS when not NULL.
 * Returns the exit status (tdapipe-persistence(1)). */
int persistence_config_run(const char *config, const char *scale, const char *input, const char *events);

#endif
