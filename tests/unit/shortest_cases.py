#!/usr/bin/python3
"""shortest_cases.py - expected digits of tests/unit/test_shortest.c.

Independently of common/shortest.c: Python's repr() of a float is the
shortest string that reads back to it, the closest of that length (David
Gay's dtoa, mode 0).  For each double prints one line

    BITS DIGITS E

BITS the 16 hex digits of its IEEE bits, DIGITS the significant digits of
repr (no leading or trailing zeros), E such that |x| = 0.DIGITS * 10^E.

    /usr/bin/python3 tests/unit/shortest_cases.py N SEED

First the hard cases (every power of two, subnormal edges, DBL_MAX, ...),
then N pseudo-random doubles from SEED: a third uniform bit patterns, a
third short decimals (1 to 17 digits, any exponent), a third doubles one
or two ulps from a power of two, where the rounding interval is lopsided.
"""
import random
import struct
import sys
from decimal import Decimal


def bits_of(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def of_bits(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def line(x):
    t = Decimal(repr(abs(x))).as_tuple()
    digits = "".join(map(str, t.digits))      # Decimal has no leading zeros
    exp = t.exponent + len(digits)             # "123.0": 1230e-1 = 0.1230e3
    return "%016x %s %d" % (bits_of(x), digits.rstrip("0"), exp)


def hard():
    xs = [5e-324, 1e-323, 1.5e-323, of_bits(0x000fffffffffffff), of_bits(0x0010000000000000),
          2.2250738585072014e-308, 1.7976931348623157e308, of_bits(0x7fefffffffffffff - 1),
          0.1, 0.2, 0.3, 1 / 3, 2 / 3, 1.0, 9007199254740993.0, 9007199254740992.0,
          9007199254740994.0, 9007199254740991.0, 1e16, 1e17, 123456789012345680.0,
          1125899906842624.25, 1125899906842624.75, 5e-5, 1e-5, 1e-4, 1e21, 1e22, 1e23,
          2e23, 9.5, 0.5, 1.5e300, 2.5, 30.0, 1.7e12, 4.35, 0.005, 299792458.0,
          4.940656458412465e-324, 2.4703282292062327e-308]
    xs += [float("1e%d" % k) for k in range(-323, 309)]
    xs += [2.0 ** e for e in range(-1074, 1024)]
    for e in range(-1074, 1024, 7):        # neighbours of powers of two
        b = bits_of(2.0 ** e)
        xs += [of_bits(b + 1), of_bits(b - 1)] if b > 1 else []
    for k in range(1, 18):                 # all nines, just below powers of ten
        xs.append(float("9" * k))
        xs.append(float("0." + "9" * k))
    return xs


def randoms(n, seed):
    r = random.Random(seed)
    out = []
    while len(out) < n:
        kind = len(out) % 3
        if kind == 0:
            x = of_bits(r.getrandbits(64))
        elif kind == 1:
            nd = r.randint(1, 17)
            x = float("%de%d" % (r.randrange(10 ** (nd - 1), 10 ** nd), r.randint(-340, 300)))
        else:
            b = (r.randint(1, 2046) << 52) + r.choice([-2, -1, 0, 1, 2])
            x = of_bits(b)
            if r.getrandbits(1):
                x = -x
        if x != x or x in (float("inf"), float("-inf"), 0.0):
            continue
        out.append(x)
    return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    w = sys.stdout.write
    for x in hard() + randoms(n, seed):
        if x != 0 and x == x and abs(x) != float("inf"):
            w(line(x) + "\n")


if __name__ == "__main__":
    main()
