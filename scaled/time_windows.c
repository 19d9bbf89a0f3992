#include "scaled/scaled.h"
static int init(struct scaled *w) { (void)w; return -1; }
static void nop(struct scaled *w) { (void)w; }
static void apply(struct scaled *w, const struct tdp_point *p) { (void)w; (void)p; }
static bool idle(struct scaled *w) { (void)w; return false; }
const struct window_kind time_windows = { init, nop, apply, idle, nop, nop };
