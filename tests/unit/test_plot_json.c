/*
 * test_plot_json - JSON text as msgpack objects for `tdapipe plot`
 * (cli/plot_json.c) and the readers built on it (cli/plot_read.c): every
 * kind of value, integers kept as integers, string escapes and surrogate
 * pairs, what is not JSON refused (trailing text, unterminated strings,
 * control characters, bad escapes, nesting past the bound), and results
 * in both formats read into the same results.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "cli/plot.h"

static bool parse(msgpack_zone *z, const char *text, msgpack_object *o)
{
	return plot_json_parse(text, strlen(text), z, o);
}

static void test_values(void **state)
{
	(void)state;
	msgpack_zone z;
	msgpack_zone_init(&z, 4096);
	msgpack_object o;
	assert_true(parse(&z, " {\"a\": [1, -2, 2.5, 1e3, null, true, false, \"x\"], \"b\": {}} ", &o));
	assert_int_equal(o.type, MSGPACK_OBJECT_MAP);
	const msgpack_object *a = plot_get(&o, "a");
	assert_non_null(a);
	assert_int_equal(a->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(a->via.array.size, 8);
	const msgpack_object *v = a->via.array.ptr;
	assert_int_equal(v[0].type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	assert_int_equal(v[0].via.u64, 1);
	assert_int_equal(v[1].type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
	assert_int_equal(v[1].via.i64, -2);
	assert_int_equal(v[2].type, MSGPACK_OBJECT_FLOAT64);
	assert_true(v[2].via.f64 == 2.5);
	assert_int_equal(v[3].type, MSGPACK_OBJECT_FLOAT64);   /* an exponent: a double */
	assert_int_equal(v[4].type, MSGPACK_OBJECT_NIL);
	assert_true(v[5].type == MSGPACK_OBJECT_BOOLEAN && v[5].via.boolean);
	assert_true(v[6].type == MSGPACK_OBJECT_BOOLEAN && !v[6].via.boolean);
	assert_int_equal(v[7].type, MSGPACK_OBJECT_STR);
	double x;
	assert_true(plot_number(&v[1], &x) && x == -2);
	assert_false(plot_number(&v[4], &x));
	const msgpack_object *b = plot_get(&o, "b");
	assert_true(b && b->type == MSGPACK_OBJECT_MAP && b->via.map.size == 0);
	assert_null(plot_get(&o, "c"));
	/* Beyond int64: a double, not a wrapped integer. */
	assert_true(parse(&z, "-9223372036854775809", &o));
	assert_int_equal(o.type, MSGPACK_OBJECT_FLOAT64);
	assert_true(parse(&z, "18446744073709551615", &o));
	assert_int_equal(o.type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	assert_true(o.via.u64 == UINT64_MAX);
	msgpack_zone_destroy(&z);
}

static void test_strings(void **state)
{
	(void)state;
	msgpack_zone z;
	msgpack_zone_init(&z, 4096);
	msgpack_object o;
	assert_true(parse(&z, "\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\ud83d\\ude00\"", &o));
	assert_int_equal(o.type, MSGPACK_OBJECT_STR);
	static const char want[] = "a\"b\\c/d\n\t\xc3\xa9\xf0\x9f\x98\x80";
	assert_int_equal(o.via.str.size, sizeof(want) - 1);
	assert_memory_equal(o.via.str.ptr, want, sizeof(want) - 1);
	assert_true(parse(&z, "\"\"", &o));
	assert_int_equal(o.via.str.size, 0);
	msgpack_zone_destroy(&z);
}

static void test_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", " ", "{", "[1,]", "{\"a\"}", "{\"a\":}", "{a:1}", "[1 2]", "\"abc", "\"a\\q\"", "\"\\u12\"",
		"\"a\x01\"", "tru", "nul", "1 2", "{} x", "--1", "[", "\"\\", "1e", ".",
	};
	msgpack_zone z;
	msgpack_zone_init(&z, 4096);
	msgpack_object o;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&z, bad[i], &o))
			fail_msg("accepted \"%s\"", bad[i]);
	}
	/* Nesting is bounded: 64 levels parse, 65 do not. */
	char deep[200];
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	deep[128] = 0;
	assert_true(parse(&z, deep, &o));
	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	deep[130] = 0;
	assert_false(parse(&z, deep, &o));
	msgpack_zone_destroy(&z);
}

/* The same result as a JSON line and as msgpack reads the same. */
static void test_both_formats(void **state)
{
	(void)state;
	static const char line[] =
		"{\"v\":1,\"id\":\"s/x/3\",\"stream\":\"s\",\"scale\":\"x\",\"window\":3,\"first_seq\":3,"
		"\"last_seq\":12,\"start\":3,\"end\":12.5,\"n\":10,\"diagrams\":{\"0\":[[-1,null],[0,0.5]],"
		"\"1\":[]},\"score\":null}\n";
	struct plot_set a, b;
	plot_set_init(&a);
	plot_set_init(&b);
	tdp_buf_puts(&a.text, line);
	assert_int_equal(plot_parse_records(&a, &a.text, false), 0);

	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	msgpack_packer pk;
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 7);
#define KEY(s) msgpack_pack_str_with_body(&pk, s, strlen(s))
	KEY("v"), msgpack_pack_uint64(&pk, 1);
	KEY("stream"), KEY("s");
	KEY("scale"), KEY("x");
	KEY("window"), msgpack_pack_uint64(&pk, 3);
	KEY("start"), msgpack_pack_double(&pk, 3);
	KEY("end"), msgpack_pack_double(&pk, 12.5);
	KEY("diagrams"), msgpack_pack_map(&pk, 2);
	KEY("0"), msgpack_pack_array(&pk, 2);
	msgpack_pack_array(&pk, 2), msgpack_pack_double(&pk, -1), msgpack_pack_nil(&pk);
	msgpack_pack_array(&pk, 2), msgpack_pack_double(&pk, 0), msgpack_pack_double(&pk, 0.5);
	KEY("1"), msgpack_pack_array(&pk, 0);
#undef KEY
	tdp_buf_append(&b.text, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	assert_int_equal(plot_parse_records(&b, &b.text, false), 0);

	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	const struct plot_result *ra = &a.r[0], *rb = &b.r[0];
	assert_string_equal(ra->stream, rb->stream);
	assert_string_equal(ra->scale, rb->scale);
	assert_true(ra->window == 3 && rb->window == 3);
	assert_true(ra->end == 12.5 && rb->end == 12.5);
	const msgpack_object *da = plot_get(&ra->diagrams, "0"), *db = plot_get(&rb->diagrams, "0");
	assert_true(da && db && da->via.array.size == 2 && db->via.array.size == 2);
	assert_int_equal(da->via.array.ptr[0].via.array.ptr[1].type, MSGPACK_OBJECT_NIL);
	assert_int_equal(db->via.array.ptr[0].via.array.ptr[1].type, MSGPACK_OBJECT_NIL);
	plot_set_fini(&a);
	plot_set_fini(&b);
}

/* What is not a result is refused, naming the first problem. */
static void test_not_results(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"{\"v\":2,\"stream\":\"s\",\"scale\":\"x\",\"window\":0,\"start\":0,\"end\":1,\"diagrams\":{}}\n",
		"{\"v\":1,\"scale\":\"x\",\"window\":0,\"start\":0,\"end\":1,\"diagrams\":{}}\n",
		"{\"v\":1,\"stream\":\"s\",\"scale\":\"x\",\"window\":0.5,\"start\":0,\"end\":1,\"diagrams\":{}}\n",
		"{\"v\":1,\"stream\":\"s\",\"scale\":\"x\",\"window\":0,\"start\":0,\"end\":1,\"diagrams\":{\"0\":[[1]]}}\n",
		"{\"v\":1,\"stream\":\"s\",\"scale\":\"x\",\"window\":0,\"start\":0,\"end\":1}\n",
		"[1,2]\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct plot_set s;
		plot_set_init(&s);
		s.quiet = true;
		tdp_buf_puts(&s.text, bad[i]);
		if (plot_parse_records(&s, &s.text, false) == 0)
			fail_msg("accepted %s", bad[i]);
		plot_set_fini(&s);
	}
}

static void test_axis(void **state)
{
	(void)state;
	struct plot_axis a;
	char label[32];
	plot_axis_fit(&a, 0.13, 0.97);
	assert_true(a.lo <= 0.13 && a.hi >= 0.97);
	assert_true(a.nticks >= 4 && a.nticks <= PLOT_MAX_TICKS);
	for (int i = 1; i < a.nticks; i++)
		assert_true(fabs((a.tick[i] - a.tick[i - 1]) - (a.tick[1] - a.tick[0])) < 1e-12);
	plot_axis_label(&a, a.tick[1], label, sizeof(label));
	assert_string_equal(label, "0.2");
	/* One value: a range around it, not a division by zero. */
	plot_axis_fit(&a, 5, 5);
	assert_true(a.lo < 5 && a.hi > 5);
	/* Around zero: "0", never "-0" or 1e-17. */
	plot_axis_fit(&a, -0.3, 0.3);
	bool zero = false;
	for (int i = 0; i < a.nticks; i++) {
		plot_axis_label(&a, a.tick[i], label, sizeof(label));
		zero |= !strcmp(label, "0.0");
		assert_true(strcmp(label, "-0.0") != 0);
	}
	assert_true(zero);
	/* Epoch times: neighbouring ticks differ in their labels. */
	plot_axis_fit(&a, 1.7e9, 1.7e9 + 60);
	char prev[32] = "";
	for (int i = 0; i < a.nticks; i++) {
		plot_axis_label(&a, a.tick[i], label, sizeof(label));
		assert_true(strcmp(label, prev) != 0);
		strcpy(prev, label);
	}
	/* Not finite: a unit range. */
	plot_axis_fit(&a, NAN, INFINITY);
	assert_true(a.lo <= 0 && a.hi >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),       cmocka_unit_test(test_strings),
		cmocka_unit_test(test_refused),      cmocka_unit_test(test_both_formats),
		cmocka_unit_test(test_not_results),  cmocka_unit_test(test_axis),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
