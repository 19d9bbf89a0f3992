/*
 * config_kafka.h - the readers of the Kafka keys of a source, sink or
 * dead_letter section (tdapipe.yaml(5)).  Each row's field is the
 * section's struct tdp_kafka_cfg as a whole.
 */
#ifndef TDP_CONFIG_KAFKA_H
#define TDP_CONFIG_KAFKA_H

#include "common/config_schema.h"

extern const struct tdp_cfg_type tdp_cfg_kafka_brokers;     /* bootstrap.servers, not empty */
extern const struct tdp_cfg_type tdp_cfg_kafka_topics;      /* source: 1..TDP_KAFKA_MAX_TOPICS names */
extern const struct tdp_cfg_type tdp_cfg_kafka_topic;       /* sink, dead_letter: one name */
extern const struct tdp_cfg_type tdp_cfg_kafka_topic_name;  /* one name into a char[TDP_KAFKA_TOPIC_MAX] */
extern const struct tdp_cfg_type tdp_cfg_kafka_group;       /* source: group.id, not empty */
extern const struct tdp_cfg_type tdp_cfg_kafka_compression; /* sink: a codec, default lz4 */
/* properties: librdkafka's, judged by librdkafka; tdapipe's own refused */
extern const struct tdp_cfg_type tdp_cfg_kafka_source_props;
extern const struct tdp_cfg_type tdp_cfg_kafka_sink_props;
extern const struct tdp_cfg_type tdp_cfg_kafka_dead_props;

#endif
