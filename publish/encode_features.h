/*
 * encode_features.h - a result's features section as results show it
 * (tdapipe-results(5)): after "diagrams",
 *   "features":{"0":{"count":..,"essential":..,"total":..,"max":..,"entropy":..,
 *               "betti":[..],"landscape":[..],"silhouette":[..],"image":[..]},..},
 *   "distance":{"0":{"bottleneck":..,"wasserstein1":..,"wasserstein2":..},..}
 * with only what the scale's features config asks for, a dimension only
 * when the window has its diagram ("distance" also needs the previous
 * window's; none at all for a stream's first window).  Counts and Betti
 * numbers are integers; an infinite distance is null (msgpack: nil).
 */
#ifndef TDP_ENCODE_FEATURES_H
#define TDP_ENCODE_FEATURES_H

#include <msgpack.h>

#include "common/buf.h"
#include "common/config_features.h"
#include "common/record.h"
#include "publish/encode.h"

/* Keys R's features add to its map: 0, 1 ("features") or 2 (and
 * "distance"); F NULL: none. */
unsigned encode_features_keys(const struct tdp_result *r, const struct tdp_features_cfg *f);

/* Append ,"features":{..}[,"distance":{..}] to B. */
void encode_features_jsonl(struct tdp_buf *b, const struct tdp_result *r, const struct tdp_features_cfg *f);

/* Pack the same keys and values. */
void encode_features_msgpack(msgpack_packer *pk, const struct tdp_result *r, const struct tdp_features_cfg *f);

#endif
