/*
 * fuzz_event_time - event times from text (ingest/event_time.c).
 *
 * Input: one byte choosing the form (number, string, CSV field) and the
 * unit, then the text (any bytes; passed in a buffer of exactly its
 * length).  Properties:
 *  - the result is 0 or -1; -1 leaves *ns alone and comes with a reason
 *    starting "event time", NUL-terminated within the buffer;
 *  - a number is taken as a number (in range or "beyond" it) exactly
 *    when number_parse takes it as a finite value or as one too large
 *    for a double; when both take it, the nearest double's time is
 *    within its rounding error of the exact one;
 *  - a date-time with an offset is the same instant as its local time
 *    read as UTC, minus the offset (to 1 ns: a tie rounds by the sign of
 *    the whole instant);
 *  - a CSV field is the date-time when it contains ':', else the number;
 *  - parsing is a function of the bytes: twice the same.
 */
#include <math.h>

#include "ingest/event_time.h"
#include "ingest/number.h"
#include "tests/fuzz/fuzz.h"

#define RLEN 192
#define UNTOUCHED ((int64_t)0x5eed5eed5eed5eed)

struct outcome {
	int rc;
	int64_t ns;
	char reason[RLEN];
};

static struct outcome parse(const char *s, size_t len, enum event_time_form form, enum tdp_time_unit unit)
{
	struct outcome o = { .ns = UNTOUCHED };
	memset(o.reason, 'x', sizeof(o.reason));
	o.rc = event_time_parse(s, len, form, unit, &o.ns, o.reason, sizeof(o.reason));
	FUZZ_CHECK(o.rc == 0 || o.rc == -1, "rc %d", o.rc);
	if (o.rc < 0) {
		FUZZ_CHECK(o.ns == UNTOUCHED, "refused but ns %lld", (long long)o.ns);
		FUZZ_CHECK(memchr(o.reason, '\0', sizeof(o.reason)) != NULL, "reason not terminated");
		FUZZ_CHECK(!strncmp(o.reason, "event time", 10), "reason \"%s\"", o.reason);
	}
	return o;
}

/* A number out of range: its reason quotes it after "event time" (a
 * malformed one says "event time: ..."), so the quoted input cannot
 * pass for the words. */
static bool beyond(const struct outcome *o)
{
	return o->rc < 0 && !strncmp(o->reason, "event time \"", 12);
}

static void check_number(const char *s, size_t len, enum tdp_time_unit unit, const struct outcome *o)
{
	double d;
	enum number_status st = number_parse(s, len, &d);
	bool ours = o->rc == 0 || beyond(o);
	if (st == NUMBER_OK)
		FUZZ_CHECK(ours, "number_parse took it, event time said \"%s\"", o->reason);
	else if (st != NUMBER_NOT_FINITE)
		FUZZ_CHECK(!ours, "number_parse refused (%d), event time rc %d (%s)", st, o->rc, o->reason);
	if (st != NUMBER_OK || o->rc != 0)
		return;
	int64_t via_double;
	char reason[RLEN];
	if (event_time_from_double(d, unit, &via_double, reason, sizeof(reason)) < 0)
		return;   /* the double rounded past the end of the range */
	long double err = fabsl((long double)via_double - (long double)o->ns);
	FUZZ_CHECK(err <= fabsl((long double)o->ns) * 0x1p-51L + 2, "%lld ns exactly, %lld via %a",
		   (long long)o->ns, (long long)via_double, d);
}

static void check_offset(const char *s, size_t len, const struct outcome *o)
{
	while (len && (s[0] == ' ' || s[0] == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (o->rc != 0 || len < 26 || s[len - 3] != ':' || (s[len - 6] != '+' && s[len - 6] != '-'))
		return;
	if (s[17] == '6')
		return;   /* a leap second is 23:59:60 in UTC only */
	int off = ((s[len - 5] - '0') * 10 + s[len - 4] - '0') * 60 + (s[len - 2] - '0') * 10 + s[len - 1] - '0';
	if (s[len - 6] == '-')
		off = -off;
	char *utc = malloc(len - 5);
	FUZZ_CHECK(utc != NULL, "out of memory");
	memcpy(utc, s, len - 6);
	utc[len - 6] = 'Z';
	struct outcome z = parse(utc, len - 5, EVENT_TIME_STRING, TDP_TIME_S);
	free(utc);
	if (z.rc != 0)
		return;   /* the local time as UTC is out of range */
	__int128 diff = (__int128)z.ns - (__int128)off * 60000000000 - o->ns;
	FUZZ_CHECK(diff >= -1 && diff <= 1, "%lld ns, %lld ns at UTC, offset %d min", (long long)o->ns,
		   (long long)z.ns, off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t choice = fuzz_u8(&in);
	enum event_time_form form = (enum event_time_form)(choice % 3);
	enum tdp_time_unit unit = (enum tdp_time_unit)(choice / 3 % 4);
	size_t len;
	const uint8_t *bytes = fuzz_bytes(&in, 4096, &len);
	char *s = malloc(len ? len : 1);
	FUZZ_CHECK(s != NULL, "out of memory");
	memcpy(s, bytes, len);

	struct outcome o = parse(s, len, form, unit);
	struct outcome again = parse(s, len, form, unit);
	FUZZ_CHECK(o.rc == again.rc && o.ns == again.ns && (o.rc == 0 || !strcmp(o.reason, again.reason)),
		   "not a function of the bytes");
	bool is_date = form == EVENT_TIME_STRING || (form == EVENT_TIME_FIELD && memchr(s, ':', len));
	if (form == EVENT_TIME_FIELD) {
		struct outcome as = parse(s, len, is_date ? EVENT_TIME_STRING : EVENT_TIME_NUMBER, unit);
		FUZZ_CHECK(as.rc == o.rc && as.ns == o.ns, "a field is not its form");
	}
	if (is_date)
		check_offset(s, len, &o);
	else
		check_number(s, len, unit, &o);
	free(s);
	return 0;
}
