/*
 * test_decode_msgpack - decode_msgpack(): good maps (scalar, vector,
 * integers of both signs, float32), every prefix of a record being "read
 * more", concatenated records, and bad input: non-maps, bad key types,
 * unknown and duplicate keys, wrong value types, NaN/Inf, too many values,
 * over-long stream ids, deep nesting, a huge declared count, and bytes
 * that are not msgpack.  Inputs are built with msgpack-c's packer and
 * passed in buffers of exactly their length so ASan catches a read past
 * the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/decode.h"

struct mp {
	msgpack_sbuffer sb;
	msgpack_packer pk;
};

static void mp_init(struct mp *m)
{
	msgpack_sbuffer_init(&m->sb);
	msgpack_packer_init(&m->pk, &m->sb, msgpack_sbuffer_write);
}

static void mp_fini(struct mp *m)
{
	msgpack_sbuffer_destroy(&m->sb);
}

static void pack_str(struct mp *m, const char *s, size_t n)
{
	msgpack_pack_str(&m->pk, n);
	msgpack_pack_str_body(&m->pk, s, n);
}

static void pack_key(struct mp *m, const char *k)
{
	pack_str(m, k, strlen(k));
}

/* Result of one decode_msgpack call. */
struct res {
	int rc;
	size_t used;
	struct tdp_decoded d;
	char reason[192];
};

/* decode_msgpack on a copy of BUF[0..LEN), exactly LEN bytes long, with
 * numeric times counted in UNIT. */
static struct res run_unit(const char *buf, size_t len, enum tdp_time_unit unit)
{
	struct res r;
	char *p = malloc(len ? len : 1);
	assert_non_null(p);
	memcpy(p, buf, len);
	r.reason[0] = '\0';
	r.used = 12345;
	r.rc = decode_msgpack(p, len, unit, &r.used, &r.d, r.reason, sizeof(r.reason));
	free(p);
	return r;
}

static struct res run(const char *buf, size_t len)
{
	return run_unit(buf, len, TDP_TIME_S);
}

/* The whole of M must be one bad record with reason WANT. */
static void bad(struct mp *m, const char *want)
{
	struct res r = run(m->sb.data, m->sb.size);
	if (r.rc != -1)
		print_error("accepted a bad record (rc %d)\n", r.rc);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.used, m->sb.size);
	assert_string_equal(r.reason, want);
}

/* Every proper prefix of BUF must ask for more (0) without consuming. */
static void every_prefix_continues(const char *buf, size_t len)
{
	for (size_t n = 0; n < len; n++) {
		struct res r = run(buf, n);
		if (r.rc != 0)
			print_error("prefix of %zu of %zu bytes: rc %d (%s)\n", n, len, r.rc, r.reason);
		assert_int_equal(r.rc, 0);
		assert_int_equal(r.used, 0);
	}
}

static void test_scalar(void **state)
{
	(void)state;
	struct mp m;
	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	pack_key(&m, "v");
	msgpack_pack_double(&m.pk, 3.5);
	struct res r = run(m.sb.data, m.sb.size);
	assert_int_equal(r.rc, 1);
	assert_int_equal(r.used, m.sb.size);
	assert_int_equal(r.d.dim, 1);
	assert_true(r.d.v[0] == 3.5);
	assert_false(r.d.has_stream);
	assert_false(r.d.has_time);
	mp_fini(&m);
}

static void test_full_record(void **state)
{
	(void)state;
	struct mp m;
	mp_init(&m);
	msgpack_pack_map(&m.pk, 3);
	pack_key(&m, "stream");
	pack_key(&m, "s1");
	pack_key(&m, "t");
	msgpack_pack_double(&m.pk, 12.5);
	pack_key(&m, "v");
	msgpack_pack_array(&m.pk, 2);
	msgpack_pack_double(&m.pk, 0.5);
	msgpack_pack_double(&m.pk, -1.25);
	struct res r = run(m.sb.data, m.sb.size);
	assert_int_equal(r.rc, 1);
	assert_int_equal(r.used, m.sb.size);
	assert_true(r.d.has_stream);
	assert_string_equal(r.d.stream, "s1");
	assert_true(r.d.has_time);
	assert_true(r.d.t == 12500000000);   /* 12.5 s */
	assert_int_equal(r.d.dim, 2);
	assert_true(r.d.v[0] == 0.5 && r.d.v[1] == -1.25);
	mp_fini(&m);
}

/* Integers of both signs and widths, float32, any key order. */
static void test_number_types(void **state)
{
	(void)state;
	struct mp m;
	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	pack_key(&m, "v");
	msgpack_pack_array(&m.pk, 6);
	msgpack_pack_int(&m.pk, 7);
	msgpack_pack_int(&m.pk, -3);
	msgpack_pack_uint64(&m.pk, 4000000000u);
	msgpack_pack_int64(&m.pk, -5000000000ll);
	msgpack_pack_float(&m.pk, 0.25f);
	msgpack_pack_double(&m.pk, -0.1);
	pack_key(&m, "t");
	msgpack_pack_int(&m.pk, -100000);
	struct res r = run(m.sb.data, m.sb.size);
	assert_int_equal(r.rc, 1);
	assert_int_equal(r.d.dim, 6);
	assert_true(r.d.v[0] == 7 && r.d.v[1] == -3 && r.d.v[2] == 4e9 && r.d.v[3] == -5e9);
	assert_true(r.d.v[4] == 0.25 && r.d.v[5] == -0.1);
	assert_true(r.d.has_time && r.d.t == -100000000000000);   /* -100000 s */
	mp_fini(&m);

	/* A scalar integer v, a 16-value vector. */
	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	pack_key(&m, "v");
	msgpack_pack_array(&m.pk, 16);
	for (int i = 0; i < 16; i++)
		msgpack_pack_int(&m.pk, i * 1000);
	r = run(m.sb.data, m.sb.size);
	assert_int_equal(r.rc, 1);
	assert_int_equal(r.d.dim, 16);
	assert_true(r.d.v[15] == 15000);
	mp_fini(&m);
}

/* Every proper prefix of a record is "read more", of small records and of
 * ones with 8- and 16-bit length fields (str 8, array 16, float 64...). */
/* The event time of the map {"t": <packing>, "v": 1}, counted in UNIT:
 * decoded to *NS, or refused with REASON. */
#define TIME_OF(unit, packing, want_rc, want_ns, want_reason)              \
	do {                                                               \
		struct mp m_;                                              \
		mp_init(&m_);                                              \
		msgpack_pack_map(&m_.pk, 2);                               \
		pack_key(&m_, "t");                                        \
		{                                                          \
			struct mp *m = &m_;                                \
			packing;                                           \
		}                                                          \
		pack_key(&m_, "v");                                        \
		msgpack_pack_int(&m_.pk, 1);                               \
		struct res r_ = run_unit(m_.sb.data, m_.sb.size, unit);    \
		if (r_.rc != (want_rc))                                    \
			print_error("rc %d: %s\n", r_.rc, r_.reason);      \
		assert_int_equal(r_.rc, want_rc);                          \
		if (r_.rc == 1) {                                          \
			assert_true(r_.d.has_time);                        \
			assert_int_equal(r_.d.t, want_ns);                 \
		} else {                                                   \
			assert_string_equal(r_.reason, want_reason);       \
		}                                                          \
		mp_fini(&m_);                                              \
	} while (0)

/* Every msgpack form of an event time: int, uint, float32/64 in each
 * unit, RFC 3339 strings; out of range and bad strings refused with
 * event_time.c's reason. */
static void test_time_forms(void **state)
{
	(void)state;
	/* positive fixint, uint 64, negative ints, in each unit */
	TIME_OF(TDP_TIME_S, msgpack_pack_int(&m->pk, 7), 1, 7000000000, "");
	TIME_OF(TDP_TIME_MS, msgpack_pack_uint64(&m->pk, 1765000000123u), 1, 1765000000123000000, "");
	TIME_OF(TDP_TIME_US, msgpack_pack_int64(&m->pk, -1765000000123456), 1, -1765000000123456000, "");
	TIME_OF(TDP_TIME_NS, msgpack_pack_uint64(&m->pk, (uint64_t)INT64_MAX), 1, INT64_MAX, "");
	TIME_OF(TDP_TIME_NS, msgpack_pack_int64(&m->pk, INT64_MIN), 1, INT64_MIN, "");
	/* floats: exact from the binary value, rounded once to the nearest ns */
	TIME_OF(TDP_TIME_S, msgpack_pack_double(&m->pk, 1.5), 1, 1500000000, "");
	TIME_OF(TDP_TIME_MS, msgpack_pack_float(&m->pk, 0.25f), 1, 250000, "");
	TIME_OF(TDP_TIME_US, msgpack_pack_double(&m->pk, -2.5), 1, -2500, "");
	TIME_OF(TDP_TIME_NS, msgpack_pack_double(&m->pk, 2.5), 1, 3, "");   /* a tie: away from zero */
	TIME_OF(TDP_TIME_S, msgpack_pack_double(&m->pk, 0.1), 1, 100000000, "");
	/* strings are RFC 3339 whatever the unit */
	TIME_OF(TDP_TIME_MS, pack_str(m, "2026-12-06T03:12:22.125Z", 24), 1, 1796526742125000000, "");
	TIME_OF(TDP_TIME_NS, pack_str(m, "1970-01-01T01:00:00+01:00", 25), 1, 0, "");
	/* out of range */
	TIME_OF(TDP_TIME_S, msgpack_pack_int64(&m->pk, 9300000000), -1, 0,
		"event time 9300000000 s is beyond ±292 years of nanoseconds around 1970");
	TIME_OF(TDP_TIME_MS, msgpack_pack_uint64(&m->pk, UINT64_MAX), -1, 0,
		"event time 18446744073709551615 ms is beyond ±292 years of nanoseconds around 1970");
	TIME_OF(TDP_TIME_US, msgpack_pack_double(&m->pk, -1e300), -1, 0,
		"event time -1.0000000000000001e+300 us is beyond ±292 years of nanoseconds around 1970");
	TIME_OF(TDP_TIME_S, pack_str(m, "2300-01-01T00:00:00Z", 20), -1, 0,
		"event time \"2300-01-01T00:00:00Z\" is beyond ±292 years of nanoseconds around 1970");
	TIME_OF(TDP_TIME_S, pack_str(m, "2026-02-30T00:00:00Z", 20), -1, 0,
		"event time \"2026-02-30T00:00:00Z\": day 30 is not in 2026-02");
	TIME_OF(TDP_TIME_S, pack_str(m, "12.5", 4), -1, 0,
		"event time \"12.5\": not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.frac] then Z or ±HH:MM)");
	TIME_OF(TDP_TIME_S, msgpack_pack_double(&m->pk, NAN), -1, 0, "event time: not finite: nan");
}

static void test_truncated(void **state)
{
	(void)state;
	struct mp m;
	mp_init(&m);
	msgpack_pack_map(&m.pk, 3);
	pack_key(&m, "stream");
	char id[63];
	memset(id, 'q', sizeof(id));
	pack_str(&m, id, sizeof(id));     /* str 8 */
	pack_key(&m, "t");
	msgpack_pack_uint64(&m.pk, 5000000000u);   /* uint 64 */
	pack_key(&m, "v");
	msgpack_pack_array(&m.pk, 16);    /* array 16 */
	for (int i = 0; i < 16; i++)
		msgpack_pack_double(&m.pk, i + 0.5);
	every_prefix_continues(m.sb.data, m.sb.size);
	struct res r = run(m.sb.data, m.sb.size);
	assert_int_equal(r.rc, 1);
	assert_int_equal(r.used, m.sb.size);
	assert_int_equal(strlen(r.d.stream), 63);
	assert_int_equal(r.d.dim, 16);
	mp_fini(&m);

	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	pack_key(&m, "v");
	msgpack_pack_float(&m.pk, 1.5f);
	every_prefix_continues(m.sb.data, m.sb.size);
	mp_fini(&m);
}

static void test_two_records(void **state)
{
	(void)state;
	struct mp m;
	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	pack_key(&m, "stream");
	pack_key(&m, "a");
	pack_key(&m, "v");
	msgpack_pack_int(&m.pk, 1);
	size_t first = m.sb.size;
	msgpack_pack_map(&m.pk, 2);
	pack_key(&m, "stream");
	pack_key(&m, "bb");
	pack_key(&m, "v");
	msgpack_pack_double(&m.pk, 2.5);
	struct res r = run(m.sb.data, m.sb.size);
	assert_int_equal(r.rc, 1);
	assert_int_equal(r.used, first);
	assert_string_equal(r.d.stream, "a");
	assert_true(r.d.v[0] == 1);
	r = run(m.sb.data + first, m.sb.size - first);
	assert_int_equal(r.rc, 1);
	assert_int_equal(r.used, m.sb.size - first);
	assert_string_equal(r.d.stream, "bb");
	assert_true(r.d.v[0] == 2.5);
	/* The first record and part of the second: one record, then wait. */
	r = run(m.sb.data, m.sb.size - 1);
	assert_int_equal(r.rc, 1);
	assert_int_equal(r.used, first);
	r = run(m.sb.data + first, m.sb.size - first - 1);
	assert_int_equal(r.rc, 0);
	mp_fini(&m);
}

/* A non-map is skipped exactly, whatever its encoding, and the record
 * after it is found.  Each entry packs one object. */
static void pack_nonmap(struct mp *m, int kind)
{
	static char big[70000];
	switch (kind) {
	case 0: msgpack_pack_array(&m->pk, 2); msgpack_pack_int(&m->pk, 1); msgpack_pack_int(&m->pk, 2); break;
	case 1: msgpack_pack_int(&m->pk, 5); break;
	case 2: msgpack_pack_int(&m->pk, -5); break;
	case 3: msgpack_pack_uint8(&m->pk, 200); break;
	case 4: msgpack_pack_uint16(&m->pk, 60000); break;
	case 5: msgpack_pack_uint32(&m->pk, 4000000000u); break;
	case 6: msgpack_pack_int8(&m->pk, -100); break;
	case 7: msgpack_pack_int16(&m->pk, -30000); break;
	case 8: msgpack_pack_int32(&m->pk, -2000000000); break;
	case 9: msgpack_pack_int64(&m->pk, INT64_MIN); break;
	case 10: msgpack_pack_float(&m->pk, 1.5f); break;
	case 11: msgpack_pack_double(&m->pk, 1.5); break;
	case 12: msgpack_pack_nil(&m->pk); break;
	case 13: msgpack_pack_true(&m->pk); break;
	case 14: pack_str(m, "stream", 6); break;
	case 15: pack_str(m, big, 300); break;          /* str 16 */
	case 16: pack_str(m, big, 70000); break;        /* str 32 */
	case 17: msgpack_pack_bin(&m->pk, 10); msgpack_pack_bin_body(&m->pk, big, 10); break;
	case 18: msgpack_pack_bin(&m->pk, 300); msgpack_pack_bin_body(&m->pk, big, 300); break;
	case 19: msgpack_pack_bin(&m->pk, 70000); msgpack_pack_bin_body(&m->pk, big, 70000); break;
	case 20: case 21: case 22: case 23: case 24: {  /* fixext 1, 2, 4, 8, 16 */
		size_t n = (size_t)1 << (kind - 20);
		msgpack_pack_ext(&m->pk, n, 7);
		msgpack_pack_ext_body(&m->pk, big, n);
		break;
	}
	case 25: msgpack_pack_ext(&m->pk, 3, 7); msgpack_pack_ext_body(&m->pk, big, 3); break;   /* ext 8 */
	case 26: msgpack_pack_ext(&m->pk, 300, 7); msgpack_pack_ext_body(&m->pk, big, 300); break;
	case 27: msgpack_pack_ext(&m->pk, 70000, 7); msgpack_pack_ext_body(&m->pk, big, 70000); break;
	case 28:   /* array 16 of arrays and strings */
		msgpack_pack_array(&m->pk, 20);
		for (int i = 0; i < 20; i++) {
			msgpack_pack_array(&m->pk, 1);
			pack_str(m, "x", 1);
		}
		break;
	case 29:   /* array 32 */
		msgpack_pack_array(&m->pk, 70000);
		for (int i = 0; i < 70000; i++)
			msgpack_pack_nil(&m->pk);
		break;
	}
}

static const char *nonmap_type[] = {
	"an array", "an integer", "an integer", "an integer", "an integer", "an integer",
	"an integer", "an integer", "an integer", "an integer", "a float", "a float", "nil",
	"a boolean", "a string", "a string", "a string", "binary data", "binary data",
	"binary data", "an ext", "an ext", "an ext", "an ext", "an ext", "an ext", "an ext",
	"an ext", "an array", "an array",
};

static void test_non_map(void **state)
{
	(void)state;
	for (int kind = 0; kind < 30; kind++) {
		struct mp m;
		mp_init(&m);
		pack_nonmap(&m, kind);
		size_t size = m.sb.size;
		msgpack_pack_map(&m.pk, 1);
		pack_key(&m, "v");
		msgpack_pack_int(&m.pk, 9);

		struct res r = run(m.sb.data, m.sb.size);
		char want[64];
		snprintf(want, sizeof(want), "expected a map, got %s", nonmap_type[kind]);
		if (r.used != size)
			print_error("kind %d: used %zu of %zu\n", kind, r.used, size);
		assert_int_equal(r.rc, -1);
		assert_int_equal(r.used, size);
		assert_string_equal(r.reason, want);
		r = run(m.sb.data + size, m.sb.size - size);
		assert_int_equal(r.rc, 1);
		assert_true(r.d.v[0] == 9);

		/* Cut short, it is a prefix (small ones: at every length). */
		if (size < 1000)
			every_prefix_continues(m.sb.data, size);
		else
			assert_int_equal(run(m.sb.data, size - 1).rc, 0);
		mp_fini(&m);
	}
}

/* A map with a bad key is skipped exactly, even with nested values. */
static void test_bad_keys(void **state)
{
	(void)state;
	struct mp m;
	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	pack_key(&m, "v");
	msgpack_pack_int(&m.pk, 1);
	msgpack_pack_int(&m.pk, 1);
	msgpack_pack_double(&m.pk, 2.0);
	bad(&m, "expected a string key, got an integer");
	mp_fini(&m);

	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	msgpack_pack_bin(&m.pk, 1);
	msgpack_pack_bin_body(&m.pk, "v", 1);
	msgpack_pack_int(&m.pk, 1);
	bad(&m, "expected a string key, got binary data");
	mp_fini(&m);

	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	msgpack_pack_nil(&m.pk);
	msgpack_pack_int(&m.pk, 1);
	bad(&m, "expected a string key, got nil");
	mp_fini(&m);

	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	pack_key(&m, "x");
	msgpack_pack_array(&m.pk, 2);
	msgpack_pack_map(&m.pk, 1);
	pack_key(&m, "deep");
	pack_key(&m, "er");
	msgpack_pack_nil(&m.pk);
	pack_key(&m, "v");
	msgpack_pack_int(&m.pk, 1);
	bad(&m, "unknown key \"x\"");
	mp_fini(&m);

	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	pack_key(&m, "v");
	msgpack_pack_int(&m.pk, 1);
	pack_key(&m, "v");
	msgpack_pack_int(&m.pk, 2);
	bad(&m, "duplicate key \"v\"");
	mp_fini(&m);

	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	pack_key(&m, "t");
	msgpack_pack_int(&m.pk, 2);
	bad(&m, "missing key \"v\"");
	mp_fini(&m);

	mp_init(&m);
	msgpack_pack_map(&m.pk, 0);
	bad(&m, "missing key \"v\"");
	mp_fini(&m);

	/* map 16 and map 32: skipped exactly, the next record is found. */
	static const uint32_t sizes[] = {20, 70000};
	for (int s = 0; s < 2; s++) {
		mp_init(&m);
		msgpack_pack_map(&m.pk, sizes[s]);
		for (uint32_t i = 0; i < sizes[s]; i++) {
			msgpack_pack_uint32(&m.pk, i);
			msgpack_pack_nil(&m.pk);
		}
		size_t size = m.sb.size;
		msgpack_pack_map(&m.pk, 1);
		pack_key(&m, "v");
		msgpack_pack_int(&m.pk, 4);
		struct res r = run(m.sb.data, m.sb.size);
		assert_int_equal(r.rc, -1);
		assert_int_equal(r.used, size);
		assert_string_equal(r.reason, "expected a string key, got an integer");
		r = run(m.sb.data + size, m.sb.size - size);
		assert_int_equal(r.rc, 1);
		assert_true(r.d.v[0] == 4);
		assert_int_equal(run(m.sb.data, size - 1).rc, 0);
		mp_fini(&m);
	}
}

/* The map {KEY: <what PACKING packs into m>} must be a bad record with reason WANT. */
#define BAD_VALUE(key, packing, want)                     \
	do {                                              \
		struct mp m_;                             \
		mp_init(&m_);                             \
		msgpack_pack_map(&m_.pk, 1);              \
		pack_key(&m_, key);                       \
		{                                         \
			struct mp *m = &m_;               \
			packing;                          \
		}                                         \
		bad(&m_, want);                           \
		mp_fini(&m_);                             \
	} while (0)

static void test_wrong_types(void **state)
{
	(void)state;
	BAD_VALUE("v", msgpack_pack_nil(&m->pk), "v: expected a number or an array of numbers, got nil");
	BAD_VALUE("v", msgpack_pack_false(&m->pk), "v: expected a number or an array of numbers, got a boolean");
	BAD_VALUE("v", pack_str(m, "1.5", 3), "v: expected a number or an array of numbers, got a string");
	BAD_VALUE("v", msgpack_pack_map(&m->pk, 0), "v: expected a number or an array of numbers, got a map");
	BAD_VALUE("v", msgpack_pack_array(&m->pk, 0), "no values");
	BAD_VALUE("v", (msgpack_pack_array(&m->pk, 2), msgpack_pack_int(&m->pk, 1), msgpack_pack_nil(&m->pk)),
		  "v[1]: expected a number, got nil");
	BAD_VALUE("v", (msgpack_pack_array(&m->pk, 1), msgpack_pack_array(&m->pk, 1), msgpack_pack_int(&m->pk, 1)),
		  "v[0]: expected a number, got an array");
	BAD_VALUE("t", pack_str(m, "x", 1), "event time \"x\": not an RFC 3339 date-time "
		  "(YYYY-MM-DDTHH:MM:SS[.frac] then Z or ±HH:MM)");
	BAD_VALUE("t", msgpack_pack_nil(&m->pk), "t: expected a number or a string, got nil");
	BAD_VALUE("t", msgpack_pack_true(&m->pk), "t: expected a number or a string, got a boolean");
	BAD_VALUE("t", (msgpack_pack_bin(&m->pk, 1), msgpack_pack_bin_body(&m->pk, "1", 1)),
		  "t: expected a number or a string, got binary data");
	BAD_VALUE("stream", msgpack_pack_int(&m->pk, 5), "stream: expected a string, got an integer");
	BAD_VALUE("stream", (msgpack_pack_bin(&m->pk, 1), msgpack_pack_bin_body(&m->pk, "s", 1)),
		  "stream: expected a string, got binary data");
	BAD_VALUE("stream", msgpack_pack_nil(&m->pk), "stream: expected a string, got nil");
}

static void test_not_finite(void **state)
{
	(void)state;
	BAD_VALUE("v", msgpack_pack_double(&m->pk, NAN), "v: not finite: nan");
	BAD_VALUE("v", msgpack_pack_float(&m->pk, INFINITY), "v: not finite: inf");
	BAD_VALUE("t", msgpack_pack_double(&m->pk, -INFINITY), "event time: not finite: -inf");
	BAD_VALUE("v", (msgpack_pack_array(&m->pk, 2), msgpack_pack_int(&m->pk, 1), msgpack_pack_double(&m->pk, INFINITY)),
		  "v[1]: not finite: inf");
}

static void test_too_many_values(void **state)
{
	(void)state;
	struct mp m;
	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	pack_key(&m, "v");
	msgpack_pack_array(&m.pk, 17);
	for (int i = 0; i < 17; i++)
		msgpack_pack_int(&m.pk, i);
	bad(&m, "too many values: 17 (at most 16)");
	mp_fini(&m);
}

static void test_stream_id(void **state)
{
	(void)state;
	char id[64];
	memset(id, 's', sizeof(id));
	BAD_VALUE("stream", pack_str(m, id, 64), "stream id longer than 63 bytes");
	BAD_VALUE("stream", pack_str(m, id, 0), "stream id empty");
	BAD_VALUE("stream", pack_str(m, "a\0b", 3), "stream id contains a NUL byte");
	BAD_VALUE("stream", pack_str(m, "\xff", 1), "stream id is not valid UTF-8 (byte 0xff at 0)");
	BAD_VALUE("stream", pack_str(m, "\xf4\x90\x80\x80", 4), "stream id is not valid UTF-8 (byte 0xf4 at 0)");
}

/* A byte that cannot start an object (0xc1 is never valid), at the front
 * or inside the object: not msgpack, with the byte's offset; nothing says
 * where the object would end. */
static void test_garbage(void **state)
{
	(void)state;
	static const char bufs[][8] = {
		"\xc1\x81\xa1v\x01",
		"\x81\xa1v\xc1\x01\x02",
		"\x82\xa1v\x01\xc1",
	};
	static const size_t lens[] = {5, 6, 5}, at[] = {0, 3, 4};
	for (size_t i = 0; i < 3; i++) {
		struct res r = run(bufs[i], lens[i]);
		char want[128];
		snprintf(want, sizeof(want), "not msgpack: byte 0xc1 at offset %zu of the record cannot start an object",
			 at[i]);
		assert_int_equal(r.rc, -2);
		assert_int_equal(r.used, at[i]);
		assert_string_equal(r.reason, want);
	}
	struct res r = run("", 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.used, 0);
}

/* A header announcing 4 billion entries is just a prefix: no attempt to
 * allocate room for them (ASan would fail the allocation). */
static void test_huge_count(void **state)
{
	(void)state;
	struct res r = run("\xdf\xff\xff\xff\xff", 5);
	assert_int_equal(r.rc, 0);
	r = run("\xdf\xff\xff\xff\xff\xa1v\x01", 8);
	assert_int_equal(r.rc, 0);
	r = run("\x81\xa1v\xdd\xff\xff\xff\xff\x01\x02", 10);
	assert_int_equal(r.rc, 0);
	r = run("\xdb\xff\xff\xff\xff", 5);
	assert_int_equal(r.rc, 0);
}

/* Nesting deeper than msgpack-c unpacks is one bad record, skipped exactly. */
static void test_deep_nesting(void **state)
{
	(void)state;
	struct mp m;
	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	pack_key(&m, "v");
	for (int i = 0; i < 100; i++)
		msgpack_pack_array(&m.pk, 1);
	msgpack_pack_int(&m.pk, 1);
	bad(&m, "cannot unpack: nested too deep or out of memory");
	mp_fini(&m);
}

/* msgpack_skip passes exactly one object, fed whole or a byte at a time
 * (every header split), and stops at a 0xc1 where an object must start;
 * the bytes after the object are not its own. */
static void test_skip(void **state)
{
	(void)state;
	struct mp m;
	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	pack_key(&m, "v");
	msgpack_pack_array(&m.pk, 70000);   /* array 32 */
	for (int i = 0; i < 70000; i++)
		msgpack_pack_int(&m.pk, i);
	pack_key(&m, "s");
	char big[70000];
	memset(big, 'x', sizeof(big));
	msgpack_pack_str(&m.pk, sizeof(big));   /* str 32 */
	msgpack_pack_str_body(&m.pk, big, sizeof(big));
	size_t size = m.sb.size;
	msgpack_pack_int(&m.pk, 1);   /* the next object */
	for (size_t step = 1; step <= m.sb.size; step = step * 7 + 1) {
		struct msgpack_skip sk;
		msgpack_skip_init(&sk);
		size_t pos = 0;
		while (pos < m.sb.size && (sk.pending || sk.body)) {
			size_t n = m.sb.size - pos < step ? m.sb.size - pos : step;
			pos += msgpack_skip_feed(&sk, m.sb.data + pos, n);
		}
		assert_false(sk.bad);
		assert_int_equal(sk.total, size);
		assert_int_equal(pos, size);
	}
	/* 0xc1 as the 3rd element of an array: the walk stops at it */
	struct msgpack_skip sk;
	msgpack_skip_init(&sk);
	assert_int_equal(msgpack_skip_feed(&sk, "\x93\x01\x02\xc1\x03", 5), 3);
	assert_true(sk.bad);
	mp_fini(&m);
}

/* extra: ignore (decode_msgpack_extra): other keys, of any type, passed
 * over; without it refused. */
static void test_extra_ignore(void **state)
{
	(void)state;
	struct mp m;
	mp_init(&m);
	msgpack_pack_map(&m.pk, 4);
	pack_key(&m, "tags");
	msgpack_pack_map(&m.pk, 1);
	pack_key(&m, "site");
	msgpack_pack_array(&m.pk, 2);
	msgpack_pack_nil(&m.pk);
	msgpack_pack_true(&m.pk);
	pack_key(&m, "stream");
	msgpack_pack_str(&m.pk, 1);
	msgpack_pack_str_body(&m.pk, "s", 1);
	pack_key(&m, "unit");
	msgpack_pack_int(&m.pk, 7);
	pack_key(&m, "v");
	msgpack_pack_double(&m.pk, 3.5);
	struct res r;
	r.rc = decode_msgpack_extra(m.sb.data, m.sb.size, TDP_TIME_S, true, &r.used, &r.d, r.reason,
				    sizeof(r.reason));
	assert_int_equal(r.rc, 1);
	assert_int_equal(r.used, m.sb.size);
	assert_string_equal(r.d.stream, "s");
	assert_true(r.d.dim == 1 && r.d.v[0] == 3.5);
	bad(&m, "unknown key \"tags\"");
	mp_fini(&m);
}

/* decode_msgpack_src of M with fields: stream "tags.host", time "ts",
 * values "fields.temp", "fields.vib"; EXTRA as given. */
static struct res run_fields(struct mp *m, enum tdp_extra extra)
{
	struct tdp_source_cfg c;
	memset(&c, 0, sizeof(c));
	c.format = TDP_FMT_MSGPACK;
	c.extra = extra;
	c.stream_column = c.time_column = -1;
	c.fields.has_stream = c.fields.has_time = true;
	c.fields.stream.index = c.fields.time.index = -1;
	snprintf(c.fields.stream.name, sizeof(c.fields.stream.name), "tags.host");
	snprintf(c.fields.time.name, sizeof(c.fields.time.name), "ts");
	c.fields.nvalues = 2;
	c.fields.values[0].index = c.fields.values[1].index = -1;
	snprintf(c.fields.values[0].name, sizeof(c.fields.values[0].name), "fields.temp");
	snprintf(c.fields.values[1].name, sizeof(c.fields.values[1].name), "fields.vib");
	struct res r;
	char *p = malloc(m->sb.size);
	assert_non_null(p);
	memcpy(p, m->sb.data, m->sb.size);
	r.reason[0] = '\0';
	r.rc = decode_msgpack_src(p, m->sb.size, &c, &r.used, &r.d, r.reason, sizeof(r.reason));
	free(p);
	return r;
}

/* {"tags": {"host": HOST, "dc": "x"}, "ts": 5, "fields": {"temp": ..., "vib": ...}};
 * TEMP NAN: nil; VIB NAN: left out. */
static void pack_nested(struct mp *m, const char *host, double temp, double vib)
{
	msgpack_pack_map(&m->pk, 3);
	pack_key(m, "tags");
	msgpack_pack_map(&m->pk, host ? 2 : 1);
	if (host) {
		pack_key(m, "host");
		pack_key(m, host);
	}
	pack_key(m, "dc");
	pack_key(m, "x");
	pack_key(m, "ts");
	msgpack_pack_int(&m->pk, 5);
	pack_key(m, "fields");
	msgpack_pack_map(&m->pk, isnan(vib) ? 1 : 2);
	pack_key(m, "temp");
	if (isnan(temp))
		msgpack_pack_nil(&m->pk);
	else
		msgpack_pack_double(&m->pk, temp);
	if (!isnan(vib)) {
		pack_key(m, "vib");
		msgpack_pack_double(&m->pk, vib);
	}
}

/* Nested fields by path, tags ignored or refused by path, nil and
 * missing values absent, a missing stream a bad record. */
static void test_field_paths(void **state)
{
	(void)state;
	struct mp m;
	mp_init(&m);
	pack_nested(&m, "a", 20.5, 0.25);
	struct res r = run_fields(&m, TDP_EXTRA_IGNORE);
	assert_int_equal(r.rc, 1);
	assert_int_equal(r.used, m.sb.size);
	assert_string_equal(r.d.stream, "a");
	assert_true(r.d.has_time && r.d.t == 5000000000LL);
	assert_int_equal(r.d.dim, 2);
	assert_true(r.d.v[0] == 20.5 && r.d.v[1] == 0.25 && r.d.absent == 0);

	r = run_fields(&m, TDP_EXTRA_DEAD_LETTER);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.reason, "unknown key \"tags.dc\"");
	mp_fini(&m);

	mp_init(&m);
	pack_nested(&m, "a", NAN, NAN);
	r = run_fields(&m, TDP_EXTRA_IGNORE);
	assert_int_equal(r.rc, 1);
	assert_int_equal(r.d.dim, 2);
	assert_int_equal(r.d.absent, 3);
	assert_true(isnan(r.d.v[0]) && isnan(r.d.v[1]));
	mp_fini(&m);

	mp_init(&m);
	pack_nested(&m, NULL, 1, 2);
	r = run_fields(&m, TDP_EXTRA_IGNORE);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.reason, "missing field \"tags.host\" (the stream)");
	mp_fini(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalar),
		cmocka_unit_test(test_full_record),
		cmocka_unit_test(test_number_types),
		cmocka_unit_test(test_time_forms),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_two_records),
		cmocka_unit_test(test_non_map),
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_not_finite),
		cmocka_unit_test(test_too_many_values),
		cmocka_unit_test(test_stream_id),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_huge_count),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_extra_ignore),
		cmocka_unit_test(test_field_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
