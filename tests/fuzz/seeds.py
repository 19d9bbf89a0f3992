#!/usr/bin/python3
# tests/fuzz/seeds.py - (re)write the hand-made seeds of tests/fuzz/corpus/.
#
# One file per case, named after what it holds, laid out the way each
# harness reads its input (see the comment at the top of each
# tests/fuzz/fuzz_*.c).  Inputs that once failed are added to the corpus
# by hand (tests/fuzz/corpus/TARGET/regress-*) and are not touched here.
# Run from anywhere; writes only the files it names.
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# --- msgpack by hand (no dependency on a msgpack module) -------------------
def mp_str(s):
    b = s.encode() if isinstance(s, str) else s
    if len(b) < 32:
        return bytes([0xa0 | len(b)]) + b
    if len(b) < 256:
        return b"\xd9" + bytes([len(b)]) + b
    return b"\xda" + struct.pack(">H", len(b)) + b


def mp_f64(x):
    return b"\xcb" + struct.pack(">d", x)


def mp_point(v, stream=None, t=None):
    keys = []
    if stream is not None:
        keys.append(mp_str("stream") + mp_str(stream))
    if t is not None:
        keys.append(mp_str("t") + mp_f64(t))
    if isinstance(v, list):
        vals = bytes([0x90 | len(v)]) + b"".join(mp_f64(x) for x in v)
    else:
        vals = mp_f64(v)
    keys.append(mp_str("v") + vals)
    return bytes([0x80 | len(keys)]) + b"".join(keys)


MSGPACK = {
    "point-f64": mp_point(1.5),
    "point-int": b"\x81\xa1v\x05",
    "point-negint": b"\x81\xa1v\xd0\x9c",
    "point-f32": b"\x81\xa1v\xca" + struct.pack(">f", 2.5),
    "point-u64": b"\x81\xa1v\xcf\xff\xff\xff\xff\xff\xff\xff\xff",
    "point-array": mp_point([1.0, 2.0, 3.0]),
    "point-stream-time": mp_point([0.5, -0.5], stream="s1", t=12.5),
    "stream-utf8": mp_point(1.0, stream="caf\u00e9"),
    "stream-not-utf8": b"\x82\xa6stream\xa2\xff\xfe\xa1v\x01",
    "str8-key": b"\x81\xd9\x01v\x01",
    "str16-key": b"\x81\xda\x00\x01v\x01",
    "str32-key": b"\x81\xdb\x00\x00\x00\x01v\x01",
    "str32-huge": b"\xdb\xff\xff\xff\xff" + b"abc",
    "map16": b"\xde\x00\x01\xa1v\x01",
    "map32": b"\xdf\x00\x00\x00\x01\xa1v\x01",
    "map32-huge": b"\xdf\xff\xff\xff\xff\xa1v\x01",
    "array32-huge": b"\xdd\xff\xff\xff\xff\x01\x02",
    "array16-v": b"\x81\xa1v\xdc\x00\x02\x01\x02",
    "nested": b"\x81\xa1v\x91\x91\x91\x91\x01",
    "deep": b"\x91" * 200 + b"\x01",
    "nan": b"\x81\xa1v" + mp_f64(float("nan")),
    "inf": b"\x81\xa1t" + mp_f64(float("inf")),
    "17-values": b"\x81\xa1v\xdc\x00\x11" + b"\x01" * 17,
    "empty-array": b"\x81\xa1v\x90",
    "dup-key": b"\x82\xa1v\x01\xa1v\x02",
    "unknown-key": b"\x81\xa1w\x01",
    "int-key": b"\x81\x01\x01",
    "not-a-map": b"\x07",
    "nil": b"\xc0",
    "c1": b"\xc1",
    "c1-in-map": b"\x81\xa1v\xc1",
    "c1-after-point": b"\x81\xa1v\x01\xc1\x81\xa1v\x02",
    "bin8": b"\x81\xa1v\xc4\x03abc",
    "ext8": b"\x81\xa1v\xc7\x02\x05ab",
    "fixext": b"\x81\xa1v\xd4\x05a",
    "fixext16": b"\x81\xa1v\xd8\x05" + b"x" * 16,
    "truncated": mp_point(3.25)[:-3],
    "two-points": mp_point(1.0) + mp_point(2.0),
    # event times: int, uint 64, negative, float32, RFC 3339, out of range, bad types
    "time-int": b"\x82\xa1t\xce\x69\x33\x84\x40\xa1v\x01",
    "time-u64-big": b"\x82\xa1t\xcf\x7f\xff\xff\xff\xff\xff\xff\xff\xa1v\x01",
    "time-negint": b"\x82\xa1t\xd3\x80\x00\x00\x00\x00\x00\x00\x00\xa1v\x01",
    "time-f32": b"\x82\xa1t\xca" + struct.pack(">f", 0.25) + b"\xa1v\x01",
    "time-rfc3339": b"\x82\xa1t" + mp_str("2026-12-06T03:12:22.125Z") + b"\xa1v\x01",
    "time-rfc3339-offset": b"\x82\xa1t" + mp_str("1969-12-31T23:59:60.5-00:00") + b"\xa1v\x01",
    "time-rfc3339-bad": b"\x82\xa1t" + mp_str("2026-02-30T00:00:00Z") + b"\xa1v\x01",
    "time-f64-huge": b"\x82\xa1t" + mp_f64(1e300) + b"\xa1v\x01",
    "time-nil": b"\x82\xa1t\xc0\xa1v\x01",
}

# --- decode_msgpack: a seed byte, then the bytes ----------------------------
for name, data in MSGPACK.items():
    put("decode_msgpack", name, b"\x05" + data)
put("decode_msgpack", "time-int-ms", b"\x06" + MSGPACK["time-int"])   # the seed's low bits: the unit
put("decode_msgpack", "time-f32-ns", b"\x07" + MSGPACK["time-f32"])

# --- decode_csv: a column byte, then the record -----------------------------
# column byte: stream_column = (b & 3) - 1, time_column = (b >> 2 & 3) - 1
NONE, S0, S0T1, T0 = 0x00, 0x01, 0x09, 0x04
CSV = {
    "one": (NONE, "1.5"),
    "three": (NONE, "1,2,3"),
    "blanks": (NONE, " 1 ,\t2 "),
    "crlf": (NONE, "1,2\r"),
    "empty": (NONE, ""),
    "empty-column": (NONE, "1,,2"),
    "trailing-comma": (NONE, "1,2,"),
    "exp": (NONE, "-1.5e-3,2E+10,1e308"),
    "overflow": (NONE, "1e400"),
    "nan": (NONE, "nan,inf,-Infinity"),
    "hex": (NONE, "0x10"),
    "word": (NONE, "abc"),
    "17-values": (NONE, ",".join(["1"] * 17)),
    "long-number": (NONE, "1" * 300),
    "stream": (S0, "s1,1.5"),
    "stream-quoted": (S0, '"a,""b""",2'),
    "stream-unterminated": (S0, '"abc,2'),
    "stream-after-quote": (S0, '"a"x,2'),
    "stream-utf8": (S0, "caf\u00e9,1"),
    "stream-long": (S0, "s" * 80 + ",1"),
    "stream-time": (S0T1, "s,12.5,3,4"),
    "time": (T0, "12.5,3"),
    "time-missing": (S0T1, "s"),
    "time-rfc3339": (T0, "2026-12-06T03:12:22.125Z,3"),
    "time-rfc3339-space": (S0T1, "s,2026-12-06 03:12:22+05:30,3"),
    "time-rfc3339-bad": (T0, "12:30,3"),
    "time-ms": (T0 | 0x10, "1765000000123.5,3"),   # bits 4-5: the time_unit (ms)
    "time-ns-max": (T0 | 0x30, "9223372036854775807,3"),
    "time-out-of-range": (T0, "1e300,3"),
}
for name, (b, rec) in CSV.items():
    put("decode_csv", name, bytes([b]) + rec.encode())
put("decode_csv", "stream-not-utf8", b"\x01\xff\xfe,1")
put("decode_csv", "stream-nul", b"\x01a\x00b,1")

# --- decode_jsonl: the record ------------------------------------------------
JSONL = {
    "v": '{"v": 1.5}',
    "v-array": '{"v": [1, 2.5, -3e2]}',
    "all": '{"stream": "s1", "t": 12.5, "v": [0.5, -0.5]}',
    "compact": '{"stream":"s1","t":1,"v":2}',
    "ws": ' \t{ "v" :\r\n 1 } \r',
    "escapes": '{"stream": "a\\"b\\\\c\\/d\\b\\f\\n\\r\\t", "v": 1}',
    "unicode": '{"stream": "caf\\u00e9 \\ud83d\\ude00", "v": 1}',
    "utf8-raw": '{"stream": "caf\u00e9", "v": 1}',
    "lone-surrogate": '{"stream": "\\ud800", "v": 1}',
    "nul-escape": '{"stream": "a\\u0000b", "v": 1}',
    "empty": "",
    "empty-object": "{}",
    "empty-array": '{"v": []}',
    "trailing-comma": '{"v": 1,}',
    "trailing-comma-array": '{"v": [1,]}',
    "garbage": '{"v": 1} x',
    "nested": '{"v": [[1]]}',
    "null": '{"v": null}',
    "string-v": '{"v": "1"}',
    "bool": '{"v": true}',
    "dup": '{"v": 1, "v": 2}',
    "unknown": '{"w": 1}',
    "missing-v": '{"t": 1}',
    "nan": '{"v": NaN}',
    "overflow": '{"v": 1e999}',
    "leading-zero": '{"v": 01}',
    "plus": '{"v": +1}',
    "dot": '{"v": .5}',
    "neg-zero": '{"v": -0.0}',
    "big-int": '{"v": 123456789012345678901234567890}',
    "tiny": '{"v": 4.9e-324}',
    "17-values": '{"v": [' + ",".join(["1"] * 17) + "]}",
    "stream-long": '{"stream": "' + "s" * 80 + '", "v": 1}',
    "array-top": "[1]",
    "number-top": "1",
    "unterminated": '{"stream": "abc',
    "control": '{"stream": "a\tb", "v": 1}',
    "time-rfc3339": '{"t": "2026-12-06T03:12:22.125Z", "v": 1}',
    "time-rfc3339-escaped": '{"t": "2026-12-06\\u005403:12:22.125+01:00", "v": 1}',
    "time-rfc3339-bad": '{"t": "2026-02-30T00:00:00Z", "v": 1}',
    "time-long-fraction": '{"t": "1970-01-01T00:00:00.' + "0" * 300 + '5Z", "v": 1}',
    "time-exact-ms": '{"t": 1765000000123.456789, "v": 1}',
    "time-out-of-range": '{"t": 1e300, "v": 1}',
    "time-null": '{"t": null, "v": 1}',
}
for name, rec in JSONL.items():
    put("decode_jsonl", name, rec)
put("decode_jsonl", "not-utf8", b'{"stream": "\xff", "v": 1}')
put("decode_jsonl", "bom", b'\xef\xbb\xbf{"v": 1}')


# --- framer: format, max_record, columns, 4 seed bytes, then the stream ----
# format byte f: f % 3 = 0 csv, 1 jsonl, 2 msgpack; f & 0x80 csv header;
# (f >> 2 & 31) and f & 0x40 the largest random chunk.  max byte m:
# max_record = 1 + m % 64, or 65536 from 0xf0.
def framer(name, fmt, maxb, cols, data):
    put("framer", name, bytes([fmt, maxb, cols, 0x12, 0x34, 0x56, 0x78]) + data)


CSV_F, JSONL_F, MP_F = 0x0c, 0x0d, 0x0e
framer("csv-lines", CSV_F, 0xf0, 0, b"1\n2.5\n3,4\n")
framer("csv-crlf-blank", CSV_F, 0xf0, 0, b"1\r\n\r\n\n22\r\nabc\r\n4")
framer("csv-header", CSV_F | 0x80, 0xf0, 0x01, b"stream,value\ns1,1\ns2,2\n")
framer("csv-long-lines", CSV_F, 15, 0, b"1\n" + b"1234567890" * 5 + b"\n2\n" + b"9" * 16 + b"\r\n3")
framer("csv-quoted", CSV_F, 0xf0, 0x09, b'"a,""b""",1,2\n"c",3,4\n')
framer("csv-no-newline", CSV_F, 0xf0, 0, b"1\n2")
framer("jsonl-lines", JSONL_F, 0xf0, 0,
       b'{"v": 1}\n{"stream": "s", "t": 2, "v": [1, 2]}\r\n\n{"v": x}\n{"v": 3}')
framer("jsonl-long", JSONL_F, 20, 0, b'{"v": 1}\n{"v": [1, 2, 3, 4, 5, 6, 7, 8, 9]}\n{"v": 2}\n')
mp_stream = b"".join(mp_point(float(i)) for i in range(4))
framer("msgpack-points", MP_F, 0xf0, 0, mp_stream)
framer("msgpack-mixed", MP_F, 0xf0, 0,
       mp_point(1.0) + b"\x81\xa1w\x01" + b"\x07" + mp_point([1.0, 2.0], stream="s", t=3.0))
framer("msgpack-oversized", MP_F, 31, 0,
       mp_point(1.0) + b"\xd9\x40" + b"\x81\xa1v\x05" * 16 + mp_point(2.0) +
       b"\x94" + b"\x81\xa1v\x05" * 4 + b"\xc4\x30" + b"x" * 48 + mp_point(3.0))
framer("msgpack-c1", MP_F, 0xf0, 0, mp_point(1.0) + b"\xc1" + mp_point(2.0))
framer("msgpack-c1-in-oversized", MP_F, 7, 0, mp_point(1.0) + b"\x9f" + b"\x01" * 10 + b"\xc1" + b"\x01" * 4)
framer("msgpack-truncated", MP_F, 0xf0, 0, mp_stream[:-3])
framer("msgpack-truncated-oversized", MP_F, 5, 0, mp_point(1.0) + b"\xd9\x40" + b"y" * 20)
framer("msgpack-str32", MP_F, 0xf0, 0, b"\x81\xdb\x00\x00\x00\x01v\x01" + mp_point(2.0))

# --- config: the shipped configurations and a few more ----------------------
for f in sorted(os.listdir(os.path.join(ROOT, "config"))):
    if f.endswith(".yaml"):
        with open(os.path.join(ROOT, "config", f), "rb") as src:
            put("config", f, src.read())
CONFIG = {
    "minimal.yaml": "instance: m\nsource: {type: stdin}\nscales:\n  - {name: a, complex: sublevel, window: 4, slide: 1}\n",
    "tcp-jsonl.yaml": """instance: t1
source: {type: tcp, host: 0.0.0.0, port: 9000, format: jsonl, max_record: 4096}
sink: {type: file, path: out.jsonl, format: msgpack}
dead_letter: {type: stderr}
max_streams: 16
supervisor: {heartbeat_timeout: 500, restart_limit: 3, restart_window: 10, backoff_min: 10, backoff_max: 100}
scales:
  - {name: r, complex: rips, window: 50, slide: 10, dims: [0, 1], threshold: 2.5, max_points: 40, memory_mb: 64}
  - {name: s, complex: sublevel, window: 8, slide: 8, overflow: drop, ring: 1024}
""",
    "udp-csv.yaml": """instance: u
source:
  type: udp
  port: 9001
  format: csv
  stream_column: 0
  time_column: 1
  header: true
scales:
  - name: e
    complex: rips
    window: 100
    slide: 1
    embed: {dim: 3, lag: 2}
""",
    "anchor-alias.yaml": "instance: &i a\nsource: {type: stdin}\nscales: [{name: *i, complex: sublevel, window: 1, slide: 1}]\n",
    "bad-indent.yaml": "instance: x\n source: {type: stdin}\n",
    "tabs.yaml": "instance:\tx\nsource: {type: stdin}\n",
    "huge-number.yaml": "instance: x\nsource: {type: stdin}\nscales: [{name: a, complex: sublevel, window: 99999999999999999999, slide: 1}]\n",
    "empty.yaml": "",
    "null-doc.yaml": "~\n",
    "two-docs.yaml": "instance: x\n---\ninstance: y\n",
    "flow-deep.yaml": "a: " + "[" * 40 + "]" * 40 + "\n",
    "kafka-props.yaml": """instance: k
source: {type: kafka, brokers: "localhost:9092", topics: [a, b], group: g, properties: {fetch.min.bytes: "1"}}
sink: {type: kafka, brokers: "localhost:9092", topic: out, exactly_once: true, compression: zstd}
dead_letter: {type: kafka, brokers: "localhost:9092", topic: dead}
scales: [{name: a, complex: sublevel, window: 2, slide: 1}]
""",
    "quoted-newline.yaml": 'instance: "a\\nb"\nsource: {type: stdin}\n',
}
for name, text in CONFIG.items():
    put("config", name, text)
put("config", "not-utf8.yaml", b"instance: \xff\xfe\nsource: {type: stdin}\n")

# --- encode: bytes laid out as fuzz_encode.c reads them ---------------------
rnd = random.Random(16)
put("encode", "zeros", bytes(64))
put("encode", "specials",
    bytes([0, 0, 0, 1, 0, 0, 0, 0, 0x0f, 8]) + b"\x00" * 7 + b"\x05" + bytes([8]) + b"\x01" * 8 +
    bytes([8]) + b"\x02" * 8 + bytes([4, 6, 8]) + b"\x00\x00\x00\x09" + bytes([2, 1, 2, 3]) + b"\x00\x07" +
    bytes([2, 5] * 4) + b"s1\x00fast\x00" + bytes([4, 6, 8, 0, 2, 20, 6, 4, 10, 18, 30, 100]) +
    bytes(range(100, 160)))
put("encode", "long-names", bytes([0] * 8 + [0x81, 0, 0, 0, 3, 1, 7]) + b"\x01" * 40 +
    b"\xe2\x82\xac" * 60 + b"\x00" + b"\xff\x22\x5c\x0a" * 50 + b"\x00")
for i in range(4):
    put("encode", "random-%d" % i, bytes(rnd.randrange(256) for _ in range(80 + 60 * i)))
# long enough to reach the events section (and often to have one)
for i in range(6):
    put("encode", "events-%d" % i, bytes(rnd.randrange(256) for _ in range(20000)))


# --- deadletter: flags, offset, line, reason\0, source\0, record ------------
def dl(name, flags, reason, source, record):
    put("deadletter", name, bytes([flags]) + b"\x00\x00\x00\x00\x00\x00\x01\x00" * 2 +
        reason + b"\x00" + source + b"\x00" + record)


dl("ascii", 0x70, b"column 0: not a number: \"abc\"", b"samples/x.csv", b"abc,1")
dl("truncated", 0x71, b"record longer than max_record (16 bytes)", b"-", b"1" * 16)
dl("not-utf8", 0x70, b"stream id is not valid UTF-8", b"tcp://127.0.0.1:9000", b"\xff\xfe,1\x80")
dl("msgpack", 0x70, b"unknown key \"w\"", b"in.msgpack", b"\x81\xa1w\x01")
dl("nul-and-controls", 0x70, b"r", b"s", b"a\x00b\x01\x1f\x7f\"\\\n\r\t")
dl("utf8", 0x70, b"caf\xc3\xa9", b"\xe2\x82\xac", "\u00e9\u20ac\U0001f600".encode())
dl("surrogate-bytes", 0x70, b"r", b"s", b"\xed\xa0\x80")
dl("overlong", 0x70, b"r", b"s", b"\xc0\xaf\xe0\x80\xaf")
dl("null-args", 0x7e, b"", b"", b"x")
dl("reason-not-utf8", 0x70, b"\xff", b"\xfe", b"ok")
for n in range(4):
    dl("base64-%d" % n, 0x70, b"pad", b"s", b"\xff" * n)


# flags bit 7: a late point's time and watermark (ns, big-endian) and unit
def dl_late(name, t, watermark, unit, record):
    put("deadletter", name, b"\xf0" + b"\x00\x00\x00\x00\x00\x00\x01\x00" * 2 +
        struct.pack(">qq", t, watermark) + bytes([unit]) + b"late\x00in.jsonl\x00" + record)


dl_late("late-ms", 1765000000100500000, 1765000000200000000, 1, b'{"t":1765000000100.5,"v":1}')
dl_late("late-s-extremes", -2**63, 2**63 - 1, 0, b"x")
dl_late("late-ns", -1, 0, 3, b"y")
