/*
 * log.h - one-line diagnostics on stderr, prefixed with the program name
 * and pid so the supervisor's merged stderr stays readable.
 */
#ifndef TDP_LOG_H
#define TDP_LOG_H

void tdp_log_init(const char *progname);
void tdp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
