/*
 * metrics_kafka.c - the Kafka clients and source partitions of a segment
 * (struct tdp_kafka_block) as families of tdapipe-metrics(7): written
 * only when the instance has a Kafka client.
 */
#include <inttypes.h>
#include <stdio.h>

#include "common/atomics.h"
#include "common/kafka.h"
#include "exporter/exporter.h"

struct client {
	const char *name;
	const struct tdp_kafka_client *k;
};

static unsigned clients(const struct tdp_kafka_block *kb, struct client out[3])
{
	const struct client all[3] = {{"source", &kb->source}, {"sink", &kb->sink}, {"dead_letter", &kb->dead}};
	unsigned n = 0;
	for (int i = 0; i < 3; i++)
		if (tdp_load_u32(&all[i].k->state) != TDP_KAFKA_OFF)
			out[n++] = all[i];
	return n;
}

/* A client's counter: a row of counters[]. */
struct client_metric {
	const char *name, *help;
	size_t off;   /* of a uint64_t in struct tdp_kafka_client */
};
#define KM(name, field, help) {name, help, offsetof(struct tdp_kafka_client, field)}
static const struct client_metric counters[] = {
	KM("tdapipe_kafka_messages_total", messages, "Messages the client consumed (source) or had delivered (sinks)."),
	KM("tdapipe_kafka_errors_total", errors, "Errors librdkafka reported (it retries them itself)."),
	KM("tdapipe_kafka_rebalances_total", rebalances, "Source: partition assignments and revocations."),
	KM("tdapipe_kafka_transactions_committed_total", txn_commits, "Sink with exactly_once: transactions committed."),
	KM("tdapipe_kafka_transactions_aborted_total", txn_aborts, "Sink with exactly_once: transactions aborted and re-sent."),
};

static void partitions(struct prom *pr, const struct tdp_shm *seg)
{
	const struct tdp_kafka_block *kb = tdp_shm_kafka(seg);
	uint32_t np = tdp_seg_kafka_nparts(kb);
	static const char *const names[3] = {"tdapipe_kafka_partition_lag_messages",
		"tdapipe_kafka_partition_position", "tdapipe_kafka_partition_assigned"};
	static const char *const helps[3] = {
		"Source partition: messages from ingest's committed position to the partition's end (unknown: absent).",
		"Source partition: the offset ingest's last commit resumes at (none yet: absent).",
		"Source partition: 1 while assigned to this instance."};
	for (int m = 0; m < 3; m++) {
		prom_family(pr, names[m], "gauge", helps[m]);
		for (uint32_t i = 0; i < np; i++) {
			const struct tdp_kpart *kp = &kb->parts[i];
			char topic[sizeof(kp->topic) + 1], part[16];
			tdp_seg_string(topic, kp->topic, sizeof(kp->topic));
			snprintf(part, sizeof(part), "%d", (int)tdp_load_i32(&kp->partition));
			const char *l[5] = {"topic", topic, "partition", part, NULL};
			int64_t pos, lag;
			tdp_seg_kafka_position(seg, i, &pos, &lag);
			int64_t v = m == 0 ? lag : m == 1 ? pos : (int64_t)(tdp_load_u32(&kp->assigned) != 0);
			if (v >= 0)
				prom_i64(pr, names[m], l, v);
		}
	}
}

void metrics_kafka(struct prom *pr, const struct tdp_shm *seg)
{
	struct client cl[3];
	unsigned n = clients(tdp_shm_kafka(seg), cl);
	if (!n)
		return;
	prom_family(pr, "tdapipe_kafka_client_state", "gauge", "1 for the client's state, 0 for the others.");
	for (unsigned i = 0; i < n; i++) {
		uint32_t st = tdp_load_u32(&cl[i].k->state);
		for (uint32_t k = TDP_KAFKA_CONNECTING; k <= TDP_KAFKA_FAILED; k++) {
			const char *l[5] = {"client", cl[i].name, "state", tdp_kafka_state_name(k), NULL};
			prom_u64(pr, "tdapipe_kafka_client_state", l, st == k);
		}
	}
	for (size_t m = 0; m < sizeof(counters) / sizeof(counters[0]); m++) {
		prom_family(pr, counters[m].name, "counter", counters[m].help);
		for (unsigned i = 0; i < n; i++) {
			const char *l[3] = {"client", cl[i].name, NULL};
			prom_u64(pr, counters[m].name, l,
				 tdp_load_u64((const uint64_t *)((const char *)cl[i].k + counters[m].off)));
		}
	}
	partitions(pr, seg);
}
