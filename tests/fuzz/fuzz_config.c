/*
 * fuzz_config - the configuration parser (common/config.c) on any bytes,
 * through its parse-from-memory entry point tdp_config_parse().
 *
 * Properties:
 *  - a refusal is one line "fuzz.yaml:LINE:COL: ...", NUL-terminated,
 *    and the same line cut in an error buffer of any smaller size (ASan
 *    sees a write past it: the buffer is exact);
 *  - parsing is a function of the bytes: twice the same outcome, the
 *    same configuration to the byte;
 *  - an accepted configuration keeps the rules of tdapipe.yaml(5): an
 *    instance name, 1..16 scales with distinct names, windows and slides
 *    of at least 1, rings a power of two, dims 0..3 (only H0 for
 *    sublevel), an embedding shorter than its window, backoff_min at
 *    most backoff_max, every string NUL-terminated in its field.
 */
#include "common/config.h"
#include "scaled/rips_cost.h"
#include "tests/fuzz/fuzz.h"

#define ELEN 512

static bool terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static bool name_ok(const char *s, size_t cap, const char *extra)
{
	if (!terminated(s, cap) || !s[0])
		return false;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      strchr(extra, *c)))
			return false;
	return true;
}

static void check_kafka(const struct tdp_kafka_cfg *k)
{
	FUZZ_CHECK(terminated(k->brokers, sizeof(k->brokers)) && terminated(k->group, sizeof(k->group)) &&
		   terminated(k->compression, sizeof(k->compression)), "a kafka string not terminated");
	FUZZ_CHECK(k->ntopics <= TDP_KAFKA_MAX_TOPICS && k->nprops <= TDP_KAFKA_MAX_PROPS,
		   "%u topics, %u properties", k->ntopics, k->nprops);
	for (uint32_t t = 0; t < k->ntopics; t++)
		FUZZ_CHECK(name_ok(k->topics[t], sizeof(k->topics[t]), "._-"), "topic %u: bad name", t);
	for (uint32_t i = 0; i < k->nprops; i++)
		FUZZ_CHECK(terminated(k->props[i].name, sizeof(k->props[i].name)) &&
			   terminated(k->props[i].value, sizeof(k->props[i].value)), "property %u not terminated", i);
}

static void check_config(const struct tdp_config *c)
{
	FUZZ_CHECK(name_ok(c->instance, sizeof(c->instance), "_.-"), "bad instance name");
	FUZZ_CHECK(terminated(c->path, sizeof(c->path)) && terminated(c->source.path, sizeof(c->source.path)) &&
		   terminated(c->source.host, sizeof(c->source.host)) &&
		   terminated(c->sink.path, sizeof(c->sink.path)) &&
		   terminated(c->dead_letter.path, sizeof(c->dead_letter.path)), "a path not terminated");
	FUZZ_CHECK(c->source.max_record >= 1, "max_record 0");
	FUZZ_CHECK(c->source.stream_column >= -1 && c->source.time_column >= -1 &&
		   (c->source.stream_column < 0 || c->source.stream_column != c->source.time_column),
		   "columns %d and %d", c->source.stream_column, c->source.time_column);
	FUZZ_CHECK(c->max_streams >= 1, "max_streams 0");
	FUZZ_CHECK(c->supervisor.backoff_min_ms <= c->supervisor.backoff_max_ms, "backoff %u > %u",
		   c->supervisor.backoff_min_ms, c->supervisor.backoff_max_ms);
	FUZZ_CHECK(c->supervisor.restart_limit <= TDP_RESTART_LIMIT_MAX, "restart_limit %u",
		   c->supervisor.restart_limit);
	if (c->source.type == TDP_SRC_KAFKA)
		check_kafka(&c->source.kafka);
	if (c->sink.type == TDP_SINK_KAFKA)
		check_kafka(&c->sink.kafka);
	if (c->dead_letter.type == TDP_SINK_KAFKA)
		check_kafka(&c->dead_letter.kafka);
	FUZZ_CHECK(c->dead_letter.format == TDP_FMT_JSONL, "dead letters not in jsonl");
	FUZZ_CHECK(c->nscales >= 1 && c->nscales <= TDP_MAX_SCALES, "%u scales", c->nscales);
	for (uint32_t s = 0; s < c->nscales; s++) {
		const struct tdp_scale_cfg *sc = &c->scales[s];
		FUZZ_CHECK(name_ok(sc->name, sizeof(sc->name), "_-"), "scale %u: bad name", s);
		for (uint32_t t = 0; t < s; t++)
			FUZZ_CHECK(strcmp(sc->name, c->scales[t].name), "scales %u and %u: one name", t, s);
		FUZZ_CHECK(sc->window >= 1 && sc->slide >= 1, "scale %u: window %u slide %u", s, sc->window,
			   sc->slide);
		FUZZ_CHECK(sc->ring >= 16 && !(sc->ring & (sc->ring - 1)), "scale %u: ring %u", s, sc->ring);
		FUZZ_CHECK(sc->dims_mask && sc->dims_mask < 16, "scale %u: dims 0x%x", s, sc->dims_mask);
		if (sc->complex == TDP_COMPLEX_SUBLEVEL)
			FUZZ_CHECK(sc->dims_mask == 1 && !sc->embed_dim, "scale %u: sublevel with dims 0x%x, embed %u",
				   s, sc->dims_mask, sc->embed_dim);
		if (sc->embed_dim)
			FUZZ_CHECK(sc->embed_lag >= 1 &&
				   (uint64_t)(sc->embed_dim - 1) * sc->embed_lag < sc->window,
				   "scale %u: embed %u x %u in a window of %u", s, sc->embed_dim, sc->embed_lag,
				   sc->window);
		if (sc->complex == TDP_COMPLEX_RIPS)
			FUZZ_CHECK(tdp_scale_rips_bytes(sc) <= (uint64_t)sc->memory_mb << 20,
				   "scale %u: needs more than its memory_mb", s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The parser's input is a slice: an exact copy, no NUL after it. */
	char *text = fuzz_dup(data, size);
	static struct tdp_config a, b;
	char *err = malloc(ELEN), *err2 = malloc(ELEN);

	int rc = tdp_config_parse(text, size, "fuzz.yaml", &a, err, ELEN);
	int rc2 = tdp_config_parse(text, size, "fuzz.yaml", &b, err2, ELEN);
	FUZZ_CHECK(rc == 0 || rc == -1, "tdp_config_parse returned %d", rc);
	FUZZ_CHECK(rc == rc2 && !strcmp(err, err2) && !memcmp(&a, &b, sizeof(a)),
		   "two parses of the same bytes differ");
	if (rc == 0) {
		check_config(&a);
	} else {
		FUZZ_CHECK(terminated(err, ELEN) && !strncmp(err, "fuzz.yaml:", 10), "error \"%.*s\"", ELEN, err);
		FUZZ_CHECK(!strpbrk(err, "\n\r"), "a two-line error: %s", err);
		for (size_t elen = 1; elen < 64; elen += 9) {
			char *small = malloc(elen);
			rc2 = tdp_config_parse(text, size, "fuzz.yaml", &b, small, elen);
			FUZZ_CHECK(rc2 == rc && terminated(small, elen) && !strncmp(small, err, elen - 1),
				   "error cut to %zu bytes: \"%s\", whole: \"%s\"", elen, small, err);
			free(small);
		}
	}
	free(err);
	free(err2);
	free(text);
	return 0;
}
