#!/usr/bin/python3
"""event_time_cases.py - the expected values of tests/unit/test_event_time.c.

Computed here, independently of ingest/event_time.c: decimal text through
decimal.Decimal -> fractions.Fraction (exact), doubles through
Fraction(float) (exact), date-times through datetime (which validates the
calendar) plus the fraction as a Fraction; then rounded to the nearest
integer nanosecond, ties away from zero, and checked against int64.

    /usr/bin/python3 tests/unit/event_time_cases.py

prints the C tables pasted between the GENERATED markers of the test.
"""
import datetime
import re
from decimal import Decimal
from fractions import Fraction

UNITS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
CUNIT = {"s": "TDP_TIME_S", "ms": "TDP_TIME_MS", "us": "TDP_TIME_US", "ns": "TDP_TIME_NS"}
I64 = (-2**63, 2**63 - 1)


def round_away(x):
    """Nearest integer to the Fraction X, ties away from zero."""
    n = abs(x)
    q = (n.numerator * 2 + n.denominator) // (2 * n.denominator)   # floor(n + 1/2)
    return -q if x < 0 else q


def decimal_exact(text):
    """The exact value of decimal TEXT as a Fraction.  Decimal refuses
    exponents beyond about 10^18, so the exponent is applied here; with the
    short mantissas of the table, |exponent| > 1000 means 0 or out of range."""
    mant, _, exp = text.strip(" \t").lower().partition("e")
    m = Fraction(Decimal(mant))
    e = int(exp) if exp else 0
    if m == 0 or e < -1000:
        return Fraction(0)
    if e > 1000:
        return Fraction(10**40) * (1 if m > 0 else -1)
    return m * Fraction(10) ** e


def in_range(v):
    return v if I64[0] <= v <= I64[1] else None


def c_str(s):
    out = ""
    for ch in s:
        if ch == "\t":
            out += "\\t"
        elif ch == "\n":
            out += "\\n"
        elif ch in "\\\"":
            out += "\\" + ch
        else:
            out += ch
    return '"' + out + '"'


def row(text, unit, v):
    if v is None:
        return "\t{ %s, %s, false, 0 }," % (c_str(text), unit)
    return "\t{ %s, %s, true, %sLL }," % (c_str(text), unit, v) if v != I64[0] else \
        "\t{ %s, %s, true, INT64_MIN }," % (c_str(text), unit)


DECIMALS = [
    ("0", "s"), ("-0", "s"), ("+0.000", "s"), ("0e999999999999999999999", "s"),
    ("1", "s"), ("-1", "s"), ("1.0000000005", "s"), ("0.1", "s"), ("1e-10", "s"),
    ("-2.5e-9", "s"), ("2.5e-9", "s"), ("2.4999999999999999999e-9", "s"),
    ("-1.5", "ns"), ("-0.5", "ns"), ("0.5", "ns"), ("0.49999", "ns"), ("-0.49999", "ns"),
    ("1.00000000049999999999", "s"), ("1.0000000004", "s"), ("-1.0000000005", "s"),
    ("1700000000.123456789", "s"), ("1700000000123.456789", "ms"),
    ("1700000000123456.789", "us"), ("1700000000123456789", "ns"),
    ("1700000000.1234567895", "s"), ("-1700000000.1234567895", "s"),
    (".5", "s"), ("5.", "s"), ("007", "ms"), ("1e3", "ms"), ("1E+3", "us"),
    ("  42 ", "s"), ("\t-42\t", "ms"),
    ("9223372036.854775807", "s"), ("9223372036.854775808", "s"),
    ("9223372036.8547758074", "s"), ("9223372036.8547758075", "s"),
    ("-9223372036.854775808", "s"), ("-9223372036.854775809", "s"),
    ("-9223372036.8547758084", "s"), ("-9223372036.8547758085", "s"),
    ("9223372036854775807", "ns"), ("9223372036854775808", "ns"),
    ("-9223372036854775808", "ns"), ("-9223372036854775809", "ns"),
    ("9223372036854775806.5", "ns"), ("9223372036854775807.4999", "ns"),
    ("9223372036854775807.5", "ns"), ("-9223372036854775808.5", "ns"),
    ("9223372036854775.807", "us"), ("9223372036854775.808", "us"),
    ("9223372036854.775807", "ms"), ("92233720368547758.07e-2", "s"),
    ("0.000000000000000000009223372036854775807e29", "ns"),
    ("10000000000", "s"), ("1e19", "ns"), ("1e18", "ns"), ("9.99999999999999999999e18", "ns"),
    ("1e300", "s"), ("-1e300", "s"), ("1e-300", "s"), ("-1e-300", "s"),
    ("1e400", "s"), ("1e-400", "s"), ("123456789012345678901234567890e-30", "s"),
    ("0.00000000000000000000000000000000000000000000000000001", "s"),
    ("000000000000000000000000000000000000001.5e-9", "s"),
    ("1.5e-9", "s"), ("1.5e-6", "ms"), ("1.5e-3", "us"), ("0.0000000015", "s"),
    ("2e-9", "s"), ("3.9999999995e0", "s"), ("12345.6789e-5", "s"),
    ("99999999999.9999999995", "ms"), ("-99999999999.9999999995", "ms"),
    ("1e+0000000000000000000000009", "s"), ("1e-0000000000000000000000009", "s"),
]

DECIMAL_ERRORS = [
    ("", "s"), ("  ", "s"), ("abc", "s"), ("0x10", "s"), ("nan", "s"), ("-Infinity", "s"),
    ("inf", "ms"), ("+", "s"), ("-", "s"), (".", "s"), ("e5", "s"), ("1e", "s"),
    ("1e+", "s"), ("1.2.3", "s"), ("--1", "s"), ("1-2", "s"), ("1 2", "s"),
    ("1,5", "s"), ("1e5e5", "s"), ("1_000", "s"), ("\"1\"", "s"), ("1.5s", "s"),
    ("2026-12-06T03:12:22Z", "s"),
]

# Doubles as C hex-float literals, so C and Python read the same bits.
DOUBLES = [
    (0.0, "s"), (-0.0, "s"), (1.0, "s"), (0.1, "s"), (-0.1, "s"), (1e-10, "s"),
    (2.5e-9, "s"), (-2.5e-9, "s"), (1.5, "ns"), (-1.5, "ns"), (2.5, "ns"), (0.5, "ns"),
    (1700000000.123456789, "s"), (1700000000123.456789, "ms"), (1.0000000005, "s"),
    (9223372036.854775, "s"), (9223372036.854776, "s"), (-9223372036.854776, "s"),
    (9.223372036854775e18, "ns"), (9.223372036854776e18, "ns"), (-9.223372036854776e18, "ns"),
    (1e300, "s"), (-1e300, "s"), (5e-324, "s"), (2.2250738585072014e-308, "s"),
    (1.7976931348623157e308, "ns"), (4.999999999999999e-10, "s"), (5e-10, "s"),
    (0.0625, "us"), (1.0 / 3.0, "s"), (-2.0 / 3.0, "ms"), (2.0 ** 62, "ns"), (2.0 ** 63, "ns"),
    (-(2.0 ** 63), "ns"), (2.0 ** -30, "s"), (2.0 ** -31, "s"), (3 * 2.0 ** -31, "s"),
    (-(3 * 2.0 ** -31), "s"),
]

INTS = [
    (0, "s"), (1, "s"), (-1, "s"), (9223372036, "s"), (9223372037, "s"), (-9223372036, "s"),
    (-9223372037, "s"), (9223372036854775, "ms"), (9223372036854776, "ms"),
    (9223372036854775, "us"), (9223372036854776, "us"), (-9223372036854775, "us"),
    (-9223372036854776, "us"), (2**63 - 1, "ns"), (-2**63, "ns"), (-2**63, "s"), (2**63 - 1, "s"),
]

RFC = [
    "2026-12-06T03:12:22.125Z", "1970-01-01T00:00:00Z", "1970-01-01t00:00:00z",
    "1970-01-01 00:00:00Z", "  1970-01-01T00:00:00Z\t", "1969-12-31T23:59:59Z",
    "1969-12-31T23:59:59.999999999Z", "1969-12-31T23:59:59.9999999995Z",
    "1969-12-31T23:59:59.99999999950000Z", "1969-12-31T23:59:59.99999999950001Z",
    "1969-12-31T23:59:59.9999999994Z", "1970-01-01T00:00:00.0000000005Z",
    "1970-01-01T00:00:00.0000000004999999Z", "1970-01-01T00:00:00.1Z",
    "2026-12-06T03:12:22.1234567895Z", "2026-12-06T03:12:22.99999999951Z",
    "2026-12-31T23:59:59.9999999999999999999999999Z",
    "1996-12-19T16:39:57-08:00", "1990-12-31T23:59:60Z", "1990-12-31T15:59:60-08:00",
    "1990-12-31T23:59:60.5Z", "1990-12-31T23:59:60.999999999999Z", "2016-12-31T23:59:60+00:00",
    "2017-01-01T00:59:60+01:00", "1937-01-01T12:00:27.87+00:20", "2026-01-01T00:00:00+23:59",
    "2026-01-01T00:00:00-23:59", "2026-01-01T00:00:00-00:00",
    "2000-02-29T12:00:00Z", "2024-02-29T00:00:00Z", "1904-02-29T00:00:00Z",
    "2262-04-11T23:47:16.854775807Z", "2262-04-11T23:47:16.854775808Z",
    "2262-04-11T23:47:16.8547758074Z", "2262-04-11T23:47:16.8547758075Z",
    "2262-04-12T00:47:16.854775807+01:00", "2262-04-11T22:47:16.854775807-01:00",
    "2262-04-11T22:47:16.854775808-01:00",
    "1677-09-21T00:12:43.145224192Z", "1677-09-21T00:12:43.145224191Z",
    "1677-09-21T00:12:43.1452241915Z", "1677-09-21T00:12:43.1452241914Z",
    "1677-09-21T00:12:43.14522419150001Z", "1677-09-20T23:12:43.145224192-01:00",
    "1677-09-21T01:12:43.145224192+01:00", "1677-09-21T01:12:43.145224191+01:00",
    "2100-03-01T00:00:00Z", "1700-03-01T00:00:00Z", "2100-02-28T23:59:59Z",
    "1899-12-31T23:59:59.5Z", "2038-01-19T03:14:08Z",
]

RFC_ERRORS = [
    ("", "not an RFC 3339"), ("2026-12-06", "not an RFC 3339"),
    ("2026-12-06T03:12:22", "not an RFC 3339"), ("2026-12-06T03:12Z", "not an RFC 3339"),
    ("2026-12-06T03:12:22.Z", "not an RFC 3339"), ("2026-12-06T03:12:22,5Z", "not an RFC 3339"),
    ("2026-12-06X03:12:22Z", "not an RFC 3339"), ("2026-12-06  03:12:22Z", "not an RFC 3339"),
    ("26-12-06T03:12:22Z", "not an RFC 3339"), ("+2026-12-06T03:12:22Z", "not an RFC 3339"),
    ("2026-12-6T03:12:22Z", "not an RFC 3339"), ("2026-12-06T3:12:22Z", "not an RFC 3339"),
    ("2026-12-06T03:12:22+0100", "not an RFC 3339"), ("2026-12-06T03:12:22+01", "not an RFC 3339"),
    ("2026-12-06T03:12:22 Z", "not an RFC 3339"), ("2026-12-06T03:12:22Zjunk", "not an RFC 3339"),
    ("2026-12-06T03:12:22UTC", "not an RFC 3339"), ("2026-12-06T03:12:22+a1:00", "not an RFC 3339"),
    ("2026/12/06T03:12:22Z", "not an RFC 3339"), ("1700000000", "not an RFC 3339"),
    ("2026-12-06T03:12:22.12x5Z", "not an RFC 3339"), ("2026-12-06T03:12:22Z\n", "not an RFC 3339"),
    ("2026-00-06T03:12:22Z", "month 00"), ("2026-13-06T03:12:22Z", "month 13"),
    ("2026-12-00T03:12:22Z", "day 00"), ("2026-12-32T03:12:22Z", "day 32"),
    ("2026-02-29T00:00:00Z", "day 29 is not in 2026-02"), ("1900-02-29T00:00:00Z", "day 29"),
    ("2026-04-31T00:00:00Z", "day 31"), ("2026-12-06T24:00:00Z", "hour 24"),
    ("2026-12-06T03:60:22Z", "minute 60"), ("2026-12-06T03:12:61Z", "second 61"),
    ("2026-12-06T03:12:60Z", "leap second"), ("1990-12-31T23:59:60+01:00", "leap second"),
    ("1990-12-31T23:58:60Z", "leap second"), ("2026-12-06T03:12:22+24:00", "offset +24:00"),
    ("2026-12-06T03:12:22-00:60", "offset -00:60"),
    ("2262-04-11T23:47:16.854775808Z", "beyond"), ("2262-04-12T00:00:00Z", "beyond"),
    ("1677-09-21T00:12:43.145224191Z", "beyond"), ("0000-01-01T00:00:00Z", "beyond"),
    ("9999-12-31T23:59:59.999999999Z", "beyond"), ("0001-01-01T00:00:00Z", "beyond"),
    ("2400-02-29T00:00:00Z", "beyond"), ("1600-03-01T00:00:00Z", "beyond"),
    ("0000-02-29T00:00:00Z", "beyond"), ("2100-02-29T00:00:00Z", "day 29"), ("2262-04-11T22:47:16.854775808-01:00", "beyond"),
]

RFC_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?"
                    r"(?:([Zz])|([+-])(\d\d):(\d\d))$")
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def rfc3339_ns(text):
    m = RFC_RE.match(text.strip(" \t"))
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    frac, z, sign, oh, om = m.groups()[6:]
    off = 0 if z else (int(oh) * 60 + int(om)) * (-1 if sign == "-" else 1)
    tz = datetime.timezone(datetime.timedelta(minutes=off))
    leap = s == 60
    dt = datetime.datetime(y, mo, d, h, mi, 59 if leap else s, tzinfo=tz)
    if leap:
        u = dt.astimezone(datetime.timezone.utc)
        assert (u.hour, u.minute) == (23, 59), text
    delta = dt - EPOCH
    whole = (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000
    if leap:
        return in_range(whole + 10**9)
    f = Fraction(int(frac), 10**len(frac)) if frac else Fraction(0)
    return in_range(round_away(whole + f * 10**9))


def main():
    print("/* GENERATED by tests/unit/event_time_cases.py: do not edit by hand. */")
    print("static const struct dec_case dec_cases[] = {")
    for text, unit in DECIMALS:
        v = round_away(decimal_exact(text) * UNITS[unit])
        print(row(text, CUNIT[unit], in_range(v)))
    for text, unit in DECIMAL_ERRORS:
        print(row(text, CUNIT[unit], None))
    print("};")
    print("static const struct dbl_case dbl_cases[] = {")
    for x, unit in DOUBLES:
        v = in_range(round_away(Fraction(x) * UNITS[unit]))
        print("\t{ %s, %s, %s, %s }," % (x.hex(), CUNIT[unit], "true" if v is not None else "false",
                                         "INT64_MIN" if v == I64[0] else "%dLL" % (v or 0)))
    print("};")
    print("static const struct int_case int_cases[] = {")
    for x, unit in INTS:
        v = in_range(x * UNITS[unit])
        lit = "INT64_MIN" if x == I64[0] else "%dLL" % x
        print("\t{ %s, %s, %s, %s }," % (lit, CUNIT[unit], "true" if v is not None else "false",
                                         "INT64_MIN" if v == I64[0] else "%dLL" % (v or 0)))
    print("};")
    print("static const struct rfc_case rfc_cases[] = {")
    for text in RFC:
        v = rfc3339_ns(text)
        if v is None:
            print("\t{ %s, 0, \"beyond\" }," % c_str(text))
            continue
        print("\t{ %s, %s, NULL }," % (c_str(text), "INT64_MIN" if v == I64[0] else "%dLL" % v))
    for text, why in RFC_ERRORS:
        if RFC_RE.match(text.strip(" \t")) and why == "beyond" and not text.startswith("0000"):
            assert rfc3339_ns(text) is None, text
        print("\t{ %s, 0, %s }," % (c_str(text), c_str(why)))
    print("};")


if __name__ == "__main__":
    main()
