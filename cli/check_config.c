/*
 * tdapipe check-config FILE - validate a config without running anything.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/preflight.h"
#include "common/config.h"
#include "common/duration.h"
#include "common/exitcode.h"
#include "common/shm.h"

static const char usage[] =
	"usage: tdapipe check-config [--syntax-only] FILE\n"
	"Validate FILE (tdapipe.yaml(5)); print a summary, or the first error as\n"
	"FILE:LINE:COL: PATH: expected WHAT, got VALUE and exit 100.\n"
	"Then check what `run` checks before starting: the source file readable,\n"
	"the output directories there, listen ports free, Kafka brokers resolvable;\n"
	"each failure as FILE: KEY: VALUE: REASON, exit 100 (fix the config) or 111\n"
	"(may pass later).  --syntax-only skips these (a config for another machine).\n";

static void say(const char *line)
{
	fprintf(stderr, "%s\n", line);
}

/* ", features summary betti ..., distances bottleneck ...": what the
 * scale's results carry besides diagrams. */
/* A scale's coordinates (value:, values:) and join, as resolved. */
static void print_selection(const struct tdp_scale_cfg *sc)
{
	const struct tdp_scale_values *v = &sc->values;
	for (uint32_t i = 0; i < v->n; i++)
		printf("%s%u", i ? " " : (v->scalar ? ", value coordinate " : ", values coordinates "), v->coord[i]);
	if (!sc->join.on)
		return;
	char every[32], age[32];
	tdp_duration_format(every, sizeof(every), sc->join.every_ns);
	printf(", join");
	for (uint32_t j = 0; j < sc->join.n; j++)
		printf("%s\"%s\"", j ? ", " : " ", sc->join.streams[j]);
	printf(" every %s", every);
	if (sc->join.max_age_ns) {
		tdp_duration_format(age, sizeof(age), sc->join.max_age_ns);
		printf(" max_age %s", age);
	}
}

static void print_features(const struct tdp_features_cfg *f)
{
	const char *const names[] = { "summary", "betti", "landscape", "silhouette", "image" };
	const bool on[] = { f->summary, f->betti.on, f->landscape.on, f->silhouette.on, f->image.on };
	const char *sep = ", features";
	for (unsigned i = 0; i < sizeof(on) / sizeof(on[0]); i++)
		if (on[i]) {
			printf("%s %s", sep, names[i]);
			sep = "";
		}
	sep = ", distances";
	for (unsigned k = 0; k < TDP_DISTANCES; k++)
		if (f->distances >> k & 1) {
			printf("%s %s", sep, tdp_distance_name(k));
			sep = "";
		}
}

/* ", track H1 from 0.05, anomaly bottleneck of H1 over 50 windows at 6":
 * what makes the scale's events. */
static void print_events(const struct tdp_scale_cfg *sc)
{
	if (sc->track.on) {
		printf(", track");
		for (unsigned d = 0; d < TDP_MAX_HDIM; d++)
			if (sc->track.dims_mask >> d & 1)
				printf(" H%u", d);
		printf(" from %g", sc->track.min_persistence);
	}
	if (sc->anomaly.on)
		printf(", anomaly %s of H%u over %u windows at %g", tdp_signal_name(sc->anomaly.signal),
		       sc->anomaly.dim, sc->anomaly.history, sc->anomaly.threshold);
}

int cmd_check_config(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("%s", usage);
		return TDP_EXIT_OK;
	}
	bool syntax_only = argc == 3 && !strcmp(argv[1], "--syntax-only");
	if (argc != 2 + syntax_only) {
		fprintf(stderr, "%s", usage);
		return TDP_EXIT_USAGE;
	}
	const char *path = argv[argc - 1];
	static struct tdp_config cfg;
	char err[1024];
	if (tdp_config_load(path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return TDP_EXIT_USAGE;
	}
	int rc = syntax_only ? 0 : tdp_preflight(&cfg, say);
	if (rc)
		return rc;
	/* The window stores are reserved for max_streams streams; /dev/shm
	 * backs only the streams that appear (tdapipe.yaml(5)). */
	uint64_t size = tdp_shm_size(&cfg, 0), stores = size - tdp_shm_fixed_size(&cfg, 0);
	printf("%s: ok: instance %s, %u scale%s, segment %llu bytes (%llu fixed, the rest window stores "
	       "for %u streams, used as streams appear)\n",
	       path, cfg.instance, cfg.nscales, cfg.nscales == 1 ? "" : "s", (unsigned long long)size,
	       (unsigned long long)(size - stores), cfg.max_streams);
	for (uint32_t s = 0; s < cfg.nscales; s++) {
		const struct tdp_scale_cfg *sc = &cfg.scales[s];
		char window[32], slide[32];
		if (sc->timed) {
			tdp_duration_format(window, sizeof(window), sc->window_ns);
			tdp_duration_format(slide, sizeof(slide), sc->slide_ns);
		} else {
			snprintf(window, sizeof(window), "%u", sc->window);
			snprintf(slide, sizeof(slide), "%u", sc->slide);
		}
		printf("  scale %s: %s, window %s, slide %s, overflow %s, ring %u, window store %llu bytes per stream",
		       sc->name, tdp_complex_name(sc->complex), window, slide,
		       tdp_scale_overflow(&cfg, s) == TDP_OVERFLOW_BLOCK ? "block" : "drop", sc->ring,
		       (unsigned long long)tdp_scale_store_stride(sc));
		if (sc->timed)
			printf(" (at most; reserved as it fills), max_window_points %u", sc->max_window_points);
		if (sc->embed_dim)
			printf(", embed dim %u lag %u", sc->embed_dim, sc->embed_lag);
		print_selection(sc);
		print_features(&sc->features);
		print_events(sc);
		printf("\n");
	}
	if (cfg.events.on)
		printf("  events: %s%s%s, %s\n", cfg.events.type == TDP_SINK_KAFKA ? "kafka topic " : "",
		       cfg.events.type == TDP_SINK_STDOUT ? "stdout" : "",
		       cfg.events.type == TDP_SINK_FILE ? cfg.events.path :
		       cfg.events.type == TDP_SINK_KAFKA ? cfg.events.topic : "", tdp_format_name(cfg.events.format));
	return TDP_EXIT_OK;
}
