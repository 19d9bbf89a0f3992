/*
 * exitcode.h - what tdapipe's exit statuses mean (s6 style; tdapipe(1)).
 */
#ifndef TDP_EXITCODE_H
#define TDP_EXITCODE_H

#define TDP_EXIT_OK 0        /* done: every result published */
#define TDP_EXIT_FAILED 1    /* ran, but a process failed for good or results are incomplete */
#define TDP_EXIT_USAGE 100   /* bad usage or bad config: fix the command or the file */
#define TDP_EXIT_SYSTEM 111  /* temporary system failure (shm, fork, io): retry may work */

#endif
