/* TEMPORARY local stub (lead) - replaced by helper's file at merge. */
#ifndef TDP_TRACK_MATCH_H
#define TDP_TRACK_MATCH_H
#include <stddef.h>
#include <stdint.h>
#include "common/record.h"
struct track_match_ws;
struct track_match_ws *track_match_ws_new(void);
void track_match_ws_free(struct track_match_ws *ws);
#define TRACK_NONE UINT32_MAX
int track_match(struct track_match_ws *ws, const struct tdp_interval *a, size_t na,
                const struct tdp_interval *b, size_t nb, uint32_t *a_to_b);
#endif
