/*
 * config_kafka.h - the Kafka keys of a config section (tdapipe.yaml(5)).
 */
#ifndef TDP_CONFIG_KAFKA_H
#define TDP_CONFIG_KAFKA_H

#include "common/config.h"
#include "common/config_read.h"

/* Which Kafka client a section configures. */
enum tdp_cfg_kafka_role {
	TDP_CFG_KAFKA_SOURCE = 1,  /* source: the consumer */
	TDP_CFG_KAFKA_SINK = 2,    /* sink: the (idempotent, maybe transactional) producer */
	TDP_CFG_KAFKA_DEAD = 4,    /* dead_letter: the idempotent producer */
};

/*
 * The Kafka keys of section M at PATH ("source", "sink", "dead_letter")
 * into *K, the section's keys already checked against its type: brokers
 * and the topic(s) required, group for a source, compression (default
 * lz4) and exactly_once for the sink, properties for all.
 */
int tdp_cfg_kafka(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path,
		  enum tdp_cfg_kafka_role client, struct tdp_kafka_cfg *k);

#endif
