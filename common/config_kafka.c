/*
 * config_kafka.c - the Kafka keys of a source, sink or dead_letter section
 * (tdapipe.yaml(5)): brokers, topic(s), group, compression, exactly_once,
 * and properties, the librdkafka settings passed through, which
 * librdkafka itself judges and of which tdapipe reserves its own.
 */
#include "common/config_kafka.h"
#include "common/config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#define DEFAULT_COMPRESSION "lz4"

static const char *const compressions[] = { "none", "gzip", "snappy", "lz4", "zstd", NULL };

/* Every Kafka row's field is the section's struct tdp_kafka_cfg. */
static struct tdp_kafka_cfg *kafka_of(const struct tdp_cfg_key *key, void *obj)
{
	return (struct tdp_kafka_cfg *)((char *)obj + key->offset);
}

/* Which Kafka client a section configures, as a bit for reserved_props. */
enum kafka_role {
	K_SOURCE = 1,              /* source: the consumer */
	K_SINK = 2,                /* sink: the (idempotent, maybe transactional) producer */
	K_DEAD = 4,                /* dead_letter: the idempotent producer */
	K_PLAIN = 8,               /* with K_SINK or K_DEAD: not transactional */
	K_PRODUCER = K_SINK | K_DEAD,
	K_ALL = K_SOURCE | K_SINK | K_DEAD,
};

/*
 * librdkafka properties refused in a section's properties, because
 * tdapipe sets them itself (a value here would be overridden, or would
 * break what tdapipe relies on), because they make no sense for that
 * client, or because checking them has side effects (plugins are loaded
 * by rd_kafka_conf_set itself).  USE names the key that sets it instead;
 * otherwise WHY says why.  Aliases are listed with their property.
 * tdapipe.yaml(5) documents this list: keep them together.
 */
static const struct reserved_prop {
	const char *name;
	unsigned roles;
	const char *use;
	const char *why;
} reserved_props[] = {
	{ "bootstrap.servers", K_ALL, "brokers", NULL },
	{ "metadata.broker.list", K_ALL, "brokers", NULL },
	{ "group.id", K_SOURCE, "group", NULL },
	{ "group.id", K_PRODUCER, NULL, "a consumer's setting: a producer has no group" },
	{ "enable.auto.commit", K_SOURCE, NULL, "tdapipe keeps the offsets of what it has processed" },
	{ "auto.commit.enable", K_SOURCE, NULL, "tdapipe keeps the offsets of what it has processed" },
	{ "enable.auto.offset.store", K_SOURCE, NULL, "tdapipe keeps the offsets of what it has processed" },
	{ "offset.store.method", K_SOURCE, NULL, "tdapipe keeps the offsets of what it has processed" },
	{ "enable.partition.eof", K_ALL, NULL, "tdapipe sets it on its consumer" },
	{ "isolation.level", K_PRODUCER, NULL, "a consumer's setting" },
	{ "enable.idempotence", K_PRODUCER, NULL,
	  "tdapipe always enables it; exactly_once makes the sink transactional" },
	{ "transactional.id", K_SINK, NULL, "tdapipe sets it when exactly_once is true" },
	{ "transactional.id", K_DEAD, NULL, "the dead-letter producer is not transactional" },
	{ "acks", K_PRODUCER, NULL, "the idempotent producer always uses acks=all" },
	{ "request.required.acks", K_PRODUCER, NULL, "the idempotent producer always uses acks=all" },
	{ "compression.type", K_SINK, "compression", NULL },
	{ "compression.codec", K_SINK, "compression", NULL },
	{ "message.timeout.ms", K_PLAIN, NULL,
	  "tdapipe sets it to 0, retrying for ever, unless the producer is transactional" },
	{ "delivery.timeout.ms", K_PLAIN, NULL,
	  "tdapipe sets it to 0, retrying for ever, unless the producer is transactional" },
	{ "enable.idempotence", K_SOURCE, NULL, "a producer's setting" },
	{ "transactional.id", K_SOURCE, NULL, "a producer's setting" },
	{ "acks", K_SOURCE, NULL, "a producer's setting" },
	{ "request.required.acks", K_SOURCE, NULL, "a producer's setting" },
	{ "compression.type", K_SOURCE, NULL, "a producer's setting" },
	{ "compression.codec", K_SOURCE, NULL, "a producer's setting" },
	{ "plugin.library.paths", K_ALL, NULL, "plugins would be loaded while the configuration is read" },
};

/* librdkafka's error text, its trailing newline (some have one) cut. */
static const char *rk_reason(char *errstr)
{
	size_t n = strlen(errstr);
	while (n && (errstr[n - 1] == '\n' || errstr[n - 1] == ' ' || errstr[n - 1] == '.'))
		errstr[--n] = '\0';
	return n ? errstr : "refused by librdkafka";
}

/*
 * librdkafka's configuration calls, looked up the first time a config
 * has properties to judge rather than linked: the commands that never
 * talk to Kafka (tdapipe persistence, stats, top) then do not load
 * librdkafka, OpenSSL and the rest when they start, about 4 MB of each
 * such process (tdapipe(1), FILES).  Where librdkafka is linked, dlopen()
 * finds it loaded already.  Its soname, as Debian's librdkafka1 has it.
 */
#define RDKAFKA_SONAME "librdkafka.so.1"
static struct {
	rd_kafka_conf_t *(*conf_new)(void);
	rd_kafka_conf_res_t (*conf_set)(rd_kafka_conf_t *, const char *, const char *, char *, size_t);
	void (*conf_destroy)(rd_kafka_conf_t *);
} rk;

/* 0, or -1 with WHY. */
static int rk_load(char *why, size_t len)
{
	if (rk.conf_destroy)
		return 0;
	void *h = dlopen(RDKAFKA_SONAME, RTLD_NOW | RTLD_GLOBAL);
	if (!h) {
		snprintf(why, len, "librdkafka is needed to check properties: %s", dlerror());
		return -1;
	}
	*(void **)&rk.conf_new = dlsym(h, "rd_kafka_conf_new");
	*(void **)&rk.conf_set = dlsym(h, "rd_kafka_conf_set");
	*(void **)&rk.conf_destroy = dlsym(h, "rd_kafka_conf_destroy");
	if (!rk.conf_new || !rk.conf_set || !rk.conf_destroy) {
		rk.conf_destroy = NULL;
		snprintf(why, len, "%s lacks rd_kafka_conf_new, _set or _destroy", RDKAFKA_SONAME);
		return -1;
	}
	return 0;
}

/*
 * properties: a mapping of at most TDP_KAFKA_MAX_PROPS librdkafka
 * properties to scalar values, kept as written (a number or a boolean as
 * its text).  Each is set on a scratch rd_kafka_conf_t, in order, so that
 * librdkafka itself judges the name and the value: an unknown name is
 * reported at its key, a refused value at the value, with librdkafka's
 * reason.  SECTION ("source", ...) names the keys of reserved_props' USE.
 */
static int parse_props(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path,
		       const char *section, unsigned role, struct tdp_kafka_cfg *k)
{
	char kp[TDP_CFG_PATH_MAX], w[160], g[256], errstr[512];
	rd_kafka_conf_t *conf = NULL;
	int rc = -1;

	if (tdp_cfg_want_map(c, m, path, "a mapping of librdkafka properties to values") ||
	    tdp_cfg_check_dups(c, m, path))
		return -1;
	if (m->n / 2 > TDP_KAFKA_MAX_PROPS) {
		const struct tdp_ynode *key = m->head;
		for (unsigned i = 0; i < TDP_KAFKA_MAX_PROPS; i++)
			key = key->next->next;
		return tdp_cfg_fail(c, key->line, key->col, tdp_cfg_key_path(kp, path, key->val),
			       "expected at most %d properties, got %zu", TDP_KAFKA_MAX_PROPS, m->n / 2);
	}
	if (rk_load(errstr, sizeof(errstr)))
		return tdp_cfg_fail(c, m->line, m->col, path, "%s", errstr);
	if (!(conf = rk.conf_new()))
		return tdp_cfg_fail(c, m->line, m->col, path, "out of memory");
	k->nprops = 0;
	for (const struct tdp_ynode *key = m->head; key; key = key->next->next) {
		const struct tdp_ynode *v = key->next;
		struct tdp_kafka_prop *p = &k->props[k->nprops];
		tdp_cfg_key_path(kp, path, key->val);
		if (key->len >= sizeof(p->name)) {
			snprintf(w, sizeof(w), "a property name shorter than %zu bytes", sizeof(p->name));
			tdp_cfg_expected(c, key, kp, w);
			goto out;
		}
		for (size_t r = 0; r < sizeof(reserved_props) / sizeof(reserved_props[0]); r++) {
			const struct reserved_prop *rp = &reserved_props[r];
			if (!(rp->roles & role) || strcmp(rp->name, key->val))
				continue;
			char use[TDP_CFG_PATH_MAX + 32];
			if (rp->use)
				snprintf(use, sizeof(use), "tdapipe sets it: use %s.%s", section, rp->use);
			tdp_cfg_fail(c, key->line, key->col, kp,
				"expected a property tdapipe does not reserve, got %s (%s)",
				tdp_cfg_got(key, g, sizeof(g)), rp->use ? use : rp->why);
			goto out;
		}
		if (tdp_cfg_want_string(c, v, kp, "a property value (a number, a word or a string)", p->value,
				sizeof(p->value)))
			goto out;
		memcpy(p->name, key->val, key->len + 1);
		errstr[0] = '\0';
		switch (rk.conf_set(conf, p->name, p->value, errstr, sizeof(errstr))) {
		case RD_KAFKA_CONF_OK:
			break;
		case RD_KAFKA_CONF_UNKNOWN:
			tdp_cfg_fail(c, key->line, key->col, kp, "expected a librdkafka property, got %s (%s)",
				tdp_cfg_got(key, g, sizeof(g)), rk_reason(errstr));
			goto out;
		default:
			tdp_cfg_fail(c, v->line, v->col, kp, "expected a value librdkafka accepts, got %s (%s)",
				tdp_cfg_got(v, g, sizeof(g)), rk_reason(errstr));
			goto out;
		}
		k->nprops++;
	}
	rc = 0;
out:
	rk.conf_destroy(conf);
	return rc;
}

/* A Kafka topic name into OUT (TDP_KAFKA_TOPIC_MAX bytes): Kafka's own
 * rule, 1 to 249 characters from [A-Za-z0-9._-], and not "." or "..". */
static int want_topic(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, char *out)
{
	char what[80];
	snprintf(what, sizeof(what), "a Kafka topic name (1 to %d characters from [A-Za-z0-9._-])",
		 TDP_KAFKA_TOPIC_MAX - 1);
	if (tdp_cfg_want_text(c, n, path, what))
		return -1;
	if (!tdp_cfg_name_chars(n, TDP_KAFKA_TOPIC_MAX, "._-"))
		return tdp_cfg_expected(c, n, path, what);
	if (!strcmp(n->val, ".") || !strcmp(n->val, ".."))
		return tdp_cfg_expected(c, n, path, "a Kafka topic name other than \".\" and \"..\"");
	memcpy(out, n->val, n->len + 1);
	return 0;
}

/* source.topics: one name, or a list of 1..TDP_KAFKA_MAX_TOPICS distinct
 * names (a repeat is refused where it stands). */
static int read_topics(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path,
		       const struct tdp_cfg_key *key, void *obj)
{
	struct tdp_kafka_cfg *k = kafka_of(key, obj);
	char what[80], ip[TDP_CFG_PATH_MAX];
	uint32_t i = 0;

	snprintf(what, sizeof(what), "a topic name or a list of 1 to %d topic names",
		 TDP_KAFKA_MAX_TOPICS);
	if (tdp_cfg_plain(c, n, path))
		return -1;
	if (n->kind == TDP_Y_SCALAR) {
		if (want_topic(c, n, path, k->topics[0]))
			return -1;
		k->ntopics = 1;
		return 0;
	}
	if (n->kind != TDP_Y_SEQ)
		return tdp_cfg_expected(c, n, path, what);
	if (!n->n)
		return tdp_cfg_fail(c, n->line, n->col, path, "expected %s, got an empty list", what);
	for (const struct tdp_ynode *e = n->head; e; e = e->next, i++) {
		tdp_cfg_index_path(ip, path, i);
		if (i == TDP_KAFKA_MAX_TOPICS)
			return tdp_cfg_fail(c, e->line, e->col, ip, "expected at most %d topics, got %zu",
				       TDP_KAFKA_MAX_TOPICS, n->n);
		if (want_topic(c, e, ip, k->topics[i]))
			return -1;
		for (uint32_t j = 0; j < i; j++) {
			if (!strcmp(k->topics[j], k->topics[i])) {
				char w[64];
				snprintf(w, sizeof(w), "a topic not listed already (as source.topics[%u])", j);
				return tdp_cfg_expected(c, e, ip, w);
			}
		}
		k->ntopics = i + 1;
	}
	return 0;
}

static int read_topic(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		      const struct tdp_cfg_key *key, void *obj)
{
	struct tdp_kafka_cfg *k = kafka_of(key, obj);
	if (want_topic(c, v, path, k->topics[0]))
		return -1;
	k->ntopics = 1;
	return 0;
}

/* A topic name alone, into a char[TDP_KAFKA_TOPIC_MAX] (the events topic,
 * which rides on the sink's client). */
static int read_topic_name(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
			   const struct tdp_cfg_key *key, void *obj)
{
	return want_topic(c, v, path, (char *)obj + key->offset);
}

/* brokers: bootstrap.servers, not empty. */
static int read_brokers(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
			const struct tdp_cfg_key *key, void *obj)
{
	static const char what[] = "a list of brokers host:port[,host:port...]";
	struct tdp_kafka_cfg *k = kafka_of(key, obj);
	if (tdp_cfg_want_string(c, v, path, what, k->brokers, sizeof(k->brokers)))
		return -1;
	return k->brokers[0] ? 0 : tdp_cfg_expected(c, v, path, what);
}

/* group: group.id, not empty. */
static int read_group(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		      const struct tdp_cfg_key *key, void *obj)
{
	struct tdp_kafka_cfg *k = kafka_of(key, obj);
	char w[64];
	if (tdp_cfg_want_string(c, v, path, "a consumer group name", k->group, sizeof(k->group)))
		return -1;
	if (k->group[0])
		return 0;
	snprintf(w, sizeof(w), "a consumer group name of 1 to %zu bytes", sizeof(k->group) - 1);
	return tdp_cfg_expected(c, v, path, w);
}

/* compression: one of compressions, kept as its word. */
static int read_compression(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
			    const struct tdp_cfg_key *key, void *obj)
{
	struct tdp_kafka_cfg *k = kafka_of(key, obj);
	int t;
	if (tdp_cfg_want_enum(c, v, path, compressions, &t))
		return -1;
	snprintf(k->compression, sizeof(k->compression), "%s", compressions[t]);
	return 0;
}

static void init_compression(const struct tdp_cfg_key *key, void *obj)
{
	struct tdp_kafka_cfg *k = kafka_of(key, obj);
	snprintf(k->compression, sizeof(k->compression), "%s", DEFAULT_COMPRESSION);
}

/* properties, for the client ROLE of SECTION; a producer that is not
 * transactional (exactly_once, read before) is K_PLAIN too. */
static int read_props(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		      const struct tdp_cfg_key *key, void *obj, const char *section, unsigned role)
{
	struct tdp_kafka_cfg *k = kafka_of(key, obj);
	if ((role & K_PRODUCER) && !k->exactly_once)
		role |= K_PLAIN;
	return parse_props(c, v, path, section, role, k);
}

static int read_source_props(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
			     const struct tdp_cfg_key *key, void *obj)
{
	return read_props(c, v, path, key, obj, "source", K_SOURCE);
}

static int read_sink_props(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
			   const struct tdp_cfg_key *key, void *obj)
{
	return read_props(c, v, path, key, obj, "sink", K_SINK);
}

static int read_dead_props(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
			   const struct tdp_cfg_key *key, void *obj)
{
	return read_props(c, v, path, key, obj, "dead_letter", K_DEAD);
}

const struct tdp_cfg_type tdp_cfg_kafka_brokers = { read_brokers, NULL };
const struct tdp_cfg_type tdp_cfg_kafka_topics = { read_topics, NULL };
const struct tdp_cfg_type tdp_cfg_kafka_topic = { read_topic, NULL };
const struct tdp_cfg_type tdp_cfg_kafka_topic_name = { read_topic_name, NULL };
const struct tdp_cfg_type tdp_cfg_kafka_group = { read_group, NULL };
const struct tdp_cfg_type tdp_cfg_kafka_compression = { read_compression, init_compression };
const struct tdp_cfg_type tdp_cfg_kafka_source_props = { read_source_props, NULL };
const struct tdp_cfg_type tdp_cfg_kafka_sink_props = { read_sink_props, NULL };
const struct tdp_cfg_type tdp_cfg_kafka_dead_props = { read_dead_props, NULL };
