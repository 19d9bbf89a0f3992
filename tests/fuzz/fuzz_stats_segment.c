/*
 * fuzz_stats_segment - what `tdapipe stats` does with a segment
 * (tdp_shm_check, the config parsed from the segment, tdp_shm_check_config,
 * stats_print), on segments anybody could have planted in /dev/shm.
 *
 * The input is a set of mutations of a valid segment, not a segment: raw
 * bytes would almost never get past the magic, and a real segment is
 * megabytes.  A template is built once by the real creation code
 * (tdp_shm_format) for a config of two count scales and a time scale,
 * then given live-looking state
 * (streams, process counters, a Kafka source with two partitions, an
 * error message) so that every line stats prints is reached.  An input
 * is a little program of edits to a copy of it, each an opcode byte (its
 * low two bits) and operands, little-endian, missing bytes read as 0:
 *   0  XOR onto the header: u16 offset (% the header's size), u8 length
 *      (% 16), that many bytes;
 *   1  XOR onto the segment anywhere: u32 offset (% its size), u8 length,
 *      that many bytes (process slots, commits, the Kafka block, the
 *      config text, ...);
 *   2  store into the header: u16 offset (% the header's size, down to a
 *      multiple of 4), u64 value, of which 4 or 8 bytes (opcode bit 2):
 *      counts and offsets set outright, to the values comparisons want;
 *   3  truncate: u32 size, the segment is presented as size % (its size
 *      + 1) bytes, a file cut short.
 * The empty input is the template itself; short inputs reach every field.
 * The copy sits in a heap block of exactly the presented size (ASan sees
 * any read past it), page-aligned like a mapping.
 *
 * Properties:
 *  - tdp_shm_check and tdp_shm_check_config answer 0 or -1, the same way
 *    twice, and a refusal is a non-empty reason NUL-terminated in its
 *    buffer (an exact block);
 *  - a truncated segment is refused unless its header was made to agree;
 *  - a segment both checks accept is printed, text and JSON, by the very
 *    code `tdapipe stats` runs, without reading outside the segment: the
 *    checks cover every read stats makes, live counts included;
 *  - and by the exporter too (metrics_render, health_ok,
 *    ready_ok): /metrics is whole lines, each a comment or a tdapipe_
 *    sample, and a refusal of health or readiness has a reason;
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/stats_print.h"
#include "common/buf.h"
#include "common/commit.h"
#include "common/config.h"
#include "common/shm.h"
#include "common/shm_check.h"
#include "common/latest.h"
#include "exporter/exporter.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                                                \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: property violated: %s\n  ", __FILE__, __LINE__, \
				#cond);                                                 \
			fprintf(stderr, __VA_ARGS__);                                   \
			fputc('\n', stderr);                                            \
			abort();                                                        \
		}                                                                       \
	} while (0)

static const char config_text[] =
	"instance: fuzz-stats\n"
	"source: {type: stdin, format: csv, time_column: 0, lateness: 1s}\n"
	"max_streams: 4\n"
	"metrics: {listen: 127.0.0.1:9464, streams: 2}\n"
	"scales:\n"
	"  - {name: lev, complex: sublevel, window: 20, slide: 10, ring: 16}\n"
	"  - {name: cloud, complex: rips, window: 10, slide: 5, ring: 32}\n"
	"  - {name: sec, complex: sublevel, window: 1s, slide: 500ms, ring: 16, max_window_points: 64}\n";

static uint8_t *tmpl;
static size_t tmpl_size;
static struct tdp_config cfg;

/* What a running instance would have written by now. */
static void make_live(struct tdp_shm *seg)
{
	struct tdp_shm_header *h = seg->hdr;
	h->supervisor_pid = 4242;
	h->nstreams = 2;
	for (uint32_t i = 0; i < 2; i++)
		snprintf(tdp_shm_stream(seg, i)->name, TDP_STREAM_NAME_MAX, "stream-%u", i);
	for (uint32_t i = 0; i < h->nprocs; i++) {
		struct tdp_proc *p = tdp_shm_proc(seg, i);
		p->pid = (int32_t)(5000 + i);
		p->state = TDP_PROC_RUNNING;
		p->restarts = i;
		p->last_exit = i == 1 ? -9 : INT32_MIN;
		p->records_in = 1000 * (i + 1);
		p->records_out = 900 * (i + 1);
		p->windows = 17;
		p->compute_hist[12] = 5;
		p->compute_hist[20] = 1;
		p->incomplete[1] = i;
		p->late = 7;
		p->dead[TDP_DEAD_LATE] = 7;
		p->dead[TDP_DEAD_MALFORMED] = i;
		p->open_windows = 2;
		p->waiting = 30;
		p->newest_ns = 1765000000123456789;
		p->watermark_ns = p->newest_ns - 1000000000;
	}
	for (uint32_t s = 0; s < h->nscales; s++) {
		tdp_shm_in_ring(seg, s)->pushed = 1000;
		tdp_shm_in_ring(seg, s)->popped = 990;
		tdp_shm_wstate(seg, s, 1)->body[0].lost = 3;
	}
	struct tdp_kafka_block *kb = tdp_shm_kafka(seg);
	kb->source.state = TDP_KAFKA_UP;
	kb->source.messages = 1234;
	kb->sink.state = TDP_KAFKA_DOWN;
	snprintf(kb->sink.last_error, sizeof(kb->sink.last_error), "all brokers down \"quoted\"\n");
	kb->nparts = 2;
	for (int i = 0; i < 2; i++) {
		snprintf(kb->parts[i].topic, sizeof(kb->parts[i].topic), "points");
		kb->parts[i].partition = i;
		kb->parts[i].assigned = 1;
		kb->parts[i].high_watermark = 500 + i;
	}
	struct tdp_ingest_body *ib = &tdp_shm_ingest_commit(seg)->body[0];
	ib->nkpos = 2;
	ib->kpos[0] = 400;
	struct tdp_latest v = {.flags = TDP_LATEST_SET | TDP_LATEST_SCORED, .window = 3, .dims_mask = 3,
			       .count = {4, 1}, .essential = {1, 0}, .total = {2.5, 0.25}, .score = 1.5};
	tdp_latest_write(tdp_shm_latest(seg, 0, 1), &v);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char err[512];
	if (tdp_config_parse(config_text, strlen(config_text), "fuzz.yaml", &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_stats_segment: template config: %s\n", err);
		abort();
	}
	tmpl_size = tdp_shm_size(&cfg, strlen(config_text));
	if (posix_memalign((void **)&tmpl, 4096, tmpl_size))
		abort();
	memset(tmpl, 0, tmpl_size);
	tdp_shm_format(tmpl, &cfg, config_text, strlen(config_text));
	struct tdp_shm seg = {.hdr = (struct tdp_shm_header *)tmpl, .size = tmpl_size, .fd = -1};
	make_live(&seg);
	char why[512];
	CHECK(tdp_shm_check(tmpl, tmpl_size, why, sizeof(why)) == 0, "template refused: %s", why);
	CHECK(tdp_shm_check_config(tmpl, &cfg, why, sizeof(why)) == 0, "template refused: %s", why);
	return 0;
}

/* The edit program's operands: N bytes little-endian, 0 past the end. */
static uint64_t take(const uint8_t **p, size_t *n, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes && *n; i++, (*p)++, (*n)--)
		v |= (uint64_t)**p << (8 * i);
	return v;
}

/* XOR up to LEN bytes of the program onto SEG[OFF..LIMIT). */
static void xor_bytes(uint8_t *seg, size_t off, size_t len, size_t limit, const uint8_t **p, size_t *n)
{
	for (size_t i = 0; i < len && *n; i++, (*p)++, (*n)--)
		if (off + i < limit)
			seg[off + i] ^= **p;
}

/* Apply the edit program DATA (N bytes) to the template's copy SEG; the
 * size the segment is presented with in *SIZE. */
static void edit(uint8_t *seg, size_t *size, const uint8_t *p, size_t n)
{
	const size_t hdr = sizeof(struct tdp_shm_header);
	while (n) {
		unsigned op = *p++;
		n--;
		switch (op & 3) {
		case 0: {
			size_t off = take(&p, &n, 2) % hdr, len = take(&p, &n, 1) % 16;
			xor_bytes(seg, off, len, *size, &p, &n);
			break;
		}
		case 1: {
			size_t off = take(&p, &n, 4) % (tmpl_size ? tmpl_size : 1), len = take(&p, &n, 1);
			xor_bytes(seg, off, len, *size, &p, &n);
			break;
		}
		case 2: {
			size_t off = take(&p, &n, 2) % hdr & ~(size_t)3, width = op & 4 ? 8 : 4;
			uint64_t v = take(&p, &n, (unsigned)width);
			for (size_t i = 0; i < width && off + i < *size && off + i < hdr; i++)
				seg[off + i] = (uint8_t)(v >> (8 * i));
			break;
		}
		case 3:
			*size = take(&p, &n, 4) % (*size + 1);
			break;
		}
	}
}

/* A reason of a refusal: non-empty and NUL-terminated in WHY (LEN bytes). */
static void check_reason(const char *why, size_t len, const char *who)
{
	const char *nul = memchr(why, 0, len);
	CHECK(nul && nul != why, "%s refused without a reason", who);
}

/* Run both checks on the SIZE bytes at BASE; 0 if both pass. */
static int checks(const uint8_t *base, size_t size, struct tdp_config *seg_cfg, char *why, size_t whylen)
{
	if (tdp_shm_check(base, size, why, whylen) < 0) {
		check_reason(why, whylen, "tdp_shm_check");
		return -1;
	}
	/* As stats does: the config text the check vouched for, parsed. */
	const struct tdp_shm_header *h = (const struct tdp_shm_header *)base;
	char err[512];
	if (tdp_config_parse((const char *)base + h->config_off, h->config_len, "(segment)", seg_cfg, err,
			     sizeof(err)) < 0)
		return -1;
	if (tdp_shm_check_config(base, seg_cfg, why, whylen) < 0) {
		check_reason(why, whylen, "tdp_shm_check_config");
		return -1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static struct tdp_config seg_cfg;
	/* Edit a full copy, then present it in a block of exactly the size
	 * the program left, so that ASan sees a read past that. */
	static uint8_t *work;
	if (!work && posix_memalign((void **)&work, 4096, tmpl_size))
		abort();
	memcpy(work, tmpl, tmpl_size);
	size_t size = tmpl_size;
	edit(work, &size, data, n);
	uint8_t *seg;
	if (posix_memalign((void **)&seg, 4096, size ? size : 1))
		abort();
	memcpy(seg, work, size);

	const size_t whylen = 200;
	char *why = malloc(whylen);
	if (!why)
		abort();
	int rc = checks(seg, size, &seg_cfg, why, whylen);
	CHECK(checks(seg, size, &seg_cfg, why, whylen) == rc, "the checks changed their mind");
	if (size < tmpl_size && rc == 0) {
		uint64_t total;
		memcpy(&total, seg + offsetof(struct tdp_shm_header, total_size), sizeof(total));
		CHECK(total == size, "a segment cut to %zu bytes passed, its header says %llu", size,
		      (unsigned long long)total);
	}
	if (rc == 0) {
		struct tdp_shm s = {.hdr = (struct tdp_shm_header *)seg, .size = size, .fd = -1};
		struct tdp_buf out;
		tdp_buf_init(&out);
		stats_print(&out, &s, &seg_cfg, false);
		CHECK(out.len > 9 && !memcmp(out.p, "instance ", 9), "text output starts %.20s", out.p);
		tdp_buf_reset(&out);
		stats_print(&out, &s, &seg_cfg, true);
		CHECK(out.len > 2 && out.p[0] == '{' && out.p[out.len - 2] == '}' && out.p[out.len - 1] == '\n',
		      "JSON output is not one object and a newline");
		/* The exporter reads the same segments: /metrics is lines of
		 * comments and samples, health a yes or a reason. */
		tdp_buf_reset(&out);
		metrics_render(&out, &s, &seg_cfg);
		CHECK(out.len > 0 && out.p[out.len - 1] == '\n', "/metrics does not end a line");
		for (size_t i = 0; i < out.len; i = (size_t)((char *)memchr(out.p + i, '\n', out.len - i) - out.p) + 1)
			CHECK(out.p[i] == '#' || !strncmp(out.p + i, "tdapipe_", 8), "/metrics line %.40s", out.p + i);
		char reason[256] = "";
		if (!health_ok(&s, &seg_cfg, reason, sizeof(reason)) || !ready_ok(&s, &seg_cfg, reason, sizeof(reason)))
			CHECK(reason[0], "health or readiness refused without a reason");
		tdp_buf_fini(&out);
	}
	free(why);
	free(seg);
	return 0;
}
