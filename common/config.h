/*
 * config.h - the pipeline configuration (tdapipe.yaml(5)).
 *
 * Parsed strictly with libyaml: an unknown key, a wrong type, a missing
 * required field or an out-of-range value fails the whole load with
 *   FILE:LINE:COL: PATH: expected WHAT, got "VALUE"
 * (LINE and COL 1-based, PATH like scales[1].window).  Every field has a
 * fixed-size home so a config is a plain value that can be copied.
 */
#ifndef TDP_CONFIG_H
#define TDP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config_events.h"
#include "common/config_metrics.h"
#include "common/config_state.h"
#include "common/config_features.h"
#include "common/config_fields.h"
#include "common/config_join.h"
#include "common/time_unit.h"

#define TDP_MAX_SCALES 16
#define TDP_NAME_MAX 32          /* instance and scale names, with NUL */
#define TDP_PATH_MAX 1024
#define TDP_MIN_SLIDE_NS 2       /* time windows: keeps window numbers within +-2^62 (record.h) */

enum tdp_source_type { TDP_SRC_FILE, TDP_SRC_STDIN, TDP_SRC_TCP, TDP_SRC_UDP, TDP_SRC_KAFKA };
enum tdp_format { TDP_FMT_CSV, TDP_FMT_JSONL, TDP_FMT_MSGPACK };
enum tdp_sink_type { TDP_SINK_STDOUT, TDP_SINK_FILE, TDP_SINK_STDERR /* dead_letter only */, TDP_SINK_KAFKA };
/* Where a Kafka source's event time comes from. */
enum tdp_event_time {
	TDP_TIME_RECORD, /* the record's own time field / column (else the sequence number) */
	TDP_TIME_KAFKA,  /* the message timestamp, in seconds since the epoch (ms resolution) */
};
enum tdp_complex { TDP_COMPLEX_SUBLEVEL, TDP_COMPLEX_RIPS };
/* What ingest does when a scale's in-ring is full. */
enum tdp_overflow {
	TDP_OVERFLOW_BLOCK, /* pause the source until the ring has room (pausable sources only) */
	TDP_OVERFLOW_DROP,  /* count the point as overflow for that ring and go on */
};
/* What a restarted ingest does with records a tcp, udp or stdin sender
 * sends again (ingest/resend.h). */
enum tdp_resend {
	TDP_RESEND_SKIP, /* a timed record at or before its stream's resume mark is skipped, counted */
	TDP_RESEND_KEEP, /* every record is stamped again */
};
/* What the jsonl and msgpack decoders do with keys besides stream, t and v. */
enum tdp_extra {
	TDP_EXTRA_DEAD_LETTER, /* the record is a dead letter ("unknown key") */
	TDP_EXTRA_IGNORE,      /* the key and its value are passed over (collectors' tags, units) */
};

/*
 * A Kafka client's settings (source, sink or dead_letter of type kafka).
 * PROPS are librdkafka properties passed through as written; the ones
 * tdapipe sets itself (see tdapipe.yaml(5)) are refused at load.
 */
#define TDP_KAFKA_MAX_TOPICS 8
#define TDP_KAFKA_TOPIC_MAX 250      /* Kafka's 249-character limit, with NUL */
#define TDP_KAFKA_MAX_PROPS 32
#define TDP_KAFKA_PROP_NAME_MAX 128
#define TDP_KAFKA_PROP_VALUE_MAX 512
struct tdp_kafka_prop {
	char name[TDP_KAFKA_PROP_NAME_MAX];
	char value[TDP_KAFKA_PROP_VALUE_MAX];
};
struct tdp_kafka_cfg {
	char brokers[512];           /* bootstrap.servers, required */
	uint32_t ntopics;            /* source: 1..TDP_KAFKA_MAX_TOPICS; sink, dead_letter: 1 */
	char topics[TDP_KAFKA_MAX_TOPICS][TDP_KAFKA_TOPIC_MAX];
	char group[256];             /* source: group.id (default "tdapipe-<instance>") */
	char compression[8];         /* sink: none, gzip, snappy, lz4 (default) or zstd */
	bool exactly_once;           /* sink: transactional producer, offsets in the transaction */
	bool stop_at_end;            /* source: finish once every assigned partition is read to its end */
	uint32_t nprops;
	struct tdp_kafka_prop props[TDP_KAFKA_MAX_PROPS];
};

struct tdp_source_cfg {
	enum tdp_source_type type;
	enum tdp_format format;
	char path[TDP_PATH_MAX];   /* file */
	char host[256];            /* tcp / udp: address to listen on (default 127.0.0.1) */
	uint16_t port;             /* tcp / udp: required */
	int stream_column;         /* csv: 0-based column holding the stream id, -1 = none */
	int time_column;           /* csv: 0-based column holding the event time, -1 = none */
	bool header;               /* csv: skip the first line */
	uint32_t max_record;       /* longest record in bytes (default 65536) */
	uint32_t max_connections;  /* tcp: connections read at once (default 64); more wait in the backlog */
	uint32_t idle_timeout_ms;  /* tcp: close a connection silent this long (default 300000, 0 = never) */
	enum tdp_event_time event_time; /* kafka: where t comes from (default record) */
	enum tdp_time_unit time_unit;   /* what a numeric event time counts (default s) */
	uint64_t lateness_ns;      /* a stream's watermark: its newest event time minus this (default 0) */
	uint64_t idle_close_ns;    /* emit a stream's open time windows after this much wall time
				      without a point of it (0 = never, the default) */
	enum tdp_resend resend;    /* tcp / udp / stdin: records sent again after a restart (default skip) */
	enum tdp_extra extra;      /* jsonl / msgpack: keys besides stream, t, v (default dead_letter) */
	struct tdp_source_fields fields; /* stream:, time:, values: (common/config_fields.h) */
	struct tdp_kafka_cfg kafka;     /* kafka */
};

struct tdp_sink_cfg {
	enum tdp_sink_type type;
	enum tdp_format format;    /* jsonl or msgpack (dead_letter: jsonl only) */
	char path[TDP_PATH_MAX];   /* file */
	struct tdp_kafka_cfg kafka;     /* kafka */
};

struct tdp_scale_cfg {
	char name[TDP_NAME_MAX];
	enum tdp_complex complex;
	uint32_t window;           /* points per window, >= 1; time scales: max_window_points */
	uint32_t slide;            /* points between window starts, >= 1; time scales: 1 */
	bool timed;                /* window and slide are durations: windows over event time */
	uint64_t window_ns;        /* time scales: window k covers [k*slide_ns, k*slide_ns + window_ns) */
	uint64_t slide_ns;
	uint32_t max_window_points;/* time scales: points a window keeps, the first in (time, arrival)
				      order (default 65536) */
	uint32_t dims_mask;        /* bit d: compute H_d */
	uint32_t embed_dim;        /* delay embedding dimension, 0 = no embedding */
	uint32_t embed_lag;        /* delay embedding lag (>= 1 when embed_dim > 0) */
	enum tdp_overflow overflow;
	bool overflow_set;         /* overflow was given explicitly */
	uint32_t ring;             /* in-ring slots, a power of two (default 65536) */
	double threshold;          /* rips: largest diameter of a simplex (INFINITY = none) */
	uint32_t max_points;       /* rips: landmark subsampling above this many points (0 = never) */
	uint32_t memory_mb;        /* rips: memory bound of one window's computation (default 1024) */
	struct tdp_features_cfg features; /* what results carry besides diagrams (default: nothing) */
	struct tdp_track_cfg track;       /* features followed from window to window (events) */
	struct tdp_anomaly_cfg anomaly;   /* a score per window, an event when it is high */
	struct tdp_scale_values values;   /* value: / values: the coordinates it takes (default all) */
	struct tdp_join_cfg join;         /* join: its points are other streams' values on ticks */
};

/*
 * How the supervisor watches and restarts its children (tdapipe-run(1)).
 * Every field has a default; backoff_min_ms <= backoff_max_ms.
 */
#define TDP_RESTART_LIMIT_MAX 1000u  /* restart_limit's upper bound (the supervisor keeps that many times) */
struct tdp_supervisor_cfg {
	uint32_t heartbeat_timeout_ms; /* a running child whose heartbeat is older is hung (default 10000, >= 100) */
	uint32_t restart_limit;        /* this many restarts ... (default 5) */
	uint32_t restart_window_s;     /* ... within this many seconds: the process is failed (default 30) */
	uint32_t backoff_min_ms;       /* first restart delay, doubled after each restart (default 100) */
	uint32_t backoff_max_ms;       /* longest restart delay (default 5000) */
	uint32_t drain_timeout_ms;     /* a stop waits this long for what is in flight, then
					  checkpoints the rest (default 30000) */
};

struct tdp_config {
	char path[TDP_PATH_MAX];   /* where it was read from, for messages */
	char instance[TDP_NAME_MAX];
	struct tdp_source_cfg source;
	struct tdp_sink_cfg sink;
	struct tdp_sink_cfg dead_letter;
	struct tdp_events_cfg events;   /* where track and anomaly events go */
	uint32_t max_streams;      /* distinct stream ids (default 1024) */
	struct tdp_supervisor_cfg supervisor;
	struct tdp_metrics_cfg metrics; /* the exporter's endpoint (off when absent) */
	struct tdp_log_cfg log;         /* how every process writes its log lines */
	struct tdp_state_cfg state;     /* where checkpoints are kept (cli/state_file.h) */
	uint32_t nscales;
	struct tdp_scale_cfg scales[TDP_MAX_SCALES];
};

/*
 * Parse TEXT (LEN bytes, need not be NUL-terminated) into *CFG.  NAME is the
 * file name used in messages.  Returns 0, or -1 with a one-line message
 * "NAME:LINE:COL: PATH: expected ..., got ..." in ERR (always NUL-terminated).
 */
int tdp_config_parse(const char *text, size_t len, const char *name,
		     struct tdp_config *cfg, char *err, size_t errlen);

/* Read the config file PATH into TEXT: a regular file of at most 16 MiB
 * (a FIFO, device or socket is refused, not waited on).  0, or -1 with
 * "PATH: cannot read: REASON" in ERR. */
struct tdp_buf;
int tdp_config_read(struct tdp_buf *text, const char *path, char *err, size_t errlen);

/* Read the file PATH and parse it; an unreadable file is also an error. */
int tdp_config_load(const char *path, struct tdp_config *cfg, char *err, size_t errlen);

/* Index of the scale called NAME, or -1. */
int tdp_config_scale_index(const struct tdp_config *cfg, const char *name);

/* Whether a source can be paused (file, stdin, tcp, kafka: yes; udp: no). */
bool tdp_source_pausable(const struct tdp_source_cfg *src);

/* The overflow policy in force for scale S (explicit, or block when the
 * source is pausable and drop otherwise). */
enum tdp_overflow tdp_scale_overflow(const struct tdp_config *cfg, uint32_t s);

/* Whether scale S needs scalar input (sublevel, or any delay embedding). */
bool tdp_scale_needs_scalar(const struct tdp_scale_cfg *sc);

/* Whether any scale of CFG has time windows or a join (then every point
 * needs an event time, and lateness applies). */
bool tdp_config_timed(const struct tdp_config *cfg);

/* Time scales: how many windows one point falls in, at most
 * (ceil(window / slide)). */
uint64_t tdp_scale_windows_per_point(const struct tdp_scale_cfg *sc);

/* Whether scale SC makes events: it tracks features or scores windows. */
static inline bool tdp_scale_has_events(const struct tdp_scale_cfg *sc)
{
	return sc->track.on || sc->anomaly.on;
}

/* Whether scale SC keeps each stream's previous diagram: for distances,
 * as features or as the anomaly signal (scaled/prev_diagram.c). */
static inline bool tdp_scale_needs_prev(const struct tdp_scale_cfg *sc)
{
	return sc->features.distances || (sc->anomaly.on && tdp_signal_is_distance(sc->anomaly.signal));
}

/* Highest homology dimension the scale computes. */
int tdp_scale_maxdim(const struct tdp_scale_cfg *sc);

/* Most intervals a result of scale SC carries in dimension D: the window
 * for H0 (never truncated), twice that above; see tdapipe-results(5). */
uint32_t tdp_scale_dim_cap(const struct tdp_scale_cfg *sc, int d);

/* Most intervals one result of SC carries: the caps of its dimensions. */
uint64_t tdp_scale_max_intervals(const struct tdp_scale_cfg *sc);

/* Bytes of the largest result of SC: every dimension at its cap, and the
 * features section. */
uint64_t tdp_scale_max_result(const struct tdp_scale_cfg *sc);

const char *tdp_format_name(enum tdp_format f);
const char *tdp_complex_name(enum tdp_complex c);

#endif
