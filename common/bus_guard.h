/*
 * bus_guard.h - reading a mapping that may shrink underneath.
 *
 * A load through a MAP_SHARED mapping beyond the current end of its file
 * raises SIGBUS, and checking the file's size first does not rule that out:
 * the file may shrink right after.  tdp_bus_guard(FN, ARG) runs FN(ARG)
 * with a SIGBUS handler armed; a SIGBUS while FN runs abandons FN
 * (siglongjmp back into tdp_bus_guard), which then returns -EFAULT.
 *
 * So FN may stop at any load from the mapping.  It must write only memory
 * its caller owns and can use or free afterwards (a tdp_buf set up before
 * the call), take no lock, and hand libc no pointer into the mapping
 * except to copy from it (format a copy of a string, not the string).
 * One guard at a time, on the main thread: this is for tools that read
 * a segment (tdapipe stats), not for the pipeline.  A SIGBUS outside a
 * guard keeps whatever action it had.
 */
#ifndef TDP_BUS_GUARD_H
#define TDP_BUS_GUARD_H

/* FN's return value, or -EFAULT if a SIGBUS cut it short, or -errno if
 * the handler could not be installed (FN not called). */
int tdp_bus_guard(int (*fn)(void *arg), void *arg);

#endif
