/*
 * tdapipe persistence - persistence diagrams of a file, whole or by sliding
 * windows (tdapipe-persistence(1)).
 *
 * main flow: parse options, read and validate every row of the input (the
 * first bad line is reported with its number, exit 100), then compute each
 * window with one reused engine workspace and print it.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/persistence_config.h"
#include "cli/persistence_features.h"
#include "common/buf.h"
#include "common/exitcode.h"
#include "common/json.h"
#include "ingest/number.h"
#include "scaled/diagram.h"
#include "scaled/rips.h"
#include "scaled/sublevel_slide.h"
#include "scaled/xsum.h"

static const char usage[] =
	"usage: tdapipe persistence [--complex rips|sublevel] [--dim K] [--threshold T]\n"
	"                           [--input point-cloud|lower-distance|series] [--memory-mb MB]\n"
	"                           [--collapse auto|on|off]\n"
	"                           [--window W --slide S] [--summary | --changes | --features F.yaml]\n"
	"                           [FILE|-]\n"
	"       tdapipe persistence --config CONFIG.yaml --scale NAME [--events FILE] [FILE|-]\n"
	"Persistence diagrams of FILE (default: standard input).  Prints one interval per\n"
	"line, DIM BIRTH DEATH (death inf for essential classes), sorted; with --window,\n"
	"WINDOW DIM BIRTH DEATH for windows k over rows [k*S, k*S+W); with --summary,\n"
	"WINDOW COUNT TOTAL; with --changes (sublevel), WINDOW died|born BIRTH DEATH;\n"
	"with --features, one JSON line per window with the features and distances the\n"
	"features block in F.yaml asks for (as a scale's `features:`, tdapipe.yaml(5)).\n"
	"With --config, scale NAME of a pipeline config runs offline on FILE, read as the\n"
	"config's source reads (format, fields), and its results are printed as the\n"
	"pipeline publishes them (events into --events FILE).\n"
	"--dim K: H0..HK (0..3, default 1).  --memory-mb MB: cap the Rips engine (default: none).\n"
	"--collapse: edge collapse before the Rips reduction (same diagrams): auto (default:\n"
	"with a threshold that keeps few edges, for H2 and H3), on, off.\n"
	"A dimension that cannot be computed (memory, size) is left out, named on stderr, exit 1.\n"
	"Exit 100 on bad usage or input (FILE:LINE: reason), 111 on a system failure.\n"
	"See tdapipe-persistence(1).\n";

enum complex_kind { COMPLEX_RIPS, COMPLEX_SUBLEVEL };
enum input_kind { INPUT_DEFAULT, INPUT_POINTS, INPUT_LOWER, INPUT_SERIES };

struct opts {
	enum complex_kind complex;
	enum input_kind input;
	int dim;
	double threshold;
	size_t window, slide;
	size_t memory_mb;         /* 0: no cap but the machine's */
	int collapse;             /* --collapse: an enum rips_collapse_mode, -1 the engine's default */
	bool summary, changes;
	const char *features;     /* --features: the features block's file */
	const char *config, *scale, *events;   /* --config, --scale, --events */
	bool plain;               /* an option of the plain mode was given */
	const char *path;
};

/* The parsed input: ROWS rows of COLS values (lower-distance: the strict
 * lower triangle, n = rows + 1 points), as doubles in VALUES. */
struct table {
	struct tdp_buf values;
	const double *v;          /* values.p once read */
	size_t rows, cols;
	size_t npoints;
};

static int fail_usage(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "tdapipe persistence: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return TDP_EXIT_USAGE;
}

static bool parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || x == 0 || x > (1ull << 20))
		return false;
	*out = (size_t)x;
	return true;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"complex", required_argument, NULL, 'c'},
		{"dim", required_argument, NULL, 'd'},
		{"threshold", required_argument, NULL, 't'},
		{"input", required_argument, NULL, 'i'},
		{"window", required_argument, NULL, 'w'},
		{"slide", required_argument, NULL, 's'},
		{"summary", no_argument, NULL, 'S'},
		{"changes", no_argument, NULL, 'C'},
		{"memory-mb", required_argument, NULL, 'm'},
		{"collapse", required_argument, NULL, 'X'},
		{"features", required_argument, NULL, 'F'},
		{"config", required_argument, NULL, 'K'},
		{"scale", required_argument, NULL, 'N'},
		{"events", required_argument, NULL, 'E'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->dim = 1;
	o->threshold = INFINITY;
	o->collapse = -1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		o->plain |= c != 'K' && c != 'N' && c != 'E' && c != 'h';
		switch (c) {
		case 'c':
			if (!strcmp(optarg, "rips"))
				o->complex = COMPLEX_RIPS;
			else if (!strcmp(optarg, "sublevel"))
				o->complex = COMPLEX_SUBLEVEL;
			else
				return fail_usage("--complex: expected rips or sublevel, got \"%s\"", optarg);
			break;
		case 'd':
			errno = 0;
			long k = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || k < 0 || k > RIPS_MAX_DIM)
				return fail_usage("--dim: expected 0..%d, got \"%s\"", RIPS_MAX_DIM, optarg);
			o->dim = (int)k;
			break;
		case 't':
			o->threshold = strtod(optarg, &end);
			if (end == optarg || *end || isnan(o->threshold))
				return fail_usage("--threshold: expected a number, got \"%s\"", optarg);
			break;
		case 'i':
			if (!strcmp(optarg, "point-cloud"))
				o->input = INPUT_POINTS;
			else if (!strcmp(optarg, "lower-distance"))
				o->input = INPUT_LOWER;
			else if (!strcmp(optarg, "series"))
				o->input = INPUT_SERIES;
			else
				return fail_usage("--input: expected point-cloud, lower-distance or series, got \"%s\"", optarg);
			break;
		case 'w':
			if (!parse_size(optarg, &o->window))
				return fail_usage("--window: expected an integer 1..1048576, got \"%s\"", optarg);
			break;
		case 's':
			if (!parse_size(optarg, &o->slide))
				return fail_usage("--slide: expected an integer 1..1048576, got \"%s\"", optarg);
			break;
		case 'S':
			o->summary = true;
			break;
		case 'm':
			if (!parse_size(optarg, &o->memory_mb))
				return fail_usage("--memory-mb: expected an integer 1..1048576, got \"%s\"", optarg);
			break;
		case 'C':
			o->changes = true;
			break;
		case 'X':
			if (!strcmp(optarg, "auto"))
				o->collapse = RIPS_COLLAPSE_AUTO;
			else if (!strcmp(optarg, "on"))
				o->collapse = RIPS_COLLAPSE_ON;
			else if (!strcmp(optarg, "off"))
				o->collapse = RIPS_COLLAPSE_OFF;
			else
				return fail_usage("--collapse: expected auto, on or off, got \"%s\"", optarg);
			break;
		case 'F':
			o->features = optarg;
			break;
		case 'K':
			o->config = optarg;
			break;
		case 'N':
			o->scale = optarg;
			break;
		case 'E':
			o->events = optarg;
			break;
		case 'h':
			return -1;
		default:
			return fail_usage("unknown option or missing value: \"%s\" (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc - 1)
		return fail_usage("more than one input file (see --help)");
	o->path = optind < argc ? argv[optind] : "-";
	if (o->config || o->scale || o->events) {
		if (!o->config || !o->scale)
			return fail_usage("--config and --scale go together%s", o->events ? " (and --events needs them)" : "");
		if (o->plain)
			return fail_usage("--config takes the complex, windows and features from the config: "
					  "no other option goes with it but --scale and --events");
		return 0;
	}
	if (!o->window != !o->slide)
		return fail_usage("--window and --slide go together");
	if (o->summary && !o->window)
		return fail_usage("--summary needs --window and --slide");
	if (o->complex == COMPLEX_RIPS && !(o->threshold >= 0))
		return fail_usage("--threshold: expected a number >= 0 with --complex rips (a distance)");
	if (o->changes && (!o->window || o->complex != COMPLEX_SUBLEVEL || o->summary || isfinite(o->threshold)))
		return fail_usage("--changes needs --complex sublevel and --window, without --summary or --threshold");
	if (o->collapse >= 0 && o->complex != COMPLEX_RIPS)
		return fail_usage("--collapse goes with --complex rips (a graph's edges to collapse)");
	if (o->features && (o->summary || o->changes))
		return fail_usage("--features goes without --summary and --changes");
	if (o->input == INPUT_DEFAULT)
		o->input = o->complex == COMPLEX_SUBLEVEL ? INPUT_SERIES : INPUT_POINTS;
	if (o->complex == COMPLEX_SUBLEVEL && o->input == INPUT_LOWER)
		return fail_usage("--complex sublevel reads a series, not a distance matrix");
	return 0;
}

/* ------------------------------------------------------------------ input */

/*
 * Parse TEXT into T as O->input says.  Fields are separated by commas
 * and/or blanks (what ripser reads); blank lines are skipped.  Returns 0,
 * TDP_EXIT_USAGE after printing NAME:LINE: reason, or TDP_EXIT_SYSTEM.
 */
static int read_table(const char *name, char *text, const struct opts *o, struct table *t)
{
	size_t line = 0;
	char *p = text;

	while (*p) {
		char *eol = strchr(p, '\n');
		char *next = eol ? eol + 1 : p + strlen(p);
		if (eol)
			*eol = '\0';
		line++;
		size_t cols = 0;
		char *s = p;
		for (;;) {
			while (*s == ' ' || *s == '\t' || *s == '\r')
				s++;
			if (!*s)
				break;
			if (*s == ',') {
				fprintf(stderr, "tdapipe persistence: %s:%zu: empty field %zu\n", name, line, cols + 1);
				return TDP_EXIT_USAGE;
			}
			char *tok_end = s;
			while (*tok_end && *tok_end != ',' && *tok_end != ' ' && *tok_end != '\t' && *tok_end != '\r')
				tok_end++;
			/* The pipeline's grammar (ingest/number.c): a hex float, nan
			 * or inf is refused here as a source would refuse it. */
			double x;
			enum number_status st = number_parse(s, (size_t)(tok_end - s), &x);
			if (st != NUMBER_OK) {
				char q[TDP_QUOTE_MAX];
				reason_quote(q, s, (size_t)(tok_end - s));
				fprintf(stderr, "tdapipe persistence: %s:%zu: field %zu: %s: %s\n", name, line, cols + 1,
					st == NUMBER_NOT_FINITE ? "not a finite number" : "not a number", q);
				return TDP_EXIT_USAGE;
			}
			if (o->input == INPUT_LOWER && x < 0) {
				fprintf(stderr, "tdapipe persistence: %s:%zu: field %zu: negative distance\n",
					name, line, cols + 1);
				return TDP_EXIT_USAGE;
			}
			tdp_buf_append(&t->values, &x, sizeof(x));
			if (!tdp_buf_ok(&t->values)) {
				fprintf(stderr, "tdapipe persistence: out of memory\n");
				return TDP_EXIT_SYSTEM;
			}
			cols++;
			s = tok_end;
			while (*s == ' ' || *s == '\t' || *s == '\r')
				s++;
			if (*s == ',')
				s++;
		}
		if (cols) {
			size_t want = o->input == INPUT_SERIES ? 1 : o->input == INPUT_LOWER ? t->rows + 1
				      : t->rows ? t->cols : cols;
			if (cols != want) {
				fprintf(stderr, "tdapipe persistence: %s:%zu: expected %zu value%s, got %zu\n",
					name, line, want, want == 1 ? "" : "s", cols);
				return TDP_EXIT_USAGE;
			}
			if (!t->rows)
				t->cols = cols;
			t->rows++;
		}
		p = next;
	}
	if (!t->rows) {
		fprintf(stderr, "tdapipe persistence: %s:%zu: no data\n", name, line ? line : 1);
		return TDP_EXIT_USAGE;
	}
	t->npoints = o->input == INPUT_LOWER ? t->rows + 1 : t->rows;
	t->v = (const double *)t->values.p;   /* malloc'd: aligned for doubles */
	return 0;
}

/* ----------------------------------------------------------------- output */

struct printer {
	bool windows, summary;
	size_t count;
	struct tdp_xsum total;   /* exact: the printed total is correctly rounded */
	struct persistence_features *features;   /* --features: the diagrams go there */
	bool failed;             /* out of memory */
};

static void print_intervals(struct printer *pr, size_t window, int dim,
			    const struct tdp_interval *iv, size_t n)
{
	char b[32], d[32];
	if (pr->features) {
		pr->failed |= persistence_features_add(pr->features, (unsigned)dim, iv, n) < 0;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (pr->summary) {
			if (isfinite(iv[i].death) && iv[i].death > iv[i].birth) {
				pr->count++;
				tdp_xsum_add(&pr->total, iv[i].death - iv[i].birth);
			}
			continue;
		}
		tdp_format_double(b, iv[i].birth);
		tdp_format_double(d, iv[i].death);
		if (pr->windows)
			printf("%zu %d %s %s\n", window, dim, b, d);
		else
			printf("%d %s %s\n", dim, b, d);
	}
}

/* Append X in decimal at P; returns the end. */
static char *put_u64(char *p, uint64_t x)
{
	return p + tdp_u64_digits(p, x);
}

/* A --summary line, "WINDOW COUNT TOTAL": one a window, so built by hand
 * and written in one piece (printf's parsing of its format was a tenth of
 * a --slide 1 run). */
static void print_summary(size_t window, uint64_t count, double total)
{
	char line[96];
	char *p = put_u64(line, window);
	*p++ = ' ';
	p = put_u64(p, count);
	*p++ = ' ';
	p += tdp_format_double(p, total);
	*p++ = '\n';
	fwrite_unlocked(line, 1, (size_t)(p - line), stdout);
}

/* ---------------------------------------------------------------- compute */

/*
 * Window K's dimensions from DG->done up were not computed: say which and
 * why on stderr (the diagrams printed are the ones that were).
 */
static void report_incomplete(const struct opts *o, bool windows, size_t k, const struct rips_diagram *dg)
{
	char where[48] = "", dims[32] = "", why[96];
	if (windows)
		snprintf(where, sizeof(where), "window %zu: ", k);
	for (int d = dg->done, len = 0; d <= dg->maxdim; d++)
		len += snprintf(dims + len, sizeof(dims) - (size_t)len, "%sH%d", d > dg->done ? ", " : "", d);
	switch (dg->why) {
	case TDP_INCOMPLETE_MEMORY_MB:
		snprintf(why, sizeof(why), "more memory than --memory-mb %zu", o->memory_mb);
		break;
	case TDP_INCOMPLETE_INDEX_RANGE:
		snprintf(why, sizeof(why), "too many points for --dim %d (see tdapipe-persistence(1))", o->dim);
		break;
	default:
		snprintf(why, sizeof(why), "out of memory");
		break;
	}
	fprintf(stderr, "tdapipe persistence: %s%s not computed: %s (%s)\n", where, dims, why,
		tdp_incomplete_name(dg->why));
}

/*
 * The lower-triangular distances of the window starting at point FIRST
 * (W points), in D.  When the previous window started at PREV (PREV < FIRST
 * < PREV + W, same W), the distances among the shared points are moved,
 * not recomputed: d(i, j) of this window is d(i + shift, j + shift) of the
 * previous one.  Both paths compute a distance with the same expression,
 * so the result does not depend on which one ran.
 */
static void window_distances(const struct table *t, const struct opts *o, size_t first, size_t w,
			     size_t prev, bool have_prev, double *D)
{
	size_t keep = 0;
	if (have_prev && first > prev && first < prev + w) {
		size_t shift = first - prev;
		keep = w - shift;
		for (size_t i = 1; i < keep; i++)
			memmove(D + i * (i - 1) / 2, D + (i + shift) * (i + shift - 1) / 2 + shift,
				i * sizeof(double));
	}
	for (size_t i = keep ? keep : 1; i < w; i++) {
		double *row = D + i * (i - 1) / 2;
		if (o->input == INPUT_LOWER) {
			size_t a = first + i;
			for (size_t j = 0; j < i; j++)
				row[j] = t->v[a * (a - 1) / 2 + first + j];
			continue;
		}
		const double *p = t->v + (first + i) * t->cols;
		for (size_t j = 0; j < i; j++) {
			const double *q = t->v + (first + j) * t->cols;
			double s = 0;
			for (size_t c = 0; c < t->cols; c++) {
				double x = p[c] - q[c];
				s += x * x;
			}
			row[j] = sqrt(s);
		}
	}
}

/*
 * Make the sliding structure hold window [first, first + w) of the series:
 * the points before FIRST expire, the rows up to the window's end are
 * pushed (rows skipped between windows when slide > window are never
 * pushed).  *NEXT is the next row not yet pushed.
 */
static void slide_to(struct sublevel_slide *sl, const double *x, size_t first, size_t w, size_t *next)
{
	sls_expire_before(sl, first);
	if (*next < first)
		*next = first;
	for (; *next < first + w; (*next)++)
		sls_push(sl, *next, x[*next]);
}

/* The diagram the structure holds, truncated at threshold T: intervals
 * born above T vanish, deaths above T become essential. */
static size_t sublevel_diagram(const struct sublevel_slide *sl, double thr, struct tdp_interval *iv)
{
	size_t m = sls_diagram(sl, iv), k = 0;
	if (isinf(thr))
		return m;
	for (size_t i = 0; i < m; i++) {
		if (iv[i].birth > thr)
			continue;
		if (iv[i].death > thr)
			iv[i].death = INFINITY;
		iv[k++] = iv[i];
	}
	diagram_sort(iv, k);
	return k;
}

/* --changes: the intervals that died and were born since the previous
 * window, collected from the structure's change log and printed sorted. */
struct change_list {
	struct tdp_buf died, born;   /* struct tdp_interval */
};

static void collect_change(void *ctx, double birth, double death, bool born)
{
	struct change_list *cl = ctx;
	struct tdp_interval iv = {birth, death};
	tdp_buf_append(born ? &cl->born : &cl->died, &iv, sizeof(iv));
}

static void print_changes(size_t window, const char *what, struct tdp_buf *b)
{
	struct tdp_interval *iv = (struct tdp_interval *)b->p;
	size_t n = b->len / sizeof(*iv);
	char x[32], y[32];
	diagram_sort(iv, n);
	for (size_t i = 0; i < n; i++) {
		tdp_format_double(x, iv[i].birth);
		tdp_format_double(y, iv[i].death);
		printf("%zu %s %s %s\n", window, what, x, y);
	}
	tdp_buf_reset(b);
}

static int run(const struct table *t, const struct opts *o, struct persistence_features *pf)
{
	size_t n = t->npoints;
	size_t w = o->window ? o->window : n;
	size_t s = o->window ? o->slide : n;
	struct printer pr = {.windows = o->window != 0, .summary = o->summary, .features = pf};
	unsigned dims_mask = o->complex == COMPLEX_RIPS ? (2u << o->dim) - 1 : 1;
	rips_ws_t *ws = NULL;
	double *D = NULL;
	struct tdp_interval *iv = NULL;
	struct sublevel_slide sl = {0};
	size_t next_row = 0;
	struct change_list changes;
	int rc = TDP_EXIT_SYSTEM;
	bool incomplete = false;

	tdp_buf_init(&changes.died);
	tdp_buf_init(&changes.born);

	/* A point cloud with a threshold goes to the engine as points: its
	 * sparse path then never holds the n x n distances (rips.h).  Without
	 * a threshold the distances of consecutive windows are shared here. */
	bool as_points = o->input != INPUT_LOWER && !isinf(o->threshold);
	if (o->complex == COMPLEX_RIPS) {
		if (rips_init(&ws, o->memory_mb << 20) < 0 ||
		    (!as_points && !(D = malloc((w * (w - 1) / 2 + 1) * sizeof(double)))))
			goto oom;
		if (o->collapse >= 0)
			rips_set_collapse(ws, (enum rips_collapse_mode)o->collapse);
	} else {
		iv = malloc((w + 1) * sizeof(*iv));
		if (!iv || sls_init(&sl, (uint32_t)w, o->changes ? SLS_TRACK_CHANGES : 0) < 0)
			goto oom;
	}
	for (size_t k = 0; k * s + w <= n; k++) {
		size_t first = k * s;
		pr.count = 0;
		tdp_xsum_init(&pr.total);
		if (pf)
			persistence_features_start(pf, dims_mask);
		if (o->complex == COMPLEX_RIPS) {
			struct rips_input in = {RIPS_POINTS, w, t->cols, t->v + first * t->cols};
			if (!as_points) {
				window_distances(t, o, first, w, first - s, k > 0, D);
				in = (struct rips_input){RIPS_LOWER_DISTANCE, w, 0, D};
			}
			struct rips_diagram dg;
			int e = rips_compute(ws, &in, o->dim, o->threshold, &dg);
			if (dg.done > 0 && dg.done <= o->dim) {
				report_incomplete(o, pr.windows, k, &dg);
				incomplete = true;
			} else if (e == -ENOMEM) {
				goto oom;   /* not even the spanning tree's few bytes */
			} else if (e < 0) {
				char where[48] = "";
				if (pr.windows)
					snprintf(where, sizeof(where), "window %zu: ", k);
				/* The input was checked: only an overflowing distance
				 * is left, which the engine sees as infinite. */
				fprintf(stderr, "tdapipe persistence: %s%s\n", where,
					e == -ERANGE || e == -EINVAL ? "a distance overflows a double (coordinates too large)"
					: strerror(-e));
				rc = TDP_EXIT_USAGE;
				goto out;
			}
			for (int d = 0; d < dg.done; d++)
				print_intervals(&pr, k, d, dg.iv[d], dg.count[d]);
		} else if (o->changes) {
			slide_to(&sl, t->v, first, w, &next_row);
			sls_changes(&sl, collect_change, &changes);
			if (!tdp_buf_ok(&changes.died) || !tdp_buf_ok(&changes.born))
				goto oom;
			print_changes(k, "died", &changes.died);
			print_changes(k, "born", &changes.born);
			continue;
		} else if (pr.summary && isinf(o->threshold)) {
			/* The structure keeps the summary: no diagram to walk. */
			struct sls_summary sum;
			slide_to(&sl, t->v, first, w, &next_row);
			sls_summary(&sl, &sum);
			print_summary(k, sum.count, sum.total);
			continue;
		} else {
			slide_to(&sl, t->v, first, w, &next_row);
			size_t m = sublevel_diagram(&sl, o->threshold, iv);
			print_intervals(&pr, k, 0, iv, m);
		}
		if (pr.summary)
			print_summary(k, pr.count, tdp_xsum_value(&pr.total));
		if (pf && (pr.failed || persistence_features_print(pf, k) < 0))
			goto oom;
	}
	rc = fflush(stdout) ? TDP_EXIT_SYSTEM : incomplete ? TDP_EXIT_FAILED : TDP_EXIT_OK;
	if (rc == TDP_EXIT_SYSTEM)
		perror("tdapipe persistence: stdout");
	goto out;
oom:
	fprintf(stderr, "tdapipe persistence: out of memory\n");
out:
	rips_fini(ws);
	free(D);
	free(iv);
	sls_fini(&sl);
	tdp_buf_fini(&changes.died);
	tdp_buf_fini(&changes.born);
	return rc;
}

int cmd_persistence(int argc, char **argv)
{
	struct opts o;
	struct table t = {0};
	tdp_buf_init(&t.values);
	int rc = parse_opts(argc, argv, &o);
	if (rc < 0) {
		printf("%s", usage);
		return TDP_EXIT_OK;
	}
	if (rc)
		return rc;
	if (o.config)
		return persistence_config_run(o.config, o.scale, o.path, o.events);

	bool is_stdin = !strcmp(o.path, "-");
	const char *name = is_stdin ? "<stdin>" : o.path;
	struct tdp_buf file;
	tdp_buf_init(&file);
	int e = tdp_buf_read_file(&file, is_stdin ? "/dev/stdin" : o.path, SIZE_MAX);
	if (e < 0) {
		fprintf(stderr, "tdapipe persistence: %s: %s\n", name, strerror(-e));
		tdp_buf_fini(&file);
		return e == -ENOENT || e == -EISDIR || e == -EACCES ? TDP_EXIT_USAGE : TDP_EXIT_SYSTEM;
	}
	if (memchr(file.p, '\0', file.len)) {
		fprintf(stderr, "tdapipe persistence: %s: binary data (NUL byte)\n", name);
		tdp_buf_fini(&file);
		return TDP_EXIT_USAGE;
	}
	rc = read_table(name, file.p, &o, &t);
	tdp_buf_fini(&file);
	if (!rc && o.complex == COMPLEX_SUBLEVEL && t.cols != 1)
		rc = fail_usage("%s: --complex sublevel needs one value per line, got %zu", name, t.cols);
	struct persistence_features pf = {0};   /* fini-able as it is */
	if (!rc && o.features)
		rc = persistence_features_init(&pf, o.features);
	if (!rc)
		rc = run(&t, &o, o.features ? &pf : NULL);
	if (o.features)
		persistence_features_fini(&pf);
	tdp_buf_fini(&t.values);
	return rc;
}
